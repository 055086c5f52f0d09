#!/bin/bash
# SPDX-License-Identifier: MIT
# Hooks at every phase, for real (armel bookworm):
#  - one build with every kind of hook at every phase (a --hook-dir, the
#    hook_dir key, PHASE_hooks keys, `hooks`, --PHASE-hook shell commands,
#    built-in helpers): they run in order, and each phase sees what it
#    should (setup an empty rootfs, extract an unpacked one with no
#    emulator, essential on a configured one under emulation); the base
#    cache is off for it; --dry-run lists them all with their origins;
#  - a customize build with copy-in, append, copy-out and enable-unit, and
#    the same build again: a base cache hit, with the same customizations,
#    which are not in the cached base;
#  - failing hooks and helpers: exit 1 and one line naming the hook and
#    its phase; a helper with bad arguments: exit 2 before anything is
#    built; a symlink planted by a hook does not lead a helper to the
#    host; nothing is left behind, copy-out's file included.
# Two full builds at most (the first has hooks that keep it off the base
# cache), the rest base cache hits or refusals.
. "$(dirname "$0")/lib.sh"
need_root
need_network
use_shared_cache
host_binfmt_mount
before=$(binfmt_snapshot)
cache=$MKFR_CACHE_DIR

host_clean() { # host_clean WHAT OUT
	[ ! -e "$2" ] ; ok $? "$1: no OUT"
	! ls -a "$T_DIR" | grep -q '^\.mkfr-' && [ -z "$(ls -A "$cache/tmp" 2>/dev/null)" ] ; ok $? "$1: no work directory or temp file"
	[ -z "$(our_mounts)" ] && ! ls -a /run | grep -q '^\.mkfr-.*-target' ; ok $? "$1: no mount or target alias left"
	[ "$(binfmt_snapshot)" = "$before" ] ; ok $? "$1: binfmt_misc entries as before"
}
build() { # build NAME [ARGS...]: exit status, output in $T_DIR/NAME.out
	local name=$1 t0 rc
	shift
	t0=$(date +%s)
	"$MKFR" "$@" > "$T_DIR/$name.out" 2>&1; rc=$?
	echo "$name: exit $rc in $(( $(date +%s) - t0 )) s" | diag
	[ "$rc" -eq 0 ] || tail -n 5 "$T_DIR/$name.out" | diag
	return "$rc"
}
# The build's one error line is its last, and there is one.
one_error_line() { # FILE FIXED-TEXT
	[ "$(grep -c 'error:' "$1")" -eq 1 ] && tail -n 1 "$1" | grep -qF -- "$2"
}

# ---- every phase, every kind --------------------------------------------------
# A hook that writes "PHASE WHO WHAT-IT-SEES" to the record; WHO from its
# own name.  Hooks get a fixed environment: the record's path is written in.
rec=$T_DIR/record
rec_script() { # rec_script PATH
	cat > "$1" <<EOF
#!/bin/sh
r=\$1
case \$(basename "\$0") in
key-rec) who=key ;; old-rec) who=old ;; cli-rec) who=cli ;; *-keydir) who=keydir ;; *) who=dir ;;
esac
case \$MKFR_PHASE in
setup) [ -z "\$(ls -A "\$r")" ] && s=empty || s=not-empty ;;
extract)
	if [ -x "\$r/usr/bin/dpkg" ] && [ ! -e "\$r/debootstrap/qemu" ] &&
		! grep -q '^Status: install ok installed' "\$r/var/lib/dpkg/status" 2>/dev/null; then
		s=unpacked
	else
		s=other
	fi ;;
*) [ "\$(chroot "\$r" dpkg-query -W -f='\${Status}' base-files 2>/dev/null)" = "install ok installed" ] &&
	s=configured || s=other ;;
