/* SPDX-License-Identifier: GPL-2.0 */
/*
 * drm_pagemap: refcounted device-memory pagemaps shared between the devices
 * of one interconnect owner group, and the helpers that migrate memory into
 * and out of them.
 */
#ifndef _DRM_MSVM_DRM_PAGEMAP_H_
#define _DRM_MSVM_DRM_PAGEMAP_H_

#include <linux/dma-direction.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/llist.h>
#include <linux/memremap.h>
#include <linux/mm_types.h>
#include <linux/rwsem.h>
#include <linux/types.h>
#include <linux/wait.h>

/**
 * NR_PAGES() - the number of pages of a page order
 * @order: the order
 */
#define NR_PAGES(order) (1U << (order))

struct device;
struct dma_fence;
struct drm_device;
struct drm_pagemap;
struct drm_pagemap_cache;
struct drm_pagemap_dev_hold;
struct drm_pagemap_shrinker;
struct drm_pagemap_zdd;
struct file;
struct mm_struct;
struct page;

/**
 * enum drm_interconnect_protocol - how a device reaches a page
 * @DRM_INTERCONNECT_SYSTEM: a DMA address of system memory
 * @DRM_INTERCONNECT_DRIVER: a device-local address (the device's own VRAM)
 * @DRM_INTERCONNECT_P2P: a PCIe peer-to-peer bus address of a peer's VRAM
 */
enum drm_interconnect_protocol {
	DRM_INTERCONNECT_SYSTEM,
	DRM_INTERCONNECT_DRIVER,
	DRM_INTERCONNECT_P2P,
};

/**
 * struct drm_pagemap_addr - a page's address as seen by one device
 * @addr: the address
 * @proto: the &enum drm_interconnect_protocol of @addr
 * @order: the page order mapped at @addr
 * @dir: the &enum dma_data_direction of the mapping
 */
struct drm_pagemap_addr {
	dma_addr_t addr;
	u64 proto : 54;
	u64 order : 8;
	u64 dir : 2;
};

/**
 * drm_pagemap_addr_encode() - build a &struct drm_pagemap_addr
 * @addr: the address
 * @proto: the protocol of @addr
 * @order: the page order
 * @dir: the DMA direction
 *
 * Return: the encoded address.
 */
static inline struct drm_pagemap_addr
drm_pagemap_addr_encode(dma_addr_t addr,
			enum drm_interconnect_protocol proto,
			unsigned int order, enum dma_data_direction dir)
{
	return (struct drm_pagemap_addr) {
		.addr = addr, .proto = proto, .order = order, .dir = dir,
	};
}

/**
 * struct drm_pagemap_ops - operations of a &struct drm_pagemap provider
 */
struct drm_pagemap_ops {
	/**
	 * @device_map: map a device-private @page of this pagemap for access
	 * by @dev: the device's own VRAM address when @dev owns the pagemap,
	 * a P2P bus address when @dev is a peer with an interconnect.
	 */
	struct drm_pagemap_addr (*device_map)(struct drm_pagemap *dpagemap,
					      struct device *dev,
					      struct page *page,
					      unsigned int order,
					      enum dma_data_direction dir);
	/**
	 * @device_unmap: undo @device_map.
	 */
	void (*device_unmap)(struct drm_pagemap *dpagemap, struct device *dev,
			     const struct drm_pagemap_addr *addr);
	/**
	 * @populate_mm: migrate [@start, @end) of @mm into this pagemap. Called
	 * with @mm referenced and its mmap lock held for read.
	 */
	int (*populate_mm)(struct drm_pagemap *dpagemap, unsigned long start,
			   unsigned long end, struct mm_struct *mm,
			   unsigned long timeslice_ms);
	/**
	 * @destroy: tear down the pagemap and free it (it is usually embedded
	 * in a provider structure). @is_atomic_or_reclaim tells that the
	 * caller may not sleep on locks reclaim takes; drm_msvm defers
	 * destruction from such contexts to its own workqueue, so it always
	 * calls @destroy from process context with the flag false.
	 */
	void (*destroy)(struct drm_pagemap *dpagemap, bool is_atomic_or_reclaim);
};

