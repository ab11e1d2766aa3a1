#!/bin/sh
# tui_latency.sh - how long the interface takes to show the result of a key.
#
# Runs the binary in a private tmux server (`tmux -L NAME -f /dev/null`) at
# COLSxROWS with TERM=xterm-256color and LANG=C.UTF-8, sends one key (or a
# few) with `tmux send-keys` and polls the screen with `tmux capture-pane`
# every POLL seconds until it shows the expected change.  The time printed
# is from just before send-keys to the start of the first capture that
# showed the change: an upper bound, a few ms above the program's own time
# (the polling interval plus the cost of one capture).  Keys are sent only
# once the previous change is on screen and the screen has settled.
#
# usage: IMTREVIEW=/abs/imtreview sh tests/bench/tui_latency.sh DB [COLS] [ROWS]
#   DB       an existing database (`make bench` passes its million cases)
#   COLSxROWS defaults to 132x43
#   LAT_TIMEOUT  seconds to wait for one change (default 60); an action that
#                does not show its change in time is reported as "timeout"
#   LAT_POLL     polling interval in seconds (default 0.01)
#
# A benchmark, not a test: it prints numbers and has no thresholds.  It
# exits non-zero only when it cannot run at all (no tmux, no database, the
# program does not start) or the program ended before the last action.  The tmux server is killed on every exit.
: "${IMTREVIEW:?set IMTREVIEW to the binary}"
DB=${1:-}
COLS=${2:-132}
ROWS=${3:-43}
TIMEOUT=${LAT_TIMEOUT:-60}
POLL=${LAT_POLL:-0.01}
if [ -z "$DB" ] || ! [ -f "$DB" ]; then
    echo "tui_latency.sh: usage: tui_latency.sh DB [COLS] [ROWS] (DB must exist)" >&2; exit 2
fi
command -v tmux >/dev/null 2>&1 || { echo "tui_latency.sh: tmux not found" >&2; exit 2; }
case "$TIMEOUT" in ''|*[!0-9]*) echo "tui_latency.sh: LAT_TIMEOUT must be whole seconds" >&2; exit 2 ;; esac
case "$IMTREVIEW" in /*) ;; *) IMTREVIEW=$(pwd)/$IMTREVIEW ;; esac
case "$DB" in /*) ;; *) DB=$(pwd)/$DB ;; esac

dir=$(mktemp -d "${TMPDIR:-/tmp}/imtlat.XXXXXX") || exit 1
SOCK=imtlat-$$
SESSION=lat
PID=
T() { tmux -L "$SOCK" -f /dev/null "$@"; }

# True while process $1 has not ended.  A zombie counts as ended: PID 1
# does not reap orphans on every machine, and `kill -0` calls a zombie alive.
alive() {
    [ -n "$1" ] && [ -r "/proc/$1/stat" ] || return 1
    _st=$(sed 's/^.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
    [ -n "$_st" ] && [ "$_st" != Z ] && [ "$_st" != X ]
}
cleanup() {
    T kill-server >/dev/null 2>&1
    # kill-server hangs the pane up (SIGHUP); make sure the program went.
    if alive "$PID"; then
        _i=0
        while alive "$PID" && [ $_i -lt 20 ]; do sleep 0.1; _i=$((_i + 1)); done
        alive "$PID" && kill -TERM "$PID" 2>/dev/null
    fi
    rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$SOCK"
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

now_ms() { _ns=$(date +%s%N); echo $((_ns / 1000000)); }
screen() { T capture-pane -p -t "$SESSION" 2>/dev/null; }

# ---- what the screen shows (all read $scr) ---------------------------------
st_line() { printf '%s\n' "$scr" | grep -E '[0-9]+ of [0-9]+ cases' | head -n 1; }
st_count() { st_line | sed -nE 's/.* ([0-9]+) of [0-9]+ cases.*/\1/p'; }
st_total() { st_line | sed -nE 's/.* [0-9]+ of ([0-9]+) cases.*/\1/p'; }
list_row() { printf '%s\n' "$scr" | sed -nE 's/.*row ([0-9]+) of [0-9]+.*/\1/p' | head -n 1; }
detail_id() {
    printf '%s\n' "$scr" | grep -oE 'Case +[A-Za-z0-9._-]*-[0-9]+' | head -n 1 | awk '{print $2}'
}
busy() {      # the status line says the program is still counting or sorting
    case $scr in *'counting the matching'*|*'sorting…'*|*'sorting...'*) return 0 ;; esac
    return 1
}
has() { case $scr in *"$1"*) return 0 ;; esac; return 1; }

