/* SPDX-License-Identifier: MIT */
/*
 * The seed and the time budget of the randomised tests (the fuzzer, the
 * torture, the fault-injection runs), and their pseudo-random numbers.
 *
 * The rig hands every test the same seed (VSVM_SEED, printed by the rig and
 * by each test) and, under `make stress`, a time in seconds
 * (VSVM_STRESS_SECONDS); under `make check` that is 0 and each test runs
 * its own bounded slice. A failure replays with the printed seed.
 */
#ifndef VSVM_STRESS_H
#define VSVM_STRESS_H

#include <stdbool.h>
#include <linux/types.h>
#include <time.h>

/**
 * struct vsvm_stress - the seed and time budget of one randomised test
 * @seed: the seed of the run
 * @seconds: how long the test runs
 * @end: CLOCK_MONOTONIC time at which vsvm_stress_running() turns false
 */
struct vsvm_stress {
	__u64 seed;
	unsigned int seconds;
	struct timespec end;
};

void vsvm_stress_init(struct vsvm_stress *st, const char *name,
		      unsigned int slice_seconds);
bool vsvm_stress_running(const struct vsvm_stress *st);
__u64 vsvm_stress_subseed(const struct vsvm_stress *st, __u64 stream);
__u64 vsvm_rand(__u64 *state);
__u64 vsvm_rand_below(__u64 *state, __u64 n);

#endif
