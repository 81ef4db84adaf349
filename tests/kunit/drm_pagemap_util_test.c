// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of drm_pagemap lifetime and drm_pagemap_util: refcounts,
 * deferred destruction, the pagemap cache and its shrinker (with a
 * revive-versus-shrink race), owner groups, and pagemap file descriptors.
 */
#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/anon_inodes.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kthread.h>
#include <linux/mman.h>
#include <linux/mount.h>
#include <linux/uaccess.h>
#include <linux/sched/mm.h>
#include <linux/shrinker.h>
#include <linux/slab.h>

#include <drm/drm_device.h>
#include <drm/drm_drv.h>
#include <drm/drm_pagemap.h>
#include <drm/drm_pagemap_util.h>

/*
 * The framework's private structures (the suite checks the owner's
 * reference count and runs the core shrinker's callbacks). In the kernel
 * tree the suite is in drivers/gpu/drm/tests/; out of tree the path
 * resolves through the vsvm include directory, a sibling of tests/.
 */
#include "../drm_msvm_internal.h"

/* A pagemap provider without memory: counts creations and destructions. */
struct pmu_ctx {
	struct dev_pagemap pgmap;
	struct drm_device *drm;	/* the provider's, for pmu_create(), or NULL */
	atomic_t created;
	atomic_t destroyed;
};

struct pmu_pagemap {
	struct drm_pagemap dpagemap;
	struct pmu_ctx *ctx;
};

static void pmu_destroy(struct drm_pagemap *dpagemap, bool is_atomic_or_reclaim)
{
	struct pmu_pagemap *pm = container_of(dpagemap, typeof(*pm), dpagemap);

	/* drm_msvm must call this from process context only. */
	might_sleep();
	WARN_ON(is_atomic_or_reclaim);
	atomic_inc(&pm->ctx->destroyed);
	kfree(pm);
}

static const struct drm_pagemap_ops pmu_ops = {
	.destroy = pmu_destroy,
};

static struct drm_pagemap *pmu_create(void *arg)
{
	struct pmu_ctx *ctx = arg;
	struct pmu_pagemap *pm;
	int err;

	pm = kzalloc(sizeof(*pm), GFP_KERNEL);
	if (!pm)
		return ERR_PTR(-ENOMEM);
	pm->ctx = ctx;
	err = drm_pagemap_init(&pm->dpagemap, &ctx->pgmap, ctx->drm, &pmu_ops);
	if (err) {
		kfree(pm);
		return ERR_PTR(err);
	}
	atomic_inc(&ctx->created);
	return &pm->dpagemap;
}

static struct pmu_ctx *pmu_ctx_alloc(struct kunit *test)
{
	struct pmu_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	return ctx;
}

static void pmu_refcount(struct kunit *test)
{
	struct pmu_ctx *ctx = pmu_ctx_alloc(test);
	struct drm_pagemap_stats s0, s1;
	struct drm_pagemap *dp;
	/* held around the last put: destruction must not happen under it */
	spinlock_t lock;

	spin_lock_init(&lock);
	drm_pagemap_stats_get(&s0);
	dp = pmu_create(ctx);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dp));
	drm_pagemap_stats_get(&s1);
	KUNIT_EXPECT_EQ(test, s1.active, s0.active + 1);

	KUNIT_EXPECT_PTR_EQ(test, drm_pagemap_get(dp), dp);
	KUNIT_EXPECT_EQ(test, kref_read(&dp->ref), 2);
	KUNIT_EXPECT_PTR_EQ(test, drm_pagemap_get_unless_zero(dp), dp);
	KUNIT_EXPECT_EQ(test, kref_read(&dp->ref), 3);
	KUNIT_EXPECT_NULL(test, drm_pagemap_get_unless_zero(NULL));
	drm_pagemap_put(dp);
	drm_pagemap_put(dp);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->destroyed), 0);

	/* The last put under a spinlock: destruction must be deferred. */
	spin_lock(&lock);
	drm_pagemap_put(dp);
	spin_unlock(&lock);
	drm_pagemap_flush_destroyed();
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->destroyed), 1);
	drm_pagemap_stats_get(&s1);
	KUNIT_EXPECT_EQ(test, s1.active, s0.active);
	KUNIT_EXPECT_EQ(test, s1.destroyed, s0.destroyed + 1);

	drm_pagemap_put(NULL);
	KUNIT_EXPECT_EQ(test, drm_pagemap_init(dp, NULL, NULL, NULL), -EINVAL);
}

static DRM_PAGEMAP_OWNER_LIST_DEFINE(pmu_static_owners);

static bool pmu_always(struct drm_pagemap_peer *peer1,
		       struct drm_pagemap_peer *peer2)
{
	return true;
}

/*
 * Upstream's allocating constructor (freed by drm_msvm without a destroy
 * op) and a statically defined owner list.
 */
