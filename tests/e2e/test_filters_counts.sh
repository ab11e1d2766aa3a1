#!/bin/sh
# End-to-end: filter counts of `imtreview list` against counts computed
# independently from the CSV itself.
#
# sample-data/cases.csv is imported into a temporary database; the same
# file is loaded, as raw text, into an in-memory table by the sqlite3 CLI
# (`.import --csv`).  For every site, ALK status, outcome and review state,
# a few AND/OR combinations and some --search texts, the number of rows of
# `imtreview list FILTERS` must equal a SQL count over the raw text.
# The ALK status is derived in that SQL from alk_ihc, alk_fish and fusion,
# written from the data dictionary's "Derived fields" text (not from the C
# code), so a wrong derivation in the program shows up as a count mismatch.
: "${IMTREVIEW:?set IMTREVIEW to the binary}"
here=$(cd "$(dirname "$0")/../.." && pwd)
csv=${CASES_CSV:-$here/sample-data/cases.csv}
. "$(dirname "$0")/engine_lib.sh"
tmp=$(mktemp -d) || exit 1
trap 'eng_cleanup "$tmp"; rm -rf "$tmp"' EXIT
fails=0
ok()  { echo "ok $1"; }
bad() { echo "not ok $1${2:+ # $2}"; fails=$((fails + 1)); }
db=$(eng_db "$tmp" cases)
raw="$tmp/raw.db"   # the CSV as text, for sqlite3 (not an imtreview database)

if ! command -v sqlite3 >/dev/null 2>&1; then
    bad sqlite3_cli "the sqlite3 command-line tool is needed (make deps)"
    exit 1
fi
if ! "$IMTREVIEW" --db "$db" import "$csv" >"$tmp/out" 2>"$tmp/err"; then
    bad import_sample "$(head -3 "$tmp/err")"
    exit 1
fi
ok import_sample
if ! sqlite3 "$raw" ".import --csv '$csv' raw" 2>"$tmp/err"; then
    bad load_raw "$(head -3 "$tmp/err")"
    exit 1
fi

# The view every count reads: raw text columns plus the ALK status per
# data-dictionary.md "Derived fields":
#   positive: alk_fish = positive, or fusion involves ALK, or
#             (alk_ihc = positive and no molecular result says otherwise);
#   negative: no molecular test positive for ALK and at least one of
#             alk_fish = negative, fusion recorded and not involving ALK
#             (including 'none'), alk_ihc = negative;
#   unknown otherwise.  Molecular results outrank IHC.
# "Involves ALK" = ALK is one of the two partners of GENE1::GENE2.
# Enumerations are case-insensitive in the file, hence lower().
sqlite3 "$raw" "
CREATE VIEW c AS
SELECT r.*,
  CASE
    WHEN lower(trim(alk_fish)) = 'positive' OR fus_alk THEN 'positive'
    WHEN lower(trim(alk_ihc)) = 'positive' AND NOT mol_neg THEN 'positive'
    WHEN mol_neg OR lower(trim(alk_ihc)) = 'negative' THEN 'negative'
    ELSE 'unknown'
  END AS alk
FROM (SELECT raw.*,
        (fusion LIKE 'ALK::%' OR fusion LIKE '%::ALK') AS fus_alk,
        (lower(trim(alk_fish)) = 'negative'
         OR (trim(fusion) <> '' AND NOT (fusion LIKE 'ALK::%' OR fusion LIKE '%::ALK'))) AS mol_neg
      FROM raw) AS r;" || { bad alk_view "could not create the SQL view"; exit 1; }

total=$(sqlite3 "$raw" "SELECT count(*) FROM raw")
[ "$total" -gt 0 ] || { bad raw_rows "no rows in the raw table"; exit 1; }

# count NAME "SQL WHERE" list-options...
count() {
    name=$1; where=$2; shift 2
    want=$(sqlite3 "$raw" "SELECT count(*) FROM c WHERE $where")
    got=$("$IMTREVIEW" --db "$db" list "$@" 2>"$tmp/lerr" | tail -n +2 | wc -l | tr -d ' ')
    if [ -s "$tmp/lerr" ]; then
        bad "$name" "stderr: $(head -2 "$tmp/lerr")"
    elif [ "$got" = "$want" ]; then
        ok "$name"
    else
        bad "$name" "list gives $got, the CSV has $want"
    fi
}

