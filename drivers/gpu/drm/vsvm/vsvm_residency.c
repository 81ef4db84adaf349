// SPDX-License-Identifier: GPL-2.0
/*
 * vsvm: DRM_IOCTL_VSVM_RESIDENCY, where each page of a range is, without
 * faulting or migrating anything.
 *
 * hmm_range_fault() without HMM_PFN_REQ_FAULT reports the pages present in
 * the CPU page table (system memory) and, among the device-private pages,
 * only those whose &dev_pagemap.owner is the dev_private_owner asked for;
 * any other device-private page reads as absent. So the range is walked
 * once per distinct owner of the registered vsvm devices (the devices of
 * one interconnect group share one), until every page is resolved. A
 * device page is then mapped to the vsvm device whose VRAM it is through
 * its dev_pagemap, which vsvm embeds in &struct vsvm_pagemap.
 *
 * The device registry (vsvm_residency_register()) keeps the owner cookie
 * of every registered device by index. It is only compared with
 * &dev_pagemap.owner, never dereferenced.
 *
 * Locking: vsvm_residency_lock protects the registry; it is taken alone.
 * Each walk has a temporary mmu_interval_notifier and a mutex,
 * &vsvm_residency_walk.lock, that the notifier's invalidate takes; the
 * walk reads the device pages it got with that mutex held and the
 * notifier sequence unchanged, so none of them is migrated or freed in
 * the meantime. Order: mmap_lock (dropped before) -> walk lock.
 *
 * Device-private pages of a device that is not a vsvm device (whose owner
 * vsvm does not know) read as %DRM_VSVM_RESIDENCY_NONE; device pages of a
 * vsvm owner that belong to no registered device, and device-coherent or
 * other ZONE_DEVICE pages mapped in the CPU page table, read as
 * %DRM_VSVM_RESIDENCY_OTHER.
 */
#include <linux/hmm.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include <drm/drm_drv.h>
#include <drm/drm_file.h>

#include <kunit/visibility.h>

#include "vsvm_drv.h"
#include "vsvm_replica.h"
#include "vsvm_residency.h"
#include "vsvm_vm.h"

/* The pages one hmm_range_fault() call of a walk covers. */
#define VSVM_RESIDENCY_CHUNK	512ul

/* Protects vsvm_residency_owners; taken alone. */
static DEFINE_MUTEX(vsvm_residency_lock);
/* The owner cookie (vsvm_device_owner()) of each registered device. */
static DEFINE_XARRAY(vsvm_residency_owners);

/**
 * vsvm_residency_register() - make a device's VRAM visible to RESIDENCY
 * @vdev: the device, its pagemap state set up
 *
 * Return: 0 or -ENOMEM.
 */
int vsvm_residency_register(struct vsvm_device *vdev)
{
	int err;

	mutex_lock(&vsvm_residency_lock);
	err = xa_err(xa_store(&vsvm_residency_owners, vdev->index,
			      vsvm_device_owner(vdev), GFP_KERNEL));
	mutex_unlock(&vsvm_residency_lock);
	return err;
}

/**
 * vsvm_residency_unregister() - undo vsvm_residency_register()
 * @vdev: the device
 */
void vsvm_residency_unregister(struct vsvm_device *vdev)
{
	mutex_lock(&vsvm_residency_lock);
	xa_erase(&vsvm_residency_owners, vdev->index);
	mutex_unlock(&vsvm_residency_lock);
}

/*
 * The distinct owners of the registered devices, @owner first (the VM's
 * own device, the likeliest place of its pages), in a kmalloc()ed array.
 */
static void **vsvm_residency_owners_get(void *owner, unsigned int *count)
{
	unsigned long index;
	unsigned int n = 0, i;
	void **owners, *entry;

	mutex_lock(&vsvm_residency_lock);
	xa_for_each(&vsvm_residency_owners, index, entry)
		n++;
	owners = kmalloc_array(n + 1, sizeof(*owners), GFP_KERNEL);
	if (!owners)
		goto out;
	owners[0] = owner;
	n = 1;
	xa_for_each(&vsvm_residency_owners, index, entry) {
		for (i = 0; i < n; i++)
			if (owners[i] == entry)
				break;
		if (i == n)
			owners[n++] = entry;
	}
	*count = n;
out:
	mutex_unlock(&vsvm_residency_lock);
	return owners;
}

/**
 * struct vsvm_residency_walk - the state of one residency walk
 * @notifier: covers the walked range while the walk runs
 * @lock: taken by the invalidate callback of @notifier; held while the
 *	pages of one hmm_range_fault() result are read
 */
