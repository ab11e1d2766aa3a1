#!/bin/sh
# Interface e2e: opening the statistics view reads every filtered case
# (seconds on a million); the view says "computing the statistics" on its
# bottom line before it starts, so the screen never sits still without a
# word.  Checked in the bytes the program sent (tmux pipe-pane), since on
# a small database the line is replaced at once.
. "$(dirname "$0")/tui_lib.sh"
tl_init
tl_make_db || { tl_notok fixture_import; exit 1; }
tl_start 132 43 || { tl_notok start; exit 1; }
tl_tui
tl_wait_re '[0-9]+ of [0-9]+ cases' 10 || { tl_notok starts; exit 1; }
T pipe-pane -t "$TL_SESSION" -o "cat >> '$TL_DIR/pty.log'"
sleep 0.3
tl_keys v
tl_wait 'Kaplan-Meier' 5 || tl_notok stats_opens
sleep 0.3
grep -q 'computing the statistics' "$TL_DIR/pty.log" && tl_ok stats_says_computing ||
    tl_notok stats_says_computing
: >"$TL_DIR/pty.log"
tl_keys g
tl_wait 'OS by site' 5 || tl_notok stats_group_site
sleep 0.3
grep -q 'computing the statistics' "$TL_DIR/pty.log" && tl_ok stats_regroup_says_computing ||
    tl_notok stats_regroup_says_computing
tl_keys v
tl_wait_re '[0-9]+ of [0-9]+ cases' 5
tl_quit
tl_done
