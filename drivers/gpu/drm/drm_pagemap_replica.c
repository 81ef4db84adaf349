// SPDX-License-Identifier: GPL-2.0
/*
 * drm_pagemap_replica: the read-only replicas of an mm's memory in the
 * memory of the devices that read it.
 *
 * Lock order (outer first):
 *   the driver's per-device locks (vsvm: &vsvm_vm.lock)
 *     drm_pagemap_replica_table_lock (mutex: the table of shared sets)
 *     drm_pagemap_replica_set.mutex (replica making and collapsing)
 *       the locks the users' callbacks take (vsvm: a VM's notifier lock)
 *         drm_pagemap_replica_set.lock (spinlock: the replicas, innermost)
 * The spinlock is taken from mmu notifier callbacks and memory-pressure
 * paths, which must never take the mutex.
 */
#include <linux/hashtable.h>
#include <linux/kref.h>
#include <linux/ktime.h>
#include <linux/mm_types.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include <drm/drm_pagemap_replica.h>

/**
 * DOC: Read replicas
 *
 * Memory that several devices read and rarely anyone writes (read-mostly
 * memory) is best read by each device from its own memory. A replica is a
 * read-only copy of a range of an mm that a device keeps in its own device
 * memory and maps instead of the memory itself (the master), which stays
 * where it is. It is not a migration: the mm's page tables do not change.
 * Several devices may hold replicas of one range at once.
 *
 * Coherence: a replica is only correct while nobody writes the master.
 * Every way to change the master must therefore reach every replica
 * before it proceeds:
 *
 * - the CPU, munmap(), mprotect(), fork() and migration of the master
 *   change the mm's page tables, so they invalidate the mmu interval
 *   notifiers of the range; each holder keeps its own notifier over the
 *   replicated range (vsvm: its drm_gpusvm range, whose pages it collected
 *   to make the copy), and its invalidate callback unmaps the replica
 *   with drm_pagemap_replica_take_user() before the invalidation returns,
 *   so before the pages change. This is only sound when a CPU write to
 *   the master does invalidate: a CPU store to a writable system page
 *   notifies nobody, so masters must be in device-private memory (which
 *   the CPU can only reach by migrating it back), never in system memory;
 * - a device writes through its own mappings, which notify nobody: every
 *   user of the mm's set (drm_pagemap_replica_user_add()) maps a range
 *   that drm_pagemap_replica_covers() read-only, making a replica revokes
 *   the writable mappings of every other user first
 *   (&drm_pagemap_replica_user_ops.revoke_write), and a device's write
 *   fault calls drm_pagemap_replica_collapse(), which unmaps every
 *   replica of the range (&drm_pagemap_replica_user_ops.collapse) before
 *   the write is mapped.
 *
 * Making one: drm_pagemap_replica_begin() takes the set's mutex, inserts
 * the replica as pending (covering the range from then on) and revokes the
 * other users' writable mappings, unless a device wrote the range in the
 * last replica_write_hold_us (module parameter, default 10000): then it
 * refuses (-EBUSY) and the reader maps the master in place, so that
 * readers re-replicating a range cannot starve its writer (each write
 * fault gets that long to write before a replica revokes its mapping
 * again). The driver collects the master's pages
 * (with their notifier sequence), copies them under its notifier lock,
 * maps the copy and drm_pagemap_replica_commit()s it, or
 * drm_pagemap_replica_abort()s; drm_pagemap_replica_end() drops the
 * mutex. Writers collapse under the same mutex, so a copy never races a
 * device write. Replicas are clean: under memory pressure a driver drops
 * them (drm_pagemap_replica_take()) without copying anything back.
 *
 * One set per mm, shared by every device (drm_pagemap_replica_set_get()).
 */

static unsigned int replica_write_hold_us = 10000;
module_param(replica_write_hold_us, uint, 0644);
MODULE_PARM_DESC(replica_write_hold_us,
		 "After a device write collapses read replicas, no replica of the range is made for this long, in us (default 10000)");

/* Recent device writes a set remembers, for the write hold. */
#define DPR_HOLDS	8

/**
 * struct drm_pagemap_replica_set - the replicas of one mm
 * @ref: references: one per user and per lookup
 * @mm: the mm (mmgrab()ed), NULL for an unshared set
 * @node: entry in the table of shared sets, under its lock
 * @mutex: serializes making replicas (begin to end), collapsing them and
 *	the list of @users; see the lock order at the top of the file
 * @users: the &struct drm_pagemap_replica_user of the mm's devices
 * @lock: protects @replicas, the replicas' state and link, @nr and @stats;
 *	a spinlock, innermost
 * @replicas: the pending and live replicas
 * @nr: the number of entries of @replicas
 * @stats: the counters
 * @hold_ns: the write hold, see DOC: Read replicas; under @mutex
 * @holds: the ranges recently written and until when they are held,
 *	under @mutex
 * @holds.start: the first address written
 * @holds.end: the address after the write
 * @holds.until: the end of the hold (ktime_get_ns())
 * @next_hold: the next entry of @holds to reuse, under @mutex
 */
