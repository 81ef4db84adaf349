// SPDX-License-Identifier: MIT
/*
 * vsvm_policy: the migration policy shared by the devices of a process
 * (drm_pagemap_policy): processors that take turns writing then reading
 * one 8 MiB buffer must see exact data and move a bounded number of bytes
 * (debugfs counters of every VRAM), where without the policy they move it
 * on every turn.
 *
 * The workloads: the P2P pair alternating (pinned in one's VRAM, the other
 * maps it over P2P), a pair without a path (pinned in system memory), a
 * GPU and the CPU (system memory, the GPU reads in place), crossed MADVISE
 * on the P2P pair (the first advice wins, the other maps remotely), three
 * devices round robin (system memory). The MADVISE opt-out
 * (DRM_VSVM_THRASHING_OFF) and the global switch (policy_enable=0) give
 * back the unbounded movement; after a pin ends a changed pattern
 * migrates again.
 *
 * Under TCG a migration takes milliseconds, so the tests use a lapse of
 * seconds (drm_msvm module parameters, restored at the end) instead of the
 * default 500 us.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xf86drm.h>

#include "igt.h"
#include "vsvm_exec_lib.h"
#include "vsvm_lib.h"
#include "vsvm_workload.h"
#include <drm/vsvm_drm.h>

#define MAX_DEVICES	16
#define BUF_SIZE	(8ul << 20)
#define BLOCK		(2ul << 20)
#define PAGE_SZ		4096ul

struct pdev {
	int fd;
	int minor;
	__u32 index;
};

static struct pdev devs[MAX_DEVICES];
static int n_devs;
/* The P2P pair, a device with no path to pair[0] (or NULL). */
static struct pdev *pair[2], *lone;

static const char *const params[] = {
	"policy_enable", "thrashing_threshold", "thrashing_lapse_us",
	"thrashing_nap", "thrashing_epoch", "thrashing_pin_threshold",
	"thrashing_pin", "thrashing_max_resets",
};

static __u64 saved[ARRAY_SIZE(params)];
static bool have_params;

static void set_param(const char *name, __u64 v)
{
	igt_assert_f(vsvm_policy_param_set(name, v) == 0, "set %s\n", name);
}

/* Test values: lapse @lapse_s seconds, no nap, pin at the 2nd detection. */
static void test_params(__u64 lapse_s, __u64 pin_lapses)
{
	set_param("policy_enable", 1);
	set_param("thrashing_threshold", 3);
	set_param("thrashing_lapse_us", lapse_s * 1000000);
	set_param("thrashing_nap", 0);
	set_param("thrashing_epoch", 1000);
	set_param("thrashing_pin_threshold", 1);
	set_param("thrashing_pin", pin_lapses);
	set_param("thrashing_max_resets", 4);
}

static void open_devices(void)
{
	struct vsvm_node nodes[MAX_DEVICES];
	int i, j;

	n_devs = vsvm_open_nodes(nodes, MAX_DEVICES);
	for (i = 0; i < n_devs; i++) {
		devs[i].fd = nodes[i].fd;
		devs[i].minor = nodes[i].minor;
		devs[i].index = vsvm_device_index(nodes[i].fd);
	}
	for (i = 0; i < n_devs && !pair[0]; i++)
		for (j = 0; j < n_devs; j++)
			if (i != j && vsvm_link_to(devs[i].fd, devs[j].index) ==
				      DRM_VSVM_LINK_P2P) {
				pair[0] = &devs[i];
				pair[1] = &devs[j];
				break;
			}
	for (i = 0; pair[0] && i < n_devs; i++)
		if (vsvm_link_to(pair[0]->fd, devs[i].index) == DRM_VSVM_LINK_NONE &&
		    vsvm_link_to(pair[1]->fd, devs[i].index) == DRM_VSVM_LINK_NONE) {
			lone = &devs[i];
			break;
		}
}

