// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of drm_pagemap_policy, the migration policy, with an
 * injected clock: thrashing detection, throttle, pin, unpin and resets,
 * the pin location on several owner-group graphs, conflicting advice,
 * opt-out, prefetch and eviction, the per-mm sharing and bounded memory,
 * the lapse's scaling with the cost of migrations; access counters: their
 * threshold and the policy's decision on a crossing.
 */
#include <kunit/test.h>
#include <linux/mm_types.h>
#include <linux/sizes.h>

#include <drm/drm_pagemap.h>
#include <drm/drm_pagemap_policy.h>

/* Owner groups and pagemaps: only their addresses matter to the policy. */
static int group1, group2, group3;
static struct drm_pagemap vram_a, vram_b, vram_c;

struct pt_ctx {
	u64 now;
	struct drm_pagemap_policy_params params;
	struct drm_pagemap_policy *pol;
	/* A and B share group1 (a P2P pair), C is alone in group2. */
	struct drm_pagemap_policy_proc a, b, c, d;
	struct drm_pagemap_policy_loc la, lb, lc, ld;
};

#define LAPSE	1000ull
#define ADDR	(16ul * SZ_2M)

static u64 pt_clock(void *arg)
{
	struct pt_ctx *ctx = arg;

	return ctx->now;
}

static void pt_make(struct kunit *test, struct pt_ctx *ctx)
{
	struct drm_pagemap_policy_config cfg = {
		.params = &ctx->params,
		.clock = pt_clock,
		.clock_arg = ctx,
		.block_shift = 21,
	};

	ctx->pol = drm_pagemap_policy_create(&cfg);
	KUNIT_ASSERT_NOT_NULL(test, ctx->pol);
}

static int pt_init(struct kunit *test)
{
	struct pt_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->now = 1000000;
	ctx->params = (struct drm_pagemap_policy_params) {
		.enabled = true, .threshold = 3, .lapse_ns = LAPSE, .nap = 1,
		.epoch = 2000, .pin = 300, .pin_threshold = 10,
		.max_resets = 4,
	};
	ctx->a.owner = &group1;
	ctx->b.owner = &group1;
	ctx->c.owner = &group2;
	ctx->d.owner = &group3;
	ctx->la = (struct drm_pagemap_policy_loc){ &vram_a, &group1 };
	ctx->lb = (struct drm_pagemap_policy_loc){ &vram_b, &group1 };
	ctx->lc = (struct drm_pagemap_policy_loc){ &vram_c, &group2 };
	test->priv = ctx;
	return 0;
}

static void pt_exit(struct kunit *test)
{
	struct pt_ctx *ctx = test->priv;

	drm_pagemap_policy_put(ctx->pol);
}

static const struct drm_pagemap_policy_loc pt_sys = {};

static struct drm_pagemap_policy_request
pt_request(const struct drm_pagemap_policy_proc *proc,
	   const struct drm_pagemap_policy_loc *target)
{
	return (struct drm_pagemap_policy_request) {
		.proc = proc, .addr = ADDR + SZ_4K, .size = SZ_2M,
		.cause = proc == &drm_pagemap_policy_cpu ?
			 DRM_PAGEMAP_POLICY_CPU_FAULT :
			 DRM_PAGEMAP_POLICY_GPU_FAULT,
		.target = *target,
	};
}

/* Decide for @proc wanting @target; migrate and record if told to. */
static struct drm_pagemap_policy_decision
pt_access(struct pt_ctx *ctx, const struct drm_pagemap_policy_proc *proc,
	  const struct drm_pagemap_policy_loc *target, u32 *events)
{
	struct drm_pagemap_policy_request req = pt_request(proc, target);
	struct drm_pagemap_policy_decision dec;
	u32 ev;

	drm_pagemap_policy_decide(ctx->pol, &req, &dec);
	ev = dec.events;
	if (dec.action == DRM_PAGEMAP_POLICY_MIGRATE)
		ev |= drm_pagemap_policy_record(ctx->pol, &req, &dec.dest);
	if (events)
		*events = ev;
	ctx->now += 10;
	return dec;
}

static bool pt_pinned(struct pt_ctx *ctx, struct drm_pagemap_policy_loc *where)
{
	return drm_pagemap_policy_is_pinned(ctx->pol, ADDR, where);
}

static struct drm_pagemap_policy_stats pt_stats(struct pt_ctx *ctx)
{
	struct drm_pagemap_policy_stats s;

	drm_pagemap_policy_stats_get(ctx->pol, &s);
	return s;
}

/* Two processors alternate until the block is throttled. */
static void pt_thrash(struct kunit *test, struct pt_ctx *ctx,
		      const struct drm_pagemap_policy_proc *p,
		      const struct drm_pagemap_policy_loc *lp,
		      const struct drm_pagemap_policy_proc *q,
		      const struct drm_pagemap_policy_loc *lq)
{
	u32 ev;

	pt_access(ctx, p, lp, &ev);
	KUNIT_EXPECT_FALSE(test, ev & DRM_PAGEMAP_POLICY_EV_THRASHING);
	pt_access(ctx, q, lq, &ev);
	KUNIT_EXPECT_FALSE(test, ev & DRM_PAGEMAP_POLICY_EV_THRASHING);
	pt_access(ctx, p, lp, &ev);
	KUNIT_EXPECT_TRUE(test, ev & DRM_PAGEMAP_POLICY_EV_THRASHING);
}

