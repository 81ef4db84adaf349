// SPDX-License-Identifier: GPL-2.0
/*
 * vsvm GPU faults.
 *
 * The executor (vsvm_exec.c) walks a VM's GPU page table; a miss, a write
 * to a page bound read-only, or an atomic on a page that atomics may not
 * use where it is, is a GPU fault, handled here under &vsvm_vm.lock:
 *
 * 1. collect the garbage (vsvm_vm_gc()), then find or insert the
 *    &struct drm_gpusvm_range holding the address, inside the interval of
 *    equal memory attributes (vsvm_vm_attr_get());
 * 2. decide where the range goes (vsvm_fault_placement()): by default
 *    anonymous private memory migrates to the device's VRAM and
 *    file-backed or shared memory is used in place in system memory;
 *    MADVISE overrides the preferred location (system, the device, a
 *    pagemap fd), the migration policy (all pages, or only pages in system
 *    memory) and, for atomics, the atomic mode (device: local VRAM first;
 *    global: in place; cpu: system memory first);
 * 3. for a write, collapse the read replicas of the range; for a read of a
 *    read-mostly range in a peer's VRAM, make a read replica in the
 *    device's VRAM and stop there (vsvm_replica.c); then ask the mm's
 *    migration policy (vsvm_policy.c), which may map the range in place
 *    instead or redirect it to where it is pinned;
 * 4. migrate, unless drm_gpusvm_scan_mm() says the range is already there:
 *    drm_pagemap_populate_mm() into a pagemap, drm_gpusvm_range_evict()
 *    back to system memory. A migration to VRAM that fails (VRAM full,
 *    pages busy, pagemap revoked) falls back to system memory;
 * 5. collect the pages (drm_gpusvm_range_get_pages()) and bind them into
 *    the GPU page table if no invalidation came in between, else again, a
 *    bounded number of times.
 *
 * Locking: &vsvm_vm.lock (the gpusvm driver lock) is held throughout; the
 * migrations take mmap_lock, and the binding the notifier lock for read,
 * in that order (see vsvm_vm.c).
 */
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include <kunit/visibility.h>

#include <drm/drm_gpusvm.h>
#include <drm/drm_pagemap.h>
#include <drm/drm_pagemap_util.h>
#include <drm/vsvm_drm.h>

#include "vsvm_access.h"
#include "vsvm_attr.h"
#include "vsvm_drv.h"
#include "vsvm_fault.h"
#include "vsvm_policy.h"
#include "vsvm_replica.h"
#include "vsvm_trace.h"
#include "vsvm_vm.h"

/* How often a fault collects the pages again when invalidations race it. */
#define VSVM_FAULT_TRIES	64
/* How often a write fault remakes a range that mprotect() split. */
#define VSVM_FAULT_SPLIT_TRIES	8

static unsigned int migrate_timeslice_ms;
module_param(migrate_timeslice_ms, uint, 0644);
MODULE_PARM_DESC(migrate_timeslice_ms,
		 "Time after a GPU fault's migration to VRAM during which a CPU fault backs off once before undoing it (default 0)");

/**
 * vsvm_fault_placement() - where a GPU fault puts a range
 * @attr: the memory attributes of the range
 * @migratable: the range is anonymous private memory, in one VMA
 * @atomic: the placement for a GPU atomic (the atomic mode), else for
 *	other accesses (the preferred location and migration policy)
 * @local: the pagemap of the faulting device's VRAM, or NULL if it has
 *	none
 * @place: out: the decision
 *
 * Only anonymous private memory ever moves to VRAM; other memory is used
 * in place in system memory.
 */
void vsvm_fault_placement(const struct vsvm_attr *attr, bool migratable,
			  bool atomic, struct drm_pagemap *local,
			  struct vsvm_placement *place)
{
	struct drm_pagemap *dpagemap = NULL;

	place->kind = VSVM_PLACE_IN_PLACE;
	place->dpagemap = NULL;
	place->only_system = false;

	if (atomic) {
		switch (attr->atomic_mode) {
		case DRM_VSVM_ATOMIC_GLOBAL:
			return;
		case DRM_VSVM_ATOMIC_CPU:
			place->kind = VSVM_PLACE_SYSTEM;
			return;
		case DRM_VSVM_ATOMIC_DEVICE:
			break;
		default:
			/* As DEVICE for memory that migrates to VRAM. */
			if (attr->preferred_loc == DRM_VSVM_LOCATION_SYSTEM)
				return;
			break;
		}
		if (migratable && local) {
			place->kind = VSVM_PLACE_VRAM;
			place->dpagemap = local;
		}
		return;
	}

