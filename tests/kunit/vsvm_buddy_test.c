// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite vsvm_buddy: the buddy allocator under the VRAM of vsvm, with
 * its slab allocations failing one after the other.
 *
 * Each case makes the same allocation again and again, the n-th slab
 * allocation of the test's task failing on the n-th try (the task's
 * fail_nth, as /proc/self/fail-nth sets it), n = 1, 2, ... until a try runs
 * through without reaching its n-th allocation. So every allocation of the
 * path fails once: each block split_block() allocates at each depth of the
 * tree, and the allocation of vsvm's own bookkeeping. After each failed try
 * the allocator must be whole again: nothing allocated, every split undone.
 *
 * failslab ignores allocations that may sleep unless its debugfs attribute
 * ignore-gfp-wait is N. Each case sets it to N and verbose to 0 (no stack
 * dump per failure) and puts both back when it ends; its probability is
 * left alone (0 unless someone set it), so nothing fails but what fail_nth
 * picks. The attributes are reached through a mount of debugfs of the
 * suite's own: built into the kernel (kunit.py), it runs before anything
 * mounted debugfs. A kernel without CONFIG_FAILSLAB skips the suite.
 */
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/list.h>
#include <linux/mman.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sizes.h>
#include <linux/uaccess.h>

#include <drm/drm_buddy.h>
#include <kunit/test.h>

#include <drm/drm_msvm_compat.h>

#include "vsvm_vram.h"

#define TEST_MM_SIZE		SZ_1M
/* Far more slab allocations than one buddy allocation makes. */
#define TEST_MAX_NTH		512

/**
 * struct buddy_fi_param - one way of allocating from the buddy allocator
 * @desc: the name of the case
 * @start: start of the allowed range
 * @end: end of the allowed range
 * @size: bytes to allocate
 * @min_block: the minimum block size
 * @flags: GPU_BUDDY_*_ALLOCATION flags
 * @min_failed: how many tries at least must fail: the calls that have no
 *	other way (a smaller order, a second pass) to go round a failed split
 */
struct buddy_fi_param {
	const char *desc;
	u64 start, end, size, min_block;
	unsigned long flags;
	unsigned int min_failed;
};

/*
 * On a free allocator each of these splits at least 6 times on its way down
 * from the 1 MiB root: 2 allocations each.
 */
#define TEST_MIN_INJECTED	12

static const struct buddy_fi_param buddy_fi_params[] = {
	{ "freetree-4k", 0, TEST_MM_SIZE, SZ_4K, SZ_4K, 0, 16 },
	{ "freetree-12k", 0, TEST_MM_SIZE, 3 * SZ_4K, SZ_4K, 0, 0 },
	{ "topdown-4k", 0, TEST_MM_SIZE, SZ_4K, SZ_4K,
	  GPU_BUDDY_TOPDOWN_ALLOCATION, 16 },
	{ "range-bias-4k", SZ_512K + SZ_64K, SZ_512K + SZ_128K, SZ_4K, SZ_4K,
	  GPU_BUDDY_RANGE_ALLOCATION, 0 },
	{ "exact-range-8k", SZ_256K + SZ_8K, SZ_256K + SZ_16K, SZ_8K, SZ_4K,
	  0, 14 },
	{ "contiguous-12k", 0, TEST_MM_SIZE, 3 * SZ_4K, SZ_4K,
	  GPU_BUDDY_CONTIGUOUS_ALLOCATION, 0 },
};