esac
echo "\$MKFR_PHASE \$who \$s" >> $rec
EOF
	chmod 0755 "$1"
}
prof=$T_DIR/prof
mkdir -p "$T_DIR/hookdir" "$prof/keydir" "$T_DIR/copied" "$T_DIR/src" "$T_DIR/units" "$T_DIR/hostdir"
for phase in setup extract essential customize cleanup; do rec_script "$T_DIR/hookdir/${phase}01-rec"; done
echo "not a hook: no phase's name" > "$T_DIR/hookdir/README"
rec_script "$prof/keydir/customize-keydir"
rec_script "$prof/key-rec"
rec_script "$prof/old-rec"
rec_script "$T_DIR/cli-rec"
echo "from the extract phase" > "$T_DIR/src/extract.txt"
cat > "$prof/hooks.profile" <<'EOF'
inherit = shipped:armel-bookworm
hook_dir = keydir
setup_hooks = key-rec
extract_hooks = key-rec
essential_hooks = key-rec, append /etc/mkfr-essential from the essential key
customize_hooks = key-rec
hooks = old-rec
cleanup_hooks = key-rec
EOF
phases=(--profile "$prof/hooks.profile" --hook-dir "$T_DIR/hookdir")
for phase in setup extract essential customize cleanup; do
	phases+=("--$phase-hook" "$T_DIR/cli-rec \"\$1\"")
done
phases+=(--setup-hook 'append /mkfr-setup from the setup phase'
	--extract-hook "copy-in $T_DIR/src/extract.txt /etc/mkfr-extract"
	--customize-hook "copy-out /etc/mkfr-essential $T_DIR/copied")

build phases-dry --dry-run "${phases[@]}" "$T_DIR/phases" ; ok $? "--dry-run with hooks at every phase"
sed -n '/^hooks /,$p' "$T_DIR/phases-dry.out" > "$T_DIR/listed"
diag < "$T_DIR/listed"
t='/run/\.mkfr-[0-9]+-target/root'
grep -qE "^  setup +$T_DIR/hookdir/setup01-rec $t  # --hook-dir\$" "$T_DIR/listed" &&
	grep -qE "^  setup +$prof/key-rec $t  # $prof/hooks\.profile:3\$" "$T_DIR/listed" &&
	grep -qE "^  setup +/bin/sh -c '$T_DIR/cli-rec \"\\\$1\"' sh $t  # --setup-hook\$" "$T_DIR/listed" &&
	grep -qE "^  setup +append /mkfr-setup from the setup phase  # --setup-hook, built in\$" "$T_DIR/listed" &&
	grep -qE "^  customize +$prof/keydir/customize-keydir $t  # hook_dir \($prof/hooks\.profile:2\)\$" "$T_DIR/listed" &&
	grep -qE "^  essential +append /etc/mkfr-essential from the essential key  # $prof/hooks\.profile:5, built in\$" "$T_DIR/listed" &&
	grep -qE "^  cleanup +/.*/hooks/cleanup/10-hostname $t  # shipped\$" "$T_DIR/listed" &&
	grep -qE "^  cleanup +$prof/old-rec $t  # $prof/hooks\.profile:7\$" "$T_DIR/listed" ; ok $? "--dry-run lists each hook with its command and origin"
awk 'NR > 1 { print $1 }' "$T_DIR/listed" | uniq | tr '\n' ' ' > "$T_DIR/listed.phases"
[ "$(cat "$T_DIR/listed.phases")" = "setup extract essential customize cleanup " ] ; ok $? "--dry-run lists the phases in order ($(cat "$T_DIR/listed.phases"))"
! grep -q README "$T_DIR/listed" ; ok $? "a file of the hook directory not named for a phase is no hook"
grep -q "base cache: off for this build" "$T_DIR/phases-dry.out" ; ok $? "the base cache is off, and it says so"

build phases "${phases[@]}" "$T_DIR/phases" ; ok $? "a build with hooks at every phase"
cat > "$T_DIR/record.want" <<'EOF'
setup dir empty
setup key empty
setup cli empty
extract dir unpacked
extract key unpacked
extract cli unpacked
essential dir configured
essential key configured
essential cli configured
customize keydir configured
customize dir configured
customize key configured
customize cli configured
cleanup dir configured
cleanup old configured
cleanup key configured
cleanup cli configured
EOF
diff "$T_DIR/record.want" "$rec" > "$T_DIR/record.diff" 2>&1 ; ok $? "the hooks ran in order, each phase seeing what it should"
diag < "$T_DIR/record.diff"
[ "$(grep -c 'base cache: off for this build' "$T_DIR/phases.out")" -eq 1 ] &&
	! grep -q 'base cache: hit\|snapshot:' "$T_DIR/phases.out" ; ok $? "no base cache lookup or snapshot for it (one line says why)"
