// SPDX-License-Identifier: MIT
/*
 * vsvm_cow: process isolation and write protection hold for GPU writes.
 *
 * fork-*: a parent writes private anonymous memory and places it (system
 * memory, or its device's VRAM), then forks. The child opens a vsvm device
 * of its own (every device in turn: the parent's, a P2P peer, a device
 * with no path, a system-memory device), creates its own VM and writes the
 * inherited range with the GPU (EXEC WRITE or FILL, with or without a CPU
 * read first). Copy-on-write must hold as for CPU writes: the child reads
 * its own bytes back, with the CPU and the GPU; the parent still reads its
 * own, with the CPU and with its GPU.
 *
 * fork-migrate-own: a child's PREFETCH to its VRAM and its GPU read faults
 * move only the child's own copy of shared pages: the parent's pages stay
 * where they were (drm_pagemap_migrate_to_devmem() breaks the sharing
 * first, as a CPU write would).
 *
 * mprotect-race: a thread fills a buffer with the GPU, over and over,
 * while others migrate it between system memory and VRAM and advise it;
 * the main thread makes it read-only, checks that its bytes do not change
 * for a while, then makes it writable again. Every fill returns 0 or
 * -EPERM, and no GPU write lands while the VMA is read-only.
 *
 * mprotect-neighbour: GPU fills of writable pages succeed while another
 * page of the same 64 KiB range flips between read-only and writable.
 *
 * fork-access-counters: the parent's buffer in a device A's VRAM, shared
 * copy-on-write with a child whose P2P peer B reads it in place until its
 * access counters move it (the child's copy only). Parent and child each
 * write their copy by CPU and by GPU (A and B) and read it on both: each
 * sees only its own data, and the parent's pages never go to another
 * VRAM.
 *
 * no-efault: GPU READ, WRITE, FILL and COPY on valid, mapped memory, while
 * other threads migrate, prefetch and advise the same buffer, never fail
 * with -EFAULT (a race with a migration or an invalidation is retried
 * inside the call) and keep the data exact.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
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
#include "vsvm_stress.h"
#include "vsvm_workload.h"
#include <drm/vsvm_drm.h>

#define MAX_DEVICES	64
#define PAGE_SZ		4096ul
#define BUF_PAGES	16ul
#define BUF_SIZE	(BUF_PAGES * PAGE_SZ)

struct dev {
	int fd;
	int minor;
	__u32 vm;
	__u32 index;
};

static struct dev devs[MAX_DEVICES];
static int n_devs;

/* The device's index, or -1: no igt assertion, children call it too. */
static int dev_index(int fd)
{
	struct drm_vsvm_query_device info;
	struct drm_vsvm_query q;

	memset(&q, 0, sizeof(q));
	memset(&info, 0, sizeof(info));
	q.query = DRM_VSVM_QUERY_DEVICE;
	q.size = sizeof(info);
	q.data = (uintptr_t)&info;
	if (drmIoctl(fd, DRM_IOCTL_VSVM_QUERY, &q))
		return -1;
	return info.index;
}

/*
 * Open every vsvm device with a VM of this process on each. Return: the
 * number of devices, or -1. No igt assertion: forked children call it.
 */
static int open_devs(struct dev *d, int max)
{
	struct vsvm_node nodes[MAX_DEVICES];
	int i, idx, n = vsvm_open_nodes(nodes, max);

	for (i = 0; i < n; i++) {
		d[i].fd = nodes[i].fd;
		d[i].minor = nodes[i].minor;
		idx = dev_index(d[i].fd);
		if (idx < 0 || vsvm_vm_create(d[i].fd, &d[i].vm))
			return -1;
		d[i].index = idx;
	}
	return n;
}

static __u8 *map_buf(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	igt_assert(p != MAP_FAILED);
	return p;
}

static void fill_pattern(__u8 *p, size_t size, __u8 seed)
{
	size_t i;

	for (i = 0; i < size; i++)
		p[i] = (__u8)(seed + i * 7 + (i >> 12));
}

/* The first byte of @p (size @size) that differs from the pattern, or -1. */
static long check_pattern(const __u8 *p, size_t size, __u8 seed)
{
	size_t i;

	for (i = 0; i < size; i++)
		if (p[i] != (__u8)(seed + i * 7 + (i >> 12)))
			return i;
	return -1;
}

enum place { PLACE_SYSTEM, PLACE_VRAM };

static const char *place_name(enum place p)
{
	return p == PLACE_SYSTEM ? "system" : "vram";
}

