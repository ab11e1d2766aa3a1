#!/bin/sh
# End-to-end (issue 10) on the command line: decide, decisions going stale,
# recommend --json's decision key, list --decision, sign-out as a signature
# and a lock (edit, decide, import --update refused), re-open with a
# reason, who has the case, edit with --expect-version, and --json on every
# command that reports an outcome.  JSON is read with SQLite's JSON
# functions (the sqlite3 shell, a build dependency) on the output only.
. "$(dirname "$0")/cli_lib.sh"
db=$(cl_db cases)
me=$(eng_user)
J() {   # J FILE EXPR: EXPR over the JSON text in j
    sqlite3 :memory: "SELECT $2 FROM (SELECT CAST(readfile('$1') AS TEXT) AS j)"
}
# Written from data-dictionary.md.  R-1 is resectable and not yet
# operated on (rules.md: TX-SURGERY fires on resectable = yes with surgery
# empty, none or biopsy); R-2 and R-3 have only a site.
cat >"$tmp/a.csv" <<'EOF'
case_id,age_years,site,resectable,surgery,imaging,notes
R-1,40,lung,yes,none,CT,first
R-2,,cns,,,,
R-3,,other,,,,
EOF
run --db "$db" import --json "$tmp/a.csv"
check import_json_exit0 rc_is 0
check import_json_keys test "$(J "$tmp/out" "json_valid(j) || json_extract(j, '\$.added') || json_extract(j, '\$.updated') || json_extract(j, '\$.unchanged') || json_extract(j, '\$.dry_run') || json_extract(j, '\$.written')")" = 130001
run --db "$db" import --dry-run --update --json "$tmp/a.csv"
check import_dry_json test "$(J "$tmp/out" "json_extract(j, '\$.unchanged') || json_extract(j, '\$.dry_run') || json_extract(j, '\$.written')")" = 310

# The recommendations of a case that need a decision (level not info), from
# recommend --json: "ID" per line.
needing() {
    "$IMT" --db "$db" recommend "$1" --json | grep -o '"id":"[^"]*","kind":"[^"]*","level":"[^"]*"' |
        sed -n 's/^"id":"\([^"]*\)".*"level":"\([^"]*\)"$/\1 \2/p' | awk '$2 != "info" { print $1 }'
}
info_rule() {
    "$IMT" --db "$db" recommend "$1" --json | grep -o '"id":"[^"]*","kind":"[^"]*","level":"info"' |
        sed -n '1s/^"id":"\([^"]*\)".*/\1/p'
}
# the decision object (or null) of rule $2 in recommend $1 --json
dec_of() {
    "$IMT" --db "$db" recommend "$1" --json >"$tmp/rec.json"
    J "$tmp/rec.json" "(SELECT json_extract(value, '\$.decision') FROM json_each(json_extract(j, '\$.recommendations')) WHERE json_extract(value, '\$.id') = '$2')"
}
count() { "$IMT" --db "$db" list "$@" | tail -n +2 | grep -c .; }

check surgery_fires needing R-1 | grep -qx TX-SURGERY
n1=$(needing R-1 | grep -c .)

# ---- decide: usage (2) -------------------------------------------------------
run --db "$db" decide R-1 TX-SURGERY
check decide_neither_exit2 rc_is 2
run --db "$db" decide R-1 TX-SURGERY --accept --override contraindicated
check decide_both_exit2 rc_is 2
run --db "$db" decide R-1 TX-SURGERY --override tired
check decide_bad_reason_exit2 rc_is 2
check decide_bad_reason_lists has "$tmp/err" "contraindicated, patient-declined, already-done, not-applicable, evidence-disagrees, other"
run --db "$db" decide R-1 TX-SURGERY --override other
check decide_other_needs_comment_exit2 rc_is 2
check decide_other_says has "$tmp/err" "other"
run --db "$db" decide R-1
check decide_no_rule_exit2 rc_is 2

# ---- decide: refused (1) -----------------------------------------------------------
run --db "$db" decide NOPE TX-SURGERY --accept
check decide_no_case_exit1 rc_is 1
check decide_no_case_msg has "$tmp/err" "no case 'NOPE'"
run --db "$db" decide R-2 TX-SURGERY --accept
check decide_not_firing_exit1 rc_is 1
check decide_not_firing_msg has "$tmp/err" "does not fire"
run --db "$db" decide R-2 "$(info_rule R-2)" --accept
check decide_info_exit1 rc_is 1
run --db "$db" --readonly decide R-1 TX-SURGERY --accept
check decide_readonly_exit1 rc_is 1
check no_decision_yet test "$(dec_of R-1 TX-SURGERY)" = ""

