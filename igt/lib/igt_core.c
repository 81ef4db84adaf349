// SPDX-License-Identifier: MIT
/*
 * The subtest machinery, assertions, logging and forking of the igt subset.
 * See igt.h for the semantics.
 */
#define _GNU_SOURCE
#include <fnmatch.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "igt.h"

sigjmp_buf igt_subtest_jmpbuf;

enum skip_state {
	CONTINUE,
	SKIP,
	FAIL,
};

static const char *command_str = "igt";
static bool list_subtests;
static bool describe_subtests;
static bool log_debug;
static char *run_pattern;
static bool pattern_matched;
static bool initialized;
/* igt_simple_main(): no subtests, the body is the test. */
static bool simple_test;
static const char *test_help_str;

static char *in_subtest;
static bool in_fixture;
static enum skip_state skip_henceforth;
static struct timespec subtest_start;
static const char *pending_description;

static unsigned int n_success, n_fail, n_skip;
static bool failed_outside;

/* In a child of igt_fork(): failures and skips exit the process. */
static bool test_child;
static pid_t *children;
static unsigned int n_children, children_cap;

static const int fatal_signals[] = {
	SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT,
};

static void __igt_noreturn internal_error(const char *f, ...)
	__igt_printf(1, 2);

static void internal_error(const char *f, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "(%s:%d) igt internal error: ", command_str, getpid());
	va_start(ap, f);
	vfprintf(stderr, f, ap);
	va_end(ap);
	exit(IGT_EXIT_ABORT);
}

static void vlog(enum igt_log_level level, const char *f, va_list ap)
{
	static const char * const names[] = {
		[IGT_LOG_DEBUG] = "DEBUG",
		[IGT_LOG_INFO] = "INFO",
		[IGT_LOG_WARN] = "WARNING",
		[IGT_LOG_CRITICAL] = "CRITICAL",
	};
	FILE *out = level >= IGT_LOG_WARN ? stderr : stdout;

	if (level == IGT_LOG_DEBUG && !log_debug)
		return;
	if (list_subtests || describe_subtests)
		return;
	if (out == stderr)
		fflush(stdout);
	if (level != IGT_LOG_INFO)
		fprintf(out, "(%s:%d) %s: ", command_str, getpid(), names[level]);
	vfprintf(out, f, ap);
	fflush(out);
}

void igt_log(enum igt_log_level level, const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	vlog(level, f, ap);
	va_end(ap);
}

bool igt_only_list_subtests(void)
{
	return list_subtests || describe_subtests;
}

static double elapsed_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) +
	       (now.tv_nsec - start->tv_nsec) / 1e9;
}

/* SIGKILL and reap every child still running. */
static void kill_children(void)
{
	unsigned int i;

	for (i = 0; i < n_children; i++)
		kill(children[i], SIGKILL);
	for (i = 0; i < n_children; i++)
		while (waitpid(children[i], NULL, 0) < 0 && errno == EINTR)
			;
	n_children = 0;
}

/* Report the running subtest's @result and leave it. */
static void finish_subtest(const char *result)
{
	double t = elapsed_since(&subtest_start);

	kill_children();
	if (!strcmp(result, "SUCCESS"))
		n_success++;
	else if (!strcmp(result, "SKIP"))
		n_skip++;
	else
		n_fail++;
	fflush(stderr);
	printf("Subtest %s: %s (%.3fs)\n", in_subtest, result, t);
	fflush(stdout);
	free(in_subtest);
	in_subtest = NULL;
}

/* Report the running subtest and jump back out of its block. */
static void __igt_noreturn exit_subtest(const char *result)
{
	finish_subtest(result);
	siglongjmp(igt_subtest_jmpbuf, 1);
}

static void fatal_sig_handler(int sig)
{
	const char *name = sigabbrev_np(sig);
	char msg[64];
	int len;

	if (in_subtest && !test_child) {
		len = snprintf(msg, sizeof(msg), "Received signal SIG%s.\n",
			       name ? name : "?");
		if (len > 0 && write(STDERR_FILENO, msg, len) < 0)
			len = 0;
		exit_subtest("CRASH");
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void set_fatal_handlers(void (*handler)(int))
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(fatal_signals); i++)
		signal(fatal_signals[i], handler);
}

