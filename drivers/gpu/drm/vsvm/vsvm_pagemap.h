/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vsvm pagemap: the drm_pagemap of a vsvm device's VRAM, its device-memory
 * allocations, its peer addresses and DRM_IOCTL_VSVM_DEVMEM_OPEN: the
 * structures they share, and the functions of vsvm_pagemap.c,
 * vsvm_pagemap_dev.c, vsvm_devmem.c, vsvm_p2p.c, vsvm_debugfs.c and
 * vsvm_devmem_open.c.
 */
#ifndef _VSVM_PAGEMAP_H_
#define _VSVM_PAGEMAP_H_

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/llist.h>
#include <linux/spinlock.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#include <drm/drm_pagemap.h>
#include <drm/drm_pagemap_p2p.h>
#include <drm/drm_pagemap_util.h>

struct drm_device;
struct drm_file;
struct device;
struct resource;
struct seq_file;
struct vsvm_copy_engine;
struct vsvm_vram;
struct vsvm_vram_alloc;

/**
 * struct vsvm_pagemap_dev - the pagemap side of one device with VRAM
 * @drm: the DRM device, or NULL (KUnit); not referenced by the pagemaps
 * @dev: the device owning the VRAM and doing the copies
 * @vram: the VRAM; set to NULL by vsvm_devmem_dev_fini() under @free_lock
 * @engine: the copy engine that migrates to and from @vram
 * @ep: the interconnect endpoint of the device (for the owner predicate)
 * @peer: the device's place in the module-wide owner list
 * @shrinker: destroys the inactive pagemap under memory pressure
 * @cache: holds the device's one pagemap (VRAM region 0)
 * @free_lock: protects @vram against the deferred frees, and is held by
 *	vsvm_devmem_reap() while it frees what it took off @free_list
 *	(vsvm_devmem_reap())
 * @free_list: devmem allocations released (possibly in atomic context)
 *	and waiting for vsvm_devmem_reap() to free their VRAM
 * @free_work: reaps @free_list when no allocation has done it for a while
 * @lru_lock: protects @lru, @owners, @evict_seq and the LRU fields of the
 *	allocations (&vsvm_devmem.lru_link, .last_use, .evict_seq, .filling,
 *	.evicting); a spinlock, innermost, taken with interrupts off
 * @lru: the live devmem allocations, least recently used first
 * @owners: per VRAM page, the live allocation holding it, or NULL
 * @nr_owners: the number of entries of @owners (VRAM pages)
 * @evict_seq: numbers the eviction passes (one per allocation that had to
 *	evict), so that a pass tries each victim once
 * @devmem_live: devmem allocations not freed yet
 * @pages_in: pages migrated into the VRAM through the devmem ops, by any
 *	device's engine (a peer's copies them in, see vsvm_p2p_count_copy())
 * @pages_out: pages copied back to system memory
 * @created: pagemaps created for the device
 * @evictions: allocations evicted to system memory to make room
 * @evicted_pages: pages those evictions moved to system memory
 * @evict_busy: victims that stayed (partly) in VRAM, busy
 * @evict_fail: allocations that failed for lack of VRAM after eviction
 * @index: the device's index in the device registry (vsvm_registry.c),
 *	from vsvm_pagemap_dev_init() to vsvm_pagemap_dev_fini(): its DRM
 *	device's, or one of its own (@own_index)
 * @own_index: @index was allocated for @pd, which has no DRM device
 * @p2p_base: the first address of the VRAM as a peer sees it (a PCI bus
 *	address of the BAR, or the device's fabric aperture), constant while
 *	@p2p_size is nonzero
 * @p2p_size: the bytes of VRAM peers reach from @p2p_base, 0 when the VRAM
 *	is not exported to peers
 * @p2p_window_size: the size of each copy-engine window registered from
 *	@p2p_base on (one per VRAM chunk, or one for a BAR)
 * @fabric_slot: the device's slot in the fabric address space, or -1
 * @sys_to_vram: pages copied from system memory into the VRAM
 * @vram_to_sys: pages copied from the VRAM to system memory
 * @p2p_in: pages copied into the VRAM from a peer's VRAM, directly (by
 *	the peer's engine)
 * @p2p_out: pages of the VRAM copied directly into a peer's VRAM (by this
 *	device's engine)
 * @local_in: pages copied from the VRAM into the VRAM (a re-migration)
 * @pfn_first: the first pfn of the pagemap created last (the one of
 *	@cache, if it holds one), for debugfs
 *
 * LRU: an allocation enters @lru at the tail when it is created for a
 * migration (marked filling: never a victim until the migration returned)
 * and moves to the tail whenever it is used: migrated into, or a page of
 * it mapped for a GPU (&drm_pagemap_ops.device_map, called when a VM binds
 * the page). It leaves @lru when it is released (its last page is gone).
 * When VRAM runs out, the allocation being made evicts victims from the
 * head (drm_pagemap_evict_to_ram()) until it fits; filling, evicting and
 * already-tried allocations are skipped, and busy ones (locked or
 * referenced pages) stay partly in VRAM.
 *
 * Lock order: &vsvm_vm.lock -> mmap_lock (read, of any mm) -> the page
 * locks and rmap locks of the victims (trylocked by the migration core) ->
 * &drm_gpusvm.notifier_lock (of any VM: the eviction invalidates the
 * victims' mappings) -> @lru_lock; and mmap_lock -> &vsvm_vram.lock.
 * Eviction runs under the faulting mm's mmap lock (and a VM lock) but
 * holds no lock of its own across drm_pagemap_evict_to_ram(): victims are
 * pinned by a reference (&vsvm_devmem.ref), not a lock, and the VRAM they
 * free is collected by vsvm_devmem_reap(), which takes only @free_lock
 * and &vsvm_vram.lock. @free_lock (a mutex) is taken by
 * vsvm_devmem_reap() (from an allocation, under mmap_lock and a VM lock,
 * from @free_work and from the debugfs and query readers) and by
 * vsvm_devmem_dev_fini(), always around &vsvm_vram.lock and never around
 * another lock.
 */
