#!/bin/bash
# SPDX-License-Identifier: MIT
# The bash completion (completion/mkforeignroot), driven the way bash
# drives it: COMP_WORDS split as bash splits them (with '=' a word of its
# own), the function `complete -p` names, COMPREPLY read back.  Against
# the built program, so user profiles, keys and arches come from it; the
# commands and stages it offers are checked against the source's tables.
# Non-interactive bash, no bash-completion package needed.
set -u
src=${MKFR_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
MKFR=${MKFR:-$src/mkforeignroot}
[ -x "$MKFR" ] || { echo "Bail out! no program at $MKFR (build first)"; exit 1; }
T_DIR=$(mktemp -d /tmp/mkfr-completion.XXXXXX)
trap 'rm -rf "$T_DIR"' EXIT
n=0
failed=0
ok() { # ok STATUS DESCRIPTION
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
	fi
}

# shellcheck source=completion/mkforeignroot
. "$src/completion/mkforeignroot"
complete -p mkforeignroot 2>/dev/null | grep -q -- '-F _mkforeignroot mkforeignroot$'
ok $? "complete -p: mkforeignroot is completed by _mkforeignroot"

# A user profile on the search path, to be offered next to the shipped ones.
mkdir -p "$T_DIR/xdg/mkforeignroot/profiles" "$T_DIR/work/rootfs-a" "$T_DIR/work/rootfs-b"
printf 'description = mine\ninherit = armel-bookworm\n' > "$T_DIR/xdg/mkforeignroot/profiles/my-board.profile"
printf 'suite = bookworm\nnosuchkey = 1\n' > "$T_DIR/xdg/mkforeignroot/profiles/my-broken.profile"
export XDG_CONFIG_HOME=$T_DIR/xdg

# complete WORD...: the words of a command line whose last word is being
# completed; prints the replies one a line, sorted.
complete_line() {
	COMP_WORDS=("$MKFR" "$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE="${COMP_WORDS[*]}"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_mkforeignroot
	printf '%s\n' "${COMPREPLY[@]}" | sort
}
has() { grep -qxF -e "$1"; }
words() { tr ' ' '\n' | grep -v '^$' | sort; }

commands=$(sed -n 's/^	{ "\([a-z-]*\)", cmd_[a-z_]* },$/\1/p' "$src/builder/cli/main.c" | words)
[ -n "$commands" ] && [ "$(complete_line '')" = "$commands" ]
ok $? "the first word: exactly the commands of main.c's table"
[ "$(complete_line pro)" = profiles ] ; ok $? "'pro' completes to profiles"

opts=$(sed -n 's/^		{ "\([a-z-]*\)", [a-z_]*_argument, NULL, .* },$/--\1/p' "$src/builder/cli/cmd_build.c" | words)
got=$(complete_line --profile armel-bookworm --)
missing=$(comm -23 <(echo "$opts") <(echo "$got"))
[ -n "$opts" ] && [ -z "$missing" ] ; ok $? "a build offers every long option of cmd_build.c (missing: ${missing:-none})"
[ "$(complete_line --stop)" = --stop-after ] ; ok $? "an option as the first word: --stop completes to --stop-after"

got=$(complete_line --profile '')
echo "$got" | has my-board && echo "$got" | has armel-bookworm && echo "$got" | has bookworm
ok $? "--profile offers the shipped profiles and the user's"
! echo "$got" | has my-broken ; ok $? "but not a profile that cannot be used"
[ "$(complete_line -p arm64)" = arm64-bookworm ] ; ok $? "-p arm64 completes to arm64-bookworm"

keys=$("$MKFR" keys | awk '{ print $1 "=" }' | sort)
[ "$(complete_line --profile armel-bookworm --set '')" = "$keys" ] ; ok $? "--set offers every key, KEY="
[ "$(complete_line -s qe)" = "qemu=" ] ; ok $? "-s qe completes to qemu="
[ "$(complete_line --set qemu =)" = "$(printf 'dynamic\nfix-binary\nstatic')" ] ; ok $? "--set qemu=: its allowed values"
[ "$(complete_line --set variant = m)" = minbase ] ; ok $? "--set variant=m: minbase"
# Where '=' is not a word break, the word is KEY=VALUE and so are the replies.
[ "$(complete_line --set base_cache=y)" = "base_cache=yes" ] ; ok $? "--set base_cache=y as one word: base_cache=yes"
[ "$(complete_line --format tar.)" = "$(printf 'tar.gz\ntar.xz\ntar.zst')" ] ; ok $? "--format tar.: the compressed tarballs"
[ "$(complete_line --binfmt p)" = private ] ; ok $? "--binfmt p: private"
[ "$(complete_line --progress j)" = json ] ; ok $? "--progress j: json"
[ "$(complete_line --customize-hook copy)" = "$(printf 'copy-in\ncopy-out')" ] &&
	[ "$(complete_line --setup-hook e)" = enable-unit ] ; ok $? "--PHASE-hook: the built-in helpers"
[ "$(cd "$T_DIR/work" && complete_line --hook-dir rootfs-)" = "$(printf 'rootfs-a\nrootfs-b')" ] ; ok $? "--hook-dir: directories"

stages=$(sed -n 's/^	&stage_\([a-z_]*\),$/\1/p' "$src/builder/pipeline/pipeline.c" | words)
[ -n "$stages" ] && [ "$(complete_line --profile armel-bookworm --stop-after '')" = "$stages" ]
ok $? "--stop-after: exactly the stages of pipeline.c's table"

archs_with_emulator=$("$MKFR" arches | awk '!/^#/ && $3 != "-" { print $1 }' | sort)
[ "$(complete_line binfmt register '')" = "$archs_with_emulator" ] ; ok $? "binfmt register: the architectures that have an emulator"
[ "$(complete_line binfmt register arm)" = "$(printf 'arm64\narmel\narmhf')" ] ; ok $? "binfmt register arm: arm64 armel armhf"
[ "$(complete_line binfmt '')" = "$(printf -- '--help\nregister\nstatus\nunregister')" ] ; ok $? "binfmt: its actions"
complete_line binfmt status -- | has --json ; ok $? "binfmt status --: --json"
[ "$(complete_line cache l)" = list ] && complete_line cache list -- | has --json ; ok $? "cache: list, and list's --json"
[ "$(complete_line profiles --)" = "$(printf -- '--help\n--json')" ] ; ok $? "profiles: --json (it takes nothing else)"
[ "$(complete_line run --profile x --ar)" = --arch ] && complete_line run --arch arm | has armhf ; ok $? "run: --arch and the arch names"

# OUT and ROOTFS: files and directories, from the current directory.
[ "$(cd "$T_DIR/work" && complete_line --profile armel-bookworm rootfs-)" = "$(printf 'rootfs-a\nrootfs-b')" ] ; ok $? "OUT completes to file names"

echo "1..$n"
[ "$failed" -eq 0 ]
