// SPDX-License-Identifier: MIT
/*
 * vsvm_query: DRM_IOCTL_VSVM_QUERY on every vsvm render node.
 *
 * Environment: VSVM_EXPECT_DEVICES=N makes the fixture fail unless exactly
 * N vsvm render nodes are found.
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
#include <drm/vsvm_drm.h>

#define MAX_DEVICES	64

struct vsvm_dev {
	int fd;
	/* N of /dev/dri/renderDN */
	int minor;
};

static struct vsvm_dev devs[MAX_DEVICES];
static int n_devs;

static uint64_t ptr_to_u64(const void *ptr)
{
	return (uintptr_t)ptr;
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static bool is_vsvm(int fd)
{
	drmVersionPtr v = drmGetVersion(fd);
	bool ret;

	if (!v)
		return false;
	ret = v->name && !strcmp(v->name, "vsvm");
	drmFreeVersion(v);
	return ret;
}

/* Open every /dev/dri/renderD* whose driver is vsvm, in minor order. */
static void open_devices(void)
{
	int minors[MAX_DEVICES * 4];
	int n = 0, i, minor, fd;
	struct dirent *de;
	char path[64];
	DIR *dir;

	dir = opendir("/dev/dri");
	if (!dir) {
		igt_debug("no /dev/dri: %s\n", strerror(errno));
		return;
	}
	while ((de = readdir(dir)) &&
	       n < (int)(sizeof(minors) / sizeof(minors[0]))) {
		char end;

		if (sscanf(de->d_name, "renderD%d%c", &minor, &end) == 1)
			minors[n++] = minor;
	}
	closedir(dir);
	qsort(minors, n, sizeof(minors[0]), cmp_int);

	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "/dev/dri/renderD%d", minors[i]);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			igt_warn("cannot open %s: %s\n", path, strerror(errno));
			continue;
		}
		if (!is_vsvm(fd)) {
			igt_debug("%s is not a vsvm node\n", path);
			close(fd);
			continue;
		}
		igt_assert_f(n_devs < MAX_DEVICES, "more than %d vsvm nodes\n",
			     MAX_DEVICES);
		igt_debug("%s: vsvm\n", path);
		devs[n_devs].fd = fd;
		devs[n_devs].minor = minors[i];
		n_devs++;
	}
}

static void check_version(const struct vsvm_dev *d)
{
	drmVersionPtr v = drmGetVersion(d->fd);

	igt_assert_f(v, "drmGetVersion(renderD%d) failed: %s\n", d->minor,
		     strerror(errno));
	igt_assert_f(v->name && !strcmp(v->name, "vsvm"),
		     "renderD%d: driver name \"%s\"\n", d->minor,
		     v->name ? v->name : "(null)");
	igt_assert_eq(v->name_len, (int)strlen("vsvm"));
	igt_assert_f(v->desc && v->desc[0],
		     "renderD%d: empty driver description\n", d->minor);
	igt_assert_eq(v->desc_len, (int)strlen(v->desc));
	igt_info("renderD%d: %s %d.%d.%d \"%s\"\n", d->minor, v->name,
		 v->version_major, v->version_minor, v->version_patchlevel,
		 v->desc);
	drmFreeVersion(v);
}

/* A correct DEVICE query of @d into @info, checking the size handshake. */
static void query_device(const struct vsvm_dev *d,
			 struct drm_vsvm_query_device *info)
{
	uint8_t big[sizeof(*info) + 64];
	struct drm_vsvm_query q;
	size_t i;

	/* size 0: the kernel only reports the answer's size */
	memset(&q, 0, sizeof(q));
	q.query = DRM_VSVM_QUERY_DEVICE;
	igt_assert_eq(drmIoctl(d->fd, DRM_IOCTL_VSVM_QUERY, &q), 0);
	igt_assert_eq_u32(q.size, sizeof(*info));
	igt_assert_eq_u32(q.query, DRM_VSVM_QUERY_DEVICE);
	igt_assert_eq_u32(q.flags, 0);
	igt_assert_eq_u32(q.pad, 0);
	igt_assert_eq_u64(q.data, 0);
	igt_assert_eq_u64(q.reserved[0], 0);
	igt_assert_eq_u64(q.reserved[1], 0);

