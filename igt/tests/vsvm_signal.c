// SPDX-License-Identifier: MIT
/*
 * vsvm_signal: signals against every vsvm ioctl.
 *
 * vsvm's ioctls are interrupted by fatal signals only (the UAPI header's
 * "Signals"): a signal with a handler never makes one fail, with or
 * without SA_RESTART, and never changes what it does (data or
 * placement); SIGKILL ends a long one between two chunks of its work, in
 * bounded time, leaving nothing behind. The ioctls are made with one
 * ioctl() each (vsvm_call_set_once()), so that an EINTR the kernel
 * returns is seen, where libdrm's drmIoctl() would repeat the call.
 *
 * - prefetch-storm-*: a SIGALRM every 100 us (setitimer) with and without
 *   SA_RESTART while each device's buffer is PREFETCHed to its VRAM, to a
 *   peer's (pagemap fd) and back to system memory: each call succeeds,
 *   moves every page, RESIDENCY shows them where they were sent, every
 *   byte is intact.
 * - exec-storm-*: the same storm during EXEC WRITE, FILL, COPY,
 *   ATOMIC_INC and READ on every device, each one faulting and migrating
 *   the buffer into VRAM: each succeeds, the data is exact and the
 *   buffer in the device's VRAM.
 * - ioctl-storm-*: the storm while one thread per device runs random
 *   ioctls (every EXEC op, PREFETCH to system, VRAM and a peer, MADVISE
 *   and QUERY_RANGE_ATTRS, RESIDENCY, QUERY, DEVMEM_OPEN) and CPU
 *   accesses on its own buffer, checked against a model of every byte.
 *   Seeded: the seed is printed, VSVM_SEED replays it.
 * - pagemap-create-storm: the storm while threads DEVMEM_OPEN, PREFETCH
 *   to and fault into a device whose pagemap the shrinker destroyed, so
 *   that they wait for the one creating it: each call succeeds and the
 *   memory lands in the VRAM.
 * - kill-*: SIGKILL during a long PREFETCH (to VRAM, to system memory,
 *   to a peer) or EXEC (FILL, READ, COPY) of a child: the child is gone
 *   within a bound, before its call could have finished, and its VRAM
 *   and VM are freed.
 * - evict-storm, evict-kill: a process whose PREFETCH evicts another
 *   process's VRAM gets the storm (and succeeds), or SIGKILL (and dies in
 *   bounded time); the other process's bytes are intact either way.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "igt.h"
#include "vsvm_bind_lib.h"
#include "vsvm_exec_lib.h"
#include "vsvm_lib.h"
#include "vsvm_stress.h"
#include <drm/vsvm_drm.h>

#define MAX_DEVS	16
/* The storm's period. */
#define STORM_US	100
/* Buffers of the storm subtests (less on a device with less VRAM). */
#define STORM_BYTES	(8ul << 20)
#define EXEC_BYTES	(2ul << 20)
/* The buffer of each ioctl-storm thread. */
#define RAND_BYTES	(1024ul * 1024)
/* The long calls the kill subtests interrupt. */
#define KILL_BYTES	(32ul << 20)
/* How long a killed child may take to be gone, in ms. */
#define KILL_BOUND_MS	2000
/* How long after its call began a child is killed, in ms. */
#define KILL_AFTER_MS	40
/* How long freed VRAM may take to show as free, in ms. */
#define SETTLE_MS	10000

struct sig_dev {
	int fd;
	int minor;
	__u32 index;
	__u64 vram;
	/* devs[] index of a device linked by P2P or a fabric, or -1 */
	int peer;
};

static struct sig_dev devs[MAX_DEVS];
static int n_devs;
static size_t page_size;

/* SIGALRMs handled; the storm's handler counts them. */
static atomic_ulong storm_hits;
/* ... and by the thread that handled them */
static __thread unsigned long storm_thread_hits;
/*
 * The ioctls that had a signal pending when they returned (a signal that
 * comes during a call is handled on its return to user space).
 */
static atomic_ulong storm_in_calls;

static void storm_handler(int sig)
{
	(void)sig;
	atomic_fetch_add(&storm_hits, 1);
	storm_thread_hits++;
}

static void storm_handler_install(bool restart)
{
	struct sigaction sa = {
		.sa_handler = storm_handler,
		.sa_flags = restart ? SA_RESTART : 0,
	};

	sigemptyset(&sa.sa_mask);
	igt_assert_eq(sigaction(SIGALRM, &sa, NULL), 0);
}

/* A SIGALRM every STORM_US, with or without SA_RESTART. */
static void storm_start(bool restart)
{
	struct itimerval it = {
		.it_interval = { .tv_usec = STORM_US },
		.it_value = { .tv_usec = STORM_US },
	};

	storm_handler_install(restart);
	igt_assert_eq(setitimer(ITIMER_REAL, &it, NULL), 0);
}

/* Stops the storm; a late SIGALRM still finds the handler, restarting. */
static void storm_stop(void)
{
	struct itimerval it = {};

	setitimer(ITIMER_REAL, &it, NULL);
	storm_handler_install(true);
}

/* An assertion that stops the storm first. */
#define sig_assert(expr, f...) do {					\
	bool __ok = (expr);						\
									\
	if (!__ok) {							\
		storm_stop();						\
		igt_assert_f(__ok, f);					\
	}								\
} while (0)

static const char *sig_errname(int ret)
{
	switch (-ret) {
	case 0: return "0";
	case EINTR: return "-EINTR";
	case 512: return "-ERESTARTSYS";
	case 513: return "-ERESTARTNOINTR";
	case 514: return "-ERESTARTNOHAND";
	case 516: return "-ERESTART_RESTARTBLOCK";
	default: return strerror(-ret);
	}
}

/* One ioctl, counted if a signal came during it. */
static int sig_call(int fd, unsigned long req, void *arg)
{
	unsigned long h0 = storm_thread_hits;
	int ret = vsvm_call(fd, req, arg);

	if (storm_thread_hits != h0)
		atomic_fetch_add(&storm_in_calls, 1);
	return ret;
}

#define sig_call_ok(fd, req, arg, what) do {				\
	int __r = sig_call(fd, req, arg);				\
	sig_assert(__r == 0, "%s: %s (%d)\n", what, sig_errname(__r), __r); \
} while (0)

static __u64 now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

static __u64 pat(__u64 tag, size_t i)
{
	return (tag << 40) ^ (i * 0x9e3779b97f4a7c15ull) ^ 0x5a5a5a5a;
}

static void fill_pat(void *buf, size_t bytes, __u64 tag)
{
	__u64 *w = buf;
	size_t i;

	for (i = 0; i < bytes / 8; i++)
		w[i] = pat(tag, i);
}

/* The index of the first word that differs from the pattern, or -1. */
static long check_pat(const void *buf, size_t bytes, __u64 tag)
{
	const __u64 *w = buf;
	size_t i;

	for (i = 0; i < bytes / 8; i++)
		if (w[i] != pat(tag, i))
			return i;
	return -1;
}

static void *map_anon(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	igt_assert(p != MAP_FAILED);
	return p;
}

static __u32 vm_new(int fd)
{
	__u32 vm;

	igt_assert_eq(vsvm_vm_create(fd, &vm), 0);
	return vm;
}

