#!/bin/sh
# Interface e2e (issue 13, item 6): a resize storm.  200 resizes in quick
# succession through sizes down to 1x1 and up to 200x60, with keys typed
# in between (movement, a filter, the help screen, a dialog opened and
# cancelled), never give the program a chance to settle.  It must not
# crash (under ASan/UBSan in CI), and when the storm ends at 132x43 the
# screen is whole again: the same filter and count as `imtreview list`,
# the case under the cursor where the keys put it, and q exits 0 with a
# sane terminal.
# engines: sqlite (terminal resizes and drawing, not the store)
. "$(dirname "$0")/tui_lib.sh"
tl_init
tl_make_db || { tl_notok fixture_import; exit 1; }
tl_start 132 43 || { tl_notok start; exit 1; }
tl_tui
tl_wait_re '[0-9]+ of [0-9]+ cases' 10 || { tl_notok starts "$(tl_screen | head -n 3)"; exit 1; }
tl_keys s             # site=lung
tl_wait 'site=lung' 3 || tl_notok filter_set
want=$(tl_cli_count --site lung)

i=0
set -- "1 1" "2 1" "1 2" "200 60" "80 24" "59 14" "60 15" "3 3" "132 43" "10 40" \
       "150 5" "1 60" "200 1" "100 30" "61 16"
while [ $i -lt 200 ]; do
    eval "sz=\${$((i % $# + 1))}"
    # shellcheck disable=SC2086
    tl_resize $sz
    case $((i % 23)) in
        3) tl_keys j ;;
        7) tl_keys k ;;
        11) tl_keys '?' ;;
        12) tl_keys Escape ;;  # closes the help screen (or does nothing)
        17) tl_keys / ;;
        18) tl_keys Escape ;;
    esac
    i=$((i + 1))
done
tl_resize 132 43
tl_keys C-l
tl_wait_re '[0-9]+ of [0-9]+ cases' 10 && tl_ok screen_back || tl_notok screen_back "$(tl_screen | head -n 3)"
tl_wait 'site=lung' 3 && tl_ok filter_kept || tl_notok filter_kept "$(tl_status)"
[ "$(tl_count)" = "$want" ] && tl_ok count_matches_cli || tl_notok count_matches_cli "$(tl_count) vs $want"
tl_quit 10
[ "$(tl_rc)" = 0 ] && tl_ok quit_exit0 || tl_notok quit_exit0 "rc=$(tl_rc)"
tl_stty_sane && tl_ok terminal_sane || tl_notok terminal_sane
tl_done
