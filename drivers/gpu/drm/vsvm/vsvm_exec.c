// SPDX-License-Identifier: GPL-2.0
/*
 * vsvm executor: DRM_IOCTL_VSVM_EXEC, the emulated GPU's work.
 *
 * One EXEC is one piece of GPU work on a VM, run synchronously by the
 * calling thread: READ, WRITE, FILL, COPY or ATOMIC_INC over a VA range.
 * Like a fault-capable GPU, the executor reaches memory only through the
 * VM's GPU page table (vsvm_vm.c): it looks each page up with the notifier
 * lock held for read and accesses it through its device address, as the
 * copy engine resolves it (vsvm_copy_resolve(): a system DMA address, an
 * offset in the device's VRAM, or a P2P bus address of a peer's VRAM). A
 * miss, a write to a page bound read-only or an atomic on a page that
 * atomics may not use where it is raises a GPU fault (vsvm_fault.c), with
 * the notifier lock dropped, and the access is replayed. Forward progress:
 * other threads, processes and devices may migrate the pages away at any
 * time (two GPUs ping-ponging one range, a PREFETCH loop), so a fault
 * returns with the notifier lock held after binding (%VSVM_FAULT_LOCKED)
 * and the replay runs before any invalidation; and the work's own faults
 * may evict each other (a COPY between two ranges in a full VRAM), so
 * after %VSVM_EXEC_MIGRATING_TRIES faults without progress the fault maps
 * the pages where they are (%VSVM_FAULT_IN_PLACE). A fault that fails
 * for want of time (invalidations kept racing it, or its walk or eviction
 * timed out) is such a try too. A page that still keeps faulting ends the
 * work with -EBUSY, so nothing hangs (not -EAGAIN, which libdrm's
 * drmIoctl() retries forever).
 *
 * The work runs in chunks of %VSVM_EXEC_CHUNK bytes, each under the VM lock
 * (which serializes the VM's faults and its GPU work). A user copy may
 * fault and invalidate, which takes the notifier lock for write, so a READ
 * writes the user buffer directly only while it does not fault (page faults
 * disabled); from the first page that would fault on, the chunk goes
 * through a bounce buffer that is copied out after the locks are dropped.
 * WRITE always copies the user buffer into the bounce buffer first.
 *
 * Accesses in place to memory outside the device's VRAM are counted for
 * the access counters (vsvm_access.c) while the notifier lock is held and
 * added to the VM's counters, which may migrate a block, once it is
 * dropped.
 *
 * Lock order: &vsvm_vm.lock -> (mmap_lock, in faults) ->
 * &drm_gpusvm.notifier_lock (read) -> the copy engine's window lock (read).
 */
#include <linux/atomic.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <kunit/visibility.h>

#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/vsvm_drm.h>

#include "vsvm_access.h"
#include "vsvm_copy.h"
#include "vsvm_drv.h"
#include "vsvm_exec.h"
#include "vsvm_fault.h"
#include "vsvm_link.h"
#include "vsvm_vm.h"

/* The bytes of work done per hold of the VM lock, and the bounce size. */
#define VSVM_EXEC_CHUNK		SZ_64K
/* GPU faults on one address without progress before giving up. */
#define VSVM_EXEC_TRIES		16
/* ... of which the first ones may migrate (then: map in place). */
#define VSVM_EXEC_MIGRATING_TRIES	4

/**
 * struct vsvm_exec - the state of one EXEC
 * @vm: the VM
 * @args: the argument
 * @engine: the copy engine whose address resolution the GPU uses
 * @stats: the GPU faults and migrations of the work
 * @bounce: the user buffer's chunk for READ and WRITE
 * @pattern: FILL of whole pages: one page of the fill pattern, copied to
 *	each whole page (a page copy is the fastest way the CPU fills memory
 *	with a pattern wider than a byte); NULL otherwise
 * @chunk_off: the offset in the work of the chunk in @bounce
 * @bounce_from: READ: the offset in the chunk from which its data is in
 *	@bounce (before it, it went straight to the user buffer)
 * @result: the old value of the first counter of ATOMIC_INC
 * @fault_va: the address of the last miss
 * @fault_access: the access of the last miss
 * @acc: the in-place accesses to memory outside the device's VRAM of the
 *	current chunk, for the access counters (vsvm_access.c)
 * @link_bytes: the bytes of the work accessed in place over the device's
 *	link so far, for its emulated time (vsvm_link.c)
 * @link_step: those of the current step, added to @link_bytes when the
 *	step is done (a step that faults is replayed)
 */
