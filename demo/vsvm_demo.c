// SPDX-License-Identifier: MIT
/*
 * vsvm_demo: shared virtual memory on an emulated GPU, step by step.
 *
 * Opens a vsvm render node, creates a VM mirroring this process, mallocs a
 * buffer and then: has the GPU fill it (the pages migrate to VRAM on the
 * GPU fault), reads it with the CPU (the pages fault back to system
 * memory), has the GPU write and read part of it, prefetches it to system
 * memory and back to VRAM, and finally has the GPU fill a second buffer of
 * twice the VRAM, which evicts the first one to system memory; it checks
 * the data at every step. After each
 * step it prints where every page is (DRM_IOCTL_VSVM_RESIDENCY), what the
 * step cost (the EXEC counters) and the device's debugfs counters.
 *
 *	vsvm_demo [-d /dev/dri/renderDN] [-s size_in_KiB]
 *
 * Exits 0 when every step did what it should, 1 otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <drm/vsvm_drm.h>

#define MAP_COLS	64

static int fd = -1;
static unsigned int vm_id;
static struct drm_vsvm_query_device dev;
static char debugfs_dir[PATH_MAX];
static bool failed;

static int vsvm_ioctl(unsigned long req, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, req, arg);
	} while (ret == -1 && (errno == EINTR || errno == EAGAIN));
	return ret ? -errno : 0;
}

static bool node_is_vsvm(int nfd)
{
	char name[32] = "";
	struct drm_version v = {
		.name = name,
		.name_len = sizeof(name) - 1,
	};

	return !ioctl(nfd, DRM_IOCTL_VERSION, &v) && !strcmp(name, "vsvm");
}

/* The first vsvm render node, in minor order, or @path. */
static int open_node(const char *path, char *used, size_t len)
{
	int minor, nfd;
	char p[64];

	if (path) {
		snprintf(used, len, "%s", path);
		return open(path, O_RDWR | O_CLOEXEC);
	}
	for (minor = 128; minor < 192; minor++) {
		snprintf(p, sizeof(p), "/dev/dri/renderD%d", minor);
		nfd = open(p, O_RDWR | O_CLOEXEC);
		if (nfd < 0)
			continue;
		if (node_is_vsvm(nfd)) {
			snprintf(used, len, "%s", p);
			return nfd;
		}
		close(nfd);
	}
	errno = ENODEV;
	return -1;
}

/* /sys/kernel/debug/dri/<parent device>, from the node's sysfs link. */
static void find_debugfs(const char *node)
{
	char link[PATH_MAX], path[PATH_MAX];
	const char *base = strrchr(node, '/');
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/class/drm/%.200s/device",
		 base ? base + 1 : node);
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return;
	link[n] = '\0';
	base = strrchr(link, '/');
	snprintf(debugfs_dir, sizeof(debugfs_dir), "/sys/kernel/debug/dri/%.200s",
		 base ? base + 1 : link);
	if (access(debugfs_dir, R_OK))
		debugfs_dir[0] = '\0';
}

/* Print the "key: value" lines of debugfs file @name whose key is listed. */
static void print_debugfs(const char *name, const char *const *keys)
{
	char path[PATH_MAX + 32], line[256];
	int printed = 0, k;
	FILE *f;

	if (!debugfs_dir[0])
		return;
	snprintf(path, sizeof(path), "%s/%s", debugfs_dir, name);
	f = fopen(path, "r");
	if (!f)
		return;
	printf("  debugfs %-8s", name);
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (!colon)
			continue;
		line[strcspn(line, "\n")] = '\0';
		for (k = 0; keys[k]; k++) {
			if ((size_t)(colon - line) == strlen(keys[k]) &&
			    !strncmp(line, keys[k], colon - line)) {
				printf("%s%s=%s", printed++ ? " " : " ", keys[k],
				       colon + 2);
			}
		}
	}
	printf("\n");
	fclose(f);
}