static void pt_detect_throttle(struct kunit *test)
{
	struct pt_ctx *ctx = test->priv;
	struct drm_pagemap_policy_decision dec;
	struct drm_pagemap_policy_stats s;
	u32 ev;

	pt_make(test, ctx);
	/* Slow alternation (over a lapse apart) is not thrashing. */
	pt_access(ctx, &ctx->a, &ctx->la, NULL);
	ctx->now += 2 * LAPSE;
	pt_access(ctx, &ctx->b, &ctx->lb, NULL);
	ctx->now += 2 * LAPSE;
	pt_access(ctx, &ctx->a, &ctx->la, &ev);
	ctx->now += 2 * LAPSE;
	KUNIT_EXPECT_EQ(test, ev, 0);
	/* One processor moving it is not thrashing either. */
	KUNIT_EXPECT_EQ(test, pt_stats(ctx).thrashing, 0);

	pt_access(ctx, &ctx->b, &ctx->lb, NULL);
	pt_access(ctx, &ctx->a, &ctx->la, NULL);
	pt_access(ctx, &ctx->b, &ctx->lb, &ev);
	KUNIT_EXPECT_TRUE(test, ev & DRM_PAGEMAP_POLICY_EV_THROTTLE);

	/* Throttled for B's benefit: A reaches B's VRAM and maps it there. */
	dec = pt_access(ctx, &ctx->a, &ctx->la, &ev);
	KUNIT_EXPECT_EQ(test, dec.action, DRM_PAGEMAP_POLICY_MAP_REMOTE);
	KUNIT_EXPECT_PTR_EQ(test, dec.dest.dpagemap, &vram_b);
	KUNIT_EXPECT_TRUE(test, ev & DRM_PAGEMAP_POLICY_EV_AVOIDED);
	/* The holder migrates as it likes. */
	dec = pt_access(ctx, &ctx->b, &ctx->lb, NULL);
	KUNIT_EXPECT_EQ(test, dec.action, DRM_PAGEMAP_POLICY_MIGRATE);
	/* After the nap A migrates again. */
	ctx->now += LAPSE;
	dec = pt_access(ctx, &ctx->a, &ctx->la, NULL);
	KUNIT_EXPECT_EQ(test, dec.action, DRM_PAGEMAP_POLICY_MIGRATE);
	KUNIT_EXPECT_PTR_EQ(test, dec.dest.dpagemap, &vram_a);

	s = pt_stats(ctx);
	KUNIT_EXPECT_EQ(test, s.thrashing, 1);
	KUNIT_EXPECT_EQ(test, s.throttles, 1);
	KUNIT_EXPECT_EQ(test, s.avoided, 1);
	KUNIT_EXPECT_EQ(test, s.bytes_not_moved, SZ_2M);
	KUNIT_EXPECT_EQ(test, s.migrations, 7);
	KUNIT_EXPECT_EQ(test, s.blocks, 1);
}

static void pt_wait_no_path(struct kunit *test)
{
	struct pt_ctx *ctx = test->priv;
	struct drm_pagemap_policy_decision dec;

	pt_make(test, ctx);
	pt_thrash(test, ctx, &ctx->a, &ctx->la, &ctx->c, &ctx->lc);
	/* C cannot reach A's VRAM: it waits for the rest of the nap. */
	dec = pt_access(ctx, &ctx->c, &ctx->lc, NULL);
	KUNIT_EXPECT_EQ(test, dec.action, DRM_PAGEMAP_POLICY_WAIT);
	KUNIT_EXPECT_GT(test, dec.wait_ns, 0);
	KUNIT_EXPECT_LE(test, dec.wait_ns, LAPSE);
	ctx->now += dec.wait_ns;
	dec = pt_access(ctx, &ctx->c, &ctx->lc, NULL);
	KUNIT_EXPECT_EQ(test, dec.action, DRM_PAGEMAP_POLICY_MIGRATE);
	KUNIT_EXPECT_EQ(test, pt_stats(ctx).waits, 1);

	/* So does the CPU, which reaches only system memory. */
	ctx->now += 2 * LAPSE;
	pt_thrash(test, ctx, &ctx->a, &ctx->la, &drm_pagemap_policy_cpu,
		  &pt_sys);
	dec = pt_access(ctx, &drm_pagemap_policy_cpu, &pt_sys, NULL);
	KUNIT_EXPECT_EQ(test, dec.action, DRM_PAGEMAP_POLICY_WAIT);
}

/* Thrash @n times in a row (each a throttle or the pin), nap in between. */
static void pt_thrash_n(struct kunit *test, struct pt_ctx *ctx,
			const struct drm_pagemap_policy_proc *p,
			const struct drm_pagemap_policy_loc *lp,
			const struct drm_pagemap_policy_proc *q,
			const struct drm_pagemap_policy_loc *lq, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (i & 1)
			pt_thrash(test, ctx, q, lq, p, lp);
		else
			pt_thrash(test, ctx, p, lp, q, lq);
		ctx->now += LAPSE * ctx->params.nap;
	}
}

static void pt_pin_p2p(struct kunit *test)
{
	struct pt_ctx *ctx = test->priv;
	struct drm_pagemap_policy_decision dec;
	struct drm_pagemap_policy_loc where;
	struct drm_pagemap_policy_stats s;
	int i;

	ctx->params.pin_threshold = 2;
	pt_make(test, ctx);
	pt_thrash_n(test, ctx, &ctx->a, &ctx->la, &ctx->b, &ctx->lb, 2);
	KUNIT_EXPECT_FALSE(test, pt_pinned(ctx, NULL));
	pt_thrash(test, ctx, &ctx->a, &ctx->la, &ctx->b, &ctx->lb);
	/* Both are in group1: pinned where it is, A's VRAM. */
	KUNIT_ASSERT_TRUE(test, pt_pinned(ctx, &where));
	KUNIT_EXPECT_PTR_EQ(test, where.dpagemap, &vram_a);

	for (i = 0; i < 20; i++) {
		dec = pt_access(ctx, &ctx->b, &ctx->lb, NULL);
		KUNIT_EXPECT_EQ(test, dec.action, DRM_PAGEMAP_POLICY_MAP_REMOTE);
		KUNIT_EXPECT_PTR_EQ(test, dec.dest.dpagemap, &vram_a);
		dec = pt_access(ctx, &ctx->a, &ctx->la, NULL);
		KUNIT_EXPECT_EQ(test, dec.action, DRM_PAGEMAP_POLICY_MAP_REMOTE);
		ctx->now += LAPSE;
	}
	s = pt_stats(ctx);
	KUNIT_EXPECT_EQ(test, s.pins, 1);
	KUNIT_EXPECT_EQ(test, s.throttles, 2);
	KUNIT_EXPECT_EQ(test, s.thrashing, 3);
	KUNIT_EXPECT_EQ(test, s.migrations, 9);
	KUNIT_EXPECT_EQ(test, s.avoided, 20);
}

