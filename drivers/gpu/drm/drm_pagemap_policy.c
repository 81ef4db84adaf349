// SPDX-License-Identifier: GPL-2.0
/*
 * drm_pagemap_policy: one migration policy per mm, shared by every device
 * that mirrors it, with per-block history, thrashing detection, throttling
 * and pinning.
 *
 * Lock order (outer first):
 *   mmap_lock (read: the CPU fault hook runs under it)
 *     drm_pagemap_policy_table_lock (mutex: the table of shared policies)
 *       drm_pagemap_policy.lock (mutex: one policy's blocks and counters)
 * A driver calls drm_pagemap_policy_decide() and _record() with its own
 * locks held (such as its VM lock), never with a policy lock: the policy
 * calls nothing outside this file under its locks but the allocator and
 * the clock.
 */
#include <linux/debugfs.h>
#include <linux/hashtable.h>
#include <linux/ktime.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include <drm/drm_pagemap.h>
#include <drm/drm_pagemap_policy.h>

#include "drm_msvm_internal.h"

/**
 * DOC: Migration policy
 *
 * Without a policy every device places memory alone: two GPUs (or a GPU and
 * the CPU) taking turns on one buffer move it back and forth on every
 * access, correctly but without limit. A &struct drm_pagemap_policy is the
 * one arbiter of an mm: drm_pagemap_policy_get() finds or creates it,
 * refcounted, so every device mirroring the mm shares it. It keeps, per
 * block of the address space (2 MiB by default, module parameter
 * policy_block_kb), which processor last moved the block where and when,
 * the few last moves, and the thrashing state.
 *
 * Every migration a driver considers is a &struct drm_pagemap_policy_request:
 * drm_pagemap_policy_decide() answers MIGRATE (to the target, or to where
 * the block is pinned), MAP_REMOTE (map the pages where they are: the
 * processor reaches them in place) or WAIT (bounded); once the migration
 * is done the driver records where the block ended up with
 * drm_pagemap_policy_record(). CPU faults on device pages are decided and
 * recorded by drm_pagemap's migrate_to_ram, and evictions by
 * drm_pagemap_policy_evicted(). Explicit prefetches and evictions are
 * always obeyed and never count as thrashing.
 *
 * Reachability: a processor reaches system memory in place, and a device
 * reaches the device memory of its own interconnect owner group (its VRAM
 * and its P2P peers'); the CPU reaches only system memory.
 *
 * Thrashing: a block that moves @threshold times within one lapse, by two
 * processors or more, is thrashing. The first @pin_threshold times this is
 * detected the block is throttled for @nap lapses: only the processor that
 * moved it last may migrate it; the others map it where it is if they
 * reach it in place, else wait. The next detection pins it for @pin
 * lapses at one location every thrashing processor reaches in place: the
 * preferred location of the memory advice if all reach it; else, when all
 * thrashing processors are devices of one owner group, where the block is
 * (a peer's VRAM); else system memory. While pinned, processors that reach
 * the pin location map the block there; one that does not (a new
 * processor, or the CPU) moves the pin to system memory. The pin ends at
 * its timer, so that a changed access pattern migrates again; a block
 * unpinned @max_resets times in one epoch (@epoch lapses) stays pinned to
 * the epoch's end. A CPU and a GPU that keep moving a block thus pin it to
 * system memory, where the GPU reads it in place.
 *
 * Lapse and migration speed: with @lapse_cost set, a block's lapse is the
 * fixed lapse or @lapse_cost times what its last migration took (the
 * driver says, in &drm_pagemap_policy_request.cost_ns), whichever is
 * longer; nap, pin and epoch scale with it. NVIDIA's 500 us lapse fits
 * hardware that moves a 2 MiB block in about 100 us. Where a move takes
 * milliseconds (a slow link, emulated devices) two processors taking
 * turns move a block every few milliseconds, which a 500 us window never
 * sees, while a window of 16 moves' time does: a block that spends a
 * sixteenth of its time or more being moved between processors is then
 * thrashing. It is off by default (NVIDIA's fixed lapse), as it also
 * catches short back-to-back sequences of moves that are not repeated.
 *
 * Conflicting advice: when the devices' preferred locations for a block
 * differ, the first advice seen for the block wins for as long as the
 * device that gave it keeps giving it (it is withdrawn when that device
 * asks without it, and lapses after an epoch without a request from that
 * device). Another device with different advice maps the block in place
 * where the winning advice put it, if it reaches it; if it cannot, the
 * thrashing protection settles the block in system memory. The outcome
 * depends only on the order of the first accesses, never ping-pongs
 * without bound.
 *
 * Opt-out: a request with %DRM_PAGEMAP_POLICY_REQ_NO_THRASHING always
 * migrates and is not counted as thrashing; the module parameter
 * policy_enable=0 turns the whole policy off.
 *
 * Memory: blocks are allocated on first use (a failed allocation only
 * means the request is decided without history), at most 65536 per mm;
 * blocks idle for an epoch and not pinned are freed once an mm has 1024
 * of them, and all go with the policy, whose last reference the drivers
 * drop when they stop mirroring the mm. The counters of each shared policy
 * are in debugfs, drm_msvm/policies.
 */

/**
 * DOC: Access counters
 *
 * A GPU that maps memory where it is (system memory, or a P2P peer's
 * device memory) can count its accesses to it, as NVIDIA's access counters
 * do, and ask for the blocks it keeps using remotely to move into its own
 * memory. &struct drm_pagemap_access_counters keeps such counts, per block
 * of a granularity the driver chooses, for one processor: the driver adds
 * its device's in-place accesses to memory outside the device's own with
 * drm_pagemap_access_counters_add(), which says when a block's count
 * reaches the threshold (and starts it again from zero).
 *
 * The driver then asks the migration policy with
 * drm_pagemap_policy_access_notify(), a request whose target is the
 * accessing device's memory. The policy answers MIGRATE when nothing
 * speaks against the move, and MAP_REMOTE (leave the block where it is)
 * when the memory advice of the request names another preferred location,
 * when the block is pinned elsewhere, when it is throttled for another
 * processor, or when another device's advice for the block won (see
 * Conflicting advice above). A migration the driver makes on that answer
 * is recorded with drm_pagemap_policy_record() and cause
 * %DRM_PAGEMAP_POLICY_ACCESS_COUNTER: it counts towards thrashing like a
 * fault's, so that two devices whose counters pull one block back and
 * forth get it pinned. Whether counter-driven migration happens at all is
 * the driver's choice (vsvm: off by default, as on NVIDIA).
 */

