#!/bin/sh
# End-to-end: the sample data and its generator.
#  - sample-data/cases.csv is exactly `gen_cases 320 2025`;
#  - the generator is deterministic, prefix-stable and refuses bad usage;
#  - generated files import with no error for several seeds and sizes (a
#    test of the generator against the importer's validator), and every
#    cross-field rule of the data dictionary holds, checked again here in
#    SQL over the raw text (independently of the importer);
#  - on 20,000 generated cases the mixes are within the tolerances the
#    references give (see sample-data/README.md for the sources).
: "${IMTREVIEW:?set IMTREVIEW to the binary}"
: "${GEN_CASES:?set GEN_CASES to the generator binary}"
here=$(cd "$(dirname "$0")/../.." && pwd)
. "$(dirname "$0")/engine_lib.sh"
tmp=$(mktemp -d) || exit 1
trap 'eng_cleanup "$tmp"; rm -rf "$tmp"' EXIT
fails=0
ok()  { echo "ok $1"; }
bad() { echo "not ok $1${2:+ # $2}"; fails=$((fails + 1)); }
check() { if [ "$2" -eq 0 ]; then ok "$1"; else bad "$1" "$3"; fi; }

# ---- the committed file and determinism -------------------------------------
"$GEN_CASES" 320 2025 >"$tmp/g320.csv"
cmp -s "$tmp/g320.csv" "$here/sample-data/cases.csv"
check cases_csv_is_generator_output $? "regenerate: build/gen_cases 320 2025 >sample-data/cases.csv"

"$GEN_CASES" 1000 5 >"$tmp/a.csv"; "$GEN_CASES" 1000 5 >"$tmp/b.csv"
cmp -s "$tmp/a.csv" "$tmp/b.csv"
check deterministic $?
"$GEN_CASES" 1000 6 >"$tmp/c.csv"
! cmp -s "$tmp/a.csv" "$tmp/c.csv"
check seed_changes_data $?
# Each row depends on the seed and its number only: 320 cases are the
# first 320 of 1000.  Compare by records (notes may span lines).
"$GEN_CASES" 1000 2025 >"$tmp/g1000.csv"
sqlite3 "$tmp/p.db" ".import --csv '$tmp/g320.csv' a" ".import --csv '$tmp/g1000.csv' b"
n=$(sqlite3 "$tmp/p.db" "SELECT count(*) FROM (SELECT * FROM a EXCEPT SELECT * FROM b WHERE rowid <= 320)")
[ "$n" = 0 ]
check prefix_stable $? "$n rows differ"

"$GEN_CASES" >/dev/null 2>&1; [ $? -eq 2 ]
check usage_no_args $?
"$GEN_CASES" 10 x >/dev/null 2>&1; [ $? -eq 2 ]
check usage_bad_seed $?
"$GEN_CASES" -1 3 >/dev/null 2>&1; [ $? -eq 2 ]
check usage_negative $?
[ "$("$GEN_CASES" 0 1 | wc -l | tr -d ' ')" = 1 ]
check zero_cases_header_only $?

# ---- imports cleanly, for several seeds and sizes -----------------------------
imports() { # name N SEED
    "$GEN_CASES" "$2" "$3" >"$tmp/in.csv"
    in_db=$(eng_fresh "$tmp" in)
    if ! "$IMTREVIEW" --db "$in_db" import "$tmp/in.csv" >"$tmp/out" 2>"$tmp/err"; then
        bad "$1" "$(head -3 "$tmp/err")"
        return
    fi
    if [ -s "$tmp/err" ] || ! grep -q ": $2 added, 0 updated, 0 unchanged$" "$tmp/out"; then
        bad "$1" "$(cat "$tmp/out" "$tmp/err" | head -3)"
        return
    fi
    n=$("$IMTREVIEW" --db "$in_db" list | tail -n +2 | wc -l | tr -d ' ')
    [ "$n" = "$2" ] && ok "$1" || bad "$1" "list shows $n of $2"
}
imports import_sample_file 320 2025
imports import_5000_seed1 5000 1
imports import_5000_seed2 5000 2
imports import_5000_seed99 5000 99
imports import_20_seed_max 20 18446744073709551615
"$IMTREVIEW" --db "$in_db" check >"$tmp/out" 2>&1
check store_check_after_import $? "$(head -3 "$tmp/out")"

