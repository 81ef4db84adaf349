// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of drm_pagemap migration: test pagemaps of real
 * MEMORY_DEVICE_PRIVATE pages whose "VRAM" is a vmalloc buffer, a user mm
 * from kunit_vm_mmap(), and checks of data, placement (HMM snapshots),
 * batching, peer-to-peer moves, errnos and leaks (pages, zdds, allocations).
 */
#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/dma-direct.h>
#include <linux/dma-fence.h>
#include <linux/dma-mapping.h>
#include <linux/hmm.h>
#include <linux/ioport.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/mmap_lock.h>
#include <linux/mmu_notifier.h>
#include <linux/pagemap.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include <drm/drm_pagemap.h>

#define TPM_NPAGES 512UL	/* 2 MiB: one memory subsection */
#define TPM_MAX 3
#define TPM_ADDR_SHIFT 40

/* Two interconnect owners: A and B share one, C has the other. */
static int tpm_owner_ab, tpm_owner_c;

/* A test pagemap: device-private pages whose memory is @backing. */
struct tpm {
	struct drm_pagemap dpagemap;
	struct dev_pagemap pgmap;
	struct resource *res;
	void *backing;
	unsigned long pfn_first;
	/* protects @used */
	spinlock_t lock;
	DECLARE_BITMAP(used, TPM_NPAGES);
	struct device *dev;
	int id;
	atomic_t devmem_live;
	atomic_t copy_to_devmem_calls;
	/* copies into this pagemap after it was revoked: must stay 0 */
	atomic_t copies_after_revoke;
	atomic_t copy_to_ram_calls;
	atomic_t src_sys, src_zero, src_p2p, src_driver, mixed_calls;
	/* copy_to_ram: pages by destination (system, a peer, own memory) */
	atomic_t dst_sys, dst_p2p, dst_driver;
	/* copy_to_ram calls to let succeed before failing one, -1: never */
	atomic_t ram_copies_to_fail_after;
	/* device_map calls to let succeed before failing one, -1: never */
	atomic_t maps_to_fail_after;
	/* copies handed a pre_migrate_fence, and ones not signaled yet */
	atomic_t fenced_copies, unsignaled_copies;
	atomic_t maps_live;
	/* device_map calls made, and the device the last one was for */
	atomic_t maps_made;
	struct device *last_map_dev;
	atomic_t *destroyed;
	/* if set, populate_mm signals @populate_entered, waits @populate_go */
	struct completion *populate_entered, *populate_go;
};

struct tpm_ctx {
	struct tpm *tpm[TPM_MAX];
	atomic_t destroyed;
	struct drm_pagemap_stats s0;
};

/* Looked up by the copy of a peer address; set while a test runs. */
static struct tpm *tpm_by_id[TPM_MAX];

struct tdevmem {
	struct drm_pagemap_devmem devmem;
	struct tpm *tpm;
	unsigned long first;
	unsigned long npages;
	struct kref ref;
};

static struct tpm *page_tpm(struct page *page)
{
	return container_of(page->pgmap, struct tpm, pgmap);
}

static void *tpm_page_mem(struct page *page)
{
	struct tpm *tpm = page_tpm(page);

	return tpm->backing + (page_to_pfn(page) - tpm->pfn_first) * PAGE_SIZE;
}

static void *tpm_sys_mem(struct device *dev, dma_addr_t addr)
{
	return phys_to_virt(dma_to_phys(dev, addr));
}

static struct drm_pagemap_addr
tpm_device_map(struct drm_pagemap *dpagemap, struct device *dev,
	       struct page *page, unsigned int order,
	       enum dma_data_direction dir)
{
	struct tpm *tpm = container_of(dpagemap, struct tpm, dpagemap);
	u64 addr = ((u64)(tpm->id + 1) << TPM_ADDR_SHIFT) |
		((page_to_pfn(page) - tpm->pfn_first) << PAGE_SHIFT);

	if (atomic_read(&tpm->maps_to_fail_after) >= 0 &&
	    atomic_dec_return(&tpm->maps_to_fail_after) < 0)
		return drm_pagemap_addr_encode(DMA_MAPPING_ERROR,
					       DRM_INTERCONNECT_P2P, order, dir);
	atomic_inc(&tpm->maps_live);
	atomic_inc(&tpm->maps_made);
	WRITE_ONCE(tpm->last_map_dev, dev);
	return drm_pagemap_addr_encode(addr, dev == tpm->dev ?
					      DRM_INTERCONNECT_DRIVER :
					      DRM_INTERCONNECT_P2P, order, dir);
}

static void tpm_device_unmap(struct drm_pagemap *dpagemap, struct device *dev,
			     const struct drm_pagemap_addr *addr)
{
	struct tpm *tpm = container_of(dpagemap, struct tpm, dpagemap);

	atomic_dec(&tpm->maps_live);
}

static void *tpm_peer_mem(dma_addr_t addr)
{
	int id = (addr >> TPM_ADDR_SHIFT) - 1;
	unsigned long off = addr & ((1ULL << TPM_ADDR_SHIFT) - 1);

	if (id < 0 || id >= TPM_MAX || !tpm_by_id[id] ||
	    off >= TPM_NPAGES * PAGE_SIZE)
		return NULL;
	return tpm_by_id[id]->backing + off;
}

static void tpm_destroy(struct drm_pagemap *dpagemap, bool is_atomic_or_reclaim)
{
	struct tpm *tpm = container_of(dpagemap, struct tpm, dpagemap);

	memunmap_pages(&tpm->pgmap);
	release_mem_region(tpm->res->start, resource_size(tpm->res));
	vfree(tpm->backing);
	atomic_inc(tpm->destroyed);
	kfree(tpm);
}

static void tdevmem_free(struct kref *ref)
{
	kfree(container_of(ref, struct tdevmem, ref));
}

static void tdevmem_release(struct drm_pagemap_devmem *devmem)
{
	struct tdevmem *td = container_of(devmem, struct tdevmem, devmem);
	struct tpm *tpm = td->tpm;

	spin_lock(&tpm->lock);
	bitmap_clear(tpm->used, td->first, td->npages);
	spin_unlock(&tpm->lock);
	dma_fence_put(devmem->pre_migrate_fence);
	devmem->pre_migrate_fence = NULL;
	atomic_dec(&tpm->devmem_live);
	kref_put(&td->ref, tdevmem_free);
}

static int tdevmem_populate_pfn(struct drm_pagemap_devmem *devmem,
				unsigned long npages, unsigned long *pfn)
{
	struct tdevmem *td = container_of(devmem, struct tdevmem, devmem);
	unsigned long i;

	if (npages != td->npages)
		return -EINVAL;
	for (i = 0; i < npages; i++)
		pfn[i] = td->tpm->pfn_first + td->first + i;
	return 0;
}

static int tdevmem_copy_to_devmem(struct page **pages,
				  struct drm_pagemap_addr *src,
				  unsigned long npages,
				  struct dma_fence *pre_migrate_fence)
{
	struct tpm *tpm = page_tpm(pages[0]);
	unsigned long i;

	atomic_inc(&tpm->copy_to_devmem_calls);
	if (pre_migrate_fence) {
		atomic_inc(&tpm->fenced_copies);
		if (!dma_fence_is_signaled(pre_migrate_fence))
			atomic_inc(&tpm->unsignaled_copies);
	}
	if (READ_ONCE(tpm->dpagemap.revoked))
		atomic_inc(&tpm->copies_after_revoke);
	for (i = 0; i < npages; i++) {
		void *from;

		if (src[i].proto != src[0].proto)
			atomic_inc(&tpm->mixed_calls);
		if (src[i].proto == DRM_INTERCONNECT_SYSTEM && !src[i].addr) {
			/* Never populated: zero-fill, nothing to read. */
			memset(tpm_page_mem(pages[i]), 0, PAGE_SIZE);
			atomic_inc(&tpm->src_zero);
			continue;
		}
		switch (src[i].proto) {
		case DRM_INTERCONNECT_SYSTEM:
			from = tpm_sys_mem(tpm->dev, src[i].addr);
			atomic_inc(&tpm->src_sys);
			break;
		case DRM_INTERCONNECT_P2P:
			from = tpm_peer_mem(src[i].addr);
			atomic_inc(&tpm->src_p2p);
			break;
		default:
			from = tpm_peer_mem(src[i].addr);
			atomic_inc(&tpm->src_driver);
			break;
		}
		if (!from)
			return -EIO;
		memcpy(tpm_page_mem(pages[i]), from, PAGE_SIZE);
	}
	return 0;
}

static bool tpm_same(const struct tpm *a, const struct tpm *b)
{
	return a == b;
}

/* The test pagemap a peer or own address of tpm_device_map() is in. */
static struct tpm *tpm_of_addr(dma_addr_t addr)
{
	int id = (addr >> TPM_ADDR_SHIFT) - 1;

	return id >= 0 && id < TPM_MAX ? tpm_by_id[id] : NULL;
}

