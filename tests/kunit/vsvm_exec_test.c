// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the vsvm executor's logic that needs no device: the
 * placement decision of a GPU fault (vsvm_fault_placement()) for every
 * preferred location, migration policy and atomic mode, and the field
 * validation of DRM_IOCTL_VSVM_EXEC (vsvm_exec_check()).
 */
#include <kunit/test.h>
#include <linux/limits.h>

#include <drm/drm_msvm_compat.h>
#include <drm/drm_pagemap.h>
#include <drm/vsvm_drm.h>

#include "vsvm_attr.h"
#include "vsvm_exec.h"
#include "vsvm_fault.h"

MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING");

/* Never dereferenced by the decision: only compared. */
static struct drm_pagemap exec_test_local, exec_test_peer;

static struct vsvm_attr exec_test_attr(u32 loc, u32 policy, u32 atomic)
{
	return (struct vsvm_attr) {
		.preferred_loc = loc,
		.dpagemap = loc == DRM_VSVM_LOCATION_PAGEMAP_FD ?
			    &exec_test_peer : NULL,
		.migration_policy = policy,
		.atomic_mode = atomic,
	};
}

static void exec_test_expect(struct kunit *test, const struct vsvm_attr *attr,
			     bool migratable, bool atomic,
			     struct drm_pagemap *local,
			     enum vsvm_place_kind kind,
			     struct drm_pagemap *dpagemap, bool only_system)
{
	struct vsvm_placement p;

	vsvm_fault_placement(attr, migratable, atomic, local, &p);
	KUNIT_EXPECT_EQ(test, p.kind, kind);
	KUNIT_EXPECT_PTR_EQ(test, p.dpagemap, dpagemap);
	KUNIT_EXPECT_EQ(test, p.only_system, only_system);
}

/* Defaults: anonymous memory to the local VRAM, other memory in place. */
static void vsvm_exec_test_placement_default(struct kunit *test)
{
	struct vsvm_attr a = exec_test_attr(DRM_VSVM_LOCATION_DEFAULT,
					    DRM_VSVM_MIGRATE_ALL_PAGES,
					    DRM_VSVM_ATOMIC_DEFAULT);

	exec_test_expect(test, &a, true, false, &exec_test_local,
			 VSVM_PLACE_VRAM, &exec_test_local, false);
	exec_test_expect(test, &a, false, false, &exec_test_local,
			 VSVM_PLACE_IN_PLACE, NULL, false);
	/* A device without VRAM pagemap uses memory in place. */
	exec_test_expect(test, &a, true, false, NULL, VSVM_PLACE_IN_PLACE,
			 NULL, false);
	/* Atomics by default: local VRAM for migratable memory. */
	exec_test_expect(test, &a, true, true, &exec_test_local,
			 VSVM_PLACE_VRAM, &exec_test_local, false);
	exec_test_expect(test, &a, false, true, &exec_test_local,
			 VSVM_PLACE_IN_PLACE, NULL, false);
}

static void vsvm_exec_test_placement_loc(struct kunit *test)
{
	struct vsvm_attr a;

	a = exec_test_attr(DRM_VSVM_LOCATION_SYSTEM, DRM_VSVM_MIGRATE_ALL_PAGES,
			   DRM_VSVM_ATOMIC_DEFAULT);
	exec_test_expect(test, &a, true, false, &exec_test_local,
			 VSVM_PLACE_SYSTEM, NULL, false);
	/* DEFAULT atomics on memory kept in system memory: in place. */
	exec_test_expect(test, &a, true, true, &exec_test_local,
			 VSVM_PLACE_IN_PLACE, NULL, false);

	a = exec_test_attr(DRM_VSVM_LOCATION_DEVICE, DRM_VSVM_MIGRATE_ALL_PAGES,
			   DRM_VSVM_ATOMIC_DEFAULT);
	exec_test_expect(test, &a, true, false, &exec_test_local,
			 VSVM_PLACE_VRAM, &exec_test_local, false);
	exec_test_expect(test, &a, false, false, &exec_test_local,
			 VSVM_PLACE_IN_PLACE, NULL, false);

	a = exec_test_attr(DRM_VSVM_LOCATION_PAGEMAP_FD,
			   DRM_VSVM_MIGRATE_ONLY_SYSTEM_PAGES,
			   DRM_VSVM_ATOMIC_DEFAULT);
	exec_test_expect(test, &a, true, false, &exec_test_local,
			 VSVM_PLACE_VRAM, &exec_test_peer, true);
	/* Atomics go to the local VRAM, whatever the preferred VRAM. */
	exec_test_expect(test, &a, true, true, &exec_test_local,
			 VSVM_PLACE_VRAM, &exec_test_local, false);
	exec_test_expect(test, &a, false, false, &exec_test_local,
			 VSVM_PLACE_IN_PLACE, NULL, false);
}

