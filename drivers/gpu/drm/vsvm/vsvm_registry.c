// SPDX-License-Identifier: GPL-2.0
/*
 * vsvm registry: the one list of vsvm devices.
 *
 * An allocating xarray indexed by device index. A vsvm device reserves its
 * index when it is allocated (vsvm_registry_reserve(), a reserved slot
 * reads as empty) and its pagemap side enters the slot once it is set up
 * (vsvm_registry_add(), from vsvm_pagemap_dev_init()) until it is torn
 * down (vsvm_registry_remove()). A pagemap side without a DRM device (a
 * KUnit device) takes an index of its own at vsvm_registry_add().
 *
 * What the registry answers: the device index of the RESIDENCY locations
 * and its interconnect owner (vsvm_registry_owner(), the distinct owners
 * for a residency walk), the DRM devices of QUERY_PEERS and sysfs
 * (vsvm_registry_drm_devices_get()), whether a struct device is a peer of
 * a device's owner group (device_map) and which device's VRAM a peer
 * address is in (the copy accounting).
 *
 * Locking: one lock, the xarray's own spinlock (xa_lock). It is innermost:
 * device_map and the copy accounting take it under the gpusvm notifier
 * lock and the folio locks of a migration, and nothing is taken under it
 * but the references of vsvm_registry_drm_devices_get() (drm_dev_get()).
 * Entries are only dereferenced under it: an entry leaves the registry
 * before its &struct vsvm_pagemap_dev is torn down.
 */
#include <linux/device.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include <drm/drm_drv.h>

#include "vsvm_drv.h"
#include "vsvm_registry.h"

static DEFINE_XARRAY_ALLOC(vsvm_registry);

/**
 * vsvm_registry_reserve() - give a new device its index
 * @index: out: the lowest free index
 *
 * Return: 0, -ENOMEM, or -EBUSY when every index is taken.
 */
int vsvm_registry_reserve(u32 *index)
{
	return xa_alloc(&vsvm_registry, index, NULL, xa_limit_31b, GFP_KERNEL);
}

/**
 * vsvm_registry_release() - free an index from vsvm_registry_reserve()
 * @index: the index; its device is no longer in the registry
 */
void vsvm_registry_release(u32 index)
{
	WARN_ON(xa_erase(&vsvm_registry, index));
}

/**
 * vsvm_registry_add() - make a device's pagemap side visible
 * @pd: the pagemap side, set up; the index of its DRM device is reserved
 *
 * Return: 0, or -ENOMEM or -EBUSY when @pd, without a DRM device, gets no
 * index.
 */
int vsvm_registry_add(struct vsvm_pagemap_dev *pd)
{
	void *old;

	if (!pd->drm) {
		pd->own_index = true;
		return xa_alloc(&vsvm_registry, &pd->index, pd, xa_limit_31b,
				GFP_KERNEL);
	}
	pd->own_index = false;
	pd->index = to_vsvm_device(pd->drm)->index;
	/* The reserved slot exists: storing into it allocates nothing. */
	old = xa_store(&vsvm_registry, pd->index, pd, GFP_KERNEL);
	return xa_err(old);
}

/**
 * vsvm_registry_remove() - undo vsvm_registry_add()
 * @pd: the pagemap side
 *
 * The index of a DRM device stays reserved until vsvm_registry_release().
 */
void vsvm_registry_remove(struct vsvm_pagemap_dev *pd)
{
	if (pd->own_index)
		xa_erase(&vsvm_registry, pd->index);
	else
		xa_store(&vsvm_registry, pd->index, NULL, GFP_KERNEL);
}

/**
 * vsvm_registry_lock() - take the registry lock
 *
 * For vsvm_registry_find_p2p_locked(); innermost, see the file comment.
 */
void vsvm_registry_lock(void)
	__acquires(&vsvm_registry.xa_lock)
{
	xa_lock(&vsvm_registry);
}

/**
 * vsvm_registry_unlock() - drop the registry lock
 */
void vsvm_registry_unlock(void)
	__releases(&vsvm_registry.xa_lock)
{
	xa_unlock(&vsvm_registry);
}

/**
 * vsvm_registry_is_peer() - is a device a vsvm peer of another?
 * @pd: a registered device
 * @dev: a struct device
 *
 * Return: whether @dev is the device of a registered vsvm device other
 * than @pd in @pd's interconnect owner group.
 */
bool vsvm_registry_is_peer(struct vsvm_pagemap_dev *pd, struct device *dev)
{
	struct vsvm_pagemap_dev *q;
	unsigned long index;
	bool peer = false;

	xa_lock(&vsvm_registry);
	xa_for_each(&vsvm_registry, index, q) {
		if (q->dev == dev) {
			peer = q != pd && q->peer.owner == pd->peer.owner;
			break;
		}
	}
	xa_unlock(&vsvm_registry);
	return peer;
}

