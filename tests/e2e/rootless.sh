#!/bin/bash
# SPDX-License-Identifier: MIT
# Builds without root (issue 15): an ordinary user with subordinate id
# ranges, made by this test and removed at exit, builds armel-bookworm as
# a reproducible tarball in its own cache (every stage for real: no base
# of a root build), and the tarball, extracted as root, must be the tree a
# root build of the same SOURCE_DATE_EPOCH makes: every path with owners,
# mode, type, size, device numbers and link target, the hard links, the
# SHA-256 of every regular file and the file capabilities.  While it
# builds, /proc/*/status of its process tree is sampled: no process of it
# may run as uid 0 of the initial user namespace, but for newuidmap and
# newgidmap, the setuid helpers of Debian's uidmap package that write the
# namespace's maps (the one step with host privilege, as in podman and
# mmdebstrap --mode=unshare); and the host's binfmt_misc must not change.
# Then a directory build as the same user, with qemu=dynamic, that `run`
# enters with the build's mapping, under each qemu mode; the
# refusals (no ranges, no newuidmap, user namespaces switched off,
# binfmt=global, image formats), each exit 2 with nothing created; and
# the read-only commands as that user.
# Two full builds without root (the tarball, and a directory with
# qemu=dynamic) and one root build (a base-cache hit of the shared cache
# when another suite filled it): about 4 minutes.
. "$(dirname "$0")/lib.sh"
: "${T_DIR:?tests/e2e/lib.sh was not sourced}" # it removes files under T_DIR
need_root
need_network
for p in useradd userdel usermod setpriv newuidmap newgidmap unshare getcap python3; do
	command -v "$p" >/dev/null || skip_all "needs $p"
done
# Without a binfmt_misc of a user namespace's own (Linux 6.7), a build
# without root needs the host's F entry: another test's subject.
unshare --user --map-root-user --mount sh -c \
	'mount -t binfmt_misc none /proc/sys/fs/binfmt_misc' 2>/dev/null ||
	skip_all "this kernel gives a user namespace no binfmt_misc of its own (Linux 6.7)"
host_binfmt_mount

export SOURCE_DATE_EPOCH=1700000000
profile=(--profile armel-bookworm --set packages=iputils-ping,libcap2-bin)

# ---- the users: one with subordinate ranges, one without ------------------
rl_user=mkfr-rl-$$
nr_user=mkfr-nr-$$
# Free subordinate ids after every range the host has handed out.
free_start() { awk -F: '$2 + $3 > m { m = $2 + $3 } END { print (m < 100000 ? 100000 : m) }' "$1"; }
su_start=$(free_start /etc/subuid)
sg_start=$(free_start /etc/subgid)
T_CLEANUPS="$T_CLEANUPS userdel $rl_user 2>/dev/null; userdel $nr_user 2>/dev/null;"
# System users: useradd gives them no ranges of its own (SUB_UID_COUNT
# applies to ordinary users only), so the ones below are the only ones.
useradd --system --user-group --no-create-home --shell /usr/sbin/nologin "$rl_user" &&
	usermod --add-subuids "$su_start-$((su_start + 65535))" \
		--add-subgids "$sg_start-$((sg_start + 65535))" "$rl_user" &&
	useradd --system --user-group --no-create-home --shell /usr/sbin/nologin "$nr_user"
ok $? "users $rl_user (subordinate ids $su_start, $sg_start) and $nr_user (none) created"
! grep -q "^$nr_user:" /etc/subuid /etc/subgid ; ok $? "$nr_user has no subordinate ranges"

# Their homes and caches inside T_DIR (which they may pass through).
chmod 0711 "$T_DIR"
for u in "$rl_user" "$nr_user"; do
	install -d -m 0700 -o "$u" -g "$u" "$T_DIR/$u"
