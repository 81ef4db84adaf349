// SPDX-License-Identifier: MIT
/*
 * Self-test of the igt library: runs the sample programs under
 * selftest/samples/ (built against lib/) with various runner options and
 * checks their output lines, stderr details and exit codes; then checks
 * the real test binaries' --list-subtests and that vsvm_query skips
 * cleanly on a host without vsvm devices.
 *
 * Usage: igt_selftest SAMPLES_DIR TESTS_DIR
 * Prints "N passed, N failed" and exits non-zero on any failure.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <drm.h>

#define ARRAY_SIZE(arr) (sizeof(arr) / sizeof((arr)[0]))

static const char *samples_dir, *tests_dir;
static unsigned int n_passed, n_failed;

struct run {
	char *cmd;
	int exitcode;	/* -signal if killed */
	char *out;
	char *err;
	double secs;
};

static void __attribute((format(printf, 2, 3)))
check(bool ok, const char *f, ...)
{
	char *msg = NULL, *p;
	va_list ap;

	va_start(ap, f);
	if (vasprintf(&msg, f, ap) < 0)
		abort();
	va_end(ap);
	printf("%s - ", ok ? "ok" : "FAIL");
	for (p = msg; *p; p++)
		printf(*p == '\n' ? "\\n" : "%c", *p);
	printf("\n");
	free(msg);
	if (ok)
		n_passed++;
	else
		n_failed++;
}

static char *slurp(FILE *f)
{
	size_t len = 0, cap = 4096, n;
	char *buf = malloc(cap);

	if (!buf)
		abort();
	rewind(f);
	while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (cap - len - 1 == 0) {
			cap *= 2;
			buf = realloc(buf, cap);
			if (!buf)
				abort();
		}
	}
	buf[len] = '\0';
	fclose(f);
	return buf;
}

/* Run @prog (a path) with the NULL-terminated @args; @env is "K=V" or NULL. */
static struct run run_prog(const char *prog, const char *env,
			   const char *const *args)
{
	struct timespec t0, t1;
	struct run r = { 0 };
	FILE *out = tmpfile(), *err = tmpfile();
	const char *argv[16];
	size_t len = strlen(prog) + 1, i;
	int status;
	pid_t pid;

	if (!out || !err)
		abort();
	argv[0] = prog;
	for (i = 0; args && args[i] && i < 14; i++) {
		argv[i + 1] = args[i];
		len += strlen(args[i]) + 1;
	}
	argv[i + 1] = NULL;
	r.cmd = malloc(len + (env ? strlen(env) + 1 : 0) + 1);
	if (!r.cmd)
		abort();
	r.cmd[0] = '\0';
	if (env) {
		strcat(r.cmd, env);
		strcat(r.cmd, " ");
	}
	strcat(r.cmd, strrchr(prog, '/') ? strrchr(prog, '/') + 1 : prog);
	for (i = 1; argv[i]; i++) {
		strcat(r.cmd, " ");
		strcat(r.cmd, argv[i]);
	}

	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid < 0)
		abort();
	if (pid == 0) {
		dup2(fileno(out), 1);
		dup2(fileno(err), 2);
		if (env)
			putenv((char *)env);
		else
			unsetenv("VSVM_EXPECT_DEVICES");
		unsetenv("IGT_LOG_LEVEL");
		alarm(60);
		execv(prog, (char *const *)argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			abort();
	clock_gettime(CLOCK_MONOTONIC, &t1);
	r.secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	r.exitcode = WIFEXITED(status) ? WEXITSTATUS(status) :
		     -WTERMSIG(status);
	r.out = slurp(out);
	r.err = slurp(err);
	return r;
}

static void free_run(struct run *r)
{
	free(r->cmd);
	free(r->out);
	free(r->err);
}

static char *sample(const char *name)
{
	static char path[4096];

	snprintf(path, sizeof(path), "%s/%s", samples_dir, name);
	return path;
}

/* Is @line exactly "Subtest NAME: RESULT (D+.DDDs)"? */
static bool is_result_line(const char *line, size_t len, const char *name,
			   const char *result)
{
	char prefix[256];
	size_t plen;
	const char *p, *end = line + len;

	plen = snprintf(prefix, sizeof(prefix), "Subtest %s: %s (", name,
			result);
	if (len < plen || memcmp(line, prefix, plen))
		return false;
	p = line + plen;
	if (p >= end || *p < '0' || *p > '9')
		return false;
	while (p < end && *p >= '0' && *p <= '9')
		p++;
	if (end - p != 6 || p[0] != '.' || p[4] != 's' || p[5] != ')')
		return false;
	return p[1] >= '0' && p[1] <= '9' && p[2] >= '0' && p[2] <= '9' &&
	       p[3] >= '0' && p[3] <= '9';
}

/* The number of lines of @text that satisfy @match. */
static unsigned int count_lines(const char *text,
				bool (*match)(const char *, size_t, const void *),
				const void *arg)
{
	const char *p = text, *nl;
	unsigned int n = 0;

	while (*p) {
		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p);
		if (match(p, nl - p, arg))
			n++;
		p = *nl ? nl + 1 : nl;
	}
	return n;
}