struct drm_pagemap_replica_set {
	struct kref ref;
	struct mm_struct *mm;
	struct hlist_node node;
	struct mutex mutex; /* making, collapsing, users */
	struct list_head users;
	spinlock_t lock; /* replicas, their state and link, nr, stats */
	struct list_head replicas;
	unsigned long nr;
	struct drm_pagemap_replica_stats stats;
	u64 hold_ns;
	struct {
		unsigned long start;
		unsigned long end;
		u64 until;
	} holds[DPR_HOLDS];
	unsigned int next_hold;
};

/* The shared sets by mm; the lock also guards their last reference. */
static DEFINE_MUTEX(drm_pagemap_replica_table_lock);
static DEFINE_HASHTABLE(drm_pagemap_replica_table, 6);

static struct drm_pagemap_replica_set *drm_pagemap_replica_set_alloc(void)
{
	struct drm_pagemap_replica_set *set;

	set = kzalloc(sizeof(*set), GFP_KERNEL);
	if (!set)
		return NULL;
	kref_init(&set->ref);
	INIT_HLIST_NODE(&set->node);
	mutex_init(&set->mutex);
	INIT_LIST_HEAD(&set->users);
	spin_lock_init(&set->lock);
	INIT_LIST_HEAD(&set->replicas);
	set->hold_ns = (u64)READ_ONCE(replica_write_hold_us) * NSEC_PER_USEC;
	return set;
}

/**
 * drm_pagemap_replica_set_create() - create an unshared replica set
 *
 * A set of its own, not found by drm_pagemap_replica_set_get(): for tests
 * and for drivers that replicate a private address space.
 *
 * Return: the set with one reference, or NULL without memory.
 */
struct drm_pagemap_replica_set *drm_pagemap_replica_set_create(void)
{
	return drm_pagemap_replica_set_alloc();
}
EXPORT_SYMBOL_GPL(drm_pagemap_replica_set_create);

/**
 * drm_pagemap_replica_set_get() - find or create the replica set of an mm
 * @mm: the mm, which the caller keeps alive
 *
 * Every device mirroring @mm gets the same set; it grabs @mm (mmgrab())
 * until its last reference goes.
 *
 * Return: the set, referenced, or ERR_PTR(-ENOMEM).
 */
struct drm_pagemap_replica_set *drm_pagemap_replica_set_get(struct mm_struct *mm)
{
	struct drm_pagemap_replica_set *set;

	mutex_lock(&drm_pagemap_replica_table_lock);
	hash_for_each_possible(drm_pagemap_replica_table, set, node,
			       (unsigned long)mm) {
		if (set->mm == mm) {
			kref_get(&set->ref);
			goto out;
		}
	}
	set = drm_pagemap_replica_set_alloc();
	if (!set) {
		set = ERR_PTR(-ENOMEM);
		goto out;
	}
	mmgrab(mm);
	set->mm = mm;
	hash_add(drm_pagemap_replica_table, &set->node, (unsigned long)mm);
out:
	mutex_unlock(&drm_pagemap_replica_table_lock);
	return set;
}
EXPORT_SYMBOL_GPL(drm_pagemap_replica_set_get);

static void drm_pagemap_replica_set_release(struct kref *ref)
{
	struct drm_pagemap_replica_set *set =
		container_of(ref, struct drm_pagemap_replica_set, ref);

	if (set->mm)
		hash_del(&set->node);
	mutex_unlock(&drm_pagemap_replica_table_lock);

	WARN_ON(!list_empty(&set->users) || !list_empty(&set->replicas));
	if (set->mm)
		mmdrop(set->mm);
	mutex_destroy(&set->mutex);
	kfree(set);
}

/**
 * drm_pagemap_replica_set_put() - drop a set reference
 * @set: the set, or NULL
 *
 * The last reference frees the set, which must have no user and no
 * replica left. Process context.
 */
void drm_pagemap_replica_set_put(struct drm_pagemap_replica_set *set)
{
	if (set)
		kref_put_mutex(&set->ref, drm_pagemap_replica_set_release,
			       &drm_pagemap_replica_table_lock);
}
EXPORT_SYMBOL_GPL(drm_pagemap_replica_set_put);

