// SPDX-License-Identifier: MIT
/*
 * vsvm_lifetime: the lifetime of VMs, DRM files and pagemap fds across
 * processes, threads and device removal.
 *
 * pagemap-fd-scm-rights: a pagemap fd of device A, passed over a unix
 * socket (SCM_RIGHTS; pidfd_getfd() on a kernel without unix sockets, as
 * the rig's) to a process that never had it, names A's VRAM there:
 * as the preferred location of a VM of A's P2P peer and as a PREFETCH
 * target of a VM of A, both of that process's own files; its MADVISE and
 * PREFETCH on a device with no path to A fail with -ENOLINK and change
 * nothing; the advice outlives the fd.
 *
 * pagemap-fd-outlives-drm-fd: a pagemap fd stays usable after the DRM file
 * that opened it is closed, by another file of the device and by a peer.
 *
 * pagemap-fd-close-race: a pagemap fd number is closed, reopened and
 * replaced by other files while threads prefetch to it and read the memory
 * with the GPU: only 0, -EBADF, -EINVAL or -EBUSY, the data intact, no fd
 * and no active pagemap left behind.
 *
 * drm-fd-close-race: a DRM file is closed while a thread makes random calls
 * on it (GPU work, PREFETCH to its device's pagemap fd, MADVISE with it,
 * RESIDENCY, QUERY_RANGE_ATTRS, DEVMEM_OPEN, VM create and destroy): the
 * calls end with -EBADF, the memory keeps every increment, the VMs go and
 * so does their VRAM.
 *
 * parent-exit-child-holds-fd: a process places memory in VRAM through a VM
 * of a DRM file, forks and exits; its child, holding the file, gets
 * -EACCES for every use of the dead process's VM, reads its own copy of
 * the memory, works on a VM of its own, and closing the file frees both
 * VMs and all their VRAM.
 *
 * scm-drm-fd-share: two processes share one DRM file (SCM_RIGHTS) and race
 * VM create, GPU work and destroy on it, and the other process's VM ids:
 * never a success on the other's VM, the per-file limit shared, every VM
 * gone at the end.
 *
 * failed-calls-change-nothing: MADVISE and PREFETCH failing on the pagemap
 * fd (-EBADF, -EINVAL, -ENOLINK) or from a forked child (-EACCES) leave
 * the residency, the attributes and the device counters as they were.
 *
 * kill-mid-work: a process with a VM on a file its parent holds and one on
 * a file of its own, memory in a device's VRAM, read replicas of it in a
 * peer's, GPU work, prefetches and advice in flight in two threads, is
 * killed at a random time: its VMs go with the files, every page of VRAM
 * it used is free again.
 *
 * exec-keeps-files: a process execs with its DRM file and a pagemap fd
 * kept open (close-on-exec cleared) and another pagemap fd left
 * close-on-exec: the latter is gone, the VM of the old image is out of
 * reach (-EACCES: another mm), a new VM works and the kept pagemap fd
 * names its device's VRAM as the new VM's preferred location.
 *
 * fork-during-gpu-writes: a thread fills a buffer and increments a counter
 * with the GPU, over and over, in VRAM or system memory, while the main
 * thread forks: each child's copy, read twice 30 ms apart, never changes
 * (no GPU write of the parent lands in memory the fork shared), and the
 * parent ends with its last fill and every increment.
 *
 * evict-other-process: a process puts half a device's VRAM of its memory
 * there, then the test process prefetches a VRAM's worth of its own to the
 * device, evicting the other's; at a seeded point the other process is
 * killed, or else it checks afterwards that its evicted memory reads back
 * right by its GPU and its CPU. Every byte of the evictor's is right and
 * the VRAM is all free again at the end of each round.
 *
 * evict-teardown-race: a process's memory is in a device's VRAM while the
 * test process prefetches a VRAM's worth of its own there, evicting it;
 * at a seeded point of that eviction the process exits, dies of SIGKILL,
 * unmaps the memory, moves it with mremap() and unmaps it, or leaves it
 * to a fork child alone, which exits. No kernel report (the eviction of
 * memory whose process lets go of it once freed the anon_vma it then
 * walked), the child's copy and every byte of the test process's right,
 * and the VRAM all free again after each round.
 *
 * evict-moved: a process's memory in a device's VRAM is moved with
 * mremap(), then the test process prefetches a VRAM's worth there: the
 * moved memory is evicted (every prefetch succeeds, the process finds its
 * memory in system memory, intact). Then the same with the memory left to
 * a fork child alone: eviction cannot reach it, prefetches may find the
 * VRAM full (-ENOMEM), the child's copy is intact and its VRAM free once
 * it exits.
 *
 * failed-calls-make-no-pagemap: on a device whose pagemap memory pressure
 * reclaimed, DEVMEM_OPEN with no fd free (RLIMIT_NOFILE) fails with
 * -EMFILE and PREFETCH to the device over a range with a hole fails with
 * -EFAULT, and neither leaves a pagemap made (the device's state and its
 * created count, the pagemap counters) behind: a failed call changes
 * nothing.
 *
 * pagemap-fd-unbind: a PCI device is unbound while its pagemap fd is open
 * and is a peer VM's preferred location, with that VM's memory in its
 * VRAM, while it holds read replicas of memory in the peer's VRAM and
 * memory that a forked child shares copy-on-write, and while the peer
 * prefetches through its VRAM, opens its pagemap and advises with the fd
 * in other threads: the memory comes back to system memory intact (the
 * child's copy and the parent's too), the replicas go, the peer's GPU work
 * falls back to system memory, MADVISE and PREFETCH with the fd fail with
 * -ENODEV and change nothing, whether the device asked is in the removed
 * device's group, outside it, or the device bound again; closing the fd
 * destroys the revoked pagemap, and the device bound again works with a
 * new fd.
 *
 * The randomised subtests print their seed (VSVM_SEED replays it).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <xf86drm.h>

#include "igt.h"
#include "vsvm_bind_lib.h"
#include "vsvm_exec_lib.h"
#include "vsvm_lib.h"
#include "vsvm_stress.h"
#include <drm/vsvm_drm.h>

#define MAX_DEVICES	16
#define BUF_PAGES	64
#define PAGEMAPS_PATH	"/sys/kernel/debug/drm_msvm/pagemaps"

struct lt_dev {
	int fd;
	int minor;
	__u32 index;
	bool pci;
	struct vsvm_bus_dev bd;
};

static struct lt_dev devs[MAX_DEVICES];
static int n_devs;
static long page_size;

static void lt_open_devices(void)
{
	struct vsvm_node nodes[MAX_DEVICES];
	int i, n = vsvm_open_nodes(nodes, MAX_DEVICES);

	for (i = 0; i < n; i++) {
		struct lt_dev *d = &devs[n_devs++];

		d->fd = nodes[i].fd;
		d->minor = nodes[i].minor;
		d->index = vsvm_device_index(d->fd);
		d->pci = !vsvm_node_bus_dev(d->minor, &d->bd) &&
			 !strcmp(d->bd.bus, "pci");
	}
}

static bool lt_linked(const struct lt_dev *a, const struct lt_dev *b)
{
	__u32 link = vsvm_link_to(a->fd, b->index);

	return link == DRM_VSVM_LINK_P2P || link == DRM_VSVM_LINK_FABRIC;
}

/* Two devices of one owner group, both PCI if @pci. */
static bool lt_find_pair(struct lt_dev **a, struct lt_dev **b, bool pci)
{
	int i, j;

	for (i = 0; i < n_devs; i++)
		for (j = 0; j < n_devs; j++)
			if (i != j && (!pci || (devs[i].pci && devs[j].pci)) &&
			    lt_linked(&devs[i], &devs[j])) {
				*a = &devs[i];
				*b = &devs[j];
				return true;
			}
	return false;
}

/* A device with no path to @a. */
static struct lt_dev *lt_find_lone(const struct lt_dev *a)
{
	int i;

	for (i = 0; i < n_devs; i++)
		if (&devs[i] != a &&
		    vsvm_link_to(a->fd, devs[i].index) == DRM_VSVM_LINK_NONE)
			return &devs[i];
	return NULL;
}

static int lt_devmem_open(int fd)
{
	struct drm_vsvm_devmem_open arg = { .fd = -1 };

	igt_assert_f(drmIoctl(fd, DRM_IOCTL_VSVM_DEVMEM_OPEN, &arg) == 0,
		     "DEVMEM_OPEN: %s\n", strerror(errno));
	igt_assert_lte(0, arg.fd);
	return arg.fd;
}

static __u32 lt_vm(int fd)
{
	__u32 vm;

	igt_assert_eq(vsvm_vm_create(fd, &vm), 0);
	return vm;
}

/*
 * Anonymous private memory between two PROT_NONE guard pages: its own VMA,
 * never merged with the buffer mapped next to it, so that what a CPU fault
 * migrates back with its window (at most the VMA) is this buffer's alone.
 */
static void *lt_map(size_t bytes)
{
	char *p = mmap(NULL, bytes + 2 * page_size, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	igt_assert(p != MAP_FAILED);
	igt_assert_eq(mprotect(p + page_size, bytes, PROT_READ | PROT_WRITE),
		      0);
	return p + page_size;
}

static __u64 lt_pattern(__u64 tag, unsigned long i)
{
	return tag ^ (i * 0x9e3779b97f4a7c15ull);
}

static void lt_fill_pattern(__u64 *buf, size_t bytes, __u64 tag)
{
	unsigned long i;

	for (i = 0; i < bytes / 8; i++)
		buf[i] = lt_pattern(tag, i);
}

/* The index of the first 8 bytes of @buf that differ from @tag's, or -1. */
static long lt_check_pattern(const __u64 *buf, size_t bytes, __u64 tag)
{
	unsigned long i;

	for (i = 0; i < bytes / 8; i++)
		if (buf[i] != lt_pattern(tag, i))
			return i;
	return -1;
}

/* The GPU of @fd's VM @vm reads @va: it holds @tag's pattern. */
static void lt_gpu_check(int fd, __u32 vm, const void *va, size_t bytes,
			 __u64 tag, const char *what)
{
	__u64 *copy = malloc(bytes);
	long bad;

	igt_assert(copy);
	igt_assert_eq(vsvm_exec_read(fd, vm, va, bytes, copy, NULL), 0);
	bad = lt_check_pattern(copy, bytes, tag);
	igt_assert_f(bad < 0, "%s: GPU read: word %ld is %#llx\n", what, bad,
		     bad < 0 ? 0ull : (unsigned long long)copy[bad]);
	free(copy);
}

/* The pages of [@va, +@npages) in the VRAM of the device of @index. */
static int lt_pages_on(int fd, __u32 vm, const void *va, int npages,
		       __u32 index)
{
	__u32 loc[BUF_PAGES];
	int i, n = 0;

	igt_assert(npages <= BUF_PAGES);
	igt_assert_eq(vsvm_residency(fd, vm, (uintptr_t)va, npages, loc), 0);
	for (i = 0; i < npages; i++)
		n += loc[i] == DRM_VSVM_RESIDENCY_DEVICE(index);
	return n;
}

/* The pages of [@va, +BUF_PAGES) the device of @index holds replicas of. */
static int lt_replicas_on(int fd, __u32 vm, const void *va, __u32 index)
{
	__u32 mask[BUF_PAGES];
	struct drm_vsvm_residency r = {
		.vm_id = vm, .flags = DRM_VSVM_RESIDENCY_REPLICAS,
		.start = (uintptr_t)va, .num_pages = BUF_PAGES,
		.locations = (uintptr_t)mask,
	};
	int i, n = 0;

	igt_assert_eq(drmIoctl(fd, DRM_IOCTL_VSVM_RESIDENCY, &r), 0);
	for (i = 0; i < BUF_PAGES; i++)
		n += !!(mask[i] & (1u << index));
	return n;
}

/* The residency of [@va, +BUF_PAGES) as a string: device index, s, . */
static const char *lt_map_str(int fd, __u32 vm, const void *va)
{
	static char str[BUF_PAGES + 1];
	__u32 loc[BUF_PAGES];
	int i;

	igt_assert_eq(vsvm_residency(fd, vm, (uintptr_t)va, BUF_PAGES, loc),
		      0);
	for (i = 0; i < BUF_PAGES; i++)
		str[i] = loc[i] >= DRM_VSVM_RESIDENCY_DEVICE(0) ?
			 '0' + (loc[i] - DRM_VSVM_RESIDENCY_DEVICE(0)) % 10 :
			 loc[i] == DRM_VSVM_RESIDENCY_SYSTEM ? 's' : '.';
	str[BUF_PAGES] = '\0';
	return str;
}

/* The attribute intervals of [@va, +@bytes), at most @max of them. */
static __u32 lt_attrs(int fd, __u32 vm, const void *va, size_t bytes,
		      struct drm_vsvm_range_attr *attrs, __u32 max)
{
	__u32 n = max;

	memset(attrs, 0, max * sizeof(*attrs));
	igt_assert_eq(vsvm_query_range_attrs(fd, vm, (uintptr_t)va, bytes,
					     attrs, &n), 0);
	return n;
}

/*
 * A channel that hands a file from one process to another: SCM_RIGHTS
 * over a unix socket where the kernel has them, else (the rig's kernel has
 * no networking) pidfd_getfd() of the sender's fd, which the sender keeps
 * open until the receiver has its own reference. Either way the receiver
 * gets a new fd of the same open file, which it never inherited.
 */
struct lt_chan {
	bool sock;
	int sv[2];	/* the socket pair, sender's end first */
	int msg[2];	/* without sockets: the sender's pid and fd */
	int ack[2];	/* without sockets: the receiver has it */
};

static void lt_chan_init(struct lt_chan *ch)
{
	memset(ch, 0, sizeof(*ch));
	ch->sock = !socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ch->sv);
	if (!ch->sock) {
		igt_assert_eq(pipe(ch->msg), 0);
		igt_assert_eq(pipe(ch->ack), 0);
	}
	igt_info("passing fds with %s\n",
		 ch->sock ? "SCM_RIGHTS" : "pidfd_getfd (no unix sockets)");
}