static bool match_exact(const char *line, size_t len, const void *arg)
{
	const char *want = arg;

	return strlen(want) == len && !memcmp(line, want, len);
}

static bool match_prefix(const char *line, size_t len, const void *arg)
{
	const char *want = arg;

	return strlen(want) <= len && !memcmp(line, want, strlen(want));
}

struct result_arg {
	const char *name, *result;
};

static bool match_result(const char *line, size_t len, const void *arg)
{
	const struct result_arg *ra = arg;

	return is_result_line(line, len, ra->name, ra->result);
}

static unsigned int n_lines(const char *text, const char *exact)
{
	return count_lines(text, match_exact, exact);
}

static unsigned int n_prefixed(const char *text, const char *prefix)
{
	return count_lines(text, match_prefix, prefix);
}

/* The subtest @name ran once, with a Starting line and @result. */
static void expect_result(const struct run *r, const char *name,
			  const char *result)
{
	struct result_arg ra = { name, result };
	char start[256], any[256];

	snprintf(start, sizeof(start), "Starting subtest: %s", name);
	snprintf(any, sizeof(any), "Subtest %s: ", name);
	check(n_lines(r->out, start) == 1 &&
	      count_lines(r->out, match_result, &ra) == 1 &&
	      n_prefixed(r->out, any) == 1,
	      "%s: subtest %s started once and ended %s", r->cmd, name, result);
}

static void expect_not_run(const struct run *r, const char *name)
{
	char start[256], any[256];

	snprintf(start, sizeof(start), "Starting subtest: %s", name);
	snprintf(any, sizeof(any), "Subtest %s: ", name);
	check(!n_lines(r->out, start) && !n_prefixed(r->out, any),
	      "%s: subtest %s not run", r->cmd, name);
}

static void expect_exit(const struct run *r, int code)
{
	check(r->exitcode == code, "%s: exit code %d (got %d)", r->cmd, code,
	      r->exitcode);
}

static void expect_n_results(const struct run *r, unsigned int n)
{
	check(n_prefixed(r->out, "Subtest ") == n &&
	      n_prefixed(r->out, "Starting subtest: ") == n,
	      "%s: %u subtests reported (got %u)", r->cmd, n,
	      n_prefixed(r->out, "Subtest "));
}

static void expect_out_line(const struct run *r, const char *line, bool yes)
{
	check((n_lines(r->out, line) > 0) == yes, "%s: stdout %s \"%s\"",
	      r->cmd, yes ? "has" : "lacks", line);
}

static void expect_err(const struct run *r, const char *text, bool yes)
{
	check(!!strstr(r->err, text) == yes, "%s: stderr %s \"%s\"",
	      r->cmd, yes ? "has" : "lacks", text);
}

