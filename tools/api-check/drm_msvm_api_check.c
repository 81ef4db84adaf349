// SPDX-License-Identifier: GPL-2.0
/*
 * The upstream API check: a driver-shaped source file written against
 * upstream's public drm_gpusvm, drm_pagemap and drm_pagemap_util API (the
 * Linux 7.3-era headers), compiled against drm-msvm's include/drm by
 * tools/api-check.sh in `make check`. It is never linked nor loaded.
 *
 * Every call, type, field and macro here has upstream's name, signature
 * and meaning. What a driver for upstream uses and drm-msvm does not
 * offer in upstream's shape yet is left out, and listed in
 * tools/api-check/MISSING; the script fails when a name listed there as
 * absent appears in drm-msvm's headers, so that the list shrinks as the
 * API grows and this file with it.
 *
 * The driver, "xyz", has one VRAM region per device, a pagemap cache
 * holding its pagemap, an interconnect owner group over a driver-wide
 * owner list, and one drm_gpusvm per VM with a fault handler, a notifier
 * callback and a garbage collector.
 */
#include <linux/device.h>
#include <linux/dma-fence.h>
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/list.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sizes.h>
#include <linux/slab.h>

#include <drm/drm_gpusvm.h>
#include <drm/drm_pagemap.h>
#include <drm/drm_pagemap_util.h>

/* One device memory region. */
struct xyz_vram {
	struct drm_device *drm;
	struct device *dev;
	struct drm_pagemap dpagemap;
	struct dev_pagemap pagemap;
	struct drm_pagemap_peer peer;
	struct drm_pagemap_cache *cache;
	unsigned long pfn_first;
};

/* One migration's device memory. */
struct xyz_bo {
	struct drm_pagemap_devmem devmem;
	struct xyz_vram *vram;
	unsigned long first;
};

/* One GPU VM. */
struct xyz_vm {
	struct drm_gpusvm svm;
	struct mutex lock; /* the driver lock of @svm */
	struct xyz_vram *vram;
};

/* One range, with its pages mapped for the VM's device. */
struct xyz_range {
	struct drm_gpusvm_range base;
	struct drm_gpusvm_pages pages;
};

static struct xyz_range *to_xyz_range(struct drm_gpusvm_range *range)
{
	return container_of(range, struct xyz_range, base);
}

/* The driver-wide owner list; its mutex protects its peers. */
static DRM_PAGEMAP_OWNER_LIST_DEFINE(xyz_owner_list);

static bool xyz_has_interconnect(struct drm_pagemap_peer *peer1,
				 struct drm_pagemap_peer *peer2)
{
	return peer1->private == peer2->private;
}

static int xyz_owner_join(struct xyz_vram *vram)
{
	vram->peer.private = vram;
	return drm_pagemap_acquire_owner(&vram->peer, &xyz_owner_list,
					 xyz_has_interconnect);
}

static void xyz_owner_leave(struct xyz_vram *vram)
{
	drm_pagemap_release_owner(&vram->peer);
}

/* A page of @dpagemap as @dev reaches it: a VRAM offset, or none. */
static struct drm_pagemap_addr
xyz_device_map(struct drm_pagemap *dpagemap, struct device *dev,
	       struct page *page, unsigned int order,
	       enum dma_data_direction dir)
{
	struct xyz_vram *vram = container_of(dpagemap->pagemap, struct xyz_vram,
					     pagemap);
	dma_addr_t addr = DMA_MAPPING_ERROR;

	if (dev == vram->dev)
		addr = (page_to_pfn(page) - vram->pfn_first) << PAGE_SHIFT;
	return drm_pagemap_addr_encode(addr, DRM_INTERCONNECT_DRIVER, order,
				       dir);
}

/* A VRAM offset holds nothing to undo. */
static void xyz_device_unmap(struct drm_pagemap *dpagemap, struct device *dev,
			     const struct drm_pagemap_addr *addr)
{
}

/* Freed by drm_pagemap_destroy(): no destroy op. */
static const struct drm_pagemap_ops xyz_pagemap_ops = {
	.device_map = xyz_device_map,
	.device_unmap = xyz_device_unmap,
};

