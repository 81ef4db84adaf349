// SPDX-License-Identifier: GPL-2.0
/*
 * vsvm: GPU VMs (DRM_IOCTL_VSVM_VM_CREATE and DRM_IOCTL_VSVM_VM_DESTROY).
 *
 * A VM mirrors the mm of the process that created it through a
 * &struct drm_gpusvm and keeps a GPU page table of its own: VA page to
 * device address. The emulated GPU walks that table under the notifier lock
 * held for read; a miss is a GPU fault, handled by vsvm_vm_fault() under the
 * VM lock (vsvm_fault.c): find or insert the range, place it, collect its
 * pages, and bind them if no invalidation came in between. The invalidate
 * callback zaps the table and unmaps the pages; on an unmap it marks the
 * ranges for the garbage collector (vsvm_vm_gc()), which the fault path
 * runs first.
 *
 * VMs belong to a DRM file (&struct vsvm_file) and may only be used from
 * the mm that created them: any other caller, such as a forked child
 * holding the same file, gets -EACCES and never reaches another process's
 * memory. Lock order: &vsvm_file.lock -> &vsvm_device.vm_lock ->
 * &vsvm_vm.lock -> mmap_lock -> &drm_gpusvm.notifier_lock.
 *
 * A GPU access to @va of a VM from vsvm_vm_lookup() goes::
 *
 *	mutex_lock(&vm->lock);
 *	retry:
 *	drm_gpusvm_notifier_lock(&vm->svm);
 *	if (!vsvm_vm_pt_lookup(vm, va, &addr, &writable) ||
 *	    (write && !writable)) {
 *		drm_gpusvm_notifier_unlock(&vm->svm);
 *		err = vsvm_vm_fault(vm, va, write);
 *		if (err)
 *			goto out;
 *		goto retry;
 *	}
 *	access the page at addr (+ offset_in_page(va));
 *	drm_gpusvm_notifier_unlock(&vm->svm);
 *	out:
 *	mutex_unlock(&vm->lock);
 */
#include <linux/fs.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/slab.h>

#include <drm/drm_debugfs.h>
#include <drm/drm_drv.h>
#include <drm/drm_file.h>

#include <kunit/visibility.h>

#include "vsvm_access.h"
#include "vsvm_drv.h"
#include "vsvm_policy.h"
#include "vsvm_replica.h"
#include "vsvm_trace.h"
#include "vsvm_vm.h"

/* The VA size of each notifier of a VM. */
#define VSVM_VM_NOTIFIER_SIZE	SZ_512M
static const unsigned long vsvm_vm_chunk_sizes[] = { SZ_2M, SZ_64K, SZ_4K };

/*
 * A page table entry is an xarray value: the page-aligned device address,
 * with the protocol, the DMA direction and the writable bit in the low bits.
 */
#define VSVM_PTE_WRITABLE	BIT(0)
#define VSVM_PTE_PROTO_SHIFT	1
#define VSVM_PTE_PROTO_MASK	(0x3ul << VSVM_PTE_PROTO_SHIFT)
#define VSVM_PTE_DIR_SHIFT	3
#define VSVM_PTE_DIR_MASK	(0x3ul << VSVM_PTE_DIR_SHIFT)
#define VSVM_PTE_ATOMIC		BIT(5)

static unsigned long vsvm_vm_pages(unsigned long start, unsigned long end)
{
	return (end - start) >> PAGE_SHIFT;
}

/**
 * vsvm_vm_pt_zap() - drop GPU page table entries
 * @vm: the VM
 * @start: the first address
 * @end: the address after the last
 *
 * Drops the entries (and reservations) of [@start, @end). Called with the
 * notifier lock held for write, or with &vsvm_vm.lock and the notifier lock
 * held for read (the GPU walks the table with both held).
 */
void vsvm_vm_pt_zap(struct vsvm_vm *vm, unsigned long start,
		    unsigned long end)
{
	XA_STATE(xas, &vm->pt, start >> PAGE_SHIFT);
	void *entry;

	if (end <= start)
		return;
	/* One walk under the xarray lock, not a lookup per page. */
	xas_lock(&xas);
	xas_for_each(&xas, entry, (PAGE_ALIGN(end) >> PAGE_SHIFT) - 1)
		xas_store(&xas, NULL);
	xas_unlock(&xas);
}