static void pmu_create_static(struct kunit *test)
{
	static const struct drm_pagemap_ops no_destroy_ops;
	struct pmu_ctx *ctx = pmu_ctx_alloc(test);
	struct drm_pagemap_peer p1 = {}, p2 = {};
	struct drm_pagemap_stats s0, s1;
	struct drm_pagemap *dp;

	drm_pagemap_stats_get(&s0);
	dp = drm_pagemap_create(NULL, &ctx->pgmap, &no_destroy_ops);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dp));
	KUNIT_EXPECT_PTR_EQ(test, dp->pagemap, &ctx->pgmap);
	KUNIT_EXPECT_EQ(test, kref_read(&dp->ref), 1);
	drm_pagemap_shrinker_might_lock(dp);
	drm_pagemap_put(dp);
	drm_pagemap_flush_destroyed();
	drm_pagemap_stats_get(&s1);
	KUNIT_EXPECT_EQ(test, s1.active, s0.active);
	KUNIT_EXPECT_EQ(test, s1.destroyed, s0.destroyed + 1);
	KUNIT_EXPECT_EQ(test, PTR_ERR(drm_pagemap_create(NULL, NULL, NULL)),
			-EINVAL);

	KUNIT_ASSERT_EQ(test, drm_pagemap_acquire_owner(&p1, &pmu_static_owners,
							pmu_always), 0);
	KUNIT_ASSERT_EQ(test, drm_pagemap_acquire_owner(&p2, &pmu_static_owners,
							pmu_always), 0);
	KUNIT_EXPECT_NOT_NULL(test, p1.owner);
	KUNIT_EXPECT_PTR_EQ(test, p1.owner, p2.owner);
	drm_pagemap_release_owner(&p2);
	drm_pagemap_release_owner(&p1);
	KUNIT_EXPECT_TRUE(test, list_empty(&pmu_static_owners.peers));
}

static const struct file_operations pmu_drm_fops = {
	.owner = THIS_MODULE,
};

static const struct drm_driver pmu_drm_driver = {
	.fops = &pmu_drm_fops,
	.name = "pmu",
	.desc = "drm_pagemap KUnit provider",
};

#if defined(MODULE) && IS_ENABLED(CONFIG_MODULE_UNLOAD)
/* A pagemap of this provider references its module: this test module. */
#define PMU_MODREF	1
static int pmu_modref(void)
{
	return module_refcount(THIS_MODULE);
}
#else
/* Built in (THIS_MODULE is NULL), there is no module reference to count. */
#define PMU_MODREF	0
static int pmu_modref(void)
{
	return 0;
}
#endif

/* The provider's drm device and module stay referenced while it lives. */
static void pmu_provider_ref(struct kunit *test)
{
	struct pmu_ctx *ctx = pmu_ctx_alloc(test);
	struct pmu_pagemap *pm;
	struct drm_device *drm;
	struct device *parent;
	int modref, drmref;

	parent = kunit_device_register(test, "pmu-drm");
	KUNIT_ASSERT_FALSE(test, IS_ERR(parent));
	drm = drm_dev_alloc(&pmu_drm_driver, parent);
	KUNIT_ASSERT_FALSE(test, IS_ERR(drm));
	modref = pmu_modref();
	drmref = kref_read(&drm->ref);

	pm = kzalloc(sizeof(*pm), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pm);
	pm->ctx = ctx;
	KUNIT_ASSERT_EQ(test, drm_pagemap_init(&pm->dpagemap, &ctx->pgmap, drm,
					       &pmu_ops), 0);
	KUNIT_EXPECT_PTR_EQ(test, pm->dpagemap.drm, drm);
	KUNIT_EXPECT_EQ(test, pmu_modref(), modref + PMU_MODREF);
	KUNIT_EXPECT_EQ(test, kref_read(&drm->ref), drmref + 1);

	drm_pagemap_put(&pm->dpagemap);
	drm_pagemap_flush_destroyed();
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->destroyed), 1);
	KUNIT_EXPECT_EQ(test, pmu_modref(), modref);
	KUNIT_EXPECT_EQ(test, kref_read(&drm->ref), drmref);
	drm_dev_put(drm);
}

/*
 * A cached pagemap references its provider only while active: going
 * inactive releases the drm device and the module, a revival takes them
 * again, and the shrinker destroys an inactive one without touching them.
 */