# ---- decide: saved (0) -------------------------------------------------------------
v0=$("$IMT" --db "$db" show R-1 --json | sed -n 's/.*"version":\([0-9]*\).*/\1/p')
run --db "$db" decide R-1 TX-SURGERY --override patient-declined --comment "ALK TKI considered, patient declined" --json
check decide_exit0 rc_is 0
check decide_json test "$(J "$tmp/out" "json_extract(j, '\$.case_id') || '|' || json_extract(j, '\$.rule_id') || '|' || json_extract(j, '\$.decision') || '|' || json_extract(j, '\$.reason') || '|' || json_extract(j, '\$.comment') || '|' || json_extract(j, '\$.user') || '|' || json_extract(j, '\$.version')")" = "R-1|TX-SURGERY|override|patient-declined|ALK TKI considered, patient declined|$me|$((v0 + 1))"
check decide_json_fired_by test "$(J "$tmp/out" "json_array_length(j, '\$.fired_by') > 0 AND json_extract(j, '\$.fired_by') LIKE '%resectable = yes%'")" = 1
check decide_json_time test "$(J "$tmp/out" "json_extract(j, '\$.time') GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'")" = 1
d=$(dec_of R-1 TX-SURGERY)
printf '%s' "$d" >"$tmp/d.json"
check recommend_decision_object test "$(J "$tmp/d.json" "json_extract(j, '\$.decision') || '|' || json_extract(j, '\$.reason') || '|' || json_extract(j, '\$.comment') || '|' || json_extract(j, '\$.user') || '|' || json_type(j, '\$.stale') || '|' || (json_extract(j, '\$.ruleset') LIKE 'imt-%') || '|' || (json_type(j, '\$.time') = 'text')")" = "override|patient-declined|ALK TKI considered, patient declined|$me|false|1|1"
# every other recommendation: decision null (info ones always)
"$IMT" --db "$db" recommend R-1 --json >"$tmp/rec.json"
check recommend_null_decisions test "$(J "$tmp/rec.json" "(SELECT count(*) FROM json_each(json_extract(j, '\$.recommendations')) WHERE json_extract(value, '\$.id') <> 'TX-SURGERY' AND json_type(value, '\$.decision') <> 'null')")" = 0
run --db "$db" recommend R-1
check recommend_text_decision has "$tmp/out" "decision: overridden (patient-declined) by $me"

# ---- the decision filter ---------------------------------------------------------------
check filter_all_undecided test "$(count --decision undecided)" = 3
check filter_none_decided test "$(count --decision decided)" = 0
for r in $(needing R-1); do
    [ "$r" = TX-SURGERY ] || "$IMT" --db "$db" decide R-1 "$r" --accept >/dev/null || notok decide_rest
done
check filter_decided test "$("$IMT" --db "$db" list --decision decided | tail -n +2 | cut -f1)" = R-1
check filter_undecided_rest test "$(count --decision undecided)" = 2
check filter_or test "$(count --decision undecided,decided)" = 3
check filter_and_status test "$(count --decision decided --status unreviewed)" = 1
run --db "$db" list --decision maybe
check filter_bad_value_exit2 rc_is 2
check filter_bad_value_lists has "$tmp/err" "undecided,stale,decided"

# ---- a decision goes stale when its facts change -------------------------------------
run --db "$db" edit R-1 surgery=biopsy
check edit_fact_exit0 rc_is 0
printf '%s' "$(dec_of R-1 TX-SURGERY)" >"$tmp/d.json"
check stale_in_recommend test "$(J "$tmp/d.json" "json_type(j, '\$.stale')")" = true
check stale_filter test "$("$IMT" --db "$db" list --decision stale | tail -n +2 | cut -f1)" = R-1
check stale_counts_as_undecided test "$(count --decision undecided)" = 3
run --db "$db" recommend R-1
check stale_text has "$tmp/out" "decision: STALE: overridden (patient-declined)"
check stale_text_why has "$tmp/out" "surgery"
run --db "$db" show R-1
check show_decisions_stale grep -qE '^  Decisions +stale' "$tmp/out"

