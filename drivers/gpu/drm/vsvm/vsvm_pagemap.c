// SPDX-License-Identifier: GPL-2.0
/*
 * vsvm pagemap: the drm_pagemap of a vsvm device's VRAM.
 *
 * Each device's VRAM (its only region, region 0) is described by a
 * MEMORY_DEVICE_PRIVATE dev_pagemap spanning a free physical range as large
 * as the VRAM: device page pfn_first + i stands for VRAM offset
 * i * PAGE_SIZE, for both VRAM backends. The pagemap is created on first
 * use through the device's drm_pagemap_cache, and when its last reference
 * goes it stays in the cache, inactive, until the device's shrinker
 * destroys it under memory pressure or the next user revives it.
 *
 * Migrations allocate VRAM for a range (&struct vsvm_devmem) and copy
 * through the device's copy engine, one copy per contiguous run. The
 * release of an allocation may come in atomic context (the page_free of
 * its last page), so the VRAM is freed from a work item.
 *
 * The live allocations are kept in LRU order (&vsvm_pagemap_dev.lru). When
 * the VRAM cannot hold a new allocation, the least recently used ones are
 * evicted to system memory (drm_pagemap_evict_to_ram(), which needs no mm
 * lock) until it fits; only when no victim is left does the migration fail
 * (-ENOMEM). See &struct vsvm_pagemap_dev for what counts as a use, what
 * is skipped, and the lock order.
 *
 * The owner of the pagemap (what HMM and migrate_vma compare) is the
 * device's interconnect owner group, acquired over a module-wide owner
 * list: devices with a link (drm_pagemap_p2p_has_interconnect()) share one.
 * System-memory devices are on the fabric named by the module parameter
 * "fabric" (none when empty).
 *
 * Peers: a device of the same owner group reaches the VRAM at a peer
 * address (device_map, DRM_INTERCONNECT_P2P): a PCI device's VRAM at the
 * PCI bus address of its BAR, a system-memory device on a fabric at its
 * aperture in the fabric address space (see vsvm_pagemap_p2p_export()).
 * Either way the address range is registered with the copy engines as P2P
 * windows while the device is set up, so any engine resolves it.
 *
 * Locking: vsvm_pagemap_owners.lock (the framework's) is taken at device
 * init and fini only. vsvm_pagemap_devs_lock (a spinlock) protects the
 * list of devices and nests inside everything (device_map takes it under
 * the gpusvm notifier lock); nothing is taken under it.
 * &vsvm_pagemap_dev.free_lock protects the VRAM pointer against the
 * deferred frees; it is outer to &vsvm_vram.lock and inner to mmap_lock
 * and &vsvm_vm.lock (an allocation under a fault reaps).
 * &vsvm_pagemap_dev.lru_lock is innermost too (a spinlock, irqsave: the
 * release of an allocation may run in atomic context); it and
 * vsvm_pagemap_devs_lock are never held together. The cache and shrinker
 * locks are the framework's.
 */
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/idr.h>
#include <linux/iommu.h>
#include <linux/ioport.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include <kunit/visibility.h>

#include <drm/drm_debugfs.h>
#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_pagemap_policy.h>

#include "vsvm_copy.h"
#include "vsvm_drv.h"
#include "vsvm_pagemap.h"
#include "vsvm_replica.h"
#include "vsvm_vram.h"

static char *fabric = "";
module_param(fabric, charp, 0444);
MODULE_PARM_DESC(fabric,
		 "Name of the fabric joining the system-memory vsvm devices (default empty: none)");

/*
 * The vsvm pagemaps not destroyed yet. An active pagemap pins the module
 * (drm_pagemap_init() with the device's drm device), an inactive one is
 * destroyed with its device: none is left at module exit, which checks.
 */
static atomic_t vsvm_pagemaps_live = ATOMIC_INIT(0);

/* The devices owners are shared among; its mutex protects its peers. */
static struct drm_pagemap_owner_list vsvm_pagemap_owners = {
	.lock = __MUTEX_INITIALIZER(vsvm_pagemap_owners.lock),
	.peers = LIST_HEAD_INIT(vsvm_pagemap_owners.peers),
};

/*
 * Every &struct vsvm_pagemap_dev set up, for peer lookups by device and by
 * peer address. Innermost: device_map and the copy accounting take it
 * under the gpusvm notifier lock and the folio locks of a migration.
 */
static DEFINE_SPINLOCK(vsvm_pagemap_devs_lock);
static LIST_HEAD(vsvm_pagemap_devs);

/*
 * The fabric address space of the system-memory devices: slot i is the
 * aperture [VSVM_FABRIC_BASE + i * VSVM_FABRIC_STRIDE, + VRAM size), above
 * any physical or PCI bus address of x86-64 (52 bits at most).
 */
#define VSVM_FABRIC_BASE	BIT_ULL(56)
#define VSVM_FABRIC_STRIDE	BIT_ULL(40)
#define VSVM_FABRIC_SLOTS	256
static DEFINE_IDA(vsvm_pagemap_fabric_ida);

static bool vsvm_pagemap_has_interconnect(struct drm_pagemap_peer *peer1,
					  struct drm_pagemap_peer *peer2)
{
	struct vsvm_pagemap_dev *a = peer1->private, *b = peer2->private;

	return drm_pagemap_p2p_has_interconnect(&a->ep, &b->ep);
}

static u64 vsvm_pagemap_page_offset(struct vsvm_pagemap *vpm, struct page *page)
{
	return (u64)(page_to_pfn(page) - vpm->pfn_first) << PAGE_SHIFT;
}