# ---- conditions: true when $scr shows the expected change -----------------
c_started() { [ -n "$(st_line)" ]; }
c_detail_moved() { ! busy && _d=$(detail_id) && [ -n "$_d" ] && [ "$_d" != "$B_ID" ]; }
c_row_is() { ! busy && [ "$(list_row)" = "$1" ] && _d=$(detail_id) && [ -n "$_d" ] && [ "$_d" != "$B_ID" ]; }
c_row_moved() { ! busy && _r=$(list_row) && [ -n "$_r" ] && [ "$_r" != "$B_ROW" ] &&
                _d=$(detail_id) && [ -n "$_d" ] && [ "$_d" != "$B_ID" ]; }
c_sort() { ! busy && has "sort=$1"; }
c_filter() {  # TEXT: the status line names it and the count changed
    ! busy && st_line | grep -qF -- "$1" && _c=$(st_count) && [ -n "$_c" ] && [ "$_c" != "$B_COUNT" ]
}
c_count_is() { ! busy && st_line | grep -qF -- "$1" && [ "$(st_count)" = "$2" ]; }
c_has() { has "$1"; }
c_cleared() { c_count_is "no filter" "$TOTAL"; }
c_stats_open() { has "At risk"; }
c_stats_closed() { ! has "At risk" && [ -n "$(st_line)" ]; }

# ---- measuring ---------------------------------------------------------------
rows=$dir/rows; : >"$rows"
record() { printf '%s\t%s\n' "$1" "$2" >>"$rows"; }

# Poll until COND... holds, from T0; prints the milliseconds, or fails on
# timeout (or when the program ended).
wait_for() {
    _limit=$((T0 + TIMEOUT * 1000))
    while :; do
        _t=$(now_ms)
        scr=$(screen)
        if "$@"; then echo $((_t - T0)); return 0; fi
        [ "$_t" -gt "$_limit" ] && return 1
        [ -n "$PID" ] && ! alive "$PID" && return 1
        sleep "$POLL"
    done
}
# Until two captures POLL*5 apart are the same: the previous key's drawing
# (recommendations, markers) is finished before the next key is sent.
settle() {
    _prev=
    _n=0
    while [ $_n -lt 100 ]; do
        scr=$(screen)
        [ "$scr" = "$_prev" ] && return 0
        _prev=$scr
        sleep 0.05
        _n=$((_n + 1))
    done
}
# The state before a key, for the conditions that compare with it.
before() {
    settle
    B_ID=$(detail_id); B_ROW=$(list_row); B_COUNT=$(st_count)
}
# act LABEL 'COND ARGS' KEY...: send the keys, time until COND holds.
act() {
    _label=$1 _cond=$2; shift 2
    if [ -n "$PID" ] && ! alive "$PID"; then record "$_label" "exited"; return 1; fi
    before
    T0=$(now_ms)
    T send-keys -t "$SESSION" "$@" 2>/dev/null
    # shellcheck disable=SC2086
    if _ms=$(wait_for $_cond); then
        record "$_label" "$_ms"
    else
        if alive "$PID"; then record "$_label" "timeout"; else record "$_label" "exited"; fi
        return 1
    fi
}
# search LABEL TERM 'COND ARGS': open the search field with /, type TERM, time
# from Enter until COND holds.
search() {
    _label=$1 _term=$2 _cond=$3
    if ! alive "$PID"; then record "$_label" "exited"; return 1; fi
    before
    T send-keys -t "$SESSION" / 2>/dev/null
    T0=$(now_ms)
    if ! wait_for c_has "Search case id" >/dev/null; then record "$_label" "timeout (no search field)"; return 1; fi
    T send-keys -t "$SESSION" C-u 2>/dev/null
    T send-keys -t "$SESSION" -l "$_term" 2>/dev/null
    settle
    T0=$(now_ms)
    T send-keys -t "$SESSION" Enter 2>/dev/null
    # shellcheck disable=SC2086
    if _ms=$(wait_for $_cond); then record "$_label" "$_ms"
    else
        if alive "$PID"; then record "$_label" "timeout"; else record "$_label" "exited"; fi
        return 1
    fi
}

