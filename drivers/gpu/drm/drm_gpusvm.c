// SPDX-License-Identifier: GPL-2.0
/*
 * drm_gpusvm: per-device, per-VM shared virtual memory ranges, their MMU
 * interval notifiers, page collection (HMM) and invalidation.
 */
#include <linux/bitmap.h>
#include <linux/dma-mapping.h>
#include <linux/export.h>
#include <linux/fault-inject.h>
#include <linux/hmm.h>
#include <linux/jiffies.h>
#include <linux/log2.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include <drm/drm_device.h>
#include <drm/drm_gpusvm.h>
#include <drm/drm_pagemap.h>

#include "drm_msvm_internal.h"

/**
 * DOC: Overview
 *
 * A &struct drm_gpusvm mirrors one mm for one device (one GPU VM). The CPU
 * VA is cut into notifier-size chunks: the first range created in a chunk
 * creates a &struct drm_gpusvm_notifier (one mmu_interval_notifier over the
 * chunk, holding an interval tree of ranges); the removal of its last range
 * removes it.
 *
 * A &struct drm_gpusvm_range is created by drm_gpusvm_range_find_or_insert()
 * on a GPU fault: it is the largest of the instance's chunk sizes, aligned to
 * its size, that contains the fault address, lies inside the CPU VMA and the
 * GPU VA window, and overlaps no other range. drm_gpusvm_range_get_pages()
 * collects its pages with hmm_range_fault() using the device's
 * device-private page owner, DMA-maps system pages and has device pages
 * mapped by their &struct drm_pagemap (&drm_pagemap_ops.device_map: a local
 * VRAM address, or a P2P address for a peer), and records one
 * &struct drm_pagemap_addr per mapped chunk. The driver then takes the
 * notifier lock for read, checks drm_gpusvm_range_pages_valid() and writes
 * its GPU page table; if the pages are no longer valid it calls get_pages
 * again.
 *
 * The mapped pages are a &struct drm_gpusvm_pages, as upstream's:
 * drm_gpusvm_get_pages(), drm_gpusvm_unmap_pages(),
 * drm_gpusvm_free_pages() and drm_gpusvm_pages_valid() work on any of them
 * (a driver may keep one per device that maps the range). Each range holds
 * one for the instance's device, &drm_gpusvm_range.pages, which the
 * drm_gpusvm_range_get_pages() family (drm-msvm extensions) use. Whichever
 * pages a driver uses, its &drm_gpusvm_ops.invalidate unmaps them, as
 * upstream's: drm_gpusvm only tells it (see "Multi-device guarantee").
 *
 * A typical GPU fault handler, under the driver lock (see "Examples" for
 * one with its error handling)::
 *
 *	range = drm_gpusvm_range_find_or_insert(gpusvm, addr, vma_start,
 *						vma_end, &ctx);
 *	retry:
 *	err = drm_gpusvm_range_get_pages(gpusvm, range, &ctx);
 *	drm_gpusvm_notifier_lock(gpusvm);
 *	if (!drm_gpusvm_range_pages_valid(gpusvm, range)) {
 *		drm_gpusvm_notifier_unlock(gpusvm);
 *		goto retry;
 *	}
 *	bind range->pages.dma_addr into the GPU page table;
 *	drm_gpusvm_notifier_unlock(gpusvm);
 */

/**
 * DOC: Locking
 *
 * Three locks, in this order: the driver lock -> mmap_lock ->
 * &drm_gpusvm.notifier_lock -> &drm_gpusvm.gc_lock.
 *
 * - The driver lock (for example the VM lock), named with
 *   drm_gpusvm_driver_set_lock(), is held around find_or_insert, remove,
 *   get_pages, evict, the garbage collector and fini; lockdep checks it.
 *   It serializes all changes of the notifier and range trees.
 * - &drm_gpusvm.notifier_lock (rw_semaphore) is taken for write by the MMU
 *   notifier callback around the driver's &drm_gpusvm_ops.invalidate, and
 *   for write by gpusvm whenever it changes the trees or pages
 *   (&drm_gpusvm_pages.dma_addr and &drm_gpusvm_pages.flags) and the
 *   range flags. The driver takes it for read (drm_gpusvm_notifier_lock())
 *   to check drm_gpusvm_range_pages_valid() and commit GPU mappings.
 *   Because the notifier may run from reclaim, nothing may allocate memory
 *   with reclaim while holding it; lockdep is primed with that at init.
 *   The invalidate callback runs under it and so must not take the driver
 *   lock; it calls the in_notifier forms (drm_gpusvm_unmap_pages() with
 *   &drm_gpusvm_ctx.in_notifier, drm_gpusvm_range_set_unmapped()), never
 *   the ones that take the notifier lock. drm_gpusvm_free_pages() and the
 *   last drm_gpusvm_range_put() of a range still holding pages take it.
 * - &drm_gpusvm.gc_lock (spinlock) protects the instance's garbage list
 *   (&drm_gpusvm.gc_list, &drm_gpusvm_range.gc_link): taken under the
 *   notifier lock by drm_gpusvm_range_set_unmapped(), and alone or under
 *   it by the garbage collector and range removal.
 *
 * Trees may be walked with either the driver lock or the notifier lock held.
 */

/**
 * DOC: Multi-device guarantee
 *
 * Several &struct drm_gpusvm instances (one per device) may mirror the same
 * mm, each with its own notifiers. The core MMU notifier calls every
 * interval notifier that overlaps an invalidation, and the invalidation (the
 * change of the CPU page table, and the freeing or migration of the pages)
 * does not proceed until every one of those callbacks has returned. Each
 * instance's callback takes its notifier lock for write, bumps the notifier
 * sequence and calls the driver's &drm_gpusvm_ops.invalidate, for every
 * blockable invalidation, as upstream's: nothing is skipped, whatever the
 * ranges hold and whatever the event. The driver's callback zaps its GPU
 * mappings of every range the interval meets, even partly, waits for the
 * GPU, and unmaps the ranges' pages (drm_gpusvm_unmap_pages() or
 * drm_gpusvm_range_unmap_pages(), with &drm_gpusvm_ctx.in_notifier), which
 * marks them invalid. Hence an invalidation cannot complete until every
 * instance has dropped its mappings; drm_gpusvm does none of that for the
 * driver, which is the one that knows which pages and GPU mappings it
 * holds. A driver may decide cheaply that nothing is to be done: no range
 * of the interval holds valid pages (it cannot map pages it was never
 * given), or an MMU_NOTIFY_EXCLUSIVE invalidation whose
 * &mmu_notifier_range.owner is its own device-private page owner (the
 * pages stay in place); it must never skip a migration or an unmap of
 * pages it holds.
 *
 * get_pages reads the notifier sequence with mmu_interval_read_begin()
 * (which waits for an invalidation in progress) before hmm_range_fault(),
 * and publishes the pages only if mmu_interval_read_retry() still agrees,
 * under the notifier lock held for write. A driver commits GPU mappings only
 * under the notifier lock after drm_gpusvm_range_pages_valid(). So no
 * instance can publish or use pages collected before an invalidation that
 * has started on the range, whichever instance's device (or the CPU) caused
 * it.
 */

/**
 * DOC: Garbage collection
 *
 * On MMU_NOTIFY_UNMAP (munmap, a MAP_FIXED mapping over the range, mremap;
 * and MMU_NOTIFY_RELEASE at exit, for a driver that wants its ranges gone
 * then) the driver's invalidate callback, having unmapped the pages of
 * every range the interval meets, even partly, marks each with
 * drm_gpusvm_range_set_unmapped() (&drm_gpusvm_range_flags.unmapped, and
 * &drm_gpusvm_range_flags.partial_unmap if only part of it went) and puts
 * it on its garbage list. A range cannot be removed inside the notifier
 * (removing a notifier waits for the invalidation to finish), so the
 * driver's garbage collector removes the listed ranges, and their
 * notifiers when empty, outside it, under the driver lock: it unmaps any
 * pages left and calls drm_gpusvm_range_remove(). get_pages on an
 * unmapped range fails with -EFAULT.
 *
 * drm_gpusvm_range_find_or_insert() collects no garbage and returns an
 * unmapped range as any other: the driver runs its garbage collector
 * before it, so that a fault on a re-mapped address gets a fresh range
 * fitted to the new VMA, and again if the range it gets was unmapped in
 * between.
 *
 * A drm-msvm extension spares a driver the list: drm_gpusvm_range_set_unmapped()
 * also queues the range on the instance's own list, and
 * drm_gpusvm_garbage_collect() unmaps the ranges' own pages and removes
 * them. It is opt-in: a driver with its own list never calls it, and
 * drm_gpusvm_range_remove() and drm_gpusvm_fini() take a range off the
 * instance's list whoever removes it.
 */

