// SPDX-License-Identifier: MIT
/*
 * vsvm_madvise: DRM_IOCTL_VSVM_RESIDENCY, DRM_IOCTL_VSVM_MADVISE,
 * DRM_IOCTL_VSVM_QUERY_RANGE_ATTRS and DRM_IOCTL_VSVM_PREFETCH on every
 * vsvm render node: the placement of pages (RESIDENCY) as the CPU
 * populates and unmaps them and PREFETCH moves them, the attributes MADVISE
 * stores per interval as QUERY_RANGE_ATTRS reads them back, and the exact
 * errno of every bad argument, with nothing changed by a failed call.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <xf86drm.h>

#include "igt.h"
#include "vsvm_exec_lib.h"
#include "vsvm_lib.h"
#include "vsvm_workload.h"
#include <drm/vsvm_drm.h>

#define MAX_DEVICES	64
#define PAGE		4096ul

struct vsvm_dev {
	int fd;
	/* N of /dev/dri/renderDN */
	int minor;
	/* the device index (QUERY_DEVICE) */
	__u32 index;
	/* a VM of @fd, created by this process */
	__u32 vm;
};

static struct vsvm_dev devs[MAX_DEVICES];
static int n_devs;

static __u32 vsvm_query_index(int fd)
{
	struct drm_vsvm_query_device dev;
	struct drm_vsvm_query q = {
		.query = DRM_VSVM_QUERY_DEVICE,
		.size = sizeof(dev),
		.data = (uintptr_t)&dev,
	};

	igt_assert_f(drmIoctl(fd, DRM_IOCTL_VSVM_QUERY, &q) == 0,
		     "QUERY: %s\n", strerror(errno));
	return dev.index;
}

static __u32 vsvm_new_vm(int fd)
{
	struct drm_vsvm_vm_create c = { 0 };

	igt_assert_f(drmIoctl(fd, DRM_IOCTL_VSVM_VM_CREATE, &c) == 0,
		     "VM_CREATE: %s\n", strerror(errno));
	igt_assert_neq_u32(c.vm_id, 0);
	return c.vm_id;
}

static void vsvm_open_devices(void)
{
	struct vsvm_node nodes[MAX_DEVICES];
	int i, n = vsvm_open_nodes(nodes, MAX_DEVICES);

	for (i = 0; i < n; i++) {
		struct vsvm_dev *d = &devs[n_devs++];

		d->fd = nodes[i].fd;
		d->minor = nodes[i].minor;
		d->index = vsvm_query_index(d->fd);
		d->vm = vsvm_new_vm(d->fd);
	}
}

