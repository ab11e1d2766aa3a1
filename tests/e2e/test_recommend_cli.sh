#!/bin/sh
# End-to-end: `imtreview recommend` and `imtreview rules` on an imported
# fixture written from ../shared/spec/rules.md, then on every case of
# sample-data/cases.csv.  Prints "ok NAME" / "not ok NAME"; exits 1 when
# any check failed.  Env: IMTREVIEW = the binary.
. "$(dirname "$0")/cli_lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

db=$(cl_db t)
cat >"$tmp/fix.csv" <<'EOF'
case_id,site,site_detail,resectable,surgery,metastatic,recurrence,alk_ihc,alk_fish,fusion,fusion_method,size_cm,nlr,invasive_growth,imaging,sex,steroids,review_status
EMPTY-1,lung,,,,,,,,,,,,,,,,
ALK-1,lung,,no,biopsy,no,no,positive,,,,3,,,CT,M,,
HN-1,head_neck,Left maxillary sinus,yes,R0,no,no,negative,,none,ngs_rna,4.4,1.958,no,CT; MRI,F,,
HN-2,head_neck,nasopharynx,yes,R0,no,no,negative,,none,ngs_rna,4.5,1.958,no,MRI,F,,
DISC-1,abdomen_pelvis,,yes,R0,no,no,positive,negative,,,7,,,CT,F,,signed_out
THX-1,lung,,yes,R1,no,no,negative,,ETV6::NTRK3,ngs_rna,12,,,CT,F,yes,
HN-44,head_neck,nasopharynx,yes,R0,no,no,negative,,none,ngs_rna,4.4,1.958,no,MRI,M,,
HN-U,head_neck,,yes,R0,no,no,negative,,none,ngs_rna,,,,MRI,M,,
SZ-65,abdomen_pelvis,,yes,R0,no,no,negative,,none,ngs_rna,6.5,,,CT,M,,
SZ-66,abdomen_pelvis,,yes,R0,no,no,negative,,none,ngs_rna,6.6,,,CT,M,,
EOF

if ! "$IMT" --db "$db" import "$tmp/fix.csv" >"$tmp/imp.out" 2>"$tmp/imp.err"; then
    notok "import_fixture"
    cat "$tmp/imp.err"
    exit 1
fi
ok "import_fixture"

