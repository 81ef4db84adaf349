// SPDX-License-Identifier: MIT
/*
 * vsvm_evict: VRAM exhaustion evicts least-recently-used allocations to
 * system memory instead of failing.
 *
 * On the vsvm device with the smallest VRAM (and on the smallest PCI BAR
 * device), a working set twice the size of the VRAM is written by the
 * GPU page by page, chunk after chunk: every GPU fault must succeed, the
 * device's eviction counter (debugfs dri/<device>/pagemap) must move,
 * RESIDENCY must show the oldest pages back in system memory and the newest
 * in VRAM, and every byte must read back right through the GPU (EXEC READ,
 * which migrates evicted data back in and evicts again) and the CPU.
 * PREFETCH of twice the VRAM to the device, chunk by chunk, never fails for
 * lack of VRAM either, also while another thread maps and unmaps memory
 * (its mmap() waits for the mmap lock the PREFETCH holds, which eviction
 * of the process's own older chunks must then not try to take again).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "igt.h"
#include "vsvm_exec_lib.h"
#include "vsvm_lib.h"
#include <drm/vsvm_drm.h>

#define MAX_DEVICES	64
/* The unit of GPU work: one EXEC per chunk, a gpusvm range size. */
#define CHUNK		(2ul << 20)

struct evict_dev {
	int fd;
	int minor;
	struct drm_vsvm_query_device q;
	/* /sys/kernel/debug/dri/<parent>, or "" */
	char debugfs[PATH_MAX];
};

static struct evict_dev devs[MAX_DEVICES];
static int n_devs;
static long page_size;

static int vsvm_raw(int fd, unsigned long req, void *arg)
{
	int ret;

	do {
		errno = 0;
		ret = ioctl(fd, req, arg);
	} while (ret == -1 && (errno == EINTR || errno == EAGAIN));
	return ret ? errno : 0;
}

/* The device's debugfs directory, or "" without debugfs. */
static void find_debugfs(struct evict_dev *d)
{
	char *slash;

	if (vsvm_debugfs_path(d->minor, "pagemap", d->debugfs,
			      sizeof(d->debugfs))) {
		d->debugfs[0] = '\0';
		return;
	}
	slash = strrchr(d->debugfs, '/');
	*slash = '\0';
}

/* A counter of the device's debugfs pagemap file. */
static long long pagemap_counter(const struct evict_dev *d, const char *key)
{
	char path[PATH_MAX + 16], line[256];
	size_t klen = strlen(key);
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/pagemap", d->debugfs);
	f = fopen(path, "r");
	igt_assert_f(f, "%s: %s\n", path, strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && line[klen] == ':')
			v = atoll(line + klen + 1);
	fclose(f);
	igt_assert_f(v >= 0, "%s: no \"%s\" line\n", path, key);
	return v;
}

static void open_devices(void)
{
	struct vsvm_node nodes[MAX_DEVICES];
	int i, n = vsvm_open_nodes(nodes, MAX_DEVICES);

	for (i = 0; i < n; i++) {
		struct evict_dev *d = &devs[n_devs];
		struct drm_vsvm_query q = {
			.query = DRM_VSVM_QUERY_DEVICE,
			.size = sizeof(d->q),
			.data = (uintptr_t)&d->q,
		};

		d->fd = nodes[i].fd;
		d->minor = nodes[i].minor;
		igt_assert_eq(vsvm_raw(d->fd, DRM_IOCTL_VSVM_QUERY, &q), 0);
		find_debugfs(d);
		n_devs++;
	}
}

static __u32 vm_create(const struct evict_dev *d)
{
	struct drm_vsvm_vm_create c = { 0 };

	igt_assert_eq(vsvm_raw(d->fd, DRM_IOCTL_VSVM_VM_CREATE, &c), 0);
	return c.vm_id;
}

static void vm_destroy(const struct evict_dev *d, __u32 vm)
{
	struct drm_vsvm_vm_destroy x = { .vm_id = vm };

	igt_assert_eq(vsvm_raw(d->fd, DRM_IOCTL_VSVM_VM_DESTROY, &x), 0);
}

