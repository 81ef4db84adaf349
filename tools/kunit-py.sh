#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-kunit-py: the KUnit suites run by the kernel's own tool, as a
# reviewer of the upstream series would run them:
#
#   tools/testing/kunit/kunit.py run --arch=x86_64 \
#	--kunitconfig=drivers/gpu/drm/vsvm
#
# in a copy of the rig's kernel source with the series (make patches)
# applied. kunit.py builds an x86_64 kernel with the suites built in
# (drivers/gpu/drm/vsvm/.kunitconfig) and boots it in QEMU (TCG here).
#
# The tree and the kernel build are cached under ~/.cache/drm-msvm/ (keyed
# by the rig's source), so that a run after the first rebuilds only what
# the series changed: the tree is made afresh from the series each time,
# and a file whose content did not change keeps its time stamp. One run at
# a time per machine builds there (a lock), and its guest takes the rig's
# lock, as every guest does. Every suite must pass: a failed, crashed or
# skipped case fails the check. Logs in build/kunit-py/.
set -euo pipefail
. "$(dirname "$0")/rig/common.sh"

SRC=$(rig_src_dir)
[ -f "$SRC/.rig-extracted" ] || "$RIG_DIR/build-kernel.sh" >/dev/null
CACHE=$CACHE_DIR/kunit-py-$(rig_src_version)$(rig_patches_tag)
TREE=$CACHE/src
OUT=$CACHE/out
LOGS=$BUILD_DIR/kunit-py
KUNITCONFIG=drivers/gpu/drm/vsvm
JOBS=$(nproc)
TIMEOUT=${KUNIT_TIMEOUT:-900}
start=$(date +%s)

mkdir -p "$CACHE_DIR" "$LOGS"
rm -f "$LOGS"/*.log

"$TOP_DIR/tools/patches/mkseries.sh" "$LOGS/patches" > /dev/null
mapfile -t patches < <(find "$LOGS/patches" -maxdepth 1 -name '[0-9][0-9][0-9][0-9]-*.patch' \
	! -name '0000-*' | sort)

# A fresh tree: hard links to the rig's source, the series applied (patch
# writes new files, never through a link). Files of the series that did
# not change since the last run keep their time stamps.
make_tree() {
	local new=$CACHE/src.new f

	rm -rf "$new" "$CACHE/src.old"
	mkdir -p "$CACHE"
	cp -al "$SRC" "$new"
	for p in "${patches[@]}"; do
		patch -p1 -s --batch --no-backup-if-mismatch -d "$new" < "$p" ||
			{ echo "kunit-py: $(basename "$p") does not apply"; return 1; }
	done
	if [ -d "$TREE" ]; then
		sed -n 's|^+++ b/||p' "${patches[@]}" | sort -u | while read -r f; do
			if [ -f "$TREE/$f" ] && cmp -s "$TREE/$f" "$new/$f"; then
				touch -r "$TREE/$f" "$new/$f"
			fi
		done
		mv "$TREE" "$CACHE/src.old"
	fi
	mv "$new" "$TREE"
	rm -rf "$CACHE/src.old"
}

kunit() {
	(cd "$TREE" && python3 tools/testing/kunit/kunit.py "$@" --arch=x86_64 \
		--kunitconfig="$KUNITCONFIG" --build_dir="$OUT")
}

exec 8>"$CACHE_DIR/kunit-py.lock"
if ! flock -n 8; then
	echo "kunit-py: waiting for another kunit-py run on this machine"
	flock 8
fi

make_tree
echo "kunit-py: building in $OUT (a full kernel the first time: 10 minutes or more on 2 cores)"
t0=$(date +%s)
if ! kunit build --jobs="$JOBS" > "$LOGS/build.log" 2>&1; then
	tail -40 "$LOGS/build.log"
	echo "kunit-py: FAILED: the build (log: $LOGS/build.log)"
	exit 1
fi
build_s=$(($(date +%s) - t0))

# The guest: one at a time on the machine, as tools/rig/run.sh.
exec 9>"$CACHE_DIR/rig.lock"
if ! flock -n 9; then
	echo "kunit-py: waiting for another guest on this machine to finish"
	flock 9
fi
t0=$(date +%s)
rc=0
kunit exec --timeout="$TIMEOUT" > "$LOGS/kunit.log" 2>&1 || rc=$?
exec 9>&-
run_s=$(($(date +%s) - t0))

# The suites, as kunit.py prints them, then its summary.
grep -E '^\[..:..:..\] =+ \S+ \([0-9]+ subtests\) =+$' "$LOGS/kunit.log" |
	sed 's/^\[..:..:..\] =* *\(.*[^ =]\) *=*$/kunit-py:   \1/' || true
summary=$(grep -E 'Testing complete\. Ran [0-9]+ tests' "$LOGS/kunit.log" | tail -1 || true)
summary=${summary#*] }
suites=$(grep -cE '^\[..:..:..\] =+ \S+ \([0-9]+ subtests\) =+$' "$LOGS/kunit.log" || true)
if [ $rc -ne 0 ] || [ -z "$summary" ] ||
   ! echo "$summary" | grep -qE 'passed: [0-9]+$'; then
	grep -E '\[(FAILED|SKIPPED|CRASHED)\]' "$LOGS/kunit.log" || true
	echo "kunit-py: FAILED: ${summary:-no test results} (log: $LOGS/kunit.log)"
	exit 1
fi
echo "kunit-py: $summary, in $suites suites (build ${build_s} s, run ${run_s} s, in all $(($(date +%s) - start)) s)"
