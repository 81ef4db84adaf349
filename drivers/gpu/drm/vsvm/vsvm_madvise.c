// SPDX-License-Identifier: GPL-2.0
/*
 * vsvm: DRM_IOCTL_VSVM_MADVISE, DRM_IOCTL_VSVM_QUERY_RANGE_ATTRS and
 * DRM_IOCTL_VSVM_PREFETCH.
 *
 * MADVISE and QUERY_RANGE_ATTRS work on the VM's attribute store
 * (vsvm_attr.c). A pagemap fd names a vsvm device's VRAM: it is accepted
 * when its pagemap has the owner of this device (its own pagemap, or one of
 * a device of its interconnect group), -ENOLINK otherwise; the store holds
 * a pagemap reference, so the fd may be closed.
 *
 * PREFETCH finds where the pages are (vsvm_residency_get()) and moves the
 * populated ones: to system memory by faulting the device pages through
 * HMM without a device owner (their pagemap's migrate_to_ram), to VRAM with
 * drm_pagemap_populate_mm() over each run of pages of one anonymous
 * private VMA that are not there yet. Pages in the VRAM of a device
 * outside the destination's owner group go through system memory first.
 *
 * Locking: these ioctls take no driver lock of their own: the attribute
 * store has its lock, and PREFETCH runs like a CPU access of the process
 * (mmap_lock for read around each step, taken and dropped by the helpers).
 */
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_pagemap.h>
#include <drm/drm_pagemap_util.h>

#include "vsvm_attr.h"
#include "vsvm_drv.h"
#include "vsvm_madvise.h"
#include "vsvm_policy.h"
#include "vsvm_registry.h"
#include "vsvm_residency.h"
#include "vsvm_vm.h"

/* The pages PREFETCH looks at and moves at a time. */
#define VSVM_PREFETCH_CHUNK	512ul
/*
 * How long PREFETCH to VRAM retries a run whose pages are busy (another
 * migration, GPU work or a CPU fault on them): at least this many times,
 * and for at least this long.
 */
#define VSVM_PREFETCH_TRIES	8
#define VSVM_PREFETCH_BUSY_MS	200
/*
 * Passes over a chunk whose pages read "not present" before the first and
 * present after it: they were populated, but in a migration entry of the
 * kernel's when looked at (a transparent huge page split by a migration of
 * a neighbouring range, compaction), and are moved by the next pass.
 */
#define VSVM_PREFETCH_PASSES	4

/*
 * Validate a page-aligned, nonempty, non-wrapping range of user VA.
 * Return: 0 or -EINVAL.
 */
static int vsvm_check_range(u64 start, u64 range, unsigned long *end)
{
	u64 e;

	if (!PAGE_ALIGNED(start) || !PAGE_ALIGNED(range) || !range)
		return -EINVAL;
	if (check_add_overflow(start, range, &e) || e > ULONG_MAX)
		return -EINVAL;
	*end = e;
	return 0;
}

/**
 * vsvm_pagemap_from_fd() - the pagemap of a pagemap fd, for a device
 * @vdev: the device that will use the pagemap
 * @fd: the pagemap fd
 * @index: out: the index of the device whose VRAM the pagemap is
 *
 * Return: a pagemap reference, or an ERR_PTR(): -EBADF for an fd that is
 * not open, -EINVAL for an fd that is not a pagemap fd, -ENODEV for the
 * pagemap of a removed device (whichever device asks), -ENOLINK for the
 * pagemap of a device outside @vdev's interconnect owner group.
 */
