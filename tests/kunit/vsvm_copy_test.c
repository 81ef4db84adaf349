// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the vsvm copy engine: system pages to VRAM and back by DMA
 * address, contiguous runs, peer windows by bus address, ordering of jobs,
 * and the errors of addresses that resolve to nothing.
 */
#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/dma-mapping.h>
#include <linux/vmalloc.h>

#include <drm/drm_msvm_compat.h>

#include "vsvm_copy.h"

MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING");

#define VRAM_SIZE	(16 * PAGE_SIZE)
#define FAKE_BUS	0x7000000000ull

struct copy_test {
	struct device *dev;
	struct vsvm_copy_engine engine;
	u8 *vram;
	struct page *pages[4];
	dma_addr_t dma[4];
};

static void *copy_test_vram_va(void *priv, u64 offset, u64 *avail)
{
	struct copy_test *ct = priv;

	if (offset >= VRAM_SIZE)
		return NULL;
	*avail = VRAM_SIZE - offset;
	return ct->vram + offset;
}

static const struct vsvm_copy_engine_ops copy_test_ops = {
	.vram_va = copy_test_vram_va,
};

static struct drm_pagemap_addr sys_addr(dma_addr_t a)
{
	return drm_pagemap_addr_encode(a, DRM_INTERCONNECT_SYSTEM, 0,
					      DMA_BIDIRECTIONAL);
}

static struct drm_pagemap_addr vram_addr(u64 off)
{
	return drm_pagemap_addr_encode(off, DRM_INTERCONNECT_DRIVER, 0,
					      DMA_BIDIRECTIONAL);
}

static struct drm_pagemap_addr p2p_addr(u64 bus)
{
	return drm_pagemap_addr_encode(bus, DRM_INTERCONNECT_P2P, 0,
					      DMA_BIDIRECTIONAL);
}

static void fill(void *p, size_t len, u32 seed)
{
	u32 *w = p;
	size_t i;

	for (i = 0; i < len / 4; i++)
		w[i] = seed + i;
}

static bool check(const void *p, size_t len, u32 seed)
{
	const u32 *w = p;
	size_t i;

	for (i = 0; i < len / 4; i++)
		if (w[i] != seed + i)
			return false;
	return true;
}

static int copy_test_init(struct kunit *test)
{
	struct copy_test *ct;
	int i;

	ct = kunit_kzalloc(test, sizeof(*ct), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ct);
	ct->dev = kunit_device_register(test, "vsvm-copy-test");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ct->dev);
	ct->dev->dma_mask = &ct->dev->coherent_dma_mask;
	KUNIT_ASSERT_EQ(test, dma_set_mask_and_coherent(ct->dev, DMA_BIT_MASK(64)), 0);
	ct->vram = vzalloc(VRAM_SIZE);
	KUNIT_ASSERT_NOT_NULL(test, ct->vram);
	for (i = 0; i < ARRAY_SIZE(ct->pages); i++) {
		ct->pages[i] = alloc_page(GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, ct->pages[i]);
		ct->dma[i] = dma_map_page(ct->dev, ct->pages[i], 0, PAGE_SIZE,
					  DMA_BIDIRECTIONAL);
		KUNIT_ASSERT_FALSE(test, dma_mapping_error(ct->dev, ct->dma[i]));
	}
	KUNIT_ASSERT_EQ(test, vsvm_copy_engine_init(&ct->engine, ct->dev,
						    &copy_test_ops, ct), 0);
	test->priv = ct;
	return 0;
}

static void copy_test_exit(struct kunit *test)
{
	struct copy_test *ct = test->priv;
	int i;

	if (!ct)
		return;
	vsvm_copy_engine_fini(&ct->engine);
	for (i = 0; i < ARRAY_SIZE(ct->pages); i++) {
		if (!ct->pages[i])
			continue;
		dma_unmap_page(ct->dev, ct->dma[i], PAGE_SIZE, DMA_BIDIRECTIONAL);
		__free_page(ct->pages[i]);
	}
	vfree(ct->vram);
}

/* System pages to scattered VRAM offsets and back into other pages. */
static void copy_test_sys_vram_roundtrip(struct kunit *test)
{
	struct copy_test *ct = test->priv;
	struct vsvm_copy in[2] = {
		{ sys_addr(ct->dma[0]), vram_addr(5 * PAGE_SIZE), PAGE_SIZE },
		{ sys_addr(ct->dma[1]), vram_addr(2 * PAGE_SIZE), PAGE_SIZE },
	};
	struct vsvm_copy out[2] = {
		{ vram_addr(5 * PAGE_SIZE), sys_addr(ct->dma[2]), PAGE_SIZE },
		{ vram_addr(2 * PAGE_SIZE), sys_addr(ct->dma[3]), PAGE_SIZE },
	};

	fill(page_address(ct->pages[0]), PAGE_SIZE, 100);
	fill(page_address(ct->pages[1]), PAGE_SIZE, 200);
	KUNIT_ASSERT_EQ(test, vsvm_copy_sync(&ct->engine, in, 2), 0);
	KUNIT_EXPECT_TRUE(test, check(ct->vram + 5 * PAGE_SIZE, PAGE_SIZE, 100));
	KUNIT_EXPECT_TRUE(test, check(ct->vram + 2 * PAGE_SIZE, PAGE_SIZE, 200));
	KUNIT_ASSERT_EQ(test, vsvm_copy_sync(&ct->engine, out, 2), 0);
	KUNIT_EXPECT_TRUE(test, check(page_address(ct->pages[2]), PAGE_SIZE, 100));
	KUNIT_EXPECT_TRUE(test, check(page_address(ct->pages[3]), PAGE_SIZE, 200));
	KUNIT_EXPECT_EQ(test, atomic64_read(&ct->engine.bytes), 4 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, atomic64_read(&ct->engine.jobs), 2);
	KUNIT_EXPECT_EQ(test, atomic64_read(&ct->engine.errors), 0);
}

