// SPDX-License-Identifier: MIT
/*
 * Seed, time budget and pseudo-random numbers of the randomised tests.
 */
#include <stdio.h>
#include <stdlib.h>

#include "igt.h"
#include "vsvm_stress.h"

static __u64 vsvm_stress_env(const char *name, __u64 dflt)
{
	const char *s = getenv(name);
	char *end;
	unsigned long long v;

	if (!s || !*s)
		return dflt;
	v = strtoull(s, &end, 0);
	return *end ? dflt : v;
}

/**
 * vsvm_stress_init() - read the seed and the time budget of a test
 * @st: filled in
 * @name: the test's name, for the log line
 * @slice_seconds: how long the test runs under `make check`
 *
 * The seed comes from VSVM_SEED (else from the clock); the time from
 * VSVM_STRESS_SECONDS when it is not 0, else @slice_seconds. Prints both,
 * with the command that replays the run.
 */
void vsvm_stress_init(struct vsvm_stress *st, const char *name,
		      unsigned int slice_seconds)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	st->seed = vsvm_stress_env("VSVM_SEED",
				   (__u64)now.tv_sec * 1000000007ull +
				   (__u64)now.tv_nsec);
	st->seconds = vsvm_stress_env("VSVM_STRESS_SECONDS", 0);
	if (!st->seconds)
		st->seconds = slice_seconds;
	st->end = now;
	st->end.tv_sec += st->seconds;
	igt_info("%s: seed %llu, %u s (replay: make test ONLY=%s SEED=%llu)\n",
		 name, (unsigned long long)st->seed, st->seconds, name,
		 (unsigned long long)st->seed);
}

/**
 * vsvm_stress_running() - whether the test's time is not up yet
 * @st: the test
 *
 * Return: true until @st->seconds have passed since vsvm_stress_init().
 */
bool vsvm_stress_running(const struct vsvm_stress *st)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec < st->end.tv_sec ||
	       (now.tv_sec == st->end.tv_sec && now.tv_nsec < st->end.tv_nsec);
}

/**
 * vsvm_stress_subseed() - the seed of one stream of a test
 * @st: the test
 * @stream: a number naming the stream (a thread, a child, a subtest)
 *
 * Return: a seed that depends only on @st->seed and @stream.
 */
__u64 vsvm_stress_subseed(const struct vsvm_stress *st, __u64 stream)
{
	__u64 state = st->seed ^ (stream * 0x9e3779b97f4a7c15ull);

	return vsvm_rand(&state);
}

/**
 * vsvm_rand() - the next pseudo-random number of a stream (splitmix64)
 * @state: the stream's state, advanced
 *
 * Return: 64 pseudo-random bits.
 */
__u64 vsvm_rand(__u64 *state)
{
	__u64 z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/**
 * vsvm_rand_below() - a pseudo-random number below a bound
 * @state: the stream's state, advanced
 * @n: the bound, not 0
 *
 * Return: a number in [0, @n).
 */
__u64 vsvm_rand_below(__u64 *state, __u64 n)
{
	return vsvm_rand(state) % n;
}
