# Shared helpers for the end-to-end tests (sourced; TAP output).
#
# Every test: prints TAP, keeps its files under one temp dir, and removes
# everything it started or created in an EXIT trap, even on failure.  It
# ends only processes it started, by pid.  Tests that need root or the
# network skip with a reason, and fail instead when MKFR_MUST_WORK=1 (CI).

MKFR=${MKFR:-$(pwd)/mkforeignroot}
T_N=0
T_FAILED=0
T_DIR=$(mktemp -d /tmp/mkfr-e2e.XXXXXX)
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
