# SPDX-License-Identifier: GPL-2.0
# Shared settings of the rig scripts: where the kernel source and the cached
# kernel build live. Sourced, not run.

RIG_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP_DIR=$(cd "$RIG_DIR/../.." && pwd)
CACHE_DIR=${XDG_CACHE_HOME:-$HOME/.cache}/drm-msvm
KSRC_PKG=linux-source-6.12
KSRC_TAR=/usr/src/$KSRC_PKG.tar.xz
FRAGMENT=$RIG_DIR/kernel.config
BUILD_DIR=${BUILD_DIR:-$TOP_DIR/build}

rig_die() {
	echo "rig: error: $*" >&2
	exit 1
}

# rig_kernel_key: "<source version>-<fragment hash>", the cache key.
rig_kernel_key() {
	local ver hash
	ver=$(dpkg-query -W -f='${Version}' "$KSRC_PKG" 2>/dev/null) ||
		rig_die "$KSRC_PKG is not installed (run tools/rig/deps.sh)"
	hash=$(sha256sum "$FRAGMENT" | cut -c1-12)
	echo "${ver//[^A-Za-z0-9.+-]/_}-$hash"
}

rig_src_dir() {
	local ver
	ver=$(dpkg-query -W -f='${Version}' "$KSRC_PKG")
	echo "$CACHE_DIR/src-${ver//[^A-Za-z0-9.+-]/_}/$KSRC_PKG"
}

rig_kernel_dir() {
	echo "$CACHE_DIR/kernel-$(rig_kernel_key)"
}
