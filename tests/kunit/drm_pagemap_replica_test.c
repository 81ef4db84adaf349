// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of drm_pagemap_replica, the bookkeeping of read replicas:
 * making one (pending covers, other users' writable mappings revoked,
 * commit, abort), collapsing a range (each holder's callback, only the
 * overlapping replicas), the holders' own takes (invalidation, memory
 * pressure), the write hold that keeps readers from starving a writer,
 * the counters, the visit of live replicas and the per-mm sharing.
 */
#include <kunit/test.h>
#include <kunit/test-bug.h>
#include <linux/mm_types.h>
#include <linux/sizes.h>

#include <drm/drm_pagemap_replica.h>

#define BASE	(64ul * SZ_2M)

struct rt_user {
	struct drm_pagemap_replica_user base;
	unsigned int revokes;
	unsigned long rstart, rend;
	unsigned int collapses;
};

static void rt_revoke(struct drm_pagemap_replica_user *user,
		      unsigned long start, unsigned long end)
{
	struct rt_user *u = container_of(user, struct rt_user, base);

	u->revokes++;
	u->rstart = start;
	u->rend = end;
}

static void rt_collapse(struct drm_pagemap_replica *rep)
{
	struct rt_user *u = container_of(rep->user, struct rt_user, base);

	/* Out of the set already. */
	if (rep->state == DRM_PAGEMAP_REPLICA_NONE)
		u->collapses++;
}

static const struct drm_pagemap_replica_user_ops rt_ops = {
	.revoke_write = rt_revoke,
	.collapse = rt_collapse,
};

struct rt_ctx {
	struct drm_pagemap_replica_set *set;
	struct rt_user u[3];
	struct drm_pagemap_replica rep[4];
};

static int rt_init(struct kunit *test)
{
	struct rt_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	int i;

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->set = drm_pagemap_replica_set_create();
	KUNIT_ASSERT_NOT_NULL(test, ctx->set);
	/* No write hold but where a case sets one. */
	drm_pagemap_replica_set_write_hold(ctx->set, 0);
	for (i = 0; i < 3; i++)
		drm_pagemap_replica_user_add(ctx->set, &ctx->u[i].base,
					     &rt_ops);
	test->priv = ctx;
	return 0;
}

static void rt_exit(struct kunit *test)
{
	struct rt_ctx *ctx = test->priv;
	LIST_HEAD(gone);
	int i;

	for (i = 0; i < 3; i++) {
		drm_pagemap_replica_take_user(ctx->set, &ctx->u[i].base, 0,
					      ULONG_MAX, false, &gone);
		drm_pagemap_replica_user_remove(ctx->set, &ctx->u[i].base);
	}
	drm_pagemap_replica_set_put(ctx->set);
}

/* User @u makes replica @r of [@start, @end); committed if @commit. */
static void rt_make(struct rt_ctx *ctx, int r, int u, unsigned long start,
		    unsigned long end, bool commit)
{
	KUNIT_ASSERT_EQ(kunit_get_current_test(),
			drm_pagemap_replica_begin(ctx->set, &ctx->rep[r],
						  &ctx->u[u].base, start, end),
			0);
	if (commit)
		drm_pagemap_replica_commit(ctx->set, &ctx->rep[r]);
	else
		drm_pagemap_replica_abort(ctx->set, &ctx->rep[r]);
	drm_pagemap_replica_end(ctx->set);
}

static struct drm_pagemap_replica_stats rt_stats(struct rt_ctx *ctx)
{
	struct drm_pagemap_replica_stats s;

	drm_pagemap_replica_stats_get(ctx->set, &s);
	return s;
}

