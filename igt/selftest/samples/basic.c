// SPDX-License-Identifier: MIT
/*
 * Self-test sample: passing, failing, skipping and crashing subtests, the
 * assertion variants and formatted subtest names.
 */
#include <signal.h>
#include <stdlib.h>

#include "igt.h"

static int counter;

int igt_main()
{
	igt_fixture() {
		igt_info("MARK fixture-1\n");
	}

	igt_describe("A subtest that passes.");
	igt_subtest("pass-a") {
		igt_assert(1);
		igt_assert_eq(2, 2);
		igt_info("MARK pass-a end\n");
	}

	igt_subtest("fail-eq") {
		igt_assert_eq(1, 2);
		igt_info("MARK after failed assert\n");
	}

	igt_subtest("fail-errno") {
		errno = EINVAL;
		igt_assert(counter == 1234);
	}

	igt_subtest("fail-f")
		igt_assert_f(counter == 99, "custom message %d\nsecond line\n", 42);

	igt_subtest("fail-u32")
		igt_assert_eq_u32(0x10, 0x20);

	igt_subtest("fail-u64")
		igt_assert_eq_u64(1ull << 40, 1);

	igt_subtest("fail-s64")
		igt_assert_eq_s64(-5, 5);

	igt_subtest("fail-neq")
		igt_assert_neq(3, 3);

	igt_subtest("fail-lt")
		igt_assert_lt(3, 3);

	igt_subtest("fail-lte")
		igt_assert_lte(4, 3);

	igt_subtest("fail-lte-u64")
		igt_assert_lte_u64(5, 4);

	igt_subtest("fail-explicit")
		igt_fail(IGT_EXIT_FAILURE);

	igt_describe("Every comparison that holds, each argument evaluated once.");
	igt_subtest("pass-cmp") {
		counter = 0;
		igt_assert_eq(counter++, 0);
		igt_assert_eq(counter, 1);
		igt_assert_neq(1, 2);
		igt_assert_lt(1, 2);
		igt_assert_lte(2, 2);
		igt_assert_eq_u32(0xffffffffu, 0xffffffffu);
		igt_assert_neq_u32(1, 2);
		igt_assert_lt_u32(1, 0xffffffffu);
		igt_assert_lte_u32(3, 3);
		igt_assert_eq_u64(1ull << 63, 1ull << 63);
		igt_assert_neq_u64(1, 2);
		igt_assert_lt_u64(1, 1ull << 63);
		igt_assert_lte_u64(7, 7);
		igt_assert_eq_s64(-1, -1);
		igt_assert_neq_s64(-1, 1);
		igt_assert_lt_s64(-2, -1);
		igt_assert_lte_s64(-2, -2);
		igt_assert_f(counter == 1, "never printed\n");
		igt_require(1);
		igt_require_f(1, "never printed\n");
		igt_skip_on(0);
		igt_debug("MARK debug message\n");
		igt_warn("MARK warning message\n");
		igt_info("MARK pass-cmp end\n");
	}

	igt_subtest("skip-require") {
		igt_require(counter == 1234);
		igt_info("MARK after failed require\n");
	}

	igt_subtest("skip-require-f")
		igt_require_f(counter == 1234, "because of %s\n", "reasons");

	igt_subtest("skip-explicit")
		igt_skip("skipping with %d\n", 7);

	igt_subtest_f("formatted-%d-%s", 7, "x")
		igt_info("MARK formatted\n");

	for (int i = 0; i < 3; i++)
		igt_subtest_f("loop-%d", i)
			igt_assert_lt(i, 2);

	igt_subtest("crash-segv")
		raise(SIGSEGV);

	igt_subtest("crash-abort")
		abort();

	igt_subtest("pass-last")
		igt_info("MARK pass-last\n");

	igt_fixture() {
		igt_info("MARK fixture-2\n");
	}
}