static void pt_unpin_resets(struct kunit *test)
{
	struct pt_ctx *ctx = test->priv;
	struct drm_pagemap_policy_decision dec;
	u64 epoch_end;
	u32 ev;
	int i;

	ctx->params.pin_threshold = 0;
	ctx->params.pin = 10;
	ctx->params.epoch = 100;
	ctx->params.max_resets = 2;
	pt_make(test, ctx);
	epoch_end = ctx->now + 100 * LAPSE;

	for (i = 0; i < 2; i++) {
		pt_thrash(test, ctx, &ctx->a, &ctx->la, &ctx->b, &ctx->lb);
		KUNIT_ASSERT_TRUE(test,
				  pt_pinned(ctx, NULL));
		ctx->now += 9 * LAPSE;
		dec = pt_access(ctx, &ctx->b, &ctx->lb, NULL);
		KUNIT_EXPECT_EQ(test, dec.action, DRM_PAGEMAP_POLICY_MAP_REMOTE);
		ctx->now += LAPSE;
		/* The pin's time is up: B migrates again. */
		dec = pt_access(ctx, &ctx->b, &ctx->lb, &ev);
		KUNIT_EXPECT_EQ(test, dec.action, DRM_PAGEMAP_POLICY_MIGRATE);
		KUNIT_EXPECT_TRUE(test, ev & DRM_PAGEMAP_POLICY_EV_UNPIN);
		ctx->now += 2 * LAPSE;
	}
	KUNIT_EXPECT_EQ(test, pt_stats(ctx).unpins, 2);

	/* The third pin of the epoch lasts until the epoch ends. */
	pt_thrash(test, ctx, &ctx->a, &ctx->la, &ctx->b, &ctx->lb);
	ctx->now += 20 * LAPSE;
	KUNIT_EXPECT_LT(test, ctx->now, epoch_end);
	dec = pt_access(ctx, &ctx->b, &ctx->lb, NULL);
	KUNIT_EXPECT_EQ(test, dec.action, DRM_PAGEMAP_POLICY_MAP_REMOTE);
	ctx->now = epoch_end;
	dec = pt_access(ctx, &ctx->b, &ctx->lb, &ev);
	KUNIT_EXPECT_EQ(test, dec.action, DRM_PAGEMAP_POLICY_MIGRATE);
	KUNIT_EXPECT_TRUE(test, ev & DRM_PAGEMAP_POLICY_EV_UNPIN);
	KUNIT_EXPECT_EQ(test, pt_stats(ctx).unpins, 3);
}

/* Pin immediately and return where. */
static struct drm_pagemap_policy_loc
pt_pin_where(struct kunit *test, struct pt_ctx *ctx,
	     const struct drm_pagemap_policy_proc *p,
	     const struct drm_pagemap_policy_loc *lp,
	     const struct drm_pagemap_policy_proc *q,
	     const struct drm_pagemap_policy_loc *lq)
{
	struct drm_pagemap_policy_loc where = { (void *)1, NULL };

	pt_thrash(test, ctx, p, lp, q, lq);
	KUNIT_EXPECT_TRUE(test, pt_pinned(ctx, &where));
	return where;
}

static void pt_location_graphs(struct kunit *test)
{
	struct pt_ctx *ctx = test->priv;
	struct drm_pagemap_policy_decision dec;
	struct drm_pagemap_policy_loc where;

	ctx->params.pin_threshold = 0;
	ctx->params.threshold = 4;

	/* No path between A and C: system memory. */
	pt_make(test, ctx);
	pt_access(ctx, &ctx->c, &ctx->lc, NULL);
	where = pt_pin_where(test, ctx, &ctx->a, &ctx->la, &ctx->c, &ctx->lc);
	KUNIT_EXPECT_NULL(test, where.dpagemap);
	/* Both map it there; C asks after A's move, so it migrates once. */
	dec = pt_access(ctx, &ctx->c, &ctx->lc, NULL);
	KUNIT_EXPECT_EQ(test, dec.action, DRM_PAGEMAP_POLICY_MIGRATE);
	KUNIT_EXPECT_NULL(test, dec.dest.dpagemap);
	dec = pt_access(ctx, &ctx->a, &ctx->la, NULL);
	KUNIT_EXPECT_EQ(test, dec.action, DRM_PAGEMAP_POLICY_MAP_REMOTE);
	KUNIT_EXPECT_NULL(test, dec.dest.dpagemap);
	dec = pt_access(ctx, &ctx->c, &ctx->lc, NULL);
	KUNIT_EXPECT_EQ(test, dec.action, DRM_PAGEMAP_POLICY_MAP_REMOTE);
	drm_pagemap_policy_put(ctx->pol);

	/* A, B (group1) and C round robin: system memory. */
	pt_make(test, ctx);
	pt_access(ctx, &ctx->a, &ctx->la, NULL);
	pt_access(ctx, &ctx->b, &ctx->lb, NULL);
	pt_access(ctx, &ctx->c, &ctx->lc, NULL);
	pt_access(ctx, &ctx->a, &ctx->la, NULL);
	KUNIT_EXPECT_TRUE(test, pt_pinned(ctx, &where));
	KUNIT_EXPECT_NULL(test, where.dpagemap);
	drm_pagemap_policy_put(ctx->pol);

	/* The CPU and a GPU: system memory, the GPU maps it in place. */
	pt_make(test, ctx);
	pt_access(ctx, &drm_pagemap_policy_cpu, &pt_sys, NULL);
	where = pt_pin_where(test, ctx, &ctx->a, &ctx->la,
			     &drm_pagemap_policy_cpu, &pt_sys);
	KUNIT_EXPECT_NULL(test, where.dpagemap);
	dec = pt_access(ctx, &ctx->a, &ctx->la, NULL);
	KUNIT_EXPECT_EQ(test, dec.action, DRM_PAGEMAP_POLICY_MIGRATE);
	KUNIT_EXPECT_NULL(test, dec.dest.dpagemap);
	dec = pt_access(ctx, &ctx->a, &ctx->la, NULL);
	KUNIT_EXPECT_EQ(test, dec.action, DRM_PAGEMAP_POLICY_MAP_REMOTE);
	dec = pt_access(ctx, &drm_pagemap_policy_cpu, &pt_sys, NULL);
	KUNIT_EXPECT_EQ(test, dec.action, DRM_PAGEMAP_POLICY_MAP_REMOTE);
	drm_pagemap_policy_put(ctx->pol);

	/* Three devices of one group: where the block is, a peer's VRAM. */
	ctx->d.owner = &group1;
	ctx->ld = (struct drm_pagemap_policy_loc){ &vram_c, &group1 };
	pt_make(test, ctx);
	pt_access(ctx, &ctx->a, &ctx->la, NULL);
	pt_access(ctx, &ctx->b, &ctx->lb, NULL);
	pt_access(ctx, &ctx->d, &ctx->ld, NULL);
	pt_access(ctx, &ctx->b, &ctx->lb, NULL);
	KUNIT_EXPECT_TRUE(test, pt_pinned(ctx, &where));
	KUNIT_EXPECT_PTR_EQ(test, where.dpagemap, &vram_b);
	/* A newcomer without a path moves the pin to system memory. */
	dec = pt_access(ctx, &ctx->c, &ctx->lc, NULL);
	KUNIT_EXPECT_EQ(test, dec.action, DRM_PAGEMAP_POLICY_MIGRATE);
	KUNIT_EXPECT_NULL(test, dec.dest.dpagemap);
	KUNIT_EXPECT_TRUE(test, pt_pinned(ctx, &where));
	KUNIT_EXPECT_NULL(test, where.dpagemap);
}

