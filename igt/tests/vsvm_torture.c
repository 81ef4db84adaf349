// SPDX-License-Identifier: MIT
/*
 * vsvm_torture: randomized multi-thread, multi-process, multi-device
 * torture of vsvm with a shadow model of every byte.
 *
 * Several processes each run several threads over every vsvm device. Each
 * thread owns a region of its process's memory and is the only one to
 * write it with plain stores, so that its shadow model is exact: GPU
 * READ, WRITE, FILL, COPY and ATOMIC_INC through any device, CPU reads
 * and writes, PREFETCH and MADVISE (system memory, a device's own VRAM, a
 * peer's VRAM through its pagemap fd), munmap and remap of parts (GPU
 * access to the hole must fault with -EFAULT), mprotect (GPU writes must
 * fail with -EPERM and change nothing) and fork. Other threads migrate
 * and advise any region at any time, and all threads add to shared
 * counters with GPU and CPU atomics, whose final values are checked
 * exactly.
 *
 * Fork is the core of it: the forking thread's region must read in the
 * child (CPU and every GPU) as it was at the fork; the child then writes
 * everything it inherited (GPU and CPU, every device, and migrates it),
 * and none of it may ever show up in the parent: the parent's regions and
 * counters stay as its model says (copy-on-write isolation).
 *
 * The advice subtest runs the same threads over the three features no
 * other op touches: MADVISE READ_MOSTLY (read replicas in several
 * devices' VRAM), ACCESS_COUNTERS (counter-driven migration, with a low
 * threshold and 64 KiB counter blocks) and THRASHING (the migration
 * policy, tuned to detect, throttle and pin within milliseconds), on and
 * off at random next to preferred locations. Every region is read by
 * every device in turn (replicas where READ_MOSTLY is on), the CPU
 * writes, mprotect()s, munmap()s and mremap()s it, forks (the child reads
 * and writes its copy on every device with READ_MOSTLY of its own), and
 * one more process keeps filling each device's VRAM (eviction, replicas
 * dropped). Placement is checked where the UAPI promises it: no page
 * holds a replica once a GPU or CPU write to it, mprotect() or munmap()
 * has returned, and replicas are only ever held by devices of one owner
 * group.
 *
 * Every failure is printed with the seed and counted; the run goes on and
 * fails at the end. The op sequence of each thread is deterministic from
 * the seed (the interleaving is not). Replay: make test ONLY=vsvm_torture
 * SEED=N.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
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

#include "igt.h"
#include "vsvm_exec_lib.h"
#include "vsvm_lib.h"
#include "vsvm_stress.h"
#include "vsvm_workload.h"
#include <drm/vsvm_drm.h>

#define MAX_DEVICES	16
#define PAGE_SZ		4096ul
#define NPROC		2
#define NTHREADS	3
#define RPAGES		16
#define RSZ		(RPAGES * PAGE_SZ)
#define N32		(PAGE_SZ / 4)
#define N64		(PAGE_SZ / 8)
#define MAX_REPORTS	4
/* What a fork child fills everything with (plus a small count) */
#define CHILD_FILL	0xc0ffee00c0ffee00ull
/* Where a thread's mremap()ped part goes meanwhile (advice subtest) */
#define AWAY_BASE	0x340000000ull
/* The time of each subtest under make check */
#define TORTURE_SLICE	12
#define ADVICE_SLICE	13

struct tdev {
	int fd;
	int minor;
	__u32 index;
	__u32 vm;
	int pmfd;
	bool linked[MAX_DEVICES];
};

/* What a process reports to the test (a shared page). */
struct proc_report {
	unsigned long ops;
	unsigned long forks;
	unsigned long fails;
	unsigned long replicated;
	unsigned long evictions;
	unsigned long busy;
};

static struct vsvm_stress stress;
static struct tdev devs[MAX_DEVICES];
static int n_devs;
static struct proc_report *reports;

/* The process's memory: the threads' regions, then the counters. */
static __u8 *mem;
static __u32 *ctr32;
static __u64 *ctr64;
static unsigned long fails;
static int proc_id;
static bool stop;
/* The advice subtest: READ_MOSTLY, ACCESS_COUNTERS, THRASHING ops */
static bool adv;
/* Pages seen replicated by the advice subtest's reads */
static unsigned long replicated;
/* EXEC calls of the advice subtest that ended -EBUSY and were redone */
static unsigned long busy;

struct thread {
	int id;
	/* the PRNG stream: the seed field is the state vsvm_rand() takes */
	struct vsvm_stress rng;
	__u8 *region;
	__u8 model[RSZ];
	__u64 tally32[N32];
	__u64 tally64[N64];
	unsigned long ops;
	unsigned long forks;
	char last[160];
	__u8 buf[RSZ];
};

static struct thread threads[NTHREADS];

static void t_fail(struct thread *t, const char *f, ...) __attribute__((format(printf, 2, 3)));

/* The failures printed per format, so that every kind shows. */
static struct {
	const char *fmt;
	unsigned int n;
} fail_kinds[64];
static pthread_mutex_t fail_lock = PTHREAD_MUTEX_INITIALIZER;

static void t_fail(struct thread *t, const char *f, ...)
{
	char msg[512];
	unsigned int i, n = MAX_REPORTS + 1;
	va_list ap;

	__atomic_add_fetch(&fails, 1, __ATOMIC_RELAXED);
	pthread_mutex_lock(&fail_lock);
	for (i = 0; i < ARRAY_SIZE(fail_kinds); i++) {
		if (!fail_kinds[i].fmt)
			fail_kinds[i].fmt = f;
		if (fail_kinds[i].fmt == f) {
			n = ++fail_kinds[i].n;
			break;
		}
	}
	pthread_mutex_unlock(&fail_lock);
	if (n > MAX_REPORTS)
		return;
	va_start(ap, f);
	vsnprintf(msg, sizeof(msg), f, ap);
	va_end(ap);
	igt_warn("vsvm_torture FAILURE seed %llu, process %d thread %d, op %lu (%s): %s\n",
		 (unsigned long long)stress.seed, proc_id, t ? t->id : -1,
		 t ? t->ops : 0, t ? t->last : "", msg);
}

static __u64 t_rand(struct thread *t)
{
	return vsvm_rand(&t->rng.seed);
}

static __u64 t_below(struct thread *t, __u64 n)
{
	return vsvm_rand_below(&t->rng.seed, n);
}

static int xioctl(int fd, unsigned long cmd, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, cmd, arg);
	} while (ret == -1 && errno == EINTR);
	return ret ? errno : 0;
}

/*
 * Open every device with a VM and a pagemap fd, in this process.
 * Return: 0 or an errno (no igt_assert: children of threads use it).
 */
static int open_devices(struct tdev *d, int n)
{
	int i, err;

	for (i = 0; i < n; i++) {
		struct drm_vsvm_vm_create c = {};
		struct drm_vsvm_devmem_open o = {};

		d[i].fd = vsvm_open_minor(d[i].minor);
		if (d[i].fd < 0)
			return errno;
		err = xioctl(d[i].fd, DRM_IOCTL_VSVM_VM_CREATE, &c);
		if (err)
			return err;
		d[i].vm = c.vm_id;
		err = xioctl(d[i].fd, DRM_IOCTL_VSVM_DEVMEM_OPEN, &o);
		if (err)
			return err;
		d[i].pmfd = o.fd;
	}
	return 0;
}

