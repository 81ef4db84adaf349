// SPDX-License-Identifier: MIT
/*
 * vsvm_devmem: DRM_IOCTL_VSVM_DEVMEM_OPEN on every vsvm render node.
 *
 * The pagemap fds it returns, their flags and lifetime, its bad arguments
 * (exact errno, no fd created) and, through debugfs, the pagemap going
 * inactive with its last fd and being revived by the next open.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xf86drm.h>

#include "igt.h"
#include "vsvm_bind_lib.h"
#include "vsvm_exec_lib.h"
#include "vsvm_lib.h"
#include <drm/vsvm_drm.h>

#define MAX_DEVICES	64
#define PAGEMAPS_PATH	"/sys/kernel/debug/drm_msvm/pagemaps"

struct vsvm_dev {
	int fd;
	/* N of /dev/dri/renderDN */
	int minor;
};

static struct vsvm_dev devs[MAX_DEVICES];
static int n_devs;

/* Open every vsvm render node, in minor order. */
static void vsvm_open_devices(void)
{
	struct vsvm_node nodes[MAX_DEVICES];
	int i, n = vsvm_open_nodes(nodes, MAX_DEVICES);

	for (i = 0; i < n; i++) {
		devs[n_devs].fd = nodes[i].fd;
		devs[n_devs].minor = nodes[i].minor;
		n_devs++;
	}
}

/* DEVMEM_OPEN of region 0: the new fd, checked. */
static int vsvm_devmem_open(const struct vsvm_dev *d)
{
	struct drm_vsvm_devmem_open arg;
	char path[64], target[PATH_MAX];
	ssize_t len;
	int flags;

	memset(&arg, 0, sizeof(arg));
	arg.fd = -1;
	igt_assert_f(drmIoctl(d->fd, DRM_IOCTL_VSVM_DEVMEM_OPEN, &arg) == 0,
		     "renderD%d: DEVMEM_OPEN: %s\n", d->minor, strerror(errno));
	igt_assert_f(arg.fd >= 0, "renderD%d: fd %d\n", d->minor, arg.fd);
	igt_assert_eq_u32(arg.flags, 0);
	igt_assert_eq_u32(arg.region, 0);
	igt_assert_eq_u32(arg.pad, 0);
	igt_assert_eq_u64(arg.reserved[0], 0);
	igt_assert_eq_u64(arg.reserved[1], 0);

	flags = fcntl(arg.fd, F_GETFD);
	igt_assert_f(flags >= 0, "F_GETFD: %s\n", strerror(errno));
	igt_assert_f(flags & FD_CLOEXEC, "renderD%d: fd %d not close-on-exec\n",
		     d->minor, arg.fd);

	snprintf(path, sizeof(path), "/proc/self/fd/%d", arg.fd);
	len = readlink(path, target, sizeof(target) - 1);
	igt_assert_f(len > 0, "readlink %s: %s\n", path, strerror(errno));
	target[len] = '\0';
	igt_assert_f(strstr(target, "drm_pagemap"),
		     "renderD%d: fd %d is \"%s\", not a pagemap\n", d->minor,
		     arg.fd, target);
	return arg.fd;
}

static void vsvm_close(int fd)
{
	igt_assert_eq(close(fd), 0);
	errno = 0;
	igt_assert_eq(fcntl(fd, F_GETFD), -1);
	igt_assert_eq(errno, EBADF);
}

static void vsvm_test_open_close(const struct vsvm_dev *d)
{
	int before = vsvm_count_fds();
	int fd1, fd2, i, fds[8];

	fd1 = vsvm_devmem_open(d);
	fd2 = vsvm_devmem_open(d);
	igt_assert_neq(fd1, fd2);
	igt_assert_eq(vsvm_count_fds(), before + 2);
	vsvm_close(fd1);
	igt_assert_eq(vsvm_count_fds(), before + 1);
	/* the other fd still holds the pagemap: a new one is fine */
	fd1 = vsvm_devmem_open(d);
	vsvm_close(fd2);
	vsvm_close(fd1);
	igt_assert_eq(vsvm_count_fds(), before);

	for (i = 0; i < (int)ARRAY_SIZE(fds); i++)
		fds[i] = vsvm_devmem_open(d);
	igt_assert_eq(vsvm_count_fds(), before + (int)ARRAY_SIZE(fds));
	for (i = 0; i < (int)ARRAY_SIZE(fds); i++)
		vsvm_close(fds[i]);
	igt_assert_eq(vsvm_count_fds(), before);
}

