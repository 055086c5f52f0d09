#!/bin/bash
# SPDX-License-Identifier: MIT
# emulator_source=mirror against the host's real Debian mirror: fetch
# qemu-user-static for the host, take qemu-aarch64-static out of it into a
# private cache, reuse it, and notice when the cached binary or .deb is
# damaged.  Runs the C API through tests/helpers/fetch-emulator.
. "$(dirname "$0")/lib.sh"
need_root
need_network

FETCH=${MKFR_BUILDDIR:-$(pwd)}/tests/helpers/fetch-emulator
[ -x "$FETCH" ] || { echo "Bail out! $FETCH not built (make check builds it)"; exit 1; }
mirror=$(host_mirror)
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
cache="$T_DIR/cache"
# The verifier's temporary GnuPG homes go here, so we can see them go.
export TMPDIR="$T_DIR/tmp"
mkdir -p "$TMPDIR"

fetch() { # fetch LOG [KEYRING] [SUITE]
	"$FETCH" "$mirror" "${3:-bookworm}" "${2:-$keyring}" aarch64 "$cache" >"$1.out" 2>"$1"
}

start=$(date +%s%N)
fetch "$T_DIR/first.log"; rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
ok $rc "first call succeeds (exit $rc, $ms ms)"
diag <"$T_DIR/first.log"
bin=$(cat "$T_DIR/first.log.out")
case $bin in "$cache"/emulators/*/qemu-aarch64-static) r=0 ;; *) r=1 ;; esac
ok $r "the emulator is in CACHE/emulators/<sha256>/ ($bin)"
grep -q '^mkforeignroot: emulator: fetching qemu-user-static .* MB) from ' "$T_DIR/first.log"
ok $? "one log line says what is fetched, how big, from where"
"$bin" --version 2>&1 | head -1 | grep -q '^qemu-aarch64 version [0-9]'
ok $? "the extracted emulator runs: $("$bin" --version 2>&1 | head -1)"
[ "$(stat -c %a "$bin")" = 755 ] ; ok $? "it is mode 0755"
deb=$(ls "$cache"/debs/qemu-user-static_*_amd64.deb 2>/dev/null)
echo "$deb" | grep -q '_1%3a' ; ok $? "the .deb is cached under debootstrap's name ($(basename "$deb"))"
[ -z "$(find "$cache" -name '*.part' -o -name '.mkfr-*')" ] ; ok $? "no temporary files in the cache"

mtime=$(stat -c %Y.%N "$bin")
fetch "$T_DIR/second.log"; rc=$?
ok $rc "second call succeeds"
grep -q 'using the cached .*qemu-aarch64-static' "$T_DIR/second.log" &&
	! grep -q 'fetching qemu-user-static' "$T_DIR/second.log"
ok $? "second call reuses the cached emulator, downloads no .deb"
[ "$(stat -c %Y.%N "$bin")" = "$mtime" ] ; ok $? "the cached emulator was not rewritten"

# A damaged emulator is noticed and taken again from the cached .deb.
printf 'x' >>"$bin"
fetch "$T_DIR/third.log"; rc=$?
ok $rc "a call with a damaged cached emulator succeeds"
grep -q 'cached .*qemu-aarch64-static differs .*corrupt' "$T_DIR/third.log" ; ok $? "and warns it was corrupt"
grep -q "using the cached .*\.deb" "$T_DIR/third.log" && ! grep -q 'fetching' "$T_DIR/third.log"
ok $? "re-extracting from the cached .deb without downloading"
"$bin" --version >/dev/null 2>&1 ; ok $? "the emulator runs again"

# A damaged .deb is noticed and downloaded again.
rm -rf "$cache/emulators"
dd if=/dev/zero of="$deb" bs=1 count=16 seek=4096 conv=notrunc status=none
fetch "$T_DIR/fourth.log"; rc=$?
ok $rc "a call with a damaged cached .deb succeeds"
grep -q "cache: .*/qemu-user-static_.*\.deb is corrupt" "$T_DIR/fourth.log" ; ok $? "and warns the .deb was corrupt"
grep -q 'fetching qemu-user-static' "$T_DIR/fourth.log" ; ok $? "downloading it again"
"$(cat "$T_DIR/fourth.log.out")" --version >/dev/null 2>&1 ; ok $? "the emulator runs"

# Offline: everything from the cache, nothing asked of any mirror (the
# Release and the host's Packages index came from the runs above).
rm -rf "$cache/emulators"
"$FETCH" http://127.0.0.1:9/debian bookworm "$keyring" aarch64 "$cache" --offline \
	>"$T_DIR/offline.log.out" 2>"$T_DIR/offline.log"; rc=$?
ok $rc "--offline with a dead mirror: the emulator from the cached indexes and .deb"
diag <"$T_DIR/offline.log"
"$(cat "$T_DIR/offline.log.out")" --version >/dev/null 2>&1 ; ok $? "and it runs"
"$FETCH" "$mirror" bookworm "$keyring" aarch64 "$T_DIR/empty-cache" --offline >/dev/null 2>"$T_DIR/offline-empty.log"; rc=$?
[ $rc -ne 0 ] && grep -q "offline: no .*InRelease in the cache" "$T_DIR/offline-empty.log" ; ok $? "--offline with an empty cache: refused, saying why"

# A keyring that did not sign the Release: refused, with the keyring named.
removed=/usr/share/keyrings/debian-archive-removed-keys.gpg
if [ -f "$removed" ]; then
	fetch "$T_DIR/badkey.log" "$removed"; rc=$?
	[ $rc -ne 0 ] ; ok $? "a keyring without the archive's keys is refused (exit $rc)"
	grep -q "InRelease: .*(keyring $removed); the profile key keyring= selects another" "$T_DIR/badkey.log"
	ok $? "the error names the file, the keyring and keyring="
	[ "$(wc -l <"$T_DIR/badkey.log")" -eq 1 ] ; ok $? "in one line"
fi
fetch "$T_DIR/nosuite.log" "$keyring" no-such-suite; rc=$?
[ $rc -ne 0 ] && grep -q "dists/no-such-suite/InRelease: not found (HTTP 404)" "$T_DIR/nosuite.log"
ok $? "an unknown suite fails naming the URL"

[ -z "$(ls -A "$TMPDIR")" ] ; ok $? "every temporary GnuPG home was removed"
! ps -eo args | grep -v grep | grep -qF "$T_DIR" ; ok $? "no gpg-agent, dirmngr or keyboxd of ours is running"
done_testing