/**
 * vsvm_vm_pt_revoke_write() - drop the writable GPU page table entries
 * @vm: the VM, the notifier lock held for write
 * @start: the first address
 * @end: the address after the last
 *
 * Read-only entries (read replicas among them) stay.
 */
void vsvm_vm_pt_revoke_write(struct vsvm_vm *vm, unsigned long start,
			     unsigned long end)
{
	unsigned long idx;
	void *entry;

	lockdep_assert_held_write(&vm->svm.notifier_lock);
	xa_for_each_range(&vm->pt, idx, entry, start >> PAGE_SHIFT,
			  (PAGE_ALIGN(end) >> PAGE_SHIFT) - 1)
		if (xa_is_value(entry) &&
		    (xa_to_value(entry) & VSVM_PTE_WRITABLE))
			xa_erase(&vm->pt, idx);
}

/**
 * vsvm_vm_pt_bind_replica() - map a range read-only to a copy in VRAM
 * @vm: the VM, its lock held
 * @range: the range, its pages valid (checked under the notifier lock)
 * @offset: the VRAM offset of the copy of the range, contiguous
 *
 * Called with the notifier lock held for read and the range's slots
 * reserved, as vsvm_vm_pt_bind().
 *
 * Return: 0, or -ENOMEM if a slot was not reserved.
 */
int vsvm_vm_pt_bind_replica(struct vsvm_vm *vm, struct drm_gpusvm_range *range,
			    u64 offset)
{
	unsigned long base = drm_gpusvm_range_start(range) >> PAGE_SHIFT;
	unsigned long npages = vsvm_vm_pages(drm_gpusvm_range_start(range),
					     drm_gpusvm_range_end(range));
	unsigned long i;
	void *old;

	lockdep_assert_held(&vm->lock);
	lockdep_assert_held_read(&vm->svm.notifier_lock);

	for (i = 0; i < npages; i++) {
		u64 addr = offset + (i << PAGE_SHIFT);

		if (WARN_ON_ONCE(addr > LONG_MAX || !PAGE_ALIGNED(addr)))
			return -EINVAL;
		old = xa_store(&vm->pt, base + i,
			       xa_mk_value(addr |
					   ((unsigned long)DRM_INTERCONNECT_DRIVER <<
					    VSVM_PTE_PROTO_SHIFT)),
			       GFP_NOWAIT | __GFP_NOWARN);
		if (xa_is_err(old))
			return xa_err(old);
	}
	return 0;
}

/*
 * Whether an invalidation takes anything from the device: pages exclusive
 * to its own owner group stay where they are, mapped (the device asked for
 * them, for its atomics); otherwise only a range of the interval holding
 * valid pages can have GPU page table entries (entries only exist inside
 * such ranges, read replicas included, see vsvm_replica_fault()).
 */
static bool vsvm_vm_invalidate_needs_zap(struct vsvm_vm *vm,
					 struct drm_gpusvm_notifier *notifier,
					 const struct mmu_notifier_range *mmu_range)
{
	struct drm_gpusvm_range *range = NULL;

	if (mmu_range->event == MMU_NOTIFY_EXCLUSIVE &&
	    mmu_range->owner == vsvm_device_owner(vm->vdev))
		return false;
	drm_gpusvm_for_each_range(range, notifier, mmu_range->start,
				  mmu_range->end)
		if (drm_gpusvm_range_pages_valid(&vm->svm, range))
			return true;
	return false;
}

/*
 * The invalidate callback, upstream's contract: drm_gpusvm only calls it,
 * with the notifier lock held for write, and this does the rest. The GPU
 * walks the page table with the notifier lock held for read, so once the
 * entries are gone it no longer uses the pages (that is the wait for the
 * GPU); then the pages of every range the interval meets, even partly, are
 * unmapped, whole; an unmap marks the ranges for the garbage collector
 * (drm_gpusvm's list, collected by vsvm_vm_gc()).
 */