static void close_devices(struct tdev *d, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		close(d[i].pmfd);
		close(d[i].fd);
	}
}

/* The devices, their indices and links; the fds are opened per process. */
static void find_devices(void)
{
	static struct {
		struct drm_vsvm_query_peers h;
		struct drm_vsvm_peer p[2 * MAX_DEVICES];
	} peers[MAX_DEVICES];
	struct vsvm_node nodes[MAX_DEVICES];
	int i, j;
	__u32 k;

	n_devs = vsvm_open_nodes(nodes, MAX_DEVICES);
	igt_require_f(n_devs > 0, "no vsvm render node\n");
	for (i = 0; i < n_devs; i++) {
		struct drm_vsvm_query_device info;
		struct drm_vsvm_query q = {
			.query = DRM_VSVM_QUERY_DEVICE,
			.size = sizeof(info),
			.data = (uintptr_t)&info,
		};

		igt_assert_eq(xioctl(nodes[i].fd, DRM_IOCTL_VSVM_QUERY, &q), 0);
		devs[i].minor = nodes[i].minor;
		devs[i].index = info.index;
		q.query = DRM_VSVM_QUERY_PEERS;
		q.size = sizeof(peers[i]);
		q.data = (uintptr_t)&peers[i];
		igt_assert_eq(xioctl(nodes[i].fd, DRM_IOCTL_VSVM_QUERY, &q), 0);
		close(nodes[i].fd);
	}
	for (i = 0; i < n_devs; i++)
		for (k = 0; k < peers[i].h.num_peers; k++)
			for (j = 0; j < n_devs; j++)
				if (devs[j].index == peers[i].p[k].index)
					devs[i].linked[j] = peers[i].p[k].link !=
							    DRM_VSVM_LINK_NONE;
}

/* ---- the ops of a thread ---- */

static struct tdev *t_dev(struct thread *t)
{
	return &devs[t_below(t, n_devs)];
}

/* A random sub-range of the thread's region: [*off, *off + *len). */
static void t_range(struct thread *t, __u64 align, __u64 *off, __u64 *len)
{
	__u64 n = RSZ / align, a = t_below(t, n), b = a + 1 + t_below(t, n - a);

	/* mostly small */
	if (b - a > 4 * PAGE_SZ / align && t_below(t, 4))
		b = a + 1 + t_below(t, 4 * PAGE_SZ / align);
	*off = a * align;
	*len = (b - a) * align;
}

static int t_exec(struct tdev *d, struct drm_vsvm_exec *e)
{
	e->vm_id = d->vm;
	return xioctl(d->fd, DRM_IOCTL_VSVM_EXEC, e);
}

/*
 * EXEC, called again after -EBUSY (invalidations kept racing its faults:
 * documented, "call again") in the advice subtest, where the migrations of
 * the counters, the policy, replicas and the evictor race every page. Only
 * for work that may be done twice: READ, WRITE, FILL, COPY, and
 * ATOMIC_INC within one page (a page is done whole or not at all, and
 * -EBUSY means its page was not).
 */
static int t_exec_again(struct tdev *d, struct drm_vsvm_exec *e)
{
	unsigned int tries;
	int err;

	for (tries = 0; ; tries++) {
		err = t_exec(d, e);
		if (err != EBUSY || !adv || tries == 8)
			return err;
		__atomic_add_fetch(&busy, 1, __ATOMIC_RELAXED);
	}
}

static void t_check(struct thread *t, __u64 off, __u64 len,
		    const __u8 *got, const char *what)
{
	__u64 i, w, word = 0;

	if (!memcmp(got, t->model + off, len))
		return;
	for (i = 0; got[i] == t->model[off + i]; i++)
		;
	/* the word around it: a fork child's fill pattern? */
	w = (off + i) & ~7ull;
	if (w >= off && w + 8 <= off + len)
		memcpy(&word, got + (w - off), 8);
	t_fail(t, "%s: byte %#llx of the region is %#x, model %#x%s", what,
	       (unsigned long long)(off + i), got[i], t->model[off + i],
	       (word & ~0xffull) == CHILD_FILL ?
	       " (a fork child's GPU fill: copy-on-write broken)" : "");
	/* go on from what is there */
	memcpy(t->model + off, t->region + off, len);
}

/* ---- the advice subtest: replicas and their placement ---- */

/* Per page from @va on, the devices holding a read replica of it. */
static int va_replicas(__u64 va, __u64 npages, __u32 *mask)
{
	struct drm_vsvm_residency r = {
		.vm_id = devs[0].vm,
		.flags = DRM_VSVM_RESIDENCY_REPLICAS,
		.start = va,
		.num_pages = npages,
		.locations = (uintptr_t)mask,
	};

	return xioctl(devs[0].fd, DRM_IOCTL_VSVM_RESIDENCY, &r);
}

/* Whether the devices of @mask are all known and all linked to each other. */
static bool one_group(__u32 mask)
{
	__u32 known = 0;
	int i, j;

	for (i = 0; i < n_devs; i++) {
		if (devs[i].index >= 32 || !(mask & (1u << devs[i].index)))
			continue;
		known |= 1u << devs[i].index;
		for (j = i + 1; j < n_devs; j++)
			if (devs[j].index < 32 &&
			    (mask & (1u << devs[j].index)) && !devs[i].linked[j])
				return false;
	}
	return known == mask;
}

/* No page of [@va, @va + @len) is replicated: a write, mprotect, munmap. */
static void va_no_replicas(struct thread *t, __u64 va, __u64 len,
			   const char *what)
{
	__u64 first = va & ~(PAGE_SZ - 1), n, i;
	__u32 mask[RPAGES];
	int err;

	n = (va + len - first + PAGE_SZ - 1) / PAGE_SZ;
	err = va_replicas(first, n, mask);
	if (err) {
		t_fail(t, "RESIDENCY of the replicas (%s): %s", what,
		       strerror(err));
		return;
	}
	for (i = 0; i < n; i++)
		if (mask[i]) {
			t_fail(t, "%s: page %#llx still replicated on devices %#x",
			       what, (unsigned long long)(first + i * PAGE_SZ),
			       mask[i]);
			return;
		}
}

static void t_no_replicas(struct thread *t, __u64 off, __u64 len,
			  const char *what)
{
	va_no_replicas(t, (uintptr_t)t->region + off, len, what);
}

/* The replicas of [@va, @va + @len): only devices of one group hold them. */
static void va_replica_groups(struct thread *t, __u64 va, __u64 len)
{
	__u64 first = va & ~(PAGE_SZ - 1), n, i;
	__u32 mask[RPAGES];
	int err;

	n = (va + len - first + PAGE_SZ - 1) / PAGE_SZ;
	err = va_replicas(first, n, mask);
	if (err) {
		t_fail(t, "RESIDENCY of the replicas: %s", strerror(err));
		return;
	}
	for (i = 0; i < n; i++) {
		if (!mask[i])
			continue;
		__atomic_add_fetch(&replicated, 1, __ATOMIC_RELAXED);
		if (!one_group(mask[i]))
			t_fail(t, "page %#llx replicated on devices %#x, not one owner group",
			       (unsigned long long)(first + i * PAGE_SZ),
			       mask[i]);
	}
}

