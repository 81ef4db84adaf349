// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the vsvm attribute store (vsvm_attr.c): split, merge and
 * overlap of MADVISE intervals, defaults in the gaps, lookups with their
 * constant interval, the reset of unmapped VA on a real mm (kunit_vm_mmap()
 * and vm_munmap()), and the pagemap references the intervals hold.
 */
#include <kunit/test.h>
#include <linux/kref.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include <drm/drm_msvm_compat.h>
#include <drm/drm_pagemap.h>
#include <drm/vsvm_drm.h>

#include "vsvm_attr.h"

MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING");

#define P(n)	((unsigned long)(n) * PAGE_SIZE)

struct attr_test {
	struct vsvm_attr_store store;
	bool store_live;
	unsigned long base;
	struct drm_pagemap dpagemap;
	bool destroyed;
};

static void attr_test_pagemap_destroy(struct drm_pagemap *dpagemap,
				      bool is_atomic_or_reclaim)
{
	struct attr_test *t = container_of(dpagemap, struct attr_test, dpagemap);

	WRITE_ONCE(t->destroyed, true);
}

static const struct drm_pagemap_ops attr_test_pagemap_ops = {
	.destroy = attr_test_pagemap_destroy,
};

static int attr_test_init(struct kunit *test)
{
	struct attr_test *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	/* A mapping of 128 pages: the VA the tests work on. */
	t->base = kunit_vm_mmap(test, NULL, 0, P(128), PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, 0);
	KUNIT_ASSERT_FALSE(test, !t->base || IS_ERR_VALUE(t->base));
	KUNIT_ASSERT_NOT_NULL(test, current->mm);
	vsvm_attr_store_init(&t->store, current->mm);
	t->store_live = true;
	KUNIT_ASSERT_EQ(test, drm_pagemap_init(&t->dpagemap, NULL, NULL,
					       &attr_test_pagemap_ops), 0);
	test->priv = t;
	return 0;
}

static void attr_test_exit(struct kunit *test)
{
	struct attr_test *t = test->priv;

	if (t->store_live)
		vsvm_attr_store_fini(&t->store);
	drm_pagemap_put(&t->dpagemap);
	drm_pagemap_flush_destroyed();
	KUNIT_EXPECT_TRUE(test, READ_ONCE(t->destroyed));
}

static void attr_set(struct kunit *test, unsigned long first,
		     unsigned long npages, u32 type, u32 value,
		     struct drm_pagemap *dpagemap, u32 device)
{
	struct attr_test *t = test->priv;

	KUNIT_ASSERT_EQ(test, vsvm_attr_store_set(&t->store,
						  t->base + P(first),
						  t->base + P(first + npages),
						  type, value, dpagemap,
						  device), 0);
}

struct want {
	unsigned long start, end;
	u32 loc, device, policy, atomic;
};

/* Query [first, first + npages) and compare with @w (pages from base). */
static void attr_expect(struct kunit *test, unsigned long first,
			unsigned long npages, const struct want *w, u32 n)
{
	struct attr_test *t = test->priv;
	struct drm_vsvm_range_attr *out;
	u32 count, i;

	KUNIT_ASSERT_EQ(test, vsvm_attr_store_query(&t->store,
						    t->base + P(first),
						    t->base + P(first + npages),
						    &out, &count), 0);
	KUNIT_EXPECT_EQ(test, count, n);
	for (i = 0; i < min(count, n); i++) {
		KUNIT_EXPECT_EQ_MSG(test, out[i].start, t->base + P(w[i].start),
				    "interval %u", i);
		KUNIT_EXPECT_EQ_MSG(test, out[i].end, t->base + P(w[i].end),
				    "interval %u", i);
		KUNIT_EXPECT_EQ_MSG(test, out[i].preferred_loc, w[i].loc,
				    "interval %u", i);
		KUNIT_EXPECT_EQ_MSG(test, out[i].preferred_device, w[i].device,
				    "interval %u", i);
		KUNIT_EXPECT_EQ_MSG(test, out[i].migration_policy, w[i].policy,
				    "interval %u", i);
		KUNIT_EXPECT_EQ_MSG(test, out[i].atomic_mode, w[i].atomic,
				    "interval %u", i);
		KUNIT_EXPECT_EQ(test, out[i].reserved, 0);
	}
	kvfree(out);
}

#define LOC(x)	DRM_VSVM_LOCATION_##x

