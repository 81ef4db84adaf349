/* SPDX-License-Identifier: GPL-2.0 */
/*
 * drm_pagemap_util: interconnect owner groups, the pagemap cache and its
 * shrinker, and pagemap file descriptors.
 */
#ifndef _DRM_MSVM_DRM_PAGEMAP_UTIL_H_
#define _DRM_MSVM_DRM_PAGEMAP_UTIL_H_

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/types.h>

struct drm_device;
struct drm_pagemap;
struct drm_pagemap_cache;
struct drm_pagemap_owner;
struct drm_pagemap_shrinker;
struct file;

/**
 * struct drm_pagemap_owner_list - the devices among which owners are shared
 * @lock: protects @peers and the @owner of each peer on it
 * @peers: the &struct drm_pagemap_peer with an owner, grouped by owner
 */
struct drm_pagemap_owner_list {
	/* protects @peers and the owner of each peer on it */
	struct mutex lock;
	struct list_head peers;
};

/**
 * struct drm_pagemap_peer - one device taking part in owner grouping
 * @list: the owner list it is on, or NULL
 * @link: link in @list's peers
 * @owner: the owner given by drm_pagemap_acquire_owner(), or NULL
 * @private: for the caller (e.g. its device), read by has_interconnect
 */
struct drm_pagemap_peer {
	struct drm_pagemap_owner_list *list;
	struct list_head link;
	struct drm_pagemap_owner *owner;
	void *private;
};

/**
 * DRM_PAGEMAP_OWNER_LIST_DEFINE() - define an owner list, initialized
 * @...: the variable's name (one identifier)
 *
 * Usually one list for a whole driver, defined static at file scope.
 */
#define DRM_PAGEMAP_OWNER_LIST_DEFINE(...) \
	struct drm_pagemap_owner_list __VA_ARGS__ = { \
		.lock = __MUTEX_INITIALIZER((__VA_ARGS__).lock), \
		.peers = LIST_HEAD_INIT((__VA_ARGS__).peers), \
	}

void drm_pagemap_owner_list_init(struct drm_pagemap_owner_list *list);
int drm_pagemap_acquire_owner(struct drm_pagemap_peer *peer,
			      struct drm_pagemap_owner_list *owner_list,
			      bool (*has_interconnect)(struct drm_pagemap_peer *peer1,
						       struct drm_pagemap_peer *peer2));
void drm_pagemap_release_owner(struct drm_pagemap_peer *peer);

void drm_pagemap_shrinker_add(struct drm_pagemap *dpagemap);
#ifdef CONFIG_PROVE_LOCKING
void drm_pagemap_shrinker_might_lock(struct drm_pagemap *dpagemap);
#else
static inline void drm_pagemap_shrinker_might_lock(struct drm_pagemap *dpagemap)
{
}
#endif

struct drm_pagemap_shrinker *drm_pagemap_shrinker_create(const char *name);
void drm_pagemap_shrinker_destroy(struct drm_pagemap_shrinker *shrinker);
struct drm_pagemap_shrinker *drm_pagemap_shrinker_create_devm(struct drm_device *drm);
unsigned long drm_pagemap_shrinker_count(struct drm_pagemap_shrinker *shrinker);
unsigned long drm_pagemap_shrinker_scan(struct drm_pagemap_shrinker *shrinker,
					unsigned long nr_to_scan);

struct drm_pagemap_cache *drm_pagemap_cache_create(struct drm_pagemap_shrinker *shrinker);
void drm_pagemap_cache_destroy(struct drm_pagemap_cache *cache);
struct drm_pagemap_cache *drm_pagemap_cache_create_devm(struct drm_pagemap_shrinker *shrinker);
struct drm_pagemap *
drm_pagemap_cache_lookup_or_create(struct drm_pagemap_cache *cache,
				   struct drm_pagemap *(*create)(void *arg),
				   void *arg);
struct drm_pagemap *
drm_pagemap_get_from_cache_if_active(struct drm_pagemap_cache *cache);
void drm_pagemap_cache_detach(struct drm_pagemap_cache *cache,
			      struct drm_pagemap *dpagemap);

int drm_pagemap_cache_lock_lookup(struct drm_pagemap_cache *cache);
void drm_pagemap_cache_unlock_lookup(struct drm_pagemap_cache *cache);
struct drm_pagemap *drm_pagemap_get_from_cache(struct drm_pagemap_cache *cache);
void drm_pagemap_cache_set_pagemap(struct drm_pagemap_cache *cache,
				   struct drm_pagemap *dpagemap);

struct file *drm_pagemap_file_create(struct drm_pagemap *dpagemap);
struct drm_pagemap *drm_pagemap_from_file(struct file *file);
int drm_pagemap_get_fd(struct drm_pagemap *dpagemap);
struct drm_pagemap *drm_pagemap_from_fd(int fd);

#endif