static void pmu_cache_provider_ref(struct kunit *test)
{
	struct pmu_ctx *ctx = pmu_ctx_alloc(test);
	struct drm_pagemap_shrinker *shrinker;
	struct drm_pagemap_cache *cache;
	struct drm_pagemap *dp, *dp2;
	int modref, drmref;
	struct device *parent;

	parent = kunit_device_register(test, "pmu-cache-drm");
	KUNIT_ASSERT_FALSE(test, IS_ERR(parent));
	ctx->drm = drm_dev_alloc(&pmu_drm_driver, parent);
	KUNIT_ASSERT_FALSE(test, IS_ERR(ctx->drm));
	shrinker = drm_pagemap_shrinker_create("kunit-provider");
	KUNIT_ASSERT_FALSE(test, IS_ERR(shrinker));
	cache = drm_pagemap_cache_create(shrinker);
	KUNIT_ASSERT_FALSE(test, IS_ERR(cache));
	modref = pmu_modref();
	drmref = kref_read(&ctx->drm->ref);

	/* Active: referenced once, however many users. */
	dp = drm_pagemap_cache_lookup_or_create(cache, pmu_create, ctx);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dp));
	dp2 = drm_pagemap_cache_lookup_or_create(cache, pmu_create, ctx);
	KUNIT_EXPECT_PTR_EQ(test, dp2, dp);
	KUNIT_EXPECT_EQ(test, pmu_modref(), modref + PMU_MODREF);
	KUNIT_EXPECT_EQ(test, kref_read(&ctx->drm->ref), drmref + 1);
	drm_pagemap_put(dp2);
	drm_pagemap_flush_released();
	KUNIT_EXPECT_EQ(test, pmu_modref(), modref + PMU_MODREF);

	/* Inactive: nothing referenced, the pagemap kept. */
	drm_pagemap_put(dp);
	drm_pagemap_flush_released();
	KUNIT_EXPECT_EQ(test, pmu_modref(), modref);
	KUNIT_EXPECT_EQ(test, kref_read(&ctx->drm->ref), drmref);
	KUNIT_EXPECT_EQ(test, drm_pagemap_shrinker_count(shrinker), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->destroyed), 0);

	/* Revived: referenced again. */
	dp2 = drm_pagemap_cache_lookup_or_create(cache, pmu_create, ctx);
	KUNIT_EXPECT_PTR_EQ(test, dp2, dp);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->created), 1);
	KUNIT_EXPECT_EQ(test, pmu_modref(), modref + PMU_MODREF);
	KUNIT_EXPECT_EQ(test, kref_read(&ctx->drm->ref), drmref + 1);
	drm_pagemap_put(dp2);
	drm_pagemap_flush_released();
	KUNIT_EXPECT_EQ(test, pmu_modref(), modref);
	KUNIT_EXPECT_EQ(test, kref_read(&ctx->drm->ref), drmref);

	/* Shrunk while inactive: destroyed, the references untouched. */
	KUNIT_EXPECT_EQ(test, drm_pagemap_shrinker_scan(shrinker, 1), 1);
	drm_pagemap_flush_destroyed();
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->destroyed), 1);
	KUNIT_EXPECT_EQ(test, pmu_modref(), modref);
	KUNIT_EXPECT_EQ(test, kref_read(&ctx->drm->ref), drmref);

	/* Active at cache destruction: released with the last put. */
	dp = drm_pagemap_cache_lookup_or_create(cache, pmu_create, ctx);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dp));
	drm_pagemap_cache_destroy(cache);
	KUNIT_EXPECT_EQ(test, pmu_modref(), modref + PMU_MODREF);
	drm_pagemap_put(dp);
	drm_pagemap_flush_destroyed();
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->destroyed), 2);
	KUNIT_EXPECT_EQ(test, pmu_modref(), modref);
	KUNIT_EXPECT_EQ(test, kref_read(&ctx->drm->ref), drmref);

	drm_pagemap_shrinker_destroy(shrinker);
	drm_dev_put(ctx->drm);
}

/* Run the core shrinker's callbacks as reclaim would. */
static unsigned long pmu_reclaim(struct drm_pagemap_shrinker *shrinker,
				 unsigned long nr, unsigned long *count)
{
	struct shrink_control sc = {
		.gfp_mask = GFP_KERNEL,
		.nr_to_scan = nr,
	};
	unsigned long freed;

	fs_reclaim_acquire(GFP_KERNEL);
	*count = shrinker->shrink->count_objects(shrinker->shrink, &sc);
	freed = shrinker->shrink->scan_objects(shrinker->shrink, &sc);
	fs_reclaim_release(GFP_KERNEL);
	return freed;
}

