// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the vsvm VM: the GPU fault path on system memory of a real
 * mm (kunit_vm_mmap()) through drm_gpusvm into the VM's GPU page table, the
 * zap on invalidation, read-only memory, and the teardown of a VM with live
 * ranges. The device is fake: a KUnit device, DMA-direct, no IOMMU.
 */
#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/dma-direct.h>
#include <linux/dma-mapping.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/sched/mm.h>
#include <linux/sizes.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

#include <drm/drm_msvm_compat.h>
#include <drm/drm_file.h>

#include "vsvm_access.h"
#include "vsvm_drv.h"
#include "vsvm_vm.h"

MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING");

struct vm_test {
	struct vsvm_device *vdev;
	struct device *dev;
};

static int vm_test_init(struct kunit *test)
{
	struct vm_test *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	struct device *dev;

	KUNIT_ASSERT_NOT_NULL(test, t);
	t->vdev = kunit_kzalloc(test, sizeof(*t->vdev), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t->vdev);
	dev = kunit_device_register(test, "vsvm-vm-test");
	KUNIT_ASSERT_FALSE(test, IS_ERR(dev));
	dev->dma_mask = &dev->coherent_dma_mask;
	KUNIT_ASSERT_EQ(test, dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64)),
			0);
	t->dev = dev;
	t->vdev->drm.dev = dev;
	vsvm_device_vms_init(t->vdev);
	test->priv = t;
	return 0;
}

static unsigned long vm_test_mmap(struct kunit *test, unsigned long len,
				  unsigned long prot)
{
	unsigned long addr = kunit_vm_mmap(test, NULL, 0, len, prot,
					   MAP_PRIVATE | MAP_ANONYMOUS, 0);

	KUNIT_ASSERT_FALSE(test, !addr || IS_ERR_VALUE(addr));
	return addr;
}

/* Write a distinct word at the start of each page. */
static void vm_test_fill(struct kunit *test, unsigned long addr,
			 unsigned long len, u32 seed)
{
	unsigned long off;

	for (off = 0; off < len; off += PAGE_SIZE)
		KUNIT_ASSERT_EQ(test, put_user(seed + (u32)(off >> PAGE_SHIFT),
					       (u32 __user *)(addr + off)), 0);
}

/* The word at the start of the page the GPU sees through @da. */
static u32 vm_test_gpu_read(struct vm_test *t,
			    const struct drm_pagemap_addr *da)
{
	struct page *page = pfn_to_page(PHYS_PFN(dma_to_phys(t->dev,
							     da->addr)));
	u32 *p = kmap_local_page(page);
	u32 v = *p;

	kunmap_local(p);
	return v;
}

/* Count the pages of [addr, addr + len) mapped, checking their data. */
static unsigned long vm_test_check(struct kunit *test, struct vsvm_vm *vm,
				   unsigned long addr, unsigned long len,
				   u32 seed, bool want_writable)
{
	struct vm_test *t = test->priv;
	unsigned long off, mapped = 0;

	drm_gpusvm_notifier_lock(&vm->svm);
	for (off = 0; off < len; off += PAGE_SIZE) {
		struct drm_pagemap_addr da;
		bool writable;

		if (!vsvm_vm_pt_lookup(vm, addr + off, &da, &writable))
			continue;
		mapped++;
		KUNIT_EXPECT_EQ(test, (int)da.proto, DRM_INTERCONNECT_SYSTEM);
		KUNIT_EXPECT_EQ(test, writable, want_writable);
		KUNIT_EXPECT_EQ(test, vm_test_gpu_read(t, &da),
				seed + (u32)(off >> PAGE_SHIFT));
	}
	drm_gpusvm_notifier_unlock(&vm->svm);
	return mapped;
}

static int vm_test_fault(struct vsvm_vm *vm, unsigned long va, bool write)
{
	int err;

	mutex_lock(&vm->lock);
	err = vsvm_vm_fault(vm, va, write);
	mutex_unlock(&vm->lock);
	return err;
}