/* A new pagemap of @vram, or an ERR_PTR(). */
static struct drm_pagemap *xyz_pagemap_create(struct xyz_vram *vram)
{
	return drm_pagemap_create(vram->drm, &vram->pagemap, &xyz_pagemap_ops);
}

/* Revive an inactive pagemap taken off its shrinker, or hand it back. */
static int xyz_pagemap_revive(struct drm_pagemap *dpagemap)
{
	int err = drm_pagemap_reinit(dpagemap);

	if (err)
		drm_pagemap_shrinker_add(dpagemap);
	return err;
}

/* The cache lookup of upstream's "Cache lookup". */
static struct drm_pagemap *xyz_pagemap_get(struct xyz_vram *vram)
{
	struct drm_pagemap *dpagemap;
	int err;

	err = drm_pagemap_cache_lock_lookup(vram->cache);
	if (err)
		return ERR_PTR(err);
	dpagemap = drm_pagemap_get_from_cache(vram->cache);
	if (!dpagemap) {
		dpagemap = xyz_pagemap_create(vram);
		if (!IS_ERR(dpagemap))
			drm_pagemap_cache_set_pagemap(vram->cache, dpagemap);
	}
	drm_pagemap_cache_unlock_lookup(vram->cache);
	return dpagemap;
}

static bool xyz_pagemap_is_active(struct xyz_vram *vram)
{
	struct drm_pagemap *dpagemap;

	dpagemap = drm_pagemap_get_from_cache_if_active(vram->cache);
	drm_pagemap_put(dpagemap);
	return dpagemap;
}

static struct xyz_bo *to_xyz_bo(struct drm_pagemap_devmem *devmem)
{
	return container_of(devmem, struct xyz_bo, devmem);
}

static void xyz_devmem_release(struct drm_pagemap_devmem *devmem)
{
	dma_fence_put(devmem->pre_migrate_fence);
	kfree(to_xyz_bo(devmem));
}

static int xyz_populate_devmem_pfn(struct drm_pagemap_devmem *devmem,
				   unsigned long npages, unsigned long *pfn)
{
	struct xyz_bo *bo = to_xyz_bo(devmem);
	unsigned long i;

	for (i = 0; i < npages; i++)
		pfn[i] = bo->vram->pfn_first + bo->first + i;
	return 0;
}

/*
 * The copy engine: wait for the fence, then copy synchronously. Into
 * device memory the sources are system pages only: a peer's pages are
 * copied by the peer (its copy_to_ram), so out of device memory the
 * destination is a system page or, for a migration into a peer, the
 * address the peer's device_map gave this device.
 */
static int xyz_copy(struct page **pages, struct drm_pagemap_addr *pagemap_addr,
		    unsigned long npages, struct dma_fence *pre_migrate_fence,
		    bool to_devmem)
{
	unsigned long i;

	if (pre_migrate_fence)
		dma_fence_wait(pre_migrate_fence, false);
	for (i = 0; i < npages; i += NR_PAGES(pagemap_addr[i].order))
		if (to_devmem && pages[i] &&
		    pagemap_addr[i].proto != DRM_INTERCONNECT_SYSTEM)
			return -EOPNOTSUPP;
	return 0;
}

static int xyz_copy_to_devmem(struct page **pages,
			      struct drm_pagemap_addr *pagemap_addr,
			      unsigned long npages,
			      struct dma_fence *pre_migrate_fence)
{
	return xyz_copy(pages, pagemap_addr, npages, pre_migrate_fence, true);
}

static int xyz_copy_to_ram(struct page **pages,
			   struct drm_pagemap_addr *pagemap_addr,
			   unsigned long npages,
			   struct dma_fence *pre_migrate_fence)
{
	return xyz_copy(pages, pagemap_addr, npages, pre_migrate_fence, false);
}

static const struct drm_pagemap_devmem_ops xyz_devmem_ops = {
	.devmem_release = xyz_devmem_release,
	.populate_devmem_pfn = xyz_populate_devmem_pfn,
	.copy_to_devmem = xyz_copy_to_devmem,
	.copy_to_ram = xyz_copy_to_ram,
};

