// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of drm_gpusvm on a real mm (kunit_vm_mmap()), with fake
 * devices (kunit_device_register(), DMA-direct, no IOMMU), system pages only.
 */
#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/dma-direct.h>
#include <linux/dma-mapping.h>
#include <linux/file.h>
#include <linux/highmem.h>
#include <linux/ioport.h>
#include <linux/kthread.h>
#include <linux/memremap.h>
#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/rmap.h>
#include <linux/sched/mm.h>
#include <linux/shmem_fs.h>
#include <linux/sizes.h>
#include <linux/uaccess.h>

#include <drm/drm_device.h>
#include <drm/drm_gpusvm.h>

/* Live objects, counted by the alloc/free ops: every test ends at zero. */
static atomic_t ranges_live;
static atomic_t notifiers_live;
/* Ranges that reached &drm_gpusvm_ops.range_free with pages still mapped. */
static atomic_t ranges_freed_mapped;
/* The device-private page owners of the two test devices. */
static int test_owner;
static int test_owner1;

struct test_range {
	struct drm_gpusvm_range base;
	bool bound;	/* the fake GPU page table maps the range */
};

struct test_dev {
	struct drm_device drm;	/* only .dev is used by drm_gpusvm */
	struct drm_gpusvm svm;
	struct mutex lock;	/* the driver lock: serializes svm calls */
	bool live;
	void *owner;		/* its device-private page owner */
	bool keep_pages;	/* the callback "forgets" to unmap the pages */
	int invalidates;	/* calls of ops->invalidate */
	int zaps;		/* of those, the ones that zapped */
	enum mmu_notifier_event last_event;
};

struct test_ctx {
	struct test_dev d[2];
};

static struct test_range *to_trange(struct drm_gpusvm_range *range)
{
	return container_of(range, struct test_range, base);
}

static struct drm_gpusvm_range *test_range_alloc(struct drm_gpusvm *gpusvm)
{
	struct test_range *r = kzalloc(sizeof(*r), GFP_KERNEL);

	if (!r)
		return NULL;
	atomic_inc(&ranges_live);
	return &r->base;
}

static void test_range_free(struct drm_gpusvm_range *range)
{
	if (range->pages.flags.has_dma_mapping ||
	    range->pages.flags.has_devmem_pages)
		atomic_inc(&ranges_freed_mapped);
	atomic_dec(&ranges_live);
	kfree(to_trange(range));
}

static struct drm_gpusvm_notifier *test_notifier_alloc(void)
{
	struct drm_gpusvm_notifier *n = kzalloc(sizeof(*n), GFP_KERNEL);

	if (n)
		atomic_inc(&notifiers_live);
	return n;
}

static void test_notifier_free(struct drm_gpusvm_notifier *notifier)
{
	atomic_dec(&notifiers_live);
	kfree(notifier);
}

/*
 * A driver's callback, upstream's contract: exclusive access for its own
 * owner group leaves everything in place; otherwise the "GPU zap" unbinds
 * every range of the interval, the pages are unmapped (unless the test
 * makes it forget) and an unmap marks the ranges for the garbage
 * collector (drm_gpusvm's list, drm_gpusvm_garbage_collect()).
 */
static void test_invalidate(struct drm_gpusvm *gpusvm,
			    struct drm_gpusvm_notifier *notifier,
			    const struct mmu_notifier_range *mmu_range)
{
	struct test_dev *d = container_of(gpusvm, struct test_dev, svm);
	struct drm_gpusvm_ctx ctx = { .in_notifier = 1 };
	struct drm_gpusvm_range *range = NULL;

	lockdep_assert_held_write(&gpusvm->notifier_lock);
	d->invalidates++;
	d->last_event = mmu_range->event;
	if (mmu_range->event == MMU_NOTIFY_EXCLUSIVE &&
	    mmu_range->owner == d->owner)
		return;
	d->zaps++;
	drm_gpusvm_for_each_range(range, notifier, mmu_range->start,
				  mmu_range->end) {
		to_trange(range)->bound = false;
		if (!d->keep_pages)
			drm_gpusvm_range_unmap_pages(gpusvm, range, &ctx);
		if (mmu_range->event == MMU_NOTIFY_UNMAP ||
		    mmu_range->event == MMU_NOTIFY_RELEASE)
			drm_gpusvm_range_set_unmapped(range, NULL, 0,
						      mmu_range);
	}
}

static const struct drm_gpusvm_ops test_ops = {
	.notifier_alloc = test_notifier_alloc,
	.notifier_free = test_notifier_free,
	.range_alloc = test_range_alloc,
	.range_free = test_range_free,
	.invalidate = test_invalidate,
};

static const struct drm_gpusvm_ctx no_ctx;
static const struct drm_gpusvm_ctx devmem_only_ctx = { .devmem_only = 1 };
static const unsigned long test_chunks[] = { SZ_2M, SZ_64K, SZ_4K };

static unsigned long test_mmap(struct kunit *test, unsigned long len,
			       unsigned long prot)
{
	unsigned long addr = kunit_vm_mmap(test, NULL, 0, len, prot,
					   MAP_PRIVATE | MAP_ANONYMOUS, 0);

	KUNIT_ASSERT_FALSE(test, !addr || IS_ERR_VALUE(addr));
	return addr;
}

/* A @size-aligned RW range of @size inside a mapping twice as large. */
static unsigned long test_mmap_aligned(struct kunit *test, unsigned long size)
{
	return ALIGN(test_mmap(test, 2 * size, PROT_READ | PROT_WRITE), size);
}

static int test_dev_init(struct kunit *test, struct test_dev *d,
			 const char *name, void *owner)
{
	struct device *dev = kunit_device_register(test, name);
	int err;

	if (IS_ERR(dev))
		return PTR_ERR(dev);
	dev->dma_mask = &dev->coherent_dma_mask;
	err = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64));
	if (err)
		return err;
	d->drm.dev = dev;
	d->owner = owner;
	mutex_init(&d->lock);
	err = drm_gpusvm_init_device(&d->svm, name, &d->drm, current->mm,
				     owner, 0, TASK_SIZE, SZ_2M, &test_ops,
				     test_chunks, ARRAY_SIZE(test_chunks));
	if (err)
		return err;
	drm_gpusvm_driver_set_lock(&d->svm, &d->lock);
	d->live = true;
	return 0;
}

static void test_dev_fini(struct test_dev *d)
{
	if (!d->live)
		return;
	mutex_lock(&d->lock);
	drm_gpusvm_fini(&d->svm);
	mutex_unlock(&d->lock);
	d->live = false;
}

static int drm_gpusvm_test_init(struct kunit *test)
{
	struct test_ctx *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	int err;

	if (!t)
		return -ENOMEM;
	test->priv = t;
	atomic_set(&ranges_live, 0);
	atomic_set(&notifiers_live, 0);
	atomic_set(&ranges_freed_mapped, 0);
	/* Attaches an mm to the test thread. */
	test_mmap(test, PAGE_SIZE, PROT_READ);
	err = test_dev_init(test, &t->d[0], "gpusvm-test0", &test_owner);
	if (err)
		return err;
	/* Another device, not in the first one's owner group. */
	return test_dev_init(test, &t->d[1], "gpusvm-test1", &test_owner1);
}

/* Runs in another thread after the test's mm is gone: only frees. */
static void drm_gpusvm_test_exit(struct kunit *test)
{
	struct test_ctx *t = test->priv;

	test_dev_fini(&t->d[0]);
	test_dev_fini(&t->d[1]);
}

/* Tear both instances down and check that nothing leaked. */
static void test_teardown_check(struct kunit *test)
{
	struct test_ctx *t = test->priv;

	test_dev_fini(&t->d[0]);
	test_dev_fini(&t->d[1]);
	KUNIT_EXPECT_EQ(test, atomic_read(&ranges_live), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&notifiers_live), 0);
}

static struct drm_gpusvm_range *
test_insert(struct test_dev *d, unsigned long addr, unsigned long start,
	    unsigned long end, bool read_only)
{
	struct drm_gpusvm_ctx ctx = { .read_only = read_only };
	struct drm_gpusvm_range *range;

	mutex_lock(&d->lock);
	range = drm_gpusvm_range_find_or_insert(&d->svm, addr, start, end,
						&ctx);
	mutex_unlock(&d->lock);
	return range;
}

static struct drm_gpusvm_range *
test_insert_any(struct test_dev *d, unsigned long addr)
{
	return test_insert(d, addr, 0, TASK_SIZE, false);
}

/* get_pages, then "bind" under the notifier lock as a driver would. */
static int test_bind(struct test_dev *d, struct drm_gpusvm_range *range,
		     bool read_only)
{
	struct drm_gpusvm_ctx ctx = { .read_only = read_only };
	int err;

	mutex_lock(&d->lock);
	err = drm_gpusvm_range_get_pages(&d->svm, range, &ctx);
	if (!err) {
		drm_gpusvm_notifier_lock(&d->svm);
		if (drm_gpusvm_range_pages_valid(&d->svm, range))
			to_trange(range)->bound = true;
		else
			err = -EAGAIN;
		drm_gpusvm_notifier_unlock(&d->svm);
	}
	mutex_unlock(&d->lock);
	return err;
}

static bool test_valid(struct test_dev *d, struct drm_gpusvm_range *range)
{
	bool valid;

	drm_gpusvm_notifier_lock(&d->svm);
	valid = drm_gpusvm_range_pages_valid(&d->svm, range);
	drm_gpusvm_notifier_unlock(&d->svm);
	return valid;
}

static u64 test_pattern(unsigned long addr)
{
	return (u64)addr ^ 0x5a5aa5a5deadbeefULL;
}

/* Write the pattern of each page at its start, faulting it in. */
static void test_fill(struct kunit *test, unsigned long start,
		      unsigned long end)
{
	unsigned long a;

	for (a = start; a < end; a += PAGE_SIZE) {
		u64 v = test_pattern(a);

		KUNIT_ASSERT_EQ(test, copy_to_user((void __user *)a, &v,
						   sizeof(v)), 0);
	}
}

static u64 test_read_phys(phys_addr_t phys)
{
	void *vaddr = kmap_local_page(pfn_to_page(PHYS_PFN(phys)));
	u64 v = *(u64 *)(vaddr + offset_in_page(phys));

	kunmap_local(vaddr);
	return v;
}

enum test_expect {
	EXPECT_PATTERN,	/* the page holds test_pattern() of its address */
	EXPECT_ZERO,	/* the page holds zero */
	EXPECT_ZERO_PAGE,	/* the page is the shared zero page */
};

struct test_obs {
	struct drm_pagemap_addr entry;
	phys_addr_t phys;	/* of the page, from its DMA address */
	phys_addr_t cpu_phys;	/* of the page the CPU maps, 0 if none */
	u64 data;
};

/*
 * Check that the range's pages are valid, that every page is covered by
 * exactly one DMA address entry, that each address is the physical address
 * of the page the CPU maps at that VA (DMA-direct) and that the page holds
 * the expected data (test_pattern(va + @delta) for EXPECT_PATTERN). The
 * observations are made under the notifier lock and checked after it.
 */
static void test_check_pages_delta(struct kunit *test, struct test_dev *d,
				   struct drm_gpusvm_range *range,
				   enum test_expect expect,
				   enum dma_data_direction dir, long delta)
{
	unsigned long start = drm_gpusvm_range_start(range);
	unsigned long npages = drm_gpusvm_range_size(range) >> PAGE_SHIFT;
	struct device *dev = d->drm.dev;
	struct test_obs *obs;
	bool valid, has_dma, has_dev;
	unsigned long i, j;

