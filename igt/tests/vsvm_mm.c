// SPDX-License-Identifier: MIT
/*
 * vsvm_mm: the GPU's view of memory survives the other mm features acting
 * on memory the GPU uses: pages in a device's VRAM (device-private pages),
 * GPU page tables mapping system memory in place.
 *
 * Each subtest checks every byte (with the CPU and with the GPU), where
 * every page is (RESIDENCY) and the exact errno of each call:
 *
 * - process_vm_readv()/process_vm_writev() of VRAM-resident memory, from
 *   the process itself and from another one (skipped on a kernel without
 *   CONFIG_CROSS_MEMORY_ATTACH, as the rig's), and the same through
 *   /proc/<pid>/mem of another process, and through ptrace()'s PEEKDATA
 *   and POKEDATA: the pages come back to system memory with the GPU's data,
 *   and what the other process writes is what the GPU reads next;
 * - vmsplice() of VRAM-resident pages into a pipe, which takes references
 *   on them: PREFETCH and GPU faults cannot move them meanwhile, the GPU
 *   writes them in place and the pipe holds what the GPU wrote;
 * - MADV_DONTFORK and MADV_WIPEONFORK on GPU-mapped system memory and on
 *   VRAM-resident memory, then fork(): the child (its own DRM file and VM)
 *   sees no mapping (-EFAULT) or zeroes, the parent keeps its data where
 *   it was;
 * - mlock(), mlock2(MLOCK_ONFAULT), munlock() with PREFETCH both ways and
 *   GPU faults;
 * - MADV_FREE, then a GPU write (in place, or migrating to VRAM), then
 *   MADV_PAGEOUT (reclaim of lazily freed pages): the GPU's write is
 *   never dropped;
 * - MADV_HUGEPAGE, MADV_NOHUGEPAGE and MADV_COLLAPSE over a range partly
 *   in VRAM;
 * - MAP_GROWSDOWN memory: the GPU uses it, and never grows it;
 * - the vDSO and vvar pages as GPU VA;
 * - fallocate(PUNCH_HOLE) and MADV_REMOVE on memfd memory the GPU maps,
 *   ftruncate() shrinking it (GPU access beyond EOF: -EFAULT, nothing
 *   stale) and growing it back (zeroes);
 * - msync() of memory the GPU wrote;
 * - mprotect(PROT_READ) after a GPU write landed in VRAM;
 * - read replicas (the master in one device's VRAM, a replica in a peer's)
 *   across MADV_DONTFORK and fork(), then a write by another process
 *   through /proc/<pid>/mem;
 * - access counters of a peer reading read-only (mprotect()) memory in
 *   place: whether or not they move it, writes stay refused, data exact.
 *
 * mix: a seeded random sequence of GPU writes, PREFETCH, CPU writes,
 * mlock/munlock, MADV_FREE with reclaim, THP advice and MADV_COLLAPSE,
 * MADV_DONTNEED, mprotect() and reads by a child through /proc/<pid>/mem
 * on a few buffers (half used in place in system memory, half migrating),
 * against a shadow copy of every byte; it prints its seed (replay with
 * make test ONLY=vsvm_mm SEED=N).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "igt.h"
#include "vsvm_exec_lib.h"
#include "vsvm_lib.h"
#include "vsvm_stress.h"
#include <drm/vsvm_drm.h>

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT	21
#endif
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE	25
#endif
#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT	0x01
#endif

#define MAX_DEVICES	64
#define PAGE_SZ		4096ul
#define NPAGES		16ul
#define SIZE		(NPAGES * PAGE_SZ)
#define HUGE_SZ		(2ul << 20)

/*
 * The device a subtest uses, with a VM of this process on it, and its
 * VRAM's RESIDENCY value: the first device unless use_device() says.
 */
static struct vsvm_node nodes[MAX_DEVICES];
static __u32 vms[MAX_DEVICES];
static int n_nodes;
static struct vsvm_node dev;
static __u32 vm;
static __u32 vram;

static void use_device(int i)
{
	dev = nodes[i];
	vm = vms[i];
	vram = DRM_VSVM_RESIDENCY_DEVICE(vsvm_device_index(dev.fd));
}

static void *map_mem(size_t size, int flags)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       flags | MAP_ANONYMOUS, -1, 0);

	igt_assert(p != MAP_FAILED);
	return p;
}

static void expect_at(const void *buf, size_t npages, __u32 loc,
		      const char *what)
{
	vsvm_expect_residency(dev.fd, vm, buf, npages, loc, what);
}

/* The GPU writes the pattern of @seed to [@buf, + @size). */
static void gpu_write(void *buf, size_t size, __u32 seed)
{
	void *src = malloc(size);

	igt_assert(src);
	vsvm_fill_pattern(src, size, seed);
	igt_assert_eq(vsvm_exec_write(dev.fd, vm, buf, size, src, NULL), 0);
	free(src);
}

/* The GPU reads [@buf, + @size) and finds the pattern of @seed. */
static void gpu_check(const void *buf, size_t size, __u32 seed,
		      const char *what)
{
	void *dst = malloc(size);

	igt_assert(dst);
	memset(dst, 0xa5, size);
	igt_assert_eq(vsvm_exec_read(dev.fd, vm, buf, size, dst, NULL), 0);
	vsvm_check_pattern(dst, size, seed, what);
	free(dst);
}

/* The GPU reads [@buf, + @size) and finds zeroes. */
static void gpu_check_zero(const void *buf, size_t size, const char *what)
{
	__u8 *dst = malloc(size);
	size_t i;

	igt_assert(dst);
	memset(dst, 0xa5, size);
	igt_assert_eq(vsvm_exec_read(dev.fd, vm, buf, size, dst, NULL), 0);
	for (i = 0; i < size; i++)
		igt_assert_f(!dst[i], "%s: GPU read byte %zu = %#x, not 0\n",
			     what, i, dst[i]);
	free(dst);
}

static void cpu_check_zero(const void *buf, size_t size, const char *what)
{
	const __u8 *p = buf;
	size_t i;

	for (i = 0; i < size; i++)
		igt_assert_f(!p[i], "%s: CPU read byte %zu = %#x, not 0\n",
			     what, i, p[i]);
}

static void prefetch(void *buf, size_t size, __u32 loc)
{
	__u64 moved;

	igt_assert_eq(vsvm_prefetch(dev.fd, vm, loc, (uintptr_t)buf, size, 0,
				    &moved), 0);
}

/* The GPU writes @seed's pattern, which lands in VRAM. */
static void gpu_write_vram(void *buf, size_t size, __u32 seed)
{
	gpu_write(buf, size, seed);
	expect_at(buf, size / PAGE_SZ, vram, "after a GPU write");
}

/*
 * GPU-mapped system memory: the pages are populated by the CPU and the
 * GPU maps them in place (preferred location system memory).
 */
static void gpu_map_system(void *buf, size_t size, __u32 seed)
{
	igt_assert_eq(vsvm_madvise(dev.fd, vm, DRM_VSVM_MADVISE_PREFERRED_LOC,
				   (uintptr_t)buf, size,
				   DRM_VSVM_LOCATION_SYSTEM, 0), 0);
	gpu_write(buf, size, seed);
	gpu_check(buf, size, seed, "GPU read in place");
	expect_at(buf, size / PAGE_SZ, DRM_VSVM_RESIDENCY_SYSTEM,
		  "GPU-mapped system memory");
}

static int wait_child(pid_t pid)
{
	int status;

	igt_assert_eq(waitpid(pid, &status, 0), pid);
	igt_assert_f(WIFEXITED(status), "child status %#x\n", status);
	return WEXITSTATUS(status);
}

/* A child's own DRM file and VM on the device; no igt assertion. */
static int child_vm(int *fd, __u32 *id)
{
	*fd = vsvm_open_minor(dev.minor);
	if (*fd < 0)
		return -1;
	return vsvm_vm_create(*fd, id);
}

/* The index of the first word of @buf not holding @seed's pattern, or -1. */
static long pattern_diff(const void *buf, size_t size, __u32 seed)
{
	__u32 *ref = malloc(size);
	const __u32 *w = buf;
	size_t i;
	long bad = -1;

	if (!ref)
		return 0;
	vsvm_fill_pattern(ref, size, seed);
	for (i = 0; i < size / 4; i++)
		if (w[i] != ref[i]) {
			bad = i;
			break;
		}
	free(ref);
	return bad;
}

/* process_vm_readv() and _writev() exist on this kernel. */
static void require_cross_memory_attach(void)
{
	struct iovec l, r;
	char c = 0, d = 1;

	l.iov_base = &d;
	l.iov_len = 1;
	r.iov_base = &c;
	r.iov_len = 1;
	/* The rig's kernel has no CONFIG_CROSS_MEMORY_ATTACH. */
	igt_require_f(process_vm_readv(getpid(), &l, 1, &r, 1, 0) == 1,
		      "process_vm_readv: %s\n", strerror(errno));
	igt_assert_eq(d, 0);
}

/* Read and write [@buf, + SIZE) of @pid through process_vm_*v(). */
static int pvm_rw(pid_t pid, void *buf, __u32 check_seed, __u32 new_seed)
{
	void *tmp = malloc(SIZE);
	struct iovec l = { .iov_len = SIZE }, r = { buf, SIZE };
	ssize_t n;

	if (!tmp)
		return 20;
	l.iov_base = tmp;
	memset(tmp, 0x5a, SIZE);
	n = process_vm_readv(pid, &l, 1, &r, 1, 0);
	if (n != (ssize_t)SIZE)
		return 21;
	if (pattern_diff(tmp, SIZE, check_seed) >= 0)
		return 22;
	vsvm_fill_pattern(tmp, SIZE, new_seed);
	n = process_vm_writev(pid, &l, 1, &r, 1, 0);
	free(tmp);
	return n == (ssize_t)SIZE ? 0 : 23;
}