/**
 * DOC: Examples
 *
 * Three sketches of the driver side, written against this API: the GPU
 * page fault handler, the notifier callback and the garbage collector. They
 * leave out what is the driver's own business: its page table, how it
 * waits for the GPU, which pagemap it migrates to and when.
 *
 * 1) GPU page fault handler
 *
 * The driver lock (here ``vm->lock``, named with
 * drm_gpusvm_driver_set_lock()) is held throughout. Each retry is bounded:
 * an invalidation may hit the range between get_pages and the bind, and a
 * munmap may remove it.
 *
 * .. code-block:: c
 *
 *	int driver_gpu_fault(struct driver_vm *vm, unsigned long addr,
 *			     bool write)
 *	{
 *		struct drm_gpusvm_ctx ctx = {
 *			.read_only = !write,
 *			.devmem_possible = 1,
 *			.allow_mixed = 1,
 *			.timeslice_ms = 5,
 *		};
 *		struct drm_gpusvm *gpusvm = &vm->gpusvm;
 *		struct drm_gpusvm_range *range;
 *		int tries = 3;
 *		int err;
 *
 *		mutex_lock(&vm->lock);
 *	retry:
 *		// The garbage first, so that a re-mapped address gets a
 *		// range fitted to its new VMA: find_or_insert returns an
 *		// unmapped range as it is.
 *		driver_garbage_collect(vm);
 *		range = drm_gpusvm_range_find_or_insert(gpusvm, addr,
 *							vm->va_start,
 *							vm->va_end, &ctx);
 *		if (IS_ERR(range)) {
 *			// -ENOENT: no VMA; -EPERM: write to a read-only VMA
 *			err = PTR_ERR(range);
 *			goto unlock;
 *		}
 *
 *		// Best effort: on failure the pages stay where they are.
 *		if (range->flags.migrate_devmem && driver_wants_vram(vm, range))
 *			drm_pagemap_populate_mm(vm->dpagemap,
 *						drm_gpusvm_range_start(range),
 *						drm_gpusvm_range_end(range),
 *						gpusvm->mm, ctx.timeslice_ms);
 *
 *		err = drm_gpusvm_range_get_pages(gpusvm, range, &ctx);
 *		if (err == -EOPNOTSUPP && tries--) {
 *			// pages of two pagemaps: gather them in system memory
 *			drm_gpusvm_range_evict(gpusvm, range);
 *			goto retry;
 *		}
 *		if (err == -EFAULT && tries--)
 *			goto retry;	// unmapped meanwhile: a fresh range
 *		if (err)
 *			goto unlock;	// -EFAULT, -EBUSY, -ENOMEM, ...
 *
 *		drm_gpusvm_notifier_lock(gpusvm);
 *		if (!drm_gpusvm_range_pages_valid(gpusvm, range)) {
 *			drm_gpusvm_notifier_unlock(gpusvm);
 *			if (tries--)
 *				goto retry;	// invalidated since get_pages
 *			err = -EAGAIN;
 *			goto unlock;
 *		}
 *		// drm_gpusvm_pages_first_dma(&range->pages, NULL): one
 *		// entry per mapped chunk
 *		driver_bind(vm, range);
 *		drm_gpusvm_notifier_unlock(gpusvm);
 *	unlock:
 *		mutex_unlock(&vm->lock);
 *		return err;
 *	}
 *
 * 2) Notifier callback
 *
 * Called for every blockable invalidation that meets one of the instance's
 * notifiers, with the notifier lock held for write: it must not take the
 * driver lock nor allocate memory with reclaim. drm_gpusvm does nothing
 * else: the callback zaps the GPU mappings of every range overlapping the
 * interval, even partly (whole ranges: their pages are unmapped whole),
 * waits for the GPU, then unmaps the pages; on an unmap it marks the
 * ranges and hands them to its garbage collector. The early return is the
 * only shortcut it may take: pages made exclusive to its own owner group
 * stay where they are, mapped.
 *
 * .. code-block:: c
 *
 *	void driver_invalidate(struct drm_gpusvm *gpusvm,
 *			       struct drm_gpusvm_notifier *notifier,
 *			       const struct mmu_notifier_range *mmu_range)
 *	{
 *		struct driver_vm *vm = container_of(gpusvm, struct driver_vm,
 *						    gpusvm);
 *		struct drm_gpusvm_ctx ctx = { .in_notifier = 1 };
 *		struct drm_gpusvm_range *range = NULL;
 *
 *		if (mmu_range->event == MMU_NOTIFY_EXCLUSIVE &&
 *		    mmu_range->owner == vm->owner)
 *			return;
 *
 *		drm_gpusvm_for_each_range(range, notifier, mmu_range->start,
 *					  mmu_range->end)
 *			driver_zap(vm, drm_gpusvm_range_start(range),
 *				   drm_gpusvm_range_end(range));
 *		driver_wait_gpu_idle(vm);
 *
 *		range = NULL;
 *		drm_gpusvm_for_each_range(range, notifier, mmu_range->start,
 *					  mmu_range->end) {
 *			drm_gpusvm_range_unmap_pages(gpusvm, range, &ctx);
 *			if (mmu_range->event != MMU_NOTIFY_UNMAP)
 *				continue;
 *			drm_gpusvm_range_set_unmapped(range, NULL, 0,
 *						      mmu_range);
 *			driver_gc_add(vm, range);	// a list under a spinlock
 *		}
 *		if (mmu_range->event == MMU_NOTIFY_UNMAP)
 *			queue_work(vm->wq, &vm->gc_work);
 *	}
 *
 * 3) Garbage collector
 *
 * Runs outside the notifier (removing a notifier waits for the
 * invalidations in progress), under the driver lock, from the driver's
 * worker and before each find_or_insert. The callback above already zapped
 * and unmapped the ranges; unmapping again is harmless and covers pages a
 * path outside the callback may have left. drm_gpusvm_range_remove() then
 * takes each range out of the trees; it does not unmap pages itself.
 * drm_gpusvm_fini() removes the remaining ranges, unmapped or not, when
 * the VM goes. (A driver may instead call drm_gpusvm_garbage_collect(), a
 * drm-msvm extension that does this loop on the instance's own list.)
 *
 * .. code-block:: c
 *
 *	void driver_garbage_collect(struct driver_vm *vm)
 *	{
 *		struct drm_gpusvm_ctx ctx = {};
 *		struct drm_gpusvm_range *range;
 *
 *		lockdep_assert_held(&vm->lock);
 *		while ((range = driver_gc_pop(vm))) {	// under its spinlock
 *			drm_gpusvm_range_unmap_pages(&vm->gpusvm, range, &ctx);
 *			drm_gpusvm_range_remove(&vm->gpusvm, range);
 *		}
 *	}
 *
 *	void driver_gc_work(struct work_struct *work)
 *	{
 *		struct driver_vm *vm = container_of(work, struct driver_vm,
 *						    gc_work);
 *
 *		mutex_lock(&vm->lock);
 *		driver_garbage_collect(vm);
 *		mutex_unlock(&vm->lock);
 *	}
 *
 *	void driver_vm_fini(struct driver_vm *vm)
 *	{
 *		cancel_work_sync(&vm->gc_work);
 *		mutex_lock(&vm->lock);
 *		driver_gc_clear(vm);	// empty the list: fini removes all
 *		drm_gpusvm_fini(&vm->gpusvm);
 *		mutex_unlock(&vm->lock);
 *	}
 */

static void drm_gpusvm_driver_lock_held(struct drm_gpusvm *gpusvm)
{
#ifdef CONFIG_LOCKDEP
	if (gpusvm->lock_dep_map)
		lockdep_assert(lock_is_held(gpusvm->lock_dep_map));
#endif
}

static bool drm_gpusvm_pages_have(const struct drm_gpusvm_pages *svm_pages)
{
	return svm_pages->flags.has_dma_mapping ||
		svm_pages->flags.has_devmem_pages;
}

static bool drm_gpusvm_range_has_pages(struct drm_gpusvm_range *range)
{
	return drm_gpusvm_pages_have(&range->pages);
}

static unsigned long drm_gpusvm_range_npages(struct drm_gpusvm_range *range)
{
	return drm_gpusvm_range_size(range) >> PAGE_SHIFT;
}

/* The device-private page owner of an operation. */
static void *drm_gpusvm_owner(const struct drm_gpusvm *gpusvm,
			      const struct drm_gpusvm_ctx *ctx)
{
	return ctx->device_private_page_owner ?:
		gpusvm->device_private_page_owner;
}

/* The instance, checked and set up, for drm_gpusvm_init{,_device}(). */
static int __drm_gpusvm_init(struct drm_gpusvm *gpusvm, const char *name,
			     struct drm_device *drm, struct mm_struct *mm,
			     void *device_private_page_owner,
			     unsigned long mm_start, unsigned long mm_range,
			     unsigned long notifier_size,
			     const struct drm_gpusvm_ops *ops,
			     const unsigned long *chunk_sizes, int num_chunks)
{
	int i;

	if (!ops || !ops->invalidate || !chunk_sizes || num_chunks <= 0)
		return -EINVAL;
	if (!is_power_of_2(notifier_size) || notifier_size < PAGE_SIZE)
		return -EINVAL;
	if (!mm_range || mm_start + mm_range < mm_start ||
	    !PAGE_ALIGNED(mm_start) || !PAGE_ALIGNED(mm_range))
		return -EINVAL;
	for (i = 0; i < num_chunks; i++) {
		if (!is_power_of_2(chunk_sizes[i]) ||
		    chunk_sizes[i] < PAGE_SIZE ||
		    chunk_sizes[i] > notifier_size ||
		    (i && chunk_sizes[i] >= chunk_sizes[i - 1]))
			return -EINVAL;
	}

	gpusvm->name = name;
	gpusvm->drm = drm;
	gpusvm->mm = mm;
	gpusvm->device_private_page_owner = device_private_page_owner;
	gpusvm->mm_start = mm_start;
	gpusvm->mm_range = mm_range;
	gpusvm->notifier_size = notifier_size;
	gpusvm->ops = ops;
	gpusvm->chunk_sizes = chunk_sizes;
	gpusvm->num_chunks = num_chunks;
	init_rwsem(&gpusvm->notifier_lock);
	gpusvm->root = RB_ROOT_CACHED;
	INIT_LIST_HEAD(&gpusvm->notifier_list);
	spin_lock_init(&gpusvm->gc_lock);
	INIT_LIST_HEAD(&gpusvm->gc_list);
#ifdef CONFIG_LOCKDEP
	gpusvm->lock_dep_map = NULL;
#endif
	mmgrab(mm);

	/* The notifier lock is taken from reclaim: tell lockdep up front. */
	fs_reclaim_acquire(GFP_KERNEL);
	might_lock(&gpusvm->notifier_lock);
	fs_reclaim_release(GFP_KERNEL);

	return 0;
}

/**
 * drm_gpusvm_init_device() - initialize an instance for one device
 * @gpusvm: the &struct drm_gpusvm to initialize
 * @name: name, for debugging
 * @drm: the DRM device; &drm_device.dev is used for DMA mapping of the
 *	ranges' own pages (&drm_gpusvm_range.pages)
 * @mm: the mm to mirror; grabbed (mmgrab()) until drm_gpusvm_fini()
 * @device_private_page_owner: the device's owner group, handed to HMM where
 *	a &struct drm_gpusvm_ctx gives none
 * @mm_start: start of the VA to mirror
 * @mm_range: size of the VA to mirror
 * @notifier_size: VA size of each notifier, a power of two >= PAGE_SIZE
 * @ops: driver callbacks; &drm_gpusvm_ops.invalidate is required
 * @chunk_sizes: range sizes, powers of two >= PAGE_SIZE, strictly
 *	decreasing, none above @notifier_size; end with PAGE_SIZE so that any
 *	faulting page can get a range
 * @num_chunks: number of @chunk_sizes
 *
 * A drm-msvm extension: drm_gpusvm_init() for a driver that uses the
 * ranges' own pages (the drm_gpusvm_range_get_pages() family) and gives
 * its device-private page owner once rather than in every
 * &struct drm_gpusvm_ctx.
 *
 * Return: 0, or -EINVAL on a bad argument.
 */
int drm_gpusvm_init_device(struct drm_gpusvm *gpusvm, const char *name,
			   struct drm_device *drm, struct mm_struct *mm,
			   void *device_private_page_owner,
			   unsigned long mm_start, unsigned long mm_range,
			   unsigned long notifier_size,
			   const struct drm_gpusvm_ops *ops,
			   const unsigned long *chunk_sizes, int num_chunks)
{
	if (!drm || !drm->dev || !mm)
		return -EINVAL;
	return __drm_gpusvm_init(gpusvm, name, drm, mm,
				 device_private_page_owner, mm_start, mm_range,
				 notifier_size, ops, chunk_sizes, num_chunks);
}
EXPORT_SYMBOL_GPL(drm_gpusvm_init_device);

/**
 * drm_gpusvm_init() - initialize an instance
 * @gpusvm: the &struct drm_gpusvm to initialize
 * @name: name, for debugging
 * @mm: the mm to mirror; grabbed (mmgrab()) until drm_gpusvm_fini(). NULL
 *	makes a stub instance with only its notifier lock, as upstream's for a
 *	VM that does not fault: every other argument must then be 0 or NULL
 * @mm_start: start of the VA to mirror
 * @mm_range: size of the VA to mirror
 * @notifier_size: VA size of each notifier, a power of two >= PAGE_SIZE
 * @ops: driver callbacks; &drm_gpusvm_ops.invalidate is required
 * @chunk_sizes: range sizes, as for drm_gpusvm_init_device()
 * @num_chunks: number of @chunk_sizes
 *
 * The instance has no device: the driver maps pages into its own
 * &struct drm_gpusvm_pages (drm_gpusvm_get_pages()), each initialized for
 * its device, and gives the device-private page owner in each
 * &struct drm_gpusvm_ctx.
 *
 * Return: 0, or -EINVAL on a bad argument.
 */
int drm_gpusvm_init(struct drm_gpusvm *gpusvm, const char *name,
		    struct mm_struct *mm,
		    unsigned long mm_start, unsigned long mm_range,
		    unsigned long notifier_size,
		    const struct drm_gpusvm_ops *ops,
		    const unsigned long *chunk_sizes, int num_chunks)
{
	if (mm)
		return __drm_gpusvm_init(gpusvm, name, NULL, mm, NULL,
					 mm_start, mm_range, notifier_size,
					 ops, chunk_sizes, num_chunks);
	if (mm_start || mm_range || notifier_size || ops || chunk_sizes ||
	    num_chunks)
		return -EINVAL;
	memset(gpusvm, 0, sizeof(*gpusvm));
	gpusvm->name = name;
	init_rwsem(&gpusvm->notifier_lock);
	gpusvm->root = RB_ROOT_CACHED;
	INIT_LIST_HEAD(&gpusvm->notifier_list);
	spin_lock_init(&gpusvm->gc_lock);
	INIT_LIST_HEAD(&gpusvm->gc_list);
	return 0;
}
EXPORT_SYMBOL_GPL(drm_gpusvm_init);

static bool drm_gpusvm_mm_probe_invalidate(struct mmu_interval_notifier *mni,
					   const struct mmu_notifier_range *range,
					   unsigned long cur_seq)
{
	mmu_interval_set_seq(mni, cur_seq);
	return true;
}

static const struct mmu_interval_notifier_ops drm_gpusvm_mm_probe_ops = {
	.invalidate = drm_gpusvm_mm_probe_invalidate,
};