static int devmem_open(int fd)
{
	struct drm_vsvm_devmem_open o = {};

	sig_call_ok(fd, DRM_IOCTL_VSVM_DEVMEM_OPEN, &o, "DEVMEM_OPEN");
	return o.fd;
}

static void prefetch(const struct sig_dev *d, __u32 vm, void *va,
		     size_t bytes, __u32 loc, int pfd, __u64 expect_moved)
{
	struct drm_vsvm_prefetch p = {
		.vm_id = vm,
		.location = loc,
		.start = (uintptr_t)va,
		.range = bytes,
		.fd = loc == DRM_VSVM_LOCATION_PAGEMAP_FD ? pfd : 0,
	};

	sig_call_ok(d->fd, DRM_IOCTL_VSVM_PREFETCH, &p, "PREFETCH");
	sig_assert(p.pages_migrated == expect_moved,
		   "renderD%d: PREFETCH to %u moved %llu pages, not %llu\n",
		   d->minor, loc, (unsigned long long)p.pages_migrated,
		   (unsigned long long)expect_moved);
}

/* Whether every page of [va, va + bytes) is at @want (RESIDENCY). */
static bool resident(const struct sig_dev *d, __u32 vm, const void *va,
		     size_t bytes, __u32 want, __u32 *first_bad)
{
	size_t n = bytes / page_size, i;
	__u32 *loc = calloc(n, sizeof(*loc));
	struct drm_vsvm_residency r = {
		.vm_id = vm,
		.start = (uintptr_t)va,
		.num_pages = n,
		.locations = (uintptr_t)loc,
	};
	bool ok = true;

	igt_assert(loc);
	sig_call_ok(d->fd, DRM_IOCTL_VSVM_RESIDENCY, &r, "RESIDENCY");
	for (i = 0; i < n && ok; i++)
		if (loc[i] != want) {
			ok = false;
			*first_bad = loc[i];
		}
	free(loc);
	return ok;
}

static void assert_resident(const struct sig_dev *d, __u32 vm,
			    const void *va, size_t bytes, __u32 want)
{
	__u32 bad = 0;

	sig_assert(resident(d, vm, va, bytes, want, &bad),
		   "renderD%d: a page at 0x%x, not 0x%x\n", d->minor, bad,
		   want);
}

static void exec_call(const struct sig_dev *d, struct drm_vsvm_exec *e,
		      const char *what)
{
	sig_call_ok(d->fd, DRM_IOCTL_VSVM_EXEC, e, what);
}

static void open_devices(void)
{
	struct vsvm_node nodes[MAX_DEVS];
	struct drm_vsvm_query_device q;
	int i, j;

	page_size = sysconf(_SC_PAGESIZE);
	n_devs = vsvm_open_nodes(nodes, MAX_DEVS);
	igt_require_f(n_devs > 0, "no vsvm device\n");
	for (i = 0; i < n_devs; i++) {
		devs[i].fd = nodes[i].fd;
		devs[i].minor = nodes[i].minor;
		vsvm_device_info(devs[i].fd, &q);
		devs[i].index = q.index;
		devs[i].vram = q.vram_size;
		devs[i].peer = -1;
	}
	for (i = 0; i < n_devs; i++)
		for (j = 0; j < n_devs && devs[i].peer < 0; j++) {
			__u32 l;

			if (j == i)
				continue;
			l = vsvm_link_to(devs[i].fd, devs[j].index);
			if (l == DRM_VSVM_LINK_P2P || l == DRM_VSVM_LINK_FABRIC)
				devs[i].peer = j;
		}
	vsvm_call_set_once(true);
}

static size_t dev_bytes(const struct sig_dev *d, size_t want)
{
	size_t cap = (d->vram / 4) & ~((size_t)page_size - 1);

	return want < cap ? want : cap;
}

static void storm_report(const char *what)
{
	unsigned long in = atomic_load(&storm_in_calls);

	igt_info("%s: %lu signals, %lu ioctls had one pending\n", what,
		 atomic_load(&storm_hits), in);
	igt_assert_f(in > 0, "%s: no signal came during an ioctl\n", what);
}

static void storm_reset(void)
{
	storm_stop();
	atomic_store(&storm_hits, 0);
	atomic_store(&storm_in_calls, 0);
}

/* ---- prefetch-storm ---- */

static void test_prefetch_storm(bool restart)
{
	int i;

	storm_reset();
	for (i = 0; i < n_devs; i++) {
		const struct sig_dev *d = &devs[i];
		const struct sig_dev *p = d->peer >= 0 ? &devs[d->peer] : NULL;
		size_t bytes = dev_bytes(d, STORM_BYTES);
		size_t npages = bytes / page_size;
		__u32 vm = vm_new(d->fd);
		void *buf = map_anon(bytes);
		void *out = map_anon(bytes);
		struct drm_vsvm_exec e = {
			.vm_id = vm, .op = DRM_VSVM_EXEC_READ,
			.va = (uintptr_t)buf, .size = bytes,
			.ptr = (uintptr_t)out,
		};
		int pfd = -1;
		long bad;

		if (p && dev_bytes(p, STORM_BYTES) < bytes)
			p = NULL;
		fill_pat(buf, bytes, i + 1);
		storm_start(restart);
		prefetch(d, vm, buf, bytes, DRM_VSVM_LOCATION_DEVICE, 0, npages);
		assert_resident(d, vm, buf, bytes,
				DRM_VSVM_RESIDENCY_DEVICE(d->index));
		if (p) {
			pfd = devmem_open(p->fd);
			prefetch(d, vm, buf, bytes, DRM_VSVM_LOCATION_PAGEMAP_FD,
				 pfd, npages);
			assert_resident(d, vm, buf, bytes,
					DRM_VSVM_RESIDENCY_DEVICE(p->index));
		}
		prefetch(d, vm, buf, bytes, DRM_VSVM_LOCATION_SYSTEM, 0, npages);
		assert_resident(d, vm, buf, bytes, DRM_VSVM_RESIDENCY_SYSTEM);
		prefetch(d, vm, buf, bytes, DRM_VSVM_LOCATION_DEVICE, 0, npages);
		exec_call(d, &e, "EXEC READ");
		storm_stop();
		bad = check_pat(out, bytes, i + 1);
		igt_assert_f(bad < 0, "renderD%d: GPU read word %ld wrong\n",
			     d->minor, bad);
		bad = check_pat(buf, bytes, i + 1);
		igt_assert_f(bad < 0, "renderD%d: word %ld wrong\n", d->minor,
			     bad);
		if (pfd >= 0)
			close(pfd);
		munmap(out, bytes);
		munmap(buf, bytes);
		igt_assert_eq(vsvm_vm_destroy(d->fd, vm), 0);
	}
	storm_report(restart ? "SA_RESTART" : "no SA_RESTART");
}

/* ---- exec-storm ---- */

