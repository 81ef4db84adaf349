// SPDX-License-Identifier: GPL-2.0
/*
 * vsvm: the memory attributes of a VM's VA intervals.
 *
 * A VM keeps the intervals whose attributes differ from the defaults in an
 * interval tree (&struct vsvm_attr_store): they never overlap, and two
 * adjacent ones never have equal attributes. MADVISE on [start, end)
 * splits the intervals it partly covers, fills the gaps, sets the one
 * attribute and merges equal neighbours; intervals back at the defaults
 * are dropped. A gap has the default attributes.
 *
 * Reset on munmap: every interval is covered by at least one watch, an
 * mmu_interval_notifier inserted by MADVISE (over the range of the call,
 * unless one watch already covers it). The watch callback only records
 * the MMU_NOTIFY_UNMAP spans (munmap, mremap's old range, exit), clipped
 * to the watch, in a fixed array under a spinlock: no allocation, no
 * notifier insertion or removal, no sleeping lock. The spans are applied
 * (the attributes of that VA reset to the defaults) at the start of the
 * next attribute operation, under the store lock, before anything reads
 * the tree; so a GPU fault never sees the attributes of unmapped memory,
 * even where the GPU never faulted. Watches that cover no interval any more
 * are removed by the next MADVISE and all of them at VM release.
 *
 * Watches never nest or touch: a new one also covers every watch that
 * overlaps or touches its range, and those are removed. Each watch covers
 * at least one interval (the others are removed by the next MADVISE), so
 * there are never more watches than intervals, plus one.
 *
 * Limits. A VM holds at most &vsvm_attr_store.max_nodes intervals (the
 * module parameter max_attr_intervals when the VM is made), as mm bounds a
 * process's VMAs with vm.max_map_count: the memory behind them is the
 * kernel's, charged to the caller's memory cgroup. MADVISE fails with
 * -ENOMEM, changing nothing, when it could leave more: it counts the
 * splits and filled gaps that would not already have the value, as mm
 * refuses a split at its limit before knowing what merges after it. A call
 * that needs none (it only drops intervals or sets a value they have)
 * always succeeds, and so does munmap. Two paths that practically
 * never run lose attributes rather than keep them on unmapped memory: when
 * more than %VSVM_ATTR_PENDING_MAX disjoint spans are unmapped between two
 * attribute operations, the nearest two spans are merged and the VA between
 * them (within a watch) is reset as well; and when applying a span inside
 * an interval (a hole) would exceed the limit or cannot allocate the right
 * part, that part is reset too.
 *
 * Locking: see &struct vsvm_attr_store. The store lock is a mutex taken
 * under &vsvm_vm.lock (and possibly the mmap_lock) by the fault path; only
 * memory is allocated under it. Notifiers are inserted and removed without
 * it (insertion may take the mmap_lock, removal waits for running
 * callbacks, which take only the pending spinlock).
 */
#include <linux/interval_tree.h>
#include <linux/limits.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>

#include <kunit/visibility.h>

#include <drm/drm_pagemap.h>
#include <drm/vsvm_drm.h>

#include "vsvm_attr.h"
#include "vsvm_vm.h"

static unsigned int max_attr_intervals = 65536;
module_param(max_attr_intervals, uint, 0644);
MODULE_PARM_DESC(max_attr_intervals,
		 "Most attribute intervals one VM holds, taken when the VM is made (default 65536)");

/**
 * struct vsvm_attr_node - one interval of non-default attributes
 * @it: the interval [it.start, it.last] in &vsvm_attr_store.tree
 * @attr: the attributes; @attr.dpagemap is referenced
 * @device: the device index of a DEVICE or PAGEMAP_FD preferred location
 */
struct vsvm_attr_node {
	struct interval_tree_node it;
	struct vsvm_attr attr;
	u32 device;
};

/**
 * struct vsvm_attr_watch - a notifier catching the unmaps of attributed VA
 * @notifier: the interval notifier over [@start, @end)
 * @store: the store it records into
 * @start: the first address
 * @end: the address after the watched span
 * @link: entry in &vsvm_attr_store.watches
 */
