#!/bin/bash
# SPDX-License-Identifier: MIT
# unpack=native against unpack=emulated: the same rootfs, or it is a bug.
#
# For armel-bookworm, arm64-bookworm, s390x-bookworm (big-endian) and
# riscv64-trixie (its dpkg, 1.22, is newer than the host's), a real build
# with each mode, both full (no base cache) and reproducible (the hooks
# remove the build's logs; one SOURCE_DATE_EPOCH), as tarballs extracted
# by GNU tar (numeric owners, xattrs) into a tmpfs, compared: every path with
# its mode, owners, type, size, device numbers and link target; hard links;
# the SHA-256 of every regular file (the dpkg status and info/ files among
# them); extended attributes; file capabilities.  Any difference fails.
#
# The shim's tally in the native build's log must show that the host ran
# each kind of call the shim takes, deb-systemd-helper with the host's
# perl where the target's perl is the host's major.minor (the bookworm
# profiles) and emulated where it is not (riscv64-trixie).
#
# armel's emulated build is one whose probe rejects native unpacking (a
# host dpkg that reports a version far from the target's): it must say so
# in one line and go on emulated.  riscv64-trixie goes through a local
# view of the mirror (lib.sh mirror_view), independent of the mirror's
# trixie indexes matching their InRelease.
#
#   UNPACK_PROFILES="armel-bookworm ..."  compare only these (development)
. "$(dirname "$0")/lib.sh"
need_root
need_network
use_shared_cache
export SOURCE_DATE_EPOCH=1767225600 # 2026-01-01
profiles=${UNPACK_PROFILES:-armel-bookworm arm64-bookworm s390x-bookworm riscv64-trixie}

# A host dpkg the probe must reject: it says it is version 1.15.0.
cat > "$T_DIR/old-dpkg" <<'EOF'
#!/bin/sh
echo "Debian 'dpkg' package management program version 1.15.0 (amd64)."
EOF
chmod +x "$T_DIR/old-dpkg"
cp /usr/bin/dpkg-deb "$T_DIR/dpkg-deb"

xattrs() { (cd "$1" && getfattr -R -h -d -m - --absolute-names . 2>/dev/null | grep -v '^$' | LC_ALL=C sort); }

compare() { # compare NAME A B: one assertion per aspect
	local a=$2 b=$3 aspect
	for aspect in listing hardlinks contents caps xattrs; do
		case $aspect in
		listing) tree_listing "$a" >"$T_DIR/$1.a" ; tree_listing "$b" >"$T_DIR/$1.b" ;;
		hardlinks) tree_hardlinks "$a" >"$T_DIR/$1.a" ; tree_hardlinks "$b" >"$T_DIR/$1.b" ;;
		contents) tree_contents "$a" >"$T_DIR/$1.a" ; tree_contents "$b" >"$T_DIR/$1.b" ;;
		caps) tree_caps "$a" >"$T_DIR/$1.a" ; tree_caps "$b" >"$T_DIR/$1.b" ;;
		xattrs) xattrs "$a" >"$T_DIR/$1.a" ; xattrs "$b" >"$T_DIR/$1.b" ;;
		esac
		diff -u "$T_DIR/$1.a" "$T_DIR/$1.b" >"$T_DIR/$1.diff"
		ok $? "$1: the same $aspect in both modes ($(wc -l <"$T_DIR/$1.a") lines)"
		head -n 20 "$T_DIR/$1.diff" | diag
	done
}

# The two builds of a profile run side by side: each is mostly one
# emulated process at a time, and the machine has two cores.
# Each builds a tarball (its rootfs in memory: scratch=auto), extracted
# with GNU tar into a tmpfs of the test's to compare: the disk of the
# project's machine takes 0.65 ms to create a file.
build_bg() { # build_bg MODE ARGS...: the build of $profile into $T_DIR/$profile.MODE.tar, pid in BG_PID
	local mode=$1
	shift
	start_bg "$T_DIR/$profile.$mode.log" --profile "$profile" --no-base-cache \
		--set reproducible=yes "$@" "$T_DIR/$profile.$mode.tar"
}
trees=$T_DIR/trees
mkdir "$trees" && mount -t tmpfs -o mode=0755 mkfr-e2e-trees "$trees" # t_cleanup unmounts it
extract() { # extract MODE: $T_DIR/$profile.MODE.tar into $trees/MODE
	mkdir "$trees/$1" &&
		tar --numeric-owner --xattrs --xattrs-include='*' -xpf "$T_DIR/$profile.$1.tar" -C "$trees/$1" &&
		rm -f "$T_DIR/$profile.$1.tar"
}

took() { sed -n 's/.*done in \([0-9]*\) s: .*/\1 s/p' "$1"; }