static struct vsvm_pagemap *vsvm_pagemap_of_page(struct page *page)
{
	return container_of(page->pgmap, struct vsvm_pagemap, pgmap);
}

/**
 * vsvm_pagemap_vram_va() - the copy engine's view of VRAM
 * @vram: the &struct vsvm_vram
 * @offset: a VRAM offset
 * @avail: set to the bytes valid from the returned address
 *
 * The &vsvm_copy_engine_ops.vram_va of the device's copy engine.
 *
 * Return: the kernel address of @offset, or NULL if it is out of range.
 */
void *vsvm_pagemap_vram_va(void *vram, u64 offset, u64 *avail)
{
	struct vsvm_vram *v = vram;

	if (offset >= v->size)
		return NULL;
	*avail = PAGE_SIZE - offset_in_page(offset);
	return vsvm_vram_vaddr(v, offset);
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_pagemap_vram_va);

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

/* The GPU maps the VRAM page at @offset: a use of its allocation. */
static void vsvm_pagemap_touch(struct vsvm_pagemap_dev *pd, u64 offset)
{
	unsigned long idx = offset >> PAGE_SHIFT, flags;
	struct vsvm_devmem *vd;

	spin_lock_irqsave(&pd->lru_lock, flags);
	vd = idx < pd->nr_owners ? pd->owners[idx] : NULL;
	if (vd && !vd->filling)
		vsvm_devmem_touch_locked(pd, vd);
	spin_unlock_irqrestore(&pd->lru_lock, flags);
}

/*
 * Whether @dev is a vsvm device of @pd's owner group (not @pd's own): the
 * framework hands a device page only to devices of its owner group, this
 * makes sure of it for the address it gives out.
 */
static bool vsvm_pagemap_is_peer(struct vsvm_pagemap_dev *pd,
				 struct device *dev)
{
	struct vsvm_pagemap_dev *q;
	bool peer = false;

	spin_lock(&vsvm_pagemap_devs_lock);
	list_for_each_entry(q, &vsvm_pagemap_devs, node) {
		if (q->dev == dev) {
			peer = q != pd && q->peer.owner == pd->peer.owner;
			break;
		}
	}
	spin_unlock(&vsvm_pagemap_devs_lock);
	return peer;
}

/**
 * DOC: Peer access
 *
 * The device_map of a vsvm pagemap gives its own device the VRAM offset of
 * a page (%DRM_INTERCONNECT_DRIVER) and a peer of the same owner group the
 * page's peer address (%DRM_INTERCONNECT_P2P): for a PCI device, the PCI
 * bus address of the page in its VRAM BAR (pci_bus_address() of the BAR
 * plus the offset), which the peer's DMA reaches through the PCIe switch;
 * for a system-memory device on a fabric, the page's address in the
 * device's fabric aperture. Both are registered as copy-engine windows
 * (vsvm_copy_window_add()) for as long as the device is set up, so the
 * peer's copy engine resolves them. Any other device, a device behind an
 * IOMMU (the bus address would need an IOVA the engine cannot resolve) and
 * a device whose VRAM is not exported get %DMA_MAPPING_ERROR.
 *
 * A migration from the VRAM of device A to that of device B, in one owner
 * group, is copied by B's engine, reading A's VRAM at its peer address and
 * writing B's own VRAM: drm_pagemap_migrate_to_devmem() runs on behalf of
 * the destination (its allocation, its revoke lock, its copy_to_devmem),
 * the source only has to stay mapped, which the migration's folio locks
 * guarantee, and the source device may be on its way out (revoked), when
 * it must not be asked to do work. One engine, one fence, one copy: never
 * through system memory. The path is counted per device: p2p_in on B,
 * p2p_out on A (debugfs "pagemap").
 *
 * Devices of different owner groups never see each other's device pages:
 * HMM faults them back to system memory (migrate_to_ram, counted as
 * vram_to_sys on the source) before the other device maps or migrates them
 * (sys_to_vram on the destination).
 */
static struct drm_pagemap_device_addr
vsvm_pagemap_device_map(struct drm_pagemap *dpagemap, struct device *dev,
			struct page *page, unsigned int order,
			enum dma_data_direction dir)
{
	struct vsvm_pagemap *vpm = to_vsvm_pagemap(dpagemap);
	struct vsvm_pagemap_dev *pd = vpm->pd;
	u64 offset = vsvm_pagemap_page_offset(vpm, page);
	dma_addr_t addr = DMA_MAPPING_ERROR;

	vsvm_pagemap_touch(pd, offset);
	if (dev == dpagemap->dev)
		return drm_pagemap_device_addr_encode(offset,
						      DRM_INTERCONNECT_DRIVER,
						      order, dir);

	if (pd->p2p_size && offset < pd->p2p_size &&
	    (PAGE_SIZE << order) <= pd->p2p_size - offset &&
	    !device_iommu_mapped(dev) && vsvm_pagemap_is_peer(pd, dev))
		addr = pd->p2p_base + offset;
	return drm_pagemap_device_addr_encode(addr, DRM_INTERCONNECT_P2P,
					      order, dir);
}

static void vsvm_pagemap_device_unmap(struct drm_pagemap *dpagemap,
				      struct device *dev,
				      struct drm_pagemap_device_addr addr)
{
	/*
	 * Neither a VRAM offset nor a peer address (a bus or fabric address,
	 * never an IOMMU mapping: see device_map) holds anything to undo.
	 */
}