static void pmu_cache(struct kunit *test)
{
	struct pmu_ctx *ctx = pmu_ctx_alloc(test);
	struct drm_pagemap_shrinker *shrinker;
	struct drm_pagemap_stats s0, s1;
	struct drm_pagemap_cache *cache;
	struct drm_pagemap *dp, *dp2;
	unsigned long count;

	shrinker = drm_pagemap_shrinker_create("kunit-cache");
	KUNIT_ASSERT_FALSE(test, IS_ERR(shrinker));
	cache = drm_pagemap_cache_create(shrinker);
	KUNIT_ASSERT_FALSE(test, IS_ERR(cache));
	drm_pagemap_stats_get(&s0);

	KUNIT_EXPECT_NULL(test, drm_pagemap_get_from_cache_if_active(cache));
	dp = drm_pagemap_cache_lookup_or_create(cache, pmu_create, ctx);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dp));
	dp2 = drm_pagemap_cache_lookup_or_create(cache, pmu_create, ctx);
	KUNIT_EXPECT_PTR_EQ(test, dp2, dp);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->created), 1);
	KUNIT_EXPECT_PTR_EQ(test, drm_pagemap_get_from_cache_if_active(cache), dp);
	drm_pagemap_put(dp);
	drm_pagemap_put(dp2);
	KUNIT_EXPECT_EQ(test, drm_pagemap_shrinker_count(shrinker), 0);

	/* Inactive: kept, not destroyed, counted. */
	drm_pagemap_put(dp);
	drm_pagemap_flush_destroyed();
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->destroyed), 0);
	KUNIT_EXPECT_EQ(test, drm_pagemap_shrinker_count(shrinker), 1);
	drm_pagemap_stats_get(&s1);
	KUNIT_EXPECT_EQ(test, s1.inactive, s0.inactive + 1);
	KUNIT_EXPECT_NULL(test, drm_pagemap_get_from_cache_if_active(cache));

	/* Revived by the next lookup. */
	dp2 = drm_pagemap_cache_lookup_or_create(cache, pmu_create, ctx);
	KUNIT_EXPECT_PTR_EQ(test, dp2, dp);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->created), 1);
	KUNIT_EXPECT_EQ(test, kref_read(&dp->ref), 1);
	KUNIT_EXPECT_EQ(test, drm_pagemap_shrinker_count(shrinker), 0);
	drm_pagemap_stats_get(&s1);
	KUNIT_EXPECT_EQ(test, s1.revived, s0.revived + 1);
	KUNIT_EXPECT_EQ(test, s1.inactive, s0.inactive);

	/* Nothing to shrink while it is active. */
	KUNIT_EXPECT_EQ(test, pmu_reclaim(shrinker, 8, &count), SHRINK_STOP);
	KUNIT_EXPECT_EQ(test, count, SHRINK_EMPTY);

	/* The last put inside reclaim, then shrink: destroyed, deferred. */
	fs_reclaim_acquire(GFP_KERNEL);
	drm_pagemap_put(dp2);
	fs_reclaim_release(GFP_KERNEL);
	KUNIT_EXPECT_EQ(test, pmu_reclaim(shrinker, 8, &count), 1);
	KUNIT_EXPECT_EQ(test, count, 1);
	drm_pagemap_flush_destroyed();
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->destroyed), 1);
	KUNIT_EXPECT_EQ(test, drm_pagemap_shrinker_count(shrinker), 0);
	drm_pagemap_stats_get(&s1);
	KUNIT_EXPECT_EQ(test, s1.destroyed, s0.destroyed + 1);
	KUNIT_EXPECT_EQ(test, s1.inactive, s0.inactive);

	/* A lookup after the shrink creates a new one. */
	dp = drm_pagemap_cache_lookup_or_create(cache, pmu_create, ctx);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dp));
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->created), 2);

	/* An active pagemap outlives its cache and shrinker. */
	drm_pagemap_cache_destroy(cache);
	drm_pagemap_shrinker_destroy(shrinker);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->destroyed), 1);
	drm_pagemap_put(dp);
	drm_pagemap_flush_destroyed();
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->destroyed), 2);
	drm_pagemap_stats_get(&s1);
	KUNIT_EXPECT_EQ(test, s1.active, s0.active);
}

static void pmu_cache_destroy_inactive(struct kunit *test)
{
	struct pmu_ctx *ctx = pmu_ctx_alloc(test);
	struct drm_pagemap_shrinker *shrinker;
	struct drm_pagemap_cache *cache;
	struct drm_pagemap *dp;

	shrinker = drm_pagemap_shrinker_create("kunit-fini");
	KUNIT_ASSERT_FALSE(test, IS_ERR(shrinker));
	cache = drm_pagemap_cache_create(shrinker);
	KUNIT_ASSERT_FALSE(test, IS_ERR(cache));
	dp = drm_pagemap_cache_lookup_or_create(cache, pmu_create, ctx);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dp));
	drm_pagemap_put(dp);
	KUNIT_EXPECT_EQ(test, drm_pagemap_shrinker_count(shrinker), 1);
	/* Destroying the cache destroys its inactive pagemap, synchronously. */
	drm_pagemap_cache_destroy(cache);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->destroyed), 1);
	KUNIT_EXPECT_EQ(test, drm_pagemap_shrinker_count(shrinker), 0);
	drm_pagemap_shrinker_destroy(shrinker);
	drm_pagemap_flush_destroyed();
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->created), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->destroyed), 1);
}