/* Send @fd; returns once the receiver holds the file. */
static void lt_chan_send(struct lt_chan *ch, int fd)
{
	if (ch->sock) {
		char cbuf[CMSG_SPACE(sizeof(int))];
		char byte = 'f';
		struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
		struct msghdr msg = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
		};
		struct cmsghdr *c;

		memset(cbuf, 0, sizeof(cbuf));
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
		igt_assert_eq(sendmsg(ch->sv[0], &msg, 0), 1);
	} else {
		int m[2] = { getpid(), fd };
		char c;

		igt_assert_eq(write(ch->msg[1], m, sizeof(m)), sizeof(m));
		igt_assert_eq(read(ch->ack[0], &c, 1), 1);
	}
}

/* The received fd (close-on-exec), or -1. */
static int lt_chan_recv(struct lt_chan *ch)
{
	int fd = -1;

	if (ch->sock) {
		char cbuf[CMSG_SPACE(sizeof(int))];
		char byte;
		struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
		struct msghdr msg = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
		};
		struct cmsghdr *c;

		if (recvmsg(ch->sv[1], &msg, MSG_CMSG_CLOEXEC) != 1)
			return -1;
		c = CMSG_FIRSTHDR(&msg);
		if (!c || c->cmsg_type != SCM_RIGHTS)
			return -1;
		memcpy(&fd, CMSG_DATA(c), sizeof(int));
	} else {
		int m[2], pidfd;

		if (read(ch->msg[0], m, sizeof(m)) != sizeof(m))
			return -1;
		pidfd = syscall(SYS_pidfd_open, m[0], 0);
		if (pidfd >= 0) {
			fd = syscall(SYS_pidfd_getfd, pidfd, m[1], 0);
			close(pidfd);
		}
		if (write(ch->ack[1], "a", 1) != 1)
			fd = -1;
	}
	return fd;
}

/* In the sender after the fork: only the sender's ends stay. */
static void lt_chan_sender(struct lt_chan *ch)
{
	if (ch->sock) {
		close(ch->sv[1]);
	} else {
		close(ch->msg[0]);
		close(ch->ack[1]);
	}
}

static void lt_chan_receiver(struct lt_chan *ch)
{
	if (ch->sock) {
		close(ch->sv[0]);
	} else {
		close(ch->msg[1]);
		close(ch->ack[0]);
	}
}

static void lt_chan_fini(struct lt_chan *ch)
{
	if (ch->sock) {
		close(ch->sv[0]);
	} else {
		close(ch->msg[1]);
		close(ch->ack[0]);
	}
}

struct lt_pagemap_stats {
	long long active, inactive, destroyed;
};

static void lt_read_stats(struct lt_pagemap_stats *s)
{
	char name[32];
	long long v;
	FILE *f;

	memset(s, 0, sizeof(*s));
	f = fopen(PAGEMAPS_PATH, "r");
	igt_assert_f(f, "%s: %s\n", PAGEMAPS_PATH, strerror(errno));
	while (fscanf(f, "%31s %lld", name, &v) == 2) {
		if (!strcmp(name, "active"))
			s->active = v;
		else if (!strcmp(name, "inactive"))
			s->inactive = v;
		else if (!strcmp(name, "destroyed"))
			s->destroyed = v;
	}
	fclose(f);
}

static int lt_live_vms(int minor)
{
	char path[256];

	igt_assert_eq(vsvm_debugfs_path(minor, "vms", path, sizeof(path)), 0);
	return vsvm_vms_file_count(path);
}

static __u64 lt_vram_free(int fd)
{
	struct drm_vsvm_query_device info;

	vsvm_device_info(fd, &info);
	return info.vram_free;
}

/* Wait up to 2 s for @cond (the page frees and puts are deferred). */
#define lt_wait_for(cond) ({						\
	bool __ok = false;						\
	int __i;							\
	for (__i = 0; __i <= 200 && !(__ok = (cond)); __i++)		\
		usleep(10000);						\
	__ok;								\
})

/* ---- pagemap-fd-scm-rights ---- */

static void lt_test_scm_rights(void)
{
	size_t bytes = BUF_PAGES * page_size;
	struct lt_dev *a, *b, *lone;
	struct lt_chan ch;
	int pfd;

	igt_require_f(lt_find_pair(&a, &b, false),
		      "needs two devices of one owner group\n");
	lone = lt_find_lone(a);
	lt_chan_init(&ch);

	igt_fork(child, 1) {
		struct drm_vsvm_range_attr attrs[4], before[4];
		int fa, fb, fl = -1, rfd, nb, err;
		__u32 vma, vmb, vml = 0;
		__u64 moved, *buf;

		lt_chan_receiver(&ch);
		/* the child's own files: none of the parent's is used */
		fa = vsvm_open_minor(a->minor);
		fb = vsvm_open_minor(b->minor);
		igt_assert_lte(0, fa);
		igt_assert_lte(0, fb);
		rfd = lt_chan_recv(&ch);
		igt_assert_f(rfd >= 0, "no fd received\n");

		buf = lt_map(bytes);
		lt_fill_pattern(buf, bytes, 0x1111);
		vma = lt_vm(fa);
		vmb = lt_vm(fb);

		/* the peer's GPU faults place the memory in A's VRAM */
		igt_assert_eq(vsvm_madvise(fb, vmb,
					   DRM_VSVM_MADVISE_PREFERRED_LOC,
					   (uintptr_t)buf, bytes,
					   DRM_VSVM_LOCATION_PAGEMAP_FD, rfd), 0);
		nb = lt_attrs(fb, vmb, buf, bytes, attrs, 4);
		igt_assert_eq(nb, 1);
		igt_assert_eq_u32(attrs[0].preferred_loc,
				  DRM_VSVM_LOCATION_PAGEMAP_FD);
		igt_assert_eq_u32(attrs[0].preferred_device, a->index);
		lt_gpu_check(fb, vmb, buf, bytes, 0x1111, "peer via fd");
		igt_assert_eq(lt_pages_on(fb, vmb, buf, BUF_PAGES, a->index),
			      BUF_PAGES);

		/* back to system memory, then PREFETCH to the fd on A's VM */
		igt_assert_eq(vsvm_prefetch(fa, vma, DRM_VSVM_LOCATION_SYSTEM,
					    (uintptr_t)buf, bytes, 0, &moved),
			      0);
		igt_assert_eq_u64(moved, BUF_PAGES);
		igt_assert_eq(vsvm_prefetch(fa, vma,
					    DRM_VSVM_LOCATION_PAGEMAP_FD,
					    (uintptr_t)buf, bytes, rfd, &moved),
			      0);
		igt_assert_eq_u64(moved, BUF_PAGES);
		igt_assert_eq(lt_pages_on(fa, vma, buf, BUF_PAGES, a->index),
			      BUF_PAGES);

		/* no path from the lone device: refused, nothing changes */
		if (lone) {
			fl = vsvm_open_minor(lone->minor);
			igt_assert_lte(0, fl);
			vml = lt_vm(fl);
			lt_attrs(fl, vml, buf, bytes, before, 4);
			err = vsvm_madvise(fl, vml,
					   DRM_VSVM_MADVISE_PREFERRED_LOC,
					   (uintptr_t)buf, bytes,
					   DRM_VSVM_LOCATION_PAGEMAP_FD, rfd);
			igt_assert_eq(err, -ENOLINK);
			moved = 0xdead;
			err = vsvm_prefetch(fl, vml,
					    DRM_VSVM_LOCATION_PAGEMAP_FD,
					    (uintptr_t)buf, bytes, rfd, &moved);
			igt_assert_eq(err, -ENOLINK);
			igt_assert_eq(lt_attrs(fl, vml, buf, bytes, attrs, 4),
				      1);
			igt_assert(!memcmp(attrs, before, sizeof(attrs[0])));
			igt_assert_eq(lt_pages_on(fa, vma, buf, BUF_PAGES,
						  a->index), BUF_PAGES);
		}

		/* the advice holds the pagemap: the fd can go */
		igt_assert_eq(close(rfd), 0);
		igt_assert_eq(vsvm_prefetch(fa, vma, DRM_VSVM_LOCATION_SYSTEM,
					    (uintptr_t)buf, bytes, 0, &moved),
			      0);
		lt_gpu_check(fb, vmb, buf, bytes, 0x1111, "after close");
		igt_assert_eq(lt_pages_on(fb, vmb, buf, BUF_PAGES, a->index),
			      BUF_PAGES);
		igt_assert(lt_check_pattern(buf, bytes, 0x1111) < 0);

		if (fl >= 0)
			close(fl);
		close(fa);
		close(fb);
		munmap(buf, bytes);
	}
	lt_chan_sender(&ch);
	/* opened after the fork: the child gets it only through the channel */
	pfd = lt_devmem_open(a->fd);
	lt_chan_send(&ch, pfd);
	igt_assert_eq(close(pfd), 0);
	igt_waitchildren();
	lt_chan_fini(&ch);
}

/* ---- pagemap-fd-outlives-drm-fd ---- */

static void lt_test_outlives_drm_fd(void)
{
	size_t bytes = BUF_PAGES * page_size;
	struct lt_dev *a, *b;
	__u32 vma, vmb;
	__u64 moved, *buf;
	int fa, pfd;

	igt_require_f(lt_find_pair(&a, &b, false),
		      "needs two devices of one owner group\n");
	fa = vsvm_open_minor(a->minor);
	igt_assert_lte(0, fa);
	pfd = lt_devmem_open(fa);
	igt_assert_eq(close(fa), 0);

	buf = lt_map(bytes);
	lt_fill_pattern(buf, bytes, 0x2222);
	vma = lt_vm(a->fd);
	vmb = lt_vm(b->fd);
	igt_assert_eq(vsvm_prefetch(a->fd, vma, DRM_VSVM_LOCATION_PAGEMAP_FD,
				    (uintptr_t)buf, bytes, pfd, &moved), 0);
	igt_assert_eq_u64(moved, BUF_PAGES);
	igt_assert_eq(lt_pages_on(a->fd, vma, buf, BUF_PAGES, a->index),
		      BUF_PAGES);
	igt_assert_eq(vsvm_prefetch(b->fd, vmb, DRM_VSVM_LOCATION_SYSTEM,
				    (uintptr_t)buf, bytes, 0, &moved), 0);
	igt_assert_eq(vsvm_madvise(b->fd, vmb, DRM_VSVM_MADVISE_PREFERRED_LOC,
				   (uintptr_t)buf, bytes,
				   DRM_VSVM_LOCATION_PAGEMAP_FD, pfd), 0);
	igt_assert_eq(close(pfd), 0);
	lt_gpu_check(b->fd, vmb, buf, bytes, 0x2222, "peer");
	igt_assert_eq(lt_pages_on(b->fd, vmb, buf, BUF_PAGES, a->index),
		      BUF_PAGES);
	igt_assert(lt_check_pattern(buf, bytes, 0x2222) < 0);
	igt_assert_eq(vsvm_vm_destroy(a->fd, vma), 0);
	igt_assert_eq(vsvm_vm_destroy(b->fd, vmb), 0);
	munmap(buf, bytes);
}

/* ---- pagemap-fd-close-race ---- */

struct lt_race {
	struct vsvm_stress st;
	struct lt_dev *a;
	__u32 vm;
	__u64 *buf;
	size_t bytes;
	int pfd;		/* the fd number the threads fight over */
	int stop;
	unsigned long ok, ebadf, einval, ebusy, reads;
	int bad_err, read_err;
};

static void *lt_race_prefetch(void *arg)
{
	struct lt_race *r = arg;
	__u64 state = vsvm_stress_subseed(&r->st, 1), moved;
	int err;

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		bool sys = vsvm_rand_below(&state, 3) == 0;

		err = vsvm_prefetch(r->a->fd, r->vm,
				    sys ? DRM_VSVM_LOCATION_SYSTEM :
					  DRM_VSVM_LOCATION_PAGEMAP_FD,
				    (uintptr_t)r->buf, r->bytes,
				    sys ? 0 : r->pfd, &moved);
		if (!err)
			r->ok++;
		else if (err == -EBADF && !sys)
			r->ebadf++;
		else if (err == -EINVAL && !sys)
			r->einval++;
		else if (err == -EBUSY)
			r->ebusy++;
		else
			r->bad_err = err;
		if (!err || err == -EBADF || err == -EINVAL)
			err = vsvm_madvise(r->a->fd, r->vm,
					   DRM_VSVM_MADVISE_PREFERRED_LOC,
					   (uintptr_t)r->buf, r->bytes,
					   DRM_VSVM_LOCATION_PAGEMAP_FD, r->pfd);
		if (err && err != -EBADF && err != -EINVAL && err != -EBUSY)
			r->bad_err = err;
	}
	return NULL;
}

static void *lt_race_read(void *arg)
{
	struct lt_race *r = arg;
	__u64 *copy = malloc(r->bytes);
	int err;

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		err = vsvm_exec_read(r->a->fd, r->vm, r->buf, r->bytes, copy,
				     NULL);
		if (err == -EBUSY)
			continue;
		if (err) {
			r->read_err = err;
			break;
		}
		if (lt_check_pattern(copy, r->bytes, 0x3333) >= 0) {
			r->read_err = -EILSEQ;
			break;
		}
		r->reads++;
	}
	free(copy);
	return NULL;
}

