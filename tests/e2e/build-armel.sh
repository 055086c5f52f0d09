#!/bin/bash
# SPDX-License-Identifier: MIT
# The real thing, the other way: build armel-bookworm (minbase) with
# binfmt=global and the emulator taken from the mirror (the host's own is
# hidden behind an empty search path), while
#  - the host's other binfmt_misc entries are watched every second,
#  - the host keeps running an ARM program through a Debian-style F entry of
#    its own (under global mode our entry shadows it: documented here),
#  - a hook wipes our entry as systemd-binfmt would, and the next hook must
#    still find emulation working (the entry is re-registered, with a warning).
. "$(dirname "$0")/lib.sh"
need_root
need_network
host_binfmt_mount
TINY_ELF=${MKFR_BUILDDIR:-.}/tests/helpers/tiny-elf
out="$T_DIR/armel"

host_entry="qemu-arm-e2e-$$"
magic='\x7fELF\x01\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x28\x00'
mask='\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff'
host_entry_add "$host_entry" "$magic" "$mask" /usr/bin/qemu-arm-static PF
ok $? "the host has its own arm F entry ($host_entry)"
"$TINY_ELF" armel 42 "$T_DIR/host-arm-prog"
"$T_DIR/host-arm-prog"; [ $? -eq 42 ] ; ok $? "an ARM program runs on the host through it"
before=$(binfmt_snapshot)

mkdir -p "$T_DIR/hooks" "$T_DIR/no-emulators" "$T_DIR/cache"
cat > "$T_DIR/hooks/50-wipe-entry" <<'HOOK'
#!/bin/sh
# What systemd-binfmt does on restart: our entry is gone.
echo -1 > "/proc/sys/fs/binfmt_misc/$MKFR_BINFMT_ENTRY" && echo "wiped $MKFR_BINFMT_ENTRY"
HOOK
cat > "$T_DIR/hooks/60-use-emulation" <<'HOOK'
#!/bin/sh
chroot "$1" /usr/bin/true && echo "emulation still works"
HOOK
chmod +x "$T_DIR/hooks/"*

# Watch the host's entries once a second: one line per snapshot listing
# every entry that is not this build's (names and contents, hashed).
foreign_entries() { binfmt_snapshot | awk '/^== mkforeignroot-arm-/{skip=1; next} /^== /{skip=0} !skip' | md5sum; }
want=$(foreign_entries)
( while :; do foreign_entries; sleep 1; done ) > "$T_DIR/watch" 2>/dev/null &
watcher=$!
T_PIDS="$T_PIDS $watcher"
( while :; do "$T_DIR/host-arm-prog" 2>/dev/null; echo $?; sleep 0.2; done ) > "$T_DIR/host-runs" &
looper=$!
T_PIDS="$T_PIDS $looper"

"$MKFR" --profile armel-bookworm --binfmt global --set emulator_path="$T_DIR/no-emulators" \
	--set cache_dir="$T_DIR/cache" \
	--set hooks="$T_DIR/hooks/50-wipe-entry,$T_DIR/hooks/60-use-emulation" \
	--log "$T_DIR/build.log" "$out" > "$T_DIR/build.out" 2>&1; rc=$?
kill "$watcher" "$looper"; wait "$watcher" "$looper" 2>/dev/null
ok $rc "build armel-bookworm with binfmt=global (exit $rc)"
tail -n 3 "$T_DIR/build.out" | diag

grep -q 'emulator: .*qemu-arm-static extracted from qemu-user-static' "$T_DIR/build.out" &&
	ls "$T_DIR"/cache/emulators/*/qemu-arm-static >/dev/null 2>&1 ; ok $? "the emulator came from the mirror into cache_dir"
grep -q 'global binfmt_misc entry mkforeignroot-arm-' "$T_DIR/build.out" ; ok $? "binfmt=global registered a host entry"
grep -q 'wiped mkforeignroot-arm-' "$T_DIR/build.out" &&
	grep -q 'disappeared (a host service removed it); registering it again' "$T_DIR/build.out" &&
	grep -q 'emulation still works' "$T_DIR/build.out" ; ok $? "an entry wiped mid-build is re-registered with a warning"
n_runs=$(wc -l < "$T_DIR/host-runs")
n_bad=$(grep -cvx 42 "$T_DIR/host-runs")
echo "host ARM program during the global build: $n_bad of $n_runs runs failed" | diag
[ "$n_bad" -gt 0 ] ; ok $? "binfmt=global shadows the host's own arm entry while it runs ($n_bad/$n_runs failed): why private is the default"
"$T_DIR/host-arm-prog"; [ $? -eq 42 ] ; ok $? "afterwards the host's entry serves ARM programs again"

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
"$MKFR" run "$out" -- dpkg --print-architecture > "$T_DIR/run.out" 2>&1
[ "$(cat "$T_DIR/run.out")" = armel ] ; ok $? "run: dpkg --print-architecture says armel"
# Every snapshot during the build showed the other entries unchanged.
[ "$(wc -l < "$T_DIR/watch")" -gt 10 ] && [ -z "$(grep -vxF "$want" "$T_DIR/watch")" ] ; ok $? "other entries never changed during the build ($(wc -l < "$T_DIR/watch") snapshots)"
grep -q 'I: Base system installed successfully' "$T_DIR/build.log" ; ok $? "--log holds debootstrap's full output"
grep -q 'second: .* packages configured' "$T_DIR/build.out" ; ok $? "progress reported the second stage"

done_testing