static bool policy_enable = true;
module_param(policy_enable, bool, 0644);
MODULE_PARM_DESC(policy_enable,
		 "Global migration policy with thrashing protection (default Y)");

static unsigned int thrashing_threshold = 3;
module_param(thrashing_threshold, uint, 0644);
MODULE_PARM_DESC(thrashing_threshold,
		 "Migrations of a block within a lapse that make it thrashing (default 3)");

static unsigned int thrashing_lapse_us = 500;
module_param(thrashing_lapse_us, uint, 0644);
MODULE_PARM_DESC(thrashing_lapse_us,
		 "Thrashing detection window in microseconds, the unit of nap, epoch and pin (default 500)");

static unsigned int thrashing_lapse_cost;
module_param(thrashing_lapse_cost, uint, 0644);
MODULE_PARM_DESC(thrashing_lapse_cost,
		 "A block's lapse is at least this many times its last migration's duration, 0 for the fixed lapse (default 0)");

static unsigned int thrashing_nap = 1;
module_param(thrashing_nap, uint, 0644);
MODULE_PARM_DESC(thrashing_nap, "Lapses a throttle lasts (default 1)");

static unsigned int thrashing_epoch = 2000;
module_param(thrashing_epoch, uint, 0644);
MODULE_PARM_DESC(thrashing_epoch,
		 "Lapses of an epoch, in which thrashing_max_resets counts (default 2000)");

static unsigned int thrashing_pin_threshold = 10;
module_param(thrashing_pin_threshold, uint, 0644);
MODULE_PARM_DESC(thrashing_pin_threshold,
		 "Throttles of a block before it is pinned (default 10)");

static unsigned int thrashing_pin = 300;
module_param(thrashing_pin, uint, 0644);
MODULE_PARM_DESC(thrashing_pin, "Lapses a pin lasts (default 300)");

static unsigned int thrashing_max_resets = 4;
module_param(thrashing_max_resets, uint, 0644);
MODULE_PARM_DESC(thrashing_max_resets,
		 "Unpins of a block per epoch before it stays pinned to the epoch's end (default 4)");

static unsigned int policy_block_kb = 2048;
module_param(policy_block_kb, uint, 0644);
MODULE_PARM_DESC(policy_block_kb,
		 "Block size of the history in KiB, a power of two, for policies created afterwards (default 2048)");

/* Distinct processors one block's detection window remembers. */
#define DPP_MAX_PROCS		8
/* Moves of a block kept in its history. */
#define DPP_HISTORY		4
/* Blocks one policy holds at most; more are decided without history. */
#define DPP_MAX_BLOCKS		65536
/* From this many blocks on, idle ones are freed (at most once a lapse). */
#define DPP_PRUNE_AT		1024

/* One move of a block. */
struct dpp_move {
	const struct drm_pagemap_policy_proc *proc;
	const struct drm_pagemap *dpagemap;
	u64 time;
	enum drm_pagemap_policy_cause cause;
};

/*
 * The history and state of one block, under &drm_pagemap_policy.lock.
 * Processor and location pointers are only compared: a processor's
 * owner is copied when it is seen.
 */
struct dpp_block {
	u64 last_touch;
	u64 last_event;
	u64 cost_ns;
	u32 events;
	u32 nprocs;
	const struct drm_pagemap_policy_proc *procs[DPP_MAX_PROCS];
	const void *owners[DPP_MAX_PROCS];
	bool where_known;
	struct drm_pagemap_policy_loc where;
	const struct drm_pagemap_policy_proc *holder;
	u64 throttle_until;
	u32 throttles;
	bool pinned;
	struct drm_pagemap_policy_loc pin;
	u64 pin_until;
	u32 resets;
	u64 epoch_start;
	bool has_pref;
	struct drm_pagemap_policy_loc pref;
	const struct drm_pagemap_policy_proc *pref_proc;
	u64 pref_time;
	struct dpp_move hist[DPP_HISTORY];
	u32 hist_next;
};

/**
 * struct drm_pagemap_policy - the migration policy of one mm
 * @ref: references: one per user (a driver's VM), and the table lookups'
 * @mm: the mm (mmgrab()ed), NULL for an unshared policy
 * @node: entry in the table of shared policies, under its lock
 * @pid: the thread group that created it, for debugfs
 * @comm: its command, for debugfs
 * @params: fixed parameters, or NULL for the module parameters
 * @fixed: the storage of @params
 * @clock: the clock, see &drm_pagemap_policy_config
 * @clock_arg: its argument
 * @block_shift: log2 of the block size
 * @lock: protects @blocks, the blocks, @nr_blocks, @last_prune and @stats.
 *	A mutex: taken in process context only, inside mmap_lock and the
 *	table lock, and nothing but memory allocation happens under it.
 * @blocks: the blocks with history, by address >> @block_shift
 * @nr_blocks: their number
 * @last_prune: when idle blocks were last freed
 * @stats: the counters
 */
struct drm_pagemap_policy {
	struct kref ref;
	struct mm_struct *mm;
	struct hlist_node node;
	pid_t pid;
	char comm[TASK_COMM_LEN];
	const struct drm_pagemap_policy_params *params;
	struct drm_pagemap_policy_params fixed;
	u64 (*clock)(void *arg);
	void *clock_arg;
	unsigned int block_shift;
	struct mutex lock; /* protects blocks, nr_blocks, last_prune, stats */
	struct xarray blocks;
	unsigned long nr_blocks;
	u64 last_prune;
	struct drm_pagemap_policy_stats stats;
};

/*
 * drm_pagemap_policy_cpu: the CPU as a processor, that of CPU faults; it
 * reaches only system memory.
 */
const struct drm_pagemap_policy_proc drm_pagemap_policy_cpu = {
	.owner = NULL,
};
EXPORT_SYMBOL_GPL(drm_pagemap_policy_cpu);

