// SPDX-License-Identifier: GPL-2.0
/*
 * vsvm: the memory attributes of a VM's VA intervals.
 *
 * Until DRM_IOCTL_VSVM_MADVISE stores intervals, every address of every VM
 * has the default attributes over the whole VA space.
 */
#include <linux/limits.h>

#include <drm/drm_pagemap.h>
#include <drm/vsvm_drm.h>

#include "vsvm_attr.h"
#include "vsvm_vm.h"

/**
 * vsvm_vm_attr_get() - the attributes at a virtual address of a VM
 * @vm: the VM
 * @va: the address
 * @attr: out: its attributes; a pagemap in @attr->dpagemap is referenced
 *	and dropped by vsvm_attr_put()
 * @start: out: the first address of the interval holding @va over which
 *	the attributes are the same
 * @end: out: the address after that interval
 */
void vsvm_vm_attr_get(struct vsvm_vm *vm, unsigned long va,
		      struct vsvm_attr *attr, unsigned long *start,
		      unsigned long *end)
{
	attr->preferred_loc = DRM_VSVM_LOCATION_DEFAULT;
	attr->dpagemap = NULL;
	attr->migration_policy = DRM_VSVM_MIGRATE_ALL_PAGES;
	attr->atomic_mode = DRM_VSVM_ATOMIC_DEFAULT;
	*start = 0;
	*end = ULONG_MAX;
}

/**
 * vsvm_attr_put() - drop the references of vsvm_vm_attr_get()
 * @attr: the attributes
 */
void vsvm_attr_put(struct vsvm_attr *attr)
{
	if (attr->dpagemap)
		drm_pagemap_put(attr->dpagemap);
	attr->dpagemap = NULL;
}