	if (!migratable)
		return;
	switch (attr->preferred_loc) {
	case DRM_VSVM_LOCATION_SYSTEM:
		place->kind = VSVM_PLACE_SYSTEM;
		return;
	case DRM_VSVM_LOCATION_PAGEMAP_FD:
		dpagemap = attr->dpagemap ?: local;
		break;
	default:
		dpagemap = local;
		break;
	}
	if (!dpagemap)
		return;
	place->kind = VSVM_PLACE_VRAM;
	place->dpagemap = dpagemap;
	place->only_system = attr->migration_policy ==
			     DRM_VSVM_MIGRATE_ONLY_SYSTEM_PAGES;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_fault_placement);

/*
 * Whether the placement of a fault on memory with @attr may be the
 * device's own VRAM: vsvm_fault_placement() is asked with a marker for
 * the local pagemap, which it only passes on, never dereferences.
 */
static bool vsvm_fault_wants_local(const struct vsvm_attr *attr,
				   bool migratable)
{
	struct drm_pagemap *mark = ERR_PTR(-ENODATA);
	struct vsvm_placement place;

	vsvm_fault_placement(attr, migratable, false, mark, &place);
	if (place.dpagemap == mark)
		return true;
	vsvm_fault_placement(attr, migratable, true, mark, &place);
	return place.dpagemap == mark;
}

/*
 * The pagemap of the device's VRAM, referenced, or NULL (none, KUnit). An
 * active pagemap is always taken; an inactive one (no page in the VRAM)
 * is only revived when @revive, that is when the fault may migrate into
 * it: reviving it takes provider references that the fault's last put
 * hands back through a work item, for nothing if it stays unused.
 */
static struct drm_pagemap *vsvm_fault_local_pagemap(struct vsvm_device *vdev,
						    bool revive)
{
	struct drm_pagemap *dpagemap;

	if (!vdev->pagemap.cache)
		return NULL;
	dpagemap = drm_pagemap_get_from_cache_if_active(vdev->pagemap.cache);
	if (dpagemap || !revive)
		return dpagemap;
	dpagemap = vsvm_pagemap_get(&vdev->pagemap);
	return IS_ERR(dpagemap) ? NULL : dpagemap;
}

/*
 * Whether the VMA holding @va still holds all of @range (an mprotect or
 * madvise may have split it since the range was made), and whether that
 * VMA is anonymous private memory the process may read, which may
 * migrate.
 */
static bool vsvm_fault_range_fits(struct vsvm_vm *vm,
				  struct drm_gpusvm_range *range,
				  unsigned long va, bool *migratable)
{
	struct vm_area_struct *vma;
	bool fits;

	mmap_read_lock(vm->mm);
	vma = vma_lookup(vm->mm, va);
	fits = vma && vma->vm_start <= drm_gpusvm_range_start(range) &&
	       drm_gpusvm_range_end(range) <= vma->vm_end;
	/*
	 * Memory the process may not read (PROT_NONE) is refused when its
	 * pages are collected; it must not move into VRAM before that.
	 */
	*migratable = fits && vma_is_anonymous(vma) &&
		      !(vma->vm_flags & VM_SHARED) &&
		      (vma->vm_flags & VM_READ);
	mmap_read_unlock(vm->mm);
	return fits;
}

static unsigned long vsvm_fault_npages(struct drm_gpusvm_range *range)
{
	return drm_gpusvm_range_size(range) >> PAGE_SHIFT;
}

/*
 * Migrate the device pages of @range to system memory. The pages are
 * counted, not summarized: a range with missing pages may hold device
 * pages too.
 */
static int vsvm_fault_to_ram(struct vsvm_vm *vm,
			     struct drm_gpusvm_range *range,
			     struct vsvm_fault_stats *stats)
{
	struct drm_gpusvm_scan_counts counts;
	unsigned long npages;
	int err;

