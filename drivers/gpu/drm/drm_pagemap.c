// SPDX-License-Identifier: GPL-2.0
/*
 * drm_pagemap: refcounted device-memory pagemaps and the helpers that
 * migrate anonymous memory into them (from system memory or directly from
 * a peer pagemap of the same interconnect owner group) and back.
 *
 * Lock order (outer first):
 *   mmap_lock (read)
 *     drm_pagemap.revoke_sem (read, held across a migration into the pagemap)
 *       folio locks of the migrating pages (migrate_vma_*)
 *         drm_pagemap_shrinker.lock (spinlock, last reference drop)
 *           drm_pagemap_cache.lock (spinlock)
 * drm_pagemap_revoke() takes revoke_sem for writing without any of them,
 * then waits for drm_pagemap_populate_mm() calls in flight (a count, not a
 * lock: their migrations take revoke_sem for reading once more).
 * Pagemap destruction never runs under any of these locks: from a put in
 * atomic or reclaim context it is deferred to drm_msvm_wq.
 */
#include <linux/dma-mapping.h>
#include <linux/delay.h>
#include <linux/dma-fence.h>
#include <linux/highmem.h>
#include <linux/jiffies.h>
#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/module.h>
#include <linux/pagemap.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include <drm/drm_device.h>
#include <drm/drm_drv.h>
#include <drm/drm_pagemap.h>
#include <drm/drm_pagemap_util.h>

#include "drm_msvm_internal.h"

/**
 * DOC: Overview
 *
 * A provider (a driver with device memory) describes a memory region with a
 * MEMORY_DEVICE_PRIVATE &struct dev_pagemap whose ops are
 * drm_pagemap_pagemap_ops_get() and whose owner is the interconnect owner
 * of its device (drm_pagemap_acquire_owner()), memremaps it, and wraps it
 * in a &struct drm_pagemap with drm_pagemap_init(), usually from the create
 * callback of drm_pagemap_cache_lookup_or_create() so that the pagemap is
 * created on first use and kept, inactive, until the shrinker wants the
 * struct-page memory back. Its &drm_pagemap_ops.destroy memunmaps the
 * region and frees the pagemap; it runs once no reference is left, which
 * also means no device page of the region is in use.
 *
 * To migrate a range of an mm into the region, the provider allocates
 * device memory, describes it with a &struct drm_pagemap_devmem and calls
 * drm_pagemap_migrate_to_devmem() (from &drm_pagemap_ops.populate_mm, which
 * drm_pagemap_populate_mm() calls with the mm referenced and locked). Each
 * device page then points, through page->zone_device_data, to a small
 * per-allocation object (the zdd) that references the allocation and the
 * pagemap; the allocation is released (&drm_pagemap_devmem_ops.devmem_release)
 * when its last page is freed. Pages of another pagemap of the same owner
 * are copied by their own allocation's copy_to_ram, directly into the
 * destination pages at the address the destination pagemap's device_map
 * gives the source device (as upstream since Linux 7.2); system pages by
 * the destination's copy_to_devmem.
 *
 * Device pages go back to system memory on a CPU fault (the migrate_to_ram
 * of drm_pagemap_pagemap_ops_get(), which migrates the allocation's aligned
 * window; during the migration timeslice a fault backs off once, without
 * sleeping, and migrates on its retry), with drm_pagemap_evict_to_ram()
 * (one allocation, through the mm it was made for), by VA range without any CPU fault with
 * drm_pagemap_migrate_range_to_ram() (a driver's prefetch to system
 * memory), or all at once with drm_pagemap_revoke() when the device goes
 * offline.
 */

struct drm_pagemap_counters drm_pagemap_counters;

/*
 * struct drm_pagemap_zdd - the per-allocation object in zone_device_data
 * @refcount: one reference per device page of the allocation, plus one held
 *	      by the migration that creates the pages while it runs
 * @devmem_allocation: the allocation, released with the last reference
 * @dpagemap: the pagemap of the pages, referenced
 */
struct drm_pagemap_zdd {
	struct kref refcount;
	struct drm_pagemap_devmem *devmem_allocation;
	struct drm_pagemap *dpagemap;
};

static struct drm_pagemap_zdd *
drm_pagemap_zdd_alloc(struct drm_pagemap *dpagemap,
		      struct drm_pagemap_devmem *devmem_allocation)
{
	struct drm_pagemap_zdd *zdd;

	zdd = kmalloc(sizeof(*zdd), GFP_KERNEL);
	if (!zdd)
		return NULL;
	kref_init(&zdd->refcount);
	zdd->devmem_allocation = devmem_allocation;
	zdd->dpagemap = drm_pagemap_get(dpagemap);
	atomic64_inc(&drm_pagemap_counters.zdds);
	return zdd;
}

static struct drm_pagemap_zdd *drm_pagemap_zdd_get(struct drm_pagemap_zdd *zdd)
{
	kref_get(&zdd->refcount);
	return zdd;
}

/* May run in atomic context (page_free under a page table lock). */
static void drm_pagemap_zdd_destroy(struct kref *ref)
{
	struct drm_pagemap_zdd *zdd = container_of(ref, typeof(*zdd), refcount);
	struct drm_pagemap_devmem *devmem = zdd->devmem_allocation;
	struct drm_pagemap *dpagemap = zdd->dpagemap;

	if (devmem)
		devmem->ops->devmem_release(devmem);
	kfree(zdd);
	atomic64_dec(&drm_pagemap_counters.zdds);
	drm_pagemap_put(dpagemap);
}

static void drm_pagemap_zdd_put(struct drm_pagemap_zdd *zdd)
{
	kref_put(&zdd->refcount, drm_pagemap_zdd_destroy);
}

/**
 * struct drm_pagemap_dev_hold - the provider references of an active pagemap
 * @link: entry in the list of holds whose release is deferred
 * @drm: the provider's drm device, referenced, or NULL
 * @module: the provider module (the owner of @drm's driver fops),
 *	    referenced, or NULL
 *
 * A pagemap holds one while it is active (referenced): from
 * drm_pagemap_init(), and from each revival out of its cache. When it goes
 * inactive in its cache, or is destroyed, the hold is released: an inactive
 * pagemap pins neither the drm device nor the module, so only what really
 * uses the provider's memory (an open pagemap fd, a device page, a
 * migration) keeps the provider loaded.
 */
struct drm_pagemap_dev_hold {
	struct llist_node link;
	struct drm_device *drm;
	struct module *module;
};

/**
 * drm_pagemap_dev_hold_alloc() - memory for a hold, no reference taken yet
 *
 * Return: the hold or NULL.
 */
static struct drm_pagemap_dev_hold *drm_pagemap_dev_hold_alloc(void)
{
	return kzalloc(sizeof(struct drm_pagemap_dev_hold), GFP_KERNEL);
}

/**
 * drm_pagemap_dev_hold_take() - reference a provider in a hold
 * @hold: from drm_pagemap_dev_hold_alloc()
 * @drm: the provider's drm device, or NULL for none
 *
 * Any context: it only takes references.
 *
 * Return: true, or false if the provider module is going away (nothing
 * taken).
 */
static bool drm_pagemap_dev_hold_take(struct drm_pagemap_dev_hold *hold,
				      struct drm_device *drm)
{
	struct module *module = NULL;

	if (drm && drm->driver && drm->driver->fops)
		module = drm->driver->fops->owner;
	if (!try_module_get(module))
		return false;
	hold->module = module;
	hold->drm = drm;
	if (drm)
		drm_dev_get(drm);
	return true;
}

/* Drop the references of @hold and free it. Process context. */
static void drm_pagemap_dev_hold_put(struct drm_pagemap_dev_hold *hold)
{
	if (!hold)
		return;
	if (hold->drm)
		drm_dev_put(hold->drm);
	module_put(hold->module);
	kfree(hold);
}

/* Holds released from atomic context, dropped by drm_pagemap_unhold_work. */
static LLIST_HEAD(drm_pagemap_unhold_list);

static void drm_pagemap_unhold_work_fn(struct work_struct *work)
{
	struct llist_node *list = llist_del_all(&drm_pagemap_unhold_list);
	struct drm_pagemap_dev_hold *hold, *next;

	llist_for_each_entry_safe(hold, next, list, link)
		drm_pagemap_dev_hold_put(hold);
}

static DECLARE_WORK(drm_pagemap_unhold_work, drm_pagemap_unhold_work_fn);

/* Release @hold from any context but hard interrupts. */
static void drm_pagemap_dev_hold_put_deferred(struct drm_pagemap_dev_hold *hold)
{
	if (!hold)
		return;
	llist_add(&hold->link, &drm_pagemap_unhold_list);
	queue_work(drm_msvm_wq, &drm_pagemap_unhold_work);
}

/* Destruction deferred from atomic or reclaim context. */
static LLIST_HEAD(drm_pagemap_destroy_list);

static void __drm_pagemap_destroy(struct drm_pagemap *dpagemap)
{
	struct drm_pagemap_shrinker *shrinker = dpagemap->shrinker;
	struct drm_pagemap_dev_hold *hold = dpagemap->dev_hold;

	/*
	 * The provider frees @dpagemap: do not touch it afterwards. An
	 * active pagemap's hold keeps the provider module until its destroy
	 * callback has returned; an inactive one has none, its provider
	 * destroys its caches and flushes before it goes.
	 */
	if (dpagemap->ops->destroy)
		dpagemap->ops->destroy(dpagemap, false);
	else
		kfree(dpagemap);	/* from drm_pagemap_create() */
	atomic64_inc(&drm_pagemap_counters.destroyed);
	if (shrinker)
		drm_pagemap_shrinker_put(shrinker);
	drm_pagemap_dev_hold_put(hold);
}