static void test_exec_storm(bool restart)
{
	int i;

	storm_reset();
	for (i = 0; i < n_devs; i++) {
		const struct sig_dev *d = &devs[i];
		size_t bytes = dev_bytes(d, EXEC_BYTES), w, n = bytes / 8;
		__u32 vm = vm_new(d->fd);
		__u64 *src = map_anon(bytes), *dst = map_anon(bytes);
		__u64 *out = map_anon(bytes);
		__u32 here = DRM_VSVM_RESIDENCY_DEVICE(d->index);
		struct drm_vsvm_madvise ma = {
			.vm_id = vm, .type = DRM_VSVM_MADVISE_THRASHING,
			.start = (uintptr_t)dst, .range = bytes,
			.value = DRM_VSVM_THRASHING_OFF,
		};
		struct drm_vsvm_exec e;

		fill_pat(src, bytes, 100 + i);
		storm_start(restart);
		sig_call_ok(d->fd, DRM_IOCTL_VSVM_MADVISE, &ma, "MADVISE");

		/* WRITE: the first touch faults dst into VRAM */
		e = (struct drm_vsvm_exec){ .vm_id = vm,
			.op = DRM_VSVM_EXEC_WRITE, .va = (uintptr_t)dst,
			.size = bytes, .ptr = (uintptr_t)src };
		exec_call(d, &e, "EXEC WRITE");
		sig_assert(e.gpu_faults > 0, "WRITE raised no GPU fault\n");
		assert_resident(d, vm, dst, bytes, here);
		storm_stop();
		igt_assert_f(check_pat(dst, bytes, 100 + i) < 0,
			     "renderD%d: WRITE's data\n", d->minor);

		/* FILL, back into VRAM after the CPU's read */
		storm_start(restart);
		e = (struct drm_vsvm_exec){ .vm_id = vm,
			.op = DRM_VSVM_EXEC_FILL, .va = (uintptr_t)dst,
			.size = bytes, .width = 8, .value = 0x1122334455667788 };
		exec_call(d, &e, "EXEC FILL");
		assert_resident(d, vm, dst, bytes, here);
		storm_stop();
		for (w = 0; w < n; w++)
			igt_assert_f(dst[w] == 0x1122334455667788ull,
				     "renderD%d: FILL word %zu\n", d->minor, w);

		/* COPY src -> dst */
		storm_start(restart);
		e = (struct drm_vsvm_exec){ .vm_id = vm,
			.op = DRM_VSVM_EXEC_COPY, .va = (uintptr_t)dst,
			.src_va = (uintptr_t)src, .size = bytes };
		exec_call(d, &e, "EXEC COPY");
		assert_resident(d, vm, dst, bytes, here);

		/* ATOMIC_INC by 3: the pattern plus 3, exactly once */
		e = (struct drm_vsvm_exec){ .vm_id = vm,
			.op = DRM_VSVM_EXEC_ATOMIC_INC, .va = (uintptr_t)dst,
			.size = bytes, .width = 8, .value = 3 };
		exec_call(d, &e, "EXEC ATOMIC_INC");
		sig_assert(e.result == pat(100 + i, 0),
			   "ATOMIC_INC's old value %llx\n",
			   (unsigned long long)e.result);
		assert_resident(d, vm, dst, bytes, here);

		/* READ it back from VRAM */
		e = (struct drm_vsvm_exec){ .vm_id = vm,
			.op = DRM_VSVM_EXEC_READ, .va = (uintptr_t)dst,
			.size = bytes, .ptr = (uintptr_t)out };
		exec_call(d, &e, "EXEC READ");
		storm_stop();
		for (w = 0; w < n; w++) {
			igt_assert_f(out[w] == pat(100 + i, w) + 3,
				     "renderD%d: READ word %zu\n", d->minor, w);
			igt_assert_f(dst[w] == pat(100 + i, w) + 3,
				     "renderD%d: word %zu\n", d->minor, w);
		}
		munmap(out, bytes);
		munmap(dst, bytes);
		munmap(src, bytes);
		igt_assert_eq(vsvm_vm_destroy(d->fd, vm), 0);
	}
	storm_report(restart ? "SA_RESTART" : "no SA_RESTART");
}

/* ---- ioctl-storm ---- */

struct rand_worker {
	pthread_t thread;
	/* buf, model and io, in a region of their own (map_worker_region()) */
	__u8 *region;
	size_t region_off;
	const struct sig_dev *d;
	__u64 seed;
	const struct vsvm_stress *st;
	__u32 vm;
	__u8 *buf;
	__u8 *model;
	__u8 *io;
	unsigned long calls;
	/* RESIDENCY reads of NONE that went away (see rw_resident()) */
	unsigned long transient;
	/* the longest of those waits */
	__u64 longest_none_ms;
	char err[256];
};

static void __attribute__((format(printf, 2, 3)))
rw_fail(struct rand_worker *w, const char *f, ...)
{
	va_list ap;

	if (w->err[0])
		return;
	va_start(ap, f);
	vsnprintf(w->err, sizeof(w->err), f, ap);
	va_end(ap);
}

static int rw_call(struct rand_worker *w, unsigned long req, void *arg,
		   const char *what)
{
	int ret = sig_call(w->d->fd, req, arg);

	w->calls++;
	if (ret)
		rw_fail(w, "renderD%d: %s: %s (%d)", w->d->minor, what,
			sig_errname(ret), ret);
	return ret;
}

/*
 * A worker's buffers, in huge pages of their own: a transparent huge page
 * shared with another worker's buffer would be split by that worker's
 * migrations, and its pages would read "not present" meanwhile (the
 * kernel's migration entries), which PREFETCH documents it may skip.
 */
#define HUGE_BYTES	(2ul << 20)
#define WORKER_MAP	(4 * RAND_BYTES + 2 * HUGE_BYTES)

static __u8 *worker_region(size_t *off)
{
	__u8 *p = map_anon(WORKER_MAP);

	*off = (HUGE_BYTES - (uintptr_t)p % HUGE_BYTES) % HUGE_BYTES;
	return p + *off;
}

/* How long a page may read NONE (in migration) before it counts as lost. */
#define NONE_WAIT_MS	5000

/*
 * Every page of [off, off + len) of the buffer at @want, or, for @want
 * NONE, somewhere but OTHER. A page being moved meanwhile (by compaction,
 * khugepaged, or another thread's eviction of VRAM: a migration entry, or
 * no PMD for a moment) reads as NONE without being lost: such a page is
 * looked at again, and counted, until it shows; for NONE_WAIT_MS at most,
 * under TCG with every device's thread migrating. The longest wait is
 * reported.
 */
static void rw_resident(struct rand_worker *w, size_t off, size_t len,
			__u32 want)
{
	size_t n = len / page_size, i;
	__u32 loc[RAND_BYTES / 4096];
	struct drm_vsvm_residency r = {
		.vm_id = w->vm,
		.start = (uintptr_t)w->buf + off,
		.num_pages = n,
		.locations = (uintptr_t)loc,
	};
	__u64 t0 = now_ms(), waited;

	for (;;) {
		bool none = false;

		if (rw_call(w, DRM_IOCTL_VSVM_RESIDENCY, &r, "RESIDENCY"))
			return;
		for (i = 0; i < n; i++) {
			if (loc[i] == DRM_VSVM_RESIDENCY_NONE) {
				none = true;
				continue;
			}
			if (want == DRM_VSVM_RESIDENCY_NONE ?
			    loc[i] != DRM_VSVM_RESIDENCY_OTHER :
			    loc[i] == want)
				continue;
			rw_fail(w, "renderD%d: page %zu at 0x%x, not 0x%x",
				w->d->minor, off / page_size + i, loc[i], want);
			return;
		}
		waited = now_ms() - t0;
		if (!none)
			break;
		w->transient++;
		if (waited > NONE_WAIT_MS) {
			rw_fail(w, "renderD%d: a page of [%zu, %zu) reads NONE for %llu ms",
				w->d->minor, off / page_size,
				off / page_size + n,
				(unsigned long long)waited);
			return;
		}
		usleep(10000);
	}
	if (waited > w->longest_none_ms)
		w->longest_none_ms = waited;
}

