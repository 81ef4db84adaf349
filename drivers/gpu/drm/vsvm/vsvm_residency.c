// SPDX-License-Identifier: GPL-2.0
/*
 * vsvm: DRM_IOCTL_VSVM_RESIDENCY, where each page of a range is, without
 * faulting or migrating anything.
 *
 * drm_gpusvm_walk_mm() reports the pages present in the CPU page table
 * (system memory) and, among the device-private pages, those of the
 * owners asked for: the distinct owners of the registered vsvm devices
 * (the devices of one interconnect group share one), the VM's own first.
 * A device page is then mapped to the vsvm device whose VRAM it is
 * through its dev_pagemap, which vsvm embeds in &struct vsvm_pagemap; the
 * walk holds the page stable meanwhile.
 *
 * The owners come from the device registry (vsvm_registry.c); they are
 * only compared with &dev_pagemap.owner, never dereferenced.
 *
 * Locking: no lock of its own; the registry's and the walk's (the
 * framework's) are taken in turn, never together.
 *
 * Device-private pages of a device that is not a vsvm device (whose owner
 * vsvm does not know) read as %DRM_VSVM_RESIDENCY_NONE; device pages of a
 * vsvm owner that belong to no registered device, and device-coherent or
 * other ZONE_DEVICE pages mapped in the CPU page table, read as
 * %DRM_VSVM_RESIDENCY_OTHER.
 */
#include <linux/bitmap.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/string.h>

#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gpusvm.h>

#include <kunit/visibility.h>

#include "vsvm_drv.h"
#include "vsvm_replica.h"
#include "vsvm_registry.h"
#include "vsvm_residency.h"
#include "vsvm_vm.h"

/*
 * The distinct interconnect owners of the registered devices, @owner first
 * (the VM's own device, the likeliest place of its pages), in a
 * kmalloc()ed array.
 */
static void **vsvm_residency_owners_get(void *owner, unsigned int *count)
{
	unsigned int n, i, k, out = 1;
	void **owners;

	owners = vsvm_registry_owners_get(&n);
	if (!owners)
		return NULL;
	/* Room for one more entry: put @owner first, then the others once. */
	memmove(owners + 1, owners, n * sizeof(*owners));
	owners[0] = owner;
	for (i = 1; i <= n; i++) {
		for (k = 0; k < out; k++)
			if (owners[k] == owners[i])
				break;
		if (k == out)
			owners[out++] = owners[i];
	}
	*count = out;
	return owners;
}

/* The location of a page drm_gpusvm_walk_mm() found; the page is stable. */
static u32 vsvm_residency_of_page(struct page *page)
{
	struct vsvm_pagemap *vpm;

	if (!is_zone_device_page(page))
		return DRM_VSVM_RESIDENCY_SYSTEM;
	if (!is_device_private_page(page) ||
	    page->pgmap->ops != drm_pagemap_pagemap_ops_get())
		return DRM_VSVM_RESIDENCY_OTHER;
	/*
	 * A drm_pagemap device page whose owner is a vsvm device's: every
	 * such dev_pagemap is the one of a &struct vsvm_pagemap. A pagemap
	 * of no DRM device (KUnit) has no index.
	 */
	vpm = container_of(page->pgmap, struct vsvm_pagemap, pgmap);
	if (!vpm->pd->drm)
		return DRM_VSVM_RESIDENCY_OTHER;
	return DRM_VSVM_RESIDENCY_DEVICE(to_vsvm_device(vpm->pd->drm)->index);
}

static void vsvm_residency_page(void *arg, unsigned long index,
				struct page *page)
{
	u32 *loc = arg;

	loc[index] = vsvm_residency_of_page(page);
}

/**
 * vsvm_residency_get() - the location of each page of a range of an mm
 * @mm: the mm, that of the caller
 * @owner: the device-private owner to try first
 * @start: the first address, page aligned
 * @npages: the number of pages, at least one
 * @loc: out: one %DRM_VSVM_RESIDENCY_* value per page
 *
 * Faults and migrates nothing. VA without a VMA, not readable, or not
 * populated reads as %DRM_VSVM_RESIDENCY_NONE.
 *
 * Return: 0, -EINTR on a fatal signal, -ENOMEM, or another errno of
 * drm_gpusvm_walk_mm().
 */
