// SPDX-License-Identifier: MIT
/*
 * Helpers of the vsvm demos: opening devices, running ioctls and printing
 * residency and counters after each step.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "demo_lib.h"

#define MAP_COLS	64

bool demo_failed;

/**
 * demo_ioctl() - an ioctl, restarted on EINTR and EAGAIN
 * @fd: the file
 * @req: the request
 * @arg: its argument
 *
 * Return: 0 or a negative errno.
 */
int demo_ioctl(int fd, unsigned long req, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, req, arg);
	} while (ret == -1 && (errno == EINTR || errno == EAGAIN));
	return ret ? -errno : 0;
}

static bool demo_is_vsvm(int fd)
{
	char name[32] = "";
	struct drm_version v = {
		.name = name,
		.name_len = sizeof(name) - 1,
	};

	return !ioctl(fd, DRM_IOCTL_VERSION, &v) && !strcmp(name, "vsvm");
}

/* /sys/kernel/debug/dri/<parent device>, from the node's sysfs link. */
static void demo_find_debugfs(struct demo_dev *d)
{
	char link[PATH_MAX], path[PATH_MAX];
	const char *base = strrchr(d->node, '/');
	ssize_t n;

	d->debugfs_dir[0] = '\0';
	snprintf(path, sizeof(path), "/sys/class/drm/%.200s/device",
		 base ? base + 1 : d->node);
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return;
	link[n] = '\0';
	base = strrchr(link, '/');
	snprintf(d->debugfs_dir, sizeof(d->debugfs_dir),
		 "/sys/kernel/debug/dri/%.200s", base ? base + 1 : link);
	if (access(d->debugfs_dir, R_OK))
		d->debugfs_dir[0] = '\0';
}

/**
 * demo_open() - open and query a vsvm render node
 * @d: out: the device
 * @path: the node
 *
 * Return: 0 or a negative errno (-ENODEV for a node that is not vsvm's).
 */
int demo_open(struct demo_dev *d, const char *path)
{
	struct drm_vsvm_query q = {
		.query = DRM_VSVM_QUERY_DEVICE,
		.size = sizeof(d->info),
		.data = (unsigned long)&d->info,
	};
	int err;

	memset(d, 0, sizeof(*d));
	snprintf(d->node, sizeof(d->node), "%s", path);
	d->fd = open(path, O_RDWR | O_CLOEXEC);
	if (d->fd < 0)
		return -errno;
	if (!demo_is_vsvm(d->fd)) {
		close(d->fd);
		return -ENODEV;
	}
	err = demo_ioctl(d->fd, DRM_IOCTL_VSVM_QUERY, &q);
	if (err) {
		close(d->fd);
		return err;
	}
	demo_find_debugfs(d);
	return 0;
}

/**
 * demo_open_all() - open every vsvm render node, in minor order
 * @devs: out: the devices
 * @max: the room in @devs
 *
 * Return: the number of devices opened.
 */
int demo_open_all(struct demo_dev *devs, int max)
{
	char path[64];
	int minor, n = 0;

	for (minor = 128; minor < 192 && n < max; minor++) {
		snprintf(path, sizeof(path), "/dev/dri/renderD%d", minor);
		if (!demo_open(&devs[n], path))
			n++;
	}
	return n;
}

/**
 * demo_close() - destroy the demo's VM of a device and close it
 * @d: the device
 */
void demo_close(struct demo_dev *d)
{
	struct drm_vsvm_vm_destroy vd = { .vm_id = d->vm_id };
	int err;

	if (d->vm_id) {
		err = demo_ioctl(d->fd, DRM_IOCTL_VSVM_VM_DESTROY, &vd);
		if (err) {
			printf("%s: VM_DESTROY: %s\n", d->node, strerror(-err));
			demo_failed = true;
		}
	}
	close(d->fd);
	d->fd = -1;
}

/**
 * demo_print_device() - one line about a device
 * @d: the device
 */
