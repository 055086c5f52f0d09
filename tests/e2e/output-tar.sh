#!/bin/bash
# SPDX-License-Identifier: MIT
# Tarball output for image factories: armel-bookworm built twice in full as
# a reproducible tarball (same SOURCE_DATE_EPOCH: byte-identical; the first
# in memory, scratch=auto, the second on disk, scratch=disk), then
# from the base cache the first build kept: once more as a tarball (the
# same bytes again) and as a directory, which must match the tarball
# extracted by GNU tar: owners, modes, device nodes, symlinks, hard links,
# file capabilities (ping's cap_net_raw) and every file's content.
# The plan's refusals are checked first (they cost nothing).
# Two full builds and two from the base cache: about 5 minutes.
. "$(dirname "$0")/lib.sh"
need_root
need_network

export SOURCE_DATE_EPOCH=1700000000
profile=(--profile armel-bookworm --set packages=iputils-ping,libcap2-bin)

# ---- plan: refusals, exit 2, nothing created --------------------------------
"$MKFR" "${profile[@]}" --format zip "$T_DIR/out" > "$T_DIR/plan.out" 2>&1; rc=$?
[ "$rc" -eq 2 ] && grep -q -- "--format: bad value 'zip'" "$T_DIR/plan.out" ; ok $? "an unknown format is refused at plan time (exit $rc)"
touch "$T_DIR/exists.tar"
"$MKFR" "${profile[@]}" "$T_DIR/exists.tar" > "$T_DIR/plan.out" 2>&1; rc=$?
[ "$rc" -eq 2 ] && [ ! -s "$T_DIR/exists.tar" ] ; ok $? "an existing tarball OUT is refused, untouched (exit $rc)"
rm -f "$T_DIR/exists.tar"
SOURCE_DATE_EPOCH=yesterday "$MKFR" "${profile[@]}" "$T_DIR/r.tar" > "$T_DIR/plan.out" 2>&1; rc=$?
[ "$rc" -eq 2 ] ; ok $? "a SOURCE_DATE_EPOCH that is not a number is refused (exit $rc)"
"$MKFR" "${profile[@]}" --dry-run "$T_DIR/r.tar.zst" > "$T_DIR/plan.out" 2>&1; rc=$?
[ "$rc" -eq 0 ] && grep -q 'output .*tar.zst .*clamped to 1700000000' "$T_DIR/plan.out" ; ok $? "the format comes from OUT's name (--dry-run says tar.zst, clamped)"
"$MKFR" "${profile[@]}" --set scratch=memory "$T_DIR/adir" > "$T_DIR/plan.out" 2>&1; rc=$?
[ "$rc" -eq 2 ] && [ "$(wc -l < "$T_DIR/plan.out")" -eq 1 ] && grep -q "key 'scratch': memory needs a tarball or image OUT" "$T_DIR/plan.out"
ok $? "scratch=memory with a directory OUT is refused in one line (exit $rc)"
[ -z "$(ls -A "$T_DIR" | grep -v -e '^cache$' -e '\.out$')" ] ; ok $? "the plan left nothing behind"

# ---- four builds -------------------------------------------------------------
build() { # NAME OUT [ARGS...]
	local name=$1 out=$2 t0 rc
	shift 2
	t0=$(date +%s)
	"$MKFR" "${profile[@]}" "$@" "$out" > "$T_DIR/$name.out" 2>&1; rc=$?
	echo "$name: exit $rc in $(( $(date +%s) - t0 )) s" | diag
	[ "$rc" -eq 0 ] || tail -n 5 "$T_DIR/$name.out" | diag
	return "$rc"
}
build one "$T_DIR/one.tar" ; ok $? "build 1: tar"
grep -q "scratch: the rootfs is built in memory" "$T_DIR/one.out" ; ok $? "build 1 built the rootfs in memory (scratch=auto)"
stray=$(ls -A "$T_DIR" | grep '^\.mkfr-')
[ -f "$T_DIR/one.tar" ] && [ -z "$stray" ] ; ok $? "OUT is a file; no work directory or temp file left ($stray)"
build two "$T_DIR/two.tar" --no-base-cache --set scratch=disk ; ok $? "build 2: tar, same SOURCE_DATE_EPOCH, in full again (--no-base-cache), on disk"
! grep -q "scratch:" "$T_DIR/two.out" ; ok $? "build 2 built the rootfs on disk (scratch=disk)"
cmp "$T_DIR/one.tar" "$T_DIR/two.tar" > "$T_DIR/cmp.out" 2>&1 ; ok $? "the two tarballs, from memory and from disk, are byte-identical ($(stat -c %s "$T_DIR/one.tar") bytes)"
diag < "$T_DIR/cmp.out"
if ! cmp -s "$T_DIR/one.tar" "$T_DIR/two.tar"; then
	diff <(tar --full-time -tvf "$T_DIR/one.tar") <(tar --full-time -tvf "$T_DIR/two.tar") | head -n 20 | diag
