# tui_lib.sh - shared helpers for the interface's tmux end-to-end tests.
# Source it from a test (POSIX sh).  Every test gets a private tmux server
# (own socket in its temp dir, no user config), killed on any exit.
#
#   tl_init                      temp dir $TL_DIR, socket, trap
#   tl_make_db                   60 plain cases + HOSTILE-1 into $TL_DB
#   tl_start COLS ROWS [VAR=val ...]
#                                a detached session running an interactive
#                                sh (prompt "imt$ ") with only the given
#                                environment (+HOME, PATH, LANG=C.UTF-8,
#                                TERM=xterm-256color unless overridden;
#                                a fresh XDG_STATE_HOME each time, so no
#                                session starts at the place an earlier
#                                one left: pass XDG_STATE_HOME=... to share)
#   tl_run 'command line'        type a command line into that shell
#   tl_tui [args]                start $IMTREVIEW --db $TL_DB [args] there
#   tl_keys KEY...               tmux send-keys (tmux key names: Down, Escape)
#   tl_screen                    the visible screen as text
#   tl_wait TEXT [SECONDS]       poll the screen until it holds TEXT (fixed
#                                string); returns 1 on timeout (default 5 s)
#   tl_wait_gone TEXT [SECONDS]  until TEXT is no longer on screen
#   tl_wait_re REGEX [SECONDS]   extended regex
#   tl_resize COLS ROWS
#   tl_status                    the line holding "N of M cases"
#   tl_count                     N from "N of M cases" (empty if none)
#   tl_detail_id                 case id shown in the detail pane ("Case  ID",
#                                or "Case" with the id on the line under it)
#   tl_alive PID                 process running (a zombie counts as ended)
#   tl_wait_exit PID [SECONDS]   until PID has ended; 1 on timeout (10 s)
#   tl_ok NAME / tl_notok NAME [why] / tl_check NAME cmd...
#   tl_done                      exit status: 1 if any check failed
#   tl_db NAME                   the locator of a new, empty database for
#                                this test ($TL_DB is tl_db cases): a file,
#                                or a PostgreSQL database (engine_lib.sh)
: "${IMTREVIEW:?IMTREVIEW must be the absolute path of the binary}"
. "$(dirname "$0")/engine_lib.sh"

TL_FAILS=0
TL_SESSION=imt

tl_cleanup() {
    if [ -n "${TL_DIR:-}" ]; then
        for _s in "$TL_DIR"/tmux.*.sock; do
            [ -S "$_s" ] && tmux -S "$_s" kill-server >/dev/null 2>&1
        done
    fi
    if [ -n "${TL_DIR:-}" ] && [ -z "${TL_KEEP:-}" ]; then
        eng_cleanup "$TL_DIR"
        rm -rf "$TL_DIR"
    fi
}

tl_init() {
    TL_DIR=$(mktemp -d "${TMPDIR:-/tmp}/imt-tui.XXXXXX") || exit 1
    TL_NSOCK=0
    TL_SOCK=$TL_DIR/tmux.0.sock
    TL_DB=$(tl_db cases)
    trap tl_cleanup EXIT
    printf '%s\n' 'stty -a | tr " ;" "\n\n" | grep -xE "echo|icanon|-echo|-icanon" | sort | tr "\n" " "; echo STTY-END' >"$TL_DIR/stty.sh"
    trap 'exit 130' INT TERM HUP
}

tl_db() { eng_db "$TL_DIR" "$1"; }

T() { tmux -S "$TL_SOCK" -f /dev/null "$@"; }

tl_ok()    { echo "ok $1"; }
tl_notok() { echo "not ok $1${2:+ # $2}"; TL_FAILS=$((TL_FAILS + 1)); }
tl_no() { ! "$@"; }
tl_check() {
    _n=$1; shift
    if "$@"; then tl_ok "$_n"; else tl_notok "$_n"; fi
}
tl_done() { [ "$TL_FAILS" -eq 0 ]; }

