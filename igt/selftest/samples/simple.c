// SPDX-License-Identifier: MIT
/*
 * Self-test sample: a test without subtests. SAMPLE_SIMPLE=skip makes it
 * skip, =fail fail, anything else pass.
 */
#include "igt.h"

int igt_simple_main()
{
	const char *mode = getenv("SAMPLE_SIMPLE");

	igt_info("MARK simple start\n");
	igt_require_f(!mode || strcmp(mode, "skip"), "MARK simple skip\n");
	igt_assert_f(!mode || strcmp(mode, "fail"), "MARK simple fail\n");
	igt_info("MARK simple end\n");
}