static void vsvm_exec_test_placement_atomic(struct kunit *test)
{
	struct vsvm_attr a;

	a = exec_test_attr(DRM_VSVM_LOCATION_SYSTEM, DRM_VSVM_MIGRATE_ALL_PAGES,
			   DRM_VSVM_ATOMIC_DEVICE);
	exec_test_expect(test, &a, true, true, &exec_test_local,
			 VSVM_PLACE_VRAM, &exec_test_local, false);
	exec_test_expect(test, &a, false, true, &exec_test_local,
			 VSVM_PLACE_IN_PLACE, NULL, false);
	/* Non-atomic accesses still follow the preferred location. */
	exec_test_expect(test, &a, true, false, &exec_test_local,
			 VSVM_PLACE_SYSTEM, NULL, false);

	a = exec_test_attr(DRM_VSVM_LOCATION_DEFAULT,
			   DRM_VSVM_MIGRATE_ALL_PAGES, DRM_VSVM_ATOMIC_GLOBAL);
	exec_test_expect(test, &a, true, true, &exec_test_local,
			 VSVM_PLACE_IN_PLACE, NULL, false);
	exec_test_expect(test, &a, true, false, &exec_test_local,
			 VSVM_PLACE_VRAM, &exec_test_local, false);

	a = exec_test_attr(DRM_VSVM_LOCATION_DEVICE, DRM_VSVM_MIGRATE_ALL_PAGES,
			   DRM_VSVM_ATOMIC_CPU);
	exec_test_expect(test, &a, true, true, &exec_test_local,
			 VSVM_PLACE_SYSTEM, NULL, false);
	exec_test_expect(test, &a, false, true, &exec_test_local,
			 VSVM_PLACE_SYSTEM, NULL, false);
}

static struct drm_vsvm_exec exec_test_fill(void)
{
	return (struct drm_vsvm_exec) {
		.vm_id = 1, .op = DRM_VSVM_EXEC_FILL, .width = 4,
		.va = 0x10000, .size = 0x1000, .value = 7,
	};
}

