// SPDX-License-Identifier: MIT
/*
 * vsvm_exec: DRM_IOCTL_VSVM_EXEC, the emulated GPU's work on shared virtual
 * memory: READ, WRITE, FILL, COPY and ATOMIC_INC on malloc, anonymous, THP
 * and file-backed memory; the CPU and the GPU seeing each other's writes;
 * GPU faults and placement (anonymous private memory migrates to VRAM,
 * file-backed memory stays in system memory), checked through the per-call
 * counters and the device's debugfs counters; invalidation by munmap,
 * mremap, mprotect and MADV_DONTNEED; fork; threads sharing a VM; and the
 * errno of every bad argument, with memory left unchanged.
 *
 * Most subtests use the first vsvm device; "all-devices" runs on each.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <malloc.h>
#include <pthread.h>
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
#include "vsvm_exec_lib.h"
#include "vsvm_lib.h"
#include <drm/vsvm_drm.h>

#define MAX_DEVICES	64
#define SZ_4K		4096ul
#define SZ_64K		0x10000ul
#define SZ_1M		0x100000ul
#define SZ_2M		0x200000ul

struct vsvm_dev {
	int fd;
	int minor;
};

static struct vsvm_dev devs[MAX_DEVICES];
static int n_devs;
static struct vsvm_dev *dev;
static __u32 dev_idx;
static __u32 vm;

enum mem_kind {
	MEM_MALLOC,
	MEM_ANON,
	MEM_THP,
	MEM_FILE,
};

static const char *const mem_names[] = {
	[MEM_MALLOC] = "malloc",
	[MEM_ANON] = "anon",
	[MEM_THP] = "thp",
	[MEM_FILE] = "file",
};

/* A buffer of one kind; @map/@map_size is what to unmap. */
struct mem {
	enum mem_kind kind;
	__u8 *ptr;
	size_t size;
	void *map;
	size_t map_size;
	int fd;
};

/*
 * Anonymous private memory of @size at an @align-aligned address, in a VMA
 * of its own (PROT_NONE guards around it), so that GPU ranges cover exactly
 * the buffer.
 */
static __u8 *anon_map(size_t size, size_t align, void **map,
		      size_t *map_size)
{
	size_t total = size + 2 * align + 2 * SZ_4K;
	__u8 *base, *p;

	base = mmap(NULL, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	igt_assert(base != MAP_FAILED);
	p = (__u8 *)(((uintptr_t)base + SZ_4K + align - 1) & ~(align - 1));
	igt_assert(mmap(p, size, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == p);
	*map = base;
	*map_size = total;
	return p;
}

static void mem_alloc(struct mem *m, enum mem_kind kind, size_t size)
{
	char path[] = "/tmp/vsvm_exec.XXXXXX";

	memset(m, 0, sizeof(*m));
	m->kind = kind;
	m->size = size;
	m->fd = -1;
	switch (kind) {
	case MEM_MALLOC:
		m->ptr = malloc(size);
		igt_assert(m->ptr);
		break;
	case MEM_ANON:
		m->ptr = anon_map(size, SZ_64K, &m->map, &m->map_size);
		break;
	case MEM_THP:
		m->ptr = anon_map(size, SZ_2M, &m->map, &m->map_size);
		igt_assert_eq(madvise(m->ptr, size, MADV_HUGEPAGE), 0);
		break;
	case MEM_FILE:
		m->fd = mkstemp(path);
		igt_assert(m->fd >= 0);
		igt_assert_eq(unlink(path), 0);
		igt_assert_eq(ftruncate(m->fd, size), 0);
		m->ptr = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
			      m->fd, 0);
		igt_assert(m->ptr != MAP_FAILED);
		m->map = m->ptr;
		m->map_size = size;
		break;
	}
}

static void mem_free(struct mem *m)
{
	if (m->kind == MEM_MALLOC)
		free(m->ptr);
	else
		igt_assert_eq(munmap(m->map, m->map_size), 0);
	if (m->fd >= 0)
		close(m->fd);
}

/*
 * Whether the buffer has a VMA of its own: a malloc() chunk shares its VMA
 * with its neighbours (glibc maps them next to each other and the kernel
 * merges them), so GPU ranges and CPU faults on the neighbours move parts
 * of it too, and exact placement and fault counts are not asserted.
 */
static bool mem_own_vma(enum mem_kind kind)
{
	return kind != MEM_MALLOC;
}

/* Whether GPU faults migrate the kind to VRAM by default. */
static bool mem_migrates(enum mem_kind kind)
{
	return kind != MEM_FILE;
}

static void pattern(__u8 *buf, size_t size, __u32 seed)
{
	size_t i;

	for (i = 0; i < size; i++)
		buf[i] = (__u8)((i * 131 + seed * 7 + (i >> 12)) ^ (seed >> 3));
}

static void assert_bytes(const __u8 *got, const __u8 *want, size_t size,
			 const char *what)
{
	size_t i;

	for (i = 0; i < size; i++)
		igt_assert_f(got[i] == want[i],
			     "%s: byte %zu is 0x%02x, want 0x%02x\n", what, i,
			     got[i], want[i]);
}

static void assert_filled(const __u8 *got, __u8 value, size_t size,
			  const char *what)
{
	size_t i;

	for (i = 0; i < size; i++)
		igt_assert_f(got[i] == value,
			     "%s: byte %zu is 0x%02x, want 0x%02x\n", what, i,
			     got[i], value);
}

static __u64 counter(const char *name)
{
	__u64 v = 0;

	igt_assert_f(vsvm_counter(dev->minor, name, &v) == 0,
		     "renderD%d: no debugfs value %s\n", dev->minor, name);
	return v;
}

static bool have_counters(void)
{
	__u64 v;

	return vsvm_counter(dev->minor, "gpu_faults", &v) == 0;
}

/* The vsvm device index of the node @fd. */
static __u32 dev_index(int fd)
{
	struct drm_vsvm_query_device qd;
	struct drm_vsvm_query q = {
		.query = DRM_VSVM_QUERY_DEVICE, .size = sizeof(qd),
		.data = (uintptr_t)&qd,
	};

	memset(&qd, 0, sizeof(qd));
	igt_assert_eq(drmIoctl(fd, DRM_IOCTL_VSVM_QUERY, &q), 0);
	return qd.index;
}

/* Every page wholly inside [@p, @p + @size) is at @want (RESIDENCY). */
static void assert_residency_fd(int fd, __u32 vm_id, const void *p,
				size_t size, __u32 want, const char *what)
{
	__u64 start = ((uintptr_t)p + SZ_4K - 1) & ~(SZ_4K - 1);
	__u64 end = ((uintptr_t)p + size) & ~(SZ_4K - 1), i, n;
	__u32 *locs;

	if (end <= start)
		return;
	n = (end - start) / SZ_4K;
	locs = calloc(n, sizeof(*locs));
	igt_assert(locs);
	igt_assert_eq(vsvm_residency(fd, vm_id, start, n, locs), 0);
	for (i = 0; i < n; i++)
		igt_assert_f(locs[i] == want,
			     "%s: page %llu of %llu is at %#x, want %#x\n",
			     what, (unsigned long long)i,
			     (unsigned long long)n, locs[i], want);
	free(locs);
}

static void assert_residency(const void *p, size_t size, __u32 want,
			     const char *what)
{
	assert_residency_fd(dev->fd, vm, p, size, want, what);
}

#define IN_VRAM		DRM_VSVM_RESIDENCY_DEVICE(dev_idx)
#define IN_SYSTEM	DRM_VSVM_RESIDENCY_SYSTEM

/* One GPU write, checked by the CPU and by a GPU read. */
static void test_once(enum mem_kind kind)
{
	size_t size = kind == MEM_THP ? SZ_2M : 256 * SZ_4K;
	struct drm_vsvm_exec out;
	__u8 *want, *got;
	struct mem m;

	mem_alloc(&m, kind, size);
	want = malloc(size);
	got = malloc(size);
	pattern(want, size, 1);

	igt_assert_eq(vsvm_exec_write(dev->fd, vm, m.ptr, size, want, &out), 0);
	igt_assert_lt_u64(0, out.gpu_faults);
	if (mem_migrates(kind))
		igt_assert_lte_u64(size / SZ_4K, out.pages_in);
	else
		igt_assert_eq_u64(out.pages_in, 0);
	igt_assert_eq_u64(out.pages_out, 0);
	if (kind == MEM_ANON || kind == MEM_THP)
		igt_assert_eq_u64(out.pages_in, size / SZ_4K);
	if (mem_own_vma(kind))
		assert_residency(m.ptr, size,
				 mem_migrates(kind) ? IN_VRAM : IN_SYSTEM,
				 "after the GPU write");

	assert_bytes(m.ptr, want, size, "CPU view of the GPU write");
	assert_residency(m.ptr, size, IN_SYSTEM, "after the CPU read");
	memset(got, 0, size);
	igt_assert_eq(vsvm_exec_read(dev->fd, vm, m.ptr, size, got, NULL), 0);
	assert_bytes(got, want, size, "GPU read");
	if (kind == MEM_FILE) {
		igt_assert_eq(pread(m.fd, got, size, 0), (ssize_t)size);
		assert_bytes(got, want, size, "the file");
	}
	free(want);
	free(got);
	mem_free(&m);
}

/* Two EXECs: the second finds everything bound, with no fault. */
static void test_twice(enum mem_kind kind)
{
	size_t size = kind == MEM_THP ? SZ_2M : 64 * SZ_4K;
	struct drm_vsvm_exec out;
	__u8 *want, *got;
	struct mem m;

	mem_alloc(&m, kind, size);
	want = malloc(size);
	got = malloc(size);
	pattern(want, size, 2);

	igt_assert_eq(vsvm_exec_write(dev->fd, vm, m.ptr, size, want, &out), 0);
	igt_assert_lt_u64(0, out.gpu_faults);
	igt_assert_eq(vsvm_exec_read(dev->fd, vm, m.ptr, size, got, &out), 0);
	assert_bytes(got, want, size, "GPU read after GPU write");
	if (mem_own_vma(kind)) {
		igt_assert_eq_u64(out.gpu_faults, 0);
		igt_assert_eq_u64(out.pages_in, 0);
		igt_assert_eq_u64(out.pages_out, 0);
		assert_residency(m.ptr, size,
				 mem_migrates(kind) ? IN_VRAM : IN_SYSTEM,
				 "after two EXECs");
	}
	assert_bytes(m.ptr, want, size, "CPU view");
	free(want);
	free(got);
	mem_free(&m);
}

static __u32 rnd_state = 12345;

static __u32 rnd(void)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return rnd_state >> 8;
}

