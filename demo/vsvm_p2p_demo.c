// SPDX-License-Identifier: MIT
/*
 * vsvm_p2p_demo: one buffer moving between GPUs, step by step.
 *
 * Finds two vsvm devices with a peer-to-peer link (QUERY_PEERS), creates a
 * VM on each, fills an anonymous mapping with the CPU and moves it: system
 * memory -> GPU A's VRAM -> GPU B's VRAM, directly over P2P -> system
 * memory. Where there is a device with no path to A, the buffer then goes
 * to it and on to A, through system memory. After each step it prints
 * where every page is (RESIDENCY) and each device's migration path
 * counters (debugfs "pagemap": sys_to_vram, vram_to_sys, p2p_in, p2p_out,
 * local_in), and it checks the data and the path taken.
 *
 *	vsvm_p2p_demo [-s size_in_KiB]
 *
 * Exits 0 when every step did what it should, 1 otherwise; 0 with a note
 * when the machine has no P2P pair of vsvm devices.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <drm/vsvm_drm.h>

#include "demo_lib.h"

#define MAX_DEVICES	16

static const char *const path_keys[] = {
	"sys_to_vram", "vram_to_sys", "p2p_in", "p2p_out", "local_in", NULL,
};

static struct demo_dev devs[MAX_DEVICES];
static int n_devs;

/* The path counter @key of a device's debugfs "pagemap", or -1. */
static long long path_counter(const struct demo_dev *d, const char *key)
{
	char path[PATH_MAX + 32], line[256];
	size_t klen = strlen(key);
	long long v = -1;
	FILE *f;

	if (!d->debugfs_dir[0])
		return -1;
	snprintf(path, sizeof(path), "%s/pagemap", d->debugfs_dir);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && line[klen] == ':')
			v = strtoll(line + klen + 1, NULL, 0);
	fclose(f);
	return v;
}

/* The link type from @a to @b (QUERY_PEERS of @a), or -1. */
static int link_type(const struct demo_dev *a, const struct demo_dev *b)
{
	struct drm_vsvm_query q = { .query = DRM_VSVM_QUERY_PEERS };
	struct drm_vsvm_query_peers *peers;
	int link = -1;
	__u32 i;

	if (demo_ioctl(a->fd, DRM_IOCTL_VSVM_QUERY, &q))
		return -1;
	peers = calloc(1, q.size);
	if (!peers)
		return -1;
	q.data = (unsigned long)peers;
	if (!demo_ioctl(a->fd, DRM_IOCTL_VSVM_QUERY, &q))
		for (i = 0; i < peers->num_peers; i++)
			if (peers->peers[i].index == b->info.index)
				link = peers->peers[i].link;
	free(peers);
	return link;
}

/* Print the path counters of every device the demo uses. */
static void print_paths(struct demo_dev *const *used, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (used[i])
			demo_print_debugfs(used[i], "pagemap", path_keys);
}

/* The counter @key of @d moved by exactly @n since @before. */
static void expect_moved(const struct demo_dev *d, const char *key,
			 long long before, long long n)
{
	char what[128];

	snprintf(what, sizeof(what), "device %u %s +%lld", d->info.index, key,
		 n);
	demo_expect(path_counter(d, key) - before == n, what);
}

static bool data_ok(const __u32 *buf, size_t words)
{
	size_t i;

	for (i = 0; i < words; i++)
		if (buf[i] != 0x9e3779b9u * (__u32)(i + 1))
			return false;
	return true;
}

