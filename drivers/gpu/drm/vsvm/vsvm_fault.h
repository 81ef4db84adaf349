/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vsvm GPU faults: placement of a faulting range by its memory attributes,
 * migration, and binding into the VM's GPU page table.
 */
#ifndef _VSVM_FAULT_H_
#define _VSVM_FAULT_H_

#include <linux/types.h>

struct drm_pagemap;
struct vsvm_attr;
struct vsvm_vm;

/**
 * enum vsvm_access - the GPU access that faulted
 * @VSVM_ACCESS_READ: a read
 * @VSVM_ACCESS_WRITE: a write
 * @VSVM_ACCESS_ATOMIC: an atomic read-modify-write
 */
enum vsvm_access {
	VSVM_ACCESS_READ = 0,
	VSVM_ACCESS_WRITE = 1,
	VSVM_ACCESS_ATOMIC = 2,
};

/**
 * enum vsvm_place_kind - where a GPU fault puts a range
 * @VSVM_PLACE_IN_PLACE: nowhere new: the pages are used where they are
 * @VSVM_PLACE_SYSTEM: system memory (device pages are migrated back)
 * @VSVM_PLACE_VRAM: the VRAM of &vsvm_placement.dpagemap
 */
enum vsvm_place_kind {
	VSVM_PLACE_IN_PLACE,
	VSVM_PLACE_SYSTEM,
	VSVM_PLACE_VRAM,
};

/**
 * struct vsvm_placement - the placement decision of a GPU fault
 * @kind: where the range goes
 * @dpagemap: for %VSVM_PLACE_VRAM the pagemap of the target VRAM (not
 *	referenced: the caller's reference on the attribute's or the local
 *	pagemap covers it), else NULL
 * @only_system: only pages in system memory migrate; pages in the VRAM of
 *	a device of the owner group stay (%DRM_VSVM_MIGRATE_ONLY_SYSTEM_PAGES)
 */
struct vsvm_placement {
	enum vsvm_place_kind kind;
	struct drm_pagemap *dpagemap;
	bool only_system;
};

/**
 * struct vsvm_fault_stats - what GPU faults cost, summed by the caller
 * @faults: GPU faults handled
 * @pages_in: pages migrated into the faulting device's VRAM
 * @pages_out: pages migrated out of VRAM to system memory
 */
struct vsvm_fault_stats {
	u64 faults;
	u64 pages_in;
	u64 pages_out;
};

/*
 * GPU fault flags (see vsvm_vm_fault_access()): %VSVM_FAULT_IN_PLACE maps
 * the pages where they are, migrating none; %VSVM_FAULT_LOCKED returns a
 * successful fault with the notifier lock held, for the replay. Both are
 * for the forward progress of work whose pages keep being migrated away
 * (see vsvm_exec.c).
 */
#define VSVM_FAULT_IN_PLACE	BIT(0)
#define VSVM_FAULT_LOCKED	BIT(1)

void vsvm_fault_placement(const struct vsvm_attr *attr, bool migratable,
			  bool atomic, struct drm_pagemap *local,
			  struct vsvm_placement *place);
int vsvm_vm_fault_access(struct vsvm_vm *vm, unsigned long va,
			 enum vsvm_access access, unsigned int flags,
			 struct vsvm_fault_stats *stats);

#endif