/* Many random EXECs of every op against a model of the buffer. */
static void test_many(enum mem_kind kind)
{
	size_t size = kind == MEM_THP ? SZ_2M : 128 * SZ_4K;
	__u8 *model, *buf;
	struct mem m;
	int i;

	mem_alloc(&m, kind, size);
	model = calloc(1, size);
	buf = malloc(size);
	memset(m.ptr, 0, size);

	for (i = 0; i < 100; i++) {
		size_t off = rnd() % size, len = 1 + rnd() % (3 * SZ_4K);
		__u64 value = ((__u64)rnd() << 32) | rnd();
		__u32 width;
		size_t j;

		if (off + len > size)
			len = size - off;
		switch (rnd() % 5) {
		case 0:
			pattern(buf, len, i);
			igt_assert_eq(vsvm_exec_write(dev->fd, vm, m.ptr + off,
						      len, buf, NULL), 0);
			memcpy(model + off, buf, len);
			break;
		case 1:
			igt_assert_eq(vsvm_exec_read(dev->fd, vm, m.ptr + off,
						     len, buf, NULL), 0);
			assert_bytes(buf, model + off, len, "random read");
			break;
		case 2:
			width = 1u << (rnd() % 4);
			off &= ~(size_t)(width - 1);
			len = (len + width - 1) & ~(size_t)(width - 1);
			if (off + len > size)
				len = (size - off) & ~(size_t)(width - 1);
			if (!len)
				break;
			igt_assert_eq(vsvm_exec_fill(dev->fd, vm, m.ptr + off,
						     len, width, value, NULL),
				      0);
			for (j = 0; j < len; j++)
				model[off + j] = value >> (8 * (j % width));
			break;
		case 3: {
			size_t src = rnd() % size;

			len = len % (size / 4) + 1;
			if (src + len > size)
				src = size - len;
			off = (src + len + rnd() % (size / 2)) % size;
			if (off + len > size || (off < src + len &&
						 src < off + len))
				break;
			igt_assert_eq(vsvm_exec_copy(dev->fd, vm, m.ptr + off,
						     m.ptr + src, len, NULL),
				      0);
			memmove(model + off, model + src, len);
			break;
		}
		default: {
			struct drm_vsvm_exec out;
			__u32 old;

			off &= ~(size_t)3;
			len = 4 * (1 + rnd() % 64);
			if (off + len > size)
				off = size - len;
			igt_assert_eq(vsvm_exec_atomic_inc(dev->fd, vm,
							   m.ptr + off, len, 4,
							   3, &out), 0);
			memcpy(&old, model + off, 4);
			igt_assert_eq_u64(out.result, old);
			for (j = 0; j < len; j += 4) {
				__u32 c;

				memcpy(&c, model + off + j, 4);
				c += 3;
				memcpy(model + off + j, &c, 4);
			}
			break;
		}
		}
	}
	igt_assert_eq(vsvm_exec_read(dev->fd, vm, m.ptr, size, buf, NULL), 0);
	assert_bytes(buf, model, size, "final GPU read");
	assert_bytes(m.ptr, model, size, "final CPU view");
	free(model);
	free(buf);
	mem_free(&m);
}

/* The CPU sees GPU writes and the GPU sees CPU writes, both ways. */
static void test_cpu_gpu(enum mem_kind kind)
{
	size_t size = kind == MEM_THP ? SZ_2M : 64 * SZ_4K;
	struct drm_vsvm_exec out;
	__u8 *want, *got;
	struct mem m;

	mem_alloc(&m, kind, size);
	want = malloc(size);
	got = malloc(size);

	/* CPU write, GPU read. */
	pattern(m.ptr, size, 3);
	pattern(want, size, 3);
	igt_assert_eq(vsvm_exec_read(dev->fd, vm, m.ptr, size, got, &out), 0);
	assert_bytes(got, want, size, "GPU read of CPU data");

	/* GPU fill, CPU read: migrated pages come back. */
	igt_assert_eq(vsvm_exec_fill(dev->fd, vm, m.ptr, size, 1, 0xa5, &out),
		      0);
	assert_filled(m.ptr, 0xa5, size, "CPU read after GPU fill");

	/* CPU write over it, GPU read: it faults again and sees it. */
	pattern(m.ptr, size, 4);
	pattern(want, size, 4);
	igt_assert_eq(vsvm_exec_read(dev->fd, vm, m.ptr, size, got, &out), 0);
	assert_bytes(got, want, size, "GPU read after CPU write");
	/* Pages that came back from VRAM are faulted again. */
	if (mem_migrates(kind))
		igt_assert_lt_u64(0, out.gpu_faults);

	/* And a GPU write of part of it, read by the CPU. */
	pattern(want + SZ_4K, 2 * SZ_4K, 5);
	igt_assert_eq(vsvm_exec_write(dev->fd, vm, m.ptr + SZ_4K, 2 * SZ_4K,
				      want + SZ_4K, NULL), 0);
	assert_bytes(m.ptr, want, size, "CPU read after GPU write");
	free(want);
	free(got);
	mem_free(&m);
}