static void vsvm_vm_invalidate(struct drm_gpusvm *svm,
			       struct drm_gpusvm_notifier *notifier,
			       const struct mmu_notifier_range *mmu_range)
{
	struct vsvm_vm *vm = container_of(svm, struct vsvm_vm, svm);
	struct drm_gpusvm_ctx ctx = { .in_notifier = 1 };
	bool unmap = mmu_range->event == MMU_NOTIFY_UNMAP ||
		     mmu_range->event == MMU_NOTIFY_RELEASE;
	struct drm_gpusvm_range *range = NULL;
	bool zap;

	if (mmu_range->event == MMU_NOTIFY_EXCLUSIVE &&
	    mmu_range->owner == vsvm_device_owner(vm->vdev))
		return;

	zap = vsvm_vm_invalidate_needs_zap(vm, notifier, mmu_range);
	drm_gpusvm_for_each_range(range, notifier, mmu_range->start,
				  mmu_range->end) {
		unsigned long start = drm_gpusvm_range_start(range);
		unsigned long end = drm_gpusvm_range_end(range);

		if (zap) {
			vsvm_vm_pt_zap(vm, start, end);
			/* The master may change: its read replicas go too. */
			vsvm_replica_invalidate(vm, start, end);
		}
		drm_gpusvm_range_unmap_pages(svm, range, &ctx);
		if (unmap) {
			drm_gpusvm_range_set_unmapped(range, NULL, 0,
						      mmu_range);
			/*
			 * Its counts go with it, also those of what is still
			 * mapped: once the garbage collector removed the
			 * last range of the notifier, no callback would see
			 * the rest unmapped, and a new mapping there would
			 * inherit them.
			 */
			vsvm_access_unmapped(vm, start, end);
		}
	}
	/* Unmapped memory is gone: so are its access counts. */
	if (unmap)
		vsvm_access_unmapped(vm, mmu_range->start, mmu_range->end);
	if (!zap)
		return;
	atomic64_inc(&vm->vdev->counters.invalidations);
	trace_vsvm_invalidate(vm->vdev->index, vm->id, mmu_range->start,
			      mmu_range->end, mmu_range->event);
}

/**
 * vsvm_vm_gc() - remove the ranges the invalidate callback marked unmapped
 * @vm: the VM, its lock held
 *
 * The callback zapped their entries and unmapped their pages; what is left
 * is taking them out of the trees, outside the notifier. Called before a
 * GPU fault looks its range up (drm_gpusvm_range_find_or_insert() returns
 * an unmapped range as it is), so that an address unmapped and mapped
 * again gets a range fitted to its new VMA.
 */
void vsvm_vm_gc(struct vsvm_vm *vm)
{
	lockdep_assert_held(&vm->lock);
	drm_gpusvm_garbage_collect(&vm->svm);
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_vm_gc);

static const struct drm_gpusvm_ops vsvm_vm_svm_ops = {
	.invalidate = vsvm_vm_invalidate,
};

/**
 * vsvm_vm_pt_reserve() - reserve the page table slots of a range
 * @vm: the VM, its lock held
 * @range: the range
 *
 * So that vsvm_vm_pt_bind() does not allocate under the notifier lock.
 *
 * Return: 0 or -ENOMEM.
 */
int vsvm_vm_pt_reserve(struct vsvm_vm *vm, struct drm_gpusvm_range *range)
{
	unsigned long last = (drm_gpusvm_range_end(range) >> PAGE_SHIFT) - 1;
	XA_STATE(xas, &vm->pt, drm_gpusvm_range_start(range) >> PAGE_SHIFT);
	void *entry;

	/*
	 * Each empty slot gets a reserved (zero) entry, in one walk under the
	 * xarray lock; on -ENOMEM the walk allocates without the lock and
	 * goes on from the slot it stopped at.
	 */
	do {
		xas_lock(&xas);
		entry = xas_load(&xas);
		for (;;) {
			if (!entry) {
				xas_store(&xas, XA_ZERO_ENTRY);
				if (xas_error(&xas))
					break;
			}
			if (xas.xa_index >= last)
				break;
			entry = xas_next(&xas);
		}
		xas_unlock(&xas);
	} while (xas_nomem(&xas, GFP_KERNEL));
	return xas_error(&xas);
}

/**
 * vsvm_vm_pt_unreserve() - release the reserved slots vsvm_vm_pt_bind() left
 * @vm: the VM, its lock held
 * @range: the range
 */