static void rt_make_commit_abort(struct kunit *test)
{
	struct rt_ctx *ctx = test->priv;
	struct drm_pagemap_replica_stats s;

	KUNIT_EXPECT_FALSE(test, drm_pagemap_replica_any(ctx->set));
	KUNIT_EXPECT_FALSE(test, drm_pagemap_replica_covers(ctx->set, 0,
							    ULONG_MAX));
	/* Pending: covers already; the other users' writes are revoked. */
	KUNIT_ASSERT_EQ(test, drm_pagemap_replica_begin(ctx->set, &ctx->rep[0],
							&ctx->u[0].base, BASE,
							BASE + SZ_2M), 0);
	KUNIT_EXPECT_TRUE(test, drm_pagemap_replica_covers(ctx->set,
							   BASE + SZ_4K,
							   BASE + SZ_8K));
	KUNIT_EXPECT_EQ(test, ctx->u[0].revokes, 0);
	KUNIT_EXPECT_EQ(test, ctx->u[1].revokes, 1);
	KUNIT_EXPECT_EQ(test, ctx->u[2].revokes, 1);
	KUNIT_EXPECT_EQ(test, ctx->u[1].rstart, BASE);
	KUNIT_EXPECT_EQ(test, ctx->u[1].rend, BASE + SZ_2M);
	KUNIT_EXPECT_EQ(test, rt_stats(ctx).made, 0);
	drm_pagemap_replica_commit(ctx->set, &ctx->rep[0]);
	drm_pagemap_replica_end(ctx->set);
	KUNIT_EXPECT_EQ(test, ctx->rep[0].state, DRM_PAGEMAP_REPLICA_LIVE);

	/* Only overlapping ranges are covered. */
	KUNIT_EXPECT_FALSE(test, drm_pagemap_replica_covers(ctx->set,
							    BASE - SZ_4K,
							    BASE));
	KUNIT_EXPECT_FALSE(test, drm_pagemap_replica_covers(ctx->set,
							    BASE + SZ_2M,
							    BASE + SZ_4M));
	KUNIT_EXPECT_TRUE(test, drm_pagemap_replica_covers(ctx->set,
							   BASE - SZ_4K,
							   BASE + 1));

	/* An aborted one leaves nothing. */
	rt_make(ctx, 1, 1, BASE + SZ_2M, BASE + SZ_4M, false);
	KUNIT_EXPECT_EQ(test, ctx->rep[1].state, DRM_PAGEMAP_REPLICA_NONE);
	KUNIT_EXPECT_FALSE(test, drm_pagemap_replica_covers(ctx->set,
							    BASE + SZ_2M,
							    BASE + SZ_4M));
	KUNIT_EXPECT_EQ(test, ctx->u[0].revokes, 1);

	s = rt_stats(ctx);
	KUNIT_EXPECT_EQ(test, s.made, 1);
	KUNIT_EXPECT_EQ(test, s.live, 1);
	KUNIT_EXPECT_EQ(test, s.collapsed, 0);
	KUNIT_EXPECT_EQ(test, s.dropped, 0);
}

static void rt_collapse_range(struct kunit *test)
{
	struct rt_ctx *ctx = test->priv;
	struct drm_pagemap_replica_stats s;

	/* Users 1 and 2 replicate block 0, user 1 block 1 too. */
	rt_make(ctx, 0, 1, BASE, BASE + SZ_2M, true);
	rt_make(ctx, 1, 2, BASE, BASE + SZ_2M, true);
	rt_make(ctx, 2, 1, BASE + SZ_2M, BASE + SZ_4M, true);
	KUNIT_EXPECT_EQ(test, rt_stats(ctx).live, 3);

	/* A write to one page of block 0 collapses both of its replicas. */
	KUNIT_EXPECT_EQ(test, drm_pagemap_replica_collapse(ctx->set,
							   BASE + SZ_8K,
							   BASE + SZ_8K +
							   SZ_4K), 2);
	KUNIT_EXPECT_EQ(test, ctx->u[1].collapses, 1);
	KUNIT_EXPECT_EQ(test, ctx->u[2].collapses, 1);
	KUNIT_EXPECT_EQ(test, ctx->u[0].collapses, 0);
	KUNIT_EXPECT_FALSE(test, drm_pagemap_replica_covers(ctx->set, BASE,
							    BASE + SZ_2M));
	KUNIT_EXPECT_TRUE(test, drm_pagemap_replica_covers(ctx->set,
							   BASE + SZ_2M,
							   BASE + SZ_4M));
	/* Nothing left there: a second write collapses nothing. */
	KUNIT_EXPECT_EQ(test, drm_pagemap_replica_collapse(ctx->set, BASE,
							   BASE + SZ_2M), 0);

	s = rt_stats(ctx);
	KUNIT_EXPECT_EQ(test, s.made, 3);
	KUNIT_EXPECT_EQ(test, s.live, 1);
	KUNIT_EXPECT_EQ(test, s.collapsed, 2);
	KUNIT_EXPECT_EQ(test, s.dropped, 0);
}

static void rt_write_hold(struct kunit *test)
{
	struct rt_ctx *ctx = test->priv;
	int err;

	/* A write holds its range: no replica of it for an hour. */
	drm_pagemap_replica_set_write_hold(ctx->set, 3600ull * NSEC_PER_SEC);
	rt_make(ctx, 0, 1, BASE, BASE + SZ_2M, true);
	KUNIT_EXPECT_EQ(test, drm_pagemap_replica_collapse(ctx->set, BASE,
							   BASE + SZ_4K), 1);
	err = drm_pagemap_replica_begin(ctx->set, &ctx->rep[1],
					&ctx->u[2].base, BASE, BASE + SZ_2M);
	KUNIT_EXPECT_EQ(test, err, -EBUSY);
	if (!err) {
		drm_pagemap_replica_abort(ctx->set, &ctx->rep[1]);
		drm_pagemap_replica_end(ctx->set);
	}
	/* Refused: nothing pending, the mutex free. */
	KUNIT_EXPECT_FALSE(test, drm_pagemap_replica_covers(ctx->set, BASE,
							    BASE + SZ_2M));
	/* Elsewhere, replicas are made. */
	rt_make(ctx, 2, 2, BASE + SZ_2M, BASE + SZ_4M, true);
	KUNIT_EXPECT_EQ(test, ctx->rep[2].state, DRM_PAGEMAP_REPLICA_LIVE);
}

