/* SPDX-License-Identifier: GPL-2.0 */
/*
 * drm_pagemap_policy: the global migration policy of the devices that
 * mirror one mm. A drm-msvm extension; upstream's drm_pagemap has none.
 */
#ifndef _DRM_MSVM_DRM_PAGEMAP_POLICY_H_
#define _DRM_MSVM_DRM_PAGEMAP_POLICY_H_

#include <linux/types.h>
#include <linux/xarray.h>

struct drm_pagemap;
struct drm_pagemap_policy;
struct mm_struct;
struct seq_file;

/**
 * enum drm_pagemap_policy_cause - what asks for a migration
 * @DRM_PAGEMAP_POLICY_GPU_FAULT: a device fault
 * @DRM_PAGEMAP_POLICY_CPU_FAULT: a CPU fault on a device page
 *	(&dev_pagemap_ops.migrate_to_ram)
 * @DRM_PAGEMAP_POLICY_PREFETCH: an explicit request of user space; always
 *	obeyed, it ends a pin and is not a thrashing event
 * @DRM_PAGEMAP_POLICY_EVICT: device memory reclaimed to system memory;
 *	always obeyed, not a thrashing event
 * @DRM_PAGEMAP_POLICY_ACCESS_COUNTER: a device's access counter crossed
 *	its threshold on a block it reaches in place
 *	(drm_pagemap_policy_access_notify()); a thrashing event like a fault
 */
enum drm_pagemap_policy_cause {
	DRM_PAGEMAP_POLICY_GPU_FAULT,
	DRM_PAGEMAP_POLICY_CPU_FAULT,
	DRM_PAGEMAP_POLICY_PREFETCH,
	DRM_PAGEMAP_POLICY_EVICT,
	DRM_PAGEMAP_POLICY_ACCESS_COUNTER,
};

/**
 * enum drm_pagemap_policy_action - the answer to a migration request
 * @DRM_PAGEMAP_POLICY_MIGRATE: migrate the block to
 *	&drm_pagemap_policy_decision.dest (the requested target, or where the
 *	block is pinned when the caller can name it)
 * @DRM_PAGEMAP_POLICY_MAP_REMOTE: do not migrate: map the pages where they
 *	are (&drm_pagemap_policy_decision.dest says where the policy last
 *	saw them), which the processor can reach in place
 * @DRM_PAGEMAP_POLICY_WAIT: the block is throttled for another processor
 *	and this one cannot reach it in place: wait up to
 *	&drm_pagemap_policy_decision.wait_ns (outside atomic context, no lock
 *	held that the holder needs) and ask again
 */
enum drm_pagemap_policy_action {
	DRM_PAGEMAP_POLICY_MIGRATE,
	DRM_PAGEMAP_POLICY_MAP_REMOTE,
	DRM_PAGEMAP_POLICY_WAIT,
};

/**
 * struct drm_pagemap_policy_loc - a memory location
 * @dpagemap: the device memory, or NULL for system memory. Only compared,
 *	never dereferenced nor referenced by the policy.
 * @owner: the device-private page owner of @dpagemap (its interconnect
 *	owner group), NULL for system memory
 */
struct drm_pagemap_policy_loc {
	const struct drm_pagemap *dpagemap;
	const void *owner;
};

/**
 * struct drm_pagemap_policy_proc - a processor that accesses an mm
 * @owner: the device-private page owner the processor faults with (its
 *	interconnect owner group): it reaches in place system memory and the
 *	device memory of pagemaps with this owner. NULL for the CPU, which
 *	reaches only system memory.
 *
 * A driver embeds one per device and mm (for example in its VM); its
 * address is the processor's identity, only compared by the policy.
 */
struct drm_pagemap_policy_proc {
	const void *owner;
};

/* The request asks for no thrashing protection (a range opted out). */
#define DRM_PAGEMAP_POLICY_REQ_NO_THRASHING	BIT(0)
/* &drm_pagemap_policy_request.preferred is set (memory advice). */
#define DRM_PAGEMAP_POLICY_REQ_PREFERRED	BIT(1)