static void exec_ok(const struct evict_dev *d, struct drm_vsvm_exec *e,
		    const char *what)
{
	int err = vsvm_raw(d->fd, DRM_IOCTL_VSVM_EXEC, e);

	igt_assert_f(!err, "renderD%d: EXEC %s at %#llx+%#llx: %s\n", d->minor,
		     what, (unsigned long long)e->va,
		     (unsigned long long)e->size, strerror(err));
}

/* The word @w of page @p of the working set. */
static __u64 pattern(size_t p, size_t w, __u64 seed)
{
	return seed ^ ((__u64)p << 32) ^ (w * 0x9e3779b97f4a7c15ull);
}

static void fill_pattern(__u64 *buf, size_t first_page, size_t npages,
			 __u64 seed)
{
	size_t words = page_size / sizeof(__u64), p, w;

	for (p = 0; p < npages; p++)
		for (w = 0; w < words; w++)
			buf[p * words + w] = pattern(first_page + p, w, seed);
}

/* The first page of @buf that does not hold its pattern, or @npages. */
static size_t check_pattern(const __u64 *buf, size_t first_page,
			    size_t npages, __u64 seed)
{
	size_t words = page_size / sizeof(__u64), p, w;

	for (p = 0; p < npages; p++)
		for (w = 0; w < words; w++)
			if (buf[p * words + w] !=
			    pattern(first_page + p, w, seed))
				return p;
	return npages;
}

/* RESIDENCY of [@va, + @npages): the pages in VRAM and in system memory. */
static void residency(const struct evict_dev *d, __u32 vm, void *va,
		      size_t npages, size_t *vram, size_t *sys,
		      size_t *first_sys, size_t *last_vram)
{
	__u32 *loc = calloc(npages, sizeof(*loc));
	struct drm_vsvm_residency r = {
		.vm_id = vm,
		.start = (uintptr_t)va,
		.num_pages = npages,
		.locations = (uintptr_t)loc,
	};
	size_t i;

	igt_assert(loc);
	igt_assert_eq(vsvm_raw(d->fd, DRM_IOCTL_VSVM_RESIDENCY, &r), 0);
	*vram = *sys = 0;
	*first_sys = npages;
	*last_vram = npages;
	for (i = 0; i < npages; i++) {
		if (loc[i] == DRM_VSVM_RESIDENCY_DEVICE(d->q.index)) {
			(*vram)++;
			*last_vram = i;
		} else if (loc[i] == DRM_VSVM_RESIDENCY_SYSTEM) {
			(*sys)++;
			if (*first_sys == npages)
				*first_sys = i;
		} else {
			igt_assert_f(false, "page %zu: location %#x\n", i,
				     loc[i]);
		}
	}
	free(loc);
}

/*
 * The GPU writes a working set of twice the device's VRAM, chunk by chunk;
 * then the data is checked through the GPU (if @gpu_check) and the CPU.
 */
