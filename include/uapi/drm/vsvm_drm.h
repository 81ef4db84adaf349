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
 *
 * Signals: a signal the process catches (it has a handler) interrupts no
 * vsvm ioctl, with or without SA_RESTART: the call neither fails with
 * -EINTR nor does anything else than it would have done without the
 * signal (the same data, the same placement). Only a fatal signal (SIGKILL,
 * or one without a handler whose default action ends the process) ends a
 * call early, between two steps of its work (a PREFETCH chunk, a piece of
 * EXEC work or a GPU fault, an eviction, a wait for another caller making
 * the device's pagemap), in bounded time: the call returns -EINTR, which
 * the dying process never sees, and what it did before stays done, as
 * after the other errors of the call.
 */

#define DRM_VSVM_QUERY			0x00
#define DRM_VSVM_VM_CREATE		0x01
#define DRM_VSVM_VM_DESTROY		0x02
#define DRM_VSVM_DEVMEM_OPEN		0x03
#define DRM_VSVM_EXEC			0x04
#define DRM_VSVM_MADVISE		0x05
#define DRM_VSVM_QUERY_RANGE_ATTRS	0x06
#define DRM_VSVM_PREFETCH		0x07
#define DRM_VSVM_RESIDENCY		0x08

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
#define DRM_IOCTL_VSVM_EXEC \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VSVM_EXEC, struct drm_vsvm_exec)
#define DRM_IOCTL_VSVM_MADVISE \
	DRM_IOW(DRM_COMMAND_BASE + DRM_VSVM_MADVISE, struct drm_vsvm_madvise)
#define DRM_IOCTL_VSVM_QUERY_RANGE_ATTRS \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VSVM_QUERY_RANGE_ATTRS, \
		 struct drm_vsvm_query_range_attrs)
#define DRM_IOCTL_VSVM_PREFETCH \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VSVM_PREFETCH, \
		 struct drm_vsvm_prefetch)
#define DRM_IOCTL_VSVM_RESIDENCY \
	DRM_IOW(DRM_COMMAND_BASE + DRM_VSVM_RESIDENCY, \
		struct drm_vsvm_residency)

/**
 * enum drm_vsvm_query_type - what &struct drm_vsvm_query asks for
 * @DRM_VSVM_QUERY_DEVICE: a &struct drm_vsvm_query_device
 * @DRM_VSVM_QUERY_PEERS: a &struct drm_vsvm_query_peers
 */