static void drm_pagemap_destroy_work_fn(struct work_struct *work)
{
	struct llist_node *list = llist_del_all(&drm_pagemap_destroy_list);
	struct drm_pagemap *dpagemap, *next;

	llist_for_each_entry_safe(dpagemap, next, list, destroy_link)
		__drm_pagemap_destroy(dpagemap);
}

static DECLARE_WORK(drm_pagemap_destroy_work, drm_pagemap_destroy_work_fn);

/**
 * drm_pagemap_destroy() - destroy a pagemap nobody references
 * @dpagemap: the pagemap, with a zero reference count and off any cache
 * @is_atomic_or_reclaim: the caller is in atomic or reclaim context (or
 *			  holds a lock reclaim takes): defer the destruction
 *			  to the drm_msvm workqueue
 *
 * Calls &drm_pagemap_ops.destroy (or frees a pagemap of
 * drm_pagemap_create() without one), then drops the references on the drm
 * device and provider module taken by drm_pagemap_init().
 */
void drm_pagemap_destroy(struct drm_pagemap *dpagemap, bool is_atomic_or_reclaim)
{
	if (is_atomic_or_reclaim) {
		llist_add(&dpagemap->destroy_link, &drm_pagemap_destroy_list);
		queue_work(drm_msvm_wq, &drm_pagemap_destroy_work);
		return;
	}
	__drm_pagemap_destroy(dpagemap);
}
EXPORT_SYMBOL_GPL(drm_pagemap_destroy);

/**
 * drm_pagemap_flush_released() - wait for the deferred release of provider
 * references
 *
 * Returns once every provider reference (drm device, module) that a pagemap
 * going inactive or destroyed released before the call has been dropped.
 * Process context, not from the destroy callback.
 */
void drm_pagemap_flush_released(void)
{
	do {
		flush_work(&drm_pagemap_unhold_work);
	} while (!llist_empty(&drm_pagemap_unhold_list));
}
EXPORT_SYMBOL_GPL(drm_pagemap_flush_released);

/**
 * drm_pagemap_flush_destroyed() - wait for deferred pagemap destruction
 *
 * Returns once every pagemap whose destruction was deferred before the call
 * has been destroyed, and its provider references dropped. Must not be
 * called from the destroy callback.
 */
void drm_pagemap_flush_destroyed(void)
{
	do {
		flush_work(&drm_pagemap_destroy_work);
	} while (!llist_empty(&drm_pagemap_destroy_list));
	drm_pagemap_flush_released();
}
EXPORT_SYMBOL_GPL(drm_pagemap_flush_destroyed);

/* drm_pagemap_init() without the check for a destroy op. */
static int __drm_pagemap_init(struct drm_pagemap *dpagemap,
			      struct dev_pagemap *pagemap,
			      struct drm_device *drm,
			      const struct drm_pagemap_ops *ops)
{
	struct drm_pagemap_dev_hold *hold;

	hold = drm_pagemap_dev_hold_alloc();
	if (!hold)
		return -ENOMEM;
	if (!drm_pagemap_dev_hold_take(hold, drm)) {
		kfree(hold);
		return -ENODEV;
	}

	memset(dpagemap, 0, sizeof(*dpagemap));
	dpagemap->ops = ops;
	kref_init(&dpagemap->ref);
	dpagemap->drm = drm;
	dpagemap->pagemap = pagemap;
	INIT_LIST_HEAD(&dpagemap->shrink_link);
	init_rwsem(&dpagemap->revoke_sem);
	init_waitqueue_head(&dpagemap->populate_wq);
	dpagemap->dev_hold = hold;
	atomic64_inc(&drm_pagemap_counters.active);
	return 0;
}

/**
 * drm_pagemap_init() - initialize a pagemap with one reference
 * @dpagemap: the pagemap, usually embedded in a provider structure
 * @pagemap: its MEMORY_DEVICE_PRIVATE dev_pagemap, whose ops must be
 *	     drm_pagemap_pagemap_ops_get()
 * @drm: the provider's drm device, or NULL
 * @ops: the provider's operations; &drm_pagemap_ops.destroy is mandatory
 *	 (drm_pagemap_create() makes pagemaps that need none)
 *
 * While the pagemap is active (referenced) it references @drm and the
 * provider module (the owner of @drm's driver fops), so that the provider
 * stays while anything uses the pagemap, and &drm_pagemap_ops.destroy can
 * run after the last put. An inactive pagemap, kept by its cache for the
 * shrinker, references neither until it is revived (which fails with
 * -ENODEV once the module is going away): the provider must destroy its
 * caches and shrinkers, then call drm_pagemap_flush_destroyed(), before it
 * goes.
 *
 * Return: 0, -EINVAL without a destroy op, -ENOMEM, or -ENODEV if the
 * provider module is going away.
 */
int drm_pagemap_init(struct drm_pagemap *dpagemap,
		     struct dev_pagemap *pagemap, struct drm_device *drm,
		     const struct drm_pagemap_ops *ops)
{
	if (!ops || !ops->destroy)
		return -EINVAL;
	return __drm_pagemap_init(dpagemap, pagemap, drm, ops);
}
EXPORT_SYMBOL_GPL(drm_pagemap_init);

/**
 * drm_pagemap_create() - allocate and initialize a pagemap
 * @drm: the provider's drm device, see drm_pagemap_init()
 * @pagemap: its MEMORY_DEVICE_PRIVATE dev_pagemap
 * @ops: the provider's operations; without &drm_pagemap_ops.destroy the
 *	 pagemap is freed when it is destroyed
 *
 * Return: the pagemap with one reference, or an ERR_PTR() (-EINVAL without
 * @ops, -ENOMEM, or -ENODEV if the provider module is going away).
 */
struct drm_pagemap *drm_pagemap_create(struct drm_device *drm,
				       struct dev_pagemap *pagemap,
				       const struct drm_pagemap_ops *ops)
{
	struct drm_pagemap *dpagemap;
	int err;

	if (!ops)
		return ERR_PTR(-EINVAL);
	dpagemap = kzalloc(sizeof(*dpagemap), GFP_KERNEL);
	if (!dpagemap)
		return ERR_PTR(-ENOMEM);
	err = __drm_pagemap_init(dpagemap, pagemap, drm, ops);
	if (err) {
		kfree(dpagemap);
		return ERR_PTR(err);
	}
	return dpagemap;
}
EXPORT_SYMBOL_GPL(drm_pagemap_create);

/**
 * drm_pagemap_reinit() - make an inactive pagemap active again
 * @dpagemap: a pagemap whose last reference is gone and that no cache or
 *	      shrinker holds any longer
 *
 * Retakes the references on the drm device and the provider module that
 * the pagemap dropped when it went inactive, and gives it one reference:
 * drm_pagemap_get_from_cache() revives the pagemap of a cache with it,
 * after taking the pagemap off its shrinker. On failure the pagemap stays
 * inactive: hand it back with drm_pagemap_shrinker_add(). Process context.
 *
 * Return: 0, -EBUSY if @dpagemap is referenced or still held by a
 * shrinker, -ENOMEM, or -ENODEV if the provider module is going away.
 */
int drm_pagemap_reinit(struct drm_pagemap *dpagemap)
{
	struct drm_pagemap_dev_hold *hold;

	if (WARN_ON(kref_read(&dpagemap->ref) ||
		    !list_empty(&dpagemap->shrink_link) || dpagemap->dev_hold))
		return -EBUSY;
	hold = drm_pagemap_dev_hold_alloc();
	if (!hold)
		return -ENOMEM;
	if (!drm_pagemap_dev_hold_take(hold, dpagemap->drm)) {
		kfree(hold);
		return -ENODEV;
	}
	dpagemap->dev_hold = hold;
	kref_init(&dpagemap->ref);
	atomic64_inc(&drm_pagemap_counters.active);
	atomic64_inc(&drm_pagemap_counters.revived);
	return 0;
}
EXPORT_SYMBOL_GPL(drm_pagemap_reinit);

/* Last reference of an uncached pagemap: destroy it, deferred. */
static void drm_pagemap_release(struct kref *ref)
{
	struct drm_pagemap *dpagemap = container_of(ref, typeof(*dpagemap), ref);

	atomic64_dec(&drm_pagemap_counters.active);
	drm_pagemap_destroy(dpagemap, true);
}

/*
 * Called with the shrinker lock held, which it drops: an unreferenced
 * pagemap becomes inactive on the shrinker list, releasing its provider
 * references (deferred: this may be atomic context), or is destroyed
 * (deferred) if its cache let it go meanwhile.
 */
static void __drm_pagemap_shrinker_add(struct drm_pagemap *dpagemap)
	__releases(&dpagemap->shrinker->lock)
{
	struct drm_pagemap_shrinker *shrinker = dpagemap->shrinker;
	struct drm_pagemap_dev_hold *hold;

	if (dpagemap->cache) {
		hold = dpagemap->dev_hold;
		dpagemap->dev_hold = NULL;
		list_add_tail(&dpagemap->shrink_link, &shrinker->dpagemaps);
		shrinker->num_inactive++;
		atomic64_inc(&drm_pagemap_counters.inactive);
		spin_unlock(&shrinker->lock);
		drm_pagemap_dev_hold_put_deferred(hold);
		return;
	}
	spin_unlock(&shrinker->lock);
	drm_pagemap_destroy(dpagemap, true);
}

/*
 * Last reference of a pagemap that had a cache, called with the shrinker
 * lock held (kref_put_lock()).
 */
static void drm_pagemap_release_cached(struct kref *ref)
	__releases(&dpagemap->shrinker->lock)
{
	struct drm_pagemap *dpagemap = container_of(ref, typeof(*dpagemap), ref);

	atomic64_dec(&drm_pagemap_counters.active);
	__drm_pagemap_shrinker_add(dpagemap);
}

