// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the vsvm pagemap: a vsvm-like device (a KUnit device with
 * system-memory VRAM and a copy engine) gets its pagemap from the cache;
 * anonymous memory of the test's mm migrates into the VRAM through the
 * vsvm devmem ops and the copy engine and comes back on CPU faults or on
 * revoke. Checks data (in VRAM and back in user memory), placement (HMM
 * snapshots: device-private pages of this pagemap at the right VRAM
 * offsets), the cache's inactive/revive cycle, and that no VRAM leaks.
 *
 * The eviction cases fill the VRAM and migrate more: the least recently
 * used allocations go back to system memory (data read back through the
 * mm), the new one lands in VRAM, busy victims are skipped, and a working
 * set twice the VRAM keeps all its data.
 */
#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/dma-fence.h>
#include <linux/dma-mapping.h>
#include <linux/completion.h>
#include <linux/hmm.h>
#include <linux/kthread.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/mmu_notifier.h>
#include <linux/pagemap.h>
#include <linux/sched/mm.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>

#include <drm/drm_msvm_compat.h>
#include <drm/drm_pagemap.h>
#include <drm/drm_pagemap_util.h>

#include "vsvm_copy.h"
#include "vsvm_pagemap.h"
#include "vsvm_vram.h"

MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING");

#define VRAM_PAGES	64

struct pm_test {
	struct device *dev;
	struct vsvm_vram vram;
	struct vsvm_copy_engine engine;
	struct vsvm_pagemap_dev pd;
	/* vsvm_pagemap_dev_fini() already ran (the unbind test) */
	bool pd_gone;
};

static const struct vsvm_copy_engine_ops pm_test_copy_ops = {
	.vram_va = vsvm_pagemap_vram_va,
};

static int pm_test_init(struct kunit *test)
{
	struct pm_test *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	int err;

	KUNIT_ASSERT_NOT_NULL(test, t);
	t->dev = kunit_device_register(test, "vsvm-pagemap-test");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t->dev));
	t->dev->coherent_dma_mask = DMA_BIT_MASK(64);
	t->dev->dma_mask = &t->dev->coherent_dma_mask;

	err = vsvm_vram_init_sysmem(&t->vram, VRAM_PAGES * PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, err, 0);
	err = vsvm_copy_engine_init(&t->engine, t->dev, &pm_test_copy_ops,
				    &t->vram);
	KUNIT_ASSERT_EQ(test, err, 0);
	err = vsvm_pagemap_dev_init(&t->pd, NULL, t->dev, &t->vram, &t->engine,
				    true);
	KUNIT_ASSERT_EQ(test, err, 0);
	test->priv = t;
	return 0;
}

static void pm_test_exit(struct kunit *test)
{
	struct pm_test *t = test->priv;

	if (!t)
		return;
	if (!t->pd_gone)
		vsvm_pagemap_dev_fini(&t->pd);
	vsvm_copy_engine_fini(&t->engine);
	KUNIT_EXPECT_EQ(test, vsvm_vram_used(&t->vram), 0);
	vsvm_vram_fini(&t->vram);
}

static bool pm_test_invalidate(struct mmu_interval_notifier *mni,
			       const struct mmu_notifier_range *range,
			       unsigned long cur_seq)
{
	mmu_interval_set_seq(mni, cur_seq);
	return true;
}

static const struct mmu_interval_notifier_ops pm_test_mni_ops = {
	.invalidate = pm_test_invalidate,
};

/* HMM snapshot of [@addr, + @npages) without faulting, as @owner sees it. */
static void pm_test_snapshot(struct kunit *test, unsigned long addr,
			     unsigned long npages, void *owner,
			     unsigned long *pfns)
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

	memset(pfns, 0, npages * sizeof(*pfns));
	err = mmu_interval_notifier_insert(&mni, mm, addr, npages * PAGE_SIZE,
					   &pm_test_mni_ops);
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

static u32 pm_test_pattern(unsigned long page, unsigned long word, u32 seed)
{
	return seed ^ (page << 20) ^ (word * 2654435761u);
}

static bool pm_test_check(const u32 *mem, unsigned long p,
			  unsigned long filled, u32 seed)
{
	unsigned long w;

	for (w = 0; w < PAGE_SIZE / sizeof(u32); w++)
		if (mem[w] != (p < filled ? pm_test_pattern(p, w, seed) : 0))
			return false;
	return true;
}

/* @npages anonymous pages, the first @filled holding the pattern. */
static unsigned long pm_test_map(struct kunit *test, unsigned long npages,
				 unsigned long filled, u32 seed)
{
	u32 *buf = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
	unsigned long addr, p, w;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	addr = kunit_vm_mmap(test, NULL, 0, npages * PAGE_SIZE,
			     PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			     0);
	KUNIT_ASSERT_NE(test, addr, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(addr));
	for (p = 0; p < filled; p++) {
		for (w = 0; w < PAGE_SIZE / sizeof(u32); w++)
			buf[w] = pm_test_pattern(p, w, seed);
		KUNIT_ASSERT_EQ(test,
				copy_to_user((void __user *)addr + p * PAGE_SIZE,
					     buf, PAGE_SIZE), 0);
	}
	return addr;
}