struct vsvm_exec {
	struct vsvm_vm *vm;
	const struct drm_vsvm_exec *args;
	struct vsvm_copy_engine *engine;
	struct vsvm_fault_stats stats;
	void *bounce;
	void *pattern;
	u64 chunk_off;
	u64 bounce_from;
	u64 result;
	unsigned long fault_va;
	enum vsvm_access fault_access;
	struct vsvm_access_batch acc;
	u64 link_bytes;
	u64 link_step;
};

/* Whether [@start, @start + @size) wraps around the address space. */
static bool vsvm_exec_wraps(u64 start, u64 size)
{
	return size - 1 > U64_MAX - start;
}

/**
 * vsvm_exec_check() - validate the fields of an EXEC
 * @args: the argument, as user space passed it
 *
 * Checks everything that does not need the VM, per the kernel-doc of
 * &struct drm_vsvm_exec.
 *
 * Return: 0, -EINVAL or -E2BIG.
 */
int vsvm_exec_check(const struct drm_vsvm_exec *args)
{
	if (args->flags || args->reserved[0] || args->reserved[1])
		return -EINVAL;

	switch (args->op) {
	case DRM_VSVM_EXEC_READ:
	case DRM_VSVM_EXEC_WRITE:
		if (args->width || args->src_va || args->value)
			return -EINVAL;
		break;
	case DRM_VSVM_EXEC_FILL:
		if ((args->width != 1 && args->width != 2 && args->width != 4 &&
		     args->width != 8) || args->src_va || args->ptr)
			return -EINVAL;
		break;
	case DRM_VSVM_EXEC_COPY:
		if (args->width || args->ptr || args->value)
			return -EINVAL;
		break;
	case DRM_VSVM_EXEC_ATOMIC_INC:
		if ((args->width != 4 && args->width != 8) || args->src_va ||
		    args->ptr)
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}

	if (!args->size)
		return -EINVAL;
	if (args->size > DRM_VSVM_EXEC_MAX_SIZE)
		return -E2BIG;
	if (args->width && (args->size % args->width ||
			    args->va % args->width))
		return -EINVAL;
	if (vsvm_exec_wraps(args->va, args->size))
		return -EINVAL;
	if (args->op == DRM_VSVM_EXEC_COPY &&
	    (vsvm_exec_wraps(args->src_va, args->size) ||
	     (args->src_va < args->va + args->size &&
	      args->va < args->src_va + args->size)))
		return -EINVAL;
	/* A user buffer that wraps is -EFAULT, when it is copied. */
	if ((args->op == DRM_VSVM_EXEC_READ ||
	     args->op == DRM_VSVM_EXEC_WRITE) &&
	    !vsvm_exec_wraps(args->ptr, args->size) &&
	    args->ptr < args->va + args->size &&
	    args->va < args->ptr + args->size)
		return -EINVAL;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_exec_check);

/*
 * The kernel address of @va for an @access of @n bytes, with the notifier
 * lock held for read: NULL on a GPU fault (recorded in @ex), ERR_PTR(-EIO)
 * for a bound address that resolves to no memory.
 */
static void *vsvm_exec_map(struct vsvm_exec *ex, unsigned long va, u64 n,
			   enum vsvm_access access)
{
	struct drm_pagemap_addr addr;
	unsigned int perms;
	u64 avail;
	void *p;

	if (!vsvm_vm_pt_entry(ex->vm, va, &addr, &perms) ||
	    (access != VSVM_ACCESS_READ && !(perms & VSVM_PT_WRITE)) ||
	    (access == VSVM_ACCESS_ATOMIC && !(perms & VSVM_PT_ATOMIC))) {
		ex->fault_va = va;
		ex->fault_access = access;
		return NULL;
	}
	if (vsvm_link_crossed(&addr)) {
		ex->link_step += n;
		if (ex->acc.on)
			vsvm_access_note(&ex->acc, va);
	}
	addr.addr += offset_in_page(va);
	p = vsvm_copy_resolve(ex->engine, addr, &avail);
	if (!p || avail < PAGE_SIZE - offset_in_page(va))
		return ERR_PTR(-EIO);
	return p;
}

