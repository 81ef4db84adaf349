// SPDX-License-Identifier: MIT
/* Self-test sample: a skip in a fixture skips every later subtest. */
#include "igt.h"

int igt_main()
{
	igt_fixture() {
		igt_info("MARK fixture-1\n");
	}

	igt_subtest("before")
		igt_info("MARK before\n");

	igt_fixture() {
		igt_require_f(0, "MARK fixture requirement\n");
		igt_info("MARK fixture-2 after require\n");
	}

	igt_subtest("after-1")
		igt_info("MARK after-1\n");

	igt_fixture() {
		igt_info("MARK fixture-3\n");
	}

	igt_subtest("after-2")
		igt_info("MARK after-2\n");
}
