// SPDX-License-Identifier: GPL-2.0
/*
 * vsvm read replicas (MADVISE DRM_VSVM_MADVISE_READ_MOSTLY).
 *
 * A GPU read fault of a VM on a read-mostly range whose pages are all in
 * the VRAM of another device of the VM's owner group (the master, which
 * the device reaches in place over P2P) makes the device a read-only copy
 * of the range in its own VRAM and maps that instead (vsvm_replica_fault()):
 *
 * 1. allocate contiguous VRAM for the copy (dropping other replicas of the
 *    device if the VRAM is full, never evicting migrated memory);
 * 2. drm_pagemap_replica_begin(): the replica is pending in the mm's set,
 *    so every VM maps the range read-only from now on, and the writable
 *    mappings other VMs had of it are revoked (vsvm_replica_revoke_write());
 * 3. collect the range's pages (drm_gpusvm_range_get_pages(), read-only):
 *    the master's P2P addresses, and the range's notifier sequence;
 * 4. under the notifier lock, if the pages are still valid, copy them into
 *    the VRAM, map the copy read-only and commit the replica.
 *
 * Coherence (see DOC: Read replicas of drm_pagemap_replica.c): every
 * change of the master's page tables invalidates the holder's own gpusvm
 * notifier, whose callback (vsvm_vm_invalidate()) zaps the range and takes
 * the replica (vsvm_replica_invalidate()) before the change proceeds; the
 * master is device memory, so a CPU access migrates it back first; a GPU
 * write or atomic fault of any VM collapses the replicas of its range
 * (vsvm_replica_collapse()) before it maps anything writable, and every
 * bind maps a replicated range read-only (vsvm_vm_pt_bind()).
 *
 * Replicas are clean: when a device's VRAM is full they are dropped first,
 * without a copy (vsvm_replica_shrink(), from the pagemap's allocator).
 * RESIDENCY reports them with DRM_VSVM_RESIDENCY_REPLICAS; the counters
 * replica_made, replica_collapsed and replica_dropped are in
 * dri/<device>/counters.
 *
 * Locking: &vsvm_device.replica_mutex serializes taking a device's replicas
 * out for good (memory pressure, VM and device teardown), so that the VM of
 * a replica taken stays alive while it is unmapped; it is taken under
 * mmap_lock (the allocator's callers) and before the notifier lock of any
 * VM. &vsvm_device.replica_lock (a spinlock) guards the device's lists and
 * is taken inside everything, around the framework set's spinlock. Lock
 * order: &vsvm_vm.lock -> the set's mutex -> mmap_lock ->
 * &vsvm_device.replica_mutex -> a VM's notifier lock ->
 * &vsvm_device.replica_lock -> the set's spinlock.
 */
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/wait_bit.h>
#include <linux/workqueue.h>

#include <drm/drm_gpusvm.h>
#include <drm/drm_pagemap.h>

#include "vsvm_copy.h"
#include "vsvm_drv.h"
#include "vsvm_replica.h"
#include "vsvm_vm.h"
#include "vsvm_vram.h"

/* How often a replica's pages are collected again when invalidated. */
#define VSVM_REPLICA_TRIES	8

static struct vsvm_replica *to_vsvm_replica(struct drm_pagemap_replica *rep)
{
	return container_of(rep, struct vsvm_replica, base);
}

static struct vsvm_vm *vsvm_replica_user_vm(struct drm_pagemap_replica_user *u)
{
	return container_of(u, struct vsvm_vm, replica_user);
}

/* Not through @vr->vm: a dead replica may outlive its VM. */
static void vsvm_replica_free(struct vsvm_device *vdev, struct vsvm_replica *vr)
{
	vsvm_vram_free(vr->alloc);
	kfree(vr);
	/* vsvm_replica_device_fini() waits for the last one. */
	if (atomic_dec_and_test(&vdev->nr_replicas))
		wake_up_var(&vdev->nr_replicas);
}

/* Free the replicas invalidations unmapped. */
static void vsvm_replica_reap(struct vsvm_device *vdev)
{
	struct vsvm_replica *vr, *next;
	LIST_HEAD(dead);

	spin_lock(&vdev->replica_lock);
	list_splice_init(&vdev->replicas_dead, &dead);
	spin_unlock(&vdev->replica_lock);
	list_for_each_entry_safe(vr, next, &dead, dev_link) {
		list_del(&vr->dev_link);
		vsvm_replica_free(vdev, vr);
	}
}

