// SPDX-License-Identifier: MIT
/*
 * vsvm_fuzz: a seeded, time-bounded, structured fuzzer of every vsvm ioctl
 * on every vsvm render node.
 *
 * Each call is built valid and then given zero or more faults: nonzero
 * flags, reserved or pad fields, unknown ops, types, values and locations,
 * bad widths and sizes, misaligned, empty, wrapping or too large ranges, VA
 * that is unmapped, partly mapped, PROT_NONE, read-only, in the kernel or
 * non-canonical, bad user pointers, unknown, foreign and other processes'
 * VM ids, closed, negative and non-pagemap fds, pagemap fds of devices
 * without an interconnect, and argument structs that are unmapped,
 * PROT_NONE, straddle a page the kernel cannot read, or are read-only. The
 * memory is an arena of slots of anonymous private, MAP_SHARED anonymous,
 * tmpfs file private and shared, memfd, read-only, PROT_NONE memory and
 * holes, remapped, mprotect()ed and munmap()ed as the fuzzer goes.
 *
 * Each fault explains some errnos; a call must fail with one of those of
 * its faults (a valid call must succeed, on any memory it may use), and
 * every errno must be one the UAPI documents for the ioctl. Around each
 * call the fuzzer checks that a failed call changed no data (a CPU-side
 * shadow of every byte of the arena), no attribute (QUERY_RANGE_ATTRS),
 * no residency (RESIDENCY, where the call must not migrate), no fd table
 * (/proc/self/fd) and no VM count (debugfs dri/<device>/vms), and that a
 * successful one did exactly what it should.
 *
 * Subtests: bad-args (one fault per call, so the errno is exact), mutate
 * (several faults per call, mixed with valid calls and with mmap, munmap
 * and mprotect), races (threads racing close() and VM_DESTROY against EXEC
 * and PREFETCH, mprotect() against GPU writes, and migrations against GPU
 * work) and fork-mix (children fuzzing their own fds next to the parent,
 * and COW isolation of the parent's memory from them).
 *
 * A failure does not stop the run: each is printed with the seed, the
 * invariant and the last calls, counted per invariant, and fails the
 * subtest at its end. Replay: make test ONLY=vsvm_fuzz SEED=N.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
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

#include "igt.h"
#include "vsvm_exec_lib.h"
#include "vsvm_lib.h"
#include "vsvm_stress.h"
#include <drm/vsvm_drm.h>

#define MAX_DEVICES	16
#define PAGE_SZ		4096ul
#define SLOT_PAGES	4
#define SLOT_SZ		(SLOT_PAGES * PAGE_SZ)
#define NSLOTS		16
#define ARENA_PAGES	(NSLOTS * SLOT_PAGES)
#define ARENA_SZ	(NSLOTS * SLOT_SZ)
#define MAX_EXTRA_VMS	8
#define NERRNO		140
#define LOG_RING	16
#define MAX_REPORTS	4

/* Addresses no user mapping can have. */
#define LOW_VA		0x1000ull
#define NONCANON_VA	0x0000800000000000ull
#define KERNEL_VA	0xffff888000000000ull
#define KTEXT_VA	0xffffffff81000000ull

/* The kinds of the arena's slots. */
enum slot_kind {
	SK_HOLE,	/* unmapped */
	SK_ANON,	/* anonymous private, read-write */
	SK_RO,		/* anonymous private, PROT_READ */
	SK_NONE,	/* anonymous private, PROT_NONE */
	SK_SHARED,	/* anonymous MAP_SHARED */
	SK_FPRIV,	/* tmpfs file, MAP_PRIVATE */
	SK_FSHARED,	/* tmpfs file, MAP_SHARED */
	SK_MEMFD,	/* memfd, MAP_SHARED */
	SK_FOREIGN,	/* a hole something else mapped: never used */
	SK_NR,
};

static const char * const slot_names[SK_NR] = {
	"hole", "anon", "ro", "none", "shared", "file-priv", "file-shared",
	"memfd", "foreign",
};

static bool sk_readable(int k)
{
	return k != SK_HOLE && k != SK_NONE && k != SK_FOREIGN;
}

static bool sk_writable(int k)
{
	return sk_readable(k) && k != SK_RO;
}

/* The invariants checked, one failure counter each. */
enum inv {
	INV_UNDOC,	/* an errno the UAPI does not document for the ioctl */
	INV_ERRNO,	/* an errno none of the call's faults explains */
	INV_BADOK,	/* a call with a fault succeeded */
	INV_VALID,	/* a valid call failed */
	INV_DATA,	/* data the call must not change changed, or wrong */
	INV_ATTR,	/* attributes changed or wrong */
	INV_RES,	/* residency changed or wrong */
	INV_FDS,	/* the fd table changed */
	INV_VMS,	/* the VM count changed */
	INV_OUT,	/* an output field is wrong */
	INV_CHILD,	/* a forked child failed */
	INV_NR,
};

static const char * const inv_names[INV_NR] = {
	"undocumented errno", "unexplained errno", "faulty call succeeded",
	"valid call failed", "data", "attributes", "residency", "fd table",
	"VM count", "output", "child",
};

enum ftype {
	FT_QUERY, FT_VM_CREATE, FT_VM_DESTROY, FT_DEVMEM_OPEN, FT_EXEC,
	FT_MADVISE, FT_QRA, FT_PREFETCH, FT_RESIDENCY, FT_NR,
};

static const char * const ft_names[FT_NR] = {
	"QUERY", "VM_CREATE", "VM_DESTROY", "DEVMEM_OPEN", "EXEC", "MADVISE",
	"QUERY_RANGE_ATTRS", "PREFETCH", "RESIDENCY",
};

static const unsigned long ft_cmds[FT_NR] = {
	DRM_IOCTL_VSVM_QUERY, DRM_IOCTL_VSVM_VM_CREATE,
	DRM_IOCTL_VSVM_VM_DESTROY, DRM_IOCTL_VSVM_DEVMEM_OPEN,
	DRM_IOCTL_VSVM_EXEC, DRM_IOCTL_VSVM_MADVISE,
	DRM_IOCTL_VSVM_QUERY_RANGE_ATTRS, DRM_IOCTL_VSVM_PREFETCH,
	DRM_IOCTL_VSVM_RESIDENCY,
};

/* The errnos the UAPI header documents for each ioctl, 0-terminated. */
static const int ft_doc[FT_NR][12] = {
	[FT_QUERY] = { EINVAL, EFAULT, ENODEV },
	[FT_VM_CREATE] = { EINVAL, ENOSPC, ENOMEM, EFAULT, ENODEV },
	[FT_VM_DESTROY] = { EINVAL, ENOENT, EACCES, EFAULT },
	[FT_DEVMEM_OPEN] = { EINVAL, ENODEV, EMFILE, EFAULT },
	[FT_EXEC] = { EINVAL, E2BIG, ENOENT, EACCES, EFAULT, EPERM, EINTR,
		      ENODEV, EBUSY, EIO },
	[FT_MADVISE] = { EINVAL, EBADF, ENOLINK, ENOENT, EACCES, ENODEV,
			 EFAULT },
	[FT_QRA] = { EINVAL, ENOSPC, EFAULT, ENOENT, EACCES, ENODEV },
	[FT_PREFETCH] = { EINVAL, EBADF, ENOLINK, EFAULT, ENOMEM, ENOENT,
			  EACCES, ENODEV, EBUSY, EIO },
	[FT_RESIDENCY] = { EINVAL, EFAULT, ENOENT, EACCES, ENODEV },
};

struct fdev {
	int fd;
	int minor;
	__u32 index;
	/* the main VM of @fd */
	__u32 vm;
	/* VMs the fuzzer created on @fd besides @vm */
	__u32 extra[MAX_EXTRA_VMS];
	int n_extra;
	/* ids destroyed on @fd, for bad ids */
	__u32 dead[4];
	/* a pagemap fd of the device's VRAM */
	int pmfd;
	/* link to devs[j] is not NONE: its pagemap is usable here */
	bool linked[MAX_DEVICES];
	char vms_path[PATH_MAX];
};

static struct fdev devs[MAX_DEVICES];
static int n_devs;
static struct vsvm_stress stress;

/* The arena and its shadow. */
static __u8 *arena;
static __u8 shadow[ARENA_SZ];
static int kinds[NSLOTS];
static int file_fd = -1, memfd = -1;

/* Pages for the argument struct: [0] RW, [1] RO, [2] PROT_NONE, [3] hole */
static __u8 *argbuf;
/* Scratch: the source of WRITE, the destination of READ, each followed by
 * an unmapped guard page.
 */
static __u8 *wsrc, *rdst;
static __u32 *locbuf;
static struct drm_vsvm_range_attr *attrbuf;
#define ATTRBUF_N	(2 * ARENA_PAGES + 8)
static int null_fd = -1;

/* The state of the running fuzz loop (one per process, children reset). */
/*
 * The PRNG stream: its seed field is the state vsvm_rand() advances (so
 * that it has the type the helper takes).
 */
static struct vsvm_stress rng;
static unsigned long n_calls, n_ops;
static unsigned long ioctls;
static unsigned long fails[INV_NR];
static char ring[LOG_RING][200];
static unsigned long ring_pos;
/* other processes or threads run: skip the checks they would disturb */
static bool shared_state;
static bool in_child;

static __u64 rnd(void)
{
	return vsvm_rand(&rng.seed);
}

static __u64 below(__u64 n)
{
	return n ? vsvm_rand_below(&rng.seed, n) : 0;
}

static bool chance(unsigned int pct)
{
	return below(100) < pct;
}

static int xioctl(int fd, unsigned long cmd, void *arg)
{
	int ret;

	__atomic_fetch_add(&ioctls, 1, __ATOMIC_RELAXED);
	do {
		ret = ioctl(fd, cmd, arg);
	} while (ret == -1 && errno == EINTR);
	return ret ? errno : 0;
}

static void fz_log(const char *f, ...) __attribute__((format(printf, 1, 2)));

static void fz_log(const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	vsnprintf(ring[ring_pos++ % LOG_RING], sizeof(ring[0]), f, ap);
	va_end(ap);
}

static void fz_fail(int inv, const char *f, ...) __attribute__((format(printf, 2, 3)));

static void fz_fail(int inv, const char *f, ...)
{
	unsigned long n = __atomic_add_fetch(&fails[inv], 1, __ATOMIC_RELAXED);
	char msg[512];
	unsigned long i;
	va_list ap;

	if (n > MAX_REPORTS)
		return;
	va_start(ap, f);
	vsnprintf(msg, sizeof(msg), f, ap);
	va_end(ap);
	igt_warn("vsvm_fuzz FAILURE [%s] seed %llu%s, call %lu: %s\n",
		 inv_names[inv], (unsigned long long)stress.seed,
		 in_child ? " (child)" : "", n_calls, msg);
	if (n > 1)
		return;
	igt_warn("  the last calls, oldest first:\n");
	for (i = ring_pos > LOG_RING ? ring_pos - LOG_RING : 0; i < ring_pos;
	     i++)
		igt_warn("    %s\n", ring[i % LOG_RING]);
}

static unsigned long total_fails(void)
{
	unsigned long n = 0;
	int i;

	for (i = 0; i < INV_NR; i++)
		n += fails[i];
	return n;
}

/* ---- devices ---- */

/* The VMs of a device (all files), or -1 without debugfs. */
static int live_vms(const struct fdev *d)
{
	return d->vms_path[0] ? vsvm_vms_file_count(d->vms_path) : -1;
}

static int open_minor(int minor)
{
	int fd = vsvm_open_minor(minor);

	igt_assert_f(fd >= 0, "open renderD%d: %s\n", minor, strerror(errno));
	return fd;
}

static __u32 create_vm(int fd)
{
	struct drm_vsvm_vm_create c = {};
	int err = xioctl(fd, DRM_IOCTL_VSVM_VM_CREATE, &c);

	igt_assert_f(!err, "VM_CREATE: %s\n", strerror(err));
	return c.vm_id;
}

static int open_pagemap(int fd)
{
	struct drm_vsvm_devmem_open o = {};
	int err = xioctl(fd, DRM_IOCTL_VSVM_DEVMEM_OPEN, &o);

	igt_assert_f(!err, "DEVMEM_OPEN: %s\n", strerror(err));
	return o.fd;
}

/* Give @d a new file with a main VM and a pagemap fd. */
static void dev_reopen(struct fdev *d)
{
	d->fd = open_minor(d->minor);
	d->vm = create_vm(d->fd);
	d->pmfd = open_pagemap(d->fd);
	d->n_extra = 0;
}

static void dev_close(struct fdev *d)
{
	close(d->pmfd);
	close(d->fd);
}