static void attr_test_defaults(struct kunit *test)
{
	struct attr_test *t = test->priv;
	const struct want w[] = { { 0, 64, LOC(DEFAULT), 0, 0, 0 } };
	struct vsvm_attr a;
	unsigned long s, e;

	attr_expect(test, 0, 64, w, 1);
	vsvm_attr_store_lookup(&t->store, t->base, &a, &s, &e);
	KUNIT_EXPECT_EQ(test, a.preferred_loc, LOC(DEFAULT));
	KUNIT_EXPECT_NULL(test, a.dpagemap);
	KUNIT_EXPECT_EQ(test, a.migration_policy, DRM_VSVM_MIGRATE_ALL_PAGES);
	KUNIT_EXPECT_EQ(test, a.atomic_mode, DRM_VSVM_ATOMIC_DEFAULT);
	KUNIT_EXPECT_EQ(test, s, 0);
	KUNIT_EXPECT_EQ(test, e, ULONG_MAX);
	KUNIT_EXPECT_EQ(test, vsvm_attr_store_nr_nodes(&t->store), 0);
}

static void attr_test_split_merge(struct kunit *test)
{
	struct attr_test *t = test->priv;

	attr_set(test, 0, 16, DRM_VSVM_MADVISE_PREFERRED_LOC, LOC(SYSTEM),
		 NULL, 0);
	attr_set(test, 4, 4, DRM_VSVM_MADVISE_ATOMIC, DRM_VSVM_ATOMIC_CPU,
		 NULL, 0);
	{
		const struct want w[] = {
			{ 0, 4, LOC(SYSTEM), 0, 0, 0 },
			{ 4, 8, LOC(SYSTEM), 0, 0, DRM_VSVM_ATOMIC_CPU },
			{ 8, 16, LOC(SYSTEM), 0, 0, 0 },
			{ 16, 20, LOC(DEFAULT), 0, 0, 0 },
		};

		attr_expect(test, 0, 20, w, 4);
		KUNIT_EXPECT_EQ(test, vsvm_attr_store_nr_nodes(&t->store), 3);
	}
	/* Equal again: the three merge into one. */
	attr_set(test, 4, 4, DRM_VSVM_MADVISE_ATOMIC, DRM_VSVM_ATOMIC_DEFAULT,
		 NULL, 0);
	{
		const struct want w[] = { { 0, 16, LOC(SYSTEM), 0, 0, 0 } };

		attr_expect(test, 0, 16, w, 1);
		KUNIT_EXPECT_EQ(test, vsvm_attr_store_nr_nodes(&t->store), 1);
	}
	/* An adjacent equal interval merges too. */
	attr_set(test, 16, 4, DRM_VSVM_MADVISE_PREFERRED_LOC, LOC(SYSTEM),
		 NULL, 0);
	KUNIT_EXPECT_EQ(test, vsvm_attr_store_nr_nodes(&t->store), 1);
	/* Back to the defaults: nothing stored. */
	attr_set(test, 0, 64, DRM_VSVM_MADVISE_PREFERRED_LOC, LOC(DEFAULT),
		 NULL, 0);
	KUNIT_EXPECT_EQ(test, vsvm_attr_store_nr_nodes(&t->store), 0);
}