/* A revoked pagemap leaves its cache: the next lookup creates another. */
static void pmu_cache_revoke(struct kunit *test)
{
	struct pmu_ctx *ctx = pmu_ctx_alloc(test);
	struct drm_pagemap_shrinker *shrinker;
	struct drm_pagemap_cache *cache;
	struct drm_pagemap *dp, *dp2;

	shrinker = drm_pagemap_shrinker_create("kunit-revoke");
	KUNIT_ASSERT_FALSE(test, IS_ERR(shrinker));
	cache = drm_pagemap_cache_create(shrinker);
	KUNIT_ASSERT_FALSE(test, IS_ERR(cache));
	dp = drm_pagemap_cache_lookup_or_create(cache, pmu_create, ctx);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dp));

	KUNIT_EXPECT_EQ(test, drm_pagemap_revoke(dp), 0);
	KUNIT_EXPECT_TRUE(test, dp->revoked);
	KUNIT_EXPECT_NULL(test, drm_pagemap_get_from_cache_if_active(cache));
	KUNIT_EXPECT_EQ(test, drm_pagemap_populate_mm(dp, 0, PAGE_SIZE, NULL, 0),
			-ENODEV);
	dp2 = drm_pagemap_cache_lookup_or_create(cache, pmu_create, ctx);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dp2));
	KUNIT_EXPECT_PTR_NE(test, dp2, dp);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->created), 2);

	/* Its last put destroys it instead of keeping it inactive. */
	drm_pagemap_put(dp);
	drm_pagemap_flush_destroyed();
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->destroyed), 1);
	KUNIT_EXPECT_EQ(test, drm_pagemap_shrinker_count(shrinker), 0);
	drm_pagemap_put(dp2);
	KUNIT_EXPECT_EQ(test, drm_pagemap_shrinker_count(shrinker), 1);
	drm_pagemap_cache_destroy(cache);
	drm_pagemap_shrinker_destroy(shrinker);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->destroyed), 2);
}

/* Device-managed shrinker and cache go with their device. */
static void pmu_devm(struct kunit *test)
{
	struct pmu_ctx *ctx = pmu_ctx_alloc(test);
	struct drm_pagemap_shrinker *shrinker;
	struct drm_pagemap_cache *cache;
	struct drm_pagemap *dp;
	struct drm_device *drm;
	struct device *dev;

	dev = kunit_device_register(test, "pmu-devm");
	KUNIT_ASSERT_FALSE(test, IS_ERR(dev));
	drm = drm_dev_alloc(&pmu_drm_driver, dev);
	KUNIT_ASSERT_FALSE(test, IS_ERR(drm));
	shrinker = drm_pagemap_shrinker_create_devm(drm);
	KUNIT_ASSERT_FALSE(test, IS_ERR(shrinker));
	cache = drm_pagemap_cache_create_devm(shrinker);
	KUNIT_ASSERT_FALSE(test, IS_ERR(cache));
	dp = drm_pagemap_cache_lookup_or_create(cache, pmu_create, ctx);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dp));
	drm_pagemap_put(dp);
	KUNIT_EXPECT_EQ(test, drm_pagemap_shrinker_count(shrinker), 1);

	kunit_device_unregister(test, dev);
	drm_pagemap_flush_destroyed();
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->destroyed), 1);
	drm_dev_put(drm);

	/* A cache bound to a device needs a shrinker that is. */
	shrinker = drm_pagemap_shrinker_create("pmu-devm");
	KUNIT_ASSERT_FALSE(test, IS_ERR(shrinker));
	KUNIT_EXPECT_EQ(test, PTR_ERR(drm_pagemap_cache_create_devm(shrinker)),
			-EINVAL);
	drm_pagemap_shrinker_destroy(shrinker);
}

struct pmu_race {
	struct pmu_ctx *ctx;
	struct drm_pagemap_cache *cache;
	struct drm_pagemap_shrinker *shrinker;
	struct completion done;
	unsigned long shrunk;
	int iterations;
};

static int pmu_race_shrink_fn(void *arg)
{
	struct pmu_race *race = arg;
	int i;

	for (i = 0; i < race->iterations; i++) {
		race->shrunk += drm_pagemap_shrinker_scan(race->shrinker, 1);
		cond_resched();
	}
	complete(&race->done);
	return 0;
}

