// SPDX-License-Identifier: MIT
/*
 * vsvm_faultinject: the kernel's allocations fail under the driver while it
 * migrates, evicts and prefetches, and nothing is lost or leaked.
 *
 * failslab and fail_page_alloc (/sys/kernel/debug/failslab/,
 * /sys/kernel/debug/fail_page_alloc/) fail the slab and page allocations
 * of this process only (task-filter=Y and /proc/self/make-it-fail), those
 * that may sleep included (ignore-gfp-wait=N), of any order and zone
 * (fail_page_alloc's min-order=0, ignore-gfp-highmem=N), quietly
 * (verbose=0). Under injection every ioctl must succeed or fail with
 * -ENOMEM: a failed allocation is never -EFAULT (that means a bad address),
 * never a crash, a leak or lost data. A CPU fault that runs out of memory
 * is retried by the kernel, so CPU accesses always complete.
 *
 * Subtests:
 *  - buddy-split: failslab at 5% while small separate VMAs are prefetched
 *    to VRAM and back on every device, so that the buddy allocator splits
 *    blocks at every depth and some splits fail (the undo of a failed
 *    split freed a block still in its free tree: a KASAN use-after-free
 *    and a BUG in split_block, fixed by tools/rig/patches/);
 *  - efault-enomem: every page allocation fails while the GPU faults on
 *    memory that is not populated, and on memory in the VRAM of a device
 *    it has no path to (migrate_to_ram runs out of memory): -ENOMEM, not
 *    -EFAULT as hmm_range_fault() reports it;
 *  - ioctls: both injections at 10% during VM_CREATE/VM_DESTROY,
 *    DEVMEM_OPEN, MADVISE and RESIDENCY; a failed MADVISE must change no
 *    attribute (QUERY_RANGE_ATTRS with injection off);
 *  - walk-timeout: drm_msvm's fail_walk_timeout fails the walks of this
 *    process's GPU faults with -EBUSY, as invalidations racing them for a
 *    second do on a loaded machine (the eviction out of a peer's VRAM, the
 *    fault-in of the pages): a GPU fault that fails so is replayed, and
 *    EXEC succeeds with the right data; with every walk failing, EXEC ends
 *    in -EBUSY after a bounded number of faults and changes nothing;
 *  - rate-1, rate-5, rate-10: both injections at 1%, 5% and 10% during
 *    random PREFETCH to VRAM and to system memory, GPU faults (EXEC FILL,
 *    WRITE, READ), CPU faults back to system memory and eviction (more
 *    than the smallest VRAM prefetched to it), on every device, seeded and
 *    time-bounded (vsvm_stress.h). Each failed GPU write is redone without
 *    injection so that a CPU-side copy of every buffer stays exact; with
 *    injection off every byte is checked against it, then the buffers are
 *    freed and every device's VRAM must be all free again.
 *
 * Each injection run prints the calls made, the -ENOMEM returns, and the
 * failures injected (from the attributes' times counter) with their rates.
 * Module unload and the kmemleak scan after the tests are the rig's.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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
#include "vsvm_stress.h"
#include <drm/vsvm_drm.h>

#define MAX_DEVICES	16
#define FAILSLAB	"/sys/kernel/debug/failslab"
#define FAIL_PAGE	"/sys/kernel/debug/fail_page_alloc"
#define FAIL_WALK	"/sys/kernel/debug/drm_msvm/fail_walk_timeout"
/* The walks walk-timeout fails before the fault that succeeds. */
#define WALK_FAILURES	6
/* The times counter of an injection run: decremented by each failure. */
#define FI_TIMES	100000000ll
/* The buffers of a rate run. */
#define NBUF		3
#define BUF_SIZE	(4ul << 20)
/*
 * The time of a run under make check; make stress gives its own. buddy-split
 * takes an eighth of it (at least 4 s), each rate run a quarter.
 */
#define SLICE_SECONDS	18

struct fi_dev {
	int fd;
	int minor;
	__u32 vm;
	/* A pagemap fd held for the whole test: see open_devices(). */
	int pagemap_fd;
	struct drm_vsvm_query_device q;
};

static struct fi_dev devs[MAX_DEVICES];
static int n_devs;
static long page_size;
static struct vsvm_stress st;
/* /proc/self/make-it-fail, kept open: opening it may fail under injection. */
static int make_it_fail_fd = -1;

/* What an injection run saw. */
struct fi_stats {
	unsigned long calls;
	unsigned long ok;
	unsigned long enomem;
	unsigned long busy;
	unsigned long unexpected;
	unsigned long redone;
	unsigned long cpu_checks;
	unsigned long mismatches;
	double slowest;
	char slowest_op[64];
	char first_unexpected[256];
};

static void attr_write(const char *dir, const char *name, const char *val)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY);
	igt_assert_f(fd >= 0, "%s: %s\n", path, strerror(errno));
	n = write(fd, val, strlen(val));
	igt_assert_f(n == (ssize_t)strlen(val), "%s <- %s: %s\n", path, val,
		     strerror(errno));
	close(fd);
}

static long long attr_read(const char *dir, const char *name)
{
	char path[PATH_MAX], buf[64] = "";
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY);
	igt_assert_f(fd >= 0, "%s: %s\n", path, strerror(errno));
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	igt_assert_f(n > 0, "%s: %s\n", path, strerror(errno));
	return atoll(buf);
}

/*
 * The attributes every fault attribute directory has: off, for this
 * process only, quiet, every time, at most @times failures.
 */
