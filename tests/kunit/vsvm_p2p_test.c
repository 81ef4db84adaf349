// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of vsvm peer access: three vsvm-like devices with
 * system-memory VRAM and a copy engine each, two of them (A and B) on one
 * test fabric, so in one owner group with their VRAM exported to each
 * other, the third (C) on none. Checks that A's device_map gives B an
 * address B's copy engine resolves to the right bytes of A's VRAM (both
 * ways), and nothing to C; that a migration from A's VRAM to B's goes
 * directly over the peer path (the path counters), copied by A's engine
 * (the source's copy_to_ram, as upstream), and keeps the data; and
 * that without a group the data goes through system memory instead.
 */
#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/dma-mapping.h>
#include <linux/hmm.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/mmu_notifier.h>
#include <linux/sched/mm.h>
#include <linux/uaccess.h>

#include <drm/drm_msvm_compat.h>
#include <drm/drm_pagemap.h>
#include <drm/drm_pagemap_p2p.h>
#include <drm/drm_pagemap_util.h>

#include "vsvm_copy.h"
#include "vsvm_pagemap.h"
#include "vsvm_vram.h"

MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING");

#define P2P_VRAM_PAGES	64
#define P2P_NPAGES	8
#define P2P_FABRIC	"vsvm-p2p-test"

/* One test device: VRAM, copy engine, pagemap side. */
struct p2p_dev {
	struct device *dev;
	struct vsvm_vram vram;
	struct vsvm_copy_engine engine;
	struct vsvm_pagemap_dev pd;
	bool engine_up;
	bool pd_up;
};

/* A and B share a fabric, C is alone. */
struct p2p_test {
	struct p2p_dev d[3];
};

enum { A, B, C };

static const struct vsvm_copy_engine_ops p2p_copy_ops = {
	.vram_va = vsvm_pagemap_vram_va,
};

static void p2p_dev_init(struct kunit *test, struct p2p_dev *d,
			 const char *name, const char *fabric)
{
	int err;

	d->dev = kunit_device_register(test, name);
	KUNIT_ASSERT_FALSE(test, IS_ERR(d->dev));
	d->dev->coherent_dma_mask = DMA_BIT_MASK(64);
	d->dev->dma_mask = &d->dev->coherent_dma_mask;
	err = vsvm_vram_init_sysmem(&d->vram, P2P_VRAM_PAGES * PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, err, 0);
	err = vsvm_copy_engine_init(&d->engine, d->dev, &p2p_copy_ops,
				    &d->vram);
	KUNIT_ASSERT_EQ(test, err, 0);
	d->engine_up = true;
	err = vsvm_pagemap_dev_init_fabric(&d->pd, NULL, d->dev, &d->vram,
					   &d->engine, fabric);
	KUNIT_ASSERT_EQ(test, err, 0);
	d->pd_up = true;
}

static void p2p_dev_fini(struct kunit *test, struct p2p_dev *d)
{
	if (d->pd_up)
		vsvm_pagemap_dev_fini(&d->pd);
	if (d->engine_up)
		vsvm_copy_engine_fini(&d->engine);
	if (d->vram.size) {
		KUNIT_EXPECT_EQ(test, vsvm_vram_used(&d->vram), 0);
		vsvm_vram_fini(&d->vram);
	}
}

static int p2p_test_init(struct kunit *test)
{
	struct p2p_test *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	test->priv = t;
	p2p_dev_init(test, &t->d[A], "vsvm-p2p-a", P2P_FABRIC);
	p2p_dev_init(test, &t->d[B], "vsvm-p2p-b", P2P_FABRIC);
	p2p_dev_init(test, &t->d[C], "vsvm-p2p-c", NULL);
	return 0;
}

static void p2p_test_exit(struct kunit *test)
{
	struct p2p_test *t = test->priv;
	int i;

	if (!t)
		return;
	for (i = C; i >= A; i--)
		p2p_dev_fini(test, &t->d[i]);
}

static bool p2p_invalidate(struct mmu_interval_notifier *mni,
			   const struct mmu_notifier_range *range,
			   unsigned long cur_seq)
{
	mmu_interval_set_seq(mni, cur_seq);
	return true;
}

static const struct mmu_interval_notifier_ops p2p_mni_ops = {
	.invalidate = p2p_invalidate,
};

/*
 * hmm_range_fault() of [@addr, + @npages) as a device of @owner sees it:
 * a snapshot, or with @fault a read fault of every page (which brings
 * device pages of other owners back to system memory).
 */
static void p2p_hmm(struct kunit *test, unsigned long addr,
		    unsigned long npages, void *owner, bool fault,
		    unsigned long *pfns)
{
	struct mm_struct *mm = current->mm;
	struct mmu_interval_notifier mni;
	struct hmm_range range = {
		.notifier = &mni,
		.start = addr,
		.end = addr + npages * PAGE_SIZE,
		.hmm_pfns = pfns,
		.default_flags = fault ? HMM_PFN_REQ_FAULT : 0,
		.dev_private_owner = owner,
	};
	int err;

	memset(pfns, 0, npages * sizeof(*pfns));
	err = mmu_interval_notifier_insert(&mni, mm, addr, npages * PAGE_SIZE,
					   &p2p_mni_ops);
	KUNIT_ASSERT_EQ(test, err, 0);
	do {
		range.notifier_seq = mmu_interval_read_begin(&mni);
		mmap_read_lock(mm);
		err = hmm_range_fault(&range);
		mmap_read_unlock(mm);
	} while (err == -EBUSY);
	mmu_interval_notifier_remove(&mni);
	KUNIT_ASSERT_EQ(test, err, 0);
}

static u32 p2p_pattern(unsigned long page, unsigned long word, u32 seed)
{
	return seed ^ (page << 22) ^ (word * 2246822519u);
}

static bool p2p_check(const u32 *mem, unsigned long p, u32 seed)
{
	unsigned long w;

	for (w = 0; w < PAGE_SIZE / sizeof(u32); w++)
		if (mem[w] != p2p_pattern(p, w, seed))
			return false;
	return true;
}

/* @npages anonymous pages holding the pattern of @seed. */
static unsigned long p2p_map(struct kunit *test, unsigned long npages, u32 seed)
{
	u32 *buf = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
	unsigned long addr, p, w;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	addr = kunit_vm_mmap(test, NULL, 0, npages * PAGE_SIZE,
			     PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			     0);
	KUNIT_ASSERT_NE(test, addr, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(addr));
	for (p = 0; p < npages; p++) {
		for (w = 0; w < PAGE_SIZE / sizeof(u32); w++)
			buf[w] = p2p_pattern(p, w, seed);
		KUNIT_ASSERT_EQ(test,
				copy_to_user((void __user *)addr + p * PAGE_SIZE,
					     buf, PAGE_SIZE), 0);
	}
	return addr;
}

/*
 * The number of pages of [@addr, + @npages) that are device pages of
 * @d's pagemap @dp holding the pattern in @d's VRAM. @owner is the owner
 * the snapshot is taken as (@d's).
 */
static unsigned long p2p_in_vram(struct kunit *test, struct p2p_dev *d,
				 struct drm_pagemap *dp, unsigned long addr,
				 unsigned long npages, u32 seed)
{
	unsigned long *pfns = kunit_kcalloc(test, npages, sizeof(*pfns),
					    GFP_KERNEL);
	struct vsvm_pagemap *vpm = to_vsvm_pagemap(dp);
	unsigned long p, n = 0;

	KUNIT_ASSERT_NOT_NULL(test, pfns);
	p2p_hmm(test, addr, npages, d->pd.peer.owner, false, pfns);
	for (p = 0; p < npages; p++) {
		struct page *page;
		u64 offset;

		if (!(pfns[p] & HMM_PFN_VALID))
			continue;
		page = hmm_pfn_to_page(pfns[p]);
		if (!is_device_private_page(page) || page->pgmap != &vpm->pgmap)
			continue;
		offset = (u64)(page_to_pfn(page) - vpm->pfn_first) << PAGE_SHIFT;
		KUNIT_ASSERT_LT(test, offset, d->vram.size);
		KUNIT_EXPECT_TRUE_MSG(test,
				      p2p_check(vsvm_vram_vaddr(&d->vram, offset),
						p, seed),
				      "VRAM data of page %lu", p);
		n++;
	}
	return n;
}

/* The CPU reads the pattern back (faulting device pages to RAM). */
static void p2p_expect_user(struct kunit *test, unsigned long addr,
			    unsigned long npages, u32 seed)
{
	u32 *buf = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
	unsigned long p;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	for (p = 0; p < npages; p++) {
		KUNIT_ASSERT_EQ(test,
				copy_from_user(buf,
					       (void __user *)addr + p * PAGE_SIZE,
					       PAGE_SIZE), 0);
		KUNIT_EXPECT_TRUE_MSG(test, p2p_check(buf, p, seed),
				      "user data of page %lu", p);
	}
}

static s64 p2p_ctr(atomic64_t *c)
{
	return atomic64_read(c);
}

/* The fabric puts A and B in one group and exports their VRAM; not C. */
static void p2p_test_groups(struct kunit *test)
{
	struct p2p_test *t = test->priv;
	struct vsvm_pagemap_dev *a = &t->d[A].pd, *b = &t->d[B].pd;
	struct vsvm_pagemap_dev *c = &t->d[C].pd;
	struct drm_pagemap_link l;

	KUNIT_ASSERT_NOT_NULL(test, a->peer.owner);
	KUNIT_EXPECT_PTR_EQ(test, a->peer.owner, b->peer.owner);
	KUNIT_EXPECT_PTR_NE(test, a->peer.owner, c->peer.owner);

	KUNIT_EXPECT_EQ(test, a->p2p_size, t->d[A].vram.size);
	KUNIT_EXPECT_EQ(test, b->p2p_size, t->d[B].vram.size);
	KUNIT_EXPECT_EQ(test, c->p2p_size, 0);
	/* disjoint apertures */
	KUNIT_EXPECT_TRUE(test,
			  a->p2p_base + a->p2p_size <= b->p2p_base ||
			  b->p2p_base + b->p2p_size <= a->p2p_base);

	l = vsvm_pagemap_link(a, a);
	KUNIT_EXPECT_EQ(test, l.type, DRM_PAGEMAP_LINK_LOCAL);
	KUNIT_EXPECT_EQ(test, l.distance, 0);
	l = vsvm_pagemap_link(a, b);
	KUNIT_EXPECT_EQ(test, l.type, DRM_PAGEMAP_LINK_FABRIC);
	KUNIT_EXPECT_EQ(test, l.distance, 1);
	l = vsvm_pagemap_link(b, a);
	KUNIT_EXPECT_EQ(test, l.type, DRM_PAGEMAP_LINK_FABRIC);
	l = vsvm_pagemap_link(a, c);
	KUNIT_EXPECT_EQ(test, l.type, DRM_PAGEMAP_LINK_NONE);
	KUNIT_EXPECT_EQ(test, l.distance, -1);
	l = vsvm_pagemap_link(c, b);
	KUNIT_EXPECT_EQ(test, l.type, DRM_PAGEMAP_LINK_NONE);
}

/*
 * A's device_map gives B a P2P address that B's engine resolves to the
 * page in A's VRAM, for reading and for writing; C gets none.
 */
static void p2p_test_device_map(struct kunit *test)
{
	struct p2p_test *t = test->priv;
	struct p2p_dev *a = &t->d[A], *b = &t->d[B];
	unsigned long addr = p2p_map(test, P2P_NPAGES, 0x1234);
	unsigned long end = addr + P2P_NPAGES * PAGE_SIZE;
	unsigned long *pfns = kunit_kcalloc(test, P2P_NPAGES, sizeof(*pfns),
					    GFP_KERNEL);
	struct drm_pagemap_addr da, local;
	struct vsvm_pagemap *vpm;
	struct drm_pagemap *dp;
	struct vsvm_copy copy;
	struct page *page;
	u64 offset;
	u8 *bvram;
	u32 *avram;

	KUNIT_ASSERT_NOT_NULL(test, pfns);
	dp = vsvm_pagemap_get(&a->pd);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dp));
	vpm = to_vsvm_pagemap(dp);
	KUNIT_ASSERT_EQ(test, drm_pagemap_populate_mm(dp, addr, end,
						      current->mm, 0), 0);

	/* page 3 of the range, in A's VRAM */
	p2p_hmm(test, addr, P2P_NPAGES, a->pd.peer.owner, false, pfns);
	KUNIT_ASSERT_TRUE(test, pfns[3] & HMM_PFN_VALID);
	page = hmm_pfn_to_page(pfns[3]);
	KUNIT_ASSERT_TRUE(test, is_device_private_page(page));
	KUNIT_ASSERT_PTR_EQ(test, page->pgmap, &vpm->pgmap);
	offset = (u64)(page_to_pfn(page) - vpm->pfn_first) << PAGE_SHIFT;

	local = dp->ops->device_map(dp, a->dev, page, 0, DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_EQ(test, (int)local.proto, DRM_INTERCONNECT_DRIVER);
	KUNIT_EXPECT_EQ(test, local.addr, offset);
	dp->ops->device_unmap(dp, a->dev, &local);

	da = dp->ops->device_map(dp, b->dev, page, 0, DMA_BIDIRECTIONAL);
	KUNIT_ASSERT_NE(test, da.addr, DMA_MAPPING_ERROR);
	KUNIT_EXPECT_EQ(test, (int)da.proto, DRM_INTERCONNECT_P2P);
	KUNIT_EXPECT_EQ(test, da.addr, a->pd.p2p_base + offset);
	KUNIT_EXPECT_EQ(test, (int)da.dir, DMA_BIDIRECTIONAL);

	/* B's engine reads the page from A's VRAM into B's VRAM page 7 */
	bvram = vsvm_vram_vaddr(&b->vram, 7 * PAGE_SIZE);
	memset(bvram, 0, PAGE_SIZE);
	copy.src = da;
	copy.dst = drm_pagemap_addr_encode(7 * PAGE_SIZE,
					   DRM_INTERCONNECT_DRIVER, 0,
					   DMA_BIDIRECTIONAL);
	copy.len = PAGE_SIZE;
	KUNIT_EXPECT_EQ(test, vsvm_copy_sync(&b->engine, &copy, 1), 0);
	KUNIT_EXPECT_TRUE(test, p2p_check((u32 *)bvram, 3, 0x1234));

	/* and writes into it: B's page 7, changed, back over page 3 of A */
	((u32 *)bvram)[0] ^= 0xffffffff;
	copy.src = copy.dst;
	copy.dst = da;
	KUNIT_EXPECT_EQ(test, vsvm_copy_sync(&b->engine, &copy, 1), 0);
	avram = vsvm_vram_vaddr(&a->vram, offset);
	KUNIT_EXPECT_EQ(test, avram[0], p2p_pattern(3, 0, 0x1234) ^ 0xffffffff);
	KUNIT_EXPECT_EQ(test, avram[1], p2p_pattern(3, 1, 0x1234));
	dp->ops->device_unmap(dp, b->dev, &da);

	/* C, of another group, and an unknown device get no address */
	da = dp->ops->device_map(dp, t->d[C].dev, page, 0, DMA_TO_DEVICE);
	KUNIT_EXPECT_EQ(test, da.addr, DMA_MAPPING_ERROR);

	/* the peer copies moved no page: no migration path counted */
	KUNIT_EXPECT_EQ(test, p2p_ctr(&b->pd.p2p_in), 0);
	KUNIT_EXPECT_EQ(test, p2p_ctr(&a->pd.p2p_out), 0);
	KUNIT_EXPECT_EQ(test, p2p_ctr(&a->pd.sys_to_vram), P2P_NPAGES);
	drm_pagemap_put(dp);
}

