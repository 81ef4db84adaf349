// SPDX-License-Identifier: MIT
/*
 * vsvm_contract: the promises every vsvm node keeps towards user space and
 * the kernel.
 *
 * - A call that creates something (VM_CREATE, DEVMEM_OPEN) and cannot
 *   write its answer back (the argument in read-only memory) fails with
 *   EFAULT and leaves nothing behind: no VM, no fd.
 * - No DRM core ioctl reaches state the DRM core never set up for a driver
 *   without GEM, KMS or syncobjs: each one vsvm does not support fails with
 *   EOPNOTSUPP, and the kernel logs nothing (the rig fails a run on any
 *   lockdep report, "turning off the locking correctness validator" too).
 * - A CPU fault on a page migrated to VRAM during its migration timeslice
 *   does not sleep: it completes at once, with the right data, whether it
 *   comes from a user access or from get_user_pages (/proc/self/mem), and
 *   a process killed meanwhile dies at once.
 * - A pagemap fd pins the vsvm module: unloading it fails at once with
 *   EWOULDBLOCK instead of hanging on user space, and closing the fd lets
 *   go of the module.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <xf86drm.h>

#include "igt.h"
#include "vsvm_exec_lib.h"
#include "vsvm_lib.h"
#include <drm/vsvm_drm.h>

#define MAX_DEVICES	64
#define TIMESLICE_PARAM	"/sys/module/vsvm/parameters/migrate_timeslice_ms"
#define MODULE_REFCNT	"/sys/module/vsvm/refcnt"

static long page_size;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Open every vsvm render node; the count. */
static int open_nodes(struct vsvm_node *nodes)
{
	int n = vsvm_open_nodes(nodes, MAX_DEVICES);

	igt_require_f(n > 0, "no vsvm render node\n");
	return n;
}

static void close_nodes(struct vsvm_node *nodes, int n)
{
	while (n--)
		igt_assert_eq(close(nodes[n].fd), 0);
}

/* "vms: N" of the device's debugfs "vms" file: its live VMs. */
static int device_vms(int minor)
{
	char path[PATH_MAX], line[128];
	int vms = -1;
	FILE *f;

	igt_require_f(!vsvm_debugfs_path(minor, "vms", path, sizeof(path)),
		      "no debugfs vms file\n");
	f = fopen(path, "r");
	igt_assert_f(f, "%s: %s\n", path, strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "vms: %d", &vms) == 1)
			break;
	fclose(f);
	igt_assert_f(vms >= 0, "%s: no vms line\n", path);
	return vms;
}

/*
 * A zeroed (so valid) argument of @size in read-only memory, either never
 * writable (@late false) or written and then made read-only (@late true).
 */
