#!/bin/sh
# End-to-end: `imtreview stats --json` on generated cohorts of whole case
# records against R, for every endpoint and every --by field (issue 5
# item 4; cli.md "stats").  The fixtures come from
# tests/fixtures/stats/make_e2e_cohorts.R: cohort_NAME.csv (imported here)
# and cohort_NAME_expected.txt, blocks "## ENDPOINT BY" followed by the
# numbers of the JSON in key order (null for R's NA).  Strings (group
# names, warnings) are dropped from our JSON; every number must agree with
# R within 1e-9 + 1e-6 |R|, null with null, and the count must match.
: "${IMTREVIEW:?set IMTREVIEW to the binary}"
here=$(cd "$(dirname "$0")/../.." && pwd)
fx="$here/tests/fixtures/stats"
. "$(dirname "$0")/engine_lib.sh"
tmp=$(mktemp -d) || exit 1
trap 'eng_cleanup "$tmp"; rm -rf "$tmp"' EXIT
fails=0
check() { if [ "$2" -eq 0 ]; then echo "ok $1"; else echo "not ok $1"; fails=$((fails + 1)); fi; }

compare() {   # expected-numbers ours-json
    sed 's/"[^"]*"//g' "$2" | grep -oE -- '-?[0-9][0-9.eE+-]*|null' >"$tmp/ours.txt"
    awk 'NR == FNR { r[FNR] = $1; nr = FNR; next }
         { o[FNR] = $1; no = FNR }
         END {
           if (no != nr) { printf "# count: ours %d, R %d\n", no, nr; exit 1 }
           bad = 0
           for (i = 1; i <= nr; i++) {
             if (r[i] == "null" || o[i] == "null") {
               if (r[i] != o[i]) { if (bad < 5) printf "# #%d: ours %s, R %s\n", i, o[i], r[i]; bad++ }
               continue
             }
             d = o[i] - r[i]; if (d < 0) d = -d
             a = r[i] < 0 ? -r[i] : r[i]
             if (d > 1e-9 + 1e-6 * a) { if (bad < 5) printf "# #%d: ours %s, R %s\n", i, o[i], r[i]; bad++ }
           }
           exit bad > 0
         }' "$1" "$tmp/ours.txt"
}

for name in ties heavy tiny cens; do
    db=$(eng_db "$tmp" "$name")
    "$IMTREVIEW" --db "$db" import "$fx/cohort_$name.csv" >/dev/null 2>"$tmp/imp.err"
    check "${name}_import" $?
    for ep in os dss rfs; do
        for by in none alk_status site sex surgery steroids outcome metastatic margin age_group; do
            awk -v h="## $ep $by" '$0 == h { on = 1; next } /^## / { on = 0 } on' \
                "$fx/cohort_${name}_expected.txt" >"$tmp/want.txt"
            if [ "$by" = none ]; then set -- ; else set -- --by "$by"; fi
            "$IMTREVIEW" --db "$db" stats --json --endpoint "$ep" "$@" >"$tmp/out.json" 2>"$tmp/err"
            rc=$?
            if [ $rc -ne 0 ] || ! [ -s "$tmp/want.txt" ]; then
                check "${name}_${ep}_${by}" 1
                continue
            fi
            compare "$tmp/want.txt" "$tmp/out.json"
            check "${name}_${ep}_${by}_matches_r" $?
        done
    done
done

# The all-censored cohort: S = 1, no median, no test, a warning.
db=$(eng_db "$tmp" cens)
"$IMTREVIEW" --db "$db" stats --json --by sex >"$tmp/cens.json"
grep -q '"median_months": null' "$tmp/cens.json" && grep -q '"logrank": null' "$tmp/cens.json" \
    && grep -q 'no events' "$tmp/cens.json"
check cens_no_median_no_test_warned $?

[ "$fails" -eq 0 ]
