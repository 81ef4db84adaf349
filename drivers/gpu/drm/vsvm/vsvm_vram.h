/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vsvm VRAM: the memory of an emulated GPU and its buddy allocator.
 */
#ifndef _VSVM_VRAM_H_
#define _VSVM_VRAM_H_

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/sizes.h>
#include <linux/types.h>

#include "vsvm_buddy_compat.h"

struct page;
struct seq_file;

/* Allocate the blocks as one physically contiguous range of VRAM. */
#define VSVM_VRAM_ALLOC_CONTIGUOUS	BIT(0)
/* Prefer the top of VRAM. */
#define VSVM_VRAM_ALLOC_TOPDOWN		BIT(1)
#define VSVM_VRAM_ALLOC_FLAGS \
	(VSVM_VRAM_ALLOC_CONTIGUOUS | VSVM_VRAM_ALLOC_TOPDOWN)

/*
 * Freed allocations of one block of up to 64 KiB (orders 0 to 4) are kept
 * for reuse, up to VSVM_VRAM_CACHE_MAX bytes: see &vsvm_vram.cache.
 */
#define VSVM_VRAM_CACHE_ORDERS		5
#define VSVM_VRAM_CACHE_MAX		SZ_4M

/**
 * struct vsvm_vram_chunk - a physically contiguous piece of VRAM memory
 * @vaddr: the kernel virtual address of the chunk
 * @phys: the CPU physical address of the chunk
 * @page: the first page of the chunk where VRAM is system memory, NULL
 *	where it is a PCI BAR (which has no struct page of its own)
 *
 * VRAM is an array of chunks of 1 << &vsvm_vram.chunk_shift bytes each;
 * chunk i covers the VRAM offsets [i << chunk_shift, (i + 1) << chunk_shift).
 */
struct vsvm_vram_chunk {
	void *vaddr;
	phys_addr_t phys;
	struct page *page;
};

/**
 * struct vsvm_vram - the VRAM of one vsvm device
 * @size: the size of the VRAM in bytes, a multiple of PAGE_SIZE
 * @chunk_shift: log2 of the size of each chunk in @chunks
 * @nr_chunks: the number of entries in @chunks
 * @chunks: the memory behind the VRAM offsets
 * @sysmem: true where the driver allocated @chunks from system pages
 *	(and frees them in vsvm_vram_fini())
 * @lock: protects @mm, @used, @nr_allocs, @cache and @cached. Innermost
 *	lock: nothing else is taken while it is held; it is never taken in
 *	the reclaim path
 * @mm: the buddy allocator of the VRAM offsets
 * @used: the bytes of VRAM held by allocations
 * @nr_allocs: the number of live &struct vsvm_vram_alloc
 * @cache: per order, free blocks kept allocated in @mm for reuse. A fault
 *	migrates small ranges one at a time; taking a 4 KiB block from a
 *	buddy allocator of hundreds of MiB splits a block at every level
 *	(and freeing it merges them all back), so a freed single-block
 *	allocation of order below %VSVM_VRAM_CACHE_ORDERS goes here instead,
 *	and an allocation of exactly that block takes it back. The cache is
 *	returned to @mm whenever @mm cannot satisfy an allocation, and at
 *	vsvm_vram_fini(); its blocks count as free in @used
 * @cached: the bytes in @cache, at most %VSVM_VRAM_CACHE_MAX
 *
 * Everything but the fields under @lock is constant between
 * vsvm_vram_init_sysmem() or vsvm_vram_init_iomem() and vsvm_vram_fini().
 */
struct vsvm_vram {
	u64 size;
	unsigned int chunk_shift;
	unsigned int nr_chunks;
	struct vsvm_vram_chunk *chunks;
	bool sysmem;

	/* Protects mm, used, nr_allocs, cache, cached; see @lock above. */
	struct mutex lock;
	struct gpu_buddy mm;
	u64 used;
	unsigned int nr_allocs;
	struct list_head cache[VSVM_VRAM_CACHE_ORDERS];
	u64 cached;
};

/**
 * struct vsvm_vram_alloc - one allocation of VRAM
 * @vram: the VRAM it was allocated from
 * @blocks: its &struct gpu_buddy_block, linked by their @link; owned by
 *	the allocation, constant until vsvm_vram_free()
 * @size: its size in bytes, the sum of the sizes of @blocks
 */
struct vsvm_vram_alloc {
	struct vsvm_vram *vram;
	struct list_head blocks;
	u64 size;
};

int vsvm_vram_init_sysmem(struct vsvm_vram *vram, u64 size);
int vsvm_vram_init_iomem(struct vsvm_vram *vram, void *vaddr,
			 phys_addr_t phys, u64 size);
void vsvm_vram_fini(struct vsvm_vram *vram);

struct vsvm_vram_alloc *vsvm_vram_alloc(struct vsvm_vram *vram, u64 size,
					u64 align, unsigned long flags);
void vsvm_vram_free(struct vsvm_vram_alloc *alloc);

u64 vsvm_vram_used(struct vsvm_vram *vram);
u64 vsvm_vram_avail(struct vsvm_vram *vram);

void *vsvm_vram_vaddr(struct vsvm_vram *vram, u64 offset);
phys_addr_t vsvm_vram_phys(struct vsvm_vram *vram, u64 offset);
struct page *vsvm_vram_page(struct vsvm_vram *vram, u64 offset);

u64 vsvm_vram_sysmem_bytes(void);

void vsvm_vram_show(struct vsvm_vram *vram, struct seq_file *m);

/**
 * vsvm_vram_block_offset() - the VRAM offset of a block of an allocation
 * @block: a block of &vsvm_vram_alloc.blocks
 *
 * Return: the offset of @block in bytes.
 */
static inline u64 vsvm_vram_block_offset(const struct gpu_buddy_block *block)
{
	return gpu_buddy_block_offset(block);
}

/**
 * vsvm_vram_block_size() - the size of a block of an allocation
 * @vram: the VRAM of the block
 * @block: a block of &vsvm_vram_alloc.blocks
 *
 * Return: the size of @block in bytes.
 */
static inline u64 vsvm_vram_block_size(struct vsvm_vram *vram,
				       struct gpu_buddy_block *block)
{
	return gpu_buddy_block_size(&vram->mm, block);
}

#endif