	/* Counts of a failed snapshot are zero: evict anyway. */
	err = drm_gpusvm_scan_mm_counts(range,
					vm->svm.device_private_page_owner,
					NULL, &counts);
	if (!err && !counts.other)
		return 0;
	npages = counts.other;
	err = drm_gpusvm_range_evict(&vm->svm, range);
	trace_vsvm_migrate_to_ram(vm->vdev->index, vm->id,
				  drm_gpusvm_range_start(range),
				  drm_gpusvm_range_end(range), npages, err);
	if (err)
		return err;
	stats->pages_out += npages;
	atomic64_add(npages, &vm->vdev->counters.pages_to_ram);
	return 0;
}

/*
 * Put @range where @place says, skipping what would change nothing; @place
 * is updated to where the range went (system memory after a fallback, in
 * place when only system pages were to move and none did).
 */
static int vsvm_fault_place(struct vsvm_vm *vm, struct drm_gpusvm_range *range,
			    struct vsvm_placement *place,
			    struct drm_pagemap *local,
			    struct vsvm_fault_stats *stats)
{
	unsigned long start = drm_gpusvm_range_start(range);
	unsigned long end = drm_gpusvm_range_end(range);
	struct drm_gpusvm_scan_counts counts;
	int err;

	switch (place->kind) {
	case VSVM_PLACE_IN_PLACE:
		return 0;
	case VSVM_PLACE_SYSTEM:
		return vsvm_fault_to_ram(vm, range, stats);
	case VSVM_PLACE_VRAM:
		break;
	}

	err = drm_gpusvm_scan_mm_counts(range,
					vm->svm.device_private_page_owner,
					place->dpagemap->pagemap, &counts);
	if (!err && counts.equal == vsvm_fault_npages(range))
		return 0;
	/*
	 * Pages in a peer's VRAM stay there; so do ranges mixing them, with
	 * holes or not, and ranges that could not be scanned.
	 */
	if (place->only_system && (err || counts.equal || counts.other)) {
		place->kind = VSVM_PLACE_IN_PLACE;
		return 0;
	}

	err = drm_pagemap_populate_mm(place->dpagemap, start, end, vm->mm,
				      READ_ONCE(migrate_timeslice_ms));
	trace_vsvm_migrate_to_devmem(vm->vdev->index, vm->id, start, end,
				     vsvm_fault_npages(range), err);
	if (!err) {
		if (place->dpagemap == local) {
			stats->pages_in += vsvm_fault_npages(range);
			atomic64_add(vsvm_fault_npages(range),
				     &vm->vdev->counters.pages_to_vram);
		}
		return 0;
	}
	if (err == -EINTR)
		return err;
	/* VRAM full, pages busy, pagemap revoked: use system memory. */
	atomic64_inc(&vm->vdev->counters.migrate_fallbacks);
	place->kind = VSVM_PLACE_SYSTEM;
	return vsvm_fault_to_ram(vm, range, stats);
}

/*
 * Collect the pages of @range and bind them, again if invalidated. With
 * @keep_locked a successful bind returns with the notifier lock still held
 * for read, so that no invalidation comes between the bind and its use.
 */
static int vsvm_fault_bind(struct vsvm_vm *vm, struct drm_gpusvm_range *range,
			   const struct drm_gpusvm_ctx *ctx,
			   enum vsvm_pt_atomic atomic, bool keep_locked)
{
	unsigned int tries;
	int err;

	for (tries = 0;; tries++) {
		if (tries == VSVM_FAULT_TRIES) {
			err = -EAGAIN;
			break;
		}
		if (fatal_signal_pending(current)) {
			err = -EINTR;
			break;
		}
		/* get_pages replaces read-only pages: unbind them first. */
		if (!ctx->read_only) {
			drm_gpusvm_notifier_lock(&vm->svm);
			if (range->pages.flags.read_only)
				vsvm_vm_pt_zap(vm,
					       drm_gpusvm_range_start(range),
					       drm_gpusvm_range_end(range));
			drm_gpusvm_notifier_unlock(&vm->svm);
		}
		err = vsvm_vm_pt_reserve(vm, range);
		if (err)
			break;
		err = drm_gpusvm_range_get_pages(&vm->svm, range, ctx);
		if (err)
			break;

		drm_gpusvm_notifier_lock(&vm->svm);
		if (!drm_gpusvm_range_pages_valid(&vm->svm, range)) {
			drm_gpusvm_notifier_unlock(&vm->svm);
			continue;
		}
		err = vsvm_vm_pt_bind(vm, range, atomic);
		if (err || !keep_locked)
			drm_gpusvm_notifier_unlock(&vm->svm);
		/* -ENOMEM: a zap took the reserved slots; reserve again. */
		if (err != -ENOMEM)
			break;
	}
	vsvm_vm_pt_unreserve(vm, range);
	return err;
}