static void test_pvm_self(void)
{
	__u8 *buf;

	require_cross_memory_attach();
	buf = map_mem(SIZE, MAP_PRIVATE);
	gpu_write_vram(buf, SIZE, 0x1001);
	igt_assert_eq(pvm_rw(getpid(), buf, 0x1001, 0x1002), 0);
	expect_at(buf, NPAGES, DRM_VSVM_RESIDENCY_SYSTEM,
		  "after process_vm_readv/writev");
	gpu_check(buf, SIZE, 0x1002, "GPU read of process_vm_writev's data");
	vsvm_check_pattern(buf, SIZE, 0x1002, "CPU read");
	igt_assert_eq(munmap(buf, SIZE), 0);
}

/*
 * Another process's access to this one's VRAM-resident memory: @how 0
 * process_vm_readv/writev, 1 /proc/<pid>/mem.
 */
static void test_remote(int how)
{
	pid_t parent = getpid(), pid;
	int go[2], status;
	__u8 *buf;
	char c;

	if (how == 0)
		require_cross_memory_attach();
	buf = map_mem(SIZE, MAP_PRIVATE);
	igt_assert_eq(pipe(go), 0);
	pid = fork();
	igt_assert(pid >= 0);
	if (pid == 0) {
		char path[64];
		void *tmp;
		int mem;

		if (read(go[0], &c, 1) != 1)
			_exit(10);
		if (how == 0) {
			status = pvm_rw(parent, buf, 0x2001, 0x2002);
			_exit(status);
		}
		tmp = malloc(SIZE);
		snprintf(path, sizeof(path), "/proc/%d/mem", parent);
		mem = open(path, O_RDWR);
		if (!tmp || mem < 0)
			_exit(11);
		if (pread(mem, tmp, SIZE, (uintptr_t)buf) != (ssize_t)SIZE)
			_exit(12);
		if (pattern_diff(tmp, SIZE, 0x2001) >= 0)
			_exit(13);
		vsvm_fill_pattern(tmp, SIZE, 0x2002);
		if (pwrite(mem, tmp, SIZE, (uintptr_t)buf) != (ssize_t)SIZE)
			_exit(14);
		_exit(0);
	}
	/* The child was forked before the buffer was populated. */
	gpu_write_vram(buf, SIZE, 0x2001);
	igt_assert_eq(write(go[1], "g", 1), 1);
	status = wait_child(pid);
	igt_assert_f(status == 0, "child failed with %d\n", status);
	expect_at(buf, NPAGES, DRM_VSVM_RESIDENCY_SYSTEM,
		  "after the other process's access");
	gpu_check(buf, SIZE, 0x2002, "GPU read of the other process's write");
	vsvm_check_pattern(buf, SIZE, 0x2002, "CPU read");
	/* Once more in VRAM: the data moves with it. */
	prefetch(buf, SIZE, DRM_VSVM_LOCATION_DEVICE);
	expect_at(buf, NPAGES, vram, "prefetched back");
	vsvm_check_pattern(buf, SIZE, 0x2002, "CPU read after a PREFETCH");
	close(go[0]);
	close(go[1]);
	igt_assert_eq(munmap(buf, SIZE), 0);
}

/* A word per PEEKDATA and POKEDATA: a smaller buffer keeps it short. */
#define PT_PAGES	4ul
#define PT_SIZE		(PT_PAGES * PAGE_SZ)

/*
 * The child's side of ptrace: its GPU writes @buf, which lands in VRAM,
 * it stops; the tracer peeks; it checks that the pages came back, puts
 * them in VRAM again and stops; the tracer pokes; it reads the tracer's
 * words with its GPU.
 */
static int ptrace_child(__u32 *buf)
{
	__u32 *src = malloc(PT_SIZE), loc[PT_PAGES], id;
	size_t i;
	__u64 moved;
	int fd;

	if (!src || child_vm(&fd, &id))
		return 30;
	if (ptrace(PTRACE_TRACEME, 0, NULL, NULL))
		return 31;
	vsvm_fill_pattern(src, PT_SIZE, 0x3001);
	if (vsvm_exec_write(fd, id, buf, PT_SIZE, src, NULL))
		return 32;
	if (vsvm_residency(fd, id, (uintptr_t)buf, PT_PAGES, loc))
		return 33;
	for (i = 0; i < PT_PAGES; i++)
		if (loc[i] != vram)
			return 34;
	raise(SIGSTOP);
	/* PEEKDATA brought every page back. */
	if (vsvm_residency(fd, id, (uintptr_t)buf, PT_PAGES, loc))
		return 35;
	for (i = 0; i < PT_PAGES; i++)
		if (loc[i] != DRM_VSVM_RESIDENCY_SYSTEM)
			return 36;
	if (vsvm_prefetch(fd, id, DRM_VSVM_LOCATION_DEVICE, (uintptr_t)buf,
			  PT_SIZE, 0, &moved) || moved != PT_PAGES)
		return 37;
	raise(SIGSTOP);
	/* POKEDATA wrote the pattern of 0x3002. */
	memset(src, 0, PT_SIZE);
	if (vsvm_exec_read(fd, id, buf, PT_SIZE, src, NULL))
		return 38;
	if (pattern_diff(src, PT_SIZE, 0x3002) >= 0)
		return 39;
	if (pattern_diff(buf, PT_SIZE, 0x3002) >= 0)
		return 40;
	return 0;
}

static void wait_stopped(pid_t pid)
{
	int status;

	igt_assert_eq(waitpid(pid, &status, 0), pid);
	igt_assert_f(WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP,
		     "tracee status %#x\n", status);
}

static void test_ptrace(void)
{
	__u32 *buf = map_mem(PT_SIZE, MAP_PRIVATE), *ref = malloc(PT_SIZE);
	size_t i, words = PT_SIZE / sizeof(long);
	long w;
	pid_t pid;

	igt_assert(ref);
	pid = fork();
	igt_assert(pid >= 0);
	if (pid == 0)
		_exit(ptrace_child(buf));

	wait_stopped(pid);
	vsvm_fill_pattern(ref, PT_SIZE, 0x3001);
	for (i = 0; i < words; i++) {
		errno = 0;
		w = ptrace(PTRACE_PEEKDATA, pid, (long *)buf + i, NULL);
		igt_assert_f(errno == 0, "PEEKDATA word %zu: %s\n", i,
			     strerror(errno));
		igt_assert_f(w == ((long *)ref)[i],
			     "PEEKDATA word %zu: %#lx, expected %#lx\n", i, w,
			     ((long *)ref)[i]);
	}
	igt_assert_eq(ptrace(PTRACE_CONT, pid, NULL, NULL), 0);

	wait_stopped(pid);
	vsvm_fill_pattern(ref, PT_SIZE, 0x3002);
	for (i = 0; i < words; i++)
		igt_assert_eq(ptrace(PTRACE_POKEDATA, pid, (long *)buf + i,
				     (void *)((long *)ref)[i]), 0);
	igt_assert_eq(ptrace(PTRACE_CONT, pid, NULL, NULL), 0);

	i = wait_child(pid);
	igt_assert_f(i == 0, "tracee failed with %zu\n", i);
	free(ref);
	igt_assert_eq(munmap(buf, PT_SIZE), 0);
}

/*
 * vmsplice() of VRAM-resident pages: the pipe holds references on the
 * (now system) pages. They cannot migrate while the pipe holds them: the
 * GPU writes them in place, and the pipe reads what it wrote. Once the
 * pipe is drained they move again.
 */
static void test_vmsplice(void)
{
	__u8 *buf = map_mem(SIZE, MAP_PRIVATE), *out = malloc(SIZE);
	struct iovec iov = { buf, SIZE };
	struct drm_vsvm_exec ex;
	int p[2], ret;
	__u64 moved;
	size_t got;
	ssize_t n;

	igt_assert(out);
	igt_assert_eq(pipe(p), 0);
	igt_require(fcntl(p[1], F_SETPIPE_SZ, SIZE) >= (int)SIZE);
	gpu_write_vram(buf, SIZE, 0x4001);

	n = vmsplice(p[1], &iov, 1, 0);
	igt_assert_f(n == (ssize_t)SIZE, "vmsplice: %zd (%s)\n", n,
		     strerror(errno));
	expect_at(buf, NPAGES, DRM_VSVM_RESIDENCY_SYSTEM, "spliced");

	/* The pipe's references keep the pages where they are. */
	moved = ~0ull;
	ret = vsvm_prefetch(dev.fd, vm, DRM_VSVM_LOCATION_DEVICE,
			    (uintptr_t)buf, SIZE, 0, &moved);
	igt_info("PREFETCH of spliced pages: %d, %llu moved\n", ret,
		 (unsigned long long)moved);
	igt_assert_f(ret == -EBUSY, "PREFETCH: %d, expected -EBUSY\n", ret);
	igt_assert_eq_u64(moved, 0);
	expect_at(buf, NPAGES, DRM_VSVM_RESIDENCY_SYSTEM,
		  "spliced, after PREFETCH to VRAM");

	/* A GPU write faults, cannot migrate, writes in place. */
	memset(&ex, 0, sizeof(ex));
	vsvm_fill_pattern(out, SIZE, 0x4002);
	igt_assert_eq(vsvm_exec_write(dev.fd, vm, buf, SIZE, out, &ex), 0);
	igt_info("GPU write of spliced pages: %llu faults, %llu pages in\n",
		 (unsigned long long)ex.gpu_faults,
		 (unsigned long long)ex.pages_in);
	expect_at(buf, NPAGES, DRM_VSVM_RESIDENCY_SYSTEM,
		  "spliced, after a GPU write");
	vsvm_check_pattern(buf, SIZE, 0x4002, "CPU read of the GPU's write");

	/* The pipe holds the pages the process sees. */
	memset(out, 0, SIZE);
	for (got = 0; got < SIZE; got += n) {
		n = read(p[0], out + got, SIZE - got);
		igt_assert_f(n > 0, "pipe read: %zd\n", n);
	}
	vsvm_check_pattern(out, SIZE, 0x4002, "the pipe's pages");

	/* Drained: the pages move again. */
	prefetch(buf, SIZE, DRM_VSVM_LOCATION_DEVICE);
	expect_at(buf, NPAGES, vram, "pipe drained, after PREFETCH");
	gpu_check(buf, SIZE, 0x4002, "GPU read");
	vsvm_check_pattern(buf, SIZE, 0x4002, "CPU read");
	close(p[0]);
	close(p[1]);
	free(out);
	igt_assert_eq(munmap(buf, SIZE), 0);
}