/* The shared policies by mm; the lock also guards their last reference. */
static DEFINE_MUTEX(drm_pagemap_policy_table_lock);
static DEFINE_HASHTABLE(drm_pagemap_policy_table, 6);
/* Shared policies alive: lets the CPU fault hook skip the table. */
static atomic_t drm_pagemap_policy_shared = ATOMIC_INIT(0);

static void dpp_params(struct drm_pagemap_policy *pol,
		       struct drm_pagemap_policy_params *p)
{
	if (pol->params) {
		*p = *pol->params;
		return;
	}
	p->enabled = READ_ONCE(policy_enable);
	p->threshold = READ_ONCE(thrashing_threshold);
	p->lapse_ns = (u64)READ_ONCE(thrashing_lapse_us) * NSEC_PER_USEC;
	p->lapse_cost = READ_ONCE(thrashing_lapse_cost);
	p->nap = READ_ONCE(thrashing_nap);
	p->epoch = READ_ONCE(thrashing_epoch);
	p->pin = READ_ONCE(thrashing_pin);
	p->pin_threshold = READ_ONCE(thrashing_pin_threshold);
	p->max_resets = READ_ONCE(thrashing_max_resets);
}

/* @n lapses in ns, saturated. */
static u64 dpp_lapses(const struct drm_pagemap_policy_params *p, u32 n)
{
	u64 ns;

	return check_mul_overflow(p->lapse_ns, (u64)n, &ns) ? U64_MAX : ns;
}

/*
 * @n lapses of block @b in ns, saturated: the fixed lapse, or @lapse_cost
 * times the block's migration cost if that is longer.
 */
static u64 dpp_block_lapses(const struct drm_pagemap_policy_params *p,
			    const struct dpp_block *b, u32 n)
{
	u64 lapse, ns;

	if (check_mul_overflow((u64)p->lapse_cost, b->cost_ns, &lapse))
		lapse = U64_MAX;
	lapse = max(lapse, p->lapse_ns);
	return check_mul_overflow(lapse, (u64)n, &ns) ? U64_MAX : ns;
}

/* @now + @span, saturated. */
static u64 dpp_after(u64 now, u64 span)
{
	u64 t;

	return check_add_overflow(now, span, &t) ? U64_MAX : t;
}

static u64 dpp_now(struct drm_pagemap_policy *pol)
{
	return pol->clock ? pol->clock(pol->clock_arg) : ktime_get_ns();
}

static bool dpp_loc_eq(const struct drm_pagemap_policy_loc *a,
		       const struct drm_pagemap_policy_loc *b)
{
	return a->dpagemap == b->dpagemap;
}

/* Whether a processor of owner @owner (NULL: the CPU) reaches @loc in place. */
static bool dpp_reaches(const void *owner,
			const struct drm_pagemap_policy_loc *loc)
{
	return !loc->dpagemap || (owner && owner == loc->owner);
}

static const struct drm_pagemap_policy_loc dpp_system = {};

static unsigned int dpp_block_shift(unsigned int shift)
{
	unsigned long kb;

	if (shift)
		return clamp(shift, (unsigned int)PAGE_SHIFT, 30u);
	kb = READ_ONCE(policy_block_kb);
	if (!kb)
		kb = 2048;
	return clamp((unsigned int)ilog2(kb) + 10, (unsigned int)PAGE_SHIFT,
		     30u);
}

static struct drm_pagemap_policy *
dpp_alloc(const struct drm_pagemap_policy_config *config)
{
	struct drm_pagemap_policy *pol;

	pol = kzalloc(sizeof(*pol), GFP_KERNEL);
	if (!pol)
		return NULL;
	kref_init(&pol->ref);
	INIT_HLIST_NODE(&pol->node);
	mutex_init(&pol->lock);
	xa_init(&pol->blocks);
	pol->pid = task_tgid_nr(current);
	get_task_comm(pol->comm, current);
	if (config && config->params) {
		pol->fixed = *config->params;
		pol->params = &pol->fixed;
	}
	if (config) {
		pol->clock = config->clock;
		pol->clock_arg = config->clock_arg;
	}
	pol->block_shift = dpp_block_shift(config ? config->block_shift : 0);
	return pol;
}

/**
 * drm_pagemap_policy_create() - create an unshared policy
 * @config: its parameters and clock, or NULL for the defaults
 *
 * A policy of its own, not found by drm_pagemap_policy_get(): for tests
 * (an injected clock and fixed parameters) and for drivers that arbitrate
 * a private address space.
 *
 * Return: the policy with one reference, or NULL without memory.
 */
struct drm_pagemap_policy *
drm_pagemap_policy_create(const struct drm_pagemap_policy_config *config)
{
	return dpp_alloc(config);
}
EXPORT_SYMBOL_GPL(drm_pagemap_policy_create);

static struct drm_pagemap_policy *dpp_lookup(struct mm_struct *mm)
{
	struct drm_pagemap_policy *pol;

	lockdep_assert_held(&drm_pagemap_policy_table_lock);
	hash_for_each_possible(drm_pagemap_policy_table, pol, node,
			       (unsigned long)mm)
		if (pol->mm == mm)
			return pol;
	return NULL;
}

/**
 * drm_pagemap_policy_find() - the policy of an mm, if there is one
 * @mm: the mm
 *
 * Return: the shared policy of @mm, referenced, or NULL.
 */
struct drm_pagemap_policy *drm_pagemap_policy_find(struct mm_struct *mm)
{
	struct drm_pagemap_policy *pol;

	if (!atomic_read(&drm_pagemap_policy_shared))
		return NULL;
	mutex_lock(&drm_pagemap_policy_table_lock);
	pol = dpp_lookup(mm);
	if (pol)
		kref_get(&pol->ref);
	mutex_unlock(&drm_pagemap_policy_table_lock);
	return pol;
}
EXPORT_SYMBOL_GPL(drm_pagemap_policy_find);