void vsvm_vm_pt_unreserve(struct vsvm_vm *vm, struct drm_gpusvm_range *range)
{
	unsigned long last = (drm_gpusvm_range_end(range) >> PAGE_SHIFT) - 1;
	XA_STATE(xas, &vm->pt, drm_gpusvm_range_start(range) >> PAGE_SHIFT);
	void *entry;

	xas_lock(&xas);
	xas_for_each(&xas, entry, last)
		if (xa_is_zero(entry))
			xas_store(&xas, NULL);
	xas_unlock(&xas);
}

/* Whether a GPU atomic may run on a page at @proto under @atomic. */
static bool vsvm_vm_pt_atomic_ok(enum vsvm_pt_atomic atomic, u64 proto)
{
	switch (atomic) {
	case VSVM_PT_ATOMIC_ALL:
		return true;
	case VSVM_PT_ATOMIC_LOCAL:
		return proto == DRM_INTERCONNECT_DRIVER;
	case VSVM_PT_ATOMIC_SYSTEM:
		return proto == DRM_INTERCONNECT_SYSTEM;
	}
	return false;
}

/**
 * vsvm_vm_pt_bind() - write the pages of a range into the GPU page table
 * @vm: the VM, its lock held
 * @range: the range, its pages valid (checked under the notifier lock)
 * @atomic: which of the pages GPU atomics may use where they are
 *
 * Called with the notifier lock held for read and the range's slots
 * reserved (vsvm_vm_pt_reserve()).
 *
 * Return: 0, or -ENOMEM if a slot was not reserved.
 */
int vsvm_vm_pt_bind(struct vsvm_vm *vm, struct drm_gpusvm_range *range,
		    enum vsvm_pt_atomic atomic)
{
	unsigned long base = drm_gpusvm_range_start(range) >> PAGE_SHIFT;
	unsigned long npages = vsvm_vm_pages(drm_gpusvm_range_start(range),
					     drm_gpusvm_range_end(range));
	unsigned long writable = range->pages.flags.read_only ? 0 :
		VSVM_PTE_WRITABLE;
	const struct drm_pagemap_addr *dma_addr =
		drm_gpusvm_pages_first_dma(&range->pages, NULL);
	XA_STATE(xas, &vm->pt, base);
	unsigned long i, j;
	int err = 0;

	lockdep_assert_held(&vm->lock);
	lockdep_assert_held_read(&vm->svm.notifier_lock);

	/* Memory with read replicas is mapped read-only everywhere. */
	if (writable && vsvm_replica_covers(vm, drm_gpusvm_range_start(range),
					    drm_gpusvm_range_end(range)))
		writable = 0;

	/*
	 * The entries in one walk under the xarray lock, the slots in
	 * order. A slot a zap emptied since vsvm_vm_pt_reserve() may need a
	 * node that an allocation without sleeping cannot give: -ENOMEM.
	 */
	xas_lock(&xas);
	xas_load(&xas);
	for (i = 0; i < npages && !err; i += 1ul << dma_addr[i].order) {
		const struct drm_pagemap_addr *da = &dma_addr[i];
		unsigned long flags = writable;

		/* Atomics write: a read-only page takes none. */
		if (writable && vsvm_vm_pt_atomic_ok(atomic, da->proto))
			flags |= VSVM_PTE_ATOMIC;
		for (j = 0; j < (1ul << da->order) && i + j < npages; j++) {
			u64 addr = da->addr + (j << PAGE_SHIFT);

			if (WARN_ON_ONCE(addr > LONG_MAX || !PAGE_ALIGNED(addr))) {
				err = -EINVAL;
				break;
			}
			if (i + j)
				xas_next(&xas);
			xas_store(&xas, xa_mk_value(addr | flags |
						    ((unsigned long)da->proto <<
						     VSVM_PTE_PROTO_SHIFT) |
						    ((unsigned long)da->dir <<
						     VSVM_PTE_DIR_SHIFT)));
			err = xas_error(&xas);
			if (err)
				break;
		}
	}
	xas_unlock(&xas);
	return err;
}

/**
 * vsvm_vm_pt_entry() - read the GPU page table
 * @vm: the VM
 * @va: a virtual address
 * @addr: out: the device address of the page holding @va (order 0)
 * @perms: out: VSVM_PT_* permissions of the page
 *
 * Called with the notifier lock of @vm held for read
 * (drm_gpusvm_notifier_lock()); the page stays mapped while it is held.
 *
 * Return: true if @va is mapped, false on a miss (a GPU fault).
 */
