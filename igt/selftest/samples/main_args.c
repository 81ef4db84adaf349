// SPDX-License-Identifier: MIT
/*
 * Self-test sample: igt_main_args() with a test option of its own, -n N or
 * --count N (N must be positive), next to the runner's options.
 */
#include "igt.h"

static int count = 1;

static int opt_handler(int opt, int opt_index, void *data)
{
	int *n = data;

	switch (opt) {
	case 'n':
		*n = atoi(optarg);
		igt_info("MARK option n index %d\n", opt_index);
		return *n > 0 ? IGT_OPT_HANDLER_SUCCESS : IGT_OPT_HANDLER_ERROR;
	default:
		return IGT_OPT_HANDLER_ERROR;
	}
}

static const struct option long_opts[] = {
	{ "count", required_argument, NULL, 'n' },
	{ NULL, 0, NULL, 0 },
};

static const char help_str[] = "  -n, --count N            MARK count help\n";

int igt_main_args("n:", long_opts, help_str, opt_handler, &count)
{
	igt_subtest("count")
		igt_info("MARK count %d\n", count);
}