static void attr_test_overlap_gaps(struct kunit *test)
{
	struct attr_test *t = test->priv;
	struct vsvm_attr a;
	unsigned long s, e;

	attr_set(test, 2, 2, DRM_VSVM_MADVISE_ATOMIC, DRM_VSVM_ATOMIC_GLOBAL,
		 NULL, 0);
	attr_set(test, 8, 2, DRM_VSVM_MADVISE_ATOMIC, DRM_VSVM_ATOMIC_DEVICE,
		 NULL, 0);
	/* Over both and the gaps around them. */
	attr_set(test, 1, 12, DRM_VSVM_MADVISE_MIGRATION_POLICY,
		 DRM_VSVM_MIGRATE_ONLY_SYSTEM_PAGES, NULL, 0);
	{
		const struct want w[] = {
			{ 0, 1, LOC(DEFAULT), 0, 0, 0 },
			{ 1, 2, LOC(DEFAULT), 0, 1, 0 },
			{ 2, 4, LOC(DEFAULT), 0, 1, DRM_VSVM_ATOMIC_GLOBAL },
			{ 4, 8, LOC(DEFAULT), 0, 1, 0 },
			{ 8, 10, LOC(DEFAULT), 0, 1, DRM_VSVM_ATOMIC_DEVICE },
			{ 10, 13, LOC(DEFAULT), 0, 1, 0 },
			{ 13, 16, LOC(DEFAULT), 0, 0, 0 },
		};

		attr_expect(test, 0, 16, w, 7);
		/* Clipped on both sides. */
		{
			const struct want c[] = {
				{ 3, 4, LOC(DEFAULT), 0, 1,
				  DRM_VSVM_ATOMIC_GLOBAL },
				{ 4, 8, LOC(DEFAULT), 0, 1, 0 },
				{ 8, 9, LOC(DEFAULT), 0, 1,
				  DRM_VSVM_ATOMIC_DEVICE },
			};

			attr_expect(test, 3, 6, c, 3);
		}
	}
	/* Lookup: the attributes and the interval they hold over. */
	vsvm_attr_store_lookup(&t->store, t->base + P(9) + 100, &a, &s, &e);
	KUNIT_EXPECT_EQ(test, a.atomic_mode, DRM_VSVM_ATOMIC_DEVICE);
	KUNIT_EXPECT_EQ(test, a.migration_policy,
			DRM_VSVM_MIGRATE_ONLY_SYSTEM_PAGES);
	KUNIT_EXPECT_EQ(test, s, t->base + P(8));
	KUNIT_EXPECT_EQ(test, e, t->base + P(10));
	vsvm_attr_store_lookup(&t->store, t->base + P(20), &a, &s, &e);
	KUNIT_EXPECT_EQ(test, a.migration_policy, DRM_VSVM_MIGRATE_ALL_PAGES);
	KUNIT_EXPECT_EQ(test, s, t->base + P(13));
	KUNIT_EXPECT_EQ(test, e, ULONG_MAX);
	vsvm_attr_store_lookup(&t->store, t->base, &a, &s, &e);
	KUNIT_EXPECT_EQ(test, s, 0);
	KUNIT_EXPECT_EQ(test, e, t->base + P(1));
}

static void attr_test_pagemap_refs(struct kunit *test)
{
	struct attr_test *t = test->priv;
	struct vsvm_attr a;
	unsigned long s, e;

	KUNIT_EXPECT_EQ(test, kref_read(&t->dpagemap.ref), 1);
	attr_set(test, 0, 8, DRM_VSVM_MADVISE_PREFERRED_LOC, LOC(PAGEMAP_FD),
		 &t->dpagemap, 3);
	KUNIT_EXPECT_EQ(test, kref_read(&t->dpagemap.ref), 2);
	/* A split: each half holds a reference. */
	attr_set(test, 2, 2, DRM_VSVM_MADVISE_ATOMIC, DRM_VSVM_ATOMIC_CPU,
		 NULL, 0);
	KUNIT_EXPECT_EQ(test, kref_read(&t->dpagemap.ref), 4);
	{
		const struct want w[] = {
			{ 0, 2, LOC(PAGEMAP_FD), 3, 0, 0 },
			{ 2, 4, LOC(PAGEMAP_FD), 3, 0, DRM_VSVM_ATOMIC_CPU },
			{ 4, 8, LOC(PAGEMAP_FD), 3, 0, 0 },
		};

		attr_expect(test, 0, 8, w, 3);
	}
	vsvm_attr_store_lookup(&t->store, t->base + P(5), &a, &s, &e);
	KUNIT_EXPECT_PTR_EQ(test, a.dpagemap, &t->dpagemap);
	KUNIT_EXPECT_EQ(test, kref_read(&t->dpagemap.ref), 5);
	vsvm_attr_put(&a);
	KUNIT_EXPECT_NULL(test, a.dpagemap);
	KUNIT_EXPECT_EQ(test, kref_read(&t->dpagemap.ref), 4);
	/* Merged back: one reference. */
	attr_set(test, 2, 2, DRM_VSVM_MADVISE_ATOMIC, DRM_VSVM_ATOMIC_DEFAULT,
		 NULL, 0);
	KUNIT_EXPECT_EQ(test, kref_read(&t->dpagemap.ref), 2);
	/* Replaced by another location on part of it. */
	attr_set(test, 0, 4, DRM_VSVM_MADVISE_PREFERRED_LOC, LOC(DEVICE),
		 NULL, 1);
	KUNIT_EXPECT_EQ(test, kref_read(&t->dpagemap.ref), 2);
	/* The store's teardown drops the rest. */
	vsvm_attr_store_fini(&t->store);
	t->store_live = false;
	KUNIT_EXPECT_EQ(test, kref_read(&t->dpagemap.ref), 1);
}

