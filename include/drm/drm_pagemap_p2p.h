/* SPDX-License-Identifier: GPL-2.0 */
/*
 * drm_pagemap_p2p: the interconnect between two devices' memories, the
 * predicate behind owner groups (drm_pagemap_acquire_owner()).
 */
#ifndef _DRM_MSVM_DRM_PAGEMAP_P2P_H_
#define _DRM_MSVM_DRM_PAGEMAP_P2P_H_

#include <linux/types.h>

struct device;

/**
 * enum drm_pagemap_link_type - how one device reaches another's memory
 * @DRM_PAGEMAP_LINK_NONE: no direct path: data goes through system memory
 * @DRM_PAGEMAP_LINK_LOCAL: the same device
 * @DRM_PAGEMAP_LINK_P2P: PCIe peer-to-peer DMA, both ways
 * @DRM_PAGEMAP_LINK_FABRIC: a driver-declared fabric joins the two devices
 */
enum drm_pagemap_link_type {
	DRM_PAGEMAP_LINK_NONE = 0,
	DRM_PAGEMAP_LINK_LOCAL,
	DRM_PAGEMAP_LINK_P2P,
	DRM_PAGEMAP_LINK_FABRIC,
};

/**
 * struct drm_pagemap_p2p_endpoint - a device memory as an interconnect end
 * @dev: the device that owns the memory
 * @fabric: the name of a driver-declared fabric the device is on, or NULL.
 *	Devices on the same fabric have a link even without a PCI path (the
 *	emulated devices of vsvm's sysmem backend use this).
 */
struct drm_pagemap_p2p_endpoint {
	struct device *dev;
	const char *fabric;
};

/**
 * struct drm_pagemap_link - the link between two endpoints
 * @type: the &enum drm_pagemap_link_type
 * @distance: the PCI P2P distance (pci_p2pdma_distance(), the larger of
 *	the two directions) for %DRM_PAGEMAP_LINK_P2P, 0 for
 *	%DRM_PAGEMAP_LINK_LOCAL, 1 for %DRM_PAGEMAP_LINK_FABRIC, -1 for
 *	%DRM_PAGEMAP_LINK_NONE
 */
struct drm_pagemap_link {
	enum drm_pagemap_link_type type;
	int distance;
};

struct drm_pagemap_link drm_pagemap_p2p_link(const struct drm_pagemap_p2p_endpoint *a,
					     const struct drm_pagemap_p2p_endpoint *b);
bool drm_pagemap_p2p_has_interconnect(const struct drm_pagemap_p2p_endpoint *a,
				      const struct drm_pagemap_p2p_endpoint *b);
const char *drm_pagemap_link_type_name(enum drm_pagemap_link_type type);

#endif