/* Like pt_access(), with memory advice. */
static struct drm_pagemap_policy_decision
pt_advised(struct pt_ctx *ctx, const struct drm_pagemap_policy_proc *proc,
	   const struct drm_pagemap_policy_loc *pref)
{
	struct drm_pagemap_policy_request req = pt_request(proc, pref);
	struct drm_pagemap_policy_decision dec;

	req.flags = DRM_PAGEMAP_POLICY_REQ_PREFERRED;
	req.preferred = *pref;
	drm_pagemap_policy_decide(ctx->pol, &req, &dec);
	if (dec.action == DRM_PAGEMAP_POLICY_MIGRATE)
		drm_pagemap_policy_record(ctx->pol, &req, &dec.dest);
	ctx->now += 10;
	return dec;
}

static void pt_conflicting_advice(struct kunit *test)
{
	struct pt_ctx *ctx = test->priv;
	struct drm_pagemap_policy_decision dec;
	struct drm_pagemap_policy_loc where;
	int i;

	/* A prefers its VRAM, B its own: A advised first and wins. */
	pt_make(test, ctx);
	dec = pt_advised(ctx, &ctx->a, &ctx->la);
	KUNIT_EXPECT_EQ(test, dec.action, DRM_PAGEMAP_POLICY_MIGRATE);
	for (i = 0; i < 50; i++) {
		dec = pt_advised(ctx, &ctx->b, &ctx->lb);
		KUNIT_EXPECT_EQ(test, dec.action, DRM_PAGEMAP_POLICY_MAP_REMOTE);
		KUNIT_EXPECT_PTR_EQ(test, dec.dest.dpagemap, &vram_a);
		dec = pt_advised(ctx, &ctx->a, &ctx->la);
		KUNIT_EXPECT_EQ(test, dec.action, DRM_PAGEMAP_POLICY_MIGRATE);
		KUNIT_EXPECT_PTR_EQ(test, dec.dest.dpagemap, &vram_a);
	}
	KUNIT_EXPECT_EQ(test, pt_stats(ctx).migrations, 1);
	KUNIT_EXPECT_EQ(test, pt_stats(ctx).thrashing, 0);
	/* A withdraws its advice: B's wins from then on. */
	pt_access(ctx, &ctx->a, &ctx->la, NULL);
	dec = pt_advised(ctx, &ctx->b, &ctx->lb);
	KUNIT_EXPECT_EQ(test, dec.action, DRM_PAGEMAP_POLICY_MIGRATE);
	KUNIT_EXPECT_PTR_EQ(test, dec.dest.dpagemap, &vram_b);
	drm_pagemap_policy_put(ctx->pol);

	/* The other order: B wins. */
	pt_make(test, ctx);
	pt_advised(ctx, &ctx->b, &ctx->lb);
	for (i = 0; i < 10; i++) {
		dec = pt_advised(ctx, &ctx->a, &ctx->la);
		KUNIT_EXPECT_EQ(test, dec.action, DRM_PAGEMAP_POLICY_MAP_REMOTE);
		KUNIT_EXPECT_PTR_EQ(test, dec.dest.dpagemap, &vram_b);
	}
	drm_pagemap_policy_put(ctx->pol);

	/* Without a path the thrashing protection ends in system memory. */
	ctx->params.pin_threshold = 1;
	pt_make(test, ctx);
	for (i = 0; i < 20; i++) {
		pt_advised(ctx, &ctx->a, &ctx->la);
		pt_advised(ctx, &ctx->c, &ctx->lc);
		ctx->now += LAPSE / 4;
	}
	KUNIT_EXPECT_LE(test, pt_stats(ctx).migrations, 10);
	KUNIT_EXPECT_EQ(test, pt_stats(ctx).pins, 1);
	KUNIT_EXPECT_TRUE(test, pt_pinned(ctx, &where));
	KUNIT_EXPECT_NULL(test, where.dpagemap);
}

static void pt_preferred_pin(struct kunit *test)
{
	struct pt_ctx *ctx = test->priv;
	struct drm_pagemap_policy_loc where;
	u32 ev;

	/*
	 * A prefers its peer B's VRAM, D (also of group1) its own: pinned at
	 * the preferred location, which both reach, not where it is.
	 */
	ctx->params.pin_threshold = 0;
	ctx->d.owner = &group1;
	ctx->ld = (struct drm_pagemap_policy_loc){ &vram_c, &group1 };
	pt_make(test, ctx);
	pt_access(ctx, &ctx->d, &ctx->ld, NULL);
	pt_advised(ctx, &ctx->a, &ctx->lb);
	pt_access(ctx, &ctx->d, &ctx->ld, &ev);
	KUNIT_EXPECT_TRUE(test, ev & DRM_PAGEMAP_POLICY_EV_PIN);
	KUNIT_ASSERT_TRUE(test, pt_pinned(ctx, &where));
	KUNIT_EXPECT_PTR_EQ(test, where.dpagemap, &vram_b);
	/* A names it: it moves the block there, then both map it there. */
	KUNIT_EXPECT_EQ(test, pt_advised(ctx, &ctx->a, &ctx->lb).action,
			DRM_PAGEMAP_POLICY_MIGRATE);
	KUNIT_EXPECT_EQ(test, pt_access(ctx, &ctx->d, &ctx->ld, NULL).action,
			DRM_PAGEMAP_POLICY_MAP_REMOTE);
	KUNIT_EXPECT_EQ(test, pt_advised(ctx, &ctx->a, &ctx->lb).action,
			DRM_PAGEMAP_POLICY_MAP_REMOTE);
}

static void pt_opt_out(struct kunit *test)
{
	struct pt_ctx *ctx = test->priv;
	struct drm_pagemap_policy_request req;
	struct drm_pagemap_policy_decision dec;
	int i;

	pt_make(test, ctx);
	for (i = 0; i < 40; i++) {
		req = pt_request(i & 1 ? &ctx->b : &ctx->a,
				 i & 1 ? &ctx->lb : &ctx->la);
		req.flags = DRM_PAGEMAP_POLICY_REQ_NO_THRASHING;
		drm_pagemap_policy_decide(ctx->pol, &req, &dec);
		KUNIT_EXPECT_EQ(test, dec.action, DRM_PAGEMAP_POLICY_MIGRATE);
		KUNIT_EXPECT_PTR_EQ(test, dec.dest.dpagemap,
				    req.target.dpagemap);
		KUNIT_EXPECT_EQ(test, drm_pagemap_policy_record(ctx->pol, &req,
								&dec.dest), 0);
		ctx->now += 10;
	}
	KUNIT_EXPECT_EQ(test, pt_stats(ctx).thrashing, 0);
	KUNIT_EXPECT_EQ(test, pt_stats(ctx).migrations, 40);
	drm_pagemap_policy_put(ctx->pol);

	/* Globally off: every request migrates, nothing is recorded. */
	ctx->params.enabled = false;
	pt_make(test, ctx);
	for (i = 0; i < 40; i++) {
		dec = pt_access(ctx, i & 1 ? &ctx->b : &ctx->a,
				i & 1 ? &ctx->lb : &ctx->la, NULL);
		KUNIT_EXPECT_EQ(test, dec.action, DRM_PAGEMAP_POLICY_MIGRATE);
	}
	KUNIT_EXPECT_EQ(test, pt_stats(ctx).migrations, 0);
	KUNIT_EXPECT_EQ(test, pt_stats(ctx).blocks, 0);
}

