// SPDX-License-Identifier: GPL-2.0
/*
 * vsvm and the migration policy.
 *
 * Each VM is a processor of the framework's per-mm migration policy
 * (drm_pagemap_policy, shared by every VM of every device that mirrors
 * the mm), with the device's interconnect owner group as its owner. Every
 * migration vsvm makes goes through it:
 *
 * - a GPU fault asks drm_pagemap_policy_decide() before placing a range
 *   (vsvm_policy_gpu_fault()): MAP_REMOTE turns the placement into "in
 *   place" (the GPU maps system pages, or a peer's VRAM over P2P, where
 *   they are), MIGRATE may redirect it to where the block is pinned, WAIT
 *   sleeps (killable, bounded by the throttle) and asks again. Once placed,
 *   the outcome is recorded with what the migration took, the cost the
 *   block's thrashing lapse scales with (vsvm_policy_gpu_placed());
 * - PREFETCH is obeyed and recorded (vsvm_policy_prefetched());
 * - eviction is recorded by the pagemap (drm_pagemap_policy_evicted());
 * - CPU faults are decided and recorded by the framework's migrate_to_ram;
 * - an access counter crossing its threshold (vsvm_access.c) asks
 *   drm_pagemap_policy_access_notify() and records the migration it makes.
 *
 * A range with the MADVISE attribute DRM_VSVM_THRASHING_OFF asks without
 * thrashing protection. The decisions are counted per device
 * (dri/<device>/counters: policy_*) and traced (vsvm:vsvm_policy); the
 * per-process counters are the framework's (drm_msvm/policies).
 *
 * Locking: the policy's locks are the framework's, taken under
 * &vsvm_vm.lock and never held while vsvm runs.
 */
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>

#include <drm/drm_gpusvm.h>
#include <drm/drm_pagemap.h>
#include <drm/vsvm_drm.h>

#include "vsvm_attr.h"
#include "vsvm_drv.h"
#include "vsvm_fault.h"
#include "vsvm_policy.h"
#include "vsvm_trace.h"
#include "vsvm_vm.h"

/* How often a GPU fault asks again after a WAIT before migrating anyway. */
#define VSVM_POLICY_WAITS	3

/**
 * vsvm_policy_vm_init() - make a VM a processor of its mm's policy
 * @vm: the VM, its mm and device set
 *
 * Return: 0 or -ENOMEM.
 */
int vsvm_policy_vm_init(struct vsvm_vm *vm)
{
	struct drm_pagemap_policy *policy;

	policy = drm_pagemap_policy_get(vm->mm);
	if (IS_ERR(policy))
		return PTR_ERR(policy);
	vm->policy = policy;
	vm->policy_proc.owner = vsvm_device_owner(vm->vdev);
	return 0;
}

/**
 * vsvm_policy_vm_fini() - drop a VM's policy reference
 * @vm: the VM
 */
void vsvm_policy_vm_fini(struct vsvm_vm *vm)
{
	drm_pagemap_policy_put(vm->policy);
	vm->policy = NULL;
}

static void vsvm_policy_count(struct vsvm_device *vdev, u32 events,
			      unsigned long size)
{
	struct vsvm_counters *c = &vdev->counters;

	if (events & DRM_PAGEMAP_POLICY_EV_THRASHING)
		atomic64_inc(&c->policy_thrashing);
	if (events & DRM_PAGEMAP_POLICY_EV_THROTTLE)
		atomic64_inc(&c->policy_throttles);
	if (events & DRM_PAGEMAP_POLICY_EV_PIN)
		atomic64_inc(&c->policy_pins);
	if (events & DRM_PAGEMAP_POLICY_EV_UNPIN)
		atomic64_inc(&c->policy_unpins);
	if (events & DRM_PAGEMAP_POLICY_EV_WAIT)
		atomic64_inc(&c->policy_waits);
	if (events & DRM_PAGEMAP_POLICY_EV_AVOIDED) {
		atomic64_inc(&c->policy_avoided);
		atomic64_add(size, &c->policy_bytes_not_moved);
	}
}

static void vsvm_policy_loc(struct drm_pagemap_policy_loc *loc,
			    const struct vsvm_placement *place)
{
	drm_pagemap_policy_loc_set(loc, place->kind == VSVM_PLACE_VRAM ?
				   place->dpagemap : NULL);
}