/* Unmap a replica its taker owns, and free it. */
static void vsvm_replica_unmap_free(struct vsvm_replica *vr)
{
	struct vsvm_vm *vm = vr->vm;

	down_write(&vm->svm.notifier_lock);
	vsvm_vm_pt_zap(vm, vr->base.start, vr->base.end);
	up_write(&vm->svm.notifier_lock);
	spin_lock(&vm->vdev->replica_lock);
	list_del_init(&vr->dev_link);
	spin_unlock(&vm->vdev->replica_lock);
	vsvm_replica_free(vm->vdev, vr);
}

static void vsvm_replica_reap_work(struct work_struct *work)
{
	vsvm_replica_reap(container_of(work, struct vsvm_device,
				       replica_reap));
}

static void vsvm_replica_revoke_write(struct drm_pagemap_replica_user *user,
				      unsigned long start, unsigned long end)
{
	struct vsvm_vm *vm = vsvm_replica_user_vm(user);

	down_write(&vm->svm.notifier_lock);
	vsvm_vm_pt_revoke_write(vm, start, end);
	up_write(&vm->svm.notifier_lock);
}

static void vsvm_replica_collapse_one(struct drm_pagemap_replica *rep)
{
	struct vsvm_replica *vr = to_vsvm_replica(rep);

	atomic64_inc(&vr->vm->vdev->counters.replica_collapsed);
	vsvm_replica_unmap_free(vr);
}

static const struct drm_pagemap_replica_user_ops vsvm_replica_user_ops = {
	.revoke_write = vsvm_replica_revoke_write,
	.collapse = vsvm_replica_collapse_one,
};

/**
 * vsvm_replica_device_init() - set up the replica lists of a device
 * @vdev: the device
 */
void vsvm_replica_device_init(struct vsvm_device *vdev)
{
	mutex_init(&vdev->replica_mutex);
	spin_lock_init(&vdev->replica_lock);
	INIT_LIST_HEAD(&vdev->replicas);
	INIT_LIST_HEAD(&vdev->replicas_dead);
	INIT_WORK(&vdev->replica_reap, vsvm_replica_reap_work);
	atomic_set(&vdev->nr_replicas, 0);
}

/* Take and free up to @size bytes of the device's live replicas. */
static u64 vsvm_replica_drop(struct vsvm_device *vdev, u64 size)
{
	struct vsvm_replica *vr;
	u64 freed = 0;
	bool taken;

	lockdep_assert_held(&vdev->replica_mutex);
	while (freed < size) {
		spin_lock(&vdev->replica_lock);
		vr = list_first_entry_or_null(&vdev->replicas,
					      struct vsvm_replica, dev_link);
		if (!vr) {
			spin_unlock(&vdev->replica_lock);
			break;
		}
		/* Whoever takes it out of the set frees it. */
		list_del_init(&vr->dev_link);
		taken = drm_pagemap_replica_take(vr->vm->replicas, &vr->base,
						 false);
		spin_unlock(&vdev->replica_lock);
		if (!taken)
			continue;
		freed += vr->base.end - vr->base.start;
		atomic64_inc(&vdev->counters.replica_dropped);
		vsvm_replica_unmap_free(vr);
	}
	return freed;
}

/**
 * vsvm_replica_device_fini() - drop every replica in a device's VRAM
 * @vdev: the device, unplugged (no new replica can be made)
 *
 * Before the VRAM goes: the VMs that mapped them may outlive the device.
 * A replica that a collapse or an invalidation took out of the set just
 * before is freed by its taker (an invalidation's by the reap work it
 * queues): wait for those too, so that none is freed into a VRAM that is
 * gone.
 */
void vsvm_replica_device_fini(struct vsvm_device *vdev)
{
	mutex_lock(&vdev->replica_mutex);
	vsvm_replica_drop(vdev, U64_MAX);
	mutex_unlock(&vdev->replica_mutex);
	flush_work(&vdev->replica_reap);
	vsvm_replica_reap(vdev);
	wait_var_event(&vdev->nr_replicas, !atomic_read(&vdev->nr_replicas));
	flush_work(&vdev->replica_reap);
}

/**
 * vsvm_replica_shrink() - drop replicas to make room in a device's VRAM
 * @vdev: the device
 * @size: the bytes wanted
 *
 * The replicas unmapped by invalidations are freed, then the oldest live
 * ones, without a copy (they are clean), until @size bytes were freed.
 * Called by the pagemap's allocator before it evicts migrated memory,
 * with no VM's notifier lock held.
 *
 * Return: whether any VRAM was freed.
 */
