// SPDX-License-Identifier: GPL-2.0
/*
 * vsvm: the reference driver of drm-msvm, an emulated fault-capable GPU.
 *
 * Each vsvm device is one DRM device with a render node. Its VRAM comes
 * from one of two backends: system pages (platform devices, vsvm_platform.c)
 * or the memory BAR of a QEMU ivshmem device (vsvm_pci.c). This file holds
 * what the backends share: the DRM driver, the device indices and the
 * module init and exit.
 */
#include <linux/compat.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/nospec.h>
#include <linux/pagemap.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <drm/drm.h>
#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_ioctl.h>
#include <drm/drm_managed.h>
#include <drm/drm_print.h>

#include "vsvm_drv.h"
#include "vsvm_exec.h"
#include "vsvm_madvise.h"
#include "vsvm_query.h"
#include "vsvm_registry.h"
#include "vsvm_replica.h"
#include "vsvm_residency.h"
#include "vsvm_vm.h"

#define VSVM_DRIVER_NAME	"vsvm"
#define VSVM_DRIVER_DESC	"Emulated GPU with shared virtual memory"
#define VSVM_DRIVER_DATE	"20261121"
#define VSVM_DRIVER_MAJOR	0
#define VSVM_DRIVER_MINOR	1

/*
 * The indices of the vsvm devices of both backends. An index is taken at
 * probe and given back when the DRM device is released, so it is not reused
 * while an open file still refers to the device. The IDA locks itself.
 */

static const struct drm_ioctl_desc vsvm_ioctls[] = {
	DRM_IOCTL_DEF_DRV(VSVM_QUERY, vsvm_query_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VSVM_VM_CREATE, vsvm_vm_create_ioctl,
			  DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VSVM_VM_DESTROY, vsvm_vm_destroy_ioctl,
			  DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VSVM_DEVMEM_OPEN, vsvm_devmem_open_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VSVM_EXEC, vsvm_exec_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VSVM_MADVISE, vsvm_madvise_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VSVM_QUERY_RANGE_ATTRS, vsvm_query_range_attrs_ioctl,
			  DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VSVM_PREFETCH, vsvm_prefetch_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VSVM_RESIDENCY, vsvm_residency_ioctl,
			  DRM_RENDER_ALLOW),
};

/*
 * The ioctls that write their answer back themselves (see struct
 * vsvm_ioctl_user). vsvm_ioctl() runs them: their entries in vsvm_ioctls
 * above, whose handlers publish before the DRM core's copy-out, are only
 * there for drm_ioctl_flags() and the ioctl names, never reached.
 */
static const struct drm_ioctl_desc vsvm_user_ioctls[] = {
	DRM_IOCTL_DEF_DRV(VSVM_VM_CREATE, vsvm_vm_create_ioctl_user,
			  DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VSVM_DEVMEM_OPEN, vsvm_devmem_open_ioctl_user,
			  DRM_RENDER_ALLOW),
};

/**
 * vsvm_ioctl_copy_out() - write an ioctl's answer back to user space
 * @iu: the argument of the ioctl
 * @need: the bytes of the answer user space must receive (up to and
 *	including its last output field)
 *
 * Return: 0; -EINVAL if the ioctl number user space used does not write
 * back at least @need bytes (the answer would be lost); -EFAULT if the
 * user's argument is not writable.
 */
int vsvm_ioctl_copy_out(const struct vsvm_ioctl_user *iu, size_t need)
{
	if (iu->out_size < need)
		return -EINVAL;
	if (copy_to_user(iu->uarg, iu->data, iu->out_size))
		return -EFAULT;
	return 0;
}

/*
 * What drm_ioctl() does for a driver ioctl, but for the handlers of
 * vsvm_user_ioctls: copy the argument in as drm_ioctl() does (the
 * directions and sizes of both the user's and the driver's ioctl numbers
 * count), run the handler through drm_ioctl_kernel() (unplug and
 * permission checks) and copy nothing back.
 */