/* @arg must fail with @err, unchanged, with no new fd. */
static void vsvm_expect_fail(const struct vsvm_dev *d,
			     struct drm_vsvm_devmem_open *arg, int err,
			     const char *what)
{
	struct drm_vsvm_devmem_open saved = *arg;
	int before = vsvm_count_fds();
	int ret, e;

	errno = 0;
	ret = drmIoctl(d->fd, DRM_IOCTL_VSVM_DEVMEM_OPEN, arg);
	e = errno;
	igt_assert_f(ret == -1 && e == err,
		     "renderD%d, %s: returned %d, errno %d (%s)\n", d->minor,
		     what, ret, e, strerror(e));
	igt_assert_f(!memcmp(arg, &saved, sizeof(saved)),
		     "renderD%d, %s: the failed call changed the struct\n",
		     d->minor, what);
	igt_assert_f(vsvm_count_fds() == before,
		     "renderD%d, %s: the failed call left an fd\n", d->minor,
		     what);
}

/* A raw ioctl() with a bad argument pointer: EFAULT, no new fd. */
static void vsvm_expect_efault(const struct vsvm_dev *d, void *ptr,
			       const char *what)
{
	int before = vsvm_count_fds();
	int ret, e;

	errno = 0;
	ret = ioctl(d->fd, DRM_IOCTL_VSVM_DEVMEM_OPEN, ptr);
	e = errno;
	igt_assert_f(ret == -1 && e == EFAULT,
		     "renderD%d, %s: returned %d, errno %d (%s)\n", d->minor,
		     what, ret, e, strerror(e));
	igt_assert_f(vsvm_count_fds() == before,
		     "renderD%d, %s: the failed call left an fd\n", d->minor,
		     what);
}

static void vsvm_test_bad_args(const struct vsvm_dev *d)
{
	struct drm_vsvm_devmem_open arg, good;
	long page = sysconf(_SC_PAGESIZE);
	char *map;
	int fd;

	memset(&good, 0, sizeof(good));
	good.fd = -1;

	arg = good;
	arg.flags = 1;
	vsvm_expect_fail(d, &arg, EINVAL, "flags 1");
	arg.flags = 0x80000000u;
	vsvm_expect_fail(d, &arg, EINVAL, "flags 1 << 31");
	arg = good;
	arg.region = 1;
	vsvm_expect_fail(d, &arg, EINVAL, "region 1");
	arg.region = 0xffffffffu;
	vsvm_expect_fail(d, &arg, EINVAL, "region ~0");
	arg = good;
	arg.pad = 1;
	vsvm_expect_fail(d, &arg, EINVAL, "pad 1");
	arg.pad = 0x80000000u;
	vsvm_expect_fail(d, &arg, EINVAL, "pad 1 << 31");
	arg = good;
	arg.reserved[0] = 1;
	vsvm_expect_fail(d, &arg, EINVAL, "reserved[0] 1");
	arg.reserved[0] = 1ull << 63;
	vsvm_expect_fail(d, &arg, EINVAL, "reserved[0] 1 << 63");
	arg = good;
	arg.reserved[1] = 1;
	vsvm_expect_fail(d, &arg, EINVAL, "reserved[1] 1");
	arg.reserved[1] = 1ull << 63;
	vsvm_expect_fail(d, &arg, EINVAL, "reserved[1] 1 << 63");
	arg = good;
	arg.flags = 1;
	arg.region = 1;
	vsvm_expect_fail(d, &arg, EINVAL, "flags and region");

	vsvm_expect_efault(d, NULL, "arg NULL");
	vsvm_expect_efault(d, (void *)1, "arg (void *)1");
	map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	igt_assert(map != MAP_FAILED);
	igt_assert_eq(munmap(map + page, page), 0);
	vsvm_expect_efault(d, map + page, "arg on an unmapped page");
	vsvm_expect_efault(d, map + page - sizeof(arg) / 2,
			   "arg across the mapping's end");
	igt_assert_eq(munmap(map, page), 0);

	/* the device still opens its region */
	fd = vsvm_devmem_open(d);
	vsvm_close(fd);
}

/* Counters of the global pagemap debugfs file. */
struct vsvm_pagemap_stats {
	long long active, inactive, revived, destroyed;
};

