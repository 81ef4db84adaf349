/* SPDX-License-Identifier: MIT */
/*
 * A small implementation of a subset of the IGT GPU Tools test API, for
 * building the drm-msvm tests without an IGT tree (IGT's headers are not
 * packaged in Debian 12). The same test sources build unchanged inside a
 * real IGT tree (see igt/meson.build).
 *
 * Semantics follow IGT: a failed assertion in a subtest ends that subtest
 * as FAIL and the test continues with the next one; a skip or failure in a
 * fixture skips (or fails) every later subtest; failures in children forked
 * with igt_fork() fail the subtest at igt_waitchildren().
 *
 * Runner conventions: --list-subtests, --run-subtest PATTERN[,PATTERN...]
 * (shell wildcards), "Starting subtest: NAME" and
 * "Subtest NAME: SUCCESS|FAIL|SKIP|CRASH (T.TTTs)" on stdout, exit code 0
 * (something passed, nothing failed), 77 (everything skipped) or 98 (a
 * failure).
 */
#ifndef IGT_H
#define IGT_H

#include <errno.h>
#include <getopt.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IGT_EXIT_SUCCESS	0
#define IGT_EXIT_INVALID	79
#define IGT_EXIT_SKIP		77
#define IGT_EXIT_FAILURE	98
#define IGT_EXIT_ABORT		112

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(arr)		(sizeof(arr) / sizeof((arr)[0]))
#endif

#define __igt_noreturn		__attribute((noreturn))
#define __igt_printf(f, a)	__attribute((format(printf, f, a)))
#define __igt_unused		__attribute((unused))

/* The jump target of the running subtest or fixture. */
extern sigjmp_buf igt_subtest_jmpbuf;

typedef int (*igt_opt_handler_t)(int opt, int opt_index, void *data);
#define IGT_OPT_HANDLER_SUCCESS	0
#define IGT_OPT_HANDLER_ERROR	-2

void __igt_main_init(int argc, char **argv, const char *short_opts,
		     const struct option *long_opts, const char *help_str,
		     igt_opt_handler_t opt_handler, void *handler_data,
		     bool simple);
bool __igt_run_subtest(const char *name, const char *file, int line);
bool __igt_run_subtest_f(const char *file, int line, const char *f, ...)
	__igt_printf(3, 4);
bool __igt_fixture(void);
bool __igt_fixture_end(void);
void __igt_subtest_group_save(int *save, int *desc);
void __igt_subtest_group_restore(int save, int desc);
void __igt_describe(const char *description);
int __igt_fork_all(int num_children);
bool __igt_fork_in_child(void);

void igt_success(void);
__igt_noreturn void igt_fail(int exitcode);
__igt_noreturn void igt_skip(const char *f, ...) __igt_printf(1, 2);
__igt_noreturn void igt_exit(void);
void igt_waitchildren(void);
bool igt_only_list_subtests(void);

void __igt_fail_assert(const char *file, int line, const char *func,
		       const char *assertion, const char *f, ...)
	__igt_printf(5, 6) __igt_noreturn;
void __igt_skip_check(const char *file, int line, const char *func,
		      const char *check, const char *f, ...)
	__igt_printf(5, 6) __igt_noreturn;

enum igt_log_level {
	IGT_LOG_DEBUG,
	IGT_LOG_INFO,
	IGT_LOG_WARN,
	IGT_LOG_CRITICAL,
};

void igt_log(enum igt_log_level level, const char *f, ...) __igt_printf(2, 3);

#define igt_debug(f...)		igt_log(IGT_LOG_DEBUG, f)
#define igt_info(f...)		igt_log(IGT_LOG_INFO, f)
#define igt_warn(f...)		igt_log(IGT_LOG_WARN, f)
#define igt_critical(f...)	igt_log(IGT_LOG_CRITICAL, f)

/**
 * igt_main_args - the main function of a test with subtests and options
 * @short_opts: getopt_long() short options of the test, or NULL
 * @long_opts: its long options (ending with a zeroed entry), or NULL
 * @help_str: their help text for --help, or NULL
 * @opt_handler: called with each of these options, or NULL
 * @handler_data: passed to @opt_handler
 *
 * Function-like, as in IGT master: written "int igt_main_args(...)" and
 * followed by the body. Parses the runner options and the test's own,
 * runs the body, then exits with the result. @opt_handler gets the option
 * (its short letter or long option val), the index of a long option in
 * @long_opts (-1 for a short one) and @handler_data, and returns
 * IGT_OPT_HANDLER_SUCCESS or IGT_OPT_HANDLER_ERROR (a usage error, exit
 * code IGT_EXIT_INVALID).
 */
