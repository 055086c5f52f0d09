# SPDX-License-Identifier: MIT
# Shared helpers for the end-to-end tests (sourced; TAP output).
#
# Every test: prints TAP, keeps its files under one temp dir, and removes
# everything it started or created in an EXIT trap, even on failure.  It
# ends only processes it started, by pid.  Tests that need root or the
# network skip with a reason, and fail instead when MKFR_MUST_WORK=1 (CI).

MKFR=${MKFR:-$(pwd)/mkforeignroot}

# One end-to-end suite at a time on a machine: suites watch the host's
# binfmt_misc and mount table, mount and unmount binfmt_misc, and register
# entries, which another suite running at the same time would see or undo.
# A second `make check` (or scripts/bench) waits here for the first.
if [ "$(id -u)" -eq 0 ]; then
	exec 8>/run/mkfr-e2e.lock
	if ! flock -n 8; then
		echo "# waiting for another end-to-end suite on this machine (/run/mkfr-e2e.lock)"
		flock 8
	fi
	# Holding the lock, no other suite runs: a /tmp/mkfr-e2e.* of root's
	# left now is a suite's that was killed (SIGKILL runs no trap).  Its
	# mounts would be taken for ours by every "no mount left" check, so
	# they go first, with a word about what was found.
	for stale in /tmp/mkfr-e2e.*; do
		[ -d "$stale" ] && [ "$(stat -c %u "$stale")" -eq 0 ] || continue
		echo "# removing $stale, left by a suite that was killed"
		for m in $(findmnt -rn -o TARGET | grep -F "$stale/" | sort -r); do umount -l "$m"; done
		rm -rf --one-file-system "$stale"
	done
fi
T_N=0
T_FAILED=0
# Every path a test removes or replaces is under T_DIR: without it, stop.
T_DIR=$(mktemp -d /tmp/mkfr-e2e.XXXXXX) && [ -d "$T_DIR" ] ||
	{ echo "Bail out! cannot make the test's directory under /tmp"; exit 1; }
T_PIDS=""
T_MOUNTED_BINFMT=""
T_CLEANUPS=""
# Downloads go to the test's own cache, never the host's /var/cache.
export MKFR_CACHE_DIR=$T_DIR/cache

ok() { # ok CONDITION-STATUS DESCRIPTION
	T_N=$((T_N + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $T_N - $2"
	else
		echo "not ok $T_N - $2"
		T_FAILED=$((T_FAILED + 1))
	fi
}

check() { # check DESCRIPTION -- COMMAND...
	local desc=$1
	shift
	[ "$1" = "--" ] && shift
	"$@" >/dev/null 2>&1
	ok $? "$desc"
}

diag() { sed 's/^/# /' ; }

skip_all() {
	if [ "${MKFR_MUST_WORK:-0}" = 1 ]; then
		echo "Bail out! cannot run but MKFR_MUST_WORK=1: $1"
		exit 1
	fi
	echo "1..0 # SKIP $1"
	exit 0
}

need_root() { [ "$(id -u)" -eq 0 ] || skip_all "needs root"; }

# The Debian mirror the tool will use (from the host's apt sources).
host_mirror() {
	"$MKFR" --dry-run --profile armel-bookworm "$T_DIR/probe-out" 2>/dev/null |
		awk '$1 == "mirror" { print $3; exit }'
}

need_network() {
	local m
	m=$(host_mirror)
	[ -n "$m" ] || skip_all "no Debian mirror in the host's apt sources"
	curl -sf -o /dev/null --max-time 20 "$m/dists/bookworm/InRelease" ||
		skip_all "mirror $m not reachable"
}

# binfmt_misc mounted on the host for the test's duration, so the test can
# see our entry come and go; unmounted again at exit if we mounted it.
host_binfmt_mount() {
	if ! mountpoint -q /proc/sys/fs/binfmt_misc; then
		mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc || skip_all "cannot mount binfmt_misc"
		T_MOUNTED_BINFMT=1
	fi
}

# Names and contents of every binfmt_misc entry on the host.
binfmt_snapshot() {
	local f
	for f in /proc/sys/fs/binfmt_misc/*; do
		[ -e "$f" ] || continue
		case ${f##*/} in register) continue ;; esac
		echo "== ${f##*/}"
		cat "$f"
	done
}

