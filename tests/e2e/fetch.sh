#!/bin/bash
# SPDX-License-Identifier: MIT
# The fetch stage for real: a cold first stage fills the cache; an offline
# build against a mirror where nothing listens succeeds from it; signatures,
# Valid-Until and broken downloads (through tests/helpers/fault-proxy) fail
# with one line, or recover, and the cache never holds a bad file.
. "$(dirname "$0")/lib.sh"
need_root
need_network
cache=$MKFR_CACHE_DIR
dead=http://127.0.0.1:9/debian
mirror=$(host_mirror)

debs_in() { find "$1/debs" -name '*.deb' 2>/dev/null | wc -l; }
no_temp_files() { # nothing half-written anywhere in a cache
	[ -z "$(find "$1" \( -name '*.part' -o -name '*.tmp' -o -name '.mkfr-*' \) -print -quit 2>/dev/null)" ]
}
nothing_left() { # nothing_left WHAT OUT
	[ ! -e "$2" ] && ! ls -a "$T_DIR" | grep -q '^\.mkfr-' && [ -z "$(our_mounts)" ] ; ok $? "$1: no OUT, work directory or mount left"
}

# --- cold, then warm ---------------------------------------------------------
"$MKFR" --profile armel-bookworm --stop-after foreign "$T_DIR/o" > "$T_DIR/cold.out" 2>&1; rc=$?
ok $rc "cold first stage into an empty cache (exit $rc)"
grep 'fetch: .* fetched' "$T_DIR/cold.out" | diag
n=$(debs_in "$cache")
grep -q "fetch: $n packages (.*): 0 in the cache, $n fetched" "$T_DIR/cold.out" && [ "$n" -gt 50 ] ; ok $? "it fetched every package ($n) into cache_dir/debs"
[ -s "$cache/indexes/bookworm/InRelease" ] && ls "$cache"/indexes/bookworm/main/binary-armel/Packages.* >/dev/null 2>&1 ; ok $? "the verified indexes are kept for offline builds"
no_temp_files "$cache" ; ok $? "no temporary file or scratch directory left in the cache"
nothing_left "cold" "$T_DIR/o"

"$MKFR" -v --profile armel-bookworm --stop-after foreign "$T_DIR/o" > "$T_DIR/warm.out" 2>&1; rc=$?
[ $rc -eq 0 ] && grep -q "fetch: all $n packages (.*) were in the cache" "$T_DIR/warm.out" ; ok $? "warm: nothing downloaded again"
grep -q "main/binary-armel/Packages: the cache's copy is the one the Release lists" "$T_DIR/warm.out" ; ok $? "warm: not the Packages index either (the Release lists the cache's copy)"

# --- offline -------------------------------------------------------------------
# Name, inode and size: a download would rename a new file into place (a
# use only marks the mtime, for `cache prune`).
debs_state() { find "$cache/debs" -name '*.deb' -printf '%f %i %s\n' | sort | md5sum; }
before_debs=$(debs_state)
out="$T_DIR/offline"
"$MKFR" --profile armel-bookworm --offline --set mirror=$dead --log "$T_DIR/offline.log" "$out" > "$T_DIR/offline.out" 2>&1; rc=$?
ok $rc "full build with --offline and a mirror where nothing listens (exit $rc)"
tail -n 2 "$T_DIR/offline.out" | diag
grep -q "fetch: all $n packages (.*) from the cache, offline" "$T_DIR/offline.out" ; ok $? "it says everything came from the cache"
[ "$(debs_state)" = "$before_debs" ] ; ok $? "and downloaded nothing (the same files in the cache)"
bad=$(dpkg-query --admindir="$out/var/lib/dpkg" -W -f='${Package} ${Status}\n' 2>&1 | grep -v ' install ok installed$')
[ -d "$out" ] && [ -z "$bad" ] ; ok $? "every package of the offline build is installed"
[ "$(cat "$out/etc/apt/sources.list" 2>/dev/null)" = "deb $dead bookworm main" ] ; ok $? "sources.list names the profile's mirror ($(cat "$out/etc/apt/sources.list" 2>/dev/null))"
ls "$out/var/lib/apt/lists/" | grep -q '^127.0.0.1:9_debian_dists_bookworm_InRelease$' ; ok $? "apt lists are named after it, as debootstrap names them"

"$MKFR" --profile armel-bookworm --set mirror=$dead --stop-after foreign "$T_DIR/o" > "$T_DIR/auto.out" 2>&1; rc=$?
[ $rc -eq 0 ] && grep -q "warning: fetch: .*127.0.0.1:9.*; building from the cache" "$T_DIR/auto.out" ; ok $? "an unreachable mirror with a complete cache: builds, with a warning"