static void attr_test_unmap_reset(struct kunit *test)
{
	struct attr_test *t = test->priv;
	unsigned long addr;

	attr_set(test, 0, 32, DRM_VSVM_MADVISE_PREFERRED_LOC, LOC(PAGEMAP_FD),
		 &t->dpagemap, 2);
	attr_set(test, 40, 8, DRM_VSVM_MADVISE_ATOMIC, DRM_VSVM_ATOMIC_CPU,
		 NULL, 0);
	KUNIT_EXPECT_EQ(test, kref_read(&t->dpagemap.ref), 2);

	/* A hole in the middle of the first interval: never touched. */
	KUNIT_ASSERT_EQ(test, vm_munmap(t->base + P(8), P(4)), 0);
	{
		const struct want w[] = {
			{ 0, 8, LOC(PAGEMAP_FD), 2, 0, 0 },
			{ 8, 12, LOC(DEFAULT), 0, 0, 0 },
			{ 12, 32, LOC(PAGEMAP_FD), 2, 0, 0 },
			{ 32, 40, LOC(DEFAULT), 0, 0, 0 },
			{ 40, 48, LOC(DEFAULT), 0, 0, DRM_VSVM_ATOMIC_CPU },
		};

		attr_expect(test, 0, 48, w, 5);
		KUNIT_EXPECT_EQ(test, kref_read(&t->dpagemap.ref), 3);
	}
	/* Mapped again at the same place: still the defaults. */
	addr = vm_mmap(NULL, t->base + P(8), P(4), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, 0);
	KUNIT_ASSERT_EQ(test, addr, t->base + P(8));
	KUNIT_EXPECT_EQ(test, vsvm_attr_store_nr_nodes(&t->store), 3);
	/* Across two intervals and the gap between them. */
	KUNIT_ASSERT_EQ(test, vm_munmap(t->base + P(30), P(12)), 0);
	{
		const struct want w[] = {
			{ 0, 8, LOC(PAGEMAP_FD), 2, 0, 0 },
			{ 8, 12, LOC(DEFAULT), 0, 0, 0 },
			{ 12, 30, LOC(PAGEMAP_FD), 2, 0, 0 },
			{ 30, 42, LOC(DEFAULT), 0, 0, 0 },
			{ 42, 48, LOC(DEFAULT), 0, 0, DRM_VSVM_ATOMIC_CPU },
		};

		attr_expect(test, 0, 48, w, 5);
	}
	/* All of it: nothing stored, the references dropped. */
	KUNIT_ASSERT_EQ(test, vm_munmap(t->base, P(128)), 0);
	KUNIT_EXPECT_EQ(test, vsvm_attr_store_nr_nodes(&t->store), 0);
	KUNIT_EXPECT_EQ(test, kref_read(&t->dpagemap.ref), 1);
}

/* More disjoint unmaps than the pending array holds: all still reset. */
static void attr_test_unmap_many(struct kunit *test)
{
	struct attr_test *t = test->priv;
	unsigned long i;

	attr_set(test, 0, 128, DRM_VSVM_MADVISE_ATOMIC, DRM_VSVM_ATOMIC_GLOBAL,
		 NULL, 0);
	KUNIT_ASSERT_GT(test, 64, VSVM_ATTR_PENDING_MAX);
	for (i = 0; i < 128; i += 2)
		KUNIT_ASSERT_EQ(test, vm_munmap(t->base + P(i), P(1)), 0);
	{
		struct vsvm_attr a;
		unsigned long s, e;

		for (i = 0; i < 128; i++) {
			vsvm_attr_store_lookup(&t->store, t->base + P(i), &a,
					       &s, &e);
			if (i % 2 == 0)
				KUNIT_EXPECT_EQ_MSG(test, a.atomic_mode,
						    DRM_VSVM_ATOMIC_DEFAULT,
						    "page %lu", i);
		}
	}
	/* Never kept on unmapped memory. */
	KUNIT_EXPECT_LE(test, vsvm_attr_store_nr_nodes(&t->store), 64);
}

/* Atomic mode of page @i (from base). */
static u32 attr_atomic_at(struct kunit *test, unsigned long i)
{
	struct attr_test *t = test->priv;
	struct vsvm_attr a;
	unsigned long s, e;

	vsvm_attr_store_lookup(&t->store, t->base + P(i), &a, &s, &e);
	vsvm_attr_put(&a);
	return a.atomic_mode;
}