/**
 * drm_pagemap_shrinker_add() - hand an unreferenced pagemap to its shrinker
 * @dpagemap: a pagemap with no reference left, on no shrinker list
 *
 * A pagemap of a cache becomes inactive on the cache's shrinker list,
 * dropping its references on the drm device and the provider module,
 * revivable by drm_pagemap_get_from_cache() until the shrinker destroys it;
 * any other pagemap is destroyed (deferred). drm_pagemap_put() does this at
 * the last put; drivers need it only to hand back a pagemap that
 * drm_pagemap_reinit() failed to revive. Any context but hard interrupts.
 */
void drm_pagemap_shrinker_add(struct drm_pagemap *dpagemap)
{
	struct drm_pagemap_shrinker *shrinker = READ_ONCE(dpagemap->shrinker);

	if (WARN_ON(kref_read(&dpagemap->ref)))
		return;
	if (!shrinker) {
		drm_pagemap_destroy(dpagemap, true);
		return;
	}
	spin_lock(&shrinker->lock);
	if (WARN_ON(!list_empty(&dpagemap->shrink_link))) {
		spin_unlock(&shrinker->lock);
		return;
	}
	__drm_pagemap_shrinker_add(dpagemap);
}
EXPORT_SYMBOL_GPL(drm_pagemap_shrinker_add);

#ifdef CONFIG_PROVE_LOCKING
/**
 * drm_pagemap_shrinker_might_lock() - tell lockdep what a last put locks
 * @dpagemap: the pagemap
 *
 * The last drm_pagemap_put() of a cached pagemap takes its shrinker's lock
 * (drm_pagemap_shrinker_add()). Call this where a put may come, to have
 * lockdep check the lock order there even when the put is not the last.
 */
void drm_pagemap_shrinker_might_lock(struct drm_pagemap *dpagemap)
{
	struct drm_pagemap_shrinker *shrinker = READ_ONCE(dpagemap->shrinker);

	if (shrinker)
		might_lock(&shrinker->lock);
}
EXPORT_SYMBOL_GPL(drm_pagemap_shrinker_might_lock);
#endif

/**
 * drm_pagemap_put() - drop a reference on a pagemap
 * @dpagemap: the pagemap, or NULL
 *
 * Any context but hard interrupts. The last reference hands a cached
 * pagemap to its cache's shrinker (inactive, revivable); an uncached one is
 * destroyed from the drm_msvm workqueue, never under the caller's locks.
 */
void drm_pagemap_put(struct drm_pagemap *dpagemap)
{
	struct drm_pagemap_shrinker *shrinker;

	if (!dpagemap)
		return;

	drm_pagemap_shrinker_might_lock(dpagemap);
	shrinker = READ_ONCE(dpagemap->shrinker);
	if (shrinker) {
		kref_put_lock(&dpagemap->ref, drm_pagemap_release_cached,
			      &shrinker->lock);
	} else {
		kref_put(&dpagemap->ref, drm_pagemap_release);
	}
}
EXPORT_SYMBOL_GPL(drm_pagemap_put);

static void drm_pagemap_page_free(struct page *page)
{
	struct drm_pagemap_zdd *zdd = page->zone_device_data;

	page->zone_device_data = NULL;
	if (zdd)
		drm_pagemap_zdd_put(zdd);
}

static vm_fault_t drm_pagemap_cpu_fault(struct vm_fault *vmf);

static const struct dev_pagemap_ops drm_pagemap_pagemap_ops = {
	.page_free = drm_pagemap_page_free,
	.migrate_to_ram = drm_pagemap_cpu_fault,
};

/**
 * drm_pagemap_pagemap_ops_get() - the dev_pagemap_ops for drm_pagemap pages
 *
 * Providers put these in the &dev_pagemap.ops of their pagemap: page_free
 * drops the page's zdd reference, migrate_to_ram serves CPU faults.
 *
 * Return: the ops.
 */
const struct dev_pagemap_ops *drm_pagemap_pagemap_ops_get(void)
{
	return &drm_pagemap_pagemap_ops;
}
EXPORT_SYMBOL_GPL(drm_pagemap_pagemap_ops_get);

static struct drm_pagemap_zdd *drm_pagemap_page_zdd(struct page *page)
{
	if (!is_device_private_page(page) ||
	    page->pgmap->ops != &drm_pagemap_pagemap_ops)
		return NULL;
	return page->zone_device_data;
}

/**
 * drm_pagemap_page_to_dpagemap() - the pagemap a device page belongs to
 * @page: a device-private page
 *
 * The caller must keep @page from being freed (hold a reference or the
 * lock that makes a hmm_range_fault() result valid). No reference is taken.
 *
 * Return: the &struct drm_pagemap, or NULL if @page is not a drm_pagemap
 * page in use.
 */
struct drm_pagemap *drm_pagemap_page_to_dpagemap(struct page *page)
{
	struct drm_pagemap_zdd *zdd = drm_pagemap_page_zdd(page);

	return zdd ? zdd->dpagemap : NULL;
}
EXPORT_SYMBOL_GPL(drm_pagemap_page_to_dpagemap);

/**
 * drm_pagemap_page_to_devmem() - the device-memory allocation of a page
 * @page: a device-private page
 *
 * As for drm_pagemap_page_to_dpagemap(), the caller keeps @page from being
 * freed; no reference is taken.
 *
 * Return: the &struct drm_pagemap_devmem backing @page, or NULL if @page is
 * not a drm_pagemap page in use.
 */
struct drm_pagemap_devmem *drm_pagemap_page_to_devmem(struct page *page)
{
	struct drm_pagemap_zdd *zdd = drm_pagemap_page_zdd(page);

	return zdd ? zdd->devmem_allocation : NULL;
}
EXPORT_SYMBOL_GPL(drm_pagemap_page_to_devmem);

/**
 * drm_pagemap_devmem_init() - initialize a device-memory allocation
 * @devmem_allocation: the allocation
 * @dev: the device that copies (system pages are DMA-mapped for it)
 * @mm: the mm it is made for, or NULL; the caller keeps the mm_struct valid
 *	(mmgrab()) as long as the allocation exists (see
 *	&drm_pagemap_devmem.mm)
 * @ops: its operations
 * @dpagemap: the pagemap of its memory
 * @size: its size in bytes, a multiple of PAGE_SIZE
 * @pre_migrate_fence: a fence the copies into the allocation must wait for,
 *		       or NULL; the allocation takes over the caller's
 *		       reference (see &drm_pagemap_devmem.pre_migrate_fence)
 */
void drm_pagemap_devmem_init(struct drm_pagemap_devmem *devmem_allocation,
			     struct device *dev, struct mm_struct *mm,
			     const struct drm_pagemap_devmem_ops *ops,
			     struct drm_pagemap *dpagemap, size_t size,
			     struct dma_fence *pre_migrate_fence)
{
	devmem_allocation->dev = dev;
	devmem_allocation->mm = mm;
	devmem_allocation->ops = ops;
	devmem_allocation->dpagemap = dpagemap;
	devmem_allocation->size = size;
	devmem_allocation->start = 0;
	devmem_allocation->pgoff = 0;
	devmem_allocation->timeslice_expiration = 0;
	devmem_allocation->pre_migrate_fence = pre_migrate_fence;
}
EXPORT_SYMBOL_GPL(drm_pagemap_devmem_init);

/* The arrays of one migration, in one allocation. */
struct drm_pagemap_mbuf {
	unsigned long *src;
	unsigned long *dst;
	struct page **pages;
	struct drm_pagemap_addr *addr;
	/*
	 * to devmem: the allocation whose copy_to_ram copies the page (NULL:
	 * system, the destination copies); to ram: the source devmem
	 */
	void **owner;
	bool *mapped;
};

static int drm_pagemap_mbuf_alloc(struct drm_pagemap_mbuf *buf,
				  unsigned long npages)
{
	size_t each = 2 * sizeof(unsigned long) + sizeof(struct page *) +
		sizeof(struct drm_pagemap_addr) + sizeof(void *) +
		sizeof(bool);
	void *mem = kvcalloc(npages, each, GFP_KERNEL);

	if (!mem)
		return -ENOMEM;
	buf->addr = mem;
	buf->src = (unsigned long *)(buf->addr + npages);
	buf->dst = buf->src + npages;
	buf->pages = (struct page **)(buf->dst + npages);
	buf->owner = (void **)(buf->pages + npages);
	buf->mapped = (bool *)(buf->owner + npages);
	return 0;
}

static void drm_pagemap_mbuf_free(struct drm_pagemap_mbuf *buf)
{
	kvfree(buf->addr);
}

/* Unlock and free the destination pages not migrated yet, clear them. */
static void drm_pagemap_unlock_put_dst(unsigned long *dst, unsigned long npages)
{
	unsigned long i;

	for (i = 0; i < npages; i++) {
		struct page *page = migrate_pfn_to_page(dst[i]);

		if (!page)
			continue;
		unlock_page(page);
		put_page(page);
		dst[i] = 0;
	}
}

/*
 * The allocation a collected source page belongs to: NULL for a system
 * page or a hole (copied by the destination), else the device allocation
 * whose copy_to_ram copies it. Set once the sources are checked.
 */
static struct drm_pagemap_devmem *
drm_pagemap_src_devmem(const struct drm_pagemap_mbuf *buf, unsigned long i)
{
	return buf->owner[i];
}

/* Whether the copies of @a's and @b's pages are done by the same call. */
static bool drm_pagemap_same_copier(const struct drm_pagemap_devmem *a,
				    const struct drm_pagemap_devmem *b)
{
	if (!a || !b)
		return a == b;
	return a->dpagemap == b->dpagemap && a->ops == b->ops &&
	       a->dev == b->dev;
}