/* A DMA-contiguous run of four pages is one copy, split per page inside. */
static void copy_test_contiguous_run(struct kunit *test)
{
	struct copy_test *ct = test->priv;
	struct page *big = alloc_pages(GFP_KERNEL, 2);
	struct vsvm_copy c;
	dma_addr_t dma;

	KUNIT_ASSERT_NOT_NULL(test, big);
	fill(page_address(big), 4 * PAGE_SIZE, 7);
	dma = dma_map_page(ct->dev, big, 0, 4 * PAGE_SIZE, DMA_BIDIRECTIONAL);
	KUNIT_ASSERT_FALSE(test, dma_mapping_error(ct->dev, dma));
	c = (struct vsvm_copy){ sys_addr(dma + 8), vram_addr(8), 4 * PAGE_SIZE - 16 };
	KUNIT_EXPECT_EQ(test, vsvm_copy_sync(&ct->engine, &c, 1), 0);
	KUNIT_EXPECT_TRUE(test, check(ct->vram + 8, 4 * PAGE_SIZE - 16, 9));
	KUNIT_EXPECT_EQ(test, ((u32 *)ct->vram)[0], 0);
	KUNIT_EXPECT_EQ(test, ((u32 *)ct->vram)[1], 0);
	dma_unmap_page(ct->dev, dma, 4 * PAGE_SIZE, DMA_BIDIRECTIONAL);
	__free_pages(big, 2);
}

/* VRAM to a peer's BAR window by bus address, and the window's removal. */
static void copy_test_p2p_window(struct kunit *test)
{
	struct copy_test *ct = test->priv;
	u8 *peer = kunit_kzalloc(test, 2 * PAGE_SIZE, GFP_KERNEL);
	struct vsvm_copy c = { vram_addr(0), p2p_addr(FAKE_BUS + PAGE_SIZE), PAGE_SIZE };
	struct dma_fence *f;

	KUNIT_ASSERT_NOT_NULL(test, peer);
	fill(ct->vram, PAGE_SIZE, 42);
	KUNIT_ASSERT_EQ(test, vsvm_copy_window_add(FAKE_BUS, 2 * PAGE_SIZE, peer), 0);
	KUNIT_EXPECT_EQ(test, vsvm_copy_window_add(FAKE_BUS + PAGE_SIZE, PAGE_SIZE, peer),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, vsvm_copy_window_add(FAKE_BUS, 0, peer), -EINVAL);
	KUNIT_EXPECT_EQ(test, vsvm_copy_sync(&ct->engine, &c, 1), 0);
	KUNIT_EXPECT_TRUE(test, check(peer + PAGE_SIZE, PAGE_SIZE, 42));
	KUNIT_EXPECT_EQ(test, peer[0], 0);
	vsvm_copy_window_remove(FAKE_BUS);

	/* Gone: the copy fails with -EIO on its fence and writes nothing. */
	memset(peer, 0, 2 * PAGE_SIZE);
	f = vsvm_copy_submit(&ct->engine, &c, 1);
	KUNIT_ASSERT_FALSE(test, IS_ERR(f));
	KUNIT_EXPECT_EQ(test, dma_fence_wait(f, false), 0);
	KUNIT_EXPECT_EQ(test, f->error, -EIO);
	dma_fence_put(f);
	KUNIT_EXPECT_EQ(test, peer[PAGE_SIZE], 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&ct->engine.errors), 1);
}

/* Jobs run in submission order: the second reads what the first wrote. */
static void copy_test_ordering(struct kunit *test)
{
	struct copy_test *ct = test->priv;
	struct vsvm_copy a = { sys_addr(ct->dma[0]), vram_addr(0), PAGE_SIZE };
	struct vsvm_copy b = { vram_addr(0), sys_addr(ct->dma[1]), PAGE_SIZE };
	struct dma_fence *fa, *fb;

	fill(page_address(ct->pages[0]), PAGE_SIZE, 9000);
	memset(page_address(ct->pages[1]), 0, PAGE_SIZE);
	fa = vsvm_copy_submit(&ct->engine, &a, 1);
	fb = vsvm_copy_submit(&ct->engine, &b, 1);
	KUNIT_ASSERT_FALSE(test, IS_ERR(fa));
	KUNIT_ASSERT_FALSE(test, IS_ERR(fb));
	KUNIT_EXPECT_EQ(test, fa->context, fb->context);
	KUNIT_EXPECT_LT(test, fa->seqno, fb->seqno);
	KUNIT_EXPECT_EQ(test, dma_fence_wait(fb, false), 0);
	KUNIT_EXPECT_TRUE(test, dma_fence_is_signaled(fa));
	KUNIT_EXPECT_TRUE(test, check(page_address(ct->pages[1]), PAGE_SIZE, 9000));
	dma_fence_put(fa);
	dma_fence_put(fb);
}