static void vsvm_read_stats(struct vsvm_pagemap_stats *s)
{
	char name[32];
	long long v;
	int found = 0;
	FILE *f;

	f = fopen(PAGEMAPS_PATH, "r");
	igt_assert_f(f, "%s: %s\n", PAGEMAPS_PATH, strerror(errno));
	while (fscanf(f, "%31s %lld", name, &v) == 2) {
		long long *dst = NULL;

		if (!strcmp(name, "active"))
			dst = &s->active;
		else if (!strcmp(name, "inactive"))
			dst = &s->inactive;
		else if (!strcmp(name, "revived"))
			dst = &s->revived;
		else if (!strcmp(name, "destroyed"))
			dst = &s->destroyed;
		if (dst) {
			*dst = v;
			found++;
		}
	}
	fclose(f);
	igt_assert_f(found == 4, "%s: %d of 4 counters\n", PAGEMAPS_PATH,
		     found);
}

/*
 * The value of the line "@key: value" of the device's debugfs "pagemap"
 * file, copied to @val (at least 32 bytes).
 */
static void vsvm_read_pagemap_field(const struct vsvm_dev *d, const char *key,
				    char *val)
{
	igt_assert_f(!vsvm_debugfs_field(d->minor, "pagemap", key, val, 32),
		     "renderD%d: no \"%s\" in debugfs pagemap\n", d->minor,
		     key);
}

/* The device's pagemap state: active, inactive or none. */
static void vsvm_read_state(const struct vsvm_dev *d, char *state)
{
	vsvm_read_pagemap_field(d, "pagemap", state);
}

/* A numeric field of the device's debugfs "pagemap" file. */
static long long vsvm_read_pagemap_num(const struct vsvm_dev *d,
				       const char *key)
{
	char val[32], *end;
	long long v;

	vsvm_read_pagemap_field(d, key, val);
	v = strtoll(val, &end, 0);
	igt_assert_f(*end == '\0', "renderD%d: %s is \"%s\"\n", d->minor,
		     key, val);
	return v;
}

static void vsvm_test_revive(const struct vsvm_dev *d)
{
	struct vsvm_pagemap_stats s0, s1, s2;
	char state[32];
	int fd1, fd2;

	fd1 = vsvm_devmem_open(d);
	fd2 = vsvm_devmem_open(d);
	vsvm_read_state(d, state);
	igt_assert_f(!strcmp(state, "active"), "renderD%d: %s with two fds\n",
		     d->minor, state);
	vsvm_read_stats(&s0);
	igt_assert_lte(1, (int)s0.active);

	vsvm_close(fd1);
	vsvm_read_state(d, state);
	igt_assert_f(!strcmp(state, "active"), "renderD%d: %s with one fd\n",
		     d->minor, state);

	vsvm_close(fd2);
	vsvm_read_stats(&s1);
	vsvm_read_state(d, state);
	igt_assert_eq_s64(s1.active, s0.active - 1);
	if (!strcmp(state, "none")) {
		/* the shrinker took it meanwhile: it was destroyed */
		igt_assert_lt_s64(s0.destroyed, s1.destroyed);
		igt_info("renderD%d: pagemap shrunk before the revival check\n",
			 d->minor);
	} else {
		igt_assert_f(!strcmp(state, "inactive"),
			     "renderD%d: %s after the last close\n", d->minor,
			     state);
		igt_assert_eq_s64(s1.inactive, s0.inactive + 1);
	}

	fd1 = vsvm_devmem_open(d);
	vsvm_read_stats(&s2);
	vsvm_read_state(d, state);
	igt_assert_f(!strcmp(state, "active"), "renderD%d: %s after reopen\n",
		     d->minor, state);
	igt_assert_eq_s64(s2.active, s1.active + 1);
	/* revived (unless the shrinker raced us and a new one was made) */
	if (s2.destroyed == s1.destroyed) {
		igt_assert_eq_s64(s2.revived, s1.revived + 1);
		igt_assert_eq_s64(s2.inactive, s1.inactive - 1);
	}
	vsvm_close(fd1);
}

/*
 * GPU faults that use system memory in place (MAP_SHARED memory, and
 * anonymous memory advised to system memory) leave an unused pagemap
 * alone: not revived, not created, no provider references taken and
 * handed back on every fault. A fault that migrates still revives it.
 */
