#!/bin/sh
# End-to-end: the follow-up worklist against the schedule (issue 14
# item 5).  Every next_due below is worked out by hand from the default
# schedule (themes/followup.schedule: high_risk 0-2 y every 3 months, 2-5 y
# every 6; standard 0-2 y every 6, 2-5 y every 12; active_disease every 3)
# and the last contact (diagnosis_date + followup_months * 30.4375 days,
# rounded, or a later contact event), in calendar months.
#  - next_due in list --json and show --json;
#  - list --followup due / overdue against a fixed today (--today,
#    IMTREVIEW_TODAY), most overdue first, dead and lost cases never on it;
#  - a schedule of one's own ($IMTREVIEW_SCHEDULE) recomputes the dates,
#    a bad one is named by file and line and the default is used;
#  - an edit of the course moves next_due (store_course_edit path:
#    import --events, --replace).
. "$(dirname "$0")/cli_lib.sh"
db=$(cl_db fu)
cat >"$tmp/c.csv" <<'CSV'
case_id,site,diagnosis_date,alk_ihc,surgery,outcome,followup_months
S-1,lung,2020-01-15,negative,R0,NED,12
S-2,lung,2020-01-15,negative,R0,NED,36
H-1,abdomen_pelvis,2020-01-15,,R0,NED,36
H-2,lung,2020-01-15,positive,R0,NED,12
A-1,lung,2020-01-15,negative,R0,AWD,36
D-1,lung,2020-01-15,negative,R0,DOD,12
L-1,lung,2020-01-15,negative,R0,LOST,12
N-1,lung,,negative,R0,NED,12
CSV
run --db "$db" import "$tmp/c.csv"
check import rc_is 0
# S-1: 365 days -> 2021-01-14, 6 months -> 2021-07-14
# S-2: 1096 days -> 2023-01-15 (3.0 y), 12 months -> 2024-01-15
# H-1: 2023-01-15, 6 months -> 2023-07-15;  H-2: 2021-01-14 + 3 -> 2021-04-14
# A-1: 2023-01-15 + 3 -> 2023-04-15;  D-1, L-1: none;  N-1: nothing to count from
run --db "$db" list --json
J() { sqlite3 :memory: "SELECT group_concat(json_extract(value, '\$.case_id') || '=' || coalesce(json_extract(value, '\$.next_due'), '-'), ' ') FROM json_each(CAST(readfile('$tmp/out') AS TEXT))"; }
check next_due_by_hand test "$(J)" = "A-1=2023-04-15 D-1=- H-1=2023-07-15 H-2=2021-04-14 L-1=- N-1=- S-1=2021-07-14 S-2=2024-01-15"
run --db "$db" show H-1 --json
check show_next_due has "$tmp/out" '"next_due":"2023-07-15"'

# The worklist on 2023-06-01: overdue = next_due before it, most overdue
# first; due = up to 30 days ahead (2023-07-01), overdue included.
run --db "$db" list --followup overdue --today 2023-06-01
check overdue_order test "$(tail -n +2 "$tmp/out" | cut -f1 | tr '\n' ' ')" = "H-2 S-1 A-1 "
check overdue_next_due_column test "$(head -n 1 "$tmp/out" | awk -F'\t' '{print $NF}')" = next_due
run --db "$db" list --followup due --today 2023-06-15
check due_includes_window test "$(tail -n +2 "$tmp/out" | cut -f1 | tr '\n' ' ')" = "H-2 S-1 A-1 H-1 "
run --db "$db" list --followup due,overdue --today 2023-06-15
check due_overdue_same test "$(tail -n +2 "$tmp/out" | cut -f1 | tr '\n' ' ')" = "H-2 S-1 A-1 H-1 "
IMTREVIEW_TODAY=2023-06-15 "$IMT" --db "$db" list --followup due >"$tmp/o2"
check today_from_environment cmp -s "$tmp/o2" "$tmp/out"
run --db "$db" list --followup due --today 2020-01-01
check none_due_yet test "$(wc -l <"$tmp/out" | tr -d ' ')" = 1
run --db "$db" list --followup soon
check bad_value_usage rc_is 2
run --db "$db" stats --followup overdue --json
check stats_takes_followup rc_is 0

