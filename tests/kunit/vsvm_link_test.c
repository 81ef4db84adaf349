// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of vsvm's link emulation: the time of a transfer at a given
 * bandwidth, which addresses cross a device's link, and that no time is
 * spent while the link is not emulated.
 */
#include <kunit/test.h>
#include <linux/ktime.h>
#include <linux/sizes.h>

#include <drm/drm_msvm_compat.h>
#include <drm/drm_pagemap.h>

#include "vsvm_link.h"

MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING");

/* No bandwidth or no bytes: no time. */
static void link_ns_none(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, vsvm_link_ns(SZ_1M, 0), 0ull);
	KUNIT_EXPECT_EQ(test, vsvm_link_ns(0, 100), 0ull);
}

/* MiB at MiB/s; a part of a nanosecond is dropped, but not all of it. */
static void link_ns_rate(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, vsvm_link_ns(SZ_1M, 1), (u64)NSEC_PER_SEC);
	KUNIT_EXPECT_EQ(test, vsvm_link_ns(SZ_16M, 256),
			(u64)NSEC_PER_SEC / 16);
	KUNIT_EXPECT_EQ(test, vsvm_link_ns(3 * SZ_1M, 2),
			3 * (u64)NSEC_PER_SEC / 2);
	/* One byte at 1 MiB/s: 953.67 ns. */
	KUNIT_EXPECT_EQ(test, vsvm_link_ns(1, 1), 953ull);
	/* A page at 4 GiB/s: 953.67 ns; a byte: 0.23 ns, at least 1. */
	KUNIT_EXPECT_EQ(test, vsvm_link_ns(SZ_4K, 4096), 953ull);
	KUNIT_EXPECT_EQ(test, vsvm_link_ns(1, 4096), 1ull);
}

/* A TiB at the extreme rates, and more than 64 bits of nanoseconds. */
static void link_ns_large(struct kunit *test)
{
	u64 tib = 1ull << 40;

	KUNIT_EXPECT_EQ(test, vsvm_link_ns(tib, 1), (tib >> 20) * NSEC_PER_SEC);
	/* 2^20 MiB at 2^32 - 1 MiB/s: 244140.63 ns. */
	KUNIT_EXPECT_EQ(test, vsvm_link_ns(tib, UINT_MAX), 244140ull);
	KUNIT_EXPECT_EQ(test, vsvm_link_ns(U64_MAX, 1), U64_MAX);
	KUNIT_EXPECT_EQ(test, vsvm_link_ns(U64_MAX, UINT_MAX),
			4096000000953ull);
}

/* The device's own VRAM is not over the link; the rest is. */
static void link_crossed(struct kunit *test)
{
	struct drm_pagemap_addr addr = {};

	addr.proto = DRM_INTERCONNECT_DRIVER;
	KUNIT_EXPECT_FALSE(test, vsvm_link_crossed(&addr));
	addr.proto = DRM_INTERCONNECT_SYSTEM;
	KUNIT_EXPECT_TRUE(test, vsvm_link_crossed(&addr));
	addr.proto = DRM_INTERCONNECT_P2P;
	KUNIT_EXPECT_TRUE(test, vsvm_link_crossed(&addr));
}

/* The module parameter is 0 here (the rig loads vsvm without it). */
static void link_transfer_off(struct kunit *test)
{
	u64 t = ktime_get_ns();

	vsvm_link_transfer(SZ_1G);
	KUNIT_EXPECT_LT(test, ktime_get_ns() - t, (u64)NSEC_PER_SEC);
}

static struct kunit_case vsvm_link_cases[] = {
	KUNIT_CASE(link_ns_none),
	KUNIT_CASE(link_ns_rate),
	KUNIT_CASE(link_ns_large),
	KUNIT_CASE(link_crossed),
	KUNIT_CASE(link_transfer_off),
	{}
};

static struct kunit_suite vsvm_link_suite = {
	.name = "vsvm_link",
	.test_cases = vsvm_link_cases,
};

kunit_test_suite(vsvm_link_suite);

MODULE_DESCRIPTION("KUnit tests of vsvm's link emulation");
MODULE_LICENSE("GPL");