static int place_buf(const struct dev *d, void *buf, size_t size,
		     enum place where)
{
	__u64 moved;

	return vsvm_prefetch(d->fd, d->vm, where == PLACE_SYSTEM ?
			     DRM_VSVM_LOCATION_SYSTEM :
			     DRM_VSVM_LOCATION_DEVICE,
			     (uintptr_t)buf, size, 0, &moved);
}

static int residency(const struct dev *d, const void *buf, size_t npages,
		     __u32 *loc)
{
	return vsvm_residency(d->fd, d->vm, (uintptr_t)buf, npages, loc);
}

/* Every page of @loc is @want. */
static bool all_at(const __u32 *loc, size_t npages, __u32 want)
{
	size_t i;

	for (i = 0; i < npages; i++)
		if (loc[i] != want)
			return false;
	return true;
}

enum child_op { OP_WRITE, OP_FILL, OP_READ_WRITE };

static const char *op_name(enum child_op op)
{
	switch (op) {
	case OP_WRITE:
		return "write";
	case OP_FILL:
		return "fill";
	default:
		return "read-write";
	}
}

#define FILL_VALUE	0x5aa5c33cu

/* The child's side of fork-*: returns an exit status, 0 for success. */
static int cow_child(__u8 *buf, int child_minor, enum child_op op,
		     __u8 parent_seed)
{
	struct dev cd[MAX_DEVICES];
	__u8 *src = malloc(BUF_SIZE), *back = malloc(BUF_SIZE);
	const struct dev *c = NULL;
	long bad;
	int i, n, ret;
	size_t k;

	if (!src || !back)
		return 10;
	n = open_devs(cd, MAX_DEVICES);
	for (i = 0; i < n; i++)
		if (cd[i].minor == child_minor)
			c = &cd[i];
	if (!c)
		return 11;

	/* The child sees the parent's bytes as of the fork. */
	if (op == OP_READ_WRITE) {
		bad = check_pattern(buf, BUF_SIZE, parent_seed);
		if (bad >= 0) {
			fprintf(stderr, "child: CPU read differs at %ld\n", bad);
			return 12;
		}
		ret = vsvm_exec_read(c->fd, c->vm, buf, BUF_SIZE, back, NULL);
		if (ret || check_pattern(back, BUF_SIZE, parent_seed) >= 0) {
			fprintf(stderr, "child: GPU read: %d\n", ret);
			return 13;
		}
	}

	if (op == OP_FILL) {
		ret = vsvm_exec_fill(c->fd, c->vm, buf, BUF_SIZE, 4,
				     FILL_VALUE, NULL);
		for (k = 0; k < BUF_SIZE / 4; k++)
			((__u32 *)src)[k] = FILL_VALUE;
	} else {
		fill_pattern(src, BUF_SIZE, parent_seed + 101);
		ret = vsvm_exec_write(c->fd, c->vm, buf, BUF_SIZE, src, NULL);
	}
	if (ret) {
		fprintf(stderr, "child: GPU %s: %s\n", op_name(op),
			strerror(-ret));
		return 14;
	}
	if (memcmp(buf, src, BUF_SIZE)) {
		fprintf(stderr, "child: CPU does not see the GPU's write\n");
		return 15;
	}
	ret = vsvm_exec_read(c->fd, c->vm, buf, BUF_SIZE, back, NULL);
	if (ret || memcmp(back, src, BUF_SIZE)) {
		fprintf(stderr, "child: GPU read back: %d\n", ret);
		return 16;
	}
	return 0;
}

static void test_fork_cow(const struct dev *p, const struct dev *c,
			  enum place where, enum child_op op, __u8 seed)
{
	__u8 *buf = map_buf(BUF_SIZE), *back = malloc(BUF_SIZE);
	__u32 loc[BUF_PAGES];
	int status;
	long bad;
	pid_t pid;

	igt_assert(back);
	fill_pattern(buf, BUF_SIZE, seed);
	igt_assert_eq(place_buf(p, buf, BUF_SIZE, where), 0);
	igt_assert_eq(residency(p, buf, BUF_PAGES, loc), 0);
	igt_assert_f(all_at(loc, BUF_PAGES, where == PLACE_SYSTEM ?
			    DRM_VSVM_RESIDENCY_SYSTEM :
			    DRM_VSVM_RESIDENCY_DEVICE(p->index)),
		     "parent's buffer is not in %s\n", place_name(where));

