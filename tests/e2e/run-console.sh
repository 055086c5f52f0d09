#!/bin/bash
# SPDX-License-Identifier: MIT
# `run` as a console (issue #18): at a terminal, driven by tmux on a
# private server, the command gets a terminal of the run's own devpts
# (tty, /dev/tty, Ctrl-C, Ctrl-Z, window size, the user's terminal modes
# restored, also when run is killed by SIGTERM; a closed terminal leaves
# nothing), with --binfmt private and global; off a terminal stdio stays
# byte-exact.  The image's host name,
# --hostname, --bind (rw, ro, symlinks in the image), --user, --setenv,
# --chdir, exit statuses, and every refusal: exit 125, one line, nothing
# left.  Afterwards: no mount, binfmt_misc unchanged, no process left.
. "$(dirname "$0")/lib.sh"
need_root
need_network
command -v tmux >/dev/null || skip_all "needs tmux (scripts/install-deps)"
host_binfmt_mount
use_shared_cache

root="$T_DIR/root"
name=armel-console
"$MKFR" --profile armel-bookworm --set hostname=$name "$root" > "$T_DIR/build.out" 2>&1
ok $? "armel-bookworm built with hostname=$name (shared cache)"
if [ ! -x "$root/bin/sh" ]; then
	diag < "$T_DIR/build.out"
	echo "Bail out! no rootfs to run"
	exit 1
fi
# A user of the image with a supplementary group, as adduser would make it.
echo 'dev:x:1000:1000:Dev:/home/dev:/bin/bash' >> "$root/etc/passwd"
echo 'dev:x:1000:' >> "$root/etc/group"
sed -i 's/^plugdev:x:46:$/plugdev:x:46:dev/' "$root/etc/group"
mkdir -m 755 "$root/home/dev" && chown 1000:1000 "$root/home/dev"

