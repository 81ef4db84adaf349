// SPDX-License-Identifier: GPL-2.0
/*
 * vsvm devmem: the VRAM allocations backing migrated pages, their copies
 * and their LRU eviction.
 *
 * A migration into a device allocates VRAM for its range (&struct
 * vsvm_devmem, vsvm_devmem_create()) and copies through the device's copy
 * engine, one copy per contiguous run (&drm_pagemap_devmem_ops). The
 * release of an allocation may come in atomic context (the page_free of
 * its last page), so its VRAM is freed by the next allocation or a work
 * item (vsvm_devmem_reap()).
 *
 * The live allocations are kept in LRU order (&vsvm_pagemap_dev.lru). When
 * the VRAM cannot hold a new allocation, the least recently used ones are
 * evicted to system memory (drm_pagemap_evict_to_ram(), through the mm of
 * each allocation, which it keeps grabbed: mmgrab()) until it fits; only
 * when no victim is left does the migration fail (-ENOMEM). See &struct
 * vsvm_pagemap_dev for what counts as a use, what is skipped, and the lock
 * order.
 *
 * Locking: &vsvm_pagemap_dev.free_lock (a mutex) protects the VRAM pointer
 * against the deferred frees; it is outer to &vsvm_vram.lock and inner to
 * mmap_lock and &vsvm_vm.lock (an allocation under a fault reaps).
 * &vsvm_pagemap_dev.lru_lock protects the LRU; it is innermost (a
 * spinlock, irqsave: the release of an allocation may run in atomic
 * context) and never held with the registry lock.
 */
#include <linux/dma-fence.h>
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include <kunit/visibility.h>

#include <drm/drm_pagemap_policy.h>

#include "vsvm_copy.h"
#include "vsvm_drv.h"
#include "vsvm_pagemap.h"
#include "vsvm_replica.h"
#include "vsvm_vram.h"

/* Most victims one allocation tries before it gives up. */
#define VSVM_EVICT_MAX_VICTIMS	256

/* Move @vd to the tail of the LRU: it was just used. */
static void vsvm_devmem_touch_locked(struct vsvm_pagemap_dev *pd,
				     struct vsvm_devmem *vd)
{
	lockdep_assert_held(&pd->lru_lock);
	vd->last_use = jiffies;
	list_move_tail(&vd->lru_link, &pd->lru);
}

/**
 * vsvm_devmem_touch() - a GPU maps a VRAM page: a use of its allocation
 * @pd: the device of the VRAM
 * @offset: the VRAM offset of the page
 *
 * Moves the allocation holding the page, if any and not being filled, to
 * the tail of the LRU. Takes &vsvm_pagemap_dev.lru_lock; any context.
 */
void vsvm_devmem_touch(struct vsvm_pagemap_dev *pd, u64 offset)
{
	unsigned long idx = offset >> PAGE_SHIFT, flags;
	struct vsvm_devmem *vd;

	spin_lock_irqsave(&pd->lru_lock, flags);
	vd = idx < pd->nr_owners ? pd->owners[idx] : NULL;
	if (vd && !vd->filling)
		vsvm_devmem_touch_locked(pd, vd);
	spin_unlock_irqrestore(&pd->lru_lock, flags);
}

static struct vsvm_devmem *to_vsvm_devmem(struct drm_pagemap_devmem *devmem)
{
	return container_of(devmem, struct vsvm_devmem, base);
}

/* How long a released allocation's VRAM may wait for an allocation to reap it. */
#define VSVM_DEVMEM_REAP_DELAY	msecs_to_jiffies(20)

/**
 * vsvm_devmem_reap() - free the VRAM of the released allocations
 * @pd: the device
 *
 * Released allocations (their last page gone, possibly in atomic context)
 * wait on &vsvm_pagemap_dev.free_list; the next VRAM allocation of the
 * device, or a delayed work item when none comes, frees their VRAM in
 * process context. This collects them now: on return every allocation
 * released before the call has its VRAM freed and is no longer counted in
 * &vsvm_pagemap_dev.devmem_live, also when another caller (the work item)
 * had taken them off the list first. Takes &vsvm_pagemap_dev.free_lock and
 * &vsvm_vram.lock; may sleep.
 */
