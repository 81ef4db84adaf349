// SPDX-License-Identifier: MIT
/*
 * Self-test sample: a fixture that skips or fails inside igt_subtest_group()
 * skips or fails only the rest of its group; groups nest.
 */
#include "igt.h"

int igt_main()
{
	igt_subtest("outer-before")
		igt_info("MARK outer-before\n");

	igt_subtest_group() {
		igt_fixture() {
			igt_require_f(0, "MARK group requirement\n");
		}

		igt_subtest("skipped-in-group")
			igt_info("MARK skipped-in-group\n");
	}

	igt_subtest_group() {
		igt_subtest("inner-pass")
			igt_info("MARK inner-pass\n");

		igt_subtest_group() {
			igt_fixture() {
				igt_assert_f(0, "MARK nested fixture failure\n");
			}

			igt_subtest("failed-in-nested")
				igt_info("MARK failed-in-nested\n");
		}

		igt_subtest("inner-after")
			igt_info("MARK inner-after\n");
	}

	igt_subtest("outer-after")
		igt_info("MARK outer-after\n");
}