/*
 * Out of @pages, this pagemap's: to system memory (eviction, CPU faults)
 * or, for a migration into another pagemap (a peer, or this one with
 * can_migrate_same_pagemap), to the destination page at the address its
 * device_map gave this device.
 */
static int tdevmem_copy_to_ram(struct page **pages,
			       struct drm_pagemap_addr *dst,
			       unsigned long npages,
			       struct dma_fence *pre_migrate_fence)
{
	struct tpm *tpm = page_tpm(pages[0]);
	unsigned long i;

	atomic_inc(&tpm->copy_to_ram_calls);
	if (pre_migrate_fence) {
		atomic_inc(&tpm->fenced_copies);
		if (!dma_fence_is_signaled(pre_migrate_fence))
			atomic_inc(&tpm->unsignaled_copies);
	}
	if (atomic_read(&tpm->ram_copies_to_fail_after) >= 0 &&
	    atomic_dec_return(&tpm->ram_copies_to_fail_after) < 0)
		return -EIO;
	for (i = 0; i < npages; i++) {
		struct tpm *to;
		void *mem;
		bool own;

		if (page_tpm(pages[i]) != tpm || dst[i].proto != dst[0].proto)
			return -EINVAL;
		switch (dst[i].proto) {
		case DRM_INTERCONNECT_SYSTEM:
			mem = tpm_sys_mem(tpm->dev, dst[i].addr);
			atomic_inc(&tpm->dst_sys);
			break;
		case DRM_INTERCONNECT_P2P:
		case DRM_INTERCONNECT_DRIVER:
			to = tpm_of_addr(dst[i].addr);
			mem = tpm_peer_mem(dst[i].addr);
			if (!to || !mem)
				return -EIO;
			/* Own memory only at its own address, peers' at theirs. */
			own = dst[i].proto == DRM_INTERCONNECT_DRIVER;
			if (own != tpm_same(to, tpm))
				return -EINVAL;
			if (READ_ONCE(to->dpagemap.revoked))
				atomic_inc(&to->copies_after_revoke);
			atomic_inc(to == tpm ? &tpm->dst_driver : &tpm->dst_p2p);
			break;
		default:
			return -EINVAL;
		}
		memcpy(mem, tpm_page_mem(pages[i]), PAGE_SIZE);
	}
	return 0;
}

static const struct drm_pagemap_devmem_ops tdevmem_ops = {
	.devmem_release = tdevmem_release,
	.populate_devmem_pfn = tdevmem_populate_pfn,
	.copy_to_devmem = tdevmem_copy_to_devmem,
	.copy_to_ram = tdevmem_copy_to_ram,
};

/* An allocation without copy operations: it cannot migrate. */
static const struct drm_pagemap_devmem_ops tdevmem_nocopy_ops = {
	.devmem_release = tdevmem_release,
	.populate_devmem_pfn = tdevmem_populate_pfn,
};

static struct tdevmem *__tdevmem_alloc(struct tpm *tpm, struct mm_struct *mm,
				       unsigned long npages)
{
	struct tdevmem *td = kzalloc(sizeof(*td), GFP_KERNEL);
	unsigned long first;

	if (!td)
		return NULL;
	spin_lock(&tpm->lock);
	first = bitmap_find_next_zero_area(tpm->used, TPM_NPAGES, 0, npages, 0);
	if (first < TPM_NPAGES)
		bitmap_set(tpm->used, first, npages);
	spin_unlock(&tpm->lock);
	if (first >= TPM_NPAGES) {
		kfree(td);
		return NULL;
	}
	td->tpm = tpm;
	td->first = first;
	td->npages = npages;
	kref_init(&td->ref);
	drm_pagemap_devmem_init(&td->devmem, tpm->dev, mm, &tdevmem_ops,
				&tpm->dpagemap, npages << PAGE_SHIFT, NULL);
	atomic_inc(&tpm->devmem_live);
	return td;
}

static struct tdevmem *tdevmem_alloc(struct kunit *test, struct tpm *tpm,
				     unsigned long npages)
{
	struct tdevmem *td = __tdevmem_alloc(tpm, current->mm, npages);

	KUNIT_ASSERT_NOT_NULL_MSG(test, td, "test pagemap %d full", tpm->id);
	return td;
}

/* The provider's populate_mm: one allocation for the range. */
static int tpm_populate_mm(struct drm_pagemap *dpagemap, unsigned long start,
			   unsigned long end, struct mm_struct *mm,
			   unsigned long timeslice_ms)
{
	struct tpm *tpm = container_of(dpagemap, struct tpm, dpagemap);
	struct drm_pagemap_migrate_details md = { .timeslice_ms = timeslice_ms };
	struct tdevmem *td;

	mmap_assert_locked(mm);
	if (tpm->populate_entered) {
		complete(tpm->populate_entered);
		wait_for_completion(tpm->populate_go);
	}
	td = __tdevmem_alloc(tpm, mm, (end - start) >> PAGE_SHIFT);
	if (!td)
		return -ENOMEM;
	return drm_pagemap_migrate_to_devmem(&td->devmem, mm, start, end, &md);
}

static const struct drm_pagemap_ops tpm_ops = {
	.device_map = tpm_device_map,
	.device_unmap = tpm_device_unmap,
	.populate_mm = tpm_populate_mm,
	.destroy = tpm_destroy,
};

static struct tpm *tpm_create(struct kunit *test, struct tpm_ctx *ctx, int id,
			      void *owner)
{
	char name[16];
	struct tpm *tpm;
	void *addr;
	int err;

	tpm = kzalloc(sizeof(*tpm), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tpm);
	tpm->id = id;
	tpm->destroyed = &ctx->destroyed;
	atomic_set(&tpm->ram_copies_to_fail_after, -1);
	atomic_set(&tpm->maps_to_fail_after, -1);
	spin_lock_init(&tpm->lock);
	tpm->backing = vzalloc(TPM_NPAGES * PAGE_SIZE);
	KUNIT_ASSERT_NOT_NULL(test, tpm->backing);

	snprintf(name, sizeof(name), "tpm%d", id);
	tpm->dev = kunit_device_register(test, name);
	KUNIT_ASSERT_FALSE(test, IS_ERR(tpm->dev));
	tpm->dev->coherent_dma_mask = DMA_BIT_MASK(64);
	tpm->dev->dma_mask = &tpm->dev->coherent_dma_mask;

	tpm->res = request_free_mem_region(&iomem_resource,
					   TPM_NPAGES * PAGE_SIZE, name);
	KUNIT_ASSERT_FALSE(test, IS_ERR(tpm->res));
	tpm->pgmap.type = MEMORY_DEVICE_PRIVATE;
	tpm->pgmap.range.start = tpm->res->start;
	tpm->pgmap.range.end = tpm->res->end;
	tpm->pgmap.nr_range = 1;
	tpm->pgmap.ops = drm_pagemap_pagemap_ops_get();
	tpm->pgmap.owner = owner;
	addr = memremap_pages(&tpm->pgmap, numa_node_id());
	KUNIT_ASSERT_FALSE(test, IS_ERR(addr));
	tpm->pfn_first = PHYS_PFN(tpm->res->start);

	err = drm_pagemap_init(&tpm->dpagemap, &tpm->pgmap, NULL, &tpm_ops);
	KUNIT_ASSERT_EQ(test, err, 0);
	tpm_by_id[id] = tpm;
	return tpm;
}

static int tpm_test_init(struct kunit *test)
{
	struct tpm_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	test->priv = ctx;
	drm_pagemap_stats_get(&ctx->s0);
	ctx->tpm[0] = tpm_create(test, ctx, 0, &tpm_owner_ab);
	ctx->tpm[1] = tpm_create(test, ctx, 1, &tpm_owner_ab);
	ctx->tpm[2] = tpm_create(test, ctx, 2, &tpm_owner_c);
	return 0;
}

/* No allocation, zdd or device page may be left: then let them go. */
static void tpm_test_exit(struct kunit *test)
{
	struct tpm_ctx *ctx = test->priv;
	struct drm_pagemap_stats s;
	int i;

	for (i = 0; i < TPM_MAX; i++) {
		struct tpm *tpm = ctx->tpm[i];

		if (!tpm)
			continue;
		KUNIT_EXPECT_EQ(test, atomic_read(&tpm->devmem_live), 0);
		KUNIT_EXPECT_EQ(test, atomic_read(&tpm->maps_live), 0);
		KUNIT_EXPECT_EQ(test, kref_read(&tpm->dpagemap.ref), 1);
		KUNIT_EXPECT_TRUE(test, bitmap_empty(tpm->used, TPM_NPAGES));
	}
	drm_pagemap_stats_get(&s);
	KUNIT_EXPECT_EQ(test, s.zdds, ctx->s0.zdds);
	for (i = 0; i < TPM_MAX; i++)
		drm_pagemap_put(&ctx->tpm[i]->dpagemap);
	drm_pagemap_flush_destroyed();
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->destroyed), TPM_MAX);
	for (i = 0; i < TPM_MAX; i++)
		tpm_by_id[i] = NULL;
}