static void print_counters(void)
{
	static const char *const pagemap_keys[] = {
		"pagemap", "devmem_allocations", "pages_in", "pages_out",
		"evictions", "evicted_pages", NULL,
	};
	static const char *const vram_keys[] = { "used", "free", NULL };
	static const char *const counters_keys[] = {
		"execs", "gpu_faults", "pages_to_vram", "pages_to_ram",
		"migrate_fallbacks", "invalidations", NULL,
	};

	print_debugfs("counters", counters_keys);
	print_debugfs("pagemap", pagemap_keys);
	print_debugfs("vram", vram_keys);
}

/* One map character per group of pages: where they are. */
static char residency_char(const __u32 *loc, size_t n)
{
	char c = 0, d;
	size_t i;

	for (i = 0; i < n; i++) {
		if (loc[i] == DRM_VSVM_RESIDENCY_NONE)
			d = '.';
		else if (loc[i] == DRM_VSVM_RESIDENCY_SYSTEM)
			d = 's';
		else if (loc[i] == DRM_VSVM_RESIDENCY_DEVICE(dev.index))
			d = 'D';
		else
			d = 'o';
		if (c && c != d)
			return 'm';
		c = d;
	}
	return c;
}

/*
 * Print where the pages of [@va, + @npages) are; return how many are in
 * this device's VRAM (or -1 when RESIDENCY fails).
 */
static long residency(void *va, size_t npages)
{
	__u32 *loc = calloc(npages, sizeof(*loc));
	struct drm_vsvm_residency r = {
		.vm_id = vm_id,
		.start = (unsigned long)va,
		.num_pages = npages,
		.locations = (unsigned long)loc,
	};
	size_t none = 0, sys = 0, vram = 0, other = 0, i, per;
	char map[MAP_COLS + 1];
	int err;

	if (!loc)
		return -1;
	err = vsvm_ioctl(DRM_IOCTL_VSVM_RESIDENCY, &r);
	if (err) {
		printf("  RESIDENCY: %s\n", strerror(-err));
		free(loc);
		failed = true;
		return -1;
	}
	for (i = 0; i < npages; i++) {
		if (loc[i] == DRM_VSVM_RESIDENCY_NONE)
			none++;
		else if (loc[i] == DRM_VSVM_RESIDENCY_SYSTEM)
			sys++;
		else if (loc[i] == DRM_VSVM_RESIDENCY_DEVICE(dev.index))
			vram++;
		else
			other++;
	}
	per = (npages + MAP_COLS - 1) / MAP_COLS;
	for (i = 0; i * per < npages; i++)
		map[i] = residency_char(loc + i * per,
					npages - i * per < per ?
					npages - i * per : per);
	map[i] = '\0';
	printf("  pages: %zu: %zu in VRAM of device %u, %zu in system memory,",
	       npages, vram, dev.index, sys);
	printf(" %zu not populated%s\n", none, other ? ", some elsewhere" : "");
	printf("  map (%zu page%s/char, D=VRAM s=system .=none m=mixed): %s\n",
	       per, per > 1 ? "s" : "", map);
	free(loc);
	return vram;
}

static int exec(struct drm_vsvm_exec *e, const char *what)
{
	int err;

	e->vm_id = vm_id;
	err = vsvm_ioctl(DRM_IOCTL_VSVM_EXEC, e);
	if (err) {
		printf("  EXEC %s: %s\n", what, strerror(-err));
		failed = true;
		return err;
	}
	printf("  EXEC %s: gpu_faults=%llu pages_in=%llu pages_out=%llu\n",
	       what, (unsigned long long)e->gpu_faults,
	       (unsigned long long)e->pages_in,
	       (unsigned long long)e->pages_out);
	return 0;
}

static int prefetch(void *va, size_t size, unsigned int location,
		    const char *what)
{
	struct drm_vsvm_prefetch p = {
		.vm_id = vm_id,
		.location = location,
		.start = (unsigned long)va,
		.range = size,
	};
	int err = vsvm_ioctl(DRM_IOCTL_VSVM_PREFETCH, &p);

	if (err) {
		printf("  PREFETCH to %s: %s\n", what, strerror(-err));
		failed = true;
		return err;
	}
	printf("  PREFETCH to %s: pages_migrated=%llu\n", what,
	       (unsigned long long)p.pages_migrated);
	return 0;
}

static void step(int n, const char *what)
{
	printf("\n[%d] %s\n", n, what);
}