static void test_atomic(__u32 width)
{
	size_t size = 4 * SZ_4K, n = size / width, i;
	struct drm_vsvm_exec out;
	__u64 base = width == 4 ? 0xfffffff0u : 0xfffffffffffff000ull;
	__u64 inc = width == 4 ? 1 : 0x100000001ull;
	struct mem m;
	int k, rounds = 20;

	mem_alloc(&m, MEM_ANON, size);
	for (i = 0; i < n; i++) {
		if (width == 4)
			((__u32 *)m.ptr)[i] = base + i;
		else
			((__u64 *)m.ptr)[i] = base + i;
	}

	for (k = 0; k < rounds; k++) {
		igt_assert_eq(vsvm_exec_atomic_inc(dev->fd, vm, m.ptr, size,
						   width, inc, &out), 0);
		if (width == 4)
			igt_assert_eq_u64(out.result,
					  (__u32)(base + k * inc));
		else
			igt_assert_eq_u64(out.result, base + k * inc);
		if (k == 0)
			igt_assert_lt_u64(0, out.gpu_faults);
	}
	/* The CPU sees the exact counts (the pages come back). */
	for (i = 0; i < n; i++) {
		if (width == 4)
			igt_assert_eq_u64(((__u32 *)m.ptr)[i],
					  (__u32)(base + i + rounds * inc));
		else
			igt_assert_eq_u64(((__u64 *)m.ptr)[i],
					  base + i + rounds * inc);
	}
	/* One counter in the middle of a page, then the last one. */
	igt_assert_eq(vsvm_exec_atomic_inc(dev->fd, vm, m.ptr + 2 * SZ_4K + 64,
					   width, width, inc, &out), 0);
	igt_assert_eq(vsvm_exec_atomic_inc(dev->fd, vm, m.ptr + size - width,
					   width, width, inc, &out), 0);
	if (width == 4) {
		igt_assert_eq_u64(((__u32 *)m.ptr)[(2 * SZ_4K + 64) / 4],
				  (__u32)(base + (2 * SZ_4K + 64) / 4 +
					     (rounds + 1) * inc));
		igt_assert_eq_u64(out.result,
				  (__u32)(base + n - 1 + rounds * inc));
	} else {
		igt_assert_eq_u64(((__u64 *)m.ptr)[(2 * SZ_4K + 64) / 8],
				  base + (2 * SZ_4K + 64) / 8 +
				  (rounds + 1) * inc);
		igt_assert_eq_u64(out.result, base + n - 1 + rounds * inc);
	}
	mem_free(&m);
}

static void test_copy(void)
{
	size_t size = 16 * SZ_4K;
	struct mem a, b, f;
	__u8 *want;

	mem_alloc(&a, MEM_ANON, size);
	mem_alloc(&b, MEM_ANON, size);
	mem_alloc(&f, MEM_FILE, size);
	want = malloc(size);
	pattern(a.ptr, size, 6);
	memcpy(want, a.ptr, size);
	memset(b.ptr, 0x11, size);

	/* Whole buffers, anon to anon. */
	igt_assert_eq(vsvm_exec_copy(dev->fd, vm, b.ptr, a.ptr, size, NULL),
		      0);
	assert_bytes(b.ptr, want, size, "anon copy");

	/* Unaligned, across pages, anon to file. */
	memset(f.ptr, 0x22, size);
	igt_assert_eq(vsvm_exec_copy(dev->fd, vm, f.ptr + 1000, a.ptr + 3,
				     3 * SZ_4K + 5, NULL), 0);
	assert_filled(f.ptr, 0x22, 1000, "file before the copy");
	assert_bytes(f.ptr + 1000, want + 3, 3 * SZ_4K + 5, "file copy");
	assert_filled(f.ptr + 1000 + 3 * SZ_4K + 5, 0x22,
		      size - 1000 - 3 * SZ_4K - 5, "file after the copy");

	/* Within one buffer, non-overlapping halves. */
	igt_assert_eq(vsvm_exec_copy(dev->fd, vm, b.ptr + size / 2, b.ptr + 7,
				     size / 2 - 7, NULL), 0);
	assert_bytes(b.ptr + size / 2, want + 7, size / 2 - 7, "self copy");
	assert_bytes(b.ptr, want, size / 2, "self copy source");
	free(want);
	mem_free(&a);
	mem_free(&b);
	mem_free(&f);
}

static void test_munmap(void)
{
	size_t size = SZ_2M;
	struct drm_vsvm_exec out;
	__u8 *buf = malloc(size);
	void *map;
	size_t map_size;
	__u8 *p = anon_map(size, SZ_2M, &map, &map_size);

	igt_assert_eq(vsvm_exec_fill(dev->fd, vm, p, size, 8,
				     0x0102030405060708ull, NULL), 0);
	igt_assert_eq(munmap(p + SZ_64K, SZ_64K), 0);

	igt_assert_eq(vsvm_exec_read(dev->fd, vm, p, SZ_64K, buf, &out), 0);
	igt_assert_lt_u64(0, out.gpu_faults);
	igt_assert_eq(vsvm_exec_read(dev->fd, vm, p + 2 * SZ_64K,
				     size - 2 * SZ_64K, buf, NULL), 0);
	igt_assert_eq_u64(((__u64 *)buf)[5], 0x0102030405060708ull);
	igt_assert_eq(vsvm_exec_read(dev->fd, vm, p + SZ_64K, SZ_4K, buf,
				     NULL), -EFAULT);
	igt_assert_eq(vsvm_exec_fill(dev->fd, vm, p + SZ_64K + SZ_4K, 8, 1, 0,
				     NULL), -EFAULT);
	/* Work before the hole is done, then it fails. */
	igt_assert_eq(vsvm_exec_fill(dev->fd, vm, p + SZ_64K - 8, 16, 1, 0x33,
				     NULL), -EFAULT);
	assert_filled(p + SZ_64K - 8, 0x33, 8, "work before the hole");
	igt_assert_eq_u64(((__u64 *)p)[0], 0x0102030405060708ull);
	igt_assert_eq_u64(((__u64 *)(p + size))[-1], 0x0102030405060708ull);
	/* A new mapping in the hole is seen fresh. */
	igt_assert(mmap(p + SZ_64K, SZ_64K, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) ==
		   p + SZ_64K);
	igt_assert_eq(vsvm_exec_read(dev->fd, vm, p + SZ_64K, SZ_64K, buf,
				     NULL), 0);
	assert_filled(buf, 0, SZ_64K, "remapped hole");
	igt_assert_eq(munmap(map, map_size), 0);
	free(buf);
}

static void test_mremap(void)
{
	size_t size = 32 * SZ_4K;
	__u8 *want = malloc(size), *got = malloc(size);
	void *map, *map2;
	size_t map_size, map2_size;
	__u8 *p = anon_map(size, SZ_4K, &map, &map_size);
	__u8 *q = anon_map(size, SZ_4K, &map2, &map2_size);

	pattern(want, size, 7);
	igt_assert_eq(vsvm_exec_write(dev->fd, vm, p, size, want, NULL), 0);
	igt_assert(mremap(p, size, size, MREMAP_MAYMOVE | MREMAP_FIXED, q) ==
		   q);
	igt_assert_eq(vsvm_exec_read(dev->fd, vm, q, size, got, NULL), 0);
	assert_bytes(got, want, size, "GPU read at the new address");
	igt_assert_eq(vsvm_exec_read(dev->fd, vm, p, size, got, NULL),
		      -EFAULT);
	assert_bytes(q, want, size, "CPU read at the new address");
	/* Grown in place or moved: the old part keeps its data. */
	igt_assert_eq(vsvm_exec_fill(dev->fd, vm, q, SZ_4K, 4, 0x5a5a5a5a,
				     NULL), 0);
	assert_filled(q, 0x5a, SZ_4K, "GPU fill after mremap");
	igt_assert_eq(munmap(map, map_size), 0);
	igt_assert_eq(munmap(map2, map2_size), 0);
	free(want);
	free(got);
}