/* Where each page of [addr, addr + npages) is: -1 unknown, 0 system, 1 + id. */
static bool tpm_mni_invalidate(struct mmu_interval_notifier *mni,
			       const struct mmu_notifier_range *range,
			       unsigned long cur_seq)
{
	mmu_interval_set_seq(mni, cur_seq);
	return true;
}

static const struct mmu_interval_notifier_ops tpm_mni_ops = {
	.invalidate = tpm_mni_invalidate,
};

static void tpm_snapshot(struct kunit *test, unsigned long addr,
			 unsigned long npages, void *owner, unsigned long *pfns)
{
	struct mm_struct *mm = current->mm;
	struct mmu_interval_notifier mni;
	struct hmm_range range = {
		.notifier = &mni,
		.start = addr,
		.end = addr + npages * PAGE_SIZE,
		.hmm_pfns = pfns,
		.dev_private_owner = owner,
	};
	int err;

	err = mmu_interval_notifier_insert(&mni, mm, addr, npages * PAGE_SIZE,
					   &tpm_mni_ops);
	KUNIT_ASSERT_EQ(test, err, 0);
	do {
		range.notifier_seq = mmu_interval_read_begin(&mni);
		mmap_read_lock(mm);
		err = hmm_range_fault(&range);
		mmap_read_unlock(mm);
	} while (err == -EBUSY);
	mmu_interval_notifier_remove(&mni);
	KUNIT_ASSERT_EQ(test, err, 0);
}

static void tpm_where(struct kunit *test, unsigned long addr,
		      unsigned long npages, int *loc)
{
	static void * const owners[] = { &tpm_owner_ab, &tpm_owner_c };
	unsigned long *pfns = kunit_kcalloc(test, npages, sizeof(*pfns),
					    GFP_KERNEL);
	unsigned long i;
	int o;

	KUNIT_ASSERT_NOT_NULL(test, pfns);
	for (i = 0; i < npages; i++)
		loc[i] = -1;
	for (o = 0; o < ARRAY_SIZE(owners); o++) {
		memset(pfns, 0, npages * sizeof(*pfns));
		tpm_snapshot(test, addr, npages, owners[o], pfns);
		for (i = 0; i < npages; i++) {
			struct page *page;

			if (!(pfns[i] & HMM_PFN_VALID))
				continue;
			page = hmm_pfn_to_page(pfns[i]);
			if (!is_device_private_page(page))
				loc[i] = 0;
			else if (page->pgmap->ops == drm_pagemap_pagemap_ops_get())
				loc[i] = 1 + page_tpm(page)->id;
		}
	}
}

static void tpm_expect_where(struct kunit *test, unsigned long addr,
			     unsigned long first, unsigned long n, int where)
{
	int *loc = kunit_kcalloc(test, first + n, sizeof(*loc), GFP_KERNEL);
	unsigned long i;

	KUNIT_ASSERT_NOT_NULL(test, loc);
	tpm_where(test, addr, first + n, loc);
	for (i = first; i < first + n; i++)
		KUNIT_EXPECT_EQ_MSG(test, loc[i], where, "page %lu", i);
}

static u32 tpm_pattern(unsigned long page, unsigned long word, u32 seed)
{
	return seed ^ (page << 16) ^ word;
}

/* Map @npages anonymous pages, write a pattern to the first @filled. */
static unsigned long tpm_user_map(struct kunit *test, unsigned long npages,
				  unsigned long filled, u32 seed,
				  unsigned long flags)
{
	size_t words = PAGE_SIZE / sizeof(u32);
	unsigned long addr, p, w;
	u32 *buf;

	addr = kunit_vm_mmap(test, NULL, 0, npages * PAGE_SIZE,
			     PROT_READ | PROT_WRITE, flags, 0);
	KUNIT_ASSERT_NE_MSG(test, addr, 0, "kunit_vm_mmap failed");
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(addr));
	buf = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	for (p = 0; p < filled; p++) {
		for (w = 0; w < words; w++)
			buf[w] = tpm_pattern(p, w, seed);
		KUNIT_ASSERT_EQ(test, copy_to_user((void __user *)addr + p * PAGE_SIZE,
						   buf, PAGE_SIZE), 0);
	}
	return addr;
}

/* The pattern (zeroes past @filled) in a page at @mem. */
static bool tpm_check_mem(const u32 *mem, unsigned long p,
			  unsigned long filled, u32 seed)
{
	size_t words = PAGE_SIZE / sizeof(u32);
	size_t w;

	for (w = 0; w < words; w++)
		if (mem[w] != (p < filled ? tpm_pattern(p, w, seed) : 0))
			return false;
	return true;
}

/* Read the range through the CPU (faulting device pages back): the data. */
static void tpm_expect_user_data(struct kunit *test, unsigned long addr,
				 unsigned long npages, unsigned long filled,
				 u32 seed)
{
	u32 *buf = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
	unsigned long p;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	for (p = 0; p < npages; p++) {
		KUNIT_ASSERT_EQ(test, copy_from_user(buf,
						     (void __user *)addr + p * PAGE_SIZE,
						     PAGE_SIZE), 0);
		KUNIT_EXPECT_TRUE_MSG(test, tpm_check_mem(buf, p, filled, seed),
				      "page %lu", p);
	}
}

static void tpm_expect_devmem_data(struct kunit *test, struct tdevmem *td,
				   unsigned long filled, u32 seed)
{
	unsigned long p;

	for (p = 0; p < td->npages; p++)
		KUNIT_EXPECT_TRUE_MSG(test,
				      tpm_check_mem(td->tpm->backing +
						    (td->first + p) * PAGE_SIZE,
						    p, filled, seed),
				      "devmem page %lu", p);
}

static int tpm_migrate(struct tdevmem *td, unsigned long start,
		       unsigned long end, unsigned long timeslice_ms)
{
	struct drm_pagemap_migrate_details md = { .timeslice_ms = timeslice_ms };
	struct mm_struct *mm = current->mm;
	int err;

	mmap_read_lock(mm);
	err = drm_pagemap_migrate_to_devmem(&td->devmem, mm, start, end, &md);
	mmap_read_unlock(mm);
	return err;
}

#define ANON_PRIVATE (MAP_ANONYMOUS | MAP_PRIVATE)

static void tpm_migrate_roundtrip(struct kunit *test)
{
	struct tpm_ctx *ctx = test->priv;
	struct tpm *a = ctx->tpm[0];
	const unsigned long n = 16, filled = 12;
	struct drm_pagemap_stats s;
	struct tdevmem *td;
	unsigned long addr;
	struct page *page;

	addr = tpm_user_map(test, n, filled, 0x1234, ANON_PRIVATE);
	tpm_expect_where(test, addr, 0, filled, 0);

	td = tdevmem_alloc(test, a, n);
	kref_get(&td->ref);
	/* Stale device memory: zero-filling must overwrite it. */
	memset(a->backing + td->first * PAGE_SIZE, 0xa5, n * PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, tpm_migrate(td, addr, addr + n * PAGE_SIZE, 0), 0);
	tpm_expect_where(test, addr, 0, n, 1 + a->id);
	/* Never-touched pages arrive as zeroes; one copy for one run. */
	tpm_expect_devmem_data(test, td, filled, 0x1234);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->copy_to_devmem_calls), 1);
	/* ... without a source to copy from: zero-filled in place. */
	KUNIT_EXPECT_EQ(test, atomic_read(&a->src_sys), filled);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->src_zero), n - filled);
	drm_pagemap_stats_get(&s);
	KUNIT_EXPECT_EQ(test, s.zdds, ctx->s0.zdds + 1);
	/* Each device page holds a zdd reference, each zdd a pagemap one. */
	KUNIT_EXPECT_EQ(test, kref_read(&a->dpagemap.ref), 2);
	page = pfn_to_page(a->pfn_first + td->first);
	KUNIT_EXPECT_PTR_EQ(test, drm_pagemap_page_to_dpagemap(page),
			    &a->dpagemap);
	KUNIT_EXPECT_PTR_EQ(test, drm_pagemap_page_to_devmem(page),
			    &td->devmem);
	KUNIT_EXPECT_NOT_NULL(test, drm_pagemap_page_zone_device_data(page));
	KUNIT_EXPECT_PTR_EQ(test, drm_pagemap_page_zone_device_data(page),
			    drm_pagemap_page_zone_device_data(page + n - 1));

	/* CPU access migrates it back, data intact. */
	tpm_expect_user_data(test, addr, n, filled, 0x1234);
	tpm_expect_where(test, addr, 0, n, 0);
	KUNIT_EXPECT_GE(test, atomic_read(&a->copy_to_ram_calls), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->devmem_live), 0);
	KUNIT_EXPECT_EQ(test, kref_read(&td->ref), 1);
	kref_put(&td->ref, tdevmem_free);
	drm_pagemap_stats_get(&s);
	KUNIT_EXPECT_EQ(test, s.zdds, ctx->s0.zdds);
	KUNIT_EXPECT_EQ(test, kref_read(&a->dpagemap.ref), 1);
}