static void pmu_revive_shrink_race(struct kunit *test)
{
	struct pmu_race *race = kunit_kzalloc(test, sizeof(*race), GFP_KERNEL);
	struct task_struct *task;
	unsigned long left;
	int i, bad = 0;

	KUNIT_ASSERT_NOT_NULL(test, race);
	race->ctx = pmu_ctx_alloc(test);
	race->iterations = 2000;
	init_completion(&race->done);
	race->shrinker = drm_pagemap_shrinker_create("kunit-race");
	KUNIT_ASSERT_FALSE(test, IS_ERR(race->shrinker));
	race->cache = drm_pagemap_cache_create(race->shrinker);
	KUNIT_ASSERT_FALSE(test, IS_ERR(race->cache));

	task = kthread_run(pmu_race_shrink_fn, race, "pmu-shrink");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	for (i = 0; i < race->iterations; i++) {
		struct drm_pagemap *dp;

		dp = drm_pagemap_cache_lookup_or_create(race->cache, pmu_create,
							race->ctx);
		if (IS_ERR(dp)) {
			bad++;
			continue;
		}
		if (kref_read(&dp->ref) < 1 || !list_empty(&dp->shrink_link))
			bad++;
		drm_pagemap_put(dp);
		cond_resched();
	}
	wait_for_completion(&race->done);
	KUNIT_EXPECT_EQ(test, bad, 0);
	left = drm_pagemap_shrinker_count(race->shrinker);
	KUNIT_EXPECT_LE(test, left, 1);

	drm_pagemap_cache_destroy(race->cache);
	drm_pagemap_shrinker_destroy(race->shrinker);
	drm_pagemap_flush_destroyed();
	/* Every pagemap created was destroyed exactly once. */
	KUNIT_EXPECT_GE(test, atomic_read(&race->ctx->created), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&race->ctx->destroyed),
			atomic_read(&race->ctx->created));
	KUNIT_EXPECT_EQ(test, (unsigned long)atomic_read(&race->ctx->created),
			race->shrunk + left);
	kunit_info(test, "created %d, shrunk %lu\n",
		   atomic_read(&race->ctx->created), race->shrunk);
}

/* Owner groups on an interconnect graph given by an adjacency matrix. */
#define PMU_PEERS 4

struct pmu_graph {
	bool link[PMU_PEERS][PMU_PEERS];
	struct drm_pagemap_peer peers[PMU_PEERS];
	int id[PMU_PEERS];
};

static bool pmu_has_interconnect(struct drm_pagemap_peer *p1,
				 struct drm_pagemap_peer *p2)
{
	struct pmu_graph *g = container_of(p1, struct pmu_graph,
					   peers[*(int *)p1->private]);

	return g->link[*(int *)p1->private][*(int *)p2->private];
}

static void pmu_graph_link(struct pmu_graph *g, int a, int b)
{
	g->link[a][b] = true;
	g->link[b][a] = true;
}

static void pmu_graph_acquire(struct kunit *test, struct pmu_graph *g,
			      struct drm_pagemap_owner_list *list,
			      const int *order, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		int p = order[i];

		g->id[p] = p;
		g->peers[p].private = &g->id[p];
		KUNIT_ASSERT_EQ(test, drm_pagemap_acquire_owner(&g->peers[p], list,
								pmu_has_interconnect), 0);
		KUNIT_ASSERT_NOT_NULL(test, g->peers[p].owner);
	}
}

static void pmu_graph_release(struct pmu_graph *g, int n)
{
	int i;

	for (i = 0; i < n; i++)
		drm_pagemap_release_owner(&g->peers[i]);
}

#define OWNER(i) (g->peers[i].owner)

static void pmu_owner_full_mesh(struct kunit *test)
{
	struct pmu_graph *g = kunit_kzalloc(test, sizeof(*g), GFP_KERNEL);
	static const int order[] = { 0, 1, 2, 3 };
	struct drm_pagemap_owner_list list;
	int a, b;

	KUNIT_ASSERT_NOT_NULL(test, g);
	drm_pagemap_owner_list_init(&list);
	for (a = 0; a < PMU_PEERS; a++)
		for (b = 0; b < PMU_PEERS; b++)
			pmu_graph_link(g, a, b);
	pmu_graph_acquire(test, g, &list, order, 4);
	KUNIT_EXPECT_PTR_EQ(test, OWNER(1), OWNER(0));
	KUNIT_EXPECT_PTR_EQ(test, OWNER(2), OWNER(0));
	KUNIT_EXPECT_PTR_EQ(test, OWNER(3), OWNER(0));
	KUNIT_EXPECT_EQ(test, kref_read(&OWNER(0)->ref), 4);
	drm_pagemap_release_owner(&g->peers[0]);
	KUNIT_EXPECT_NULL(test, OWNER(0));
	KUNIT_EXPECT_EQ(test, kref_read(&OWNER(1)->ref), 3);
	/* Rejoining finds the group again. */
	pmu_graph_acquire(test, g, &list, order, 1);
	KUNIT_EXPECT_PTR_EQ(test, OWNER(0), OWNER(1));
	pmu_graph_release(g, 4);
	KUNIT_EXPECT_TRUE(test, list_empty(&list.peers));
}

