# SPDX-License-Identifier: GPL-2.0
# Shared settings of the rig scripts: where the kernel source and the cached
# kernel build live. Sourced, not run.

RIG_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP_DIR=$(cd "$RIG_DIR/../.." && pwd)
CACHE_DIR=${XDG_CACHE_HOME:-$HOME/.cache}/drm-msvm
KSRC_PKG=linux-source-6.12
KSRC_TAR=/usr/src/$KSRC_PKG.tar.xz
# RIG_FLAVOUR: "debug" (the default: kernel.config, every debug option, the
# kernel of make check) or "bench" (kernel.config, then kernel-bench.config,
# which turns the debug options off; the kernel of make bench). Each flavour
# is cached apart, so building one never invalidates the other.
RIG_FLAVOUR=${RIG_FLAVOUR:-debug}
case "$RIG_FLAVOUR" in
debug) FRAGMENTS=("$RIG_DIR/kernel.config") ;;
bench) FRAGMENTS=("$RIG_DIR/kernel.config" "$RIG_DIR/kernel-bench.config") ;;
*) echo "rig: error: unknown kernel flavour $RIG_FLAVOUR" >&2; exit 1 ;;
esac
# Kernel patches the rig applies to the extracted source, in name order
# (git format-patch files, applied with patch -p1).
PATCH_DIR=$RIG_DIR/patches
BUILD_DIR=${BUILD_DIR:-$TOP_DIR/build}

rig_die() {
	echo "rig: error: $*" >&2
	exit 1
}

# rig_patches: the patch series, one path a line, in the order it applies.
rig_patches() {
	[ -d "$PATCH_DIR" ] || return 0
	find "$PATCH_DIR" -maxdepth 1 -name '*.patch' | LC_ALL=C sort
}

# rig_patches_tag: "" without patches, else "-p<hash of the series>": the
# names and contents of the patches, so that any change to the series gives
# a fresh source tree and kernel build.
rig_patches_tag() {
	local p
	p=$(rig_patches)
	[ -n "$p" ] || return 0
	echo "-p$( (cd "$PATCH_DIR" && sha256sum $(basename -a $p)) |
		sha256sum | cut -c1-12)"
}

rig_src_version() {
	local ver
	ver=$(dpkg-query -W -f='${Version}' "$KSRC_PKG" 2>/dev/null) ||
		rig_die "$KSRC_PKG is not installed (run tools/rig/deps.sh)"
	echo "${ver//[^A-Za-z0-9.+-]/_}"
}

# rig_kernel_key: "[<flavour>-]<source version>-<fragment hash>[-p<series
# hash>]", the cache key. The debug flavour's key is the hash of
# kernel.config alone (as before flavours existed); the bench flavour's
# hashes both fragments, in order, and is prefixed "bench-".
rig_kernel_key() {
	local ver hash prefix=""
	ver=$(rig_src_version) || exit 1
	if [ "$RIG_FLAVOUR" = debug ]; then
		hash=$(sha256sum "${FRAGMENTS[0]}" | cut -c1-12)
	else
		prefix="$RIG_FLAVOUR-"
		hash=$(cat "${FRAGMENTS[@]}" | sha256sum | cut -c1-12)
	fi
	echo "$prefix$ver-$hash$(rig_patches_tag)"
}

# rig_src_dir: the extracted source with the series applied.
rig_src_dir() {
	local ver
	ver=$(rig_src_version) || exit 1
	echo "$CACHE_DIR/src-$ver$(rig_patches_tag)/$KSRC_PKG"
}

rig_kernel_dir() {
	echo "$CACHE_DIR/kernel-$(rig_kernel_key)"
}
