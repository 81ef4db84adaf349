/* SPDX-License-Identifier: MIT */
/*
 * The drm-msvm benchmark's core: the data paths of vsvm and of the kernel's
 * test_hmm, one sample of a path run in a forked child and checked.
 * Shared by the benchmark program (vsvm_bench.c) and its igt slice
 * (igt/tests/vsvm_bench.c). Built without BENCH_TEST_HMM, the test_hmm
 * side is left out (the igt build has no kernel source).
 */
#ifndef BENCH_H
#define BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* The implementations a path can be run on. */
enum bench_impl {
	BENCH_VSVM = 0,
	BENCH_HMM = 1,
	BENCH_CPU = 2,
	BENCH_IMPLS
};

/* What a path measures. */
enum bench_kind {
	/* one copy of size bytes per sample: a throughput */
	BENCH_THROUGHPUT,
	/* many single faults of size bytes per sample: latencies */
	BENCH_LATENCY,
};

/* The most devices the read-replica paths use. */
#define BENCH_GROUP_MAX		4

/* The most timings one sample returns (latency paths). */
#define BENCH_MAX_TIMES		256

/**
 * struct bench_env - the devices the benchmark runs on
 * @minor: render node minor of device A (the device of single-device
 *	paths) and B (a P2P peer of A, or -1)
 * @index: the vsvm device index of A and B
 * @hmm_path: test_hmm's device node, "" without test_hmm
 * @thp: 1 to madvise(MADV_HUGEPAGE) every buffer, -1 for MADV_NOHUGEPAGE,
 *	0 to leave the system's default
 * @lat_samples: single faults per latency sample
 * @group_minor: the render node minors of the largest group of devices
 *	linked to each other (P2P or a fabric: one owner group), at most
 *	%BENCH_GROUP_MAX, for the read-replica paths
 * @group_index: their vsvm device indices
 * @ngroup: the number of devices of the group
 */
struct bench_env {
	int minor[2];
	unsigned int index[2];
	int group_minor[BENCH_GROUP_MAX];
	unsigned int group_index[BENCH_GROUP_MAX];
	unsigned int ngroup;
	char hmm_path[64];
	int thp;
	unsigned int lat_samples;
	unsigned int link_mib_per_s;
};

/**
 * struct bench_out - what one sample's child returns
 * @n: the number of timings in @secs
 * @secs: the timings, in seconds
 * @gpu_faults: GPU faults of the sample's vsvm EXECs so far
 * @timed_faults: @gpu_faults when the last timing was recorded: the GPU
 *	faults of the timed work (of all timed faults, for latency paths)
 * @err: empty, or why the sample failed (a wrong answer among them)
 */
struct bench_out {
	unsigned int n;
	double secs[BENCH_MAX_TIMES];
	unsigned long long gpu_faults;
	unsigned long long timed_faults;
	char err[256];
};

typedef int (*bench_fn)(const struct bench_env *env, size_t size,
			struct bench_out *out);

/**
 * struct bench_path - one data path
 * @name: short name, used in the CSV, JSON and igt subtest names
 * @desc: what is measured
 * @kind: an &enum bench_kind
 * @p2p: needs device B
 * @fn: per &enum bench_impl, NULL where the implementation has no such
 *	path
 * @hmm_desc: the test_hmm path it is compared with
 */
struct bench_path {
	const char *name;
	const char *desc;
	enum bench_kind kind;
	bool p2p;
	bench_fn fn[BENCH_IMPLS];
	const char *hmm_desc;
};

extern const struct bench_path bench_paths[];
extern const unsigned int bench_num_paths;
extern const char *const bench_impl_names[BENCH_IMPLS];

int bench_env_init(struct bench_env *env, bool want_hmm, char *err,
		   size_t len);
int bench_sample(const struct bench_env *env, const struct bench_path *path,
		 enum bench_impl impl, size_t size, struct bench_out *out);

/* bench_policy.c: the migration policy's workloads, policy off vs on. */
int bench_policy_run(const struct bench_env *env,
		     bool (*selected)(const char *name), size_t size,
		     unsigned int turns, unsigned int reps, FILE *csv,
		     bool keep_cost);

#endif