static void test_working_set(const struct evict_dev *d, bool gpu_check)
{
	size_t size = 2 * d->q.vram_size, npages = size / page_size;
	size_t chunk_pages = CHUNK / page_size, c, nchunks = size / CHUNK;
	size_t vram, sys, first_sys, last_vram, bad;
	long long ev0, evp0, fail0, ev1, evp1;
	__u64 seed = 0x5eed0000ull + d->minor, *buf, *tmp;
	__u64 faults = 0, in = 0, out = 0;
	__u32 vm;

	igt_require_f(d->debugfs[0], "renderD%d: no debugfs\n", d->minor);
	igt_assert_eq(size % CHUNK, 0);
	igt_info("renderD%d (device %u): %llu MiB VRAM, working set %zu MiB\n",
		 d->minor, d->q.index,
		 (unsigned long long)d->q.vram_size >> 20, size >> 20);

	buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	igt_assert(buf != MAP_FAILED);
	tmp = malloc(CHUNK);
	igt_assert(tmp);
	vm = vm_create(d);
	ev0 = pagemap_counter(d, "evictions");
	evp0 = pagemap_counter(d, "evicted_pages");
	fail0 = pagemap_counter(d, "evict_fail");

	/* The GPU writes every page; no fault may fail for lack of VRAM. */
	for (c = 0; c < nchunks; c++) {
		struct drm_vsvm_exec e = {
			.vm_id = vm,
			.op = DRM_VSVM_EXEC_WRITE,
			.va = (uintptr_t)buf + c * CHUNK,
			.size = CHUNK,
			.ptr = (uintptr_t)tmp,
		};

		fill_pattern(tmp, c * chunk_pages, chunk_pages, seed);
		exec_ok(d, &e, "WRITE");
		faults += e.gpu_faults;
		in += e.pages_in;
		out += e.pages_out;
	}
	ev1 = pagemap_counter(d, "evictions");
	evp1 = pagemap_counter(d, "evicted_pages");
	igt_info("GPU write: %llu faults, %llu pages in, %llu out; %lld evictions, %lld pages evicted\n",
		 (unsigned long long)faults, (unsigned long long)in,
		 (unsigned long long)out, ev1 - ev0, evp1 - evp0);
	igt_assert_lt_s64(ev0, ev1);
	/* At least what did not fit went back to system memory. */
	igt_assert_lte_s64((long long)(npages - d->q.vram_size / page_size),
			   evp1 - evp0);
	igt_assert_eq_s64(pagemap_counter(d, "evict_fail"), fail0);
	igt_assert_lt_u64(0, faults);
	igt_assert_lte_u64((__u64)npages, in);

	/* The oldest pages are back in system memory, the newest in VRAM. */
	residency(d, vm, buf, npages, &vram, &sys, &first_sys, &last_vram);
	igt_info("residency: %zu pages in VRAM, %zu in system memory\n", vram,
		 sys);
	igt_assert_eq(vram + sys, npages);
	igt_assert_lt(0, (int)vram);
	igt_assert_lte((long long)vram, (long long)(d->q.vram_size / page_size));
	igt_assert_lte((long long)(npages / 2), (long long)sys);
	igt_assert_eq(first_sys, 0);
	igt_assert_eq(last_vram, npages - 1);

	/* The GPU reads it all back, migrating and evicting again. */
	for (c = 0; gpu_check && c < nchunks; c++) {
		struct drm_vsvm_exec e = {
			.vm_id = vm,
			.op = DRM_VSVM_EXEC_READ,
			.va = (uintptr_t)buf + c * CHUNK,
			.size = CHUNK,
			.ptr = (uintptr_t)tmp,
		};

		memset(tmp, 0, CHUNK);
		exec_ok(d, &e, "READ");
		bad = check_pattern(tmp, c * chunk_pages, chunk_pages, seed);
		igt_assert_f(bad == chunk_pages,
			     "GPU read: page %zu of the working set is wrong\n",
			     c * chunk_pages + bad);
	}
	if (gpu_check)
		igt_assert_lt_s64(ev1, pagemap_counter(d, "evictions"));

	/* And the CPU, faulting whatever is in VRAM back. */
	bad = check_pattern(buf, 0, npages, seed);
	igt_assert_f(bad == npages, "CPU read: page %zu is wrong\n", bad);
	residency(d, vm, buf, npages, &vram, &sys, &first_sys, &last_vram);
	igt_assert_eq(sys, npages);

	vm_destroy(d, vm);
	free(tmp);
	munmap(buf, size);
}

static atomic_bool mapper_stop;
static atomic_ulong mapper_maps;

/* mmap() and munmap() a page, over and over: a writer of the mmap lock. */
static void *mapper(void *arg)
{
	(void)arg;
	while (!atomic_load(&mapper_stop)) {
		void *p = mmap(NULL, page_size, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p != MAP_FAILED) {
			munmap(p, page_size);
			atomic_fetch_add(&mapper_maps, 1);
		}
	}
	return NULL;
}