void vsvm_devmem_reap(struct vsvm_pagemap_dev *pd)
{
	struct llist_node *list;
	struct vsvm_devmem *vd, *next;

	/*
	 * A reaper takes the list whole under free_lock and frees it before
	 * unlocking: an empty list with the lock free means nothing released
	 * is still on its way.
	 */
	if (llist_empty(&pd->free_list)) {
		/* The lock after the list: a reaper locks, then empties it. */
		smp_rmb();
		if (!mutex_is_locked(&pd->free_lock))
			return;
	}
	mutex_lock(&pd->free_lock);
	list = llist_del_all(&pd->free_list);
	llist_for_each_entry_safe(vd, next, list, free_link) {
		/* Without VRAM (device gone, pages were busy) leak it. */
		if (pd->vram)
			vsvm_vram_free(vd->alloc);
		if (vd->base.mm)
			mmdrop(vd->base.mm);
		kfree(vd);
		atomic_dec(&pd->devmem_live);
	}
	mutex_unlock(&pd->free_lock);
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_devmem_reap);

static void vsvm_devmem_free_work(struct work_struct *work)
{
	struct vsvm_pagemap_dev *pd = container_of(work, typeof(*pd),
						   free_work.work);

	vsvm_devmem_reap(pd);
}

/* Set the owner of the VRAM pages of @vd to @owner (@vd or NULL). */
static void vsvm_devmem_set_owner_locked(struct vsvm_pagemap_dev *pd,
					 struct vsvm_devmem *vd,
					 struct vsvm_devmem *owner)
{
	struct vsvm_vram *vram = vd->alloc->vram;
	struct gpu_buddy_block *block;

	lockdep_assert_held(&pd->lru_lock);
	list_for_each_entry(block, &vd->alloc->blocks, link) {
		unsigned long idx = vsvm_vram_block_offset(block) >> PAGE_SHIFT;
		unsigned long n = vsvm_vram_block_size(vram, block) >> PAGE_SHIFT;

		while (n-- && idx < pd->nr_owners)
			pd->owners[idx++] = owner;
	}
}

/*
 * The last reference is gone: off the LRU, and the VRAM is freed by the
 * next allocation or, later, the work item (vsvm_devmem_reap()), never by
 * work that preempts the thread that freed the pages. May run in atomic
 * context (from page_free).
 */
static void vsvm_devmem_free(struct kref *ref)
{
	struct vsvm_devmem *vd = container_of(ref, struct vsvm_devmem, ref);
	struct vsvm_pagemap_dev *pd = vd->vpm->pd;
	unsigned long flags;

	spin_lock_irqsave(&pd->lru_lock, flags);
	list_del_init(&vd->lru_link);
	vsvm_devmem_set_owner_locked(pd, vd, NULL);
	spin_unlock_irqrestore(&pd->lru_lock, flags);

	if (llist_add(&vd->free_link, &pd->free_list))
		queue_delayed_work(system_unbound_wq, &pd->free_work,
				   VSVM_DEVMEM_REAP_DELAY);
}

static void vsvm_devmem_put(struct vsvm_devmem *vd)
{
	kref_put(&vd->ref, vsvm_devmem_free);
}

/* The pages' reference. May run in atomic context. */
static void vsvm_devmem_release(struct drm_pagemap_devmem *devmem)
{
	/* Left by a failed migration; dropping it never sleeps. */
	dma_fence_put(devmem->pre_migrate_fence);
	devmem->pre_migrate_fence = NULL;
	vsvm_devmem_put(to_vsvm_devmem(devmem));
}