/*
 * Every device reads [@va, @va + @len), which holds @want, in turn from a
 * random one (each may make a replica). Return: false on a failure.
 */
static bool va_read_every(struct thread *t, __u64 va, __u64 len,
			  const __u8 *want, const char *what)
{
	int k, s = t_below(t, n_devs), err;
	__u64 i;

	for (k = 0; k < n_devs; k++) {
		struct tdev *d = &devs[(s + k) % n_devs];
		struct drm_vsvm_exec e = {
			.op = DRM_VSVM_EXEC_READ, .ptr = (uintptr_t)t->buf,
			.va = va, .size = len,
		};

		err = t_exec_again(d, &e);
		if (err) {
			t_fail(t, "%s: GPU read on dev%d: %s", what,
			       (int)(d - devs), strerror(err));
			return false;
		}
		if (memcmp(t->buf, want, len)) {
			for (i = 0; t->buf[i] == want[i]; i++)
				;
			t_fail(t, "%s: GPU read on dev%d: byte %#llx is %#x, not %#x",
			       what, (int)(d - devs), (unsigned long long)i,
			       t->buf[i], want[i]);
			return false;
		}
	}
	va_replica_groups(t, va, len);
	return true;
}

/*
 * Every device reads a part of the region: the model. Then a device with
 * peers and its peers read it again, the peers last: replicas where the
 * VMs have READ_MOSTLY (a reader outside the master's group migrates it,
 * collapsing them).
 */
static void t_read_every(struct thread *t, __u64 off, __u64 len,
			 const char *what)
{
	__u64 va = (uintptr_t)t->region + off;
	int i = t_below(t, n_devs), j, err;

	if (!va_read_every(t, va, len, t->model + off, what))
		goto resync;
	for (j = 0; j < n_devs && !devs[i].linked[j]; j++)
		;
	if (j == n_devs)
		return;
	for (j = -1; j < n_devs; j++) {
		struct tdev *d = j < 0 ? &devs[i] : &devs[j];
		struct drm_vsvm_exec e = {
			.op = DRM_VSVM_EXEC_READ, .ptr = (uintptr_t)t->buf,
			.va = va, .size = len,
		};

		if (j >= 0 && (j == i || !devs[i].linked[j]))
			continue;
		err = t_exec_again(d, &e);
		if (err) {
			t_fail(t, "%s: GPU read on dev%d after dev%d: %s", what,
			       (int)(d - devs), i, strerror(err));
			return;
		}
		t_check(t, off, len, t->buf, "GPU read by a group");
	}
	va_replica_groups(t, va, len);
	return;
resync:
	/* go on from what is there */
	memcpy(t->model + off, t->region + off, len);
}

static void op_readall(struct thread *t)
{
	__u64 off, len;

	t_range(t, 1, &off, &len);
	snprintf(t->last, sizeof(t->last),
		 "GPU read on every device off %#llx len %#llx",
		 (unsigned long long)off, (unsigned long long)len);
	t_read_every(t, off, len, "read on every device");
}

/*
 * An ATOMIC_INC of the region that ended -EBUSY: the pages before the one
 * that kept faulting are done, whole, the others not at all. Check that
 * the region is so, and go on from it.
 */
static void t_atomic_busy(struct thread *t, __u64 off, __u64 len, __u64 inc)
{
	__u64 i, end, v, want, page;
	bool done = true, all_inc, all_same;

	__atomic_add_fetch(&busy, 1, __ATOMIC_RELAXED);
	for (page = off; page < off + len; page = end) {
		end = (page & ~(PAGE_SZ - 1)) + PAGE_SZ;
		if (end > off + len)
			end = off + len;
		all_inc = true;
		all_same = true;
		for (i = page; i < end; i += 8) {
			memcpy(&v, t->region + i, 8);
			memcpy(&want, t->model + i, 8);
			all_inc &= v == want + inc;
			all_same &= v == want;
		}
		if (done && all_inc)
			continue;
		if (all_same) {
			done = false;
			continue;
		}
		t_fail(t, "ATOMIC_INC -EBUSY: page %#llx not done whole, or after one not done",
		       (unsigned long long)page);
		break;
	}
	memcpy(t->model + off, t->region + off, len);
}

static void op_gpu(struct thread *t)
{
	static const __u32 widths[] = { 1, 2, 4, 8 };
	struct drm_vsvm_exec e = {};
	struct tdev *d = t_dev(t);
	__u64 off, len, src = 0, i;
	int op = 1 + t_below(t, 5), err;

	e.op = op;
	switch (op) {
	case DRM_VSVM_EXEC_READ:
		t_range(t, 1, &off, &len);
		e.ptr = (uintptr_t)t->buf;
		break;
	case DRM_VSVM_EXEC_WRITE:
		t_range(t, 1, &off, &len);
		for (i = 0; i < len; i++)
			t->buf[i] = t_rand(t);
		e.ptr = (uintptr_t)t->buf;
		break;
	case DRM_VSVM_EXEC_FILL:
		e.width = widths[t_below(t, 4)];
		e.value = t_rand(t);
		t_range(t, e.width, &off, &len);
		break;
	case DRM_VSVM_EXEC_COPY:
		/* one half to the other: never overlapping */
		len = 1 + t_below(t, t_below(t, 4) ? PAGE_SZ : RSZ / 2);
		off = t_below(t, RSZ / 2 - len + 1);
		src = t_below(t, RSZ / 2 - len + 1);
		if (t_below(t, 2))
			off += RSZ / 2;
		else
			src += RSZ / 2;
		e.src_va = (uintptr_t)t->region + src;
		break;
	default:
		e.width = 8;
		e.value = 1 + t_below(t, 100);
		t_range(t, 8, &off, &len);
		break;
	}
	e.va = (uintptr_t)t->region + off;
	e.size = len;
	snprintf(t->last, sizeof(t->last),
		 "EXEC op %d dev%d off %#llx len %#llx", op, (int)(d - devs),
		 (unsigned long long)off, (unsigned long long)len);
	if (op == DRM_VSVM_EXEC_ATOMIC_INC) {
		err = t_exec(d, &e);
		if (adv && err == EBUSY) {
			t_atomic_busy(t, off, len, e.value);
			return;
		}
	} else {
		err = t_exec_again(d, &e);
	}
	if (err) {
		t_fail(t, "EXEC on valid memory: %s", strerror(err));
		memcpy(t->model, t->region, RSZ);
		return;
	}
	switch (op) {
	case DRM_VSVM_EXEC_READ:
		t_check(t, off, len, t->buf, "GPU read");
		break;
	case DRM_VSVM_EXEC_WRITE:
		memcpy(t->model + off, t->buf, len);
		break;
	case DRM_VSVM_EXEC_FILL:
		for (i = 0; i < len; i++)
			t->model[off + i] = e.value >> (8 * (i % e.width));
		break;
	case DRM_VSVM_EXEC_COPY:
		memmove(t->model + off, t->model + src, len);
		break;
	default: {
		__u64 v;

		memcpy(&v, t->model + off, 8);
		if (e.result != v)
			t_fail(t, "ATOMIC_INC result %#llx, model %#llx%s",
			       (unsigned long long)e.result,
			       (unsigned long long)v,
			       (e.result & ~0xffull) == CHILD_FILL ?
			       " (a fork child's GPU fill: copy-on-write broken)" :
			       "");
		for (i = 0; i < len; i += 8) {
			memcpy(&v, t->model + off + i, 8);
			v += e.value;
			memcpy(t->model + off + i, &v, 8);
		}
		break;
	}
	}
	/* a write collapsed every replica of what it wrote */
	if (adv && op != DRM_VSVM_EXEC_READ)
		t_no_replicas(t, off, len, "after a GPU write");
}

