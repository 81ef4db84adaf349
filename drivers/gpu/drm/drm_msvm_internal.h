/* SPDX-License-Identifier: GPL-2.0 */
/*
 * drm_msvm.ko internals shared between its objects; not for drivers.
 */
#ifndef _DRM_MSVM_INTERNAL_H_
#define _DRM_MSVM_INTERNAL_H_

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>

struct dentry;
struct fault_attr;
struct workqueue_struct;

/* The drm_msvm debugfs directory (NULL or an error pointer without debugfs). */
extern struct dentry *drm_msvm_debugfs_root;
/* drm_msvm's workqueue: deferred pagemap destruction; flushed at exit. */
extern struct workqueue_struct *drm_msvm_wq;

/*
 * Fault injection for the drivers' tests: debugfs drm_msvm/fail_walk_timeout
 * (the kernel's fault-injection attributes: probability, times,
 * task-filter, ...) makes drm_gpusvm_get_pages(),
 * drm_gpusvm_range_get_pages() and drm_gpusvm_range_evict() fail with
 * -EBUSY before their walk, as they do when invalidations kept racing it
 * for HMM_RANGE_DEFAULT_TIMEOUT: a rare case (a loaded machine, other
 * threads migrating the same pages) that a driver must retry.
 */
extern struct fault_attr drm_msvm_fail_walk_timeout;

/* The global pagemap counters behind struct drm_pagemap_stats. */
struct drm_pagemap_counters {
	atomic64_t active;
	atomic64_t inactive;
	atomic64_t revived;
	atomic64_t destroyed;
	atomic64_t zdds;
};

extern struct drm_pagemap_counters drm_pagemap_counters;

struct drm_device;
struct drm_pagemap;
struct shrinker;

/**
 * struct drm_pagemap_owner - an interconnect owner group
 * @ref: one reference per peer of the group
 *
 * Its address is what &dev_pagemap.owner and HMM's dev_private_owner
 * carry for every device of the group. Opaque to drivers: they only
 * compare the pointer (&drm_pagemap_peer.owner).
 */
struct drm_pagemap_owner {
	struct kref ref;
};

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
 * @drm: the drm device of drm_pagemap_shrinker_create_devm(), or NULL
 *
 * Opaque to drivers (include/drm/drm_pagemap_util.h declares it only).
 */
struct drm_pagemap_shrinker {
	struct shrinker *shrink;
	/* protects @dpagemaps, @num_inactive, the last put of the pagemaps */
	spinlock_t lock;
	struct list_head dpagemaps;
	unsigned long num_inactive;
	struct drm_device *drm;
};

/**
 * struct drm_pagemap_cache - one pagemap per device-memory region
 * @lookup_mutex: serializes lookups (drm_pagemap_cache_lock_lookup());
 *		  held while the provider creates a pagemap (which
 *		  allocates, so it may enter reclaim: the shrinker never
 *		  takes it)
 * @lock: protects @dpagemap and &drm_pagemap.cache of it; inner to the
 *	  shrinker lock
 * @dpagemap: the cached pagemap (active or inactive), or NULL
 * @shrinker: the shrinker the inactive pagemap is handed to
 *
 * Opaque to drivers (include/drm/drm_pagemap_util.h declares it only).
 */
struct drm_pagemap_cache {
	/* serializes lookups; never taken in reclaim */
	struct mutex lookup_mutex;
	/* protects @dpagemap and its cache link; inner to the shrinker lock */
	spinlock_t lock;
	struct drm_pagemap *dpagemap;
	struct drm_pagemap_shrinker *shrinker;
};

void drm_pagemap_util_debugfs_init(struct dentry *root);
void drm_pagemap_policy_debugfs_init(struct dentry *root);

struct vm_fault;
bool drm_pagemap_policy_cpu_fault(struct vm_fault *vmf, unsigned long size);
void drm_pagemap_shrinker_put(struct drm_pagemap_shrinker *shrinker);

#endif
