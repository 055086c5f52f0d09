#!/bin/sh
# SPDX-License-Identifier: MIT
# Every source file we ship names its licence (LICENSE, Expat) in an SPDX
# line among its first three: a packager or a company scanning the tree
# must not have to guess.  One assertion per file; data (fuzz corpora,
# debian/) is not source.
set -u
src=${MKFR_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$src" || { echo "Bail out! no source tree at $src"; exit 1; }
n=0
failed=0
n=$((n + 1))
if grep -q '^Permission is hereby granted' LICENSE 2>/dev/null; then
	echo "ok $n - LICENSE holds the Expat terms"
else
	echo "not ok $n - LICENSE holds the Expat terms"
	failed=$((failed + 1))
fi
for f in $(find builder tests hooks scripts profiles doc completion .ci configure.ac Makefile.am \
		debian/rules debian/tests/build-armel \
		-path tests/fuzz/corpus -prune -o -type f -print 2>/dev/null | LC_ALL=C sort); do
	case $f in
	*.c | *.h | *.sh | *.am | *.mk | *.ac | *.profile | *.1 | *.5 | *.yml | .ci/run | scripts/* | hooks/* | \
		completion/* | debian/*) ;;
	# The test helpers: the scripts among them (the rest are built here).
	tests/helpers/*) [ "$(head -c 2 "$f")" = '#!' ] || continue ;;
	*) continue ;;
	esac
	n=$((n + 1))
	if head -n 3 "$f" | grep -q 'SPDX-License-Identifier: MIT'; then
		echo "ok $n - $f names its licence"
	else
		echo "not ok $n - $f names its licence (an SPDX-License-Identifier: MIT line at the top)"
		failed=$((failed + 1))
	fi
done
echo "1..$n"
[ "$failed" -eq 0 ]