static void vsvm_exec_test_check(struct kunit *test)
{
	struct drm_vsvm_exec a;

	a = exec_test_fill();
	KUNIT_EXPECT_EQ(test, vsvm_exec_check(&a), 0);
	a.flags = 1;
	KUNIT_EXPECT_EQ(test, vsvm_exec_check(&a), -EINVAL);
	a = exec_test_fill();
	a.reserved[1] = 1;
	KUNIT_EXPECT_EQ(test, vsvm_exec_check(&a), -EINVAL);
	a = exec_test_fill();
	a.op = 0;
	KUNIT_EXPECT_EQ(test, vsvm_exec_check(&a), -EINVAL);
	a = exec_test_fill();
	a.width = 3;
	KUNIT_EXPECT_EQ(test, vsvm_exec_check(&a), -EINVAL);
	a = exec_test_fill();
	a.size = 0;
	KUNIT_EXPECT_EQ(test, vsvm_exec_check(&a), -EINVAL);
	a = exec_test_fill();
	a.size = DRM_VSVM_EXEC_MAX_SIZE;
	KUNIT_EXPECT_EQ(test, vsvm_exec_check(&a), 0);
	a.size += 4;
	KUNIT_EXPECT_EQ(test, vsvm_exec_check(&a), -E2BIG);
	a = exec_test_fill();
	a.va += 2;
	KUNIT_EXPECT_EQ(test, vsvm_exec_check(&a), -EINVAL);
	/* Up to the last byte of the address space, not beyond. */
	a = exec_test_fill();
	a.va = U64_MAX - 0xfff;
	KUNIT_EXPECT_EQ(test, vsvm_exec_check(&a), 0);
	a.va += 4;
	KUNIT_EXPECT_EQ(test, vsvm_exec_check(&a), -EINVAL);

	a = exec_test_fill();
	a.op = DRM_VSVM_EXEC_COPY;
	a.width = 0;
	a.value = 0;
	a.src_va = a.va + a.size;
	KUNIT_EXPECT_EQ(test, vsvm_exec_check(&a), 0);
	a.src_va -= 1;
	KUNIT_EXPECT_EQ(test, vsvm_exec_check(&a), -EINVAL);
	a.src_va = a.va - a.size;
	KUNIT_EXPECT_EQ(test, vsvm_exec_check(&a), 0);
	a.src_va += 1;
	KUNIT_EXPECT_EQ(test, vsvm_exec_check(&a), -EINVAL);

	a = exec_test_fill();
	a.op = DRM_VSVM_EXEC_ATOMIC_INC;
	KUNIT_EXPECT_EQ(test, vsvm_exec_check(&a), 0);
	a.width = 1;
	KUNIT_EXPECT_EQ(test, vsvm_exec_check(&a), -EINVAL);
	a.width = 8;
	a.ptr = 0x1000;
	KUNIT_EXPECT_EQ(test, vsvm_exec_check(&a), -EINVAL);

	a = exec_test_fill();
	a.op = DRM_VSVM_EXEC_READ;
	a.width = 0;
	a.value = 0;
	a.ptr = 0x2000;
	a.va = 0x10001;
	a.size = 3;
	KUNIT_EXPECT_EQ(test, vsvm_exec_check(&a), 0);
	a.value = 1;
	KUNIT_EXPECT_EQ(test, vsvm_exec_check(&a), -EINVAL);

	/* READ and WRITE: the user buffer must not overlap the range. */
	a.value = 0;
	a.va = 0x10000;
	a.size = 0x2000;
	a.ptr = a.va + a.size;
	KUNIT_EXPECT_EQ(test, vsvm_exec_check(&a), 0);
	a.ptr = a.va - a.size;
	KUNIT_EXPECT_EQ(test, vsvm_exec_check(&a), 0);
	a.ptr += 1;
	KUNIT_EXPECT_EQ(test, vsvm_exec_check(&a), -EINVAL);
	a.op = DRM_VSVM_EXEC_WRITE;
	KUNIT_EXPECT_EQ(test, vsvm_exec_check(&a), -EINVAL);
	a.ptr = a.va;
	KUNIT_EXPECT_EQ(test, vsvm_exec_check(&a), -EINVAL);
	a.ptr = a.va + a.size - 1;
	KUNIT_EXPECT_EQ(test, vsvm_exec_check(&a), -EINVAL);
	/* A buffer that wraps is left to the copy: -EFAULT there. */
	a.ptr = U64_MAX - 0xfff;
	KUNIT_EXPECT_EQ(test, vsvm_exec_check(&a), 0);
}

static struct kunit_case vsvm_exec_test_cases[] = {
	KUNIT_CASE(vsvm_exec_test_placement_default),
	KUNIT_CASE(vsvm_exec_test_placement_loc),
	KUNIT_CASE(vsvm_exec_test_placement_atomic),
	KUNIT_CASE(vsvm_exec_test_check),
	{}
};

static struct kunit_suite vsvm_exec_test_suite = {
	.name = "vsvm_exec",
	.test_cases = vsvm_exec_test_cases,
};

kunit_test_suite(vsvm_exec_test_suite);

MODULE_DESCRIPTION("KUnit tests of the vsvm executor and fault placement");
MODULE_LICENSE("GPL");