	/* exactly the answer's size */
	memset(info, 0xa5, sizeof(*info));
	q.data = ptr_to_u64(info);
	igt_assert_eq(drmIoctl(d->fd, DRM_IOCTL_VSVM_QUERY, &q), 0);
	igt_assert_eq_u32(q.size, sizeof(*info));
	igt_assert_eq_u64(q.data, ptr_to_u64(info));

	/* a larger buffer: only the answer is written, size says so */
	memset(big, 0x5a, sizeof(big));
	q.size = sizeof(big);
	q.data = ptr_to_u64(big);
	igt_assert_eq(drmIoctl(d->fd, DRM_IOCTL_VSVM_QUERY, &q), 0);
	igt_assert_eq_u32(q.size, sizeof(*info));
	igt_assert_f(!memcmp(big, info, sizeof(*info)),
		     "renderD%d: answers differ with a larger buffer\n",
		     d->minor);
	for (i = sizeof(*info); i < sizeof(big); i++)
		igt_assert_f(big[i] == 0x5a,
			     "renderD%d: byte %zu past the answer written\n",
			     d->minor, i);
}

static void check_sysfs(const struct vsvm_dev *d,
			const struct drm_vsvm_query_device *info)
{
	char path[PATH_MAX], link[PATH_MAX], want[32];
	const char *base;
	ssize_t len;

	snprintf(path, sizeof(path), "/sys/class/drm/renderD%d/device/subsystem",
		 d->minor);
	len = readlink(path, link, sizeof(link) - 1);
	igt_assert_f(len > 0, "readlink %s: %s\n", path, strerror(errno));
	link[len] = '\0';
	base = strrchr(link, '/');
	base = base ? base + 1 : link;
	if (info->flags & DRM_VSVM_DEVICE_FLAG_PCI)
		igt_assert_f(!strcmp(base, "pci"),
			     "renderD%d: PCI device on bus %s\n", d->minor, base);
	else
		igt_assert_f(!strcmp(base, "platform"),
			     "renderD%d: sysmem device on bus %s, not platform\n",
			     d->minor, base);
	if (!(info->flags & DRM_VSVM_DEVICE_FLAG_PCI))
		return;

	snprintf(path, sizeof(path), "/sys/class/drm/renderD%d/device",
		 d->minor);
	len = readlink(path, link, sizeof(link) - 1);
	igt_assert_f(len > 0, "readlink %s: %s\n", path, strerror(errno));
	link[len] = '\0';
	base = strrchr(link, '/');
	base = base ? base + 1 : link;
	snprintf(want, sizeof(want), "%04x:%02x:%02x.%x", info->pci_domain,
		 info->pci_bus, info->pci_dev, info->pci_func);
	igt_assert_f(!strcmp(base, want),
		     "renderD%d: query says PCI %s, sysfs says %s\n",
		     d->minor, want, base);
}

static void check_device_info(const struct vsvm_dev *d,
			      struct drm_vsvm_query_device *info)
{
	struct drm_vsvm_query_device again;
	unsigned int i;

	query_device(d, info);
	igt_info("renderD%d: index %u backend %u vram %llu free %llu page %llu flags %#x pci %04x:%02x:%02x.%x\n",
		 d->minor, info->index, info->backend,
		 (unsigned long long)info->vram_size,
		 (unsigned long long)info->vram_free,
		 (unsigned long long)info->min_page_size, info->flags,
		 info->pci_domain, info->pci_bus, info->pci_dev,
		 info->pci_func);

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
	for (i = 0; i < sizeof(info->reserved) / sizeof(info->reserved[0]); i++)
		igt_assert_f(info->reserved[i] == 0,
			     "renderD%d: reserved[%u] = %#x\n", d->minor, i,
			     info->reserved[i]);

	check_sysfs(d, info);

	/* Nothing else runs: a second query gives the same answer. */
	query_device(d, &again);
	igt_assert_f(!memcmp(info, &again, sizeof(again)),
		     "renderD%d: two queries gave different answers\n",
		     d->minor);
}

