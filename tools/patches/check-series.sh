#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-patches: generate the upstream series (tools/patches/mkseries.py)
# and check it patch by patch against a clean copy of the rig's kernel
# source: each patch must apply, `checkpatch.pl --strict` must find nothing
# in it, and the directories it touches must build. The copy is hard links
# (a file a patch changes is copied first, so the cache is never written).
# The build is of the patched drivers/gpu/drm/ as a module directory (M=)
# against the cached kernel build, with the series' Kconfig symbols =m; it
# is incremental from one patch to the next. After the last patch, the
# Kconfig entries are checked with olddefconfig on a copy of the rig's
# config: every symbol of the series must be settable.
set -uo pipefail
. "$(dirname "$0")/../rig/common.sh"

KDIR=${KDIR:-$("$RIG_DIR/build-kernel.sh")} || exit 1
SRC=$(rig_src_dir)
OUT=$BUILD_DIR/patches
WORK=$BUILD_DIR/check-patches
TREE=$WORK/src
JOBS=$(nproc)
start=$(date +%s)

"$TOP_DIR/tools/patches/mkseries.sh" "$OUT" || exit 1
mapfile -t patches < <(find "$OUT" -maxdepth 1 -name '[0-9][0-9][0-9][0-9]-*.patch' \
	! -name '0000-*' | sort)

rm -rf "$WORK"
mkdir -p "$WORK"
cp -al "$SRC" "$TREE" || exit 1

# The files a patch changes or adds, made private to the copy.
unshare_files() {
	local f

	sed -n 's|^+++ b/||p' "$1" | while read -r f; do
		if [ -e "$TREE/$f" ]; then
			cp -p "$TREE/$f" "$TREE/$f.unshare" &&
				mv -f "$TREE/$f.unshare" "$TREE/$f"
		fi
	done
}

# The series' Kconfig symbols in the patched tree, as make arguments.
series_symbols() {
	cat "$TREE/drivers/gpu/drm/Kconfig" "$TREE/drivers/gpu/drm/vsvm/Kconfig" \
		2>/dev/null | sed -n 's/^config \(DRM_[MV]SVM[A-Z_]*\)$/\1/p'
}

fail=0
for p in "${patches[@]}"; do
	name=$(basename "$p" .patch)
	log=$WORK/$name.log
	t0=$(date +%s)

	unshare_files "$p"
	if ! patch -p1 -s --batch --no-backup-if-mismatch -d "$TREE" < "$p" > "$log" 2>&1; then
		echo "check-patches: $name: does not apply"
		cat "$log"
		fail=1
		break
	fi

	(cd "$TREE" && perl scripts/checkpatch.pl --strict --terse --show-types "$p") \
		> "$WORK/$name.checkpatch" 2>&1
	cp_state="checkpatch clean"
	if grep -qE ': (ERROR|WARNING|CHECK):' "$WORK/$name.checkpatch"; then
		echo "check-patches: $name: checkpatch --strict:"
		grep -E ': (ERROR|WARNING|CHECK):' "$WORK/$name.checkpatch"
		cp_state="CHECKPATCH FAILS"
		fail=1
	fi

	mapfile -t syms < <(series_symbols)
	args=()
	for s in "${syms[@]}"; do
		args+=("CONFIG_$s=m")
	done
	make -C "$KDIR" M="$TREE/drivers/gpu/drm" -j"$JOBS" \
		KCFLAGS="-I$TREE/include -I$TREE/include/uapi" \
		"${args[@]}" modules >> "$log" 2>&1
	rc=$?
	if [ $rc -ne 0 ] || grep -qE 'warning:|error:|WARNING:|ERROR:' "$log"; then
		echo "check-patches: $name: the build fails (log: $log)"
		grep -E 'warning:|error:|WARNING:|ERROR:' "$log" | head -20
		fail=1
		break
	fi
	echo "check-patches: $name: applies, $cp_state, builds ($(($(date +%s) - t0)) s)"
done

if [ $fail -eq 0 ]; then
	# Every symbol of the series takes effect in a real config.
	kc=$WORK/kconfig
	mkdir -p "$kc"
	cp "$KDIR/.config" "$kc/.config"
	mapfile -t syms < <(series_symbols)
	for s in "${syms[@]}"; do
		echo "CONFIG_$s=m" >> "$kc/.config"
	done
	if ! make -s -C "$TREE" O="$kc" olddefconfig > "$WORK/kconfig.log" 2>&1; then
		echo "check-patches: olddefconfig fails (log: $WORK/kconfig.log)"
		fail=1
	fi
	for s in "${syms[@]}"; do
		if ! grep -q "^CONFIG_$s=m$" "$kc/.config"; then
			echo "check-patches: CONFIG_$s=m does not take effect with the rig's config"
			fail=1
		fi
	done
fi

if [ $fail -ne 0 ]; then
	echo "check-patches: FAILED (logs in $WORK)"
	exit 1
fi
echo "check-patches: ${#patches[@]} patches apply, are checkpatch --strict clean and build, in $(($(date +%s) - start)) s (series in $OUT)"