	pid = fork();
	igt_assert(pid >= 0);
	if (pid == 0)
		_exit(cow_child(buf, c->minor, op, seed));
	igt_assert_eq(waitpid(pid, &status, 0), pid);
	igt_assert_f(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		     "parent renderD%d %s, child renderD%d %s: child status %#x\n",
		     p->minor, place_name(where), c->minor, op_name(op),
		     status);

	/* The parent's bytes are its own, for its CPU and its GPU. */
	bad = check_pattern(buf, BUF_SIZE, seed);
	igt_assert_f(bad < 0,
		     "parent renderD%d %s, child renderD%d %s: the child's write reached the parent (CPU, byte %ld)\n",
		     p->minor, place_name(where), c->minor, op_name(op), bad);
	igt_assert_eq(vsvm_exec_read(p->fd, p->vm, buf, BUF_SIZE, back, NULL),
		      0);
	bad = check_pattern(back, BUF_SIZE, seed);
	igt_assert_f(bad < 0,
		     "parent renderD%d %s, child renderD%d %s: the child's write reached the parent (GPU, byte %ld)\n",
		     p->minor, place_name(where), c->minor, op_name(op), bad);
	munmap(buf, BUF_SIZE);
	free(back);
}

/* The parents: the first device, and the last one (a sysmem device). */
static void fork_cow_all(enum place where, enum child_op op)
{
	int pi, ci, parents[2] = { 0, n_devs - 1 };
	__u8 seed = 1;

	for (pi = 0; pi < (n_devs > 1 ? 2 : 1); pi++)
		for (ci = 0; ci < n_devs; ci++)
			test_fork_cow(&devs[parents[pi]], &devs[ci], where, op,
				      seed++);
}

/*
 * A child's PREFETCH and GPU read faults move its own copy of the shared
 * pages, never the parent's. The child reports on @done and waits on @go
 * before it exits (its exit would tear its VRAM allocations down).
 */
static int migrate_own_child(__u8 *buf, int child_minor, __u8 seed,
			     int done, int go)
{
	struct dev cd[MAX_DEVICES];
	__u8 *back = malloc(BUF_SIZE);
	const struct dev *c = NULL;
	__u32 loc[BUF_PAGES];
	char ok = 1;
	int i, n, ret;

	n = open_devs(cd, MAX_DEVICES);
	for (i = 0; i < n; i++)
		if (cd[i].minor == child_minor)
			c = &cd[i];
	if (!c || !back)
		return 20;
	/* First half by PREFETCH, second half by GPU read faults. */
	ret = place_buf(c, buf, BUF_SIZE / 2, PLACE_VRAM);
	if (ret) {
		fprintf(stderr, "child: PREFETCH: %s\n", strerror(-ret));
		return 21;
	}
	ret = vsvm_exec_read(c->fd, c->vm, buf, BUF_SIZE, back, NULL);
	if (ret || check_pattern(back, BUF_SIZE, seed) >= 0) {
		fprintf(stderr, "child: GPU read: %d\n", ret);
		return 22;
	}
	if (residency(c, buf, BUF_PAGES, loc) ||
	    !all_at(loc, BUF_PAGES, DRM_VSVM_RESIDENCY_DEVICE(c->index))) {
		fprintf(stderr, "child: its copy is not in its VRAM\n");
		return 23;
	}
	if (check_pattern(buf, BUF_SIZE, seed) >= 0)
		return 24;
	if (write(done, &ok, 1) != 1 || read(go, &ok, 1) != 1)
		return 25;
	return 0;
}

static void test_fork_migrate_own(const struct dev *p, const struct dev *c)
{
	__u8 *buf = map_buf(BUF_SIZE);
	int done[2], go[2], status;
	__u32 loc[BUF_PAGES];
	char ok = 0;
	pid_t pid;

	fill_pattern(buf, BUF_SIZE, 77);
	igt_assert_eq(place_buf(p, buf, BUF_SIZE, PLACE_SYSTEM), 0);
	igt_assert_eq(pipe(done), 0);
	igt_assert_eq(pipe(go), 0);
	pid = fork();
	igt_assert(pid >= 0);
	if (pid == 0)
		_exit(migrate_own_child(buf, c->minor, 77, done[1], go[0]));
	close(done[1]);
	close(go[0]);
	/* While the child lives, with its copy in its VRAM. */
	if (read(done[0], &ok, 1) == 1)
		igt_assert_eq(residency(p, buf, BUF_PAGES, loc), 0);
	igt_assert_eq(write(go[1], &ok, 1), 1);
	igt_assert_eq(waitpid(pid, &status, 0), pid);
	close(done[0]);
	close(go[1]);
	igt_assert_f(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		     "child renderD%d: status %#x\n", c->minor, status);
	igt_assert_f(all_at(loc, BUF_PAGES, DRM_VSVM_RESIDENCY_SYSTEM),
		     "child renderD%d moved the parent's pages (page 0 at %#x)\n",
		     c->minor, loc[0]);
	igt_assert(check_pattern(buf, BUF_SIZE, 77) < 0);
	munmap(buf, BUF_SIZE);
}