out2=$("$MKFR" --profile armel-bookworm --offline --cache-dir "$T_DIR/empty-cache" "$T_DIR/o" 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$out2" | tail -n 1 | grep -q "offline: no .*InRelease in the cache: build once with the network" ; ok $? "--offline with an empty cache: exit 1 and why"
nothing_left "offline, empty cache" "$T_DIR/o"

# A link planted in the cache where the in-use lock lives: never followed,
# nothing created where it points.
planted="$T_DIR/planted-cache"
mkdir -m 0700 "$planted" && ln -s "$T_DIR/victim" "$planted/.in-use"
out2=$("$MKFR" --profile armel-bookworm --cache-dir "$planted" --stop-after resolve "$T_DIR/o" 2>&1); rc=$?
[ $rc -eq 1 ] && [ ! -e "$T_DIR/victim" ] ; ok $? "a symlink planted at CACHE/.in-use is not followed (exit $rc, nothing at its target)"
echo "$out2" | tail -n 1 | diag

# --- signatures ------------------------------------------------------------------
removed=/usr/share/keyrings/debian-archive-removed-keys.gpg
out2=$("$MKFR" --profile armel-bookworm --set keyring=$removed --stop-after fetch "$T_DIR/o" 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$out2" | tail -n 1 | grep -q "not in the keyring (keyring $removed); the profile key keyring= selects another" ; ok $? "a keyring that does not sign the Release: refused, keyring named"
echo "$out2" | tail -n 1 | diag
out2=$("$MKFR" --profile armel-bookworm --set keyring=$removed --no-check-gpg --stop-after foreign "$T_DIR/o" 2>&1); rc=$?
[ $rc -eq 0 ] && echo "$out2" | grep -q "warning: --no-check-gpg: the Release file's signature is NOT checked" ; ok $? "--no-check-gpg proceeds, loudly"

# Valid-Until: the real Release, re-signed by a key of this test with an
# expiry in the past, served from a file:// mirror next to the real index.
test_signing_key
fake="$T_DIR/fake-mirror"
mkdir -p "$fake/dists/bookworm/main/binary-armel"
cp "$cache"/indexes/bookworm/main/binary-armel/Packages.* "$fake/dists/bookworm/main/binary-armel/"
# The real Release text, taken before any test mirror's Release reaches the
# cache (an accepted one is kept there, as any verified Release is).
release_body "$cache/indexes/bookworm/InRelease" > "$T_DIR/release.body"
sed '/^Date: /a Valid-Until: Sat, 01 Jan 2000 00:00:00 UTC' "$T_DIR/release.body" |
	gpg --batch --quiet --clearsign > "$fake/dists/bookworm/InRelease"
grep -q '^Valid-Until: Sat, 01 Jan 2000' "$fake/dists/bookworm/InRelease" ; ok $? "test mirror: Release re-signed with Valid-Until in 2000"
out2=$("$MKFR" --profile armel-bookworm --set mirror="file://$fake" --set keyring="$T_DIR/test-key.gpg" --stop-after fetch "$T_DIR/o" 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$out2" | tail -n 1 | grep -q "expired on .*2000.*(Valid-Until)" ; ok $? "an expired Release is refused"
echo "$out2" | tail -n 1 | diag
out2=$("$MKFR" --profile armel-bookworm --set mirror="file://$fake" --set keyring="$T_DIR/test-key.gpg" --set check_valid_until=no --stop-after fetch "$T_DIR/o" 2>&1); rc=$?
ok $rc "with check_valid_until=no it is accepted"

# A mirror without InRelease: Release and a detached Release.gpg.
old="$T_DIR/old-mirror"
mkdir -p "$old/dists/bookworm"
cp -r "$fake/dists/bookworm/main" "$old/dists/bookworm/"
cp "$T_DIR/release.body" "$old/dists/bookworm/Release"
gpg --batch --quiet --armor --detach-sign -o "$old/dists/bookworm/Release.gpg" "$old/dists/bookworm/Release"
out2=$("$MKFR" --profile armel-bookworm --set mirror="file://$old" --set keyring="$T_DIR/test-key.gpg" --stop-after foreign "$T_DIR/o" 2>&1); rc=$?
ok $rc "a mirror with Release + Release.gpg instead of InRelease: verified and built"
[ $rc -eq 0 ] || echo "$out2" | tail -n 2 | diag
echo "tampered" >> "$old/dists/bookworm/Release"
out2=$("$MKFR" --profile armel-bookworm --set mirror="file://$old" --set keyring="$T_DIR/test-key.gpg" --stop-after fetch "$T_DIR/o" 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$out2" | tail -n 1 | grep -q "Release: .*(keyring $T_DIR/test-key.gpg)" ; ok $? "a Release that does not match its Release.gpg is refused"
echo "$out2" | tail -n 1 | diag
unset GNUPGHOME

# --- broken downloads, through the fault proxy -----------------------------------------
through_proxy() { # through_proxy NAME: a fetch with an empty cache of its own
	"$MKFR" --profile armel-bookworm --set proxy="$proxy" --cache-dir "$T_DIR/c-$1" \
		--stop-after fetch "$T_DIR/o" > "$T_DIR/$1.out" 2>&1
}

# A mirror in mid-sync (item 12 of the trust review): its plain
# Packages.xz no longer matches the signed InRelease.  apt's way out is the
# by-hash copy, which a mirror keeps consistent: with it, the build goes on.
start_proxy --flip-byte "/binary-armel/Packages.xz"
through_proxy psync; rc=$?
[ $rc -eq 0 ] && grep -q "binary-armel/by-hash/SHA256/" "$T_DIR/proxy.log" &&
	! grep -q "binary-armel/Packages.xz" "$T_DIR/proxy.log" ; ok $? "a changed plain index, a correct by-hash copy: fetched by hash, built"
stop_proxy
# Without the by-hash copy: tried again once after a pause, then one line
# naming the file and saying the mirror looks mid-sync.
start_proxy --status "/by-hash/:404" --flip-byte "/binary-armel/Packages.xz"
through_proxy pnosync; rc=$?
tail -n 1 "$T_DIR/pnosync.out" | diag
[ $rc -eq 1 ] && tail -n 1 "$T_DIR/pnosync.out" |
	grep -q "binary-armel/Packages.xz: SHA256 mismatch (got .*, its signed Release says .*): the mirror looks mid-sync (its by-hash copy is missing)" ; ok $? "and without it: exit 1, one line naming the file, the mismatch and a mirror mid-sync"
[ "$(grep -c 'binary-armel/Packages.xz' "$T_DIR/proxy.log")" -eq 2 ] ; ok $? "the plain index was tried twice ($(grep -c 'binary-armel/Packages.xz' "$T_DIR/proxy.log"))"
stop_proxy

start_proxy --status "/bash_:404"
through_proxy p404; rc=$?
[ $rc -eq 1 ] && tail -n 1 "$T_DIR/p404.out" | grep -q "$mirror/pool/main/b/bash/bash_.*404" ; ok $? "404 for a .deb: exit 1, naming the file and the mirror"
tail -n 1 "$T_DIR/p404.out" | diag
[ -z "$(ls "$T_DIR/c-p404/debs" 2>/dev/null | grep '^bash_')" ] && no_temp_files "$T_DIR/c-p404" ; ok $? "404: no bash .deb and no temp file in the cache"
stop_proxy

start_proxy --fail-then-ok "/libc6_:503:2"
through_proxy p503; rc=$?
[ $rc -eq 0 ] && [ "$(grep -c '/libc6_' "$T_DIR/proxy.log")" -ge 3 ] ; ok $? "503 twice, then success: recovered ($(grep -c '/libc6_' "$T_DIR/proxy.log") requests)"
stop_proxy

start_proxy --truncate "/coreutils_:1"
through_proxy ptrunc; rc=$?
[ $rc -eq 0 ] && [ "$(ls "$T_DIR/c-ptrunc/debs" | grep -c '^coreutils_')" -eq 1 ] ; ok $? "a truncated .deb is fetched again: recovered"
stop_proxy

start_proxy --flip-byte "/coreutils_"
through_proxy pflip; rc=$?
[ $rc -eq 1 ] && tail -n 1 "$T_DIR/pflip.out" | grep -qi "coreutils_.*sha256" ; ok $? "a .deb with one byte changed, every time: exit 1, checksum mismatch named"
tail -n 1 "$T_DIR/pflip.out" | diag
! ls "$T_DIR/c-pflip/debs" 2>/dev/null | grep -q '^coreutils_' && no_temp_files "$T_DIR/c-pflip" ; ok $? "and the bad file is not in the cache"
stop_proxy
nothing_left "faults" "$T_DIR/o"

# --- two builds, one cache, at the same time -------------------------------------------
shared="$T_DIR/shared-cache"
"$MKFR" --profile armel-bookworm --cache-dir "$shared" --stop-after foreign "$T_DIR/a" > "$T_DIR/a.out" 2>&1 &
pa=$!; T_PIDS="$T_PIDS $pa"
"$MKFR" --profile armel-bookworm --cache-dir "$shared" --stop-after foreign "$T_DIR/b" > "$T_DIR/b.out" 2>&1 &
pb=$!; T_PIDS="$T_PIDS $pb"
wait $pa; ra=$?; wait $pb; rb=$?
[ $ra -eq 0 ] && [ $rb -eq 0 ] ; ok $? "two builds sharing one empty cache both succeed ($ra, $rb)"
[ "$(debs_in "$shared")" -eq "$n" ] && no_temp_files "$shared" ; ok $? "the shared cache holds each package once, nothing half-written"

done_testing