static long vsvm_ioctl_self_copied(struct file *filp,
				   const struct drm_ioctl_desc *desc,
				   unsigned int cmd, void __user *uarg)
{
	unsigned int in_size, out_size, drv_size, ksize;
	struct vsvm_ioctl_user iu;
	u64 stack_kdata[8];
	void *kdata = stack_kdata;
	long ret;

	drv_size = _IOC_SIZE(desc->cmd);
	in_size = _IOC_SIZE(cmd);
	out_size = in_size;
	if (!(cmd & desc->cmd & IOC_IN))
		in_size = 0;
	if (!(cmd & desc->cmd & IOC_OUT))
		out_size = 0;
	ksize = max3(in_size, out_size, drv_size);

	if (ksize > sizeof(stack_kdata)) {
		kdata = kmalloc(ksize, GFP_KERNEL);
		if (!kdata)
			return -ENOMEM;
	}
	if (copy_from_user(kdata, uarg, in_size)) {
		ret = -EFAULT;
		goto out;
	}
	memset(kdata + in_size, 0, ksize - in_size);

	iu.data = kdata;
	iu.uarg = uarg;
	iu.out_size = out_size;
	ret = drm_ioctl_kernel(filp, desc->func, &iu, desc->flags);
out:
	if (kdata != stack_kdata)
		kfree(kdata);
	return ret;
}

/*
 * The DRM core ioctls vsvm serves: version, capabilities, client
 * information and the master and authentication bookkeeping of the primary
 * node. vsvm has no GEM objects, no KMS and no syncobjs, and the DRM core
 * sets up none of their per-file state for it (drm_open() initialises the
 * GEM handle table only for DRIVER_GEM), but not all of their ioctls check
 * the feature first: in 6.12 DRM_IOCTL_PRIME_HANDLE_TO_FD and
 * DRM_IOCTL_PRIME_FD_TO_HANDLE go straight to the GEM helpers, which take
 * the never-initialised table_lock. So every other core ioctl, including
 * any a later core adds, fails with -EOPNOTSUPP, the errno the core itself
 * gives for a feature the driver lacks, before the core is entered.
 */
static bool vsvm_core_ioctl_allowed(unsigned int nr)
{
	switch (nr) {
	case DRM_IOCTL_NR(DRM_IOCTL_VERSION):
	case DRM_IOCTL_NR(DRM_IOCTL_GET_UNIQUE):
	case DRM_IOCTL_NR(DRM_IOCTL_GET_MAGIC):
	case DRM_IOCTL_NR(DRM_IOCTL_GET_CLIENT):
	case DRM_IOCTL_NR(DRM_IOCTL_GET_STATS):
	case DRM_IOCTL_NR(DRM_IOCTL_SET_VERSION):
	case DRM_IOCTL_NR(DRM_IOCTL_GET_CAP):
	case DRM_IOCTL_NR(DRM_IOCTL_SET_CLIENT_CAP):
	case DRM_IOCTL_NR(DRM_IOCTL_AUTH_MAGIC):
	case DRM_IOCTL_NR(DRM_IOCTL_SET_MASTER):
	case DRM_IOCTL_NR(DRM_IOCTL_DROP_MASTER):
		return true;
	default:
		return false;
	}
}

/*
 * Whether the argument of driver ioctl @index, which the DRM core writes
 * back after the handler ran, can be written. The ioctls that answer
 * through their argument (QUERY, EXEC, QUERY_RANGE_ATTRS, PREFETCH) do
 * their work before the core's copy-out: with an argument in read-only
 * memory they would return -EFAULT with the work done (GPU work run, pages
 * migrated). So the argument is faulted in for writing first, without
 * changing a byte, and such a call fails with -EFAULT before it does
 * anything. Only an mprotect() or munmap() of the argument by another
 * thread while the call runs can still make the copy-out fail afterwards.
 */
static bool vsvm_ioctl_out_writable(unsigned int cmd, unsigned int index,
				    void __user *uarg)
{
	unsigned int size = _IOC_SIZE(cmd);

	if (index >= ARRAY_SIZE(vsvm_ioctls))
		return true;	/* drm_ioctl() refuses it */
	index = array_index_nospec(index, ARRAY_SIZE(vsvm_ioctls));
	if (!(cmd & vsvm_ioctls[index].cmd & IOC_OUT) || !size)
		return true;
	return access_ok(uarg, size) && !fault_in_safe_writeable(uarg, size);
}