static void lt_test_pagemap_close_race(void)
{
	struct lt_pagemap_stats s0, s1;
	struct lt_race r;
	pthread_t tp, tr;
	__u64 state;
	int fds0, nul, i;

	memset(&r, 0, sizeof(r));
	vsvm_stress_init(&r.st, "vsvm_lifetime", 3);
	state = vsvm_stress_subseed(&r.st, 0);
	r.a = &devs[vsvm_rand_below(&state, n_devs)];
	igt_info("device renderD%d\n", r.a->minor);
	r.bytes = BUF_PAGES * page_size;
	r.buf = lt_map(r.bytes);
	lt_fill_pattern(r.buf, r.bytes, 0x3333);
	r.vm = lt_vm(r.a->fd);
	nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
	igt_assert_lte(0, nul);
	lt_read_stats(&s0);
	fds0 = vsvm_count_fds();
	r.pfd = lt_devmem_open(r.a->fd);

	igt_assert_eq(pthread_create(&tp, NULL, lt_race_prefetch, &r), 0);
	igt_assert_eq(pthread_create(&tr, NULL, lt_race_read, &r), 0);
	for (i = 0; vsvm_stress_running(&r.st); i++) {
		int fd;

		usleep(vsvm_rand_below(&state, 2000));
		switch (vsvm_rand_below(&state, 3)) {
		case 0:	/* closed for a while */
			close(r.pfd);
			usleep(vsvm_rand_below(&state, 1000));
			fd = lt_devmem_open(r.a->fd);
			if (fd != r.pfd) {
				igt_assert_eq(dup2(fd, r.pfd), r.pfd);
				close(fd);
			}
			break;
		case 1:	/* replaced by a pagemap fd at once */
			fd = lt_devmem_open(r.a->fd);
			igt_assert_eq(dup2(fd, r.pfd), r.pfd);
			close(fd);
			break;
		case 2:	/* replaced by a file that is no pagemap fd */
			igt_assert_eq(dup2(nul, r.pfd), r.pfd);
			usleep(vsvm_rand_below(&state, 1000));
			fd = lt_devmem_open(r.a->fd);
			igt_assert_eq(dup2(fd, r.pfd), r.pfd);
			close(fd);
			break;
		}
	}
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
	pthread_join(tp, NULL);
	pthread_join(tr, NULL);
	igt_info("%d swaps: prefetch ok %lu, EBADF %lu, EINVAL %lu, EBUSY %lu; %lu reads\n",
		 i, r.ok, r.ebadf, r.einval, r.ebusy, r.reads);
	igt_assert_f(!r.bad_err, "prefetch/madvise: %s\n",
		     strerror(-r.bad_err));
	igt_assert_f(!r.read_err, "GPU read: %s\n", strerror(-r.read_err));
	igt_assert_lt(0, (int)r.ok);
	igt_assert(lt_check_pattern(r.buf, r.bytes, 0x3333) < 0);

	/* nothing left: no fd, and no active pagemap once the VM is gone */
	close(r.pfd);
	igt_assert_eq(vsvm_count_fds(), fds0);
	igt_assert_eq(vsvm_vm_destroy(r.a->fd, r.vm), 0);
	munmap(r.buf, r.bytes);
	igt_assert_f(lt_wait_for((lt_read_stats(&s1), s1.active <= s0.active)),
		     "active pagemaps: %lld before, %lld after\n", s0.active,
		     s1.active);
	close(nul);
}

/* ---- drm-fd-close-race ---- */

struct lt_closer {
	int fd;
	int pfd;	/* a pagemap fd of the device: a file of its own */
	__u32 vm;
	__u64 *buf;
	size_t bytes;
	__u64 seed;
	unsigned long incs, calls;
	int err, op;
};

/* One call on the file of @c, by @op; returns its errno (0 or negative). */
static int lt_closer_call(struct lt_closer *c, int op)
{
	struct drm_vsvm_range_attr attrs[4];
	struct drm_vsvm_devmem_open o = { .fd = -1 };
	__u32 n = 4, vm, loc[4];
	int err;

	switch (op) {
	case 0:
		err = vsvm_exec_atomic_inc(c->fd, c->vm, c->buf, c->bytes, 8,
					   1, NULL);
		if (!err)
			c->incs++;
		return err;
	case 1:
		return vsvm_prefetch(c->fd, c->vm, c->calls % 2 ?
				     DRM_VSVM_LOCATION_PAGEMAP_FD :
				     DRM_VSVM_LOCATION_SYSTEM,
				     (uintptr_t)c->buf, c->bytes,
				     c->calls % 2 ? c->pfd : 0, NULL);
	case 2:
		return vsvm_madvise(c->fd, c->vm,
				    DRM_VSVM_MADVISE_PREFERRED_LOC,
				    (uintptr_t)c->buf, c->bytes,
				    DRM_VSVM_LOCATION_PAGEMAP_FD, c->pfd);
	case 3:
		return vsvm_residency(c->fd, c->vm, (uintptr_t)c->buf, 4, loc);
	case 4:
		return vsvm_query_range_attrs(c->fd, c->vm, (uintptr_t)c->buf,
					      c->bytes, attrs, &n);
	case 5:
		err = drmIoctl(c->fd, DRM_IOCTL_VSVM_DEVMEM_OPEN, &o) ? -errno
								      : 0;
		if (!err)
			close(o.fd);
		return err;
	default:
		err = vsvm_vm_create(c->fd, &vm);
		if (err)
			return err;
		err = vsvm_exec_read(c->fd, vm, c->buf, 8, loc, NULL);
		if (err)
			return err;
		return vsvm_vm_destroy(c->fd, vm);
	}
}

static void *lt_closer_work(void *arg)
{
	struct lt_closer *c = arg;
	__u64 state = c->seed;
	int err, op;

	for (;; c->calls++) {
		op = vsvm_rand_below(&state, 7);
		err = lt_closer_call(c, op);
		if (err && err != -EBUSY)
			break;
	}
	c->err = err;
	c->op = op;
	return NULL;
}

static void lt_test_drm_fd_close_race(void)
{
	struct vsvm_stress st;
	__u64 state, free0;
	int round, live0;
	struct lt_dev *d;

	vsvm_stress_init(&st, "vsvm_lifetime", 3);
	state = vsvm_stress_subseed(&st, 2);
	for (round = 0; vsvm_stress_running(&st); round++) {
		struct lt_closer c;
		pthread_t t;
		unsigned long i;

		d = &devs[vsvm_rand_below(&state, n_devs)];
		live0 = lt_live_vms(d->minor);
		free0 = lt_vram_free(d->fd);
		memset(&c, 0, sizeof(c));
		c.bytes = (1 + vsvm_rand_below(&state, BUF_PAGES)) * page_size;
		c.buf = lt_map(c.bytes);
		memset(c.buf, 0, c.bytes);
		c.fd = vsvm_open_minor(d->minor);
		igt_assert_lte(0, c.fd);
		c.vm = lt_vm(c.fd);
		c.pfd = lt_devmem_open(c.fd);
		c.seed = vsvm_rand(&state);
		igt_assert_eq(lt_live_vms(d->minor), live0 + 1);

		igt_assert_eq(pthread_create(&t, NULL, lt_closer_work, &c), 0);
		usleep(vsvm_rand_below(&state, 100000));
		igt_assert_eq(close(c.fd), 0);
		pthread_join(t, NULL);

		igt_assert_f(c.err == -EBADF,
			     "round %d, renderD%d, call %lu (op %d): %s\n",
			     round, d->minor, c.calls, c.op, strerror(-c.err));
		igt_assert_eq(close(c.pfd), 0);
		for (i = 0; i < c.bytes / 8; i++)
			igt_assert_f(c.buf[i] == c.incs,
				     "round %d: word %lu is %llu after %lu increments\n",
				     round, i, (unsigned long long)c.buf[i],
				     c.incs);
		igt_assert_f(lt_wait_for(lt_live_vms(d->minor) == live0),
			     "renderD%d: %d VMs, %d before\n", d->minor,
			     lt_live_vms(d->minor), live0);
		munmap(c.buf, c.bytes);
		igt_assert_f(lt_wait_for(lt_vram_free(d->fd) == free0),
			     "renderD%d: VRAM free %llu, was %llu\n", d->minor,
			     (unsigned long long)lt_vram_free(d->fd),
			     (unsigned long long)free0);
	}
	igt_info("%d rounds\n", round);
}

/* ---- parent-exit-child-holds-fd ---- */

struct lt_report {
	int done;
	int line;
	char msg[200];
};

static void __attribute__((format(printf, 4, 5)))
lt_check_at(struct lt_report *rep, bool ok, int line, const char *f, ...)
{
	va_list ap;

	if (ok || rep->line)
		return;
	rep->line = line;
	va_start(ap, f);
	vsnprintf(rep->msg, sizeof(rep->msg), f, ap);
	va_end(ap);
}

#define lt_check(rep, cond, f...) lt_check_at(rep, cond, __LINE__, f)

static void lt_grandchild(struct lt_report *rep, const struct lt_dev *d,
			  int fd, __u32 pvm, __u64 *buf, size_t bytes,
			  int go, pid_t parent)
{
	char path[256];

	struct drm_vsvm_range_attr attrs[2];
	__u64 *copy = malloc(bytes), moved;
	__u32 loc, n = 2, mine;
	char c;
	int err;

	/* until the parent is gone: its mm too (it is reparented after) */
	err = read(go, &c, 1) == 0 ? 0 : -1;
	lt_check(rep, !err, "parent pipe");
	while (getppid() == parent && !rep->line)
		usleep(1000);

	err = vsvm_exec_read(fd, pvm, buf, bytes, copy, NULL);
	lt_check(rep, err == -EACCES, "EXEC on the dead parent's VM: %d", err);
	err = vsvm_exec_fill(fd, pvm, buf, bytes, 8, 7, NULL);
	lt_check(rep, err == -EACCES, "FILL on the dead parent's VM: %d", err);
	err = vsvm_madvise(fd, pvm, DRM_VSVM_MADVISE_ATOMIC, (uintptr_t)buf,
			   bytes, DRM_VSVM_ATOMIC_CPU, 0);
	lt_check(rep, err == -EACCES, "MADVISE: %d", err);
	err = vsvm_prefetch(fd, pvm, DRM_VSVM_LOCATION_SYSTEM, (uintptr_t)buf,
			    bytes, 0, &moved);
	lt_check(rep, err == -EACCES, "PREFETCH: %d", err);
	err = vsvm_residency(fd, pvm, (uintptr_t)buf, 1, &loc);
	lt_check(rep, err == -EACCES, "RESIDENCY: %d", err);
	err = vsvm_query_range_attrs(fd, pvm, (uintptr_t)buf, bytes, attrs,
				     &n);
	lt_check(rep, err == -EACCES, "QUERY_RANGE_ATTRS: %d", err);
	err = vsvm_vm_destroy(fd, pvm);
	lt_check(rep, err == -EACCES, "VM_DESTROY: %d", err);
	lt_check(rep, !vsvm_debugfs_path(d->minor, "vms", path, sizeof(path)) &&
		 vsvm_vms_file_count(path) >= 1, "the VM went");

	/* the child's copy of the memory, by the CPU and its own VM */
	lt_check(rep, lt_check_pattern(buf, bytes, 0x4444) < 0,
		 "CPU: the inherited memory changed");
	err = vsvm_vm_create(fd, &mine);
	lt_check(rep, !err, "VM_CREATE: %d", err);
	lt_check(rep, mine != pvm, "the dead parent's VM id again");
	err = vsvm_exec_read(fd, mine, buf, bytes, copy, NULL);
	lt_check(rep, !err && lt_check_pattern(copy, bytes, 0x4444) < 0,
		 "GPU read of the inherited memory: %d", err);
	err = vsvm_exec_fill(fd, mine, buf, bytes, 8, 0x55, NULL);
	lt_check(rep, !err, "FILL: %d", err);
	lt_check(rep, buf[0] == 0x55 && buf[bytes / 8 - 1] == 0x55,
		 "CPU after the fill: %#llx", (unsigned long long)buf[0]);
	free(copy);
	close(fd);
	rep->done = 1;
}

