// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite vsvm_vram: the VRAM of the vsvm driver, its buddy allocator
 * and its backing memory, without a device.
 */
#include <linux/bitmap.h>
#include <linux/err.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include <kunit/test.h>

#include <drm/drm_msvm_compat.h>

#include "vsvm_vram.h"

#define TEST_VRAM_SIZE		SZ_4M
#define TEST_VRAM_PAGES		(TEST_VRAM_SIZE >> PAGE_SHIFT)

/**
 * struct vsvm_vram_test - the fixture of a test: a 4 MiB sysmem VRAM
 * @vram: the VRAM under test
 * @sysmem_before: vsvm_vram_sysmem_bytes() before @vram was set up
 * @allocs: the live allocations made through test_alloc()
 * @owned: one bit per VRAM page, set while a live allocation holds it
 */
struct vsvm_vram_test {
	struct vsvm_vram vram;
	u64 sysmem_before;
	struct vsvm_vram_alloc *allocs[TEST_VRAM_PAGES];
	DECLARE_BITMAP(owned, TEST_VRAM_PAGES);
};

static int vsvm_vram_test_init(struct kunit *test)
{
	struct vsvm_vram_test *t;

	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	t->sysmem_before = vsvm_vram_sysmem_bytes();
	KUNIT_ASSERT_EQ(test, vsvm_vram_init_sysmem(&t->vram, TEST_VRAM_SIZE),
			0);
	test->priv = t;
	return 0;
}

static void vsvm_vram_test_exit(struct kunit *test)
{
	struct vsvm_vram_test *t = test->priv;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(t->allocs); i++)
		vsvm_vram_free(t->allocs[i]);
	KUNIT_EXPECT_EQ(test, vsvm_vram_used(&t->vram), 0);
	vsvm_vram_fini(&t->vram);
	KUNIT_EXPECT_EQ(test, vsvm_vram_sysmem_bytes(), t->sysmem_before);
}

/*
 * Used bytes as the driver counts them and as the buddy allocator does
 * (for which the cached blocks are allocated).
 */
static void expect_used(struct kunit *test, struct vsvm_vram *vram, u64 used)
{
	KUNIT_EXPECT_EQ(test, vsvm_vram_used(vram), used);
	KUNIT_EXPECT_EQ(test, vsvm_vram_avail(vram), vram->size - used);
	KUNIT_EXPECT_EQ(test, vram->mm.avail + vram->cached, vram->size - used);
	KUNIT_EXPECT_LE(test, vram->cached, (u64)VSVM_VRAM_CACHE_MAX);
}

/*
 * Allocate through the fixture: check that the blocks add up to @expect
 * bytes, are aligned to @align, lie inside the VRAM and overlap no live
 * allocation; track the allocation for test_free() and the exit.
 */
static struct vsvm_vram_alloc *test_alloc(struct kunit *test, u64 size,
					  u64 align, unsigned long flags,
					  u64 expect)
{
	struct vsvm_vram_test *t = test->priv;
	struct vsvm_vram_alloc *alloc;
	struct gpu_buddy_block *block;
	unsigned int nr_allocs = t->vram.nr_allocs;
	u64 used = vsvm_vram_used(&t->vram);
	u64 sum = 0;
	unsigned int i;

	alloc = vsvm_vram_alloc(&t->vram, size, align, flags);
	if (IS_ERR(alloc)) {
		expect_used(test, &t->vram, used);
		KUNIT_EXPECT_EQ(test, t->vram.nr_allocs, nr_allocs);
		return alloc;
	}
	for (i = 0; i < ARRAY_SIZE(t->allocs) && t->allocs[i]; i++)
		;
	KUNIT_ASSERT_LT(test, i, ARRAY_SIZE(t->allocs));
	t->allocs[i] = alloc;

	KUNIT_EXPECT_PTR_EQ(test, alloc->vram, &t->vram);
	KUNIT_EXPECT_EQ(test, alloc->size, expect);
	KUNIT_EXPECT_FALSE(test, list_empty(&alloc->blocks));
	list_for_each_entry(block, &alloc->blocks, link) {
		u64 off = vsvm_vram_block_offset(block);
		u64 bsize = vsvm_vram_block_size(&t->vram, block);
		u64 p;

		sum += bsize;
		KUNIT_EXPECT_TRUE(test, IS_ALIGNED(off, align ?: PAGE_SIZE));
		KUNIT_EXPECT_TRUE(test, IS_ALIGNED(bsize, align ?: PAGE_SIZE));
		KUNIT_ASSERT_LE(test, off + bsize, t->vram.size);
		for (p = off >> PAGE_SHIFT; p < (off + bsize) >> PAGE_SHIFT; p++)
			KUNIT_EXPECT_FALSE(test, __test_and_set_bit(p, t->owned));
	}
	KUNIT_EXPECT_EQ(test, sum, expect);
	expect_used(test, &t->vram, used + expect);
	return alloc;
}