static void test_device_info(void)
{
	static struct drm_vsvm_query_device info[MAX_DEVICES];
	int i, j;

	for (i = 0; i < n_devs; i++) {
		check_device_info(&devs[i], &info[i]);
		for (j = 0; j < i; j++)
			igt_assert_f(info[i].index != info[j].index,
				     "renderD%d and renderD%d share index %u\n",
				     devs[j].minor, devs[i].minor,
				     info[i].index);
	}
}

/*
 * Issue @q, which must fail with @err, and check that neither @q nor the
 * @len bytes at @buf (the answer buffer, if any) were modified.
 */
static void expect_fail(const struct vsvm_dev *d, struct drm_vsvm_query *q,
			int err, const void *buf, const void *orig, size_t len,
			const char *what)
{
	struct drm_vsvm_query saved = *q;
	int ret, e;

	errno = 0;
	ret = drmIoctl(d->fd, DRM_IOCTL_VSVM_QUERY, q);
	e = errno;
	igt_assert_f(ret == -1 && e == err,
		     "renderD%d, %s: returned %d errno %d (%s), expected -1 errno %d (%s)\n",
		     d->minor, what, ret, e, strerror(e), err, strerror(err));
	igt_assert_f(!memcmp(q, &saved, sizeof(saved)),
		     "renderD%d, %s: the failed call changed the query struct\n",
		     d->minor, what);
	if (buf)
		igt_assert_f(!memcmp(buf, orig, len),
			     "renderD%d, %s: the failed call wrote the answer buffer\n",
			     d->minor, what);
}

static void test_bad_args(const struct vsvm_dev *d)
{
	struct drm_vsvm_query_device before, after, buf, poison;
	const size_t sz = sizeof(struct drm_vsvm_query_device);
	static const uint32_t small_sizes[] = { 1, 4, 8, 16, sizeof(buf) - 8,
						sizeof(buf) - 1 };
	long page = sysconf(_SC_PAGESIZE);
	struct drm_vsvm_query q, good;
	char what[64];
	uint8_t *map;
	unsigned int i;
	int ret, e;

	query_device(d, &before);

	memset(&poison, 0xc3, sizeof(poison));
	memset(&good, 0, sizeof(good));
	good.query = DRM_VSVM_QUERY_DEVICE;
	good.size = sz;
	good.data = ptr_to_u64(&buf);

#define BAD(field, value, err) do { \
		q = good; \
		q.field = (value); \
		buf = poison; \
		snprintf(what, sizeof(what), "%s = %#llx", #field, \
			 (unsigned long long)(value)); \
		expect_fail(d, &q, err, &buf, &poison, sizeof(buf), what); \
	} while (0)

	/* unknown query: with a buffer and as a size probe */
	BAD(query, 1, EINVAL);
	BAD(query, 0xffffffffu, EINVAL);
	BAD(flags, 1, EINVAL);
	BAD(flags, 0x80000000u, EINVAL);
	BAD(pad, 1, EINVAL);
	BAD(pad, 0x80000000u, EINVAL);
	BAD(reserved[0], 1, EINVAL);
	BAD(reserved[0], 1ull << 63, EINVAL);
	BAD(reserved[1], 1, EINVAL);
	BAD(reserved[1], 1ull << 63, EINVAL);

	/* the size probe (size 0) validates the other fields too */
	good.size = 0;
	good.data = 0;
	BAD(query, 1, EINVAL);
	BAD(flags, 1, EINVAL);
	BAD(pad, 1, EINVAL);
	BAD(reserved[0], 1, EINVAL);
	BAD(reserved[1], 1, EINVAL);
	good.size = sz;
	good.data = ptr_to_u64(&buf);

	/* a buffer smaller than the answer */
	for (i = 0; i < sizeof(small_sizes) / sizeof(small_sizes[0]); i++)
		BAD(size, small_sizes[i], EINVAL);

	/* bad answer pointers */
	BAD(data, 0, EFAULT);

	map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	igt_assert(map != MAP_FAILED);
	igt_assert_eq(munmap(map + page, page), 0);
	/* an unmapped page */
	BAD(data, ptr_to_u64(map + page), EFAULT);
	/* straddling the end of a mapping into the unmapped page */
	BAD(data, ptr_to_u64(map + page - sz / 2), EFAULT);
	igt_assert_eq(munmap(map, page), 0);
	/* a page that is no longer mapped at all */
	BAD(data, ptr_to_u64(map), EFAULT);

	/* read-only memory */
	map = mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	igt_assert(map != MAP_FAILED);
	BAD(data, ptr_to_u64(map), EFAULT);
	for (i = 0; i < sz; i++)
		igt_assert_eq(map[i], 0);
	igt_assert_eq(munmap(map, page), 0);
