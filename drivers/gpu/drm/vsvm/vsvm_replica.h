/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vsvm read replicas: read-only copies of read-mostly memory in the VRAM of
 * the devices that read it (drm_pagemap_replica).
 */
#ifndef _VSVM_REPLICA_H_
#define _VSVM_REPLICA_H_

#include <linux/list.h>
#include <linux/types.h>

#include <drm/drm_pagemap_replica.h>

struct drm_gpusvm_range;
struct drm_pagemap;
struct vsvm_device;
struct vsvm_vm;
struct vsvm_vram_alloc;

/**
 * struct vsvm_replica - a read replica of one GPU range in a device's VRAM
 * @base: the framework's replica, in the mm's set
 * @vm: the VM that maps it (its holder)
 * @alloc: the VRAM holding the copy, contiguous
 * @offset: the VRAM offset of the copy
 * @dev_link: entry in &vsvm_device.replicas or &vsvm_device.replicas_dead,
 *	under &vsvm_device.replica_lock
 */
struct vsvm_replica {
	struct drm_pagemap_replica base;
	struct vsvm_vm *vm;
	struct vsvm_vram_alloc *alloc;
	u64 offset;
	struct list_head dev_link;
};

void vsvm_replica_device_init(struct vsvm_device *vdev);
void vsvm_replica_device_fini(struct vsvm_device *vdev);
int vsvm_replica_vm_init(struct vsvm_vm *vm);
void vsvm_replica_vm_fini(struct vsvm_vm *vm);
int vsvm_replica_fault(struct vsvm_vm *vm, struct drm_gpusvm_range *range,
		       struct drm_pagemap *local);
void vsvm_replica_collapse(struct vsvm_vm *vm, unsigned long start,
			   unsigned long end);
void vsvm_replica_invalidate(struct vsvm_vm *vm, unsigned long start,
			     unsigned long end);
bool vsvm_replica_covers(struct vsvm_vm *vm, unsigned long start,
			 unsigned long end);
bool vsvm_replica_shrink(struct vsvm_device *vdev, u64 size);
void vsvm_replica_residency(struct vsvm_vm *vm, unsigned long start,
			    unsigned long npages, u32 *mask);

#endif