/**
 * drm_pagemap_policy_get() - find or create the policy of an mm
 * @mm: the mm, which the caller keeps alive
 *
 * Every device mirroring @mm gets the same policy, created by the first
 * call with the module parameters; it grabs @mm (mmgrab()) until its last
 * reference goes.
 *
 * Return: the policy, referenced, or ERR_PTR(-ENOMEM).
 */
struct drm_pagemap_policy *drm_pagemap_policy_get(struct mm_struct *mm)
{
	struct drm_pagemap_policy *pol;

	mutex_lock(&drm_pagemap_policy_table_lock);
	pol = dpp_lookup(mm);
	if (pol) {
		kref_get(&pol->ref);
		goto out;
	}
	pol = dpp_alloc(NULL);
	if (!pol) {
		pol = ERR_PTR(-ENOMEM);
		goto out;
	}
	mmgrab(mm);
	pol->mm = mm;
	hash_add(drm_pagemap_policy_table, &pol->node, (unsigned long)mm);
	atomic_inc(&drm_pagemap_policy_shared);
out:
	mutex_unlock(&drm_pagemap_policy_table_lock);
	return pol;
}
EXPORT_SYMBOL_GPL(drm_pagemap_policy_get);

static void drm_pagemap_policy_release(struct kref *ref)
{
	struct drm_pagemap_policy *pol =
		container_of(ref, struct drm_pagemap_policy, ref);
	struct dpp_block *b;
	unsigned long index;

	if (pol->mm) {
		hash_del(&pol->node);
		atomic_dec(&drm_pagemap_policy_shared);
	}
	mutex_unlock(&drm_pagemap_policy_table_lock);

	xa_for_each(&pol->blocks, index, b)
		kfree(b);
	xa_destroy(&pol->blocks);
	if (pol->mm)
		mmdrop(pol->mm);
	mutex_destroy(&pol->lock);
	kfree(pol);
}

/**
 * drm_pagemap_policy_put() - drop a policy reference
 * @policy: the policy, or NULL
 *
 * The last reference frees the policy with its history and releases its
 * mm. Process context.
 */
void drm_pagemap_policy_put(struct drm_pagemap_policy *policy)
{
	if (policy)
		kref_put_mutex(&policy->ref, drm_pagemap_policy_release,
			       &drm_pagemap_policy_table_lock);
}
EXPORT_SYMBOL_GPL(drm_pagemap_policy_put);

/**
 * drm_pagemap_policy_loc_set() - a location from a pagemap
 * @loc: the location to fill
 * @dpagemap: a pagemap the caller references, or NULL for system memory
 */
void drm_pagemap_policy_loc_set(struct drm_pagemap_policy_loc *loc,
				const struct drm_pagemap *dpagemap)
{
	loc->dpagemap = dpagemap;
	loc->owner = dpagemap ? dpagemap->pagemap->owner : NULL;
}
EXPORT_SYMBOL_GPL(drm_pagemap_policy_loc_set);

/**
 * drm_pagemap_policy_block_size() - a policy's block size
 * @policy: the policy
 *
 * Return: the block size in bytes.
 */
unsigned long drm_pagemap_policy_block_size(struct drm_pagemap_policy *policy)
{
	return 1ul << policy->block_shift;
}
EXPORT_SYMBOL_GPL(drm_pagemap_policy_block_size);

/* Free the blocks idle for an epoch and not pinned; under the lock. */
static void dpp_prune(struct drm_pagemap_policy *pol,
		      const struct drm_pagemap_policy_params *p, u64 now)
{
	u64 idle = dpp_lapses(p, max(p->epoch, 1u));
	struct dpp_block *b;
	unsigned long index;

	if (pol->nr_blocks < DPP_PRUNE_AT || now - pol->last_prune < p->lapse_ns)
		return;
	pol->last_prune = now;
	xa_for_each(&pol->blocks, index, b) {
		if (b->pinned || now < b->throttle_until ||
		    now - b->last_touch < idle)
			continue;
		xa_erase(&pol->blocks, index);
		kfree(b);
		pol->nr_blocks--;
	}
}

/* The block holding @addr, created if @create; under the lock. */
static struct dpp_block *dpp_block(struct drm_pagemap_policy *pol,
				   const struct drm_pagemap_policy_params *p,
				   unsigned long addr, u64 now, bool create)
{
	unsigned long index = addr >> pol->block_shift;
	struct dpp_block *b;

	b = xa_load(&pol->blocks, index);
	if (b || !create)
		return b;
	dpp_prune(pol, p, now);
	if (pol->nr_blocks >= DPP_MAX_BLOCKS)
		return NULL;
	b = kzalloc(sizeof(*b), GFP_KERNEL_ACCOUNT);
	if (!b)
		return NULL;
	b->epoch_start = now;
	b->last_touch = now;
	if (xa_err(xa_store(&pol->blocks, index, b, GFP_KERNEL_ACCOUNT))) {
		kfree(b);
		return NULL;
	}
	pol->nr_blocks++;
	return b;
}

static void dpp_reset_window(struct dpp_block *b)
{
	b->events = 0;
	b->nprocs = 0;
}

/* End a pin whose time is up, or keep it to the end of the epoch. */
static u32 dpp_expire(struct drm_pagemap_policy *pol, struct dpp_block *b,
		      const struct drm_pagemap_policy_params *p, u64 now)
{
	u64 epoch = dpp_block_lapses(p, b, p->epoch);

	if (!b->pinned || now < b->pin_until)
		return 0;
	if (now - b->epoch_start >= epoch) {
		b->epoch_start = now;
		b->resets = 0;
	}
	if (b->resets >= p->max_resets) {
		b->pin_until = dpp_after(b->epoch_start, epoch);
		if (now < b->pin_until)
			return 0;
	}
	b->pinned = false;
	b->resets++;
	b->throttles = 0;
	b->throttle_until = 0;
	dpp_reset_window(b);
	pol->stats.unpins++;
	return DRM_PAGEMAP_POLICY_EV_UNPIN;
}

static u32 dpp_pin(struct drm_pagemap_policy *pol, struct dpp_block *b,
		   const struct drm_pagemap_policy_params *p, u64 now,
		   const struct drm_pagemap_policy_loc *loc)
{
	if (!b->pinned)
		b->pin_until = dpp_after(now, dpp_block_lapses(p, b, p->pin));
	b->pinned = true;
	b->pin = *loc;
	b->throttles = 0;
	b->throttle_until = 0;
	pol->stats.pins++;
	return DRM_PAGEMAP_POLICY_EV_PIN;
}

