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

#include "demo_lib.h"

static struct demo_dev dev;

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

	demo_print_debugfs(&dev, "counters", counters_keys);
	demo_print_debugfs(&dev, "pagemap", pagemap_keys);
	demo_print_debugfs(&dev, "vram", vram_keys);
}

/* Print where the pages are; return how many are in the device's VRAM. */
static long where(const void *va, size_t npages)
{
	return demo_residency(&dev, va, npages, dev.info.index);
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
	struct drm_vsvm_exec e;
	__u32 *big_buf;
	size_t big_size;
	char *big;
	long page = sysconf(_SC_PAGESIZE);
	__u32 *buf, *tmp;
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

	err = path ? demo_open(&dev, path) :
		     (demo_open_all(&dev, 1) == 1 ? 0 : -ENODEV);
	if (err) {
		printf("vsvm_demo: no vsvm render node: %s\n", strerror(-err));
		return 1;
	}
	printf("== vsvm demo\n");
	demo_print_device(&dev);
	if (demo_vm_create(&dev))
		return 1;
	printf("   VM %u mirrors this process\n", dev.vm_id);

	/* malloc, then use the page-aligned part of it. */
	raw = malloc(size + page);
	tmp = malloc(size);
	if (!raw || !tmp) {
		printf("vsvm_demo: out of memory\n");
		return 1;
	}
	buf = (__u32 *)(((unsigned long)raw + page - 1) & ~(unsigned long)(page - 1));
	half = words / 2;

	demo_step(1, "malloc: nothing populated yet");
	printf("  buffer: %p, %zu KiB, %zu pages\n", (void *)buf, size >> 10,
	       npages);
	where(buf, npages);
	print_counters();

	demo_step(2, "the GPU fills the buffer with 0x600dcafe (GPU faults migrate it to VRAM)");
	e = (struct drm_vsvm_exec){ .op = DRM_VSVM_EXEC_FILL, .width = 4,
				    .va = (unsigned long)buf, .size = size,
				    .value = 0x600dcafe };
	if (!demo_exec(&dev, &e, "FILL")) {
		demo_expect(where(buf, npages) > 0, "pages in VRAM");
		print_counters();
	}

	demo_step(3, "the CPU reads the buffer (CPU faults bring it back to system memory)");
	i = first_bad(buf, words, 0x600dcafe);
	if (i < words)
		printf("  word %zu: %#x\n", i, buf[i]);
	demo_expect(i == words, "every word is 0x600dcafe");
	where(buf, npages);
	print_counters();

	demo_step(4, "the GPU writes a pattern to the first half, then reads it all back");
	for (i = 0; i < half; i++)
		tmp[i] = pattern(i);
	e = (struct drm_vsvm_exec){ .op = DRM_VSVM_EXEC_WRITE,
				    .va = (unsigned long)buf,
				    .size = half * sizeof(__u32),
				    .ptr = (unsigned long)tmp };
	if (!demo_exec(&dev, &e, "WRITE")) {
		memset(tmp, 0, size);
		e = (struct drm_vsvm_exec){ .op = DRM_VSVM_EXEC_READ,
					    .va = (unsigned long)buf,
					    .size = size,
					    .ptr = (unsigned long)tmp };
		if (!demo_exec(&dev, &e, "READ")) {
			for (i = 0; i < half; i++)
				if (tmp[i] != pattern(i))
					break;
			demo_expect(i == half &&
				    first_bad(tmp + half, words - half,
					      0x600dcafe) == words - half,
				    "the GPU reads the pattern, then 0x600dcafe");
		}
		where(buf, npages);
		print_counters();
	}

	demo_step(5, "prefetch the buffer to system memory");
	if (!demo_prefetch(&dev, buf, size, DRM_VSVM_LOCATION_SYSTEM, 0, "system")) {
		demo_expect(where(buf, npages) == 0, "no page in VRAM");
		print_counters();
	}

	demo_step(6, "prefetch the buffer back to VRAM");
	if (!demo_prefetch(&dev, buf, size, DRM_VSVM_LOCATION_DEVICE, 0, "VRAM")) {
		demo_expect(where(buf, npages) == (long)npages,
			    "every page in VRAM");
		print_counters();
	}

	demo_step(7, "the CPU checks the data (faulting it back once more)");
	for (i = 0; i < half; i++)
		if (buf[i] != pattern(i))
			break;
	demo_expect(i == half && first_bad(buf + half, words - half, 0x600dcafe) ==
		    words - half, "pattern, then 0x600dcafe");
	where(buf, npages);
	print_counters();

	demo_step(8, "back to VRAM, then the GPU fills twice the VRAM: LRU eviction");
	big_size = 2 * dev.info.vram_size;
	big = malloc(big_size + page);
	if (!big) {
		printf("  out of memory\n");
		demo_failed = true;
	} else if (!demo_prefetch(&dev, buf, size, DRM_VSVM_LOCATION_DEVICE, 0, "VRAM")) {
		big_buf = (void *)(((unsigned long)big + page - 1) &
				   ~(unsigned long)(page - 1));
		printf("  second buffer: %p, %llu MiB\n", big_buf,
		       (unsigned long long)big_size >> 20);
		e = (struct drm_vsvm_exec){ .op = DRM_VSVM_EXEC_FILL,
					    .width = 4,
					    .va = (unsigned long)big_buf,
					    .size = big_size,
					    .value = 0xb16b00b5 };
		if (!demo_exec(&dev, &e, "FILL of the second buffer")) {
			printf("  first buffer:\n");
			demo_expect(where(buf, npages) == 0,
				    "the first buffer was evicted to system memory");
			printf("  second buffer:\n");
			demo_expect(where(big_buf, big_size / page) > 0,
				    "the second buffer is partly in VRAM");
			print_counters();
			for (i = 0; i < half; i++)
				if (buf[i] != pattern(i))
					break;
			demo_expect(i == half &&
				    first_bad(buf + half, words - half,
					      0x600dcafe) == words - half,
				    "the CPU reads the evicted first buffer right");
			demo_expect(first_bad(big_buf, big_size / sizeof(__u32),
					      0xb16b00b5) ==
				    big_size / sizeof(__u32),
				    "the CPU reads the second buffer right");
		}
	}
	free(big);

	demo_close(&dev);
	free(tmp);
	free(raw);
	printf("\n== vsvm demo: %s\n", demo_failed ? "FAILED" : "all steps ok");
	return demo_failed ? 1 : 0;
}
