/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vsvm: DRM_IOCTL_VSVM_QUERY.
 */
#ifndef _VSVM_QUERY_H_
#define _VSVM_QUERY_H_

struct drm_device;
struct drm_file;

int vsvm_query_ioctl(struct drm_device *drm, void *data,
		     struct drm_file *file);

#endif