static void op_cpu(struct thread *t)
{
	bool write = t_below(t, 2);
	__u64 off, len, i;

	t_range(t, 1, &off, &len);
	snprintf(t->last, sizeof(t->last), "CPU %s off %#llx len %#llx",
		 write ? "write" : "read", (unsigned long long)off,
		 (unsigned long long)len);
	if (write) {
		for (i = 0; i < len; i++)
			t->model[off + i] = t_rand(t);
		memcpy(t->region + off, t->model + off, len);
		if (adv)
			t_no_replicas(t, off, len, "after a CPU write");
	} else {
		t_check(t, off, len, t->region + off, "CPU read");
	}
}

static void op_counters(struct thread *t)
{
	struct tdev *d = t_dev(t);
	bool wide = t_below(t, 2);
	unsigned int n = wide ? N64 : N32, a = t_below(t, n);
	unsigned int b = a + 1 + t_below(t, n - a > 64 ? 64 : n - a), i;
	__u64 v = 1 + t_below(t, 7);

	if (t_below(t, 4) == 0) {
		/* CPU atomics */
		snprintf(t->last, sizeof(t->last), "CPU atomics %u..%u", a, b);
		for (i = a; i < b; i++) {
			if (wide) {
				__atomic_fetch_add(&ctr64[i], v, __ATOMIC_RELAXED);
				t->tally64[i] += v;
			} else {
				__atomic_fetch_add(&ctr32[i], v, __ATOMIC_RELAXED);
				t->tally32[i] += v;
			}
		}
		return;
	}
	{
		struct drm_vsvm_exec e = {
			.op = DRM_VSVM_EXEC_ATOMIC_INC,
			.width = wide ? 8 : 4,
			.value = v,
			.va = wide ? (uintptr_t)&ctr64[a] : (uintptr_t)&ctr32[a],
			.size = (__u64)(b - a) * (wide ? 8 : 4),
		};
		int err;

		snprintf(t->last, sizeof(t->last),
			 "GPU atomics dev%d %u..%u width %u", (int)(d - devs),
			 a, b, e.width);
		/* within one page: -EBUSY did none of them */
		err = t_exec_again(d, &e);
		if (err) {
			t_fail(t, "ATOMIC_INC on the counters: %s",
			       strerror(err));
			return;
		}
		for (i = a; i < b; i++) {
			if (wide)
				t->tally64[i] += v;
			else
				t->tally32[i] += v;
		}
	}
}

/* A location for PREFETCH or MADVISE through @d: 0 system, else VRAM. */
static void t_location(struct thread *t, struct tdev *d, __u32 *loc,
		       __s32 *fd)
{
	int j;

	*fd = 0;
	switch (t_below(t, 3)) {
	case 0:
		*loc = DRM_VSVM_LOCATION_SYSTEM;
		break;
	case 1:
		*loc = DRM_VSVM_LOCATION_DEVICE;
		break;
	default:
		j = t_below(t, n_devs);
		if (!d->linked[j] && &devs[j] != d) {
			*loc = DRM_VSVM_LOCATION_DEVICE;
			break;
		}
		*loc = DRM_VSVM_LOCATION_PAGEMAP_FD;
		*fd = devs[j].pmfd;
		break;
	}
}

static void op_prefetch(struct thread *t)
{
	struct tdev *d = t_dev(t);
	struct drm_vsvm_prefetch p = { .vm_id = d->vm };
	int who = t_below(t, NTHREADS + 1), err;
	__u64 off, len;

	t_range(t, PAGE_SZ, &off, &len);
	t_location(t, d, &p.location, &p.fd);
	if (who == NTHREADS) {
		/* the counters */
		p.start = (uintptr_t)ctr32;
		p.range = 2 * PAGE_SZ;
	} else {
		p.start = (uintptr_t)threads[who].region + off;
		p.range = len;
	}
	snprintf(t->last, sizeof(t->last),
		 "PREFETCH dev%d loc %u of %d off %#llx len %#llx",
		 (int)(d - devs), p.location, who, (unsigned long long)off,
		 (unsigned long long)len);
	err = xioctl(d->fd, DRM_IOCTL_VSVM_PREFETCH, &p);
	/*
	 * Another thread's region may be unmapped in part for a while; the
	 * pages may stay busy while other threads race on them (-EBUSY, as
	 * documented).
	 */
	if (err && err != EBUSY &&
	    !(err == EFAULT && who != t->id && who != NTHREADS))
		t_fail(t, "PREFETCH: %s", strerror(err));
}

/* A value of MADVISE @type (the advice subtest's types too). */
static __u32 t_advice(struct thread *t, struct tdev *d, __u32 type, __s32 *fd)
{
	__u32 v;

	*fd = 0;
	switch (type) {
	case DRM_VSVM_MADVISE_PREFERRED_LOC:
		if (t_below(t, 4))
			t_location(t, d, &v, fd);
		else
			v = DRM_VSVM_LOCATION_DEFAULT;
		return v;
	case DRM_VSVM_MADVISE_MIGRATION_POLICY:
	case DRM_VSVM_MADVISE_THRASHING:
		return t_below(t, 2);
	case DRM_VSVM_MADVISE_ACCESS_COUNTERS:
		return t_below(t, 3);
	case DRM_VSVM_MADVISE_READ_MOSTLY:
		/* mostly on */
		return t_below(t, 4) ? DRM_VSVM_READ_MOSTLY_ON :
				       DRM_VSVM_READ_MOSTLY_OFF;
	default:
		return t_below(t, 4);
	}
}

static void op_madvise(struct thread *t)
{
	struct tdev *d = t_dev(t);
	struct drm_vsvm_madvise m = {
		.vm_id = d->vm,
		.type = 1 + t_below(t, 3),
	};
	int who = t_below(t, NTHREADS + 1), err, i;
	__u64 off, len;

	t_range(t, PAGE_SZ, &off, &len);
	if (adv) {
		/* READ_MOSTLY, ACCESS_COUNTERS and THRASHING most of all */
		m.type = t_below(t, 9);
		m.type = m.type < 6 ? 1 + m.type : m.type - 6 +
			 DRM_VSVM_MADVISE_THRASHING;
		if (!t_below(t, 3)) {
			off = 0;
			len = RSZ;
		}
		m.value = t_advice(t, d, m.type, &m.fd);
	} else if (m.type == DRM_VSVM_MADVISE_PREFERRED_LOC) {
		if (t_below(t, 4))
			t_location(t, d, &m.value, &m.fd);
		else
			m.value = DRM_VSVM_LOCATION_DEFAULT;
	} else {
		m.value = t_below(t, m.type ==
				  DRM_VSVM_MADVISE_MIGRATION_POLICY ? 2 : 4);
	}
	if (who == NTHREADS) {
		m.start = (uintptr_t)ctr32;
		m.range = 2 * PAGE_SZ;
	} else {
		m.start = (uintptr_t)threads[who].region + off;
		m.range = len;
	}
	snprintf(t->last, sizeof(t->last),
		 "MADVISE dev%d type %u value %u of %d", (int)(d - devs),
		 m.type, m.value, who);
	err = xioctl(d->fd, DRM_IOCTL_VSVM_MADVISE, &m);
	if (err)
		t_fail(t, "MADVISE: %s", strerror(err));
	/* read replicas need READ_MOSTLY in the readers' VMs: in all, often */
	if (adv && m.type == DRM_VSVM_MADVISE_READ_MOSTLY && t_below(t, 2)) {
		for (i = 0; i < n_devs; i++) {
			m.vm_id = devs[i].vm;
			err = xioctl(devs[i].fd, DRM_IOCTL_VSVM_MADVISE, &m);
			if (err)
				t_fail(t, "MADVISE of every VM: %s",
				       strerror(err));
		}
	}
}

