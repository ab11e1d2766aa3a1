#!/bin/sh
# End-to-end: `imtreview stats` edge cases found by the statistics audit,
# each checked against R (numbers in the comments from survival 3.5-3).
: "${IMTREVIEW:?set IMTREVIEW to the binary}"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
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
"$IMTREVIEW" --db "$tmp/z.db" import "$tmp/allzero.csv" >/dev/null 2>&1
check allzero_import $?
"$IMTREVIEW" --db "$tmp/z.db" stats --json --by sex >"$tmp/z.json" 2>&1
grep -q '"logrank": null' "$tmp/z.json" && grep -q 'variance is singular' "$tmp/z.json" \
    && ! grep -q 'fewer than two groups have events' "$tmp/z.json"
check stats_singular_logrank_warning_says_why $?

[ "$fails" -eq 0 ]
