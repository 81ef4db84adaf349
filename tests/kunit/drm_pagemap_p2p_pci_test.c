// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of drm_pagemap_p2p between PCI devices, on the QEMU rig
 * (tools/rig): of its three ivshmem-plain devices, the two behind one PCIe
 * switch are P2P peers at distance 4, and the one on its own root port has
 * no path under a CPU whose host bridge is not on the P2P whitelist. x86
 * only: that whitelist goes by the CPU's vendor and family. Elsewhere than
 * on the rig the suite skips.
 */
#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/pci.h>
#include <linux/processor.h>

#include <drm/drm_pagemap_p2p.h>

#include "drm_pagemap_p2p_test.h"

#define IVSHMEM_VENDOR	0x1af4
#define IVSHMEM_DEVICE	0x1110
#define MAX_IVSHMEM	8

/* The switch upstream port above a device behind a downstream port. */
static struct pci_dev *p2p_switch_of(struct pci_dev *pdev)
{
	struct pci_dev *down = pci_upstream_bridge(pdev);

	if (!down || pci_pcie_type(down) != PCI_EXP_TYPE_DOWNSTREAM)
		return NULL;
	return pci_upstream_bridge(down);
}

static void p2p_put_all(struct pci_dev **devs, int n)
{
	while (n--)
		pci_dev_put(devs[n]);
}

static void p2p_test_pci_rig(struct kunit *test)
{
	struct pci_dev *devs[MAX_IVSHMEM], *pdev = NULL;
	struct pci_dev *pair[2] = {}, *lone = NULL;
	struct drm_pagemap_p2p_endpoint e0, e1, el, other;
	struct device *plain;
	int n = 0, i;

	while (n < MAX_IVSHMEM &&
	       (pdev = pci_get_device(IVSHMEM_VENDOR, IVSHMEM_DEVICE, pdev)))
		devs[n++] = pci_dev_get(pdev);
	pci_dev_put(pdev);

	for (i = 0; i < n; i++) {
		if (!p2p_switch_of(devs[i]))
			lone = devs[i];
		else if (!pair[0])
			pair[0] = devs[i];
		else if (p2p_switch_of(devs[i]) == p2p_switch_of(pair[0]))
			pair[1] = devs[i];
	}
	if (!pair[1] || !lone) {
		p2p_put_all(devs, n);
		kunit_skip(test, "not the rig topology: %d ivshmem devices", n);
	}

	e0 = (struct drm_pagemap_p2p_endpoint){ .dev = &pair[0]->dev };
	e1 = (struct drm_pagemap_p2p_endpoint){ .dev = &pair[1]->dev };
	el = (struct drm_pagemap_p2p_endpoint){ .dev = &lone->dev };

	/* Up to the switch and down again: two hops each way. */
	p2p_expect_link(test, &e0, &e1, DRM_PAGEMAP_LINK_P2P, 4);

	/*
	 * The lone device is reachable only through the host bridge, which
	 * the P2P whitelist accepts for AMD family 0x17+ and some Intel
	 * parts, never for QEMU's default family 0xf CPU.
	 */
	if (boot_cpu_data.x86 == 0xf) {
		p2p_expect_link(test, &e0, &el, DRM_PAGEMAP_LINK_NONE, -1);
		p2p_expect_link(test, &e1, &el, DRM_PAGEMAP_LINK_NONE, -1);
	} else {
		struct drm_pagemap_link l = drm_pagemap_p2p_link(&e0, &el);

		KUNIT_EXPECT_EQ(test, l.distance, drm_pagemap_p2p_link(&el, &e0).distance);
		if (l.type == DRM_PAGEMAP_LINK_P2P)
			KUNIT_EXPECT_GT(test, l.distance, 4);
	}

	/* A PCI device and a non-PCI one: no PCI path, and no fabric. */
	plain = p2p_test_dev(test, "p2p-plain");
	other = (struct drm_pagemap_p2p_endpoint){ .dev = plain };
	p2p_expect_link(test, &e0, &other, DRM_PAGEMAP_LINK_NONE, -1);

	p2p_put_all(devs, n);
}

static struct kunit_case drm_pagemap_p2p_pci_cases[] = {
	KUNIT_CASE(p2p_test_pci_rig),
	{}
};

static struct kunit_suite drm_pagemap_p2p_pci_suite = {
	.name = "drm_pagemap_p2p_pci",
	.test_cases = drm_pagemap_p2p_pci_cases,
};

kunit_test_suite(drm_pagemap_p2p_pci_suite);

MODULE_DESCRIPTION("KUnit tests of the drm_pagemap P2P links between the QEMU rig's PCI devices");
MODULE_LICENSE("GPL");
