// SPDX-License-Identifier: GPL-2.0
/*
 * drm_pagemap_util: interconnect owner groups, the pagemap cache with its
 * shrinker, pagemap file descriptors and the pagemap debugfs counters.
 *
 * Lock order (outer first):
 *   drm_pagemap_owner_list.lock (mutex; has_interconnect is called under it)
 *   drm_pagemap_cache.lookup_mutex (the provider allocates under it, so
 *     reclaim nests inside it)
 *     fs_reclaim
 *       drm_pagemap_shrinker.lock (spinlock)
 *         drm_pagemap_cache.lock (spinlock)
 * The shrinker takes only the two spinlocks and never destroys a pagemap
 * in place: destruction is deferred to the drm_msvm workqueue.
 */
#include <linux/anon_inodes.h>
#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/seq_file.h>
#include <linux/shrinker.h>
#include <linux/slab.h>

#include <drm/drm_device.h>
#include <drm/drm_pagemap.h>
#include <drm/drm_pagemap_util.h>

#include "drm_msvm_internal.h"

/**
 * DOC: Owner groups, pagemap cache and shrinker
 *
 * Devices joined by a fast interconnect share one &struct drm_pagemap_owner,
 * given by drm_pagemap_acquire_owner(): HMM hands a device-private page
 * only to a device whose dev_private_owner is the page's pagemap owner, and
 * migration between pagemaps of one owner is direct.
 *
 * A &struct drm_pagemap_cache holds the pagemap of one memory region. Its
 * lookup revives an inactive pagemap (reference count zero) or creates one;
 * the last put of a cached pagemap puts it on the list of its
 * &struct drm_pagemap_shrinker, whose core shrinker destroys inactive
 * pagemaps under memory pressure so that their struct pages are given back.
 * Destruction from reclaim or atomic context runs on the drm_msvm workqueue.
 * The counters of active, inactive, revived and destroyed pagemaps are in
 * debugfs, drm_msvm/pagemaps.
 *
 * drm_pagemap_get_fd() exports a pagemap reference as a close-on-exec file
 * descriptor and drm_pagemap_from_fd() takes one back.
 */

/* The shrinker is also referenced by every pagemap of its caches. */
struct drm_pagemap_shrinker_ref {
	struct drm_pagemap_shrinker shrinker;
	struct kref ref;
};

/**
 * drm_pagemap_owner_list_init() - initialize an owner list
 * @list: the list
 */
void drm_pagemap_owner_list_init(struct drm_pagemap_owner_list *list)
{
	mutex_init(&list->lock);
	INIT_LIST_HEAD(&list->peers);
}
EXPORT_SYMBOL_GPL(drm_pagemap_owner_list_init);

static void drm_pagemap_owner_release(struct kref *ref)
{
	kfree(container_of(ref, struct drm_pagemap_owner, ref));
}

/**
 * drm_pagemap_acquire_owner() - give a device its interconnect owner
 * @peer: the device's peer structure, with @peer->private set
 * @owner_list: the devices owners are shared among
 * @has_interconnect: whether two peers have a fast interconnect (called in
 *		      both directions, under @owner_list's mutex)
 *
 * @peer joins the first existing group all of whose members it has an
 * interconnect with, in both directions; otherwise it gets a new owner of
 * its own. So in a chain A-B-C, C does not join the group of A and B unless
 * it is linked to both. The owner is what the device puts in its
 * &dev_pagemap.owner and in HMM's dev_private_owner.
 *
 * Return: 0 or -ENOMEM.
 */
int drm_pagemap_acquire_owner(struct drm_pagemap_peer *peer,
			      struct drm_pagemap_owner_list *owner_list,
			      bool (*has_interconnect)(struct drm_pagemap_peer *peer1,
						       struct drm_pagemap_peer *peer2))
{
	struct drm_pagemap_peer *cur, *p, *last = NULL;
	struct drm_pagemap_owner *owner = NULL;

	mutex_lock(&owner_list->lock);
	list_for_each_entry(cur, &owner_list->peers, link) {
		bool all = true;

		/* Groups are contiguous: test each at its first member. */
		if (!list_is_first(&cur->link, &owner_list->peers) &&
		    list_prev_entry(cur, link)->owner == cur->owner)
			continue;

		list_for_each_entry(p, &owner_list->peers, link) {
			if (p->owner != cur->owner)
				continue;
			last = p;
			if (!has_interconnect(peer, p) ||
			    !has_interconnect(p, peer)) {
				all = false;
				break;
			}
		}
		if (all) {
			owner = cur->owner;
			break;
		}
	}