static void test_fork(void)
{
	size_t size = 32 * SZ_4K;
	__u8 *want = malloc(size), *got = malloc(size);
	struct mem m;
	int status;
	pid_t pid;

	mem_alloc(&m, MEM_ANON, size);
	pattern(want, size, 8);
	igt_assert_eq(vsvm_exec_write(dev->fd, vm, m.ptr, size, want, NULL), 0);

	pid = fork();
	igt_assert(pid >= 0);
	if (pid == 0) {
		__u8 b[16];
		int ok = !memcmp(m.ptr, want, size);

		/* The VM is the parent's: the child gets EACCES. */
		ok &= vsvm_exec_read(dev->fd, vm, m.ptr, 16, b, NULL) ==
		      -EACCES;
		/* The child's writes stay in the child. */
		memset(m.ptr, 0xcc, size);
		ok &= m.ptr[size - 1] == 0xcc;
		_exit(ok ? 0 : 1);
	}
	igt_assert_eq(waitpid(pid, &status, 0), pid);
	igt_assert_f(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		     "child saw wrong data or no EACCES (status %d)\n", status);
	assert_bytes(m.ptr, want, size, "parent CPU read after fork");
	igt_assert_eq(vsvm_exec_read(dev->fd, vm, m.ptr, size, got, NULL), 0);
	assert_bytes(got, want, size, "parent GPU read after fork");
	/* The parent writes again, the GPU sees it. */
	pattern(want, size, 9);
	igt_assert_eq(vsvm_exec_write(dev->fd, vm, m.ptr, size, want, NULL), 0);
	assert_bytes(m.ptr, want, size, "parent CPU read of a new GPU write");
	free(want);
	free(got);
	mem_free(&m);
}

#define N_THREADS	4
#define N_ROUNDS	25

struct thread_arg {
	__u8 *counters;
	size_t size;
	int id;
	int err;
};

static void *thread_fn(void *data)
{
	struct thread_arg *t = data;
	int i, ret;

	for (i = 0; i < N_ROUNDS; i++) {
		ret = vsvm_exec_atomic_inc(dev->fd, vm, t->counters, t->size,
					   4, 1, NULL);
		if (!ret)
			ret = vsvm_exec_atomic_inc(dev->fd, vm,
						   t->counters + t->size +
						   8 * t->id, 8, 8, 2, NULL);
		if (ret) {
			t->err = ret;
			break;
		}
	}
	return NULL;
}

static void test_threads(void)
{
	size_t size = 2 * SZ_4K, i;
	struct thread_arg args[N_THREADS];
	pthread_t th[N_THREADS];
	struct mem m;

	mem_alloc(&m, MEM_ANON, size + SZ_4K);
	for (i = 0; i < N_THREADS; i++) {
		args[i] = (struct thread_arg){ m.ptr, size, (int)i, 0 };
		igt_assert_eq(pthread_create(&th[i], NULL, thread_fn,
					     &args[i]), 0);
	}
	for (i = 0; i < N_THREADS; i++) {
		igt_assert_eq(pthread_join(th[i], NULL), 0);
		igt_assert_eq(args[i].err, 0);
	}
	for (i = 0; i < size / 4; i++)
		igt_assert_eq_u32(((__u32 *)m.ptr)[i], N_THREADS * N_ROUNDS);
	for (i = 0; i < N_THREADS; i++)
		igt_assert_eq_u64(((__u64 *)(m.ptr + size))[i],
				  2 * N_ROUNDS);
	mem_free(&m);
}

static void test_mprotect(void)
{
	size_t size = 16 * SZ_4K;
	__u8 *buf = malloc(size);
	struct mem m;

	mem_alloc(&m, MEM_ANON, size);
	igt_assert_eq(vsvm_exec_fill(dev->fd, vm, m.ptr, size, 4, 0x5a5a5a5a,
				     NULL), 0);
	igt_assert_eq(mprotect(m.ptr, size, PROT_READ), 0);
	igt_assert_eq(vsvm_exec_fill(dev->fd, vm, m.ptr, size, 4, 0x11111111,
				     NULL), -EPERM);
	igt_assert_eq(vsvm_exec_write(dev->fd, vm, m.ptr + 100, 10, buf, NULL),
		      -EPERM);
	igt_assert_eq(vsvm_exec_atomic_inc(dev->fd, vm, m.ptr, 4, 4, 1, NULL),
		      -EPERM);
	igt_assert_eq(vsvm_exec_read(dev->fd, vm, m.ptr, size, buf, NULL), 0);
	assert_filled(buf, 0x5a, size, "GPU read of read-only memory");
	assert_residency(m.ptr, size, IN_VRAM, "read-only memory");
	assert_filled(m.ptr, 0x5a, size, "CPU read of read-only memory");

	/* Write access back: the GPU writes again. */
	igt_assert_eq(mprotect(m.ptr, size, PROT_READ | PROT_WRITE), 0);
	igt_assert_eq(vsvm_exec_fill(dev->fd, vm, m.ptr, size, 4, 0x11111111,
				     NULL), 0);
	assert_filled(m.ptr, 0x11, size, "CPU read after mprotect back");

	/* Part of the range read-only: the rest stays writable. */
	igt_assert_eq(mprotect(m.ptr + 4 * SZ_4K, SZ_4K, PROT_READ), 0);
	igt_assert_eq(vsvm_exec_fill(dev->fd, vm, m.ptr, SZ_4K, 1, 0x22, NULL),
		      0);
	igt_assert_eq(vsvm_exec_fill(dev->fd, vm, m.ptr + 4 * SZ_4K, 8, 1,
				     0x33, NULL), -EPERM);
	assert_filled(m.ptr, 0x22, SZ_4K, "writable part");
	assert_filled(m.ptr + 4 * SZ_4K, 0x11, SZ_4K, "read-only part");
	free(buf);
	mem_free(&m);
}

static void test_dontneed(void)
{
	size_t size = 64 * SZ_4K;
	__u8 *buf = malloc(size);
	struct mem m;

	mem_alloc(&m, MEM_ANON, size);
	igt_assert_eq(vsvm_exec_fill(dev->fd, vm, m.ptr, size, 1, 0x77, NULL),
		      0);
	igt_assert_eq(madvise(m.ptr + SZ_64K, SZ_64K, MADV_DONTNEED), 0);
	igt_assert_eq(vsvm_exec_read(dev->fd, vm, m.ptr, size, buf, NULL), 0);
	assert_filled(buf, 0x77, SZ_64K, "GPU read before the hole");
	assert_filled(buf + SZ_64K, 0, SZ_64K, "GPU read of dropped pages");
	assert_filled(buf + 2 * SZ_64K, 0x77, size - 2 * SZ_64K,
		      "GPU read after the hole");
	assert_filled(m.ptr + SZ_64K, 0, SZ_64K, "CPU read of dropped pages");
	free(buf);
	mem_free(&m);
}