static void expect_out(const struct run *r, const char *text, bool yes)
{
	check(!!strstr(r->out, text) == yes, "%s: stdout %s \"%s\"",
	      r->cmd, yes ? "has" : "lacks", text);
}

/* "A" appears before "B" on stdout. */
static void expect_order(const struct run *r, const char *a, const char *b)
{
	const char *pa = strstr(r->out, a), *pb = strstr(r->out, b);

	check(pa && pb && pa < pb, "%s: \"%s\" before \"%s\"", r->cmd, a, b);
}

static const char * const basic_subtests[] = {
	"pass-a", "fail-eq", "fail-errno", "fail-f", "fail-u32", "fail-u64",
	"fail-s64", "fail-neq", "fail-lt", "fail-lte", "fail-lte-u64",
	"fail-explicit", "pass-cmp", "skip-require", "skip-require-f",
	"skip-explicit", "formatted-7-x", "loop-0", "loop-1", "loop-2",
	"crash-segv", "crash-abort", "pass-last",
};

#define N_BASIC ARRAY_SIZE(basic_subtests)

static void test_basic_full(void)
{
	static const char * const args[] = { NULL };
	struct run r = run_prog(sample("basic"), NULL, args);
	unsigned int i;

	expect_exit(&r, 98);
	expect_n_results(&r, N_BASIC);
	for (i = 0; i < N_BASIC; i++) {
		const char *n = basic_subtests[i], *res;

		if (!strncmp(n, "pass", 4) || !strcmp(n, "formatted-7-x") ||
		    !strcmp(n, "loop-0") || !strcmp(n, "loop-1"))
			res = "SUCCESS";
		else if (!strncmp(n, "skip", 4))
			res = "SKIP";
		else if (!strncmp(n, "crash", 5))
			res = "CRASH";
		else
			res = "FAIL";
		expect_result(&r, n, res);
	}
	/* subtests run in order, the fixtures around them */
	expect_order(&r, "MARK fixture-1", "Starting subtest: pass-a");
	expect_order(&r, "Subtest pass-a: SUCCESS", "Starting subtest: fail-eq");
	expect_order(&r, "Subtest pass-last: SUCCESS", "MARK fixture-2");
	/* a failed assert or require ends the subtest at once */
	expect_out_line(&r, "MARK pass-a end", true);
	expect_out_line(&r, "MARK pass-cmp end", true);
	expect_out_line(&r, "MARK after failed assert", false);
	expect_out_line(&r, "MARK after failed require", false);
	expect_out_line(&r, "MARK formatted", true);
	expect_out_line(&r, "MARK pass-last", true);
	/* debug messages only with --debug */
	expect_out(&r, "MARK debug message", false);
	expect_err(&r, "WARNING: MARK warning message", true);
	/* skip messages on stdout */
	expect_out_line(&r, "Test requirement: counter == 1234", true);
	expect_out_line(&r, "because of reasons", true);
	expect_out_line(&r, "skipping with 7", true);
	expect_err(&r, "Received signal SIGSEGV.", true);
	expect_err(&r, "Received signal SIGABRT.", true);
	free_run(&r);
}

/* Run one failing subtest of "basic" alone and check its stderr. */
static void test_basic_fail_detail(const char *name, const char *const *want)
{
	const char *args[3];
	struct run r;

	args[0] = "--run-subtest";
	args[1] = name;
	args[2] = NULL;
	r = run_prog(sample("basic"), NULL, args);

	expect_exit(&r, 98);
	expect_n_results(&r, 1);
	expect_result(&r, name, "FAIL");
	expect_err(&r, "Test assertion failure function __igt_main_body, file selftest/samples/basic.c:",
		   true);
	for (; *want; want++)
		expect_err(&r, *want, true);
	free_run(&r);
}