/*
 * Copy the run [@first, @first + @n) of system pages (and never-populated
 * holes) into @devmem with its copy_to_devmem: each system page is
 * DMA-mapped for the destination device, a hole gets the address 0
 * (%DRM_INTERCONNECT_SYSTEM) and is zero-filled by the destination.
 * Every mapping is undone before returning.
 */
static int drm_pagemap_copy_run_from_sys(struct drm_pagemap_mbuf *buf,
					 struct drm_pagemap_devmem *devmem,
					 unsigned long first, unsigned long n)
{
	struct device *dev = devmem->dev;
	unsigned long i, end = first + n;
	int err = 0;

	for (i = first; i < end; i++) {
		struct page *spage = migrate_pfn_to_page(buf->src[i]);
		dma_addr_t dma;

		buf->mapped[i] = false;
		if (!spage) {
			buf->addr[i] = drm_pagemap_addr_encode(0,
							       DRM_INTERCONNECT_SYSTEM,
							       0, DMA_TO_DEVICE);
			continue;
		}
		dma = dma_map_page(dev, spage, 0, PAGE_SIZE, DMA_TO_DEVICE);
		if (dma_mapping_error(dev, dma)) {
			err = -ENOMEM;
			goto out_unmap;
		}
		buf->addr[i] = drm_pagemap_addr_encode(dma,
						       DRM_INTERCONNECT_SYSTEM,
						       0, DMA_TO_DEVICE);
		buf->mapped[i] = true;
	}
	err = devmem->ops->copy_to_devmem(buf->pages + first, buf->addr + first,
					  n, devmem->pre_migrate_fence);
out_unmap:
	for (i = first; i < end; i++) {
		if (buf->mapped[i])
			dma_unmap_page(dev, buf->addr[i].addr, PAGE_SIZE,
				       DMA_TO_DEVICE);
		buf->mapped[i] = false;
	}
	return err;
}

/*
 * Copy the run [@first, @first + @n) of device pages of @src (a peer
 * pagemap's allocation, or one of the destination pagemap's own when
 * can_migrate_same_pagemap) into @devmem with the source's copy_to_ram:
 * each destination page is mapped by the destination pagemap's device_map
 * for the source's device (a peer address, or the device's own address
 * of its memory), and the source device writes it directly, over the
 * interconnect, never through system memory. Every mapping is undone
 * before returning.
 */
static int drm_pagemap_copy_run_from_peer(struct drm_pagemap_mbuf *buf,
					  struct drm_pagemap_devmem *devmem,
					  struct drm_pagemap_devmem *src,
					  unsigned long first, unsigned long n)
{
	struct drm_pagemap *dpagemap = devmem->dpagemap;
	unsigned long i, end = first + n;
	int err = 0;

	for (i = first; i < end; i++) {
		struct page *dpage = migrate_pfn_to_page(buf->dst[i]);

		buf->mapped[i] = false;
		buf->addr[i] = dpagemap->ops->device_map(dpagemap, src->dev,
							 dpage, 0,
							 DMA_FROM_DEVICE);
		if (buf->addr[i].addr == DMA_MAPPING_ERROR) {
			/* Not reachable from the source device. */
			err = -EFAULT;
			goto out_unmap;
		}
		buf->mapped[i] = true;
	}
	err = src->ops->copy_to_ram(buf->pages + first, buf->addr + first, n,
				    devmem->pre_migrate_fence);
out_unmap:
	for (i = first; i < end; i++) {
		if (buf->mapped[i] && dpagemap->ops->device_unmap)
			dpagemap->ops->device_unmap(dpagemap, src->dev,
						    &buf->addr[i]);
		buf->mapped[i] = false;
	}
	return err;
}

/*
 * Whether a collected page of a writable mapping is mapped read-only: then
 * it may be shared copy-on-write with another process (after fork()), or
 * be a KSM page.
 */
static bool drm_pagemap_src_shared(const unsigned long *src,
				   unsigned long npages)
{
	unsigned long i;

	for (i = 0; i < npages; i++)
		if ((src[i] & MIGRATE_PFN_MIGRATE) && migrate_pfn_to_page(src[i]) &&
		    !(src[i] & MIGRATE_PFN_WRITE))
			return true;
	return false;
}

/*
 * Make the read-only pages of @src this process's own, as a CPU write
 * would: a write fault breaks the copy-on-write sharing (a device page is
 * first migrated back to system memory by its pagemap, a second fault then
 * breaks the sharing). The mmap lock stays held throughout.
 */
static int drm_pagemap_break_cow(struct mm_struct *mm, unsigned long start,
				 const unsigned long *src, unsigned long npages)
{
	unsigned long i;
	int pass, err;

	/* migrate_vma_pages() cleared MIGRATE_PFN_MIGRATE: not checked. */
	for (i = 0; i < npages; i++) {
		if (!migrate_pfn_to_page(src[i]) ||
		    (src[i] & MIGRATE_PFN_WRITE))
			continue;
		for (pass = 0; pass < 2; pass++) {
			err = fixup_user_fault(mm, start + i * PAGE_SIZE,
					       FAULT_FLAG_WRITE |
					       FAULT_FLAG_REMOTE, NULL);
			if (err)
				return err;
		}
	}
	return 0;
}

/* How often a migration breaks copy-on-write sharing before it gives up. */
#define DRM_PAGEMAP_COW_TRIES 2

/**
 * drm_pagemap_migrate_to_devmem() - migrate a range of an mm to device memory
 * @devmem_allocation: the destination allocation, initialized with
 *		       drm_pagemap_devmem_init(), of @end - @start bytes
 * @mm: the mm, with its mmap lock held (read)
 * @start: the start address, page aligned
 * @end: the end address, page aligned, in the same VMA as @start
 * @mdetails: options, or NULL
 *
 * Migrates every page of [@start, @end) of an anonymous private mapping
 * into @devmem_allocation, in address order, one copy call per run of
 * consecutive pages with the same copier, each handed
 * &drm_pagemap_devmem.pre_migrate_fence (the fence reference is dropped
 * once every copy succeeded):
 *
 * - system pages are DMA-mapped for &drm_pagemap_devmem.dev and copied by
 *   the destination's &drm_pagemap_devmem_ops.copy_to_devmem
 *   (never-populated pages are zero-filled by it without a copy);
 * - device pages of another pagemap with the destination's owner (a peer)
 *   are copied by the *source*: the destination pagemap's device_map maps
 *   the destination pages for the source allocation's device, and the
 *   source allocation's &drm_pagemap_devmem_ops.copy_to_ram writes them
 *   there, directly over the interconnect; the mappings are undone after
 *   the run. One run spans pages of one source pagemap and ops.
 *
 * Pages already in the destination pagemap: if all of them are there,
 * nothing is done and 0 is returned. If only some are, the migration is
 * refused with -EBUSY unless
 * &drm_pagemap_migrate_details.can_migrate_same_pagemap is set: then they
 * move into @devmem_allocation too, copied as peer pages are (their
 * allocation's copy_to_ram, to the destination pages as device_map gives
 * them to their own device).
 *
 * All or nothing: if a page cannot be collected (pinned, locked, or in a
 * pagemap of another owner), or any mapping or copy fails, nothing moves
 * (every source page stays, with its data, and no destination page is
 * kept) and the error is returned: -EBUSY for the former, -EFAULT for a
 * destination page that device_map cannot map for a source device.
 *
 * Only this process's own memory moves. In a writable mapping, a page
 * mapped read-only may be shared copy-on-write with another process (after
 * fork()); migrating it would move that process's memory into this device
 * as well. Such pages are first made private, as a CPU write would make
 * them (a copy for a shared page, none for a page this process alone
 * maps), and then migrated. In a read-only mapping pages move as they are:
 * nobody can write them through it, and their data is the same for every
 * process that shares them.
 *
 * @devmem_allocation is always consumed: once its pages are gone, or on
 * any error, &drm_pagemap_devmem_ops.devmem_release is called for it.
 *
 * Context: process context, @mm's mmap lock held for read. The copy
 * operations (the destination's copy_to_devmem, a source allocation's
 * copy_to_ram) and the destination pagemap's device_map / device_unmap
 * are called with the destination's &drm_pagemap.revoke_sem held for read
 * and the migrating pages locked: the destination's revoke waits for the
 * migration, a source's revoke retries the locked pages until it is done.
 *
 * Return: 0; -EOPNOTSUPP if @devmem_allocation lacks a populate or copy
 * operation; -ENOENT if no VMA holds @start; -EINVAL for a range beyond
 * that VMA, unaligned, or of another size than the allocation; -EBUSY for
 * a range that is not anonymous private memory, and as above; -EFAULT as
 * above; -ENODEV if the pagemap was revoked; -ENOMEM; or the error of a
 * devmem operation.
 */
