/* SPDX-License-Identifier: GPL-2.0 */
/*
 * drm_gpusvm: per-device, per-VM shared virtual memory ranges, their MMU
 * interval notifiers, page collection (HMM) and invalidation.
 */
#ifndef _DRM_MSVM_DRM_GPUSVM_H_
#define _DRM_MSVM_DRM_GPUSVM_H_

#include <linux/interval_tree.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/lockdep.h>
#include <linux/mmu_notifier.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/types.h>

#include <drm/drm_pagemap.h>

struct dev_pagemap;
struct drm_device;
struct drm_gpusvm;
struct drm_gpusvm_notifier;
struct drm_gpusvm_range;
struct mm_struct;
struct page;

/**
 * struct drm_gpusvm_ops - driver callbacks of a &struct drm_gpusvm
 */
struct drm_gpusvm_ops {
	/**
	 * @notifier_alloc: allocate a notifier (optional; kzalloc when NULL).
	 * A driver embedding &struct drm_gpusvm_notifier in a larger struct
	 * allocates it here.
	 */
	struct drm_gpusvm_notifier *(*notifier_alloc)(void);
	/**
	 * @notifier_free: free a notifier from @notifier_alloc (optional).
	 */
	void (*notifier_free)(struct drm_gpusvm_notifier *notifier);
	/**
	 * @range_alloc: allocate a range (optional; kzalloc when NULL).
	 */
	struct drm_gpusvm_range *(*range_alloc)(struct drm_gpusvm *gpusvm);
	/**
	 * @range_free: free a range from @range_alloc (optional).
	 */
	void (*range_free)(struct drm_gpusvm_range *range);
	/**
	 * @invalidate: stop the device from using any page of [@mmu_range->start,
	 * @mmu_range->end) in @notifier (required). Called from the MMU
	 * notifier with the notifier lock held for write, for every blockable
	 * invalidation that meets @notifier (drm_gpusvm refuses the others),
	 * whatever the ranges hold. As upstream's, the driver does all of it:
	 * zap the GPU page table entries of every range the interval meets,
	 * even partly, wait for the GPU to stop using them, unmap their pages
	 * (drm_gpusvm_unmap_pages() or drm_gpusvm_range_unmap_pages() with
	 * &drm_gpusvm_ctx.in_notifier), and on MMU_NOTIFY_UNMAP mark them
	 * (drm_gpusvm_range_set_unmapped()) for its garbage collector; drm_gpusvm
	 * unmaps nothing after it returns. Must not take the driver lock, nor
	 * allocate memory with reclaim (GFP_KERNEL), nor fault. May sleep.
	 */
	void (*invalidate)(struct drm_gpusvm *gpusvm,
			   struct drm_gpusvm_notifier *notifier,
			   const struct mmu_notifier_range *mmu_range);
};

/**
 * struct drm_gpusvm_notifier - one notifier-size chunk of the VA space
 * @gpusvm: the owning instance
 * @notifier: the MMU interval notifier covering the chunk
 * @itree: node in &drm_gpusvm.root (start and last, inclusive)
 * @entry: link in &drm_gpusvm.notifier_list, in address order
 * @root: interval tree of the &struct drm_gpusvm_range of this notifier
 * @range_list: the ranges of this notifier, in address order
 * @flags: state flags
 * @flags.removed: the notifier is being removed
 *
 * Created with its first range, removed when its last range goes. @root and
 * @range_list are modified with the driver lock and the notifier lock (write)
 * held, so either lock is enough to walk them.
 */
struct drm_gpusvm_notifier {
	struct drm_gpusvm *gpusvm;
	struct mmu_interval_notifier notifier;
	struct interval_tree_node itree;
	struct list_head entry;
	struct rb_root_cached root;
	struct list_head range_list;
	struct {
		u32 removed : 1;
	} flags;
};

/**
 * struct drm_gpusvm_pages_flags - state of a &struct drm_gpusvm_pages
 * @unmapped: the CPU VA of the pages was unmapped: no more get_pages
 * @has_devmem_pages: the pages hold device-private pages
 * @has_dma_mapping: the pages hold DMA-mapped system pages
 * @inline_dma_mapping: the one address is in &drm_gpusvm_pages.inline_addr
 *	(drm-msvm never sets it: its addresses are always in the array)
 * @read_only: the pages were collected without write access (a drm-msvm
 *	extension)
 * @__flags: all the flags as one u16, for READ_ONCE()
 *
 * Written under the notifier lock held for write; read under it, or with
 * READ_ONCE() of @__flags as a hint.
 */
