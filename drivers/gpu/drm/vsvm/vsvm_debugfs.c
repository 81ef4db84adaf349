// SPDX-License-Identifier: GPL-2.0
/*
 * vsvm debugfs: per device, under the DRM device's debugfs directory
 * (/sys/kernel/debug/dri/<parent device name>/).
 *
 *	vram	the VRAM: backing, size, used and free bytes, allocations
 */
#include <linux/seq_file.h>

#include <drm/drm_debugfs.h>
#include <drm/drm_drv.h>
#include <drm/drm_file.h>

#include "vsvm_drv.h"

static int vsvm_debugfs_vram_show(struct seq_file *m, void *arg)
{
	struct drm_debugfs_entry *entry = m->private;
	struct vsvm_device *vdev = to_vsvm_device(entry->dev);
	int idx;

	if (!drm_dev_enter(entry->dev, &idx))
		return -ENODEV;
	seq_printf(m, "device: %d\n", vdev->index);
	/* Show the VRAM of released allocations as free. */
	vsvm_devmem_reap(&vdev->pagemap);
	vsvm_vram_show(&vdev->vram, m);
	drm_dev_exit(idx);
	return 0;
}

/**
 * vsvm_debugfs_init() - add the debugfs files of a device
 * @vdev: the device, its DRM device registered
 *
 * The files go with the DRM device's debugfs directory at unplug.
 */
void vsvm_debugfs_init(struct vsvm_device *vdev)
{
	drm_debugfs_add_file(&vdev->drm, "vram", vsvm_debugfs_vram_show, NULL);
}