/* Where a thrashing block is pinned: see DOC: Migration policy. */
static void dpp_choose(const struct dpp_block *b,
		       struct drm_pagemap_policy_loc *loc)
{
	const void *group = NULL;
	bool all_reach_pref = b->has_pref;
	bool one_group = true;
	u32 i;

	for (i = 0; i < b->nprocs; i++) {
		if (all_reach_pref && !dpp_reaches(b->owners[i], &b->pref))
			all_reach_pref = false;
		if (!b->owners[i] || (group && group != b->owners[i]))
			one_group = false;
		group = b->owners[i];
	}
	if (all_reach_pref) {
		*loc = b->pref;
		return;
	}
	if (one_group && group && b->where_known && b->where.dpagemap &&
	    b->where.owner == group) {
		*loc = b->where;
		return;
	}
	*loc = dpp_system;
}

static void dpp_add_proc(struct dpp_block *b,
			 const struct drm_pagemap_policy_proc *proc)
{
	u32 i;

	for (i = 0; i < b->nprocs; i++)
		if (b->procs[i] == proc)
			return;
	if (b->nprocs == DPP_MAX_PROCS)
		return;
	b->procs[b->nprocs] = proc;
	b->owners[b->nprocs] = proc->owner;
	b->nprocs++;
}

/* Track the memory advice of @req's processor; see Conflicting advice. */
static void dpp_advice(struct dpp_block *b,
		       const struct drm_pagemap_policy_request *req,
		       const struct drm_pagemap_policy_params *p, u64 now)
{
	if (req->flags & DRM_PAGEMAP_POLICY_REQ_PREFERRED) {
		if (!b->has_pref || b->pref_proc == req->proc ||
		    now - b->pref_time >= dpp_block_lapses(p, b, p->epoch)) {
			b->has_pref = true;
			b->pref = req->preferred;
			b->pref_proc = req->proc;
		}
		if (b->pref_proc == req->proc)
			b->pref_time = now;
	} else if (b->has_pref && b->pref_proc == req->proc) {
		b->has_pref = false;
	}
}

static void dpp_remote(struct drm_pagemap_policy *pol,
		       const struct drm_pagemap_policy_request *req,
		       const struct drm_pagemap_policy_loc *where,
		       struct drm_pagemap_policy_decision *dec)
{
	dec->action = DRM_PAGEMAP_POLICY_MAP_REMOTE;
	dec->dest = *where;
	if (!dpp_loc_eq(&req->target, where)) {
		dec->events |= DRM_PAGEMAP_POLICY_EV_AVOIDED;
		pol->stats.avoided++;
		pol->stats.bytes_not_moved += req->size;
	}
}

/* The decision for a pinned block; under the lock. */
static void dpp_decide_pinned(struct drm_pagemap_policy *pol,
			      struct dpp_block *b,
			      const struct drm_pagemap_policy_params *p,
			      u64 now,
			      const struct drm_pagemap_policy_request *req,
			      struct drm_pagemap_policy_decision *dec)
{
	const void *owner = req->proc->owner;
	bool named;

	if (dpp_reaches(owner, &b->pin)) {
		if (b->where_known && dpp_loc_eq(&b->where, &b->pin)) {
			dpp_remote(pol, req, &b->pin, dec);
			return;
		}
		named = !b->pin.dpagemap ||
			dpp_loc_eq(&req->target, &b->pin) ||
			((req->flags & DRM_PAGEMAP_POLICY_REQ_PREFERRED) &&
			 dpp_loc_eq(&req->preferred, &b->pin));
		if (named) {
			dec->dest = b->pin;
			return;
		}
		if (b->where_known && dpp_reaches(owner, &b->where)) {
			dpp_remote(pol, req, &b->where, dec);
			return;
		}
	}
	/* The requester cannot use the pin: every processor reaches RAM. */
	dec->events |= dpp_pin(pol, b, p, now, &dpp_system);
	dec->dest = dpp_system;
	if (b->where_known && !b->where.dpagemap)
		dpp_remote(pol, req, &dpp_system, dec);
}

/**
 * drm_pagemap_policy_decide() - may this migration happen now?
 * @policy: the policy of the mm
 * @req: the migration the driver considers
 * @dec: the answer
 *
 * Consults the block's history (see DOC: Migration policy) and answers
 * MIGRATE, MAP_REMOTE or WAIT. It records nothing but the memory advice:
 * once the driver has migrated it calls drm_pagemap_policy_record(), with
 * where the block actually went. Process context; takes the policy's lock.
 */
void drm_pagemap_policy_decide(struct drm_pagemap_policy *policy,
			       const struct drm_pagemap_policy_request *req,
			       struct drm_pagemap_policy_decision *dec)
{
	struct drm_pagemap_policy_params p;
	const void *owner;
	struct dpp_block *b;
	u64 now;

	dec->action = DRM_PAGEMAP_POLICY_MIGRATE;
	dec->dest = req->target;
	dec->wait_ns = 0;
	dec->events = 0;

	dpp_params(policy, &p);
	if (!p.enabled || !req->proc ||
	    req->cause == DRM_PAGEMAP_POLICY_PREFETCH ||
	    req->cause == DRM_PAGEMAP_POLICY_EVICT ||
	    (req->flags & DRM_PAGEMAP_POLICY_REQ_NO_THRASHING))
		return;
	owner = req->proc->owner;

	mutex_lock(&policy->lock);
	now = dpp_now(policy);
	b = dpp_block(policy, &p, req->addr, now, true);
	if (!b) {
		policy->stats.untracked++;
		goto out;
	}
	b->last_touch = now;
	dec->events |= dpp_expire(policy, b, &p, now);
	dpp_advice(b, req, &p, now);

	if (b->pinned) {
		dpp_decide_pinned(policy, b, &p, now, req, dec);
		goto out;
	}
	if (b->where_known && dpp_loc_eq(&b->where, &req->target))
		goto out;

