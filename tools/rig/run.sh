#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the drm-msvm rig: the cached rig kernel under QEMU TCG (q35, 2 CPUs,
# 4 GiB) with a busybox initramfs holding our modules, the kernel's
# test_hmm.ko and the igt binaries, on this PCI topology:
#
#   pcie.0 - root port rp0 - x3130 upstream - downstream dp0 - ivshmem vram0
#                                           \ downstream dp1 - ivshmem vram1
#          - root port rp1 - ivshmem vram2        (no P2P path by default)
#
# plus the sysmem-backed platform devices of vsvm's module parameters.
#
#   run.sh                 interactive: devices, demo, then a shell
#   run.sh --demo          devices, then every demo under /demo (built into
#                          build/demo), and exit; fails if a demo fails
#   run.sh --cmd 'CMD'     run CMD in the guest and exit
#   run.sh --test          run every KUnit module and igt test; summary,
#                          non-zero exit on any failure or kernel report
#   run.sh --stress SECS   run the adversarial harness (igt binaries named in
#                          STRESS_TESTS below) for about SECS seconds in all,
#                          judged as --test
#   run.sh --bench 'ARGS'  the bench flavour: the non-debug kernel
#                          (build-kernel.sh bench), drm_msvm, vsvm and the
#                          kernel's test_hmm.ko loaded in the same boot, runs
#                          /bench/vsvm_bench ARGS and copies its results to
#                          $BUILD_DIR/bench (see tools/rig/bench.sh, which
#                          builds the modules for it: make bench); defaults
#                          to --bar-mb 512 --bar-skew-kb 4 --sysmem-devices 0
# Options: --cpu MODEL (e.g. EPYC: the lone device gets a P2P path through
# the host bridge), --bar-mb N (ivshmem memory BAR size, default 64),
# --bar-skew-kb N (vsvm's bar_skew_kb: the n-th PCI device's VRAM starts
# n * N KiB into its BAR, so that the BARs' kernel mappings do not alias
# in TCG's TLB; default 0, see vsvm_pci.c), --sysmem-devices N,
# --vsvm-params K=V,K=V (more vsvm module parameters, comma-separated,
# e.g. fabric=f0,sysmem_vram_mb=64: the sysmem devices on one fabric, for
# the read replica benchmark's four devices of one owner group),
# --modules-dir DIR (where drm_msvm.ko and vsvm.ko are built, default the
# tree), --timeout SECONDS, --only 'NAME ...' (--test and
# --stress: run only the KUnit modules and igt binaries of these names),
# --seed N (the seed of the randomised tests; default: a new one each run,
# printed, so that a failure replays with --seed), --expect-group N (tests
# that use the largest owner group fail if it has fewer than N devices:
# VSVM_EXPECT_GROUP).
#
# Only one guest runs at a time on a machine (a lock under the cache
# directory): two TCG guests on two cores would only slow each other down.
set -euo pipefail
. "$(dirname "$0")/common.sh"

MODE=shell
CMD=""
CPU=""
BAR_MB=""
BAR_SKEW_KB=""
SYSMEM_DEVICES=""
VSVM_EXTRA=""
MODULES_DIR=$TOP_DIR
BENCH_ARGS=""
TIMEOUT=""
ONLY=""
SEED=""
EXPECT_GROUP=0
STRESS_SECONDS=0
# The harness, run by --stress; --test runs a bounded slice of each.
STRESS_TESTS="vsvm_fuzz vsvm_torture vsvm_faultinject"
while [ $# -gt 0 ]; do
	case "$1" in
	--test) MODE=test ;;
	--demo) MODE=demo ;;
	--cmd) MODE=cmd; CMD=$2; shift ;;
	--cpu) CPU=$2; shift ;;
	--bar-mb) BAR_MB=$2; shift ;;
	--bar-skew-kb) BAR_SKEW_KB=$2; shift ;;
	--modules-dir) MODULES_DIR=$2; shift ;;
	--bench) MODE=bench; BENCH_ARGS=$2; shift ;;
	--sysmem-devices) SYSMEM_DEVICES=$2; shift ;;
	--vsvm-params) VSVM_EXTRA=${2//,/ }; shift ;;
	--timeout) TIMEOUT=$2; shift ;;
	--only) ONLY=$2; shift ;;
	--seed) SEED=$2; shift ;;
	--expect-group) EXPECT_GROUP=$2; shift ;;
	--stress) MODE=test; STRESS_SECONDS=$2; shift
		  [ -n "$ONLY" ] || ONLY=$STRESS_TESTS ;;
	*) rig_die "unknown option $1 (see the header of $0)" ;;
	esac
	shift