/* An 8 MiB buffer aligned to the policy's 2 MiB blocks. */
static __u8 *buf_map(void **map)
{
	__u8 *p = mmap(NULL, BUF_SIZE + BLOCK, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	igt_assert(p != MAP_FAILED);
	*map = p;
	return (__u8 *)(((uintptr_t)p + BLOCK - 1) & ~(BLOCK - 1));
}

static void buf_unmap(void *map)
{
	igt_assert_eq(munmap(map, BUF_SIZE + BLOCK), 0);
}

static struct vsvm_actor gpu(const struct pdev *d)
{
	struct vsvm_actor a = { .fd = -1 };

	if (d) {
		a.fd = d->fd;
		igt_assert_eq(vsvm_vm_create(d->fd, &a.vm), 0);
	}
	return a;
}

static void gpu_put(struct vsvm_actor *a)
{
	if (a->fd >= 0)
		igt_assert_eq(vsvm_vm_destroy(a->fd, a->vm), 0);
}

static __u64 policy_ctr(const char *name)
{
	__u64 v = 0;

	igt_assert_f(vsvm_policy_counters(getpid(), name, &v) == 0,
		     "no policy counter %s for pid %d\n", name, getpid());
	return v;
}

/* What one run cost, and the policy's counters for it. */
struct cost {
	__u64 moved;
	__u64 pins;
	__u64 thrashing;
	__u64 avoided;
};

/*
 * @iters turns of the devices @who (NULL: the CPU) on a fresh buffer with
 * fresh VMs (so a fresh policy of this process), @advise called first if
 * set; the data must be exact.
 */
static struct cost run(struct pdev **who, int n, unsigned int iters,
		       const char *what,
		       void (*advise)(struct vsvm_actor *a, int n, __u8 *buf))
{
	struct vsvm_workload_result res;
	struct vsvm_actor a[4];
	struct cost c = {};
	void *map;
	__u8 *buf = buf_map(&map);
	int i;

	igt_assert(n <= 4);
	for (i = 0; i < n; i++)
		a[i] = gpu(who[i]);
	if (advise)
		advise(a, n, buf);
	igt_assert_eq(vsvm_workload_alternate(a, n, buf, BUF_SIZE, iters,
					      &res), 0);
	c.moved = res.bytes_moved;
	if (!vsvm_policy_counters(getpid(), "pins", &c.pins)) {
		c.thrashing = policy_ctr("thrashing");
		c.avoided = policy_ctr("avoided");
	}
	igt_info("%s: %u turns of %d processors on 8 MiB: %llu bytes moved (%.1f MiB) in %.2f s; policy: thrashing %llu pins %llu avoided %llu\n",
		 what, iters, n, (unsigned long long)res.bytes_moved,
		 res.bytes_moved / 1048576.0, res.ns / 1e9,
		 (unsigned long long)c.thrashing, (unsigned long long)c.pins,
		 (unsigned long long)c.avoided);
	igt_assert_f(!res.errors, "%s: %llu EXEC calls failed\n", what,
		     (unsigned long long)res.errors);
	igt_assert_f(!res.bad_words, "%s: %llu words wrong\n", what,
		     (unsigned long long)res.bad_words);
	for (i = 0; i < n; i++)
		gpu_put(&a[i]);
	buf_unmap(map);
	return c;
}

/*
 * Movement with the policy on is at most 1/@factor of it off, where every
 * turn moves the buffer.
 */
static struct cost compare(struct pdev **who, int n, unsigned int iters,
			   unsigned int factor, const char *what,
			   void (*advise)(struct vsvm_actor *a, int n,
					  __u8 *buf))
{
	struct cost on, off;
	char name[128];

	snprintf(name, sizeof(name), "%s, policy on", what);
	on = run(who, n, iters, name, advise);

	set_param("policy_enable", 0);
	snprintf(name, sizeof(name), "%s, policy off", what);
	off = run(who, n, iters, name, advise);
	set_param("policy_enable", 1);

	igt_assert_f(off.moved >= (__u64)(iters - 1) * BUF_SIZE,
		     "%s: only %llu bytes moved without the policy\n", what,
		     (unsigned long long)off.moved);
	igt_assert_eq_u64(off.thrashing, 0);
	igt_assert_f(on.moved * factor <= off.moved,
		     "%s: %llu bytes moved with the policy, %llu without: less than %ux fewer\n",
		     what, (unsigned long long)on.moved,
		     (unsigned long long)off.moved, factor);
	igt_info("%s: %.1fx fewer bytes with the policy\n", what,
		 on.moved ? (double)off.moved / on.moved : 0.0);
	return on;
}

static void test_p2p(void)
{
	igt_require_f(pair[0], "no P2P pair\n");
	igt_assert_lte_u64(1, compare(pair, 2, 50, 5, "P2P pair",
				      NULL).pins);
}

static void test_no_path(void)
{
	struct pdev *who[2] = { pair[0], lone };

	igt_require_f(pair[0] && lone, "no pair of devices without a path\n");
	igt_assert_lte_u64(1, compare(who, 2, 30, 3, "no path", NULL).pins);
}

static void test_gpu_cpu(void)
{
	struct pdev *who[2] = { &devs[0], NULL };

	igt_assert_lte_u64(1, compare(who, 2, 30, 3, "GPU and CPU",
				      NULL).pins);
}

static void test_round_robin(void)
{
	struct pdev *who[3] = { pair[0], pair[1], lone };

	igt_require_f(pair[0] && lone, "no third device without a path\n");
	igt_assert_lte_u64(1, compare(who, 3, 30, 3,
				      "three devices round robin", NULL).pins);
}

/* Each GPU prefers its own VRAM for the whole buffer. */
static void advise_crossed(struct vsvm_actor *a, int n, __u8 *buf)
{
	int i;

	for (i = 0; i < n; i++)
		igt_assert_eq(vsvm_madvise(a[i].fd, a[i].vm,
					   DRM_VSVM_MADVISE_PREFERRED_LOC,
					   (uintptr_t)buf, BUF_SIZE,
					   DRM_VSVM_LOCATION_DEVICE, 0), 0);
}

static void test_crossed_madvise(void)
{
	struct cost on;

	igt_require_f(pair[0], "no P2P pair\n");
	on = compare(pair, 2, 40, 5, "crossed MADVISE", advise_crossed);
	/* The first advice won at once: the buffer moved in once. */
	igt_assert_f(on.moved <= BUF_SIZE,
		     "crossed MADVISE: %llu bytes moved, expected the first move only\n",
		     (unsigned long long)on.moved);
	igt_assert_eq_u64(on.thrashing, 0);
	/* B mapped each of the 4 blocks remotely, once, and kept it. */
	igt_assert_lte_u64(BUF_SIZE / BLOCK, on.avoided);
}

/* Thrashing protection off on the buffer in every VM. */
static void advise_opt_out(struct vsvm_actor *a, int n, __u8 *buf)
{
	int i;

	for (i = 0; i < n; i++)
		igt_assert_eq(vsvm_madvise(a[i].fd, a[i].vm,
					   DRM_VSVM_MADVISE_THRASHING,
					   (uintptr_t)buf, BUF_SIZE,
					   DRM_VSVM_THRASHING_OFF, 0), 0);
}

static void test_opt_out(void)
{
	const unsigned int iters = 20;
	struct cost c;

	igt_require_f(pair[0], "no P2P pair\n");
	c = run(pair, 2, iters, "P2P pair, opted out", advise_opt_out);
	igt_assert_f(c.moved >= (__u64)(iters - 1) * BUF_SIZE,
		     "opted out: only %llu bytes moved\n",
		     (unsigned long long)c.moved);
	igt_assert_eq_u64(c.thrashing, 0);
	igt_assert_eq_u64(c.pins, 0);
	/* The same with the policy on and no opt-out is bounded. */
	c = run(pair, 2, iters, "P2P pair, protected", NULL);
	igt_assert_f(c.moved * 2 <= (__u64)iters * BUF_SIZE,
		     "protected: %llu bytes moved\n",
		     (unsigned long long)c.moved);
}

/* Every page of the buffer is at @want, as @d's VM sees it. */
static void expect_residency(const struct vsvm_actor *a, const __u8 *buf,
			     __u32 want, const char *what)
{
	const size_t npages = BUF_SIZE / PAGE_SZ;
	__u32 *loc = calloc(npages, sizeof(*loc));
	size_t i, wrong = 0;

	igt_assert(loc);
	igt_assert_eq(vsvm_residency(a->fd, a->vm, (uintptr_t)buf, npages,
				     loc), 0);
	for (i = 0; i < npages; i++)
		wrong += loc[i] != want;
	igt_assert_f(!wrong, "%s: %zu pages not at %#x (page 0 at %#x)\n",
		     what, wrong, want, loc[0]);
	free(loc);
}

/* One turn of @a on @buf, data checked. */
static void turn(struct vsvm_actor *a, __u8 *buf)
{
	struct vsvm_workload_result res;

	igt_assert_eq(vsvm_workload_alternate(a, 1, buf, BUF_SIZE, 1, &res), 0);
	igt_assert(!res.errors && !res.bad_words);
}

static void test_unpin(void)
{
	const __u64 lapse_s = 5, pin = 2;
	struct vsvm_actor a[2], cpu = { .fd = -1 };
	struct vsvm_workload_result res;
	void *map;
	__u8 *buf;

	igt_require_f(pair[0], "no P2P pair\n");
	test_params(lapse_s, pin);
	a[0] = gpu(pair[0]);
	a[1] = gpu(pair[1]);
	buf = buf_map(&map);

	/* Pinned in one GPU's VRAM: more turns move nothing. */
	igt_assert_eq(vsvm_workload_alternate(a, 2, buf, BUF_SIZE, 10, &res),
		      0);
	igt_assert(!res.errors && !res.bad_words);
	igt_assert_lte_u64(1, policy_ctr("pins"));
	igt_assert_eq(vsvm_workload_alternate(a, 2, buf, BUF_SIZE, 4, &res),
		      0);
	igt_assert(!res.errors && !res.bad_words);
	igt_assert_eq_u64(res.bytes_moved, 0);

	/* The pin ends: a new pattern, the CPU then A then B, migrates. */
	sleep(lapse_s * pin + 1);
	turn(&cpu, buf);
	turn(&a[0], buf);
	expect_residency(&a[0], buf, DRM_VSVM_RESIDENCY_DEVICE(pair[0]->index),
			 "after the pin, A's turn");
	turn(&a[1], buf);
	expect_residency(&a[1], buf, DRM_VSVM_RESIDENCY_DEVICE(pair[1]->index),
			 "after the pin, B's turn");
	igt_assert_lte_u64(1, policy_ctr("unpins"));

	buf_unmap(map);
	gpu_put(&a[0]);
	gpu_put(&a[1]);
	test_params(5, 1000);
}

static void test_attr(void)
{
	struct drm_vsvm_range_attr attrs[4];
	struct vsvm_actor a = gpu(&devs[0]);
	__u32 num = 4;
	void *map;
	__u8 *buf = buf_map(&map);

	igt_assert_eq(vsvm_madvise(a.fd, a.vm, DRM_VSVM_MADVISE_THRASHING,
				   (uintptr_t)buf, BUF_SIZE, 2, 0), -EINVAL);
	igt_assert_eq(vsvm_madvise(a.fd, a.vm, DRM_VSVM_MADVISE_THRASHING,
				   (uintptr_t)buf, BUF_SIZE, ~0u, 0), -EINVAL);
	igt_assert_eq(vsvm_madvise(a.fd, a.vm, DRM_VSVM_MADVISE_THRASHING,
				   (uintptr_t)buf, BUF_SIZE,
				   DRM_VSVM_THRASHING_OFF, 3), -EINVAL);
	igt_assert_eq(vsvm_madvise(a.fd, a.vm, DRM_VSVM_MADVISE_THRASHING,
				   (uintptr_t)buf + 1, BUF_SIZE,
				   DRM_VSVM_THRASHING_OFF, 0), -EINVAL);
	igt_assert_eq(vsvm_madvise(a.fd, a.vm + 1000,
				   DRM_VSVM_MADVISE_THRASHING, (uintptr_t)buf,
				   BUF_SIZE, DRM_VSVM_THRASHING_OFF, 0),
		      -ENOENT);
	/* Nothing changed. */
	igt_assert_eq(vsvm_query_range_attrs(a.fd, a.vm, (uintptr_t)buf,
					     BUF_SIZE, attrs, &num), 0);
	igt_assert_eq_u32(num, 1);
	igt_assert_eq_u32(attrs[0].thrashing, DRM_VSVM_THRASHING_PROTECT);

	igt_assert_eq(vsvm_madvise(a.fd, a.vm, DRM_VSVM_MADVISE_THRASHING,
				   (uintptr_t)buf + BLOCK, BLOCK,
				   DRM_VSVM_THRASHING_OFF, 0), 0);
	num = 4;
	igt_assert_eq(vsvm_query_range_attrs(a.fd, a.vm, (uintptr_t)buf,
					     BUF_SIZE, attrs, &num), 0);
	igt_assert_eq_u32(num, 3);
	igt_assert_eq_u32(attrs[0].thrashing, DRM_VSVM_THRASHING_PROTECT);
	igt_assert_eq_u32(attrs[1].thrashing, DRM_VSVM_THRASHING_OFF);
	igt_assert_eq_u64(attrs[1].start, (uintptr_t)buf + BLOCK);
	igt_assert_eq_u64(attrs[1].end, (uintptr_t)buf + 2 * BLOCK);
	igt_assert_eq_u32(attrs[1].reserved, 0);
	igt_assert_eq_u32(attrs[2].thrashing, DRM_VSVM_THRASHING_PROTECT);

	/* Back to the default: one interval again. */
	igt_assert_eq(vsvm_madvise(a.fd, a.vm, DRM_VSVM_MADVISE_THRASHING,
				   (uintptr_t)buf, BUF_SIZE,
				   DRM_VSVM_THRASHING_PROTECT, 0), 0);
	num = 4;
	igt_assert_eq(vsvm_query_range_attrs(a.fd, a.vm, (uintptr_t)buf,
					     BUF_SIZE, attrs, &num), 0);
	igt_assert_eq_u32(num, 1);

	buf_unmap(map);
	gpu_put(&a);
}

int igt_main()
{
	unsigned int i;

	igt_fixture() {
		open_devices();
		igt_require_f(n_devs > 0, "no vsvm render node\n");
		for (i = 0; i < ARRAY_SIZE(params); i++)
			igt_require_f(!vsvm_policy_param_get(params[i],
							     &saved[i]),
				      "no drm_msvm parameter %s\n", params[i]);
		have_params = true;
		test_params(5, 1000);
	}

	igt_describe("MADVISE THRASHING: values checked, kept per interval.");
	igt_subtest("thrashing-attr")
		test_attr();

	igt_describe("P2P pair alternating: pinned in one VRAM, 5x fewer bytes.");
	igt_subtest("p2p-pingpong")
		test_p2p();

	igt_describe("Two devices without a path: pinned in system memory.");
	igt_subtest("no-path-pingpong")
		test_no_path();

	igt_describe("A GPU and the CPU: pinned in system memory.");
	igt_subtest("gpu-cpu")
		test_gpu_cpu();

	igt_describe("Crossed MADVISE on the P2P pair: the first advice wins.");
	igt_subtest("crossed-madvise")
		test_crossed_madvise();

	igt_describe("Three devices round robin: pinned in system memory.");
	igt_subtest("round-robin")
		test_round_robin();

	igt_describe("MADVISE THRASHING_OFF: the buffer moves on every turn.");
	igt_subtest("opt-out")
		test_opt_out();

	igt_describe("After a pin ends, a changed pattern migrates again.");
	igt_subtest("unpin-migrates")
		test_unpin();

	igt_fixture() {
		for (i = 0; have_params && i < ARRAY_SIZE(params); i++)
			vsvm_policy_param_set(params[i], saved[i]);
		for (i = 0; i < (unsigned int)n_devs; i++)
			close(devs[i].fd);
	}
}