int vsvm_residency_get(struct mm_struct *mm, void *owner, unsigned long start,
		       unsigned long npages, u32 *loc)
{
	unsigned int nr_owners = 0;
	unsigned long i;
	void **owners;
	int err;

	for (i = 0; i < npages; i++)
		loc[i] = DRM_VSVM_RESIDENCY_NONE;

	owners = vsvm_residency_owners_get(owner, &nr_owners);
	if (!owners)
		return -ENOMEM;
	err = drm_gpusvm_walk_mm(mm, start, npages, owners, nr_owners,
				 vsvm_residency_page, loc);
	kfree(owners);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_residency_get);

/**
 * vsvm_residency_fault_to_ram() - migrate device pages back to system memory
 * @mm: the mm, that of the caller
 * @start: the first address, page aligned
 * @npages: the number of pages
 * @loc: the locations of the pages (vsvm_residency_get())
 *
 * Faults every page @loc puts in device memory with HMM and no device
 * owner (drm_gpusvm_evict_mm()), so that the CPU fault path of its pagemap
 * (migrate_to_ram) brings it back to system memory. Other pages are left
 * alone.
 *
 * Return: 0, -EFAULT if a page cannot be faulted, -EINTR, -ENOMEM (also
 * when migrate_to_ram ran out of memory).
 */
int vsvm_residency_fault_to_ram(struct mm_struct *mm, unsigned long start,
				unsigned long npages, const u32 *loc)
{
	unsigned long i, *which;
	bool any = false;
	int err;

	which = bitmap_zalloc(npages, GFP_KERNEL);
	if (!which)
		return -ENOMEM;
	for (i = 0; i < npages; i++) {
		if (vsvm_residency_is_device(loc[i])) {
			__set_bit(i, which);
			any = true;
		}
	}
	err = any ? drm_gpusvm_evict_mm(mm, start, npages, which) : 0;
	bitmap_free(which);
	return err;
}

/**
 * vsvm_residency_ioctl() - DRM_IOCTL_VSVM_RESIDENCY
 * @drm: the DRM device
 * @data: the &struct drm_vsvm_residency
 * @file: the DRM file
 *
 * With %DRM_VSVM_RESIDENCY_REPLICAS in @flags, the bitmask of the
 * devices holding read replicas of each page instead.
 *
 * Return: 0 with the locations written; -EINVAL for unknown @flags or
 * @reserved, an unaligned @start, @num_pages zero or above
 * %DRM_VSVM_RESIDENCY_MAX_PAGES, a range that wraps; -EFAULT for a bad
 * @locations; -ENOENT for an unknown VM, -EACCES from another process;
 * -ENODEV once the device is gone; -EINTR, -ENOMEM.
 */
int vsvm_residency_ioctl(struct drm_device *drm, void *data,
			 struct drm_file *file)
{
	struct vsvm_device *vdev = to_vsvm_device(drm);
	struct drm_vsvm_residency *args = data;
	void __user *uptr = u64_to_user_ptr(args->locations);
	struct vsvm_vm *vm;
	u64 end;
	u32 *loc;
	int idx, err;

	if ((args->flags & ~DRM_VSVM_RESIDENCY_REPLICAS) ||
	    args->reserved[0] || args->reserved[1])
		return -EINVAL;
	if (!PAGE_ALIGNED(args->start) || !args->num_pages ||
	    args->num_pages > DRM_VSVM_RESIDENCY_MAX_PAGES)
		return -EINVAL;
	if (check_add_overflow(args->start, args->num_pages << PAGE_SHIFT,
			       &end) || end > ULONG_MAX)
		return -EINVAL;
	if (!access_ok(uptr, args->num_pages * sizeof(u32)))
		return -EFAULT;

	if (!drm_dev_enter(drm, &idx))
		return -ENODEV;
	vm = vsvm_vm_lookup(file, args->vm_id);
	if (IS_ERR(vm)) {
		err = PTR_ERR(vm);
		goto out_exit;
	}
	loc = kvmalloc_array(args->num_pages, sizeof(*loc), GFP_KERNEL);
	if (!loc) {
		err = -ENOMEM;
		goto out_put;
	}
	if (args->flags & DRM_VSVM_RESIDENCY_REPLICAS)
		vsvm_replica_residency(vm, args->start, args->num_pages, loc);
	else
		err = vsvm_residency_get(vm->mm, vsvm_device_owner(vdev),
					 args->start, args->num_pages, loc);
	if (!err && copy_to_user(uptr, loc, args->num_pages * sizeof(u32)))
		err = -EFAULT;
	kvfree(loc);
out_put:
	vsvm_vm_put(vm);
out_exit:
	drm_dev_exit(idx);
	return err;
}