struct vsvm_attr_watch {
	struct mmu_interval_notifier notifier;
	struct vsvm_attr_store *store;
	unsigned long start;
	unsigned long end;
	struct list_head link;
};

static unsigned long vsvm_attr_node_start(const struct vsvm_attr_node *n)
{
	return n->it.start;
}

static unsigned long vsvm_attr_node_end(const struct vsvm_attr_node *n)
{
	return n->it.last + 1;
}

static struct vsvm_attr_node *vsvm_attr_first(struct vsvm_attr_store *store,
					      unsigned long first,
					      unsigned long last)
{
	struct interval_tree_node *it;

	it = interval_tree_iter_first(&store->tree, first, last);
	return it ? container_of(it, struct vsvm_attr_node, it) : NULL;
}

static void vsvm_attr_default(struct vsvm_attr *attr)
{
	attr->preferred_loc = DRM_VSVM_LOCATION_DEFAULT;
	attr->dpagemap = NULL;
	attr->migration_policy = DRM_VSVM_MIGRATE_ALL_PAGES;
	attr->atomic_mode = DRM_VSVM_ATOMIC_DEFAULT;
	attr->thrashing = DRM_VSVM_THRASHING_PROTECT;
	attr->access_counters = DRM_VSVM_ACCESS_COUNTERS_DEFAULT;
	attr->read_mostly = DRM_VSVM_READ_MOSTLY_OFF;
}

static bool vsvm_attr_is_default(const struct vsvm_attr_node *n)
{
	return n->attr.preferred_loc == DRM_VSVM_LOCATION_DEFAULT &&
	       n->attr.migration_policy == DRM_VSVM_MIGRATE_ALL_PAGES &&
	       n->attr.atomic_mode == DRM_VSVM_ATOMIC_DEFAULT &&
	       n->attr.thrashing == DRM_VSVM_THRASHING_PROTECT &&
	       n->attr.access_counters == DRM_VSVM_ACCESS_COUNTERS_DEFAULT &&
	       n->attr.read_mostly == DRM_VSVM_READ_MOSTLY_OFF;
}

static bool vsvm_attr_node_equal(const struct vsvm_attr_node *a,
				 const struct vsvm_attr_node *b)
{
	return a->attr.preferred_loc == b->attr.preferred_loc &&
	       a->attr.dpagemap == b->attr.dpagemap &&
	       a->attr.migration_policy == b->attr.migration_policy &&
	       a->attr.atomic_mode == b->attr.atomic_mode &&
	       a->attr.thrashing == b->attr.thrashing &&
	       a->attr.access_counters == b->attr.access_counters &&
	       a->attr.read_mostly == b->attr.read_mostly &&
	       a->device == b->device;
}

static void vsvm_attr_node_free(struct vsvm_attr_node *n)
{
	if (n->attr.dpagemap)
		drm_pagemap_put(n->attr.dpagemap);
	kfree(n);
}

static void vsvm_attr_insert(struct vsvm_attr_store *store,
			     struct vsvm_attr_node *n, unsigned long start,
			     unsigned long end)
{
	n->it.start = start;
	n->it.last = end - 1;
	interval_tree_insert(&n->it, &store->tree);
}

static void vsvm_attr_remove(struct vsvm_attr_store *store,
			     struct vsvm_attr_node *n)
{
	interval_tree_remove(&n->it, &store->tree);
}

/* Move @n to [@start, @end) in the tree. */
static void vsvm_attr_resize(struct vsvm_attr_store *store,
			     struct vsvm_attr_node *n, unsigned long start,
			     unsigned long end)
{
	vsvm_attr_remove(store, n);
	vsvm_attr_insert(store, n, start, end);
}

/* Drop @n from the tree and free it. */
static void vsvm_attr_delete(struct vsvm_attr_store *store,
			     struct vsvm_attr_node *n)
{
	vsvm_attr_remove(store, n);
	store->nr_nodes--;
	vsvm_attr_node_free(n);
}

