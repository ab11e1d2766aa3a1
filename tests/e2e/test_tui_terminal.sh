#!/bin/sh
# Interface e2e: TERM variants, NO_COLOR, every theme, a broken theme,
# ASCII mode, exit paths (q, SIGTERM) leaving a sane terminal and a usable
# prompt, TERM=dumb and no tty refused with exit 1.
# engines: sqlite (terminal modes and drawing, not the store)
. "$(dirname "$0")/tui_lib.sh"
tl_init
tl_make_db || { tl_notok fixture_import; exit 1; }
SRC=$(cd "$(dirname "$0")/../.." && pwd)
want_lung=$(tl_cli_count --site lung)

session_basic() {   # name, then env for tl_start, args after "--"
    name=$1; shift
    envs=""
    while [ $# -gt 0 ] && [ "$1" != -- ]; do envs="$envs $1"; shift; done
    [ "${1:-}" = -- ] && shift
    # shellcheck disable=SC2086
    tl_start "${COLS:-80}" 24 $envs || { tl_notok "${name}_start"; return 1; }
    tl_tui "$@"
    if ! tl_wait_re '[0-9]+ of [0-9]+ cases' 10; then
        tl_notok "${name}_starts" "$(tl_screen | head -n 3)"
        return 1
    fi
    # a start-up message (SB_MSG_TEST/SB_MSG) must be read before the
    # first key: any key clears the message line
    if [ -n "${SB_MSG:-}" ]; then
        tl_wait "$SB_MSG" 3 && tl_ok "$SB_MSG_TEST" ||
            tl_notok "$SB_MSG_TEST" "$(tl_status)"
    fi
    tl_keys s
    tl_wait "site=lung" 3 && tl_wait_count "$want_lung" 3 &&
        tl_ok "${name}_filter_works" || tl_notok "${name}_filter_works" "$(tl_status)"
    return 0
}

for term in xterm-256color xterm screen tmux-256color linux vt100; do
    if session_basic "term_$term" "TERM=$term"; then
        tl_quit && [ "$(tl_rc)" = 0 ] && tl_ok "term_${term}_q" ||
            tl_notok "term_${term}_q" "rc=$(tl_rc)"
        tl_stty_sane && tl_ok "term_${term}_stty_sane" ||
            tl_notok "term_${term}_stty_sane" "$(tl_screen | tail -n 2)"
    fi
done

# colour: present by default on xterm-256color (so the check can fail),
# absent with NO_COLOR (even empty) and on vt100
if session_basic colour_default; then
    tl_screen_has_colour && tl_ok colour_by_default || tl_notok colour_by_default
    tl_quit
fi
if session_basic no_color_empty NO_COLOR=; then
    tl_no tl_screen_has_colour && tl_ok no_color_empty_no_colour ||
        tl_notok no_color_empty_no_colour
    # the cursor row must still be visible: reverse video somewhere
    T capture-pane -e -p -t "$TL_SESSION" | grep -qE "$(printf '\033')\[([0-9;]*;)?7[;m]" &&
        tl_ok no_color_cursor_reverse || tl_notok no_color_cursor_reverse
    tl_quit
fi
if session_basic no_color_1 NO_COLOR=1 -- --theme high-contrast; then
    tl_no tl_screen_has_colour && tl_ok no_color_beats_theme ||
        tl_notok no_color_beats_theme
    tl_quit
fi

# every shipped theme loads without a message on the status line
for th in default light high-contrast monochrome; do
    if session_basic "theme_$th" -- --theme "$th"; then
        if tl_status | grep -qiE 'theme|using default|error'; then
            tl_notok "theme_${th}_no_error" "$(tl_status)"
        else tl_ok "theme_${th}_no_error"; fi
        tl_quit
    fi
done
if session_basic theme_mono_no_colour -- --theme monochrome; then
    tl_no tl_screen_has_colour && tl_ok theme_monochrome_no_colour ||
        tl_notok theme_monochrome_no_colour
    tl_quit
fi
# a broken theme: file and line on the status line, program goes on
# (wide, so the whole message fits on the status line)
mkdir -p "$TL_DIR/th" && cp "$SRC/tests/fixtures/themes/badcolour.theme" "$TL_DIR/th/"
COLS=200
SB_MSG="badcolour.theme:4: unknown colour 'purpel'" SB_MSG_TEST=theme_broken_file_line
if session_basic theme_broken "IMTREVIEW_THEMES=$TL_DIR/th" -- --theme badcolour; then
    tl_quit && [ "$(tl_rc)" = 0 ] && tl_ok theme_broken_still_runs ||
        tl_notok theme_broken_still_runs
fi
# ui.md: the error names file and line, also at 80x24 and with the theme
# in the settings directory (a long path): "badcolour.theme:4: ..." must
# be on screen, not a path cut before the line number
COLS=80
mkdir -p "$TL_DIR/config/imtreview/themes" &&
    cp "$SRC/tests/fixtures/themes/badcolour.theme" "$TL_DIR/config/imtreview/themes/"
SB_MSG="badcolour.theme:4: unknown colour 'purpel'" SB_MSG_TEST=theme_broken_file_line_80
if session_basic theme_broken_80 -- --theme badcolour; then
    tl_quit
fi
rm -rf "$TL_DIR/config/imtreview/themes"
COLS=200
SB_MSG=nosuchtheme SB_MSG_TEST=theme_missing_named
if session_basic theme_missing -- --theme nosuchtheme; then
    tl_quit
fi
SB_MSG= SB_MSG_TEST=

COLS=80
# ASCII: --ascii and a non-UTF-8 locale both work
# nothing but ASCII on screen, rule text ("§") and the boxes included:
# expand the recommendations and show them in the right pane
ascii_only() {
    tl_keys D Tab Tab Tab
    tl_wait 'evidence:' 3 || tl_notok "$1_recs_shown"
    if tl_screen | LC_ALL=C grep -q '[^ -~]'; then
        tl_notok "$1_screen_ascii_only" "$(tl_screen | LC_ALL=C grep '[^ -~]' | head -n 2)"
    else tl_ok "$1_screen_ascii_only"; fi
}
if session_basic ascii_flag -- --ascii; then ascii_only ascii_flag; tl_quit; fi
if session_basic locale_c LANG=C; then ascii_only locale_c; tl_quit; fi

# SIGTERM restores the terminal
tl_start 80 24 || tl_notok sigterm_start
tl_run "sh -c 'echo \$\$ > \"$TL_DIR/pid\"; exec \"\$IMTREVIEW\" --db \"$TL_DB\"'; echo \"rc=\$?\""
if tl_wait_re '[0-9]+ of [0-9]+ cases' 10; then
    kill -TERM "$(cat "$TL_DIR/pid")"
    tl_wait_re '^rc=[0-9]+' 5 && tl_ok sigterm_exits || tl_notok sigterm_exits
    tl_stty_sane && tl_ok sigterm_stty_sane || tl_notok sigterm_stty_sane
    tl_screen | grep -q 'imt\$' && tl_ok sigterm_prompt_back || tl_notok sigterm_prompt_back
else
    tl_notok sigterm_starts
fi

# TERM=dumb, unknown TERM and no tty: exit 1 with a message
tl_start 80 24 TERM=dumb
tl_tui
tl_wait_re '^rc=[0-9]+' 5
[ "$(tl_rc)" = 1 ] && tl_ok term_dumb_exit_1 || tl_notok term_dumb_exit_1 "rc=$(tl_rc)"
tl_screen | grep -qi 'dumb' && tl_ok term_dumb_message || tl_notok term_dumb_message "$(tl_screen | head -n 3)"
tl_start 80 24 TERM=no-such-terminal-xyz
tl_tui
tl_wait_re '^rc=[0-9]+' 5
[ "$(tl_rc)" = 1 ] && tl_ok term_unknown_exit_1 || tl_notok term_unknown_exit_1 "rc=$(tl_rc)"
"$IMTREVIEW" --db "$TL_DB" </dev/null >"$TL_DIR/notty.out" 2>"$TL_DIR/notty.err"
rc=$?
[ "$rc" = 1 ] && tl_ok no_tty_exit_1 || tl_notok no_tty_exit_1 "rc=$rc"
[ -s "$TL_DIR/notty.err" ] && tl_ok no_tty_message || tl_notok no_tty_message
# no escape sequences spilled to stdout when refusing
if grep -qa "$(printf '\033')" "$TL_DIR/notty.out"; then tl_notok no_tty_clean_stdout
else tl_ok no_tty_clean_stdout; fi
tl_done