/* Two devices with a P2P link: *a, *b; false if there are none. */
static bool p2p_pair(const struct dev **a, const struct dev **b)
{
	int i, j;

	for (i = 0; i < n_devs; i++)
		for (j = 0; j < n_devs; j++)
			if (i != j && vsvm_link_to(devs[i].fd, devs[j].index) ==
				      DRM_VSVM_LINK_P2P) {
				*a = &devs[i];
				*b = &devs[j];
				return true;
			}
	return false;
}

static const struct {
	const char *module;
	const char *name;
	__u64 value;
} fa_params[] = {
	{ "vsvm", "access_counter_threshold", 16 },
	{ "vsvm", "access_counter_granularity_kb", 64 },
};

static __u64 fa_saved[ARRAY_SIZE(fa_params)];

static void fa_params_set(bool set)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(fa_params); i++) {
		if (set)
			igt_assert_eq(vsvm_module_param_get(fa_params[i].module,
							    fa_params[i].name,
							    &fa_saved[i]), 0);
		igt_assert_eq(vsvm_module_param_set(fa_params[i].module,
						    fa_params[i].name,
						    set ? fa_params[i].value :
						    fa_saved[i]), 0);
	}
}

/* @who's copy, written by CPU (first half) and GPU @g (second half). */
static int write_copy(const struct dev *g, __u8 *buf, __u8 seed)
{
	__u8 *src = malloc(BUF_SIZE);
	int ret;

	if (!src)
		return -ENOMEM;
	fill_pattern(src, BUF_SIZE, seed);
	memcpy(buf, src, BUF_SIZE / 2);
	ret = vsvm_exec_write(g->fd, g->vm, buf + BUF_SIZE / 2,
			      BUF_SIZE / 2, src + BUF_SIZE / 2, NULL);
	free(src);
	return ret;
}

/* @buf reads as @seed's pattern on @x, @y and the CPU: 0, else a step. */
static int read_copy(const struct dev *x, const struct dev *y, __u8 *buf,
		     __u8 seed)
{
	__u8 *back = malloc(BUF_SIZE);
	int ret = 0;

	if (!back)
		return 1;
	if (vsvm_exec_read(x->fd, x->vm, buf, BUF_SIZE, back, NULL) ||
	    check_pattern(back, BUF_SIZE, seed) >= 0)
		ret = 2;
	else if (vsvm_exec_read(y->fd, y->vm, buf, BUF_SIZE, back, NULL) ||
		 check_pattern(back, BUF_SIZE, seed) >= 0)
		ret = 3;
	else if (check_pattern(buf, BUF_SIZE, seed) >= 0)
		ret = 4;
	free(back);
	return ret;
}

static const struct dev *own_dev(struct dev *cd, int n, int minor)
{
	int i;

	for (i = 0; i < n; i++)
		if (cd[i].minor == minor)
			return &cd[i];
	return NULL;
}

/*
 * The child of fork-access-counters: B reads its copy in place until its
 * access counters move it into B's VRAM; then it writes its copy, waits
 * for the parent's writes, and checks that it still reads its own. Exit
 * status: the step that failed.
 */
