/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vsvm link emulation: the time bytes take over an emulated GPU's link.
 */
#ifndef _VSVM_LINK_H_
#define _VSVM_LINK_H_

#include <linux/types.h>

#include <drm/drm_pagemap.h>

u64 vsvm_link_ns(u64 bytes, unsigned int mib_per_s);
bool vsvm_link_crossed(const struct drm_pagemap_addr *addr);
void vsvm_link_transfer(u64 bytes);

#endif
