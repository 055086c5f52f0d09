#!/bin/bash
# SPDX-License-Identifier: MIT
# The CI job files under doc/ci/ (GitLab CI, GitHub Actions) are what a
# newcomer copies, so they must work: each is parsed as its runner would
# (tests/helpers/ci-example-steps: Debian image, privileged container, the
# first matrix entry), its install lines checked (they install the .deb
# this project's debian/ builds, which this test does not have), and its
# build lines run in a scratch workspace with `mkforeignroot` on PATH.
# Every artefact the job keeps must be there afterwards, the two jobs'
# tarballs (same profile, reproducible, same epoch) must be the same bytes,
# and the host must be as before.  The jobs' MKFR_CACHE_DIR is pointed at
# the suite's shared cache: this test is about the job files, not the cache.
. "$(dirname "$0")/lib.sh"
need_root
need_network
host_binfmt_mount
use_shared_cache
shared_cache=$MKFR_CACHE_DIR

SRC=${MKFR_SRCDIR:-$(pwd)}
STEPS=$SRC/tests/helpers/ci-example-steps
/usr/bin/python3 -c 'import yaml' 2>/dev/null || skip_all "python3-yaml is not installed (scripts/install-deps)"
mkdir "$T_DIR/bin"
ln -s "$MKFR" "$T_DIR/bin/mkforeignroot"
binfmt_before=$(binfmt_snapshot)

for kind in gitlab github; do
	case $kind in
	gitlab) file=$SRC/doc/ci/gitlab-ci.yml ;;
	github) file=$SRC/doc/ci/github-workflow.yml ;;
	esac
	ws=$T_DIR/ws-$kind
	mkdir "$ws"
	"$STEPS" "$kind" "$file" "$ws" > "$T_DIR/$kind.steps" 2> "$T_DIR/$kind.err"
	ok $? "$kind: ${file#"$SRC"/} parses as a runner reads it"
	diag < "$T_DIR/$kind.err"

	bad=$(awk '$1 == "install"' "$T_DIR/$kind.steps" |
		grep -vE '^install apt-get (update|install -y --no-install-recommends \./mkforeignroot_\*\.deb)$')
	n_install=$(grep -c '^install ' "$T_DIR/$kind.steps")
	[ -z "$bad" ] && [ "$n_install" -ge 2 ]
	ok $? "$kind: the install step installs the project's .deb with apt ($n_install lines)"
	[ -n "$bad" ] && echo "$bad" | diag

	# The job as its runner would run it: its environment, then its build
	# lines in order, stopping at the first that fails.
	{
		echo 'set -eo pipefail'
		echo "export PATH=$(printf '%q' "$T_DIR/bin"):\$PATH"
		sed -n 's/^env \([A-Za-z_][A-Za-z0-9_]*\)=\(.*\)$/\1 \2/p' "$T_DIR/$kind.steps" |
			while read -r name value; do
				[ "$name" = MKFR_CACHE_DIR ] && value=$shared_cache
				printf 'export %s=%q\n' "$name" "$value"
			done
		sed -n 's/^run //p' "$T_DIR/$kind.steps"
	} > "$T_DIR/$kind.job"
	(cd "$ws" && bash "$T_DIR/$kind.job") > "$T_DIR/$kind.out" 2>&1
	rc=$?
	ok $rc "$kind: the job's build lines succeed (exit $rc)"
	[ "$rc" -eq 0 ] || tail -n 5 "$T_DIR/$kind.out" | diag

	missing=""
	for a in $(sed -n 's/^artifact //p' "$T_DIR/$kind.steps"); do
		[ -s "$ws/$a" ] || missing="$missing $a"
	done
	[ -z "$missing" ] && grep -q '^artifact ' "$T_DIR/$kind.steps"
	ok $? "$kind: every artefact the job keeps was made${missing:+ (missing:$missing)}"
done

tarball=rootfs-armel-bookworm.tar.zst
cmp -s "$T_DIR/ws-gitlab/$tarball" "$T_DIR/ws-github/$tarball"
ok $? "the GitLab and the GitHub job made the same bytes ($tarball)"
tar --zstd -xOf "$T_DIR/ws-github/$tarball" ./usr/bin/dpkg 2>/dev/null | head -c 20 | od -An -tx1 | grep -q '7f 45 4c 46 01 01 01'
ok $? "and it holds an armel (32-bit little-endian ELF) dpkg"

[ -z "$(our_mounts)" ] && [ -z "$(find "$T_DIR" -name '.mkfr-*' -maxdepth 2)" ]
ok $? "no mount or work directory left"
[ "$(binfmt_snapshot)" = "$binfmt_before" ]
ok $? "binfmt_misc as before"
done_testing
