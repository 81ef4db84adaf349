// SPDX-License-Identifier: MIT
/*
 * Helpers of the vsvm igt tests that unbind and bind devices through
 * sysfs, PCI and platform alike.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "igt.h"
#include "vsvm_bind_lib.h"

/* How long a device takes at most to come back after a bind. */
#define VSVM_BIND_WAIT_US	(10 * 1000 * 1000)
#define VSVM_BIND_POLL_US	(50 * 1000)

/**
 * vsvm_sysfs_write() - write a value to a sysfs (or procfs) file
 * @path: the file
 * @val: the value
 *
 * Fails the subtest when the write fails.
 */
void vsvm_sysfs_write(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");

	igt_assert_f(f, "%s: %s\n", path, strerror(errno));
	igt_assert_f(fputs(val, f) >= 0 && fclose(f) == 0,
		     "writing %s to %s: %s\n", val, path, strerror(errno));
}

/* The last component of the symlink @path, into @out. */
static int vsvm_link_base(const char *path, char *out, size_t len)
{
	char link[PATH_MAX];
	const char *base;
	ssize_t n;

	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return -errno;
	link[n] = '\0';
	base = strrchr(link, '/');
	base = base ? base + 1 : link;
	if (strlen(base) >= len)
		return -ENAMETOOLONG;
	memcpy(out, base, strlen(base) + 1);
	return 0;
}

/**
 * vsvm_shrink() - memory pressure, as the kernel's reclaim gives shrinkers
 *
 * Drops the slab caches, which runs every shrinker's scan (the pagemap
 * shrinker destroys the inactive pagemaps), twice so that the freed
 * objects settle.
 */
void vsvm_shrink(void)
{
	int i;

	sync();
	for (i = 0; i < 2; i++)
		vsvm_sysfs_write("/proc/sys/vm/drop_caches", "3");
}

/**
 * vsvm_node_bus_dev() - the bus device of a render node
 * @minor: N of /dev/dri/renderDN
 * @bd: out: its bus and name
 *
 * Return: 0, or a negative errno when the node has no device.
 */
int vsvm_node_bus_dev(int minor, struct vsvm_bus_dev *bd)
{
	char path[96];
	int err;

	snprintf(path, sizeof(path), "/sys/class/drm/renderD%d/device/subsystem",
		 minor);
	err = vsvm_link_base(path, bd->bus, sizeof(bd->bus));
	if (err)
		return err;
	snprintf(path, sizeof(path), "/sys/class/drm/renderD%d/device", minor);
	return vsvm_link_base(path, bd->name, sizeof(bd->name));
}

static void vsvm_bus_write(const struct vsvm_bus_dev *bd, const char *op)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/bus/%s/drivers/vsvm/%s", bd->bus,
		 op);
	vsvm_sysfs_write(path, bd->name);
}

/**
 * vsvm_bus_unbind() - unbind a device from vsvm
 * @bd: the device
 */
void vsvm_bus_unbind(const struct vsvm_bus_dev *bd)
{
	vsvm_bus_write(bd, "unbind");
}

/**
 * vsvm_bus_bind() - bind a device to vsvm again
 * @bd: the device
 */
void vsvm_bus_bind(const struct vsvm_bus_dev *bd)
{
	vsvm_bus_write(bd, "bind");
}

/**
 * vsvm_bus_wait_render_minor() - wait for a bound device's render node
 * @bd: the device
 *
 * Return: N of its /dev/dri/renderDN, or -1 if none came.
 */
int vsvm_bus_wait_render_minor(const struct vsvm_bus_dev *bd)
{
	char path[128];
	struct dirent *de;
	int waited, minor = -1;
	DIR *dir;

	snprintf(path, sizeof(path), "/sys/bus/%s/devices/%s/drm", bd->bus,
		 bd->name);
	for (waited = 0; waited < VSVM_BIND_WAIT_US && minor < 0;
	     waited += VSVM_BIND_POLL_US) {
		dir = opendir(path);
		while (dir && (de = readdir(dir)))
			if (sscanf(de->d_name, "renderD%d", &minor) == 1)
				break;
		if (dir)
			closedir(dir);
		if (minor < 0)
			usleep(VSVM_BIND_POLL_US);
	}
	return minor;
}

/**
 * vsvm_bus_open_render() - open the render node of a bound device
 * @bd: the device
 * @minor: out: N of its /dev/dri/renderDN
 *
 * Waits for the node (devtmpfs creates it shortly after the bind).
 *
 * Return: the open fd (O_RDWR | O_CLOEXEC), or -1.
 */
int vsvm_bus_open_render(const struct vsvm_bus_dev *bd, int *minor)
{
	char path[64];
	int waited, fd = -1;

	*minor = vsvm_bus_wait_render_minor(bd);
	if (*minor < 0)
		return -1;
	snprintf(path, sizeof(path), "/dev/dri/renderD%d", *minor);
	for (waited = 0; waited < VSVM_BIND_WAIT_US && fd < 0;
	     waited += VSVM_BIND_POLL_US) {
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			usleep(VSVM_BIND_POLL_US);
	}
	return fd;
}