/*
 * Every page is a device page of @vpm whose VRAM holds its data: returns
 * the number of such pages.
 */
static unsigned long pm_test_in_vram(struct kunit *test, struct pm_test *t,
				     struct vsvm_pagemap *vpm,
				     unsigned long addr, unsigned long npages,
				     unsigned long filled, u32 seed)
{
	unsigned long *pfns = kunit_kcalloc(test, npages, sizeof(*pfns),
					    GFP_KERNEL);
	unsigned long p, n = 0;

	KUNIT_ASSERT_NOT_NULL(test, pfns);
	pm_test_snapshot(test, addr, npages, t->pd.peer.owner, pfns);
	for (p = 0; p < npages; p++) {
		struct page *page;
		u64 offset;

		if (!(pfns[p] & HMM_PFN_VALID))
			continue;
		page = hmm_pfn_to_page(pfns[p]);
		if (!is_device_private_page(page) || page->pgmap != &vpm->pgmap)
			continue;
		offset = (u64)(page_to_pfn(page) - vpm->pfn_first) << PAGE_SHIFT;
		KUNIT_ASSERT_LT(test, offset, t->vram.size);
		KUNIT_EXPECT_TRUE_MSG(test,
				      pm_test_check(vsvm_vram_vaddr(&t->vram, offset),
						    p, filled, seed),
				      "VRAM data of page %lu", p);
		KUNIT_EXPECT_PTR_EQ(test, drm_pagemap_page_to_dpagemap(page),
				    &vpm->dpagemap);
		n++;
	}
	return n;
}

/* Read the range back through the CPU: the data, faulting pages back. */
static void pm_test_expect_user(struct kunit *test, unsigned long addr,
				unsigned long npages, unsigned long filled,
				u32 seed)
{
	u32 *buf = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
	unsigned long p;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	for (p = 0; p < npages; p++) {
		KUNIT_ASSERT_EQ(test,
				copy_from_user(buf,
					       (void __user *)addr + p * PAGE_SIZE,
					       PAGE_SIZE), 0);
		KUNIT_EXPECT_TRUE_MSG(test, pm_test_check(buf, p, filled, seed),
				      "user data of page %lu", p);
	}
}

static void pm_test_settle(struct pm_test *t)
{
	vsvm_devmem_reap(&t->pd);
}

static void pm_test_create_revive(struct kunit *test)
{
	struct pm_test *t = test->priv;
	struct drm_pagemap_stats s0, s1;
	struct drm_pagemap *dp, *dp2;
	struct vsvm_pagemap *vpm;

	KUNIT_EXPECT_NULL(test, drm_pagemap_get_from_cache_if_active(t->pd.cache));
	dp = vsvm_pagemap_get(&t->pd);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dp));
	vpm = to_vsvm_pagemap(dp);
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->pd.created), 1);
	KUNIT_EXPECT_EQ(test, vpm->pgmap.type, MEMORY_DEVICE_PRIVATE);
	KUNIT_EXPECT_PTR_EQ(test, vpm->pgmap.owner, (void *)t->pd.peer.owner);
	KUNIT_EXPECT_PTR_EQ(test, vpm->pgmap.ops, drm_pagemap_pagemap_ops_get());
	/* request_free_mem_region() rounds up to a memory section */
	KUNIT_EXPECT_GE(test, range_len(&vpm->pgmap.range), t->vram.size);
	KUNIT_EXPECT_EQ(test, vpm->pfn_first, PHYS_PFN(vpm->pgmap.range.start));
	KUNIT_EXPECT_PTR_EQ(test, vpm->dev, t->dev);

	/* a second user shares it */
	dp2 = vsvm_pagemap_get(&t->pd);
	KUNIT_EXPECT_PTR_EQ(test, dp2, dp);
	drm_pagemap_put(dp2);
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->pd.created), 1);

	/* the last put leaves it inactive in the cache */
	drm_pagemap_stats_get(&s0);
	drm_pagemap_put(dp);
	KUNIT_EXPECT_NULL(test, drm_pagemap_get_from_cache_if_active(t->pd.cache));
	KUNIT_EXPECT_EQ(test, drm_pagemap_shrinker_count(t->pd.shrinker), 1);

	/* and the next get revives the same one */
	dp2 = vsvm_pagemap_get(&t->pd);
	drm_pagemap_stats_get(&s1);
	KUNIT_EXPECT_PTR_EQ(test, dp2, dp);
	KUNIT_EXPECT_EQ(test, s1.revived, s0.revived + 1);
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->pd.created), 1);
	drm_pagemap_put(dp2);
}