struct drm_pagemap *vsvm_pagemap_from_fd(struct vsvm_device *vdev, int fd,
					 u32 *index)
{
	struct drm_pagemap *dpagemap = drm_pagemap_from_fd(fd);
	struct vsvm_pagemap_dev *pd;
	int err = 0;

	if (IS_ERR(dpagemap))
		return dpagemap;

	if (!dpagemap->pagemap) {
		err = -ENOLINK;
		goto out_put;
	}
	/*
	 * A removed device's pagemap is -ENODEV whoever asks, in its owner
	 * group or not. Revocation (device removal) is excluded while the
	 * pagemap's owner and device are looked at. Only vsvm pagemaps carry
	 * a vsvm owner; this device's own pagemap has its owner.
	 */
	if (!drm_pagemap_enter(dpagemap)) {
		err = -ENODEV;
		goto out_put;
	}
	if (dpagemap->pagemap->owner != vsvm_device_owner(vdev)) {
		err = -ENOLINK;
	} else {
		pd = to_vsvm_pagemap(dpagemap)->pd;
		if (pd == &vdev->pagemap)
			*index = vdev->index;
		else if (!pd->drm)
			err = -ENOLINK;
		else
			*index = to_vsvm_device(pd->drm)->index;
	}
	drm_pagemap_exit(dpagemap);
	if (!err)
		return dpagemap;
out_put:
	drm_pagemap_put(dpagemap);
	return ERR_PTR(err);
}

static int vsvm_madvise_check_value(u32 type, u32 value)
{
	switch (type) {
	case DRM_VSVM_MADVISE_PREFERRED_LOC:
		return value <= DRM_VSVM_LOCATION_PAGEMAP_FD ? 0 : -EINVAL;
	case DRM_VSVM_MADVISE_MIGRATION_POLICY:
		return value <= DRM_VSVM_MIGRATE_ONLY_SYSTEM_PAGES ? 0 : -EINVAL;
	case DRM_VSVM_MADVISE_ATOMIC:
		return value <= DRM_VSVM_ATOMIC_CPU ? 0 : -EINVAL;
	case DRM_VSVM_MADVISE_THRASHING:
		return value <= DRM_VSVM_THRASHING_OFF ? 0 : -EINVAL;
	case DRM_VSVM_MADVISE_ACCESS_COUNTERS:
		return value <= DRM_VSVM_ACCESS_COUNTERS_OFF ? 0 : -EINVAL;
	case DRM_VSVM_MADVISE_READ_MOSTLY:
		return value <= DRM_VSVM_READ_MOSTLY_ON ? 0 : -EINVAL;
	default:
		return -EINVAL;
	}
}

/**
 * vsvm_madvise_ioctl() - DRM_IOCTL_VSVM_MADVISE
 * @drm: the DRM device
 * @data: the &struct drm_vsvm_madvise
 * @file: the DRM file
 *
 * Return: 0; -EINVAL for nonzero @reserved, an unknown @type or @value, a
 * nonzero @fd without %DRM_VSVM_LOCATION_PAGEMAP_FD, a bad range or an fd
 * that is not a pagemap fd; -EBADF for an fd not open; -ENOLINK for the
 * pagemap of a device without an interconnect to this one; -ENOENT for an
 * unknown VM; -EACCES from another process; -ENODEV once the device, or
 * the device of the pagemap fd, is gone; -ENOMEM.
 */
int vsvm_madvise_ioctl(struct drm_device *drm, void *data,
		       struct drm_file *file)
{
	struct vsvm_device *vdev = to_vsvm_device(drm);
	struct drm_vsvm_madvise *args = data;
	struct drm_pagemap *dpagemap = NULL;
	bool pagemap_fd = false;
	struct vsvm_vm *vm;
	unsigned long end;
	u32 device = 0;
	int idx, err;

	if (args->reserved[0] || args->reserved[1])
		return -EINVAL;
	err = vsvm_madvise_check_value(args->type, args->value);
	if (err)
		return err;
	if (args->type == DRM_VSVM_MADVISE_PREFERRED_LOC &&
	    args->value == DRM_VSVM_LOCATION_PAGEMAP_FD)
		pagemap_fd = true;
	if (args->fd && !pagemap_fd)
		return -EINVAL;
	err = vsvm_check_range(args->start, args->range, &end);
	if (err)
		return err;

