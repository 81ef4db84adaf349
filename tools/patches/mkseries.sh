#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make patches: the upstream series against the rig's kernel source, in
# build/patches (or OUTDIR). What goes in which patch: tools/patches/series.
set -euo pipefail
. "$(dirname "$0")/../rig/common.sh"

SRC=$(rig_src_dir)
[ -f "$SRC/Makefile" ] || "$RIG_DIR/build-kernel.sh" >/dev/null
exec python3 "$TOP_DIR/tools/patches/mkseries.py" "$SRC" "${1:-$BUILD_DIR/patches}"
