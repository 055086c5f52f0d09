#!/bin/bash
# SPDX-License-Identifier: MIT
# --progress=json for real: a cold first stage (so the fetch downloads and
# debootstrap extracts) with the JSON lines on a descriptor of their own,
# read back by the example consumer scripts/progress-json --check and by
# the assertions below: every stage starts and ends in pipeline order, the
# fetch counts files and bytes up to its totals, debootstrap's packages
# are named and counted, the clock only goes forward.  Then the same on
# stderr, among the human messages, and the refusals (exit 2).
. "$(dirname "$0")/lib.sh"
need_root
need_network
consumer=${MKFR_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/scripts/progress-json

# An empty cache of the test's own (lib.sh): the fetch really downloads.
"$MKFR" --profile armel-bookworm --no-base-cache --stop-after foreign --progress=json --progress-fd 3 \
	"$T_DIR/o" 3> "$T_DIR/progress.jsonl" > "$T_DIR/build.out" 2>&1; rc=$?
ok $rc "a first stage with --progress=json --progress-fd 3 (exit $rc)"
[ $rc -eq 0 ] || tail -n 5 "$T_DIR/build.out" | diag
"$consumer" --check < "$T_DIR/progress.jsonl" > "$T_DIR/check.out" 2>&1 ; ok $? "scripts/progress-json --check: every line is a whole event"
diag < "$T_DIR/check.out"
! grep -q '^{' "$T_DIR/build.out" ; ok $? "with --progress-fd, nothing of it on stderr"
[ ! -e "$T_DIR/o" ] ; ok $? "--stop-after kept nothing"

python3 - "$T_DIR/progress.jsonl" > "$T_DIR/asserts.out" 2>&1 <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
fails = []
def want(cond, what):
    print(("ok: " if cond else "FAILED: ") + what)
    if not cond:
        fails.append(what)
starts = [e["stage"] for e in ev if e["event"] == "start"]
dones = [e["stage"] for e in ev if e["event"] == "done"]
want(starts == dones, f"each stage that started is done, in order: {starts}")
want(starts[:2] == ["plan", "resolve"] and starts[-1] == "foreign" and "fetch" in starts, "plan, resolve ... fetch ... foreign")
want(all(a["elapsed"] <= b["elapsed"] for a, b in zip(ev, ev[1:])), "elapsed never goes back")
fetch = [e for e in ev if e["stage"] == "fetch" and e["event"] == "progress"]
want(len(fetch) >= 1, f"the fetch reports progress ({len(fetch)} lines)")
if fetch:
    last = fetch[-1]
    want(last["done"] == last["total"] > 50 and last["bytes"] == last["bytes_total"] > 10**7,
         f"its last line: all files and bytes ({last})")
    want(all(e["done"] <= e["total"] and e["bytes"] <= e["bytes_total"] for e in fetch), "done <= total, bytes <= bytes_total")
pk = [e for e in ev if e["stage"] == "foreign" and e["event"] in ("retrieving", "extracting", "unpacking")]
want(len(pk) > 50 and all(e["package"] for e in pk), f"debootstrap --foreign: {len(pk)} package events, each named")
ext = [e["done"] for e in pk if e["event"] == "extracting"]
want(ext == list(range(1, len(ext) + 1)) and len(ext) > 0, "extracting counts 1, 2, 3 ...")
want(any(e["package"] == "libc6" for e in pk), "libc6 among them")
sys.exit(1 if fails else 0)
PY
ok $? "the events say what happened (stages, fetch totals, packages)"
diag < "$T_DIR/asserts.out"

# On stderr (the default), among the human lines: the consumer passes
# those through and still finds whole events.
"$MKFR" --dry-run --profile armel-bookworm --progress=json "$T_DIR/o" 2> "$T_DIR/dry.err" > /dev/null; rc=$?
[ $rc -eq 0 ] && grep -q '^{"stage":"plan","event":"start",' "$T_DIR/dry.err" && "$consumer" --check < "$T_DIR/dry.err" > /dev/null 2>&1
ok $? "--progress=json on stderr: its lines parse among the others (exit $rc)"

for args in "--progress=xml" "--progress-fd 3" "--progress=json --progress-fd 9" "--progress=json --progress-fd 0"; do
	# shellcheck disable=SC2086 # the words of one case
	out=$("$MKFR" --dry-run --profile armel-bookworm $args "$T_DIR/o" 2>&1 </dev/null); rc=$?
	[ $rc -eq 2 ] && [ "$(echo "$out" | wc -l)" -eq 1 ] && echo "$out" | grep -q -e '--progress' ; ok $? "$args is refused in one line (exit $rc)"
done
done_testing
