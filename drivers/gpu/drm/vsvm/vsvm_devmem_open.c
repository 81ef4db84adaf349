// SPDX-License-Identifier: GPL-2.0
/*
 * vsvm DEVMEM_OPEN: DRM_IOCTL_VSVM_DEVMEM_OPEN, a pagemap file descriptor
 * for a region of a device's memory.
 *
 * The fd holds a reference on the region's drm_pagemap (created or
 * revived by vsvm_pagemap_get()) and names the VRAM as a memory location
 * for MADVISE and PREFETCH. No lock of its own: the device is kept by
 * drm_dev_enter() while the pagemap is looked up, the cache's lookup lock
 * is the framework's, and the fd table's is the VFS's.
 */
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/stddef.h>

#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_pagemap.h>
#include <drm/drm_pagemap_util.h>

#include "vsvm_drv.h"
#include "vsvm_pagemap.h"

/*
 * DEVMEM_OPEN: the fd number is reserved first (so that a call without a
 * free fd leaves the pagemap as it was), the pagemap looked up and its
 * file made, the answer written back through @iu if there is one, and only
 * then is the file installed under the fd: until then no other thread can
 * reach it, and a failure just drops both.
 */
static int vsvm_devmem_open_common(struct drm_device *drm,
				   struct drm_vsvm_devmem_open *args,
				   const struct vsvm_ioctl_user *iu)
{
	struct vsvm_device *vdev = to_vsvm_device(drm);
	struct drm_pagemap *dpagemap;
	struct file *pmfile;
	int idx, fd, err;

	if (args->flags || args->pad || args->reserved[0] ||
	    args->reserved[1] || args->region)
		return -EINVAL;
	if (iu && iu->out_size < offsetofend(typeof(*args), fd))
		return -EINVAL;	/* the fd could not be returned */

	/* No fd, no pagemap: a failed call creates or revives nothing. */
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0)
		return fd;
	if (!drm_dev_enter(drm, &idx)) {
		put_unused_fd(fd);
		return -ENODEV;
	}
	dpagemap = vsvm_pagemap_get(&vdev->pagemap);
	drm_dev_exit(idx);
	if (IS_ERR(dpagemap)) {
		put_unused_fd(fd);
		return PTR_ERR(dpagemap);
	}

	pmfile = drm_pagemap_file_create(dpagemap);
	drm_pagemap_put(dpagemap);
	if (IS_ERR(pmfile)) {
		put_unused_fd(fd);
		return PTR_ERR(pmfile);
	}

	args->fd = fd;
	if (iu) {
		err = vsvm_ioctl_copy_out(iu, offsetofend(typeof(*args), fd));
		if (err) {
			put_unused_fd(fd);
			fput(pmfile);
			return err;
		}
	}
	fd_install(fd, pmfile);
	return 0;
}

/**
 * vsvm_devmem_open_ioctl() - DRM_IOCTL_VSVM_DEVMEM_OPEN, for in-kernel
 * callers
 * @drm: the DRM device
 * @data: the &struct drm_vsvm_devmem_open
 * @file: the DRM file
 *
 * Installs a close-on-exec pagemap fd holding a reference on the pagemap of
 * the region, creating or reviving the pagemap. User space reaches
 * vsvm_devmem_open_ioctl_user() instead (see &struct vsvm_ioctl_user).
 *
 * Return: 0; -EINVAL for nonzero @flags, @pad or @reserved or a region
 * other than 0; -ENODEV once the device is gone; -EMFILE, -ENOMEM or
 * another errno of the pagemap creation; -EINTR on a fatal signal while
 * another call makes the pagemap.
 */
int vsvm_devmem_open_ioctl(struct drm_device *drm, void *data,
			   struct drm_file *file)
{
	return vsvm_devmem_open_common(drm, data, NULL);
}

/**
 * vsvm_devmem_open_ioctl_user() - DRM_IOCTL_VSVM_DEVMEM_OPEN from user space
 * @drm: the DRM device
 * @data: the &struct vsvm_ioctl_user of a &struct drm_vsvm_devmem_open
 * @file: the DRM file
 *
 * Writes the fd number back before installing the fd: no fd appears in
 * the caller's table unless user space has been told its number.
 *
 * Return: as vsvm_devmem_open_ioctl(), and -EFAULT, with no fd installed,
 * if the answer cannot be written back; -EINVAL if the ioctl number user
 * space used would not write back the fd.
 */
int vsvm_devmem_open_ioctl_user(struct drm_device *drm, void *data,
				struct drm_file *file)
{
	const struct vsvm_ioctl_user *iu = data;

	return vsvm_devmem_open_common(drm, iu->data, iu);
}
