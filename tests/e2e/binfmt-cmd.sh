#!/bin/bash
# SPDX-License-Identifier: MIT
# `mkforeignroot binfmt status|register|unregister` on the host: our entry
# comes, works and goes; every other entry - whatever the host had, and a
# Debian-style qemu-arm decoy this test registers under a foreign name - is
# listed by status and left byte-identical; the entry of a running build is
# never removed.  The test removes exactly the entries it created.
. "$(dirname "$0")/lib.sh"
need_root

BINFMT=/proc/sys/fs/binfmt_misc
OURS=mkforeignroot-aarch64
DECOY=qemu-arm-mkfr-e2e-$$
for q in /usr/bin/qemu-aarch64-static /usr/bin/qemu-arm-static; do
	[ -x "$q" ] || skip_all "$q is not installed (Debian package qemu-user-static)"
done
for e in "$BINFMT"/mkforeignroot-*; do
	[ -e "$e" ] || continue
	case ${e##*/} in
	*-[0-9]*) ;; # a build's entry: unregister keeps it while the build runs
	*) skip_all "the host has a persistent entry of ours (${e##*/}): 'binfmt unregister' would remove it" ;;
	esac
done

# Every entry but the ones this test creates, names and contents.
others_snapshot() {
	binfmt_snapshot | awk -v ours="$OURS" -v decoy="$DECOY" -v fake="mkforeignroot-e2efake-" '
		/^== / { skip = ($2 == ours || $2 == decoy || index($2, fake) == 1) }
		!skip'
}

# A static arm64 program that exits 42, written byte by byte here, not by
# the tool under test: ELF header, one PT_LOAD header, then
# "movz x0, #42; movz x8, #93; svc #0".
write_arm64_exit42() {
	printf '%b' \
		'\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00' \
		'\x02\x00\xb7\x00\x01\x00\x00\x00\x78\x00\x40\x00\x00\x00\x00\x00' \
		'\x40\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00' \
		'\x00\x00\x00\x00\x40\x00\x38\x00\x01\x00\x00\x00\x00\x00\x00\x00' \
		'\x01\x00\x00\x00\x05\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00' \
		'\x00\x00\x40\x00\x00\x00\x00\x00\x00\x00\x40\x00\x00\x00\x00\x00' \
		'\x84\x00\x00\x00\x00\x00\x00\x00\x84\x00\x00\x00\x00\x00\x00\x00' \
		'\x00\x00\x01\x00\x00\x00\x00\x00' \
		'\x40\x05\x80\xd2\xa8\x0b\x80\xd2\x01\x00\x00\xd4' >"$1"
	chmod 0755 "$1"
}

remove_entry() { [ -e "$BINFMT/$1" ] && echo -1 >"$BINFMT/$1"; return 0; }
T_CLEANUPS="$T_CLEANUPS remove_entry $OURS; remove_entry $DECOY;"
probes_before=$(ls -d /tmp/mkfr-probe.* 2>/dev/null | wc -l)

# Without binfmt_misc mounted: status says so and lists nothing; register
# mounts it (and this test unmounts it again at exit).
was_mounted=0
mountpoint -q "$BINFMT" && was_mounted=1
if [ $was_mounted = 0 ]; then
	out=$("$MKFR" binfmt status 2>&1); rc=$?
	[ $rc -eq 0 ] && echo "$out" | grep -q "not mounted" && [ "$(echo "$out" | wc -l)" -eq 1 ]
	ok $? "status without binfmt_misc mounted says so in one line and exits 0"
	T_MOUNTED_BINFMT=1
else
	before=$(others_snapshot)
fi

out=$("$MKFR" binfmt register arm64 2>&1); rc=$?
echo "$out" | diag
ok $rc "register arm64 exits 0"
if [ $was_mounted = 0 ]; then
	echo "$out" | grep -q "mounted binfmt_misc on $BINFMT" ; ok $? "register says it mounted binfmt_misc"
	before=$(others_snapshot)
fi
[ -e "$BINFMT/$OURS" ] ; ok $? "entry $OURS exists"
grep -qx 'flags: PF' "$BINFMT/$OURS" ; ok $? "with flags F and P (the kernel shows PF), never C or O"
grep -qx 'interpreter /usr/bin/qemu-aarch64-static' "$BINFMT/$OURS" ; ok $? "its interpreter is the host's qemu-aarch64-static"
echo "$out" | grep -q "registered $OURS: .*works" ; ok $? "register reports that arm64 programs run"

write_arm64_exit42 "$T_DIR/exit42"
"$T_DIR/exit42"; rc=$?
[ $rc -eq 42 ] ; ok $? "an arm64 program written by the test runs through it (exit $rc)"

out=$("$MKFR" binfmt register arm64 2>&1); rc=$?
[ $rc -eq 0 ] && echo "$out" | grep -q "already registered" ; ok $? "registering again is a no-op that says so (exit $rc)"

# The decoy: a Debian-style entry of someone else, for the arm row.
arm_magic='\x7fELF\x01\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x28\x00'
arm_mask='\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff'
echo ":$DECOY:M::$arm_magic:$arm_mask:/usr/bin/qemu-arm-static:OPF" >"$BINFMT/register"
ok $? "decoy entry $DECOY registered"
decoy_before=$(cat "$BINFMT/$DECOY")

# A build's entry whose build is running (a process named mkforeignroot),
# and one whose build is gone.  Their magic matches no real program, so a
# build running elsewhere on this host is not affected.
cp /bin/sleep "$T_DIR/mkforeignroot"
"$T_DIR/mkforeignroot" 300 &
live_pid=$!
T_PIDS="$T_PIDS $live_pid"
true & dead_pid=$!
wait $dead_pid
live_entry=mkforeignroot-e2efake-$live_pid
dead_entry=mkforeignroot-e2efake-$dead_pid
T_CLEANUPS="$T_CLEANUPS remove_entry $live_entry; remove_entry $dead_entry;"
for e in "$live_entry" "$dead_entry"; do
	echo ":$e:M::MKFR-E2E-NOT-A-PROGRAM::/bin/false:" >"$BINFMT/register"