	if (owner) {
		kref_get(&owner->ref);
		list_add(&peer->link, &last->link);
	} else {
		owner = kzalloc(sizeof(*owner), GFP_KERNEL);
		if (!owner) {
			mutex_unlock(&owner_list->lock);
			return -ENOMEM;
		}
		kref_init(&owner->ref);
		list_add_tail(&peer->link, &owner_list->peers);
	}
	peer->owner = owner;
	peer->list = owner_list;
	mutex_unlock(&owner_list->lock);
	return 0;
}
EXPORT_SYMBOL_GPL(drm_pagemap_acquire_owner);

/**
 * drm_pagemap_release_owner() - leave the owner group
 * @peer: a peer given an owner by drm_pagemap_acquire_owner(), or not
 *
 * Drops @peer's owner reference; the owner is freed with its last peer. No
 * pagemap of @peer may use the owner any longer.
 */
void drm_pagemap_release_owner(struct drm_pagemap_peer *peer)
{
	struct drm_pagemap_owner_list *owner_list = peer->list;

	if (!owner_list)
		return;
	mutex_lock(&owner_list->lock);
	list_del(&peer->link);
	kref_put(&peer->owner->ref, drm_pagemap_owner_release);
	peer->owner = NULL;
	peer->list = NULL;
	mutex_unlock(&owner_list->lock);
}
EXPORT_SYMBOL_GPL(drm_pagemap_release_owner);

/* Take the first inactive pagemap off the shrinker and out of its cache. */
static struct drm_pagemap *
drm_pagemap_shrinker_take_one(struct drm_pagemap_shrinker *shrinker)
{
	struct drm_pagemap *dpagemap;

	spin_lock(&shrinker->lock);
	dpagemap = list_first_entry_or_null(&shrinker->dpagemaps,
					    struct drm_pagemap, shrink_link);
	if (dpagemap) {
		struct drm_pagemap_cache *cache = dpagemap->cache;

		list_del_init(&dpagemap->shrink_link);
		shrinker->num_inactive--;
		spin_lock(&cache->lock);
		cache->dpagemap = NULL;
		dpagemap->cache = NULL;
		spin_unlock(&cache->lock);
		atomic64_dec(&drm_pagemap_counters.inactive);
	}
	spin_unlock(&shrinker->lock);
	return dpagemap;
}

/**
 * drm_pagemap_shrinker_count() - the number of inactive pagemaps
 * @shrinker: the shrinker
 *
 * Return: the count.
 */
unsigned long drm_pagemap_shrinker_count(struct drm_pagemap_shrinker *shrinker)
{
	unsigned long n;

	spin_lock(&shrinker->lock);
	n = shrinker->num_inactive;
	spin_unlock(&shrinker->lock);
	return n;
}
EXPORT_SYMBOL_GPL(drm_pagemap_shrinker_count);

/**
 * drm_pagemap_shrinker_scan() - destroy inactive pagemaps, oldest first
 * @shrinker: the shrinker
 * @nr_to_scan: at most this many
 *
 * What the core shrinker's scan does, callable from any context but hard
 * interrupts (the destruction itself runs on the drm_msvm workqueue).
 *
 * Return: the number of pagemaps taken for destruction.
 */
unsigned long drm_pagemap_shrinker_scan(struct drm_pagemap_shrinker *shrinker,
					unsigned long nr_to_scan)
{
	unsigned long freed = 0;
	struct drm_pagemap *dpagemap;

	while (freed < nr_to_scan) {
		dpagemap = drm_pagemap_shrinker_take_one(shrinker);
		if (!dpagemap)
			break;
		drm_pagemap_destroy(dpagemap, true);
		freed++;
	}
	return freed;
}
EXPORT_SYMBOL_GPL(drm_pagemap_shrinker_scan);

static unsigned long drm_pagemap_shrinker_count_cb(struct shrinker *shrink,
						   struct shrink_control *sc)
{
	struct drm_pagemap_shrinker *shrinker = shrink->private_data;
	unsigned long n;

	might_lock(&shrinker->lock);
	n = drm_pagemap_shrinker_count(shrinker);
	return n ? n : SHRINK_EMPTY;
}

