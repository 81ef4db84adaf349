// SPDX-License-Identifier: MIT
/*
 * vsvm_multi: several vsvm devices in one system.
 *
 * The interconnect topology as DRM_VSVM_QUERY_PEERS and the sysfs file
 * /sys/class/drm/renderDN/vsvm_peers report it, against the rig's PCI
 * topology read from sysfs: two ivshmem devices behind one PCIe switch are
 * P2P peers at distance 4, a device on its own root port has no path
 * (unless the CPU's host bridge is on the kernel's P2P whitelist, an AMD
 * CPU of family 0x17 or later: then all PCI devices are peers), and the
 * system-memory devices are linked by a fabric only when vsvm's "fabric"
 * module parameter names one.
 *
 * Then GPU work across devices (EXEC, RESIDENCY, the path counters of the
 * debugfs "pagemap" file), on the P2P pair and, where it applies, on a
 * device of the pair with a device that has no path to it: a buffer
 * migrating system -> GPU0 -> GPU1 -> system with its residency checked
 * at each step (directly over P2P within the pair, through system memory
 * otherwise), one GPU reading what another wrote, and atomic increments
 * alternating between GPUs with an exact final count, both GPUs and CPU
 * threads incrementing the same counters at once; with MADVISE and
 * PREFETCH: the same migration by pagemap fds, one GPU writing a buffer
 * advised to the other's VRAM in place, crossed advice (resolved by the
 * migration policy, or per VM with thrashing protection off), and
 * -ENOLINK for the pagemap fd of a device without a path.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xf86drm.h>

#include "igt.h"
#include "vsvm_exec_lib.h"
#include "vsvm_lib.h"
#include <drm/vsvm_drm.h>

#define MAX_DEVICES	64
#define PAGE_SZ		4096ul

struct vsvm_dev {
	int fd;
	/* N of /dev/dri/renderDN */
	int minor;
	struct drm_vsvm_query_device info;
	/* realpath of the device's sysfs directory */
	char path[PATH_MAX];
};

static struct vsvm_dev devs[MAX_DEVICES];
static int n_devs;

static __u64 to_user_ptr(const void *ptr)
{
	return (uintptr_t)ptr;
}

static void query_device(struct vsvm_dev *d)
{
	struct drm_vsvm_query q;

	memset(&q, 0, sizeof(q));
	q.query = DRM_VSVM_QUERY_DEVICE;
	q.size = sizeof(d->info);
	q.data = to_user_ptr(&d->info);
	igt_assert_f(drmIoctl(d->fd, DRM_IOCTL_VSVM_QUERY, &q) == 0,
		     "renderD%d: DEVICE query: %s\n", d->minor, strerror(errno));
}

static void open_devices(void)
{
	struct vsvm_node nodes[MAX_DEVICES];
	int i, n = vsvm_open_nodes(nodes, MAX_DEVICES);
	char link[PATH_MAX];

	for (i = 0; i < n; i++) {
		struct vsvm_dev *d = &devs[n_devs++];

		d->fd = nodes[i].fd;
		d->minor = nodes[i].minor;
		query_device(d);
		snprintf(link, sizeof(link), "/sys/class/drm/renderD%d/device",
			 d->minor);
		igt_assert_f(realpath(link, d->path), "realpath %s: %s\n", link,
			     strerror(errno));
	}
}

static struct vsvm_dev *dev_by_index(__u32 index)
{
	int i;

	for (i = 0; i < n_devs; i++)
		if (devs[i].info.index == index)
			return &devs[i];
	return NULL;
}

/* The PEERS answer of @d, malloc()ed, after the size handshake. */
static struct drm_vsvm_query_peers *query_peers(const struct vsvm_dev *d)
{
	struct drm_vsvm_query_peers *peers;
	struct drm_vsvm_query q;
	__u32 size;

	memset(&q, 0, sizeof(q));
	q.query = DRM_VSVM_QUERY_PEERS;
	igt_assert_eq(drmIoctl(d->fd, DRM_IOCTL_VSVM_QUERY, &q), 0);
	size = q.size;
	igt_assert_lte_u32(sizeof(*peers), size);
	igt_assert_eq_u32((size - sizeof(*peers)) % sizeof(peers->peers[0]), 0);

	/* room for one more entry: only the answer is written */
	peers = malloc(size + sizeof(peers->peers[0]));
	igt_assert(peers);
	memset(peers, 0xa5, size + sizeof(peers->peers[0]));
	q.size = size + sizeof(peers->peers[0]);
	q.data = to_user_ptr(peers);
	igt_assert_eq(drmIoctl(d->fd, DRM_IOCTL_VSVM_QUERY, &q), 0);
	igt_assert_eq_u32(q.size, size);
	igt_assert_eq_u32(size, sizeof(*peers) +
			  peers->num_peers * sizeof(peers->peers[0]));
	igt_assert_eq_u32(((__u8 *)peers)[size], 0xa5);
	igt_assert_eq_u32(peers->pad, 0);
	return peers;
}

static const char *link_name(__u32 link)
{
	switch (link) {
	case DRM_VSVM_LINK_NONE:
		return "none";
	case DRM_VSVM_LINK_LOCAL:
		return "local";
	case DRM_VSVM_LINK_P2P:
		return "p2p";
	case DRM_VSVM_LINK_FABRIC:
		return "fabric";
	}
	return "?";
}

/* The link from @a to @b in @a's answer @pa. */
static const struct drm_vsvm_peer *
find_peer(const struct drm_vsvm_query_peers *pa, const struct vsvm_dev *b)
{
	__u32 i;

	for (i = 0; i < pa->num_peers; i++)
		if (pa->peers[i].index == b->info.index)
			return &pa->peers[i];
	return NULL;
}

/* Every device, itself LOCAL, sorted, consistent, the same both ways. */
static void test_peers_query(void)
{
	struct drm_vsvm_query_peers *p[MAX_DEVICES];
	int i, j;

	for (i = 0; i < n_devs; i++)
		p[i] = query_peers(&devs[i]);

	for (i = 0; i < n_devs; i++) {
		igt_assert_eq_u32(p[i]->num_peers, n_devs);
		for (j = 0; j < (int)p[i]->num_peers; j++) {
			const struct drm_vsvm_peer *e = &p[i]->peers[j];

			igt_assert_f(dev_by_index(e->index),
				     "renderD%d: unknown index %u\n",
				     devs[i].minor, e->index);
			if (j)
				igt_assert_lt_u32(p[i]->peers[j - 1].index,
						  e->index);
			igt_assert_eq_u32(e->pad, 0);
			switch (e->link) {
			case DRM_VSVM_LINK_LOCAL:
				igt_assert_eq_u32(e->index, devs[i].info.index);
				igt_assert_eq(e->distance, 0);
				break;
			case DRM_VSVM_LINK_P2P:
				igt_assert_lt(0, e->distance);
				break;
			case DRM_VSVM_LINK_FABRIC:
				igt_assert_eq(e->distance, 1);
				break;
			case DRM_VSVM_LINK_NONE:
				igt_assert_eq(e->distance, -1);
				break;
			default:
				igt_assert_f(0, "renderD%d: link %u\n",
					     devs[i].minor, e->link);
			}
			if (e->index != devs[i].info.index)
				igt_assert_neq_u32(e->link,
						   DRM_VSVM_LINK_LOCAL);
		}
		for (j = 0; j < n_devs; j++) {
			const struct drm_vsvm_peer *ij = find_peer(p[i], &devs[j]);
			const struct drm_vsvm_peer *ji = find_peer(p[j], &devs[i]);

			igt_assert(ij && ji);
			igt_assert_f(ij->link == ji->link &&
				     ij->distance == ji->distance,
				     "renderD%d -> renderD%d: %s %d, back: %s %d\n",
				     devs[i].minor, devs[j].minor,
				     link_name(ij->link), ij->distance,
				     link_name(ji->link), ji->distance);
		}
	}
	for (i = 0; i < n_devs; i++)
		free(p[i]);
}

/* sysfs vsvm_peers says what the query says, line by line. */
static void test_peers_sysfs(void)
{
	int i;

	for (i = 0; i < n_devs; i++) {
		struct drm_vsvm_query_peers *p = query_peers(&devs[i]);
		char path[PATH_MAX], line[128], want[128];
		__u32 k = 0;
		FILE *f;

		snprintf(path, sizeof(path),
			 "/sys/class/drm/renderD%d/vsvm_peers", devs[i].minor);
		f = fopen(path, "r");
		igt_assert_f(f, "%s: %s\n", path, strerror(errno));
		while (fgets(line, sizeof(line), f)) {
			igt_assert_f(k < p->num_peers, "%s: extra line %s",
				     path, line);
			snprintf(want, sizeof(want), "%u %s %d\n",
				 p->peers[k].index, link_name(p->peers[k].link),
				 p->peers[k].distance);
			igt_assert_f(!strcmp(line, want),
				     "%s line %u: \"%s\", query: \"%s\"\n",
				     path, k, line, want);
			igt_info("renderD%d: %s", devs[i].minor, line);
			k++;
		}
		fclose(f);
		igt_assert_eq_u32(k, p->num_peers);
		free(p);
	}
}

