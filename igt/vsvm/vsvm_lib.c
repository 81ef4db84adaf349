// SPDX-License-Identifier: MIT
/*
 * Helpers shared by the vsvm igt tests: finding and opening the vsvm
 * render nodes with libdrm.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <xf86drm.h>

#include "igt.h"
#include "vsvm_lib.h"
#include <drm/vsvm_drm.h>

/**
 * vsvm_fd_is_vsvm() - whether an open DRM node belongs to vsvm
 * @fd: the node
 *
 * Return: true when drmGetVersion() names the driver "vsvm".
 */
bool vsvm_fd_is_vsvm(int fd)
{
	drmVersionPtr ver = drmGetVersion(fd);
	bool ret = ver && !strcmp(ver->name, "vsvm");

	drmFreeVersion(ver);
	return ret;
}

static int vsvm_cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/**
 * vsvm_open_nodes() - open every vsvm render node, in minor order
 * @nodes: filled with the open nodes
 * @max: the size of @nodes
 *
 * Other drivers' nodes are opened, asked their name and closed.
 *
 * Return: the number of nodes opened (0 without /dev/dri).
 */
int vsvm_open_nodes(struct vsvm_node *nodes, int max)
{
	int minors[256];
	int n = 0, found = 0, i, minor, fd;
	struct dirent *de;
	char path[64];
	DIR *dir;

	dir = opendir("/dev/dri");
	if (!dir) {
		igt_debug("no /dev/dri: %s\n", strerror(errno));
		return 0;
	}
	while ((de = readdir(dir)) && n < (int)ARRAY_SIZE(minors)) {
		char end;

		if (sscanf(de->d_name, "renderD%d%c", &minor, &end) == 1)
			minors[n++] = minor;
	}
	closedir(dir);
	qsort(minors, n, sizeof(minors[0]), vsvm_cmp_int);

	for (i = 0; i < n && found < max; i++) {
		snprintf(path, sizeof(path), "/dev/dri/renderD%d", minors[i]);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			igt_warn("cannot open %s: %s\n", path, strerror(errno));
			continue;
		}
		if (!vsvm_fd_is_vsvm(fd)) {
			igt_debug("%s is not a vsvm node\n", path);
			close(fd);
			continue;
		}
		nodes[found].fd = fd;
		nodes[found].minor = minors[i];
		found++;
	}
	return found;
}

/* Whether vsvm_call() makes one ioctl() only; see vsvm_call_set_once(). */
static bool vsvm_ioctl_once;

/**
 * vsvm_call_set_once() - make the helpers' ioctls single calls
 * @once: true: one ioctl(), whose EINTR or EAGAIN the caller sees; false
 *	  (the default): libdrm's drmIoctl(), which repeats the call on them
 *
 * For the tests of signals (vsvm_signal), which must see every errno an
 * ioctl returns. Process-wide: set it before starting threads.
 */
void vsvm_call_set_once(bool once)
{
	vsvm_ioctl_once = once;
}

/**
 * vsvm_call() - the ioctl of every vsvm helper
 * @fd: the render node
 * @req: the request
 * @arg: its argument
 *
 * Return: 0 or a negative errno.
 */
int vsvm_call(int fd, unsigned long req, void *arg)
{
	if (vsvm_ioctl_once)
		return ioctl(fd, req, arg) ? -errno : 0;
	return drmIoctl(fd, req, arg) ? -errno : 0;
}

static int vsvm_lib_ioctl(int fd, unsigned long req, void *arg)
{
	return vsvm_call(fd, req, arg);
}

/**
 * vsvm_open_minor() - open /dev/dri/renderD@minor
 * @minor: N of the render node
 *
 * No igt assertion: forked children and threads call it too.
 *
 * Return: the file descriptor (O_RDWR | O_CLOEXEC), or -1 with errno set.
 */
int vsvm_open_minor(int minor)
{
	char path[64];

	snprintf(path, sizeof(path), "/dev/dri/renderD%d", minor);
	return open(path, O_RDWR | O_CLOEXEC);
}