static void rw_step(struct rand_worker *w, __u64 *rng, int pfd)
{
	size_t pages = RAND_BYTES / page_size;
	size_t first = vsvm_rand_below(rng, pages);
	size_t np = 1 + vsvm_rand_below(rng, pages - first);
	size_t off = first * page_size, len = np * page_size, i;
	uintptr_t va = (uintptr_t)w->buf + off;
	struct drm_vsvm_exec e = { .vm_id = w->vm, .va = va, .size = len };
	unsigned int op = vsvm_rand_below(rng, 13);
	__u64 v = vsvm_rand(rng);

	switch (op) {
	case 0:	/* EXEC WRITE */
		for (i = 0; i < len; i++)
			w->io[i] = vsvm_rand(rng);
		e.op = DRM_VSVM_EXEC_WRITE;
		e.ptr = (uintptr_t)w->io;
		if (!rw_call(w, DRM_IOCTL_VSVM_EXEC, &e, "EXEC WRITE"))
			memcpy(w->model + off, w->io, len);
		break;
	case 1:	/* EXEC READ */
		e.op = DRM_VSVM_EXEC_READ;
		e.ptr = (uintptr_t)w->io;
		if (!rw_call(w, DRM_IOCTL_VSVM_EXEC, &e, "EXEC READ") &&
		    memcmp(w->io, w->model + off, len))
			rw_fail(w, "renderD%d: READ at +%zu differs",
				w->d->minor, off);
		break;
	case 2:	/* EXEC FILL */
		e.op = DRM_VSVM_EXEC_FILL;
		e.width = 8;
		e.value = v;
		if (!rw_call(w, DRM_IOCTL_VSVM_EXEC, &e, "EXEC FILL"))
			for (i = 0; i < len; i += 8)
				memcpy(w->model + off + i, &v, 8);
		break;
	case 3: { /* EXEC COPY, one half of the buffer to the other */
		size_t half = pages / 2, n = 1 + vsvm_rand_below(rng, half);
		size_t s = vsvm_rand_below(rng, half - n + 1);
		size_t t = half + vsvm_rand_below(rng, half - n + 1);

		if (v & 1) {
			size_t x = s;

			s = t;
			t = x;
		}
		e.op = DRM_VSVM_EXEC_COPY;
		e.va = (uintptr_t)w->buf + t * page_size;
		e.src_va = (uintptr_t)w->buf + s * page_size;
		e.size = n * page_size;
		if (!rw_call(w, DRM_IOCTL_VSVM_EXEC, &e, "EXEC COPY"))
			memcpy(w->model + t * page_size,
			       w->model + s * page_size, n * page_size);
		break;
	}
	case 4:	/* EXEC ATOMIC_INC */
		e.op = DRM_VSVM_EXEC_ATOMIC_INC;
		e.width = 8;
		e.value = v >> 40;
		if (!rw_call(w, DRM_IOCTL_VSVM_EXEC, &e, "EXEC ATOMIC_INC")) {
			__u64 old;

			memcpy(&old, w->model + off, 8);
			if (e.result != old)
				rw_fail(w, "renderD%d: ATOMIC_INC old %llx, not %llx",
					w->d->minor,
					(unsigned long long)e.result,
					(unsigned long long)old);
			for (i = 0; i < len; i += 8) {
				memcpy(&old, w->model + off + i, 8);
				old += e.value;
				memcpy(w->model + off + i, &old, 8);
			}
		}
		break;
	case 5:	/* PREFETCH to the device's VRAM */
	case 6:	/* to system memory */
	case 7: { /* to the peer's VRAM, if any */
		static const __u32 locs[] = {
			DRM_VSVM_LOCATION_DEVICE, DRM_VSVM_LOCATION_SYSTEM,
			DRM_VSVM_LOCATION_PAGEMAP_FD,
		};
		struct drm_vsvm_prefetch p = {
			.vm_id = w->vm, .location = locs[op - 5],
			.start = va, .range = len,
		};
		__u32 want = DRM_VSVM_RESIDENCY_DEVICE(w->d->index);

		if (op == 7) {
			if (pfd < 0)
				break;
			p.fd = pfd;
			want = DRM_VSVM_RESIDENCY_DEVICE(devs[w->d->peer].index);
		} else if (op == 6) {
			want = DRM_VSVM_RESIDENCY_SYSTEM;
		}
		if (!rw_call(w, DRM_IOCTL_VSVM_PREFETCH, &p, "PREFETCH"))
			rw_resident(w, off, len, want);
		break;
	}
	case 8: { /* MADVISE the preferred location, read back */
		struct drm_vsvm_range_attr at[16];
		struct drm_vsvm_madvise m = {
			.vm_id = w->vm, .type = DRM_VSVM_MADVISE_PREFERRED_LOC,
			.start = va, .range = len,
			/* DEFAULT, SYSTEM or DEVICE */
			.value = vsvm_rand_below(rng, 3),
		};
		struct drm_vsvm_query_range_attrs q = {
			.vm_id = w->vm, .num_attrs = 16, .start = va,
			.range = len, .attrs = (uintptr_t)at,
		};
		__u64 at_va = va;

		if (rw_call(w, DRM_IOCTL_VSVM_MADVISE, &m, "MADVISE") ||
		    rw_call(w, DRM_IOCTL_VSVM_QUERY_RANGE_ATTRS, &q,
			    "QUERY_RANGE_ATTRS"))
			break;
		for (i = 0; i < q.num_attrs; i++) {
			if (at[i].start != at_va ||
			    at[i].preferred_loc != m.value)
				rw_fail(w, "renderD%d: attrs [%llx, %llx) loc %u, not %u at %llx",
					w->d->minor,
					(unsigned long long)at[i].start,
					(unsigned long long)at[i].end,
					at[i].preferred_loc, m.value,
					(unsigned long long)at_va);
			at_va = at[i].end;
		}
		if (at_va != va + len)
			rw_fail(w, "renderD%d: attrs end at %llx",
				w->d->minor, (unsigned long long)at_va);
		break;
	}
	case 9: /* RESIDENCY: every page somewhere */
		rw_resident(w, 0, RAND_BYTES, DRM_VSVM_RESIDENCY_NONE);
		break;
	case 10: { /* QUERY the device, and DEVMEM_OPEN its VRAM */
		struct drm_vsvm_query_device qd;
		struct drm_vsvm_query q = {
			.query = DRM_VSVM_QUERY_DEVICE, .size = sizeof(qd),
			.data = (uintptr_t)&qd,
		};
		struct drm_vsvm_devmem_open o = {};

		if (!rw_call(w, DRM_IOCTL_VSVM_QUERY, &q, "QUERY") &&
		    qd.index != w->d->index)
			rw_fail(w, "renderD%d: QUERY index %u", w->d->minor,
				qd.index);
		if (!rw_call(w, DRM_IOCTL_VSVM_DEVMEM_OPEN, &o, "DEVMEM_OPEN"))
			close(o.fd);
		break;
	}
	case 11: /* CPU read (faults VRAM pages back) */
		if (memcmp(w->buf + off, w->model + off, len))
			rw_fail(w, "renderD%d: CPU read at +%zu differs",
				w->d->minor, off);
		break;
	default: /* CPU write */
		for (i = 0; i < len; i += 8) {
			v = vsvm_rand(rng);
			memcpy(w->model + off + i, &v, 8);
		}
		memcpy(w->buf + off, w->model + off, len);
		break;
	}
}

