// SPDX-License-Identifier: GPL-2.0
/*
 * vsvm: DRM_IOCTL_VSVM_QUERY, what user space learns about a device: the
 * device itself (DRM_VSVM_QUERY_DEVICE) and its links to every vsvm device
 * (DRM_VSVM_QUERY_PEERS, also in sysfs, see vsvm_sysfs.c).
 *
 * The DRM core copies &struct drm_vsvm_query back to user space whatever
 * the result, so a failing call leaves it untouched.
 */
#include <linux/overflow.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include <drm/drm_drv.h>
#include <drm/drm_file.h>

#include "vsvm_drv.h"
#include "vsvm_query.h"
#include "vsvm_registry.h"

static void vsvm_query_device(struct vsvm_device *vdev,
			      struct drm_vsvm_query_device *dev)
{
	memset(dev, 0, sizeof(*dev));
	dev->index = vdev->index;
	dev->backend = vdev->backend;
	dev->vram_size = vdev->vram.size;
	vsvm_devmem_reap(&vdev->pagemap);
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

static u32 vsvm_query_link_type(enum drm_pagemap_link_type type)
{
	switch (type) {
	case DRM_PAGEMAP_LINK_LOCAL:
		return DRM_VSVM_LINK_LOCAL;
	case DRM_PAGEMAP_LINK_P2P:
		return DRM_VSVM_LINK_P2P;
	case DRM_PAGEMAP_LINK_FABRIC:
		return DRM_VSVM_LINK_FABRIC;
	case DRM_PAGEMAP_LINK_NONE:
		break;
	}
	return DRM_VSVM_LINK_NONE;
}

static int vsvm_query_peer_cmp(const void *a, const void *b)
{
	const struct drm_vsvm_peer *pa = a, *pb = b;

	return pa->index < pb->index ? -1 : pa->index > pb->index;
}

/**
 * vsvm_query_peers() - the links from a device to every vsvm device
 * @vdev: the device, entered (drm_dev_enter())
 * @count: set to the number of entries
 *
 * One entry per vsvm device present (registered, not unplugged), @vdev
 * included as %DRM_VSVM_LINK_LOCAL, in order of index: the link of
 * vsvm_pagemap_link(), so a device of another owner group is
 * %DRM_VSVM_LINK_NONE even where a PCI path exists.
 *
 * Context: process context.
 * Return: a kmalloc()ed array of @count entries (free with kfree()), or an
 * ERR_PTR(-ENOMEM). NULL with @count 0 cannot happen: @vdev is present.
 */
struct drm_vsvm_peer *vsvm_query_peers(struct vsvm_device *vdev, u32 *count)
{
	struct drm_vsvm_peer *peers;
	struct drm_device **drms;
	unsigned int n, i;

	drms = vsvm_registry_drm_devices_get(&n);
	if (IS_ERR(drms))
		return ERR_CAST(drms);
	peers = kcalloc(max(n, 1u), sizeof(*peers), GFP_KERNEL);
	if (!peers) {
		vsvm_registry_drm_devices_put(drms, n);
		return ERR_PTR(-ENOMEM);
	}
	for (i = 0; i < n; i++) {
		struct vsvm_device *other = to_vsvm_device(drms[i]);
		struct drm_pagemap_link link =
			vsvm_pagemap_link(&vdev->pagemap, &other->pagemap);

		peers[i].index = other->index;
		peers[i].link = vsvm_query_link_type(link.type);
		peers[i].distance = link.distance;
	}
	vsvm_registry_drm_devices_put(drms, n);
	sort(peers, n, sizeof(*peers), vsvm_query_peer_cmp, NULL);
	*count = n;
	return peers;
}

/* The PEERS answer: header and entries, into a kmalloc()ed buffer. */
static void *vsvm_query_peers_answer(struct vsvm_device *vdev, u32 *size)
{
	struct drm_vsvm_query_peers *answer;
	struct drm_vsvm_peer *peers;
	u32 n;

	peers = vsvm_query_peers(vdev, &n);
	if (IS_ERR(peers))
		return peers;
	answer = kzalloc(struct_size(answer, peers, n), GFP_KERNEL);
	if (!answer) {
		kfree(peers);
		return ERR_PTR(-ENOMEM);
	}
	answer->num_peers = n;
	memcpy(answer->peers, peers, flex_array_size(answer, peers, n));
	kfree(peers);
	*size = struct_size(answer, peers, n);
	return answer;
}

/**
 * vsvm_query_ioctl() - DRM_IOCTL_VSVM_QUERY
 * @drm: the DRM device
 * @data: the &struct drm_vsvm_query
 * @file: the DRM file
 *
 * Return: 0; -EINVAL for an unknown query, nonzero @flags, @pad or
 * @reserved, or a buffer too small; -EFAULT when the answer cannot be
 * copied to user space; -ENODEV once the device is gone; -ENOMEM.
 */
int vsvm_query_ioctl(struct drm_device *drm, void *data,
		     struct drm_file *file)
{
	struct vsvm_device *vdev = to_vsvm_device(drm);
	struct drm_vsvm_query *args = data;
	struct drm_vsvm_query_device dev;
	void *answer;
	u32 size;
	int idx, err = 0;

	if (args->flags || args->pad || args->reserved[0] ||
	    args->reserved[1])
		return -EINVAL;
	if (args->query != DRM_VSVM_QUERY_DEVICE &&
	    args->query != DRM_VSVM_QUERY_PEERS)
		return -EINVAL;
	/* The DEVICE answer has a fixed size, known without the device. */
	if (args->query == DRM_VSVM_QUERY_DEVICE) {
		if (!args->size) {
			args->size = sizeof(dev);
			return 0;
		}
		if (args->size < sizeof(dev))
			return -EINVAL;
	}

	if (!drm_dev_enter(drm, &idx))
		return -ENODEV;
	if (args->query == DRM_VSVM_QUERY_DEVICE) {
		vsvm_query_device(vdev, &dev);
		answer = &dev;
		size = sizeof(dev);
	} else {
		answer = vsvm_query_peers_answer(vdev, &size);
	}
	drm_dev_exit(idx);
	if (IS_ERR(answer))
		return PTR_ERR(answer);

	if (!args->size)
		args->size = size;
	else if (args->size < size)
		err = -EINVAL;
	else if (copy_to_user(u64_to_user_ptr(args->data), answer, size))
		err = -EFAULT;
	else
		args->size = size;

	if (answer != &dev)
		kfree(answer);
	return err;
}