/**
 * struct drm_pagemap - a refcounted device-memory pagemap
 * @ops: the provider's operations
 * @ref: the reference count; at zero the pagemap goes to its cache (inactive,
 *	 may be revived) or, uncached, is destroyed
 * @drm: the provider's drm device (referenced while the pagemap is active),
 *	 or NULL
 * @pagemap: the MEMORY_DEVICE_PRIVATE &struct dev_pagemap; its owner is the
 *	     interconnect owner of the device (see drm_pagemap_acquire_owner())
 * @cache: the cache this pagemap belongs to, or NULL. Protected by the
 *	   cache's shrinker lock and the cache lock (both for writing).
 * @shrinker: the shrinker of @cache, fixed at drm_pagemap_cache_set_pagemap()
 * @shrink_link: link in the shrinker's list of inactive pagemaps, protected
 *		 by the shrinker lock; empty while the pagemap is active
 * @destroy_link: link in the deferred-destroy list
 * @revoke_sem: write-held by drm_pagemap_revoke() while it sets @revoked;
 *		read-held by migrations into this pagemap
 * @revoked: set once by drm_pagemap_revoke(): no migration into the
 *	     pagemap is accepted any longer (-ENODEV)
 * @populating: drm_pagemap_populate_mm() calls in flight, which
 *		drm_pagemap_revoke() waits for: their populate_mm op may
 *		allocate device memory before its migration sees @revoked
 * @populate_wq: where drm_pagemap_revoke() waits for @populating to be 0
 * @dev_hold: the references on @drm and the provider module of an active
 *	      pagemap, NULL while it is inactive (see drm_pagemap_init()).
 *	      Private to drm_msvm; for a cached pagemap changed under its
 *	      shrinker's lock.
 */
struct drm_pagemap {
	const struct drm_pagemap_ops *ops;
	struct kref ref;
	struct drm_device *drm;
	struct dev_pagemap *pagemap;
	struct drm_pagemap_cache *cache;
	struct drm_pagemap_shrinker *shrinker;
	struct list_head shrink_link;
	struct llist_node destroy_link;
	struct rw_semaphore revoke_sem;
	bool revoked;
	atomic_t populating;
	wait_queue_head_t populate_wq;
	struct drm_pagemap_dev_hold *dev_hold;
};

struct drm_pagemap_devmem;

/**
 * struct drm_pagemap_devmem_ops - operations of a device-memory allocation
 *
 * The copy operations must have completed the copy when they return: the
 * migration commits right after.
 */
struct drm_pagemap_devmem_ops {
	/**
	 * @devmem_release: the last device page of the allocation is gone;
	 * free the device memory. May be called in atomic context (from
	 * &dev_pagemap_ops.page_free), so it must not sleep.
	 */
	void (*devmem_release)(struct drm_pagemap_devmem *devmem_allocation);
	/**
	 * @populate_devmem_pfn: fill @pfn with the @npages pfns of the device
	 * pages backing the allocation, in order. Return 0 or a negative errno.
	 */
	int (*populate_devmem_pfn)(struct drm_pagemap_devmem *devmem_allocation,
				   unsigned long npages, unsigned long *pfn);
	/**
	 * @copy_to_devmem: copy @npages pages into the device pages @pages
	 * (of this allocation) from the sources @src: DMA addresses of system
	 * pages for this allocation's device (%DRM_INTERCONNECT_SYSTEM).
	 * drm_pagemap_migrate_to_devmem() never hands it device pages: a
	 * peer's are copied by the peer's @copy_to_ram. A source of address 0
	 * is a page that was never populated: the device page must be filled
	 * with zeroes, nothing is mapped to copy from. When
	 * @pre_migrate_fence is not NULL, no data may be written to @pages
	 * before it signals: the op waits for it, or queues the copy behind
	 * it, and has done the copy when it returns.
	 * Return 0 or a negative errno.
	 */
	int (*copy_to_devmem)(struct page **pages,
			      struct drm_pagemap_addr *src,
			      unsigned long npages,
			      struct dma_fence *pre_migrate_fence);
	/**
	 * @copy_to_ram: copy @npages device pages @pages (of this allocation's
	 * pagemap) out to @dst: the DMA addresses of system pages for this
	 * allocation's device (%DRM_INTERCONNECT_SYSTEM), or, when
	 * drm_pagemap_migrate_to_devmem() migrates them into another
	 * allocation (of a peer pagemap of the same owner, or of this one
	 * with &drm_pagemap_migrate_details.can_migrate_same_pagemap), the
	 * destination pages' addresses as the destination pagemap's
	 * @device_map gives them to this allocation's device (a peer address,
	 * or this device's own). All @dst of one call have the same protocol.
	 * No data may be written to @dst before @pre_migrate_fence (the
	 * destination allocation's, may be NULL) signaled, as for
	 * @copy_to_devmem. Return 0 or a negative errno.
	 */
	int (*copy_to_ram)(struct page **pages,
			   struct drm_pagemap_addr *dst,
			   unsigned long npages,
			   struct dma_fence *pre_migrate_fence);
};