/* A new allocation of @vram for [start, end) of @mm, after @clear. */
static struct xyz_bo *xyz_bo_create(struct xyz_vram *vram,
				    struct mm_struct *mm, unsigned long start,
				    unsigned long end, struct dma_fence *clear)
{
	struct xyz_bo *bo = kzalloc(sizeof(*bo), GFP_KERNEL);

	if (!bo)
		return NULL;
	bo->vram = vram;
	drm_pagemap_devmem_init(&bo->devmem, vram->dev, mm, &xyz_devmem_ops,
				&vram->dpagemap, end - start,
				dma_fence_get(clear));
	return bo;
}

static int xyz_migrate(struct xyz_bo *bo, struct mm_struct *mm,
		       unsigned long start, unsigned long end)
{
	/*
	 * As xe: without can_migrate_same_pagemap, a range partly in this
	 * pagemap already is -EBUSY, and the fault handler evicts it first.
	 */
	struct drm_pagemap_migrate_details mdetails = {
		.timeslice_ms = 5,
	};

	if (bo->devmem.ops != &xyz_devmem_ops)
		return -EINVAL;
	return drm_pagemap_migrate_to_devmem(&bo->devmem, mm, start, end,
					     &mdetails);
}

static int xyz_evict(struct xyz_bo *bo)
{
	return drm_pagemap_evict_to_ram(&bo->devmem);
}

static int xyz_prefetch(struct xyz_vram *vram, struct mm_struct *mm,
			unsigned long start, unsigned long end)
{
	struct drm_pagemap *dpagemap = xyz_pagemap_get(vram);
	int err;

	if (IS_ERR(dpagemap))
		return PTR_ERR(dpagemap);
	err = drm_pagemap_populate_mm(dpagemap, start, end, mm, 5);
	drm_pagemap_shrinker_might_lock(dpagemap);
	drm_pagemap_put(dpagemap);
	return err;
}

/* Whether @page is a device page of @vram's pagemap. */
static bool xyz_page_is_ours(struct xyz_vram *vram, struct page *page)
{
	struct drm_pagemap *dpagemap;
	bool ours;

	if (!is_device_private_page(page) ||
	    page->pgmap->ops != drm_pagemap_pagemap_ops_get())
		return false;
	dpagemap = drm_pagemap_get_unless_zero(drm_pagemap_page_to_dpagemap(page));
	ours = dpagemap == &vram->dpagemap;
	drm_pagemap_put(dpagemap);
	return ours;
}

/* Whether two device pages belong to the same allocation of @vram. */
static bool xyz_pages_share_bo(struct xyz_vram *vram, struct page *page1,
			       struct page *page2)
{
	struct drm_pagemap_devmem *devmem;

	if (!xyz_page_is_ours(vram, page1) ||
	    drm_pagemap_page_zone_device_data(page1) !=
	    drm_pagemap_page_zone_device_data(page2))
		return false;
	devmem = drm_pagemap_page_to_devmem(page1);
	return devmem && to_xyz_bo(devmem)->vram == vram;
}

static void xyz_pagemap_destroy(struct drm_pagemap *dpagemap)
{
	drm_pagemap_destroy(dpagemap, false);
}

/* The pagemap is embedded in its region: nothing to free. */
static void xyz_vram_pagemap_destroy(struct drm_pagemap *dpagemap,
				     bool is_atomic_or_reclaim)
{
}

static const struct drm_pagemap_ops xyz_vram_pagemap_ops = {
	.destroy = xyz_vram_pagemap_destroy,
};

/* The pagemap embedded in @vram, with one reference. */
static int xyz_vram_pagemap_init(struct xyz_vram *vram)
{
	return drm_pagemap_init(&vram->dpagemap, &vram->pagemap, vram->drm,
				&xyz_vram_pagemap_ops);
}

