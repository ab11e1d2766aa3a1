#!/bin/sh
# End-to-end: `imtreview import` / `export` through the binary.
#  - every hostile fixture (tests/fixtures/csv, not valid_*) and a few made
#    here (10 MB cell, 60 bad rows) is refused with exit 1, an error of the
#    form FILE:LINE: ..., and the database unchanged (export before/after);
#  - round trips: import -> export -> import -> export byte-identical, also
#    for hostile-but-valid text and generated cases;
#  - --dry-run writes nothing; --update changes what the file says;
#  - --deidentify is stable and drops the identifying columns;
#  - -o is atomic (a write that fails half way leaves the old file whole);
#  - --excel-safe neutralises formula-like cells;
#  - a German LC_ALL changes nothing about numbers.
: "${IMTREVIEW:?set IMTREVIEW to the binary}"
here=$(cd "$(dirname "$0")/../.." && pwd)
fx="$here/tests/fixtures/csv"
. "$here/tests/e2e/engine_lib.sh"
tmp=$(mktemp -d) || exit 1
trap 'eng_cleanup "$tmp"; rm -rf "$tmp"' EXIT
fails=0
ok()  { echo "ok $1"; }
bad() { echo "not ok $1${2:+ # $2}"; fails=$((fails + 1)); }
check() { if [ "$2" -eq 0 ]; then ok "$1"; else bad "$1" "$3"; fi; }
imt() { "$IMTREVIEW" --db "$db" "$@"; }

# Synthetic cases written here with awk (independent of the generator):
# N rows, quotes, commas and line breaks in notes, a few unknowns.
make_cases() {
    awk -v n="$1" 'BEGIN {
        split("lung head_neck abdomen_pelvis retroperitoneum genitourinary trunk_limbs thorax_other cns other", site, " ")
        split("NED AWD DOD DOC LOST", out, " ")
        print "case_id,age_years,sex,site,size_cm,alk_ihc,fusion,fusion_method,recurrence,recurrence_months,outcome,followup_months,notes"
        for (i = 1; i <= n; i++) {
            o = out[(i % 5) + 1]
            fu = (o == "LOST" && i % 2) ? "" : (i % 120) + 0.5
            rec = (i % 4 == 0 && fu != "") ? "yes" : "no"
            rm = (rec == "yes") ? fu / 2 : ""
            fus = (i % 3 == 0) ? "TPM3::ALK" : ((i % 3 == 1) ? "none" : "")
            fm = (fus == "TPM3::ALK") ? "ngs_rna" : ""
            note = (i % 10 == 0) ? "\"multi\nline, \"\"quoted\"\" note " i "\"" : "note " i
            printf "C%06d,%d.5,%s,%s,%d.%d,%s,%s,%s,%s,%s,%s,%s,%s\n", i, i % 90, (i % 2 ? "F" : "M"), site[(i % 9) + 1], 1 + i % 20, i % 10, (i % 2 ? "positive" : "negative"), fus, fm, rec, rm, o, fu, note
        }
    }'
}

# ---- a valid import -------------------------------------------------------
db=$(eng_db "$tmp" main)
imt import "$fx/valid_basic.csv" >"$tmp/out" 2>"$tmp/err"
check import_valid $? "$(cat "$tmp/err")"
[ "$(cat "$tmp/out")" = "$fx/valid_basic.csv: 3 added, 0 updated, 0 unchanged" ]
check import_summary $? "$(cat "$tmp/out")"
imt import "$fx/valid_quoted.csv" >/dev/null 2>&1 && imt import "$fx/valid_control_chars.csv" >/dev/null 2>&1
check import_hostile_valid $?
imt export >"$tmp/before.csv" 2>"$tmp/err"
check export_runs $?
# 3 + 4 + 2 cases; valid_quoted has records over several lines.
n=$(grep -c '^[A-Z][A-Z0-9-]*,' "$tmp/before.csv")
[ "$n" -eq 9 ]
check export_count $? "got $n"

