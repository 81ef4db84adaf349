/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vsvm: DRM_IOCTL_VSVM_MADVISE, DRM_IOCTL_VSVM_QUERY_RANGE_ATTRS and
 * DRM_IOCTL_VSVM_PREFETCH.
 */
#ifndef _VSVM_MADVISE_H_
#define _VSVM_MADVISE_H_

#include <linux/types.h>

struct drm_device;
struct drm_file;
struct drm_pagemap;
struct vsvm_device;

struct drm_pagemap *vsvm_pagemap_from_fd(struct vsvm_device *vdev, int fd,
					 u32 *index);
int vsvm_madvise_ioctl(struct drm_device *drm, void *data,
		       struct drm_file *file);
int vsvm_query_range_attrs_ioctl(struct drm_device *drm, void *data,
				 struct drm_file *file);
int vsvm_prefetch_ioctl(struct drm_device *drm, void *data,
			struct drm_file *file);

#endif