/*
 * MADV_DONTFORK (@wipe false) or MADV_WIPEONFORK (@wipe true) on memory
 * the GPU maps in system memory or that is in VRAM (@in_vram), then fork.
 * The child sees no mapping (DONTFORK) or zeroes (WIPEONFORK), with its CPU
 * and its own GPU VM; the parent keeps its pages where they were.
 */
static void test_fork_advice(bool wipe, bool in_vram)
{
	__u8 *buf = map_mem(SIZE, MAP_PRIVATE);
	__u32 seed = 0x5000 + wipe * 16 + in_vram;
	pid_t pid;
	int ret;

	if (in_vram)
		gpu_write_vram(buf, SIZE, seed);
	else
		gpu_map_system(buf, SIZE, seed);
	igt_assert_eq(madvise(buf, SIZE, wipe ? MADV_WIPEONFORK :
			      MADV_DONTFORK), 0);
	/* The advice alone moves nothing. */
	expect_at(buf, NPAGES, in_vram ? vram : DRM_VSVM_RESIDENCY_SYSTEM,
		  "after the advice");

	pid = fork();
	igt_assert(pid >= 0);
	if (pid == 0) {
		__u8 *tmp = malloc(SIZE);
		__u32 loc[NPAGES], id;
		size_t i;
		int fd;

		if (!tmp || child_vm(&fd, &id))
			_exit(50);
		if (vsvm_residency(fd, id, (uintptr_t)buf, NPAGES, loc))
			_exit(51);
		for (i = 0; i < NPAGES; i++)
			if (loc[i] != DRM_VSVM_RESIDENCY_NONE)
				_exit(52);
		memset(tmp, 0xa5, SIZE);
		ret = vsvm_exec_read(fd, id, buf, SIZE, tmp, NULL);
		if (!wipe) {
			/* Not mapped in the child: -EFAULT, nothing read. */
			if (ret != -EFAULT)
				_exit(53);
			for (i = 0; i < SIZE; i++)
				if (tmp[i] != 0xa5)
					_exit(54);
			ret = vsvm_exec_fill(fd, id, buf, SIZE, 4, 1, NULL);
			_exit(ret == -EFAULT ? 0 : 55);
		}
		if (ret)
			_exit(56);
		for (i = 0; i < SIZE; i++)
			if (tmp[i] || buf[i])
				_exit(57);
		/* The child's own pages: its GPU's write, its CPU's read. */
		vsvm_fill_pattern(tmp, SIZE, seed + 1);
		if (vsvm_exec_write(fd, id, buf, SIZE, tmp, NULL))
			_exit(58);
		if (pattern_diff(buf, SIZE, seed + 1) >= 0)
			_exit(59);
		_exit(0);
	}
	ret = wait_child(pid);
	igt_assert_f(ret == 0, "child failed with %d\n", ret);
	expect_at(buf, NPAGES, in_vram ? vram : DRM_VSVM_RESIDENCY_SYSTEM,
		  "parent, after the fork");
	gpu_check(buf, SIZE, seed, "parent's GPU read");
	vsvm_check_pattern(buf, SIZE, seed, "parent's CPU read");
	igt_assert_eq(munmap(buf, SIZE), 0);
}

/*
 * mlock and friends: mlock2(MLOCK_ONFAULT) populates nothing, so VRAM
 * stays VRAM; mlock() populates, which brings VRAM-resident pages back;
 * PREFETCH and GPU faults on locked memory; munlock.
 */
static void test_mlock(void)
{
	__u8 *buf = map_mem(SIZE, MAP_PRIVATE);
	__u64 moved;
	int ret;

	gpu_write_vram(buf, SIZE, 0x6001);
	igt_assert_eq(syscall(SYS_mlock2, buf, SIZE, MLOCK_ONFAULT), 0);
	expect_at(buf, NPAGES, vram, "after mlock2(MLOCK_ONFAULT)");
	gpu_check(buf, SIZE, 0x6001, "GPU read, locked on fault");
	igt_assert_eq(munlock(buf, SIZE), 0);
	expect_at(buf, NPAGES, vram, "after munlock");

	/* mlock() faults every page in: they come back. */
	igt_assert_eq(mlock(buf, SIZE), 0);
	expect_at(buf, NPAGES, DRM_VSVM_RESIDENCY_SYSTEM, "after mlock");
	vsvm_check_pattern(buf, SIZE, 0x6001, "CPU read, locked");

	/*
	 * mlock() keeps pages in memory, not out of VRAM: PREFETCH moves
	 * locked anonymous memory as any other (as compaction may move it),
	 * and so does a GPU fault (see the README).
	 */
	ret = vsvm_prefetch(dev.fd, vm, DRM_VSVM_LOCATION_DEVICE,
			    (uintptr_t)buf, SIZE, 0, &moved);
	igt_info("PREFETCH to VRAM of mlocked memory: %d, %llu moved\n", ret,
		 (unsigned long long)moved);
	igt_assert_eq(ret, 0);
	igt_assert_eq_u64(moved, NPAGES);
	expect_at(buf, NPAGES, vram, "mlocked, after PREFETCH to VRAM");
	gpu_check(buf, SIZE, 0x6001, "GPU read after PREFETCH");
	prefetch(buf, SIZE, DRM_VSVM_LOCATION_SYSTEM);
	expect_at(buf, NPAGES, DRM_VSVM_RESIDENCY_SYSTEM,
		  "mlocked, after PREFETCH to system");
	vsvm_check_pattern(buf, SIZE, 0x6001, "CPU read, locked");

	/* A GPU fault on locked memory. */
	gpu_write_vram(buf, SIZE, 0x6002);
	vsvm_check_pattern(buf, SIZE, 0x6002, "CPU read of a GPU write, locked");
	expect_at(buf, NPAGES, DRM_VSVM_RESIDENCY_SYSTEM, "locked, CPU read");
	igt_assert_eq(munlock(buf, SIZE), 0);
	gpu_write_vram(buf, SIZE, 0x6003);
	vsvm_check_pattern(buf, SIZE, 0x6003, "CPU read, unlocked");
	igt_assert_eq(munmap(buf, SIZE), 0);
}

/* MADV_PAGEOUT exists here (it fails with EINVAL where it does not). */
static bool pageout(void *buf, size_t size)
{
	int ret = madvise(buf, size, MADV_PAGEOUT);

	igt_assert_f(!ret || errno == EINVAL, "MADV_PAGEOUT: %s\n",
		     strerror(errno));
	return !ret;
}

/*
 * Drain this CPU's LRU batches (MADV_PAGEOUT of a page of its own does
 * lru_add_drain()): the pages MADV_FREE queued are lazily freed now (not
 * swap-backed), not at some later drain.
 */
static void lru_drain(void)
{
	void *p = map_mem(PAGE_SZ, MAP_PRIVATE);

	madvise(p, PAGE_SZ, MADV_PAGEOUT);
	igt_assert_eq(munmap(p, PAGE_SZ), 0);
}

/*
 * MADV_FREE, then a GPU write: in place in system memory (@in_vram false)
 * or migrating to VRAM. The pages were freed lazily: clean, they may be
 * dropped by reclaim. The GPU's write makes them the process's data; a
 * reclaim pass (MADV_PAGEOUT) must not drop it. The test runs on one CPU,
 * so that the LRU batches it drains are the ones that hold its pages.
 */
