#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The static checks of `make check`, each required to find nothing:
#   checkpatch.pl --strict on every C source and header (findings cached
#   per file content, so that a warm run checks what changed),
#   a clean W=1 build with sparse on every file (C=1 after a clean),
#   scripts/kernel-doc -none on every C source and header,
#   tools/check-private.sh: vsvm uses no framework-private header or field.
set -uo pipefail
. "$(dirname "$0")/rig/common.sh"

KDIR=${KDIR:-$("$RIG_DIR/build-kernel.sh")} || exit 1
SRC=$(rig_src_dir)
cd "$TOP_DIR"
OUT=$BUILD_DIR/static
mkdir -p "$OUT"
fail=0

mapfile -t files < <(git ls-files '*.c' '*.h' ':!igt/')
mapfile -t ufiles < <(git ls-files 'igt/*.c' 'igt/*.h' ':!igt/api-check/')
mapfile -t kfiles < <(git ls-files 'drivers/*.[ch]' 'include/*.h' 'tests/*.[ch]')

# igt/ calls libdrm, whose API is CamelCase (drmGetVersion), writes IGT's
# function-like mains, "int igt_main()", and has no kernel __printf():
# the checks user-space code is exempt from. igt/api-check/igt.h is IGT
# master's API in IGT's own shapes (its for-loop macros, empty macro
# arguments), for a compile check only, and is not checked.
# checkpatch.pl -f of one file depends on the file, its path, the options and
# checkpatch.pl alone: its findings are cached per (all four) under
# $OUT/checkpatch-cache, so that a warm run checks only the files that
# changed; the rest are checked two processes at a time.
CP_CACHE=$OUT/checkpatch-cache
mkdir -p "$CP_CACHE"
cp_key() {
	{ printf '%s\n' "$1" "$2"; cat "$SRC/scripts/checkpatch.pl" "$2"; } |
		sha1sum | cut -d' ' -f1
}

# checkpatch IGNORE FILE...: the findings of checkpatch --strict, cached.
checkpatch() {
	local ignore=$1 f key new=$OUT/checkpatch-new.log
	local todo=()

	shift
	for f; do
		key=$(cp_key "$ignore" "$f")
		if [ -e "$CP_CACHE/$key" ]; then
			cat "$CP_CACHE/$key"
		else
			todo+=("$f")
		fi
	done
	[ ${#todo[@]} -gt 0 ] || return 0
	printf '%s\0' "${todo[@]}" |
		xargs -0 -n 8 -P 2 perl "$SRC/scripts/checkpatch.pl" --strict \
			--no-tree --terse --show-types --ignore "$ignore" -f \
			> "$new" 2>&1
	cat "$new"
	for f in "${todo[@]}"; do
		key=$(cp_key "$ignore" "$f")
		awk -v f="$f:" 'index($0, f) == 1' "$new" > "$CP_CACHE/$key.tmp"
		mv "$CP_CACHE/$key.tmp" "$CP_CACHE/$key"
	done
}

echo "static: checkpatch --strict on ${#files[@]} + ${#ufiles[@]} files"
{
	checkpatch FILE_PATH_CHANGES "${files[@]}"
	checkpatch FILE_PATH_CHANGES,CAMELCASE,FUNCTION_WITHOUT_ARGS,PREFER_DEFINED_ATTRIBUTE_MACRO \
		"${ufiles[@]}"
} > "$OUT/checkpatch.log"
if grep -qE ': (ERROR|WARNING|CHECK):' "$OUT/checkpatch.log"; then
	grep -E ': (ERROR|WARNING|CHECK):' "$OUT/checkpatch.log"
	fail=1
fi

echo "static: W=1 build with sparse (C=1 after clean)"
make -s -C "$KDIR" M="$TOP_DIR" clean >/dev/null 2>&1
make -C "$KDIR" M="$TOP_DIR" W=1 C=1 -j"$(nproc)" modules > "$OUT/build.log" 2>&1 || fail=1
if grep -E 'warning:|error:|WARNING:|ERROR:|Error [0-9]' "$OUT/build.log"; then
	fail=1
fi

echo "static: kernel-doc -none on ${#kfiles[@]} kernel files"
perl "$SRC/scripts/kernel-doc" -none "${kfiles[@]}" > "$OUT/kernel-doc.log" 2>&1 || fail=1
if [ -s "$OUT/kernel-doc.log" ]; then
	cat "$OUT/kernel-doc.log"
	fail=1
fi

echo "static: vsvm uses no framework-private header or field"
"$TOP_DIR/tools/check-private.sh" || fail=1

echo "static: igt/meson.build lists every igt test"
for t in "$TOP_DIR"/igt/tests/vsvm_*.c; do
	t=$(basename "$t" .c)
	if ! grep -q "'$t'" "$TOP_DIR/igt/meson.build"; then
		echo "igt/meson.build: $t is not built"
		fail=1
	fi
done

if [ $fail -ne 0 ]; then
	echo "static: FAILED (logs in $OUT)"
	exit 1
fi
echo "static: clean"