static void expect(bool ok, const char *what)
{
	printf("  check: %s: %s\n", what, ok ? "ok" : "FAILED");
	if (!ok)
		failed = true;
}

/* The first word of @buf (of @n) that is not @value, or @n. */
static size_t first_bad(const __u32 *buf, size_t n, __u32 value)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (buf[i] != value)
			break;
	return i;
}

static __u32 pattern(size_t i)
{
	return 0x9e3779b9u * (__u32)(i + 1);
}

int main(int argc, char **argv)
{
	const char *path = NULL;
	size_t size = 1 << 20, words, npages, i, half;
	struct drm_vsvm_query q = { 0 };
	struct drm_vsvm_vm_create vc = { 0 };
	struct drm_vsvm_vm_destroy vd = { 0 };
	struct drm_vsvm_exec e;
	__u32 *big_buf;
	size_t big_size;
	char *big;
	long page = sysconf(_SC_PAGESIZE);
	__u32 *buf, *tmp;
	char node[PATH_MAX];
	char *raw;
	int opt, err;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((opt = getopt(argc, argv, "d:s:")) != -1) {
		switch (opt) {
		case 'd':
			path = optarg;
			break;
		case 's':
			size = strtoul(optarg, NULL, 0) << 10;
			break;
		default:
			fprintf(stderr, "usage: %s [-d /dev/dri/renderDN] [-s KiB]\n",
				argv[0]);
			return 2;
		}
	}
	size = (size + page - 1) & ~(size_t)(page - 1);
	if (!size)
		size = page;
	npages = size / page;
	words = size / sizeof(__u32);

	fd = open_node(path, node, sizeof(node));
	if (fd < 0) {
		printf("vsvm_demo: no vsvm render node: %s\n", strerror(errno));
		return 1;
	}
	find_debugfs(node);
	q.query = DRM_VSVM_QUERY_DEVICE;
	q.size = sizeof(dev);
	q.data = (unsigned long)&dev;
	err = vsvm_ioctl(DRM_IOCTL_VSVM_QUERY, &q);
	if (err) {
		printf("vsvm_demo: QUERY: %s\n", strerror(-err));
		return 1;
	}
	printf("== vsvm demo on %s: device %u, %s VRAM of %llu MiB (%llu MiB free)\n",
	       node, dev.index,
	       dev.backend == DRM_VSVM_BACKEND_PCI_BAR ? "PCI BAR" : "sysmem",
	       (unsigned long long)dev.vram_size >> 20,
	       (unsigned long long)dev.vram_free >> 20);
	if (debugfs_dir[0])
		printf("   debugfs: %s\n", debugfs_dir);

	err = vsvm_ioctl(DRM_IOCTL_VSVM_VM_CREATE, &vc);
	if (err) {
		printf("vsvm_demo: VM_CREATE: %s\n", strerror(-err));
		return 1;
	}
	vm_id = vc.vm_id;
	printf("   VM %u mirrors this process\n", vm_id);

	/* malloc, then use the page-aligned part of it. */
	raw = malloc(size + page);
	tmp = malloc(size);
	if (!raw || !tmp) {
		printf("vsvm_demo: out of memory\n");
		return 1;
	}
	buf = (__u32 *)(((unsigned long)raw + page - 1) & ~(unsigned long)(page - 1));
	half = words / 2;

	step(1, "malloc: nothing populated yet");
	printf("  buffer: %p, %zu KiB, %zu pages\n", (void *)buf, size >> 10,
	       npages);
	residency(buf, npages);
	print_counters();

	step(2, "the GPU fills the buffer with 0x600dcafe (GPU faults migrate it to VRAM)");
	e = (struct drm_vsvm_exec){ .op = DRM_VSVM_EXEC_FILL, .width = 4,
				    .va = (unsigned long)buf, .size = size,
				    .value = 0x600dcafe };
	if (!exec(&e, "FILL")) {
		expect(residency(buf, npages) > 0, "pages in VRAM");
		print_counters();
	}

	step(3, "the CPU reads the buffer (CPU faults bring it back to system memory)");
	i = first_bad(buf, words, 0x600dcafe);
	if (i < words)
		printf("  word %zu: %#x\n", i, buf[i]);
	expect(i == words, "every word is 0x600dcafe");
	residency(buf, npages);
	print_counters();

	step(4, "the GPU writes a pattern to the first half, then reads the whole buffer back");
	for (i = 0; i < half; i++)
		tmp[i] = pattern(i);
	e = (struct drm_vsvm_exec){ .op = DRM_VSVM_EXEC_WRITE,
				    .va = (unsigned long)buf,
				    .size = half * sizeof(__u32),
				    .ptr = (unsigned long)tmp };
	if (!exec(&e, "WRITE")) {
		memset(tmp, 0, size);
		e = (struct drm_vsvm_exec){ .op = DRM_VSVM_EXEC_READ,
					    .va = (unsigned long)buf,
					    .size = size,
					    .ptr = (unsigned long)tmp };
		if (!exec(&e, "READ")) {
			for (i = 0; i < half; i++)
				if (tmp[i] != pattern(i))
					break;
			expect(i == half &&
			       first_bad(tmp + half, words - half,
					 0x600dcafe) == words - half,
			       "the GPU reads the pattern, then 0x600dcafe");
		}
		residency(buf, npages);
		print_counters();
	}

	step(5, "prefetch the buffer to system memory");
	if (!prefetch(buf, size, DRM_VSVM_LOCATION_SYSTEM, "system")) {
		expect(residency(buf, npages) == 0, "no page in VRAM");
		print_counters();
	}

	step(6, "prefetch the buffer back to VRAM");
	if (!prefetch(buf, size, DRM_VSVM_LOCATION_DEVICE, "VRAM")) {
		expect(residency(buf, npages) == (long)npages,
		       "every page in VRAM");
		print_counters();
	}

	step(7, "the CPU checks the data (faulting it back once more)");
	for (i = 0; i < half; i++)
		if (buf[i] != pattern(i))
			break;
	expect(i == half && first_bad(buf + half, words - half, 0x600dcafe) ==
	       words - half, "pattern, then 0x600dcafe");
	residency(buf, npages);
	print_counters();

	step(8, "back to VRAM, then the GPU fills twice the VRAM: LRU eviction");
	big_size = 2 * dev.vram_size;
	big = malloc(big_size + page);
	if (!big) {
		printf("  out of memory\n");
		failed = true;
	} else if (!prefetch(buf, size, DRM_VSVM_LOCATION_DEVICE, "VRAM")) {
		big_buf = (void *)(((unsigned long)big + page - 1) &
				   ~(unsigned long)(page - 1));
		printf("  second buffer: %p, %llu MiB\n", big_buf,
		       (unsigned long long)big_size >> 20);
		e = (struct drm_vsvm_exec){ .op = DRM_VSVM_EXEC_FILL,
					    .width = 4,
					    .va = (unsigned long)big_buf,
					    .size = big_size,
					    .value = 0xb16b00b5 };
		if (!exec(&e, "FILL of the second buffer")) {
			printf("  first buffer:\n");
			expect(residency(buf, npages) == 0,
			       "the first buffer was evicted to system memory");
			printf("  second buffer:\n");
			expect(residency(big_buf, big_size / page) > 0,
			       "the second buffer is partly in VRAM");
			print_counters();
			for (i = 0; i < half; i++)
				if (buf[i] != pattern(i))
					break;
			expect(i == half &&
			       first_bad(buf + half, words - half,
					 0x600dcafe) == words - half,
			       "the CPU reads the evicted first buffer right");
			expect(first_bad(big_buf, big_size / sizeof(__u32),
					 0xb16b00b5) == big_size / sizeof(__u32),
			       "the CPU reads the second buffer right");
		}
	}
	free(big);

	vd.vm_id = vm_id;
	err = vsvm_ioctl(DRM_IOCTL_VSVM_VM_DESTROY, &vd);
	if (err) {
		printf("vsvm_demo: VM_DESTROY: %s\n", strerror(-err));
		failed = true;
	}
	free(tmp);
	free(raw);
	close(fd);
	printf("\n== vsvm demo: %s\n", failed ? "FAILED" : "all steps ok");
	return failed ? 1 : 0;
}