/* Give @spare the attributes of @n and the range [@start, @end). */
static void vsvm_attr_insert_copy(struct vsvm_attr_store *store,
				  struct vsvm_attr_node *spare,
				  const struct vsvm_attr_node *n,
				  unsigned long start, unsigned long end)
{
	spare->attr = n->attr;
	drm_pagemap_get(spare->attr.dpagemap);
	spare->device = n->device;
	vsvm_attr_insert(store, spare, start, end);
	store->nr_nodes++;
}

/* Reset the attributes of [@start, @end) to the defaults. */
static void vsvm_attr_reset(struct vsvm_attr_store *store, unsigned long start,
			    unsigned long end)
{
	struct vsvm_attr_node *n, *right;
	unsigned long ns, ne;

	while ((n = vsvm_attr_first(store, start, end - 1))) {
		ns = vsvm_attr_node_start(n);
		ne = vsvm_attr_node_end(n);
		if (ns < start && ne > end) {
			/*
			 * A hole: at the limit or without memory the right
			 * part goes too.
			 */
			right = NULL;
			if (store->nr_nodes < store->max_nodes)
				right = kzalloc(sizeof(*right),
						GFP_KERNEL_ACCOUNT);
			if (right)
				vsvm_attr_insert_copy(store, right, n, end, ne);
			vsvm_attr_resize(store, n, ns, start);
			break;
		}
		if (ns < start)
			vsvm_attr_resize(store, n, ns, start);
		else if (ne > end)
			vsvm_attr_resize(store, n, end, ne);
		else
			vsvm_attr_delete(store, n);
	}
}

/* Apply the spans recorded by the watches. */
static void vsvm_attr_apply_pending(struct vsvm_attr_store *store)
{
	struct vsvm_attr_span spans[VSVM_ATTR_PENDING_MAX];
	unsigned int i, n;

	lockdep_assert_held(&store->lock);

	spin_lock(&store->pending_lock);
	n = store->nr_pending;
	memcpy(spans, store->pending, n * sizeof(spans[0]));
	store->nr_pending = 0;
	spin_unlock(&store->pending_lock);

	for (i = 0; i < n; i++)
		vsvm_attr_reset(store, spans[i].start, spans[i].end);
}

static void vsvm_attr_record(struct vsvm_attr_store *store,
			     unsigned long start, unsigned long end)
{
	struct vsvm_attr_span *p = store->pending;
	unsigned long gap, best_gap = ULONG_MAX;
	unsigned int i, best = 0;

	spin_lock(&store->pending_lock);
	for (i = 0; i < store->nr_pending; i++) {
		if (start <= p[i].end && end >= p[i].start) {
			p[i].start = min(p[i].start, start);
			p[i].end = max(p[i].end, end);
			goto out;
		}
	}
	if (store->nr_pending < VSVM_ATTR_PENDING_MAX) {
		p[store->nr_pending].start = start;
		p[store->nr_pending].end = end;
		store->nr_pending++;
		goto out;
	}
	/* Full: widen the nearest span (over-resetting the gap). */
	for (i = 0; i < store->nr_pending; i++) {
		gap = end < p[i].start ? p[i].start - end : start - p[i].end;
		if (gap < best_gap) {
			best_gap = gap;
			best = i;
		}
	}
	p[best].start = min(p[best].start, start);
	p[best].end = max(p[best].end, end);
	store->overflows++;
out:
	spin_unlock(&store->pending_lock);
}

static bool vsvm_attr_watch_invalidate(struct mmu_interval_notifier *mni,
				       const struct mmu_notifier_range *range,
				       unsigned long cur_seq)
{
	struct vsvm_attr_watch *w =
		container_of(mni, struct vsvm_attr_watch, notifier);
	unsigned long start = max(range->start, w->start);
	unsigned long end = min(range->end, w->end);

	if (range->event == MMU_NOTIFY_UNMAP && start < end)
		vsvm_attr_record(w->store, start, end);
	return true;
}

static const struct mmu_interval_notifier_ops vsvm_attr_watch_ops = {
	.invalidate = vsvm_attr_watch_invalidate,
};

/* Whether one watch covers [@start, @end). */
static bool vsvm_attr_watched(struct vsvm_attr_store *store,
			      unsigned long start, unsigned long end)
{
	struct vsvm_attr_watch *w;

	list_for_each_entry(w, &store->watches, link)
		if (w->start <= start && w->end >= end)
			return true;
	return false;
}