count all "1"
[ "$("$IMTREVIEW" --db "$db" list | tail -n +2 | wc -l | tr -d ' ')" = "$total" ] &&
    ok all_equals_rows || bad all_equals_rows

for s in lung head_neck abdomen_pelvis retroperitoneum genitourinary trunk_limbs \
         thorax_other cns other; do
    count "site_$s" "lower(trim(site)) = '$s'" --site "$s"
done
for a in positive negative unknown; do
    count "alk_$a" "alk = '$a'" --alk "$a"
done
for o in NED AWD DOD DOC LOST; do
    count "outcome_$o" "upper(trim(outcome)) = '$o'" --outcome "$o"
done
# An empty review_status is the default, unreviewed (data dictionary).
for st in unreviewed in_review signed_out; do
    if [ "$st" = unreviewed ]; then
        w="lower(trim(review_status)) IN ('unreviewed', '')"
    else
        w="lower(trim(review_status)) = '$st'"
    fi
    count "status_$st" "$w" --status "$st"
done

# OR inside one filter, AND across filters, case-insensitive values.
count or_sites "lower(site) IN ('lung','head_neck')" --site lung,head_neck
count and_site_alk "lower(site) IN ('lung','head_neck') AND alk = 'positive'" \
    --site lung,head_neck --alk positive
count deaths_unreviewed "upper(outcome) IN ('DOD','DOC') AND lower(review_status) IN ('unreviewed','')" \
    --outcome DOD,DOC --status unreviewed
count abdomen_not_positive_ned "lower(site) = 'abdomen_pelvis' AND alk IN ('negative','unknown') AND upper(outcome) = 'NED'" \
    --site abdomen_pelvis --alk negative,unknown --outcome NED
count alk_all_three "1" --alk positive,negative,unknown
count value_case_insensitive "lower(site) = 'lung' AND upper(outcome) = 'LOST'" --site LUNG --outcome lost
count four_filters "lower(site) <> 'lung' AND alk = 'positive' AND upper(outcome) IN ('NED','AWD') AND lower(review_status) IN ('unreviewed','')" \
    --site head_neck,abdomen_pelvis,retroperitoneum,genitourinary,trunk_limbs,thorax_other,cns,other \
    --alk positive --outcome NED,AWD --status unreviewed

# --search: case-insensitive substring of case_id, site_detail or notes.
# SQLite's lower() folds ASCII only, so the search texts here are ASCII
# (case differs on purpose) or CJK (no case).
search_where() {
    printf "instr(lower(case_id), lower('%s')) > 0 OR instr(lower(site_detail), lower('%s')) > 0 OR instr(lower(notes), lower('%s')) > 0" "$1" "$1" "$1"
}
count search_lobe "$(search_where LOBE)" --search LOBE
count search_mdt "$(search_where mdt)" --search mdt
count search_id_prefix "$(search_where imt-0001)" --search imt-0001
count search_cjk "$(search_where 复发)" --search 复发
count search_quote "$(search_where '"favour')" --search '"favour'
count search_none "$(search_where 'no-such-text-xyz')" --search no-such-text-xyz
count search_and_alk "($(search_where lobe)) AND alk = 'positive'" --search lobe --alk positive

# JSON gives the same number of cases as the text list.
"$IMTREVIEW" --db "$db" list --json --site lung >"$tmp/lung.json"
n_json=$(sqlite3 :memory: "SELECT json_array_length(CAST(readfile('$tmp/lung.json') AS TEXT))")
n_sql=$(sqlite3 "$raw" "SELECT count(*) FROM c WHERE lower(site) = 'lung'")
[ "$n_json" = "$n_sql" ] && ok json_count_lung || bad json_count_lung "json $n_json, csv $n_sql"

# Every site, ALK and outcome count adds up to the whole.
sum=0
for s in lung head_neck abdomen_pelvis retroperitoneum genitourinary trunk_limbs \
         thorax_other cns other; do
    n=$("$IMTREVIEW" --db "$db" list --site "$s" | tail -n +2 | wc -l)
    sum=$((sum + n))
done
[ "$sum" -eq "$total" ] && ok sites_partition || bad sites_partition "$sum of $total"

[ "$fails" -eq 0 ]