static void pt_prefetch_unpins(struct kunit *test)
{
	struct pt_ctx *ctx = test->priv;
	struct drm_pagemap_policy_request req;
	struct drm_pagemap_policy_decision dec;
	int i;
	u32 ev;

	ctx->params.pin_threshold = 0;
	pt_make(test, ctx);
	pt_thrash(test, ctx, &ctx->a, &ctx->la, &ctx->b, &ctx->lb);
	KUNIT_ASSERT_TRUE(test, pt_pinned(ctx, NULL));
	/* An explicit prefetch is obeyed and ends the pin. */
	req = pt_request(&ctx->b, &ctx->lb);
	req.cause = DRM_PAGEMAP_POLICY_PREFETCH;
	drm_pagemap_policy_decide(ctx->pol, &req, &dec);
	KUNIT_EXPECT_EQ(test, dec.action, DRM_PAGEMAP_POLICY_MIGRATE);
	KUNIT_EXPECT_PTR_EQ(test, dec.dest.dpagemap, &vram_b);
	ev = drm_pagemap_policy_record(ctx->pol, &req, &dec.dest);
	KUNIT_EXPECT_TRUE(test, ev & DRM_PAGEMAP_POLICY_EV_UNPIN);
	KUNIT_EXPECT_FALSE(test, pt_pinned(ctx, NULL));
	/* Prefetches never count as thrashing. */
	for (i = 0; i < 10; i++) {
		req = pt_request(i & 1 ? &ctx->b : &ctx->a,
				 i & 1 ? &ctx->lb : &ctx->la);
		req.cause = DRM_PAGEMAP_POLICY_PREFETCH;
		drm_pagemap_policy_record(ctx->pol, &req, &req.target);
	}
	KUNIT_EXPECT_EQ(test, pt_stats(ctx).thrashing, 1);
	dec = pt_access(ctx, &ctx->a, &ctx->la, NULL);
	KUNIT_EXPECT_EQ(test, dec.action, DRM_PAGEMAP_POLICY_MIGRATE);
}

static void pt_shared_per_mm(struct kunit *test)
{
	struct drm_pagemap_policy *p1, *p2, *other;
	struct mm_struct *mm, *mm2;

	/* Only compared and grabbed: one reference of our own each. */
	mm = kunit_kzalloc(test, sizeof(*mm), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, mm);
	mm2 = kunit_kzalloc(test, sizeof(*mm2), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, mm2);
	atomic_set(&mm->mm_count, 1);
	atomic_set(&mm2->mm_count, 1);
	KUNIT_EXPECT_NULL(test, drm_pagemap_policy_find(mm));
	p1 = drm_pagemap_policy_get(mm);
	KUNIT_ASSERT_FALSE(test, IS_ERR(p1));
	p2 = drm_pagemap_policy_get(mm);
	KUNIT_EXPECT_PTR_EQ(test, p1, p2);
	other = drm_pagemap_policy_get(mm2);
	KUNIT_ASSERT_FALSE(test, IS_ERR(other));
	KUNIT_EXPECT_PTR_NE(test, p1, other);
	KUNIT_EXPECT_PTR_EQ(test, drm_pagemap_policy_find(mm), p1);
	drm_pagemap_policy_put(p1);
	KUNIT_EXPECT_EQ(test, drm_pagemap_policy_block_size(p1),
			(unsigned long)SZ_2M);
	/* Harmless on a policy without history. */
	drm_pagemap_policy_evicted(mm, ADDR, SZ_2M, &vram_a);

	drm_pagemap_policy_put(p1);
	KUNIT_EXPECT_PTR_EQ(test, drm_pagemap_policy_find(mm), p2);
	drm_pagemap_policy_put(p2);
	drm_pagemap_policy_put(p2);
	drm_pagemap_policy_put(other);
	KUNIT_EXPECT_NULL(test, drm_pagemap_policy_find(mm));
	KUNIT_EXPECT_NULL(test, drm_pagemap_policy_find(mm2));
	/* The policies dropped what they grabbed. */
	KUNIT_EXPECT_EQ(test, atomic_read(&mm->mm_count), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&mm2->mm_count), 1);
}

static void pt_eviction(struct kunit *test)
{
	struct pt_ctx *ctx = test->priv;
	struct drm_pagemap_policy_request req;
	struct drm_pagemap_policy_decision dec;
	struct drm_pagemap_policy_loc where;

	ctx->params.pin_threshold = 0;
	pt_make(test, ctx);
	pt_thrash(test, ctx, &ctx->a, &ctx->la, &ctx->b, &ctx->lb);
	KUNIT_ASSERT_TRUE(test, pt_pinned(ctx, &where));
	KUNIT_EXPECT_PTR_EQ(test, where.dpagemap, &vram_a);
	/* Eviction, recorded like a driver's, is not a thrashing event. */
	req = pt_request(NULL, &pt_sys);
	req.cause = DRM_PAGEMAP_POLICY_EVICT;
	drm_pagemap_policy_decide(ctx->pol, &req, &dec);
	KUNIT_EXPECT_EQ(test, dec.action, DRM_PAGEMAP_POLICY_MIGRATE);
	KUNIT_EXPECT_EQ(test, drm_pagemap_policy_record(ctx->pol, &req,
							&pt_sys), 0);
	/* Pinned at A, now in RAM, which B reaches: B maps it there. */
	dec = pt_access(ctx, &ctx->b, &ctx->lb, NULL);
	KUNIT_EXPECT_EQ(test, dec.action, DRM_PAGEMAP_POLICY_MAP_REMOTE);
	KUNIT_EXPECT_NULL(test, dec.dest.dpagemap);
	/* A can name the pin location: it migrates the block back. */
	dec = pt_access(ctx, &ctx->a, &ctx->la, NULL);
	KUNIT_EXPECT_EQ(test, dec.action, DRM_PAGEMAP_POLICY_MIGRATE);
	KUNIT_EXPECT_PTR_EQ(test, dec.dest.dpagemap, &vram_a);
	KUNIT_EXPECT_EQ(test, pt_stats(ctx).thrashing, 1);

	/* Evicted from A's VRAM: the pin follows it to system memory. */
	drm_pagemap_policy_evict_range(ctx->pol, ADDR, SZ_4K, &vram_a);
	KUNIT_ASSERT_TRUE(test, pt_pinned(ctx, &where));
	KUNIT_EXPECT_NULL(test, where.dpagemap);
	dec = pt_access(ctx, &ctx->a, &ctx->la, NULL);
	KUNIT_EXPECT_EQ(test, dec.action, DRM_PAGEMAP_POLICY_MAP_REMOTE);
	KUNIT_EXPECT_NULL(test, dec.dest.dpagemap);
	dec = pt_access(ctx, &ctx->b, &ctx->lb, NULL);
	KUNIT_EXPECT_EQ(test, dec.action, DRM_PAGEMAP_POLICY_MAP_REMOTE);
	/* Another pagemap's eviction changes nothing. */
	drm_pagemap_policy_evict_range(ctx->pol, ADDR, SZ_4K, &vram_b);
	KUNIT_EXPECT_TRUE(test, pt_pinned(ctx, NULL));
}