static void query_links(struct fdev *d)
{
	struct {
		struct drm_vsvm_query_peers h;
		struct drm_vsvm_peer p[MAX_DEVICES * 2];
	} peers;
	struct drm_vsvm_query q = {
		.query = DRM_VSVM_QUERY_PEERS,
		.size = sizeof(peers),
		.data = (uintptr_t)&peers,
	};
	__u32 i;
	int j;

	igt_assert_eq(xioctl(d->fd, DRM_IOCTL_VSVM_QUERY, &q), 0);
	for (i = 0; i < peers.h.num_peers; i++)
		for (j = 0; j < n_devs; j++)
			if (devs[j].index == peers.p[i].index)
				d->linked[j] = peers.p[i].link !=
					       DRM_VSVM_LINK_NONE;
}

static void open_devices(void)
{
	struct vsvm_node nodes[MAX_DEVICES];
	int i;

	n_devs = vsvm_open_nodes(nodes, MAX_DEVICES);
	igt_require_f(n_devs > 0, "no vsvm render node\n");
	for (i = 0; i < n_devs; i++) {
		struct fdev *d = &devs[i];
		struct drm_vsvm_query_device info;
		struct drm_vsvm_query q = {
			.query = DRM_VSVM_QUERY_DEVICE,
			.size = sizeof(info),
			.data = (uintptr_t)&info,
		};

		d->fd = nodes[i].fd;
		d->minor = nodes[i].minor;
		igt_assert_eq(xioctl(d->fd, DRM_IOCTL_VSVM_QUERY, &q), 0);
		d->index = info.index;
		d->vm = create_vm(d->fd);
		d->pmfd = open_pagemap(d->fd);
		if (vsvm_debugfs_path(d->minor, "vms", d->vms_path,
				      sizeof(d->vms_path)))
			d->vms_path[0] = '\0';
	}
	for (i = 0; i < n_devs; i++)
		query_links(&devs[i]);
	if (!devs[0].vms_path[0])
		igt_info("no debugfs: the VM count is not checked\n");
}

/* ---- the arena ---- */

static __u8 *slot_ptr(int s)
{
	return arena + (size_t)s * SLOT_SZ;
}

static void fill_random(__u8 *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i += 8) {
		__u64 v = rnd();

		memcpy(p + i, &v, n - i < 8 ? n - i : 8);
	}
}

/* Whether a hole is still unmapped (nothing else mapped it meanwhile). */
static bool range_unmapped(void *p, size_t len)
{
	unsigned char vec[SLOT_PAGES];
	size_t off;

	for (off = 0; off < len; off += SLOT_SZ)
		if (mincore((__u8 *)p + off, len - off < SLOT_SZ ?
			    len - off : SLOT_SZ, vec) == 0 || errno != ENOMEM)
			return false;
	return true;
}

