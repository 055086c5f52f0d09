#!/bin/bash
# The real thing: build armel-bookworm (minbase) and check the result and the
# host, watching binfmt_misc every second while it runs.
. "$(dirname "$0")/lib.sh"
need_root
need_network
host_binfmt_mount
before=$(binfmt_snapshot)
out="$T_DIR/armel"

# Watch the host's entries once a second: one line per snapshot listing
# every entry that is not this build's (names and contents, hashed).
foreign_entries() { binfmt_snapshot | awk '/^== mkforeignroot-arm-/{skip=1; next} /^== /{skip=0} !skip' | md5sum; }
want=$(foreign_entries)
( while :; do foreign_entries; sleep 1; done ) > "$T_DIR/watch" 2>/dev/null &
watcher=$!
T_PIDS="$T_PIDS $watcher"

"$MKFR" --profile armel-bookworm --log "$T_DIR/build.log" "$out" > "$T_DIR/build.out" 2>&1; rc=$?
kill "$watcher"; wait "$watcher" 2>/dev/null
ok $rc "build armel-bookworm (exit $rc)"
tail -n 3 "$T_DIR/build.out" | diag

readelf -h "$out/usr/bin/dpkg" > "$T_DIR/elf" 2>&1
grep -q 'Class: *ELF32' "$T_DIR/elf" && grep -q 'Machine: *ARM' "$T_DIR/elf" ; ok $? "usr/bin/dpkg is a 32-bit ARM ELF"
grep -q 'soft-float ABI' "$T_DIR/elf" ; ok $? "and uses the soft-float ABI (armel)"
n=$(dpkg-query --admindir="$out/var/lib/dpkg" -W -f='${Status}\n' | wc -l)
bad=$(dpkg-query --admindir="$out/var/lib/dpkg" -W -f='${Package} ${Status}\n' | grep -v ' install ok installed$')
[ "$n" -gt 50 ] && [ -z "$bad" ] ; ok $? "all $n packages are 'install ok installed'"
[ -n "$bad" ] && echo "$bad" | diag
arch=$(dpkg-query --admindir="$out/var/lib/dpkg" -W -f='${Architecture}\n' dpkg)
[ "$arch" = armel ] ; ok $? "dpkg's architecture is armel (got $arch)"
[ ! -e "$out/debootstrap" ] ; ok $? "no /debootstrap left"
[ -z "$(find "$out" -xdev -name 'qemu-*' -print -quit)" ] ; ok $? "no emulator left in the rootfs"
[ ! -e "$out/usr/sbin/policy-rc.d" ] ; ok $? "no policy-rc.d left"
[ "$(cat "$out/etc/hostname")" = localhost ] ; ok $? "hostname is the profile's, not the build host's"
[ -z "$(ls "$out/var/cache/apt/archives/" | grep '\.deb$')" ] ; ok $? "no .debs left in the apt cache"
[ -c "$out/dev/null" ] ; ok $? "device nodes exist (dev/null)"
[ -z "$(findmnt -rn -o TARGET | grep -F "$out")" ] ; ok $? "no mount under OUT"
[ -z "$(our_mounts)" ] ; ok $? "no mount under any work directory"
! ls -a "$T_DIR" | grep -q '^\.mkfr-' ; ok $? "no work directory left"
[ "$(binfmt_snapshot)" = "$before" ] ; ok $? "binfmt_misc entries exactly as before"
# Every snapshot during the build showed the other entries unchanged.
[ "$(wc -l < "$T_DIR/watch")" -gt 10 ] && [ -z "$(grep -vxF "$want" "$T_DIR/watch")" ] ; ok $? "other entries never changed during the build ($(wc -l < "$T_DIR/watch") snapshots)"
grep -q 'I: Base system installed successfully' "$T_DIR/build.log" ; ok $? "--log holds debootstrap's full output"
grep -q 'second: .* packages configured' "$T_DIR/build.out" ; ok $? "progress reported the second stage"

done_testing