/* Under memory pressure the shrinker destroys the inactive pagemap. */
static void pm_test_shrink(struct kunit *test)
{
	struct pm_test *t = test->priv;
	struct drm_pagemap_stats s0, s1;
	struct drm_pagemap *dp;

	dp = vsvm_pagemap_get(&t->pd);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dp));
	/* active: nothing to shrink */
	KUNIT_EXPECT_EQ(test, drm_pagemap_shrinker_count(t->pd.shrinker), 0);
	drm_pagemap_put(dp);
	KUNIT_EXPECT_EQ(test, drm_pagemap_shrinker_count(t->pd.shrinker), 1);

	drm_pagemap_stats_get(&s0);
	KUNIT_EXPECT_EQ(test, drm_pagemap_shrinker_scan(t->pd.shrinker, 8), 1);
	drm_pagemap_flush_destroyed();
	drm_pagemap_stats_get(&s1);
	KUNIT_EXPECT_GE(test, s1.destroyed, s0.destroyed + 1);
	/* the cache is empty: a lookup finds nothing to revive */
	KUNIT_ASSERT_EQ(test, drm_pagemap_cache_lock_lookup(t->pd.cache), 0);
	KUNIT_EXPECT_NULL(test, drm_pagemap_get_from_cache(t->pd.cache));
	drm_pagemap_cache_unlock_lookup(t->pd.cache);
	KUNIT_EXPECT_EQ(test, drm_pagemap_shrinker_count(t->pd.shrinker), 0);

	/* the next user gets a new one */
	dp = vsvm_pagemap_get(&t->pd);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dp));
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->pd.created), 2);
	drm_pagemap_put(dp);
}

static void pm_test_device_map(struct kunit *test)
{
	struct pm_test *t = test->priv;
	struct drm_pagemap_addr a;
	struct drm_pagemap *dp;
	struct vsvm_pagemap *vpm;
	struct device *other;
	struct page *page;
	u64 avail;
	void *va;

	dp = vsvm_pagemap_get(&t->pd);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dp));
	vpm = to_vsvm_pagemap(dp);
	page = pfn_to_page(vpm->pfn_first + 5);

	a = dp->ops->device_map(dp, t->dev, page, 0, DMA_TO_DEVICE);
	KUNIT_EXPECT_EQ(test, a.addr, 5 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, (int)a.proto, DRM_INTERCONNECT_DRIVER);
	dp->ops->device_unmap(dp, t->dev, &a);

	other = kunit_device_register(test, "vsvm-pagemap-test-peer");
	KUNIT_ASSERT_FALSE(test, IS_ERR(other));
	a = dp->ops->device_map(dp, other, page, 0, DMA_TO_DEVICE);
	KUNIT_EXPECT_EQ(test, a.addr, DMA_MAPPING_ERROR);

	/* the engine's view of VRAM */
	va = vsvm_pagemap_vram_va(&t->vram, 3 * PAGE_SIZE + 16, &avail);
	KUNIT_EXPECT_PTR_EQ(test, va, vsvm_vram_vaddr(&t->vram, 3 * PAGE_SIZE) + 16);
	KUNIT_EXPECT_EQ(test, avail, PAGE_SIZE - 16);
	KUNIT_EXPECT_NULL(test, vsvm_pagemap_vram_va(&t->vram, t->vram.size,
						     &avail));
	drm_pagemap_put(dp);
}

static void pm_test_migrate_fault_back(struct kunit *test)
{
	const unsigned long npages = 8, filled = 6;
	struct pm_test *t = test->priv;
	struct drm_pagemap *dp;
	unsigned long addr;
	int err;

	addr = pm_test_map(test, npages, filled, 0x1234);
	dp = vsvm_pagemap_get(&t->pd);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dp));

	err = drm_pagemap_populate_mm(dp, addr, addr + npages * PAGE_SIZE,
				      current->mm, 0);
	KUNIT_ASSERT_EQ(test, err, 0);
	KUNIT_EXPECT_EQ(test, vsvm_vram_used(&t->vram), npages * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->pd.devmem_live), 1);
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->pd.pages_in), npages);
	KUNIT_EXPECT_EQ(test, pm_test_in_vram(test, t, to_vsvm_pagemap(dp),
					      addr, npages, filled, 0x1234),
			npages);

	/* the pagemap fd keeps working while pages live: drop our ref */
	drm_pagemap_put(dp);

	/* a CPU read faults the allocation back, with the data */
	pm_test_expect_user(test, addr, npages, filled, 0x1234);
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->pd.pages_out), npages);
	KUNIT_EXPECT_EQ(test, pm_test_in_vram(test, t, to_vsvm_pagemap(dp),
					      addr, npages, filled, 0x1234), 0);
	pm_test_settle(t);
	KUNIT_EXPECT_EQ(test, vsvm_vram_used(&t->vram), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->pd.devmem_live), 0);
}