/**
 * drm_pagemap_replica_user_add() - a device starts mirroring the set's mm
 * @set: the set
 * @user: the device's user, embedded by the driver
 * @ops: its callbacks
 */
void drm_pagemap_replica_user_add(struct drm_pagemap_replica_set *set,
				  struct drm_pagemap_replica_user *user,
				  const struct drm_pagemap_replica_user_ops *ops)
{
	user->ops = ops;
	mutex_lock(&set->mutex);
	list_add_tail(&user->link, &set->users);
	mutex_unlock(&set->mutex);
}
EXPORT_SYMBOL_GPL(drm_pagemap_replica_user_add);

/**
 * drm_pagemap_replica_user_remove() - a device stops mirroring the mm
 * @set: the set
 * @user: the user; it must hold no replica any more
 *	(drm_pagemap_replica_take_user() over the whole address space first)
 */
void drm_pagemap_replica_user_remove(struct drm_pagemap_replica_set *set,
				     struct drm_pagemap_replica_user *user)
{
	mutex_lock(&set->mutex);
	list_del_init(&user->link);
	mutex_unlock(&set->mutex);
}
EXPORT_SYMBOL_GPL(drm_pagemap_replica_user_remove);

static bool dpr_overlaps(const struct drm_pagemap_replica *rep,
			 unsigned long start, unsigned long end)
{
	return rep->start < end && start < rep->end;
}

/* Take @rep out of the set; under the spinlock. */
static void dpr_unlink(struct drm_pagemap_replica_set *set,
		       struct drm_pagemap_replica *rep, bool collapsed)
{
	lockdep_assert_held(&set->lock);
	list_del_init(&rep->link);
	set->nr--;
	if (rep->state == DRM_PAGEMAP_REPLICA_LIVE) {
		set->stats.live--;
		if (collapsed)
			set->stats.collapsed++;
		else
			set->stats.dropped++;
	}
	rep->state = DRM_PAGEMAP_REPLICA_NONE;
}

/**
 * drm_pagemap_replica_set_write_hold() - set a set's write hold
 * @set: the set
 * @hold_ns: how long after a device write no replica of its range is made
 *	(the module parameter replica_write_hold_us when the set was made)
 */
void drm_pagemap_replica_set_write_hold(struct drm_pagemap_replica_set *set,
					u64 hold_ns)
{
	mutex_lock(&set->mutex);
	set->hold_ns = hold_ns;
	mutex_unlock(&set->mutex);
}
EXPORT_SYMBOL_GPL(drm_pagemap_replica_set_write_hold);

/* Whether [@start, @end) was written within the hold; under the mutex. */
static bool dpr_held(struct drm_pagemap_replica_set *set, unsigned long start,
		     unsigned long end)
{
	u64 now = ktime_get_ns();
	unsigned int i;

	lockdep_assert_held(&set->mutex);
	for (i = 0; i < DPR_HOLDS; i++)
		if (now < set->holds[i].until && set->holds[i].start < end &&
		    start < set->holds[i].end)
			return true;
	return false;
}

/**
 * drm_pagemap_replica_begin() - start making a replica
 * @set: the set of the mm
 * @rep: the replica, not in a set
 * @user: the device that will hold it
 * @start: the first address to replicate
 * @end: the address after the range
 *
 * Takes the set's mutex (drm_pagemap_replica_end() drops it), inserts @rep
 * as pending, so that drm_pagemap_replica_covers() sees it, and revokes
 * the writable mappings every other user has of [@start, @end). The
 * caller then collects the master's pages, copies them, maps the copy
 * read-only and commits, or aborts. Process context; may sleep.
 *
 * Return: 0 with the mutex held; -EBUSY, without it, when a device wrote
 * the range within the write hold (see DOC: Read replicas): the caller
 * maps the master in place instead.
 */
int drm_pagemap_replica_begin(struct drm_pagemap_replica_set *set,
			      struct drm_pagemap_replica *rep,
			      struct drm_pagemap_replica_user *user,
			      unsigned long start, unsigned long end)
{
	struct drm_pagemap_replica_user *u;

	mutex_lock(&set->mutex);
	if (dpr_held(set, start, end)) {
		mutex_unlock(&set->mutex);
		return -EBUSY;
	}
	rep->user = user;
	rep->start = start;
	rep->end = end;
	spin_lock(&set->lock);
	rep->state = DRM_PAGEMAP_REPLICA_PENDING;
	list_add_tail(&rep->link, &set->replicas);
	set->nr++;
	spin_unlock(&set->lock);
	list_for_each_entry(u, &set->users, link)
		if (u != user)
			u->ops->revoke_write(u, start, end);
	return 0;
}
EXPORT_SYMBOL_GPL(drm_pagemap_replica_begin);