static unsigned long drm_pagemap_shrinker_scan_cb(struct shrinker *shrink,
						  struct shrink_control *sc)
{
	struct drm_pagemap_shrinker *shrinker = shrink->private_data;
	unsigned long freed;

	might_lock(&shrinker->lock);
	freed = drm_pagemap_shrinker_scan(shrinker, sc->nr_to_scan);
	return freed ? freed : SHRINK_STOP;
}

/**
 * drm_pagemap_shrinker_create() - create and register a pagemap shrinker
 * @name: its name (shown by the shrinker debugfs)
 *
 * Return: the shrinker or an ERR_PTR().
 */
struct drm_pagemap_shrinker *drm_pagemap_shrinker_create(const char *name)
{
	struct drm_pagemap_shrinker_ref *sref;
	struct drm_pagemap_shrinker *shrinker;

	sref = kzalloc(sizeof(*sref), GFP_KERNEL);
	if (!sref)
		return ERR_PTR(-ENOMEM);
	shrinker = &sref->shrinker;
	kref_init(&sref->ref);
	spin_lock_init(&shrinker->lock);
	INIT_LIST_HEAD(&shrinker->dpagemaps);

	/* Teach lockdep that the shrinker lock is taken inside reclaim. */
	fs_reclaim_acquire(GFP_KERNEL);
	might_lock(&shrinker->lock);
	fs_reclaim_release(GFP_KERNEL);

	shrinker->shrink = shrinker_alloc(0, "drm-pagemap:%s", name);
	if (!shrinker->shrink) {
		kfree(sref);
		return ERR_PTR(-ENOMEM);
	}
	shrinker->shrink->count_objects = drm_pagemap_shrinker_count_cb;
	shrinker->shrink->scan_objects = drm_pagemap_shrinker_scan_cb;
	shrinker->shrink->private_data = shrinker;
	shrinker_register(shrinker->shrink);
	return shrinker;
}
EXPORT_SYMBOL_GPL(drm_pagemap_shrinker_create);

static void drm_pagemap_shrinker_free(struct kref *ref)
{
	kfree(container_of(ref, struct drm_pagemap_shrinker_ref, ref));
}

/* Dropped by each destroyed pagemap that had a cache of this shrinker. */
void drm_pagemap_shrinker_put(struct drm_pagemap_shrinker *shrinker)
{
	struct drm_pagemap_shrinker_ref *sref =
		container_of(shrinker, struct drm_pagemap_shrinker_ref, shrinker);

	kref_put(&sref->ref, drm_pagemap_shrinker_free);
}

static void drm_pagemap_shrinker_get(struct drm_pagemap_shrinker *shrinker)
{
	struct drm_pagemap_shrinker_ref *sref =
		container_of(shrinker, struct drm_pagemap_shrinker_ref, shrinker);

	kref_get(&sref->ref);
}

/**
 * drm_pagemap_shrinker_destroy() - unregister and drop a pagemap shrinker
 * @shrinker: the shrinker, whose caches are all destroyed
 *
 * Destroys the inactive pagemaps left and unregisters the shrinker. Active
 * pagemaps that had a cache of it keep the structure alive until they go.
 * Process context.
 */
void drm_pagemap_shrinker_destroy(struct drm_pagemap_shrinker *shrinker)
{
	struct drm_pagemap *dpagemap;

	shrinker_free(shrinker->shrink);
	while ((dpagemap = drm_pagemap_shrinker_take_one(shrinker)))
		drm_pagemap_destroy(dpagemap, false);
	drm_pagemap_shrinker_put(shrinker);
}
EXPORT_SYMBOL_GPL(drm_pagemap_shrinker_destroy);

static void drm_pagemap_shrinker_devm_fini(void *shrinker)
{
	drm_pagemap_shrinker_destroy(shrinker);
}

/**
 * drm_pagemap_shrinker_create_devm() - a pagemap shrinker bound to a drm
 * device
 * @drm: the drm device; the shrinker is destroyed when its device unbinds,
 *	 after the caches made with drm_pagemap_cache_create_devm() on it
 *
 * Return: the shrinker or an ERR_PTR().
 */
struct drm_pagemap_shrinker *drm_pagemap_shrinker_create_devm(struct drm_device *drm)
{
	struct drm_pagemap_shrinker *shrinker;
	int err;

