/* SPDX-License-Identifier: MIT */
/*
 * Workloads of the migration-policy tests, written so that a benchmark can
 * run them too: processors (GPUs through a VM, or the CPU) taking turns
 * writing then reading one buffer, with the data checked and the bytes
 * every vsvm VRAM moved counted from debugfs.
 */
#ifndef VSVM_WORKLOAD_H
#define VSVM_WORKLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/types.h>

/**
 * struct vsvm_actor - one processor of a workload
 * @fd: the render node of a GPU, or -1 for the CPU
 * @vm: the GPU's VM (ignored for the CPU)
 * @evict: a GPU's turns after the first start by evicting the buffer to
 *	system memory (PREFETCH), so that each migrates it back
 */
struct vsvm_actor {
	int fd;
	__u32 vm;
	bool evict;
};

/**
 * struct vsvm_workload_result - what a workload cost
 * @bytes_moved: bytes migrated into or out of any vsvm VRAM meanwhile
 *	(vsvm_vram_bytes_moved() after minus before)
 * @ns: the elapsed time (CLOCK_MONOTONIC)
 * @bad_words: 64-bit words read back different from what was written
 * @errors: failed EXEC calls
 */
struct vsvm_workload_result {
	__u64 bytes_moved;
	__u64 ns;
	__u64 bad_words;
	__u64 errors;
};

__u64 vsvm_vram_bytes_moved(void);
int vsvm_workload_alternate(const struct vsvm_actor *actors, int nactors,
			    void *buf, size_t size, unsigned int iters,
			    struct vsvm_workload_result *res);
int vsvm_module_param_get(const char *module, const char *name, __u64 *value);
int vsvm_module_param_set(const char *module, const char *name, __u64 value);
int vsvm_policy_param_get(const char *name, __u64 *value);
int vsvm_policy_param_set(const char *name, __u64 value);
int vsvm_policy_counters(int pid, const char *name, __u64 *value);

#endif