static void test_basic_details(void)
{
	static const char * const eq[] = {
		"CRITICAL: Failed assertion: 1 == 2\n",
		"CRITICAL: error: 1 != 2\n", NULL };
	static const char * const err[] = {
		"CRITICAL: Failed assertion: counter == 1234\n",
		"CRITICAL: Last errno: 22, Invalid argument\n", NULL };
	static const char * const f[] = {
		"CRITICAL: custom message 42\n",
		"CRITICAL: second line\n", NULL };
	static const char * const u32[] = {
		"CRITICAL: Failed assertion: 0x10 == 0x20\n",
		"CRITICAL: error: 0x10 != 0x20\n", NULL };
	static const char * const u64[] = {
		"CRITICAL: error: 0x10000000000 != 0x1\n", NULL };
	static const char * const s64[] = {
		"CRITICAL: error: -5 != 5\n", NULL };
	static const char * const neq[] = {
		"CRITICAL: Failed assertion: 3 != 3\n",
		"CRITICAL: error: 3 == 3\n", NULL };
	static const char * const lt[] = { "CRITICAL: error: 3 >= 3\n", NULL };
	static const char * const lte[] = { "CRITICAL: error: 4 > 3\n", NULL };
	static const char * const lteu64[] = { "CRITICAL: error: 0x5 > 0x4\n",
					       NULL };
	const char *args[3];
	struct run r;

	args[0] = "--run-subtest";
	args[1] = "fail-eq";
	args[2] = NULL;

	test_basic_fail_detail("fail-eq", eq);
	test_basic_fail_detail("fail-errno", err);
	test_basic_fail_detail("fail-f", f);
	test_basic_fail_detail("fail-u32", u32);
	test_basic_fail_detail("fail-u64", u64);
	test_basic_fail_detail("fail-s64", s64);
	test_basic_fail_detail("fail-neq", neq);
	test_basic_fail_detail("fail-lt", lt);
	test_basic_fail_detail("fail-lte", lte);
	test_basic_fail_detail("fail-lte-u64", lteu64);

	/* errno is cleared at the start of each subtest */
	r = run_prog(sample("basic"), NULL, args);
	expect_err(&r, "Last errno", false);
	free_run(&r);

	args[1] = "fail-explicit";
	r = run_prog(sample("basic"), NULL, args);
	expect_exit(&r, 98);
	expect_result(&r, "fail-explicit", "FAIL");
	free_run(&r);
}