struct drm_gpusvm_pages_flags {
	union {
		struct {
			u16 unmapped : 1;
			u16 has_devmem_pages : 1;
			u16 has_dma_mapping : 1;
			u16 inline_dma_mapping : 1;
			u16 read_only : 1;
		};
		u16 __flags;
	};
};

/**
 * struct drm_gpusvm_pages - the pages of a VA range, mapped for one device
 * @drm: the device the pages are DMA-mapped for (&drm_device.dev)
 * @dma_addr: one entry per page, filled at the index of the first page of
 *	each mapped chunk of 1 << order pages (the others are zero); NULL until
 *	the first get_pages
 * @inline_addr: upstream's single-address form, unused by drm-msvm (see
 *	drm_gpusvm_pages_first_dma())
 * @dpagemap: the pagemap of the device pages in @dma_addr, or NULL
 * @notifier_seq: notifier sequence of the last successful get_pages
 * @flags: &struct drm_gpusvm_pages_flags
 *
 * Initialized with drm_gpusvm_init_pages(), filled by
 * drm_gpusvm_get_pages(), dropped by drm_gpusvm_unmap_pages() and freed by
 * drm_gpusvm_free_pages(). @dma_addr, @dpagemap, @notifier_seq and @flags
 * change under the notifier lock held for write, so they are stable while
 * it is held for read (drm_gpusvm_notifier_lock()). Upstream's IOVA state
 * (@state, @state_offset) is absent: the kernels drm-msvm builds for have
 * no IOVA DMA API.
 */
struct drm_gpusvm_pages {
	struct drm_device *drm;
	union {
		struct drm_pagemap_addr *dma_addr;
		struct drm_pagemap_addr inline_addr;
	};
	struct drm_pagemap *dpagemap;
	unsigned long notifier_seq;
	struct drm_gpusvm_pages_flags flags;
};

/**
 * struct drm_gpusvm_range_flags - state of a &struct drm_gpusvm_range
 * @migrate_devmem: the range may be migrated to device memory
 * @unmapped: the CPU VA of the range was (partly) unmapped
 *	(drm_gpusvm_range_set_unmapped()); the range waits for the driver's
 *	garbage collector
 * @partial_unmap: only part of the range was unmapped
 * @__flags: all the flags as one u16, for READ_ONCE()
 *
 * Written under the notifier lock (write) once the range is in the tree.
 */
struct drm_gpusvm_range_flags {
	union {
		struct {
			u16 migrate_devmem : 1;
			u16 unmapped : 1;
			u16 partial_unmap : 1;
		};
		u16 __flags;
	};
};

/**
 * struct drm_gpusvm_range - a range of CPU VA mirrored by the device
 * @gpusvm: the owning instance
 * @notifier: the notifier the range lives in
 * @refcount: reference count; the notifier's tree holds one reference
 * @itree: node in &drm_gpusvm_notifier.root (start and last, inclusive)
 * @entry: link in &drm_gpusvm_notifier.range_list
 * @gc_link: link in &drm_gpusvm.gc_list (under &drm_gpusvm.gc_lock)
 * @flags: &struct drm_gpusvm_range_flags
 * @pages: the range's pages for the instance's device, used by the
 *	drm_gpusvm_range_get_pages() family (a drm-msvm extension: upstream's
 *	driver embeds its &struct drm_gpusvm_pages next to the range). The
 *	driver unmaps them in its &drm_gpusvm_ops.invalidate
 *	(drm_gpusvm_range_unmap_pages()) and before drm_gpusvm_range_remove();
 *	drm_gpusvm unmaps what is left when the range is freed. A driver may
 *	hold more &struct drm_gpusvm_pages of the range, for other devices,
 *	and handles those with drm_gpusvm_get_pages() and its family.
 */
struct drm_gpusvm_range {
	struct drm_gpusvm *gpusvm;
	struct drm_gpusvm_notifier *notifier;
	struct kref refcount;
	struct interval_tree_node itree;
	struct list_head entry;
	struct list_head gc_link;
	struct drm_gpusvm_range_flags flags;
	struct drm_gpusvm_pages pages;
};

