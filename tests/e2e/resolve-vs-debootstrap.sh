#!/bin/bash
# SPDX-License-Identifier: MIT
# The fetch stage's resolver (package_set.c) against debootstrap itself:
# for each variant, and with --include/--exclude, the names our resolver
# picks from the host's real mirror must be exactly the ones
# `debootstrap --print-debs` prints for the same arguments.  Runs the C API
# through tests/helpers/print-debs.
#
# debootstrap refuses --print-debs together with --foreign; the package
# list does not depend on it (work_out_debs runs before either stage).
#
# bookworm is read from the real mirror.  trixie goes through a local view
# of it (lib.sh mirror_view): the indexes exactly as the mirror serves
# them, under a Release re-signed by this test's key, so the comparison
# runs on real riscv64 data even while the mirror is mid-sync and its
# indexes do not match its own InRelease (as on 2026-11-24), when both
# tools rightly refuse the real one.
. "$(dirname "$0")/lib.sh"
need_root
need_network
command -v debootstrap >/dev/null || skip_all "debootstrap is not installed"

PRINT=${MKFR_BUILDDIR:-$(pwd)}/tests/helpers/print-debs
[ -x "$PRINT" ] || { echo "Bail out! $PRINT not built (make check builds it)"; exit 1; }
mirror=$(host_mirror)
keyring=""   # a test key for a view; empty: debootstrap's and ours default

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# compare NAME SUITE ARCH COMPONENTS VARIANT [--include=...] [--exclude=...]
compare() {
	local name=$1 suite=$2 arch=$3 components=$4 variant=$5 start theirs_ms ours_ms rc
	shift 5
	local variant_opt=()
	[ "$variant" = standard ] || variant_opt=(--variant="$variant")

	local keyring_opt=()
	[ -z "$keyring" ] || keyring_opt=(--keyring="$keyring")

	start=$(now_ms)
	debootstrap --print-debs --arch="$arch" "${variant_opt[@]}" --components="$components" \
		"${keyring_opt[@]}" "$@" \
		"$suite" "$T_DIR/target-$name" "$mirror" >"$T_DIR/$name.theirs" 2>"$T_DIR/$name.theirs.log"
	rc=$?
	theirs_ms=$(($(now_ms) - start))
	ok $rc "$name: debootstrap --print-debs succeeds ($theirs_ms ms)"
	[ $rc -eq 0 ] || diag <"$T_DIR/$name.theirs.log"

	start=$(now_ms)
	"$PRINT" "$mirror" "$suite" "$arch" "$components" "$variant" "${keyring_opt[@]}" "$@" \
		>"$T_DIR/$name.ours" 2>"$T_DIR/$name.ours.log"
	rc=$?
	ours_ms=$(($(now_ms) - start))
	ok $rc "$name: print-debs succeeds ($ours_ms ms)"
	[ -s "$T_DIR/$name.ours.log" ] && diag <"$T_DIR/$name.ours.log"

	tr ' ' '\n' <"$T_DIR/$name.theirs" | sed '/^$/d' | LC_ALL=C sort >"$T_DIR/$name.theirs.sorted"
	LC_ALL=C sort "$T_DIR/$name.ours" >"$T_DIR/$name.ours.sorted"
	local n_ours n_theirs
	n_ours=$(wc -l <"$T_DIR/$name.ours.sorted")
	n_theirs=$(wc -l <"$T_DIR/$name.theirs.sorted")
	diff -u "$T_DIR/$name.theirs.sorted" "$T_DIR/$name.ours.sorted" >"$T_DIR/$name.diff"
	ok $? "$name: the same set (ours $n_ours, debootstrap $n_theirs packages)"
	diag <"$T_DIR/$name.diff"
	[ -s "$T_DIR/$name.ours.log" ] ; ok $((! $?)) "$name: every name has a stanza to download"
}

compare armel-bookworm-minbase bookworm armel main minbase
compare armel-bookworm-buildd bookworm armel main buildd
compare armel-bookworm-standard bookworm armel main standard
# tzdata is required but nothing needs it: gone; libc6 is required and
# nearly everything depends on it: back; iputils-ping brings libcap2-bin.
compare armel-bookworm-include-exclude bookworm armel main minbase \
	--include=iputils-ping --exclude=tzdata,libc6
# Components are read in the Release's order, whatever order they are given.
compare armel-bookworm-components bookworm armel non-free-firmware,contrib,main standard \
	--include=firmware-misc-nonfree

# trixie riscv64 through the local view (see the top of this file).
if mirror_index_consistent trixie riscv64; then
	echo "# the mirror's trixie riscv64 index matches its InRelease today"
else
	echo "# the mirror's trixie riscv64 index does NOT match its InRelease today (mid-sync): the view serves it as served"
fi
test_signing_key
real_mirror=$mirror
view=$(mirror_view trixie riscv64 main); rc=$?
ok $rc "a local view of trixie riscv64 with a re-signed Release ($view)"
if [ $rc -eq 0 ]; then
	mirror=$view keyring="$T_DIR/test-key.gpg"
	compare riscv64-trixie-minbase trixie riscv64 main minbase
	compare riscv64-trixie-standard trixie riscv64 main standard
fi

# The mirror in mid-sync, made here whatever the real one's state: its
# real signed InRelease over a Packages.xz that is the same text
# recompressed (another size and hash), and no by-hash copy.  Both tools
# refuse it; a view of it still compares the resolvers.
midsync="$T_DIR/midsync"
mkdir -p "$midsync/dists/trixie/main/binary-riscv64"
curl -sf --max-time 60 -o "$midsync/dists/trixie/InRelease" "$real_mirror/dists/trixie/InRelease" &&
	curl -sf --max-time 300 "$real_mirror/dists/trixie/main/binary-riscv64/Packages.xz" | xz -dc |
	xz -1 > "$midsync/dists/trixie/main/binary-riscv64/Packages.xz"
ok $? "a mid-sync copy of trixie riscv64 (real InRelease, another Packages.xz)"
mirror="file://$midsync" keyring=""
debootstrap --print-debs --arch=riscv64 --variant=minbase trixie "$T_DIR/target-midsync" "$mirror" \
	>"$T_DIR/midsync.theirs" 2>&1
[ $? -ne 0 ] ; ok $? "debootstrap refuses the mid-sync index"
"$MKFR" --profile riscv64-trixie --set mirror="$mirror" --stop-after fetch "$T_DIR/o-midsync" \
	>"$T_DIR/midsync.ours" 2>&1; rc=$?
tail -n 1 "$T_DIR/midsync.ours" | diag
[ $rc -eq 1 ] && tail -n 1 "$T_DIR/midsync.ours" | grep -q "binary-riscv64/Packages.xz: size mismatch .*mid-sync" &&
	[ ! -e "$T_DIR/o-midsync" ] && ! ls -a "$T_DIR" | grep -q '^\.mkfr-' ; ok $? "mkforeignroot refuses it in one line that says the mirror looks mid-sync (exit $rc), nothing left"
view=$(VIEW_SOURCE="file://$midsync" mirror_view trixie riscv64 main); rc=$?
ok $rc "a view of the mid-sync mirror"
if [ $rc -eq 0 ]; then
	mirror=$view keyring="$T_DIR/test-key.gpg"
	compare riscv64-trixie-midsync-minbase trixie riscv64 main minbase
fi
mirror=$real_mirror keyring=""
unset GNUPGHOME

done_testing