/*
 * Widen [@start, @end) over every watch overlapping or touching it: the
 * span of a new watch, which replaces them.
 */
static void vsvm_attr_watch_span(struct vsvm_attr_store *store,
				 unsigned long *start, unsigned long *end)
{
	struct vsvm_attr_watch *w;
	unsigned long s = *start, e = *end;

	list_for_each_entry(w, &store->watches, link) {
		if (w->start <= *end && w->end >= *start) {
			s = min(s, w->start);
			e = max(e, w->end);
		}
	}
	*start = s;
	*end = e;
}

/* Move the watches inside @watch's span, other than it, to @dead. */
static void vsvm_attr_watch_absorb(struct vsvm_attr_store *store,
				   struct vsvm_attr_watch *watch,
				   struct list_head *dead)
{
	struct vsvm_attr_watch *w, *next;

	list_for_each_entry_safe(w, next, &store->watches, link)
		if (w != watch && w->start >= watch->start &&
		    w->end <= watch->end)
			list_move(&w->link, dead);
}

/* A new watch over [@start, @end), not on the list yet; no lock held. */
static struct vsvm_attr_watch *
vsvm_attr_watch_create(struct vsvm_attr_store *store, unsigned long start,
		       unsigned long end)
{
	struct vsvm_attr_watch *w;
	int err;

	w = kzalloc(sizeof(*w), GFP_KERNEL_ACCOUNT);
	if (!w)
		return ERR_PTR(-ENOMEM);
	w->store = store;
	w->start = start;
	w->end = end;
	INIT_LIST_HEAD(&w->link);
	err = mmu_interval_notifier_insert(&w->notifier, store->mm, start,
					   end - start, &vsvm_attr_watch_ops);
	if (err) {
		kfree(w);
		return ERR_PTR(err);
	}
	return w;
}

/* Remove and free the watches of @list; no lock held. */
static void vsvm_attr_watch_destroy(struct list_head *list)
{
	struct vsvm_attr_watch *w, *next;

	list_for_each_entry_safe(w, next, list, link) {
		list_del(&w->link);
		mmu_interval_notifier_remove(&w->notifier);
		kfree(w);
	}
}

/* Move the watches that cover no interval to @dead. */
static void vsvm_attr_watch_gc(struct vsvm_attr_store *store,
			       struct list_head *dead)
{
	struct vsvm_attr_watch *w, *next;

	list_for_each_entry_safe(w, next, &store->watches, link)
		if (!vsvm_attr_first(store, w->start, w->end - 1))
			list_move(&w->link, dead);
}

/**
 * vsvm_attr_store_init() - set up the attribute store of a VM
 * @store: the store
 * @mm: the VM's mm, grabbed by the VM for longer than the store lives
 */
void vsvm_attr_store_init(struct vsvm_attr_store *store, struct mm_struct *mm)
{
	store->mm = mm;
	mutex_init(&store->lock);
	store->tree = RB_ROOT_CACHED;
	store->nr_nodes = 0;
	INIT_LIST_HEAD(&store->watches);
	spin_lock_init(&store->pending_lock);
	store->nr_pending = 0;
	store->overflows = 0;
	store->max_nodes = READ_ONCE(max_attr_intervals);
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_attr_store_init);

/**
 * vsvm_attr_store_fini() - tear down an attribute store
 * @store: the store
 *
 * Removes its notifiers and drops its intervals and their pagemap
 * references. Process context, no lock of the store's mm held.
 */
void vsvm_attr_store_fini(struct vsvm_attr_store *store)
{
	struct vsvm_attr_node *n;

	vsvm_attr_watch_destroy(&store->watches);
	while ((n = vsvm_attr_first(store, 0, ULONG_MAX)))
		vsvm_attr_delete(store, n);
	mutex_destroy(&store->lock);
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_attr_store_fini);

