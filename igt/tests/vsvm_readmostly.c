// SPDX-License-Identifier: MIT
/*
 * vsvm_readmostly: read replicas of MADVISE READ_MOSTLY memory.
 *
 * The devices of the largest interconnect owner group (up to four; on the
 * test rig the P2P pair) read one 4 MiB buffer with READ_MOSTLY set in
 * each VM: the first read migrates it into the first device's VRAM (the
 * master), every other reader gets a replica in its own VRAM (RESIDENCY
 * with DRM_VSVM_RESIDENCY_REPLICAS shows them, the master stays), and
 * reads again without a GPU fault. Then every way of writing collapses
 * them before the writer's call returns: a CPU write, a GPU write of any
 * device, munmap(), mprotect() and fork(); a device whose VRAM fills up
 * drops its replica without a copy. Every read is checked byte for byte.
 * And racing: while one device keeps writing a new version over the
 * buffer, the others keep reading it; no read may hold a word older than
 * the version whose write returned before the read began.
 *
 * Isolation and protection with replicas in place: fork() while two
 * devices hold replicas, then parent and child each write by CPU and by
 * GPU and read from every device, with replicas of their own (each sees
 * only its own data); mprotect(PROT_READ) of a replicated range, then GPU
 * writes of every kind from every reader (-EPERM, and every replica
 * holds the data); munmap() of part of a replicated range and a new
 * mapping there (no stale replica reaches a GPU); ATOMIC_INC of two
 * devices on a replicated range while the others keep reading it (exact
 * counts).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <xf86drm.h>

#include "igt.h"
#include "vsvm_bind_lib.h"
#include "vsvm_exec_lib.h"
#include "vsvm_lib.h"
#include "vsvm_workload.h"
#include <drm/vsvm_drm.h>

#define MAX_DEVICES	16
#define MAX_READERS	4
#define BLOCK		(2ul << 20)
#define BUF_SIZE	(2 * BLOCK)
#define PAGE_SZ		4096ul
#define NPAGES		(BUF_SIZE / PAGE_SZ)

struct rdev {
	int fd;
	int minor;
	__u32 index;
	__u64 vram;
};

static struct rdev devs[MAX_DEVICES];
static int n_devs;
/* The readers: devices of one owner group, reader 0 holds the master. */
static struct rdev *rd[MAX_READERS];
static int n_rd;

static void query(struct rdev *d)
{
	struct drm_vsvm_query_device info;

	vsvm_device_info(d->fd, &info);
	d->index = info.index;
	d->vram = info.vram_size;
}

static bool linked(const struct rdev *a, const struct rdev *b)
{
	__u32 l = vsvm_link_to(a->fd, b->index);

	return l == DRM_VSVM_LINK_P2P || l == DRM_VSVM_LINK_FABRIC;
}

/* The largest group of devices linked to each other, up to four. */
static void open_devices(void)
{
	struct vsvm_node nodes[MAX_DEVICES];
	struct rdev *g[MAX_READERS];
	const char *expect;
	int i, j, k, n;

	n_devs = vsvm_open_nodes(nodes, MAX_DEVICES);
	for (i = 0; i < n_devs; i++) {
		devs[i].fd = nodes[i].fd;
		devs[i].minor = nodes[i].minor;
		query(&devs[i]);
	}
	for (i = 0; i < n_devs; i++) {
		n = 0;
		g[n++] = &devs[i];
		for (j = i + 1; j < n_devs && n < MAX_READERS; j++) {
			for (k = 0; k < n; k++)
				if (!linked(g[k], &devs[j]))
					break;
			if (k == n)
				g[n++] = &devs[j];
		}
		if (n > n_rd) {
			n_rd = n;
			memcpy(rd, g, sizeof(g));
		}
	}
	igt_info("%d readers of one owner group\n", n_rd);
	/* The rig says how large a group it built (make check-fabric). */
	expect = getenv("VSVM_EXPECT_GROUP");
	if (expect && atoi(expect) > 0)
		igt_assert_f(n_rd >= atoi(expect),
			     "%d readers, the rig built a group of %s\n", n_rd,
			     expect);
}

static __u64 ctr(const struct rdev *d, const char *name)
{
	__u64 v = 0;

	igt_assert_f(vsvm_counter(d->minor, name, &v) == 0,
		     "no counter %s\n", name);
	return v;
}

static __u64 ctr_sum(const char *name)
{
	__u64 v = 0;
	int i;

	for (i = 0; i < n_rd; i++)
		v += ctr(rd[i], name);
	return v;
}

static __u8 pat(size_t i, __u8 seed)
{
	return (__u8)(i * 13 + seed + (i >> 12) * 7);
}

