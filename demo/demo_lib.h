/* SPDX-License-Identifier: MIT */
/*
 * Helpers of the vsvm demos: opening devices, running ioctls and printing
 * residency and counters after each step.
 */
#ifndef DEMO_LIB_H
#define DEMO_LIB_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include <drm/vsvm_drm.h>

/**
 * struct demo_dev - one open vsvm device
 * @fd: its render node
 * @node: the node's path
 * @vm_id: the demo's VM on it, 0 before demo_vm_create()
 * @info: its QUERY answer
 * @debugfs_dir: its debugfs directory, empty without debugfs
 */
struct demo_dev {
	int fd;
	char node[64];
	unsigned int vm_id;
	struct drm_vsvm_query_device info;
	char debugfs_dir[PATH_MAX];
};

/* Set by every failed step and check; the demo's exit status. */
extern bool demo_failed;

int demo_ioctl(int fd, unsigned long req, void *arg);
int demo_open(struct demo_dev *d, const char *path);
int demo_open_all(struct demo_dev *devs, int max);
void demo_close(struct demo_dev *d);
void demo_print_device(const struct demo_dev *d);
int demo_vm_create(struct demo_dev *d);
void demo_print_debugfs(const struct demo_dev *d, const char *name,
			const char *const *keys);
long demo_residency(const struct demo_dev *d, const void *va, size_t npages,
		    unsigned int index);
int demo_exec(const struct demo_dev *d, struct drm_vsvm_exec *e,
	      const char *what);
int demo_prefetch(const struct demo_dev *d, const void *va, size_t size,
		  unsigned int location, int pagemap_fd, const char *what);
void demo_step(int n, const char *what);
void demo_expect(bool ok, const char *what);

#endif