	/* Another device's advice won: use the block where it put it. */
	if (b->has_pref && b->pref_proc != req->proc &&
	    (req->flags & DRM_PAGEMAP_POLICY_REQ_PREFERRED) &&
	    !dpp_loc_eq(&req->preferred, &b->pref) &&
	    b->where_known && dpp_loc_eq(&b->where, &b->pref) &&
	    dpp_reaches(owner, &b->where)) {
		dpp_remote(policy, req, &b->where, dec);
		goto out;
	}

	if (now < b->throttle_until && b->holder != req->proc) {
		if (b->where_known && dpp_reaches(owner, &b->where)) {
			dpp_remote(policy, req, &b->where, dec);
		} else {
			dec->action = DRM_PAGEMAP_POLICY_WAIT;
			dec->wait_ns = b->throttle_until - now;
			dec->events |= DRM_PAGEMAP_POLICY_EV_WAIT;
			policy->stats.waits++;
		}
	}
out:
	mutex_unlock(&policy->lock);
}
EXPORT_SYMBOL_GPL(drm_pagemap_policy_decide);

/**
 * drm_pagemap_policy_record() - record where a block went
 * @policy: the policy of the mm
 * @req: the request the migration was decided on
 * @dest: where the block is now (the decision's destination, or where a
 *	failed migration left it)
 *
 * Adds the move to the block's history and runs the thrashing detection:
 * a move by a processor (not an explicit prefetch, not an opted-out range)
 * within a lapse of the previous ones counts; see DOC: Migration policy.
 * A prefetch ends a pin. Process context; takes the policy's lock.
 *
 * Return: DRM_PAGEMAP_POLICY_EV_* bits of what the move triggered.
 */
u32 drm_pagemap_policy_record(struct drm_pagemap_policy *policy,
			      const struct drm_pagemap_policy_request *req,
			      const struct drm_pagemap_policy_loc *dest)
{
	struct drm_pagemap_policy_params p;
	struct drm_pagemap_policy_loc loc;
	struct dpp_move *mv;
	struct dpp_block *b;
	bool moved;
	u32 ev = 0;
	u64 now;

	dpp_params(policy, &p);
	if (!p.enabled)
		return 0;

	mutex_lock(&policy->lock);
	now = dpp_now(policy);
	b = dpp_block(policy, &p, req->addr, now, true);
	if (!b) {
		policy->stats.untracked++;
		goto out;
	}
	b->last_touch = now;
	ev |= dpp_expire(policy, b, &p, now);

	moved = !b->where_known || !dpp_loc_eq(&b->where, dest);
	b->where_known = true;
	b->where = *dest;
	if (!moved)
		goto out;

	mv = &b->hist[b->hist_next++ % DPP_HISTORY];
	mv->proc = req->proc;
	mv->dpagemap = dest->dpagemap;
	mv->time = now;
	mv->cause = req->cause;
	policy->stats.migrations++;
	policy->stats.bytes_migrated += req->size;

	if (req->cause == DRM_PAGEMAP_POLICY_PREFETCH) {
		if (b->pinned) {
			b->pinned = false;
			policy->stats.unpins++;
			ev |= DRM_PAGEMAP_POLICY_EV_UNPIN;
		}
		b->throttle_until = 0;
		dpp_reset_window(b);
		b->holder = req->proc;
		goto out;
	}
	b->holder = req->proc;
	if (!req->proc || req->cause == DRM_PAGEMAP_POLICY_EVICT ||
	    (req->flags & DRM_PAGEMAP_POLICY_REQ_NO_THRASHING))
		goto out;

	if (req->cost_ns)
		b->cost_ns = req->cost_ns;
	if (now - b->last_event > dpp_block_lapses(&p, b, 1))
		dpp_reset_window(b);
	if (now - b->last_event > dpp_block_lapses(&p, b, p.epoch))
		b->throttles = 0;
	b->last_event = now;
	b->events++;
	dpp_add_proc(b, req->proc);
	if (b->pinned || b->events < p.threshold || b->nprocs < 2)
		goto out;

	ev |= DRM_PAGEMAP_POLICY_EV_THRASHING;
	policy->stats.thrashing++;
	if (b->throttles >= p.pin_threshold) {
		dpp_choose(b, &loc);
		ev |= dpp_pin(policy, b, &p, now, &loc);
	} else {
		b->throttles++;
		b->throttle_until = dpp_after(now,
					      dpp_block_lapses(&p, b, p.nap));
		policy->stats.throttles++;
		ev |= DRM_PAGEMAP_POLICY_EV_THROTTLE;
	}
	dpp_reset_window(b);
out:
	mutex_unlock(&policy->lock);
	return ev;
}
EXPORT_SYMBOL_GPL(drm_pagemap_policy_record);

/**
 * drm_pagemap_policy_evict_range() - record an eviction to system memory
 * @policy: the policy
 * @start: the first address evicted
 * @size: the bytes evicted
 * @dpagemap: the device memory they left
 *
 * Blocks the policy saw in @dpagemap are now in system memory, and blocks
 * pinned there are pinned to system memory instead (every processor
 * reaches it). Not a thrashing event. Process context.
 */
void drm_pagemap_policy_evict_range(struct drm_pagemap_policy *policy,
				    unsigned long start, unsigned long size,
				    const struct drm_pagemap *dpagemap)
{
	struct dpp_block *b;
	unsigned long index;

	if (!size)
		return;
	mutex_lock(&policy->lock);
	xa_for_each_range(&policy->blocks, index, b,
			  start >> policy->block_shift,
			  (start + size - 1) >> policy->block_shift) {
		if (b->where_known && b->where.dpagemap == dpagemap)
			b->where = dpp_system;
		if (b->pinned && b->pin.dpagemap == dpagemap)
			b->pin = dpp_system;
	}
	mutex_unlock(&policy->lock);
}
EXPORT_SYMBOL_GPL(drm_pagemap_policy_evict_range);

/**
 * drm_pagemap_policy_evicted() - record an eviction, by mm
 * @mm: the mm the memory belonged to; need not be referenced, it is only
 *	compared (a policy holds its mm, so a match is that mm, or one that
 *	reuses a freed mm's address, which only costs a stale hint)
 * @start: the first address evicted
 * @size: the bytes evicted
 * @dpagemap: the device memory they left
 *
 * drm_pagemap_policy_evict_range() on the policy of @mm, if it has one:
 * for eviction paths that know the mm but hold no policy. Process context.
 */