/* Placement: anonymous memory to VRAM, file-backed memory in place. */
static void test_placement(void)
{
	size_t size = 64 * SZ_4K;
	__u64 faults, to_vram, execs, inval;
	struct drm_vsvm_exec out;
	struct mem a, f;

	igt_require_f(have_counters(), "no debugfs counters\n");
	mem_alloc(&a, MEM_ANON, size);
	mem_alloc(&f, MEM_FILE, size);
	faults = counter("gpu_faults");
	to_vram = counter("pages_to_vram");
	execs = counter("execs");

	igt_assert_eq(vsvm_exec_fill(dev->fd, vm, a.ptr, size, 1, 1, &out), 0);
	igt_assert_eq_u64(out.pages_in, size / SZ_4K);
	igt_assert_eq_u64(counter("gpu_faults") - faults, out.gpu_faults);
	igt_assert_eq_u64(counter("pages_to_vram") - to_vram, size / SZ_4K);
	igt_assert_eq_u64(counter("execs") - execs, 1);
	assert_residency(a.ptr, size, IN_VRAM, "anonymous memory");

	to_vram = counter("pages_to_vram");
	igt_assert_eq(vsvm_exec_fill(dev->fd, vm, f.ptr, size, 1, 2, &out), 0);
	igt_assert_lt_u64(0, out.gpu_faults);
	igt_assert_eq_u64(out.pages_in, 0);
	igt_assert_eq_u64(counter("pages_to_vram"), to_vram);
	assert_residency(f.ptr, size, IN_SYSTEM, "file-backed memory");

	/* A CPU access invalidates and takes the anonymous pages back. */
	inval = counter("invalidations");
	assert_filled(a.ptr, 1, size, "CPU read of VRAM data");
	igt_assert_lt_u64(inval, counter("invalidations"));
	assert_residency(a.ptr, size, IN_SYSTEM, "after the CPU read");
	assert_filled(f.ptr, 2, size, "CPU read of file data");
	mem_free(&a);
	mem_free(&f);
}

/* MADVISE on the test's VM; -errno where the kernel has none yet. */
static int vm_madvise(void *start, size_t size, __u32 type, __u32 value)
{
	struct drm_vsvm_madvise arg = {
		.vm_id = vm, .type = type, .start = (uintptr_t)start,
		.range = size, .value = value,
	};

	return drmIoctl(dev->fd, DRM_IOCTL_VSVM_MADVISE, &arg) ? -errno : 0;
}

/* Skip unless MADVISE works (it lands separately). */
static void require_madvise(void *start, size_t size)
{
	igt_require_f(vm_madvise(start, size, DRM_VSVM_MADVISE_PREFERRED_LOC,
				 DRM_VSVM_LOCATION_DEFAULT) == 0,
		      "no DRM_IOCTL_VSVM_MADVISE\n");
}

/* Preferred location SYSTEM keeps anonymous memory out of VRAM. */
static void test_madvise_system(void)
{
	size_t size = 16 * SZ_4K;
	struct drm_vsvm_exec out;
	struct mem a, b;

	mem_alloc(&a, MEM_ANON, size);
	mem_alloc(&b, MEM_ANON, size);
	require_madvise(a.ptr, size);
	igt_assert_eq(vm_madvise(a.ptr, size, DRM_VSVM_MADVISE_PREFERRED_LOC,
				 DRM_VSVM_LOCATION_SYSTEM), 0);
	igt_assert_eq(vsvm_exec_fill(dev->fd, vm, a.ptr, size, 1, 0x31, &out),
		      0);
	igt_assert_lt_u64(0, out.gpu_faults);
	igt_assert_eq_u64(out.pages_in, 0);
	assert_residency(a.ptr, size, IN_SYSTEM, "preferred SYSTEM");
	assert_filled(a.ptr, 0x31, size, "CPU read of system memory");

	/* In VRAM first; SYSTEM applies from the next fault. */
	igt_assert_eq(vsvm_exec_fill(dev->fd, vm, b.ptr, size, 1, 0x32, &out),
		      0);
	igt_assert_eq_u64(out.pages_in, size / SZ_4K);
	igt_assert_eq(vm_madvise(b.ptr, size, DRM_VSVM_MADVISE_PREFERRED_LOC,
				 DRM_VSVM_LOCATION_SYSTEM), 0);
	assert_filled(b.ptr, 0x32, size, "CPU read, back from VRAM");
	igt_assert_eq(vsvm_exec_fill(dev->fd, vm, b.ptr, size, 1, 0x33, &out),
		      0);
	igt_assert_lt_u64(0, out.gpu_faults);
	igt_assert_eq_u64(out.pages_in, 0);
	assert_residency(b.ptr, size, IN_SYSTEM, "preferred SYSTEM later");
	assert_filled(b.ptr, 0x33, size, "CPU read of system memory");
	mem_free(&a);
	mem_free(&b);
}

/* Atomic modes: DEVICE migrates to VRAM, GLOBAL in place, CPU to RAM. */
static void test_madvise_atomic(void)
{
	size_t size = 16 * SZ_4K, n = size / SZ_4K;
	struct drm_vsvm_exec out;
	struct mem a, g, c;

	mem_alloc(&a, MEM_ANON, size);
	mem_alloc(&g, MEM_ANON, size);
	mem_alloc(&c, MEM_ANON, size);
	require_madvise(a.ptr, size);

	/* DEVICE on system-preferred memory: the atomic migrates it. */
	igt_assert_eq(vm_madvise(a.ptr, size, DRM_VSVM_MADVISE_PREFERRED_LOC,
				 DRM_VSVM_LOCATION_SYSTEM), 0);
	igt_assert_eq(vm_madvise(a.ptr, size, DRM_VSVM_MADVISE_ATOMIC,
				 DRM_VSVM_ATOMIC_DEVICE), 0);
	igt_assert_eq(vsvm_exec_fill(dev->fd, vm, a.ptr, size, 4, 40, &out),
		      0);
	igt_assert_eq_u64(out.pages_in, 0);
	igt_assert_eq(vsvm_exec_atomic_inc(dev->fd, vm, a.ptr, size, 4, 2,
					   &out), 0);
	igt_assert_eq_u64(out.result, 40);
	igt_assert_eq_u64(out.pages_in, n);
	assert_residency(a.ptr, size, IN_VRAM, "atomic DEVICE");
	igt_assert_eq_u32(((__u32 *)a.ptr)[n * 1024 - 1], 42);

	/* GLOBAL on system-preferred memory: in place, no migration. */
	igt_assert_eq(vm_madvise(g.ptr, size, DRM_VSVM_MADVISE_PREFERRED_LOC,
				 DRM_VSVM_LOCATION_SYSTEM), 0);
	igt_assert_eq(vm_madvise(g.ptr, size, DRM_VSVM_MADVISE_ATOMIC,
				 DRM_VSVM_ATOMIC_GLOBAL), 0);
	igt_assert_eq(vsvm_exec_atomic_inc(dev->fd, vm, g.ptr, size, 8, 5,
					   &out), 0);
	igt_assert_eq_u64(out.result, 0);
	igt_assert_eq_u64(out.pages_in, 0);
	igt_assert_eq_u64(out.pages_out, 0);
	assert_residency(g.ptr, size, IN_SYSTEM, "atomic GLOBAL");
	igt_assert_eq_u64(((__u64 *)g.ptr)[n * 512 - 1], 5);

	/* CPU on data in VRAM: the atomic takes it to system memory. */
	igt_assert_eq(vsvm_exec_fill(dev->fd, vm, c.ptr, size, 8, 7, &out), 0);
	igt_assert_eq_u64(out.pages_in, n);
	igt_assert_eq(vm_madvise(c.ptr, size, DRM_VSVM_MADVISE_ATOMIC,
				 DRM_VSVM_ATOMIC_CPU), 0);
	/* A CPU touch and a GPU read rebind it under the new mode. */
	igt_assert_eq_u64(((__u64 *)c.ptr)[0], 7);
	igt_assert_eq(vsvm_exec_read(dev->fd, vm, c.ptr, 8, &out.result, &out),
		      0);
	igt_assert_eq_u64(out.pages_in, n);
	igt_assert_eq(vsvm_exec_atomic_inc(dev->fd, vm, c.ptr, size, 8, 1,
					   &out), 0);
	igt_assert_eq_u64(out.result, 7);
	igt_assert_eq_u64(out.pages_out, n);
	assert_residency(c.ptr, size, IN_SYSTEM, "atomic CPU");
	igt_assert_eq_u64(((__u64 *)c.ptr)[n * 512 - 1], 8);
	mem_free(&a);
	mem_free(&g);
	mem_free(&c);
}

