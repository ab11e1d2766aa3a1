#!/bin/sh
# Interface e2e (issue 13, item 6): over a slow link an arrow key's
# ESC [ A or ESC O B can arrive split, the Esc alone after ESCDELAY and
# the rest later.  The rest must never act as keys ('A' opens the ALK
# menu, 'O' the outcome menu, 'B' nothing); an 'O' typed on its own, or
# long after an Esc, still opens its menu; whole arrow keys still move.
# engines: sqlite (the terminal over a slow link: keys and bytes, not the store)
. "$(dirname "$0")/tui_lib.sh"
tl_init
tl_make_db || { tl_notok fixture_import; exit 1; }

tl_start 100 30 || { tl_notok start; exit 1; }
tl_tui
tl_wait_re '[0-9]+ of [0-9]+ cases' 10 || { tl_notok starts "$(tl_screen | head -n 3)"; exit 1; }
row0=$(tl_list_row)

split() {   # name, tail bytes: Esc, a pause longer than ESCDELAY, the tail
    tl_keys Escape; sleep 0.3; tl_keys -l "$2"; sleep 1.2
    if tl_screen | grep -qF '[ ] positive' || tl_screen | grep -qF '[ ] NED'; then
        tl_notok "$1" "a menu opened: $(tl_screen | head -n 12)"
        tl_keys Escape; sleep 0.5
    elif [ "$(tl_list_row)" != "$row0" ]; then
        tl_notok "$1" "the cursor moved: row $(tl_list_row), was $row0"
    else
        tl_ok "$1"
    fi
}
split csi_up_split '[A'
split ss3_down_split 'OB'
split csi_ctrl_up_split '[1;5A'
split ss3_home_split 'OH'
# after a dropped tail the next key is read as usual
tl_keys Escape; sleep 0.3; tl_keys -l '[A'; sleep 0.3; tl_keys Down
tl_wait_re "row $((row0 + 1)) of" 3 && tl_ok key_after_tail_moves ||
    tl_notok key_after_tail_moves "$(tl_screen | head -n 3)"
tl_keys Up; tl_wait_re "row $row0 of" 3
# an O typed by itself right after an Esc is the outcome menu
tl_keys Escape; sleep 0.3; tl_keys O
tl_wait '[ ] NED' 3 && tl_ok o_after_esc_opens_menu || tl_notok o_after_esc_opens_menu "$(tl_screen | head -n 5)"
tl_keys Escape; tl_wait_gone '[ ] NED' 3
# long after an Esc, A is the ALK menu
tl_keys Escape; sleep 1.5; tl_keys A
tl_wait '[ ] positive' 3 && tl_ok a_long_after_esc_opens_menu || tl_notok a_long_after_esc_opens_menu
tl_keys Escape; tl_wait_gone '[ ] positive' 3
# whole arrow keys
tl_keys Down Down
tl_wait_re "row $((row0 + 2)) of" 3 && tl_ok whole_arrows_move || tl_notok whole_arrows_move "$(tl_screen | head -n 3)"
# a split tail after a dialog's Esc does not reach the list either
tl_keys /; tl_wait 'Enter: apply' 3; tl_keys Escape; sleep 0.3; tl_keys -l '[A'; sleep 1.2
tl_wait_re "row $((row0 + 2)) of" 1 && ! tl_screen | grep -qF '[ ] positive' &&
    tl_ok split_after_dialog_esc || tl_notok split_after_dialog_esc "$(tl_screen | head -n 5)"
tl_quit
[ "$(tl_rc)" = 0 ] && tl_ok q_exit_0 || tl_notok q_exit_0 "rc=$(tl_rc)"
tl_done