#define igt_main_args(short_opts, long_opts, help_str, opt_handler, \
		      handler_data) \
	main(int argc, char **argv); \
	static void __igt_main_body(void); \
	int main(int argc, char **argv) \
	{ \
		__igt_main_init(argc, argv, short_opts, long_opts, help_str, \
				opt_handler, handler_data, false); \
		__igt_main_body(); \
		igt_exit(); \
	} \
	static void __igt_main_body(void)

/**
 * igt_main - the main function of a test with subtests
 *
 * Written "int igt_main()" and followed by the body.
 */
#define igt_main() igt_main_args(NULL, NULL, NULL, NULL, NULL)

/**
 * igt_simple_main_args - the main function of a test without subtests
 *
 * Like igt_main_args(). The body is the test: it passes when it returns,
 * a failed assertion fails it (exit code IGT_EXIT_FAILURE), a failed
 * requirement skips it (IGT_EXIT_SKIP). --list-subtests lists nothing.
 */
#define igt_simple_main_args(short_opts, long_opts, help_str, opt_handler, \
			     handler_data) \
	main(int argc, char **argv); \
	static void __igt_main_body(void); \
	int main(int argc, char **argv) \
	{ \
		__igt_main_init(argc, argv, short_opts, long_opts, help_str, \
				opt_handler, handler_data, true); \
		__igt_main_body(); \
		igt_exit(); \
	} \
	static void __igt_main_body(void)

/**
 * igt_simple_main - the main function of a test without subtests
 *
 * Written "int igt_simple_main()" and followed by the body.
 */
#define igt_simple_main() igt_simple_main_args(NULL, NULL, NULL, NULL, NULL)

/**
 * igt_fixture - setup or teardown code shared by the subtests
 *
 * Written "igt_fixture()" and followed by a block. Not run when listing
 * subtests, nor after an earlier fixture (of this group or an enclosing
 * one) skipped or failed. A skip in it skips, and a failure fails, every
 * later subtest of its group.
 */
#define igt_fixture() \
	for (bool __igt_once = __igt_fixture(); \
	     __igt_once && sigsetjmp(igt_subtest_jmpbuf, 1) == 0; \
	     __igt_once = __igt_fixture_end())

/**
 * igt_subtest_group - subtests with their own fixtures
 *
 * Written "igt_subtest_group()" and followed by a block of fixtures and
 * subtests, nested as deep as needed. A fixture that skips or fails
 * inside the group skips or fails only the rest of the group: the
 * subtests after it go on as before the group.
 */
#define igt_subtest_group() \
	for (int __igt_grp = 0, __igt_grp_save = 0, __igt_grp_desc = 0; \
	     __igt_grp < 1 && \
	     (__igt_subtest_group_save(&__igt_grp_save, &__igt_grp_desc), \
	      true); \
	     __igt_grp++, \
	     __igt_subtest_group_restore(__igt_grp_save, __igt_grp_desc))

/**
 * igt_subtest - a subtest named @name, run when selected
 */
#define igt_subtest(name) \
	for (; __igt_run_subtest((name), __FILE__, __LINE__) && \
	     sigsetjmp(igt_subtest_jmpbuf, 1) == 0; \
	     igt_success())

/**
 * igt_subtest_f - a subtest whose name is printf-formatted
 */
#define igt_subtest_f(f...) \
	for (; __igt_run_subtest_f(__FILE__, __LINE__, f) && \
	     sigsetjmp(igt_subtest_jmpbuf, 1) == 0; \
	     igt_success())

/**
 * igt_describe - describe the next subtest (printed by --describe)
 */
#define igt_describe(dsc) __igt_describe(dsc)

/**
 * igt_fork - run the block in @num_children forked children
 *
 * @child is the child's number, 0 to @num_children - 1. A failed assertion
 * in a child ends that child; igt_waitchildren() then fails the subtest.
 * All children are forked before any of them runs the block.
 */