[ "$(cat "$T_DIR/phases/mkfr-setup")" = "from the setup phase" ] ; ok $? "setup: append made a file in the empty rootfs, which debootstrap kept"
cmp -s "$T_DIR/src/extract.txt" "$T_DIR/phases/etc/mkfr-extract" ; ok $? "extract: copy-in put the file in place"
[ "$(cat "$T_DIR/copied/mkfr-essential")" = "from the essential key" ] ; ok $? "essential: append from a key; customize: copy-out brought it to the host"
grep -q 'setup: 4 hook(s) run' "$T_DIR/phases.out" && grep -q 'customize: 5 hook(s) run' "$T_DIR/phases.out" ; ok $? "each phase says how many hooks it ran"
[ ! -e "$T_DIR/phases/debootstrap" ] && [ ! -e "$T_DIR/phases/usr/sbin/policy-rc.d" ] ; ok $? "the rootfs has no /debootstrap or policy-rc.d of ours"
host_clean "hooks at every phase" "$T_DIR/none"
rm -rf --one-file-system "$T_DIR/phases"

# ---- customize: helpers, and a base cache hit -------------------------------------
cat > "$T_DIR/units/mkfr-test.service" <<'EOF'
[Unit]
Description=mkforeignroot hook test
[Service]
ExecStart=/bin/true
[Install]
WantedBy=multi-user.target
Alias=mkfr-alias.service
EOF
customize=(--profile armel-bookworm
	--customize-hook 'mkdir -p "$1/etc/systemd/system"'
	--customize-hook "copy-in $T_DIR/units/mkfr-test.service /etc/systemd/system"
	--customize-hook 'enable-unit mkfr-test.service'
	--customize-hook 'append /etc/motd hello from a hook')
check_customized() { # check_customized WHAT ROOTFS
	local wants=$2/etc/systemd/system/multi-user.target.wants/mkfr-test.service
	cmp -s "$T_DIR/units/mkfr-test.service" "$2/etc/systemd/system/mkfr-test.service" ; ok $? "$1: copy-in put the unit in place"
	[ "$(readlink "$wants")" = /etc/systemd/system/mkfr-test.service ] &&
		[ "$(readlink "$2/etc/systemd/system/mkfr-alias.service")" = /etc/systemd/system/mkfr-test.service ] ; ok $? "$1: enable-unit made the WantedBy and Alias links"
	[ "$(tail -n 1 "$2/etc/motd")" = "hello from a hook" ] ; ok $? "$1: append added the line"
}
build customize "${customize[@]}" "$T_DIR/cust1" ; ok $? "a customize build"
check_customized "customize" "$T_DIR/cust1"
id=$(sed -n 's/.*base cache: \(no entry\|hit\) \([0-9a-f]\{12\}\).*/\2/p' "$T_DIR/customize.out" | head -n 1)
[ -n "$id" ] && tar -tf "$cache"/base/"$id"*.tar.zst > "$T_DIR/base.list" && grep -q '^\./etc/motd$' "$T_DIR/base.list" &&
	! grep -q 'mkfr-test' "$T_DIR/base.list" ; ok $? "the cached base ($id) is from before the customize hooks"
build customize-hit "${customize[@]}" "$T_DIR/cust2" ; ok $? "the same customize build again"
grep -q "base cache: hit $id" "$T_DIR/customize-hit.out" && grep -q "second: nothing to do" "$T_DIR/customize-hit.out" ; ok $? "a base cache hit: no debootstrap"
check_customized "customize on a hit" "$T_DIR/cust2"
[ "$(grep -c 'hello from a hook' "$T_DIR/cust2/etc/motd")" -eq 1 ] ; ok $? "on a hit the hooks ran once, on the cached base"
host_clean "customize" "$T_DIR/none"
rm -rf --one-file-system "$T_DIR/cust1" "$T_DIR/cust2"

# ---- failures -----------------------------------------------------------------------
build fail-customize --profile armel-bookworm --customize-hook "copy-out /etc/motd $T_DIR/fail-copied" \
	--customize-hook 'echo giving up; exit 3' "$T_DIR/o"; rc=$?
