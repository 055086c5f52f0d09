#!/bin/bash
# SPDX-License-Identifier: MIT
# The parallel .deb fetch and the shared cache against the host's real
# Debian mirror: ~20 arm64 packages into an empty cache, then again (nothing
# downloaded), then through tests/helpers/fault-proxy breaking chosen files
# (truncated, altered, 404, 503 then OK, stalled), and two fetches into one
# cache at once.  After every step the cache holds only verified files and
# no temporary file.  Runs the C API through tests/helpers/fetch-debs.
. "$(dirname "$0")/lib.sh"
need_network

BUILD=${MKFR_BUILDDIR:-$(pwd)}
SRC=${MKFR_SRCDIR:-$(pwd)}
FETCH=$BUILD/tests/helpers/fetch-debs
[ -x "$FETCH" ] || { echo "Bail out! $FETCH not built (make check builds it)"; exit 1; }
[ -x /usr/bin/python3 ] || skip_all "needs /usr/bin/python3 for the fault proxy"
mirror=$(host_mirror)
case $mirror in http://*) ;; *) skip_all "the fault proxy needs a plain-http mirror, not $mirror" ;; esac
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
cache="$T_DIR/cache"
list="$T_DIR/list"
# The requests must reach the proxy or the mirror as the test says, not a
# proxy of the environment's.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY

pkgs="base-files bash coreutils dash diffutils findutils grep gzip hostname libacl1
      libattr1 libc-bin libc6 libgcc-s1 libpcre2-8-0 libselinux1 libsystemd0 libzstd1
      perl-base sed tar util-linux"
# shellcheck disable=SC2086
"$FETCH" resolve "$mirror" bookworm arm64 "$keyring" $pkgs >"$list" 2>"$T_DIR/resolve.log"
ok $? "the packages are resolved through the verified Release and Packages"
diag <"$T_DIR/resolve.log"
n=$(wc -l <"$list")
mb=$(awk '{ s += $2 } END { printf "%.1f", s / 1e6 }' "$list")

# Every file in the cache is whole and matches the list; nothing else is
# there but .lock.
cache_clean() {
	local f name ok=0
	for f in "$cache"/debs/* "$cache"/debs/.[!.]*; do
		[ -e "$f" ] || continue
		name=${f##*/}
		[ "$name" = .lock ] && continue
		if ! awk -v n="$name" -v s="$(sha256sum <"$f" | cut -d' ' -f1)" -v z="$(stat -c %s "$f")" '
			{ fn = $4 "_" $5 "_" $6 ".deb"; gsub(":", "%3a", fn) }
			fn == n && $3 == s && $2 == z { found = 1 } END { exit !found }' "$list"; then
			echo "# not a verified package file: $name"
			ok=1
		fi
	done
	return $ok
}
count_debs() { find "$cache/debs" -name '*.deb' | wc -l; }

fetch() { # fetch LOG [OPTIONS...]
	local log=$1
	shift
	"$FETCH" fetch "$@" "$mirror" "$cache" "$list" >"$log.out" 2>"$log"
}

# (a) an empty cache
fetch "$T_DIR/a.log" --connections 8; rc=$?
ok $rc "$n packages ($mb MB) fetched into an empty cache"
diag <"$T_DIR/a.log"
echo "# 8 connections: $(cat "$T_DIR/a.log.out")"
[ "$(count_debs)" -eq "$n" ] ; ok $? "all $n are in CACHE/debs"
cache_clean ; ok $? "each has the size and SHA256 of its Packages record; no temporary file"
grep -q "^fetched $n files" "$T_DIR/a.log.out" ; ok $? "the summary counts $n files"

# one connection, for comparison
rm -rf "$cache"
fetch "$T_DIR/one.log" --connections 1; rc=$?
ok $rc "the same with one connection"
echo "# 1 connection:  $(cat "$T_DIR/one.log.out")"

# (b) again: nothing downloaded
fetch "$T_DIR/b.log"; rc=$?
ok $rc "a second fetch succeeds"
grep -q "^fetched 0 files, .*; $n in the cache" "$T_DIR/b.log.out" ; ok $? "and downloads nothing"

# (c) faults.  Each case removes one or two files from the cache first.
victim() { # the cache file name and the pool path of package $1
	awk -v p="$1" '$4 == p { fn = $4 "_" $5 "_" $6 ".deb"; gsub(":", "%3a", fn); print fn, $1; exit }' "$list"
}
requests() { grep -c "$1" "$T_DIR/proxy.log"; }

read -r bash_file bash_path <<<"$(victim bash)"
rm -f "$cache/debs/$bash_file"
start_proxy --truncate "$bash_path:1"
fetch "$T_DIR/trunc1.log" --proxy "$proxy" --tries 4; rc=$?
stop_proxy
ok $rc "a .deb truncated once is retried and recovered"
grep -q "$bash_path.*retrying in" "$T_DIR/trunc1.log" ; ok $? "the retry is said, naming the file"
diag <"$T_DIR/trunc1.log"
[ "$(requests "forward.*$bash_path")" -eq 1 ] && [ "$(requests "truncate.*$bash_path")" -eq 1 ]
ok $? "two requests for it, the first truncated"
[ -f "$cache/debs/$bash_file" ] && cache_clean ; ok $? "it is in the cache, verified"

