// SPDX-License-Identifier: MIT
/* Self-test sample: igt_fork() and igt_waitchildren(). */
#include <signal.h>
#include <unistd.h>

#include "igt.h"

int igt_main()
{
	igt_subtest("fork-pass") {
		igt_fork(child, 4) {
			igt_assert(child >= 0 && child < 4);
			igt_info("MARK child %d\n", child);
		}
		igt_waitchildren();
		igt_info("MARK parent after wait\n");
	}

	igt_subtest("fork-fail") {
		igt_fork(child, 3)
			igt_assert_neq(child, 1);
		igt_waitchildren();
		igt_info("MARK fork-fail not reached\n");
	}

	igt_subtest("fork-crash") {
		igt_fork(child, 1)
			raise(SIGSEGV);
		igt_waitchildren();
	}

	igt_subtest("fork-skip") {
		igt_fork(child, 1)
			igt_require(child == 5);
		igt_waitchildren();
	}

	igt_subtest("fork-leftover") {
		igt_fork(child, 2)
			sleep(30);
		igt_assert_f(0, "parent fails before waiting\n");
	}

	igt_subtest("fork-kill-on-fail") {
		igt_fork(child, 2) {
			if (child == 0)
				igt_assert_f(0, "child 0 fails\n");
			sleep(30);
		}
		igt_waitchildren();
	}

	igt_subtest("fork-nowait") {
		igt_fork(child, 1)
			;
	}

	igt_subtest("fork-nested") {
		igt_fork(child, 2) {
			igt_fork(grandchild, 2)
				igt_info("MARK grandchild %d of %d\n",
					 grandchild, child);
			igt_waitchildren();
			igt_info("MARK child %d done nested\n", child);
		}
		igt_waitchildren();
	}

	igt_subtest("after-forks")
		igt_info("MARK after-forks\n");

	igt_fixture() {
		igt_fork(child, 2)
			igt_info("MARK fixture child %d\n", child);
		igt_waitchildren();
	}

	igt_subtest("after-fixture-fork")
		igt_info("MARK after-fixture-fork\n");
}