bool vsvm_vm_pt_entry(struct vsvm_vm *vm, unsigned long va,
		      struct drm_pagemap_addr *addr, unsigned int *perms)
{
	void *entry;
	unsigned long v;

	lockdep_assert_held(&vm->svm.notifier_lock);

	entry = xa_load(&vm->pt, va >> PAGE_SHIFT);
	if (!xa_is_value(entry))
		return false;
	v = xa_to_value(entry);
	*addr = drm_pagemap_addr_encode(v & PAGE_MASK,
					(v & VSVM_PTE_PROTO_MASK) >>
					VSVM_PTE_PROTO_SHIFT, 0,
					(v & VSVM_PTE_DIR_MASK) >>
					VSVM_PTE_DIR_SHIFT);
	*perms = ((v & VSVM_PTE_WRITABLE) ? VSVM_PT_WRITE : 0) |
		 ((v & VSVM_PTE_ATOMIC) ? VSVM_PT_ATOMIC : 0);
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_vm_pt_entry);

/**
 * vsvm_vm_pt_lookup() - read the GPU page table
 * @vm: the VM
 * @va: a virtual address
 * @addr: out: the device address of the page holding @va (order 0)
 * @writable: out: whether the GPU may write the page
 *
 * As vsvm_vm_pt_entry(), with the notifier lock held for read.
 *
 * Return: true if @va is mapped, false on a miss (a GPU fault).
 */
bool vsvm_vm_pt_lookup(struct vsvm_vm *vm, unsigned long va,
		       struct drm_pagemap_addr *addr, bool *writable)
{
	unsigned int perms;

	if (!vsvm_vm_pt_entry(vm, va, addr, &perms))
		return false;
	*writable = perms & VSVM_PT_WRITE;
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_vm_pt_lookup);

/**
 * vsvm_vm_pt_count() - the number of pages the GPU page table maps
 * @vm: the VM
 *
 * Return: the number of mapped pages, a snapshot.
 */
unsigned long vsvm_vm_pt_count(struct vsvm_vm *vm)
{
	unsigned long idx, count = 0;
	void *entry;

	xa_for_each(&vm->pt, idx, entry)
		count++;
	return count;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_vm_pt_count);

/**
 * vsvm_device_vms_init() - set up the VM list of a device
 * @vdev: the device
 */
void vsvm_device_vms_init(struct vsvm_device *vdev)
{
	mutex_init(&vdev->vm_lock);
	INIT_LIST_HEAD(&vdev->vm_list);
	vdev->nr_vms = 0;
	vsvm_replica_device_init(vdev);
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_device_vms_init);

/**
 * vsvm_vm_create() - create a VM mirroring the current mm
 * @vdev: the device
 *
 * Return: the VM with one reference, or an ERR_PTR(): -EINVAL without an mm,
 * -ENOMEM.
 */
struct vsvm_vm *vsvm_vm_create(struct vsvm_device *vdev)
{
	struct mm_struct *mm = current->mm;
	struct vsvm_vm *vm;
	int err;

	if (!mm)
		return ERR_PTR(-EINVAL);

	vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm)
		return ERR_PTR(-ENOMEM);
	kref_init(&vm->refcount);
	vm->vdev = vdev;
	mutex_init(&vm->lock);
	xa_init_flags(&vm->pt, XA_FLAGS_ACCOUNT);
	INIT_LIST_HEAD(&vm->link);
	mmgrab(mm);
	vm->mm = mm;
	vsvm_attr_store_init(&vm->attrs, mm);
	drm_pagemap_access_counters_init(&vm->access);

	err = vsvm_policy_vm_init(vm) ?:
	      vsvm_replica_vm_init(vm) ?:
	      drm_gpusvm_init_device(&vm->svm, "vsvm", &vdev->drm, mm,
				     vsvm_device_owner(vdev), 0, TASK_SIZE,
				     VSVM_VM_NOTIFIER_SIZE, &vsvm_vm_svm_ops,
				     vsvm_vm_chunk_sizes,
				     ARRAY_SIZE(vsvm_vm_chunk_sizes));
	if (err) {
		vsvm_replica_vm_fini(vm);
		vsvm_policy_vm_fini(vm);
		mmdrop(mm);
		mutex_destroy(&vm->lock);
		kfree(vm);
		return ERR_PTR(err);
	}
	drm_gpusvm_driver_set_lock(&vm->svm, &vm->lock);

	mutex_lock(&vdev->vm_lock);
	list_add_tail(&vm->link, &vdev->vm_list);
	vdev->nr_vms++;
	mutex_unlock(&vdev->vm_lock);
	return vm;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_vm_create);