static void pt_bounded_memory(struct kunit *test)
{
	struct pt_ctx *ctx = test->priv;
	struct drm_pagemap_policy_request req;
	unsigned long i;

	ctx->params.epoch = 10;
	pt_make(test, ctx);
	for (i = 0; i < 1500; i++) {
		req = pt_request(&ctx->a, &ctx->la);
		req.addr = i * SZ_2M;
		drm_pagemap_policy_record(ctx->pol, &req, &ctx->la);
	}
	KUNIT_EXPECT_EQ(test, pt_stats(ctx).blocks, 1500);
	/* An epoch later, the next new block frees the idle ones. */
	ctx->now += 11 * LAPSE;
	req.addr = 4000ul * SZ_2M;
	drm_pagemap_policy_record(ctx->pol, &req, &ctx->la);
	KUNIT_EXPECT_EQ(test, pt_stats(ctx).blocks, 1);
}

/* Record a GPU migration of @proc to @target that took @cost ns. */
static u32 pt_move_cost(struct pt_ctx *ctx,
			const struct drm_pagemap_policy_proc *proc,
			const struct drm_pagemap_policy_loc *target, u64 cost)
{
	struct drm_pagemap_policy_request req = pt_request(proc, target);
	struct drm_pagemap_policy_decision dec;
	u32 ev;

	drm_pagemap_policy_decide(ctx->pol, &req, &dec);
	ev = dec.events;
	if (dec.action == DRM_PAGEMAP_POLICY_MIGRATE) {
		ctx->now += cost;
		req.cost_ns = cost;
		ev |= drm_pagemap_policy_record(ctx->pol, &req, &dec.dest);
	}
	return ev;
}

/*
 * A block's lapse scales with what its migrations cost (lapse_cost 16):
 * moves 10 lapses apart are not thrashing while each takes next to no
 * time, but are once each takes a lapse; the throttle then lasts the
 * scaled lapse, a move of no known cost keeps the block's cost, and cheap
 * moves bring the fixed lapse back.
 */
static void pt_lapse_cost(struct kunit *test)
{
	struct pt_ctx *ctx = test->priv;
	struct drm_pagemap_policy_decision dec;
	u32 ev = 0;
	int i;

	ctx->params.lapse_cost = 16;
	pt_make(test, ctx);
	/* Cheap moves 10 lapses apart: the fixed lapse, never thrashing. */
	for (i = 0; i < 6; i++) {
		ev |= pt_move_cost(ctx, i & 1 ? &ctx->b : &ctx->c,
				   i & 1 ? &ctx->lb : &ctx->lc, 1);
		ctx->now += 10 * LAPSE;
	}
	KUNIT_EXPECT_FALSE(test, ev & DRM_PAGEMAP_POLICY_EV_THRASHING);
	KUNIT_EXPECT_EQ(test, pt_stats(ctx).thrashing, 0);

	/* Moves that take a lapse each: the same pattern is thrashing. */
	ctx->now += 100 * LAPSE;
	for (i = 0; i < 3; i++) {
		ev = pt_move_cost(ctx, i & 1 ? &ctx->b : &ctx->c,
				  i & 1 ? &ctx->lb : &ctx->lc, LAPSE);
		KUNIT_EXPECT_EQ(test, !!(ev & DRM_PAGEMAP_POLICY_EV_THRASHING),
				i == 2);
		if (i < 2)
			ctx->now += 10 * LAPSE;
	}
	KUNIT_EXPECT_TRUE(test, ev & DRM_PAGEMAP_POLICY_EV_THROTTLE);

	/* The throttle lasts one scaled lapse (16 lapses), not one lapse. */
	ctx->now += 10 * LAPSE;
	dec = pt_access(ctx, &ctx->b, &ctx->lb, NULL);
	KUNIT_EXPECT_EQ(test, dec.action, DRM_PAGEMAP_POLICY_WAIT);
	ctx->now += 7 * LAPSE;
	dec = pt_access(ctx, &ctx->b, &ctx->lb, NULL);
	KUNIT_EXPECT_EQ(test, dec.action, DRM_PAGEMAP_POLICY_MIGRATE);

	/* Cheap moves shrink the lapse back to the fixed one. */
	ev = 0;
	for (i = 0; i < 4; i++) {
		ctx->now += 10 * LAPSE;
		ev |= pt_move_cost(ctx, i & 1 ? &ctx->b : &ctx->c,
				   i & 1 ? &ctx->lb : &ctx->lc, 1);
	}
	KUNIT_EXPECT_FALSE(test, ev & DRM_PAGEMAP_POLICY_EV_THRASHING);
}

/* A device's counter crossed on the block: what does the policy say? */
static struct drm_pagemap_policy_decision
pt_notify(struct pt_ctx *ctx, const struct drm_pagemap_policy_proc *proc,
	  const struct drm_pagemap_policy_loc *target,
	  const struct drm_pagemap_policy_loc *preferred)
{
	struct drm_pagemap_policy_request req = pt_request(proc, target);
	struct drm_pagemap_policy_decision dec;

	req.cause = DRM_PAGEMAP_POLICY_ACCESS_COUNTER;
	if (preferred) {
		req.flags |= DRM_PAGEMAP_POLICY_REQ_PREFERRED;
		req.preferred = *preferred;
	}
	drm_pagemap_policy_access_notify(ctx->pol, &req, &dec);
	if (dec.action == DRM_PAGEMAP_POLICY_MIGRATE)
		drm_pagemap_policy_record(ctx->pol, &req, &dec.dest);
	ctx->now += 10;
	return dec;
}

