#!/bin/bash
# SPDX-License-Identifier: MIT
# Faults at every point of a build, each of which must leave the host as it
# was: no mount, no binfmt_misc entry, no work directory, no target alias,
# no scratch space in the cache, no OUT, and one line saying why.
#
#   - SIGINT and SIGTERM at every stage boundary (the build waits there
#     for the signal: MKFR_TEST_PAUSE_BEFORE=STAGE, see pipeline.c);
#   - a full disk under OUT (and the work directory next to it);
#   - the mirror dying in the middle of the downloads.
#
# The base cache is shared with the suite's other tests: after one build of
# armel-bookworm every later one reaches any stage within seconds.
. "$(dirname "$0")/lib.sh"
need_root
need_network
host_binfmt_mount
use_shared_cache
before=$(binfmt_snapshot)
profile=armel-bookworm

# Nothing of the run with this pid is left anywhere.
left_behind() { # left_behind PID OUT
	local what=""
	[ -e "$2" ] && what="$what OUT"
	ls -a "$T_DIR" | grep -q '^\.mkfr-' && what="$what work-directory"
	[ -n "$(our_mounts)" ] && what="$what mounts"
	[ "$(binfmt_snapshot)" = "$before" ] || what="$what binfmt-entries"
	ls -a /run | grep -q "^\.mkfr-$1-" && what="$what target-alias"
	ls -a "$MKFR_CACHE_DIR/tmp" 2>/dev/null | grep -q "^\.mkfr-$1-" && what="$what cache-scratch"
	kill -0 "$1" 2>/dev/null && what="$what process"
	echo "$what"
}

"$MKFR" --profile "$profile" "$T_DIR/warm" >"$T_DIR/warm.out" 2>&1
ok $? "a first build of $profile (fills, or hits, the shared base cache)"
tail -n 1 "$T_DIR/warm.out" | diag
rm -rf "$T_DIR/warm" "$T_DIR/warm.manifest.json"

stages=$("$MKFR" --stop-after no-such-stage --profile "$profile" "$T_DIR/x" 2>&1 |
	sed -n 's/.*no stage .no-such-stage. (\(.*\))$/\1/p' | tr -d ,)
[ "$(echo "$stages" | wc -w)" -ge 10 ] ; ok $? "the stages, from the program itself: $stages"

for stage in $stages; do
	for sig in INT TERM; do
		out="$T_DIR/o-$stage-$sig"
		MKFR_TEST_PAUSE_BEFORE=$stage "$MKFR" --profile "$profile" "$out" >"$out.log" 2>&1 &
		pid=$!
		T_PIDS="$T_PIDS $pid"
		if ! wait_for_line "$out.log" "test: paused before $stage" 180; then
			ok 1 "SIG$sig before $stage: the build never got there"
			tail -n 3 "$out.log" | diag
			kill -KILL "$pid" 2>/dev/null
			continue
		fi
		kill -"$sig" "$pid"
		wait "$pid"; rc=$?
		want=$((128 + $(kill -l "$sig")))
		errors=$(grep -c 'error:' "$out.log")
		left=$(left_behind "$pid" "$out")
		[ "$rc" -eq "$want" ] && [ "$errors" -eq 1 ] && tail -n 1 "$out.log" | grep -q 'error: .*interrupted' &&
			[ -z "$left" ] ; ok $? "SIG$sig before $stage: exit $rc (want $want), $errors error line, nothing left${left:+ but:$left}"
		[ "$rc" -eq "$want" ] && [ -z "$left" ] || tail -n 3 "$out.log" | diag
	done
done

# A full disk: OUT, and so the work directory, on a 48 MiB tmpfs (the
# rootfs unpacks to some 150 MB).  Allowing exec and device nodes, as OUT's
# filesystem must.
small="$T_DIR/small"
mkdir "$small" && mount -t tmpfs -o size=48m,mode=0755 mkfr-e2e-small "$small"
ok $? "a small filesystem for OUT"
"$MKFR" --profile "$profile" "$small/out" >"$T_DIR/full.log" 2>&1 &
pid=$!
T_PIDS="$T_PIDS $pid"
wait "$pid"; rc=$?
tail -n 1 "$T_DIR/full.log" | diag
[ "$rc" -eq 1 ] && [ "$(grep -c 'error:' "$T_DIR/full.log")" -eq 1 ] &&
	tail -n 1 "$T_DIR/full.log" | grep -q 'No space left on device' ; ok $? "full disk: exit 1 ($rc), one line that says so"
[ -z "$(ls -A "$small")" ] ; ok $? "full disk: the small filesystem is empty again ($(ls -A "$small" | tr '\n' ' '))"
umount "$small"
left=$(left_behind "$pid" "$small/out")
[ -z "$left" ] ; ok $? "full disk: nothing else left${left:+ but:$left}"

# The mirror dies in the middle of the downloads: a proxy in front of it
# that is killed once a few .debs went through.  An empty cache of its own,
# so there is something to download.
start_proxy
"$MKFR" --profile "$profile" --set proxy="$proxy" --cache-dir "$T_DIR/c-dies" "$T_DIR/o-dies" \
	>"$T_DIR/dies.log" 2>&1 &
pid=$!
T_PIDS="$T_PIDS $pid"
for _ in $(seq 1 600); do
	[ "$(grep -c '\.deb' "$T_DIR/proxy.log" 2>/dev/null)" -ge 5 ] && break
	sleep 0.1
done
kill -KILL "$proxy_pid"
wait "$pid"; rc=$?
tail -n 1 "$T_DIR/dies.log" | diag
[ "$rc" -eq 1 ] && [ "$(grep -c 'error:' "$T_DIR/dies.log")" -eq 1 ] &&
	tail -n 1 "$T_DIR/dies.log" | grep -q "error: fetch: .*127.0.0.1" ; ok $? "mirror gone mid-download: exit 1 ($rc), one line naming it"
[ -z "$(find "$T_DIR/c-dies" \( -name '*.part' -o -name '*.tmp' -o -name '.mkfr-*' \) -print -quit)" ]
ok $? "mirror gone mid-download: no half-written file in the cache"
left=$(left_behind "$pid" "$T_DIR/o-dies")
[ -z "$left" ] ; ok $? "mirror gone mid-download: nothing else left${left:+ but:$left}"

done_testing