/**
 * drm_gpusvm_mm_prepare() - make an mm ready for the notifiers of mirrors
 * @mm: the mm, with a user (the caller's own mm)
 *
 * drm-msvm extension. The first interval notifier inserted into an mm
 * registers the mm's notifier tree, and that takes every lock of the mm
 * (mm_take_all_locks()), which fails with -EINTR when any signal is
 * pending, fatal or not. Every later insertion (drm_gpusvm's notifiers
 * and page walks) is then a plain one. Called when a mirror of @mm is
 * made, before anything else is done (a driver's VM creation), this makes
 * that registration there and then, so that no call working on the
 * mirror can fail half-way because the caller has a signal handler: such
 * a call cannot be restarted, and its -EINTR would reach user space. Cheap
 * once @mm has its tree (an insertion and a removal).
 *
 * Return: 0; -EINTR if a signal was pending (nothing was done: the caller
 * may restart its system call), -ENOMEM.
 */
int drm_gpusvm_mm_prepare(struct mm_struct *mm)
{
	struct mmu_interval_notifier probe = {};
	int err;

	err = mmu_interval_notifier_insert(&probe, mm, 0, PAGE_SIZE,
					   &drm_gpusvm_mm_probe_ops);
	if (err)
		return err;
	mmu_interval_notifier_remove(&probe);
	return 0;
}
EXPORT_SYMBOL_GPL(drm_gpusvm_mm_prepare);

/**
 * drm_gpusvm_find_vma_start() - start of the first CPU VMA in an interval
 * @gpusvm: the instance
 * @start: start address
 * @end: end address (exclusive), above @start
 *
 * Takes the mmap lock of the instance's mm for read; no driver lock is
 * needed. The answer may be stale as soon as the lock is dropped.
 *
 * Return: the start address of the lowest VMA overlapping [@start, @end)
 * (which may lie below @start), or ULONG_MAX if there is none or the mm is
 * gone.
 */
unsigned long drm_gpusvm_find_vma_start(struct drm_gpusvm *gpusvm,
					unsigned long start, unsigned long end)
{
	struct mm_struct *mm = gpusvm->mm;
	struct vm_area_struct *vma;
	unsigned long addr = ULONG_MAX;

	if (!mmget_not_zero(mm))
		return addr;
	mmap_read_lock(mm);
	vma = find_vma_intersection(mm, start, end);
	if (vma)
		addr = vma->vm_start;
	mmap_read_unlock(mm);
	mmput(mm);
	return addr;
}
EXPORT_SYMBOL_GPL(drm_gpusvm_find_vma_start);

/**
 * drm_gpusvm_notifier_find() - first notifier overlapping an interval
 * @gpusvm: the instance
 * @start: start address
 * @end: end address (exclusive)
 *
 * The caller holds the driver lock or the notifier lock.
 *
 * Return: the lowest notifier overlapping [@start, @end), or NULL.
 */
struct drm_gpusvm_notifier *
drm_gpusvm_notifier_find(struct drm_gpusvm *gpusvm, unsigned long start,
			 unsigned long end)
{
	struct interval_tree_node *node;

	if (start >= end)
		return NULL;
	node = interval_tree_iter_first(&gpusvm->root, start, end - 1);
	return node ? container_of(node, struct drm_gpusvm_notifier, itree) :
		NULL;
}
EXPORT_SYMBOL_GPL(drm_gpusvm_notifier_find);

/**
 * drm_gpusvm_range_find() - first range of a notifier overlapping an interval
 * @notifier: the notifier
 * @start: start address
 * @end: end address (exclusive)
 *
 * The caller holds the driver lock or the notifier lock.
 *
 * Return: the lowest range overlapping [@start, @end), or NULL.
 */
struct drm_gpusvm_range *
drm_gpusvm_range_find(struct drm_gpusvm_notifier *notifier,
		      unsigned long start, unsigned long end)
{
	struct interval_tree_node *node;

	if (start >= end)
		return NULL;
	node = interval_tree_iter_first(&notifier->root, start, end - 1);
	return node ? container_of(node, struct drm_gpusvm_range, itree) :
		NULL;
}
EXPORT_SYMBOL_GPL(drm_gpusvm_range_find);

/**
 * drm_gpusvm_range_next_in() - next range overlapping an interval
 * @range: the current range
 * @start: start address
 * @end: end address (exclusive)
 *
 * The caller holds the driver lock or the notifier lock.
 *
 * Return: the next range of @range's notifier overlapping [@start, @end), or
 * NULL.
 */
struct drm_gpusvm_range *
drm_gpusvm_range_next_in(struct drm_gpusvm_range *range,
			 unsigned long start, unsigned long end)
{
	struct interval_tree_node *node;

	node = interval_tree_iter_next(&range->itree, start, end - 1);
	return node ? container_of(node, struct drm_gpusvm_range, itree) :
		NULL;
}
EXPORT_SYMBOL_GPL(drm_gpusvm_range_next_in);

/**
 * drm_gpusvm_has_mapping() - whether any range overlaps an interval
 * @gpusvm: the instance
 * @start: start address
 * @end: end address (exclusive)
 *
 * The caller holds the driver lock or the notifier lock.
 *
 * Return: true if a range overlaps [@start, @end).
 */
bool drm_gpusvm_has_mapping(struct drm_gpusvm *gpusvm, unsigned long start,
			    unsigned long end)
{
	struct drm_gpusvm_notifier *notifier;

	drm_gpusvm_for_each_notifier(notifier, gpusvm, start, end)
		if (drm_gpusvm_range_find(notifier, start, end))
			return true;
	return false;
}
EXPORT_SYMBOL_GPL(drm_gpusvm_has_mapping);

/* Unmap the first @npages pages of @svm_pages; notifier lock held (write). */
static void drm_gpusvm_unmap_entries(struct drm_gpusvm *gpusvm,
				     struct drm_gpusvm_pages *svm_pages,
				     unsigned long npages)
{
	struct device *dev = svm_pages->drm->dev;
	unsigned long i;

	lockdep_assert_held_write(&gpusvm->notifier_lock);

	if (!svm_pages->dma_addr)
		return;
	for (i = 0; i < npages;) {
		struct drm_pagemap_addr *addr = &svm_pages->dma_addr[i];
		unsigned int order = addr->order;

		if (addr->proto == DRM_INTERCONNECT_SYSTEM)
			dma_unmap_page(dev, addr->addr, PAGE_SIZE << order,
				       addr->dir);
		else if (!WARN_ON_ONCE(!svm_pages->dpagemap))
			svm_pages->dpagemap->ops->device_unmap(svm_pages->dpagemap,
							       dev, addr);
		memset(addr, 0, sizeof(*addr));
		i += 1UL << order;
	}
}

static void __drm_gpusvm_unmap_pages(struct drm_gpusvm *gpusvm,
				     struct drm_gpusvm_pages *svm_pages,
				     unsigned long npages)
{
	lockdep_assert_held_write(&gpusvm->notifier_lock);

	if (drm_gpusvm_pages_have(svm_pages))
		drm_gpusvm_unmap_entries(gpusvm, svm_pages, npages);
	svm_pages->flags.has_dma_mapping = 0;
	svm_pages->flags.has_devmem_pages = 0;
	svm_pages->dpagemap = NULL;
}

static void __drm_gpusvm_range_unmap_pages(struct drm_gpusvm *gpusvm,
					   struct drm_gpusvm_range *range)
{
	__drm_gpusvm_unmap_pages(gpusvm, &range->pages,
				 drm_gpusvm_range_npages(range));
}

/**
 * drm_gpusvm_range_set_unmapped() - mark a range unmapped by the CPU
 * @range: the range
 * @pages: the driver's &struct drm_gpusvm_pages of @range, or NULL
 * @pages_count: the number of @pages
 * @mmu_range: the MMU_NOTIFY_UNMAP (or MMU_NOTIFY_RELEASE) invalidation
 *
 * Called by the driver's &drm_gpusvm_ops.invalidate, with the notifier
 * lock held for write, for each range an MMU_NOTIFY_UNMAP (or, for a
 * driver that also lets the ranges go at exit, MMU_NOTIFY_RELEASE)
 * invalidation meets. Sets &drm_gpusvm_range_flags.unmapped, and
 * &drm_gpusvm_range_flags.partial_unmap when @mmu_range does not cover the
 * whole range, and sets &drm_gpusvm_pages_flags.unmapped of each of @pages
 * and of the range's own &drm_gpusvm_range.pages: get_pages on them fails
 * with -EFAULT from now on. It neither unmaps pages nor removes the range:
 * the driver unmaps the pages (drm_gpusvm_unmap_pages(), with
 * &drm_gpusvm_ctx.in_notifier) and puts the range on its garbage list, and
 * its garbage collector removes it (drm_gpusvm_range_remove()) outside the
 * notifier.
 *
 * A drm-msvm extension: the range is also queued on the instance's own
 * garbage list, for a driver that lets drm_gpusvm_garbage_collect() remove
 * its unmapped ranges. A driver with a list of its own ignores that:
 * drm_gpusvm_range_remove() takes the range off it, and nothing else
 * removes it behind the driver's back. Calling it twice is harmless.
 */
void drm_gpusvm_range_set_unmapped(struct drm_gpusvm_range *range,
				   struct drm_gpusvm_pages *pages,
				   unsigned int pages_count,
				   const struct mmu_notifier_range *mmu_range)
{
	struct drm_gpusvm *gpusvm = range->gpusvm;
	unsigned int i;

	lockdep_assert_held_write(&gpusvm->notifier_lock);

	for (i = 0; i < pages_count; i++)
		pages[i].flags.unmapped = 1;
	range->pages.flags.unmapped = 1;
	range->flags.unmapped = 1;
	if (mmu_range->start > drm_gpusvm_range_start(range) ||
	    mmu_range->end < drm_gpusvm_range_end(range))
		range->flags.partial_unmap = 1;

	spin_lock(&gpusvm->gc_lock);
	if (list_empty(&range->gc_link))
		list_add_tail(&range->gc_link, &gpusvm->gc_list);
	spin_unlock(&gpusvm->gc_lock);
}
EXPORT_SYMBOL_GPL(drm_gpusvm_range_set_unmapped);

/*
 * The MMU interval notifier of every &struct drm_gpusvm_notifier, as
 * upstream's: the sequence is bumped and the driver is called, under the
 * notifier lock held for write, for every blockable invalidation that
 * meets the notifier. Everything else (zapping, unmapping the pages,
 * marking ranges unmapped) is the driver's &drm_gpusvm_ops.invalidate.
 */
static bool drm_gpusvm_notifier_invalidate(struct mmu_interval_notifier *mni,
					   const struct mmu_notifier_range *mmu_range,
					   unsigned long cur_seq)
{
	struct drm_gpusvm_notifier *notifier =
		container_of(mni, struct drm_gpusvm_notifier, notifier);
	struct drm_gpusvm *gpusvm = notifier->gpusvm;

	/*
	 * The driver's invalidate may sleep (it waits for the GPU), and so
	 * may the DMA unmapping: a non-blockable invalidation (the OOM
	 * reaper's) is refused without touching anything; the caller
	 * gives up on the range (-EAGAIN) and may retry it blockable.
	 */
	if (!mmu_notifier_range_blockable(mmu_range))
		return false;

	down_write(&gpusvm->notifier_lock);
	mmu_interval_set_seq(mni, cur_seq);
	gpusvm->ops->invalidate(gpusvm, notifier, mmu_range);
	up_write(&gpusvm->notifier_lock);
	return true;
}

static const struct mmu_interval_notifier_ops drm_gpusvm_notifier_ops = {
	.invalidate = drm_gpusvm_notifier_invalidate,
};

static struct drm_gpusvm_notifier *
drm_gpusvm_notifier_alloc(struct drm_gpusvm *gpusvm, unsigned long addr)
{
	struct drm_gpusvm_notifier *notifier;

	if (gpusvm->ops->notifier_alloc)
		notifier = gpusvm->ops->notifier_alloc();
	else
		notifier = kzalloc(sizeof(*notifier), GFP_KERNEL);
	if (!notifier)
		return NULL;

	notifier->gpusvm = gpusvm;
	notifier->itree.start = ALIGN_DOWN(addr, gpusvm->notifier_size);
	notifier->itree.last = notifier->itree.start + gpusvm->notifier_size - 1;
	INIT_LIST_HEAD(&notifier->entry);
	notifier->root = RB_ROOT_CACHED;
	INIT_LIST_HEAD(&notifier->range_list);
	return notifier;
}

