// SPDX-License-Identifier: GPL-2.0
/*
 * vsvm P2P: how peers reach a vsvm device's VRAM.
 *
 * A device's VRAM gets a peer address while the device is set up
 * (vsvm_p2p_export()): a PCI device's at the PCI bus address of its BAR, a
 * system-memory device on a fabric at its aperture in the fabric address
 * space. Either way the address range is registered with the copy engines
 * as P2P windows, so any engine resolves it. device_map hands it out to
 * the devices of the owner group (vsvm_registry_is_peer()), and the
 * copies are counted by the path they took (vsvm_p2p_count_copy()).
 *
 * Locking: vsvm_p2p_fabric_ida has its own lock, taken at device init and
 * fini only. The peer lookups take the registry lock (vsvm_registry.c),
 * innermost. The copy engine's window lock is the engine's.
 */
#include <linux/idr.h>
#include <linux/pci.h>

#include <kunit/visibility.h>

#include <drm/drm_pagemap_p2p.h>

#include "vsvm_copy.h"
#include "vsvm_pagemap.h"
#include "vsvm_registry.h"
#include "vsvm_vram.h"

/*
 * The fabric address space of the system-memory devices: slot i is the
 * aperture [VSVM_FABRIC_BASE + i * VSVM_FABRIC_STRIDE, + VRAM size), above
 * any physical or PCI bus address of x86-64 (52 bits at most).
 */
#define VSVM_FABRIC_BASE	BIT_ULL(56)
#define VSVM_FABRIC_STRIDE	BIT_ULL(40)
#define VSVM_FABRIC_SLOTS	256
static DEFINE_IDA(vsvm_p2p_fabric_ida);

/**
 * DOC: Peer access
 *
 * The device_map of a vsvm pagemap gives its own device the VRAM offset of
 * a page (%DRM_INTERCONNECT_DRIVER) and a peer of the same owner group the
 * page's peer address (%DRM_INTERCONNECT_P2P): for a PCI device, the PCI
 * bus address of the page in its VRAM BAR (pci_bus_address() of the BAR
 * plus the offset), which the peer's DMA reaches through the PCIe switch;
 * for a system-memory device on a fabric, the page's address in the
 * device's fabric aperture. Both are registered as copy-engine windows
 * (vsvm_copy_window_add()) for as long as the device is set up, so the
 * peer's copy engine resolves them. Any other device, a device behind an
 * IOMMU (the bus address would need an IOVA the engine cannot resolve) and
 * a device whose VRAM is not exported get %DMA_MAPPING_ERROR.
 *
 * A migration from the VRAM of device A to that of device B, in one owner
 * group, is copied by A's engine, as upstream since Linux 7.2:
 * drm_pagemap_migrate_to_devmem() runs on behalf of B (B's allocation,
 * B's revoke lock held for read, so B's VRAM and its window stay), has
 * B's device_map give A the peer address of each of B's new pages, and
 * calls the copy_to_ram of A's allocation, which reads A's own VRAM and
 * writes B's at that address, after B's pre_migrate_fence. A's pages are
 * locked by the migration meanwhile: a revoke of A (device unbind) waits
 * for them, so A's engine and VRAM outlive the copy. One engine, one
 * copy: never through system memory; the emulated link charges A's engine
 * for the bytes it writes outside its VRAM. The path is counted per
 * device, whichever engine copied: pages_in and p2p_in on B, p2p_out on A
 * (debugfs "pagemap"). Pages already in B (a new allocation of B takes
 * them, vsvm's populate_mm passes can_migrate_same_pagemap) are copied
 * the same way by B's engine within its VRAM (local_in).
 *
 * Devices of different owner groups never see each other's device pages:
 * HMM faults them back to system memory (migrate_to_ram, counted as
 * vram_to_sys on the source) before the other device maps or migrates them
 * (sys_to_vram on the destination).
 */

/* Add @n to the counters of the peers whose VRAM holds each of @addr. */
static void vsvm_p2p_count_peers(const struct drm_pagemap_addr *addr,
				 unsigned long n, bool peer_in)
{
	struct vsvm_pagemap_dev *peer = NULL;
	unsigned long i;

	/* The peer whose window holds each page, looked up once a run. */
	vsvm_registry_lock();
	for (i = 0; i < n; i++) {
		if (!peer || addr[i].addr < peer->p2p_base ||
		    addr[i].addr - peer->p2p_base >= peer->p2p_size)
			peer = vsvm_registry_find_p2p_locked(addr[i].addr);
		if (!peer)
			continue;
		if (peer_in) {
			atomic64_inc(&peer->pages_in);
			atomic64_inc(&peer->p2p_in);
		} else {
			atomic64_inc(&peer->p2p_out);
		}
	}
	vsvm_registry_unlock();
}

/**
 * vsvm_p2p_count_copy() - count the pages of a devmem copy by their path
 * @pd: the device whose copy engine copied
 * @addr: the addresses of the other side of the copy, one per page
 * @npages: the number of pages
 * @to_vram: the copy went into @pd's VRAM (copy_to_devmem), else out of
 *	it (copy_to_ram)
 *
 * The counters tell where pages went, whichever engine moved them. Into
 * @pd's VRAM: pages_in and, by source, sys_to_vram, local_in or p2p_in
 * (with p2p_out on the peer the page came from). Out of it, by
 * destination: system memory (pages_out, vram_to_sys), @pd's own VRAM (a
 * migration between two allocations: pages_in, local_in), or a peer's
 * VRAM, written directly by @pd's engine on behalf of the migration into
 * the peer (p2p_out on @pd, pages_in and p2p_in on the peer).
 */