/*
 * Unbind and remove @range, so that a fault makes a new one: the entries
 * go first, then the pages (drm_gpusvm_range_remove() leaves them to the
 * driver, and out of the tree no invalidation would reach them), and the
 * access counts of the whole range: no unmap marked it, and the new range
 * may cover less of it; once that one went too and the garbage collector
 * took the notifier with it, an munmap of the rest would reach no callback
 * and a new mapping there would inherit the counts (vsvm_access.c).
 */
static void vsvm_fault_drop_range(struct vsvm_vm *vm,
				  struct drm_gpusvm_range *range)
{
	static const struct drm_gpusvm_ctx ctx;

	vsvm_access_forget(vm, drm_gpusvm_range_start(range),
			   drm_gpusvm_range_end(range));
	drm_gpusvm_notifier_lock(&vm->svm);
	vsvm_vm_pt_zap(vm, drm_gpusvm_range_start(range),
		       drm_gpusvm_range_end(range));
	/* A replica needs its range's notifier: it goes with the range. */
	vsvm_replica_invalidate(vm, drm_gpusvm_range_start(range),
				drm_gpusvm_range_end(range));
	drm_gpusvm_notifier_unlock(&vm->svm);
	drm_gpusvm_range_unmap_pages(&vm->svm, range, &ctx);
	drm_gpusvm_range_remove(&vm->svm, range);
}

/* Whether @range was marked unmapped (a hint: it only ever gets set). */
static bool vsvm_fault_range_unmapped(struct drm_gpusvm_range *range)
{
	struct drm_gpusvm_range_flags flags = {
		.__flags = READ_ONCE(range->flags.__flags),
	};

	return flags.unmapped;
}

/*
 * drm_gpusvm_range_find_or_insert() after the garbage collector: it returns
 * a range marked unmapped as it is, and one may be marked between the two
 * (an munmap needs no VM lock), so such a range sends it round again.
 */
static struct drm_gpusvm_range *
vsvm_fault_find_or_insert(struct vsvm_vm *vm, unsigned long va,
			  unsigned long start, unsigned long end,
			  const struct drm_gpusvm_ctx *ctx)
{
	struct drm_gpusvm_range *range;
	unsigned int tries = 0;

	do {
		vsvm_vm_gc(vm);
		range = drm_gpusvm_range_find_or_insert(&vm->svm, va, start,
							end, ctx);
	} while (!IS_ERR(range) && vsvm_fault_range_unmapped(range) &&
		 ++tries < VSVM_FAULT_TRIES);
	return range;
}

/*
 * Whether a VMA holds @va now and, if so, whether it is writable (in
 * *@writable).
 */
static bool vsvm_fault_va_mapped(struct vsvm_vm *vm, unsigned long va,
				 bool *writable)
{
	struct vm_area_struct *vma;

	mmap_read_lock(vm->mm);
	vma = vma_lookup(vm->mm, va);
	*writable = vma && (vma->vm_flags & VM_WRITE);
	mmap_read_unlock(vm->mm);
	return vma;
}

/*
 * The range holding @va, inside [@start, @end) and inside one VMA: a range
 * made before the attributes or the VMA were split there is unbound and
 * replaced by one that fits.
 */
static struct drm_gpusvm_range *
vsvm_fault_find_range(struct vsvm_vm *vm, unsigned long va,
		      unsigned long start, unsigned long end,
		      const struct drm_gpusvm_ctx *ctx, bool *migratable)
{
	struct drm_gpusvm_range *range;

	range = vsvm_fault_find_or_insert(vm, va, start, end, ctx);
	if (IS_ERR(range))
		return range;
	if (drm_gpusvm_range_start(range) >= start &&
	    drm_gpusvm_range_end(range) <= end &&
	    vsvm_fault_range_fits(vm, range, va, migratable))
		return range;

	vsvm_fault_drop_range(vm, range);
	range = vsvm_fault_find_or_insert(vm, va, start, end, ctx);
	if (!IS_ERR(range) && !vsvm_fault_range_fits(vm, range, va, migratable))
		*migratable = false;
	return range;
}

