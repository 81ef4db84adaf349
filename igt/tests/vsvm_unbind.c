// SPDX-License-Identifier: MIT
/*
 * vsvm_unbind: unbinding a vsvm device while other devices and the CPU use
 * its VRAM.
 *
 * A buffer is written by the device to unbind, so that its pages migrate
 * into that device's VRAM. Then, while a CPU thread reads the buffer and
 * increments counters with CPU atomics, another device reads the buffer
 * and increments counters with GPU atomics, and the device itself keeps
 * incrementing until it is gone, the device is unbound through sysfs. Its
 * pages must all go back to system memory with every byte and every
 * increment intact, its render node must go, its open fd must get ENODEV,
 * and binding it again must give a working device.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xf86drm.h>

#include "igt.h"
#include "vsvm_bind_lib.h"
#include "vsvm_exec_lib.h"
#include "vsvm_lib.h"
#include <drm/vsvm_drm.h>

#define MAX_DEVICES	16
#define BUF_PAGES	1024
/* The CPU reads the first quarter, the other GPU the second; the rest stays. */
#define CPU_PAGES	(BUF_PAGES / 4)
#define PEER_PAGES	(BUF_PAGES / 4)
/* How long the load runs before and after the unbind. */
#define LOAD_US		(300 * 1000)

struct vsvm_dev {
	int fd;
	int minor;
	struct drm_vsvm_query_device info;
	struct vsvm_bus_dev bd;
};

static struct vsvm_dev devs[MAX_DEVICES];
static int n_devs;
static long page_size;

static void vsvm_query_info(struct vsvm_dev *d)
{
	struct drm_vsvm_query q = {
		.query = DRM_VSVM_QUERY_DEVICE,
		.size = sizeof(d->info),
		.data = (uintptr_t)&d->info,
	};

	igt_assert_f(drmIoctl(d->fd, DRM_IOCTL_VSVM_QUERY, &q) == 0,
		     "renderD%d: QUERY: %s\n", d->minor, strerror(errno));
}

static void vsvm_open_devices(void)
{
	struct vsvm_node nodes[MAX_DEVICES];
	int i, n = vsvm_open_nodes(nodes, MAX_DEVICES);

	for (i = 0; i < n; i++) {
		struct vsvm_dev *d = &devs[n_devs];

		d->fd = nodes[i].fd;
		d->minor = nodes[i].minor;
		vsvm_query_info(d);
		igt_assert_eq(vsvm_node_bus_dev(d->minor, &d->bd), 0);
		n_devs++;
	}
}

/*
 * The first device on @bus, and another device to load it with: one on
 * the same bus where there is one (for PCI, the victim's P2P peer).
 */
static void vsvm_pick(const char *bus, struct vsvm_dev **victim,
		      struct vsvm_dev **other)
{
	int i;

	*victim = NULL;
	*other = NULL;
	for (i = 0; i < n_devs; i++)
		if (!*victim && !strcmp(devs[i].bd.bus, bus))
			*victim = &devs[i];
	for (i = 0; i < n_devs; i++)
		if (&devs[i] != *victim && !*other && !strcmp(devs[i].bd.bus, bus))
			*other = &devs[i];
	for (i = 0; i < n_devs; i++)
		if (&devs[i] != *victim && !*other)
			*other = &devs[i];
	igt_require_f(*victim && *other,
		      "needs a %s vsvm device and another device\n", bus);
}

static __u64 vsvm_pattern(unsigned long i)
{
	return 0x5a5a000000000000ull ^ (i * 0x9e3779b97f4a7c15ull);
}

/* The number of pages of [@va, +@npages) on the device of index @index. */
static int vsvm_pages_on(const struct vsvm_dev *d, __u32 vm, const void *va,
			 int npages, __u32 index)
{
	__u32 loc[BUF_PAGES];
	int i, n = 0;

	igt_assert(npages <= BUF_PAGES);
	igt_assert_eq(vsvm_residency(d->fd, vm, (uintptr_t)va, npages, loc), 0);
	for (i = 0; i < npages; i++)
		n += loc[i] == DRM_VSVM_RESIDENCY_DEVICE(index);
	return n;
}

struct vsvm_load {
	__u64 *buf;
	__u64 *counters;
	int stop;
	/* the device being unbound: increments until it fails */
	struct vsvm_dev *victim;
	__u32 victim_vm;
	__u64 victim_incs;
	int victim_err;
	/* the other device: reads its quarter, increments counter 0 */
	struct vsvm_dev *other;
	__u32 other_vm;
	__u64 other_incs;
	int other_err;
	/* the CPU: reads its quarter, increments counter 1 */
	__u64 cpu_incs;
	unsigned long cpu_bad;
};