	shrinker = drm_pagemap_shrinker_create(dev_name(drm->dev));
	if (IS_ERR(shrinker))
		return shrinker;
	shrinker->drm = drm;
	err = devm_add_action_or_reset(drm->dev, drm_pagemap_shrinker_devm_fini,
				       shrinker);
	return err ? ERR_PTR(err) : shrinker;
}
EXPORT_SYMBOL_GPL(drm_pagemap_shrinker_create_devm);

/**
 * drm_pagemap_cache_create() - create a pagemap cache
 * @shrinker: the shrinker its inactive pagemap is handed to
 *
 * Return: the cache or an ERR_PTR().
 */
struct drm_pagemap_cache *drm_pagemap_cache_create(struct drm_pagemap_shrinker *shrinker)
{
	struct drm_pagemap_cache *cache;

	cache = kzalloc(sizeof(*cache), GFP_KERNEL);
	if (!cache)
		return ERR_PTR(-ENOMEM);
	mutex_init(&cache->lookup_mutex);
	spin_lock_init(&cache->lock);
	cache->shrinker = shrinker;

	/* The provider allocates under the lookup mutex: reclaim nests in it. */
	mutex_lock(&cache->lookup_mutex);
	fs_reclaim_acquire(GFP_KERNEL);
	might_lock(&shrinker->lock);
	fs_reclaim_release(GFP_KERNEL);
	mutex_unlock(&cache->lookup_mutex);
	return cache;
}
EXPORT_SYMBOL_GPL(drm_pagemap_cache_create);

/**
 * drm_pagemap_cache_detach() - make a cache forget its pagemap
 * @cache: the cache
 * @dpagemap: the pagemap; nothing happens unless it is @cache's
 *
 * Afterwards a lookup creates a new pagemap, and @dpagemap is destroyed at
 * its last put instead of being kept. An inactive @dpagemap is destroyed
 * now. Process context, without locks reclaim takes.
 */
void drm_pagemap_cache_detach(struct drm_pagemap_cache *cache,
			      struct drm_pagemap *dpagemap)
{
	struct drm_pagemap_shrinker *shrinker = cache->shrinker;
	bool inactive = false;

	spin_lock(&shrinker->lock);
	spin_lock(&cache->lock);
	if (dpagemap && cache->dpagemap == dpagemap) {
		cache->dpagemap = NULL;
		dpagemap->cache = NULL;
		if (!list_empty(&dpagemap->shrink_link)) {
			list_del_init(&dpagemap->shrink_link);
			shrinker->num_inactive--;
			atomic64_dec(&drm_pagemap_counters.inactive);
			inactive = true;
		}
	}
	spin_unlock(&cache->lock);
	spin_unlock(&shrinker->lock);

	if (inactive)
		drm_pagemap_destroy(dpagemap, false);
}
EXPORT_SYMBOL_GPL(drm_pagemap_cache_detach);

/**
 * drm_pagemap_cache_destroy() - destroy a pagemap cache
 * @cache: the cache, or NULL
 *
 * An inactive cached pagemap is destroyed now; an active one is destroyed
 * at its last put. Process context.
 */
void drm_pagemap_cache_destroy(struct drm_pagemap_cache *cache)
{
	if (!cache)
		return;
	mutex_lock(&cache->lookup_mutex);
	drm_pagemap_cache_detach(cache, READ_ONCE(cache->dpagemap));
	mutex_unlock(&cache->lookup_mutex);
	mutex_destroy(&cache->lookup_mutex);
	kfree(cache);
}
EXPORT_SYMBOL_GPL(drm_pagemap_cache_destroy);

static void drm_pagemap_cache_devm_fini(void *cache)
{
	drm_pagemap_cache_destroy(cache);
}

/**
 * drm_pagemap_cache_create_devm() - a pagemap cache bound to a drm device
 * @shrinker: a shrinker from drm_pagemap_shrinker_create_devm(); the cache
 *	      is destroyed when the shrinker's drm device unbinds, before the
 *	      shrinker, destroying its pagemap if inactive
 *
 * Return: the cache or an ERR_PTR() (-EINVAL for a shrinker not bound to a
 * drm device).
 */
struct drm_pagemap_cache *drm_pagemap_cache_create_devm(struct drm_pagemap_shrinker *shrinker)
{
	struct drm_pagemap_cache *cache;
	int err;

