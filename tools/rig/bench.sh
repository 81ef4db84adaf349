#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: build what the benchmark needs and run it in the rig.
#
#   1. the bench flavour of the rig kernel (build-kernel.sh bench: the rig's
#      options without KASAN, kmemleak, lockdep, DEBUG_VM, fault
#      injection), built once and cached like the debug kernel;
#   2. drm_msvm.ko and vsvm.ko against it, from a copy of the sources in
#      $BUILD_DIR/bench-src, so that the tree's own (debug) build is left
#      alone;
#   3. the benchmark program, bench/vsvm_bench.c, static, in
#      $BUILD_DIR/bench-bin;
#   4. run.sh --bench: one boot, drm_msvm, vsvm and test_hmm.ko loaded,
#      the program run, its results in $BUILD_DIR/bench (results.csv,
#      results.json, summary.dat, console.log) and the plot made here,
#      bench.png (gnuplot).
#
# Environment: SIZES (MiB, comma separated, default 16,64,256), REPS
# (default 3), LAT_SAMPLES (single faults per latency sample, default 64),
# PATHS (comma separated path names, default all), THP (on, off or empty
# for the system's default), BENCH_ARGS (more vsvm_bench options),
# run.sh options in RIG_ARGS (e.g. "--bar-skew-kb 0"), and REV: benchmark
# the modules of that git revision (a commit, branch or tree id; the
# program stays the working tree's) instead of the working tree's. A
# revision without vsvm's bar_skew_kb ignores it (the kernel warns "unknown
# parameter"), so its P2P and THP figures show the TCG TLB artefact.
set -euo pipefail
. "$(dirname "$0")/common.sh"

"$RIG_DIR/deps.sh" bench >&2
KDIR=$("$RIG_DIR/build-kernel.sh" bench)
SRC=$(rig_src_dir)

if [ -n "${REV:-}" ]; then
	# The modules of another revision (a commit, branch or tree), in a
	# copy of their own, extracted afresh each time.
	MSRC=$BUILD_DIR/bench-src-rev
	rm -rf "$MSRC"
	mkdir -p "$MSRC"
	git -C "$TOP_DIR" archive "$REV" Kbuild drivers include tests |
		tar -x -C "$MSRC"
	echo "bench: the modules of $REV ($(git -C "$TOP_DIR" rev-parse "$REV"))"
else
	# The working tree's, copied; the copy's objects stay between runs.
	MSRC=$BUILD_DIR/bench-src
	mkdir -p "$MSRC"
	(cd "$TOP_DIR" && git ls-files Kbuild drivers include tests |
		xargs cp -pu --parents -t "$MSRC/")
fi
echo "bench: modules against $KDIR in $MSRC"
# Not the KUnit suites: some need the debug kernel's fault injection.
make -s -C "$KDIR" M="$MSRC" -j"$(nproc)" \
	CONFIG_DRM_MSVM_KUNIT_TEST=n CONFIG_DRM_VSVM_KUNIT_TEST=n modules

echo "bench: the benchmark program"
make -s -C "$TOP_DIR/bench" O="$BUILD_DIR/bench-bin" KSRC="$SRC"

args="-r ${REPS:-3} -s ${SIZES:-16,64,256} -l ${LAT_SAMPLES:-64}"
[ -z "${PATHS:-}" ] || args="$args -p $PATHS"
[ -z "${THP:-}" ] || args="$args -t $THP"
args="$args ${BENCH_ARGS:-}"
# The host's load: a busy host slows the guest, most of all its
# cross-CPU wake-ups; say how busy it was.
echo "bench: host load before: $(cut -d' ' -f1-3 /proc/loadavg)"
# shellcheck disable=SC2086
"$RIG_DIR/run.sh" --bench "$args" --modules-dir "$MSRC" \
	${RIG_ARGS:-}

echo "bench: host load after: $(cut -d' ' -f1-3 /proc/loadavg)"
OUT=$BUILD_DIR/bench
if [ -s "$OUT/summary.dat" ]; then
	# The data lines of each block (throughput, then latency).
	read -r ntp nlat < <(awk 'BEGIN { blk = 0 } !NF { blk = 1; next } /^#/ { next }
		{ n[blk]++ } END { print n[0] + 0, n[1] + 0 }' "$OUT/summary.dat")
	gnuplot -e "datafile='$OUT/summary.dat'; outfile='$OUT/bench.png'; ntp=$ntp; nlat=$nlat" \
		"$TOP_DIR/bench/plot.gp" && echo "bench: plot in $OUT/bench.png"
fi
echo "bench: results in $OUT (results.csv, results.json, summary.dat, console.log)"
