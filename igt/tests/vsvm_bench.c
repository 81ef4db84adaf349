// SPDX-License-Identifier: MIT
/*
 * vsvm_bench: the benchmark's slice of make check. Every vsvm data path
 * of the benchmark (bench/bench_core.c, the code make bench runs) once, at
 * a small size, in the debug rig: one subtest per path, each sample run in
 * its own child, which checks the data and the placement of every page.
 * There is no test_hmm in the test rig and no timing is asserted: a
 * subtest fails only on a failed call, a wrong byte or a page in the
 * wrong place.
 *
 * Throughput paths move 2 MiB; the latency paths run VSVM_BENCH_LAT
 * (default 2) single faults of 4 KiB, 64 KiB and 2 MiB each.
 */
#include <stdio.h>
#include <stdlib.h>

#include "igt.h"
#include "bench.h"

#define SMOKE_SIZE	(2ul << 20)

static const size_t lat_sizes[] = { 4096, 65536, 2ul << 20 };

static void run_path(const struct bench_env *env, const struct bench_path *p,
		     size_t size)
{
	enum bench_impl impl = p->fn[BENCH_VSVM] ? BENCH_VSVM : BENCH_CPU;
	struct bench_out *out = calloc(1, sizeof(*out));
	unsigned int i;

	igt_assert(out);
	igt_assert_f(!bench_sample(env, p, impl, size, out),
		     "%s, %zu bytes: %s\n", p->name, size, out->err);
	igt_assert_f(out->n == (p->kind == BENCH_LATENCY ?
				env->lat_samples : 1),
		     "%s: %u timings\n", p->name, out->n);
	for (i = 0; i < out->n; i++)
		igt_assert_f(out->secs[i] > 0, "%s: timing %u is %g s\n",
			     p->name, i, out->secs[i]);
	igt_info("%s, %zu KiB: %.0f us%s\n", p->name, size >> 10,
		 out->secs[0] * 1e6, out->n > 1 ? " (first)" : "");
	free(out);
}

int igt_main()
{
	struct bench_env env = { .lat_samples = 2 };
	unsigned int i;

	igt_fixture() {
		const char *lat = getenv("VSVM_BENCH_LAT");
		char err[256];

		if (lat)
			env.lat_samples = strtoul(lat, NULL, 10);
		igt_assert(env.lat_samples > 0 &&
			   env.lat_samples <= BENCH_MAX_TIMES);
		igt_require_f(!bench_env_init(&env, false, err, sizeof(err)),
			      "%s\n", err);
	}

	for (i = 0; i < bench_num_paths; i++) {
		const struct bench_path *p = &bench_paths[i];

		if (!p->fn[BENCH_VSVM] && !p->fn[BENCH_CPU])
			continue;
		igt_subtest_f("%s", p->name) {
			unsigned int s;

			igt_require_f(!p->p2p || env.minor[1] >= 0,
				      "no two vsvm devices with a P2P link\n");
			if (p->kind == BENCH_THROUGHPUT)
				run_path(&env, p, SMOKE_SIZE);
			else
				for (s = 0; s < ARRAY_SIZE(lat_sizes); s++)
					run_path(&env, p, lat_sizes[s]);
		}
	}
}
