/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vsvm: DRM_IOCTL_VSVM_QUERY.
 */
#ifndef _VSVM_QUERY_H_
#define _VSVM_QUERY_H_

#include <linux/types.h>

struct drm_device;
struct drm_file;
struct drm_vsvm_peer;
struct vsvm_device;

int vsvm_query_ioctl(struct drm_device *drm, void *data,
		     struct drm_file *file);
struct drm_vsvm_peer *vsvm_query_peers(struct vsvm_device *vdev, u32 *count);

int vsvm_sysfs_init(struct vsvm_device *vdev);
void vsvm_sysfs_fini(struct vsvm_device *vdev);

#endif
