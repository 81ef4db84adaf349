/* SPDX-License-Identifier: MIT */
/*
 * The IGT core API as igt-gpu-tools master defines it, for a compile-only
 * check that the drm-msvm igt sources build unchanged in a current IGT
 * tree (make -C igt api-check). Nothing here is linked or run: the tests
 * run against igt/lib/, which implements the same API.
 *
 * Pinned: igt-gpu-tools lib/igt_core.h and lib/drmtest.h as of the copy in
 * the GitHub repository mkahola/igt, commit
 * 0ef189f3c635167c5ffdcee699bc49a9f999b30d (April 2026; the function-like
 * forms date from December 2025). Written for this check from what those
 * headers define: each macro below has the shape of its IGT counterpart
 * (a function-like main that is preceded by "int", a fixture and a
 * subtest group that are one-pass for loops taking "()", subtests and
 * forks that are for loops over IGT's internal entry points, logging with
 * a domain), and each function IGT's macros expand to is declared with
 * IGT's signature. Only what the drm-msvm tests use is here; update it,
 * and the commit above, when IGT changes a form the tests use.
 *
 * Usage in a test, as in IGT:
 *
 *	int igt_main()
 *	{
 *		igt_fixture() { ... }
 *		igt_subtest_group() {
 *			igt_fixture() { ... }
 *			igt_subtest("name") { ... }
 *		}
 *	}
 *
 * and "int igt_simple_main()" for a test without subtests.
 */
#ifndef IGT_API_CHECK_H
#define IGT_API_CHECK_H

/* What igt_core.h and drmtest.h include, and so what a test may rely on. */
#include <assert.h>
#include <byteswap.h>
#include <errno.h>
#include <getopt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <unistd.h>
#include <xf86drm.h>

#ifndef IGT_LOG_DOMAIN
#define IGT_LOG_DOMAIN (NULL)
#endif

#define IGT_EXIT_SUCCESS	0
#define IGT_EXIT_SKIP		77
#define IGT_EXIT_INVALID	79
#define IGT_EXIT_FAILURE	98
#define IGT_EXIT_ABORT		112

/* drmtest.h */
#define ARRAY_SIZE(arr) (sizeof(arr) / sizeof(arr[0]))

#define __igt_tokencat2(x, y)	x ## y
#define igt_tokencat(x, y)	__igt_tokencat2(x, y)
#define igt_unique(prefix) \
	igt_tokencat(igt_tokencat(__igt_unique__, prefix), __LINE__)

extern jmp_buf igt_subtest_jmpbuf;

typedef int (*igt_opt_handler_t)(int opt, int opt_index, void *data);
#define IGT_OPT_HANDLER_SUCCESS	0
#define IGT_OPT_HANDLER_ERROR	-2

int igt_subtest_init_parse_opts(int *argc, char **argv,
				const char *extra_short_opts,
				const struct option *extra_long_opts,
				const char *help_str,
				igt_opt_handler_t extra_opt_handler,
				void *handler_data);
void igt_simple_init_parse_opts(int *argc, char **argv,
				const char *extra_short_opts,
				const struct option *extra_long_opts,
				const char *help_str,
				igt_opt_handler_t extra_opt_handler,
				void *handler_data);

bool __igt_fixture(void);
void __igt_fixture_complete(void);
bool __igt_run_subtest(const char *subtest_name, const char *file,
		       const int line);
void __igt_subtest_group_save(int *save, int *desc);
void __igt_subtest_group_restore(int save, int desc);
bool igt_only_list_subtests(void);

void igt_success(void);
__attribute__((noreturn)) void igt_fail(int exitcode);
__attribute__((noreturn)) void igt_exit(void);
__attribute__((noreturn, format(printf, 1, 2)))
void igt_skip(const char *f, ...);
__attribute__((noreturn, format(printf, 5, 6)))
void __igt_skip_check(const char *file, const int line, const char *func,
		      const char *check, const char *format, ...);
__attribute__((noreturn, format(printf, 6, 7)))
void __igt_fail_assert(const char *domain, const char *file, const int line,
		       const char *func, const char *assertion,
		       const char *format, ...);
__attribute__((format(printf, 1, 2)))
void igt_describe_f(const char *fmt, ...);

/* Function-like mains: the test writes "int igt_main()" and a body. */
#define igt_main_args(short_opts, long_opts, help_str, opt_handler, data) \
	main(int argc, char **argv); \
	static void igt_unique(__real_main)(void); \
	int main(int argc, char **argv) \
	{ \
		igt_subtest_init_parse_opts(&argc, argv, short_opts, \
					    long_opts, help_str, \
					    opt_handler, data); \
		igt_unique(__real_main)(); \
		igt_exit(); \
	} \
	static void igt_unique(__real_main)(void)
#define igt_main()	igt_main_args(NULL, NULL, NULL, NULL, NULL)

#define igt_simple_main_args(short_opts, long_opts, help_str, opt_handler, \
			     data) \
	main(int argc, char **argv); \
	static void igt_unique(__real_main)(void); \
	int main(int argc, char **argv) \
	{ \
		igt_simple_init_parse_opts(&argc, argv, short_opts, \
					   long_opts, help_str, \
					   opt_handler, data); \
		igt_unique(__real_main)(); \
		igt_exit(); \
	} \
	static void igt_unique(__real_main)(void)
