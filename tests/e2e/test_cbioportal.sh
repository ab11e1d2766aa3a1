#!/bin/sh
# End-to-end: export --format cbioportal DIR (issue 14 item 6).
#  - the files of a study, read back as cBioPortal's importer reads them:
#    meta files naming their data files, the four header lines of the
#    clinical files, PATIENT_ID / SAMPLE_ID, OS_STATUS 0:LIVING/1:DECEASED,
#    OncoTree IMT and ICD-O-3 8825/1 on every sample, data_sv.txt samples
#    that exist, timelines starting PATIENT_ID START_DATE STOP_DATE
#    EVENT_TYPE with whole days, every patient of a timeline known;
#  - values worked out by hand from tests/fixtures/events/valid_course.csv
#    (days from diagnosis, PFS / DFS months = days / 30.4375);
#  - --deidentify: pseudonyms the same in every file, no case id, no free
#    text, age 95 as 90;
#  - cBioPortal's own validator, when it is there: CI keeps it in
#    ../shared/tools/cbioportal-validator/ next to the repository
#    ($IMT_CBIOPORTAL_VALIDATOR overrides); exit 0 = the study would import.
#    Without it a note says so and the structure checks above still run.
. "$(dirname "$0")/cli_lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
fx="$root/tests/fixtures/events"
db=$(cl_db cbio)

run --db "$db" import "$fx/base_cases.csv"
check import_cases rc_is 0
run --db "$db" import --events "$fx/valid_course.csv"
check import_events rc_is 0
cat >"$tmp/f.csv" <<'CSV'
case_id,age_years,sex,site,diagnosis_date,outcome,followup_months,fusion,fusion_method
F-1,95,F,lung,2018-03-01,NED,20,TPM3::ROS1,ngs_rna
CSV
run --db "$db" import "$tmp/f.csv"
check import_old_patient rc_is 0