# a contact moves the date: S-2 seen on 2024-03-31 (4.2 y, standard: 12
# months) -> 2025-03-31; an open line makes A-1... already active
printf 'case_id,date,type,line,agent,intent,reason,response,extent,site,detail\nS-2,2024-03-31,contact,,,,,,,,NED\nN-1,2023-08-31,contact,,,,,,,,NED\n' >"$tmp/e.csv"
run --db "$db" import --events "$tmp/e.csv"
check contact_import rc_is 0
run --db "$db" list --json
check contact_moves_next_due test "$(J)" = "A-1=2023-04-15 D-1=- H-1=2023-07-15 H-2=2021-04-14 L-1=- N-1=2024-02-29 S-1=2021-07-14 S-2=2025-03-31"
run --db "$db" check
check check_agrees rc_is 0

# a schedule of one's own: everyone every 2 months
cat >"$tmp/two.schedule" <<'SCH'
active_disease 0+ = 2
high_risk 0+ = 2
standard 0+ = 2
due_window_days = 10
response_assessment_days = 56
SCH
IMTREVIEW_SCHEDULE="$tmp/two.schedule" "$IMT" --db "$db" list --json >"$tmp/out" 2>"$tmp/err"
check own_schedule_recomputed test "$(J)" = "A-1=2023-03-15 D-1=- H-1=2023-03-15 H-2=2021-03-14 L-1=- N-1=2023-10-31 S-1=2021-03-14 S-2=2024-05-31"
check own_schedule_said has "$tmp/err" "next_due of"
IMTREVIEW_SCHEDULE="$tmp/two.schedule" "$IMT" --db "$db" check >/dev/null 2>&1
check own_schedule_check test $? -eq 0
# read-only with another schedule than the stored one: stored dates, a note
IMTREVIEW_SCHEDULE="$tmp/two.schedule" "$IMT" --db "$db" list --json >/dev/null 2>&1
"$IMT" --db "$db" --readonly list --followup overdue --today 2023-06-01 >"$tmp/out" 2>"$tmp/err"
check readonly_stale_note has "$tmp/err" "computed with another follow-up schedule"
# back to the default
run --db "$db" list --json
check default_again test "$(J)" = "A-1=2023-04-15 D-1=- H-1=2023-07-15 H-2=2021-04-14 L-1=- N-1=2024-02-29 S-1=2021-07-14 S-2=2025-03-31"
# a bad schedule: FILE:LINE and the default
printf 'active_disease 0+ = 13\n' >"$tmp/bad.schedule"
IMTREVIEW_SCHEDULE="$tmp/bad.schedule" "$IMT" --db "$db" list --json >"$tmp/out" 2>"$tmp/err"
check bad_schedule_named has "$tmp/err" "$tmp/bad.schedule:1: months are a whole number from 1 to 12"
check bad_schedule_default test "$(J)" = "A-1=2023-04-15 D-1=- H-1=2023-07-15 H-2=2021-04-14 L-1=- N-1=2024-02-29 S-1=2021-07-14 S-2=2025-03-31"
IMTREVIEW_SCHEDULE="$tmp/missing.schedule" "$IMT" --db "$db" list >/dev/null 2>"$tmp/err"
check missing_schedule_fails test $? -eq 1

# the rule: FU-OVERDUE on 2023-06-01 for H-2, not for S-2
IMTREVIEW_TODAY=2023-06-01 "$IMT" --db "$db" recommend H-2 >"$tmp/out"
check rule_overdue_fires has "$tmp/out" "FU-OVERDUE"
check rule_overdue_days has "$tmp/out" "overdue since 2021-04-14 (778 d)"
IMTREVIEW_TODAY=2023-06-01 "$IMT" --db "$db" recommend S-2 >"$tmp/out"
check rule_overdue_silent hasnt "$tmp/out" "FU-OVERDUE"
cl_done