static int vsvm_devmem_populate_pfn(struct drm_pagemap_devmem *devmem,
				    unsigned long npages, unsigned long *pfn)
{
	struct vsvm_devmem *vd = to_vsvm_devmem(devmem);
	struct vsvm_vram *vram = vd->alloc->vram;
	struct gpu_buddy_block *block;
	unsigned long i = 0;

	list_for_each_entry(block, &vd->alloc->blocks, link) {
		u64 off = vsvm_vram_block_offset(block);
		u64 n = vsvm_vram_block_size(vram, block) >> PAGE_SHIFT;
		u64 j;

		for (j = 0; j < n && i < npages; j++)
			pfn[i++] = vd->vpm->pfn_first + (off >> PAGE_SHIFT) + j;
	}
	return i == npages ? 0 : -EINVAL;
}

/*
 * Copy @npages between the device pages @pages and the addresses @addr
 * (both ways), on the engine of the device of @pages, one engine copy per
 * run contiguous on both sides, once @fence (may be NULL) signaled: the
 * engine has no queue to order the copy behind it, so the caller waits.
 * Out of the VRAM (copy_to_ram) @addr is where the migration goes: system
 * pages, the VRAM of a peer that the migration fills (its peer address,
 * from its device_map), or this VRAM (a move between two allocations).
 */
static int vsvm_devmem_copy(struct page **pages,
			    struct drm_pagemap_addr *addr,
			    unsigned long npages, bool to_vram,
			    struct dma_fence *fence)
{
	struct vsvm_pagemap *vpm;
	struct vsvm_copy *copies;
	unsigned long i, n = 0;
	int err;

	if (fence) {
		err = dma_fence_wait(fence, false);
		if (!err)
			err = fence->error;
		if (err)
			return err;
	}
	if (!npages)
		return 0;
	vpm = vsvm_pagemap_of_page(pages[0]);
	copies = kvmalloc_array(npages, sizeof(*copies), GFP_KERNEL);
	if (!copies)
		return -ENOMEM;

	for (i = 0; i < npages; i++) {
		struct drm_pagemap_addr vram =
			drm_pagemap_addr_encode(vsvm_pagemap_page_offset(vpm, pages[i]),
						DRM_INTERCONNECT_DRIVER,
						0, DMA_BIDIRECTIONAL);
		struct drm_pagemap_addr *d = to_vram ? &vram : &addr[i];
		struct drm_pagemap_addr *s = to_vram ? &addr[i] : &vram;
		struct vsvm_copy *prev = n ? &copies[n - 1] : NULL;
		/* A never-populated source page: zero-fill (copy_to_devmem). */
		u32 flags = to_vram && !s->addr &&
			    s->proto == DRM_INTERCONNECT_SYSTEM ? VSVM_COPY_ZERO : 0;

		if (prev && prev->flags == flags &&
		    prev->dst.proto == d->proto &&
		    prev->dst.addr + prev->len == d->addr &&
		    (flags || (prev->src.proto == s->proto &&
			       prev->src.addr + prev->len == s->addr))) {
			prev->len += PAGE_SIZE;
			continue;
		}
		copies[n].src = *s;
		copies[n].dst = *d;
		copies[n].len = PAGE_SIZE;
		copies[n].flags = flags;
		n++;
	}
	err = vsvm_copy_sync(vpm->pd->engine, copies, n);
	kvfree(copies);
	if (!err)
		vsvm_p2p_count_copy(vpm->pd, addr, npages, to_vram);
	return err;
}

static int vsvm_devmem_copy_to_devmem(struct page **pages,
				      struct drm_pagemap_addr *src,
				      unsigned long npages,
				      struct dma_fence *pre_migrate_fence)
{
	return vsvm_devmem_copy(pages, src, npages, true, pre_migrate_fence);
}

static int vsvm_devmem_copy_to_ram(struct page **pages,
				   struct drm_pagemap_addr *dst,
				   unsigned long npages,
				   struct dma_fence *pre_migrate_fence)
{
	return vsvm_devmem_copy(pages, dst, npages, false, pre_migrate_fence);
}

