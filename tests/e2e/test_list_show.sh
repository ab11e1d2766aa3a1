#!/bin/sh
# End-to-end: `imtreview list` and `imtreview show`, text and JSON, on a
# small file written here (expected output worked out by hand from the
# data dictionary and cli.md), with hostile text in notes and site_detail:
# no control byte, C1 control or bidi override may reach the terminal raw.
: "${IMTREVIEW:?set IMTREVIEW to the binary}"
. "$(dirname "$0")/engine_lib.sh"
tmp=$(mktemp -d) || exit 1
trap 'eng_cleanup "$tmp"; rm -rf "$tmp"' EXIT
fails=0
ok()  { echo "ok $1"; }
bad() { echo "not ok $1${2:+ # $2}"; fails=$((fails + 1)); }
check() { if [ "$2" -eq 0 ]; then ok "$1"; else bad "$1" "$3"; fi; }
db=$(eng_db "$tmp" t)
imt() { "$IMTREVIEW" --db "$db" "$@"; }
TAB=$(printf '\t')

# Three cases, ids out of order.  A-1: everything hostile that is still
# valid.  B-2: only the required columns.  Z-3: IHC positive, molecular
# test negative (ALK negative, discordant).
# notes of A-1: a ESC[31mred BEL TAB b\c CR LF d U+009B e U+202E f 中文 "q", g
{
printf 'case_id,age_years,sex,site,site_detail,size_cm,multifocal,mitoses_10hpf,alk_ihc,alk_ihc_pattern,alk_fish,fusion,fusion_method,ki67_pct,surgery,recurrence,recurrence_months,outcome,followup_months,review_status,reviewer,reviewed_at,notes\n'
printf 'Z-3,70,M,abdomen_pelvis,liver,30,,,positive,cytoplasmic,,none,,,biopsy,,,DOD,7.5,in_review,,,plain\n'
printf 'A-1,34.5,F,lung,"left\tlobe\033[2J",12.5,yes,3,positive,cytoplasmic,positive,TPM3::ALK,ngs_rna,0.5,R0,yes,20,NED,60,signed_out,dr.x,2024-05-01T10:00:00Z,"a\033[31mred\007\tb\\c\r\nd\302\233e\342\200\256f \344\270\255\346\226\207 ""q"", g"\n'
printf 'B-2,,,head_neck,,,,,,,,,,,,,,,,,,,\n'
} >"$tmp/cases.csv"
imt import "$tmp/cases.csv" >"$tmp/out" 2>"$tmp/err"
check import_fixture $? "$(head -3 "$tmp/err")"

# ---- list, text --------------------------------------------------------------
imt list >"$tmp/list.txt" 2>"$tmp/err"
check list_exit $?
# (issue 10: then who has the case, the latest review comment, the
# decision state and the version.  Every case has a recommendation that
# needs a decision (rules.md: A-1 and Z-3 were treated, FU-LONG-TERM; B-2
# lacks imaging, DX-IMAGING) and none has one: undecided; imported: 1.)
dec=undecided
{
printf 'case_id\tage_years\tsex\tsite\tsite_detail\tsize_cm\tsurgery\toutcome\tfollowup_months\treview_status\talk_status\treviewer\treview_comment\tdecision_state\tversion\n'
printf 'A-1\t34.5\tF\tlung\tleft\\tlobe\\x1b[2J\t12.5\tR0\tNED\t60\tsigned_out\tpositive\tdr.x\t\t%s\t1\n' "$dec"
printf 'B-2\t\t\thead_neck\t\t\t\t\t\tunreviewed\tunknown\t\t\t%s\t1\n' "$dec"
printf 'Z-3\t70\tM\tabdomen_pelvis\tliver\t30\tbiopsy\tDOD\t7.5\tin_review\tnegative\t\t\t%s\t1\n' "$dec"
} >"$tmp/want.txt"
cmp -s "$tmp/list.txt" "$tmp/want.txt"
check list_text_exact $? "$(diff "$tmp/want.txt" "$tmp/list.txt" | head -5)"

