#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The static checks of `make check`, each required to find nothing:
#   checkpatch.pl --strict on every C source and header,
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
echo "static: checkpatch --strict on ${#files[@]} + ${#ufiles[@]} files"
perl "$SRC/scripts/checkpatch.pl" --strict --no-tree --terse --show-types \
	--ignore FILE_PATH_CHANGES -f "${files[@]}" > "$OUT/checkpatch.log" 2>&1
perl "$SRC/scripts/checkpatch.pl" --strict --no-tree --terse --show-types \
	--ignore FILE_PATH_CHANGES,CAMELCASE,FUNCTION_WITHOUT_ARGS,PREFER_DEFINED_ATTRIBUTE_MACRO -f "${ufiles[@]}" >> "$OUT/checkpatch.log" 2>&1
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
