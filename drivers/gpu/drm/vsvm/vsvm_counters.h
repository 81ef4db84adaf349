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
 * @policy_thrashing: thrashing detections the device's migrations triggered
 * @policy_throttles: throttles they started
 * @policy_pins: pins they set (or moved to system memory)
 * @policy_unpins: pins that ended at the device's requests
 * @policy_avoided: GPU faults of the device that mapped memory in place
 *	instead of migrating it, by the migration policy's decision
 * @policy_bytes_not_moved: the bytes those did not move
 * @policy_waits: GPU faults told to wait by a throttle
 * @access_counted: in-place page accesses of EXEC to memory outside the
 *	device's VRAM that the access counters counted
 * @access_notifications: blocks whose count reached the threshold
 * @access_migrations: of those, blocks migrated to the device's VRAM
 * @access_migrated_bytes: the bytes of the blocks migrated
 * @access_left: notifications the migration policy left where they were
 *	(preferred location elsewhere, pinned, throttled)
 * @access_migrate_failed: counter-driven migrations that failed (the
 *	block stays where it was)
 * @replica_made: read replicas the device made in its VRAM
 * @replica_collapsed: of those, replicas removed because their memory may
 *	change (a write, CPU access, migration, munmap, mprotect, fork)
 * @replica_dropped: replicas removed without a change (VRAM full, teardown)
 */
struct vsvm_counters {
	atomic64_t execs;
	atomic64_t gpu_faults;
	atomic64_t pages_to_vram;
	atomic64_t pages_to_ram;
	atomic64_t migrate_fallbacks;
	atomic64_t invalidations;
	atomic64_t policy_thrashing;
	atomic64_t policy_throttles;
	atomic64_t policy_pins;
	atomic64_t policy_unpins;
	atomic64_t policy_avoided;
	atomic64_t policy_bytes_not_moved;
	atomic64_t policy_waits;
	atomic64_t access_counted;
	atomic64_t access_notifications;
	atomic64_t access_migrations;
	atomic64_t access_migrated_bytes;
	atomic64_t access_left;
	atomic64_t access_migrate_failed;
	atomic64_t replica_made;
	atomic64_t replica_collapsed;
	atomic64_t replica_dropped;
};

void vsvm_counters_debugfs_init(struct vsvm_device *vdev);

#endif
