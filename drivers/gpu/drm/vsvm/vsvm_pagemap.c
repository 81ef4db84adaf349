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
 * This file holds the &drm_pagemap_ops: device_map gives the device a
 * VRAM offset and a peer of its owner group the VRAM's peer address
 * (vsvm_p2p.c, "Peer access"), populate_mm migrates a range into a new
 * devmem allocation (vsvm_devmem.c), destroy undoes the creation. The
 * other parts of the pagemap side of a device are in vsvm_pagemap_dev.c
 * (set-up and tear-down), vsvm_devmem.c (allocations, copies, eviction),
 * vsvm_p2p.c (peer addresses), vsvm_registry.c (the device registry),
 * vsvm_debugfs.c and vsvm_devmem_open.c (DRM_IOCTL_VSVM_DEVMEM_OPEN).
 *
 * Locking: no lock of its own. device_map runs under the gpusvm notifier
 * lock and takes the innermost LRU lock (vsvm_devmem_touch()) and the
 * registry lock (vsvm_registry_is_peer()), never together. The pagemap
 * cache's lookup lock (the framework's) serializes creations.
 */
#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/iommu.h>
#include <linux/ioport.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include <kunit/visibility.h>

#include <drm/drm_pagemap.h>
#include <drm/drm_pagemap_util.h>

#include "vsvm_pagemap.h"
#include "vsvm_registry.h"
#include "vsvm_vram.h"

/*
 * The vsvm pagemaps not destroyed yet. An active pagemap pins the module
 * (drm_pagemap_init() with the device's drm device), an inactive one is
 * destroyed with its device: none is left at module exit, which checks.
 */
static atomic_t vsvm_pagemaps_live = ATOMIC_INIT(0);

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

static struct drm_pagemap_addr
vsvm_pagemap_device_map(struct drm_pagemap *dpagemap, struct device *dev,
			struct page *page, unsigned int order,
			enum dma_data_direction dir)
{
	struct vsvm_pagemap *vpm = to_vsvm_pagemap(dpagemap);
	struct vsvm_pagemap_dev *pd = vpm->pd;
	u64 offset = vsvm_pagemap_page_offset(vpm, page);
	dma_addr_t addr = DMA_MAPPING_ERROR;

	vsvm_devmem_touch(pd, offset);
	if (dev == vpm->dev)
		return drm_pagemap_addr_encode(offset,
						      DRM_INTERCONNECT_DRIVER,
						      order, dir);

	if (pd->p2p_size && offset < pd->p2p_size &&
	    (PAGE_SIZE << order) <= pd->p2p_size - offset &&
	    !device_iommu_mapped(dev) && vsvm_registry_is_peer(pd, dev))
		addr = pd->p2p_base + offset;
	return drm_pagemap_addr_encode(addr, DRM_INTERCONNECT_P2P,
					      order, dir);
}

static void vsvm_pagemap_device_unmap(struct drm_pagemap *dpagemap,
				      struct device *dev,
				      const struct drm_pagemap_addr *addr)
{
	/*
	 * Neither a VRAM offset nor a peer address (a bus or fabric address,
	 * never an IOMMU mapping: see device_map) holds anything to undo.
	 */
}

static int vsvm_pagemap_populate_mm(struct drm_pagemap *dpagemap,
				    unsigned long start, unsigned long end,
				    struct mm_struct *mm,
				    unsigned long timeslice_ms)
{
	/*
	 * vsvm's copy_to_ram moves pages within its own VRAM too: pages
	 * already in this pagemap (another allocation) move into the new
	 * one with the others, instead of failing the migration with -EBUSY,
	 * so that a GPU fault or prefetch places its whole range here as it
	 * asked.
	 */
	struct drm_pagemap_migrate_details mdetails = {
		.timeslice_ms = timeslice_ms,
		.can_migrate_same_pagemap = 1,
	};
	struct vm_area_struct *vma;
	struct vsvm_devmem *vd;
	int err;

	if (!PAGE_ALIGNED(start) || !PAGE_ALIGNED(end) || start >= end)
		return -EINVAL;
	/*
	 * vsvm's errnos, which its ioctls rely on, rather than the
	 * migration's (-ENOENT, -EBUSY): a range that is not one VMA is
	 * -EINVAL, memory that cannot migrate -EOPNOTSUPP. The mmap lock is
	 * held, so the VMA stays as checked.
	 */
	vma = vma_lookup(mm, start);
	if (!vma || end > vma->vm_end)
		return -EINVAL;
	if (!vma_is_anonymous(vma) || (vma->vm_flags & VM_SHARED))
		return -EOPNOTSUPP;
	vd = vsvm_devmem_create(to_vsvm_pagemap(dpagemap), mm, end - start);
	if (IS_ERR(vd))
		return PTR_ERR(vd);
	err = drm_pagemap_migrate_to_devmem(&vd->base, mm, start, end,
					    &mdetails);
	vsvm_devmem_filled(vd);
	/*
	 * -EFAULT: a peer of the owner group cannot reach this VRAM to copy
	 * its pages here; vsvm's ioctls keep -EFAULT for a bad address, and
	 * a failed peer copy has always been -EIO.
	 */
	return err == -EFAULT ? -EIO : err;
}

static void vsvm_pagemap_destroy(struct drm_pagemap *dpagemap,
				 bool is_atomic_or_reclaim)
{
	struct vsvm_pagemap *vpm = to_vsvm_pagemap(dpagemap);
	struct device *dev = vpm->dev;

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
	WRITE_ONCE(pd->pfn_first, vpm->pfn_first);

	/*
	 * While active, the pagemap references the drm device and so the
	 * module; inactive in the cache it references neither. A pagemap
	 * that outlives the device is revoked (no page, no migration): then
	 * only @vpm->dev, referenced here, and the pagemap itself are used.
	 */
	err = drm_pagemap_init(&vpm->dpagemap, &vpm->pgmap, pd->drm,
			       &vsvm_pagemap_ops);
	if (err)
		goto err_unmap;
	vpm->dev = get_device(pd->dev);
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
