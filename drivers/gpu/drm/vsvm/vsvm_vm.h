/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vsvm: GPU VMs, each mirroring the mm of the process that created it
 * through a &struct drm_gpusvm, with a per-VM GPU page table.
 */
#ifndef _VSVM_VM_H_
#define _VSVM_VM_H_

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/xarray.h>

#include <drm/drm_gpusvm.h>
#include <drm/drm_pagemap.h>
#include <drm/drm_pagemap_policy.h>
#include <drm/drm_pagemap_replica.h>
#include <drm/vsvm_drm.h>

#include "vsvm_attr.h"
#include "vsvm_drv.h"

struct drm_device;
struct drm_file;
struct mm_struct;
struct seq_file;

/* The most VMs one DRM file may hold; VM_CREATE fails with -ENOSPC above. */
#define VSVM_VM_MAX_PER_FILE	DRM_VSVM_VM_MAX_PER_FILE

/**
 * struct vsvm_vm - one GPU VM
 * @refcount: the file's VM table holds one reference, each user one more
 * @vdev: the device
 * @mm: the mm the VM mirrors (mmgrab()ed), that of its creator; only
 *	callers running in this mm may use the VM
 * @id: the VM id in its file (from 1)
 * @lock: the driver lock of @svm (drm_gpusvm_driver_set_lock()): serializes
 *	GPU faults (find_or_insert, migration, get_pages, bind), the garbage
 *	collector and the GPU work (vsvm_exec.c) of this VM. Lock order:
 *	@lock -> mmap_lock -> &drm_gpusvm.notifier_lock.
 * @svm: the SVM mirror of @mm
 * @pt: the GPU page table: index VA >> PAGE_SHIFT, value entries encoding
 *	the device address of the page and whether it is writable (see
 *	vsvm_vm_pt_lookup()). Written with @lock and the notifier lock held
 *	for read (bind), or with the notifier lock held for write (the zap of
 *	the invalidate callback); read with the notifier lock held for read.
 *	Slots are reserved (xa_reserve()) under @lock before the notifier lock
 *	is taken, so a bind never allocates under it.
 * @link: entry in the device's VM list (under &vsvm_device.vm_lock)
 * @attrs: the memory attributes of its VA (MADVISE), with a lock of its
 *	own taken under @lock (see &struct vsvm_attr_store)
 * @policy: the migration policy of @mm, shared with every VM of every
 *	device mirroring it (vsvm_policy.c), referenced
 * @policy_proc: the VM as a processor of @policy: owner, the device's
 *	interconnect owner group
 * @access: the device's access counters over @mm (vsvm_access.c),
 *	protected by @lock: added to and cleared by the executor's flush,
 *	cleared over a range a GPU fault drops (vsvm_access_forget())
 * @access_advised: MADVISE set %DRM_VSVM_ACCESS_COUNTERS_ON on some range
 *	of the VM: the executor counts (set once, read and written with
 *	READ_ONCE()/WRITE_ONCE())
 * @access_gone_start: with @access_gone_end, the span of the addresses
 *	unmapped since @access last forgot the counts of unmapped memory
 *	(empty when not below @access_gone_end): widened by the invalidate
 *	callback under the notifier lock held for write, emptied by
 *	vsvm_access_flush() under @lock and the notifier lock held for read
 * @access_gone_end: see @access_gone_start
 * @replicas: the read replicas of @mm (vsvm_replica.c), shared with every
 *	VM of every device mirroring it, referenced
 * @replica_user: the VM as a user of @replicas
 */
struct vsvm_vm {
	struct kref refcount;
	struct vsvm_device *vdev;
	struct mm_struct *mm;
	u32 id;
	struct mutex lock; /* the gpusvm driver lock, see above */
	struct drm_gpusvm svm;
	struct xarray pt;
	struct list_head link;
	struct vsvm_attr_store attrs;
	struct drm_pagemap_policy *policy;
	struct drm_pagemap_policy_proc policy_proc;
	struct drm_pagemap_access_counters access;
	bool access_advised;
	unsigned long access_gone_start;
	unsigned long access_gone_end;
	struct drm_pagemap_replica_set *replicas;
	struct drm_pagemap_replica_user replica_user;
};

