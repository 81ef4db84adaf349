// SPDX-License-Identifier: MIT
/*
 * Helpers of the vsvm igt tests that run GPU work: VMs, EXEC wrappers and
 * the per-device debugfs counters.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "igt.h"
#include "vsvm_exec_lib.h"
#include "vsvm_lib.h"

static int vsvm_exec_lib_ioctl(int fd, unsigned long req, void *arg)
{
	return vsvm_call(fd, req, arg);
}

/**
 * vsvm_vm_create() - DRM_IOCTL_VSVM_VM_CREATE
 * @fd: the render node
 * @vm_id: out: the new VM
 *
 * Return: 0 or a negative errno.
 */
int vsvm_vm_create(int fd, __u32 *vm_id)
{
	struct drm_vsvm_vm_create arg = {};
	int ret = vsvm_exec_lib_ioctl(fd, DRM_IOCTL_VSVM_VM_CREATE, &arg);

	*vm_id = arg.vm_id;
	return ret;
}

/**
 * vsvm_vm_destroy() - DRM_IOCTL_VSVM_VM_DESTROY
 * @fd: the render node
 * @vm_id: the VM
 *
 * Return: 0 or a negative errno.
 */
int vsvm_vm_destroy(int fd, __u32 vm_id)
{
	struct drm_vsvm_vm_destroy arg = { .vm_id = vm_id };

	return vsvm_exec_lib_ioctl(fd, DRM_IOCTL_VSVM_VM_DESTROY, &arg);
}

/**
 * vsvm_exec() - DRM_IOCTL_VSVM_EXEC with a full argument
 * @fd: the render node
 * @arg: the argument; the kernel's answer is written back
 *
 * Return: 0 or a negative errno.
 */
int vsvm_exec(int fd, struct drm_vsvm_exec *arg)
{
	return vsvm_exec_lib_ioctl(fd, DRM_IOCTL_VSVM_EXEC, arg);
}

static int vsvm_exec_op(int fd, struct drm_vsvm_exec *arg,
			struct drm_vsvm_exec *out)
{
	int ret = vsvm_exec(fd, arg);

	if (out)
		*out = *arg;
	return ret;
}

/**
 * vsvm_exec_read() - have the GPU read [@va, @va + @size) into @buf
 * @fd: the render node
 * @vm_id: the VM
 * @va: the GPU (= CPU) address
 * @size: the bytes
 * @buf: the destination
 * @out: if not NULL, the argument as the kernel returned it (counters)
 *
 * Return: 0 or a negative errno.
 */
int vsvm_exec_read(int fd, __u32 vm_id, const void *va, size_t size,
		   void *buf, struct drm_vsvm_exec *out)
{
	struct drm_vsvm_exec arg = {
		.vm_id = vm_id, .op = DRM_VSVM_EXEC_READ,
		.va = (uintptr_t)va, .size = size, .ptr = (uintptr_t)buf,
	};

	return vsvm_exec_op(fd, &arg, out);
}

/**
 * vsvm_exec_write() - have the GPU write @buf to [@va, @va + @size)
 * @fd: the render node
 * @vm_id: the VM
 * @va: the GPU address
 * @size: the bytes
 * @buf: the source
 * @out: if not NULL, the argument as the kernel returned it
 *
 * Return: 0 or a negative errno.
 */
int vsvm_exec_write(int fd, __u32 vm_id, void *va, size_t size,
		    const void *buf, struct drm_vsvm_exec *out)
{
	struct drm_vsvm_exec arg = {
		.vm_id = vm_id, .op = DRM_VSVM_EXEC_WRITE,
		.va = (uintptr_t)va, .size = size, .ptr = (uintptr_t)buf,
	};

	return vsvm_exec_op(fd, &arg, out);
}

/**
 * vsvm_exec_fill() - have the GPU fill [@va, @va + @size) with @value
 * @fd: the render node
 * @vm_id: the VM
 * @va: the GPU address, a multiple of @width
 * @size: the bytes, a multiple of @width
 * @width: 1, 2, 4 or 8
 * @value: the pattern, its low @width bytes
 * @out: if not NULL, the argument as the kernel returned it
 *
 * Return: 0 or a negative errno.
 */
int vsvm_exec_fill(int fd, __u32 vm_id, void *va, size_t size,
		   __u32 width, __u64 value, struct drm_vsvm_exec *out)
{
	struct drm_vsvm_exec arg = {
		.vm_id = vm_id, .op = DRM_VSVM_EXEC_FILL, .width = width,
		.va = (uintptr_t)va, .size = size, .value = value,
	};

	return vsvm_exec_op(fd, &arg, out);
}

/**
 * vsvm_exec_copy() - have the GPU copy @size bytes from @src to @dst
 * @fd: the render node
 * @vm_id: the VM
 * @dst: the GPU destination address
 * @src: the GPU source address
 * @size: the bytes
 * @out: if not NULL, the argument as the kernel returned it
 *
 * Return: 0 or a negative errno.
 */
int vsvm_exec_copy(int fd, __u32 vm_id, void *dst, const void *src,
		   size_t size, struct drm_vsvm_exec *out)
{
	struct drm_vsvm_exec arg = {
		.vm_id = vm_id, .op = DRM_VSVM_EXEC_COPY,
		.va = (uintptr_t)dst, .src_va = (uintptr_t)src, .size = size,
	};

	return vsvm_exec_op(fd, &arg, out);
}

/**
 * vsvm_exec_atomic_inc() - have the GPU add @value to each counter
 * @fd: the render node
 * @vm_id: the VM
 * @va: the first counter, a multiple of @width
 * @size: the bytes of counters, a multiple of @width
 * @width: 4 or 8
 * @value: the increment
 * @out: if not NULL, the argument as the kernel returned it (result: the
 *	old value of the first counter)
 *
 * Return: 0 or a negative errno.
 */