/* The thrashing opt-out and the preferred location of @attr, into @req. */
static void vsvm_policy_advice(struct drm_pagemap_policy_request *req,
			       const struct vsvm_attr *attr,
			       struct drm_pagemap *local)
{
	if (attr->thrashing == DRM_VSVM_THRASHING_OFF)
		req->flags |= DRM_PAGEMAP_POLICY_REQ_NO_THRASHING;
	switch (attr->preferred_loc) {
	case DRM_VSVM_LOCATION_SYSTEM:
		req->flags |= DRM_PAGEMAP_POLICY_REQ_PREFERRED;
		drm_pagemap_policy_loc_set(&req->preferred, NULL);
		break;
	case DRM_VSVM_LOCATION_DEVICE:
		if (local) {
			req->flags |= DRM_PAGEMAP_POLICY_REQ_PREFERRED;
			drm_pagemap_policy_loc_set(&req->preferred, local);
		}
		break;
	case DRM_VSVM_LOCATION_PAGEMAP_FD:
		if (attr->dpagemap) {
			req->flags |= DRM_PAGEMAP_POLICY_REQ_PREFERRED;
			drm_pagemap_policy_loc_set(&req->preferred,
						   attr->dpagemap);
		}
		break;
	}
}

/**
 * vsvm_policy_gpu_fault() - consult the policy on a GPU fault's placement
 * @vm: the VM, its lock held
 * @range: the faulting range
 * @attr: its memory attributes
 * @local: the pagemap of the device's VRAM, referenced, or NULL (none, or
 *	inactive and not a target of this fault)
 * @place: the placement by the attributes; changed to what the policy
 *	says: in place for MAP_REMOTE, the pin location for MIGRATE
 * @pf: out: the request, for vsvm_policy_gpu_placed()
 *
 * A WAIT sleeps for the throttle's rest (killable) and asks again, at most
 * %VSVM_POLICY_WAITS times, then migrates: a GPU fault always progresses.
 */
void vsvm_policy_gpu_fault(struct vsvm_vm *vm, struct drm_gpusvm_range *range,
			   const struct vsvm_attr *attr,
			   struct drm_pagemap *local,
			   struct vsvm_placement *place,
			   struct vsvm_policy_fault *pf)
{
	struct drm_pagemap_policy_request *req = &pf->req;
	struct drm_pagemap_policy_decision dec;
	unsigned int waits = 0;

	pf->active = false;
	if (!vm->policy || place->kind == VSVM_PLACE_IN_PLACE)
		return;

	*req = (struct drm_pagemap_policy_request) {
		.proc = &vm->policy_proc,
		.addr = drm_gpusvm_range_start(range),
		.size = drm_gpusvm_range_size(range),
		.cause = DRM_PAGEMAP_POLICY_GPU_FAULT,
	};
	vsvm_policy_loc(&req->target, place);
	vsvm_policy_advice(req, attr, local);

	for (;;) {
		drm_pagemap_policy_decide(vm->policy, req, &dec);
		vsvm_policy_count(vm->vdev, dec.events, req->size);
		trace_vsvm_policy(vm->vdev->index, vm->id, req->addr,
				  req->addr + req->size, dec.action,
				  !!dec.dest.dpagemap, dec.events);
		if (dec.action != DRM_PAGEMAP_POLICY_WAIT)
			break;
		if (++waits > VSVM_POLICY_WAITS || fatal_signal_pending(current))
			break;
		schedule_timeout_killable(max(nsecs_to_jiffies(dec.wait_ns),
					      1ul));
	}

	switch (dec.action) {
	case DRM_PAGEMAP_POLICY_MAP_REMOTE:
		place->kind = VSVM_PLACE_IN_PLACE;
		place->dpagemap = NULL;
		return;
	case DRM_PAGEMAP_POLICY_MIGRATE:
		if (!dec.dest.dpagemap) {
			place->kind = VSVM_PLACE_SYSTEM;
			place->dpagemap = NULL;
		} else if (dec.dest.dpagemap == attr->dpagemap) {
			place->kind = VSVM_PLACE_VRAM;
			place->dpagemap = attr->dpagemap;
		} else if (dec.dest.dpagemap == local) {
			place->kind = VSVM_PLACE_VRAM;
			place->dpagemap = local;
		}
		break;
	case DRM_PAGEMAP_POLICY_WAIT:
		/* Waited long enough: migrate as the attributes say. */
		break;
	}
	pf->start_ns = ktime_get_ns();
	pf->active = true;
}

/**
 * vsvm_policy_gpu_placed() - record where a GPU fault put a range
 * @vm: the VM, its lock held
 * @pf: the request of vsvm_policy_gpu_fault()
 * @place: where the range went (%VSVM_PLACE_SYSTEM after a fallback)
 */
void vsvm_policy_gpu_placed(struct vsvm_vm *vm, struct vsvm_policy_fault *pf,
			    const struct vsvm_placement *place)
{
	struct drm_pagemap_policy_loc dest;
	u32 events;

	if (!pf->active || place->kind == VSVM_PLACE_IN_PLACE)
		return;
	vsvm_policy_loc(&dest, place);
	/* What the migration took: the block's lapse scales with it. */
	pf->req.cost_ns = ktime_get_ns() - pf->start_ns;
	events = drm_pagemap_policy_record(vm->policy, &pf->req, &dest);
	vsvm_policy_count(vm->vdev, events, pf->req.size);
	if (events)
		trace_vsvm_policy(vm->vdev->index, vm->id, pf->req.addr,
				  pf->req.addr + pf->req.size,
				  DRM_PAGEMAP_POLICY_MIGRATE, !!dest.dpagemap,
				  events);
}