void drm_pagemap_policy_evicted(struct mm_struct *mm, unsigned long start,
				unsigned long size,
				const struct drm_pagemap *dpagemap)
{
	struct drm_pagemap_policy *pol;

	pol = drm_pagemap_policy_find(mm);
	if (!pol)
		return;
	drm_pagemap_policy_evict_range(pol, start, size, dpagemap);
	drm_pagemap_policy_put(pol);
}
EXPORT_SYMBOL_GPL(drm_pagemap_policy_evicted);

/**
 * drm_pagemap_policy_access_notify() - a block crossed an access threshold
 * @policy: the policy of the mm
 * @req: the request: @req->proc the device whose counter crossed, @req->addr
 *	and @req->size the counted block, @req->cause
 *	%DRM_PAGEMAP_POLICY_ACCESS_COUNTER, @req->target the device's own
 *	memory, @req->preferred and @req->flags its memory advice
 * @dec: the answer: MIGRATE to @req->target, or MAP_REMOTE (leave the block
 *	where it is, @dec->dest when the policy knows it); never WAIT
 *
 * See DOC: Access counters. The block stays where it is when the advice
 * names another preferred location, when it is pinned elsewhere, when it
 * is throttled for another processor or when another device's advice won
 * it; a counted block larger than the policy's blocks stays where it is
 * when any of the policy blocks it spans would. A request without a
 * processor or a target in device memory is left too. Nothing is recorded
 * but the advice: once the driver has migrated it calls
 * drm_pagemap_policy_record() for each policy block it moved. Process
 * context; takes the policy's lock.
 */
void drm_pagemap_policy_access_notify(struct drm_pagemap_policy *policy,
				      const struct drm_pagemap_policy_request *req,
				      struct drm_pagemap_policy_decision *dec)
{
	struct drm_pagemap_policy_params p;
	unsigned long bs, addr, next;
	struct dpp_block *b;
	u64 now;

	dec->action = DRM_PAGEMAP_POLICY_MAP_REMOTE;
	dec->dest = dpp_system;
	dec->wait_ns = 0;
	dec->events = 0;

	dpp_params(policy, &p);
	mutex_lock(&policy->lock);
	policy->stats.access_notifies++;
	if (!req->proc || !req->target.dpagemap)
		goto left;
	if ((req->flags & DRM_PAGEMAP_POLICY_REQ_PREFERRED) &&
	    !dpp_loc_eq(&req->preferred, &req->target))
		goto left;
	if (!p.enabled || (req->flags & DRM_PAGEMAP_POLICY_REQ_NO_THRASHING))
		goto migrate;

	now = dpp_now(policy);
	/* The counter's block may span several of the policy's: each counts. */
	bs = 1ul << policy->block_shift;
	for (addr = req->addr; ; addr = next) {
		b = dpp_block(policy, &p, addr, now, true);
		if (!b) {
			policy->stats.untracked++;
		} else {
			b->last_touch = now;
			dec->events |= dpp_expire(policy, b, &p, now);
			dpp_advice(b, req, &p, now);
			if (b->where_known)
				dec->dest = b->where;
			if (b->pinned) {
				if (!dpp_loc_eq(&b->pin, &req->target))
					goto left;
			} else if ((b->has_pref && b->pref_proc != req->proc &&
				    !dpp_loc_eq(&b->pref, &req->target)) ||
				   (now < b->throttle_until &&
				    b->holder != req->proc)) {
				goto left;
			}
		}
		next = round_down(addr, bs) + bs;
		if (next <= addr || next - req->addr >= req->size)
			break;
	}
migrate:
	dec->action = DRM_PAGEMAP_POLICY_MIGRATE;
	dec->dest = req->target;
	policy->stats.access_migrations++;
	goto out;
left:
	policy->stats.access_left++;
	policy->stats.avoided++;
	policy->stats.bytes_not_moved += req->size;
	dec->events |= DRM_PAGEMAP_POLICY_EV_AVOIDED;
out:
	mutex_unlock(&policy->lock);
}
EXPORT_SYMBOL_GPL(drm_pagemap_policy_access_notify);

/**
 * drm_pagemap_access_counters_init() - set up empty access counters
 * @ac: the counters
 */
void drm_pagemap_access_counters_init(struct drm_pagemap_access_counters *ac)
{
	xa_init(&ac->counts);
	ac->shift = PAGE_SHIFT;
	ac->nr_blocks = 0;
}
EXPORT_SYMBOL_GPL(drm_pagemap_access_counters_init);

/**
 * drm_pagemap_access_counters_fini() - free access counters
 * @ac: the counters, empty afterwards (and usable again)
 */
void drm_pagemap_access_counters_fini(struct drm_pagemap_access_counters *ac)
{
	xa_destroy(&ac->counts);
	ac->nr_blocks = 0;
}
EXPORT_SYMBOL_GPL(drm_pagemap_access_counters_fini);

/**
 * drm_pagemap_access_counters_add() - count accesses to a block
 * @ac: the counters
 * @addr: an address in the block
 * @n: the accesses to add
 * @shift: log2 of the granularity (the block size), clamped to
 *	[PAGE_SHIFT, 30]; a change forgets every count
 * @threshold: the count at which the block is notified (0 counts as 1)
 *
 * Counts start at zero and again at zero after each notification. At most
 * %DRM_PAGEMAP_ACCESS_COUNTERS_MAX blocks are counted at once; accesses to
 * further blocks are not counted until counts are cleared. May allocate
 * (GFP_KERNEL_ACCOUNT, charged to the caller's memory cgroup): not under a
 * lock that reclaim or an mmu notifier takes.
 *
 * Return: 1 when the block's count reached @threshold (the block is to be
 * notified, its count is zero again), 0 otherwise, -ENOMEM when the count
 * could not be stored (it is lost).
 */