static void *vsvm_victim_thread(void *arg)
{
	struct vsvm_load *l = arg;
	int err = 0;

	while (!__atomic_load_n(&l->stop, __ATOMIC_ACQUIRE)) {
		err = vsvm_exec_atomic_inc(l->victim->fd, l->victim_vm,
					   &l->counters[0], 8, 8, 1, NULL);
		if (err)
			break;
		l->victim_incs++;
	}
	/* after the unbind every ioctl of the device fails the same way */
	l->victim_err = err;
	return NULL;
}

static void *vsvm_other_thread(void *arg)
{
	struct vsvm_load *l = arg;
	size_t bytes = PEER_PAGES * page_size;
	__u64 *copy = malloc(bytes);
	__u64 *src = l->buf + CPU_PAGES * page_size / 8;
	unsigned long i, base = CPU_PAGES * page_size / 8;
	int err = 0;

	igt_assert(copy);
	while (!__atomic_load_n(&l->stop, __ATOMIC_ACQUIRE) && !err) {
		err = vsvm_exec_atomic_inc(l->other->fd, l->other_vm,
					   &l->counters[0], 8, 8, 1, NULL);
		if (err)
			break;
		l->other_incs++;
		err = vsvm_exec_read(l->other->fd, l->other_vm, src, bytes,
				     copy, NULL);
		for (i = 0; !err && i < bytes / 8; i++)
			if (copy[i] != vsvm_pattern(base + i))
				err = -EILSEQ;
	}
	l->other_err = err;
	free(copy);
	return NULL;
}

static void *vsvm_cpu_thread(void *arg)
{
	struct vsvm_load *l = arg;
	unsigned long i, n = CPU_PAGES * page_size / 8, round = 0;

	while (!__atomic_load_n(&l->stop, __ATOMIC_ACQUIRE)) {
		/* one page per round: each read may fault a page back */
		for (i = (round % CPU_PAGES) * page_size / 8;
		     i < n && i < ((round % CPU_PAGES) + 1) * page_size / 8; i++)
			if (l->buf[i] != vsvm_pattern(i))
				l->cpu_bad++;
		__atomic_add_fetch(&l->counters[1], 1, __ATOMIC_SEQ_CST);
		l->cpu_incs++;
		round++;
	}
	return NULL;
}

static void vsvm_expect_enodev(struct vsvm_dev *d, __u32 vm, void *va)
{
	struct drm_vsvm_query_device info;
	struct drm_vsvm_query q = {
		.query = DRM_VSVM_QUERY_DEVICE,
		.size = sizeof(info),
		.data = (uintptr_t)&info,
	};
	__u32 id, loc;

	errno = 0;
	igt_assert_eq(drmIoctl(d->fd, DRM_IOCTL_VSVM_QUERY, &q), -1);
	igt_assert_eq(errno, ENODEV);
	igt_assert_eq(vsvm_vm_create(d->fd, &id), -ENODEV);
	igt_assert_eq(vsvm_exec_fill(d->fd, vm, va, page_size, 8, 1, NULL),
		      -ENODEV);
	igt_assert_eq(vsvm_residency(d->fd, vm, (uintptr_t)va, 1, &loc),
		      -ENODEV);
}