static void *ro_arg(size_t size, bool late)
{
	char *map = mmap(NULL, page_size, late ? PROT_READ | PROT_WRITE :
			 PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	igt_assert(map != MAP_FAILED);
	if (late) {
		memset(map, 0, size);
		igt_assert_eq(mprotect(map, page_size, PROT_READ), 0);
	}
	return map;
}

static int raw_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

/* VM_CREATE with its argument in read-only memory leaves no VM. */
static void test_vm_create_ro(const struct vsvm_node *node, bool late)
{
	struct drm_vsvm_vm_destroy destroy = {};
	int fd, vms, fds, i;
	void *arg;
	__u32 id;

	/* A file of our own: its ids start at 1. */
	fd = vsvm_open_minor(node->minor);
	igt_assert_f(fd >= 0, "renderD%d: %s\n", node->minor, strerror(errno));
	vms = device_vms(node->minor);
	fds = vsvm_count_fds();
	arg = ro_arg(sizeof(struct drm_vsvm_vm_create), late);

	for (i = 0; i < 3; i++)
		igt_assert_eq(raw_ioctl(fd, DRM_IOCTL_VSVM_VM_CREATE, arg),
			      -EFAULT);
	igt_assert_eq(device_vms(node->minor), vms);
	igt_assert_eq(vsvm_count_fds(), fds);
	for (i = 1; i <= 3; i++) {
		destroy.vm_id = i;
		igt_assert_f(raw_ioctl(fd, DRM_IOCTL_VSVM_VM_DESTROY,
				       &destroy) == -ENOENT,
			     "renderD%d: VM %d exists after a failed create\n",
			     node->minor, i);
	}

	/* The next create is the file's first. */
	igt_assert_eq(vsvm_vm_create(fd, &id), 0);
	igt_assert_eq_u32(id, 1);
	igt_assert_eq(device_vms(node->minor), vms + 1);
	igt_assert_eq(vsvm_vm_destroy(fd, id), 0);
	igt_assert_eq(device_vms(node->minor), vms);
	igt_assert_eq(munmap(arg, page_size), 0);
	igt_assert_eq(close(fd), 0);
}

/* DEVMEM_OPEN with its argument in read-only memory leaves no fd. */
static void test_devmem_open_ro(const struct vsvm_node *node, bool late)
{
	struct drm_vsvm_devmem_open good = {};
	int fds = vsvm_count_fds(), i;
	void *arg = ro_arg(sizeof(good), late);

	for (i = 0; i < 3; i++)
		igt_assert_eq(raw_ioctl(node->fd, DRM_IOCTL_VSVM_DEVMEM_OPEN,
					arg), -EFAULT);
	igt_assert_f(vsvm_count_fds() == fds,
		     "renderD%d: %d fds after a failed DEVMEM_OPEN, %d before\n",
		     node->minor, vsvm_count_fds(), fds);
	igt_assert_eq(munmap(arg, page_size), 0);

	/* And the device still opens its region. */
	igt_assert_eq(raw_ioctl(node->fd, DRM_IOCTL_VSVM_DEVMEM_OPEN, &good),
		      0);
	igt_assert(good.fd >= 0);
	igt_assert_eq(vsvm_count_fds(), fds + 1);
	igt_assert_eq(close(good.fd), 0);
}

/* A copy of @src (@size bytes) in a page made read-only. */
static void *ro_copy(const void *src, size_t size)
{
	char *map = mmap(NULL, page_size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	igt_assert(map != MAP_FAILED);
	memcpy(map, src, size);
	igt_assert_eq(mprotect(map, page_size, PROT_READ), 0);
	return map;
}

#define RO_PAGES	4

/*
 * EXEC FILL and PREFETCH with their argument in read-only memory fail with
 * -EFAULT before they do anything: no byte filled, no page migrated.
 */
static void test_work_ro_arg(const struct vsvm_node *node)
{
	size_t size = RO_PAGES * page_size;
	__u8 *buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct drm_vsvm_prefetch prefetch = {};
	struct drm_vsvm_exec exec = {};
	__u32 loc[RO_PAGES];
	__u64 moved;
	void *arg;
	__u32 vm;
	size_t i;

	igt_assert(buf != MAP_FAILED);
	igt_assert_eq(vsvm_vm_create(node->fd, &vm), 0);
	memset(buf, 0x11, size);
	igt_assert_eq(vsvm_prefetch(node->fd, vm, DRM_VSVM_LOCATION_SYSTEM,
				    (uintptr_t)buf, size, 0, &moved), 0);

	exec.vm_id = vm;
	exec.op = DRM_VSVM_EXEC_FILL;
	exec.va = (uintptr_t)buf;
	exec.size = size;
	exec.width = 4;
	exec.value = 0x22222222;
	arg = ro_copy(&exec, sizeof(exec));
	igt_assert_eq(raw_ioctl(node->fd, DRM_IOCTL_VSVM_EXEC, arg), -EFAULT);
	igt_assert_eq(munmap(arg, page_size), 0);
	for (i = 0; i < size; i++)
		igt_assert_f(buf[i] == 0x11,
			     "renderD%d: EXEC failed with -EFAULT but filled byte %zu\n",
			     node->minor, i);

	prefetch.vm_id = vm;
	prefetch.location = DRM_VSVM_LOCATION_DEVICE;
	prefetch.start = (uintptr_t)buf;
	prefetch.range = size;
	arg = ro_copy(&prefetch, sizeof(prefetch));
	igt_assert_eq(raw_ioctl(node->fd, DRM_IOCTL_VSVM_PREFETCH, arg),
		      -EFAULT);
	igt_assert_eq(munmap(arg, page_size), 0);
	igt_assert_eq(vsvm_residency(node->fd, vm, (uintptr_t)buf, RO_PAGES,
				     loc), 0);
	for (i = 0; i < RO_PAGES; i++)
		igt_assert_f(loc[i] == DRM_VSVM_RESIDENCY_SYSTEM,
			     "renderD%d: PREFETCH failed with -EFAULT but moved page %zu\n",
			     node->minor, i);

	igt_assert_eq(vsvm_vm_destroy(node->fd, vm), 0);
	igt_assert_eq(munmap(buf, size), 0);
}

/* The primary (card) node of the device of render node @minor, opened. */
static int open_card(int minor)
{
	char path[PATH_MAX];
	struct dirent *de;
	int card = -1, fd;
	DIR *dir;

	snprintf(path, sizeof(path), "/sys/class/drm/renderD%d/device/drm",
		 minor);
	dir = opendir(path);
	igt_assert_f(dir, "%s: %s\n", path, strerror(errno));
	while ((de = readdir(dir)))
		if (sscanf(de->d_name, "card%d", &card) == 1)
			break;
	closedir(dir);
	if (card < 0)
		return -1;
	snprintf(path, sizeof(path), "/dev/dri/card%d", card);
	fd = open(path, O_RDWR | O_CLOEXEC);
	igt_assert_f(fd >= 0, "%s: %s\n", path, strerror(errno));
	return fd;
}

/*
 * The DRM core ioctls vsvm keeps (version, capabilities, client and
 * master/authentication bookkeeping): they may succeed. Every other core
 * ioctl number must fail with EOPNOTSUPP.
 */
static bool core_ioctl_kept(unsigned int nr)
{
	switch (nr) {
	case DRM_IOCTL_NR(DRM_IOCTL_VERSION):
	case DRM_IOCTL_NR(DRM_IOCTL_GET_UNIQUE):
	case DRM_IOCTL_NR(DRM_IOCTL_GET_MAGIC):
	case DRM_IOCTL_NR(DRM_IOCTL_GET_CLIENT):
	case DRM_IOCTL_NR(DRM_IOCTL_GET_STATS):
	case DRM_IOCTL_NR(DRM_IOCTL_SET_VERSION):
	case DRM_IOCTL_NR(DRM_IOCTL_GET_CAP):
	case DRM_IOCTL_NR(DRM_IOCTL_SET_CLIENT_CAP):
	case DRM_IOCTL_NR(DRM_IOCTL_AUTH_MAGIC):
	case DRM_IOCTL_NR(DRM_IOCTL_SET_MASTER):
	case DRM_IOCTL_NR(DRM_IOCTL_DROP_MASTER):
		return true;
	}
	return false;
}

/*
 * Every core ioctl number (all but the driver range), with zeroed
 * arguments: once with size 0 (the kernel zero-fills its own size of
 * argument) and once with a zeroed 1 KiB buffer, in both directions.
 */
static void sweep_core_ioctls(int fd, const char *node)
{
	static __u64 buf[128];
	unsigned int nr, pass;

	for (nr = 0; nr < 0x100; nr++) {
		if (nr >= DRM_COMMAND_BASE && nr < DRM_COMMAND_END)
			continue;
		for (pass = 0; pass < 2; pass++) {
			unsigned long cmd = pass ?
				_IOC(_IOC_READ | _IOC_WRITE, DRM_IOCTL_BASE, nr,
				     sizeof(buf)) :
				_IOC(_IOC_READ | _IOC_WRITE, DRM_IOCTL_BASE, nr,
				     0);
			int ret;

			memset(buf, 0, sizeof(buf));
			ret = raw_ioctl(fd, cmd, buf);
			if (core_ioctl_kept(nr)) {
				igt_debug("%s: nr %#x: %d\n", node, nr, ret);
				continue;
			}
			igt_assert_f(ret == -EOPNOTSUPP,
				     "%s: core ioctl nr %#x (size %zu): %d (%s), expected EOPNOTSUPP\n",
				     node, nr, pass ? sizeof(buf) : 0, ret,
				     strerror(-ret));
		}
	}
	/* The node still works. */
	igt_assert(vsvm_fd_is_vsvm(fd));
}

/*
 * The GEM, PRIME and syncobj ioctls a render node allows, with their own
 * numbers and zeroed arguments: in 6.12 the PRIME ones reach the GEM
 * handle table of a driver without GEM.
 */
static void gem_prime_ioctls(int fd, const char *node)
{
	static const struct {
		unsigned long cmd;
		const char *name;
	} cmds[] = {
		{ DRM_IOCTL_PRIME_HANDLE_TO_FD, "PRIME_HANDLE_TO_FD" },
		{ DRM_IOCTL_PRIME_FD_TO_HANDLE, "PRIME_FD_TO_HANDLE" },
		{ DRM_IOCTL_GEM_CLOSE, "GEM_CLOSE" },
		{ DRM_IOCTL_GEM_FLINK, "GEM_FLINK" },
		{ DRM_IOCTL_GEM_OPEN, "GEM_OPEN" },
		{ DRM_IOCTL_SYNCOBJ_CREATE, "SYNCOBJ_CREATE" },
		{ DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, "SYNCOBJ_HANDLE_TO_FD" },
		{ DRM_IOCTL_MODE_CREATE_DUMB, "MODE_CREATE_DUMB" },
		{ DRM_IOCTL_MODE_GETRESOURCES, "MODE_GETRESOURCES" },
	};
	static __u64 buf[64];
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		memset(buf, 0, sizeof(buf));
		ret = raw_ioctl(fd, cmds[i].cmd, buf);
		igt_assert_f(ret == -EOPNOTSUPP,
			     "%s: %s: %d (%s), expected EOPNOTSUPP\n", node,
			     cmds[i].name, ret, strerror(-ret));
	}
}

static void test_core_ioctls(void)
{
	struct vsvm_node nodes[MAX_DEVICES];
	int n = open_nodes(nodes), i, card;
	char name[32];

	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "renderD%d", nodes[i].minor);
		gem_prime_ioctls(nodes[i].fd, name);
		sweep_core_ioctls(nodes[i].fd, name);
		card = open_card(nodes[i].minor);
		if (card >= 0) {
			snprintf(name, sizeof(name), "card of renderD%d",
				 nodes[i].minor);
			gem_prime_ioctls(card, name);
			sweep_core_ioctls(card, name);
			igt_assert_eq(close(card), 0);
		}
	}
	close_nodes(nodes, n);
}