fi
build three "$T_DIR/three.tar" ; ok $? "build 3: tar, from the base cache"
grep -q "base cache: hit" "$T_DIR/three.out" ; ok $? "build 3 unpacked the base build 1 kept"
cmp "$T_DIR/one.tar" "$T_DIR/three.tar" > "$T_DIR/cmp3.out" 2>&1 ; ok $? "and its tarball is byte-identical to the full build's"
diag < "$T_DIR/cmp3.out"
build dir "$T_DIR/dir" --format dir ; ok $? "build 4: directory, same settings (base cache)"

x="$T_DIR/extracted"
mkdir "$x"
tar -C "$x" --numeric-owner --xattrs --xattrs-include='*' -xpf "$T_DIR/one.tar" 2> "$T_DIR/tar.err"
[ $? -eq 0 ] && [ ! -s "$T_DIR/tar.err" ] ; ok $? "GNU tar extracts it without a warning"
head -n 5 "$T_DIR/tar.err" | diag

for what in listing hardlinks contents caps; do
	"tree_$what" "$T_DIR/dir" > "$T_DIR/dir.$what"
	"tree_$what" "$x" > "$T_DIR/tar.$what"
	diff "$T_DIR/dir.$what" "$T_DIR/tar.$what" > "$T_DIR/$what.diff"
	ok $? "directory and extracted tarball: same $what ($(wc -l < "$T_DIR/dir.$what") lines)"
	head -n 10 "$T_DIR/$what.diff" | diag
done
grep -q '^./usr/bin/ping cap_net_raw=ep$' "$T_DIR/tar.caps" ; ok $? "ping keeps cap_net_raw=ep through the tarball"
[ -n "$(tree_hardlinks "$x")" ] ; ok $? "the rootfs has hard links to compare ($(tree_hardlinks "$x" | wc -l) sets)"
grep -qx './dev/null 0 0 666 c 0 ' "$T_DIR/tar.listing" && grep -qx './dev/null 1:3' "$T_DIR/tar.listing" ; ok $? "dev/null is a character device 1:3, root's, 0666"

newer=$(find "$x" -xdev -newermt @"$SOURCE_DATE_EPOCH" | head -n 3)
[ -z "$newer" ] ; ok $? "no mtime in the tarball is after SOURCE_DATE_EPOCH ($newer)"
[ ! -e "$x/var/log/dpkg.log" ] && [ ! -e "$x/var/log/bootstrap.log" ] &&
	[ -z "$(ls -A "$x/var/log/apt")" ] ; ok $? "reproducible: no dpkg, apt or debootstrap logs"
[ -z "$(ls -A "$x/var/lib/apt/lists" | grep -v -e '^lock$' -e '^partial$')" ] &&
	[ -z "$(ls "$x"/var/cache/apt/*.bin "$x"/var/lib/dpkg/*-old "$x"/var/cache/debconf/*-old 2>/dev/null)" ] &&
	[ ! -e "$x/var/cache/ldconfig/aux-cache" ] ; ok $? "reproducible: no apt lists, binary caches, *-old backups or ldconfig aux-cache"
[ -f "$x/etc/resolv.conf" ] && [ ! -s "$x/etc/resolv.conf" ] ; ok $? "reproducible: the build host's resolv.conf is not in the image"
[ -z "$(ls -A "$T_DIR" | grep '^\.mkfr-')" ] && [ -z "$(our_mounts)" ] ; ok $? "no work directory, temp file or mount left"

done_testing
