// SPDX-License-Identifier: MIT
/*
 * vsvm_vm: DRM_IOCTL_VSVM_VM_CREATE and DRM_IOCTL_VSVM_VM_DESTROY on every
 * vsvm render node: ids, the per-file limit, teardown at close, the
 * ownership of a VM by the process that created it, and bad arguments.
 *
 * Where debugfs is mounted, the per-device "vms" file is read to check the
 * number of live VMs of the device (tests run one at a time).
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <xf86drm.h>

#include "igt.h"
#include "vsvm_exec_lib.h"
#include "vsvm_lib.h"
#include <drm/vsvm_drm.h>

#define MAX_DEVICES	64

struct vsvm_dev {
	int fd;
	/* N of /dev/dri/renderDN */
	int minor;
	/* /sys/kernel/debug/dri/<parent>/vms, or "" */
	char vms_path[PATH_MAX];
};

static struct vsvm_dev devs[MAX_DEVICES];
static int n_devs;

static void vsvm_find_debugfs(struct vsvm_dev *d)
{
	if (!vsvm_debugfs_path(d->minor, "vms", d->vms_path,
			       sizeof(d->vms_path)))
		return;
	d->vms_path[0] = '\0';
	/* With debugfs mounted and readable, the file must be there. */
	igt_assert_f(access("/sys/kernel/debug/dri", R_OK) != 0,
		     "renderD%d: no debugfs vms file\n", d->minor);
	igt_debug("renderD%d: no debugfs\n", d->minor);
}

/* Open every vsvm render node, in minor order. */
static void vsvm_open_devices(void)
{
	struct vsvm_node nodes[MAX_DEVICES];
	int i, n = vsvm_open_nodes(nodes, MAX_DEVICES);

	for (i = 0; i < n; i++) {
		devs[n_devs].fd = nodes[i].fd;
		devs[n_devs].minor = nodes[i].minor;
		vsvm_find_debugfs(&devs[n_devs]);
		n_devs++;
	}
}

static int vsvm_reopen(const struct vsvm_dev *d)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/dev/dri/renderD%d", d->minor);
	fd = open(path, O_RDWR | O_CLOEXEC);
	igt_assert_f(fd >= 0, "open %s: %s\n", path, strerror(errno));
	return fd;
}

/* The number of live VMs of the device, or -1 without debugfs. */
static int vsvm_live_vms(const struct vsvm_dev *d)
{
	int n;

	if (!d->vms_path[0])
		return -1;
	n = vsvm_vms_file_count(d->vms_path);
	igt_assert_f(n >= 0, "%s: no \"vms:\" line\n", d->vms_path);
	return n;
}

static void vsvm_expect_live(const struct vsvm_dev *d, int before, int delta)
{
	int now = vsvm_live_vms(d);

	if (before < 0 || now < 0)
		return;
	igt_assert_f(now == before + delta,
		     "renderD%d: %d live VMs, expected %d\n", d->minor, now,
		     before + delta);
}

/* The raw ioctl: 0 or an errno, errno preserved in the return value. */
static int vsvm_raw(int fd, unsigned long req, void *arg)
{
	int ret;

	do {
		errno = 0;
		ret = ioctl(fd, req, arg);
	} while (ret == -1 && (errno == EINTR || errno == EAGAIN));
	return ret ? errno : 0;
}

static __u32 vsvm_vm_create_ok(int fd)
{
	__u32 id = 0;
	int err = -vsvm_vm_create(fd, &id);

	igt_assert_f(!err, "VM_CREATE: %s\n", strerror(err));
	igt_assert_neq_u32(id, 0);
	return id;
}

static void vsvm_expect_errno(int got, int want, const struct vsvm_dev *d,
			      const char *what)
{
	igt_assert_f(got == want,
		     "renderD%d, %s: errno %d (%s), expected %d (%s)\n",
		     d->minor, what, got, strerror(got), want, strerror(want));
}