static unsigned int read_uint(const char *path)
{
	unsigned int v;
	FILE *f = fopen(path, "r");

	igt_require_f(f, "%s: %s\n", path, strerror(errno));
	igt_assert_eq(fscanf(f, "%u", &v), 1);
	fclose(f);
	return v;
}

static void write_uint(const char *path, unsigned int v)
{
	FILE *f = fopen(path, "w");

	igt_assert_f(f, "%s: %s\n", path, strerror(errno));
	igt_assert(fprintf(f, "%u\n", v) > 0);
	igt_assert_eq(fclose(f), 0);
}

#define TS_SIZE		(64 * 1024)
#define TS_MS		4000

static __u64 ts_pattern(unsigned int i, unsigned int round)
{
	return 0x5eed000000000000ull ^ ((__u64)round << 32) ^ i;
}

/*
 * Have the GPU write the pattern of @round to @buf, which then sits in
 * the device's VRAM with a fresh migration timeslice.
 */
static void ts_to_vram(int fd, __u32 vm, __u64 *buf, unsigned int round)
{
	static __u64 src[TS_SIZE / 8];
	unsigned int i, npages = TS_SIZE / page_size;
	__u32 loc[TS_SIZE / 4096];

	for (i = 0; i < TS_SIZE / 8; i++)
		src[i] = ts_pattern(i, round);
	igt_assert_eq(vsvm_exec_write(fd, vm, buf, TS_SIZE, src, NULL), 0);
	igt_assert_eq(vsvm_residency(fd, vm, (uintptr_t)buf, npages, loc), 0);
	for (i = 0; i < npages; i++)
		igt_assert_f(loc[i] != DRM_VSVM_RESIDENCY_SYSTEM &&
			     loc[i] != DRM_VSVM_RESIDENCY_NONE,
			     "page %u not in VRAM after a GPU write: %#x\n", i,
			     loc[i]);
}

