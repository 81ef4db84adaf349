// SPDX-License-Identifier: GPL-2.0
/*
 * vsvm copy engine: the emulated GPU's DMA engine.
 *
 * A job is a copy list: each copy moves bytes between two addresses as the
 * engine's device sees them, the same addresses a real GPU's engine would be
 * given: DMA addresses of system pages (from dma_map_page()), offsets in
 * the device's own VRAM, and PCI bus addresses of a peer's VRAM BAR (P2P).
 * Submitted jobs run asynchronously, one at a time and in order, on an
 * ordered workqueue per engine, and each signals a dma_fence when it is
 * done, with -EIO as the fence error if an address resolves to no memory.
 * A synchronous copy (vsvm_copy_sync(), what migrations use) runs in the
 * caller's thread once the jobs submitted before it are done: a copy
 * waited for at once gains nothing from a worker but a cross-CPU wake-up
 * and back on every fault.
 *
 * Emulation is where the engine resolves those addresses back to kernel
 * virtual addresses to memcpy: a system DMA address through the device's
 * IOMMU domain when it has one, else the direct mapping; a VRAM offset
 * through the device's callback; a bus address through the global list of
 * P2P windows that PCI vsvm devices register for their BARs. Aligned whole
 * pages are copied with copy_page(), the rest with memcpy() per page
 * (system) or per window.
 *
 * Locking: vsvm_copy_windows_lock (rwsem) protects the window list and the
 * lifetime of each window's mapping: a job holds it for read while it runs,
 * vsvm_copy_window_remove() takes it for write, so a BAR is never unmapped
 * under a running copy. engine->fence_lock protects the engine's fence
 * seqno and is the lock of its fences. Order: windows_lock, then
 * fence_lock (signalling).
 */
#include <linux/dma-direct.h>
#include <linux/iommu.h>
#include <linux/mm.h>
#include <linux/rwsem.h>
#include <linux/slab.h>
#include <kunit/visibility.h>

#include "vsvm_copy.h"
#include "vsvm_link.h"

/* A PCI bus address range of a peer's VRAM and its kernel mapping. */
struct vsvm_copy_window {
	struct list_head link;
	u64 bus_addr;
	u64 size;
	void *va;
};

/* Protects vsvm_copy_windows and the windows' mappings; see the top. */
static DECLARE_RWSEM(vsvm_copy_windows_lock);
static LIST_HEAD(vsvm_copy_windows);

struct vsvm_copy_job {
	struct work_struct work;
	struct dma_fence fence;
	struct vsvm_copy_engine *engine;
	unsigned int count;
	struct vsvm_copy copies[] __counted_by(count);
};

static const char *vsvm_copy_fence_driver(struct dma_fence *fence)
{
	return "vsvm";
}

static const char *vsvm_copy_fence_timeline(struct dma_fence *fence)
{
	return "copy";
}

static void vsvm_copy_fence_release(struct dma_fence *fence)
{
	struct vsvm_copy_job *job = container_of(fence, struct vsvm_copy_job, fence);

	kfree_rcu(job, fence.rcu);
}

static const struct dma_fence_ops vsvm_copy_fence_ops = {
	.get_driver_name = vsvm_copy_fence_driver,
	.get_timeline_name = vsvm_copy_fence_timeline,
	.release = vsvm_copy_fence_release,
};

/**
 * vsvm_copy_resolve() - the kernel address of a device address
 * @engine: the engine whose device's addresses @addr is of
 * @addr: a system DMA address, an offset in the engine's VRAM, or a P2P
 *	bus address in a registered window
 * @avail: out: the bytes valid from the returned address
 *
 * The emulation's view of the memory the device reaches at @addr, used by
 * the copy engine and by the executor (vsvm_exec.c). A P2P address is only
 * resolved between vsvm_copy_resolve_begin() and vsvm_copy_resolve_end(),
 * which keep the window mapped.
 *
 * Return: the kernel address, or NULL if @addr resolves to no memory.
 */
void *vsvm_copy_resolve(struct vsvm_copy_engine *engine,
			struct drm_pagemap_addr addr, u64 *avail)
{
	struct vsvm_copy_window *w;
	struct iommu_domain *domain;
	phys_addr_t phys;
	unsigned long pfn;

	switch (addr.proto) {
	case DRM_INTERCONNECT_SYSTEM:
		domain = iommu_get_domain_for_dev(engine->dev);
		phys = domain ? iommu_iova_to_phys(domain, addr.addr) :
				dma_to_phys(engine->dev, addr.addr);
		pfn = PHYS_PFN(phys);
		if (!phys || !pfn_valid(pfn) || PageHighMem(pfn_to_page(pfn)))
			return NULL;
		*avail = PAGE_SIZE - offset_in_page(phys);
		return page_address(pfn_to_page(pfn)) + offset_in_page(phys);
	case DRM_INTERCONNECT_DRIVER:
		return engine->ops->vram_va(engine->priv, addr.addr, avail);
	case DRM_INTERCONNECT_P2P:
		list_for_each_entry(w, &vsvm_copy_windows, link) {
			if (addr.addr >= w->bus_addr &&
			    addr.addr - w->bus_addr < w->size) {
				*avail = w->size - (addr.addr - w->bus_addr);
				return w->va + (addr.addr - w->bus_addr);
			}
		}
		return NULL;
	}
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_copy_resolve);

