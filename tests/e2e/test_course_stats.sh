#!/bin/sh
# End-to-end: the course endpoints (issue 14: `imtreview stats --json
# --endpoint pfs|efs|dor|ttnt [--line N] [--agent NAME] [--by alk_status]`)
# and the best response per agent against R, on generated courses.  The
# fixtures come from tests/fixtures/course/make_course_cohorts.R, which
# derives every interval itself from the issue's definitions (not from the
# program) and runs R's survival package on them: course_NAME_cases.csv and
# course_NAME_events.csv (imported here) and course_NAME_expected.txt,
# blocks "## ARGS" followed by the numbers of the JSON in key order (null
# for R's NA).  Strings (keys, names, warnings) are dropped from our JSON;
# every number must agree with R within 1e-9 + 1e-6 |R|, null with null,
# and the count must match.  The largest difference seen is printed.
. "$(dirname "$0")/cli_lib.sh"
here=$(cd "$(dirname "$0")/../.." && pwd)
fx="$here/tests/fixtures/course"
maxd=0

compare() {   # expected-numbers ours-json
    sed 's/"[^"]*"//g' "$2" | grep -oE -- '-?[0-9][0-9.eE+-]*|null' >"$tmp/ours.txt"
    awk 'NR == FNR { r[FNR] = $1; nr = FNR; next }
         { o[FNR] = $1; no = FNR }
         END {
           if (no != nr) { printf "# count: ours %d, R %d\n", no, nr; exit 1 }
           bad = 0; m = 0
           for (i = 1; i <= nr; i++) {
             if (r[i] == "null" || o[i] == "null") {
               if (r[i] != o[i]) { if (bad < 5) printf "# #%d: ours %s, R %s\n", i, o[i], r[i]; bad++ }
               continue
             }
             d = o[i] - r[i]; if (d < 0) d = -d
             if (d > m) m = d
             a = r[i] < 0 ? -r[i] : r[i]
             if (d > 1e-9 + 1e-6 * a) { if (bad < 5) printf "# #%d: ours %s, R %s\n", i, o[i], r[i]; bad++ }
           }
           printf "%.3g\n", m > "/dev/stderr"
           exit bad > 0
         }' "$1" "$tmp/ours.txt" 2>"$tmp/maxd"
}

for cohort in ties fine; do
    db=$(cl_db "course_$cohort")
    "$IMT" --db "$db" import "$fx/course_${cohort}_cases.csv" >/dev/null 2>"$tmp/imp.err"
    check "${cohort}_import_cases" test $? -eq 0
    "$IMT" --db "$db" import --events "$fx/course_${cohort}_events.csv" >/dev/null 2>"$tmp/imp.err"
    check "${cohort}_import_events" test $? -eq 0
    grep '^## ' "$fx/course_${cohort}_expected.txt" | sed 's/^## //' >"$tmp/runs"
    while IFS= read -r args; do
        awk -v h="## $args" '$0 == h { on = 1; next } /^## / { on = 0 } on' \
            "$fx/course_${cohort}_expected.txt" >"$tmp/want.txt"
        label=$(printf '%s' "$args" | sed 's/--//g; s/ /_/g')
        # shellcheck disable=SC2086
        "$IMT" --db "$db" stats --json $args >"$tmp/out.json" 2>"$tmp/err"
        if [ $? -ne 0 ] || ! [ -s "$tmp/want.txt" ]; then
            notok "${cohort}_${label}"
            continue
        fi
        compare "$tmp/want.txt" "$tmp/out.json"
        check "${cohort}_${label}_matches_r" test $? -eq 0
        maxd=$(awk -v a="$maxd" -v b="$(cat "$tmp/maxd")" 'BEGIN { print (b + 0 > a + 0) ? b : a }')
    done <"$tmp/runs"
done
echo "# largest difference from R: $maxd"

# A hand-made cohort: the numbers without R.  A progresses 365 days into
# line 1 (2020-03-01 to 2021-03-01: 365 / 30.4375 = 11.9917864... months),
# B starts on the day of diagnosis and is last seen at followup_months 12:
# censored at 12.  KM: S = 1/2 at 11.99, then B's censoring at 12.
db=$(cl_db hand)
printf 'case_id,site,diagnosis_date,outcome,followup_months\nA,lung,2020-01-01,AWD,30\nB,lung,2020-01-01,NED,12\n' >"$tmp/c.csv"
printf 'case_id,date,type,line,agent,intent,reason,response,extent,site,detail\nA,2020-03-01,therapy_start,1,crizotinib,,,,,,\nA,2021-03-01,therapy_stop,1,,,progression,,,,\nB,0,therapy_start,1,crizotinib,,,,,,\n' >"$tmp/e.csv"
"$IMT" --db "$db" import "$tmp/c.csv" >/dev/null && "$IMT" --db "$db" import --events "$tmp/e.csv" >/dev/null
run --db "$db" stats --json --endpoint pfs --agent crizotinib
check hand_exit rc_is 0
check hand_event_a has "$tmp/out" '"time": 11.991786447638603, "n_risk": 2, "n_event": 1, "n_censor": 0, "survival": 0.5,'
check hand_censored_b has "$tmp/out" '"time": 12, "n_risk": 1, "n_event": 0, "n_censor": 1, "survival": 0.5,'
check hand_line_agent has "$tmp/out" '"line": null, "agent": "crizotinib"'
# --line and --agent belong to the per-line endpoints
run --db "$db" stats --endpoint efs --line 1
check line_with_efs_is_usage rc_is 2
run --db "$db" stats --endpoint pfs --agent aspirin
check unknown_agent_is_usage rc_is 2
run --db "$db" stats --endpoint pfs --line 3
check no_line_3_excluded has "$tmp/out" "2 cases excluded from pfs (2: no therapy line matching"
cl_done