static void drm_gpusvm_notifier_free(struct drm_gpusvm *gpusvm,
				     struct drm_gpusvm_notifier *notifier)
{
	WARN_ON(!RB_EMPTY_ROOT(&notifier->root.rb_root));
	if (gpusvm->ops->notifier_free)
		gpusvm->ops->notifier_free(notifier);
	else
		kfree(notifier);
}

static void drm_gpusvm_notifier_insert(struct drm_gpusvm *gpusvm,
				       struct drm_gpusvm_notifier *notifier)
{
	struct rb_node *prev;

	lockdep_assert_held_write(&gpusvm->notifier_lock);

	interval_tree_insert(&notifier->itree, &gpusvm->root);
	prev = rb_prev(&notifier->itree.rb);
	if (prev)
		list_add(&notifier->entry,
			 &container_of(prev, struct drm_gpusvm_notifier,
				       itree.rb)->entry);
	else
		list_add(&notifier->entry, &gpusvm->notifier_list);
}

static void drm_gpusvm_range_insert(struct drm_gpusvm_notifier *notifier,
				    struct drm_gpusvm_range *range)
{
	struct rb_node *prev;

	lockdep_assert_held_write(&notifier->gpusvm->notifier_lock);

	interval_tree_insert(&range->itree, &notifier->root);
	prev = rb_prev(&range->itree.rb);
	if (prev)
		list_add(&range->entry,
			 &container_of(prev, struct drm_gpusvm_range,
				       itree.rb)->entry);
	else
		list_add(&range->entry, &notifier->range_list);
}

static struct drm_gpusvm_range *
drm_gpusvm_range_alloc(struct drm_gpusvm *gpusvm,
		       struct drm_gpusvm_notifier *notifier,
		       unsigned long start, unsigned long size,
		       bool migrate_devmem)
{
	struct drm_gpusvm_range *range;

	if (gpusvm->ops->range_alloc)
		range = gpusvm->ops->range_alloc(gpusvm);
	else
		range = kzalloc(sizeof(*range), GFP_KERNEL);
	if (!range)
		return NULL;

	range->gpusvm = gpusvm;
	range->notifier = notifier;
	kref_init(&range->refcount);
	range->itree.start = start;
	range->itree.last = start + size - 1;
	INIT_LIST_HEAD(&range->entry);
	INIT_LIST_HEAD(&range->gc_link);
	/* A driver's range_alloc may have made them for another device. */
	if (!range->pages.drm)
		drm_gpusvm_init_pages(&range->pages, gpusvm->drm);
	memset(&range->flags, 0, sizeof(range->flags));
	range->flags.migrate_devmem = migrate_devmem;
	return range;
}

/*
 * Remove @range from its notifier, and the notifier if now empty. With
 * @unmap, the range's own pages are unmapped first, under the same hold of
 * the notifier lock (the garbage collector's way); without, they are left
 * to the driver and, at the last reference, to drm_gpusvm_range_release().
 */
static void __drm_gpusvm_range_remove(struct drm_gpusvm *gpusvm,
				      struct drm_gpusvm_range *range,
				      bool unmap)
{
	struct drm_gpusvm_notifier *notifier = range->notifier;
	bool remove_notifier = false;

	down_write(&gpusvm->notifier_lock);
	if (unmap)
		__drm_gpusvm_range_unmap_pages(gpusvm, range);
	interval_tree_remove(&range->itree, &notifier->root);
	list_del_init(&range->entry);
	spin_lock(&gpusvm->gc_lock);
	list_del_init(&range->gc_link);
	spin_unlock(&gpusvm->gc_lock);
	if (list_empty(&notifier->range_list)) {
		notifier->flags.removed = 1;
		interval_tree_remove(&notifier->itree, &gpusvm->root);
		list_del_init(&notifier->entry);
		remove_notifier = true;
	}
	up_write(&gpusvm->notifier_lock);

	drm_gpusvm_range_put(range);
	if (remove_notifier) {
		/* Waits for a running invalidation: never under our locks. */
		mmu_interval_notifier_remove(&notifier->notifier);
		drm_gpusvm_notifier_free(gpusvm, notifier);
	}
}

/**
 * drm_gpusvm_range_remove() - remove a range
 * @gpusvm: the instance
 * @range: the range
 *
 * Takes the range out of its notifier (removing the notifier if it was the
 * last range; that waits for an invalidation in progress), off the
 * instance's garbage list, and drops the tree's reference. As upstream's,
 * it neither unmaps nor frees pages: the driver has removed its GPU
 * mappings of the range and unmapped its pages (drm_gpusvm_unmap_pages(),
 * drm_gpusvm_range_unmap_pages()) before, since once out of the tree the
 * range no longer sees invalidations. The range's own
 * &drm_gpusvm_range.pages that are still mapped are unmapped when its last
 * reference goes (drm_gpusvm_range_put()), a safety net as upstream's
 * &drm_gpusvm_ops.range_free calling drm_gpusvm_free_pages(). Called with
 * the driver lock held, never from the invalidate callback.
 */
void drm_gpusvm_range_remove(struct drm_gpusvm *gpusvm,
			     struct drm_gpusvm_range *range)
{
	drm_gpusvm_driver_lock_held(gpusvm);
	might_sleep();

	if (WARN_ON(list_empty(&range->entry)))
		return;
	__drm_gpusvm_range_remove(gpusvm, range, false);
}
EXPORT_SYMBOL_GPL(drm_gpusvm_range_remove);

/**
 * drm_gpusvm_garbage_collect() - remove the ranges that were unmapped
 * @gpusvm: the instance
 *
 * A drm-msvm extension, for a driver that keeps no garbage list of its own:
 * removes every range drm_gpusvm_range_set_unmapped() queued on the
 * instance's list (see the "Garbage collection" section), unmapping its
 * own &drm_gpusvm_range.pages first (its invalidate callback normally did
 * already). Pages the driver holds itself it unmaps in its callback, or
 * frees in its &drm_gpusvm_ops.range_free. The driver has zapped its GPU
 * mappings of the ranges (its callback did). Called with the driver lock
 * held, never from the invalidate callback.
 *
 * Return: the number of ranges removed.
 */
unsigned int drm_gpusvm_garbage_collect(struct drm_gpusvm *gpusvm)
{
	struct drm_gpusvm_range *range;
	unsigned int count = 0;

	drm_gpusvm_driver_lock_held(gpusvm);

	for (;;) {
		spin_lock(&gpusvm->gc_lock);
		range = list_first_entry_or_null(&gpusvm->gc_list,
						 struct drm_gpusvm_range,
						 gc_link);
		if (range)
			list_del_init(&range->gc_link);
		spin_unlock(&gpusvm->gc_lock);
		if (!range)
			break;
		__drm_gpusvm_range_remove(gpusvm, range, true);
		count++;
	}
	return count;
}
EXPORT_SYMBOL_GPL(drm_gpusvm_garbage_collect);

/**
 * drm_gpusvm_fini() - tear down an instance
 * @gpusvm: the instance
 *
 * Removes every range (live or unmapped) and notifier and drops the mm. The
 * driver has stopped using the instance, zapped its GPU mappings and holds
 * no range reference. As with drm_gpusvm_range_remove(), the driver's own
 * pages are its business (its &drm_gpusvm_ops.range_free); the ranges'
 * own &drm_gpusvm_range.pages are unmapped as each range is removed.
 * Called with the driver lock held, if one was set.
 */
void drm_gpusvm_fini(struct drm_gpusvm *gpusvm)
{
	struct drm_gpusvm_notifier *notifier;

	while ((notifier = list_first_entry_or_null(&gpusvm->notifier_list,
						    struct drm_gpusvm_notifier,
						    entry))) {
		struct drm_gpusvm_range *range =
			list_first_entry(&notifier->range_list,
					 struct drm_gpusvm_range, entry);

		/* Nobody uses the pages any more: they go with the range. */
		__drm_gpusvm_range_remove(gpusvm, range, true);
	}
	WARN_ON(!list_empty(&gpusvm->gc_list));
	WARN_ON(!RB_EMPTY_ROOT(&gpusvm->root.rb_root));
	if (gpusvm->mm)
		mmdrop(gpusvm->mm);
	gpusvm->mm = NULL;
}
EXPORT_SYMBOL_GPL(drm_gpusvm_fini);

/*
 * Whether every page of [@start, @end) is present in the CPU page table (a
 * snapshot: nothing is faulted); device pages of pagemaps of another owner
 * than @owner count as missing. The mmap lock is held.
 */
static bool drm_gpusvm_check_pages(struct drm_gpusvm_notifier *notifier,
				   unsigned long start, unsigned long end,
				   void *owner)
{
	unsigned long timeout = jiffies +
		msecs_to_jiffies(HMM_RANGE_DEFAULT_TIMEOUT);
	unsigned long i, npages = (end - start) >> PAGE_SHIFT;
	struct hmm_range hmm_range = {
		.notifier = &notifier->notifier,
		.start = start,
		.end = end,
		.dev_private_owner = owner,
	};
	unsigned long *pfns;
	int err;

	pfns = kvcalloc(npages, sizeof(*pfns), GFP_KERNEL);
	if (!pfns)
		return false;
	hmm_range.hmm_pfns = pfns;
	do {
		hmm_range.notifier_seq =
			mmu_interval_read_begin(&notifier->notifier);
		err = hmm_range_fault(&hmm_range);
	} while (err == -EBUSY && time_before(jiffies, timeout));
	for (i = 0; !err && i < npages; i++)
		if (!(pfns[i] & HMM_PFN_VALID))
			err = -EFAULT;
	kvfree(pfns);
	return !err;
}

/*
 * The largest chunk that holds @fault_addr, lies in the VMA, the GPU VA
 * window, the mirrored VA and the notifier, and overlaps no range; a chunk
 * of at most &drm_gpusvm_ctx.check_pages_threshold, unless the smallest,
 * must have every CPU page present.
 */
static unsigned long
drm_gpusvm_range_chunk_start(struct drm_gpusvm *gpusvm,
			     struct drm_gpusvm_notifier *notifier,
			     struct vm_area_struct *vma,
			     unsigned long fault_addr,
			     unsigned long gpuva_start,
			     unsigned long gpuva_end,
			     const struct drm_gpusvm_ctx *ctx,
			     unsigned long *size)
{
	unsigned long lo = max3(vma->vm_start, gpuva_start,
				max(gpusvm->mm_start,
				    drm_gpusvm_notifier_start(notifier)));
	unsigned long hi = min3(vma->vm_end, gpuva_end,
				min(gpusvm->mm_start + gpusvm->mm_range,
				    drm_gpusvm_notifier_end(notifier)));
	int i;

	for (i = 0; i < gpusvm->num_chunks; i++) {
		unsigned long sz = gpusvm->chunk_sizes[i];
		unsigned long start = ALIGN_DOWN(fault_addr, sz);

		if (start < lo || start + sz > hi || start + sz < start)
			continue;
		if (drm_gpusvm_range_find(notifier, start, start + sz))
			continue;
		if (i < gpusvm->num_chunks - 1 &&
		    sz <= ctx->check_pages_threshold &&
		    !drm_gpusvm_check_pages(notifier, start, start + sz,
					    drm_gpusvm_owner(gpusvm, ctx)))
			continue;
		*size = sz;
		return start;
	}
	return 0;
}