static void vsvm_exec_fill(void *p, u64 len, u32 width, u64 value)
{
	u64 i;

	switch (width) {
	case 1:
		memset(p, (u8)value, len);
		break;
	case 2:
		for (i = 0; i < len; i += 2)
			*(u16 *)(p + i) = value;
		break;
	case 4:
		for (i = 0; i < len; i += 4)
			*(u32 *)(p + i) = value;
		break;
	default:
		for (i = 0; i < len; i += 8)
			*(u64 *)(p + i) = value;
		break;
	}
}

/* Atomically add to every counter of @p; the old value of the first. */
static u64 vsvm_exec_atomic_inc(void *p, u64 len, u32 width, u64 value)
{
	u64 first = 0, old, i;

	for (i = 0; i < len; i += width) {
		if (width == 4)
			old = (u32)atomic_fetch_add((int)value,
						    (atomic_t *)(p + i));
		else
			old = (u64)atomic64_fetch_add((s64)value,
						      (atomic64_t *)(p + i));
		if (!i)
			first = old;
	}
	return first;
}

/* Copy @n bytes: whole aligned pages with the architecture's page copy. */
static void vsvm_exec_memcpy(void *d, const void *s, u64 n)
{
	if (n == PAGE_SIZE && PAGE_ALIGNED(d) && PAGE_ALIGNED(s))
		copy_page(d, (void *)s);
	else
		memcpy(d, s, n);
}

/*
 * Copy @n bytes to the user buffer at @ptr without faulting: under the
 * notifier lock a fault could wait for it. copy_to_user_nofault() checks
 * that the buffer is user memory (access_ok()) first: a pointer into the
 * kernel must never be written. Return: whether the copy failed, in part
 * or whole (the caller then bounces, and the bounced copy gives -EFAULT
 * for a buffer that is not user memory).
 */
static bool vsvm_exec_to_user_nofault(u64 ptr, const void *p, u64 n)
{
	return copy_to_user_nofault(u64_to_user_ptr(ptr), p, n) != 0;
}

/*
 * Do the work at offset @off, at most @left bytes and up to a page
 * boundary, with the notifier lock held for read.
 *
 * Return: the bytes done, 0 on a GPU fault, or a negative errno.
 */
static long vsvm_exec_step(struct vsvm_exec *ex, u64 off, u64 left)
{
	const struct drm_vsvm_exec *args = ex->args;
	unsigned long va = args->va + off;
	u64 n = min_t(u64, left, PAGE_SIZE - offset_in_page(va));
	void *d, *s = NULL;

	switch (args->op) {
	case DRM_VSVM_EXEC_READ:
		s = vsvm_exec_map(ex, va, n, VSVM_ACCESS_READ);
		if (IS_ERR_OR_NULL(s))
			return PTR_ERR(s);
		if (ex->bounce_from == U64_MAX &&
		    !vsvm_exec_to_user_nofault(args->ptr + off, s, n))
			return n;
		if (ex->bounce_from == U64_MAX)
			ex->bounce_from = off - ex->chunk_off;
		vsvm_exec_memcpy(ex->bounce + (off - ex->chunk_off), s, n);
		return n;
	case DRM_VSVM_EXEC_COPY:
		n = min_t(u64, n, PAGE_SIZE -
			  offset_in_page(args->src_va + off));
		s = vsvm_exec_map(ex, args->src_va + off, n,
				  VSVM_ACCESS_READ);
		if (IS_ERR_OR_NULL(s))
			return PTR_ERR(s);
		fallthrough;
	case DRM_VSVM_EXEC_WRITE:
	case DRM_VSVM_EXEC_FILL:
		d = vsvm_exec_map(ex, va, n, VSVM_ACCESS_WRITE);
		break;
	default:
		d = vsvm_exec_map(ex, va, n, VSVM_ACCESS_ATOMIC);
		break;
	}
	if (IS_ERR_OR_NULL(d))
		return PTR_ERR(d);

	switch (args->op) {
	case DRM_VSVM_EXEC_COPY:
		vsvm_exec_memcpy(d, s, n);
		break;
	case DRM_VSVM_EXEC_WRITE:
		vsvm_exec_memcpy(d, ex->bounce + (off - ex->chunk_off), n);
		break;
	case DRM_VSVM_EXEC_FILL:
		if (ex->pattern && n == PAGE_SIZE && PAGE_ALIGNED(d))
			copy_page(d, ex->pattern);
		else
			vsvm_exec_fill(d, n, args->width, args->value);
		break;
	default:
		if (!off)
			ex->result = vsvm_exec_atomic_inc(d, n, args->width,
							  args->value);
		else
			vsvm_exec_atomic_inc(d, n, args->width, args->value);
		break;
	}
	return n;
}

