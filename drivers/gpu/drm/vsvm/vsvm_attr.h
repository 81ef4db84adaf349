/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vsvm: the memory attributes of a VM's VA intervals (preferred location,
 * migration policy, atomic mode, thrashing protection, access counters, read duplication),
 * set by DRM_IOCTL_VSVM_MADVISE and read by the GPU fault path.
 */
#ifndef _VSVM_ATTR_H_
#define _VSVM_ATTR_H_

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rbtree_types.h>
#include <linux/spinlock.h>
#include <linux/types.h>

struct drm_pagemap;
struct drm_vsvm_range_attr;
struct mm_struct;
struct vsvm_vm;

/**
 * struct vsvm_attr - the attributes of one VA interval
 * @preferred_loc: an &enum drm_vsvm_location
 * @dpagemap: for %DRM_VSVM_LOCATION_PAGEMAP_FD the pagemap of the region,
 *	referenced; NULL otherwise
 * @migration_policy: an &enum drm_vsvm_migration_policy
 * @atomic_mode: an &enum drm_vsvm_atomic_mode
 * @thrashing: an &enum drm_vsvm_thrashing
 * @access_counters: an &enum drm_vsvm_access_counters
 * @read_mostly: an &enum drm_vsvm_read_mostly
 */
struct vsvm_attr {
	u32 preferred_loc;
	struct drm_pagemap *dpagemap;
	u32 migration_policy;
	u32 atomic_mode;
	u32 thrashing;
	u32 access_counters;
	u32 read_mostly;
};

/* Unmapped spans recorded by the notifiers before they are applied. */
#define VSVM_ATTR_PENDING_MAX	32

/**
 * struct vsvm_attr_span - a VA span [@start, @end)
 * @start: the first address
 * @end: the address after the span
 */
struct vsvm_attr_span {
	unsigned long start;
	unsigned long end;
};

/**
 * struct vsvm_attr_store - the attribute intervals of one VM
 * @mm: the mm the VA belongs to (the VM's, grabbed by the VM)
 * @lock: protects @tree, its nodes, @watches and @nr_nodes. Taken by
 *	MADVISE, QUERY_RANGE_ATTRS and vsvm_vm_attr_get() (possibly under
 *	&vsvm_vm.lock and the mmap_lock), never from a notifier callback;
 *	only memory is allocated under it. Lock order: &vsvm_vm.lock ->
 *	mmap_lock -> @lock -> @pending_lock.
 * @tree: the intervals with non-default attributes, an interval tree of
 *	&struct vsvm_attr_node; they never overlap, adjacent ones differ
 * @nr_nodes: the number of nodes in @tree
 * @watches: the &struct vsvm_attr_watch notifiers; together they cover
 *	every interval of @tree, and none overlaps or touches another (but
 *	for a moment when two MADVISE calls race)
 * @pending_lock: protects @pending, @nr_pending and @overflows; a spinlock
 *	taken by the notifier callbacks, inside every other lock
 * @pending: spans unmapped since the last attribute operation, applied
 *	(reset to the defaults) at the next one under @lock
 * @nr_pending: the number of entries of @pending
 * @overflows: how often @pending was full and two spans were merged
 * @max_nodes: the most intervals @tree may hold (vsvm_attr_store_set()
 *	fails with -ENOMEM beyond); set at init, tests may lower it
 */
struct vsvm_attr_store {
	struct mm_struct *mm;
	struct mutex lock; /* protects tree, its nodes, watches, nr_nodes */
	struct rb_root_cached tree;
	unsigned long nr_nodes;
	struct list_head watches;
	spinlock_t pending_lock; /* protects pending, nr_pending, overflows */
	struct vsvm_attr_span pending[VSVM_ATTR_PENDING_MAX];
	unsigned int nr_pending;
	unsigned long overflows;
	unsigned long max_nodes;
};

void vsvm_attr_store_init(struct vsvm_attr_store *store, struct mm_struct *mm);
void vsvm_attr_store_fini(struct vsvm_attr_store *store);
int vsvm_attr_store_set(struct vsvm_attr_store *store, unsigned long start,
			unsigned long end, u32 type, u32 value,
			struct drm_pagemap *dpagemap, u32 device);
void vsvm_attr_store_lookup(struct vsvm_attr_store *store, unsigned long va,
			    struct vsvm_attr *attr, unsigned long *start,
			    unsigned long *end);
int vsvm_attr_store_query(struct vsvm_attr_store *store, unsigned long start,
			  unsigned long end, struct drm_vsvm_range_attr **out,
			  u32 *count);
unsigned long vsvm_attr_store_nr_nodes(struct vsvm_attr_store *store);
unsigned long vsvm_attr_store_nr_watches(struct vsvm_attr_store *store);

void vsvm_vm_attr_get(struct vsvm_vm *vm, unsigned long va,
		      struct vsvm_attr *attr, unsigned long *start,
		      unsigned long *end);
void vsvm_attr_put(struct vsvm_attr *attr);

#endif
