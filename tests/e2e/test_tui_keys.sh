#!/bin/sh
# Interface e2e: the S/A/O menus show each value's state as "[x]"/"[ ]"
# (not the menu library's mark on the cursor row), Esc leaves the filter
# as it was, Enter applies several values (count = `imtreview list` with
# the same values); Home/End work when the terminal sends the tmux/screen
# sequences under TERM=xterm-256color; the help screen closes with q
# without quitting the program.
# engines: sqlite (the key table and help, not the store)
. "$(dirname "$0")/tui_lib.sh"
tl_init
tl_make_db || { tl_notok fixture_import; exit 1; }
TOTAL=$(tl_cli_count)

tl_start 100 30 || { tl_notok start; exit 1; }
tl_tui
tl_wait_re '[0-9]+ of [0-9]+ cases' 10 || { tl_notok starts "$(tl_screen | head -n 3)"; exit 1; }

# --- S: nothing selected yet, so no row is ticked
tl_keys S
tl_wait '[ ] lung' 3 && tl_ok menu_site_lists_unticked || tl_notok menu_site_lists_unticked "$(tl_screen)"
n=$(tl_screen | grep -c '\[x\]')
[ "$n" -eq 0 ] && tl_ok menu_site_none_ticked || tl_notok menu_site_none_ticked "$n rows show [x]"
tl_keys Space
tl_wait '[x] lung' 3 && tl_ok menu_space_ticks || tl_notok menu_space_ticks
tl_keys Down Space
tl_wait '[x] head_neck' 3 && tl_ok menu_second_ticked || tl_notok menu_second_ticked
tl_keys Space
tl_wait '[ ] head_neck' 3 && tl_ok menu_space_unticks || tl_notok menu_space_unticks
tl_keys Escape
tl_wait_gone '[x] lung' 3
tl_status | grep -q 'no filter' && tl_wait_count "$TOTAL" 3 && tl_ok menu_esc_changes_nothing ||
    tl_notok menu_esc_changes_nothing "$(tl_status)"
tl_keys S
tl_wait '[ ] lung' 3
tl_keys Space Down Space Enter
want=$(tl_cli_count --site lung,head_neck)
tl_wait 'site=lung,head_neck' 3 && tl_wait_count "$want" 3 &&
    tl_ok "menu_site_two_values_$want" || tl_notok menu_site_two_values "want $want: $(tl_status)"
# reopened, the menu shows the active values ticked
tl_keys S
tl_wait '[x] head_neck' 3 && tl_screen | grep -qF '[x] lung' &&
    tl_screen | grep -qF '[ ] cns' && tl_ok menu_shows_active_values ||
    tl_notok menu_shows_active_values
tl_keys Escape
tl_wait_gone '[x] lung' 3

# --- A and O, combined with the sites (AND)
tl_keys A
tl_wait '[ ] positive' 3 || tl_notok menu_alk_opens
tl_keys Space Down Down Space Enter          # positive, unknown
tl_keys O
tl_wait '[ ] NED' 3 || tl_notok menu_outcome_opens
tl_keys Down Space Down Down Space Enter     # AWD, DOC
want=$(tl_cli_count --site lung,head_neck --alk positive,unknown --outcome AWD,DOC)
tl_wait 'alk=positive,unknown' 3 && tl_wait 'outcome=AWD,DOC' 3 && tl_wait_count "$want" 3 &&
    tl_ok "menus_and_combined_$want" || tl_notok menus_and_combined "want $want: $(tl_status)"
tl_keys c
tl_wait_count "$TOTAL" 3 || tl_notok clear

# --- Home / End as tmux sends them (ESC[1~ / ESC[4~) under xterm-256color
last=$(tl_cli_nth_id "$TOTAL")
first=$(tl_cli_nth_id 1)
tl_keys End
tl_wait_detail "$last" 3 && tl_ok "end_goes_to_$last" || tl_notok end_key "got '$(tl_detail_id)'"
tl_keys Home
tl_wait_detail "$first" 3 && tl_ok "home_goes_to_$first" || tl_notok home_key "got '$(tl_detail_id)'"

# --- the cursor stays on its case while the case passes the filter, and
# through a change of sort order
third=$(tl_cli_nth_id 3)
site3=$("$IMTREVIEW" --db "$TL_DB" list --search "$third" | tail -n +2 | cut -f4)
tl_keys j j
tl_wait_detail "$third" 3 || tl_notok cursor_third
tl_keys S
tl_wait "[ ] $site3" 3
i=1
for v in lung head_neck abdomen_pelvis retroperitoneum genitourinary trunk_limbs \
         thorax_other cns other; do
    [ "$v" = "$site3" ] && break
    i=$((i + 1))
done
while [ "$i" -gt 1 ]; do tl_keys Down; i=$((i - 1)); done
tl_keys Space Enter
tl_wait "site=$site3" 3 && tl_wait_detail "$third" 3 &&
    tl_ok "cursor_stays_on_${third}_site_$site3" ||
    tl_notok cursor_stays_on_case "want $third got '$(tl_detail_id)': $(tl_status)"
tl_keys '>'
tl_wait 'sort=age' 3 && tl_wait_detail "$third" 3 && tl_ok cursor_stays_through_sort ||
    tl_notok cursor_stays_through_sort "got '$(tl_detail_id)': $(tl_status)"
tl_keys '<' c
tl_wait_count "$TOTAL" 3

# --- help: generated from the key table, q closes it (does not quit)
tl_keys '?'
tl_wait 'Main screen' 3 && tl_ok help_opens || tl_notok help_opens
tl_screen | grep -qE '^.*│? *S +pick several sites' && tl_ok help_lists_S || tl_notok help_lists_S
tl_keys q
tl_wait_gone 'Main screen' 3 && tl_ok help_closes_with_q || tl_notok help_closes_with_q
tl_screen | grep -q 'rc=' && tl_notok help_q_does_not_quit || tl_ok help_q_does_not_quit
tl_quit && [ "$(tl_rc)" = 0 ] && tl_ok q_exit_0 || tl_notok q_exit_0

# --- long filters at 80x24: the count and the read-only mark stay on the
# status line (the filter text is cut instead), also under a message
tl_start 80 24 || { tl_notok start80; exit 1; }
tl_tui --readonly
tl_wait_re '[0-9]+ of [0-9]+ cases' 10 || { tl_notok starts80; exit 1; }
tl_keys S
tl_wait '[ ] lung' 3
tl_keys Space Down Space Down Space Down Space Down Space Enter
tl_keys A
tl_wait '[ ] positive' 3
tl_keys Space Down Down Space Enter
tl_keys O
tl_wait '[ ] NED' 3
tl_keys Space Down Space Down Space Enter
want=$(tl_cli_count --site lung,head_neck,abdomen_pelvis,retroperitoneum,genitourinary \
       --alk positive,unknown --outcome NED,AWD,DOD)
tl_wait_count "$want" 3 && tl_ok "long_filters_count_shown_$want" ||
    tl_notok long_filters_count_shown "want $want: $(tl_status)"
tl_status | grep -qF '[read-only]' && tl_ok long_filters_readonly_shown ||
    tl_notok long_filters_readonly_shown "$(tl_status)"
tl_keys R            # refused: a message on the right of the status line
tl_wait 'read-only' 3
tl_wait_count "$want" 3 && tl_status | grep -qF '[read-only]' &&
    tl_ok message_keeps_count || tl_notok message_keeps_count "$(tl_status)"
tl_quit && [ "$(tl_rc)" = 0 ] && tl_ok q80_exit_0 || tl_notok q80_exit_0
tl_done