static void buddy_fi_param_desc(const struct buddy_fi_param *p, char *desc)
{
	strscpy(desc, p->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(buddy_fi, buddy_fi_params, buddy_fi_param_desc);

#ifdef CONFIG_FAILSLAB
/* Arm the fault: the @nth slab allocation of this task from now on fails. */
static void fi_arm(unsigned int nth)
{
	WRITE_ONCE(current->fail_nth, nth);
}

/*
 * Disarm it. Return how many allocations were still to come before the
 * failing one: 0 when the fault was injected.
 */
static unsigned int fi_disarm(void)
{
	unsigned int left = READ_ONCE(current->fail_nth);

	WRITE_ONCE(current->fail_nth, 0);
	return left;
}
#else
static void fi_arm(unsigned int nth)
{
}

static unsigned int fi_disarm(void)
{
	return 0;
}
#endif

#define FI_ATTR_LEN	16

/**
 * struct buddy_fi_ctx - what a case changed in failslab, to put it back
 * @debugfs: the case's own mount of debugfs
 * @ubuf: a page of user memory: debugfs attributes copy from and to user
 *	space only
 * @ignore_gfp_wait: the value ignore-gfp-wait had, "" if not changed
 * @verbose: the value verbose had, "" if not changed
 */
struct buddy_fi_ctx {
	struct vfsmount *debugfs;
	unsigned long ubuf;
	char ignore_gfp_wait[FI_ATTR_LEN];
	char verbose[FI_ATTR_LEN];
};

/*
 * Set failslab's attribute @name to @val; its value until then goes to
 * @old, without its newline.
 */
static int fi_attr_set(struct buddy_fi_ctx *ctx, const char *name,
		       const char *val, char *old)
{
	char __user *ubuf = (char __user *)ctx->ubuf;
	char path[64];
	struct file *file;
	size_t len = strlen(val);
	loff_t pos = 0;
	ssize_t n;

	snprintf(path, sizeof(path), "failslab/%s", name);
	file = file_open_root_mnt(ctx->debugfs, path, O_RDWR, 0);
	if (IS_ERR(file))
		return PTR_ERR(file);
	n = -EINVAL;
	if (!file->f_op->read || !file->f_op->write)
		goto out;
	n = file->f_op->read(file, ubuf, FI_ATTR_LEN - 1, &pos);
	if (n <= 0)
		goto out;
	if (copy_from_user(old, ubuf, n)) {
		n = -EFAULT;
		goto out;
	}
	old[n] = '\0';
	strim(old);
	if (copy_to_user(ubuf, val, len)) {
		n = -EFAULT;
		goto out;
	}
	pos = 0;
	n = file->f_op->write(file, ubuf, len, &pos);
	if (n >= 0)
		n = (size_t)n == len ? 0 : -EIO;
out:
	fput(file);
	return n;
}

static void fi_attr_restore(struct buddy_fi_ctx *ctx, const char *name,
			    char *old)
{
	char tmp[FI_ATTR_LEN];

	if (old[0])
		fi_attr_set(ctx, name, old, tmp);
	old[0] = '\0';
}

static void vsvm_buddy_test_exit(struct kunit *test)
{
	struct buddy_fi_ctx *ctx = test->priv;

	if (!ctx)
		return;
	fi_attr_restore(ctx, "verbose", ctx->verbose);
	fi_attr_restore(ctx, "ignore-gfp-wait", ctx->ignore_gfp_wait);
	kern_unmount(ctx->debugfs);
}

static int vsvm_buddy_test_init(struct kunit *test)
{
	struct file_system_type *type;
	struct buddy_fi_ctx *ctx;
	void *probe;
	int err;

	if (!IS_ENABLED(CONFIG_FAILSLAB) ||
	    !IS_ENABLED(CONFIG_FAULT_INJECTION_DEBUG_FS))
		kunit_skip(test, "needs CONFIG_FAILSLAB and CONFIG_FAULT_INJECTION_DEBUG_FS");

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->ubuf = kunit_vm_mmap(test, NULL, 0, PAGE_SIZE,
				  PROT_READ | PROT_WRITE,
				  MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_NE(test, ctx->ubuf, 0);

	type = get_fs_type("debugfs");
	KUNIT_ASSERT_NOT_NULL(test, type);
	ctx->debugfs = kern_mount(type);
	/* get_fs_type() pinned the module of the type; debugfs is built in. */
	module_put(type->owner);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ctx->debugfs);
	test->priv = ctx;

	err = fi_attr_set(ctx, "ignore-gfp-wait", "N", ctx->ignore_gfp_wait);
	KUNIT_ASSERT_EQ_MSG(test, err, 0, "failslab/ignore-gfp-wait: %d", err);
	err = fi_attr_set(ctx, "verbose", "0", ctx->verbose);
	KUNIT_ASSERT_EQ_MSG(test, err, 0, "failslab/verbose: %d", err);

	fi_arm(1);
	probe = kmalloc(64, GFP_KERNEL);
	fi_disarm();
	kfree(probe);
	KUNIT_ASSERT_NULL_MSG(test, probe,
			      "failslab does not fail GFP_KERNEL allocations");
	return 0;
}

/* The whole of @mm is free and merged: it allocates as its one root. */
static void expect_whole(struct kunit *test, struct gpu_buddy *mm)
{
	struct gpu_buddy_block *block;
	LIST_HEAD(blocks);
	int err;

	KUNIT_EXPECT_EQ(test, mm->avail, mm->size);
	err = gpu_buddy_alloc_blocks(mm, 0, mm->size, mm->size, mm->size,
				     &blocks, 0);
	KUNIT_ASSERT_EQ_MSG(test, err, 0, "a split was left behind");
	block = list_first_entry(&blocks, struct gpu_buddy_block, link);
	KUNIT_EXPECT_TRUE(test, list_is_singular(&blocks));
	KUNIT_EXPECT_EQ(test, gpu_buddy_block_offset(block), 0);
	KUNIT_EXPECT_EQ(test, gpu_buddy_block_order(block), mm->max_order);
	gpu_buddy_free_list(mm, &blocks, 0);
	KUNIT_EXPECT_EQ(test, mm->avail, mm->size);
}

/* @blocks add up to at least @p's size, inside its range. */
static void expect_blocks(struct kunit *test, struct gpu_buddy *mm,
			  struct list_head *blocks,
			  const struct buddy_fi_param *p)
{
	struct gpu_buddy_block *block;
	u64 total = 0;

	list_for_each_entry(block, blocks, link) {
		u64 start = gpu_buddy_block_offset(block);
		u64 size = gpu_buddy_block_size(mm, block);

		KUNIT_EXPECT_TRUE(test, gpu_buddy_block_is_allocated(block));
		KUNIT_EXPECT_GE(test, start, p->start);
		KUNIT_EXPECT_LE(test, start + size, p->end);
		total += size;
	}
	KUNIT_EXPECT_GE(test, total, p->size);
	KUNIT_EXPECT_EQ(test, mm->avail, mm->size - total);
}

/*
 * Allocate as @p says with the 1st, 2nd, ... slab allocation failing, on a
 * free 1 MiB allocator of 4 KiB chunks: every failure gives -ENOMEM or
 * -ENOSPC (gpu_buddy_alloc_blocks() reports a failed split as -ENOSPC once
 * it has tried the smaller orders) and leaves the allocator whole.
 */
static void buddy_fi_split_failure(struct kunit *test)
{
	const struct buddy_fi_param *p = test->param_value;
	unsigned int nth, injected = 0, failed = 0;
	struct gpu_buddy mm;
	bool done = false;

	KUNIT_ASSERT_EQ(test, gpu_buddy_init(&mm, TEST_MM_SIZE, SZ_4K), 0);

	for (nth = 1; nth <= TEST_MAX_NTH && !done; nth++) {
		LIST_HEAD(blocks);
		int err;

		fi_arm(nth);
		err = gpu_buddy_alloc_blocks(&mm, p->start, p->end, p->size,
					     p->min_block, &blocks, p->flags);
		done = fi_disarm() != 0;
		if (!done)
			injected++;

		if (err) {
			KUNIT_EXPECT_FALSE_MSG(test, done,
					       "failed with %d, nothing injected",
					       err);
			KUNIT_EXPECT_TRUE_MSG(test,
					      err == -ENOMEM || err == -ENOSPC,
					      "allocation %u failed: %d", nth,
					      err);
			KUNIT_EXPECT_TRUE(test, list_empty(&blocks));
			failed++;
		} else {
			expect_blocks(test, &mm, &blocks, p);
			gpu_buddy_free_list(&mm, &blocks, 0);
		}
		expect_whole(test, &mm);
	}
	KUNIT_EXPECT_TRUE_MSG(test, done, "still injecting after %u tries",
			      TEST_MAX_NTH);
	KUNIT_EXPECT_GE(test, injected, TEST_MIN_INJECTED);
	KUNIT_EXPECT_GE(test, failed, p->min_failed);
	kunit_info(test, "%u allocations failed, %u of them made the call fail\n",
		   injected, failed);
	gpu_buddy_fini(&mm);
}

/*
 * Allocations of @mm that leave blocks of both clear states behind, so that
 * an undone split may meet a free buddy of the other state.
 */
static void buddy_fi_mixed_clear(struct kunit *test)
{
	unsigned int nth, failed = 0;
	struct gpu_buddy mm;
	LIST_HEAD(clear);
	LIST_HEAD(dirty);
	bool done = false;

	KUNIT_ASSERT_EQ(test, gpu_buddy_init(&mm, TEST_MM_SIZE, SZ_4K), 0);
	KUNIT_ASSERT_EQ(test, gpu_buddy_alloc_blocks(&mm, 0, TEST_MM_SIZE,
						     SZ_64K, SZ_4K, &clear, 0),
			0);
	KUNIT_ASSERT_EQ(test, gpu_buddy_alloc_blocks(&mm, 0, TEST_MM_SIZE,
						     SZ_64K, SZ_4K, &dirty, 0),
			0);
	gpu_buddy_free_list(&mm, &clear, GPU_BUDDY_CLEARED);
	KUNIT_ASSERT_GT(test, mm.clear_avail, 0);

	for (nth = 1; nth <= TEST_MAX_NTH && !done; nth++) {
		unsigned long flags = nth & 1 ? GPU_BUDDY_CLEAR_ALLOCATION : 0;
		u64 avail = mm.avail;
		LIST_HEAD(blocks);
		int err;

		fi_arm(nth);
		err = gpu_buddy_alloc_blocks(&mm, 0, TEST_MM_SIZE, SZ_4K,
					     SZ_4K, &blocks, flags);
		done = fi_disarm() != 0;
		if (err) {
			KUNIT_EXPECT_TRUE(test,
					  err == -ENOMEM || err == -ENOSPC);
			failed++;
		}
		gpu_buddy_free_list(&mm, &blocks, 0);
		KUNIT_EXPECT_EQ(test, mm.avail, avail);
	}
	KUNIT_EXPECT_TRUE(test, done);
	KUNIT_EXPECT_GT(test, failed, 0);
	gpu_buddy_free_list(&mm, &dirty, 0);
	gpu_buddy_fini(&mm);
}

/*
 * vsvm_vram_alloc() with each of its slab allocations failing: -ENOMEM or
 * -ENOSPC, and the VRAM all free again.
 */
static void vram_alloc_failure(struct kunit *test)
{
	unsigned int nth, failed = 0;
	struct vsvm_vram vram;
	bool done = false;

	KUNIT_ASSERT_EQ(test, vsvm_vram_init_sysmem(&vram, SZ_4M), 0);
	for (nth = 1; nth <= TEST_MAX_NTH && !done; nth++) {
		struct vsvm_vram_alloc *alloc;

		fi_arm(nth);
		alloc = vsvm_vram_alloc(&vram, SZ_64K + SZ_4K, 0,
					nth & 1 ? VSVM_VRAM_ALLOC_TOPDOWN : 0);
		done = fi_disarm() != 0;
		if (IS_ERR(alloc)) {
			KUNIT_EXPECT_FALSE(test, done);
			KUNIT_EXPECT_TRUE(test, PTR_ERR(alloc) == -ENOMEM ||
					  PTR_ERR(alloc) == -ENOSPC);
			KUNIT_EXPECT_EQ(test, vsvm_vram_used(&vram), 0);
			failed++;
			continue;
		}
		KUNIT_EXPECT_EQ(test, alloc->size, SZ_64K + SZ_4K);
		KUNIT_EXPECT_EQ(test, vsvm_vram_used(&vram), SZ_64K + SZ_4K);
		vsvm_vram_free(alloc);
		KUNIT_EXPECT_EQ(test, vsvm_vram_used(&vram), 0);
	}
	KUNIT_EXPECT_TRUE(test, done);
	KUNIT_EXPECT_GT(test, failed, 0);
	KUNIT_EXPECT_EQ(test, vsvm_vram_avail(&vram), SZ_4M);
	vsvm_vram_fini(&vram);
}

static struct kunit_case vsvm_buddy_test_cases[] = {
	KUNIT_CASE_PARAM(buddy_fi_split_failure, buddy_fi_gen_params),
	KUNIT_CASE(buddy_fi_mixed_clear),
	KUNIT_CASE(vram_alloc_failure),
	{}
};

static struct kunit_suite vsvm_buddy_test_suite = {
	.name = "vsvm_buddy",
	.init = vsvm_buddy_test_init,
	.exit = vsvm_buddy_test_exit,
	.test_cases = vsvm_buddy_test_cases,
};

kunit_test_suite(vsvm_buddy_test_suite);

MODULE_DESCRIPTION("KUnit tests of the buddy allocator under allocation failures");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING");
