// SPDX-License-Identifier: MIT
/* Self-test sample: every subtest skips. */
#include "igt.h"

int igt_main()
{
	igt_fixture() {
		igt_require_f(0, "no hardware\n");
	}

	igt_subtest("a")
		igt_info("MARK a\n");

	igt_subtest("b")
		igt_info("MARK b\n");
}
