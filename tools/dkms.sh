#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# DKMS packaging of drm-msvm.
#
#   tools/dkms.sh src [DIR]   stage the DKMS source tree (what dkms.conf
#                             builds: Kbuild, drivers/, include/, tests/)
#                             as DIR/drm-msvm-<version> (default DIR:
#                             build/dkms/src) and print its path
#   tools/dkms.sh check KDIR  `dkms add` and `dkms build` it for the kernel
#                             build directory KDIR, in a private DKMS tree
#                             under build/dkms (nothing in /usr/src,
#                             /var/lib/dkms or /lib/modules is touched),
#                             and check that both modules were built
set -euo pipefail

TOP_DIR=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$TOP_DIR/build}
DKMS_DIR=$BUILD_DIR/dkms

conf_value() {
	sed -n "s/^$1=\"\\(.*\\)\"$/\\1/p" "$TOP_DIR/dkms.conf"
}

NAME=$(conf_value PACKAGE_NAME)
VERSION=$(conf_value PACKAGE_VERSION)

stage_src() {
	local dir=$1/$NAME-$VERSION

	rm -rf "$dir"
	mkdir -p "$dir"
	(cd "$TOP_DIR" &&
	 git ls-files -z --cached --others --exclude-standard dkms.conf Kbuild COPYING LICENSE drivers include tests |
	 xargs -0 cp --parents -t "$dir")
	echo "$dir"
}

check() {
	local kdir=$1 krel arch out mod start

	[ -f "$kdir/include/config/kernel.release" ] ||
		{ echo "dkms: $kdir is not a kernel build directory" >&2; exit 1; }
	command -v dkms >/dev/null ||
		{ echo "dkms: dkms is not installed (tools/rig/deps.sh)" >&2; exit 1; }
	krel=$(cat "$kdir/include/config/kernel.release")
	arch=$(uname -m)
	start=$(date +%s)

	rm -rf "$DKMS_DIR/src" "$DKMS_DIR/tree" "$DKMS_DIR/install"
	mkdir -p "$DKMS_DIR/tree" "$DKMS_DIR/install"
	stage_src "$DKMS_DIR/src" >/dev/null
	local opts=(--sourcetree "$DKMS_DIR/src" --dkmstree "$DKMS_DIR/tree"
		    --installtree "$DKMS_DIR/install")

	echo "dkms: add and build $NAME/$VERSION for $krel ($kdir)"
	if ! dkms add "${opts[@]}" -m "$NAME" -v "$VERSION" > "$DKMS_DIR/dkms.log" 2>&1 ||
	   ! dkms build "${opts[@]}" -m "$NAME" -v "$VERSION" -k "$krel/$arch" \
		--kernelsourcedir "$kdir" >> "$DKMS_DIR/dkms.log" 2>&1; then
		cat "$DKMS_DIR/dkms.log"
		find "$DKMS_DIR/tree" -name make.log -exec cat {} + 2>/dev/null
		echo "dkms: FAILED (log in $DKMS_DIR/dkms.log)"
		exit 1
	fi

	out=$DKMS_DIR/tree/$NAME/$VERSION/$krel/$arch/module
	for mod in drm_msvm vsvm; do
		if ! ls "$out/$mod.ko"* >/dev/null 2>&1; then
			echo "dkms: FAILED: $mod.ko was not built (log in $DKMS_DIR)"
			exit 1
		fi
	done
	echo "dkms: built drm_msvm.ko and vsvm.ko in $(($(date +%s) - start)) s"
}

case "${1:-}" in
src)
	stage_src "${2:-$DKMS_DIR/src}"
	;;
check)
	[ $# -eq 2 ] || { echo "usage: $0 check KDIR" >&2; exit 2; }
	check "$2"
	;;
*)
	echo "usage: $0 src [DIR] | check KDIR" >&2
	exit 2
	;;
esac