	obs = kunit_kcalloc(test, npages, sizeof(*obs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, obs);

	drm_gpusvm_notifier_lock(&d->svm);
	valid = drm_gpusvm_range_pages_valid(&d->svm, range);
	has_dma = range->pages.flags.has_dma_mapping;
	has_dev = range->pages.flags.has_devmem_pages;
	for (i = 0; valid && i < npages; i++) {
		struct page *page;

		obs[i].entry = range->pages.dma_addr[i];
		if (expect != EXPECT_ZERO_PAGE &&
		    get_user_pages_fast_only(start + i * PAGE_SIZE, 1, 0,
					     &page) == 1) {
			/*
			 * GUP-fast: no fault and no mmap lock under the
			 * notifier lock (the zero page is special: skipped).
			 */
			obs[i].cpu_phys = page_to_phys(page);
			put_page(page);
		}
	}
	for (i = 0; valid && i < npages;) {
		unsigned int order = obs[i].entry.order;

		for (j = 0; j < (1UL << order) && i + j < npages; j++) {
			obs[i + j].phys = dma_to_phys(dev, obs[i].entry.addr) +
				j * PAGE_SIZE;
			obs[i + j].data = test_read_phys(obs[i + j].phys);
		}
		i += 1UL << order;
	}
	drm_gpusvm_notifier_unlock(&d->svm);

	KUNIT_ASSERT_TRUE(test, valid);
	KUNIT_EXPECT_TRUE(test, has_dma);
	KUNIT_EXPECT_FALSE(test, has_dev);
	for (i = 0; i < npages;) {
		unsigned int order = obs[i].entry.order;

		KUNIT_ASSERT_EQ(test, (int)obs[i].entry.proto,
				DRM_INTERCONNECT_SYSTEM);
		KUNIT_ASSERT_EQ(test, (int)obs[i].entry.dir, dir);
		KUNIT_ASSERT_LE(test, i + (1UL << order), npages);
		for (j = 0; j < (1UL << order); j++) {
			unsigned long va = start + (i + j) * PAGE_SIZE;
			struct test_obs *o = &obs[i + j];

			if (j)
				KUNIT_EXPECT_EQ(test, o->entry.addr, 0);
			if (expect == EXPECT_ZERO_PAGE)
				KUNIT_EXPECT_EQ(test, o->phys,
						page_to_phys(ZERO_PAGE(0)));
			else
				KUNIT_EXPECT_EQ(test, o->phys, o->cpu_phys);
			if (expect == EXPECT_PATTERN)
				KUNIT_EXPECT_EQ(test, o->data,
						test_pattern(va + delta));
			else
				KUNIT_EXPECT_EQ(test, o->data, 0);
		}
		i += 1UL << order;
	}
}

static void test_check_pages(struct kunit *test, struct test_dev *d,
			     struct drm_gpusvm_range *range,
			     enum test_expect expect,
			     enum dma_data_direction dir)
{
	test_check_pages_delta(test, d, range, expect, dir, 0);
}

static void test_zap(struct kunit *test, unsigned long addr,
		     unsigned long size)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;

	/* What madvise(MADV_DONTNEED) does. */
	mmap_read_lock(mm);
	vma = vma_lookup(mm, addr);
	if (vma)
		zap_page_range_single(vma, addr, size, NULL);
	mmap_read_unlock(mm);
	KUNIT_ASSERT_NOT_NULL(test, vma);
}

static void drm_gpusvm_test_init_args(struct kunit *test)
{
	static const unsigned long bad_order[] = { SZ_64K, SZ_2M, SZ_4K };
	static const unsigned long bad_size[] = { SZ_2M, 3 * SZ_4K };
	static const struct drm_gpusvm_ops no_inval = { };
	struct test_ctx *t = test->priv;
	struct drm_gpusvm svm;
	struct mm_struct *mm = current->mm;
	struct drm_device *drm = &t->d[0].drm;

	KUNIT_EXPECT_EQ(test, drm_gpusvm_init_device(&svm, "x", drm, mm, NULL, 0,
						     TASK_SIZE, SZ_2M, &test_ops,
						     bad_order, 3), -EINVAL);
	KUNIT_EXPECT_EQ(test, drm_gpusvm_init_device(&svm, "x", drm, mm, NULL, 0,
						     TASK_SIZE, SZ_2M, &test_ops,
						     bad_size, 2), -EINVAL);
	KUNIT_EXPECT_EQ(test, drm_gpusvm_init_device(&svm, "x", drm, mm, NULL, 0,
						     TASK_SIZE, SZ_1M, &test_ops,
						     test_chunks, 3), -EINVAL);
	KUNIT_EXPECT_EQ(test, drm_gpusvm_init_device(&svm, "x", drm, mm, NULL, 0,
						     TASK_SIZE, 3 * SZ_2M, &test_ops,
						     test_chunks, 3), -EINVAL);
	KUNIT_EXPECT_EQ(test, drm_gpusvm_init_device(&svm, "x", drm, mm, NULL, 0,
						     TASK_SIZE, SZ_2M, &no_inval,
						     test_chunks, 3), -EINVAL);
	KUNIT_EXPECT_EQ(test, drm_gpusvm_init_device(&svm, "x", drm, mm, NULL, 0,
						     0, SZ_2M, &test_ops,
						     test_chunks, 3), -EINVAL);
	KUNIT_EXPECT_EQ(test, drm_gpusvm_init_device(&svm, "x", drm, mm, NULL, 0,
						     TASK_SIZE, SZ_2M, &test_ops,
						     test_chunks, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, drm_gpusvm_init_device(&svm, "x", NULL, mm, NULL,
						     0, TASK_SIZE, SZ_2M,
						     &test_ops, test_chunks, 3),
			-EINVAL);

	/* Upstream's form: no device, no owner. */
	KUNIT_EXPECT_EQ(test, drm_gpusvm_init(&svm, "x", mm, 0, TASK_SIZE,
					      SZ_2M, &no_inval, test_chunks, 3),
			-EINVAL);
	KUNIT_ASSERT_EQ(test, drm_gpusvm_init(&svm, "x", mm, 0, TASK_SIZE,
					      SZ_2M, &test_ops, test_chunks, 3),
			0);
	KUNIT_EXPECT_NULL(test, svm.drm);
	KUNIT_EXPECT_NULL(test, svm.device_private_page_owner);
	KUNIT_EXPECT_PTR_EQ(test, svm.mm, mm);
	drm_gpusvm_fini(&svm);
	/* A VM that does not fault: only the notifier lock. */
	KUNIT_EXPECT_EQ(test, drm_gpusvm_init(&svm, "x", NULL, 0, TASK_SIZE,
					      0, NULL, NULL, 0), -EINVAL);
	KUNIT_ASSERT_EQ(test, drm_gpusvm_init(&svm, "x", NULL, 0, 0, 0, NULL,
					      NULL, 0), 0);
	drm_gpusvm_notifier_lock(&svm);
	drm_gpusvm_notifier_unlock(&svm);
	drm_gpusvm_fini(&svm);
	test_teardown_check(test);
}

static void expect_range(struct kunit *test, struct drm_gpusvm_range *r,
			 unsigned long start, unsigned long size)
{
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(r));
	KUNIT_EXPECT_EQ(test, drm_gpusvm_range_start(r), start);
	KUNIT_EXPECT_EQ(test, drm_gpusvm_range_size(r), size);
}

/*
 * Chunk selection at VMA edges, holes and GPU VA window edges, overlapping
 * inserts, and notifier creation and removal.
 */
static void drm_gpusvm_test_chunks(struct kunit *test)
{
	struct test_ctx *t = test->priv;
	struct test_dev *d = &t->d[0];
	struct drm_gpusvm_range *r, *g1, *g2;
	unsigned long base = test_mmap(test, 10 * SZ_1M,
				       PROT_READ | PROT_WRITE);
	unsigned long R = ALIGN(base, SZ_2M);

	/*
	 * VMAs: [base, R+2M+64K) hole [R+2M+128K, R+4M-4K) hole
	 * [R+4M, R+7M) hole [R+7M+4K, base+10M)
	 */
	KUNIT_ASSERT_EQ(test, vm_munmap(R + SZ_2M + SZ_64K, SZ_64K), 0);
	KUNIT_ASSERT_EQ(test, vm_munmap(R + SZ_4M - SZ_4K, SZ_4K), 0);
	KUNIT_ASSERT_EQ(test, vm_munmap(R + 7 * SZ_1M, SZ_4K), 0);

	/* Whole 2M chunk inside the VMA. */
	r = test_insert_any(d, R + 100 * SZ_1K);
	expect_range(test, r, R, SZ_2M);
	KUNIT_EXPECT_EQ(test, atomic_read(&notifiers_live), 1);

	/* VMA ends 64K into the chunk: a 64K range ending at the VMA end. */
	r = test_insert_any(d, R + SZ_2M + SZ_8K);
	expect_range(test, r, R + SZ_2M, SZ_64K);
	KUNIT_EXPECT_EQ(test, atomic_read(&notifiers_live), 2);

	/* A hole. */
	r = test_insert_any(d, R + SZ_2M + SZ_64K + SZ_4K);
	KUNIT_EXPECT_EQ(test, PTR_ERR(r), -ENOENT);

	/* VMA start: a 64K range starting at the VMA start. */
	r = test_insert_any(d, R + SZ_2M + SZ_128K + SZ_4K);
	expect_range(test, r, R + SZ_2M + SZ_128K, SZ_64K);

	/* 4K before a VMA end that is not 64K aligned: a 4K range. */
	r = test_insert_any(d, R + SZ_4M - SZ_8K);
	expect_range(test, r, R + SZ_4M - SZ_8K, SZ_4K);
	KUNIT_EXPECT_EQ(test, atomic_read(&notifiers_live), 2);

	/* GPU VA window clips the 2M chunk to 64K. */
	r = test_insert(d, R + SZ_4M + 100 * SZ_1K, R + SZ_4M + SZ_64K,
			R + SZ_4M + SZ_2M, false);
	expect_range(test, r, R + SZ_4M + SZ_64K, SZ_64K);
	KUNIT_EXPECT_EQ(test, atomic_read(&notifiers_live), 3);

	/* Outside the window, or outside the mirrored VA. */
	r = test_insert(d, R + SZ_4M, R + SZ_4M + SZ_64K, R + SZ_4M + SZ_2M,
			false);
	KUNIT_EXPECT_EQ(test, PTR_ERR(r), -EINVAL);
	r = test_insert(d, TASK_SIZE + SZ_4K, 0, ULONG_MAX, false);
	KUNIT_EXPECT_EQ(test, PTR_ERR(r), -EINVAL);

	/* A hole in a new notifier chunk leaves no notifier behind. */
	r = test_insert_any(d, R + 7 * SZ_1M);
	KUNIT_EXPECT_EQ(test, PTR_ERR(r), -ENOENT);
	KUNIT_EXPECT_EQ(test, atomic_read(&notifiers_live), 3);
	KUNIT_EXPECT_NULL(test, drm_gpusvm_notifier_find(&d->svm,
							 R + 7 * SZ_1M,
							 R + 8 * SZ_1M));

	/* Overlapping inserts: a 4K range blocks the 2M and 64K chunks. */
	g1 = test_insert(d, R + 6 * SZ_1M + SZ_8K, R + 6 * SZ_1M + SZ_8K,
			 R + 6 * SZ_1M + SZ_8K + SZ_4K, false);
	expect_range(test, g1, R + 6 * SZ_1M + SZ_8K, SZ_4K);
	g2 = test_insert_any(d, R + 6 * SZ_1M + SZ_16K);
	expect_range(test, g2, R + 6 * SZ_1M + SZ_16K, SZ_4K);
	r = test_insert_any(d, R + 6 * SZ_1M + SZ_8K + 100);
	KUNIT_EXPECT_PTR_EQ(test, r, g1);
	r = test_insert_any(d, R + 6 * SZ_1M + SZ_64K + SZ_4K);
	expect_range(test, r, R + 6 * SZ_1M + SZ_64K, SZ_64K);
	KUNIT_EXPECT_EQ(test, atomic_read(&notifiers_live), 4);
	KUNIT_EXPECT_EQ(test, atomic_read(&ranges_live), 8);

	/* Walk: ranges of the R+6M notifier in address order. */
	{
		struct drm_gpusvm_notifier *n =
			drm_gpusvm_notifier_find(&d->svm, R + 6 * SZ_1M,
						 R + 6 * SZ_1M + 1);
		unsigned long prev = 0;
		int count = 0;

		KUNIT_ASSERT_NOT_NULL(test, n);
		r = NULL;
		drm_gpusvm_for_each_range(r, n, drm_gpusvm_notifier_start(n),
					  drm_gpusvm_notifier_end(n)) {
			KUNIT_EXPECT_GT(test, drm_gpusvm_range_start(r), prev);
			prev = drm_gpusvm_range_start(r);
			count++;
		}
		KUNIT_EXPECT_EQ(test, count, 3);
	}
	KUNIT_EXPECT_TRUE(test, drm_gpusvm_has_mapping(&d->svm, R, R + 1));
	KUNIT_EXPECT_FALSE(test, drm_gpusvm_has_mapping(&d->svm,
							R + 6 * SZ_1M + SZ_128K,
							R + 7 * SZ_1M));

	/* Removing the only range of a notifier removes the notifier. */
	r = drm_gpusvm_range_find(drm_gpusvm_notifier_find(&d->svm, R, R + 1),
				  R, R + 1);
	KUNIT_ASSERT_NOT_NULL(test, r);
	mutex_lock(&d->lock);
	drm_gpusvm_range_remove(&d->svm, r);
	mutex_unlock(&d->lock);
	KUNIT_EXPECT_EQ(test, atomic_read(&notifiers_live), 3);
	KUNIT_EXPECT_EQ(test, atomic_read(&ranges_live), 7);
	KUNIT_EXPECT_NULL(test, drm_gpusvm_notifier_find(&d->svm, R, R + 1));
	KUNIT_EXPECT_FALSE(test, drm_gpusvm_has_mapping(&d->svm, R,
							R + SZ_2M));

	/* Removing one of three keeps the notifier. */
	mutex_lock(&d->lock);
	drm_gpusvm_range_remove(&d->svm, g2);
	mutex_unlock(&d->lock);
	KUNIT_EXPECT_EQ(test, atomic_read(&notifiers_live), 3);
	KUNIT_EXPECT_EQ(test, atomic_read(&ranges_live), 6);

	/* Teardown with live ranges. */
	test_teardown_check(test);
}