# structure DIR: the study's files as the importer reads them; prints what
# is wrong, returns 1 then.
structure() {
    d=$1
    bad=0
    say() { echo "# $d: $*"; bad=1; }
    [ -f "$d/meta_study.txt" ] || say "no meta_study.txt"
    grep -qx 'type_of_cancer: imt' "$d/meta_study.txt" || say "type_of_cancer is not imt"
    sid=$(sed -n 's/^cancer_study_identifier: //p' "$d/meta_study.txt")
    [ -n "$sid" ] || say "no cancer_study_identifier"
    for m in "$d"/meta_*.txt; do
        [ "$m" = "$d/meta_study.txt" ] && continue
        f=$(sed -n 's/^data_filename: //p' "$m")
        [ -n "$f" ] && [ -f "$d/$f" ] || say "$m names no data file ($f)"
        grep -qx "cancer_study_identifier: $sid" "$m" || say "$m: another study id"
        grep -q '^genetic_alteration_type: ' "$m" || say "$m: no genetic_alteration_type"
        grep -q '^datatype: ' "$m" || say "$m: no datatype"
    done
    for f in "$d"/data_*.txt; do
        b=$(basename "$f")
        grep -lqx "data_filename: $b" "$d"/meta_*.txt 2>/dev/null || say "$b has no meta file"
        # the same number of tab-separated fields on every line
        awk -F'\t' 'NR == 1 { n = NF } NF != n { print FILENAME ":" NR ": " NF " fields, not " n; e = 1 }
                    END { exit e }' "$f" || bad=1
    done
    for f in data_clinical_patient.txt data_clinical_sample.txt; do
        [ -f "$d/$f" ] || { say "no $f"; continue; }
        awk -F'\t' 'NR <= 4 && substr($0, 1, 1) != "#" { print FILENAME ": line " NR " is not a # header"; e = 1 }
                    NR == 3 { for (i = 1; i <= NF; i++) { t = $i; sub(/^#/, "", t)
                              if (t != "STRING" && t != "NUMBER" && t != "BOOLEAN") { print FILENAME ": type " t; e = 1 } } }
                    NR == 4 { for (i = 1; i <= NF; i++) { t = $i; sub(/^#/, "", t)
                              if (t !~ /^[0-9]+$/) { print FILENAME ": priority " t; e = 1 } } }
                    NR == 5 && substr($0, 1, 1) == "#" { print FILENAME ": no column row"; e = 1 }
                    END { exit e }' "$d/$f" || bad=1
    done
    # patients: PATIENT_ID first, unique; OS_STATUS / OS_MONTHS
    awk -F'\t' 'NR == 5 { if ($1 != "PATIENT_ID") { print "patient: first column " $1; e = 1 }
                          for (i = 1; i <= NF; i++) c[$i] = i; next }
                NR > 5 { if (seen[$1]++) { print "patient " $1 " twice"; e = 1 }
                         s = $(c["OS_STATUS"]); m = $(c["OS_MONTHS"])
                         if (s != "0:LIVING" && s != "1:DECEASED" && s != "") { print "OS_STATUS " s; e = 1 }
                         if (m != "" && m !~ /^[0-9]+(\.[0-9]+)?$/) { print "OS_MONTHS " m; e = 1 } }
                END { exit e }' "$d/data_clinical_patient.txt" || bad=1
    awk -F'\t' 'NR > 5 { print $1 }' "$d/data_clinical_patient.txt" | sort >"$tmp/patients"
    # samples: SAMPLE_ID, PATIENT_ID of a known patient, IMT and 8825/1
    awk -F'\t' 'NR == FNR { p[$1] = 1; next }
                FNR == 5 { if ($1 != "SAMPLE_ID" || $2 != "PATIENT_ID") { print "sample: columns " $1 " " $2; e = 1 }
                           for (i = 1; i <= NF; i++) c[$i] = i; next }
                FNR > 5 { if (!($2 in p)) { print "sample " $1 ": unknown patient " $2; e = 1 }
                          if ($(c["ONCOTREE_CODE"]) != "IMT") { print "sample " $1 ": ONCOTREE_CODE " $(c["ONCOTREE_CODE"]); e = 1 }
                          if ($(c["ICD_O_3_HISTOLOGY"]) != "8825/1") { print "sample " $1 ": ICD-O-3 " $(c["ICD_O_3_HISTOLOGY"]); e = 1 } }
                END { exit e }' "$tmp/patients" "$d/data_clinical_sample.txt" || bad=1
    awk -F'\t' 'NR > 5 { print $1 }' "$d/data_clinical_sample.txt" | sort >"$tmp/samples"
    if [ -f "$d/data_sv.txt" ]; then
        awk -F'\t' 'NR == FNR { s[$1] = 1; next }
                    FNR == 1 { if ($1 != "Sample_Id" || $2 != "Site1_Hugo_Symbol" || $3 != "Site2_Hugo_Symbol" || $4 != "SV_Status")
                                 { print "data_sv: header " $0; e = 1 }; next }
                    { if (!($1 in s)) { print "data_sv: unknown sample " $1; e = 1 }
                      if ($4 != "SOMATIC" || $5 != "FUSION" || $2 == "" || $3 == "") { print "data_sv: row " $0; e = 1 } }
                    END { exit e }' "$tmp/samples" "$d/data_sv.txt" || bad=1
    fi
    for f in "$d"/data_timeline_*.txt; do
        [ -f "$f" ] || continue
        awk -F'\t' 'NR == FNR { p[$1] = 1; next }
                    FNR == 1 { if ($1 != "PATIENT_ID" || $2 != "START_DATE" || $3 != "STOP_DATE" || $4 != "EVENT_TYPE")
                                 { print FILENAME ": header " $1 " " $2 " " $3 " " $4; e = 1 }; next }
                    { if (!($1 in p)) { print FILENAME ": unknown patient " $1; e = 1 }
                      if ($2 !~ /^-?[0-9]+$/ || ($3 != "" && $3 !~ /^-?[0-9]+$/)) { print FILENAME ":" FNR ": days " $2 " " $3; e = 1 }
                      if ($3 != "" && $3 + 0 < $2 + 0) { print FILENAME ":" FNR ": stop before start"; e = 1 }
                      if ($4 == "") { print FILENAME ":" FNR ": no EVENT_TYPE"; e = 1 } }
                    END { exit e }' "$tmp/patients" "$f" || bad=1
    done
    return $bad
}

# row FILE KEY COLUMN: the value of COLUMN on the first data row whose first
# column is KEY (the column row is the 5th line of a clinical file, the 1st
# of the others)
val() {
    awk -F'\t' -v k="$2" -v col="$3" '
        /^#/ { next }
        !h { for (i = 1; i <= NF; i++) c[$i] = i; h = 1; next }
        $1 == k && !done { print $(c[col]); done = 1 }' "$1"
}
near() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "" && d < 1e-9) }'; }

