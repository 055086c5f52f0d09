#!/bin/sh
# SPDX-License-Identifier: MIT
# The man pages render without a single groff warning (groff -ww -z), and
# every stage --stop-after accepts is named in mkforeignroot(1), which has
# the sections FILES, HOOKS, BUGS and the differences from debootstrap and
# mmdebstrap, and -h and -V among its options.
# Without groff: a SKIP, or a failure with MKFR_MUST_WORK=1.
set -u
src=${MKFR_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$src" || { echo "Bail out! no source tree at $src"; exit 1; }
if ! command -v groff >/dev/null 2>&1; then
	if [ "${MKFR_MUST_WORK:-0}" = 1 ]; then
		echo "Bail out! cannot run but MKFR_MUST_WORK=1: groff is not installed"
		exit 1
	fi
	echo "1..0 # SKIP groff is not installed"
	exit 0
fi
n=0
failed=0
for page in doc/mkforeignroot.1 doc/mkforeignroot.profile.5; do
	n=$((n + 1))
	warnings=$(groff -ww -z -man "$page" 2>&1)
	if [ -z "$warnings" ]; then
		echo "ok $n - $page renders without warnings"
	else
		echo "not ok $n - $page renders with warnings"
		echo "$warnings" | sed 's/^/# /'
		failed=$((failed + 1))
	fi
done
# The stage table is in the program: every name of it is in the page.
stages=$(sed -n 's/^	&stage_\([a-z_]*\),$/\1/p' builder/pipeline/pipeline.c)
for stage in $stages; do
	n=$((n + 1))
	if grep -q "^\.B $stage\$" doc/mkforeignroot.1; then
		echo "ok $n - mkforeignroot(1) describes the stage $stage"
	else
		echo "not ok $n - mkforeignroot(1) does not describe the stage $stage"
		failed=$((failed + 1))
	fi
done
# The sections a packager and a newcomer look for, and -h/-V among the options.
for want in '^\.SH FILES$' '^\.SH HOOKS$' '^\.SH BUGS$' '^\.SH DIFFERENCES FROM DEBOOTSTRAP AND MMDEBSTRAP$' \
	'^\.SH EXIT STATUS$' '^\.BR \\-h ", " \\-\\-help$' '^\.BR \\-V ", " \\-\\-version$'; do
	n=$((n + 1))
	if grep -q -e "$want" doc/mkforeignroot.1; then
		echo "ok $n - mkforeignroot(1) has $want"
	else
		echo "not ok $n - mkforeignroot(1) has no $want"
		failed=$((failed + 1))
	fi
done
echo "1..$n"
[ "$failed" -eq 0 ]