static void test_madv_free(bool in_vram)
{
	__u8 *buf = map_mem(SIZE, MAP_PRIVATE);
	__u32 seed = 0x7000 + in_vram * 16;
	cpu_set_t one, all;

	igt_assert_eq(sched_getaffinity(0, sizeof(all), &all), 0);
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	igt_assert_eq(sched_setaffinity(0, sizeof(one), &one), 0);

	if (!in_vram) {
		gpu_map_system(buf, SIZE, seed);
		gpu_check(buf, SIZE, seed, "GPU read");
	} else {
		vsvm_fill_pattern(buf, SIZE, seed);
	}
	igt_assert_eq(madvise(buf, SIZE, MADV_FREE), 0);
	lru_drain();
	if (!in_vram) {
		/*
		 * MADV_FREE unmapped it from the GPU: the write faults, and
		 * finds the CPU's page table entries writable but clean.
		 */
		gpu_write(buf, SIZE, seed + 1);
		expect_at(buf, NPAGES, DRM_VSVM_RESIDENCY_SYSTEM,
			  "written in place");
	} else {
		gpu_write_vram(buf, SIZE, seed + 1);
	}
	gpu_check(buf, SIZE, seed + 1, "GPU read of its write");
	if (pageout(buf, SIZE))
		vsvm_check_pattern(buf, SIZE, seed + 1,
				   "CPU read after MADV_PAGEOUT");
	vsvm_check_pattern(buf, SIZE, seed + 1, "CPU read of the GPU's write");
	expect_at(buf, NPAGES, DRM_VSVM_RESIDENCY_SYSTEM, "after the CPU read");
	/* Back in system memory, still lazily freed: once more. */
	if (pageout(buf, SIZE))
		vsvm_check_pattern(buf, SIZE, seed + 1,
				   "CPU read after a second MADV_PAGEOUT");

	/* A page the GPU wrote and the CPU never touched since. */
	if (in_vram) {
		igt_assert_eq(madvise(buf, SIZE, MADV_FREE), 0);
		lru_drain();
		gpu_write_vram(buf, SIZE, seed + 2);
		prefetch(buf, SIZE, DRM_VSVM_LOCATION_SYSTEM);
		expect_at(buf, NPAGES, DRM_VSVM_RESIDENCY_SYSTEM,
			  "prefetched back");
		pageout(buf, SIZE);
		vsvm_check_pattern(buf, SIZE, seed + 2,
				   "CPU read after PREFETCH and MADV_PAGEOUT");
	}
	igt_assert_eq(sched_setaffinity(0, sizeof(all), &all), 0);
	igt_assert_eq(munmap(buf, SIZE), 0);
}

/* A 2 MiB-aligned anonymous mapping of @size bytes. */
static __u8 *map_huge_aligned(size_t size)
{
	__u8 *p = map_mem(size + HUGE_SZ, MAP_PRIVATE), *a;

	a = (__u8 *)(((uintptr_t)p + HUGE_SZ - 1) & ~(HUGE_SZ - 1));
	if (a > p)
		igt_assert_eq(munmap(p, a - p), 0);
	if (a + size < p + size + HUGE_SZ)
		igt_assert_eq(munmap(a + size, p + size + HUGE_SZ - (a + size)),
			      0);
	return a;
}

/*
 * MADV_HUGEPAGE, MADV_NOHUGEPAGE and MADV_COLLAPSE over two huge pages,
 * the middle 2 MiB of which are in VRAM: nothing is lost, every page is
 * somewhere, and the GPU and the CPU keep agreeing.
 */
static void test_thp(void)
{
	const size_t size = 2 * HUGE_SZ, npages = size / PAGE_SZ;
	__u8 *buf = map_huge_aligned(size), *mid = buf + HUGE_SZ / 2;
	__u32 *loc = calloc(npages, sizeof(*loc));
	size_t i, in_vram = 0, in_sys = 0;
	int ret, err;

	igt_assert(loc);
	igt_assert_eq(madvise(buf, size, MADV_HUGEPAGE), 0);
	vsvm_fill_pattern(buf, size, 0x8001);
	prefetch(mid, HUGE_SZ, DRM_VSVM_LOCATION_DEVICE);
	expect_at(mid, HUGE_SZ / PAGE_SZ, vram, "middle prefetched");
	expect_at(buf, HUGE_SZ / 2 / PAGE_SZ, DRM_VSVM_RESIDENCY_SYSTEM,
		  "head");
	expect_at(mid + HUGE_SZ, HUGE_SZ / 2 / PAGE_SZ,
		  DRM_VSVM_RESIDENCY_SYSTEM, "tail");

	/* The advice alone moves nothing (a GPU read would: not yet). */
	igt_assert_eq(madvise(buf, size, MADV_NOHUGEPAGE), 0);
	expect_at(mid, HUGE_SZ / PAGE_SZ, vram, "after MADV_NOHUGEPAGE");
	expect_at(buf, HUGE_SZ / 2 / PAGE_SZ, DRM_VSVM_RESIDENCY_SYSTEM,
		  "head after MADV_NOHUGEPAGE");
	igt_assert_eq(madvise(buf, size, MADV_HUGEPAGE), 0);
	expect_at(mid, HUGE_SZ / PAGE_SZ, vram, "after MADV_HUGEPAGE");
	expect_at(mid + HUGE_SZ, HUGE_SZ / 2 / PAGE_SZ,
		  DRM_VSVM_RESIDENCY_SYSTEM, "tail after MADV_HUGEPAGE");

	ret = madvise(buf, size, MADV_COLLAPSE);
	err = ret ? errno : 0;
	igt_info("MADV_COLLAPSE over a range partly in VRAM: %d (%s)\n", ret,
		 strerror(err));
	igt_assert_f(!ret || err == EAGAIN || err == EINVAL || err == ENOMEM,
		     "MADV_COLLAPSE: %s\n", strerror(err));
	igt_assert_eq(vsvm_residency(dev.fd, vm, (uintptr_t)buf, npages, loc),
		      0);
	for (i = 0; i < npages; i++) {
		igt_assert_f(loc[i] == vram ||
			     loc[i] == DRM_VSVM_RESIDENCY_SYSTEM,
			     "page %zu at %#x after MADV_COLLAPSE\n", i, loc[i]);
		in_vram += loc[i] == vram;
		in_sys += loc[i] == DRM_VSVM_RESIDENCY_SYSTEM;
	}
	igt_info("after MADV_COLLAPSE: %zu pages in VRAM, %zu in system memory\n",
		 in_vram, in_sys);
	/* A collapse faults the device pages back to make the huge page. */
	if (!ret)
		igt_assert_eq(in_sys, npages);
	gpu_check(buf, size, 0x8001, "GPU read after MADV_COLLAPSE");
	vsvm_check_pattern(buf, size, 0x8001, "CPU read after MADV_COLLAPSE");

	/* The GPU writes all of it, the CPU reads it. */
	gpu_write(buf, size, 0x8002);
	vsvm_check_pattern(buf, size, 0x8002, "CPU read of the GPU's write");
	ret = madvise(buf, size, MADV_COLLAPSE);
	igt_info("MADV_COLLAPSE again: %d (%s)\n", ret,
		 strerror(ret ? errno : 0));
	gpu_check(buf, size, 0x8002, "GPU read after a second MADV_COLLAPSE");
	free(loc);
	igt_assert_eq(munmap(buf, size), 0);
}

/* The start of the VMA holding @p, from /proc/self/maps; 0 if none. */
static uintptr_t vma_start(const void *p)
{
	uintptr_t a, b, v = (uintptr_t)p, start = 0;
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");

	igt_assert(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR, &a, &b) == 2 &&
		    a <= v && v < b)
			start = a;
	fclose(f);
	return start;
}

/* The end of the highest VMA below @p; 0 if none. */
static uintptr_t vma_end_below(const void *p)
{
	uintptr_t a, b, v = (uintptr_t)p, end = 0;
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");

	igt_assert(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR, &a, &b) == 2 &&
		    b <= v && b > end)
			end = b;
	fclose(f);
	return end;
}

/* The kernel's default stack_guard_gap: 256 pages. */
#define STACK_GUARD	(256 * PAGE_SZ)

/*
 * MAP_GROWSDOWN memory: the GPU uses it like any anonymous memory, and an
 * access below it is -EFAULT: the GPU never grows a stack.
 */
static void test_growsdown(void)
{
	__u8 *buf = mmap(NULL, SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN, -1, 0);
	__u8 tmp[PAGE_SZ];
	__u32 loc;

	igt_assert(buf != MAP_FAILED);
	igt_assert_eq(vma_start(buf), (uintptr_t)buf);
	gpu_write_vram(buf, SIZE, 0x9001);
	vsvm_check_pattern(buf, SIZE, 0x9001, "CPU read");
	prefetch(buf, SIZE, DRM_VSVM_LOCATION_DEVICE);
	expect_at(buf, NPAGES, vram, "prefetched");

	memset(tmp, 0xa5, sizeof(tmp));
	igt_assert_eq(vsvm_exec_read(dev.fd, vm, buf - PAGE_SZ, PAGE_SZ, tmp,
				     NULL), -EFAULT);
	igt_assert_eq(vsvm_exec_fill(dev.fd, vm, buf - PAGE_SZ, 2 * PAGE_SZ,
				     4, 0x11111111, NULL), -EFAULT);
	igt_assert_eq(vsvm_exec_write(dev.fd, vm, buf - PAGE_SZ, PAGE_SZ, tmp,
				      NULL), -EFAULT);
	igt_assert_eq(vsvm_prefetch(dev.fd, vm, DRM_VSVM_LOCATION_DEVICE,
				    (uintptr_t)buf - PAGE_SZ, PAGE_SZ, 0,
				    NULL), -EFAULT);
	igt_assert_eq(tmp[0], 0xa5);
	/* The VMA did not grow, nothing changed. */
	igt_assert_eq(vma_start(buf), (uintptr_t)buf);
	igt_assert_eq(vma_start(buf - PAGE_SZ), 0);
	igt_assert_eq(vsvm_residency(dev.fd, vm, (uintptr_t)buf - PAGE_SZ, 1,
				     &loc), 0);
	igt_assert_eq_u32(loc, DRM_VSVM_RESIDENCY_NONE);
	expect_at(buf, NPAGES, vram, "after the failed calls");
	gpu_check(buf, SIZE, 0x9001, "GPU read");

	/*
	 * The CPU grows it (where no mapping is within the stack guard gap
	 * below it: growing would fail with SIGSEGV); then the GPU may use
	 * the new page.
	 */
	if ((uintptr_t)buf - vma_end_below(buf) <= STACK_GUARD + PAGE_SZ) {
		igt_info("a mapping right below: the CPU does not grow it\n");
		igt_assert_eq(munmap(buf, SIZE), 0);
		return;
	}
	buf[-1] = 0x77;
	igt_assert_eq(vma_start(buf), vma_start(buf - 1));
	igt_assert(vma_start(buf) < (uintptr_t)buf);
	igt_assert_eq(vsvm_exec_fill(dev.fd, vm, buf - PAGE_SZ, PAGE_SZ, 4,
				     0x22222222, NULL), 0);
	igt_assert_eq(((__u32 *)buf)[-1], 0x22222222);
	vsvm_check_pattern(buf, SIZE, 0x9001, "CPU read after the growth");
	igt_assert_eq(munmap((void *)vma_start(buf), buf + SIZE -
			     (__u8 *)vma_start(buf)), 0);
}