# The fixture: ids IMT-001..IMT-060 cycle through every site, ALK IHC
# (positive/negative/unknown) and outcome, so each filter value has cases.
tl_make_db() {
    _csv=$TL_DIR/cases.csv
    {
        echo "case_id,age_years,sex,site,alk_ihc,outcome,followup_months,notes"
        _i=1
        while [ "$_i" -le 60 ]; do
            set -- lung head_neck abdomen_pelvis retroperitoneum genitourinary \
                   trunk_limbs thorax_other cns other
            shift $((_i % 9)); _site=$1
            set -- positive negative ""; shift $((_i % 3)); _alk=${1:-}
            set -- NED AWD DOD DOC LOST; shift $((_i % 5)); _out=$1
            printf 'IMT-%03d,%d,%s,%s,%s,%s,%d,plain note %d\n' "$_i" \
                $((_i % 70 + 1)) "$( [ $((_i % 2)) -eq 0 ] && echo F || echo M)" \
                "$_site" "$_alk" "$_out" $((_i * 3)) "$_i"
            _i=$((_i + 1))
        done
        # The hostile note: OSC 52 clipboard, OSC 0 title, CSI 2J, a C0/DEL
        # mix, a C1 CSI (U+009B) and CJK text (invalid UTF-8 is refused by import,
        # so it is covered by the unit tests).
        printf 'HOSTILE-1,40,F,lung,positive,NED,12,"OSC52:\033]52;c;cHduZWQ=\007 TITLE:\033]0;PWNED\007 CLS:\033[2J CTL:\001\002\010\177 C1:\302\2332J CJK:\344\270\255\346\226\207\347\227\205\344\276\213 END"\n'
    } >"$_csv"
    "$IMTREVIEW" --db "$TL_DB" import "$_csv" >/dev/null 2>"$TL_DIR/import.err" || {
        echo "# import failed: $(cat "$TL_DIR/import.err")"
        return 1
    }
}

tl_start() {
    _cols=$1 _rows=$2; shift 2
    # A fresh server on a fresh socket each time: killing the last session
    # makes the old server exit, and a new-session sent to it while it
    # shuts down fails ("server exited unexpectedly").  Retry as well: the
    # new server can still lose that race on a loaded machine.
    T kill-server >/dev/null 2>&1
    TL_NSOCK=$((TL_NSOCK + 1))
    TL_SOCK=$TL_DIR/tmux.$TL_NSOCK.sock
    _try=0
    until T new-session -d -s "$TL_SESSION" -x "$_cols" -y "$_rows" \
        env -i HOME="$TL_DIR" PATH="$PATH" LANG=C.UTF-8 TERM=xterm-256color \
        PS1='imt$ ' IMTREVIEW="$IMTREVIEW" XDG_CONFIG_HOME="$TL_DIR/config" \
        XDG_STATE_HOME="$TL_DIR/state.$TL_NSOCK" \
        "$@" sh 2>/dev/null; do
        _try=$((_try + 1))
        [ "$_try" -lt 10 ] || return 1
        sleep 0.2
    done
    T set-option -t "$TL_SESSION" status off >/dev/null
    T set-option -s escape-time 0 >/dev/null 2>&1
    tl_wait 'imt$' 5
}

tl_run() { T send-keys -t "$TL_SESSION" -l "$1"; T send-keys -t "$TL_SESSION" Enter; }

tl_tui() {
    T send-keys -t "$TL_SESSION" 'clear' Enter
    _args="--db '$TL_DB'"
    for _a in "$@"; do _args="$_args '$_a'"; done
    tl_run "\"\$IMTREVIEW\" $_args; echo \"rc=\$?\""
}

tl_keys() { T send-keys -t "$TL_SESSION" "$@"; }
tl_screen() { T capture-pane -p -t "$TL_SESSION"; }
tl_resize() { T resize-window -t "$TL_SESSION" -x "$1" -y "$2"; }

_tl_poll() {   # mode text seconds
    _end=$(( $(date +%s) + ${3:-5} ))
    while :; do
        _s=$(tl_screen)
        case $1 in
            has)  printf '%s\n' "$_s" | grep -qF -- "$2" && return 0 ;;
            gone) printf '%s\n' "$_s" | grep -qF -- "$2" || return 0 ;;
            re)   printf '%s\n' "$_s" | grep -qE -- "$2" && return 0 ;;
        esac
        [ "$(date +%s)" -gt "$_end" ] && return 1
        sleep 0.05
    done
}
tl_wait()      { _tl_poll has "$1" "${2:-5}"; }
tl_wait_gone() { _tl_poll gone "$1" "${2:-5}"; }