/**
 * struct drm_pagemap_devmem - one device-memory allocation backing a range
 * @dev: the device that copies (DMA-maps system pages for it)
 * @mm: the mm the allocation was made for, or NULL. Not referenced by the
 *	framework: whoever made the allocation keeps the mm_struct valid
 *	(mmgrab()) for as long as the allocation exists, because
 *	drm_pagemap_evict_to_ram() and drm_pagemap_revoke() reach the pages
 *	through it
 * @ops: the allocation's operations
 * @dpagemap: the pagemap the memory belongs to
 * @size: the size in bytes (a multiple of PAGE_SIZE)
 * @start: the address in @mm of the range migrated into the allocation, set
 *	   by drm_pagemap_migrate_to_devmem() (a drm-msvm extension)
 * @pgoff: the page offset in its VMA of @start, which mremap() keeps: where
 *	   eviction finds the pages again once moved (a drm-msvm extension)
 * @timeslice_expiration: jiffies before which the first attempt of a CPU
 *			  fault on the allocation backs off (drops the mmap
 *			  lock and has the fault retried) instead of
 *			  migrating it back (set at migration)
 * @pre_migrate_fence: a fence the copies into the allocation wait for (the
 *		       driver's clearing or eviction of the memory), or NULL.
 *		       The allocation holds the reference it was given;
 *		       drm_pagemap_migrate_to_devmem() drops it once the
 *		       migration succeeded, else the driver's
 *		       &drm_pagemap_devmem_ops.devmem_release does.
 */
struct drm_pagemap_devmem {
	struct device *dev;
	struct mm_struct *mm;
	const struct drm_pagemap_devmem_ops *ops;
	struct drm_pagemap *dpagemap;
	size_t size;
	unsigned long start;
	pgoff_t pgoff;
	u64 timeslice_expiration;
	struct dma_fence *pre_migrate_fence;
};

/**
 * struct drm_pagemap_migrate_details - options of a migration to device memory
 * @timeslice_ms: for how long after the migration the first attempt of a
 *		  CPU fault backs off before migrating the allocation back to
 *		  system memory; the fault's retry migrates, nothing sleeps
 * @can_migrate_same_pagemap: the copy_to_ram of the destination pagemap's
 *			      allocations can copy within that pagemap, so
 *			      pages already in the destination pagemap (in
 *			      another allocation) are migrated into the new
 *			      allocation with the others; without it a range
 *			      only partly there is refused with -EBUSY (see
 *			      drm_pagemap_migrate_to_devmem())
 */
struct drm_pagemap_migrate_details {
	unsigned long timeslice_ms;
	u32 can_migrate_same_pagemap : 1;
};

int drm_pagemap_init(struct drm_pagemap *dpagemap,
		     struct dev_pagemap *pagemap, struct drm_device *drm,
		     const struct drm_pagemap_ops *ops);
struct drm_pagemap *drm_pagemap_create(struct drm_device *drm,
				       struct dev_pagemap *pagemap,
				       const struct drm_pagemap_ops *ops);
int drm_pagemap_reinit(struct drm_pagemap *dpagemap);