/* The [vdso] or [vvar] mapping: its start and size; false if none. */
static bool special_vma(const char *name, __u8 **start, size_t *size)
{
	uintptr_t a, b;
	char line[512];
	bool found = false;
	FILE *f = fopen("/proc/self/maps", "r");

	igt_assert(f);
	while (!found && fgets(line, sizeof(line), f))
		if (strstr(line, name) &&
		    sscanf(line, "%" SCNxPTR "-%" SCNxPTR, &a, &b) == 2) {
			*start = (__u8 *)a;
			*size = b - a;
			found = true;
		}
	fclose(f);
	return found;
}

/*
 * The vDSO as GPU VA: readable in place (it is the process's memory),
 * not writable (-EPERM), never moved. vvar (VM_IO | VM_PFNMAP): no page
 * behind it that HMM may hand out: -EFAULT, nothing read or changed.
 */
static void test_vdso(void)
{
	__u8 *vdso, *vvar, *tmp = malloc(PAGE_SZ), *copy = malloc(PAGE_SZ);
	size_t vdso_size, vvar_size, i;
	__u64 moved = 0;
	__u32 loc;
	int ret;

	igt_assert(tmp && copy);
	igt_require_f(special_vma("[vdso]", &vdso, &vdso_size), "no vDSO\n");
	memcpy(copy, vdso, PAGE_SZ);

	memset(tmp, 0xa5, PAGE_SZ);
	igt_assert_eq(vsvm_exec_read(dev.fd, vm, vdso, PAGE_SZ, tmp, NULL), 0);
	igt_assert(!memcmp(tmp, copy, PAGE_SZ));
	igt_assert_eq(vsvm_exec_fill(dev.fd, vm, vdso, PAGE_SZ, 4, 0, NULL),
		      -EPERM);
	igt_assert_eq(vsvm_exec_write(dev.fd, vm, vdso, PAGE_SZ, tmp, NULL),
		      -EPERM);
	igt_assert_eq(vsvm_exec_atomic_inc(dev.fd, vm, vdso, 8, 8, 1, NULL),
		      -EPERM);
	ret = vsvm_prefetch(dev.fd, vm, DRM_VSVM_LOCATION_DEVICE,
			    (uintptr_t)vdso, vdso_size, 0, &moved);
	igt_info("PREFETCH of the vDSO to VRAM: %d, %llu moved\n", ret,
		 (unsigned long long)moved);
	igt_assert_eq(ret, 0);
	igt_assert_eq_u64(moved, 0);
	/* The page read above is in system memory; none is in VRAM. */
	expect_at(vdso, 1, DRM_VSVM_RESIDENCY_SYSTEM, "the vDSO");
	for (i = 1; i < vdso_size / PAGE_SZ; i++) {
		igt_assert_eq(vsvm_residency(dev.fd, vm,
					     (uintptr_t)vdso + i * PAGE_SZ, 1,
					     &loc), 0);
		igt_assert_f(loc == DRM_VSVM_RESIDENCY_SYSTEM ||
			     loc == DRM_VSVM_RESIDENCY_NONE,
			     "vDSO page %zu at %#x\n", i, loc);
	}
	igt_assert(!memcmp(vdso, copy, PAGE_SZ));

	if (!special_vma("[vvar]", &vvar, &vvar_size)) {
		igt_info("no [vvar] mapping\n");
		goto out;
	}
	memset(tmp, 0xa5, PAGE_SZ);
	igt_assert_eq(vsvm_exec_read(dev.fd, vm, vvar, PAGE_SZ, tmp, NULL),
		      -EFAULT);
	for (i = 0; i < PAGE_SZ; i++)
		igt_assert_eq(tmp[i], 0xa5);
	igt_assert_eq(vsvm_exec_fill(dev.fd, vm, vvar, PAGE_SZ, 4, 0, NULL),
		      -EPERM);
	moved = ~0ull;
	igt_assert_eq(vsvm_prefetch(dev.fd, vm, DRM_VSVM_LOCATION_DEVICE,
				    (uintptr_t)vvar, PAGE_SZ, 0, &moved), 0);
	igt_assert_eq_u64(moved, 0);
	/* No page behind it that RESIDENCY could report. */
	igt_assert_eq(vsvm_residency(dev.fd, vm, (uintptr_t)vvar, 1, &loc), 0);
	igt_assert_eq_u32(loc, DRM_VSVM_RESIDENCY_NONE);
out:
	/* Nothing changed: the process still reads its clock. */
	igt_assert(!memcmp(vdso, copy, PAGE_SZ));
	igt_assert(getppid() > 0);
	free(tmp);
	free(copy);
}

static int memfd(size_t size)
{
	int fd = syscall(SYS_memfd_create, "vsvm_mm", 0);

	igt_assert(fd >= 0);
	igt_assert_eq(ftruncate(fd, size), 0);
	return fd;
}

/*
 * fallocate(PUNCH_HOLE) and madvise(MADV_REMOVE) on memfd memory the GPU
 * maps (shared: in place in system memory): the GPU reads zeroes in the
 * hole at once, never the old pages.
 */
static void test_punch_hole(void)
{
	int fd = memfd(SIZE);
	__u8 *buf = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			 0), *ref = malloc(SIZE);
	const size_t hole = 4 * PAGE_SZ;

	igt_assert(buf != MAP_FAILED && ref);
	gpu_write(buf, SIZE, 0xa001);
	gpu_check(buf, SIZE, 0xa001, "GPU read");
	expect_at(buf, NPAGES, DRM_VSVM_RESIDENCY_SYSTEM, "shared memfd");

	igt_assert_eq(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				hole, hole), 0);
	igt_assert_eq(madvise(buf + 3 * hole, hole, MADV_REMOVE), 0);
	vsvm_fill_pattern(ref, SIZE, 0xa001);
	memset(ref + hole, 0, hole);
	memset(ref + 3 * hole, 0, hole);
	{
		__u8 *got = malloc(SIZE);
		size_t i;

		igt_assert(got);
		memset(got, 0xa5, SIZE);
		igt_assert_eq(vsvm_exec_read(dev.fd, vm, buf, SIZE, got, NULL),
			      0);
		for (i = 0; i < SIZE; i++)
			igt_assert_f(got[i] == ref[i],
				     "GPU read after the holes: byte %zu = %#x, expected %#x\n",
				     i, got[i], ref[i]);
		igt_assert_eq(pread(fd, got, SIZE, 0), (ssize_t)SIZE);
		igt_assert(!memcmp(got, ref, SIZE));
		free(got);
	}
	igt_assert(!memcmp(buf, ref, SIZE));

	/* The GPU fills the holes again; the file has it. */
	gpu_write(buf, SIZE, 0xa002);
	vsvm_check_pattern(buf, SIZE, 0xa002, "CPU read");
	igt_assert_eq(pread(fd, ref, SIZE, 0), (ssize_t)SIZE);
	vsvm_check_pattern(ref, SIZE, 0xa002, "the file");
	free(ref);
	igt_assert_eq(munmap(buf, SIZE), 0);
	close(fd);
}

/*
 * ftruncate() shrinking a memfd the GPU maps (@flags MAP_SHARED: in place;
 * MAP_PRIVATE: the GPU's writes are the process's private copies): beyond
 * the new EOF the GPU gets -EFAULT, the pages before it are read, nothing
 * of the old pages is read or written; growing it back shows zeroes.
 */