static const struct drm_pagemap_devmem_ops vsvm_devmem_ops = {
	.devmem_release = vsvm_devmem_release,
	.populate_devmem_pfn = vsvm_devmem_populate_pfn,
	.copy_to_devmem = vsvm_devmem_copy_to_devmem,
	.copy_to_ram = vsvm_devmem_copy_to_ram,
};

/**
 * vsvm_devmem_pages_in_vram() - the pages of an allocation still in VRAM
 * @vd: the allocation; the caller keeps it alive (a reference, or the LRU
 *	lock while it is on the LRU)
 *
 * A device page is in use (holds data of some mm) while its reference
 * count is nonzero.
 *
 * Return: the number of device pages of @vd in use.
 */
unsigned long vsvm_devmem_pages_in_vram(struct vsvm_devmem *vd)
{
	struct vsvm_vram *vram = vd->alloc->vram;
	struct gpu_buddy_block *block;
	unsigned long n = 0;

	list_for_each_entry(block, &vd->alloc->blocks, link) {
		unsigned long pfn = vd->vpm->pfn_first +
			(vsvm_vram_block_offset(block) >> PAGE_SHIFT);
		unsigned long i = vsvm_vram_block_size(vram, block) >> PAGE_SHIFT;

		while (i--)
			if (page_ref_count(pfn_to_page(pfn + i)))
				n++;
	}
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_devmem_pages_in_vram);

/*
 * The least recently used allocation of @vpm that pass @seq has not tried
 * and that is neither being filled nor evicted, referenced and marked
 * evicting; or NULL.
 */
static struct vsvm_devmem *vsvm_devmem_pick_victim(struct vsvm_pagemap *vpm,
						   u64 seq)
{
	struct vsvm_pagemap_dev *pd = vpm->pd;
	struct vsvm_devmem *vd, *victim = NULL;
	unsigned long flags;

	spin_lock_irqsave(&pd->lru_lock, flags);
	list_for_each_entry(vd, &pd->lru, lru_link) {
		if (vd->vpm != vpm || vd->filling || vd->evicting ||
		    vd->evict_seq == seq)
			continue;
		/* Released concurrently: its VRAM is on its way back. */
		if (!kref_get_unless_zero(&vd->ref))
			continue;
		vd->evict_seq = seq;
		vd->evicting = true;
		victim = vd;
		break;
	}
	spin_unlock_irqrestore(&pd->lru_lock, flags);
	return victim;
}

/*
 * Evict @vd (referenced by the caller, who also holds a reference on its
 * pagemap, and the mmap lock of @held_mm if not NULL) to system memory,
 * count it, and drop the caller's reference.
 */
static void vsvm_devmem_evict(struct vsvm_devmem *vd, struct mm_struct *held_mm)
{
	struct vsvm_pagemap_dev *pd = vd->vpm->pd;
	unsigned long before, after, flags;
	int err;

	before = vsvm_devmem_pages_in_vram(vd);
	err = drm_pagemap_evict_to_ram_held(&vd->base, held_mm);
	after = vsvm_devmem_pages_in_vram(vd);
	if (before > after) {
		atomic64_add(before - after, &pd->evicted_pages);
		/* The migration policy of the mm learns where it went. */
		drm_pagemap_policy_evicted(vd->base.mm, vd->base.start,
					   vd->base.size, vd->base.dpagemap);
	}
	if (err || after)
		atomic64_inc(&pd->evict_busy);
	else
		atomic64_inc(&pd->evictions);

	spin_lock_irqsave(&pd->lru_lock, flags);
	vd->evicting = false;
	spin_unlock_irqrestore(&pd->lru_lock, flags);
	vsvm_devmem_put(vd);
}

/*
 * Allocate @size bytes of VRAM for @vpm, evicting least recently used
 * allocations while the VRAM is full. Called with no lock but @mm's mmap
 * lock (if @mm is not NULL) and maybe a VM lock, which eviction does not
 * need; victims of @mm are evicted under that mmap lock.
 */