bool vsvm_replica_shrink(struct vsvm_device *vdev, u64 size)
{
	bool freed;

	spin_lock(&vdev->replica_lock);
	freed = !list_empty(&vdev->replicas_dead);
	spin_unlock(&vdev->replica_lock);
	vsvm_replica_reap(vdev);
	mutex_lock(&vdev->replica_mutex);
	if (vsvm_replica_drop(vdev, size))
		freed = true;
	mutex_unlock(&vdev->replica_mutex);
	return freed;
}

/**
 * vsvm_replica_vm_init() - make a VM a user of its mm's replica set
 * @vm: the VM, its mm and device set
 *
 * Return: 0 or -ENOMEM.
 */
int vsvm_replica_vm_init(struct vsvm_vm *vm)
{
	struct drm_pagemap_replica_set *set;

	set = drm_pagemap_replica_set_get(vm->mm);
	if (IS_ERR(set))
		return PTR_ERR(set);
	vm->replicas = set;
	drm_pagemap_replica_user_add(set, &vm->replica_user,
				     &vsvm_replica_user_ops);
	return 0;
}

/**
 * vsvm_replica_vm_fini() - drop a VM's replicas and leave the set
 * @vm: the VM, no longer used (its page table is gone)
 */
void vsvm_replica_vm_fini(struct vsvm_vm *vm)
{
	struct vsvm_device *vdev = vm->vdev;
	struct drm_pagemap_replica *rep, *next;
	LIST_HEAD(list);

	if (!vm->replicas)
		return;
	mutex_lock(&vdev->replica_mutex);
	drm_pagemap_replica_take_user(vm->replicas, &vm->replica_user, 0,
				      ULONG_MAX, false, &list);
	list_for_each_entry_safe(rep, next, &list, link) {
		struct vsvm_replica *vr = to_vsvm_replica(rep);

		list_del_init(&rep->link);
		spin_lock(&vdev->replica_lock);
		list_del_init(&vr->dev_link);
		spin_unlock(&vdev->replica_lock);
		atomic64_inc(&vdev->counters.replica_dropped);
		vsvm_replica_free(vdev, vr);
	}
	mutex_unlock(&vdev->replica_mutex);
	/* Waits for collapses that took one of ours to be done with it. */
	drm_pagemap_replica_user_remove(vm->replicas, &vm->replica_user);
	vsvm_replica_reap(vdev);
	drm_pagemap_replica_set_put(vm->replicas);
	vm->replicas = NULL;
}

/**
 * vsvm_replica_invalidate() - an invalidation unmapped a VM's range
 * @vm: the VM, its notifier lock held (for write, or for read with its
 *	lock held), its page table entries of the range zapped
 * @start: the first address of the range
 * @end: the address after it
 *
 * The VM's replicas of the range are taken out of the set (collapsed) and
 * queued for their VRAM to be freed outside the notifier lock (by a work
 * item, or by the next replica made or dropped on the device).
 */
void vsvm_replica_invalidate(struct vsvm_vm *vm, unsigned long start,
			     unsigned long end)
{
	struct vsvm_device *vdev = vm->vdev;
	struct drm_pagemap_replica *rep, *next;
	LIST_HEAD(list);

	if (!vm->replicas ||
	    !drm_pagemap_replica_take_user(vm->replicas, &vm->replica_user,
					   start, end, true, &list))
		return;
	list_for_each_entry_safe(rep, next, &list, link) {
		list_del_init(&rep->link);
		spin_lock(&vdev->replica_lock);
		list_move_tail(&to_vsvm_replica(rep)->dev_link,
			       &vdev->replicas_dead);
		spin_unlock(&vdev->replica_lock);
		atomic64_inc(&vdev->counters.replica_collapsed);
	}
	/* Their VRAM is freed outside the notifier lock. */
	schedule_work(&vdev->replica_reap);
}

/**
 * vsvm_replica_collapse() - a GPU write: collapse the replicas of a range
 * @vm: the writing VM, its lock held
 * @start: the first address written
 * @end: the address after it
 */
void vsvm_replica_collapse(struct vsvm_vm *vm, unsigned long start,
			   unsigned long end)
{
	if (vm->replicas)
		drm_pagemap_replica_collapse(vm->replicas, start, end);
}

/**
 * vsvm_replica_covers() - whether a range has read replicas
 * @vm: a VM of the mm
 * @start: the first address
 * @end: the address after the range
 *
 * Return: true if a replica (pending or live) overlaps the range; it is
 * then mapped read-only.
 */