static void test_truncate(int flags)
{
	int fd = memfd(SIZE);
	__u8 *buf = map_huge_aligned(SIZE);
	__u8 *got = malloc(SIZE), *ref = malloc(SIZE);
	const size_t half = SIZE / 2;
	struct stat st;
	__u64 moved;
	size_t i;
	int ret;

	/*
	 * 2 MiB aligned: one GPU range of 64 KiB covers it all, the pages
	 * beyond the new EOF with the ones before it.
	 */
	igt_assert(mmap(buf, SIZE, PROT_READ | PROT_WRITE, flags | MAP_FIXED,
			fd, 0) == buf);
	igt_assert(got && ref);
	gpu_write(buf, SIZE, 0xb001);
	gpu_check(buf, SIZE, 0xb001, "GPU read");
	vsvm_fill_pattern(ref, SIZE, 0xb001);

	igt_assert_eq(ftruncate(fd, half), 0);

	/*
	 * -EFAULT at EOF. The pages before it may or may not be in the
	 * result (a READ that fails may keep part of its bounce buffer),
	 * nothing beyond it is.
	 */
	memset(got, 0xa5, SIZE);
	ret = vsvm_exec_read(dev.fd, vm, buf, SIZE, got, NULL);
	igt_assert_eq(ret, -EFAULT);
	for (i = 0; i < half; i++)
		igt_assert_f(got[i] == ref[i] || got[i] == 0xa5,
			     "GPU read before EOF: byte %zu = %#x\n", i,
			     got[i]);
	for (i = half; i < SIZE; i++)
		igt_assert_f(got[i] == 0xa5,
			     "GPU read beyond EOF: byte %zu = %#x\n", i, got[i]);
	igt_assert_eq(vsvm_exec_read(dev.fd, vm, buf + half, PAGE_SZ, got,
				     NULL), -EFAULT);
	igt_assert_eq(vsvm_exec_fill(dev.fd, vm, buf + half, PAGE_SZ, 4,
				     0x33333333, NULL), -EFAULT);
	igt_assert_eq(vsvm_exec_atomic_inc(dev.fd, vm, buf + half, 8, 8, 1,
					   NULL), -EFAULT);
	ret = vsvm_prefetch(dev.fd, vm, DRM_VSVM_LOCATION_DEVICE,
			    (uintptr_t)buf, SIZE, 0, &moved);
	igt_info("PREFETCH over EOF: %d\n", ret);
	igt_assert_eq(ret, 0);
	expect_at(buf + half, NPAGES / 2, DRM_VSVM_RESIDENCY_NONE,
		  "beyond EOF");
	igt_assert_eq(fstat(fd, &st), 0);
	igt_assert_eq(st.st_size, (off_t)half);
	gpu_check(buf, half, 0xb001, "GPU read before EOF");

	/* Grown back: zeroes, never the old data. */
	igt_assert_eq(ftruncate(fd, SIZE), 0);
	gpu_check_zero(buf + half, half, "grown back");
	cpu_check_zero(buf + half, half, "grown back");
	vsvm_check_pattern(buf, half, 0xb001, "CPU read before EOF");
	gpu_write(buf, SIZE, 0xb002);
	vsvm_check_pattern(buf, SIZE, 0xb002, "CPU read");
	igt_assert_eq(pread(fd, got, SIZE, 0), (ssize_t)SIZE);
	if (flags & MAP_SHARED)
		vsvm_check_pattern(got, SIZE, 0xb002, "the file");
	free(got);
	free(ref);
	igt_assert_eq(munmap(buf, SIZE), 0);
	close(fd);
}

/*
 * msync() of a shared memfd mapping the GPU wrote in place: the file
 * holds the GPU's data; of anonymous memory in VRAM: nothing moves.
 */
static void test_msync(void)
{
	int fd = memfd(SIZE);
	__u8 *buf = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			 0), *got = malloc(SIZE), *anon;

	igt_assert(buf != MAP_FAILED && got);
	gpu_write(buf, SIZE, 0xc001);
	igt_assert_eq(msync(buf, SIZE, MS_SYNC), 0);
	igt_assert_eq(pread(fd, got, SIZE, 0), (ssize_t)SIZE);
	vsvm_check_pattern(got, SIZE, 0xc001, "the file after MS_SYNC");
	igt_assert_eq(msync(buf, SIZE, MS_INVALIDATE), 0);
	gpu_check(buf, SIZE, 0xc001, "GPU read after MS_INVALIDATE");
	vsvm_fill_pattern(got, SIZE, 0xc002);
	igt_assert_eq(pwrite(fd, got, SIZE, 0), (ssize_t)SIZE);
	igt_assert_eq(msync(buf, SIZE, MS_ASYNC), 0);
	gpu_check(buf, SIZE, 0xc002, "GPU read of the file's write");
	igt_assert_eq(munmap(buf, SIZE), 0);
	close(fd);

	anon = map_mem(SIZE, MAP_PRIVATE);
	gpu_write_vram(anon, SIZE, 0xc003);
	igt_assert_eq(msync(anon, SIZE, MS_SYNC), 0);
	igt_assert_eq(msync(anon, SIZE, MS_INVALIDATE), 0);
	expect_at(anon, NPAGES, vram, "after msync");
	gpu_check(anon, SIZE, 0xc003, "GPU read after msync");
	vsvm_check_pattern(anon, SIZE, 0xc003, "CPU read after msync");
	igt_assert_eq(munmap(anon, SIZE), 0);
	free(got);
}

/*
 * mprotect(PROT_READ) after a GPU write landed in VRAM: the data stays
 * where it is and reads right, GPU writes fail with -EPERM and change
 * nothing, and work again once the memory is writable.
 */
static void test_mprotect_vram(void)
{
	__u8 *buf = map_mem(SIZE, MAP_PRIVATE), *tmp = malloc(SIZE);

	igt_assert(tmp);
	gpu_write_vram(buf, SIZE, 0xd001);
	igt_assert_eq(mprotect(buf, SIZE, PROT_READ), 0);
	expect_at(buf, NPAGES, vram, "read-only");
	gpu_check(buf, SIZE, 0xd001, "GPU read, read-only");
	vsvm_fill_pattern(tmp, SIZE, 0xd002);
	igt_assert_eq(vsvm_exec_write(dev.fd, vm, buf, SIZE, tmp, NULL),
		      -EPERM);
	igt_assert_eq(vsvm_exec_fill(dev.fd, vm, buf + SIZE - PAGE_SZ,
				     PAGE_SZ, 4, 0, NULL), -EPERM);
	igt_assert_eq(vsvm_exec_atomic_inc(dev.fd, vm, buf, 8, 8, 1, NULL),
		      -EPERM);
	gpu_check(buf, SIZE, 0xd001, "GPU read after the failed writes");
	expect_at(buf, NPAGES, vram, "read-only, after the failed writes");
	vsvm_check_pattern(buf, SIZE, 0xd001, "CPU read, read-only");
	/* Read-only pages move both ways. */
	prefetch(buf, SIZE, DRM_VSVM_LOCATION_DEVICE);
	expect_at(buf, NPAGES, vram, "read-only, prefetched");
	gpu_check(buf, SIZE, 0xd001, "GPU read, read-only, prefetched");
	igt_assert_eq(mprotect(buf, SIZE, PROT_READ | PROT_WRITE), 0);
	gpu_write(buf, SIZE, 0xd002);
	vsvm_check_pattern(buf, SIZE, 0xd002, "CPU read, writable again");
	free(tmp);
	igt_assert_eq(munmap(buf, SIZE), 0);
}

/* Two devices of one owner group (P2P or fabric), or skip. */
static void find_peers(int *a, int *b)
{
	int i, j;

	for (i = 0; i < n_nodes; i++)
		for (j = 0; j < n_nodes; j++) {
			__u32 link;

			if (i == j)
				continue;
			link = vsvm_link_to(nodes[i].fd,
					    vsvm_device_index(nodes[j].fd));
			if (link == DRM_VSVM_LINK_P2P ||
			    link == DRM_VSVM_LINK_FABRIC) {
				*a = i;
				*b = j;
				return;
			}
		}
	igt_require_f(false, "no two devices of one owner group\n");
}

/* Every page of [@buf, + NPAGES) is replicated on the devices of @want. */
static void expect_replicas(int fd, __u32 id, const void *buf, __u32 want,
			    const char *what)
{
	__u32 mask[NPAGES];
	size_t i;

	igt_assert_eq(vsvm_replicas(fd, id, (uintptr_t)buf, NPAGES, mask), 0);
	for (i = 0; i < NPAGES; i++)
		igt_assert_f(mask[i] == want,
			     "%s: page %zu replicated on %#x, not %#x\n", what,
			     i, mask[i], want);
}

/*
 * Read replicas against the other process's access and fork advice: the
 * master in device A's VRAM, a replica in B's (a device of A's owner
 * group). MADV_DONTFORK and fork() leave both alone; a write through
 * /proc/<pid>/mem by another process collapses the replica before it
 * lands, and each GPU reads the new data.
 */
