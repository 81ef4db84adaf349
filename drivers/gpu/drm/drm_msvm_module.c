// SPDX-License-Identifier: GPL-2.0
/*
 * drm_msvm.ko: module init and exit of the multi-device SVM framework
 * (drm_pagemap, drm_pagemap_util, drm_pagemap_p2p, drm_gpusvm).
 *
 * Init refuses a kernel without the options the framework needs; the build
 * already refuses it (Kbuild), this guards a module copied between kernels.
 */
#include <linux/kconfig.h>
#include <linux/module.h>
#include <linux/printk.h>

static const struct {
	const char *name;
	bool enabled;
} drm_msvm_required[] = {
	{ "CONFIG_DEVICE_PRIVATE", IS_ENABLED(CONFIG_DEVICE_PRIVATE) },
	{ "CONFIG_HMM_MIRROR", IS_ENABLED(CONFIG_HMM_MIRROR) },
	{ "CONFIG_ZONE_DEVICE", IS_ENABLED(CONFIG_ZONE_DEVICE) },
	{ "CONFIG_PCI_P2PDMA", IS_ENABLED(CONFIG_PCI_P2PDMA) },
};

static int __init drm_msvm_init(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(drm_msvm_required); i++) {
		if (!drm_msvm_required[i].enabled) {
			pr_err("drm_msvm: this kernel lacks %s=y\n",
			       drm_msvm_required[i].name);
			return -ENODEV;
		}
	}
	return 0;
}
module_init(drm_msvm_init);

static void __exit drm_msvm_exit(void)
{
}
module_exit(drm_msvm_exit);

MODULE_DESCRIPTION("Multi-device GPU shared virtual memory framework");
MODULE_LICENSE("GPL");