void demo_print_device(const struct demo_dev *d)
{
	printf("   %s: device %u, %s VRAM of %llu MiB (%llu MiB free)%s%s\n",
	       d->node, d->info.index,
	       d->info.backend == DRM_VSVM_BACKEND_PCI_BAR ? "PCI BAR" : "sysmem",
	       (unsigned long long)d->info.vram_size >> 20,
	       (unsigned long long)d->info.vram_free >> 20,
	       d->debugfs_dir[0] ? ", debugfs " : "", d->debugfs_dir);
}

/**
 * demo_vm_create() - create the demo's VM on a device
 * @d: the device
 *
 * Return: 0 or a negative errno.
 */
int demo_vm_create(struct demo_dev *d)
{
	struct drm_vsvm_vm_create vc = { 0 };
	int err = demo_ioctl(d->fd, DRM_IOCTL_VSVM_VM_CREATE, &vc);

	if (err) {
		printf("%s: VM_CREATE: %s\n", d->node, strerror(-err));
		demo_failed = true;
		return err;
	}
	d->vm_id = vc.vm_id;
	return 0;
}

/**
 * demo_print_debugfs() - print chosen "key: value" lines of a debugfs file
 * @d: the device
 * @name: the file in the device's debugfs directory
 * @keys: the keys to print, NULL-terminated
 */
void demo_print_debugfs(const struct demo_dev *d, const char *name,
			const char *const *keys)
{
	char path[PATH_MAX + 32], line[256];
	FILE *f;
	int k;

	if (!d->debugfs_dir[0])
		return;
	snprintf(path, sizeof(path), "%s/%s", d->debugfs_dir, name);
	f = fopen(path, "r");
	if (!f)
		return;
	printf("  device %u %-9s", d->info.index, name);
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (!colon)
			continue;
		line[strcspn(line, "\n")] = '\0';
		for (k = 0; keys[k]; k++)
			if ((size_t)(colon - line) == strlen(keys[k]) &&
			    !strncmp(line, keys[k], colon - line))
				printf(" %s=%s", keys[k], colon + 2);
	}
	printf("\n");
	fclose(f);
}

/* The map character of one location. */
static char demo_loc_char(unsigned int loc)
{
	if (loc == DRM_VSVM_RESIDENCY_NONE)
		return '.';
	if (loc == DRM_VSVM_RESIDENCY_SYSTEM)
		return 's';
	if (loc >= DRM_VSVM_RESIDENCY_DEVICE(0) &&
	    loc < DRM_VSVM_RESIDENCY_DEVICE(10))
		return '0' + (loc - DRM_VSVM_RESIDENCY_DEVICE(0));
	return 'o';
}

/* One map character per group of pages: where they are, or m (mixed). */
static char demo_map_char(const unsigned int *loc, size_t n)
{
	char c = 0, d;
	size_t i;

	for (i = 0; i < n; i++) {
		d = demo_loc_char(loc[i]);
		if (c && c != d)
			return 'm';
		c = d;
	}
	return c;
}

/**
 * demo_residency() - print where the pages of a range are
 * @d: the device whose VM asks (RESIDENCY)
 * @va: the first page
 * @npages: the number of pages
 * @index: the device index whose VRAM pages are counted
 *
 * Return: the number of pages in the VRAM of device @index, or -1 when
 * RESIDENCY fails.
 */