static void lt_test_parent_exit(void)
{
	size_t bytes = BUF_PAGES * page_size;
	struct lt_report *rep;
	struct lt_dev *d = NULL;
	int live0, i, pipefd[2];
	__u64 free0;

	/* a device whose VRAM the memory can go to */
	for (i = 0; i < n_devs && !d; i++)
		d = &devs[i];
	live0 = lt_live_vms(d->minor);
	free0 = lt_vram_free(d->fd);
	rep = mmap(NULL, sizeof(*rep), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	igt_assert(rep != MAP_FAILED);
	memset(rep, 0, sizeof(*rep));
	/* the grandchild holds the write end: EOF when it is gone */
	igt_assert_eq(pipe(pipefd), 0);

	igt_fork(child, 1) {
		int fd, go[2];
		pid_t pid, me;
		__u64 *buf;
		__u32 vm;

		close(pipefd[0]);
		fd = vsvm_open_minor(d->minor);
		igt_assert_lte(0, fd);
		vm = lt_vm(fd);
		buf = lt_map(bytes);
		lt_fill_pattern(buf, bytes, 0x4444);
		igt_assert_eq(vsvm_prefetch(fd, vm, DRM_VSVM_LOCATION_DEVICE,
					    (uintptr_t)buf, bytes, 0, NULL), 0);
		igt_assert_eq(lt_pages_on(fd, vm, buf, BUF_PAGES, d->index),
			      BUF_PAGES);
		igt_assert_eq(pipe(go), 0);
		me = getpid();
		pid = fork();
		igt_assert_lte(0, pid);
		if (!pid) {
			close(go[1]);
			lt_grandchild(rep, d, fd, vm, buf, bytes, go[0], me);
			_exit(0);
		}
		close(pipefd[1]);
		close(go[0]);
		/* the parent writes its copy, then exits with the file open */
		igt_assert_eq(vsvm_exec_fill(fd, vm, buf, bytes, 8, 0x66,
					     NULL), 0);
		close(go[1]);
	}
	close(pipefd[1]);
	igt_waitchildren();
	/* EOF: the grandchild exited */
	{
		char c;

		igt_assert_eq(read(pipefd[0], &c, 1), 0);
	}
	close(pipefd[0]);
	igt_assert_f(!rep->line, "grandchild, line %d: %s\n", rep->line,
		     rep->msg);
	igt_assert(rep->done);
	igt_assert_f(lt_wait_for(lt_live_vms(d->minor) == live0),
		     "renderD%d: %d VMs, %d before\n", d->minor,
		     lt_live_vms(d->minor), live0);
	igt_assert_f(lt_wait_for(lt_vram_free(d->fd) == free0),
		     "renderD%d: VRAM free %llu, was %llu\n", d->minor,
		     (unsigned long long)lt_vram_free(d->fd),
		     (unsigned long long)free0);
	munmap(rep, sizeof(*rep));
}

/* ---- scm-drm-fd-share ---- */

struct lt_share {
	__u32 ids[2][DRM_VSVM_VM_MAX_PER_FILE];	/* live ids of each side */
	int stop;
	unsigned long created[2], foreign_denied[2];
};

/* One side: create, work, destroy; poke the other side's ids. */
static void lt_share_side(struct lt_share *sh, int side, int fd,
			  const struct vsvm_stress *st)
{
	__u64 state = vsvm_stress_subseed(st, 10 + side);
	size_t bytes = 4 * page_size;
	__u64 *buf = lt_map(bytes), *copy = malloc(bytes);
	__u32 mine[8] = { 0 };
	int i, err;

	igt_assert(copy);
	while (vsvm_stress_running(st)) {
		int slot = vsvm_rand_below(&state, 8);
		__u32 other;

		if (!mine[slot]) {
			err = vsvm_vm_create(fd, &mine[slot]);
			igt_assert_f(!err || err == -ENOSPC,
				     "side %d VM_CREATE: %d\n", side, err);
			if (err) {
				mine[slot] = 0;
				continue;
			}
			sh->created[side]++;
			__atomic_store_n(&sh->ids[side][slot], mine[slot],
					 __ATOMIC_RELEASE);
		}
		lt_fill_pattern(buf, bytes, 0x7000 + side * 16 + slot);
		err = vsvm_exec_read(fd, mine[slot], buf, bytes, copy, NULL);
		igt_assert_f(!err || err == -EBUSY, "side %d EXEC: %d\n",
			     side, err);
		igt_assert(err || lt_check_pattern(copy, bytes, 0x7000 +
						   side * 16 + slot) < 0);
		err = vsvm_exec_fill(fd, mine[slot], buf, bytes, 8,
				     side + 1, NULL);
		igt_assert_f(!err || err == -EBUSY, "side %d FILL: %d\n",
			     side, err);

		/* the other side's VMs: never ours */
		i = vsvm_rand_below(&state, 8);
		other = __atomic_load_n(&sh->ids[!side][i], __ATOMIC_ACQUIRE);
		if (other) {
			__u32 loc;

			err = vsvm_exec_fill(fd, other, buf, bytes, 8, 9, NULL);
			igt_assert_f(err == -EACCES || err == -ENOENT,
				     "side %d FILL on the other's VM %u: %d\n",
				     side, other, err);
			err = vsvm_residency(fd, other, (uintptr_t)buf, 1,
					     &loc);
			igt_assert_f(err == -EACCES || err == -ENOENT,
				     "side %d RESIDENCY on %u: %d\n", side,
				     other, err);
			err = vsvm_vm_destroy(fd, other);
			igt_assert_f(err == -EACCES || err == -ENOENT,
				     "side %d VM_DESTROY of %u: %d\n", side,
				     other, err);
			sh->foreign_denied[side]++;
		}
		if (vsvm_rand_below(&state, 3) == 0) {
			__atomic_store_n(&sh->ids[side][slot], 0,
					 __ATOMIC_RELEASE);
			igt_assert_eq(vsvm_vm_destroy(fd, mine[slot]), 0);
			mine[slot] = 0;
		}
	}
	for (i = 0; i < 8; i++)
		if (mine[i]) {
			__atomic_store_n(&sh->ids[side][i], 0,
					 __ATOMIC_RELEASE);
			igt_assert_eq(vsvm_vm_destroy(fd, mine[i]), 0);
		}
	free(copy);
	munmap(buf, bytes);
}

static void lt_test_scm_drm_fd_share(void)
{
	struct vsvm_stress st;
	struct lt_share *sh;
	struct lt_chan ch;
	struct lt_dev *d;
	int fd, live0, i, n;
	__u64 state;
	__u32 ids[DRM_VSVM_VM_MAX_PER_FILE + 1];

	vsvm_stress_init(&st, "vsvm_lifetime", 3);
	state = vsvm_stress_subseed(&st, 3);
	d = &devs[vsvm_rand_below(&state, n_devs)];
	igt_info("device renderD%d\n", d->minor);
	live0 = lt_live_vms(d->minor);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	igt_assert(sh != MAP_FAILED);
	memset(sh, 0, sizeof(*sh));
	lt_chan_init(&ch);

	igt_fork(child, 1) {
		int rfd;

		lt_chan_receiver(&ch);
		rfd = lt_chan_recv(&ch);
		igt_assert_lte(0, rfd);
		lt_share_side(sh, 1, rfd, &st);
		close(rfd);
	}
	lt_chan_sender(&ch);
	fd = vsvm_open_minor(d->minor);
	igt_assert_lte(0, fd);
	lt_chan_send(&ch, fd);
	lt_share_side(sh, 0, fd, &st);
	igt_waitchildren();
	lt_chan_fini(&ch);
	igt_info("VMs created: %lu and %lu; foreign uses refused: %lu and %lu\n",
		 sh->created[0], sh->created[1], sh->foreign_denied[0],
		 sh->foreign_denied[1]);
	igt_assert_eq(lt_live_vms(d->minor), live0);

	/* the per-file limit is the file's, whoever created the VMs */
	igt_fork(child, 1) {
		for (i = 0; i < DRM_VSVM_VM_MAX_PER_FILE / 2; i++)
			igt_assert_eq(vsvm_vm_create(fd, &ids[i]), 0);
	}
	igt_waitchildren();
	for (n = 0; n <= DRM_VSVM_VM_MAX_PER_FILE; n++)
		if (vsvm_vm_create(fd, &ids[n]))
			break;
	igt_assert_eq(n, DRM_VSVM_VM_MAX_PER_FILE / 2);
	igt_assert_eq(vsvm_vm_create(fd, &ids[n]), -ENOSPC);
	igt_assert_eq(lt_live_vms(d->minor), live0 + DRM_VSVM_VM_MAX_PER_FILE);
	close(fd);
	igt_assert_f(lt_wait_for(lt_live_vms(d->minor) == live0),
		     "renderD%d: %d VMs, %d before\n", d->minor,
		     lt_live_vms(d->minor), live0);
	munmap(sh, sizeof(*sh));
}

/* ---- failed-calls-change-nothing ---- */

static const char * const lt_counter_names[] = {
	"execs", "gpu_faults", "pages_to_vram", "pages_to_ram",
	"migrate_fallbacks", "vram_pages_in", "vram_pages_out",
};

struct lt_snapshot {
	__u32 loc[BUF_PAGES];
	struct drm_vsvm_range_attr attrs[8];
	__u32 nattrs;
	__u64 counters[ARRAY_SIZE(lt_counter_names)];
	__u64 vram_free;
};

static void lt_snap(const struct lt_dev *d, __u32 vm, const void *buf,
		    size_t bytes, struct lt_snapshot *s)
{
	unsigned int i;

	memset(s, 0, sizeof(*s));
	igt_assert_eq(vsvm_residency(d->fd, vm, (uintptr_t)buf,
				     bytes / page_size, s->loc), 0);
	s->nattrs = lt_attrs(d->fd, vm, buf, bytes, s->attrs, 8);
	for (i = 0; i < ARRAY_SIZE(lt_counter_names); i++)
		igt_assert_eq(vsvm_counter(d->minor, lt_counter_names[i],
					   &s->counters[i]), 0);
	s->vram_free = lt_vram_free(d->fd);
}

static void lt_same(const struct lt_snapshot *a, const struct lt_snapshot *b,
		    const char *what)
{
	unsigned int i;

	igt_assert_f(!memcmp(a->loc, b->loc, sizeof(a->loc)),
		     "%s: the residency changed\n", what);
	igt_assert_f(a->nattrs == b->nattrs &&
		     !memcmp(a->attrs, b->attrs, sizeof(a->attrs)),
		     "%s: the attributes changed\n", what);
	for (i = 0; i < ARRAY_SIZE(lt_counter_names); i++)
		igt_assert_f(a->counters[i] == b->counters[i],
			     "%s: counter %s %llu -> %llu\n", what,
			     lt_counter_names[i],
			     (unsigned long long)a->counters[i],
			     (unsigned long long)b->counters[i]);
	igt_assert_f(a->vram_free == b->vram_free,
		     "%s: VRAM free %llu -> %llu\n", what,
		     (unsigned long long)a->vram_free,
		     (unsigned long long)b->vram_free);
}

static void lt_test_failed_calls(void)
{
	size_t bytes = BUF_PAGES * page_size;
	struct lt_snapshot s0, s1;
	struct lt_dev *a, *b, *lone;
	__u64 *buf, moved;
	int pfd, lpfd = -1, nul, closed;
	__u32 vm;

	igt_require_f(lt_find_pair(&a, &b, false),
		      "needs two devices of one owner group\n");
	lone = lt_find_lone(a);
	/* the guard page after the buffer is made a hole */
	buf = lt_map(bytes);
	igt_assert_eq(munmap((char *)buf + bytes, page_size), 0);
	lt_fill_pattern(buf, bytes, 0x5555);
	vm = lt_vm(a->fd);
	pfd = lt_devmem_open(b->fd);
	if (lone)
		lpfd = lt_devmem_open(lone->fd);
	nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
	closed = open("/dev/null", O_RDONLY | O_CLOEXEC);
	close(closed);

	/* half in B's VRAM by advice, a quarter advised otherwise */
	igt_assert_eq(vsvm_madvise(a->fd, vm, DRM_VSVM_MADVISE_PREFERRED_LOC,
				   (uintptr_t)buf, bytes / 2,
				   DRM_VSVM_LOCATION_PAGEMAP_FD, pfd), 0);
	igt_assert_eq(vsvm_madvise(a->fd, vm, DRM_VSVM_MADVISE_ATOMIC,
				   (uintptr_t)buf + bytes / 4, bytes / 2,
				   DRM_VSVM_ATOMIC_GLOBAL, 0), 0);
	lt_gpu_check(a->fd, vm, buf, bytes, 0x5555, "setup");
	igt_assert_eq(lt_pages_on(a->fd, vm, buf, BUF_PAGES / 2, b->index),
		      BUF_PAGES / 2);
	lt_snap(a, vm, buf, bytes, &s0);

	igt_assert_eq(vsvm_madvise(a->fd, vm, DRM_VSVM_MADVISE_PREFERRED_LOC,
				   (uintptr_t)buf, bytes,
				   DRM_VSVM_LOCATION_PAGEMAP_FD, closed),
		      -EBADF);
	igt_assert_eq(vsvm_madvise(a->fd, vm, DRM_VSVM_MADVISE_PREFERRED_LOC,
				   (uintptr_t)buf, bytes,
				   DRM_VSVM_LOCATION_PAGEMAP_FD, -1), -EBADF);
	igt_assert_eq(vsvm_madvise(a->fd, vm, DRM_VSVM_MADVISE_PREFERRED_LOC,
				   (uintptr_t)buf, bytes,
				   DRM_VSVM_LOCATION_PAGEMAP_FD, nul), -EINVAL);
	igt_assert_eq(vsvm_madvise(a->fd, vm, DRM_VSVM_MADVISE_PREFERRED_LOC,
				   (uintptr_t)buf, bytes,
				   DRM_VSVM_LOCATION_PAGEMAP_FD, a->fd),
		      -EINVAL);
	igt_assert_eq(vsvm_madvise(a->fd, vm, DRM_VSVM_MADVISE_PREFERRED_LOC,
				   (uintptr_t)buf, bytes,
				   DRM_VSVM_LOCATION_SYSTEM, pfd), -EINVAL);
	igt_assert_eq(vsvm_madvise(a->fd, vm, DRM_VSVM_MADVISE_ATOMIC,
				   (uintptr_t)buf, bytes,
				   DRM_VSVM_ATOMIC_CPU, pfd), -EINVAL);
	igt_assert_eq(vsvm_madvise(a->fd, vm + 1000,
				   DRM_VSVM_MADVISE_PREFERRED_LOC,
				   (uintptr_t)buf, bytes,
				   DRM_VSVM_LOCATION_PAGEMAP_FD, pfd), -ENOENT);
	moved = 0xdead;
	igt_assert_eq(vsvm_prefetch(a->fd, vm, DRM_VSVM_LOCATION_PAGEMAP_FD,
				    (uintptr_t)buf, bytes, closed, &moved),
		      -EBADF);
	igt_assert_eq(vsvm_prefetch(a->fd, vm, DRM_VSVM_LOCATION_PAGEMAP_FD,
				    (uintptr_t)buf, bytes, nul, &moved),
		      -EINVAL);
	igt_assert_eq(vsvm_prefetch(a->fd, vm, DRM_VSVM_LOCATION_SYSTEM,
				    (uintptr_t)buf, bytes, pfd, &moved),
		      -EINVAL);
	igt_assert_eq(vsvm_prefetch(a->fd, vm, DRM_VSVM_LOCATION_DEVICE,
				    (uintptr_t)buf, bytes, pfd, &moved),
		      -EINVAL);
	/* a range with a hole: nothing moves, not even its mapped start */
	igt_assert_eq(vsvm_prefetch(a->fd, vm, DRM_VSVM_LOCATION_SYSTEM,
				    (uintptr_t)buf, bytes + page_size, 0,
				    &moved), -EFAULT);
	if (lone) {
		igt_assert_eq(vsvm_madvise(a->fd, vm,
					   DRM_VSVM_MADVISE_PREFERRED_LOC,
					   (uintptr_t)buf, bytes,
					   DRM_VSVM_LOCATION_PAGEMAP_FD, lpfd),
			      -ENOLINK);
		igt_assert_eq(vsvm_prefetch(a->fd, vm,
					    DRM_VSVM_LOCATION_PAGEMAP_FD,
					    (uintptr_t)buf, bytes, lpfd,
					    &moved), -ENOLINK);
	}
	/* no fd left: -EMFILE, no fd, no pagemap reference */
	{
		struct drm_vsvm_devmem_open o = { .fd = -1 };
		struct lt_pagemap_stats p0, p1;
		struct rlimit rl, low;
		int lowest = dup(0);

		igt_assert_lte(0, lowest);
		close(lowest);
		igt_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
		low = rl;
		low.rlim_cur = lowest;
		lt_read_stats(&p0);
		igt_assert_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
		errno = 0;
		igt_assert_eq(drmIoctl(b->fd, DRM_IOCTL_VSVM_DEVMEM_OPEN, &o),
			      -1);
		igt_assert_eq(errno, EMFILE);
		igt_assert_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
		igt_assert_eq(o.fd, -1);
		lt_read_stats(&p1);
		igt_assert_eq_s64(p1.active, p0.active);
	}
	lt_snap(a, vm, buf, bytes, &s1);
	lt_same(&s0, &s1, "failed MADVISE/PREFETCH/DEVMEM_OPEN");

	/* a forked child's calls on the VM change nothing either */
	igt_fork(child, 1) {
		struct drm_vsvm_exec e = {
			.vm_id = vm, .op = DRM_VSVM_EXEC_FILL, .width = 8,
			.va = (uintptr_t)buf, .size = bytes, .value = 1,
		};
		__u64 m;

		igt_assert_eq(vsvm_madvise(a->fd, vm,
					   DRM_VSVM_MADVISE_PREFERRED_LOC,
					   (uintptr_t)buf, bytes,
					   DRM_VSVM_LOCATION_PAGEMAP_FD, pfd),
			      -EACCES);
		igt_assert_eq(vsvm_prefetch(a->fd, vm,
					    DRM_VSVM_LOCATION_PAGEMAP_FD,
					    (uintptr_t)buf, bytes, pfd, &m),
			      -EACCES);
		igt_assert_eq(vsvm_prefetch(a->fd, vm,
					    DRM_VSVM_LOCATION_SYSTEM,
					    (uintptr_t)buf, bytes, 0, &m),
			      -EACCES);
		igt_assert_eq(vsvm_exec(a->fd, &e), -EACCES);
		/* close the parent's pagemap fd in the child: its own copy */
		close(pfd);
	}
	igt_waitchildren();
	lt_snap(a, vm, buf, bytes, &s1);
	lt_same(&s0, &s1, "the child's calls");
	igt_assert_lte(0, fcntl(pfd, F_GETFD));
	igt_assert(lt_check_pattern(buf, bytes, 0x5555) < 0);

	close(nul);
	if (lpfd >= 0)
		close(lpfd);
	close(pfd);
	igt_assert_eq(vsvm_vm_destroy(a->fd, vm), 0);
	munmap(buf, bytes);
}

/* ---- kill-mid-work ---- */

/* In a raw fork()ed child: no igt assertion, the line as exit status. */
#define lt_child_check(cond) do {					\
	if (!(cond))							\
		_exit(__LINE__ % 200 + 50);				\
} while (0)