/**
 * struct drm_gpusvm - one device's SVM mirror of one mm (a GPU VM)
 * @name: name, for debugging
 * @drm: the DRM device of drm_gpusvm_init_device(), whose &drm_device.dev
 *	the ranges' own &drm_gpusvm_range.pages are mapped for; NULL after
 *	drm_gpusvm_init() (a drm-msvm extension)
 * @mm: the mirrored mm (grabbed, not pinned)
 * @device_private_page_owner: the owner of drm_gpusvm_init_device(), used
 *	where a &struct drm_gpusvm_ctx gives none; NULL after
 *	drm_gpusvm_init() (a drm-msvm extension)
 * @mm_start: start of the mirrored VA
 * @mm_range: size of the mirrored VA
 * @notifier_size: size (power of two) of the VA chunk of each notifier
 * @ops: &struct drm_gpusvm_ops
 * @chunk_sizes: range sizes to try, in descending order, powers of two, the
 *	last one PAGE_SIZE, none larger than @notifier_size
 * @num_chunks: number of @chunk_sizes
 * @notifier_lock: rw_semaphore; protects the validity of pages
 *	(&drm_gpusvm_pages.flags, &drm_gpusvm_pages.dma_addr,
 *	&drm_gpusvm_pages.notifier_seq) and &drm_gpusvm_range.flags against
 *	invalidation, and the trees
 *	and lists of notifiers and ranges together with the driver lock.
 *	Taken for write by the MMU notifier. Lock order: driver lock ->
 *	mmap_lock -> @notifier_lock -> @gc_lock.
 * @root: interval tree of the notifiers
 * @notifier_list: the notifiers in address order
 * @gc_lock: spinlock protecting @gc_list and &drm_gpusvm_range.gc_link;
 *	taken under @notifier_lock or alone
 * @gc_list: the ranges drm_gpusvm_range_set_unmapped() marked, for
 *	drm_gpusvm_garbage_collect() (a drm-msvm extension a driver opts
 *	into by calling it; drm_gpusvm_range_remove() takes a range off it)
 * @lock_dep_map: lockdep map of the driver lock (lockdep builds only), see
 *	drm_gpusvm_driver_set_lock()
 */
struct drm_gpusvm {
	const char *name;
	struct drm_device *drm;
	struct mm_struct *mm;
	void *device_private_page_owner;
	unsigned long mm_start;
	unsigned long mm_range;
	unsigned long notifier_size;
	const struct drm_gpusvm_ops *ops;
	const unsigned long *chunk_sizes;
	int num_chunks;
	struct rw_semaphore notifier_lock;
	struct rb_root_cached root;
	struct list_head notifier_list;
	spinlock_t gc_lock; /* protects gc_list and the ranges' gc_link */
	struct list_head gc_list;
#ifdef CONFIG_LOCKDEP
	struct lockdep_map *lock_dep_map;
#endif
};

/**
 * struct drm_gpusvm_ctx - arguments of a gpusvm operation
 * @device_private_page_owner: the device-private page owner handed to HMM
 *	by get_pages and find_or_insert: device pages of pagemaps with this
 *	owner come back as they are, others are migrated to system memory.
 *	NULL: the instance's &drm_gpusvm.device_private_page_owner, which is
 *	NULL too (every device page migrated) unless it was set with
 *	drm_gpusvm_init_device()
 * @check_pages_threshold: find_or_insert checks, for a chunk of this size
 *	or smaller, that every CPU page of it is present, and takes a smaller
 *	chunk if not; 0: no check
 * @timeslice_ms: how long a migration to device memory is kept before a CPU
 *	fault may undo it (handed to the pagemap)
 * @devmem_fn: called by get_pages under the notifier lock once per run of
 *	consecutive pages of one &struct drm_pagemap_devmem, also with
 *	@no_dma_map; must not sleep, and may see an allocation more than once.
 *	May be NULL
 * @in_notifier: the caller holds the notifier lock for write (invalidate)
 * @read_only: the device only reads: do not request write access
 * @devmem_possible: the range may be migrated to device memory
 * @devmem_only: get_pages fails with -EFAULT unless every page is a device
 *	page of the caller's owner group
 * @allow_mixed: a range may hold system pages and the pages of one
 *	pagemap; without it, a range is all system or all one pagemap
 * @no_dma_map: get_pages faults the CPU pages in (and calls @devmem_fn) but
 *	maps nothing and records nothing in the &struct drm_gpusvm_pages, so
 *	drm_gpusvm_pages_valid() never says they are valid; @devmem_only is
 *	refused with it (-EINVAL), and @allow_mixed has no effect
 */