/* A GPU read (or FILL) of [off, off + len) of the region: -EFAULT. */
static void t_expect_efault(struct thread *t, struct tdev *d, __u64 off,
			    __u64 len, bool fill, const char *what)
{
	struct drm_vsvm_exec e = {
		.op = DRM_VSVM_EXEC_READ, .ptr = (uintptr_t)t->buf,
		.va = (uintptr_t)t->region + off, .size = len,
	};
	int err;

	if (fill) {
		e.op = DRM_VSVM_EXEC_FILL;
		e.ptr = 0;
		e.width = 1;
		e.value = 0x5a;
	}
	err = t_exec(d, &e);
	if (err != EFAULT)
		t_fail(t, "%s: %s, not EFAULT", what, strerror(err));
}

/* Unmap part of the region: GPU access faults; then fresh zero pages. */
static void op_unmap(struct thread *t)
{
	struct tdev *d = t_dev(t);
	__u32 loc[RPAGES];
	__u64 off, len, i;
	void *p;
	int err;

	t_range(t, PAGE_SZ, &off, &len);
	snprintf(t->last, sizeof(t->last), "munmap dev%d off %#llx len %#llx",
		 (int)(d - devs), (unsigned long long)off,
		 (unsigned long long)len);
	igt_assert_eq(munmap(t->region + off, len), 0);
	t_expect_efault(t, d, off, len, false, "GPU read of unmapped memory");
	t_expect_efault(t, d, off, len, true, "GPU fill of unmapped memory");
	err = vsvm_residency(d->fd, d->vm, (uintptr_t)t->region + off,
			     len / PAGE_SZ, loc);
	if (err)
		t_fail(t, "RESIDENCY: %s", strerror(-err));
	for (i = 0; !err && i < len / PAGE_SZ; i++)
		if (loc[i] != DRM_VSVM_RESIDENCY_NONE)
			t_fail(t, "unmapped page %llu resides at %#x",
			       (unsigned long long)i, loc[i]);
	if (adv)
		t_no_replicas(t, off, len, "after munmap");
	p = mmap(t->region + off, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	igt_assert(p == t->region + off);
	memset(t->model + off, 0, len);
	/* no stale replica of what was there reaches a GPU */
	if (adv)
		t_read_every(t, off, len, "new memory where replicas were");
}

/* mprotect part of the region read-only: GPU writes fail, change nothing */
static void op_mprotect(struct thread *t)
{
	struct tdev *d = t_dev(t);
	struct drm_vsvm_exec e = {};
	__u64 off, len;
	int err;

	t_range(t, PAGE_SZ, &off, &len);
	snprintf(t->last, sizeof(t->last), "mprotect dev%d off %#llx len %#llx",
		 (int)(d - devs), (unsigned long long)off,
		 (unsigned long long)len);
	igt_assert_eq(mprotect(t->region + off, len, PROT_READ), 0);
	if (adv)
		t_no_replicas(t, off, len, "after mprotect");
	e.va = (uintptr_t)t->region + off;
	e.size = len;
	switch (t_below(t, 3)) {
	case 0:
		e.op = DRM_VSVM_EXEC_FILL;
		e.width = 4;
		e.value = t_rand(t);
		break;
	case 1:
		e.op = DRM_VSVM_EXEC_WRITE;
		e.ptr = (uintptr_t)t->buf;
		memset(t->buf, 0xee, len);
		break;
	default:
		e.op = DRM_VSVM_EXEC_ATOMIC_INC;
		e.width = 8;
		e.value = 1;
		break;
	}
	err = t_exec(d, &e);
	if (err != EPERM)
		t_fail(t, "GPU write (op %u) to read-only memory: %s, not EPERM",
		       e.op, strerror(err));
	t_check(t, off, len, t->region + off, "read-only memory after a GPU write");
	if (adv) {
		/* replicas of read-only memory: made, never written */
		t_read_every(t, off, len, "read-only memory");
		err = t_exec(t_dev(t), &e);
		if (err != EPERM)
			t_fail(t, "GPU write (op %u) to replicated read-only memory: %s, not EPERM",
			       e.op, strerror(err));
		t_read_every(t, off, len, "replicas after a refused write");
	}
	memset(&e, 0, sizeof(e));
	e.op = DRM_VSVM_EXEC_READ;
	e.va = (uintptr_t)t->region + off;
	e.size = len;
	e.ptr = (uintptr_t)t->buf;
	err = t_exec(d, &e);
	if (err)
		t_fail(t, "GPU read of read-only memory: %s", strerror(err));
	else
		t_check(t, off, len, t->buf, "GPU read of read-only memory");
	igt_assert_eq(mprotect(t->region + off, len, PROT_READ | PROT_WRITE),
		      0);
}

/*
 * mremap() part of the region away and back: the GPUs read and write it
 * where it is, never through a replica of where it was.
 */
static void op_mremap(struct thread *t)
{
	__u8 *away = (__u8 *)(uintptr_t)(AWAY_BASE + t->id * RSZ);
	struct tdev *d = t_dev(t);
	__u64 off, len, i;
	__u8 *p;
	int err;

	t_range(t, PAGE_SZ, &off, &len);
	snprintf(t->last, sizeof(t->last), "mremap dev%d off %#llx len %#llx",
		 (int)(d - devs), (unsigned long long)off,
		 (unsigned long long)len);
	p = mremap(t->region + off, len, len, MREMAP_MAYMOVE | MREMAP_FIXED,
		   away);
	/* a range over two VMAs (an earlier remap) does not move */
	if (p == MAP_FAILED && errno == EFAULT)
		return;
	igt_assert(p == away);
	t_expect_efault(t, d, off, len, false,
			"GPU read of memory mremap()ped away");
	t_no_replicas(t, off, len, "after mremap");
	va_read_every(t, (uintptr_t)away, len, t->model + off,
		      "memory mremap()ped away");
	{
		struct drm_vsvm_exec e = {
			.op = DRM_VSVM_EXEC_FILL, .width = 8, .value = t_rand(t),
			.va = (uintptr_t)away, .size = len,
		};

		err = t_exec_again(t_dev(t), &e);
		if (err) {
			t_fail(t, "GPU fill of memory mremap()ped away: %s",
			       strerror(err));
		} else {
			for (i = 0; i < len; i++)
				t->model[off + i] = e.value >> (8 * (i % 8));
			va_no_replicas(t, (uintptr_t)away, len,
				       "after a GPU write where it went");
		}
	}
	va_read_every(t, (uintptr_t)away, len, t->model + off,
		      "memory mremap()ped away, written");
	p = mremap(away, len, len, MREMAP_MAYMOVE | MREMAP_FIXED,
		   t->region + off);
	igt_assert(p == t->region + off);
	va_no_replicas(t, (uintptr_t)away, len, "after mremap back");
	t_read_every(t, off, len, "memory mremap()ped back");
	t_check(t, off, len, t->region + off, "CPU read after mremap back");
}

/* ---- fork ---- */

/*
 * The child of a fork by thread @t: only @t runs here. Its region must be
 * as at the fork; then it writes everything it has. No igt_assert: the
 * parent is multi-threaded, the child reports by its exit status.
 */
static int fork_child(struct thread *t)
{
	static struct tdev own[MAX_DEVICES];
	static __u8 buf[RSZ];
	int i, j, err, bad = 0;

	/* the parent's VMs: -EACCES */
	for (i = 0; i < n_devs; i++) {
		struct drm_vsvm_exec e = {
			.op = DRM_VSVM_EXEC_FILL, .width = 1, .value = 0xcc,
			.va = (uintptr_t)t->region, .size = RSZ,
		};

		err = t_exec(&devs[i], &e);
		if (err != EACCES) {
			fprintf(stderr, "child: the parent's VM on dev%d: %s\n",
				i, strerror(err));
			bad = 1;
		}
	}
	memcpy(own, devs, sizeof(own));
	err = open_devices(own, n_devs);
	if (err) {
		fprintf(stderr, "child: opening the devices: %s\n",
			strerror(err));
		return 2;
	}
	/* the advice subtest: replicas of its own of what it shares */
	for (i = 0; adv && i < n_devs; i++) {
		struct drm_vsvm_madvise m = {
			.vm_id = own[i].vm,
			.type = DRM_VSVM_MADVISE_READ_MOSTLY,
			.value = DRM_VSVM_READ_MOSTLY_ON,
			.start = (uintptr_t)mem,
			.range = NTHREADS * RSZ + 2 * PAGE_SZ,
		};

		err = xioctl(own[i].fd, DRM_IOCTL_VSVM_MADVISE, &m);
		if (err) {
			fprintf(stderr, "child: MADVISE READ_MOSTLY on dev%d: %s\n",
				i, strerror(err));
			bad = 1;
		}
	}
	/* the region as at the fork: CPU, then each GPU */
	if (memcmp(t->region, t->model, RSZ)) {
		fprintf(stderr, "child: CPU read of the region differs from the fork\n");
		bad = 1;
	}
	for (i = 0; i < n_devs; i++) {
		struct drm_vsvm_exec e = {
			.op = DRM_VSVM_EXEC_READ, .ptr = (uintptr_t)buf,
			.va = (uintptr_t)t->region, .size = RSZ,
		};

		err = t_exec(&own[i], &e);
		if (err || memcmp(buf, t->model, RSZ)) {
			fprintf(stderr, "child: GPU read on dev%d: %s%s\n", i,
				strerror(err), err ? "" : ", data differ");
			bad = 1;
		}
	}
	/* write and migrate everything, on every device */
	for (j = 0; j < 2 * n_devs; j++) {
		struct tdev *d = &own[j % n_devs];
		struct drm_vsvm_prefetch p = {
			.vm_id = d->vm, .location = DRM_VSVM_LOCATION_DEVICE,
			.start = (uintptr_t)mem,
			.range = (NTHREADS * RSZ + 2 * PAGE_SZ),
		};
		struct drm_vsvm_exec e = {
			.op = DRM_VSVM_EXEC_FILL, .width = 8,
			.value = CHILD_FILL + j,
			.va = (uintptr_t)t->region, .size = RSZ,
		};

		/* other regions may be unmapped in part at the fork */
		(void)xioctl(d->fd, DRM_IOCTL_VSVM_PREFETCH, &p);
		err = t_exec(d, &e);
		if (err) {
			fprintf(stderr, "child: GPU fill on dev%d: %s\n",
				(int)(d - own), strerror(err));
			bad = 1;
		}
		for (i = 0; i < NTHREADS; i++) {
			if (&threads[i] == t)
				continue;
			e.va = (uintptr_t)threads[i].region;
			(void)t_exec(d, &e);
		}
		e.op = DRM_VSVM_EXEC_ATOMIC_INC;
		e.value = 1000;
		e.va = (uintptr_t)ctr64;
		e.size = PAGE_SZ;
		if (t_exec(d, &e))
			bad = 1;
		e.width = 4;
		e.va = (uintptr_t)ctr32;
		if (t_exec(d, &e))
			bad = 1;
	}
	/* the child sees its own writes, GPU and CPU */
	{
		__u64 last = CHILD_FILL + 2 * n_devs - 1, v;
		struct drm_vsvm_exec e = {
			.op = DRM_VSVM_EXEC_READ, .ptr = (uintptr_t)buf,
			.va = (uintptr_t)t->region, .size = RSZ,
		};

		memcpy(&v, t->region + RSZ - 8, 8);
		if (v != last) {
			fprintf(stderr, "child: its own GPU fill is not there\n");
			bad = 1;
		}
		memset(t->region, 0xcd, RSZ / 2);
		err = t_exec(&own[0], &e);
		if (err || buf[0] != 0xcd || buf[RSZ / 2 - 1] != 0xcd) {
			fprintf(stderr, "child: GPU read of its CPU write: %s\n",
				strerror(err));
			bad = 1;
		}
		/* the advice subtest: every device, every byte, twice */
		for (j = 0; adv && j < 2 * n_devs; j++) {
			__u64 k;

			err = t_exec(&own[j % n_devs], &e);
			for (k = 0; !err && k < RSZ; k += 8) {
				memcpy(&v, buf + k, 8);
				if (v != (k < RSZ / 2 ? 0xcdcdcdcdcdcdcdcdull :
					  last))
					break;
			}
			if (err || k < RSZ) {
				fprintf(stderr, "child: dev%d reads its writes: %s, word %#llx\n",
					j % n_devs, strerror(err),
					(unsigned long long)k);
				bad = 1;
				break;
			}
		}
	}
	close_devices(own, n_devs);
	return bad;
}

static void op_fork(struct thread *t)
{
	int status;
	pid_t pid;

	/* the advice subtest: fork with the region replicated */
	if (adv)
		t_read_every(t, 0, RSZ, "read before the fork");
	snprintf(t->last, sizeof(t->last), "fork");
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	igt_assert(pid >= 0);
	if (!pid)
		_exit(fork_child(t));
	t->forks++;
	while (waitpid(pid, &status, 0) < 0)
		igt_assert_eq(errno, EINTR);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		t_fail(t, "fork child: status %#x (its report is above)",
		       status);
	/* nothing the child did shows here, to the GPU or the CPU */
	if (adv)
		t_read_every(t, 0, RSZ, "parent's GPU reads after the child");
	{
		struct drm_vsvm_exec e = {
			.op = DRM_VSVM_EXEC_READ, .ptr = (uintptr_t)t->buf,
			.va = (uintptr_t)t->region, .size = RSZ,
		};
		int err = t_exec(t_dev(t), &e);

		if (err)
			t_fail(t, "GPU read after the child: %s", strerror(err));
		else
			t_check(t, 0, RSZ, t->buf,
				"parent's GPU read after the child");
	}
	t_check(t, 0, RSZ, t->region, "parent's CPU read after the child");
}

/* One op of the advice subtest: more reads by every device, mremap. */
static void adv_step(struct thread *t, unsigned int op)
{
	if (op < 22)
		op_gpu(t);
	else if (op < 34)
		op_readall(t);
	else if (op < 44)
		op_cpu(t);
	else if (op < 52)
		op_counters(t);
	else if (op < 62)
		op_prefetch(t);
	else if (op < 79)
		op_madvise(t);
	else if (op < 84)
		op_unmap(t);
	else if (op < 89)
		op_mprotect(t);
	else if (op < 94)
		op_mremap(t);
	else if (op < 98 || t->id)
		op_cpu(t);
	else
		op_fork(t);
}

static void *thread_main(void *data)
{
	struct thread *t = data;
	unsigned int op;

	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
		op = t_below(t, 100);
		t->ops++;
		if (adv) {
			adv_step(t, op);
			continue;
		}
		if (op < 30)
			op_gpu(t);
		else if (op < 45)
			op_cpu(t);
		else if (op < 60)
			op_counters(t);
		else if (op < 75)
			op_prefetch(t);
		else if (op < 87)
			op_madvise(t);
		else if (op < 92)
			op_unmap(t);
		else if (op < 97)
			op_mprotect(t);
		else if (op < 99 || t->id)
			op_cpu(t);
		else
			op_fork(t);
	}
	return NULL;
}

