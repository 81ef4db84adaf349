// SPDX-License-Identifier: GPL-2.0
/*
 * vsvm counters: the per-device "counters" debugfs file.
 *
 * One "name: value" line per counter of &struct vsvm_counters, followed by
 * the VRAM migration totals of the device's pagemap (all migrations, CPU
 * faults included), then the migration policy's decisions for the
 * device's GPU faults, then the access counters (vsvm_access.c) and the read replicas
 * (vsvm_replica.c). The
 * counters only grow; tests read them before and after an action and
 * compare.
 */
#include <linux/seq_file.h>

#include <drm/drm_debugfs.h>
#include <drm/drm_drv.h>
#include <drm/drm_file.h>

#include "vsvm_counters.h"
#include "vsvm_drv.h"

static int vsvm_counters_show(struct seq_file *m, void *arg)
{
	struct drm_debugfs_entry *entry = m->private;
	struct vsvm_device *vdev = to_vsvm_device(entry->dev);
	struct vsvm_counters *c = &vdev->counters;
	int idx;

	if (!drm_dev_enter(entry->dev, &idx))
		return -ENODEV;
	seq_printf(m, "execs: %lld\n", atomic64_read(&c->execs));
	seq_printf(m, "gpu_faults: %lld\n", atomic64_read(&c->gpu_faults));
	seq_printf(m, "pages_to_vram: %lld\n",
		   atomic64_read(&c->pages_to_vram));
	seq_printf(m, "pages_to_ram: %lld\n", atomic64_read(&c->pages_to_ram));
	seq_printf(m, "migrate_fallbacks: %lld\n",
		   atomic64_read(&c->migrate_fallbacks));
	seq_printf(m, "invalidations: %lld\n",
		   atomic64_read(&c->invalidations));
	seq_printf(m, "vram_pages_in: %lld\n",
		   atomic64_read(&vdev->pagemap.pages_in));
	seq_printf(m, "vram_pages_out: %lld\n",
		   atomic64_read(&vdev->pagemap.pages_out));
	seq_printf(m, "policy_thrashing: %lld\n",
		   atomic64_read(&c->policy_thrashing));
	seq_printf(m, "policy_throttles: %lld\n",
		   atomic64_read(&c->policy_throttles));
	seq_printf(m, "policy_pins: %lld\n", atomic64_read(&c->policy_pins));
	seq_printf(m, "policy_unpins: %lld\n",
		   atomic64_read(&c->policy_unpins));
	seq_printf(m, "policy_avoided: %lld\n",
		   atomic64_read(&c->policy_avoided));
	seq_printf(m, "policy_bytes_not_moved: %lld\n",
		   atomic64_read(&c->policy_bytes_not_moved));
	seq_printf(m, "policy_waits: %lld\n", atomic64_read(&c->policy_waits));
	seq_printf(m, "access_counted: %lld\n",
		   atomic64_read(&c->access_counted));
	seq_printf(m, "access_notifications: %lld\n",
		   atomic64_read(&c->access_notifications));
	seq_printf(m, "access_migrations: %lld\n",
		   atomic64_read(&c->access_migrations));
	seq_printf(m, "access_migrated_bytes: %lld\n",
		   atomic64_read(&c->access_migrated_bytes));
	seq_printf(m, "access_left: %lld\n", atomic64_read(&c->access_left));
	seq_printf(m, "access_migrate_failed: %lld\n",
		   atomic64_read(&c->access_migrate_failed));
	seq_printf(m, "replica_made: %lld\n", atomic64_read(&c->replica_made));
	seq_printf(m, "replica_collapsed: %lld\n",
		   atomic64_read(&c->replica_collapsed));
	seq_printf(m, "replica_dropped: %lld\n",
		   atomic64_read(&c->replica_dropped));
	drm_dev_exit(idx);
	return 0;
}

/**
 * vsvm_counters_debugfs_init() - add the "counters" debugfs file of a device
 * @vdev: the device, its DRM device registered
 */
void vsvm_counters_debugfs_init(struct vsvm_device *vdev)
{
	drm_debugfs_add_file(&vdev->drm, "counters", vsvm_counters_show, NULL);
}
