/* SPDX-License-Identifier: GPL-2.0 */
/*
 * drm_msvm.ko internals shared between its objects; not for drivers.
 */
#ifndef _DRM_MSVM_INTERNAL_H_
#define _DRM_MSVM_INTERNAL_H_

#include <linux/atomic.h>

struct dentry;
struct workqueue_struct;

/* The drm_msvm debugfs directory (NULL or an error pointer without debugfs). */
extern struct dentry *drm_msvm_debugfs_root;
/* drm_msvm's workqueue: deferred pagemap destruction; flushed at exit. */
extern struct workqueue_struct *drm_msvm_wq;

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
struct drm_pagemap_dev_hold;
struct drm_pagemap_shrinker;

struct drm_pagemap_dev_hold *drm_pagemap_dev_hold_alloc(void);
bool drm_pagemap_dev_hold_take(struct drm_pagemap_dev_hold *hold,
			       struct drm_device *drm);

void drm_pagemap_util_debugfs_init(struct dentry *root);
void drm_pagemap_policy_debugfs_init(struct dentry *root);

struct vm_fault;
bool drm_pagemap_policy_cpu_fault(struct vm_fault *vmf, unsigned long size);
void drm_pagemap_shrinker_put(struct drm_pagemap_shrinker *shrinker);

#endif