int drm_pagemap_migrate_to_devmem(struct drm_pagemap_devmem *devmem_allocation,
				  struct mm_struct *mm,
				  unsigned long start, unsigned long end,
				  const struct drm_pagemap_migrate_details *mdetails)
{
	const struct drm_pagemap_devmem_ops *ops = devmem_allocation->ops;
	struct drm_pagemap *dpagemap = devmem_allocation->dpagemap;
	unsigned long npages = (end - start) >> PAGE_SHIFT;
	unsigned long timeslice_ms = mdetails ? mdetails->timeslice_ms : 0;
	bool same_pagemap = mdetails && mdetails->can_migrate_same_pagemap;
	struct migrate_vma migrate = {
		.start = start,
		.end = end,
		.pgmap_owner = dpagemap->pagemap->owner,
		.flags = MIGRATE_VMA_SELECT_SYSTEM |
			 MIGRATE_VMA_SELECT_DEVICE_PRIVATE,
	};
	struct drm_pagemap_mbuf buf;
	struct drm_pagemap_zdd *zdd;
	struct vm_area_struct *vma;
	unsigned long i, run, own = 0;
	int cow_tries = 0;
	int err;

	mmap_assert_locked(mm);

	if (!ops->populate_devmem_pfn || !ops->copy_to_devmem ||
	    !ops->copy_to_ram) {
		err = -EOPNOTSUPP;
		goto out_release;
	}
	if (!PAGE_ALIGNED(start) || !PAGE_ALIGNED(end) || start >= end ||
	    devmem_allocation->size != end - start) {
		err = -EINVAL;
		goto out_release;
	}
	vma = vma_lookup(mm, start);
	if (!vma) {
		err = -ENOENT;
		goto out_release;
	}
	if (end > vma->vm_end) {
		err = -EINVAL;
		goto out_release;
	}
	if (!vma_is_anonymous(vma) || (vma->vm_flags & VM_SHARED)) {
		err = -EBUSY;
		goto out_release;
	}
	migrate.vma = vma;
	devmem_allocation->start = start;
	devmem_allocation->pgoff = linear_page_index(vma, start);

	err = drm_pagemap_mbuf_alloc(&buf, npages);
	if (err)
		goto out_release;

	zdd = drm_pagemap_zdd_alloc(dpagemap, devmem_allocation);
	if (!zdd) {
		err = -ENOMEM;
		goto out_free_buf;
	}
	/* From here on the zdd owns the allocation. */

	down_read(&dpagemap->revoke_sem);
	if (dpagemap->revoked) {
		err = -ENODEV;
		goto out_unlock;
	}

	migrate.src = buf.src;
	migrate.dst = buf.dst;
again:
	err = migrate_vma_setup(&migrate);
	if (err)
		goto out_unlock;
	if (migrate.cpages != npages) {
		err = -EBUSY;
		goto out_finalize;
	}
	if ((vma->vm_flags & VM_WRITE) &&
	    drm_pagemap_src_shared(buf.src, npages)) {
		if (cow_tries++ == DRM_PAGEMAP_COW_TRIES) {
			err = -EBUSY;
			goto out_finalize;
		}
		/* Nothing is copied yet: put every page back, unmoved. */
		migrate_vma_pages(&migrate);
		migrate_vma_finalize(&migrate);
		err = drm_pagemap_break_cow(mm, start, buf.src, npages);
		if (err)
			goto out_unlock;
		goto again;
	}

	/*
	 * Who copies each page: the destination for system pages and holes,
	 * the allocation of a device page for that page. Pages already in
	 * the destination pagemap move only with can_migrate_same_pagemap,
	 * and only if not all of them are there.
	 */
	for (i = 0; i < npages; i++) {
		struct page *spage = migrate_pfn_to_page(buf.src[i]);
		struct drm_pagemap_devmem *sdevmem = NULL;

		if (spage && is_device_private_page(spage)) {
			sdevmem = drm_pagemap_page_to_devmem(spage);
			if (!sdevmem) {
				/* Not a drm_pagemap page in use. */
				err = -EBUSY;
				goto out_finalize;
			}
			if (spage->pgmap == dpagemap->pagemap)
				own++;
		}
		buf.owner[i] = sdevmem;
	}
	if (own == npages) {
		/* Everything is there already: nothing to do. */
		err = 0;
		goto out_finalize;
	}
	if (own && !same_pagemap) {
		err = -EBUSY;
		goto out_finalize;
	}

	err = ops->populate_devmem_pfn(devmem_allocation, npages, buf.dst);
	if (err) {
		memset(buf.dst, 0, npages * sizeof(*buf.dst));
		goto out_finalize;
	}
	for (i = 0; i < npages; i++) {
		struct page *spage = migrate_pfn_to_page(buf.src[i]);
		struct page *page = pfn_to_page(buf.dst[i]);

		if (page->pgmap != dpagemap->pagemap) {
			memset(buf.dst + i, 0, (npages - i) * sizeof(*buf.dst));
			err = -EINVAL;
			goto out_put_dst;
		}
		zone_device_page_init(page);
		page->zone_device_data = drm_pagemap_zdd_get(zdd);
		buf.dst[i] = migrate_pfn(buf.dst[i]);
		/* What the copier is handed: its own pages. */
		buf.pages[i] = buf.owner[i] ? spage : page;
	}

	for (i = 0; i < npages; i = run) {
		struct drm_pagemap_devmem *sdevmem = drm_pagemap_src_devmem(&buf, i);

		for (run = i + 1; run < npages; run++)
			if (!drm_pagemap_same_copier(sdevmem,
						     drm_pagemap_src_devmem(&buf, run)))
				break;
		if (sdevmem)
			err = drm_pagemap_copy_run_from_peer(&buf,
							     devmem_allocation,
							     sdevmem, i,
							     run - i);
		else
			err = drm_pagemap_copy_run_from_sys(&buf,
							    devmem_allocation,
							    i, run - i);
		if (err)
			goto out_put_dst;
	}
	/* Every copy waited for it: the allocation needs it no more. */
	dma_fence_put(devmem_allocation->pre_migrate_fence);
	devmem_allocation->pre_migrate_fence = NULL;

	WRITE_ONCE(devmem_allocation->timeslice_expiration,
		   get_jiffies_64() + msecs_to_jiffies(timeslice_ms));
	migrate_vma_pages(&migrate);
	for (i = 0; i < npages; i++)
		if (buf.dst[i] && !(buf.src[i] & MIGRATE_PFN_MIGRATE))
			err = -EBUSY;
	migrate_vma_finalize(&migrate);
	goto out_unlock;

out_put_dst:
	drm_pagemap_unlock_put_dst(buf.dst, npages);
out_finalize:
	migrate_vma_pages(&migrate);
	migrate_vma_finalize(&migrate);
out_unlock:
	up_read(&dpagemap->revoke_sem);
	/* The last zdd reference releases the allocation if no page took it. */
	drm_pagemap_zdd_put(zdd);
	drm_pagemap_mbuf_free(&buf);
	return err;

out_free_buf:
	drm_pagemap_mbuf_free(&buf);

out_release:
	devmem_allocation->ops->devmem_release(devmem_allocation);
	return err;
}
EXPORT_SYMBOL_GPL(drm_pagemap_migrate_to_devmem);

/* Whether @page is one of the @npages of @pages; never for a NULL @page. */
static bool drm_pagemap_run_holds(struct page **pages, unsigned long npages,
				  const struct page *page)
{
	unsigned long i;

	for (i = 0; page && i < npages; i++)
		if (pages[i] == page)
			return true;
	return false;
}

/*
 * For the collected device pages in @buf->src (of allocation @only alone,
 * unless NULL), allocate system pages, map them for the device of the
 * allocation each page belongs to, copy with one call per run of
 * consecutive pages of one allocation, and unmap. Pages that
 * get no system page stay where they are (dst 0), and so do the pages of a
 * run whose copy fails with -ENOMEM (the copy could not allocate), unless
 * the run holds @fault_page: under memory pressure the window migrates
 * what it can and the fault always makes progress or fails alone. On any
 * other copy error nothing is migrated: every dst is freed and cleared. The
 * caller then calls migrate_*_pages() and migrate_*_finalize().
 */
static int drm_pagemap_copy_to_ram(struct drm_pagemap_mbuf *buf,
				   unsigned long npages,
				   struct vm_area_struct *vma,
				   unsigned long start, struct page *fault_page,
				   const struct drm_pagemap_devmem *only)
{
	unsigned long i, run;
	int err = 0;

	memset(buf->dst, 0, npages * sizeof(*buf->dst));
	memset(buf->owner, 0, npages * sizeof(*buf->owner));
	memset(buf->mapped, 0, npages * sizeof(*buf->mapped));
	for (i = 0; i < npages; i++) {
		struct page *spage = migrate_pfn_to_page(buf->src[i]);
		struct drm_pagemap_zdd *zdd;
		struct drm_pagemap_devmem *devmem;
		struct page *dpage;
		dma_addr_t dma;

		if (!spage || !(buf->src[i] & MIGRATE_PFN_MIGRATE))
			continue;
		zdd = drm_pagemap_page_zdd(spage);
		devmem = zdd ? zdd->devmem_allocation : NULL;
		if (!devmem || (only && devmem != only))
			continue;

		if (vma)
			dpage = alloc_page_vma(GFP_HIGHUSER, vma,
					       start + i * PAGE_SIZE);
		else
			dpage = alloc_page(GFP_HIGHUSER);
		if (!dpage) {
			if (spage == fault_page) {
				err = -ENOMEM;
				goto err_put;
			}
			continue;
		}
		lock_page(dpage);
		buf->dst[i] = migrate_pfn(page_to_pfn(dpage));

		dma = dma_map_page(devmem->dev, dpage, 0, PAGE_SIZE,
				   DMA_FROM_DEVICE);
		if (dma_mapping_error(devmem->dev, dma)) {
			err = -ENOMEM;
			goto err_put;
		}
		buf->addr[i] = drm_pagemap_addr_encode(dma,
						       DRM_INTERCONNECT_SYSTEM,
						       0, DMA_FROM_DEVICE);
		buf->owner[i] = devmem;
		buf->pages[i] = spage;
		buf->mapped[i] = true;
	}

	for (i = 0; i < npages; i = run) {
		struct drm_pagemap_devmem *devmem = buf->owner[i];

		for (run = i + 1; run < npages; run++)
			if (buf->owner[run] != devmem)
				break;
		if (!devmem)
			continue;
		err = devmem->ops->copy_to_ram(buf->pages + i, buf->addr + i,
					       run - i, NULL);
		if (err == -ENOMEM &&
		    !drm_pagemap_run_holds(buf->pages + i, run - i,
					   fault_page)) {
			/* Leave the run in device memory. */
			drm_pagemap_unlock_put_dst(buf->dst + i, run - i);
			err = 0;
			continue;
		}
		if (err)
			break;
	}

	/*
	 * The system page is now the only copy of what the device may have
	 * written: dirty it. Migration hands the page flags on, system page
	 * to device page and back, and nothing dirties a device page: a
	 * lazily freed (MADV_FREE) page would come back clean and not
	 * swap-backed, and reclaim would drop the device's writes.
	 */
	for (i = 0; !err && i < npages; i++) {
		struct page *dpage = migrate_pfn_to_page(buf->dst[i]);

		if (dpage)
			folio_mark_dirty(page_folio(dpage));
	}

err_put:
	for (i = 0; i < npages; i++) {
		struct drm_pagemap_devmem *devmem = buf->owner[i];

		if (buf->mapped[i])
			dma_unmap_page(devmem->dev, buf->addr[i].addr,
				       PAGE_SIZE, DMA_FROM_DEVICE);
		buf->mapped[i] = false;
	}
	if (err)
		drm_pagemap_unlock_put_dst(buf->dst, npages);
	return err;
}

