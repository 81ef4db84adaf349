// SPDX-License-Identifier: MIT
/*
 * vsvm_query: DRM_IOCTL_VSVM_QUERY on every vsvm render node.
 *
 * Environment: VSVM_EXPECT_DEVICES=N makes the fixture fail unless exactly
 * N vsvm render nodes are found.
 *
 * Nodes are opened and named with libdrm (drmGetVersion()); the query goes
 * through drmIoctl(), and the bad-pointer cases through ioctl() itself.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xf86drm.h>

#include "igt.h"
#include "vsvm_lib.h"
#include <drm/vsvm_drm.h>

#define MAX_DEVICES	64

struct vsvm_dev {
	int fd;
	/* N of /dev/dri/renderDN */
	int minor;
};

static struct vsvm_dev devs[MAX_DEVICES];
static int n_devs;

static __u64 vsvm_u64_ptr(const void *ptr)
{
	return (uintptr_t)ptr;
}

/* drmIoctl(): the ioctl, retried on EINTR and EAGAIN. */
static int vsvm_ioctl(int fd, unsigned long request, void *arg)
{
	return drmIoctl(fd, request, arg);
}

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

static void vsvm_check_version(const struct vsvm_dev *d)
{
	drmVersionPtr ver = drmGetVersion(d->fd);

	igt_assert_f(ver, "drmGetVersion on renderD%d: %s\n", d->minor,
		     strerror(errno));
	igt_assert_f(!strcmp(ver->name, "vsvm"),
		     "renderD%d: driver name \"%s\"\n", d->minor, ver->name);
	igt_assert_eq(ver->name_len, strlen("vsvm"));
	igt_assert_f(ver->desc && ver->desc[0],
		     "renderD%d: empty driver description\n", d->minor);
	igt_assert_eq(ver->desc_len, strlen(ver->desc));
	igt_info("renderD%d: %s %d.%d.%d \"%s\"\n", d->minor, ver->name,
		 ver->version_major, ver->version_minor,
		 ver->version_patchlevel, ver->desc);
	drmFreeVersion(ver);
}

/* A correct DEVICE query of @d into @info, checking the size handshake. */
static void vsvm_query_dev(const struct vsvm_dev *d,
			   struct drm_vsvm_query_device *info)
{
	__u8 big[sizeof(*info) + 64];
	struct drm_vsvm_query q;
	size_t i;

	/* size 0: the kernel only reports the answer's size */
	memset(&q, 0, sizeof(q));
	q.query = DRM_VSVM_QUERY_DEVICE;
	igt_assert_eq(vsvm_ioctl(d->fd, DRM_IOCTL_VSVM_QUERY, &q), 0);
	igt_assert_eq_u32(q.size, sizeof(*info));
	igt_assert_eq_u32(q.query, DRM_VSVM_QUERY_DEVICE);
	igt_assert_eq_u32(q.flags, 0);
	igt_assert_eq_u32(q.pad, 0);
	igt_assert_eq_u64(q.data, 0);
	igt_assert_eq_u64(q.reserved[0], 0);
	igt_assert_eq_u64(q.reserved[1], 0);

	/* exactly the answer's size */
	memset(info, 0xa5, sizeof(*info));
	q.data = vsvm_u64_ptr(info);
	igt_assert_eq(vsvm_ioctl(d->fd, DRM_IOCTL_VSVM_QUERY, &q), 0);
	igt_assert_eq_u32(q.size, sizeof(*info));
	igt_assert_eq_u64(q.data, vsvm_u64_ptr(info));

	/* a larger buffer: only the answer is written, size says so */
	memset(big, 0x5a, sizeof(big));
	q.size = sizeof(big);
	q.data = vsvm_u64_ptr(big);
	igt_assert_eq(vsvm_ioctl(d->fd, DRM_IOCTL_VSVM_QUERY, &q), 0);
	igt_assert_eq_u32(q.size, sizeof(*info));
	igt_assert_f(!memcmp(big, info, sizeof(*info)),
		     "renderD%d: answers differ with a larger buffer\n",
		     d->minor);
	for (i = sizeof(*info); i < sizeof(big); i++)
		igt_assert_f(big[i] == 0x5a,
			     "renderD%d: byte %zu past the answer written\n",
			     d->minor, i);
}

