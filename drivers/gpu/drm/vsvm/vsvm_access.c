// SPDX-License-Identifier: GPL-2.0
/*
 * vsvm access counters and counter-driven migration.
 *
 * A real GPU that reads or writes memory in place (system memory over
 * PCIe, a peer's VRAM over P2P) can count those accesses per block and
 * notify its driver when a block's count reaches a threshold, so that the
 * driver may move the block into the GPU's own memory. vsvm's executor
 * emulates this: each page access of EXEC whose GPU page table entry is
 * not the device's own VRAM is noted (vsvm_access_note(), under the
 * notifier lock) and added to the VM's counters (a
 * &struct drm_pagemap_access_counters, per block of
 * access_counter_granularity_kb) when the lock is dropped
 * (vsvm_access_flush()). A block that reaches access_counter_threshold is
 * handed to the framework's migration policy
 * (drm_pagemap_policy_access_notify()), which says whether it may move:
 * not when the range's preferred location is elsewhere, nor when the
 * block is pinned or throttled. If it may, the block (clipped to its
 * attribute interval and to its VMA, anonymous private memory only) is
 * migrated into the device's VRAM and the move recorded with the policy.
 *
 * Counting only happens for a VM that may use it: the module parameter
 * access_counters is on, or MADVISE set %DRM_VSVM_ACCESS_COUNTERS_ON on
 * some range of the VM. Whether a crossing migrates is decided by the
 * attribute of the range (DEFAULT follows the module parameter). Nothing
 * changes for ranges without the attribute while the parameter is off.
 *
 * Counters: dri/<device>/counters (access_*); tracepoint
 * vsvm:vsvm_access_counter.
 *
 * The counts of unmapped memory are forgotten: the invalidate callback
 * notes the span of what munmap() (or the mm's exit) took away, with the
 * whole of every range it meets (vsvm_access_unmapped()), and the counts
 * of the blocks it touches are cleared before anything is added again, so
 * that new memory mapped there starts from zero. The whole ranges: counts
 * are only taken inside ranges, and once the garbage collector removed
 * the last range of a notifier, no callback sees the rest go. For the
 * same reason a range a GPU fault drops without an unmap (it no longer
 * fits its VMA or its attributes, vsvm_fault_drop_range()) takes its
 * counts with it at once (vsvm_access_forget()): its replacement may be
 * smaller, and what only it covered may go later unseen.
 *
 * Locking: the VM's counters (&vsvm_vm.access) are protected by
 * &vsvm_vm.lock, held by the executor around each chunk (its batch is
 * flushed before it faults, so that no count noted under the notifier
 * lock is pending while a fault holds &vsvm_vm.lock) and by a fault that
 * drops a range; migrations are made under it as a GPU fault's are
 * (&vsvm_vm.lock -> mmap_lock). The unmapped span is under the notifier
 * lock (see &vsvm_vm.access_gone_start).
 */
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/module.h>

#include <kunit/visibility.h>

#include <drm/drm_gpusvm.h>
#include <drm/drm_pagemap.h>
#include <drm/drm_pagemap_policy.h>
#include <drm/vsvm_drm.h>

#include "vsvm_access.h"
#include "vsvm_attr.h"
#include "vsvm_drv.h"
#include "vsvm_fault.h"
#include "vsvm_policy.h"
#include "vsvm_trace.h"
#include "vsvm_vm.h"

static bool access_counters;
module_param(access_counters, bool, 0644);
MODULE_PARM_DESC(access_counters,
		 "Access-counter-driven migration for ranges without the MADVISE attribute (default N)");

static unsigned int access_counter_granularity_kb = 2048;
module_param(access_counter_granularity_kb, uint, 0644);
MODULE_PARM_DESC(access_counter_granularity_kb,
		 "Block size of the access counters in KiB, rounded down to a power of two in [4, 1048576] (default 2048)");

static unsigned int access_counter_threshold = 256;
module_param(access_counter_threshold, uint, 0644);
MODULE_PARM_DESC(access_counter_threshold,
		 "In-place page accesses to a block that notify the migration policy, at least 1 (default 256)");

/**
 * vsvm_access_unmapped() - addresses of a VM's mm were unmapped
 * @vm: the VM, its notifier lock held for write (its invalidate callback)
 * @start: the first address unmapped
 * @end: the address after them
 *
 * Their counts are forgotten by the next vsvm_access_flush().
 */
void vsvm_access_unmapped(struct vsvm_vm *vm, unsigned long start,
			  unsigned long end)
{
	lockdep_assert_held_write(&vm->svm.notifier_lock);
	if (start >= end)
		return;
	if (vm->access_gone_start >= vm->access_gone_end) {
		vm->access_gone_start = start;
		vm->access_gone_end = end;
		return;
	}
	vm->access_gone_start = min(vm->access_gone_start, start);
	vm->access_gone_end = max(vm->access_gone_end, end);
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_access_unmapped);

/**
 * vsvm_access_forget() - forget the counts of a span of a VM now
 * @vm: the VM, its lock held, no batch of it pending
 * @start: the first address
 * @end: the address after them
 *
 * Every counter block [@start, @end) touches starts again from zero: for a
 * range taken out of the tree without an unmap, which no invalidate
 * callback would see go if what only it covered were unmapped later.
 * Forgetting is always safe: it only delays a migration.
 */
void vsvm_access_forget(struct vsvm_vm *vm, unsigned long start,
			unsigned long end)
{
	lockdep_assert_held(&vm->lock);
	drm_pagemap_access_counters_clear(&vm->access, start, end);
}

/*
 * Forget the counts of what was unmapped since the last time, and return
 * that span in [*@start, *@end) (empty if nothing was).
 */