/* The most pages one migrate_vma_setup() of a migration to RAM collects. */
#define DRM_PAGEMAP_RANGE_CHUNK 512UL

/*
 * Migrate the device pages of owner @pgmap_owner (of allocation @only alone,
 * unless NULL) mapped in [@start, @end) of @mm to system memory, in chunks
 * of at most @cap pages (the size of @buf). The mmap lock is held.
 */
static int drm_pagemap_range_to_ram_locked(struct mm_struct *mm,
					   unsigned long start,
					   unsigned long end,
					   void *pgmap_owner,
					   struct drm_pagemap_mbuf *buf,
					   unsigned long cap,
					   const struct drm_pagemap_devmem *only)
{
	unsigned long addr = start;
	int err = 0;

	mmap_assert_locked(mm);
	while (addr < end && !err) {
		struct vm_area_struct *vma = find_vma(mm, addr);
		struct migrate_vma migrate = {
			.src = buf->src,
			.dst = buf->dst,
			.pgmap_owner = pgmap_owner,
			.flags = MIGRATE_VMA_SELECT_DEVICE_PRIVATE,
		};
		unsigned long npages;

		if (!vma || vma->vm_start >= end)
			break;
		addr = max(addr, vma->vm_start);
		migrate.vma = vma;
		migrate.start = addr;
		migrate.end = min3(end, vma->vm_end, addr + (cap << PAGE_SHIFT));
		npages = (migrate.end - migrate.start) >> PAGE_SHIFT;
		addr = migrate.end;
		/* Device-private pages live in anonymous private memory only. */
		if (!vma_is_anonymous(vma) || (vma->vm_flags & VM_SHARED))
			continue;

		err = migrate_vma_setup(&migrate);
		if (err)
			break;
		if (migrate.cpages)
			err = drm_pagemap_copy_to_ram(buf, npages, vma,
						      migrate.start, NULL, only);
		migrate_vma_pages(&migrate);
		migrate_vma_finalize(&migrate);
		cond_resched();
	}
	return err;
}

/*
 * The most VMAs one try of an eviction looks into for moved pages: the
 * process whose memory is evicted chooses its VMAs, the evictor is another.
 */
#define DRM_PAGEMAP_MOVED_VMAS 16

/*
 * The pages of @devmem that mremap() moved within its mm: every anonymous
 * VMA whose page offsets overlap those of the allocation (mremap() keeps a
 * page's offset) is looked at there, but the VMA of the allocation's own
 * range, DRM_PAGEMAP_MOVED_VMAS at most. Pages of other allocations found
 * that way are left alone.
 */
static int drm_pagemap_moved_to_ram_locked(struct mm_struct *mm,
					   struct drm_pagemap_devmem *devmem,
					   struct drm_pagemap_mbuf *buf,
					   unsigned long cap)
{
	pgoff_t first = devmem->pgoff;
	pgoff_t last = first + (devmem->size >> PAGE_SHIFT);
	struct vm_area_struct *vma;
	int err = 0, left = DRM_PAGEMAP_MOVED_VMAS;

	VMA_ITERATOR(vmi, mm, 0);

	for_each_vma(vmi, vma) {
		pgoff_t vfirst = vma->vm_pgoff, vlast = vfirst + vma_pages(vma);
		unsigned long start, end;

		if (!vma_is_anonymous(vma) || (vma->vm_flags & VM_SHARED) ||
		    vlast <= first || vfirst >= last)
			continue;
		start = vma->vm_start + ((max(first, vfirst) - vfirst) << PAGE_SHIFT);
		end = vma->vm_start + ((min(last, vlast) - vfirst) << PAGE_SHIFT);
		/* Where the pages were migrated from: looked at already. */
		if (start <= devmem->start && devmem->start < end)
			continue;
		err = drm_pagemap_range_to_ram_locked(mm, start, end,
						      devmem->dpagemap->pagemap->owner,
						      buf, cap, devmem);
		if (err || !--left)
			break;
	}
	return err;
}

/*
 * Migrate the pages of @devmem still mapped where they were migrated to it,
 * in its mm, to system memory; with @moved, also those mremap() moved. If
 * that mm is @held_mm, the caller holds its mmap lock.
 *
 * Only ever through migrate_vma_*() under the mmap lock, never through
 * migrate_device_range(): on Linux 6.12 the latter takes no reference on
 * the anon_vma of the pages it unmaps, so a process that unmaps them or
 * exits during the copy frees the anon_vma that migrate_device_finalize()
 * then walks. Under the mmap lock the VMA found holds that anon_vma.
 *
 * Any other mm that is exiting, or whose mmap lock is not free for reading,
 * is skipped: the caller may be holding another mm's mmap lock, so this
 * never waits for one (and a trylock of @held_mm would fail as long as a
 * writer waits behind the caller). Pages that a fork() child alone maps are left where
 * they are.
 */
static int drm_pagemap_evict_mapped(struct drm_pagemap_mbuf *buf,
				    unsigned long cap,
				    struct drm_pagemap_devmem *devmem,
				    bool moved, struct mm_struct *held_mm)
{
	struct mm_struct *mm = devmem->mm;
	int err;

	if (!mm || !devmem->start)
		return 0;
	if (mm != held_mm) {
		if (!mmget_not_zero(mm))
			return 0;
		if (!mmap_read_trylock(mm)) {
			mmput_async(mm);
			return 0;
		}
	}
	err = drm_pagemap_range_to_ram_locked(mm, devmem->start,
					      devmem->start + devmem->size,
					      devmem->dpagemap->pagemap->owner,
					      buf, cap, devmem);
	if (!err && moved)
		err = drm_pagemap_moved_to_ram_locked(mm, devmem, buf, cap);
	if (mm == held_mm)
		return err;
	mmap_read_unlock(mm);
	/* Never the exit of @mm under another mm's mmap lock. */
	mmput_async(mm);
	return err;
}

/*
 * Evict the allocations of the device pages at @pfns that are in use with
 * drm_pagemap_evict_mapped(), each allocation once. Return 0 or the error
 * of a copy.
 */
static int drm_pagemap_evict_mapped_pfns(struct drm_pagemap_mbuf *buf,
					 unsigned long cap,
					 const unsigned long *pfns,
					 unsigned long npages, bool moved)
{
	const struct drm_pagemap_devmem *last = NULL;
	unsigned long i;
	int err = 0;

	for (i = 0; i < npages && !err; i++) {
		struct page *page = pfn_to_page(pfns[i]);
		struct drm_pagemap_zdd *zdd;

		if (!get_page_unless_zero(page))
			continue;
		/* Our page reference keeps its zdd reference, the zdd alive. */
		zdd = drm_pagemap_page_zdd(page);
		if (zdd && zdd->devmem_allocation &&
		    zdd->devmem_allocation != last)
			drm_pagemap_zdd_get(zdd);
		else
			zdd = NULL;
		put_page(page);
		if (!zdd)
			continue;
		last = zdd->devmem_allocation;
		err = drm_pagemap_evict_mapped(buf, cap, zdd->devmem_allocation,
					       moved, NULL);
		drm_pagemap_zdd_put(zdd);
	}
	return err;
}

/* The number of the device pages at @pfns still in use. */
static unsigned long drm_pagemap_pfns_busy(const unsigned long *pfns,
					   unsigned long npages)
{
	unsigned long i, busy = 0;

	for (i = 0; i < npages; i++)
		if (page_ref_count(pfn_to_page(pfns[i])))
			busy++;
	return busy;
}

/*
 * Force the device pages at @pfns (in use or not) to system memory with
 * migrate_device_range(), wherever they are mapped. See
 * drm_pagemap_evict_mapped() for why only drm_pagemap_revoke() does this,
 * and only for what is left once the mapped pages went the safe way.
 */
static int drm_pagemap_evict_pfns(struct drm_pagemap_mbuf *buf,
				  const unsigned long *pfns,
				  unsigned long npages)
{
	unsigned long i, run;
	int err;

	for (i = 0; i < npages; i = run) {
		for (run = i + 1; run < npages; run++)
			if (pfns[run] != pfns[i] + (run - i))
				break;
		migrate_device_range(buf->src + i, pfns[i], run - i);
	}

	err = drm_pagemap_copy_to_ram(buf, npages, NULL, 0, NULL, NULL);
	migrate_device_pages(buf->src, buf->dst, npages);
	migrate_device_finalize(buf->src, buf->dst, npages);
	return err;
}