/**
 * drm_pagemap_replica_commit() - a pending replica is mapped
 * @set: the set
 * @rep: the replica of drm_pagemap_replica_begin()
 *
 * Call it where the replica became visible to the device (vsvm: under its
 * notifier lock, after checking that the pages it copied are still
 * valid): from then on the holder's invalidations and the writers'
 * collapses remove it.
 */
void drm_pagemap_replica_commit(struct drm_pagemap_replica_set *set,
				struct drm_pagemap_replica *rep)
{
	spin_lock(&set->lock);
	rep->state = DRM_PAGEMAP_REPLICA_LIVE;
	set->stats.live++;
	set->stats.made++;
	spin_unlock(&set->lock);
}
EXPORT_SYMBOL_GPL(drm_pagemap_replica_commit);

/**
 * drm_pagemap_replica_abort() - give up a pending replica
 * @set: the set
 * @rep: the replica of drm_pagemap_replica_begin(), not committed
 */
void drm_pagemap_replica_abort(struct drm_pagemap_replica_set *set,
			       struct drm_pagemap_replica *rep)
{
	spin_lock(&set->lock);
	if (rep->state == DRM_PAGEMAP_REPLICA_PENDING)
		dpr_unlink(set, rep, false);
	spin_unlock(&set->lock);
}
EXPORT_SYMBOL_GPL(drm_pagemap_replica_abort);

/**
 * drm_pagemap_replica_end() - end drm_pagemap_replica_begin()
 * @set: the set, its mutex held by drm_pagemap_replica_begin()
 */
void drm_pagemap_replica_end(struct drm_pagemap_replica_set *set)
{
	mutex_unlock(&set->mutex);
}
EXPORT_SYMBOL_GPL(drm_pagemap_replica_end);

/**
 * drm_pagemap_replica_collapse() - remove every replica of a range
 * @set: the set
 * @start: the first address
 * @end: the address after the range
 *
 * For a device about to write [@start, @end): each live replica
 * overlapping it is taken out of the set and handed to its holder's
 * &drm_pagemap_replica_user_ops.collapse, which unmaps it, before this
 * returns, and the range is held: no replica of it is made within the
 * write hold. Serialized with the making of replicas. Process context; may
 * sleep; not under a lock a user's callback takes.
 *
 * Return: the number of replicas collapsed.
 */
unsigned long drm_pagemap_replica_collapse(struct drm_pagemap_replica_set *set,
					   unsigned long start,
					   unsigned long end)
{
	struct drm_pagemap_replica *rep, *found;
	unsigned long n = 0;

	if (!drm_pagemap_replica_any(set))
		return 0;
	mutex_lock(&set->mutex);
	if (set->hold_ns) {
		set->holds[set->next_hold].start = start;
		set->holds[set->next_hold].end = end;
		set->holds[set->next_hold].until = ktime_get_ns() +
						   set->hold_ns;
		set->next_hold = (set->next_hold + 1) % DPR_HOLDS;
	}
	for (;;) {
		found = NULL;
		spin_lock(&set->lock);
		list_for_each_entry(rep, &set->replicas, link) {
			if (rep->state == DRM_PAGEMAP_REPLICA_LIVE &&
			    dpr_overlaps(rep, start, end)) {
				found = rep;
				dpr_unlink(set, rep, true);
				break;
			}
		}
		spin_unlock(&set->lock);
		if (!found)
			break;
		found->user->ops->collapse(found);
		n++;
	}
	mutex_unlock(&set->mutex);
	return n;
}
EXPORT_SYMBOL_GPL(drm_pagemap_replica_collapse);

/**
 * drm_pagemap_replica_take() - take one live replica out of its set
 * @set: the set
 * @rep: the replica
 * @collapsed: counted as collapsed (its data may change) rather than
 *	dropped (memory pressure, teardown)
 *
 * For the holder's own paths: the caller unmaps and frees @rep if this
 * returns true; false means it was not live (a collapse or an
 * invalidation took it first, or it is still pending). Takes only the
 * spinlock: usable from notifier callbacks and under memory pressure.
 *
 * Return: whether the caller took @rep.
 */
bool drm_pagemap_replica_take(struct drm_pagemap_replica_set *set,
			      struct drm_pagemap_replica *rep, bool collapsed)
{
	bool taken;

