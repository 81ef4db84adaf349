/* SPDX-License-Identifier: GPL-2.0 */
/*
 * drm_pagemap_replica: bookkeeping of read-only replicas of device memory
 * in other devices' memory. A drm-msvm extension; upstream's drm_pagemap
 * has none.
 */
#ifndef _DRM_MSVM_DRM_PAGEMAP_REPLICA_H_
#define _DRM_MSVM_DRM_PAGEMAP_REPLICA_H_

#include <linux/list.h>
#include <linux/types.h>

struct drm_pagemap_replica;
struct drm_pagemap_replica_set;
struct drm_pagemap_replica_user;
struct mm_struct;

/**
 * struct drm_pagemap_replica_user_ops - what a replica set asks of a user
 */
struct drm_pagemap_replica_user_ops {
	/**
	 * @revoke_write: drop every mapping of [@start, @end) through which
	 * the user's device may write, and make sure none is made again
	 * without drm_pagemap_replica_covers() being checked; when it
	 * returns, the device no longer writes there. Called with the set's
	 * mutex held: it must not call into the set, and may take only
	 * locks that are never held around a call into the set (for
	 * example the user's notifier lock, for write).
	 */
	void (*revoke_write)(struct drm_pagemap_replica_user *user,
			     unsigned long start, unsigned long end);
	/**
	 * @collapse: unmap @rep from its holder's device and free it (or
	 * queue it to be freed); when it returns the device no longer reads
	 * it. @rep is already out of the set. Same rules as @revoke_write.
	 */
	void (*collapse)(struct drm_pagemap_replica *rep);
};

/**
 * struct drm_pagemap_replica_user - a device mirroring the mm of a set
 * @ops: the user's callbacks
 * @link: entry in the set's users, under the set's mutex
 *
 * A driver embeds one per device and mm (vsvm: per VM) and adds it to the
 * mm's set with drm_pagemap_replica_user_add() for as long as its device
 * may map the mm.
 */
struct drm_pagemap_replica_user {
	const struct drm_pagemap_replica_user_ops *ops;
	struct list_head link;
};

/**
 * enum drm_pagemap_replica_state - where a replica is in its life
 * @DRM_PAGEMAP_REPLICA_NONE: not in a set
 * @DRM_PAGEMAP_REPLICA_PENDING: being made (drm_pagemap_replica_begin()
 *	to drm_pagemap_replica_commit()); counts for
 *	drm_pagemap_replica_covers()
 * @DRM_PAGEMAP_REPLICA_LIVE: mapped by its holder
 */
enum drm_pagemap_replica_state {
	DRM_PAGEMAP_REPLICA_NONE,
	DRM_PAGEMAP_REPLICA_PENDING,
	DRM_PAGEMAP_REPLICA_LIVE,
};

/**
 * struct drm_pagemap_replica - one read-only replica of [@start, @end)
 * @user: the holder
 * @start: the first address replicated
 * @end: the address after the replica
 * @state: an &enum drm_pagemap_replica_state, under the set's spinlock
 * @link: entry in the set's replicas, under the set's spinlock
 *
 * Embedded by the driver in its own replica object (with the device
 * memory that holds the copy).
 */
struct drm_pagemap_replica {
	struct drm_pagemap_replica_user *user;
	unsigned long start;
	unsigned long end;
	enum drm_pagemap_replica_state state;
	struct list_head link;
};

/**
 * struct drm_pagemap_replica_stats - a set's counters
 * @live: replicas made and not yet gone
 * @made: replicas made (committed)
 * @collapsed: replicas removed because their memory may change: a write,
 *	an invalidation (CPU access to the master, migration, munmap,
 *	mprotect, fork)
 * @dropped: replicas removed without a change of the data (memory
 *	pressure, the holder going away)
 */
struct drm_pagemap_replica_stats {
	u64 live;
	u64 made;
	u64 collapsed;
	u64 dropped;
};

struct drm_pagemap_replica_set *drm_pagemap_replica_set_get(struct mm_struct *mm);
struct drm_pagemap_replica_set *drm_pagemap_replica_set_create(void);
void drm_pagemap_replica_set_put(struct drm_pagemap_replica_set *set);

void drm_pagemap_replica_user_add(struct drm_pagemap_replica_set *set,
				  struct drm_pagemap_replica_user *user,
				  const struct drm_pagemap_replica_user_ops *ops);
void drm_pagemap_replica_user_remove(struct drm_pagemap_replica_set *set,
				     struct drm_pagemap_replica_user *user);

void drm_pagemap_replica_set_write_hold(struct drm_pagemap_replica_set *set,
					u64 hold_ns);
int drm_pagemap_replica_begin(struct drm_pagemap_replica_set *set,
			      struct drm_pagemap_replica *rep,
			      struct drm_pagemap_replica_user *user,
			      unsigned long start, unsigned long end);
void drm_pagemap_replica_commit(struct drm_pagemap_replica_set *set,
				struct drm_pagemap_replica *rep);
void drm_pagemap_replica_abort(struct drm_pagemap_replica_set *set,
			       struct drm_pagemap_replica *rep);
void drm_pagemap_replica_end(struct drm_pagemap_replica_set *set);

unsigned long drm_pagemap_replica_collapse(struct drm_pagemap_replica_set *set,
					   unsigned long start,
					   unsigned long end);
bool drm_pagemap_replica_take(struct drm_pagemap_replica_set *set,
			      struct drm_pagemap_replica *rep, bool collapsed);
unsigned long
drm_pagemap_replica_take_user(struct drm_pagemap_replica_set *set,
			      struct drm_pagemap_replica_user *user,
			      unsigned long start, unsigned long end,
			      bool collapsed, struct list_head *list);
bool drm_pagemap_replica_covers(struct drm_pagemap_replica_set *set,
				unsigned long start, unsigned long end);
bool drm_pagemap_replica_any(struct drm_pagemap_replica_set *set);
void drm_pagemap_replica_for_each(struct drm_pagemap_replica_set *set,
				  unsigned long start, unsigned long end,
				  void (*fn)(struct drm_pagemap_replica *rep,
					     void *arg),
				  void *arg);
void drm_pagemap_replica_stats_get(struct drm_pagemap_replica_set *set,
				   struct drm_pagemap_replica_stats *stats);

#endif