/* VRAM of A to VRAM of B in one group: directly, counted, data kept. */
static void p2p_test_migrate_direct(struct kunit *test)
{
	struct p2p_test *t = test->priv;
	struct p2p_dev *a = &t->d[A], *b = &t->d[B];
	unsigned long addr = p2p_map(test, P2P_NPAGES, 0xabcd);
	unsigned long end = addr + P2P_NPAGES * PAGE_SIZE;
	struct drm_pagemap *dpa, *dpb;
	s64 bytes_a, bytes_b;

	dpa = vsvm_pagemap_get(&a->pd);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dpa));
	dpb = vsvm_pagemap_get(&b->pd);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dpb));

	KUNIT_ASSERT_EQ(test, drm_pagemap_populate_mm(dpa, addr, end,
						      current->mm, 0), 0);
	KUNIT_EXPECT_EQ(test, p2p_in_vram(test, a, dpa, addr, P2P_NPAGES,
					  0xabcd), P2P_NPAGES);
	KUNIT_EXPECT_EQ(test, p2p_ctr(&a->pd.sys_to_vram), P2P_NPAGES);
	bytes_a = p2p_ctr(&a->engine.bytes);
	bytes_b = p2p_ctr(&b->engine.bytes);

	KUNIT_ASSERT_EQ(test, drm_pagemap_populate_mm(dpb, addr, end,
						      current->mm, 0), 0);
	KUNIT_EXPECT_EQ(test, p2p_in_vram(test, b, dpb, addr, P2P_NPAGES,
					  0xabcd), P2P_NPAGES);
	KUNIT_EXPECT_EQ(test, p2p_in_vram(test, a, dpa, addr, P2P_NPAGES,
					  0xabcd), 0);
	/* the source copies (upstream since 7.2): A's engine, not B's */
	KUNIT_EXPECT_EQ(test, p2p_ctr(&a->engine.bytes) - bytes_a,
			(s64)(P2P_NPAGES * PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, p2p_ctr(&b->engine.bytes), bytes_b);
	/* the peer path, and no other */
	KUNIT_EXPECT_EQ(test, p2p_ctr(&b->pd.p2p_in), P2P_NPAGES);
	KUNIT_EXPECT_EQ(test, p2p_ctr(&a->pd.p2p_out), P2P_NPAGES);
	KUNIT_EXPECT_EQ(test, p2p_ctr(&b->pd.sys_to_vram), 0);
	KUNIT_EXPECT_EQ(test, p2p_ctr(&a->pd.vram_to_sys), 0);
	KUNIT_EXPECT_EQ(test, p2p_ctr(&b->pd.p2p_out), 0);
	KUNIT_EXPECT_EQ(test, p2p_ctr(&a->pd.p2p_in), 0);

	/* and back: B to A, directly again, by B's engine */
	bytes_a = p2p_ctr(&a->engine.bytes);
	KUNIT_ASSERT_EQ(test, drm_pagemap_populate_mm(dpa, addr, end,
						      current->mm, 0), 0);
	KUNIT_EXPECT_EQ(test, p2p_ctr(&a->engine.bytes), bytes_a);
	KUNIT_EXPECT_EQ(test, p2p_in_vram(test, a, dpa, addr, P2P_NPAGES,
					  0xabcd), P2P_NPAGES);
	KUNIT_EXPECT_EQ(test, p2p_ctr(&a->pd.p2p_in), P2P_NPAGES);
	KUNIT_EXPECT_EQ(test, p2p_ctr(&b->pd.p2p_out), P2P_NPAGES);

	/* the CPU gets the data from A's VRAM */
	p2p_expect_user(test, addr, P2P_NPAGES, 0xabcd);
	KUNIT_EXPECT_EQ(test, p2p_ctr(&a->pd.vram_to_sys), P2P_NPAGES);
	KUNIT_EXPECT_EQ(test, p2p_ctr(&b->pd.vram_to_sys), 0);
	vsvm_devmem_reap(&a->pd);
	vsvm_devmem_reap(&b->pd);
	drm_pagemap_put(dpb);
	drm_pagemap_put(dpa);
}

