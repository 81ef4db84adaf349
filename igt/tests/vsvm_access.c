// SPDX-License-Identifier: MIT
/*
 * vsvm_access: access counters and counter-driven migration.
 *
 * Device B of a P2P pair reads a buffer that lives in device A's VRAM in
 * place (MADVISE MIGRATION_POLICY ONLY_SYSTEM_PAGES on B's VM). With
 * MADVISE ACCESS_COUNTERS ON (or the vsvm module parameter
 * access_counters=1 and no advice) B's counters move the buffer into B's
 * VRAM once each 2 MiB block reaches the threshold; with them off it stays
 * in A's VRAM however often B reads it; with advice for system memory a
 * buffer B reads in place in system memory stays there; neither do
 * counts of unmapped memory carry over to new memory at the same address
 * (also once B's ranges of it were collected, or dropped by a fault after
 * a split), nor does a counter block of two policy blocks move against
 * the advice of one. Every read is checked byte for byte.
 *
 * The emulated link (vsvm.link_mib_per_s) that makes remote reads cost
 * what they cost a real GPU is checked here too: bytes read in place over
 * it and bytes migrated across it take at least its time, bytes of the
 * device's own VRAM do not.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <xf86drm.h>

#include "igt.h"
#include "vsvm_exec_lib.h"
#include "vsvm_lib.h"
#include "vsvm_workload.h"
#include <drm/vsvm_drm.h>

#define MAX_DEVICES	16
#define BLOCK		(2ul << 20)
#define BUF_SIZE	(2 * BLOCK)
#define PAGE_SZ		4096ul
#define NPAGES		(BUF_SIZE / PAGE_SZ)
#define READS		8

struct adev {
	int fd;
	int minor;
	__u32 index;
};

static struct adev devs[MAX_DEVICES];
static int n_devs;
/* A P2P pair: B reads A's VRAM in place. */
static struct adev *pa, *pb;

static const char *const params[] = {
	"access_counters", "access_counter_threshold",
	"access_counter_granularity_kb", "link_mib_per_s",
};

static __u64 saved[4];
static bool have_params;

static int param_get(const char *name, __u64 *v)
{
	return vsvm_module_param_get("vsvm", name, v);
}

static void param_set(const char *name, __u64 v)
{
	igt_assert_f(vsvm_module_param_set("vsvm", name, v) == 0, "set %s\n",
		     name);
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
	for (i = 0; i < n_devs && !pa; i++)
		for (j = 0; j < n_devs; j++)
			if (i != j && vsvm_link_to(devs[i].fd, devs[j].index) ==
				      DRM_VSVM_LINK_P2P) {
				pa = &devs[i];
				pb = &devs[j];
				break;
			}
}

static __u64 ctr(const struct adev *d, const char *name)
{
	__u64 v = 0;

	igt_assert_f(vsvm_counter(d->minor, name, &v) == 0,
		     "no counter %s\n", name);
	return v;
}

