#!/bin/bash
# SPDX-License-Identifier: MIT
# The default build on Linux >= 6.7: binfmt=private.  Build arm64-bookworm
# while (1) a snapshot of the host's binfmt_misc is taken every second and
# must never differ from before, and (2) a loop on the host keeps running an
# arm64 program through a Debian-style F entry of the host's own, which must
# never fail.  Then `run` the result with every qemu mode.
. "$(dirname "$0")/lib.sh"
need_root
need_network
host_binfmt_mount
TINY_ELF=${MKFR_BUILDDIR:-.}/tests/helpers/tiny-elf
out="$T_DIR/arm64"

# The host's own entry, as Debian's qemu-user-static makes it (flags PF),
# under a name of this test's.
host_entry="qemu-aarch64-e2e-$$"
magic='\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00'
mask='\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff'
host_entry_add "$host_entry" "$magic" "$mask" /usr/bin/qemu-aarch64-static PF
ok $? "the host has its own aarch64 F entry ($host_entry)"
"$TINY_ELF" arm64 42 "$T_DIR/host-arm64-prog"
"$T_DIR/host-arm64-prog"; [ $? -eq 42 ] ; ok $? "an arm64 program runs on the host through it"

before=$(binfmt_snapshot)
( while :; do binfmt_snapshot | md5sum; sleep 1; done ) > "$T_DIR/watch" 2>/dev/null &
T_PIDS="$T_PIDS $!"; watcher=$!
( while :; do "$T_DIR/host-arm64-prog"; echo $?; sleep 0.2; done ) > "$T_DIR/host-runs" 2>&1 &
T_PIDS="$T_PIDS $!"; looper=$!

# iputils-ping's postinst sets a file capability with setcap (libcap2-bin):
# proof that xattrs written inside the user namespace are the host's.
"$MKFR" --profile arm64-bookworm --set packages=iputils-ping,libcap2-bin \
	--log "$T_DIR/build.log" "$out" > "$T_DIR/build.out" 2>&1; rc=$?
kill "$watcher" "$looper"; wait "$watcher" "$looper" 2>/dev/null
ok $rc "build arm64-bookworm (exit $rc)"
tail -n 4 "$T_DIR/build.out" | diag

grep -q 'private binfmt_misc' "$T_DIR/build.out" ; ok $? "binfmt=auto chose private on this kernel"
want=$(echo "$before" | md5sum)
n_snap=$(wc -l < "$T_DIR/watch")
[ "$n_snap" -gt 30 ] && [ -z "$(grep -vxF "$want" "$T_DIR/watch")" ] ; ok $? "binfmt_misc identical in all $n_snap snapshots"
[ "$(binfmt_snapshot)" = "$before" ] ; ok $? "binfmt_misc identical after the build"
n_runs=$(wc -l < "$T_DIR/host-runs")
n_bad=$(grep -cvx 42 "$T_DIR/host-runs")
[ "$n_runs" -gt 100 ] && [ "$n_bad" -eq 0 ] ; ok $? "the host's arm64 program never failed during the build ($n_runs runs, $n_bad failures)"

readelf -h "$out/usr/bin/dpkg" 2>/dev/null | grep -q 'Machine: *AArch64' ; ok $? "usr/bin/dpkg is an AArch64 ELF"
bad=$(dpkg-query --admindir="$out/var/lib/dpkg" -W -f='${Package} ${Status}\n' | grep -v ' install ok installed$')
[ -z "$bad" ] ; ok $? "every package is 'install ok installed'"
[ -n "$bad" ] && echo "$bad" | diag
[ "$(stat -c %G "$out/etc/shadow")" = "$(awk -F: '$1=="shadow"{print $1}' "$out/etc/group")" ] &&
	[ "$(stat -c %g "$out/etc/shadow")" -eq "$(awk -F: '$1=="shadow"{print $3}' "$out/etc/group")" ] ; ok $? "chown inside the user namespace kept real ids (/etc/shadow group shadow)"