static void fa_config(const char *dir, long long times)
{
	char v[32];

	attr_write(dir, "probability", "0");
	attr_write(dir, "task-filter", "Y");
	attr_write(dir, "verbose", "0");
	attr_write(dir, "interval", "1");
	attr_write(dir, "space", "0");
	snprintf(v, sizeof(v), "%lld", times);
	attr_write(dir, "times", v);
}

/* Configure one fault attribute directory, injection not yet armed. */
static void fi_config(const char *dir, int percent)
{
	char v[32];

	fa_config(dir, FI_TIMES);
	attr_write(dir, "ignore-gfp-wait", "N");
	if (!strcmp(dir, FAIL_PAGE)) {
		attr_write(dir, "ignore-gfp-highmem", "N");
		attr_write(dir, "min-order", "0");
	}
	snprintf(v, sizeof(v), "%d", percent);
	attr_write(dir, "probability", v);
}

/* Failures injected since fi_config(). */
static long long fi_injected(const char *dir)
{
	return FI_TIMES - attr_read(dir, "times");
}

/* Switch both injections off for everyone. */
static void fi_reset(void)
{
	attr_write(FAILSLAB, "probability", "0");
	attr_write(FAIL_PAGE, "probability", "0");
	attr_write(FAILSLAB, "times", "1");
	attr_write(FAIL_PAGE, "times", "1");
}

/* This process's allocations fail (@on) or not, as configured. */
static void fi_arm(bool on)
{
	ssize_t n = pwrite(make_it_fail_fd, on ? "1" : "0", 1, 0);

	igt_assert_f(n == 1, "make-it-fail: %s\n", strerror(errno));
}

static int vsvm_ioctl(int fd, unsigned long req, void *arg)
{
	return drmIoctl(fd, req, arg) ? errno : 0;
}

static void open_devices(void)
{
	struct vsvm_node nodes[MAX_DEVICES];
	int i, n = vsvm_open_nodes(nodes, MAX_DEVICES);

	for (i = 0; i < n; i++) {
		struct fi_dev *d = &devs[n_devs];
		struct drm_vsvm_query q = {
			.query = DRM_VSVM_QUERY_DEVICE,
			.size = sizeof(d->q),
			.data = (uintptr_t)&d->q,
		};

		struct drm_vsvm_devmem_open o = { 0 };

		d->fd = nodes[i].fd;
		d->minor = nodes[i].minor;
		igt_assert_eq(vsvm_ioctl(d->fd, DRM_IOCTL_VSVM_QUERY, &q), 0);
		igt_assert_eq(vsvm_vm_create(d->fd, &d->vm), 0);
		/*
		 * Create the device's pagemap now, without injection, and
		 * keep it: memremap_pages() failing under injection trips a
		 * WARN_ON_ONCE in x86's add_pages() (arch/x86/mm/init_64.c),
		 * a kernel report that is not ours to fix here.
		 */
		igt_assert_eq(vsvm_ioctl(d->fd, DRM_IOCTL_VSVM_DEVMEM_OPEN, &o),
			      0);
		d->pagemap_fd = o.fd;
		n_devs++;
	}
}

/* Used VRAM bytes of a device, from debugfs dri/<device>/vram. */
static long long vram_used(const struct fi_dev *d)
{
	char path[PATH_MAX], line[128];
	long long used = -1;
	FILE *f;

	igt_assert_eq(vsvm_debugfs_path(d->minor, "vram", path, sizeof(path)),
		      0);
	f = fopen(path, "r");
	igt_assert_f(f, "%s: %s\n", path, strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "used:", 5))
			used = atoll(line + 5);
	fclose(f);
	igt_assert_f(used >= 0, "%s: no used: line\n", path);
	return used;
}

/*
 * Every device's VRAM is free again once the buffers are gone (the device
 * pages are freed as their last references go: give it a few seconds).
 */
static void assert_vram_free(void)
{
	int i, tries;

	for (i = 0; i < n_devs; i++) {
		long long used = vram_used(&devs[i]);

		for (tries = 0; used && tries < 100; tries++) {
			usleep(50 * 1000);
			used = vram_used(&devs[i]);
		}
		igt_assert_f(!used, "renderD%d: %lld bytes of VRAM still used\n",
			     devs[i].minor, used);
	}
}

static int prefetch(const struct fi_dev *d, void *va, size_t len,
		    __u32 location, __u64 *migrated)
{
	return -vsvm_prefetch(d->fd, d->vm, location, (uintptr_t)va, len, 0,
			      migrated);
}