/**
 * vsvm_vms_file_count() - the live VMs a device's debugfs "vms" file counts
 * @path: the file, /sys/kernel/debug/dri/<device>/vms
 *
 * No igt assertion: the fuzzer's workers call it too.
 *
 * Return: N of its "vms: N" first line, or -1 if it cannot be read.
 */
int vsvm_vms_file_count(const char *path)
{
	unsigned int n;
	FILE *f;
	int ret;

	f = fopen(path, "r");
	if (!f)
		return -1;
	ret = fscanf(f, "vms: %u", &n);
	fclose(f);
	return ret == 1 ? (int)n : -1;
}

/**
 * vsvm_count_fds() - the number of open file descriptors of this process
 *
 * Return: the number of entries of /proc/self/fd (asserts it can be read).
 */
int vsvm_count_fds(void)
{
	struct dirent *de;
	int n = 0;
	DIR *dir;

	dir = opendir("/proc/self/fd");
	igt_assert_f(dir, "opendir /proc/self/fd: %s\n", strerror(errno));
	while ((de = readdir(dir)))
		if (de->d_name[0] != '.')
			n++;
	closedir(dir);
	return n;
}

/**
 * vsvm_residency() - DRM_IOCTL_VSVM_RESIDENCY
 * @fd: the render node
 * @vm_id: the VM
 * @start: the first address
 * @npages: the number of pages
 * @locations: out: one DRM_VSVM_RESIDENCY_* per page
 *
 * Return: 0 or a negative errno.
 */
int vsvm_residency(int fd, __u32 vm_id, __u64 start, __u64 npages,
		   __u32 *locations)
{
	struct drm_vsvm_residency arg = {
		.vm_id = vm_id,
		.start = start,
		.num_pages = npages,
		.locations = (uintptr_t)locations,
	};

	return vsvm_lib_ioctl(fd, DRM_IOCTL_VSVM_RESIDENCY, &arg);
}

/**
 * vsvm_replicas() - DRM_IOCTL_VSVM_RESIDENCY with DRM_VSVM_RESIDENCY_REPLICAS
 * @fd: the render node
 * @vm_id: the VM
 * @start: the first page
 * @npages: the number of pages
 * @masks: out: per page, the bitmask of the devices holding a read replica
 *
 * Return: 0 or a negative errno.
 */
int vsvm_replicas(int fd, __u32 vm_id, __u64 start, __u64 npages,
		  __u32 *masks)
{
	struct drm_vsvm_residency arg = {
		.vm_id = vm_id,
		.flags = DRM_VSVM_RESIDENCY_REPLICAS,
		.start = start,
		.num_pages = npages,
		.locations = (uintptr_t)masks,
	};

	return vsvm_lib_ioctl(fd, DRM_IOCTL_VSVM_RESIDENCY, &arg);
}

/**
 * vsvm_madvise() - DRM_IOCTL_VSVM_MADVISE
 * @fd: the render node
 * @vm_id: the VM
 * @type: a DRM_VSVM_MADVISE_* type
 * @start: the first address
 * @range: the size in bytes
 * @value: the attribute's value
 * @pagemap_fd: the pagemap fd of DRM_VSVM_LOCATION_PAGEMAP_FD, else 0
 *
 * Return: 0 or a negative errno.
 */
int vsvm_madvise(int fd, __u32 vm_id, __u32 type, __u64 start,
		 __u64 range, __u32 value, __s32 pagemap_fd)
{
	struct drm_vsvm_madvise arg = {
		.vm_id = vm_id,
		.type = type,
		.start = start,
		.range = range,
		.value = value,
		.fd = pagemap_fd,
	};

	return vsvm_lib_ioctl(fd, DRM_IOCTL_VSVM_MADVISE, &arg);
}