/**
 * vsvm_copy_resolve_begin() - keep the P2P windows mapped
 *
 * Takes the window lock for read: the addresses vsvm_copy_resolve() returns
 * stay valid until vsvm_copy_resolve_end(). Nothing that allocates memory
 * with reclaim may run in between.
 */
void vsvm_copy_resolve_begin(void)
{
	down_read(&vsvm_copy_windows_lock);
}

/**
 * vsvm_copy_resolve_end() - end of vsvm_copy_resolve_begin()
 */
void vsvm_copy_resolve_end(void)
{
	up_read(&vsvm_copy_windows_lock);
}

static int vsvm_copy_one(struct vsvm_copy_engine *engine,
			 const struct vsvm_copy *copy)
{
	struct drm_pagemap_addr src = copy->src, dst = copy->dst;
	u64 left = copy->len;

	while (left) {
		u64 savail = U64_MAX, davail, n;
		void *s = NULL, *d;

		if (!(copy->flags & VSVM_COPY_ZERO)) {
			s = vsvm_copy_resolve(engine, src, &savail);
			if (!s)
				return -EIO;
		}
		d = vsvm_copy_resolve(engine, dst, &davail);
		if (!d)
			return -EIO;
		n = min3(left, savail, davail);
		/*
		 * Whole aligned pages go through the architecture's page
		 * copy, as the kernel's own migrations do: on x86 a string
		 * move, several times faster than a generic memcpy() where
		 * the CPU has no fast short string moves (and under TCG).
		 */
		if (n >= PAGE_SIZE && PAGE_ALIGNED(d) && (!s || PAGE_ALIGNED(s))) {
			n = PAGE_SIZE;
			if (s)
				copy_page(d, s);
			else
				clear_page(d);
		} else if (s) {
			memcpy(d, s, n);
		} else {
			memset(d, 0, n);
		}
		src.addr += n;
		dst.addr += n;
		left -= n;
	}
	atomic64_add(copy->len, &engine->bytes);
	return 0;
}

/* Run a copy list in the calling thread and count it as a job. */
static int vsvm_copy_run(struct vsvm_copy_engine *engine,
			 const struct vsvm_copy *copies, unsigned int count)
{
	u64 link_bytes = 0;
	unsigned int i;
	int err = 0;

	down_read(&vsvm_copy_windows_lock);
	for (i = 0; i < count && !err; i++) {
		err = vsvm_copy_one(engine, &copies[i]);
		if (vsvm_link_crossed(&copies[i].dst) ||
		    (!(copies[i].flags & VSVM_COPY_ZERO) &&
		     vsvm_link_crossed(&copies[i].src)))
			link_bytes += copies[i].len;
		cond_resched();
	}
	up_read(&vsvm_copy_windows_lock);
	/* The copy's time on the device's link, when it is emulated. */
	vsvm_link_transfer(link_bytes);

	if (err)
		atomic64_inc(&engine->errors);
	atomic64_inc(&engine->jobs);
	return err;
}

static void vsvm_copy_work(struct work_struct *work)
{
	struct vsvm_copy_job *job = container_of(work, struct vsvm_copy_job, work);
	struct vsvm_copy_engine *engine = job->engine;
	int err;

	err = vsvm_copy_run(engine, job->copies, job->count);
	if (err)
		dma_fence_set_error(&job->fence, err);
	atomic_dec(&engine->queued);
	dma_fence_signal(&job->fence);
	dma_fence_put(&job->fence);
}

/**
 * vsvm_copy_engine_init() - set up a copy engine
 * @engine: the engine
 * @dev: the device whose DMA addresses it resolves
 * @ops: the device's callbacks
 * @priv: their argument
 *
 * Return: 0, or -ENOMEM.
 */
int vsvm_copy_engine_init(struct vsvm_copy_engine *engine, struct device *dev,
			  const struct vsvm_copy_engine_ops *ops, void *priv)
{
	engine->wq = alloc_ordered_workqueue("vsvm-copy-%s", 0, dev_name(dev));
	if (!engine->wq)
		return -ENOMEM;
	engine->dev = dev;
	engine->ops = ops;
	engine->priv = priv;
	spin_lock_init(&engine->fence_lock);
	engine->fence_context = dma_fence_context_alloc(1);
	engine->seqno = 0;
	atomic64_set(&engine->bytes, 0);
	atomic64_set(&engine->jobs, 0);
	atomic64_set(&engine->errors, 0);
	atomic_set(&engine->queued, 0);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_copy_engine_init);