static void vsvm_test_create_destroy(const struct vsvm_dev *d)
{
	int live = vsvm_live_vms(d);
	__u32 a, b;

	a = vsvm_vm_create_ok(d->fd);
	vsvm_expect_live(d, live, 1);
	b = vsvm_vm_create_ok(d->fd);
	igt_assert_neq_u32(a, b);
	vsvm_expect_live(d, live, 2);

	vsvm_expect_errno(-vsvm_vm_destroy(d->fd, a), 0, d, "destroy a");
	vsvm_expect_errno(-vsvm_vm_destroy(d->fd, a), ENOENT, d,
			  "double destroy");
	vsvm_expect_live(d, live, 1);
	vsvm_expect_errno(-vsvm_vm_destroy(d->fd, b), 0, d, "destroy b");
	vsvm_expect_errno(-vsvm_vm_destroy(d->fd, b), ENOENT, d,
			  "double destroy b");
	vsvm_expect_live(d, live, 0);
}

/* VM ids are per file: another file does not see them. */
static void vsvm_test_per_file(const struct vsvm_dev *d)
{
	int fd2 = vsvm_reopen(d);
	__u32 a = vsvm_vm_create_ok(d->fd);

	vsvm_expect_errno(-vsvm_vm_destroy(fd2, a), ENOENT, d,
			  "destroy through another file");
	vsvm_expect_errno(-vsvm_vm_destroy(d->fd, a), 0, d, "destroy");
	close(fd2);
}

static void vsvm_test_limit(const struct vsvm_dev *d)
{
	__u32 ids[DRM_VSVM_VM_MAX_PER_FILE];
	struct drm_vsvm_vm_create c;
	int fd = vsvm_reopen(d);
	int live = vsvm_live_vms(d);
	int i, j, err;

	for (i = 0; i < DRM_VSVM_VM_MAX_PER_FILE; i++) {
		ids[i] = vsvm_vm_create_ok(fd);
		for (j = 0; j < i; j++)
			igt_assert_f(ids[i] != ids[j],
				     "renderD%d: id %u given twice\n",
				     d->minor, ids[i]);
	}
	vsvm_expect_live(d, live, DRM_VSVM_VM_MAX_PER_FILE);

	/* One more: -ENOSPC, the struct untouched, nothing created. */
	memset(&c, 0, sizeof(c));
	c.vm_id = 0xdeadbeef;
	err = vsvm_raw(fd, DRM_IOCTL_VSVM_VM_CREATE, &c);
	vsvm_expect_errno(err, ENOSPC, d, "create above the limit");
	igt_assert_eq_u32(c.vm_id, 0xdeadbeef);
	vsvm_expect_live(d, live, DRM_VSVM_VM_MAX_PER_FILE);

	/* Another file has its own budget. */
	igt_assert_eq(-vsvm_vm_destroy(d->fd, vsvm_vm_create_ok(d->fd)), 0);

	/* Freeing one makes room for exactly one. */
	igt_assert_eq(-vsvm_vm_destroy(fd, ids[7]), 0);
	ids[7] = vsvm_vm_create_ok(fd);
	vsvm_expect_errno(-vsvm_vm_create(fd, &c.vm_id), ENOSPC, d,
			  "create above the limit again");

	for (i = 0; i < DRM_VSVM_VM_MAX_PER_FILE; i++)
		vsvm_expect_errno(-vsvm_vm_destroy(fd, ids[i]), 0, d,
				  "destroy all");
	for (i = 0; i < DRM_VSVM_VM_MAX_PER_FILE; i++)
		vsvm_expect_errno(-vsvm_vm_destroy(fd, ids[i]), ENOENT, d,
				  "destroy all again");
	vsvm_expect_live(d, live, 0);
	close(fd);
}

static void vsvm_test_close(const struct vsvm_dev *d)
{
	int live = vsvm_live_vms(d);
	int round, i, fd;
	__u32 id = 0;

	for (round = 0; round < 3; round++) {
		fd = vsvm_reopen(d);
		for (i = 0; i < 8 + round; i++)
			id = vsvm_vm_create_ok(fd);
		vsvm_expect_live(d, live, 8 + round);
		close(fd);
		vsvm_expect_live(d, live, 0);
	}

	/* A new file works, and knows nothing of the old ids. */
	fd = vsvm_reopen(d);
	vsvm_expect_errno(-vsvm_vm_destroy(fd, id), ENOENT, d,
			  "old id in a new file");
	id = vsvm_vm_create_ok(fd);
	vsvm_expect_errno(-vsvm_vm_destroy(fd, id), 0, d, "destroy");
	close(fd);
	vsvm_expect_live(d, live, 0);
}