	if (!drm_dev_enter(drm, &idx))
		return -ENODEV;
	vm = vsvm_vm_lookup(file, args->vm_id);
	if (IS_ERR(vm)) {
		err = PTR_ERR(vm);
		goto out_exit;
	}
	if (pagemap_fd) {
		dpagemap = vsvm_pagemap_from_fd(vdev, args->fd, &device);
		if (IS_ERR(dpagemap)) {
			err = PTR_ERR(dpagemap);
			goto out_put;
		}
	} else if (args->type == DRM_VSVM_MADVISE_PREFERRED_LOC &&
		   args->value == DRM_VSVM_LOCATION_DEVICE) {
		device = vdev->index;
	}
	err = vsvm_attr_store_set(&vm->attrs, args->start, end, args->type,
				  args->value, dpagemap, device);
	/* From now on the executor counts for this VM (vsvm_access.c). */
	if (!err && args->type == DRM_VSVM_MADVISE_ACCESS_COUNTERS &&
	    args->value == DRM_VSVM_ACCESS_COUNTERS_ON)
		WRITE_ONCE(vm->access_advised, true);
	drm_pagemap_put(dpagemap);
out_put:
	vsvm_vm_put(vm);
out_exit:
	drm_dev_exit(idx);
	return err;
}

/**
 * vsvm_query_range_attrs_ioctl() - DRM_IOCTL_VSVM_QUERY_RANGE_ATTRS
 * @drm: the DRM device
 * @data: the &struct drm_vsvm_query_range_attrs
 * @file: the DRM file
 *
 * Return: 0 with the intervals written and counted in @num_attrs (only
 * counted if it was zero); -ENOSPC with the count in @num_attrs when it is
 * too small; -EINVAL for nonzero @reserved or a bad range; -EFAULT for a
 * bad @attrs; -ENOENT, -EACCES, -ENODEV, -ENOMEM.
 */
int vsvm_query_range_attrs_ioctl(struct drm_device *drm, void *data,
				 struct drm_file *file)
{
	struct drm_vsvm_query_range_attrs *args = data;
	struct drm_vsvm_range_attr *out;
	struct vsvm_vm *vm;
	unsigned long end;
	u32 count;
	int idx, err;

	if (args->reserved[0] || args->reserved[1])
		return -EINVAL;
	err = vsvm_check_range(args->start, args->range, &end);
	if (err)
		return err;

	if (!drm_dev_enter(drm, &idx))
		return -ENODEV;
	vm = vsvm_vm_lookup(file, args->vm_id);
	if (IS_ERR(vm)) {
		err = PTR_ERR(vm);
		goto out_exit;
	}
	err = vsvm_attr_store_query(&vm->attrs, args->start, end, &out,
				    &count);
	vsvm_vm_put(vm);
	if (err)
		goto out_exit;

	if (args->num_attrs && args->num_attrs < count) {
		err = -ENOSPC;
	} else if (args->num_attrs &&
		   copy_to_user(u64_to_user_ptr(args->attrs), out,
				count * sizeof(*out))) {
		err = -EFAULT;
		goto out_free;
	}
	args->num_attrs = count;
out_free:
	kvfree(out);
out_exit:
	drm_dev_exit(idx);
	return err;
}

/* [@start, @end) must be mapped: -EFAULT otherwise. */
static int vsvm_prefetch_check_mapped(struct mm_struct *mm,
				      unsigned long start, unsigned long end)
{
	struct vm_area_struct *vma;
	unsigned long pos = start;
	int err = 0;

	mmap_read_lock(mm);
	while (pos < end) {
		vma = find_vma(mm, pos);
		if (!vma || vma->vm_start > pos) {
			err = -EFAULT;
			break;
		}
		pos = vma->vm_end;
	}
	mmap_read_unlock(mm);
	return err;
}

/*
 * The end of the anonymous private VMA run holding @addr, clipped to @end,
 * or 0 if @addr is in no such VMA.
 */