/*
 * PREFETCH of a working set twice the VRAM, chunk by chunk, never fails:
 * each prefetch evicts the oldest chunks; the last VRAM-full is resident.
 * With @writer, a thread maps and unmaps memory all along.
 */
static void test_prefetch(const struct evict_dev *d, bool writer)
{
	pthread_t thread;
	size_t size = 2 * d->q.vram_size, npages = size / page_size;
	size_t vram, sys, first_sys, last_vram, c, bad;
	__u64 seed = 0xfe7c0000ull + d->minor, *buf;
	long long ev0;
	__u32 vm;

	igt_require_f(d->debugfs[0], "renderD%d: no debugfs\n", d->minor);
	buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	igt_assert(buf != MAP_FAILED);
	fill_pattern(buf, 0, npages, seed);
	vm = vm_create(d);
	ev0 = pagemap_counter(d, "evictions");
	if (writer) {
		atomic_store(&mapper_stop, false);
		atomic_store(&mapper_maps, 0);
		igt_assert_eq(pthread_create(&thread, NULL, mapper, NULL), 0);
	}

	for (c = 0; c < size / CHUNK; c++) {
		struct drm_vsvm_prefetch p = {
			.vm_id = vm,
			.location = DRM_VSVM_LOCATION_DEVICE,
			.start = (uintptr_t)buf + c * CHUNK,
			.range = CHUNK,
		};
		int err = vsvm_raw(d->fd, DRM_IOCTL_VSVM_PREFETCH, &p);

		igt_assert_f(!err, "PREFETCH chunk %zu: %s\n", c,
			     strerror(err));
		igt_assert_eq_u64(p.pages_migrated, CHUNK / page_size);
	}
	if (writer) {
		atomic_store(&mapper_stop, true);
		pthread_join(thread, NULL);
		igt_info("%lu mmap()s meanwhile\n", atomic_load(&mapper_maps));
	}
	igt_assert_lt_s64(ev0, pagemap_counter(d, "evictions"));
	residency(d, vm, buf, npages, &vram, &sys, &first_sys, &last_vram);
	igt_assert_eq(vram + sys, npages);
	igt_assert_lte((long long)vram, (long long)(d->q.vram_size / page_size));
	igt_assert_lte((long long)(d->q.vram_size / page_size / 2),
		       (long long)vram);
	igt_assert_eq(last_vram, npages - 1);
	igt_assert_eq(first_sys, 0);

	bad = check_pattern(buf, 0, npages, seed);
	igt_assert_f(bad == npages, "CPU read: page %zu is wrong\n", bad);
	vm_destroy(d, vm);
	munmap(buf, size);
}

/* The device of backend @backend (0: any) with the least VRAM, or NULL. */
static const struct evict_dev *smallest(__u32 backend)
{
	const struct evict_dev *s = NULL;
	int i;

	for (i = 0; i < n_devs; i++)
		if ((!backend || devs[i].q.backend == backend) &&
		    (!s || devs[i].q.vram_size < s->q.vram_size))
			s = &devs[i];
	return s;
}

int igt_main()
{
	igt_fixture() {
		page_size = sysconf(_SC_PAGESIZE);
		open_devices();
		igt_require_f(n_devs > 0, "no vsvm render node\n");
	}

	igt_describe("2x the smallest VRAM: evictions, residency, GPU+CPU data.");
	igt_subtest("working-set-2x")
		test_working_set(smallest(0), true);

	igt_describe("GPU writes twice the VRAM of the smallest PCI BAR device; CPU check.");
	igt_subtest("working-set-2x-bar") {
		const struct evict_dev *d = smallest(DRM_VSVM_BACKEND_PCI_BAR);

		igt_require_f(d, "no PCI BAR vsvm device\n");
		test_working_set(d, false);
	}

	igt_describe("PREFETCH twice the VRAM to the device: never -ENOMEM.");
	igt_subtest("prefetch-2x")
		test_prefetch(smallest(0), false);

	igt_describe("The same while another thread maps and unmaps memory.");
	igt_subtest("prefetch-2x-mmap-writer")
		test_prefetch(smallest(0), true);
}