# No raw control byte other than TAB/LF, no C1 (C2 80-9F), no bidi override.
raw_controls() { # file -> count of unsafe bytes/sequences
    LC_ALL=C tr -d '\t\n\040-\176\200-\377' <"$1" | wc -c | tr -d ' '
}
c1_or_bidi() {
    LC_ALL=C grep -c "$(printf '\302[\200-\237]')\|$(printf '\342\200[\252-\256]')\|$(printf '\342\201[\246-\251]')" "$1"
}
[ "$(raw_controls "$tmp/list.txt")" = 0 ] && [ "$(c1_or_bidi "$tmp/list.txt")" = 0 ]
check list_text_terminal_safe $?

imt list --site lung >"$tmp/o" && [ "$(tail -n +2 "$tmp/o" | cut -f1)" = A-1 ]
check list_filter_site $?
imt list --alk negative --outcome DOD >"$tmp/o" && [ "$(tail -n +2 "$tmp/o" | cut -f1)" = Z-3 ]
check list_filter_and $?
imt list --alk unknown,positive >"$tmp/o" && [ "$(tail -n +2 "$tmp/o" | cut -f1 | tr '\n' ' ')" = "A-1 B-2 " ]
check list_filter_or $?
imt list --search '中文' >"$tmp/o" && [ "$(tail -n +2 "$tmp/o" | cut -f1)" = A-1 ]
check list_search_cjk $?
imt list --search LOBE >"$tmp/o" && [ "$(tail -n +2 "$tmp/o" | cut -f1)" = A-1 ]
check list_search_case_insensitive $?
# a search text that does not fit is refused, never cut (a cut text would
# quietly match other cases)
long=$(printf '%0200d' 0 | tr 0 a)
imt list --search "$long" >"$tmp/o" 2>"$tmp/err"
[ $? -eq 2 ] && grep -q 'longer than' "$tmp/err"
check list_search_too_long_refused $? "$(cat "$tmp/err")"
imt list --status signed_out --site head_neck >"$tmp/o" && [ "$(wc -l <"$tmp/o" | tr -d ' ')" = 1 ]
check list_empty_result_header_only $?

# ---- list, JSON (checked with SQLite's JSON functions) --------------------------
imt list --json >"$tmp/list.json" 2>"$tmp/err"
check list_json_exit $?
J() { sqlite3 :memory: "SELECT $1 FROM (SELECT CAST(readfile('$tmp/list.json') AS TEXT) AS j)"; }
[ "$(J 'json_valid(j)')" = 1 ] && [ "$(J 'json_array_length(j)')" = 3 ]
check list_json_array $?
[ "$(J "json_extract(j, '\$[0].case_id') || json_extract(j, '\$[1].case_id') || json_extract(j, '\$[2].case_id')")" = "A-1B-2Z-3" ]
check list_json_order $?
# Keys: every data-dictionary column, in its order, then the derived ones,
# then what the store keeps beside them (issue 10).
cols="case_id age_years sex site site_detail diagnosis_date size_cm multifocal metastatic invasive_growth imaging suv_max histology necrosis mitoses_10hpf alk_ihc alk_ihc_pattern alk_fish fusion fusion_method ros1_ihc pdl1_tps ki67_pct sma desmin cytokeratin s100 cd117 dog1 igg4_igg_ratio igg4_per_hpf nlr resectable surgery radiotherapy_gy chemotherapy steroids nsaid targeted immunotherapy recurrence recurrence_months outcome followup_months notes review_status reviewer reviewed_at alk_status alk_confirmed next_due version review_comment signer_name decision_state"
keys=$(sqlite3 :memory: "SELECT group_concat(key, ' ') FROM json_each(json_extract(CAST(readfile('$tmp/list.json') AS TEXT), '\$[1]'))")
[ "$keys" = "$cols" ]
check list_json_keys $? "$keys"
[ "$(J "json_type(j, '\$[0].age_years') || ' ' || json_type(j, '\$[0].mitoses_10hpf') || ' ' || json_type(j, '\$[0].multifocal') || ' ' || json_type(j, '\$[0].alk_confirmed') || ' ' || json_type(j, '\$[2].alk_confirmed')")" = "real integer true true false" ]
check list_json_types $?
[ "$(J "json_extract(j, '\$[0].age_years') || ' ' || json_extract(j, '\$[0].size_cm') || ' ' || json_extract(j, '\$[0].followup_months') || ' ' || json_extract(j, '\$[0].ki67_pct')")" = "34.5 12.5 60.0 0.5" ]
check list_json_numbers $?
# B-2: every column but case_id, site, review_status, alk_status,
# alk_confirmed, version and decision_state is null, and next_due too (no
# diagnosis date, no contact: nothing to count from).
n=$(sqlite3 :memory: "SELECT count(*) FROM json_each(json_extract(CAST(readfile('$tmp/list.json') AS TEXT), '\$[1]')) WHERE type = 'null'")
[ "$n" = 48 ]
check list_json_unknown_null $? "$n nulls"
[ "$(J "json_extract(j, '\$[0].alk_status') || json_extract(j, '\$[1].alk_status') || json_extract(j, '\$[2].alk_status')")" = "positiveunknownnegative" ]
check list_json_alk_status $?
# The hostile note survives exactly (JSON escapes, decoded by SQLite).
[ "$(J "json_extract(j, '\$[0].notes') = 'a' || char(27) || '[31mred' || char(7) || char(9) || 'b\\c' || char(13) || char(10) || 'd' || char(155) || 'e' || char(8238) || 'f 中文 \"q\", g'")" = 1 ]
check list_json_notes_exact $?
[ "$(raw_controls "$tmp/list.json")" = 0 ] && [ "$(LC_ALL=C tr -d '\n\040-\176' <"$tmp/list.json" | wc -c | tr -d ' ')" = 0 ]
check list_json_ascii_only $?
imt list --json --site cns >"$tmp/o" && [ "$(cat "$tmp/o")" = "[]" ]
check list_json_empty $?