static struct vsvm_vram_alloc *vsvm_devmem_alloc_vram(struct vsvm_pagemap *vpm,
						      size_t size,
						      struct mm_struct *mm)
{
	struct vsvm_pagemap_dev *pd = vpm->pd;
	struct vsvm_vram_alloc *alloc;
	struct vsvm_devmem *victim;
	unsigned long flags;
	unsigned int tries;
	u64 seq;

	vsvm_devmem_reap(pd);
	alloc = vsvm_vram_alloc(pd->vram, size, 0, 0);
	/* More than the whole VRAM: no eviction can help. */
	if (!IS_ERR(alloc) || PTR_ERR(alloc) != -ENOSPC ||
	    size > pd->vram->size)
		return alloc;
	/* Read replicas are clean: they go first, without a copy. */
	if (pd->drm && vsvm_replica_shrink(to_vsvm_device(pd->drm), size)) {
		alloc = vsvm_vram_alloc(pd->vram, size, 0, 0);
		if (!IS_ERR(alloc) || PTR_ERR(alloc) != -ENOSPC)
			return alloc;
	}

	spin_lock_irqsave(&pd->lru_lock, flags);
	seq = ++pd->evict_seq;
	spin_unlock_irqrestore(&pd->lru_lock, flags);

	for (tries = 0; tries < VSVM_EVICT_MAX_VICTIMS; tries++) {
		victim = vsvm_devmem_pick_victim(vpm, seq);
		if (!victim)
			break;
		vsvm_devmem_evict(victim, mm);
		/* Collect the VRAM of what the eviction released. */
		vsvm_devmem_reap(pd);
		alloc = vsvm_vram_alloc(pd->vram, size, 0, 0);
		if (!IS_ERR(alloc) || PTR_ERR(alloc) != -ENOSPC)
			return alloc;
		if (fatal_signal_pending(current))
			return ERR_PTR(-EINTR);
	}
	/* Frees may still have come in meanwhile. */
	vsvm_devmem_reap(pd);
	alloc = vsvm_vram_alloc(pd->vram, size, 0, 0);
	if (!IS_ERR(alloc) || PTR_ERR(alloc) != -ENOSPC)
		return alloc;
	atomic64_inc(&pd->evict_fail);
	return ERR_PTR(-ENOMEM);
}

/**
 * vsvm_devmem_create() - allocate VRAM for a migration
 * @vpm: the pagemap of the VRAM; the caller holds a reference
 * @mm: the mm the range belongs to, with its mmap lock held for reading, or
 *	NULL; grabbed (mmgrab()) until the allocation is freed
 * @size: the size of the range, a nonzero multiple of PAGE_SIZE
 *
 * When the VRAM is full, evicts the least recently used allocations of the
 * device to system memory to make room (see &struct vsvm_pagemap_dev), those
 * of @mm under the caller's mmap lock; may be called with a VM lock held.
 *
 * The allocation goes on the LRU, marked filling (never a victim). It is
 * consumed by drm_pagemap_migrate_to_devmem() (the pages' reference: its
 * VRAM is freed once the last of its pages is); after that call the
 * caller drops its own reference with vsvm_devmem_filled().
 *
 * Return: the allocation, or an ERR_PTR(): -EINVAL; -ENOSPC for more than
 * the whole VRAM; -ENOMEM, also when the VRAM cannot hold @size even after
 * evicting every allocation that could be; -EINTR on a fatal signal.
 */
struct vsvm_devmem *vsvm_devmem_create(struct vsvm_pagemap *vpm,
				       struct mm_struct *mm, size_t size)
{
	struct vsvm_pagemap_dev *pd = vpm->pd;
	struct vsvm_devmem *vd;
	unsigned long flags;

