// SPDX-License-Identifier: MIT
/*
 * The drm-msvm benchmark's core: every data path of vsvm and, where it has
 * one, of the kernel's test_hmm (lib/test_hmm.c, /dev/hmm_dmirror0), each
 * sample run in a forked child of its own (fresh VMs, fresh memory, no
 * state carried from one sample to the next) that times only the work of
 * the path and then checks its data: a wrong byte, a page left in the
 * wrong place or a failed call fails the sample.
 *
 * Buffers are anonymous private mappings of their own VMA between two
 * PROT_NONE guard pages, aligned to their size up to 2 MiB, and filled
 * with a pattern that depends on a per-sample seed, so that data left by
 * an earlier sample cannot pass a check.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <drm.h>
#include <drm/vsvm_drm.h>
#ifdef BENCH_TEST_HMM
#include <test_hmm_uapi.h>
#endif

#include "bench.h"

#define PAGE		4096ul
#define SZ_2M		(2ul << 20)

const char *const bench_impl_names[BENCH_IMPLS] = {
	[BENCH_VSVM] = "vsvm",
	[BENCH_HMM] = "test_hmm",
	[BENCH_CPU] = "cpu",
};

/* One open vsvm device with a VM, in a sample's child. */
struct vdev {
	int fd;
	unsigned int vm;
	unsigned int index;
};

/* The kernel's __printf(), for the format checks. */
#define bench_printf(f, a)	__attribute((format(printf, f, a)))

static void fail(struct bench_out *out, const char *fmt, ...) bench_printf(2, 3);

static void fail(struct bench_out *out, const char *fmt, ...)
{
	va_list ap;

	if (out->err[0])
		return;
	va_start(ap, fmt);
	vsnprintf(out->err, sizeof(out->err), fmt, ap);
	va_end(ap);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1000000000.0;
}

static void record(struct bench_out *out, double secs)
{
	if (out->n < BENCH_MAX_TIMES)
		out->secs[out->n++] = secs;
	out->timed_faults = out->gpu_faults;
}

/* ioctl(), restarted on EINTR and EAGAIN; 0 or -errno. */
static int xioctl(int fd, unsigned long req, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, req, arg);
	} while (ret == -1 && (errno == EINTR || errno == EAGAIN));
	return ret ? -errno : 0;
}

/* The pattern word @i of a sample seeded @seed. */
static __u64 pattern(__u64 seed, size_t i)
{
	__u64 x = (seed ^ (i * 0x9e3779b97f4a7c15ull)) + i;

	x ^= x >> 31;
	return x * 0xbf58476d1ce4e5b9ull;
}

static void fill(void *buf, size_t size, __u64 seed)
{
	__u64 *p = buf;
	size_t i;

	for (i = 0; i < size / 8; i++)
		p[i] = pattern(seed, i);
}

/* Whether @buf holds the pattern; names the first wrong byte if not. */
static bool check(const void *buf, size_t size, __u64 seed,
		  struct bench_out *out, const char *what)
{
	const __u64 *p = buf;
	size_t i;

	for (i = 0; i < size / 8; i++) {
		if (p[i] != pattern(seed, i)) {
			fail(out, "%s: wrong data at byte %zu: %#llx, expected %#llx",
			     what, i * 8, (unsigned long long)p[i],
			     (unsigned long long)pattern(seed, i));
			return false;
		}
	}
	return true;
}

static bool check_value(const void *buf, size_t size, __u64 value,
			struct bench_out *out, const char *what)
{
	const __u64 *p = buf;
	size_t i;

	for (i = 0; i < size / 8; i++) {
		if (p[i] != value) {
			fail(out, "%s: wrong data at byte %zu: %#llx, expected %#llx",
			     what, i * 8, (unsigned long long)p[i],
			     (unsigned long long)value);
			return false;
		}
	}
	return true;
}

static __u64 sample_seed(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((__u64)getpid() << 32) ^ (__u64)ts.tv_nsec ^
	       ((__u64)ts.tv_sec << 20);
}

/*
 * A buffer of @size bytes (a multiple of the page size), its own VMA
 * between guard pages, aligned to its size up to 2 MiB. @shared: a
 * MAP_SHARED anonymous (shmem) mapping.
 */
static void *buf_alloc(const struct bench_env *env, size_t size, bool shared,
		       struct bench_out *out)
{
	size_t align = size < SZ_2M ? size : SZ_2M;
	size_t span = size + align + 2 * PAGE;
	uintptr_t start;
	char *base, *p;