static void tpm_populate(struct kunit *test)
{
	struct tpm_ctx *ctx = test->priv;
	struct tpm *b = ctx->tpm[1];
	const unsigned long n = 8;
	unsigned long addr;

	addr = tpm_user_map(test, n, n, 0x4242, ANON_PRIVATE);
	KUNIT_EXPECT_EQ(test, drm_pagemap_populate_mm(&b->dpagemap, addr,
						      addr + n * PAGE_SIZE,
						      current->mm, 0), 0);
	tpm_expect_where(test, addr, 0, n, 1 + b->id);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->devmem_live), 1);
	tpm_expect_user_data(test, addr, n, n, 0x4242);
	tpm_expect_where(test, addr, 0, n, 0);
}

/*
 * @n pages of a new mapping filled with @seed, migrated into a new
 * allocation of @tpm made for the test's mm (for no mm without @with_mm);
 * the test holds a reference on it.
 */
static struct tdevmem *tpm_migrated(struct kunit *test, struct tpm *tpm,
				    bool with_mm, unsigned long n, u32 seed,
				    unsigned long *addr)
{
	struct tdevmem *td;

	/* The first mapping of a test gives it its mm. */
	*addr = tpm_user_map(test, n, n, seed, ANON_PRIVATE);
	td = __tdevmem_alloc(tpm, with_mm ? current->mm : NULL, n);
	KUNIT_ASSERT_NOT_NULL(test, td);
	kref_get(&td->ref);
	KUNIT_ASSERT_EQ(test, tpm_migrate(td, *addr, *addr + n * PAGE_SIZE, 0),
			0);
	return td;
}

/*
 * The @n pages at @addr, of allocation @td of @tpm, are back in system memory
 * with their data (@seed), the allocation released; drops the test's
 * reference on it.
 */
static void tpm_expect_evicted(struct kunit *test, struct tpm *tpm,
			       struct tdevmem *td, unsigned long addr,
			       unsigned long n, u32 seed)
{
	tpm_expect_where(test, addr, 0, n, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&tpm->devmem_live), 0);
	kref_put(&td->ref, tdevmem_free);
	tpm_expect_user_data(test, addr, n, n, seed);
}

static void tpm_evict(struct kunit *test)
{
	struct tpm_ctx *ctx = test->priv;
	struct tpm *a = ctx->tpm[0];
	const unsigned long n = 8;
	struct tdevmem *td;
	unsigned long addr;

	td = tpm_migrated(test, a, true, n, 0xbeef, &addr);
	tpm_expect_where(test, addr, 0, n, 1 + a->id);

	KUNIT_EXPECT_EQ(test, drm_pagemap_evict_to_ram(&td->devmem), 0);
	/* Evicted without a CPU fault: one copy call for the whole run. */
	KUNIT_EXPECT_EQ(test, atomic_read(&a->copy_to_ram_calls), 1);
	tpm_expect_where(test, addr, 0, n, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->devmem_live), 0);
	kref_put(&td->ref, tdevmem_free);
	tpm_expect_user_data(test, addr, n, n, 0xbeef);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->copy_to_ram_calls), 1);
}

static void tpm_evict_busy(struct kunit *test)
{
	struct tpm_ctx *ctx = test->priv;
	struct tpm *a = ctx->tpm[0];
	const unsigned long n = 8;
	struct tdevmem *td;
	unsigned long addr;
	struct page *page;

	td = tpm_migrated(test, a, true, n, 0xb05e, &addr);

	/* A device page someone holds locked cannot go: retried, then -EBUSY. */
	page = pfn_to_page(a->pfn_first + td->first + 2);
	get_page(page);
	lock_page(page);
	KUNIT_EXPECT_EQ(test, drm_pagemap_evict_to_ram(&td->devmem), -EBUSY);
	tpm_expect_where(test, addr, 0, 2, 0);
	tpm_expect_where(test, addr, 2, 1, 1 + a->id);
	tpm_expect_where(test, addr, 3, n - 3, 0);
	/* Two runs around the busy page, one copy call each. */
	KUNIT_EXPECT_EQ(test, atomic_read(&a->copy_to_ram_calls), 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->devmem_live), 1);
	unlock_page(page);
	put_page(page);

	KUNIT_EXPECT_EQ(test, drm_pagemap_evict_to_ram(&td->devmem), 0);
	tpm_expect_evicted(test, a, td, addr, n, 0xb05e);
}

/*
 * drm_pagemap_migrate_range_to_ram(): the pages of one owner group (two
 * peer pagemaps) come back without a CPU fault, one copy call per run of
 * one allocation, data intact; another group's pages and system pages
 * stay where they are.
 */
static void tpm_range_to_ram(struct kunit *test)
{
	struct tpm_ctx *ctx = test->priv;
	struct tpm *a = ctx->tpm[0], *b = ctx->tpm[1], *c = ctx->tpm[2];
	const unsigned long n = 16, q = n / 4;
	struct tdevmem *ta, *tb, *tc;
	struct mm_struct *mm;
	unsigned long addr;
	int err;

	/* The test's mm comes with its first mapping (kunit_vm_mmap()). */
	addr = tpm_user_map(test, n, n, 0x7a11, ANON_PRIVATE);
	mm = current->mm;
	ta = tdevmem_alloc(test, a, q);
	tb = tdevmem_alloc(test, b, q);
	tc = tdevmem_alloc(test, c, q);
	/* [0, q) system, then a's, b's and c's VRAM. */
	KUNIT_ASSERT_EQ(test, tpm_migrate(ta, addr + q * PAGE_SIZE,
					  addr + 2 * q * PAGE_SIZE, 0), 0);
	KUNIT_ASSERT_EQ(test, tpm_migrate(tb, addr + 2 * q * PAGE_SIZE,
					  addr + 3 * q * PAGE_SIZE, 0), 0);
	KUNIT_ASSERT_EQ(test, tpm_migrate(tc, addr + 3 * q * PAGE_SIZE,
					  addr + n * PAGE_SIZE, 0), 0);

	mmap_read_lock(mm);
	err = drm_pagemap_migrate_range_to_ram(mm, addr, addr + n * PAGE_SIZE,
					       &tpm_owner_ab);
	mmap_read_unlock(mm);
	KUNIT_EXPECT_EQ(test, err, 0);
	tpm_expect_where(test, addr, 0, 3 * q, 0);
	tpm_expect_where(test, addr, 3 * q, q, 1 + c->id);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->copy_to_ram_calls), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->copy_to_ram_calls), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->copy_to_ram_calls), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->devmem_live), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->devmem_live), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->devmem_live), 1);

	/* A bad range changes nothing. */
	mmap_read_lock(mm);
	KUNIT_EXPECT_EQ(test, drm_pagemap_migrate_range_to_ram(mm, addr + 1,
							       addr + n * PAGE_SIZE,
							       &tpm_owner_c),
			-EINVAL);
	mmap_read_unlock(mm);
	tpm_expect_where(test, addr, 3 * q, q, 1 + c->id);

	/* The data, through the CPU (which brings c's pages back too). */
	tpm_expect_user_data(test, addr, n, n, 0x7a11);
	tpm_expect_where(test, addr, 0, n, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->copy_to_ram_calls), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->copy_to_ram_calls), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->devmem_live), 0);
}

/* CPU faults on a range spread over two peer pagemaps. */
static void tpm_fault_mixed(struct kunit *test)
{
	struct tpm_ctx *ctx = test->priv;
	struct tpm *a = ctx->tpm[0], *b = ctx->tpm[1];
	const unsigned long n = 16;
	struct tdevmem *ta, *tb;
	unsigned long addr;

	addr = tpm_user_map(test, n, n, 0xf00d, ANON_PRIVATE);
	ta = tdevmem_alloc(test, a, n / 2);
	tb = tdevmem_alloc(test, b, n / 2);
	KUNIT_ASSERT_EQ(test, tpm_migrate(ta, addr, addr + n / 2 * PAGE_SIZE, 0), 0);
	KUNIT_ASSERT_EQ(test, tpm_migrate(tb, addr + n / 2 * PAGE_SIZE,
					  addr + n * PAGE_SIZE, 0), 0);
	tpm_expect_where(test, addr, 0, n / 2, 1 + a->id);
	tpm_expect_where(test, addr, n / 2, n / 2, 1 + b->id);
	tpm_expect_user_data(test, addr, n, n, 0xf00d);
	tpm_expect_where(test, addr, 0, n, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->devmem_live), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->devmem_live), 0);
}