# ---- sign-out refused, then allowed ---------------------------------------------------
run --db "$db" review R-1 --status in_review --comment "taking it" --json
check in_review_exit0 rc_is 0
check in_review_json test "$(J "$tmp/out" "json_extract(j, '\$.status') || '|' || json_extract(j, '\$.previous') || '|' || json_extract(j, '\$.reviewer')")" = "in_review|unreviewed|$me"
check in_review_list_reviewer test "$("$IMT" --db "$db" list --search R-1 | tail -n 1 | cut -f12,13)" = "$(printf '%s\ttaking it' "$me")"
n_audit=$(eng_q "$db" 'SELECT count(*) FROM audit')
run --db "$db" review R-1 --status signed_out --comment "done"
check signout_refused_exit1 rc_is 1
miss=""
for r in TX-SURGERY $(needing R-1 | grep -vx TX-SURGERY | while read -r x; do
        [ "$(dec_of R-1 "$x")" = "" ] && echo "$x"; done); do
    grep -q "$r" "$tmp/err" || miss="$miss $r"
done
check signout_refusal_lists_rules test -z "$miss"
check signout_refusal_marks_stale has "$tmp/err" "TX-SURGERY (stale)"
check signout_refused_nothing test "$(eng_q "$db" 'SELECT count(*) FROM audit')" = "$n_audit"
for r in $(needing R-1); do
    printf '%s' "$(dec_of R-1 "$r")" >"$tmp/d.json"
    if [ ! -s "$tmp/d.json" ] || [ "$(J "$tmp/d.json" "json_type(j, '\$.stale')")" = true ]; then
        "$IMT" --db "$db" decide R-1 "$r" --override already-done >/dev/null || notok decide_again
    fi
done
run --db "$db" review R-1 --status signed_out --comment "agreed at MDT" --json
check signout_exit0 rc_is 0
check signout_json test "$(J "$tmp/out" "json_extract(j, '\$.status') || '|' || json_extract(j, '\$.reviewer') || '|' || json_extract(j, '\$.comment') || '|' || (json_extract(j, '\$.time') = (SELECT 1) OR 1)")" = "signed_out|$me|agreed at MDT|1"
# the full name is the password database's, of the login running imtreview (on
# PostgreSQL the user recorded is the database role)
full=$(getent passwd "$(id -un)" | cut -d: -f5 | cut -d, -f1)
if [ -n "$full" ]; then
    check signout_full_name test "$(J "$tmp/out" "json_extract(j, '\$.full_name')")" = "$full"
else
    check signout_no_full_name test "$(J "$tmp/out" "json_type(j, '\$.full_name')")" = null
fi
"$IMT" --db "$db" show R-1 --json >"$tmp/s.json"
check show_json_signed test "$(J "$tmp/s.json" "json_extract(j, '\$.review_status') || '|' || json_extract(j, '\$.reviewer') || '|' || json_extract(j, '\$.review_comment') || '|' || json_type(j, '\$.version') || '|' || json_extract(j, '\$.decision_state')")" = "signed_out|$me|agreed at MDT|integer|decided"
run --db "$db" show R-1
check show_text_review_comment grep -qE '^  Review comment +agreed at MDT' "$tmp/out"
[ -n "$full" ] && check show_text_signed_by grep -qE "^  Signed by +$me \($full\)" "$tmp/out"
"$IMT" --db "$db" list --json --search R-1 >"$tmp/l.json"
check list_json_review test "$(J "$tmp/l.json" "json_extract(j, '\$[0].reviewer') || '|' || json_extract(j, '\$[0].review_comment') || '|' || json_type(j, '\$[0].version')")" = "$me|agreed at MDT|integer"
signed_at=$(J "$tmp/s.json" "json_extract(j, '\$.reviewed_at')")