static void vsvm_test_unbind_under_load(const char *bus)
{
	struct vsvm_dev *victim, *other;
	size_t bytes = (size_t)BUF_PAGES * page_size;
	pthread_t tv, to, tc;
	struct vsvm_load l;
	struct stat st;
	__u64 *pattern;
	unsigned long i;
	char node[64];
	__u32 vm;
	int minor, fd;

	vsvm_pick(bus, &victim, &other);
	igt_info("unbinding %s %s (renderD%d, index %u) under load from renderD%d\n",
		 victim->bd.bus, victim->bd.name, victim->minor,
		 victim->info.index, other->minor);

	memset(&l, 0, sizeof(l));
	l.victim = victim;
	l.other = other;
	l.buf = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	igt_assert(l.buf != MAP_FAILED);
	l.counters = mmap(NULL, page_size, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	igt_assert(l.counters != MAP_FAILED);
	pattern = malloc(bytes);
	igt_assert(pattern);
	for (i = 0; i < bytes / 8; i++)
		pattern[i] = vsvm_pattern(i);

	igt_assert_eq(vsvm_vm_create(victim->fd, &l.victim_vm), 0);
	igt_assert_eq(vsvm_vm_create(other->fd, &l.other_vm), 0);

	/* the victim's GPU writes everything: it all lands in its VRAM */
	igt_assert_eq(vsvm_exec_write(victim->fd, l.victim_vm, l.buf, bytes,
				      pattern, NULL), 0);
	igt_assert_eq(vsvm_exec_fill(victim->fd, l.victim_vm, l.counters,
				     page_size, 8, 0, NULL), 0);
	igt_assert_eq(vsvm_pages_on(victim, l.victim_vm, l.buf, BUF_PAGES,
				    victim->info.index), BUF_PAGES);
	igt_assert_eq(vsvm_pages_on(victim, l.victim_vm, l.counters, 1,
				    victim->info.index), 1);

	igt_assert_eq(pthread_create(&tv, NULL, vsvm_victim_thread, &l), 0);
	igt_assert_eq(pthread_create(&to, NULL, vsvm_other_thread, &l), 0);
	igt_assert_eq(pthread_create(&tc, NULL, vsvm_cpu_thread, &l), 0);
	usleep(LOAD_US);

	/* the half no thread touches is still in the victim's VRAM */
	igt_assert_eq(vsvm_pages_on(other, l.other_vm,
				    l.buf + (CPU_PAGES + PEER_PAGES) * page_size / 8,
				    BUF_PAGES - CPU_PAGES - PEER_PAGES,
				    victim->info.index),
		      BUF_PAGES - CPU_PAGES - PEER_PAGES);

	vsvm_bus_unbind(&victim->bd);
	usleep(LOAD_US);
	__atomic_store_n(&l.stop, 1, __ATOMIC_RELEASE);
	pthread_join(tv, NULL);
	pthread_join(to, NULL);
	pthread_join(tc, NULL);

	igt_info("increments: victim %llu (then %d), other %llu, cpu %llu\n",
		 (unsigned long long)l.victim_incs, l.victim_err,
		 (unsigned long long)l.other_incs,
		 (unsigned long long)l.cpu_incs);
	/* the victim's increments stopped with the device, nothing else */
	igt_assert_eq(l.victim_err, -ENODEV);
	igt_assert_eq(l.other_err, 0);
	igt_assert_eq_u64(l.cpu_bad, 0);
	igt_assert_lt_u64(0, l.other_incs);
	igt_assert_lt_u64(0, l.cpu_incs);

	/* the device is gone: no render node, ENODEV from its fd */
	snprintf(node, sizeof(node), "/sys/class/drm/renderD%d", victim->minor);
	igt_assert_eq(stat(node, &st), -1);
	vsvm_expect_enodev(victim, l.victim_vm, l.buf);

	/* every page left its VRAM, every byte and increment is there */
	igt_assert_eq(vsvm_pages_on(other, l.other_vm, l.buf, BUF_PAGES,
				    victim->info.index), 0);
	igt_assert_eq(vsvm_pages_on(other, l.other_vm, l.counters, 1,
				    victim->info.index), 0);
	igt_assert_eq_u64(l.counters[0], l.victim_incs + l.other_incs);
	igt_assert_eq_u64(l.counters[1], l.cpu_incs);
	igt_assert(!memcmp(l.buf, pattern, bytes));

	/* bound again, the device works on the same memory */
	close(victim->fd);
	vsvm_bus_bind(&victim->bd);
	fd = vsvm_bus_open_render(&victim->bd, &minor);
	igt_assert_f(fd >= 0, "%s: no render node after the bind\n",
		     victim->bd.name);
	victim->fd = fd;
	victim->minor = minor;
	igt_assert(vsvm_fd_is_vsvm(fd));
	vsvm_query_info(victim);
	igt_assert_eq(vsvm_vm_create(fd, &vm), 0);
	igt_assert_eq(vsvm_exec_atomic_inc(fd, vm, &l.counters[0], 8, 8, 1,
					   NULL), 0);
	igt_assert_eq_u64(l.counters[0], l.victim_incs + l.other_incs + 1);
	igt_assert_eq(vsvm_exec_read(fd, vm, l.buf, bytes, pattern, NULL), 0);
	for (i = 0; i < bytes / 8; i++)
		igt_assert_eq_u64(pattern[i], vsvm_pattern(i));
	igt_assert_eq(vsvm_vm_destroy(fd, vm), 0);

	igt_assert_eq(vsvm_vm_destroy(other->fd, l.other_vm), 0);
	free(pattern);
	munmap(l.counters, page_size);
	munmap(l.buf, bytes);
}

int igt_main()
{
	igt_fixture() {
		page_size = sysconf(_SC_PAGESIZE);
		vsvm_open_devices();
		igt_require_f(n_devs > 1, "needs two vsvm devices\n");
	}

	igt_describe("Unbind a PCI device while GPUs and the CPU use its VRAM: no byte lost.");
	igt_subtest("unbind-under-load-pci")
		vsvm_test_unbind_under_load("pci");

	igt_describe("Remove a platform device while GPUs and the CPU use its VRAM.");
	igt_subtest("unbind-under-load-platform")
		vsvm_test_unbind_under_load("platform");

	igt_fixture() {
		int i;

		for (i = 0; i < n_devs; i++)
			close(devs[i].fd);
	}
}
