// SPDX-License-Identifier: GPL-2.0
/*
 * drm_msvm.ko: module init and exit of the multi-device SVM framework
 * (drm_pagemap, drm_pagemap_util, drm_pagemap_p2p, drm_pagemap_policy,
 * drm_gpusvm).
 *
 * Init refuses a kernel without the options the framework needs; the build
 * already refuses it (Kbuild), this guards a module copied between kernels.
 */
#include <linux/debugfs.h>
#include <linux/fault-inject.h>
#include <linux/kconfig.h>
#include <linux/module.h>
#include <linux/printk.h>
#include <linux/workqueue.h>

#include <drm/drm_pagemap.h>

#include "drm_msvm_internal.h"

struct dentry *drm_msvm_debugfs_root;
struct workqueue_struct *drm_msvm_wq;
DECLARE_FAULT_ATTR(drm_msvm_fail_walk_timeout);

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

	/* Reclaim may need a pagemap destroyed: the queue must progress. */
	drm_msvm_wq = alloc_workqueue("drm_msvm", WQ_MEM_RECLAIM | WQ_UNBOUND, 0);
	if (!drm_msvm_wq)
		return -ENOMEM;

	drm_msvm_debugfs_root = debugfs_create_dir("drm_msvm", NULL);
	drm_pagemap_util_debugfs_init(drm_msvm_debugfs_root);
	drm_pagemap_policy_debugfs_init(drm_msvm_debugfs_root);
	fault_create_debugfs_attr("fail_walk_timeout", drm_msvm_debugfs_root,
				  &drm_msvm_fail_walk_timeout);
	return 0;
}
module_init(drm_msvm_init);

static void __exit drm_msvm_exit(void)
{
	/* Every pagemap put by a driver is destroyed before we go. */
	drm_pagemap_flush_destroyed();
	destroy_workqueue(drm_msvm_wq);
	debugfs_remove_recursive(drm_msvm_debugfs_root);
}
module_exit(drm_msvm_exit);

MODULE_DESCRIPTION("Multi-device GPU shared virtual memory framework");
MODULE_LICENSE("GPL");
