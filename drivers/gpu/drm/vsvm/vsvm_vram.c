// SPDX-License-Identifier: GPL-2.0
/*
 * vsvm VRAM: the memory of an emulated GPU and its buddy allocator.
 *
 * VRAM is addressed by offset. Behind the offsets is either system memory
 * the driver allocates (a platform device) or the memory BAR of a PCI
 * device, memremapped by the caller. Either way it is described as an
 * array of equally sized, physically contiguous chunks, so that an offset
 * maps to a kernel virtual address, a physical address and, for system
 * memory, a struct page in constant time.
 *
 * Offsets are allocated with the GPU buddy allocator (drm_buddy), with a
 * chunk size of PAGE_SIZE, and small freed blocks are cached for reuse
 * (see &vsvm_vram.cache).
 */
#include <linux/atomic.h>
#include <linux/err.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include <kunit/visibility.h>

#include <drm/drm_print.h>

#include "vsvm_vram.h"

/* Bytes of system memory backing the VRAM of all devices, for leak checks. */
static atomic64_t vsvm_vram_sysmem_total = ATOMIC64_INIT(0);

static int vsvm_vram_init_common(struct vsvm_vram *vram, u64 size)
{
	unsigned int order;
	int err;

	err = gpu_buddy_init(&vram->mm, size, PAGE_SIZE);
	if (err)
		return err;

	for (order = 0; order < VSVM_VRAM_CACHE_ORDERS; order++)
		INIT_LIST_HEAD(&vram->cache[order]);
	vram->cached = 0;
	mutex_init(&vram->lock);
	vram->size = size;
	vram->used = 0;
	vram->nr_allocs = 0;
	return 0;
}

static void vsvm_vram_free_chunks(struct vsvm_vram *vram, unsigned int nr)
{
	unsigned int order = vram->chunk_shift - PAGE_SHIFT;
	unsigned int i;

	for (i = 0; i < nr; i++)
		__free_pages(vram->chunks[i].page, order);
	atomic64_sub((u64)nr << vram->chunk_shift, &vsvm_vram_sysmem_total);
}

/*
 * Allocate @size bytes of zeroed system memory in chunks of one order,
 * the largest that divides @size, at most MAX_PAGE_ORDER. When memory is
 * too fragmented for that order, start over with half the chunk size.
 */
static int vsvm_vram_alloc_chunks(struct vsvm_vram *vram, u64 size)
{
	unsigned int order = min_t(unsigned int, __ffs64(size >> PAGE_SHIFT),
				   MAX_PAGE_ORDER);

	for (;;) {
		gfp_t gfp = GFP_KERNEL | __GFP_ZERO;
		unsigned int nr = size >> (order + PAGE_SHIFT);
		unsigned int i;

		if (order)
			gfp |= __GFP_NOWARN | __GFP_NORETRY;

		vram->chunks = kvcalloc(nr, sizeof(*vram->chunks), GFP_KERNEL);
		if (!vram->chunks)
			return -ENOMEM;
		vram->chunk_shift = order + PAGE_SHIFT;

		for (i = 0; i < nr; i++) {
			struct page *page = alloc_pages(gfp, order);

			if (!page)
				break;
			vram->chunks[i].page = page;
			vram->chunks[i].vaddr = page_address(page);
			vram->chunks[i].phys = page_to_phys(page);
			atomic64_add(PAGE_SIZE << order,
				     &vsvm_vram_sysmem_total);
		}
		if (i == nr) {
			vram->nr_chunks = nr;
			return 0;
		}

		vsvm_vram_free_chunks(vram, i);
		kvfree(vram->chunks);
		vram->chunks = NULL;
		if (!order)
			return -ENOMEM;
		order--;
	}
}

/**
 * vsvm_vram_init_sysmem() - set up VRAM backed by system pages
 * @vram: the VRAM to set up, zeroed or finished
 * @size: its size in bytes, a nonzero multiple of PAGE_SIZE
 *
 * Allocates @size bytes of zeroed system memory, in physically contiguous
 * chunks as large as memory allows, and an allocator for them.
 *
 * Return: 0, -EINVAL for a bad @size, or -ENOMEM.
 */