	if (!shrinker->drm)
		return ERR_PTR(-EINVAL);
	cache = drm_pagemap_cache_create(shrinker);
	if (IS_ERR(cache))
		return cache;
	err = devm_add_action_or_reset(shrinker->drm->dev,
				       drm_pagemap_cache_devm_fini, cache);
	return err ? ERR_PTR(err) : cache;
}
EXPORT_SYMBOL_GPL(drm_pagemap_cache_create_devm);

/*
 * Get a reference on the cached pagemap if it is active. An inactive one
 * (zero refcount: its last put, under the shrinker lock, put it on the
 * shrinker list) is taken off the shrinker if @cancelled is given, and
 * returned unreferenced with *@cancelled set, for the caller to revive
 * (drm_pagemap_reinit()) or hand back (drm_pagemap_shrinker_add()).
 */
static struct drm_pagemap *
drm_pagemap_cache_get(struct drm_pagemap_cache *cache, bool *cancelled)
{
	struct drm_pagemap_shrinker *shrinker = cache->shrinker;
	struct drm_pagemap *dpagemap;

	spin_lock(&shrinker->lock);
	spin_lock(&cache->lock);
	dpagemap = cache->dpagemap;
	if (dpagemap && !drm_pagemap_get_unless_zero(dpagemap)) {
		if (!cancelled || WARN_ON(list_empty(&dpagemap->shrink_link))) {
			dpagemap = NULL;
		} else {
			list_del_init(&dpagemap->shrink_link);
			shrinker->num_inactive--;
			atomic64_dec(&drm_pagemap_counters.inactive);
			*cancelled = true;
		}
	}
	spin_unlock(&cache->lock);
	spin_unlock(&shrinker->lock);
	return dpagemap;
}

/**
 * drm_pagemap_get_from_cache_if_active() - the cached pagemap, if active
 * @cache: the cache
 *
 * Return: a new reference on the cached pagemap, or NULL if there is none
 * or it is inactive (it is not revived).
 */
struct drm_pagemap *
drm_pagemap_get_from_cache_if_active(struct drm_pagemap_cache *cache)
{
	return drm_pagemap_cache_get(cache, NULL);
}
EXPORT_SYMBOL_GPL(drm_pagemap_get_from_cache_if_active);

/**
 * drm_pagemap_cache_lookup_or_create() - get the pagemap of a cache
 * @cache: the cache
 * @create: creates a new pagemap with one reference (drm_pagemap_init()),
 *	    known to nobody else; called under the cache's lookup mutex, may
 *	    allocate with GFP_KERNEL
 * @arg: for @create
 *
 * drm-msvm extension: the lookup sequence of "Cache lookup" in one call.
 * Atomic: concurrent callers get the same pagemap. An active cached
 * pagemap is referenced, an inactive one is revived (referencing its
 * provider again), and if there is none (never created, or destroyed by
 * the shrinker), @create makes one, which the cache keeps.
 *
 * Waits for a concurrent lookup or creation killably: only a fatal signal
 * interrupts it (unlike drm_pagemap_cache_lock_lookup()).
 *
 * Return: a reference on the pagemap, or an ERR_PTR() (-EINTR on a fatal
 * signal, -ENOMEM, -ENODEV if the provider module is going away, or the
 * error of @create).
 */
struct drm_pagemap *
drm_pagemap_cache_lookup_or_create(struct drm_pagemap_cache *cache,
				   struct drm_pagemap *(*create)(void *arg),
				   void *arg)
{
	struct drm_pagemap *dpagemap;
	int err;

	/* An active pagemap, the common case: no mutex, no allocation. */
	dpagemap = drm_pagemap_get_from_cache_if_active(cache);
	if (dpagemap)
		return dpagemap;

	/*
	 * Killable, not interruptible: the callers (an ioctl, a GPU fault)
	 * may have done work already and cannot be restarted, and a caught
	 * signal must change neither their result nor the placement. The
	 * holder makes a pagemap (memremap_pages()), which takes bounded
	 * time.
	 */
	err = mutex_lock_killable(&cache->lookup_mutex);
	if (err)
		return ERR_PTR(err);
	dpagemap = drm_pagemap_get_from_cache(cache);
	if (!dpagemap) {
		might_alloc(GFP_KERNEL);
		dpagemap = create(arg);
		if (!IS_ERR(dpagemap))
			drm_pagemap_cache_set_pagemap(cache, dpagemap);
	}
	drm_pagemap_cache_unlock_lookup(cache);
	return dpagemap;
}
EXPORT_SYMBOL_GPL(drm_pagemap_cache_lookup_or_create);