static void __igt_noreturn usage(const char *error)
{
	FILE *out = error ? stderr : stdout;

	if (error)
		fprintf(out, "%s: %s\n", command_str, error);
	fprintf(out,
		"Usage: %s [OPTIONS]\n"
		"  --list-subtests          print the subtest names, run nothing\n"
		"  --run-subtest PATTERN    run only the matching subtests (shell\n"
		"                           wildcards, comma-separated list)\n"
		"  --describe               print the subtest descriptions\n"
		"  --debug                  print debug messages\n"
		"  --help                   this text\n",
		command_str);
	if (test_help_str)
		fprintf(out, "%s", test_help_str);
	exit(error ? IGT_EXIT_INVALID : IGT_EXIT_SUCCESS);
}

/* The runner's options; their vals are beyond any short option letter. */
enum {
	OPT_LIST = 0x100,
	OPT_RUN,
	OPT_DESCRIBE,
	OPT_DEBUG,
	OPT_HELP,
};

static const struct option runner_opts[] = {
	{ "list-subtests", no_argument, NULL, OPT_LIST },
	{ "run-subtest", required_argument, NULL, OPT_RUN },
	{ "describe", optional_argument, NULL, OPT_DESCRIBE },
	{ "debug", optional_argument, NULL, OPT_DEBUG },
	{ "help", no_argument, NULL, OPT_HELP },
};

void __igt_main_init(int argc, char **argv, const char *short_opts,
		     const struct option *long_opts, const char *help_str,
		     igt_opt_handler_t opt_handler, void *handler_data,
		     bool simple)
{
	const size_t n_runner = ARRAY_SIZE(runner_opts);
	struct option *opts;
	size_t n_extra = 0;
	const char *env;
	int c, idx;

	if (initialized)
		internal_error("igt_main initialized twice\n");
	initialized = true;
	simple_test = simple;
	test_help_str = help_str;
	if (argc > 0 && argv[0]) {
		command_str = strrchr(argv[0], '/');
		command_str = command_str ? command_str + 1 : argv[0];
	}
	env = getenv("IGT_LOG_LEVEL");
	if (env && !strcmp(env, "debug"))
		log_debug = true;

	while (long_opts && long_opts[n_extra].name)
		n_extra++;
	opts = calloc(n_runner + n_extra + 1, sizeof(*opts));
	if (!opts)
		internal_error("out of memory\n");
	memcpy(opts, runner_opts, sizeof(runner_opts));
	if (n_extra)
		memcpy(opts + n_runner, long_opts, n_extra * sizeof(*opts));

	opterr = 0;
	while ((c = getopt_long(argc, argv, short_opts ? short_opts : "",
				opts, (idx = -1, &idx))) != -1) {
		switch (c) {
		case OPT_LIST:
			list_subtests = true;
			break;
		case OPT_RUN:
			if (simple_test)
				usage("--run-subtest: this test has no subtests");
			free(run_pattern);
			run_pattern = strdup(optarg);
			if (!run_pattern)
				internal_error("out of memory\n");
			break;
		case OPT_DESCRIBE:
			describe_subtests = true;
			break;
		case OPT_DEBUG:
			log_debug = true;
			break;
		case OPT_HELP:
			usage(NULL);
		case '?':
		case ':':
			usage("invalid option");
		default:
			if (!opt_handler)
				usage("invalid option");
			if (idx >= (int)n_runner)
				idx -= n_runner;
			else
				idx = -1;
			if (opt_handler(c, idx, handler_data) ==
			    IGT_OPT_HANDLER_ERROR)
				usage("invalid option argument");
			break;
		}
	}
	free(opts);
	if (optind < argc)
		usage("unexpected argument");

	/* A simple test has no subtests to list or describe. */
	if (simple_test && igt_only_list_subtests())
		exit(IGT_EXIT_SUCCESS);

	set_fatal_handlers(fatal_sig_handler);
}