# ---- 20,000 cases: validity and mixes, over the raw text ------------------------
"$GEN_CASES" 20000 424242 >"$tmp/big.csv"
rm -f "$tmp/big.db"
sqlite3 "$tmp/big.db" ".import --csv '$tmp/big.csv' raw" 2>"$tmp/err"
n=$(sqlite3 "$tmp/big.db" "SELECT count(*) FROM raw")
[ "$n" = 20000 ]
check rfc4180_record_count $? "sqlite3 read $n records: $(head -2 "$tmp/err")"

q() { sqlite3 "$tmp/big.db" "$1"; }
# yes when the SQL (a count of offending rows) is 0.
none() { # name SQL-condition-for-a-bad-row
    k=$(q "SELECT count(*) FROM raw WHERE $2")
    [ "$k" = 0 ] && ok "$1" || bad "$1" "$k rows"
}
# Cross-field rules of the data dictionary, and ranges the generator keeps.
none rule_fusion_method_iff_fusion "(fusion LIKE '%::%') <> (fusion_method <> '')"
none rule_recurrence_months_needs_yes "recurrence_months <> '' AND recurrence <> 'yes'"
none rule_recurrence_within_followup "recurrence_months <> '' AND (followup_months = '' OR CAST(recurrence_months AS REAL) > CAST(followup_months AS REAL))"
none rule_followup_unless_lost "followup_months = '' AND outcome NOT IN ('LOST', '')"
none rule_death_needs_time "outcome IN ('DOD','DOC') AND followup_months = ''"
none followup_at_most_ten_years "followup_months <> '' AND CAST(followup_months AS REAL) > 120"
none dates_2008_2024 "diagnosis_date <> '' AND (diagnosis_date < '2008-01-01' OR diagnosis_date > '2024-12-31' OR date(diagnosis_date) IS NOT diagnosis_date)"
none signed_out_has_reviewer "(review_status = 'signed_out') <> (reviewer <> '' AND reviewed_at <> '')"
none reviewed_after_diagnosis "reviewed_at <> '' AND diagnosis_date <> '' AND substr(reviewed_at, 1, 10) <= diagnosis_date"
none ids_synthetic "case_id NOT GLOB 'IMT-[0-9][0-9][0-9][0-9][0-9][0-9]*'"
none suv_only_with_pet "suv_max <> '' AND imaging NOT LIKE '%PET%'"

# ALK status per the data dictionary (same rule text as test_filters_counts).
q "CREATE VIEW c AS SELECT r.*, CASE
     WHEN alk_fish = 'positive' OR fus_alk THEN 'positive'
     WHEN alk_ihc = 'positive' AND NOT mol_neg THEN 'positive'
     WHEN mol_neg OR alk_ihc = 'negative' THEN 'negative'
     ELSE 'unknown' END AS alk
   FROM (SELECT raw.*, (fusion LIKE 'ALK::%' OR fusion LIKE '%::ALK') AS fus_alk,
           (alk_fish = 'negative' OR (fusion <> '' AND NOT (fusion LIKE 'ALK::%' OR fusion LIKE '%::ALK'))) AS mol_neg
         FROM raw) AS r"