struct drm_gpusvm_ctx {
	void *device_private_page_owner;
	unsigned long check_pages_threshold;
	unsigned long timeslice_ms;
	void (*devmem_fn)(struct drm_pagemap_devmem *devmem);
	unsigned int in_notifier : 1;
	unsigned int read_only : 1;
	unsigned int devmem_possible : 1;
	unsigned int devmem_only : 1;
	unsigned int allow_mixed : 1;
	unsigned int no_dma_map : 1;
};

/**
 * enum drm_gpusvm_scan_result - where the pages of a range are
 * @DRM_GPUSVM_SCAN_UNPOPULATED: at least one page is not present (pages of
 *	pagemaps of another owner group count as not present), or the scan
 *	failed
 * @DRM_GPUSVM_SCAN_EQUAL: all pages present, all in the given pagemap
 * @DRM_GPUSVM_SCAN_OTHER: all pages present, all in one other pagemap of
 *	the owner group
 * @DRM_GPUSVM_SCAN_SYSTEM: all pages present, all system pages
 * @DRM_GPUSVM_SCAN_MIXED_DEVICE: all pages present, all device pages of the
 *	owner group, of more than one pagemap
 * @DRM_GPUSVM_SCAN_MIXED: all pages present, system and device pages (of
 *	one pagemap or more of the owner group)
 */
enum drm_gpusvm_scan_result {
	DRM_GPUSVM_SCAN_UNPOPULATED,
	DRM_GPUSVM_SCAN_EQUAL,
	DRM_GPUSVM_SCAN_OTHER,
	DRM_GPUSVM_SCAN_SYSTEM,
	DRM_GPUSVM_SCAN_MIXED_DEVICE,
	DRM_GPUSVM_SCAN_MIXED,
};

int drm_gpusvm_init(struct drm_gpusvm *gpusvm, const char *name,
		    struct mm_struct *mm,
		    unsigned long mm_start, unsigned long mm_range,
		    unsigned long notifier_size,
		    const struct drm_gpusvm_ops *ops,
		    const unsigned long *chunk_sizes, int num_chunks);
/* drm-msvm extension: drm_gpusvm_init() with the device and its owner. */
int drm_gpusvm_init_device(struct drm_gpusvm *gpusvm, const char *name,
			   struct drm_device *drm, struct mm_struct *mm,
			   void *device_private_page_owner,
			   unsigned long mm_start, unsigned long mm_range,
			   unsigned long notifier_size,
			   const struct drm_gpusvm_ops *ops,
			   const unsigned long *chunk_sizes, int num_chunks);
/* drm-msvm extension: register @mm's notifier tree before any work. */
int drm_gpusvm_mm_prepare(struct mm_struct *mm);
void drm_gpusvm_fini(struct drm_gpusvm *gpusvm);

unsigned long drm_gpusvm_find_vma_start(struct drm_gpusvm *gpusvm,
					unsigned long start, unsigned long end);

struct drm_gpusvm_range *
drm_gpusvm_range_find_or_insert(struct drm_gpusvm *gpusvm,
				unsigned long fault_addr,
				unsigned long gpuva_start,
				unsigned long gpuva_end,
				const struct drm_gpusvm_ctx *ctx);
void drm_gpusvm_range_remove(struct drm_gpusvm *gpusvm,
			     struct drm_gpusvm_range *range);
struct drm_gpusvm_range *drm_gpusvm_range_get(struct drm_gpusvm_range *range);
void drm_gpusvm_range_put(struct drm_gpusvm_range *range);

struct drm_gpusvm_notifier *
drm_gpusvm_notifier_find(struct drm_gpusvm *gpusvm, unsigned long start,
			 unsigned long end);
struct drm_gpusvm_range *
drm_gpusvm_range_find(struct drm_gpusvm_notifier *notifier,
		      unsigned long start, unsigned long end);
struct drm_gpusvm_range *
drm_gpusvm_range_next_in(struct drm_gpusvm_range *range,
			 unsigned long start, unsigned long end);
bool drm_gpusvm_has_mapping(struct drm_gpusvm *gpusvm, unsigned long start,
			    unsigned long end);
void drm_gpusvm_range_set_unmapped(struct drm_gpusvm_range *range,
				   struct drm_gpusvm_pages *pages,
				   unsigned int pages_count,
				   const struct mmu_notifier_range *mmu_range);

int drm_gpusvm_get_pages(struct drm_gpusvm *gpusvm,
			 struct drm_gpusvm_pages *svm_pages,
			 unsigned int num_pages, struct mm_struct *mm,
			 struct mmu_interval_notifier *notifier,
			 unsigned long pages_start, unsigned long pages_end,
			 const struct drm_gpusvm_ctx *ctx);
