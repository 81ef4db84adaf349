#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make api-check: compile tools/api-check/drm_msvm_api_check.c, a
# driver-shaped file written against upstream's public drm_gpusvm /
# drm_pagemap / drm_pagemap_util API, against drm-msvm's headers, as a
# kernel object (W=1, sparse) of the rig kernel; fail on any error or
# warning. Then check that every name tools/api-check/MISSING lists as
# absent is still absent from include/drm.
set -uo pipefail
. "$(dirname "$0")/rig/common.sh"

KDIR=${KDIR:-$("$RIG_DIR/build-kernel.sh")} || exit 1
OUT=$BUILD_DIR/api-check-kernel
rm -rf "$OUT"
mkdir -p "$OUT"
cp "$TOP_DIR/tools/api-check/drm_msvm_api_check.c" "$OUT/"
cat > "$OUT/Kbuild" <<KBUILD
ccflags-y += -I$TOP_DIR/include -I$TOP_DIR/include/uapi
obj-m += drm_msvm_api_check.o
KBUILD

fail=0
echo "api-check: drm_msvm_api_check.c against include/drm (W=1, sparse)"
if ! make -C "$KDIR" M="$OUT" W=1 C=1 drm_msvm_api_check.o \
		> "$OUT/build.log" 2>&1; then
	fail=1
fi
if grep -E 'warning:|error:' "$OUT/build.log"; then
	fail=1
fi

while read -r kind name _; do
	[ "$kind" = absent ] || [ "$kind" = omitted ] || continue
	name=${name%:}
	if grep -rqw -- "$name" "$TOP_DIR/include/drm"; then
		if [ "$kind" = absent ]; then
			echo "api-check: $name is in include/drm now: use it in drm_msvm_api_check.c and drop it from tools/api-check/MISSING"
		else
			echo "api-check: $name is in include/drm, but MISSING says it is deliberately not provided"
		fi
		fail=1
	fi
done < <(grep -v '^#' "$TOP_DIR/tools/api-check/MISSING")

if [ $fail -ne 0 ]; then
	echo "api-check: FAILED (log: $OUT/build.log)"
	exit 1
fi
echo "api-check: clean"
