/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note OR MIT */
/*
 * vsvm: the UAPI of the drm-msvm reference driver, an emulated
 * fault-capable GPU with shared virtual memory.
 */
#ifndef _UAPI_VSVM_DRM_H_
#define _UAPI_VSVM_DRM_H_

#include "drm.h"

#if defined(__cplusplus)
extern "C" {
#endif

/*
 * Every ioctl validates every field: unknown flags, query or op values and
 * nonzero reserved or padding fields return -EINVAL, bad user pointers
 * return -EFAULT, and a failed call changes nothing.
 */

#define DRM_VSVM_QUERY			0x00
#define DRM_VSVM_VM_CREATE		0x01
#define DRM_VSVM_VM_DESTROY		0x02
#define DRM_VSVM_DEVMEM_OPEN		0x03

#define DRM_IOCTL_VSVM_QUERY \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VSVM_QUERY, struct drm_vsvm_query)
#define DRM_IOCTL_VSVM_VM_CREATE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VSVM_VM_CREATE, \
		 struct drm_vsvm_vm_create)
#define DRM_IOCTL_VSVM_VM_DESTROY \
	DRM_IOW(DRM_COMMAND_BASE + DRM_VSVM_VM_DESTROY, \
		struct drm_vsvm_vm_destroy)
#define DRM_IOCTL_VSVM_DEVMEM_OPEN \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VSVM_DEVMEM_OPEN, \
		 struct drm_vsvm_devmem_open)

/**
 * enum drm_vsvm_query_type - what &struct drm_vsvm_query asks for
 * @DRM_VSVM_QUERY_DEVICE: a &struct drm_vsvm_query_device
 */
enum drm_vsvm_query_type {
	DRM_VSVM_QUERY_DEVICE = 0,
};

/**
 * struct drm_vsvm_query - the argument of DRM_IOCTL_VSVM_QUERY
 *
 * With @size zero the kernel writes the size of the answer to @size and
 * returns 0. Otherwise @size must be at least that size (-EINVAL if not),
 * the answer is copied to @data (-EFAULT if that fails) and @size is set
 * to the number of bytes written.
 */
struct drm_vsvm_query {
	/** @query: an &enum drm_vsvm_query_type */
	__u32 query;
	/** @flags: must be zero */
	__u32 flags;
	/** @size: in: the size of the buffer at @data; out: the answer's size */
	__u32 size;
	/** @pad: must be zero */
	__u32 pad;
	/** @data: user pointer to the buffer of the answer */
	__u64 data;
	/** @reserved: must be zero */
	__u64 reserved[2];
};

/**
 * enum drm_vsvm_backend - where a device's VRAM comes from
 * @DRM_VSVM_BACKEND_SYSMEM: system pages allocated by the driver
 *	(a platform device)
 * @DRM_VSVM_BACKEND_PCI_BAR: the memory BAR of a PCI device
 */
enum drm_vsvm_backend {
	DRM_VSVM_BACKEND_SYSMEM = 1,
	DRM_VSVM_BACKEND_PCI_BAR = 2,
};

/* The device is a PCI device: the pci_* fields of the query are valid. */
#define DRM_VSVM_DEVICE_FLAG_PCI	(1u << 0)

/**
 * struct drm_vsvm_query_device - the answer of %DRM_VSVM_QUERY_DEVICE
 */
struct drm_vsvm_query_device {
	/** @index: the device's index among all vsvm devices */
	__u32 index;
	/** @backend: an &enum drm_vsvm_backend */
	__u32 backend;
	/** @vram_size: the size of the VRAM in bytes */
	__u64 vram_size;
	/** @vram_free: the bytes of VRAM not allocated */
	__u64 vram_free;
	/** @min_page_size: the VRAM allocation granule in bytes */
	__u64 min_page_size;
	/** @flags: DRM_VSVM_DEVICE_FLAG_* */
	__u32 flags;
	/** @pci_domain: the PCI domain, where %DRM_VSVM_DEVICE_FLAG_PCI */
	__u32 pci_domain;
	/** @pci_bus: the PCI bus number */
	__u8 pci_bus;
	/** @pci_dev: the PCI device number */
	__u8 pci_dev;
	/** @pci_func: the PCI function number */
	__u8 pci_func;
	/** @pad: zero */
	__u8 pad;
	/** @reserved: zero, for extensions */
	__u32 reserved[5];
};

/* The most VMs one open file of a device may hold. */
#define DRM_VSVM_VM_MAX_PER_FILE	64

/**
 * struct drm_vsvm_vm_create - the argument of DRM_IOCTL_VSVM_VM_CREATE
 *
 * Creates a GPU VM that mirrors the whole address space of the calling
 * process: any of its CPU virtual addresses is a GPU virtual address of the
 * VM. The VM belongs to the open file and may only be used from the
 * process (the mm) that created it; closing the file destroys its VMs.
 *
 * Errors: -EINVAL for nonzero @flags or @reserved; -ENOSPC when the file
 * already holds %DRM_VSVM_VM_MAX_PER_FILE VMs; -ENOMEM; -EFAULT for a bad
 * argument pointer; -ENODEV once the device is gone.
 */
struct drm_vsvm_vm_create {
	/** @flags: must be zero */
	__u32 flags;
	/** @vm_id: out: the id of the new VM, nonzero, unique in the file */
	__u32 vm_id;
	/** @reserved: must be zero */
	__u64 reserved[2];
};

/**
 * struct drm_vsvm_vm_destroy - the argument of DRM_IOCTL_VSVM_VM_DESTROY
 *
 * Destroys a VM: the device stops mirroring the process's memory through
 * it and its id becomes unknown.
 *
 * Errors: -EINVAL for nonzero @pad or @reserved; -ENOENT for an id that is
 * not a VM of this file; -EACCES when the caller's process is not the one
 * that created the VM (for example a child forked with the file open): the
 * VM is left alone; -EFAULT for a bad argument pointer.
 */
struct drm_vsvm_vm_destroy {
	/** @vm_id: the VM to destroy */
	__u32 vm_id;
	/** @pad: must be zero */
	__u32 pad;
	/** @reserved: must be zero */
	__u64 reserved[2];
};

/**
 * struct drm_vsvm_devmem_open - the argument of DRM_IOCTL_VSVM_DEVMEM_OPEN
 *
 * Opens a device-memory region of the device as a pagemap file descriptor,
 * close-on-exec, that names the region as a memory location (e.g. the
 * preferred location of a range) and keeps its pagemap alive: the pagemap
 * is created on first use and, once no fd or migrated page refers to it,
 * kept inactive until memory pressure destroys it or the next open revives
 * it. Closing the fd drops the reference. Once the device is removed the
 * fd stays valid but the region accepts no migration.
 *
 * Errors: -EINVAL for nonzero @flags, @pad or @reserved or an unknown
 * @region, -ENODEV once the device is gone, -EMFILE without a free fd.
 */
struct drm_vsvm_devmem_open {
	/** @flags: must be zero */
	__u32 flags;
	/** @region: the VRAM region; must be 0, the device's only one */
	__u32 region;
	/** @fd: out: the pagemap file descriptor */
	__s32 fd;
	/** @pad: must be zero */
	__u32 pad;
	/** @reserved: must be zero */
	__u64 reserved[2];
};

#if defined(__cplusplus)
}
#endif

#endif