struct lt_victim {
	int fa, fb, pfd;
	__u32 va, vb;
	__u64 *buf, *buf2;
	size_t bytes;
	__u64 seed;
};

static void *lt_victim_gpu(void *arg)
{
	struct lt_victim *v = arg;
	__u64 *copy = malloc(v->bytes);

	for (;;) {
		vsvm_exec_read(v->fb, v->vb, v->buf, v->bytes, copy, NULL);
		vsvm_exec_fill(v->fb, v->vb, v->buf2, v->bytes, 8, 3, NULL);
		vsvm_exec_atomic_inc(v->fa, v->va, v->buf2, v->bytes, 8, 1,
				     NULL);
	}
	return NULL;
}

static void *lt_victim_prefetch(void *arg)
{
	struct lt_victim *v = arg;
	__u64 state = v->seed;

	for (;;) {
		bool sys = vsvm_rand_below(&state, 2);

		vsvm_prefetch(v->fa, v->va, sys ? DRM_VSVM_LOCATION_SYSTEM :
			      DRM_VSVM_LOCATION_PAGEMAP_FD, (uintptr_t)v->buf,
			      v->bytes, sys ? 0 : v->pfd, NULL);
		vsvm_madvise(v->fb, v->vb, DRM_VSVM_MADVISE_PREFERRED_LOC,
			     (uintptr_t)v->buf2, v->bytes,
			     DRM_VSVM_LOCATION_PAGEMAP_FD, v->pfd);
	}
	return NULL;
}