static unsigned long vsvm_prefetch_anon_end(struct mm_struct *mm,
					    unsigned long addr,
					    unsigned long end)
{
	struct vm_area_struct *vma;
	unsigned long ret = 0;

	mmap_read_lock(mm);
	vma = vma_lookup(mm, addr);
	if (vma && vma_is_anonymous(vma) && !(vma->vm_flags & VM_SHARED))
		ret = min(vma->vm_end, end);
	mmap_read_unlock(mm);
	return ret;
}

/* Whether @loc has a page in device memory among its first @n. */
static bool vsvm_prefetch_any_device(const u32 *loc, unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n; i++)
		if (vsvm_residency_is_device(loc[i]))
			return true;
	return false;
}

/*
 * Migrate the device pages of @n pages from @addr to system memory, @loc
 * holding their locations: read again afterwards. Pages in the VRAM of
 * the device's owner group move directly, without a CPU fault
 * (drm_pagemap_migrate_range_to_ram()); what is left in device memory
 * (another group's VRAM, busy pages, pages that got no system memory)
 * goes through the CPU fault path, which also tells why it fails.
 */
static int vsvm_prefetch_to_ram(struct mm_struct *mm, void *owner,
				unsigned long addr, unsigned long n, u32 *loc)
{
	int err;

	if (!vsvm_prefetch_any_device(loc, n))
		return 0;
	mmap_read_lock(mm);
	err = drm_pagemap_migrate_range_to_ram(mm, addr,
					       addr + (n << PAGE_SHIFT), owner);
	mmap_read_unlock(mm);
	if (!err)
		err = vsvm_residency_get(mm, owner, addr, n, loc);
	if (err || !vsvm_prefetch_any_device(loc, n))
		return err;
	err = vsvm_residency_fault_to_ram(mm, addr, n, loc);
	if (!err)
		err = vsvm_residency_get(mm, owner, addr, n, loc);
	return err;
}

/* Pages of @loc that should move into the VRAM of device @target. */
static bool vsvm_prefetch_wants(u32 loc, u32 target)
{
	return loc != DRM_VSVM_RESIDENCY_NONE &&
	       loc != DRM_VSVM_RESIDENCY_DEVICE(target);
}

static int vsvm_prefetch_to_vram(struct mm_struct *mm,
				 struct drm_pagemap *dpagemap, u32 target,
				 unsigned long start, unsigned long npages,
				 u32 *loc)
{
	void *owner = dpagemap->pagemap->owner;
	unsigned long i, j, vend, rs, re, deadline;
	bool bounce = false;
	unsigned int tries;
	int err;

	/* Device pages outside the owner group go to system memory first. */
	for (i = 0; i < npages; i++) {
		if (loc[i] == DRM_VSVM_RESIDENCY_OTHER ||
		    (loc[i] >= DRM_VSVM_RESIDENCY_DEVICE(0) &&
		     vsvm_registry_owner(loc[i] -
					  DRM_VSVM_RESIDENCY_DEVICE(0)) !=
		     owner)) {
			bounce = true;
			break;
		}
	}
	if (bounce) {
		u32 *other = kvmalloc_array(npages, sizeof(*other), GFP_KERNEL);

		if (!other)
			return -ENOMEM;
		for (i = 0; i < npages; i++)
			other[i] = loc[i] >= DRM_VSVM_RESIDENCY_DEVICE(0) &&
				   vsvm_registry_owner(loc[i] -
					DRM_VSVM_RESIDENCY_DEVICE(0)) == owner ?
				   DRM_VSVM_RESIDENCY_SYSTEM : loc[i];
		err = vsvm_residency_fault_to_ram(mm, start, npages, other);
		kvfree(other);
		if (err)
			return err;
		err = vsvm_residency_get(mm, owner, start, npages, loc);
		if (err)
			return err;
	}

	/* Each run of pages to move within one anonymous private VMA. */
	for (i = 0; i < npages; i = j) {
		if (!vsvm_prefetch_wants(loc[i], target)) {
			j = i + 1;
			continue;
		}
		rs = start + (i << PAGE_SHIFT);
		vend = vsvm_prefetch_anon_end(mm, rs,
					      start + (npages << PAGE_SHIFT));
		if (!vend) {
			/* Not anonymous private memory: it stays. */
			j = i + 1;
			continue;
		}
		for (j = i + 1; j < npages &&
		     start + (j << PAGE_SHIFT) < vend &&
		     vsvm_prefetch_wants(loc[j], target); j++)
			;
		re = start + (j << PAGE_SHIFT);
		deadline = jiffies + msecs_to_jiffies(VSVM_PREFETCH_BUSY_MS);
		for (tries = 0;; tries++) {
			err = drm_pagemap_populate_mm(dpagemap, rs, re, mm, 0);
			/*
			 * -EINVAL: the run is no longer one VMA. Unmapped
			 * meanwhile is -EFAULT; else (an mprotect() split it)
			 * it is busy: the next try or call sees the new VMAs.
			 */
			if (err == -EINVAL)
				err = vsvm_prefetch_check_mapped(mm, rs, re) ?:
				      -EBUSY;
			if (err != -EBUSY)
				break;
			if (tries >= VSVM_PREFETCH_TRIES &&
			    time_after(jiffies, deadline))
				break;
			if (fatal_signal_pending(current)) {
				err = -EINTR;
				break;
			}
			cond_resched();
		}
		if (err == -EOPNOTSUPP)
			err = 0;
		if (err)
			return err;
	}
	return 0;
}

