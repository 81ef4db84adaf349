#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The driver uses only the framework's public API: vsvm (drivers/gpu/drm/vsvm
# and its KUnit suites, tests/kunit/vsvm_*) includes no framework-private
# header (drivers/gpu/drm/*.h, such as drm_msvm_internal.h: its quoted
# includes are vsvm's own headers) and names no framework field that is
# private (listed below: drm-msvm's own bookkeeping, or opaque upstream).
# Run by tools/check-static.sh; prints what it finds and fails on it.
set -uo pipefail
cd "$(dirname "$0")/.."

mapfile -t files < <(git ls-files 'drivers/gpu/drm/vsvm/*.[ch]' \
	'tests/kunit/vsvm_*.[ch]')
fail=0

# Quoted includes: only vsvm's own headers.
if grep -nE '^\s*#\s*include\s+"' "${files[@]}" |
		grep -vE '#\s*include\s+"vsvm_[a-z0-9_]+\.h"'; then
	echo "check-private: vsvm includes a header that is not its own"
	fail=1
fi
if grep -nE '#\s*include\s+[<"].*drm_msvm_internal\.h' "${files[@]}"; then
	echo "check-private: vsvm includes the framework-private header"
	fail=1
fi

# Framework fields a driver must not touch (the structs of drm_gpusvm's
# trees and lists, the pagemap's cache, shrinker and revocation state).
private='range_list|notifier_list|gc_list|gc_lock|gc_link|lookup_mutex'
private+='|num_inactive|dpagemaps|shrink_link|destroy_link|dev_hold'
private+='|revoke_sem|revoked|lock_dep_map'
if grep -nE "(->|\\.)($private)\\b" "${files[@]}"; then
	echo "check-private: vsvm touches a private framework field"
	fail=1
fi
exit $fail
