// SPDX-License-Identifier: GPL-2.0
/*
 * vsvm: DRM_IOCTL_VSVM_QUERY, what user space learns about a device.
 *
 * The DRM core copies &struct drm_vsvm_query back to user space whatever
 * the result, so a failing call leaves it untouched.
 */
#include <linux/pci.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include <drm/drm_drv.h>
#include <drm/drm_file.h>

#include "vsvm_drv.h"
#include "vsvm_query.h"

static void vsvm_query_device(struct vsvm_device *vdev,
			      struct drm_vsvm_query_device *dev)
{
	memset(dev, 0, sizeof(*dev));
	dev->index = vdev->index;
	dev->backend = vdev->backend;
	dev->vram_size = vdev->vram.size;
	dev->vram_free = vsvm_vram_avail(&vdev->vram);
	dev->min_page_size = PAGE_SIZE;
	if (vdev->pdev) {
		dev->flags |= DRM_VSVM_DEVICE_FLAG_PCI;
		dev->pci_domain = pci_domain_nr(vdev->pdev->bus);
		dev->pci_bus = vdev->pdev->bus->number;
		dev->pci_dev = PCI_SLOT(vdev->pdev->devfn);
		dev->pci_func = PCI_FUNC(vdev->pdev->devfn);
	}
}

/**
 * vsvm_query_ioctl() - DRM_IOCTL_VSVM_QUERY
 * @drm: the DRM device
 * @data: the &struct drm_vsvm_query
 * @file: the DRM file
 *
 * Return: 0; -EINVAL for an unknown query, nonzero @flags, @pad or
 * @reserved, or a buffer too small; -EFAULT when the answer cannot be
 * copied to user space; -ENODEV once the device is gone.
 */
int vsvm_query_ioctl(struct drm_device *drm, void *data,
		     struct drm_file *file)
{
	struct vsvm_device *vdev = to_vsvm_device(drm);
	struct drm_vsvm_query *args = data;
	struct drm_vsvm_query_device dev;
	u32 size = sizeof(dev);
	int idx, err = 0;

	if (args->flags || args->pad || args->reserved[0] ||
	    args->reserved[1])
		return -EINVAL;
	if (args->query != DRM_VSVM_QUERY_DEVICE)
		return -EINVAL;

	if (!args->size) {
		args->size = size;
		return 0;
	}
	if (args->size < size)
		return -EINVAL;

	if (!drm_dev_enter(drm, &idx))
		return -ENODEV;
	vsvm_query_device(vdev, &dev);
	drm_dev_exit(idx);

	if (copy_to_user(u64_to_user_ptr(args->data), &dev, size))
		err = -EFAULT;
	else
		args->size = size;
	return err;
}