#define igt_fork(child, num_children) \
	for (int child __igt_unused = __igt_fork_all(num_children); \
	     __igt_fork_in_child(); exit(0))

#define igt_assert(expr) \
	do { \
		if (!(expr)) \
			__igt_fail_assert(__FILE__, __LINE__, __func__, \
					  #expr, NULL); \
	} while (0)

#define igt_assert_f(expr, f...) \
	do { \
		if (!(expr)) \
			__igt_fail_assert(__FILE__, __LINE__, __func__, \
					  #expr, f); \
	} while (0)

/* @msg: the format of the two values, e.g. "error: %d != %d\n" */
#define __igt_assert_cmp(type, n1, cmp, n2, msg) \
	do { \
		type __igt_n1 = (n1), __igt_n2 = (n2); \
		if (!(__igt_n1 cmp __igt_n2)) \
			__igt_fail_assert(__FILE__, __LINE__, __func__, \
					  #n1 " " #cmp " " #n2, msg, \
					  __igt_n1, __igt_n2); \
	} while (0)

#define igt_assert_cmpint(n1, cmp, ncmp, n2) \
	__igt_assert_cmp(int, n1, cmp, n2, "error: %d " #ncmp " %d\n")
#define igt_assert_cmpuint(n1, cmp, ncmp, n2) \
	__igt_assert_cmp(unsigned int, n1, cmp, n2, \
			 "error: %#x " #ncmp " %#x\n")
#define igt_assert_cmps64(n1, cmp, ncmp, n2) \
	__igt_assert_cmp(long long, n1, cmp, n2, \
			 "error: %lld " #ncmp " %lld\n")
#define igt_assert_cmpu64(n1, cmp, ncmp, n2) \
	__igt_assert_cmp(unsigned long long, n1, cmp, n2, \
			 "error: %#llx " #ncmp " %#llx\n")

#define igt_assert_eq(n1, n2)		igt_assert_cmpint(n1, ==, !=, n2)
#define igt_assert_neq(n1, n2)		igt_assert_cmpint(n1, !=, ==, n2)
#define igt_assert_lt(n1, n2)		igt_assert_cmpint(n1, <, >=, n2)
#define igt_assert_lte(n1, n2)		igt_assert_cmpint(n1, <=, >, n2)
#define igt_assert_eq_u32(n1, n2)	igt_assert_cmpuint(n1, ==, !=, n2)
#define igt_assert_neq_u32(n1, n2)	igt_assert_cmpuint(n1, !=, ==, n2)
#define igt_assert_lt_u32(n1, n2)	igt_assert_cmpuint(n1, <, >=, n2)
#define igt_assert_lte_u32(n1, n2)	igt_assert_cmpuint(n1, <=, >, n2)
#define igt_assert_eq_s64(n1, n2)	igt_assert_cmps64(n1, ==, !=, n2)
#define igt_assert_neq_s64(n1, n2)	igt_assert_cmps64(n1, !=, ==, n2)
#define igt_assert_lt_s64(n1, n2)	igt_assert_cmps64(n1, <, >=, n2)
#define igt_assert_lte_s64(n1, n2)	igt_assert_cmps64(n1, <=, >, n2)
#define igt_assert_eq_u64(n1, n2)	igt_assert_cmpu64(n1, ==, !=, n2)
#define igt_assert_neq_u64(n1, n2)	igt_assert_cmpu64(n1, !=, ==, n2)
#define igt_assert_lt_u64(n1, n2)	igt_assert_cmpu64(n1, <, >=, n2)
#define igt_assert_lte_u64(n1, n2)	igt_assert_cmpu64(n1, <=, >, n2)

#define igt_require(expr) \
	do { \
		if (!(expr)) \
			__igt_skip_check(__FILE__, __LINE__, __func__, \
					 #expr, NULL); \
	} while (0)

#define igt_require_f(expr, f...) \
	do { \
		if (!(expr)) \
			__igt_skip_check(__FILE__, __LINE__, __func__, \
					 #expr, f); \
	} while (0)

#define igt_skip_on(expr) \
	do { \
		if ((expr)) \
			__igt_skip_check(__FILE__, __LINE__, __func__, \
					 "!(" #expr ")", NULL); \
	} while (0)

#endif /* IGT_H */