/* get_pages on populated memory: addresses and data. */
static void drm_gpusvm_test_pages_populated(struct kunit *test)
{
	struct test_ctx *t = test->priv;
	struct test_dev *d = &t->d[0];
	unsigned long a = test_mmap_aligned(test, SZ_64K);
	struct drm_gpusvm_range *r;

	test_fill(test, a, a + SZ_64K);
	r = test_insert_any(d, a);
	KUNIT_ASSERT_FALSE(test, IS_ERR(r));
	KUNIT_EXPECT_FALSE(test, test_valid(d, r));
	KUNIT_ASSERT_EQ(test, test_bind(d, r, false), 0);
	test_check_pages(test, d, r, EXPECT_PATTERN, DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_TRUE(test, to_trange(r)->bound);
	KUNIT_EXPECT_EQ(test, d->invalidates, 0);

	/* Valid pages: a second get_pages keeps them. */
	KUNIT_ASSERT_EQ(test, test_bind(d, r, false), 0);
	test_check_pages(test, d, r, EXPECT_PATTERN, DMA_BIDIRECTIONAL);
	test_teardown_check(test);
}

/* get_pages on unpopulated memory faults it in, writable. */
static void drm_gpusvm_test_pages_unpopulated(struct kunit *test)
{
	struct test_ctx *t = test->priv;
	struct test_dev *d = &t->d[0];
	unsigned long a = test_mmap_aligned(test, SZ_64K);
	struct drm_gpusvm_range *r;
	struct page *page;

	KUNIT_EXPECT_EQ(test, get_user_pages_fast_only(a, 1, 0, &page), 0);
	r = test_insert_any(d, a + SZ_8K);
	KUNIT_ASSERT_FALSE(test, IS_ERR(r));
	KUNIT_ASSERT_EQ(test, test_bind(d, r, false), 0);
	test_check_pages(test, d, r, EXPECT_ZERO, DMA_BIDIRECTIONAL);

	/* Pages are mapped writable: a CPU write needs no fault. */
	test_fill(test, a, a + SZ_64K);
	KUNIT_EXPECT_TRUE(test, test_valid(d, r));
	KUNIT_EXPECT_EQ(test, d->invalidates, 0);
	test_check_pages(test, d, r, EXPECT_PATTERN, DMA_BIDIRECTIONAL);
	test_teardown_check(test);
}

/* A 2M range, possibly a THP: entries cover all pages once. */
static void drm_gpusvm_test_pages_2m(struct kunit *test)
{
	struct test_ctx *t = test->priv;
	struct test_dev *d = &t->d[0];
	unsigned long base = test_mmap(test, SZ_4M, PROT_READ | PROT_WRITE);
	unsigned long a = ALIGN(base, SZ_2M);
	struct drm_gpusvm_range *r;

	test_fill(test, a, a + SZ_2M);
	r = test_insert_any(d, a + SZ_1M);
	expect_range(test, r, a, SZ_2M);
	KUNIT_ASSERT_EQ(test, test_bind(d, r, false), 0);
	test_check_pages(test, d, r, EXPECT_PATTERN, DMA_BIDIRECTIONAL);
	kunit_info(test, "first entry order %u\n", r->pages.dma_addr[0].order);
	test_teardown_check(test);
}

/*
 * check_pages_threshold: a chunk of at most the threshold is only taken
 * where every CPU page is present; the smallest one always is.
 */
static void drm_gpusvm_test_check_pages(struct kunit *test)
{
	struct drm_gpusvm_ctx ctx = { .check_pages_threshold = SZ_64K };
	struct test_ctx *t = test->priv;
	struct test_dev *d = &t->d[0];
	/* Mappings too small for a huge page: faults fill single pages. */
	unsigned long a = test_mmap_aligned(test, SZ_64K);
	unsigned long b = test_mmap_aligned(test, SZ_64K);
	unsigned long c = test_mmap_aligned(test, SZ_64K);
	struct drm_gpusvm_range *r;

	test_fill(test, a, a + SZ_8K);
	test_fill(test, b, b + SZ_8K);
	test_fill(test, c, c + SZ_64K);
	mutex_lock(&d->lock);
	/* Pages missing: the smallest chunk. */
	r = drm_gpusvm_range_find_or_insert(&d->svm, a, 0, TASK_SIZE, &ctx);
	expect_range(test, r, a, SZ_4K);
	/* Without the check, the largest chunk that fits. */
	r = drm_gpusvm_range_find_or_insert(&d->svm, b, 0, TASK_SIZE, &no_ctx);
	expect_range(test, r, b, SZ_64K);
	/* Every page present: the largest. */
	r = drm_gpusvm_range_find_or_insert(&d->svm, c + SZ_4K, 0, TASK_SIZE,
					    &ctx);
	expect_range(test, r, c, SZ_64K);
	mutex_unlock(&d->lock);
	test_teardown_check(test);
}

/* no_dma_map faults the CPU pages in and records no mapping. */
static void drm_gpusvm_test_no_dma_map(struct kunit *test)
{
	struct drm_gpusvm_ctx ctx = { .no_dma_map = 1 };
	struct test_ctx *t = test->priv;
	struct test_dev *d = &t->d[0];
	unsigned long a = test_mmap_aligned(test, SZ_64K);
	struct drm_gpusvm_pages pages;
	struct drm_gpusvm_range *r;
	struct page *page;
	int err;

	/* No device needed to map for. */
	drm_gpusvm_init_pages(&pages, NULL);
	r = test_insert(d, a, a, a + SZ_64K, false);
	expect_range(test, r, a, SZ_64K);
	mutex_lock(&d->lock);
	err = drm_gpusvm_get_pages(&d->svm, &pages, 1, current->mm,
				   &r->notifier->notifier, a, a + SZ_64K,
				   &ctx);
	KUNIT_EXPECT_EQ(test, err, 0);
	ctx.devmem_only = 1;
	KUNIT_EXPECT_EQ(test, drm_gpusvm_get_pages(&d->svm, &pages, 1,
						   current->mm,
						   &r->notifier->notifier, a,
						   a + SZ_64K, &ctx),
			-EINVAL);
	/* Pages without a device are refused when mapping. */
	KUNIT_EXPECT_EQ(test, drm_gpusvm_get_pages(&d->svm, &pages, 1,
						   current->mm,
						   &r->notifier->notifier, a,
						   a + SZ_64K, &no_ctx),
			-EINVAL);
	mutex_unlock(&d->lock);
	drm_gpusvm_notifier_lock(&d->svm);
	KUNIT_EXPECT_FALSE(test, drm_gpusvm_pages_valid(&d->svm, &pages));
	drm_gpusvm_notifier_unlock(&d->svm);
	KUNIT_EXPECT_NULL(test, pages.dma_addr);
	KUNIT_EXPECT_EQ(test, pages.notifier_seq, LONG_MAX);
	/* The write fault populated the CPU page table. */
	KUNIT_ASSERT_EQ(test, get_user_pages_fast_only(a + SZ_32K, 1, 0, &page),
			1);
	put_page(page);
	test_teardown_check(test);
}

/*
 * Upstream's pages API on pages a driver holds: one get_pages maps the
 * pages of a range for two devices, each at its own DMA address of the
 * same page; unmap, set_unmapped and free work on each.
 */
static void drm_gpusvm_test_pages_api(struct kunit *test)
{
	struct test_ctx *t = test->priv;
	struct test_dev *d = &t->d[0], *d1 = &t->d[1];
	unsigned long a = test_mmap_aligned(test, SZ_64K);
	struct mmu_notifier_range mmu_range = { .event = MMU_NOTIFY_UNMAP };
	const unsigned long npages = SZ_64K >> PAGE_SHIFT;
	const struct drm_pagemap_addr *dma0, *dma1;
	struct drm_gpusvm_pages *pages;
	struct drm_gpusvm_range *r;
	bool valid0, valid1, contiguous = true;
	unsigned long i;
	int err;

	pages = kunit_kcalloc(test, 2, sizeof(*pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pages);
	drm_gpusvm_init_pages(&pages[0], &d->drm);
	drm_gpusvm_init_pages(&pages[1], &d1->drm);
	KUNIT_EXPECT_EQ(test, pages[0].notifier_seq, LONG_MAX);
	KUNIT_EXPECT_NULL(test, drm_gpusvm_pages_first_dma(&pages[0], NULL));

	test_fill(test, a, a + SZ_64K);
	r = test_insert(d, a, a, a + SZ_64K, false);
	expect_range(test, r, a, SZ_64K);

	mutex_lock(&d->lock);
	KUNIT_EXPECT_EQ(test, drm_gpusvm_get_pages(&d->svm, pages, 0,
						   current->mm,
						   &r->notifier->notifier, a,
						   a + SZ_64K, &no_ctx),
			-EINVAL);
	err = drm_gpusvm_get_pages(&d->svm, pages, 2, current->mm,
				   &r->notifier->notifier, a, a + SZ_64K,
				   &no_ctx);
	mutex_unlock(&d->lock);
	KUNIT_ASSERT_EQ(test, err, 0);

	drm_gpusvm_notifier_lock(&d->svm);
	valid0 = drm_gpusvm_pages_valid(&d->svm, &pages[0]);
	valid1 = drm_gpusvm_pages_valid(&d->svm, &pages[1]);
	dma0 = drm_gpusvm_pages_first_dma(&pages[0], &contiguous);
	dma1 = drm_gpusvm_pages_first_dma(&pages[1], NULL);
	KUNIT_EXPECT_TRUE(test, valid0);
	KUNIT_EXPECT_TRUE(test, valid1);
	KUNIT_EXPECT_FALSE(test, contiguous);
	KUNIT_EXPECT_TRUE(test, pages[0].flags.has_dma_mapping);
	KUNIT_EXPECT_FALSE(test, pages[1].flags.has_devmem_pages);
	KUNIT_EXPECT_NE(test, pages[1].notifier_seq, LONG_MAX);
	/* Each device maps every page, at the same page. */
	for (i = 0; valid0 && valid1 && i < npages; i += 1ul << dma0[i].order) {
		KUNIT_EXPECT_EQ(test, (unsigned int)dma0[i].order,
				(unsigned int)dma1[i].order);
		KUNIT_EXPECT_EQ(test, dma_to_phys(d->drm.dev, dma0[i].addr),
				dma_to_phys(d1->drm.dev, dma1[i].addr));
		KUNIT_EXPECT_EQ(test,
				test_read_phys(dma_to_phys(d1->drm.dev,
							   dma1[i].addr)),
				test_pattern(a + i * PAGE_SIZE));
	}
	drm_gpusvm_notifier_unlock(&d->svm);
	/* The range's own pages are not the driver's. */
	KUNIT_EXPECT_FALSE(test, test_valid(d, r));

	/* Unmapped one by one; the arrays stay until freed. */
	mutex_lock(&d->lock);
	drm_gpusvm_unmap_pages(&d->svm, &pages[1], npages, &no_ctx);
	drm_gpusvm_notifier_lock(&d->svm);
	KUNIT_EXPECT_TRUE(test, drm_gpusvm_pages_valid(&d->svm, &pages[0]));
	KUNIT_EXPECT_FALSE(test, drm_gpusvm_pages_valid(&d->svm, &pages[1]));
	drm_gpusvm_notifier_unlock(&d->svm);
	KUNIT_EXPECT_NOT_NULL(test, pages[1].dma_addr);
	drm_gpusvm_free_pages(&d->svm, &pages[0], npages);
	drm_gpusvm_free_pages(&d->svm, &pages[1], npages);
	mutex_unlock(&d->lock);
	KUNIT_EXPECT_NULL(test, pages[0].dma_addr);
	KUNIT_EXPECT_NULL(test, pages[1].dma_addr);
	KUNIT_EXPECT_FALSE(test, pages[0].flags.has_dma_mapping);

	/* set_unmapped marks the driver's pages: no more get_pages. */
	mmu_range.start = a;
	mmu_range.end = a + SZ_64K;
	down_write(&d->svm.notifier_lock);
	drm_gpusvm_range_set_unmapped(r, pages, 2, &mmu_range);
	up_write(&d->svm.notifier_lock);
	KUNIT_EXPECT_TRUE(test, pages[0].flags.unmapped);
	KUNIT_EXPECT_TRUE(test, pages[1].flags.unmapped);
	KUNIT_EXPECT_TRUE(test, r->pages.flags.unmapped);
	mutex_lock(&d->lock);
	KUNIT_EXPECT_EQ(test, drm_gpusvm_get_pages(&d->svm, pages, 2,
						   current->mm,
						   &r->notifier->notifier, a,
						   a + SZ_64K, &no_ctx),
			-EFAULT);
	drm_gpusvm_free_pages(&d->svm, &pages[0], npages);
	drm_gpusvm_free_pages(&d->svm, &pages[1], npages);
	KUNIT_EXPECT_EQ(test, drm_gpusvm_garbage_collect(&d->svm), 1);
	mutex_unlock(&d->lock);
	test_teardown_check(test);
}

/* Read-only VMAs need ctx.read_only and get read-only mappings. */
static void drm_gpusvm_test_read_only(struct kunit *test)
{
	struct test_ctx *t = test->priv;
	struct test_dev *d = &t->d[0];
	unsigned long base = test_mmap(test, SZ_128K, PROT_READ);
	unsigned long ro = ALIGN(base, SZ_64K);
	unsigned long rw, ros, a;
	struct drm_gpusvm_range *r;
	struct file *file;

	/* Private anonymous read-only: the zero page. */
	r = test_insert(d, ro, 0, TASK_SIZE, false);
	KUNIT_EXPECT_EQ(test, PTR_ERR(r), -EPERM);
	KUNIT_EXPECT_EQ(test, atomic_read(&notifiers_live), 0);
	r = test_insert(d, ro, 0, TASK_SIZE, true);
	expect_range(test, r, ro, SZ_64K);
	/* Asking for write access to a read-only VMA fails in HMM. */
	mutex_lock(&d->lock);
	KUNIT_EXPECT_EQ(test, drm_gpusvm_range_get_pages(&d->svm, r, &no_ctx),
			-EPERM);
	mutex_unlock(&d->lock);
	KUNIT_EXPECT_FALSE(test, test_valid(d, r));
	KUNIT_ASSERT_EQ(test, test_bind(d, r, true), 0);
	KUNIT_EXPECT_TRUE(test, r->pages.flags.read_only);
	test_check_pages(test, d, r, EXPECT_ZERO_PAGE, DMA_TO_DEVICE);

	/* Shared file pages written through a RW mapping, seen through a RO one. */
	file = shmem_file_setup("gpusvm-test", SZ_128K, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(file));
	rw = kunit_vm_mmap(test, file, 0, SZ_128K, PROT_READ | PROT_WRITE,
			   MAP_SHARED, 0);
	ros = kunit_vm_mmap(test, file, 0, SZ_128K, PROT_READ, MAP_SHARED, 0);
	fput(file);
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(rw) || !rw);
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(ros) || !ros);
	test_fill(test, rw, rw + SZ_128K);
	a = ALIGN(ros, SZ_64K);
	KUNIT_EXPECT_EQ(test, PTR_ERR(test_insert(d, a, 0, TASK_SIZE, false)),
			-EPERM);
	r = test_insert(d, a + SZ_4K, 0, TASK_SIZE, true);
	expect_range(test, r, a, SZ_64K);
	KUNIT_ASSERT_EQ(test, test_bind(d, r, true), 0);
	test_check_pages_delta(test, d, r, EXPECT_PATTERN, DMA_TO_DEVICE,
			       (long)(rw - ros));
	test_teardown_check(test);
}