binfmt_before=$(binfmt_snapshot)
host_name_before=$(hostname)
# Processes whose root directory is in our rootfs: only runs of ours.
procs_in_root() {
	local p r
	for p in /proc/[0-9]*; do
		r=$(readlink "$p/root" 2>/dev/null) || continue
		case $r in "$T_DIR"/*) echo "${p#/proc/} $(tr '\0' ' ' < "$p/cmdline" 2>/dev/null)" ;; esac
	done
}
nothing_left() {
	! findmnt -rn -o TARGET | grep -qF "$T_DIR" && [ -z "$(procs_in_root)" ] &&
		[ "$(binfmt_snapshot)" = "$binfmt_before" ]
}

# --- at a terminal -----------------------------------------------------
# A private server whose socket is in our directory (-S, not -L: that
# would leave the socket in /tmp/tmux-UID), killed through it at exit.
TMUX_SOCK="$T_DIR/tmux.sock"
tm() { tmux -S "$TMUX_SOCK" "$@"; }
T_CLEANUPS="$T_CLEANUPS tmux -S '$TMUX_SOCK' kill-server 2>/dev/null;"
# The pane: the user's terminal modes before and after run, run's status.
cat > "$T_DIR/pane" <<EOF
#!/bin/bash
stty -g > "$T_DIR/modes-before"
echo \$\$ > "$T_DIR/pane.pid"
"$MKFR" run "\$@"
echo \$? > "$T_DIR/pane.rc"
stty -g > "$T_DIR/modes-after"
EOF
chmod +x "$T_DIR/pane"
start_pane() { # ARGS for run
	rm -f "$T_DIR/pane.rc" "$T_DIR/pane.pid" "$T_DIR/modes-before" "$T_DIR/modes-after"
	tm kill-server 2>/dev/null
	tm new-session -d -s t -x 120 -y 30 "$T_DIR/pane $*"
}
screen() { tm capture-pane -p -t t -S -200 2>/dev/null; }
# Wait (up to SECONDS) for a line of the pane matching REGEX.
screen_has() { # REGEX SECONDS
	local i=0
	while [ $i -lt $(($2 * 5)) ]; do
		screen | grep -qE "$1" && return 0
		sleep 0.2
		i=$((i + 1))
	done
	return 1
}
type_line() { tm send-keys -t t -l "$1" && tm send-keys -t t Enter; }
wait_file() { # FILE SECONDS
	local i=0
	while [ $i -lt $(($2 * 5)) ]; do [ -s "$1" ] && return 0; sleep 0.2; i=$((i + 1)); done
	return 1
}
show_screen() { screen | grep -v '^$' | tail -n 8 | diag; }

for mode in private global; do
	start_pane "--binfmt $mode $root"
	screen_has "^root@$name:/# ?\$" 60 ; ok $? "$mode: a login shell at the terminal, the prompt shows the image's host name"
	type_line 'echo "M1:$(tty)"'
	screen_has '^M1:/dev/pts/[0-9]+$' 20 ; ok $? "$mode: tty prints a /dev/pts/N path"
	type_line 'echo "M2:$(hostname):$(stty size)"'
	screen_has "^M2:$name:30 120\$" 20 ; ok $? "$mode: hostname is the image's, the terminal is 120x30"
	type_line 'read x </dev/tty; echo "M3:$x"'
	sleep 1
	type_line 'typed-by-tmux'
	screen_has '^M3:typed-by-tmux$' 20 ; ok $? "$mode: read x </dev/tty reads what tmux typed"
	type_line 'sleep 100'
	sleep 2
	started=$(date +%s)
	tm send-keys -t t C-c
	type_line 'echo "M4:$?"'
	screen_has '^M4:130$' 20 && [ $(($(date +%s) - started)) -lt 30 ]
	ok $? "$mode: Ctrl-C interrupts sleep 100 (status 130) and the shell survives"
	type_line 'sleep 200'
	sleep 2
	tm send-keys -t t C-z
	screen_has '^\[1\]\+ +Stopped +sleep 200' 20 ; ok $? "$mode: Ctrl-Z stops the job, the shell reports it"
	type_line 'kill %1'
	tm resize-window -t t -x 100 -y 25
	sleep 1
	type_line 'echo "M5:$(stty size)"'
	screen_has '^M5:25 100$' 20 ; ok $? "$mode: resizing the tmux window changes stty size inside (25 100)"
	type_line 'echo "M6:$(ls /dev/pts | tr "\n" " ")"'
	screen_has '^M6:0 ptmx ?$' 20 ; ok $? "$mode: the run's /dev/pts holds only its own terminal"
	tm send-keys -t t C-d
	wait_file "$T_DIR/pane.rc" 30
	[ "$(cat "$T_DIR/pane.rc" 2>/dev/null)" = 0 ] ; ok $? "$mode: Ctrl-D ends the shell and run exits 0 (got $(cat "$T_DIR/pane.rc" 2>/dev/null))"
	wait_file "$T_DIR/modes-after" 10
	cmp -s "$T_DIR/modes-before" "$T_DIR/modes-after" ; ok $? "$mode: the terminal's modes afterwards are as before (stty -g)"
	[ "$(cat "$T_DIR/pane.rc" 2>/dev/null)" = 0 ] || show_screen
	nothing_left ; ok $? "$mode: no mount, no process, binfmt_misc as before"
done

# --user at a terminal: the terminal is the user's, as at a login.
start_pane "--user dev $root"
screen_has "^dev@$name:~\\\$ ?\$" 60 ; ok $? "--user dev: the user's login shell, in its home"
type_line 'echo "M7:$(id -u):$(stat -c %U "$(tty)"):$(pwd)"'
screen_has '^M7:1000:dev:/home/dev$' 20 ; ok $? "--user dev: uid 1000, owns its /dev/pts/N, starts in /home/dev"
type_line 'exit 3'
wait_file "$T_DIR/pane.rc" 30
[ "$(cat "$T_DIR/pane.rc" 2>/dev/null)" = 3 ] ; ok $? "--user dev: the shell's exit status 3 is run's"

# The terminal goes away (the tmux server killed) while a command runs:
# run is hung up, and so is the command's session; nothing stays.
start_pane "$root"
screen_has "^root@$name:/# ?\$" 60
type_line 'sleep 300'
sleep 2
tm kill-server
for _ in $(seq 1 100); do [ -z "$(procs_in_root)" ] && break; sleep 0.2; done
nothing_left ; ok $? "the terminal closed during sleep 300: run, the shell and the sleep are gone, nothing left"

# SIGTERM to run while the shell waits at its prompt: exit 143, the
# terminal's modes restored, the session hung up and gone.
start_pane "$root"
screen_has "^root@$name:/# ?\$" 60
wait_file "$T_DIR/pane.pid" 10
run_pid=$(pgrep -P "$(cat "$T_DIR/pane.pid")" -x mkforeignroot)
[ -n "$run_pid" ] && kill -TERM "$run_pid"
wait_file "$T_DIR/pane.rc" 30
[ "$(cat "$T_DIR/pane.rc" 2>/dev/null)" = 143 ] ; ok $? "SIGTERM to run at a terminal: exit 143 (got $(cat "$T_DIR/pane.rc" 2>/dev/null))"
wait_file "$T_DIR/modes-after" 10
cmp -s "$T_DIR/modes-before" "$T_DIR/modes-after" ; ok $? "SIGTERM: the terminal's modes are restored (stty -g)"
nothing_left ; ok $? "SIGTERM: no mount, no process left"
tm kill-server 2>/dev/null

# --- off a terminal ----------------------------------------------------
got=$(echo hi | "$MKFR" run "$root" -- cat | od -c)
[ "$got" = "$(echo hi | od -c)" ] ; ok $? "echo hi | run -- cat | od -c: exactly h i \\n"
echo "$got" | diag
head -c 300000 /dev/urandom > "$T_DIR/random"
"$MKFR" run "$root" -- cat < "$T_DIR/random" | cmp -s - "$T_DIR/random" ; ok $? "300 kB of random bytes through run -- cat: byte-identical"
[ "$("$MKFR" run "$root" -- hostname)" = $name ] ; ok $? "off a terminal: hostname is the image's ($name)"
[ "$("$MKFR" run --hostname box.lab.example "$root" -- hostname)" = box.lab.example ] ; ok $? "--hostname box.lab.example"
[ "$(hostname)" = "$host_name_before" ] ; ok $? "the host's own name is unchanged ($host_name_before)"
"$MKFR" run "$root" -- tty > "$T_DIR/tty.out" < /dev/null; rc=$?
[ $rc -eq 1 ] && [ "$(cat "$T_DIR/tty.out")" = "not a tty" ] ; ok $? "off a terminal: stdin stays what it was (tty says 'not a tty', exit $rc)"

# --bind: read-write, read-only, GUEST defaulting to HOST's path.
mkdir "$T_DIR/src" && echo 'int main(void) { return 0; }' > "$T_DIR/src/main.c"
"$MKFR" run --bind "$T_DIR/src:/work/src" "$root" -- sh -c 'cat /work/src/main.c && echo built > /work/src/out'
[ $? -eq 0 ] && [ "$(cat "$T_DIR/src/out" 2>/dev/null)" = built ] ; ok $? "--bind HOST:GUEST: visible and writable inside, the write lands in HOST"
"$MKFR" run --bind "$T_DIR/src:/work/src:ro" "$root" -- sh -c 'cat /work/src/main.c >/dev/null && ! touch /work/src/ro-probe' 2>/dev/null
[ $? -eq 0 ] && [ ! -e "$T_DIR/src/ro-probe" ] ; ok $? "--bind HOST:GUEST:ro: readable, not writable"
got=$("$MKFR" run --bind "$T_DIR/src" "$root" -- ls "$T_DIR/src" | tr '\n' ' ')
[ "$got" = "main.c out " ] ; ok $? "--bind HOST: at the same path inside ($got)"
[ -d "$root/work/src" ] && [ -z "$(ls -A "$root/work/src")" ] ; ok $? "the missing mount point was made in the rootfs, empty"
# Symlinks in the image: /evil -> / is refused; /escape -> a path that
# also exists on the host resolves inside the image (a mount that followed
# the link on the host would leave the image's directory as it is, and
# the write below would land there instead of in HOST); a link to
# something missing in the image is refused.
ln -s / "$root/evil"
mkdir "$T_DIR/victim" && mkdir -p "$root$T_DIR/victim"
ln -s "$T_DIR/victim" "$root/escape"
ln -s /no/such/dir "$root/dangling"
"$MKFR" run --bind "$T_DIR/src:/evil" "$root" -- true 2> "$T_DIR/err"; rc=$?
[ $rc -eq 125 ] && [ "$(wc -l < "$T_DIR/err")" -eq 1 ] && grep -q "root directory" "$T_DIR/err" ; ok $? "--bind to /evil -> /: refused, exit 125, one line ($(cat "$T_DIR/err"))"
"$MKFR" run --bind "$T_DIR/src:/escape" "$root" -- sh -c "touch /escape/through-link && test -e $T_DIR/victim/through-link"; rc=$?
[ $rc -eq 0 ] && [ -e "$T_DIR/src/through-link" ] && [ -z "$(ls -A "$T_DIR/victim")" ] && [ -z "$(ls -A "$root$T_DIR/victim")" ]
ok $? "--bind to /escape -> $T_DIR/victim: mounted on the image's $T_DIR/victim, the write lands in HOST, the host's $T_DIR/victim untouched"
"$MKFR" run --bind "$T_DIR/src:/dangling" "$root" -- true 2> "$T_DIR/err"; rc=$?
[ $rc -eq 125 ] && [ "$(wc -l < "$T_DIR/err")" -eq 1 ] && [ ! -e "$root/no/such/dir" ] ; ok $? "--bind to /dangling -> /no/such/dir: refused, exit 125, one line, nothing made ($(cat "$T_DIR/err"))"
nothing_left ; ok $? "after the binds: no mount, no process left"

# --user, --setenv, --chdir; exit statuses.
got=$("$MKFR" run --user dev "$root" -- sh -c 'echo "$(id -u) $(id -g) $(id -G) $HOME $USER $LOGNAME $SHELL $(pwd)"')
[ "$got" = "1000 1000 1000 46 /home/dev dev dev /bin/bash /home/dev" ] ; ok $? "--user dev: ids, groups, HOME USER LOGNAME SHELL, home as cwd ($got)"
[ "$("$MKFR" run --user 1000 "$root" -- id -un)" = dev ] ; ok $? "--user 1000: the same user by uid"
[ "$("$MKFR" run --user nobody "$root" -- id -u)" = 65534 ] ; ok $? "--user nobody: uid 65534"
got=$("$MKFR" run --setenv GREETING=hello --setenv HOME=/srv --chdir /etc "$root" -- sh -c 'echo "$GREETING $HOME $(pwd)"')
[ "$got" = "hello /srv /etc" ] ; ok $? "--setenv (also replacing HOME) and --chdir ($got)"
"$MKFR" run --user dev "$root" -- sh -c 'exit 7'; rc=$?
[ $rc -eq 7 ] ; ok $? "the command's exit status as --user (7, got $rc)"
"$MKFR" run "$root" -- /no/such/program 2>/dev/null; rc=$?
[ $rc -eq 127 ] ; ok $? "a command that does not exist: 127 (got $rc)"
"$MKFR" run "$root" -- /etc 2>/dev/null; rc=$?
[ $rc -eq 126 ] ; ok $? "a command that cannot be executed: 126 (got $rc)"

# Refusals: exit 125, one line, nothing started, nothing left.
refuse() { # DESCRIPTION REGEX RUN-ARGS...
	local desc=$1 want=$2
	shift 2
	"$MKFR" run "$@" > "$T_DIR/out" 2> "$T_DIR/err"; local rc=$?
	[ $rc -eq 125 ] && [ "$(wc -l < "$T_DIR/err")" -eq 1 ] && grep -qE "$want" "$T_DIR/err" &&
		[ ! -s "$T_DIR/out" ] && nothing_left
	ok $? "$desc: exit 125, one line, nothing left (rc $rc: $(head -c 200 "$T_DIR/err"))"
}
refuse "--bind ''" 'not HOST\[:GUEST\[:ro\]\]' --bind '' "$root" -- true
refuse "--bind with a relative GUEST" 'not HOST' --bind "$T_DIR/src:work" "$root" -- true
refuse "--bind with :rw" 'not HOST' --bind "$T_DIR/src:/work/src:rw" "$root" -- true
refuse "--bind with four fields" 'not HOST' --bind "$T_DIR/src:/a:ro:x" "$root" -- true
refuse "--bind of a missing host directory" 'No such file' --bind "$T_DIR/missing:/mnt/missing" "$root" -- true
refuse "--bind of a host file" 'Not a directory' --bind "$T_DIR/random:/mnt/random" "$root" -- true
[ ! -e "$root/mnt/missing" ] && [ ! -e "$root/mnt/random" ] ; ok $? "refused binds made no mount point in the rootfs"
refuse "--user of no such user" "no user nosuchuser" --user nosuchuser "$root" -- true
refuse "--user of a uid the image does not list" "no user with uid 4242" --user 4242 "$root" -- true
refuse "--hostname 'bad_name'" 'not a host name' --hostname bad_name "$root" -- true
refuse "--hostname of 65 characters" 'not a host name' --hostname "$(printf 'a%.0s' $(seq 65))" "$root" -- true
refuse "--setenv without =" 'not KEY=VALUE' --setenv JUSTAKEY "$root" -- true
refuse "--chdir to a missing directory" 'not an absolute path of a directory' --chdir /no/such/dir "$root" -- true

# The host afterwards.
[ -z "$(findmnt -rn -o TARGET | grep -F "$T_DIR")" ] ; ok $? "no mount of ours left"
[ "$(binfmt_snapshot)" = "$binfmt_before" ] ; ok $? "binfmt_misc exactly as before"
left=$(procs_in_root)
[ -z "$left" ] ; ok $? "no process left in the rootfs${left:+: $left}"
! tm has-session 2>/dev/null ; ok $? "no tmux server left on our socket"

done_testing