static void test_replica_remote(void)
{
	int a, b, i, go[2], status;
	__u32 ia, ib, vram_a;
	pid_t parent = getpid(), pid, kid;
	__u8 *buf, *tmp;
	char c;

	find_peers(&a, &b);
	ia = vsvm_device_index(nodes[a].fd);
	ib = vsvm_device_index(nodes[b].fd);
	vram_a = DRM_VSVM_RESIDENCY_DEVICE(ia);

	buf = map_mem(SIZE, MAP_PRIVATE);
	tmp = malloc(SIZE);
	igt_assert(tmp);
	igt_assert_eq(pipe(go), 0);
	pid = fork();
	igt_assert(pid >= 0);
	if (pid == 0) {
		char path[64];
		int mem;

		if (read(go[0], &c, 1) != 1)
			_exit(60);
		snprintf(path, sizeof(path), "/proc/%d/mem", parent);
		mem = open(path, O_RDWR);
		if (mem < 0)
			_exit(61);
		vsvm_fill_pattern(tmp, SIZE, 0xe002);
		if (pwrite(mem, tmp, SIZE, (uintptr_t)buf) != (ssize_t)SIZE)
			_exit(62);
		_exit(0);
	}

	for (i = 0; i < 2; i++)
		igt_assert_eq(vsvm_madvise(nodes[i ? b : a].fd, vms[i ? b : a],
					   DRM_VSVM_MADVISE_READ_MOSTLY,
					   (uintptr_t)buf, SIZE,
					   DRM_VSVM_READ_MOSTLY_ON, 0), 0);
	vsvm_fill_pattern(tmp, SIZE, 0xe001);
	igt_assert_eq(vsvm_exec_write(nodes[a].fd, vms[a], buf, SIZE, tmp,
				      NULL), 0);
	vsvm_expect_residency(nodes[a].fd, vms[a], buf, NPAGES, vram_a,
			      "the master");
	memset(tmp, 0, SIZE);
	igt_assert_eq(vsvm_exec_read(nodes[b].fd, vms[b], buf, SIZE, tmp,
				     NULL), 0);
	vsvm_check_pattern(tmp, SIZE, 0xe001, "B's first read");
	expect_replicas(nodes[a].fd, vms[a], buf, 1u << ib, "after B's read");

	/* MADV_DONTFORK and a fork: nothing moves, nothing collapses. */
	igt_assert_eq(madvise(buf, SIZE, MADV_DONTFORK), 0);
	kid = fork();
	igt_assert(kid >= 0);
	if (kid == 0)
		_exit(0);
	igt_assert_eq(wait_child(kid), 0);
	vsvm_expect_residency(nodes[a].fd, vms[a], buf, NPAGES, vram_a,
			      "the master after a fork");
	expect_replicas(nodes[a].fd, vms[a], buf, 1u << ib,
			"after a fork, DONTFORK");
	memset(tmp, 0, SIZE);
	igt_assert_eq(vsvm_exec_read(nodes[b].fd, vms[b], buf, SIZE, tmp,
				     NULL), 0);
	vsvm_check_pattern(tmp, SIZE, 0xe001, "B's read after the fork");

	/* The other process writes: no replica survives it. */
	igt_assert_eq(write(go[1], "g", 1), 1);
	status = wait_child(pid);
	igt_assert_f(status == 0, "child failed with %d\n", status);
	expect_replicas(nodes[a].fd, vms[a], buf, 0, "after the remote write");
	vsvm_expect_residency(nodes[a].fd, vms[a], buf, NPAGES,
			      DRM_VSVM_RESIDENCY_SYSTEM,
			      "the master after the remote write");
	for (i = 0; i < 2; i++) {
		memset(tmp, 0, SIZE);
		igt_assert_eq(vsvm_exec_read(nodes[i ? b : a].fd,
					     vms[i ? b : a], buf, SIZE, tmp,
					     NULL), 0);
		vsvm_check_pattern(tmp, SIZE, 0xe002,
				   i ? "B's read of the remote write" :
				   "A's read of the remote write");
	}
	vsvm_check_pattern(buf, SIZE, 0xe002, "CPU read");
	close(go[0]);
	close(go[1]);
	free(tmp);
	igt_assert_eq(munmap(buf, SIZE), 0);
}

/*
 * Access counters on read-only memory: B reads a 2 MiB block of A's VRAM
 * in place with its counters on, after mprotect(PROT_READ). The counters
 * may move the block into B's VRAM (read-only pages move as they are);
 * the data stays exact, GPU writes of either device are -EPERM until the
 * memory is writable again, and then land.
 */
static void test_access_readonly(void)
{
	const size_t npages = HUGE_SZ / PAGE_SZ;
	__u8 *buf = map_huge_aligned(HUGE_SZ), *tmp = malloc(HUGE_SZ);
	__u64 mig0, mig1;
	__u32 where;
	int a, b, i;

	igt_assert(tmp);
	find_peers(&a, &b);
	vsvm_fill_pattern(buf, HUGE_SZ, 0xf001);
	igt_assert_eq(vsvm_prefetch(nodes[a].fd, vms[a],
				    DRM_VSVM_LOCATION_DEVICE, (uintptr_t)buf,
				    HUGE_SZ, 0, NULL), 0);
	igt_assert_eq(vsvm_madvise(nodes[b].fd, vms[b],
				   DRM_VSVM_MADVISE_MIGRATION_POLICY,
				   (uintptr_t)buf, HUGE_SZ,
				   DRM_VSVM_MIGRATE_ONLY_SYSTEM_PAGES, 0), 0);
	igt_assert_eq(vsvm_madvise(nodes[b].fd, vms[b],
				   DRM_VSVM_MADVISE_ACCESS_COUNTERS,
				   (uintptr_t)buf, HUGE_SZ,
				   DRM_VSVM_ACCESS_COUNTERS_ON, 0), 0);
	igt_assert_eq(mprotect(buf, HUGE_SZ, PROT_READ), 0);
	igt_assert_eq(vsvm_counter(nodes[b].minor, "access_migrations", &mig0),
		      0);
	for (i = 0; i < 4; i++) {
		memset(tmp, 0, HUGE_SZ);
		igt_assert_eq(vsvm_exec_read(nodes[b].fd, vms[b], buf, HUGE_SZ,
					     tmp, NULL), 0);
		vsvm_check_pattern(tmp, HUGE_SZ, 0xf001, "B's read");
	}
	igt_assert_eq(vsvm_counter(nodes[b].minor, "access_migrations", &mig1),
		      0);
	igt_info("access-counter migrations of read-only memory: %llu\n",
		 (unsigned long long)(mig1 - mig0));
	where = DRM_VSVM_RESIDENCY_DEVICE(vsvm_device_index(nodes[mig1 > mig0 ?
							       b : a].fd));
	vsvm_expect_residency(nodes[a].fd, vms[a], buf, npages, where,
			      "after B's reads");
	for (i = 0; i < 2; i++)
		igt_assert_eq(vsvm_exec_fill(nodes[i ? b : a].fd,
					     vms[i ? b : a], buf, HUGE_SZ, 4, 0,
					     NULL), -EPERM);
	vsvm_expect_residency(nodes[a].fd, vms[a], buf, npages, where,
			      "after the refused writes");
	vsvm_check_pattern(buf, HUGE_SZ, 0xf001, "CPU read, read-only");
	igt_assert_eq(mprotect(buf, HUGE_SZ, PROT_READ | PROT_WRITE), 0);
	vsvm_fill_pattern(tmp, HUGE_SZ, 0xf002);
	igt_assert_eq(vsvm_exec_write(nodes[b].fd, vms[b], buf, HUGE_SZ, tmp,
				      NULL), 0);
	memset(tmp, 0, HUGE_SZ);
	igt_assert_eq(vsvm_exec_read(nodes[a].fd, vms[a], buf, HUGE_SZ, tmp,
				     NULL), 0);
	vsvm_check_pattern(tmp, HUGE_SZ, 0xf002, "A's read of B's write");
	vsvm_check_pattern(buf, HUGE_SZ, 0xf002, "CPU read");
	free(tmp);
	igt_assert_eq(munmap(buf, HUGE_SZ), 0);
}

/* mix: a random sequence of mm operations against a shadow copy. */
#define MIX_BUFS	4

/*
 * @lazy: the pages MADV_FREE freed that nobody wrote since: reclaim may
 * drop them (they then read as zeroes); a page written since, by the CPU
 * or by a GPU, must keep its data.
 */
struct mix_buf {
	__u8 *p;
	__u8 *shadow;
	bool lazy[NPAGES];
	bool locked;
};

static void mix_gpu_write(struct mix_buf *b, __u64 *rs)
{
	size_t first = vsvm_rand_below(rs, NPAGES);
	size_t n = 1 + vsvm_rand_below(rs, NPAGES - first), i;
	__u32 seed = vsvm_rand(rs);

	vsvm_fill_pattern(b->shadow + first * PAGE_SZ, n * PAGE_SZ, seed);
	igt_assert_eq(vsvm_exec_write(dev.fd, vm, b->p + first * PAGE_SZ,
				      n * PAGE_SZ, b->shadow + first * PAGE_SZ,
				      NULL), 0);
	for (i = first; i < first + n; i++)
		b->lazy[i] = false;
}

/* After a reclaim pass: a lazily freed page reads as before or as zeroes. */
static void mix_reclaimed(struct mix_buf *b, __u64 step)
{
	static const __u8 zero[PAGE_SZ];
	size_t i;

	for (i = 0; i < NPAGES; i++) {
		__u8 *p = b->p + i * PAGE_SZ, *sh = b->shadow + i * PAGE_SZ;

		if (!b->lazy[i] || !memcmp(p, sh, PAGE_SZ))
			continue;
		igt_assert_f(!memcmp(p, zero, PAGE_SZ),
			     "step %llu: lazily freed page %zu neither kept nor dropped\n",
			     (unsigned long long)step, i);
		memset(sh, 0, PAGE_SZ);
		b->lazy[i] = false;
	}
}

static void mix_check(const struct mix_buf *b, int i, __u64 step)
{
	__u8 *got = malloc(SIZE);
	size_t k;

	igt_assert(got);
	igt_assert_eq(vsvm_exec_read(dev.fd, vm, b->p, SIZE, got, NULL), 0);
	for (k = 0; k < SIZE; k++)
		igt_assert_f(got[k] == b->shadow[k],
			     "step %llu: buffer %d byte %zu: GPU read %#x, expected %#x\n",
			     (unsigned long long)step, i, k, got[k],
			     b->shadow[k]);
	for (k = 0; k < SIZE; k++)
		igt_assert_f(b->p[k] == b->shadow[k],
			     "step %llu: buffer %d byte %zu: CPU read %#x, expected %#x\n",
			     (unsigned long long)step, i, k, b->p[k],
			     b->shadow[k]);
	free(got);
}