rm -f "$cache/debs/$bash_file"
start_proxy --truncate "$bash_path"
fetch "$T_DIR/trunc.log" --proxy "$proxy" --tries 3; rc=$?
stop_proxy
[ $rc -ne 0 ] ; ok $? "a .deb truncated every time fails (exit $rc)"
grep -q "error: after 3 tries: $mirror/$bash_path: " "$T_DIR/trunc.log"
ok $? "with one error line naming the file, the mirror and the tries"
grep 'error:' "$T_DIR/trunc.log" | diag
[ ! -e "$cache/debs/$bash_file" ] && cache_clean ; ok $? "nothing of it in the cache, no temporary file"

read -r libc_file libc_path <<<"$(victim libc6)"
rm -f "$cache/debs/$libc_file"
start_proxy --flip-byte "$libc_path"
fetch "$T_DIR/flip.log" --proxy "$proxy" --tries 2; rc=$?
stop_proxy
[ $rc -ne 0 ] ; ok $? "a .deb with one byte altered fails (exit $rc)"
grep -q "error: .*$mirror/$libc_path: SHA256 mismatch" "$T_DIR/flip.log"
ok $? "the checksum mismatch names the file and the mirror"
grep 'error:' "$T_DIR/flip.log" | diag
[ ! -e "$cache/debs/$libc_file" ] && cache_clean ; ok $? "it never enters the cache; no temporary file"

start_proxy --status "$libc_path:404"
start=$(date +%s%N)
fetch "$T_DIR/404.log" --proxy "$proxy"; rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
stop_proxy
[ $rc -ne 0 ] && [ "$(requests "$libc_path")" -eq 1 ] ; ok $? "a 404 fails at once, one request ($ms ms)"
grep -q "error: $mirror/$libc_path: not found (HTTP 404)" "$T_DIR/404.log" ; ok $? "naming the file and the mirror"
cache_clean ; ok $? "the cache is clean"

start_proxy --fail-then-ok "$libc_path:503:2"
fetch "$T_DIR/503.log" --proxy "$proxy"; rc=$?
stop_proxy
ok $rc "two 503 answers, then OK: recovered"
[ "$(requests "$libc_path")" -eq 3 ] ; ok $? "in three requests"
[ -f "$cache/debs/$libc_file" ] && cache_clean ; ok $? "the file is in the cache, verified"

rm -f "$cache/debs/$bash_file"
start_proxy --stall "$bash_path:1"
start=$(date +%s)
fetch "$T_DIR/stall.log" --proxy "$proxy" --stall-seconds 3; rc=$?
s=$(($(date +%s) - start))
stop_proxy
ok $rc "a stalled transfer is noticed and retried (${s} s)"
grep -q "$bash_path: timed out or stalled" "$T_DIR/stall.log" ; ok $? "saying it stalled"
[ -f "$cache/debs/$bash_file" ] && cache_clean ; ok $? "the file is in the cache, verified"

# Ctrl-C in the middle of a fetch: ends promptly, leaves no temporary file.
rm -rf "$cache"
start_proxy --stall "$libc_path"
"$FETCH" fetch --proxy "$proxy" "$mirror" "$cache" "$list" >/dev/null 2>"$T_DIR/int.log" &
fpid=$!
T_PIDS="$T_PIDS $fpid"
sleep 2
kill -INT "$fpid"
start=$(date +%s%N)
wait "$fpid"; rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
stop_proxy
[ $rc -eq 130 ] ; ok $? "SIGINT ends the fetch with 130 (exit $rc, $ms ms after the signal)"
cache_clean ; ok $? "no temporary file is left, only verified files"

# (d) two fetches into one empty cache at once
rm -rf "$cache"
"$FETCH" fetch "$mirror" "$cache" "$list" >"$T_DIR/d1.out" 2>"$T_DIR/d1.log" &
p1=$!
"$FETCH" fetch "$mirror" "$cache" "$list" >"$T_DIR/d2.out" 2>"$T_DIR/d2.log" &
p2=$!
T_PIDS="$T_PIDS $p1 $p2"
wait "$p1"; rc1=$?
wait "$p2"; rc2=$?
[ $rc1 -eq 0 ] && [ $rc2 -eq 0 ] ; ok $? "two concurrent fetches into one cache both succeed"
echo "# first:  $(cat "$T_DIR/d1.out")"
echo "# second: $(cat "$T_DIR/d2.out")"
f1=$(awk '{ print $2 }' "$T_DIR/d1.out")
f2=$(awk '{ print $2 }' "$T_DIR/d2.out")
[ $((f1 + f2)) -eq "$n" ] ; ok $? "each file was downloaded by one of them only ($f1 + $f2 = $n)"
[ "$(count_debs)" -eq "$n" ] && cache_clean ; ok $? "all $n are in the cache, verified; no temporary file"

! ps -eo pid,args | grep -v grep | grep -qF "$T_DIR" ; ok $? "no process of ours is left"
done_testing