/* The interval limit: a call that could exceed it changes nothing. */
static void attr_test_limit(struct kunit *test)
{
	struct attr_test *t = test->priv;
	unsigned long i;

	/* [0, 2), [3, 4), [5, 6), [7, 8) */
	t->store.max_nodes = 4;
	attr_set(test, 0, 2, DRM_VSVM_MADVISE_ATOMIC, DRM_VSVM_ATOMIC_CPU,
		 NULL, 0);
	for (i = 3; i < 8; i += 2)
		attr_set(test, i, 1, DRM_VSVM_MADVISE_ATOMIC,
			 DRM_VSVM_ATOMIC_CPU, NULL, 0);
	KUNIT_EXPECT_EQ(test, vsvm_attr_store_nr_nodes(&t->store), 4);
	/* A fifth interval, a gap filled, a split: refused. */
	KUNIT_EXPECT_EQ(test, vsvm_attr_store_set(&t->store, t->base + P(9),
						  t->base + P(10),
						  DRM_VSVM_MADVISE_ATOMIC,
						  DRM_VSVM_ATOMIC_CPU, NULL, 0),
			-ENOMEM);
	KUNIT_EXPECT_EQ(test, vsvm_attr_store_set(&t->store, t->base + P(2),
						  t->base + P(3),
						  DRM_VSVM_MADVISE_ATOMIC,
						  DRM_VSVM_ATOMIC_CPU, NULL, 0),
			-ENOMEM);
	KUNIT_EXPECT_EQ(test, vsvm_attr_store_set(&t->store, t->base,
						  t->base + P(1),
						  DRM_VSVM_MADVISE_MIGRATION_POLICY,
						  DRM_VSVM_MIGRATE_ONLY_SYSTEM_PAGES,
						  NULL, 0), -ENOMEM);
	for (i = 0; i < 10; i++)
		KUNIT_EXPECT_EQ_MSG(test, attr_atomic_at(test, i),
				    i < 2 || (i < 8 && i % 2) ?
				    DRM_VSVM_ATOMIC_CPU :
				    DRM_VSVM_ATOMIC_DEFAULT, "page %lu", i);
	KUNIT_EXPECT_EQ(test, vsvm_attr_store_nr_nodes(&t->store), 4);
	/* Needing no new interval: the same value over all, then a drop. */
	attr_set(test, 0, 2, DRM_VSVM_MADVISE_ATOMIC, DRM_VSVM_ATOMIC_CPU,
		 NULL, 0);
	attr_set(test, 0, 8, DRM_VSVM_MADVISE_ATOMIC, DRM_VSVM_ATOMIC_DEFAULT,
		 NULL, 0);
	KUNIT_EXPECT_EQ(test, vsvm_attr_store_nr_nodes(&t->store), 0);
	/* Below the limit again. */
	attr_set(test, 8, 1, DRM_VSVM_MADVISE_ATOMIC, DRM_VSVM_ATOMIC_CPU,
		 NULL, 0);
	KUNIT_EXPECT_EQ(test, attr_atomic_at(test, 8), DRM_VSVM_ATOMIC_CPU);
}

/* munmap never exceeds the limit: a hole at the limit resets the right. */
static void attr_test_limit_unmap(struct kunit *test)
{
	struct attr_test *t = test->priv;

	t->store.max_nodes = 2;
	attr_set(test, 0, 32, DRM_VSVM_MADVISE_ATOMIC, DRM_VSVM_ATOMIC_CPU,
		 NULL, 0);
	KUNIT_ASSERT_EQ(test, vm_munmap(t->base + P(8), P(4)), 0);
	KUNIT_EXPECT_EQ(test, vsvm_attr_store_nr_nodes(&t->store), 2);
	KUNIT_ASSERT_EQ(test, vm_munmap(t->base + P(20), P(2)), 0);
	{
		const struct want w[] = {
			{ 0, 8, LOC(DEFAULT), 0, 0, DRM_VSVM_ATOMIC_CPU },
			{ 8, 12, LOC(DEFAULT), 0, 0, 0 },
			{ 12, 20, LOC(DEFAULT), 0, 0, DRM_VSVM_ATOMIC_CPU },
			{ 20, 32, LOC(DEFAULT), 0, 0, 0 },
		};

		attr_expect(test, 0, 32, w, 4);
	}
	KUNIT_EXPECT_EQ(test, vsvm_attr_store_nr_nodes(&t->store), 2);
}

/*
 * Watches never nest or touch: growing, sliding and joining calls keep
 * one notifier per disjoint span, and unmaps are still caught.
 */