[ $rc -eq 1 ] && one_error_line "$T_DIR/fail-customize.out" "customize: hook 'echo giving up; exit 3' (--customize-hook) failed (exit 3): giving up" ; ok $? "a failing customize hook: exit 1 ($rc), one line naming it, its phase and its status"
tail -n 1 "$T_DIR/fail-customize.out" | diag
[ ! -e "$T_DIR/fail-copied" ] ; ok $? "the file an earlier copy-out made is removed again"
host_clean "failing customize hook" "$T_DIR/o"

build fail-setup --profile armel-bookworm --setup-hook 'exit 4' "$T_DIR/o"; rc=$?
[ $rc -eq 1 ] && one_error_line "$T_DIR/fail-setup.out" "setup: hook 'exit 4' (--setup-hook) failed (exit 4)" &&
	! grep -q "fetch: [0-9]* packages\|fetch: all .* in the cache\|foreign:" "$T_DIR/fail-setup.out" ; ok $? "a failing setup hook: exit 1 ($rc), one line, before fetch"
host_clean "failing setup hook" "$T_DIR/o"

build fail-unit --profile armel-bookworm --customize-hook 'enable-unit no-such.service' "$T_DIR/o"; rc=$?
[ $rc -eq 1 ] && one_error_line "$T_DIR/fail-unit.out" "customize: hook 'enable-unit no-such.service' (--customize-hook): enable-unit no-such.service: no unit file" ; ok $? "enable-unit of a unit that is not there: exit 1 ($rc), one line"
host_clean "failing helper" "$T_DIR/o"

echo "the host's" > "$T_DIR/hostdir/keep"
build escape --profile armel-bookworm --customize-hook "ln -s $T_DIR/hostdir \"\$1/etc/evil\"" \
	--customize-hook 'append /etc/evil/keep pwned' --customize-hook 'copy-in /etc/hostname /etc/evil/new' \
	"$T_DIR/o"; rc=$?
[ $rc -eq 1 ] && [ "$(cat "$T_DIR/hostdir/keep")" = "the host's" ] && [ "$(ls "$T_DIR/hostdir")" = keep ] ; ok $? "a symlink to the host planted by a hook: the helper fails ($rc), the host directory is unchanged"
tail -n 1 "$T_DIR/escape.out" | diag
host_clean "planted symlink" "$T_DIR/o"

build bad-args --profile armel-bookworm --customize-hook 'copy-in /nonexistent/mkfr /etc/x' "$T_DIR/o"; rc=$?
[ $rc -eq 2 ] && one_error_line "$T_DIR/bad-args.out" "--customize-hook: customize hook 'copy-in /nonexistent/mkfr /etc/x': cannot read /nonexistent/mkfr" &&
	! grep -q "resolve\|building" "$T_DIR/bad-args.out" ; ok $? "a helper with bad arguments: exit 2 ($rc), one line, nothing started"
build bad-unit --profile armel-bookworm --extract-hook 'enable-unit ../x.service' "$T_DIR/o"; rc=$?
[ $rc -eq 2 ] && one_error_line "$T_DIR/bad-unit.out" "is not a unit name" ; ok $? "enable-unit of a path: exit 2 ($rc)"
chmod 0644 "$T_DIR/hookdir/setup01-rec"
build bad-dir --profile armel-bookworm --hook-dir "$T_DIR/hookdir" "$T_DIR/o"; rc=$?
[ $rc -eq 2 ] && one_error_line "$T_DIR/bad-dir.out" "--hook-dir $T_DIR/hookdir: '$T_DIR/hookdir/setup01-rec' is not an executable file" ; ok $? "a hook directory's file that is not executable: exit 2 ($rc), named"
host_clean "refused hooks" "$T_DIR/o"

: > "$rec"
build stop --profile armel-bookworm --setup-hook "echo stopped-here >> $rec" --stop-after setup "$T_DIR/o" ; ok $? "--stop-after setup"
[ "$(cat "$rec")" = stopped-here ] && grep -q "stopped after setup" "$T_DIR/stop.out" ; ok $? "the setup hook ran, then the build stopped"
host_clean "--stop-after setup" "$T_DIR/o"

done_testing