static bool valid_subtest_name(const char *name)
{
	const char *p;

	if (!*name)
		return false;
	for (p = name; *p; p++)
		if (!(*p == '-' || *p == '_' || (*p >= '0' && *p <= '9') ||
		      (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
			return false;
	return true;
}

static bool match_subtest(const char *name)
{
	char *list, *tok, *save;
	bool match = false;

	if (!run_pattern)
		return true;
	list = strdup(run_pattern);
	if (!list)
		internal_error("out of memory\n");
	for (tok = strtok_r(list, ",", &save); tok && !match;
	     tok = strtok_r(NULL, ",", &save))
		match = fnmatch(tok, name, 0) == 0;
	free(list);
	return match;
}

bool __igt_run_subtest(const char *name, const char *file, int line)
{
	const char *description = pending_description;

	pending_description = NULL;
	if (!initialized)
		internal_error("igt_subtest outside igt_main\n");
	if (in_subtest)
		internal_error("subtest %s started inside subtest %s\n",
			       name, in_subtest);
	if (in_fixture)
		internal_error("subtest %s started inside a fixture\n", name);
	if (test_child)
		internal_error("subtest %s started in a forked child\n", name);
	if (!valid_subtest_name(name))
		internal_error("invalid subtest name \"%s\" at %s:%d\n",
			       name, file, line);

	if (list_subtests) {
		printf("%s\n", name);
		return false;
	}
	if (!match_subtest(name))
		return false;
	pattern_matched = true;
	if (describe_subtests) {
		printf("SUB %s %s:%d:\n  %s\n\n", name, file, line,
		       description ? description : "NO DOCUMENTATION!");
		return false;
	}

	in_subtest = strdup(name);
	if (!in_subtest)
		internal_error("out of memory\n");
	printf("Starting subtest: %s\n", name);
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &subtest_start);
	errno = 0;

	if (skip_henceforth != CONTINUE) {
		finish_subtest(skip_henceforth == SKIP ? "SKIP" : "FAIL");
		return false;
	}
	return true;
}

bool __igt_run_subtest_f(const char *file, int line, const char *f, ...)
{
	char name[256];
	va_list ap;

	va_start(ap, f);
	vsnprintf(name, sizeof(name), f, ap);
	va_end(ap);
	return __igt_run_subtest(name, file, line);
}

void __igt_describe(const char *description)
{
	pending_description = description;
}

bool __igt_fixture(void)
{
	if (!initialized)
		internal_error("igt_fixture outside igt_main\n");
	if (in_subtest)
		internal_error("fixture inside subtest %s\n", in_subtest);
	if (in_fixture)
		internal_error("nested fixture\n");
	if (igt_only_list_subtests() || skip_henceforth != CONTINUE)
		return false;
	in_fixture = true;
	return true;
}

bool __igt_fixture_end(void)
{
	in_fixture = false;
	return false;
}

void __igt_subtest_group_save(int *save, int *desc)
{
	if (!initialized)
		internal_error("igt_subtest_group outside igt_main\n");
	if (in_subtest || in_fixture)
		internal_error("igt_subtest_group inside a subtest or fixture\n");
	*save = skip_henceforth;
	*desc = 0;
}

void __igt_subtest_group_restore(int save, int desc)
{
	(void)desc;
	skip_henceforth = save;
}

static void __igt_noreturn fixture_abort(enum skip_state state)
{
	kill_children();
	skip_henceforth = state;
	in_fixture = false;
	siglongjmp(igt_subtest_jmpbuf, 1);
}

void igt_success(void)
{
	if (test_child || !in_subtest)
		return;
	if (n_children) {
		igt_critical("subtest %s: %u children not waited for\n",
			     in_subtest, n_children);
		igt_critical("igt_waitchildren() missing\n");
		exit_subtest("FAIL");
	}
	exit_subtest("SUCCESS");
}

void igt_fail(int exitcode)
{
	if (exitcode == IGT_EXIT_SUCCESS || exitcode == IGT_EXIT_SKIP)
		internal_error("%s(%d): not a failure code\n", __func__,
			       exitcode);
	/* A child just exits; igt_waitchildren() in the parent reports it. */
	if (test_child)
		exit(exitcode);
	if (in_subtest)
		exit_subtest("FAIL");
	if (in_fixture)
		fixture_abort(FAIL);
	failed_outside = true;
	igt_exit();
}

static void __igt_noreturn skip_now(void)
{
	if (test_child) {
		igt_critical("skips are not allowed in forked children\n");
		exit(IGT_EXIT_SKIP);
	}
	if (in_subtest)
		exit_subtest("SKIP");
	if (in_fixture)
		fixture_abort(SKIP);
	skip_henceforth = SKIP;
	igt_exit();
}

void igt_skip(const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	vlog(IGT_LOG_INFO, f, ap);
	va_end(ap);
	skip_now();
}

void __igt_skip_check(const char *file, int line, const char *func,
		      const char *check, const char *f, ...)
{
	int err = errno;
	va_list ap;

	igt_info("Test requirement not met in function %s, file %s:%d:\n",
		 func, file, line);
	igt_info("Test requirement: %s\n", check);
	if (f) {
		va_start(ap, f);
		vlog(IGT_LOG_INFO, f, ap);
		va_end(ap);
	}
	if (err)
		igt_info("Last errno: %d, %s\n", err, strerror(err));
	skip_now();
}

void __igt_fail_assert(const char *file, int line, const char *func,
		       const char *assertion, const char *f, ...)
{
	int err = errno;
	va_list ap;

	igt_critical("Test assertion failure function %s, file %s:%d:\n",
		     func, file, line);
	igt_critical("Failed assertion: %s\n", assertion);
	if (err)
		igt_critical("Last errno: %d, %s\n", err, strerror(err));
	if (f) {
		char *msg = NULL, *p, *nl;

		va_start(ap, f);
		if (vasprintf(&msg, f, ap) < 0)
			msg = NULL;
		va_end(ap);
		for (p = msg; p && *p; p = nl) {
			nl = strchr(p, '\n');
			nl = nl ? nl + 1 : p + strlen(p);
			igt_critical("%.*s%s", (int)(nl - p), p,
				     nl[-1] == '\n' ? "" : "\n");
		}
		free(msg);
	}
	igt_fail(IGT_EXIT_FAILURE);
}

/* Set in a child just forked by __igt_fork_all(), until it runs the body. */
static bool fork_body_pending;

int __igt_fork_all(int num_children)
{
	pid_t pid, *p;
	unsigned int cap;
	int child;

	if (!in_subtest && !in_fixture && !test_child && !simple_test)
		internal_error("igt_fork outside a subtest or fixture\n");
	for (child = 0; child < num_children; child++) {
		if (n_children == children_cap) {
			cap = children_cap ? 2 * children_cap : 16;
			p = realloc(children, cap * sizeof(*p));
			if (!p)
				internal_error("out of memory\n");
			children = p;
			children_cap = cap;
		}
		fflush(stdout);
		fflush(stderr);
		pid = fork();
		if (pid < 0)
			igt_assert_f(pid >= 0, "fork failed: %s\n",
				     strerror(errno));
		if (pid == 0) {
			test_child = true;
			fork_body_pending = true;
			free(children);
			children = NULL;
			n_children = 0;
			children_cap = 0;
			set_fatal_handlers(SIG_DFL);
			return child;
		}
		children[n_children++] = pid;
	}
	return -1;
}

bool __igt_fork_in_child(void)
{
	bool ret = fork_body_pending;

	fork_body_pending = false;
	return ret;
}

void igt_waitchildren(void)
{
	unsigned int left = n_children, i;
	bool failed = false;
	int status;
	pid_t pid;

	while (left) {
		pid = waitpid(-1, &status, 0);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (i = 0; i < n_children; i++)
			if (children[i] == pid)
				break;
		if (i == n_children)
			continue;
		children[i] = -1;
		left--;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			continue;
		if (failed)
			continue;	/* killed by us below */
		failed = true;
		if (WIFEXITED(status))
			igt_critical("child %u (pid %d) exited with status %d%s\n",
				     i, pid, WEXITSTATUS(status),
				     WEXITSTATUS(status) == IGT_EXIT_SKIP ?
				     " (a skip: not allowed in children)" : "");
		else
			igt_critical("child %u (pid %d) died of signal %d (%s)\n",
				     i, pid, WTERMSIG(status),
				     strsignal(WTERMSIG(status)));
		for (i = 0; i < n_children; i++)
			if (children[i] > 0)
				kill(children[i], SIGKILL);
	}
	n_children = 0;
	if (failed)
		igt_fail(IGT_EXIT_FAILURE);
}

void igt_exit(void)
{
	if (test_child)
		exit(IGT_EXIT_SUCCESS);
	fflush(stdout);
	if (igt_only_list_subtests())
		exit(IGT_EXIT_SUCCESS);
	kill_children();
	if (run_pattern && !pattern_matched) {
		fprintf(stderr, "Unknown subtest: %s\n", run_pattern);
		exit(IGT_EXIT_INVALID);
	}
	if (n_fail || failed_outside)
		exit(IGT_EXIT_FAILURE);
	/* A simple test that got here without a skip passed. */
	if (simple_test && skip_henceforth == CONTINUE)
		exit(IGT_EXIT_SUCCESS);
	if (n_success)
		exit(IGT_EXIT_SUCCESS);
	exit(IGT_EXIT_SKIP);
}