static int fa_child(__u8 *buf, int a_minor, int b_minor, int done, int go)
{
	struct dev cd[MAX_DEVICES];
	const struct dev *a, *b;
	__u8 *back = malloc(BUF_SIZE);
	__u32 loc[BUF_PAGES];
	int n, i, ret;
	char c = 0;

	n = open_devs(cd, MAX_DEVICES);
	a = own_dev(cd, n, a_minor);
	b = own_dev(cd, n, b_minor);
	if (!a || !b || !back)
		return 30;
	if (vsvm_madvise(b->fd, b->vm, DRM_VSVM_MADVISE_MIGRATION_POLICY,
			 (uintptr_t)buf, BUF_SIZE,
			 DRM_VSVM_MIGRATE_ONLY_SYSTEM_PAGES, 0) ||
	    vsvm_madvise(b->fd, b->vm, DRM_VSVM_MADVISE_ACCESS_COUNTERS,
			 (uintptr_t)buf, BUF_SIZE,
			 DRM_VSVM_ACCESS_COUNTERS_ON, 0))
		return 31;
	/* B reads in place until its counters move its copy */
	for (i = 0; i < 4; i++)
		if (vsvm_exec_read(b->fd, b->vm, buf, BUF_SIZE, back, NULL) ||
		    check_pattern(back, BUF_SIZE, 90) >= 0)
			return 32;
	/* the child's copy is in B's VRAM */
	if (residency(b, buf, BUF_PAGES, loc) ||
	    !all_at(loc, BUF_PAGES, DRM_VSVM_RESIDENCY_DEVICE(b->index))) {
		fprintf(stderr, "child: not in B's VRAM (page 0 at %#x)\n",
			loc[0]);
		return 33;
	}
	/* the parent checks that its pages did not move */
	if (write(done, &c, 1) != 1 || read(go, &c, 1) != 1)
		return 35;
	if (read_copy(a, b, buf, 90))
		return 34;
	if (write(done, &c, 1) != 1 || read(go, &c, 1) != 1)
		return 38;
	/* the parent wrote its copy: ours did not change */
	ret = read_copy(b, a, buf, 90);
	if (ret)
		return 40 + ret;
	ret = write_copy(b, buf, 92);
	if (ret)
		return 36;
	ret = read_copy(a, b, buf, 92);
	if (ret)
		return 50 + ret;
	if (write(done, &c, 1) != 1 || read(go, &c, 1) != 1)
		return 37;
	ret = read_copy(b, a, buf, 92);
	if (ret)
		return 60 + ret;
	free(back);
	return 0;
}

/*
 * The parent's pages after the child's migrations: where they were, or in
 * system memory. Never in another VRAM: the child moves its own copy.
 * (System memory: the child's migration breaks the copy-on-write sharing
 * first, as a CPU write would, and a CPU write fault on a device page
 * shared with another process migrates the page back to system memory
 * for both processes, see drm_pagemap_break_cow(); the data stays each
 * process's own.)
 */
static bool parent_stays(const __u32 *loc, const __u32 *want)
{
	size_t i;

	for (i = 0; i < BUF_PAGES; i++)
		if (loc[i] != want[i] && loc[i] != DRM_VSVM_RESIDENCY_SYSTEM)
			return false;
	return true;
}

static void test_fork_counters(void)
{
	const struct dev *a, *b;
	/* one 64 KiB counter block: aligned to it */
	__u8 *map = map_buf(2 * BUF_SIZE);
	__u8 *buf = (__u8 *)(((uintptr_t)map + BUF_SIZE - 1) &
			     ~(uintptr_t)(BUF_SIZE - 1));
	int done[2], go[2], status, ret = 0, i;
	__u32 loc[BUF_PAGES], want[BUF_PAGES];
	pid_t pid;
	char c = 0;

	igt_require_f(p2p_pair(&a, &b), "no two devices with a P2P link\n");
	fa_params_set(true);
	fill_pattern(buf, BUF_SIZE, 90);
	igt_assert_eq(place_buf(a, buf, BUF_SIZE, PLACE_VRAM), 0);
	igt_assert_eq(residency(a, buf, BUF_PAGES, want), 0);
	for (i = 0; i < (int)BUF_PAGES; i++)
		if (want[i] >= DRM_VSVM_RESIDENCY_DEVICE(0))
			break;
	igt_assert_f(i < (int)BUF_PAGES,
		     "no page of the parent's buffer in VRAM (page 0 at %#x)\n",
		     want[0]);
	igt_assert_eq(pipe(done), 0);
	igt_assert_eq(pipe(go), 0);
	pid = fork();
	igt_assert(pid >= 0);
	if (pid == 0)
		_exit(fa_child(buf, a->minor, b->minor, done[1], go[0]));
	close(done[1]);
	close(go[0]);
	if (read(done[0], &c, 1) != 1) {
		ret = 1;
	} else {
		/* the child's counters moved its copy, not ours */
		ret = residency(a, buf, BUF_PAGES, loc) ? 2 :
		      !parent_stays(loc, want) ? 3 :
		      write(go[1], &c, 1) != 1 ? 10 :
		      read(done[0], &c, 1) != 1 ? 11 :
		      residency(a, buf, BUF_PAGES, loc) ? 12 :
		      !parent_stays(loc, want) ? 13 :
		      read_copy(b, a, buf, 90) ? 4 :
		      write_copy(b, buf, 91) ? 5 :
		      read_copy(a, b, buf, 91) ? 6 :
		      write(go[1], &c, 1) != 1 ? 7 :
		      read(done[0], &c, 1) != 1 ? 8 :
		      read_copy(b, a, buf, 91) ? 9 : 0;
	}
	if (ret)
		kill(pid, SIGKILL);
	else
		igt_assert_eq(write(go[1], &c, 1), 1);
	igt_assert_eq(waitpid(pid, &status, 0), pid);
	close(done[0]);
	close(go[1]);
	fa_params_set(false);
	for (i = 0; (ret == 3 || ret == 13) && i < (int)BUF_PAGES; i++)
		if (loc[i] != want[i])
			igt_info("parent's page %d: at %#x before the child's work, %#x after\n",
				 i, want[i], loc[i]);
	igt_assert_f(!ret, "parent: step %d failed (the child's status %#x)\n",
		     ret, status);
	igt_assert_f(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		     "child: status %#x (the step that failed)\n", status);
	munmap(map, 2 * BUF_SIZE);
}