void drm_gpusvm_unmap_pages(struct drm_gpusvm *gpusvm,
			    struct drm_gpusvm_pages *svm_pages,
			    unsigned long npages,
			    const struct drm_gpusvm_ctx *ctx);
void drm_gpusvm_free_pages(struct drm_gpusvm *gpusvm,
			   struct drm_gpusvm_pages *svm_pages,
			   unsigned long npages);
bool drm_gpusvm_pages_valid(struct drm_gpusvm *gpusvm,
			    struct drm_gpusvm_pages *svm_pages);

/* drm-msvm extensions: the same on the range's own &drm_gpusvm_range.pages. */
int drm_gpusvm_range_get_pages(struct drm_gpusvm *gpusvm,
			       struct drm_gpusvm_range *range,
			       const struct drm_gpusvm_ctx *ctx);
void drm_gpusvm_range_unmap_pages(struct drm_gpusvm *gpusvm,
				  struct drm_gpusvm_range *range,
				  const struct drm_gpusvm_ctx *ctx);
bool drm_gpusvm_range_pages_valid(struct drm_gpusvm *gpusvm,
				  struct drm_gpusvm_range *range);

/**
 * drm_gpusvm_init_pages() - initialize a &struct drm_gpusvm_pages
 * @svm_pages: the pages, freshly allocated
 * @drm: the device to map the pages for
 *
 * Called once before the first drm_gpusvm_get_pages() on @svm_pages.
 */
static inline void drm_gpusvm_init_pages(struct drm_gpusvm_pages *svm_pages,
					 struct drm_device *drm)
{
	memset(svm_pages, 0, sizeof(*svm_pages));
	svm_pages->drm = drm;
	svm_pages->notifier_seq = LONG_MAX;
}

/**
 * drm_gpusvm_pages_first_dma() - the address array of a &struct
 * drm_gpusvm_pages
 * @svm_pages: the pages
 * @contiguous: out, or NULL: whether one entry covers the whole range
 *	(upstream's inline form, never used by drm-msvm)
 *
 * The way to reach the addresses whatever form they are kept in. Read with
 * the driver lock held (which keeps get_pages from replacing the array),
 * and use the entries under the notifier lock after checking
 * drm_gpusvm_pages_valid().
 *
 * Return: the first address, or NULL before the first get_pages.
 */
static inline const struct drm_pagemap_addr *
drm_gpusvm_pages_first_dma(const struct drm_gpusvm_pages *svm_pages,
			   bool *contiguous)
{
	struct drm_gpusvm_pages_flags flags = {
		.__flags = READ_ONCE(svm_pages->flags.__flags),
	};

	if (contiguous)
		*contiguous = flags.inline_dma_mapping;
	if (flags.inline_dma_mapping)
		return &svm_pages->inline_addr;
	return READ_ONCE(svm_pages->dma_addr);
}

int drm_gpusvm_range_evict(struct drm_gpusvm *gpusvm,
			   struct drm_gpusvm_range *range);
enum drm_gpusvm_scan_result
drm_gpusvm_scan_mm(struct drm_gpusvm_range *range, void *dev_private_owner,
		   const struct dev_pagemap *pagemap);

unsigned int drm_gpusvm_garbage_collect(struct drm_gpusvm *gpusvm);

/**
 * struct drm_gpusvm_scan_counts - the pages of a range by where they are
 * @none: not present (pages of pagemaps of another owner group included)
 * @system: system pages
 * @equal: device pages of the pagemap compared against
 * @other: device pages of other pagemaps of the owner group
 *
 * A drm-msvm extension, filled by drm_gpusvm_scan_mm_counts().
 */
struct drm_gpusvm_scan_counts {
	unsigned long none;
	unsigned long system;
	unsigned long equal;
	unsigned long other;
};

/* drm-msvm extensions: snapshots and evictions of pages, by count or VA. */
int drm_gpusvm_scan_mm_counts(struct drm_gpusvm_range *range,
			      void *dev_private_owner,
			      const struct dev_pagemap *pagemap,
			      struct drm_gpusvm_scan_counts *counts);
int drm_gpusvm_walk_mm(struct mm_struct *mm, unsigned long start,
		       unsigned long npages, void *const *owners,
		       unsigned int nr_owners,
		       void (*fn)(void *arg, unsigned long index,
				  struct page *page),
		       void *arg);