static void vsvm_test_in_place_no_revive(const struct vsvm_dev *d)
{
	const size_t size = 4 * 4096;
	struct vsvm_pagemap_stats s0, s1;
	long long created;
	char state[32], *shared, *anon, *fresh, *buf;
	__u32 vm;
	size_t i;
	int fd;

	/* An inactive pagemap, or none if the shrinker takes it. */
	fd = vsvm_devmem_open(d);
	vsvm_close(fd);
	igt_assert_eq(vsvm_vm_create(d->fd, &vm), 0);
	shared = mmap(NULL, size, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	anon = mmap(NULL, size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	buf = malloc(size);
	igt_assert(shared != MAP_FAILED && anon != MAP_FAILED && buf);
	memset(shared, 0x5a, size);
	memset(anon, 0xa5, size);
	igt_assert_eq(vsvm_madvise(d->fd, vm, DRM_VSVM_MADVISE_PREFERRED_LOC,
				   (uintptr_t)anon, size,
				   DRM_VSVM_LOCATION_SYSTEM, 0), 0);

	vsvm_read_stats(&s0);
	created = vsvm_read_pagemap_num(d, "created");
	igt_assert_eq(vsvm_exec_read(d->fd, vm, shared, size, buf, NULL), 0);
	for (i = 0; i < size; i++)
		igt_assert_eq(buf[i], 0x5a);
	igt_assert_eq(vsvm_exec_read(d->fd, vm, anon, size, buf, NULL), 0);
	for (i = 0; i < size; i++)
		igt_assert_eq(buf[i], (char)0xa5);
	vsvm_read_stats(&s1);
	vsvm_read_state(d, state);
	igt_assert_f(strcmp(state, "active"),
		     "renderD%d: in-place faults activated the pagemap\n",
		     d->minor);
	igt_assert_eq_s64(vsvm_read_pagemap_num(d, "created"), created);
	igt_assert_eq_s64(s1.revived, s0.revived);

	/*
	 * Fresh memory with the default attributes: the fault migrates it,
	 * into a live pagemap (the advised range stays bound where it is).
	 */
	fresh = mmap(NULL, size, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	igt_assert(fresh != MAP_FAILED);
	memset(fresh, 0x3c, size);
	igt_assert_eq(vsvm_exec_read(d->fd, vm, fresh, size, buf, NULL), 0);
	for (i = 0; i < size; i++)
		igt_assert_eq(buf[i], 0x3c);
	vsvm_read_state(d, state);
	igt_assert_f(!strcmp(state, "active"),
		     "renderD%d: %s with pages in its VRAM\n", d->minor, state);

	igt_assert_eq(vsvm_vm_destroy(d->fd, vm), 0);
	munmap(shared, size);
	munmap(anon, size);
	munmap(fresh, size);
	free(buf);
}

/*
 * Unbind a PCI vsvm device while a pagemap fd of it is open: the fd stays
 * valid, the device's ioctls fail with ENODEV, closing the fd destroys the
 * revoked pagemap; rebinding gives a working device again.
 */
static void vsvm_test_unbind(void)
{
	struct vsvm_pagemap_stats s0, s1;
	struct drm_vsvm_devmem_open arg;
	struct vsvm_bus_dev bd;
	struct vsvm_dev *d = NULL;
	int i, pfd, fd, minor;

	for (i = 0; i < n_devs && !d; i++)
		if (!vsvm_node_bus_dev(devs[i].minor, &bd) &&
		    !strcmp(bd.bus, "pci"))
			d = &devs[i];
	igt_require_f(d, "no PCI vsvm device\n");
	igt_info("unbinding %s (renderD%d)\n", bd.name, d->minor);

	pfd = vsvm_devmem_open(d);
	vsvm_bus_unbind(&bd);

	memset(&arg, 0, sizeof(arg));
	arg.fd = -1;
	vsvm_expect_fail(d, &arg, ENODEV, "DEVMEM_OPEN after unbind");
	igt_assert_lte(0, fcntl(pfd, F_GETFD));

	/* the revoked pagemap goes with its last fd (destroyed, deferred) */
	vsvm_read_stats(&s0);
	vsvm_close(pfd);
	for (i = 0; i < 100; i++) {
		vsvm_read_stats(&s1);
		if (s1.destroyed > s0.destroyed)
			break;
		usleep(20000);
	}
	igt_assert_lt_s64(s0.destroyed, s1.destroyed);
	igt_assert_eq_s64(s1.inactive, s0.inactive);

	close(d->fd);
	d->fd = -1;
	vsvm_bus_bind(&bd);
	fd = vsvm_bus_open_render(&bd, &minor);
	igt_assert_f(fd >= 0, "%s: no render node after rebind\n", bd.name);
	d->fd = fd;
	d->minor = minor;
	igt_assert(vsvm_fd_is_vsvm(fd));
	vsvm_close(vsvm_devmem_open(d));
}

/*
 * The pages on the per-CPU free lists (the pagesets' "count" lines of
 * /proc/zoneinfo), in kB. Freed pages, the 2 MiB blocks of a vmemmap too,
 * wait there before the buddy allocator (and MemFree) sees them.
 */
static long long vsvm_pcp_free_kb(void)
{
	long long count, pages = 0;
	char line[256];
	FILE *f;

	f = fopen("/proc/zoneinfo", "r");
	igt_assert_f(f, "/proc/zoneinfo: %s\n", strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " count: %lld", &count) == 1)
			pages += count;
	fclose(f);
	return pages * (sysconf(_SC_PAGESIZE) / 1024);
}

/* MemFree of /proc/meminfo plus the per-CPU free lists, in kB. */
static long long vsvm_memfree_kb(void)
{
	char line[128];
	long long kb = -1;
	FILE *f;

	f = fopen("/proc/meminfo", "r");
	igt_assert_f(f, "/proc/meminfo: %s\n", strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemFree: %lld kB", &kb) == 1)
			break;
	fclose(f);
	igt_assert_f(kb > 0, "no MemFree in /proc/meminfo\n");
	return kb + vsvm_pcp_free_kb();
}

/* The size of struct page on x86-64 (the rig's kernel), in bytes. */
#define VSVM_STRUCT_PAGE_SIZE	64
/*
 * x86-64 backs the struct pages of hotplugged memory (the vmemmap) with
 * 2 MiB blocks where it can, so a region's struct pages take between
 * their size and that rounded up to whole 2 MiB blocks (less where two
 * regions share a block).
 */
#define VSVM_VMEMMAP_BLOCK_KB	2048
/* Extra measures of the control when one is noisy. */
#define VSVM_CONTROL_TRIES	3

static void vsvm_test_reclaim(void)
{
	struct vsvm_pagemap_stats s0, s1, s2;
	long long pages = 0, expect_kb, blocks_kb = 0, m0, m1, m2, m3, rise;
	long long created[MAX_DEVICES];
	int fds[MAX_DEVICES], i, tries;
	char state[32];

	/* all pagemaps active: pressure must not touch them */
	for (i = 0; i < n_devs; i++) {
		fds[i] = vsvm_devmem_open(&devs[i]);
		long long n = vsvm_read_pagemap_num(&devs[i], "pages");
		long long kb = n * VSVM_STRUCT_PAGE_SIZE / 1024;

		pages += n;
		blocks_kb += (kb + VSVM_VMEMMAP_BLOCK_KB - 1) /
			     VSVM_VMEMMAP_BLOCK_KB * VSVM_VMEMMAP_BLOCK_KB;
		created[i] = vsvm_read_pagemap_num(&devs[i], "created");
	}
	expect_kb = pages * VSVM_STRUCT_PAGE_SIZE / 1024;
	igt_assert_lt_s64(0, expect_kb);

	/*
	 * The control: pressure with every pagemap active frees nothing of
	 * theirs. Memory an earlier test left to deferred work (RCU, lazy
	 * vfree) may come back during one measure, so a control is taken
	 * again, a few times, until one is quiet.
	 */
	vsvm_shrink();
	vsvm_read_stats(&s0);
	for (tries = 0;; tries++) {
		m0 = vsvm_memfree_kb();
		vsvm_shrink();
		m1 = vsvm_memfree_kb();
		if (m1 - m0 < expect_kb / 4 || tries == VSVM_CONTROL_TRIES)
			break;
		igt_info("control: MemFree %+lld kB, measuring again\n",
			 m1 - m0);
		usleep(200 * 1000);
	}
	vsvm_read_stats(&s1);
	igt_assert_eq_s64(s1.destroyed, s0.destroyed);
	for (i = 0; i < n_devs; i++) {
		vsvm_read_state(&devs[i], state);
		igt_assert_f(!strcmp(state, "active"),
			     "renderD%d: %s under pressure with an fd open\n",
			     devs[i].minor, state);
	}
	igt_info("control: MemFree %+lld kB with every pagemap active\n",
		 m1 - m0);
	/* the control's noise must be well below the signal we measure */
	igt_assert_lt_s64(m1 - m0, expect_kb / 4);

	/* the last fds go: the pagemaps stay, cached and inactive */
	for (i = 0; i < n_devs; i++)
		vsvm_close(fds[i]);
	for (i = 0; i < n_devs; i++) {
		vsvm_read_state(&devs[i], state);
		igt_assert_f(!strcmp(state, "inactive"),
			     "renderD%d: %s after the last close\n",
			     devs[i].minor, state);
	}

	/* pressure destroys them and gives their struct pages back */
	m2 = vsvm_memfree_kb();
	vsvm_shrink();
	for (tries = 0; tries < 50; tries++) {
		vsvm_read_stats(&s2);
		if (s2.destroyed >= s1.destroyed + n_devs)
			break;
		usleep(100 * 1000);
	}
	igt_assert_eq_s64(s2.destroyed, s1.destroyed + n_devs);
	m3 = vsvm_memfree_kb();
	rise = m3 - m2;
	igt_info("%d pagemaps of %lld pages: MemFree %+lld kB; struct pages %lld kB, in 2 MiB vmemmap blocks %lld kB (ratio %.2f)\n",
		 n_devs, pages, rise, expect_kb, blocks_kb,
		 (double)rise / blocks_kb);
	for (i = 0; i < n_devs; i++) {
		vsvm_read_state(&devs[i], state);
		igt_assert_f(!strcmp(state, "none"),
			     "renderD%d: %s after the shrinker ran\n",
			     devs[i].minor, state);
	}
	igt_assert_f(rise >= expect_kb * 3 / 4 && rise <= blocks_kb * 5 / 4,
		     "MemFree rose %lld kB, the struct pages are %lld to %lld kB\n",
		     rise, expect_kb, blocks_kb);

	/* the next open makes a new pagemap */
	for (i = 0; i < n_devs; i++) {
		fds[i] = vsvm_devmem_open(&devs[i]);
		igt_assert_eq_s64(vsvm_read_pagemap_num(&devs[i], "created"),
				  created[i] + 1);
		vsvm_close(fds[i]);
	}
}

int igt_main()
{
	igt_fixture() {
		vsvm_open_devices();
		igt_info("%d vsvm render node(s)\n", n_devs);
		igt_require_f(n_devs > 0, "no vsvm render node\n");
	}

	igt_describe("Opens give distinct close-on-exec pagemap fds; closing works.");
	igt_subtest("open-close") {
		int i;

		for (i = 0; i < n_devs; i++)
			vsvm_test_open_close(&devs[i]);
	}

	igt_describe("Bad fields and pointers: exact errno, no fd, no change.");
	igt_subtest("bad-args") {
		int i;

		for (i = 0; i < n_devs; i++)
			vsvm_test_bad_args(&devs[i]);
	}

	igt_describe("The pagemap goes inactive with its last fd, the next open revives it.");
	igt_subtest("inactive-revive") {
		int i;

		igt_require_f(access(PAGEMAPS_PATH, R_OK) == 0,
			      "no %s\n", PAGEMAPS_PATH);
		for (i = 0; i < n_devs; i++)
			vsvm_test_revive(&devs[i]);
	}

	igt_describe("GPU faults in place in system memory leave an inactive pagemap inactive.");
	igt_subtest("in-place-no-revive") {
		int i;

		igt_require_f(access(PAGEMAPS_PATH, R_OK) == 0,
			      "no %s\n", PAGEMAPS_PATH);
		for (i = 0; i < n_devs; i++)
			vsvm_test_in_place_no_revive(&devs[i]);
	}

	igt_describe("Pressure destroys inactive pagemaps; MemFree rises by their struct pages.");
	igt_subtest("pagemap-reclaim") {
		igt_require_f(access(PAGEMAPS_PATH, R_OK) == 0,
			      "no %s\n", PAGEMAPS_PATH);
		igt_require_f(n_devs <= MAX_DEVICES, "too many devices\n");
		vsvm_test_reclaim();
	}

	igt_describe("Unbind with a pagemap fd open: the fd outlives the device, rebind works.");
	igt_subtest("unbind")
		vsvm_test_unbind();

	igt_fixture() {
		int i;

		for (i = 0; i < n_devs; i++)
			if (devs[i].fd >= 0)
				close(devs[i].fd);
		n_devs = 0;
	}
}