/* A synchronous copy runs after the jobs submitted before it. */
static void copy_test_sync_after_submit(struct kunit *test)
{
	struct copy_test *ct = test->priv;
	struct vsvm_copy a = { sys_addr(ct->dma[0]), vram_addr(0), PAGE_SIZE };
	struct vsvm_copy b = { vram_addr(0), sys_addr(ct->dma[1]), PAGE_SIZE };
	struct dma_fence *fa;

	fill(page_address(ct->pages[0]), PAGE_SIZE, 4242);
	memset(page_address(ct->pages[1]), 0, PAGE_SIZE);
	fa = vsvm_copy_submit(&ct->engine, &a, 1);
	KUNIT_ASSERT_FALSE(test, IS_ERR(fa));
	KUNIT_EXPECT_EQ(test, vsvm_copy_sync(&ct->engine, &b, 1), 0);
	KUNIT_EXPECT_TRUE(test, dma_fence_is_signaled(fa));
	KUNIT_EXPECT_TRUE(test, check(page_address(ct->pages[1]), PAGE_SIZE, 4242));
	dma_fence_put(fa);
	KUNIT_EXPECT_EQ(test, vsvm_copy_sync(&ct->engine, &b, 0), -EINVAL);
}

/* A zero fill writes zeroes over its range only and never reads a source. */
static void copy_test_zero_fill(struct kunit *test)
{
	struct copy_test *ct = test->priv;
	/* The source resolves to nothing: reading it would fail with -EIO. */
	struct vsvm_copy z = { vram_addr(VRAM_SIZE), vram_addr(PAGE_SIZE / 2),
			       2 * PAGE_SIZE, VSVM_COPY_ZERO };
	u8 *v = ct->vram;

	memset(v, 0x5a, 4 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, vsvm_copy_sync(&ct->engine, &z, 1), 0);
	KUNIT_EXPECT_EQ(test, v[PAGE_SIZE / 2 - 1], 0x5a);
	KUNIT_EXPECT_TRUE(test, !memchr_inv(v + PAGE_SIZE / 2, 0, 2 * PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, v[PAGE_SIZE / 2 + 2 * PAGE_SIZE], 0x5a);

	/* Whole aligned pages (cleared a page at a time). */
	memset(v + 4 * PAGE_SIZE, 0x5a, 4 * PAGE_SIZE);
	z.dst = vram_addr(5 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, vsvm_copy_sync(&ct->engine, &z, 1), 0);
	KUNIT_EXPECT_EQ(test, v[5 * PAGE_SIZE - 1], 0x5a);
	KUNIT_EXPECT_TRUE(test, !memchr_inv(v + 5 * PAGE_SIZE, 0, 2 * PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, v[7 * PAGE_SIZE], 0x5a);
	KUNIT_EXPECT_EQ(test, atomic64_read(&ct->engine.errors), 0);
}

static void copy_test_errors(struct kunit *test)
{
	struct copy_test *ct = test->priv;
	struct vsvm_copy past_end = { vram_addr(VRAM_SIZE - 8), sys_addr(ct->dma[0]), 16 };
	struct vsvm_copy beyond = { vram_addr(VRAM_SIZE), sys_addr(ct->dma[0]), 4 };

	KUNIT_EXPECT_EQ(test, vsvm_copy_sync(&ct->engine, &past_end, 1), -EIO);
	KUNIT_EXPECT_EQ(test, vsvm_copy_sync(&ct->engine, &beyond, 1), -EIO);
	KUNIT_EXPECT_EQ(test, PTR_ERR(vsvm_copy_submit(&ct->engine, &beyond, 0)), -EINVAL);
	KUNIT_EXPECT_EQ(test, atomic64_read(&ct->engine.errors), 2);
}

static struct kunit_case vsvm_copy_cases[] = {
	KUNIT_CASE(copy_test_sys_vram_roundtrip),
	KUNIT_CASE(copy_test_contiguous_run),
	KUNIT_CASE(copy_test_p2p_window),
	KUNIT_CASE(copy_test_ordering),
	KUNIT_CASE(copy_test_sync_after_submit),
	KUNIT_CASE(copy_test_zero_fill),
	KUNIT_CASE(copy_test_errors),
	{}
};

static struct kunit_suite vsvm_copy_suite = {
	.name = "vsvm_copy",
	.init = copy_test_init,
	.exit = copy_test_exit,
	.test_cases = vsvm_copy_cases,
};

kunit_test_suite(vsvm_copy_suite);

MODULE_DESCRIPTION("KUnit tests of the vsvm copy engine");
MODULE_LICENSE("GPL");