static void test_basic_options(void)
{
	static const char * const list[] = { "--list-subtests", NULL };
	const char *args[4] = { NULL };
	struct run r;
	unsigned int i;
	char *want, *p;
	size_t len = 1;

	/* --list-subtests: the names in order, nothing run */
	for (i = 0; i < N_BASIC; i++)
		len += strlen(basic_subtests[i]) + 1;
	want = calloc(1, len);
	for (p = want, i = 0; i < N_BASIC; i++)
		p += sprintf(p, "%s\n", basic_subtests[i]);
	r = run_prog(sample("basic"), NULL, list);
	expect_exit(&r, 0);
	check(!strcmp(r.out, want), "%s: prints exactly the subtest names",
	      r.cmd);
	check(!*r.err, "%s: nothing on stderr", r.cmd);
	free(want);
	free_run(&r);

	/* one subtest; the fixtures still run */
	args[0] = "--run-subtest";
	args[1] = "pass-a";
	r = run_prog(sample("basic"), NULL, args);
	expect_exit(&r, 0);
	expect_n_results(&r, 1);
	expect_result(&r, "pass-a", "SUCCESS");
	expect_out_line(&r, "MARK fixture-1", true);
	expect_out_line(&r, "MARK fixture-2", true);
	free_run(&r);

	/* a wildcard */
	args[1] = "fail-*";
	r = run_prog(sample("basic"), NULL, args);
	expect_exit(&r, 98);
	expect_n_results(&r, 11);
	expect_result(&r, "fail-eq", "FAIL");
	expect_result(&r, "fail-lte-u64", "FAIL");
	expect_not_run(&r, "pass-a");
	expect_not_run(&r, "skip-require");
	free_run(&r);

	/* --run-subtest=LIST with a wildcard: pass plus skips gives 0 */
	args[0] = "--run-subtest=pass-a,skip-*";
	args[1] = NULL;
	r = run_prog(sample("basic"), NULL, args);
	expect_exit(&r, 0);
	expect_n_results(&r, 4);
	expect_result(&r, "pass-a", "SUCCESS");
	expect_result(&r, "skip-require", "SKIP");
	expect_result(&r, "skip-require-f", "SKIP");
	expect_result(&r, "skip-explicit", "SKIP");
	free_run(&r);

	/* only skips: 77 */
	args[0] = "--run-subtest";
	args[1] = "skip-*";
	r = run_prog(sample("basic"), NULL, args);
	expect_exit(&r, 77);
	expect_n_results(&r, 3);
	free_run(&r);

	/* bracket and ? wildcards, formatted names */
	args[1] = "loop-[01],formatted-?-x";
	r = run_prog(sample("basic"), NULL, args);
	expect_exit(&r, 0);
	expect_n_results(&r, 3);
	expect_result(&r, "loop-0", "SUCCESS");
	expect_result(&r, "loop-1", "SUCCESS");
	expect_result(&r, "formatted-7-x", "SUCCESS");
	expect_not_run(&r, "loop-2");
	free_run(&r);

	/* a crash fails the run, the next subtest still runs */
	args[1] = "crash-segv,pass-last";
	r = run_prog(sample("basic"), NULL, args);
	expect_exit(&r, 98);
	expect_result(&r, "crash-segv", "CRASH");
	expect_result(&r, "pass-last", "SUCCESS");
	free_run(&r);

	/* no match: 79 */
	args[1] = "no-such-*";
	r = run_prog(sample("basic"), NULL, args);
	expect_exit(&r, 79);
	expect_n_results(&r, 0);
	expect_err(&r, "Unknown subtest: no-such-*", true);
	free_run(&r);

	/* a bad option: 79 and usage */
	args[0] = "--no-such-option";
	args[1] = NULL;
	r = run_prog(sample("basic"), NULL, args);
	expect_exit(&r, 79);
	expect_n_results(&r, 0);
	expect_err(&r, "Usage:", true);
	free_run(&r);

	/* --debug shows igt_debug() */
	args[0] = "--debug";
	args[1] = "--run-subtest";
	args[2] = "pass-cmp";
	r = run_prog(sample("basic"), NULL, args);
	expect_exit(&r, 0);
	expect_out(&r, "DEBUG: MARK debug message", true);
	free_run(&r);

	/* --describe prints the descriptions and runs nothing */
	args[0] = "--describe";
	args[1] = NULL;
	r = run_prog(sample("basic"), NULL, args);
	expect_exit(&r, 0);
	expect_n_results(&r, 0);
	expect_out(&r, "SUB pass-a selftest/samples/basic.c:", true);
	expect_out(&r, "  A subtest that passes.\n", true);
	expect_out(&r, "  Every comparison that holds, each argument evaluated once.\n",
		   true);
	expect_out(&r, "MARK", false);
	free_run(&r);
}