# ---- show, text ---------------------------------------------------------------------
imt show A-1 >"$tmp/show.txt" 2>"$tmp/err"
check show_exit $?
[ "$(grep -v '^ ' "$tmp/show.txt" | tr '\n' ' ')" = "Case A-1 Demographics Presentation Imaging Histology Markers Treatment Follow-up Review Course Notes " ]
check show_groups $? "$(grep -v '^ ' "$tmp/show.txt" | tr '\n' ' ')"
[ "$(raw_controls "$tmp/show.txt")" = 0 ] && [ "$(c1_or_bidi "$tmp/show.txt")" = 0 ]
check show_terminal_safe $?
has() { grep -qF -- "$2" "$tmp/$1"; }
has show.txt 'left\tlobe\x1b[2J'
check show_site_detail_escaped $?
# Notes keep their line break (LF) as a new indented line; CR is escaped.
[ "$(sed -n '/^Notes$/,$p' "$tmp/show.txt")" = "$(printf 'Notes\n  a\\x1b[31mred\\x07\\tb\\\\c\\r\n  d\\u009be\\u202ef 中文 "q", g')" ]
check show_notes_escaped $? "$(sed -n '/^Notes$/,$p' "$tmp/show.txt" | od -c | head -5)"
has show.txt 'TPM3::ALK' && has show.txt 'ngs_rna'
check show_fusion_with_method $?
grep -q '^  ALK status .*positive' "$tmp/show.txt"
check show_alk_status $?
grep -q '^  Reviewer  *dr\.x$' "$tmp/show.txt" && grep -q '^  Reviewed at  *2024-05-01T10:00:00Z$' "$tmp/show.txt"
check show_review_state $?
imt show B-2 >"$tmp/show2.txt"
grep -q '^  ALK IHC  *not done$' "$tmp/show2.txt" && grep -q '^  Fusion  *not done$' "$tmp/show2.txt"
check show_marker_not_done $?
grep -q '^  ALK status  *unknown$' "$tmp/show2.txt"
check show_alk_unknown $?
imt show Z-3 >"$tmp/show3.txt"
grep -q '^  ALK status  *negative.*discordant' "$tmp/show3.txt"
check show_discordant $?
# every label of the record shows up in the A-1 output at least once
for l in 'Age (years)' 'Sex' 'Site' 'Site detail' 'Diagnosed' 'Size (cm)' 'Multifocal' \
         'Metastatic' 'Invasive growth' 'Imaging' 'PET SUVmax' 'Histology' 'Necrosis' \
         'ALK IHC' 'ALK pattern' 'ALK FISH' 'Fusion' 'ROS1 IHC' 'Ki-67' 'SMA' 'Desmin' \
         'Cytokeratin' 'CD117' 'DOG1' 'NLR' 'Resectable' 'Surgery' 'Radiotherapy' \
         'Chemotherapy' 'Steroids' 'NSAID' 'Targeted' 'Immunotherapy' 'Recurrence' \
         'Outcome' 'Follow-up' 'Review' 'Reviewer' 'Reviewed at'; do
    grep -q "^  $l" "$tmp/show.txt" || { bad "show_label_$l"; continue; }