/* Threads that keep moving and advising a buffer until told to stop. */
struct churn {
	const struct dev *d;
	__u8 *buf;
	size_t size;
	bool stop;
	__u64 seed;
	unsigned long ops;
};

static void *churn_thread(void *arg)
{
	struct churn *ch = arg;
	__u64 st = ch->seed;

	while (!__atomic_load_n(&ch->stop, __ATOMIC_RELAXED)) {
		size_t npages = ch->size / PAGE_SZ;
		size_t first = vsvm_rand_below(&st, npages);
		size_t len = 1 + vsvm_rand_below(&st, npages - first);
		__u64 start = (uintptr_t)ch->buf + first * PAGE_SZ;
		__u64 moved;

		switch (vsvm_rand_below(&st, 3)) {
		case 0:
			vsvm_prefetch(ch->d->fd, ch->d->vm,
				      DRM_VSVM_LOCATION_SYSTEM, start,
				      len * PAGE_SZ, 0, &moved);
			break;
		case 1:
			vsvm_prefetch(ch->d->fd, ch->d->vm,
				      DRM_VSVM_LOCATION_DEVICE, start,
				      len * PAGE_SZ, 0, &moved);
			break;
		default:
			vsvm_madvise(ch->d->fd, ch->d->vm,
				     DRM_VSVM_MADVISE_PREFERRED_LOC,
				     start, len * PAGE_SZ,
				     vsvm_rand_below(&st, 2) ?
				     DRM_VSVM_LOCATION_SYSTEM :
				     DRM_VSVM_LOCATION_DEVICE, 0);
			break;
		}
		ch->ops++;
	}
	return NULL;
}

struct filler {
	const struct dev *d;
	__u8 *buf;
	size_t size;
	bool stop;
	int bad_ret;
	unsigned long fills, eperm;
};

static void *fill_thread(void *arg)
{
	struct filler *f = arg;
	__u32 v = 1;

	while (!__atomic_load_n(&f->stop, __ATOMIC_RELAXED)) {
		int ret = vsvm_exec_fill(f->d->fd, f->d->vm, f->buf, f->size,
					 4, v++, NULL);

		if (ret == -EPERM)
			f->eperm++;
		else if (ret)
			f->bad_ret = ret;
		f->fills++;
	}
	return NULL;
}

static void test_mprotect_race(const struct dev *d, const struct vsvm_stress *st,
			       unsigned int rounds)
{
	size_t size = 64 * PAGE_SZ;
	__u8 *buf = map_buf(size), *snap = malloc(size);
	struct churn ch[2] = {
		{ .d = d, .buf = buf, .size = size,
		  .seed = vsvm_stress_subseed(st, 1) },
		{ .d = d, .buf = buf, .size = size,
		  .seed = vsvm_stress_subseed(st, 2) },
	};
	struct filler f = { .d = d, .buf = buf, .size = size };
	pthread_t tc[2], tf;
	unsigned int r, i;

	igt_assert(snap);
	memset(buf, 0, size);
	for (i = 0; i < 2; i++)
		igt_assert_eq(pthread_create(&tc[i], NULL, churn_thread,
					     &ch[i]), 0);
	igt_assert_eq(pthread_create(&tf, NULL, fill_thread, &f), 0);

	for (r = 0; r < rounds; r++) {
		igt_assert_eq(mprotect(buf, size, PROT_READ), 0);
		memcpy(snap, buf, size);
		/* Let the filler and the churn run against the RO VMA. */
		for (i = 0; i < 20; i++) {
			usleep(1000);
			igt_assert_f(!memcmp(snap, buf, size),
				     "renderD%d round %u: a GPU write landed in read-only memory\n",
				     d->minor, r);
		}
		igt_assert_eq(mprotect(buf, size, PROT_READ | PROT_WRITE), 0);
		usleep(20000);
	}
	__atomic_store_n(&f.stop, true, __ATOMIC_RELAXED);
	__atomic_store_n(&ch[0].stop, true, __ATOMIC_RELAXED);
	__atomic_store_n(&ch[1].stop, true, __ATOMIC_RELAXED);
	pthread_join(tf, NULL);
	pthread_join(tc[0], NULL);
	pthread_join(tc[1], NULL);
	igt_info("renderD%d: %u rounds, %lu fills (%lu -EPERM), %lu moves\n",
		 d->minor, rounds, f.fills, f.eperm, ch[0].ops + ch[1].ops);
	igt_assert_f(!f.bad_ret, "renderD%d: a fill failed with %s\n",
		     d->minor, strerror(-f.bad_ret));
	igt_assert(f.eperm > 0);
	munmap(buf, size);
	free(snap);
}

