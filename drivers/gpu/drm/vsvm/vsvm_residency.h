/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vsvm: DRM_IOCTL_VSVM_RESIDENCY, the per-page location of a range.
 */
#ifndef _VSVM_RESIDENCY_H_
#define _VSVM_RESIDENCY_H_

#include <linux/types.h>

#include <drm/vsvm_drm.h>

struct drm_device;
struct drm_file;
struct mm_struct;
struct vsvm_device;

int vsvm_residency_get(struct mm_struct *mm, void *owner, unsigned long start,
		       unsigned long npages, u32 *loc);
int vsvm_residency_fault_to_ram(struct mm_struct *mm, unsigned long start,
				unsigned long npages, const u32 *loc);
/* Is @loc (a %DRM_VSVM_RESIDENCY_* location) a page in device memory? */
static inline bool vsvm_residency_is_device(u32 loc)
{
	return loc == DRM_VSVM_RESIDENCY_OTHER ||
	       loc >= DRM_VSVM_RESIDENCY_DEVICE(0);
}

int vsvm_residency_ioctl(struct drm_device *drm, void *data,
			 struct drm_file *file);

#endif