static void lt_victim_main(const struct lt_dev *a, const struct lt_dev *b,
			   int fa, int ready, __u64 seed)
{
	struct lt_victim v = { .fa = fa, .seed = seed };
	__u32 mask[BUF_PAGES];
	pthread_t t1, t2;
	unsigned long i;
	int err;

	v.bytes = BUF_PAGES * page_size;
	v.buf = mmap(NULL, v.bytes, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	v.buf2 = mmap(NULL, v.bytes, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	lt_child_check(v.buf != MAP_FAILED && v.buf2 != MAP_FAILED);
	lt_fill_pattern(v.buf, v.bytes, 0x8888);
	memset(v.buf2, 0, v.bytes);
	v.fb = vsvm_open_minor(b->minor);
	lt_child_check(v.fb >= 0);
	lt_child_check(!vsvm_vm_create(v.fa, &v.va));
	lt_child_check(!vsvm_vm_create(v.fb, &v.vb));
	v.pfd = lt_devmem_open(v.fa);

	/* the master in A's VRAM, a read replica of it in B's */
	lt_child_check(!vsvm_prefetch(v.fa, v.va, DRM_VSVM_LOCATION_DEVICE,
				      (uintptr_t)v.buf, v.bytes, 0, NULL));
	lt_child_check(!vsvm_residency(v.fa, v.va, (uintptr_t)v.buf, BUF_PAGES,
				       mask));
	for (i = 0; i < BUF_PAGES; i++)
		lt_child_check(mask[i] == DRM_VSVM_RESIDENCY_DEVICE(a->index));
	lt_child_check(!vsvm_madvise(v.fb, v.vb, DRM_VSVM_MADVISE_READ_MOSTLY,
				     (uintptr_t)v.buf, v.bytes,
				     DRM_VSVM_READ_MOSTLY_ON, 0));
	err = vsvm_exec_read(v.fb, v.vb, v.buf, v.bytes, v.buf2, NULL);
	lt_child_check(!err);
	lt_child_check(lt_check_pattern(v.buf2, v.bytes, 0x8888) < 0);
	{
		struct drm_vsvm_residency r = {
			.vm_id = v.vb, .flags = DRM_VSVM_RESIDENCY_REPLICAS,
			.start = (uintptr_t)v.buf, .num_pages = BUF_PAGES,
			.locations = (uintptr_t)mask,
		};

		lt_child_check(!drmIoctl(v.fb, DRM_IOCTL_VSVM_RESIDENCY, &r));
		for (i = 0; i < BUF_PAGES; i++)
			lt_child_check(mask[i] & (1u << b->index));
	}
	lt_child_check(!pthread_create(&t1, NULL, lt_victim_gpu, &v));
	lt_child_check(!pthread_create(&t2, NULL, lt_victim_prefetch, &v));
	lt_child_check(write(ready, "r", 1) == 1);
	/* the CPU writes collapse the replicas, the GPU reads remake them */
	for (i = 0;; i = (i + 512) % (v.bytes / 8))
		v.buf[i] = lt_pattern(0x8888, i);
}

static void lt_test_kill_mid_work(void)
{
	struct lt_dev *a, *b;
	struct vsvm_stress st;
	__u64 state, freea, freeb;
	int round, livea, liveb;

	igt_require_f(lt_find_pair(&a, &b, false),
		      "needs two devices of one owner group\n");
	vsvm_stress_init(&st, "vsvm_lifetime", 4);
	state = vsvm_stress_subseed(&st, 4);
	livea = lt_live_vms(a->minor);
	liveb = lt_live_vms(b->minor);
	freea = lt_vram_free(a->fd);
	freeb = lt_vram_free(b->fd);

	for (round = 0; vsvm_stress_running(&st); round++) {
		int fa, ready[2], status;
		char c;
		pid_t pid;

		/* the parent's file: the child's VM on it outlives the child */
		fa = vsvm_open_minor(a->minor);
		igt_assert_lte(0, fa);
		igt_assert_eq(pipe(ready), 0);
		pid = fork();
		igt_assert_lte(0, pid);
		if (!pid) {
			close(ready[0]);
			lt_victim_main(a, b, fa, ready[1],
				       vsvm_rand(&state));
			_exit(1);
		}
		close(ready[1]);
		if (read(ready[0], &c, 1) != 1) {
			waitpid(pid, &status, 0);
			igt_assert_f(0, "round %d: victim set-up failed, status %#x\n",
				     round, status);
		}
		close(ready[0]);
		usleep(vsvm_rand_below(&state, 50000));
		igt_assert_eq(kill(pid, SIGKILL), 0);
		igt_assert_eq(waitpid(pid, &status, 0), pid);
		igt_assert_f(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
			     "round %d: victim status %#x\n", round, status);

		/* its VM on our file stays, out of our reach */
		igt_assert_eq(lt_live_vms(a->minor), livea + 1);
		igt_assert_eq(vsvm_vm_destroy(fa, 1), -EACCES);
		igt_assert_eq(close(fa), 0);
		igt_assert_f(lt_wait_for(lt_live_vms(a->minor) == livea &&
					 lt_live_vms(b->minor) == liveb),
			     "round %d: VMs %d and %d, were %d and %d\n", round,
			     lt_live_vms(a->minor), lt_live_vms(b->minor),
			     livea, liveb);
		igt_assert_f(lt_wait_for(lt_vram_free(a->fd) == freea &&
					 lt_vram_free(b->fd) == freeb),
			     "round %d: VRAM free %llu and %llu, were %llu and %llu\n",
			     round, (unsigned long long)lt_vram_free(a->fd),
			     (unsigned long long)lt_vram_free(b->fd),
			     (unsigned long long)freea,
			     (unsigned long long)freeb);
	}
	igt_info("%d rounds\n", round);
}

/* ---- exec-keeps-files ---- */

#define LT_EXEC_ENV	"VSVM_LIFETIME_EXEC"

/*
 * The program exec()ed by exec-keeps-files, run from the first fixture:
 * "drm_fd vm pagemap_fd cloexec_fd index" in the environment. Exits 0 or
 * with the failing line.
 */
static void lt_exec_helper(const char *env)
{
	int fd, pfd, cfd, i, n;
	__u32 old_vm, vm, index, loc[16];
	size_t bytes;
	__u64 *buf;

	n = sscanf(env, "%d %u %d %d %u", &fd, &old_vm, &pfd, &cfd, &index);
	lt_child_check(n == 5);
	/* the close-on-exec pagemap fd is gone, the other two are not */
	errno = 0;
	lt_child_check(fcntl(cfd, F_GETFD) == -1 && errno == EBADF);
	lt_child_check(fcntl(fd, F_GETFD) == 0 && fcntl(pfd, F_GETFD) == 0);

	page_size = sysconf(_SC_PAGESIZE);
	bytes = 16 * page_size;
	buf = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	lt_child_check(buf != MAP_FAILED);
	/* the VM of the image before: another mm */
	lt_child_check(vsvm_exec_fill(fd, old_vm, buf, bytes, 8, 1, NULL) ==
		       -EACCES);
	lt_child_check(vsvm_madvise(fd, old_vm, DRM_VSVM_MADVISE_ATOMIC,
				    (uintptr_t)buf, bytes,
				    DRM_VSVM_ATOMIC_CPU, 0) == -EACCES);
	lt_child_check(vsvm_vm_destroy(fd, old_vm) == -EACCES);
	/* a VM of its own; the inherited pagemap fd names the VRAM */
	lt_child_check(!vsvm_vm_create(fd, &vm));
	lt_child_check(vm != old_vm);
	lt_child_check(!vsvm_madvise(fd, vm, DRM_VSVM_MADVISE_PREFERRED_LOC,
				     (uintptr_t)buf, bytes,
				     DRM_VSVM_LOCATION_PAGEMAP_FD, pfd));
	lt_child_check(!vsvm_exec_fill(fd, vm, buf, bytes, 8, 0x42, NULL));
	lt_child_check(!vsvm_residency(fd, vm, (uintptr_t)buf, 16, loc));
	for (i = 0; i < 16; i++)
		lt_child_check(loc[i] == DRM_VSVM_RESIDENCY_DEVICE(index));
	for (i = 0; i < (int)(bytes / 8); i++)
		lt_child_check(buf[i] == 0x42);
	_exit(0);
}

static void lt_test_exec(void)
{
	struct lt_dev *a, *b;
	int live0;

	if (!lt_find_pair(&a, &b, false)) {
		a = &devs[0];
		b = a;
	}
	live0 = lt_live_vms(b->minor);

	igt_fork(child, 1) {
		char env[128], *argv[] = { "vsvm_lifetime", NULL };
		int fd, pfd, cfd;
		__u32 vm;

		fd = vsvm_open_minor(b->minor);
		igt_assert_lte(0, fd);
		vm = lt_vm(fd);
		pfd = lt_devmem_open(a->fd);
		cfd = lt_devmem_open(a->fd);
		igt_assert_eq(fcntl(fd, F_SETFD, 0), 0);
		igt_assert_eq(fcntl(pfd, F_SETFD, 0), 0);
		snprintf(env, sizeof(env), "%d %u %d %d %u", fd, vm, pfd, cfd,
			 a->index);
		igt_assert_eq(setenv(LT_EXEC_ENV, env, 1), 0);
		execv("/proc/self/exe", argv);
		igt_assert_f(0, "execv: %s\n", strerror(errno));
	}
	igt_waitchildren();
	igt_assert_f(lt_wait_for(lt_live_vms(b->minor) == live0),
		     "renderD%d: %d VMs, %d before\n", b->minor,
		     lt_live_vms(b->minor), live0);
}

/* ---- fork-during-gpu-writes ---- */

struct lt_writer {
	int fd;
	__u32 vm;
	__u64 *buf, *ctr;
	size_t bytes;
	int stop;
	__u64 last;	/* the value of the last FILL that succeeded */
	__u64 incs;
	int err;
};

static void *lt_writer_fn(void *arg)
{
	struct lt_writer *w = arg;
	int err = 0;
	__u64 v;

	for (v = 1; !__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE); v++) {
		err = vsvm_exec_fill(w->fd, w->vm, w->buf, w->bytes, 8, v,
				     NULL);
		if (!err)
			w->last = v;
		else if (err != -EBUSY)
			break;
		err = vsvm_exec_atomic_inc(w->fd, w->vm, w->ctr, 8, 8, 1,
					   NULL);
		if (!err)
			w->incs++;
		else if (err != -EBUSY)
			break;
	}
	w->err = __atomic_load_n(&w->stop, __ATOMIC_ACQUIRE) ? 0 : err;
	return NULL;
}

static void lt_test_fork_during_writes(void)
{
	struct lt_writer w;
	struct vsvm_stress st;
	struct lt_dev *d;
	pthread_t t;
	__u64 state;
	int round;
	unsigned long i;

	vsvm_stress_init(&st, "vsvm_lifetime", 4);
	state = vsvm_stress_subseed(&st, 5);
	d = &devs[vsvm_rand_below(&state, n_devs)];
	igt_info("device renderD%d\n", d->minor);
	memset(&w, 0, sizeof(w));
	w.fd = d->fd;
	w.vm = lt_vm(d->fd);
	w.bytes = 16 * page_size;
	w.buf = lt_map(w.bytes);
	w.ctr = lt_map(page_size);
	memset(w.buf, 0, w.bytes);
	memset(w.ctr, 0, page_size);
	igt_assert_eq(pthread_create(&t, NULL, lt_writer_fn, &w), 0);

	for (round = 0; vsvm_stress_running(&st); round++) {
		int where = vsvm_rand_below(&state, 3);
		__u64 pause = vsvm_rand_below(&state, 20000);

		/* in VRAM, in system memory, or wherever the writer left it */
		if (where < 2)
			vsvm_prefetch(d->fd, w.vm,
				      where ? DRM_VSVM_LOCATION_DEVICE :
					      DRM_VSVM_LOCATION_SYSTEM,
				      (uintptr_t)w.buf, w.bytes, 0, NULL);
		usleep(pause);
		igt_fork(child, 1) {
			__u64 *s1 = malloc(w.bytes), *s2 = malloc(w.bytes);
			__u64 c1, c2;

			/* the memory as of the fork is the child's, fixed */
			memcpy(s1, w.buf, w.bytes);
			c1 = *w.ctr;
			usleep(30000);
			memcpy(s2, w.buf, w.bytes);
			c2 = *w.ctr;
			for (i = 0; i < w.bytes / 8; i++)
				igt_assert_f(s1[i] == s2[i],
					     "round %d: the parent's GPU wrote the child's word %lu: %llu then %llu\n",
					     round, i,
					     (unsigned long long)s1[i],
					     (unsigned long long)s2[i]);
			igt_assert_f(c1 == c2,
				     "round %d: the parent's GPU incremented the child's counter: %llu then %llu\n",
				     round, (unsigned long long)c1,
				     (unsigned long long)c2);
		}
		igt_waitchildren();
	}
	__atomic_store_n(&w.stop, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	igt_info("%d forks, last fill %llu, %llu increments\n", round,
		 (unsigned long long)w.last, (unsigned long long)w.incs);
	igt_assert_f(!w.err, "writer: %s\n", strerror(-w.err));
	igt_assert_lt(0, (int)w.last);
	for (i = 0; i < w.bytes / 8; i++)
		igt_assert_eq_u64(w.buf[i], w.last);
	igt_assert_eq_u64(*w.ctr, w.incs);
	igt_assert_eq(vsvm_vm_destroy(d->fd, w.vm), 0);
}

/* ---- evict-other-process ---- */

/* The device with the least VRAM, 64 MiB at most: the evictor is quick. */
static struct lt_dev *lt_small_vram_dev(void)
{
	struct drm_vsvm_query_device info;
	struct lt_dev *d = NULL;
	__u64 least = 0;
	int i;

	for (i = 0; i < n_devs; i++) {
		vsvm_device_info(devs[i].fd, &info);
		if (!d || info.vram_size < least) {
			d = &devs[i];
			least = info.vram_size;
		}
	}
	igt_require_f(d && least <= (64ull << 20),
		      "no device with 64 MiB of VRAM or less\n");
	igt_info("renderD%d, %llu MiB of VRAM\n", d->minor,
		 (unsigned long long)(least >> 20));
	return d;
}

/*
 * The evictor's end of a round: its @bytes at @buf right by the GPU and the
 * CPU, its VM and memory gone, and the device's VRAM free back at @free0.
 */
static void lt_evictor_done(const struct lt_dev *d, __u32 vm, __u64 *buf,
			    size_t bytes, __u64 tag, __u64 free0, int round)
{
	lt_gpu_check(d->fd, vm, buf, bytes, tag, "evictor");
	igt_assert(lt_check_pattern(buf, bytes, tag) < 0);
	igt_assert_eq(vsvm_vm_destroy(d->fd, vm), 0);
	munmap(buf, bytes);
	igt_assert_f(lt_wait_for(lt_vram_free(d->fd) == free0),
		     "round %d: VRAM free %llu, was %llu\n", round,
		     (unsigned long long)lt_vram_free(d->fd),
		     (unsigned long long)free0);
}

/*
 * The victim: its buffer in the device's VRAM, then it waits for a byte on
 * @go: 'v' verifies the data (exit 0 if right) or it is killed meanwhile.
 */
static void lt_evict_victim(const struct lt_dev *d, size_t bytes, int how,
			    unsigned int delay_us, int ready, int go)
{
	__u64 *buf, *copy;
	__u32 vm;
	int fd;
	char c;

	(void)how;
	(void)delay_us;
	fd = vsvm_open_minor(d->minor);
	lt_child_check(fd >= 0);
	lt_child_check(!vsvm_vm_create(fd, &vm));
	buf = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	copy = malloc(bytes);
	lt_child_check(buf != MAP_FAILED && copy);
	lt_fill_pattern(buf, bytes, 0xeeee);
	lt_child_check(!vsvm_prefetch(fd, vm, DRM_VSVM_LOCATION_DEVICE,
				      (uintptr_t)buf, bytes, 0, NULL));
	lt_child_check(write(ready, "r", 1) == 1);
	lt_child_check(read(go, &c, 1) == 1 && c == 'v');
	/* evicted or not, by the GPU and by the CPU, every byte is there */
	lt_child_check(!vsvm_exec_read(fd, vm, buf, bytes, copy, NULL));
	lt_child_check(lt_check_pattern(copy, bytes, 0xeeee) < 0);
	lt_child_check(lt_check_pattern(buf, bytes, 0xeeee) < 0);
	_exit(0);
}

typedef void (*lt_victim_fn)(const struct lt_dev *d, size_t bytes, int how,
			     unsigned int delay_us, int ready, int go);

/*
 * Fork a process running @victim(@d, @bytes, @how, @delay_us) and wait for
 * its 'r'. Return its pid; *@go is the write end of its pipe of orders.
 */
static pid_t lt_start_victim(lt_victim_fn victim, const struct lt_dev *d,
			     size_t bytes, int how, unsigned int delay_us,
			     int *go, int round)
{
	int ready[2], orders[2];
	pid_t pid;
	char c;

	igt_assert_eq(pipe(ready), 0);
	igt_assert_eq(pipe(orders), 0);
	pid = fork();
	igt_assert_lte(0, pid);
	if (!pid) {
		close(ready[0]);
		close(orders[1]);
		victim(d, bytes, how, delay_us, ready[1], orders[0]);
		_exit(0);
	}
	close(ready[1]);
	close(orders[0]);
	igt_assert_f(read(ready[0], &c, 1) == 1,
		     "round %d: victim set-up failed\n", round);
	close(ready[0]);
	*go = orders[1];
	return pid;
}

static void lt_test_evict_other_process(void)
{
	struct drm_vsvm_query_device info;
	struct lt_dev *d = lt_small_vram_dev();
	struct vsvm_stress st;
	__u64 state, free0;
	int round;

	vsvm_stress_init(&st, "vsvm_lifetime", 4);
	state = vsvm_stress_subseed(&st, 6);
	free0 = lt_vram_free(d->fd);

	for (round = 0; vsvm_stress_running(&st); round++) {
		size_t vbytes, pbytes, chunk = 1 << 20, off, kill_at;
		bool kill_it = vsvm_rand_below(&state, 2);
		int go, status, err;
		__u64 *buf;
		pid_t pid;
		__u32 vm;

		vsvm_device_info(d->fd, &info);
		vbytes = info.vram_size / 2;
		pbytes = info.vram_size;
		kill_at = vsvm_rand_below(&state, pbytes / chunk) * chunk;
		pid = lt_start_victim(lt_evict_victim, d, vbytes, 0, 0, &go,
				      round);

		/* a VRAM's worth of ours, a chunk at a time: theirs goes */
		buf = lt_map(pbytes);
		lt_fill_pattern(buf, pbytes, 0xffff);
		vm = lt_vm(d->fd);
		for (off = 0; off < pbytes; off += chunk) {
			if (kill_it && off == kill_at)
				igt_assert_eq(kill(pid, SIGKILL), 0);
			err = vsvm_prefetch(d->fd, vm, DRM_VSVM_LOCATION_DEVICE,
					    (uintptr_t)buf + off, chunk, 0,
					    NULL);
			igt_assert_f(!err || err == -EBUSY,
				     "round %d: prefetch at %zu: %s\n", round,
				     off, strerror(-err));
		}
		if (!kill_it)
			igt_assert_eq(write(go, "v", 1), 1);
		close(go);
		igt_assert_eq(waitpid(pid, &status, 0), pid);
		if (kill_it)
			igt_assert_f(WIFSIGNALED(status) &&
				     WTERMSIG(status) == SIGKILL,
				     "round %d: victim status %#x\n", round,
				     status);
		else
			igt_assert_f(WIFEXITED(status) &&
				     !WEXITSTATUS(status),
				     "round %d: the evicted victim's data is wrong (status %#x)\n",
				     round, status);
		lt_evictor_done(d, vm, buf, pbytes, 0xffff, free0, round);
	}
	igt_info("%d rounds\n", round);
}

/* ---- evict-teardown-race ---- */

/* How the victim of evict-teardown-race lets go of its memory. */
enum lt_teardown {
	LT_TD_EXIT,	/* it exits */
	LT_TD_KILL,	/* it dies of SIGKILL */
	LT_TD_MUNMAP,	/* it unmaps the memory */
	LT_TD_MREMAP,	/* it moves the memory, then unmaps it */
	LT_TD_FORK,	/* a child it forked maps it alone, then exits */
	LT_TD_COUNT
};

static const char * const lt_td_names[LT_TD_COUNT] = {
	"exit", "kill", "munmap", "mremap", "fork",
};

static __u64 lt_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000ull + ts.tv_nsec / 1000;
}

/*
 * A victim's set-up: a file of @d and a VM, @bytes of memory filled with
 * @tag and prefetched to @d's VRAM, and as much address space reserved at
 * *@to (for mremap()). Return the memory.
 */
static __u64 *lt_victim_in_vram(const struct lt_dev *d, size_t bytes,
				__u64 tag, int *fd, __u32 *vm, void **to)
{
	__u64 *buf;

	*fd = vsvm_open_minor(d->minor);
	lt_child_check(*fd >= 0);
	lt_child_check(!vsvm_vm_create(*fd, vm));
	buf = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	*to = mmap(NULL, bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	lt_child_check(buf != MAP_FAILED && *to != MAP_FAILED);
	lt_fill_pattern(buf, bytes, tag);
	lt_child_check(!vsvm_prefetch(*fd, *vm, DRM_VSVM_LOCATION_DEVICE,
				      (uintptr_t)buf, bytes, 0, NULL));
	return buf;
}

/*
 * The victim: @bytes of its memory in @d's VRAM, then 'r' on @ready; once
 * a byte comes on @go it waits @delay_us and lets go of the memory as @how
 * says, then exits 0. With LT_TD_FORK its forked child alone maps the
 * memory (the victim unmapped it before 'r'), and that child reads @go.
 */
static void lt_race_victim(const struct lt_dev *d, size_t bytes, int how,
			   unsigned int delay_us, int ready, int go)
{
	pid_t child = -1;
	int fd, status;
	__u64 *buf;
	void *to;
	__u32 vm;
	char c;

	buf = lt_victim_in_vram(d, bytes, 0xdddd, &fd, &vm, &to);
	if (how == LT_TD_FORK) {
		child = fork();
		lt_child_check(child >= 0);
		if (!child) {
			lt_child_check(read(go, &c, 1) == 1);
			usleep(delay_us);
			_exit(lt_check_pattern(buf, bytes, 0xdddd) < 0 ? 0 : 1);
		}
		lt_child_check(!munmap(buf, bytes));
	}
	lt_child_check(write(ready, "r", 1) == 1);
	if (how == LT_TD_FORK) {
		lt_child_check(waitpid(child, &status, 0) == child);
		_exit(WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : 1);
	}
	lt_child_check(read(go, &c, 1) == 1);
	usleep(delay_us);
	switch (how) {
	case LT_TD_KILL:
		raise(SIGKILL);
		break;
	case LT_TD_MUNMAP:
		lt_child_check(!munmap(buf, bytes));
		break;
	case LT_TD_MREMAP:
		lt_child_check(mremap(buf, bytes, bytes,
				      MREMAP_MAYMOVE | MREMAP_FIXED, to) == to);
		usleep(delay_us / 4);
		lt_child_check(!munmap(to, bytes));
		break;
	}
	_exit(0);
}

static void lt_test_evict_teardown_race(void)
{
	struct drm_vsvm_query_device info;
	unsigned int seen[LT_TD_COUNT] = {};
	unsigned int window_us = 200000;
	struct lt_dev *d = lt_small_vram_dev();
	struct vsvm_stress st;
	__u64 state, free0;
	int round;

	vsvm_stress_init(&st, "vsvm_lifetime", 4);
	state = vsvm_stress_subseed(&st, 7);
	free0 = lt_vram_free(d->fd);

	for (round = 0; vsvm_stress_running(&st); round++) {
		size_t vbytes, pbytes, chunk = 1 << 20, off;
		int how = vsvm_rand_below(&state, LT_TD_COUNT);
		unsigned int delay = vsvm_rand_below(&state, window_us);
		int go, status, err;
		__u64 *buf, t0;
		pid_t pid;
		__u32 vm;

		vsvm_device_info(d->fd, &info);
		vbytes = info.vram_size / 2;
		pbytes = info.vram_size;
		pid = lt_start_victim(lt_race_victim, d, vbytes, how, delay, &go,
				      round);

		/* a VRAM's worth of ours: theirs goes while they let go */
		buf = lt_map(pbytes);
		lt_fill_pattern(buf, pbytes, 0xcccc);
		vm = lt_vm(d->fd);
		t0 = lt_now_us();
		igt_assert_eq(write(go, "g", 1), 1);
		for (off = 0; off < pbytes; off += chunk) {
			err = vsvm_prefetch(d->fd, vm, DRM_VSVM_LOCATION_DEVICE,
					    (uintptr_t)buf + off, chunk, 0,
					    NULL);
			/* VRAM that only the victim's fork child maps stays */
			igt_assert_f(!err || err == -EBUSY ||
				     (err == -ENOMEM && how == LT_TD_FORK),
				     "round %d (%s): prefetch at %zu: %s\n",
				     round, lt_td_names[how], off,
				     strerror(-err));
		}
		/* the next victim lets go somewhere in a prefetch as long */
		window_us = (lt_now_us() - t0) + 1000;
		close(go);
		igt_assert_eq(waitpid(pid, &status, 0), pid);
		if (how == LT_TD_KILL)
			igt_assert_f(WIFSIGNALED(status) &&
				     WTERMSIG(status) == SIGKILL,
				     "round %d: victim status %#x\n", round,
				     status);
		else
			igt_assert_f(WIFEXITED(status) && !WEXITSTATUS(status),
				     "round %d (%s): victim status %#x\n",
				     round, lt_td_names[how], status);
		lt_evictor_done(d, vm, buf, pbytes, 0xcccc, free0, round);
		seen[how]++;
	}
	igt_info("%d rounds: %u exit, %u kill, %u munmap, %u mremap, %u fork\n",
		 round, seen[LT_TD_EXIT], seen[LT_TD_KILL], seen[LT_TD_MUNMAP],
		 seen[LT_TD_MREMAP], seen[LT_TD_FORK]);
}

/* ---- evict-moved ---- */

/* How many pages of [@va, +@npages) read @where in RESIDENCY, or -1. */
static long lt_count_at(int fd, __u32 vm, const void *va, size_t npages,
			__u32 where)
{
	__u32 *loc = calloc(npages, sizeof(*loc));
	long n = 0;
	size_t i;

	if (!loc || vsvm_residency(fd, vm, (uintptr_t)va, npages, loc)) {
		free(loc);
		return -1;
	}
	for (i = 0; i < npages; i++)
		n += loc[i] == where;
	free(loc);
	return n;
}

/*
 * The victim of evict-moved: @bytes of its memory in @d's VRAM, then moved
 * elsewhere with mremap() (@how 0) or left to a fork child alone (@how 1),
 * then 'r'. On 'v' the memory (the child's copy) must read right and, once
 * moved, all be in system memory again: exit 0.
 */
static void lt_moved_victim(const struct lt_dev *d, size_t bytes, int how,
			    unsigned int delay_us, int ready, int go)
{
	size_t npages = bytes / page_size;
	int fd, status;
	__u64 *buf, *to;
	pid_t child;
	__u32 vm;
	char c;

	(void)delay_us;
	buf = lt_victim_in_vram(d, bytes, 0xabab, &fd, &vm, (void **)&to);
	if (how) {
		child = fork();
		lt_child_check(child >= 0);
		if (!child) {
			lt_child_check(read(go, &c, 1) == 1 && c == 'v');
			_exit(lt_check_pattern(buf, bytes, 0xabab) < 0 ? 0 : 1);
		}
		lt_child_check(!munmap(buf, bytes));
		lt_child_check(write(ready, "r", 1) == 1);
		lt_child_check(waitpid(child, &status, 0) == child);
		_exit(WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : 1);
	}
	lt_child_check(mremap(buf, bytes, bytes, MREMAP_MAYMOVE | MREMAP_FIXED,
			      to) == to);
	lt_child_check(lt_count_at(fd, vm, to, npages,
				   DRM_VSVM_RESIDENCY_DEVICE(d->index)) ==
		       (long)npages);
	lt_child_check(write(ready, "r", 1) == 1);
	lt_child_check(read(go, &c, 1) == 1 && c == 'v');
	/* evicted from where mremap() put it */
	lt_child_check(lt_count_at(fd, vm, to, npages,
				   DRM_VSVM_RESIDENCY_SYSTEM) == (long)npages);
	lt_child_check(lt_check_pattern(to, bytes, 0xabab) < 0);
	_exit(0);
}

static void lt_test_evict_moved(void)
{
	static const char * const what[] = { "mremap", "fork child" };
	struct lt_dev *d = lt_small_vram_dev();
	struct drm_vsvm_query_device info;
	__u64 free0 = lt_vram_free(d->fd);
	int how;

	for (how = 0; how < 2; how++) {
		size_t vbytes, pbytes, chunk = 1 << 20, off;
		int go, status, err, nomem = 0;
		__u64 *buf;
		pid_t pid;
		__u32 vm;

		vsvm_device_info(d->fd, &info);
		vbytes = info.vram_size / 2;
		pbytes = info.vram_size;
		pid = lt_start_victim(lt_moved_victim, d, vbytes, how, 0, &go,
				      how);
		buf = lt_map(pbytes);
		lt_fill_pattern(buf, pbytes, 0xbaba);
		vm = lt_vm(d->fd);
		for (off = 0; off < pbytes; off += chunk) {
			err = vsvm_prefetch(d->fd, vm, DRM_VSVM_LOCATION_DEVICE,
					    (uintptr_t)buf + off, chunk, 0,
					    NULL);
			/*
			 * Moved memory is evicted; what a fork child alone
			 * maps cannot be (the README says why) and stays.
			 */
			igt_assert_f(!err || (how && err == -ENOMEM),
				     "%s: prefetch at %zu: %s\n", what[how],
				     off, strerror(-err));
			nomem += err == -ENOMEM;
		}
		if (!how)
			igt_assert_eq(lt_count_at(d->fd, vm, buf,
						  pbytes / page_size,
						  DRM_VSVM_RESIDENCY_DEVICE(d->index)),
				      (long)(pbytes / page_size));
		igt_info("%s: %d of %zu chunks found the VRAM full\n", what[how],
			 nomem, pbytes / chunk);
		igt_assert_eq(write(go, "v", 1), 1);
		close(go);
		igt_assert_eq(waitpid(pid, &status, 0), pid);
		igt_assert_f(WIFEXITED(status) && !WEXITSTATUS(status),
			     "%s: the victim's memory: status %#x\n", what[how],
			     status);
		lt_evictor_done(d, vm, buf, pbytes, 0xbaba, free0, how);
	}
}

/* ---- failed-calls-make-no-pagemap ---- */

/* The value of "@key: value" in the device's debugfs "pagemap" file. */
static void lt_pagemap_field(const struct lt_dev *d, const char *key,
			     char *val)
{
	igt_assert_f(!vsvm_debugfs_field(d->minor, "pagemap", key, val, 32),
		     "renderD%d: no \"%s\" in debugfs pagemap\n", d->minor,
		     key);
}

static bool lt_pagemap_state_is(const struct lt_dev *d, const char *state)
{
	char val[32];

	lt_pagemap_field(d, "pagemap", val);
	return !strcmp(val, state);
}

static void lt_test_no_pagemap(void)
{
	struct drm_vsvm_devmem_open o = { .fd = -1 };
	struct lt_pagemap_stats p0, p1;
	char created0[32], created1[32];
	size_t bytes = BUF_PAGES * page_size;
	struct rlimit rl, low;
	struct lt_dev *d = NULL;
	int i, lowest, pfd;
	__u64 *buf;
	__u32 vm;

	/* a device with no pagemap at all: the inactive ones reclaimed */
	for (i = 0; i < n_devs; i++)
		lt_wait_for(!lt_pagemap_state_is(&devs[i], "active"));
	vsvm_shrink();
	for (i = 0; i < n_devs && !d; i++)
		if (lt_pagemap_state_is(&devs[i], "none"))
			d = &devs[i];
	igt_require_f(d, "no device without a pagemap after reclaim\n");
	igt_info("renderD%d\n", d->minor);
	lt_pagemap_field(d, "created", created0);
	lt_read_stats(&p0);

	/* no fd left: -EMFILE, and no pagemap made for nothing */
	lowest = dup(0);
	igt_assert_lte(0, lowest);
	close(lowest);
	igt_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	low = rl;
	low.rlim_cur = lowest;
	igt_assert_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
	errno = 0;
	igt_assert_eq(drmIoctl(d->fd, DRM_IOCTL_VSVM_DEVMEM_OPEN, &o), -1);
	igt_assert_eq(errno, EMFILE);
	igt_assert_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	igt_assert_eq(o.fd, -1);

	lt_pagemap_field(d, "created", created1);
	lt_read_stats(&p1);
	igt_assert_f(lt_pagemap_state_is(d, "none") &&
		     !strcmp(created0, created1),
		     "renderD%d: a failed DEVMEM_OPEN made a pagemap (created %s -> %s)\n",
		     d->minor, created0, created1);
	igt_assert_eq_s64(p1.active, p0.active);
	igt_assert_eq_s64(p1.inactive, p0.inactive);

	/* a PREFETCH to the device that fails on a hole makes none either */
	buf = lt_map(bytes);
	igt_assert_eq(munmap((char *)buf + bytes, page_size), 0);
	vm = lt_vm(d->fd);
	igt_assert_eq(vsvm_prefetch(d->fd, vm, DRM_VSVM_LOCATION_DEVICE,
				    (uintptr_t)buf, bytes + page_size, 0,
				    NULL), -EFAULT);
	lt_pagemap_field(d, "created", created1);
	igt_assert_f(lt_pagemap_state_is(d, "none") &&
		     !strcmp(created0, created1),
		     "renderD%d: a failed PREFETCH made a pagemap (created %s -> %s)\n",
		     d->minor, created0, created1);
	igt_assert_eq(vsvm_vm_destroy(d->fd, vm), 0);
	munmap(buf, bytes);

	/* with an fd free it works */
	pfd = lt_devmem_open(d->fd);
	igt_assert(lt_pagemap_state_is(d, "active"));
	close(pfd);
}

/* ---- pagemap-fd-unbind ---- */

/*
 * MADVISE and PREFETCH with @pfd, the pagemap fd of a removed device, on
 * @fd's VM @vm: -ENODEV, whatever the device asked, and nothing changes.
 */
static void lt_expect_removed(int fd, __u32 vm, const void *buf,
			      size_t bytes, int pfd, const char *what)
{
	struct drm_vsvm_range_attr attrs[4], before[4];
	__u32 loc0[BUF_PAGES], loc1[BUF_PAGES];
	__u64 moved = 0xdead;
	int n, err;

	n = lt_attrs(fd, vm, buf, bytes, before, 4);
	igt_assert_eq(vsvm_residency(fd, vm, (uintptr_t)buf, BUF_PAGES, loc0),
		      0);
	err = vsvm_madvise(fd, vm, DRM_VSVM_MADVISE_PREFERRED_LOC,
			   (uintptr_t)buf, bytes / 2,
			   DRM_VSVM_LOCATION_PAGEMAP_FD, pfd);
	igt_assert_f(err == -ENODEV, "%s: MADVISE: %s, not ENODEV\n", what,
		     strerror(-err));
	err = vsvm_prefetch(fd, vm, DRM_VSVM_LOCATION_PAGEMAP_FD,
			    (uintptr_t)buf, bytes, pfd, &moved);
	igt_assert_f(err == -ENODEV, "%s: PREFETCH: %s, not ENODEV\n", what,
		     strerror(-err));
	igt_assert_eq(lt_attrs(fd, vm, buf, bytes, attrs, 4), n);
	igt_assert(!memcmp(attrs, before, sizeof(attrs)));
	igt_assert_eq(vsvm_residency(fd, vm, (uintptr_t)buf, BUF_PAGES, loc1),
		      0);
	igt_assert(!memcmp(loc0, loc1, sizeof(loc0)));
}

struct lt_unbind_race {
	struct lt_dev *a, *b;
	__u32 vmb;
	__u64 *buf;
	size_t bytes;
	int pfd;
	int stop;
	unsigned long to_a, enodev;
	int err, devmem_err, madvise_err;
};

/* The peer moves its memory into A's VRAM, its own, and reads it. */
static void *lt_unbind_prefetch(void *arg)
{
	struct lt_unbind_race *r = arg;
	__u64 *copy = malloc(r->bytes);
	bool gone = false;
	int err, i;

	for (i = 0; !__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE) && !r->err;
	     i++) {
		err = vsvm_prefetch(r->b->fd, r->vmb,
				    DRM_VSVM_LOCATION_PAGEMAP_FD,
				    (uintptr_t)r->buf, r->bytes, r->pfd, NULL);
		if (!err && gone)
			r->err = -EEXIST;	/* revoked, yet it moved */
		else if (!err)
			r->to_a++;
		else if (err == -ENODEV)
			r->enodev++;
		else if (err != -EBUSY)
			r->err = err;
		gone |= err == -ENODEV;
		err = vsvm_prefetch(r->b->fd, r->vmb,
				    i % 2 ? DRM_VSVM_LOCATION_DEVICE :
					    DRM_VSVM_LOCATION_SYSTEM,
				    (uintptr_t)r->buf, r->bytes, 0, NULL);
		if (err && err != -EBUSY)
			r->err = err;
		err = vsvm_exec_read(r->b->fd, r->vmb, r->buf, r->bytes, copy,
				     NULL);
		if (err && err != -EBUSY)
			r->err = err;
		else if (!err && lt_check_pattern(copy, r->bytes, 0x9999) >= 0)
			r->err = -EILSEQ;
	}
	free(copy);
	return NULL;
}

/* DEVMEM_OPEN of A and MADVISE with its fd: 0 until -ENODEV for good. */
static void *lt_unbind_open(void *arg)
{
	struct lt_unbind_race *r = arg;
	bool open_gone = false, advise_gone = false;
	int err;

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		struct drm_vsvm_devmem_open o = { .fd = -1 };

		err = drmIoctl(r->a->fd, DRM_IOCTL_VSVM_DEVMEM_OPEN, &o) ?
			-errno : 0;
		if (!err)
			close(o.fd);
		if ((err && err != -ENODEV) || (!err && open_gone))
			r->devmem_err = err ?: -EEXIST;
		open_gone |= err == -ENODEV;

		err = vsvm_madvise(r->b->fd, r->vmb,
				   DRM_VSVM_MADVISE_PREFERRED_LOC,
				   (uintptr_t)r->buf, r->bytes,
				   DRM_VSVM_LOCATION_PAGEMAP_FD, r->pfd);
		if ((err && err != -ENODEV) || (!err && advise_gone))
			r->madvise_err = err ?: -EEXIST;
		advise_gone |= err == -ENODEV;
	}
	return NULL;
}