static void *vsvm_map(size_t npages)
{
	void *p = mmap(NULL, npages * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	igt_assert_f(p != MAP_FAILED, "mmap: %s\n", strerror(errno));
	return p;
}

static void vsvm_expect(int got, int want, const struct vsvm_dev *d,
			const char *what)
{
	igt_assert_f(got == want, "renderD%d, %s: %d (%s), expected %d (%s)\n",
		     d->minor, what, got, strerror(-got), want,
		     strerror(-want));
}

/* A CPU read of one byte that the compiler keeps. */
static char vsvm_read_byte(const char *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/* The number of pages of [p, p + npages pages) at @want. */
static size_t vsvm_count_at(const struct vsvm_dev *d, const void *p,
			    size_t npages, __u32 want)
{
	__u32 *loc = calloc(npages, sizeof(*loc));
	size_t i, n = 0;

	igt_assert(loc);
	vsvm_expect(vsvm_residency(d->fd, d->vm, (uintptr_t)p, npages, loc), 0,
		    d, "residency");
	for (i = 0; i < npages; i++)
		n += loc[i] == want;
	free(loc);
	return n;
}

/* Unpopulated, written, read (zero page), file-backed, unmapped pages. */
static void vsvm_test_residency_system(const struct vsvm_dev *d)
{
	const size_t n = 32;
	char *p = vsvm_map(n);
	char *f;
	size_t i;
	int mfd;

	vsvm_expect_residency(d->fd, d->vm, p, n, DRM_VSVM_RESIDENCY_NONE,
			      "fresh mmap");
	for (i = 0; i < 8; i++)
		p[i * PAGE] = 1;
	for (i = 8; i < 12; i++)
		vsvm_read_byte(p + i * PAGE);
	vsvm_expect_residency(d->fd, d->vm, p, 8, DRM_VSVM_RESIDENCY_SYSTEM,
			      "written");
	vsvm_expect_residency(d->fd, d->vm, (p + 8 * PAGE), 4,
			      DRM_VSVM_RESIDENCY_SYSTEM, "read");
	vsvm_expect_residency(d->fd, d->vm, (p + 12 * PAGE), n - 12,
			      DRM_VSVM_RESIDENCY_NONE, "untouched");

	/* Unmapped VA reads as NONE, also in the middle of a call. */
	igt_assert(munmap((p + 4 * PAGE), 4 * PAGE) == 0);
	vsvm_expect_residency(d->fd, d->vm, p, 4, DRM_VSVM_RESIDENCY_SYSTEM,
			      "kept");
	vsvm_expect_residency(d->fd, d->vm, (p + 4 * PAGE), 4,
			      DRM_VSVM_RESIDENCY_NONE, "unmapped");
	vsvm_expect_residency(d->fd, d->vm, (p + 8 * PAGE), 4,
			      DRM_VSVM_RESIDENCY_SYSTEM, "after the hole");

	/* Shared file-backed memory. */
	mfd = memfd_create("vsvm_madvise", 0);
	igt_assert(mfd >= 0);
	igt_assert(ftruncate(mfd, 4 * PAGE) == 0);
	f = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	igt_assert(f != MAP_FAILED);
	vsvm_expect_residency(d->fd, d->vm, f, 4, DRM_VSVM_RESIDENCY_NONE, "memfd fresh");
	f[PAGE] = 3;
	vsvm_expect_residency(d->fd, d->vm, f + PAGE, 1, DRM_VSVM_RESIDENCY_SYSTEM,
			      "memfd written");
	vsvm_expect_residency(d->fd, d->vm, f + 2 * PAGE, 2, DRM_VSVM_RESIDENCY_NONE,
			      "memfd untouched");
	munmap(f, 4 * PAGE);
	close(mfd);

	/* Nothing was faulted in by the queries. */
	vsvm_expect_residency(d->fd, d->vm, (p + 12 * PAGE), n - 12,
			      DRM_VSVM_RESIDENCY_NONE, "still untouched");
	munmap(p, 4 * PAGE);
	munmap((p + 8 * PAGE), (n - 8) * PAGE);
	/* Nothing mapped at all. */
	vsvm_expect_residency(d->fd, d->vm, p, n, DRM_VSVM_RESIDENCY_NONE,
			      "all unmapped");
}

static int vsvm_residency_raw(const struct vsvm_dev *d,
			      struct drm_vsvm_residency *arg)
{
	return drmIoctl(d->fd, DRM_IOCTL_VSVM_RESIDENCY, arg) ? -errno : 0;
}

/* Every bad field: its errno, and the output buffer left alone. */
static void vsvm_test_residency_bad(const struct vsvm_dev *d)
{
	__u32 loc[4];
	char *p = vsvm_map(4);
	struct drm_vsvm_residency good = {
		.vm_id = d->vm,
		.start = (uintptr_t)p,
		.num_pages = 4,
		.locations = (uintptr_t)loc,
	}, a;
	int other_fd = open("/dev/null", O_RDWR);
	pid_t pid;
	int status;
	size_t i;

	p[0] = 1;
#define BAD(field_set, err, what) do {					\
		a = good;						\
		field_set;						\
		memset(loc, 0x5a, sizeof(loc));				\
		vsvm_expect(vsvm_residency_raw(d, &a), err, d, what);	\
		for (i = 0; i < 4; i++)					\
			igt_assert_eq_u32(loc[i], 0x5a5a5a5a);		\
	} while (0)

	BAD(a.flags = 2, -EINVAL, "flags bit 1");
	BAD(a.flags = DRM_VSVM_RESIDENCY_REPLICAS | 4, -EINVAL,
	    "flags bit 2");
	BAD(a.flags = 1u << 31, -EINVAL, "flags bit 31");
	BAD(a.reserved[0] = 1, -EINVAL, "reserved[0]");
	BAD(a.reserved[1] = 1, -EINVAL, "reserved[1]");
	BAD(a.start += 1, -EINVAL, "unaligned start");
	BAD(a.start += PAGE / 2, -EINVAL, "half-page start");
	BAD(a.num_pages = 0, -EINVAL, "no pages");
	BAD(a.num_pages = DRM_VSVM_RESIDENCY_MAX_PAGES + 1ull, -EINVAL,
	    "too many pages");
	BAD(a.num_pages = ~0ull, -EINVAL, "num_pages ~0");
	BAD((a.start = ~0ull & ~(PAGE - 1), a.num_pages = 2), -EINVAL,
	    "wraps");
	BAD(a.start = -(__u64)(2 * PAGE), -EINVAL, "wraps at the end");
	BAD(a.vm_id = 0, -ENOENT, "vm 0");
	BAD(a.vm_id = d->vm + 1000, -ENOENT, "unknown vm");
	BAD(a.vm_id = ~0u, -ENOENT, "vm ~0");
	BAD(a.locations = 0, -EFAULT, "NULL locations");
	BAD(a.locations = 8, -EFAULT, "locations at 8");
	BAD(a.locations = ~0ull - 7, -EFAULT, "locations at the top");
	BAD(a.locations = 0xffff800000000000ull, -EFAULT, "kernel locations");

	/* A read-only buffer cannot take the answer. */
	{
		__u32 *ro = mmap(NULL, PAGE, PROT_READ,
				    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		igt_assert(ro != MAP_FAILED);
		a = good;
		a.locations = (uintptr_t)ro;
		vsvm_expect(vsvm_residency_raw(d, &a), -EFAULT, d,
			    "read-only locations");
		igt_assert_eq_u32(ro[0], 0);
		munmap(ro, PAGE);
	}

	/* Not a vsvm node: the ioctl is not ours. */
	igt_assert(other_fd >= 0);
	a = good;
	igt_assert(drmIoctl(other_fd, DRM_IOCTL_VSVM_RESIDENCY, &a) != 0);
	close(other_fd);

	/* The VM of another file of the device is unknown here. */
	{
		char path[64];
		int fd2;

		snprintf(path, sizeof(path), "/dev/dri/renderD%d", d->minor);
		fd2 = open(path, O_RDWR | O_CLOEXEC);
		igt_assert(fd2 >= 0);
		a = good;
		igt_assert(drmIoctl(fd2, DRM_IOCTL_VSVM_RESIDENCY, &a) != 0);
		igt_assert_eq(errno, ENOENT);
		close(fd2);
	}

	/* A forked child may not use its parent's VM. */
	pid = fork();
	igt_assert(pid >= 0);
	if (pid == 0) {
		a = good;
		memset(loc, 0x5a, sizeof(loc));
		if (vsvm_residency_raw(d, &a) != -EACCES)
			_exit(1);
		_exit(loc[0] == 0x5a5a5a5a ? 0 : 2);
	}
	igt_assert(waitpid(pid, &status, 0) == pid);
	igt_assert_f(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		     "child status %#x\n", status);

	/* And the good call works. */
	vsvm_expect(vsvm_residency_raw(d, &good), 0, d, "good");
	igt_assert_eq_u32(loc[0], DRM_VSVM_RESIDENCY_SYSTEM);
	for (i = 1; i < 4; i++)
		igt_assert_eq_u32(loc[i], DRM_VSVM_RESIDENCY_NONE);
#undef BAD
	munmap(p, 4 * PAGE);
}

/* The largest call, over mostly unmapped VA, and one above the top. */
static void vsvm_test_residency_large(const struct vsvm_dev *d)
{
	const __u64 n = DRM_VSVM_RESIDENCY_MAX_PAGES;
	__u32 *loc = malloc(n * sizeof(*loc));
	char *p = vsvm_map(4);
	__u64 i;

	igt_assert(loc);
	p[2 * PAGE] = 7;
	vsvm_expect(vsvm_residency(d->fd, d->vm, (uintptr_t)p, n, loc), 0, d,
		    "max pages");
	/* Past the mapping is whatever else the process has mapped. */
	for (i = 0; i < 4; i++)
		igt_assert_eq_u32(loc[i], i == 2 ? DRM_VSVM_RESIDENCY_SYSTEM :
				  DRM_VSVM_RESIDENCY_NONE);
	/* Kernel half of the address space: nothing the process mapped. */
	vsvm_expect(vsvm_residency(d->fd, d->vm, 0xffff800000000000ull, 16,
				   loc), 0, d, "kernel VA");
	for (i = 0; i < 16; i++)
		igt_assert_eq_u32(loc[i], DRM_VSVM_RESIDENCY_NONE);
	vsvm_expect(vsvm_residency(d->fd, d->vm, 0, 16, loc), 0, d, "VA 0");
	for (i = 0; i < 16; i++)
		igt_assert_eq_u32(loc[i], DRM_VSVM_RESIDENCY_NONE);
	munmap(p, 4 * PAGE);
	free(loc);
}

/* DEVMEM_OPEN of region 0 of a device. */
static int vsvm_pagemap_fd(const struct vsvm_dev *d)
{
	struct drm_vsvm_devmem_open arg = { 0 };

	igt_assert_f(drmIoctl(d->fd, DRM_IOCTL_VSVM_DEVMEM_OPEN, &arg) == 0,
		     "renderD%d: DEVMEM_OPEN: %s\n", d->minor, strerror(errno));
	igt_assert(arg.fd > 0);
	return arg.fd;
}

static __u32 vsvm_query_backend(int fd)
{
	struct drm_vsvm_query_device dev;
	struct drm_vsvm_query q = {
		.query = DRM_VSVM_QUERY_DEVICE,
		.size = sizeof(dev),
		.data = (uintptr_t)&dev,
	};

	igt_assert(drmIoctl(fd, DRM_IOCTL_VSVM_QUERY, &q) == 0);
	return dev.backend;
}

#define MAX_ATTRS	64

/* An expected interval: [start, end) in pages from a base, attributes. */
struct vsvm_want {
	__u64 start, end;
	__u32 loc, device, policy, atomic;
};

static void vsvm_expect_attrs(const struct vsvm_dev *d, const char *base,
			      __u64 first, __u64 npages,
			      const struct vsvm_want *want, __u32 n,
			      const char *what)
{
	struct drm_vsvm_range_attr attrs[MAX_ATTRS];
	__u32 num = 0, i;

	vsvm_expect(vsvm_query_range_attrs(d->fd, d->vm,
					   (uintptr_t)base + first * PAGE,
					   npages * PAGE, NULL, &num), 0, d,
		    what);
	igt_assert_f(num == n, "renderD%d, %s: %u intervals, expected %u\n",
		     d->minor, what, num, n);
	num = MAX_ATTRS;
	memset(attrs, 0x77, sizeof(attrs));
	vsvm_expect(vsvm_query_range_attrs(d->fd, d->vm,
					   (uintptr_t)base + first * PAGE,
					   npages * PAGE, attrs, &num), 0, d,
		    what);
	igt_assert_eq_u32(num, n);
	for (i = 0; i < n; i++) {
		const struct drm_vsvm_range_attr *a = &attrs[i];
		const struct vsvm_want *w = &want[i];

		igt_assert_f(a->start == (uintptr_t)base + w->start * PAGE &&
			     a->end == (uintptr_t)base + w->end * PAGE &&
			     a->preferred_loc == w->loc &&
			     a->preferred_device == w->device &&
			     a->migration_policy == w->policy &&
			     a->atomic_mode == w->atomic && !a->thrashing &&
			     !a->reserved,
			     "renderD%d, %s: interval %u: [%#llx, %#llx) loc %u dev %u pol %u atomic %u res %llu; expected pages [%llu, %llu) loc %u dev %u pol %u atomic %u\n",
			     d->minor, what, i, (unsigned long long)a->start,
			     (unsigned long long)a->end, a->preferred_loc,
			     a->preferred_device, a->migration_policy,
			     a->atomic_mode, (unsigned long long)a->reserved,
			     (unsigned long long)w->start,
			     (unsigned long long)w->end, w->loc, w->device,
			     w->policy, w->atomic);
	}
	/* Nothing past the entries written. */
	igt_assert_eq_u64(attrs[n].start, 0x7777777777777777ull);
}

static void vsvm_madvise_ok(const struct vsvm_dev *d, __u32 type,
			    const char *base, __u64 first, __u64 npages,
			    __u32 value, int pfd)
{
	vsvm_expect(vsvm_madvise(d->fd, d->vm, type,
				 (uintptr_t)base + first * PAGE, npages * PAGE,
				 value, pfd), 0, d, "madvise");
}

#define W(s, e, l, dv, p, a) { s, e, DRM_VSVM_LOCATION_##l, dv, p, a }

/* Every type and value, read back; the pagemap fd may be closed. */
static void vsvm_test_madvise_types(const struct vsvm_dev *d)
{
	char *p = vsvm_map(16);
	int pfd = vsvm_pagemap_fd(d);
	static const __u32 locs[] = {
		DRM_VSVM_LOCATION_SYSTEM, DRM_VSVM_LOCATION_DEVICE,
		DRM_VSVM_LOCATION_PAGEMAP_FD, DRM_VSVM_LOCATION_DEFAULT,
	};
	unsigned int i;

	{
		struct vsvm_want w[] = { W(0, 16, DEFAULT, 0, 0, 0) };

		vsvm_expect_attrs(d, p, 0, 16, w, 1, "fresh");
	}
	for (i = 0; i < 4; i++) {
		__u32 dev = locs[i] == DRM_VSVM_LOCATION_DEVICE ||
			    locs[i] == DRM_VSVM_LOCATION_PAGEMAP_FD ?
			    d->index : 0;
		struct vsvm_want w[] = {
			W(0, 4, DEFAULT, 0, 0, 0),
			{ 4, 8, locs[i], dev, 0, 0 },
			W(8, 16, DEFAULT, 0, 0, 0),
		};

		vsvm_madvise_ok(d, DRM_VSVM_MADVISE_PREFERRED_LOC, p, 4, 4,
				locs[i],
				locs[i] == DRM_VSVM_LOCATION_PAGEMAP_FD ?
				pfd : 0);
		if (locs[i] == DRM_VSVM_LOCATION_DEFAULT) {
			w[0].end = 16;
			vsvm_expect_attrs(d, p, 0, 16, w, 1, "loc default");
		} else {
			vsvm_expect_attrs(d, p, 0, 16, w, 3, "loc");
		}
	}
	/* Policy 1, then back to 0; atomic 1, 2, 3, then back to 0. */
	for (i = 0; i < 2; i++) {
		__u32 v = 1 - i;
		struct vsvm_want w[] = {
			W(0, 2, DEFAULT, 0, 0, 0),
			W(2, 6, DEFAULT, 0, v, 0),
			W(6, 16, DEFAULT, 0, 0, 0),
		};
		struct vsvm_want all[] = { W(0, 16, DEFAULT, 0, 0, 0) };

		vsvm_madvise_ok(d, DRM_VSVM_MADVISE_MIGRATION_POLICY, p, 2, 4,
				v, 0);
		if (v)
			vsvm_expect_attrs(d, p, 0, 16, w, 3, "policy");
		else
			vsvm_expect_attrs(d, p, 0, 16, all, 1, "policy 0");
	}
	for (i = 1; i <= DRM_VSVM_ATOMIC_CPU + 1; i++) {
		__u32 v = i % (DRM_VSVM_ATOMIC_CPU + 1);
		struct vsvm_want w[] = {
			W(0, 10, DEFAULT, 0, 0, 0),
			W(10, 16, DEFAULT, 0, 0, v),
		};

		vsvm_madvise_ok(d, DRM_VSVM_MADVISE_ATOMIC, p, 10, 6, v, 0);
		if (v) {
			vsvm_expect_attrs(d, p, 0, 16, w, 2, "atomic");
		} else {
			w[0].end = 16;
			vsvm_expect_attrs(d, p, 0, 16, w, 1, "atomic default");
		}
	}

	/* The pagemap fd closed, the attribute stays. */
	vsvm_madvise_ok(d, DRM_VSVM_MADVISE_PREFERRED_LOC, p, 0, 16,
			DRM_VSVM_LOCATION_PAGEMAP_FD, pfd);
	close(pfd);
	{
		struct vsvm_want w[] = { W(0, 16, PAGEMAP_FD, d->index, 0, 0) };

		vsvm_expect_attrs(d, p, 0, 16, w, 1, "fd closed");
	}
	munmap(p, 16 * PAGE);
}

/* Overlapping calls split, merge, and clip. */
static void vsvm_test_madvise_overlap(const struct vsvm_dev *d)
{
	char *p = vsvm_map(16);
	__u32 num;

	vsvm_madvise_ok(d, DRM_VSVM_MADVISE_PREFERRED_LOC, p, 0, 8,
			DRM_VSVM_LOCATION_SYSTEM, 0);
	vsvm_madvise_ok(d, DRM_VSVM_MADVISE_ATOMIC, p, 2, 2,
			DRM_VSVM_ATOMIC_GLOBAL, 0);
	vsvm_madvise_ok(d, DRM_VSVM_MADVISE_PREFERRED_LOC, p, 6, 6,
			DRM_VSVM_LOCATION_DEVICE, 0);
	{
		struct vsvm_want w[] = {
			W(0, 2, SYSTEM, 0, 0, 0),
			W(2, 4, SYSTEM, 0, 0, DRM_VSVM_ATOMIC_GLOBAL),
			W(4, 6, SYSTEM, 0, 0, 0),
			W(6, 12, DEVICE, d->index, 0, 0),
			W(12, 16, DEFAULT, 0, 0, 0),
		};

		vsvm_expect_attrs(d, p, 0, 16, w, 5, "split");
		/* Clipped to the query, starting and ending inside. */
		w[1].start = 3;
		w[3].end = 7;
		vsvm_expect_attrs(d, p, 3, 4, w + 1, 3, "clipped");
		w[3].start = 8;
		w[3].end = 9;
		vsvm_expect_attrs(d, p, 8, 1, w + 3, 1, "one page");
	}

	/* Too little room: -ENOSPC with the count, nothing written. */
	{
		struct drm_vsvm_range_attr attrs[4];

		memset(attrs, 0x11, sizeof(attrs));
		num = 4;
		vsvm_expect(vsvm_query_range_attrs(d->fd, d->vm, (uintptr_t)p,
						   16 * PAGE, attrs, &num),
			    -ENOSPC, d, "ENOSPC");
		igt_assert_eq_u32(num, 5);
		igt_assert_eq_u64(attrs[0].start, 0x1111111111111111ull);
	}

	/* Back to equal: merged. */
	vsvm_madvise_ok(d, DRM_VSVM_MADVISE_ATOMIC, p, 1, 4,
			DRM_VSVM_ATOMIC_DEFAULT, 0);
	{
		struct vsvm_want w[] = {
			W(0, 6, SYSTEM, 0, 0, 0),
			W(6, 12, DEVICE, d->index, 0, 0),
			W(12, 16, DEFAULT, 0, 0, 0),
		};

		vsvm_expect_attrs(d, p, 0, 16, w, 3, "merged");
	}
	vsvm_madvise_ok(d, DRM_VSVM_MADVISE_PREFERRED_LOC, p, 0, 6,
			DRM_VSVM_LOCATION_DEVICE, 0);
	vsvm_madvise_ok(d, DRM_VSVM_MADVISE_MIGRATION_POLICY, p, 3, 13,
			DRM_VSVM_MIGRATE_ONLY_SYSTEM_PAGES, 0);
	{
		struct vsvm_want w[] = {
			W(0, 3, DEVICE, d->index, 0, 0),
			W(3, 12, DEVICE, d->index, 1, 0),
			W(12, 16, DEFAULT, 0, 1, 0),
		};

		vsvm_expect_attrs(d, p, 0, 16, w, 3, "policy over two");
	}
	/* Everything back to the defaults: one interval. */
	vsvm_madvise_ok(d, DRM_VSVM_MADVISE_PREFERRED_LOC, p, 0, 16,
			DRM_VSVM_LOCATION_DEFAULT, 0);
	vsvm_madvise_ok(d, DRM_VSVM_MADVISE_MIGRATION_POLICY, p, 0, 16,
			DRM_VSVM_MIGRATE_ALL_PAGES, 0);
	{
		struct vsvm_want w[] = { W(0, 16, DEFAULT, 0, 0, 0) };

		vsvm_expect_attrs(d, p, 0, 16, w, 1, "all default");
	}
	munmap(p, 16 * PAGE);
}

/* munmap resets attributes, also of pages never touched. */
static void vsvm_test_madvise_unmap(const struct vsvm_dev *d)
{
	char *p = vsvm_map(16), *q;
	int pfd = vsvm_pagemap_fd(d);

	p[0] = 1;
	vsvm_madvise_ok(d, DRM_VSVM_MADVISE_PREFERRED_LOC, p, 0, 16,
			DRM_VSVM_LOCATION_PAGEMAP_FD, pfd);
	close(pfd);
	vsvm_madvise_ok(d, DRM_VSVM_MADVISE_ATOMIC, p, 0, 16,
			DRM_VSVM_ATOMIC_CPU, 0);
	igt_assert(munmap(p + 4 * PAGE, 4 * PAGE) == 0);
	{
		struct vsvm_want w[] = {
			W(0, 4, PAGEMAP_FD, d->index, 0, DRM_VSVM_ATOMIC_CPU),
			W(4, 8, DEFAULT, 0, 0, 0),
			W(8, 16, PAGEMAP_FD, d->index, 0, DRM_VSVM_ATOMIC_CPU),
		};

		vsvm_expect_attrs(d, p, 0, 16, w, 3, "hole");
		/* Mapped again: still the defaults. */
		q = mmap(p + 4 * PAGE, 4 * PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		igt_assert(q == p + 4 * PAGE);
		vsvm_expect_attrs(d, p, 0, 16, w, 3, "remapped");
	}
	/* Two more holes, then the rest, in several calls. */
	igt_assert(munmap(p, PAGE) == 0);
	igt_assert(munmap(p + 10 * PAGE, 2 * PAGE) == 0);
	{
		struct vsvm_want w[] = {
			W(0, 1, DEFAULT, 0, 0, 0),
			W(1, 4, PAGEMAP_FD, d->index, 0, DRM_VSVM_ATOMIC_CPU),
			W(4, 8, DEFAULT, 0, 0, 0),
			W(8, 10, PAGEMAP_FD, d->index, 0, DRM_VSVM_ATOMIC_CPU),
			W(10, 12, DEFAULT, 0, 0, 0),
			W(12, 16, PAGEMAP_FD, d->index, 0, DRM_VSVM_ATOMIC_CPU),
		};

		vsvm_expect_attrs(d, p, 0, 16, w, 6, "holes");
	}
	/* mremap moves the pages, not the attributes. */
	q = mremap(p + 12 * PAGE, 4 * PAGE, 4 * PAGE, 0);
	igt_assert(q == p + 12 * PAGE);
	q = mremap(p + 12 * PAGE, 4 * PAGE, 8 * PAGE, MREMAP_MAYMOVE);
	igt_assert(q != MAP_FAILED);
	{
		struct vsvm_want w[] = {
			W(0, 1, DEFAULT, 0, 0, 0),
			W(1, 4, PAGEMAP_FD, d->index, 0, DRM_VSVM_ATOMIC_CPU),
			W(4, 8, DEFAULT, 0, 0, 0),
			W(8, 10, PAGEMAP_FD, d->index, 0, DRM_VSVM_ATOMIC_CPU),
			W(10, 16, DEFAULT, 0, 0, 0),
		};

		if (q != p + 12 * PAGE)
			vsvm_expect_attrs(d, p, 0, 16, w, 5, "mremap");
	}
	munmap(q, 8 * PAGE);
	munmap(p, 12 * PAGE);
	{
		struct vsvm_want w[] = { W(0, 16, DEFAULT, 0, 0, 0) };

		vsvm_expect_attrs(d, p, 0, 16, w, 1, "all unmapped");
	}
}

/* Pagemap fds of other devices: accepted in the owner group only. */
static void vsvm_test_madvise_enolink(void)
{
	char fabric[64] = "";
	int i, j, n_link = 0, n_nolink = 0;
	FILE *f = fopen("/sys/module/vsvm/parameters/fabric", "r");
	char *p = vsvm_map(4);

	if (f) {
		if (!fgets(fabric, sizeof(fabric), f))
			fabric[0] = '\0';
		fclose(f);
	}
	for (i = 0; i < n_devs; i++) {
		for (j = 0; j < n_devs; j++) {
			__u32 bi = vsvm_query_backend(devs[i].fd);
			__u32 bj = vsvm_query_backend(devs[j].fd);
			int pfd = vsvm_pagemap_fd(&devs[j]);
			int ret;

			ret = vsvm_madvise(devs[i].fd, devs[i].vm,
					   DRM_VSVM_MADVISE_PREFERRED_LOC,
					   (uintptr_t)p, 4 * PAGE,
					   DRM_VSVM_LOCATION_PAGEMAP_FD, pfd);
			close(pfd);
			if (i == j)
				vsvm_expect(ret, 0, &devs[i], "own pagemap");
			else if (bi != bj ||
				 (bi == DRM_VSVM_BACKEND_SYSMEM &&
				  (fabric[0] == '\0' || fabric[0] == '\n')))
				vsvm_expect(ret, -ENOLINK, &devs[i],
					    "no interconnect");
			igt_assert_f(ret == 0 || ret == -ENOLINK,
				     "renderD%d <- renderD%d: %d\n",
				     devs[i].minor, devs[j].minor, ret);
			if (ret == 0) {
				struct vsvm_want w[] = {
					W(0, 4, PAGEMAP_FD, devs[j].index, 0, 0),
				};

				vsvm_expect_attrs(&devs[i], p, 0, 4, w, 1,
						  "peer pagemap");
				n_link++;
			} else {
				/* -ENOLINK changed nothing. */
				n_nolink++;
			}
			vsvm_madvise_ok(&devs[i],
					DRM_VSVM_MADVISE_PREFERRED_LOC, p, 0,
					4, DRM_VSVM_LOCATION_DEFAULT, 0);
			if (ret) {
				struct vsvm_want w[] = {
					W(0, 4, DEFAULT, 0, 0, 0),
				};

				vsvm_expect_attrs(&devs[i], p, 0, 4, w, 1,
						  "after ENOLINK");
			}
		}
	}
	igt_info("%d linked, %d unlinked pairs\n", n_link, n_nolink);
	munmap(p, 4 * PAGE);
}

static int vsvm_madvise_raw(const struct vsvm_dev *d,
			    struct drm_vsvm_madvise *a)
{
	return drmIoctl(d->fd, DRM_IOCTL_VSVM_MADVISE, a) ? -errno : 0;
}

static int vsvm_child_errno(const struct vsvm_dev *d, unsigned long req,
			    void *arg)
{
	int status;
	pid_t pid = fork();

	igt_assert(pid >= 0);
	if (pid == 0)
		_exit(drmIoctl(d->fd, req, arg) ? errno : 0);
	igt_assert(waitpid(pid, &status, 0) == pid);
	igt_assert(WIFEXITED(status));
	return -WEXITSTATUS(status);
}

static void vsvm_test_madvise_bad(const struct vsvm_dev *d)
{
	char *p = vsvm_map(8);
	int pfd = vsvm_pagemap_fd(d), closed_fd, null_fd;
	struct drm_vsvm_madvise good = {
		.vm_id = d->vm,
		.type = DRM_VSVM_MADVISE_PREFERRED_LOC,
		.start = (uintptr_t)p + 2 * PAGE,
		.range = 4 * PAGE,
		.value = DRM_VSVM_LOCATION_PAGEMAP_FD,
		.fd = pfd,
	}, a;
	struct vsvm_want w[] = {
		W(0, 2, DEFAULT, 0, 0, 0),
		W(2, 6, SYSTEM, 0, 0, DRM_VSVM_ATOMIC_GLOBAL),
		W(6, 8, DEFAULT, 0, 0, 0),
	};

	vsvm_madvise_ok(d, DRM_VSVM_MADVISE_PREFERRED_LOC, p, 2, 4,
			DRM_VSVM_LOCATION_SYSTEM, 0);
	vsvm_madvise_ok(d, DRM_VSVM_MADVISE_ATOMIC, p, 2, 4,
			DRM_VSVM_ATOMIC_GLOBAL, 0);
	vsvm_expect_attrs(d, p, 0, 8, w, 3, "before");

	null_fd = open("/dev/null", O_RDONLY);
	igt_assert(null_fd >= 0);
	closed_fd = dup(pfd);
	close(closed_fd);

#define BAD(field_set, err, what) do {					\
		const char *what_ = (what);				\
		a = good;						\
		field_set;						\
		vsvm_expect(vsvm_madvise_raw(d, &a), err, d, what_);	\
		vsvm_expect_attrs(d, p, 0, 8, w, 3, what_);		\
	} while (0)

	BAD(a.reserved[0] = 1, -EINVAL, "reserved[0]");
	BAD(a.reserved[1] = 1ull << 63, -EINVAL, "reserved[1]");
	BAD(a.type = 0, -EINVAL, "type 0");
	BAD(a.type = DRM_VSVM_MADVISE_READ_MOSTLY + 1, -EINVAL, "type 7");
	BAD(a.type = ~0u, -EINVAL, "type ~0");
	BAD(a.value = 4, -EINVAL, "location 4");
	BAD(a.value = ~0u, -EINVAL, "location ~0");
	BAD((a.type = DRM_VSVM_MADVISE_MIGRATION_POLICY, a.fd = 0,
	     a.value = 2), -EINVAL, "policy 2");
	BAD((a.type = DRM_VSVM_MADVISE_ATOMIC, a.fd = 0, a.value = 4),
	    -EINVAL, "atomic 4");
	BAD(a.value = DRM_VSVM_LOCATION_SYSTEM, -EINVAL, "fd with SYSTEM");
	BAD(a.value = DRM_VSVM_LOCATION_DEVICE, -EINVAL, "fd with DEVICE");
	BAD((a.type = DRM_VSVM_MADVISE_ATOMIC, a.value = 0), -EINVAL,
	    "fd with ATOMIC");
	BAD(a.start += 1, -EINVAL, "unaligned start");
	BAD(a.range += 100, -EINVAL, "unaligned range");
	BAD(a.range = 0, -EINVAL, "range 0");
	BAD(a.range = -(__u64)PAGE, -EINVAL, "wraps");
	BAD((a.start = -(__u64)(4 * PAGE), a.range = 8 * PAGE), -EINVAL,
	    "wraps at the top");
	BAD(a.fd = closed_fd, -EBADF, "closed fd");
	BAD(a.fd = -1, -EBADF, "fd -1");
	BAD(a.fd = null_fd, -EINVAL, "not a pagemap fd");
	BAD(a.fd = d->fd, -EINVAL, "render node fd");
	BAD(a.vm_id = 0, -ENOENT, "vm 0");
	BAD(a.vm_id = d->vm + 1000, -ENOENT, "unknown vm");

	/* Through another file of the device: its VMs are not ours. */
	{
		char path[64];
		int fd2;

		snprintf(path, sizeof(path), "/dev/dri/renderD%d", d->minor);
		fd2 = open(path, O_RDWR | O_CLOEXEC);
		igt_assert(fd2 >= 0);
		a = good;
		igt_assert(drmIoctl(fd2, DRM_IOCTL_VSVM_MADVISE, &a) != 0);
		igt_assert_eq(errno, ENOENT);
		close(fd2);
		vsvm_expect_attrs(d, p, 0, 8, w, 3, "other file");
	}
	/* A NULL or bad argument pointer. */
	igt_assert(ioctl(d->fd, DRM_IOCTL_VSVM_MADVISE, NULL) == -1);
	igt_assert_eq(errno, EFAULT);
	igt_assert(ioctl(d->fd, DRM_IOCTL_VSVM_MADVISE, (void *)8) == -1);
	igt_assert_eq(errno, EFAULT);
	/* A forked child. */
	a = good;
	vsvm_expect(vsvm_child_errno(d, DRM_IOCTL_VSVM_MADVISE, &a), -EACCES,
		    d, "child");
	vsvm_expect_attrs(d, p, 0, 8, w, 3, "after child");
#undef BAD
	close(null_fd);
	close(pfd);
	munmap(p, 8 * PAGE);
}

static int vsvm_query_raw(const struct vsvm_dev *d,
			  struct drm_vsvm_query_range_attrs *a)
{
	return drmIoctl(d->fd, DRM_IOCTL_VSVM_QUERY_RANGE_ATTRS, a) ?
	       -errno : 0;
}

static void vsvm_test_query_bad(const struct vsvm_dev *d)
{
	struct drm_vsvm_range_attr attrs[4];
	char *p = vsvm_map(4);
	struct drm_vsvm_query_range_attrs good = {
		.vm_id = d->vm,
		.num_attrs = 4,
		.start = (uintptr_t)p,
		.range = 4 * PAGE,
		.attrs = (uintptr_t)attrs,
	}, a;

	vsvm_madvise_ok(d, DRM_VSVM_MADVISE_ATOMIC, p, 1, 1,
			DRM_VSVM_ATOMIC_DEVICE, 0);
#define BAD(field_set, err, what) do {					\
		a = good;						\
		field_set;						\
		memset(attrs, 0x33, sizeof(attrs));			\
		vsvm_expect(vsvm_query_raw(d, &a), err, d, what);	\
		igt_assert_eq_u64(attrs[0].start, 0x3333333333333333ull);\
	} while (0)

	BAD(a.reserved[0] = 1, -EINVAL, "reserved[0]");
	BAD(a.reserved[1] = 1, -EINVAL, "reserved[1]");
	BAD(a.start += 8, -EINVAL, "unaligned start");
	BAD(a.range = PAGE + 1, -EINVAL, "unaligned range");
	BAD(a.range = 0, -EINVAL, "range 0");
	BAD(a.range = -(__u64)PAGE, -EINVAL, "wraps");
	BAD(a.vm_id = 0, -ENOENT, "vm 0");
	BAD(a.vm_id = d->vm + 77, -ENOENT, "unknown vm");
	BAD(a.num_attrs = 2, -ENOSPC, "too small");
	igt_assert_eq_u32(a.num_attrs, 3);
	BAD(a.attrs = 0, -EFAULT, "NULL attrs");
	BAD(a.attrs = 16, -EFAULT, "attrs at 16");
	BAD(a.attrs = 0xffff800000000000ull, -EFAULT, "kernel attrs");
	igt_assert(ioctl(d->fd, DRM_IOCTL_VSVM_QUERY_RANGE_ATTRS, NULL) == -1);
	igt_assert_eq(errno, EFAULT);
	a = good;
	vsvm_expect(vsvm_child_errno(d, DRM_IOCTL_VSVM_QUERY_RANGE_ATTRS, &a),
		    -EACCES, d, "child");
	/* Count only: attrs is not touched, may be NULL. */
	a = good;
	a.num_attrs = 0;
	a.attrs = 0;
	vsvm_expect(vsvm_query_raw(d, &a), 0, d, "count only");
	igt_assert_eq_u32(a.num_attrs, 3);
	a = good;
	vsvm_expect(vsvm_query_raw(d, &a), 0, d, "good");
	igt_assert_eq_u32(a.num_attrs, 3);
	igt_assert_eq_u32(attrs[1].atomic_mode, DRM_VSVM_ATOMIC_DEVICE);
#undef BAD
	munmap(p, 4 * PAGE);
}

static void vsvm_fill(char *p, size_t npages, unsigned int seed)
{
	size_t i;

	for (i = 0; i < npages * PAGE / sizeof(__u32); i++)
		((__u32 *)p)[i] = seed * 0x9e3779b9u + i;
}

static void vsvm_check(const char *p, size_t npages, unsigned int seed,
		       const char *what)
{
	size_t i;

	for (i = 0; i < npages * PAGE / sizeof(__u32); i++)
		igt_assert_f(((const __u32 *)p)[i] == seed * 0x9e3779b9u + i,
			     "%s: word %zu is %#x\n", what, i,
			     ((const __u32 *)p)[i]);
}

static void vsvm_prefetch_ok(const struct vsvm_dev *d, __u32 location,
			     const char *p, __u64 npages, int pfd,
			     __u64 want_moved, const char *what)
{
	__u64 moved = ~0ull;

	vsvm_expect(vsvm_prefetch(d->fd, d->vm, location, (uintptr_t)p,
				  npages * PAGE, pfd, &moved), 0, d, what);
	igt_assert_f(moved == want_moved,
		     "renderD%d, %s: %llu pages migrated, expected %llu\n",
		     d->minor, what, (unsigned long long)moved,
		     (unsigned long long)want_moved);
}

/* To VRAM and back, with data and residency at each step. */
static void vsvm_test_prefetch(const struct vsvm_dev *d)
{
	const size_t n = 16;
	char *p = vsvm_map(n);
	__u32 dev = DRM_VSVM_RESIDENCY_DEVICE(d->index);

	vsvm_fill(p, n, 1);
	vsvm_prefetch_ok(d, DRM_VSVM_LOCATION_DEVICE, p, n, 0, n, "to VRAM");
	vsvm_expect_residency(d->fd, d->vm, p, n, dev, "in VRAM");
	vsvm_prefetch_ok(d, DRM_VSVM_LOCATION_DEVICE, p, n, 0, 0,
			 "to VRAM again");
	vsvm_prefetch_ok(d, DRM_VSVM_LOCATION_SYSTEM, p, n, 0, n, "to system");
	vsvm_expect_residency(d->fd, d->vm, p, n, DRM_VSVM_RESIDENCY_SYSTEM, "back");
	vsvm_check(p, n, 1, "after the round trip");
	vsvm_prefetch_ok(d, DRM_VSVM_LOCATION_SYSTEM, p, n, 0, 0,
			 "to system again");

	/* CPU access brings the pages back with their contents. */
	vsvm_prefetch_ok(d, DRM_VSVM_LOCATION_DEVICE, p, n, 0, n, "to VRAM 2");
	vsvm_expect_residency(d->fd, d->vm, p, n, dev, "in VRAM 2");
	vsvm_check(p, n, 1, "CPU read of VRAM");
	vsvm_expect_residency(d->fd, d->vm, p, n, DRM_VSVM_RESIDENCY_SYSTEM,
			      "after CPU read");

	/* Only populated pages move; part of the range. */
	munmap(p, n * PAGE);
	p = vsvm_map(n);
	vsvm_fill(p, 4, 2);
	vsvm_fill(p + 8 * PAGE, 2, 3);
	vsvm_prefetch_ok(d, DRM_VSVM_LOCATION_DEVICE, p, n, 0, 6,
			 "half populated");
	vsvm_expect_residency(d->fd, d->vm, p, 4, dev, "populated");
	vsvm_expect_residency(d->fd, d->vm, p + 4 * PAGE, 4, DRM_VSVM_RESIDENCY_NONE,
			      "hole");
	vsvm_expect_residency(d->fd, d->vm, p + 8 * PAGE, 2, dev, "populated 2");
	vsvm_expect_residency(d->fd, d->vm, p + 10 * PAGE, 6, DRM_VSVM_RESIDENCY_NONE,
			      "tail");
	/*
	 * Part of an allocation back: the CPU fault path may take its
	 * neighbours along, but the pages asked for are in system memory.
	 */
	vsvm_prefetch_ok(d, DRM_VSVM_LOCATION_SYSTEM, p + PAGE, 2, 0, 2,
			 "part back");
	vsvm_expect_residency(d->fd, d->vm, p + PAGE, 2, DRM_VSVM_RESIDENCY_SYSTEM,
			      "pages 1-2");
	igt_assert_eq(vsvm_count_at(d, p, 4, dev) +
		      vsvm_count_at(d, p, 4, DRM_VSVM_RESIDENCY_SYSTEM), 4);
	vsvm_check(p, 4, 2, "first run");
	vsvm_check(p + 8 * PAGE, 2, 3, "second run");
	munmap(p, n * PAGE);

	/* Shared memory stays in system memory. */
	{
		char *s = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

		igt_assert(s != MAP_FAILED);
		vsvm_fill(s, 4, 4);
		vsvm_prefetch_ok(d, DRM_VSVM_LOCATION_DEVICE, s, 4, 0, 0,
				 "shared");
		vsvm_expect_residency(d->fd, d->vm, s, 4, DRM_VSVM_RESIDENCY_SYSTEM,
				      "shared stays");
		vsvm_check(s, 4, 4, "shared");
		munmap(s, 4 * PAGE);
	}
}

/* A pagemap fd as the location; closed while its pages are in VRAM. */
static void vsvm_test_prefetch_pagemap_fd(const struct vsvm_dev *d)
{
	const size_t n = 8;
	char *p = vsvm_map(n);
	__u32 dev = DRM_VSVM_RESIDENCY_DEVICE(d->index);
	int pfd = vsvm_pagemap_fd(d);
	size_t left;

	vsvm_fill(p, n, 5);
	vsvm_prefetch_ok(d, DRM_VSVM_LOCATION_PAGEMAP_FD, p, n, pfd, n,
			 "to the fd's VRAM");
	close(pfd);
	vsvm_expect_residency(d->fd, d->vm, p, n, dev, "fd closed");
	vsvm_check(p, n / 2, 5, "fd closed, CPU read");
	vsvm_expect_residency(d->fd, d->vm, p, n / 2, DRM_VSVM_RESIDENCY_SYSTEM,
			      "read back");
	left = vsvm_count_at(d, p + n / 2 * PAGE, n / 2, dev);
	igt_assert_eq(left + vsvm_count_at(d, p + n / 2 * PAGE, n / 2,
					   DRM_VSVM_RESIDENCY_SYSTEM), n / 2);
	vsvm_prefetch_ok(d, DRM_VSVM_LOCATION_SYSTEM, p, n, 0, left,
			 "rest back");
	vsvm_check(p, n, 5, "all back");
	munmap(p, n * PAGE);
}

static int vsvm_prefetch_raw(const struct vsvm_dev *d,
			     struct drm_vsvm_prefetch *a)
{
	return drmIoctl(d->fd, DRM_IOCTL_VSVM_PREFETCH, a) ? -errno : 0;
}

static void vsvm_test_prefetch_bad(const struct vsvm_dev *d)
{
	char *p = vsvm_map(10);
	int pfd = vsvm_pagemap_fd(d), closed_fd, null_fd;
	struct drm_vsvm_prefetch good = {
		.vm_id = d->vm,
		.location = DRM_VSVM_LOCATION_PAGEMAP_FD,
		.start = (uintptr_t)p,
		.range = 8 * PAGE,
		.fd = pfd,
	}, a;

	vsvm_fill(p, 8, 6);
	null_fd = open("/dev/null", O_RDONLY);
	igt_assert(null_fd >= 0);
	closed_fd = dup(pfd);
	close(closed_fd);
#define BAD(field_set, err, what) do {					\
		const char *what_ = (what);				\
		a = good;						\
		field_set;						\
		vsvm_expect(vsvm_prefetch_raw(d, &a), err, d, what_);	\
		vsvm_expect_residency(d->fd, d->vm, p, 8,				\
				      DRM_VSVM_RESIDENCY_SYSTEM, what_); \
	} while (0)

	BAD(a.flags = 1, -EINVAL, "flags");
	BAD(a.reserved[0] = 1, -EINVAL, "reserved[0]");
	BAD(a.reserved[1] = 1, -EINVAL, "reserved[1]");
	BAD((a.location = DRM_VSVM_LOCATION_DEFAULT, a.fd = 0), -EINVAL,
	    "DEFAULT");
	BAD(a.location = 4, -EINVAL, "location 4");
	BAD(a.location = ~0u, -EINVAL, "location ~0");
	BAD(a.location = DRM_VSVM_LOCATION_DEVICE, -EINVAL, "fd with DEVICE");
	BAD(a.location = DRM_VSVM_LOCATION_SYSTEM, -EINVAL, "fd with SYSTEM");
	BAD(a.start += 2048, -EINVAL, "unaligned start");
	BAD(a.range -= 1, -EINVAL, "unaligned range");
	BAD(a.range = 0, -EINVAL, "range 0");
	BAD(a.range = -(__u64)PAGE, -EINVAL, "wraps");
	BAD(a.fd = closed_fd, -EBADF, "closed fd");
	BAD(a.fd = null_fd, -EINVAL, "not a pagemap fd");
	BAD(a.vm_id = 0, -ENOENT, "vm 0");
	BAD(a.vm_id = ~0u, -ENOENT, "vm ~0");
	igt_assert(munmap(p + 8 * PAGE, 2 * PAGE) == 0);
	BAD(a.range = 10 * PAGE, -EFAULT, "partly unmapped");
	BAD((a.start = 0, a.range = PAGE), -EFAULT, "VA 0");
	igt_assert(ioctl(d->fd, DRM_IOCTL_VSVM_PREFETCH, NULL) == -1);
	igt_assert_eq(errno, EFAULT);
	a = good;
	vsvm_expect(vsvm_child_errno(d, DRM_IOCTL_VSVM_PREFETCH, &a), -EACCES,
		    d, "child");
	vsvm_expect_residency(d->fd, d->vm, p, 8, DRM_VSVM_RESIDENCY_SYSTEM, "child");
	vsvm_check(p, 8, 6, "after the bad calls");
#undef BAD
	close(null_fd);
	close(pfd);
	munmap(p, 8 * PAGE);
}

