// SPDX-License-Identifier: GPL-2.0
/*
 * vsvm PCI backend: devices whose VRAM is the memory BAR of a QEMU
 * ivshmem-plain device (vendor 0x1af4, device 0x1110, BAR 2).
 *
 * The driver has no ID table, so it never binds to real hardware by
 * itself: devices are handed to it through sysfs, e.g.
 *	echo "1af4 1110" > /sys/bus/pci/drivers/vsvm/new_id
 * and taken away with .../unbind.
 *
 * The BAR is registered as PCI P2P memory (pci_p2pdma_add_resource(),
 * device-managed: it goes after remove), so the kernel knows it as P2P
 * memory with ZONE_DEVICE pages. Peers of the device's owner group reach
 * the VRAM at the BAR's PCI bus address: the pagemap side registers that
 * range as a copy-engine window at setup and removes it at teardown, after
 * the pagemap is revoked (no page left to map) and before the BAR is
 * unmapped (see vsvm_p2p.c, "Peer access").
 *
 * The bar_skew_kb parameter exists for the QEMU rig's benchmark: QEMU TCG's
 * software TLB is direct-mapped by virtual page number, and the BARs'
 * kernel mappings are aligned to their size, as are the 2 MiB blocks of a
 * VRAM and transparent huge pages. A copy between two congruent addresses
 * then evicts its own TLB entries on every access and runs several times
 * slower than it would on hardware (7.6 times for P2P copies in the rig,
 * 3 times for THP into VRAM). Starting the VRAM of the
 * n-th device bound (from 1) n * bar_skew_kb KiB into its BAR, the rest of
 * the BAR being the VRAM, makes the mappings incongruent. Default 0: the
 * VRAM is the whole BAR.
 */
#include <linux/atomic.h>
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/io.h>
#include <linux/pci.h>
#include <linux/pci-p2pdma.h>
#include <linux/sizes.h>
#include <linux/string.h>

#include "vsvm_drv.h"

#define VSVM_PCI_NAME		"vsvm"
/* The BAR of ivshmem-plain that holds the shared memory. */
#define VSVM_PCI_VRAM_BAR	2

static unsigned int bar_skew_kb;
module_param(bar_skew_kb, uint, 0444);
MODULE_PARM_DESC(bar_skew_kb,
		 "The VRAM of the n-th PCI device bound starts n times this many KiB into its BAR, a multiple of the page size (default 0; for benchmarks under QEMU TCG)");

/* The PCI devices probed so far, for bar_skew_kb. */
static atomic_t vsvm_pci_probed = ATOMIC_INIT(0);

static int vsvm_pci_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	resource_size_t start, size;
	struct vsvm_device *vdev;
	u64 skew;
	void *vaddr;
	int err;

	err = pcim_enable_device(pdev);
	if (err)
		return err;

	start = pci_resource_start(pdev, VSVM_PCI_VRAM_BAR);
	size = pci_resource_len(pdev, VSVM_PCI_VRAM_BAR);
	if (!(pci_resource_flags(pdev, VSVM_PCI_VRAM_BAR) & IORESOURCE_MEM) ||
	    !size || !PAGE_ALIGNED(start) || !PAGE_ALIGNED(size))
		return dev_err_probe(&pdev->dev, -ENODEV,
				     "BAR %d is not page-aligned memory\n",
				     VSVM_PCI_VRAM_BAR);
	skew = (u64)atomic_inc_return(&vsvm_pci_probed) * bar_skew_kb * SZ_1K;
	if (!PAGE_ALIGNED(skew) || skew >= size)
		return dev_err_probe(&pdev->dev, -EINVAL,
				     "bar_skew_kb=%u: not page aligned or too large\n",
				     bar_skew_kb);

	err = pcim_request_region(pdev, VSVM_PCI_VRAM_BAR, VSVM_PCI_NAME);
	if (err)
		return err;

	err = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
	if (err)
		return err;

	vaddr = devm_memremap(&pdev->dev, start, size,
			      MEMREMAP_WB | MEMREMAP_WC);
	if (IS_ERR(vaddr))
		return PTR_ERR(vaddr);
	/* Whatever the memory held (an earlier binding's data) is not ours. */
	memset(vaddr, 0, size);

	pci_set_master(pdev);

	/*
	 * Without it the device still works and peers still reach the BAR by
	 * its bus address, but the kernel does not know it as P2P memory.
	 */
	err = pci_p2pdma_add_resource(pdev, VSVM_PCI_VRAM_BAR, size, 0);
	if (err)
		dev_warn(&pdev->dev, "BAR %d not added as P2P memory: %d\n",
			 VSVM_PCI_VRAM_BAR, err);

	vdev = vsvm_device_alloc(&pdev->dev, DRM_VSVM_BACKEND_PCI_BAR);
	if (IS_ERR(vdev))
		return PTR_ERR(vdev);
	vdev->pdev = pdev;

	err = vsvm_vram_init_iomem(&vdev->vram, vaddr + skew, start + skew,
				   size - skew);
	if (err)
		return err;

	err = vsvm_device_register(vdev);
	if (err) {
		vsvm_vram_fini(&vdev->vram);
		return err;
	}

	pci_set_drvdata(pdev, vdev);
	return 0;
}

static void vsvm_pci_remove(struct pci_dev *pdev)
{
	vsvm_device_remove(pci_get_drvdata(pdev));
}

static struct pci_driver vsvm_pci_driver = {
	.name = VSVM_PCI_NAME,
	/* Empty on purpose: devices are bound only through sysfs new_id. */
	.id_table = NULL,
	.probe = vsvm_pci_probe,
	.remove = vsvm_pci_remove,
};

/**
 * vsvm_pci_init() - register the PCI driver
 *
 * Return: 0 or a negative errno.
 */
int vsvm_pci_init(void)
{
	return pci_register_driver(&vsvm_pci_driver);
}

/**
 * vsvm_pci_exit() - unregister the PCI driver, removing its devices
 */
void vsvm_pci_exit(void)
{
	pci_unregister_driver(&vsvm_pci_driver);
}