static void pm_test_migrate_errors(struct kunit *test)
{
	struct pm_test *t = test->priv;
	struct drm_pagemap *dp;
	unsigned long addr;
	int err;

	addr = pm_test_map(test, 4, 4, 0x55);
	dp = vsvm_pagemap_get(&t->pd);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dp));

	/* unaligned and empty ranges */
	err = drm_pagemap_populate_mm(dp, addr + 1, addr + PAGE_SIZE,
				      current->mm, 0);
	KUNIT_EXPECT_EQ(test, err, -EINVAL);
	err = drm_pagemap_populate_mm(dp, addr, addr, current->mm, 0);
	KUNIT_EXPECT_EQ(test, err, -EINVAL);
	/* more than the VRAM */
	addr = pm_test_map(test, VRAM_PAGES + 1, 0, 0);
	err = drm_pagemap_populate_mm(dp, addr,
				      addr + (VRAM_PAGES + 1) * PAGE_SIZE,
				      current->mm, 0);
	KUNIT_EXPECT_EQ(test, err, -ENOSPC);
	pm_test_settle(t);
	KUNIT_EXPECT_EQ(test, vsvm_vram_used(&t->vram), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->pd.devmem_live), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->pd.pages_in), 0);
	drm_pagemap_put(dp);
}

static void pm_test_revoke(struct kunit *test)
{
	const unsigned long npages = 4;
	struct pm_test *t = test->priv;
	struct drm_pagemap *dp, *dp2;
	unsigned long addr;
	int err;

	addr = pm_test_map(test, npages, npages, 0xbeef);
	dp = vsvm_pagemap_get(&t->pd);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dp));
	err = drm_pagemap_populate_mm(dp, addr, addr + npages * PAGE_SIZE,
				      current->mm, 0);
	KUNIT_ASSERT_EQ(test, err, 0);
	KUNIT_EXPECT_EQ(test, pm_test_in_vram(test, t, to_vsvm_pagemap(dp),
					      addr, npages, npages, 0xbeef),
			npages);

	/* revoke brings every page back and refuses new migrations */
	KUNIT_EXPECT_EQ(test, drm_pagemap_revoke(dp), 0);
	KUNIT_EXPECT_EQ(test, pm_test_in_vram(test, t, to_vsvm_pagemap(dp),
					      addr, npages, npages, 0xbeef), 0);
	pm_test_settle(t);
	KUNIT_EXPECT_EQ(test, vsvm_vram_used(&t->vram), 0);
	err = drm_pagemap_populate_mm(dp, addr, addr + npages * PAGE_SIZE,
				      current->mm, 0);
	KUNIT_EXPECT_EQ(test, err, -ENODEV);
	pm_test_expect_user(test, addr, npages, npages, 0xbeef);

	/* the cache forgot it: the next get makes a new one */
	dp2 = vsvm_pagemap_get(&t->pd);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dp2));
	KUNIT_EXPECT_PTR_NE(test, dp2, dp);
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->pd.created), 2);
	drm_pagemap_put(dp);
	drm_pagemap_put(dp2);
}

/*
 * The device goes (unbind) while a reference (a pagemap fd) and migrated
 * pages live: the pages come back with their data, the pagemap refuses
 * migrations, outlives the device's cache and shrinker, and is destroyed
 * at its last put, with no VRAM left allocated.
 */
static void pm_test_fini_with_ref(struct kunit *test)
{
	const unsigned long npages = 6;
	struct pm_test *t = test->priv;
	struct drm_pagemap_stats s0, s1;
	struct drm_pagemap *dp;
	unsigned long addr;
	bool revoked;
	int err;

	addr = pm_test_map(test, npages, npages - 1, 0xfee1);
	dp = vsvm_pagemap_get(&t->pd);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dp));
	err = drm_pagemap_populate_mm(dp, addr, addr + npages * PAGE_SIZE,
				      current->mm, 0);
	KUNIT_ASSERT_EQ(test, err, 0);
	KUNIT_EXPECT_EQ(test, vsvm_vram_used(&t->vram), npages * PAGE_SIZE);

	vsvm_pagemap_dev_fini(&t->pd);
	t->pd_gone = true;
	/* revoked: nothing holds it against revocation any more */
	revoked = !drm_pagemap_enter(dp);
	if (!revoked)
		drm_pagemap_exit(dp);
	KUNIT_EXPECT_TRUE(test, revoked);
	KUNIT_EXPECT_EQ(test, vsvm_vram_used(&t->vram), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->pd.devmem_live), 0);
	KUNIT_EXPECT_EQ(test, pm_test_in_vram(test, t, to_vsvm_pagemap(dp),
					      addr, npages, npages - 1, 0xfee1),
			0);
	pm_test_expect_user(test, addr, npages, npages - 1, 0xfee1);
	err = drm_pagemap_populate_mm(dp, addr, addr + npages * PAGE_SIZE,
				      current->mm, 0);
	KUNIT_EXPECT_EQ(test, err, -ENODEV);

	drm_pagemap_stats_get(&s0);
	drm_pagemap_put(dp);
	drm_pagemap_flush_destroyed();
	drm_pagemap_stats_get(&s1);
	KUNIT_EXPECT_GE(test, s1.destroyed, s0.destroyed + 1);
	KUNIT_EXPECT_EQ(test, s1.inactive, s0.inactive);
}