/* PREFETCH to the VRAM of devices of other owner groups. */
static void vsvm_test_prefetch_enolink(void)
{
	char *p = vsvm_map(4);
	int i, j;

	vsvm_fill(p, 4, 7);
	for (i = 0; i < n_devs; i++) {
		for (j = 0; j < n_devs; j++) {
			int pfd = vsvm_pagemap_fd(&devs[j]);
			__u64 moved = 0;
			int ret;

			ret = vsvm_prefetch(devs[i].fd, devs[i].vm,
					    DRM_VSVM_LOCATION_PAGEMAP_FD,
					    (uintptr_t)p, 4 * PAGE, pfd, &moved);
			close(pfd);
			if (i == j)
				vsvm_expect(ret, 0, &devs[i], "own pagemap");
			igt_assert_f(ret == 0 || ret == -ENOLINK,
				     "renderD%d <- renderD%d: %d\n",
				     devs[i].minor, devs[j].minor, ret);
			if (ret == 0) {
				igt_assert_eq_u64(moved, 4);
				vsvm_expect_residency(devs[i].fd, devs[i].vm, p, 4,
						      DRM_VSVM_RESIDENCY_DEVICE(devs[j].index),
						      "peer VRAM");
			} else {
				vsvm_expect_residency(devs[i].fd, devs[i].vm, p, 4,
						      DRM_VSVM_RESIDENCY_SYSTEM,
						      "after ENOLINK");
			}
			vsvm_prefetch_ok(&devs[i], DRM_VSVM_LOCATION_SYSTEM, p,
					 4, 0, ret ? 0 : 4, "back");
			vsvm_check(p, 4, 7, "peer round trip");
		}
	}
	munmap(p, 4 * PAGE);
}

