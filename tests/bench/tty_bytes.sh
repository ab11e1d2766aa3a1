#!/bin/sh
# tty_bytes.sh - bytes the interface writes to the terminal per keystroke.
#
# Runs the binary in a private tmux server at COLSxROWS, records everything
# the program writes to its pane with `pipe-pane -o 'cat >> FILE'`, waits
# until the output has been quiet for QUIET seconds, sends one key and
# measures the growth of FILE once it is quiet again.
#
# usage: IMTREVIEW=/abs/imtreview sh tests/bench/tty_bytes.sh [DB] [COLS] [ROWS]
#   DB defaults to the sample data (sample-data/cases.csv, 320 cases)
#   imported with `imtreview import` into a new database: the real store,
#   as `make run` opens it.  COLSxROWS defaults to 132x43.
# Prints one line per measured key: "KEY BYTES".  The bytes are what the
# program wrote to its pty (tmux pipe-pane -o), escape sequences included.
: "${IMTREVIEW:?set IMTREVIEW to the binary}"
. "$(dirname "$0")/../e2e/tui_lib.sh"
tl_init
DB=${1:-}
COLS=${2:-132}
ROWS=${3:-43}
QUIET=${QUIET:-0.5}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
if [ -z "$DB" ]; then
    "$IMTREVIEW" --db "$TL_DB" import "$SRC/sample-data/cases.csv" >/dev/null ||
        { echo "tty_bytes.sh: cannot import the sample data" >&2; exit 1; }
else
    TL_DB=$DB
fi
echo "# $("$IMTREVIEW" --db "$TL_DB" list | tail -n +2 | grep -c .) cases in $(basename "$TL_DB"), ${COLS}x${ROWS}, TERM=xterm-256color, LANG=C.UTF-8"
raw=$TL_DIR/raw
: >"$raw"
tl_start "$COLS" "$ROWS" || exit 1
T pipe-pane -o -t "$TL_SESSION" "cat >> '$raw'"
tl_tui
tl_wait_re '[0-9]+ of [0-9]+ cases' 10 || { echo "did not start" >&2; exit 1; }

size() { wc -c <"$raw" | tr -d ' '; }
settle() {   # until the file size has not changed for QUIET seconds
    prev=-1
    while :; do
        cur=$(size)
        [ "$cur" = "$prev" ] && return 0
        prev=$cur
        sleep "$QUIET"
    done
}
measure() {  # label key...
    label=$1; shift
    settle
    before=$(size)
    tl_keys "$@"
    settle
    echo "$label $(( $(size) - before ))"
}
settle
echo "startup $(size)"
measure idle        # no key: what the program writes while idle
measure cursor_down j
measure cursor_down_again j
measure cursor_up k
measure filter_site s
measure filter_alk a
measure filter_clear c
measure filter_outcome o
measure filter_clear_again c
measure page_down NPage
measure cursor_down_after_page j
tl_quit >/dev/null