int vsvm_vram_init_sysmem(struct vsvm_vram *vram, u64 size)
{
	int err;

	if (!size || !PAGE_ALIGNED(size) ||
	    size >> PAGE_SHIFT > UINT_MAX)
		return -EINVAL;

	memset(vram, 0, sizeof(*vram));
	err = vsvm_vram_alloc_chunks(vram, size);
	if (err)
		return err;
	vram->sysmem = true;

	err = vsvm_vram_init_common(vram, size);
	if (err) {
		vsvm_vram_free_chunks(vram, vram->nr_chunks);
		kvfree(vram->chunks);
		memset(vram, 0, sizeof(*vram));
	}
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_vram_init_sysmem);

/**
 * vsvm_vram_init_iomem() - set up VRAM backed by mapped device memory
 * @vram: the VRAM to set up, zeroed or finished
 * @vaddr: the kernel mapping of the memory (memremap() of a PCI BAR)
 * @phys: the CPU physical address of the memory
 * @size: its size in bytes, a nonzero multiple of PAGE_SIZE
 *
 * The memory stays the caller's: it must stay mapped until
 * vsvm_vram_fini(), which does not unmap it.
 *
 * Return: 0, -EINVAL for a bad @vaddr, @phys or @size, or -ENOMEM.
 */
int vsvm_vram_init_iomem(struct vsvm_vram *vram, void *vaddr,
			 phys_addr_t phys, u64 size)
{
	int err;

	if (!vaddr || !PAGE_ALIGNED(vaddr) || !PAGE_ALIGNED(phys) ||
	    !size || !PAGE_ALIGNED(size))
		return -EINVAL;

	memset(vram, 0, sizeof(*vram));
	vram->chunks = kzalloc(sizeof(*vram->chunks), GFP_KERNEL);
	if (!vram->chunks)
		return -ENOMEM;
	vram->chunks[0].vaddr = vaddr;
	vram->chunks[0].phys = phys;
	vram->chunk_shift = order_base_2(size);
	vram->nr_chunks = 1;

	err = vsvm_vram_init_common(vram, size);
	if (err) {
		kfree(vram->chunks);
		memset(vram, 0, sizeof(*vram));
	}
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_vram_init_iomem);

/* Give every cached block back to the buddy allocator. */
static void vsvm_vram_cache_drain(struct vsvm_vram *vram)
{
	unsigned int order;

	lockdep_assert_held(&vram->lock);
	for (order = 0; order < VSVM_VRAM_CACHE_ORDERS; order++)
		gpu_buddy_free_list(&vram->mm, &vram->cache[order], 0);
	vram->cached = 0;
}

/*
 * Take a cached block for an allocation of @size bytes with @align and
 * @flags, onto @blocks: only plain allocations of exactly one block's size
 * (any block is aligned to its size). Return: whether one was taken.
 */
static bool vsvm_vram_cache_take(struct vsvm_vram *vram, u64 size, u64 align,
				 unsigned long flags, struct list_head *blocks)
{
	unsigned int order;
	struct list_head *cache;

	lockdep_assert_held(&vram->lock);
	if (flags || !is_power_of_2(size) || align > size)
		return false;
	order = ilog2(size >> PAGE_SHIFT);
	if (order >= VSVM_VRAM_CACHE_ORDERS)
		return false;
	cache = &vram->cache[order];
	if (list_empty(cache))
		return false;
	list_move(cache->next, blocks);
	vram->cached -= size;
	return true;
}

/*
 * Keep the block of a freed single-block allocation of @size bytes.
 * Return: whether it was kept (else it goes back to the buddy allocator).
 */
static bool vsvm_vram_cache_put(struct vsvm_vram *vram, struct list_head *blocks,
				u64 size)
{
	struct gpu_buddy_block *block;
	unsigned int order;

	lockdep_assert_held(&vram->lock);
	if (!list_is_singular(blocks) ||
	    vram->cached + size > VSVM_VRAM_CACHE_MAX)
		return false;
	block = list_first_entry(blocks, struct gpu_buddy_block, link);
	order = gpu_buddy_block_order(block);
	if (order >= VSVM_VRAM_CACHE_ORDERS)
		return false;
	list_move(&block->link, &vram->cache[order]);
	vram->cached += size;
	return true;
}

/**
 * vsvm_vram_fini() - tear down VRAM
 * @vram: the VRAM set up by vsvm_vram_init_sysmem() or vsvm_vram_init_iomem()
 *
 * Every allocation must have been freed (it warns otherwise). Frees the
 * system memory behind @vram, if it allocated it, and leaves @vram zeroed.
 */