static int drm_pagemap_file_release(struct inode *inode, struct file *file)
{
	drm_pagemap_put(file->private_data);
	/*
	 * If that made the pagemap inactive, its provider is unpinned by the
	 * time close() returns: an unload right after it does not fail.
	 */
	drm_pagemap_flush_released();
	return 0;
}

static const struct file_operations drm_pagemap_fops = {
	.owner = THIS_MODULE,
	.release = drm_pagemap_file_release,
};

/**
 * drm_pagemap_file_create() - wrap a pagemap reference in an anonymous file
 * @dpagemap: the pagemap; the file takes its own reference
 *
 * Return: the file (its release drops the reference) or an ERR_PTR().
 */
struct file *drm_pagemap_file_create(struct drm_pagemap *dpagemap)
{
	struct file *file;

	file = anon_inode_getfile("[drm_pagemap]", &drm_pagemap_fops, dpagemap,
				  O_RDONLY | O_CLOEXEC);
	if (!IS_ERR(file))
		drm_pagemap_get(dpagemap);
	return file;
}
EXPORT_SYMBOL_GPL(drm_pagemap_file_create);

/**
 * drm_pagemap_get_fd() - a new close-on-exec file descriptor for a pagemap
 * @dpagemap: the pagemap; the file takes its own reference
 *
 * Return: the fd in the current task's table, or a negative errno.
 */
int drm_pagemap_get_fd(struct drm_pagemap *dpagemap)
{
	struct file *file;
	int fd;

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0)
		return fd;
	file = drm_pagemap_file_create(dpagemap);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		return PTR_ERR(file);
	}
	fd_install(fd, file);
	return fd;
}
EXPORT_SYMBOL_GPL(drm_pagemap_get_fd);

/**
 * drm_pagemap_from_file() - the pagemap of a pagemap file
 * @file: a file
 *
 * Return: a new reference on the pagemap, or ERR_PTR(-EINVAL) if @file is
 * not a pagemap file.
 */
struct drm_pagemap *drm_pagemap_from_file(struct file *file)
{
	if (file->f_op != &drm_pagemap_fops)
		return ERR_PTR(-EINVAL);
	return drm_pagemap_get(file->private_data);
}
EXPORT_SYMBOL_GPL(drm_pagemap_from_file);

/**
 * drm_pagemap_from_fd() - the pagemap of a pagemap file descriptor
 * @fd: a file descriptor of the current task
 *
 * Return: a new reference on the pagemap; ERR_PTR(-EBADF) if @fd is not an
 * open file descriptor; ERR_PTR(-EINVAL) if it is open but not a pagemap
 * file (from drm_pagemap_get_fd()).
 */
struct drm_pagemap *drm_pagemap_from_fd(int fd)
{
	struct drm_pagemap *dpagemap;
	struct fd f = fdget(fd);

	if (!fd_file(f))
		return ERR_PTR(-EBADF);
	dpagemap = drm_pagemap_from_file(fd_file(f));
	fdput(f);
	return dpagemap;
}
EXPORT_SYMBOL_GPL(drm_pagemap_from_fd);

