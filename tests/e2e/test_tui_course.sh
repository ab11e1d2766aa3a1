#!/bin/sh
# Interface e2e: the course of a case (issue 14 items 1, 3 and 5).
# - the detail pane shows the course as a dated list and the next due date;
# - C adds an event through a form: saved, audited, next_due moves and the
#   FU-OVERDUE recommendation goes; an event before the diagnosis or a
#   response outside its line is refused with the course's reason and
#   nothing is written; a field of an event is edited; an event is removed
#   (audited);
# - F cycles the follow-up worklist (due, overdue, off) sorted by next_due;
# - the statistics view: e reaches PFS (the first line's), a shows the
#   best response per agent, l and a select lines;
# - read-only: C refused.
# Dates by hand: E-1 (diagnosis 2020-01-01, AWD, 36 months) is followed
# every 3 months (active disease); its last contact is 2020-01-01 + 1096
# days = 2023-01-01, so next_due 2023-04-01, overdue on 2023-06-01.
. "$(dirname "$0")/tui_lib.sh"
tl_init
fx="$(cd "$(dirname "$0")/../fixtures/events" && pwd)"
DB=$TL_DB
"$IMTREVIEW" --db "$DB" import "$fx/base_cases.csv" >/dev/null || { tl_notok fixture_cases; exit 1; }
"$IMTREVIEW" --db "$DB" import --events "$fx/valid_course.csv" >/dev/null || { tl_notok fixture_events; exit 1; }
audit_n() { "$IMTREVIEW" --db "$DB" audit "$1" | tail -n +2 | grep -c .; }
events_json() { "$IMTREVIEW" --db "$DB" show --json "$1"; }
has_event() {   # case date type
    events_json "$1" | grep -q "\"date\": *\"$2\", *\"type\": *\"$3\""
}
ev_count() { "$IMTREVIEW" --db "$DB" export --events | grep -c "^$1,"; }
# a new contact: C, "+ add an event", type contact (9th), date, status
add_contact() {
    tl_keys C
    tl_wait 'Course of E-1' 3 || return 1
    tl_keys Enter
    tl_wait 'New event: which type?' 3 || return 1
    tl_keys Down Down Down Down Down Down Down Down Enter
    tl_wait 'E-1 contact: date' 3 || return 1
    tl_keys C-u
    T send-keys -t "$TL_SESSION" -l "$1"
    tl_keys Enter
    tl_wait 'E-1 contact: detail' 3 || return 1
    tl_keys C-u
    T send-keys -t "$TL_SESSION" -l "$2"
    tl_keys Enter
}

tl_start 132 43 IMTREVIEW_TODAY=2023-06-01 || { tl_notok start; exit 1; }
tl_tui
tl_wait_re '[0-9]+ of [0-9]+ cases' 10 || { tl_notok starts "$(tl_screen | head -n 3)"; exit 1; }
tl_wait_detail E-1 3 || tl_notok first_case

# --- the detail pane: the course as a dated list, the next due date
tl_wait 'FU-OVERDUE' 3 && tl_ok overdue_recommended || tl_notok overdue_recommended
tl_keys Tab
tl_keys End PPage
# (the review section under it grew with issue 10: up to two pages up)
tl_wait 'Course (C: add, edit, remove)' 2 || tl_keys PPage
tl_wait 'Course (C: add, edit, remove)' 3 && tl_ok detail_course_heading ||
    tl_notok detail_course_heading "$(tl_screen | grep -i course | head -n 2)"
tl_keys End
tl_wait 'Next due        2023-04-01 (overdue)' 3 && tl_ok detail_next_due ||
    tl_notok detail_next_due "$(tl_screen | grep -i 'next due')"
tl_screen | grep -q '2022-12-01      contact' && tl_ok detail_dated_list ||
    tl_notok detail_dated_list
tl_screen | grep -q '2021-02-10      therapy_start line' && tl_ok detail_line_2 ||
    tl_notok detail_line_2

# --- C: the course as a menu, oldest first
tl_keys C
tl_wait 'Course of E-1' 3 && tl_ok course_menu || tl_notok course_menu
s=$(tl_screen)
printf '%s\n' "$s" | grep -q '2020-04-27  response line 1 PR' && tl_ok menu_response_row ||
    tl_notok menu_response_row