static void *rw_thread(void *arg)
{
	struct rand_worker *w = arg;
	__u64 rng = w->seed;
	int pfd = -1;

	/* the peer's VRAM, opened on the peer's node */
	if (w->d->peer >= 0) {
		struct drm_vsvm_devmem_open o = {};
		int ret = sig_call(devs[w->d->peer].fd,
				   DRM_IOCTL_VSVM_DEVMEM_OPEN, &o);

		if (ret)
			rw_fail(w, "peer DEVMEM_OPEN: %s (%d)",
				sig_errname(ret), ret);
		else
			pfd = o.fd;
	}
	while (!w->err[0] && vsvm_stress_running(w->st))
		rw_step(w, &rng, pfd);
	if (!w->err[0] && memcmp(w->buf, w->model, RAND_BYTES))
		rw_fail(w, "renderD%d: buffer differs at the end", w->d->minor);
	if (pfd >= 0)
		close(pfd);
	return NULL;
}

static void test_ioctl_storm(bool restart)
{
	struct rand_worker w[MAX_DEVS] = {};
	struct vsvm_stress st;
	unsigned long calls = 0, transient = 0;
	__u64 longest = 0;
	sigset_t alrm, old;
	int i;

	storm_reset();
	/* the name makes the replay line: make test ONLY=vsvm_signal SEED= */
	vsvm_stress_init(&st, "vsvm_signal", 6);
	for (i = 0; i < n_devs; i++) {
		w[i].d = &devs[i];
		w[i].st = &st;
		w[i].seed = vsvm_stress_subseed(&st, i);
		w[i].vm = vm_new(devs[i].fd);
		w[i].region = worker_region(&w[i].region_off);
		w[i].buf = w[i].region;
		w[i].model = w[i].region + RAND_BYTES;
		w[i].io = w[i].region + 2 * RAND_BYTES;
		fill_pat(w[i].model, RAND_BYTES, 200 + i);
		memcpy(w[i].buf, w[i].model, RAND_BYTES);
		igt_assert_eq(vsvm_madvise(devs[i].fd, w[i].vm,
					   DRM_VSVM_MADVISE_THRASHING,
					   (uintptr_t)w[i].buf, RAND_BYTES,
					   DRM_VSVM_THRASHING_OFF, 0), 0);
	}
	storm_start(restart);
	for (i = 0; i < n_devs; i++)
		igt_assert_eq(pthread_create(&w[i].thread, NULL, rw_thread,
					     &w[i]), 0);
	/* the storm's signals go to the threads in their ioctls */
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &alrm, &old);
	for (i = 0; i < n_devs; i++)
		pthread_join(w[i].thread, NULL);
	storm_stop();
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	for (i = 0; i < n_devs; i++) {
		bool same = !memcmp(w[i].buf, w[i].model, RAND_BYTES);

		calls += w[i].calls;
		transient += w[i].transient;
		if (w[i].longest_none_ms > longest)
			longest = w[i].longest_none_ms;
		munmap(w[i].region - w[i].region_off, WORKER_MAP);
		igt_assert_eq(vsvm_vm_destroy(devs[i].fd, w[i].vm), 0);
		if (!w[i].err[0] && !same)
			snprintf(w[i].err, sizeof(w[i].err),
				 "renderD%d: data", devs[i].minor);
	}
	for (i = 0; i < n_devs; i++)
		igt_assert_f(!w[i].err[0], "seed %llu: %s\n",
			     (unsigned long long)st.seed, w[i].err);
	if (transient)
		igt_info("%lu RESIDENCY reads saw a page the kernel was moving, for %llu ms at most\n",
			 transient, (unsigned long long)longest);
	igt_info("%lu ioctls on %d devices\n", calls, n_devs);
	storm_report(restart ? "SA_RESTART" : "no SA_RESTART");
}

/* ---- first-use-storm ---- */

/*
 * A fresh process (its mm has no notifier yet) under the storm: VM_CREATE
 * and the first calls that insert notifiers into the mm. Exit 0, or the
 * number of the step that failed; 100 + that when no signal came.
 */
static void first_use_child(const struct sig_dev *d, bool restart)
{
	size_t bytes = 16 * page_size;
	struct drm_vsvm_vm_create vc = {};
	int fd = vsvm_open_minor(d->minor), ret, step;
	void *buf, *out;

	buf = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	out = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (fd < 0 || buf == MAP_FAILED || out == MAP_FAILED)
		_exit(99);
	fill_pat(buf, bytes, 21);
	storm_start(restart);
	{
		struct drm_vsvm_madvise ma = {
			.type = DRM_VSVM_MADVISE_THRASHING,
			.start = (uintptr_t)buf, .range = bytes,
			.value = DRM_VSVM_THRASHING_OFF,
		};
		__u32 loc[16];
		struct drm_vsvm_residency r = {
			.start = (uintptr_t)buf, .num_pages = 16,
			.locations = (uintptr_t)loc,
		};
		struct drm_vsvm_prefetch pf = {
			.location = DRM_VSVM_LOCATION_DEVICE,
			.start = (uintptr_t)buf, .range = bytes,
		};
		struct drm_vsvm_exec e = {
			.op = DRM_VSVM_EXEC_READ, .va = (uintptr_t)buf,
			.size = bytes, .ptr = (uintptr_t)out,
		};
		static const char * const names[] = {
			"", "VM_CREATE", "RESIDENCY", "MADVISE", "PREFETCH",
			"EXEC READ",
		};
		int i;

		ret = sig_call(fd, DRM_IOCTL_VSVM_VM_CREATE, &vc);
		step = 1;
		if (!ret) {
			r.vm_id = vc.vm_id;
			ma.vm_id = vc.vm_id;
			pf.vm_id = vc.vm_id;
			e.vm_id = vc.vm_id;
			step = 2;
			ret = sig_call(fd, DRM_IOCTL_VSVM_RESIDENCY, &r);
		}
		if (!ret) {
			step = 3;
			ret = sig_call(fd, DRM_IOCTL_VSVM_MADVISE, &ma);
		}
		if (!ret) {
			step = 4;
			ret = sig_call(fd, DRM_IOCTL_VSVM_PREFETCH, &pf);
		}
		if (!ret) {
			step = 5;
			ret = sig_call(fd, DRM_IOCTL_VSVM_EXEC, &e);
		}
		storm_stop();
		if (ret) {
			fprintf(stderr, "renderD%d: %s: %s (%d)\n", d->minor,
				names[step], sig_errname(ret), ret);
			_exit(step);
		}
		for (i = 0; i < 16; i++)
			if (loc[i] != DRM_VSVM_RESIDENCY_SYSTEM)
				_exit(6);
		/* where the PREFETCH put it */
		if (vsvm_call(fd, DRM_IOCTL_VSVM_RESIDENCY, &r))
			_exit(7);
		for (i = 0; i < 16; i++)
			if (loc[i] != DRM_VSVM_RESIDENCY_DEVICE(d->index))
				_exit(7);
	}
	if (check_pat(out, bytes, 21) >= 0 || check_pat(buf, bytes, 21) >= 0)
		_exit(8);
	_exit(atomic_load(&storm_in_calls) ? 0 : 100);
}

