#!/bin/bash
# SPDX-License-Identifier: MIT
# The command line and the plan stage, without downloading anything:
# listing, dry-run, profile errors, refusals.  Each refusal leaves nothing.
. "$(dirname "$0")/lib.sh"
need_root

out=$("$MKFR" profiles)
for p in armel-jessie armel-bookworm armhf-bookworm arm64-bookworm i386-bookworm \
	mips64el-bookworm ppc64el-bookworm s390x-bookworm riscv64-trixie; do
	echo "$out" | grep -q "^$p " ; ok $? "profiles lists $p"
done
"$MKFR" keys | grep -q '^mirror' ; ok $? "keys lists mirror"

# A profile name that is not there: the nearest one is suggested.
out=$("$MKFR" --dry-run --profile armel-bokworm "$T_DIR/o" 2>&1); rc=$?
[ $rc -eq 2 ] && echo "$out" | grep -q "profile 'armel-bokworm' not found: did you mean 'armel-bookworm'?" ; ok $? "an unknown profile name: exit 2, the nearest name suggested"

# A user profile named like a shipped one refines it with inherit =
# shipped:NAME; inheriting its own bare name is a loop that says so.
# `profiles` marks it, and marks a file it cannot use instead of calling
# it a base profile.
mkdir -p "$T_DIR/xdg/mkforeignroot/profiles"
user_profiles=$T_DIR/xdg/mkforeignroot/profiles
printf 'description = my board\ninherit = armel-bookworm\nhostname = board\n' > "$user_profiles/armel-bookworm.profile"
printf 'suite = bookworm\narch = armel\nmirorr = http://x/debian\n' > "$user_profiles/broken.profile"
out=$(XDG_CONFIG_HOME=$T_DIR/xdg "$MKFR" --dry-run --profile armel-bookworm "$T_DIR/o" 2>&1); rc=$?
[ $rc -eq 2 ] && echo "$out" | grep -q "inheritance loop: .* (for the shipped profile of that name, write inherit = shipped:armel-bookworm)" ; ok $? "a user profile inheriting its own name: exit 2, pointing at shipped:NAME"
sed -i 's/^inherit = armel-bookworm$/inherit = shipped:armel-bookworm/' "$user_profiles/armel-bookworm.profile"
out=$(XDG_CONFIG_HOME=$T_DIR/xdg "$MKFR" --dry-run --profile armel-bookworm "$T_DIR/o" 2>&1); rc=$?
[ $rc -eq 0 ] && echo "$out" | grep -q "hostname  *= board .*armel-bookworm.profile:3" && echo "$out" | grep -q "arch  *= armel .*/profiles/armel-bookworm.profile:4" ; ok $? "inherit = shipped:armel-bookworm: the user's keys over the shipped profile's"
out=$(XDG_CONFIG_HOME=$T_DIR/xdg "$MKFR" --dry-run --profile shipped:armel-bookworm "$T_DIR/o" 2>&1); rc=$?
[ $rc -eq 0 ] && echo "$out" | grep -q "hostname  *= localhost  *# default" ; ok $? "--profile shipped:armel-bookworm is the shipped one, whatever the user has"
out=$(XDG_CONFIG_HOME=$T_DIR/xdg "$MKFR" profiles)
echo "$out" | grep -q "^armel-bookworm  *my board (hides the shipped one: shipped:armel-bookworm)" ; ok $? "profiles marks a user profile that hides a shipped one"
echo "$out" | grep -q "^broken  *(cannot be used: .*broken.profile:3: key 'mirorr': unknown key" ; ok $? "profiles marks a file it cannot use, with the reason"
echo "$out" | grep -q "^bookworm .*(base profile, inherited by others)" && ! echo "$out" | grep -q "^broken.*base profile" ; ok $? "and tells it apart from a base profile"
XDG_CONFIG_HOME=$T_DIR/xdg "$MKFR" profiles --json > "$T_DIR/profiles.json"
python3 - "$T_DIR/profiles.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
kinds = {p["name"]: p["kind"] for p in d["profiles"]}
assert kinds["broken"] == "broken" and kinds["bookworm"] == "base-profile" and kinds["armel-jessie"] == "profile", kinds
assert [p for p in d["profiles"] if p["name"] == "armel-bookworm"][0]["shadows_shipped"] is True
assert "mirorr" in [p for p in d["profiles"] if p["name"] == "broken"][0]["error"]
PY
ok $? "profiles --json: valid JSON, with each profile's kind and why a broken one is"
"$MKFR" profiles --json | python3 -m json.tool >/dev/null ; ok $? "profiles --json | python3 -m json.tool"
"$MKFR" keys --json | python3 -c 'import json, sys; k = {x["name"]: x for x in json.load(sys.stdin)["keys"]}; assert k["variant"]["values"] == ["minbase", "buildd", "standard"] and k["suite"]["required"] and k["mirror"]["values"] is None' ; ok $? "keys --json: types, required keys and the values of each fixed-set key"
"$MKFR" arches --json | python3 -c 'import json, sys; a = {x["name"]: x for x in json.load(sys.stdin)["arches"]}; assert a["armel"]["emulator"] == "qemu-arm-static" and a["armel"]["oci_platform"] == "linux/arm/v5" and a["alpha"]["oci_platform"] is None' ; ok $? "arches --json: emulator and OCI platform of each (null where there is none)"
# cache list --json on a cache of its own: one .deb of known size, no
# snapshot; --json is list's alone.
mkdir -p "$T_DIR/jcache/debs" && head -c 1234 /dev/zero > "$T_DIR/jcache/debs/x_1_armel.deb"
"$MKFR" cache list --json --cache-dir "$T_DIR/jcache" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["base"]["snapshots"] == [] and d["debs"] == {"dir": sys.argv[1] + "/debs", "files": 1, "bytes": 1234}, d
assert d["emulators"]["files"] == 0 and d["total_bytes"] == 1234, d' "$T_DIR/jcache" ; ok $? "cache list --json: parts in files and bytes"
"$MKFR" cache list --json --cache-dir "$T_DIR/jcache" | python3 -m json.tool >/dev/null ; ok $? "cache list --json | python3 -m json.tool"
out=$("$MKFR" cache prune --json --cache-dir "$T_DIR/jcache" 2>&1); rc=$?
[ $rc -eq 2 ] && echo "$out" | grep -q -e "--json belongs to list" && [ -e "$T_DIR/jcache/debs/x_1_armel.deb" ] ; ok $? "cache prune --json is refused, nothing removed (exit $rc)"
for c in profiles keys arches; do
	out=$("$MKFR" $c extra 2>&1); rc=$?
	[ $rc -eq 2 ] && echo "$out" | grep -q "$c: unexpected argument 'extra'" ; ok $? "$c refuses an extra argument (exit $rc)"