/**
 * struct vsvm_file - the driver state of one open DRM file
 * @lock: protects @vms and @nr_vms
 * @vms: the file's VMs by id, each holding a VM reference
 * @nr_vms: the number of VMs in @vms, at most %VSVM_VM_MAX_PER_FILE
 * @next_id: the cyclic allocation cursor of @vms
 */
struct vsvm_file {
	struct mutex lock; /* protects vms and nr_vms */
	struct xarray vms;
	unsigned int nr_vms;
	u32 next_id;
};

/**
 * vsvm_device_owner() - the device-private page owner of a device
 * @vdev: the device
 *
 * The device's interconnect owner group (that of its pagemap, acquired at
 * registration), so that HMM hands the VM the device pages of its group as
 * they are. A device without one (a test device) is its own owner. The
 * pointer is only compared, never dereferenced, by drm_gpusvm and HMM.
 *
 * Return: the owner cookie handed to HMM and drm_gpusvm.
 */
static inline void *vsvm_device_owner(struct vsvm_device *vdev)
{
	return vdev->pagemap.peer.owner ? (void *)vdev->pagemap.peer.owner :
					  (void *)vdev;
}

/* vsvm_vm_pt_entry() permission: the GPU may write the page */
#define VSVM_PT_WRITE		BIT(0)
/* vsvm_vm_pt_entry() permission: GPU atomics may run on the page in place */
#define VSVM_PT_ATOMIC		BIT(1)

/**
 * enum vsvm_pt_atomic - which pages of a bound range take GPU atomics
 * @VSVM_PT_ATOMIC_ALL: every writable page, wherever it is
 * @VSVM_PT_ATOMIC_LOCAL: writable pages in the device's own VRAM
 * @VSVM_PT_ATOMIC_SYSTEM: writable pages in system memory
 *
 * An atomic on a page without %VSVM_PT_ATOMIC is a GPU fault that places
 * the range for atomics first.
 */
enum vsvm_pt_atomic {
	VSVM_PT_ATOMIC_ALL,
	VSVM_PT_ATOMIC_LOCAL,
	VSVM_PT_ATOMIC_SYSTEM,
};

void vsvm_device_vms_init(struct vsvm_device *vdev);
void vsvm_vm_debugfs_show(struct vsvm_device *vdev, struct seq_file *m);
void vsvm_vm_debugfs_init(struct vsvm_device *vdev);

struct vsvm_vm *vsvm_vm_create(struct vsvm_device *vdev);
struct vsvm_vm *vsvm_vm_get(struct vsvm_vm *vm);
void vsvm_vm_put(struct vsvm_vm *vm);
int vsvm_vm_fault(struct vsvm_vm *vm, unsigned long va, bool write);
void vsvm_vm_gc(struct vsvm_vm *vm);
bool vsvm_vm_pt_lookup(struct vsvm_vm *vm, unsigned long va,
		       struct drm_pagemap_addr *addr, bool *writable);
bool vsvm_vm_pt_entry(struct vsvm_vm *vm, unsigned long va,
		      struct drm_pagemap_addr *addr, unsigned int *perms);
void vsvm_vm_pt_zap(struct vsvm_vm *vm, unsigned long start,
		    unsigned long end);
void vsvm_vm_pt_revoke_write(struct vsvm_vm *vm, unsigned long start,
			     unsigned long end);
int vsvm_vm_pt_bind_replica(struct vsvm_vm *vm, struct drm_gpusvm_range *range,
			    u64 offset);
int vsvm_vm_pt_reserve(struct vsvm_vm *vm, struct drm_gpusvm_range *range);
void vsvm_vm_pt_unreserve(struct vsvm_vm *vm, struct drm_gpusvm_range *range);
int vsvm_vm_pt_bind(struct vsvm_vm *vm, struct drm_gpusvm_range *range,
		    enum vsvm_pt_atomic atomic);
unsigned long vsvm_vm_pt_count(struct vsvm_vm *vm);

int vsvm_file_open(struct drm_device *drm, struct drm_file *file);
void vsvm_file_postclose(struct drm_device *drm, struct drm_file *file);
struct vsvm_vm *vsvm_vm_lookup(struct drm_file *file, u32 id);

int vsvm_vm_create_ioctl(struct drm_device *drm, void *data,
			 struct drm_file *file);
int vsvm_vm_create_ioctl_user(struct drm_device *drm, void *data,
			      struct drm_file *file);
int vsvm_vm_destroy_ioctl(struct drm_device *drm, void *data,
			  struct drm_file *file);

#endif