/* A read fault maps the whole range read-only with the CPU's data. */
static void vsvm_vm_test_fault_read(struct kunit *test)
{
	struct vm_test *t = test->priv;
	unsigned long addr = ALIGN(vm_test_mmap(test, SZ_128K,
						PROT_READ | PROT_WRITE),
				   SZ_64K);
	struct vsvm_vm *vm;

	vm_test_fill(test, addr, SZ_64K, 0x1000);
	vm = vsvm_vm_create(t->vdev);
	KUNIT_ASSERT_FALSE(test, IS_ERR(vm));
	KUNIT_EXPECT_EQ(test, t->vdev->nr_vms, 1u);

	/* Nothing is mapped before the first fault. */
	KUNIT_EXPECT_EQ(test, vm_test_check(test, vm, addr, SZ_64K, 0x1000,
					    false), 0ul);
	KUNIT_EXPECT_EQ(test, vm_test_fault(vm, addr + 3 * PAGE_SIZE, false),
			0);
	/* The range is the 64K chunk: every page of it is bound. */
	KUNIT_EXPECT_EQ(test, vm_test_check(test, vm, addr, SZ_64K, 0x1000,
					    false), SZ_64K >> PAGE_SHIFT);
	KUNIT_EXPECT_EQ(test, vsvm_vm_pt_count(vm), SZ_64K >> PAGE_SHIFT);

	/* A write fault rebinds it writable, same pages, same data. */
	KUNIT_EXPECT_EQ(test, vm_test_fault(vm, addr, true), 0);
	KUNIT_EXPECT_EQ(test, vm_test_check(test, vm, addr, SZ_64K, 0x1000,
					    true), SZ_64K >> PAGE_SHIFT);

	vsvm_vm_put(vm);
	KUNIT_EXPECT_EQ(test, t->vdev->nr_vms, 0u);
}

