/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vsvm: the names of the GPU buddy allocator.
 *
 * Linux 6.12 keeps the buddy allocator in drm_buddy.ko with drm_buddy_*
 * names (include/drm/drm_buddy.h). Newer kernels, and Debian's 6.12, moved
 * it to drivers/gpu/buddy.c with gpu_buddy_* names
 * (include/linux/gpu_buddy.h); drm_buddy.h then keeps only the DRM print
 * helpers. vsvm is written with the gpu_buddy_* names; on a kernel with
 * only drm_buddy_* this header maps them. The build defines
 * VSVM_HAVE_GPU_BUDDY when the kernel has include/linux/gpu_buddy.h.
 */
#ifndef _VSVM_BUDDY_COMPAT_H_
#define _VSVM_BUDDY_COMPAT_H_

#include <drm/drm_buddy.h>

#ifndef VSVM_HAVE_GPU_BUDDY

#define gpu_buddy			drm_buddy
#define gpu_buddy_block			drm_buddy_block
#define gpu_buddy_init			drm_buddy_init
#define gpu_buddy_fini			drm_buddy_fini
#define gpu_buddy_alloc_blocks		drm_buddy_alloc_blocks
#define gpu_buddy_free_list		drm_buddy_free_list
#define gpu_buddy_block_size		drm_buddy_block_size
#define gpu_buddy_block_offset		vsvm_buddy_block_offset
#define gpu_buddy_block_order		drm_buddy_block_order
#define gpu_buddy_block_is_allocated	drm_buddy_block_is_allocated
#define GPU_BUDDY_CONTIGUOUS_ALLOCATION	DRM_BUDDY_CONTIGUOUS_ALLOCATION
#define GPU_BUDDY_TOPDOWN_ALLOCATION	DRM_BUDDY_TOPDOWN_ALLOCATION
#define GPU_BUDDY_RANGE_ALLOCATION	DRM_BUDDY_RANGE_ALLOCATION
#define GPU_BUDDY_CLEAR_ALLOCATION	DRM_BUDDY_CLEAR_ALLOCATION
#define GPU_BUDDY_CLEARED		DRM_BUDDY_CLEARED

/* drm_buddy_block_offset() of 6.12 takes a block that is not const. */
static inline u64
vsvm_buddy_block_offset(const struct drm_buddy_block *block)
{
	return drm_buddy_block_offset((struct drm_buddy_block *)block);
}

#endif /* !VSVM_HAVE_GPU_BUDDY */

#endif /* _VSVM_BUDDY_COMPAT_H_ */