static void test_free(struct kunit *test, struct vsvm_vram_alloc *alloc)
{
	struct vsvm_vram_test *t = test->priv;
	struct gpu_buddy_block *block;
	u64 used = vsvm_vram_used(&t->vram);
	u64 size = alloc->size;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(t->allocs) && t->allocs[i] != alloc; i++)
		;
	KUNIT_ASSERT_LT(test, i, ARRAY_SIZE(t->allocs));
	t->allocs[i] = NULL;

	list_for_each_entry(block, &alloc->blocks, link) {
		u64 off = vsvm_vram_block_offset(block);
		u64 end = off + vsvm_vram_block_size(&t->vram, block);

		bitmap_clear(t->owned, off >> PAGE_SHIFT,
			     (end - off) >> PAGE_SHIFT);
	}
	vsvm_vram_free(alloc);
	expect_used(test, &t->vram, used - size);
}

/* Is the allocation one contiguous range of VRAM? */
static bool alloc_is_contiguous(struct vsvm_vram *vram,
				struct vsvm_vram_alloc *alloc, u64 *start)
{
	struct gpu_buddy_block *block;
	u64 lo = U64_MAX, hi = 0;

	list_for_each_entry(block, &alloc->blocks, link) {
		u64 off = vsvm_vram_block_offset(block);

		lo = min(lo, off);
		hi = max(hi, off + vsvm_vram_block_size(vram, block));
	}
	*start = lo;
	return hi - lo == alloc->size;
}

static void vsvm_vram_test_init_accounting(struct kunit *test)
{
	struct vsvm_vram_test *t = test->priv;
	struct vsvm_vram *vram = &t->vram;
	u64 off;

	KUNIT_EXPECT_EQ(test, vram->size, TEST_VRAM_SIZE);
	KUNIT_EXPECT_EQ(test, vram->mm.size, TEST_VRAM_SIZE);
	KUNIT_EXPECT_EQ(test, vram->mm.chunk_size, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, vram->nr_allocs, 0);
	KUNIT_EXPECT_TRUE(test, vram->sysmem);
	expect_used(test, vram, 0);
	KUNIT_EXPECT_EQ(test, vsvm_vram_sysmem_bytes() - t->sysmem_before,
			TEST_VRAM_SIZE);
	KUNIT_EXPECT_EQ(test, (u64)vram->nr_chunks << vram->chunk_shift,
			TEST_VRAM_SIZE);

	/* Every page: a zeroed system page, reachable three ways. */
	for (off = 0; off < TEST_VRAM_SIZE; off += PAGE_SIZE) {
		struct page *page = vsvm_vram_page(vram, off);
		void *vaddr = vsvm_vram_vaddr(vram, off);

		KUNIT_ASSERT_NOT_NULL(test, page);
		KUNIT_ASSERT_PTR_EQ(test, page_address(page), vaddr);
		KUNIT_ASSERT_EQ(test, page_to_phys(page),
				vsvm_vram_phys(vram, off));
		KUNIT_ASSERT_NULL(test, memchr_inv(vaddr, 0, PAGE_SIZE));
	}
	/* Inside a page. */
	KUNIT_EXPECT_PTR_EQ(test, vsvm_vram_vaddr(vram, PAGE_SIZE + 123),
			    vsvm_vram_vaddr(vram, PAGE_SIZE) + 123);
	KUNIT_EXPECT_EQ(test, vsvm_vram_phys(vram, PAGE_SIZE + 123),
			vsvm_vram_phys(vram, PAGE_SIZE) + 123);
	KUNIT_EXPECT_PTR_EQ(test, vsvm_vram_page(vram, PAGE_SIZE + 123),
			    vsvm_vram_page(vram, PAGE_SIZE));
}