static void lt_test_pagemap_fd_unbind(void)
{
	size_t bytes = BUF_PAGES * page_size;
	struct lt_pagemap_stats s0, s1;
	struct lt_unbind_race race;
	struct lt_dev *a, *b, *lone;
	__u64 *buf, *rbuf, *cbuf, moved, freeb;
	int pfd, fd, minor, i, go[2];
	pthread_t tp, to;
	__u32 vma, vmb, vml = 0;

	igt_require_f(lt_find_pair(&a, &b, true),
		      "needs two PCI devices of one owner group\n");
	lone = lt_find_lone(a);
	igt_info("unbinding %s (renderD%d, index %u), peer renderD%d\n",
		 a->bd.name, a->minor, a->index, b->minor);

	buf = lt_map(bytes);
	lt_fill_pattern(buf, bytes, 0x6666);
	vmb = lt_vm(b->fd);
	pfd = lt_devmem_open(a->fd);
	igt_assert_eq(vsvm_madvise(b->fd, vmb, DRM_VSVM_MADVISE_PREFERRED_LOC,
				   (uintptr_t)buf, bytes,
				   DRM_VSVM_LOCATION_PAGEMAP_FD, pfd), 0);
	lt_gpu_check(b->fd, vmb, buf, bytes, 0x6666, "before the unbind");
	igt_assert_eq(lt_pages_on(b->fd, vmb, buf, BUF_PAGES, a->index),
		      BUF_PAGES);

	/* A holds read replicas of a third buffer, mastered in B's VRAM */
	rbuf = lt_map(bytes);
	lt_fill_pattern(rbuf, bytes, 0xaaaa);
	vma = lt_vm(a->fd);
	igt_assert_eq(vsvm_prefetch(b->fd, vmb, DRM_VSVM_LOCATION_DEVICE,
				    (uintptr_t)rbuf, bytes, 0, NULL), 0);
	igt_assert_eq(vsvm_madvise(a->fd, vma, DRM_VSVM_MADVISE_READ_MOSTLY,
				   (uintptr_t)rbuf, bytes,
				   DRM_VSVM_READ_MOSTLY_ON, 0), 0);
	lt_gpu_check(a->fd, vma, rbuf, bytes, 0xaaaa, "replica read");
	igt_assert_eq(lt_replicas_on(b->fd, vmb, rbuf, a->index), BUF_PAGES);
	igt_assert_eq(lt_pages_on(b->fd, vmb, rbuf, BUF_PAGES, b->index),
		      BUF_PAGES);
	freeb = lt_vram_free(b->fd);

	/* a fourth buffer in A's VRAM, shared copy-on-write with a child */
	cbuf = lt_map(bytes);
	lt_fill_pattern(cbuf, bytes, 0xcccc);
	igt_assert_eq(vsvm_prefetch(a->fd, vma, DRM_VSVM_LOCATION_DEVICE,
				    (uintptr_t)cbuf, bytes, 0, NULL), 0);
	igt_assert_eq(lt_pages_on(a->fd, vma, cbuf, BUF_PAGES, a->index),
		      BUF_PAGES);
	igt_info("master before the fork: %s\n", lt_map_str(b->fd, vmb, rbuf));
	igt_assert_eq(pipe(go), 0);
	igt_fork(child, 1) {
		char c;

		close(go[1]);
		igt_assert_eq(read(go[0], &c, 1), 0);
		/* its copy came back from the removed VRAM intact */
		igt_assert(lt_check_pattern(cbuf, bytes, 0xcccc) < 0);
		lt_fill_pattern(cbuf, bytes, 0xdddd);
	}
	close(go[0]);

	/* the peer keeps moving a second buffer through A's VRAM */
	memset(&race, 0, sizeof(race));
	race.a = a;
	race.b = b;
	race.vmb = lt_vm(b->fd);
	race.bytes = bytes;
	race.buf = lt_map(bytes);
	race.pfd = pfd;
	lt_fill_pattern(race.buf, bytes, 0x9999);
	igt_assert_eq(pthread_create(&tp, NULL, lt_unbind_prefetch, &race), 0);
	igt_assert_eq(pthread_create(&to, NULL, lt_unbind_open, &race), 0);
	usleep(200000);
	igt_info("master before the unbind: %s\n",
		 lt_map_str(b->fd, vmb, rbuf));

	vsvm_bus_unbind(&a->bd);
	igt_info("master after the unbind: %s\n",
		 lt_map_str(b->fd, vmb, rbuf));

	usleep(200000);
	__atomic_store_n(&race.stop, 1, __ATOMIC_RELEASE);
	pthread_join(tp, NULL);
	pthread_join(to, NULL);
	igt_info("racing prefetches: %lu into A, %lu -ENODEV\n", race.to_a,
		 race.enodev);
	igt_assert_f(!race.err, "racing prefetch/read: %s\n",
		     strerror(-race.err));
	igt_assert_f(!race.devmem_err, "racing DEVMEM_OPEN: %s\n",
		     strerror(-race.devmem_err));
	igt_assert_f(!race.madvise_err, "racing MADVISE: %s\n",
		     strerror(-race.madvise_err));
	igt_assert_eq(lt_pages_on(b->fd, race.vmb, race.buf, BUF_PAGES,
				  a->index), 0);
	igt_assert(lt_check_pattern(race.buf, bytes, 0x9999) < 0);
	igt_assert_eq(vsvm_vm_destroy(b->fd, race.vmb), 0);
	munmap(race.buf, bytes);

	/* the copy-on-write buffer: the child's copy, then the parent's */
	close(go[1]);
	igt_waitchildren();
	igt_assert(lt_check_pattern(cbuf, bytes, 0xcccc) < 0);
	igt_assert_eq(lt_pages_on(b->fd, vmb, cbuf, BUF_PAGES, a->index), 0);
	munmap(cbuf, bytes);

	/* A's replicas went with it; the master stayed in B's VRAM */
	igt_assert_eq(lt_replicas_on(b->fd, vmb, rbuf, a->index), 0);
	igt_assert_f(lt_pages_on(b->fd, vmb, rbuf, BUF_PAGES, b->index) ==
		     BUF_PAGES, "the master left B (%u): %s\n", b->index,
		     lt_map_str(b->fd, vmb, rbuf));
	igt_assert_f(lt_wait_for(lt_vram_free(b->fd) == freeb),
		     "peer's VRAM free %llu, was %llu\n",
		     (unsigned long long)lt_vram_free(b->fd),
		     (unsigned long long)freeb);
	lt_gpu_check(b->fd, vmb, rbuf, bytes, 0xaaaa, "master after the unbind");
	igt_assert(lt_check_pattern(rbuf, bytes, 0xaaaa) < 0);
	munmap(rbuf, bytes);

	/* every byte came back; the peer's faults now use system memory */
	igt_assert_eq(lt_pages_on(b->fd, vmb, buf, BUF_PAGES, a->index), 0);
	lt_gpu_check(b->fd, vmb, buf, bytes, 0x6666, "after the unbind");
	igt_assert(lt_check_pattern(buf, bytes, 0x6666) < 0);
	igt_assert_eq(vsvm_exec_fill(b->fd, vmb, buf, bytes, 8, 0x77, NULL),
		      0);
	igt_assert_eq(lt_pages_on(b->fd, vmb, buf, BUF_PAGES, a->index), 0);
	for (i = 0; i < BUF_PAGES * page_size / 8; i++)
		igt_assert_eq_u64(buf[i], 0x77);

	/*
	 * The fd is valid, its region takes no migration: -ENODEV, from a
	 * device of its group and from one outside it alike.
	 */
	igt_assert_lte(0, fcntl(pfd, F_GETFD));
	lt_expect_removed(b->fd, vmb, buf, bytes, pfd, "the peer");
	if (lone) {
		vml = lt_vm(lone->fd);
		lt_expect_removed(lone->fd, vml, buf, bytes, pfd,
				  "a device without a path");
		igt_assert_eq(vsvm_vm_destroy(lone->fd, vml), 0);
	}
	/* the removed device's own file: -ENODEV for every call */
	{
		struct drm_vsvm_devmem_open arg = { .fd = -1 };

		igt_assert_eq(drmIoctl(a->fd, DRM_IOCTL_VSVM_DEVMEM_OPEN,
				       &arg), -1);
		igt_assert_eq(errno, ENODEV);
		igt_assert_eq(arg.fd, -1);
	}

	/* bound again: a new device; the old fd still names the old one */
	close(a->fd);
	vsvm_bus_bind(&a->bd);
	fd = vsvm_bus_open_render(&a->bd, &minor);
	igt_assert_f(fd >= 0, "%s: no render node after the bind\n",
		     a->bd.name);
	a->fd = fd;
	a->minor = minor;
	a->index = vsvm_device_index(fd);
	vml = lt_vm(a->fd);
	lt_expect_removed(a->fd, vml, buf, bytes, pfd, "the device bound again");
	igt_assert_eq(vsvm_vm_destroy(a->fd, vml), 0);

	/* the revoked pagemap goes with its last reference */
	lt_read_stats(&s0);
	close(pfd);
	igt_assert_eq(vsvm_vm_destroy(b->fd, vmb), 0);
	igt_assert_f(lt_wait_for((lt_read_stats(&s1),
				  s1.destroyed > s0.destroyed)),
		     "revoked pagemap not destroyed: %lld -> %lld\n",
		     s0.destroyed, s1.destroyed);

	/* a new pagemap fd of the new device works */
	pfd = lt_devmem_open(a->fd);
	vmb = lt_vm(b->fd);
	igt_assert_eq(vsvm_prefetch(b->fd, vmb, DRM_VSVM_LOCATION_PAGEMAP_FD,
				    (uintptr_t)buf, bytes, pfd, &moved), 0);
	igt_assert_eq(lt_pages_on(b->fd, vmb, buf, BUF_PAGES, a->index),
		      BUF_PAGES);
	close(pfd);
	for (i = 0; i < BUF_PAGES * page_size / 8; i++)
		igt_assert_eq_u64(buf[i], 0x77);
	igt_assert_eq(vsvm_vm_destroy(b->fd, vmb), 0);
	munmap(buf, bytes);
}