/*
 * A and C have no interconnect: C's migration cannot take A's pages; a
 * fault as C brings them to system memory, and from there they go to C.
 */
static void p2p_test_no_group(struct kunit *test)
{
	struct p2p_test *t = test->priv;
	struct p2p_dev *a = &t->d[A], *c = &t->d[C];
	unsigned long addr = p2p_map(test, P2P_NPAGES, 0x5a5a);
	unsigned long end = addr + P2P_NPAGES * PAGE_SIZE;
	unsigned long *pfns = kunit_kcalloc(test, P2P_NPAGES, sizeof(*pfns),
					    GFP_KERNEL);
	struct drm_pagemap *dpa, *dpc;
	unsigned long p;

	KUNIT_ASSERT_NOT_NULL(test, pfns);
	dpa = vsvm_pagemap_get(&a->pd);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dpa));
	dpc = vsvm_pagemap_get(&c->pd);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dpc));

	KUNIT_ASSERT_EQ(test, drm_pagemap_populate_mm(dpa, addr, end,
						      current->mm, 0), 0);
	/* A's pages are invisible to C's migration: nothing moves */
	KUNIT_EXPECT_EQ(test, drm_pagemap_populate_mm(dpc, addr, end,
						      current->mm, 0), -EBUSY);
	KUNIT_EXPECT_EQ(test, p2p_in_vram(test, a, dpa, addr, P2P_NPAGES,
					  0x5a5a), P2P_NPAGES);
	KUNIT_EXPECT_EQ(test, p2p_ctr(&c->pd.pages_in), 0);

	/* HMM, faulting as C, brings them back to system memory */
	p2p_hmm(test, addr, P2P_NPAGES, c->pd.peer.owner, true, pfns);
	for (p = 0; p < P2P_NPAGES; p++) {
		KUNIT_ASSERT_TRUE(test, pfns[p] & HMM_PFN_VALID);
		KUNIT_EXPECT_FALSE(test,
				   is_device_private_page(hmm_pfn_to_page(pfns[p])));
	}
	KUNIT_EXPECT_EQ(test, p2p_ctr(&a->pd.vram_to_sys), P2P_NPAGES);

	/* and from there C's migration takes them */
	KUNIT_ASSERT_EQ(test, drm_pagemap_populate_mm(dpc, addr, end,
						      current->mm, 0), 0);
	KUNIT_EXPECT_EQ(test, p2p_in_vram(test, c, dpc, addr, P2P_NPAGES,
					  0x5a5a), P2P_NPAGES);
	KUNIT_EXPECT_EQ(test, p2p_ctr(&c->pd.sys_to_vram), P2P_NPAGES);
	KUNIT_EXPECT_EQ(test, p2p_ctr(&c->pd.p2p_in), 0);
	KUNIT_EXPECT_EQ(test, p2p_ctr(&a->pd.p2p_out), 0);

	p2p_expect_user(test, addr, P2P_NPAGES, 0x5a5a);
	KUNIT_EXPECT_EQ(test, p2p_ctr(&c->pd.vram_to_sys), P2P_NPAGES);
	vsvm_devmem_reap(&a->pd);
	vsvm_devmem_reap(&c->pd);
	drm_pagemap_put(dpc);
	drm_pagemap_put(dpa);
}

