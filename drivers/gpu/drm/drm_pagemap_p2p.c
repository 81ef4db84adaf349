// SPDX-License-Identifier: GPL-2.0
/*
 * drm_pagemap_p2p: is there an interconnect between two device memories?
 *
 * Two PCI devices have one when PCI peer-to-peer DMA works between them in
 * both directions, that is when pci_p2pdma_distance() is usable from each to
 * the other (the same PCIe switch, or a host bridge on the kernel's P2P
 * whitelist). Devices that are not both PCI may instead be joined by a
 * driver-declared fabric, named in their &struct drm_pagemap_p2p_endpoint.
 *
 * The answer is what drm_pagemap_acquire_owner() groups devices by: devices
 * with an interconnect to every member of a group share its
 * device-private page owner, so each can map and migrate the others' pages
 * directly.
 *
 * Nothing here holds state or locks; pci_p2pdma_distance() caches its own
 * answers per provider.
 */
#include <linux/device.h>
#include <linux/export.h>
#include <linux/pci.h>
#include <linux/pci-p2pdma.h>
#include <linux/string.h>

#include <drm/drm_pagemap_p2p.h>

static int drm_pagemap_p2p_pci_distance(struct device *a, struct device *b)
{
	int ab, ba;

	if (!dev_is_pci(a) || !dev_is_pci(b))
		return -1;

	ab = pci_p2pdma_distance(to_pci_dev(a), b, false);
	ba = pci_p2pdma_distance(to_pci_dev(b), a, false);
	if (ab < 0 || ba < 0)
		return -1;

	return max(ab, ba);
}

/**
 * drm_pagemap_p2p_link() - the link between two device memories
 * @a: one endpoint
 * @b: the other endpoint
 *
 * The same device is %DRM_PAGEMAP_LINK_LOCAL. Two PCI devices between which
 * peer-to-peer DMA works both ways are %DRM_PAGEMAP_LINK_P2P, with the
 * larger of the two PCI P2P distances. Otherwise two endpoints on the same
 * named fabric are %DRM_PAGEMAP_LINK_FABRIC, and anything else is
 * %DRM_PAGEMAP_LINK_NONE. The relation is symmetric.
 *
 * Context: process context (the PCI P2P distance may allocate its cache).
 * Return: the link.
 */
struct drm_pagemap_link drm_pagemap_p2p_link(const struct drm_pagemap_p2p_endpoint *a,
					     const struct drm_pagemap_p2p_endpoint *b)
{
	int distance;

	if (a->dev == b->dev)
		return (struct drm_pagemap_link){ DRM_PAGEMAP_LINK_LOCAL, 0 };

	distance = drm_pagemap_p2p_pci_distance(a->dev, b->dev);
	if (distance >= 0)
		return (struct drm_pagemap_link){ DRM_PAGEMAP_LINK_P2P, distance };

	if (a->fabric && b->fabric && a->fabric[0] &&
	    !strcmp(a->fabric, b->fabric))
		return (struct drm_pagemap_link){ DRM_PAGEMAP_LINK_FABRIC, 1 };

	return (struct drm_pagemap_link){ DRM_PAGEMAP_LINK_NONE, -1 };
}
EXPORT_SYMBOL_GPL(drm_pagemap_p2p_link);

/**
 * drm_pagemap_p2p_has_interconnect() - whether two memories are linked
 * @a: one endpoint
 * @b: the other endpoint
 *
 * The predicate for drm_pagemap_acquire_owner().
 *
 * Context: process context.
 * Return: true unless drm_pagemap_p2p_link() is %DRM_PAGEMAP_LINK_NONE.
 */
bool drm_pagemap_p2p_has_interconnect(const struct drm_pagemap_p2p_endpoint *a,
				      const struct drm_pagemap_p2p_endpoint *b)
{
	return drm_pagemap_p2p_link(a, b).type != DRM_PAGEMAP_LINK_NONE;
}
EXPORT_SYMBOL_GPL(drm_pagemap_p2p_has_interconnect);

/**
 * drm_pagemap_link_type_name() - the sysfs and debugfs name of a link type
 * @type: the link type
 *
 * Return: "none", "local", "p2p", "fabric", or "unknown".
 */
const char *drm_pagemap_link_type_name(enum drm_pagemap_link_type type)
{
	switch (type) {
	case DRM_PAGEMAP_LINK_NONE:
		return "none";
	case DRM_PAGEMAP_LINK_LOCAL:
		return "local";
	case DRM_PAGEMAP_LINK_P2P:
		return "p2p";
	case DRM_PAGEMAP_LINK_FABRIC:
		return "fabric";
	}
	return "unknown";
}
EXPORT_SYMBOL_GPL(drm_pagemap_link_type_name);
