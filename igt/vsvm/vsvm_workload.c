// SPDX-License-Identifier: MIT
/*
 * Workloads of the migration-policy tests; see vsvm_workload.h.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <drm.h>
#include <drm/vsvm_drm.h>

#include "vsvm_exec_lib.h"
#include "vsvm_workload.h"

#define VSVM_WL_PAGE	4096ull

static __u64 wl_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/**
 * vsvm_vram_bytes_moved() - the bytes every vsvm VRAM has moved so far
 *
 * The sum over the vsvm render nodes of the pages copied into the device's
 * VRAM (from system memory or directly from a peer's VRAM) and out of it
 * to system memory (debugfs counters vram_pages_in and vram_pages_out;
 * every migration: GPU and CPU faults, prefetch, eviction), in bytes: each
 * page copy counts once.
 *
 * Return: the bytes, 0 without debugfs.
 */
__u64 vsvm_vram_bytes_moved(void)
{
	__u64 total = 0, v;
	int minor;

	for (minor = 128; minor < 256; minor++) {
		if (!vsvm_counter(minor, "vram_pages_in", &v))
			total += v;
		if (!vsvm_counter(minor, "vram_pages_out", &v))
			total += v;
	}
	return total * VSVM_WL_PAGE;
}

/* PREFETCH the buffer to system memory from @a's VM. */
static int wl_evict(const struct vsvm_actor *a, void *buf, size_t size)
{
	struct drm_vsvm_prefetch p = {
		.vm_id = a->vm,
		.location = DRM_VSVM_LOCATION_SYSTEM,
		.start = (uintptr_t)buf,
		.range = size,
	};

	return ioctl(a->fd, DRM_IOCTL_VSVM_PREFETCH, &p) ? -errno : 0;
}

static __u64 wl_word(unsigned int iter, size_t i)
{
	return ((__u64)(iter + 1) << 40) ^ (i * 0x9e3779b97f4a7c15ull);
}

/**
 * vsvm_workload_alternate() - processors take turns on one buffer
 * @actors: the processors
 * @nactors: their number
 * @buf: the buffer (anonymous private memory the GPUs' VMs mirror)
 * @size: its size, a multiple of 8
 * @iters: the turns
 * @res: out: the cost and the data check
 *
 * Turn i: processor i % @nactors writes a pattern of its own to the whole
 * buffer (EXEC WRITE, or CPU stores), then reads it all back (EXEC READ, or
 * CPU loads) and checks it; a GPU with &vsvm_actor.evict first evicts the
 * buffer (not on the first turn).
 *
 * Return: 0, or -ENOMEM for the staging buffers.
 */
int vsvm_workload_alternate(const struct vsvm_actor *actors, int nactors,
			    void *buf, size_t size, unsigned int iters,
			    struct vsvm_workload_result *res)
{
	size_t words = size / 8, i;
	__u64 *pattern, *got, *b = buf, t0, m0;
	unsigned int it;

	memset(res, 0, sizeof(*res));
	pattern = malloc(size);
	got = malloc(size);
	if (!pattern || !got) {
		free(pattern);
		free(got);
		return -ENOMEM;
	}
	m0 = vsvm_vram_bytes_moved();
	t0 = wl_now_ns();
	for (it = 0; it < iters; it++) {
		const struct vsvm_actor *a = &actors[it % nactors];

		for (i = 0; i < words; i++)
			pattern[i] = wl_word(it, i);
		if (a->fd < 0) {
			for (i = 0; i < words; i++)
				b[i] = pattern[i];
			memcpy(got, b, size);
		} else {
			if (a->evict && it && wl_evict(a, buf, size))
				res->errors++;
			if (vsvm_exec_write(a->fd, a->vm, buf, size, pattern,
					    NULL))
				res->errors++;
			if (vsvm_exec_read(a->fd, a->vm, buf, size, got, NULL))
				res->errors++;
		}
		for (i = 0; i < words; i++)
			if (got[i] != pattern[i])
				res->bad_words++;
	}
	res->ns = wl_now_ns() - t0;
	res->bytes_moved = vsvm_vram_bytes_moved() - m0;
	free(pattern);
	free(got);
	return 0;
}

