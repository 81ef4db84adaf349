// SPDX-License-Identifier: GPL-2.0
/*
 * vsvm: the reference driver of drm-msvm, an emulated fault-capable GPU.
 *
 * Each vsvm device is one DRM device with a render node. Its VRAM comes
 * from one of two backends: system pages (platform devices, vsvm_platform.c)
 * or the memory BAR of a QEMU ivshmem device (vsvm_pci.c). This file holds
 * what the backends share: the DRM driver, the device indices and the
 * module init and exit.
 */
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/module.h>

#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_ioctl.h>
#include <drm/drm_managed.h>
#include <drm/drm_print.h>

#include "vsvm_drv.h"
#include "vsvm_exec.h"
#include "vsvm_madvise.h"
#include "vsvm_query.h"
#include "vsvm_residency.h"
#include "vsvm_vm.h"

#define VSVM_DRIVER_NAME	"vsvm"
#define VSVM_DRIVER_DESC	"Emulated GPU with shared virtual memory"
#define VSVM_DRIVER_DATE	"20261121"
#define VSVM_DRIVER_MAJOR	0
#define VSVM_DRIVER_MINOR	1

/*
 * The indices of the vsvm devices of both backends. An index is taken at
 * probe and given back when the DRM device is released, so it is not reused
 * while an open file still refers to the device. The IDA locks itself.
 */
static DEFINE_IDA(vsvm_ida);

static const struct drm_ioctl_desc vsvm_ioctls[] = {
	DRM_IOCTL_DEF_DRV(VSVM_QUERY, vsvm_query_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VSVM_VM_CREATE, vsvm_vm_create_ioctl,
			  DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VSVM_VM_DESTROY, vsvm_vm_destroy_ioctl,
			  DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VSVM_DEVMEM_OPEN, vsvm_devmem_open_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VSVM_EXEC, vsvm_exec_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VSVM_MADVISE, vsvm_madvise_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VSVM_QUERY_RANGE_ATTRS, vsvm_query_range_attrs_ioctl,
			  DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VSVM_PREFETCH, vsvm_prefetch_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VSVM_RESIDENCY, vsvm_residency_ioctl,
			  DRM_RENDER_ALLOW),
};

static const struct file_operations vsvm_fops = {
	.owner = THIS_MODULE,
	.open = drm_open,
	.release = drm_release,
	.unlocked_ioctl = drm_ioctl,
	.compat_ioctl = drm_compat_ioctl,
	.poll = drm_poll,
	.read = drm_read,
	.llseek = noop_llseek,
	.fop_flags = FOP_UNSIGNED_OFFSET,
};

static const struct drm_driver vsvm_drm_driver = {
	.driver_features = DRIVER_RENDER,
	.open = vsvm_file_open,
	.postclose = vsvm_file_postclose,
	.ioctls = vsvm_ioctls,
	.num_ioctls = ARRAY_SIZE(vsvm_ioctls),
	.fops = &vsvm_fops,
	.name = VSVM_DRIVER_NAME,
	.desc = VSVM_DRIVER_DESC,
	.date = VSVM_DRIVER_DATE,
	.major = VSVM_DRIVER_MAJOR,
	.minor = VSVM_DRIVER_MINOR,
};

static void vsvm_device_release_index(struct drm_device *drm, void *arg)
{
	ida_free(&vsvm_ida, to_vsvm_device(drm)->index);
}

/**
 * vsvm_device_alloc() - allocate a vsvm device
 * @parent: the platform or PCI device it is the GPU of
 * @backend: where its VRAM comes from
 *
 * Allocates the DRM device (freed with @parent's devres once the last user
 * is gone) and a device index. The caller sets up &vsvm_device.vram, then
 * calls vsvm_device_register().
 *
 * Return: the device or an ERR_PTR().
 */
struct vsvm_device *vsvm_device_alloc(struct device *parent,
				      enum drm_vsvm_backend backend)
{
	struct vsvm_device *vdev;
	int index, err;

	vdev = devm_drm_dev_alloc(parent, &vsvm_drm_driver, struct vsvm_device,
				  drm);
	if (IS_ERR(vdev))
		return vdev;

