// SPDX-License-Identifier: GPL-2.0
/*
 * vsvm debugfs: per device, under the DRM device's debugfs directory
 * (/sys/kernel/debug/dri/<parent device name>/).
 *
 *	vram		the VRAM: backing, size, used and free bytes, allocations
 *	pagemap		the pagemap: state, allocations, pages in and out,
 *			evictions, the peer aperture and the path counters
 *	allocations	the live devmem allocations, least recently used first
 *
 * Each file's reader runs between drm_dev_enter() and drm_dev_exit(): the
 * VRAM and the pagemap state are not torn down under it. The pagemap
 * readers take the device's free and LRU locks (vsvm_devmem.c).
 */
#include <linux/jiffies.h>
#include <linux/seq_file.h>

#include <kunit/visibility.h>

#include <drm/drm_debugfs.h>
#include <drm/drm_drv.h>
#include <drm/drm_file.h>

#include "vsvm_drv.h"

/* The peer side of the debugfs "pagemap" file: aperture and path counters. */
static void vsvm_pagemap_show_paths(struct vsvm_pagemap_dev *pd,
				    struct seq_file *m)
{
	seq_printf(m, "p2p_base: %#llx\n", pd->p2p_size ? pd->p2p_base : 0);
	seq_printf(m, "p2p_size: %llu\n", pd->p2p_size);
	seq_printf(m, "sys_to_vram: %lld\n", atomic64_read(&pd->sys_to_vram));
	seq_printf(m, "vram_to_sys: %lld\n", atomic64_read(&pd->vram_to_sys));
	seq_printf(m, "p2p_in: %lld\n", atomic64_read(&pd->p2p_in));
	seq_printf(m, "p2p_out: %lld\n", atomic64_read(&pd->p2p_out));
	seq_printf(m, "local_in: %lld\n", atomic64_read(&pd->local_in));
}

/**
 * vsvm_pagemap_show() - print the pagemap state of a device, for debugfs
 * @pd: the device's pagemap state
 * @m: the seq_file
 */
void vsvm_pagemap_show(struct vsvm_pagemap_dev *pd, struct seq_file *m)
{
	struct drm_pagemap *dpagemap;
	const char *state = "none";
	unsigned long pages = 0, pfn = 0;

	/* Count released allocations as gone. */
	vsvm_devmem_reap(pd);
	/*
	 * The cache holds at most one pagemap, the last one created: active,
	 * or inactive on the device's own shrinker.
	 */
	dpagemap = drm_pagemap_get_from_cache_if_active(pd->cache);
	if (dpagemap)
		state = "active";
	else if (drm_pagemap_shrinker_count(pd->shrinker))
		state = "inactive";
	if (strcmp(state, "none")) {
		pages = pd->vram->size >> PAGE_SHIFT;
		pfn = READ_ONCE(pd->pfn_first);
	}

	seq_printf(m, "pagemap: %s\n", state);
	seq_printf(m, "pages: %lu\n", pages);
	seq_printf(m, "pfn_first: %#lx\n", pfn);
	seq_printf(m, "fabric: %s\n", pd->ep.fabric ?: "");
	seq_printf(m, "created: %lld\n", atomic64_read(&pd->created));
	seq_printf(m, "devmem_allocations: %d\n", atomic_read(&pd->devmem_live));
	seq_printf(m, "pages_in: %lld\n", atomic64_read(&pd->pages_in));
	seq_printf(m, "pages_out: %lld\n", atomic64_read(&pd->pages_out));
	seq_printf(m, "evictions: %lld\n", atomic64_read(&pd->evictions));
	seq_printf(m, "evicted_pages: %lld\n",
		   atomic64_read(&pd->evicted_pages));
	seq_printf(m, "evict_busy: %lld\n", atomic64_read(&pd->evict_busy));
	seq_printf(m, "evict_fail: %lld\n", atomic64_read(&pd->evict_fail));
	vsvm_pagemap_show_paths(pd, m);
	drm_pagemap_put(dpagemap);
}