static void test_fixtures(void)
{
	static const char * const none[] = { NULL };
	static const char * const one[] = { "--run-subtest", "after-2", NULL };
	static const char * const list[] = { "--list-subtests", NULL };
	struct run r;

	r = run_prog(sample("fixture_skip"), NULL, none);
	expect_exit(&r, 0);
	expect_n_results(&r, 3);
	expect_result(&r, "before", "SUCCESS");
	expect_result(&r, "after-1", "SKIP");
	expect_result(&r, "after-2", "SKIP");
	expect_out_line(&r, "MARK fixture requirement", true);
	expect_out_line(&r, "MARK fixture-2 after require", false);
	expect_out_line(&r, "MARK fixture-3", false);
	expect_out_line(&r, "MARK after-1", false);
	expect_out_line(&r, "MARK after-2", false);
	free_run(&r);

	r = run_prog(sample("fixture_skip"), NULL, one);
	expect_exit(&r, 77);
	expect_n_results(&r, 1);
	expect_result(&r, "after-2", "SKIP");
	free_run(&r);

	/* listing runs no fixture */
	r = run_prog(sample("fixture_skip"), NULL, list);
	expect_exit(&r, 0);
	check(!strcmp(r.out, "before\nafter-1\nafter-2\n"),
	      "%s: only the names, no fixture ran", r.cmd);
	free_run(&r);

	r = run_prog(sample("fixture_fail"), NULL, none);
	expect_exit(&r, 98);
	expect_n_results(&r, 3);
	expect_result(&r, "ok", "SUCCESS");
	expect_result(&r, "x", "FAIL");
	expect_result(&r, "y", "FAIL");
	expect_out_line(&r, "MARK fixture after assert", false);
	expect_out_line(&r, "MARK x", false);
	expect_err(&r, "CRITICAL: Failed assertion: 1 == 0", true);
	free_run(&r);

	r = run_prog(sample("all_skip"), NULL, none);
	expect_exit(&r, 77);
	expect_n_results(&r, 2);
	expect_result(&r, "a", "SKIP");
	expect_result(&r, "b", "SKIP");
	expect_out_line(&r, "no hardware", true);
	expect_out_line(&r, "MARK a", false);
	free_run(&r);
}

/* igt_subtest_group(): a fixture giving up inside affects only its group. */
static void test_groups(void)
{
	static const char * const none[] = { NULL };
	static const char * const list[] = { "--list-subtests", NULL };
	struct run r;

	r = run_prog(sample("group"), NULL, none);
	expect_exit(&r, 98);
	expect_n_results(&r, 6);
	expect_result(&r, "outer-before", "SUCCESS");
	expect_result(&r, "skipped-in-group", "SKIP");
	expect_result(&r, "inner-pass", "SUCCESS");
	expect_result(&r, "failed-in-nested", "FAIL");
	expect_result(&r, "inner-after", "SUCCESS");
	expect_result(&r, "outer-after", "SUCCESS");
	expect_out_line(&r, "MARK group requirement", true);
	expect_out_line(&r, "MARK skipped-in-group", false);
	expect_out_line(&r, "MARK failed-in-nested", false);
	expect_out_line(&r, "MARK inner-after", true);
	expect_out_line(&r, "MARK outer-after", true);
	expect_err(&r, "MARK nested fixture failure", true);
	free_run(&r);

	r = run_prog(sample("group"), NULL, list);
	expect_exit(&r, 0);
	check(!strcmp(r.out, "outer-before\nskipped-in-group\ninner-pass\n"
		      "failed-in-nested\ninner-after\nouter-after\n"),
	      "%s: the names of every group, no fixture ran", r.cmd);
	free_run(&r);
}

/* igt_simple_main(): the body is the test; its exit code is the result. */
static void test_simple(void)
{
	static const char * const none[] = { NULL };
	static const char * const list[] = { "--list-subtests", NULL };
	static const char * const run[] = { "--run-subtest", "x", NULL };
	struct run r;

	r = run_prog(sample("simple"), NULL, none);
	expect_exit(&r, 0);
	expect_n_results(&r, 0);
	expect_out_line(&r, "MARK simple start", true);
	expect_out_line(&r, "MARK simple end", true);
	free_run(&r);

	r = run_prog(sample("simple"), "SAMPLE_SIMPLE=skip", none);
	expect_exit(&r, 77);
	expect_out_line(&r, "MARK simple skip", true);
	expect_out_line(&r, "MARK simple end", false);
	free_run(&r);

	r = run_prog(sample("simple"), "SAMPLE_SIMPLE=fail", none);
	expect_exit(&r, 98);
	expect_err(&r, "MARK simple fail", true);
	expect_out_line(&r, "MARK simple end", false);
	free_run(&r);

	r = run_prog(sample("simple"), NULL, list);
	expect_exit(&r, 0);
	check(!strcmp(r.out, ""), "%s: lists nothing, runs nothing", r.cmd);
	free_run(&r);

	r = run_prog(sample("simple"), NULL, run);
	expect_exit(&r, 79);
	free_run(&r);
}