/* A device's teardown takes its windows: its aperture resolves no more. */
/* Take @d's VRAM windows from the copy engines (@on false) or put them back. */
static void p2p_windows(struct kunit *test, struct p2p_dev *d, bool on)
{
	u64 off;

	for (off = 0; off < d->pd.p2p_size; off += d->pd.p2p_window_size) {
		if (!on) {
			vsvm_copy_window_remove(d->pd.p2p_base + off);
			continue;
		}
		KUNIT_ASSERT_EQ(test,
				vsvm_copy_window_add(d->pd.p2p_base + off,
						     min(d->pd.p2p_window_size,
							 d->pd.p2p_size - off),
						     vsvm_vram_vaddr(&d->vram, off)),
				0);
	}
}

/*
 * A's pages into B, copied by A's engine: when that copy fails (B's VRAM
 * window gone: the engine resolves no memory there) or B's device_map
 * cannot give A an address (B's VRAM not exported), the migration fails
 * with -EIO and every page stays in A's VRAM with its data; nothing is
 * counted, no allocation of B is left. Then it goes through.
 */
static void p2p_test_migrate_unwind(struct kunit *test)
{
	struct p2p_test *t = test->priv;
	struct p2p_dev *a = &t->d[A], *b = &t->d[B];
	unsigned long addr = p2p_map(test, P2P_NPAGES, 0x5eed);
	unsigned long end = addr + P2P_NPAGES * PAGE_SIZE;
	struct drm_pagemap *dpa, *dpb;
	u64 size;

	dpa = vsvm_pagemap_get(&a->pd);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dpa));
	dpb = vsvm_pagemap_get(&b->pd);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dpb));
	KUNIT_ASSERT_EQ(test, drm_pagemap_populate_mm(dpa, addr, end,
						      current->mm, 0), 0);

	p2p_windows(test, b, false);
	KUNIT_EXPECT_EQ(test, drm_pagemap_populate_mm(dpb, addr, end,
						      current->mm, 0), -EIO);
	p2p_windows(test, b, true);
	KUNIT_EXPECT_EQ(test, p2p_in_vram(test, a, dpa, addr, P2P_NPAGES,
					  0x5eed), P2P_NPAGES);
	KUNIT_EXPECT_EQ(test, p2p_ctr(&a->engine.errors), 1);

	size = b->pd.p2p_size;
	b->pd.p2p_size = 0;
	KUNIT_EXPECT_EQ(test, drm_pagemap_populate_mm(dpb, addr, end,
						      current->mm, 0), -EIO);
	b->pd.p2p_size = size;
	KUNIT_EXPECT_EQ(test, p2p_in_vram(test, a, dpa, addr, P2P_NPAGES,
					  0x5eed), P2P_NPAGES);
	KUNIT_EXPECT_EQ(test, p2p_ctr(&b->pd.p2p_in), 0);
	KUNIT_EXPECT_EQ(test, p2p_ctr(&a->pd.p2p_out), 0);
	KUNIT_EXPECT_EQ(test, p2p_ctr(&b->pd.pages_in), 0);
	vsvm_devmem_reap(&b->pd);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->pd.devmem_live), 0);

	KUNIT_ASSERT_EQ(test, drm_pagemap_populate_mm(dpb, addr, end,
						      current->mm, 0), 0);
	KUNIT_EXPECT_EQ(test, p2p_in_vram(test, b, dpb, addr, P2P_NPAGES,
					  0x5eed), P2P_NPAGES);
	KUNIT_EXPECT_EQ(test, p2p_ctr(&b->pd.p2p_in), P2P_NPAGES);
	KUNIT_EXPECT_EQ(test, p2p_ctr(&a->pd.p2p_out), P2P_NPAGES);

	p2p_expect_user(test, addr, P2P_NPAGES, 0x5eed);
	vsvm_devmem_reap(&a->pd);
	vsvm_devmem_reap(&b->pd);
	drm_pagemap_put(dpb);
	drm_pagemap_put(dpa);
}