/* Make slot @s of kind @k with fresh random content (and its shadow). */
static void slot_map(int s, int k)
{
	__u8 *p = slot_ptr(s), *sh = shadow + (size_t)s * SLOT_SZ;
	off_t off = (off_t)s * SLOT_SZ;
	void *m = MAP_FAILED;

	if (kinds[s] == SK_FOREIGN)
		return;
	/* a child never writes the files it shares with its parent */
	if (in_child && (k == SK_FPRIV || k == SK_FSHARED || k == SK_MEMFD))
		k = SK_ANON;
	fill_random(sh, SLOT_SZ);
	switch (k) {
	case SK_HOLE:
		igt_assert_eq(munmap(p, SLOT_SZ), 0);
		kinds[s] = SK_HOLE;
		return;
	case SK_ANON:
	case SK_RO:
	case SK_NONE:
		m = mmap(p, SLOT_SZ, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		break;
	case SK_SHARED:
		m = mmap(p, SLOT_SZ, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		break;
	case SK_FPRIV:
	case SK_FSHARED:
	case SK_MEMFD: {
		int fd = k == SK_MEMFD ? memfd : file_fd;

		igt_assert_eq(pwrite(fd, sh, SLOT_SZ, off), (ssize_t)SLOT_SZ);
		m = mmap(p, SLOT_SZ, PROT_READ | PROT_WRITE,
			 (k == SK_FPRIV ? MAP_PRIVATE : MAP_SHARED) |
			 MAP_FIXED, fd, off);
		break;
	}
	}
	igt_assert_f(m == p, "mmap slot %d: %s\n", s, strerror(errno));
	if (k == SK_ANON || k == SK_RO || k == SK_NONE || k == SK_SHARED)
		memcpy(p, sh, SLOT_SZ);
	if (k == SK_RO)
		igt_assert_eq(mprotect(p, SLOT_SZ, PROT_READ), 0);
	if (k == SK_NONE)
		igt_assert_eq(mprotect(p, SLOT_SZ, PROT_NONE), 0);
	kinds[s] = k;
}

static const int initial_kinds[NSLOTS] = {
	SK_ANON, SK_ANON, SK_ANON, SK_HOLE, SK_ANON, SK_RO, SK_ANON,
	SK_NONE, SK_SHARED, SK_FPRIV, SK_HOLE, SK_FSHARED, SK_MEMFD, SK_ANON,
	SK_ANON, SK_HOLE,
};

/*
 * The fuzzer's memory lives far below the mmap area, so that no mapping
 * of anything else (a thread stack, a buffer of the C library) ever lands
 * in its holes and unmapped guard pages, which must stay unmapped.
 */
#define FAR_BASE	0x300000000ull
static __u64 far_next = FAR_BASE;

/* @len bytes of the far region, followed by an unmapped guard page. */
static void *map_guarded(size_t len, int prot)
{
	void *p;

	len = (len + PAGE_SZ - 1) & ~(PAGE_SZ - 1);
	p = mmap((void *)(uintptr_t)far_next, len, prot,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	igt_assert_f(p == (void *)(uintptr_t)far_next, "mmap at %#llx: %s\n",
		     (unsigned long long)far_next, strerror(errno));
	far_next += len + PAGE_SZ;
	return p;
}

static void setup_memory(void)
{
	char path[64];
	int s;

	snprintf(path, sizeof(path), "/tmp/vsvm_fuzz.%d", getpid());
	file_fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	igt_assert(file_fd >= 0);
	unlink(path);
	igt_assert_eq(ftruncate(file_fd, ARENA_SZ), 0);
	memfd = memfd_create("vsvm_fuzz", MFD_CLOEXEC);
	igt_assert(memfd >= 0);
	igt_assert_eq(ftruncate(memfd, ARENA_SZ), 0);
	null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	igt_assert(null_fd >= 0);

	arena = map_guarded(ARENA_SZ, PROT_NONE);
	for (s = 0; s < NSLOTS; s++) {
		kinds[s] = SK_NONE;
		slot_map(s, initial_kinds[s]);
	}

	argbuf = map_guarded(4 * PAGE_SZ, PROT_READ | PROT_WRITE);
	memset(argbuf, 0, 4 * PAGE_SZ);
	igt_assert_eq(mprotect(argbuf + PAGE_SZ, PAGE_SZ, PROT_READ), 0);
	igt_assert_eq(mprotect(argbuf + 2 * PAGE_SZ, PAGE_SZ, PROT_NONE), 0);
	igt_assert_eq(munmap(argbuf + 3 * PAGE_SZ, PAGE_SZ), 0);

	wsrc = map_guarded(ARENA_SZ, PROT_READ | PROT_WRITE);
	rdst = map_guarded(ARENA_SZ, PROT_READ | PROT_WRITE);
	locbuf = map_guarded(DRM_VSVM_RESIDENCY_MAX_PAGES * sizeof(__u32),
			     PROT_READ | PROT_WRITE);
	attrbuf = map_guarded(ATTRBUF_N * sizeof(*attrbuf),
			      PROT_READ | PROT_WRITE);
}

static int kind_at(__u64 va)
{
	__u64 a = (uintptr_t)arena;

	if (va >= a && va < a + ARENA_SZ)
		return kinds[(va - a) / SLOT_SZ];
	return SK_HOLE;
}

static bool in_arena(__u64 va)
{
	return va >= (uintptr_t)arena && va < (uintptr_t)arena + ARENA_SZ;
}

/* ---- calls ---- */

union fargs {
	struct drm_vsvm_query query;
	struct drm_vsvm_vm_create create;
	struct drm_vsvm_vm_destroy destroy;
	struct drm_vsvm_devmem_open open;
	struct drm_vsvm_exec exec;
	struct drm_vsvm_madvise madvise;
	struct drm_vsvm_query_range_attrs qra;
	struct drm_vsvm_prefetch prefetch;
	struct drm_vsvm_residency res;
};

enum argmode {
	AM_NORMAL, AM_RO, AM_NULL, AM_KERNEL, AM_HOLE, AM_STRADDLE,
	AM_PROTNONE, AM_NR,
};

static const char * const am_names[AM_NR] = {
	"", " arg:ro", " arg:null", " arg:kernel", " arg:unmapped",
	" arg:straddle", " arg:prot-none",
};

struct fcall {
	int type;
	struct fdev *d;
	/* the fd ioctl() is called on, normally d->fd */
	int fd;
	int argmode;
	union fargs a;
	/* errnos the faults explain; ok[0]: success is possible */
	bool ok[NERRNO];
	bool hard;
	/* only the argument fault's errnos count: nothing else runs */
	bool exclusive;
	/* a validation fault: the call fails before touching memory */
	bool invalid;
	/* MADVISE/PREFETCH: the device index of the pagemap fd */
	int pm_dev;
	char desc[160];
};

static void allow(struct fcall *c, int err, bool hard)
{
	c->ok[err] = true;
	if (hard)
		c->hard = true;
}

static void invalid(struct fcall *c, int err)
{
	allow(c, err, true);
	c->invalid = true;
}

static void add_desc(struct fcall *c, const char *f, ...) __attribute__((format(printf, 2, 3)));

static void add_desc(struct fcall *c, const char *f, ...)
{
	size_t n = strlen(c->desc);
	va_list ap;

	va_start(ap, f);
	vsnprintf(c->desc + n, sizeof(c->desc) - n, f, ap);
	va_end(ap);
}

/*
 * Classify the memory [va, va + len) for an access: unmapped pages give
 * -EFAULT, PROT_NONE -EFAULT (or -EPERM for a write), read-only -EPERM
 * for a write. Returns false if the range may hold memory the fuzzer does
 * not know (then the call is not made).
 */
static bool classify(struct fcall *c, __u64 va, __u64 len, bool write)
{
	__u64 p, end;

	if (!len || va + len < va)
		return true;
	end = va + len;
	for (p = va & ~(PAGE_SZ - 1); p < end; p += PAGE_SZ) {
		int k;

		if (!in_arena(p)) {
			if (p >= 0x10000 && p < 0x00007ffffffff000ull)
				return false;
			allow(c, EFAULT, true);
			if (p >= 0x00007ffffffff000ull)
				return true;
			continue;
		}
		k = kind_at(p);
		if (k == SK_FOREIGN)
			return false;
		if (k == SK_HOLE &&
		    !range_unmapped((void *)(uintptr_t)p, PAGE_SZ)) {
			kinds[(p - (uintptr_t)arena) / SLOT_SZ] = SK_FOREIGN;
			return false;
		}
		if (k == SK_HOLE) {
			allow(c, EFAULT, true);
		} else if (k == SK_NONE) {
			allow(c, EFAULT, true);
			if (write)
				allow(c, EPERM, true);
		} else if (k == SK_RO && write) {
			allow(c, EPERM, true);
		}
	}
	return true;
}

/* A run of slots of a kind that @pred accepts: [*va, *va + *len). */
static bool pick_run(bool (*pred)(int), __u64 *va, __u64 *len)
{
	int s = below(NSLOTS), tries, e;

	for (tries = 0; tries < NSLOTS && !pred(kinds[s]); tries++)
		s = (s + 1) % NSLOTS;
	if (!pred(kinds[s]))
		return false;
	for (e = s + 1; e < NSLOTS && pred(kinds[e]) && chance(50); e++)
		;
	*va = (uintptr_t)slot_ptr(s);
	*len = (__u64)(e - s) * SLOT_SZ;
	return true;
}

/* A random page-aligned sub-range of a run. */
static void sub_range(__u64 *va, __u64 *len, __u64 align)
{
	__u64 n = *len / align, a = below(n), b = a + 1 + below(n - a);

	*va += a * align;
	*len = (b - a) * align;
}

/* A VA range that is not all valid memory, page aligned or not. */
static void bad_range(__u64 *va, __u64 *len, bool aligned)
{
	__u64 a = (uintptr_t)arena;

	switch (below(5)) {
	case 0:	/* anywhere in the arena, holes and all */
		*va = a + below(ARENA_PAGES) * PAGE_SZ;
		*len = (1 + below(2 * SLOT_PAGES)) * PAGE_SZ;
		if (*va + *len > a + ARENA_SZ)
			*len = a + ARENA_SZ - *va;
		break;
	case 1:
		*va = LOW_VA + below(4) * PAGE_SZ;
		*len = (1 + below(4)) * PAGE_SZ;
		break;
	case 2:
		*va = KERNEL_VA + below(1024) * PAGE_SZ;
		*len = (1 + below(4)) * PAGE_SZ;
		break;
	case 3:
		*va = NONCANON_VA + below(1024) * PAGE_SZ;
		*len = (1 + below(4)) * PAGE_SZ;
		break;
	default:
		*va = KTEXT_VA;
		*len = PAGE_SZ;
		break;
	}
	if (!aligned && chance(50))
		*va += 1 + below(PAGE_SZ - 1);
}

/* A vm id that is not a VM of @d's file. */
static __u32 bad_vm_id(const struct fdev *d)
{
	__u32 id;
	int i;

	for (;;) {
		switch (below(4)) {
		case 0:
			id = 0;
			break;
		case 1:
			id = d->n_extra || !d->dead[0] ?
			     (__u32)rnd() : d->dead[below(4)];
			break;
		case 2:
			id = devs[below(n_devs)].vm + 1 + below(3);
			break;
		default:
			id = (__u32)rnd() | 0x80000000u;
			break;
		}
		if (!id && below(2))
			id = ~0u;
		if (id == d->vm)
			continue;
		for (i = 0; i < d->n_extra; i++)
			if (d->extra[i] == id)
				break;
		if (i == d->n_extra)
			return id;
	}
}

/* A fd that is not open. */
static int closed_fd(void)
{
	int fd;

	do {
		fd = 900 + below(100);
	} while (fcntl(fd, F_GETFD) != -1);
	return fd;
}

/*
 * A pagemap fd field for MADVISE/PREFETCH on @c->d: a usable one, or with
 * @fault one that is closed, negative, not a pagemap, or of a device
 * without a link.
 */
static __s32 pick_pm_fd(struct fcall *c, bool fault)
{
	int j, tries;

	if (!fault) {
		for (tries = 0; tries < 8; tries++) {
			j = below(n_devs);
			if (c->d->linked[j] || c->d == &devs[j])
				break;
		}
		if (!c->d->linked[j] && c->d != &devs[j])
			j = c->d - devs;
		c->pm_dev = j;
		add_desc(c, " pm:dev%d", j);
		return devs[j].pmfd;
	}
	switch (below(4)) {
	case 0:
		add_desc(c, " pm:closed");
		invalid(c, EBADF);
		return closed_fd();
	case 1:
		add_desc(c, " pm:negative");
		invalid(c, EBADF);
		return chance(50) ? -1 : INT_MIN;
	case 2:
		add_desc(c, " pm:not-pagemap");
		invalid(c, EINVAL);
		return chance(50) ? null_fd : (chance(50) ? memfd : c->d->fd);
	default:
		for (j = 0; j < n_devs; j++)
			if (!c->d->linked[j] && c->d != &devs[j])
				break;
		if (j == n_devs) {
			add_desc(c, " pm:closed");
			invalid(c, EBADF);
			return closed_fd();
		}
		add_desc(c, " pm:unlinked-dev%d", j);
		invalid(c, ENOLINK);
		return devs[j].pmfd;
	}
}

/* ---- generators: build a call of a type with @nf faults ---- */

#define MAX_FAULTS	4

/*
 * Pick @n fault kinds below @nkinds, in the order they apply: by @prio,
 * so that a fault that replaces a range comes before one that breaks a
 * field of it (which would otherwise be undone).
 */
static void pick_faults_ordered(int *f, int n, int nkinds, const int *prio)
{
	int i, j, x;

	for (i = 0; i < n; i++)
		f[i] = below(nkinds);
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && prio[f[j]] < prio[f[j - 1]]; j--) {
			x = f[j];
			f[j] = f[j - 1];
			f[j - 1] = x;
		}
}

static void gen_query(struct fcall *c, int nf)
{
	struct drm_vsvm_query *q = &c->a.query;
	int i;

	q->query = below(2);
	q->size = chance(20) ? 0 : 4096;
	q->data = (uintptr_t)rdst;
	add_desc(c, " query=%u size=%u", q->query, q->size);
	for (i = 0; i < nf; i++) {
		switch (below(4)) {
		case 0:
			q->flags = 1u << below(32);
			add_desc(c, " flags=%#x", q->flags);
			invalid(c, EINVAL);
			break;
		case 1:
			if (chance(50))
				q->pad = 1;
			else
				q->reserved[below(2)] = rnd() | 1;
			add_desc(c, " reserved");
			invalid(c, EINVAL);
			break;
		case 2:
			q->query = 2 + below(100);
			add_desc(c, " query=%u", q->query);
			invalid(c, EINVAL);
			break;
		default:
			if (chance(50)) {
				q->size = 1 + below(8);
				add_desc(c, " size=%u", q->size);
				invalid(c, EINVAL);
			} else if (q->size) {
				q->data = chance(50) ? 0 : KERNEL_VA;
				add_desc(c, " data=%#llx",
					 (unsigned long long)q->data);
				allow(c, EFAULT, true);
			}
			break;
		}
	}
}

static void gen_vm_create(struct fcall *c, int nf)
{
	struct drm_vsvm_vm_create *v = &c->a.create;

	if (nf) {
		if (chance(50))
			v->flags = 1u << below(32);
		else
			v->reserved[below(2)] = rnd() | 1;
		add_desc(c, " flags/reserved");
		invalid(c, EINVAL);
	}
	if (c->d->n_extra >= MAX_EXTRA_VMS && !c->hard) {
		/* no room left in our table: make it a destroy instead */
		c->type = -1;
	}
}

static void gen_vm_destroy(struct fcall *c, int nf)
{
	struct drm_vsvm_vm_destroy *v = &c->a.destroy;
	int i;

	if (c->d->n_extra) {
		v->vm_id = c->d->extra[below(c->d->n_extra)];
	} else {
		v->vm_id = bad_vm_id(c->d);
		invalid(c, ENOENT);
	}
	for (i = 0; i < nf; i++) {
		if (chance(50)) {
			v->vm_id = bad_vm_id(c->d);
			invalid(c, ENOENT);
		} else {
			if (chance(50))
				v->pad = 1;
			else
				v->reserved[below(2)] = rnd() | 1;
			add_desc(c, " pad/reserved");
			invalid(c, EINVAL);
		}
	}
	add_desc(c, " vm=%u", v->vm_id);
}

static void gen_devmem_open(struct fcall *c, int nf)
{
	struct drm_vsvm_devmem_open *o = &c->a.open;
	int i;

	for (i = 0; i < nf; i++) {
		switch (below(4)) {
		case 0:
			o->flags = 1u << below(32);
			break;
		case 1:
			o->region = 1 + below(8);
			break;
		case 2:
			o->pad = 1;
			break;
		default:
			o->reserved[below(2)] = rnd() | 1;
			break;
		}
		add_desc(c, " flags/region/pad/reserved");
		invalid(c, EINVAL);
	}
	/* in: the fd field is ignored */
	o->fd = rnd();
}

static bool pred_readable(int k)
{
	return sk_readable(k);
}

static bool pred_writable(int k)
{
	return sk_writable(k);
}

static bool pred_any(int k)
{
	return k != SK_FOREIGN;
}

static bool gen_exec(struct fcall *c, int nf)
{
	/* range replacements, wrap, ptr, alignment, size, then fields */
	static const int prio[12] = { 6, 6, 6, 6, 6, 4, 3, 1, 5, 0, 0, 2 };
	static const __u32 widths[] = { 1, 2, 4, 8 };
	struct drm_vsvm_exec *e = &c->a.exec;
	bool write, overlapped = false;
	int f[MAX_FAULTS];
	__u64 va, len, sva = 0, slen;
	int i;

	e->vm_id = c->d->vm;
	e->op = 1 + below(5);
	write = e->op != DRM_VSVM_EXEC_READ;
	if (!pick_run(write ? pred_writable : pred_readable, &va, &len))
		return false;
	switch (e->op) {
	case DRM_VSVM_EXEC_FILL:
		e->width = widths[below(4)];
		e->value = rnd();
		break;
	case DRM_VSVM_EXEC_ATOMIC_INC:
		e->width = chance(50) ? 4 : 8;
		e->value = chance(50) ? 1 : below(1000);
		break;
	default:
		break;
	}
	sub_range(&va, &len, PAGE_SZ);
	/* not page aligned inside, multiples of the width */
	if (chance(50) && len > PAGE_SZ) {
		__u64 w = e->width ? e->width : 1;
		__u64 cut = below(PAGE_SZ / w) * w;

		va += cut;
		len -= cut + below(PAGE_SZ / w) * w;
	}
	if (e->op == DRM_VSVM_EXEC_COPY) {
		/* the source: a readable run of the same size, disjoint */
		for (i = 0; i < 8; i++) {
			if (!pick_run(pred_readable, &sva, &slen) || slen < len)
				continue;
			sva += below((slen - len) / 8 + 1) * 8;
			if (sva + len <= va || va + len <= sva)
				break;
		}
		if (i == 8)
			return false;
		e->src_va = sva;
	}
	if (e->op == DRM_VSVM_EXEC_READ || e->op == DRM_VSVM_EXEC_WRITE) {
		e->ptr = (uintptr_t)(e->op == DRM_VSVM_EXEC_READ ? rdst : wsrc);
		if (e->op == DRM_VSVM_EXEC_WRITE)
			fill_random(wsrc, len);
	}
	e->va = va;
	e->size = len;

	pick_faults_ordered(f, nf, 12, prio);
	for (i = 0; i < nf; i++) {
		switch (f[i]) {
		case 0:
			e->flags = 1u << below(32);
			add_desc(c, " flags");
			invalid(c, EINVAL);
			break;
		case 1:
			e->reserved[below(2)] = rnd() | 1;
			add_desc(c, " reserved");
			invalid(c, EINVAL);
			break;
		case 2:
			e->op = chance(50) ? 0 : 6 + below(1000);
			add_desc(c, " op=%u", e->op);
			invalid(c, EINVAL);
			break;
		case 3:
			e->width = chance(50) ? 3 : 16 << below(4);
			if (e->op == DRM_VSVM_EXEC_ATOMIC_INC && chance(50))
				e->width = 1 << below(2);
			add_desc(c, " width=%u", e->width);
			invalid(c, EINVAL);
			break;
		case 4:
			/* a field the op does not use */
			if (e->op == DRM_VSVM_EXEC_READ ||
			    e->op == DRM_VSVM_EXEC_WRITE)
				e->src_va = e->va + 0x100000;
			else
				e->ptr = (uintptr_t)wsrc;
			add_desc(c, " unused-field");
			invalid(c, EINVAL);
			break;
		case 5:
			e->size = 0;
			add_desc(c, " size=0");
			invalid(c, EINVAL);
			break;
		case 6:
			if (e->width > 1) {
				/* misaligned however often it is done */
				e->va &= ~((__u64)e->width - 1);
				e->va += 1 + below(e->width - 1);
				add_desc(c, " misaligned");
				invalid(c, EINVAL);
			}
			break;
		case 7:
			e->va = (~0ull - below(PAGE_SZ / 2)) & ~7ull;
			e->size = PAGE_SZ;
			add_desc(c, " wraps");
			invalid(c, EINVAL);
			break;
		case 8:
			e->size = DRM_VSVM_EXEC_MAX_SIZE + 8 * (1 + below(64));
			if (chance(30))
				e->size = ~0ull & ~7ull;
			add_desc(c, " size=%#llx",
				 (unsigned long long)e->size);
			if (e->va + e->size < e->va)
				invalid(c, EINVAL);
			invalid(c, E2BIG);
			break;
		case 9:
		case 10:
			if (e->op == DRM_VSVM_EXEC_COPY && chance(50)) {
				e->src_va = e->va + below(e->size);
				add_desc(c, " overlap");
				invalid(c, EINVAL);
				overlapped = true;
				break;
			}
			bad_range(&va, &len, false);
			if (e->width > 1)
				va &= ~((__u64)e->width - 1);
			len &= ~7ull;
			if (!len)
				len = 8;
			if (e->op == DRM_VSVM_EXEC_COPY && chance(50) &&
			    (va + len <= e->va || e->va + len <= va) &&
			    !(va < e->src_va + e->size &&
			      e->src_va < va + e->size)) {
				e->src_va = va;
			} else {
				e->va = va;
			}
			e->size = len;
			add_desc(c, " bad-va");
			/*
			 * Moving a COPY's source or destination may undo an
			 * earlier overlap: the bad VA then faults (classified
			 * with the rest below).
			 */
			if (overlapped)
				allow(c, EFAULT, true);
			break;
		default:
			if (e->op != DRM_VSVM_EXEC_READ &&
			    e->op != DRM_VSVM_EXEC_WRITE)
				break;
			switch (below(4)) {
			case 0:
				e->ptr = 0;
				break;
			case 1:
				e->ptr = KERNEL_VA;
				break;
			case 2:
				/*
				 * Runs into the guard page after the buffer:
				 * from the buffer itself, not from a @ptr an
				 * earlier fault of this call moved elsewhere.
				 */
				e->ptr = (uintptr_t)(e->op == DRM_VSVM_EXEC_READ ?
						     rdst : wsrc) +
					 ARENA_SZ - e->size / 2;
				break;
			default:
				e->ptr = e->op == DRM_VSVM_EXEC_READ ?
					 (uintptr_t)argbuf + PAGE_SZ :
					 (uintptr_t)argbuf + 2 * PAGE_SZ;
				if (e->size > PAGE_SZ)
					e->size = PAGE_SZ;
				break;
			}
			add_desc(c, " ptr=%#llx", (unsigned long long)e->ptr);
			allow(c, EFAULT, true);
			break;
		}
	}
	/* a COPY must not overlap itself after the faults */
	if (e->op == DRM_VSVM_EXEC_COPY && !c->invalid && e->size &&
	    e->src_va < e->va + e->size && e->va < e->src_va + e->size)
		invalid(c, EINVAL);
	/* nor may the user buffer of a READ or WRITE (one that wraps faults) */
	if ((e->op == DRM_VSVM_EXEC_READ || e->op == DRM_VSVM_EXEC_WRITE) &&
	    e->size && e->ptr + (e->size - 1) >= e->ptr &&
	    e->ptr < e->va + e->size && e->va < e->ptr + e->size)
		allow(c, EINVAL, true);
	add_desc(c, " op=%u w=%u va=%#llx size=%#llx src=%#llx", e->op,
		 e->width, (unsigned long long)e->va,
		 (unsigned long long)e->size, (unsigned long long)e->src_va);
	/*
	 * An overlap that a later bad-va undid no longer makes the call
	 * invalid: unless another field does, it reaches the memory, which
	 * may answer for itself (-EPERM for a write to read-only memory).
	 */
	if (c->invalid && overlapped && e->size &&
	    e->size <= ARENA_SZ + 16 * PAGE_SZ &&
	    (e->src_va >= e->va + e->size || e->va >= e->src_va + e->size) &&
	    (!classify(c, e->va, e->size, write) ||
	     !classify(c, e->src_va, e->size, false)))
		return false;
	if (c->invalid)
		return true;
	if (e->size > ARENA_SZ + 16 * PAGE_SZ)
		return false;
	if (!classify(c, e->va, e->size, write))
		return false;
	if (e->op == DRM_VSVM_EXEC_COPY &&
	    !classify(c, e->src_va, e->size, false))
		return false;
	return true;
}

/* Range fields shared by MADVISE, QRA and PREFETCH: start, range. */
static void gen_range(struct fcall *c, __u64 *start, __u64 *range, int nf,
		      bool need_mapped)
{
	__u64 va, len;

	if (!pick_run(need_mapped ? pred_readable : pred_any, &va, &len)) {
		va = (uintptr_t)arena;
		len = ARENA_SZ;
	}
	if (chance(20)) {
		va = (uintptr_t)arena;
		len = ARENA_SZ;
	}
	sub_range(&va, &len, PAGE_SZ);
	*start = va;
	*range = len;
	if (!nf)
		return;
	switch (below(5)) {
	case 0:
		if (chance(50))
			*start += 1 + below(PAGE_SZ - 1);
		else
			*range += 1 + below(PAGE_SZ - 1);
		add_desc(c, " misaligned");
		invalid(c, EINVAL);
		break;
	case 1:
		*range = 0;
		add_desc(c, " range=0");
		invalid(c, EINVAL);
		break;
	case 2:
		*start = ~0ull - PAGE_SZ * below(4) - PAGE_SZ + 1;
		*range = PAGE_SZ * (8 + below(8));
		add_desc(c, " wraps");
		invalid(c, EINVAL);
		break;
	default:
		bad_range(start, range, true);
		add_desc(c, " va=%#llx", (unsigned long long)*start);
		if (!in_arena(*start))
			c->ok[EINVAL] = true;
		break;
	}
}

/* The MADVISE types, 1 to MADV_TYPES, and the values of each. */
#define MADV_TYPES	DRM_VSVM_MADVISE_READ_MOSTLY

static __u32 madv_values(__u32 type)
{
	switch (type) {
	case DRM_VSVM_MADVISE_PREFERRED_LOC:
		return DRM_VSVM_LOCATION_PAGEMAP_FD + 1;
	case DRM_VSVM_MADVISE_MIGRATION_POLICY:
		return DRM_VSVM_MIGRATE_ONLY_SYSTEM_PAGES + 1;
	case DRM_VSVM_MADVISE_ATOMIC:
		return DRM_VSVM_ATOMIC_CPU + 1;
	case DRM_VSVM_MADVISE_THRASHING:
		return DRM_VSVM_THRASHING_OFF + 1;
	case DRM_VSVM_MADVISE_ACCESS_COUNTERS:
		return DRM_VSVM_ACCESS_COUNTERS_OFF + 1;
	default:
		return DRM_VSVM_READ_MOSTLY_ON + 1;
	}
}

static void gen_madvise(struct fcall *c, int nf)
{
	struct drm_vsvm_madvise *m = &c->a.madvise;
	int i, f = nf ? below(nf + 1) : 0;
	bool fdfault = false;

	m->vm_id = c->d->vm;
	m->type = 1 + below(MADV_TYPES);
	m->value = below(madv_values(m->type));
	/* one fault may be in the range, the others in the fields */
	gen_range(c, &m->start, &m->range, f ? 1 : 0, false);
	for (i = f ? 1 : 0; i < nf; i++) {
		switch (below(6)) {
		case 0:
			m->reserved[below(2)] = rnd() | 1;
			add_desc(c, " reserved");
			invalid(c, EINVAL);
			break;
		case 1:
			m->type = chance(50) ? 0 : MADV_TYPES + 1 + below(100);
			add_desc(c, " type=%u", m->type);
			invalid(c, EINVAL);
			break;
		case 2:
			m->value = madv_values(m->type) + below(100);
			add_desc(c, " value=%u", m->value);
			invalid(c, EINVAL);
			break;
		case 3:
			m->vm_id = bad_vm_id(c->d);
			add_desc(c, " vm=%u", m->vm_id);
			invalid(c, ENOENT);
			break;
		default:
			fdfault = true;
			break;
		}
	}
	if (m->type == DRM_VSVM_MADVISE_PREFERRED_LOC &&
	    m->value == DRM_VSVM_LOCATION_PAGEMAP_FD) {
		m->fd = pick_pm_fd(c, fdfault);
	} else if (fdfault) {
		m->fd = chance(50) ? c->d->pmfd : 1 + (int)below(100);
		add_desc(c, " stray-fd");
		invalid(c, EINVAL);
	}
	add_desc(c, " type=%u value=%u start=%#llx range=%#llx", m->type,
		 m->value, (unsigned long long)m->start,
		 (unsigned long long)m->range);
}

static void gen_qra(struct fcall *c, int nf)
{
	struct drm_vsvm_query_range_attrs *q = &c->a.qra;
	int i, f = nf ? below(nf + 1) : 0;

	q->vm_id = c->d->vm;
	gen_range(c, &q->start, &q->range, f ? 1 : 0, false);
	q->num_attrs = chance(20) ? 0 : ATTRBUF_N;
	q->attrs = (uintptr_t)attrbuf;
	for (i = f ? 1 : 0; i < nf; i++) {
		switch (below(4)) {
		case 0:
			q->reserved[below(2)] = rnd() | 1;
			add_desc(c, " reserved");
			invalid(c, EINVAL);
			break;
		case 1:
			q->vm_id = bad_vm_id(c->d);
			add_desc(c, " vm=%u", q->vm_id);
			invalid(c, ENOENT);
			break;
		case 2:
			if (q->num_attrs) {
				q->attrs = chance(30) ? 0 : chance(50) ?
					   KERNEL_VA :
					   (uintptr_t)argbuf + PAGE_SZ;
				add_desc(c, " attrs=%#llx",
					 (unsigned long long)q->attrs);
				allow(c, EFAULT, true);
			}
			break;
		default:
			/* maybe too small: -ENOSPC if there are more */
			q->num_attrs = 1;
			add_desc(c, " num_attrs=1");
			allow(c, ENOSPC, false);
			break;
		}
	}
	add_desc(c, " start=%#llx range=%#llx n=%u",
		 (unsigned long long)q->start, (unsigned long long)q->range,
		 q->num_attrs);
}

static bool gen_prefetch(struct fcall *c, int nf)
{
	struct drm_vsvm_prefetch *p = &c->a.prefetch;
	int i, f = nf ? below(nf + 1) : 0;
	bool fdfault = false;

	p->vm_id = c->d->vm;
	p->location = 1 + below(3);
	gen_range(c, &p->start, &p->range, f ? 1 : 0, true);
	for (i = f ? 1 : 0; i < nf; i++) {
		switch (below(5)) {
		case 0:
			if (chance(50))
				p->flags = 1u << below(32);
			else
				p->reserved[below(2)] = rnd() | 1;
			add_desc(c, " flags/reserved");
			invalid(c, EINVAL);
			break;
		case 1:
			p->location = chance(50) ? 0 : 4 + below(100);
			add_desc(c, " location=%u", p->location);
			invalid(c, EINVAL);
			break;
		case 2:
			p->vm_id = bad_vm_id(c->d);
			add_desc(c, " vm=%u", p->vm_id);
			invalid(c, ENOENT);
			break;
		default:
			fdfault = true;
			break;
		}
	}
	if (p->location == DRM_VSVM_LOCATION_PAGEMAP_FD) {
		p->fd = pick_pm_fd(c, fdfault);
	} else if (fdfault) {
		p->fd = chance(50) ? c->d->pmfd : 1 + (int)below(100);
		add_desc(c, " stray-fd");
		invalid(c, EINVAL);
	}
	add_desc(c, " loc=%u start=%#llx range=%#llx", p->location,
		 (unsigned long long)p->start, (unsigned long long)p->range);
	if (c->invalid)
		return true;
	if (!in_arena(p->start)) {
		/* kernel or non-canonical: not mapped, or not user VA */
		if (p->start >= 0x10000 && p->start < 0x00007ffffffff000ull)
			return false;
		allow(c, EFAULT, true);
		c->ok[EINVAL] = true;
		return true;
	}
	{
		struct fcall tmp = {};
		__u64 a;

		/* PREFETCH needs every page mapped; PROT_NONE is mapped */
		if (!classify(&tmp, p->start, p->range, false))
			return false;
		for (a = p->start; a < p->start + p->range; a += PAGE_SZ) {
			if (!in_arena(a) || kind_at(a) == SK_HOLE)
				allow(c, EFAULT, true);
			else if (kind_at(a) == SK_NONE)
				allow(c, EFAULT, false);
		}
	}
	return true;
}

static void gen_residency(struct fcall *c, int nf)
{
	/* the start first, then its alignment, the size, the fields */
	static const int prio[7] = { 3, 1, 2, 0, 3, 3, 0 };
	struct drm_vsvm_residency *r = &c->a.res;
	int f[MAX_FAULTS];
	int i;

	r->vm_id = c->d->vm;
	r->start = (uintptr_t)arena + below(ARENA_PAGES) * PAGE_SZ;
	r->num_pages = 1 + below(ARENA_PAGES);
	if (chance(5))
		r->num_pages = DRM_VSVM_RESIDENCY_MAX_PAGES;
	r->locations = (uintptr_t)locbuf;

	pick_faults_ordered(f, nf, 7, prio);
	for (i = 0; i < nf; i++) {
		if (i && f[i] == f[i - 1] && (f[i] == 3 || f[i] == 6))
			continue;
		if (i && ((f[i] == 3 && f[i - 1] == 6) ||
			  (f[i] == 6 && f[i - 1] == 3)))
			continue;
		switch (f[i]) {
		case 0:
			if (chance(50))
				r->flags = 2u << below(31);
			else
				r->reserved[below(2)] = rnd() | 1;
			add_desc(c, " flags/reserved");
			invalid(c, EINVAL);
			break;
		case 1:
			r->start += 1 + below(PAGE_SZ - 1);
			add_desc(c, " misaligned");
			invalid(c, EINVAL);
			break;
		case 2:
			r->num_pages = chance(50) ? 0 :
				DRM_VSVM_RESIDENCY_MAX_PAGES + 1 + below(1000);
			if (chance(20))
				r->num_pages = ~0ull;
			add_desc(c, " num_pages=%#llx",
				 (unsigned long long)r->num_pages);
			invalid(c, EINVAL);
			break;
		case 3:
			r->start = ~0ull - PAGE_SZ + 1 - PAGE_SZ * below(4);
			r->num_pages = 8;
			add_desc(c, " wraps");
			invalid(c, EINVAL);
			break;
		case 4:
			r->vm_id = bad_vm_id(c->d);
			add_desc(c, " vm=%u", r->vm_id);
			invalid(c, ENOENT);
			break;
		case 5:
			r->locations = chance(30) ? 0 : chance(50) ?
				KERNEL_VA : (uintptr_t)argbuf + PAGE_SZ;
			add_desc(c, " locations=%#llx",
				 (unsigned long long)r->locations);
			allow(c, EFAULT, true);
			break;
		default:
			r->start = chance(50) ? KERNEL_VA : NONCANON_VA;
			r->num_pages = 1 + below(8);
			add_desc(c, " start=%#llx",
				 (unsigned long long)r->start);
			c->ok[EINVAL] = true;
			c->ok[EFAULT] = true;
			break;
		}
	}
	add_desc(c, " start=%#llx n=%llu", (unsigned long long)r->start,
		 (unsigned long long)r->num_pages);
}

/*
 * Build a call of @type on device @d with @nf faults.
 * Return: false when no call could be built (try another).
 */
static bool gen_call(struct fcall *c, int type, struct fdev *d, int nf)
{
	int argf = 0;

	memset(c, 0, sizeof(*c));
	c->type = type;
	c->d = d;
	c->fd = d->fd;
	c->pm_dev = -1;
	snprintf(c->desc, sizeof(c->desc), "%s dev%d", ft_names[type],
		 (int)(d - devs));
	/* one fault in four goes to the argument or the target */
	if (nf && chance(20)) {
		argf = 1;
		nf--;
	}
	switch (type) {
	case FT_QUERY:
		gen_query(c, nf);
		break;
	case FT_VM_CREATE:
		gen_vm_create(c, nf);
		if (c->type < 0) {
			c->type = FT_VM_DESTROY;
			c->hard = false;
			gen_vm_destroy(c, 0);
		}
		break;
	case FT_VM_DESTROY:
		gen_vm_destroy(c, nf);
		break;
	case FT_DEVMEM_OPEN:
		gen_devmem_open(c, nf);
		break;
	case FT_EXEC:
		if (!gen_exec(c, nf))
			return false;
		break;
	case FT_MADVISE:
		gen_madvise(c, nf);
		break;
	case FT_QRA:
		gen_qra(c, nf);
		break;
	case FT_PREFETCH:
		if (!gen_prefetch(c, nf))
			return false;
		break;
	default:
		gen_residency(c, nf);
		break;
	}
	if (argf) {
		bool out = _IOC_DIR(ft_cmds[c->type]) & _IOC_READ;

		switch (below(8)) {
		case 0:
			c->fd = closed_fd();
			add_desc(c, " target:closed");
			memset(c->ok, 0, sizeof(c->ok));
			c->exclusive = true;
			allow(c, EBADF, true);
			return true;
		case 1:
			c->fd = chance(50) ? null_fd : memfd;
			add_desc(c, " target:not-drm");
			memset(c->ok, 0, sizeof(c->ok));
			c->exclusive = true;
			allow(c, ENOTTY, true);
			return true;
		default:
			c->argmode = AM_RO + below(AM_NR - AM_RO);
			add_desc(c, "%s", am_names[c->argmode]);
			if (c->argmode == AM_RO && !out)
				break;
			/*
			 * A read-only argument cannot take the answer: the
			 * call fails, with -EFAULT or (if the driver checks
			 * its fields first) the errno of another fault.
			 */
			if (c->argmode == AM_RO) {
				allow(c, EFAULT, true);
				break;
			}
			/* the DRM core cannot read it: nothing else runs */
			memset(c->ok, 0, sizeof(c->ok));
			c->exclusive = true;
			allow(c, EFAULT, true);
			break;
		}
	}
	return true;
}

/* ---- checks ---- */

struct pattr {
	__u32 loc, dev, pol, atom, thr, acc, rm;
};

/* Attributes of every arena page through @d's main VM; false on error. */
static bool get_attrs(struct fdev *d, struct pattr *pa)
{
	struct drm_vsvm_query_range_attrs q = {
		.vm_id = d->vm,
		.num_attrs = ATTRBUF_N,
		.start = (uintptr_t)arena,
		.range = ARENA_SZ,
		.attrs = (uintptr_t)attrbuf,
	};
	__u64 next = (uintptr_t)arena, p;
	int err = xioctl(d->fd, DRM_IOCTL_VSVM_QUERY_RANGE_ATTRS, &q);
	__u32 i;

	if (err) {
		fz_fail(INV_VALID, "QUERY_RANGE_ATTRS of the arena: %s",
			strerror(err));
		return false;
	}
	for (i = 0; i < q.num_attrs; i++) {
		const struct drm_vsvm_range_attr *r = &attrbuf[i];

		if (r->start != next || r->end <= r->start || r->reserved) {
			fz_fail(INV_ATTR,
				"interval %u [%#llx, %#llx) after %#llx", i,
				(unsigned long long)r->start,
				(unsigned long long)r->end,
				(unsigned long long)next);
			return false;
		}
		if (i && r->preferred_loc == r[-1].preferred_loc &&
		    r->preferred_device == r[-1].preferred_device &&
		    r->migration_policy == r[-1].migration_policy &&
		    r->atomic_mode == r[-1].atomic_mode &&
		    r->thrashing == r[-1].thrashing &&
		    r->access_counters == r[-1].access_counters &&
		    r->read_mostly == r[-1].read_mostly)
			fz_fail(INV_ATTR, "intervals %u and %u not merged",
				i - 1, i);
		for (p = r->start; p < r->end; p += PAGE_SZ) {
			struct pattr *x = &pa[(p - (uintptr_t)arena) / PAGE_SZ];

			x->loc = r->preferred_loc;
			x->dev = r->preferred_device;
			x->pol = r->migration_policy;
			x->atom = r->atomic_mode;
			x->thr = r->thrashing;
			x->acc = r->access_counters;
			x->rm = r->read_mostly;
		}
		next = r->end;
	}
	if (next != (uintptr_t)arena + ARENA_SZ) {
		fz_fail(INV_ATTR, "intervals end at %#llx, not %#llx",
			(unsigned long long)next,
			(unsigned long long)(uintptr_t)arena + ARENA_SZ);
		return false;
	}
	return true;
}

static bool get_residency(struct fdev *d, __u32 *loc)
{
	struct drm_vsvm_residency r = {
		.vm_id = d->vm,
		.start = (uintptr_t)arena,
		.num_pages = ARENA_PAGES,
		.locations = (uintptr_t)loc,
	};
	int err = xioctl(d->fd, DRM_IOCTL_VSVM_RESIDENCY, &r);
	int i, j;

	if (err) {
		fz_fail(INV_VALID, "RESIDENCY of the arena: %s", strerror(err));
		return false;
	}
	for (i = 0; i < ARENA_PAGES; i++) {
		int k = kinds[i / SLOT_PAGES];
		bool known = loc[i] <= DRM_VSVM_RESIDENCY_OTHER;

		for (j = 0; j < n_devs; j++)
			known |= loc[i] == DRM_VSVM_RESIDENCY_DEVICE(devs[j].index);
		if (!known || (k == SK_HOLE && loc[i]))
			fz_fail(INV_RES, "page %d of a %s slot: location %#x",
				i, slot_names[k], loc[i]);
	}
	return true;
}

/* Compare [lo, hi) of the arena with the shadow; resync after a report. */
static void check_data(__u64 lo, __u64 hi, const char *what)
{
	__u64 a = (uintptr_t)arena, p;

	if (lo < a)
		lo = a;
	if (hi > a + ARENA_SZ)
		hi = a + ARENA_SZ;
	for (p = lo & ~(PAGE_SZ - 1); p < hi; p += PAGE_SZ) {
		size_t off = p - a;
		int k = kinds[off / SLOT_SZ];

		if (!sk_readable(k))
			continue;
		if (memcmp(arena + off, shadow + off, PAGE_SZ)) {
			size_t i;

			for (i = 0; arena[off + i] == shadow[off + i]; i++)
				;
			fz_fail(INV_DATA,
				"%s: %s slot byte %#zx is %#x, expected %#x",
				what, slot_names[k], off + i, arena[off + i],
				shadow[off + i]);
			memcpy(shadow + off, arena + off, PAGE_SZ);
		}
	}
}

static void check_files(void)
{
	static __u8 buf[SLOT_SZ];
	int s;

	for (s = 0; s < NSLOTS; s++) {
		int fd = kinds[s] == SK_FSHARED ? file_fd :
			 kinds[s] == SK_MEMFD ? memfd : -1;

		if (fd < 0)
			continue;
		igt_assert_eq(pread(fd, buf, SLOT_SZ, (off_t)s * SLOT_SZ),
			      (ssize_t)SLOT_SZ);
		if (memcmp(buf, shadow + (size_t)s * SLOT_SZ, SLOT_SZ))
			fz_fail(INV_DATA, "the file behind %s slot %d differs",
				slot_names[kinds[s]], s);
	}
}

static void check_all_data(const char *what)
{
	check_data((uintptr_t)arena, (uintptr_t)arena + ARENA_SZ, what);
	check_files();
}

/* The bytes an EXEC would make of the arena: @img, a copy of the shadow. */
static void exec_image(const struct drm_vsvm_exec *e, __u8 *img)
{
	__u64 a = (uintptr_t)arena, lo, hi, va, i;

	lo = e->va > a ? e->va : a;
	hi = e->va + e->size > e->va && e->va + e->size < a + ARENA_SZ ?
	     e->va + e->size : a + ARENA_SZ;
	if (e->va + e->size <= e->va && e->size)
		hi = a + ARENA_SZ;
	for (va = lo; va < hi; va++) {
		size_t off = va - a;

		i = va - e->va;
		if (!sk_writable(kinds[off / SLOT_SZ]))
			continue;
		switch (e->op) {
		case DRM_VSVM_EXEC_WRITE:
			if (e->ptr >= (uintptr_t)wsrc &&
			    e->ptr + i < (uintptr_t)wsrc + ARENA_SZ)
				img[off] = wsrc[e->ptr - (uintptr_t)wsrc + i];
			break;
		case DRM_VSVM_EXEC_FILL:
			img[off] = e->value >> (8 * (i % e->width));
			break;
		case DRM_VSVM_EXEC_COPY:
			if (in_arena(e->src_va + i) &&
			    sk_readable(kind_at(e->src_va + i)))
				img[off] = shadow[e->src_va + i - a];
			break;
		case DRM_VSVM_EXEC_ATOMIC_INC:
			if ((i % e->width) == 0 && va + e->width <= hi) {
				__u64 v = 0;

				memcpy(&v, img + off, e->width);
				v += e->value;
				memcpy(img + off, &v, e->width);
			}
			break;
		default:
			break;
		}
	}
}

static __u8 img[ARENA_SZ];

/*
 * After an EXEC: with @done the arena must equal the op applied; without,
 * each byte (counter) of the range must be the old or the new value, and
 * nothing outside the range may change.
 */
static void check_exec(const struct fcall *c, bool done)
{
	const struct drm_vsvm_exec *e = &c->a.exec;
	__u64 a = (uintptr_t)arena, lo, hi, p;
	size_t off;

	memcpy(img, shadow, ARENA_SZ);
	exec_image(e, img);
	lo = e->va > a ? e->va : a;
	hi = e->va + e->size < a + ARENA_SZ ? e->va + e->size : a + ARENA_SZ;
	if (done) {
		memcpy(shadow, img, ARENA_SZ);
		if (e->op == DRM_VSVM_EXEC_READ) {
			if (memcmp(rdst, shadow + (e->va - a), e->size))
				fz_fail(INV_DATA, "EXEC READ read wrong data: %s",
					c->desc);
			return;
		}
		if (chance(50))
			check_data(lo, hi, "after EXEC");
		return;
	}
	if (e->op == DRM_VSVM_EXEC_READ || lo >= hi)
		return;
	/* partial work: old or new, per byte or per counter */
	for (p = lo & ~(PAGE_SZ - 1); p < hi; p += PAGE_SZ) {
		off = p - a;
		if (!sk_readable(kinds[off / SLOT_SZ]))
			continue;
		if (e->op == DRM_VSVM_EXEC_ATOMIC_INC) {
			size_t i;

			for (i = 0; i < PAGE_SZ; i += e->width)
				if (memcmp(arena + off + i, shadow + off + i,
					   e->width) &&
				    memcmp(arena + off + i, img + off + i,
					   e->width))
					fz_fail(INV_DATA,
						"counter at %#zx neither old nor new: %s",
						off + i, c->desc);
		} else {
			size_t i;

			for (i = 0; i < PAGE_SZ; i++)
				if (arena[off + i] != shadow[off + i] &&
				    arena[off + i] != img[off + i]) {
					fz_fail(INV_DATA,
						"byte %#zx neither old nor new: %s",
						off + i, c->desc);
					break;
				}
		}
		memcpy(shadow + off, arena + off, PAGE_SZ);
	}
}

static bool pattr_eq(const struct pattr *x, const struct pattr *y)
{
	return !memcmp(x, y, sizeof(*x));
}

static struct pattr attr_before[ARENA_PAGES], attr_after[ARENA_PAGES];
static __u32 res_before[ARENA_PAGES], res_after[ARENA_PAGES];

/* A successful MADVISE set its attribute on its range, nothing else. */
static void madvise_expect(const struct fcall *c)
{
	const struct drm_vsvm_madvise *m = &c->a.madvise;
	__u64 a = (uintptr_t)arena;
	int i;

	for (i = 0; i < ARENA_PAGES; i++) {
		__u64 p = a + (__u64)i * PAGE_SZ;
		struct pattr *x = &attr_before[i];

		if (p < m->start || p >= m->start + m->range)
			continue;
		switch (m->type) {
		case DRM_VSVM_MADVISE_PREFERRED_LOC:
			x->loc = m->value;
			x->dev = m->value == DRM_VSVM_LOCATION_DEVICE ?
				 c->d->index :
				 m->value == DRM_VSVM_LOCATION_PAGEMAP_FD ?
				 devs[c->pm_dev].index : 0;
			break;
		case DRM_VSVM_MADVISE_MIGRATION_POLICY:
			x->pol = m->value;
			break;
		case DRM_VSVM_MADVISE_THRASHING:
			x->thr = m->value;
			break;
		case DRM_VSVM_MADVISE_ACCESS_COUNTERS:
			x->acc = m->value;
			break;
		case DRM_VSVM_MADVISE_READ_MOSTLY:
			x->rm = m->value;
			break;
		default:
			x->atom = m->value;
			break;
		}
	}
}

static void prefetch_expect(const struct fcall *c)
{
	const struct drm_vsvm_prefetch *p = &c->a.prefetch;
	__u64 a = (uintptr_t)arena;
	__u32 want = 0;
	int i;

	if (p->location == DRM_VSVM_LOCATION_DEVICE)
		want = DRM_VSVM_RESIDENCY_DEVICE(c->d->index);
	else if (p->location == DRM_VSVM_LOCATION_PAGEMAP_FD)
		want = DRM_VSVM_RESIDENCY_DEVICE(devs[c->pm_dev].index);
	for (i = 0; i < ARENA_PAGES; i++) {
		__u64 va = a + (__u64)i * PAGE_SZ;
		int k = kinds[i / SLOT_PAGES];

		if (va < p->start || va >= p->start + p->range)
			continue;
		if (want && k == SK_ANON && res_after[i] != want)
			fz_fail(INV_RES,
				"PREFETCH to %#x left page %d of an anon slot at %#x: %s",
				want, i, res_after[i], c->desc);
		if (!want && sk_readable(k) &&
		    res_after[i] >= DRM_VSVM_RESIDENCY_DEVICE(0))
			fz_fail(INV_RES,
				"PREFETCH to system left page %d (%s) at %#x: %s",
				i, slot_names[k], res_after[i], c->desc);
	}
}

static void record_vm(struct fcall *c, __u32 id)
{
	struct fdev *d = c->d;
	int i;

	if (!id || id == d->vm)
		fz_fail(INV_OUT, "VM_CREATE returned id %u", id);
	for (i = 0; i < d->n_extra; i++)
		if (d->extra[i] == id)
			fz_fail(INV_OUT, "VM_CREATE returned a live id %u", id);
	if (d->n_extra < MAX_EXTRA_VMS)
		d->extra[d->n_extra++] = id;
}

static void forget_vm(struct fdev *d, __u32 id)
{
	int i;

	for (i = 0; i < d->n_extra; i++)
		if (d->extra[i] == id)
			d->extra[i] = d->extra[--d->n_extra];
	d->dead[below(4)] = id;
}

static void *place_arg(struct fcall *c, union fargs *arg)
{
	__u8 *p;

	switch (c->argmode) {
	case AM_RO:
		p = argbuf + PAGE_SZ;
		igt_assert_eq(mprotect(p, PAGE_SZ, PROT_READ | PROT_WRITE), 0);
		memcpy(p, &c->a, sizeof(c->a));
		igt_assert_eq(mprotect(p, PAGE_SZ, PROT_READ), 0);
		return p;
	case AM_NULL:
		return NULL;
	case AM_KERNEL:
		return (void *)(uintptr_t)KERNEL_VA;
	case AM_HOLE:
		return argbuf + 3 * PAGE_SZ;
	case AM_STRADDLE:
		return argbuf + 2 * PAGE_SZ - 8;
	case AM_PROTNONE:
		return argbuf + 2 * PAGE_SZ;
	default:
		*arg = c->a;
		return arg;
	}
}

static bool errno_documented(int type, int err)
{
	int i;

	if (err == ENOMEM || err == EINTR)
		return true;
	for (i = 0; ft_doc[type][i]; i++)
		if (ft_doc[type][i] == err)
			return true;
	return false;
}

/* Whether nothing of the call can have run (so nothing may change). */
static bool nothing_ran(const struct fcall *c, int err)
{
	if (c->exclusive && c->argmode != AM_RO)
		return true;
	switch (err) {
	case EINVAL: case E2BIG: case ENOENT: case EACCES: case EBADF:
	case ENOLINK: case ENOSPC: case ENOTTY:
		return true;
	default:
		return false;
	}
}

static void check_errno(const struct fcall *c, int err)
{
	const char *name = ft_names[c->type];

	/*
	 * -EBUSY is what EXEC and PREFETCH give when other threads kept
	 * racing them on the same pages: never when the call runs alone.
	 */
	if (err == EBUSY && !c->exclusive &&
	    (c->type == FT_EXEC || c->type == FT_PREFETCH))
		return;

	if (err >= NERRNO || (err && !errno_documented(c->type, err) &&
			      !(c->exclusive && c->ok[err])))
		fz_fail(INV_UNDOC, "%s returned %d (%s): %s", name, err,
			strerror(err), c->desc);
	else if (err && !c->ok[err] && !c->ok[0])
		fz_fail(INV_ERRNO, "%s returned %s, not a fault's errno: %s",
			name, strerror(err), c->desc);
	else if (err && !c->ok[err])
		fz_fail(INV_VALID, "%s returned %s on a valid call: %s", name,
			strerror(err), c->desc);
	else if (!err && !c->ok[0])
		fz_fail(INV_BADOK, "%s succeeded: %s", name, c->desc);
}

static void check_outputs(struct fcall *c, const union fargs *arg)
{
	__u64 old = 0;

	switch (c->type) {
	case FT_VM_CREATE:
		record_vm(c, arg->create.vm_id);
		break;
	case FT_VM_DESTROY:
		forget_vm(c->d, arg->destroy.vm_id);
		break;
	case FT_DEVMEM_OPEN:
		if (fcntl(arg->open.fd, F_GETFD) != FD_CLOEXEC)
			fz_fail(INV_OUT, "pagemap fd %d not close-on-exec: %s",
				arg->open.fd, c->desc);
		close(arg->open.fd);
		break;
	case FT_QUERY:
		if (arg->query.size == 0 || arg->query.size > 4096)
			fz_fail(INV_OUT, "QUERY size %u: %s", arg->query.size,
				c->desc);
		break;
	case FT_EXEC:
		if (arg->exec.op != DRM_VSVM_EXEC_ATOMIC_INC || c->hard)
			break;
		memcpy(&old, shadow + (arg->exec.va - (uintptr_t)arena),
		       arg->exec.width);
		if (arg->exec.result != old)
			fz_fail(INV_OUT, "ATOMIC_INC result %#llx, not %#llx: %s",
				(unsigned long long)arg->exec.result,
				(unsigned long long)old, c->desc);
		break;
	default:
		break;
	}
}

static void check_attr_change(const struct fcall *c, int err)
{
	int i;

	if (!get_attrs(c->d, attr_after))
		return;
	if (!err && c->type == FT_MADVISE)
		madvise_expect(c);
	for (i = 0; i < ARENA_PAGES; i++) {
		const struct pattr *x = &attr_after[i], *y = &attr_before[i];

		if (pattr_eq(x, y))
			continue;
		fz_fail(INV_ATTR,
			"page %d: %u %u %u %u, expected %u %u %u %u: %s", i,
			x->loc, x->dev, x->pol, x->atom, y->loc, y->dev,
			y->pol, y->atom, c->desc);
		break;
	}
}

static void check_exec_data(const struct fcall *c, int err)
{
	const struct drm_vsvm_exec *e = &c->a.exec;

	if (!err && c->argmode == AM_NORMAL && !c->hard) {
		check_exec(c, true);
		return;
	}
	if (nothing_ran(c, err)) {
		check_data(e->va, e->va + e->size, "after a failed EXEC");
		return;
	}
	/* the work ran, but the call failed: nothing may have changed */
	if (err && c->argmode == AM_RO)
		check_data(e->va, e->va + e->size,
			   "after an EXEC failed on its read-only argument");
	check_exec(c, false);
}

/* Run one call and check it. */
static void run_call(struct fcall *c)
{
	int fds_before, vms_before = -1, err, probe, now, want;
	bool migrating, strict_res;
	union fargs arg;
	void *argp;

	n_calls++;
	fz_log("#%lu %s", n_calls, c->desc);
	if (!c->hard)
		c->ok[0] = true;
	/* the state before; @probe: the fd a leaked fd would get */
	fds_before = vsvm_count_fds();
	probe = fcntl(null_fd, F_DUPFD_CLOEXEC, 0);
	close(probe);
	if (!shared_state)
		vms_before = live_vms(c->d);
	if (!get_attrs(c->d, attr_before) || !get_residency(c->d, res_before))
		return;

	argp = place_arg(c, &arg);
	err = xioctl(c->fd, ft_cmds[c->type], argp);

	/* (a) the errno */
	check_errno(c, err);

	/* the outputs */
	if (!err && c->argmode == AM_NORMAL)
		check_outputs(c, &arg);
	if (!err && c->argmode == AM_RO && c->type == FT_VM_DESTROY)
		forget_vm(c->d, c->a.destroy.vm_id);

	/* (b) the fd table */
	now = vsvm_count_fds();
	if (now != fds_before && err != EMFILE) {
		fz_fail(INV_FDS, "%d fds before, %d after (errno %d): %s",
			fds_before, now, err, c->desc);
		if (now > fds_before && fcntl(probe, F_GETFD) != -1)
			close(probe);
	}

	/* the VM count */
	if (vms_before >= 0) {
		want = vms_before;
		now = live_vms(c->d);
		if (!err && c->type == FT_VM_CREATE)
			want++;
		if (!err && c->type == FT_VM_DESTROY)
			want--;
		if (now != want)
			fz_fail(INV_VMS, "%d VMs before, %d after, not %d: %s",
				vms_before, now, want, c->desc);
	}
	/* a VM whose id we may not know: start a new file */
	if (err && c->type == FT_VM_CREATE && c->argmode == AM_RO) {
		dev_close(c->d);
		dev_reopen(c->d);
		return;
	}

	/* attributes: only a successful MADVISE changes them */
	check_attr_change(c, err);

	/* residency: only EXEC and PREFETCH migrate, not when nothing ran */
	migrating = c->type == FT_EXEC || c->type == FT_PREFETCH;
	strict_res = !migrating || nothing_ran(c, err) ||
		     (err && c->type == FT_PREFETCH && c->argmode == AM_RO);
	if (!get_residency(c->d, res_after))
		return;
	if (!shared_state && strict_res &&
	    memcmp(res_before, res_after, sizeof(res_before))) {
		int i;

		for (i = 0; res_before[i] == res_after[i]; i++)
			;
		fz_fail(INV_RES, "page %d moved from %#x to %#x (errno %d): %s",
			i, res_before[i], res_after[i], err, c->desc);
	}
	if (!shared_state && !err && c->type == FT_PREFETCH &&
	    c->argmode == AM_NORMAL)
		prefetch_expect(c);

	/* data */
	if (c->type == FT_EXEC)
		check_exec_data(c, err);
	else if (chance(10))
		check_all_data("after a call that writes no memory");
}

/* ---- memory operations between the calls ---- */

static void mem_op(void)
{
	int s = below(NSLOTS), k;
	bool was_mapped;

	if (kinds[s] == SK_FOREIGN)
		return;
	n_ops++;
	switch (below(4)) {
	case 0:	/* remap as any kind */
		k = below(SK_FOREIGN);
		was_mapped = kinds[s] != SK_HOLE;
		fz_log("remap slot %d %s -> %s", s, slot_names[kinds[s]],
		       slot_names[k]);
		if (kinds[s] == SK_HOLE && !range_unmapped(slot_ptr(s),
							   SLOT_SZ)) {
			kinds[s] = SK_FOREIGN;
			return;
		}
		slot_map(s, k);
		/* unmapped memory has the default attributes again */
		if (was_mapped) {
			int i, j;

			for (j = 0; j < n_devs; j++) {
				if (!get_attrs(&devs[j], attr_after))
					break;
				for (i = s * SLOT_PAGES;
				     i < (s + 1) * SLOT_PAGES; i++)
					if (attr_after[i].loc || attr_after[i].dev ||
					    attr_after[i].pol || attr_after[i].atom) {
						fz_fail(INV_ATTR,
							"dev%d: slot %d remapped, page %d keeps attributes %u %u %u %u",
							j, s, i, attr_after[i].loc,
							attr_after[i].dev,
							attr_after[i].pol,
							attr_after[i].atom);
						break;
					}
			}
		}
		break;
	case 1:	/* mprotect an anon slot read-only or back */
		if (kinds[s] == SK_ANON || kinds[s] == SK_RO) {
			k = kinds[s] == SK_ANON ? SK_RO : SK_ANON;
			fz_log("mprotect slot %d -> %s", s, slot_names[k]);
			check_data((uintptr_t)slot_ptr(s),
				   (uintptr_t)slot_ptr(s) + SLOT_SZ,
				   "before mprotect");
			igt_assert_eq(mprotect(slot_ptr(s), SLOT_SZ, k == SK_RO ?
					       PROT_READ : PROT_READ | PROT_WRITE),
				      0);
			kinds[s] = k;
		}
		break;
	case 2:	/* CPU writes */
		if (sk_writable(kinds[s])) {
			size_t off = below(SLOT_SZ - 64);

			fz_log("CPU write slot %d +%#zx", s, off);
			fill_random(shadow + (size_t)s * SLOT_SZ + off, 64);
			memcpy(slot_ptr(s) + off,
			       shadow + (size_t)s * SLOT_SZ + off, 64);
		}
		break;
	default:	/* CPU reads */
		fz_log("CPU check slot %d", s);
		check_data((uintptr_t)slot_ptr(s),
			   (uintptr_t)slot_ptr(s) + SLOT_SZ, "CPU read");
		break;
	}
}

/* ---- the loops ---- */

static void stress_for(struct vsvm_stress *sub, unsigned int pct)
{
	struct timespec now;
	__u64 ns;

	*sub = stress;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ns = (__u64)stress.seconds * pct * 10000000ull;
	sub->end.tv_sec = now.tv_sec + ns / 1000000000ull;
	sub->end.tv_nsec = now.tv_nsec + ns % 1000000000ull;
	if (sub->end.tv_nsec >= 1000000000) {
		sub->end.tv_sec++;
		sub->end.tv_nsec -= 1000000000;
	}
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static void begin(const char *name, __u64 stream)
{
	rng.seed = vsvm_stress_subseed(&stress, stream);
	memset(fails, 0, sizeof(fails));
	n_calls = 0;
	n_ops = 0;
	ioctls = 0;
	igt_info("%s: seed %llu\n", name, (unsigned long long)stress.seed);
}

static void end(const char *name, double t0)
{
	double t = now_s() - t0;
	int i;

	igt_info("%s: %lu fuzzed calls, %lu ioctls in all (%.0f/s), %lu memory ops, %lu failures, seed %llu\n",
		 name, n_calls, ioctls, ioctls / (t > 0 ? t : 1), n_ops,
		 total_fails(), (unsigned long long)stress.seed);
	for (i = 0; i < INV_NR; i++)
		if (fails[i])
			igt_info("  %s: %lu\n", inv_names[i], fails[i]);
	igt_assert_f(!total_fails(), "%lu invariant failures, seed %llu\n",
		     total_fails(), (unsigned long long)stress.seed);
}

static int pick_faults(bool exact)
{
	if (exact)
		return chance(20) ? 0 : 1;
	if (chance(40))
		return 0;
	return chance(50) ? 1 : 2 + below(2);
}

static void fuzz_one(bool exact)
{
	struct fcall c;
	int type = below(FT_NR);
	struct fdev *d = &devs[below(n_devs)];

	if (!gen_call(&c, type, d, pick_faults(exact)))
		return;
	run_call(&c);
}

/* VM_CREATE beyond the per-file limit: -ENOSPC, nothing created. */
static void vm_limit(struct fdev *d)
{
	int fd = open_minor(d->minor), i, err, before;
	struct drm_vsvm_vm_create v = {};

	for (i = 0; i < DRM_VSVM_VM_MAX_PER_FILE; i++)
		create_vm(fd);
	before = live_vms(d);
	v.vm_id = 0xdeadbeef;
	err = xioctl(fd, DRM_IOCTL_VSVM_VM_CREATE, &v);
	n_calls++;
	if (err != ENOSPC)
		fz_fail(INV_ERRNO, "VM_CREATE beyond the limit: %s",
			strerror(err));
	if (live_vms(d) != before)
		fz_fail(INV_VMS, "VM_CREATE beyond the limit created a VM");
	if (v.vm_id != 0xdeadbeef)
		fz_fail(INV_OUT, "failed VM_CREATE wrote vm_id %u", v.vm_id);
	close(fd);
}

static void test_fuzz(bool exact, const char *name, int pct, __u64 stream)
{
	struct vsvm_stress sub;
	double t0 = now_s();
	int i;

	begin(name, stream);
	stress_for(&sub, pct);
	if (exact)
		for (i = 0; i < n_devs; i++)
			vm_limit(&devs[i]);
	while (vsvm_stress_running(&sub)) {
		for (i = 0; i < 16; i++) {
			if (!exact && chance(10))
				mem_op();
			else
				fuzz_one(exact);
		}
		check_all_data("periodic check");
	}
	check_all_data("final check");
	end(name, t0);
}

/* ---- races ---- */

#define RACE_WORKERS	2
#define RACE_PAGES	8
#define RACE_SZ		(RACE_PAGES * PAGE_SZ)

struct race {
	int fd;
	__u32 vm;
	int pmfd;
	struct fdev *d;
	bool stop;
	/* the mprotect slot: generation, RO while gen is odd */
	unsigned int gen;
	__u8 *mslot;
};

struct worker {
	struct race *r;
	__u8 *buf;
	__u8 shadow[RACE_SZ];
	/* the seed field is the PRNG state */
	struct vsvm_stress rng;
	unsigned long calls;
	int id;
};

static struct race race;

static void race_fail(int inv, const char *what, int err)
{
	fz_fail(inv, "races: %s: %s", what, strerror(err));
}

/* A worker: GPU work on its own buffer, racing close and VM_DESTROY. */
static void *race_worker(void *data)
{
	struct worker *w = data;
	struct race *r = w->r;
	__u8 tmp[RACE_SZ];

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		struct drm_vsvm_exec e = { .vm_id = r->vm };
		__u64 off = vsvm_rand_below(&w->rng.seed, RACE_PAGES) * PAGE_SZ;
		__u64 len = (1 + vsvm_rand_below(&w->rng.seed,
						 RACE_PAGES - off / PAGE_SZ)) *
			    PAGE_SZ;
		unsigned int g0 = 0, g1;
		bool ro_slot = false;
		int err, op = vsvm_rand_below(&w->rng.seed, 6);

		e.va = (uintptr_t)w->buf + off;
		e.size = len;
		switch (op) {
		case 0:
			e.op = DRM_VSVM_EXEC_READ;
			e.ptr = (uintptr_t)tmp;
			break;
		case 1:
			e.op = DRM_VSVM_EXEC_WRITE;
			e.ptr = (uintptr_t)tmp;
			memset(tmp, vsvm_rand(&w->rng.seed), len);
			break;
		case 2:
			e.op = DRM_VSVM_EXEC_FILL;
			e.width = 8;
			e.value = vsvm_rand(&w->rng.seed);
			/* one in two on the mprotect()ed slot */
			if (w->id == 0 && vsvm_rand_below(&w->rng.seed, 2)) {
				ro_slot = true;
				e.va = (uintptr_t)r->mslot;
				e.size = PAGE_SZ;
				g0 = __atomic_load_n(&r->gen, __ATOMIC_ACQUIRE);
			}
			break;
		case 3:
			e.op = DRM_VSVM_EXEC_ATOMIC_INC;
			e.width = 8;
			e.value = 1;
			break;
		default: {
			struct drm_vsvm_prefetch p = {
				.vm_id = r->vm,
				.location = 1 + vsvm_rand_below(&w->rng.seed, 3),
				.start = e.va,
				.range = len,
			};

			if (p.location == DRM_VSVM_LOCATION_PAGEMAP_FD)
				p.fd = r->pmfd;
			err = xioctl(r->fd, DRM_IOCTL_VSVM_PREFETCH, &p);
			w->calls++;
			/* the VM or the file is gone: nothing left to race */
			if (err == ENOENT || err == EBADF)
				return NULL;
			/* -EBUSY: documented for pages other threads race on */
			if (err && err != EBUSY)
				race_fail(err == EFAULT ? INV_VALID : INV_ERRNO,
					  "PREFETCH", err);
			continue;
		}
		}
		err = xioctl(r->fd, DRM_IOCTL_VSVM_EXEC, &e);
		w->calls++;
		if (ro_slot) {
			g1 = __atomic_load_n(&r->gen, __ATOMIC_ACQUIRE);
			if (!err && g0 == g1 && (g0 & 1))
				race_fail(INV_BADOK,
					  "EXEC FILL on memory read-only all along succeeded",
					  0);
			if (err == ENOENT || err == EBADF)
				break;
			if (err && err != EPERM && err != EBUSY)
				race_fail(INV_ERRNO, "EXEC FILL, mprotect slot",
					  err);
			continue;
		}
		/* the VM or the file is gone: nothing left to race */
		if (err == ENOENT || err == EBADF)
			break;
		if (err == EBUSY) {
			/* documented for racing calls; the work may be partial */
			memcpy(w->shadow, w->buf, RACE_SZ);
			continue;
		}
		if (err) {
			fz_fail(err == EFAULT || err == EPERM ? INV_VALID :
				INV_ERRNO,
				"races: worker %d EXEC op %u width %u on its read-write buffer +%#llx size %#llx (the buffers sit next to a page being mprotect()ed): %s",
				w->id, e.op, e.width, (unsigned long long)off,
				(unsigned long long)len, strerror(err));
			/* the work may be partly done: take what is there */
			memcpy(w->shadow, w->buf, RACE_SZ);
			continue;
		}
		switch (e.op) {
		case DRM_VSVM_EXEC_READ:
			if (memcmp(tmp, w->shadow + off, len))
				race_fail(INV_DATA, "EXEC READ", 0);
			break;
		case DRM_VSVM_EXEC_WRITE:
			memcpy(w->shadow + off, tmp, len);
			break;
		case DRM_VSVM_EXEC_FILL: {
			__u64 i;

			for (i = 0; i < len; i += 8)
				memcpy(w->shadow + off + i, &e.value, 8);
			break;
		}
		default: {
			__u64 i, v;

			for (i = 0; i < len; i += 8) {
				memcpy(&v, w->shadow + off + i, 8);
				v++;
				memcpy(w->shadow + off + i, &v, 8);
			}
			break;
		}
		}
	}
	return NULL;
}

/* Migrates the workers' buffers around through the other devices. */
static void *race_migrator(void *data)
{
	struct worker *ws = data;
	struct vsvm_stress st = { .seed = vsvm_stress_subseed(&stress, 77) };

	while (!__atomic_load_n(&race.stop, __ATOMIC_ACQUIRE)) {
		struct worker *w = &ws[vsvm_rand_below(&st.seed, RACE_WORKERS)];
		struct fdev *d = &devs[vsvm_rand_below(&st.seed, n_devs)];
		int err;

		if (vsvm_rand_below(&st.seed, 3)) {
			struct drm_vsvm_prefetch p = {
				.vm_id = d->vm,
				.location = 1 + vsvm_rand_below(&st.seed, 2),
				.start = (uintptr_t)w->buf,
				.range = RACE_SZ,
			};

			err = xioctl(d->fd, DRM_IOCTL_VSVM_PREFETCH, &p);
			/* -EBUSY: documented for pages other threads race on */
			if (err && err != EBUSY)
				race_fail(err == EFAULT ? INV_VALID : INV_ERRNO,
					  "PREFETCH of valid memory by another device",
					  err);
		} else {
			struct drm_vsvm_madvise m = {
				.vm_id = race.vm,
				.type = DRM_VSVM_MADVISE_PREFERRED_LOC,
				.start = (uintptr_t)w->buf,
				.range = RACE_SZ,
				.value = vsvm_rand_below(&st.seed, 3),
			};

			err = xioctl(race.fd, DRM_IOCTL_VSVM_MADVISE, &m);
			if (err && err != ENOENT && err != EBADF)
				race_fail(INV_ERRNO, "MADVISE", err);
		}
	}
	return NULL;
}

/* mprotect()s its slot read-only and back; nothing may write it then. */
static void *race_mprotector(void *data)
{
	static __u8 snap[PAGE_SZ];
	struct vsvm_stress st = { .seed = vsvm_stress_subseed(&stress, 78) };
	__u8 *p = race.mslot;

	(void)data;
	while (!__atomic_load_n(&race.stop, __ATOMIC_ACQUIRE)) {
		memset(p, vsvm_rand(&st.seed), PAGE_SZ);
		igt_assert_eq(mprotect(p, PAGE_SZ, PROT_READ), 0);
		/* from here on no GPU write may land */
		memcpy(snap, p, PAGE_SZ);
		__atomic_fetch_add(&race.gen, 1, __ATOMIC_ACQ_REL);
		usleep(vsvm_rand_below(&st.seed, 2000));
		__atomic_fetch_add(&race.gen, 1, __ATOMIC_ACQ_REL);
		if (memcmp(snap, p, PAGE_SZ))
			race_fail(INV_DATA,
				  "a GPU write landed in read-only memory", 0);
		igt_assert_eq(mprotect(p, PAGE_SZ, PROT_READ | PROT_WRITE), 0);
	}
	return NULL;
}

static void test_races(void)
{
	static struct worker ws[RACE_WORKERS];
	struct vsvm_stress sub;
	double t0 = now_s();
	__u8 *mem;
	int i, rounds = 0, fds0, vms0;

	begin("races", 3);
	stress_for(&sub, 20);
	mem = mmap(NULL, (RACE_WORKERS + 1) * RACE_SZ, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	igt_assert(mem != MAP_FAILED);
	memset(&race, 0, sizeof(race));
	race.mslot = mem + RACE_WORKERS * RACE_SZ;
	for (i = 0; i < RACE_WORKERS; i++) {
		ws[i].r = &race;
		ws[i].id = i;
		ws[i].buf = mem + i * RACE_SZ;
		ws[i].rng.seed = vsvm_stress_subseed(&stress, 100 + i);
		fill_random(ws[i].shadow, RACE_SZ);
		memcpy(ws[i].buf, ws[i].shadow, RACE_SZ);
	}
	fds0 = vsvm_count_fds();
	while (vsvm_stress_running(&sub)) {
		pthread_t th[RACE_WORKERS + 2];
		struct fdev *d = &devs[below(n_devs)];
		int what = below(3);

		race.d = d;
		race.fd = open_minor(d->minor);
		race.vm = create_vm(race.fd);
		race.pmfd = open_pagemap(race.fd);
		vms0 = live_vms(d);
		race.stop = false;
		for (i = 0; i < RACE_WORKERS; i++)
			igt_assert_eq(pthread_create(&th[i], NULL, race_worker,
						     &ws[i]), 0);
		igt_assert_eq(pthread_create(&th[i], NULL, race_migrator, ws),
			      0);
		igt_assert_eq(pthread_create(&th[i + 1], NULL,
					     race_mprotector, NULL), 0);
		usleep(below(200000));
		fz_log("round %d: dev%d %s", rounds, (int)(d - devs),
		       what == 0 ? "VM_DESTROY" : what == 1 ? "close" :
		       "VM_DESTROY and close");
		if (what != 1) {
			int err = -vsvm_vm_destroy(race.fd, race.vm);

			__atomic_fetch_add(&ioctls, 1, __ATOMIC_RELAXED);
			if (err)
				race_fail(INV_VALID, "VM_DESTROY", err);
		}
		if (what != 0)
			close(race.fd);
		usleep(below(100000));
		__atomic_store_n(&race.stop, true, __ATOMIC_RELEASE);
		for (i = 0; i < RACE_WORKERS + 2; i++)
			igt_assert_eq(pthread_join(th[i], NULL), 0);
		if (what == 0)
			close(race.fd);
		close(race.pmfd);
		for (i = 0; i < RACE_WORKERS; i++) {
			n_calls += ws[i].calls;
			ws[i].calls = 0;
			if (memcmp(ws[i].buf, ws[i].shadow, RACE_SZ)) {
				race_fail(INV_DATA, "a worker's buffer", 0);
				memcpy(ws[i].shadow, ws[i].buf, RACE_SZ);
			}
		}
		if (vsvm_count_fds() != fds0)
			fz_fail(INV_FDS, "races: %d fds, %d before", vsvm_count_fds(),
				fds0);
		if (vms0 >= 0 && live_vms(d) != vms0 - 1)
			fz_fail(INV_VMS,
				"races: %d VMs on dev%d after its file went, expected %d",
				live_vms(d), (int)(d - devs), vms0 - 1);
		rounds++;
	}
	igt_info("races: %d rounds\n", rounds);
	munmap(mem, (RACE_WORKERS + 1) * RACE_SZ);
	end("races", t0);
}

/* ---- fork-mix ---- */

/* What a child reports to its parent (a shared page). */
struct child_report {
	unsigned long fails;
	unsigned long calls;
	unsigned long ioctls;
};

static struct child_report *report;

/* The child: the parent's VMs are not its own, the memory is its copy. */
static void child_main(__u64 stream, const struct vsvm_stress *sub)
{
	struct fdev parent[MAX_DEVICES];
	int i, j, s;

	in_child = true;
	shared_state = true;
	rng.seed = vsvm_stress_subseed(&stress, stream);
	memset(fails, 0, sizeof(fails));
	n_calls = 0;
	ioctls = 0;
	memcpy(parent, devs, sizeof(parent));

	/* the parent's VMs through the inherited files: -EACCES */
	for (i = 0; i < n_devs; i++) {
		struct drm_vsvm_exec e = {
			.vm_id = parent[i].vm, .op = DRM_VSVM_EXEC_READ,
			.va = (uintptr_t)rdst + ARENA_SZ - 64, .size = 64,
			.ptr = (uintptr_t)rdst,
		};
		struct drm_vsvm_prefetch p = {
			.vm_id = parent[i].vm,
			.location = DRM_VSVM_LOCATION_DEVICE,
			.start = (uintptr_t)rdst, .range = PAGE_SZ,
		};
		struct drm_vsvm_madvise m = {
			.vm_id = parent[i].vm,
			.type = DRM_VSVM_MADVISE_ATOMIC,
			.start = (uintptr_t)arena, .range = PAGE_SZ,
			.value = DRM_VSVM_ATOMIC_CPU,
		};
		struct drm_vsvm_vm_destroy v = { .vm_id = parent[i].vm };
		struct drm_vsvm_residency r = {
			.vm_id = parent[i].vm, .start = (uintptr_t)arena,
			.num_pages = 1, .locations = (uintptr_t)locbuf,
		};
		struct drm_vsvm_query_range_attrs q = {
			.vm_id = parent[i].vm, .start = (uintptr_t)arena,
			.range = PAGE_SZ,
		};
		int err[6];

		err[0] = xioctl(parent[i].fd, DRM_IOCTL_VSVM_EXEC, &e);
		err[1] = xioctl(parent[i].fd, DRM_IOCTL_VSVM_PREFETCH, &p);
		err[2] = xioctl(parent[i].fd, DRM_IOCTL_VSVM_MADVISE, &m);
		err[3] = xioctl(parent[i].fd, DRM_IOCTL_VSVM_VM_DESTROY, &v);
		err[4] = xioctl(parent[i].fd, DRM_IOCTL_VSVM_RESIDENCY, &r);
		err[5] = xioctl(parent[i].fd, DRM_IOCTL_VSVM_QUERY_RANGE_ATTRS,
				&q);
		n_calls += 6;
		for (j = 0; j < 6; j++)
			if (err[j] != EACCES)
				fz_fail(INV_ERRNO,
					"the parent's VM on dev%d, call %d: %s, not EACCES",
					i, j, strerror(err[j]));
	}
	/* own files, VMs and pagemap fds */
	for (i = 0; i < n_devs; i++)
		dev_reopen(&devs[i]);
	/* memory the parent may still write goes: shared and file slots */
	for (s = 0; s < NSLOTS; s++)
		if (kinds[s] == SK_SHARED || kinds[s] == SK_FPRIV ||
		    kinds[s] == SK_FSHARED || kinds[s] == SK_MEMFD)
			slot_map(s, SK_ANON);
	/* the private memory as of the fork, by the CPU and by each GPU */
	check_all_data("child, inherited memory");
	for (i = 0; i < n_devs; i++) {
		for (s = 0; s < NSLOTS && kinds[s] != SK_ANON; s++)
			;
		if (s == NSLOTS)
			break;
		{
			struct drm_vsvm_exec e = {
				.vm_id = devs[i].vm, .op = DRM_VSVM_EXEC_READ,
				.va = (uintptr_t)slot_ptr(s), .size = SLOT_SZ,
				.ptr = (uintptr_t)rdst,
			};
			int err = xioctl(devs[i].fd, DRM_IOCTL_VSVM_EXEC, &e);

			n_calls++;
			if (err)
				fz_fail(INV_VALID, "child, GPU read on dev%d: %s",
					i, strerror(err));
			else if (memcmp(rdst, shadow + (size_t)s * SLOT_SZ,
					SLOT_SZ))
				fz_fail(INV_DATA,
					"child, GPU read of slot %d on dev%d: not the data of the fork",
					s, i);
		}
	}
	while (vsvm_stress_running(sub)) {
		for (i = 0; i < 8; i++) {
			if (chance(10))
				mem_op();
			else
				fuzz_one(false);
		}
	}
	check_all_data("child, final check");
	for (i = 0; i < n_devs; i++)
		dev_close(&devs[i]);
	__atomic_fetch_add(&report->fails, total_fails(), __ATOMIC_RELAXED);
	__atomic_fetch_add(&report->calls, n_calls, __ATOMIC_RELAXED);
	__atomic_fetch_add(&report->ioctls, ioctls, __ATOMIC_RELAXED);
}

static bool child_exited(void)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	return !waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) &&
	       si.si_pid;
}

static void test_fork_mix(void)
{
	struct vsvm_stress sub;
	double t0 = now_s();
	bool child = false;
	int nchildren = 0, i;

	begin("fork-mix", 4);
	memset(report, 0, sizeof(*report));
	stress_for(&sub, 25);
	while (vsvm_stress_running(&sub)) {
		for (i = 0; i < 16; i++) {
			if (!child && chance(5)) {
				struct vsvm_stress csub = sub;
				__u64 stream = 1000 + nchildren;

				/* the child runs 1 s at most */
				clock_gettime(CLOCK_MONOTONIC, &csub.end);
				csub.end.tv_sec += 1;
				check_all_data("before fork");
				fz_log("fork child %d", nchildren);
				igt_fork(c, 1)
					child_main(stream, &csub);
				nchildren++;
				child = true;
				shared_state = true;
			} else if (chance(10)) {
				mem_op();
			} else {
				fuzz_one(false);
			}
			if (child && child_exited()) {
				/* fails the subtest if the child crashed */
				igt_waitchildren();
				child = false;
				shared_state = false;
				/* the child's writes stayed in the child */
				check_all_data("after the child exited");
			}
		}
		check_all_data("periodic check");
	}
	if (child)
		igt_waitchildren();
	shared_state = false;
	check_all_data("final check");
	fails[INV_CHILD] += report->fails;
	igt_info("fork-mix: %d children: %lu calls, %lu ioctls, %lu failures\n",
		 nchildren, report->calls, report->ioctls, report->fails);
	end("fork-mix", t0);
}

int igt_main()
{
	igt_fixture() {
		vsvm_stress_init(&stress, "vsvm_fuzz", 16);
		open_devices();
		rng.seed = vsvm_stress_subseed(&stress, 0);
		setup_memory();
		report = mmap(NULL, PAGE_SZ, PROT_READ | PROT_WRITE,
			      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		igt_assert(report != MAP_FAILED);
	}

	igt_describe("One fault per call: the fault's errno, no change.");
	igt_subtest("bad-args")
		test_fuzz(true, "bad-args", 25, 1);

	igt_describe("Faults, valid calls, mmap, munmap, mprotect.");
	igt_subtest("mutate")
		test_fuzz(false, "mutate", 30, 2);

	igt_describe("close, VM_DESTROY, mprotect racing GPU work.");
	igt_subtest("races")
		test_races();

	igt_describe("Children fuzzing next to the parent: COW holds.");
	igt_subtest("fork-mix")
		test_fork_mix();

	igt_fixture() {
		int i;

		for (i = 0; i < n_devs; i++)
			dev_close(&devs[i]);
	}
}