getcap "$out/usr/bin/ping" 2>/dev/null | grep -q cap_net_raw ; ok $? "setcap in a postinst stored ping's cap_net_raw ($(getcap "$out/usr/bin/ping" 2>&1))"
grep -q 'Failure trying to run: .* mount -t proc' "$T_DIR/build.log" ; [ $? -ne 0 ] ; ok $? "debootstrap found /proc mounted (no mount failure logged)"
[ -c "$out/dev/null" ] ; ok $? "device nodes exist (dev/null)"
[ ! -e "$out/debootstrap" ] ; ok $? "no /debootstrap left"
[ -z "$(our_mounts)" ] ; ok $? "no mount left"

# run: every qemu mode, the rootfs unchanged, nothing left on the host.
tree_sum() { find "$out" -xdev -printf '%p %m %s %T@\n' | sort | md5sum; }
tree_before=$(tree_sum)
for mode in static fix-binary dynamic; do
	got=$("$MKFR" run --qemu "$mode" "$out" -- dpkg --print-architecture 2> "$T_DIR/run.err")
	[ "$got" = arm64 ] ; ok $? "run --qemu $mode: dpkg --print-architecture says '$got'"
	[ -s "$T_DIR/run.err" ] && diag < "$T_DIR/run.err"
	[ "$(binfmt_snapshot)" = "$before" ] && [ -z "$(findmnt -rn -o TARGET | grep -F "$out")" ] ; ok $? "run --qemu $mode: no entry, no mount left"
	got=$("$MKFR" run --qemu "$mode" "$out" -- perl -e 'exec {"/bin/sh"} "argv0-kept", "-c", "echo \$0"')
	[ "$got" = argv0-kept ] ; ok $? "run --qemu $mode: argv[0] reaches the program ('$got')"
done
"$MKFR" run "$out" -- sh -c 'exit 7'; rc=$?
[ $rc -eq 7 ] ; ok $? "run returns the command's exit status (7, got $rc)"
"$MKFR" run "$out" -- sh -c 'test -c /dev/null && test -e /proc/self/stat && test -d /sys/kernel && test -c /dev/pts/ptmx'
ok $? "run provides /dev, /proc, /sys and devpts"
# /sys is read-only in run, and so is every mount below it (cgroups,
# securityfs...): a remount of the top alone left those writable.
rw=$("$MKFR" run "$out" -- sh -c "awk '\$5 ~ \"^/sys(/|\$)\" && \$6 !~ /(^|,)ro(,|\$)/ { print \$5 }' /proc/self/mountinfo")
n_sys=$("$MKFR" run "$out" -- sh -c "awk '\$5 ~ \"^/sys(/|\$)\"' /proc/self/mountinfo | wc -l")
[ -z "$rw" ] && [ "$n_sys" -ge 1 ] ; ok $? "run: /sys and all $n_sys mounts at or below it are read-only${rw:+ (writable: $rw)}"
# Descriptors we were started with reach no command: fd 9 open here.
fds=$(exec 9</etc/hostname; "$MKFR" run "$out" -- sh -c 'ls /proc/self/fd' | tr '\n' ' ')
case " $fds " in *" 9 "*) r=1 ;; *) r=0 ;; esac
ok $r "run: an inherited fd 9 does not reach the command (it sees: $fds)"
"$MKFR" run --binfmt global "$out" -- true ; ok $? "run --binfmt global works"
[ "$(binfmt_snapshot)" = "$before" ] ; ok $? "and removes its global entry"
[ "$(tree_sum)" = "$tree_before" ] ; ok $? "run left the rootfs exactly as it was"
"$MKFR" run "$T_DIR/nonexistent" -- true 2> "$T_DIR/run.err"; rc=$?
[ $rc -eq 125 ] && grep -q 'cannot open the rootfs' "$T_DIR/run.err" ; ok $? "run on a missing rootfs: exit 125 and a reason ($(cat "$T_DIR/run.err"))"

done_testing
