#!/bin/bash
# SPDX-License-Identifier: MIT
# Signals: SIGINT during the second stage of a default (binfmt=private) build
# unwinds within 30 s and leaves the host clean; a SIGKILLed binfmt=global
# run leaves its host entry, which the next run removes.
. "$(dirname "$0")/lib.sh"
need_root
need_network
host_binfmt_mount
before=$(binfmt_snapshot)

# --- SIGINT during the second stage ---------------------------------------
start_bg "$T_DIR/int.out" --profile armel-bookworm "$T_DIR/o"
wait_for_line "$T_DIR/int.out" 'second: debootstrap --second-stage' 240 ; ok $? "the build reached the second stage"
sleep 8 # well inside dpkg's work
[ "$(binfmt_snapshot)" = "$before" ] ; ok $? "binfmt=private: the host's binfmt_misc is untouched during the build"
t0=$(date +%s)
kill -INT "$BG_PID"
wait "$BG_PID"; rc=$?
t1=$(date +%s)
[ $rc -eq 130 ] ; ok $? "SIGINT: exit 130 (got $rc)"
[ $((t1 - t0)) -le 30 ] ; ok $? "SIGINT: gone within 30 s (took $((t1 - t0)) s)"
tail -n 1 "$T_DIR/int.out" | grep -q 'error: second: interrupted by Interrupt' ; ok $? "SIGINT: says it was interrupted in the second stage"
tail -n 2 "$T_DIR/int.out" | diag
[ ! -e "$T_DIR/o" ] ; ok $? "SIGINT: no OUT"
! ls -a "$T_DIR" | grep -q '^\.mkfr-' ; ok $? "SIGINT: no work directory"
[ -z "$(our_mounts)" ] ; ok $? "SIGINT: no mount left"
[ "$(binfmt_snapshot)" = "$before" ] ; ok $? "SIGINT: binfmt_misc entries as before"
[ -z "$(build_processes "$BG_PID")" ] ; ok $? "SIGINT: no process of the build left"

# --- SIGKILL, then the next run cleans up ---------------------------------
start_bg "$T_DIR/kill.out" --profile armel-bookworm --binfmt global "$T_DIR/k"
wait_for_line "$T_DIR/kill.out" 'second: debootstrap --second-stage' 240 ; ok $? "second build reached the second stage"
sleep 3
kill -KILL "$BG_PID"
wait "$BG_PID" 2>/dev/null
killed=$BG_PID
sleep 1
[ -z "$(build_processes "$killed")" ] ; ok $? "SIGKILL: the build's children died with it"
[ -z "$(our_mounts)" ] ; ok $? "SIGKILL: no mount left (mounts live in private namespaces)"
ls -a "$T_DIR" | grep -q "^\.mkfr-$killed-k\$" ; ok $? "SIGKILL: the work directory is left (nothing could remove it)"
ls /proc/sys/fs/binfmt_misc | grep -q "^mkforeignroot-arm-$killed\$" ; ok $? "SIGKILL: the entry is left on the host"
ls -a "$T_DIR" | grep -q "^\.mkfr-$killed-k\.lock\$" ; ok $? "SIGKILL: its marker (.lock, no longer held) is left"
ls -a /run | grep -q "^\.mkfr-$killed-target\$" ; ok $? "SIGKILL: its target alias directory in /run is left (empty: the bind died with it)"
# A mount that only looks like a dead run's (its name, no marker): the
# next run must leave it alone, mounted and full.
decoy="$T_DIR/.mkfr-$killed-decoy"
mkdir "$decoy" && mount -t tmpfs mkfr-e2e-decoy "$decoy" && echo keep > "$decoy/file"
# The next run (here one that fails fast) cleans up and says so.
out=$("$MKFR" --profile armel-bookworm --set mirror=http://127.0.0.1:9/debian "$T_DIR/k" 2>&1)
mountpoint -q "$decoy" && [ "$(cat "$decoy/file" 2>/dev/null)" = keep ] ; ok $? "a mount named like a dead run's but without its marker is left alone"
echo "$out" | grep -q "$decoy looks like a dead run's, but something is mounted there: left alone" ; ok $? "and the run says so"
umount "$decoy" && rmdir "$decoy"
! ls -a /run | grep -q "^\.mkfr-$killed-" ; ok $? "next run removes the dead run's target alias in /run"
echo "$out" | grep -q "removed binfmt_misc entry mkforeignroot-arm-$killed left by an interrupted run" ; ok $? "next run removes the stale entry and says so"
echo "$out" | grep -q "removed $T_DIR/.mkfr-$killed-k left by an interrupted run" ; ok $? "next run removes the stale work directory and says so"
[ "$(binfmt_snapshot)" = "$before" ] ; ok $? "after cleanup: binfmt_misc entries as before"
! ls -a "$T_DIR" | grep -q '^\.mkfr-' ; ok $? "after cleanup: no work directory"

done_testing