#define FIRST_USE_CHILDREN	8

static void test_first_use_storm(void)
{
	int i, status, signalled = 0;

	storm_reset();
	for (i = 0; i < FIRST_USE_CHILDREN; i++) {
		const struct sig_dev *d = &devs[i % n_devs];
		pid_t pid = fork();

		igt_assert_lte(0, pid);
		if (!pid)
			first_use_child(d, i & 1);
		igt_assert_eq(waitpid(pid, &status, 0), pid);
		igt_assert_f(WIFEXITED(status), "child %d: killed by %d\n", i,
			     WTERMSIG(status));
		igt_assert_f(WEXITSTATUS(status) == 0 ||
			     WEXITSTATUS(status) == 100,
			     "child %d (%s SA_RESTART, renderD%d): step %d failed\n",
			     i, i & 1 ? "with" : "without", d->minor,
			     WEXITSTATUS(status));
		signalled += WEXITSTATUS(status) == 0;
	}
	igt_info("%d of %d fresh processes had a signal pending in an ioctl\n",
		 signalled, FIRST_USE_CHILDREN);
	igt_assert_f(signalled, "no signal came during an ioctl\n");
}

/* ---- pagemap-create-storm ---- */

static bool pagemap_state_is(const struct sig_dev *d, const char *state)
{
	char val[32];

	igt_assert_f(!vsvm_debugfs_field(d->minor, "pagemap", "pagemap", val,
					 sizeof(val)),
		     "renderD%d: no pagemap state in debugfs\n", d->minor);
	return !strcmp(val, state);
}

#define CREATE_THREADS	4
#define FILL_VALUE	0xfeedfacecafef00dull

struct create_worker {
	pthread_t thread;
	const struct sig_dev *d;
	pthread_barrier_t *go;
	int role;
	__u32 vm;
	void *buf;
	size_t bytes;
	int pfd;
	char err[160];
};

static void *create_thread(void *arg)
{
	struct create_worker *c = arg;
	struct drm_vsvm_devmem_open o = {};
	struct drm_vsvm_prefetch p = {
		.vm_id = c->vm, .location = DRM_VSVM_LOCATION_DEVICE,
		.start = (uintptr_t)c->buf, .range = c->bytes,
	};
	struct drm_vsvm_exec e = {
		.vm_id = c->vm, .op = DRM_VSVM_EXEC_FILL,
		.va = (uintptr_t)c->buf, .size = c->bytes, .width = 8,
		.value = FILL_VALUE,
	};
	const char *what;
	int ret;

	pthread_barrier_wait(c->go);
	switch (c->role) {
	case 0:
		what = "DEVMEM_OPEN";
		ret = sig_call(c->d->fd, DRM_IOCTL_VSVM_DEVMEM_OPEN, &o);
		c->pfd = ret ? -1 : o.fd;
		break;
	case 1:
		what = "PREFETCH";
		ret = sig_call(c->d->fd, DRM_IOCTL_VSVM_PREFETCH, &p);
		break;
	default:
		what = "EXEC FILL";
		ret = sig_call(c->d->fd, DRM_IOCTL_VSVM_EXEC, &e);
		break;
	}
	if (ret)
		snprintf(c->err, sizeof(c->err), "%s: %s (%d)", what,
			 sig_errname(ret), ret);
	return NULL;
}

static void test_pagemap_create_storm(void)
{
	const struct sig_dev *d = NULL;
	int i, round, rounds = 4, made = 0;

	storm_reset();
	/* the slowest pagemap to make: the largest VRAM */
	for (i = 0; i < n_devs; i++)
		if (!d || devs[i].vram > d->vram)
			d = &devs[i];
	for (round = 0; round < rounds; round++) {
		struct create_worker c[CREATE_THREADS] = {};
		pthread_barrier_t go;
		sigset_t alrm, old;
		__u32 vm = vm_new(d->fd);
		size_t bytes = 64 * page_size;

		for (i = 0; i < 150 && pagemap_state_is(d, "active"); i++)
			usleep(20000);
		vsvm_shrink();
		if (!pagemap_state_is(d, "none")) {
			igt_info("round %d: the pagemap was not reclaimed\n",
				 round);
			igt_assert_eq(vsvm_vm_destroy(d->fd, vm), 0);
			continue;
		}
		made++;
		pthread_barrier_init(&go, NULL, CREATE_THREADS);
		for (i = 0; i < CREATE_THREADS; i++) {
			c[i].d = d;
			c[i].go = &go;
			c[i].role = i % 3;
			c[i].vm = vm;
			c[i].bytes = bytes;
			c[i].buf = map_anon(bytes);
			c[i].pfd = -1;
			/* PREFETCH moves populated pages only */
			if (c[i].role == 1)
				memset(c[i].buf, 0x5a, bytes);
		}
		storm_start(true);
		for (i = 0; i < CREATE_THREADS; i++)
			igt_assert_eq(pthread_create(&c[i].thread, NULL,
						     create_thread, &c[i]), 0);
		sigemptyset(&alrm);
		sigaddset(&alrm, SIGALRM);
		pthread_sigmask(SIG_BLOCK, &alrm, &old);
		for (i = 0; i < CREATE_THREADS; i++)
			pthread_join(c[i].thread, NULL);
		storm_stop();
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		pthread_barrier_destroy(&go);
		for (i = 0; i < CREATE_THREADS; i++) {
			igt_assert_f(!c[i].err[0], "round %d, renderD%d: %s\n",
				     round, d->minor, c[i].err);
			if (c[i].role)
				assert_resident(d, vm, c[i].buf, bytes,
						DRM_VSVM_RESIDENCY_DEVICE(d->index));
		}
		for (i = 0; i < CREATE_THREADS; i++) {
			size_t k;

			for (k = 0; k < bytes && c[i].role; k++) {
				__u8 want = c[i].role == 1 ? 0x5a :
					    FILL_VALUE >> (8 * (k % 8));

				igt_assert_f(((__u8 *)c[i].buf)[k] == want,
					     "round %d: byte %zu\n", round, k);
			}
			if (c[i].pfd >= 0)
				close(c[i].pfd);
			munmap(c[i].buf, bytes);
		}
		igt_assert_eq(vsvm_vm_destroy(d->fd, vm), 0);
	}
	igt_require_f(made, "renderD%d: the shrinker never took its pagemap\n",
		      d->minor);
	igt_info("renderD%d: %d rounds from no pagemap\n", d->minor, made);
	storm_report("SA_RESTART");
}

/* ---- kill-* ---- */

enum kill_op {
	KILL_PREFETCH_VRAM,
	KILL_PREFETCH_SYSTEM,
	KILL_PREFETCH_PEER,
	KILL_EXEC_FILL,
	KILL_EXEC_READ,
	KILL_EXEC_COPY,
};

static const char * const kill_names[] = {
	[KILL_PREFETCH_VRAM] = "kill-prefetch-vram",
	[KILL_PREFETCH_SYSTEM] = "kill-prefetch-system",
	[KILL_PREFETCH_PEER] = "kill-prefetch-peer",
	[KILL_EXEC_FILL] = "kill-exec-fill",
	[KILL_EXEC_READ] = "kill-exec-read",
	[KILL_EXEC_COPY] = "kill-exec-copy",
};