/* The tracepoints fire for a GPU fault and its migration. */
static void test_tracepoints(void)
{
	static const char *const tracing = "/sys/kernel/debug/tracing";
	char path[256], line[512];
	bool fault = false, migrate = false, inval = false;
	size_t size = 4 * SZ_4K;
	struct mem m;
	FILE *f;

	snprintf(path, sizeof(path), "%s/events/vsvm/enable", tracing);
	igt_require_f(access(path, W_OK) == 0, "no %s\n", path);
	f = fopen(path, "w");
	igt_assert(f && fputs("1", f) >= 0 && fclose(f) == 0);
	snprintf(path, sizeof(path), "%s/trace", tracing);
	f = fopen(path, "w");	/* truncates the buffer */
	igt_assert(f && fclose(f) == 0);

	mem_alloc(&m, MEM_ANON, size);
	igt_assert_eq(vsvm_exec_fill(dev->fd, vm, m.ptr, size, 1, 9, NULL), 0);
	assert_filled(m.ptr, 9, size, "CPU read");
	mem_free(&m);

	f = fopen(path, "r");
	igt_assert(f);
	while (fgets(line, sizeof(line), f)) {
		fault |= !!strstr(line, "vsvm_gpu_fault:");
		migrate |= strstr(line, "vsvm_migrate_to_devmem:") &&
			   strstr(line, "err=0");
		inval |= !!strstr(line, "vsvm_invalidate:");
	}
	fclose(f);
	snprintf(path, sizeof(path), "%s/events/vsvm/enable", tracing);
	f = fopen(path, "w");
	igt_assert(f && fputs("0", f) >= 0 && fclose(f) == 0);
	igt_assert_f(fault, "no vsvm_gpu_fault event\n");
	igt_assert_f(migrate, "no vsvm_migrate_to_devmem event\n");
	igt_assert_f(inval, "no vsvm_invalidate event\n");
}

/* Whether the device of @a reaches the VRAM of the device of @b by P2P. */
static bool p2p_link(const struct vsvm_dev *a, const struct vsvm_dev *b)
{
	struct drm_vsvm_query q = { .query = DRM_VSVM_QUERY_PEERS };
	struct drm_vsvm_query_peers *peers;
	__u32 bi = dev_index(b->fd), i;
	bool ret = false;

	igt_assert_eq(drmIoctl(a->fd, DRM_IOCTL_VSVM_QUERY, &q), 0);
	peers = calloc(1, q.size);
	igt_assert(peers);
	q.data = (uintptr_t)peers;
	igt_assert_eq(drmIoctl(a->fd, DRM_IOCTL_VSVM_QUERY, &q), 0);
	for (i = 0; i < peers->num_peers; i++)
		if (peers->peers[i].index == bi)
			ret = peers->peers[i].link == DRM_VSVM_LINK_P2P;
	free(peers);
	return ret;
}

/*
 * Data one device wrote is read right by every other device, which takes
 * it to its own VRAM (directly from a peer's VRAM, or through system
 * memory without an interconnect).
 */
static void test_cross_device(void)
{
	size_t size = 16 * SZ_4K;
	__u8 *want = malloc(size), *got = malloc(size);
	__u32 ids[MAX_DEVICES];
	int i, j;

	igt_require_f(n_devs > 1, "one device\n");
	for (i = 0; i < n_devs; i++)
		igt_assert_eq(vsvm_vm_create(devs[i].fd, &ids[i]), 0);
	for (i = 0; i < n_devs; i++) {
		for (j = 0; j < n_devs; j++) {
			__u32 ri = DRM_VSVM_RESIDENCY_DEVICE(dev_index(devs[i].fd));
			struct drm_vsvm_exec out;
			struct mem m;
			__u32 loc;

			if (i == j)
				continue;
			mem_alloc(&m, MEM_ANON, size);
			pattern(want, size, 20 + i * 8 + j);
			igt_assert_eq(vsvm_exec_write(devs[j].fd, ids[j], m.ptr,
						      size, want, NULL), 0);
			igt_assert_eq(vsvm_exec_read(devs[i].fd, ids[i], m.ptr,
						     size, got, &out), 0);
			assert_bytes(got, want, size, "read by another device");
			igt_assert_eq(vsvm_residency(devs[i].fd, ids[i],
						     (uintptr_t)m.ptr, 1, &loc),
				      0);
			igt_assert_f(loc == ri || loc == IN_SYSTEM,
				     "device %d wrote, device %d read: page at %#x\n",
				     j, i, loc);
			if (loc == ri)
				igt_assert_eq_u64(out.pages_in, size / SZ_4K);
			igt_assert_eq(vsvm_exec_atomic_inc(devs[j].fd, ids[j],
							   m.ptr, 8, 8, 1,
							   &out), 0);
			igt_assert_eq_u64(out.result, ((__u64 *)want)[0]);
			((__u64 *)want)[0]++;
			assert_bytes(m.ptr, want, size, "CPU read");
			mem_free(&m);
		}
	}
	for (i = 0; i < n_devs; i++)
		igt_assert_eq(vsvm_vm_destroy(devs[i].fd, ids[i]), 0);
	free(want);
	free(got);
}

/*
 * ONLY_SYSTEM_PAGES: a device reads a P2P peer's VRAM in place, through
 * the peer's BAR, without migrating it.
 */
static void test_p2p_in_place(void)
{
	size_t size = 16 * SZ_4K;
	__u8 *want = malloc(size), *got = malloc(size);
	struct vsvm_dev *a = NULL, *b = NULL;
	struct drm_vsvm_exec out;
	__u32 ida, idb, ib;
	struct drm_vsvm_madvise arg;
	struct mem m;
	int i, j;

	for (i = 0; i < n_devs && !a; i++)
		for (j = 0; j < n_devs && !a; j++)
			if (i != j && p2p_link(&devs[i], &devs[j])) {
				a = &devs[i];
				b = &devs[j];
			}
	igt_require_f(a, "no P2P pair of devices\n");
	ib = dev_index(b->fd);
	igt_assert_eq(vsvm_vm_create(a->fd, &ida), 0);
	igt_assert_eq(vsvm_vm_create(b->fd, &idb), 0);
	mem_alloc(&m, MEM_ANON, size);
	memset(&arg, 0, sizeof(arg));
	arg.vm_id = ida;
	arg.type = DRM_VSVM_MADVISE_MIGRATION_POLICY;
	arg.start = (uintptr_t)m.ptr;
	arg.range = size;
	arg.value = DRM_VSVM_MIGRATE_ONLY_SYSTEM_PAGES;
	igt_require_f(drmIoctl(a->fd, DRM_IOCTL_VSVM_MADVISE, &arg) == 0,
		      "no DRM_IOCTL_VSVM_MADVISE\n");

	pattern(want, size, 30);
	igt_assert_eq(vsvm_exec_write(b->fd, idb, m.ptr, size, want, &out), 0);
	igt_assert_eq_u64(out.pages_in, size / SZ_4K);
	igt_assert_eq(vsvm_exec_read(a->fd, ida, m.ptr, size, got, &out), 0);
	assert_bytes(got, want, size, "P2P read in place");
	igt_assert_eq_u64(out.pages_in, 0);
	assert_residency_fd(a->fd, ida, m.ptr, size,
			    DRM_VSVM_RESIDENCY_DEVICE(ib), "still in the peer");
	/* A GPU write through the peer's BAR, seen by the CPU. */
	igt_assert_eq(vsvm_exec_fill(a->fd, ida, m.ptr, SZ_4K, 1, 0x3c, &out),
		      0);
	igt_assert_eq_u64(out.pages_in, 0);
	memset(want, 0x3c, SZ_4K);
	assert_bytes(m.ptr, want, size, "CPU read");
	mem_free(&m);
	igt_assert_eq(vsvm_vm_destroy(a->fd, ida), 0);
	igt_assert_eq(vsvm_vm_destroy(b->fd, idb), 0);
	free(want);
	free(got);
}