void vsvm_vram_fini(struct vsvm_vram *vram)
{
	WARN_ON(vram->nr_allocs || vram->used);
	mutex_lock(&vram->lock);
	vsvm_vram_cache_drain(vram);
	mutex_unlock(&vram->lock);
	gpu_buddy_fini(&vram->mm);
	mutex_destroy(&vram->lock);

	if (vram->sysmem)
		vsvm_vram_free_chunks(vram, vram->nr_chunks);
	kvfree(vram->chunks);
	memset(vram, 0, sizeof(*vram));
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_vram_fini);

/**
 * vsvm_vram_alloc() - allocate VRAM
 * @vram: the VRAM to allocate from
 * @size: the bytes to allocate, a nonzero multiple of PAGE_SIZE; rounded
 *	up to @align
 * @align: the minimum size and alignment of each block of the allocation,
 *	a power of two of at least PAGE_SIZE, or 0 for PAGE_SIZE
 * @flags: VSVM_VRAM_ALLOC_*
 *
 * With %VSVM_VRAM_ALLOC_CONTIGUOUS the blocks form one range of VRAM that
 * starts at a multiple of @align. A failed allocation changes nothing.
 *
 * Return: the allocation, or an ERR_PTR(): -EINVAL for a bad @size,
 * @align or @flags, -ENOSPC when the free VRAM cannot hold it, -ENOMEM.
 */
struct vsvm_vram_alloc *
vsvm_vram_alloc(struct vsvm_vram *vram, u64 size, u64 align,
		unsigned long flags)
{
	struct vsvm_vram_alloc *alloc;
	struct gpu_buddy_block *block;
	unsigned long bflags = 0;
	u64 allocated = 0;
	int err;

	if (!align)
		align = PAGE_SIZE;
	if (!size || !PAGE_ALIGNED(size) || !is_power_of_2(align) ||
	    align < PAGE_SIZE || (flags & ~VSVM_VRAM_ALLOC_FLAGS))
		return ERR_PTR(-EINVAL);
	if (size > vram->size)
		return ERR_PTR(-ENOSPC);
	size = round_up(size, align);
	if (size > vram->size)
		return ERR_PTR(-ENOSPC);

	if (flags & VSVM_VRAM_ALLOC_CONTIGUOUS)
		bflags |= GPU_BUDDY_CONTIGUOUS_ALLOCATION;
	if (flags & VSVM_VRAM_ALLOC_TOPDOWN)
		bflags |= GPU_BUDDY_TOPDOWN_ALLOCATION;

	alloc = kzalloc(sizeof(*alloc), GFP_KERNEL);
	if (!alloc)
		return ERR_PTR(-ENOMEM);
	alloc->vram = vram;
	INIT_LIST_HEAD(&alloc->blocks);

	mutex_lock(&vram->lock);
	if (size > vram->size - vram->used) {
		err = -ENOSPC;
	} else if (vsvm_vram_cache_take(vram, size, align, flags,
					&alloc->blocks)) {
		err = 0;
	} else {
		err = gpu_buddy_alloc_blocks(&vram->mm, 0, vram->size, size,
					     align, &alloc->blocks, bflags);
		/* The cached blocks may be what is missing. */
		if (err == -ENOSPC && vram->cached) {
			vsvm_vram_cache_drain(vram);
			err = gpu_buddy_alloc_blocks(&vram->mm, 0, vram->size,
						     size, align,
						     &alloc->blocks, bflags);
		}
	}
	if (!err) {
		list_for_each_entry(block, &alloc->blocks, link)
			allocated += gpu_buddy_block_size(&vram->mm, block);
		vram->used += allocated;
		vram->nr_allocs++;
	}
	mutex_unlock(&vram->lock);

	if (err) {
		kfree(alloc);
		return ERR_PTR(err);
	}
	alloc->size = allocated;
	return alloc;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_vram_alloc);

/**
 * vsvm_vram_free() - free an allocation of VRAM
 * @alloc: the allocation from vsvm_vram_alloc(), or NULL
 */
void vsvm_vram_free(struct vsvm_vram_alloc *alloc)
{
	struct vsvm_vram *vram;

	if (!alloc)
		return;

	vram = alloc->vram;
	mutex_lock(&vram->lock);
	if (!vsvm_vram_cache_put(vram, &alloc->blocks, alloc->size))
		gpu_buddy_free_list(&vram->mm, &alloc->blocks, 0);
	vram->used -= alloc->size;
	vram->nr_allocs--;
	mutex_unlock(&vram->lock);
	kfree(alloc);
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_vram_free);

/**
 * vsvm_vram_used() - the allocated bytes of VRAM
 * @vram: the VRAM
 *
 * Return: the sum of the sizes of the live allocations.
 */
