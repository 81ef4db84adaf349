/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vsvm counters: what the emulated GPU of one device did, for debugfs
 * (dri/<device>/counters).
 */
#ifndef _VSVM_COUNTERS_H_
#define _VSVM_COUNTERS_H_

#include <linux/atomic.h>

struct vsvm_device;

/**
 * struct vsvm_counters - per-device event counters, lockless
 * @execs: EXEC calls that ran (passed validation)
 * @gpu_faults: GPU faults raised by the executor (or by KUnit)
 * @pages_to_vram: pages the GPU fault path migrated to the device's VRAM
 * @pages_to_ram: pages the GPU fault path migrated to system memory
 * @migrate_fallbacks: migrations to VRAM that failed and were resolved in
 *	system memory instead
 * @invalidations: invalidations that zapped GPU page table entries of the
 *	device's VMs
 */
struct vsvm_counters {
	atomic64_t execs;
	atomic64_t gpu_faults;
	atomic64_t pages_to_vram;
	atomic64_t pages_to_ram;
	atomic64_t migrate_fallbacks;
	atomic64_t invalidations;
};

void vsvm_counters_debugfs_init(struct vsvm_device *vdev);

#endif