done
ok show_labels

# ---- show, JSON ---------------------------------------------------------------------
imt show --json Z-3 >"$tmp/z.json"
SJ() { sqlite3 :memory: "SELECT $1 FROM (SELECT CAST(readfile('$tmp/z.json') AS TEXT) AS j)"; }
[ "$(SJ "json_valid(j) || json_extract(j, '\$.case_id') || json_extract(j, '\$.alk_status') || json_type(j, '\$.alk_discordant') || json_type(j, '\$.alk_confirmed')")" = "1Z-3negativetruefalse" ]
check show_json_discordant $?
n=$(sqlite3 :memory: "SELECT count(*) FROM json_each(CAST(readfile('$tmp/z.json') AS TEXT))")
[ "$n" = 57 ]    # the columns, alk_discordant, next_due, events, and issue 10's four
check show_json_all_keys $? "$n keys"
imt show A-1 --json >"$tmp/a.json"
[ "$(sqlite3 :memory: "SELECT json_extract(CAST(readfile('$tmp/a.json') AS TEXT), '\$.notes') = json_extract(CAST(readfile('$tmp/list.json') AS TEXT), '\$[0].notes')")" = 1 ]
check show_json_same_as_list $?

# ---- errors and help -------------------------------------------------------------------
imt show NOPE >"$tmp/o" 2>"$tmp/err"; rc=$?
[ $rc -eq 1 ] && grep -q "no case 'NOPE'" "$tmp/err" && [ ! -s "$tmp/o" ]
check show_unknown_case $? "exit $rc: $(cat "$tmp/err")"
imt show "$(printf 'X\033[2J')" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -eq 1 ] && [ "$(raw_controls "$tmp/err")" = 0 ] && grep -qF 'X␛[2J' "$tmp/err"
check show_unknown_case_escaped $?
imt show >/dev/null 2>&1; [ $? -eq 2 ]
check show_missing_id $?
imt show A-1 B-2 >/dev/null 2>&1; [ $? -eq 2 ]
check show_two_ids $?
imt show --bogus A-1 >/dev/null 2>&1; [ $? -eq 2 ]
check show_bad_option $?
imt list extra >/dev/null 2>&1; [ $? -eq 2 ]
check list_extra_argument $?
imt list --bogus >/dev/null 2>&1; [ $? -eq 2 ]
check list_bad_option $?
bad_filter() { # name option value allowed...
    name=$1; opt=$2; val=$3; shift 3
    imt list "$opt" "$val" >"$tmp/o" 2>"$tmp/err"; rc=$?
    if [ $rc -ne 2 ] || [ -s "$tmp/o" ]; then bad "$name" "exit $rc"; return; fi
    for v in "$@"; do
        grep -q -- "$v" "$tmp/err" || { bad "$name" "allowed value $v not named: $(cat "$tmp/err")"; return; }
    done
    ok "$name"
}
bad_filter bad_site --site mars lung head_neck abdomen_pelvis retroperitoneum genitourinary trunk_limbs thorax_other cns other
bad_filter bad_alk --alk maybe positive negative unknown
bad_filter bad_outcome --outcome CURED NED AWD DOD DOC LOST
bad_filter bad_status --status done unreviewed in_review signed_out
bad_filter bad_site_in_list --site lung,mars lung cns
imt list --help >"$tmp/o" 2>&1 && grep -q -- '--json' "$tmp/o" && grep -q -- '--site' "$tmp/o"
check list_help $?
imt show --help >"$tmp/o" 2>&1 && grep -q -- '--json' "$tmp/o"
check show_help $?

# An empty database: header only; JSON [].
db=$(eng_fresh "$tmp" t)
printf 'case_id,site\n' >"$tmp/header.csv"
imt import "$tmp/header.csv" >/dev/null
[ "$(imt list | wc -l | tr -d ' ')" = 1 ] && [ "$(imt list --json)" = "[]" ]
check list_empty_database $?

[ "$fails" -eq 0 ]