/**
 * drm_gpusvm_range_find_or_insert() - the range holding a faulting address
 * @gpusvm: the instance
 * @fault_addr: the faulting CPU VA
 * @gpuva_start: start of the GPU VA window the range must fit in
 * @gpuva_end: end (exclusive) of that window
 * @ctx: &drm_gpusvm_ctx.read_only allows a read-only VMA;
 *	&drm_gpusvm_ctx.devmem_possible marks a new range migratable;
 *	&drm_gpusvm_ctx.check_pages_threshold and
 *	&drm_gpusvm_ctx.device_private_page_owner choose smaller chunks where
 *	CPU pages are missing
 *
 * Returns the range holding @fault_addr, creating it (and its notifier) if
 * needed: the largest chunk size, aligned to itself, that fits the CPU VMA,
 * the GPU VA window and the mirrored VA and overlaps no existing range. As
 * upstream's, it collects no garbage: an existing range is returned even if
 * it is marked &drm_gpusvm_range_flags.unmapped (get_pages on it fails with
 * -EFAULT), so the driver runs its garbage collector first, and again when
 * it gets such a range, for an address that was unmapped and mapped again
 * to get a range fitted to the new VMA. The driver lock must be held; the
 * range stays valid while it is (take a reference with
 * drm_gpusvm_range_get() to keep it longer).
 *
 * Return: the range, or an ERR_PTR(): -EINVAL if @fault_addr is outside the
 * window or the mirrored VA, or no chunk size fits; -EFAULT if the mm is
 * gone; -ENOENT if no VMA holds @fault_addr; -EPERM for a write access to a
 * read-only VMA; -ENOMEM.
 */
struct drm_gpusvm_range *
drm_gpusvm_range_find_or_insert(struct drm_gpusvm *gpusvm,
				unsigned long fault_addr,
				unsigned long gpuva_start,
				unsigned long gpuva_end,
				const struct drm_gpusvm_ctx *ctx)
{
	struct mm_struct *mm = gpusvm->mm;
	struct drm_gpusvm_notifier *notifier;
	struct drm_gpusvm_range *range;
	struct vm_area_struct *vma;
	bool notifier_new = false;
	unsigned long start, size = 0;
	int err = 0;

	drm_gpusvm_driver_lock_held(gpusvm);

	if (fault_addr < gpusvm->mm_start ||
	    fault_addr - gpusvm->mm_start >= gpusvm->mm_range ||
	    fault_addr < gpuva_start || fault_addr >= gpuva_end)
		return ERR_PTR(-EINVAL);

	if (!mmget_not_zero(mm))
		return ERR_PTR(-EFAULT);

	notifier = drm_gpusvm_notifier_find(gpusvm, fault_addr, fault_addr + 1);
	if (!notifier) {
		notifier = drm_gpusvm_notifier_alloc(gpusvm, fault_addr);
		if (!notifier) {
			err = -ENOMEM;
			goto out_mmput;
		}
		err = mmu_interval_notifier_insert(&notifier->notifier, mm,
						   drm_gpusvm_notifier_start(notifier),
						   gpusvm->notifier_size,
						   &drm_gpusvm_notifier_ops);
		if (err) {
			drm_gpusvm_notifier_free(gpusvm, notifier);
			goto out_mmput;
		}
		notifier_new = true;
	}

	mmap_read_lock(mm);
	vma = vma_lookup(mm, fault_addr);
	if (!vma) {
		err = -ENOENT;
		goto err_unlock;
	}
	if (!ctx->read_only && !(vma->vm_flags & VM_WRITE)) {
		err = -EPERM;
		goto err_unlock;
	}

	range = drm_gpusvm_range_find(notifier, fault_addr, fault_addr + 1);
	if (range) {
		mmap_read_unlock(mm);
		goto out_mmput;
	}

	start = drm_gpusvm_range_chunk_start(gpusvm, notifier, vma, fault_addr,
					     gpuva_start, gpuva_end, ctx, &size);
	if (!size) {
		err = -EINVAL;
		goto err_unlock;
	}
	mmap_read_unlock(mm);

	range = drm_gpusvm_range_alloc(gpusvm, notifier, start, size,
				       ctx->devmem_possible);
	if (!range) {
		err = -ENOMEM;
		goto err_notifier;
	}

	down_write(&gpusvm->notifier_lock);
	if (notifier_new)
		drm_gpusvm_notifier_insert(gpusvm, notifier);
	drm_gpusvm_range_insert(notifier, range);
	up_write(&gpusvm->notifier_lock);

out_mmput:
	mmput(mm);
	return err ? ERR_PTR(err) : range;

err_unlock:
	mmap_read_unlock(mm);
err_notifier:
	if (notifier_new) {
		mmu_interval_notifier_remove(&notifier->notifier);
		drm_gpusvm_notifier_free(gpusvm, notifier);
	}
	goto out_mmput;
}
EXPORT_SYMBOL_GPL(drm_gpusvm_range_find_or_insert);

static void drm_gpusvm_range_release(struct kref *kref)
{
	struct drm_gpusvm_range *range =
		container_of(kref, struct drm_gpusvm_range, refcount);
	struct drm_gpusvm *gpusvm = range->gpusvm;

	/*
	 * Out of the tree: no invalidation reaches the range any more, so
	 * pages the driver left mapped are unmapped now (the safety net of
	 * drm_gpusvm_range_remove()), then the address array goes.
	 */
	if (drm_gpusvm_range_has_pages(range))
		drm_gpusvm_free_pages(gpusvm, &range->pages,
				      drm_gpusvm_range_npages(range));
	kvfree(range->pages.dma_addr);
	if (gpusvm->ops->range_free)
		gpusvm->ops->range_free(range);
	else
		kfree(range);
}

/**
 * drm_gpusvm_range_get() - take a reference on a range
 * @range: the range
 *
 * Return: @range.
 */
struct drm_gpusvm_range *drm_gpusvm_range_get(struct drm_gpusvm_range *range)
{
	kref_get(&range->refcount);
	return range;
}
EXPORT_SYMBOL_GPL(drm_gpusvm_range_get);

/**
 * drm_gpusvm_range_put() - drop a reference on a range
 * @range: the range
 *
 * The last reference frees the range, unmapping its own
 * &drm_gpusvm_range.pages if the driver left them mapped (that takes the
 * notifier lock: never drop the last reference with it held), then calls
 * &drm_gpusvm_ops.range_free. All references must be dropped before
 * drm_gpusvm_fini() of its instance returns.
 */
void drm_gpusvm_range_put(struct drm_gpusvm_range *range)
{
	kref_put(&range->refcount, drm_gpusvm_range_release);
}
EXPORT_SYMBOL_GPL(drm_gpusvm_range_put);

/**
 * drm_gpusvm_pages_valid() - whether pages are still valid
 * @gpusvm: the instance
 * @svm_pages: the pages
 *
 * Called with the notifier lock held (drm_gpusvm_notifier_lock()); while it
 * is held, valid pages stay valid.
 *
 * Return: true if the pages from the last get_pages were not invalidated.
 */
bool drm_gpusvm_pages_valid(struct drm_gpusvm *gpusvm,
			    struct drm_gpusvm_pages *svm_pages)
{
	lockdep_assert_held(&gpusvm->notifier_lock);
	return drm_gpusvm_pages_have(svm_pages);
}
EXPORT_SYMBOL_GPL(drm_gpusvm_pages_valid);

/**
 * drm_gpusvm_range_pages_valid() - whether a range's own pages are valid
 * @gpusvm: the instance
 * @range: the range
 *
 * A drm-msvm extension: drm_gpusvm_pages_valid() on &drm_gpusvm_range.pages.
 *
 * Return: true if the pages from the last get_pages were not invalidated.
 */
bool drm_gpusvm_range_pages_valid(struct drm_gpusvm *gpusvm,
				  struct drm_gpusvm_range *range)
{
	return drm_gpusvm_pages_valid(gpusvm, &range->pages);
}
EXPORT_SYMBOL_GPL(drm_gpusvm_range_pages_valid);

/**
 * drm_gpusvm_unmap_pages() - drop the mappings of pages
 * @gpusvm: the instance
 * @svm_pages: the pages
 * @npages: the number of pages they cover
 * @ctx: &drm_gpusvm_ctx.in_notifier if the caller holds the notifier lock
 *	for write (from &drm_gpusvm_ops.invalidate)
 *
 * DMA-unmaps the system pages and device-unmaps the device pages of
 * @svm_pages; they are no longer valid. The address array stays, for the
 * next get_pages. The driver must have stopped the GPU from using them.
 */
void drm_gpusvm_unmap_pages(struct drm_gpusvm *gpusvm,
			    struct drm_gpusvm_pages *svm_pages,
			    unsigned long npages,
			    const struct drm_gpusvm_ctx *ctx)
{
	if (ctx->in_notifier) {
		lockdep_assert_held_write(&gpusvm->notifier_lock);
		__drm_gpusvm_unmap_pages(gpusvm, svm_pages, npages);
		return;
	}
	down_write(&gpusvm->notifier_lock);
	__drm_gpusvm_unmap_pages(gpusvm, svm_pages, npages);
	up_write(&gpusvm->notifier_lock);
}
EXPORT_SYMBOL_GPL(drm_gpusvm_unmap_pages);

/**
 * drm_gpusvm_free_pages() - drop the mappings of pages and free their array
 * @gpusvm: the instance
 * @svm_pages: the pages
 * @npages: the number of pages they cover
 *
 * drm_gpusvm_unmap_pages(), then frees the address array. The driver calls
 * it before it frees the structure @svm_pages is in (its
 * &drm_gpusvm_ops.range_free, typically). Takes the notifier lock.
 */
void drm_gpusvm_free_pages(struct drm_gpusvm *gpusvm,
			   struct drm_gpusvm_pages *svm_pages,
			   unsigned long npages)
{
	down_write(&gpusvm->notifier_lock);
	__drm_gpusvm_unmap_pages(gpusvm, svm_pages, npages);
	kvfree(svm_pages->dma_addr);
	svm_pages->dma_addr = NULL;
	up_write(&gpusvm->notifier_lock);
}
EXPORT_SYMBOL_GPL(drm_gpusvm_free_pages);

/**
 * drm_gpusvm_range_unmap_pages() - drop a range's own pages
 * @gpusvm: the instance
 * @range: the range
 * @ctx: as for drm_gpusvm_unmap_pages()
 *
 * A drm-msvm extension: drm_gpusvm_unmap_pages() on &drm_gpusvm_range.pages.
 */
void drm_gpusvm_range_unmap_pages(struct drm_gpusvm *gpusvm,
				  struct drm_gpusvm_range *range,
				  const struct drm_gpusvm_ctx *ctx)
{
	drm_gpusvm_unmap_pages(gpusvm, &range->pages,
			       drm_gpusvm_range_npages(range), ctx);
}
EXPORT_SYMBOL_GPL(drm_gpusvm_range_unmap_pages);

/* Largest order <= @order at which page @i of @npages can be mapped. */
static unsigned int drm_gpusvm_clamp_order(unsigned int order,
					   unsigned long i, unsigned long npages)
{
	while (order && (!IS_ALIGNED(i, 1UL << order) ||
			 i + (1UL << order) > npages))
		order--;
	return order;
}

/*
 * Map the @npages pages of @pfns into @svm_pages->dma_addr; notifier lock
 * held for write. On error everything mapped here is unmapped again.
 */