int main(int argc, char **argv)
{
	struct demo_dev *a = NULL, *b = NULL, *c = NULL, *used[3];
	size_t size = 1 << 20, npages, words, i;
	long page = sysconf(_SC_PAGESIZE);
	long long p2p_in, p2p_out, s2v, v2s, v2s_c, local, on_b = -1;
	struct drm_vsvm_exec e;
	__u32 *buf, *tmp;
	char *guard;
	int opt, x, y;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((opt = getopt(argc, argv, "s:")) != -1) {
		if (opt != 's') {
			fprintf(stderr, "usage: %s [-s KiB]\n", argv[0]);
			return 2;
		}
		size = strtoul(optarg, NULL, 0) << 10;
	}
	size = (size + page - 1) & ~(size_t)(page - 1);
	if (!size)
		size = page;
	npages = size / page;
	words = size / sizeof(__u32);

	n_devs = demo_open_all(devs, MAX_DEVICES);
	for (x = 0; x < n_devs && !a; x++)
		for (y = 0; y < n_devs && !a; y++)
			if (x != y && link_type(&devs[x], &devs[y]) ==
			    DRM_VSVM_LINK_P2P) {
				a = &devs[x];
				b = &devs[y];
			}
	if (!a) {
		printf("vsvm_p2p_demo: no two vsvm devices with a P2P link: nothing to show\n");
		return 0;
	}
	for (x = 0; x < n_devs && !c; x++)
		if (&devs[x] != a && link_type(a, &devs[x]) == DRM_VSVM_LINK_NONE)
			c = &devs[x];
	used[0] = a;
	used[1] = b;
	used[2] = c;

	printf("== vsvm P2P demo: GPU A and GPU B have a PCIe P2P link%s\n",
	       c ? "; GPU C has no path to A" : "");
	printf("   A:");
	demo_print_device(a);
	printf("   B:");
	demo_print_device(b);
	if (c) {
		printf("   C:");
		demo_print_device(c);
	}
	for (x = 0; x < 3; x++)
		if (used[x] && demo_vm_create(used[x]))
			return 1;

	/*
	 * A VMA of its own, between two inaccessible guard pages: a VMA
	 * shared with neighbours (a malloc'ed buffer's, or an adjacent
	 * mapping merged into it) shares GPU ranges with them too, and the
	 * CPU touching a neighbour would move pages of the buffer as well.
	 */
	guard = mmap(NULL, size + 2 * page, PROT_NONE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	tmp = malloc(size);
	if (guard == MAP_FAILED || !tmp ||
	    mprotect(guard + page, size, PROT_READ | PROT_WRITE)) {
		printf("vsvm_p2p_demo: out of memory\n");
		return 1;
	}
	buf = (__u32 *)(guard + page);

	demo_step(1, "the CPU writes a pattern: the buffer is in system memory");
	for (i = 0; i < words; i++)
		buf[i] = 0x9e3779b9u * (__u32)(i + 1);
	printf("  buffer: %p, %zu KiB, %zu pages\n", (void *)buf, size >> 10,
	       npages);
	demo_expect(demo_residency(a, buf, npages, a->info.index) == 0,
		    "no page in VRAM");
	print_paths(used, 3);

	demo_step(2, "system memory -> GPU A's VRAM (PREFETCH on A)");
	s2v = path_counter(a, "sys_to_vram");
	if (!demo_prefetch(a, buf, size, DRM_VSVM_LOCATION_DEVICE, 0, "A")) {
		demo_expect(demo_residency(a, buf, npages, a->info.index) ==
			    (long)npages, "every page in A's VRAM");
		print_paths(used, 3);
		expect_moved(a, "sys_to_vram", s2v, npages);
	}

	demo_step(3, "GPU A's VRAM -> GPU B's VRAM, directly over P2P (PREFETCH on B)");
	p2p_in = path_counter(b, "p2p_in");
	p2p_out = path_counter(a, "p2p_out");
	v2s = path_counter(a, "vram_to_sys");
	if (!demo_prefetch(b, buf, size, DRM_VSVM_LOCATION_DEVICE, 0, "B")) {
		demo_expect(demo_residency(b, buf, npages, b->info.index) ==
			    (long)npages, "every page in B's VRAM");
		print_paths(used, 3);
		expect_moved(b, "p2p_in", p2p_in, npages);
		expect_moved(a, "p2p_out", p2p_out, npages);
		expect_moved(a, "vram_to_sys", v2s, 0);
	}

	demo_step(4, "GPU B reads the buffer where it is, in its own VRAM");
	local = path_counter(b, "local_in");
	memset(tmp, 0, size);
	e = (struct drm_vsvm_exec){ .op = DRM_VSVM_EXEC_READ,
				    .va = (unsigned long)buf, .size = size,
				    .ptr = (unsigned long)tmp };
	if (!demo_exec(b, &e, "READ")) {
		demo_expect(data_ok(tmp, words), "B reads the pattern");
		on_b = demo_residency(b, buf, npages, b->info.index);
		demo_expect(on_b == (long)npages, "every page still in B's VRAM");
		expect_moved(b, "local_in", local, 0);
	}

	demo_step(5, "GPU B's VRAM -> system memory (PREFETCH to system)");
	v2s = path_counter(b, "vram_to_sys");
	if (!demo_prefetch(b, buf, size, DRM_VSVM_LOCATION_SYSTEM, 0,
			   "system")) {
		demo_expect(demo_residency(b, buf, npages, b->info.index) == 0,
			    "no page in B's VRAM");
		print_paths(used, 3);
		if (on_b >= 0)
			expect_moved(b, "vram_to_sys", v2s, on_b);
	}
	demo_expect(data_ok(buf, words), "the CPU reads the pattern");

	if (c) {
		demo_step(6, "system -> GPU C -> GPU A: no path, through system memory");
		demo_prefetch(c, buf, size, DRM_VSVM_LOCATION_DEVICE, 0, "C");
		demo_residency(c, buf, npages, c->info.index);
		v2s_c = path_counter(c, "vram_to_sys");
		p2p_in = path_counter(a, "p2p_in");
		s2v = path_counter(a, "sys_to_vram");
		if (!demo_prefetch(a, buf, size, DRM_VSVM_LOCATION_DEVICE, 0,
				   "A")) {
			demo_expect(demo_residency(a, buf, npages,
						   a->info.index) ==
				    (long)npages, "every page in A's VRAM");
			print_paths(used, 3);
			expect_moved(c, "vram_to_sys", v2s_c, npages);
			expect_moved(a, "sys_to_vram", s2v, npages);
			expect_moved(a, "p2p_in", p2p_in, 0);
		}
		demo_expect(data_ok(buf, words), "the CPU reads the pattern");
	}

	for (x = 0; x < n_devs; x++)
		demo_close(&devs[x]);
	free(tmp);
	munmap(guard, size + 2 * page);
	printf("\n== vsvm P2P demo: %s\n",
	       demo_failed ? "FAILED" : "all steps ok");
	return demo_failed ? 1 : 0;
}