	base = mmap(NULL, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
		    MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED) {
		fail(out, "mmap %zu bytes: %s", span, strerror(errno));
		return NULL;
	}
	start = ((uintptr_t)base + PAGE + align - 1) & ~(uintptr_t)(align - 1);
	p = (char *)start;
	if (shared) {
		p = mmap(p, size, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		if (p == MAP_FAILED) {
			fail(out, "mmap shared: %s", strerror(errno));
			return NULL;
		}
	} else if (mprotect(p, size, PROT_READ | PROT_WRITE)) {
		fail(out, "mprotect: %s", strerror(errno));
		return NULL;
	}
	if (env->thp && !shared &&
	    madvise(p, size, env->thp > 0 ? MADV_HUGEPAGE : MADV_NOHUGEPAGE)) {
		fail(out, "madvise THP: %s", strerror(errno));
		return NULL;
	}
	return p;
}

/*
 * Where a result buffer starts, past the 2 MiB alignment the kernel gives a
 * large anonymous mapping. QEMU's software TLB is direct-mapped by virtual
 * page number: a copy from pages whose kernel address is 2 MiB aligned (the
 * direct map of a transparent huge page) into a 2 MiB-aligned user buffer
 * can touch two congruent pages at each step, which evict each other's TLB
 * entry on every access. Whether they do depends on where the pages landed,
 * so the same read ran at 165 or 1150 MiB/s from one sample to the next:
 * the benchmark measured the emulator. Five pages is off the system pages'
 * alignment and off each VRAM's (bar_skew_kb moves the n-th device's VRAM
 * n pages into its BAR, n up to 3).
 */
#define OUT_SKEW	(5 * PAGE)

/* A plain buffer for results, populated, OUT_SKEW past its mapping. */
static void *out_alloc(size_t size, struct bench_out *out)
{
	char *p = mmap(NULL, size + OUT_SKEW, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	if (p == MAP_FAILED) {
		fail(out, "mmap %zu bytes: %s", size + OUT_SKEW,
		     strerror(errno));
		return NULL;
	}
	p += OUT_SKEW;
	memset(p, 0, size);
	return p;
}

/*
 * Read one byte of every page: CPU faults where a page is not present.
 * The sum goes to a global so that the reads are not optimised away.
 */
__u64 bench_touch_sum;

static void touch(const void *buf, size_t size)
{
	const __u8 *p = buf;
	__u64 sum = 0;
	size_t off;

	for (off = 0; off < size; off += PAGE) {
		sum += p[off];
		/* One real load per page, in order. */
		__asm__ __volatile__("" : "+r" (sum) : : "memory");
	}
	bench_touch_sum += sum;
}

/* ---- vsvm ---- */

static bool is_vsvm(int fd)
{
	char name[16] = "";
	struct drm_version v = {
		.name = name,
		.name_len = sizeof(name) - 1,
	};

	return !xioctl(fd, DRM_IOCTL_VERSION, &v) && !strcmp(name, "vsvm");
}

static int vsvm_query_device(int fd, struct drm_vsvm_query_device *info)
{
	struct drm_vsvm_query q = {
		.query = DRM_VSVM_QUERY_DEVICE,
		.size = sizeof(*info),
		.data = (uintptr_t)info,
	};

	memset(info, 0, sizeof(*info));
	return xioctl(fd, DRM_IOCTL_VSVM_QUERY, &q);
}

/* The link from the device of @fd to the device of index @index, or -1. */
static int vsvm_link(int fd, unsigned int index)
{
	struct drm_vsvm_query q = { .query = DRM_VSVM_QUERY_PEERS };
	struct drm_vsvm_query_peers *peers;
	int link = -1;
	unsigned int i;

	if (xioctl(fd, DRM_IOCTL_VSVM_QUERY, &q))
		return -1;
	peers = calloc(1, q.size);
	if (!peers)
		return -1;
	q.data = (uintptr_t)peers;
	if (!xioctl(fd, DRM_IOCTL_VSVM_QUERY, &q))
		for (i = 0; i < peers->num_peers; i++)
			if (peers->peers[i].index == index)
				link = peers->peers[i].link;
	free(peers);
	return link;
}

static int vdev_open(struct vdev *d, int minor, unsigned int index,
		     struct bench_out *out)
{
	struct drm_vsvm_vm_create vc = { 0 };
	char path[64];
	int err;

	snprintf(path, sizeof(path), "/dev/dri/renderD%d", minor);
	d->fd = open(path, O_RDWR | O_CLOEXEC);
	if (d->fd < 0) {
		fail(out, "open %s: %s", path, strerror(errno));
		return -1;
	}
	err = xioctl(d->fd, DRM_IOCTL_VSVM_VM_CREATE, &vc);
	if (err) {
		fail(out, "%s: VM_CREATE: %s", path, strerror(-err));
		return -1;
	}
	d->vm = vc.vm_id;
	d->index = index;
	return 0;
}

static int v_prefetch(const struct vdev *d, unsigned int loc, void *va,
		      size_t size, struct bench_out *out)
{
	struct drm_vsvm_prefetch p = {
		.vm_id = d->vm,
		.location = loc,
		.start = (uintptr_t)va,
		.range = size,
	};
	int err = xioctl(d->fd, DRM_IOCTL_VSVM_PREFETCH, &p);

	if (err)
		fail(out, "PREFETCH to %s: %s",
		     loc == DRM_VSVM_LOCATION_SYSTEM ? "system" : "VRAM",
		     strerror(-err));
	return err;
}

static int v_exec(const struct vdev *d, unsigned int op, void *va,
		  size_t size, void *ptr, __u64 value, unsigned int width,
		  struct bench_out *out)
{
	struct drm_vsvm_exec e = {
		.vm_id = d->vm,
		.op = op,
		.width = width,
		.va = (uintptr_t)va,
		.size = size,
		.ptr = (uintptr_t)ptr,
		.value = value,
	};
	int err = xioctl(d->fd, DRM_IOCTL_VSVM_EXEC, &e);

	if (err)
		fail(out, "EXEC op %u of %zu bytes: %s", op, size,
		     strerror(-err));
	else
		out->gpu_faults += e.gpu_faults;
	return err;
}

static int v_madvise(const struct vdev *d, unsigned int type,
		     unsigned int value, void *va, size_t size,
		     struct bench_out *out)
{
	struct drm_vsvm_madvise m = {
		.vm_id = d->vm,
		.type = type,
		.start = (uintptr_t)va,
		.range = size,
		.value = value,
	};
	int err = xioctl(d->fd, DRM_IOCTL_VSVM_MADVISE, &m);

	if (err)
		fail(out, "MADVISE type %u value %u: %s", type, value,
		     strerror(-err));
	return err;
}

/*
 * Whether every page of @va is at @loc (a DRM_VSVM_RESIDENCY_* value), as
 * the device of @d reports it.
 */
static bool v_all_at(const struct vdev *d, void *va, size_t size,
		     unsigned int loc, struct bench_out *out, const char *what)
{
	size_t npages = size / PAGE, i, bad = 0;
	struct drm_vsvm_residency r = {
		.vm_id = d->vm,
		.start = (uintptr_t)va,
		.num_pages = npages,
	};
	__u32 *locs = calloc(npages, sizeof(*locs));
	unsigned int first = 0;
	int err;

	if (!locs) {
		fail(out, "out of memory");
		return false;
	}
	r.locations = (uintptr_t)locs;
	err = xioctl(d->fd, DRM_IOCTL_VSVM_RESIDENCY, &r);
	if (err) {
		fail(out, "RESIDENCY: %s", strerror(-err));
		free(locs);
		return false;
	}
	for (i = 0; i < npages; i++) {
		if (locs[i] != loc) {
			if (!bad)
				first = locs[i];
			bad++;
		}
	}
	free(locs);
	if (bad)
		fail(out, "%s: %zu of %zu pages not at %#x (first: %#x)", what,
		     bad, npages, loc, first);
	return !bad;
}

/* Open device A (and B when @both) with a VM each. */
static int v_setup(const struct bench_env *env, struct vdev *d, bool both,
		   struct bench_out *out)
{
	if (vdev_open(&d[0], env->minor[0], env->index[0], out))
		return -1;
	if (both && vdev_open(&d[1], env->minor[1], env->index[1], out))
		return -1;
	return 0;
}

/* Read @buf back with the GPU of @d and check it holds the pattern. */
static bool v_readback(const struct vdev *d, void *buf, size_t size,
		       __u64 seed, struct bench_out *out, const char *what)
{
	void *tmp = out_alloc(size, out);
	bool ok;

	if (!tmp || v_exec(d, DRM_VSVM_EXEC_READ, buf, size, tmp, 0, 0, out))
		return false;
	ok = check(tmp, size, seed, out, what);
	munmap(tmp, size);
	return ok;
}

#define DEV(d)	DRM_VSVM_RESIDENCY_DEVICE((d)->index)

/* sys -> VRAM by PREFETCH. */
static int v_s2v_prefetch(const struct bench_env *env, size_t size,
			  struct bench_out *out)
{
	__u64 seed = sample_seed();
	struct vdev d[1];
	double t;
	void *buf;

	if (v_setup(env, d, false, out))
		return -1;
	buf = buf_alloc(env, size, false, out);
	if (!buf)
		return -1;
	fill(buf, size, seed);
	t = now();
	if (v_prefetch(&d[0], DRM_VSVM_LOCATION_DEVICE, buf, size, out))
		return -1;
	record(out, now() - t);
	if (!v_all_at(&d[0], buf, size, DEV(&d[0]), out, "after PREFETCH") ||
	    !v_readback(&d[0], buf, size, seed, out, "GPU read after PREFETCH") ||
	    !check(buf, size, seed, out, "CPU read after PREFETCH"))
		return -1;
	return 0;
}

/* sys -> VRAM by GPU faults: EXEC READ of populated memory. */
static int v_s2v_fault(const struct bench_env *env, size_t size,
		       struct bench_out *out)
{
	__u64 seed = sample_seed();
	struct vdev d[1];
	void *buf, *tmp;
	double t;

	if (v_setup(env, d, false, out))
		return -1;
	buf = buf_alloc(env, size, false, out);
	tmp = out_alloc(size, out);
	if (!buf || !tmp)
		return -1;
	fill(buf, size, seed);
	t = now();
	if (v_exec(&d[0], DRM_VSVM_EXEC_READ, buf, size, tmp, 0, 0, out))
		return -1;
	record(out, now() - t);
	if (!check(tmp, size, seed, out, "GPU read") ||
	    !v_all_at(&d[0], buf, size, DEV(&d[0]), out, "after GPU faults") ||
	    !check(buf, size, seed, out, "CPU read after GPU faults"))
		return -1;
	return 0;
}

/* GPU first touch of unpopulated memory: EXEC FILL. */
static int v_first_touch(const struct bench_env *env, size_t size,
			 struct bench_out *out)
{
	__u64 value = sample_seed() | 1;
	struct vdev d[1];
	void *buf, *tmp;
	double t;

	if (v_setup(env, d, false, out))
		return -1;
	buf = buf_alloc(env, size, false, out);
	tmp = out_alloc(size, out);
	if (!buf || !tmp)
		return -1;
	t = now();
	if (v_exec(&d[0], DRM_VSVM_EXEC_FILL, buf, size, NULL, value, 8, out))
		return -1;
	record(out, now() - t);
	if (!v_all_at(&d[0], buf, size, DEV(&d[0]), out, "after FILL") ||
	    v_exec(&d[0], DRM_VSVM_EXEC_READ, buf, size, tmp, 0, 0, out) ||
	    !check_value(tmp, size, value, out, "GPU read after FILL") ||
	    !check_value(buf, size, value, out, "CPU read after FILL"))
		return -1;
	return 0;
}

/* VRAM -> sys by PREFETCH. */
static int v_v2s_prefetch(const struct bench_env *env, size_t size,
			  struct bench_out *out)
{
	__u64 seed = sample_seed();
	struct vdev d[1];
	double t;
	void *buf;

	if (v_setup(env, d, false, out))
		return -1;
	buf = buf_alloc(env, size, false, out);
	if (!buf)
		return -1;
	fill(buf, size, seed);
	if (v_prefetch(&d[0], DRM_VSVM_LOCATION_DEVICE, buf, size, out) ||
	    !v_all_at(&d[0], buf, size, DEV(&d[0]), out, "before"))
		return -1;
	t = now();
	if (v_prefetch(&d[0], DRM_VSVM_LOCATION_SYSTEM, buf, size, out))
		return -1;
	record(out, now() - t);
	if (!v_all_at(&d[0], buf, size, DRM_VSVM_RESIDENCY_SYSTEM, out,
		      "after PREFETCH to system") ||
	    !check(buf, size, seed, out, "CPU read after PREFETCH"))
		return -1;
	return 0;
}

/* VRAM -> sys by CPU faults: the CPU reads a byte of every page. */
static int v_v2s_cpufault(const struct bench_env *env, size_t size,
			  struct bench_out *out)
{
	__u64 seed = sample_seed();
	struct vdev d[1];
	double t;
	void *buf;

	if (v_setup(env, d, false, out))
		return -1;
	buf = buf_alloc(env, size, false, out);
	if (!buf)
		return -1;
	fill(buf, size, seed);
	if (v_prefetch(&d[0], DRM_VSVM_LOCATION_DEVICE, buf, size, out) ||
	    !v_all_at(&d[0], buf, size, DEV(&d[0]), out, "before"))
		return -1;
	t = now();
	touch(buf, size);
	record(out, now() - t);
	if (!v_all_at(&d[0], buf, size, DRM_VSVM_RESIDENCY_SYSTEM, out,
		      "after CPU faults") ||
	    !check(buf, size, seed, out, "CPU read after CPU faults"))
		return -1;
	return 0;
}

/*
 * In-place GPU reads of system memory: private memory advised to stay in
 * system memory, or shared memory (used in place). @warm: time a second
 * read, its pages already bound.
 */
static int v_sys_read(const struct bench_env *env, size_t size, bool warm,
		      bool shared, struct bench_out *out)
{
	__u64 seed = sample_seed();
	struct vdev d[1];
	void *buf, *tmp;
	double t;

	if (v_setup(env, d, false, out))
		return -1;
	buf = buf_alloc(env, size, shared, out);
	tmp = out_alloc(size, out);
	if (!buf || !tmp)
		return -1;
	fill(buf, size, seed);
	if (!shared && v_madvise(&d[0], DRM_VSVM_MADVISE_PREFERRED_LOC,
				 DRM_VSVM_LOCATION_SYSTEM, buf, size, out))
		return -1;
	if (warm) {
		if (v_exec(&d[0], DRM_VSVM_EXEC_READ, buf, size, tmp, 0, 0,
			   out) ||
		    !check(tmp, size, seed, out, "first GPU read"))
			return -1;
		memset(tmp, 0, size);
		out->gpu_faults = 0;
	}
	t = now();
	if (v_exec(&d[0], DRM_VSVM_EXEC_READ, buf, size, tmp, 0, 0, out))
		return -1;
	record(out, now() - t);
	if (!check(tmp, size, seed, out, "GPU read") ||
	    !v_all_at(&d[0], buf, size, DRM_VSVM_RESIDENCY_SYSTEM, out,
		      "after in-place reads"))
		return -1;
	return 0;
}

static int v_sys_read_cold(const struct bench_env *env, size_t size,
			   struct bench_out *out)
{
	return v_sys_read(env, size, false, false, out);
}

static int v_sys_read_warm(const struct bench_env *env, size_t size,
			   struct bench_out *out)
{
	return v_sys_read(env, size, true, false, out);
}

static int v_sys_read_shared(const struct bench_env *env, size_t size,
			     struct bench_out *out)
{
	return v_sys_read(env, size, false, true, out);
}

/* GPU reads of its own VRAM, warm (bound by an earlier read). */
static int v_vram_read(const struct bench_env *env, size_t size,
		       struct bench_out *out)
{
	__u64 seed = sample_seed();
	struct vdev d[1];
	void *buf, *tmp;
	double t;

	if (v_setup(env, d, false, out))
		return -1;
	buf = buf_alloc(env, size, false, out);
	tmp = out_alloc(size, out);
	if (!buf || !tmp)
		return -1;
	fill(buf, size, seed);
	if (v_prefetch(&d[0], DRM_VSVM_LOCATION_DEVICE, buf, size, out) ||
	    v_exec(&d[0], DRM_VSVM_EXEC_READ, buf, size, tmp, 0, 0, out) ||
	    !check(tmp, size, seed, out, "first GPU read"))
		return -1;
	memset(tmp, 0, size);
	out->gpu_faults = 0;
	t = now();
	if (v_exec(&d[0], DRM_VSVM_EXEC_READ, buf, size, tmp, 0, 0, out))
		return -1;
	record(out, now() - t);
	if (!check(tmp, size, seed, out, "GPU read") ||
	    !v_all_at(&d[0], buf, size, DEV(&d[0]), out, "after reads"))
		return -1;
	return 0;
}

/* VRAM of A -> VRAM of B: directly over P2P, or through system memory. */
static int v_p2p(const struct bench_env *env, size_t size, bool bounce,
		 struct bench_out *out)
{
	__u64 seed = sample_seed();
	struct vdev d[2];
	double t;
	void *buf;

	if (v_setup(env, d, true, out))
		return -1;
	buf = buf_alloc(env, size, false, out);
	if (!buf)
		return -1;
	fill(buf, size, seed);
	if (v_prefetch(&d[0], DRM_VSVM_LOCATION_DEVICE, buf, size, out) ||
	    !v_all_at(&d[0], buf, size, DEV(&d[0]), out, "in A's VRAM"))
		return -1;
	t = now();
	if (bounce &&
	    v_prefetch(&d[0], DRM_VSVM_LOCATION_SYSTEM, buf, size, out))
		return -1;
	if (v_prefetch(&d[1], DRM_VSVM_LOCATION_DEVICE, buf, size, out))
		return -1;
	record(out, now() - t);
	if (!v_all_at(&d[1], buf, size, DEV(&d[1]), out, "in B's VRAM") ||
	    !v_readback(&d[1], buf, size, seed, out, "B's read") ||
	    !check(buf, size, seed, out, "CPU read"))
		return -1;
	return 0;
}

static int v_p2p_direct(const struct bench_env *env, size_t size,
			struct bench_out *out)
{
	return v_p2p(env, size, false, out);
}

static int v_p2p_bounce(const struct bench_env *env, size_t size,
			struct bench_out *out)
{
	return v_p2p(env, size, true, out);
}

/* B reads A's VRAM in place over P2P (B migrates only system pages). */
static int v_p2p_read(const struct bench_env *env, size_t size,
		      struct bench_out *out)
{
	__u64 seed = sample_seed();
	struct vdev d[2];
	void *buf, *tmp;
	double t;

	if (v_setup(env, d, true, out))
		return -1;
	buf = buf_alloc(env, size, false, out);
	tmp = out_alloc(size, out);
	if (!buf || !tmp)
		return -1;
	fill(buf, size, seed);
	if (v_prefetch(&d[0], DRM_VSVM_LOCATION_DEVICE, buf, size, out) ||
	    v_madvise(&d[1], DRM_VSVM_MADVISE_MIGRATION_POLICY,
		      DRM_VSVM_MIGRATE_ONLY_SYSTEM_PAGES, buf, size, out))
		return -1;
	t = now();
	if (v_exec(&d[1], DRM_VSVM_EXEC_READ, buf, size, tmp, 0, 0, out))
		return -1;
	record(out, now() - t);
	if (!check(tmp, size, seed, out, "B's read") ||
	    !v_all_at(&d[0], buf, size, DEV(&d[0]), out, "still in A's VRAM"))
		return -1;
	return 0;
}

/* The reads of the access-counter paths. */
#define ACC_READS	20

/*
 * B reads A's VRAM @ACC_READS times, in place over P2P (B migrates only
 * system pages), with access counters on or off for B's VM: on, the
 * counters move the buffer into B's VRAM after the threshold, and the
 * later reads are local. The time is that of all the reads.
 */
static int v_acc_read(const struct bench_env *env, size_t size, bool on,
		      struct bench_out *out)
{
	__u64 seed = sample_seed();
	struct vdev d[2];
	void *buf, *tmp;
	double t, total;
	unsigned int i;

	if (v_setup(env, d, true, out))
		return -1;
	buf = buf_alloc(env, size, false, out);
	tmp = out_alloc(size, out);
	if (!buf || !tmp)
		return -1;
	fill(buf, size, seed);
	if (v_prefetch(&d[0], DRM_VSVM_LOCATION_DEVICE, buf, size, out) ||
	    v_madvise(&d[1], DRM_VSVM_MADVISE_MIGRATION_POLICY,
		      DRM_VSVM_MIGRATE_ONLY_SYSTEM_PAGES, buf, size, out) ||
	    v_madvise(&d[1], DRM_VSVM_MADVISE_ACCESS_COUNTERS,
		      on ? DRM_VSVM_ACCESS_COUNTERS_ON :
		      DRM_VSVM_ACCESS_COUNTERS_OFF, buf, size, out))
		return -1;
	for (i = 0, total = 0; i < ACC_READS; i++) {
		memset(tmp, 0, size);
		t = now();
		if (v_exec(&d[1], DRM_VSVM_EXEC_READ, buf, size, tmp, 0, 0,
			   out))
			return -1;
		total += now() - t;
		if (!check(tmp, size, seed, out, "B's read"))
			return -1;
	}
	record(out, total);
	if (!v_all_at(&d[1], buf, size, on ? DEV(&d[1]) : DEV(&d[0]), out,
		      on ? "moved to B's VRAM by the counters" :
		      "still in A's VRAM"))
		return -1;
	return 0;
}

static int v_acc_read_off(const struct bench_env *env, size_t size,
			  struct bench_out *out)
{
	return v_acc_read(env, size, false, out);
}

static int v_acc_read_on(const struct bench_env *env, size_t size,
			 struct bench_out *out)
{
	return v_acc_read(env, size, true, out);
}

/* The rounds of the read-replica paths. */
#define RM_ROUNDS	20

/*
 * The devices of the largest owner group (up to four) take turns reading
 * one buffer, @RM_ROUNDS rounds, with MADVISE READ_MOSTLY on or off in
 * every VM. Off, each read faults and migrates the buffer into the
 * reader's VRAM; on, the first read makes the master, the others get
 * read replicas, and every later read is local. The time is that of all
 * the reads; every read is checked.
 */
static int v_rm_read(const struct bench_env *env, size_t size, bool on,
		     struct bench_out *out)
{
	__u64 seed = sample_seed();
	struct vdev d[BENCH_GROUP_MAX];
	unsigned int i, r;
	double t, total = 0;
	void *buf, *tmp;

	if (env->ngroup < 2) {
		fail(out, "no two devices of one owner group");
		return -1;
	}
	for (i = 0; i < env->ngroup; i++)
		if (vdev_open(&d[i], env->group_minor[i], env->group_index[i],
			      out))
			return -1;
	buf = buf_alloc(env, size, false, out);
	tmp = out_alloc(size, out);
	if (!buf || !tmp)
		return -1;
	fill(buf, size, seed);
	for (i = 0; on && i < env->ngroup; i++)
		if (v_madvise(&d[i], DRM_VSVM_MADVISE_READ_MOSTLY,
			      DRM_VSVM_READ_MOSTLY_ON, buf, size, out))
			return -1;
	for (r = 0; r < RM_ROUNDS; r++) {
		for (i = 0; i < env->ngroup; i++) {
			memset(tmp, 0, size);
			t = now();
			if (v_exec(&d[i], DRM_VSVM_EXEC_READ, buf, size, tmp, 0,
				   0, out))
				return -1;
			total += now() - t;
			if (!check(tmp, size, seed, out, "a reader's read"))
				return -1;
		}
	}
	record(out, total);
	if (!check(buf, size, seed, out, "CPU read"))
		return -1;
	return 0;
}

static int v_rm_read_off(const struct bench_env *env, size_t size,
			 struct bench_out *out)
{
	return v_rm_read(env, size, false, out);
}

static int v_rm_read_on(const struct bench_env *env, size_t size,
			struct bench_out *out)
{
	return v_rm_read(env, size, true, out);
}

/*
 * Single-fault latency: @env->lat_samples + 1 slots of @size bytes, each a
 * VMA of its own (so one GPU fault covers exactly one slot: a range never
 * crosses a VMA), between PROT_NONE gaps, all set up before the first
 * timed fault so that no munmap() or teardown runs in between. Returns the
 * address of slot 0; slot i is at slot 0 + i * *@stride.
 */
static char *slots_alloc(const struct bench_env *env, size_t size,
			 size_t *stride, struct bench_out *out)
{
	unsigned int n = env->lat_samples + 1, i;
	size_t align = size < SZ_2M ? size : SZ_2M;
	char *base, *p;

	*stride = size + align;
	base = mmap(NULL, n * *stride + align, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED) {
		fail(out, "mmap: %s", strerror(errno));
		return NULL;
	}
	p = (char *)(((uintptr_t)base + align - 1) & ~(uintptr_t)(align - 1));
	for (i = 0; i < n; i++) {
		char *slot = p + i * *stride;

		if (mprotect(slot, size, PROT_READ | PROT_WRITE)) {
			fail(out, "mprotect: %s", strerror(errno));
			return NULL;
		}
		if (env->thp && madvise(slot, size, env->thp > 0 ?
					MADV_HUGEPAGE : MADV_NOHUGEPAGE)) {
			fail(out, "madvise THP: %s", strerror(errno));
			return NULL;
		}
	}
	return p;
}

/*
 * vsvm's single faults: each slot migrated to VRAM by one GPU fault (EXEC
 * READ of the slot), or brought back by the CPU reading each of its pages
 * (@cpu), after a PREFETCH of every slot. Slot 0 warms up the VM and is
 * not recorded.
 */
static int v_latency(const struct bench_env *env, size_t size, bool cpu,
		     struct bench_out *out)
{
	unsigned int n = env->lat_samples + 1, i;
	__u64 seed = sample_seed();
	size_t stride;
	struct vdev d[1];
	char *slots;
	void *tmp;

	tmp = out_alloc(size * n, out);
	slots = slots_alloc(env, size, &stride, out);
	if (!tmp || !slots || v_setup(env, d, false, out))
		return -1;
	for (i = 0; i < n; i++) {
		fill(slots + i * stride, size, seed + i);
		if (cpu && v_prefetch(&d[0], DRM_VSVM_LOCATION_DEVICE,
				      slots + i * stride, size, out))
			return -1;
	}
	for (i = 0; i < n; i++) {
		char *slot = slots + i * stride;
		double t = now();

		if (cpu)
			touch(slot, size);
		else if (v_exec(&d[0], DRM_VSVM_EXEC_READ, slot, size,
				(char *)tmp + i * size, 0, 0, out))
			return -1;
		t = now() - t;
		if (i)
			record(out, t);
		else
			out->gpu_faults = 0;
	}
	for (i = 0; i < n; i++) {
		char *slot = slots + i * stride;

		if (!v_all_at(&d[0], slot, size, cpu ?
			      DRM_VSVM_RESIDENCY_SYSTEM : DEV(&d[0]), out,
			      cpu ? "after the CPU fault" : "after the GPU fault") ||
		    (!cpu && !check((char *)tmp + i * size, size, seed + i,
				    out, "GPU read")) ||
		    !check(slot, size, seed + i, out, "CPU read"))
			return -1;
	}
	return 0;
}

static int v_lat_gpu(const struct bench_env *env, size_t size,
		     struct bench_out *out)
{
	return v_latency(env, size, false, out);
}

static int v_lat_cpu(const struct bench_env *env, size_t size,
		     struct bench_out *out)
{
	return v_latency(env, size, true, out);
}

/* ---- the CPU ---- */

/* The guest's memcpy between two populated buffers: the upper limit. */
static int c_memcpy(const struct bench_env *env, size_t size,
		    struct bench_out *out)
{
	__u64 seed = sample_seed();
	void *src, *dst;
	double t;

	src = buf_alloc(env, size, false, out);
	/* Populated and off the source's alignment, as every result is. */
	dst = out_alloc(size, out);
	if (!src || !dst)
		return -1;
	fill(src, size, seed);
	t = now();
	memcpy(dst, src, size);
	record(out, now() - t);
	return check(dst, size, seed, out, "copy") ? 0 : -1;
}

/* ---- test_hmm ---- */

#ifdef BENCH_TEST_HMM
static int hmm_open(const struct bench_env *env, struct bench_out *out)
{
	int fd = open(env->hmm_path, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		fail(out, "open %s: %s", env->hmm_path, strerror(errno));
	return fd;
}

static int hmm_cmd(int fd, unsigned long req, void *va, size_t size,
		   void *ptr, struct bench_out *out, const char *what)
{
	struct hmm_dmirror_cmd c = {
		.addr = (uintptr_t)va,
		.ptr = (uintptr_t)ptr,
		.npages = size / PAGE,
	};
	int err = xioctl(fd, req, &c);

	if (err) {
		fail(out, "%s: %s", what, strerror(-err));
		return err;
	}
	if (c.cpages != size / PAGE) {
		fail(out, "%s: %llu of %zu pages", what,
		     (unsigned long long)c.cpages, size / PAGE);
		return -EIO;
	}
	return 0;
}

/*
 * Whether every page of @va is in test_hmm's device memory (@dev) or not
 * (system memory), by its SNAPSHOT.
 */
static bool hmm_all_at(int fd, void *va, size_t size, bool dev,
		       struct bench_out *out, const char *what)
{
	size_t npages = size / PAGE, i;
	__u8 *perm = calloc(npages, 1);
	bool ok = true;

	if (!perm) {
		fail(out, "out of memory");
		return false;
	}
	if (hmm_cmd(fd, HMM_DMIRROR_SNAPSHOT, va, size, perm, out,
		    "SNAPSHOT")) {
		free(perm);
		return false;
	}
	for (i = 0; i < npages && ok; i++) {
		bool on_dev = (perm[i] & 0xf0) ==
			      HMM_DMIRROR_PROT_DEV_PRIVATE_LOCAL;

		if (on_dev != dev) {
			fail(out, "%s: page %zu: snapshot %#x", what, i,
			     perm[i]);
			ok = false;
		}
	}
	free(perm);
	return ok;
}

/*
 * sys -> device: MIGRATE_TO_DEV, which also reads the migrated data back
 * to the caller (as the vsvm side's GPU-fault read does). @populated:
 * the memory holds data, else it was never touched (first touch).
 */
static int h_to_dev(const struct bench_env *env, size_t size,
		    bool populated, struct bench_out *out)
{
	__u64 seed = sample_seed();
	void *buf, *tmp;
	double t;
	int fd;

	fd = hmm_open(env, out);
	if (fd < 0)
		return -1;
	buf = buf_alloc(env, size, false, out);
	tmp = out_alloc(size, out);
	if (!buf || !tmp)
		return -1;
	if (populated)
		fill(buf, size, seed);
	t = now();
	if (hmm_cmd(fd, HMM_DMIRROR_MIGRATE_TO_DEV, buf, size, tmp, out,
		    "MIGRATE_TO_DEV"))
		return -1;
	record(out, now() - t);
	if (!hmm_all_at(fd, buf, size, true, out, "after MIGRATE_TO_DEV"))
		return -1;
	if (populated)
		return check(tmp, size, seed, out, "read back") &&
		       check(buf, size, seed, out, "CPU read") ? 0 : -1;
	return check_value(tmp, size, 0, out, "read back") &&
	       check_value(buf, size, 0, out, "CPU read") ? 0 : -1;
}

static int h_s2v(const struct bench_env *env, size_t size,
		 struct bench_out *out)
{
	return h_to_dev(env, size, true, out);
}

static int h_first_touch(const struct bench_env *env, size_t size,
			 struct bench_out *out)
{
	return h_to_dev(env, size, false, out);
}

/* device -> sys: MIGRATE_TO_SYS, or CPU faults (@cpu). */
static int h_to_sys(const struct bench_env *env, size_t size, bool cpu,
		    struct bench_out *out)
{
	__u64 seed = sample_seed();
	void *buf, *tmp;
	double t;
	int fd;

	fd = hmm_open(env, out);
	if (fd < 0)
		return -1;
	buf = buf_alloc(env, size, false, out);
	tmp = out_alloc(size, out);
	if (!buf || !tmp)
		return -1;
	fill(buf, size, seed);
	if (hmm_cmd(fd, HMM_DMIRROR_MIGRATE_TO_DEV, buf, size, tmp, out,
		    "MIGRATE_TO_DEV") ||
	    !hmm_all_at(fd, buf, size, true, out, "before"))
		return -1;
	t = now();
	if (cpu)
		touch(buf, size);
	else if (hmm_cmd(fd, HMM_DMIRROR_MIGRATE_TO_SYS, buf, size, NULL,
			 out, "MIGRATE_TO_SYS"))
		return -1;
	record(out, now() - t);
	if (!hmm_all_at(fd, buf, size, false, out, "after") ||
	    !check(buf, size, seed, out, "CPU read"))
		return -1;
	return 0;
}

static int h_v2s_migrate(const struct bench_env *env, size_t size,
			 struct bench_out *out)
{
	return h_to_sys(env, size, false, out);
}

static int h_v2s_cpufault(const struct bench_env *env, size_t size,
			  struct bench_out *out)
{
	return h_to_sys(env, size, true, out);
}

/* Device reads (HMM_DMIRROR_READ) of system memory or of device memory. */
static int h_read(const struct bench_env *env, size_t size, bool warm,
		  bool shared, bool dev, struct bench_out *out)
{
	__u64 seed = sample_seed();
	void *buf, *tmp;
	double t;
	int fd;

	fd = hmm_open(env, out);
	if (fd < 0)
		return -1;
	buf = buf_alloc(env, size, shared, out);
	tmp = out_alloc(size, out);
	if (!buf || !tmp)
		return -1;
	fill(buf, size, seed);
	if (dev && hmm_cmd(fd, HMM_DMIRROR_MIGRATE_TO_DEV, buf, size, tmp,
			   out, "MIGRATE_TO_DEV"))
		return -1;
	if (warm) {
		if (hmm_cmd(fd, HMM_DMIRROR_READ, buf, size, tmp, out,
			    "first READ") ||
		    !check(tmp, size, seed, out, "first read"))
			return -1;
		memset(tmp, 0, size);
	}
	t = now();
	if (hmm_cmd(fd, HMM_DMIRROR_READ, buf, size, tmp, out, "READ"))
		return -1;
	record(out, now() - t);
	if (!check(tmp, size, seed, out, "device read") ||
	    !hmm_all_at(fd, buf, size, dev, out, "after reads"))
		return -1;
	return 0;
}

static int h_sys_read_cold(const struct bench_env *env, size_t size,
			   struct bench_out *out)
{
	return h_read(env, size, false, false, false, out);
}

static int h_sys_read_warm(const struct bench_env *env, size_t size,
			   struct bench_out *out)
{
	return h_read(env, size, true, false, false, out);
}

static int h_sys_read_shared(const struct bench_env *env, size_t size,
			     struct bench_out *out)
{
	return h_read(env, size, false, true, false, out);
}

static int h_vram_read(const struct bench_env *env, size_t size,
		       struct bench_out *out)
{
	return h_read(env, size, true, false, true, out);
}

/* test_hmm's single faults, as v_latency(): MIGRATE_TO_DEV, or CPU faults. */
static int h_latency(const struct bench_env *env, size_t size, bool cpu,
		     struct bench_out *out)
{
	unsigned int n = env->lat_samples + 1, i;
	__u64 seed = sample_seed();
	size_t stride;
	char *slots;
	void *tmp;
	int fd;

	tmp = out_alloc(size * n, out);
	slots = slots_alloc(env, size, &stride, out);
	if (!tmp || !slots)
		return -1;
	fd = hmm_open(env, out);
	if (fd < 0)
		return -1;
	for (i = 0; i < n; i++) {
		fill(slots + i * stride, size, seed + i);
		if (cpu && hmm_cmd(fd, HMM_DMIRROR_MIGRATE_TO_DEV,
				   slots + i * stride, size,
				   (char *)tmp + i * size, out,
				   "MIGRATE_TO_DEV"))
			return -1;
	}
	for (i = 0; i < n; i++) {
		char *slot = slots + i * stride;
		double t = now();

		if (cpu)
			touch(slot, size);
		else if (hmm_cmd(fd, HMM_DMIRROR_MIGRATE_TO_DEV, slot, size,
				 (char *)tmp + i * size, out,
				 "MIGRATE_TO_DEV"))
			return -1;
		t = now() - t;
		if (i)
			record(out, t);
	}
	for (i = 0; i < n; i++) {
		char *slot = slots + i * stride;

		if (!hmm_all_at(fd, slot, size, !cpu, out,
				cpu ? "after the CPU fault" :
				"after MIGRATE_TO_DEV") ||
		    !check((char *)tmp + i * size, size, seed + i, out,
			   "read back") ||
		    !check(slot, size, seed + i, out, "CPU read"))
			return -1;
	}
	return 0;
}

static int h_lat_gpu(const struct bench_env *env, size_t size,
		     struct bench_out *out)
{
	return h_latency(env, size, false, out);
}

static int h_lat_cpu(const struct bench_env *env, size_t size,
		     struct bench_out *out)
{
	return h_latency(env, size, true, out);
}

#else
/* Built without test_hmm's UAPI: there is no test_hmm side. */
#define h_s2v	NULL
#define h_first_touch	NULL
#define h_v2s_migrate	NULL
#define h_v2s_cpufault	NULL
#define h_sys_read_cold	NULL
#define h_sys_read_warm	NULL
#define h_sys_read_shared	NULL
#define h_vram_read	NULL
#define h_lat_gpu	NULL
#define h_lat_cpu	NULL
#endif

/* ---- the paths ---- */

const struct bench_path bench_paths[] = {
	{ "s2v-prefetch", "sys -> VRAM, PREFETCH", BENCH_THROUGHPUT, false,
	  { v_s2v_prefetch, h_s2v }, "MIGRATE_TO_DEV" },
	{ "s2v-gpufault", "sys -> VRAM, GPU faults (EXEC READ)",
	  BENCH_THROUGHPUT, false, { v_s2v_fault, h_s2v },
	  "MIGRATE_TO_DEV" },
	{ "first-touch", "GPU first touch (EXEC FILL, unpopulated)",
	  BENCH_THROUGHPUT, false, { v_first_touch, h_first_touch },
	  "MIGRATE_TO_DEV, unpopulated" },
	{ "v2s-prefetch", "VRAM -> sys, PREFETCH", BENCH_THROUGHPUT, false,
	  { v_v2s_prefetch, h_v2s_migrate }, "MIGRATE_TO_SYS" },
	{ "v2s-cpufault", "VRAM -> sys, CPU faults", BENCH_THROUGHPUT, false,
	  { v_v2s_cpufault, h_v2s_cpufault }, "CPU faults" },
	{ "sys-read-cold", "device reads sys in place, cold",
	  BENCH_THROUGHPUT, false, { v_sys_read_cold, h_sys_read_cold },
	  "READ, cold" },
	{ "sys-read-warm", "device reads sys in place, warm",
	  BENCH_THROUGHPUT, false, { v_sys_read_warm, h_sys_read_warm },
	  "READ, warm" },
	{ "sys-read-shared", "device reads shared sys in place, cold",
	  BENCH_THROUGHPUT, false,
	  { v_sys_read_shared, h_sys_read_shared }, "READ, shared" },
	{ "vram-read", "device reads own VRAM, warm", BENCH_THROUGHPUT, false,
	  { v_vram_read, h_vram_read }, "READ of device memory, warm" },
	{ "p2p-direct", "VRAM A -> VRAM B, direct P2P", BENCH_THROUGHPUT,
	  true, { v_p2p_direct }, NULL },
	{ "p2p-bounce", "VRAM A -> sys -> VRAM B", BENCH_THROUGHPUT, true,
	  { v_p2p_bounce }, NULL },
	{ "p2p-read", "B reads A's VRAM in place", BENCH_THROUGHPUT, true,
	  { v_p2p_read }, NULL },
	{ "acc-read-off", "B reads A's VRAM in place 20x, counters off",
	  BENCH_THROUGHPUT, true, { v_acc_read_off }, NULL },
	{ "acc-read-on", "B reads A's VRAM 20x, counters on (moves to B)",
	  BENCH_THROUGHPUT, true, { v_acc_read_on }, NULL },
	{ "rm-read-off", "group devices read one buffer 20 rounds",
	  BENCH_THROUGHPUT, true, { v_rm_read_off }, NULL },
	{ "rm-read-on", "the same with READ_MOSTLY (read replicas)",
	  BENCH_THROUGHPUT, true, { v_rm_read_on }, NULL },
	{ "memcpy", "guest memcpy (the limit)", BENCH_THROUGHPUT, false,
	  { [BENCH_CPU] = c_memcpy }, NULL },
	{ "lat-gpu-fault", "GPU fault migrating to VRAM", BENCH_LATENCY,
	  false, { v_lat_gpu, h_lat_gpu }, "MIGRATE_TO_DEV" },
	{ "lat-cpu-fault", "CPU faults back to sys", BENCH_LATENCY, false,
	  { v_lat_cpu, h_lat_cpu }, "CPU faults" },
};

const unsigned int bench_num_paths = sizeof(bench_paths) /
				     sizeof(bench_paths[0]);

static bool vsvm_linked(int fd, unsigned int index)
{
	int link = vsvm_link(fd, index);

	return link == DRM_VSVM_LINK_P2P || link == DRM_VSVM_LINK_FABRIC;
}

/* The largest group of devices linked to each other, up to four. */
static void bench_env_group(struct bench_env *env, const int *fds,
			    const int *minors, const unsigned int *idx, int n)
{
	int g[BENCH_GROUP_MAX], i, j, k, m;

	env->ngroup = 0;
	for (i = 0; i < n; i++) {
		m = 0;
		g[m++] = i;
		for (j = i + 1; j < n && m < BENCH_GROUP_MAX; j++) {
			for (k = 0; k < m; k++)
				if (!vsvm_linked(fds[g[k]], idx[j]))
					break;
			if (k == m)
				g[m++] = j;
		}
		if ((unsigned int)m <= env->ngroup)
			continue;
		env->ngroup = m;
		for (k = 0; k < m; k++) {
			env->group_minor[k] = minors[g[k]];
			env->group_index[k] = idx[g[k]];
		}
	}
}

/**
 * bench_env_init() - find the devices to run on
 * @env: out: the devices; @env->thp and @env->lat_samples are kept
 * @want_hmm: look for test_hmm's device too
 * @err: out: why there is no device
 * @len: the size of @err
 *
 * Device A is the first vsvm device with a P2P peer (B), else the first
 * vsvm device (and there is no B).
 *
 * Return: 0, or -1 without a vsvm device.
 */
int bench_env_init(struct bench_env *env, bool want_hmm, char *err,
		   size_t len)
{
	struct drm_vsvm_query_device info;
	int fds[64], minors[64], n = 0, i, j, minor;
	unsigned int idx[64];
	char path[64];

	env->minor[0] = -1;
	env->minor[1] = -1;
	env->hmm_path[0] = '\0';
	for (minor = 128; minor < 192 && n < 64; minor++) {
		snprintf(path, sizeof(path), "/dev/dri/renderD%d", minor);
		fds[n] = open(path, O_RDWR | O_CLOEXEC);
		if (fds[n] < 0)
			continue;
		if (!is_vsvm(fds[n]) || vsvm_query_device(fds[n], &info)) {
			close(fds[n]);
			continue;
		}
		minors[n] = minor;
		idx[n++] = info.index;
	}
	if (!n) {
		snprintf(err, len, "no vsvm render node");
		return -1;
	}
	env->minor[0] = minors[0];
	env->index[0] = idx[0];
	for (i = 0; i < n && env->minor[1] < 0; i++)
		for (j = 0; j < n; j++)
			if (i != j && vsvm_link(fds[i], idx[j]) ==
				      DRM_VSVM_LINK_P2P) {
				env->minor[0] = minors[i];
				env->index[0] = idx[i];
				env->minor[1] = minors[j];
				env->index[1] = idx[j];
				break;
			}
	bench_env_group(env, fds, minors, idx, n);
	for (i = 0; i < n; i++)
		close(fds[i]);
#ifdef BENCH_TEST_HMM
	if (want_hmm && !access("/dev/hmm_dmirror0", R_OK | W_OK))
		snprintf(env->hmm_path, sizeof(env->hmm_path),
			 "/dev/hmm_dmirror0");
#else
	(void)want_hmm;
#endif
	return 0;
}

/* Read all of @len bytes from @fd; the bytes read. */
static size_t read_all(int fd, void *buf, size_t len)
{
	size_t got = 0;
	ssize_t r;

	while (got < len) {
		r = read(fd, (char *)buf + got, len - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += r;
	}
	return got;
}

/**
 * bench_sample() - run one sample of a path in a forked child
 * @env: the devices
 * @path: the path
 * @impl: the implementation to run it on
 * @size: the bytes of the sample
 * @out: out: the timings, or the error
 *
 * The child runs the path (its own file descriptors, VMs and memory,
 * released at its exit), writes @out down a pipe and exits.
 *
 * Return: 0, or -1 with the reason in @out->err.
 */
int bench_sample(const struct bench_env *env, const struct bench_path *path,
		 enum bench_impl impl, size_t size, struct bench_out *out)
{
	bench_fn fn = path->fn[impl];
	int pfd[2], status;
	size_t got;
	pid_t pid;

	memset(out, 0, sizeof(*out));
	if (!fn || (impl == BENCH_HMM && !env->hmm_path[0]) ||
	    (path->p2p && env->minor[1] < 0)) {
		fail(out, "%s: not available on %s", path->name,
		     bench_impl_names[impl]);
		return -1;
	}
	if (pipe(pfd)) {
		fail(out, "pipe: %s", strerror(errno));
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		fail(out, "fork: %s", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (!pid) {
		struct bench_out *o = calloc(1, sizeof(*o));
		int ret = 1;

		close(pfd[0]);
		if (o) {
			ret = fn(env, size, o) ? 1 : 0;
			if (ret && !o->err[0])
				fail(o, "failed");
			if (!ret && !o->n) {
				fail(o, "no timing");
				ret = 1;
			}
			if (write(pfd[1], o, sizeof(*o)) != sizeof(*o))
				ret = 2;
		}
		_exit(ret);
	}
	close(pfd[1]);
	got = read_all(pfd[0], out, sizeof(*out));
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (got != sizeof(*out)) {
		memset(out, 0, sizeof(*out));
		if (WIFSIGNALED(status))
			fail(out, "the sample's child died of signal %d",
			     WTERMSIG(status));
		else
			fail(out, "the sample's child exited %d without a result",
			     WEXITSTATUS(status));
		return -1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fail(out, "the sample's child failed (status %#x)", status);
		return -1;
	}
	return out->err[0] ? -1 : 0;
}