static enum vsvm_pt_atomic vsvm_fault_pt_atomic(const struct vsvm_placement *p)
{
	switch (p->kind) {
	case VSVM_PLACE_SYSTEM:
		return VSVM_PT_ATOMIC_SYSTEM;
	case VSVM_PLACE_VRAM:
		return VSVM_PT_ATOMIC_LOCAL;
	default:
		return VSVM_PT_ATOMIC_ALL;
	}
}

/**
 * vsvm_vm_fault_access() - handle a GPU fault
 * @vm: the VM, its lock held, called from its mm
 * @va: the faulting address
 * @access: the access that faulted
 * @flags: %VSVM_FAULT_IN_PLACE, %VSVM_FAULT_LOCKED, or 0
 * @stats: the fault, and the pages it migrated, are added to it
 *
 * Finds or inserts the range holding @va, places it by its memory
 * attributes (see the top of this file), collects its pages and binds them
 * into the GPU page table. After an atomic fault every page of the range
 * takes atomics where it ended up, even where a migration fell back, so
 * that the atomic makes progress. With %VSVM_FAULT_IN_PLACE nothing is
 * migrated and the policy is not asked: the range is bound where it is
 * (pages in the VRAM of a device outside the owner group come back to
 * system memory, as for any in-place mapping), atomics included.
 *
 * With %VSVM_FAULT_LOCKED a successful fault returns with the notifier
 * lock held for read (the caller unlocks it), so that the access can be
 * replayed before any invalidation: each fault makes progress.
 *
 * Return: 0 when @va is mapped for @access (until the next invalidation);
 * -EACCES from another mm; -ENOENT if no VMA holds @va; -EINVAL if it is
 * outside the mirrored VA; -EPERM for a write to read-only memory; -EFAULT
 * if the memory cannot be faulted in or the mm is gone; -EINTR on a fatal
 * signal; -EAGAIN if invalidations kept racing; -EBUSY if a walk or an
 * eviction timed out (both transient: the caller may fault again); another
 * errno of drm_gpusvm.
 */
int vsvm_vm_fault_access(struct vsvm_vm *vm, unsigned long va,
			 enum vsvm_access access, unsigned int flags,
			 struct vsvm_fault_stats *stats)
{
	struct drm_gpusvm_ctx ctx = {
		.read_only = access == VSVM_ACCESS_READ,
		.allow_mixed = 1,
	};
	bool locked = flags & VSVM_FAULT_LOCKED;
	struct vsvm_device *vdev = vm->vdev;
	struct vsvm_placement place, aplace;
	struct vsvm_policy_fault pf;
	struct drm_gpusvm_range *range;
	struct drm_pagemap *local;
	enum vsvm_pt_atomic atomic;
	unsigned long start, end;
	unsigned int eperm_tries = 0, unmapped_tries = 0;
	struct vsvm_attr attr;
	bool migratable, writable;
	int err;

	lockdep_assert_held(&vm->lock);
	if (current->mm != vm->mm)
		return -EACCES;

	stats->faults++;
	atomic64_inc(&vdev->counters.gpu_faults);
	trace_vsvm_gpu_fault(vdev->index, vm->id, va, access);

	vsvm_vm_attr_get(vm, va, &attr, &start, &end);
	start = max(start, vm->svm.mm_start);
	end = min(end, vm->svm.mm_start + vm->svm.mm_range);
	if (va < start || va >= end) {
		vsvm_attr_put(&attr);
		return -EINVAL;
	}

	local = NULL;
again:
	range = vsvm_fault_find_range(vm, va, start, end, &ctx, &migratable);
	if (IS_ERR(range)) {
		err = PTR_ERR(range);
		goto out;
	}
	if (!local) {
		bool revive = vsvm_fault_wants_local(&attr, migratable);

		local = vsvm_fault_local_pagemap(vdev, revive);
	}

	vsvm_fault_placement(&attr, migratable, false, local, &place);
	vsvm_fault_placement(&attr, migratable, true, local, &aplace);
	if (access == VSVM_ACCESS_ATOMIC) {
		place = aplace;
		atomic = VSVM_PT_ATOMIC_ALL;
	} else {
		atomic = vsvm_fault_pt_atomic(&aplace);
	}
	if (flags & VSVM_FAULT_IN_PLACE) {
		place.kind = VSVM_PLACE_IN_PLACE;
		if (access == VSVM_ACCESS_ATOMIC)
			atomic = VSVM_PT_ATOMIC_ALL;
	}