static int drm_gpusvm_map_pages(struct drm_gpusvm *gpusvm,
				struct drm_gpusvm_pages *svm_pages,
				unsigned long npages,
				const unsigned long *pfns,
				const struct drm_gpusvm_ctx *ctx)
{
	enum dma_data_direction dir = ctx->read_only ? DMA_TO_DEVICE :
		DMA_BIDIRECTIONAL;
	struct device *dev = svm_pages->drm->dev;
	struct drm_pagemap *dpagemap = NULL;
	unsigned long i, nsys = 0, ndev = 0;
	bool writable = true;
	int err;

	lockdep_assert_held_write(&gpusvm->notifier_lock);

	for (i = 0; i < npages;) {
		struct drm_pagemap_addr addr;
		unsigned int order;
		struct page *page;

		if (!(pfns[i] & HMM_PFN_VALID)) {
			err = -EFAULT;
			goto err_unmap;
		}
		/*
		 * The range is writable only if every page is: the CPU page
		 * table decides, not the access that faulted.
		 */
		if (!(pfns[i] & HMM_PFN_WRITE))
			writable = false;
		page = hmm_pfn_to_page(pfns[i]);
		order = drm_gpusvm_clamp_order(hmm_pfn_to_map_order(pfns[i]),
					       i, npages);

		if (is_device_private_page(page)) {
			struct drm_pagemap *dp =
				drm_pagemap_page_to_dpagemap(page);

			if (!dp || (dpagemap && dp != dpagemap) ||
			    (nsys && !ctx->allow_mixed)) {
				err = -EOPNOTSUPP;
				goto err_unmap;
			}
			dpagemap = dp;
			/* drm_gpusvm_unmap_entries() needs it on error. */
			svm_pages->dpagemap = dpagemap;
			addr = dpagemap->ops->device_map(dpagemap, dev, page,
							 order, dir);
			if (dma_mapping_error(dev, addr.addr)) {
				err = -ENOMEM;
				goto err_unmap;
			}
			ndev++;
		} else {
			dma_addr_t dma;

			if (ctx->devmem_only) {
				err = -EFAULT;
				goto err_unmap;
			}
			if (ndev && !ctx->allow_mixed) {
				err = -EOPNOTSUPP;
				goto err_unmap;
			}
			dma = dma_map_page(dev, page, 0, PAGE_SIZE << order,
					   dir);
			if (dma_mapping_error(dev, dma)) {
				err = -ENOMEM;
				goto err_unmap;
			}
			addr = drm_pagemap_addr_encode(dma,
						       DRM_INTERCONNECT_SYSTEM,
						       order, dir);
			/*
			 * The device may write the page from now on, and
			 * nobody tells the CPU page table: hmm_range_fault()
			 * does not fault a writable but clean entry for
			 * write, so it stays clean. Dirty the folio as a CPU
			 * write would, or reclaim may drop a lazily freed
			 * (MADV_FREE) page, or writeback skip a file page,
			 * with the device's data in it. Anything that cleans
			 * the folio later (writeback, MADV_FREE, reclaim)
			 * first invalidates this mapping, so the next device
			 * write faults and dirties it again. The page is
			 * mapped and an invalidation would wait for the
			 * notifier lock held here, so truncation cannot race.
			 */
			if (!ctx->read_only && (pfns[i] & HMM_PFN_WRITE))
				folio_mark_dirty(page_folio(page));
			nsys++;
		}
		svm_pages->dma_addr[i] = addr;
		i += 1UL << order;
	}

	svm_pages->flags.has_dma_mapping = !!nsys;
	svm_pages->flags.has_devmem_pages = !!ndev;
	svm_pages->flags.read_only = ctx->read_only || !writable;
	svm_pages->dpagemap = dpagemap;
	return 0;

err_unmap:
	drm_gpusvm_unmap_entries(gpusvm, svm_pages, i);
	svm_pages->dpagemap = NULL;
	return err;
}

/*
 * For a write, every page must come back writable. hmm_range_fault() does
 * not fault a device-private page of the caller's owner group even when
 * write access is requested: it reports it as it is, without
 * HMM_PFN_WRITE when its entry is read-only. That is the case after fork()
 * (the page is shared copy-on-write with another process) and after an
 * mprotect() that took write access away. Writing such a page would write
 * another process's memory, or memory the VMA forbids writing.
 *
 * Fault the runs of such pages again with no device-private owner: the
 * CPU fault path then migrates them to system memory
 * (&dev_pagemap_ops.migrate_to_ram) and breaks the copy-on-write sharing,
 * exactly as for a CPU write, or fails with -EPERM where the VMA is not
 * writable. The caller then collects the range again.
 *
 * Return: 0 if every page was writable, -EAGAIN if pages were faulted (the
 * caller starts again), or the error of hmm_range_fault().
 */
static int drm_gpusvm_break_cow(struct hmm_range *hmm_range,
				unsigned long npages)
{
	struct hmm_range sub = {
		.notifier = hmm_range->notifier,
		.notifier_seq = hmm_range->notifier_seq,
		.default_flags = HMM_PFN_REQ_FAULT | HMM_PFN_REQ_WRITE,
		.dev_private_owner = NULL,
	};
	unsigned long i, run;
	int err, ret = 0;

	for (i = 0; i < npages; i = run + 1) {
		if (hmm_range->hmm_pfns[i] & HMM_PFN_WRITE) {
			run = i;
			continue;
		}
		for (run = i + 1; run < npages; run++)
			if (hmm_range->hmm_pfns[run] & HMM_PFN_WRITE)
				break;
		sub.start = hmm_range->start + (i << PAGE_SHIFT);
		sub.end = hmm_range->start + (run << PAGE_SHIFT);
		/* The pfns are collected again by the caller: reuse them. */
		sub.hmm_pfns = hmm_range->hmm_pfns + i;
		err = hmm_range_fault(&sub);
		/* -EBUSY: an invalidation came; the caller starts again. */
		if (err && err != -EBUSY)
			return err;
		ret = -EAGAIN;
	}
	return ret;
}

/* Whether the pages already held satisfy @ctx. Notifier lock held. */
static bool drm_gpusvm_pages_satisfy(struct drm_gpusvm_pages *svm_pages,
				     const struct drm_gpusvm_ctx *ctx)
{
	if (!drm_gpusvm_pages_have(svm_pages))
		return false;
	if (!ctx->read_only && svm_pages->flags.read_only)
		return false;
	if (ctx->devmem_only && svm_pages->flags.has_dma_mapping)
		return false;
	return true;
}

/**
 * drm_gpusvm_fault_errno() - tell a bad address from a fault out of memory
 * @mm: the mm, with its mmap lock held
 * @start: the first address of the range hmm_range_fault() failed on
 * @end: the end of that range
 * @write: whether the faults asked for write access
 *
 * A drm-msvm extension. hmm_range_fault() reports a fault that failed as
 * -EFAULT whatever the reason: an address with no VMA or without the access
 * asked for, and also a VMA that is fine but whose fault handler ran out of
 * memory (a page allocation of the anonymous fault, VM_FAULT_OOM from a
 * pagemap's migrate_to_ram). -EFAULT means a bad address to user space, so
 * after -EFAULT over [@start, @end), and with the mmap lock still held, the
 * caller finds out which it was here: each page of the range is faulted as
 * the CPU would fault it, with fixup_user_fault(), which keeps VM_FAULT_OOM
 * (-ENOMEM) apart from SIGBUS and SIGSEGV (-EFAULT). Present pages cost a
 * page table walk; device-private pages are migrated to system memory by
 * their fault, a side effect this error path accepts.
 *
 * Return: -EFAULT if a page of the range has no VMA, a VMA that HMM does
 * not mirror (VM_IO, VM_PFNMAP), a VMA that forbids the access, or if its
 * fault fails with SIGBUS or SIGSEGV; -ENOMEM if a fault ran out of memory;
 * -EAGAIN if every page faults in now: the failure was transient, and the
 * caller retries.
 */
int drm_gpusvm_fault_errno(struct mm_struct *mm, unsigned long start,
			   unsigned long end, bool write)
{
	unsigned int fault_flags = FAULT_FLAG_REMOTE |
		(write ? FAULT_FLAG_WRITE : 0);
	unsigned long addr;
	int err;

	mmap_assert_locked(mm);
	for (addr = start; addr < end; addr += PAGE_SIZE) {
		struct vm_area_struct *vma = vma_lookup(mm, addr);

		if (!vma || (vma->vm_flags & (VM_IO | VM_PFNMAP)) ||
		    !(vma->vm_flags & VM_READ) ||
		    (write && !(vma->vm_flags & VM_WRITE)))
			return -EFAULT;
		err = fixup_user_fault(mm, addr, fault_flags, NULL);
		if (err)
			return err == -ENOMEM ? -ENOMEM : -EFAULT;
	}
	return -EAGAIN;
}
EXPORT_SYMBOL_GPL(drm_gpusvm_fault_errno);

/*
 * Whether the walk about to start is to fail as one that invalidations kept
 * racing for HMM_RANGE_DEFAULT_TIMEOUT (drm_msvm_fail_walk_timeout).
 */
static bool drm_gpusvm_walk_fails(void)
{
	return should_fail(&drm_msvm_fail_walk_timeout, 1);
}

/*
 * Whether a walk that an invalidation keeps restarting gives up: after
 * HMM_RANGE_DEFAULT_TIMEOUT, but never before %DRM_GPUSVM_MIN_WALKS
 * attempts, so that a thread that was not scheduled for the whole timeout
 * (a loaded machine) still gets its tries.
 */
#define DRM_GPUSVM_MIN_WALKS	8

static bool drm_gpusvm_walk_expired(unsigned long timeout,
				    unsigned int *walks)
{
	return ++*walks >= DRM_GPUSVM_MIN_WALKS && time_after(jiffies, timeout);
}

/*
 * Call @fn once per run of consecutive pages of @pfns that belong to one
 * device-memory allocation of a &struct drm_pagemap.
 */
static void drm_gpusvm_devmem_runs(const unsigned long *pfns,
				   unsigned long npages,
				   void (*fn)(struct drm_pagemap_devmem *devmem))
{
	struct drm_pagemap_devmem *last = NULL;
	unsigned long i;

	for (i = 0; i < npages; i++) {
		struct drm_pagemap_devmem *devmem = NULL;

		if (pfns[i] & HMM_PFN_VALID)
			devmem = drm_pagemap_page_to_devmem(hmm_pfn_to_page(pfns[i]));
		if (devmem && devmem != last)
			fn(devmem);
		last = devmem;
	}
}

/* drm_gpusvm_get_pages() and drm_gpusvm_range_get_pages(). */
static int __drm_gpusvm_get_pages(struct drm_gpusvm *gpusvm,
				  struct drm_gpusvm_pages *svm_pages,
				  unsigned int num_pages, struct mm_struct *mm,
				  struct mmu_interval_notifier *notifier,
				  unsigned long pages_start,
				  unsigned long pages_end,
				  const struct drm_gpusvm_ctx *ctx)
{
	struct mmu_interval_notifier *mni = notifier;
	unsigned long timeout = jiffies +
		msecs_to_jiffies(HMM_RANGE_DEFAULT_TIMEOUT);
	unsigned long npages = (pages_end - pages_start) >> PAGE_SHIFT;
	struct hmm_range hmm_range = {
		.notifier = mni,
		.start = pages_start,
		.end = pages_end,
		.default_flags = HMM_PFN_REQ_FAULT |
			(ctx->read_only ? 0 : HMM_PFN_REQ_WRITE),
		.dev_private_owner = drm_gpusvm_owner(gpusvm, ctx),
	};
	struct drm_pagemap_addr **dma_addr;
	unsigned int walks = 0, k;
	unsigned long *pfns;
	bool satisfied = true;
	int err;

	drm_gpusvm_driver_lock_held(gpusvm);

	if (!num_pages || !PAGE_ALIGNED(pages_start) ||
	    !PAGE_ALIGNED(pages_end) || pages_start >= pages_end ||
	    (ctx->no_dma_map && ctx->devmem_only))
		return -EINVAL;
	for (k = 0; !ctx->no_dma_map && k < num_pages; k++)
		if (!svm_pages[k].drm)
			return -EINVAL;

	down_read(&gpusvm->notifier_lock);
	for (k = 0; k < num_pages; k++) {
		if (svm_pages[k].flags.unmapped) {
			up_read(&gpusvm->notifier_lock);
			return -EFAULT;
		}
		satisfied &= drm_gpusvm_pages_satisfy(&svm_pages[k], ctx);
	}
	up_read(&gpusvm->notifier_lock);
	/* Without a mapping the CPU pages are faulted in each time. */
	if (satisfied && !ctx->no_dma_map)
		return 0;

	pfns = kvmalloc_array(npages, sizeof(*pfns), GFP_KERNEL);
	dma_addr = kcalloc(num_pages, sizeof(*dma_addr), GFP_KERNEL);
	if (!pfns || !dma_addr) {
		err = -ENOMEM;
		goto out_free;
	}
	for (k = 0; k < num_pages; k++) {
		if (svm_pages[k].dma_addr || ctx->no_dma_map)
			continue;
		dma_addr[k] = kvcalloc(npages, sizeof(**dma_addr), GFP_KERNEL);
		if (!dma_addr[k]) {
			err = -ENOMEM;
			goto out_free;
		}
	}
	if (drm_gpusvm_walk_fails()) {
		err = -EBUSY;
		goto out_free;
	}
	if (!mmget_not_zero(mm)) {
		err = -EFAULT;
		goto out_free;
	}
	hmm_range.hmm_pfns = pfns;

	for (;;) {
		hmm_range.notifier_seq = mmu_interval_read_begin(mni);
		mmap_read_lock(mm);
		err = hmm_range_fault(&hmm_range);
		if (!err && !ctx->read_only)
			err = drm_gpusvm_break_cow(&hmm_range, npages);
		if (err == -EFAULT)
			err = drm_gpusvm_fault_errno(mm, hmm_range.start,
						     hmm_range.end,
						     !ctx->read_only);
		mmap_read_unlock(mm);
		if (err == -EBUSY || err == -EAGAIN) {
			if (drm_gpusvm_walk_expired(timeout, &walks)) {
				err = -EBUSY;
				break;
			}
			continue;
		}
		if (err)
			break;

		down_write(&gpusvm->notifier_lock);
		if (mmu_interval_read_retry(mni, hmm_range.notifier_seq)) {
			up_write(&gpusvm->notifier_lock);
			if (drm_gpusvm_walk_expired(timeout, &walks)) {
				err = -EBUSY;
				break;
			}
			continue;
		}
		for (k = 0; k < num_pages; k++)
			if (svm_pages[k].flags.unmapped)
				err = -EFAULT;
		if (!err && ctx->devmem_fn)
			drm_gpusvm_devmem_runs(pfns, npages, ctx->devmem_fn);
		for (k = 0; k < num_pages && !err && !ctx->no_dma_map; k++) {
			struct drm_gpusvm_pages *p = &svm_pages[k];

			if (dma_addr[k]) {
				p->dma_addr = dma_addr[k];
				dma_addr[k] = NULL;
			}
			__drm_gpusvm_unmap_pages(gpusvm, p, npages);
			err = drm_gpusvm_map_pages(gpusvm, p, npages, pfns, ctx);
			if (!err)
				p->notifier_seq = hmm_range.notifier_seq;
		}
		up_write(&gpusvm->notifier_lock);
		break;
	}
	mmput(mm);

out_free:
	for (k = 0; dma_addr && k < num_pages; k++)
		kvfree(dma_addr[k]);
	kfree(dma_addr);
	kvfree(pfns);
	return err;
}

