#!/bin/bash
# SPDX-License-Identifier: MIT
# The base cache for real: a cold armel build keeps its configured base; the
# same build again unpacks it and runs no debootstrap, and its rootfs equals
# the cold one (listing, contents, capabilities, hard links) and works
# under emulation.  One changed package version in the mirror's index is a
# miss; a damaged entry is removed and the build goes on in full;
# --no-base-cache runs both stages.  `cache list|prune` show and trim it,
# and prune waits for a running build.
# One full build (~2 min), then short ones.
. "$(dirname "$0")/lib.sh"
need_root
need_network

cache=$MKFR_CACHE_DIR
# ping: a file capability for the cold/hit comparison
profile=(--profile armel-bookworm --set packages=iputils-ping)
snapshots() { ls "$cache"/base/*.tar.zst 2>/dev/null | wc -l; }
nothing_left() { # nothing_left WHAT
	[ -z "$(ls -A "$T_DIR" | grep '^\.mkfr-')" ] && [ -z "$(our_mounts)" ] &&
		[ -z "$(ls -A "$cache/tmp" 2>/dev/null)" ] ; ok $? "$1: no work directory, mount or temp file left"
}
build() { # build NAME OUT [ARGS...]: output in $T_DIR/NAME.out
	local name=$1 out=$2 t0 rc
	shift 2
	t0=$(date +%s.%N)
	"$MKFR" "${profile[@]}" "$@" "$out" > "$T_DIR/$name.out" 2>&1; rc=$?
	secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
	echo "$name: exit $rc in $secs s" | diag
	[ "$rc" -eq 0 ] || tail -n 5 "$T_DIR/$name.out" | diag
	return "$rc"
}

# ---- cold: a miss, then the base is kept ------------------------------------
build cold "$T_DIR/cold" ; ok $? "cold build into an empty cache"
grep -q "base cache: no entry [0-9a-f]\{12\} for this base yet" "$T_DIR/cold.out" ; ok $? "it says the base is not cached yet"
grep -q "snapshot: .* entries (.* MB) kept in" "$T_DIR/cold.out" ; ok $? "the snapshot stage kept the base"
[ "$(snapshots)" -eq 1 ] ; ok $? "one entry in cache_dir/base"
entry=$(ls "$cache"/base/*.tar.zst | head -n 1)
id=$(basename "$entry" .tar.zst)
key="$cache/base/$id.key"
n=$(dpkg-query --admindir="$T_DIR/cold/var/lib/dpkg" -W | wc -l)
nfetched=$(sed -n 's/.*fetch: \([0-9]*\) packages (.*/\1/p' "$T_DIR/cold.out" | head -n 1)
[ -n "$nfetched" ] && [ "$(grep -c '^deb=' "$key")" -eq "$nfetched" ] ; ok $? "the key lists every .deb of the resolved set ($nfetched)"
grep -q '^debootstrap=debootstrap [0-9]' "$key" && grep -q '^emulator=qemu-arm version ' "$key" &&
	grep -q '^suite=bookworm$' "$key" && grep -q '^arch=armel$' "$key" && grep -q '^binfmt=private$' "$key" ; ok $? "and the debootstrap and emulator versions, suite, arch, binfmt mode"
tar -tf "$entry" > "$T_DIR/entry.list"
! grep -q -e '^\./debootstrap' -e '^\./var/cache/apt/archives/.*\.deb$' -e '^\./var/lib/apt/lists/.*_Packages$' \
	-e '^\./usr/sbin/policy-rc\.d$' -e '^\./etc/dpkg/dpkg\.cfg\.d/mkforeignroot' "$T_DIR/entry.list" &&
	grep -q '^\./usr/bin/dpkg$' "$T_DIR/entry.list" ; ok $? "the snapshot has the base, not /debootstrap, .debs, apt lists, policy-rc.d or our dpkg option"
[ ! -e "$T_DIR/cold/etc/dpkg/dpkg.cfg.d/mkforeignroot-unsafe-io" ] && [ ! -e "$T_DIR/cold/usr/sbin/policy-rc.d" ] ; ok $? "the rootfs keeps neither our dpkg option nor policy-rc.d"
use_in() { python3 -c 'import json, sys; m = json.load(open(sys.argv[1])); print(m["base_cache"]["use"], m["base_cache"]["key"])' "$1" 2>/dev/null; }
[ "$(use_in "$T_DIR/cold.manifest.json")" = "stored $id" ] ; ok $? "the manifest says the base was built and kept, with its key"
nothing_left "cold"

# ---- hit: unpacked, no debootstrap, same rootfs -------------------------------
build hit "$T_DIR/hit" ; ok $? "the same build again"
hit_secs=$secs
grep -q "base cache: hit $(echo "$id" | cut -c1-12): .* unpacked in" "$T_DIR/hit.out" ; ok $? "a base cache hit, same entry"
grep -q "foreign: nothing to do" "$T_DIR/hit.out" && grep -q "second: nothing to do" "$T_DIR/hit.out" &&
	! grep -q "debootstrap --second-stage (configure" "$T_DIR/hit.out" ; ok $? "neither debootstrap stage ran"
! grep -q "fetch: [0-9]* packages\|fetch: all .* in the cache" "$T_DIR/hit.out" ; ok $? "and no .deb was fetched or even looked at"
[ "$(use_in "$T_DIR/hit.manifest.json")" = "hit $id" ] ; ok $? "the manifest says the base came from the cache, and which"
awk -v s="$hit_secs" 'BEGIN { exit !(s < 60) }' ; ok $? "the hit took $hit_secs s"

for what in listing hardlinks contents caps; do
	"tree_$what" "$T_DIR/cold" > "$T_DIR/cold.$what"
	"tree_$what" "$T_DIR/hit" > "$T_DIR/hit.$what"
	diff "$T_DIR/cold.$what" "$T_DIR/hit.$what" > "$T_DIR/$what.diff"
	[ -s "$T_DIR/cold.$what" ] && [ ! -s "$T_DIR/$what.diff" ] ; ok $? "cold and hit rootfs: same $what ($(wc -l < "$T_DIR/cold.$what") lines)"
	head -n 10 "$T_DIR/$what.diff" | diag
done
got=$("$MKFR" run "$T_DIR/hit" -- dpkg-query -W 2>/dev/null | wc -l)
[ "$got" -eq "$n" ] ; ok $? "the hit rootfs runs its own dpkg under emulation: $got packages, as the cold one"
nothing_left "hit"
rm -rf --one-file-system "$T_DIR/hit"

# ---- --no-base-cache: both stages run ------------------------------------------
build nocache "$T_DIR/o" --no-base-cache --stop-after foreign ; ok $? "--no-base-cache (up to foreign)"
! grep -q "base cache" "$T_DIR/nocache.out" && grep -q "foreign: [0-9]* packages unpacked" "$T_DIR/nocache.out" ; ok $? "no lookup; debootstrap --foreign unpacked the packages"

# ---- one new package version in the index: a miss --------------------------------
# A file:// mirror with the real Release text and Packages, re-signed by a
# key of this test.  The real entry, planted under the key this mirror
# gives, is a hit while the index is unchanged; one version changed in the
# index is a miss.
test_signing_key
local_mirror="$T_DIR/mirror"
pk="$local_mirror/dists/bookworm/main/binary-armel"
mkdir -p "$pk"
xz -dc "$cache"/indexes/bookworm/main/binary-armel/Packages.xz > "$T_DIR/Packages"
release_body "$cache/indexes/bookworm/InRelease" > "$T_DIR/release.body"
publish() { # publish PACKAGES-FILE: the index, and a Release naming it, signed
	xz -0 -c "$1" > "$pk/Packages.xz" # -0: fast; the format is what matters
	local sha size
	sha=$(sha256sum < "$pk/Packages.xz" | cut -d' ' -f1)
	size=$(stat -c %s "$pk/Packages.xz")
	awk -v sha="$sha" -v size="$size" '
		/^[A-Za-z0-9-]+:/ { in256 = ($1 == "SHA256:") }
		in256 && $3 == "main/binary-armel/Packages.xz" { printf " %s %16d %s\n", sha, size, $3; next }
		{ print }' "$T_DIR/release.body" | gpg --batch --quiet --clearsign > "$local_mirror/dists/bookworm/InRelease"
}
from_local() { # from_local NAME STAGE: build from the local mirror up to STAGE
	"$MKFR" "${profile[@]}" --verbose --set mirror="file://$local_mirror" --set keyring="$T_DIR/test-key.gpg" \
		--stop-after "$2" "$T_DIR/o" > "$T_DIR/$1.out" 2>&1
}
key_in() { sed -n 's/.*base cache: key \([0-9a-f]\{64\}\)$/\1/p' "$1" | head -n 1; }

publish "$T_DIR/Packages"
from_local same fetch; rc=$?
local_id=$(key_in "$T_DIR/same.out")
[ $rc -eq 0 ] && [ -n "$local_id" ] && [ "$local_id" != "$id" ] &&
	grep -q "base cache: no entry $(echo "$local_id" | cut -c1-12)" "$T_DIR/same.out" ; ok $? "another mirror URL: another key, no entry"
cp "$entry" "$cache/base/$local_id.tar.zst" && cp "$key" "$cache/base/$local_id.key"
from_local same-again fetch; rc=$?
[ $rc -eq 0 ] && [ "$(key_in "$T_DIR/same-again.out")" = "$local_id" ] &&
	grep -q "base cache: hit $(echo "$local_id" | cut -c1-12)" "$T_DIR/same-again.out" ; ok $? "the same index again: the same key, a hit on the planted entry"

pkg=hostname
old=$(awk -v p="$pkg" '$1 == "Package:" { cur = $2 } cur == p && $1 == "Version:" { print $2; exit }' "$T_DIR/Packages")
awk -v p="$pkg" '$1 == "Package:" { cur = $2 } cur == p && $1 == "Version:" { $0 = $0 "+mkfrtest1" } { print }' \
	"$T_DIR/Packages" > "$T_DIR/Packages.new"
[ -n "$old" ] && grep -q "^Version: $old+mkfrtest1$" "$T_DIR/Packages.new" ; ok $? "test index: $pkg $old becomes $old+mkfrtest1"
# The .deb itself is unchanged: the local mirror serves the cached one
# under the index's Filename (a miss goes on to fetch it).
file=$(awk -v p="$pkg" '$1 == "Package:" { cur = $2 } cur == p && $1 == "Filename:" { print $2; exit }' "$T_DIR/Packages")
mkdir -p "$local_mirror/$(dirname "$file")" && cp "$cache/debs/$(basename "$file")" "$local_mirror/$file"
publish "$T_DIR/Packages.new"
from_local newer fetch; rc=$?
new_id=$(key_in "$T_DIR/newer.out")
[ $rc -eq 0 ] && [ -n "$new_id" ] && [ "$new_id" != "$local_id" ] &&
	grep -q "base cache: no entry $(echo "$new_id" | cut -c1-12)" "$T_DIR/newer.out" ; ok $? "one new package version: another key, a miss (a full build would follow)"

# ---- a damaged entry: removed, the build goes on in full ----------------------------
publish "$T_DIR/Packages"
truncate -s 100000 "$cache/base/$local_id.tar.zst"
from_local damaged foreign; rc=$?
[ $rc -eq 0 ] && grep -q "warning: base cache: entry $(echo "$local_id" | cut -c1-12) is unusable (.*damaged.*): removed; building in full" "$T_DIR/damaged.out" ; ok $? "a truncated entry: a warning, and the build goes on"
grep "unusable" "$T_DIR/damaged.out" | diag
[ ! -e "$cache/base/$local_id.tar.zst" ] && [ ! -e "$cache/base/$local_id.key" ] ; ok $? "the damaged entry is gone"
grep -q "foreign: [0-9]* packages unpacked" "$T_DIR/damaged.out" ; ok $? "and debootstrap --foreign ran instead"
nothing_left "damaged entry"
unset GNUPGHOME

# ---- cache list and prune --------------------------------------------------------------
"$MKFR" cache list > "$T_DIR/list.out" 2>&1; rc=$?
[ $rc -eq 0 ] && grep -q "^  $(echo "$id" | cut -c1-12)  bookworm *armel *minbase *$(grep -c '^deb=' "$key") " "$T_DIR/list.out" &&
	grep -q "^\.debs  *[0-9]*," "$T_DIR/list.out" ; ok $? "cache list: the entry (id, suite, arch, variant, packages) and the .debs"
diag < "$T_DIR/list.out"
"$MKFR" cache list --json > "$T_DIR/list.json"; rc=$?
[ $rc -eq 0 ] && ID=$id PACKAGES=$(grep -c '^deb=' "$key") python3 - "$T_DIR/list.json" <<'PY'
import json, os, sys
d = json.load(open(sys.argv[1]))
(s,) = [s for s in d["base"]["snapshots"] if s["id"] == os.environ["ID"]]
assert s["suite"] == "bookworm" and s["arch"] == "armel" and s["variant"] == "minbase", s
assert s["packages"] == int(os.environ["PACKAGES"]) and s["bytes"] > 0 and s["last_used"].endswith("Z"), s
assert d["debs"]["files"] > 0 and d["total_bytes"] >= s["bytes"] + d["debs"]["bytes"], d
PY
ok $? "cache list --json: the same entry and .debs, sizes in bytes"
"$MKFR" cache prune > "$T_DIR/prune0.out" 2>&1; rc=$?
[ $rc -eq 0 ] && grep -q "removed 0 base snapshot(s) and 0 .deb(s)" "$T_DIR/prune0.out" && [ "$(snapshots)" -eq 1 ] ; ok $? "prune: everything was used within 30 days: nothing removed"
old_deb=$(ls "$cache"/debs/*.deb | head -n 1)
touch -d '40 days ago' "$key" "$old_deb"
# What a SIGKILLed run leaves in tmp/: the pid of a process that has ended.
dead_pid=$(sh -c 'echo $$')
mkdir -p "$cache/tmp/.mkfr-$dead_pid-fetch/real"
"$MKFR" cache prune --dry-run > "$T_DIR/prune-n.out" 2>&1
[ "$(snapshots)" -eq 1 ] && [ -e "$old_deb" ] && grep -q "would remove 1 base snapshot(s) and 1 .deb(s)" "$T_DIR/prune-n.out" ; ok $? "prune --dry-run: says what, removes nothing"
[ -d "$cache/tmp/.mkfr-$dead_pid-fetch" ] ; ok $? "prune --dry-run: not even a dead run's leftovers in tmp/"
"$MKFR" cache prune > "$T_DIR/prune1.out" 2>&1; rc=$?
[ $rc -eq 0 ] && [ "$(snapshots)" -eq 0 ] && [ ! -e "$old_deb" ] && [ -n "$(ls "$cache"/debs/*.deb)" ] ; ok $? "prune: the entry and the .deb unused for 40 days are removed, the rest kept"
[ ! -e "$cache/tmp/.mkfr-$dead_pid-fetch" ] ; ok $? "prune: and the dead run's leftovers in tmp/"
cat "$T_DIR/prune1.out" | diag
"$MKFR" cache prune --unused-for soon > /dev/null 2>&1; [ $? -eq 2 ] ; ok $? "prune --unused-for soon: exit 2"

# prune takes the cache from running builds: it waits for them.
start_bg "$T_DIR/bg.out" "${profile[@]}" --stop-after foreign "$T_DIR/bg"
wait_for_line "$T_DIR/bg.out" "fetch: " 60 ; ok $? "a build is running"
"$MKFR" cache prune --all > "$T_DIR/prune-all.out" 2>&1; rc=$?
# The build says it stopped before it lets go of the cache.
grep -q "stopped after foreign" "$T_DIR/bg.out"; finished=$?
wait "$BG_PID"; bg_rc=$?
[ $rc -eq 0 ] && grep -q "cache: waiting for the builds using $cache to finish" "$T_DIR/prune-all.out" && [ $finished -eq 0 ] ; ok $? "prune --all waited for it"
[ $bg_rc -eq 0 ] ; ok $? "and the build was not disturbed (exit $bg_rc)"
[ -z "$(ls "$cache/debs/"*.deb 2>/dev/null)" ] && [ ! -e "$cache/indexes" ] && [ "$(snapshots)" -eq 0 ] ; ok $? "prune --all: no snapshot, .deb or index left"
nothing_left "prune"

done_testing