static void attr_test_watches(struct kunit *test)
{
	struct attr_test *t = test->priv;
	unsigned long k;

	for (k = 1; k <= 32; k++) {
		attr_set(test, 0, k, DRM_VSVM_MADVISE_ATOMIC,
			 DRM_VSVM_ATOMIC_CPU, NULL, 0);
		KUNIT_EXPECT_EQ_MSG(test,
				    vsvm_attr_store_nr_watches(&t->store), 1,
				    "after [0, %lu)", k);
	}
	attr_set(test, 40, 1, DRM_VSVM_MADVISE_ATOMIC, DRM_VSVM_ATOMIC_CPU,
		 NULL, 0);
	KUNIT_EXPECT_EQ(test, vsvm_attr_store_nr_watches(&t->store), 2);
	attr_set(test, 41, 1, DRM_VSVM_MADVISE_ATOMIC, DRM_VSVM_ATOMIC_GLOBAL,
		 NULL, 0);
	KUNIT_EXPECT_EQ(test, vsvm_attr_store_nr_watches(&t->store), 2);
	for (k = 50; k < 80; k++)
		attr_set(test, k, 2, DRM_VSVM_MADVISE_ATOMIC,
			 k % 2 ? DRM_VSVM_ATOMIC_CPU : DRM_VSVM_ATOMIC_GLOBAL,
			 NULL, 0);
	KUNIT_EXPECT_EQ(test, vsvm_attr_store_nr_watches(&t->store), 3);
	attr_set(test, 32, 8, DRM_VSVM_MADVISE_ATOMIC, DRM_VSVM_ATOMIC_CPU,
		 NULL, 0);
	KUNIT_EXPECT_EQ(test, vsvm_attr_store_nr_watches(&t->store), 2);
	/* The joined watch still resets what is unmapped under it. */
	KUNIT_ASSERT_EQ(test, vm_munmap(t->base + P(41), P(1)), 0);
	KUNIT_ASSERT_EQ(test, vm_munmap(t->base + P(5), P(1)), 0);
	KUNIT_ASSERT_EQ(test, vm_munmap(t->base + P(60), P(1)), 0);
	KUNIT_EXPECT_EQ(test, attr_atomic_at(test, 41), DRM_VSVM_ATOMIC_DEFAULT);
	KUNIT_EXPECT_EQ(test, attr_atomic_at(test, 5), DRM_VSVM_ATOMIC_DEFAULT);
	KUNIT_EXPECT_EQ(test, attr_atomic_at(test, 60), DRM_VSVM_ATOMIC_DEFAULT);
	KUNIT_EXPECT_EQ(test, attr_atomic_at(test, 40), DRM_VSVM_ATOMIC_CPU);
	KUNIT_EXPECT_EQ(test, attr_atomic_at(test, 61), DRM_VSVM_ATOMIC_CPU);
	KUNIT_EXPECT_EQ(test, attr_atomic_at(test, 62), DRM_VSVM_ATOMIC_GLOBAL);
	/* Nothing left to watch: the next call removes them. */
	KUNIT_ASSERT_EQ(test, vm_munmap(t->base, P(128)), 0);
	KUNIT_EXPECT_EQ(test, vsvm_attr_store_nr_nodes(&t->store), 0);
	attr_set(test, 0, 1, DRM_VSVM_MADVISE_ATOMIC, DRM_VSVM_ATOMIC_CPU,
		 NULL, 0);
	KUNIT_EXPECT_EQ(test, vsvm_attr_store_nr_watches(&t->store), 1);
}

static struct kunit_case vsvm_attr_test_cases[] = {
	KUNIT_CASE(attr_test_defaults),
	KUNIT_CASE(attr_test_split_merge),
	KUNIT_CASE(attr_test_overlap_gaps),
	KUNIT_CASE(attr_test_pagemap_refs),
	KUNIT_CASE(attr_test_unmap_reset),
	KUNIT_CASE(attr_test_unmap_many),
	KUNIT_CASE(attr_test_limit),
	KUNIT_CASE(attr_test_limit_unmap),
	KUNIT_CASE(attr_test_watches),
	{}
};

static struct kunit_suite vsvm_attr_test_suite = {
	.name = "vsvm_attr",
	.init = attr_test_init,
	.exit = attr_test_exit,
	.test_cases = vsvm_attr_test_cases,
};

kunit_test_suite(vsvm_attr_test_suite);

MODULE_DESCRIPTION("KUnit tests of the vsvm attribute store");
MODULE_LICENSE("GPL");