static void tpm_busy_pinned(struct kunit *test)
{
	struct tpm_ctx *ctx = test->priv;
	struct tpm *a = ctx->tpm[0];
	const unsigned long n = 8;
	struct page *pinned;
	struct tdevmem *td;
	unsigned long addr;

	addr = tpm_user_map(test, n, n, 0x77, ANON_PRIVATE);
	KUNIT_ASSERT_EQ(test, get_user_pages_fast(addr + 3 * PAGE_SIZE, 1,
						  FOLL_WRITE, &pinned), 1);
	td = tdevmem_alloc(test, a, n);
	KUNIT_EXPECT_EQ(test, tpm_migrate(td, addr, addr + n * PAGE_SIZE, 0),
			-EBUSY);
	put_page(pinned);
	/* Nothing moved, nothing copied, the allocation is released. */
	tpm_expect_where(test, addr, 0, n, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->copy_to_devmem_calls), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->devmem_live), 0);
	tpm_expect_user_data(test, addr, n, n, 0x77);

	/* Unpinned, it goes. */
	td = tdevmem_alloc(test, a, n);
	KUNIT_EXPECT_EQ(test, tpm_migrate(td, addr, addr + n * PAGE_SIZE, 0), 0);
	tpm_expect_where(test, addr, 0, n, 1 + a->id);
	tpm_expect_user_data(test, addr, n, n, 0x77);
}

static void tpm_busy_foreign_owner(struct kunit *test)
{
	struct tpm_ctx *ctx = test->priv;
	struct tpm *a = ctx->tpm[0], *c = ctx->tpm[2];
	const unsigned long n = 8;
	struct tdevmem *td;
	unsigned long addr;

	addr = tpm_user_map(test, n, n, 0x5a5a, ANON_PRIVATE);
	td = tdevmem_alloc(test, c, 4);
	KUNIT_ASSERT_EQ(test, tpm_migrate(td, addr, addr + 4 * PAGE_SIZE, 0), 0);
	tpm_expect_where(test, addr, 0, 4, 1 + c->id);

	/* C's pages have another owner: A may not take them, all or nothing. */
	td = tdevmem_alloc(test, a, n);
	KUNIT_EXPECT_EQ(test, tpm_migrate(td, addr, addr + n * PAGE_SIZE, 0),
			-EBUSY);
	tpm_expect_where(test, addr, 0, 4, 1 + c->id);
	tpm_expect_where(test, addr, 4, 4, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->copy_to_devmem_calls), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->devmem_live), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->maps_live), 0);
	tpm_expect_user_data(test, addr, n, n, 0x5a5a);
	tpm_expect_where(test, addr, 0, n, 0);
}

static void tpm_peer_direct(struct kunit *test)
{
	struct tpm_ctx *ctx = test->priv;
	struct tpm *a = ctx->tpm[0], *b = ctx->tpm[1];
	const unsigned long n = 8;
	struct tdevmem *ta, *tb;
	unsigned long addr;

	addr = tpm_user_map(test, n, n, 0xc0ffee, ANON_PRIVATE);
	ta = tdevmem_alloc(test, a, 4);
	KUNIT_ASSERT_EQ(test, tpm_migrate(ta, addr, addr + 4 * PAGE_SIZE, 0), 0);
	tpm_expect_where(test, addr, 0, 4, 1 + a->id);

	/* Pages 0-3 on peer A, 4-7 in system memory, all to B. */
	tb = tdevmem_alloc(test, b, n);
	kref_get(&tb->ref);
	KUNIT_ASSERT_EQ(test, tpm_migrate(tb, addr, addr + n * PAGE_SIZE, 0), 0);
	tpm_expect_where(test, addr, 0, n, 1 + b->id);
	tpm_expect_devmem_data(test, tb, n, 0xc0ffee);
	/*
	 * As upstream since 7.2, the source copies its pages: A's
	 * copy_to_ram wrote them, once, at the peer addresses B's device_map
	 * gave A's device for B's new pages; never bounced through system
	 * memory. B's copy_to_devmem copied the system pages only.
	 */
	KUNIT_EXPECT_EQ(test, atomic_read(&a->copy_to_ram_calls), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->dst_p2p), 4);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->dst_sys), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->maps_made), 4);
	KUNIT_EXPECT_PTR_EQ(test, READ_ONCE(b->last_map_dev), a->dev);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->maps_made), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->src_p2p), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->src_sys), 4);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->copy_to_devmem_calls), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->mixed_calls), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->maps_live), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->maps_live), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->devmem_live), 0);

	/*
	 * Migrating to B again (a new allocation): the pages are already
	 * there and stay, nothing is copied, and the new allocation, which
	 * no page took, is released.
	 */
	ta = tdevmem_alloc(test, b, n);
	KUNIT_ASSERT_EQ(test, tpm_migrate(ta, addr, addr + n * PAGE_SIZE, 0), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->src_driver), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->copy_to_devmem_calls), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->copy_to_ram_calls), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->devmem_live), 1);
	tpm_expect_where(test, addr, 0, n, 1 + b->id);
	tpm_expect_devmem_data(test, tb, n, 0xc0ffee);
	kref_put(&tb->ref, tdevmem_free);

	tpm_expect_user_data(test, addr, n, n, 0xc0ffee);
	tpm_expect_where(test, addr, 0, n, 0);
}

static const char *tpm_fence_name(struct dma_fence *fence)
{
	return "drm_pagemap_test";
}

static const struct dma_fence_ops tpm_fence_ops = {
	.get_driver_name = tpm_fence_name,
	.get_timeline_name = tpm_fence_name,
};

static DEFINE_SPINLOCK(tpm_fence_lock);

/* A signaled fence with one reference. */
static struct dma_fence *tpm_fence(struct kunit *test)
{
	struct dma_fence *fence = kzalloc(sizeof(*fence), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, fence);
	dma_fence_init(fence, &tpm_fence_ops, &tpm_fence_lock,
		       dma_fence_context_alloc(1), 1);
	dma_fence_signal(fence);
	return fence;
}

/*
 * Every copy into the allocation is handed its pre_migrate_fence, and the
 * allocation's reference is dropped by a successful migration, by the
 * allocation's release after a failed one.
 */
static void tpm_pre_migrate_fence(struct kunit *test)
{
	struct tpm_ctx *ctx = test->priv;
	struct tpm *a = ctx->tpm[0], *b = ctx->tpm[1];
	struct dma_fence *fence = tpm_fence(test);
	const unsigned long n = 8;
	struct tdevmem *td;
	unsigned long addr;

	addr = tpm_user_map(test, n, n, 0xfe11ce, ANON_PRIVATE);
	td = tdevmem_alloc(test, a, n / 2);
	KUNIT_ASSERT_EQ(test, tpm_migrate(td, addr, addr + n / 2 * PAGE_SIZE,
					  0), 0);

	/*
	 * Two runs into B: peer pages of A, copied by A, then system pages,
	 * copied by B: both copies write B's memory and wait for its fence.
	 */
	td = tdevmem_alloc(test, b, n);
	kref_get(&td->ref);
	td->devmem.pre_migrate_fence = dma_fence_get(fence);
	KUNIT_ASSERT_EQ(test, tpm_migrate(td, addr, addr + n * PAGE_SIZE, 0), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->copy_to_devmem_calls), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->copy_to_ram_calls), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->fenced_copies), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->fenced_copies), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->unsignaled_copies), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->unsignaled_copies), 0);
	KUNIT_EXPECT_NULL(test, td->devmem.pre_migrate_fence);
	KUNIT_EXPECT_EQ(test, kref_read(&fence->refcount), 1);
	tpm_expect_devmem_data(test, td, n, 0xfe11ce);
	kref_put(&td->ref, tdevmem_free);

	/* A failed migration: the release drops it. */
	td = tdevmem_alloc(test, a, n);
	td->devmem.pre_migrate_fence = dma_fence_get(fence);
	KUNIT_EXPECT_EQ(test, tpm_migrate(td, addr, addr + PAGE_SIZE, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, kref_read(&fence->refcount), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->fenced_copies), 1);
	dma_fence_put(fence);

	/* Copies out of device memory to system memory have no fence. */
	tpm_expect_user_data(test, addr, n, n, 0xfe11ce);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->fenced_copies), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->fenced_copies), 1);
}

/* Migrate [start, end) into @td with can_migrate_same_pagemap. */
static int tpm_migrate_same(struct tdevmem *td, unsigned long start,
			    unsigned long end)
{
	struct drm_pagemap_migrate_details md = {
		.can_migrate_same_pagemap = 1,
	};
	struct mm_struct *mm = current->mm;
	int err;

	mmap_read_lock(mm);
	err = drm_pagemap_migrate_to_devmem(&td->devmem, mm, start, end, &md);
	mmap_read_unlock(mm);
	return err;
}

/*
 * With can_migrate_same_pagemap, pages already in the destination pagemap
 * (another allocation) move into the new allocation with the others,
 * copied by their own allocation's copy_to_ram to the destination pages at
 * the address device_map gives their own device; a range wholly there
 * already is left alone, whatever the flag (tpm_peer_direct).
 */
