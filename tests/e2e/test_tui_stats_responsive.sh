#!/bin/sh
# Interface e2e (issue 12): the statistics view reads the cases in slices
# and never blocks the keys.  On a generated database of 200,000 cases
# (the reading takes a while there), checked in the bytes the program
# sent (tmux pipe-pane), not in timings:
#  - a key sent together with `v` (here `g`: group by site) is answered by
#    a frame while the reading goes on: the title says "OS by site" and
#    "(so far)" with the progress line, before the final numbers (the
#    bytes replayed through a terminal emulator, python3-pyte);
#  - the final numbers follow (the title without "(so far)", n equal to
#    the cases) and agree with `imtreview stats`;
#  - Esc sent together with `g` gives up the reading: the list comes back
#    and the numbers of the grouping it gave up on are never drawn.
. "$(dirname "$0")/tui_lib.sh"
tl_init
: "${GEN_CASES:=$(dirname "$IMTREVIEW")/gen_cases}"
N=200000
"$GEN_CASES" $N 7 >"$TL_DIR/gen.csv" || { tl_notok fixture_generate; exit 1; }
"$IMTREVIEW" --db "$TL_DB" import "$TL_DIR/gen.csv" >/dev/null 2>&1 ||
    { tl_notok fixture_import; exit 1; }
rm -f "$TL_DIR/gen.csv"
"$IMTREVIEW" --db "$TL_DB" stats --json --by site >"$TL_DIR/site.json" ||
    { tl_notok stats_cli; exit 1; }
used=$(grep -o '"n_used": [0-9]*' "$TL_DIR/site.json" | head -n 1 | sed 's/.*: //')
events=$(grep -o '"events": [0-9]*' "$TL_DIR/site.json" | head -n 1 | sed 's/.*: //')

tl_start 132 43 || { tl_notok start; exit 1; }
# everything the pane shows from the start, so that a replay of it through
# a terminal emulator places every byte where the terminal did
log=$TL_DIR/pty.log
T pipe-pane -t "$TL_SESSION" -o "cat >> '$log'"
tl_tui
tl_wait_re '[0-9]+ of [0-9]+ cases' 30 || { tl_notok starts; exit 1; }
sleep 0.5
# v and g in one write: g arrives while the first slices are read
tl_keys v g
final="Kaplan-Meier OS by site  n=$N used=$used events=$events"
if tl_wait "$final" 60; then tl_ok final_numbers; else tl_notok final_numbers "$(tl_screen | head -n 1)"; fi
sleep 0.3
# Replay what was sent through a terminal emulator (pyte) and follow the
# title line: a frame of the site grouping "(so far)", with the progress
# line, must come before its final numbers.
PY=
for p in python3 /usr/bin/python3; do
    "$p" -c 'import pyte' 2>/dev/null && { PY=$p; break; }
done
if [ -z "$PY" ]; then
    tl_notok replay "python3-pyte is not installed (Makefile DEB_PKGS)"
else
    "$PY" - "$log" "$final" >"$TL_DIR/replay" <<'PYEOF'
import sys, pyte
data = open(sys.argv[1], "rb").read()
final = sys.argv[2]
screen = pyte.Screen(132, 43)
stream = pyte.ByteStream(screen)
sofar = done = progress = False
for i in range(0, len(data), 32):
    stream.feed(data[i:i + 32])
    top, bottom = screen.display[0], screen.display[42]
    if "OS by site" in top and "(so far)" in top and not done:
        sofar = True
    if sofar and not done and "computing the statistics" in bottom:
        progress = True
    if final in top:
        done = True
print("sofar" if sofar else "no-sofar", "progress" if progress else "no-progress",
      "final" if done else "no-final")
PYEOF
    grep -q '^sofar' "$TL_DIR/replay" && tl_ok key_answered_while_reading ||
        tl_notok key_answered_while_reading "$(cat "$TL_DIR/replay")"
    grep -q ' progress ' "$TL_DIR/replay" && tl_ok progress_with_numbers_so_far ||
        tl_notok progress_with_numbers_so_far "$(cat "$TL_DIR/replay")"
    grep -q ' final$' "$TL_DIR/replay" && tl_ok final_after_so_far ||
        tl_notok final_after_so_far "$(cat "$TL_DIR/replay")"
fi
# Esc while the next grouping (sex) is read: back to the list, and the
# sex grouping's numbers never drawn
from=$(wc -c <"$log" | tr -d ' ')
tl_keys g Escape
tl_wait_gone 'Kaplan-Meier' 10 && tl_wait_re '[0-9]+ of [0-9]+ cases' 10 &&
    tl_ok esc_back_to_list || tl_notok esc_back_to_list "$(tl_screen | tail -n 2)"
sleep 0.5
if [ -n "$PY" ] && "$PY" - "$log" "OS by sex  n=$N used=" "$from" <<'PYEOF'
import sys, pyte
data = open(sys.argv[1], "rb").read()
start = int(sys.argv[3])
screen = pyte.Screen(132, 43)
stream = pyte.ByteStream(screen)
stream.feed(data[:start])
for i in range(start, len(data), 32):
    stream.feed(data[i:i + 32])
    if sys.argv[2] in screen.display[0]:
        sys.exit(0)
sys.exit(1)
PYEOF
then
    tl_notok esc_cancels_reading
else
    tl_ok esc_cancels_reading
fi
# the view opens again and finishes
tl_keys v
tl_wait "Kaplan-Meier OS by alk_status  n=$N " 60 && tl_ok reopens || tl_notok reopens
tl_keys v
tl_quit >/dev/null
tl_done
