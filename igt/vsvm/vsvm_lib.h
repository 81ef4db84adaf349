/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the vsvm igt tests: finding and opening the vsvm
 * render nodes. Built with the tests both by igt/Makefile and inside an IGT
 * tree (igt/meson.build).
 */
#ifndef VSVM_LIB_H
#define VSVM_LIB_H

#include <stdbool.h>
#include <linux/types.h>

/**
 * struct vsvm_node - an open vsvm render node
 * @fd: the open file descriptor (O_RDWR | O_CLOEXEC)
 * @minor: N of /dev/dri/renderDN
 */
struct vsvm_node {
	int fd;
	int minor;
};

bool vsvm_fd_is_vsvm(int fd);
/* The ioctl of every helper: 0 or -errno; once: no EINTR/EAGAIN retry. */
int vsvm_call(int fd, unsigned long req, void *arg);
void vsvm_call_set_once(bool once);
int vsvm_count_fds(void);
int vsvm_open_minor(int minor);
int vsvm_vms_file_count(const char *path);
int vsvm_open_nodes(struct vsvm_node *nodes, int max);

/* RESIDENCY, MADVISE, QUERY_RANGE_ATTRS, PREFETCH: 0 or -errno. */
int vsvm_residency(int fd, __u32 vm_id, __u64 start, __u64 npages,
		   __u32 *locations);
int vsvm_replicas(int fd, __u32 vm_id, __u64 start, __u64 npages,
		  __u32 *masks);
int vsvm_madvise(int fd, __u32 vm_id, __u32 type, __u64 start,
		 __u64 range, __u32 value, __s32 pagemap_fd);
int vsvm_query_range_attrs(int fd, __u32 vm_id, __u64 start,
			   __u64 range, void *attrs, __u32 *num_attrs);
int vsvm_prefetch(int fd, __u32 vm_id, __u32 location, __u64 start,
		  __u64 range, __s32 pagemap_fd, __u64 *pages_migrated);

struct drm_vsvm_query_device;
/* QUERY_DEVICE and QUERY_PEERS; they assert success. */
void vsvm_device_info(int fd, struct drm_vsvm_query_device *info);
__u32 vsvm_device_index(int fd);
__u32 vsvm_link_to(int fd, __u32 index);

#endif