static void rt_count(struct drm_pagemap_replica *rep, void *arg)
{
	(*(int *)arg)++;
}

static void rt_takes(struct kunit *test)
{
	struct rt_ctx *ctx = test->priv;
	struct drm_pagemap_replica_stats s;
	LIST_HEAD(list);
	int n = 0;

	rt_make(ctx, 0, 1, BASE, BASE + SZ_2M, true);
	rt_make(ctx, 1, 1, BASE + SZ_2M, BASE + SZ_4M, true);
	rt_make(ctx, 2, 2, BASE, BASE + SZ_2M, true);
	rt_make(ctx, 3, 1, BASE + SZ_8M, BASE + SZ_8M + SZ_2M, true);

	drm_pagemap_replica_for_each(ctx->set, BASE, BASE + SZ_4M, rt_count,
				     &n);
	KUNIT_EXPECT_EQ(test, n, 3);

	/* User 1's invalidation of [BASE + 1M, BASE + 3M): its two there. */
	n = drm_pagemap_replica_take_user(ctx->set, &ctx->u[1].base,
					  BASE + SZ_1M, BASE + SZ_2M + SZ_1M,
					  true, &list);
	KUNIT_EXPECT_EQ(test, n, 2);
	KUNIT_EXPECT_EQ(test, list_count_nodes(&list), 2);
	KUNIT_EXPECT_EQ(test, ctx->rep[0].state, DRM_PAGEMAP_REPLICA_NONE);
	KUNIT_EXPECT_EQ(test, ctx->rep[2].state, DRM_PAGEMAP_REPLICA_LIVE);
	KUNIT_EXPECT_EQ(test, ctx->u[1].collapses, 0);
	/* Taken once only. */
	KUNIT_EXPECT_FALSE(test, drm_pagemap_replica_take(ctx->set,
							  &ctx->rep[0], false));
	/* Memory pressure drops user 2's, without a collapse. */
	KUNIT_EXPECT_TRUE(test, drm_pagemap_replica_take(ctx->set,
							 &ctx->rep[2], false));
	KUNIT_EXPECT_FALSE(test, drm_pagemap_replica_covers(ctx->set, BASE,
							    BASE + SZ_4M));
	KUNIT_EXPECT_TRUE(test, drm_pagemap_replica_any(ctx->set));

	s = rt_stats(ctx);
	KUNIT_EXPECT_EQ(test, s.made, 4);
	KUNIT_EXPECT_EQ(test, s.live, 1);
	KUNIT_EXPECT_EQ(test, s.collapsed, 2);
	KUNIT_EXPECT_EQ(test, s.dropped, 1);
}

static void rt_shared_per_mm(struct kunit *test)
{
	struct drm_pagemap_replica_set *s1, *s2, *other;
	struct mm_struct *mm, *mm2;

	/* Only compared and grabbed. */
	mm = kunit_kzalloc(test, sizeof(*mm), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, mm);
	mm2 = kunit_kzalloc(test, sizeof(*mm2), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, mm2);
	atomic_set(&mm->mm_count, 1);
	atomic_set(&mm2->mm_count, 1);
	s1 = drm_pagemap_replica_set_get(mm);
	KUNIT_ASSERT_FALSE(test, IS_ERR(s1));
	s2 = drm_pagemap_replica_set_get(mm);
	KUNIT_EXPECT_PTR_EQ(test, s1, s2);
	other = drm_pagemap_replica_set_get(mm2);
	KUNIT_ASSERT_FALSE(test, IS_ERR(other));
	KUNIT_EXPECT_PTR_NE(test, s1, other);
	KUNIT_EXPECT_EQ(test, atomic_read(&mm->mm_count), 2);
	drm_pagemap_replica_set_put(s1);
	drm_pagemap_replica_set_put(s2);
	drm_pagemap_replica_set_put(other);
	KUNIT_EXPECT_EQ(test, atomic_read(&mm->mm_count), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&mm2->mm_count), 1);
}

static struct kunit_case drm_pagemap_replica_tests[] = {
	KUNIT_CASE(rt_make_commit_abort),
	KUNIT_CASE(rt_collapse_range),
	KUNIT_CASE(rt_takes),
	KUNIT_CASE(rt_write_hold),
	KUNIT_CASE(rt_shared_per_mm),
	{}
};

static struct kunit_suite drm_pagemap_replica_suite = {
	.name = "drm_pagemap_replica",
	.init = rt_init,
	.exit = rt_exit,
	.test_cases = drm_pagemap_replica_tests,
};

kunit_test_suite(drm_pagemap_replica_suite);

MODULE_DESCRIPTION("KUnit tests of the drm_pagemap read replicas");
MODULE_LICENSE("GPL");