/**
 * drm_gpusvm_get_pages() - collect and map the pages of a VA range
 * @gpusvm: the instance
 * @svm_pages: an array of @num_pages &struct drm_gpusvm_pages of the VA
 *	range, one per device to map the pages for, each initialized with
 *	drm_gpusvm_init_pages()
 * @num_pages: the number of @svm_pages
 * @mm: the mm (&drm_gpusvm.mm)
 * @notifier: the MMU interval notifier covering the VA range
 * @pages_start: start of the VA range, page aligned
 * @pages_end: end (exclusive) of the VA range, page aligned
 * @ctx: &drm_gpusvm_ctx.read_only: collect without write access (the pages
 *	are mapped DMA_TO_DEVICE); &drm_gpusvm_ctx.devmem_only: fail unless all
 *	pages are device pages of the owner group; &drm_gpusvm_ctx.allow_mixed:
 *	accept system pages together with the pages of one pagemap;
 *	&drm_gpusvm_ctx.no_dma_map: fault only, map and record nothing;
 *	&drm_gpusvm_ctx.devmem_fn: called for each device-memory allocation
 *	the pages are in, under the notifier lock
 *
 * Faults the VA range in with hmm_range_fault() and the device private
 * page owner of @ctx (or of the instance, see drm_gpusvm_init_device()):
 * device pages of that owner group come back as is,
 * others are migrated to system memory by HMM. For each of @svm_pages,
 * system pages are DMA-mapped for its &drm_gpusvm_pages.drm; device pages
 * are mapped through their pagemap's &drm_pagemap_ops.device_map. The
 * result is published under the notifier lock only if no invalidation hit
 * the VA range meanwhile; otherwise, and on -EBUSY from HMM, it starts
 * again, for HMM_RANGE_DEFAULT_TIMEOUT ms (and at least
 * %DRM_GPUSVM_MIN_WALKS times). If every one of @svm_pages already holds
 * valid pages that satisfy @ctx, nothing is done; valid pages that do not
 * (read-only pages for a write, system pages for devmem_only) are unmapped
 * and replaced, so the driver must not have them bound then. Called with
 * the driver lock held. The driver's &drm_gpusvm_ops.invalidate unmaps
 * them (drm_gpusvm_unmap_pages() with &drm_gpusvm_ctx.in_notifier) when an
 * invalidation meets their VA range.
 *
 * Return: 0; -EFAULT if the pages were unmapped, the mm is gone, a page
 * cannot be faulted or mapped, or (devmem_only) a page is in system memory;
 * -EOPNOTSUPP if the pages would mix system and device pages without
 * allow_mixed, or hold pages of two pagemaps (evict them and retry); -EBUSY
 * on timeout; -EINVAL for no @svm_pages, a bad VA range, pages without a
 * device to map for, or devmem_only with no_dma_map; -ENOMEM; or
 * another error of hmm_range_fault(). On an error, @svm_pages mapped before
 * the failing one stay valid.
 */
int drm_gpusvm_get_pages(struct drm_gpusvm *gpusvm,
			 struct drm_gpusvm_pages *svm_pages,
			 unsigned int num_pages, struct mm_struct *mm,
			 struct mmu_interval_notifier *notifier,
			 unsigned long pages_start, unsigned long pages_end,
			 const struct drm_gpusvm_ctx *ctx)
{
	drm_gpusvm_driver_lock_held(gpusvm);
	return __drm_gpusvm_get_pages(gpusvm, svm_pages, num_pages, mm,
				      notifier, pages_start, pages_end, ctx);
}
EXPORT_SYMBOL_GPL(drm_gpusvm_get_pages);

/**
 * drm_gpusvm_range_get_pages() - collect and map the pages of a range
 * @gpusvm: the instance
 * @range: the range
 * @ctx: as for drm_gpusvm_get_pages()
 *
 * A drm-msvm extension: drm_gpusvm_get_pages() on the range's own
 * &drm_gpusvm_range.pages, over the whole range.
 *
 * Return: as drm_gpusvm_get_pages(); -EFAULT if the range was unmapped.
 */
int drm_gpusvm_range_get_pages(struct drm_gpusvm *gpusvm,
			       struct drm_gpusvm_range *range,
			       const struct drm_gpusvm_ctx *ctx)
{
	drm_gpusvm_driver_lock_held(gpusvm);
	return __drm_gpusvm_get_pages(gpusvm, &range->pages, 1, gpusvm->mm,
				      &range->notifier->notifier,
				      drm_gpusvm_range_start(range),
				      drm_gpusvm_range_end(range), ctx);
}
EXPORT_SYMBOL_GPL(drm_gpusvm_range_get_pages);

/* hmm_range_fault() over @range with @flags and @owner, retrying -EBUSY. */
static int drm_gpusvm_range_hmm(struct drm_gpusvm *gpusvm,
				struct drm_gpusvm_range *range,
				unsigned long flags, void *owner,
				unsigned long *pfns)
{
	unsigned long timeout = jiffies +
		msecs_to_jiffies(HMM_RANGE_DEFAULT_TIMEOUT);
	struct hmm_range hmm_range = {
		.notifier = &range->notifier->notifier,
		.start = drm_gpusvm_range_start(range),
		.end = drm_gpusvm_range_end(range),
		.hmm_pfns = pfns,
		.default_flags = flags,
		.dev_private_owner = owner,
	};
	struct mm_struct *mm = gpusvm->mm;
	unsigned int walks = 0;
	int err;

	if (!mmget_not_zero(mm))
		return -EFAULT;
	do {
		hmm_range.notifier_seq =
			mmu_interval_read_begin(hmm_range.notifier);
		mmap_read_lock(mm);
		err = hmm_range_fault(&hmm_range);
		if (err == -EFAULT && (flags & HMM_PFN_REQ_FAULT))
			err = drm_gpusvm_fault_errno(mm, hmm_range.start,
						     hmm_range.end,
						     flags & HMM_PFN_REQ_WRITE);
		mmap_read_unlock(mm);
	} while ((err == -EBUSY || err == -EAGAIN) &&
		 !drm_gpusvm_walk_expired(timeout, &walks));
	mmput(mm);
	return err == -EAGAIN ? -EBUSY : err;
}

/**
 * drm_gpusvm_range_evict() - migrate a range's device pages to system memory
 * @gpusvm: the instance
 * @range: the range
 *
 * Faults the range's VA in with hmm_range_fault() and no device-private
 * owner, so that HMM has every device-private page in it (of any pagemap,
 * including this device's) migrated back to system memory by its pagemap's
 * migrate_to_ram. This works on the CPU VA and so needs the mm and the
 * mapping to exist; pages of a pagemap being torn down are evicted through
 * the pagemap instead (drm_pagemap_evict_to_ram()). The range's own pages
 * are invalidated by the migration. Called with the driver lock held.
 *
 * Return: 0, -EFAULT if the mm is gone or the VA is not mapped, -EBUSY on
 * timeout, or another error of hmm_range_fault().
 */
int drm_gpusvm_range_evict(struct drm_gpusvm *gpusvm,
			   struct drm_gpusvm_range *range)
{
	unsigned long *pfns;
	int err;

	drm_gpusvm_driver_lock_held(gpusvm);

	if (drm_gpusvm_walk_fails())
		return -EBUSY;
	pfns = kvmalloc_array(drm_gpusvm_range_npages(range), sizeof(*pfns),
			      GFP_KERNEL);
	if (!pfns)
		return -ENOMEM;
	err = drm_gpusvm_range_hmm(gpusvm, range, HMM_PFN_REQ_FAULT, NULL,
				   pfns);
	kvfree(pfns);
	return err;
}
EXPORT_SYMBOL_GPL(drm_gpusvm_range_evict);

/**
 * drm_gpusvm_scan_mm() - where the pages of a range are now
 * @range: the range
 * @dev_private_owner: the owner group whose device pages are visible
 * @pagemap: the pagemap to compare against (may be NULL)
 *
 * Snapshots the CPU page table of the range without faulting anything in,
 * so that a driver can skip a migration that would change nothing (for
 * example a range already all in the target pagemap). The answer may be
 * stale as soon as it is returned; it is a hint. A range with any page
 * missing is %DRM_GPUSVM_SCAN_UNPOPULATED whatever the others are;
 * drm_gpusvm_scan_mm_counts() tells more.
 *
 * Return: a &enum drm_gpusvm_scan_result; DRM_GPUSVM_SCAN_UNPOPULATED if
 * the snapshot failed.
 */
enum drm_gpusvm_scan_result
drm_gpusvm_scan_mm(struct drm_gpusvm_range *range, void *dev_private_owner,
		   const struct dev_pagemap *pagemap)
{
	unsigned long npages = drm_gpusvm_range_npages(range);
	unsigned long i, nnone = 0, nsys = 0, neq = 0, nother = 0;
	const struct dev_pagemap *other = NULL;
	bool other_multi = false;
	unsigned long *pfns;
	int err;

	pfns = kvmalloc_array(npages, sizeof(*pfns), GFP_KERNEL);
	if (!pfns)
		return DRM_GPUSVM_SCAN_UNPOPULATED;
	err = drm_gpusvm_range_hmm(range->gpusvm, range, 0, dev_private_owner,
				   pfns);
	if (err) {
		kvfree(pfns);
		return DRM_GPUSVM_SCAN_UNPOPULATED;
	}

	for (i = 0; i < npages; i++) {
		struct page *page;

		if (!(pfns[i] & HMM_PFN_VALID)) {
			nnone++;
			continue;
		}
		page = hmm_pfn_to_page(pfns[i]);
		if (!is_device_private_page(page)) {
			nsys++;
		} else if (pagemap && page->pgmap == pagemap) {
			neq++;
		} else {
			if (other && other != page->pgmap)
				other_multi = true;
			other = page->pgmap;
			nother++;
		}
	}
	kvfree(pfns);

	if (nnone)
		return DRM_GPUSVM_SCAN_UNPOPULATED;
	if (!neq && !nother)
		return DRM_GPUSVM_SCAN_SYSTEM;
	if (nsys)
		return DRM_GPUSVM_SCAN_MIXED;
	if (!nother)
		return DRM_GPUSVM_SCAN_EQUAL;
	if (!neq && !other_multi)
		return DRM_GPUSVM_SCAN_OTHER;
	return DRM_GPUSVM_SCAN_MIXED_DEVICE;
}
EXPORT_SYMBOL_GPL(drm_gpusvm_scan_mm);

