#!/bin/bash
# SPDX-License-Identifier: MIT
# Failure paths that reach debootstrap or the hooks: each gives one clear
# line, a non-zero exit, and leaves no OUT, no work dir, no mount and no
# binfmt_misc entry behind.
. "$(dirname "$0")/lib.sh"
need_root
need_network
host_binfmt_mount
before=$(binfmt_snapshot)

host_clean() { # host_clean WHAT OUT
	[ ! -e "$2" ] ; ok $? "$1: no OUT"
	! ls -a "$T_DIR" | grep -q '^\.mkfr-' ; ok $? "$1: no work directory"
	[ -z "$(our_mounts)" ] ; ok $? "$1: no mount left"
	[ "$(binfmt_snapshot)" = "$before" ] ; ok $? "$1: binfmt_misc entries as before"
}

# A mirror where nothing listens (and an empty cache): one line naming it.
out=$("$MKFR" --profile armel-bookworm --set mirror=http://127.0.0.1:9/debian "$T_DIR/o" 2>&1); rc=$?
[ $rc -eq 1 ] ; ok $? "unreachable mirror: exit 1 (got $rc)"
last=$(echo "$out" | tail -n 1)
echo "$last" | grep -q "^mkforeignroot: error: resolve: after 3 tries: http://127.0.0.1:9/debian/dists/bookworm/InRelease: .*Couldn't connect" ; ok $? "unreachable mirror: the URL and the reason in one line"
echo "$last" | diag
host_clean "unreachable mirror" "$T_DIR/o"

# A suite the mirror does not carry is bad input, like a bad key: exit 2,
# found by resolve before any package is fetched.  So is a component it
# does not have, or a package the profile asks for that is not there.
m=$(host_mirror)
out=$("$MKFR" --profile armel-bookworm --set suite=jessie "$T_DIR/o" 2>&1); rc=$?
[ $rc -eq 2 ] && echo "$out" | tail -n 1 | grep -q "resolve: --set: key 'suite': $m/dists/jessie/InRelease: not found (HTTP 404)" ; ok $? "unknown suite at the mirror: exit 2 ($rc), one line naming the key and the URL"
echo "$out" | tail -n 1 | diag
host_clean "unknown suite" "$T_DIR/o"
out=$("$MKFR" --profile armel-bookworm --set components=main,nosuch "$T_DIR/o" 2>&1); rc=$?
[ $rc -eq 2 ] && echo "$out" | tail -n 1 | grep -q "key 'components': bookworm has no component 'nosuch'" ; ok $? "a component the suite lacks: exit 2 ($rc), named"
out=$("$MKFR" --profile armel-bookworm --set packages=no-such-package-mkfr "$T_DIR/o" 2>&1); rc=$?
[ $rc -eq 2 ] && echo "$out" | tail -n 1 | grep -q "key 'packages': package 'no-such-package-mkfr' is not in bookworm" ; ok $? "a package the suite lacks: exit 2 ($rc), named"
echo "$out" | tail -n 1 | diag
host_clean "unknown package" "$T_DIR/o"

# A hook that others may change is never run as root: refused before
# anything starts.
cp "${MKFR_SRCDIR:-.}/hooks/cleanup/90-apt-clean" "$T_DIR/open-hook"
chmod 0777 "$T_DIR/open-hook"
out=$("$MKFR" --profile i386-bookworm --set hooks="$T_DIR/open-hook" "$T_DIR/o" 2>&1); rc=$?
[ $rc -eq 2 ] && echo "$out" | tail -n 1 | grep -q "key 'hooks': hook $T_DIR/open-hook is writable by its group" ; ok $? "a hook writable by others: exit 2 ($rc), one line naming it"
echo "$out" | tail -n 1 | diag
host_clean "untrusted hook" "$T_DIR/o"

# A profile hook that fails, after a real build up to the cleanup stage.
# i386 is quick to build (the kernel usually runs it natively; the stage
# finds that out by executing a target binary, else emulates it).
#
# OUT and its directory carry shell syntax, as CI job and branch names can:
# debootstrap runs the path it is given through `eval` (its CHROOT_CMD), so
# the build must only ever give it a path of its own naming.  Evaluated,
# these names would create PWNED-* files (in the current directory: the
# names hold no '/').
hostile="$T_DIR/job \$(touch\${IFS}PWNED-dollar) \"dq\" 'sq' back\\slash"
mkdir -p "$hostile" "$T_DIR/cwd"
hostile_out="$hostile/img\`touch\${IFS}PWNED-tick\`\$(touch\${IFS}PWNED-out)"
pwned() { find "$T_DIR" / /root /tmp /run -maxdepth 1 -name 'PWNED-*' 2>/dev/null; find "$T_DIR" -name 'PWNED-*'; }
cat > "$T_DIR/failing-hook" <<'HOOK'
#!/bin/sh
echo "hook sees $MKFR_ARCH in $1"
test -x "$1/usr/bin/dpkg" || exit 3
echo "giving up on purpose" >&2
exit 7
HOOK
chmod +x "$T_DIR/failing-hook"
out=$(cd "$T_DIR/cwd" && "$MKFR" --profile i386-bookworm --set hooks="$T_DIR/failing-hook" "$hostile_out" 2>&1); rc=$?
[ $rc -eq 1 ] ; ok $? "failing hook: exit 1 (got $rc)"
echo "$out" | tail -n 1 | grep -qF "cleanup: hook $T_DIR/failing-hook failed (exit 7): giving up on purpose" ; ok $? "failing hook: named, with its exit code and last line"
echo "$out" | grep -qE "^mkforeignroot:   failing-hook: hook sees i386 in /run/\.mkfr-[0-9]+-target/root\$" ; ok $? "the hook ran on the built rootfs, given a path of our own naming"
echo "$out" | grep -q "foreign: [0-9]* packages unpacked" && echo "$out" | grep -q "second: [0-9]* packages configured"
ok $? "both debootstrap stages ran with that OUT"
echo "$out" | grep -q "setup_qemu: " ; ok $? "setup_qemu reported native or emulated i386"
echo "$out" | grep "setup_qemu: " | diag
[ -z "$(pwned)" ] ; ok $? "no name was evaluated by a shell: no PWNED file ($(pwned | tr '\n' ' '))"
host_clean "failing hook" "$hostile_out"
! ls -a "$hostile" | grep -q '^\.mkfr-' ; ok $? "failing hook: no work directory next to the hostile OUT"

# The same names, a build that succeeds (the base the first one kept).
out=$(cd "$T_DIR/cwd" && "$MKFR" --profile i386-bookworm "$hostile_out" 2>&1); rc=$?
[ $rc -eq 0 ] && [ -x "$hostile_out/usr/bin/dpkg" ] && [ -s "$hostile_out.manifest.json" ]
ok $? "a build into that OUT succeeds, with its manifest (exit $rc)"
[ $rc -eq 0 ] || echo "$out" | tail -n 3 | diag
[ -z "$(pwned)" ] ; ok $? "and evaluates nothing either"
rm -rf "$hostile"

done_testing