/* igt_main_args(): the test's own options next to the runner's. */
static void test_main_args(void)
{
	static const char * const none[] = { NULL };
	static const char * const shrt[] = { "-n", "3", NULL };
	static const char * const lng[] = { "--count=5", "--run-subtest",
					    "count", NULL };
	static const char * const bad[] = { "--count", "0", NULL };
	static const char * const unknown[] = { "-x", NULL };
	static const char * const help[] = { "--help", NULL };
	struct run r;

	r = run_prog(sample("main_args"), NULL, none);
	expect_exit(&r, 0);
	expect_out_line(&r, "MARK count 1", true);
	free_run(&r);

	r = run_prog(sample("main_args"), NULL, shrt);
	expect_exit(&r, 0);
	expect_out_line(&r, "MARK option n index -1", true);
	expect_out_line(&r, "MARK count 3", true);
	free_run(&r);

	r = run_prog(sample("main_args"), NULL, lng);
	expect_exit(&r, 0);
	expect_out_line(&r, "MARK option n index 0", true);
	expect_out_line(&r, "MARK count 5", true);
	free_run(&r);

	r = run_prog(sample("main_args"), NULL, bad);
	expect_exit(&r, 79);
	free_run(&r);

	r = run_prog(sample("main_args"), NULL, unknown);
	expect_exit(&r, 79);
	free_run(&r);

	r = run_prog(sample("main_args"), NULL, help);
	expect_exit(&r, 0);
	expect_out(&r, "MARK count help", true);
	free_run(&r);
}

static void test_fork(void)
{
	static const char * const none[] = { NULL };
	static const char * const pass[] = { "--run-subtest", "fork-pass", NULL };
	struct run r;

	r = run_prog(sample("fork"), NULL, none);
	expect_exit(&r, 98);
	expect_n_results(&r, 10);
	expect_result(&r, "fork-pass", "SUCCESS");
	expect_result(&r, "fork-nested", "SUCCESS");
	expect_result(&r, "fork-fail", "FAIL");
	expect_result(&r, "fork-crash", "FAIL");
	expect_result(&r, "fork-skip", "FAIL");
	expect_result(&r, "fork-leftover", "FAIL");
	expect_result(&r, "fork-kill-on-fail", "FAIL");
	expect_result(&r, "fork-nowait", "FAIL");
	expect_result(&r, "after-forks", "SUCCESS");
	expect_result(&r, "after-fixture-fork", "SUCCESS");
	expect_out_line(&r, "MARK child 0", true);
	expect_out_line(&r, "MARK child 3", true);
	expect_out_line(&r, "MARK parent after wait", true);
	expect_out_line(&r, "MARK fork-fail not reached", false);
	expect_out_line(&r, "MARK fixture child 1", true);
	expect_out_line(&r, "MARK grandchild 0 of 0", true);
	expect_out_line(&r, "MARK grandchild 1 of 0", true);
	expect_out_line(&r, "MARK grandchild 0 of 1", true);
	expect_out_line(&r, "MARK grandchild 1 of 1", true);
	expect_out(&r, "MARK grandchild -1", false);
	expect_order(&r, "MARK grandchild 1 of 1", "MARK child 1 done nested");
	expect_order(&r, "MARK child 3", "MARK parent after wait");
	expect_err(&r, "CRITICAL: Failed assertion: child != 1", true);
	expect_err(&r, "CRITICAL: child 1 (pid ", true);
	expect_err(&r, "died of signal 11", true);
	expect_err(&r, "(a skip: not allowed in children)", true);
	expect_err(&r, "igt_waitchildren() missing", true);
	/* sleeping children were killed, not waited for */
	check(r.secs < 20, "%s: leftover children killed (%.1fs)", r.cmd,
	      r.secs);
	free_run(&r);

	r = run_prog(sample("fork"), NULL, pass);
	expect_exit(&r, 0);
	expect_n_results(&r, 1);
	expect_result(&r, "fork-pass", "SUCCESS");
	free_run(&r);
}