/**
 * vsvm_copy_engine_fini() - tear down a copy engine
 * @engine: the engine
 *
 * Waits for every submitted job to finish.
 */
void vsvm_copy_engine_fini(struct vsvm_copy_engine *engine)
{
	destroy_workqueue(engine->wq);
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_copy_engine_fini);

/**
 * vsvm_copy_submit() - queue a copy list
 * @engine: the engine
 * @copies: the copies, done in order
 * @count: their number
 *
 * The list is copied: the caller may free @copies on return.
 *
 * Return: a fence signalled when the list is done (its error is -EIO if an
 * address resolved to no memory), or an ERR_PTR (-ENOMEM, -EINVAL for an
 * empty list).
 */
struct dma_fence *vsvm_copy_submit(struct vsvm_copy_engine *engine,
				   const struct vsvm_copy *copies,
				   unsigned int count)
{
	struct vsvm_copy_job *job;
	unsigned long flags;
	u64 seqno;

	if (!count)
		return ERR_PTR(-EINVAL);

	job = kmalloc(struct_size(job, copies, count), GFP_KERNEL);
	if (!job)
		return ERR_PTR(-ENOMEM);
	job->count = count;
	memcpy(job->copies, copies, flex_array_size(job, copies, count));
	job->engine = engine;
	INIT_WORK(&job->work, vsvm_copy_work);

	spin_lock_irqsave(&engine->fence_lock, flags);
	seqno = ++engine->seqno;
	spin_unlock_irqrestore(&engine->fence_lock, flags);
	dma_fence_init(&job->fence, &vsvm_copy_fence_ops, &engine->fence_lock,
		       engine->fence_context, seqno);

	/* One reference for the worker, one for the caller. */
	dma_fence_get(&job->fence);
	atomic_inc(&engine->queued);
	queue_work(engine->wq, &job->work);
	return &job->fence;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_copy_submit);

/**
 * vsvm_copy_sync() - run a copy list and wait for it
 * @engine: the engine
 * @copies: the copies, done in order
 * @count: their number
 *
 * Runs the list in the calling thread, after the jobs submitted to the
 * engine before it; may sleep.
 *
 * Return: 0, -EINVAL for an empty list, or -EIO if an address resolved to
 * no memory (the copies before it are done).
 */
int vsvm_copy_sync(struct vsvm_copy_engine *engine,
		   const struct vsvm_copy *copies, unsigned int count)
{
	might_sleep();
	if (!count)
		return -EINVAL;
	/* The engine runs in order: earlier jobs first. */
	if (atomic_read(&engine->queued))
		flush_workqueue(engine->wq);
	return vsvm_copy_run(engine, copies, count);
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_copy_sync);

/**
 * vsvm_copy_window_add() - make a peer VRAM BAR reachable by bus address
 * @bus_addr: the PCI bus address of the window
 * @size: its size
 * @va: the kernel mapping of the window
 *
 * Return: 0, -EINVAL for an empty or overlapping window, or -ENOMEM.
 */
int vsvm_copy_window_add(u64 bus_addr, u64 size, void *va)
{
	struct vsvm_copy_window *w, *new;
	int err = 0;

	if (!size || bus_addr + size < bus_addr)
		return -EINVAL;
	new = kzalloc(sizeof(*new), GFP_KERNEL);
	if (!new)
		return -ENOMEM;
	new->bus_addr = bus_addr;
	new->size = size;
	new->va = va;

	down_write(&vsvm_copy_windows_lock);
	list_for_each_entry(w, &vsvm_copy_windows, link) {
		if (bus_addr < w->bus_addr + w->size &&
		    w->bus_addr < bus_addr + size) {
			err = -EINVAL;
			break;
		}
	}
	if (!err)
		list_add_tail(&new->link, &vsvm_copy_windows);
	up_write(&vsvm_copy_windows_lock);
	if (err)
		kfree(new);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_copy_window_add);

/**
 * vsvm_copy_window_remove() - remove the window at @bus_addr
 * @bus_addr: the bus address it was added with
 *
 * Waits for running copies: the mapping may go once this returns.
 */
void vsvm_copy_window_remove(u64 bus_addr)
{
	struct vsvm_copy_window *w, *found = NULL;

	down_write(&vsvm_copy_windows_lock);
	list_for_each_entry(w, &vsvm_copy_windows, link) {
		if (w->bus_addr == bus_addr) {
			found = w;
			list_del(&w->link);
			break;
		}
	}
	up_write(&vsvm_copy_windows_lock);
	kfree(found);
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_copy_window_remove);
