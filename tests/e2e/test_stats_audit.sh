#!/bin/sh
# End-to-end: `imtreview stats` edge cases found by the statistics audit,
# each checked against R (numbers in the comments from survival 3.5-3).
: "${IMTREVIEW:?set IMTREVIEW to the binary}"
. "$(dirname "$0")/engine_lib.sh"
tmp=$(mktemp -d) || exit 1
trap 'eng_cleanup "$tmp"; rm -rf "$tmp"' EXIT
fails=0
check() { if [ "$2" -eq 0 ]; then echo "ok $1"; else echo "not ok $1"; fails=$((fails + 1)); fi; }

# Every case dies at month 0, two sexes: both groups have expected > 0,
# but the log-rank variance is 0 (R: survdiff stops, "system is exactly
# singular").  The warning must give that reason, not "fewer than two
# groups have events at risk".
cat >"$tmp/allzero.csv" <<'CSV'
case_id,site,sex,outcome,followup_months
Z1,lung,F,DOD,0
Z2,lung,F,DOD,0
Z3,lung,M,DOD,0
Z4,lung,M,DOC,0
CSV
"$IMTREVIEW" --db "$(eng_db "$tmp" z)" import "$tmp/allzero.csv" >/dev/null 2>&1
check allzero_import $?
"$IMTREVIEW" --db "$(eng_db "$tmp" z)" stats --json --by sex >"$tmp/z.json" 2>&1
grep -q '"logrank": null' "$tmp/z.json" && grep -q 'variance is singular' "$tmp/z.json" \
    && ! grep -q 'fewer than two groups have events' "$tmp/z.json"
check stats_singular_logrank_warning_says_why $?

# Times 10 and 10.000000000001 months: R's survfit ties them (aeqSurv,
# timefix = TRUE) and gives 3 rows, S = 0.6 at 10 (5 at risk, 2 events,
# 1 censored), S = 0.3 at 20.
cat >"$tmp/near.csv" <<'CSV'
case_id,site,outcome,followup_months
N1,lung,DOD,10
N2,lung,DOD,10.000000000001
N3,lung,NED,10
N4,lung,DOD,20
N5,lung,NED,30
CSV
"$IMTREVIEW" --db "$(eng_db "$tmp" n)" import "$tmp/near.csv" >/dev/null 2>&1
check neartimes_import $?
"$IMTREVIEW" --db "$(eng_db "$tmp" n)" stats --json >"$tmp/n.json" 2>&1
[ "$(grep -c '"n_risk"' "$tmp/n.json")" -eq 3 ] \
    && grep -q '"time": 10, "n_risk": 5, "n_event": 2, "n_censor": 1, "survival": 0.6,' "$tmp/n.json" \
    && grep -q '"time": 20, "n_risk": 2, "n_event": 1, "n_censor": 0, "survival": 0.3,' "$tmp/n.json"
check stats_near_equal_times_tied_as_r $?

[ "$fails" -eq 0 ]
