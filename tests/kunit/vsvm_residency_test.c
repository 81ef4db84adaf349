// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of vsvm_residency_get() on a real mm (kunit_vm_mmap()):
 * unpopulated, written, read and unmapped pages, a range that
 * spans several walk chunks, and that the walk itself populates nothing.
 */
#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <drm/drm_msvm_compat.h>
#include <drm/vsvm_drm.h>

#include "vsvm_residency.h"

MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING");

#define NPAGES	1200ul

/* Shared anonymous memory: shmem, without THP by default. */
static unsigned long res_test_mmap(struct kunit *test, unsigned long npages)
{
	unsigned long addr = kunit_vm_mmap(test, NULL, 0, npages * PAGE_SIZE,
					   PROT_READ | PROT_WRITE,
					   MAP_SHARED | MAP_ANONYMOUS, 0);

	KUNIT_ASSERT_FALSE(test, !addr || IS_ERR_VALUE(addr));
	return addr;
}

static u32 *res_test_get(struct kunit *test, unsigned long addr,
			 unsigned long npages)
{
	u32 *loc = kunit_kcalloc(test, npages, sizeof(*loc), GFP_KERNEL);
	unsigned long i;

	KUNIT_ASSERT_NOT_NULL(test, loc);
	for (i = 0; i < npages; i++)
		loc[i] = 0xdeadbeef;
	KUNIT_ASSERT_EQ(test, vsvm_residency_get(current->mm, test, addr,
						 npages, loc), 0);
	return loc;
}

static void res_test_unpopulated(struct kunit *test)
{
	unsigned long addr = res_test_mmap(test, NPAGES), i;
	u32 *loc = res_test_get(test, addr, NPAGES);

	for (i = 0; i < NPAGES; i++)
		KUNIT_EXPECT_EQ_MSG(test, loc[i], DRM_VSVM_RESIDENCY_NONE,
				    "page %lu", i);
	/* Asking twice populated nothing. */
	loc = res_test_get(test, addr, NPAGES);
	for (i = 0; i < NPAGES; i++)
		KUNIT_EXPECT_EQ_MSG(test, loc[i], DRM_VSVM_RESIDENCY_NONE,
				    "page %lu", i);
}

static void res_test_populated(struct kunit *test)
{
	unsigned long addr = res_test_mmap(test, NPAGES), i;
	u32 v, *loc;

	/* Every third page written, across the 512-page chunks. */
	for (i = 0; i < NPAGES; i += 3)
		KUNIT_ASSERT_EQ(test, put_user((u32)i,
					       (u32 __user *)(addr + i * PAGE_SIZE)),
				0);
	/* Page 1 read: a page in system memory too. */
	KUNIT_ASSERT_EQ(test, get_user(v, (u32 __user *)(addr + PAGE_SIZE)), 0);
	KUNIT_EXPECT_EQ(test, v, 0);
	loc = res_test_get(test, addr, NPAGES);
	for (i = 0; i < NPAGES; i++) {
		u32 want = (i % 3 == 0 || i == 1) ? DRM_VSVM_RESIDENCY_SYSTEM :
			   DRM_VSVM_RESIDENCY_NONE;

		KUNIT_EXPECT_EQ_MSG(test, loc[i], want, "page %lu", i);
	}
}

static void res_test_unmapped(struct kunit *test)
{
	unsigned long addr = res_test_mmap(test, 64), i;
	u32 *loc;

	for (i = 0; i < 64; i++)
		KUNIT_ASSERT_EQ(test, put_user(1u, (u32 __user *)(addr +
							       i * PAGE_SIZE)),
				0);
	KUNIT_ASSERT_EQ(test, vm_munmap(addr + 16 * PAGE_SIZE, 16 * PAGE_SIZE),
			0);
	loc = res_test_get(test, addr, 64);
	for (i = 0; i < 64; i++)
		KUNIT_EXPECT_EQ_MSG(test, loc[i],
				    i >= 16 && i < 32 ? DRM_VSVM_RESIDENCY_NONE :
				    DRM_VSVM_RESIDENCY_SYSTEM, "page %lu", i);
}

static struct kunit_case vsvm_residency_test_cases[] = {
	KUNIT_CASE(res_test_unpopulated),
	KUNIT_CASE(res_test_populated),
	KUNIT_CASE(res_test_unmapped),
	{}
};

static struct kunit_suite vsvm_residency_test_suite = {
	.name = "vsvm_residency",
	.test_cases = vsvm_residency_test_cases,
};

kunit_test_suite(vsvm_residency_test_suite);

MODULE_DESCRIPTION("KUnit tests of the vsvm RESIDENCY walk");
MODULE_LICENSE("GPL");