/**
 * vsvm_policy_prefetched() - record a PREFETCH
 * @vm: the VM
 * @start: the first address prefetched
 * @end: the address after the range
 * @dpagemap: the VRAM it went to, or NULL for system memory
 *
 * An explicit prefetch is always obeyed; recording it ends the pins of
 * the blocks it moved (see drm_pagemap_policy_record()).
 */
void vsvm_policy_prefetched(struct vsvm_vm *vm, unsigned long start,
			    unsigned long end, struct drm_pagemap *dpagemap)
{
	struct drm_pagemap_policy_request req = {
		.proc = &vm->policy_proc,
		.cause = DRM_PAGEMAP_POLICY_PREFETCH,
	};
	unsigned long bs, addr, next;
	u32 events;

	if (!vm->policy || start >= end)
		return;
	bs = drm_pagemap_policy_block_size(vm->policy);
	drm_pagemap_policy_loc_set(&req.target, dpagemap);
	for (addr = start; addr < end; addr = next) {
		next = min(round_down(addr, bs) + bs, end);
		if (next <= addr)
			break;
		req.addr = addr;
		req.size = next - addr;
		events = drm_pagemap_policy_record(vm->policy, &req,
						   &req.target);
		vsvm_policy_count(vm->vdev, events, req.size);
		cond_resched();
	}
}

/* The request of a counter notification on [@start, @end) for @vm. */
static void vsvm_policy_access_req(struct drm_pagemap_policy_request *req,
				   struct vsvm_vm *vm, unsigned long start,
				   unsigned long end,
				   const struct vsvm_attr *attr,
				   struct drm_pagemap *local)
{
	*req = (struct drm_pagemap_policy_request) {
		.proc = &vm->policy_proc,
		.addr = start,
		.size = end - start,
		.cause = DRM_PAGEMAP_POLICY_ACCESS_COUNTER,
	};
	drm_pagemap_policy_loc_set(&req->target, local);
	vsvm_policy_advice(req, attr, local);
}

/**
 * vsvm_policy_access_notify() - may an access counter move a block here?
 * @vm: the VM whose counter crossed, its lock held
 * @start: the first address of the block (clipped to its VMA)
 * @end: the address after it
 * @attr: the memory attributes of the block
 * @local: the pagemap of the device's VRAM, referenced
 *
 * Asks drm_pagemap_policy_access_notify() (see vsvm_access.c), counts and
 * traces its events as a GPU fault's.
 *
 * Return: true if the block is to migrate to @local.
 */
bool vsvm_policy_access_notify(struct vsvm_vm *vm, unsigned long start,
			       unsigned long end, const struct vsvm_attr *attr,
			       struct drm_pagemap *local)
{
	struct drm_pagemap_policy_request req;
	struct drm_pagemap_policy_decision dec;

	if (!vm->policy)
		return attr->preferred_loc == DRM_VSVM_LOCATION_DEFAULT ||
		       attr->preferred_loc == DRM_VSVM_LOCATION_DEVICE ||
		       attr->dpagemap == local;
	vsvm_policy_access_req(&req, vm, start, end, attr, local);
	drm_pagemap_policy_access_notify(vm->policy, &req, &dec);
	vsvm_policy_count(vm->vdev, dec.events, req.size);
	trace_vsvm_policy(vm->vdev->index, vm->id, start, end, dec.action,
			  !!dec.dest.dpagemap, dec.events);
	return dec.action == DRM_PAGEMAP_POLICY_MIGRATE;
}

/**
 * vsvm_policy_access_migrated() - record a counter-driven migration
 * @vm: the VM, its lock held
 * @start: the first address migrated
 * @end: the address after them
 * @attr: the memory attributes of the block
 * @local: the pagemap of the device's VRAM, where the block went
 *
 * The move counts towards thrashing like a GPU fault's, in each policy
 * block it moved.
 */
void vsvm_policy_access_migrated(struct vsvm_vm *vm, unsigned long start,
				 unsigned long end,
				 const struct vsvm_attr *attr,
				 struct drm_pagemap *local)
{
	struct drm_pagemap_policy_request req;
	unsigned long bs, addr, next;
	u32 events;

	if (!vm->policy || start >= end)
		return;
	/* A counter's block may span several of the policy's: each moved. */
	bs = drm_pagemap_policy_block_size(vm->policy);
	for (addr = start; addr < end; addr = next) {
		next = min(round_down(addr, bs) + bs, end);
		if (next <= addr)
			break;
		vsvm_policy_access_req(&req, vm, addr, next, attr, local);
		events = drm_pagemap_policy_record(vm->policy, &req,
						   &req.target);
		vsvm_policy_count(vm->vdev, events, req.size);
	}
}