/* Count the pages of a devmem copy by the path they took. */
static void vsvm_pagemap_count_copy(struct vsvm_pagemap_dev *pd,
				    const struct drm_pagemap_device_addr *addr,
				    unsigned long npages, bool to_vram)
{
	struct vsvm_pagemap_dev *q, *src;
	unsigned long i, run;

	if (!to_vram) {
		atomic64_add(npages, &pd->vram_to_sys);
		return;
	}
	/* A copy call has one protocol: count by runs, not by pages. */
	for (i = 0; i < npages; i = run) {
		for (run = i + 1; run < npages; run++)
			if (addr[run].proto != addr[i].proto)
				break;
		switch (addr[i].proto) {
		case DRM_INTERCONNECT_SYSTEM:
			atomic64_add(run - i, &pd->sys_to_vram);
			continue;
		case DRM_INTERCONNECT_DRIVER:
			atomic64_add(run - i, &pd->local_in);
			continue;
		case DRM_INTERCONNECT_P2P:
			break;
		default:
			continue;
		}
		atomic64_add(run - i, &pd->p2p_in);
		/* The peer whose window holds each page, found once a run. */
		spin_lock(&vsvm_pagemap_devs_lock);
		for (src = NULL; i < run; i++) {
			if (!src || addr[i].addr < src->p2p_base ||
			    addr[i].addr - src->p2p_base >= src->p2p_size) {
				src = NULL;
				list_for_each_entry(q, &vsvm_pagemap_devs, node) {
					if (q->p2p_size &&
					    addr[i].addr >= q->p2p_base &&
					    addr[i].addr - q->p2p_base < q->p2p_size) {
						src = q;
						break;
					}
				}
			}
			if (src)
				atomic64_inc(&src->p2p_out);
		}
		spin_unlock(&vsvm_pagemap_devs_lock);
	}
}

static int vsvm_pagemap_populate_mm(struct drm_pagemap *dpagemap,
				    unsigned long start, unsigned long end,
				    struct mm_struct *mm,
				    unsigned long timeslice_ms)
{
	struct drm_pagemap_migrate_details mdetails = {
		.timeslice_ms = timeslice_ms,
	};
	struct vsvm_devmem *vd;
	int err;

	if (!PAGE_ALIGNED(start) || !PAGE_ALIGNED(end) || start >= end)
		return -EINVAL;
	vd = vsvm_devmem_create(to_vsvm_pagemap(dpagemap), mm, end - start);
	if (IS_ERR(vd))
		return PTR_ERR(vd);
	vd->start = start;
	err = drm_pagemap_migrate_to_devmem(&vd->base, mm, start, end,
					    &mdetails);
	vsvm_devmem_filled(vd);
	return err;
}

static void vsvm_pagemap_destroy(struct drm_pagemap *dpagemap,
				 bool is_atomic_or_reclaim)
{
	struct vsvm_pagemap *vpm = to_vsvm_pagemap(dpagemap);
	struct device *dev = dpagemap->dev;

	memunmap_pages(&vpm->pgmap);
	release_mem_region(vpm->res->start, resource_size(vpm->res));
	kfree(vpm);
	put_device(dev);
	atomic_dec(&vsvm_pagemaps_live);
}

static const struct drm_pagemap_ops vsvm_pagemap_ops = {
	.device_map = vsvm_pagemap_device_map,
	.device_unmap = vsvm_pagemap_device_unmap,
	.populate_mm = vsvm_pagemap_populate_mm,
	.destroy = vsvm_pagemap_destroy,
};

/* The cache's create callback: a new pagemap over the whole VRAM. */
static struct drm_pagemap *vsvm_pagemap_create(void *arg)
{
	struct vsvm_pagemap_dev *pd = arg;
	struct vsvm_pagemap *vpm;
	void *addr;
	int err;

	vpm = kzalloc(sizeof(*vpm), GFP_KERNEL);
	if (!vpm)
		return ERR_PTR(-ENOMEM);
	vpm->pd = pd;

	vpm->res = request_free_mem_region(&iomem_resource, pd->vram->size,
					   "vsvm-devmem");
	if (IS_ERR(vpm->res)) {
		err = PTR_ERR(vpm->res);
		goto err_free;
	}
	vpm->pgmap.type = MEMORY_DEVICE_PRIVATE;
	vpm->pgmap.range.start = vpm->res->start;
	vpm->pgmap.range.end = vpm->res->end;
	vpm->pgmap.nr_range = 1;
	vpm->pgmap.ops = drm_pagemap_pagemap_ops_get();
	vpm->pgmap.owner = pd->peer.owner;
	addr = memremap_pages(&vpm->pgmap, dev_to_node(pd->dev));
	if (IS_ERR(addr)) {
		err = PTR_ERR(addr);
		goto err_release;
	}
	vpm->pfn_first = PHYS_PFN(vpm->res->start);

	/*
	 * While active, the pagemap references the drm device and so the
	 * module; inactive in the cache it references neither. A pagemap
	 * that outlives the device is revoked (no page, no migration): then
	 * only @pd->dev, referenced here, and the pagemap itself are used.
	 */
	err = drm_pagemap_init(&vpm->dpagemap, &vpm->pgmap, pd->drm, pd->dev,
			       &vsvm_pagemap_ops);
	if (err)
		goto err_unmap;
	get_device(pd->dev);
	atomic_inc(&vsvm_pagemaps_live);
	atomic64_inc(&pd->created);
	return &vpm->dpagemap;

err_unmap:
	memunmap_pages(&vpm->pgmap);
err_release:
	release_mem_region(vpm->res->start, resource_size(vpm->res));
err_free:
	kfree(vpm);
	return ERR_PTR(err);
}

