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
#include "vsvm_lib.h"
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

/* RESIDENCY of [p, p + npages pages), all expected to be @want. */
static void vsvm_expect_residency(const struct vsvm_dev *d, const void *p,
				  size_t npages, __u32 want,
				  const char *what)
{
	__u32 *loc = calloc(npages, sizeof(*loc));
	size_t i;

	igt_assert(loc);
	memset(loc, 0xa5, npages * sizeof(*loc));
	vsvm_expect(vsvm_residency(d->fd, d->vm, (uintptr_t)p, npages, loc), 0,
		    d, what);
	for (i = 0; i < npages; i++)
		igt_assert_f(loc[i] == want,
			     "renderD%d, %s: page %zu at %#x, expected %#x\n",
			     d->minor, what, i, loc[i], want);
	free(loc);
}

/* A CPU read of one byte that the compiler keeps. */
static char vsvm_read_byte(const char *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/* Unpopulated, written, read (zero page), file-backed, unmapped pages. */
static void vsvm_test_residency_system(const struct vsvm_dev *d)
{
	const size_t n = 32;
	char *p = vsvm_map(n);
	char *f;
	size_t i;
	int mfd;

	vsvm_expect_residency(d, p, n, DRM_VSVM_RESIDENCY_NONE,
			      "fresh mmap");
	for (i = 0; i < 8; i++)
		p[i * PAGE] = 1;
	for (i = 8; i < 12; i++)
		vsvm_read_byte(p + i * PAGE);
	vsvm_expect_residency(d, p, 8, DRM_VSVM_RESIDENCY_SYSTEM,
			      "written");
	vsvm_expect_residency(d, (p + 8 * PAGE), 4,
			      DRM_VSVM_RESIDENCY_SYSTEM, "read");
	vsvm_expect_residency(d, (p + 12 * PAGE), n - 12,
			      DRM_VSVM_RESIDENCY_NONE, "untouched");

	/* Unmapped VA reads as NONE, also in the middle of a call. */
	igt_assert(munmap((p + 4 * PAGE), 4 * PAGE) == 0);
	vsvm_expect_residency(d, p, 4, DRM_VSVM_RESIDENCY_SYSTEM,
			      "kept");
	vsvm_expect_residency(d, (p + 4 * PAGE), 4,
			      DRM_VSVM_RESIDENCY_NONE, "unmapped");
	vsvm_expect_residency(d, (p + 8 * PAGE), 4,
			      DRM_VSVM_RESIDENCY_SYSTEM, "after the hole");

	/* Shared file-backed memory. */
	mfd = memfd_create("vsvm_madvise", 0);
	igt_assert(mfd >= 0);
	igt_assert(ftruncate(mfd, 4 * PAGE) == 0);
	f = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	igt_assert(f != MAP_FAILED);
	vsvm_expect_residency(d, f, 4, DRM_VSVM_RESIDENCY_NONE, "memfd fresh");
	f[PAGE] = 3;
	vsvm_expect_residency(d, f + PAGE, 1, DRM_VSVM_RESIDENCY_SYSTEM,
			      "memfd written");
	vsvm_expect_residency(d, f + 2 * PAGE, 2, DRM_VSVM_RESIDENCY_NONE,
			      "memfd untouched");
	munmap(f, 4 * PAGE);
	close(mfd);

	/* Nothing was faulted in by the queries. */
	vsvm_expect_residency(d, (p + 12 * PAGE), n - 12,
			      DRM_VSVM_RESIDENCY_NONE, "still untouched");
	munmap(p, 4 * PAGE);
	munmap((p + 8 * PAGE), (n - 8) * PAGE);
	/* Nothing mapped at all. */
	vsvm_expect_residency(d, p, n, DRM_VSVM_RESIDENCY_NONE,
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

	BAD(a.flags = 1, -EINVAL, "flags");
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

igt_main
{
	igt_fixture {
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

	igt_fixture {
		int i;

		for (i = 0; i < n_devs; i++)
			close(devs[i].fd);
		n_devs = 0;
	}
}