static __u64 vram_free(const struct sig_dev *d)
{
	struct drm_vsvm_query_device q;

	vsvm_device_info(d->fd, &q);
	return q.vram_free;
}

static bool settle(const struct sig_dev *d, __u64 free0)
{
	__u64 end = now_ms() + SETTLE_MS;

	while (vram_free(d) != free0) {
		if (now_ms() > end)
			return false;
		usleep(20000);
	}
	return true;
}

/* Child: set up, say 'r', make the call, say 'd'; exit 0 if it worked. */
static void kill_child(enum kill_op op, const struct sig_dev *d,
		       const struct sig_dev *p, size_t bytes, int wfd)
{
	int fd = vsvm_open_minor(d->minor);
	struct drm_vsvm_prefetch pf = { .range = bytes };
	struct drm_vsvm_exec e = { .size = bytes };
	struct drm_vsvm_devmem_open o = {};
	unsigned long req = DRM_IOCTL_VSVM_EXEC;
	void *arg = &e, *buf, *two;
	__u32 vm;

	if (fd < 0 || vsvm_vm_create(fd, &vm))
		_exit(2);
	buf = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	two = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED || two == MAP_FAILED)
		_exit(3);
	if (op != KILL_EXEC_FILL)
		fill_pat(buf, bytes, 7);
	pf.vm_id = vm;
	pf.start = (uintptr_t)buf;
	e.vm_id = vm;
	e.va = (uintptr_t)buf;
	if (op == KILL_PREFETCH_PEER &&
	    vsvm_call(vsvm_open_minor(p->minor), DRM_IOCTL_VSVM_DEVMEM_OPEN,
		      &o))
		_exit(4);
	switch (op) {
	case KILL_PREFETCH_PEER:
	case KILL_PREFETCH_SYSTEM:
		pf.location = DRM_VSVM_LOCATION_DEVICE;
		if (vsvm_call(fd, DRM_IOCTL_VSVM_PREFETCH, &pf))
			_exit(5);
		pf.location = op == KILL_PREFETCH_SYSTEM ?
			      DRM_VSVM_LOCATION_SYSTEM :
			      DRM_VSVM_LOCATION_PAGEMAP_FD;
		pf.fd = op == KILL_PREFETCH_PEER ? o.fd : 0;
		req = DRM_IOCTL_VSVM_PREFETCH;
		arg = &pf;
		break;
	case KILL_PREFETCH_VRAM:
		pf.location = DRM_VSVM_LOCATION_DEVICE;
		req = DRM_IOCTL_VSVM_PREFETCH;
		arg = &pf;
		break;
	case KILL_EXEC_FILL:
		e.op = DRM_VSVM_EXEC_FILL;
		e.width = 8;
		e.value = 1;
		break;
	case KILL_EXEC_READ:
		e.op = DRM_VSVM_EXEC_READ;
		e.ptr = (uintptr_t)two;
		memset(two, 0, bytes);
		break;
	case KILL_EXEC_COPY:
		e.op = DRM_VSVM_EXEC_COPY;
		e.src_va = (uintptr_t)buf;
		e.va = (uintptr_t)two;
		break;
	}
	if (write(wfd, "r", 1) != 1)
		_exit(6);
	if (vsvm_call(fd, req, arg))
		_exit(7);
	if (write(wfd, "d", 1) != 1)
		_exit(6);
	pause();
	_exit(0);
}

/* Wait up to @ms for a byte from @fd: the byte, or 0 on timeout. */
static char read_byte(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char c = 0;

	if (poll(&pfd, 1, ms) == 1 && read(fd, &c, 1) != 1)
		c = 0;
	return c;
}

static int live_vms(const struct sig_dev *d)
{
	char path[256];

	igt_assert_eq(vsvm_debugfs_path(d->minor, "vms", path, sizeof(path)),
		      0);
	return vsvm_vms_file_count(path);
}