done
"$MKFR" arches | grep -q '^armel .*qemu-arm-static' ; ok $? "arches maps armel to qemu-arm-static"

# Dry run of the jessie profile: the archive mirror and the removed-keys keyring.
out=$("$MKFR" --dry-run --profile armel-jessie "$T_DIR/jessie" 2>&1); rc=$?
ok $rc "dry-run armel-jessie exits 0"
echo "$out" | grep -q 'mirror .*= http://archive.debian.org/debian' ; ok $? "dry-run prints the archive mirror"
echo "$out" | grep -q 'keyring .*= /usr/share/keyrings/debian-archive-removed-keys.gpg' ; ok $? "dry-run prints the keyring"
echo "$out" | grep -q 'resolve .*InRelease (verified with /usr/share/keyrings/debian-archive-removed-keys.gpg)' ; ok $? "the resolve stage verifies with that keyring"
echo "$out" | grep -q 'second .*--second-stage .*--keep-debootstrap-dir' ; ok $? "dry-run prints the second-stage command"
[ ! -e "$T_DIR/jessie" ] && ! ls -a "$T_DIR" | grep -q '^\.mkfr-' ; ok $? "dry-run creates nothing"

# The default mirror comes from the host's apt sources.
out=$("$MKFR" --dry-run --profile armel-bookworm "$T_DIR/o" 2>&1)
echo "$out" | grep -q 'mirror .*# host apt sources' ; ok $? "mirror defaults to the host's apt sources"
out=$("$MKFR" --dry-run --profile armel-bookworm --set mirror=http://example.invalid/debian "$T_DIR/o" 2>&1)
echo "$out" | grep -q 'mirror  *= http://example.invalid/debian .*# --set' ; ok $? "--set mirror overrides it"

# A typo in a profile: FILE:LINE, the key, a suggestion, exit 2.
printf 'inherit = bookworm\narch = armel\nmirorr = http://x/debian\n' > "$T_DIR/typo.profile"
out=$("$MKFR" --profile "$T_DIR/typo.profile" "$T_DIR/o" 2>&1); rc=$?
[ $rc -eq 2 ] ; ok $? "a typo'd key exits 2 (got $rc)"
echo "$out" | grep -q "typo.profile:3: key 'mirorr': unknown key (did you mean 'mirror'?)" ; ok $? "the error names FILE:LINE and suggests 'mirror'"
[ "$(echo "$out" | wc -l)" -eq 1 ] ; ok $? "the error is one line"
[ ! -e "$T_DIR/o" ] ; ok $? "nothing created"

out=$("$MKFR" --profile armel-bookworm --set variant=tiny "$T_DIR/o" 2>&1); rc=$?
[ $rc -eq 2 ] && echo "$out" | grep -q "key 'variant': bad value 'tiny'" ; ok $? "a bad --set value exits 2 and names the key"

# OUT must be new or empty.
mkdir "$T_DIR/full"; touch "$T_DIR/full/x"
out=$("$MKFR" --profile armel-bookworm "$T_DIR/full" 2>&1); rc=$?
[ $rc -eq 2 ] && echo "$out" | grep -q "exists and is not empty" ; ok $? "a non-empty OUT is refused"
[ -e "$T_DIR/full/x" ] ; ok $? "and left untouched"

# A missing emulator: the package to install is named, nothing is left.
out=$("$MKFR" --profile armel-bookworm --set emulator_source=host --set emulator_path=/nonexistent "$T_DIR/o" 2>&1); rc=$?
[ $rc -eq 2 ] ; ok $? "a missing emulator is refused before anything starts (exit $rc)"
echo "$out" | grep -q 'qemu-arm-static not found .*install the Debian package qemu-user-static' ; ok $? "the error names the package"
[ ! -e "$T_DIR/o" ] && ! ls -a "$T_DIR" | grep -q '^\.mkfr-' ; ok $? "nothing left behind"
out=$("$MKFR" --profile armel-bookworm --qemu dynamic --set emulator_source=host --set emulator_path=/nonexistent "$T_DIR/o" 2>&1); rc=$?
[ $rc -eq 2 ] && echo "$out" | grep -q 'qemu-arm not found .*install the Debian package qemu-user' ; ok $? "qemu=dynamic names qemu-user"

# Emulation modes are checked before anything starts.
out=$("$MKFR" --profile armel-bookworm --binfmt sometimes "$T_DIR/o" 2>&1); rc=$?
[ $rc -eq 2 ] && echo "$out" | grep -q -e "--binfmt: bad value 'sometimes'" ; ok $? "an unknown binfmt mode: exit 2, the option named"
out=$("$MKFR" --profile armel-bookworm --qemu dynamic --set emulator_source=mirror "$T_DIR/o" 2>&1); rc=$?
[ $rc -eq 2 ] && echo "$out" | grep -q 'static emulator only' ; ok $? "qemu=dynamic with emulator_source=mirror is refused (exit 2)"
out=$("$MKFR" --dry-run --profile arm64-bookworm --qemu fix-binary --binfmt global "$T_DIR/o" 2>&1); rc=$?
[ $rc -eq 0 ] && echo "$out" | grep -q 'qemu=fix-binary: F flag' && echo "$out" | grep -q "binfmt=global: entry mkforeignroot-aarch64-<pid> in the host's" ; ok $? "--dry-run shows the emulation plan"
out=$("$MKFR" run 2>&1); rc=$?
[ $rc -eq 125 ] && echo "$out" | grep -q 'ROOTFS is missing' ; ok $? "run without ROOTFS: exit 125 and a reason"
mkdir -p "$T_DIR/notroot"
out=$("$MKFR" run "$T_DIR/notroot" -- true 2>&1); rc=$?
[ $rc -eq 125 ] && echo "$out" | grep -q 'does not look like a Debian rootfs' ; ok $? "run on a plain directory: exit 125 and a reason"

# A rootfs's own files are data: a FIFO where /usr/bin/true should be must
# not make run wait for a writer (it used to hang there for ever).
mkdir -p "$T_DIR/fiforoot/usr/bin" "$T_DIR/fiforoot/run"
mkfifo "$T_DIR/fiforoot/usr/bin/true"
out=$(timeout 20 "$MKFR" run "$T_DIR/fiforoot" -- true 2>&1); rc=$?
[ $rc -eq 125 ] ; ok $? "run on a rootfs whose /usr/bin/true is a FIFO: exit 125 at once, no hang (got $rc)"
echo "$out" | tail -n 1 | diag

# An untrusted cache is refused before anything starts, in one line.
mkdir -m 0777 "$T_DIR/open-cache"
out=$("$MKFR" --dry-run --profile armel-bookworm --cache-dir "$T_DIR/open-cache" "$T_DIR/o" 2>&1); rc=$?
[ $rc -eq 2 ] && [ "$(echo "$out" | wc -l)" -eq 1 ] && echo "$out" | grep -q "cache: $T_DIR/open-cache is writable by its group: .* chmod go-w" ; ok $? "a cache_dir others can write to: exit 2, one line naming it and the fix"
mkdir -m 0700 "$T_DIR/their-cache" && chown 65534 "$T_DIR/their-cache"
out=$("$MKFR" cache list --cache-dir "$T_DIR/their-cache" 2>&1); rc=$?
[ $rc -eq 2 ] && echo "$out" | grep -q "is owned by uid 65534, not by you" ; ok $? "a cache_dir of another user: cache list refuses too"
mkdir -m 0700 -p "$T_DIR/deep-cache/debs" && chmod 0775 "$T_DIR/deep-cache/debs"
out=$("$MKFR" --dry-run --profile armel-bookworm --cache-dir "$T_DIR/deep-cache" "$T_DIR/o" 2>&1); rc=$?
[ $rc -eq 2 ] && echo "$out" | grep -q "deep-cache/debs is writable by its group" ; ok $? "so is a cache with one directory inside that others can write to"
ln -s "$T_DIR/deep-cache" "$T_DIR/link-cache"
out=$("$MKFR" --dry-run --profile armel-bookworm --cache-dir "$T_DIR/link-cache" "$T_DIR/o" 2>&1); rc=$?
[ $rc -eq 2 ] && echo "$out" | grep -q "link-cache is a symbolic link" ; ok $? "and a cache_dir that is a symbolic link"

# OUT on a nodev or noexec filesystem is refused before anything starts.
for opt in nodev noexec; do
	mkdir -p "$T_DIR/$opt"
	mount -t tmpfs -o "$opt,size=16m" mkfr-e2e "$T_DIR/$opt"
	T_CLEANUPS="$T_CLEANUPS umount -l '$T_DIR/$opt' 2>/dev/null;"
	out=$("$MKFR" --profile armel-bookworm "$T_DIR/$opt/o" 2>&1); rc=$?
	[ $rc -eq 2 ] && echo "$out" | grep -q "mounted $opt" ; ok $? "OUT on a $opt filesystem is refused with the reason (exit $rc)"
	[ -z "$(ls -A "$T_DIR/$opt")" ] ; ok $? "nothing created on the $opt filesystem"
	umount "$T_DIR/$opt"
done

out=$("$MKFR" --profile armel-bookworm 2>&1); rc=$?
[ $rc -eq 2 ] && echo "$out" | grep -q 'OUT is missing' ; ok $? "a missing OUT is a usage error"

# One command line: every refusal before the build starts exits 2 in one
# line and leaves nothing (build failures exit 1: failures.sh).
nothing_left() { [ -z "$(ls -A "$T_DIR/empty")" ] && [ ! -e "$T_DIR/empty/profiles" ]; }
mkdir -p "$T_DIR/empty"
refused() { # refused DESCRIPTION REGEX -- ARG...: exit 2, one error line matching REGEX, nothing made
	local desc=$1 want=$2 out rc
	shift 3
	out=$(cd "$T_DIR/empty" && "$MKFR" "$@" 2>&1); rc=$?
	[ $rc -eq 2 ] && [ "$(echo "$out" | grep -c 'error:')" -eq 1 ] && echo "$out" | grep -qE -e "$want" && nothing_left
	ok $? "$desc: exit 2 (got $rc), one line, nothing made"
	[ $rc -eq 2 ] || echo "$out" | diag
}
refused "an unknown command" "unknown command 'frobnicate'" -- frobnicate
refused "a misspelt command" "unknown command 'profile': did you mean 'profiles'\?" -- profile
refused "options before a command word" "'profiles' is a command, and a command comes first" -- --profile armel-bookworm -v profiles
refused "--format zip" "error: --format: bad value 'zip': must be one of" -- --profile armel-bookworm --format zip o
! (cd "$T_DIR/empty" && "$MKFR" --profile armel-bookworm --format zip o 2>&1) | grep -q -- '--set' ; ok $? "the --format error does not name --set"
refused "--qemu with a bad mode" "error: --qemu: bad value 'fast'" -- --profile armel-bookworm --qemu fast o
for out in rootfs.zip rootfs.tar.bz2 rootfs.img; do
	refused "OUT named $out" "OUT '.*$out': mkforeignroot writes no \.${out#*.}" -- --profile armel-bookworm "$out"
done
out=$(cd "$T_DIR/empty" && "$MKFR" --dry-run --profile armel-bookworm --format dir rootfs.zip 2>&1); rc=$?
[ $rc -eq 0 ] && echo "$out" | grep -q "rename .* -> $T_DIR/empty/rootfs.zip" ; ok $? "--format dir takes rootfs.zip for a directory name"
refused "OUT whose directory is missing" "its directory .*/no/such does not exist" -- --profile armel-bookworm "$T_DIR/no/such/o"
refused "a suite debootstrap has no script for" "key 'suite': this debootstrap has no script for 'nosuchsuite'" -- --profile armel-bookworm --set suite=nosuchsuite o
refused "--log into a missing directory" "--log: cannot write $T_DIR/no/such/log" -- --profile i386-bookworm --log "$T_DIR/no/such/log" o
! ls -a "$T_DIR/empty" "$T_DIR" | grep -q '^\.mkfr-' ; ok $? "and no work directory anywhere"

# Not root and without what a build without root needs (nobody has no
# subordinate ids): refused before anything, as the user it runs as, with
# a cache and an OUT directory of its own (tests/e2e/rootless.sh has the
# other refusals and the builds).
mkdir -m 0755 "$T_DIR/nobody" && mkdir -m 0700 "$T_DIR/nobody/cache"
chown 65534 "$T_DIR/nobody" "$T_DIR/nobody/cache" && chmod o+x "$T_DIR"
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/nonexistent \
	"$MKFR" --profile armel-bookworm --cache-dir "$T_DIR/nobody/cache" "$T_DIR/nobody/o" 2>&1); rc=$?
chmod o-x "$T_DIR"
[ $rc -eq 2 ] && [ "$(echo "$out" | wc -l)" -eq 1 ] && echo "$out" | grep -q 'no range of 65535 subordinate uids in /etc/subuid' &&
	[ -z "$(ls -A "$T_DIR/nobody/cache")" ] && [ ! -e "$T_DIR/nobody/o" ]
ok $? "a build without root that lacks subordinate ids: exit 2 (got $rc), one line naming /etc/subuid, nothing made"

done_testing