	spin_lock(&set->lock);
	taken = rep->state == DRM_PAGEMAP_REPLICA_LIVE;
	if (taken)
		dpr_unlink(set, rep, collapsed);
	spin_unlock(&set->lock);
	return taken;
}
EXPORT_SYMBOL_GPL(drm_pagemap_replica_take);

/**
 * drm_pagemap_replica_take_user() - take a user's replicas of a range
 * @set: the set
 * @user: the holder
 * @start: the first address
 * @end: the address after the range
 * @collapsed: as for drm_pagemap_replica_take()
 * @list: the live replicas of @user overlapping [@start, @end) are moved
 *	here (by their &drm_pagemap_replica.link), for the caller to unmap
 *	and free
 *
 * For the holder's mmu notifier callback: takes only the spinlock.
 *
 * Return: the number of replicas moved to @list.
 */
unsigned long
drm_pagemap_replica_take_user(struct drm_pagemap_replica_set *set,
			      struct drm_pagemap_replica_user *user,
			      unsigned long start, unsigned long end,
			      bool collapsed, struct list_head *list)
{
	struct drm_pagemap_replica *rep, *next;
	unsigned long n = 0;

	if (!drm_pagemap_replica_any(set))
		return 0;
	spin_lock(&set->lock);
	list_for_each_entry_safe(rep, next, &set->replicas, link) {
		if (rep->user != user ||
		    rep->state != DRM_PAGEMAP_REPLICA_LIVE ||
		    !dpr_overlaps(rep, start, end))
			continue;
		dpr_unlink(set, rep, collapsed);
		list_add_tail(&rep->link, list);
		n++;
	}
	spin_unlock(&set->lock);
	return n;
}
EXPORT_SYMBOL_GPL(drm_pagemap_replica_take_user);

/**
 * drm_pagemap_replica_any() - whether a set has replicas, a hint
 * @set: the set
 *
 * Return: false if the set had no pending or live replica a moment ago.
 */
bool drm_pagemap_replica_any(struct drm_pagemap_replica_set *set)
{
	return READ_ONCE(set->nr) != 0;
}
EXPORT_SYMBOL_GPL(drm_pagemap_replica_any);

/**
 * drm_pagemap_replica_covers() - whether a range is replicated
 * @set: the set
 * @start: the first address
 * @end: the address after the range
 *
 * Users map a range for which this is true read-only. Call it where the
 * mapping is made (vsvm: under the notifier lock): a replica begun after
 * it revokes the mapping. Takes only the spinlock.
 *
 * Return: true if a pending or live replica overlaps [@start, @end).
 */
bool drm_pagemap_replica_covers(struct drm_pagemap_replica_set *set,
				unsigned long start, unsigned long end)
{
	struct drm_pagemap_replica *rep;
	bool covers = false;

	if (!drm_pagemap_replica_any(set))
		return false;
	spin_lock(&set->lock);
	list_for_each_entry(rep, &set->replicas, link) {
		if (dpr_overlaps(rep, start, end)) {
			covers = true;
			break;
		}
	}
	spin_unlock(&set->lock);
	return covers;
}
EXPORT_SYMBOL_GPL(drm_pagemap_replica_covers);

/**
 * drm_pagemap_replica_for_each() - visit the live replicas of a range
 * @set: the set
 * @start: the first address
 * @end: the address after the range
 * @fn: called for each live replica overlapping [@start, @end), under the
 *	set's spinlock: it must not sleep nor call into the set
 * @arg: its argument
 */
void drm_pagemap_replica_for_each(struct drm_pagemap_replica_set *set,
				  unsigned long start, unsigned long end,
				  void (*fn)(struct drm_pagemap_replica *rep,
					     void *arg),
				  void *arg)
{
	struct drm_pagemap_replica *rep;

	if (!drm_pagemap_replica_any(set))
		return;
	spin_lock(&set->lock);
	list_for_each_entry(rep, &set->replicas, link)
		if (rep->state == DRM_PAGEMAP_REPLICA_LIVE &&
		    dpr_overlaps(rep, start, end))
			fn(rep, arg);
	spin_unlock(&set->lock);
}
EXPORT_SYMBOL_GPL(drm_pagemap_replica_for_each);

/**
 * drm_pagemap_replica_stats_get() - read a set's counters
 * @set: the set
 * @stats: filled with the counters
 */
void drm_pagemap_replica_stats_get(struct drm_pagemap_replica_set *set,
				   struct drm_pagemap_replica_stats *stats)
{
	spin_lock(&set->lock);
	*stats = set->stats;
	spin_unlock(&set->lock);
}
EXPORT_SYMBOL_GPL(drm_pagemap_replica_stats_get);