/* Do the work of [@off, @off + @len) under the VM lock, faulting. */
static int vsvm_exec_chunk(struct vsvm_exec *ex, u64 off, u64 len)
{
	struct vsvm_vm *vm = ex->vm;
	unsigned int tries = 0, flags;
	u64 done = 0;
	long n = 0;
	int err = 0;

	mutex_lock(&vm->lock);
	drm_gpusvm_notifier_lock(&vm->svm);
	vsvm_access_begin(vm, &ex->acc);
	for (;;) {
		vsvm_copy_resolve_begin();
		while (done < len) {
			ex->link_step = 0;
			n = vsvm_exec_step(ex, off + done, len - done);
			if (n <= 0)
				break;
			ex->link_bytes += ex->link_step;
			done += n;
			tries = 0;
		}
		vsvm_copy_resolve_end();
		drm_gpusvm_notifier_unlock(&vm->svm);
		if (ex->acc.nr)
			vsvm_access_flush(vm, &ex->acc);
		if (n < 0) {
			err = n;
			break;
		}
		if (done == len)
			break;
		if (++tries > VSVM_EXEC_TRIES) {
			err = -EBUSY;
			break;
		}
		flags = VSVM_FAULT_LOCKED;
		if (tries > VSVM_EXEC_MIGRATING_TRIES)
			flags |= VSVM_FAULT_IN_PLACE;
		err = vsvm_vm_fault_access(vm, ex->fault_va, ex->fault_access,
					   flags, &ex->stats);
		/*
		 * A fault that lost to other migrations (-EAGAIN) or whose
		 * walk or eviction timed out (-EBUSY: on a loaded machine,
		 * with other threads migrating the same pages) is replayed,
		 * as a GPU replays a fault: a try without progress.
		 */
		if (err == -EAGAIN || err == -EBUSY) {
			cond_resched();
			drm_gpusvm_notifier_lock(&vm->svm);
			continue;
		}
		if (err)
			break;
		/* The notifier lock is held: the replay sees the binding. */
	}
	mutex_unlock(&vm->lock);
	return err;
}

/*
 * Copy @len bytes between the bounce buffer and the user buffer at @ptr.
 * A failed copy is -EFAULT for a bad buffer, but a valid buffer fails too
 * when its fault runs out of memory (its pages in a device's VRAM and
 * migrate_to_ram cannot allocate, say): drm_gpusvm_fault_errno() tells
 * them apart, -ENOMEM, and the copy is tried again when the buffer faults
 * in now. Called without the VM lock (the copy faults).
 */
static int vsvm_exec_copy_user(void *bounce, u64 ptr, u64 len, bool to_user)
{
	struct mm_struct *mm = current->mm;
	unsigned int tries;
	int err;

	for (tries = 0; ; tries++) {
		unsigned long left = to_user ?
			copy_to_user(u64_to_user_ptr(ptr), bounce, len) :
			copy_from_user(bounce, u64_to_user_ptr(ptr), len);

		if (!left)
			return 0;
		if (!access_ok(u64_to_user_ptr(ptr), len))
			return -EFAULT;
		mmap_read_lock(mm);
		err = drm_gpusvm_fault_errno(mm, round_down(ptr, PAGE_SIZE),
					     round_up(ptr + len, PAGE_SIZE),
					     to_user);
		mmap_read_unlock(mm);
		if (err != -EAGAIN)
			return err;
		if (tries == VSVM_EXEC_TRIES)
			return -EBUSY;
		if (fatal_signal_pending(current))
			return -EINTR;
	}
}

