/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vsvm: the memory attributes of a VM's VA intervals (preferred location,
 * migration policy, atomic mode), set by DRM_IOCTL_VSVM_MADVISE and read by
 * the GPU fault path.
 */
#ifndef _VSVM_ATTR_H_
#define _VSVM_ATTR_H_

#include <linux/types.h>

struct drm_pagemap;
struct vsvm_vm;

/**
 * struct vsvm_attr - the attributes of one VA interval
 * @preferred_loc: an &enum drm_vsvm_location
 * @dpagemap: for %DRM_VSVM_LOCATION_PAGEMAP_FD the pagemap of the region,
 *	referenced; NULL otherwise
 * @migration_policy: an &enum drm_vsvm_migration_policy
 * @atomic_mode: an &enum drm_vsvm_atomic_mode
 */
struct vsvm_attr {
	u32 preferred_loc;
	struct drm_pagemap *dpagemap;
	u32 migration_policy;
	u32 atomic_mode;
};

void vsvm_vm_attr_get(struct vsvm_vm *vm, unsigned long va,
		      struct vsvm_attr *attr, unsigned long *start,
		      unsigned long *end);
void vsvm_attr_put(struct vsvm_attr *attr);

#endif