static void tpm_same_pagemap(struct kunit *test)
{
	struct tpm_ctx *ctx = test->priv;
	struct tpm *a = ctx->tpm[0];
	const unsigned long n = 8;
	struct tdevmem *t1, *t2, *t3;
	unsigned long addr;

	addr = tpm_user_map(test, n, n, 0x5a3e, ANON_PRIVATE);
	t1 = tdevmem_alloc(test, a, n / 2);
	KUNIT_ASSERT_EQ(test, tpm_migrate(t1, addr, addr + n / 2 * PAGE_SIZE,
					  0), 0);

	t2 = tdevmem_alloc(test, a, n);
	kref_get(&t2->ref);
	KUNIT_ASSERT_EQ(test, tpm_migrate_same(t2, addr, addr + n * PAGE_SIZE),
			0);
	/* A's own pages: one copy_to_ram, at A's own addresses. */
	KUNIT_EXPECT_EQ(test, atomic_read(&a->copy_to_ram_calls), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->dst_driver), n / 2);
	KUNIT_EXPECT_PTR_EQ(test, READ_ONCE(a->last_map_dev), a->dev);
	/* The system pages: A's copy_to_devmem, as always. */
	KUNIT_EXPECT_EQ(test, atomic_read(&a->copy_to_devmem_calls), 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->src_sys), n);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->src_driver), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->maps_live), 0);
	/* The first allocation lost its last page. */
	KUNIT_EXPECT_EQ(test, atomic_read(&a->devmem_live), 1);
	tpm_expect_where(test, addr, 0, n, 1 + a->id);
	tpm_expect_devmem_data(test, t2, n, 0x5a3e);

	/* All there already: nothing to do, the new allocation is released. */
	t3 = tdevmem_alloc(test, a, n);
	KUNIT_EXPECT_EQ(test, tpm_migrate_same(t3, addr, addr + n * PAGE_SIZE),
			0);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->copy_to_ram_calls), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->copy_to_devmem_calls), 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->devmem_live), 1);
	tpm_expect_devmem_data(test, t2, n, 0x5a3e);
	kref_put(&t2->ref, tdevmem_free);
	tpm_expect_user_data(test, addr, n, n, 0x5a3e);
}

/*
 * Without can_migrate_same_pagemap, a range only partly in the destination
 * pagemap is refused with -EBUSY, as upstream: nothing moves, nothing is
 * copied, the new allocation is released; the caller evicts or passes the
 * flag. Also when the rest of the range is in a peer.
 */
static void tpm_same_pagemap_busy(struct kunit *test)
{
	struct tpm_ctx *ctx = test->priv;
	struct tpm *a = ctx->tpm[0], *b = ctx->tpm[1];
	const unsigned long n = 8;
	struct tdevmem *td;
	unsigned long addr;

	addr = tpm_user_map(test, n, n, 0xb5b5, ANON_PRIVATE);
	td = tdevmem_alloc(test, a, n / 2);
	KUNIT_ASSERT_EQ(test, tpm_migrate(td, addr, addr + n / 2 * PAGE_SIZE,
					  0), 0);

	td = tdevmem_alloc(test, a, n);
	KUNIT_EXPECT_EQ(test, tpm_migrate(td, addr, addr + n * PAGE_SIZE, 0),
			-EBUSY);
	tpm_expect_where(test, addr, 0, n / 2, 1 + a->id);
	tpm_expect_where(test, addr, n / 2, n / 2, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->copy_to_devmem_calls), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->copy_to_ram_calls), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->devmem_live), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->maps_live), 0);

	/* Half in peer B, half in A: into A is busy as well. */
	td = tdevmem_alloc(test, b, n / 2);
	KUNIT_ASSERT_EQ(test, tpm_migrate(td, addr + n / 2 * PAGE_SIZE,
					  addr + n * PAGE_SIZE, 0), 0);
	td = tdevmem_alloc(test, a, n);
	KUNIT_EXPECT_EQ(test, tpm_migrate(td, addr, addr + n * PAGE_SIZE, 0),
			-EBUSY);
	tpm_expect_where(test, addr, 0, n / 2, 1 + a->id);
	tpm_expect_where(test, addr, n / 2, n / 2, 1 + b->id);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->copy_to_ram_calls), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->devmem_live), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->devmem_live), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->maps_made), 0);

	/* The flag lets it through: A's and B's pages end in one allocation. */
	td = tdevmem_alloc(test, a, n);
	kref_get(&td->ref);
	KUNIT_EXPECT_EQ(test, tpm_migrate_same(td, addr, addr + n * PAGE_SIZE),
			0);
	tpm_expect_where(test, addr, 0, n, 1 + a->id);
	tpm_expect_devmem_data(test, td, n, 0xb5b5);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->copy_to_ram_calls), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->dst_p2p), n / 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->dst_driver), n / 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->devmem_live), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->devmem_live), 0);
	kref_put(&td->ref, tdevmem_free);
	tpm_expect_user_data(test, addr, n, n, 0xb5b5);
}

/*
 * A range of pages of two allocations of A, system pages and B's own,
 * into B: a failing copy by the source (A's second run, after the runs
 * before it were copied) fails the whole migration with its error, and
 * leaves every page where it was, with its data: no destination page, no
 * mapping, no allocation is left. Then it goes through.
 */
static void tpm_peer_copy_fails(struct kunit *test)
{
	struct tpm_ctx *ctx = test->priv;
	struct tpm *a = ctx->tpm[0], *b = ctx->tpm[1];
	const unsigned long n = 8;
	struct tdevmem *td;
	unsigned long addr;

	addr = tpm_user_map(test, n, n, 0xfa11, ANON_PRIVATE);
	/* [0, 2) A, [2, 4) system, [4, 6) B, [6, 8) A (another allocation) */
	td = tdevmem_alloc(test, a, 2);
	KUNIT_ASSERT_EQ(test, tpm_migrate(td, addr, addr + 2 * PAGE_SIZE, 0), 0);
	td = tdevmem_alloc(test, b, 2);
	KUNIT_ASSERT_EQ(test, tpm_migrate(td, addr + 4 * PAGE_SIZE,
					  addr + 6 * PAGE_SIZE, 0), 0);
	td = tdevmem_alloc(test, a, 2);
	KUNIT_ASSERT_EQ(test, tpm_migrate(td, addr + 6 * PAGE_SIZE,
					  addr + n * PAGE_SIZE, 0), 0);

	atomic_set(&a->ram_copies_to_fail_after, 1);
	td = tdevmem_alloc(test, b, n);
	KUNIT_EXPECT_EQ(test, tpm_migrate_same(td, addr, addr + n * PAGE_SIZE),
			-EIO);
	/* Copied in address order up to the failure: A, system, B, A. */
	KUNIT_EXPECT_EQ(test, atomic_read(&a->copy_to_ram_calls), 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->dst_p2p), 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->copy_to_devmem_calls), 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->copy_to_ram_calls), 1);
	tpm_expect_where(test, addr, 0, 2, 1 + a->id);
	tpm_expect_where(test, addr, 2, 2, 0);
	tpm_expect_where(test, addr, 4, 2, 1 + b->id);
	tpm_expect_where(test, addr, 6, 2, 1 + a->id);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->devmem_live), 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->devmem_live), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->maps_live), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->maps_live), 0);

	/* A destination page B cannot map for A: -EFAULT, all unwound. */
	atomic_set(&a->ram_copies_to_fail_after, -1);
	atomic_set(&b->maps_to_fail_after, 1);
	td = tdevmem_alloc(test, b, n);
	KUNIT_EXPECT_EQ(test, tpm_migrate_same(td, addr, addr + n * PAGE_SIZE),
			-EFAULT);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->copy_to_ram_calls), 2);
	tpm_expect_where(test, addr, 0, 2, 1 + a->id);
	tpm_expect_where(test, addr, 2, 2, 0);
	tpm_expect_where(test, addr, 4, 2, 1 + b->id);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->devmem_live), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->maps_live), 0);
	atomic_set(&b->maps_to_fail_after, -1);

	td = tdevmem_alloc(test, b, n);
	kref_get(&td->ref);
	KUNIT_EXPECT_EQ(test, tpm_migrate_same(td, addr, addr + n * PAGE_SIZE),
			0);
	tpm_expect_where(test, addr, 0, n, 1 + b->id);
	tpm_expect_devmem_data(test, td, n, 0xfa11);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->copy_to_ram_calls), 4);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->dst_p2p), 2 + 4);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->dst_driver), 2 + 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->devmem_live), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->devmem_live), 1);
	kref_put(&td->ref, tdevmem_free);
	tpm_expect_user_data(test, addr, n, n, 0xfa11);
}

/*
 * Eviction reaches the pages through the allocation's mm and only tries its
 * mmap lock (the caller may hold another mm's): with the lock held for
 * writing it gives up with -EBUSY, copying nothing; once free, they go.
 */
static void tpm_evict_mm_busy(struct kunit *test)
{
	struct tpm_ctx *ctx = test->priv;
	struct tpm *a = ctx->tpm[0];
	const unsigned long n = 8;
	struct tdevmem *td;
	unsigned long addr;

	td = tpm_migrated(test, a, true, n, 0x1b5e, &addr);

	mmap_write_lock(current->mm);
	KUNIT_EXPECT_EQ(test, drm_pagemap_evict_to_ram(&td->devmem), -EBUSY);
	mmap_write_unlock(current->mm);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->copy_to_ram_calls), 0);
	tpm_expect_where(test, addr, 0, n, 1 + a->id);

	KUNIT_EXPECT_EQ(test, drm_pagemap_evict_to_ram(&td->devmem), 0);
	tpm_expect_evicted(test, a, td, addr, n, 0x1b5e);
}

