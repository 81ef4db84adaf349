/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vsvm registry: every vsvm device, by index (vsvm_registry.c).
 */
#ifndef _VSVM_REGISTRY_H_
#define _VSVM_REGISTRY_H_

#include <linux/types.h>

struct device;
struct drm_device;
struct vsvm_pagemap_dev;

int vsvm_registry_reserve(u32 *index);
void vsvm_registry_release(u32 index);
int vsvm_registry_add(struct vsvm_pagemap_dev *pd);
void vsvm_registry_remove(struct vsvm_pagemap_dev *pd);

bool vsvm_registry_is_peer(struct vsvm_pagemap_dev *pd, struct device *dev);
struct vsvm_pagemap_dev *vsvm_registry_find_p2p_locked(u64 addr);
void vsvm_registry_lock(void);
void vsvm_registry_unlock(void);

void *vsvm_registry_owner(u32 index);
void **vsvm_registry_owners_get(unsigned int *count);
struct drm_device **vsvm_registry_drm_devices_get(unsigned int *count);
void vsvm_registry_drm_devices_put(struct drm_device **drms,
				   unsigned int count);

#endif