static int vsvm_nodes(void)
{
	struct dirent *de;
	char path[300];
	int n = 0, fd;
	DIR *dir = opendir("/dev/dri");

	if (!dir)
		return 0;
	while ((de = readdir(dir))) {
		struct drm_version v;
		char name[8] = "";

		if (strncmp(de->d_name, "renderD", 7))
			continue;
		snprintf(path, sizeof(path), "/dev/dri/%s", de->d_name);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		memset(&v, 0, sizeof(v));
		v.name = name;
		v.name_len = sizeof(name) - 1;
		if (!ioctl(fd, DRM_IOCTL_VERSION, &v) && v.name_len == 4 &&
		    !strcmp(name, "vsvm"))
			n++;
		close(fd);
	}
	closedir(dir);
	return n;
}

/* Every test binary lists its subtests; vsvm_query skips without devices. */
static void test_real_tests(void)
{
	static const char * const list[] = { "--list-subtests", NULL };
	static const char * const none[] = { NULL };
	unsigned int n_bins = 0;
	struct dirent *de;
	char path[4096];
	struct stat st;
	DIR *dir;

	dir = opendir(tests_dir);
	check(!!dir, "open %s", tests_dir);
	if (!dir)
		return;
	while ((de = readdir(dir))) {
		struct run r;

		snprintf(path, sizeof(path), "%s/%s", tests_dir, de->d_name);
		if (stat(path, &st) || !S_ISREG(st.st_mode) ||
		    access(path, X_OK))
			continue;
		n_bins++;
		r = run_prog(path, NULL, list);
		expect_exit(&r, 0);
		check(*r.out && !n_prefixed(r.out, "Starting subtest") &&
		      !n_prefixed(r.out, "Subtest "),
		      "%s: names only", r.cmd);
		free_run(&r);
	}
	closedir(dir);
	check(n_bins > 0, "%s has test binaries (%u)", tests_dir, n_bins);

	snprintf(path, sizeof(path), "%s/vsvm_query", tests_dir);
	if (access(path, X_OK)) {
		check(false, "%s exists", path);
		return;
	}
	if (vsvm_nodes() == 0) {
		struct run r = run_prog(path, NULL, none);

		expect_exit(&r, 77);
		expect_result(&r, "version", "SKIP");
		expect_result(&r, "device-info", "SKIP");
		expect_result(&r, "bad-args", "SKIP");
		expect_out_line(&r, "no vsvm render node", true);
		check(!strstr(r.out, ": SUCCESS") && !strstr(r.out, ": FAIL"),
		      "%s: nothing passed or failed", r.cmd);
		free_run(&r);

		/* expecting devices that are not there is a failure */
		r = run_prog(path, "VSVM_EXPECT_DEVICES=2", none);
		expect_exit(&r, 98);
		expect_result(&r, "device-info", "FAIL");
		expect_err(&r, "found 0 vsvm render nodes, VSVM_EXPECT_DEVICES=2",
			   true);
		free_run(&r);

		r = run_prog(path, "VSVM_EXPECT_DEVICES=0", none);
		expect_exit(&r, 77);
		free_run(&r);
	} else {
		printf("note: this host has vsvm nodes: ");
		printf("the skip checks of vsvm_query are not run\n");
	}
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s SAMPLES_DIR TESTS_DIR\n", argv[0]);
		return 2;
	}
	samples_dir = argv[1];
	tests_dir = argv[2];
	setvbuf(stdout, NULL, _IOLBF, 0);

	test_basic_full();
	test_basic_details();
	test_basic_options();
	test_fixtures();
	test_groups();
	test_simple();
	test_main_args();
	test_fork();
	test_real_tests();

	printf("%u passed, %u failed\n", n_passed, n_failed);
	return n_failed ? 1 : 0;
}