# ---- a signed-out case is locked ------------------------------------------------------
n_audit=$(eng_q "$db" 'SELECT count(*) FROM audit')
v_locked=$(J "$tmp/s.json" "json_extract(j, '\$.version')")
run --db "$db" edit R-1 notes=changed
check locked_edit_exit1 rc_is 1
check locked_edit_names_who_when has "$tmp/err" "signed out by $me"
check locked_edit_names_when has "$tmp/err" "$signed_at"
run --db "$db" decide R-1 "$(needing R-1 | head -n 1)" --accept
check locked_decide_exit1 rc_is 1
check locked_decide_msg has "$tmp/err" "signed out by $me"
run --db "$db" review R-1 --status signed_out
check locked_signout_again_exit1 rc_is 1
run --db "$db" review R-1 --status in_review
check locked_no_reason_exit1 rc_is 1
check locked_no_reason_msg has "$tmp/err" "--reason"
printf 'case_id,site,notes\nR-2,cns,from the file\nR-1,lung,from the file\n' >"$tmp/u.csv"
run --db "$db" import --update "$tmp/u.csv"
check locked_import_exit1 rc_is 1
check locked_import_names_line_case has "$tmp/err" "u.csv:3: column 'case_id': case 'R-1' is signed out by $me"
check locked_import_nothing_written test "$(eng_q "$db" "SELECT count(*) FROM cases WHERE notes = 'from the file'")" = 0
check locked_nothing_audited test "$(eng_q "$db" 'SELECT count(*) FROM audit')" = "$n_audit"
check locked_version_kept test "$("$IMT" --db "$db" show R-1 --json | sed -n 's/.*"version":\([0-9]*\).*/\1/p')" = "$v_locked"
# a row equal to the signed-out case changes nothing: accepted, unchanged
"$IMT" --db "$db" export --search R-1 >"$tmp/same.csv"
run --db "$db" import --update "$tmp/same.csv"
check locked_import_same_exit0 rc_is 0
check locked_import_same_unchanged has "$tmp/out" "0 added, 0 updated, 1 unchanged"
# an update may not sign a case out
printf 'case_id,site,review_status\nR-3,other,signed_out\n' >"$tmp/s.csv"
run --db "$db" import --update "$tmp/s.csv"
check import_cannot_sign_exit1 rc_is 1
check import_cannot_sign_msg has "$tmp/err" "column 'review_status'"

# ---- re-open with a reason ----------------------------------------------------------------
run --db "$db" review R-1 --status in_review --reason "new FISH result" --json
check reopen_exit0 rc_is 0
check reopen_json test "$(J "$tmp/out" "json_extract(j, '\$.previous') || '|' || json_extract(j, '\$.reason')")" = "signed_out|new FISH result"
run --db "$db" audit R-1
check audit_reopen_row awk -F '\t' '$4 == "review_status" && $5 == "signed_out" && $6 == "in_review" && $7 == "re-open" && $8 == "new FISH result"' "$tmp/out"
check audit_reopen_row_there test "$(awk -F '\t' '$4 == "review_status" && $7 == "re-open"' "$tmp/out" | wc -l)" -eq 1
check audit_signature_kept test "$(awk -F '\t' '$4 == "review_status" && $6 == "signed_out" && $8 == "agreed at MDT"' "$tmp/out" | wc -l)" -eq 1
check audit_decision_rows test "$(awk -F '\t' '$4 == "decision" && $10 != "" && $11 ~ /^\[/' "$tmp/out" | wc -l)" -ge "$n1"
check audit_override_row awk -F '\t' '$4 == "decision" && $6 == "override: patient-declined" && $10 == "TX-SURGERY" && $8 == "ALK TKI considered, patient declined"' "$tmp/out"
"$IMT" --db "$db" audit R-1 --json >"$tmp/a.json"
check audit_json_decision test "$(J "$tmp/a.json" "(SELECT count(*) FROM json_each(j) WHERE json_extract(value, '\$.field') = 'decision' AND json_extract(value, '\$.rule_id') = 'TX-SURGERY' AND json_type(value, '\$.fired_by') = 'array')")" -ge 1
"$IMT" --db "$db" show R-1 --json >"$tmp/s.json"
check reopened_signer_cleared test "$(J "$tmp/s.json" "json_type(j, '\$.signer_name') || '|' || json_extract(j, '\$.review_status')")" = "null|in_review"
run --db "$db" edit R-1 notes=editable-again
check reopened_editable rc_is 0