# ---- run -------------------------------------------------------------------
T new-session -d -s "$SESSION" -x "$COLS" -y "$ROWS" \
    env -i HOME="$dir" PATH="$PATH" LANG=C.UTF-8 TERM=xterm-256color \
    XDG_CONFIG_HOME="$dir/config" XDG_DATA_HOME="$dir/data" PS1='lat$ ' sh \
    || { echo "tui_latency.sh: cannot start tmux" >&2; exit 1; }
T set-option -t "$SESSION" status off >/dev/null
T set-option -s escape-time 0 >/dev/null 2>&1
T0=$(now_ms)
wait_for c_has 'lat$' >/dev/null || { echo "tui_latency.sh: no shell prompt in tmux" >&2; exit 1; }

# exec: the pane's process becomes the program, so #{pane_pid} is its pid.
settle
T0=$(now_ms)
T send-keys -t "$SESSION" -l "exec '$IMTREVIEW' --db '$DB'" 2>/dev/null
T send-keys -t "$SESSION" Enter 2>/dev/null
if ms=$(wait_for c_started); then
    record "startup (first screen)" "$ms"
else
    echo "tui_latency.sh: the program did not start within ${TIMEOUT}s:" >&2
    screen | head -n 5 >&2
    exit 1
fi
PID=$(T display-message -p -t "$SESSION" '#{pane_pid}')
settle
TOTAL=$(st_total)

act "j (cursor down)"          c_detail_moved  j
act "PgDn"                     c_row_moved     NPage
act "G (end)"                  "c_row_is $TOTAL" G
act "g (home)"                 "c_row_is 1"    g
act "> (sort by age)"          "c_sort age"    '>'
act "< (sort back to case id)" "c_sort case_id" '<'
act "s (site=lung)"            "c_filter site=lung" s
act "a (+ alk=positive)"       "c_filter alk=positive" a
act "o (+ outcome=NED)"        "c_filter outcome=NED" o
act "c (clear filters)"        c_cleared c
search "/ search \"lobe\" (matches)" lobe "c_filter search=\"lobe\""
act "c (clear search)"         c_cleared c
search "/ search (matches none)" zqxjvnomatch "c_count_is search=\"zqxjvnomatch\" 0"
act "c (clear search)"         c_cleared c
act "v (statistics view open)" c_stats_open v
act "v (statistics view close)" c_stats_closed v

# Peak resident memory of the program over the whole run.
hwm=$(sed -nE 's/^VmHWM:[[:space:]]*([0-9]+) kB/\1/p' "/proc/$PID/status" 2>/dev/null)
rss=$(sed -nE 's/^VmRSS:[[:space:]]*([0-9]+) kB/\1/p' "/proc/$PID/status" 2>/dev/null)
ended_early=0
alive "$PID" || ended_early=1
T send-keys -t "$SESSION" q 2>/dev/null
_i=0
while alive "$PID" && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done

# ---- report -----------------------------------------------------------------
echo "# $TOTAL cases in $(basename "$DB"), ${COLS}x${ROWS}, TERM=xterm-256color, LANG=C.UTF-8; polled every ${POLL}s"
printf '%-36s %9s\n' "action" "ms"
printf '%-36s %9s\n' "------------------------------------" "---------"
while IFS="$(printf '\t')" read -r label ms; do
    printf '%-36s %9s\n' "$label" "$ms"
done <"$rows"
mb() { awk -v k="$1" 'BEGIN { if (k == "") print "n/a"; else printf "%.1f MB", k / 1024 }'; }
echo "peak RSS (VmHWM): $(mb "$hwm"); VmRSS at the end: $(mb "$rss")"
if [ "$ended_early" = 1 ]; then
    echo "tui_latency.sh: the program ended before the last action" >&2
    exit 1
fi