/* The shrinker and the cache of @vram, released with its drm device. */
static int xyz_vram_cache_init(struct xyz_vram *vram)
{
	struct drm_pagemap_shrinker *shrinker;

	shrinker = drm_pagemap_shrinker_create_devm(vram->drm);
	if (IS_ERR(shrinker))
		return PTR_ERR(shrinker);
	vram->cache = drm_pagemap_cache_create_devm(shrinker);
	return PTR_ERR_OR_ZERO(vram->cache);
}

/* Zap the GPU page table of [start, end); the driver's own. */
static void xyz_zap(struct xyz_vm *vm, unsigned long start, unsigned long end)
{
}

/*
 * Upstream's contract: drm_gpusvm calls this for every blockable
 * invalidation, under the notifier lock held for write, and does nothing
 * else; the driver zaps, unmaps the pages and marks unmapped ranges.
 */
static void xyz_invalidate(struct drm_gpusvm *gpusvm,
			   struct drm_gpusvm_notifier *notifier,
			   const struct mmu_notifier_range *mmu_range)
{
	struct xyz_vm *vm = container_of(gpusvm, struct xyz_vm, svm);
	struct drm_gpusvm_range *range = NULL;

	struct drm_gpusvm_ctx ctx = { .in_notifier = 1, };

	drm_gpusvm_for_each_range(range, notifier, mmu_range->start,
				  mmu_range->end) {
		xyz_zap(vm, drm_gpusvm_range_start(range),
			drm_gpusvm_range_end(range));
		drm_gpusvm_unmap_pages(gpusvm, &to_xyz_range(range)->pages,
				       drm_gpusvm_range_size(range) >> PAGE_SHIFT,
				       &ctx);
		if (mmu_range->event == MMU_NOTIFY_UNMAP)
			drm_gpusvm_range_set_unmapped(range,
						      &to_xyz_range(range)->pages,
						      1, mmu_range);
	}
}

static struct drm_gpusvm_range *xyz_range_alloc(struct drm_gpusvm *gpusvm)
{
	struct xyz_vm *vm = container_of(gpusvm, struct xyz_vm, svm);
	struct xyz_range *range = kzalloc(sizeof(*range), GFP_KERNEL);

	if (!range)
		return NULL;
	drm_gpusvm_init_pages(&range->pages, vm->vram->drm);
	return &range->base;
}

static void xyz_range_free(struct drm_gpusvm_range *range)
{
	drm_gpusvm_free_pages(range->gpusvm, &to_xyz_range(range)->pages,
			      drm_gpusvm_range_size(range) >> PAGE_SHIFT);
	kfree(to_xyz_range(range));
}

/* Whether @range's pages are in device memory: a hint, without a lock. */
static bool xyz_range_in_vram(struct drm_gpusvm_range *range)
{
	struct drm_gpusvm_pages_flags flags = {
		.__flags = READ_ONCE(to_xyz_range(range)->pages.flags.__flags),
	};

	return flags.has_devmem_pages;
}

/* Collect the pages of @range and bind them, as a GPU fault does. */
static int xyz_range_bind(struct xyz_vm *vm, struct drm_gpusvm_range *range,
			  const struct drm_gpusvm_ctx *ctx)
{
	struct xyz_range *xrange = to_xyz_range(range);
	const struct drm_pagemap_addr *addr;
	bool contiguous;
	int err;

	err = drm_gpusvm_get_pages(&vm->svm, &xrange->pages, 1, vm->svm.mm,
				   &range->notifier->notifier,
				   drm_gpusvm_range_start(range),
				   drm_gpusvm_range_end(range), ctx);
	if (err == -EOPNOTSUPP)
		drm_gpusvm_range_evict(&vm->svm, range);
	if (err)
		return err;
	drm_gpusvm_notifier_lock(&vm->svm);
	if (!drm_gpusvm_pages_valid(&vm->svm, &xrange->pages)) {
		err = -EAGAIN;
	} else {
		addr = drm_gpusvm_pages_first_dma(&xrange->pages, &contiguous);
		if (!addr || (addr->proto != DRM_INTERCONNECT_SYSTEM &&
			      xrange->pages.dpagemap != &vm->vram->dpagemap))
			err = -EINVAL;
	}
	drm_gpusvm_notifier_unlock(&vm->svm);
	return err;
}