/* Add @n accesses at @addr with granularity 1 << @shift. */
static int pt_add(struct drm_pagemap_access_counters *ac, unsigned long addr,
		  u32 n, unsigned int shift, u32 threshold)
{
	return drm_pagemap_access_counters_add(ac, addr, n, shift, threshold);
}

static void pt_access_counters_threshold(struct kunit *test)
{
	struct drm_pagemap_access_counters ac;
	int i;

	drm_pagemap_access_counters_init(&ac);
	/* 255 accesses to a 2 MiB block: no notification; the 256th. */
	for (i = 0; i < 255; i++)
		KUNIT_EXPECT_EQ(test, pt_add(&ac, ADDR + i * SZ_4K % SZ_2M, 1,
					     21, 256), 0);
	KUNIT_EXPECT_EQ(test, ac.nr_blocks, 1);
	/* Another block counts apart. */
	KUNIT_EXPECT_EQ(test, pt_add(&ac, ADDR + SZ_2M, 255, 21, 256), 0);
	KUNIT_EXPECT_EQ(test, ac.nr_blocks, 2);
	KUNIT_EXPECT_EQ(test, pt_add(&ac, ADDR + 2 * SZ_2M - 1, 1, 21, 256),
			1);
	KUNIT_EXPECT_EQ(test, ac.nr_blocks, 1);
	/* The first block reaches it on its last byte. */
	KUNIT_EXPECT_EQ(test, pt_add(&ac, ADDR + SZ_2M - 1, 1, 21, 256), 1);
	KUNIT_EXPECT_EQ(test, ac.nr_blocks, 0);
	/* The count starts again from zero. */
	KUNIT_EXPECT_EQ(test, pt_add(&ac, ADDR, 255, 21, 256), 0);
	KUNIT_EXPECT_EQ(test, pt_add(&ac, ADDR, 1, 21, 256), 1);
	/* One add of more than the threshold notifies once. */
	KUNIT_EXPECT_EQ(test, pt_add(&ac, ADDR, 1000, 21, 256), 1);
	KUNIT_EXPECT_EQ(test, pt_add(&ac, ADDR, 0, 21, 256), 0);
	/* Threshold 0 counts as 1. */
	KUNIT_EXPECT_EQ(test, pt_add(&ac, ADDR, 1, 21, 0), 1);

	/* Clearing a range forgets the blocks it touches, only those. */
	KUNIT_EXPECT_EQ(test, pt_add(&ac, ADDR, 200, 21, 256), 0);
	KUNIT_EXPECT_EQ(test, pt_add(&ac, ADDR + SZ_2M, 200, 21, 256), 0);
	drm_pagemap_access_counters_clear(&ac, ADDR + SZ_2M + SZ_4K,
					  ADDR + SZ_2M + 2 * SZ_4K);
	KUNIT_EXPECT_EQ(test, ac.nr_blocks, 1);
	KUNIT_EXPECT_EQ(test, pt_add(&ac, ADDR + SZ_2M, 200, 21, 256), 0);
	KUNIT_EXPECT_EQ(test, pt_add(&ac, ADDR, 56, 21, 256), 1);

	/* 64 KiB granularity: 32 blocks in 2 MiB; the change resets all. */
	KUNIT_EXPECT_EQ(test, pt_add(&ac, ADDR, 3, 16, 4), 0);
	KUNIT_EXPECT_EQ(test, ac.nr_blocks, 1);
	KUNIT_EXPECT_EQ(test, pt_add(&ac, ADDR + SZ_64K, 3, 16, 4), 0);
	KUNIT_EXPECT_EQ(test, pt_add(&ac, ADDR + SZ_64K - 1, 1, 16, 4), 1);
	drm_pagemap_access_counters_fini(&ac);
	KUNIT_EXPECT_EQ(test, ac.nr_blocks, 0);
}

static void pt_access_notify(struct kunit *test)
{
	struct pt_ctx *ctx = test->priv;
	struct drm_pagemap_policy_decision dec;
	struct drm_pagemap_policy_stats s;

	pt_make(test, ctx);
	/* No history, no advice: B's counter moves the block to B. */
	dec = pt_notify(ctx, &ctx->b, &ctx->lb, NULL);
	KUNIT_EXPECT_EQ(test, dec.action, DRM_PAGEMAP_POLICY_MIGRATE);
	KUNIT_EXPECT_PTR_EQ(test, dec.dest.dpagemap, &vram_b);
	/* Advice for system memory, or a peer's VRAM: left where it is. */
	dec = pt_notify(ctx, &ctx->a, &ctx->la, &pt_sys);
	KUNIT_EXPECT_EQ(test, dec.action, DRM_PAGEMAP_POLICY_MAP_REMOTE);
	KUNIT_EXPECT_TRUE(test, dec.events & DRM_PAGEMAP_POLICY_EV_AVOIDED);
	dec = pt_notify(ctx, &ctx->a, &ctx->la, &ctx->lb);
	KUNIT_EXPECT_EQ(test, dec.action, DRM_PAGEMAP_POLICY_MAP_REMOTE);
	/* Advice for its own VRAM: moved. */
	dec = pt_notify(ctx, &ctx->a, &ctx->la, &ctx->la);
	KUNIT_EXPECT_EQ(test, dec.action, DRM_PAGEMAP_POLICY_MIGRATE);
	KUNIT_EXPECT_PTR_EQ(test, dec.dest.dpagemap, &vram_a);
	/* A device without memory of its own, or no processor: left. */
	dec = pt_notify(ctx, &ctx->c, &pt_sys, NULL);
	KUNIT_EXPECT_EQ(test, dec.action, DRM_PAGEMAP_POLICY_MAP_REMOTE);

	s = pt_stats(ctx);
	KUNIT_EXPECT_EQ(test, s.access_notifies, 5);
	KUNIT_EXPECT_EQ(test, s.access_migrations, 2);
	KUNIT_EXPECT_EQ(test, s.access_left, 3);
	KUNIT_EXPECT_EQ(test, s.migrations, 2);
	KUNIT_EXPECT_EQ(test, s.bytes_not_moved, 3 * SZ_2M);
}