done
[ -e "$BINFMT/$live_entry" ] && [ -e "$BINFMT/$dead_entry" ] ; ok $? "two fake build entries registered"

out=$("$MKFR" binfmt status 2>&1); rc=$?
echo "$out" | diag
ok $rc "status exits 0"
echo "$out" | grep -Eq "^$OURS +enabled +arm64 +/usr/bin/qemu-aarch64-static +PF +works" ; ok $? "status: our entry serves arm64 and works"
echo "$out" | grep -Eq "^$DECOY +enabled +armhf,armel +/usr/bin/qemu-arm-static +POF +works" ; ok $? "status lists the decoy, for armhf and armel, working"
echo "$out" | grep -Eq "^$live_entry +enabled +- " ; ok $? "status lists an entry that serves no architecture"
echo "$out" | grep -Eq "^arm64 +aarch64 +$OURS +works" ; ok $? "status: arm64 programs run through our entry"
echo "$out" | grep -Eq "^amd64 +x86_64 +native +works" ; ok $? "status: amd64 runs natively"
echo "$out" | grep -Eq "^i386 +i386 +(native +works|no entry +-)" ; ok $? "status: i386 is native or has no entry, as exec decides"

# The same as one JSON document, for scripts.
"$MKFR" binfmt status --json > "$T_DIR/status.json"; rc=$?
[ $rc -eq 0 ] && python3 -m json.tool "$T_DIR/status.json" >/dev/null ; ok $? "status --json | python3 -m json.tool (exit $rc)"
OURS=$OURS DECOY=$DECOY LIVE=$live_entry python3 - "$T_DIR/status.json" <<'PY'
import json, os, sys
d = json.load(open(sys.argv[1]))
assert d["mounted"] is True, d
e = {x["name"]: x for x in d["entries"]}
ours, decoy, live = e[os.environ["OURS"]], e[os.environ["DECOY"]], e[os.environ["LIVE"]]
assert ours["enabled"] and ours["arches"] == ["arm64"] and ours["flags"] == "PF" and ours["check"] == "works", ours
assert ours["interpreter"] == "/usr/bin/qemu-aarch64-static", ours
assert decoy["arches"] == ["armhf", "armel"] and decoy["flags"] == "POF", decoy
assert live["arches"] == [] and live["check"] is None, live
a = {x["name"]: x for x in d["arches"]}
assert a["arm64"]["runs_via"] == "entry" and a["arm64"]["entries"] == [os.environ["OURS"]] and a["arm64"]["works"], a["arm64"]
assert a["amd64"]["runs_via"] == "native" and a["amd64"]["works"], a["amd64"]
PY
ok $? "status --json: the same entries and arches as the table"
out=$("$MKFR" binfmt register --json arm64 2>&1); rc=$?
[ $rc -eq 2 ] && echo "$out" | grep -q -e "--json belongs to status" ; ok $? "--json with register is refused (exit $rc)"

out=$("$MKFR" binfmt status mips 2>&1)
echo "$out" | grep -Eq "^mips +mips +no entry" ; ok $? "status ARCH: a requested arch without an entry says 'no entry'"

out=$("$MKFR" binfmt register amd64 2>&1); rc=$?
[ $rc -ne 0 ] && echo "$out" | grep -q "refusing to register amd64: .*host's own architecture" ; ok $? "register amd64 is refused with the reason (exit $rc)"
[ ! -e "$BINFMT/mkforeignroot-x86_64" ] ; ok $? "and nothing is registered for it"
out=$("$MKFR" binfmt register nosucharch 2>&1); rc=$?
[ $rc -eq 2 ] && echo "$out" | grep -q "unknown architecture 'nosucharch'" ; ok $? "an unknown arch is a usage error (exit $rc)"
"$MKFR" binfmt frobnicate >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] ; ok $? "an unknown action is a usage error (exit $rc)"

out=$("$MKFR" binfmt unregister 2>&1); rc=$?
echo "$out" | diag
ok $rc "unregister exits 0"
[ ! -e "$BINFMT/$OURS" ] ; ok $? "our entry is gone"
[ ! -e "$BINFMT/$dead_entry" ] ; ok $? "the entry of a build that is gone is removed"
[ -e "$BINFMT/$live_entry" ] && echo "$out" | grep -q "kept $live_entry" ; ok $? "the entry of a running build is kept, and said so"
[ "$(cat "$BINFMT/$DECOY" 2>/dev/null)" = "$decoy_before" ] ; ok $? "the decoy is untouched"
after=$(others_snapshot)
[ "$after" = "$before" ] ; ok $? "every other entry is byte-identical to the snapshot"
if [ "$after" != "$before" ]; then diff <(echo "$before") <(echo "$after") | diag; fi

# The test removes what it created, and checks.
remove_entry "$DECOY"; remove_entry "$live_entry"
kill "$live_pid"; wait "$live_pid" 2>/dev/null
[ ! -e "$BINFMT/$DECOY" ] && [ ! -e "$BINFMT/$live_entry" ] ; ok $? "the test's own entries are removed"
[ "$(others_snapshot)" = "$before" ] ; ok $? "the host's entries are as they were"
[ "$(ls -d /tmp/mkfr-probe.* 2>/dev/null | wc -l)" -eq "$probes_before" ] ; ok $? "no probe directory is left in /tmp"

done_testing