# ---- edit: the checks of import ---------------------------------------------------------
run --db "$db" edit R-2 age_years=121
check edit_bad_value_exit1 rc_is 1
printf 'case_id,site,age_years\nR-2,cns,121\n' >"$tmp/bad.csv"
"$IMT" --db "$db" import --update "$tmp/bad.csv" >/dev/null 2>"$tmp/imperr"
msg=$(sed -n "s/.*column 'age_years': //p" "$tmp/imperr" | head -n 1)
check edit_same_message_as_import has "$tmp/err" "column 'age_years': $msg"
run --db "$db" edit R-2 age_years=12,5
check edit_decimal_comma_exit1 rc_is 1
run --db "$db" edit R-2 fusion=TPM3::ALK
check edit_crossfield_exit1 rc_is 1
check edit_crossfield_names has "$tmp/err" "fusion_method"
run --db "$db" edit R-2 fusion=TPM3::ALK fusion_method=ngs_rna sex=f
check edit_two_fields_exit0 rc_is 0
check edit_canonical test "$(eng_q "$db" "SELECT sex || fusion FROM cases WHERE case_id = 'R-2'")" = FTPM3::ALK
run --db "$db" edit R-2 bogus=1
check edit_unknown_field_exit2 rc_is 2
run --db "$db" edit R-2 review_status=signed_out
check edit_review_field_exit2 rc_is 2
run --db "$db" edit R-2 alk_status=positive
check edit_derived_exit2 rc_is 2
run --db "$db" edit R-2 case_id=X
check edit_case_id_exit2 rc_is 2
run --db "$db" edit R-2 notes
check edit_not_field_value_exit2 rc_is 2
run --db "$db" edit R-2 notes=a notes=b
check edit_twice_exit2 rc_is 2
run --db "$db" edit NOPE notes=a
check edit_no_case_exit1 rc_is 1
run --db "$db" --readonly edit R-2 notes=a
check edit_readonly_exit1 rc_is 1

# ---- edit --expect-version --------------------------------------------------------------
v=$("$IMT" --db "$db" show R-3 --json | sed -n 's/.*"version":\([0-9]*\).*/\1/p')
run --db "$db" edit R-3 notes=one age_years=30 --expect-version "$v" --json
check expect_ok_exit0 rc_is 0
check expect_json test "$(J "$tmp/out" "json_extract(j, '\$.version') || '|' || json_array_length(j, '\$.changed') || '|' || json_extract(j, '\$.changed[0].field') || '|' || json_type(j, '\$.changed[0].old') || '|' || json_extract(j, '\$.changed[0].new') || '|' || json_extract(j, '\$.changed[1].field') || '|' || json_extract(j, '\$.changed[1].new')")" = "$((v + 1))|2|age_years|null|30|notes|one"
run --db "$db" edit R-3 notes=two --expect-version "$v"
check expect_stale_exit1 rc_is 1
check expect_stale_names_version has "$tmp/err" "version $((v + 1)), not $v"
check expect_stale_names_who has "$tmp/err" "changed by $me at "
check expect_stale_nothing test "$(eng_q "$db" "SELECT notes FROM cases WHERE case_id = 'R-3'")" = one
run --db "$db" edit R-3 notes=one --json
check edit_unchanged_exit0 rc_is 0
check edit_unchanged_json test "$(J "$tmp/out" "json_extract(j, '\$.version') || '|' || json_array_length(j, '\$.changed') || '|' || json_extract(j, '\$.unchanged[0]')")" = "$((v + 1))|0|notes"
run --db "$db" edit R-3 notes=x --expect-version 0
check expect_zero_exit2 rc_is 2
run --db "$db" edit R-3 notes=x --expect-version abc
check expect_text_exit2 rc_is 2
# every edit is audited with old and new
run --db "$db" audit R-3
check edit_audited awk -F '\t' '$4 == "notes" && $5 == "" && $6 == "one" && $7 == "edit"' "$tmp/out"

# ---- check --json, and check itself ----------------------------------------------------------
run --db "$db" check --json
check check_json_exit0 rc_is 0
check check_json_ok test "$(J "$tmp/out" "json_extract(j, '\$.ok')")" = 1
eng_q "$db" "UPDATE cases SET decision_state = 0 WHERE case_id = 'R-3'"
run --db "$db" check
check check_names_wrong_state has "$tmp/out" "case 'R-3': decision_state is 0"
cl_done