# ---- hostile files: refused, database unchanged -------------------------------
head -c 10485760 /dev/zero | tr '\0' 'x' >"$tmp/x10m"
{ printf 'case_id,site,notes\nH1,lung,"'; cat "$tmp/x10m"; printf '"\n'; } >"$tmp/huge_field.csv"
{ printf 'case_id,sex,site\n'; i=0; while [ $i -lt 60 ]; do echo "R$i,Z,lung"; i=$((i + 1)); done; } >"$tmp/sixty_errors.csv"
printf 'case_id,site\nOK1,lung\nA-001,lung\n' >"$tmp/existing_id.csv"
printf 'case_id,site,age_years\nOK2,lung,1e999\n' >"$tmp/exp_number.csv"
for f in "$fx"/*.csv "$fx"/*.bin "$tmp/huge_field.csv" "$tmp/sixty_errors.csv" \
         "$tmp/existing_id.csv" "$tmp/exp_number.csv"; do
    name=$(basename "$f")
    case "$name" in valid_*) continue ;; esac
    imt import "$f" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    imt export >"$tmp/after.csv" 2>/dev/null
    if [ $rc -ne 1 ]; then bad "refuse_$name" "exit $rc"; continue; fi
    if ! grep -q "^$f:[0-9][0-9]*: " "$tmp/err"; then bad "refuse_$name" "no FILE:LINE: error"; continue; fi
    if [ -s "$tmp/out" ]; then bad "refuse_$name" "summary printed"; continue; fi
    if ! cmp -s "$tmp/before.csv" "$tmp/after.csv"; then bad "refuse_$name" "database changed"; continue; fi
    ok "refuse_$name"
done
grep -q "huge_field.csv:2: column 'notes': text is 10485760 characters long; the limit is 4000" "$tmp/err" ||
    { imt import "$tmp/huge_field.csv" 2>&1 | grep -q "huge_field.csv:2: column 'notes': text is 10485760 characters long; the limit is 4000"; }
check huge_field_message $?
imt import "$tmp/sixty_errors.csv" >/dev/null 2>"$tmp/err"
[ "$(grep -c "^$tmp/sixty_errors.csv:[0-9][0-9]*: " "$tmp/err")" -eq 50 ] && grep -q '^\.\.\. and 10 more errors$' "$tmp/err"
check error_cap $?
imt import "$fx/empty.csv" 2>&1 | grep -q "^$fx/empty.csv:1: empty file: no header$"
check empty_file_message $?
imt import "$tmp/existing_id.csv" 2>&1 | grep -q "existing_id.csv:3: column 'case_id': 'A-001' already exists in the database"
check existing_id_message $?

# Header only: valid, nothing added.
imt import "$fx/valid_header_only.csv" >"$tmp/out" 2>&1
check header_only_exit $?
grep -q ': 0 added, 0 updated, 0 unchanged$' "$tmp/out"
check header_only_summary $?

# ---- dry run and update ---------------------------------------------------------
printf 'case_id,site,notes\nA-001,lung,changed\nA-002,head_neck,\nNEW9,cns,new\n' >"$tmp/upd.csv"
imt import --dry-run --update "$tmp/upd.csv" >"$tmp/out" 2>&1
check dry_run_exit $?
grep -q 'dry run: would add 1, update 1, leave 1 unchanged; nothing written$' "$tmp/out"
check dry_run_summary $? "$(cat "$tmp/out")"
imt export >"$tmp/after.csv"
cmp -s "$tmp/before.csv" "$tmp/after.csv"
check dry_run_writes_nothing $?
imt import "$tmp/upd.csv" >/dev/null 2>&1
[ $? -eq 1 ]
check update_needs_flag $?
imt import --update "$tmp/upd.csv" >"$tmp/out" 2>&1
check update_exit $? "$(cat "$tmp/out")"
grep -q ': 1 added, 1 updated, 1 unchanged$' "$tmp/out"
check update_summary $? "$(cat "$tmp/out")"
imt export >"$tmp/after.csv"
grep -q '^A-001,34,F,lung,right lower lobe,2019-03-04,.*,changed,unreviewed,' "$tmp/after.csv"
check update_changed_only_named_columns $?
grep -q '^NEW9,' "$tmp/after.csv"
check update_added_new $?

# ---- round trips ------------------------------------------------------------------
roundtrip() { # $1 name, $2 csv: import -> export(e1) -> import -> export(e2)
    r1=$(eng_fresh "$tmp" r1); r2=$(eng_fresh "$tmp" r2); r3=$(eng_fresh "$tmp" r3)
    "$IMTREVIEW" --db "$r1" import "$2" >/dev/null 2>"$tmp/rerr" || { bad "roundtrip_$1" "import: $(head -3 "$tmp/rerr")"; return; }
    "$IMTREVIEW" --db "$r1" export >"$tmp/e1.csv" || { bad "roundtrip_$1" "export"; return; }
    "$IMTREVIEW" --db "$r2" import "$tmp/e1.csv" >/dev/null 2>"$tmp/rerr" || { bad "roundtrip_$1" "re-import: $(head -3 "$tmp/rerr")"; return; }
    "$IMTREVIEW" --db "$r2" export >"$tmp/e2.csv"
    "$IMTREVIEW" --db "$r3" import "$tmp/e2.csv" >/dev/null 2>&1
    "$IMTREVIEW" --db "$r3" export >"$tmp/e3.csv"
    if cmp -s "$tmp/e1.csv" "$tmp/e2.csv" && cmp -s "$tmp/e2.csv" "$tmp/e3.csv"; then
        ok "roundtrip_$1"
    else
        bad "roundtrip_$1" "exports differ"
    fi
}
roundtrip main_db "$tmp/after.csv"
roundtrip quoted "$fx/valid_quoted.csv"
roundtrip control_chars "$fx/valid_control_chars.csv"
roundtrip bom_crlf "$fx/valid_bom_quoted_header.csv"
make_cases 2000 >"$tmp/gen.csv"
roundtrip generated_2000 "$tmp/gen.csv"
if [ -f "$here/sample-data/cases.csv" ]; then
    roundtrip sample_data "$here/sample-data/cases.csv"
fi
if [ -n "$GEN_CASES" ] && [ -x "$GEN_CASES" ]; then
    "$GEN_CASES" 500 7 >"$tmp/gen7.csv" 2>/dev/null && roundtrip gen_cases_500 "$tmp/gen7.csv"
fi
# import -> export keeps every value.  Row 10 of make_cases, by hand:
# age 10.5, M, site 2 = head_neck, size "11.0" (printed 11), IHC negative,
# fusion none, recurrence no, outcome 1 = NED, follow-up 10.5, and a note
# with a line break, a comma and doubled quotes.
v=$(eng_fresh "$tmp" v)
"$IMTREVIEW" --db "$v" import "$tmp/gen.csv" >/dev/null 2>&1
"$IMTREVIEW" --db "$v" export >"$tmp/v.csv"
want='C000010,10.5,M,head_neck,,,11,,,,,,,,,negative,,,none,,,,,,,,,,,,,,,,,,,,,,no,,NED,10.5,"multi'
grep -qx "$want" "$tmp/v.csv" && grep -q '^line, ""quoted"" note 10",unreviewed,,,negative,no,8825/1,IMT$' "$tmp/v.csv"
check roundtrip_values $?

# ---- deidentify ---------------------------------------------------------------------
imt export --deidentify >"$tmp/d1.csv" && imt export --deidentify >"$tmp/d2.csv"
check deidentify_exit $?
cmp -s "$tmp/d1.csv" "$tmp/d2.csv"
check deidentify_stable $?
head -1 "$tmp/d1.csv" | grep -Eq '(^|,)(notes|reviewer|diagnosis_date)(,|$)'
[ $? -ne 0 ]
check deidentify_drops_columns $?
! grep -q 'A-00[123]\|Q[1-4],\|2019-03-04\|plain note' "$tmp/d1.csv"
check deidentify_no_ids $?
[ "$(tail -n +2 "$tmp/d1.csv" | grep -c '^P[0-9a-f]\{16\},')" -ge 9 ]
check deidentify_pseudonyms $?

# ---- -o ---------------------------------------------------------------------------
imt export -o "$tmp/o.csv"
check output_exit $?
cmp -s "$tmp/o.csv" "$tmp/after.csv" || { imt export >"$tmp/now.csv"; cmp -s "$tmp/o.csv" "$tmp/now.csv"; }
check output_same_as_stdout $?
[ "$(stat -c %a "$tmp/o.csv")" = 600 ]
check output_mode_0600 $?
chmod 644 "$tmp/o.csv"
imt export -o "$tmp/o.csv" && [ "$(stat -c %a "$tmp/o.csv")" = 644 ]
check output_keeps_mode $?
imt export -o "$tmp/no/such/dir/o.csv" 2>/dev/null
[ $? -eq 1 ] && [ ! -e "$tmp/no" ]
check output_bad_dir $?
imt export -o /dev/full 2>/dev/null
[ $? -eq 1 ]
check output_dev_full $?
imt export >/dev/full 2>/dev/null
[ $? -eq 1 ]
check stdout_dev_full $?
# A full disk half way: the file-size limit (ulimit -f, 512-byte blocks)
# makes the export's writes fail after 100 KB; the old file stays whole and
# no temporary file is left.  (The database itself is only read.)
db=$(eng_db "$tmp" big)
imt import "$tmp/gen.csv" >/dev/null 2>&1
printf 'old file\n' >"$tmp/keep.csv"
( trap '' XFSZ; ulimit -f 200; exec "$IMTREVIEW" --db "$db" export -o "$tmp/keep.csv" ) 2>"$tmp/err"
rc=$?
[ $rc -eq 1 ] && [ "$(cat "$tmp/keep.csv")" = "old file" ] && ! ls -a "$tmp" | grep -q '^\.keep\.csv\.'
check output_atomic_on_full_disk $? "exit $rc: $(cat "$tmp/err")"
db=$(eng_db "$tmp" main)

# ---- excel-safe --------------------------------------------------------------------
printf 'case_id,site,site_detail,notes,chemotherapy\nXL1,lung,-left,"=HYPERLINK(""http://x"",""y"")",@SUM(A1)\nXL2,lung,+1,plain,\n' >"$tmp/xl.csv"
db=$(eng_db "$tmp" xl)
imt import "$tmp/xl.csv" >/dev/null 2>&1
imt export --excel-safe >"$tmp/xl_out.csv"
grep -q "^XL1,,,lung,'-left,.*,'@SUM(A1),.*,\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"," "$tmp/xl_out.csv"
check excel_safe_cells $?
grep -q "^XL2,,,lung,'+1," "$tmp/xl_out.csv"
check excel_safe_plus $?
imt export | grep -q '^XL1,,,lung,-left,'
check excel_plain_export_untouched $?
db=$(eng_db "$tmp" main)

# ---- German locale -----------------------------------------------------------------
if command -v localedef >/dev/null 2>&1; then
    mkdir -p "$tmp/loc"
    localedef -i de_DE -f UTF-8 "$tmp/loc/de_DE.UTF-8" >/dev/null 2>&1
    if [ -d "$tmp/loc/de_DE.UTF-8" ]; then
        printf 'case_id,site,age_years\nDE1,lung,12.5\n' >"$tmp/de_ok.csv"
        printf 'case_id,site,age_years\nDE2,lung,"12,5"\n' >"$tmp/de_bad.csv"
        db=$(eng_db "$tmp" de)
        LOCPATH="$tmp/loc" LC_ALL=de_DE.UTF-8 "$IMTREVIEW" --db "$db" import "$tmp/de_ok.csv" >/dev/null 2>&1 &&
            LOCPATH="$tmp/loc" LC_ALL=de_DE.UTF-8 "$IMTREVIEW" --db "$db" export | grep -q '^DE1,12.5,,lung,'
        check german_locale_dot $?
        LOCPATH="$tmp/loc" LC_ALL=de_DE.UTF-8 "$IMTREVIEW" --db "$db" import "$tmp/de_bad.csv" 2>&1 |
            grep -q "de_bad.csv:2: column 'age_years': '12,5' is not a number: the decimal mark is '.', not ','"
        check german_locale_comma_refused $?
        db=$(eng_db "$tmp" main)
    else
        echo "ok german_locale # skip localedef could not build de_DE.UTF-8"
    fi
else
    echo "ok german_locale # skip localedef missing"
fi

# ---- stdin and help --------------------------------------------------------------------
db=$(eng_db "$tmp" stdin)
imt import - <"$fx/valid_crlf.csv" | grep -q '^(stdin): 2 added'
check import_stdin $?
imt import --help | grep -q -- '--dry-run' && imt export --help | grep -q -- '--deidentify'
check help $?
imt import 2>/dev/null
[ $? -eq 2 ]
check import_usage $?

[ "$fails" -eq 0 ]
