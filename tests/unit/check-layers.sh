#!/bin/sh
# SPDX-License-Identifier: MIT
# The layering of builder/ (doc/ARCHITECTURE.md): a file includes
# headers of its own folder and of the folders below it in this order,
# never one above.  One assertion per source file, so a new file is
# checked as soon as it exists.  Also: every path inside cache_dir is
# spelled in one file only (cache/layout.c), so the layout has one owner.
# Runs anywhere (no root, no network).
set -u
src=${MKFR_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
LAYERS="cli pipeline emu cache archive net out sys profile util"

rank() { # the layer's floor, top = 0; empty for an unknown folder
	i=0
	for l in $LAYERS; do
		[ "$l" = "$1" ] && { echo $i; return; }
		i=$((i + 1))
	done
}

n=0
failed=0
cd "$src/builder" || { echo "Bail out! no builder/ in $src"; exit 1; }
loose=$(find . -maxdepth 1 -name '*.[ch]' | sort)
n=$((n + 1))
if [ -z "$loose" ]; then
	echo "ok $n - no source file at the top of builder/"
else
	echo "not ok $n - source files at the top of builder/: $loose"
	failed=$((failed + 1))
fi

for f in $(find . -mindepth 2 -name '*.[ch]' | sed 's|^\./||' | sort); do
	dir=${f%%/*}
	own=$(rank "$dir")
	n=$((n + 1))
	if [ -z "$own" ]; then
		echo "not ok $n - $f: folder $dir is not a layer ($LAYERS)"
		failed=$((failed + 1))
		continue
	fi
	bad=""
	for inc in $(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f"); do
		idir=${inc%%/*}
		[ "$idir" = "$inc" ] && { bad="$bad $inc (no layer folder)"; continue; }
		r=$(rank "$idir")
		if [ -z "$r" ] || [ "$r" -lt "$own" ]; then
			bad="$bad $inc"
		fi
	done
	if [ -z "$bad" ]; then
		echo "ok $n - $f includes only its own layer and those below"
	else
		echo "not ok $n - $f ($dir) includes from above:$bad"
		failed=$((failed + 1))
	fi
done

# Cache paths: the names of cache_dir's parts as string literals (alone,
# or joined to a directory: "%s/debs"), and the default cache directory,
# outside cache/layout.c.
for re in '"(debs|indexes|base|emulators|tmp)"' '"[^"]*%s/(debs|indexes|base|emulators|tmp|\.in-use|lock)([/"]|%)' \
	'"/var/cache/mkforeignroot"'; do
	n=$((n + 1))
	where=$(grep -rlE --include='*.[ch]' -e "$re" . | grep -v '^\./cache/layout\.c$' | sort | tr '\n' ' ')
	if [ -z "$where" ]; then
		echo "ok $n - cache path literals matching $re are spelled only in cache/layout.c"
	else
		echo "not ok $n - cache path literals matching $re are spelled outside cache/layout.c: $where"
		failed=$((failed + 1))
	fi
done

echo "1..$n"
[ "$failed" -eq 0 ]