/* The basename of the symlink /sys/class/drm/renderDN/@rel into @buf. */
static const char *vsvm_sysfs_link(const struct vsvm_dev *d, const char *rel,
				   char *buf, size_t size)
{
	char path[PATH_MAX];
	const char *base;
	ssize_t len;

	snprintf(path, sizeof(path), "/sys/class/drm/renderD%d/%s", d->minor,
		 rel);
	len = readlink(path, buf, size - 1);
	igt_assert_f(len > 0, "readlink %s: %s\n", path, strerror(errno));
	buf[len] = '\0';
	base = strrchr(buf, '/');
	return base ? base + 1 : buf;
}

static void vsvm_check_sysfs(const struct vsvm_dev *d,
			     const struct drm_vsvm_query_device *info)
{
	bool pci = info->flags & DRM_VSVM_DEVICE_FLAG_PCI;
	char link[PATH_MAX], want[32];
	const char *base;

	base = vsvm_sysfs_link(d, "device/subsystem", link, sizeof(link));
	igt_assert_f(!strcmp(base, pci ? "pci" : "platform"),
		     "renderD%d: %s device on bus %s\n", d->minor,
		     pci ? "PCI" : "sysmem", base);
	if (!pci)
		return;

	base = vsvm_sysfs_link(d, "device", link, sizeof(link));
	snprintf(want, sizeof(want), "%04x:%02x:%02x.%x", info->pci_domain,
		 info->pci_bus, info->pci_dev, info->pci_func);
	igt_assert_f(!strcmp(base, want),
		     "renderD%d: query says PCI %s, sysfs says %s\n",
		     d->minor, want, base);
}

static void vsvm_check_device_info(const struct vsvm_dev *d,
				   struct drm_vsvm_query_device *info)
{
	struct drm_vsvm_query_device again;
	unsigned int i;

	vsvm_query_dev(d, info);
	igt_info("renderD%d: index %u backend %u flags %#x pci %04x:%02x:%02x.%x\n",
		 d->minor, info->index, info->backend, info->flags,
		 info->pci_domain, info->pci_bus, info->pci_dev,
		 info->pci_func);
	igt_info("renderD%d: vram %llu free %llu min_page_size %llu\n",
		 d->minor, (unsigned long long)info->vram_size,
		 (unsigned long long)info->vram_free,
		 (unsigned long long)info->min_page_size);

	igt_assert_f(info->backend == DRM_VSVM_BACKEND_SYSMEM ||
		     info->backend == DRM_VSVM_BACKEND_PCI_BAR,
		     "renderD%d: backend %u\n", d->minor, info->backend);
	igt_assert_eq_u32(info->flags & ~DRM_VSVM_DEVICE_FLAG_PCI, 0);
	igt_assert_eq(!!(info->flags & DRM_VSVM_DEVICE_FLAG_PCI),
		      info->backend == DRM_VSVM_BACKEND_PCI_BAR);

	igt_assert_lte_u64(4096, info->min_page_size);
	igt_assert_eq_u64(info->min_page_size & (info->min_page_size - 1), 0);
	igt_assert_lt_u64(0, info->vram_size);
	igt_assert_eq_u64(info->vram_size % info->min_page_size, 0);
	igt_assert_lte_u64(info->vram_free, info->vram_size);
	igt_assert_eq_u64(info->vram_free % info->min_page_size, 0);

	igt_assert_eq_u32(info->pad, 0);
	for (i = 0; i < ARRAY_SIZE(info->reserved); i++)
		igt_assert_f(info->reserved[i] == 0,
			     "renderD%d: reserved[%u] = %#x\n", d->minor, i,
			     info->reserved[i]);

	vsvm_check_sysfs(d, info);

	/* Nothing else runs: a second query gives the same answer. */
	vsvm_query_dev(d, &again);
	igt_assert_f(!memcmp(info, &again, sizeof(again)),
		     "renderD%d: two queries gave different answers\n",
		     d->minor);
}

static void vsvm_test_device_info(void)
{
	static struct drm_vsvm_query_device info[MAX_DEVICES];
	int i, j;

	for (i = 0; i < n_devs; i++) {
		vsvm_check_device_info(&devs[i], &info[i]);
		for (j = 0; j < i; j++)
			igt_assert_f(info[i].index != info[j].index,
				     "renderD%d and renderD%d share index %u\n",
				     devs[j].minor, devs[i].minor,
				     info[i].index);
	}
}