/* munmap: invalidate, unmapped, get_pages -EFAULT, garbage collected. */
static void drm_gpusvm_test_invalidate_munmap(struct kunit *test)
{
	struct test_ctx *t = test->priv;
	struct test_dev *d = &t->d[0];
	unsigned long a = test_mmap(test, SZ_128K, PROT_READ | PROT_WRITE);
	struct drm_gpusvm_range *r;
	unsigned long b = ALIGN(a, SZ_64K);

	if (b + SZ_64K > a + SZ_128K)
		b = a;
	test_fill(test, a, a + SZ_128K);
	r = test_insert_any(d, b);
	KUNIT_ASSERT_FALSE(test, IS_ERR(r));
	KUNIT_ASSERT_EQ(test, test_bind(d, r, false), 0);

	KUNIT_ASSERT_EQ(test, vm_munmap(a, SZ_128K), 0);
	KUNIT_EXPECT_GE(test, d->invalidates, 1);
	KUNIT_EXPECT_EQ(test, d->last_event, MMU_NOTIFY_UNMAP);
	KUNIT_EXPECT_FALSE(test, to_trange(r)->bound);
	KUNIT_EXPECT_FALSE(test, test_valid(d, r));
	KUNIT_EXPECT_TRUE(test, r->flags.unmapped);
	KUNIT_EXPECT_FALSE(test, r->flags.partial_unmap);

	mutex_lock(&d->lock);
	KUNIT_EXPECT_EQ(test,
			drm_gpusvm_range_get_pages(&d->svm, r, &no_ctx),
			-EFAULT);
	KUNIT_EXPECT_EQ(test, drm_gpusvm_garbage_collect(&d->svm), 1);
	KUNIT_EXPECT_EQ(test, drm_gpusvm_garbage_collect(&d->svm), 0);
	mutex_unlock(&d->lock);
	KUNIT_EXPECT_EQ(test, atomic_read(&ranges_live), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&notifiers_live), 0);
	KUNIT_EXPECT_EQ(test, PTR_ERR(test_insert_any(d, b)), -ENOENT);
	test_teardown_check(test);
}

/* MADV_DONTNEED: pages invalid, range kept, get_pages faults new ones. */
static void drm_gpusvm_test_invalidate_zap(struct kunit *test)
{
	struct test_ctx *t = test->priv;
	struct test_dev *d = &t->d[0];
	unsigned long a = test_mmap_aligned(test, SZ_64K);
	struct drm_gpusvm_range *r;
	int before;

	test_fill(test, a, a + SZ_64K);
	r = test_insert_any(d, a);
	KUNIT_ASSERT_FALSE(test, IS_ERR(r));
	KUNIT_ASSERT_EQ(test, test_bind(d, r, false), 0);
	test_check_pages(test, d, r, EXPECT_PATTERN, DMA_BIDIRECTIONAL);

	before = d->invalidates;
	test_zap(test, a + SZ_4K, SZ_4K);
	KUNIT_EXPECT_EQ(test, d->invalidates, before + 1);
	KUNIT_EXPECT_EQ(test, d->last_event, MMU_NOTIFY_CLEAR);
	KUNIT_EXPECT_FALSE(test, to_trange(r)->bound);
	KUNIT_EXPECT_FALSE(test, test_valid(d, r));
	KUNIT_EXPECT_FALSE(test, r->flags.unmapped);

	/* A zap of nothing the device holds still calls the driver. */
	test_zap(test, a, SZ_64K);
	KUNIT_EXPECT_EQ(test, d->invalidates, before + 2);

	/* Faulted again: all pages fresh zero pages. */
	KUNIT_ASSERT_EQ(test, test_bind(d, r, false), 0);
	test_check_pages(test, d, r, EXPECT_ZERO, DMA_BIDIRECTIONAL);
	mutex_lock(&d->lock);
	KUNIT_EXPECT_EQ(test, drm_gpusvm_garbage_collect(&d->svm), 0);
	mutex_unlock(&d->lock);
	test_teardown_check(test);
}

/*
 * Upstream's contract: every blockable invalidation reaches the driver,
 * even where no range holds pages; an munmap of such a range too, and the
 * driver marks it.
 */
static void drm_gpusvm_test_invalidate_no_pages(struct kunit *test)
{
	struct test_ctx *t = test->priv;
	struct test_dev *d = &t->d[0];
	unsigned long a = test_mmap_aligned(test, SZ_64K);
	struct drm_gpusvm_range *r;

	test_fill(test, a, a + SZ_64K);
	r = test_insert_any(d, a);
	expect_range(test, r, a, SZ_64K);
	KUNIT_EXPECT_FALSE(test, test_valid(d, r));

	test_zap(test, a, SZ_4K);
	KUNIT_EXPECT_EQ(test, d->invalidates, 1);
	KUNIT_EXPECT_EQ(test, d->last_event, MMU_NOTIFY_CLEAR);

	KUNIT_ASSERT_EQ(test, vm_munmap(a, SZ_64K), 0);
	KUNIT_EXPECT_EQ(test, d->invalidates, 2);
	KUNIT_EXPECT_EQ(test, d->last_event, MMU_NOTIFY_UNMAP);
	KUNIT_EXPECT_TRUE(test, r->flags.unmapped);
	mutex_lock(&d->lock);
	KUNIT_EXPECT_EQ(test, drm_gpusvm_garbage_collect(&d->svm), 1);
	mutex_unlock(&d->lock);
	test_teardown_check(test);
}

/*
 * Run the interval notifier of @r's notifier as the MMU notifier core would
 * for [@r's start, end), blockable or not. The sequence handed over is the
 * notifier's current one, so that a real invalidation later is unaffected.
 */
static bool test_run_notifier(struct drm_gpusvm_range *r, bool blockable)
{
	struct mmu_interval_notifier *mni = &r->notifier->notifier;
	struct mmu_notifier_range range;

	mmu_notifier_range_init(&range, MMU_NOTIFY_CLEAR,
				blockable ? MMU_NOTIFIER_RANGE_BLOCKABLE : 0,
				current->mm, drm_gpusvm_range_start(r),
				drm_gpusvm_range_end(r));
	return mni->ops->invalidate(mni, &range, READ_ONCE(mni->invalidate_seq));
}

/*
 * A non-blockable invalidation (the OOM reaper's) must not call the
 * driver, which may sleep: it returns false and changes nothing, and the
 * core retries it blockable or gives up on the mm.
 */