static void vsvm_test_fork(const struct vsvm_dev *d)
{
	int live = vsvm_live_vms(d);
	__u32 parent_vm, child_vm;
	int pipefd[2];
	ssize_t n;

	parent_vm = vsvm_vm_create_ok(d->fd);
	igt_assert_eq(pipe(pipefd), 0);

	igt_fork(child, 1) {
		__u32 mine, left;

		close(pipefd[0]);
		/* The parent's VM is out of reach, however often asked. */
		vsvm_expect_errno(-vsvm_vm_destroy(d->fd, parent_vm), EACCES,
				  d, "child destroys the parent's VM");
		vsvm_expect_errno(-vsvm_vm_destroy(d->fd, parent_vm), EACCES,
				  d, "child destroys the parent's VM again");
		/* Its own VMs are its own. */
		mine = vsvm_vm_create_ok(d->fd);
		igt_assert_neq_u32(mine, parent_vm);
		vsvm_expect_errno(-vsvm_vm_destroy(d->fd, mine), 0, d,
				  "child destroys its VM");
		/* One left behind for the parent to try. */
		left = vsvm_vm_create_ok(d->fd);
		igt_assert_eq(write(pipefd[1], &left, sizeof(left)),
			      sizeof(left));
		close(pipefd[1]);
	}
	close(pipefd[1]);
	igt_waitchildren();
	n = read(pipefd[0], &child_vm, sizeof(child_vm));
	close(pipefd[0]);
	igt_assert_eq(n, sizeof(child_vm));
	vsvm_expect_live(d, live, 2);

	/* The child is gone: its VM stays out of the parent's reach. */
	vsvm_expect_errno(-vsvm_vm_destroy(d->fd, child_vm), EACCES, d,
			  "parent destroys the child's VM");
	vsvm_expect_errno(-vsvm_vm_destroy(d->fd, parent_vm), 0, d,
			  "parent destroys its VM");
	vsvm_expect_errno(-vsvm_vm_destroy(d->fd, parent_vm), ENOENT, d,
			  "parent destroys its VM twice");
	vsvm_expect_live(d, live, 1);
}

/* Issue a bad VM_CREATE: @err, the struct unchanged, no VM created. */
static void vsvm_bad_create(const struct vsvm_dev *d,
			    struct drm_vsvm_vm_create *c, int err,
			    const char *what)
{
	struct drm_vsvm_vm_create saved = *c;
	int live = vsvm_live_vms(d);

	vsvm_expect_errno(vsvm_raw(d->fd, DRM_IOCTL_VSVM_VM_CREATE, c), err,
			  d, what);
	igt_assert_f(!memcmp(c, &saved, sizeof(saved)),
		     "renderD%d, %s: the failed call changed the struct\n",
		     d->minor, what);
	vsvm_expect_live(d, live, 0);
	memset(c, 0, sizeof(*c));
	c->vm_id = 0xdeadbeef;
}

/* Issue a bad VM_DESTROY of @vm: @err, and @vm still exists. */
static void vsvm_bad_destroy(const struct vsvm_dev *d, __u32 vm,
			     struct drm_vsvm_vm_destroy *x, int err,
			     const char *what)
{
	int live = vsvm_live_vms(d);

	vsvm_expect_errno(vsvm_raw(d->fd, DRM_IOCTL_VSVM_VM_DESTROY, x), err,
			  d, what);
	vsvm_expect_live(d, live, 0);
	memset(x, 0, sizeof(*x));
	x->vm_id = vm;
}

