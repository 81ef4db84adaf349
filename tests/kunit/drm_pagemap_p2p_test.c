// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of drm_pagemap_p2p that need no PCI device: the links
 * between non-PCI devices, with and without fabrics, and the names of the
 * link types. The PCIe links between the rig's devices are in
 * drm_pagemap_p2p_pci_test.c.
 */
#include <kunit/device.h>
#include <kunit/test.h>

#include <drm/drm_pagemap_p2p.h>

#include "drm_pagemap_p2p_test.h"

static void p2p_test_local(struct kunit *test)
{
	struct device *dev = p2p_test_dev(test, "p2p-local");
	struct drm_pagemap_p2p_endpoint a = { .dev = dev };
	struct drm_pagemap_p2p_endpoint b = { .dev = dev, .fabric = "x" };

	p2p_expect_link(test, &a, &a, DRM_PAGEMAP_LINK_LOCAL, 0);
	p2p_expect_link(test, &a, &b, DRM_PAGEMAP_LINK_LOCAL, 0);
}

static void p2p_test_fabric(struct kunit *test)
{
	struct device *d0 = p2p_test_dev(test, "p2p-f0");
	struct device *d1 = p2p_test_dev(test, "p2p-f1");
	struct drm_pagemap_p2p_endpoint none0 = { .dev = d0 };
	struct drm_pagemap_p2p_endpoint none1 = { .dev = d1 };
	struct drm_pagemap_p2p_endpoint fa0 = { .dev = d0, .fabric = "fa" };
	struct drm_pagemap_p2p_endpoint fa1 = { .dev = d1, .fabric = "fa" };
	struct drm_pagemap_p2p_endpoint fb1 = { .dev = d1, .fabric = "fb" };
	struct drm_pagemap_p2p_endpoint empty0 = { .dev = d0, .fabric = "" };
	struct drm_pagemap_p2p_endpoint empty1 = { .dev = d1, .fabric = "" };

	p2p_expect_link(test, &none0, &none1, DRM_PAGEMAP_LINK_NONE, -1);
	p2p_expect_link(test, &fa0, &fa1, DRM_PAGEMAP_LINK_FABRIC, 1);
	p2p_expect_link(test, &fa0, &fb1, DRM_PAGEMAP_LINK_NONE, -1);
	p2p_expect_link(test, &fa0, &none1, DRM_PAGEMAP_LINK_NONE, -1);
	p2p_expect_link(test, &empty0, &empty1, DRM_PAGEMAP_LINK_NONE, -1);
}

static void p2p_test_names(struct kunit *test)
{
	KUNIT_EXPECT_STREQ(test, drm_pagemap_link_type_name(DRM_PAGEMAP_LINK_NONE), "none");
	KUNIT_EXPECT_STREQ(test, drm_pagemap_link_type_name(DRM_PAGEMAP_LINK_LOCAL), "local");
	KUNIT_EXPECT_STREQ(test, drm_pagemap_link_type_name(DRM_PAGEMAP_LINK_P2P), "p2p");
	KUNIT_EXPECT_STREQ(test, drm_pagemap_link_type_name(DRM_PAGEMAP_LINK_FABRIC), "fabric");
	KUNIT_EXPECT_STREQ(test, drm_pagemap_link_type_name(-1), "unknown");
}

static struct kunit_case drm_pagemap_p2p_cases[] = {
	KUNIT_CASE(p2p_test_local),
	KUNIT_CASE(p2p_test_fabric),
	KUNIT_CASE(p2p_test_names),
	{}
};

static struct kunit_suite drm_pagemap_p2p_suite = {
	.name = "drm_pagemap_p2p",
	.test_cases = drm_pagemap_p2p_cases,
};

kunit_test_suite(drm_pagemap_p2p_suite);

MODULE_DESCRIPTION("KUnit tests of the drm_pagemap P2P interconnect helpers");
MODULE_LICENSE("GPL");