static int wl_param_path(const char *module, const char *name, char *path,
			 size_t len)
{
	snprintf(path, len, "/sys/module/%s/parameters/%s", module, name);
	return access(path, R_OK) ? -ENOENT : 0;
}

/**
 * vsvm_module_param_get() - read a module parameter
 * @module: the module (drm_msvm, vsvm)
 * @name: the parameter
 * @value: out: its value (Y/N as 1/0)
 *
 * Return: 0 or a negative errno.
 */
int vsvm_module_param_get(const char *module, const char *name, __u64 *value)
{
	char path[256], line[64];
	FILE *f;
	int ret = -EIO;

	if (wl_param_path(module, name, path, sizeof(path)))
		return -ENOENT;
	f = fopen(path, "r");
	if (!f)
		return -errno;
	if (fgets(line, sizeof(line), f)) {
		ret = 0;
		if (line[0] == 'Y')
			*value = 1;
		else if (line[0] == 'N')
			*value = 0;
		else
			*value = strtoull(line, NULL, 0);
	}
	fclose(f);
	return ret;
}

/**
 * vsvm_module_param_set() - write a module parameter
 * @module: the module
 * @name: the parameter
 * @value: the value
 *
 * Return: 0 or a negative errno.
 */
int vsvm_module_param_set(const char *module, const char *name, __u64 value)
{
	char path[256];
	FILE *f;
	int ret = 0;

	if (wl_param_path(module, name, path, sizeof(path)))
		return -ENOENT;
	f = fopen(path, "w");
	if (!f)
		return -errno;
	if (fprintf(f, "%llu\n", (unsigned long long)value) < 0)
		ret = -EIO;
	if (fclose(f))
		ret = -errno;
	return ret;
}

/**
 * vsvm_policy_param_get() - read a drm_msvm module parameter
 * @name: the parameter (policy_enable, thrashing_lapse_us, ...)
 * @value: out: its value (Y/N as 1/0)
 *
 * Return: 0 or a negative errno.
 */
int vsvm_policy_param_get(const char *name, __u64 *value)
{
	return vsvm_module_param_get("drm_msvm", name, value);
}

/**
 * vsvm_policy_param_set() - write a drm_msvm module parameter
 * @name: the parameter
 * @value: the value
 *
 * Return: 0 or a negative errno.
 */
int vsvm_policy_param_set(const char *name, __u64 value)
{
	return vsvm_module_param_set("drm_msvm", name, value);
}

/**
 * vsvm_policy_counters() - one counter of a process's migration policy
 * @pid: the process (its thread group id)
 * @name: the column of debugfs drm_msvm/policies (migrations, pins, ...)
 * @value: out: its value
 *
 * Return: 0, -ENOENT without the file, the column or a policy of @pid.
 */
int vsvm_policy_counters(int pid, const char *name, __u64 *value)
{
	char line[512], *tok, *save;
	int col = -1, i, ret = -ENOENT;
	FILE *f;

	f = fopen("/sys/kernel/debug/drm_msvm/policies", "r");
	if (!f)
		return -ENOENT;
	if (fgets(line, sizeof(line), f)) {
		for (i = 0, tok = strtok_r(line, "\n ", &save); tok;
		     i++, tok = strtok_r(NULL, "\n ", &save))
			if (!strcmp(tok, name))
				col = i;
	}
	while (col >= 0 && ret && fgets(line, sizeof(line), f)) {
		tok = strtok_r(line, "\n ", &save);
		if (!tok || atoi(tok) != pid)
			continue;
		for (i = 1; i <= col && tok; i++)
			tok = strtok_r(NULL, "\n ", &save);
		if (tok) {
			*value = strtoull(tok, NULL, 0);
			ret = 0;
		}
	}
	fclose(f);
	return ret;
}
