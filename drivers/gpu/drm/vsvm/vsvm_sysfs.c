// SPDX-License-Identifier: GPL-2.0
/*
 * vsvm sysfs: the interconnect topology, on each device's render node.
 *
 *	/sys/class/drm/renderDN/vsvm_peers
 *
 * One line per vsvm device present, the device itself included, in order
 * of index: "<index> <link> <distance>", with link one of "local", "p2p",
 * "fabric" or "none" and distance as in &struct drm_vsvm_peer (0 for local,
 * the PCI P2P distance for p2p, 1 for fabric, -1 for none). It is the
 * answer of DRM_VSVM_QUERY_PEERS, as text.
 */
#include <linux/device.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include <drm/drm_drv.h>
#include <drm/drm_file.h>

#include "vsvm_drv.h"
#include "vsvm_query.h"

static const char *vsvm_sysfs_link_name(u32 link)
{
	switch (link) {
	case DRM_VSVM_LINK_LOCAL:
		return "local";
	case DRM_VSVM_LINK_P2P:
		return "p2p";
	case DRM_VSVM_LINK_FABRIC:
		return "fabric";
	default:
		return "none";
	}
}

static ssize_t vsvm_peers_show(struct device *kdev,
			       struct device_attribute *attr, char *buf)
{
	struct drm_minor *minor = dev_get_drvdata(kdev);
	struct vsvm_device *vdev = to_vsvm_device(minor->dev);
	struct drm_vsvm_peer *peers;
	ssize_t len = 0;
	u32 n, i;
	int idx;

	if (!drm_dev_enter(minor->dev, &idx))
		return -ENODEV;
	peers = vsvm_query_peers(vdev, &n);
	drm_dev_exit(idx);
	if (IS_ERR(peers))
		return PTR_ERR(peers);

	for (i = 0; i < n; i++)
		len += sysfs_emit_at(buf, len, "%u %s %d\n", peers[i].index,
				     vsvm_sysfs_link_name(peers[i].link),
				     peers[i].distance);
	kfree(peers);
	return len;
}

static struct device_attribute vsvm_dev_attr_peers =
	__ATTR(vsvm_peers, 0444, vsvm_peers_show, NULL);

/**
 * vsvm_sysfs_init() - add the sysfs files of a device
 * @vdev: the device, its DRM device registered
 *
 * Return: 0 or a negative errno.
 */
int vsvm_sysfs_init(struct vsvm_device *vdev)
{
	return device_create_file(vdev->drm.render->kdev, &vsvm_dev_attr_peers);
}

/**
 * vsvm_sysfs_fini() - remove the sysfs files of a device
 * @vdev: the device, before its DRM device is unplugged
 *
 * Waits for the readers of the files in progress.
 */
void vsvm_sysfs_fini(struct vsvm_device *vdev)
{
	device_remove_file(vdev->drm.render->kdev, &vsvm_dev_attr_peers);
}