/*
 * CPU faults during a long timeslice: a user access and a
 * get_user_pages access (/proc/self/mem, a fault without
 * FAULT_FLAG_ALLOW_RETRY) complete at once with the GPU's data.
 */
static void test_timeslice_fault(const struct vsvm_node *node)
{
	unsigned int i;
	double t0, dt;
	__u64 *buf, v;
	__u32 vm;
	int mem;

	buf = mmap(NULL, TS_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	igt_assert(buf != MAP_FAILED);
	memset(buf, 0, TS_SIZE);
	igt_assert_eq(vsvm_vm_create(node->fd, &vm), 0);
	write_uint(TIMESLICE_PARAM, TS_MS);

	/* A user access. */
	ts_to_vram(node->fd, vm, buf, 1);
	t0 = now_ms();
	v = buf[3];
	dt = now_ms() - t0;
	igt_info("renderD%d: CPU read in the timeslice took %.1f ms\n",
		 node->minor, dt);
	igt_assert_eq_u64(v, ts_pattern(3, 1));
	igt_assert_f(dt < 500, "the CPU fault waited %.0f ms (timeslice %u ms)\n",
		     dt, TS_MS);
	for (i = 0; i < TS_SIZE / 8; i++)
		igt_assert_eq_u64(buf[i], ts_pattern(i, 1));

	/* get_user_pages: no retry allowed, it must migrate. */
	ts_to_vram(node->fd, vm, buf, 2);
	mem = open("/proc/self/mem", O_RDONLY | O_CLOEXEC);
	igt_assert_f(mem >= 0, "/proc/self/mem: %s\n", strerror(errno));
	t0 = now_ms();
	igt_assert_eq(pread(mem, &v, sizeof(v), (uintptr_t)&buf[5]),
		      (ssize_t)sizeof(v));
	dt = now_ms() - t0;
	igt_info("renderD%d: /proc/self/mem read in the timeslice took %.1f ms\n",
		 node->minor, dt);
	igt_assert_eq_u64(v, ts_pattern(5, 2));
	igt_assert_f(dt < 500, "the GUP fault waited %.0f ms\n", dt);
	igt_assert_eq(close(mem), 0);
	for (i = 0; i < TS_SIZE / 8; i++)
		igt_assert_eq_u64(buf[i], ts_pattern(i, 2));

	igt_assert_eq(vsvm_vm_destroy(node->fd, vm), 0);
	igt_assert_eq(munmap(buf, TS_SIZE), 0);
}

/*
 * A process bouncing a buffer between VRAM and the CPU during long
 * timeslices dies at once when killed.
 */
static void test_timeslice_kill(const struct vsvm_node *node)
{
	int status, minor = node->minor, pipefd[2];
	double t0, dt;
	pid_t pid;
	char c;

	write_uint(TIMESLICE_PARAM, TS_MS);
	igt_assert_eq(pipe(pipefd), 0);
	pid = fork();
	igt_assert(pid >= 0);
	if (pid == 0) {
		int fd = vsvm_open_minor(minor);
		static __u64 src[TS_SIZE / 8];
		unsigned int round;
		__u64 *buf;
		__u32 vm;

		close(pipefd[0]);
		buf = mmap(NULL, TS_SIZE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (fd < 0 || buf == MAP_FAILED || vsvm_vm_create(fd, &vm))
			_exit(1);
		memset(buf, 0, TS_SIZE);
		for (round = 0;; round++) {
			unsigned int i;

			/* No igt_assert() in a plain fork()ed child. */
			for (i = 0; i < TS_SIZE / 8; i++)
				src[i] = ts_pattern(i, round);
			if (vsvm_exec_write(fd, vm, buf, TS_SIZE, src, NULL))
				_exit(3);
			if (round == 1 && write(pipefd[1], "x", 1) != 1)
				_exit(1);
			if (buf[round % (TS_SIZE / 8)] !=
			    ts_pattern(round % (TS_SIZE / 8), round))
				_exit(2);
		}
	}
	close(pipefd[1]);
	igt_assert_eq(read(pipefd[0], &c, 1), 1);
	close(pipefd[0]);
	usleep(100 * 1000);
	t0 = now_ms();
	igt_assert_eq(kill(pid, SIGKILL), 0);
	igt_assert_eq(waitpid(pid, &status, 0), pid);
	dt = now_ms() - t0;
	igt_info("renderD%d: killed in %.1f ms\n", minor, dt);
	igt_assert_f(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
		     "the child ended with status %#x\n", status);
	igt_assert_f(dt < 2000, "the child took %.0f ms to die\n", dt);
}

/*
 * A pagemap fd, its render node closed, pins the vsvm module: unloading
 * fails at once instead of blocking until the fd goes.
 */
static void test_unload_busy(void)
{
	struct vsvm_node nodes[MAX_DEVICES];
	struct drm_vsvm_devmem_open arg = {};
	unsigned int ref0, ref1, ref2;
	int n, ret, err;
	double t0, dt;

	ref0 = read_uint(MODULE_REFCNT);
	n = open_nodes(nodes);
	igt_assert_eq(raw_ioctl(nodes[0].fd, DRM_IOCTL_VSVM_DEVMEM_OPEN, &arg),
		      0);
	close_nodes(nodes, n);

	ref1 = read_uint(MODULE_REFCNT);
	igt_info("vsvm refcnt: %u before, %u with a pagemap fd\n", ref0, ref1);
	/* Without a reference the unload below would go ahead: don't. */
	igt_assert_f(ref1 > ref0,
		     "an open pagemap fd does not pin the vsvm module (refcnt %u)\n",
		     ref1);

	t0 = now_ms();
	ret = syscall(SYS_delete_module, "vsvm", O_NONBLOCK);
	err = errno;
	dt = now_ms() - t0;
	igt_info("delete_module: %d (%s) in %.1f ms\n", ret, strerror(err), dt);
	igt_assert_f(ret == -1 && (err == EWOULDBLOCK || err == EBUSY),
		     "delete_module(vsvm) with a pagemap fd open: %d, %s\n",
		     ret, strerror(err));
	igt_assert_f(dt < 2000, "delete_module took %.0f ms\n", dt);

	igt_assert_eq(close(arg.fd), 0);
	ref2 = read_uint(MODULE_REFCNT);
	igt_assert_f(ref2 == ref0,
		     "vsvm refcnt %u after the pagemap fd closed, %u before\n",
		     ref2, ref0);
}

int igt_main()
{
	struct vsvm_node nodes[MAX_DEVICES];
	unsigned int timeslice = 0;
	int n = 0, i;

	igt_fixture() {
		page_size = sysconf(_SC_PAGESIZE);
		timeslice = read_uint(TIMESLICE_PARAM);
	}

	/* First, while this process holds no vsvm file. */
	igt_subtest("unload-busy")
		test_unload_busy();

	igt_fixture() {
		n = open_nodes(nodes);
	}

	igt_subtest("vm-create-ro")
		for (i = 0; i < n; i++)
			test_vm_create_ro(&nodes[i], false);
	igt_subtest("vm-create-ro-late")
		for (i = 0; i < n; i++)
			test_vm_create_ro(&nodes[i], true);
	igt_subtest("devmem-open-ro")
		for (i = 0; i < n; i++)
			test_devmem_open_ro(&nodes[i], false);
	igt_subtest("devmem-open-ro-late")
		for (i = 0; i < n; i++)
			test_devmem_open_ro(&nodes[i], true);
	igt_subtest("work-ro-arg")
		for (i = 0; i < n; i++)
			test_work_ro_arg(&nodes[i]);
	igt_subtest("core-ioctls")
		test_core_ioctls();
	igt_subtest("timeslice-cpu-fault")
		test_timeslice_fault(&nodes[0]);
	igt_subtest("timeslice-kill")
		test_timeslice_kill(&nodes[0]);

	igt_fixture() {
		write_uint(TIMESLICE_PARAM, timeslice);
		close_nodes(nodes, n);
	}
}
