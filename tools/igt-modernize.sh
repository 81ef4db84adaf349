#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Convert igt test sources from the old IGT core forms to the function-like
# forms of igt-gpu-tools master (December 2025 on), in place:
#
#   igt_main                 ->  int igt_main()
#   igt_main_args(...)       ->  int igt_main_args(...)
#   igt_simple_main          ->  int igt_simple_main()
#   igt_simple_main_args(...) -> int igt_simple_main_args(...)
#   igt_fixture              ->  igt_fixture()
#   igt_subtest_group        ->  igt_subtest_group()
#
# The mains are converted where they start a line, as IGT tests write
# them. Files already in the new forms are left alone, so it can be run on
# every file again.
#
#   tools/igt-modernize.sh FILE...          convert the files
#   tools/igt-modernize.sh --check FILE...  convert nothing; list the files
#                                           still in an old form, fail if any
set -euo pipefail

check=0
if [ "${1:-}" = --check ]; then
	check=1
	shift
fi
[ $# -gt 0 ] || { echo "usage: $0 [--check] FILE..." >&2; exit 2; }

# The word must not go on as an identifier or be called already.
not_called='([[:space:]]*)([^[:alnum:]_([:space:]]|$)'
script="
s/^igt_main[[:space:]]*\$/int igt_main()/
s/^igt_main[[:space:]]*\\{/int igt_main() {/
s/^igt_simple_main[[:space:]]*\$/int igt_simple_main()/
s/^igt_simple_main[[:space:]]*\\{/int igt_simple_main() {/
s/^(igt_main_args|igt_simple_main_args)[[:space:]]*\\(/int \\1(/
s/(^|[^[:alnum:]_])igt_fixture$not_called/\\1igt_fixture()\\2\\3/g
s/(^|[^[:alnum:]_])igt_subtest_group$not_called/\\1igt_subtest_group()\\2\\3/g
"

stale=0
for f in "$@"; do
	new=$(sed -E "$script" "$f")
	if [ "$new" != "$(cat "$f")" ]; then
		if [ $check -eq 1 ]; then
			echo "$f: old IGT forms (convert with $0 $f)"
			stale=1
		else
			printf '%s\n' "$new" > "$f"
			echo "converted $f"
		fi
	fi
done
exit $stale