first=$(printf '%s\n' "$s" | grep -n '2020-01-01  biopsy' | cut -d: -f1)
last=$(printf '%s\n' "$s" | grep -n '2022-12-01  contact' | cut -d: -f1)
[ -n "$first" ] && [ -n "$last" ] && [ "$first" -lt "$last" ] && tl_ok menu_oldest_first ||
    tl_notok menu_oldest_first
tl_keys Escape
tl_wait_gone 'Course of E-1' 3

# --- add a contact: saved, audited, next_due moves (2023-05-20 + 3 months)
before=$(audit_n E-1)
add_contact 2023-05-20 AWD || tl_notok add_prompts
tl_wait 'Course of E-1' 3
tl_screen | grep -q '2023-05-20  contact AWD' && tl_ok add_in_menu || tl_notok add_in_menu
tl_keys Escape
tl_wait_gone 'Course of E-1' 3
has_event E-1 2023-05-20 contact && tl_ok add_stored || tl_notok add_stored "$(events_json E-1 | grep 2023-05 )"
[ "$(audit_n E-1)" -gt "$before" ] && tl_ok add_audited || tl_notok add_audited
"$IMTREVIEW" --db "$DB" check >/dev/null 2>&1 && tl_ok add_chain_checks || tl_notok add_chain_checks
tl_keys End
tl_wait 'Next due        2023-08-20' 3 && tl_ok next_due_moves ||
    tl_notok next_due_moves "$(tl_screen | grep -i 'next due')"
tl_wait_gone 'FU-OVERDUE' 3 && tl_ok overdue_gone || tl_notok overdue_gone

# --- refused: before the diagnosis; nothing written, Esc leaves
before=$(audit_n E-1)
n=$(ev_count E-1)
add_contact 2019-12-01 AWD || tl_notok refuse_prompts
tl_wait 'not saved' 3 && tl_ok before_diagnosis_refused ||
    tl_notok before_diagnosis_refused "$(tl_screen | grep -iE 'saved|before' | head -n 2)"
tl_screen | grep -q 'before the diagnosis' && tl_ok refusal_says_why || tl_notok refusal_says_why
tl_keys Escape
tl_wait 'Course of E-1' 3
tl_keys Escape
tl_wait 'no event added' 3 && tl_ok refusal_nothing_added || tl_notok refusal_nothing_added
[ "$(audit_n E-1)" = "$before" ] && [ "$(ev_count E-1)" = "$n" ] && tl_ok refusal_writes_nothing ||
    tl_notok refusal_writes_nothing

# --- refused: a response of line 1 after line 1 stopped (2021-01-15)
tl_keys C
tl_wait 'Course of E-1' 3
tl_keys Enter
tl_wait 'New event: which type?' 3
tl_keys Down Down Down Enter
tl_wait 'E-1 response: date' 3 || tl_notok response_prompt
T send-keys -t "$TL_SESSION" -l 2021-03-01; tl_keys Enter
tl_wait 'E-1 response: line' 3
T send-keys -t "$TL_SESSION" -l 1; tl_keys Enter
tl_wait 'E-1 response: response' 3
T send-keys -t "$TL_SESSION" -l PR; tl_keys Enter
tl_wait 'E-1 response: site' 3; tl_keys Enter
tl_wait 'E-1 response: detail' 3; tl_keys Enter
tl_wait 'not saved' 3 && tl_ok response_outside_line_refused ||
    tl_notok response_outside_line_refused "$(tl_screen | grep -iE 'saved|line' | head -n 3)"
tl_keys Escape
tl_wait 'Course of E-1' 3
tl_keys Escape
tl_wait_gone 'Course of E-1' 3
[ "$(audit_n E-1)" = "$before" ] && [ "$(ev_count E-1)" = "$n" ] && tl_ok response_writes_nothing ||
    tl_notok response_writes_nothing

# --- a bad value is refused at its own prompt
tl_keys C
tl_wait 'Course of E-1' 3
tl_keys Enter
tl_wait 'New event: which type?' 3
tl_keys Down Down Down Down Down Down Down Down Enter
tl_wait 'E-1 contact: date' 3
T send-keys -t "$TL_SESSION" -l 2023-02-30; tl_keys Enter
tl_wait_re 'date: .*2023-02-30|2023-02-30.*date' 3 && tl_ok bad_date_at_prompt ||
    tl_notok bad_date_at_prompt "$(tl_screen | grep -i '2023-02-30' | head -n 2)"