/**
 * struct drm_pagemap_policy_request - one migration the driver considers
 * @proc: the processor on whose behalf the block would move, NULL for none
 *	(a kernel-internal fault on behalf of an unknown device)
 * @addr: an address in the block
 * @size: the bytes the migration would move (for the counters)
 * @cause: an &enum drm_pagemap_policy_cause
 * @flags: DRM_PAGEMAP_POLICY_REQ_* flags
 * @target: where the driver would migrate the block
 * @preferred: the preferred location the memory advice of @proc gives the
 *	block, with %DRM_PAGEMAP_POLICY_REQ_PREFERRED
 * @cost_ns: for drm_pagemap_policy_record(): how long the migration took,
 *	in ns of the policy's clock, or 0 if unknown (the block keeps the
 *	cost it had); see &drm_pagemap_policy_params.lapse_cost
 */
struct drm_pagemap_policy_request {
	const struct drm_pagemap_policy_proc *proc;
	unsigned long addr;
	unsigned long size;
	enum drm_pagemap_policy_cause cause;
	u32 flags;
	struct drm_pagemap_policy_loc target;
	struct drm_pagemap_policy_loc preferred;
	u64 cost_ns;
};

/* The decision's request was a thrashing event. */
#define DRM_PAGEMAP_POLICY_EV_THRASHING	BIT(0)
/* A throttle started. */
#define DRM_PAGEMAP_POLICY_EV_THROTTLE	BIT(1)
/* The block was pinned. */
#define DRM_PAGEMAP_POLICY_EV_PIN	BIT(2)
/* A pin ended. */
#define DRM_PAGEMAP_POLICY_EV_UNPIN	BIT(3)
/* A migration was avoided (MAP_REMOTE instead). */
#define DRM_PAGEMAP_POLICY_EV_AVOIDED	BIT(4)
/* The requester was told to wait. */
#define DRM_PAGEMAP_POLICY_EV_WAIT	BIT(5)

/**
 * struct drm_pagemap_policy_decision - the policy's answer
 * @action: an &enum drm_pagemap_policy_action
 * @dest: for MIGRATE where to, for MAP_REMOTE where the block is
 * @wait_ns: for WAIT the longest wait before asking again
 * @events: DRM_PAGEMAP_POLICY_EV_* bits of what the call did, for the
 *	driver's own counters and traces
 */
struct drm_pagemap_policy_decision {
	enum drm_pagemap_policy_action action;
	struct drm_pagemap_policy_loc dest;
	u64 wait_ns;
	u32 events;
};

/**
 * struct drm_pagemap_policy_params - the thrashing parameters
 * @enabled: the policy decides at all (false: every request migrates)
 * @threshold: migrations of a block within @lapse_ns, by two processors
 *	or more, that make it thrashing
 * @lapse_ns: the detection window; also the unit of @nap, @epoch and @pin
 * @lapse_cost: a block's lapse is at least this many times what its last
 *	migration took (&drm_pagemap_policy_request.cost_ns), so that the
 *	detection scales with the platform's migration speed; 0 for the
 *	fixed @lapse_ns only
 * @nap: lapses a throttle lasts
 * @epoch: lapses of an epoch, the period @max_resets counts in
 * @pin: lapses a pin lasts
 * @pin_threshold: throttles of a block before it is pinned
 * @max_resets: unpins of a block per epoch; after that it stays pinned
 *	until the epoch ends
 */
struct drm_pagemap_policy_params {
	bool enabled;
	u32 threshold;
	u64 lapse_ns;
	u32 lapse_cost;
	u32 nap;
	u32 epoch;
	u32 pin;
	u32 pin_threshold;
	u32 max_resets;
};

/**
 * struct drm_pagemap_policy_config - how to make an unshared policy
 * @params: fixed parameters, or NULL for the module parameters of
 *	drm_msvm, read at every decision
 * @clock: the time in ns, or NULL for ktime_get_ns(); called under the
 *	policy's lock
 * @clock_arg: the argument of @clock
 * @block_shift: log2 of the block size, 0 for the module parameter
 */
struct drm_pagemap_policy_config {
	const struct drm_pagemap_policy_params *params;
	u64 (*clock)(void *arg);
	void *clock_arg;
	unsigned int block_shift;
};