static void vsvm_attr_set_field(struct vsvm_attr_node *n, u32 type, u32 value,
				struct drm_pagemap *dpagemap, u32 device)
{
	switch (type) {
	case DRM_VSVM_MADVISE_PREFERRED_LOC:
		if (n->attr.dpagemap)
			drm_pagemap_put(n->attr.dpagemap);
		n->attr.preferred_loc = value;
		n->attr.dpagemap = drm_pagemap_get(dpagemap);
		n->device = device;
		break;
	case DRM_VSVM_MADVISE_MIGRATION_POLICY:
		n->attr.migration_policy = value;
		break;
	case DRM_VSVM_MADVISE_ATOMIC:
		n->attr.atomic_mode = value;
		break;
	case DRM_VSVM_MADVISE_THRASHING:
		n->attr.thrashing = value;
		break;
	case DRM_VSVM_MADVISE_ACCESS_COUNTERS:
		n->attr.access_counters = value;
		break;
	case DRM_VSVM_MADVISE_READ_MOSTLY:
		n->attr.read_mostly = value;
		break;
	}
}

/* Whether the attribute @type of @n already is @value. */
static bool vsvm_attr_field_is(const struct vsvm_attr_node *n, u32 type,
			       u32 value, struct drm_pagemap *dpagemap,
			       u32 device)
{
	switch (type) {
	case DRM_VSVM_MADVISE_PREFERRED_LOC:
		return n->attr.preferred_loc == value &&
		       n->attr.dpagemap == dpagemap && n->device == device;
	case DRM_VSVM_MADVISE_MIGRATION_POLICY:
		return n->attr.migration_policy == value;
	case DRM_VSVM_MADVISE_ATOMIC:
		return n->attr.atomic_mode == value;
	case DRM_VSVM_MADVISE_THRASHING:
		return n->attr.thrashing == value;
	case DRM_VSVM_MADVISE_ACCESS_COUNTERS:
		return n->attr.access_counters == value;
	case DRM_VSVM_MADVISE_READ_MOSTLY:
		return n->attr.read_mostly == value;
	}
	return false;
}

/**
 * vsvm_attr_store_set() - set one attribute on a VA range
 * @store: the store
 * @start: the first address, page aligned
 * @end: the address after the range, page aligned, above @start
 * @type: an &enum drm_vsvm_madvise_type
 * @value: the attribute's value, valid for @type
 * @dpagemap: for a %DRM_VSVM_LOCATION_PAGEMAP_FD preferred location its
 *	pagemap (the store takes its own references), else NULL
 * @device: the device index of a DEVICE or PAGEMAP_FD preferred location
 *
 * Splits the intervals partly covered, fills the gaps, sets the attribute
 * and merges equal neighbours, dropping intervals back at the defaults. A
 * failed call changes nothing. Called from a task of the store's mm,
 * without its mmap_lock or the store lock held.
 *
 * Return: 0; -ENOMEM without memory, or when the call could leave more
 * than &vsvm_attr_store.max_nodes intervals (counting the splits and gaps
 * that would not take the value they already have); or an errno of
 * mmu_interval_notifier_insert().
 */
int vsvm_attr_store_set(struct vsvm_attr_store *store, unsigned long start,
			unsigned long end, u32 type, u32 value,
			struct drm_pagemap *dpagemap, u32 device)
{
	struct vsvm_attr_node *n, *prev, **spare = NULL, gap_attr = {};
	unsigned long pos, next, need = 2, used = 0, grow = 0, i;
	unsigned long wstart, wend;
	struct vsvm_attr_watch *watch = NULL;
	LIST_HEAD(dead);
	int err = 0;

	vsvm_attr_default(&gap_attr.attr);
retry:
	mutex_lock(&store->lock);
	vsvm_attr_apply_pending(store);
	/*
	 * A watch over the range first: notifiers are inserted and removed
	 * without the store lock, which stays inner to the mmap_lock. The new
	 * watch replaces those it overlaps or touches.
	 */
	if (!vsvm_attr_watched(store, start, end)) {
		if (!watch) {
			wstart = start;
			wend = end;
			vsvm_attr_watch_span(store, &wstart, &wend);
			mutex_unlock(&store->lock);
			watch = vsvm_attr_watch_create(store, wstart, wend);
			if (IS_ERR(watch))
				return PTR_ERR(watch);
			goto retry;
		}
		list_add(&watch->link, &store->watches);
		vsvm_attr_watch_absorb(store, watch, &dead);
		watch = NULL;
	}