/**
 * drm_pagemap_get() - take a reference on a pagemap
 * @dpagemap: the pagemap, or NULL; the caller already holds a reference
 *
 * Return: @dpagemap.
 */
static inline struct drm_pagemap *drm_pagemap_get(struct drm_pagemap *dpagemap)
{
	if (likely(dpagemap))
		kref_get(&dpagemap->ref);
	return dpagemap;
}

/**
 * drm_pagemap_get_unless_zero() - take a reference unless the count is zero
 * @dpagemap: the pagemap, or NULL
 *
 * Return: @dpagemap, or NULL when @dpagemap is NULL or inactive.
 */
static inline struct drm_pagemap *
drm_pagemap_get_unless_zero(struct drm_pagemap *dpagemap)
{
	return (dpagemap && kref_get_unless_zero(&dpagemap->ref)) ?
		dpagemap : NULL;
}

void drm_pagemap_put(struct drm_pagemap *dpagemap);
void drm_pagemap_destroy(struct drm_pagemap *dpagemap, bool is_atomic_or_reclaim);
void drm_pagemap_flush_destroyed(void);
void drm_pagemap_flush_released(void);

struct drm_pagemap *drm_pagemap_page_to_dpagemap(struct page *page);
struct drm_pagemap_devmem *drm_pagemap_page_to_devmem(struct page *page);

/**
 * drm_pagemap_page_zone_device_data() - the per-allocation object of a page
 * @page: a device-private page of a &struct drm_pagemap
 *
 * The object is opaque: drivers compare it, to tell whether two pages
 * belong to the same device-memory allocation.
 *
 * Return: the page's &struct drm_pagemap_zdd, or NULL.
 */
static inline struct drm_pagemap_zdd *
drm_pagemap_page_zone_device_data(struct page *page)
{
	return page->zone_device_data;
}

const struct dev_pagemap_ops *drm_pagemap_pagemap_ops_get(void);

void drm_pagemap_devmem_init(struct drm_pagemap_devmem *devmem_allocation,
			     struct device *dev, struct mm_struct *mm,
			     const struct drm_pagemap_devmem_ops *ops,
			     struct drm_pagemap *dpagemap, size_t size,
			     struct dma_fence *pre_migrate_fence);
int drm_pagemap_migrate_to_devmem(struct drm_pagemap_devmem *devmem_allocation,
				  struct mm_struct *mm,
				  unsigned long start, unsigned long end,
				  const struct drm_pagemap_migrate_details *mdetails);
int drm_pagemap_evict_to_ram(struct drm_pagemap_devmem *devmem_allocation);
int drm_pagemap_evict_to_ram_held(struct drm_pagemap_devmem *devmem_allocation,
				  struct mm_struct *held_mm);
/* drm-msvm extension: migration of a VA range to RAM without CPU faults. */
int drm_pagemap_migrate_range_to_ram(struct mm_struct *mm, unsigned long start,
				     unsigned long end, void *pgmap_owner);
int drm_pagemap_populate_mm(struct drm_pagemap *dpagemap,
			    unsigned long start, unsigned long end,
			    struct mm_struct *mm, unsigned long timeslice_ms);
int drm_pagemap_revoke(struct drm_pagemap *dpagemap);
/* drm-msvm extension: hold a pagemap against drm_pagemap_revoke(). */
bool drm_pagemap_enter(struct drm_pagemap *dpagemap);
void drm_pagemap_exit(struct drm_pagemap *dpagemap);

/**
 * struct drm_pagemap_stats - the global pagemap counters (also in debugfs)
 * @active: pagemaps with a nonzero reference count
 * @inactive: pagemaps kept by a cache with a zero reference count
 * @revived: inactive pagemaps taken back into use by a cache lookup
 * @destroyed: pagemaps destroyed
 * @zdds: live per-allocation objects (one per migrated allocation)
 */
struct drm_pagemap_stats {
	s64 active;
	s64 inactive;
	s64 revived;
	s64 destroyed;
	s64 zdds;
};

void drm_pagemap_stats_get(struct drm_pagemap_stats *stats);

#endif
