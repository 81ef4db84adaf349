// SPDX-License-Identifier: GPL-2.0
/*
 * vsvm platform backend: devices whose VRAM is system memory.
 *
 * Module init creates sysmem_devices platform devices named "vsvm", each
 * with sysmem_vram_mb MiB of VRAM allocated from system pages at probe;
 * module exit removes them.
 */
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/sizes.h>

#include "vsvm_drv.h"

#define VSVM_PLATFORM_NAME		"vsvm"
#define VSVM_PLATFORM_MAX_DEVICES	16
#define VSVM_PLATFORM_MAX_VRAM_MB	4096

static unsigned int sysmem_devices = 2;
module_param(sysmem_devices, uint, 0444);
MODULE_PARM_DESC(sysmem_devices,
		 "Number of vsvm devices with system-memory VRAM (default 2, at most 16)");

static unsigned int sysmem_vram_mb = 16;
module_param(sysmem_vram_mb, uint, 0444);
MODULE_PARM_DESC(sysmem_vram_mb,
		 "VRAM of each system-memory vsvm device in MiB (default 16, 1 to 4096)");

/* Written only by module init and exit. */
static struct platform_device *vsvm_platform_devs[VSVM_PLATFORM_MAX_DEVICES];

static int vsvm_platform_probe(struct platform_device *pdev)
{
	struct vsvm_device *vdev;
	int err;

	err = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
	if (err)
		return err;

	vdev = vsvm_device_alloc(&pdev->dev, DRM_VSVM_BACKEND_SYSMEM);
	if (IS_ERR(vdev))
		return PTR_ERR(vdev);

	err = vsvm_vram_init_sysmem(&vdev->vram, (u64)sysmem_vram_mb * SZ_1M);
	if (err)
		return dev_err_probe(&pdev->dev, err,
				     "cannot allocate %u MiB of VRAM\n",
				     sysmem_vram_mb);

	err = vsvm_device_register(vdev);
	if (err) {
		vsvm_vram_fini(&vdev->vram);
		return err;
	}

	platform_set_drvdata(pdev, vdev);
	return 0;
}

static void vsvm_platform_remove(struct platform_device *pdev)
{
	vsvm_device_remove(platform_get_drvdata(pdev));
}

static struct platform_driver vsvm_platform_driver = {
	.driver = {
		.name = VSVM_PLATFORM_NAME,
	},
	.probe = vsvm_platform_probe,
	.remove = vsvm_platform_remove,
};

static void vsvm_platform_remove_devices(void)
{
	int i;

	for (i = VSVM_PLATFORM_MAX_DEVICES - 1; i >= 0; i--) {
		platform_device_unregister(vsvm_platform_devs[i]);
		vsvm_platform_devs[i] = NULL;
	}
}

/**
 * vsvm_platform_init() - register the platform driver and its devices
 *
 * Return: 0, -EINVAL for bad module parameters, or another negative errno.
 */
int vsvm_platform_init(void)
{
	unsigned int i;
	int err;

	if (sysmem_devices > VSVM_PLATFORM_MAX_DEVICES) {
		pr_err("vsvm: sysmem_devices=%u, at most %u\n", sysmem_devices,
		       VSVM_PLATFORM_MAX_DEVICES);
		return -EINVAL;
	}
	if (sysmem_devices &&
	    (!sysmem_vram_mb || sysmem_vram_mb > VSVM_PLATFORM_MAX_VRAM_MB)) {
		pr_err("vsvm: sysmem_vram_mb=%u, must be 1 to %u\n",
		       sysmem_vram_mb, VSVM_PLATFORM_MAX_VRAM_MB);
		return -EINVAL;
	}

	err = platform_driver_register(&vsvm_platform_driver);
	if (err)
		return err;

	for (i = 0; i < sysmem_devices; i++) {
		struct platform_device *pdev;

		pdev = platform_device_register_simple(VSVM_PLATFORM_NAME, i,
						       NULL, 0);
		if (IS_ERR(pdev)) {
			err = PTR_ERR(pdev);
			goto err_devices;
		}
		vsvm_platform_devs[i] = pdev;
	}
	return 0;

err_devices:
	vsvm_platform_remove_devices();
	platform_driver_unregister(&vsvm_platform_driver);
	return err;
}

/**
 * vsvm_platform_exit() - remove the platform devices and driver
 */
void vsvm_platform_exit(void)
{
	vsvm_platform_remove_devices();
	platform_driver_unregister(&vsvm_platform_driver);
}
