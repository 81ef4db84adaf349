/* SPDX-License-Identifier: MIT */
/*
 * Helpers of the vsvm igt tests that run GPU work: VMs, EXEC wrappers and
 * the per-device debugfs counters.
 */
#ifndef VSVM_EXEC_LIB_H
#define VSVM_EXEC_LIB_H

#include <stddef.h>
#include <stdint.h>

#include <drm/vsvm_drm.h>

int vsvm_vm_create(int fd, __u32 *vm_id);
int vsvm_vm_destroy(int fd, __u32 vm_id);

int vsvm_exec(int fd, struct drm_vsvm_exec *arg);
int vsvm_exec_read(int fd, __u32 vm_id, const void *va, size_t size,
		   void *buf, struct drm_vsvm_exec *out);
int vsvm_exec_write(int fd, __u32 vm_id, void *va, size_t size,
		    const void *buf, struct drm_vsvm_exec *out);
int vsvm_exec_fill(int fd, __u32 vm_id, void *va, size_t size,
		   __u32 width, __u64 value, struct drm_vsvm_exec *out);
int vsvm_exec_copy(int fd, __u32 vm_id, void *dst, const void *src,
		   size_t size, struct drm_vsvm_exec *out);
int vsvm_exec_atomic_inc(int fd, __u32 vm_id, void *va, size_t size,
			 __u32 width, __u64 value,
			 struct drm_vsvm_exec *out);

int vsvm_debugfs_path(int minor, const char *file, char *path, size_t len);
int vsvm_debugfs_field(int minor, const char *file, const char *key,
		       char *val, size_t len);
int vsvm_counter(int minor, const char *name, __u64 *value);

/* Data and placement checks; they assert. */
void vsvm_fill_pattern(void *buf, size_t size, __u32 seed);
void vsvm_check_pattern(const void *buf, size_t size, __u32 seed,
			const char *what);
void vsvm_expect_residency(int fd, __u32 vm_id, const void *buf,
			   size_t npages, __u32 want, const char *what);

#endif