struct vsvm_pagemap_dev {
	struct drm_device *drm;
	struct device *dev;
	struct vsvm_vram *vram;
	struct vsvm_copy_engine *engine;
	struct drm_pagemap_p2p_endpoint ep;
	struct drm_pagemap_peer peer;
	struct drm_pagemap_shrinker *shrinker;
	struct drm_pagemap_cache *cache;
	/* protects @vram against the deferred frees of vsvm_devmem_reap() */
	struct mutex free_lock;
	struct llist_head free_list;
	struct delayed_work free_work;
	/* protects lru, owners, evict_seq and the allocations' LRU fields */
	spinlock_t lru_lock;
	struct list_head lru;
	struct vsvm_devmem **owners;
	unsigned long nr_owners;
	u64 evict_seq;
	atomic_t devmem_live;
	atomic64_t pages_in;
	atomic64_t pages_out;
	atomic64_t created;
	atomic64_t evictions;
	atomic64_t evicted_pages;
	atomic64_t evict_busy;
	atomic64_t evict_fail;
	u32 index;
	bool own_index;
	u64 p2p_base;
	u64 p2p_size;
	u64 p2p_window_size;
	int fabric_slot;
	atomic64_t sys_to_vram;
	atomic64_t vram_to_sys;
	atomic64_t p2p_in;
	atomic64_t p2p_out;
	atomic64_t local_in;
	unsigned long pfn_first;
};

/**
 * struct vsvm_pagemap - the drm_pagemap of a device's VRAM
 * @dpagemap: the drm_pagemap
 * @pgmap: its MEMORY_DEVICE_PRIVATE dev_pagemap; device page pfn_first + i
 *	is VRAM offset i * PAGE_SIZE
 * @res: the free physical range @pgmap spans
 * @pd: the device
 * @dev: the device owning the VRAM (&vsvm_pagemap_dev.dev), referenced:
 *	unlike @pd, it stays valid while a revoked pagemap outlives its device
 * @pfn_first: the pfn of the page of VRAM offset 0
 */
struct vsvm_pagemap {
	struct drm_pagemap dpagemap;
	struct dev_pagemap pgmap;
	struct resource *res;
	struct vsvm_pagemap_dev *pd;
	struct device *dev;
	unsigned long pfn_first;
};

/**
 * struct vsvm_devmem - one VRAM allocation backing migrated pages
 * @base: the drm_pagemap allocation
 * @vpm: the pagemap of the pages
 * @alloc: the VRAM
 * @free_link: link in &vsvm_pagemap_dev.free_list once released
 * @ref: one reference held by the device pages (dropped by
 *	&drm_pagemap_devmem_ops.devmem_release when the last one goes or the
 *	migration fails), one by the migration filling it until
 *	vsvm_devmem_filled(), one by an evictor while it evicts it; the last
 *	put takes it off the LRU and queues its VRAM to be freed
 * @lru_link: link in &vsvm_pagemap_dev.lru while @ref is nonzero
 * @created: jiffies at creation
 * @last_use: jiffies of the last use (see &struct vsvm_pagemap_dev)
 * @evict_seq: the last eviction pass that tried it
 * @filling: being filled by its migration: not a victim
 * @evicting: being evicted: not a victim of another pass
 *
 * The LRU fields are protected by &vsvm_pagemap_dev.lru_lock.
 */