int drm_gpusvm_evict_mm(struct mm_struct *mm, unsigned long start,
			unsigned long npages, const unsigned long *which);

/* drm-msvm extension: -ENOMEM or -EFAULT after hmm_range_fault()'s -EFAULT. */
int drm_gpusvm_fault_errno(struct mm_struct *mm, unsigned long start,
			   unsigned long end, bool write);

/**
 * drm_gpusvm_notifier_lock() - take the notifier lock for read
 * @gpusvm__: the &struct drm_gpusvm
 *
 * Held by the driver while it commits pages to the GPU page table after
 * checking drm_gpusvm_range_pages_valid().
 */
#define drm_gpusvm_notifier_lock(gpusvm__) \
	down_read(&(gpusvm__)->notifier_lock)

/**
 * drm_gpusvm_notifier_unlock() - drop the notifier lock taken for read
 * @gpusvm__: the &struct drm_gpusvm
 */
#define drm_gpusvm_notifier_unlock(gpusvm__) \
	up_read(&(gpusvm__)->notifier_lock)

#ifdef CONFIG_LOCKDEP
/**
 * __drm_gpusvm_driver_set_lockdep_map() - see drm_gpusvm_driver_set_lock()
 * @gpusvm: the &struct drm_gpusvm
 * @map: the lockdep map of the driver lock
 */
static inline void
__drm_gpusvm_driver_set_lockdep_map(struct drm_gpusvm *gpusvm,
				    struct lockdep_map *map)
{
	if (!WARN(gpusvm->lock_dep_map, "GPUSVM driver lock set twice"))
		gpusvm->lock_dep_map = map;
}

/**
 * drm_gpusvm_driver_set_lock() - name the driver lock of an instance
 * @gpusvm: the &struct drm_gpusvm
 * @lock: the driver lock (a mutex, rw_semaphore, ... with a dep_map)
 *
 * find_or_insert, remove, get_pages, evict and the garbage collector assert
 * with lockdep that this lock is held. Without lockdep this does nothing.
 */
#define drm_gpusvm_driver_set_lock(gpusvm, lock) \
	__drm_gpusvm_driver_set_lockdep_map((gpusvm), &(lock)->dep_map)
#else
#define drm_gpusvm_driver_set_lock(gpusvm, lock) \
	do { (void)(gpusvm); (void)(lock); } while (0)
#endif

/**
 * drm_gpusvm_range_start() - first address of a range
 * @range: the &struct drm_gpusvm_range
 *
 * Return: the start address.
 */
static inline unsigned long
drm_gpusvm_range_start(struct drm_gpusvm_range *range)
{
	return range->itree.start;
}

/**
 * drm_gpusvm_range_end() - end address (exclusive) of a range
 * @range: the &struct drm_gpusvm_range
 *
 * Return: the end address.
 */
static inline unsigned long
drm_gpusvm_range_end(struct drm_gpusvm_range *range)
{
	return range->itree.last + 1;
}

/**
 * drm_gpusvm_range_size() - size of a range
 * @range: the &struct drm_gpusvm_range
 *
 * Return: the size in bytes.
 */
static inline unsigned long
drm_gpusvm_range_size(struct drm_gpusvm_range *range)
{
	return drm_gpusvm_range_end(range) - drm_gpusvm_range_start(range);
}

/**
 * drm_gpusvm_notifier_start() - first address of a notifier
 * @notifier: the &struct drm_gpusvm_notifier
 *
 * Return: the start address.
 */
static inline unsigned long
drm_gpusvm_notifier_start(struct drm_gpusvm_notifier *notifier)
{
	return notifier->itree.start;
}

/**
 * drm_gpusvm_notifier_end() - end address (exclusive) of a notifier
 * @notifier: the &struct drm_gpusvm_notifier
 *
 * Return: the end address.
 */
static inline unsigned long
drm_gpusvm_notifier_end(struct drm_gpusvm_notifier *notifier)
{
	return notifier->itree.last + 1;
}

/**
 * drm_gpusvm_notifier_size() - size of a notifier
 * @notifier: the &struct drm_gpusvm_notifier
 *
 * Return: the size in bytes.
 */
static inline unsigned long
drm_gpusvm_notifier_size(struct drm_gpusvm_notifier *notifier)
{
	return drm_gpusvm_notifier_end(notifier) -
		drm_gpusvm_notifier_start(notifier);
}