/**
 * struct drm_pagemap_policy_stats - a policy's counters
 * @blocks: blocks with history now
 * @migrations: migrations recorded
 * @bytes_migrated: bytes those moved
 * @thrashing: thrashing detections
 * @throttles: throttles started
 * @pins: blocks pinned
 * @unpins: pins ended (timer or PREFETCH)
 * @avoided: migrations answered with MAP_REMOTE
 * @bytes_not_moved: the bytes of those
 * @waits: WAIT answers
 * @untracked: requests decided without history (no memory for a block)
 * @access_notifies: access counter notifications
 *	(drm_pagemap_policy_access_notify())
 * @access_migrations: notifications answered MIGRATE
 * @access_left: notifications answered MAP_REMOTE (advice, pin, throttle)
 */
struct drm_pagemap_policy_stats {
	u64 blocks;
	u64 migrations;
	u64 bytes_migrated;
	u64 thrashing;
	u64 throttles;
	u64 pins;
	u64 unpins;
	u64 avoided;
	u64 bytes_not_moved;
	u64 waits;
	u64 untracked;
	u64 access_notifies;
	u64 access_migrations;
	u64 access_left;
};

/**
 * struct drm_pagemap_access_counters - one processor's access counters
 * @counts: the accesses counted per block since its last notification,
 *	by address >> @shift, as xarray value entries
 * @shift: log2 of the block size (the counters' granularity)
 * @nr_blocks: the number of blocks in @counts
 *
 * Emulates (or mirrors) a GPU's access counters: the driver adds the
 * in-place accesses of its device to memory outside the device's own
 * memory, and drm_pagemap_access_counters_add() tells it when a block
 * crosses the threshold. Not locked: the driver serializes the calls on
 * one &struct drm_pagemap_access_counters (vsvm: under its VM lock).
 */
struct drm_pagemap_access_counters {
	struct xarray counts;
	unsigned int shift;
	unsigned long nr_blocks;
};

/* The most blocks a &struct drm_pagemap_access_counters counts at once. */
#define DRM_PAGEMAP_ACCESS_COUNTERS_MAX	65536

extern const struct drm_pagemap_policy_proc drm_pagemap_policy_cpu;

struct drm_pagemap_policy *drm_pagemap_policy_get(struct mm_struct *mm);
struct drm_pagemap_policy *drm_pagemap_policy_find(struct mm_struct *mm);
struct drm_pagemap_policy *
drm_pagemap_policy_create(const struct drm_pagemap_policy_config *config);
void drm_pagemap_policy_put(struct drm_pagemap_policy *policy);

void drm_pagemap_policy_loc_set(struct drm_pagemap_policy_loc *loc,
				const struct drm_pagemap *dpagemap);
void drm_pagemap_policy_decide(struct drm_pagemap_policy *policy,
			       const struct drm_pagemap_policy_request *req,
			       struct drm_pagemap_policy_decision *dec);
u32 drm_pagemap_policy_record(struct drm_pagemap_policy *policy,
			      const struct drm_pagemap_policy_request *req,
			      const struct drm_pagemap_policy_loc *dest);
void drm_pagemap_policy_evict_range(struct drm_pagemap_policy *policy,
				    unsigned long start, unsigned long size,
				    const struct drm_pagemap *dpagemap);
void drm_pagemap_policy_evicted(struct mm_struct *mm, unsigned long start,
				unsigned long size,
				const struct drm_pagemap *dpagemap);
void drm_pagemap_policy_stats_get(struct drm_pagemap_policy *policy,
				  struct drm_pagemap_policy_stats *stats);
unsigned long drm_pagemap_policy_block_size(struct drm_pagemap_policy *policy);
void drm_pagemap_policy_access_notify(struct drm_pagemap_policy *policy,
				      const struct drm_pagemap_policy_request *req,
				      struct drm_pagemap_policy_decision *dec);

void drm_pagemap_access_counters_init(struct drm_pagemap_access_counters *ac);
void drm_pagemap_access_counters_fini(struct drm_pagemap_access_counters *ac);
int drm_pagemap_access_counters_add(struct drm_pagemap_access_counters *ac,
				    unsigned long addr, u32 n,
				    unsigned int shift, u32 threshold);
void drm_pagemap_access_counters_clear(struct drm_pagemap_access_counters *ac,
				       unsigned long start, unsigned long end);
bool drm_pagemap_policy_is_pinned(struct drm_pagemap_policy *policy,
				  unsigned long addr,
				  struct drm_pagemap_policy_loc *where);

#endif
