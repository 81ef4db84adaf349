/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vsvm: the hooks through which every migration of the driver consults
 * and records the framework's migration policy (drm_pagemap_policy).
 */
#ifndef _VSVM_POLICY_H_
#define _VSVM_POLICY_H_

#include <linux/types.h>

#include <drm/drm_pagemap_policy.h>

struct drm_gpusvm_range;
struct drm_pagemap;
struct vsvm_attr;
struct vsvm_device;
struct vsvm_placement;
struct vsvm_vm;

/**
 * struct vsvm_policy_fault - a GPU fault's request to the policy
 * @req: the request, valid when @active
 * @start_ns: when the migration started (ktime_get_ns()), for its cost
 * @active: the policy was consulted and the outcome is to be recorded
 */
struct vsvm_policy_fault {
	struct drm_pagemap_policy_request req;
	u64 start_ns;
	bool active;
};

int vsvm_policy_vm_init(struct vsvm_vm *vm);
void vsvm_policy_vm_fini(struct vsvm_vm *vm);
void vsvm_policy_gpu_fault(struct vsvm_vm *vm, struct drm_gpusvm_range *range,
			   const struct vsvm_attr *attr,
			   struct drm_pagemap *local,
			   struct vsvm_placement *place,
			   struct vsvm_policy_fault *pf);
void vsvm_policy_gpu_placed(struct vsvm_vm *vm, struct vsvm_policy_fault *pf,
			    const struct vsvm_placement *place);
bool vsvm_policy_access_notify(struct vsvm_vm *vm, unsigned long start,
			       unsigned long end, const struct vsvm_attr *attr,
			       struct drm_pagemap *local);
void vsvm_policy_access_migrated(struct vsvm_vm *vm, unsigned long start,
				 unsigned long end,
				 const struct vsvm_attr *attr,
				 struct drm_pagemap *local);
void vsvm_policy_prefetched(struct vsvm_vm *vm, unsigned long start,
			    unsigned long end, struct drm_pagemap *dpagemap);

#endif