/**
 * vsvm_query_range_attrs() - DRM_IOCTL_VSVM_QUERY_RANGE_ATTRS
 * @fd: the render node
 * @vm_id: the VM
 * @start: the first address
 * @range: the size in bytes
 * @attrs: an array of struct drm_vsvm_range_attr, or NULL
 * @num_attrs: in: the room at @attrs; out: the number of intervals
 *
 * Return: 0 or a negative errno.
 */
int vsvm_query_range_attrs(int fd, __u32 vm_id, __u64 start,
			   __u64 range, void *attrs, __u32 *num_attrs)
{
	struct drm_vsvm_query_range_attrs arg = {
		.vm_id = vm_id,
		.num_attrs = *num_attrs,
		.start = start,
		.range = range,
		.attrs = (uintptr_t)attrs,
	};
	int ret = vsvm_lib_ioctl(fd, DRM_IOCTL_VSVM_QUERY_RANGE_ATTRS, &arg);

	*num_attrs = arg.num_attrs;
	return ret;
}

/**
 * vsvm_prefetch() - DRM_IOCTL_VSVM_PREFETCH
 * @fd: the render node
 * @vm_id: the VM
 * @location: a DRM_VSVM_LOCATION_* value
 * @start: the first address
 * @range: the size in bytes
 * @pagemap_fd: the pagemap fd of DRM_VSVM_LOCATION_PAGEMAP_FD, else 0
 * @pages_migrated: out, if not NULL: the pages that moved
 *
 * Return: 0 or a negative errno.
 */
int vsvm_prefetch(int fd, __u32 vm_id, __u32 location, __u64 start,
		  __u64 range, __s32 pagemap_fd, __u64 *pages_migrated)
{
	struct drm_vsvm_prefetch arg = {
		.vm_id = vm_id,
		.location = location,
		.start = start,
		.range = range,
		.fd = pagemap_fd,
	};
	int ret = vsvm_lib_ioctl(fd, DRM_IOCTL_VSVM_PREFETCH, &arg);

	if (pages_migrated)
		*pages_migrated = arg.pages_migrated;
	return ret;
}

/**
 * vsvm_device_info() - DRM_VSVM_QUERY_DEVICE, asserting success
 * @fd: the render node
 * @info: out: the device
 */
void vsvm_device_info(int fd, struct drm_vsvm_query_device *info)
{
	struct drm_vsvm_query q = {
		.query = DRM_VSVM_QUERY_DEVICE,
		.size = sizeof(*info),
		.data = (uintptr_t)info,
	};

	igt_assert_eq(vsvm_lib_ioctl(fd, DRM_IOCTL_VSVM_QUERY, &q), 0);
}

/**
 * vsvm_device_index() - the vsvm device index of a render node
 * @fd: the render node
 *
 * Return: the index.
 */
__u32 vsvm_device_index(int fd)
{
	struct drm_vsvm_query_device info;

	vsvm_device_info(fd, &info);
	return info.index;
}

/**
 * vsvm_link_to() - the link from a device to another (QUERY_PEERS)
 * @fd: the render node of the device
 * @index: the device index of the other
 *
 * Return: a DRM_VSVM_LINK_* value, DRM_VSVM_LINK_NONE if not listed.
 */
__u32 vsvm_link_to(int fd, __u32 index)
{
	struct drm_vsvm_query q = { .query = DRM_VSVM_QUERY_PEERS };
	struct drm_vsvm_query_peers *p;
	__u32 i, link = DRM_VSVM_LINK_NONE;

	igt_assert_eq(vsvm_lib_ioctl(fd, DRM_IOCTL_VSVM_QUERY, &q), 0);
	p = calloc(1, q.size);
	igt_assert(p);
	q.data = (uintptr_t)p;
	igt_assert_eq(vsvm_lib_ioctl(fd, DRM_IOCTL_VSVM_QUERY, &q), 0);
	for (i = 0; i < p->num_peers; i++)
		if (p->peers[i].index == index)
			link = p->peers[i].link;
	free(p);
	return link;
}