/* How many times eviction tries, at least, before it gives up or forces. */
#define DRM_PAGEMAP_EVICT_TRIES 100
/*
 * How many tries in a row that move no page an eviction without @force
 * makes before it gives up: the pages left are not where it looks (a fork()
 * child maps them) or their mm is busy.
 */
#define DRM_PAGEMAP_EVICT_STALLS 10

/*
 * Evict the device pages at @pfns (of @devmem alone, if not NULL; the caller
 * holds the mmap lock of @held_mm, if not NULL): the first
 * try where they were migrated from, the next ones also where mremap() may
 * have moved them. Retries busy pages for @timeout_ms and at least
 * DRM_PAGEMAP_EVICT_TRIES times,
 * then -EBUSY; without @force, -EBUSY as soon as DRM_PAGEMAP_EVICT_STALLS
 * tries in a row moved nothing. With @force, after DRM_PAGEMAP_EVICT_TRIES
 * tries the pages left are forced with drm_pagemap_evict_pfns() until the
 * timeout.
 */
static int drm_pagemap_evict_retry(struct drm_pagemap_mbuf *buf,
				   unsigned long cap,
				   struct drm_pagemap_devmem *devmem,
				   struct mm_struct *held_mm,
				   const unsigned long *pfns,
				   unsigned long npages,
				   unsigned int timeout_ms, bool force)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(timeout_ms);
	unsigned long busy, last = ULONG_MAX;
	int tries, stalls = 0, err;

	for (tries = 0; ; tries++) {
		if (force && tries >= DRM_PAGEMAP_EVICT_TRIES)
			err = drm_pagemap_evict_pfns(buf, pfns, npages);
		else if (devmem)
			err = drm_pagemap_evict_mapped(buf, cap, devmem,
						       tries > 0, held_mm);
		else
			err = drm_pagemap_evict_mapped_pfns(buf, cap, pfns,
							    npages, tries > 0);
		if (err)
			return err;
		busy = drm_pagemap_pfns_busy(pfns, npages);
		if (!busy)
			return 0;
		stalls = busy < last ? 0 : stalls + 1;
		last = busy;
		if (!force && stalls >= DRM_PAGEMAP_EVICT_STALLS)
			return -EBUSY;
		if (tries >= DRM_PAGEMAP_EVICT_TRIES &&
		    time_after(jiffies, deadline))
			return -EBUSY;
		/* Someone holds a page: let them finish. */
		usleep_range(500, 1000);
	}
}

/* How long eviction waits for busy pages: an allocation, a whole pagemap. */
#define DRM_PAGEMAP_EVICT_TIMEOUT_MS 100
#define DRM_PAGEMAP_REVOKE_TIMEOUT_MS 10000

/**
 * drm_pagemap_evict_to_ram_held() - migrate an allocation back to system
 * memory, from a caller that may hold an mmap lock
 * @devmem_allocation: the allocation
 * @held_mm: an mm whose mmap lock the caller holds for reading (the mm of
 *	     the migration that needs the memory), or NULL
 *
 * A drm-msvm extension of drm_pagemap_evict_to_ram(). Migrates the pages
 * of the allocation mapped in &drm_pagemap_devmem.mm, where they were
 * migrated to it or where mremap() moved them, with migrate_vma_*() under
 * that mm's mmap lock, which it only tries to take (the caller may hold
 * another mm's), or under the caller's lock if that mm is @held_mm (a
 * trylock would fail while a writer waits behind the caller): an mm
 * exiting or busy with a change of its mappings is left alone, and so are
 * pages that only a fork() child still maps (they come back to system
 * memory on their next CPU access, or are freed with their last mapping).
 * Busy pages are retried for a while. The caller must keep
 * @devmem_allocation valid across the call, even if its last page goes
 * meanwhile (its devmem_release must then only drop the allocation's own
 * reference), and hold a reference on its pagemap.
 *
 * Unlike upstream, it does not use migrate_device_pfns(): on Linux 6.12 that
 * path races with the exit of a process mapping the pages (see
 * drm_pagemap_evict_mapped()).
 *
 * Return: 0 once no page of the allocation is left in device memory;
 * -EBUSY if some stayed (busy, or mapped where eviction cannot reach);
 * -ENOMEM; -EIO or the copy error (the pages concerned keep their data in
 * device memory).
 */
int drm_pagemap_evict_to_ram_held(struct drm_pagemap_devmem *devmem_allocation,
				  struct mm_struct *held_mm)
{
	unsigned long npages = devmem_allocation->size >> PAGE_SHIFT;
	unsigned long cap = min(npages, DRM_PAGEMAP_RANGE_CHUNK);
	struct drm_pagemap_mbuf buf;
	unsigned long *pfns;
	int err;

	pfns = kvcalloc(npages, sizeof(*pfns), GFP_KERNEL);
	if (!pfns)
		return -ENOMEM;
	err = drm_pagemap_mbuf_alloc(&buf, cap);
	if (err)
		goto out_pfns;
	err = devmem_allocation->ops->populate_devmem_pfn(devmem_allocation,
							  npages, pfns);
	if (!err)
		err = drm_pagemap_evict_retry(&buf, cap, devmem_allocation,
					      held_mm, pfns, npages,
					      DRM_PAGEMAP_EVICT_TIMEOUT_MS,
					      false);
	drm_pagemap_mbuf_free(&buf);
out_pfns:
	kvfree(pfns);
	return err;
}
EXPORT_SYMBOL_GPL(drm_pagemap_evict_to_ram_held);

/**
 * drm_pagemap_evict_to_ram() - migrate an allocation back to system memory
 * @devmem_allocation: the allocation
 *
 * drm_pagemap_evict_to_ram_held() for a caller that holds no mmap lock.
 *
 * Return: as drm_pagemap_evict_to_ram_held().
 */
int drm_pagemap_evict_to_ram(struct drm_pagemap_devmem *devmem_allocation)
{
	return drm_pagemap_evict_to_ram_held(devmem_allocation, NULL);
}
EXPORT_SYMBOL_GPL(drm_pagemap_evict_to_ram);

/**
 * drm_pagemap_migrate_range_to_ram() - migrate the device pages of a VA
 * range to system memory
 * @mm: the mm, with its mmap lock held (read)
 * @start: the start address, page aligned
 * @end: the end address, page aligned
 * @pgmap_owner: the owner of the device pages to migrate (the
 *		 &dev_pagemap.owner of a group of pagemaps)
 *
 * A drm-msvm extension, for a driver's explicit prefetch to system memory.
 * The device-private pages of drm_pagemap pagemaps with owner @pgmap_owner
 * mapped in [@start, @end) are collected with migrate_vma_setup(), in
 * chunks, copied to newly allocated system pages by their allocations'
 * &drm_pagemap_devmem_ops.copy_to_ram and migrated, directly: no CPU fault
 * runs, so neither the migration timeslice nor the migration policy is
 * asked (the caller asked for the migration and records it). Every
 * process that shares a page (copy-on-write after fork()) sees it moved,
 * as after a CPU fault. Unmapped holes and VMAs that cannot hold device
 * pages are skipped.
 *
 * Pages that are busy, of another owner, or that get no system page (the
 * system is out of memory) stay where they are: the caller checks where
 * the pages are afterwards, and may fault the rest in.
 *
 * Return: 0, -EINVAL for a bad range, -ENOMEM, or the error of a copy
 * (the pages of that chunk stay in device memory).
 */
int drm_pagemap_migrate_range_to_ram(struct mm_struct *mm, unsigned long start,
				     unsigned long end, void *pgmap_owner)
{
	unsigned long cap = min((end - start) >> PAGE_SHIFT,
				DRM_PAGEMAP_RANGE_CHUNK);
	struct drm_pagemap_mbuf buf;
	int err;

	mmap_assert_locked(mm);
	if (!PAGE_ALIGNED(start) || !PAGE_ALIGNED(end) || start > end)
		return -EINVAL;
	if (drm_pagemap_mbuf_alloc(&buf, cap))
		return -ENOMEM;
	err = drm_pagemap_range_to_ram_locked(mm, start, end, pgmap_owner,
					      &buf, cap, NULL);
	drm_pagemap_mbuf_free(&buf);
	return err;
}
EXPORT_SYMBOL_GPL(drm_pagemap_migrate_range_to_ram);

#define DRM_PAGEMAP_REVOKE_CHUNK 512UL

/**
 * drm_pagemap_revoke() - take a pagemap offline
 * @dpagemap: the pagemap; the caller holds a reference
 *
 * Blocks new migrations into @dpagemap (they fail with -ENODEV) once the
 * ones in flight are done, and waits for drm_pagemap_populate_mm() calls in
 * flight, so that no device memory is allocated for @dpagemap once it
 * returns; lets its cache forget it (the last put destroys
 * it instead of keeping it inactive), and migrates every page it still
 * holds to system memory, whatever mm maps it, without losing data: first
 * through the mm of each page's allocation, as drm_pagemap_evict_to_ram()
 * does, then, for the pages that way cannot reach (mapped by a fork()
 * child alone), with migrate_device_range(). That last
 * step is the one place left where Linux 6.12's migrate_device_range()
 * can meet the exit of a process mapping the page (see
 * drm_pagemap_evict_to_ram()); it only runs when a device goes away.
 *
 * Return: 0, or -EBUSY if pages stayed busy, -ENOMEM, or a copy error.
 */