static void drm_gpusvm_test_invalidate_nonblock(struct kunit *test)
{
	struct test_ctx *t = test->priv;
	struct test_dev *d = &t->d[0];
	unsigned long a = test_mmap_aligned(test, SZ_64K);
	struct drm_gpusvm_range *r;

	test_fill(test, a, a + SZ_64K);
	r = test_insert_any(d, a);
	KUNIT_ASSERT_FALSE(test, IS_ERR(r));
	KUNIT_ASSERT_EQ(test, test_bind(d, r, false), 0);

	/* Unlocked notifier lock: no trylock excuse, still refused. */
	KUNIT_EXPECT_FALSE(test, test_run_notifier(r, false));
	KUNIT_EXPECT_EQ(test, d->invalidates, 0);
	KUNIT_EXPECT_TRUE(test, to_trange(r)->bound);
	KUNIT_EXPECT_TRUE(test, test_valid(d, r));

	/* With the lock held by a reader too. */
	drm_gpusvm_notifier_lock(&d->svm);
	KUNIT_EXPECT_FALSE(test, test_run_notifier(r, false));
	drm_gpusvm_notifier_unlock(&d->svm);
	KUNIT_EXPECT_EQ(test, d->invalidates, 0);
	KUNIT_EXPECT_TRUE(test, test_valid(d, r));

	/* The same invalidation, blockable: the driver zaps. */
	KUNIT_EXPECT_TRUE(test, test_run_notifier(r, true));
	KUNIT_EXPECT_EQ(test, d->invalidates, 1);
	KUNIT_EXPECT_FALSE(test, to_trange(r)->bound);
	KUNIT_EXPECT_FALSE(test, test_valid(d, r));

	/* And the range is usable again. */
	KUNIT_ASSERT_EQ(test, test_bind(d, r, false), 0);
	test_check_pages(test, d, r, EXPECT_PATTERN, DMA_BIDIRECTIONAL);
	test_teardown_check(test);
}

/*
 * The driver unmaps the pages, drm_gpusvm does not: a callback that leaves
 * them mapped finds them still valid after the invalidation, until it
 * unmaps them itself.
 */
static void drm_gpusvm_test_invalidate_driver_unmaps(struct kunit *test)
{
	struct test_ctx *t = test->priv;
	struct test_dev *d = &t->d[0];
	unsigned long a = test_mmap_aligned(test, SZ_64K);
	struct drm_gpusvm_range *r;

	test_fill(test, a, a + SZ_64K);
	r = test_insert_any(d, a);
	KUNIT_ASSERT_FALSE(test, IS_ERR(r));
	KUNIT_ASSERT_EQ(test, test_bind(d, r, false), 0);

	d->keep_pages = true;
	KUNIT_EXPECT_TRUE(test, test_run_notifier(r, true));
	KUNIT_EXPECT_EQ(test, d->invalidates, 1);
	KUNIT_EXPECT_FALSE(test, to_trange(r)->bound);
	KUNIT_EXPECT_TRUE(test, test_valid(d, r));

	mutex_lock(&d->lock);
	drm_gpusvm_range_unmap_pages(&d->svm, r, &no_ctx);
	mutex_unlock(&d->lock);
	KUNIT_EXPECT_FALSE(test, test_valid(d, r));

	/* The callback that unmaps: the pages are invalid when it returns. */
	d->keep_pages = false;
	KUNIT_ASSERT_EQ(test, test_bind(d, r, false), 0);
	KUNIT_EXPECT_TRUE(test, test_run_notifier(r, true));
	KUNIT_EXPECT_FALSE(test, test_valid(d, r));
	KUNIT_ASSERT_EQ(test, test_bind(d, r, false), 0);
	test_check_pages(test, d, r, EXPECT_PATTERN, DMA_BIDIRECTIONAL);
	test_teardown_check(test);
}

/*
 * Write-protection of the CPU PTEs (what mprotect(PROT_READ) does to them;
 * mprotect itself cannot be called from a module): folio_mkclean() on a
 * shared file page. The device's writable mapping must go; get_pages then
 * faults write access back in.
 */
static void drm_gpusvm_test_invalidate_wrprotect(struct kunit *test)
{
	struct test_ctx *t = test->priv;
	struct test_dev *d = &t->d[0];
	struct drm_gpusvm_range *r;
	unsigned long rw, x;
	struct folio *folio;
	struct page *page;
	struct file *file;
	int cleaned;

	file = shmem_file_setup("gpusvm-test", SZ_128K, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(file));
	rw = kunit_vm_mmap(test, file, 0, SZ_128K, PROT_READ | PROT_WRITE,
			   MAP_SHARED, 0);
	fput(file);
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(rw) || !rw);
	test_fill(test, rw, rw + SZ_128K);
	x = ALIGN(rw, SZ_64K);
	r = test_insert(d, x, x, x + SZ_4K, false);
	expect_range(test, r, x, SZ_4K);
	KUNIT_ASSERT_EQ(test, test_bind(d, r, false), 0);

	KUNIT_ASSERT_EQ(test, get_user_pages_fast(x, 1, 0, &page), 1);
	folio = page_folio(page);
	folio_lock(folio);
	cleaned = folio_mkclean(folio);
	folio_mark_dirty(folio);
	folio_unlock(folio);
	put_page(page);
	KUNIT_EXPECT_GE(test, cleaned, 1);

	KUNIT_EXPECT_EQ(test, d->invalidates, 1);
	KUNIT_EXPECT_EQ(test, d->last_event, MMU_NOTIFY_PROTECTION_PAGE);
	KUNIT_EXPECT_FALSE(test, to_trange(r)->bound);
	KUNIT_EXPECT_FALSE(test, test_valid(d, r));
	KUNIT_EXPECT_FALSE(test, r->flags.unmapped);

	KUNIT_ASSERT_EQ(test, test_bind(d, r, false), 0);
	KUNIT_EXPECT_FALSE(test, r->pages.flags.read_only);
	test_check_pages(test, d, r, EXPECT_PATTERN, DMA_BIDIRECTIONAL);
	test_teardown_check(test);
}

/* A new mapping over the range (MAP_FIXED) is an unmap. */
static void drm_gpusvm_test_invalidate_remap(struct kunit *test)
{
	struct test_ctx *t = test->priv;
	struct test_dev *d = &t->d[0];
	unsigned long a = test_mmap_aligned(test, SZ_64K);
	struct drm_gpusvm_range *r, *r2;
	unsigned long m;

	r = test_insert_any(d, a);
	KUNIT_ASSERT_FALSE(test, IS_ERR(r));
	KUNIT_ASSERT_EQ(test, test_bind(d, r, false), 0);
	m = vm_mmap(NULL, a, SZ_64K, PROT_READ | PROT_WRITE,
		    MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, 0);
	KUNIT_ASSERT_EQ(test, m, a);
	KUNIT_EXPECT_FALSE(test, test_valid(d, r));
	KUNIT_EXPECT_TRUE(test, r->flags.unmapped);
	KUNIT_EXPECT_FALSE(test, to_trange(r)->bound);

	/* find_or_insert returns the unmapped range as it is, ... */
	test_fill(test, a, a + SZ_64K);
	drm_gpusvm_range_get(r);
	KUNIT_EXPECT_PTR_EQ(test, test_insert_any(d, a), r);
	mutex_lock(&d->lock);
	KUNIT_EXPECT_EQ(test, drm_gpusvm_range_get_pages(&d->svm, r, &no_ctx),
			-EFAULT);
	/* ... and after the garbage collector, a range for the new VMA. */
	KUNIT_EXPECT_EQ(test, drm_gpusvm_garbage_collect(&d->svm), 1);
	mutex_unlock(&d->lock);
	drm_gpusvm_range_put(r);
	r2 = test_insert_any(d, a);
	KUNIT_ASSERT_FALSE(test, IS_ERR(r2));
	KUNIT_EXPECT_EQ(test, atomic_read(&ranges_live), 1);
	KUNIT_EXPECT_FALSE(test, r2->flags.unmapped);
	KUNIT_ASSERT_EQ(test, test_bind(d, r2, false), 0);
	test_check_pages(test, d, r2, EXPECT_PATTERN, DMA_BIDIRECTIONAL);
	test_teardown_check(test);
}

/* Partial munmap: only the hit range goes, the rest stays valid. */
static void drm_gpusvm_test_partial_unmap(struct kunit *test)
{
	struct test_ctx *t = test->priv;
	struct test_dev *d = &t->d[0];
	unsigned long base = test_mmap(test, SZ_512K, PROT_READ | PROT_WRITE);
	unsigned long a = ALIGN(base, SZ_64K);
	struct drm_gpusvm_range *r0, *r1, *r;

	test_fill(test, a, a + SZ_128K);
	r0 = test_insert_any(d, a);
	expect_range(test, r0, a, SZ_64K);
	r1 = test_insert_any(d, a + SZ_64K);
	expect_range(test, r1, a + SZ_64K, SZ_64K);
	KUNIT_ASSERT_EQ(test, test_bind(d, r0, false), 0);
	KUNIT_ASSERT_EQ(test, test_bind(d, r1, false), 0);

	/* Unmap 4K in the middle of r1. */
	KUNIT_ASSERT_EQ(test, vm_munmap(a + SZ_64K + SZ_16K, SZ_4K), 0);
	KUNIT_EXPECT_TRUE(test, r1->flags.unmapped);
	KUNIT_EXPECT_TRUE(test, r1->flags.partial_unmap);
	KUNIT_EXPECT_FALSE(test, test_valid(d, r1));
	KUNIT_EXPECT_FALSE(test, to_trange(r1)->bound);
	KUNIT_EXPECT_FALSE(test, r0->flags.unmapped);
	KUNIT_EXPECT_TRUE(test, test_valid(d, r0));
	KUNIT_EXPECT_TRUE(test, to_trange(r0)->bound);

	mutex_lock(&d->lock);
	KUNIT_EXPECT_EQ(test, drm_gpusvm_garbage_collect(&d->svm), 1);
	mutex_unlock(&d->lock);
	KUNIT_EXPECT_EQ(test, atomic_read(&ranges_live), 1);
	test_check_pages(test, d, r0, EXPECT_PATTERN, DMA_BIDIRECTIONAL);

	/* What is left of r1 gets ranges fitted to the split VMAs. */
	r = test_insert_any(d, a + SZ_64K + SZ_4K);
	expect_range(test, r, a + SZ_64K + SZ_4K, SZ_4K);
	r = test_insert_any(d, a + SZ_64K + SZ_16K + SZ_4K);
	expect_range(test, r, a + SZ_64K + SZ_16K + SZ_4K, SZ_4K);
	KUNIT_ASSERT_EQ(test, test_bind(d, r, false), 0);
	test_check_pages(test, d, r, EXPECT_PATTERN, DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(test_insert_any(d, a + SZ_64K + SZ_16K)),
			-ENOENT);
	test_teardown_check(test);
}

/*
 * find_or_insert collects no garbage: on an address still mapped in a
 * range a partial munmap marked, it returns that range, still in the tree,
 * whose get_pages fails; the garbage collector then lets a new one fit.
 */
static void drm_gpusvm_test_find_unmapped(struct kunit *test)
{
	struct test_ctx *t = test->priv;
	struct test_dev *d = &t->d[0];
	unsigned long a = test_mmap_aligned(test, SZ_64K);
	struct drm_gpusvm_range *r, *r2;

	test_fill(test, a, a + SZ_64K);
	r = test_insert_any(d, a);
	expect_range(test, r, a, SZ_64K);
	KUNIT_ASSERT_EQ(test, test_bind(d, r, false), 0);
	KUNIT_ASSERT_EQ(test, vm_munmap(a + SZ_16K, SZ_4K), 0);
	KUNIT_EXPECT_TRUE(test, r->flags.unmapped);
	KUNIT_EXPECT_TRUE(test, r->flags.partial_unmap);

	/* A reference, so that the range outlives a removal behind our back. */
	drm_gpusvm_range_get(r);
	r2 = test_insert_any(d, a + SZ_4K);
	KUNIT_EXPECT_PTR_EQ(test, r2, r);
	KUNIT_EXPECT_EQ(test, atomic_read(&ranges_live), 1);
	mutex_lock(&d->lock);
	KUNIT_EXPECT_TRUE(test, drm_gpusvm_has_mapping(&d->svm, a, a + 1));
	KUNIT_EXPECT_EQ(test, drm_gpusvm_range_get_pages(&d->svm, r, &no_ctx),
			-EFAULT);
	KUNIT_EXPECT_EQ(test, drm_gpusvm_garbage_collect(&d->svm), 1);
	mutex_unlock(&d->lock);
	drm_gpusvm_range_put(r);
	KUNIT_EXPECT_EQ(test, atomic_read(&ranges_live), 0);

	r2 = test_insert_any(d, a + SZ_4K);
	expect_range(test, r2, a + SZ_4K, SZ_4K);
	KUNIT_ASSERT_EQ(test, test_bind(d, r2, false), 0);
	test_check_pages(test, d, r2, EXPECT_PATTERN, DMA_BIDIRECTIONAL);
	test_teardown_check(test);
}