done
U=$T_DIR/$rl_user
# as USER PATH COMMAND...: as USER only (no supplementary groups of root's),
# with a whitelisted environment: its home and cache are the test's.
as() {
	local u=$1 path=$2
	shift 2
	as_argv "$u" "$path"
	"${AS[@]}" "$@"
}
as_argv() { # USER PATH: the same prefix in AS, for a command run in the background
	AS=(setpriv --reuid="$1" --regid="$1" --init-groups
		env -i PATH="$2" HOME="$T_DIR/$1" XDG_CACHE_HOME="$T_DIR/$1/cache"
		SOURCE_DATE_EPOCH="$SOURCE_DATE_EPOCH" LC_ALL=C.UTF-8)
}
SYS_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
as "$rl_user" "$SYS_PATH" test -x "$MKFR" ||
	skip_all "$MKFR cannot be run by another user (a directory on its way is not 0755)"

nothing_made() { # DIR: holds nothing but the test's own *.out files
	[ -z "$(ls -A "$1" | grep -v '\.out$')" ] && [ -z "$(ls -a /tmp | grep '^\.mkfr-')" ]
}

# ---- read-only commands need no root -------------------------------------
for cmd in "--help" "profiles" "keys" "arches" "binfmt status" "cache list"; do
	# shellcheck disable=SC2086
	as "$rl_user" "$SYS_PATH" "$MKFR" $cmd > "$U/ro.out" 2>&1; rc=$?
	[ "$rc" -eq 0 ] && [ -s "$U/ro.out" ] ; ok $? "as $rl_user: mkforeignroot $cmd (exit $rc, $(wc -l < "$U/ro.out") lines)"
	[ "$rc" -eq 0 ] || head -n 3 "$U/ro.out" | diag
done
as "$rl_user" "$SYS_PATH" "$MKFR" "${profile[@]}" --dry-run "$U/out.tar" > "$U/dry.out" 2>&1; rc=$?
[ "$rc" -eq 0 ] && grep -q "^rootless: as root of a user namespace of $rl_user's own (uids 0 -> $(id -u "$rl_user"), 1-65535 -> $su_start-" "$U/dry.out"
ok $? "as $rl_user: --dry-run plans a build without root with its ranges (exit $rc)"
grep -q "cache_dir *= $U/cache/mkforeignroot " "$U/dry.out" ; ok $? "the cache defaults to \$XDG_CACHE_HOME/mkforeignroot"
nothing_made "$U" ; ok $? "--dry-run created nothing (no OUT, no cache, no work directory)"

# ---- refusals: one line, exit 2, nothing started ---------------------------
refused() { # DESCRIPTION REGEX USER PATH ARGS... : exit 2, REGEX in the one line
	local desc=$1 re=$2 u=$3 path=$4 rc
	shift 4
	as "$u" "$path" "$MKFR" "$@" > "$T_DIR/$u/refused.out" 2>&1; rc=$?
	[ "$rc" -eq 2 ] && [ "$(wc -l < "$T_DIR/$u/refused.out")" -eq 1 ] &&
		grep -qE "$re" "$T_DIR/$u/refused.out" && nothing_made "$T_DIR/$u"
	ok $? "refused, $desc (exit $rc, nothing created)"
	diag < "$T_DIR/$u/refused.out"
}
refused "a user without subordinate ranges: names usermod --add-subuids/--add-subgids" \
	"usermod --add-subuids [0-9]+-[0-9]+ --add-subgids [0-9]+-[0-9]+ $nr_user" \
	"$nr_user" "$SYS_PATH" "${profile[@]}" "$T_DIR/$nr_user/out.tar"
