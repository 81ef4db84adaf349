/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the drm_pagemap_p2p KUnit suites (the device-free one
 * and the rig's PCI one).
 */
#ifndef _DRM_PAGEMAP_P2P_TEST_H_
#define _DRM_PAGEMAP_P2P_TEST_H_

#include <kunit/device.h>
#include <kunit/test.h>

#include <drm/drm_pagemap_p2p.h>

/* A KUnit-managed device named @name, gone at the end of the test. */
static inline struct device *p2p_test_dev(struct kunit *test,
					  const char *name)
{
	struct device *dev = kunit_device_register(test, name);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);
	return dev;
}

/* The link between @a and @b is @type at @distance, the same both ways. */
static inline void p2p_expect_link(struct kunit *test,
				   const struct drm_pagemap_p2p_endpoint *a,
				   const struct drm_pagemap_p2p_endpoint *b,
				   enum drm_pagemap_link_type type,
				   int distance)
{
	struct drm_pagemap_link ab = drm_pagemap_p2p_link(a, b);
	struct drm_pagemap_link ba = drm_pagemap_p2p_link(b, a);

	KUNIT_EXPECT_EQ(test, ab.type, type);
	KUNIT_EXPECT_EQ(test, ab.distance, distance);
	KUNIT_EXPECT_EQ(test, ba.type, ab.type);
	KUNIT_EXPECT_EQ(test, ba.distance, ab.distance);
	KUNIT_EXPECT_EQ(test, drm_pagemap_p2p_has_interconnect(a, b),
			type != DRM_PAGEMAP_LINK_NONE);
}

#endif
