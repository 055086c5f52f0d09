#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs shellcheck on every shell script we ship or run: the hooks installed with
# the program, scripts/ and CI's entry point.  One assertion per script.
# Then every test script is executable (a fresh clone has git's mode, and
# automake runs them directly: a 100644 one is an ERROR, exit 126, in CI
# only).  Without shellcheck: a SKIP, or a failure with MKFR_MUST_WORK=1.
set -u
src=${MKFR_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$src" || { echo "Bail out! no source tree at $src"; exit 1; }
if ! command -v shellcheck >/dev/null 2>&1; then
	if [ "${MKFR_MUST_WORK:-0}" = 1 ]; then
		echo "Bail out! cannot run but MKFR_MUST_WORK=1: shellcheck is not installed"
		exit 1
	fi
	echo "1..0 # SKIP shellcheck is not installed"
	exit 0
fi
n=0
failed=0
for f in hooks/*/* scripts/* .ci/run; do
	[ -f "$f" ] || continue
	head -n 1 "$f" | grep -qE '^#!.*\b(sh|bash)\b' || continue
	n=$((n + 1))
	if out=$(shellcheck -x "$f" 2>&1); then
		echo "ok $n - shellcheck $f"
	else
		echo "not ok $n - shellcheck $f"
		echo "$out" | sed 's/^/# /'
		failed=$((failed + 1))
	fi
done
# The bash completion is sourced, not run: it has no #! line to go by.
n=$((n + 1))
if out=$(shellcheck -s bash completion/mkforeignroot 2>&1); then
	echo "ok $n - shellcheck completion/mkforeignroot"
else
	echo "not ok $n - shellcheck completion/mkforeignroot"
	echo "$out" | sed 's/^/# /'
	failed=$((failed + 1))
fi
for f in tests/e2e/*.sh tests/unit/*.sh; do
	n=$((n + 1))
	if [ -x "$f" ]; then
		echo "ok $n - $f is executable"
	else
		echo "not ok $n - $f is executable (git update-index --chmod=+x $f)"
		failed=$((failed + 1))
	fi
done
echo "1..$n"
[ "$failed" -eq 0 ]