/**
 * __drm_gpusvm_range_next() - the range after a range in its notifier
 * @range: the current range, or NULL
 *
 * The caller holds the driver lock or the notifier lock.
 *
 * Return: the next range of @range's notifier in address order, or NULL if
 * @range is the last one or NULL.
 */
static inline struct drm_gpusvm_range *
__drm_gpusvm_range_next(struct drm_gpusvm_range *range)
{
	if (!range || list_is_last(&range->entry, &range->notifier->range_list))
		return NULL;
	return list_next_entry(range, entry);
}

/**
 * struct drm_gpusvm_range_walk - state of the range walk macros
 * @range: the caller's iterator
 * @next: the caller's next-range variable (safe walks), or NULL
 * @end: end (exclusive) of the interval
 * @started: the first step was taken
 */
struct drm_gpusvm_range_walk {
	struct drm_gpusvm_range **range;
	struct drm_gpusvm_range **next;
	unsigned long end;
	bool started;
};

/**
 * __drm_gpusvm_range_walk() - start a walk of drm_gpusvm_for_each_range()
 * or drm_gpusvm_for_each_range_safe()
 * @range: the iterator; a non-NULL *@range is where a walk without @next
 *	   starts
 * @next: the next-range variable of a safe walk, or NULL
 * @notifier: the &struct drm_gpusvm_notifier
 * @start: start address
 * @end: end address (exclusive)
 *
 * Return: the walk state.
 */
static inline struct drm_gpusvm_range_walk
__drm_gpusvm_range_walk(struct drm_gpusvm_range **range,
			struct drm_gpusvm_range **next,
			struct drm_gpusvm_notifier *notifier,
			unsigned long start, unsigned long end)
{
	if (next || !*range)
		*range = drm_gpusvm_range_find(notifier, start, end);
	if (next)
		*next = __drm_gpusvm_range_next(*range);
	return (struct drm_gpusvm_range_walk) {
		.range = range, .next = next, .end = end,
	};
}

/**
 * __drm_gpusvm_range_walk_step() - one step of a range walk
 * @walk: the walk state
 *
 * Return: whether the iterator holds a range of the interval.
 */
static inline bool
__drm_gpusvm_range_walk_step(struct drm_gpusvm_range_walk *walk)
{
	if (walk->started && walk->next) {
		*walk->range = *walk->next;
		*walk->next = __drm_gpusvm_range_next(*walk->range);
	} else if (walk->started) {
		*walk->range = __drm_gpusvm_range_next(*walk->range);
	}
	walk->started = true;
	return *walk->range && drm_gpusvm_range_start(*walk->range) < walk->end;
}

/**
 * drm_gpusvm_for_each_range() - walk the ranges of a notifier in [start, end)
 * @range__: iterator, a &struct drm_gpusvm_range pointer; if not NULL, the
 *	     range to start from, else the walk starts at the first range of
 *	     the notifier overlapping the interval (drm_gpusvm_range_find())
 * @notifier__: the &struct drm_gpusvm_notifier
 * @start__: start address
 * @end__: end address (exclusive)
 *
 * Walks in address order, with the driver lock or the notifier lock held.
 * The body must not remove the current range: use
 * drm_gpusvm_for_each_range_safe() for that.
 */
#define drm_gpusvm_for_each_range(range__, notifier__, start__, end__) \
	for (struct drm_gpusvm_range_walk rw__ = \
	     __drm_gpusvm_range_walk(&(range__), NULL, (notifier__), \
				     (start__), (end__)); \
	     __drm_gpusvm_range_walk_step(&rw__);)

/**
 * drm_gpusvm_for_each_range_safe() - walk the ranges of a notifier in
 * [start, end), removing ranges
 * @range__: iterator, a &struct drm_gpusvm_range pointer
 * @next__: the range after @range__, a &struct drm_gpusvm_range pointer
 * @notifier__: the &struct drm_gpusvm_notifier
 * @start__: start address
 * @end__: end address (exclusive)
 *
 * Walks in address order, from the first range overlapping the interval,
 * with the driver lock held; the body may remove the current range.
 */
#define drm_gpusvm_for_each_range_safe(range__, next__, notifier__, start__, end__) \
	for (struct drm_gpusvm_range_walk rw__ = \
	     __drm_gpusvm_range_walk(&(range__), &(next__), (notifier__), \
				     (start__), (end__)); \
	     __drm_gpusvm_range_walk_step(&rw__);)

