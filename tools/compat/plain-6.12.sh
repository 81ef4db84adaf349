#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-plain-6.12: build drm_msvm.ko, vsvm.ko and the KUnit modules
# against a kernel whose buddy allocator is mainline 6.12's drm_buddy_*,
# not Debian 6.12's gpu_buddy_*.
#
# Debian's linux-source-6.12 carries the buddy allocator of later kernels:
# drivers/gpu/buddy.c with include/linux/gpu_buddy.h, and an
# include/drm/drm_buddy.h that keeps only the two DRM print helpers.
# Mainline 6.12 has the whole API in include/drm/drm_buddy.h with drm_*
# names. This script makes such a tree from the rig's source (hard links;
# only the two headers differ, tools/compat/drm_buddy_612.py writes the new
# drm_buddy.h), runs modules_prepare on it with the rig kernel's config,
# once (cached under ~/.cache/drm-msvm/, keyed by the rig kernel's key and
# the hash of these scripts), and builds the modules with W=1 from a copy
# of the sources (so that the objects of the worktree, built against the
# rig kernel, are left alone). Compiler warnings and errors fail; modpost's
# complaints about the symbols of a kernel that was never built do not.
set -euo pipefail
. "$(dirname "$0")/../rig/common.sh"

KDIR=${KDIR:-$("$RIG_DIR/build-kernel.sh")}
SRC=$(rig_src_dir)
GEN=$TOP_DIR/tools/compat/drm_buddy_612.py
WORK=$BUILD_DIR/plain-6.12
JOBS=$(nproc)
start=$(date +%s)

key=$( (cat "$0" "$GEN"; cat "$KDIR/.config") | sha256sum | cut -c1-12)
CACHE=$CACHE_DIR/plain-6.12-$(rig_kernel_key)-$key
mkdir -p "$CACHE_DIR" "$WORK"

prepare() {
	local tree=$CACHE/src out=$CACHE/out

	echo "plain-6.12: preparing a tree with mainline 6.12's drm_buddy in $CACHE"
	rm -rf "$CACHE"
	mkdir -p "$CACHE"
	cp -al "$SRC" "$tree"
	# New files, never written through the links into the rig's source.
	python3 "$GEN" "$SRC" > "$CACHE/drm_buddy.h"
	rm -f "$tree/include/drm/drm_buddy.h" "$tree/include/linux/gpu_buddy.h"
	cp "$CACHE/drm_buddy.h" "$tree/include/drm/drm_buddy.h"
	mkdir -p "$out"
	cp "$KDIR/.config" "$out/.config"
	make -s -C "$tree" O="$out" ARCH=x86_64 olddefconfig
	make -s -C "$tree" O="$out" ARCH=x86_64 -j"$JOBS" modules_prepare
	touch "$CACHE/.complete"
}

(
	flock 9
	[ -f "$CACHE/.complete" ] || prepare > "$WORK/prepare.log" 2>&1 ||
		{ cat "$WORK/prepare.log"; echo "plain-6.12: FAILED to prepare the tree"; exit 1; }
) 9> "$CACHE_DIR/plain-6.12.lock"

# The module sources, as the out-of-tree build and DKMS see them.
MOD=$WORK/mod
rm -rf "$MOD"
mkdir -p "$MOD"
(cd "$TOP_DIR" &&
 git ls-files -z --cached --others --exclude-standard Kbuild drivers include tests/kunit |
 xargs -0 cp --parents -t "$MOD")

log=$WORK/build.log
if ! make -C "$CACHE/out" M="$MOD" W=1 -j"$JOBS" KBUILD_MODPOST_WARN=1 \
	modules > "$log" 2>&1; then
	grep -E 'error|warning' "$log" | head -40
	echo "plain-6.12: FAILED: the build fails (log: $log)"
	exit 1
fi
if grep -E '(warning|error):' "$log" | grep -v '^WARNING: modpost: ' | grep -q .; then
	grep -E '(warning|error):' "$log" | head -40
	echo "plain-6.12: FAILED: the build warns (log: $log)"
	exit 1
fi

# It must have taken the drm_buddy_* path of vsvm_buddy_compat.h.
if grep -q VSVM_HAVE_GPU_BUDDY "$MOD/drivers/gpu/drm/vsvm/.vsvm_vram.o.cmd"; then
	echo "plain-6.12: FAILED: vsvm was built with the gpu_buddy_* names"
	exit 1
fi
for ko in drivers/gpu/drm/drm_msvm.ko drivers/gpu/drm/vsvm/vsvm.ko \
	tests/kunit/vsvm_vram_test.ko tests/kunit/vsvm_buddy_test.ko; do
	[ -f "$MOD/$ko" ] || { echo "plain-6.12: FAILED: $ko was not built"; exit 1; }
done
n=$(find "$MOD" -name '*.ko' | wc -l)
echo "plain-6.12: drm_msvm.ko, vsvm.ko and $((n - 2)) KUnit modules build against mainline 6.12's drm_buddy_* API, W=1 clean, in $(($(date +%s) - start)) s"