/*
 * Route one ioctl: -EOPNOTSUPP for a core ioctl vsvm does not serve, the
 * handler of vsvm_user_ioctls for the ioctls that write back themselves
 * (*@self set), else drm_ioctl()'s (*@self clear, return value unused).
 */
static long vsvm_ioctl_route(struct file *filp, unsigned int cmd,
			     void __user *uarg, bool *self)
{
	struct drm_file *file_priv = filp->private_data;
	unsigned int nr = DRM_IOCTL_NR(cmd), index;

	/* Unplugged is for good: drm_ioctl() gives every call -ENODEV. */
	*self = true;
	if (_IOC_TYPE(cmd) == DRM_IOCTL_BASE &&
	    !drm_dev_is_unplugged(file_priv->minor->dev)) {
		if (nr < DRM_COMMAND_BASE || nr >= DRM_COMMAND_END) {
			if (!vsvm_core_ioctl_allowed(nr))
				return -EOPNOTSUPP;
		} else {
			index = nr - DRM_COMMAND_BASE;
			if (!vsvm_ioctl_out_writable(cmd, index, uarg))
				return -EFAULT;
			if (index < ARRAY_SIZE(vsvm_user_ioctls)) {
				index = array_index_nospec(index,
							   ARRAY_SIZE(vsvm_user_ioctls));
				if (vsvm_user_ioctls[index].func)
					return vsvm_ioctl_self_copied(filp,
								      &vsvm_user_ioctls[index],
								      cmd, uarg);
			}
		}
	}
	*self = false;
	return 0;
}

static long vsvm_ioctl(struct file *filp, unsigned int cmd, unsigned long arg)
{
	bool self;
	long ret = vsvm_ioctl_route(filp, cmd, (void __user *)arg, &self);

	return self ? ret : drm_ioctl(filp, cmd, arg);
}

#ifdef CONFIG_COMPAT
static long vsvm_compat_ioctl(struct file *filp, unsigned int cmd,
			      unsigned long arg)
{
	bool self;
	long ret = vsvm_ioctl_route(filp, cmd, compat_ptr(arg), &self);

	return self ? ret : drm_compat_ioctl(filp, cmd, arg);
}
#else
#define vsvm_compat_ioctl NULL
#endif

static const struct file_operations vsvm_fops = {
	.owner = THIS_MODULE,
	.open = drm_open,
	.release = drm_release,
	.unlocked_ioctl = vsvm_ioctl,
	.compat_ioctl = vsvm_compat_ioctl,
	.poll = drm_poll,
	.read = drm_read,
	.llseek = noop_llseek,
	.fop_flags = FOP_UNSIGNED_OFFSET,
};

static const struct drm_driver vsvm_drm_driver = {
	.driver_features = DRIVER_RENDER,
	.open = vsvm_file_open,
	.postclose = vsvm_file_postclose,
	.ioctls = vsvm_ioctls,
	.num_ioctls = ARRAY_SIZE(vsvm_ioctls),
	.fops = &vsvm_fops,
	.name = VSVM_DRIVER_NAME,
	.desc = VSVM_DRIVER_DESC,
	.date = VSVM_DRIVER_DATE,
	.major = VSVM_DRIVER_MAJOR,
	.minor = VSVM_DRIVER_MINOR,
};

static void vsvm_device_release_index(struct drm_device *drm, void *arg)
{
	vsvm_registry_release(to_vsvm_device(drm)->index);
}

/**
 * vsvm_device_alloc() - allocate a vsvm device
 * @parent: the platform or PCI device it is the GPU of
 * @backend: where its VRAM comes from
 *
 * Allocates the DRM device (freed with @parent's devres once the last user
 * is gone) and a device index. The caller sets up &vsvm_device.vram, then
 * calls vsvm_device_register().
 *
 * Return: the device or an ERR_PTR().
 */
struct vsvm_device *vsvm_device_alloc(struct device *parent,
				      enum drm_vsvm_backend backend)
{
	struct vsvm_device *vdev;
	u32 index;
	int err;