	/*
	 * Two splits and one node per gap: allocate them all first. Count
	 * those that would not take the value they already have against the
	 * limit: the others merge back or are dropped.
	 */
	n = vsvm_attr_first(store, start, start);
	if (n && vsvm_attr_node_start(n) < start &&
	    !vsvm_attr_field_is(n, type, value, dpagemap, device))
		grow++;
	n = vsvm_attr_first(store, end - 1, end - 1);
	if (n && vsvm_attr_node_end(n) > end &&
	    !vsvm_attr_field_is(n, type, value, dpagemap, device))
		grow++;
	pos = start;
	for (n = vsvm_attr_first(store, start, end - 1); n;
	     n = vsvm_attr_first(store, pos, end - 1)) {
		if (vsvm_attr_node_start(n) > pos)
			need++;
		pos = vsvm_attr_node_end(n);
		if (pos >= end)
			break;
	}
	if (pos < end)
		need++;
	if (!vsvm_attr_field_is(&gap_attr, type, value, dpagemap, device))
		grow += need - 2;
	if (grow && store->nr_nodes + grow > store->max_nodes) {
		err = -ENOMEM;
		goto out_unlock;
	}
	spare = kcalloc(need, sizeof(*spare), GFP_KERNEL);
	if (!spare) {
		err = -ENOMEM;
		goto out_unlock;
	}
	for (i = 0; i < need; i++) {
		spare[i] = kzalloc(sizeof(*spare[i]), GFP_KERNEL_ACCOUNT);
		if (!spare[i]) {
			err = -ENOMEM;
			goto out_free;
		}
	}
	/* Split the intervals sticking out of [start, end). */
	n = vsvm_attr_first(store, start, start);
	if (n && vsvm_attr_node_start(n) < start) {
		vsvm_attr_insert_copy(store, spare[used++], n, start,
				      vsvm_attr_node_end(n));
		vsvm_attr_resize(store, n, vsvm_attr_node_start(n), start);
	}
	n = vsvm_attr_first(store, end - 1, end - 1);
	if (n && vsvm_attr_node_end(n) > end) {
		vsvm_attr_insert_copy(store, spare[used++], n, end,
				      vsvm_attr_node_end(n));
		vsvm_attr_resize(store, n, vsvm_attr_node_start(n), end);
	}

	/* Fill the gaps and set the attribute. */
	pos = start;
	while (pos < end) {
		n = vsvm_attr_first(store, pos, end - 1);
		next = n ? vsvm_attr_node_start(n) : end;
		if (next > pos) {
			struct vsvm_attr_node *gap = spare[used++];

			vsvm_attr_default(&gap->attr);
			vsvm_attr_insert(store, gap, pos, next);
			store->nr_nodes++;
			n = gap;
		}
		vsvm_attr_set_field(n, type, value, dpagemap, device);
		pos = vsvm_attr_node_end(n);
	}

	/* Drop default intervals, merge equal neighbours, from start - 1. */
	prev = NULL;
	pos = start ? start - 1 : start;
	while ((n = vsvm_attr_first(store, pos, end))) {
		next = vsvm_attr_node_end(n);
		if (vsvm_attr_is_default(n)) {
			vsvm_attr_delete(store, n);
		} else if (prev && vsvm_attr_node_end(prev) ==
			   vsvm_attr_node_start(n) &&
			   vsvm_attr_node_equal(prev, n)) {
			vsvm_attr_delete(store, n);
			vsvm_attr_resize(store, prev,
					 vsvm_attr_node_start(prev), next);
		} else {
			prev = n;
		}
		if (next > end)
			break;
		pos = next;
	}
	WARN_ON_ONCE(used > need);
out_free:
	for (i = used; i < need && spare; i++)
		kfree(spare[i]);
	kfree(spare);
out_unlock:
	vsvm_attr_watch_gc(store, &dead);
	mutex_unlock(&store->lock);
	if (watch)
		list_add(&watch->link, &dead);
	vsvm_attr_watch_destroy(&dead);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_attr_store_set);