static void vsvm_vm_release(struct kref *kref)
{
	struct vsvm_vm *vm = container_of(kref, struct vsvm_vm, refcount);
	struct vsvm_device *vdev = vm->vdev;

	mutex_lock(&vdev->vm_lock);
	list_del(&vm->link);
	vdev->nr_vms--;
	mutex_unlock(&vdev->vm_lock);

	/* Nobody walks the table any more: drop it, then the ranges. */
	mutex_lock(&vm->lock);
	xa_destroy(&vm->pt);
	drm_gpusvm_fini(&vm->svm);
	drm_pagemap_access_counters_fini(&vm->access);
	mutex_unlock(&vm->lock);

	vsvm_replica_vm_fini(vm);

	vsvm_attr_store_fini(&vm->attrs);
	vsvm_policy_vm_fini(vm);
	mmdrop(vm->mm);
	mutex_destroy(&vm->lock);
	kfree(vm);
}

/**
 * vsvm_vm_get() - take a reference on a VM
 * @vm: the VM
 *
 * Return: @vm.
 */
struct vsvm_vm *vsvm_vm_get(struct vsvm_vm *vm)
{
	kref_get(&vm->refcount);
	return vm;
}

/**
 * vsvm_vm_put() - drop a reference on a VM
 * @vm: the VM
 *
 * The last reference tears the VM down: its page table, its ranges and
 * notifiers (drm_gpusvm_fini()) and its mm reference. Process context.
 */
void vsvm_vm_put(struct vsvm_vm *vm)
{
	kref_put(&vm->refcount, vsvm_vm_release);
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_vm_put);

/**
 * vsvm_file_open() - the &drm_driver.open hook: set up the file's VM table
 * @drm: the DRM device
 * @file: the new DRM file
 *
 * Return: 0 or -ENOMEM.
 */
int vsvm_file_open(struct drm_device *drm, struct drm_file *file)
{
	struct vsvm_file *vf = kzalloc(sizeof(*vf), GFP_KERNEL_ACCOUNT);

	if (!vf)
		return -ENOMEM;
	mutex_init(&vf->lock);
	xa_init_flags(&vf->vms, XA_FLAGS_ALLOC1);
	file->driver_priv = vf;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_file_open);

/**
 * vsvm_file_postclose() - the &drm_driver.postclose hook
 * @drm: the DRM device
 * @file: the DRM file being closed
 *
 * Destroys every VM the file still holds, whatever process closes it.
 */
void vsvm_file_postclose(struct drm_device *drm, struct drm_file *file)
{
	struct vsvm_file *vf = file->driver_priv;
	struct vsvm_vm *vm;
	unsigned long id;

	xa_for_each(&vf->vms, id, vm) {
		xa_erase(&vf->vms, id);
		vsvm_vm_put(vm);
	}
	xa_destroy(&vf->vms);
	mutex_destroy(&vf->lock);
	kfree(vf);
	file->driver_priv = NULL;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_file_postclose);

/**
 * vsvm_vm_lookup() - find a VM of a file, for the current process
 * @file: the DRM file
 * @id: the VM id
 *
 * Return: the VM with a reference taken (vsvm_vm_put() it), or an
 * ERR_PTR(): -ENOENT for an unknown id, -EACCES if the VM mirrors another
 * mm than the caller's.
 */
struct vsvm_vm *vsvm_vm_lookup(struct drm_file *file, u32 id)
{
	struct vsvm_file *vf = file->driver_priv;
	struct vsvm_vm *vm;

	mutex_lock(&vf->lock);
	vm = xa_load(&vf->vms, id);
	if (!vm)
		vm = ERR_PTR(-ENOENT);
	else if (vm->mm != current->mm)
		vm = ERR_PTR(-EACCES);
	else
		vsvm_vm_get(vm);
	mutex_unlock(&vf->lock);
	return vm;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_vm_lookup);