# A PATH with every program of the host's but newuidmap.
mkdir "$T_DIR/bin"
for d in /usr/local/sbin /usr/local/bin /usr/sbin /usr/bin /sbin /bin; do
	for f in "$d"/*; do
		[ -e "$T_DIR/bin/${f##*/}" ] || ln -s "$f" "$T_DIR/bin/${f##*/}"
	done
done
rm "$T_DIR/bin/newuidmap"
refused "newuidmap not on PATH: names the uidmap package" \
	"newuidmap not found.*package uidmap" "$rl_user" "$T_DIR/bin" "${profile[@]}" "$U/out.tar"
refused "binfmt=global: only root writes the host's binfmt_misc" \
	"global .*only root" "$rl_user" "$SYS_PATH" "${profile[@]}" --binfmt global "$U/out.tar"
refused "an image format: its tool would copy a tree without device nodes" \
	"key 'format': a ext4 image made without root would lack the device nodes" "$rl_user" "$SYS_PATH" "${profile[@]}" "$U/out.ext4"
# User namespaces switched off: user.max_user_namespaces is a limit of each
# user namespace, so 0 in one of the test's own (identity-mapped, made by
# root) switches them off for what runs inside, the host's limit untouched.
host_max=$(cat /proc/sys/user/max_user_namespaces)
unshare --user -- sh -c 'while [ -z "$(cat /proc/self/uid_map)" ]; do sleep 0.05; done
	exec "$@"' sh bash -c '
	echo 0 > /proc/sys/user/max_user_namespaces || exit 99
	setpriv --reuid="$1" --regid="$1" --init-groups env -i PATH="$2" HOME="$3" XDG_CACHE_HOME="$3/cache" \
		"$4" --profile armel-bookworm "$3/out.tar"' sh "$rl_user" "$SYS_PATH" "$U" "$MKFR" \
	> "$U/refused.out" 2>&1 &
ns_pid=$!
T_PIDS="$T_PIDS $ns_pid"
# Maps only once it is in its new namespace (before, they are the host's).
for _ in $(seq 1 100); do
	[ "$(readlink "/proc/$ns_pid/ns/user")" != "$(readlink /proc/self/ns/user)" ] && break
	sleep 0.1
done
echo "0 0 4294967295" > "/proc/$ns_pid/uid_map" && echo "0 0 4294967295" > "/proc/$ns_pid/gid_map"
wait "$ns_pid"; rc=$?
[ "$rc" -eq 2 ] && [ "$(wc -l < "$U/refused.out")" -eq 1 ] &&
	grep -q "sysctl user.max_user_namespaces is 0" "$U/refused.out" && nothing_made "$U"
ok $? "refused, user namespaces switched off: names the sysctl (exit $rc, nothing created)"
diag < "$U/refused.out"
[ "$(cat /proc/sys/user/max_user_namespaces)" = "$host_max" ] ; ok $? "the host's user.max_user_namespaces is still $host_max"

# ---- the root build to compare with ----------------------------------------
use_shared_cache
t0=$(date +%s)
"$MKFR" "${profile[@]}" "$T_DIR/root.tar" > "$T_DIR/root.out" 2>&1; rc=$?
ok $rc "root build of the tarball (exit $rc in $(( $(date +%s) - t0 )) s)"
[ "$rc" -eq 0 ] || tail -n 5 "$T_DIR/root.out" | diag

# ---- the rootless build, watched -------------------------------------------
# One line per process of the tree under PID: pid, name, real, effective,
# saved and filesystem uid as the initial user namespace sees them.
tree_uids() {
	# cat, not awk FILE...: a process that ends between the glob and the
	# read is skipped, not the end of the sample.  Name: opens each file.
	cat /proc/[0-9]*/status 2>/dev/null | awk -v root="$1" '
		$1 == "Name:" { n++; name[n] = $2 }
		$1 == "Pid:" { pid[n] = $2 }
		$1 == "PPid:" { ppid[n] = $2 }
		$1 == "Uid:" { uid[n] = $2 " " $3 " " $4 " " $5 }
		END {
			tree[root] = 1
			for (grew = 1; grew;) {
				grew = 0
				for (i = 1; i <= n; i++)
					if (!(pid[i] in tree) && (ppid[i] in tree)) { tree[pid[i]] = 1; grew = 1 }
			}
			for (i = 1; i <= n; i++) if (pid[i] in tree) print pid[i], name[i], uid[i]
		}'
}
binfmt_snapshot > "$T_DIR/binfmt.before"
t0=$(date +%s)
# setpriv and env exec: build_pid is the build itself.
as_argv "$rl_user" "$SYS_PATH"
"${AS[@]}" "$MKFR" "${profile[@]}" "$U/rootless.tar" > "$U/rootless.out" 2>&1 &
build_pid=$!
T_PIDS="$T_PIDS $build_pid"
# Until its exec the background job is the test's own shell, then setpriv
# (root, dropping to the user), then env: the test's launcher, not the
# build.  Sampling starts once the job is mkforeignroot itself (caught
# before that, the forked shell showed up as a uid 0 "rootless.sh").
mkfr_exe=$(readlink -f "$MKFR")
for _ in $(seq 1 1000); do
	[ "$(readlink "/proc/$build_pid/exe" 2>/dev/null)" = "$mkfr_exe" ] && break
	kill -0 "$build_pid" 2>/dev/null || break
	sleep 0.01
done
samples=0
binfmt_changes=0
: > "$T_DIR/procs"
while kill -0 "$build_pid" 2>/dev/null; do
	tree_uids "$build_pid" >> "$T_DIR/procs"
	binfmt_snapshot | cmp -s - "$T_DIR/binfmt.before" || binfmt_changes=$((binfmt_changes + 1))
	samples=$((samples + 1))
	sleep 0.2
done
wait "$build_pid"; rc=$?
ok $rc "as $rl_user: the tarball build without root (exit $rc in $(( $(date +%s) - t0 )) s)"
[ "$rc" -eq 0 ] || tail -n 8 "$U/rootless.out" | diag
base_use() { python3 -c 'import json, sys; m = json.load(open(sys.argv[1])); print(m["base_cache"]["use"], "rootless" if m.get("rootless") else "root")' "$1" 2>/dev/null; }
[ "$(base_use "$U/rootless.tar.manifest.json")" = "stored rootless" ]
ok $? "every stage ran for real in the user's own cache (manifest: base_cache $(base_use "$U/rootless.tar.manifest.json"))"
# Seen as the initial namespace sees them: ids 0 of the build's namespace
# are the user's; a 0 is the host's root.
as_host_root=$(awk '$3 == 0 || $4 == 0 || $5 == 0 || $6 == 0 { print $2 }' "$T_DIR/procs" | sort -u | tr '\n' ' ')
pids_seen=$(awk '{ print $1 }' "$T_DIR/procs" | sort -u | wc -l)
[ "$samples" -gt 20 ] && [ "$pids_seen" -gt 50 ] && grep -q ' debootstrap ' "$T_DIR/procs" &&
	grep -q ' dpkg ' "$T_DIR/procs"
ok $? "the sampler watched the build ($samples samples, $pids_seen processes, debootstrap and dpkg among them)"
[ -z "$(printf '%s\n' $as_host_root | grep -v -x -e newuidmap -e newgidmap)" ]
ok $? "no process of the build ran as the host's uid 0 but newuidmap/newgidmap (seen: ${as_host_root:-none})"
[ "$binfmt_changes" -eq 0 ] && binfmt_snapshot | cmp -s - "$T_DIR/binfmt.before"
ok $? "the host's binfmt_misc never changed ($binfmt_changes of $samples samples differed)"
[ -z "$(ls -a /tmp | grep "^\.mkfr-$build_pid-")" ] && [ -z "$(ls -A "$U" | grep '^\.mkfr-')" ]
ok $? "no target alias in /tmp, no work directory left"

# ---- the two tarballs, extracted as root -----------------------------------
for t in root rootless; do
	mkdir "$T_DIR/x-$t"
	f=$T_DIR/root.tar
	[ "$t" = rootless ] && f=$U/rootless.tar
	tar -C "$T_DIR/x-$t" --numeric-owner --xattrs --xattrs-include='*' -xpf "$f" 2> "$T_DIR/tar-$t.err"
	[ $? -eq 0 ] && [ ! -s "$T_DIR/tar-$t.err" ] ; ok $? "GNU tar extracts the $t tarball without a warning"
	head -n 3 "$T_DIR/tar-$t.err" | diag
done
for what in listing hardlinks contents caps; do
	"tree_$what" "$T_DIR/x-root" > "$T_DIR/root.$what"
	"tree_$what" "$T_DIR/x-rootless" > "$T_DIR/rootless.$what"
	[ -s "$T_DIR/root.$what" ] && diff "$T_DIR/root.$what" "$T_DIR/rootless.$what" > "$T_DIR/$what.diff"
	ok $? "root and rootless tarballs extracted: same $what ($(wc -l < "$T_DIR/root.$what") lines)"
	head -n 10 "$T_DIR/$what.diff" | diag
done
grep -qx './usr/bin/ping cap_net_raw=ep' "$T_DIR/rootless.caps" ; ok $? "ping keeps cap_net_raw=ep"
grep -q '^./etc/shadow 0 42 640 f ' "$T_DIR/rootless.listing" ; ok $? "/etc/shadow is root's, group shadow, 0640"
grep -qx './dev/null 0 0 666 c 0 ' "$T_DIR/rootless.listing" && grep -qx './dev/null 1:3' "$T_DIR/rootless.listing"
ok $? "dev/null is a character device 1:3, root's, 0666 (made by the tar writer)"
cmp "$T_DIR/root.tar" "$U/rootless.tar" > "$T_DIR/cmp.out" 2>&1 ; ok $? "the tarballs are byte-identical ($(stat -c %s "$U/rootless.tar") bytes)"
diag < "$T_DIR/cmp.out"

# ---- a directory build, and run in it --------------------------------------
t0=$(date +%s)
# In full (a base hit would run almost nothing emulated) and with
# qemu=dynamic: the second stage's maintainer scripts run under the shared
# emulator staged with its loader and libraries.
as "$rl_user" "$SYS_PATH" "$MKFR" "${profile[@]}" --qemu dynamic --no-base-cache --format dir "$U/dir" \
	> "$U/dir.out" 2>&1; rc=$?
ok $rc "as $rl_user: directory build in full with qemu=dynamic (exit $rc in $(( $(date +%s) - t0 )) s)"
[ "$rc" -eq 0 ] || tail -n 5 "$U/dir.out" | diag
# On disk a directory keeps the mapped ids, as rootless podman's storage.
[ "$(stat -c %u:%g "$U/dir/etc/passwd")" = "$(id -u "$rl_user"):$(id -g "$rl_user")" ] &&
	[ "$(stat -c %u:%g "$U/dir/etc/shadow")" = "$(id -u "$rl_user"):$((sg_start + 41))" ]
ok $? "on disk the directory has the mapped ids (etc/shadow $(stat -c %u:%g "$U/dir/etc/shadow"))"
for q in static fix-binary dynamic; do
	as "$rl_user" "$SYS_PATH" "$MKFR" run --qemu "$q" "$U/dir" -- \
		sh -c 'dpkg --print-architecture; stat -c %U:%G /etc/shadow; id -u' > "$U/run.out" 2>&1; rc=$?
	[ "$rc" -eq 0 ] && [ "$(cat "$U/run.out")" = "armel
root:shadow
0" ]
	ok $? "as $rl_user: run --qemu $q prints armel; inside, /etc/shadow is root:shadow and we are 0 (exit $rc)"
	[ "$rc" -eq 0 ] || head -n 3 "$U/run.out" | diag
done
as "$rl_user" "$SYS_PATH" "$MKFR" run --binfmt global "$U/dir" true > "$U/run.out" 2>&1; rc=$?
[ "$rc" -eq 125 ] && grep -q "only root" "$U/run.out"
ok $? "run --binfmt global is refused without root (exit $rc)"
diag < "$U/run.out"
binfmt_snapshot | cmp -s - "$T_DIR/binfmt.before" ; ok $? "the host's binfmt_misc is still as before"

done_testing