static void vsvm_test_bad_args(const struct vsvm_dev *d)
{
	struct drm_vsvm_vm_create c;
	struct drm_vsvm_vm_destroy x;
	int live = vsvm_live_vms(d);
	__u32 vm, other;

	memset(&c, 0, sizeof(c));
	c.vm_id = 0xdeadbeef;
	c.flags = 1;
	vsvm_bad_create(d, &c, EINVAL, "create flags 1");
	c.flags = 0x80000000u;
	vsvm_bad_create(d, &c, EINVAL, "create flags 1 << 31");
	c.reserved[0] = 1;
	vsvm_bad_create(d, &c, EINVAL, "create reserved[0]");
	c.reserved[1] = 1ull << 63;
	vsvm_bad_create(d, &c, EINVAL, "create reserved[1]");
	vsvm_expect_errno(vsvm_raw(d->fd, DRM_IOCTL_VSVM_VM_CREATE, NULL),
			  EFAULT, d, "create NULL");
	vsvm_expect_errno(vsvm_raw(d->fd, DRM_IOCTL_VSVM_VM_CREATE,
				   (void *)1), EFAULT, d, "create (void *)1");
	vsvm_expect_live(d, live, 0);

	vm = vsvm_vm_create_ok(d->fd);
	other = vsvm_vm_create_ok(d->fd);
	memset(&x, 0, sizeof(x));
	x.vm_id = vm;
	x.pad = 1;
	vsvm_bad_destroy(d, vm, &x, EINVAL, "destroy pad 1");
	x.pad = 0x80000000u;
	vsvm_bad_destroy(d, vm, &x, EINVAL, "destroy pad 1 << 31");
	x.reserved[0] = 1;
	vsvm_bad_destroy(d, vm, &x, EINVAL, "destroy reserved[0]");
	x.reserved[1] = 1ull << 63;
	vsvm_bad_destroy(d, vm, &x, EINVAL, "destroy reserved[1]");
	x.vm_id = 0;
	vsvm_bad_destroy(d, vm, &x, ENOENT, "destroy id 0");
	x.vm_id = 0xffffffffu;
	vsvm_bad_destroy(d, vm, &x, ENOENT, "destroy id ~0");
	x.vm_id = vm + other + 1000;
	vsvm_bad_destroy(d, vm, &x, ENOENT, "destroy unknown id");
	vsvm_expect_errno(vsvm_raw(d->fd, DRM_IOCTL_VSVM_VM_DESTROY, NULL),
			  EFAULT, d, "destroy NULL");
	vsvm_expect_errno(vsvm_raw(d->fd, DRM_IOCTL_VSVM_VM_DESTROY,
				   (void *)1), EFAULT, d, "destroy (void *)1");

	/* Both VMs survived every failed call. */
	vsvm_expect_live(d, live, 2);
	vsvm_expect_errno(-vsvm_vm_destroy(d->fd, vm), 0, d, "destroy vm");
	vsvm_expect_errno(-vsvm_vm_destroy(d->fd, other), 0, d,
			  "destroy other");
	vsvm_expect_live(d, live, 0);
}

int igt_main()
{
	igt_fixture() {
		int i, with_debugfs = 0;

		vsvm_open_devices();
		for (i = 0; i < n_devs; i++)
			with_debugfs += !!devs[i].vms_path[0];
		igt_info("%d vsvm render node(s), %d with debugfs\n", n_devs,
			 with_debugfs);
		igt_require_f(n_devs > 0, "no vsvm render node\n");
	}

	igt_describe("Create and destroy on every device; then ENOENT.");
	igt_subtest("create-destroy") {
		int i;

		for (i = 0; i < n_devs; i++)
			vsvm_test_create_destroy(&devs[i]);
	}

	igt_describe("VM ids belong to their file.");
	igt_subtest("per-file") {
		int i;

		for (i = 0; i < n_devs; i++)
			vsvm_test_per_file(&devs[i]);
	}

	igt_describe("Unique ids up to the per-file limit, then ENOSPC.");
	igt_subtest("limit") {
		int i;

		for (i = 0; i < n_devs; i++)
			vsvm_test_limit(&devs[i]);
	}

	igt_describe("Closing a file with live VMs destroys them; reopen works.");
	igt_subtest("close-with-vms") {
		int i;

		for (i = 0; i < n_devs; i++)
			vsvm_test_close(&devs[i]);
	}

	igt_describe("Child and parent cannot destroy each other's VMs.");
	igt_subtest("fork") {
		int i;

		for (i = 0; i < n_devs; i++)
			vsvm_test_fork(&devs[i]);
	}

	igt_describe("Bad fields, ids and pointers: exact errno, no change.");
	igt_subtest("bad-args") {
		int i;

		for (i = 0; i < n_devs; i++)
			vsvm_test_bad_args(&devs[i]);
	}

	igt_describe("After everything, closing and reopening every device works.");
	igt_subtest("reopen") {
		int i;

		for (i = 0; i < n_devs; i++) {
			close(devs[i].fd);
			devs[i].fd = vsvm_reopen(&devs[i]);
			vsvm_expect_live(&devs[i], 0, 0);
			vsvm_test_create_destroy(&devs[i]);
		}
	}

	igt_fixture() {
		int i;

		for (i = 0; i < n_devs; i++)
			close(devs[i].fd);
		n_devs = 0;
	}
}