/* A buffer of two 2 MiB blocks, block aligned, filled with a pattern. */
static __u8 *buf_map(void **map, __u8 seed)
{
	__u8 *p = mmap(NULL, BUF_SIZE + BLOCK, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t i;

	igt_assert(p != MAP_FAILED);
	*map = p;
	p = (__u8 *)(((uintptr_t)p + BLOCK - 1) & ~(BLOCK - 1));
	for (i = 0; i < BUF_SIZE; i++)
		p[i] = (__u8)(i * 7 + seed + (i >> 12));
	return p;
}

static void check(const __u8 *got, __u8 seed, const char *what)
{
	size_t i;

	for (i = 0; i < BUF_SIZE; i++)
		igt_assert_f(got[i] == (__u8)(i * 7 + seed + (i >> 12)),
			     "%s: byte %zu is 0x%x\n", what, i, got[i]);
}

/* Every page of @buf is at @loc, as VM @vm of @d sees it. */
static void all_at(const struct adev *d, __u32 vm, const __u8 *buf, __u32 loc,
		   const char *what)
{
	__u32 where[NPAGES];
	size_t i;

	igt_assert_eq(vsvm_residency(d->fd, vm, (uintptr_t)buf, NPAGES,
				     where), 0);
	for (i = 0; i < NPAGES; i++)
		igt_assert_f(where[i] == loc, "%s: page %zu at 0x%x, not 0x%x\n",
			     what, i, where[i], loc);
}

/*
 * The buffer in A's VRAM, B reading it @READS times in place, with the
 * access-counter advice @advice on B's VM (0: none). Returns whether it
 * ended up in B's VRAM; every read is exact.
 */
static bool remote_reads(__u32 advice, bool param)
{
	__u64 mig0 = ctr(pb, "access_migrations");
	__u64 cnt0 = ctr(pb, "access_counted");
	__u32 va, vb;
	__u8 *buf, *tmp;
	void *map;
	bool moved;
	int i;

	param_set("access_counters", param);
	buf = buf_map(&map, 3);
	tmp = malloc(BUF_SIZE);
	igt_assert(tmp);
	igt_assert_eq(vsvm_vm_create(pa->fd, &va), 0);
	igt_assert_eq(vsvm_vm_create(pb->fd, &vb), 0);
	igt_assert_eq(vsvm_prefetch(pa->fd, va, DRM_VSVM_LOCATION_DEVICE,
				    (uintptr_t)buf, BUF_SIZE, 0, NULL), 0);
	all_at(pa, va, buf, DRM_VSVM_RESIDENCY_DEVICE(pa->index), "prefetched");
	igt_assert_eq(vsvm_madvise(pb->fd, vb,
				   DRM_VSVM_MADVISE_MIGRATION_POLICY,
				   (uintptr_t)buf, BUF_SIZE,
				   DRM_VSVM_MIGRATE_ONLY_SYSTEM_PAGES, 0), 0);
	if (advice)
		igt_assert_eq(vsvm_madvise(pb->fd, vb,
					   DRM_VSVM_MADVISE_ACCESS_COUNTERS,
					   (uintptr_t)buf, BUF_SIZE, advice,
					   0), 0);
	for (i = 0; i < READS; i++) {
		memset(tmp, 0, BUF_SIZE);
		igt_assert_eq(vsvm_exec_read(pb->fd, vb, buf, BUF_SIZE, tmp,
					     NULL), 0);
		check(tmp, 3, "B's read");
	}
	moved = ctr(pb, "access_migrations") > mig0;
	if (moved) {
		all_at(pb, vb, buf, DRM_VSVM_RESIDENCY_DEVICE(pb->index),
		       "moved by B's counters");
		igt_assert_lte_u64(2, ctr(pb, "access_migrations") - mig0);
		igt_assert_lte_u64(512, ctr(pb, "access_counted") - cnt0);
	} else {
		all_at(pb, vb, buf, DRM_VSVM_RESIDENCY_DEVICE(pa->index),
		       "left in A's VRAM");
	}
	/* A and the CPU still read the right bytes. */
	igt_assert_eq(vsvm_exec_read(pa->fd, va, buf, BUF_SIZE, tmp, NULL), 0);
	check(tmp, 3, "A's read");
	check(buf, 3, "CPU read");
	igt_assert_eq(vsvm_vm_destroy(pb->fd, vb), 0);
	igt_assert_eq(vsvm_vm_destroy(pa->fd, va), 0);
	free(tmp);
	igt_assert_eq(munmap(map, BUF_SIZE + BLOCK), 0);
	param_set("access_counters", 0);
	return moved;
}

static void test_attr(void)
{
	struct drm_vsvm_range_attr attrs[4];
	struct adev *d = &devs[0];
	__u32 vm, num = 4;
	void *map;
	__u8 *buf = buf_map(&map, 0);

	igt_assert_eq(vsvm_vm_create(d->fd, &vm), 0);
	igt_assert_eq(vsvm_madvise(d->fd, vm, DRM_VSVM_MADVISE_ACCESS_COUNTERS,
				   (uintptr_t)buf, BUF_SIZE, 3, 0), -EINVAL);
	igt_assert_eq(vsvm_madvise(d->fd, vm, DRM_VSVM_MADVISE_ACCESS_COUNTERS,
				   (uintptr_t)buf, BUF_SIZE, ~0u, 0), -EINVAL);
	igt_assert_eq(vsvm_madvise(d->fd, vm, DRM_VSVM_MADVISE_ACCESS_COUNTERS,
				   (uintptr_t)buf, BUF_SIZE,
				   DRM_VSVM_ACCESS_COUNTERS_ON, 3), -EINVAL);
	igt_assert_eq(vsvm_madvise(d->fd, vm, DRM_VSVM_MADVISE_ACCESS_COUNTERS,
				   (uintptr_t)buf + 1, BUF_SIZE,
				   DRM_VSVM_ACCESS_COUNTERS_ON, 0), -EINVAL);
	igt_assert_eq(vsvm_query_range_attrs(d->fd, vm, (uintptr_t)buf,
					     BUF_SIZE, attrs, &num), 0);
	igt_assert_eq_u32(num, 1);
	igt_assert_eq_u32(attrs[0].access_counters,
			  DRM_VSVM_ACCESS_COUNTERS_DEFAULT);

	igt_assert_eq(vsvm_madvise(d->fd, vm, DRM_VSVM_MADVISE_ACCESS_COUNTERS,
				   (uintptr_t)buf + PAGE_SZ, PAGE_SZ,
				   DRM_VSVM_ACCESS_COUNTERS_OFF, 0), 0);
	igt_assert_eq(vsvm_madvise(d->fd, vm, DRM_VSVM_MADVISE_ACCESS_COUNTERS,
				   (uintptr_t)buf + BLOCK, BLOCK,
				   DRM_VSVM_ACCESS_COUNTERS_ON, 0), 0);
	num = 4;
	igt_assert_eq(vsvm_query_range_attrs(d->fd, vm, (uintptr_t)buf,
					     BUF_SIZE, attrs, &num), 0);
	igt_assert_eq_u32(num, 4);
	igt_assert_eq_u32(attrs[1].access_counters,
			  DRM_VSVM_ACCESS_COUNTERS_OFF);
	igt_assert_eq_u64(attrs[1].end - attrs[1].start, PAGE_SZ);
	igt_assert_eq_u32(attrs[2].access_counters,
			  DRM_VSVM_ACCESS_COUNTERS_DEFAULT);
	igt_assert_eq_u32(attrs[3].access_counters,
			  DRM_VSVM_ACCESS_COUNTERS_ON);
	igt_assert_eq_u64(attrs[3].start, (uintptr_t)buf + BLOCK);
	igt_assert_eq_u32(attrs[3].reserved, 0);

	igt_assert_eq(vsvm_madvise(d->fd, vm, DRM_VSVM_MADVISE_ACCESS_COUNTERS,
				   (uintptr_t)buf, BUF_SIZE,
				   DRM_VSVM_ACCESS_COUNTERS_DEFAULT, 0), 0);
	num = 4;
	igt_assert_eq(vsvm_query_range_attrs(d->fd, vm, (uintptr_t)buf,
					     BUF_SIZE, attrs, &num), 0);
	igt_assert_eq_u32(num, 1);
	igt_assert_eq(vsvm_vm_destroy(d->fd, vm), 0);
	igt_assert_eq(munmap(map, BUF_SIZE + BLOCK), 0);
}

/* Advice for system memory: B reads it in place, the counters leave it. */
static void test_advice_left(void)
{
	__u64 left0 = ctr(pb, "access_left");
	__u64 mig0 = ctr(pb, "access_migrations");
	__u8 *buf, *tmp;
	void *map;
	__u32 vb;
	int i;

	buf = buf_map(&map, 9);
	tmp = malloc(BUF_SIZE);
	igt_assert(tmp);
	igt_assert_eq(vsvm_vm_create(pb->fd, &vb), 0);
	igt_assert_eq(vsvm_madvise(pb->fd, vb, DRM_VSVM_MADVISE_PREFERRED_LOC,
				   (uintptr_t)buf, BUF_SIZE,
				   DRM_VSVM_LOCATION_SYSTEM, 0), 0);
	igt_assert_eq(vsvm_madvise(pb->fd, vb,
				   DRM_VSVM_MADVISE_ACCESS_COUNTERS,
				   (uintptr_t)buf, BUF_SIZE,
				   DRM_VSVM_ACCESS_COUNTERS_ON, 0), 0);
	for (i = 0; i < READS; i++) {
		memset(tmp, 0, BUF_SIZE);
		igt_assert_eq(vsvm_exec_read(pb->fd, vb, buf, BUF_SIZE, tmp,
					     NULL), 0);
		check(tmp, 9, "B's read");
	}
	all_at(pb, vb, buf, DRM_VSVM_RESIDENCY_SYSTEM, "left in system memory");
	igt_assert_lte_u64(2, ctr(pb, "access_left") - left0);
	igt_assert_eq_u64(ctr(pb, "access_migrations"), mig0);
	/* The CPU writes, B reads the new bytes in place. */
	memset(buf, 0x5a, BUF_SIZE);
	igt_assert_eq(vsvm_exec_read(pb->fd, vb, buf, BUF_SIZE, tmp, NULL), 0);
	for (i = 0; i < (int)BUF_SIZE; i++)
		igt_assert_eq(tmp[i], 0x5a);
	igt_assert_eq(vsvm_vm_destroy(pb->fd, vb), 0);
	free(tmp);
	igt_assert_eq(munmap(map, BUF_SIZE + BLOCK), 0);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The link's bandwidth in the test: BUF_SIZE takes a second over it. */
#define LINK_MIB_PER_S	(BUF_SIZE >> 20)

/*
 * With the link emulated: B's in-place read of A's VRAM and A's migration
 * of system memory into its VRAM take at least the link's time for their
 * bytes; A's read of its own VRAM takes none of it. Data exact throughout.
 */
static void test_link_time(void)
{
	__u8 *buf, *tmp;
	double t, remote, migrate, local;
	void *map;
	__u32 va, vb;

	buf = buf_map(&map, 5);
	tmp = malloc(BUF_SIZE);
	igt_assert(tmp);
	igt_assert_eq(vsvm_vm_create(pa->fd, &va), 0);
	igt_assert_eq(vsvm_vm_create(pb->fd, &vb), 0);
	igt_assert_eq(vsvm_madvise(pb->fd, vb,
				   DRM_VSVM_MADVISE_MIGRATION_POLICY,
				   (uintptr_t)buf, BUF_SIZE,
				   DRM_VSVM_MIGRATE_ONLY_SYSTEM_PAGES, 0), 0);
	param_set("link_mib_per_s", LINK_MIB_PER_S);

	t = now_s();
	igt_assert_eq(vsvm_prefetch(pa->fd, va, DRM_VSVM_LOCATION_DEVICE,
				    (uintptr_t)buf, BUF_SIZE, 0, NULL), 0);
	migrate = now_s() - t;
	all_at(pa, va, buf, DRM_VSVM_RESIDENCY_DEVICE(pa->index), "prefetched");

	t = now_s();
	igt_assert_eq(vsvm_exec_read(pb->fd, vb, buf, BUF_SIZE, tmp, NULL), 0);
	remote = now_s() - t;
	check(tmp, 5, "B's read over the link");
	all_at(pb, vb, buf, DRM_VSVM_RESIDENCY_DEVICE(pa->index),
	       "read in place");

	memset(tmp, 0, BUF_SIZE);
	t = now_s();
	igt_assert_eq(vsvm_exec_read(pa->fd, va, buf, BUF_SIZE, tmp, NULL), 0);
	local = now_s() - t;
	param_set("link_mib_per_s", 0);
	check(tmp, 5, "A's read of its VRAM");
	igt_info("link %u MiB/s, %lu MiB: migration %.3f s, remote read %.3f s, local read %.3f s\n",
		 (unsigned int)LINK_MIB_PER_S, BUF_SIZE >> 20, migrate, remote,
		 local);
	igt_assert_f(migrate >= 1.0, "migration over the link in %.3f s\n",
		     migrate);
	igt_assert_f(remote >= 1.0, "remote read in %.3f s\n", remote);
	igt_assert_f(local < 1.0, "local read charged the link: %.3f s\n",
		     local);
	check(buf, 5, "CPU read");
	igt_assert_eq(vsvm_vm_destroy(pb->fd, vb), 0);
	igt_assert_eq(vsvm_vm_destroy(pa->fd, va), 0);
	free(tmp);
	igt_assert_eq(munmap(map, BUF_SIZE + BLOCK), 0);
}

/* B reads @npages of @buf (in A's VRAM) once, in place. */
static void remote_read_once(__u32 vb, __u8 *buf, size_t npages, __u8 *tmp)
{
	igt_assert_eq(vsvm_exec_read(pb->fd, vb, buf, npages * PAGE_SZ, tmp,
				     NULL), 0);
}

/* A buffer in A's VRAM, that B reads in place with the counters on. */
static void remote_setup(__u32 va, __u32 vb, __u8 *buf)
{
	igt_assert_eq(vsvm_prefetch(pa->fd, va, DRM_VSVM_LOCATION_DEVICE,
				    (uintptr_t)buf, BUF_SIZE, 0, NULL), 0);
	igt_assert_eq(vsvm_madvise(pb->fd, vb,
				   DRM_VSVM_MADVISE_MIGRATION_POLICY,
				   (uintptr_t)buf, BUF_SIZE,
				   DRM_VSVM_MIGRATE_ONLY_SYSTEM_PAGES, 0), 0);
	igt_assert_eq(vsvm_madvise(pb->fd, vb,
				   DRM_VSVM_MADVISE_ACCESS_COUNTERS,
				   (uintptr_t)buf, BUF_SIZE,
				   DRM_VSVM_ACCESS_COUNTERS_ON, 0), 0);
}

/*
 * Undo remote_read_under_threshold() and a counter block size set since:
 * the default threshold and block, the VMs, @tmp and @map.
 */
static void remote_teardown(void *map, __u8 *tmp, __u32 va, __u32 vb)
{
	param_set("access_counter_threshold", 256);
	param_set("access_counter_granularity_kb", 2048);
	igt_assert_eq(vsvm_vm_destroy(pb->fd, vb), 0);
	igt_assert_eq(vsvm_vm_destroy(pa->fd, va), 0);
	free(tmp);
	igt_assert_eq(munmap(map, BUF_SIZE + BLOCK), 0);
}

/*
 * Unmap @map (BUF_SIZE + BLOCK bytes, @buf in it) and map a new buffer in
 * its place, filled with @c, set up as remote_setup() does.
 */
static void remote_remap(void *map, __u8 *buf, int c, __u32 va, __u32 vb)
{
	igt_assert_eq(munmap(map, BUF_SIZE + BLOCK), 0);
	igt_assert(mmap(map, BUF_SIZE + BLOCK, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) ==
		   map);
	memset(buf, c, BUF_SIZE);
	remote_setup(va, vb, buf);
}

/*
 * A buffer filled from @seed, in A's VRAM, that B reads in full once, in
 * place, with the counters on: no migration yet (the caller set the
 * threshold above one read). Returns the buffer; its mapping in *@map,
 * a buffer of BUF_SIZE bytes for reads in *@tmp, the VMs in *@va, *@vb.
 */
static __u8 *remote_read_under_threshold(__u8 seed, __u64 mig0, void **map,
					 __u8 **tmp, __u32 *va, __u32 *vb)
{
	__u8 *buf = buf_map(map, seed);

	*tmp = malloc(BUF_SIZE);
	igt_assert(*tmp);
	igt_assert_eq(vsvm_vm_create(pa->fd, va), 0);
	igt_assert_eq(vsvm_vm_create(pb->fd, vb), 0);
	remote_setup(*va, *vb, buf);
	remote_read_once(*vb, buf, NPAGES, *tmp);
	check(*tmp, seed, "B's read");
	igt_assert_eq_u64(ctr(pb, "access_migrations"), mig0);
	return buf;
}

/*
 * The counts of memory that was unmapped are forgotten: a new buffer at
 * the same address needs the whole threshold of accesses of its own. With
 * @invalidated, an mprotect() took B's mapping of the buffer before the
 * munmap, so that B holds no pages of it when it is unmapped: the unmap
 * still reaches B and its counts go.
 */
static void test_unmap_forgets(bool invalidated)
{
	const size_t block_pages = BLOCK / PAGE_SZ;
	__u64 mig0 = ctr(pb, "access_migrations");
	__u8 *buf, *buf2, *tmp;
	void *map;
	__u32 va, vb;

	/* A block read once in full stays under the threshold. */
	param_set("access_counter_threshold", block_pages + block_pages / 2);
	buf = remote_read_under_threshold(11, mig0, &map, &tmp, &va, &vb);
	if (invalidated)
		igt_assert_eq(mprotect(map, BUF_SIZE + BLOCK, PROT_READ), 0);

	/* A new buffer in its place, read up to less than the threshold. */
	buf2 = buf;
	remote_remap(map, buf2, 0x3c, va, vb);
	remote_read_once(vb, buf2, block_pages / 2 + 1, tmp);
	igt_assert_eq(tmp[0], 0x3c);
	igt_assert_f(ctr(pb, "access_migrations") == mig0,
		     "the counts of the unmapped buffer moved the new one\n");
	all_at(pb, vb, buf2, DRM_VSVM_RESIDENCY_DEVICE(pa->index),
	       "left in A's VRAM");

	param_set("access_counter_threshold", 256);
	igt_assert_eq(vsvm_vm_destroy(pb->fd, vb), 0);
	igt_assert_eq(vsvm_vm_destroy(pa->fd, va), 0);
	free(tmp);
	igt_assert_eq(munmap(map, BUF_SIZE + BLOCK), 0);
}

/*
 * GPU work on memory in another notifier chunk of B's VM (512 MiB away):
 * its fault collects B's unmapped ranges, and with the last of them the
 * notifier of the chunk @near is in goes. It reads in place in system
 * memory, counted, so that its flush forgets what was unmapped until then:
 * the span of unmapped memory a flush forgets is one interval, and left
 * pending until the munmap of this page, it would stretch over all the
 * memory between, B's counts of it forgotten by the next flush.
 */
static void fault_far_away(__u32 vb, const void *near)
{
	const uintptr_t chunk = 512ul << 20;
	uintptr_t base = ((uintptr_t)near & ~(chunk - 1));
	__u8 out[PAGE_SZ];
	void *far = MAP_FAILED;
	__u64 cnt0;
	int i;

	for (i = 2; i < 16 && far == MAP_FAILED; i++) {
		far = mmap((void *)(base + i * chunk), PAGE_SZ,
			   PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
			   -1, 0);
		if (far != MAP_FAILED && far != (void *)(base + i * chunk)) {
			munmap(far, PAGE_SZ);
			far = MAP_FAILED;
		}
	}
	igt_assert(far != MAP_FAILED);
	memset(far, 0x5a, PAGE_SZ);
	igt_assert_eq(vsvm_madvise(pb->fd, vb, DRM_VSVM_MADVISE_PREFERRED_LOC,
				   (uintptr_t)far, PAGE_SZ,
				   DRM_VSVM_LOCATION_SYSTEM, 0), 0);
	cnt0 = ctr(pb, "access_counted");
	igt_assert_eq(vsvm_exec_read(pb->fd, vb, far, PAGE_SZ, out, NULL), 0);
	igt_assert_eq(out[0], 0x5a);
	igt_assert_eq_u64(ctr(pb, "access_counted") - cnt0, 1);
	igt_assert_eq(munmap(far, PAGE_SZ), 0);
}

/*
 * As unmap-forgets, but the buffer goes in two steps with GPU work in
 * between: first one page of each of B's ranges of it (each range is
 * marked unmapped), then GPU work elsewhere collects those ranges, and
 * with them the notifier, so that the munmap of the rest reaches no
 * callback of B. The counts of the rest (64 KiB counter blocks, those of
 * the first step's pages forgotten) must not carry over to a new buffer
 * at the same address either: its first two counter blocks, read once,
 * stay under the threshold.
 */
static void test_unmap_forgets_collected(void)
{
	const size_t cblock_pages = 16;
	__u64 mig0 = ctr(pb, "access_migrations");
	__u8 *buf, *tmp;
	void *map;
	__u32 va, vb;

	param_set("access_counter_granularity_kb", cblock_pages * PAGE_SZ >> 10);
	/* A full read counts 16 a block, under the threshold. */
	param_set("access_counter_threshold", cblock_pages + cblock_pages / 2);
	buf = remote_read_under_threshold(13, mig0, &map, &tmp, &va, &vb);

	/*
	 * The last page of B's first 2 MiB range and the first of its
	 * second, then a fault elsewhere.
	 */
	igt_assert_eq(munmap(buf + BLOCK - PAGE_SZ, 2 * PAGE_SZ), 0);
	fault_far_away(vb, buf);

	/* A new buffer in its place: two counter blocks read once. */
	remote_remap(map, buf, 0x3d, va, vb);
	remote_read_once(vb, buf, 2 * cblock_pages, tmp);
	igt_assert_eq(tmp[0], 0x3d);
	igt_assert_eq(tmp[2 * cblock_pages * PAGE_SZ - 1], 0x3d);
	igt_assert_f(ctr(pb, "access_migrations") == mig0,
		     "the counts of the collected ranges moved the new buffer\n");
	all_at(pb, vb, buf, DRM_VSVM_RESIDENCY_DEVICE(pa->index),
	       "left in A's VRAM");

	remote_teardown(map, tmp, va, vb);
}

/*
 * As unmap-forgets-collected, but B's range does not go by an munmap: B
 * reads the first 2 MiB of the buffer in place once (one range, 64 KiB
 * counter blocks, under the threshold), then a fault finds the range no
 * longer fits (an mprotect() split its VMA, with @attrs a MADVISE split
 * its attributes instead) and replaces it by one of the first counter
 * block alone. That one is unmapped and collected, and with it the
 * notifier, so the munmap of the rest reaches no callback of B. A new
 * buffer at the same address, two counter blocks of that rest read once,
 * must stay in A's VRAM.
 */
static void test_drop_forgets(bool attrs)
{
	const size_t cblock_pages = 16;
	const size_t cblock = cblock_pages * PAGE_SZ;
	__u64 mig0 = ctr(pb, "access_migrations");
	__u64 mig;
	__u8 *buf, *tmp;
	void *map;
	__u32 va, vb;
	size_t i;

	param_set("access_counter_granularity_kb", cblock >> 10);
	/* A full read counts 16 a block, under the threshold. */
	param_set("access_counter_threshold", cblock_pages + cblock_pages / 2);
	buf = buf_map(&map, 17);
	tmp = malloc(BUF_SIZE);
	igt_assert(tmp);
	igt_assert_eq(vsvm_vm_create(pa->fd, &va), 0);
	igt_assert_eq(vsvm_vm_create(pb->fd, &vb), 0);
	remote_setup(va, vb, buf);
	remote_read_once(vb, buf, BLOCK / PAGE_SZ, tmp);
	for (i = 0; i < BLOCK; i++)
		igt_assert_f(tmp[i] == (__u8)(i * 7 + 17 + (i >> 12)),
			     "B's read: byte %zu is 0x%x\n", i, tmp[i]);
	igt_assert_eq_u64(ctr(pb, "access_migrations"), mig0);

	/*
	 * Split what B's range has to fit; both ways it loses its GPU
	 * mapping, so that the next read faults and drops it.
	 */
	if (attrs) {
		igt_assert_eq(vsvm_madvise(pb->fd, vb, DRM_VSVM_MADVISE_ATOMIC,
					   (uintptr_t)buf, cblock,
					   DRM_VSVM_ATOMIC_GLOBAL, 0), 0);
		igt_assert_eq(mprotect(map, BUF_SIZE + BLOCK, PROT_READ), 0);
	} else {
		igt_assert_eq(mprotect(buf, cblock, PROT_READ), 0);
	}
	memset(tmp, 0, PAGE_SZ);
	remote_read_once(vb, buf, 1, tmp);
	for (i = 0; i < PAGE_SZ; i++)
		igt_assert_eq(tmp[i], (__u8)(i * 7 + 17));

	/* The replacement goes, collected with the notifier. */
	igt_assert_eq(munmap(buf, cblock), 0);
	fault_far_away(vb, buf);

	/* A new buffer in its place: two counter blocks of the rest. */
	remote_remap(map, buf, 0x3e, va, vb);
	memset(tmp, 0, 2 * cblock);
	igt_assert_eq(vsvm_exec_read(pb->fd, vb, buf + cblock, 2 * cblock,
				     tmp, NULL), 0);
	for (i = 0; i < 2 * cblock; i++)
		igt_assert_eq(tmp[i], 0x3e);
	mig = ctr(pb, "access_migrations");
	igt_assert_f(mig == mig0,
		     "the counts of the dropped range moved the new buffer (access_migrations %llu -> %llu)\n",
		     (unsigned long long)mig0, (unsigned long long)mig);
	all_at(pb, vb, buf, DRM_VSVM_RESIDENCY_DEVICE(pa->index),
	       "left in A's VRAM");

	remote_teardown(map, tmp, va, vb);
}

/*
 * A counter block of two policy blocks (4 MiB counters, 2 MiB policy
 * blocks), the second of which A's advice won: B's counters leave the
 * whole counted block in A's VRAM.
 */
static void test_wide_block_advice(void)
{
	const size_t wide = 2 * BLOCK;
	__u64 left0 = ctr(pb, "access_left");
	__u64 mig0 = ctr(pb, "access_migrations");
	__u64 epoch = 2000;
	__u32 where[2 * BLOCK / PAGE_SZ];
	__u8 *buf, *tmp;
	__u32 va, vb;
	void *map;
	size_t i;

	igt_assert_eq(vsvm_module_param_get("drm_msvm", "thrashing_epoch",
					    &epoch), 0);
	/* A's advice must not lapse while B reads. */
	igt_assert_eq(vsvm_module_param_set("drm_msvm", "thrashing_epoch",
					    1000000), 0);
	param_set("access_counter_granularity_kb", wide >> 10);
	map = mmap(NULL, 2 * wide, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	igt_assert(map != MAP_FAILED);
	buf = (__u8 *)(((uintptr_t)map + wide - 1) & ~(wide - 1));
	memset(buf, 0x6b, wide);
	tmp = malloc(wide);
	igt_assert(tmp);
	igt_assert_eq(vsvm_vm_create(pa->fd, &va), 0);
	igt_assert_eq(vsvm_vm_create(pb->fd, &vb), 0);

	/* A prefers its VRAM for the second half and reads it all. */
	igt_assert_eq(vsvm_madvise(pa->fd, va, DRM_VSVM_MADVISE_PREFERRED_LOC,
				   (uintptr_t)buf + BLOCK, BLOCK,
				   DRM_VSVM_LOCATION_DEVICE, 0), 0);
	igt_assert_eq(vsvm_exec_read(pa->fd, va, buf, wide, tmp, NULL), 0);
	igt_assert_eq(vsvm_residency(pa->fd, va, (uintptr_t)buf,
				     wide / PAGE_SZ, where), 0);
	for (i = 0; i < wide / PAGE_SZ; i++)
		igt_assert_eq_u32(where[i],
				  DRM_VSVM_RESIDENCY_DEVICE(pa->index));

	/* B reads it in place with its counters on. */
	igt_assert_eq(vsvm_madvise(pb->fd, vb,
				   DRM_VSVM_MADVISE_MIGRATION_POLICY,
				   (uintptr_t)buf, wide,
				   DRM_VSVM_MIGRATE_ONLY_SYSTEM_PAGES, 0), 0);
	igt_assert_eq(vsvm_madvise(pb->fd, vb,
				   DRM_VSVM_MADVISE_ACCESS_COUNTERS,
				   (uintptr_t)buf, wide,
				   DRM_VSVM_ACCESS_COUNTERS_ON, 0), 0);
	memset(tmp, 0, wide);
	igt_assert_eq(vsvm_exec_read(pb->fd, vb, buf, wide, tmp, NULL), 0);
	for (i = 0; i < wide; i++)
		igt_assert_eq(tmp[i], 0x6b);
	igt_assert_eq_u64(ctr(pb, "access_migrations"), mig0);
	igt_assert_lte_u64(1, ctr(pb, "access_left") - left0);
	igt_assert_eq(vsvm_residency(pb->fd, vb, (uintptr_t)buf,
				     wide / PAGE_SZ, where), 0);
	for (i = 0; i < wide / PAGE_SZ; i++)
		igt_assert_f(where[i] == DRM_VSVM_RESIDENCY_DEVICE(pa->index),
			     "page %zu moved to 0x%x against A's advice\n", i,
			     where[i]);

	param_set("access_counter_granularity_kb", 2048);
	igt_assert_eq(vsvm_module_param_set("drm_msvm", "thrashing_epoch",
					    epoch), 0);
	igt_assert_eq(vsvm_vm_destroy(pb->fd, vb), 0);
	igt_assert_eq(vsvm_vm_destroy(pa->fd, va), 0);
	free(tmp);
	igt_assert_eq(munmap(map, 2 * wide), 0);
}

int igt_main()
{
	unsigned int i;

	igt_fixture() {
		open_devices();
		igt_require_f(n_devs > 0, "no vsvm render node\n");
		for (i = 0; i < ARRAY_SIZE(params); i++)
			igt_require_f(!param_get(params[i], &saved[i]),
				      "no vsvm parameter %s\n", params[i]);
		have_params = true;
		param_set("access_counter_threshold", 256);
		param_set("access_counter_granularity_kb", 2048);
		param_set("link_mib_per_s", 0);
	}

	igt_describe("MADVISE ACCESS_COUNTERS: values checked, kept per interval.");
	igt_subtest("attr")
		test_attr();

	igt_describe("Counters on: B's remote reads move the buffer to B.");
	igt_subtest("remote-migrates") {
		igt_require_f(pa, "no P2P pair\n");
		igt_assert(remote_reads(DRM_VSVM_ACCESS_COUNTERS_ON, false));
	}

	igt_describe("Module parameter on, no advice: moved as well.");
	igt_subtest("param-migrates") {
		igt_require_f(pa, "no P2P pair\n");
		igt_assert(remote_reads(0, true));
	}

	igt_describe("Counters off (default, or OFF over the parameter): left.");
	igt_subtest("off-left") {
		igt_require_f(pa, "no P2P pair\n");
		igt_assert(!remote_reads(0, false));
		igt_assert(!remote_reads(DRM_VSVM_ACCESS_COUNTERS_OFF, true));
	}

	igt_describe("Preferred location system: the counters leave it there.");
	igt_subtest("advice-left") {
		igt_require_f(pb, "no P2P pair\n");
		test_advice_left();
	}

	igt_describe("The emulated link: remote bytes take its time, local ones not.");
	igt_subtest("link-time") {
		igt_require_f(pa, "no P2P pair\n");
		test_link_time();
	}

	igt_describe("Unmapped memory's counts do not carry over to new memory.");
	igt_subtest("unmap-forgets") {
		igt_require_f(pa, "no P2P pair\n");
		test_unmap_forgets(false);
	}

	igt_describe("Unmapped memory's counts go even if no GPU mapped it then.");
	igt_subtest("unmap-forgets-unbound") {
		igt_require_f(pa, "no P2P pair\n");
		test_unmap_forgets(true);
	}

	igt_describe("Unmapped memory's counts go even once its ranges were collected.");
	igt_subtest("unmap-forgets-collected") {
		igt_require_f(pa, "no P2P pair\n");
		test_unmap_forgets_collected();
	}

	igt_describe("A range a fault dropped after an mprotect() split leaves no counts.");
	igt_subtest("drop-forgets-vma-split") {
		igt_require_f(pa, "no P2P pair\n");
		test_drop_forgets(false);
	}

	igt_describe("A range a fault dropped after a MADVISE split leaves no counts.");
	igt_subtest("drop-forgets-attr-split") {
		igt_require_f(pa, "no P2P pair\n");
		test_drop_forgets(true);
	}

	igt_describe("A counter block of two policy blocks obeys both.");
	igt_subtest("wide-block-advice") {
		igt_require_f(pa, "no P2P pair\n");
		test_wide_block_advice();
	}

	igt_fixture() {
		for (i = 0; have_params && i < ARRAY_SIZE(params); i++)
			param_set(params[i], saved[i]);
		for (i = 0; i < (unsigned int)n_devs; i++)
			close(devs[i].fd);
	}
}