/* Migrate [@addr, + @npages) into @dp, expecting @err. */
static void pm_test_populate(struct kunit *test, struct drm_pagemap *dp,
			     unsigned long addr, unsigned long npages, int err)
{
	KUNIT_ASSERT_EQ(test, drm_pagemap_populate_mm(dp, addr,
						      addr + npages * PAGE_SIZE,
						      current->mm, 0), err);
}

/* The device page backing @addr, which must be in @vpm's VRAM. */
static struct page *pm_test_device_page(struct kunit *test, struct pm_test *t,
					struct vsvm_pagemap *vpm,
					unsigned long addr)
{
	unsigned long pfn;
	struct page *page;

	pm_test_snapshot(test, addr, 1, t->pd.peer.owner, &pfn);
	KUNIT_ASSERT_TRUE(test, pfn & HMM_PFN_VALID);
	page = hmm_pfn_to_page(pfn);
	KUNIT_ASSERT_TRUE(test, is_device_private_page(page));
	KUNIT_ASSERT_PTR_EQ(test, page->pgmap, &vpm->pgmap);
	return page;
}

/* The allocations debugfs file, into a buffer. */
static char *pm_test_allocations(struct kunit *test, struct pm_test *t)
{
	struct seq_file m = { .size = 8192 };

	m.buf = kunit_kzalloc(test, m.size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m.buf);
	vsvm_pagemap_allocations_show(&t->pd, &m);
	KUNIT_ASSERT_LT(test, m.count, m.size);
	return m.buf;
}

#define HALF	(VRAM_PAGES / 2)

/*
 * A full VRAM (A then B) and one more range C: A, the oldest, goes back to
 * system memory with its data, C lands in VRAM. Then B is used (a GPU maps
 * a page of it) and D comes: C, now the least recently used, goes.
 */
static void pm_test_evict_lru(struct kunit *test)
{
	struct pm_test *t = test->priv;
	unsigned long a, b, c, d;
	struct vsvm_pagemap *vpm;
	struct drm_pagemap_addr da;
	struct drm_pagemap *dp;
	char *list;

	a = pm_test_map(test, HALF, HALF, 0xa);
	b = pm_test_map(test, HALF, HALF, 0xb);
	c = pm_test_map(test, HALF, HALF, 0xc);
	d = pm_test_map(test, HALF, HALF, 0xd);
	dp = vsvm_pagemap_get(&t->pd);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dp));
	vpm = to_vsvm_pagemap(dp);

	pm_test_populate(test, dp, a, HALF, 0);
	pm_test_populate(test, dp, b, HALF, 0);
	KUNIT_EXPECT_EQ(test, vsvm_vram_avail(&t->vram), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->pd.evictions), 0);
	list = pm_test_allocations(test, t);
	KUNIT_EXPECT_NOT_NULL(test, strstr(list, "# allocations: 2"));

	pm_test_populate(test, dp, c, HALF, 0);
	KUNIT_EXPECT_EQ(test, pm_test_in_vram(test, t, vpm, a, HALF, HALF, 0xa), 0);
	KUNIT_EXPECT_EQ(test, pm_test_in_vram(test, t, vpm, b, HALF, HALF, 0xb),
			HALF);
	KUNIT_EXPECT_EQ(test, pm_test_in_vram(test, t, vpm, c, HALF, HALF, 0xc),
			HALF);
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->pd.evictions), 1);
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->pd.evicted_pages), HALF);
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->pd.evict_busy), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->pd.pages_out), HALF);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->pd.devmem_live), 2);
	list = pm_test_allocations(test, t);
	KUNIT_EXPECT_NOT_NULL(test, strstr(list, "# allocations: 2"));

	/* a GPU binding a page of B makes B the most recently used */
	da = dp->ops->device_map(dp, t->dev, pm_test_device_page(test, t, vpm, b),
				 0, DMA_BIDIRECTIONAL);
	dp->ops->device_unmap(dp, t->dev, &da);
	pm_test_populate(test, dp, d, HALF, 0);
	KUNIT_EXPECT_EQ(test, pm_test_in_vram(test, t, vpm, b, HALF, HALF, 0xb),
			HALF);
	KUNIT_EXPECT_EQ(test, pm_test_in_vram(test, t, vpm, c, HALF, HALF, 0xc), 0);
	KUNIT_EXPECT_EQ(test, pm_test_in_vram(test, t, vpm, d, HALF, HALF, 0xd),
			HALF);
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->pd.evictions), 2);
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->pd.evicted_pages), 2 * HALF);

	/* everything reads back through the mm */
	pm_test_expect_user(test, a, HALF, HALF, 0xa);
	pm_test_expect_user(test, b, HALF, HALF, 0xb);
	pm_test_expect_user(test, c, HALF, HALF, 0xc);
	pm_test_expect_user(test, d, HALF, HALF, 0xd);
	pm_test_settle(t);
	KUNIT_EXPECT_EQ(test, vsvm_vram_used(&t->vram), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->pd.devmem_live), 0);
	list = pm_test_allocations(test, t);
	KUNIT_EXPECT_NOT_NULL(test, strstr(list, "# allocations: 0"));
	drm_pagemap_put(dp);
}

