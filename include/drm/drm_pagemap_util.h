/* SPDX-License-Identifier: GPL-2.0 */
/*
 * drm_pagemap_util: interconnect owner groups, the pagemap cache and its
 * shrinker, and pagemap file descriptors.
 */
#ifndef _DRM_MSVM_DRM_PAGEMAP_UTIL_H_
#define _DRM_MSVM_DRM_PAGEMAP_UTIL_H_

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>

struct device;
struct drm_pagemap;
struct file;
struct shrinker;

/**
 * struct drm_pagemap_owner - an interconnect owner group
 * @ref: one reference per peer of the group
 *
 * Its address is what &dev_pagemap.owner and HMM's dev_private_owner
 * carry for every device of the group.
 */
struct drm_pagemap_owner {
	struct kref ref;
};

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

void drm_pagemap_owner_list_init(struct drm_pagemap_owner_list *list);
int drm_pagemap_acquire_owner(struct drm_pagemap_peer *peer,
			      struct drm_pagemap_owner_list *owner_list,
			      bool (*has_interconnect)(struct drm_pagemap_peer *peer1,
						       struct drm_pagemap_peer *peer2));
void drm_pagemap_release_owner(struct drm_pagemap_peer *peer);

/**
 * struct drm_pagemap_shrinker - destroys inactive pagemaps under pressure
 * @shrink: the core shrinker
 * @lock: protects @dpagemaps, @num_inactive, the &drm_pagemap.shrink_link
 *	  of the pagemaps, and the 1 -> 0 transition of their refcounts
 *	  (drm_pagemap_put() drops the last reference under it). A spinlock:
 *	  it is taken in reclaim and in atomic context. Outer to every
 *	  &drm_pagemap_cache.lock.
 * @dpagemaps: the inactive pagemaps, oldest first
 * @num_inactive: the number of entries of @dpagemaps
 */
struct drm_pagemap_shrinker {
	struct shrinker *shrink;
	/* protects @dpagemaps, @num_inactive, the last put of the pagemaps */
	spinlock_t lock;
	struct list_head dpagemaps;
	unsigned long num_inactive;
};

/**
 * struct drm_pagemap_cache - one pagemap per device-memory region
 * @lookup_mutex: serializes lookup-or-create; held while the provider
 *		  creates a pagemap (which allocates, so it may enter
 *		  reclaim: the shrinker never takes it)
 * @lock: protects @dpagemap and &drm_pagemap.cache of it; inner to the
 *	  shrinker lock
 * @dpagemap: the cached pagemap (active or inactive), or NULL
 * @shrinker: the shrinker the inactive pagemap is handed to
 */
struct drm_pagemap_cache {
	/* serializes lookup-or-create; never taken in reclaim */
	struct mutex lookup_mutex;
	/* protects @dpagemap and its cache link; inner to the shrinker lock */
	spinlock_t lock;
	struct drm_pagemap *dpagemap;
	struct drm_pagemap_shrinker *shrinker;
};

struct drm_pagemap_shrinker *drm_pagemap_shrinker_create(const char *name);
void drm_pagemap_shrinker_destroy(struct drm_pagemap_shrinker *shrinker);
struct drm_pagemap_shrinker *drm_pagemap_shrinker_create_devm(struct device *dev);
unsigned long drm_pagemap_shrinker_count(struct drm_pagemap_shrinker *shrinker);
unsigned long drm_pagemap_shrinker_scan(struct drm_pagemap_shrinker *shrinker,
					unsigned long nr_to_scan);

struct drm_pagemap_cache *drm_pagemap_cache_create(struct drm_pagemap_shrinker *shrinker);
void drm_pagemap_cache_destroy(struct drm_pagemap_cache *cache);
struct drm_pagemap_cache *drm_pagemap_cache_create_devm(struct device *dev,
							struct drm_pagemap_shrinker *shrinker);
struct drm_pagemap *
drm_pagemap_cache_lookup_or_create(struct drm_pagemap_cache *cache,
				   struct drm_pagemap *(*create)(void *arg),
				   void *arg);
struct drm_pagemap *
drm_pagemap_get_from_cache_if_active(struct drm_pagemap_cache *cache);
void drm_pagemap_cache_detach(struct drm_pagemap_cache *cache,
			      struct drm_pagemap *dpagemap);

struct file *drm_pagemap_file_create(struct drm_pagemap *dpagemap);
struct drm_pagemap *drm_pagemap_from_file(struct file *file);
int drm_pagemap_get_fd(struct drm_pagemap *dpagemap);
struct drm_pagemap *drm_pagemap_from_fd(int fd);

#endif