static void vsvm_access_forget_unmapped(struct vsvm_vm *vm,
					unsigned long *start,
					unsigned long *end)
{
	drm_gpusvm_notifier_lock(&vm->svm);
	*start = vm->access_gone_start;
	*end = vm->access_gone_end;
	vm->access_gone_start = 0;
	vm->access_gone_end = 0;
	drm_gpusvm_notifier_unlock(&vm->svm);
	if (*start < *end)
		drm_pagemap_access_counters_clear(&vm->access, *start, *end);
}

/**
 * vsvm_access_begin() - start a batch of counted accesses
 * @vm: the VM
 * @b: the batch, emptied
 */
void vsvm_access_begin(struct vsvm_vm *vm, struct vsvm_access_batch *b)
{
	unsigned int kb = clamp(READ_ONCE(access_counter_granularity_kb),
				4u, 1048576u);

	b->nr = 0;
	b->on = READ_ONCE(access_counters) || READ_ONCE(vm->access_advised);
	b->shift = ilog2(kb) + 10;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_access_begin);

static bool vsvm_access_enabled(const struct vsvm_attr *attr)
{
	switch (attr->access_counters) {
	case DRM_VSVM_ACCESS_COUNTERS_ON:
		return true;
	case DRM_VSVM_ACCESS_COUNTERS_OFF:
		return false;
	default:
		return READ_ONCE(access_counters);
	}
}

/*
 * Clip [*start, *end) around @va to the VMA holding @va; false unless it is
 * anonymous private memory, which alone moves to VRAM.
 */
static bool vsvm_access_clip_vma(struct vsvm_vm *vm, unsigned long va,
				 unsigned long *start, unsigned long *end)
{
	struct vm_area_struct *vma;
	bool ok = false;

	mmap_read_lock(vm->mm);
	vma = vma_lookup(vm->mm, va);
	if (vma && vma_is_anonymous(vma) && !(vma->vm_flags & VM_SHARED)) {
		*start = max(*start, vma->vm_start);
		*end = min(*end, vma->vm_end);
		ok = true;
	}
	mmap_read_unlock(vm->mm);
	return ok;
}

/* The block holding @va crossed the threshold: ask, and maybe migrate. */
static void vsvm_access_crossed(struct vsvm_vm *vm, unsigned long va,
				unsigned int shift)
{
	struct vsvm_device *vdev = vm->vdev;
	struct vsvm_counters *c = &vdev->counters;
	unsigned long start = round_down(va, 1ul << shift);
	unsigned long end = start + (1ul << shift);
	struct drm_pagemap *local = NULL;
	unsigned long astart, aend;
	struct vsvm_attr attr;
	int err = 0;

	atomic64_inc(&c->access_notifications);
	vsvm_vm_attr_get(vm, va, &attr, &astart, &aend);
	if (!vsvm_access_enabled(&attr))
		goto out;
	if (vdev->pagemap.cache) {
		local = vsvm_pagemap_get(&vdev->pagemap);
		if (IS_ERR(local))
			local = NULL;
	}
	if (!local)
		goto out;
	start = max3(start, astart, vm->svm.mm_start);
	end = min3(end, aend, vm->svm.mm_start + vm->svm.mm_range);
	if (start >= end || !vsvm_access_clip_vma(vm, va, &start, &end))
		goto out;

	if (!vsvm_policy_access_notify(vm, start, end, &attr, local)) {
		atomic64_inc(&c->access_left);
		trace_vsvm_access_counter(vdev->index, vm->id, start, end,
					  false, 0);
		goto out;
	}
	err = drm_pagemap_populate_mm(local, start, end, vm->mm, 0);
	trace_vsvm_access_counter(vdev->index, vm->id, start, end, true, err);
	if (err) {
		atomic64_inc(&c->access_migrate_failed);
		goto out;
	}
	atomic64_inc(&c->access_migrations);
	atomic64_add(end - start, &c->access_migrated_bytes);
	vsvm_policy_access_migrated(vm, start, end, &attr, local);
out:
	if (local)
		drm_pagemap_put(local);
	vsvm_attr_put(&attr);
}

/**
 * vsvm_access_flush() - add a batch to the VM's counters and act on them
 * @vm: the VM, its lock held, the notifier lock not held, in its mm
 * @b: the batch, emptied
 *
 * Each block that reaches the threshold is offered to the migration
 * policy and migrated to the device's VRAM if the policy and the range's
 * attributes allow it (see the top of this file). The migration
 * invalidates the GPU page table entries of the block, so that the next
 * access faults and maps the local copy.
 */
void vsvm_access_flush(struct vsvm_vm *vm, struct vsvm_access_batch *b)
{
	u32 threshold = READ_ONCE(access_counter_threshold);
	unsigned long gone_start, gone_end;
	unsigned int i;
	int ret;

	lockdep_assert_held(&vm->lock);
	vsvm_access_forget_unmapped(vm, &gone_start, &gone_end);
	for (i = 0; i < b->nr; i++) {
		unsigned long block = b->ent[i].addr >> b->shift;

		/*
		 * Noted before an munmap() that came in since (the batch
		 * is flushed after the notifier lock was dropped): the
		 * memory is gone, and so are its accesses; an unmap after
		 * this read is forgotten by the next flush.
		 */
		if (gone_start < gone_end &&
		    block >= gone_start >> b->shift &&
		    block <= (gone_end - 1) >> b->shift)
			continue;
		atomic64_add(b->ent[i].n, &vm->vdev->counters.access_counted);
		ret = drm_pagemap_access_counters_add(&vm->access,
						      b->ent[i].addr,
						      b->ent[i].n, b->shift,
						      threshold);
		if (ret == 1)
			vsvm_access_crossed(vm, b->ent[i].addr, b->shift);
	}
	b->nr = 0;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_access_flush);