static const struct drm_gpusvm_ops xyz_gpusvm_ops = {
	.range_alloc = xyz_range_alloc,
	.range_free = xyz_range_free,
	.invalidate = xyz_invalidate,
};

static const unsigned long xyz_chunk_sizes[] = { SZ_2M, SZ_64K, SZ_4K };

/* The GPU fault handler, to the point where pages are collected. */
static int xyz_gpu_fault(struct xyz_vm *vm, unsigned long addr)
{
	struct drm_gpusvm_ctx ctx = {
		.device_private_page_owner = vm->vram->peer.owner,
		.check_pages_threshold = SZ_64K,
		.read_only = 0,
		.devmem_possible = 1,
		.devmem_only = 0,
		.allow_mixed = 1,
		.timeslice_ms = 5,
	};
	enum drm_gpusvm_scan_result scan;
	struct drm_gpusvm_range *range;
	int err = 0;

	mutex_lock(&vm->lock);
	range = drm_gpusvm_range_find_or_insert(&vm->svm, addr, 0, TASK_SIZE,
						&ctx);
	if (IS_ERR(range)) {
		err = PTR_ERR(range);
		goto out_unlock;
	}
	drm_gpusvm_range_get(range);
	if (xyz_range_in_vram(range))
		goto bind;
	scan = drm_gpusvm_scan_mm(range, vm->vram->peer.owner,
				  &vm->vram->pagemap);
	switch (scan) {
	case DRM_GPUSVM_SCAN_EQUAL:
		break;
	case DRM_GPUSVM_SCAN_OTHER:
	case DRM_GPUSVM_SCAN_MIXED_DEVICE:
		err = drm_gpusvm_range_evict(&vm->svm, range);
		break;
	case DRM_GPUSVM_SCAN_UNPOPULATED:
	case DRM_GPUSVM_SCAN_SYSTEM:
	case DRM_GPUSVM_SCAN_MIXED:
		err = xyz_prefetch(vm->vram, vm->svm.mm,
				   drm_gpusvm_range_start(range),
				   drm_gpusvm_range_end(range));
		if (err != -EBUSY)
			break;
		/*
		 * Some pages are here already (or raced): as xe, evict the
		 * range to system memory and migrate it whole once more.
		 */
		err = drm_gpusvm_range_evict(&vm->svm, range) ?:
		      xyz_prefetch(vm->vram, vm->svm.mm,
				   drm_gpusvm_range_start(range),
				   drm_gpusvm_range_end(range));
		break;
	}
bind:
	if (!err)
		err = xyz_range_bind(vm, range, &ctx);
	drm_gpusvm_range_put(range);
out_unlock:
	mutex_unlock(&vm->lock);
	return err;
}

/*
 * The garbage collector: remove the unmapped ranges in [start, end). The
 * callback unmapped their pages already; drm_gpusvm_range_remove() leaves
 * pages to the driver, so whatever is left is unmapped first.
 */
static void xyz_garbage_collect(struct xyz_vm *vm, unsigned long start,
				unsigned long end)
{
	struct drm_gpusvm_notifier *notifier, *next_notifier;
	struct drm_gpusvm_ctx ctx = {};
	struct drm_gpusvm_range *range, *next;

	lockdep_assert_held(&vm->lock);
	drm_gpusvm_for_each_notifier_safe(notifier, next_notifier, &vm->svm,
					  start, end) {
		drm_gpusvm_for_each_range_safe(range, next, notifier, start, end) {
			struct drm_gpusvm_range_flags flags = {
				.__flags = READ_ONCE(range->flags.__flags),
			};

			if (!flags.unmapped)
				continue;
			drm_gpusvm_unmap_pages(&vm->svm,
					       &to_xyz_range(range)->pages,
					       drm_gpusvm_range_size(range) >>
					       PAGE_SHIFT, &ctx);
			drm_gpusvm_range_remove(&vm->svm, range);
		}
	}
	if (!drm_gpusvm_notifier_find(&vm->svm, start, end))
		WARN_ON(drm_gpusvm_has_mapping(&vm->svm, start, end));
}