static int drm_pagemap_stats_show(struct seq_file *m, void *data)
{
	struct drm_pagemap_stats stats;

	drm_pagemap_stats_get(&stats);
	seq_printf(m, "active %lld\n", stats.active);
	seq_printf(m, "inactive %lld\n", stats.inactive);
	seq_printf(m, "revived %lld\n", stats.revived);
	seq_printf(m, "destroyed %lld\n", stats.destroyed);
	seq_printf(m, "zdds %lld\n", stats.zdds);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(drm_pagemap_stats);

void drm_pagemap_util_debugfs_init(struct dentry *root)
{
	debugfs_create_file("pagemaps", 0444, root, NULL, &drm_pagemap_stats_fops);
}

/**
 * DOC: Cache lookup
 *
 * A lookup that may create a pagemap runs under the cache's lookup lock,
 * so that a lookup finding nothing and the insertion of the pagemap its
 * caller then creates are one step for every other lookup of the cache:
 *
 * .. code-block:: c
 *
 *	err = drm_pagemap_cache_lock_lookup(cache);
 *	if (err)
 *		return ERR_PTR(err);
 *	dpagemap = drm_pagemap_get_from_cache(cache);
 *	if (!dpagemap) {
 *		dpagemap = my_pagemap_create(my_device);
 *		if (!IS_ERR(dpagemap))
 *			drm_pagemap_cache_set_pagemap(cache, dpagemap);
 *	}
 *	drm_pagemap_cache_unlock_lookup(cache);
 *	return dpagemap;
 *
 * drm_pagemap_cache_lookup_or_create() is that sequence in one call,
 * waiting for the lock killably (a caught signal does not fail it);
 * drm_pagemap_get_from_cache_if_active() needs no lock and never revives.
 */

/**
 * drm_pagemap_cache_lock_lookup() - take the lookup lock of a cache
 * @cache: the cache
 *
 * Serializes drm_pagemap_get_from_cache() and drm_pagemap_cache_set_pagemap()
 * against other lookups of @cache. The caller may allocate memory while
 * holding it (the shrinker never takes it). Process context.
 *
 * Return: 0, or -EINTR if a signal interrupted the wait.
 */
int drm_pagemap_cache_lock_lookup(struct drm_pagemap_cache *cache)
{
	return mutex_lock_interruptible(&cache->lookup_mutex);
}
EXPORT_SYMBOL_GPL(drm_pagemap_cache_lock_lookup);

/**
 * drm_pagemap_cache_unlock_lookup() - drop the lookup lock of a cache
 * @cache: the cache, locked by drm_pagemap_cache_lock_lookup()
 */
void drm_pagemap_cache_unlock_lookup(struct drm_pagemap_cache *cache)
{
	mutex_unlock(&cache->lookup_mutex);
}
EXPORT_SYMBOL_GPL(drm_pagemap_cache_unlock_lookup);

/**
 * drm_pagemap_get_from_cache() - look up the pagemap of a cache
 * @cache: the cache, locked by drm_pagemap_cache_lock_lookup()
 *
 * An active cached pagemap is referenced; an inactive one is taken off its
 * shrinker and revived (it references its provider again). When there is
 * none, the caller creates one and hands it to
 * drm_pagemap_cache_set_pagemap() before dropping the lookup lock.
 *
 * Return: a new reference on the pagemap; NULL when the cache holds none;
 * ERR_PTR(-ENOMEM), or ERR_PTR(-ENODEV) when the provider of an inactive
 * pagemap is going away (the pagemap stays for its provider to destroy).
 */
struct drm_pagemap *drm_pagemap_get_from_cache(struct drm_pagemap_cache *cache)
{
	struct drm_pagemap *dpagemap;
	bool cancelled = false;
	int err;

	lockdep_assert_held(&cache->lookup_mutex);
	dpagemap = drm_pagemap_cache_get(cache, &cancelled);
	if (!cancelled)
		return dpagemap;
	/*
	 * Off the shrinker, unreferenced: no lookup (we hold the lookup
	 * mutex), active-only lookup or shrinker can reach it meanwhile.
	 */
	err = drm_pagemap_reinit(dpagemap);
	if (err) {
		drm_pagemap_shrinker_add(dpagemap);
		return ERR_PTR(err);
	}
	return dpagemap;
}
EXPORT_SYMBOL_GPL(drm_pagemap_get_from_cache);

/**
 * drm_pagemap_cache_set_pagemap() - make a new pagemap the one of a cache
 * @cache: the cache, locked by drm_pagemap_cache_lock_lookup(), for which
 *	   drm_pagemap_get_from_cache() just returned NULL
 * @dpagemap: a pagemap from drm_pagemap_init(), known to nobody else
 *
 * From now on the last put of @dpagemap leaves it inactive on the cache's
 * shrinker instead of destroying it, and lookups of @cache find it.
 */
void drm_pagemap_cache_set_pagemap(struct drm_pagemap_cache *cache,
				   struct drm_pagemap *dpagemap)
{
	struct drm_pagemap_shrinker *shrinker = cache->shrinker;

	lockdep_assert_held(&cache->lookup_mutex);
	drm_pagemap_shrinker_get(shrinker);
	spin_lock(&shrinker->lock);
	spin_lock(&cache->lock);
	WARN_ON(cache->dpagemap);
	cache->dpagemap = dpagemap;
	dpagemap->cache = cache;
	WRITE_ONCE(dpagemap->shrinker, shrinker);
	spin_unlock(&cache->lock);
	spin_unlock(&shrinker->lock);
}
EXPORT_SYMBOL_GPL(drm_pagemap_cache_set_pagemap);