	if (access != VSVM_ACCESS_READ) {
		/* A write: every read replica of the range goes first. */
		vsvm_replica_collapse(vm, drm_gpusvm_range_start(range),
				      drm_gpusvm_range_end(range));
	} else if (attr.read_mostly == DRM_VSVM_READ_MOSTLY_ON && local &&
		   migratable && place.kind == VSVM_PLACE_VRAM &&
		   place.dpagemap == local &&
		   drm_gpusvm_scan_mm(range, vm->svm.device_private_page_owner,
				      local->pagemap) == DRM_GPUSVM_SCAN_OTHER) {
		/*
		 * Read-mostly memory in a peer's VRAM: a replica in ours,
		 * the master stays. Without one, read it in place.
		 */
		err = vsvm_replica_fault(vm, range, local);
		/* VSVM_FAULT_LOCKED: a success returns with the lock held. */
		if (!err && locked)
			drm_gpusvm_notifier_lock(&vm->svm);
		if (!err || err == -EINTR)
			goto out;
		place.kind = VSVM_PLACE_IN_PLACE;
		place.dpagemap = NULL;
	}

	/* The migration policy of the mm may map in place or redirect. */
	vsvm_policy_gpu_fault(vm, range, &attr, local, &place, &pf);
	err = vsvm_fault_place(vm, range, &place, local, stats);
	if (!err)
		vsvm_policy_gpu_placed(vm, &pf, &place);
	if (!err) {
		err = vsvm_fault_bind(vm, range, &ctx, atomic, locked);
		/* Pages of two pagemaps: gather them in system memory. */
		if (err == -EOPNOTSUPP) {
			err = vsvm_fault_to_ram(vm, range, stats);
			if (!err)
				err = vsvm_fault_bind(vm, range, &ctx, atomic,
						      locked);
		}
	}
	/*
	 * -EFAULT from a range an munmap() marked meanwhile, maybe of another
	 * part of it: the garbage collector takes it, and a range fitted to
	 * what is still mapped (if @va is) replaces it, a bounded number of
	 * times.
	 */
	if (err == -EFAULT && vsvm_fault_range_unmapped(range)) {
		if (++unmapped_tries < VSVM_FAULT_SPLIT_TRIES)
			goto again;
		/* Still mapped: munmaps of its neighbours kept racing. */
		if (vsvm_fault_va_mapped(vm, va, &writable))
			err = -EAGAIN;
	}
	/*
	 * -EFAULT from a range of several pages that @va's VMA holds: a page
	 * of it cannot be faulted in, maybe not @va's (beyond the end of the
	 * file the VMA maps: the CPU gets SIGBUS there, and only there).
	 * Fault @va's page alone, as the CPU would; once.
	 */
	if (err == -EFAULT && end - start > PAGE_SIZE &&
	    drm_gpusvm_range_size(range) > PAGE_SIZE &&
	    vsvm_fault_va_mapped(vm, va, &writable)) {
		start = va & PAGE_MASK;
		end = start + PAGE_SIZE;
		goto again;
	}
	/*
	 * -EPERM for a write to writable memory: an mprotect() made part of
	 * the range read-only after it was found to fit its VMA. Make a range
	 * that fits the VMA as it is now, a bounded number of times.
	 */
	if (err == -EPERM && !ctx.read_only &&
	    vsvm_fault_va_mapped(vm, va, &writable) && writable) {
		if (++eperm_tries < VSVM_FAULT_SPLIT_TRIES) {
			vsvm_fault_drop_range(vm, range);
			goto again;
		}
		err = -EAGAIN;
	}

out:
	if (local)
		drm_pagemap_put(local);
	vsvm_attr_put(&attr);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_vm_fault_access);

/**
 * vsvm_vm_fault() - handle a GPU read or write fault
 * @vm: the VM, its lock held, called from its mm
 * @va: the faulting address
 * @write: the GPU writes
 *
 * vsvm_vm_fault_access() without counters.
 *
 * Return: as vsvm_vm_fault_access().
 */
int vsvm_vm_fault(struct vsvm_vm *vm, unsigned long va, bool write)
{
	struct vsvm_fault_stats stats = {};

	return vsvm_vm_fault_access(vm, va, write ? VSVM_ACCESS_WRITE :
					    VSVM_ACCESS_READ, 0, &stats);
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_vm_fault);
