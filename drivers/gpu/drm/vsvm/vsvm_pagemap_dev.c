// SPDX-License-Identifier: GPL-2.0
/*
 * vsvm pagemap device: the set-up and tear-down of the pagemap side of a
 * vsvm device (&struct vsvm_pagemap_dev).
 *
 * Set-up acquires the device's interconnect owner group, creates its
 * pagemap shrinker and cache, exports its VRAM to peers (vsvm_p2p.c) and
 * enters it in the device registry (vsvm_registry.c); no pagemap exists
 * until vsvm_pagemap_get(). Tear-down revokes an active pagemap and undoes
 * the rest in reverse.
 *
 * The owner of the pagemap (what HMM and migrate_vma compare) is the
 * device's interconnect owner group, acquired over a module-wide owner
 * list: devices with a link (drm_pagemap_p2p_has_interconnect()) share one.
 * System-memory devices are on the fabric named by the module parameter
 * "fabric" (none when empty).
 *
 * Locking: vsvm_pagemap_owners.lock (the framework's) is taken at device
 * init and fini only, around has_interconnect; set-up and tear-down of one
 * device are serialized by its driver core bind and unbind. The cache and
 * shrinker locks are the framework's.
 */
#include <linux/device.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/string.h>

#include <kunit/visibility.h>

#include <drm/drm_pagemap.h>
#include <drm/drm_pagemap_p2p.h>
#include <drm/drm_pagemap_util.h>

#include "vsvm_pagemap.h"
#include "vsvm_registry.h"

static char *fabric = "";
module_param(fabric, charp, 0444);
MODULE_PARM_DESC(fabric,
		 "Name of the fabric joining the system-memory vsvm devices (default empty: none)");

/* The devices owners are shared among; its mutex protects its peers. */
static struct drm_pagemap_owner_list vsvm_pagemap_owners = {
	.lock = __MUTEX_INITIALIZER(vsvm_pagemap_owners.lock),
	.peers = LIST_HEAD_INIT(vsvm_pagemap_owners.peers),
};

static bool vsvm_pagemap_has_interconnect(struct drm_pagemap_peer *peer1,
					  struct drm_pagemap_peer *peer2)
{
	struct vsvm_pagemap_dev *a = peer1->private, *b = peer2->private;

	return drm_pagemap_p2p_has_interconnect(&a->ep, &b->ep);
}

/**
 * vsvm_pagemap_dev_init_fabric() - set up the pagemap side of a device
 * @pd: the device's pagemap state
 * @drm: the DRM device, or NULL; an active pagemap references it (and so
 *	its module)
 * @dev: the device owning @vram
 * @vram: the VRAM, set up
 * @engine: the copy engine of the device, set up
 * @fabric: the name of the fabric the device is on, or NULL (or "") for
 *	none; only system-memory VRAM is reachable over a fabric
 *
 * Acquires the device's interconnect owner, creates its shrinker and
 * pagemap cache and exports the VRAM to peers (see "Peer access"). No
 * pagemap exists until vsvm_pagemap_get().
 *
 * Return: 0 or a negative errno.
 */
int vsvm_pagemap_dev_init_fabric(struct vsvm_pagemap_dev *pd,
				 struct drm_device *drm, struct device *dev,
				 struct vsvm_vram *vram,
				 struct vsvm_copy_engine *engine,
				 const char *fabric)
{
	int err;

	memset(pd, 0, sizeof(*pd));
	pd->drm = drm;
	pd->dev = dev;
	pd->vram = vram;
	pd->engine = engine;
	pd->ep.dev = dev;
	pd->ep.fabric = fabric && fabric[0] ? fabric : NULL;
	pd->peer.private = pd;
	pd->fabric_slot = -1;
	err = vsvm_devmem_dev_init(pd);
	if (err)
		return err;

	err = drm_pagemap_acquire_owner(&pd->peer, &vsvm_pagemap_owners,
					vsvm_pagemap_has_interconnect);
	if (err)
		goto err_devmem;
	pd->shrinker = drm_pagemap_shrinker_create(dev_name(dev));
	if (IS_ERR(pd->shrinker)) {
		err = PTR_ERR(pd->shrinker);
		goto err_owner;
	}
	pd->cache = drm_pagemap_cache_create(pd->shrinker);
	if (IS_ERR(pd->cache)) {
		err = PTR_ERR(pd->cache);
		goto err_shrinker;
	}
	err = vsvm_p2p_export(pd);
	if (err)
		goto err_cache;
	err = vsvm_registry_add(pd);
	if (err)
		goto err_export;
	return 0;

err_export:
	vsvm_p2p_unexport(pd);
err_cache:
	drm_pagemap_cache_destroy(pd->cache);
err_shrinker:
	drm_pagemap_shrinker_destroy(pd->shrinker);
err_owner:
	drm_pagemap_release_owner(&pd->peer);
err_devmem:
	vsvm_devmem_dev_fini(pd);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_pagemap_dev_init_fabric);

/**
 * vsvm_pagemap_dev_init() - set up the pagemap side of a vsvm device
 * @pd: the device's pagemap state
 * @drm: the DRM device, or NULL; an active pagemap references it (and so
 *	its module)
 * @dev: the device owning @vram
 * @vram: the VRAM, set up
 * @engine: the copy engine of the device, set up
 * @sysmem: the VRAM is system memory: the device is on the fabric named by
 *	the module parameter "fabric", if any
 *
 * See vsvm_pagemap_dev_init_fabric().
 *
 * Return: 0 or a negative errno.
 */
int vsvm_pagemap_dev_init(struct vsvm_pagemap_dev *pd, struct drm_device *drm,
			  struct device *dev, struct vsvm_vram *vram,
			  struct vsvm_copy_engine *engine, bool sysmem)
{
	return vsvm_pagemap_dev_init_fabric(pd, drm, dev, vram, engine,
					    sysmem ? fabric : NULL);
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_pagemap_dev_init);

/**
 * vsvm_pagemap_dev_fini() - tear down the pagemap side of a device
 * @pd: the device's pagemap state
 *
 * Called once no new user can come (the DRM device is unplugged), before
 * the VRAM goes. An active pagemap is revoked: its pages go back to system
 * memory and it refuses migrations; it lives on, detached, until its last
 * reference (an open pagemap fd) goes. An inactive one is destroyed.
 */
void vsvm_pagemap_dev_fini(struct vsvm_pagemap_dev *pd)
{
	struct drm_pagemap *dpagemap;
	int err;

	dpagemap = drm_pagemap_get_from_cache_if_active(pd->cache);
	if (dpagemap) {
		err = drm_pagemap_revoke(dpagemap);
		if (err)
			dev_warn(pd->dev, "pagemap revoke: %d\n", err);
		drm_pagemap_put(dpagemap);
	}
	drm_pagemap_cache_destroy(pd->cache);
	drm_pagemap_shrinker_destroy(pd->shrinker);
	drm_pagemap_flush_destroyed();

	/* No page is left for a peer to map: stop being one. */
	vsvm_registry_remove(pd);
	vsvm_p2p_unexport(pd);

	vsvm_devmem_dev_fini(pd);
	drm_pagemap_release_owner(&pd->peer);
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_pagemap_dev_fini);