/* The end: every region by the CPU and every GPU, the counters exactly. */
static void final_check(void)
{
	static __u8 buf[RSZ];
	int i, j;

	for (i = 0; i < NTHREADS; i++) {
		struct thread *t = &threads[i];

		snprintf(t->last, sizeof(t->last), "final check");
		for (j = 0; j < n_devs; j++) {
			struct drm_vsvm_exec e = {
				.op = DRM_VSVM_EXEC_READ,
				.ptr = (uintptr_t)buf,
				.va = (uintptr_t)t->region, .size = RSZ,
			};
			int err = t_exec_again(&devs[j], &e);

			if (err)
				t_fail(t, "final GPU read on dev%d: %s", j,
				       strerror(err));
			else
				t_check(t, 0, RSZ, buf, "final GPU read");
		}
		t_check(t, 0, RSZ, t->region, "final CPU read");
	}
	for (i = 0; i < (int)N32; i++) {
		__u64 want = 0;

		for (j = 0; j < NTHREADS; j++)
			want += threads[j].tally32[i];
		if (ctr32[i] != (__u32)want)
			t_fail(NULL, "32-bit counter %d is %u, expected %u%s", i,
			       ctr32[i], (__u32)want,
			       !((ctr32[i] - (__u32)want) % 1000) ?
			       " (fork children's increments: copy-on-write broken)" :
			       "");
	}
	for (i = 0; i < (int)N64; i++) {
		__u64 want = 0;

		for (j = 0; j < NTHREADS; j++)
			want += threads[j].tally64[i];
		if (ctr64[i] != want)
			t_fail(NULL, "64-bit counter %d is %llu, expected %llu%s",
			       i, (unsigned long long)ctr64[i],
			       (unsigned long long)want,
			       !((ctr64[i] - want) % 1000) ?
			       " (fork children's increments: copy-on-write broken)" :
			       "");
	}
}