/*
 * Eviction never unmaps pages by pfn (on Linux 6.12 that races with the
 * exit of the process mapping them): an allocation without an mm keeps its
 * pages (-EBUSY). Revocation, when the device goes, still takes them.
 */
static void tpm_evict_no_mm(struct kunit *test)
{
	struct tpm_ctx *ctx = test->priv;
	struct tpm *a = ctx->tpm[0];
	const unsigned long n = 8;
	struct tdevmem *td;
	unsigned long addr;

	td = tpm_migrated(test, a, false, n, 0x0e0e, &addr);

	KUNIT_EXPECT_EQ(test, drm_pagemap_evict_to_ram(&td->devmem), -EBUSY);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->copy_to_ram_calls), 0);
	tpm_expect_where(test, addr, 0, n, 1 + a->id);

	KUNIT_EXPECT_EQ(test, drm_pagemap_revoke(&a->dpagemap), 0);
	tpm_expect_evicted(test, a, td, addr, n, 0x0e0e);
}

/* A thread that takes an mm's mmap lock for writing, once. */
struct tpm_writer {
	struct mm_struct *mm;
	struct completion done;
};

static int tpm_writer_fn(void *arg)
{
	struct tpm_writer *w = arg;

	mmap_write_lock(w->mm);
	mmap_write_unlock(w->mm);
	complete(&w->done);
	return 0;
}

/*
 * A writer waits behind the caller's mmap read lock: a trylock of that lock
 * fails until the caller lets go, so drm_pagemap_evict_to_ram() gives up
 * (-EBUSY) on an allocation of that mm, where
 * drm_pagemap_evict_to_ram_held() migrates it under the caller's lock.
 */
static void tpm_evict_held(struct kunit *test)
{
	struct tpm_ctx *ctx = test->priv;
	struct tpm *a = ctx->tpm[0];
	const unsigned long n = 8;
	struct tpm_writer w;
	struct task_struct *task;
	struct tdevmem *td;
	unsigned long addr;
	int i;

	td = tpm_migrated(test, a, true, n, 0x4e1d, &addr);
	w.mm = current->mm;
	init_completion(&w.done);
	mmap_read_lock(w.mm);
	task = kthread_run(tpm_writer_fn, &w, "tpm_writer");
	if (IS_ERR(task)) {
		mmap_read_unlock(w.mm);
		KUNIT_FAIL(test, "kthread_run: %ld", PTR_ERR(task));
		return;
	}
	for (i = 0; i < 2000 && !mmap_lock_is_contended(w.mm); i++)
		usleep_range(500, 1000);
	KUNIT_EXPECT_TRUE(test, mmap_lock_is_contended(w.mm));

	KUNIT_EXPECT_EQ(test, drm_pagemap_evict_to_ram(&td->devmem), -EBUSY);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->copy_to_ram_calls), 0);
	KUNIT_EXPECT_EQ(test, drm_pagemap_evict_to_ram_held(&td->devmem, w.mm),
			0);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->copy_to_ram_calls), 1);
	mmap_read_unlock(w.mm);
	wait_for_completion(&w.done);

	tpm_expect_evicted(test, a, td, addr, n, 0x4e1d);
}

static void tpm_revoke(struct kunit *test)
{
	struct tpm_ctx *ctx = test->priv;
	struct tpm *a = ctx->tpm[0];
	const unsigned long n = 8;
	struct tdevmem *t1, *t2;
	unsigned long addr;

	addr = tpm_user_map(test, 2 * n, 2 * n, 0xdead, ANON_PRIVATE);
	t1 = tdevmem_alloc(test, a, n);
	t2 = tdevmem_alloc(test, a, n);
	KUNIT_ASSERT_EQ(test, tpm_migrate(t1, addr, addr + n * PAGE_SIZE, 0), 0);
	KUNIT_ASSERT_EQ(test, tpm_migrate(t2, addr + n * PAGE_SIZE,
					  addr + 2 * n * PAGE_SIZE, 0), 0);
	tpm_expect_where(test, addr, 0, 2 * n, 1 + a->id);

	KUNIT_EXPECT_EQ(test, drm_pagemap_revoke(&a->dpagemap), 0);
	tpm_expect_where(test, addr, 0, 2 * n, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->devmem_live), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->copy_to_ram_calls), 2);

	/* No new migration into a revoked pagemap. */
	t1 = tdevmem_alloc(test, a, n);
	KUNIT_EXPECT_EQ(test, tpm_migrate(t1, addr, addr + n * PAGE_SIZE, 0),
			-ENODEV);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->devmem_live), 0);
	KUNIT_EXPECT_EQ(test, drm_pagemap_populate_mm(&a->dpagemap, addr,
						      addr + n * PAGE_SIZE,
						      current->mm, 0), -ENODEV);
	tpm_expect_user_data(test, addr, 2 * n, 2 * n, 0xdead);
}

struct tpm_revoke_race {
	struct tpm *tpm;
	struct mm_struct *mm;
	unsigned long addr, end;
	int populate_err, revoke_err;
	struct completion populated, revoked;
};

static int tpm_race_populate_fn(void *arg)
{
	struct tpm_revoke_race *r = arg;

	r->populate_err = drm_pagemap_populate_mm(&r->tpm->dpagemap, r->addr,
						  r->end, r->mm, 0);
	complete(&r->populated);
	return 0;
}

static int tpm_race_revoke_fn(void *arg)
{
	struct tpm_revoke_race *r = arg;

	r->revoke_err = drm_pagemap_revoke(&r->tpm->dpagemap);
	complete(&r->revoked);
	return 0;
}

/*
 * A revoke that begins while a populate_mm op is on its way to allocate
 * device memory waits for it: the driver tears its device memory down once
 * the revoke returns, and the op's allocation must not come after that.
 */
static void tpm_revoke_populate_race(struct kunit *test)
{
	struct tpm_ctx *ctx = test->priv;
	struct tpm *a = ctx->tpm[0];
	const unsigned long n = 8;
	struct completion entered, go;
	struct tpm_revoke_race r = { .tpm = a };
	struct task_struct *task;
	bool early;

	r.addr = tpm_user_map(test, n, n, 0xbeef, ANON_PRIVATE);
	r.end = r.addr + n * PAGE_SIZE;
	/* The test's mm exists once it mapped something. */
	r.mm = current->mm;
	init_completion(&entered);
	init_completion(&go);
	init_completion(&r.populated);
	init_completion(&r.revoked);
	a->populate_entered = &entered;
	a->populate_go = &go;
	mmget(r.mm);

	task = kthread_run(tpm_race_populate_fn, &r, "tpm-populate");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	wait_for_completion(&entered);
	task = kthread_run(tpm_race_revoke_fn, &r, "tpm-revoke");
	if (IS_ERR(task)) {
		complete(&go);
		wait_for_completion(&r.populated);
		mmput(r.mm);
		KUNIT_FAIL(test, "no revoke thread");
		return;
	}
	/* The op is held before its allocation: the revoke must wait. */
	early = wait_for_completion_timeout(&r.revoked,
					    msecs_to_jiffies(200)) != 0;
	complete(&go);
	wait_for_completion(&r.populated);
	wait_for_completion(&r.revoked);
	mmput(r.mm);
	a->populate_entered = NULL;
	a->populate_go = NULL;

	KUNIT_EXPECT_FALSE_MSG(test, early,
			       "revoke returned under a populate_mm in flight");
	KUNIT_EXPECT_EQ(test, r.revoke_err, 0);
	/* The op's migration saw the revoke: nothing moved, nothing kept. */
	KUNIT_EXPECT_EQ(test, r.populate_err, -ENODEV);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->devmem_live), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->copies_after_revoke), 0);
	tpm_expect_where(test, r.addr, 0, n, 0);
	tpm_expect_user_data(test, r.addr, n, n, 0xbeef);
}

static void tpm_errnos(struct kunit *test)
{
	struct tpm_ctx *ctx = test->priv;
	struct tpm *a = ctx->tpm[0];
	const unsigned long n = 4;
	struct tdevmem *td;
	unsigned long addr, shared;

	/* Upstream's errnos: not anonymous private memory is busy. */
	shared = tpm_user_map(test, n, n, 1, MAP_ANONYMOUS | MAP_SHARED);
	td = tdevmem_alloc(test, a, n);
	KUNIT_EXPECT_EQ(test, tpm_migrate(td, shared, shared + n * PAGE_SIZE, 0),
			-EBUSY);
	/* No VMA at all. */
	td = tdevmem_alloc(test, a, n);
	KUNIT_EXPECT_EQ(test, tpm_migrate(td, PAGE_SIZE, (n + 1) * PAGE_SIZE, 0),
			-ENOENT);
	/* An allocation that cannot copy. */
	td = tdevmem_alloc(test, a, n);
	td->devmem.ops = &tdevmem_nocopy_ops;
	KUNIT_EXPECT_EQ(test, tpm_migrate(td, shared, shared + n * PAGE_SIZE, 0),
			-EOPNOTSUPP);
	addr = tpm_user_map(test, n, n, 2, ANON_PRIVATE);
	td = tdevmem_alloc(test, a, n);
	KUNIT_EXPECT_EQ(test, tpm_migrate(td, addr, addr + 2 * PAGE_SIZE, 0),
			-EINVAL);
	td = tdevmem_alloc(test, a, n);
	KUNIT_EXPECT_EQ(test, tpm_migrate(td, addr + 1, addr + n * PAGE_SIZE + 1, 0),
			-EINVAL);
	/* Each allocation was consumed. */
	KUNIT_EXPECT_EQ(test, atomic_read(&a->devmem_live), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->copy_to_devmem_calls), 0);
	tpm_expect_where(test, addr, 0, n, 0);
	tpm_expect_user_data(test, addr, n, n, 2);
}