int vsvm_exec_atomic_inc(int fd, __u32 vm_id, void *va, size_t size,
			 __u32 width, __u64 value,
			 struct drm_vsvm_exec *out)
{
	struct drm_vsvm_exec arg = {
		.vm_id = vm_id, .op = DRM_VSVM_EXEC_ATOMIC_INC, .width = width,
		.va = (uintptr_t)va, .size = size, .value = value,
	};

	return vsvm_exec_op(fd, &arg, out);
}

/**
 * vsvm_debugfs_path() - the path of a device's debugfs file
 * @minor: N of /dev/dri/renderDN
 * @file: the file name in the device's directory, e.g. "counters"
 * @path: out: the path
 * @len: the size of @path
 *
 * Return: 0, or -ENOENT where the file cannot be read (no debugfs).
 */
int vsvm_debugfs_path(int minor, const char *file, char *path, size_t len)
{
	char link[PATH_MAX], sys[64];
	const char *base;
	ssize_t n;

	snprintf(sys, sizeof(sys), "/sys/class/drm/renderD%d/device", minor);
	n = readlink(sys, link, sizeof(link) - 1);
	if (n <= 0)
		return -ENOENT;
	link[n] = '\0';
	base = strrchr(link, '/');
	base = base ? base + 1 : link;
	snprintf(path, len, "/sys/kernel/debug/dri/%.200s/%s", base, file);
	return access(path, R_OK) ? -ENOENT : 0;
}

/**
 * vsvm_debugfs_field() - the value of one line "key: value" of a debugfs file
 * @minor: N of /dev/dri/renderDN
 * @file: the file name in the device's directory, e.g. "pagemap"
 * @key: the key
 * @val: out: the value's first word
 * @len: the size of @val, at least 2
 *
 * Return: 0, -ENOENT without the file or the key.
 */
int vsvm_debugfs_field(int minor, const char *file, const char *key,
		       char *val, size_t len)
{
	char path[PATH_MAX], line[256], fmt[16];
	size_t klen = strlen(key);
	int ret = -ENOENT;
	FILE *f;

	if (vsvm_debugfs_path(minor, file, path, sizeof(path)))
		return -ENOENT;
	f = fopen(path, "r");
	if (!f)
		return -ENOENT;
	snprintf(fmt, sizeof(fmt), "%%%zus", len - 1);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && line[klen] == ':' &&
		    sscanf(line + klen + 1, fmt, val) == 1) {
			ret = 0;
			break;
		}
	fclose(f);
	return ret;
}

/**
 * vsvm_counter() - read one line "name: value" of a device's counters
 * @minor: N of /dev/dri/renderDN
 * @name: the counter
 * @value: out: its value
 *
 * Return: 0, -ENOENT without the file or the counter.
 */
int vsvm_counter(int minor, const char *name, __u64 *value)
{
	unsigned long long v;
	char val[32];

	if (vsvm_debugfs_field(minor, "counters", name, val, sizeof(val)) ||
	    sscanf(val, "%llu", &v) != 1)
		return -ENOENT;
	*value = v;
	return 0;
}

static __u32 vsvm_pattern_word(size_t i, __u32 seed)
{
	return seed ^ (__u32)(i * 2654435761u);
}

/**
 * vsvm_fill_pattern() - write the pattern of @seed to a buffer
 * @buf: the buffer, 4-byte aligned
 * @size: its size in bytes, a multiple of 4
 * @seed: the pattern's seed
 *
 * Each 32-bit word depends on its index and @seed, so that a word moved,
 * lost or left stale shows. vsvm_check_pattern() checks it.
 */
void vsvm_fill_pattern(void *buf, size_t size, __u32 seed)
{
	__u32 *w = buf;
	size_t i;

	for (i = 0; i < size / 4; i++)
		w[i] = vsvm_pattern_word(i, seed);
}

/**
 * vsvm_check_pattern() - assert that a buffer holds the pattern of @seed
 * @buf: the buffer
 * @size: its size in bytes, a multiple of 4
 * @seed: the pattern's seed
 * @what: what is checked, for the failure message
 *
 * Every byte is checked; the first word that differs fails the test.
 */
void vsvm_check_pattern(const void *buf, size_t size, __u32 seed,
			const char *what)
{
	const __u32 *w = buf;
	size_t i;

	for (i = 0; i < size / 4; i++)
		igt_assert_f(w[i] == vsvm_pattern_word(i, seed),
			     "%s: word %zu is %#x, expected %#x\n", what, i,
			     w[i], vsvm_pattern_word(i, seed));
}

/**
 * vsvm_expect_residency() - assert where every page of a range is
 * @fd: the render node
 * @vm_id: the VM that asks (RESIDENCY)
 * @buf: the first page
 * @npages: the number of pages
 * @want: the %DRM_VSVM_RESIDENCY_* location of every page
 * @what: what is checked, for the failure message
 */
void vsvm_expect_residency(int fd, __u32 vm_id, const void *buf,
			   size_t npages, __u32 want, const char *what)
{
	__u32 *loc = calloc(npages, sizeof(*loc));
	size_t i;

	igt_assert(loc);
	igt_assert_eq(vsvm_residency(fd, vm_id, (uintptr_t)buf, npages, loc),
		      0);
	for (i = 0; i < npages; i++)
		igt_assert_f(loc[i] == want,
			     "%s: page %zu at %#x, expected %#x\n", what, i,
			     loc[i], want);
	free(loc);
}