	vdev = devm_drm_dev_alloc(parent, &vsvm_drm_driver, struct vsvm_device,
				  drm);
	if (IS_ERR(vdev))
		return vdev;

	err = vsvm_registry_reserve(&index);
	if (err)
		return ERR_PTR(err);
	vdev->index = index;
	err = drmm_add_action_or_reset(&vdev->drm, vsvm_device_release_index,
				       NULL);
	if (err)
		return ERR_PTR(err);

	vdev->backend = backend;
	vsvm_device_vms_init(vdev);
	return vdev;
}

static const struct vsvm_copy_engine_ops vsvm_copy_ops = {
	.vram_va = vsvm_pagemap_vram_va,
};

/* The copy engine and the pagemap of the VRAM; undone in reverse. */
static int vsvm_device_pagemap_init(struct vsvm_device *vdev)
{
	int err;

	err = vsvm_copy_engine_init(&vdev->copy, vdev->drm.dev, &vsvm_copy_ops,
				    &vdev->vram);
	if (err)
		return err;
	err = vsvm_pagemap_dev_init(&vdev->pagemap, &vdev->drm, vdev->drm.dev,
				    &vdev->vram, &vdev->copy,
				    vdev->backend == DRM_VSVM_BACKEND_SYSMEM);
	if (err)
		vsvm_copy_engine_fini(&vdev->copy);
	return err;
}

static void vsvm_device_pagemap_fini(struct vsvm_device *vdev)
{
	vsvm_pagemap_dev_fini(&vdev->pagemap);
	vsvm_copy_engine_fini(&vdev->copy);
}

/**
 * vsvm_device_register() - make a vsvm device visible to user space
 * @vdev: the device from vsvm_device_alloc(), with its VRAM set up
 *
 * Return: 0 or a negative errno; on error the caller tears down the VRAM.
 */
int vsvm_device_register(struct vsvm_device *vdev)
{
	int err;

	err = vsvm_device_pagemap_init(vdev);
	if (err)
		return err;
	err = drm_dev_register(&vdev->drm, 0);
	if (err) {
		vsvm_device_pagemap_fini(vdev);
		return err;
	}
	vsvm_debugfs_init(vdev);
	vsvm_vm_debugfs_init(vdev);
	vsvm_counters_debugfs_init(vdev);
	err = vsvm_sysfs_init(vdev);
	if (err) {
		drm_dev_unplug(&vdev->drm);
		vsvm_device_pagemap_fini(vdev);
		return err;
	}

	drm_info(&vdev->drm, "vsvm%d: %s VRAM, %llu MiB\n", vdev->index,
		 vdev->backend == DRM_VSVM_BACKEND_PCI_BAR ? "PCI BAR" : "sysmem",
		 vdev->vram.size >> 20);
	return 0;
}

/**
 * vsvm_device_remove() - remove a registered vsvm device
 * @vdev: the device
 *
 * Unplugs the DRM device: it waits for the ioctls in flight, and every
 * later call on an open file fails with -ENODEV. Then the VRAM goes. The
 * structure itself lives on until the last open file is closed.
 */
void vsvm_device_remove(struct vsvm_device *vdev)
{
	vsvm_sysfs_fini(vdev);
	drm_dev_unplug(&vdev->drm);
	/* Before the VRAM: VMs of open files may still map them. */
	vsvm_replica_device_fini(vdev);
	vsvm_device_pagemap_fini(vdev);
	vsvm_vram_fini(&vdev->vram);
}

static int __init vsvm_init(void)
{
	int err;

	err = vsvm_platform_init();
	if (err)
		return err;

	err = vsvm_pci_init();
	if (err) {
		vsvm_platform_exit();
		return err;
	}
	return 0;
}
module_init(vsvm_init);

static void __exit vsvm_exit(void)
{
	vsvm_pci_exit();
	vsvm_platform_exit();
	vsvm_pagemap_module_exit();
}
module_exit(vsvm_exit);

MODULE_DESCRIPTION("vsvm: emulated GPU with shared virtual memory (drm-msvm reference driver)");
MODULE_LICENSE("GPL");