/*
 * VM_CREATE: the id is reserved (a NULL entry: lookups see no VM) and the
 * count taken under the file lock, the VM made, the answer written back
 * through @iu if there is one, and only then is the VM published under its
 * id. A failure at any step undoes the earlier ones, the id cursor too, so
 * the file is left as it was. User memory is never touched under a lock.
 */
static int vsvm_vm_create_common(struct drm_device *drm,
				 struct drm_vsvm_vm_create *args,
				 struct drm_file *file,
				 const struct vsvm_ioctl_user *iu)
{
	struct vsvm_device *vdev = to_vsvm_device(drm);
	struct vsvm_file *vf = file->driver_priv;
	u32 id, cursor, cursor_after;
	struct vsvm_vm *vm;
	void *old;
	int idx, err;

	if (args->flags || args->reserved[0] || args->reserved[1])
		return -EINVAL;
	if (iu && iu->out_size < offsetofend(typeof(*args), vm_id))
		return -EINVAL;	/* the id could not be returned */

	/*
	 * The mm's notifier tree now, before anything is done: its first
	 * registration fails on any pending signal, and the calls that work
	 * on the VM later must not. A caught signal restarts this call
	 * after its handler ran, with or without SA_RESTART: user space
	 * never sees it.
	 */
	if (current->mm) {
		err = drm_gpusvm_mm_prepare(current->mm);
		if (err == -EINTR && !fatal_signal_pending(current))
			err = -ERESTARTNOINTR;
		if (err)
			return err;
	}

	mutex_lock(&vf->lock);
	if (vf->nr_vms >= VSVM_VM_MAX_PER_FILE) {
		mutex_unlock(&vf->lock);
		return -ENOSPC;
	}
	cursor = vf->next_id;
	err = xa_alloc_cyclic(&vf->vms, &id, NULL, XA_LIMIT(1, INT_MAX),
			      &vf->next_id, GFP_KERNEL_ACCOUNT);
	if (err < 0) {
		mutex_unlock(&vf->lock);
		return err;
	}
	cursor_after = vf->next_id;
	vf->nr_vms++;
	mutex_unlock(&vf->lock);

	if (!drm_dev_enter(drm, &idx)) {
		err = -ENODEV;
		goto err_release;
	}
	vm = vsvm_vm_create(vdev);
	drm_dev_exit(idx);
	if (IS_ERR(vm)) {
		err = PTR_ERR(vm);
		goto err_release;
	}
	vm->id = id;
	args->vm_id = id;

	if (iu) {
		err = vsvm_ioctl_copy_out(iu, offsetofend(typeof(*args), vm_id));
		if (err)
			goto err_put;
	}

	mutex_lock(&vf->lock);
	old = xa_store(&vf->vms, id, vm, GFP_KERNEL_ACCOUNT);
	mutex_unlock(&vf->lock);
	/* The slot is reserved: storing into it allocates nothing. */
	if (WARN_ON(xa_is_err(old))) {
		err = xa_err(old);
		goto err_put;
	}
	return 0;

err_put:
	vsvm_vm_put(vm);
err_release:
	mutex_lock(&vf->lock);
	xa_erase(&vf->vms, id);
	vf->nr_vms--;
	if (vf->next_id == cursor_after)
		vf->next_id = cursor;
	mutex_unlock(&vf->lock);
	return err;
}

/**
 * vsvm_vm_create_ioctl() - DRM_IOCTL_VSVM_VM_CREATE, for in-kernel callers
 * @drm: the DRM device
 * @data: the &struct drm_vsvm_vm_create
 * @file: the DRM file
 *
 * User space reaches vsvm_vm_create_ioctl_user() instead (see
 * &struct vsvm_ioctl_user); this one publishes the VM at once.
 *
 * Return: 0 with the new id in &drm_vsvm_vm_create.vm_id; -EINVAL for
 * nonzero @flags or @reserved; -ENOSPC when the file holds
 * %VSVM_VM_MAX_PER_FILE VMs; -ENOMEM; -ENODEV once the device is gone;
 * -EINTR on a fatal signal (a caught one restarts the call, see
 * drm_gpusvm_mm_prepare()).
 */
int vsvm_vm_create_ioctl(struct drm_device *drm, void *data,
			 struct drm_file *file)
{
	return vsvm_vm_create_common(drm, data, file, NULL);
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_vm_create_ioctl);