/*
 * The last interval starting at or before @va and the first one starting
 * after it, by descent of the tree (the intervals are sorted by start).
 */
static void vsvm_attr_neighbours(struct vsvm_attr_store *store,
				 unsigned long va, struct vsvm_attr_node **prev,
				 struct vsvm_attr_node **next)
{
	struct rb_node *rb = store->tree.rb_root.rb_node;
	struct vsvm_attr_node *n;

	*prev = NULL;
	*next = NULL;
	while (rb) {
		n = rb_entry(rb, struct vsvm_attr_node, it.rb);
		if (vsvm_attr_node_start(n) <= va) {
			*prev = n;
			rb = rb->rb_right;
		} else {
			*next = n;
			rb = rb->rb_left;
		}
	}
}

/**
 * vsvm_attr_store_lookup() - the attributes at an address
 * @store: the store
 * @va: the address
 * @attr: out: the attributes, @attr->dpagemap referenced
 *	(vsvm_attr_put() drops it)
 * @start: out: the first address of the interval around @va over which
 *	the attributes are the same
 * @end: out: the address after it (ULONG_MAX for the last one)
 */
void vsvm_attr_store_lookup(struct vsvm_attr_store *store, unsigned long va,
			    struct vsvm_attr *attr, unsigned long *start,
			    unsigned long *end)
{
	struct vsvm_attr_node *prev, *next;

	mutex_lock(&store->lock);
	vsvm_attr_apply_pending(store);
	vsvm_attr_neighbours(store, va, &prev, &next);
	if (prev && vsvm_attr_node_end(prev) > va) {
		*attr = prev->attr;
		drm_pagemap_get(attr->dpagemap);
		*start = vsvm_attr_node_start(prev);
		*end = vsvm_attr_node_end(prev);
	} else {
		vsvm_attr_default(attr);
		*start = prev ? vsvm_attr_node_end(prev) : 0;
		*end = next ? vsvm_attr_node_start(next) : ULONG_MAX;
	}
	mutex_unlock(&store->lock);
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_attr_store_lookup);

/* Append [@start, @end) of @n (NULL: defaults), merging equal neighbours. */
static void vsvm_attr_emit(struct drm_vsvm_range_attr *out, u32 *count,
			   const struct vsvm_attr_node *n, unsigned long start,
			   unsigned long end)
{
	struct drm_vsvm_range_attr a = {
		.start = start,
		.end = end,
		.preferred_loc = n ? n->attr.preferred_loc :
			DRM_VSVM_LOCATION_DEFAULT,
		.preferred_device = n ? n->device : 0,
		.migration_policy = n ? n->attr.migration_policy :
			DRM_VSVM_MIGRATE_ALL_PAGES,
		.atomic_mode = n ? n->attr.atomic_mode : DRM_VSVM_ATOMIC_DEFAULT,
		.thrashing = n ? n->attr.thrashing : DRM_VSVM_THRASHING_PROTECT,
		.access_counters = n ? n->attr.access_counters :
			DRM_VSVM_ACCESS_COUNTERS_DEFAULT,
		.read_mostly = n ? n->attr.read_mostly :
			DRM_VSVM_READ_MOSTLY_OFF,
	};
	struct drm_vsvm_range_attr *last = *count ? &out[*count - 1] : NULL;

	if (last && last->end == start &&
	    last->preferred_loc == a.preferred_loc &&
	    last->preferred_device == a.preferred_device &&
	    last->migration_policy == a.migration_policy &&
	    last->atomic_mode == a.atomic_mode &&
	    last->thrashing == a.thrashing &&
	    last->access_counters == a.access_counters &&
	    last->read_mostly == a.read_mostly) {
		last->end = end;
		return;
	}
	out[(*count)++] = a;
}

/* The intervals of [@start, @end) into @out (room for all of them). */
static u32 vsvm_attr_walk(struct vsvm_attr_store *store, unsigned long start,
			  unsigned long end, struct drm_vsvm_range_attr *out)
{
	struct vsvm_attr_node *n;
	unsigned long pos = start, s, e;
	u32 count = 0;

	for (n = vsvm_attr_first(store, start, end - 1); n;
	     n = vsvm_attr_first(store, pos, end - 1)) {
		s = max(vsvm_attr_node_start(n), start);
		e = min(vsvm_attr_node_end(n), end);
		if (s > pos)
			vsvm_attr_emit(out, &count, NULL, pos, s);
		vsvm_attr_emit(out, &count, n, s, e);
		pos = e;
		if (pos >= end)
			break;
	}
	if (pos < end)
		vsvm_attr_emit(out, &count, NULL, pos, end);
	return count;
}

