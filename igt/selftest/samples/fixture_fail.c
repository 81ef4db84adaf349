// SPDX-License-Identifier: MIT
/* Self-test sample: a failure in a fixture fails every later subtest. */
#include "igt.h"

int igt_main()
{
	igt_subtest("ok")
		igt_info("MARK ok\n");

	igt_fixture() {
		igt_assert_eq(1, 0);
		igt_info("MARK fixture after assert\n");
	}

	igt_subtest("x")
		igt_info("MARK x\n");

	igt_subtest("y")
		igt_info("MARK y\n");
}