/*
 * The oldest allocation A has a locked page (a CPU fault or another
 * migration holds it): its other pages go, the locked one stays, and the
 * next victim B makes room for C. Nothing loses data.
 */
static void pm_test_evict_busy(struct kunit *test)
{
	struct pm_test *t = test->priv;
	struct vsvm_pagemap *vpm;
	struct drm_pagemap *dp;
	unsigned long a, b, c;
	struct page *locked;

	a = pm_test_map(test, HALF, HALF, 0x1a);
	b = pm_test_map(test, HALF, HALF, 0x1b);
	c = pm_test_map(test, HALF, HALF, 0x1c);
	dp = vsvm_pagemap_get(&t->pd);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dp));
	vpm = to_vsvm_pagemap(dp);
	pm_test_populate(test, dp, a, HALF, 0);
	pm_test_populate(test, dp, b, HALF, 0);

	locked = pm_test_device_page(test, t, vpm, a + 3 * PAGE_SIZE);
	KUNIT_ASSERT_TRUE(test, trylock_page(locked));
	pm_test_populate(test, dp, c, HALF, 0);
	unlock_page(locked);

	KUNIT_EXPECT_EQ(test, pm_test_in_vram(test, t, vpm, a, HALF, HALF, 0x1a),
			1);
	KUNIT_EXPECT_EQ(test, pm_test_in_vram(test, t, vpm, a + 3 * PAGE_SIZE, 1,
					      1, 0x1a ^ (3 << 20)), 1);
	KUNIT_EXPECT_EQ(test, pm_test_in_vram(test, t, vpm, b, HALF, HALF, 0x1b), 0);
	KUNIT_EXPECT_EQ(test, pm_test_in_vram(test, t, vpm, c, HALF, HALF, 0x1c),
			HALF);
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->pd.evict_busy), 1);
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->pd.evictions), 1);
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->pd.evicted_pages), 2 * HALF - 1);

	pm_test_expect_user(test, a, HALF, HALF, 0x1a);
	pm_test_expect_user(test, b, HALF, HALF, 0x1b);
	pm_test_expect_user(test, c, HALF, HALF, 0x1c);
	pm_test_settle(t);
	KUNIT_EXPECT_EQ(test, vsvm_vram_used(&t->vram), 0);
	drm_pagemap_put(dp);
}

/*
 * An allocation being filled is never a victim: with the whole VRAM held
 * by one, a migration fails with -ENOMEM after trying, and nothing moves.
 */
static void pm_test_evict_none(struct kunit *test)
{
	struct pm_test *t = test->priv;
	struct vsvm_devmem *vd;
	struct drm_pagemap *dp;
	unsigned long a;

	a = pm_test_map(test, 1, 1, 0x2a);
	dp = vsvm_pagemap_get(&t->pd);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dp));
	mmap_read_lock(current->mm);
	vd = vsvm_devmem_create(to_vsvm_pagemap(dp), current->mm,
				VRAM_PAGES * PAGE_SIZE);
	mmap_read_unlock(current->mm);
	KUNIT_ASSERT_FALSE(test, IS_ERR(vd));
	KUNIT_EXPECT_EQ(test, vsvm_vram_avail(&t->vram), 0);

	pm_test_populate(test, dp, a, 1, -ENOMEM);
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->pd.evict_fail), 1);
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->pd.evictions), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->pd.pages_in), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->pd.devmem_live), 1);

	/* drop the pages' reference (no migration) and the filler's */
	vd->base.ops->devmem_release(&vd->base);
	vsvm_devmem_filled(vd);
	pm_test_settle(t);
	KUNIT_EXPECT_EQ(test, vsvm_vram_used(&t->vram), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->pd.devmem_live), 0);

	/* now it fits */
	pm_test_populate(test, dp, a, 1, 0);
	pm_test_expect_user(test, a, 1, 1, 0x2a);
	drm_pagemap_put(dp);
}

/* A fence that signals from a work item, some time after it was made. */
struct pm_test_fence {
	struct dma_fence base;
	spinlock_t lock; /* the fence's lock */
	struct delayed_work signal;
};

static const char *pm_test_fence_name(struct dma_fence *fence)
{
	return "vsvm_pagemap_test";
}

static const struct dma_fence_ops pm_test_fence_ops = {
	.get_driver_name = pm_test_fence_name,
	.get_timeline_name = pm_test_fence_name,
};

static void pm_test_fence_signal(struct work_struct *work)
{
	struct pm_test_fence *f = container_of(to_delayed_work(work),
					       struct pm_test_fence, signal);

	dma_fence_signal(&f->base);
}

/*
 * A migration with a pre_migrate_fence (the driver's clearing of the
 * memory, say) writes nothing into device memory before the fence
 * signals: vsvm's copy waits for it.
 */