bool vsvm_replica_covers(struct vsvm_vm *vm, unsigned long start,
			 unsigned long end)
{
	return vm->replicas &&
	       drm_pagemap_replica_covers(vm->replicas, start, end);
}

/* Whether every page of @range is a peer's VRAM, reached over P2P. */
static bool vsvm_replica_all_p2p(struct drm_gpusvm_range *range)
{
	unsigned long npages = drm_gpusvm_range_size(range) >> PAGE_SHIFT;
	const struct drm_pagemap_addr *dma_addr =
		drm_gpusvm_pages_first_dma(&range->pages, NULL);
	unsigned long i;

	for (i = 0; i < npages; i += 1ul << dma_addr[i].order)
		if (dma_addr[i].proto != DRM_INTERCONNECT_P2P)
			return false;
	return true;
}

/* Copy one page from @src to page @i of the VRAM at @offset. */
static int vsvm_replica_copy_page(struct vsvm_device *vdev,
				  struct drm_pagemap_addr src,
				  u64 offset, unsigned long i)
{
	struct drm_pagemap_addr dst =
		drm_pagemap_addr_encode(offset + (i << PAGE_SHIFT),
					DRM_INTERCONNECT_DRIVER, 0,
					DMA_BIDIRECTIONAL);
	void *s, *d;
	u64 avail;

	s = vsvm_copy_resolve(&vdev->copy, src, &avail);
	d = vsvm_copy_resolve(&vdev->copy, dst, &avail);
	if (!s || !d)
		return -EIO;
	copy_page(d, s);
	return 0;
}

/* Copy the master's pages of @range to the VRAM at @offset. */
static int vsvm_replica_copy(struct vsvm_device *vdev,
			     struct drm_gpusvm_range *range, u64 offset)
{
	unsigned long npages = drm_gpusvm_range_size(range) >> PAGE_SHIFT;
	const struct drm_pagemap_addr *dma_addr =
		drm_gpusvm_pages_first_dma(&range->pages, NULL);
	struct drm_pagemap_addr src;
	unsigned long i, j, n;
	int err = 0;

	vsvm_copy_resolve_begin();
	for (i = 0; i < npages && !err; i += n) {
		n = min(1ul << dma_addr[i].order, npages - i);
		for (j = 0; j < n && !err; j++) {
			src = dma_addr[i];
			src.addr += j << PAGE_SHIFT;
			src.order = 0;
			err = vsvm_replica_copy_page(vdev, src, offset, i + j);
		}
	}
	vsvm_copy_resolve_end();
	return err;
}

static u64 vsvm_replica_alloc_offset(struct vsvm_vram_alloc *alloc)
{
	struct gpu_buddy_block *block;
	u64 offset = U64_MAX;

	list_for_each_entry(block, &alloc->blocks, link)
		offset = min(offset, vsvm_vram_block_offset(block));
	return offset;
}

/**
 * vsvm_replica_fault() - give a VM a read replica of a range
 * @vm: the VM, its lock held, in its mm
 * @range: the range a GPU read faulted on, of a read-mostly interval
 * @local: the pagemap of the VM's device's VRAM, referenced
 *
 * See the top of this file. Only when every page of @range is in the VRAM
 * of another device of the owner group (drm_gpusvm_scan_mm() said so, but
 * the pages are checked again under the notifier lock).
 *
 * Return: 0 with the replica mapped; -EOPNOTSUPP when the pages are not
 * all a peer's VRAM; -EBUSY when a device wrote the range a moment ago
 * (drm_pagemap_replica_begin()); -ENOSPC without VRAM for it; -EAGAIN when
 * invalidations kept racing; -EINTR, -ENOMEM, or an errno of
 * drm_gpusvm_range_get_pages(). On error nothing is mapped and the caller
 * places the range as usual.
 */
int vsvm_replica_fault(struct vsvm_vm *vm, struct drm_gpusvm_range *range,
		       struct drm_pagemap *local)
{
	struct drm_gpusvm_ctx ctx = { .read_only = 1, .allow_mixed = 1 };
	unsigned long start = drm_gpusvm_range_start(range);
	unsigned long end = drm_gpusvm_range_end(range);
	struct vsvm_device *vdev = vm->vdev;
	struct vsvm_replica *vr;
	unsigned int tries;
	int err;