/**
 * vsvm_attr_store_query() - the attribute intervals of a VA range
 * @store: the store
 * @start: the first address
 * @end: the address after the range, above @start
 * @out: out: a kvmalloc()ed array of the intervals, covering
 *	[@start, @end) exactly in address order, clipped to it, equal
 *	neighbours merged, defaults in the gaps; kvfree() it
 * @count: out: the number of entries of @out
 *
 * Return: 0 or -ENOMEM.
 */
int vsvm_attr_store_query(struct vsvm_attr_store *store, unsigned long start,
			  unsigned long end, struct drm_vsvm_range_attr **out,
			  u32 *count)
{
	struct vsvm_attr_node *n;
	unsigned long max = 1;

	mutex_lock(&store->lock);
	vsvm_attr_apply_pending(store);
	for (n = vsvm_attr_first(store, start, end - 1); n;
	     n = vsvm_attr_first(store, vsvm_attr_node_end(n), end - 1)) {
		max += 2;
		if (vsvm_attr_node_end(n) >= end)
			break;
	}
	*out = kvcalloc(max, sizeof(**out), GFP_KERNEL);
	if (!*out) {
		mutex_unlock(&store->lock);
		return -ENOMEM;
	}
	*count = vsvm_attr_walk(store, start, end, *out);
	mutex_unlock(&store->lock);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_attr_store_query);

/**
 * vsvm_attr_store_nr_nodes() - the number of stored intervals
 * @store: the store
 *
 * Applies the pending unmaps first.
 *
 * Return: the number of intervals with non-default attributes.
 */
unsigned long vsvm_attr_store_nr_nodes(struct vsvm_attr_store *store)
{
	unsigned long nr;

	mutex_lock(&store->lock);
	vsvm_attr_apply_pending(store);
	nr = store->nr_nodes;
	mutex_unlock(&store->lock);
	return nr;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_attr_store_nr_nodes);

/**
 * vsvm_attr_store_nr_watches() - the number of notifiers of a store
 * @store: the store
 *
 * Return: the number of &struct vsvm_attr_watch the store holds.
 */
unsigned long vsvm_attr_store_nr_watches(struct vsvm_attr_store *store)
{
	struct vsvm_attr_watch *w;
	unsigned long nr = 0;

	mutex_lock(&store->lock);
	list_for_each_entry(w, &store->watches, link)
		nr++;
	mutex_unlock(&store->lock);
	return nr;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_attr_store_nr_watches);

/**
 * vsvm_vm_attr_get() - the attributes at a virtual address of a VM
 * @vm: the VM
 * @va: the address
 * @attr: out: its attributes; a pagemap in @attr->dpagemap is referenced
 *	and dropped by vsvm_attr_put()
 * @start: out: the first address of the interval holding @va over which
 *	the attributes are the same
 * @end: out: the address after that interval
 *
 * Takes the VM's attribute store lock and may allocate (GFP_KERNEL): may
 * be called with &vsvm_vm.lock and the mmap_lock held, not under a
 * spinlock or the notifier lock. Memory unmapped since the last attribute
 * operation has the defaults.
 */
void vsvm_vm_attr_get(struct vsvm_vm *vm, unsigned long va,
		      struct vsvm_attr *attr, unsigned long *start,
		      unsigned long *end)
{
	vsvm_attr_store_lookup(&vm->attrs, va, attr, start, end);
}

/**
 * vsvm_attr_put() - drop the references of vsvm_vm_attr_get()
 * @attr: the attributes
 */
void vsvm_attr_put(struct vsvm_attr *attr)
{
	if (attr->dpagemap)
		drm_pagemap_put(attr->dpagemap);
	attr->dpagemap = NULL;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_attr_put);