/* The sysfs path of the switch port a PCI device hangs under, or "". */
static void upstream_port(const struct vsvm_dev *d, char *buf, size_t size)
{
	char *slash;
	int up;

	snprintf(buf, size, "%s", d->path);
	/* device -> its port -> the port's bridge */
	for (up = 0; up < 2; up++) {
		slash = strrchr(buf, '/');
		igt_assert(slash);
		*slash = '\0';
	}
	slash = strrchr(buf, '/');
	/* a root port's parent is the host bridge, "pci0000:00" */
	if (!slash || !strncmp(slash + 1, "pci", 3))
		buf[0] = '\0';
}

/* Whether the host bridge is on the kernel's P2P whitelist. */
static bool host_bridge_p2p(void)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[256];
	bool amd = false;
	int family = 0;

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "vendor_id", 9))
			amd = strstr(line, "AuthenticAMD");
		else if (!strncmp(line, "cpu family", 10))
			sscanf(strchr(line, ':') + 1, "%d", &family);
		if (!strcmp(line, "\n"))
			break;
	}
	fclose(f);
	return amd && family >= 0x17;
}

static void read_param(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");

	buf[0] = '\0';
	if (!f)
		return;
	if (fgets(buf, size, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

/*
 * The links against the rig's topology: the switch pair at distance 4,
 * the lone PCI device with no path (or a host-bridge path), the sysmem
 * devices on the fabric of the module parameter or on none.
 */
static void test_topology(void)
{
	bool bridge = host_bridge_p2p();
	int i, j, pairs = 0, lone = 0;
	char fabric[64];

	read_param("/sys/module/vsvm/parameters/fabric", fabric,
		   sizeof(fabric));
	igt_info("fabric \"%s\", host bridge P2P %s\n", fabric,
		 bridge ? "yes" : "no");

	for (i = 0; i < n_devs; i++) {
		struct drm_vsvm_query_peers *p = query_peers(&devs[i]);
		bool pci_i = devs[i].info.flags & DRM_VSVM_DEVICE_FLAG_PCI;
		char up_i[PATH_MAX], up_j[PATH_MAX];
		bool paired = false;

		if (pci_i)
			upstream_port(&devs[i], up_i, sizeof(up_i));
		for (j = 0; j < n_devs; j++) {
			const struct drm_vsvm_peer *e = find_peer(p, &devs[j]);
			bool pci_j = devs[j].info.flags & DRM_VSVM_DEVICE_FLAG_PCI;
			__u32 link = DRM_VSVM_LINK_NONE;
			int distance = -1;

			igt_assert(e);
			if (i == j) {
				link = DRM_VSVM_LINK_LOCAL;
				distance = 0;
			} else if (pci_i && pci_j) {
				upstream_port(&devs[j], up_j, sizeof(up_j));
				if (up_i[0] && !strcmp(up_i, up_j)) {
					link = DRM_VSVM_LINK_P2P;
					distance = 4;
					paired = true;
				} else if (bridge) {
					link = DRM_VSVM_LINK_P2P;
					distance = e->distance;
				}
			} else if (!pci_i && !pci_j && fabric[0]) {
				link = DRM_VSVM_LINK_FABRIC;
				distance = 1;
			}
			igt_assert_f(e->link == link && e->distance == distance,
				     "renderD%d -> renderD%d: %s %d, expected %s %d\n",
				     devs[i].minor, devs[j].minor,
				     link_name(e->link), e->distance,
				     link_name(link), distance);
			if (link == DRM_VSVM_LINK_P2P)
				igt_assert_lt(0, e->distance);
		}
		if (pci_i && paired)
			pairs++;
		else if (pci_i)
			lone++;
		free(p);
	}
	igt_info("%d PCI device(s) behind a switch, %d on a root port\n",
		 pairs, lone);
}

/* One bad PEERS query: exact errno, no write to the struct or buffer. */
static void expect_fail(const struct vsvm_dev *d, struct drm_vsvm_query *q,
			void *buf, size_t len, int err, const char *what)
{
	struct drm_vsvm_query saved = *q;
	__u8 *poison = malloc(len ? len : 1);
	int ret, e;

	igt_assert(poison);
	if (buf)
		memcpy(poison, buf, len);
	errno = 0;
	ret = ioctl(d->fd, DRM_IOCTL_VSVM_QUERY, q);
	e = errno;
	igt_assert_f(ret == -1 && e == err,
		     "renderD%d, %s: returned %d, errno %d (%s)\n", d->minor,
		     what, ret, e, strerror(e));
	igt_assert_f(!memcmp(q, &saved, sizeof(saved)),
		     "renderD%d, %s: the failed call changed the struct\n",
		     d->minor, what);
	if (buf)
		igt_assert_f(!memcmp(buf, poison, len),
			     "renderD%d, %s: the failed call wrote the buffer\n",
			     d->minor, what);
	free(poison);
}

static void test_bad_args(const struct vsvm_dev *d)
{
	struct drm_vsvm_query_peers *before = query_peers(d), *after;
	__u32 size = sizeof(*before) +
		     before->num_peers * sizeof(before->peers[0]);
	long page = sysconf(_SC_PAGESIZE);
	struct drm_vsvm_query good, q;
	__u32 small[] = { 1, 4, sizeof(*before), size - 1 };
	__u8 *buf = malloc(size), *map;
	char what[64];
	unsigned int i;

	igt_assert(buf);
	memset(buf, 0x3c, size);
	memset(&good, 0, sizeof(good));
	good.query = DRM_VSVM_QUERY_PEERS;
	good.size = size;
	good.data = to_user_ptr(buf);

	q = good;
	q.flags = 1;
	expect_fail(d, &q, buf, size, EINVAL, "flags 1");
	q = good;
	q.pad = 1u << 31;
	expect_fail(d, &q, buf, size, EINVAL, "pad");
	q = good;
	q.reserved[0] = 1;
	expect_fail(d, &q, buf, size, EINVAL, "reserved[0]");
	q = good;
	q.reserved[1] = 1ull << 63;
	expect_fail(d, &q, buf, size, EINVAL, "reserved[1]");
	q = good;
	q.size = 0;
	q.flags = 2;
	expect_fail(d, &q, NULL, 0, EINVAL, "flags in the size probe");
	q = good;
	q.query = DRM_VSVM_QUERY_PEERS + 1;
	expect_fail(d, &q, buf, size, EINVAL, "query PEERS + 1");

	for (i = 0; i < ARRAY_SIZE(small); i++) {
		q = good;
		q.size = small[i];
		snprintf(what, sizeof(what), "size %u of %u", small[i], size);
		expect_fail(d, &q, buf, size, EINVAL, what);
	}

	q = good;
	q.data = 0;
	expect_fail(d, &q, NULL, 0, EFAULT, "data NULL");
	map = mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	igt_assert(map != MAP_FAILED);
	q = good;
	q.data = to_user_ptr(map);
	expect_fail(d, &q, NULL, 0, EFAULT, "data read-only");
	for (i = 0; i < size; i++)
		igt_assert_eq(map[i], 0);
	igt_assert_eq(munmap(map, page), 0);
	q.data = to_user_ptr(map);
	expect_fail(d, &q, NULL, 0, EFAULT, "data unmapped");

	after = query_peers(d);
	igt_assert_f(!memcmp(before, after, size),
		     "renderD%d: the answer changed after the bad calls\n",
		     d->minor);
	free(before);
	free(after);
	free(buf);
}

/* The P2P pair and the device without a path to it, from PEERS. */
static struct vsvm_dev *pair[2], *lone;

static void find_pair(void)
{
	int i, j;

	pair[0] = NULL;
	pair[1] = NULL;
	lone = NULL;
	for (i = 0; i < n_devs && !pair[0]; i++) {
		struct drm_vsvm_query_peers *p = query_peers(&devs[i]);

		for (j = 0; j < n_devs; j++) {
			const struct drm_vsvm_peer *e = find_peer(p, &devs[j]);

			if (e && e->link == DRM_VSVM_LINK_P2P) {
				pair[0] = &devs[i];
				pair[1] = &devs[j];
				break;
			}
		}
		free(p);
	}
	if (!pair[0])
		return;

	/* Prefer a PCI device without a path: the rig's lone root port. */
	for (i = 0; i < n_devs; i++) {
		struct drm_vsvm_query_peers *p = query_peers(&devs[i]);
		const struct drm_vsvm_peer *e = find_peer(p, pair[0]);

		if (e->link == DRM_VSVM_LINK_NONE &&
		    (!lone || (devs[i].info.flags & DRM_VSVM_DEVICE_FLAG_PCI)))
			lone = &devs[i];
		free(p);
	}
}

/* A numeric line "@name: value" of the device's debugfs "pagemap". */
static __u64 pagemap_ctr(const struct vsvm_dev *d, const char *name)
{
	char path[PATH_MAX], line[256];
	size_t len = strlen(name);
	unsigned long long v;
	bool found = false;
	FILE *f;

	igt_require_f(vsvm_debugfs_path(d->minor, "pagemap", path,
					sizeof(path)) == 0,
		      "renderD%d: no debugfs pagemap\n", d->minor);
	f = fopen(path, "r");
	igt_assert_f(f, "%s: %s\n", path, strerror(errno));
	while (!found && fgets(line, sizeof(line), f))
		found = !strncmp(line, name, len) && line[len] == ':' &&
			sscanf(line + len + 1, "%llu", &v) == 1;
	fclose(f);
	igt_assert_f(found, "%s: no %s\n", path, name);
	return v;
}

/* The path counters of one device. */
struct paths {
	__u64 sys_to_vram, vram_to_sys, p2p_in, p2p_out;
};

static void paths_read(const struct vsvm_dev *d, struct paths *p)
{
	p->sys_to_vram = pagemap_ctr(d, "sys_to_vram");
	p->vram_to_sys = pagemap_ctr(d, "vram_to_sys");
	p->p2p_in = pagemap_ctr(d, "p2p_in");
	p->p2p_out = pagemap_ctr(d, "p2p_out");
}

/* Anonymous private memory in a VMA of its own, guard pages around. */
static __u8 *buf_map(size_t size)
{
	__u8 *map = mmap(NULL, size + 2 * PAGE_SZ, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	igt_assert(map != MAP_FAILED);
	igt_assert_eq(mprotect(map + PAGE_SZ, size, PROT_READ | PROT_WRITE),
		      0);
	return map + PAGE_SZ;
}

static void buf_unmap(__u8 *buf, size_t size)
{
	igt_assert_eq(munmap(buf - PAGE_SZ, size + 2 * PAGE_SZ), 0);
}

/*
 * A buffer goes system -> @a -> @b -> system by GPU faults (reads, data
 * checked each time), its residency checked at each step. With @direct
 * (@a and @b in one group) the move from @a to @b is a P2P copy; without,
 * the pages go through system memory.
 */
static void test_migration(struct vsvm_dev *a, struct vsvm_dev *b,
			   bool direct)
{
	const size_t npages = 32, size = npages * PAGE_SZ;
	struct paths pa0, pb0, pa1, pb1, pb2;
	struct drm_vsvm_exec out;
	__u8 *buf = buf_map(size), *got = malloc(size);
	__u32 vma, vmb;

	igt_assert(got);
	igt_assert_eq(vsvm_vm_create(a->fd, &vma), 0);
	igt_assert_eq(vsvm_vm_create(b->fd, &vmb), 0);
	vsvm_fill_pattern(buf, size, 0x600d);
	vsvm_expect_residency(a->fd, vma, buf, npages, DRM_VSVM_RESIDENCY_SYSTEM,
			      "before");

	/* system -> a */
	paths_read(a, &pa0);
	igt_assert_eq(vsvm_exec_read(a->fd, vma, buf, size, got, &out), 0);
	vsvm_check_pattern(got, size, 0x600d, "GPU0 read");
	igt_assert_eq_u64(out.pages_in, npages);
	vsvm_expect_residency(a->fd, vma, buf, npages,
			      DRM_VSVM_RESIDENCY_DEVICE(a->info.index), "on GPU0");
	vsvm_expect_residency(b->fd, vmb, buf, npages,
			      DRM_VSVM_RESIDENCY_DEVICE(a->info.index),
			      "on GPU0, seen from GPU1");
	paths_read(a, &pa1);
	igt_assert_eq_u64(pa1.sys_to_vram - pa0.sys_to_vram, npages);

	/* a -> b */
	paths_read(b, &pb0);
	memset(got, 0, size);
	igt_assert_eq(vsvm_exec_read(b->fd, vmb, buf, size, got, &out), 0);
	vsvm_check_pattern(got, size, 0x600d, "GPU1 read");
	paths_read(a, &pa0);
	paths_read(b, &pb1);
	if (direct) {
		igt_assert_eq_u64(out.pages_in, npages);
		vsvm_expect_residency(b->fd, vmb, buf, npages,
				      DRM_VSVM_RESIDENCY_DEVICE(b->info.index),
				      "on GPU1");
		igt_assert_eq_u64(pb1.p2p_in - pb0.p2p_in, npages);
		igt_assert_eq_u64(pa0.p2p_out - pa1.p2p_out, npages);
		/* never through system memory */
		igt_assert_eq_u64(pa0.vram_to_sys, pa1.vram_to_sys);
		igt_assert_eq_u64(pb1.sys_to_vram, pb0.sys_to_vram);
	} else {
		/* out of GPU0's VRAM through system memory, no P2P */
		igt_assert_eq_u64(pa0.vram_to_sys - pa1.vram_to_sys, npages);
		igt_assert_eq_u64(pb1.p2p_in, pb0.p2p_in);
		igt_assert_eq_u64(pa0.p2p_out, pa1.p2p_out);
		igt_assert_eq_u64(pb1.sys_to_vram - pb0.sys_to_vram,
				  out.pages_in);
		vsvm_expect_residency(b->fd, vmb, buf, npages,
				      out.pages_in ?
				      DRM_VSVM_RESIDENCY_DEVICE(b->info.index) :
				      DRM_VSVM_RESIDENCY_SYSTEM, "after GPU1");
	}

	/* -> system, by the CPU */
	vsvm_check_pattern(buf, size, 0x600d, "CPU read");
	vsvm_expect_residency(a->fd, vma, buf, npages, DRM_VSVM_RESIDENCY_SYSTEM,
			      "back in system memory");
	paths_read(b, &pb2);
	if (direct)
		igt_assert_eq_u64(pb2.vram_to_sys - pb1.vram_to_sys, npages);

	igt_assert_eq(vsvm_vm_destroy(a->fd, vma), 0);
	igt_assert_eq(vsvm_vm_destroy(b->fd, vmb), 0);
	buf_unmap(buf, size);
	free(got);
}

/* What one GPU writes, the other reads, and the CPU too; both ways. */
static void test_coherency(struct vsvm_dev *a, struct vsvm_dev *b)
{
	const size_t size = 16 * PAGE_SZ;
	__u8 *buf = buf_map(size), *data = malloc(size), *got = malloc(size);
	__u32 vma, vmb;
	int round;

	igt_assert(data && got);
	igt_assert_eq(vsvm_vm_create(a->fd, &vma), 0);
	igt_assert_eq(vsvm_vm_create(b->fd, &vmb), 0);
	for (round = 0; round < 4; round++) {
		struct vsvm_dev *w = round & 1 ? b : a, *r = round & 1 ? a : b;
		__u32 vmw = round & 1 ? vmb : vma, vmr = round & 1 ? vma : vmb;

		vsvm_fill_pattern(data, size, 0xc0 + round);
		igt_assert_eq(vsvm_exec_write(w->fd, vmw, buf, size, data,
					      NULL), 0);
		memset(got, 0, size);
		igt_assert_eq(vsvm_exec_read(r->fd, vmr, buf, size, got,
					     NULL), 0);
		vsvm_check_pattern(got, size, 0xc0 + round, "the other GPU's read");
		if (round == 2)
			vsvm_check_pattern(buf, size, 0xc0 + round, "CPU read");
	}
	/* a CPU write seen by both */
	vsvm_fill_pattern(buf, size, 0xcc);
	igt_assert_eq(vsvm_exec_read(a->fd, vma, buf, size, got, NULL), 0);
	vsvm_check_pattern(got, size, 0xcc, "GPU0 read of a CPU write");
	igt_assert_eq(vsvm_exec_read(b->fd, vmb, buf, size, got, NULL), 0);
	vsvm_check_pattern(got, size, 0xcc, "GPU1 read of a CPU write");
	igt_assert_eq(vsvm_vm_destroy(a->fd, vma), 0);
	igt_assert_eq(vsvm_vm_destroy(b->fd, vmb), 0);
	buf_unmap(buf, PAGE_SZ * 16);
	free(data);
	free(got);
}

/* Atomic increments alternating between the GPUs: exact count. */
static void test_atomic(struct vsvm_dev *a, struct vsvm_dev *b)
{
	const int rounds = 40;
	__u8 *buf = buf_map(PAGE_SZ);
	__u64 *ctr = (__u64 *)buf;
	struct drm_vsvm_exec out;
	__u32 vma, vmb;
	int i;

	igt_assert_eq(vsvm_vm_create(a->fd, &vma), 0);
	igt_assert_eq(vsvm_vm_create(b->fd, &vmb), 0);
	ctr[0] = 1000;
	ctr[1] = 7;
	for (i = 0; i < rounds; i++) {
		struct vsvm_dev *d = i & 1 ? b : a;

		igt_assert_eq(vsvm_exec_atomic_inc(d->fd, i & 1 ? vmb : vma,
						   buf, 8, 8, 3, &out), 0);
		igt_assert_eq_u64(out.result, 1000 + 3ull * i);
		if (i % 10 == 9)
			__atomic_fetch_add(&ctr[1], 1, __ATOMIC_SEQ_CST);
	}
	igt_assert_eq_u64(ctr[0], 1000 + 3ull * rounds);
	igt_assert_eq_u64(ctr[1], 7 + rounds / 10);
	igt_assert_eq(vsvm_vm_destroy(a->fd, vma), 0);
	igt_assert_eq(vsvm_vm_destroy(b->fd, vmb), 0);
	buf_unmap(buf, PAGE_SZ);
}

/*
 * Whether MADVISE and PREFETCH are there: a PREFETCH of one mapped page
 * to system memory succeeds (-EINVAL from the DRM core where the ioctl is
 * not implemented).
 */
static bool have_prefetch(const struct vsvm_dev *d)
{
	__u8 *buf = buf_map(PAGE_SZ);
	__u64 moved = 0;
	__u32 vm;
	int err;

	buf[0] = 1;
	igt_assert_eq(vsvm_vm_create(d->fd, &vm), 0);
	err = vsvm_prefetch(d->fd, vm, DRM_VSVM_LOCATION_SYSTEM,
			    (uintptr_t)buf, PAGE_SZ, 0, &moved);
	igt_assert_eq(vsvm_vm_destroy(d->fd, vm), 0);
	buf_unmap(buf, PAGE_SZ);
	igt_assert_f(err == 0 || err == -EINVAL, "PREFETCH: %d\n", err);
	return err == 0;
}

static int devmem_open(const struct vsvm_dev *d)
{
	struct drm_vsvm_devmem_open arg;

	memset(&arg, 0, sizeof(arg));
	igt_assert_f(drmIoctl(d->fd, DRM_IOCTL_VSVM_DEVMEM_OPEN, &arg) == 0,
		     "renderD%d: DEVMEM_OPEN: %s\n", d->minor, strerror(errno));
	return arg.fd;
}

static void prefetch(const struct vsvm_dev *d, __u32 vm, __u32 location,
		     const __u8 *buf, size_t size, int pagemap_fd,
		     __u64 want_moved)
{
	__u64 moved = ~0ull;

	igt_assert_eq(vsvm_prefetch(d->fd, vm, location, (uintptr_t)buf, size,
				    pagemap_fd, &moved), 0);
	igt_assert_eq_u64(moved, want_moved);
}

/*
 * PREFETCH moves a buffer system -> @a (pagemap fd of @a) -> @b (pagemap
 * fd of @b, or @b's own VRAM from @b's VM without @direct) -> system, all
 * from @a's VM where it can, RESIDENCY checked at each step. Within one
 * group @a to @b is a P2P copy by @a's engine (the source's); without,
 * via system memory.
 */
static void test_prefetch_migration(struct vsvm_dev *a, struct vsvm_dev *b,
				    bool direct)
{
	const size_t npages = 32, size = npages * PAGE_SZ;
	int fa = devmem_open(a), fb = devmem_open(b);
	struct paths pa0, pb0, pa1, pb1;
	__u8 *buf = buf_map(size);
	__u32 vma, vmb;

	igt_assert_eq(vsvm_vm_create(a->fd, &vma), 0);
	igt_assert_eq(vsvm_vm_create(b->fd, &vmb), 0);
	vsvm_fill_pattern(buf, size, 0x9e7c);
	vsvm_expect_residency(a->fd, vma, buf, npages, DRM_VSVM_RESIDENCY_SYSTEM,
			      "before");

	paths_read(a, &pa0);
	prefetch(a, vma, DRM_VSVM_LOCATION_PAGEMAP_FD, buf, size, fa, npages);
	vsvm_expect_residency(a->fd, vma, buf, npages,
			      DRM_VSVM_RESIDENCY_DEVICE(a->info.index), "on GPU0");
	paths_read(a, &pa1);
	igt_assert_eq_u64(pa1.sys_to_vram - pa0.sys_to_vram, npages);

	paths_read(b, &pb0);
	if (direct) {
		/* from GPU0's VM, to GPU1's VRAM: a peer's pagemap fd */
		prefetch(a, vma, DRM_VSVM_LOCATION_PAGEMAP_FD, buf, size, fb,
			 npages);
	} else {
		__u64 moved = 0;

		igt_assert_eq(vsvm_prefetch(a->fd, vma,
					    DRM_VSVM_LOCATION_PAGEMAP_FD,
					    (uintptr_t)buf, size, fb, &moved),
			      -ENOLINK);
		vsvm_expect_residency(a->fd, vma, buf, npages,
				      DRM_VSVM_RESIDENCY_DEVICE(a->info.index),
				      "after the refused PREFETCH");
		prefetch(b, vmb, DRM_VSVM_LOCATION_DEVICE, buf, size, 0,
			 npages);
	}
	vsvm_expect_residency(b->fd, vmb, buf, npages,
			      DRM_VSVM_RESIDENCY_DEVICE(b->info.index), "on GPU1");
	paths_read(a, &pa0);
	paths_read(b, &pb1);
	if (direct) {
		igt_assert_eq_u64(pb1.p2p_in - pb0.p2p_in, npages);
		igt_assert_eq_u64(pa0.p2p_out - pa1.p2p_out, npages);
		igt_assert_eq_u64(pa0.vram_to_sys, pa1.vram_to_sys);
		igt_assert_eq_u64(pb1.sys_to_vram, pb0.sys_to_vram);
	} else {
		igt_assert_eq_u64(pa0.vram_to_sys - pa1.vram_to_sys, npages);
		igt_assert_eq_u64(pb1.sys_to_vram - pb0.sys_to_vram, npages);
		igt_assert_eq_u64(pb1.p2p_in, pb0.p2p_in);
		igt_assert_eq_u64(pa0.p2p_out, pa1.p2p_out);
	}

	prefetch(a, vma, DRM_VSVM_LOCATION_SYSTEM, buf, size, 0, npages);
	vsvm_expect_residency(b->fd, vmb, buf, npages, DRM_VSVM_RESIDENCY_SYSTEM,
			      "back in system memory");
	paths_read(b, &pb0);
	igt_assert_eq_u64(pb0.vram_to_sys - pb1.vram_to_sys, npages);
	vsvm_check_pattern(buf, size, 0x9e7c, "CPU read");

	igt_assert_eq(vsvm_vm_destroy(a->fd, vma), 0);
	igt_assert_eq(vsvm_vm_destroy(b->fd, vmb), 0);
	close(fa);
	close(fb);
	buf_unmap(buf, size);
}

/*
 * GPU0 writes a buffer advised to GPU1's VRAM: the pages go to GPU1 and
 * GPU0 writes them there in place, over P2P; GPU1 and the CPU read them.
 */
static void test_xgpu_access(struct vsvm_dev *a, struct vsvm_dev *b)
{
	const size_t npages = 16, size = npages * PAGE_SZ;
	__u8 *buf = buf_map(size), *data = malloc(size), *got = malloc(size);
	struct drm_vsvm_exec out;
	struct paths pa0, pb0, pa1, pb1;
	int fb = devmem_open(b);
	__u32 vma, vmb;

	igt_assert(data && got);
	igt_assert_eq(vsvm_vm_create(a->fd, &vma), 0);
	igt_assert_eq(vsvm_vm_create(b->fd, &vmb), 0);
	memset(buf, 0, size);
	igt_assert_eq(vsvm_madvise(a->fd, vma, DRM_VSVM_MADVISE_PREFERRED_LOC,
				   (uintptr_t)buf, size,
				   DRM_VSVM_LOCATION_PAGEMAP_FD, fb), 0);
	/* the advice holds the pagemap: the fd may go */
	close(fb);

	paths_read(a, &pa0);
	paths_read(b, &pb0);
	vsvm_fill_pattern(data, size, 0x7a11);
	igt_assert_eq(vsvm_exec_write(a->fd, vma, buf, size, data, &out), 0);
	/* not into GPU0's VRAM: into GPU1's */
	igt_assert_eq_u64(out.pages_in, 0);
	vsvm_expect_residency(a->fd, vma, buf, npages,
			      DRM_VSVM_RESIDENCY_DEVICE(b->info.index),
			      "advised to GPU1, written by GPU0");
	paths_read(a, &pa1);
	paths_read(b, &pb1);
	igt_assert_eq_u64(pb1.sys_to_vram - pb0.sys_to_vram, npages);
	igt_assert_eq_u64(pa1.sys_to_vram, pa0.sys_to_vram);

	/* GPU0 reads them in place, nothing moves */
	memset(got, 0, size);
	igt_assert_eq(vsvm_exec_read(a->fd, vma, buf, size, got, &out), 0);
	vsvm_check_pattern(got, size, 0x7a11, "GPU0 read of GPU1's VRAM");
	igt_assert_eq_u64(out.pages_in, 0);
	igt_assert_eq_u64(out.pages_out, 0);
	vsvm_expect_residency(b->fd, vmb, buf, npages,
			      DRM_VSVM_RESIDENCY_DEVICE(b->info.index),
			      "still on GPU1");

	memset(got, 0, size);
	igt_assert_eq(vsvm_exec_read(b->fd, vmb, buf, size, got, NULL), 0);
	vsvm_check_pattern(got, size, 0x7a11, "GPU1 read");
	vsvm_check_pattern(buf, size, 0x7a11, "CPU read");

	igt_assert_eq(vsvm_vm_destroy(a->fd, vma), 0);
	igt_assert_eq(vsvm_vm_destroy(b->fd, vmb), 0);
	buf_unmap(buf, size);
	free(data);
	free(got);
}

/*
 * A pagemap fd of a device without a path is refused with -ENOLINK by
 * MADVISE and PREFETCH, both ways, and changes nothing; the pair's are
 * accepted.
 */
static void test_enolink(struct vsvm_dev *a, struct vsvm_dev *b,
			 struct vsvm_dev *none)
{
	const size_t size = 4 * PAGE_SZ;
	int fa = devmem_open(a), fb = devmem_open(b), fn = devmem_open(none);
	__u8 *buf = buf_map(size);
	struct drm_vsvm_range_attr attr;
	__u32 vma, vmn, n;
	__u64 moved;

	igt_assert_eq(vsvm_vm_create(a->fd, &vma), 0);
	igt_assert_eq(vsvm_vm_create(none->fd, &vmn), 0);
	vsvm_fill_pattern(buf, size, 0xe1);

	igt_assert_eq(vsvm_madvise(none->fd, vmn,
				   DRM_VSVM_MADVISE_PREFERRED_LOC,
				   (uintptr_t)buf, size,
				   DRM_VSVM_LOCATION_PAGEMAP_FD, fa), -ENOLINK);
	igt_assert_eq(vsvm_madvise(a->fd, vma, DRM_VSVM_MADVISE_PREFERRED_LOC,
				   (uintptr_t)buf, size,
				   DRM_VSVM_LOCATION_PAGEMAP_FD, fn), -ENOLINK);
	igt_assert_eq(vsvm_prefetch(a->fd, vma, DRM_VSVM_LOCATION_PAGEMAP_FD,
				    (uintptr_t)buf, size, fn, &moved),
		      -ENOLINK);
	igt_assert_eq(vsvm_prefetch(none->fd, vmn,
				    DRM_VSVM_LOCATION_PAGEMAP_FD,
				    (uintptr_t)buf, size, fb, &moved),
		      -ENOLINK);

	/* nothing changed: default attributes, data in system memory */
	n = 1;
	igt_assert_eq(vsvm_query_range_attrs(a->fd, vma, (uintptr_t)buf, size,
					     &attr, &n), 0);
	igt_assert_eq_u32(n, 1);
	igt_assert_eq_u32(attr.preferred_loc, DRM_VSVM_LOCATION_DEFAULT);
	vsvm_expect_residency(a->fd, vma, buf, size / PAGE_SZ,
			      DRM_VSVM_RESIDENCY_SYSTEM, "after the refusals");
	vsvm_check_pattern(buf, size, 0xe1, "CPU read");

	/* the peer's fd is fine */
	igt_assert_eq(vsvm_madvise(a->fd, vma, DRM_VSVM_MADVISE_PREFERRED_LOC,
				   (uintptr_t)buf, size,
				   DRM_VSVM_LOCATION_PAGEMAP_FD, fb), 0);
	n = 1;
	igt_assert_eq(vsvm_query_range_attrs(a->fd, vma, (uintptr_t)buf, size,
					     &attr, &n), 0);
	igt_assert_eq_u32(attr.preferred_loc, DRM_VSVM_LOCATION_PAGEMAP_FD);
	igt_assert_eq_u32(attr.preferred_device, b->info.index);

	igt_assert_eq(vsvm_vm_destroy(a->fd, vma), 0);
	igt_assert_eq(vsvm_vm_destroy(none->fd, vmn), 0);
	close(fa);
	close(fb);
	close(fn);
	buf_unmap(buf, size);
}

#define CC_COUNTERS	8
#define CC_ROUNDS	64

/* One thread of concurrent-access: a GPU (@d, @vm) or the CPU (@d NULL). */
struct cc_thread {
	const struct vsvm_dev *d;
	__u32 vm;
	__u64 *ctr;
	int err;
	int busy;
};

static void *cc_thread_fn(void *arg)
{
	struct cc_thread *t = arg;
	int r, c;

	for (r = 0; r < CC_ROUNDS && !t->err; r++) {
		if (!t->d) {
			for (c = 0; c < CC_COUNTERS; c++)
				__atomic_fetch_add(&t->ctr[c], 1,
						   __ATOMIC_SEQ_CST);
			usleep(1000);
			continue;
		}
		/* A page the others keep taking away may be busy: again. */
		for (;;) {
			int err = vsvm_exec_atomic_inc(t->d->fd, t->vm, t->ctr,
						       CC_COUNTERS * 8, 8, 1,
						       NULL);

			if (err != -EBUSY) {
				t->err = err;
				break;
			}
			t->busy++;
		}
	}
	return NULL;
}

/*
 * Both GPUs and two CPU threads increment the same counters at once:
 * every increment counts, whatever migrates where meanwhile.
 */
static void test_concurrent(struct vsvm_dev *a, struct vsvm_dev *b)
{
	__u8 *buf = buf_map(PAGE_SZ);
	struct cc_thread t[4];
	pthread_t th[4];
	__u32 vma, vmb;
	int i;

	igt_assert_eq(vsvm_vm_create(a->fd, &vma), 0);
	igt_assert_eq(vsvm_vm_create(b->fd, &vmb), 0);
	memset(buf, 0, PAGE_SZ);
	memset(t, 0, sizeof(t));
	t[0].d = a;
	t[0].vm = vma;
	t[1].d = b;
	t[1].vm = vmb;
	for (i = 0; i < 4; i++) {
		t[i].ctr = (__u64 *)buf;
		igt_assert_eq(pthread_create(&th[i], NULL, cc_thread_fn, &t[i]),
			      0);
	}
	for (i = 0; i < 4; i++)
		igt_assert_eq(pthread_join(th[i], NULL), 0);
	for (i = 0; i < 4; i++)
		igt_assert_f(!t[i].err, "thread %d: %d\n", i, t[i].err);
	igt_info("busy retries: GPU0 %d, GPU1 %d\n", t[0].busy, t[1].busy);
	for (i = 0; i < CC_COUNTERS; i++)
		igt_assert_eq_u64(((__u64 *)buf)[i], 4 * CC_ROUNDS);
	/* and the GPUs read the same */
	for (i = 0; i < 2; i++) {
		__u64 got[CC_COUNTERS];
		int c;

		igt_assert_eq(vsvm_exec_read(t[i].d->fd, t[i].vm, buf,
					     sizeof(got), got, NULL), 0);
		for (c = 0; c < CC_COUNTERS; c++)
			igt_assert_eq_u64(got[c], 4 * CC_ROUNDS);
	}
	igt_assert_eq(vsvm_vm_destroy(a->fd, vma), 0);
	igt_assert_eq(vsvm_vm_destroy(b->fd, vmb), 0);
	buf_unmap(buf, PAGE_SZ);
}

/*
 * Anonymous private memory in a VMA of its own, 64 KiB aligned, so that
 * GPU ranges (2 MiB, 64 KiB or 4 KiB chunks) split it on 64 KiB
 * boundaries: a fault on one half never takes pages of the other.
 * Returns the buffer; *@map and *@map_size are what to munmap.
 */
static __u8 *buf_map_aligned(size_t size, __u8 **map, size_t *map_size)
{
	const size_t align = 64 * 1024;
	__u8 *buf;

	*map_size = size + align + 2 * PAGE_SZ;
	*map = mmap(NULL, *map_size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
	igt_assert(*map != MAP_FAILED);
	buf = (__u8 *)(((uintptr_t)*map + PAGE_SZ + align - 1) &
		       ~(uintptr_t)(align - 1));
	igt_assert_eq(mprotect(buf, size, PROT_READ | PROT_WRITE), 0);
	return buf;
}

/* Each half of [@buf, + @npages) at its own place, as @d's VM sees it. */
static void expect_halves(const struct vsvm_dev *d, __u32 vm, const __u8 *buf,
			  size_t npages, __u32 first, __u32 second,
			  const char *what)
{
	vsvm_expect_residency(d->fd, vm, buf, npages / 2, first, what);
	vsvm_expect_residency(d->fd, vm, buf + npages / 2 * PAGE_SZ, npages / 2, second,
			      what);
}

/*
 * On-demand migration between GPUs, page range by page range: each GPU
 * writes its half (faulting it into its VRAM), then each reads the whole
 * buffer, faulting the other's half over to it: over P2P within the pair
 * (@direct), through system memory without a path. Data, residency and
 * path counters checked at every step.
 */
static void test_pagefault(struct vsvm_dev *a, struct vsvm_dev *b,
			   bool direct)
{
	const size_t npages = 64, size = npages * PAGE_SZ, half = size / 2;
	const __u32 on_a = DRM_VSVM_RESIDENCY_DEVICE(a->info.index);
	const __u32 on_b = DRM_VSVM_RESIDENCY_DEVICE(b->info.index);
	__u8 *data = malloc(size), *got = malloc(size), *map, *buf;
	struct paths pa0, pb0, pa1, pb1;
	size_t map_size;
	struct drm_vsvm_exec out;
	__u32 vma, vmb;

	igt_assert(data && got);
	buf = buf_map_aligned(size, &map, &map_size);
	igt_assert_eq(vsvm_vm_create(a->fd, &vma), 0);
	igt_assert_eq(vsvm_vm_create(b->fd, &vmb), 0);
	vsvm_fill_pattern(data, size, 0xfa17);

	/* each GPU writes its half: GPU faults bring it to its VRAM */
	igt_assert_eq(vsvm_exec_write(a->fd, vma, buf, half, data, &out), 0);
	igt_assert_lt_u64(0, out.gpu_faults);
	igt_assert_eq_u64(out.pages_in, npages / 2);
	igt_assert_eq(vsvm_exec_write(b->fd, vmb, buf + half, half,
				      data + half, &out), 0);
	igt_assert_lt_u64(0, out.gpu_faults);
	igt_assert_eq_u64(out.pages_in, npages / 2);
	expect_halves(a, vma, buf, npages, on_a, on_b, "after the writes");

	/* GPU0 reads it all: GPU1's half comes over on demand */
	paths_read(a, &pa0);
	paths_read(b, &pb0);
	memset(got, 0, size);
	igt_assert_eq(vsvm_exec_read(a->fd, vma, buf, size, got, &out), 0);
	vsvm_check_pattern(got, size, 0xfa17, "GPU0 read");
	igt_assert_lt_u64(0, out.gpu_faults);
	paths_read(a, &pa1);
	paths_read(b, &pb1);
	if (direct) {
		igt_assert_eq_u64(out.pages_in, npages / 2);
		vsvm_expect_residency(b->fd, vmb, buf, npages, on_a, "all on GPU0");
		igt_assert_eq_u64(pa1.p2p_in - pa0.p2p_in, npages / 2);
		igt_assert_eq_u64(pb1.p2p_out - pb0.p2p_out, npages / 2);
		igt_assert_eq_u64(pb1.vram_to_sys, pb0.vram_to_sys);
		igt_assert_eq_u64(pa1.sys_to_vram, pa0.sys_to_vram);
	} else {
		/*
		 * GPU1's half leaves its VRAM through system memory (HMM
		 * faults it back for GPU0, which may not take it directly);
		 * it lands in GPU0's VRAM or stays in system memory.
		 */
		igt_assert_eq_u64(pb1.vram_to_sys - pb0.vram_to_sys,
				  npages / 2);
		igt_assert_eq_u64(pa1.sys_to_vram - pa0.sys_to_vram,
				  out.pages_in);
		igt_assert_eq_u64(pa1.p2p_in, pa0.p2p_in);
		igt_assert_eq_u64(pb1.p2p_out, pb0.p2p_out);
		vsvm_expect_residency(a->fd, vma, buf, npages / 2, on_a,
				      "GPU0's half still on GPU0");
		vsvm_expect_residency(a->fd, vma, buf + half, npages / 2,
				      out.pages_in ? on_a :
				      DRM_VSVM_RESIDENCY_SYSTEM,
				      "GPU1's half, after GPU0's read");
	}

	/* GPU1 reads it all: what is in GPU0's VRAM comes over */
	memset(got, 0, size);
	igt_assert_eq(vsvm_exec_read(b->fd, vmb, buf, size, got, &out), 0);
	vsvm_check_pattern(got, size, 0xfa17, "GPU1 read");
	paths_read(b, &pb0);
	if (direct) {
		igt_assert_eq_u64(out.pages_in, npages);
		vsvm_expect_residency(a->fd, vma, buf, npages, on_b, "all on GPU1");
		igt_assert_eq_u64(pb0.p2p_in - pb1.p2p_in, npages);
	} else {
		igt_assert_eq_u64(pb0.p2p_in, pb1.p2p_in);
	}

	/* and the CPU faults it all back */
	vsvm_check_pattern(buf, size, 0xfa17, "CPU read");
	vsvm_expect_residency(a->fd, vma, buf, npages, DRM_VSVM_RESIDENCY_SYSTEM,
			      "back in system memory");

	igt_assert_eq(vsvm_vm_destroy(a->fd, vma), 0);
	igt_assert_eq(vsvm_vm_destroy(b->fd, vmb), 0);
	igt_assert_eq(munmap(map, map_size), 0);
	free(data);
	free(got);
}

/* The preferred location of @d's VM @vm over [@buf, + @size): one interval. */
static void expect_preferred(const struct vsvm_dev *d, __u32 vm,
			     const __u8 *buf, size_t size, __u32 loc,
			     __u32 device)
{
	struct drm_vsvm_range_attr attr;
	__u32 n = 1;

	igt_assert_eq(vsvm_query_range_attrs(d->fd, vm, (uintptr_t)buf, size,
					     &attr, &n), 0);
	igt_assert_eq_u32(n, 1);
	igt_assert_eq_u64(attr.start, (uintptr_t)buf);
	igt_assert_eq_u64(attr.end, (uintptr_t)buf + size);
	igt_assert_eq_u32(attr.preferred_loc, loc);
	igt_assert_eq_u32(attr.preferred_device, device);
}

/*
 * Conflicting advice: each GPU's VM prefers the other GPU's VRAM for the
 * same buffer (crossed pagemap fds), and later its own. The advice is per
 * VM, so neither overrides the other: each access places the buffer where
 * the accessing VM's advice says, the other VM reads the attributes it set
 * itself, and the data survives every move.
 */
/*
 * Crossed advice: GPU0 prefers GPU1's VRAM and GPU1 GPU0's, then each its
 * own. With @protect the migration policy resolves the conflict: the first
 * advice (GPU0's, whose write comes first) wins and GPU1 maps the buffer
 * where it is, over P2P. Without (MADVISE THRASHING_OFF in both VMs) each
 * fault places the buffer by its own VM's advice, moving it every time.
 */
static void test_conflict(struct vsvm_dev *a, struct vsvm_dev *b, bool protect)
{
	const size_t npages = 32, size = npages * PAGE_SZ;
	const __u32 on_a = DRM_VSVM_RESIDENCY_DEVICE(a->info.index);
	const __u32 on_b = DRM_VSVM_RESIDENCY_DEVICE(b->info.index);
	__u8 *buf = buf_map(size), *data = malloc(size), *got = malloc(size);
	int fa = devmem_open(a), fb = devmem_open(b);
	__u32 vma, vmb;
	int round;

	igt_assert(data && got);
	igt_assert_eq(vsvm_vm_create(a->fd, &vma), 0);
	igt_assert_eq(vsvm_vm_create(b->fd, &vmb), 0);
	igt_assert_eq(vsvm_madvise(a->fd, vma, DRM_VSVM_MADVISE_PREFERRED_LOC,
				   (uintptr_t)buf, size,
				   DRM_VSVM_LOCATION_PAGEMAP_FD, fb), 0);
	igt_assert_eq(vsvm_madvise(b->fd, vmb, DRM_VSVM_MADVISE_PREFERRED_LOC,
				   (uintptr_t)buf, size,
				   DRM_VSVM_LOCATION_PAGEMAP_FD, fa), 0);
	expect_preferred(a, vma, buf, size, DRM_VSVM_LOCATION_PAGEMAP_FD,
			 b->info.index);
	expect_preferred(b, vmb, buf, size, DRM_VSVM_LOCATION_PAGEMAP_FD,
			 a->info.index);
	if (!protect) {
		igt_assert_eq(vsvm_madvise(a->fd, vma,
					   DRM_VSVM_MADVISE_THRASHING,
					   (uintptr_t)buf, size,
					   DRM_VSVM_THRASHING_OFF, 0), 0);
		igt_assert_eq(vsvm_madvise(b->fd, vmb,
					   DRM_VSVM_MADVISE_THRASHING,
					   (uintptr_t)buf, size,
					   DRM_VSVM_THRASHING_OFF, 0), 0);
	}

	vsvm_fill_pattern(data, size, 0xc0f1);
	igt_assert_eq(vsvm_exec_write(a->fd, vma, buf, size, data, NULL), 0);
	for (round = 0; round < 4; round++) {
		/* GPU0's advice: GPU1's VRAM; GPU1's advice: GPU0's */
		memset(got, 0, size);
		igt_assert_eq(vsvm_exec_read(a->fd, vma, buf, size, got,
					     NULL), 0);
		vsvm_check_pattern(got, size, 0xc0f1, "GPU0 read");
		vsvm_expect_residency(a->fd, vma, buf, npages, on_b,
				      "placed by GPU0's advice");
		memset(got, 0, size);
		igt_assert_eq(vsvm_exec_read(b->fd, vmb, buf, size, got,
					     NULL), 0);
		vsvm_check_pattern(got, size, 0xc0f1, "GPU1 read");
		vsvm_expect_residency(b->fd, vmb, buf, npages, protect ? on_b : on_a,
				      protect ? "GPU0's advice won" :
					   "placed by GPU1's advice");
	}

	/* now each prefers its own VRAM: the last accessor has it */
	igt_assert_eq(vsvm_madvise(a->fd, vma, DRM_VSVM_MADVISE_PREFERRED_LOC,
				   (uintptr_t)buf, size,
				   DRM_VSVM_LOCATION_DEVICE, 0), 0);
	igt_assert_eq(vsvm_madvise(b->fd, vmb, DRM_VSVM_MADVISE_PREFERRED_LOC,
				   (uintptr_t)buf, size,
				   DRM_VSVM_LOCATION_DEVICE, 0), 0);
	expect_preferred(a, vma, buf, size, DRM_VSVM_LOCATION_DEVICE,
			 a->info.index);
	expect_preferred(b, vmb, buf, size, DRM_VSVM_LOCATION_DEVICE,
			 b->info.index);
	/*
	 * Advice applies from the next GPU fault: the CPU takes the buffer
	 * back first, which drops every GPU mapping of it.
	 */
	vsvm_check_pattern(buf, size, 0xc0f1, "CPU read between the advice");
	vsvm_expect_residency(a->fd, vma, buf, npages, DRM_VSVM_RESIDENCY_SYSTEM,
			      "back in system memory");
	igt_assert_eq(vsvm_exec_read(a->fd, vma, buf, size, got, NULL), 0);
	vsvm_check_pattern(got, size, 0xc0f1, "GPU0 read, own advice");
	vsvm_expect_residency(b->fd, vmb, buf, npages, on_a, "on GPU0");
	igt_assert_eq(vsvm_exec_read(b->fd, vmb, buf, size, got, NULL), 0);
	vsvm_check_pattern(got, size, 0xc0f1, "GPU1 read, own advice");
	vsvm_expect_residency(a->fd, vma, buf, npages, protect ? on_a : on_b,
			      protect ? "GPU0's advice still wins" : "on GPU1");
	vsvm_check_pattern(buf, size, 0xc0f1, "CPU read");

	close(fa);
	close(fb);
	igt_assert_eq(vsvm_vm_destroy(a->fd, vma), 0);
	igt_assert_eq(vsvm_vm_destroy(b->fd, vmb), 0);
	buf_unmap(buf, size);
	free(data);
	free(got);
}

/* How long the munmap race runs, and the size of its buffer. */
#define MR_ROUNDS	30
#define MR_PAGES	32

struct mr_thread {
	const struct vsvm_dev *d;
	__u32 vm;
	__u8 *buf;
	int *stop;
	unsigned long done, faulted;
	int err;
};

/* GPU work on the buffer while it is unmapped and mapped again. */
static void *mr_thread_fn(void *arg)
{
	struct mr_thread *t = arg;
	__u8 got[256];
	int err;

	while (!__atomic_load_n(t->stop, __ATOMIC_ACQUIRE)) {
		err = vsvm_exec_fill(t->d->fd, t->vm, t->buf,
				     MR_PAGES * PAGE_SZ, 1, 0x3c, NULL);
		if (!err)
			err = vsvm_exec_read(t->d->fd, t->vm, t->buf,
					     sizeof(got), got, NULL);
		if (err == -EFAULT) {
			t->faulted++;
			continue;
		}
		if (err && err != -EBUSY) {
			t->err = err;
			break;
		}
		t->done++;
	}
	return NULL;
}

/*
 * munmap racing GPU faults of two devices and CPU access: while both
 * GPUs fill the buffer over and over (faulting it into their VRAM and
 * across), the main thread writes it with the CPU, unmaps it and maps
 * fresh memory at the same address. Every EXEC must succeed or fail with
 * -EFAULT (the memory was not mapped) or -EBUSY (it kept being
 * invalidated), never hang or fail otherwise; afterwards both GPUs and the
 * CPU see the same, newly written data, and nothing lingers in VRAM after
 * the final munmap.
 */
static void test_munmap_race(struct vsvm_dev *a, struct vsvm_dev *b)
{
	const size_t size = MR_PAGES * PAGE_SZ;
	__u8 *buf = buf_map(size), *got = malloc(size);
	struct mr_thread t[2];
	pthread_t th[2];
	int stop = 0, i, round;
	__u32 loc[MR_PAGES];

	igt_assert(got);
	memset(t, 0, sizeof(t));
	t[0].d = a;
	t[1].d = b;
	igt_assert_eq(vsvm_vm_create(a->fd, &t[0].vm), 0);
	igt_assert_eq(vsvm_vm_create(b->fd, &t[1].vm), 0);
	for (i = 0; i < 2; i++) {
		t[i].buf = buf;
		t[i].stop = &stop;
		igt_assert_eq(pthread_create(&th[i], NULL, mr_thread_fn, &t[i]),
			      0);
	}
	for (round = 0; round < MR_ROUNDS; round++) {
		memset(buf, round, size);
		igt_assert_eq(munmap(buf, size), 0);
		usleep(1000);
		igt_assert(mmap(buf, size, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1,
				0) == buf);
		usleep(20000);
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	for (i = 0; i < 2; i++)
		igt_assert_eq(pthread_join(th[i], NULL), 0);
	igt_info("GPU0: %lu done, %lu -EFAULT; GPU1: %lu done, %lu -EFAULT\n",
		 t[0].done, t[0].faulted, t[1].done, t[1].faulted);
	for (i = 0; i < 2; i++)
		igt_assert_f(!t[i].err, "GPU%d: %d\n", i, t[i].err);
	igt_assert_lt_u64(0, t[0].done + t[1].done);

	/* the last mapping is what everyone sees */
	vsvm_fill_pattern(buf, size, 0x3ace);
	for (i = 0; i < 2; i++) {
		memset(got, 0, size);
		igt_assert_eq(vsvm_exec_read(t[i].d->fd, t[i].vm, buf, size,
					     got, NULL), 0);
		vsvm_check_pattern(got, size, 0x3ace, "GPU read after the race");
	}
	vsvm_check_pattern(buf, size, 0x3ace, "CPU read after the race");

	/* gone with the mapping: nothing is left anywhere */
	buf_unmap(buf, size);
	igt_assert_eq(vsvm_residency(a->fd, t[0].vm, (uintptr_t)buf,
				     MR_PAGES, loc), 0);
	for (i = 0; i < MR_PAGES; i++)
		igt_assert_eq_u32(loc[i], DRM_VSVM_RESIDENCY_NONE);
	for (i = 0; i < 2; i++)
		igt_assert_eq(vsvm_vm_destroy(t[i].d->fd, t[i].vm), 0);
	free(got);
}

#define PG_PAGES	16
#define PG_ROUNDS	12

struct pg_thread {
	const struct vsvm_dev *d;
	__u32 vm;
	__u8 *buf;
	bool prefetcher;
	int *stop;
	unsigned long rounds;
	int err;
};

/* Take the buffer away from the other GPU, as fast as possible. */
static void *pg_thread_fn(void *arg)
{
	const size_t size = PG_PAGES * PAGE_SZ;
	struct pg_thread *t = arg;
	__u8 got[64];
	int err = 0;

	while (!err && !__atomic_load_n(t->stop, __ATOMIC_ACQUIRE)) {
		if (t->prefetcher) {
			err = vsvm_prefetch(t->d->fd, t->vm,
					    DRM_VSVM_LOCATION_DEVICE,
					    (uintptr_t)t->buf, size, 0, NULL);
			if (!err)
				err = vsvm_prefetch(t->d->fd, t->vm,
						    DRM_VSVM_LOCATION_SYSTEM,
						    (uintptr_t)t->buf, size,
						    0, NULL);
		} else {
			err = vsvm_exec_read(t->d->fd, t->vm,
					     t->buf + (t->rounds % PG_PAGES) *
					     PAGE_SZ, sizeof(got), got, NULL);
		}
		/* The adversary may find the pages busy: it goes on. */
		if (err == -EBUSY)
			err = 0;
		t->rounds++;
	}
	t->err = err;
	return NULL;
}

/*
 * Forward progress of GPU work whose pages keep being taken away: while
 * one thread PREFETCHes the buffer into @a's VRAM and back and another
 * reads it through @a (migrating it to @a), @b fills it and reads it back,
 * over and over. Every EXEC on @b succeeds (a fault is replayed before any
 * invalidation can undo it, so it never ends in -EBUSY) and reads exactly
 * what it wrote.
 */
static void test_progress(struct vsvm_dev *a, struct vsvm_dev *b)
{
	const size_t size = PG_PAGES * PAGE_SZ;
	__u8 *buf = buf_map(size), *got = malloc(size);
	struct pg_thread t[2];
	__u32 vma, vmb;
	pthread_t th[2];
	int stop = 0, i, round, err;
	unsigned long busy = 0;

	igt_assert(got);
	igt_assert_eq(vsvm_vm_create(a->fd, &vma), 0);
	igt_assert_eq(vsvm_vm_create(b->fd, &vmb), 0);
	memset(buf, 0, size);
	memset(t, 0, sizeof(t));
	for (i = 0; i < 2; i++) {
		t[i].d = a;
		t[i].vm = vma;
		t[i].buf = buf;
		t[i].stop = &stop;
		t[i].prefetcher = !i;
		igt_assert_eq(pthread_create(&th[i], NULL, pg_thread_fn, &t[i]),
			      0);
	}
	for (round = 0; round < PG_ROUNDS; round++) {
		err = vsvm_exec_fill(b->fd, vmb, buf, size, 4,
				     0x5a000000 + round, NULL);
		if (!err) {
			memset(got, 0, size);
			err = vsvm_exec_read(b->fd, vmb, buf, size, got, NULL);
		}
		if (err == -EBUSY) {
			busy++;
			continue;
		}
		igt_assert_f(!err, "round %d: %s\n", round, strerror(-err));
		for (i = 0; i < (int)(size / 4); i++)
			igt_assert_f(((__u32 *)got)[i] == 0x5a000000u + round,
				     "round %d: word %d is %#x\n", round, i,
				     ((__u32 *)got)[i]);
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	for (i = 0; i < 2; i++)
		igt_assert_eq(pthread_join(th[i], NULL), 0);
	igt_info("%d rounds against %lu PREFETCH pairs and %lu reads; -EBUSY %lu\n",
		 PG_ROUNDS, t[0].rounds, t[1].rounds, busy);
	for (i = 0; i < 2; i++)
		igt_assert_f(!t[i].err, "thread %d: %s\n", i,
			     strerror(-t[i].err));
	igt_assert_eq_u64(busy, 0);
	igt_assert_eq(vsvm_vm_destroy(a->fd, vma), 0);
	igt_assert_eq(vsvm_vm_destroy(b->fd, vmb), 0);
	buf_unmap(buf, size);
	free(got);
}

int igt_main()
{
	igt_fixture() {
		open_devices();
		igt_info("%d vsvm render node(s)\n", n_devs);
		igt_require_f(n_devs > 0, "no vsvm render node\n");
		find_pair();
	}

	igt_describe("PEERS lists every device, itself local, symmetric links.");
	igt_subtest("peers-query")
		test_peers_query();

	igt_describe("sysfs vsvm_peers matches the PEERS query.");
	igt_subtest("peers-sysfs")
		test_peers_sysfs();

	igt_describe("Links match the PCI topology and the fabric parameter.");
	igt_subtest("topology")
		test_topology();

	igt_describe("Bad PEERS queries: exact errno, nothing written.");
	igt_subtest("peers-bad-args") {
		int i;

		for (i = 0; i < n_devs; i++)
			test_bad_args(&devs[i]);
	}

	igt_describe("system -> GPU0 -> GPU1 -> system, GPU0 to GPU1 over P2P.");
	igt_subtest("migration") {
		igt_require_f(pair[0], "no P2P pair\n");
		test_migration(pair[0], pair[1], true);
		test_migration(pair[1], pair[0], true);
	}

	igt_describe("The same from a GPU without a path: via system memory.");
	igt_subtest("migration-no-path") {
		igt_require_f(pair[0] && lone, "no device without a path\n");
		test_migration(pair[0], lone, false);
		test_migration(lone, pair[0], false);
	}

	igt_describe("PREFETCH system -> GPU0 -> GPU1 (P2P) -> system.");
	igt_subtest("migration-prefetch") {
		igt_require_f(pair[0], "no P2P pair\n");
		igt_require_f(have_prefetch(pair[0]), "no MADVISE/PREFETCH\n");
		test_prefetch_migration(pair[0], pair[1], true);
	}

	igt_describe("PREFETCH to a GPU without a path: via system memory.");
	igt_subtest("migration-prefetch-no-path") {
		igt_require_f(pair[0] && lone, "no device without a path\n");
		igt_require_f(have_prefetch(pair[0]), "no MADVISE/PREFETCH\n");
		test_prefetch_migration(pair[0], lone, false);
	}

	igt_describe("GPU0 writes a buffer advised to GPU1's VRAM, in place.");
	igt_subtest("xgpu-access") {
		igt_require_f(pair[0], "no P2P pair\n");
		igt_require_f(have_prefetch(pair[0]), "no MADVISE/PREFETCH\n");
		test_xgpu_access(pair[0], pair[1]);
		test_xgpu_access(pair[1], pair[0]);
	}

	igt_describe("A pagemap fd of a device without a path: -ENOLINK.");
	igt_subtest("enolink") {
		igt_require_f(pair[0] && lone, "no device without a path\n");
		igt_require_f(have_prefetch(pair[0]), "no MADVISE/PREFETCH\n");
		test_enolink(pair[0], pair[1], lone);
	}

	igt_describe("One GPU writes, the other reads, on the P2P pair.");
	igt_subtest("coherency") {
		igt_require_f(pair[0], "no P2P pair\n");
		test_coherency(pair[0], pair[1]);
	}

	igt_describe("One GPU writes, one without a path to it reads.");
	igt_subtest("coherency-no-path") {
		igt_require_f(pair[0] && lone, "no device without a path\n");
		test_coherency(pair[0], lone);
	}

	igt_describe("Both GPUs of the pair and CPU threads increment at once.");
	igt_subtest("concurrent-access") {
		igt_require_f(pair[0], "no P2P pair\n");
		test_concurrent(pair[0], pair[1]);
	}

	igt_describe("The same with a GPU without a path.");
	igt_subtest("concurrent-access-no-path") {
		igt_require_f(pair[0] && lone, "no device without a path\n");
		test_concurrent(pair[0], lone);
	}

	igt_describe("Each GPU faults the other's half over to it, over P2P.");
	igt_subtest("pagefault") {
		igt_require_f(pair[0], "no P2P pair\n");
		test_pagefault(pair[0], pair[1], true);
	}

	igt_describe("The same with a GPU without a path: via system memory.");
	igt_subtest("pagefault-no-path") {
		igt_require_f(pair[0] && lone, "no device without a path\n");
		test_pagefault(pair[0], lone, false);
	}

	igt_describe("Crossed MADVISE from two GPUs: the first advice wins, data intact.");
	igt_subtest("conflict") {
		igt_require_f(pair[0], "no P2P pair\n");
		igt_require_f(have_prefetch(pair[0]), "no MADVISE/PREFETCH\n");
		test_conflict(pair[0], pair[1], true);
	}

	igt_describe("Crossed MADVISE, thrashing protection off: per-VM advice.");
	igt_subtest("conflict-opt-out") {
		igt_require_f(pair[0], "no P2P pair\n");
		igt_require_f(have_prefetch(pair[0]), "no MADVISE/PREFETCH\n");
		test_conflict(pair[0], pair[1], false);
	}

	igt_describe("munmap racing GPU faults of both GPUs and the CPU.");
	igt_subtest("munmap-race") {
		igt_require_f(pair[0], "no P2P pair\n");
		test_munmap_race(pair[0], pair[1]);
	}

	igt_describe("The same with a GPU without a path.");
	igt_subtest("munmap-race-no-path") {
		igt_require_f(pair[0] && lone, "no device without a path\n");
		test_munmap_race(pair[0], lone);
	}

	igt_describe("GPU work on memory that the other GPU keeps taking: no -EBUSY.");
	igt_subtest("progress") {
		igt_require_f(pair[0], "no P2P pair\n");
		igt_require_f(have_prefetch(pair[0]), "no MADVISE/PREFETCH\n");
		test_progress(pair[0], pair[1]);
	}

	igt_describe("The same with a GPU without a path.");
	igt_subtest("progress-no-path") {
		igt_require_f(pair[0] && lone, "no device without a path\n");
		igt_require_f(have_prefetch(pair[0]), "no MADVISE/PREFETCH\n");
		test_progress(pair[0], lone);
	}

	igt_describe("Atomic increments alternating on the P2P pair.");
	igt_subtest("atomic-op") {
		igt_require_f(pair[0], "no P2P pair\n");
		test_atomic(pair[0], pair[1]);
	}

	igt_describe("Atomic increments alternating with a GPU without a path.");
	igt_subtest("atomic-op-no-path") {
		igt_require_f(pair[0] && lone, "no device without a path\n");
		test_atomic(pair[0], lone);
	}

	igt_fixture() {
		int i;

		for (i = 0; i < n_devs; i++)
			close(devs[i].fd);
		n_devs = 0;
	}
}