int drm_pagemap_revoke(struct drm_pagemap *dpagemap)
{
	struct dev_pagemap *pgmap = dpagemap->pagemap;
	struct drm_pagemap_cache *cache;
	unsigned long *pfns;
	struct drm_pagemap_mbuf buf;
	int r, err;

	down_write(&dpagemap->revoke_sem);
	dpagemap->revoked = true;
	up_write(&dpagemap->revoke_sem);
	/*
	 * A populate_mm op that began before may be allocating device memory
	 * still, which must not outlive this call (the driver tears that
	 * memory down next). Pairs with the barrier in
	 * drm_pagemap_populate_mm(): it sees @revoked, or is counted here.
	 */
	smp_mb();
	wait_event(dpagemap->populate_wq, !atomic_read(&dpagemap->populating));

	cache = READ_ONCE(dpagemap->cache);
	if (cache)
		drm_pagemap_cache_detach(cache, dpagemap);

	pfns = kcalloc(DRM_PAGEMAP_REVOKE_CHUNK, sizeof(*pfns), GFP_KERNEL);
	if (!pfns)
		return -ENOMEM;
	err = drm_pagemap_mbuf_alloc(&buf, DRM_PAGEMAP_REVOKE_CHUNK);
	if (err) {
		kfree(pfns);
		return err;
	}
	for (r = 0; r < pgmap->nr_range && !err; r++) {
		unsigned long pfn = PHYS_PFN(pgmap->ranges[r].start);
		unsigned long end = PHYS_PFN(pgmap->ranges[r].end + 1);

		while (pfn < end && !err) {
			unsigned long n = min(end - pfn, DRM_PAGEMAP_REVOKE_CHUNK);
			unsigned long i;

			for (i = 0; i < n; i++)
				pfns[i] = pfn + i;
			err = drm_pagemap_evict_retry(&buf,
						      DRM_PAGEMAP_REVOKE_CHUNK,
						      NULL, NULL, pfns, n,
						      DRM_PAGEMAP_REVOKE_TIMEOUT_MS,
						      true);
			pfn += n;
			cond_resched();
		}
	}
	drm_pagemap_mbuf_free(&buf);
	kfree(pfns);
	return err;
}
EXPORT_SYMBOL_GPL(drm_pagemap_revoke);

/*
 * Migrate the faulting allocation's window of @vma back to system memory:
 * its pages in the @size-aligned block around the fault, within the VA
 * range it was migrated to while the fault is in it (mremap() may have
 * moved it). The pages of other allocations in the block stay where they
 * are: the window never moves memory the CPU did not touch of another
 * allocation, another buffer or another device's work.
 */
static vm_fault_t drm_pagemap_migrate_window_to_ram(struct vm_fault *vmf,
						    size_t size)
{
	struct drm_pagemap_zdd *zdd = vmf->page->zone_device_data;
	struct drm_pagemap_devmem *devmem = zdd->devmem_allocation;
	struct vm_area_struct *vma = vmf->vma;
	unsigned long addr = vmf->address & PAGE_MASK;
	struct migrate_vma migrate = {
		.vma = vma,
		.pgmap_owner = vmf->page->pgmap->owner,
		.flags = MIGRATE_VMA_SELECT_DEVICE_PRIVATE,
		.fault_page = vmf->page,
	};
	struct drm_pagemap_mbuf buf;
	unsigned long start, end, npages;
	int err;

	if (size > PAGE_SIZE) {
		unsigned long base = addr - (addr % size);

		start = max(base, vma->vm_start);
		end = min(base + size, vma->vm_end);
		if (addr >= devmem->start && addr - devmem->start < size) {
			start = max(start, devmem->start);
			end = min(end, devmem->start + size);
		}
	} else {
		start = addr;
		end = addr + PAGE_SIZE;
	}
	npages = (end - start) >> PAGE_SHIFT;
	if (drm_pagemap_mbuf_alloc(&buf, npages)) {
		/* Fall back to the faulting page alone. */
		start = addr;
		end = addr + PAGE_SIZE;
		npages = 1;
		if (drm_pagemap_mbuf_alloc(&buf, 1))
			return VM_FAULT_OOM;
	}
	migrate.start = start;
	migrate.end = end;
	migrate.src = buf.src;
	migrate.dst = buf.dst;

	err = migrate_vma_setup(&migrate);
	if (err)
		goto out;
	if (!migrate.cpages)
		goto out;	/* busy: the fault is retried */

	err = drm_pagemap_copy_to_ram(&buf, npages, vma, start, vmf->page,
				      devmem);
	migrate_vma_pages(&migrate);
	migrate_vma_finalize(&migrate);
out:
	drm_pagemap_mbuf_free(&buf);
	if (err == -ENOMEM)
		return VM_FAULT_OOM;
	return err ? VM_FAULT_SIGBUS : 0;
}

static vm_fault_t drm_pagemap_cpu_fault(struct vm_fault *vmf)
{
	struct drm_pagemap_zdd *zdd = vmf->page->zone_device_data;
	struct drm_pagemap_devmem *devmem = zdd->devmem_allocation;
	u64 expiry = READ_ONCE(devmem->timeslice_expiration);
	u64 now = get_jiffies_64();

	/*
	 * During a fresh migration's timeslice the first attempt of a fault
	 * backs off without sleeping: it drops the mmap lock, so that the
	 * device's fault handling in flight gets it, and has the fault
	 * retried. The retry (FAULT_FLAG_TRIED) and a fault that may not be
	 * retried (get_user_pages() without a lock to drop, hmm_range_fault())
	 * migrate, so that a CPU access always makes progress: the timeslice
	 * never holds one up for longer than one retry.
	 */
	if (time_before64(now, expiry) &&
	    (vmf->flags & FAULT_FLAG_ALLOW_RETRY) &&
	    !(vmf->flags & FAULT_FLAG_TRIED)) {
		if (!(vmf->flags & FAULT_FLAG_RETRY_NOWAIT))
			release_fault_lock(vmf);
		return VM_FAULT_RETRY;
	}
	/* The migration policy may throttle the CPU once, as above. */
	if (drm_pagemap_policy_cpu_fault(vmf, devmem->size)) {
		if (!(vmf->flags & FAULT_FLAG_RETRY_NOWAIT))
			release_fault_lock(vmf);
		return VM_FAULT_RETRY;
	}

	return drm_pagemap_migrate_window_to_ram(vmf, devmem->size);
}

/**
 * drm_pagemap_populate_mm() - migrate a range of an mm into a pagemap
 * @dpagemap: the pagemap
 * @start: the start address
 * @end: the end address
 * @mm: the mm
 * @timeslice_ms: the migration timeslice (see
 *		  &drm_pagemap_migrate_details.timeslice_ms)
 *
 * Takes an mm user reference and the mmap lock (read) and calls
 * &drm_pagemap_ops.populate_mm.
 *
 * Return: 0, -ENODEV if @dpagemap was revoked, -EOPNOTSUPP without a
 * populate_mm op, -EFAULT if @mm has no users any more, or the op's error.
 */
int drm_pagemap_populate_mm(struct drm_pagemap *dpagemap,
			    unsigned long start, unsigned long end,
			    struct mm_struct *mm, unsigned long timeslice_ms)
{
	int err;

	if (READ_ONCE(dpagemap->revoked))
		return -ENODEV;
	if (!dpagemap->ops->populate_mm)
		return -EOPNOTSUPP;
	atomic_inc(&dpagemap->populating);
	/* Counted before @revoked is read: see drm_pagemap_revoke(). */
	smp_mb__after_atomic();
	if (READ_ONCE(dpagemap->revoked)) {
		err = -ENODEV;
		goto out;
	}
	if (!mmget_not_zero(mm)) {
		err = -EFAULT;
		goto out;
	}
	mmap_read_lock(mm);
	err = dpagemap->ops->populate_mm(dpagemap, start, end, mm,
					 timeslice_ms);
	mmap_read_unlock(mm);
	mmput(mm);
out:
	if (atomic_dec_and_test(&dpagemap->populating))
		wake_up_all(&dpagemap->populate_wq);
	return err;
}
EXPORT_SYMBOL_GPL(drm_pagemap_populate_mm);

/**
 * drm_pagemap_stats_get() - read the global pagemap counters
 * @stats: filled with the counters
 */
void drm_pagemap_stats_get(struct drm_pagemap_stats *stats)
{
	stats->active = atomic64_read(&drm_pagemap_counters.active);
	stats->inactive = atomic64_read(&drm_pagemap_counters.inactive);
	stats->revived = atomic64_read(&drm_pagemap_counters.revived);
	stats->destroyed = atomic64_read(&drm_pagemap_counters.destroyed);
	stats->zdds = atomic64_read(&drm_pagemap_counters.zdds);
}
EXPORT_SYMBOL_GPL(drm_pagemap_stats_get);

/**
 * drm_pagemap_enter() - keep a pagemap from being revoked
 * @dpagemap: the pagemap; the caller holds a reference
 *
 * A drm-msvm extension, like drm_dev_enter() for a pagemap: between a
 * successful call and drm_pagemap_exit(), drm_pagemap_revoke() waits, so
 * that a driver may look at the provider behind a pagemap it did not
 * create (one from drm_pagemap_from_fd(), say) while the provider is
 * certain to be there. Takes &drm_pagemap.revoke_sem for reading: the
 * lock order is that of a migration into the pagemap. May sleep.
 *
 * Return: true, and the pagemap is held; false if it was revoked, and it
 * is not held.
 */
bool drm_pagemap_enter(struct drm_pagemap *dpagemap)
{
	down_read(&dpagemap->revoke_sem);
	if (!dpagemap->revoked)
		return true;
	up_read(&dpagemap->revoke_sem);
	return false;
}
EXPORT_SYMBOL_GPL(drm_pagemap_enter);

/**
 * drm_pagemap_exit() - end a drm_pagemap_enter() section
 * @dpagemap: the pagemap held by a successful drm_pagemap_enter()
 */
void drm_pagemap_exit(struct drm_pagemap *dpagemap)
{
	up_read(&dpagemap->revoke_sem);
}
EXPORT_SYMBOL_GPL(drm_pagemap_exit);