# Register an entry on the host as another tool would (Debian's
# qemu-user-static, a decoy); it is removed at exit.
host_entry_add() { # NAME MAGIC MASK INTERPRETER FLAGS
	printf ':%s:M::%s:%s:%s:%s' "$1" "$2" "$3" "$4" "$5" > /proc/sys/fs/binfmt_misc/register || return 1
	T_CLEANUPS="$T_CLEANUPS [ -e /proc/sys/fs/binfmt_misc/$1 ] && echo -1 > /proc/sys/fs/binfmt_misc/$1;"
}

# The fault-injection proxy (tests/helpers/fault-proxy) in the background;
# $proxy is its URL.  stop_proxy ends it (t_cleanup does too).
FAULT_PROXY=${MKFR_SRCDIR:-$(pwd)}/tests/helpers/fault-proxy
proxy_pid=""
start_proxy() { # start_proxy RULE...
	"$FAULT_PROXY" "$@" >"$T_DIR/proxy.port" 2>"$T_DIR/proxy.log" &
	proxy_pid=$!
	T_PIDS="$T_PIDS $proxy_pid"
	for _ in $(seq 1 50); do [ -s "$T_DIR/proxy.port" ] && break; sleep 0.1; done
	proxy="http://127.0.0.1:$(cat "$T_DIR/proxy.port")"
}
stop_proxy() {
	[ -n "$proxy_pid" ] || return 0
	kill "$proxy_pid" 2>/dev/null
	wait "$proxy_pid" 2>/dev/null
	proxy_pid=""
}

# A cache shared by the tests of one suite run that are not about the cache
# itself, so one cold build serves them all (base snapshots, .debs).  It
# lives in the build tree (removed by `make clean`), never in /var/cache.
use_shared_cache() {
	MKFR_CACHE_DIR=${MKFR_BUILDDIR:-$(pwd)}/tests/e2e/shared-cache
	mkdir -p -m 700 "$MKFR_CACHE_DIR"
	export MKFR_CACHE_DIR
}

# Processes of the build with that pid, whatever they are (debootstrap,
# dpkg, hooks): their command lines name the work directory
# (.mkfr-PID-NAME) or the target alias (/run/.mkfr-PID-target/root).
build_processes() { pgrep -f "\.mkfr-$1-" || true; }

# Mounts of ours (work dirs, outputs) in the host's mount table.
our_mounts() { findmnt -rn -o TARGET | grep -E '/\.mkfr-|mkfr-e2e' || true; }

# Run the tool in the background; its pid in $BG_PID, output in $1.
start_bg() {
	local out=$1
	shift
	"$MKFR" "$@" >"$out" 2>&1 &
	BG_PID=$!
	T_PIDS="$T_PIDS $BG_PID"
}

wait_for_line() { # wait_for_line FILE REGEX SECONDS
	local i=0
	while [ "$i" -lt "$3" ]; do
		grep -qE "$2" "$1" 2>/dev/null && return 0
		sleep 1
		i=$((i + 1))
	done
	return 1
}

# A signing key of this test in its own GnuPG home (GNUPGHOME stays set;
# the agent is stopped at exit); the public key in $T_DIR/test-key.gpg, to
# pass as keyring= for a test mirror's re-signed Release.
test_signing_key() {
	export GNUPGHOME="$T_DIR/gnupg"
	mkdir -m 700 "$GNUPGHOME"
	T_CLEANUPS="$T_CLEANUPS gpgconf --homedir '$GNUPGHOME' --kill all 2>/dev/null;"
	gpg --batch --quiet --passphrase '' --quick-gen-key 'mkforeignroot test <test@invalid>' ed25519 sign never 2>/dev/null
	gpg --batch --quiet --export > "$T_DIR/test-key.gpg"
}

# The signed text of a cached InRelease (dash-unescaped), to re-sign.
release_body() { # release_body INRELEASE
	awk 'body && /^-----BEGIN PGP SIGNATURE/ { exit } body { sub(/^- /, ""); print } /^$/ { body = 1 }' "$1"
}