static int vsvm_exec_run(struct vsvm_exec *ex)
{
	const struct drm_vsvm_exec *args = ex->args;
	u64 off, len;
	int err = 0;

	for (off = 0; off < args->size; off += len) {
		len = min_t(u64, args->size - off, VSVM_EXEC_CHUNK);
		if (fatal_signal_pending(current))
			return -EINTR;
		if (args->op == DRM_VSVM_EXEC_WRITE) {
			err = vsvm_exec_copy_user(ex->bounce, args->ptr + off,
						  len, false);
			if (err)
				return err;
		}
		ex->chunk_off = off;
		ex->bounce_from = U64_MAX;
		err = vsvm_exec_chunk(ex, off, len);
		if (err)
			return err;
		if (args->op == DRM_VSVM_EXEC_READ && ex->bounce_from < len) {
			err = vsvm_exec_copy_user(ex->bounce + ex->bounce_from,
						  args->ptr + off + ex->bounce_from,
						  len - ex->bounce_from, true);
			if (err)
				return err;
		}
		cond_resched();
	}
	return 0;
}

/**
 * vsvm_exec_ioctl() - DRM_IOCTL_VSVM_EXEC
 * @drm: the DRM device
 * @data: the &struct drm_vsvm_exec
 * @file: the DRM file
 *
 * Runs the work on the VM, faulting and placing memory as needed, and
 * reports its GPU faults and migrations in the counters of @data (also on
 * an error after validation: the work before the failing page is done).
 *
 * Return: 0; -EINVAL or -E2BIG for bad fields (nothing is done); -ENODEV
 * once the device is gone; -ENOENT for an unknown VM; -EACCES from another
 * process than the VM's; -EFAULT for VA the process has not mapped or a bad
 * @ptr; -EPERM for a write to read-only memory; -EINTR on a fatal signal;
 * -ENOMEM; -EBUSY if invalidations kept racing the faults of a page; -EIO
 * for a bound page that resolves to no memory.
 */
int vsvm_exec_ioctl(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct vsvm_device *vdev = to_vsvm_device(drm);
	struct drm_vsvm_exec *args = data;
	struct vsvm_exec ex = { .args = args, .engine = &vdev->copy };
	int idx, err;

	err = vsvm_exec_check(args);
	if (err)
		return err;
	if (!drm_dev_enter(drm, &idx))
		return -ENODEV;
	ex.vm = vsvm_vm_lookup(file, args->vm_id);
	if (IS_ERR(ex.vm)) {
		err = PTR_ERR(ex.vm);
		goto out_exit;
	}
	if (args->op == DRM_VSVM_EXEC_READ || args->op == DRM_VSVM_EXEC_WRITE) {
		ex.bounce = kvmalloc(min_t(u64, args->size, VSVM_EXEC_CHUNK),
				     GFP_KERNEL);
		if (!ex.bounce) {
			err = -ENOMEM;
			goto out_put;
		}
	}
	/* Without it (no memory) a FILL stores element by element. */
	if (args->op == DRM_VSVM_EXEC_FILL && args->size >= PAGE_SIZE) {
		ex.pattern = (void *)__get_free_page(GFP_KERNEL);
		if (ex.pattern)
			vsvm_exec_fill(ex.pattern, PAGE_SIZE, args->width,
				       args->value);
	}
	atomic64_inc(&vdev->counters.execs);

	err = vsvm_exec_run(&ex);
	/* The time its in-place accesses took on the link, if emulated. */
	vsvm_link_transfer(ex.link_bytes);
	/* No VMA, or outside the mirrored VA: not mapped. */
	if (err == -ENOENT || err == -EINVAL)
		err = -EFAULT;
	else if (err == -EAGAIN)
		err = -EBUSY;

	args->result = ex.result;
	args->gpu_faults = ex.stats.faults;
	args->pages_in = ex.stats.pages_in;
	args->pages_out = ex.stats.pages_out;
	free_page((unsigned long)ex.pattern);
	kvfree(ex.bounce);
out_put:
	vsvm_vm_put(ex.vm);
out_exit:
	drm_dev_exit(idx);
	return err;
}