static void tpm_timeslice(struct kunit *test)
{
	struct tpm_ctx *ctx = test->priv;
	struct tpm *a = ctx->tpm[0];
	const unsigned long n = 4, ms = 2000;
	struct tdevmem *td;
	unsigned long addr;
	u64 t0;

	addr = tpm_user_map(test, n, n, 3, ANON_PRIVATE);
	td = tdevmem_alloc(test, a, n);
	t0 = get_jiffies_64();
	KUNIT_ASSERT_EQ(test, tpm_migrate(td, addr, addr + n * PAGE_SIZE, ms), 0);
	/*
	 * The CPU fault during the timeslice backs off once, without
	 * sleeping, and its retry migrates: the data is back long before
	 * the timeslice ends.
	 */
	tpm_expect_user_data(test, addr, n, n, 3);
	KUNIT_EXPECT_LT(test, get_jiffies_64() - t0,
			(u64)msecs_to_jiffies(ms / 2));
	tpm_expect_where(test, addr, 0, n, 0);
}

struct tpm_stress {
	struct tpm_ctx *ctx;
	struct mm_struct *mm;
	unsigned long addr;
	unsigned long npages;
	int iterations;
	int moved, busy, refused, errors;
	struct completion done;
};

static int tpm_stress_migrate_fn(void *arg)
{
	struct tpm_stress *st = arg;
	int i;

	kthread_use_mm(st->mm);
	for (i = 0; i < st->iterations; i++) {
		struct tpm *tpm = st->ctx->tpm[i & 1];
		struct tdevmem *td = __tdevmem_alloc(tpm, st->mm, st->npages);
		int err;

		if (!td) {
			st->errors++;
			break;
		}
		err = tpm_migrate(td, st->addr, st->addr + st->npages * PAGE_SIZE, 0);
		if (!err)
			st->moved++;
		else if (err == -EBUSY)
			st->busy++;
		else if (err == -ENODEV && tpm->dpagemap.revoked)
			st->refused++;
		else
			st->errors++;
		cond_resched();
	}
	kthread_unuse_mm(st->mm);
	complete(&st->done);
	return 0;
}

/*
 * Map @n pages of @seed data and start a thread that migrates them
 * @iterations times between the peer pagemaps while the test touches them.
 */
static struct tpm_stress *tpm_stress_start(struct kunit *test, unsigned long n,
					   int iterations, u32 seed)
{
	struct tpm_stress *st = kunit_kzalloc(test, sizeof(*st), GFP_KERNEL);
	struct task_struct *task;

	KUNIT_ASSERT_NOT_NULL(test, st);
	st->ctx = test->priv;
	st->npages = n;
	st->iterations = iterations;
	st->addr = tpm_user_map(test, n, n, seed, ANON_PRIVATE);
	st->mm = current->mm;
	init_completion(&st->done);
	mmget(st->mm);

	task = kthread_run(tpm_stress_migrate_fn, st, "tpm-stress");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	return st;
}

/* Migrations between peers racing with CPU reads and writes: no data lost. */
static void tpm_stress(struct kunit *test)
{
	struct tpm_ctx *ctx = test->priv;
	const unsigned long n = 16;
	struct tpm_stress *st = tpm_stress_start(test, n, 60, 0x5eed);
	u32 *buf;
	int i;

	buf = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	for (i = 0; !completion_done(&st->done); i++) {
		unsigned long p = i % n;
		void __user *u = (void __user *)st->addr + p * PAGE_SIZE;

		KUNIT_ASSERT_EQ(test, copy_from_user(buf, u, PAGE_SIZE), 0);
		KUNIT_EXPECT_TRUE_MSG(test, tpm_check_mem(buf, p, n, 0x5eed),
				      "page %lu, read %d", p, i);
		if (i & 1)
			KUNIT_ASSERT_EQ(test, copy_to_user(u, buf, PAGE_SIZE), 0);
		cond_resched();
	}
	wait_for_completion(&st->done);
	mmput(st->mm);
	kunit_info(test, "%d reads, %d moved, %d busy\n", i, st->moved, st->busy);
	KUNIT_EXPECT_EQ(test, st->errors, 0);
	KUNIT_EXPECT_GT(test, st->moved, 0);
	tpm_expect_user_data(test, st->addr, n, n, 0x5eed);
	tpm_expect_where(test, st->addr, 0, n, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->tpm[0]->devmem_live), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->tpm[1]->devmem_live), 0);
}

/* Revoking a pagemap while migrations into it and CPU faults go on. */
static void tpm_revoke_race(struct kunit *test)
{
	struct tpm_ctx *ctx = test->priv;
	struct tpm *a = ctx->tpm[0];
	const unsigned long n = 16;
	struct tpm_stress *st = tpm_stress_start(test, n, 40, 0x7e70);
	bool revoked = false;
	u32 *buf;
	int i;

	buf = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	for (i = 0; !completion_done(&st->done); i++) {
		unsigned long p = i % n;
		void __user *u = (void __user *)st->addr + p * PAGE_SIZE;

		/* Revoke once A has taken the range a few times. */
		if (!revoked && READ_ONCE(st->moved) >= 6) {
			KUNIT_EXPECT_EQ(test, drm_pagemap_revoke(&a->dpagemap), 0);
			revoked = true;
		}
		KUNIT_ASSERT_EQ(test, copy_from_user(buf, u, PAGE_SIZE), 0);
		KUNIT_EXPECT_TRUE_MSG(test, tpm_check_mem(buf, p, n, 0x7e70),
				      "page %lu, read %d", p, i);
		/*
		 * The migrating thread may still allocate from A (and so
		 * count a live allocation) before the framework refuses the
		 * migration with -ENODEV: what must never happen is a copy
		 * into A once it is revoked.
		 */
		KUNIT_EXPECT_EQ(test, atomic_read(&a->copies_after_revoke), 0);
		cond_resched();
	}
	wait_for_completion(&st->done);
	mmput(st->mm);
	if (!revoked)
		KUNIT_EXPECT_EQ(test, drm_pagemap_revoke(&a->dpagemap), 0);
	kunit_info(test, "%d reads, %d moved, %d busy, %d refused\n", i,
		   st->moved, st->busy, st->refused);
	KUNIT_EXPECT_EQ(test, st->errors, 0);
	tpm_expect_user_data(test, st->addr, n, n, 0x7e70);
	tpm_expect_where(test, st->addr, 0, n, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->devmem_live), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->tpm[1]->devmem_live), 0);
}

static struct kunit_case drm_pagemap_tests[] = {
	KUNIT_CASE(tpm_migrate_roundtrip),
	KUNIT_CASE(tpm_populate),
	KUNIT_CASE(tpm_evict),
	KUNIT_CASE(tpm_evict_busy),
	KUNIT_CASE(tpm_evict_mm_busy),
	KUNIT_CASE(tpm_evict_no_mm),
	KUNIT_CASE(tpm_evict_held),
	KUNIT_CASE(tpm_range_to_ram),
	KUNIT_CASE(tpm_fault_mixed),
	KUNIT_CASE(tpm_busy_pinned),
	KUNIT_CASE(tpm_busy_foreign_owner),
	KUNIT_CASE(tpm_peer_direct),
	KUNIT_CASE(tpm_pre_migrate_fence),
	KUNIT_CASE(tpm_same_pagemap),
	KUNIT_CASE(tpm_same_pagemap_busy),
	KUNIT_CASE(tpm_peer_copy_fails),
	KUNIT_CASE(tpm_revoke),
	KUNIT_CASE(tpm_revoke_populate_race),
	KUNIT_CASE(tpm_errnos),
	KUNIT_CASE(tpm_timeslice),
	KUNIT_CASE_SLOW(tpm_stress),
	KUNIT_CASE_SLOW(tpm_revoke_race),
	{}
};

static struct kunit_suite drm_pagemap_suite = {
	.name = "drm_pagemap",
	.init = tpm_test_init,
	.exit = tpm_test_exit,
	.test_cases = drm_pagemap_tests,
};

kunit_test_suite(drm_pagemap_suite);

MODULE_DESCRIPTION("KUnit tests of drm_pagemap migration");
MODULE_LICENSE("GPL");