# within NAME VALUE LO HI  (VALUE a percentage, inclusive bounds)
within() {
    if awk -v v="$2" -v lo="$3" -v hi="$4" 'BEGIN { exit !(v >= lo && v <= hi) }'; then
        ok "$1"
    else
        bad "$1" "$2 not within $3..$4"
    fi
}
# ALK positivity about half ([PED] 49%, [CON] 50-60%).
within alk_positive_pct "$(q "SELECT 100.0 * avg(alk = 'positive') FROM c")" 40 60
# Highest in the lung ([ADU] 45.5% of lung IMT, the highest site).
top=$(q "SELECT site FROM c GROUP BY site ORDER BY avg(alk = 'positive') DESC LIMIT 1")
[ "$top" = lung ]
check alk_highest_in_lung $? "highest: $top"
# Recurrence 20% [PED] to ~25% [PAT]; tolerance 15-30% of known.
within recurrence_pct "$(q "SELECT 100.0 * sum(recurrence = 'yes') / sum(recurrence <> '') FROM raw")" 15 30
# Mortality ~6% [PED]; deaths (DOD + DOC) 3-10% of cases with an outcome.
within deaths_pct "$(q "SELECT 100.0 * sum(outcome IN ('DOD','DOC')) / sum(outcome <> '') FROM raw")" 3 10
# R0 the most common surgery ([ADU] 86% R0).
top=$(q "SELECT surgery FROM raw WHERE surgery <> '' GROUP BY surgery ORDER BY count(*) DESC LIMIT 1")
[ "$top" = R0 ]
check r0_most_common $? "most common: $top"
# Lung the most common site ([CON]).
top=$(q "SELECT site FROM raw GROUP BY site ORDER BY count(*) DESC LIMIT 1")
[ "$top" = lung ]
check lung_most_common_site $? "most common: $top"
k=$(q "SELECT count(DISTINCT site) FROM raw WHERE site IN ('lung','head_neck','abdomen_pelvis','retroperitoneum','genitourinary','trunk_limbs','thorax_other','cns','other')")
[ "$k" = 9 ]
check every_site_present $? "$k sites"
# Children 50-60% ([CON]); median age of children ~7 ([PED] 84 months).
within children_pct "$(q "SELECT 100.0 * sum(CAST(age_years AS REAL) < 18) / count(*) FROM raw WHERE age_years <> ''")" 45 65
within child_median_age "$(q "SELECT CAST(age_years AS REAL) FROM raw WHERE age_years <> '' AND CAST(age_years AS REAL) < 18 ORDER BY CAST(age_years AS REAL) LIMIT 1 OFFSET (SELECT count(*) / 2 FROM raw WHERE age_years <> '' AND CAST(age_years AS REAL) < 18)")" 5 10
# Follow-up reaches about ten years.
within followup_max "$(q "SELECT max(CAST(followup_months AS REAL)) FROM raw")" 110 120
# LOST both with and without a follow-up time.
k=$(q "SELECT count(DISTINCT followup_months = '') FROM raw WHERE outcome = 'LOST'")
[ "$k" = 2 ]
check lost_with_and_without_followup $?
# Review state mostly unreviewed.
within unreviewed_pct "$(q "SELECT 100.0 * avg(review_status = 'unreviewed') FROM raw")" 70 95
# Fusions other than ALK only in ALK-negative biology, some discordant cases.
k=$(q "SELECT count(*) FROM raw WHERE fusion LIKE '%::ROS1'")
[ "$k" -gt 0 ]; check ros1_fusions_present $?
k=$(q "SELECT count(*) FROM raw WHERE fusion = 'ETV6::NTRK3'")
[ "$k" -gt 0 ]; check ntrk3_fusions_present $?
k=$(q "SELECT count(*) FROM raw WHERE fusion LIKE '%::RET'")
[ "$k" -gt 0 ]; check ret_fusions_present $?
none ranbp2_nuclear_membrane "fusion = 'RANBP2::ALK' AND alk_ihc_pattern NOT IN ('', 'nuclear_membrane')"
none epithelioid_is_ranbp2 "histology = 'epithelioid' AND fusion NOT IN ('', 'none', 'RANBP2::ALK')"
k=$(q "SELECT count(*) FROM c WHERE alk_ihc = 'positive' AND alk = 'negative'")
[ "$k" -gt 0 ]; check discordant_cases_present $?
# Notes: Chinese, commas, double quotes, line breaks, plain English, empty.
for kind in "cjk:notes GLOB '*[一-鿿]*'" "comma:notes LIKE '%,%'" \
            "quote:instr(notes, '\"') > 0" "newline:instr(notes, char(10)) > 0" \
            "empty:notes = ''" "english:notes GLOB '[A-Z]*' AND notes NOT LIKE '%,%'"; do
    name=${kind%%:*}; cond=${kind#*:}
    k=$(q "SELECT count(*) FROM raw WHERE $cond")
    [ "$k" -gt 0 ] && ok "notes_$name" || bad "notes_$name" "none"
done

# ---- the committed sample: some unknowns in every optional column -----------------
sqlite3 "$tmp/s.db" ".import --csv '$here/sample-data/cases.csv' raw"
missing=""
for col in $(sqlite3 "$tmp/s.db" "SELECT name FROM pragma_table_info('raw')"); do
    case "$col" in case_id|site|review_status) continue ;; esac
    k=$(sqlite3 "$tmp/s.db" "SELECT count(*) FROM raw WHERE \"$col\" = ''")
    [ "$k" -gt 0 ] || missing="$missing $col"
done
[ -z "$missing" ]
check unknowns_in_every_optional_column $? "never empty:$missing"
k=$(sqlite3 "$tmp/s.db" "SELECT count(*) FROM raw")
[ "$k" -ge 300 ]
check sample_has_300_cases $? "$k"

[ "$fails" -eq 0 ]
