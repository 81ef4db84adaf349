/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vsvm: the reference driver of drm-msvm, an emulated fault-capable GPU.
 */
#ifndef _VSVM_DRV_H_
#define _VSVM_DRV_H_

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#include <drm/drm_device.h>

#include <drm/vsvm_drm.h>
#include "vsvm_copy.h"
#include "vsvm_counters.h"
#include "vsvm_pagemap.h"
#include "vsvm_vram.h"

struct device;
struct pci_dev;

/**
 * struct vsvm_device - one emulated GPU
 * @drm: its DRM device (with a render node)
 * @index: its index among all vsvm devices, of both backends
 * @backend: where its VRAM comes from, an &enum drm_vsvm_backend
 * @pdev: its PCI device where @backend is %DRM_VSVM_BACKEND_PCI_BAR
 * @vram: its VRAM; set up before the DRM device is registered and torn
 *	down after it is unplugged, so only touched between drm_dev_enter()
 *	and drm_dev_exit() by the DRM entry points
 * @copy: its copy engine, set up and torn down with @pagemap
 * @pagemap: the pagemap of @vram (vsvm_pagemap.h), set up at registration
 *	and torn down after unplug, before @vram
 * @vm_lock: protects @vm_list and @nr_vms; taken after &vsvm_file.lock
 *	and before the notifier lock of a VM
 * @vm_list: the live &struct vsvm_vm of all files of the device
 * @nr_vms: the number of VMs in @vm_list
 * @counters: what the emulated GPU did (vsvm_counters.c), lockless
 * @replica_mutex: serializes taking replicas of the device out for good
 *	(memory pressure, VM and device teardown); see vsvm_replica.c
 * @replica_lock: protects @replicas, @replicas_dead and the replicas'
 *	device links (vsvm_replica.c); a spinlock taken inside the notifier
 *	lock of any VM, around the replica set's spinlock, and inside nothing
 *	else
 * @replicas: the live read replicas in @vram, oldest first (&struct
 *	vsvm_replica)
 * @replicas_dead: replicas unmapped by an invalidation whose VRAM is yet to
 *	be freed
 * @replica_reap: frees @replicas_dead, queued by the invalidations
 * @nr_replicas: the replicas whose VRAM is not freed yet, wherever they
 *	are (made, live, dead, or taken out by a collapse in progress)
 *
 * All fields but @vram's allocator state and the VM list are constant after
 * probe.
 */
struct vsvm_device {
	struct drm_device drm;
	int index;
	enum drm_vsvm_backend backend;
	struct pci_dev *pdev;
	struct vsvm_vram vram;
	struct vsvm_copy_engine copy;
	struct vsvm_pagemap_dev pagemap;
	struct mutex vm_lock; /* protects vm_list and nr_vms */
	struct list_head vm_list;
	unsigned int nr_vms;
	struct vsvm_counters counters;
	struct mutex replica_mutex; /* see vsvm_replica.c */
	spinlock_t replica_lock; /* protects replicas, replicas_dead */
	struct list_head replicas;
	struct list_head replicas_dead;
	struct work_struct replica_reap;
	atomic_t nr_replicas;
};

/**
 * to_vsvm_device() - the vsvm device of a DRM device
 * @drm: the DRM device of a vsvm device
 *
 * Return: the vsvm device.
 */
static inline struct vsvm_device *to_vsvm_device(struct drm_device *drm)
{
	return container_of(drm, struct vsvm_device, drm);
}

/**
 * struct vsvm_ioctl_user - the argument of an ioctl that writes its answer
 * back to user space itself
 * @data: the kernel copy of the user's argument, at least as large as the
 *	driver's structure (zero-filled beyond what user space passed)
 * @uarg: the user's argument, where the answer goes
 * @out_size: the bytes of @data to copy back to @uarg: the size encoded in
 *	the user's ioctl number if it has the write-back direction, else 0
 *
 * The ioctls that create something (VM_CREATE, DEVMEM_OPEN) must not
 * leave it behind when their answer cannot be written back, which the DRM
 * core's copy-out in drm_ioctl(), after the handler has returned, cannot
 * undo. vsvm_ioctl() hands them this instead of drm_ioctl()'s kernel copy
 * and never copies back after them: they copy the answer out with
 * vsvm_ioctl_copy_out() before they publish what they made.
 */
struct vsvm_ioctl_user {
	void *data;
	void __user *uarg;
	unsigned int out_size;
};

int vsvm_ioctl_copy_out(const struct vsvm_ioctl_user *iu, size_t need);

struct vsvm_device *vsvm_device_alloc(struct device *parent,
				      enum drm_vsvm_backend backend);
int vsvm_device_register(struct vsvm_device *vdev);
void vsvm_device_remove(struct vsvm_device *vdev);

int vsvm_platform_init(void);
void vsvm_platform_exit(void);
int vsvm_pci_init(void);
void vsvm_pci_exit(void);

void vsvm_debugfs_init(struct vsvm_device *vdev);

#endif