static void vsvm_vram_test_init_invalid(struct kunit *test)
{
	struct vsvm_vram_test *t = test->priv;
	u64 sysmem = vsvm_vram_sysmem_bytes();
	struct vsvm_vram *vram;

	vram = kunit_kzalloc(test, sizeof(*vram), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, vram);

	KUNIT_EXPECT_EQ(test, vsvm_vram_init_sysmem(vram, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, vsvm_vram_init_sysmem(vram, PAGE_SIZE + 1),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, vsvm_vram_init_sysmem(vram, PAGE_SIZE / 2),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, vsvm_vram_init_iomem(vram, NULL, 0, SZ_1M),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, vsvm_vram_init_iomem(vram, t->vram.chunks[0].vaddr,
						   t->vram.chunks[0].phys, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test,
			vsvm_vram_init_iomem(vram, t->vram.chunks[0].vaddr + 8,
					     t->vram.chunks[0].phys + 8,
					     PAGE_SIZE),
			-EINVAL);
	KUNIT_EXPECT_EQ(test,
			vsvm_vram_init_iomem(vram, t->vram.chunks[0].vaddr,
					     t->vram.chunks[0].phys,
					     PAGE_SIZE + 512),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, vsvm_vram_sysmem_bytes(), sysmem);
}

static void vsvm_vram_test_alloc_sizes(struct kunit *test)
{
	static const u64 sizes[] = {
		SZ_4K, SZ_8K, 3 * SZ_4K, 5 * SZ_4K, SZ_64K, 25 * SZ_4K,
		SZ_1M, SZ_1M + SZ_4K, 7 * SZ_4K,
	};
	struct vsvm_vram_alloc *allocs[ARRAY_SIZE(sizes)];
	struct vsvm_vram_test *t = test->priv;
	u64 total = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		allocs[i] = test_alloc(test, sizes[i], 0, 0, sizes[i]);
		KUNIT_ASSERT_FALSE(test, IS_ERR(allocs[i]));
		total += sizes[i];
		expect_used(test, &t->vram, total);
		KUNIT_EXPECT_EQ(test, t->vram.nr_allocs, i + 1);
	}
	for (i = 0; i < ARRAY_SIZE(sizes); i++)
		test_free(test, allocs[i]);
	expect_used(test, &t->vram, 0);
	KUNIT_EXPECT_EQ(test, t->vram.nr_allocs, 0);
}

static void vsvm_vram_test_alloc_alignment(struct kunit *test)
{
	static const struct {
		u64 size, align, expect;
	} cases[] = {
		{ SZ_64K, SZ_64K, SZ_64K },
		{ SZ_4K, SZ_64K, SZ_64K },		/* rounded up to align */
		{ 3 * SZ_64K, SZ_64K, 3 * SZ_64K },
		{ 3 * SZ_4K, SZ_8K, SZ_16K },
		{ SZ_2M, SZ_2M, SZ_2M },
		{ SZ_4K, SZ_4K, SZ_4K },
		{ SZ_128K + SZ_4K, SZ_128K, SZ_256K },
	};
	struct vsvm_vram_alloc *allocs[ARRAY_SIZE(cases)];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		allocs[i] = test_alloc(test, cases[i].size, cases[i].align, 0,
				       cases[i].expect);
		KUNIT_ASSERT_FALSE(test, IS_ERR(allocs[i]));
	}
	for (i = 0; i < ARRAY_SIZE(cases); i++)
		test_free(test, allocs[i]);
}

static void vsvm_vram_test_alloc_contiguous(struct kunit *test)
{
	struct vsvm_vram_test *t = test->priv;
	struct vsvm_vram_alloc *a, *b, *c;
	u64 start;

	/* Top-down on an empty VRAM: its last page. */
	c = test_alloc(test, SZ_4K, 0, VSVM_VRAM_ALLOC_TOPDOWN, SZ_4K);
	KUNIT_ASSERT_FALSE(test, IS_ERR(c));
	KUNIT_EXPECT_TRUE(test, alloc_is_contiguous(&t->vram, c, &start));
	KUNIT_EXPECT_EQ(test, start, TEST_VRAM_SIZE - SZ_4K);

	/* Not a power of two: trimmed, but one range. */
	a = test_alloc(test, 3 * SZ_4K, 0, VSVM_VRAM_ALLOC_CONTIGUOUS,
		       3 * SZ_4K);
	KUNIT_ASSERT_FALSE(test, IS_ERR(a));
	KUNIT_EXPECT_TRUE(test, alloc_is_contiguous(&t->vram, a, &start));

	b = test_alloc(test, SZ_1M + SZ_4K, SZ_64K, VSVM_VRAM_ALLOC_CONTIGUOUS,
		       SZ_1M + SZ_64K);
	KUNIT_ASSERT_FALSE(test, IS_ERR(b));
	KUNIT_EXPECT_TRUE(test, alloc_is_contiguous(&t->vram, b, &start));
	KUNIT_EXPECT_TRUE(test, IS_ALIGNED(start, SZ_64K));

	test_free(test, a);
	test_free(test, b);
	test_free(test, c);
}