/* A block-aligned buffer filled by the CPU. */
static __u8 *buf_map(void **map, __u8 seed)
{
	__u8 *p = mmap(NULL, BUF_SIZE + BLOCK, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t i;

	igt_assert(p != MAP_FAILED);
	*map = p;
	p = (__u8 *)(((uintptr_t)p + BLOCK - 1) & ~(BLOCK - 1));
	for (i = 0; i < BUF_SIZE; i++)
		p[i] = pat(i, seed);
	return p;
}

static void check(const __u8 *got, __u8 seed, const char *what, int who)
{
	size_t i;

	for (i = 0; i < BUF_SIZE; i++)
		igt_assert_f(got[i] == pat(i, seed),
			     "%s (reader %d): byte %zu is 0x%x, not 0x%x\n",
			     what, who, i, got[i], pat(i, seed));
}

struct setup {
	void *map;
	__u8 *buf;
	__u8 *tmp;
	__u32 vm[MAX_READERS];
};

/* Every reader's VM, READ_MOSTLY on the buffer. */
static void setup(struct setup *s, __u8 seed)
{
	int i;

	s->buf = buf_map(&s->map, seed);
	s->tmp = malloc(BUF_SIZE);
	igt_assert(s->tmp);
	for (i = 0; i < n_rd; i++) {
		igt_assert_eq(vsvm_vm_create(rd[i]->fd, &s->vm[i]), 0);
		igt_assert_eq(vsvm_madvise(rd[i]->fd, s->vm[i],
					   DRM_VSVM_MADVISE_READ_MOSTLY,
					   (uintptr_t)s->buf, BUF_SIZE,
					   DRM_VSVM_READ_MOSTLY_ON, 0), 0);
	}
}

static void teardown(struct setup *s, bool unmap)
{
	int i;

	for (i = 0; i < n_rd; i++)
		igt_assert_eq(vsvm_vm_destroy(rd[i]->fd, s->vm[i]), 0);
	free(s->tmp);
	if (unmap)
		igt_assert_eq(munmap(s->map, BUF_SIZE + BLOCK), 0);
}

/* Reader @r reads the buffer; returns its GPU faults. */
static __u64 rd_read(struct setup *s, int r, __u8 seed, const char *what)
{
	struct drm_vsvm_exec out;

	memset(s->tmp, 0, BUF_SIZE);
	igt_assert_eq(vsvm_exec_read(rd[r]->fd, s->vm[r], s->buf, BUF_SIZE,
				     s->tmp, &out), 0);
	check(s->tmp, seed, what, r);
	return out.gpu_faults;
}

/* Per page, which devices hold a replica, as reader 0's VM sees it. */
static void replicas(struct setup *s, __u32 *mask)
{
	igt_assert_eq(vsvm_replicas(rd[0]->fd, s->vm[0], (uintptr_t)s->buf,
				    NPAGES, mask), 0);
}

static void expect_replicas(struct setup *s, __u32 want, const char *what)
{
	__u32 mask[NPAGES];
	size_t i;

	replicas(s, mask);
	for (i = 0; i < NPAGES; i++)
		igt_assert_f(mask[i] == want,
			     "%s: page %zu replicated on 0x%x, not 0x%x\n",
			     what, i, mask[i], want);
}

static void expect_master(struct setup *s, __u32 loc, const char *what)
{
	__u32 where[NPAGES];
	size_t i;

	igt_assert_eq(vsvm_residency(rd[0]->fd, s->vm[0], (uintptr_t)s->buf,
				     NPAGES, where), 0);
	for (i = 0; i < NPAGES; i++)
		igt_assert_f(where[i] == loc, "%s: page %zu at 0x%x, not 0x%x\n",
			     what, i, where[i], loc);
}

/* The bits of the readers but the master's. */
static __u32 replica_mask(void)
{
	__u32 m = 0;
	int i;

	for (i = 1; i < n_rd; i++)
		m |= 1u << rd[i]->index;
	return m;
}

/* Reader 0 makes the master, the others get replicas; data exact. */
static void replicate(struct setup *s, __u8 seed)
{
	__u64 made = ctr_sum("replica_made");
	int i;

	rd_read(s, 0, seed, "master's first read");
	expect_master(s, DRM_VSVM_RESIDENCY_DEVICE(rd[0]->index),
		      "master in reader 0's VRAM");
	for (i = 1; i < n_rd; i++)
		rd_read(s, i, seed, "first read");
	expect_replicas(s, replica_mask(), "after the first reads");
	expect_master(s, DRM_VSVM_RESIDENCY_DEVICE(rd[0]->index),
		      "the master stays");
	igt_assert_eq_u64(ctr_sum("replica_made") - made,
			  (__u64)(n_rd - 1) * (BUF_SIZE / BLOCK));
}

static void test_attr(void)
{
	struct drm_vsvm_range_attr attrs[4];
	struct rdev *d = &devs[0];
	__u32 vm, num = 4;
	void *map;
	__u8 *buf = buf_map(&map, 0);

	igt_assert_eq(vsvm_vm_create(d->fd, &vm), 0);
	igt_assert_eq(vsvm_madvise(d->fd, vm, DRM_VSVM_MADVISE_READ_MOSTLY,
				   (uintptr_t)buf, BUF_SIZE, 2, 0), -EINVAL);
	igt_assert_eq(vsvm_madvise(d->fd, vm, DRM_VSVM_MADVISE_READ_MOSTLY,
				   (uintptr_t)buf, BUF_SIZE, ~0u, 0), -EINVAL);
	igt_assert_eq(vsvm_madvise(d->fd, vm, DRM_VSVM_MADVISE_READ_MOSTLY,
				   (uintptr_t)buf, BUF_SIZE,
				   DRM_VSVM_READ_MOSTLY_ON, 5), -EINVAL);
	igt_assert_eq(vsvm_query_range_attrs(d->fd, vm, (uintptr_t)buf,
					     BUF_SIZE, attrs, &num), 0);
	igt_assert_eq_u32(num, 1);
	igt_assert_eq_u32(attrs[0].read_mostly, DRM_VSVM_READ_MOSTLY_OFF);
	igt_assert_eq(vsvm_madvise(d->fd, vm, DRM_VSVM_MADVISE_READ_MOSTLY,
				   (uintptr_t)buf + BLOCK, BLOCK,
				   DRM_VSVM_READ_MOSTLY_ON, 0), 0);
	num = 4;
	igt_assert_eq(vsvm_query_range_attrs(d->fd, vm, (uintptr_t)buf,
					     BUF_SIZE, attrs, &num), 0);
	igt_assert_eq_u32(num, 2);
	igt_assert_eq_u32(attrs[1].read_mostly, DRM_VSVM_READ_MOSTLY_ON);
	igt_assert_eq_u64(attrs[1].start, (uintptr_t)buf + BLOCK);
	igt_assert_eq_u32(attrs[1].reserved, 0);
	igt_assert_eq(vsvm_vm_destroy(d->fd, vm), 0);
	igt_assert_eq(munmap(map, BUF_SIZE + BLOCK), 0);
}

static void test_readers(void)
{
	struct setup s;
	int i, round;

	setup(&s, 1);
	replicate(&s, 1);
	/* Everyone reads again from its own VRAM: no fault. */
	for (round = 0; round < 3; round++)
		for (i = 0; i < n_rd; i++)
			igt_assert_eq_u64(rd_read(&s, i, 1, "again"), 0);
	expect_replicas(&s, replica_mask(), "after the reads");
	teardown(&s, true);
}

static void test_cpu_write(void)
{
	__u64 coll = ctr_sum("replica_collapsed");
	struct setup s;
	size_t j;
	int i;

	setup(&s, 2);
	replicate(&s, 2);
	/* The CPU writes: the master comes back, the replicas go. */
	for (j = 0; j < BUF_SIZE; j++)
		s.buf[j] = pat(j, 3);
	expect_replicas(&s, 0, "after the CPU write");
	igt_assert_lte_u64((__u64)(n_rd - 1) * 2,
			   ctr_sum("replica_collapsed") - coll);
	for (i = 0; i < n_rd; i++)
		rd_read(&s, i, 3, "after the CPU write");
	check(s.buf, 3, "CPU read", -1);
	teardown(&s, true);
}

static void test_gpu_write(void)
{
	struct setup s;
	__u8 *src;
	size_t j;
	int i, w;

	/* Each reader in turn writes; all see it, replicas come back. */
	setup(&s, 4);
	src = malloc(BUF_SIZE);
	igt_assert(src);
	replicate(&s, 4);
	for (w = n_rd - 1; w >= 0; w--) {
		for (j = 0; j < BUF_SIZE; j++)
			src[j] = pat(j, 5 + w);
		igt_assert_eq(vsvm_exec_write(rd[w]->fd, s.vm[w], s.buf,
					      BUF_SIZE, src, NULL), 0);
		expect_replicas(&s, 0, "after a GPU write");
		for (i = 0; i < n_rd; i++)
			rd_read(&s, i, 5 + w, "after a GPU write");
		check(s.buf, 5 + w, "CPU read after a GPU write", w);
	}
	free(src);
	teardown(&s, true);
}

static void test_unmap_protect(void)
{
	__u64 coll = ctr_sum("replica_collapsed");
	struct setup s;
	int i;

	setup(&s, 6);
	replicate(&s, 6);
	/* mprotect(): collapsed; read-only memory replicates again. */
	igt_assert_eq(mprotect(s.buf, BUF_SIZE, PROT_READ), 0);
	expect_replicas(&s, 0, "after mprotect");
	for (i = 0; i < n_rd; i++)
		rd_read(&s, i, 6, "read-only");
	igt_assert_lte_u64((__u64)(n_rd - 1) * 2,
			   ctr_sum("replica_collapsed") - coll);
	/* munmap(): collapsed, and the VA reads as unmapped. */
	igt_assert_eq(munmap(s.map, BUF_SIZE + BLOCK), 0);
	expect_replicas(&s, 0, "after munmap");
	for (i = 0; i < n_rd; i++)
		igt_assert_eq(vsvm_exec_read(rd[i]->fd, s.vm[i], s.buf,
					     PAGE_SZ, s.tmp, NULL), -EFAULT);
	teardown(&s, false);
}

static void test_fork(void)
{
	struct setup s;
	pid_t pid;
	int status, i;

	setup(&s, 7);
	replicate(&s, 7);
	pid = fork();
	igt_assert(pid >= 0);
	if (pid == 0) {
		size_t j;

		/* The child's copy: the parent never sees it. */
		for (j = 0; j < BUF_SIZE; j++)
			s.buf[j] = pat(j, 8);
		for (j = 0; j < BUF_SIZE; j++)
			if (s.buf[j] != pat(j, 8))
				_exit(1);
		_exit(0);
	}
	igt_assert_eq(waitpid(pid, &status, 0), pid);
	igt_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	expect_replicas(&s, 0, "after fork");
	for (i = 0; i < n_rd; i++)
		rd_read(&s, i, 7, "after the child wrote");
	check(s.buf, 7, "parent's CPU read", -1);
	teardown(&s, true);
}

/* A buffer of @size bytes, each page tagged, for a VM of its own on @d. */
struct filler {
	void *map;
	size_t size;
	__u32 vm;
};

static __u8 *filler_map(struct filler *f, const struct rdev *d, size_t size)
{
	__u8 *b;
	size_t j;

	f->size = size;
	f->map = mmap(NULL, size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	igt_assert(f->map != MAP_FAILED);
	b = f->map;
	for (j = 0; j < size; j += PAGE_SZ)
		b[j] = (__u8)(j >> 12);
	igt_assert_eq(vsvm_vm_create(d->fd, &f->vm), 0);
	return b;
}

static void filler_free(struct filler *f, const struct rdev *d)
{
	igt_assert_eq(vsvm_vm_destroy(d->fd, f->vm), 0);
	igt_assert_eq(munmap(f->map, f->size), 0);
}

static void test_pressure(void)
{
	struct rdev *d = rd[n_rd - 1];
	__u64 drop = ctr(d, "replica_dropped");
	size_t big = d->vram - BLOCK, j;
	struct filler f;
	struct setup s;
	__u8 *b;

	setup(&s, 9);
	replicate(&s, 9);
	/* The last reader fills its VRAM: its replicas go first, no copy. */
	b = filler_map(&f, d, big);
	igt_assert_eq(vsvm_prefetch(d->fd, f.vm, DRM_VSVM_LOCATION_DEVICE,
				    (uintptr_t)b, big, 0, NULL), 0);
	igt_assert_lte_u64(1, ctr(d, "replica_dropped") - drop);
	rd_read(&s, n_rd - 1, 9, "after its replicas were dropped");
	for (j = 0; j < big; j += PAGE_SZ)
		igt_assert_eq(b[j], (__u8)(j >> 12));
	filler_free(&f, d);
	teardown(&s, true);
}

#define RACE_VERSIONS	40

struct race {
	struct setup *s;
	int reader;
	atomic_ullong *published;
	atomic_int *done;
	unsigned long reads;
	unsigned long stale;
};

static void *race_reader(void *arg)
{
	struct race *r = arg;
	__u64 *tmp = malloc(BUF_SIZE);
	__u64 seen, i;

	if (!tmp)
		return NULL;
	while (!atomic_load(r->done)) {
		seen = atomic_load(r->published);
		if (vsvm_exec_read(rd[r->reader]->fd, r->s->vm[r->reader],
				   r->s->buf, BUF_SIZE, tmp, NULL)) {
			r->stale++;
			break;
		}
		for (i = 0; i < BUF_SIZE / 8; i++)
			if (tmp[i] < seen)
				r->stale++;
		r->reads++;
	}
	free(tmp);
	return NULL;
}

static void test_race(void)
{
	struct race r[MAX_READERS];
	pthread_t th[MAX_READERS];
	atomic_ullong published = 0;
	atomic_int done = 0;
	struct setup s;
	int i, err = 0;
	__u64 v;

	setup(&s, 10);
	memset(s.buf, 0, BUF_SIZE);
	for (i = 1; i < n_rd; i++) {
		r[i] = (struct race){ .s = &s, .reader = i,
				      .published = &published,
				      .done = &done };
		igt_assert_eq(pthread_create(&th[i], NULL, race_reader,
					     &r[i]), 0);
	}
	for (v = 1; v <= RACE_VERSIONS && !err; v++) {
		err = vsvm_exec_fill(rd[0]->fd, s.vm[0], s.buf, BUF_SIZE, 8, v,
				     NULL);
		if (!err)
			atomic_store(&published, v);
		usleep(20000);
	}
	/* The readers stop before anything is checked. */
	atomic_store(&done, 1);
	for (i = 1; i < n_rd; i++)
		igt_assert_eq(pthread_join(th[i], NULL), 0);
	igt_assert_eq(err, 0);
	for (i = 1; i < n_rd; i++) {
		igt_info("reader %d: %lu reads, %lu stale words\n", i,
			 r[i].reads, r[i].stale);
		igt_assert_eq_u64(r[i].stale, 0);
		igt_assert(r[i].reads > 0);
	}
	teardown(&s, true);
}

/* Every reader reads @seed's pattern, and the CPU too. */
static void all_read(struct setup *s, __u8 seed, const char *what)
{
	int i;

	for (i = 0; i < n_rd; i++)
		rd_read(s, i, seed, what);
	check(s->buf, seed, what, -1);
}

static void test_dontneed(void)
{
	struct setup s;
	int i;

	setup(&s, 11);
	replicate(&s, 11);
	/* The master's pages go: every reader reads zeros. */
	igt_assert_eq(madvise(s.buf, BUF_SIZE, MADV_DONTNEED), 0);
	expect_replicas(&s, 0, "after MADV_DONTNEED");
	for (i = 0; i < n_rd; i++) {
		size_t j;

		memset(s.tmp, 0xff, BUF_SIZE);
		igt_assert_eq(vsvm_exec_read(rd[i]->fd, s.vm[i], s.buf,
					     BUF_SIZE, s.tmp, NULL), 0);
		for (j = 0; j < BUF_SIZE; j++)
			igt_assert_f(!s.tmp[j],
				     "reader %d: byte %zu is 0x%x after MADV_DONTNEED\n",
				     i, j, s.tmp[j]);
	}
	teardown(&s, true);
}

static void test_reader_gone(void)
{
	__u64 drop = ctr(rd[1], "replica_dropped");
	struct setup s;
	__u8 *src;
	size_t j;

	setup(&s, 12);
	replicate(&s, 12);
	/* Reader 1's VM goes with its replicas. */
	igt_assert_eq(vsvm_vm_destroy(rd[1]->fd, s.vm[1]), 0);
	igt_assert_lte_u64(1, ctr(rd[1], "replica_dropped") - drop);
	expect_replicas(&s, replica_mask() & ~(1u << rd[1]->index),
			"after reader 1's VM went");
	/* The master's device writes; a new VM of reader 1 reads it. */
	src = malloc(BUF_SIZE);
	igt_assert(src);
	for (j = 0; j < BUF_SIZE; j++)
		src[j] = pat(j, 13);
	igt_assert_eq(vsvm_exec_write(rd[0]->fd, s.vm[0], s.buf, BUF_SIZE,
				      src, NULL), 0);
	free(src);
	igt_assert_eq(vsvm_vm_create(rd[1]->fd, &s.vm[1]), 0);
	igt_assert_eq(vsvm_madvise(rd[1]->fd, s.vm[1],
				   DRM_VSVM_MADVISE_READ_MOSTLY,
				   (uintptr_t)s.buf, BUF_SIZE,
				   DRM_VSVM_READ_MOSTLY_ON, 0), 0);
	all_read(&s, 13, "after the reader's VM went");
	teardown(&s, true);
}

static void test_master_moves(void)
{
	struct setup s;
	size_t j;

	setup(&s, 14);
	replicate(&s, 14);
	/* Reader 1 moves the master into its own VRAM. */
	igt_assert_eq(vsvm_prefetch(rd[1]->fd, s.vm[1],
				    DRM_VSVM_LOCATION_DEVICE, (uintptr_t)s.buf,
				    BUF_SIZE, 0, NULL), 0);
	expect_replicas(&s, 0, "after the master moved");
	all_read(&s, 14, "after the master moved");
	/* Then to system memory, which the CPU writes in place. */
	replicate(&s, 14);
	igt_assert_eq(vsvm_prefetch(rd[n_rd - 1]->fd, s.vm[n_rd - 1],
				    DRM_VSVM_LOCATION_SYSTEM, (uintptr_t)s.buf,
				    BUF_SIZE, 0, NULL), 0);
	expect_replicas(&s, 0, "after the master went to system memory");
	for (j = 0; j < BUF_SIZE; j++)
		s.buf[j] = pat(j, 15);
	all_read(&s, 15, "after the CPU wrote system memory");
	teardown(&s, true);
}

static void test_atomic(void)
{
	struct setup s;
	__u64 *w;
	int i;

	setup(&s, 16);
	replicate(&s, 16);
	/* The last reader increments the first word: a write. */
	igt_assert_eq(vsvm_exec_atomic_inc(rd[n_rd - 1]->fd, s.vm[n_rd - 1],
					   s.buf, 8, 8, 1, NULL), 0);
	for (i = 0; i < n_rd; i++) {
		memset(s.tmp, 0, BUF_SIZE);
		igt_assert_eq(vsvm_exec_read(rd[i]->fd, s.vm[i], s.buf,
					     BUF_SIZE, s.tmp, NULL), 0);
		w = (__u64 *)s.tmp;
		igt_assert_f(w[0] == ((__u64 *)s.buf)[0],
			     "reader %d: 0x%llx, not the increment\n", i,
			     (unsigned long long)w[0]);
	}
	teardown(&s, true);
}

/* The child reads replicas of what it shares with the parent. */
static void test_fork_child_reads(void)
{
	int to_child[2], to_parent[2];
	struct setup s;
	pid_t pid;
	int status;
	char c;
	size_t j;

	setup(&s, 17);
	replicate(&s, 17);
	igt_assert_eq(pipe(to_child), 0);
	igt_assert_eq(pipe(to_parent), 0);
	pid = fork();
	igt_assert(pid >= 0);
	if (pid == 0) {
		__u32 vm[MAX_READERS];
		int i, bad = 0;

		/*
		 * A parent whose assertion fails never writes: do not wait
		 * for it, holding the devices' files, for ever.
		 */
		alarm(120);
		close(to_child[1]);
		close(to_parent[0]);
		for (i = 0; i < n_rd; i++) {
			if (vsvm_vm_create(rd[i]->fd, &vm[i]) ||
			    vsvm_madvise(rd[i]->fd, vm[i],
					 DRM_VSVM_MADVISE_READ_MOSTLY,
					 (uintptr_t)s.buf, BUF_SIZE,
					 DRM_VSVM_READ_MOSTLY_ON, 0))
				_exit(2);
			if (vsvm_exec_read(rd[i]->fd, vm[i], s.buf, BUF_SIZE,
					   s.tmp, NULL))
				_exit(3);
		}
		if (write(to_parent[1], "r", 1) != 1 ||
		    read(to_child[0], &c, 1) != 1)
			_exit(4);
		/* The parent wrote its copy: ours is unchanged. */
		for (i = 0; i < n_rd; i++) {
			memset(s.tmp, 0, BUF_SIZE);
			if (vsvm_exec_read(rd[i]->fd, vm[i], s.buf, BUF_SIZE,
					   s.tmp, NULL))
				_exit(5);
			for (j = 0; j < BUF_SIZE; j++)
				if (s.tmp[j] != pat(j, 17))
					bad = 1;
			vsvm_vm_destroy(rd[i]->fd, vm[i]);
		}
		for (j = 0; j < BUF_SIZE; j++)
			if (s.buf[j] != pat(j, 17))
				bad = 1;
		_exit(bad ? 6 : 0);
	}
	igt_assert_eq(read(to_parent[0], &c, 1), 1);
	for (j = 0; j < BUF_SIZE; j++)
		s.buf[j] = pat(j, 18);
	igt_assert_eq(write(to_child[1], "w", 1), 1);
	igt_assert_eq(waitpid(pid, &status, 0), pid);
	igt_assert_f(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		     "child: status 0x%x\n", status);
	all_read(&s, 18, "the parent's copy");
	close(to_child[0]);
	close(to_child[1]);
	close(to_parent[0]);
	close(to_parent[1]);
	teardown(&s, true);
}

static void test_evict_master(void)
{
	struct rdev *d = rd[0];
	size_t big = d->vram, j;
	struct filler f;
	struct setup s;
	__u8 *b;

	setup(&s, 19);
	replicate(&s, 19);
	/* The master's device fills its VRAM: the master is evicted. */
	b = filler_map(&f, d, big);
	vsvm_prefetch(d->fd, f.vm, DRM_VSVM_LOCATION_DEVICE, (uintptr_t)b,
		      big, 0, NULL);
	for (j = 0; j < BUF_SIZE; j++)
		s.buf[j] = pat(j, 20);
	all_read(&s, 20, "after the master was evicted and written");
	filler_free(&f, d);
	teardown(&s, true);
}

static void test_race_no_hold(void)
{
	__u64 hold = 10000;

	igt_assert_eq(vsvm_module_param_get("drm_msvm",
					    "replica_write_hold_us", &hold), 0);
	igt_assert_eq(vsvm_module_param_set("drm_msvm",
					    "replica_write_hold_us", 0), 0);
	test_race();
	igt_assert_eq(vsvm_module_param_set("drm_msvm",
					    "replica_write_hold_us", hold), 0);
}

struct churn {
	struct setup *s;
	int who;
	atomic_int *stop;
	int err;
	unsigned long n;
};

/* Reader @who keeps reading (making replicas) until told or its device goes. */
static void *churn_reader(void *arg)
{
	struct churn *c = arg;
	__u8 *tmp = malloc(BUF_SIZE);

	if (!tmp)
		return NULL;
	while (!atomic_load(c->stop)) {
		c->err = vsvm_exec_read(rd[c->who]->fd, c->s->vm[c->who],
					c->s->buf, BUF_SIZE, tmp, NULL);
		if (c->err)
			break;
		c->n++;
	}
	free(tmp);
	return NULL;
}

/* The master's device keeps writing (collapsing replicas) until told. */
static void *churn_writer(void *arg)
{
	struct churn *c = arg;
	__u64 v = 1;

	while (!atomic_load(c->stop)) {
		c->err = vsvm_exec_fill(rd[0]->fd, c->s->vm[0], c->s->buf,
					BUF_SIZE, 8, v++, NULL);
		if (c->err)
			break;
		c->n++;
	}
	return NULL;
}

/*
 * A reader's device is unbound while it makes replicas and the master's
 * device collapses them: its replicas go with its VRAM, the others read
 * what was written last, and the device works again once bound.
 */
static void test_unbind_reader(void)
{
	struct rdev *d = rd[n_rd - 1];
	struct churn cr, cw;
	atomic_int stop = 0;
	struct vsvm_bus_dev bd;
	pthread_t tr, tw;
	struct setup s;
	int fd, minor, i;
	size_t j;

	igt_require(vsvm_node_bus_dev(d->minor, &bd) == 0);
	setup(&s, 21);
	replicate(&s, 21);
	cr = (struct churn){ .s = &s, .who = n_rd - 1, .stop = &stop };
	cw = (struct churn){ .s = &s, .who = 0, .stop = &stop };
	igt_assert_eq(pthread_create(&tr, NULL, churn_reader, &cr), 0);
	igt_assert_eq(pthread_create(&tw, NULL, churn_writer, &cw), 0);
	usleep(300000);
	vsvm_bus_unbind(&bd);
	usleep(100000);
	atomic_store(&stop, 1);
	igt_assert_eq(pthread_join(tr, NULL), 0);
	igt_assert_eq(pthread_join(tw, NULL), 0);
	igt_info("reads %lu (then %d), writes %lu (then %d)\n", cr.n, cr.err,
		 cw.n, cw.err);
	igt_assert_eq(cr.err, -ENODEV);
	igt_assert_eq(cw.err, 0);
	igt_assert_eq(vsvm_exec_read(d->fd, s.vm[n_rd - 1], s.buf, PAGE_SZ,
				     s.tmp, NULL), -ENODEV);
	expect_replicas(&s, 0, "after the writes and the unbind");

	/* The CPU writes; the readers left read it. */
	for (j = 0; j < BUF_SIZE; j++)
		s.buf[j] = pat(j, 22);
	for (i = 0; i < n_rd - 1; i++)
		rd_read(&s, i, 22, "after the unbind");

	/* Bound again: a new VM of the device reads it too. */
	close(d->fd);
	vsvm_bus_bind(&bd);
	fd = vsvm_bus_open_render(&bd, &minor);
	igt_assert_f(fd >= 0, "%s: no render node after the bind\n", bd.name);
	d->fd = fd;
	d->minor = minor;
	query(d);
	igt_assert_eq(vsvm_vm_create(d->fd, &s.vm[n_rd - 1]), 0);
	igt_assert_eq(vsvm_madvise(d->fd, s.vm[n_rd - 1],
				   DRM_VSVM_MADVISE_READ_MOSTLY,
				   (uintptr_t)s.buf, BUF_SIZE,
				   DRM_VSVM_READ_MOSTLY_ON, 0), 0);
	all_read(&s, 22, "after the bind");
	teardown(&s, true);
}

/* Every reader reads the buffer: per byte, @want(i). */
static int all_read_fn(struct setup *s, __u8 (*want)(size_t i), int *who,
		       size_t *at)
{
	int i, err;
	size_t j;

	for (i = 0; i < n_rd; i++) {
		memset(s->tmp, 0, BUF_SIZE);
		err = vsvm_exec_read(rd[i]->fd, s->vm[i], s->buf, BUF_SIZE,
				     s->tmp, NULL);
		if (err) {
			*who = i;
			return err;
		}
		for (j = 0; j < BUF_SIZE; j++)
			if (s->tmp[j] != want(j)) {
				*who = i;
				*at = j;
				return 1;
			}
	}
	return 0;
}

/* The replicas of the buffer in @vm on @fd. Return: 0 or -errno. */
static int replicas_get(int fd, __u32 vm, __u8 *buf, __u32 *mask)
{
	struct drm_vsvm_residency a = {
		.vm_id = vm,
		.flags = DRM_VSVM_RESIDENCY_REPLICAS,
		.start = (uintptr_t)buf,
		.num_pages = NPAGES,
		.locations = (uintptr_t)mask,
	};

	return drmIoctl(fd, DRM_IOCTL_VSVM_RESIDENCY, &a) ? -errno : 0;
}

/* The replicas of the buffer in @vm on @fd, each page: @want. */
static int replicas_are(int fd, __u32 vm, __u8 *buf, __u32 want)
{
	static __u32 mask[NPAGES];
	size_t i;
	int err = replicas_get(fd, vm, buf, mask);

	if (err)
		return err;
	for (i = 0; i < NPAGES; i++)
		if (mask[i] != want)
			return 1;
	return 0;
}

/*
 * Once every reader read the buffer: each page's master is in a reader's
 * VRAM and every other reader holds a replica of it. Return: 0, the page
 * + 1 that is not so, or -errno.
 */
static long replicas_of_master(int fd, __u32 vm, __u8 *buf)
{
	static __u32 mask[NPAGES], where[NPAGES];
	int i, k, err = replicas_get(fd, vm, buf, mask);
	size_t j;

	if (!err)
		err = vsvm_residency(fd, vm, (uintptr_t)buf, NPAGES, where);
	if (err)
		return err;
	for (j = 0; j < NPAGES; j++) {
		__u32 want = 0;

		for (k = 0; k < n_rd; k++)
			if (where[j] == DRM_VSVM_RESIDENCY_DEVICE(rd[k]->index))
				break;
		if (k == n_rd)
			return j + 1;
		for (i = 0; i < n_rd; i++)
			if (i != k)
				want |= 1u << rd[i]->index;
		if (mask[j] != want)
			return j + 1;
	}
	return 0;
}

/* The data of the fork test: the parent's, the child's, by halves. */
static __u8 fk_orig(size_t i)
{
	return pat(i, 23);
}

static __u8 fk_parent(size_t i)
{
	return i < BLOCK ? pat(i, 24) : pat(i, 25);
}

static __u8 fk_child(size_t i)
{
	return i < BLOCK ? pat(i, 26) : pat(i, 27);
}

/* CPU writes the first half, GPU @g the second: @want's bytes. */
static int write_halves(struct setup *s, int g, __u8 (*want)(size_t i))
{
	size_t j;

	for (j = 0; j < BLOCK; j++)
		s->buf[j] = want(j);
	for (j = BLOCK; j < BUF_SIZE; j++)
		s->tmp[j - BLOCK] = want(j);
	return vsvm_exec_write(rd[g]->fd, s->vm[g], s->buf + BLOCK, BLOCK,
			       s->tmp, NULL);
}

/*
 * The child of fork-isolation: its own VMs and replicas of the memory it
 * shares with the parent; then each side writes. Exit status: the step
 * that failed.
 */
static int fork_isolation_child(struct setup *s, int to_child, int to_parent)
{
	int i, who = -1, err;
	size_t at = 0, j;
	char c;

	for (i = 0; i < n_rd; i++)
		if (vsvm_vm_create(rd[i]->fd, &s->vm[i]) ||
		    vsvm_madvise(rd[i]->fd, s->vm[i],
				 DRM_VSVM_MADVISE_READ_MOSTLY,
				 (uintptr_t)s->buf, BUF_SIZE,
				 DRM_VSVM_READ_MOSTLY_ON, 0))
			return 10;
	/* its replicas of the shared pages: the data as at the fork */
	if (all_read_fn(s, fk_orig, &who, &at))
		return 11;
	if (replicas_are(rd[0]->fd, s->vm[0], s->buf, replica_mask()))
		return 12;
	if (write(to_parent, "r", 1) != 1 || read(to_child, &c, 1) != 1)
		return 13;
	/* the parent wrote by CPU and by GPU: nothing of it here */
	err = all_read_fn(s, fk_orig, &who, &at);
	if (err) {
		fprintf(stderr, "child: reader %d: byte %zu: %d (the parent's write?)\n",
			who, at, err);
		return 14;
	}
	for (j = 0; j < BUF_SIZE; j++)
		if (s->buf[j] != fk_orig(j))
			return 15;
	/* the child's own writes, CPU and GPU (a replica holder) */
	if (write_halves(s, n_rd - 1, fk_child))
		return 16;
	if (replicas_are(rd[0]->fd, s->vm[0], s->buf, 0))
		return 17;
	err = all_read_fn(s, fk_child, &who, &at);
	if (err) {
		fprintf(stderr, "child: reader %d: byte %zu: %d after its writes\n",
			who, at, err);
		return 18;
	}
	/* read again: replicas of its own data */
	if (all_read_fn(s, fk_child, &who, &at))
		return 19;
	if (replicas_of_master(rd[0]->fd, s->vm[0], s->buf))
		return 23;
	if (write(to_parent, "w", 1) != 1 || read(to_child, &c, 1) != 1)
		return 20;
	/* the parent read and replicated its data meanwhile */
	if (all_read_fn(s, fk_child, &who, &at))
		return 21;
	for (j = 0; j < BUF_SIZE; j++)
		if (s->buf[j] != fk_child(j))
			return 22;
	for (i = 0; i < n_rd; i++)
		vsvm_vm_destroy(rd[i]->fd, s->vm[i]);
	return 0;
}

/*
 * The parent's side of fork-isolation. Return: NULL, or what failed (the
 * caller stops the child before it fails the subtest).
 */
static const char *fork_isolation_parent(struct setup *s, int to_child,
					 int to_parent)
{
	int who = -1;
	size_t at = 0, j;
	char c;

	/* fork() collapsed them; the parent's replicas of the shared pages */
	if (replicas_are(rd[0]->fd, s->vm[0], s->buf, 0))
		return "a replica after fork()";
	if (all_read_fn(s, fk_orig, &who, &at))
		return "the parent's reads after fork()";
	if (replicas_are(rd[0]->fd, s->vm[0], s->buf, replica_mask()))
		return "the parent's replicas after fork()";
	if (read(to_parent, &c, 1) != 1)
		return "the child's replicas (see its status)";
	/*
	 * Both hold replicas of the same pages: the parent writes (GPU: the
	 * master's device, whose VRAM page the child shares).
	 */
	if (write_halves(s, 0, fk_parent))
		return "the parent's GPU write";
	if (replicas_are(rd[0]->fd, s->vm[0], s->buf, 0))
		return "a replica after the parent's writes";
	if (all_read_fn(s, fk_parent, &who, &at))
		return "the parent's reads of its writes";
	if (write(to_child, "w", 1) != 1 || read(to_parent, &c, 1) != 1)
		return "the child's writes (see its status)";
	/* the child wrote its copy: nothing of it here */
	if (all_read_fn(s, fk_parent, &who, &at))
		return "the parent's reads after the child's writes";
	/* every reader read it: replicas of wherever the master went */
	if (replicas_of_master(rd[0]->fd, s->vm[0], s->buf))
		return "the parent's replicas of its data";
	for (j = 0; j < BUF_SIZE; j++)
		if (s->buf[j] != fk_parent(j))
			return "the parent's CPU read";
	if (write(to_child, "d", 1) != 1)
		return "the child went";
	return NULL;
}

static void test_fork_isolation(void)
{
	int to_child[2], to_parent[2], status;
	const char *fail;
	struct setup s;
	pid_t pid;

	setup(&s, 23);
	replicate(&s, 23);
	igt_assert_eq(pipe(to_child), 0);
	igt_assert_eq(pipe(to_parent), 0);
	pid = fork();
	igt_assert(pid >= 0);
	if (pid == 0)
		_exit(fork_isolation_child(&s, to_child[0], to_parent[1]));
	fail = fork_isolation_parent(&s, to_child[1], to_parent[0]);
	if (fail)
		kill(pid, SIGKILL);
	igt_assert_eq(waitpid(pid, &status, 0), pid);
	close(to_child[0]);
	close(to_child[1]);
	close(to_parent[0]);
	close(to_parent[1]);
	igt_assert_f(!fail, "parent: %s (child status 0x%x)\n", fail, status);
	igt_assert_f(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		     "child: status 0x%x (the step that failed)\n", status);
	teardown(&s, true);
}

static void test_mprotect_write(void)
{
	struct setup s;
	__u8 *src;
	int i;

	setup(&s, 28);
	replicate(&s, 28);
	igt_assert_eq(mprotect(s.buf, BUF_SIZE, PROT_READ), 0);
	expect_replicas(&s, 0, "after mprotect(PROT_READ)");
	/* read-only memory replicates again */
	for (i = 0; i < n_rd; i++)
		rd_read(&s, i, 28, "read-only");
	expect_replicas(&s, replica_mask(), "replicas of read-only memory");
	src = malloc(BUF_SIZE);
	igt_assert(src);
	memset(src, 0xee, BUF_SIZE);
	/* every kind of GPU write, from every reader: refused */
	for (i = 0; i < n_rd; i++) {
		igt_assert_eq(vsvm_exec_write(rd[i]->fd, s.vm[i], s.buf,
					      BUF_SIZE, src, NULL), -EPERM);
		igt_assert_eq(vsvm_exec_fill(rd[i]->fd, s.vm[i],
					     s.buf + PAGE_SZ, PAGE_SZ, 4,
					     0xdeadbeef, NULL), -EPERM);
		igt_assert_eq(vsvm_exec_atomic_inc(rd[i]->fd, s.vm[i],
						   s.buf + BLOCK, 64, 8, 1,
						   NULL), -EPERM);
		igt_assert_eq(vsvm_exec_copy(rd[i]->fd, s.vm[i], s.buf,
					     s.buf + BLOCK, BLOCK, NULL),
			      -EPERM);
		/* every replica and the master: unchanged */
		all_read(&s, 28, "after a refused GPU write");
	}
	/* writable again: a reader writes, all read it */
	igt_assert_eq(mprotect(s.buf, BUF_SIZE, PROT_READ | PROT_WRITE), 0);
	for (i = 0; i < (int)BUF_SIZE; i++)
		src[i] = pat(i, 29);
	igt_assert_eq(vsvm_exec_write(rd[n_rd - 1]->fd, s.vm[n_rd - 1], s.buf,
				      BUF_SIZE, src, NULL), 0);
	expect_replicas(&s, 0, "after the write once writable");
	all_read(&s, 29, "after the write once writable");
	free(src);
	teardown(&s, true);
}

/* The bytes after munmap() of [BLOCK/2, BLOCK/2 + 64 KiB) and block 1. */
#define HOLE_OFF	(BLOCK / 2)
#define HOLE_SIZE	(64ul << 10)

static __u8 remap_want(size_t i)
{
	if (i >= HOLE_OFF && i < HOLE_OFF + HOLE_SIZE)
		return 0;
	if (i >= BLOCK)
		return i < BLOCK + BLOCK / 2 ? pat(i, 31) : 0;
	return pat(i, 30);
}

static void test_munmap_remap(void)
{
	__u32 mask[NPAGES];
	struct setup s;
	int i, who = -1, err;
	size_t at = 0, j;
	void *p;

	setup(&s, 30);
	replicate(&s, 30);
	/* a hole in the middle of a replicated range, and a whole block */
	igt_assert_eq(munmap(s.buf + HOLE_OFF, HOLE_SIZE), 0);
	igt_assert_eq(munmap(s.buf + BLOCK, BLOCK), 0);
	replicas(&s, mask);
	for (j = 0; j < NPAGES; j++)
		if ((j * PAGE_SZ >= HOLE_OFF &&
		     j * PAGE_SZ < HOLE_OFF + HOLE_SIZE) || j * PAGE_SZ >= BLOCK)
			igt_assert_f(!mask[j],
				     "unmapped page %zu replicated on 0x%x\n",
				     j, mask[j]);
	for (i = 0; i < n_rd; i++)
		igt_assert_eq(vsvm_exec_read(rd[i]->fd, s.vm[i],
					     s.buf + HOLE_OFF, PAGE_SZ, s.tmp,
					     NULL), -EFAULT);
	/* new memory there: zeros, half of the block written by the CPU */
	p = mmap(s.buf + HOLE_OFF, HOLE_SIZE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	igt_assert(p == s.buf + HOLE_OFF);
	p = mmap(s.buf + BLOCK, BLOCK, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	igt_assert(p == s.buf + BLOCK);
	for (j = BLOCK; j < BLOCK + BLOCK / 2; j++)
		s.buf[j] = pat(j, 31);
	err = all_read_fn(&s, remap_want, &who, &at);
	igt_assert_f(!err, "reader %d: byte %zu is 0x%x, not 0x%x (%d): stale replica data\n",
		     who, at, s.tmp[at], remap_want(at), err);
	/* the advice went with the memory: READ_MOSTLY again, replicas again */
	for (i = 0; i < n_rd; i++)
		igt_assert_eq(vsvm_madvise(rd[i]->fd, s.vm[i],
					   DRM_VSVM_MADVISE_READ_MOSTLY,
					   (uintptr_t)s.buf, BUF_SIZE,
					   DRM_VSVM_READ_MOSTLY_ON, 0), 0);
	for (i = 0; i < 2; i++) {
		err = all_read_fn(&s, remap_want, &who, &at);
		igt_assert_f(!err, "reader %d: byte %zu is 0x%x, not 0x%x (%d): advised again\n",
			     who, at, s.tmp[at], remap_want(at), err);
	}
	for (j = 0; j < BUF_SIZE; j++)
		igt_assert_f(s.buf[j] == remap_want(j),
			     "CPU byte %zu is 0x%x, not 0x%x\n", j, s.buf[j],
			     remap_want(j));
	teardown(&s, true);
}

#define ATOMIC_ROUNDS	100
#define ATOMIC_SIZE	(64ul << 10)

struct atomic_worker {
	struct setup *s;
	int who;
	bool reader;
	atomic_int *stop;
	int err;
	unsigned long n;
};

/* Increment every counter by 1, ATOMIC_ROUNDS times; or keep reading. */
static void *atomic_worker(void *arg)
{
	struct atomic_worker *w = arg;
	__u8 *tmp;
	int r;

	if (!w->reader) {
		for (r = 0; r < ATOMIC_ROUNDS && !w->err; r++, w->n++)
			w->err = vsvm_exec_atomic_inc(rd[w->who]->fd,
						      w->s->vm[w->who],
						      w->s->buf, ATOMIC_SIZE,
						      r & 1 ? 4 : 8, 1, NULL);
		return NULL;
	}
	tmp = malloc(BUF_SIZE);
	if (!tmp)
		return NULL;
	while (!atomic_load(w->stop) && !w->err) {
		w->err = vsvm_exec_read(rd[w->who]->fd, w->s->vm[w->who],
					w->s->buf, ATOMIC_SIZE, tmp, NULL);
		w->n++;
	}
	free(tmp);
	return NULL;
}

static void run_atomic(__u64 hold)
{
	struct atomic_worker w[MAX_READERS + 2];
	pthread_t th[MAX_READERS + 2];
	atomic_int stop = 0;
	__u64 saved = 10000;
	struct setup s;
	__u8 *want;
	int i, n = 0;
	size_t j;

	igt_assert_eq(vsvm_module_param_get("drm_msvm",
					    "replica_write_hold_us", &saved), 0);
	igt_assert_eq(vsvm_module_param_set("drm_msvm",
					    "replica_write_hold_us", hold), 0);
	setup(&s, 32);
	replicate(&s, 32);
	/*
	 * Two devices increment every counter of the first 64 KiB, in
	 * rounds of 64-bit and of 32-bit counters over the same bytes (no
	 * 32-bit half of the pattern is near a wrap, so the order of the
	 * rounds does not change the sums); the other readers keep reading
	 * the buffer, re-making replicas.
	 */
	for (i = 0; i < 2; i++, n++)
		w[n] = (struct atomic_worker){ .s = &s, .who = i ? n_rd - 1 : 0,
					       .stop = &stop };
	for (i = 0; i < n_rd; i++, n++)
		w[n] = (struct atomic_worker){ .s = &s, .who = i,
					       .reader = true, .stop = &stop };
	for (i = 0; i < n; i++)
		igt_assert_eq(pthread_create(&th[i], NULL, atomic_worker,
					     &w[i]), 0);
	igt_assert_eq(pthread_join(th[0], NULL), 0);
	igt_assert_eq(pthread_join(th[1], NULL), 0);
	atomic_store(&stop, 1);
	for (i = 2; i < n; i++)
		igt_assert_eq(pthread_join(th[i], NULL), 0);
	igt_assert_eq(vsvm_module_param_set("drm_msvm",
					    "replica_write_hold_us", saved), 0);
	for (i = 0; i < n; i++) {
		igt_info("%s on reader %d: %lu calls, %d\n",
			 w[i].reader ? "reads" : "increments", w[i].who,
			 w[i].n, w[i].err);
		igt_assert_eq(w[i].err, 0);
	}
	/* the model: per round, each u64 or each u32 of the range + 1 */
	want = malloc(BUF_SIZE);
	igt_assert(want);
	for (j = 0; j < BUF_SIZE; j++)
		want[j] = pat(j, 32);
	for (i = 0; i < 2 * ATOMIC_ROUNDS; i++) {
		bool narrow = (i % ATOMIC_ROUNDS) & 1;

		for (j = 0; j < ATOMIC_SIZE; j += narrow ? 4 : 8) {
			if (narrow) {
				__u32 v;

				memcpy(&v, want + j, 4);
				v++;
				memcpy(want + j, &v, 4);
			} else {
				__u64 v;

				memcpy(&v, want + j, 8);
				v++;
				memcpy(want + j, &v, 8);
			}
		}
	}
	for (i = 0; i < n_rd; i++) {
		memset(s.tmp, 0, BUF_SIZE);
		igt_assert_eq(vsvm_exec_read(rd[i]->fd, s.vm[i], s.buf,
					     BUF_SIZE, s.tmp, NULL), 0);
		for (j = 0; j < BUF_SIZE; j++)
			igt_assert_f(s.tmp[j] == want[j],
				     "reader %d: byte %zu is 0x%x, not 0x%x: a lost or doubled increment\n",
				     i, j, s.tmp[j], want[j]);
	}
	for (j = 0; j < BUF_SIZE; j++)
		igt_assert_f(s.buf[j] == want[j], "CPU byte %zu is 0x%x, not 0x%x\n",
			     j, s.buf[j], want[j]);
	free(want);
	teardown(&s, true);
}

static void test_atomic_two(void)
{
	run_atomic(10000);
	run_atomic(0);
}

int igt_main()
{
	int i;

	igt_fixture() {
		open_devices();
		igt_require_f(n_devs > 0, "no vsvm render node\n");
	}

	igt_describe("MADVISE READ_MOSTLY: values checked, kept per interval.");
	igt_subtest("attr")
		test_attr();

	igt_describe("Readers of one group: a replica each, the master stays.");
	igt_subtest("readers") {
		igt_require_f(n_rd >= 2, "no two linked devices\n");
		test_readers();
	}

	igt_describe("A CPU write collapses the replicas; all read it.");
	igt_subtest("cpu-write") {
		igt_require_f(n_rd >= 2, "no two linked devices\n");
		test_cpu_write();
	}

	igt_describe("A GPU write of any reader collapses them; all read it.");
	igt_subtest("gpu-write") {
		igt_require_f(n_rd >= 2, "no two linked devices\n");
		test_gpu_write();
	}

	igt_describe("mprotect() and munmap() collapse them.");
	igt_subtest("unmap-protect") {
		igt_require_f(n_rd >= 2, "no two linked devices\n");
		test_unmap_protect();
	}

	igt_describe("fork() collapses them; the child's writes stay its own.");
	igt_subtest("fork") {
		igt_require_f(n_rd >= 2, "no two linked devices\n");
		test_fork();
	}

	igt_describe("Readers racing a writer never see an older version.");
	igt_subtest("race") {
		igt_require_f(n_rd >= 2, "no two linked devices\n");
		test_race();
	}

	igt_describe("A full VRAM drops the replicas first, without a copy.");
	igt_subtest("vram-pressure") {
		igt_require_f(n_rd >= 2, "no two linked devices\n");
		test_pressure();
	}

	igt_describe("MADV_DONTNEED collapses them; all read zeros.");
	igt_subtest("dontneed") {
		igt_require_f(n_rd >= 2, "no two linked devices\n");
		test_dontneed();
	}

	igt_describe("A reader's VM goes: its replicas go, the rest is exact.");
	igt_subtest("reader-gone") {
		igt_require_f(n_rd >= 2, "no two linked devices\n");
		test_reader_gone();
	}

	igt_describe("The master moves to a reader, then to system memory.");
	igt_subtest("master-moves") {
		igt_require_f(n_rd >= 2, "no two linked devices\n");
		test_master_moves();
	}

	igt_describe("A GPU atomic of a reader collapses them.");
	igt_subtest("atomic") {
		igt_require_f(n_rd >= 2, "no two linked devices\n");
		test_atomic();
	}

	igt_describe("A child's replicas of shared memory keep the child's data.");
	igt_subtest("fork-child-reads") {
		igt_require_f(n_rd >= 2, "no two linked devices\n");
		test_fork_child_reads();
	}

	igt_describe("The master's device evicts it; the CPU writes it.");
	igt_subtest("evict-master") {
		igt_require_f(n_rd >= 2, "no two linked devices\n");
		test_evict_master();
	}

	igt_describe("Readers racing a writer without the write hold.");
	igt_subtest("race-no-hold") {
		igt_require_f(n_rd >= 2, "no two linked devices\n");
		test_race_no_hold();
	}

	igt_describe("A reader's device is unbound while replicas churn.");
	igt_subtest("unbind-reader") {
		igt_require_f(n_rd >= 2, "no two linked devices\n");
		test_unbind_reader();
	}

	igt_describe("fork() with replicas: parent and child write, each reads its own.");
	igt_subtest("fork-isolation") {
		igt_require_f(n_rd >= 2, "no two linked devices\n");
		test_fork_isolation();
	}

	igt_describe("Replicated read-only memory: GPU writes -EPERM, replicas exact.");
	igt_subtest("mprotect-write") {
		igt_require_f(n_rd >= 2, "no two linked devices\n");
		test_mprotect_write();
	}

	igt_describe("munmap() of part of a replicated range, new memory there: no stale replica.");
	igt_subtest("munmap-remap") {
		igt_require_f(n_rd >= 2, "no two linked devices\n");
		test_munmap_remap();
	}

	igt_describe("ATOMIC_INC of two devices on replicated memory: exact counts.");
	igt_subtest("atomic-two") {
		igt_require_f(n_rd >= 2, "no two linked devices\n");
		test_atomic_two();
	}

	igt_fixture() {
		for (i = 0; i < n_devs; i++)
			close(devs[i].fd);
	}
}