static void pmu_owner_two_islands(struct kunit *test)
{
	struct pmu_graph *g = kunit_kzalloc(test, sizeof(*g), GFP_KERNEL);
	static const int order[] = { 0, 2, 1, 3 };
	struct drm_pagemap_owner_list list;

	KUNIT_ASSERT_NOT_NULL(test, g);
	drm_pagemap_owner_list_init(&list);
	pmu_graph_link(g, 0, 1);
	pmu_graph_link(g, 2, 3);
	pmu_graph_acquire(test, g, &list, order, 4);
	KUNIT_EXPECT_PTR_EQ(test, OWNER(1), OWNER(0));
	KUNIT_EXPECT_PTR_EQ(test, OWNER(3), OWNER(2));
	KUNIT_EXPECT_PTR_NE(test, OWNER(0), OWNER(2));
	KUNIT_EXPECT_EQ(test, kref_read(&OWNER(0)->ref), 2);
	KUNIT_EXPECT_EQ(test, kref_read(&OWNER(2)->ref), 2);
	pmu_graph_release(g, 4);
	KUNIT_EXPECT_TRUE(test, list_empty(&list.peers));
}

static void pmu_owner_chain(struct kunit *test)
{
	struct pmu_graph *g = kunit_kzalloc(test, sizeof(*g), GFP_KERNEL);
	static const int abc[] = { 0, 1, 2 };
	static const int acb[] = { 0, 2, 1 };
	struct drm_pagemap_owner_list list;

	KUNIT_ASSERT_NOT_NULL(test, g);
	drm_pagemap_owner_list_init(&list);
	/* A-B-C: C is linked to B only, so it may not join {A, B}. */
	pmu_graph_link(g, 0, 1);
	pmu_graph_link(g, 1, 2);
	pmu_graph_acquire(test, g, &list, abc, 3);
	KUNIT_EXPECT_PTR_EQ(test, OWNER(1), OWNER(0));
	KUNIT_EXPECT_PTR_NE(test, OWNER(2), OWNER(0));
	pmu_graph_release(g, 3);

	/* Order A, C, B: B links both but joins one group only. */
	pmu_graph_acquire(test, g, &list, acb, 3);
	KUNIT_EXPECT_PTR_NE(test, OWNER(2), OWNER(0));
	KUNIT_EXPECT_TRUE(test, OWNER(1) == OWNER(0) || OWNER(1) == OWNER(2));
	pmu_graph_release(g, 3);

	/* Once C is linked to A too, all three share one owner. */
	pmu_graph_link(g, 0, 2);
	pmu_graph_acquire(test, g, &list, abc, 3);
	KUNIT_EXPECT_PTR_EQ(test, OWNER(1), OWNER(0));
	KUNIT_EXPECT_PTR_EQ(test, OWNER(2), OWNER(0));
	pmu_graph_release(g, 3);
	KUNIT_EXPECT_TRUE(test, list_empty(&list.peers));
}

static const struct file_operations pmu_other_fops = {
	.owner = THIS_MODULE,
};

static bool pmu_fd_cloexec(int fd)
{
	bool set;

	rcu_read_lock();
	set = close_on_exec(fd, current->files);
	rcu_read_unlock();
	return set;
}

static void pmu_fd(struct kunit *test)
{
	struct pmu_ctx *ctx = pmu_ctx_alloc(test);
	struct drm_pagemap *dp, *got;
	struct file *other;
	int fd, ofd;

	if (!current->files)
		kunit_skip(test, "no file table");
	dp = pmu_create(ctx);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dp));

	fd = drm_pagemap_get_fd(dp);
	KUNIT_ASSERT_GE(test, fd, 0);
	KUNIT_EXPECT_TRUE(test, pmu_fd_cloexec(fd));
	KUNIT_EXPECT_EQ(test, kref_read(&dp->ref), 2);
	got = drm_pagemap_from_fd(fd);
	KUNIT_EXPECT_PTR_EQ(test, got, dp);
	KUNIT_EXPECT_EQ(test, kref_read(&dp->ref), 3);
	drm_pagemap_put(got);

	/* Not open: -EBADF. */
	KUNIT_EXPECT_EQ(test, PTR_ERR(drm_pagemap_from_fd(-1)), -EBADF);
	KUNIT_EXPECT_EQ(test, PTR_ERR(drm_pagemap_from_fd(INT_MAX)), -EBADF);

	/* Open but not a pagemap file: -EINVAL. */
	other = anon_inode_getfile("[pmu-other]", &pmu_other_fops, dp, O_RDONLY);
	KUNIT_ASSERT_FALSE(test, IS_ERR(other));
	ofd = get_unused_fd_flags(O_CLOEXEC);
	KUNIT_ASSERT_GE(test, ofd, 0);
	fd_install(ofd, other);
	KUNIT_EXPECT_EQ(test, PTR_ERR(drm_pagemap_from_fd(ofd)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(drm_pagemap_from_file(other)), -EINVAL);
	KUNIT_EXPECT_EQ(test, close_fd(ofd), 0);

	/* Closing the fd drops the file's reference. */
	KUNIT_EXPECT_EQ(test, close_fd(fd), 0);
	KUNIT_EXPECT_EQ(test, PTR_ERR(drm_pagemap_from_fd(fd)), -EBADF);
	flush_delayed_fput();
	KUNIT_EXPECT_EQ(test, kref_read(&dp->ref), 1);
	drm_pagemap_put(dp);
	drm_pagemap_flush_destroyed();
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->destroyed), 1);
}