/* One process of the torture: its threads, until the time is up. */
static void torture_process(int p)
{
	pthread_t th[NTHREADS];
	size_t len = NTHREADS * RSZ + 2 * PAGE_SZ;
	struct timespec deadline;
	int i, err;

	proc_id = p;
	err = open_devices(devs, n_devs);
	igt_assert_f(!err, "opening the devices: %s\n", strerror(err));
	/*
	 * Far below the mmap area: no other mapping (a stack, a buffer of
	 * the C library) may land in a part a thread has unmapped.
	 */
	mem = mmap((void *)0x300000000ull, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	igt_assert(mem == (void *)0x300000000ull);
	ctr32 = (__u32 *)(mem + NTHREADS * RSZ);
	ctr64 = (__u64 *)(mem + NTHREADS * RSZ + PAGE_SZ);
	memset(ctr32, 0, 2 * PAGE_SZ);
	for (i = 0; i < NTHREADS; i++) {
		struct thread *t = &threads[i];
		__u64 j;

		t->id = i;
		t->rng.seed = vsvm_stress_subseed(&stress, 100 * p + i + 1 +
						  (adv ? 1000 : 0));
		t->region = mem + (size_t)i * RSZ;
		for (j = 0; j < RSZ; j++)
			t->model[j] = t_rand(t);
		memcpy(t->region, t->model, RSZ);
	}
	for (i = 0; i < NTHREADS; i++)
		igt_assert_eq(pthread_create(&th[i], NULL, thread_main,
					     &threads[i]), 0);
	while (vsvm_stress_running(&stress))
		usleep(100000);
	__atomic_store_n(&stop, true, __ATOMIC_RELEASE);
	/* a thread stuck for a minute is stuck in the kernel: say where */
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 60;
	for (i = 0; i < NTHREADS; i++) {
		err = pthread_timedjoin_np(th[i], NULL, &deadline);
		igt_assert_f(!err, "seed %llu, process %d: thread %d stuck in op %lu (%s): %s\n",
			     (unsigned long long)stress.seed, p, i,
			     threads[i].ops, threads[i].last, strerror(err));
	}
	final_check();
	for (i = 0; i < NTHREADS; i++) {
		reports[p].ops += threads[i].ops;
		reports[p].forks += threads[i].forks;
	}
	reports[p].fails = fails;
	reports[p].replicated = replicated;
	reports[p].busy = busy;
	close_devices(devs, n_devs);
	munmap(mem, len);
}

/*
 * The advice subtest's other process: it fills the VRAM of one device
 * after the other, evicting the torture's migrated memory and dropping its
 * replicas, and checks its own data.
 */
static void evict_process(int p)
{
	__u64 state = vsvm_stress_subseed(&stress, 1000 + 100 * p);
	__u64 vram[MAX_DEVICES];
	int i, err;

	proc_id = p;
	err = open_devices(devs, n_devs);
	igt_assert_f(!err, "opening the devices: %s\n", strerror(err));
	for (i = 0; i < n_devs; i++) {
		struct drm_vsvm_query_device info;

		vsvm_device_info(devs[i].fd, &info);
		vram[i] = info.vram_size;
	}
	while (vsvm_stress_running(&stress)) {
		struct tdev *d = &devs[vsvm_rand_below(&state, n_devs)];
		__u64 size = vram[d - devs], j;
		__u8 tag = vsvm_rand(&state);
		__u8 *b;

		/* filling a large VRAM takes seconds in the debug rig */
		if (size > (16ull << 20) && vsvm_rand_below(&state, 4)) {
			usleep(100000);
			continue;
		}
		b = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		igt_assert(b != MAP_FAILED);
		for (j = 0; j < size; j += PAGE_SZ)
			b[j] = tag + (j >> 12);
		err = vsvm_prefetch(d->fd, d->vm, DRM_VSVM_LOCATION_DEVICE,
				    (uintptr_t)b, size, 0, NULL);
		/* what others keep busy may stay: -EBUSY, -ENOMEM */
		if (err && err != -EBUSY && err != -ENOMEM) {
			fails++;
			igt_warn("vsvm_torture FAILURE seed %llu, evictor: PREFETCH of %llu MiB to dev%d: %s\n",
				 (unsigned long long)stress.seed,
				 (unsigned long long)(size >> 20),
				 (int)(d - devs), strerror(-err));
		}
		reports[p].evictions++;
		/* a sample of the pages, by the CPU */
		for (j = 0; j < size; j += 64 * PAGE_SZ)
			if (b[j] != (__u8)(tag + (j >> 12))) {
				fails++;
				igt_warn("vsvm_torture FAILURE seed %llu, evictor: page %llu of its buffer is %#x, not %#x\n",
					 (unsigned long long)stress.seed,
					 (unsigned long long)(j >> 12), b[j],
					 (__u8)(tag + (j >> 12)));
				break;
			}
		igt_assert_eq(munmap(b, size), 0);
		usleep(100000);
	}
	reports[p].fails = fails;
	close_devices(devs, n_devs);
}

/* Under make stress each subtest takes half the binary's time. */
static void arm(unsigned int slice)
{
	const char *env = getenv("VSVM_STRESS_SECONDS");
	unsigned int secs = env ? strtoul(env, NULL, 0) / 2 : 0;

	if (!secs)
		secs = env && strtoul(env, NULL, 0) ? 1 : slice;
	clock_gettime(CLOCK_MONOTONIC, &stress.end);
	stress.end.tv_sec += secs;
	stress.seconds = secs;
	igt_info("seed %llu, %u s\n", (unsigned long long)stress.seed, secs);
}

static void run_torture(int nproc)
{
	struct timespec t0, t1;
	unsigned long ops = 0, forks = 0, nfails = 0, repl = 0, evict = 0;
	unsigned long nbusy = 0;
	double t;
	int p;

	memset(reports, 0, (NPROC + 1) * sizeof(*reports));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	igt_fork(child, nproc) {
		if (child < NPROC)
			torture_process(child);
		else
			evict_process(child);
	}
	igt_waitchildren();
	clock_gettime(CLOCK_MONOTONIC, &t1);
	t = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	for (p = 0; p < nproc; p++) {
		ops += reports[p].ops;
		forks += reports[p].forks;
		nfails += reports[p].fails;
		repl += reports[p].replicated;
		evict += reports[p].evictions;
		nbusy += reports[p].busy;
	}
	igt_info("%s: %d processes x %d threads, %d devices: %lu ops (%.0f/s), %lu forks, %lu failures, seed %llu\n",
		 adv ? "advice" : "torture", NPROC, NTHREADS, n_devs, ops,
		 ops / (t > 0 ? t : 1), forks, nfails,
		 (unsigned long long)stress.seed);
	if (adv)
		igt_info("advice: %lu pages seen replicated, %lu VRAM fills by the evictor, %lu EXEC -EBUSY called again\n",
			 repl, evict, nbusy);
	igt_assert_f(!nfails, "%lu failures, seed %llu\n", nfails,
		     (unsigned long long)stress.seed);
}

static void test_torture(void)
{
	arm(TORTURE_SLICE);
	run_torture(NPROC);
}

/* The module parameters the advice subtest tunes, and their values. */
static const struct {
	const char *module;
	const char *name;
	__u64 value;
} adv_params[] = {
	/* counters: on where not advised; a few remote reads move a block */
	{ "vsvm", "access_counters", 1 },
	{ "vsvm", "access_counter_granularity_kb", 64 },
	{ "vsvm", "access_counter_threshold", 16 },
	/* the policy: 64 KiB blocks, detection and pins within milliseconds */
	{ "drm_msvm", "policy_block_kb", 64 },
	{ "drm_msvm", "thrashing_lapse_us", 20000 },
	{ "drm_msvm", "thrashing_nap", 1 },
	{ "drm_msvm", "thrashing_pin_threshold", 2 },
	{ "drm_msvm", "thrashing_pin", 10 },
	{ "drm_msvm", "thrashing_epoch", 200 },
	/* set from the seed: 0 or 10000 */
	{ "drm_msvm", "replica_write_hold_us", 0 },
};

static __u64 adv_saved[ARRAY_SIZE(adv_params)];
static bool adv_set[ARRAY_SIZE(adv_params)];

/* The counters of every device, summed: what the advice subtest did. */
static const char *const adv_counters[] = {
	"replica_made", "replica_collapsed", "replica_dropped",
	"access_migrations", "policy_thrashing", "policy_pins",
};

static void adv_sum(__u64 *sum)
{
	unsigned int c;
	int i;

	for (c = 0; c < ARRAY_SIZE(adv_counters); c++) {
		sum[c] = 0;
		for (i = 0; i < n_devs; i++) {
			__u64 v = 0;

			if (!vsvm_counter(devs[i].minor, adv_counters[c], &v))
				sum[c] += v;
		}
	}
}

static void test_advice(void)
{
	__u64 before[ARRAY_SIZE(adv_counters)], after[ARRAY_SIZE(adv_counters)];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(adv_params); i++) {
		__u64 v = adv_params[i].value;

		igt_require_f(!vsvm_module_param_get(adv_params[i].module,
						     adv_params[i].name,
						     &adv_saved[i]),
			      "no parameter %s.%s\n", adv_params[i].module,
			      adv_params[i].name);
		if (!strcmp(adv_params[i].name, "replica_write_hold_us"))
			v = stress.seed & 1 ? 0 : 10000;
		igt_assert_eq(vsvm_module_param_set(adv_params[i].module,
						    adv_params[i].name, v), 0);
		adv_set[i] = true;
	}
	adv_sum(before);
	adv = true;
	arm(ADVICE_SLICE);
	run_torture(NPROC + 1);
	adv_sum(after);
	for (i = 0; i < ARRAY_SIZE(adv_counters); i++)
		igt_info("advice: %s %llu\n", adv_counters[i],
			 (unsigned long long)(after[i] - before[i]));
}

static void adv_restore(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(adv_params); i++)
		if (adv_set[i])
			vsvm_module_param_set(adv_params[i].module,
					      adv_params[i].name, adv_saved[i]);
}

int igt_main()
{
	igt_fixture() {
		vsvm_stress_init(&stress, "vsvm_torture", TORTURE_SLICE);
		find_devices();
		reports = mmap(NULL, PAGE_SZ, PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		igt_assert(reports != MAP_FAILED);
	}

	igt_describe("Threads, processes, devices and fork against a shadow model.");
	igt_subtest("torture")
		test_torture();

	igt_describe("The torture with READ_MOSTLY, ACCESS_COUNTERS, THRASHING, an evictor.");
	igt_subtest("advice")
		test_advice();

	igt_fixture()
		adv_restore();
}