/* A large reserved range: PREFETCH walks it in bounded chunks. */
static void vsvm_test_prefetch_large(const struct vsvm_dev *d)
{
	const size_t n = 4096;
	char *p = mmap(NULL, n * PAGE, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	igt_assert(p != MAP_FAILED);
	vsvm_prefetch_ok(d, DRM_VSVM_LOCATION_DEVICE, p, n, 0, 0,
			 "PROT_NONE to VRAM");
	vsvm_prefetch_ok(d, DRM_VSVM_LOCATION_SYSTEM, p, n, 0, 0,
			 "PROT_NONE to system");
	/* Populated pages at chunk edges, in the middle of the range. */
	igt_assert(mprotect(p + 1000 * PAGE, 48 * PAGE,
			    PROT_READ | PROT_WRITE) == 0);
	vsvm_fill(p + 1000 * PAGE, 48, 11);
	vsvm_prefetch_ok(d, DRM_VSVM_LOCATION_DEVICE, p, n, 0, 48,
			 "to VRAM");
	vsvm_expect_residency(d->fd, d->vm, p + 1000 * PAGE, 48,
			      DRM_VSVM_RESIDENCY_DEVICE(d->index), "in VRAM");
	vsvm_prefetch_ok(d, DRM_VSVM_LOCATION_SYSTEM, p, n, 0, 48,
			 "to system");
	vsvm_check(p + 1000 * PAGE, 48, 11, "large range");
	munmap(p, n * PAGE);
}

/* Pages moved by one device's PREFETCH, then by another's. */
static void vsvm_test_prefetch_cross(void)
{
	const size_t n = 8;
	char *p = vsvm_map(n);
	int i, j;

	igt_require_f(n_devs > 1, "one device only\n");
	vsvm_fill(p, n, 8);
	for (i = 0; i < n_devs; i++) {
		for (j = 0; j < n_devs; j++) {
			if (i == j)
				continue;
			vsvm_prefetch_ok(&devs[j], DRM_VSVM_LOCATION_DEVICE, p,
					 n, 0, n, "to the first device");
			vsvm_expect_residency(devs[i].fd, devs[i].vm, p, n,
					      DRM_VSVM_RESIDENCY_DEVICE(devs[j].index),
					      "first device");
			vsvm_prefetch_ok(&devs[i], DRM_VSVM_LOCATION_DEVICE, p,
					 n, 0, n, "to the second device");
			vsvm_expect_residency(devs[j].fd, devs[j].vm, p, n,
					      DRM_VSVM_RESIDENCY_DEVICE(devs[i].index),
					      "second device");
			vsvm_check(p, n, 8, "after two devices");
		}
	}
	munmap(p, n * PAGE);
}

/* GPU writes place the pages where the attributes say. */
static void vsvm_test_madvise_placement(const struct vsvm_dev *d)
{
	const size_t n = 16;
	char *p = vsvm_map(n);
	__u32 dev = DRM_VSVM_RESIDENCY_DEVICE(d->index);
	struct drm_vsvm_exec out;
	char *buf = malloc(n * PAGE);
	int pfd = vsvm_pagemap_fd(d);

	igt_assert(buf);
	vsvm_fill(p, n, 9);
	vsvm_madvise_ok(d, DRM_VSVM_MADVISE_PREFERRED_LOC, p, 0, 4,
			DRM_VSVM_LOCATION_SYSTEM, 0);
	vsvm_madvise_ok(d, DRM_VSVM_MADVISE_PREFERRED_LOC, p, 4, 4,
			DRM_VSVM_LOCATION_DEVICE, 0);
	vsvm_madvise_ok(d, DRM_VSVM_MADVISE_PREFERRED_LOC, p, 8, 4,
			DRM_VSVM_LOCATION_PAGEMAP_FD, pfd);
	close(pfd);
	vsvm_fill(buf, n, 10);
	vsvm_expect(vsvm_exec_write(d->fd, d->vm, p, n * PAGE, buf, &out), 0,
		    d, "GPU write");
	vsvm_expect_residency(d->fd, d->vm, p, 4, DRM_VSVM_RESIDENCY_SYSTEM,
			      "preferred system");
	vsvm_expect_residency(d->fd, d->vm, p + 4 * PAGE, 4, dev, "preferred device");
	vsvm_expect_residency(d->fd, d->vm, p + 8 * PAGE, 4, dev, "preferred pagemap fd");
	/* The GPU sees its data; then the CPU does. */
	memset(buf, 0, n * PAGE);
	vsvm_expect(vsvm_exec_read(d->fd, d->vm, p, n * PAGE, buf, &out), 0,
		    d, "GPU read");
	vsvm_check(buf, n, 10, "GPU read");
	vsvm_check(p, n, 10, "CPU read");

	/* Unmapped and mapped again: the defaults apply again. */
	igt_assert(munmap(p, 4 * PAGE) == 0);
	igt_assert(mmap(p, 4 * PAGE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == p);
	{
		struct vsvm_want w[] = { W(0, 4, DEFAULT, 0, 0, 0) };

		vsvm_expect_attrs(d, p, 0, 4, w, 1, "remapped");
	}
	munmap(p, n * PAGE);
	free(buf);
}

/*
 * A VM made while max_attr_intervals is 8: the ninth interval, a gap
 * between two and a split are -ENOMEM and change nothing; calls needing
 * no new interval still work, and below the limit new ones do again.
 */
static void vsvm_test_madvise_limit(const struct vsvm_dev *dev)
{
	struct vsvm_want w[16];
	struct vsvm_dev d = *dev;
	__u64 old;
	char *p = vsvm_map(32);
	int i;

	igt_assert_eq(vsvm_module_param_get("vsvm", "max_attr_intervals",
					    &old), 0);
	igt_assert_eq(vsvm_module_param_set("vsvm", "max_attr_intervals", 8),
		      0);
	i = vsvm_vm_create(d.fd, &d.vm);
	igt_assert_eq(vsvm_module_param_set("vsvm", "max_attr_intervals",
					    old), 0);
	igt_assert_eq(i, 0);

	for (i = 0; i < 16; i += 2)
		vsvm_madvise_ok(&d, DRM_VSVM_MADVISE_ATOMIC, p, i, 1,
				DRM_VSVM_ATOMIC_CPU, 0);
	vsvm_expect(vsvm_madvise(d.fd, d.vm, DRM_VSVM_MADVISE_ATOMIC,
				 (uintptr_t)p + 16 * PAGE, PAGE,
				 DRM_VSVM_ATOMIC_CPU, 0), -ENOMEM, &d,
		    "a ninth interval");
	vsvm_expect(vsvm_madvise(d.fd, d.vm, DRM_VSVM_MADVISE_ATOMIC,
				 (uintptr_t)p + PAGE, PAGE,
				 DRM_VSVM_ATOMIC_CPU, 0), -ENOMEM, &d,
		    "a gap between two");
	vsvm_expect(vsvm_madvise(d.fd, d.vm, DRM_VSVM_MADVISE_ATOMIC,
				 (uintptr_t)p, 3 * PAGE,
				 DRM_VSVM_ATOMIC_GLOBAL, 0), -ENOMEM, &d,
		    "over a gap");
	for (i = 0; i < 16; i++)
		w[i] = (struct vsvm_want)W(i, i + 1, DEFAULT, 0, 0,
					   i % 2 ? 0 : DRM_VSVM_ATOMIC_CPU);
	w[15].end = 32;
	vsvm_expect_attrs(&d, p, 0, 32, w, 16, "after -ENOMEM");

	/* The same value again, another over whole intervals: no new one. */
	vsvm_madvise_ok(&d, DRM_VSVM_MADVISE_ATOMIC, p, 0, 1,
			DRM_VSVM_ATOMIC_CPU, 0);
	vsvm_madvise_ok(&d, DRM_VSVM_MADVISE_ATOMIC, p, 2, 1,
			DRM_VSVM_ATOMIC_GLOBAL, 0);
	w[2].atomic = DRM_VSVM_ATOMIC_GLOBAL;
	vsvm_expect_attrs(&d, p, 0, 32, w, 16, "no new interval");
	/* Back to the defaults, then room for new ones. */
	vsvm_madvise_ok(&d, DRM_VSVM_MADVISE_ATOMIC, p, 0, 32,
			DRM_VSVM_ATOMIC_DEFAULT, 0);
	vsvm_madvise_ok(&d, DRM_VSVM_MADVISE_ATOMIC, p, 16, 1,
			DRM_VSVM_ATOMIC_CPU, 0);
	w[0] = (struct vsvm_want)W(0, 16, DEFAULT, 0, 0, 0);
	w[1] = (struct vsvm_want)W(16, 17, DEFAULT, 0, 0,
				   DRM_VSVM_ATOMIC_CPU);
	w[2] = (struct vsvm_want)W(17, 32, DEFAULT, 0, 0, 0);
	vsvm_expect_attrs(&d, p, 0, 32, w, 3, "below the limit");
	igt_assert_eq(vsvm_vm_destroy(d.fd, d.vm), 0);
	munmap(p, 32 * PAGE);
}

int igt_main()
{
	igt_fixture() {
		vsvm_open_devices();
		igt_info("%d vsvm render node(s)\n", n_devs);
		igt_require_f(n_devs > 0, "no vsvm render node\n");
	}

	igt_describe("RESIDENCY of unpopulated, written, read, file-backed and unmapped pages.");
	igt_subtest("residency-system") {
		int i;

		for (i = 0; i < n_devs; i++)
			vsvm_test_residency_system(&devs[i]);
	}

	igt_describe("RESIDENCY over the largest range and kernel VA.");
	igt_subtest("residency-large") {
		int i;

		for (i = 0; i < n_devs; i++)
			vsvm_test_residency_large(&devs[i]);
	}

	igt_describe("RESIDENCY bad arguments: exact errno, output untouched.");
	igt_subtest("residency-bad-args") {
		int i;

		for (i = 0; i < n_devs; i++)
			vsvm_test_residency_bad(&devs[i]);
	}

	igt_describe("Every MADVISE type and value, read back with QUERY_RANGE_ATTRS.");
	igt_subtest("madvise-types") {
		int i;

		for (i = 0; i < n_devs; i++)
			vsvm_test_madvise_types(&devs[i]);
	}

	igt_describe("Overlapping MADVISE calls split and merge; queries clip.");
	igt_subtest("madvise-overlap") {
		int i;

		for (i = 0; i < n_devs; i++)
			vsvm_test_madvise_overlap(&devs[i]);
	}

	igt_describe("munmap and mremap reset the attributes of the unmapped VA.");
	igt_subtest("madvise-unmap") {
		int i;

		for (i = 0; i < n_devs; i++)
			vsvm_test_madvise_unmap(&devs[i]);
	}

	igt_describe("Pagemap fds of devices without an interconnect: -ENOLINK.");
	igt_subtest("madvise-enolink")
		vsvm_test_madvise_enolink();

	igt_describe("MADVISE bad arguments: exact errno, attributes unchanged.");
	igt_subtest("madvise-bad-args") {
		int i;

		for (i = 0; i < n_devs; i++)
			vsvm_test_madvise_bad(&devs[i]);
	}

	igt_describe("MADVISE beyond max_attr_intervals: -ENOMEM, attributes unchanged.");
	igt_subtest("madvise-limit") {
		int i;

		for (i = 0; i < n_devs; i++)
			vsvm_test_madvise_limit(&devs[i]);
	}

	igt_describe("QUERY_RANGE_ATTRS bad arguments: exact errno, nothing written.");
	igt_subtest("query-bad-args") {
		int i;

		for (i = 0; i < n_devs; i++)
			vsvm_test_query_bad(&devs[i]);
	}

	igt_describe("PREFETCH to VRAM and back: residency, counts and data.");
	igt_subtest("prefetch") {
		int i;

		for (i = 0; i < n_devs; i++)
			vsvm_test_prefetch(&devs[i]);
	}

	igt_describe("PREFETCH to a pagemap fd, closed while its pages are in VRAM.");
	igt_subtest("prefetch-pagemap-fd") {
		int i;

		for (i = 0; i < n_devs; i++)
			vsvm_test_prefetch_pagemap_fd(&devs[i]);
	}

	igt_describe("PREFETCH to other devices' VRAM: in the owner group or -ENOLINK.");
	igt_subtest("prefetch-enolink")
		vsvm_test_prefetch_enolink();

	igt_describe("PREFETCH over a large range, mostly PROT_NONE.");
	igt_subtest("prefetch-large") {
		int i;

		for (i = 0; i < n_devs; i++)
			vsvm_test_prefetch_large(&devs[i]);
	}

	igt_describe("PREFETCH moves pages from one device's VRAM to another's.");
	igt_subtest("prefetch-cross")
		vsvm_test_prefetch_cross();

	igt_describe("GPU writes place pages by their preferred location.");
	igt_subtest("madvise-placement") {
		int i;

		for (i = 0; i < n_devs; i++)
			vsvm_test_madvise_placement(&devs[i]);
	}

	igt_describe("PREFETCH bad arguments: exact errno, nothing moved.");
	igt_subtest("prefetch-bad-args") {
		int i;

		for (i = 0; i < n_devs; i++)
			vsvm_test_prefetch_bad(&devs[i]);
	}

	igt_fixture() {
		int i;

		for (i = 0; i < n_devs; i++)
			close(devs[i].fd);
		n_devs = 0;
	}
}