/*
 * Whether a page of the chunk that read not present before the pass is
 * present and not at @want after it (see VSVM_PREFETCH_PASSES).
 */
static bool vsvm_prefetch_appeared(const u32 *before, const u32 *after,
				   unsigned long n, u32 want)
{
	unsigned long i;

	for (i = 0; i < n; i++)
		if (before[i] == DRM_VSVM_RESIDENCY_NONE &&
		    after[i] != DRM_VSVM_RESIDENCY_NONE && after[i] != want)
			return true;
	return false;
}

/**
 * vsvm_prefetch_ioctl() - DRM_IOCTL_VSVM_PREFETCH
 * @drm: the DRM device
 * @data: the &struct drm_vsvm_prefetch
 * @file: the DRM file
 *
 * Return: 0 with the pages moved in @pages_migrated; -EINVAL for nonzero
 * @flags or @reserved, an unknown @location or %DRM_VSVM_LOCATION_DEFAULT,
 * a nonzero @fd without %DRM_VSVM_LOCATION_PAGEMAP_FD, a bad range or an fd
 * that is not a pagemap fd; -EBADF, -ENOLINK as for MADVISE; -EFAULT for
 * VA not mapped; -ENOMEM when the VRAM cannot hold the range; -ENOENT,
 * -EACCES, -ENODEV, -EINTR, -EBUSY when the pages kept being busy; -EIO
 * when a copy could not reach a device's memory.
 */
int vsvm_prefetch_ioctl(struct drm_device *drm, void *data,
			struct drm_file *file)
{
	struct vsvm_device *vdev = to_vsvm_device(drm);
	struct drm_vsvm_prefetch *args = data;
	struct drm_pagemap *dpagemap = NULL;
	u32 *before = NULL, *after = NULL, *next = NULL, target = 0, want;
	unsigned long end, npages, i, n, done;
	void *owner = vsvm_device_owner(vdev);
	unsigned int pass;
	struct vsvm_vm *vm;
	u64 moved = 0;
	int idx, err;

	if (args->flags || args->reserved[0] || args->reserved[1])
		return -EINVAL;
	if (args->location != DRM_VSVM_LOCATION_SYSTEM &&
	    args->location != DRM_VSVM_LOCATION_DEVICE &&
	    args->location != DRM_VSVM_LOCATION_PAGEMAP_FD)
		return -EINVAL;
	if (args->fd && args->location != DRM_VSVM_LOCATION_PAGEMAP_FD)
		return -EINVAL;
	err = vsvm_check_range(args->start, args->range, &end);
	if (err)
		return err;
	npages = args->range >> PAGE_SHIFT;