static void pt_access_notify_thrashing(struct kunit *test)
{
	struct pt_ctx *ctx = test->priv;
	struct drm_pagemap_policy_decision dec;
	struct drm_pagemap_policy_loc where;
	u32 ev;

	ctx->params.pin_threshold = 1;
	pt_make(test, ctx);
	/* Counter moves count as thrashing: A and B pulling it are throttled. */
	pt_notify(ctx, &ctx->a, &ctx->la, NULL);
	pt_notify(ctx, &ctx->b, &ctx->lb, NULL);
	pt_notify(ctx, &ctx->a, &ctx->la, NULL);
	KUNIT_EXPECT_EQ(test, pt_stats(ctx).throttles, 1);
	/* Throttled for A: B's counter leaves it, A's still moves it. */
	dec = pt_notify(ctx, &ctx->b, &ctx->lb, NULL);
	KUNIT_EXPECT_EQ(test, dec.action, DRM_PAGEMAP_POLICY_MAP_REMOTE);
	KUNIT_EXPECT_PTR_EQ(test, dec.dest.dpagemap, &vram_a);
	dec = pt_notify(ctx, &ctx->a, &ctx->la, NULL);
	KUNIT_EXPECT_EQ(test, dec.action, DRM_PAGEMAP_POLICY_MIGRATE);

	/* After the nap, three more moves pin it in group1, where it is. */
	ctx->now += LAPSE;
	pt_access(ctx, &ctx->b, &ctx->lb, NULL);
	pt_access(ctx, &ctx->a, &ctx->la, NULL);
	pt_access(ctx, &ctx->b, &ctx->lb, &ev);
	KUNIT_ASSERT_TRUE(test, ev & DRM_PAGEMAP_POLICY_EV_PIN);
	KUNIT_ASSERT_TRUE(test, pt_pinned(ctx, &where));
	/* Pinned elsewhere: left; pinned at the counter's device: moved. */
	if (where.dpagemap == &vram_a) {
		dec = pt_notify(ctx, &ctx->b, &ctx->lb, NULL);
		KUNIT_EXPECT_EQ(test, dec.action,
				DRM_PAGEMAP_POLICY_MAP_REMOTE);
		dec = pt_notify(ctx, &ctx->a, &ctx->la, NULL);
	} else {
		KUNIT_EXPECT_PTR_EQ(test, where.dpagemap, &vram_b);
		dec = pt_notify(ctx, &ctx->a, &ctx->la, NULL);
		KUNIT_EXPECT_EQ(test, dec.action,
				DRM_PAGEMAP_POLICY_MAP_REMOTE);
		dec = pt_notify(ctx, &ctx->b, &ctx->lb, NULL);
	}
	KUNIT_EXPECT_EQ(test, dec.action, DRM_PAGEMAP_POLICY_MIGRATE);
	/* C (another group) is left alone while pinned. */
	dec = pt_notify(ctx, &ctx->c, &ctx->lc, NULL);
	KUNIT_EXPECT_EQ(test, dec.action, DRM_PAGEMAP_POLICY_MAP_REMOTE);
	drm_pagemap_policy_put(ctx->pol);

	/* The policy off: only the advice is obeyed. */
	ctx->params.enabled = false;
	pt_make(test, ctx);
	dec = pt_notify(ctx, &ctx->a, &ctx->la, NULL);
	KUNIT_EXPECT_EQ(test, dec.action, DRM_PAGEMAP_POLICY_MIGRATE);
	dec = pt_notify(ctx, &ctx->a, &ctx->la, &pt_sys);
	KUNIT_EXPECT_EQ(test, dec.action, DRM_PAGEMAP_POLICY_MAP_REMOTE);
}

/*
 * A counter block larger than the policy's: the notification covers two
 * policy blocks, and the second one's state must be obeyed too.
 */
static void pt_access_notify_blocks(struct kunit *test)
{
	struct pt_ctx *ctx = test->priv;
	struct drm_pagemap_policy_request req;
	struct drm_pagemap_policy_decision dec;

	pt_make(test, ctx);
	/* A and B thrash ADDR's block: throttled for A. */
	pt_thrash(test, ctx, &ctx->a, &ctx->la, &ctx->b, &ctx->lb);
	KUNIT_ASSERT_EQ(test, pt_stats(ctx).throttles, 1);

	/* B's 4 MiB counter block: the block before ADDR's, and ADDR's. */
	req = pt_request(&ctx->b, &ctx->lb);
	req.cause = DRM_PAGEMAP_POLICY_ACCESS_COUNTER;
	req.addr = ADDR - SZ_2M;
	req.size = 2 * SZ_2M;
	drm_pagemap_policy_access_notify(ctx->pol, &req, &dec);
	KUNIT_EXPECT_EQ(test, dec.action, DRM_PAGEMAP_POLICY_MAP_REMOTE);
	KUNIT_EXPECT_PTR_EQ(test, dec.dest.dpagemap, &vram_a);

	/* The same from A, the holder: moved. */
	req = pt_request(&ctx->a, &ctx->la);
	req.cause = DRM_PAGEMAP_POLICY_ACCESS_COUNTER;
	req.addr = ADDR - SZ_2M;
	req.size = 2 * SZ_2M;
	drm_pagemap_policy_access_notify(ctx->pol, &req, &dec);
	KUNIT_EXPECT_EQ(test, dec.action, DRM_PAGEMAP_POLICY_MIGRATE);
	KUNIT_EXPECT_PTR_EQ(test, dec.dest.dpagemap, &vram_a);
}

static struct kunit_case drm_pagemap_policy_tests[] = {
	KUNIT_CASE(pt_detect_throttle),
	KUNIT_CASE(pt_wait_no_path),
	KUNIT_CASE(pt_pin_p2p),
	KUNIT_CASE(pt_unpin_resets),
	KUNIT_CASE(pt_location_graphs),
	KUNIT_CASE(pt_conflicting_advice),
	KUNIT_CASE(pt_preferred_pin),
	KUNIT_CASE(pt_opt_out),
	KUNIT_CASE(pt_prefetch_unpins),
	KUNIT_CASE(pt_eviction),
	KUNIT_CASE(pt_shared_per_mm),
	KUNIT_CASE(pt_bounded_memory),
	KUNIT_CASE(pt_lapse_cost),
	KUNIT_CASE(pt_access_counters_threshold),
	KUNIT_CASE(pt_access_notify),
	KUNIT_CASE(pt_access_notify_thrashing),
	KUNIT_CASE(pt_access_notify_blocks),
	{}
};

static struct kunit_suite drm_pagemap_policy_suite = {
	.name = "drm_pagemap_policy",
	.init = pt_init,
	.exit = pt_exit,
	.test_cases = drm_pagemap_policy_tests,
};

kunit_test_suite(drm_pagemap_policy_suite);

MODULE_DESCRIPTION("KUnit tests of the drm_pagemap migration policy");
MODULE_LICENSE("GPL");