static void test_all_devices(void)
{
	size_t size = 16 * SZ_4K;
	__u8 *want = malloc(size), *got = malloc(size);
	struct drm_vsvm_exec out;
	int i;

	for (i = 0; i < n_devs; i++) {
		__u32 id;
		struct mem m;

		igt_assert_eq(vsvm_vm_create(devs[i].fd, &id), 0);
		mem_alloc(&m, MEM_ANON, size);
		pattern(want, size, 10 + i);
		igt_assert_eq(vsvm_exec_write(devs[i].fd, id, m.ptr, size, want,
					      &out), 0);
		igt_assert_eq_u64(out.pages_in, size / SZ_4K);
		assert_residency_fd(devs[i].fd, id, m.ptr, size,
				    DRM_VSVM_RESIDENCY_DEVICE(dev_index(devs[i].fd)),
				    "in the device's VRAM");
		igt_assert_eq(vsvm_exec_read(devs[i].fd, id, m.ptr, size, got,
					     NULL), 0);
		assert_bytes(got, want, size, "GPU read");
		igt_assert_eq(vsvm_exec_atomic_inc(devs[i].fd, id, m.ptr, 8, 8,
						   1, &out), 0);
		igt_assert_eq_u64(out.result, ((__u64 *)want)[0]);
		((__u64 *)want)[0] += 1;
		assert_bytes(m.ptr, want, size, "CPU read");
		igt_assert_eq(vsvm_vm_destroy(devs[i].fd, id), 0);
		mem_free(&m);
	}
	free(want);
	free(got);
}

/*
 * READ writes its result straight to a user buffer page that is present
 * and through a bounce buffer from the first page that is not (unpopulated,
 * read-only zero page, or in VRAM): every mix must give the exact data.
 * Buffers of 3 chunks (the executor works in 64 KiB chunks) where page i
 * of the output is: populated (i % 3 == 0), never touched (1), or itself
 * GPU memory in VRAM (2).
 */
static void test_read_output_mix(void)
{
	size_t size = 3 * SZ_64K + 2 * SZ_4K, i;
	struct mem src, out;
	__u8 *want = malloc(size);

	igt_assert(want);
	mem_alloc(&src, MEM_ANON, size);
	mem_alloc(&out, MEM_ANON, size);
	pattern(src.ptr, size, 77);
	memcpy(want, src.ptr, size);
	for (i = 0; i < size; i += SZ_4K) {
		if ((i / SZ_4K) % 3 == 0)
			out.ptr[i] = 1;
		else if ((i / SZ_4K) % 3 == 2)
			igt_assert_eq(vsvm_exec_fill(dev->fd, vm, out.ptr + i,
						     SZ_4K, 1, 0xab, NULL), 0);
	}
	igt_assert_eq(vsvm_exec_read(dev->fd, vm, src.ptr, size, out.ptr,
				     NULL), 0);
	assert_bytes(out.ptr, want, size, "read into a mixed buffer");

	/* All present, then none present: the two pure cases. */
	memset(out.ptr, 0, size);
	igt_assert_eq(vsvm_exec_read(dev->fd, vm, src.ptr, size, out.ptr,
				     NULL), 0);
	assert_bytes(out.ptr, want, size, "read into a present buffer");
	igt_assert_eq(madvise(out.ptr, size, MADV_DONTNEED), 0);
	igt_assert_eq(vsvm_exec_read(dev->fd, vm, src.ptr, size, out.ptr,
				     NULL), 0);
	assert_bytes(out.ptr, want, size, "read into an unpopulated buffer");
	mem_free(&out);
	mem_free(&src);
	free(want);
}

/* @arg must fail with @err, the struct and the memory unchanged. */
static void expect_fail(struct drm_vsvm_exec *arg, int err, bool unchanged,
			const __u8 *mem, const __u8 *snap, size_t size,
			const char *what)
{
	struct drm_vsvm_exec saved = *arg;
	int ret = vsvm_exec(dev->fd, arg);

	igt_assert_f(ret == -err, "%s: returned %d (%s), want %d\n", what,
		     ret, strerror(-ret), -err);
	if (unchanged)
		igt_assert_f(!memcmp(arg, &saved, sizeof(saved)),
			     "%s: the failed call changed the struct\n", what);
	assert_bytes(mem, snap, size, what);
	*arg = saved;
}