/* One bad DRM_IOCTL_VSVM_QUERY: the query and what it writes to. */
struct vsvm_bad {
	const struct vsvm_dev *d;
	struct drm_vsvm_query q;
	/* the answer buffer: must still hold @poison after the call */
	struct drm_vsvm_query_device buf;
	struct drm_vsvm_query_device poison;
};

/*
 * Issue @b->q, which must fail with @err without modifying @b->q or the
 * answer buffer; then reset @b->q to @good.
 */
static void vsvm_expect_fail(struct vsvm_bad *b,
			     const struct drm_vsvm_query *good, int err,
			     const char *what)
{
	struct drm_vsvm_query saved = b->q;
	int ret, e;

	b->buf = b->poison;
	errno = 0;
	ret = vsvm_ioctl(b->d->fd, DRM_IOCTL_VSVM_QUERY, &b->q);
	e = errno;
	igt_assert_f(ret == -1 && e == err,
		     "renderD%d, %s: returned %d, errno %d (%s)\n",
		     b->d->minor, what, ret, e, strerror(e));
	igt_assert_f(!memcmp(&b->q, &saved, sizeof(saved)),
		     "renderD%d, %s: the failed call changed the struct\n",
		     b->d->minor, what);
	igt_assert_f(!memcmp(&b->buf, &b->poison, sizeof(b->buf)),
		     "renderD%d, %s: the failed call wrote the answer\n",
		     b->d->minor, what);
	b->q = *good;
}

/* The bad values of the query's own fields, against a valid @good. */
static void vsvm_bad_fields(struct vsvm_bad *b,
			    const struct drm_vsvm_query *good)
{
	b->q.query = 2;
	vsvm_expect_fail(b, good, EINVAL, "query 2");
	b->q.query = 0xffffffffu;
	vsvm_expect_fail(b, good, EINVAL, "query ~0");
	b->q.flags = 1;
	vsvm_expect_fail(b, good, EINVAL, "flags 1");
	b->q.flags = 0x80000000u;
	vsvm_expect_fail(b, good, EINVAL, "flags 1 << 31");
	b->q.pad = 1;
	vsvm_expect_fail(b, good, EINVAL, "pad 1");
	b->q.pad = 0x80000000u;
	vsvm_expect_fail(b, good, EINVAL, "pad 1 << 31");
	b->q.reserved[0] = 1;
	vsvm_expect_fail(b, good, EINVAL, "reserved[0] 1");
	b->q.reserved[0] = 1ull << 63;
	vsvm_expect_fail(b, good, EINVAL, "reserved[0] 1 << 63");
	b->q.reserved[1] = 1;
	vsvm_expect_fail(b, good, EINVAL, "reserved[1] 1");
	b->q.reserved[1] = 1ull << 63;
	vsvm_expect_fail(b, good, EINVAL, "reserved[1] 1 << 63");
}

