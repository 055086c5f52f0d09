#!/bin/bash
# The fetch stage's resolver (package_set.c) against debootstrap itself:
# for each variant, and with --include/--exclude, the names our resolver
# picks from the host's real mirror must be exactly the ones
# `debootstrap --print-debs` prints for the same arguments.  Runs the C API
# through tests/helpers/print-debs.
#
# debootstrap refuses --print-debs together with --foreign; the package
# list does not depend on it (work_out_debs runs before either stage).
. "$(dirname "$0")/lib.sh"
need_root
need_network
command -v debootstrap >/dev/null || skip_all "debootstrap is not installed"

PRINT=${MKFR_BUILDDIR:-$(pwd)}/tests/helpers/print-debs
[ -x "$PRINT" ] || { echo "Bail out! $PRINT not built (make check builds it)"; exit 1; }
mirror=$(host_mirror)

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# compare NAME SUITE ARCH COMPONENTS VARIANT [--include=...] [--exclude=...]
compare() {
	local name=$1 suite=$2 arch=$3 components=$4 variant=$5 start theirs_ms ours_ms rc
	shift 5
	local variant_opt=()
	[ "$variant" = standard ] || variant_opt=(--variant="$variant")

	start=$(now_ms)
	debootstrap --print-debs --arch="$arch" "${variant_opt[@]}" --components="$components" "$@" \
		"$suite" "$T_DIR/target-$name" "$mirror" >"$T_DIR/$name.theirs" 2>"$T_DIR/$name.theirs.log"
	rc=$?
	theirs_ms=$(($(now_ms) - start))
	ok $rc "$name: debootstrap --print-debs succeeds ($theirs_ms ms)"
	[ $rc -eq 0 ] || diag <"$T_DIR/$name.theirs.log"

	start=$(now_ms)
	"$PRINT" "$mirror" "$suite" "$arch" "$components" "$variant" "$@" \
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

if curl -sf --max-time 20 "$mirror/dists/trixie/Release" | grep -q '^Architectures:.* riscv64'; then
	compare riscv64-trixie-minbase trixie riscv64 main minbase
	compare riscv64-trixie-standard trixie riscv64 main standard
else
	ok 0 "riscv64 on trixie # SKIP the mirror has no trixie riscv64"
fi

done_testing