#define igt_simple_main() \
	igt_simple_main_args(NULL, NULL, NULL, NULL, NULL)

/* One pass, unless listing subtests or an earlier fixture gave up. */
#define igt_fixture() \
	for (volatile int igt_unique(__fix) = 0; \
	     igt_unique(__fix) < 1 && __igt_fixture() && \
	     sigsetjmp(igt_subtest_jmpbuf, 1) == 0; \
	     igt_unique(__fix)++, __igt_fixture_complete())

/* One pass; a fixture failing inside affects only the group. */
#define igt_subtest_group() \
	for (int igt_unique(__grp) = 0, igt_unique(__save) = 0, \
	     igt_unique(__desc) = 0; \
	     igt_unique(__grp) < 1 && \
	     (__igt_subtest_group_save(&igt_unique(__save), \
				       &igt_unique(__desc)), true); \
	     igt_unique(__grp)++, \
	     __igt_subtest_group_restore(igt_unique(__save), \
					 igt_unique(__desc)))

#define igt_subtest(name) \
	for (; __igt_run_subtest((name), __FILE__, __LINE__) && \
	     sigsetjmp(igt_subtest_jmpbuf, 1) == 0; \
	     igt_success())
#define __igt_subtest_f(tmp, format...) \
	for (char tmp[256]; \
	     snprintf(tmp, sizeof(tmp), format), \
	     __igt_run_subtest(tmp, __FILE__, __LINE__) && \
	     sigsetjmp(igt_subtest_jmpbuf, 1) == 0; \
	     igt_success())
#define igt_subtest_f(f...)	__igt_subtest_f(igt_unique(__tmpchar), f)

#define igt_describe(dsc)	igt_describe_f("%s", dsc)

bool __igt_fork(void);
void igt_waitchildren(void);
#define igt_fork(child, num_children) \
	for (int child = 0; child < (num_children); child++) \
		for (; __igt_fork(); exit(0))

enum igt_log_level {
	IGT_LOG_DEBUG,
	IGT_LOG_INFO,
	IGT_LOG_WARN,
	IGT_LOG_CRITICAL,
	IGT_LOG_NONE,
};

__attribute__((format(printf, 3, 4)))
void igt_log(const char *domain, enum igt_log_level level,
	     const char *format, ...);
#define igt_debug(f...)		igt_log(IGT_LOG_DOMAIN, IGT_LOG_DEBUG, f)
#define igt_info(f...)		igt_log(IGT_LOG_DOMAIN, IGT_LOG_INFO, f)
#define igt_warn(f...)		igt_log(IGT_LOG_DOMAIN, IGT_LOG_WARN, f)
#define igt_critical(f...)	igt_log(IGT_LOG_DOMAIN, IGT_LOG_CRITICAL, f)

#define igt_assert(expr) \
	do { \
		if (!(expr)) \
			__igt_fail_assert(IGT_LOG_DOMAIN, __FILE__, __LINE__, \
					  __func__, #expr, NULL); \
	} while (0)
#define igt_assert_f(expr, f...) \
	do { \
		if (!(expr)) \
			__igt_fail_assert(IGT_LOG_DOMAIN, __FILE__, __LINE__, \
					  __func__, #expr, f); \
	} while (0)

/* IGT compares in these types: int, uint32_t, int64_t, uint64_t. */
#define __igt_api_cmp(type, n1, cmp, n2, fmt, cast) \
	do { \
		type __n1 = (n1), __n2 = (n2); \
		if (__n1 cmp __n2) \
			; \
		else \
			__igt_fail_assert(IGT_LOG_DOMAIN, __FILE__, __LINE__, \
					  __func__, #n1 " " #cmp " " #n2, \
					  fmt, cast __n1, cast __n2); \
	} while (0)
#define igt_assert_cmpint(n1, cmp, ncmp, n2) \
	__igt_api_cmp(int, n1, cmp, n2, "error: %d " #ncmp " %d\n", )
#define igt_assert_cmpuint(n1, cmp, ncmp, n2) \
	__igt_api_cmp(uint32_t, n1, cmp, n2, "error: %#x " #ncmp " %#x\n", )
#define igt_assert_cmps64(n1, cmp, ncmp, n2) \
	__igt_api_cmp(int64_t, n1, cmp, n2, \
		      "error: %lld " #ncmp " %lld\n", (long long))
#define igt_assert_cmpu64(n1, cmp, ncmp, n2) \
	__igt_api_cmp(uint64_t, n1, cmp, n2, \
		      "error: %#llx " #ncmp " %#llx\n", (long long))

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

#define igt_skip_check(E, F...) \
	__igt_skip_check(__FILE__, __LINE__, __func__, E, F)
#define igt_require(expr) \
	do { \
		if (!(expr)) \
			igt_skip_check(#expr, NULL); \
		else \
			igt_debug("Test requirement passed: %s\n", #expr); \
	} while (0)
#define igt_require_f(expr, f...) \
	do { \
		if (!(expr)) \
			igt_skip_check(#expr, f); \
		else \
			igt_debug("Test requirement passed: %s\n", #expr); \
	} while (0)
#define igt_skip_on(expr) \
	do { \
		if ((expr)) \
			igt_skip_check("!(" #expr ")", NULL); \
		else \
			igt_debug("Test requirement passed: !(%s)\n", #expr); \
	} while (0)

#endif /* IGT_API_CHECK_H */