/*
 * drm_gpusvm_range_remove() leaves the pages to the driver: a range it
 * removed while a reference holds it keeps them; the last reference
 * unmaps them before &drm_gpusvm_ops.range_free.
 */
static void drm_gpusvm_test_remove_keeps_pages(struct kunit *test)
{
	struct test_ctx *t = test->priv;
	struct test_dev *d = &t->d[0];
	unsigned long a = test_mmap_aligned(test, SZ_64K);
	struct drm_gpusvm_range *r;

	test_fill(test, a, a + SZ_64K);
	r = test_insert_any(d, a);
	KUNIT_ASSERT_FALSE(test, IS_ERR(r));
	KUNIT_ASSERT_EQ(test, test_bind(d, r, false), 0);

	mutex_lock(&d->lock);
	drm_gpusvm_range_get(r);
	drm_gpusvm_range_remove(&d->svm, r);
	KUNIT_EXPECT_NULL(test, drm_gpusvm_notifier_find(&d->svm, a, a + 1));
	mutex_unlock(&d->lock);
	KUNIT_EXPECT_EQ(test, atomic_read(&notifiers_live), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&ranges_live), 1);
	KUNIT_EXPECT_TRUE(test, test_valid(d, r));

	drm_gpusvm_range_put(r);
	KUNIT_EXPECT_EQ(test, atomic_read(&ranges_live), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&ranges_freed_mapped), 0);

	/* Removed without another reference: freed at once, unmapped. */
	r = test_insert_any(d, a);
	KUNIT_ASSERT_FALSE(test, IS_ERR(r));
	KUNIT_ASSERT_EQ(test, test_bind(d, r, false), 0);
	mutex_lock(&d->lock);
	drm_gpusvm_range_remove(&d->svm, r);
	mutex_unlock(&d->lock);
	KUNIT_EXPECT_EQ(test, atomic_read(&ranges_live), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&ranges_freed_mapped), 0);
	test_teardown_check(test);
}

/*
 * Upstream's walks and helpers: VMA lookup, notifier and range walks with
 * and without a starting point, removal while walking, set_unmapped.
 */
static void drm_gpusvm_test_walks(struct kunit *test)
{
	struct test_ctx *t = test->priv;
	struct test_dev *d = &t->d[0];
	unsigned long base = test_mmap(test, 8 * SZ_1M, PROT_READ | PROT_WRITE);
	unsigned long R = ALIGN(base, SZ_2M);
	struct drm_gpusvm_notifier *n, *nnext;
	struct drm_gpusvm_range *r, *r1, *rnext;
	struct mmu_notifier_range mmu_range = {};
	int count;

	/* The first VMA of an interval; none below mmap_min_addr. */
	KUNIT_EXPECT_EQ(test, drm_gpusvm_find_vma_start(&d->svm, R, R + 1),
			base);
	KUNIT_ASSERT_EQ(test, vm_munmap(R, SZ_64K), 0);
	KUNIT_EXPECT_EQ(test, drm_gpusvm_find_vma_start(&d->svm, R, R + SZ_1M),
			R + SZ_64K);
	KUNIT_EXPECT_EQ(test, drm_gpusvm_find_vma_start(&d->svm, 0, PAGE_SIZE),
			ULONG_MAX);

	/* Three 64K ranges in the R notifier, one 2M range in R + 2M's. */
	r1 = test_insert_any(d, R + SZ_64K);
	expect_range(test, r1, R + SZ_64K, SZ_64K);
	expect_range(test, test_insert_any(d, R + SZ_128K), R + SZ_128K, SZ_64K);
	expect_range(test, test_insert_any(d, R + SZ_256K), R + SZ_256K, SZ_64K);
	expect_range(test, test_insert_any(d, R + SZ_2M), R + SZ_2M, SZ_2M);

	mutex_lock(&d->lock);
	n = drm_gpusvm_notifier_find(&d->svm, R - SZ_2M, R + SZ_4M);
	KUNIT_ASSERT_NOT_NULL(test, n);
	KUNIT_EXPECT_EQ(test, drm_gpusvm_notifier_start(n), R);
	KUNIT_EXPECT_EQ(test, drm_gpusvm_notifier_size(n), SZ_2M);
	KUNIT_EXPECT_NULL(test, drm_gpusvm_notifier_find(&d->svm, R + SZ_4M,
							 R + 8 * SZ_1M));

	count = 0;
	drm_gpusvm_for_each_notifier(n, &d->svm, R + SZ_1M, R + SZ_2M + 1)
		count++;
	KUNIT_EXPECT_EQ(test, count, 2);
	count = 0;
	drm_gpusvm_for_each_notifier(n, &d->svm, R + SZ_2M, R + SZ_4M)
		count++;
	KUNIT_EXPECT_EQ(test, count, 1);

	/* From the first range overlapping the interval, or from r1. */
	n = drm_gpusvm_notifier_find(&d->svm, R, R + 1);
	r = NULL;
	count = 0;
	drm_gpusvm_for_each_range(r, n, R + SZ_128K + 1, R + SZ_2M)
		count++;
	KUNIT_EXPECT_EQ(test, count, 2);
	r = r1;
	count = 0;
	drm_gpusvm_for_each_range(r, n, R, R + SZ_256K)
		count++;
	KUNIT_EXPECT_EQ(test, count, 2);
	KUNIT_EXPECT_PTR_EQ(test, __drm_gpusvm_range_next(r1),
			    drm_gpusvm_range_find(n, R + SZ_128K,
						  R + SZ_128K + 1));
	KUNIT_EXPECT_NULL(test, __drm_gpusvm_range_next(NULL));
	KUNIT_EXPECT_NULL(test, __drm_gpusvm_notifier_next(NULL));
	mutex_unlock(&d->lock);

	/* set_unmapped: partial, queued for the garbage collector. */
	mmu_range.start = R + SZ_64K;
	mmu_range.end = R + SZ_64K + SZ_4K;
	mmu_range.event = MMU_NOTIFY_UNMAP;
	down_write(&d->svm.notifier_lock);
	drm_gpusvm_range_set_unmapped(r1, &r1->pages, 1, &mmu_range);
	up_write(&d->svm.notifier_lock);
	KUNIT_EXPECT_TRUE(test, r1->flags.unmapped);
	KUNIT_EXPECT_TRUE(test, r1->flags.partial_unmap);
	mutex_lock(&d->lock);
	KUNIT_EXPECT_EQ(test, drm_gpusvm_garbage_collect(&d->svm), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&ranges_live), 3);

	/* Removal while walking: the ranges of R's notifier, then all. */
	n = drm_gpusvm_notifier_find(&d->svm, R, R + 1);
	drm_gpusvm_for_each_range_safe(r, rnext, n, R, R + SZ_2M)
		drm_gpusvm_range_remove(&d->svm, r);
	KUNIT_EXPECT_EQ(test, atomic_read(&ranges_live), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&notifiers_live), 1);
	drm_gpusvm_for_each_notifier_safe(n, nnext, &d->svm, 0, ULONG_MAX)
		drm_gpusvm_for_each_range_safe(r, rnext, n,
					       drm_gpusvm_notifier_start(n),
					       drm_gpusvm_notifier_end(n))
			drm_gpusvm_range_remove(&d->svm, r);
	KUNIT_EXPECT_FALSE(test, drm_gpusvm_has_mapping(&d->svm, 0, ULONG_MAX));
	mutex_unlock(&d->lock);
	test_teardown_check(test);
}

/* Two instances on one mm are invalidated together. */
static void drm_gpusvm_test_two_instances(struct kunit *test)
{
	struct test_ctx *t = test->priv;
	struct test_dev *d0 = &t->d[0], *d1 = &t->d[1];
	unsigned long a = test_mmap(test, SZ_128K, PROT_READ | PROT_WRITE);
	unsigned long b = ALIGN(a, SZ_64K);
	struct drm_gpusvm_range *r0, *r1;

	if (b + SZ_64K > a + SZ_128K)
		b = a;
	test_fill(test, a, a + SZ_128K);
	/* Different range sizes on each device over the same pages. */
	r0 = test_insert_any(d0, b);
	r1 = test_insert(d1, b + SZ_4K, b + SZ_4K, b + SZ_8K, false);
	expect_range(test, r1, b + SZ_4K, SZ_4K);
	KUNIT_ASSERT_FALSE(test, IS_ERR(r0));
	KUNIT_ASSERT_EQ(test, test_bind(d0, r0, false), 0);
	KUNIT_ASSERT_EQ(test, test_bind(d1, r1, false), 0);
	test_check_pages(test, d0, r0, EXPECT_PATTERN, DMA_BIDIRECTIONAL);
	test_check_pages(test, d1, r1, EXPECT_PATTERN, DMA_BIDIRECTIONAL);

	/* One zap drops both devices' mappings before it returns. */
	test_zap(test, b + SZ_4K, SZ_4K);
	KUNIT_EXPECT_EQ(test, d0->invalidates, 1);
	KUNIT_EXPECT_EQ(test, d1->invalidates, 1);
	KUNIT_EXPECT_FALSE(test, to_trange(r0)->bound);
	KUNIT_EXPECT_FALSE(test, to_trange(r1)->bound);
	KUNIT_EXPECT_FALSE(test, test_valid(d0, r0));
	KUNIT_EXPECT_FALSE(test, test_valid(d1, r1));

	/* Both fault the new page in: the same one, with the new data. */
	test_fill(test, b + SZ_4K, b + SZ_8K);
	KUNIT_ASSERT_EQ(test, test_bind(d1, r1, false), 0);
	KUNIT_ASSERT_EQ(test, test_bind(d0, r0, false), 0);
	test_check_pages(test, d0, r0, EXPECT_PATTERN, DMA_BIDIRECTIONAL);
	test_check_pages(test, d1, r1, EXPECT_PATTERN, DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_EQ(test, dma_to_phys(d1->drm.dev, r1->pages.dma_addr[0].addr),
			dma_to_phys(d0->drm.dev, r0->pages.dma_addr[1].addr));

	/* An unmap marks both; each collects its own garbage. */
	KUNIT_ASSERT_EQ(test, vm_munmap(b, SZ_64K), 0);
	KUNIT_EXPECT_TRUE(test, r0->flags.unmapped);
	KUNIT_EXPECT_TRUE(test, r1->flags.unmapped);
	KUNIT_EXPECT_FALSE(test, to_trange(r0)->bound);
	KUNIT_EXPECT_FALSE(test, to_trange(r1)->bound);
	mutex_lock(&d1->lock);
	KUNIT_EXPECT_EQ(test, drm_gpusvm_garbage_collect(&d1->svm), 1);
	mutex_unlock(&d1->lock);
	KUNIT_EXPECT_EQ(test, atomic_read(&ranges_live), 1);
	test_teardown_check(test);
}

struct test_writer {
	struct mm_struct *mm;
	unsigned long addr;
	atomic64_t cur;		/* the value being written to the page */
	bool stop;
	struct completion done;
};

/* CPU side: drop the page, then write a new value (faulting a new page). */
static int test_writer_fn(void *arg)
{
	struct test_writer *w = arg;
	u64 v = 1;

	kthread_use_mm(w->mm);
	while (!READ_ONCE(w->stop)) {
		struct vm_area_struct *vma;

		mmap_read_lock(w->mm);
		vma = vma_lookup(w->mm, w->addr);
		if (vma)
			zap_page_range_single(vma, w->addr, PAGE_SIZE, NULL);
		mmap_read_unlock(w->mm);
		atomic64_set(&w->cur, ++v);
		if (copy_to_user((void __user *)w->addr, &v, sizeof(v)))
			break;
		cond_resched();
	}
	kthread_unuse_mm(w->mm);
	complete(&w->done);
	return 0;
}

/*
 * Race get_pages of two instances against a CPU thread that keeps
 * replacing the page: whenever an instance sees its pages valid under its
 * notifier lock, the page must be the one the CPU maps now (holding 0 or the
 * value being written), never the previous one.
 */
static void drm_gpusvm_test_two_instances_race(struct kunit *test)
{
	struct test_ctx *t = test->priv;
	unsigned long a = test_mmap(test, SZ_4K, PROT_READ | PROT_WRITE);
	struct drm_gpusvm_range *r[2];
	struct test_writer w = { .mm = current->mm, .addr = a };
	struct task_struct *task;
	unsigned long deadline = jiffies + msecs_to_jiffies(1500);
	int i, checks = 0, stale = 0;

	for (i = 0; i < 2; i++) {
		r[i] = test_insert(&t->d[i], a, a, a + SZ_4K, false);
		expect_range(test, r[i], a, SZ_4K);
	}
	init_completion(&w.done);
	mmgrab(w.mm);
	task = kthread_run(test_writer_fn, &w, "gpusvm-writer");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));

	while (time_before(jiffies, deadline)) {
		for (i = 0; i < 2; i++) {
			struct test_dev *d = &t->d[i];
			int err;

			mutex_lock(&d->lock);
			err = drm_gpusvm_range_get_pages(&d->svm, r[i],
							 &no_ctx);
			if (!err) {
				drm_gpusvm_notifier_lock(&d->svm);
				if (drm_gpusvm_range_pages_valid(&d->svm,
								 r[i])) {
					u64 c = test_read_phys(dma_to_phys(d->drm.dev,
						r[i]->pages.dma_addr[0].addr));
					u64 cur = atomic64_read(&w.cur);

					checks++;
					if (c && c != cur)
						stale++;
				}
				drm_gpusvm_notifier_unlock(&d->svm);
			}
			mutex_unlock(&d->lock);
			KUNIT_EXPECT_TRUE(test, !err || err == -EBUSY);
		}
		cond_resched();
	}
	WRITE_ONCE(w.stop, true);
	wait_for_completion(&w.done);
	mmdrop(w.mm);

	kunit_info(test, "%d checks, %d invalidations\n", checks,
		   t->d[0].invalidates + t->d[1].invalidates);
	KUNIT_EXPECT_GT(test, checks, 0);
	KUNIT_EXPECT_EQ(test, stale, 0);
	test_teardown_check(test);
}