	if (!drm_dev_enter(drm, &idx))
		return -ENODEV;
	vm = vsvm_vm_lookup(file, args->vm_id);
	if (IS_ERR(vm)) {
		err = PTR_ERR(vm);
		goto out_exit;
	}
	if (args->location == DRM_VSVM_LOCATION_PAGEMAP_FD) {
		dpagemap = vsvm_pagemap_from_fd(vdev, args->fd, &target);
		if (IS_ERR(dpagemap)) {
			err = PTR_ERR(dpagemap);
			dpagemap = NULL;
			goto out_put;
		}
	}

	err = vsvm_prefetch_check_mapped(vm->mm, args->start, end);
	if (err)
		goto out_put;

	/* Only now: a call that failed so far made or revived no pagemap. */
	if (args->location == DRM_VSVM_LOCATION_DEVICE) {
		dpagemap = vsvm_pagemap_get(&vdev->pagemap);
		target = vdev->index;
		if (IS_ERR(dpagemap)) {
			err = PTR_ERR(dpagemap);
			dpagemap = NULL;
			goto out_put;
		}
	}

	/*
	 * Chunk by chunk, so that the memory used is bounded. A CPU fault
	 * path may take pages of the next chunk along (its window): the
	 * next chunk's locations are read before the current one moves.
	 */
	n = min(npages, VSVM_PREFETCH_CHUNK);
	before = kvmalloc_array(n, sizeof(*before), GFP_KERNEL);
	after = kvmalloc_array(n, sizeof(*after), GFP_KERNEL);
	next = kvmalloc_array(n, sizeof(*next), GFP_KERNEL);
	if (!before || !after || !next) {
		err = -ENOMEM;
		goto out_put;
	}
	want = dpagemap ? DRM_VSVM_RESIDENCY_DEVICE(target) :
			  DRM_VSVM_RESIDENCY_SYSTEM;
	err = vsvm_residency_get(vm->mm, owner, args->start, n, next);
	for (done = 0; !err && done < npages; done += n) {
		unsigned long addr = args->start + (done << PAGE_SHIFT);

		n = min(npages - done, VSVM_PREFETCH_CHUNK);
		swap(before, next);
		if (fatal_signal_pending(current)) {
			err = -EINTR;
			break;
		}
		if (done + n < npages) {
			err = vsvm_residency_get(vm->mm, owner,
						 addr + (n << PAGE_SHIFT),
						 min(npages - done - n,
						     VSVM_PREFETCH_CHUNK),
						 next);
			if (err)
				break;
		}
		memcpy(after, before, n * sizeof(*after));
		for (pass = 0; !err && pass < VSVM_PREFETCH_PASSES; pass++) {
			if (dpagemap) {
				err = vsvm_prefetch_to_vram(vm->mm, dpagemap,
							    target, addr, n,
							    after);
				if (!err)
					err = vsvm_residency_get(vm->mm, owner,
								 addr, n,
								 after);
			} else {
				err = vsvm_prefetch_to_ram(vm->mm, owner, addr,
							   n, after);
			}
			if (err || !vsvm_prefetch_appeared(before, after, n,
							   want))
				break;
		}
		for (i = 0; !err && i < n; i++)
			if (before[i] != want && after[i] == want &&
			    before[i] != DRM_VSVM_RESIDENCY_NONE)
				moved++;
	}
	if (!err) {
		args->pages_migrated = moved;
		vsvm_policy_prefetched(vm, args->start, end, dpagemap);
	}
out_put:
	kvfree(next);
	kvfree(after);
	kvfree(before);
	drm_pagemap_put(dpagemap);
	vsvm_vm_put(vm);
out_exit:
	drm_dev_exit(idx);
	return err;
}