tl_keys Escape
tl_wait 'Course of E-1' 3
tl_keys Escape
tl_wait_gone 'Course of E-1' 3

# --- edit a field: the new contact's date (the menu's last row)
before=$(audit_n E-1)
tl_keys C
tl_wait 'Course of E-1' 3
tl_keys Down Down Down Down Down Down Down Down Down Down Enter
tl_wait 'Edit a field of this event' 3 || tl_notok edit_menu
tl_keys Enter
tl_wait 'Which field?' 3
tl_keys Enter
tl_wait 'E-1 contact: date' 3
tl_keys C-u
T send-keys -t "$TL_SESSION" -l 2023-05-21; tl_keys Enter
tl_wait '2023-05-21  contact AWD' 3 && tl_ok edit_in_menu || tl_notok edit_in_menu
tl_keys Escape
tl_wait_gone 'Course of E-1' 3
has_event E-1 2023-05-21 contact && ! has_event E-1 2023-05-20 contact && tl_ok edit_stored ||
    tl_notok edit_stored
[ "$(audit_n E-1)" -gt "$before" ] && tl_ok edit_audited || tl_notok edit_audited

# --- remove it: audited, next_due back to 2023-04-01
before=$(audit_n E-1)
tl_keys C
tl_wait 'Course of E-1' 3
tl_keys Down Down Down Down Down Down Down Down Down Down Enter
tl_wait 'Remove this event' 3
tl_keys Down Enter
tl_wait 'Remove this event? (audited)' 3 || tl_notok remove_confirm
tl_keys y
tl_wait_gone '2023-05-21  contact' 3 && tl_ok remove_in_menu || tl_notok remove_in_menu
tl_keys Escape
tl_wait_gone 'Course of E-1' 3
! has_event E-1 2023-05-21 contact && tl_ok remove_stored || tl_notok remove_stored
[ "$(audit_n E-1)" -gt "$before" ] && tl_ok remove_audited || tl_notok remove_audited
tl_keys End
tl_wait 'Next due        2023-04-01 (overdue)' 3 && tl_ok next_due_back || tl_notok next_due_back
"$IMTREVIEW" --db "$DB" check >/dev/null 2>&1 && tl_ok chain_after_edits || tl_notok chain_after_edits

# --- F: due, overdue, off (E-2 died, E-3 has no diagnosis date)
tl_keys F
tl_wait 'followup=due' 3 && tl_status | grep -q 'sort=next_due' && tl_ok f_due ||
    tl_notok f_due "$(tl_status)"
tl_wait_count 1 3 && tl_ok f_due_count || tl_notok f_due_count "$(tl_status)"
tl_keys F
tl_wait 'followup=overdue' 3 && tl_ok f_overdue || tl_notok f_overdue "$(tl_status)"
tl_keys F
tl_wait 'no filter' 3 && tl_wait_count 3 3 && tl_ok f_off || tl_notok f_off "$(tl_status)"

# --- the statistics view: PFS of the first line, the best response per agent
tl_keys v
tl_wait 'Kaplan-Meier' 5 || tl_notok stats_view
tl_keys e e e
tl_wait 'Kaplan-Meier PFS (1st line)' 3 && tl_ok stats_pfs || tl_notok stats_pfs "$(tl_screen | head -n 1)"
# E-1: crizotinib 2020-02-01 to progression 2021-01-15 = 349 d = 11.5 mo
tl_screen | grep -qE 'positive +11\.5 +1 +1' && tl_ok stats_pfs_median || tl_notok stats_pfs_median
tl_screen | grep -qE 'crizotinib +1 +0 +1 +0 +0 +100%' && tl_ok stats_best_response ||
    tl_notok stats_best_response "$(tl_screen | grep -A3 'Best response')"
tl_keys l
tl_wait 'PFS (line 1)' 3 && tl_ok stats_line || tl_notok stats_line "$(tl_screen | head -n 1)"
tl_keys a
tl_wait 'PFS (line 1, alk_tki)' 3 && tl_ok stats_agent || tl_notok stats_agent "$(tl_screen | head -n 1)"
tl_keys v
tl_wait_gone 'Kaplan-Meier' 3
tl_quit

# --- read-only: C refused
tl_tui --readonly
tl_wait '[read-only]' 10
tl_keys C
tl_wait 'cannot edit the course' 3 && tl_ok readonly_refused || tl_notok readonly_refused "$(tl_status)"
tl_quit
tl_done
