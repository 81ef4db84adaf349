#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Install the Debian packages the rig and the checks need, only those that
# are missing. Idempotent and non-interactive. "deps.sh bench" adds what
# make bench needs besides (gnuplot, for its plot).
set -euo pipefail

PKGS="qemu-system-x86 linux-source-6.12 busybox-static libdrm-dev sparse
bc bison flex libelf-dev libssl-dev cpio xz-utils kmod pkg-config make gcc
libc6-dev perl python3 dwarves gzip coreutils dkms git patch"
[ "${1:-}" != bench ] || PKGS="$PKGS gnuplot-nox"

missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "rig: installing:$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