# True while process PID has not ended.  A zombie counts as ended: when
# the pane's shell dies before the program, the program is re-parented to
# PID 1, and on machines whose PID 1 never reaps orphans it stays a zombie
# forever, which `kill -0` still reports as alive.
tl_alive() {
    [ -r "/proc/$1/stat" ] || return 1
    _st=$(sed 's/^.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
    [ -n "$_st" ] && [ "$_st" != Z ] && [ "$_st" != X ]
}

# Wait up to SECONDS (default 10) for process PID to end; false if it did not.
tl_wait_exit() {
    _end=$(( $(date +%s) + ${2:-10} ))
    while tl_alive "$1"; do
        [ "$(date +%s)" -ge "$_end" ] && return 1
        sleep 0.1
    done
    return 0
}
tl_wait_re()   { _tl_poll re "$1" "${2:-5}"; }

tl_status() { tl_screen | grep -E '[0-9]+ of [0-9]+ cases' | head -n 1; }
tl_count()  { tl_status | sed -nE 's/.* ([0-9]+) of [0-9]+ cases.*/\1/p'; }
tl_total()  { tl_status | sed -nE 's/.* [0-9]+ of ([0-9]+) cases.*/\1/p'; }
tl_detail_id() {
    _s=$(tl_screen)
    _id=$(printf '%s\n' "$_s" | grep -oE 'Case +[A-Za-z0-9._-]*-[0-9]+' | head -n 1 |
        awk '{print $2}')
    if [ -z "$_id" ]; then
        # a narrow detail pane puts the value under its label, indented
        _id=$(printf '%s\n' "$_s" | grep -A1 -E '│Case +│' | sed -n 2p |
            grep -oE '│  [A-Za-z0-9._-]*-[0-9]+' | head -n 1 | sed 's/^│  //')
    fi
    echo "$_id"
}
tl_list_row() {   # "R" from the list title "row R of N"
    tl_screen | sed -nE 's/.*row ([0-9]+) of [0-9]+.*/\1/p' | head -n 1
}

# Number of cases `imtreview list` gives for the same filter options.
tl_cli_count() {
    "$IMTREVIEW" --db "$TL_DB" list "$@" | tail -n +2 | grep -c .
}
# The Nth case id (1-based) of `list` for the filter, sorted by id.
tl_cli_nth_id() {
    _n=$1; shift
    "$IMTREVIEW" --db "$TL_DB" list "$@" | tail -n +2 | cut -f1 |
        LC_ALL=C sort | sed -n "${_n}p"
}

# Wait until the count on the status line stops changing and equals $1.
tl_wait_count() {
    _end=$(( $(date +%s) + ${2:-5} ))
    while :; do
        [ "$(tl_count)" = "$1" ] && return 0
        [ "$(date +%s)" -gt "$_end" ] && return 1
        sleep 0.05
    done
}

# Terminal modes after the program left: echo and icanon on.
tl_stty_sane() {
    T send-keys -t "$TL_SESSION" 'clear' Enter
    tl_wait_gone 'rc=' 3
    tl_run "sh '$TL_DIR/stty.sh'"
    tl_wait 'STTY-END' 5 || return 1
    tl_screen | grep -q '^echo icanon STTY-END'
}

# Wait until the detail pane shows case id $1.
tl_wait_detail() {
    _end=$(( $(date +%s) + ${2:-5} ))
    while :; do
        [ "$(tl_detail_id)" = "$1" ] && return 0
        [ "$(date +%s)" -gt "$_end" ] && return 1
        sleep 0.05
    done
}

# Whether the screen (with attributes, capture-pane -e) uses any colour.
tl_screen_has_colour() {
    T capture-pane -e -p -t "$TL_SESSION" |
        grep -oE "$(printf '\033')\[[0-9;:]*m" | tr -d "m[$(printf '\033')" |
        tr ';:' '\n\n' | grep -qxE '3[0-8]|4[0-8]|9[0-7]|10[0-7]'
}

# Quit with q and wait for the shell to report the exit status.
tl_quit() {
    tl_keys q
    tl_wait_re '^rc=[0-9]+' "${1:-5}"
}
tl_rc() { tl_screen | sed -nE 's/^rc=([0-9]+).*/\1/p' | tail -n 1; }
