#!/bin/sh
# Interface e2e: resizing mid-session keeps the filters and the case under
# the cursor; below the minimum a "terminal too small" message, and
# everything comes back when the terminal grows.
# engines: sqlite (layout at window sizes, not the store)
. "$(dirname "$0")/tui_lib.sh"
tl_init
tl_make_db || { tl_notok fixture_import; exit 1; }

tl_start 132 43 || { tl_notok start; exit 1; }
tl_tui
tl_wait_re '[0-9]+ of [0-9]+ cases' 10 || { tl_notok starts "$(tl_screen | head -n 5)"; exit 1; }
tl_keys s o          # site=lung, outcome=NED
tl_wait "site=lung" 3 && tl_wait "outcome=NED" 3
want=$(tl_cli_count --site lung --outcome NED)
tl_wait_count "$want" 3 && tl_ok "filter_before_resize_$want" ||
    tl_notok filter_before_resize "want $want: $(tl_status)"
tl_keys j
id=$(tl_cli_nth_id 2 --site lung --outcome NED)
tl_wait_detail "$id" 3 && tl_ok "cursor_on_$id" ||
    tl_notok cursor_second "want $id got '$(tl_detail_id)'"

for size in 80x24 60x15 100x30 132x43; do
    tl_resize "${size%x*}" "${size#*x}"
    if tl_wait "site=lung" 3 && tl_wait "outcome=NED" 3 &&
       tl_wait_count "$want" 3; then tl_ok "${size}_filters_kept"
    else tl_notok "${size}_filters_kept" "$(tl_status)"; fi
    tl_wait_detail "$id" 3 && tl_ok "${size}_cursor_case_kept" ||
        tl_notok "${size}_cursor_case_kept" "want $id got '$(tl_detail_id)'"
done

# below the minimum, then back
tl_resize 40 10
tl_wait "too small" 3 && tl_ok too_small_message ||
    tl_notok too_small_message "$(tl_screen)"
tl_keys j            # a key while too small must not crash or be lost badly
tl_resize 80 24
tl_wait_gone "too small" 3 && tl_wait "site=lung" 3 && tl_wait_count "$want" 3 &&
    tl_ok recovers_after_too_small || tl_notok recovers_after_too_small "$(tl_screen)"
tl_resize 30 8
tl_wait "too small" 3 && tl_ok too_small_again || tl_notok too_small_again
tl_resize 132 43
tl_wait_gone "too small" 3 && tl_wait "outcome=NED" 3 &&
    tl_ok recovers_wide || tl_notok recovers_wide "$(tl_screen | tail -n 3)"

# a resize while a dialog is open, through "too small" and back: the
# dialog comes back whole (curses had shrunk its window) with what was
# ticked or typed, and applies as usual
tl_keys c
tl_resize 80 24
tl_keys S
tl_wait '[ ] lung' 3
tl_keys Space
tl_wait '[x] lung' 3
tl_resize 40 10
tl_wait "too small" 3 && tl_ok dialog_too_small || tl_notok dialog_too_small "$(tl_screen)"
tl_resize 80 24
tl_wait 'Space: select  Enter: apply  Esc: cancel' 3 && tl_screen | grep -qF '[x] lung' &&
    tl_screen | grep -qF '[ ] other' && tl_ok menu_whole_after_resize ||
    tl_notok menu_whole_after_resize "$(tl_screen)"
tl_keys Enter
want=$(tl_cli_count --site lung)
tl_wait 'site=lung' 3 && tl_wait_count "$want" 3 && tl_ok menu_applies_after_resize ||
    tl_notok menu_applies_after_resize "$(tl_status)"
tl_keys /
tl_wait 'Search case id' 3
T send-keys -t "$TL_SESSION" -l "note 1"
tl_resize 30 8
tl_wait "too small" 3
tl_resize 132 43
tl_wait 'Enter: apply  Esc: cancel' 3 && tl_screen | grep -qF 'note 1' &&
    tl_ok prompt_text_kept || tl_notok prompt_text_kept "$(tl_screen | grep -A3 Search)"
tl_keys Enter
want=$(tl_cli_count --site lung --search "note 1")
tl_wait 'search="note 1"' 3 && tl_wait_count "$want" 3 && tl_ok prompt_applies_after_resize ||
    tl_notok prompt_applies_after_resize "$(tl_status)"
tl_quit && [ "$(tl_rc)" = 0 ] && tl_ok q_exit_0 || tl_notok q_exit_0 "rc=$(tl_rc)"
tl_done
