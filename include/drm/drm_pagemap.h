/* SPDX-License-Identifier: GPL-2.0 */
/*
 * drm_pagemap: refcounted device-memory pagemaps shared between the devices
 * of one interconnect owner group, and the helpers that migrate memory into
 * and out of them.
 */
#ifndef _DRM_MSVM_DRM_PAGEMAP_H_
#define _DRM_MSVM_DRM_PAGEMAP_H_

#include <linux/dma-direction.h>
#include <linux/kref.h>
#include <linux/memremap.h>
#include <linux/types.h>

struct device;
struct drm_device;
struct drm_pagemap;
struct mm_struct;
struct page;

/**
 * enum drm_interconnect_protocol - how a device reaches a page
 * @DRM_INTERCONNECT_SYSTEM: a DMA address of system memory
 * @DRM_INTERCONNECT_DRIVER: a device-local address (the device's own VRAM)
 * @DRM_INTERCONNECT_P2P: a PCIe peer-to-peer bus address of a peer's VRAM
 */
enum drm_interconnect_protocol {
	DRM_INTERCONNECT_SYSTEM,
	DRM_INTERCONNECT_DRIVER,
	DRM_INTERCONNECT_P2P,
};

/**
 * struct drm_pagemap_device_addr - a page's address as seen by one device
 * @addr: the address
 * @proto: the &enum drm_interconnect_protocol of @addr
 * @order: the page order mapped at @addr
 * @dir: the &enum dma_data_direction of the mapping
 */
struct drm_pagemap_device_addr {
	dma_addr_t addr;
	u64 proto : 54;
	u64 order : 8;
	u64 dir : 2;
};

/**
 * drm_pagemap_device_addr_encode() - build a &struct drm_pagemap_device_addr
 * @addr: the address
 * @proto: the protocol of @addr
 * @order: the page order
 * @dir: the DMA direction
 *
 * Return: the encoded address.
 */
static inline struct drm_pagemap_device_addr
drm_pagemap_device_addr_encode(dma_addr_t addr,
			       enum drm_interconnect_protocol proto,
			       unsigned int order, enum dma_data_direction dir)
{
	return (struct drm_pagemap_device_addr) {
		.addr = addr, .proto = proto, .order = order, .dir = dir,
	};
}

/**
 * struct drm_pagemap_ops - operations of a &struct drm_pagemap provider
 */
struct drm_pagemap_ops {
	/**
	 * @device_map: map a device-private @page of this pagemap for access
	 * by @dev: the device's own VRAM address when @dev owns the pagemap,
	 * a P2P bus address when @dev is a peer with an interconnect.
	 */
	struct drm_pagemap_device_addr (*device_map)(struct drm_pagemap *dpagemap,
						     struct device *dev,
						     struct page *page,
						     unsigned int order,
						     enum dma_data_direction dir);
	/**
	 * @device_unmap: undo @device_map.
	 */
	void (*device_unmap)(struct drm_pagemap *dpagemap, struct device *dev,
			     struct drm_pagemap_device_addr addr);
	/**
	 * @populate_mm: migrate [@start, @end) of @mm into this pagemap. Called
	 * with @mm referenced and its mmap lock held for read.
	 */
	int (*populate_mm)(struct drm_pagemap *dpagemap, unsigned long start,
			   unsigned long end, struct mm_struct *mm,
			   unsigned long timeslice_ms);
	/**
	 * @destroy: tear down the pagemap. @is_atomic_or_reclaim tells that the
	 * caller may not sleep on locks reclaim takes; the provider then
	 * defers the work.
	 */
	void (*destroy)(struct drm_pagemap *dpagemap, bool is_atomic_or_reclaim);
};

#endif