done
if [ "$MODE" = bench ]; then
	# Room for 256 MiB runs, and BAR mappings that do not alias.
	RIG_FLAVOUR=bench
	: "${BAR_MB:=512}" "${BAR_SKEW_KB:=4}" "${SYSMEM_DEVICES:=0}"
	[ -n "$TIMEOUT" ] || TIMEOUT=1800
fi
[ -n "$TIMEOUT" ] || { [ "$MODE" = shell ] && TIMEOUT=86400 || TIMEOUT=900; }
: "${BAR_MB:=64}" "${BAR_SKEW_KB:=0}" "${SYSMEM_DEVICES:=2}"
case "$STRESS_SECONDS" in
''|*[!0-9]*) rig_die "--stress takes a number of seconds" ;;
esac
# The guest boots, sets up and scans for leaks besides the stress time.
[ "$STRESS_SECONDS" -eq 0 ] || TIMEOUT=$((STRESS_SECONDS * 2 + 600))
[ -n "$SEED" ] || SEED=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
case "$SEED" in
''|*[!0-9]*) rig_die "--seed takes a number" ;;
esac
echo "rig: seed $SEED (replay with --seed $SEED)"
# --stress: the time is shared among the harness binaries that run.
STRESS_SECONDS_EACH=0
if [ "$STRESS_SECONDS" -gt 0 ]; then
	n=$(echo $ONLY | wc -w)
	STRESS_SECONDS_EACH=$((STRESS_SECONDS / (n > 0 ? n : 1)))
	[ "$STRESS_SECONDS_EACH" -gt 0 ] || STRESS_SECONDS_EACH=1
fi

KDIR=${KDIR:-$("$RIG_DIR/build-kernel.sh" "$RIG_FLAVOUR")}
OUT=$BUILD_DIR/rig
mkdir -p "$OUT"
STAGE=$OUT/initramfs
rm -rf "$STAGE"
mkdir -p "$STAGE"/{bin,sbin,dev,proc,sys,tmp,rig,igt,demo,bench} \
	 "$STAGE"/lib/modules/{kernel,msvm,kunit}

# The initramfs: busybox, modules, test binaries, init and its parameters.
cp /bin/busybox "$STAGE/bin/busybox"
cp "$RIG_DIR/init" "$STAGE/init"
chmod +x "$STAGE/init"
cp "$KDIR/drivers/gpu/drm/drm_buddy.ko" "$KDIR/lib/test_hmm.ko" \
   "$STAGE/lib/modules/kernel/"
for m in drivers/gpu/drm/drm_msvm.ko drivers/gpu/drm/vsvm/vsvm.ko; do
	[ -f "$MODULES_DIR/$m" ] || rig_die "$MODULES_DIR/$m is not built: run make"
	cp "$MODULES_DIR/$m" "$STAGE/lib/modules/msvm/"
done
find "$TOP_DIR/tests/kunit" -maxdepth 1 -name '*_test.ko' \
	-exec cp {} "$STAGE/lib/modules/kunit/" \;
if [ -d "$BUILD_DIR/igt" ]; then
	find "$BUILD_DIR/igt" -maxdepth 1 -type f -perm -u+x \
		-exec cp {} "$STAGE/igt/" \;
fi
if [ "$MODE" = bench ]; then
	[ -x "$BUILD_DIR/bench-bin/vsvm_bench" ] ||
		rig_die "$BUILD_DIR/bench-bin/vsvm_bench is not built: run make bench"
	cp "$BUILD_DIR/bench-bin/vsvm_bench" "$STAGE/bench/"
fi
if [ -d "$BUILD_DIR/demo" ]; then
	find "$BUILD_DIR/demo" -maxdepth 1 -type f -perm -u+x \
		-exec cp {} "$STAGE/demo/" \;
fi
NPCI=3
echo "$MODE" > "$STAGE/rig/mode"
printf '%s\n' "$CMD" > "$STAGE/rig/cmd"
cat > "$STAGE/rig/params" <<PARAMS
VSVM_PARAMS="sysmem_devices=$SYSMEM_DEVICES bar_skew_kb=$BAR_SKEW_KB $VSVM_EXTRA"
EXPECT_DEVICES=$((NPCI + SYSMEM_DEVICES))
export VSVM_EXPECT_DEVICES=$((NPCI + SYSMEM_DEVICES))
RIG_ONLY="$ONLY"
export VSVM_SEED=$SEED
export VSVM_STRESS_SECONDS=$STRESS_SECONDS_EACH
export VSVM_EXPECT_GROUP=$EXPECT_GROUP
BENCH_ARGS="$BENCH_ARGS"
PARAMS
(cd "$STAGE" && find . | cpio -o -H newc --quiet | gzip -1) > "$OUT/initramfs.cpio.gz"

# The demo's and the benchmark's output is the point: only kernel
# warnings on the console.
LOGLEVEL=7
[ "$MODE" != demo ] && [ "$MODE" != bench ] || LOGLEVEL=4