	index = ida_alloc(&vsvm_ida, GFP_KERNEL);
	if (index < 0)
		return ERR_PTR(index);
	vdev->index = index;
	err = drmm_add_action_or_reset(&vdev->drm, vsvm_device_release_index,
				       NULL);
	if (err)
		return ERR_PTR(err);

	vdev->backend = backend;
	vsvm_device_vms_init(vdev);
	return vdev;
}

static const struct vsvm_copy_engine_ops vsvm_copy_ops = {
	.vram_va = vsvm_pagemap_vram_va,
};

/* The copy engine and the pagemap of the VRAM; undone in reverse. */
static int vsvm_device_pagemap_init(struct vsvm_device *vdev)
{
	int err;

	err = vsvm_copy_engine_init(&vdev->copy, vdev->drm.dev, &vsvm_copy_ops,
				    &vdev->vram);
	if (err)
		return err;
	err = vsvm_pagemap_dev_init(&vdev->pagemap, &vdev->drm, vdev->drm.dev,
				    &vdev->vram, &vdev->copy,
				    vdev->backend == DRM_VSVM_BACKEND_SYSMEM);
	if (err)
		vsvm_copy_engine_fini(&vdev->copy);
	return err;
}

static void vsvm_device_pagemap_fini(struct vsvm_device *vdev)
{
	vsvm_pagemap_dev_fini(&vdev->pagemap);
	vsvm_copy_engine_fini(&vdev->copy);
}

/**
 * vsvm_device_register() - make a vsvm device visible to user space
 * @vdev: the device from vsvm_device_alloc(), with its VRAM set up
 *
 * Return: 0 or a negative errno; on error the caller tears down the VRAM.
 */
int vsvm_device_register(struct vsvm_device *vdev)
{
	int err;

	err = vsvm_device_pagemap_init(vdev);
	if (err)
		return err;
	err = vsvm_residency_register(vdev);
	if (err) {
		vsvm_device_pagemap_fini(vdev);
		return err;
	}
	err = drm_dev_register(&vdev->drm, 0);
	if (err) {
		vsvm_residency_unregister(vdev);
		vsvm_device_pagemap_fini(vdev);
		return err;
	}
	vsvm_debugfs_init(vdev);
	vsvm_pagemap_debugfs_init(vdev);
	vsvm_vm_debugfs_init(vdev);
	vsvm_counters_debugfs_init(vdev);
	err = vsvm_sysfs_init(vdev);
	if (err) {
		drm_dev_unplug(&vdev->drm);
		vsvm_residency_unregister(vdev);
		vsvm_device_pagemap_fini(vdev);
		return err;
	}

	drm_info(&vdev->drm, "vsvm%d: %s VRAM, %llu MiB\n", vdev->index,
		 vdev->backend == DRM_VSVM_BACKEND_PCI_BAR ? "PCI BAR" : "sysmem",
		 vdev->vram.size >> 20);
	return 0;
}

/**
 * vsvm_device_remove() - remove a registered vsvm device
 * @vdev: the device
 *
 * Unplugs the DRM device: it waits for the ioctls in flight, and every
 * later call on an open file fails with -ENODEV. Then the VRAM goes. The
 * structure itself lives on until the last open file is closed.
 */
void vsvm_device_remove(struct vsvm_device *vdev)
{
	vsvm_sysfs_fini(vdev);
	drm_dev_unplug(&vdev->drm);
	vsvm_residency_unregister(vdev);
	vsvm_device_pagemap_fini(vdev);
	vsvm_vram_fini(&vdev->vram);
}

static int __init vsvm_init(void)
{
	int err;

	err = vsvm_platform_init();
	if (err)
		return err;

	err = vsvm_pci_init();
	if (err) {
		vsvm_platform_exit();
		return err;
	}
	return 0;
}
module_init(vsvm_init);

static void __exit vsvm_exit(void)
{
	vsvm_pci_exit();
	vsvm_platform_exit();
	vsvm_pagemap_module_exit();
	ida_destroy(&vsvm_ida);
}
module_exit(vsvm_exit);

MODULE_DESCRIPTION("vsvm: emulated GPU with shared virtual memory (drm-msvm reference driver)");
MODULE_LICENSE("GPL");