/* Scan and evict on system memory. */
static void drm_gpusvm_test_scan_evict(struct kunit *test)
{
	struct test_ctx *t = test->priv;
	struct test_dev *d = &t->d[0];
	unsigned long base = test_mmap(test, SZ_128K, PROT_READ | PROT_WRITE);
	unsigned long a = ALIGN(base, SZ_64K);
	struct drm_gpusvm_scan_counts counts;
	struct drm_gpusvm_range *r;

	if (a + SZ_64K > base + SZ_128K)
		a = base;
	r = test_insert_any(d, a);
	KUNIT_ASSERT_FALSE(test, IS_ERR(r));
	KUNIT_EXPECT_EQ(test, drm_gpusvm_scan_mm(r, &test_owner, NULL),
			DRM_GPUSVM_SCAN_UNPOPULATED);
	/* Any page missing: unpopulated, as upstream's. */
	test_fill(test, a, a + SZ_8K);
	KUNIT_EXPECT_EQ(test, drm_gpusvm_scan_mm(r, &test_owner, NULL),
			DRM_GPUSVM_SCAN_UNPOPULATED);
	/* The counts tell the present pages apart. */
	KUNIT_EXPECT_EQ(test, drm_gpusvm_scan_mm_counts(r, &test_owner, NULL,
							&counts), 0);
	KUNIT_EXPECT_EQ(test, counts.none, (SZ_64K - SZ_8K) / PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, counts.system, SZ_8K / PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, counts.equal + counts.other, 0);
	test_fill(test, a + SZ_8K, a + SZ_64K - SZ_4K);
	KUNIT_EXPECT_EQ(test, drm_gpusvm_scan_mm(r, &test_owner, NULL),
			DRM_GPUSVM_SCAN_UNPOPULATED);
	test_fill(test, a, a + SZ_64K);
	KUNIT_EXPECT_EQ(test, drm_gpusvm_scan_mm(r, &test_owner, NULL),
			DRM_GPUSVM_SCAN_SYSTEM);
	/* Scanning faults nothing in and invalidates nothing. */
	KUNIT_EXPECT_EQ(test, d->invalidates, 0);

	KUNIT_ASSERT_EQ(test, test_bind(d, r, false), 0);
	mutex_lock(&d->lock);
	KUNIT_EXPECT_EQ(test, drm_gpusvm_range_evict(&d->svm, r), 0);
	mutex_unlock(&d->lock);
	/* Nothing to migrate: the system pages stay valid and in place. */
	KUNIT_EXPECT_TRUE(test, test_valid(d, r));
	test_check_pages(test, d, r, EXPECT_PATTERN, DMA_BIDIRECTIONAL);
	test_teardown_check(test);
}

/*
 * A minimal device-private pagemap, standing for the VRAM of a device of
 * another (or the same) owner group. Each device page keeps its data in a
 * system "backing" page (zone_device_data); migrate_to_ram copies it back.
 * It is a plain dev_pagemap, not a drm_pagemap: get_pages must only ever
 * see its pages through HMM as pages to migrate, never map them.
 */
#define TPM_PAGES 512

struct test_pagemap {
	struct dev_pagemap pgmap;
	struct resource *res;
	unsigned long base_pfn;
	spinlock_t lock;	/* protects used */
	DECLARE_BITMAP(used, TPM_PAGES);
	atomic_t to_ram;	/* migrate_to_ram calls */
};

static struct test_pagemap *to_tpm(struct dev_pagemap *pgmap)
{
	return container_of(pgmap, struct test_pagemap, pgmap);
}

static void tpm_page_free(struct page *page)
{
	struct test_pagemap *tpm = to_tpm(page->pgmap);

	__free_page(page->zone_device_data);
	page->zone_device_data = NULL;
	spin_lock(&tpm->lock);
	clear_bit(page_to_pfn(page) - tpm->base_pfn, tpm->used);
	spin_unlock(&tpm->lock);
}

static struct page *tpm_alloc(struct test_pagemap *tpm)
{
	struct page *backing = alloc_page(GFP_KERNEL | __GFP_ZERO);
	struct page *page;
	unsigned long i;

	if (!backing)
		return NULL;
	spin_lock(&tpm->lock);
	i = find_first_zero_bit(tpm->used, TPM_PAGES);
	if (i < TPM_PAGES)
		set_bit(i, tpm->used);
	spin_unlock(&tpm->lock);
	if (i >= TPM_PAGES) {
		__free_page(backing);
		return NULL;
	}
	page = pfn_to_page(tpm->base_pfn + i);
	page->zone_device_data = backing;
	zone_device_page_init(page);
	return page;
}

static vm_fault_t tpm_migrate_to_ram(struct vm_fault *vmf)
{
	struct test_pagemap *tpm = to_tpm(vmf->page->pgmap);
	unsigned long src = 0, dst = 0;
	struct migrate_vma args = {
		.vma = vmf->vma,
		.start = ALIGN_DOWN(vmf->address, PAGE_SIZE),
		.end = ALIGN_DOWN(vmf->address, PAGE_SIZE) + PAGE_SIZE,
		.src = &src,
		.dst = &dst,
		.pgmap_owner = tpm->pgmap.owner,
		.flags = MIGRATE_VMA_SELECT_DEVICE_PRIVATE,
		.fault_page = vmf->page,
	};
	struct page *spage, *dpage;

	atomic_inc(&tpm->to_ram);
	if (migrate_vma_setup(&args))
		return VM_FAULT_SIGBUS;
	spage = migrate_pfn_to_page(src);
	if (spage && (src & MIGRATE_PFN_MIGRATE)) {
		dpage = alloc_page(GFP_HIGHUSER);
		if (dpage) {
			lock_page(dpage);
			copy_highpage(dpage, spage->zone_device_data);
			dst = migrate_pfn(page_to_pfn(dpage));
		}
	}
	migrate_vma_pages(&args);
	migrate_vma_finalize(&args);
	return dst ? 0 : VM_FAULT_SIGBUS;
}

static const struct dev_pagemap_ops tpm_ops = {
	.page_free = tpm_page_free,
	.migrate_to_ram = tpm_migrate_to_ram,
};

static void tpm_destroy(void *data)
{
	struct test_pagemap *tpm = data;

	memunmap_pages(&tpm->pgmap);
	release_mem_region(tpm->pgmap.range.start, range_len(&tpm->pgmap.range));
	kfree(tpm);
}

static struct test_pagemap *tpm_create(struct kunit *test, void *owner)
{
	struct test_pagemap *tpm = kzalloc(sizeof(*tpm), GFP_KERNEL);
	void *addr;

	KUNIT_ASSERT_NOT_NULL(test, tpm);
	tpm->res = request_free_mem_region(&iomem_resource,
					   TPM_PAGES * PAGE_SIZE,
					   "drm-gpusvm-test");
	if (IS_ERR(tpm->res)) {
		kfree(tpm);
		KUNIT_FAIL_AND_ABORT(test, "no free mem region");
	}
	tpm->pgmap.type = MEMORY_DEVICE_PRIVATE;
	tpm->pgmap.range.start = tpm->res->start;
	tpm->pgmap.range.end = tpm->res->end;
	tpm->pgmap.nr_range = 1;
	tpm->pgmap.ops = &tpm_ops;
	tpm->pgmap.owner = owner;
	spin_lock_init(&tpm->lock);
	addr = memremap_pages(&tpm->pgmap, numa_node_id());
	if (IS_ERR(addr)) {
		release_mem_region(tpm->res->start, resource_size(tpm->res));
		kfree(tpm);
		KUNIT_FAIL_AND_ABORT(test, "memremap_pages: %ld", PTR_ERR(addr));
	}
	tpm->base_pfn = PHYS_PFN(tpm->res->start);
	/* Runs after the test's mm (and so every device page) is gone. */
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, tpm_destroy, tpm),
			0);
	return tpm;
}

/* Migrate [start, end) of the test's mm into @tpm (system pages only). */
static unsigned long tpm_migrate(struct kunit *test, struct test_pagemap *tpm,
				 unsigned long start, unsigned long end)
{
	unsigned long npages = (end - start) >> PAGE_SHIFT;
	unsigned long *src = kunit_kcalloc(test, npages, sizeof(*src),
					   GFP_KERNEL);
	unsigned long *dst = kunit_kcalloc(test, npages, sizeof(*dst),
					   GFP_KERNEL);
	struct mm_struct *mm = current->mm;
	struct migrate_vma args = {
		.start = start,
		.end = end,
		.src = src,
		.dst = dst,
		.pgmap_owner = tpm->pgmap.owner,
		.flags = MIGRATE_VMA_SELECT_SYSTEM,
	};
	unsigned long i, moved = 0;
	int err;

	KUNIT_ASSERT_NOT_NULL(test, src);
	KUNIT_ASSERT_NOT_NULL(test, dst);
	mmap_read_lock(mm);
	args.vma = vma_lookup(mm, start);
	err = args.vma ? migrate_vma_setup(&args) : -ENOENT;
	if (!err) {
		for (i = 0; i < npages; i++) {
			struct page *spage = migrate_pfn_to_page(src[i]);
			struct page *dpage;

			if (!(src[i] & MIGRATE_PFN_MIGRATE))
				continue;
			dpage = tpm_alloc(tpm);
			if (!dpage)
				continue;
			if (spage)
				copy_highpage(dpage->zone_device_data, spage);
			dst[i] = migrate_pfn(page_to_pfn(dpage)) |
				MIGRATE_PFN_WRITE;
		}
		migrate_vma_pages(&args);
		for (i = 0; i < npages; i++)
			if (src[i] & MIGRATE_PFN_MIGRATE)
				moved++;
		migrate_vma_finalize(&args);
	}
	mmap_read_unlock(mm);
	KUNIT_ASSERT_EQ(test, err, 0);
	return moved;
}

static int test_other_owner;

/*
 * Device pages of another owner group: invisible to this device's scan,
 * migrated back to system memory by HMM in get_pages, data intact; moving
 * the pages into device memory invalidates the device's mapping.
 */
