/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vsvm executor: DRM_IOCTL_VSVM_EXEC, the emulated GPU's work.
 */
#ifndef _VSVM_EXEC_H_
#define _VSVM_EXEC_H_

struct drm_device;
struct drm_file;
struct drm_vsvm_exec;

int vsvm_exec_check(const struct drm_vsvm_exec *args);
int vsvm_exec_ioctl(struct drm_device *drm, void *data, struct drm_file *file);

#endif