static void test_mix(void)
{
	struct mix_buf bufs[MIX_BUFS];
	struct vsvm_stress st;
	__u64 rs, step = 0;
	int i, ret;

	vsvm_stress_init(&st, "vsvm_mm", 5);
	rs = vsvm_stress_subseed(&st, 1);
	for (i = 0; i < MIX_BUFS; i++) {
		bufs[i].p = map_mem(SIZE, MAP_PRIVATE);
		bufs[i].shadow = calloc(1, SIZE);
		memset(bufs[i].lazy, 0, sizeof(bufs[i].lazy));
		bufs[i].locked = false;
		igt_assert(bufs[i].shadow);
		/* Half of them the GPU uses in place in system memory. */
		if (i < MIX_BUFS / 2)
			igt_assert_eq(vsvm_madvise(dev.fd, vm,
						   DRM_VSVM_MADVISE_PREFERRED_LOC,
						   (uintptr_t)bufs[i].p, SIZE,
						   DRM_VSVM_LOCATION_SYSTEM,
						   0), 0);
	}
	while (vsvm_stress_running(&st)) {
		struct mix_buf *b = &bufs[vsvm_rand_below(&rs, MIX_BUFS)];
		size_t first = vsvm_rand_below(&rs, NPAGES);
		size_t n = 1 + vsvm_rand_below(&rs, NPAGES - first);
		__u8 *p = b->p + first * PAGE_SZ;
		size_t len = n * PAGE_SZ;
		unsigned int op = vsvm_rand_below(&rs, 12);
		size_t k;
		pid_t pid;

		step++;
		igt_debug("step %llu: op %u, buffer %ld, pages %zu+%zu\n",
			  (unsigned long long)step, op, (long)(b - bufs),
			  first, n);
		switch (op) {
		case 0:
		case 1:
			mix_gpu_write(b, &rs);
			break;
		case 2:
			ret = vsvm_prefetch(dev.fd, vm, vsvm_rand_below(&rs, 2) ?
					    DRM_VSVM_LOCATION_DEVICE :
					    DRM_VSVM_LOCATION_SYSTEM,
					    (uintptr_t)p, len, 0, NULL);
			igt_assert_f(!ret, "step %llu: PREFETCH: %d\n",
				     (unsigned long long)step, ret);
			break;
		case 3:
			/* CPU write of one word per page. */
			for (k = first; k < first + n; k++) {
				__u32 v = vsvm_rand(&rs);

				memcpy(b->p + k * PAGE_SZ, &v, 4);
				memcpy(b->shadow + k * PAGE_SZ, &v, 4);
				b->lazy[k] = false;
			}
			break;
		case 4:
			if (b->locked)
				igt_assert_eq(munlock(b->p, SIZE), 0);
			else
				igt_assert_eq(mlock(b->p, SIZE), 0);
			b->locked = !b->locked;
			break;
		case 5:
			/* Lazily freed, then written: the write must stay. */
			if (b->locked)
				break;
			igt_assert_eq(madvise(p, len, MADV_FREE), 0);
			for (k = first; k < first + n; k++)
				b->lazy[k] = true;
			mix_gpu_write(b, &rs);
			if (pageout(b->p, SIZE))
				mix_reclaimed(b, step);
			break;
		case 6:
			igt_assert_eq(madvise(p, len, vsvm_rand_below(&rs, 2) ?
					      MADV_HUGEPAGE : MADV_NOHUGEPAGE),
				      0);
			break;
		case 7:
			if (b->locked)
				break;
			igt_assert_eq(madvise(p, len, MADV_DONTNEED), 0);
			memset(b->shadow + first * PAGE_SZ, 0, len);
			for (k = first; k < first + n; k++)
				b->lazy[k] = false;
			break;
		case 8:
			igt_assert_eq(mprotect(p, len, PROT_READ), 0);
			ret = vsvm_exec_fill(dev.fd, vm, p, len, 4, 0, NULL);
			igt_assert_f(ret == -EPERM, "step %llu: fill: %d\n",
				     (unsigned long long)step, ret);
			igt_assert_eq(mprotect(p, len,
					       PROT_READ | PROT_WRITE), 0);
			break;
		case 9:
			/* A child reads the buffer through /proc/<pid>/mem. */
			pid = fork();
			igt_assert(pid >= 0);
			if (pid == 0) {
				char path[64];
				__u8 *tmp = malloc(SIZE);
				int mem;

				snprintf(path, sizeof(path), "/proc/%d/mem",
					 getppid());
				mem = open(path, O_RDONLY);
				if (!tmp || mem < 0 ||
				    pread(mem, tmp, SIZE, (uintptr_t)b->p) !=
				    (ssize_t)SIZE)
					_exit(1);
				_exit(memcmp(tmp, b->shadow, SIZE) ? 2 : 0);
			}
			ret = wait_child(pid);
			igt_assert_f(!ret, "step %llu: /proc/<pid>/mem child: %d\n",
				     (unsigned long long)step, ret);
			break;
		case 10:
			ret = madvise(p, len, MADV_COLLAPSE);
			igt_debug("MADV_COLLAPSE: %d\n", ret ? -errno : 0);
			break;
		default:
			mix_check(b, b - bufs, step);
			break;
		}
	}
	for (i = 0; i < MIX_BUFS; i++) {
		mix_check(&bufs[i], i, step);
		igt_assert_eq(munmap(bufs[i].p, SIZE), 0);
		free(bufs[i].shadow);
	}
	igt_info("mix: %llu steps (seed %llu)\n", (unsigned long long)step,
		 (unsigned long long)st.seed);
}

/*
 * cpu-fault-window: a CPU fault on a page in VRAM brings back the window of
 * its own allocation around it, never another allocation's pages in that
 * window. A (4 pages from page 1) and B (4 pages from page 5) are
 * prefetched by two calls, into two allocations of 16 KiB; the CPU reads
 * page 4, A's last: the 16 KiB-aligned block around it, pages 4 to 7,
 * holds three pages of B, which stay in VRAM, as do A's pages outside the
 * block.
 */
static void test_cpu_fault_window(void)
{
	const size_t win = 4 * PAGE_SZ;
	__u8 *map = map_mem(2 * SIZE, MAP_PRIVATE), *buf;
	static __u32 expect[SIZE / 4];
	__u32 word;

	buf = (__u8 *)(((uintptr_t)map + win - 1) & ~(uintptr_t)(win - 1));
	vsvm_fill_pattern(buf, SIZE, 0x3d1);
	vsvm_fill_pattern(expect, SIZE, 0x3d1);
	prefetch(buf + PAGE_SZ, win, DRM_VSVM_LOCATION_DEVICE);
	prefetch(buf + 5 * PAGE_SZ, win, DRM_VSVM_LOCATION_DEVICE);
	expect_at(buf + PAGE_SZ, 8, vram, "two allocations prefetched");
	memcpy(&word, buf + 4 * PAGE_SZ, sizeof(word));
	igt_assert_eq_u32(word, expect[4 * PAGE_SZ / 4]);
	expect_at(buf + 4 * PAGE_SZ, 1, DRM_VSVM_RESIDENCY_SYSTEM,
		  "the page the CPU read");
	expect_at(buf + PAGE_SZ, 3, vram,
		  "its allocation's pages outside the window");
	expect_at(buf + 5 * PAGE_SZ, 4, vram,
		  "the other allocation's pages in the window");
	gpu_check(buf, SIZE, 0x3d1, "GPU read after the CPU fault");
	vsvm_check_pattern(buf, SIZE, 0x3d1, "CPU read after the CPU fault");
	igt_assert_eq(munmap(map, 2 * SIZE), 0);
}

int igt_main()
{
	int i;

	igt_fixture() {
		n_nodes = vsvm_open_nodes(nodes, MAX_DEVICES);
		igt_require_f(n_nodes > 0, "no vsvm render node\n");
		for (i = 0; i < n_nodes; i++)
			igt_assert_eq(vsvm_vm_create(nodes[i].fd, &vms[i]), 0);
		use_device(0);
	}

	igt_subtest("process-vm-rw-self")
		test_pvm_self();
	igt_subtest("process-vm-rw-remote")
		test_remote(0);
	igt_subtest("proc-mem-remote")
		test_remote(1);
	igt_subtest("ptrace-peek-poke")
		test_ptrace();
	igt_subtest("vmsplice")
		test_vmsplice();
	igt_subtest("dontfork-system")
		test_fork_advice(false, false);
	igt_subtest("dontfork-vram")
		test_fork_advice(false, true);
	igt_subtest("wipeonfork-system")
		test_fork_advice(true, false);
	igt_subtest("wipeonfork-vram")
		test_fork_advice(true, true);
	igt_subtest("mlock")
		test_mlock();
	igt_subtest("madv-free-system")
		test_madv_free(false);
	/*
	 * On a device whose VRAM no other subtest used: a VRAM page that
	 * held a page before keeps stale page flags, which hid the loss.
	 */
	igt_subtest("madv-free-vram") {
		use_device(n_nodes - 1);
		test_madv_free(true);
		use_device(0);
	}
	igt_subtest("thp-partly-vram")
		test_thp();
	igt_subtest("growsdown")
		test_growsdown();
	igt_subtest("vdso")
		test_vdso();
	igt_subtest("memfd-punch-hole")
		test_punch_hole();
	igt_subtest("memfd-truncate-shared")
		test_truncate(MAP_SHARED);
	igt_subtest("memfd-truncate-private")
		test_truncate(MAP_PRIVATE);
	igt_subtest("msync")
		test_msync();
	igt_subtest("mprotect-ro-vram")
		test_mprotect_vram();
	igt_subtest("replica-remote-write")
		test_replica_remote();
	igt_subtest("access-counters-readonly")
		test_access_readonly();
	igt_subtest("cpu-fault-window")
		test_cpu_fault_window();
	igt_subtest("mix")
		test_mix();

	igt_fixture() {
		use_device(0);
		for (i = 0; i < n_nodes; i++) {
			igt_assert_eq(vsvm_vm_destroy(nodes[i].fd, vms[i]), 0);
			close(nodes[i].fd);
		}
	}
}