static void drm_gpusvm_test_devmem_other_owner(struct kunit *test)
{
	struct test_ctx *t = test->priv;
	struct test_dev *d = &t->d[0];
	struct test_pagemap *tpm = tpm_create(test, &test_other_owner);
	unsigned long a = test_mmap_aligned(test, SZ_64K);
	struct drm_gpusvm_range *r;

	test_fill(test, a, a + SZ_64K);
	r = test_insert_any(d, a);
	expect_range(test, r, a, SZ_64K);
	KUNIT_ASSERT_EQ(test, test_bind(d, r, false), 0);

	/* The migration replaces the pages: the device must let go. */
	KUNIT_ASSERT_EQ(test, tpm_migrate(test, tpm, a, a + SZ_64K),
			SZ_64K / PAGE_SIZE);
	KUNIT_EXPECT_GE(test, d->invalidates, 1);
	KUNIT_EXPECT_EQ(test, d->last_event, MMU_NOTIFY_MIGRATE);
	KUNIT_EXPECT_FALSE(test, to_trange(r)->bound);
	KUNIT_EXPECT_FALSE(test, test_valid(d, r));

	KUNIT_EXPECT_EQ(test, drm_gpusvm_scan_mm(r, &test_other_owner,
						 &tpm->pgmap),
			DRM_GPUSVM_SCAN_EQUAL);
	KUNIT_EXPECT_EQ(test, drm_gpusvm_scan_mm(r, &test_other_owner, NULL),
			DRM_GPUSVM_SCAN_OTHER);
	KUNIT_EXPECT_EQ(test, drm_gpusvm_scan_mm(r, &test_owner, NULL),
			DRM_GPUSVM_SCAN_UNPOPULATED);

	/* get_pages with this device's owner: HMM migrates them back. */
	KUNIT_ASSERT_EQ(test, test_bind(d, r, false), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&tpm->to_ram), SZ_64K / PAGE_SIZE);
	test_check_pages(test, d, r, EXPECT_PATTERN, DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_EQ(test, drm_gpusvm_scan_mm(r, &test_other_owner,
						 &tpm->pgmap),
			DRM_GPUSVM_SCAN_SYSTEM);
	test_teardown_check(test);
}

/* Evict: device pages of the device's own group go back to system memory. */
static void drm_gpusvm_test_devmem_evict(struct kunit *test)
{
	struct test_ctx *t = test->priv;
	struct test_dev *d = &t->d[0];
	struct test_pagemap *tpm = tpm_create(test, &test_owner);
	unsigned long a = test_mmap_aligned(test, SZ_64K);
	struct drm_gpusvm_range *r;

	test_fill(test, a, a + SZ_64K);
	r = test_insert_any(d, a);
	expect_range(test, r, a, SZ_64K);

	/* Second half in device memory: mixed. */
	KUNIT_ASSERT_EQ(test, tpm_migrate(test, tpm, a + SZ_32K, a + SZ_64K),
			SZ_32K / PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, drm_gpusvm_scan_mm(r, &test_owner, &tpm->pgmap),
			DRM_GPUSVM_SCAN_MIXED);
	/*
	 * HMM hands this device its own group's pages as they are; these are
	 * not drm_pagemap pages, so get_pages cannot map them: it refuses,
	 * after unmapping the system pages it had mapped, and moves nothing.
	 */
	KUNIT_EXPECT_EQ(test, test_bind(d, r, false), -EOPNOTSUPP);
	KUNIT_EXPECT_FALSE(test, test_valid(d, r));
	KUNIT_EXPECT_EQ(test, atomic_read(&tpm->to_ram), 0);
	KUNIT_ASSERT_EQ(test, tpm_migrate(test, tpm, a, a + SZ_32K),
			SZ_32K / PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, drm_gpusvm_scan_mm(r, &test_owner, &tpm->pgmap),
			DRM_GPUSVM_SCAN_EQUAL);
	KUNIT_EXPECT_EQ(test, drm_gpusvm_scan_mm(r, &test_owner, NULL),
			DRM_GPUSVM_SCAN_OTHER);

	mutex_lock(&d->lock);
	KUNIT_EXPECT_EQ(test, drm_gpusvm_range_evict(&d->svm, r), 0);
	mutex_unlock(&d->lock);
	KUNIT_EXPECT_EQ(test, atomic_read(&tpm->to_ram), SZ_64K / PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, drm_gpusvm_scan_mm(r, &test_owner, &tpm->pgmap),
			DRM_GPUSVM_SCAN_SYSTEM);
	/* All system now: devmem_only refuses. */
	mutex_lock(&d->lock);
	KUNIT_EXPECT_EQ(test, drm_gpusvm_range_get_pages(&d->svm, r,
							 &devmem_only_ctx),
			-EFAULT);
	mutex_unlock(&d->lock);
	KUNIT_EXPECT_FALSE(test, test_valid(d, r));
	KUNIT_ASSERT_EQ(test, test_bind(d, r, false), 0);
	test_check_pages(test, d, r, EXPECT_PATTERN, DMA_BIDIRECTIONAL);
	test_teardown_check(test);
}

/* Device pages with a hole: unpopulated, not mixed. */
static void drm_gpusvm_test_scan_hole(struct kunit *test)
{
	struct test_ctx *t = test->priv;
	struct test_dev *d = &t->d[0];
	struct test_pagemap *tpm = tpm_create(test, &test_owner);
	unsigned long a = test_mmap_aligned(test, SZ_64K);
	struct drm_gpusvm_scan_counts counts;
	struct drm_gpusvm_range *r;

	test_fill(test, a + SZ_32K, a + SZ_64K);
	r = test_insert_any(d, a);
	expect_range(test, r, a, SZ_64K);
	KUNIT_ASSERT_EQ(test, tpm_migrate(test, tpm, a + SZ_32K, a + SZ_64K),
			SZ_32K / PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, drm_gpusvm_scan_mm(r, &test_owner, &tpm->pgmap),
			DRM_GPUSVM_SCAN_UNPOPULATED);
	KUNIT_EXPECT_EQ(test, drm_gpusvm_scan_mm(r, &test_owner, NULL),
			DRM_GPUSVM_SCAN_UNPOPULATED);
	KUNIT_EXPECT_EQ(test, drm_gpusvm_scan_mm_counts(r, &test_owner,
							&tpm->pgmap, &counts),
			0);
	KUNIT_EXPECT_EQ(test, counts.none, SZ_32K / PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, counts.equal, SZ_32K / PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, counts.system + counts.other, 0);

	/* Filled: half system, half device, mixed. */
	test_fill(test, a, a + SZ_32K);
	KUNIT_EXPECT_EQ(test, drm_gpusvm_scan_mm(r, &test_owner, &tpm->pgmap),
			DRM_GPUSVM_SCAN_MIXED);
	test_teardown_check(test);
}

/*
 * Exclusive access taken by the device's own owner group needs no zap of
 * its mappings (the pages stay); another group's device must let go; the
 * CPU taking the page back invalidates both.
 */
static void drm_gpusvm_test_exclusive(struct kunit *test)
{
	struct test_ctx *t = test->priv;
	struct test_dev *d0 = &t->d[0], *d1 = &t->d[1];
	unsigned long a = test_mmap_aligned(test, SZ_64K);
	struct mm_struct *mm = current->mm;
	struct drm_gpusvm_range *r0, *r1;
	struct page *page = NULL;
	u64 v;
	int n;

	test_fill(test, a, a + SZ_64K);
	r0 = test_insert(d0, a, a, a + SZ_4K, false);
	r1 = test_insert(d1, a, a, a + SZ_4K, false);
	expect_range(test, r0, a, SZ_4K);
	expect_range(test, r1, a, SZ_4K);
	KUNIT_ASSERT_EQ(test, test_bind(d0, r0, false), 0);
	KUNIT_ASSERT_EQ(test, test_bind(d1, r1, false), 0);

	mmap_read_lock(mm);
	n = make_device_exclusive_range(mm, a, a + SZ_4K, &page, &test_owner);
	mmap_read_unlock(mm);
	KUNIT_ASSERT_EQ(test, n, 1);
	KUNIT_ASSERT_NOT_NULL(test, page);
	unlock_page(page);
	put_page(page);

	/* Called, and the driver leaves its own group's pages mapped. */
	KUNIT_EXPECT_EQ(test, d0->invalidates, 1);
	KUNIT_EXPECT_EQ(test, d0->zaps, 0);
	KUNIT_EXPECT_EQ(test, d0->last_event, MMU_NOTIFY_EXCLUSIVE);
	KUNIT_EXPECT_TRUE(test, test_valid(d0, r0));
	KUNIT_EXPECT_TRUE(test, to_trange(r0)->bound);
	KUNIT_EXPECT_EQ(test, d1->invalidates, 1);
	KUNIT_EXPECT_EQ(test, d1->last_event, MMU_NOTIFY_EXCLUSIVE);
	KUNIT_EXPECT_FALSE(test, test_valid(d1, r1));
	KUNIT_EXPECT_FALSE(test, to_trange(r1)->bound);

	/* A CPU access ends the exclusive access: the device lets go. */
	KUNIT_ASSERT_EQ(test, copy_from_user(&v, (void __user *)a, sizeof(v)),
			0);
	KUNIT_EXPECT_EQ(test, v, test_pattern(a));
	KUNIT_EXPECT_EQ(test, d0->invalidates, 2);
	KUNIT_EXPECT_EQ(test, d0->zaps, 1);
	KUNIT_EXPECT_FALSE(test, test_valid(d0, r0));
	KUNIT_EXPECT_FALSE(test, to_trange(r0)->bound);
	test_teardown_check(test);
}

static struct kunit_case drm_gpusvm_test_cases[] = {
	KUNIT_CASE(drm_gpusvm_test_init_args),
	KUNIT_CASE(drm_gpusvm_test_chunks),
	KUNIT_CASE(drm_gpusvm_test_pages_populated),
	KUNIT_CASE(drm_gpusvm_test_pages_unpopulated),
	KUNIT_CASE(drm_gpusvm_test_pages_2m),
	KUNIT_CASE(drm_gpusvm_test_pages_api),
	KUNIT_CASE(drm_gpusvm_test_check_pages),
	KUNIT_CASE(drm_gpusvm_test_no_dma_map),
	KUNIT_CASE(drm_gpusvm_test_read_only),
	KUNIT_CASE(drm_gpusvm_test_invalidate_munmap),
	KUNIT_CASE(drm_gpusvm_test_invalidate_zap),
	KUNIT_CASE(drm_gpusvm_test_invalidate_no_pages),
	KUNIT_CASE(drm_gpusvm_test_invalidate_driver_unmaps),
	KUNIT_CASE(drm_gpusvm_test_invalidate_nonblock),
	KUNIT_CASE(drm_gpusvm_test_invalidate_wrprotect),
	KUNIT_CASE(drm_gpusvm_test_invalidate_remap),
	KUNIT_CASE(drm_gpusvm_test_partial_unmap),
	KUNIT_CASE(drm_gpusvm_test_find_unmapped),
	KUNIT_CASE(drm_gpusvm_test_remove_keeps_pages),
	KUNIT_CASE(drm_gpusvm_test_walks),
	KUNIT_CASE(drm_gpusvm_test_two_instances),
	KUNIT_CASE(drm_gpusvm_test_exclusive),
	KUNIT_CASE_SLOW(drm_gpusvm_test_two_instances_race),
	KUNIT_CASE(drm_gpusvm_test_scan_evict),
	KUNIT_CASE(drm_gpusvm_test_devmem_other_owner),
	KUNIT_CASE(drm_gpusvm_test_devmem_evict),
	KUNIT_CASE(drm_gpusvm_test_scan_hole),
	{}
};

static struct kunit_suite drm_gpusvm_test_suite = {
	.name = "drm_gpusvm",
	.init = drm_gpusvm_test_init,
	.exit = drm_gpusvm_test_exit,
	.test_cases = drm_gpusvm_test_cases,
};

kunit_test_suite(drm_gpusvm_test_suite);

MODULE_DESCRIPTION("KUnit tests of drm_gpusvm");
MODULE_LICENSE("GPL");