static int madvise_loc(const struct fi_dev *d, void *va, size_t len,
		       __u32 location)
{
	return -vsvm_madvise(d->fd, d->vm, DRM_VSVM_MADVISE_PREFERRED_LOC,
			     (uintptr_t)va, len, location, 0);
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* When the call being accounted started: set by op_begin(). */
static double op_start;

static void op_begin(void)
{
	op_start = now_s();
}

/*
 * Count a result. PREFETCH and EXEC document -EBUSY for pages that stay
 * busy through their retries (a migration that cannot collect every page,
 * also when the kernel could not allocate to collect it): counted apart.
 * Anything else but success and -ENOMEM is remembered.
 */
static void account(struct fi_stats *s, int err, const char *what,
		    const struct fi_dev *d, const void *va, size_t len)
{
	double took = now_s() - op_start;

	if (took > s->slowest) {
		s->slowest = took;
		snprintf(s->slowest_op, sizeof(s->slowest_op), "%s of %#zx",
			 what, len);
	}
	s->calls++;
	if (!err) {
		s->ok++;
	} else if (err == ENOMEM) {
		s->enomem++;
	} else if (err == EBUSY) {
		s->busy++;
	} else {
		if (!s->unexpected++)
			snprintf(s->first_unexpected,
				 sizeof(s->first_unexpected),
				 "renderD%d: %s at %p+%#zx: %s", d->minor, what,
				 va, len, strerror(err));
	}
}

static void *map_anon(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	igt_assert(p != MAP_FAILED);
	return p;
}

/*
 * A stream of pseudo-random numbers: a struct vsvm_stress whose seed is the
 * state of vsvm_rand().
 */
static struct vsvm_stress rng_stream(__u64 stream)
{
	struct vsvm_stress r = st;

	r.seed = vsvm_stress_subseed(&st, stream);
	return r;
}

static __u64 rnd(struct vsvm_stress *r)
{
	return vsvm_rand(&r->seed);
}

static __u64 rnd_below(struct vsvm_stress *r, __u64 n)
{
	return vsvm_rand_below(&r->seed, n);
}

static void fill_random(void *buf, size_t len, struct vsvm_stress *rs)
{
	unsigned char *p = buf;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		__u64 v = rnd(rs);

		memcpy(p + i, &v, 8);
	}
}

static void print_run(const char *name, int percent, const struct fi_stats *s,
		      long long slab, long long page, double secs)
{
	igt_info("%s: %d%%: %lu calls in %.1f s (%.0f/s): %lu ok, %lu -ENOMEM (%.1f%%), %lu -EBUSY, %lu redone; injected %lld slab + %lld page allocation failures (%.1f/s); %lu CPU checks, %lu mismatches, %lu unexpected\n",
		 name, percent, s->calls, secs, s->calls / secs, s->ok,
		 s->enomem, s->calls ? 100.0 * s->enomem / s->calls : 0.0,
		 s->busy, s->redone, slab, page, (slab + page) / secs,
		 s->cpu_checks, s->mismatches, s->unexpected);
	igt_info("%s: %d%%: slowest call %.2f s: %s\n", name, percent,
		 s->slowest, s->slowest_op);
	igt_assert_f(!s->unexpected, "unexpected result: %s (and %lu more)\n",
		     s->first_unexpected, s->unexpected - 1);
	igt_assert_eq(s->mismatches, 0);
}

/*
 * buddy-split: separate small VMAs (a range never spans two VMAs, so each
 * is its own VRAM allocation of 1 to 16 pages) prefetched to each device's
 * VRAM and back with failslab at 5%.
 */
#define SPLIT_VMAS	48
#define SPLIT_MAX_PAGES	16