static void p2p_test_unexport(struct kunit *test)
{
	struct p2p_test *t = test->priv;
	struct p2p_dev *a = &t->d[A], *b = &t->d[B];
	u64 base = a->pd.p2p_base;
	struct vsvm_copy copy = {
		.src = drm_pagemap_addr_encode(base, DRM_INTERCONNECT_P2P,
						      0, DMA_TO_DEVICE),
		.dst = drm_pagemap_addr_encode(0, DRM_INTERCONNECT_DRIVER,
						      0, DMA_FROM_DEVICE),
		.len = PAGE_SIZE,
	};

	memset(vsvm_vram_vaddr(&a->vram, 0), 0x77, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, vsvm_copy_sync(&b->engine, &copy, 1), 0);
	KUNIT_EXPECT_EQ(test, *(u8 *)vsvm_vram_vaddr(&b->vram, PAGE_SIZE - 1),
			0x77);

	vsvm_pagemap_dev_fini(&a->pd);
	a->pd_up = false;
	KUNIT_EXPECT_EQ(test, a->pd.p2p_size, 0);
	KUNIT_EXPECT_EQ(test, vsvm_copy_sync(&b->engine, &copy, 1), -EIO);
}

static struct kunit_case vsvm_p2p_cases[] = {
	KUNIT_CASE(p2p_test_groups),
	KUNIT_CASE(p2p_test_device_map),
	KUNIT_CASE(p2p_test_migrate_direct),
	KUNIT_CASE(p2p_test_migrate_unwind),
	KUNIT_CASE(p2p_test_no_group),
	KUNIT_CASE(p2p_test_unexport),
	{}
};

static struct kunit_suite vsvm_p2p_suite = {
	.name = "vsvm_p2p",
	.init = p2p_test_init,
	.exit = p2p_test_exit,
	.test_cases = vsvm_p2p_cases,
};

kunit_test_suite(vsvm_p2p_suite);

MODULE_DESCRIPTION("KUnit tests of vsvm peer access and direct VRAM-to-VRAM migration");
MODULE_LICENSE("GPL");