static void test_bad_input(void)
{
	size_t size = 4 * SZ_4K;
	struct drm_vsvm_exec good, arg;
	__u8 *snap = malloc(size), *buf = malloc(size);
	struct mem m, ro, hole;
	__u32 where;
	int ret;

	mem_alloc(&m, MEM_ANON, size);
	mem_alloc(&hole, MEM_ANON, size);
	igt_assert_eq(munmap(hole.ptr, size), 0);
	pattern(m.ptr, size, 11);
	/* Faulted in and in VRAM before the bad calls. */
	igt_assert_eq(vsvm_exec_read(dev->fd, vm, m.ptr, size, buf, NULL), 0);
	memcpy(snap, m.ptr, size);
	memset(buf, 0xee, size);

	memset(&good, 0, sizeof(good));
	good.vm_id = vm;
	good.op = DRM_VSVM_EXEC_FILL;
	good.width = 4;
	good.va = (uintptr_t)m.ptr;
	good.size = size;
	good.value = 0xdeadbeef;

#define BAD(field, val, err) do { \
		arg = good; \
		arg.field = (val); \
		expect_fail(&arg, err, true, m.ptr, snap, size, \
			    #field " = " #val); \
	} while (0)

	BAD(flags, 1, EINVAL);
	BAD(flags, 1u << 31, EINVAL);
	BAD(reserved[0], 1, EINVAL);
	BAD(reserved[1], ~0ull, EINVAL);
	BAD(op, 0, EINVAL);
	BAD(op, 6, EINVAL);
	BAD(op, ~0u, EINVAL);
	BAD(width, 0, EINVAL);
	BAD(width, 3, EINVAL);
	BAD(width, 16, EINVAL);
	BAD(src_va, (uintptr_t)buf, EINVAL);
	BAD(ptr, (uintptr_t)buf, EINVAL);
	BAD(size, 0, EINVAL);
	BAD(size, 6, EINVAL);
	BAD(size, DRM_VSVM_EXEC_MAX_SIZE + 4, E2BIG);
	BAD(size, ~0ull & ~3ull, E2BIG);
	BAD(va, (uintptr_t)m.ptr + 2, EINVAL);
	BAD(va, ~0ull - 7, EINVAL);
	BAD(vm_id, 0, ENOENT);
	BAD(vm_id, vm + 1000, ENOENT);

	/* Fields per op. */
	good.op = DRM_VSVM_EXEC_READ;
	good.width = 0;
	good.value = 0;
	good.ptr = (uintptr_t)buf;
	BAD(width, 1, EINVAL);
	BAD(value, 1, EINVAL);
	BAD(src_va, (uintptr_t)buf, EINVAL);
	BAD(ptr, (uintptr_t)m.ptr, EINVAL);		/* overlaps */
	BAD(ptr, (uintptr_t)m.ptr + size - 1, EINVAL);
	BAD(ptr, (uintptr_t)m.ptr - size + 1, EINVAL);
	good.op = DRM_VSVM_EXEC_WRITE;
	BAD(width, 4, EINVAL);
	BAD(value, 1, EINVAL);
	BAD(src_va, (uintptr_t)buf, EINVAL);
	BAD(ptr, (uintptr_t)m.ptr + SZ_4K, EINVAL);	/* overlaps */
	BAD(ptr, (uintptr_t)m.ptr + size - 1, EINVAL);
	BAD(ptr, (uintptr_t)m.ptr - size + 1, EINVAL);
	good.op = DRM_VSVM_EXEC_COPY;
	good.ptr = 0;
	good.va = (uintptr_t)m.ptr + size / 2;
	good.src_va = (uintptr_t)m.ptr;
	good.size = size / 2;
	BAD(width, 1, EINVAL);
	BAD(ptr, (uintptr_t)buf, EINVAL);
	BAD(value, 1, EINVAL);
	BAD(src_va, (uintptr_t)m.ptr + 1, EINVAL);	/* overlaps */
	BAD(src_va, (uintptr_t)m.ptr + size / 2, EINVAL);
	BAD(src_va, ~0ull - 100, EINVAL);		/* wraps */
	good.op = DRM_VSVM_EXEC_ATOMIC_INC;
	good.src_va = 0;
	good.va = (uintptr_t)m.ptr;
	good.size = 8;
	good.width = 8;
	good.value = 1;
	BAD(width, 1, EINVAL);
	BAD(width, 2, EINVAL);
	BAD(width, 0, EINVAL);
	BAD(va, (uintptr_t)m.ptr + 4, EINVAL);
	BAD(size, 12, EINVAL);
	BAD(ptr, (uintptr_t)buf, EINVAL);
	BAD(src_va, (uintptr_t)buf, EINVAL);

	/* Memory: unmapped VA, bad user pointers, read-only memory. */
	good.op = DRM_VSVM_EXEC_FILL;
	good.width = 1;
	good.size = SZ_4K;
	good.va = (uintptr_t)hole.ptr;
	arg = good;
	expect_fail(&arg, EFAULT, false, m.ptr, snap, size, "unmapped va");
	arg.va = 0;
	expect_fail(&arg, EFAULT, false, m.ptr, snap, size, "va 0");
	arg.va = 0xffff888000000000ull;
	expect_fail(&arg, EFAULT, false, m.ptr, snap, size, "kernel va");
	arg.va = 1ull << 62;
	expect_fail(&arg, EFAULT, false, m.ptr, snap, size, "va 1 << 62");

	arg = good;
	arg.op = DRM_VSVM_EXEC_WRITE;
	arg.width = 0;
	arg.value = 0;
	arg.va = (uintptr_t)m.ptr;
	arg.ptr = 0;
	expect_fail(&arg, EFAULT, false, m.ptr, snap, size, "WRITE ptr NULL");
	arg.ptr = (uintptr_t)hole.ptr;
	expect_fail(&arg, EFAULT, false, m.ptr, snap, size, "WRITE ptr hole");
	arg.ptr = 0xffff888000000000ull;
	expect_fail(&arg, EFAULT, false, m.ptr, snap, size,
		    "WRITE kernel ptr");
	arg.op = DRM_VSVM_EXEC_READ;
	arg.ptr = (uintptr_t)hole.ptr;
	expect_fail(&arg, EFAULT, false, m.ptr, snap, size, "READ ptr hole");
	/* The direct copy to present pages must not write the kernel. */
	arg.ptr = 0xffff888000000000ull;
	expect_fail(&arg, EFAULT, false, m.ptr, snap, size, "READ kernel ptr");
	arg.ptr = (uintptr_t)m.ptr;	/* READ into itself overlaps */
	expect_fail(&arg, EINVAL, true, m.ptr, snap, size,
		    "READ into the same memory");

	mem_alloc(&ro, MEM_ANON, SZ_4K);
	igt_assert_eq(mprotect(ro.ptr, SZ_4K, PROT_READ), 0);
	arg = good;
	arg.va = (uintptr_t)ro.ptr;
	expect_fail(&arg, EPERM, false, m.ptr, snap, size,
		    "FILL of read-only memory");
	assert_filled(ro.ptr, 0, SZ_4K, "read-only memory");
	igt_assert_eq(mprotect(ro.ptr, SZ_4K, PROT_NONE), 0);
	expect_fail(&arg, EPERM, false, m.ptr, snap, size,
		    "FILL of PROT_NONE memory");
	arg.op = DRM_VSVM_EXEC_READ;
	arg.width = 0;
	arg.value = 0;
	arg.ptr = (uintptr_t)buf;
	expect_fail(&arg, EFAULT, false, m.ptr, snap, size,
		    "READ of PROT_NONE memory");
	/* Refused before anything moved: no page went to device memory. */
	igt_assert_eq(mprotect(ro.ptr, SZ_4K, PROT_READ), 0);
	igt_assert_eq(vsvm_residency(dev->fd, vm, (uintptr_t)ro.ptr, 1,
				     &where), 0);
	igt_assert_f(where < DRM_VSVM_RESIDENCY_DEVICE(0),
		     "a refused READ of PROT_NONE memory moved it: 0x%x\n",
		     where);
	assert_filled(ro.ptr, 0, SZ_4K, "PROT_NONE memory");

	/* A bad argument pointer. */
	errno = 0;
	ret = ioctl(dev->fd, DRM_IOCTL_VSVM_EXEC, (void *)8);
	igt_assert_f(ret == -1 && errno == EFAULT, "bad arg: %d %d\n", ret,
		     errno);
	assert_bytes(m.ptr, snap, size, "after the bad calls");
#undef BAD
	mem_free(&ro);
	mem_free(&m);
	free(snap);
	free(buf);
}

static void open_devices(void)
{
	struct vsvm_node nodes[MAX_DEVICES];
	int i, n = vsvm_open_nodes(nodes, MAX_DEVICES);

	for (i = 0; i < n; i++) {
		devs[n_devs].fd = nodes[i].fd;
		devs[n_devs].minor = nodes[i].minor;
		n_devs++;
	}
}

int igt_main()
{
	enum mem_kind k;

	igt_fixture() {
		/*
		 * Buffers of 128 KiB and more always come from a fresh mmap
		 * and go with munmap: with glibc's dynamic threshold a later
		 * malloc would reuse heap memory an earlier subtest left
		 * populated, in VRAM and mapped by the GPU, and the first
		 * EXEC on it would rightly need no fault and no migration.
		 */
		igt_assert(mallopt(M_MMAP_THRESHOLD, 128 * 1024));
		open_devices();
		igt_require_f(n_devs > 0, "no vsvm device\n");
		dev = &devs[0];
		dev_idx = dev_index(dev->fd);
		igt_assert_eq(vsvm_vm_create(dev->fd, &vm), 0);
	}

	for (k = MEM_MALLOC; k <= MEM_FILE; k++) {
		igt_describe("One GPU write, seen by the CPU and the GPU");
		igt_subtest_f("once-%s", mem_names[k])
			test_once(k);
		igt_describe("A second EXEC finds the pages bound");
		igt_subtest_f("twice-%s", mem_names[k])
			test_twice(k);
		igt_describe("Random EXECs of every op against a model");
		igt_subtest_f("many-%s", mem_names[k])
			test_many(k);
		igt_describe("CPU and GPU see each other's writes");
		igt_subtest_f("cpu-gpu-%s", mem_names[k])
			test_cpu_gpu(k);
	}
	igt_subtest("atomic-u32")
		test_atomic(4);
	igt_subtest("atomic-u64")
		test_atomic(8);
	igt_subtest("copy")
		test_copy();
	igt_subtest("invalidate-munmap")
		test_munmap();
	igt_subtest("invalidate-mremap")
		test_mremap();
	igt_subtest("invalidate-mprotect")
		test_mprotect();
	igt_subtest("invalidate-madv-dontneed")
		test_dontneed();
	igt_subtest("fork")
		test_fork();
	igt_subtest("threads")
		test_threads();
	igt_subtest("placement-counters")
		test_placement();
	igt_subtest("madvise-system")
		test_madvise_system();
	igt_subtest("madvise-atomic")
		test_madvise_atomic();
	igt_subtest("tracepoints")
		test_tracepoints();
	igt_subtest("cross-device")
		test_cross_device();
	igt_subtest("p2p-in-place")
		test_p2p_in_place();
	igt_subtest("all-devices")
		test_all_devices();
	igt_describe("READ output to present, unpopulated and VRAM pages");
	igt_subtest("read-output-mix")
		test_read_output_mix();
	igt_subtest("bad-input")
		test_bad_input();

	igt_fixture() {
		igt_assert_eq(vsvm_vm_destroy(dev->fd, vm), 0);
	}
}
