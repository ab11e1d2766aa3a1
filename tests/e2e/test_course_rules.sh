#!/bin/sh
# End-to-end: the rules that read the course (issue 14 item 4), through
# `imtreview recommend` on stored courses: each fires when its conditions
# hold and stays silent when one is missing, unknown or answered.  The
# unit tests (test_rules.c) hold the same cases without the store; this
# one shows the store hands the course to the rules.  Today: 2023-06-01.
#  K-1 crizotinib stopped for progression, no biopsy after it: TX-TKI-PROGRESSION
#  K-2 the same, re-biopsied after the progression: silent
#  K-3 the same, the line's agent not recorded: silent (missing)
#  K-4 a ROS1 case progressing on entrectinib (progression event): fires
#  K-5 progression on methotrexate chemo: silent
#  R-1 local recurrence, resectable yes, no surgery since: TX-RECURRENCE-RESECT
#  R-2 the same, re-operated: silent;  R-3 resectable unknown: silent
#  R-4 distant recurrence: silent
#  L-1 line open for 150 days, no response: FU-RECORD-RESPONSE
#  L-2 the same with a response: silent;  L-3 open 30 days: silent
. "$(dirname "$0")/cli_lib.sh"
db=$(cl_db rules)
export IMTREVIEW_TODAY=2023-06-01
cat >"$tmp/c.csv" <<'CSV'
case_id,site,diagnosis_date,alk_ihc,fusion,fusion_method,resectable,outcome,followup_months
K-1,lung,2021-01-10,positive,,,no,AWD,28
K-2,lung,2021-01-10,positive,,,no,AWD,28
K-3,lung,2021-01-10,positive,,,no,AWD,28
K-4,lung,2021-01-10,negative,TPM3::ROS1,ngs_rna,no,AWD,28
K-5,lung,2021-01-10,negative,,,no,AWD,28
R-1,abdomen_pelvis,2020-02-01,negative,,,yes,AWD,38
R-2,abdomen_pelvis,2020-02-01,negative,,,yes,AWD,38
R-3,abdomen_pelvis,2020-02-01,negative,,,,AWD,38
R-4,abdomen_pelvis,2020-02-01,negative,,,yes,AWD,38
L-1,lung,2022-10-01,negative,,,no,AWD,7
L-2,lung,2022-10-01,negative,,,no,AWD,7
L-3,lung,2022-10-01,negative,,,no,AWD,7
CSV
cat >"$tmp/e.csv" <<'CSV'
case_id,date,type,line,agent,intent,reason,response,extent,site,detail
K-1,2021-02-01,therapy_start,1,crizotinib,palliative,,,,,
K-1,2022-03-01,therapy_stop,1,,,progression,,,,
K-2,2021-02-01,therapy_start,1,crizotinib,palliative,,,,,
K-2,2022-03-01,therapy_stop,1,,,progression,,,,
K-2,2022-03-20,biopsy,,,,,,,lung,
K-3,2021-02-01,therapy_start,1,,palliative,,,,,
K-3,2022-03-01,therapy_stop,1,,,progression,,,,
K-4,2021-02-01,therapy_start,1,entrectinib,palliative,,,,,
K-4,2021-04-20,response,1,,,,PR,,,
K-4,2022-05-01,progression,1,,,,,,,
K-5,2021-02-01,therapy_start,1,chemo:MTX,palliative,,,,,
K-5,2022-03-01,therapy_stop,1,,,progression,,,,
R-1,2020-02-20,surgery,,,,,,R0,,
R-1,2021-06-01,recurrence,,,,,,,local,
R-2,2020-02-20,surgery,,,,,,R0,,
R-2,2021-06-01,recurrence,,,,,,,local,
R-2,2021-07-01,surgery,,,,,,R0,,
R-3,2020-02-20,surgery,,,,,,R0,,
R-3,2021-06-01,recurrence,,,,,,,local,
R-4,2020-02-20,surgery,,,,,,R0,,
R-4,2021-06-01,recurrence,,,,,,,distant,
L-1,2023-01-02,therapy_start,1,corticosteroid,definitive,,,,,
L-2,2023-01-02,therapy_start,1,corticosteroid,definitive,,,,,
L-2,2023-03-30,response,1,,,,SD,,,
L-3,2023-05-02,therapy_start,1,corticosteroid,definitive,,,,,
CSV
run --db "$db" import "$tmp/c.csv"
check import_cases rc_is 0
run --db "$db" import --events "$tmp/e.csv"
check import_events rc_is 0
[ "$(cat "$tmp/rc")" = 0 ] || sed 's/^/# /' "$tmp/err"

ids() { "$IMT" --db "$db" recommend "$1" --json | grep -o '"id": *"[A-Z0-9-]*"' | sed 's/.*"\([A-Z0-9-]*\)"$/\1/'; }
fires()  { ids "$1" | grep -qx "$2"; }
silent() { ! ids "$1" | grep -qx "$2"; }

check tki_progression_fires fires K-1 TX-TKI-PROGRESSION
check tki_rebiopsied_silent silent K-2 TX-TKI-PROGRESSION
check tki_agent_unknown_silent silent K-3 TX-TKI-PROGRESSION
check tki_ros1_fires fires K-4 TX-TKI-PROGRESSION
check tki_chemo_silent silent K-5 TX-TKI-PROGRESSION
"$IMT" --db "$db" recommend K-1 --json >"$tmp/out"
check tki_alk_advice has "$tmp/out" "later-generation inhibitor"
check tki_says_line has "$tmp/out" "line 1 stopped for progression on 2022-03-01"
"$IMT" --db "$db" recommend K-4 --json >"$tmp/out"
check tki_ros1_advice has "$tmp/out" "ROS1: a ROS1 inhibitor other than entrectinib"
"$IMT" --db "$db" recommend K-3 --json >"$tmp/out"
check tki_unknown_named has "$tmp/out" "the agent of line 1 is not recorded"

check recurrence_fires fires R-1 TX-RECURRENCE-RESECT
check recurrence_operated_silent silent R-2 TX-RECURRENCE-RESECT
check recurrence_resectable_unknown_silent silent R-3 TX-RECURRENCE-RESECT
check recurrence_distant_silent silent R-4 TX-RECURRENCE-RESECT

check response_fires fires L-1 FU-RECORD-RESPONSE
check response_recorded_silent silent L-2 FU-RECORD-RESPONSE
check response_early_silent silent L-3 FU-RECORD-RESPONSE
# the course rules are in the rule table of `imtreview rules`
"$IMT" rules >"$tmp/out" 2>&1
for r in TX-TKI-PROGRESSION TX-RECURRENCE-RESECT FU-RECORD-RESPONSE FU-OVERDUE; do
    check "table_$r" has "$tmp/out" "$r"
done
cl_done