void vsvm_p2p_count_copy(struct vsvm_pagemap_dev *pd,
			 const struct drm_pagemap_addr *addr,
			 unsigned long npages, bool to_vram)
{
	unsigned long i, run, n;

	/* A copy call has one protocol: count by runs, not by pages. */
	for (i = 0; i < npages; i = run) {
		for (run = i + 1; run < npages; run++)
			if (addr[run].proto != addr[i].proto)
				break;
		n = run - i;
		switch (addr[i].proto) {
		case DRM_INTERCONNECT_SYSTEM:
			atomic64_add(n, to_vram ? &pd->pages_in : &pd->pages_out);
			atomic64_add(n, to_vram ? &pd->sys_to_vram :
						  &pd->vram_to_sys);
			break;
		case DRM_INTERCONNECT_DRIVER:
			atomic64_add(n, &pd->pages_in);
			atomic64_add(n, &pd->local_in);
			break;
		case DRM_INTERCONNECT_P2P:
			if (to_vram) {
				atomic64_add(n, &pd->pages_in);
				atomic64_add(n, &pd->p2p_in);
			} else {
				atomic64_add(n, &pd->p2p_out);
			}
			vsvm_p2p_count_peers(addr + i, n, !to_vram);
			break;
		default:
			break;
		}
	}
}

/* The PCI bus address of the CPU physical address @phys of a BAR of @pdev. */
static int vsvm_p2p_pci_bus_addr(struct pci_dev *pdev, phys_addr_t phys,
				 u64 size, u64 *bus)
{
	int bar;

	for (bar = 0; bar < PCI_STD_NUM_BARS; bar++) {
		resource_size_t start = pci_resource_start(pdev, bar);

		if (!(pci_resource_flags(pdev, bar) & IORESOURCE_MEM) ||
		    phys < start || phys - start >= pci_resource_len(pdev, bar) ||
		    size > pci_resource_len(pdev, bar) - (phys - start))
			continue;
		*bus = pci_bus_address(pdev, bar) + (phys - start);
		return 0;
	}
	return -ENXIO;
}

/**
 * vsvm_p2p_unexport() - undo vsvm_p2p_export()
 * @pd: the device, out of the registry: no peer maps its VRAM any more
 */
void vsvm_p2p_unexport(struct vsvm_pagemap_dev *pd)
{
	u64 off;

	for (off = 0; off < pd->p2p_size; off += pd->p2p_window_size)
		vsvm_copy_window_remove(pd->p2p_base + off);
	pd->p2p_size = 0;
	if (pd->fabric_slot >= 0)
		ida_free(&vsvm_p2p_fabric_ida, pd->fabric_slot);
	pd->fabric_slot = -1;
}

/**
 * vsvm_p2p_export() - give a device's VRAM its peer address
 * @pd: the device, its VRAM and interconnect endpoint set up
 *
 * Registers the VRAM with the copy engines: a PCI device's VRAM is its
 * BAR, at the BAR's bus address, one window; a system-memory device on a
 * fabric gets a slot of the fabric address space and one window per
 * physically contiguous chunk of its VRAM. Other devices are not exported
 * (p2p_size stays 0).
 *
 * Return: 0, -ENXIO if the VRAM is in no memory BAR, -ENOSPC when the
 * fabric is full, -ENOMEM.
 */
int vsvm_p2p_export(struct vsvm_pagemap_dev *pd)
{
	struct vsvm_vram *vram = pd->vram;
	u64 base, wsize, off;
	int err;

	pd->fabric_slot = -1;
	if (dev_is_pci(pd->dev) && !vram->sysmem) {
		err = vsvm_p2p_pci_bus_addr(to_pci_dev(pd->dev),
					    vsvm_vram_phys(vram, 0),
					    vram->size, &base);
		if (err)
			return err;
		wsize = vram->size;
	} else if (pd->ep.fabric && vram->sysmem) {
		err = ida_alloc_max(&vsvm_p2p_fabric_ida,
				    VSVM_FABRIC_SLOTS - 1, GFP_KERNEL);
		if (err < 0)
			return err;
		pd->fabric_slot = err;
		base = VSVM_FABRIC_BASE + (u64)err * VSVM_FABRIC_STRIDE;
		wsize = BIT_ULL(vram->chunk_shift);
	} else {
		return 0;
	}

	pd->p2p_base = base;
	pd->p2p_window_size = wsize;
	for (off = 0; off < vram->size; off += wsize) {
		err = vsvm_copy_window_add(base + off,
					   min(wsize, vram->size - off),
					   vsvm_vram_vaddr(vram, off));
		if (err) {
			pd->p2p_size = off;
			vsvm_p2p_unexport(pd);
			return err;
		}
	}
	pd->p2p_size = vram->size;
	return 0;
}

/**
 * vsvm_pagemap_link() - the link from one device's VRAM to another's
 * @a: a device
 * @b: another device, or @a
 *
 * The link drm_pagemap_p2p_link() finds between the two devices where they
 * share an owner group, %DRM_PAGEMAP_LINK_NONE where they do not: only
 * devices of one group map and migrate each other's pages directly (a
 * device linked to some members of a group but not to all is in a group
 * of its own).
 *
 * Context: process context.
 * Return: the link.
 */
struct drm_pagemap_link vsvm_pagemap_link(struct vsvm_pagemap_dev *a,
					  struct vsvm_pagemap_dev *b)
{
	if (a == b)
		return (struct drm_pagemap_link){ DRM_PAGEMAP_LINK_LOCAL, 0 };
	if (!a->peer.owner || a->peer.owner != b->peer.owner)
		return (struct drm_pagemap_link){ DRM_PAGEMAP_LINK_NONE, -1 };
	return drm_pagemap_p2p_link(&a->ep, &b->ep);
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_pagemap_link);