/**
 * vsvm_pagemap_get() - the pagemap of a device's VRAM
 * @pd: the device
 *
 * Creates the pagemap on first use, revives an inactive one.
 *
 * Return: a reference on the pagemap or an ERR_PTR().
 */
struct drm_pagemap *vsvm_pagemap_get(struct vsvm_pagemap_dev *pd)
{
	return drm_pagemap_cache_lookup_or_create(pd->cache, vsvm_pagemap_create,
						  pd);
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_pagemap_get);

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
 * process context. This collects them now. Takes
 * &vsvm_pagemap_dev.free_lock and &vsvm_vram.lock; may sleep.
 */
void vsvm_devmem_reap(struct vsvm_pagemap_dev *pd)
{
	struct llist_node *list;
	struct vsvm_devmem *vd, *next;

	if (llist_empty(&pd->free_list))
		return;
	mutex_lock(&pd->free_lock);
	list = llist_del_all(&pd->free_list);
	llist_for_each_entry_safe(vd, next, list, free_link) {
		/* Without VRAM (device gone, pages were busy) leak it. */
		if (pd->vram)
			vsvm_vram_free(vd->alloc);
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
 * (both ways), one engine copy per run contiguous on both sides.
 */
static int vsvm_devmem_copy(struct page **pages,
			    struct drm_pagemap_device_addr *addr,
			    unsigned long npages, bool to_vram)
{
	struct vsvm_pagemap *vpm;
	struct vsvm_copy *copies;
	unsigned long i, n = 0;
	int err;

	if (!npages)
		return 0;
	vpm = vsvm_pagemap_of_page(pages[0]);
	copies = kvmalloc_array(npages, sizeof(*copies), GFP_KERNEL);
	if (!copies)
		return -ENOMEM;

	for (i = 0; i < npages; i++) {
		struct drm_pagemap_device_addr vram =
			drm_pagemap_device_addr_encode(vsvm_pagemap_page_offset(vpm, pages[i]),
						       DRM_INTERCONNECT_DRIVER,
						       0, DMA_BIDIRECTIONAL);
		struct drm_pagemap_device_addr *d = to_vram ? &vram : &addr[i];
		struct drm_pagemap_device_addr *s = to_vram ? &addr[i] : &vram;
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
	if (!err) {
		atomic64_add(npages, to_vram ? &vpm->pd->pages_in :
					       &vpm->pd->pages_out);
		vsvm_pagemap_count_copy(vpm->pd, addr, npages, to_vram);
	}
	return err;
}

static int vsvm_devmem_copy_to_devmem(struct page **pages,
				      struct drm_pagemap_device_addr *src,
				      unsigned long npages)
{
	return vsvm_devmem_copy(pages, src, npages, true);
}

static int vsvm_devmem_copy_to_ram(struct page **pages,
				   struct drm_pagemap_device_addr *dst,
				   unsigned long npages)
{
	return vsvm_devmem_copy(pages, dst, npages, false);
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
 * pagemap) to system memory, count it, and drop the caller's reference.
 */
static void vsvm_devmem_evict(struct vsvm_devmem *vd)
{
	struct vsvm_pagemap_dev *pd = vd->vpm->pd;
	unsigned long before, after, flags;
	int err;

	before = vsvm_devmem_pages_in_vram(vd);
	err = drm_pagemap_evict_to_ram(&vd->base);
	after = vsvm_devmem_pages_in_vram(vd);
	if (before > after) {
		atomic64_add(before - after, &pd->evicted_pages);
		/* The migration policy of the mm learns where it went. */
		drm_pagemap_policy_evicted(vd->base.mm, vd->start,
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
 * allocations while the VRAM is full. Called with no lock but, maybe, the
 * faulting mm's mmap lock and a VM lock, which eviction does not need.
 */
static struct vsvm_vram_alloc *vsvm_devmem_alloc_vram(struct vsvm_pagemap *vpm,
						      size_t size)
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
		vsvm_devmem_evict(victim);
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
 * @mm: the mm the range belongs to (not referenced)
 * @size: the size of the range, a nonzero multiple of PAGE_SIZE
 *
 * When the VRAM is full, evicts the least recently used allocations of the
 * device to system memory to make room (see &struct vsvm_pagemap_dev); may
 * be called with an mmap lock and a VM lock held.
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
	vd->alloc = vsvm_devmem_alloc_vram(vpm, size);
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
	drm_pagemap_devmem_init(&vd->base, pd->dev, mm, &vsvm_devmem_ops,
				&vpm->dpagemap, size);

	spin_lock_irqsave(&pd->lru_lock, flags);
	list_add_tail(&vd->lru_link, &pd->lru);
	vsvm_devmem_set_owner_locked(pd, vd, vd);
	spin_unlock_irqrestore(&pd->lru_lock, flags);
	return vd;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_devmem_create);

/* The PCI bus address of the CPU physical address @phys of a BAR of @pdev. */
static int vsvm_pagemap_pci_bus_addr(struct pci_dev *pdev, phys_addr_t phys,
				     u64 size, u64 *bus)
{
	int bar;

	for (bar = 0; bar < PCI_STD_NUM_BARS; bar++) {
		resource_size_t start = pci_resource_start(pdev, bar);

		if (!(pci_resource_flags(pdev, bar) & IORESOURCE_MEM) ||
		    phys < start || phys - start >= pci_resource_len(pdev, bar) ||
		    size > pci_resource_len(pdev, bar) - (phys - start))
			continue;
		*bus = pci_bus_address(pdev, bar) + (phys - start);
		return 0;
	}
	return -ENXIO;
}

static void vsvm_pagemap_p2p_unexport(struct vsvm_pagemap_dev *pd)
{
	u64 off;

	for (off = 0; off < pd->p2p_size; off += pd->p2p_window_size)
		vsvm_copy_window_remove(pd->p2p_base + off);
	pd->p2p_size = 0;
	if (pd->fabric_slot >= 0)
		ida_free(&vsvm_pagemap_fabric_ida, pd->fabric_slot);
	pd->fabric_slot = -1;
}

/*
 * Give the VRAM a peer address and register it with the copy engines:
 * a PCI device's VRAM is its BAR, at the BAR's bus address, one window; a
 * system-memory device on a fabric gets a slot of the fabric address space
 * and one window per physically contiguous chunk of its VRAM. Other
 * devices are not exported (p2p_size stays 0).
 */
static int vsvm_pagemap_p2p_export(struct vsvm_pagemap_dev *pd)
{
	struct vsvm_vram *vram = pd->vram;
	u64 base, wsize, off;
	int err;

	pd->fabric_slot = -1;
	if (dev_is_pci(pd->dev) && !vram->sysmem) {
		err = vsvm_pagemap_pci_bus_addr(to_pci_dev(pd->dev),
						vsvm_vram_phys(vram, 0),
						vram->size, &base);
		if (err)
			return err;
		wsize = vram->size;
	} else if (pd->ep.fabric && vram->sysmem) {
		err = ida_alloc_max(&vsvm_pagemap_fabric_ida,
				    VSVM_FABRIC_SLOTS - 1, GFP_KERNEL);
		if (err < 0)
			return err;
		pd->fabric_slot = err;
		base = VSVM_FABRIC_BASE + (u64)err * VSVM_FABRIC_STRIDE;
		wsize = BIT_ULL(vram->chunk_shift);
	} else {
		return 0;
	}

	pd->p2p_base = base;
	pd->p2p_window_size = wsize;
	for (off = 0; off < vram->size; off += wsize) {
		err = vsvm_copy_window_add(base + off,
					   min(wsize, vram->size - off),
					   vsvm_vram_vaddr(vram, off));
		if (err) {
			pd->p2p_size = off;
			vsvm_pagemap_p2p_unexport(pd);
			return err;
		}
	}
	pd->p2p_size = vram->size;
	return 0;
}

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
 * vsvm_pagemap_dev_init_fabric() - set up the pagemap side of a device
 * @pd: the device's pagemap state
 * @drm: the DRM device, or NULL; an active pagemap references it (and so
 *	its module)
 * @dev: the device owning @vram
 * @vram: the VRAM, set up
 * @engine: the copy engine of the device, set up
 * @fabric: the name of the fabric the device is on, or NULL (or "") for
 *	none; only system-memory VRAM is reachable over a fabric
 *
 * Acquires the device's interconnect owner, creates its shrinker and
 * pagemap cache and exports the VRAM to peers (see "Peer access"). No
 * pagemap exists until vsvm_pagemap_get().
 *
 * Return: 0 or a negative errno.
 */
int vsvm_pagemap_dev_init_fabric(struct vsvm_pagemap_dev *pd,
				 struct drm_device *drm, struct device *dev,
				 struct vsvm_vram *vram,
				 struct vsvm_copy_engine *engine,
				 const char *fabric)
{
	int err;

	memset(pd, 0, sizeof(*pd));
	pd->drm = drm;
	pd->dev = dev;
	pd->vram = vram;
	pd->engine = engine;
	pd->ep.dev = dev;
	pd->ep.fabric = fabric && fabric[0] ? fabric : NULL;
	pd->peer.private = pd;
	pd->fabric_slot = -1;
	INIT_LIST_HEAD(&pd->node);
	mutex_init(&pd->free_lock);
	init_llist_head(&pd->free_list);
	INIT_DELAYED_WORK(&pd->free_work, vsvm_devmem_free_work);
	spin_lock_init(&pd->lru_lock);
	INIT_LIST_HEAD(&pd->lru);
	pd->nr_owners = vram->size >> PAGE_SHIFT;
	pd->owners = kvcalloc(pd->nr_owners, sizeof(*pd->owners), GFP_KERNEL);
	if (!pd->owners)
		return -ENOMEM;

	err = drm_pagemap_acquire_owner(&pd->peer, &vsvm_pagemap_owners,
					vsvm_pagemap_has_interconnect);
	if (err)
		goto err_owners;
	pd->shrinker = drm_pagemap_shrinker_create(dev_name(dev));
	if (IS_ERR(pd->shrinker)) {
		err = PTR_ERR(pd->shrinker);
		goto err_owner;
	}
	pd->cache = drm_pagemap_cache_create(pd->shrinker);
	if (IS_ERR(pd->cache)) {
		err = PTR_ERR(pd->cache);
		goto err_shrinker;
	}
	err = vsvm_pagemap_p2p_export(pd);
	if (err)
		goto err_cache;

	spin_lock(&vsvm_pagemap_devs_lock);
	list_add_tail(&pd->node, &vsvm_pagemap_devs);
	spin_unlock(&vsvm_pagemap_devs_lock);
	return 0;

err_cache:
	drm_pagemap_cache_destroy(pd->cache);
err_shrinker:
	drm_pagemap_shrinker_destroy(pd->shrinker);
err_owner:
	drm_pagemap_release_owner(&pd->peer);
err_owners:
	kvfree(pd->owners);
	pd->owners = NULL;
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_pagemap_dev_init_fabric);

/**
 * vsvm_pagemap_dev_init() - set up the pagemap side of a vsvm device
 * @pd: the device's pagemap state
 * @drm: the DRM device, or NULL; an active pagemap references it (and so
 *	its module)
 * @dev: the device owning @vram
 * @vram: the VRAM, set up
 * @engine: the copy engine of the device, set up
 * @sysmem: the VRAM is system memory: the device is on the fabric named by
 *	the module parameter "fabric", if any
 *
 * See vsvm_pagemap_dev_init_fabric().
 *
 * Return: 0 or a negative errno.
 */
int vsvm_pagemap_dev_init(struct vsvm_pagemap_dev *pd, struct drm_device *drm,
			  struct device *dev, struct vsvm_vram *vram,
			  struct vsvm_copy_engine *engine, bool sysmem)
{
	return vsvm_pagemap_dev_init_fabric(pd, drm, dev, vram, engine,
					    sysmem ? fabric : NULL);
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_pagemap_dev_init);

/**
 * vsvm_pagemap_dev_fini() - tear down the pagemap side of a device
 * @pd: the device's pagemap state
 *
 * Called once no new user can come (the DRM device is unplugged), before
 * the VRAM goes. An active pagemap is revoked: its pages go back to system
 * memory and it refuses migrations; it lives on, detached, until its last
 * reference (an open pagemap fd) goes. An inactive one is destroyed.
 */
void vsvm_pagemap_dev_fini(struct vsvm_pagemap_dev *pd)
{
	struct vsvm_devmem **owners = NULL;
	struct drm_pagemap *dpagemap;
	unsigned long flags;
	int err;

	dpagemap = drm_pagemap_get_from_cache_if_active(pd->cache);
	if (dpagemap) {
		err = drm_pagemap_revoke(dpagemap);
		if (err)
			dev_warn(pd->dev, "pagemap revoke: %d\n", err);
		drm_pagemap_put(dpagemap);
	}
	drm_pagemap_cache_destroy(pd->cache);
	drm_pagemap_shrinker_destroy(pd->shrinker);
	drm_pagemap_flush_destroyed();

	/* No page is left for a peer to map: stop being one. */
	spin_lock(&vsvm_pagemap_devs_lock);
	list_del_init(&pd->node);
	spin_unlock(&vsvm_pagemap_devs_lock);
	vsvm_pagemap_p2p_unexport(pd);

	cancel_delayed_work_sync(&pd->free_work);
	vsvm_devmem_reap(pd);
	mutex_lock(&pd->free_lock);
	WARN_ON(atomic_read(&pd->devmem_live));
	pd->vram = NULL;
	mutex_unlock(&pd->free_lock);

	drm_pagemap_release_owner(&pd->peer);
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
EXPORT_SYMBOL_IF_KUNIT(vsvm_pagemap_dev_fini);

/**
 * vsvm_pagemap_module_exit() - check that no vsvm pagemap is left
 *
 * Called at module exit, once every device is removed. Their inactive
 * pagemaps are destroyed with them, and every other one (active: a pagemap
 * fd, a device page or a migration uses it) references the module, so
 * that the unload fails at once (-EWOULDBLOCK) while one lives instead of
 * waiting here for user space to let go. Flushes the deferred destruction
 * and checks.
 */
void vsvm_pagemap_module_exit(void)
{
	drm_pagemap_flush_destroyed();
	WARN_ON(atomic_read(&vsvm_pagemaps_live));
}

/* The peer side of the debugfs "pagemap" file: aperture and path counters. */
static void vsvm_pagemap_show_paths(struct vsvm_pagemap_dev *pd,
				    struct seq_file *m)
{
	seq_printf(m, "p2p_base: %#llx\n", pd->p2p_size ? pd->p2p_base : 0);
	seq_printf(m, "p2p_size: %llu\n", pd->p2p_size);
	seq_printf(m, "sys_to_vram: %lld\n", atomic64_read(&pd->sys_to_vram));
	seq_printf(m, "vram_to_sys: %lld\n", atomic64_read(&pd->vram_to_sys));
	seq_printf(m, "p2p_in: %lld\n", atomic64_read(&pd->p2p_in));
	seq_printf(m, "p2p_out: %lld\n", atomic64_read(&pd->p2p_out));
	seq_printf(m, "local_in: %lld\n", atomic64_read(&pd->local_in));
}

/**
 * vsvm_pagemap_link() - the link from one device's VRAM to another's
 * @a: a device
 * @b: another device, or @a
 *
 * The link drm_pagemap_p2p_link() finds between the two devices where they
 * share an owner group, %DRM_PAGEMAP_LINK_NONE where they do not: only
 * devices of one group map and migrate each other's pages directly (a
 * device linked to some members of a group but not to all is in a group
 * of its own).
 *
 * Context: process context.
 * Return: the link.
 */
struct drm_pagemap_link vsvm_pagemap_link(struct vsvm_pagemap_dev *a,
					  struct vsvm_pagemap_dev *b)
{
	if (a == b)
		return (struct drm_pagemap_link){ DRM_PAGEMAP_LINK_LOCAL, 0 };
	if (!a->peer.owner || a->peer.owner != b->peer.owner)
		return (struct drm_pagemap_link){ DRM_PAGEMAP_LINK_NONE, -1 };
	return drm_pagemap_p2p_link(&a->ep, &b->ep);
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_pagemap_link);

/**
 * vsvm_pagemap_drm_devices_get() - the DRM devices of every vsvm device
 * @count: set to the number of entries returned
 *
 * The registered, not unplugged DRM devices of the devices set up with
 * vsvm_pagemap_dev_init(), each referenced (drm_dev_get()), in the order
 * they were set up. Release with vsvm_pagemap_drm_devices_put().
 *
 * Return: an array of @count entries (NULL when @count is 0), or an
 * ERR_PTR(-ENOMEM).
 */
struct drm_device **vsvm_pagemap_drm_devices_get(unsigned int *count)
{
	struct drm_device **drms = NULL;
	struct vsvm_pagemap_dev *pd;
	unsigned int room = 0, n;

	for (;;) {
		n = 0;
		spin_lock(&vsvm_pagemap_devs_lock);
		list_for_each_entry(pd, &vsvm_pagemap_devs, node) {
			if (!pd->drm || !pd->drm->registered ||
			    drm_dev_is_unplugged(pd->drm))
				continue;
			if (n < room)
				drms[n] = pd->drm;
			n++;
		}
		if (n <= room) {
			unsigned int i;

			for (i = 0; i < n; i++)
				drm_dev_get(drms[i]);
			spin_unlock(&vsvm_pagemap_devs_lock);
			break;
		}
		spin_unlock(&vsvm_pagemap_devs_lock);

		/* More devices than room: grow and look again. */
		kfree(drms);
		room = n + 4;
		drms = kcalloc(room, sizeof(*drms), GFP_KERNEL);
		if (!drms)
			return ERR_PTR(-ENOMEM);
	}
	*count = n;
	if (!n) {
		kfree(drms);
		return NULL;
	}
	return drms;
}

/**
 * vsvm_pagemap_drm_devices_put() - release vsvm_pagemap_drm_devices_get()
 * @drms: its array, or NULL
 * @count: its count
 */
void vsvm_pagemap_drm_devices_put(struct drm_device **drms,
				  unsigned int count)
{
	unsigned int i;

	for (i = 0; i < count; i++)
		drm_dev_put(drms[i]);
	kfree(drms);
}

/**
 * vsvm_pagemap_show() - print the pagemap state of a device, for debugfs
 * @pd: the device's pagemap state
 * @m: the seq_file
 */
void vsvm_pagemap_show(struct vsvm_pagemap_dev *pd, struct seq_file *m)
{
	struct drm_pagemap *dpagemap;
	const char *state = "none";
	unsigned long pages = 0, pfn = 0;

	/* Count released allocations as gone. */
	vsvm_devmem_reap(pd);
	dpagemap = drm_pagemap_get_from_cache_if_active(pd->cache);
	if (dpagemap) {
		state = "active";
	} else {
		spin_lock(&pd->cache->lock);
		if (pd->cache->dpagemap) {
			state = "inactive";
			pfn = to_vsvm_pagemap(pd->cache->dpagemap)->pfn_first;
		}
		spin_unlock(&pd->cache->lock);
	}
	if (dpagemap)
		pfn = to_vsvm_pagemap(dpagemap)->pfn_first;
	if (strcmp(state, "none"))
		pages = pd->vram->size >> PAGE_SHIFT;

	seq_printf(m, "pagemap: %s\n", state);
	seq_printf(m, "pages: %lu\n", pages);
	seq_printf(m, "pfn_first: %#lx\n", pfn);
	seq_printf(m, "fabric: %s\n", pd->ep.fabric ?: "");
	seq_printf(m, "created: %lld\n", atomic64_read(&pd->created));
	seq_printf(m, "devmem_allocations: %d\n", atomic_read(&pd->devmem_live));
	seq_printf(m, "pages_in: %lld\n", atomic64_read(&pd->pages_in));
	seq_printf(m, "pages_out: %lld\n", atomic64_read(&pd->pages_out));
	seq_printf(m, "evictions: %lld\n", atomic64_read(&pd->evictions));
	seq_printf(m, "evicted_pages: %lld\n",
		   atomic64_read(&pd->evicted_pages));
	seq_printf(m, "evict_busy: %lld\n", atomic64_read(&pd->evict_busy));
	seq_printf(m, "evict_fail: %lld\n", atomic64_read(&pd->evict_fail));
	vsvm_pagemap_show_paths(pd, m);
	drm_pagemap_put(dpagemap);
}

/**
 * vsvm_pagemap_allocations_show() - list the live devmem allocations
 * @pd: the device's pagemap state
 * @m: the seq_file
 *
 * One line per allocation, least recently used first: its LRU position,
 * its VRAM ranges (offset+size per block), its size, the pages of it still
 * in VRAM, the milliseconds since its creation and since its last use, its
 * state (filling, evicting or live), and the id of its mm.
 */
void vsvm_pagemap_allocations_show(struct vsvm_pagemap_dev *pd,
				   struct seq_file *m)
{
	unsigned long now = jiffies, flags;
	struct gpu_buddy_block *block;
	struct vsvm_devmem *vd;
	unsigned int pos = 0;

	seq_puts(m, "# lru vram size pages_in_vram age_ms idle_ms state mm\n");
	spin_lock_irqsave(&pd->lru_lock, flags);
	list_for_each_entry(vd, &pd->lru, lru_link) {
		const char *sep = "";

		seq_printf(m, "%u ", pos++);
		list_for_each_entry(block, &vd->alloc->blocks, link) {
			seq_printf(m, "%s%#llx+%#llx", sep,
				   vsvm_vram_block_offset(block),
				   vsvm_vram_block_size(vd->alloc->vram, block));
			sep = ",";
		}
		seq_printf(m, " %zu %lu %u %u %s %p\n", vd->base.size,
			   vsvm_devmem_pages_in_vram(vd),
			   jiffies_to_msecs(now - vd->created),
			   jiffies_to_msecs(now - vd->last_use),
			   vd->filling ? "filling" :
			   vd->evicting ? "evicting" : "live", vd->base.mm);
	}
	spin_unlock_irqrestore(&pd->lru_lock, flags);
	seq_printf(m, "# allocations: %u\n", pos);
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_pagemap_allocations_show);

/*
 * DEVMEM_OPEN: the fd number is reserved and the pagemap file made, the
 * answer written back through @iu if there is one, and only then is the
 * file installed under the fd: until then no other thread can reach it,
 * and a failure just drops both.
 */
static int vsvm_devmem_open_common(struct drm_device *drm,
				   struct drm_vsvm_devmem_open *args,
				   const struct vsvm_ioctl_user *iu)
{
	struct vsvm_device *vdev = to_vsvm_device(drm);
	struct drm_pagemap *dpagemap;
	struct file *pmfile;
	int idx, fd, err;

	if (args->flags || args->pad || args->reserved[0] ||
	    args->reserved[1] || args->region)
		return -EINVAL;
	if (iu && iu->out_size < offsetofend(typeof(*args), fd))
		return -EINVAL;	/* the fd could not be returned */

	if (!drm_dev_enter(drm, &idx))
		return -ENODEV;
	dpagemap = vsvm_pagemap_get(&vdev->pagemap);
	drm_dev_exit(idx);
	if (IS_ERR(dpagemap))
		return PTR_ERR(dpagemap);

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		drm_pagemap_put(dpagemap);
		return fd;
	}
	pmfile = drm_pagemap_file_create(dpagemap);
	drm_pagemap_put(dpagemap);
	if (IS_ERR(pmfile)) {
		put_unused_fd(fd);
		return PTR_ERR(pmfile);
	}

	args->fd = fd;
	if (iu) {
		err = vsvm_ioctl_copy_out(iu, offsetofend(typeof(*args), fd));
		if (err) {
			put_unused_fd(fd);
			fput(pmfile);
			return err;
		}
	}
	fd_install(fd, pmfile);
	return 0;
}

/**
 * vsvm_devmem_open_ioctl() - DRM_IOCTL_VSVM_DEVMEM_OPEN, for in-kernel
 * callers
 * @drm: the DRM device
 * @data: the &struct drm_vsvm_devmem_open
 * @file: the DRM file
 *
 * Installs a close-on-exec pagemap fd holding a reference on the pagemap of
 * the region, creating or reviving the pagemap. User space reaches
 * vsvm_devmem_open_ioctl_user() instead (see &struct vsvm_ioctl_user).
 *
 * Return: 0; -EINVAL for nonzero @flags, @pad or @reserved or a region
 * other than 0; -ENODEV once the device is gone; -EMFILE, -ENOMEM or
 * another errno of the pagemap creation.
 */
int vsvm_devmem_open_ioctl(struct drm_device *drm, void *data,
			   struct drm_file *file)
{
	return vsvm_devmem_open_common(drm, data, NULL);
}

/**
 * vsvm_devmem_open_ioctl_user() - DRM_IOCTL_VSVM_DEVMEM_OPEN from user space
 * @drm: the DRM device
 * @data: the &struct vsvm_ioctl_user of a &struct drm_vsvm_devmem_open
 * @file: the DRM file
 *
 * Writes the fd number back before installing the fd: no fd appears in
 * the caller's table unless user space has been told its number.
 *
 * Return: as vsvm_devmem_open_ioctl(), and -EFAULT, with no fd installed,
 * if the answer cannot be written back; -EINVAL if the ioctl number user
 * space used would not write back the fd.
 */
int vsvm_devmem_open_ioctl_user(struct drm_device *drm, void *data,
				struct drm_file *file)
{
	const struct vsvm_ioctl_user *iu = data;

	return vsvm_devmem_open_common(drm, iu->data, iu);
}

static int vsvm_pagemap_debugfs_show(struct seq_file *m, void *arg)
{
	struct drm_debugfs_entry *entry = m->private;
	struct vsvm_device *vdev = to_vsvm_device(entry->dev);
	int idx;

	if (!drm_dev_enter(entry->dev, &idx))
		return -ENODEV;
	vsvm_pagemap_show(&vdev->pagemap, m);
	drm_dev_exit(idx);
	return 0;
}

static int vsvm_allocations_debugfs_show(struct seq_file *m, void *arg)
{
	struct drm_debugfs_entry *entry = m->private;
	struct vsvm_device *vdev = to_vsvm_device(entry->dev);
	int idx;

	if (!drm_dev_enter(entry->dev, &idx))
		return -ENODEV;
	vsvm_pagemap_allocations_show(&vdev->pagemap, m);
	drm_dev_exit(idx);
	return 0;
}

/**
 * vsvm_pagemap_debugfs_init() - add the "pagemap" and "allocations"
 * debugfs files of a device
 * @vdev: the device, its DRM device registered
 */
void vsvm_pagemap_debugfs_init(struct vsvm_device *vdev)
{
	drm_debugfs_add_file(&vdev->drm, "pagemap", vsvm_pagemap_debugfs_show,
			     NULL);
	drm_debugfs_add_file(&vdev->drm, "allocations",
			     vsvm_allocations_debugfs_show, NULL);
}