static void pm_test_pre_migrate_fence(struct kunit *test)
{
	struct drm_pagemap_migrate_details md = { .timeslice_ms = 0 };
	const unsigned long npages = 4;
	struct pm_test *t = test->priv;
	struct pm_test_fence *f;
	struct vsvm_devmem *vd;
	struct drm_pagemap *dp;
	unsigned long addr;
	int err;

	f = kzalloc(sizeof(*f), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f);
	spin_lock_init(&f->lock);
	dma_fence_init(&f->base, &pm_test_fence_ops, &f->lock,
		       dma_fence_context_alloc(1), 1);
	INIT_DELAYED_WORK(&f->signal, pm_test_fence_signal);

	addr = pm_test_map(test, npages, npages, 0xf3);
	dp = vsvm_pagemap_get(&t->pd);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dp));
	mmap_read_lock(current->mm);
	vd = vsvm_devmem_create(to_vsvm_pagemap(dp), current->mm,
				npages * PAGE_SIZE);
	mmap_read_unlock(current->mm);
	KUNIT_ASSERT_FALSE(test, IS_ERR(vd));
	vd->base.pre_migrate_fence = dma_fence_get(&f->base);

	schedule_delayed_work(&f->signal, msecs_to_jiffies(50));
	mmap_read_lock(current->mm);
	err = drm_pagemap_migrate_to_devmem(&vd->base, current->mm, addr,
					    addr + npages * PAGE_SIZE, &md);
	mmap_read_unlock(current->mm);
	KUNIT_EXPECT_TRUE(test, dma_fence_is_signaled(&f->base));
	vsvm_devmem_filled(vd);
	KUNIT_EXPECT_EQ(test, err, 0);
	KUNIT_EXPECT_EQ(test, pm_test_in_vram(test, t, to_vsvm_pagemap(dp),
					      addr, npages, npages, 0xf3),
			npages);
	/* The migration dropped the allocation's reference. */
	KUNIT_EXPECT_EQ(test, kref_read(&f->base.refcount), 1);
	cancel_delayed_work_sync(&f->signal);
	dma_fence_put(&f->base);

	pm_test_expect_user(test, addr, npages, npages, 0xf3);
	drm_pagemap_put(dp);
}

#define WS_RANGES	8
#define WS_PAGES	(2 * VRAM_PAGES / WS_RANGES)

/*
 * A working set twice the VRAM, migrated range after range, twice over:
 * every migration succeeds by evicting the oldest, the newest half is in
 * VRAM, and all the data is intact.
 */
static void pm_test_evict_working_set(struct kunit *test)
{
	struct pm_test *t = test->priv;
	unsigned long addr[WS_RANGES], in_vram;
	struct vsvm_pagemap *vpm;
	struct drm_pagemap *dp;
	int i, round;

	for (i = 0; i < WS_RANGES; i++)
		addr[i] = pm_test_map(test, WS_PAGES, WS_PAGES, 0x300 + i);
	dp = vsvm_pagemap_get(&t->pd);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dp));
	vpm = to_vsvm_pagemap(dp);

	for (round = 0; round < 2; round++) {
		for (i = 0; i < WS_RANGES; i++)
			pm_test_populate(test, dp, addr[i], WS_PAGES, 0);
		in_vram = 0;
		for (i = 0; i < WS_RANGES; i++) {
			unsigned long n = pm_test_in_vram(test, t, vpm, addr[i],
							  WS_PAGES, WS_PAGES,
							  0x300 + i);

			/* the newest half stays, the oldest half went */
			KUNIT_EXPECT_EQ_MSG(test, n,
					    i < WS_RANGES / 2 ? 0 : WS_PAGES,
					    "round %d range %d", round, i);
			in_vram += n;
		}
		KUNIT_EXPECT_EQ(test, in_vram, VRAM_PAGES);
	}
	/* round 1 evicted everything of round 0 and its own oldest half */
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->pd.evictions),
			WS_RANGES / 2 + WS_RANGES);
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->pd.evicted_pages),
			(WS_RANGES / 2 + WS_RANGES) * WS_PAGES);
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->pd.evict_fail), 0);

	for (i = 0; i < WS_RANGES; i++)
		pm_test_expect_user(test, addr[i], WS_PAGES, WS_PAGES, 0x300 + i);
	pm_test_settle(t);
	KUNIT_EXPECT_EQ(test, vsvm_vram_used(&t->vram), 0);
	drm_pagemap_put(dp);
}

#define CC_RANGES	4
#define CC_PAGES	16
#define CC_ROUNDS	6

/* One of two threads migrating its own ranges into one VRAM. */
struct pm_cc_worker {
	struct drm_pagemap *dp;
	struct mm_struct *mm;
	unsigned long addr[CC_RANGES];
	unsigned int seed;
	/* results, read by the test thread after @done */
	int ok, busy, nomem, other, bad_data;
	struct completion done;
};