st="$tmp/study"
run --db "$db" export --format cbioportal "$st"
check export rc_is 0
check structure structure "$st"
for f in meta_study meta_clinical_patient data_clinical_patient meta_clinical_sample \
         data_clinical_sample meta_sv data_sv meta_timeline_treatment data_timeline_treatment \
         data_timeline_surgery data_timeline_response data_timeline_status data_timeline_specimen; do
    check "file_$f" test -f "$st/$f.txt"
done
check study_mode test "$(stat -c %a "$st")" = 700

# E-1 (diagnosis 2020-01-01): crizotinib 2020-02-01 = day 31 to 2021-01-15
# = day 380, stopped for progression, best response PR (2020-04-27)
check tl_line1 grep -q "$(printf 'E-1\t31\t380\tTREATMENT\t')" "$st/data_timeline_treatment.txt"
check tl_line1_fields has "$st/data_timeline_treatment.txt" "$(printf 'crizotinib\t1\tpalliative\tprogression\tPR')"
check tl_line2_open grep -q "$(printf 'E-1\t406\t\tTREATMENT\t')" "$st/data_timeline_treatment.txt"
check tl_response grep -q "$(printf 'E-1\t117\t\tRESPONSE\tPR\t1\t')" "$st/data_timeline_response.txt"
check tl_progression grep -q "$(printf 'E-1\t380\t\tSTATUS\tProgression')" "$st/data_timeline_status.txt"
# PFS of the first line: 349 days; DFS / EFS: 380 days from diagnosis
check pfs_e1 near "$(val "$st/data_clinical_patient.txt" E-1 PFS_MONTHS)" "$(awk 'BEGIN { printf "%.12f", 349 / 30.4375 }')"
check pfs_e1_status test "$(val "$st/data_clinical_patient.txt" E-1 PFS_STATUS)" = "1:PROGRESSION"
check dfs_e1 near "$(val "$st/data_clinical_patient.txt" E-1 DFS_MONTHS)" "$(awk 'BEGIN { printf "%.12f", 380 / 30.4375 }')"
check os_e1 test "$(val "$st/data_clinical_patient.txt" E-1 OS_STATUS)" = "0:LIVING"
check os_e1_months near "$(val "$st/data_clinical_patient.txt" E-1 OS_MONTHS)" 36
# re-biopsy 2021-02-01 = day 397 with EML4::ALK: a sample of its own and its fusion
check sample_b2 test "$(val "$st/data_clinical_sample.txt" E-1-B2 SAMPLE_TIME_DAYS)" = 397
check sample_b2_type test "$(val "$st/data_clinical_sample.txt" E-1-B2 SAMPLE_TYPE)" = Re-biopsy
check sv_b2 grep -q "$(printf 'E-1-B2\tEML4\tALK\tSOMATIC\tFUSION')" "$st/data_sv.txt"
# E-2 (diagnosis 2019-06-01): surgery 2019-06-20 = day 19, local recurrence
# 2020-01-10 = day 223, DOD at 12 months
check tl_surgery grep -q "$(printf 'E-2\t19\t\tSURGERY\tR1')" "$st/data_timeline_surgery.txt"
check dfs_e2 near "$(val "$st/data_clinical_patient.txt" E-2 DFS_MONTHS)" "$(awk 'BEGIN { printf "%.12f", 223 / 30.4375 }')"
check dfs_e2_status test "$(val "$st/data_clinical_patient.txt" E-2 DFS_STATUS)" = "1:Recurred/Progressed"
check os_e2 test "$(val "$st/data_clinical_patient.txt" E-2 OS_STATUS)" = "1:DECEASED"
check os_e2_months near "$(val "$st/data_clinical_patient.txt" E-2 OS_MONTHS)" 12
# E-3: no diagnosis date, events in days from diagnosis kept as days
check tl_days grep -q "$(printf 'E-3\t30\t200\tTREATMENT\t')" "$st/data_timeline_treatment.txt"
check tl_days_contact grep -q "$(printf 'E-3\t700\t\tSTATUS\tContact')" "$st/data_timeline_status.txt"
check pfs_e3_censored test "$(val "$st/data_clinical_patient.txt" E-3 PFS_STATUS)" = "0:CENSORED"
check age_kept test "$(val "$st/data_clinical_patient.txt" F-1 AGE)" = 95
check sv_primary grep -q "$(printf 'F-1\tTPM3\tROS1\tSOMATIC\tFUSION')" "$st/data_sv.txt"

