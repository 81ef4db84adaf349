/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vsvm access counters: the executor counts its in-place accesses to memory
 * outside the device's VRAM, and blocks that cross the threshold may move
 * to the device's VRAM (counter-driven migration).
 */
#ifndef _VSVM_ACCESS_H_
#define _VSVM_ACCESS_H_

#include <linux/types.h>

struct vsvm_vm;

/* The blocks one batch holds: a chunk of EXEC touches at most 32 pages. */
#define VSVM_ACCESS_BATCH	32

/**
 * struct vsvm_access_batch - accesses counted under the notifier lock
 * @on: the VM counts at all (module parameter or MADVISE)
 * @shift: log2 of the counters' granularity, for this batch
 * @nr: entries used in @ent
 * @ent: per block touched, an address in it and the accesses counted
 * @ent.addr: an address in the block
 * @ent.n: the accesses
 *
 * The executor notes accesses here while it holds the notifier lock, where
 * nothing may allocate, and vsvm_access_flush() adds them to the VM's
 * counters once it has dropped the lock. Owned by one EXEC.
 */
struct vsvm_access_batch {
	bool on;
	unsigned int shift;
	unsigned int nr;
	struct {
		unsigned long addr;
		u32 n;
	} ent[VSVM_ACCESS_BATCH];
};

/**
 * vsvm_access_note() - count one in-place access to remote memory
 * @b: the batch
 * @va: the address accessed
 *
 * An access the batch has no room for is not counted.
 */
static inline void vsvm_access_note(struct vsvm_access_batch *b,
				    unsigned long va)
{
	unsigned int i;

	for (i = b->nr; i--;) {
		if ((b->ent[i].addr >> b->shift) == (va >> b->shift)) {
			b->ent[i].n++;
			return;
		}
	}
	if (b->nr == VSVM_ACCESS_BATCH)
		return;
	b->ent[b->nr].addr = va;
	b->ent[b->nr].n = 1;
	b->nr++;
}

void vsvm_access_unmapped(struct vsvm_vm *vm, unsigned long start,
			  unsigned long end);
void vsvm_access_forget(struct vsvm_vm *vm, unsigned long start,
			unsigned long end);
void vsvm_access_begin(struct vsvm_vm *vm, struct vsvm_access_batch *b);
void vsvm_access_flush(struct vsvm_vm *vm, struct vsvm_access_batch *b);

#endif