QEMU=(qemu-system-x86_64 -M q35 -accel tcg -smp 2 -m 4G -nodefaults
      -no-reboot -display none
      -kernel "$KDIR/arch/x86/boot/bzImage" -initrd "$OUT/initramfs.cpio.gz"
      -append "console=ttyS0 loglevel=$LOGLEVEL panic=-1 nokaslr hung_task_timeout_secs=60"
      -device pcie-root-port,id=rp0,bus=pcie.0,chassis=1,slot=1
      -device x3130-upstream,id=up0,bus=rp0
      -device xio3130-downstream,id=dp0,bus=up0,chassis=2,slot=0
      -device xio3130-downstream,id=dp1,bus=up0,chassis=3,slot=0
      -device pcie-root-port,id=rp1,bus=pcie.0,chassis=4,slot=2)
for i in 0 1 2; do
	bus=(dp0 dp1 rp1)
	QEMU+=(-object "memory-backend-ram,id=vram$i,size=${BAR_MB}M"
	       -device "ivshmem-plain,memdev=vram$i,bus=${bus[$i]}")
done
[ -z "$CPU" ] || QEMU+=(-cpu "$CPU")

# One guest at a time (see the header).
mkdir -p "$CACHE_DIR"
exec 9>"$CACHE_DIR/rig.lock"
if ! flock -n 9; then
	echo "rig: waiting for another guest on this machine to finish"
	flock 9
fi

case "$MODE" in
test)
	rm -f "$OUT/console.log" "$OUT/results.log"
	QEMU+=(-serial "file:$OUT/console.log" -serial "file:$OUT/results.log")
	start=$(date +%s)
	rc=0
	timeout --foreground -k 5 "$TIMEOUT" "${QEMU[@]}" </dev/null || rc=$?
	echo "rig: guest ran $(( $(date +%s) - start ))s (qemu exit $rc)"
	[ $rc -ne 124 ] || echo "rig: guest killed after the ${TIMEOUT}s timeout"
	exec python3 "$RIG_DIR/report.py" --console "$OUT/console.log" \
		--results "$OUT/results.log" ${ONLY:+--subset} --seed "$SEED" \
		--kunit-py "$(rig_src_dir)/tools/testing/kunit/kunit.py"
	;;
demo)
	QEMU+=(-serial mon:stdio -serial "file:$OUT/serial1.log")
	rc=0
	timeout --foreground -k 5 "$TIMEOUT" "${QEMU[@]}" </dev/null |
		tee "$OUT/demo.log" || rc=$?
	[ $rc -eq 0 ] || rig_die "the guest failed or timed out (exit $rc)"
	! grep -q '^rig: demo .* exited with status [1-9]' "$OUT/demo.log" ||
		rig_die "a demo failed, see $OUT/demo.log"
	grep -q '^rig: demo .* exited with status 0' "$OUT/demo.log" ||
		rig_die "no demo ran (build/demo is empty?)"
	;;
bench)
	BOUT=$BUILD_DIR/bench
	mkdir -p "$BOUT"
	rm -f "$BOUT"/{console.log,serial1.log,results.csv,results.json,summary.dat}
	QEMU+=(-serial mon:stdio -serial "file:$BOUT/serial1.log")
	rc=0
	timeout --foreground -k 5 "$TIMEOUT" "${QEMU[@]}" </dev/null |
		tee "$BOUT/console.log" || rc=$?
	[ $rc -eq 0 ] || rig_die "the guest failed or timed out (exit $rc)"
	# The guest's result files, between RIG-FILE markers on ttyS1.
	awk -v dir="$BOUT" '
		{ sub(/\r$/, "") }
		/^RIG-FILE-BEGIN [A-Za-z0-9._-]+$/ {
			f = dir "/" $2; printf "" > f; next }
		/^RIG-FILE-END/ { close(f); f = ""; next }
		f != "" { print >> f }' "$BOUT/serial1.log"
	if grep -nE '(WARNING:|BUG:|Oops|general protection|Call Trace:)' \
		"$BOUT/console.log"; then
		rig_die "kernel report during the benchmark, see $BOUT/console.log"
	fi
	status=$(sed -n 's/^rig: bench exited with status \([0-9]*\).*/\1/p' \
		 "$BOUT/console.log" | tail -1)
	[ -n "$status" ] || rig_die "the benchmark did not finish, see $BOUT/console.log"
	[ "$status" -eq 0 ] || rig_die "the benchmark failed (status $status), see $BOUT/console.log"
	;;
*)
	QEMU+=(-serial mon:stdio -serial "file:$OUT/serial1.log")
	exec timeout --foreground -k 5 "$TIMEOUT" "${QEMU[@]}"
	;;
esac