/* A CPU write invalidates: the GPU page table loses the range. */
static void vsvm_vm_test_invalidate(struct kunit *test)
{
	struct vm_test *t = test->priv;
	unsigned long addr = ALIGN(vm_test_mmap(test, SZ_128K,
						PROT_READ | PROT_WRITE),
				   SZ_64K);
	struct vsvm_vm *vm;

	vm_test_fill(test, addr, SZ_64K, 0x2000);
	vm = vsvm_vm_create(t->vdev);
	KUNIT_ASSERT_FALSE(test, IS_ERR(vm));
	KUNIT_ASSERT_EQ(test, vm_test_fault(vm, addr, true), 0);
	KUNIT_EXPECT_EQ(test, vsvm_vm_pt_count(vm), SZ_64K >> PAGE_SHIFT);

	/* Unmapping part of the range zaps all of it. */
	KUNIT_ASSERT_EQ(test, vm_munmap(addr, PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, vsvm_vm_pt_count(vm), 0ul);
	KUNIT_EXPECT_EQ(test, vm_test_fault(vm, addr, false), -ENOENT);

	/* The rest faults in again, as a new range fitted to the VMA. */
	KUNIT_EXPECT_EQ(test, vm_test_fault(vm, addr + PAGE_SIZE, true), 0);
	KUNIT_EXPECT_GT(test, vm_test_check(test, vm, addr + PAGE_SIZE,
					    SZ_64K - PAGE_SIZE, 0x2001, true),
			0ul);

	/* Unmapping everything leaves an empty table. */
	KUNIT_ASSERT_EQ(test, vm_munmap(addr, SZ_64K), 0);
	KUNIT_EXPECT_EQ(test, vsvm_vm_pt_count(vm), 0ul);
	vsvm_vm_put(vm);
}

/* Read-only memory: reads map read-only, writes fail with -EPERM. */
static void vsvm_vm_test_read_only(struct kunit *test)
{
	struct vm_test *t = test->priv;
	unsigned long addr = vm_test_mmap(test, 4 * PAGE_SIZE, PROT_READ);
	struct vsvm_vm *vm;

	vm = vsvm_vm_create(t->vdev);
	KUNIT_ASSERT_FALSE(test, IS_ERR(vm));
	KUNIT_EXPECT_EQ(test, vm_test_fault(vm, addr, true), -EPERM);
	KUNIT_EXPECT_EQ(test, vsvm_vm_pt_count(vm), 0ul);
	KUNIT_EXPECT_EQ(test, vm_test_fault(vm, addr, false), 0);
	/* Unwritten anonymous memory reads as zero. */
	KUNIT_EXPECT_EQ(test, vm_test_check(test, vm, addr, PAGE_SIZE, 0,
					    false), 1ul);
	vsvm_vm_put(vm);
}

/* Faults outside any mapping fail and leave the table empty. */
static void vsvm_vm_test_unmapped(struct kunit *test)
{
	struct vm_test *t = test->priv;
	unsigned long addr = vm_test_mmap(test, 2 * PAGE_SIZE,
					  PROT_READ | PROT_WRITE);
	struct vsvm_vm *vm;

	KUNIT_ASSERT_EQ(test, vm_munmap(addr, 2 * PAGE_SIZE), 0);
	vm = vsvm_vm_create(t->vdev);
	KUNIT_ASSERT_FALSE(test, IS_ERR(vm));
	KUNIT_EXPECT_EQ(test, vm_test_fault(vm, addr, false), -ENOENT);
	KUNIT_EXPECT_EQ(test, vsvm_vm_pt_count(vm), 0ul);
	vsvm_vm_put(vm);
}

/* Several VMs with live ranges are torn down, in any order. */
static void vsvm_vm_test_teardown(struct kunit *test)
{
	struct vm_test *t = test->priv;
	unsigned long addr = ALIGN(vm_test_mmap(test, SZ_4M,
						PROT_READ | PROT_WRITE),
				   SZ_2M);
	struct vsvm_vm *vm[3];
	int i;

	vm_test_fill(test, addr, SZ_2M, 0x3000);
	for (i = 0; i < ARRAY_SIZE(vm); i++) {
		vm[i] = vsvm_vm_create(t->vdev);
		KUNIT_ASSERT_FALSE(test, IS_ERR(vm[i]));
		KUNIT_ASSERT_EQ(test, vm_test_fault(vm[i], addr + SZ_1M, i & 1),
				0);
		/* A 2M range of 512 pages, all with the right data. */
		KUNIT_EXPECT_EQ(test, vm_test_check(test, vm[i], addr, SZ_2M,
						    0x3000, i & 1),
				SZ_2M >> PAGE_SHIFT);
	}
	KUNIT_EXPECT_EQ(test, t->vdev->nr_vms, 3u);
	vsvm_vm_put(vm[1]);
	vsvm_vm_put(vm[0]);
	/* The survivor still sees its pages. */
	KUNIT_EXPECT_EQ(test, vsvm_vm_pt_count(vm[2]), SZ_2M >> PAGE_SHIFT);
	vsvm_vm_put(vm[2]);
	KUNIT_EXPECT_EQ(test, t->vdev->nr_vms, 0u);
	KUNIT_EXPECT_TRUE(test, list_empty(&t->vdev->vm_list));
}

/* A CPU write after a GPU read of the zero page: the GPU sees new data. */
static void vsvm_vm_test_cow(struct kunit *test)
{
	struct vm_test *t = test->priv;
	unsigned long addr = vm_test_mmap(test, PAGE_SIZE,
					  PROT_READ | PROT_WRITE);
	struct vsvm_vm *vm;

	vm = vsvm_vm_create(t->vdev);
	KUNIT_ASSERT_FALSE(test, IS_ERR(vm));
	KUNIT_ASSERT_EQ(test, vm_test_fault(vm, addr, false), 0);
	KUNIT_EXPECT_EQ(test, vm_test_check(test, vm, addr, PAGE_SIZE, 0,
					    false), 1ul);

	/* The write replaces the page: the stale mapping must go. */
	vm_test_fill(test, addr, PAGE_SIZE, 0x4000);
	KUNIT_EXPECT_EQ(test, vsvm_vm_pt_count(vm), 0ul);
	KUNIT_ASSERT_EQ(test, vm_test_fault(vm, addr, false), 0);
	KUNIT_EXPECT_EQ(test, vm_test_check(test, vm, addr, PAGE_SIZE, 0x4000,
					    false), 1ul);
	vsvm_vm_put(vm);
}

/* A call from a worker: a context without the VM's mm. */
struct vm_test_foreign {
	struct work_struct work;
	struct vsvm_device *vdev;
	struct drm_file *file;
	u32 id;
	int destroy_err;
	int lookup_err;
	int fault_err;
	struct vsvm_vm *vm;
};

static void vm_test_foreign_fn(struct work_struct *work)
{
	struct vm_test_foreign *f =
		container_of(work, struct vm_test_foreign, work);
	struct drm_vsvm_vm_destroy args = { .vm_id = f->id };
	struct vsvm_vm *vm;

	f->destroy_err = vsvm_vm_destroy_ioctl(&f->vdev->drm, &args, f->file);
	vm = vsvm_vm_lookup(f->file, f->id);
	f->lookup_err = IS_ERR(vm) ? PTR_ERR(vm) : 0;
	if (!IS_ERR(vm))
		vsvm_vm_put(vm);
	mutex_lock(&f->vm->lock);
	f->fault_err = vsvm_vm_fault(f->vm, PAGE_SIZE, false);
	mutex_unlock(&f->vm->lock);
}

/* The file layer: ids, the limit, lookup, ownership and close. */
static void vsvm_vm_test_file(struct kunit *test)
{
	struct vm_test *t = test->priv;
	struct drm_file *file = kunit_kzalloc(test, sizeof(*file), GFP_KERNEL);
	struct vm_test_foreign *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	struct drm_vsvm_vm_create create = {};
	struct drm_vsvm_vm_destroy destroy = {};
	u32 ids[VSVM_VM_MAX_PER_FILE];
	struct vsvm_vm *vm;
	int i, j;

	KUNIT_ASSERT_NOT_NULL(test, file);
	KUNIT_ASSERT_NOT_NULL(test, f);
	vm_test_mmap(test, PAGE_SIZE, PROT_READ);	/* gives us an mm */
	KUNIT_ASSERT_EQ(test, vsvm_file_open(&t->vdev->drm, file), 0);

	create.flags = 1;
	KUNIT_EXPECT_EQ(test, vsvm_vm_create_ioctl(&t->vdev->drm, &create,
						   file), -EINVAL);
	create.flags = 0;
	create.reserved[1] = 1;
	KUNIT_EXPECT_EQ(test, vsvm_vm_create_ioctl(&t->vdev->drm, &create,
						   file), -EINVAL);
	create.reserved[1] = 0;
	KUNIT_EXPECT_EQ(test, t->vdev->nr_vms, 0u);

	for (i = 0; i < VSVM_VM_MAX_PER_FILE; i++) {
		KUNIT_ASSERT_EQ(test, vsvm_vm_create_ioctl(&t->vdev->drm,
							   &create, file), 0);
		ids[i] = create.vm_id;
		KUNIT_EXPECT_NE(test, ids[i], 0u);
		for (j = 0; j < i; j++)
			KUNIT_EXPECT_NE(test, ids[i], ids[j]);
	}
	create.vm_id = 0;
	KUNIT_EXPECT_EQ(test, vsvm_vm_create_ioctl(&t->vdev->drm, &create,
						   file), -ENOSPC);
	KUNIT_EXPECT_EQ(test, create.vm_id, 0u);
	KUNIT_EXPECT_EQ(test, t->vdev->nr_vms, (unsigned int)VSVM_VM_MAX_PER_FILE);

	/* Lookup takes a reference that outlives the destroy. */
	vm = vsvm_vm_lookup(file, ids[3]);
	KUNIT_ASSERT_FALSE(test, IS_ERR(vm));
	KUNIT_EXPECT_EQ(test, vm->id, ids[3]);
	KUNIT_EXPECT_PTR_EQ(test, vm->mm, current->mm);
	KUNIT_EXPECT_PTR_EQ(test, vsvm_vm_lookup(file, 0), ERR_PTR(-ENOENT));

	/* Another context (no mm): -EACCES everywhere, nothing changes. */
	f->vdev = t->vdev;
	f->file = file;
	f->id = ids[3];
	f->vm = vm;
	INIT_WORK_ONSTACK(&f->work, vm_test_foreign_fn);
	queue_work(system_unbound_wq, &f->work);
	flush_work(&f->work);
	destroy_work_on_stack(&f->work);
	KUNIT_EXPECT_EQ(test, f->destroy_err, -EACCES);
	KUNIT_EXPECT_EQ(test, f->lookup_err, -EACCES);
	KUNIT_EXPECT_EQ(test, f->fault_err, -EACCES);
	KUNIT_EXPECT_EQ(test, vsvm_vm_pt_count(vm), 0ul);

	destroy.vm_id = ids[3];
	destroy.pad = 1;
	KUNIT_EXPECT_EQ(test, vsvm_vm_destroy_ioctl(&t->vdev->drm, &destroy,
						    file), -EINVAL);
	destroy.pad = 0;
	KUNIT_EXPECT_EQ(test, t->vdev->nr_vms, (unsigned int)VSVM_VM_MAX_PER_FILE);
	KUNIT_EXPECT_EQ(test, vsvm_vm_destroy_ioctl(&t->vdev->drm, &destroy,
						    file), 0);
	KUNIT_EXPECT_EQ(test, vsvm_vm_destroy_ioctl(&t->vdev->drm, &destroy,
						    file), -ENOENT);
	KUNIT_EXPECT_PTR_EQ(test, vsvm_vm_lookup(file, ids[3]),
			    ERR_PTR(-ENOENT));
	/* Still alive through our reference, then gone. */
	KUNIT_EXPECT_EQ(test, t->vdev->nr_vms, (unsigned int)VSVM_VM_MAX_PER_FILE);
	vsvm_vm_put(vm);
	KUNIT_EXPECT_EQ(test, t->vdev->nr_vms,
			(unsigned int)VSVM_VM_MAX_PER_FILE - 1);

	/* A new id is not the one just freed. */
	KUNIT_ASSERT_EQ(test, vsvm_vm_create_ioctl(&t->vdev->drm, &create,
						   file), 0);
	KUNIT_EXPECT_NE(test, create.vm_id, ids[3]);

	/* Closing the file destroys every VM. */
	vsvm_file_postclose(&t->vdev->drm, file);
	KUNIT_EXPECT_EQ(test, t->vdev->nr_vms, 0u);
	KUNIT_EXPECT_TRUE(test, list_empty(&t->vdev->vm_list));
}

/*
 * Accesses the executor noted while the memory was mapped, flushed after
 * an munmap() of it came in (between the executor's notifier unlock and
 * its flush): they count for memory that is gone, and a new mapping at
 * the same address would inherit them. They are not counted.
 */
static void vsvm_vm_test_access_unmapped_batch(struct kunit *test)
{
	struct vm_test *t = test->priv;
	unsigned long addr = ALIGN(vm_test_mmap(test, SZ_128K,
						PROT_READ | PROT_WRITE),
				   SZ_64K);
	struct vsvm_access_batch b;
	struct vsvm_vm *vm;
	unsigned int i;

	vm_test_fill(test, addr, SZ_64K, 0x5000);
	vm = vsvm_vm_create(t->vdev);
	KUNIT_ASSERT_FALSE(test, IS_ERR(vm));
	/* A range, so that the munmap reaches the VM's callback. */
	KUNIT_ASSERT_EQ(test, vm_test_fault(vm, addr, false), 0);

	vsvm_access_begin(vm, &b);
	for (i = 0; i < 4; i++)
		vsvm_access_note(&b, addr + i * PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, vm_munmap(addr, SZ_64K), 0);

	mutex_lock(&vm->lock);
	vsvm_access_flush(vm, &b);
	KUNIT_EXPECT_EQ(test, vm->access.nr_blocks, 0ul);
	KUNIT_EXPECT_NULL(test, xa_load(&vm->access.counts,
					addr >> vm->access.shift));
	mutex_unlock(&vm->lock);
	vsvm_vm_put(vm);
}

static struct kunit_case vsvm_vm_test_cases[] = {
	KUNIT_CASE(vsvm_vm_test_fault_read),
	KUNIT_CASE(vsvm_vm_test_invalidate),
	KUNIT_CASE(vsvm_vm_test_read_only),
	KUNIT_CASE(vsvm_vm_test_unmapped),
	KUNIT_CASE(vsvm_vm_test_teardown),
	KUNIT_CASE(vsvm_vm_test_cow),
	KUNIT_CASE(vsvm_vm_test_file),
	KUNIT_CASE(vsvm_vm_test_access_unmapped_batch),
	{}
};

static struct kunit_suite vsvm_vm_test_suite = {
	.name = "vsvm_vm",
	.init = vm_test_init,
	.test_cases = vsvm_vm_test_cases,
};

kunit_test_suite(vsvm_vm_test_suite);

MODULE_DESCRIPTION("KUnit tests of the vsvm VM and its GPU fault path");
MODULE_LICENSE("GPL");