#undef BAD

	/* the ioctl argument itself is a bad pointer */
	errno = 0;
	ret = ioctl(d->fd, DRM_IOCTL_VSVM_QUERY, (void *)1);
	e = errno;
	igt_assert_f(ret == -1 && e == EFAULT,
		     "renderD%d, arg (void *)1: returned %d errno %d (%s)\n",
		     d->minor, ret, e, strerror(e));
	errno = 0;
	ret = ioctl(d->fd, DRM_IOCTL_VSVM_QUERY, NULL);
	e = errno;
	igt_assert_f(ret == -1 && e == EFAULT,
		     "renderD%d, arg NULL: returned %d errno %d (%s)\n",
		     d->minor, ret, e, strerror(e));

	/* the device still answers, with the same values */
	query_device(d, &after);
	igt_assert_f(!memcmp(&before, &after, sizeof(after)),
		     "renderD%d: the answer changed after the bad calls\n",
		     d->minor);
}

static void test_concurrent(void)
{
	static struct drm_vsvm_query_device info[MAX_DEVICES];
	int i;

	for (i = 0; i < n_devs; i++)
		query_device(&devs[i], &info[i]);

	igt_fork(child, 4) {
		struct drm_vsvm_query_device mine;
		int loop;

		for (loop = 0; loop < 100; loop++) {
			const struct vsvm_dev *d = &devs[(loop + child) % n_devs];

			query_device(d, &mine);
			igt_assert_f(!memcmp(&mine,
					     &info[(loop + child) % n_devs],
					     sizeof(mine)),
				     "child %d: renderD%d answered differently\n",
				     child, d->minor);
		}
	}
	igt_waitchildren();
}

igt_main
{
	igt_fixture {
		const char *env = getenv("VSVM_EXPECT_DEVICES");
		int i;

		open_devices();
		igt_info("%d vsvm render node(s)\n", n_devs);
		for (i = 0; i < n_devs; i++)
			igt_assert_f(is_vsvm(devs[i].fd),
				     "renderD%d is no longer vsvm\n",
				     devs[i].minor);
		if (env) {
			char *end;
			long expected = strtol(env, &end, 10);

			igt_assert_f(*env && !*end && expected >= 0,
				     "bad VSVM_EXPECT_DEVICES \"%s\"\n", env);
			igt_assert_f(n_devs == expected,
				     "found %d vsvm render nodes, VSVM_EXPECT_DEVICES=%ld\n",
				     n_devs, expected);
		}
		igt_require_f(n_devs > 0, "no vsvm render node\n");
	}

	igt_describe("drmGetVersion() on every vsvm render node names the "
		     "vsvm driver and gives a description.");
	igt_subtest("version") {
		int i;

		for (i = 0; i < n_devs; i++)
			check_version(&devs[i]);
	}

	igt_describe("DRM_VSVM_QUERY_DEVICE: the size handshake, then the "
		     "answer's fields are consistent (backend, PCI address "
		     "against sysfs, VRAM sizes and granule, zero padding), "
		     "stable, and the indices unique across devices.");
	igt_subtest("device-info")
		test_device_info();

	igt_describe("DRM_VSVM_QUERY rejects unknown query values, nonzero "
		     "flags, padding and reserved fields, short buffers and "
		     "bad user pointers with the exact errno, changes nothing "
		     "on failure, and still answers the same afterwards.");
	igt_subtest("bad-args") {
		int i;

		for (i = 0; i < n_devs; i++)
			test_bad_args(&devs[i]);
	}

	igt_describe("Four processes query every device at once and always "
		     "get the same answer.");
	igt_subtest("concurrent-query")
		test_concurrent();

	igt_fixture {
		int i;

		for (i = 0; i < n_devs; i++)
			close(devs[i].fd);
		n_devs = 0;
	}
}