struct vsvm_residency_walk {
	struct mmu_interval_notifier notifier;
	struct mutex lock; /* orders invalidations against reading results */
};

static bool vsvm_residency_invalidate(struct mmu_interval_notifier *mni,
				      const struct mmu_notifier_range *range,
				      unsigned long cur_seq)
{
	struct vsvm_residency_walk *walk =
		container_of(mni, struct vsvm_residency_walk, notifier);

	if (mmu_notifier_range_blockable(range))
		mutex_lock(&walk->lock);
	else if (!mutex_trylock(&walk->lock))
		return false;
	mmu_interval_set_seq(mni, cur_seq);
	mutex_unlock(&walk->lock);
	return true;
}

static const struct mmu_interval_notifier_ops vsvm_residency_notifier_ops = {
	.invalidate = vsvm_residency_invalidate,
};

/* The location of a valid hmm pfn; the page is stable (walk lock). */
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

/*
 * Resolve the pages of [@start, @start + @npages pages) still at
 * %DRM_VSVM_RESIDENCY_NONE in @loc with one snapshot for @owner. Return the
 * number of pages left unresolved or a negative errno.
 */
static long vsvm_residency_walk_owner(struct vsvm_residency_walk *walk,
				      struct mm_struct *mm, void *owner,
				      unsigned long start, unsigned long npages,
				      unsigned long *pfns, u32 *loc)
{
	struct hmm_range range = {
		.notifier = &walk->notifier,
		.start = start,
		.end = start + (npages << PAGE_SHIFT),
		.hmm_pfns = pfns,
		.default_flags = 0,
		.pfn_flags_mask = 0,
		.dev_private_owner = owner,
	};
	unsigned long i, left = 0;
	int err;

	for (;;) {
		if (fatal_signal_pending(current))
			return -EINTR;
		range.notifier_seq = mmu_interval_read_begin(&walk->notifier);
		mmap_read_lock(mm);
		err = hmm_range_fault(&range);
		mmap_read_unlock(mm);
		if (err == -EBUSY)
			continue;
		if (err)
			return err;

		mutex_lock(&walk->lock);
		if (mmu_interval_read_retry(&walk->notifier,
					    range.notifier_seq)) {
			mutex_unlock(&walk->lock);
			continue;
		}
		break;
	}

	for (i = 0; i < npages; i++) {
		if (loc[i] != DRM_VSVM_RESIDENCY_NONE)
			continue;
		if (!(pfns[i] & HMM_PFN_VALID) || (pfns[i] & HMM_PFN_ERROR)) {
			left++;
			continue;
		}
		loc[i] = vsvm_residency_of_page(hmm_pfn_to_page(pfns[i]));
	}
	mutex_unlock(&walk->lock);
	return left;
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
 * hmm_range_fault() or of the notifier insertion.
 */
int vsvm_residency_get(struct mm_struct *mm, void *owner, unsigned long start,
		       unsigned long npages, u32 *loc)
{
	struct vsvm_residency_walk *walk;
	unsigned long done, n, *pfns;
	unsigned int nr_owners = 0, k;
	void **owners;
	long left;
	int err;

	for (done = 0; done < npages; done++)
		loc[done] = DRM_VSVM_RESIDENCY_NONE;

	owners = vsvm_residency_owners_get(owner, &nr_owners);
	if (!owners)
		return -ENOMEM;
	pfns = kvmalloc_array(min(npages, VSVM_RESIDENCY_CHUNK), sizeof(*pfns),
			      GFP_KERNEL);
	walk = kzalloc(sizeof(*walk), GFP_KERNEL);
	if (!pfns || !walk) {
		err = -ENOMEM;
		goto out_free;
	}
	mutex_init(&walk->lock);

	err = mmu_interval_notifier_insert(&walk->notifier, mm, start,
					   npages << PAGE_SHIFT,
					   &vsvm_residency_notifier_ops);
	if (err)
		goto out_destroy;

	for (done = 0; done < npages && !err; done += n) {
		n = min(npages - done, VSVM_RESIDENCY_CHUNK);
		for (k = 0; k < nr_owners; k++) {
			left = vsvm_residency_walk_owner(walk, mm, owners[k],
							 start +
							 (done << PAGE_SHIFT),
							 n, pfns, loc + done);
			if (left <= 0) {
				err = left < 0 ? left : 0;
				break;
			}
		}
	}
	mmu_interval_notifier_remove(&walk->notifier);
out_destroy:
	mutex_destroy(&walk->lock);
out_free:
	kfree(walk);
	kvfree(pfns);
	kfree(owners);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_residency_get);

/**
 * vsvm_residency_owner() - the device-private owner of a registered device
 * @index: the device index
 *
 * Return: the owner cookie, only to be compared, or NULL if no device of
 * that index is registered.
 */
void *vsvm_residency_owner(u32 index)
{
	void *owner;

	mutex_lock(&vsvm_residency_lock);
	owner = xa_load(&vsvm_residency_owners, index);
	mutex_unlock(&vsvm_residency_lock);
	return owner;
}

/* Is @loc a page in device memory? */
static bool vsvm_residency_is_device(u32 loc)
{
	return loc == DRM_VSVM_RESIDENCY_OTHER ||
	       loc >= DRM_VSVM_RESIDENCY_DEVICE(0);
}

/*
 * hmm_range_fault() failed with -EFAULT over @n pages from @start, of which
 * those @loc puts in device memory were to be faulted: -ENOMEM if their
 * migrate_to_ram ran out of memory, -EFAULT for a bad address, -EBUSY (to
 * retry) if every one faults in now.
 */
static int vsvm_residency_fault_errno(struct mm_struct *mm,
				      unsigned long start, unsigned long n,
				      const u32 *loc)
{
	unsigned long i;
	int err;

	for (i = 0; i < n; i++) {
		unsigned long addr = start + (i << PAGE_SHIFT);

		if (!vsvm_residency_is_device(loc[i]))
			continue;
		err = drm_gpusvm_fault_errno(mm, addr, addr + PAGE_SIZE, false);
		if (err != -EAGAIN)
			return err;
	}
	return -EBUSY;
}

/**
 * vsvm_residency_fault_to_ram() - migrate device pages back to system memory
 * @mm: the mm, that of the caller
 * @start: the first address, page aligned
 * @npages: the number of pages
 * @loc: the locations of the pages (vsvm_residency_get())
 *
 * Faults every page @loc puts in device memory with HMM and no device
 * owner, so that the CPU fault path of its pagemap (migrate_to_ram) brings
 * it back to system memory. Other pages are left alone.
 *
 * Return: 0, -EFAULT if a page cannot be faulted, -EINTR, -ENOMEM (also
 * when migrate_to_ram ran out of memory).
 */
int vsvm_residency_fault_to_ram(struct mm_struct *mm, unsigned long start,
				unsigned long npages, const u32 *loc)
{
	struct vsvm_residency_walk *walk;
	unsigned long done, n, i, *pfns;
	struct hmm_range range = {
		.pfn_flags_mask = HMM_PFN_REQ_FAULT,
	};
	int err;

	pfns = kvmalloc_array(min(npages, VSVM_RESIDENCY_CHUNK), sizeof(*pfns),
			      GFP_KERNEL);
	walk = kzalloc(sizeof(*walk), GFP_KERNEL);
	if (!pfns || !walk) {
		err = -ENOMEM;
		goto out_free;
	}
	mutex_init(&walk->lock);
	err = mmu_interval_notifier_insert(&walk->notifier, mm, start,
					   npages << PAGE_SHIFT,
					   &vsvm_residency_notifier_ops);
	if (err)
		goto out_destroy;

	range.notifier = &walk->notifier;
	range.hmm_pfns = pfns;
	for (done = 0; done < npages && !err; done += n) {
		bool any = false;

		n = min(npages - done, VSVM_RESIDENCY_CHUNK);
		for (i = 0; i < n; i++)
			any |= vsvm_residency_is_device(loc[done + i]);
		if (!any)
			continue;
		range.start = start + (done << PAGE_SHIFT);
		range.end = range.start + (n << PAGE_SHIFT);
		do {
			if (fatal_signal_pending(current)) {
				err = -EINTR;
				break;
			}
			for (i = 0; i < n; i++)
				pfns[i] = vsvm_residency_is_device(loc[done + i]) ?
					  HMM_PFN_REQ_FAULT : 0;
			range.notifier_seq =
				mmu_interval_read_begin(&walk->notifier);
			mmap_read_lock(mm);
			err = hmm_range_fault(&range);
			if (err == -EFAULT)
				err = vsvm_residency_fault_errno(mm, range.start,
								 n, loc + done);
			mmap_read_unlock(mm);
		} while (err == -EBUSY);
	}
	mmu_interval_notifier_remove(&walk->notifier);
out_destroy:
	mutex_destroy(&walk->lock);
out_free:
	kfree(walk);
	kvfree(pfns);
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