static void vsvm_test_bad_args(const struct vsvm_dev *d)
{
	const __u32 sz = sizeof(struct drm_vsvm_query_device);
	const __u32 small_sizes[] = { 1, 4, 8, 16, sz - 8, sz - 1 };
	struct drm_vsvm_query_device before, after;
	long page = sysconf(_SC_PAGESIZE);
	static struct vsvm_bad b;
	struct drm_vsvm_query good, probe;
	char what[64];
	unsigned int i;
	__u8 *map;
	int ret, e;

	vsvm_query_dev(d, &before);

	memset(&b, 0, sizeof(b));
	b.d = d;
	memset(&b.poison, 0xc3, sizeof(b.poison));
	memset(&good, 0, sizeof(good));
	good.query = DRM_VSVM_QUERY_DEVICE;
	good.size = sz;
	good.data = vsvm_u64_ptr(&b.buf);

	/* bad fields, with a buffer and in the size probe (size 0) */
	b.q = good;
	vsvm_bad_fields(&b, &good);
	probe = good;
	probe.size = 0;
	probe.data = 0;
	b.q = probe;
	vsvm_bad_fields(&b, &probe);

	/* a buffer smaller than the answer */
	b.q = good;
	for (i = 0; i < ARRAY_SIZE(small_sizes); i++) {
		b.q.size = small_sizes[i];
		snprintf(what, sizeof(what), "size %u", small_sizes[i]);
		vsvm_expect_fail(&b, &good, EINVAL, what);
	}

	/* bad answer pointers */
	b.q.data = 0;
	vsvm_expect_fail(&b, &good, EFAULT, "data NULL");

	map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	igt_assert(map != MAP_FAILED);
	igt_assert_eq(munmap(map + page, page), 0);
	b.q.data = vsvm_u64_ptr(map + page);
	vsvm_expect_fail(&b, &good, EFAULT, "data on an unmapped page");
	b.q.data = vsvm_u64_ptr(map + page - sz / 2);
	vsvm_expect_fail(&b, &good, EFAULT, "data across the mapping's end");
	igt_assert_eq(munmap(map, page), 0);
	b.q.data = vsvm_u64_ptr(map);
	vsvm_expect_fail(&b, &good, EFAULT, "data on an unmapped page 2");

	map = mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	igt_assert(map != MAP_FAILED);
	b.q.data = vsvm_u64_ptr(map);
	vsvm_expect_fail(&b, &good, EFAULT, "data read-only");
	for (i = 0; i < sz; i++)
		igt_assert_eq(map[i], 0);
	igt_assert_eq(munmap(map, page), 0);

	/* the ioctl argument itself is a bad pointer */
	errno = 0;
	ret = ioctl(d->fd, DRM_IOCTL_VSVM_QUERY, (void *)1);
	e = errno;
	igt_assert_f(ret == -1 && e == EFAULT,
		     "renderD%d, arg (void *)1: returned %d, errno %d (%s)\n",
		     d->minor, ret, e, strerror(e));
	errno = 0;
	ret = ioctl(d->fd, DRM_IOCTL_VSVM_QUERY, NULL);
	e = errno;
	igt_assert_f(ret == -1 && e == EFAULT,
		     "renderD%d, arg NULL: returned %d, errno %d (%s)\n",
		     d->minor, ret, e, strerror(e));

	/* the device still answers, with the same values */
	vsvm_query_dev(d, &after);
	igt_assert_f(!memcmp(&before, &after, sizeof(after)),
		     "renderD%d: the answer changed after the bad calls\n",
		     d->minor);
}

static void vsvm_test_concurrent(void)
{
	static struct drm_vsvm_query_device info[MAX_DEVICES];
	int i;

	for (i = 0; i < n_devs; i++)
		vsvm_query_dev(&devs[i], &info[i]);

	igt_fork(child, 4) {
		struct drm_vsvm_query_device mine;
		int loop, k;

		for (loop = 0; loop < 100; loop++) {
			k = (loop + child) % n_devs;
			vsvm_query_dev(&devs[k], &mine);
			igt_assert_f(!memcmp(&mine, &info[k], sizeof(mine)),
				     "child %d: renderD%d answered otherwise\n",
				     child, devs[k].minor);
		}
	}
	igt_waitchildren();
}

int igt_main()
{
	igt_fixture() {
		const char *env = getenv("VSVM_EXPECT_DEVICES");
		long expected;
		char *end;
		int i;

		vsvm_open_devices();
		igt_info("%d vsvm render node(s)\n", n_devs);
		for (i = 0; i < n_devs; i++)
			igt_assert_f(vsvm_fd_is_vsvm(devs[i].fd),
				     "renderD%d is not vsvm\n", devs[i].minor);
		if (env) {
			expected = strtol(env, &end, 10);
			igt_assert_f(*env && !*end && expected >= 0,
				     "bad VSVM_EXPECT_DEVICES \"%s\"\n", env);
			igt_assert_f(n_devs == expected,
				     "found %d vsvm render nodes, VSVM_EXPECT_DEVICES=%ld\n",
				     n_devs, expected);
		}
		igt_require_f(n_devs > 0, "no vsvm render node\n");
	}

	igt_describe("DRM_IOCTL_VERSION names vsvm and has a description.");
	igt_subtest("version") {
		int i;

		for (i = 0; i < n_devs; i++)
			vsvm_check_version(&devs[i]);
	}

	igt_describe("The DEVICE query: size handshake, consistent fields.");
	igt_subtest("device-info")
		vsvm_test_device_info();

	igt_describe("Bad query fields and pointers: exact errno, no change.");
	igt_subtest("bad-args") {
		int i;

		for (i = 0; i < n_devs; i++)
			vsvm_test_bad_args(&devs[i]);
	}

	igt_describe("Four processes query every device at once.");
	igt_subtest("concurrent-query")
		vsvm_test_concurrent();

	igt_fixture() {
		int i;

		for (i = 0; i < n_devs; i++)
			close(devs[i].fd);
		n_devs = 0;
	}
}