struct vsvm_devmem {
	struct drm_pagemap_devmem base;
	struct vsvm_pagemap *vpm;
	struct vsvm_vram_alloc *alloc;
	struct llist_node free_link;
	struct kref ref;
	struct list_head lru_link;
	unsigned long created;
	unsigned long last_use;
	u64 evict_seq;
	bool filling;
	bool evicting;
};

/* vsvm_pagemap_dev.c: set-up and tear-down */
int vsvm_pagemap_dev_init(struct vsvm_pagemap_dev *pd, struct drm_device *drm,
			  struct device *dev, struct vsvm_vram *vram,
			  struct vsvm_copy_engine *engine, bool sysmem);
int vsvm_pagemap_dev_init_fabric(struct vsvm_pagemap_dev *pd,
				 struct drm_device *drm, struct device *dev,
				 struct vsvm_vram *vram,
				 struct vsvm_copy_engine *engine,
				 const char *fabric);
void vsvm_pagemap_dev_fini(struct vsvm_pagemap_dev *pd);

/* vsvm_pagemap.c: the drm_pagemap and its ops */
struct drm_pagemap *vsvm_pagemap_get(struct vsvm_pagemap_dev *pd);
void vsvm_pagemap_module_exit(void);
void *vsvm_pagemap_vram_va(void *vram, u64 offset, u64 *avail);

/* vsvm_devmem.c: allocations, copies, LRU eviction */
int vsvm_devmem_dev_init(struct vsvm_pagemap_dev *pd);
void vsvm_devmem_dev_fini(struct vsvm_pagemap_dev *pd);
struct vsvm_devmem *vsvm_devmem_create(struct vsvm_pagemap *vpm,
				       struct mm_struct *mm, size_t size);
void vsvm_devmem_filled(struct vsvm_devmem *vd);
void vsvm_devmem_reap(struct vsvm_pagemap_dev *pd);
void vsvm_devmem_touch(struct vsvm_pagemap_dev *pd, u64 offset);
unsigned long vsvm_devmem_pages_in_vram(struct vsvm_devmem *vd);

/* vsvm_p2p.c: peer addresses and path accounting */
int vsvm_p2p_export(struct vsvm_pagemap_dev *pd);
void vsvm_p2p_unexport(struct vsvm_pagemap_dev *pd);
void vsvm_p2p_count_copy(struct vsvm_pagemap_dev *pd,
			 const struct drm_pagemap_addr *addr,
			 unsigned long npages, bool to_vram);
struct drm_pagemap_link vsvm_pagemap_link(struct vsvm_pagemap_dev *a,
					  struct vsvm_pagemap_dev *b);

/* vsvm_debugfs.c */
void vsvm_pagemap_show(struct vsvm_pagemap_dev *pd, struct seq_file *m);
void vsvm_pagemap_allocations_show(struct vsvm_pagemap_dev *pd,
				   struct seq_file *m);

/* vsvm_devmem_open.c: DRM_IOCTL_VSVM_DEVMEM_OPEN */
int vsvm_devmem_open_ioctl(struct drm_device *drm, void *data,
			   struct drm_file *file);
int vsvm_devmem_open_ioctl_user(struct drm_device *drm, void *data,
				struct drm_file *file);

/**
 * to_vsvm_pagemap() - the vsvm pagemap of a drm_pagemap
 * @dpagemap: a drm_pagemap created by vsvm_pagemap_get()
 *
 * Return: the &struct vsvm_pagemap.
 */
static inline struct vsvm_pagemap *to_vsvm_pagemap(struct drm_pagemap *dpagemap)
{
	return container_of(dpagemap, struct vsvm_pagemap, dpagemap);
}

/**
 * vsvm_pagemap_of_page() - the vsvm pagemap of a device page
 * @page: a device page of a vsvm pagemap
 *
 * Return: the &struct vsvm_pagemap whose dev_pagemap holds @page.
 */
static inline struct vsvm_pagemap *vsvm_pagemap_of_page(struct page *page)
{
	return container_of(page->pgmap, struct vsvm_pagemap, pgmap);
}

/**
 * vsvm_pagemap_page_offset() - the VRAM offset of a device page
 * @vpm: the pagemap of @page
 * @page: a device page of @vpm
 *
 * Return: the offset in bytes.
 */
static inline u64 vsvm_pagemap_page_offset(struct vsvm_pagemap *vpm,
					   struct page *page)
{
	return (u64)(page_to_pfn(page) - vpm->pfn_first) << PAGE_SHIFT;
}

#endif