static void pm_cc_run(struct pm_cc_worker *w)
{
	u32 *buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	int round, r, err;
	unsigned long p;

	for (round = 0; round < CC_ROUNDS; round++) {
		for (r = 0; r < CC_RANGES; r++) {
			err = drm_pagemap_populate_mm(w->dp, w->addr[r],
						      w->addr[r] +
						      CC_PAGES * PAGE_SIZE,
						      w->mm, 0);
			if (!err)
				w->ok++;
			else if (err == -EBUSY)
				w->busy++;
			else if (err == -ENOMEM)
				w->nomem++;
			else
				w->other++;
		}
		/* every other round, read one range back through the CPU */
		r = round % CC_RANGES;
		for (p = 0; buf && round % 2 && p < CC_PAGES; p++) {
			if (copy_from_user(buf, (void __user *)w->addr[r] +
					   p * PAGE_SIZE, PAGE_SIZE) ||
			    !pm_test_check(buf, p, CC_PAGES, w->seed + r))
				w->bad_data++;
		}
	}
	if (!buf)
		w->other++;
	kfree(buf);
}

static int pm_cc_thread(void *arg)
{
	struct pm_cc_worker *w = arg;

	kthread_use_mm(w->mm);
	pm_cc_run(w);
	kthread_unuse_mm(w->mm);
	complete(&w->done);
	return 0;
}

/*
 * Two threads of one mm migrate their own working sets (together twice the
 * VRAM) over and over and read them back, evicting each other's
 * allocations; everything must stay consistent (lockdep and KASAN watch)
 * and no data may be lost.
 */
static void pm_test_evict_concurrent(struct kunit *test)
{
	struct pm_test *t = test->priv;
	struct pm_cc_worker *w = kunit_kcalloc(test, 2, sizeof(*w), GFP_KERNEL);
	struct task_struct *task;
	struct drm_pagemap *dp;
	int i, r;

	KUNIT_ASSERT_NOT_NULL(test, w);
	dp = vsvm_pagemap_get(&t->pd);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dp));
	for (i = 0; i < 2; i++) {
		w[i].dp = dp;
		w[i].seed = 0x4000 + 0x100 * i;
		init_completion(&w[i].done);
		for (r = 0; r < CC_RANGES; r++)
			w[i].addr[r] = pm_test_map(test, CC_PAGES, CC_PAGES,
						   w[i].seed + r);
		/* the test's mm, attached by kunit_vm_mmap() */
		w[i].mm = current->mm;
		KUNIT_ASSERT_NOT_NULL(test, w[i].mm);
	}

	mmget(current->mm);
	task = kthread_run(pm_cc_thread, &w[1], "vsvm-evict-cc");
	if (IS_ERR(task)) {
		mmput(current->mm);
		KUNIT_FAIL(test, "kthread_run: %ld", PTR_ERR(task));
		drm_pagemap_put(dp);
		return;
	}
	pm_cc_run(&w[0]);
	wait_for_completion(&w[1].done);
	mmput(current->mm);

	for (i = 0; i < 2; i++) {
		kunit_info(test, "thread %d: %d migrated, %d busy, %d -ENOMEM\n",
			   i, w[i].ok, w[i].busy, w[i].nomem);
		KUNIT_EXPECT_EQ(test, w[i].other, 0);
		KUNIT_EXPECT_EQ(test, w[i].bad_data, 0);
		KUNIT_EXPECT_GT(test, w[i].ok, 0);
		for (r = 0; r < CC_RANGES; r++)
			pm_test_expect_user(test, w[i].addr[r], CC_PAGES,
					    CC_PAGES, w[i].seed + r);
	}
	KUNIT_EXPECT_GT(test, atomic64_read(&t->pd.evictions), 0);
	pm_test_settle(t);
	KUNIT_EXPECT_EQ(test, vsvm_vram_used(&t->vram), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->pd.devmem_live), 0);
	drm_pagemap_put(dp);
}

static struct kunit_case pm_test_cases[] = {
	KUNIT_CASE(pm_test_create_revive),
	KUNIT_CASE(pm_test_shrink),
	KUNIT_CASE(pm_test_device_map),
	KUNIT_CASE(pm_test_migrate_fault_back),
	KUNIT_CASE(pm_test_migrate_errors),
	KUNIT_CASE(pm_test_revoke),
	KUNIT_CASE(pm_test_fini_with_ref),
	KUNIT_CASE(pm_test_evict_lru),
	KUNIT_CASE(pm_test_evict_busy),
	KUNIT_CASE(pm_test_evict_none),
	KUNIT_CASE(pm_test_pre_migrate_fence),
	KUNIT_CASE_SLOW(pm_test_evict_working_set),
	KUNIT_CASE_SLOW(pm_test_evict_concurrent),
	{}
};

static struct kunit_suite pm_test_suite = {
	.name = "vsvm_pagemap",
	.init = pm_test_init,
	.exit = pm_test_exit,
	.test_cases = pm_test_cases,
};

kunit_test_suite(pm_test_suite);

MODULE_DESCRIPTION("KUnit tests of the vsvm pagemap");
MODULE_LICENSE("GPL");