struct flipper {
	__u8 *page;
	bool stop;
	unsigned long flips;
};

static void *flip_thread(void *arg)
{
	struct flipper *fl = arg;

	while (!__atomic_load_n(&fl->stop, __ATOMIC_RELAXED)) {
		igt_assert_eq(mprotect(fl->page, PAGE_SZ, PROT_READ), 0);
		usleep(200);
		igt_assert_eq(mprotect(fl->page, PAGE_SZ,
				       PROT_READ | PROT_WRITE), 0);
		usleep(200);
		fl->flips++;
	}
	return NULL;
}

/*
 * GPU writes to writable pages succeed while a neighbour page of the same
 * original mapping (and of the same 64 KiB range) flips between read-only
 * and writable: -EPERM only ever for the read-only page itself.
 */
static void test_mprotect_neighbour(const struct dev *d, unsigned int iters)
{
	size_t size = 17 * PAGE_SZ, half = 8 * PAGE_SZ;
	__u8 *buf = map_buf(size);
	struct flipper fl = { .page = buf + 16 * PAGE_SZ };
	pthread_t t;
	unsigned int i;
	size_t k;

	memset(buf, 0, size);
	igt_assert_eq(pthread_create(&t, NULL, flip_thread, &fl), 0);
	for (i = 0; i < iters; i++) {
		__u32 v = i + 1;
		int ret = vsvm_exec_fill(d->fd, d->vm, buf, half, 4, v, NULL);

		igt_assert_f(ret == 0,
			     "renderD%d iteration %u: FILL of writable pages: %s\n",
			     d->minor, i, strerror(-ret));
		for (k = 0; k < half / 4; k++)
			igt_assert_eq_u32(((__u32 *)buf)[k], v);
		/* Move them, so that the next fill faults and migrates. */
		place_buf(d, buf, half, i & 1 ? PLACE_VRAM : PLACE_SYSTEM);
	}
	__atomic_store_n(&fl.stop, true, __ATOMIC_RELAXED);
	pthread_join(t, NULL);
	igt_info("renderD%d: %u fills, %lu flips of the neighbour page\n",
		 d->minor, iters, fl.flips);
	munmap(buf, size);
}

