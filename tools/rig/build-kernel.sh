#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build the rig kernel from Debian's linux-source-6.12, with the patch series
# in patches/ applied, and kernel.config on top of tinyconfig, once: the
# result is cached under ~/.cache/drm-msvm/, keyed by the source version, the
# fragments' hash and the series' hash. Prints the build directory (usable
# as KDIR) on stdout.
#
#   build-kernel.sh [debug|bench]
#
# The flavour (default: $RIG_FLAVOUR, else debug): "bench" merges
# kernel-bench.config after kernel.config (no KASAN, kmemleak, lockdep,
# DEBUG_VM, fault injection), for make bench; see common.sh.
set -euo pipefail
if [ $# -gt 0 ]; then
	RIG_FLAVOUR=$1
fi
. "$(dirname "$0")/common.sh"

"$RIG_DIR/deps.sh" >&2
OUT=$(rig_kernel_dir)
if [ -f "$OUT/.rig-complete" ]; then
	echo "$OUT"
	exit 0
fi

SRC=$(rig_src_dir)
if [ ! -f "$SRC/.rig-extracted" ]; then
	echo "rig: extracting $KSRC_TAR" >&2
	rm -rf "$(dirname "$SRC")"
	mkdir -p "$(dirname "$SRC")"
	tar -C "$(dirname "$SRC")" -xf "$KSRC_TAR"
	for p in $(rig_patches); do
		echo "rig: applying $(basename "$p")" >&2
		patch -d "$SRC" -p1 -s --batch --forward --no-backup-if-mismatch \
			< "$p" >&2 || rig_die "$p does not apply to $KSRC_PKG"
	done
	touch "$SRC/.rig-extracted"
fi

echo "rig: configuring kernel in $OUT" >&2
rm -rf "$OUT"
mkdir -p "$OUT"
KMAKE=(make -s -C "$SRC" O="$OUT" ARCH=x86_64)
"${KMAKE[@]}" tinyconfig >&2
"$SRC/scripts/kconfig/merge_config.sh" -m -O "$OUT" "$OUT/.config" \
	"${FRAGMENTS[@]}" >/dev/null
"${KMAKE[@]}" olddefconfig >&2

# Every option of the fragments must have taken effect, a later fragment's
# line overriding an earlier one's for the same option.
declare -A want=()
order=()
for f in "${FRAGMENTS[@]}"; do
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=*)
			opt=${line%%=*}
			[ -n "${want[$opt]+set}" ] || order+=("$opt")
			want[$opt]=$line ;;
		esac
	done < "$f"
done
bad=""
for opt in "${order[@]}"; do
	line=${want[$opt]}
	case "$line" in
	CONFIG_*=n)
		if grep -q "^$opt=" "$OUT/.config"; then bad="$bad $line"; fi ;;
	*)
		grep -qx -- "$line" "$OUT/.config" || bad="$bad $line" ;;
	esac
done
if [ -n "$bad" ]; then
	for b in $bad; do
		echo "rig: option did not take effect: $b (got: $(grep -E "^(# )?${b%%=*}[= ]" "$OUT/.config" || echo unset))" >&2
	done
	rig_die "kernel config incomplete, fix $(basename -a "${FRAGMENTS[@]}" | tr '\n' ' ')"
fi

echo "rig: building kernel (a few minutes, once)" >&2
start=$(date +%s)
"${KMAKE[@]}" -j"$(nproc)" bzImage modules >&2
echo "rig: kernel built in $(( $(date +%s) - start ))s" >&2
touch "$OUT/.rig-complete"
echo "$OUT"