u64 vsvm_vram_used(struct vsvm_vram *vram)
{
	u64 used;

	mutex_lock(&vram->lock);
	used = vram->used;
	mutex_unlock(&vram->lock);
	return used;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_vram_used);

/**
 * vsvm_vram_avail() - the free bytes of VRAM
 * @vram: the VRAM
 *
 * Return: the size of the VRAM minus its allocated bytes.
 */
u64 vsvm_vram_avail(struct vsvm_vram *vram)
{
	return vram->size - vsvm_vram_used(vram);
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_vram_avail);

static struct vsvm_vram_chunk *vsvm_vram_chunk(struct vsvm_vram *vram,
					       u64 offset, u64 *in_chunk)
{
	if (WARN_ON_ONCE(offset >= vram->size))
		return NULL;
	*in_chunk = offset & (BIT_ULL(vram->chunk_shift) - 1);
	return &vram->chunks[offset >> vram->chunk_shift];
}

/**
 * vsvm_vram_vaddr() - the kernel virtual address of a VRAM offset
 * @vram: the VRAM
 * @offset: an offset in it, below its size
 *
 * The address is valid for the bytes up to the end of the page of @offset.
 *
 * Return: the address, NULL (with a warning) for an offset out of range.
 */
void *vsvm_vram_vaddr(struct vsvm_vram *vram, u64 offset)
{
	struct vsvm_vram_chunk *chunk;
	u64 in_chunk;

	chunk = vsvm_vram_chunk(vram, offset, &in_chunk);
	return chunk ? chunk->vaddr + in_chunk : NULL;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_vram_vaddr);

/**
 * vsvm_vram_phys() - the CPU physical address of a VRAM offset
 * @vram: the VRAM
 * @offset: an offset in it, below its size
 *
 * Return: the address, 0 (with a warning) for an offset out of range.
 */
phys_addr_t vsvm_vram_phys(struct vsvm_vram *vram, u64 offset)
{
	struct vsvm_vram_chunk *chunk;
	u64 in_chunk;

	chunk = vsvm_vram_chunk(vram, offset, &in_chunk);
	return chunk ? chunk->phys + in_chunk : 0;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_vram_phys);

/**
 * vsvm_vram_page() - the system page behind a VRAM offset
 * @vram: the VRAM
 * @offset: an offset in it, below its size
 *
 * Return: the page holding @offset where the VRAM is system memory; NULL
 * where it is device memory (a PCI BAR), or (with a warning) for an offset
 * out of range.
 */
struct page *vsvm_vram_page(struct vsvm_vram *vram, u64 offset)
{
	struct vsvm_vram_chunk *chunk;
	u64 in_chunk;

	chunk = vsvm_vram_chunk(vram, offset, &in_chunk);
	if (!chunk || !chunk->page)
		return NULL;
	return chunk->page + (in_chunk >> PAGE_SHIFT);
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_vram_page);

/**
 * vsvm_vram_sysmem_bytes() - the system memory backing all sysmem VRAM
 *
 * Return: the bytes of system memory held by every VRAM set up with
 * vsvm_vram_init_sysmem() and not yet finished.
 */
u64 vsvm_vram_sysmem_bytes(void)
{
	return atomic64_read(&vsvm_vram_sysmem_total);
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_vram_sysmem_bytes);

/**
 * vsvm_vram_show() - print the state of VRAM, for debugfs
 * @vram: the VRAM
 * @m: the seq_file to print to
 */
void vsvm_vram_show(struct vsvm_vram *vram, struct seq_file *m)
{
	struct drm_printer p = drm_seq_file_printer(m);

	seq_printf(m, "backing: %s\n", vram->sysmem ? "sysmem" : "iomem");
	seq_printf(m, "backing_chunk_size: %llu\n", BIT_ULL(vram->chunk_shift));
	seq_printf(m, "backing_chunks: %u\n", vram->nr_chunks);

	mutex_lock(&vram->lock);
	seq_printf(m, "size: %llu\n", vram->size);
	seq_printf(m, "used: %llu\n", vram->used);
	seq_printf(m, "free: %llu\n", vram->size - vram->used);
	seq_printf(m, "allocations: %u\n", vram->nr_allocs);
	seq_printf(m, "cached: %llu\n", vram->cached);
	seq_puts(m, "buddy: ");
	drm_buddy_print(&vram->mm, &p);
	mutex_unlock(&vram->lock);
}