/* The number of ranges of @vm, and the size of its notifiers. */
static unsigned long xyz_count(struct xyz_vm *vm, unsigned long *bytes)
{
	struct drm_gpusvm_notifier *notifier;
	struct drm_gpusvm_range *range, *first;
	unsigned long count = 0, size = 0;

	drm_gpusvm_notifier_lock(&vm->svm);
	drm_gpusvm_for_each_notifier(notifier, &vm->svm, 0, LONG_MAX)
		size += drm_gpusvm_notifier_size(notifier);
	*bytes = size;
	for (notifier = drm_gpusvm_notifier_find(&vm->svm, 0, LONG_MAX);
	     notifier; notifier = __drm_gpusvm_notifier_next(notifier)) {
		first = drm_gpusvm_range_find(notifier,
					      drm_gpusvm_notifier_start(notifier),
					      drm_gpusvm_notifier_end(notifier));
		/* The first one, then the others from the second one on. */
		count += !!first;
		range = __drm_gpusvm_range_next(first);
		if (!range)
			continue;
		drm_gpusvm_for_each_range(range, notifier,
					  drm_gpusvm_notifier_start(notifier),
					  drm_gpusvm_notifier_end(notifier))
			count++;
	}
	drm_gpusvm_notifier_unlock(&vm->svm);
	return count;
}

/* Where a GPU VA window starting at @start first meets a CPU VMA. */
static unsigned long xyz_first_cpu_va(struct xyz_vm *vm, unsigned long start)
{
	return drm_gpusvm_find_vma_start(&vm->svm, start, TASK_SIZE);
}

/* Move an allocation the range's pages are in to the LRU's tail. */
static void xyz_devmem_bump(struct drm_pagemap_devmem *devmem)
{
}

/* A valid range is not migrated again: bump its memory on the LRU. */
static void xyz_range_bump(struct xyz_vm *vm, struct drm_gpusvm_range *range)
{
	struct drm_gpusvm_ctx ctx = {
		.device_private_page_owner = vm->vram->peer.owner,
		.devmem_fn = xyz_devmem_bump,
		.read_only = 1,
		.no_dma_map = 1,
	};

	drm_gpusvm_get_pages(&vm->svm, &to_xyz_range(range)->pages, 1,
			     vm->svm.mm, &range->notifier->notifier,
			     drm_gpusvm_range_start(range),
			     drm_gpusvm_range_end(range), &ctx);
}

static int xyz_vm_init(struct xyz_vm *vm, bool fault_mode)
{
	int err;

	if (!fault_mode)
		return drm_gpusvm_init(&vm->svm, "xyz (simple)", NULL, 0, 0, 0,
				       NULL, NULL, 0);
	err = drm_gpusvm_init(&vm->svm, "xyz", current->mm, 0, TASK_SIZE,
			      SZ_512M, &xyz_gpusvm_ops, xyz_chunk_sizes,
			      ARRAY_SIZE(xyz_chunk_sizes));
	if (!err)
		drm_gpusvm_driver_set_lock(&vm->svm, &vm->lock);
	return err;
}

static void xyz_vm_fini(struct xyz_vm *vm)
{
	drm_gpusvm_fini(&vm->svm);
}

/* Keep every function above referenced: the file is compiled, never run. */
static const void *const xyz_api_check_table[] __used = {
	xyz_owner_join, xyz_owner_leave, xyz_pagemap_is_active, xyz_migrate,
	xyz_bo_create,
	xyz_evict, xyz_page_is_ours, xyz_pages_share_bo, xyz_pagemap_revive,
	xyz_pagemap_destroy, xyz_vram_pagemap_init, xyz_vram_cache_init,
	xyz_gpu_fault,
	xyz_garbage_collect, xyz_count, xyz_first_cpu_va, xyz_vm_fini,
	xyz_vm_init, xyz_range_bump,
};

MODULE_LICENSE("GPL");