/**
 * vsvm_registry_find_p2p_locked() - the device whose VRAM a peer address is in
 * @addr: a peer address (&vsvm_pagemap_dev.p2p_base and on)
 *
 * Context: the registry lock held (vsvm_registry_lock()); the device may
 * be used until it is dropped.
 * Return: the device, or NULL.
 */
struct vsvm_pagemap_dev *vsvm_registry_find_p2p_locked(u64 addr)
{
	struct vsvm_pagemap_dev *q;
	unsigned long index;

	lockdep_assert_held(&vsvm_registry.xa_lock);
	xa_for_each(&vsvm_registry, index, q)
		if (q->p2p_size && addr >= q->p2p_base &&
		    addr - q->p2p_base < q->p2p_size)
			return q;
	return NULL;
}

/**
 * vsvm_registry_owner() - the interconnect owner of a device, by index
 * @index: the device index
 *
 * Return: the owner cookie (&drm_pagemap_peer.owner), only to be compared,
 * or NULL if no device of that index is registered.
 */
void *vsvm_registry_owner(u32 index)
{
	struct vsvm_pagemap_dev *pd;
	void *owner = NULL;

	xa_lock(&vsvm_registry);
	pd = xa_load(&vsvm_registry, index);
	if (pd)
		owner = pd->peer.owner;
	xa_unlock(&vsvm_registry);
	return owner;
}

/*
 * Collect pick(pd) of every registered device for which it is not NULL,
 * in index order, in a kcalloc()ed array with a free slot at its end; the
 * array is grown, and the devices looked at again, while devices come.
 * With @get, get(entry) is called on each entry under the lock.
 */
static void **vsvm_registry_collect(void *(*pick)(struct vsvm_pagemap_dev *pd),
				    void (*get)(void *entry),
				    unsigned int *count)
{
	struct vsvm_pagemap_dev *pd;
	unsigned int room = 0, n, i;
	unsigned long index;
	void **arr = NULL;

	for (;;) {
		n = 0;
		xa_lock(&vsvm_registry);
		xa_for_each(&vsvm_registry, index, pd) {
			void *entry = pick(pd);

			if (!entry)
				continue;
			if (n < room)
				arr[n] = entry;
			n++;
		}
		if (n < room) {
			for (i = 0; get && i < n; i++)
				get(arr[i]);
			xa_unlock(&vsvm_registry);
			*count = n;
			return arr;
		}
		xa_unlock(&vsvm_registry);

		/* More devices than room: grow and look again. */
		kfree(arr);
		room = n + 4;
		arr = kcalloc(room, sizeof(*arr), GFP_KERNEL);
		if (!arr)
			return NULL;
	}
}

static void *vsvm_registry_pick_owner(struct vsvm_pagemap_dev *pd)
{
	return pd->peer.owner;
}

/**
 * vsvm_registry_owners_get() - the interconnect owners of every device
 * @count: set to the number of entries returned
 *
 * Return: the owner of each registered device with one, in index order
 * (an owner group's owner as many times as it has devices), in a
 * kcalloc()ed array with room for one more entry, to be kfree()d; NULL
 * when out of memory.
 */
void **vsvm_registry_owners_get(unsigned int *count)
{
	return vsvm_registry_collect(vsvm_registry_pick_owner, NULL, count);
}

static void *vsvm_registry_pick_drm(struct vsvm_pagemap_dev *pd)
{
	if (!pd->drm || !pd->drm->registered || drm_dev_is_unplugged(pd->drm))
		return NULL;
	return pd->drm;
}

static void vsvm_registry_get_drm(void *drm)
{
	drm_dev_get(drm);
}

/**
 * vsvm_registry_drm_devices_get() - the DRM devices of every vsvm device
 * @count: set to the number of entries returned
 *
 * The registered, not unplugged DRM devices of the registered devices,
 * each referenced (drm_dev_get()), in index order. Release with
 * vsvm_registry_drm_devices_put().
 *
 * Return: an array of @count entries (NULL when @count is 0), or an
 * ERR_PTR(-ENOMEM).
 */
struct drm_device **vsvm_registry_drm_devices_get(unsigned int *count)
{
	void **drms;

	drms = vsvm_registry_collect(vsvm_registry_pick_drm,
				     vsvm_registry_get_drm, count);
	if (!drms)
		return ERR_PTR(-ENOMEM);
	if (!*count) {
		kfree(drms);
		return NULL;
	}
	return (struct drm_device **)drms;
}

/**
 * vsvm_registry_drm_devices_put() - release vsvm_registry_drm_devices_get()
 * @drms: its array, or NULL
 * @count: its count
 */
void vsvm_registry_drm_devices_put(struct drm_device **drms,
				   unsigned int count)
{
	unsigned int i;

	for (i = 0; i < count; i++)
		drm_dev_put(drms[i]);
	kfree(drms);
}