# de-identified
de="$tmp/deid"
run --db "$db" export --format cbioportal --deidentify "$de"
check deid_export rc_is 0
check deid_structure structure "$de"
check deid_no_ids sh -c "! grep -rqE '(^|\t)(E-[123]|F-1)(-B[0-9])?(\t|\$)' '$de'"
check deid_no_free_text sh -c "! grep -rq 'segment VII' '$de'"
check deid_age_90 sh -c "awk -F'\t' 'NR > 5 && \$3 != \"\" { print \$3 }' '$de/data_clinical_patient.txt' | grep -qx 90"
check deid_no_age_95 sh -c "! awk -F'\t' 'NR > 5 { print \$3 }' '$de/data_clinical_patient.txt' | grep -qx 95"
# the pseudonym of E-1 is the same in the patient, sample, sv and timeline files
p1=$(awk -F'\t' '$4 == "TREATMENT" && $2 == 31 { print $1 }' "$de/data_timeline_treatment.txt")
check deid_pseudonym test -n "$p1"
check deid_same_patient grep -q "^$p1	" "$de/data_clinical_patient.txt"
check deid_same_sample grep -q "^$p1-B2	$p1	" "$de/data_clinical_sample.txt"
check deid_same_sv grep -q "^$p1-B2	EML4	ALK" "$de/data_sv.txt"

# the sample data: every kind of course
sd=$(cl_db sample)
"$IMT" --db "$sd" import "$root/sample-data/cases.csv" >/dev/null 2>&1
"$IMT" --db "$sd" import --events "$root/sample-data/events.csv" >/dev/null 2>&1
run --db "$sd" export --format cbioportal "$tmp/sample"
check sample_export rc_is 0
check sample_structure structure "$tmp/sample"

# a damaged copy fails the structure checks (they can fail)
cp -r "$st" "$tmp/broken"
sed -i 's/\tIMT\t8825\/1\t/\tIMT\t8825\/3\t/' "$tmp/broken/data_clinical_sample.txt"
if structure "$tmp/broken" >/dev/null; then notok broken_refused; else ok broken_refused; fi

# cBioPortal's validator
v=${IMT_CBIOPORTAL_VALIDATOR:-$root/../shared/tools/cbioportal-validator/validate-study}
if [ -x "$v" ]; then
    for s in study deid sample; do
        "$v" "$tmp/$s" >"$tmp/val_$s.txt" 2>&1
        rc=$?
        check "validator_$s" test "$rc" -eq 0
        [ "$rc" -eq 0 ] || grep -E '^(ERROR|CRITICAL)' "$tmp/val_$s.txt" | head -20 | sed 's/^/# /'
        check "validator_${s}_no_errors" hasnt "$tmp/val_$s.txt" "ERROR:"
    done
    # the validator refuses a study whose patient file lost its PATIENT_ID
    cp -r "$st" "$tmp/broken2"
    sed -i '5s/^PATIENT_ID/PATIENT/' "$tmp/broken2/data_clinical_patient.txt"
    "$v" "$tmp/broken2" >/dev/null 2>&1
    check validator_refuses test $? -ne 0
else
    echo "# cBioPortal validator not found at $v: skipped (the structure checks above ran)"
fi
cl_done