/**
 * vsvm_pagemap_allocations_show() - list the live devmem allocations
 * @pd: the device's pagemap state
 * @m: the seq_file
 *
 * One line per allocation, least recently used first: its LRU position,
 * its VRAM ranges (offset+size per block), its size, the pages of it still
 * in VRAM, the milliseconds since its creation and since its last use, its
 * state (filling, evicting or live), and the id of its mm.
 */
void vsvm_pagemap_allocations_show(struct vsvm_pagemap_dev *pd,
				   struct seq_file *m)
{
	unsigned long now = jiffies, flags;
	struct gpu_buddy_block *block;
	struct vsvm_devmem *vd;
	unsigned int pos = 0;

	seq_puts(m, "# lru vram size pages_in_vram age_ms idle_ms state mm\n");
	spin_lock_irqsave(&pd->lru_lock, flags);
	list_for_each_entry(vd, &pd->lru, lru_link) {
		const char *sep = "";

		seq_printf(m, "%u ", pos++);
		list_for_each_entry(block, &vd->alloc->blocks, link) {
			seq_printf(m, "%s%#llx+%#llx", sep,
				   vsvm_vram_block_offset(block),
				   vsvm_vram_block_size(vd->alloc->vram, block));
			sep = ",";
		}
		seq_printf(m, " %zu %lu %u %u %s %p\n", vd->base.size,
			   vsvm_devmem_pages_in_vram(vd),
			   jiffies_to_msecs(now - vd->created),
			   jiffies_to_msecs(now - vd->last_use),
			   vd->filling ? "filling" :
			   vd->evicting ? "evicting" : "live", vd->base.mm);
	}
	spin_unlock_irqrestore(&pd->lru_lock, flags);
	seq_printf(m, "# allocations: %u\n", pos);
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_pagemap_allocations_show);

/* The device's part of a file, shown while the device is not unplugged. */
static int vsvm_debugfs_show_dev(struct seq_file *m,
				 void (*show)(struct vsvm_device *vdev,
					      struct seq_file *m))
{
	struct drm_debugfs_entry *entry = m->private;
	int idx;

	if (!drm_dev_enter(entry->dev, &idx))
		return -ENODEV;
	show(to_vsvm_device(entry->dev), m);
	drm_dev_exit(idx);
	return 0;
}

static void vsvm_debugfs_pagemap(struct vsvm_device *vdev, struct seq_file *m)
{
	vsvm_pagemap_show(&vdev->pagemap, m);
}

static void vsvm_debugfs_allocations(struct vsvm_device *vdev,
				     struct seq_file *m)
{
	vsvm_pagemap_allocations_show(&vdev->pagemap, m);
}

static void vsvm_debugfs_vram(struct vsvm_device *vdev, struct seq_file *m)
{
	seq_printf(m, "device: %d\n", vdev->index);
	/* Show the VRAM of released allocations as free. */
	vsvm_devmem_reap(&vdev->pagemap);
	vsvm_vram_show(&vdev->vram, m);
}

static int vsvm_debugfs_pagemap_show(struct seq_file *m, void *arg)
{
	return vsvm_debugfs_show_dev(m, vsvm_debugfs_pagemap);
}

static int vsvm_debugfs_allocations_show(struct seq_file *m, void *arg)
{
	return vsvm_debugfs_show_dev(m, vsvm_debugfs_allocations);
}

static int vsvm_debugfs_vram_show(struct seq_file *m, void *arg)
{
	return vsvm_debugfs_show_dev(m, vsvm_debugfs_vram);
}

/**
 * vsvm_debugfs_init() - add the "vram", "pagemap" and "allocations"
 * debugfs files of a device
 * @vdev: the device, its DRM device registered
 *
 * The files go with the DRM device's debugfs directory at unplug.
 */
void vsvm_debugfs_init(struct vsvm_device *vdev)
{
	drm_debugfs_add_file(&vdev->drm, "vram", vsvm_debugfs_vram_show, NULL);
	drm_debugfs_add_file(&vdev->drm, "pagemap", vsvm_debugfs_pagemap_show,
			     NULL);
	drm_debugfs_add_file(&vdev->drm, "allocations",
			     vsvm_debugfs_allocations_show, NULL);
}
