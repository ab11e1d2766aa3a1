#!/bin/sh
# tui_idle.sh - the CPU an open, idle interface uses (issue 10: the live
# view must not cost CPU while nobody types).
#
# Opens the interface on DB in a private tmux server (132x43,
# TERM=xterm-256color, LANG=C.UTF-8), lets it settle, then reads the
# process's utime + stime (/proc/PID/stat, clock ticks) before and after
# SECONDS seconds with no key pressed, and prints the CPU time used and
# its share of the wall time.  A second run does the same while another
# process commits a change every second (the live view refreshing).
#
# usage: IMTREVIEW=/abs/imtreview sh tests/bench/tui_idle.sh DB [SECONDS]
# A benchmark, not a test: numbers, no thresholds.
: "${IMTREVIEW:?set IMTREVIEW to the binary}"
DB=${1:-}
SECS=${2:-30}
[ -f "$DB" ] || { echo "tui_idle.sh: usage: tui_idle.sh DB [SECONDS] (DB must exist)" >&2; exit 2; }
command -v tmux >/dev/null 2>&1 || { echo "tui_idle.sh: tmux not found" >&2; exit 2; }
case "$IMTREVIEW" in /*) ;; *) IMTREVIEW=$(pwd)/$IMTREVIEW ;; esac
case "$DB" in /*) ;; *) DB=$(pwd)/$DB ;; esac
SOCK=imtidle-$$
trap 'tmux -L "$SOCK" kill-server >/dev/null 2>&1' EXIT
trap 'exit 130' INT TERM
CLK=$(getconf CLK_TCK)

measure() {   # LABEL [writer]: one measurement
    tmux -L "$SOCK" -f /dev/null new-session -d -s idle -x 132 -y 43 \
        env TERM=xterm-256color LANG=C.UTF-8 "$IMTREVIEW" --db "$DB" || return 1
    tmux -L "$SOCK" set-option -t idle status off >/dev/null
    pid=
    i=0
    while [ -z "$pid" ] && [ "$i" -lt 50 ]; do
        pid=$(tmux -L "$SOCK" list-panes -t idle -F '#{pane_pid}' 2>/dev/null)
        sleep 0.1; i=$((i + 1))
    done
    sleep 3
    [ -r "/proc/$pid/stat" ] || { echo "tui_idle.sh: the interface did not start" >&2; return 1; }
    a=$(sed 's/^.*) //' "/proc/$pid/stat" | awk '{ print $12 + $13 }')
    if [ "$2" = writer ]; then
        id=$("$IMTREVIEW" --db "$DB" list --status unreviewed | sed -n 2p | cut -f1)
        n=0
        while [ "$n" -lt "$SECS" ]; do
            "$IMTREVIEW" --db "$DB" edit "$id" "notes=idle bench $n" >/dev/null 2>&1
            sleep 1; n=$((n + 1))
        done
    else
        sleep "$SECS"
    fi
    b=$(sed 's/^.*) //' "/proc/$pid/stat" | awk '{ print $12 + $13 }')
    awk -v t=$((b - a)) -v c="$CLK" -v s="$SECS" -v l="$1" \
        'BEGIN { printf "  %-44s %.2f s CPU in %d s (%.3f%%)\n", l, t / c, s, 100 * t / c / s }'
    tmux -L "$SOCK" kill-server >/dev/null 2>&1
    sleep 0.5
}
measure "idle, no key pressed"
measure "another process committing once a second" writer