	lockdep_assert_held(&vm->lock);
	if (!vm->replicas || !vdev->pagemap.vram)
		return -EOPNOTSUPP;
	vsvm_replica_reap(vdev);
	vr = kzalloc(sizeof(*vr), GFP_KERNEL);
	if (!vr)
		return -ENOMEM;
	INIT_LIST_HEAD(&vr->dev_link);
	vr->vm = vm;
	vr->alloc = vsvm_vram_alloc(vdev->pagemap.vram, end - start, 0,
				    VSVM_VRAM_ALLOC_CONTIGUOUS);
	if (IS_ERR(vr->alloc) && PTR_ERR(vr->alloc) == -ENOSPC &&
	    vsvm_replica_shrink(vdev, end - start))
		vr->alloc = vsvm_vram_alloc(vdev->pagemap.vram, end - start, 0,
					    VSVM_VRAM_ALLOC_CONTIGUOUS);
	if (IS_ERR(vr->alloc)) {
		err = PTR_ERR(vr->alloc);
		kfree(vr);
		return err;
	}
	atomic_inc(&vdev->nr_replicas);
	vr->offset = vsvm_replica_alloc_offset(vr->alloc);

	err = drm_pagemap_replica_begin(vm->replicas, &vr->base,
					&vm->replica_user, start, end);
	if (err) {
		/* Written a moment ago: the writer goes first. */
		vsvm_replica_free(vdev, vr);
		return err;
	}
	for (tries = 0; ; tries++) {
		if (tries == VSVM_REPLICA_TRIES) {
			err = -EAGAIN;
			break;
		}
		if (fatal_signal_pending(current)) {
			err = -EINTR;
			break;
		}
		err = vsvm_vm_pt_reserve(vm, range);
		if (err)
			break;
		err = drm_gpusvm_range_get_pages(&vm->svm, range, &ctx);
		if (err)
			break;
		drm_gpusvm_notifier_lock(&vm->svm);
		if (!drm_gpusvm_range_pages_valid(&vm->svm, range)) {
			drm_gpusvm_notifier_unlock(&vm->svm);
			continue;
		}
		if (!vsvm_replica_all_p2p(range)) {
			drm_gpusvm_notifier_unlock(&vm->svm);
			err = -EOPNOTSUPP;
			break;
		}
		err = vsvm_replica_copy(vdev, range, vr->offset) ?:
		      vsvm_vm_pt_bind_replica(vm, range, vr->offset);
		if (!err) {
			drm_pagemap_replica_commit(vm->replicas, &vr->base);
			spin_lock(&vdev->replica_lock);
			list_add_tail(&vr->dev_link, &vdev->replicas);
			spin_unlock(&vdev->replica_lock);
			atomic64_inc(&vdev->counters.replica_made);
		} else {
			vsvm_vm_pt_zap(vm, start, end);
		}
		drm_gpusvm_notifier_unlock(&vm->svm);
		break;
	}
	vsvm_vm_pt_unreserve(vm, range);
	if (err)
		drm_pagemap_replica_abort(vm->replicas, &vr->base);
	drm_pagemap_replica_end(vm->replicas);
	if (err)
		vsvm_replica_free(vdev, vr);
	return err;
}

struct vsvm_replica_res {
	unsigned long start;
	unsigned long npages;
	u32 *mask;
};

static void vsvm_replica_res_one(struct drm_pagemap_replica *rep, void *arg)
{
	struct vsvm_replica_res *res = arg;
	int index = to_vsvm_replica(rep)->vm->vdev->index;
	unsigned long first, last, i;

	if (index < 0 || index >= 32)
		return;
	first = rep->start > res->start ?
		(rep->start - res->start) >> PAGE_SHIFT : 0;
	last = min(res->npages, (rep->end - res->start) >> PAGE_SHIFT);
	for (i = first; i < last; i++)
		res->mask[i] |= BIT(index);
}

/**
 * vsvm_replica_residency() - which devices hold replicas of each page
 * @vm: a VM of the mm
 * @start: the first address, page aligned
 * @npages: the number of pages
 * @mask: out: per page, the bitmask of the indices (below 32) of the
 *	devices holding a live replica of it, of any VM of the mm
 */
void vsvm_replica_residency(struct vsvm_vm *vm, unsigned long start,
			    unsigned long npages, u32 *mask)
{
	struct vsvm_replica_res res = {
		.start = start, .npages = npages, .mask = mask,
	};

	memset(mask, 0, npages * sizeof(*mask));
	if (vm->replicas)
		drm_pagemap_replica_for_each(vm->replicas, start,
					     start + (npages << PAGE_SHIFT),
					     vsvm_replica_res_one, &res);
}
