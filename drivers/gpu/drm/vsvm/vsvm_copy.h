/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vsvm copy engine: the emulated GPU's DMA engine.
 */
#ifndef _VSVM_COPY_H_
#define _VSVM_COPY_H_

#include <linux/dma-fence.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#include <drm/drm_pagemap.h>

struct device;

/* The destination is filled with zeroes; the source is not read. */
#define VSVM_COPY_ZERO	BIT(0)

/**
 * struct vsvm_copy - one copy of a copy list
 * @src: the source, an address as the engine's device sees it
 * @dst: the destination
 * @len: bytes to copy
 * @flags: VSVM_COPY_*: %VSVM_COPY_ZERO makes it a fill of @dst
 *
 * Addresses are &struct drm_pagemap_addr: %DRM_INTERCONNECT_SYSTEM
 * is a DMA address of system memory mapped for the engine's device,
 * %DRM_INTERCONNECT_DRIVER an offset in the engine's own VRAM, and
 * %DRM_INTERCONNECT_P2P a PCI bus address inside a registered peer window
 * (vsvm_copy_window_add()).
 */
struct vsvm_copy {
	struct drm_pagemap_addr src;
	struct drm_pagemap_addr dst;
	u64 len;
	u32 flags;
};

/**
 * struct vsvm_copy_engine_ops - what the engine asks of its device
 */
struct vsvm_copy_engine_ops {
	/**
	 * @vram_va: the kernel address of VRAM offset @offset; sets
	 * *@avail to the bytes contiguous from there. NULL if out of range.
	 */
	void *(*vram_va)(void *priv, u64 offset, u64 *avail);
};

/**
 * struct vsvm_copy_engine - one emulated DMA engine
 * @dev: the device whose DMA addresses the engine resolves
 * @ops: the device's callbacks
 * @priv: their argument
 * @wq: the engine's ordered workqueue: jobs run one at a time, in order
 * @fence_lock: the lock of the engine's fences
 * @fence_context: the dma_fence context of the engine
 * @seqno: the last fence seqno handed out, under @fence_lock
 * @bytes: bytes copied so far
 * @jobs: jobs completed so far
 * @errors: jobs that failed (an address that resolves to nothing)
 * @queued: jobs submitted and not yet done
 */
struct vsvm_copy_engine {
	struct device *dev;
	const struct vsvm_copy_engine_ops *ops;
	void *priv;
	struct workqueue_struct *wq;
	spinlock_t fence_lock; /* the fences' lock; protects @seqno */
	u64 fence_context;
	u64 seqno;
	atomic64_t bytes;
	atomic64_t jobs;
	atomic64_t errors;
	atomic_t queued;
};

int vsvm_copy_engine_init(struct vsvm_copy_engine *engine, struct device *dev,
			  const struct vsvm_copy_engine_ops *ops, void *priv);
void vsvm_copy_engine_fini(struct vsvm_copy_engine *engine);
struct dma_fence *vsvm_copy_submit(struct vsvm_copy_engine *engine,
				   const struct vsvm_copy *copies,
				   unsigned int count);
int vsvm_copy_sync(struct vsvm_copy_engine *engine,
		   const struct vsvm_copy *copies, unsigned int count);

void *vsvm_copy_resolve(struct vsvm_copy_engine *engine,
			struct drm_pagemap_addr addr, u64 *avail);
void vsvm_copy_resolve_begin(void);
void vsvm_copy_resolve_end(void);

int vsvm_copy_window_add(u64 bus_addr, u64 size, void *va);
void vsvm_copy_window_remove(u64 bus_addr);

#endif