int igt_main()
{
	igt_fixture() {
		const char *env = getenv(LT_EXEC_ENV);

		if (env)
			lt_exec_helper(env);
		page_size = sysconf(_SC_PAGESIZE);
		lt_open_devices();
		igt_require_f(n_devs > 0, "no vsvm device\n");
	}

	igt_describe("A pagemap fd passed to another process names its VRAM there.");
	igt_subtest("pagemap-fd-scm-rights")
		lt_test_scm_rights();

	igt_describe("A pagemap fd outlives the DRM file that opened it.");
	igt_subtest("pagemap-fd-outlives-drm-fd")
		lt_test_outlives_drm_fd();

	igt_describe("A pagemap fd number closed and replaced while threads use it.");
	igt_subtest("pagemap-fd-close-race")
		lt_test_pagemap_close_race();

	igt_describe("A DRM file closed while GPU work runs on a VM of it.");
	igt_subtest("drm-fd-close-race")
		lt_test_drm_fd_close_race();

	igt_describe("A child holds the file of a parent that exited: the VM stays the parent's.");
	igt_subtest("parent-exit-child-holds-fd")
		lt_test_parent_exit();

	igt_describe("Two processes share one DRM file over SCM_RIGHTS.");
	igt_subtest("scm-drm-fd-share")
		lt_test_scm_drm_fd_share();

	igt_describe("MADVISE and PREFETCH failing on the pagemap fd change nothing.");
	igt_subtest("failed-calls-change-nothing")
		lt_test_failed_calls();

	igt_describe("Kill a process mid-work: its VMs, replicas and VRAM all go.");
	igt_subtest("kill-mid-work")
		lt_test_kill_mid_work();

	igt_describe("exec() with the DRM file and a pagemap fd kept open.");
	igt_subtest("exec-keeps-files")
		lt_test_exec();

	igt_describe("fork() while the parent's GPU writes: the child's memory stays as forked.");
	igt_subtest("fork-during-gpu-writes")
		lt_test_fork_during_writes();

	igt_describe("One process evicts another's VRAM, which is killed or checks its data.");
	igt_subtest("evict-other-process")
		lt_test_evict_other_process();

	igt_describe("Eviction while the memory's process lets go of it.");
	igt_subtest("evict-teardown-race")
		lt_test_evict_teardown_race();

	igt_describe("Eviction finds memory mremap() moved; a fork child's stays.");
	igt_subtest("evict-moved")
		lt_test_evict_moved();

	igt_describe("DEVMEM_OPEN without a free fd, PREFETCH over a hole: no pagemap made.");
	igt_subtest("failed-calls-make-no-pagemap")
		lt_test_no_pagemap();

	igt_describe("Unbind a device whose pagemap fd is open and advised.");
	igt_subtest("pagemap-fd-unbind")
		lt_test_pagemap_fd_unbind();

	igt_fixture() {
		int i;

		for (i = 0; i < n_devs; i++)
			close(devs[i].fd);
	}
}