static void test_kill(enum kill_op op)
{
	const struct sig_dev *d = NULL, *p = NULL;
	__u64 free0, pfree0 = 0, t0, t1;
	int i, pipefd[2], status, vms0;
	size_t bytes;
	pid_t pid;
	char c;

	/* the largest VRAM with a peer where one is needed */
	for (i = 0; i < n_devs; i++) {
		if (op == KILL_PREFETCH_PEER && devs[i].peer < 0)
			continue;
		if (!d || devs[i].vram > d->vram)
			d = &devs[i];
	}
	igt_require_f(d, "no device with a peer\n");
	if (op == KILL_PREFETCH_PEER)
		p = &devs[d->peer];
	bytes = KILL_BYTES;
	if (bytes > d->vram / 2)
		bytes = d->vram / 2;
	if (p && bytes > p->vram / 2)
		bytes = p->vram / 2;
	free0 = vram_free(d);
	if (p)
		pfree0 = vram_free(p);
	vms0 = live_vms(d);

	igt_assert_eq(pipe(pipefd), 0);
	pid = fork();
	igt_assert_lte(0, pid);
	if (!pid) {
		close(pipefd[0]);
		kill_child(op, d, p, bytes, pipefd[1]);
	}
	close(pipefd[1]);
	c = read_byte(pipefd[0], 60000);
	if (c != 'r') {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		igt_assert_f(false, "%s: the child did not start (exit %d)\n",
			     kill_names[op],
			     WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	}
	c = read_byte(pipefd[0], KILL_AFTER_MS);
	t0 = now_ms();
	kill(pid, SIGKILL);
	igt_assert_eq(waitpid(pid, &status, 0), pid);
	t1 = now_ms();
	close(pipefd[0]);
	igt_info("%s, %zu MiB on renderD%d: gone %llu ms after SIGKILL\n",
		 kill_names[op], bytes >> 20, d->minor,
		 (unsigned long long)(t1 - t0));
	igt_assert_f(c != 'd', "%s: the call ended within %d ms, before the kill\n",
		     kill_names[op], KILL_AFTER_MS);
	igt_assert_f(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
		     "%s: the child exited with %d\n", kill_names[op],
		     WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	igt_assert_f(t1 - t0 < KILL_BOUND_MS,
		     "%s: the child took %llu ms to die\n", kill_names[op],
		     (unsigned long long)(t1 - t0));
	igt_assert_f(settle(d, free0), "renderD%d: VRAM free %llu, was %llu\n",
		     d->minor, (unsigned long long)vram_free(d),
		     (unsigned long long)free0);
	if (p)
		igt_assert_f(settle(p, pfree0),
			     "renderD%d: VRAM free %llu, was %llu\n", p->minor,
			     (unsigned long long)vram_free(p),
			     (unsigned long long)pfree0);
	for (i = 0; i < SETTLE_MS / 20 && live_vms(d) != vms0; i++)
		usleep(20000);
	igt_assert_eq(live_vms(d), vms0);
}

/* ---- evict-storm, evict-kill ---- */

/*
 * The victim: @bytes of a pattern in @d's VRAM, then 'r'; on any byte
 * from the parent it checks every byte and exits 0 if all are right.
 */
static void evict_victim(const struct sig_dev *d, size_t bytes, int rfd,
			 int wfd)
{
	int fd = vsvm_open_minor(d->minor);
	struct drm_vsvm_prefetch pf = {
		.location = DRM_VSVM_LOCATION_DEVICE, .range = bytes,
	};
	void *buf;
	char c;

	if (fd < 0 || vsvm_vm_create(fd, &pf.vm_id))
		_exit(2);
	buf = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		_exit(3);
	fill_pat(buf, bytes, 11);
	pf.start = (uintptr_t)buf;
	if (vsvm_call(fd, DRM_IOCTL_VSVM_PREFETCH, &pf) ||
	    pf.pages_migrated != bytes / page_size)
		_exit(4);
	if (write(wfd, "r", 1) != 1 || read(rfd, &c, 1) != 1)
		_exit(5);
	_exit(check_pat(buf, bytes, 11) < 0 ? 0 : 1);
}

/*
 * The evictor: twice the VRAM, populated, then 'r', then PREFETCH to the
 * VRAM (evicting the victim), under a storm when @storm; 'd' when it
 * succeeded and its data is intact.
 */
static void evict_evictor(const struct sig_dev *d, size_t bytes, int storm,
			  int wfd)
{
	int fd = vsvm_open_minor(d->minor);
	struct drm_vsvm_prefetch pf = {
		.location = DRM_VSVM_LOCATION_DEVICE, .range = bytes,
	};
	void *buf;
	int ret;

	if (fd < 0 || vsvm_vm_create(fd, &pf.vm_id))
		_exit(2);
	buf = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		_exit(3);
	fill_pat(buf, bytes, 12);
	pf.start = (uintptr_t)buf;
	if (write(wfd, "r", 1) != 1)
		_exit(5);
	if (storm)
		storm_start(storm > 1);
	ret = sig_call(fd, DRM_IOCTL_VSVM_PREFETCH, &pf);
	storm_stop();
	if (ret) {
		fprintf(stderr, "evictor: PREFETCH: %s (%d)\n",
			sig_errname(ret), ret);
		_exit(6);
	}
	if (check_pat(buf, bytes, 12) >= 0)
		_exit(7);
	if (storm && !atomic_load(&storm_in_calls))
		_exit(8);
	if (write(wfd, "d", 1) != 1)
		_exit(5);
	pause();
	_exit(0);
}

/* @mode: 0 SIGKILL, 1 storm without SA_RESTART, 2 with SA_RESTART */
static void test_evict(int mode)
{
	const struct sig_dev *d = NULL;
	int vp_in[2], vp_out[2], ep[2], status, estatus, i;
	bool started;
	size_t vbytes, ebytes;
	pid_t victim, evictor;
	__u64 free0, t0, t1;
	char c;

	storm_reset();
	/* the smallest VRAM: the fewest bytes to move */
	for (i = 0; i < n_devs; i++)
		if (!d || devs[i].vram < d->vram)
			d = &devs[i];
	vbytes = (d->vram / 2) & ~((size_t)page_size - 1);
	ebytes = d->vram * 2;
	free0 = vram_free(d);

	igt_assert_eq(pipe(vp_in), 0);
	igt_assert_eq(pipe(vp_out), 0);
	igt_assert_eq(pipe(ep), 0);
	victim = fork();
	igt_assert_lte(0, victim);
	if (!victim)
		evict_victim(d, vbytes, vp_in[0], vp_out[1]);
	if (read_byte(vp_out[0], 60000) != 'r') {
		kill(victim, SIGKILL);
		waitpid(victim, &status, 0);
		igt_assert_f(false, "the victim did not start: exit %d\n",
			     WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	}

	evictor = fork();
	igt_assert_lte(0, evictor);
	if (!evictor)
		evict_evictor(d, ebytes, mode, ep[1]);
	close(ep[1]);
	c = read_byte(ep[0], 60000);
	started = c == 'r';
	if (started)
		c = read_byte(ep[0], mode ? 120000 : KILL_AFTER_MS);
	t0 = now_ms();
	kill(evictor, SIGKILL);
	igt_assert_eq(waitpid(evictor, &estatus, 0), evictor);
	t1 = now_ms();
	close(ep[0]);

	/* the victim checks its bytes, whatever the evictor did */
	igt_assert_eq(write(vp_in[1], "c", 1), 1);
	igt_assert_eq(waitpid(victim, &status, 0), victim);
	close(vp_in[0]);
	close(vp_in[1]);
	close(vp_out[0]);
	close(vp_out[1]);

	igt_assert_f(started, "the evictor did not start: exit %d\n",
		     WIFEXITED(estatus) ? WEXITSTATUS(estatus) : -1);
	if (mode) {
		igt_assert_f(c == 'd', "the evictor failed: exit %d\n",
			     WIFEXITED(estatus) ? WEXITSTATUS(estatus) : -1);
	} else {
		igt_info("renderD%d: the evictor was gone %llu ms after SIGKILL\n",
			 d->minor, (unsigned long long)(t1 - t0));
		igt_assert_f(c != 'd', "the eviction ended within %d ms\n",
			     KILL_AFTER_MS);
		igt_assert_f(t1 - t0 < KILL_BOUND_MS,
			     "the evictor took %llu ms to die\n",
			     (unsigned long long)(t1 - t0));
	}
	igt_assert_f(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		     "the victim's data: exit %d\n",
		     WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	igt_assert_f(settle(d, free0), "renderD%d: VRAM free %llu, was %llu\n",
		     d->minor, (unsigned long long)vram_free(d),
		     (unsigned long long)free0);
}

int igt_main()
{
	int op;

	igt_fixture()
		open_devices();

	igt_describe("PREFETCH to VRAM, a peer and system under SIGALRMs, SA_RESTART");
	igt_subtest("prefetch-storm-restart")
		test_prefetch_storm(true);
	igt_describe("The same without SA_RESTART: no call fails");
	igt_subtest("prefetch-storm-norestart")
		test_prefetch_storm(false);
	igt_describe("Every EXEC op, faulting into VRAM, under SIGALRMs, SA_RESTART");
	igt_subtest("exec-storm-restart")
		test_exec_storm(true);
	igt_describe("The same without SA_RESTART");
	igt_subtest("exec-storm-norestart")
		test_exec_storm(false);
	igt_describe("Random ioctls from threads under SIGALRMs, SA_RESTART, with a model");
	igt_subtest("ioctl-storm-restart")
		test_ioctl_storm(true);
	igt_describe("The same without SA_RESTART");
	igt_subtest("ioctl-storm-norestart")
		test_ioctl_storm(false);
	igt_describe("VM_CREATE and the first ioctls of a fresh process under SIGALRMs");
	igt_subtest("first-use-storm")
		test_first_use_storm();
	igt_describe("DEVMEM_OPEN, PREFETCH, GPU faults waiting for a new pagemap, SIGALRMs");
	igt_subtest("pagemap-create-storm")
		test_pagemap_create_storm();
	for (op = 0; op < (int)ARRAY_SIZE(kill_names); op++) {
		igt_describe("SIGKILL ends a long call in bounded time, leaving nothing");
		igt_subtest_f("%s", kill_names[op])
			test_kill(op);
	}
	igt_describe("A PREFETCH evicting another process's VRAM under a storm without SA_RESTART");
	igt_subtest("evict-storm-norestart")
		test_evict(1);
	igt_describe("The same with SA_RESTART");
	igt_subtest("evict-storm-restart")
		test_evict(2);
	igt_describe("SIGKILL during the eviction of another process's VRAM");
	igt_subtest("evict-kill")
		test_evict(0);

	igt_fixture() {
		int i;

		storm_stop();
		for (i = 0; i < n_devs; i++)
			close(devs[i].fd);
	}
}