long demo_residency(const struct demo_dev *d, const void *va, size_t npages,
		    unsigned int index)
{
	unsigned int *loc = calloc(npages, sizeof(*loc));
	struct drm_vsvm_residency r = {
		.vm_id = d->vm_id,
		.start = (unsigned long)va,
		.num_pages = npages,
		.locations = (unsigned long)loc,
	};
	size_t none = 0, sys = 0, on = 0, vram = 0, i, per;
	char map[MAP_COLS + 1];
	int err;

	if (!loc)
		return -1;
	err = demo_ioctl(d->fd, DRM_IOCTL_VSVM_RESIDENCY, &r);
	if (err) {
		printf("  RESIDENCY: %s\n", strerror(-err));
		free(loc);
		demo_failed = true;
		return -1;
	}
	for (i = 0; i < npages; i++) {
		if (loc[i] == DRM_VSVM_RESIDENCY_NONE)
			none++;
		else if (loc[i] == DRM_VSVM_RESIDENCY_SYSTEM)
			sys++;
		else
			vram++;
		on += loc[i] == DRM_VSVM_RESIDENCY_DEVICE(index);
	}
	per = (npages + MAP_COLS - 1) / MAP_COLS;
	for (i = 0; i * per < npages; i++)
		map[i] = demo_map_char(loc + i * per,
				       npages - i * per < per ?
				       npages - i * per : per);
	map[i] = '\0';
	printf("  residency of %zu pages: %zu in VRAM (%zu of device %u),",
	       npages, vram, on, index);
	printf(" %zu in system memory, %zu not populated\n", sys, none);
	printf("  map (%zu page%s/char; digit: VRAM of that device,",
	       per, per > 1 ? "s" : "");
	printf(" s: system, .: none, m: mixed): %s\n", map);
	free(loc);
	return on;
}

/**
 * demo_exec() - run GPU work on the demo's VM of a device, print its cost
 * @d: the device
 * @e: the work; vm_id is filled in, the counters come back
 * @what: its name
 *
 * Return: 0 or a negative errno.
 */
int demo_exec(const struct demo_dev *d, struct drm_vsvm_exec *e,
	      const char *what)
{
	int err;

	e->vm_id = d->vm_id;
	err = demo_ioctl(d->fd, DRM_IOCTL_VSVM_EXEC, e);
	if (err) {
		printf("  device %u EXEC %s: %s\n", d->info.index, what,
		       strerror(-err));
		demo_failed = true;
		return err;
	}
	printf("  device %u EXEC %s: gpu_faults=%llu pages_in=%llu pages_out=%llu\n",
	       d->info.index, what, (unsigned long long)e->gpu_faults,
	       (unsigned long long)e->pages_in,
	       (unsigned long long)e->pages_out);
	return 0;
}

/**
 * demo_prefetch() - PREFETCH a range on the demo's VM of a device
 * @d: the device
 * @va: the range
 * @size: its size
 * @location: a DRM_VSVM_LOCATION_*
 * @pagemap_fd: the pagemap fd of DRM_VSVM_LOCATION_PAGEMAP_FD, else 0
 * @what: the location's name
 *
 * Return: 0 or a negative errno.
 */
int demo_prefetch(const struct demo_dev *d, const void *va, size_t size,
		  unsigned int location, int pagemap_fd, const char *what)
{
	struct drm_vsvm_prefetch p = {
		.vm_id = d->vm_id,
		.location = location,
		.start = (unsigned long)va,
		.range = size,
		.fd = pagemap_fd,
	};
	int err = demo_ioctl(d->fd, DRM_IOCTL_VSVM_PREFETCH, &p);

	if (err) {
		printf("  device %u PREFETCH to %s: %s\n", d->info.index, what,
		       strerror(-err));
		demo_failed = true;
		return err;
	}
	printf("  device %u PREFETCH to %s: pages_migrated=%llu\n",
	       d->info.index, what, (unsigned long long)p.pages_migrated);
	return 0;
}

/**
 * demo_step() - print the heading of a step
 * @n: its number
 * @what: what it does
 */
void demo_step(int n, const char *what)
{
	printf("\n[%d] %s\n", n, what);
}

/**
 * demo_expect() - print a check, remember a failure
 * @ok: whether it held
 * @what: what was checked
 */
void demo_expect(bool ok, const char *what)
{
	printf("  check: %s: %s\n", what, ok ? "ok" : "FAILED");
	if (!ok)
		demo_failed = true;
}