static void test_no_efault(const struct dev *d, const struct vsvm_stress *st,
			   unsigned int seconds)
{
	size_t size = 64 * PAGE_SZ, half = size / 2;
	__u8 *buf = map_buf(size), *model = malloc(size), *back = malloc(size);
	struct churn ch[2] = {
		{ .d = d, .buf = buf, .size = size,
		  .seed = vsvm_stress_subseed(st, 3) },
		{ .d = d, .buf = buf, .size = size,
		  .seed = vsvm_stress_subseed(st, 4) },
	};
	__u64 rs = vsvm_stress_subseed(st, 5);
	unsigned long ops = 0;
	pthread_t tc[2];
	time_t end = time(NULL) + seconds;
	size_t k;
	int i;

	igt_assert(model && back);
	fill_pattern(model, size, 3);
	memcpy(buf, model, size);
	for (i = 0; i < 2; i++)
		igt_assert_eq(pthread_create(&tc[i], NULL, churn_thread,
					     &ch[i]), 0);
	while (time(NULL) < end) {
		size_t off = vsvm_rand_below(&rs, half / PAGE_SZ) * PAGE_SZ;
		size_t len = (1 + vsvm_rand_below(&rs, half / PAGE_SZ - off / PAGE_SZ)) *
			     PAGE_SZ;
		__u32 v = (__u32)vsvm_rand(&rs);
		int op = vsvm_rand_below(&rs, 4), ret;

		switch (op) {
		case 0:
			ret = vsvm_exec_read(d->fd, d->vm, buf + off, len,
					     back, NULL);
			if (!ret)
				igt_assert_f(!memcmp(back, model + off, len),
					     "renderD%d: GPU read wrong data\n",
					     d->minor);
			break;
		case 1:
			fill_pattern(back, len, (__u8)v);
			ret = vsvm_exec_write(d->fd, d->vm, buf + off, len,
					      back, NULL);
			if (!ret)
				memcpy(model + off, back, len);
			break;
		case 2:
			ret = vsvm_exec_fill(d->fd, d->vm, buf + off, len, 4,
					     v, NULL);
			if (!ret)
				for (k = 0; k < len / 4; k++)
					((__u32 *)(model + off))[k] = v;
			break;
		default:
			/* Copy the first half into the second. */
			ret = vsvm_exec_copy(d->fd, d->vm, buf + half + off,
					     buf + off, len, NULL);
			if (!ret)
				memcpy(model + half + off, model + off, len);
			break;
		}
		igt_assert_f(ret == 0, "renderD%d: op %d on valid memory: %s\n",
			     d->minor, op, strerror(-ret));
		ops++;
	}
	__atomic_store_n(&ch[0].stop, true, __ATOMIC_RELAXED);
	__atomic_store_n(&ch[1].stop, true, __ATOMIC_RELAXED);
	pthread_join(tc[0], NULL);
	pthread_join(tc[1], NULL);
	igt_assert_f(!memcmp(buf, model, size),
		     "renderD%d: data differs from the model\n", d->minor);
	igt_info("renderD%d: %lu GPU ops, %lu moves, no error\n", d->minor,
		 ops, ch[0].ops + ch[1].ops);
	munmap(buf, size);
	free(model);
	free(back);
}

int igt_main()
{
	struct vsvm_stress st;

	igt_fixture() {
		n_devs = open_devs(devs, MAX_DEVICES);
		igt_assert(n_devs >= 0);
		igt_require_f(n_devs > 0, "no vsvm render node\n");
		vsvm_stress_init(&st, "vsvm_cow", 3);
	}

	igt_describe("Child GPU writes after fork: system memory, write.");
	igt_subtest("fork-system-write")
		fork_cow_all(PLACE_SYSTEM, OP_WRITE);

	igt_describe("Child GPU writes after fork: system memory, fill.");
	igt_subtest("fork-system-fill")
		fork_cow_all(PLACE_SYSTEM, OP_FILL);

	igt_describe("Child GPU writes after fork: system, read then write.");
	igt_subtest("fork-system-read-write")
		fork_cow_all(PLACE_SYSTEM, OP_READ_WRITE);

	igt_describe("Child GPU writes after fork: parent's VRAM, write.");
	igt_subtest("fork-vram-write")
		fork_cow_all(PLACE_VRAM, OP_WRITE);

	igt_describe("Child GPU writes after fork: parent's VRAM, fill.");
	igt_subtest("fork-vram-fill")
		fork_cow_all(PLACE_VRAM, OP_FILL);

	igt_describe("Child GPU writes after fork: VRAM, read then write.");
	igt_subtest("fork-vram-read-write")
		fork_cow_all(PLACE_VRAM, OP_READ_WRITE);

	igt_describe("A child's migrations move its own copy, not the parent's.");
	igt_subtest("fork-migrate-own") {
		int i;

		for (i = 0; i < n_devs; i++)
			test_fork_migrate_own(&devs[0], &devs[i]);
	}

	igt_describe("fork(): the child's access counters move its own copy only.");
	igt_subtest("fork-access-counters")
		test_fork_counters();

	igt_describe("No GPU write lands in memory made read-only.");
	igt_subtest("mprotect-race") {
		int i;

		for (i = 0; i < n_devs; i++)
			test_mprotect_race(&devs[i], &st, 4);
	}

	igt_describe("mprotect() of a neighbour page never fails a GPU write.");
	igt_subtest("mprotect-neighbour") {
		int i;

		for (i = 0; i < n_devs; i++)
			test_mprotect_neighbour(&devs[i], 25);
	}

	igt_describe("GPU ops on valid memory never fail with -EFAULT.");
	igt_subtest("no-efault") {
		int i;

		for (i = 0; i < n_devs; i++)
			test_no_efault(&devs[i], &st, st.seconds);
	}
}