static void test_buddy_split(void)
{
	size_t slot = (SPLIT_MAX_PAGES + 1) * page_size;
	struct fi_stats s = { 0 };
	struct vsvm_stress rs = rng_stream(1);
	size_t len[SPLIT_VMAS];
	unsigned char *area, *shadow;
	double t0 = now_s();
	double until = t0 + (st.seconds / 8 > 4 ? st.seconds / 8 : 4);
	long long slab;
	int i, v;

	/* One PROT_NONE reservation, made readable and writable in pieces. */
	area = mmap(NULL, slot * SPLIT_VMAS, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	igt_assert(area != MAP_FAILED);
	shadow = malloc(slot * SPLIT_VMAS);
	igt_assert(shadow);
	for (v = 0; v < SPLIT_VMAS; v++) {
		unsigned char *va = area + v * slot;

		len[v] = (1 + rnd_below(&rs, SPLIT_MAX_PAGES)) *
			 page_size;
		igt_assert_eq(mprotect(va, len[v], PROT_READ | PROT_WRITE), 0);
		fill_random(va, len[v], &rs);
		memcpy(shadow + v * slot, va, len[v]);
	}

	fi_config(FAILSLAB, 5);
	fi_arm(true);
	while (now_s() < until) {
		for (i = 0; i < n_devs; i++) {
			const struct fi_dev *d = &devs[i];

			for (v = 0; v < SPLIT_VMAS; v++) {
				void *va = area + v * slot;
				int err;

				op_begin();
				err = prefetch(d, va, len[v],
					       DRM_VSVM_LOCATION_DEVICE, NULL);
				account(&s, err, "PREFETCH device", d, va,
					len[v]);
			}
			for (v = 0; v < SPLIT_VMAS; v++) {
				void *va = area + v * slot;
				int err;

				if (rnd_below(&rs, 4))
					continue;
				op_begin();
				err = prefetch(d, va, len[v],
					       DRM_VSVM_LOCATION_SYSTEM, NULL);
				account(&s, err, "PREFETCH system", d, va,
					len[v]);
			}
		}
	}
	fi_arm(false);
	slab = fi_injected(FAILSLAB);
	fi_reset();

	for (v = 0; v < SPLIT_VMAS; v++) {
		s.cpu_checks++;
		if (memcmp(area + v * slot, shadow + v * slot, len[v]))
			s.mismatches++;
	}
	print_run("buddy-split", 5, &s, slab, 0, now_s() - t0);
	igt_assert_f(slab > 0, "no failure was injected\n");
	munmap(area, slot * SPLIT_VMAS);
	free(shadow);
	assert_vram_free();
}

/*
 * efault-enomem: with every page allocation of this process failing, a GPU
 * write to memory not populated yet, and a GPU read of memory in the VRAM
 * of a device that has no path to the reading one, both placed in system
 * memory by MADVISE: the GPU fault must fault the pages in, which fails:
 * -ENOMEM. Then, without injection, the same calls succeed and the data
 * is right.
 */
static int find_no_path_pair(int *a, int *b)
{
	int i, j, k;

	for (i = 0; i < n_devs; i++) {
		struct {
			struct drm_vsvm_query_peers h;
			struct drm_vsvm_peer p[MAX_DEVICES];
		} peers = { 0 };
		struct drm_vsvm_query q = {
			.query = DRM_VSVM_QUERY_PEERS,
			.size = sizeof(peers),
			.data = (uintptr_t)&peers,
		};

		igt_assert_eq(vsvm_ioctl(devs[i].fd, DRM_IOCTL_VSVM_QUERY, &q),
			      0);
		for (k = 0; k < (int)peers.h.num_peers && k < MAX_DEVICES; k++) {
			if (peers.p[k].link != DRM_VSVM_LINK_NONE)
				continue;
			for (j = 0; j < n_devs; j++) {
				if (devs[j].q.index == peers.p[k].index) {
					*a = j;
					*b = i;
					return 0;
				}
			}
		}
	}
	return -ENOENT;
}

static void test_efault_enomem(void)
{
	size_t len = 16 * page_size;
	struct fi_dev *d = &devs[0];
	unsigned char *buf, *expect;
	struct drm_vsvm_exec e;
	int a, b, err;
	size_t i;

	expect = malloc(len);
	igt_assert(expect);

	/* Not populated: the fault-in allocates the pages. */
	buf = map_anon(len);
	igt_assert_eq(madvise_loc(d, buf, len, DRM_VSVM_LOCATION_SYSTEM), 0);
	fi_config(FAIL_PAGE, 100);
	fi_arm(true);
	err = -vsvm_exec_fill(d->fd, d->vm, buf, len, 8, 0x5a5a5a5a5a5a5a5aull,
			      &e);
	fi_arm(false);
	igt_info("efault-enomem: FILL of unpopulated memory: %s, %lld page allocations failed\n",
		 strerror(err), fi_injected(FAIL_PAGE));
	fi_reset();
	igt_assert_f(err == ENOMEM, "FILL under OOM: %s, expected %s\n",
		     strerror(err), strerror(ENOMEM));
	igt_assert_eq(vsvm_exec_fill(d->fd, d->vm, buf, len, 8,
				     0x5a5a5a5a5a5a5a5aull, &e), 0);
	memset(expect, 0x5a, len);
	igt_assert(!memcmp(buf, expect, len));
	munmap(buf, len);

	/* In the VRAM of a device the reader has no path to. */
	if (find_no_path_pair(&a, &b)) {
		igt_info("efault-enomem: no pair of devices without a path, migrate_to_ram case not run\n");
		free(expect);
		return;
	}
	buf = map_anon(len);
	for (i = 0; i < len; i++)
		expect[i] = (unsigned char)(i * 7 + 3);
	memcpy(buf, expect, len);
	igt_assert_eq(prefetch(&devs[a], buf, len, DRM_VSVM_LOCATION_DEVICE,
			       NULL), 0);
	igt_assert_eq(madvise_loc(&devs[b], buf, len,
				  DRM_VSVM_LOCATION_SYSTEM), 0);
	{
		unsigned char *out = malloc(len);

		igt_assert(out);
		memset(out, 0, len);
		fi_config(FAIL_PAGE, 100);
		fi_arm(true);
		err = -vsvm_exec_read(devs[b].fd, devs[b].vm, buf, len, out,
				      &e);
		fi_arm(false);
		igt_info("efault-enomem: renderD%d READ of renderD%d's VRAM: %s, %lld page allocations failed\n",
			 devs[b].minor, devs[a].minor, strerror(err),
			 fi_injected(FAIL_PAGE));
		fi_reset();
		igt_assert_f(err == ENOMEM, "READ under OOM: %s, expected %s\n",
			     strerror(err), strerror(ENOMEM));
		igt_assert_eq(vsvm_exec_read(devs[b].fd, devs[b].vm, buf, len,
					     out, &e), 0);
		igt_assert(!memcmp(out, expect, len));
		igt_assert(!memcmp(buf, expect, len));
		free(out);
	}

	/*
	 * EXEC READ into a user buffer that sits in the VRAM of device a:
	 * the copy-out faults the buffer back, and that runs out of memory.
	 * The source and the buffer are VMAs of their own (a PROT_NONE gap
	 * between them), the source already mapped by device b, so that the
	 * GPU side allocates no page; fail_page_alloc's space lets the 64 KiB
	 * bounce buffer of EXEC (and one more page) through, and fails every
	 * page allocation after it.
	 */
	{
		unsigned char *area, *src, *out, *tmp = malloc(len);
		char space[32];

		igt_assert(tmp);
		area = mmap(NULL, 3 * len, PROT_NONE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		igt_assert(area != MAP_FAILED);
		src = area;
		out = area + 2 * len;
		igt_assert_eq(mprotect(src, len, PROT_READ | PROT_WRITE), 0);
		igt_assert_eq(mprotect(out, len, PROT_READ | PROT_WRITE), 0);
		memcpy(src, expect, len);
		memset(out, 0xee, len);
		igt_assert_eq(madvise_loc(&devs[b], src, len,
					  DRM_VSVM_LOCATION_SYSTEM), 0);
		igt_assert_eq(vsvm_exec_read(devs[b].fd, devs[b].vm, src, len,
					     tmp, &e), 0);
		igt_assert(!memcmp(tmp, expect, len));
		igt_assert_eq(prefetch(&devs[a], out, len,
				       DRM_VSVM_LOCATION_DEVICE, NULL), 0);
		fi_config(FAIL_PAGE, 100);
		/* fail_page_alloc counts space in pages. */
		snprintf(space, sizeof(space), "%ld",
			 64 * 1024 / page_size + 2);
		attr_write(FAIL_PAGE, "space", space);
		fi_arm(true);
		err = -vsvm_exec_read(devs[b].fd, devs[b].vm, src, len, out,
				      &e);
		fi_arm(false);
		igt_info("efault-enomem: renderD%d READ into a buffer in renderD%d's VRAM: %s, %lld page allocations failed\n",
			 devs[b].minor, devs[a].minor, strerror(err),
			 fi_injected(FAIL_PAGE));
		fi_reset();
		attr_write(FAIL_PAGE, "space", "0");
		igt_assert_f(err == ENOMEM,
			     "READ into VRAM under OOM: %s, expected %s\n",
			     strerror(err), strerror(ENOMEM));
		igt_assert(!memcmp(src, expect, len));
		munmap(area, 3 * len);
		free(tmp);
	}
	munmap(buf, len);
	free(expect);
	assert_vram_free();
}

/*
 * ioctls: the calls that create or change state, under both injections at
 * 10 %: VM_CREATE and VM_DESTROY, DEVMEM_OPEN, MADVISE, RESIDENCY. A failed
 * MADVISE changes no attribute: with injection off, QUERY_RANGE_ATTRS must
 * show exactly the preferred locations of the calls that succeeded.
 */
#define IOC_PAGES	64

static void ioc_vm(struct fi_stats *s, const struct fi_dev *d)
{
	__u32 vm;
	int err;

	op_begin();
	err = -vsvm_vm_create(d->fd, &vm);
	account(s, err, "VM_CREATE", d, NULL, 0);
	if (err)
		return;
	op_begin();
	err = -vsvm_vm_destroy(d->fd, vm);
	account(s, err, "VM_DESTROY", d, NULL, 0);
	if (err) {
		fi_arm(false);
		err = -vsvm_vm_destroy(d->fd, vm);
		fi_arm(true);
		if (err)
			account(s, err, "VM_DESTROY (again)", d, NULL, 0);
	}
}

static void ioc_devmem(struct fi_stats *s, const struct fi_dev *d)
{
	struct drm_vsvm_devmem_open o = { 0 };
	int err;

	op_begin();
	err = vsvm_ioctl(d->fd, DRM_IOCTL_VSVM_DEVMEM_OPEN, &o);
	account(s, err, "DEVMEM_OPEN", d, NULL, 0);
	if (!err)
		close(o.fd);
}

/* The attributes of @buf on device @i match @loc, page by page. */
static void ioc_check_attrs(struct fi_stats *s, int i, unsigned char *buf,
			    const __u32 *loc)
{
	struct drm_vsvm_range_attr attrs[IOC_PAGES];
	__u32 n = IOC_PAGES, k;
	size_t p;

	igt_assert_eq(vsvm_query_range_attrs(devs[i].fd, devs[i].vm,
					     (uintptr_t)buf,
					     IOC_PAGES * page_size, attrs, &n),
		      0);
	for (k = 0; k < n; k++) {
		for (p = (attrs[k].start - (uintptr_t)buf) / page_size;
		     p < (attrs[k].end - (uintptr_t)buf) / page_size; p++) {
			s->cpu_checks++;
			if (attrs[k].preferred_loc != loc[p]) {
				if (!s->mismatches++)
					igt_warn("renderD%d: page %zu: preferred location %u, expected %u\n",
						 devs[i].minor, p,
						 attrs[k].preferred_loc,
						 loc[p]);
			}
		}
	}
}

static void test_ioctls(void)
{
	static __u32 loc[MAX_DEVICES][IOC_PAGES];
	size_t len = IOC_PAGES * page_size;
	struct vsvm_stress rs = rng_stream(2);
	struct fi_stats s = { 0 };
	double t0 = now_s();
	double until = t0 + (st.seconds / 8 > 3 ? st.seconds / 8 : 3);
	__u32 res[IOC_PAGES];
	unsigned char *buf;
	long long slab, page;
	int i;

	buf = map_anon(len);
	memset(buf, 1, len);
	memset(loc, 0, sizeof(loc));
	memset(res, 0, sizeof(res));

	fi_config(FAILSLAB, 10);
	fi_config(FAIL_PAGE, 10);
	fi_arm(true);
	while (now_s() < until) {
		int di = rnd_below(&rs, n_devs);
		const struct fi_dev *d = &devs[di];

		switch (rnd_below(&rs, 4)) {
		case 0:
			ioc_vm(&s, d);
			break;
		case 1:
			ioc_devmem(&s, d);
			break;
		case 2: {
			size_t first = rnd_below(&rs, IOC_PAGES);
			size_t n = 1 + rnd_below(&rs, IOC_PAGES - first);
			__u32 v = rnd_below(&rs, 2) ? DRM_VSVM_LOCATION_SYSTEM :
				  DRM_VSVM_LOCATION_DEVICE;
			int err;

			op_begin();
			err = madvise_loc(d, buf + first * page_size,
					  n * page_size, v);
			account(&s, err, "MADVISE", d, buf + first * page_size,
				n * page_size);
			while (!err && n--)
				loc[di][first + n] = v;
			break;
		}
		default: {
			int err;

			op_begin();
			err = -vsvm_residency(d->fd, d->vm, (uintptr_t)buf,
					      IOC_PAGES, res);
			account(&s, err, "RESIDENCY", d, buf, len);
			break;
		}
		}
	}
	fi_arm(false);
	slab = fi_injected(FAILSLAB);
	page = fi_injected(FAIL_PAGE);
	fi_reset();

	for (i = 0; i < n_devs; i++)
		ioc_check_attrs(&s, i, buf, loc[i]);
	print_run("ioctls", 10, &s, slab, page, now_s() - t0);
	igt_assert_f(slab + page > 0, "no failure was injected\n");
	munmap(buf, len);
}

/*
 * rate-N: random operations on NBUF buffers and an eviction buffer of
 * one and a half times the smallest VRAM, with both injections at @percent.
 */
struct fi_buf {
	unsigned char *va;
	unsigned char *shadow;
	size_t len;
};

/* A random page-aligned piece of @b: offset and length. */
static void pick(const struct fi_buf *b, struct vsvm_stress *rs, size_t *off,
		 size_t *len)
{
	size_t pages = b->len / page_size;
	size_t first = rnd_below(rs, pages);
	size_t n = 1 + rnd_below(rs, pages - first < 64 ?
					   pages - first : 64);

	*off = first * page_size;
	*len = n * page_size;
}

/*
 * A GPU write that failed may have done part of its work: redo it without
 * injection, so that the buffer is as the shadow says.
 */
static void redo(struct fi_stats *s, const struct fi_dev *d,
		 struct drm_vsvm_exec *e, const char *what)
{
	int err;

	fi_arm(false);
	op_begin();
	e->result = 0;
	e->gpu_faults = 0;
	e->pages_in = 0;
	e->pages_out = 0;
	err = -vsvm_exec(d->fd, e);
	fi_arm(true);
	s->redone++;
	if (err)
		account(s, err, what, d, (void *)(uintptr_t)e->va, e->size);
}

static void rate_op(struct fi_stats *s, struct fi_buf *bufs, struct vsvm_stress *rs,
		    unsigned char *scratch, unsigned char *out)
{
	struct fi_buf *b = &bufs[rnd_below(rs, NBUF)];
	const struct fi_dev *d = &devs[rnd_below(rs, n_devs)];
	unsigned char *va;
	struct drm_vsvm_exec e;
	size_t off, len;
	int err;

	pick(b, rs, &off, &len);
	va = b->va + off;
	op_begin();
	switch (rnd_below(rs, 7)) {
	case 0:
		err = prefetch(d, va, len, DRM_VSVM_LOCATION_DEVICE, NULL);
		account(s, err, "PREFETCH device", d, va, len);
		break;
	case 1:
		err = prefetch(d, va, len, DRM_VSVM_LOCATION_SYSTEM, NULL);
		account(s, err, "PREFETCH system", d, va, len);
		break;
	case 2: {
		__u64 v = rnd(rs);

		e = (struct drm_vsvm_exec){
			.vm_id = d->vm, .op = DRM_VSVM_EXEC_FILL, .width = 8,
			.va = (uintptr_t)va, .size = len, .value = v,
		};
		err = -vsvm_exec(d->fd, &e);
		account(s, err, "EXEC FILL", d, va, len);
		if (err)
			redo(s, d, &e, "EXEC FILL (redone)");
		for (size_t i = 0; i < len; i += 8)
			memcpy(b->shadow + off + i, &v, 8);
		break;
	}
	case 3:
		fill_random(scratch, len, rs);
		e = (struct drm_vsvm_exec){
			.vm_id = d->vm, .op = DRM_VSVM_EXEC_WRITE,
			.va = (uintptr_t)va, .size = len,
			.ptr = (uintptr_t)scratch,
		};
		err = -vsvm_exec(d->fd, &e);
		account(s, err, "EXEC WRITE", d, va, len);
		if (err)
			redo(s, d, &e, "EXEC WRITE (redone)");
		memcpy(b->shadow + off, scratch, len);
		break;
	case 4:
		err = -vsvm_exec_read(d->fd, d->vm, va, len, out, &e);
		account(s, err, "EXEC READ", d, va, len);
		if (!err && memcmp(out, b->shadow + off, len))
			s->mismatches++;
		break;
	case 5:
		/* CPU faults back to system memory, always completed. */
		s->cpu_checks++;
		if (memcmp(va, b->shadow + off, len))
			s->mismatches++;
		break;
	default:
		fill_random(scratch, len, rs);
		memcpy(va, scratch, len);
		memcpy(b->shadow + off, scratch, len);
		break;
	}
}

/*
 * Prefetch more than the smallest VRAM to it, chunk by chunk: eviction.
 * Stops at @until: at high rates an eviction rarely frees a whole
 * allocation (each of its pages needs a system page), and a chunk may take
 * seconds to end in -ENOMEM.
 */
static void rate_evict(struct fi_stats *s, struct fi_buf *eb,
		       struct vsvm_stress *rs, double until)
{
	const struct fi_dev *d = &devs[0];
	size_t chunk = 2ul << 20, off;
	int i;

	for (i = 1; i < n_devs; i++)
		if (devs[i].q.vram_size < d->q.vram_size)
			d = &devs[i];
	for (off = 0; off < eb->len && now_s() < until; off += chunk) {
		size_t len = eb->len - off < chunk ? eb->len - off : chunk;
		int err;

		op_begin();
		err = prefetch(d, eb->va + off, len, DRM_VSVM_LOCATION_DEVICE,
			       NULL);
		account(s, err, "PREFETCH device (evict)", d, eb->va + off, len);
		if (!rnd_below(rs, 4)) {
			s->cpu_checks++;
			if (memcmp(eb->va + off, eb->shadow + off, page_size))
				s->mismatches++;
		}
	}
}

static void test_rate(int percent, unsigned int seconds)
{
	struct vsvm_stress rs = rng_stream(100 + percent);
	struct fi_buf bufs[NBUF], eb;
	unsigned char *scratch, *out;
	struct fi_stats s = { 0 };
	double t0 = now_s(), until = t0 + seconds;
	size_t min_vram = devs[0].q.vram_size;
	long long slab, page;
	int i;

	for (i = 1; i < n_devs; i++)
		if (devs[i].q.vram_size < min_vram)
			min_vram = devs[i].q.vram_size;
	for (i = 0; i < NBUF; i++) {
		bufs[i].len = BUF_SIZE;
		bufs[i].va = map_anon(BUF_SIZE);
		bufs[i].shadow = malloc(BUF_SIZE);
		igt_assert(bufs[i].shadow);
		fill_random(bufs[i].va, BUF_SIZE, &rs);
		memcpy(bufs[i].shadow, bufs[i].va, BUF_SIZE);
	}
	eb.len = (min_vram + min_vram / 2 + page_size - 1) & ~(page_size - 1);
	eb.va = map_anon(eb.len);
	eb.shadow = malloc(eb.len);
	igt_assert(eb.shadow);
	fill_random(eb.va, eb.len, &rs);
	memcpy(eb.shadow, eb.va, eb.len);
	scratch = malloc(64 * page_size);
	out = malloc(64 * page_size);
	igt_assert(scratch && out);
	memset(scratch, 0, 64 * page_size);
	memset(out, 0, 64 * page_size);

	fi_config(FAILSLAB, percent);
	fi_config(FAIL_PAGE, percent);
	fi_arm(true);
	rate_evict(&s, &eb, &rs, t0 + seconds / 2.0);
	while (now_s() < until)
		rate_op(&s, bufs, &rs, scratch, out);
	fi_arm(false);
	slab = fi_injected(FAILSLAB);
	page = fi_injected(FAIL_PAGE);
	fi_reset();

	/* Everything, with injection off, by the CPU and by a GPU. */
	for (i = 0; i < NBUF; i++) {
		const struct fi_dev *d = &devs[i % n_devs];
		size_t off;

		for (off = 0; off < BUF_SIZE; off += 64 * page_size) {
			struct drm_vsvm_exec e;

			igt_assert_eq(vsvm_exec_read(d->fd, d->vm,
						     bufs[i].va + off,
						     64 * page_size, out, &e),
				      0);
			if (memcmp(out, bufs[i].shadow + off, 64 * page_size))
				s.mismatches++;
		}
		s.cpu_checks++;
		if (memcmp(bufs[i].va, bufs[i].shadow, BUF_SIZE))
			s.mismatches++;
	}
	s.cpu_checks++;
	if (memcmp(eb.va, eb.shadow, eb.len))
		s.mismatches++;

	print_run("rate", percent, &s, slab, page, now_s() - t0);
	igt_assert_f(slab + page > 0, "no failure was injected\n");

	for (i = 0; i < NBUF; i++) {
		munmap(bufs[i].va, BUF_SIZE);
		free(bufs[i].shadow);
	}
	munmap(eb.va, eb.len);
	free(eb.shadow);
	free(scratch);
	free(out);
	assert_vram_free();
}

/*
 * Arm fail_walk_timeout for this process: its next @times walks fail (-1:
 * all of them).
 */
static void walk_fail_config(long long times)
{
	fa_config(FAIL_WALK, times);
	attr_write(FAIL_WALK, "probability", "100");
}

static void walk_fail_reset(void)
{
	attr_write(FAIL_WALK, "probability", "0");
	attr_write(FAIL_WALK, "times", "1");
}

/*
 * One GPU READ by @d of @len bytes at @buf, which hold @expect, with the
 * first @times walks of this process failing: it succeeds, reads @expect,
 * and took every injected failure (the faults were replayed).
 */
static void walk_read_survives(struct fi_dev *d, unsigned char *buf,
			       size_t len, const unsigned char *expect,
			       const char *what)
{
	unsigned char *out = calloc(1, len);
	struct drm_vsvm_exec e;
	long long left;
	int err;

	igt_assert(out);
	walk_fail_config(WALK_FAILURES);
	fi_arm(true);
	err = -vsvm_exec_read(d->fd, d->vm, buf, len, out, &e);
	fi_arm(false);
	left = attr_read(FAIL_WALK, "times");
	walk_fail_reset();
	igt_info("walk-timeout: %s: READ by renderD%d: %s after %llu GPU faults, %lld walks failed\n",
		 what, d->minor, strerror(err),
		 (unsigned long long)e.gpu_faults,
		 WALK_FAILURES - left);
	igt_assert_f(!err, "%s: READ with %d walks failing: %s\n", what,
		     WALK_FAILURES, strerror(err));
	igt_assert_eq(left, 0);
	igt_assert_f(e.gpu_faults > WALK_FAILURES,
		     "%s: %llu GPU faults for %d failed walks\n", what,
		     (unsigned long long)e.gpu_faults, WALK_FAILURES);
	igt_assert(!memcmp(out, expect, len));
	igt_assert(!memcmp(buf, expect, len));
	free(out);
}

static void test_walk_timeout(void)
{
	size_t len = 16 * page_size, i;
	unsigned char *buf, *expect, *out;
	struct fi_dev *d = &devs[0];
	struct drm_vsvm_exec e;
	__u32 loc[16];
	long long left;
	int a, b, err;

	expect = malloc(len);
	out = malloc(len);
	igt_assert(expect && out);
	buf = map_anon(len);
	for (i = 0; i < len; i++)
		expect[i] = (unsigned char)(i * 13 + 1);
	memcpy(buf, expect, len);

	/* The fault-in of system pages: drm_gpusvm_range_get_pages(). */
	igt_assert_eq(madvise_loc(d, buf, len, DRM_VSVM_LOCATION_SYSTEM), 0);
	walk_read_survives(d, buf, len, expect, "system memory");

	/*
	 * The eviction out of the VRAM of a device without a path to the
	 * reader, to system memory as advised: drm_gpusvm_range_evict().
	 */
	if (!find_no_path_pair(&a, &b)) {
		igt_assert_eq(prefetch(&devs[a], buf, len,
				       DRM_VSVM_LOCATION_DEVICE, NULL), 0);
		igt_assert_eq(madvise_loc(&devs[b], buf, len,
					  DRM_VSVM_LOCATION_SYSTEM), 0);
		walk_read_survives(&devs[b], buf, len, expect,
				   "a peer's VRAM without a path");
		igt_assert_eq(vsvm_residency(devs[b].fd, devs[b].vm,
					     (uintptr_t)buf, 16, loc), 0);
		for (i = 0; i < 16; i++)
			igt_assert_eq_u32(loc[i], DRM_VSVM_RESIDENCY_SYSTEM);
	} else {
		igt_info("walk-timeout: no pair of devices without a path, eviction case not run\n");
	}

	/* Every walk fails: -EBUSY after a bounded number of faults. */
	igt_assert_eq(prefetch(d, buf, len, DRM_VSVM_LOCATION_SYSTEM, NULL),
		      0);
	memset(out, 0, len);
	walk_fail_config(-1);
	fi_arm(true);
	err = -vsvm_exec_fill(d->fd, d->vm, buf, len, 1, 0xee, &e);
	fi_arm(false);
	left = attr_read(FAIL_WALK, "times");
	walk_fail_reset();
	igt_info("walk-timeout: FILL with every walk failing: %s after %llu GPU faults\n",
		 strerror(err), (unsigned long long)e.gpu_faults);
	igt_assert_f(err == EBUSY, "FILL with every walk failing: %s, expected %s\n",
		     strerror(err), strerror(EBUSY));
	igt_assert_eq(left, -1);
	igt_assert(e.gpu_faults > 1);
	igt_assert(!memcmp(buf, expect, len));
	/* and without injection the same work is done */
	igt_assert_eq(vsvm_exec_fill(d->fd, d->vm, buf, len, 1, 0xee, &e), 0);
	memset(expect, 0xee, len);
	igt_assert(!memcmp(buf, expect, len));
	munmap(buf, len);
	free(out);
	free(expect);
	assert_vram_free();
}

int igt_main()
{
	unsigned int rate_seconds;

	igt_fixture() {
		page_size = sysconf(_SC_PAGESIZE);
		open_devices();
		igt_require_f(n_devs > 0, "no vsvm device\n");
		igt_require_f(!access(FAILSLAB "/probability", W_OK) &&
			      !access(FAIL_PAGE "/probability", W_OK),
			      "no failslab / fail_page_alloc in debugfs\n");
		make_it_fail_fd = open("/proc/self/make-it-fail", O_WRONLY);
		igt_require_f(make_it_fail_fd >= 0,
			      "no /proc/self/make-it-fail\n");
		vsvm_stress_init(&st, "vsvm_faultinject", SLICE_SECONDS);
	}
	rate_seconds = st.seconds / 4 ? st.seconds / 4 : 1;

	igt_subtest("buddy-split")
		test_buddy_split();

	igt_subtest("efault-enomem")
		test_efault_enomem();

	igt_subtest("ioctls")
		test_ioctls();

	igt_describe("GPU faults whose walks time out are replayed; -EBUSY if all do.");
	igt_subtest("walk-timeout") {
		igt_require_f(!access(FAIL_WALK "/probability", W_OK),
			      "no %s\n", FAIL_WALK);
		test_walk_timeout();
	}

	igt_subtest("rate-1")
		test_rate(1, rate_seconds);

	igt_subtest("rate-5")
		test_rate(5, rate_seconds);

	igt_subtest("rate-10")
		test_rate(10, rate_seconds);

	igt_fixture() {
		int i;

		if (make_it_fail_fd >= 0)
			fi_arm(false);
		fi_reset();
		if (!access(FAIL_WALK "/probability", W_OK))
			walk_fail_reset();
		for (i = 0; i < n_devs; i++) {
			igt_assert_eq(vsvm_vm_destroy(devs[i].fd, devs[i].vm), 0);
			close(devs[i].pagemap_fd);
			close(devs[i].fd);
		}
	}
}