/**
 * drm_gpusvm_scan_mm_counts() - count where the pages of a range are now
 * @range: the range
 * @dev_private_owner: the owner group whose device pages are visible
 * @pagemap: the pagemap to compare against (may be NULL)
 * @counts: out: the pages of the range by where they are
 *
 * A drm-msvm extension: drm_gpusvm_scan_mm()'s snapshot, with the number
 * of pages of each kind instead of a summary, for drivers that size a
 * migration or account for one. Faults nothing in; the answer may be
 * stale as soon as it is returned. On failure @counts is all zero.
 *
 * Return: 0, -ENOMEM, -EFAULT if the mm is gone, or another error of
 * hmm_range_fault().
 */
int drm_gpusvm_scan_mm_counts(struct drm_gpusvm_range *range,
			      void *dev_private_owner,
			      const struct dev_pagemap *pagemap,
			      struct drm_gpusvm_scan_counts *counts)
{
	unsigned long npages = drm_gpusvm_range_npages(range);
	unsigned long i, *pfns;
	int err;

	memset(counts, 0, sizeof(*counts));
	pfns = kvmalloc_array(npages, sizeof(*pfns), GFP_KERNEL);
	if (!pfns)
		return -ENOMEM;
	err = drm_gpusvm_range_hmm(range->gpusvm, range, 0, dev_private_owner,
				   pfns);
	for (i = 0; !err && i < npages; i++) {
		struct page *page;

		if (!(pfns[i] & HMM_PFN_VALID)) {
			counts->none++;
			continue;
		}
		page = hmm_pfn_to_page(pfns[i]);
		if (!is_device_private_page(page))
			counts->system++;
		else if (pagemap && page->pgmap == pagemap)
			counts->equal++;
		else
			counts->other++;
	}
	kvfree(pfns);
	if (err)
		memset(counts, 0, sizeof(*counts));
	return err;
}
EXPORT_SYMBOL_GPL(drm_gpusvm_scan_mm_counts);

/* The pages one hmm_range_fault() call of an mm walk covers. */
#define DRM_GPUSVM_WALK_CHUNK	512ul

/*
 * The state of drm_gpusvm_walk_mm() and drm_gpusvm_evict_mm(): a
 * temporary interval notifier over the walked VA, and a mutex its
 * invalidate takes, held while the pages of one snapshot are looked at.
 */
struct drm_gpusvm_walk {
	struct mmu_interval_notifier notifier;
	/* orders invalidations of the VA against reading a snapshot */
	struct mutex lock;
	unsigned long *pfns;
};

static bool drm_gpusvm_walk_invalidate(struct mmu_interval_notifier *mni,
				       const struct mmu_notifier_range *range,
				       unsigned long cur_seq)
{
	struct drm_gpusvm_walk *walk =
		container_of(mni, struct drm_gpusvm_walk, notifier);

	if (mmu_notifier_range_blockable(range))
		mutex_lock(&walk->lock);
	else if (!mutex_trylock(&walk->lock))
		return false;
	mmu_interval_set_seq(mni, cur_seq);
	mutex_unlock(&walk->lock);
	return true;
}

static const struct mmu_interval_notifier_ops drm_gpusvm_walk_ops = {
	.invalidate = drm_gpusvm_walk_invalidate,
};

static struct drm_gpusvm_walk *
drm_gpusvm_walk_begin(struct mm_struct *mm, unsigned long start,
		      unsigned long npages)
{
	struct drm_gpusvm_walk *walk;
	int err;

	walk = kzalloc(sizeof(*walk), GFP_KERNEL);
	if (!walk)
		return ERR_PTR(-ENOMEM);
	walk->pfns = kvmalloc_array(min(npages, DRM_GPUSVM_WALK_CHUNK),
				    sizeof(*walk->pfns), GFP_KERNEL);
	if (!walk->pfns) {
		err = -ENOMEM;
		goto err_free;
	}
	mutex_init(&walk->lock);
	err = mmu_interval_notifier_insert(&walk->notifier, mm, start,
					   npages << PAGE_SHIFT,
					   &drm_gpusvm_walk_ops);
	if (err)
		goto err_destroy;
	return walk;

err_destroy:
	mutex_destroy(&walk->lock);
	kvfree(walk->pfns);
err_free:
	kfree(walk);
	return ERR_PTR(err);
}

static void drm_gpusvm_walk_end(struct drm_gpusvm_walk *walk)
{
	mmu_interval_notifier_remove(&walk->notifier);
	mutex_destroy(&walk->lock);
	kvfree(walk->pfns);
	kfree(walk);
}

/*
 * Snapshot [@start, @start + @npages pages) for @owner into walk->pfns and
 * return with walk->lock held and the snapshot current, or an errno.
 */
static int drm_gpusvm_walk_snapshot(struct drm_gpusvm_walk *walk,
				    struct mm_struct *mm, void *owner,
				    unsigned long start, unsigned long npages)
{
	struct hmm_range range = {
		.notifier = &walk->notifier,
		.start = start,
		.end = start + (npages << PAGE_SHIFT),
		.hmm_pfns = walk->pfns,
		.dev_private_owner = owner,
	};
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
		if (!mmu_interval_read_retry(&walk->notifier,
					     range.notifier_seq))
			return 0;
		mutex_unlock(&walk->lock);
	}
}

/**
 * drm_gpusvm_walk_mm() - report the present pages of a VA interval
 * @mm: the mm; the caller holds a reference and not its mmap lock
 * @start: the first address, page aligned
 * @npages: the number of pages, at least one
 * @owners: the device-private owners whose device pages are wanted
 * @nr_owners: the number of @owners
 * @fn: called once per page found, with its index from @start
 * @arg: for @fn
 *
 * A drm-msvm extension, for drivers that tell user space where memory is
 * (a residency query) or decide from it what to migrate, for any VA, with
 * or without a &struct drm_gpusvm. Faults and migrates nothing: HMM shows
 * the pages present in the CPU page table (system memory) and, of the
 * device-private pages, those of the owner asked for. So the interval is
 * snapshotted once per owner, in the order given, until every page is
 * found; a page is reported at the first owner it is visible to. Pages
 * never reported are not present (no VMA, not readable, not populated, or
 * device-private pages of another owner).
 *
 * @fn runs under a lock that every invalidation of the interval waits
 * for, with the snapshot current: the page it is handed is neither
 * migrated nor freed while it runs. It must not sleep on anything an
 * invalidation of @mm may wait for, nor fault.
 *
 * Return: 0, -EINTR on a fatal signal, -ENOMEM, or another errno of
 * hmm_range_fault() or of the notifier insertion.
 */
int drm_gpusvm_walk_mm(struct mm_struct *mm, unsigned long start,
		       unsigned long npages, void *const *owners,
		       unsigned int nr_owners,
		       void (*fn)(void *arg, unsigned long index,
				  struct page *page),
		       void *arg)
{
	unsigned long done, n, i, left, *found;
	struct drm_gpusvm_walk *walk;
	unsigned int k;
	int err = 0;

	found = bitmap_zalloc(min(npages, DRM_GPUSVM_WALK_CHUNK), GFP_KERNEL);
	if (!found)
		return -ENOMEM;
	walk = drm_gpusvm_walk_begin(mm, start, npages);
	if (IS_ERR(walk)) {
		bitmap_free(found);
		return PTR_ERR(walk);
	}

	for (done = 0; done < npages && !err; done += n) {
		n = min(npages - done, DRM_GPUSVM_WALK_CHUNK);
		bitmap_zero(found, n);
		left = n;
		for (k = 0; k < nr_owners && left && !err; k++) {
			err = drm_gpusvm_walk_snapshot(walk, mm, owners[k],
						       start +
						       (done << PAGE_SHIFT), n);
			if (err)
				break;
			for (i = 0; i < n; i++) {
				unsigned long pfn = walk->pfns[i];

				if (test_bit(i, found) ||
				    !(pfn & HMM_PFN_VALID) ||
				    (pfn & HMM_PFN_ERROR))
					continue;
				fn(arg, done + i, hmm_pfn_to_page(pfn));
				__set_bit(i, found);
				left--;
			}
			mutex_unlock(&walk->lock);
		}
	}
	drm_gpusvm_walk_end(walk);
	bitmap_free(found);
	return err;
}
EXPORT_SYMBOL_GPL(drm_gpusvm_walk_mm);

/*
 * hmm_range_fault() failed with -EFAULT over @n pages from @start, of which
 * those set in @which were to be faulted: -ENOMEM if their fault ran out
 * of memory, -EFAULT for a bad address, -EBUSY (to retry) if every one
 * faults in now.
 */
static int drm_gpusvm_evict_errno(struct mm_struct *mm, unsigned long start,
				  unsigned long n, const unsigned long *which,
				  unsigned long first)
{
	unsigned long i;
	int err;

	for (i = 0; i < n; i++) {
		unsigned long addr = start + (i << PAGE_SHIFT);

		if (which && !test_bit(first + i, which))
			continue;
		err = drm_gpusvm_fault_errno(mm, addr, addr + PAGE_SIZE, false);
		if (err != -EAGAIN)
			return err;
	}
	return -EBUSY;
}

/**
 * drm_gpusvm_evict_mm() - bring device pages of a VA interval to system memory
 * @mm: the mm; the caller holds a reference and not its mmap lock
 * @start: the first address, page aligned
 * @npages: the number of pages, at least one
 * @which: a bitmap of the pages to fault (bit i: page i from @start), or
 *	   NULL for all of them
 *
 * A drm-msvm extension: drm_gpusvm_range_evict() for any VA, without a
 * range. Each page chosen is faulted in for reading with HMM and no
 * device-private owner, so that the CPU fault path of a device page's
 * pagemap (migrate_to_ram) brings it back to system memory; a page that
 * is not present is populated. The pages not chosen are left alone.
 *
 * Return: 0, -EFAULT if a page cannot be faulted in (no VMA, not
 * readable), -EINTR on a fatal signal, -ENOMEM (also when a fault ran out
 * of memory), or another errno of the notifier insertion.
 */
int drm_gpusvm_evict_mm(struct mm_struct *mm, unsigned long start,
			unsigned long npages, const unsigned long *which)
{
	struct hmm_range range = {
		.pfn_flags_mask = HMM_PFN_REQ_FAULT,
	};
	struct drm_gpusvm_walk *walk;
	unsigned long done, n, i;
	int err = 0;

	walk = drm_gpusvm_walk_begin(mm, start, npages);
	if (IS_ERR(walk))
		return PTR_ERR(walk);
	range.notifier = &walk->notifier;
	range.hmm_pfns = walk->pfns;
	for (done = 0; done < npages && !err; done += n) {
		n = min(npages - done, DRM_GPUSVM_WALK_CHUNK);
		if (which && find_next_bit(which, done + n, done) >= done + n)
			continue;
		range.start = start + (done << PAGE_SHIFT);
		range.end = range.start + (n << PAGE_SHIFT);
		do {
			if (fatal_signal_pending(current)) {
				err = -EINTR;
				break;
			}
			for (i = 0; i < n; i++)
				walk->pfns[i] = !which || test_bit(done + i, which) ?
						HMM_PFN_REQ_FAULT : 0;
			range.notifier_seq =
				mmu_interval_read_begin(&walk->notifier);
			mmap_read_lock(mm);
			err = hmm_range_fault(&range);
			if (err == -EFAULT)
				err = drm_gpusvm_evict_errno(mm, range.start, n,
							     which, done);
			mmap_read_unlock(mm);
		} while (err == -EBUSY);
	}
	drm_gpusvm_walk_end(walk);
	return err;
}
EXPORT_SYMBOL_GPL(drm_gpusvm_evict_mm);