# A local view of the real mirror that does not depend on the mirror's
# indexes matching its Release: a mirror in mid-sync (seen 2026-11-24 for
# trixie armel/armhf/i386/ppc64el/riscv64/s390x) serves Packages.xz files
# that differ from the signed InRelease, and every tool rightly refuses
# them.  The view holds the indexes exactly as served, a Release that
# lists them (their real sizes and hashes; every other field of the real,
# verified Release kept) re-signed by this test's key, and, when asked,
# the pool files of the named packages, downloaded from the real mirror.
# debootstrap and mkforeignroot both use it as a file:// mirror with
# keyring $T_DIR/test-key.gpg.
#
#   mirror_view SUITE ARCH COMPONENTS [PACKAGE...]   prints the view's file:// URL
#
# COMPONENTS is comma-separated.  The mirror viewed is the host's, or
# $VIEW_SOURCE (any URL curl reads, file:// too).  Needs test_signing_key
# first.  Fails (so the caller fails) when the mirror cannot be read or its
# InRelease does not verify against Debian's keyring.
mirror_view() {
	local suite=$1 arch=$2 comps=$3 real view c
	shift 3
	real=${VIEW_SOURCE:-$(host_mirror)}
	view=$(mktemp -d "$T_DIR/view-$suite-$arch.XXXXXX")
	mkdir -p "$view/dists/$suite" || return 1
	curl -sf --max-time 60 -o "$view/real-InRelease" "$real/dists/$suite/InRelease" || return 1
	gpgv --keyring /usr/share/keyrings/debian-archive-keyring.gpg "$view/real-InRelease" \
		2>/dev/null || return 1
	: > "$view/files"
	for c in ${comps//,/ }; do
		local rel="$c/binary-$arch/Packages.xz"
		mkdir -p "$view/dists/$suite/$c/binary-$arch"
		curl -sf --max-time 300 -o "$view/dists/$suite/$rel" "$real/dists/$suite/$rel" || return 1
		echo "$rel" >> "$view/files"
	done
	# The real header (no Acquire-By-Hash: the view has no by-hash copies),
	# then the view's own checksums.
	release_body "$view/real-InRelease" |
		awk '/^[A-Za-z0-9-]+:/ { keep = ($1 != "MD5Sum:" && $1 != "SHA256:" && $1 != "SHA1:" && $1 != "Acquire-By-Hash:") }
		     keep && !/^ / { print }' > "$view/dists/$suite/Release"
	# Each index twice, as Debian lists it: compressed, and the plain text
	# it holds (not served; debootstrap wants its entry all the same).
	(
		cd "$view/dists/$suite" || exit 1
		for sum in MD5Sum:md5sum SHA256:sha256sum; do
			echo "${sum%%:*}:"
			while read -r f; do
				printf ' %s %s %s\n' "$(${sum#*:} < "$f" | cut -d' ' -f1)" "$(stat -c %s "$f")" "$f"
				printf ' %s %s %s\n' "$(xz -dc "$f" | ${sum#*:} | cut -d' ' -f1)" \
					"$(xz -dc "$f" | wc -c)" "${f%.xz}"
			done < "$view/files"
		done
	) >> "$view/dists/$suite/Release" || return 1
	gpg --batch --quiet --yes --clearsign -o "$view/dists/$suite/InRelease" "$view/dists/$suite/Release" &&
		gpg --batch --quiet --yes --armor --detach-sign -o "$view/dists/$suite/Release.gpg" \
			"$view/dists/$suite/Release" || return 1
	if [ $# -gt 0 ]; then
		mirror_view_pool "$view" "$real" "$suite" "$arch" "$comps" "$@" || return 1
	fi
	echo "file://$view"
}

# The pool files of PACKAGE... (as the view's indexes name them), from the
# real mirror, 8 at a time; each checked against the index's SHA256.
mirror_view_pool() { # VIEW REAL SUITE ARCH COMPONENTS PACKAGE...
	local view=$1 real=$2 suite=$3 arch=$4 comps=$5 c
	shift 5
	printf '%s\n' "$@" | sort -u > "$view/wanted"
	for c in ${comps//,/ }; do
		xz -dc "$view/dists/$suite/$c/binary-$arch/Packages.xz"
	done | awk -v want="$view/wanted" '
		BEGIN { while ((getline l < want) > 0) w[l] = 1 }
		/^Package: / { p = $2 } /^Filename: / { f = $2 } /^SHA256: / { s = $2 }
		/^$/ { if (p in w && !(p in done)) { print s, f; done[p] = 1 } p = f = s = "" }' > "$view/pool.list"
	[ "$(wc -l < "$view/pool.list")" -eq "$(wc -l < "$view/wanted")" ] || return 1
	awk '{ print $2 }' "$view/pool.list" |
		xargs -P 8 -n 1 sh -c 'mkdir -p "$(dirname "$1/$3")" && curl -sf --max-time 300 -o "$1/$3" "$2/$3"' _ "$view" "$real" ||
		return 1
	(cd "$view" && sha256sum -c --quiet --status - <<EOF
$(awk '{ print $1 "  " $2 }' "$view/pool.list")
EOF
	)
}

# Is the real mirror's index for SUITE/ARCH (main) the one its signed
# InRelease lists?  For a test's diagnostics only: the view works either way.
mirror_index_consistent() { # SUITE ARCH
	local real want got
	real=$(host_mirror)
	want=$(curl -sf --max-time 60 "$real/dists/$1/InRelease" |
		awk -v f="main/binary-$2/Packages.xz" '/^SHA256:/ { s = 1; next } /^[A-Za-z]/ { s = 0 } s && $3 == f { print $1; exit }')
	got=$(curl -sf --max-time 300 "$real/dists/$1/main/binary-$2/Packages.xz" | sha256sum | cut -d' ' -f1)
	[ -n "$want" ] && [ "$want" = "$got" ]
}

# Comparing two root filesystems (directory trees), one aspect at a time:
# tree_listing: one line per file (name, owners, mode, type, size, device
# numbers, link target; a directory's size says how it was filled, not what
# it holds); tree_hardlinks: sets of names that are one file;
# tree_contents: every file's SHA-256; tree_caps: file capabilities.
tree_listing() {
	(cd "$1" && find . -xdev \( -type d -printf '%p %U %G %m d\n' \) -o -printf '%p %U %G %m %y %s %l\n' |
		LC_ALL=C sort)
	(cd "$1" && find . -xdev \( -type c -o -type b \) -exec stat -c '%n %t:%T' {} + | LC_ALL=C sort)
}
tree_hardlinks() {
	(cd "$1" && find . -xdev -type f -links +1 -printf '%i %p\n') |
		awk '{ g[$1] = g[$1] " " $2 } END { for (i in g) print g[i] }' | LC_ALL=C sort
}
tree_contents() { (cd "$1" && find . -xdev -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum); }
tree_caps() { (cd "$1" && getcap -r . 2>/dev/null | LC_ALL=C sort); }

t_cleanup() {
	local p
	for p in $T_PIDS; do
		if kill -0 "$p" 2>/dev/null; then
			kill -TERM "$p" 2>/dev/null
			for _ in $(seq 1 30); do kill -0 "$p" 2>/dev/null || break; sleep 1; done
			kill -KILL "$p" 2>/dev/null
		fi
	done
	wait 2>/dev/null
	eval "$T_CLEANUPS"
	# Entries a failed or killed build of this test left (only those of the
	# pids it started: another build may be running on this host).
	for p in $T_PIDS; do
		for e in /proc/sys/fs/binfmt_misc/mkforeignroot-*-"$p"; do
			[ -e "$e" ] && echo -1 >"$e"
		done
	done
	for m in $(findmnt -rn -o TARGET | grep -F "$T_DIR" | sort -r); do umount -l "$m"; done
	rm -rf --one-file-system "$T_DIR"
	[ -n "$T_MOUNTED_BINFMT" ] && umount /proc/sys/fs/binfmt_misc
	return 0
}
trap t_cleanup EXIT
trap 'exit 130' INT TERM

done_testing() {
	echo "1..$T_N"
	[ "$T_FAILED" -eq 0 ]
}