/**
 * __drm_gpusvm_notifier_next() - the notifier after a notifier
 * @notifier: the current notifier, or NULL
 *
 * The caller holds the driver lock or the notifier lock.
 *
 * Return: the next notifier of the instance in address order, or NULL if
 * @notifier is the last one or NULL.
 */
static inline struct drm_gpusvm_notifier *
__drm_gpusvm_notifier_next(struct drm_gpusvm_notifier *notifier)
{
	if (!notifier ||
	    list_is_last(&notifier->entry, &notifier->gpusvm->notifier_list))
		return NULL;
	return list_next_entry(notifier, entry);
}

/**
 * struct drm_gpusvm_notifier_walk - state of the notifier walk macros
 * @notifier: the caller's iterator
 * @next: the caller's next-notifier variable (safe walks), or NULL
 * @end: end (exclusive) of the interval
 * @started: the first step was taken
 */
struct drm_gpusvm_notifier_walk {
	struct drm_gpusvm_notifier **notifier;
	struct drm_gpusvm_notifier **next;
	unsigned long end;
	bool started;
};

/**
 * __drm_gpusvm_notifier_walk() - start a walk of
 * drm_gpusvm_for_each_notifier() or drm_gpusvm_for_each_notifier_safe()
 * @notifier: the iterator
 * @next: the next-notifier variable of a safe walk, or NULL
 * @gpusvm: the &struct drm_gpusvm
 * @start: start address
 * @end: end address (exclusive)
 *
 * Return: the walk state.
 */
static inline struct drm_gpusvm_notifier_walk
__drm_gpusvm_notifier_walk(struct drm_gpusvm_notifier **notifier,
			   struct drm_gpusvm_notifier **next,
			   struct drm_gpusvm *gpusvm,
			   unsigned long start, unsigned long end)
{
	*notifier = drm_gpusvm_notifier_find(gpusvm, start, end);
	if (next)
		*next = __drm_gpusvm_notifier_next(*notifier);
	return (struct drm_gpusvm_notifier_walk) {
		.notifier = notifier, .next = next, .end = end,
	};
}

/**
 * __drm_gpusvm_notifier_walk_step() - one step of a notifier walk
 * @walk: the walk state
 *
 * Return: whether the iterator holds a notifier of the interval.
 */
static inline bool
__drm_gpusvm_notifier_walk_step(struct drm_gpusvm_notifier_walk *walk)
{
	if (walk->started && walk->next) {
		*walk->notifier = *walk->next;
		*walk->next = __drm_gpusvm_notifier_next(*walk->notifier);
	} else if (walk->started) {
		*walk->notifier = __drm_gpusvm_notifier_next(*walk->notifier);
	}
	walk->started = true;
	return *walk->notifier &&
		drm_gpusvm_notifier_start(*walk->notifier) < walk->end;
}

/**
 * drm_gpusvm_for_each_notifier() - walk the notifiers overlapping [start, end)
 * @notifier__: iterator, a &struct drm_gpusvm_notifier pointer
 * @gpusvm__: the &struct drm_gpusvm
 * @start__: start address
 * @end__: end address (exclusive)
 *
 * Walks in address order, with the driver lock or the notifier lock held.
 */
#define drm_gpusvm_for_each_notifier(notifier__, gpusvm__, start__, end__) \
	for (struct drm_gpusvm_notifier_walk nw__ = \
	     __drm_gpusvm_notifier_walk(&(notifier__), NULL, (gpusvm__), \
					(start__), (end__)); \
	     __drm_gpusvm_notifier_walk_step(&nw__);)

/**
 * drm_gpusvm_for_each_notifier_safe() - walk the notifiers overlapping
 * [start, end), removing notifiers
 * @notifier__: iterator, a &struct drm_gpusvm_notifier pointer
 * @next__: the notifier after @notifier__, a &struct drm_gpusvm_notifier
 *	    pointer
 * @gpusvm__: the &struct drm_gpusvm
 * @start__: start address
 * @end__: end address (exclusive)
 *
 * Walks in address order, with the driver lock held; the body may remove
 * the current notifier (by removing its last range).
 */
#define drm_gpusvm_for_each_notifier_safe(notifier__, next__, gpusvm__, start__, end__) \
	for (struct drm_gpusvm_notifier_walk nw__ = \
	     __drm_gpusvm_notifier_walk(&(notifier__), &(next__), (gpusvm__), \
					(start__), (end__)); \
	     __drm_gpusvm_notifier_walk_step(&nw__);)

#endif