int drm_pagemap_access_counters_add(struct drm_pagemap_access_counters *ac,
				    unsigned long addr, u32 n,
				    unsigned int shift, u32 threshold)
{
	unsigned long index, count;
	void *old, *ret;

	if (!n)
		return 0;
	shift = clamp(shift, (unsigned int)PAGE_SHIFT, 30u);
	if (shift != ac->shift) {
		drm_pagemap_access_counters_fini(ac);
		ac->shift = shift;
	}
	index = addr >> shift;
	old = xa_load(&ac->counts, index);
	count = (old ? xa_to_value(old) : 0) + n;
	if (count >= max(threshold, 1u)) {
		if (old) {
			xa_erase(&ac->counts, index);
			ac->nr_blocks--;
		}
		return 1;
	}
	if (!old && ac->nr_blocks >= DRM_PAGEMAP_ACCESS_COUNTERS_MAX)
		return 0;
	ret = xa_store(&ac->counts, index, xa_mk_value(count),
		       GFP_KERNEL_ACCOUNT);
	if (xa_is_err(ret))
		return xa_err(ret);
	if (!old)
		ac->nr_blocks++;
	return 0;
}
EXPORT_SYMBOL_GPL(drm_pagemap_access_counters_add);

/**
 * drm_pagemap_access_counters_clear() - forget the counts of an address range
 * @ac: the counters
 * @start: the first address
 * @end: the address after the range
 *
 * Every block that [@start, @end) touches starts again from zero: for
 * memory that moved or was unmapped.
 */
void drm_pagemap_access_counters_clear(struct drm_pagemap_access_counters *ac,
				       unsigned long start, unsigned long end)
{
	unsigned long index;
	void *entry;

	if (start >= end)
		return;
	xa_for_each_range(&ac->counts, index, entry, start >> ac->shift,
			  (end - 1) >> ac->shift) {
		xa_erase(&ac->counts, index);
		ac->nr_blocks--;
	}
}
EXPORT_SYMBOL_GPL(drm_pagemap_access_counters_clear);

/**
 * drm_pagemap_policy_is_pinned() - whether the block of an address is pinned
 * @policy: the policy
 * @addr: an address in the block
 * @where: out, if not NULL: the pin location
 *
 * Return: true if the block is pinned now.
 */
bool drm_pagemap_policy_is_pinned(struct drm_pagemap_policy *policy,
				  unsigned long addr,
				  struct drm_pagemap_policy_loc *where)
{
	struct drm_pagemap_policy_params p;
	struct dpp_block *b;
	bool pinned = false;

	dpp_params(policy, &p);
	mutex_lock(&policy->lock);
	b = dpp_block(policy, &p, addr, 0, false);
	if (b) {
		dpp_expire(policy, b, &p, dpp_now(policy));
		pinned = b->pinned;
		if (pinned && where)
			*where = b->pin;
	}
	mutex_unlock(&policy->lock);
	return pinned;
}
EXPORT_SYMBOL_GPL(drm_pagemap_policy_is_pinned);

/**
 * drm_pagemap_policy_stats_get() - read a policy's counters
 * @policy: the policy
 * @stats: filled with the counters
 */
void drm_pagemap_policy_stats_get(struct drm_pagemap_policy *policy,
				  struct drm_pagemap_policy_stats *stats)
{
	mutex_lock(&policy->lock);
	*stats = policy->stats;
	stats->blocks = policy->nr_blocks;
	mutex_unlock(&policy->lock);
}
EXPORT_SYMBOL_GPL(drm_pagemap_policy_stats_get);

/*
 * The CPU fault hook of drm_pagemap's migrate_to_ram: decides and records
 * the CPU's move of the faulting block to system memory. A fault from user
 * mode is the CPU's; another (hmm_range_fault() on behalf of a device
 * without a path, get_user_pages()) is recorded as a move by no processor.
 * Return: true if the fault should back off once (WAIT, and the fault may
 * be retried), else false (migrate).
 */
bool drm_pagemap_policy_cpu_fault(struct vm_fault *vmf, unsigned long size)
{
	struct drm_pagemap_policy_request req = {
		.proc = (vmf->flags & FAULT_FLAG_USER) ?
			&drm_pagemap_policy_cpu : NULL,
		.addr = vmf->address,
		.size = size,
		.cause = DRM_PAGEMAP_POLICY_CPU_FAULT,
	};
	struct drm_pagemap_policy_decision dec;
	struct drm_pagemap_policy *pol;
	bool backoff = false;

	pol = drm_pagemap_policy_find(vmf->vma->vm_mm);
	if (!pol)
		return false;
	drm_pagemap_policy_decide(pol, &req, &dec);
	if (dec.action == DRM_PAGEMAP_POLICY_WAIT &&
	    (vmf->flags & FAULT_FLAG_ALLOW_RETRY) &&
	    !(vmf->flags & FAULT_FLAG_TRIED))
		backoff = true;
	else
		drm_pagemap_policy_record(pol, &req, &dpp_system);
	drm_pagemap_policy_put(pol);
	return backoff;
}

static int drm_pagemap_policy_show(struct seq_file *m, void *arg)
{
	struct drm_pagemap_policy_stats s;
	struct drm_pagemap_policy *pol;
	int bkt;

	seq_puts(m, "pid blocks migrations bytes_migrated thrashing throttles pins unpins avoided bytes_not_moved waits untracked access_notifies access_migrations access_left comm\n");
	mutex_lock(&drm_pagemap_policy_table_lock);
	hash_for_each(drm_pagemap_policy_table, bkt, pol, node) {
		drm_pagemap_policy_stats_get(pol, &s);
		seq_printf(m, "%d %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %s\n",
			   pol->pid, s.blocks, s.migrations, s.bytes_migrated,
			   s.thrashing, s.throttles, s.pins, s.unpins,
			   s.avoided, s.bytes_not_moved, s.waits, s.untracked,
			   s.access_notifies, s.access_migrations,
			   s.access_left, pol->comm);
	}
	mutex_unlock(&drm_pagemap_policy_table_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(drm_pagemap_policy);

void drm_pagemap_policy_debugfs_init(struct dentry *root)
{
	debugfs_create_file("policies", 0444, root, NULL,
			    &drm_pagemap_policy_fops);
}