	vd = kzalloc(sizeof(*vd), GFP_KERNEL);
	if (!vd)
		return ERR_PTR(-ENOMEM);
	vd->alloc = vsvm_devmem_alloc_vram(vpm, size, mm);
	if (IS_ERR(vd->alloc)) {
		int err = PTR_ERR(vd->alloc);

		kfree(vd);
		return ERR_PTR(err);
	}
	vd->vpm = vpm;
	/* The pages' reference and the filler's. */
	kref_init(&vd->ref);
	kref_get(&vd->ref);
	vd->filling = true;
	vd->created = jiffies;
	vd->last_use = vd->created;
	atomic_inc(&pd->devmem_live);
	/* Eviction reaches the pages through @mm: dropped when @vd is freed. */
	if (mm)
		mmgrab(mm);
	drm_pagemap_devmem_init(&vd->base, pd->dev, mm, &vsvm_devmem_ops,
				&vpm->dpagemap, size, NULL);

	spin_lock_irqsave(&pd->lru_lock, flags);
	list_add_tail(&vd->lru_link, &pd->lru);
	vsvm_devmem_set_owner_locked(pd, vd, vd);
	spin_unlock_irqrestore(&pd->lru_lock, flags);
	return vd;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_devmem_create);

/**
 * vsvm_devmem_filled() - the migration into an allocation returned
 * @vd: an allocation from vsvm_devmem_create(), after
 *	drm_pagemap_migrate_to_devmem() (whatever it returned)
 *
 * The allocation becomes the most recently used one, a possible victim
 * of eviction, and the caller's reference is dropped.
 */
void vsvm_devmem_filled(struct vsvm_devmem *vd)
{
	struct vsvm_pagemap_dev *pd = vd->vpm->pd;
	unsigned long flags;

	spin_lock_irqsave(&pd->lru_lock, flags);
	vd->filling = false;
	if (!list_empty(&vd->lru_link))
		vsvm_devmem_touch_locked(pd, vd);
	spin_unlock_irqrestore(&pd->lru_lock, flags);
	vsvm_devmem_put(vd);
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_devmem_filled);

/**
 * vsvm_devmem_dev_init() - set up the allocation state of a device
 * @pd: the device's pagemap state, with its VRAM set
 *
 * Return: 0 or -ENOMEM.
 */
int vsvm_devmem_dev_init(struct vsvm_pagemap_dev *pd)
{
	mutex_init(&pd->free_lock);
	init_llist_head(&pd->free_list);
	INIT_DELAYED_WORK(&pd->free_work, vsvm_devmem_free_work);
	spin_lock_init(&pd->lru_lock);
	INIT_LIST_HEAD(&pd->lru);
	pd->nr_owners = pd->vram->size >> PAGE_SHIFT;
	pd->owners = kvcalloc(pd->nr_owners, sizeof(*pd->owners), GFP_KERNEL);
	return pd->owners ? 0 : -ENOMEM;
}

/**
 * vsvm_devmem_dev_fini() - tear down the allocation state of a device
 * @pd: the device's pagemap state; no pagemap of it holds pages any more
 *
 * Frees the VRAM of the released allocations and detaches the VRAM: an
 * allocation released later (a leak, warned about) keeps its VRAM.
 */
void vsvm_devmem_dev_fini(struct vsvm_pagemap_dev *pd)
{
	struct vsvm_devmem **owners = NULL;
	unsigned long flags;

	cancel_delayed_work_sync(&pd->free_work);
	vsvm_devmem_reap(pd);
	mutex_lock(&pd->free_lock);
	WARN_ON(atomic_read(&pd->devmem_live));
	pd->vram = NULL;
	mutex_unlock(&pd->free_lock);

	/* With allocations leaked (WARN above), keep what they point to. */
	spin_lock_irqsave(&pd->lru_lock, flags);
	if (list_empty(&pd->lru)) {
		owners = pd->owners;
		pd->owners = NULL;
		pd->nr_owners = 0;
	}
	spin_unlock_irqrestore(&pd->lru_lock, flags);
	kvfree(owners);
}