static const char pmu_debugfs_fmt[] =
	"active %lld\ninactive %lld\nrevived %lld\ndestroyed %lld\nzdds %lld";

/*
 * Open the debugfs file at @path (relative to the root of debugfs) through
 * a mount of debugfs of our own: built into the kernel (kunit.py), the
 * suite runs before anything mounted it. The file keeps the mount.
 */
static struct file *pmu_debugfs_open(const char *path)
{
	struct file_system_type *type = get_fs_type("debugfs");
	struct vfsmount *mnt;
	struct file *file;

	if (!type)
		return ERR_PTR(-ENODEV);
	mnt = kern_mount(type);
	/* get_fs_type() pinned the module of the type; debugfs is built in. */
	module_put(type->owner);
	if (IS_ERR(mnt))
		return ERR_CAST(mnt);
	file = file_open_root_mnt(mnt, path, O_RDONLY, 0);
	kern_unmount(mnt);
	return file;
}

/* The counters are in debugfs: drm_msvm/pagemaps. */
static void pmu_debugfs(struct kunit *test)
{
	struct pmu_ctx *ctx = pmu_ctx_alloc(test);
	struct drm_pagemap_stats st;
	long long active, inactive, revived, destroyed, zdds;
	struct drm_pagemap *dp;
	struct file *file;
	loff_t pos = 0;
	char *buf;
	unsigned long ubuf;
	ssize_t n;
	int got;

	if (!IS_ENABLED(CONFIG_DEBUG_FS))
		kunit_skip(test, "the kernel has no CONFIG_DEBUG_FS");
	file = pmu_debugfs_open("drm_msvm/pagemaps");
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(file), "drm_msvm/pagemaps: %ld",
			       PTR_ERR(file));
	if (!file->f_op->read) {
		fput(file);
		KUNIT_FAIL_AND_ABORT(test, "debugfs file without read");
	}
	buf = kunit_kzalloc(test, 256, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	dp = pmu_create(ctx);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dp));
	/* debugfs files have no kernel read: go through a user buffer. */
	ubuf = kunit_vm_mmap(test, NULL, 0, PAGE_SIZE, PROT_READ | PROT_WRITE,
			     MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_NE(test, ubuf, 0);
	n = file->f_op->read(file, (char __user *)ubuf, 255, &pos);
	fput(file);
	if (n > 0)
		KUNIT_ASSERT_EQ(test, copy_from_user(buf, (char __user *)ubuf, n), 0);
	drm_pagemap_stats_get(&st);
	drm_pagemap_put(dp);
	drm_pagemap_flush_destroyed();
	KUNIT_ASSERT_GT(test, n, 0);
	got = sscanf(buf, pmu_debugfs_fmt, &active, &inactive, &revived,
		     &destroyed, &zdds);
	KUNIT_ASSERT_EQ(test, got, 5);
	KUNIT_EXPECT_GE(test, active, 1);
	KUNIT_EXPECT_EQ(test, active, st.active);
	KUNIT_EXPECT_EQ(test, inactive, st.inactive);
	KUNIT_EXPECT_EQ(test, revived, st.revived);
	KUNIT_EXPECT_EQ(test, destroyed, st.destroyed);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->destroyed), 1);
}

static struct kunit_case drm_pagemap_util_tests[] = {
	KUNIT_CASE(pmu_refcount),
	KUNIT_CASE(pmu_create_static),
	KUNIT_CASE(pmu_provider_ref),
	KUNIT_CASE(pmu_cache_provider_ref),
	KUNIT_CASE(pmu_cache),
	KUNIT_CASE(pmu_cache_destroy_inactive),
	KUNIT_CASE(pmu_cache_revoke),
	KUNIT_CASE(pmu_devm),
	KUNIT_CASE(pmu_revive_shrink_race),
	KUNIT_CASE(pmu_owner_full_mesh),
	KUNIT_CASE(pmu_owner_two_islands),
	KUNIT_CASE(pmu_owner_chain),
	KUNIT_CASE(pmu_fd),
	KUNIT_CASE(pmu_debugfs),
	{}
};

static struct kunit_suite drm_pagemap_util_suite = {
	.name = "drm_pagemap_util",
	.test_cases = drm_pagemap_util_tests,
};

kunit_test_suite(drm_pagemap_util_suite);

MODULE_DESCRIPTION("KUnit tests of drm_pagemap lifetime, cache, owners and fds");
MODULE_LICENSE("GPL");