static void vsvm_vram_test_alloc_invalid(struct kunit *test)
{
	struct vsvm_vram_test *t = test->priv;
	struct vsvm_vram_alloc *a;

	a = test_alloc(test, SZ_64K, 0, 0, SZ_64K);
	KUNIT_ASSERT_FALSE(test, IS_ERR(a));

	KUNIT_EXPECT_EQ(test, PTR_ERR(test_alloc(test, 0, 0, 0, 0)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(test_alloc(test, SZ_4K + 1, 0, 0, 0)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(test_alloc(test, SZ_4K - 1, 0, 0, 0)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test,
			PTR_ERR(test_alloc(test, SZ_8K, 3 * SZ_4K, 0, 0)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test,
			PTR_ERR(test_alloc(test, SZ_8K, PAGE_SIZE / 2, 0, 0)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(test_alloc(test, SZ_8K, 0, BIT(7), 0)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(test_alloc(test, SZ_8K, 0,
						 VSVM_VRAM_ALLOC_FLAGS + 1, 0)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, t->vram.nr_allocs, 1);
	expect_used(test, &t->vram, SZ_64K);
	test_free(test, a);
}

static void vsvm_vram_test_exhaustion(struct kunit *test)
{
	struct vsvm_vram_test *t = test->priv;
	struct vsvm_vram_alloc *a, *b;

	/* Larger than the VRAM, including sizes that overflow when aligned. */
	KUNIT_EXPECT_EQ(test,
			PTR_ERR(test_alloc(test, TEST_VRAM_SIZE + SZ_4K, 0, 0, 0)),
			-ENOSPC);
	KUNIT_EXPECT_EQ(test,
			PTR_ERR(test_alloc(test, U64_MAX & PAGE_MASK, 0, 0, 0)),
			-ENOSPC);
	KUNIT_EXPECT_EQ(test,
			PTR_ERR(test_alloc(test, TEST_VRAM_SIZE - SZ_4K,
					   TEST_VRAM_SIZE * 2, 0, 0)),
			-ENOSPC);

	/* Everything, then nothing more. */
	a = test_alloc(test, TEST_VRAM_SIZE, 0, 0, TEST_VRAM_SIZE);
	KUNIT_ASSERT_FALSE(test, IS_ERR(a));
	KUNIT_EXPECT_EQ(test, PTR_ERR(test_alloc(test, SZ_4K, 0, 0, 0)),
			-ENOSPC);
	KUNIT_EXPECT_EQ(test, PTR_ERR(test_alloc(test, SZ_4K, 0,
						 VSVM_VRAM_ALLOC_CONTIGUOUS,
						 0)),
			-ENOSPC);
	expect_used(test, &t->vram, TEST_VRAM_SIZE);
	test_free(test, a);

	/* Partly full: what does not fit fails and changes nothing. */
	a = test_alloc(test, 3 * SZ_1M, 0, 0, 3 * SZ_1M);
	KUNIT_ASSERT_FALSE(test, IS_ERR(a));
	KUNIT_EXPECT_EQ(test, PTR_ERR(test_alloc(test, SZ_2M, 0, 0, 0)),
			-ENOSPC);
	KUNIT_EXPECT_EQ(test, PTR_ERR(test_alloc(test, SZ_1M + SZ_4K, 0,
						 VSVM_VRAM_ALLOC_CONTIGUOUS,
						 0)),
			-ENOSPC);
	expect_used(test, &t->vram, 3 * SZ_1M);
	KUNIT_EXPECT_EQ(test, t->vram.nr_allocs, 1);
	b = test_alloc(test, SZ_1M, 0, 0, SZ_1M);
	KUNIT_ASSERT_FALSE(test, IS_ERR(b));
	expect_used(test, &t->vram, TEST_VRAM_SIZE);
	test_free(test, a);
	test_free(test, b);
}

static void vsvm_vram_test_free_restores(struct kunit *test)
{
	static const u64 sizes[] = {
		SZ_1M, SZ_4K, SZ_64K + SZ_4K, SZ_512K, 9 * SZ_4K, SZ_1M,
		SZ_256K,
	};
	static const unsigned int order[] = { 3, 0, 6, 1, 5, 2, 4 };
	struct vsvm_vram_alloc *allocs[ARRAY_SIZE(sizes)];
	struct vsvm_vram_test *t = test->priv;
	struct vsvm_vram_alloc *all;
	u64 start;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		allocs[i] = test_alloc(test, sizes[i], 0, 0, sizes[i]);
		KUNIT_ASSERT_FALSE(test, IS_ERR(allocs[i]));
	}
	/* test_free() checks that each free gives back exactly its size. */
	for (i = 0; i < ARRAY_SIZE(order); i++)
		test_free(test, allocs[order[i]]);
	expect_used(test, &t->vram, 0);

	/* Every block merged back: the whole VRAM is one range again. */
	all = test_alloc(test, TEST_VRAM_SIZE, 0, VSVM_VRAM_ALLOC_CONTIGUOUS,
			 TEST_VRAM_SIZE);
	KUNIT_ASSERT_FALSE(test, IS_ERR(all));
	KUNIT_EXPECT_TRUE(test, alloc_is_contiguous(&t->vram, all, &start));
	KUNIT_EXPECT_EQ(test, start, 0);
	test_free(test, all);
}

static void vsvm_vram_test_fragmentation(struct kunit *test)
{
	struct vsvm_vram_test *t = test->priv;
	struct vsvm_vram_alloc **page_allocs, *half, *all;
	struct gpu_buddy_block *block;
	u64 start;
	unsigned int i;

	page_allocs = kunit_kcalloc(test, TEST_VRAM_PAGES, sizeof(*page_allocs),
				    GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, page_allocs);
	for (i = 0; i < TEST_VRAM_PAGES; i++) {
		page_allocs[i] = test_alloc(test, SZ_4K, 0, 0, SZ_4K);
		KUNIT_ASSERT_FALSE(test, IS_ERR(page_allocs[i]));
	}
	/* Free every page at an even offset. */
	for (i = 0; i < TEST_VRAM_PAGES; i++) {
		start = vsvm_vram_block_offset(list_first_entry(&page_allocs[i]->blocks,
								struct gpu_buddy_block,
								link));
		if (!((start >> PAGE_SHIFT) & 1)) {
			test_free(test, page_allocs[i]);
			page_allocs[i] = NULL;
		}
	}
	expect_used(test, &t->vram, TEST_VRAM_SIZE / 2);

	/* Half the VRAM is free, but not two pages in a row. */
	KUNIT_EXPECT_EQ(test, PTR_ERR(test_alloc(test, SZ_8K, 0,
						 VSVM_VRAM_ALLOC_CONTIGUOUS,
						 0)),
			-ENOSPC);
	KUNIT_EXPECT_EQ(test, PTR_ERR(test_alloc(test, SZ_8K, SZ_8K, 0, 0)),
			-ENOSPC);
	KUNIT_EXPECT_EQ(test,
			PTR_ERR(test_alloc(test, TEST_VRAM_SIZE / 2 + SZ_4K, 0,
					   0, 0)),
			-ENOSPC);
	expect_used(test, &t->vram, TEST_VRAM_SIZE / 2);

	/* A large allocation made of the scattered pages fits exactly. */
	half = test_alloc(test, TEST_VRAM_SIZE / 2, 0, 0, TEST_VRAM_SIZE / 2);
	KUNIT_ASSERT_FALSE(test, IS_ERR(half));
	list_for_each_entry(block, &half->blocks, link) {
		KUNIT_EXPECT_EQ(test, vsvm_vram_block_size(&t->vram, block),
				SZ_4K);
		KUNIT_EXPECT_FALSE(test, (vsvm_vram_block_offset(block) >>
					  PAGE_SHIFT) & 1);
	}
	expect_used(test, &t->vram, TEST_VRAM_SIZE);
	test_free(test, half);

	for (i = 0; i < TEST_VRAM_PAGES; i++)
		if (page_allocs[i])
			test_free(test, page_allocs[i]);
	expect_used(test, &t->vram, 0);

	all = test_alloc(test, TEST_VRAM_SIZE, 0, VSVM_VRAM_ALLOC_CONTIGUOUS,
			 TEST_VRAM_SIZE);
	KUNIT_ASSERT_FALSE(test, IS_ERR(all));
	test_free(test, all);
}

static void vsvm_vram_test_many_small(struct kunit *test)
{
	struct vsvm_vram_test *t = test->priv;
	struct vsvm_vram_alloc **allocs;
	unsigned int i, round;

	allocs = kunit_kcalloc(test, TEST_VRAM_PAGES, sizeof(*allocs),
			       GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, allocs);

	for (round = 0; round < 2; round++) {
		/* test_alloc() checks that no page is handed out twice. */
		for (i = 0; i < TEST_VRAM_PAGES; i++) {
			allocs[i] = test_alloc(test, SZ_4K, 0,
					       round ? VSVM_VRAM_ALLOC_TOPDOWN : 0,
					       SZ_4K);
			KUNIT_ASSERT_FALSE(test, IS_ERR(allocs[i]));
		}
		KUNIT_EXPECT_TRUE(test, bitmap_full(t->owned, TEST_VRAM_PAGES));
		KUNIT_EXPECT_EQ(test, t->vram.nr_allocs, TEST_VRAM_PAGES);
		KUNIT_EXPECT_EQ(test, PTR_ERR(test_alloc(test, SZ_4K, 0, 0, 0)),
				-ENOSPC);

		/* Free in an order unlike the allocation's. */
		for (i = 0; i < TEST_VRAM_PAGES; i += 2)
			test_free(test, allocs[i]);
		for (i = 1; i < TEST_VRAM_PAGES; i += 2)
			test_free(test, allocs[TEST_VRAM_PAGES - i]);
		KUNIT_EXPECT_TRUE(test, bitmap_empty(t->owned, TEST_VRAM_PAGES));
		expect_used(test, &t->vram, 0);
	}
}

static void vsvm_vram_test_backing_data(struct kunit *test)
{
	struct vsvm_vram_test *t = test->priv;
	struct vsvm_vram_alloc *a, *b;
	struct gpu_buddy_block *block;
	u64 off;

	a = test_alloc(test, SZ_64K, 0, 0, SZ_64K);
	KUNIT_ASSERT_FALSE(test, IS_ERR(a));
	b = test_alloc(test, SZ_1M + SZ_8K, 0, 0, SZ_1M + SZ_8K);
	KUNIT_ASSERT_FALSE(test, IS_ERR(b));

	/* Write through the kernel address of each offset... */
	list_for_each_entry(block, &b->blocks, link) {
		u64 start = vsvm_vram_block_offset(block);
		u64 end = start + vsvm_vram_block_size(&t->vram, block);

		for (off = start; off < end; off += sizeof(u64))
			*(u64 *)vsvm_vram_vaddr(&t->vram, off) = off ^ 0x5a5a;
	}
	/* ...read it back through the page, and the other allocation's
	 * memory is untouched.
	 */
	list_for_each_entry(block, &b->blocks, link) {
		u64 start = vsvm_vram_block_offset(block);
		u64 end = start + vsvm_vram_block_size(&t->vram, block);

		for (off = start; off < end; off += PAGE_SIZE) {
			struct page *page = vsvm_vram_page(&t->vram, off);
			u64 *p = page_address(page);
			unsigned int i;

			KUNIT_ASSERT_EQ(test, page_to_phys(page),
					vsvm_vram_phys(&t->vram, off));
			for (i = 0; i < PAGE_SIZE / sizeof(u64); i++)
				KUNIT_ASSERT_EQ(test, p[i],
						(off + i * sizeof(u64)) ^ 0x5a5a);
		}
	}
	list_for_each_entry(block, &a->blocks, link) {
		u64 start = vsvm_vram_block_offset(block);
		u64 end = start + vsvm_vram_block_size(&t->vram, block);

		for (off = start; off < end; off += PAGE_SIZE)
			KUNIT_ASSERT_NULL(test,
					  memchr_inv(vsvm_vram_vaddr(&t->vram, off),
						     0, PAGE_SIZE));
	}
	test_free(test, a);
	test_free(test, b);
}

/* Sizes that are not a power of two: several chunks and buddy roots. */
static void vsvm_vram_test_odd_sizes(struct kunit *test)
{
	static const u64 sizes[] = { 3 * SZ_4K, 6 * SZ_1M, SZ_1M + SZ_4K };
	u64 sysmem = vsvm_vram_sysmem_bytes();
	struct vsvm_vram *vram;
	unsigned int i;

	vram = kunit_kzalloc(test, sizeof(*vram), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, vram);

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		struct vsvm_vram_alloc *all;
		u64 off;

		KUNIT_ASSERT_EQ(test, vsvm_vram_init_sysmem(vram, sizes[i]), 0);
		KUNIT_EXPECT_EQ(test, vsvm_vram_sysmem_bytes() - sysmem,
				sizes[i]);
		KUNIT_EXPECT_EQ(test, (u64)vram->nr_chunks << vram->chunk_shift,
				sizes[i]);
		for (off = 0; off < sizes[i]; off += PAGE_SIZE)
			KUNIT_EXPECT_PTR_EQ(test,
					    page_address(vsvm_vram_page(vram, off)),
					    vsvm_vram_vaddr(vram, off));

		all = vsvm_vram_alloc(vram, sizes[i], 0, 0);
		KUNIT_ASSERT_FALSE(test, IS_ERR(all));
		KUNIT_EXPECT_EQ(test, all->size, sizes[i]);
		KUNIT_EXPECT_EQ(test, vsvm_vram_avail(vram), 0);
		KUNIT_EXPECT_EQ(test,
				PTR_ERR(vsvm_vram_alloc(vram, SZ_4K, 0, 0)),
				-ENOSPC);
		vsvm_vram_free(all);
		KUNIT_EXPECT_EQ(test, vsvm_vram_avail(vram), sizes[i]);
		vsvm_vram_fini(vram);
		KUNIT_EXPECT_EQ(test, vsvm_vram_sysmem_bytes(), sysmem);
	}
}

/* Device memory (a BAR) stand-in: pages the test owns, no struct page. */
static void vsvm_vram_test_iomem(struct kunit *test)
{
	const unsigned int order = get_order(SZ_1M);
	u64 sysmem = vsvm_vram_sysmem_bytes();
	struct vsvm_vram_alloc *a, *b;
	struct vsvm_vram *vram;
	struct page *mem;
	void *base;
	u64 off;

	vram = kunit_kzalloc(test, sizeof(*vram), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, vram);
	mem = alloc_pages(GFP_KERNEL | __GFP_NOWARN, order);
	if (!mem)
		kunit_skip(test, "no 1 MiB of contiguous memory");
	base = page_address(mem);
	memset(base, 0xa5, SZ_1M);

	KUNIT_ASSERT_EQ(test, vsvm_vram_init_iomem(vram, base,
						   page_to_phys(mem), SZ_1M),
			0);
	KUNIT_EXPECT_FALSE(test, vram->sysmem);
	KUNIT_EXPECT_EQ(test, vsvm_vram_sysmem_bytes(), sysmem);
	for (off = 0; off < SZ_1M; off += PAGE_SIZE) {
		KUNIT_EXPECT_PTR_EQ(test, vsvm_vram_vaddr(vram, off),
				    base + off);
		KUNIT_EXPECT_EQ(test, vsvm_vram_phys(vram, off),
				page_to_phys(mem) + off);
		KUNIT_EXPECT_NULL(test, vsvm_vram_page(vram, off));
	}

	a = vsvm_vram_alloc(vram, SZ_512K, 0, VSVM_VRAM_ALLOC_CONTIGUOUS);
	KUNIT_ASSERT_FALSE(test, IS_ERR(a));
	b = vsvm_vram_alloc(vram, SZ_512K, 0, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(b));
	KUNIT_EXPECT_EQ(test, vsvm_vram_avail(vram), 0);
	KUNIT_EXPECT_EQ(test, PTR_ERR(vsvm_vram_alloc(vram, SZ_4K, 0, 0)),
			-ENOSPC);
	vsvm_vram_free(a);
	vsvm_vram_free(b);
	vsvm_vram_fini(vram);

	/* The memory is the caller's: left mapped and as it was. */
	KUNIT_EXPECT_NULL(test, memchr_inv(base, 0xa5, SZ_1M));
	__free_pages(mem, order);
}

static void vsvm_vram_test_fini_no_leak(struct kunit *test)
{
	u64 sysmem = vsvm_vram_sysmem_bytes();
	struct vsvm_vram_alloc *allocs[16];
	struct vsvm_vram *vram;
	unsigned int i, round;

	vram = kunit_kzalloc(test, sizeof(*vram), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, vram);

	for (round = 0; round < 3; round++) {
		KUNIT_ASSERT_EQ(test, vsvm_vram_init_sysmem(vram, SZ_2M), 0);
		KUNIT_EXPECT_EQ(test, vsvm_vram_sysmem_bytes() - sysmem, SZ_2M);

		for (i = 0; i < ARRAY_SIZE(allocs); i++) {
			allocs[i] = vsvm_vram_alloc(vram, (i + 1) * SZ_4K,
						    i & 1 ? SZ_16K : 0, 0);
			KUNIT_ASSERT_FALSE(test, IS_ERR(allocs[i]));
		}
		for (i = 0; i < ARRAY_SIZE(allocs); i++)
			vsvm_vram_free(allocs[ARRAY_SIZE(allocs) - 1 - i]);
		KUNIT_EXPECT_EQ(test, vram->nr_allocs, 0);
		KUNIT_EXPECT_EQ(test, vram->mm.avail + vram->cached, SZ_2M);

		vsvm_vram_fini(vram);
		/* The backing pages are gone, the state is reset. */
		KUNIT_EXPECT_EQ(test, vsvm_vram_sysmem_bytes(), sysmem);
		KUNIT_EXPECT_EQ(test, vram->size, 0);
		KUNIT_EXPECT_NULL(test, vram->chunks);
		KUNIT_EXPECT_EQ(test, vram->nr_chunks, 0);
	}
}

#define TEST_WORKERS		4
#define TEST_WORKER_LOOPS	200
#define TEST_WORKER_LIVE	8

/**
 * struct vsvm_vram_test_worker - one of the concurrent allocators
 * @work: runs vsvm_vram_test_worker_fn()
 * @vram: the shared VRAM
 * @id: the worker's number, written into the memory it holds
 * @errors: allocations that failed
 * @corrupt: pages whose content another worker changed
 */
struct vsvm_vram_test_worker {
	struct work_struct work;
	struct vsvm_vram *vram;
	u64 id;
	unsigned int errors;
	unsigned int corrupt;
};

static void worker_fill(struct vsvm_vram_test_worker *w,
			struct vsvm_vram_alloc *alloc, bool check)
{
	struct gpu_buddy_block *block;
	u64 off;

	list_for_each_entry(block, &alloc->blocks, link) {
		u64 start = vsvm_vram_block_offset(block);
		u64 end = start + vsvm_vram_block_size(w->vram, block);

		for (off = start; off < end; off += PAGE_SIZE) {
			u64 *p = vsvm_vram_vaddr(w->vram, off);

			if (!check)
				*p = w->id << 32 | off >> PAGE_SHIFT;
			else if (*p != (w->id << 32 | off >> PAGE_SHIFT))
				w->corrupt++;
		}
	}
}

static void vsvm_vram_test_worker_fn(struct work_struct *work)
{
	struct vsvm_vram_test_worker *w =
		container_of(work, struct vsvm_vram_test_worker, work);
	struct vsvm_vram_alloc *live[TEST_WORKER_LIVE] = {};
	unsigned int i, slot;

	for (i = 0; i < TEST_WORKER_LOOPS; i++) {
		slot = i % TEST_WORKER_LIVE;
		if (live[slot]) {
			worker_fill(w, live[slot], true);
			vsvm_vram_free(live[slot]);
			live[slot] = NULL;
		}
		live[slot] = vsvm_vram_alloc(w->vram, (i % 16 + 1) * SZ_4K,
					     i & 4 ? SZ_16K : 0,
					     i & 8 ? VSVM_VRAM_ALLOC_TOPDOWN : 0);
		if (IS_ERR(live[slot])) {
			w->errors++;
			live[slot] = NULL;
			continue;
		}
		worker_fill(w, live[slot], false);
	}
	for (slot = 0; slot < TEST_WORKER_LIVE; slot++) {
		if (live[slot]) {
			worker_fill(w, live[slot], true);
			vsvm_vram_free(live[slot]);
		}
	}
}

/*
 * Workers allocate and free at once, each writing into the memory it holds
 * and checking it before freeing: no page is ever handed out twice, and
 * the accounting ends where it began. At most 4 * 8 * 64 KiB are live, so
 * nothing may fail.
 */
static void vsvm_vram_test_concurrent(struct kunit *test)
{
	struct vsvm_vram_test *t = test->priv;
	struct vsvm_vram_test_worker *w;
	unsigned int i;

	w = kunit_kcalloc(test, TEST_WORKERS, sizeof(*w), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, w);

	for (i = 0; i < TEST_WORKERS; i++) {
		w[i].vram = &t->vram;
		w[i].id = i + 1;
		INIT_WORK(&w[i].work, vsvm_vram_test_worker_fn);
		queue_work(system_unbound_wq, &w[i].work);
	}
	for (i = 0; i < TEST_WORKERS; i++) {
		flush_work(&w[i].work);
		KUNIT_EXPECT_EQ(test, w[i].errors, 0);
		KUNIT_EXPECT_EQ(test, w[i].corrupt, 0);
	}
	expect_used(test, &t->vram, 0);
	KUNIT_EXPECT_EQ(test, t->vram.nr_allocs, 0);
}

static u64 first_block_offset(struct vsvm_vram_alloc *alloc)
{
	return vsvm_vram_block_offset(list_first_entry(&alloc->blocks,
						       struct gpu_buddy_block,
						       link));
}

/*
 * A freed single block of up to 64 KiB is kept and handed to the next
 * allocation of its size without touching the buddy allocator; the cache
 * is bounded and given back when the buddy allocator runs short.
 */
static void vsvm_vram_test_cache(struct kunit *test)
{
	struct vsvm_vram_test *t = test->priv;
	struct vsvm_vram *vram = &t->vram;
	struct vsvm_vram_alloc *a, *b, *big;
	u64 off, avail;
	unsigned int i, n;

	a = test_alloc(test, SZ_4K, 0, 0, SZ_4K);
	KUNIT_ASSERT_FALSE(test, IS_ERR(a));
	off = first_block_offset(a);
	avail = vram->mm.avail;
	test_free(test, a);
	KUNIT_EXPECT_EQ(test, vram->cached, SZ_4K);
	KUNIT_EXPECT_EQ(test, vram->mm.avail, avail);
	b = test_alloc(test, SZ_4K, 0, 0, SZ_4K);
	KUNIT_ASSERT_FALSE(test, IS_ERR(b));
	KUNIT_EXPECT_EQ(test, first_block_offset(b), off);
	KUNIT_EXPECT_EQ(test, vram->cached, 0);
	KUNIT_EXPECT_EQ(test, vram->mm.avail, avail);
	test_free(test, b);

	/*
	 * A contiguous allocation never takes a cached block (it is kept
	 * when freed, as any single block); one over 64 KiB is never kept.
	 */
	a = test_alloc(test, SZ_4K, 0, VSVM_VRAM_ALLOC_CONTIGUOUS, SZ_4K);
	KUNIT_ASSERT_FALSE(test, IS_ERR(a));
	KUNIT_EXPECT_EQ(test, vram->cached, SZ_4K);
	test_free(test, a);
	a = test_alloc(test, SZ_128K, 0, 0, SZ_128K);
	KUNIT_ASSERT_FALSE(test, IS_ERR(a));
	test_free(test, a);
	KUNIT_EXPECT_LE(test, vram->cached, (u64)SZ_4K + SZ_4K);

	/* Fill the VRAM with 64 KiB blocks and free them: the cache is capped. */
	n = TEST_VRAM_SIZE / SZ_64K;
	KUNIT_ASSERT_LE(test, n, ARRAY_SIZE(t->allocs));
	for (i = 0; i < n; i++) {
		a = test_alloc(test, SZ_64K, 0, 0, SZ_64K);
		KUNIT_ASSERT_FALSE(test, IS_ERR(a));
	}
	for (i = 0; i < ARRAY_SIZE(t->allocs); i++)
		if (t->allocs[i])
			test_free(test, t->allocs[i]);
	KUNIT_EXPECT_LE(test, vram->cached, (u64)VSVM_VRAM_CACHE_MAX);
	KUNIT_EXPECT_GT(test, vram->cached, 0);

	/* The whole VRAM in one piece needs the cache back. */
	big = test_alloc(test, TEST_VRAM_SIZE, 0, VSVM_VRAM_ALLOC_CONTIGUOUS,
			 TEST_VRAM_SIZE);
	KUNIT_ASSERT_FALSE(test, IS_ERR(big));
	KUNIT_EXPECT_EQ(test, vram->cached, 0);
	test_free(test, big);
}

static struct kunit_case vsvm_vram_test_cases[] = {
	KUNIT_CASE(vsvm_vram_test_init_accounting),
	KUNIT_CASE(vsvm_vram_test_init_invalid),
	KUNIT_CASE(vsvm_vram_test_alloc_sizes),
	KUNIT_CASE(vsvm_vram_test_alloc_alignment),
	KUNIT_CASE(vsvm_vram_test_alloc_contiguous),
	KUNIT_CASE(vsvm_vram_test_alloc_invalid),
	KUNIT_CASE(vsvm_vram_test_exhaustion),
	KUNIT_CASE(vsvm_vram_test_free_restores),
	KUNIT_CASE_SLOW(vsvm_vram_test_fragmentation),
	KUNIT_CASE_SLOW(vsvm_vram_test_many_small),
	KUNIT_CASE(vsvm_vram_test_backing_data),
	KUNIT_CASE(vsvm_vram_test_odd_sizes),
	KUNIT_CASE(vsvm_vram_test_iomem),
	KUNIT_CASE(vsvm_vram_test_fini_no_leak),
	KUNIT_CASE(vsvm_vram_test_cache),
	KUNIT_CASE_SLOW(vsvm_vram_test_concurrent),
	{}
};

static struct kunit_suite vsvm_vram_test_suite = {
	.name = "vsvm_vram",
	.init = vsvm_vram_test_init,
	.exit = vsvm_vram_test_exit,
	.test_cases = vsvm_vram_test_cases,
};

kunit_test_suite(vsvm_vram_test_suite);

MODULE_DESCRIPTION("KUnit tests of the vsvm VRAM allocator");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING");