/**
 * vsvm_vm_create_ioctl_user() - DRM_IOCTL_VSVM_VM_CREATE from user space
 * @drm: the DRM device
 * @data: the &struct vsvm_ioctl_user of a &struct drm_vsvm_vm_create
 * @file: the DRM file
 *
 * Writes the id back before the VM gets it: a VM exists under the id only
 * once user space has been told.
 *
 * Return: as vsvm_vm_create_ioctl(), and -EFAULT, with no VM made, if the
 * answer cannot be written back; -EINVAL if the ioctl number user space
 * used would not write back the id.
 */
int vsvm_vm_create_ioctl_user(struct drm_device *drm, void *data,
			      struct drm_file *file)
{
	const struct vsvm_ioctl_user *iu = data;

	return vsvm_vm_create_common(drm, iu->data, file, iu);
}

/**
 * vsvm_vm_destroy_ioctl() - DRM_IOCTL_VSVM_VM_DESTROY
 * @drm: the DRM device
 * @data: the &struct drm_vsvm_vm_destroy
 * @file: the DRM file
 *
 * Return: 0; -EINVAL for nonzero @pad or @reserved; -ENOENT for an unknown
 * VM id; -EACCES if the VM was created by another mm (a forked child, or
 * another process the file was passed to).
 */
int vsvm_vm_destroy_ioctl(struct drm_device *drm, void *data,
			  struct drm_file *file)
{
	struct drm_vsvm_vm_destroy *args = data;
	struct vsvm_file *vf = file->driver_priv;
	struct vsvm_vm *vm;

	if (args->pad || args->reserved[0] || args->reserved[1])
		return -EINVAL;

	mutex_lock(&vf->lock);
	vm = xa_load(&vf->vms, args->vm_id);
	if (!vm) {
		mutex_unlock(&vf->lock);
		return -ENOENT;
	}
	if (vm->mm != current->mm) {
		mutex_unlock(&vf->lock);
		return -EACCES;
	}
	xa_erase(&vf->vms, args->vm_id);
	vf->nr_vms--;
	mutex_unlock(&vf->lock);

	vsvm_vm_put(vm);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_vm_destroy_ioctl);

/**
 * vsvm_vm_debugfs_show() - print the VMs of a device
 * @vdev: the device
 * @m: the seq_file
 *
 * One line with the number of VMs, then one per VM: its id, its ranges and
 * notifiers, and the pages its GPU page table maps.
 */
void vsvm_vm_debugfs_show(struct vsvm_device *vdev, struct seq_file *m)
{
	struct drm_gpusvm_notifier *notifier;
	struct drm_gpusvm_range *range;
	struct vsvm_vm *vm;

	mutex_lock(&vdev->vm_lock);
	seq_printf(m, "vms: %u\n", vdev->nr_vms);
	list_for_each_entry(vm, &vdev->vm_list, link) {
		unsigned int ranges = 0, notifiers = 0;

		drm_gpusvm_notifier_lock(&vm->svm);
		drm_gpusvm_for_each_notifier(notifier, &vm->svm, 0, ULONG_MAX) {
			notifiers++;
			range = NULL;
			drm_gpusvm_for_each_range(range, notifier,
						  drm_gpusvm_notifier_start(notifier),
						  drm_gpusvm_notifier_end(notifier))
				ranges++;
		}
		drm_gpusvm_notifier_unlock(&vm->svm);
		seq_printf(m, "vm %u: notifiers %u ranges %u pages %lu\n",
			   vm->id, notifiers, ranges, vsvm_vm_pt_count(vm));
	}
	mutex_unlock(&vdev->vm_lock);
}

static int vsvm_vm_debugfs_vms(struct seq_file *m, void *arg)
{
	struct drm_debugfs_entry *entry = m->private;

	vsvm_vm_debugfs_show(to_vsvm_device(entry->dev), m);
	return 0;
}

/**
 * vsvm_vm_debugfs_init() - add the "vms" debugfs file of a device
 * @vdev: the device, its DRM device registered
 */
void vsvm_vm_debugfs_init(struct vsvm_device *vdev)
{
	drm_debugfs_add_file(&vdev->drm, "vms", vsvm_vm_debugfs_vms, NULL);
}