rec() { "$IMT" --db "$db" recommend "$@" >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"; }

# --- text output ---
rec ALK-1
check text_exit0 rc_is 0
check text_ruleset has "$tmp/out" "imt-consensus-2025.2"
check text_alk_tki has "$tmp/out" "TX-ALK-TKI (treatment)"
check text_confirm_c3 has "$tmp/out" "confirm the fusion (C3)"
check text_evidence has "$tmp/out" "evidence: Consensus C7 (25 agree / 0 disagree / 6 abstain)"
check text_because has "$tmp/out" "because: resectable = no"
check text_missing has "$tmp/out" "missing: "
# warnings before suggestions: the first [..] line of the output
first=$(grep '^\[' "$tmp/out" | head -n 1)
check text_sorted_first_not_suggestion test "${first#\[suggestion\]}" = "$first"
check text_width awk 'length($0) > 80 { bad = 1 } END { exit bad }' "$tmp/out"

# --- JSON ---
rec ALK-1 --json
check json_exit0 rc_is 0
check json_head has "$tmp/out" '{"case_id":"ALK-1","ruleset":"imt-consensus-2025.2","recommendations":[{'
for k in '"id":"TX-ALK-TKI"' '"kind":"treatment"' '"level":"' '"summary":"' '"detail":"' \
         '"evidence":"' '"fired_by":["' '"missing":['; do
    check "json_key_$(echo "$k" | tr -cd 'a-z_')" has "$tmp/out" "$k"
done
check json_one_line test "$(wc -l <"$tmp/out")" -eq 1

# --- the all-empty case: work-up, never treatment ---
rec EMPTY-1 --json
check empty_exit0 rc_is 0
check empty_no_treatment hasnt "$tmp/out" '"kind":"treatment"'
check empty_no_risk hasnt "$tmp/out" '"kind":"risk"'
for id in DX-IMAGING DX-ALK-IHC DX-FUSION-TEST DX-MDT FU-STAGING DX-MISSING-DATA; do
    check "empty_has_$id" has "$tmp/out" "\"id\":\"$id\""
done

# --- head and neck thresholds: 4.4 / 1.958 do not fire, 4.5 does; the
#     maxillary sinus does ---
rec HN-1 --json
check hn_maxillary_fires has "$tmp/out" '"id":"TX-HN-ADJUVANT-RT"'
check hn_maxillary_named has "$tmp/out" 'high-risk: maxillary sinus"'
rec HN-2 --json
check hn_size_45_fires has "$tmp/out" 'high-risk: size"'
check hn_size_fact has "$tmp/out" '"size_cm = 4.5 (> 4.4)"'

# 4.4 cm and NLR 1.958 with no other feature: strict thresholds, no RT
rec HN-44 --json
check hn_44_silent hasnt "$tmp/out" '"id":"TX-HN-ADJUVANT-RT"'
check hn_44_staging has "$tmp/out" '"id":"FU-STAGING"'
# every high-risk feature unknown after resection: silent, named as missing
rec HN-U --json
check hn_unknown_silent hasnt "$tmp/out" '"id":"TX-HN-ADJUVANT-RT"'
check hn_unknown_missing has "$tmp/out" 'size_cm, site_detail, nlr, invasive_growth unknown'
# RISK-SIZE: > 6.5 strict
rec SZ-65 --json
check size_65_silent hasnt "$tmp/out" '"id":"RISK-SIZE"'
rec SZ-66 --json
check size_66_fires has "$tmp/out" '"size_cm = 6.6 (> 6.5)"'
# the JSON keys, exactly and in cli.md's order, for every recommendation
keys=$(grep -o '"[a-z_]*":' "$tmp/out" | tr -d '":' | tr '\n' ' ')
want="case_id ruleset recommendations "
n=$(grep -o '"id":"' "$tmp/out" | wc -l)
i=0
while [ "$i" -lt "$n" ]; do
    # (issue 10: and the decision on it, null when there is none)
    want="${want}id kind level summary detail evidence fired_by missing decision "
    i=$((i + 1))
done
check json_keys_exact test "$keys" = "$want"

# --- discordant ALK; signed out: no MDT ---
rec DISC-1 --json
check discordant has "$tmp/out" '"id":"DX-ALK-DISCORDANT","kind":"workup","level":"warning"'
check signed_out_no_mdt hasnt "$tmp/out" '"id":"DX-MDT"'
check risk_size has "$tmp/out" '"id":"RISK-SIZE"'

# --- thoracic steroids, NTRK, margins, size > 11 ---
rec THX-1 --json
for id in TX-STEROID-CAUTION TX-NTRK-RET TX-RERESECT RISK-MARGIN RISK-SIZE RISK-FEMALE-INCOMPLETE; do
    check "thx_has_$id" has "$tmp/out" "\"id\":\"$id\""
done
check thx_size_11 has "$tmp/out" '> 11 cm: predicts recurrence'

# --- errors ---
rec NOPE
check unknown_case_exit1 rc_is 1
check unknown_case_msg has "$tmp/err" "no case 'NOPE'"
rec
check no_id_usage rc_is 2
rec ALK-1 --mitoses-cutoff 12,5
check bad_cutoff_usage rc_is 2
rec ALK-1 --mitoses-cutoff 5
check good_cutoff rc_is 0
"$IMT" --db "$db" recommend --help >"$tmp/out" 2>&1
check help_exit0 test $? -eq 0
check help_text has "$tmp/out" "Usage: imtreview [--db PATH] recommend"

# --- the reference card ---
"$IMT" rules >"$tmp/out" 2>"$tmp/err"
check rules_exit0 test $? -eq 0
allids=1
for id in DX-IMAGING DX-ALK-IHC DX-FUSION-TEST DX-ALK-PARTNER DX-ALK-DISCORDANT DX-EIMS \
          DX-DIFF-IGG4 DX-DIFF-GIST DX-DIFF-S100 DX-DIFF-CK DX-MDT TX-SURGERY TX-RERESECT \
          TX-HN-ADJUVANT-RT TX-RADICAL-RT TX-ALK-TKI TX-ROS1-TKI TX-NTRK-RET TX-CHEMO \
          TX-STEROID-HN TX-STEROID-CAUTION TX-NSAID TX-IO TX-TRIAL RISK-SIZE RISK-MARGIN \
          RISK-METASTATIC RISK-ALK-NEG RISK-PATHOLOGY RISK-FEMALE-INCOMPLETE FU-LONG-TERM \
          FU-STAGING; do
    grep -q "^$id " "$tmp/out" || { allids=0; echo "# rules card lacks $id"; }
done
check rules_every_id test $allids -eq 1
check rules_unsuitable has "$tmp/out" "Not suitable for surgery:"
check rules_cutoff has "$tmp/out" "Mitoses cut-off:"
"$IMT" rules --json >"$tmp/out" 2>"$tmp/err"
check rules_json_exit0 test $? -eq 0
check rules_json_keys has "$tmp/out" '"ruleset":"imt-consensus-2025.2","name":"imt-consensus-2025","not_suitable_for_surgery":'
check rules_json_cutoff has "$tmp/out" '"mitoses_cutoff":10'

# --- every case of the sample data ---
sample="$root/sample-data/cases.csv"
if [ -f "$sample" ]; then
    sdb=$(cl_db s)
    if "$IMT" --db "$sdb" import "$sample" >/dev/null 2>"$tmp/err"; then
        ok "sample_import"
        "$IMT" --db "$sdb" list | tail -n +2 | cut -f1 >"$tmp/ids"
        n=0; bad=0
        esc=$(printf '\033')
        while IFS= read -r id; do
            n=$((n + 1))
            "$IMT" --db "$sdb" recommend "$id" --json >"$tmp/j" 2>>"$tmp/err" || { bad=$((bad + 1)); continue; }
            grep -F -q "{\"case_id\":\"$id\",\"ruleset\":\"imt-consensus-2025.2\",\"recommendations\":[" "$tmp/j" ||
                { bad=$((bad + 1)); echo "# bad JSON for $id"; }
            if [ $((n % 10)) -eq 1 ]; then    # text output on every tenth case
                "$IMT" --db "$sdb" recommend "$id" >"$tmp/t" 2>>"$tmp/err" || bad=$((bad + 1))
                if grep -q "$esc" "$tmp/t"; then bad=$((bad + 1)); echo "# ESC in text for $id"; fi
            fi
        done <"$tmp/ids"
        check "sample_cases_evaluated_$n" test "$n" -gt 0 -a "$bad" -eq 0
    else
        notok "sample_import"
        head -n 5 "$tmp/err"
    fi
else
    notok "sample_data_present"
fi

cl_done