enum drm_vsvm_query_type {
	DRM_VSVM_QUERY_DEVICE = 0,
	DRM_VSVM_QUERY_PEERS = 1,
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
 * argument pointer; -ENODEV once the device is gone; -EINTR on a fatal
 * signal. (The first VM of a process readies its mm for the VM's MMU
 * notifiers, which a pending signal interrupts: a caught one restarts the
 * call transparently.)
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
 * fd stays valid but the region accepts no migration: MADVISE and PREFETCH
 * with it fail with -ENODEV, on any device.
 *
 * Errors: -EINVAL for nonzero @flags, @pad or @reserved or an unknown
 * @region, -ENODEV once the device is gone, -EMFILE without a free fd,
 * -ENOMEM, -EINTR on a fatal signal (while it waited for another call
 * making the pagemap).
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

/**
 * enum drm_vsvm_link_type - how a device reaches another device's VRAM
 * @DRM_VSVM_LINK_NONE: no direct path; data moves through system memory
 * @DRM_VSVM_LINK_LOCAL: the device itself
 * @DRM_VSVM_LINK_P2P: PCIe peer-to-peer DMA
 * @DRM_VSVM_LINK_FABRIC: a driver-declared fabric (the sysmem backend's
 *	``fabric`` module parameter)
 */
enum drm_vsvm_link_type {
	DRM_VSVM_LINK_NONE = 0,
	DRM_VSVM_LINK_LOCAL = 1,
	DRM_VSVM_LINK_P2P = 2,
	DRM_VSVM_LINK_FABRIC = 3,
};

/**
 * struct drm_vsvm_peer - one entry of &struct drm_vsvm_query_peers
 */
struct drm_vsvm_peer {
	/** @index: the peer's device index (&drm_vsvm_query_device.index) */
	__u32 index;
	/** @link: an &enum drm_vsvm_link_type */
	__u32 link;
	/**
	 * @distance: the PCI P2P distance for %DRM_VSVM_LINK_P2P, 0 for
	 * %DRM_VSVM_LINK_LOCAL, 1 for %DRM_VSVM_LINK_FABRIC, -1 for
	 * %DRM_VSVM_LINK_NONE
	 */
	__s32 distance;
	/** @pad: zero */
	__u32 pad;
};

/**
 * struct drm_vsvm_query_peers - the answer of %DRM_VSVM_QUERY_PEERS
 *
 * Every vsvm device present, the queried one included (as
 * %DRM_VSVM_LINK_LOCAL), in order of index, with the link from the queried
 * device to it. The answer's size is that of this header plus @num_peers
 * entries.
 */
struct drm_vsvm_query_peers {
	/** @num_peers: the number of entries in @peers */
	__u32 num_peers;
	/** @pad: zero */
	__u32 pad;
	/** @peers: the entries */
	struct drm_vsvm_peer peers[];
};

/**
 * enum drm_vsvm_location - a memory location, for MADVISE and PREFETCH
 * @DRM_VSVM_LOCATION_DEFAULT: the driver's default placement: on a GPU
 *	fault anonymous private memory migrates to the VRAM of the faulting
 *	device, file-backed and shared memory is used in place in system
 *	memory (device-private migration only applies to anonymous memory)
 * @DRM_VSVM_LOCATION_SYSTEM: system memory
 * @DRM_VSVM_LOCATION_DEVICE: the VRAM of the device the VM belongs to
 * @DRM_VSVM_LOCATION_PAGEMAP_FD: the VRAM region named by a pagemap fd
 *	from DRM_IOCTL_VSVM_DEVMEM_OPEN, of this device or of a device with
 *	an interconnect to it
 */
enum drm_vsvm_location {
	DRM_VSVM_LOCATION_DEFAULT = 0,
	DRM_VSVM_LOCATION_SYSTEM = 1,
	DRM_VSVM_LOCATION_DEVICE = 2,
	DRM_VSVM_LOCATION_PAGEMAP_FD = 3,
};

/**
 * enum drm_vsvm_exec_op - the work of &struct drm_vsvm_exec
 * @DRM_VSVM_EXEC_READ: the GPU reads [va, va + size) and the result is
 *	copied to the user buffer at ptr, which must not overlap it
 * @DRM_VSVM_EXEC_WRITE: the GPU writes the user buffer at ptr, which must
 *	not overlap [va, va + size), to [va, va + size)
 * @DRM_VSVM_EXEC_FILL: the GPU fills [va, va + size) with the low width
 *	bytes of value, repeated (width 1, 2, 4 or 8; va and size multiples
 *	of width)
 * @DRM_VSVM_EXEC_COPY: the GPU copies [src_va, src_va + size) to
 *	[va, va + size); the two must not overlap
 * @DRM_VSVM_EXEC_ATOMIC_INC: the GPU atomically adds value to each
 *	width-byte counter in [va, va + size) (width 4 or 8; va and size
 *	multiples of width); result is the old value of the first counter
 */
enum drm_vsvm_exec_op {
	DRM_VSVM_EXEC_READ = 1,
	DRM_VSVM_EXEC_WRITE = 2,
	DRM_VSVM_EXEC_FILL = 3,
	DRM_VSVM_EXEC_COPY = 4,
	DRM_VSVM_EXEC_ATOMIC_INC = 5,
};

/* The largest size of one EXEC, in bytes. */
#define DRM_VSVM_EXEC_MAX_SIZE		(1ull << 30)

/**
 * struct drm_vsvm_exec - the argument of DRM_IOCTL_VSVM_EXEC
 *
 * Runs one piece of GPU work on a VM, synchronously. The GPU walks the
 * VM's page table; a miss is a GPU fault that the driver resolves (placing
 * the memory by the range's attributes, see &struct drm_vsvm_madvise)
 * before the access is retried. The counters report what the call cost.
 *
 * Errors: -EINVAL for nonzero @flags or @reserved, an unknown @op, a
 * @width or a field an op does not use that is not zero, @size zero or not
 * a multiple of @width, a misaligned @va or @src_va, a range that wraps
 * around, a @src_va range (COPY) or @ptr buffer (READ, WRITE) that
 * overlaps [@va, @va + @size); -E2BIG for @size above
 * %DRM_VSVM_EXEC_MAX_SIZE; -ENOENT for an unknown @vm_id; -EACCES from a
 * process other than the VM's; -EFAULT for VA the process has not mapped,
 * beyond the end of the file it maps (where the CPU gets SIGBUS), mapped
 * with no page a device may use (VM_IO or VM_PFNMAP mappings, such as the
 * vDSO's [vvar] data) or a bad @ptr; -EPERM for a GPU write to read-only
 * memory; -ENOMEM when memory runs out, also while faulting in or
 * migrating mapped memory (never -EFAULT then); -EINTR on a fatal
 * signal; -ENODEV once the device is gone; -EBUSY when invalidations
 * (migrations, mprotect() or munmap() by other threads) kept racing the
 * GPU faults of one page more times than the call retries them (call
 * again); -EIO when a page bound for the GPU resolves to no memory (its
 * device's memory went away under the work).
 * Work before a failing page has been done: after an error the user buffer
 * of a READ may hold part of the result.
 */
struct drm_vsvm_exec {
	/** @vm_id: the VM */
	__u32 vm_id;
	/** @op: an &enum drm_vsvm_exec_op */
	__u32 op;
	/** @flags: must be zero */
	__u32 flags;
	/** @width: the element size of FILL and ATOMIC_INC, else zero */
	__u32 width;
	/** @va: the GPU virtual address the op works on */
	__u64 va;
	/** @size: the number of bytes */
	__u64 size;
	/** @src_va: the source of COPY, else zero */
	__u64 src_va;
	/** @ptr: the user buffer of READ and WRITE, else zero */
	__u64 ptr;
	/** @value: the pattern of FILL, the increment of ATOMIC_INC */
	__u64 value;
	/** @result: out: the old value of ATOMIC_INC's first counter */
	__u64 result;
	/** @gpu_faults: out: the GPU faults the work raised */
	__u64 gpu_faults;
	/** @pages_in: out: pages migrated into this device's VRAM */
	__u64 pages_in;
	/** @pages_out: out: pages migrated out of VRAM (to system memory) */
	__u64 pages_out;
	/** @reserved: must be zero */
	__u64 reserved[2];
};

/**
 * enum drm_vsvm_madvise_type - which attribute &struct drm_vsvm_madvise sets
 * @DRM_VSVM_MADVISE_PREFERRED_LOC: value is an &enum drm_vsvm_location
 *	(%DRM_VSVM_LOCATION_PAGEMAP_FD with @fd); GPU faults migrate the
 *	range there
 * @DRM_VSVM_MADVISE_MIGRATION_POLICY: value is an
 *	&enum drm_vsvm_migration_policy
 * @DRM_VSVM_MADVISE_ATOMIC: value is an &enum drm_vsvm_atomic_mode
 * @DRM_VSVM_MADVISE_THRASHING: value is an &enum drm_vsvm_thrashing
 * @DRM_VSVM_MADVISE_ACCESS_COUNTERS: value is an
 *	&enum drm_vsvm_access_counters
 * @DRM_VSVM_MADVISE_READ_MOSTLY: value is an &enum drm_vsvm_read_mostly
 */
enum drm_vsvm_madvise_type {
	DRM_VSVM_MADVISE_PREFERRED_LOC = 1,
	DRM_VSVM_MADVISE_MIGRATION_POLICY = 2,
	DRM_VSVM_MADVISE_ATOMIC = 3,
	DRM_VSVM_MADVISE_THRASHING = 4,
	DRM_VSVM_MADVISE_ACCESS_COUNTERS = 5,
	DRM_VSVM_MADVISE_READ_MOSTLY = 6,
};

/**
 * enum drm_vsvm_read_mostly - read duplication of a range
 * @DRM_VSVM_READ_MOSTLY_OFF: GPU read faults place the memory as the
 *	other attributes say (the default)
 * @DRM_VSVM_READ_MOSTLY_ON: a GPU read fault of the VM's device on memory
 *	in the VRAM of another device of its interconnect owner group gives
 *	the device a read-only replica of the range in its own VRAM, and the
 *	memory (the master) stays where it is; several devices may hold
 *	replicas at once. A master in system memory first migrates to the
 *	faulting device's VRAM as usual (replicas are only made of masters
 *	in device memory, which the CPU cannot write without a migration).
 *	Any write collapses every replica of the memory before it proceeds:
 *	a GPU write or atomic of any device, a CPU access to the master
 *	(which migrates it back), munmap(), mprotect(), fork(), and any
 *	migration or eviction of the master. Replicas are dropped first,
 *	without a copy, when a device's VRAM is full.
 */
enum drm_vsvm_read_mostly {
	DRM_VSVM_READ_MOSTLY_OFF = 0,
	DRM_VSVM_READ_MOSTLY_ON = 1,
};

/**
 * enum drm_vsvm_access_counters - counter-driven migration of a range
 * @DRM_VSVM_ACCESS_COUNTERS_DEFAULT: as the vsvm module parameter
 *	access_counters says (default off)
 * @DRM_VSVM_ACCESS_COUNTERS_ON: the device counts its in-place accesses
 *	to the range's memory outside its own VRAM (system memory, a peer's
 *	VRAM), per block of access_counter_granularity_kb; a block that
 *	reaches access_counter_threshold accesses migrates to the device's
 *	VRAM, unless the preferred location is elsewhere or the migration
 *	policy has pinned or throttled the block (then it stays where it is).
 *	Only anonymous private memory moves.
 * @DRM_VSVM_ACCESS_COUNTERS_OFF: no counter-driven migration
 */
enum drm_vsvm_access_counters {
	DRM_VSVM_ACCESS_COUNTERS_DEFAULT = 0,
	DRM_VSVM_ACCESS_COUNTERS_ON = 1,
	DRM_VSVM_ACCESS_COUNTERS_OFF = 2,
};

/**
 * enum drm_vsvm_thrashing - the thrashing protection of a range
 * @DRM_VSVM_THRASHING_PROTECT: the migration policy shared by the devices
 *	of the process throttles and pins the blocks of the range that
 *	processors keep moving back and forth (the default; see the
 *	README and the drm_msvm module parameters policy_enable and
 *	thrashing_*)
 * @DRM_VSVM_THRASHING_OFF: no thrashing protection: every GPU fault
 *	migrates as the other attributes say, however often (CPU faults on
 *	the range's device pages are not throttled either)
 */
enum drm_vsvm_thrashing {
	DRM_VSVM_THRASHING_PROTECT = 0,
	DRM_VSVM_THRASHING_OFF = 1,
};

/**
 * enum drm_vsvm_migration_policy - which pages a GPU fault migrates
 * @DRM_VSVM_MIGRATE_ALL_PAGES: every page of the range goes to the
 *	preferred location, from system memory and from other devices' VRAM
 *	(the default)
 * @DRM_VSVM_MIGRATE_ONLY_SYSTEM_PAGES: only pages in system memory
 *	migrate; pages in the VRAM of a device with an interconnect stay
 *	there and are accessed in place
 */
enum drm_vsvm_migration_policy {
	DRM_VSVM_MIGRATE_ALL_PAGES = 0,
	DRM_VSVM_MIGRATE_ONLY_SYSTEM_PAGES = 1,
};

/**
 * enum drm_vsvm_atomic_mode - where a GPU atomic executes
 * @DRM_VSVM_ATOMIC_DEFAULT: as %DRM_VSVM_ATOMIC_DEVICE for memory that
 *	migrates to VRAM, in place otherwise
 * @DRM_VSVM_ATOMIC_DEVICE: in the VM's device's VRAM: the data migrates
 *	there first
 * @DRM_VSVM_ATOMIC_GLOBAL: wherever the data is (system memory or any
 *	VRAM), without migrating
 * @DRM_VSVM_ATOMIC_CPU: in system memory, where the CPU's atomics are: the
 *	data migrates to system memory first
 */
enum drm_vsvm_atomic_mode {
	DRM_VSVM_ATOMIC_DEFAULT = 0,
	DRM_VSVM_ATOMIC_DEVICE = 1,
	DRM_VSVM_ATOMIC_GLOBAL = 2,
	DRM_VSVM_ATOMIC_CPU = 3,
};

/**
 * struct drm_vsvm_madvise - the argument of DRM_IOCTL_VSVM_MADVISE
 *
 * Sets one attribute on [@start, @start + @range) of a VM. Attributes are
 * kept per VA interval: a call splits the intervals it partly covers and
 * merges neighbours that end up equal. They apply from the next GPU fault
 * and are reset to the defaults when the memory is unmapped. A pagemap fd
 * is held by reference, so the region stays usable after the fd is closed.
 *
 * Errors: -EINVAL for nonzero @reserved or @pad, an unknown @type or
 * @value, @fd not zero where @value is not %DRM_VSVM_LOCATION_PAGEMAP_FD,
 * @start or @range not page aligned, @range zero, a range that wraps;
 * -EBADF for an @fd that is not open; -EINVAL for an fd that is not a
 * pagemap fd; -ENOLINK for a pagemap of a device without an interconnect
 * to this one; -ENOENT for an unknown @vm_id; -EACCES from a process
 * other than the VM's; -ENODEV once the device is gone, and for the
 * pagemap fd of a device that is gone; -ENOMEM when memory runs out, or
 * when the call could leave the VM more intervals than the vsvm module
 * parameter max_attr_intervals allowed when the VM was made (counting
 * the splits and filled gaps that would not already have @value: a call
 * needing no new interval never fails so).
 */
struct drm_vsvm_madvise {
	/** @vm_id: the VM */
	__u32 vm_id;
	/** @type: an &enum drm_vsvm_madvise_type */
	__u32 type;
	/** @start: the first byte, page aligned */
	__u64 start;
	/** @range: the size in bytes, page aligned */
	__u64 range;
	/** @value: the attribute's value, per @type */
	__u32 value;
	/** @fd: the pagemap fd of %DRM_VSVM_LOCATION_PAGEMAP_FD, else zero */
	__s32 fd;
	/** @reserved: must be zero */
	__u64 reserved[2];
};

/**
 * struct drm_vsvm_range_attr - one interval of
 * &struct drm_vsvm_query_range_attrs
 */
struct drm_vsvm_range_attr {
	/** @start: the first byte of the interval */
	__u64 start;
	/** @end: the byte after the interval */
	__u64 end;
	/** @preferred_loc: an &enum drm_vsvm_location */
	__u32 preferred_loc;
	/**
	 * @preferred_device: the index of the device of the preferred VRAM
	 * for %DRM_VSVM_LOCATION_DEVICE and %DRM_VSVM_LOCATION_PAGEMAP_FD,
	 * else zero
	 */
	__u32 preferred_device;
	/** @migration_policy: an &enum drm_vsvm_migration_policy */
	__u32 migration_policy;
	/** @atomic_mode: an &enum drm_vsvm_atomic_mode */
	__u32 atomic_mode;
	/** @thrashing: an &enum drm_vsvm_thrashing */
	__u32 thrashing;
	/** @access_counters: an &enum drm_vsvm_access_counters */
	__u16 access_counters;
	/** @read_mostly: an &enum drm_vsvm_read_mostly */
	__u8 read_mostly;
	/** @reserved: zero */
	__u8 reserved;
};

/**
 * struct drm_vsvm_query_range_attrs - the argument of
 * DRM_IOCTL_VSVM_QUERY_RANGE_ATTRS
 *
 * Returns the attributes of [@start, @start + @range) as intervals that
 * cover it exactly, in address order, clipped to it, with neighbours of
 * equal attributes merged and default attributes where none were set.
 * With @num_attrs zero only the count is returned in @num_attrs. Otherwise
 * @num_attrs must be at least the count (-ENOSPC if not, with the count in
 * @num_attrs); the intervals are written to @attrs and their number to
 * @num_attrs.
 *
 * Errors: -EINVAL for nonzero @reserved, @start or @range not page
 * aligned, @range zero, a range that wraps; -EFAULT for a bad @attrs;
 * -ENOENT, -EACCES, -ENODEV as for MADVISE.
 */
struct drm_vsvm_query_range_attrs {
	/** @vm_id: the VM */
	__u32 vm_id;
	/** @num_attrs: in: the room at @attrs; out: the number of intervals */
	__u32 num_attrs;
	/** @start: the first byte, page aligned */
	__u64 start;
	/** @range: the size in bytes, page aligned */
	__u64 range;
	/** @attrs: user pointer to an array of &struct drm_vsvm_range_attr */
	__u64 attrs;
	/** @reserved: must be zero */
	__u64 reserved[2];
};

/**
 * struct drm_vsvm_prefetch - the argument of DRM_IOCTL_VSVM_PREFETCH
 *
 * Migrates the pages of [@start, @start + @range) that the process has
 * populated to a location ahead of GPU access: system memory, the VM's
 * device's VRAM, or the region of a pagemap fd. Only anonymous private
 * memory moves to VRAM; other memory stays in system memory. A page that
 * the kernel itself is moving when the call looks at it (a transparent
 * huge page split by a migration of a neighbouring range, compaction)
 * reads as not populated: the call looks again after moving the others
 * and moves what it then finds, but a page still in such a move at the
 * end stays where it was.
 *
 * Errors: -EINVAL for nonzero @flags or @reserved, an unknown @location
 * or %DRM_VSVM_LOCATION_DEFAULT, @fd not zero where @location is not
 * %DRM_VSVM_LOCATION_PAGEMAP_FD, @start or @range not page aligned, @range
 * zero, a range that wraps; -EBADF, -ENOLINK as for MADVISE; -EFAULT for
 * VA the process has not mapped; -ENOMEM when the VRAM cannot hold the
 * range even after eviction, or when memory runs out (never -EFAULT then);
 * -EBUSY when pages stayed busy (another migration, GPU work or an
 * mprotect() racing the call on the same pages, retried inside the call
 * for a while: call again; or references held on them, by a pipe after
 * vmsplice() for example, which do not go away by themselves); -EIO when
 * a copy failed because a device's memory could not be reached (a device
 * being unbound, a peer that cannot reach the target's VRAM); the pages
 * of that chunk keep their data where they were; -EINTR on a fatal
 * signal; -ENOENT, -EACCES, -ENODEV as for MADVISE. The range moves in
 * chunks: after -EBUSY, -ENOMEM, -EIO or -EINTR the pages of the chunks
 * before the failing one stay where the call put them (their data is
 * intact wherever they are).
 */
struct drm_vsvm_prefetch {
	/** @vm_id: the VM */
	__u32 vm_id;
	/** @location: an &enum drm_vsvm_location */
	__u32 location;
	/** @start: the first byte, page aligned */
	__u64 start;
	/** @range: the size in bytes, page aligned */
	__u64 range;
	/** @fd: the pagemap fd of %DRM_VSVM_LOCATION_PAGEMAP_FD, else zero */
	__s32 fd;
	/** @flags: must be zero */
	__u32 flags;
	/** @pages_migrated: out: the pages that moved */
	__u64 pages_migrated;
	/** @reserved: must be zero */
	__u64 reserved[2];
};

/* RESIDENCY: a page the process has not populated */
#define DRM_VSVM_RESIDENCY_NONE		0u
/* RESIDENCY: a page in system memory */
#define DRM_VSVM_RESIDENCY_SYSTEM	1u
/* RESIDENCY: a page in device memory that is not any vsvm device's */
#define DRM_VSVM_RESIDENCY_OTHER	2u
/* RESIDENCY: a page in the VRAM of the vsvm device of index @i */
#define DRM_VSVM_RESIDENCY_DEVICE(i)	(0x100u + (__u32)(i))
/*
 * RESIDENCY flag: instead of its location, report for each page the
 * bitmask of the vsvm devices that hold a read replica of it (bit i:
 * the device of index i; devices of index 32 and above are not shown).
 */
#define DRM_VSVM_RESIDENCY_REPLICAS	(1u << 0)
/* The most pages one DRM_IOCTL_VSVM_RESIDENCY call reports. */
#define DRM_VSVM_RESIDENCY_MAX_PAGES	(1u << 18)

/**
 * struct drm_vsvm_residency - the argument of DRM_IOCTL_VSVM_RESIDENCY
 *
 * Reports where each page of [@start, @start + @num_pages pages) is, one
 * %DRM_VSVM_RESIDENCY_* value per page written to the __u32 array at
 * @locations, without faulting or migrating anything. VA the process has
 * not mapped reads as %DRM_VSVM_RESIDENCY_NONE. With
 * %DRM_VSVM_RESIDENCY_REPLICAS in @flags each value is instead the
 * bitmask of the devices holding a read replica of the page
 * (%DRM_VSVM_READ_MOSTLY_ON), of any VM of the process.
 *
 * The answer is a snapshot: a page that is being migrated at that instant,
 * by another thread (a GPU or CPU fault, PREFETCH, eviction, even one that
 * then fails and leaves the page where it was) or by the kernel itself
 * (compaction), has no page in the CPU page table then and reads as
 * %DRM_VSVM_RESIDENCY_NONE.
 *
 * Errors: -EINVAL for unknown @flags or nonzero @reserved, @start not page
 * aligned, @num_pages zero or above %DRM_VSVM_RESIDENCY_MAX_PAGES, a range
 * that wraps; -EFAULT for a bad @locations; -ENOENT, -EACCES, -ENODEV as
 * for MADVISE.
 */
struct drm_vsvm_residency {
	/** @vm_id: the VM */
	__u32 vm_id;
	/** @flags: zero or %DRM_VSVM_RESIDENCY_REPLICAS */
	__u32 flags;
	/** @start: the first byte, page aligned */
	__u64 start;
	/** @num_pages: the number of pages */
	__u64 num_pages;
	/** @locations: user pointer to __u32[@num_pages] */
	__u64 locations;
	/** @reserved: must be zero */
	__u64 reserved[2];
};

#if defined(__cplusplus)
}
#endif

#endif