for profile in $profiles; do
	extra=()
	if [ "$profile" = riscv64-trixie ]; then
		# Its package set, then a view with exactly those pool files.
		[ -n "${GNUPGHOME:-}" ] || test_signing_key
		view=$(mirror_view trixie riscv64 main) &&
			"${MKFR_BUILDDIR:-$(pwd)}/tests/helpers/print-debs" "$view" trixie riscv64 main minbase \
				--keyring="$T_DIR/test-key.gpg" >"$T_DIR/riscv64.debs" &&
			mapfile -t debs <"$T_DIR/riscv64.debs" &&
			view=$(mirror_view trixie riscv64 main "${debs[@]}")
		ok $? "riscv64-trixie: a local view of the mirror with its $(wc -l <"$T_DIR/riscv64.debs") packages"
		extra=(--set mirror="$view" --set keyring="$T_DIR/test-key.gpg")
	fi

	start=$(date +%s)
	build_bg native --set unpack=native "${extra[@]}"
	native_pid=$BG_PID
	if [ "$profile" = armel-bookworm ]; then
		MKFR_HOST_DPKG="$T_DIR/old-dpkg" build_bg emulated --set unpack=auto "${extra[@]}"
	else
		build_bg emulated --set unpack=emulated "${extra[@]}"
	fi
	emulated_pid=$BG_PID
	wait "$native_pid"
	native_rc=$?
	wait "$emulated_pid"
	emulated_rc=$?
	echo "# $profile: both builds in $(($(date +%s) - start)) s"

	log=$T_DIR/$profile.native.log
	ok $native_rc "$profile: unpack=native builds (exit $native_rc, $(took "$log"))"
	[ $native_rc -eq 0 ] || tail -n 3 "$log" | diag
	grep -q "unpack: the host's dpkg .* unpacks, the target's dpkg .* configures" "$log"
	ok $? "$profile: the host's dpkg did the unpacking"
	grep "unpack: " "$log" | diag
	# What the shim's tally says the host ran: each kind of call it
	# takes, or a silent fall back to the target's programs would pass
	# the comparison and only cost time.
	tally=$(grep "unpack: the host's programs ran " "$log")
	missing=
	for name in dpkg dpkg-deb tar rm dpkg-split basename dpkg-maintscript-helper; do
		[[ $tally =~ [\(\ ]$name\ [1-9] ]] || missing="$missing $name"
	done
	[ -n "$tally" ] && [ -z "$missing" ]
	ok $? "$profile: the host ran every kind of call the shim takes${missing:+; none of:$missing}"
	if [ "$profile" = riscv64-trixie ]; then
		# trixie's perl is 5.40, the host's 5.36.
		grep -q "unpack: deb-systemd-helper stays emulated: the target's perl is not the host's major.minor" "$log" &&
			! [[ $tally =~ deb-systemd-helper ]]
		ok $? "$profile: deb-systemd-helper stays emulated (another perl than the host's)"
	else
		grep -q "unpack: deb-systemd-helper runs with the host's perl " "$log" &&
			[[ $tally =~ deb-systemd-helper\ [1-9] ]]
		ok $? "$profile: deb-systemd-helper ran with the host's perl"
	fi

	log=$T_DIR/$profile.emulated.log
	ok $emulated_rc "$profile: unpack=emulated builds (exit $emulated_rc, $(took "$log"))"
	[ $emulated_rc -eq 0 ] || tail -n 3 "$log" | diag
	if [ "$profile" = armel-bookworm ]; then
		[ "$(grep -c 'unpack: ' "$log")" -eq 1 ] &&
			grep -q "unpack: unpack=auto: the target's dpkg is too far from the host's (host 1.15.0, target .*): unpacking under emulation" "$log"
		ok $? "$profile: a probe that rejects native unpacking says so in one line"
	else
		grep -q "unpack: unpack=emulated" "$log"
		ok $? "$profile: the target's dpkg did the unpacking"
	fi
	grep "unpack: " "$log" | diag

	if extract native && extract emulated; then
		compare "$profile" "$trees/native" "$trees/emulated"
		bad=$(dpkg-query --admindir="$trees/native/var/lib/dpkg" -W -f='${Package} ${Status}\n' |
			grep -v ' install ok installed$')
		[ -z "$bad" ] ; ok $? "$profile: every package of the native build is installed${bad:+: $bad}"
		[ ! -e "$trees/native/usr/sbin/dpkg" ] && [ ! -e "$trees/native/usr/sbin/dpkg-deb" ] &&
			[ ! -e "$trees/native/usr/sbin/tar" ] && [ ! -e "$trees/native/usr/sbin/deb-systemd-helper" ] &&
			[ ! -e "$trees/native/debootstrap" ]
		ok $? "$profile: no shim and no host program left in the rootfs"
	fi
	rm -rf --one-file-system "$trees/native" "$trees/emulated"
	rm -f "$T_DIR/$profile".*.tar "$T_DIR/$profile".*.manifest.json
done

[ -z "$(our_mounts | grep -v "^$trees\$")" ] && [ -z "$(find "$T_DIR" -maxdepth 1 -name '.mkfr-*')" ]
ok $? "nothing of the builds left"
done_testing
