#!/bin/sh
# End-to-end: the events CSV (issue 14) through import --events and
# export --events.
#  - every hostile file of tests/fixtures/events/EXPECTED is refused whole:
#    exit 1, the expected FILE:LINE: column 'NAME': message among the
#    errors, every line in that form, the database as it was (its events
#    and audit trail);
#  - a valid course imports, exports byte-identically, re-imports as
#    "unchanged", and --replace / --dry-run do what they say;
#  - show --json gives the events oldest first with the columns as keys;
#  - every change is audited and check replays it; a case edit that would
#    break the course is refused;
#  - generated courses of several seeds import, pass check and round-trip.
. "$(dirname "$0")/cli_lib.sh"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
fx="$SRC/tests/fixtures/events"
GEN=${GEN_CASES:-$SRC/build/gen_cases}
db=$(cl_db events)
run --db "$db" import "$fx/base_cases.csv"
check base_import rc_is 0
# the state a refused import must leave alone
state() { "$IMT" --db "$db" export --events; "$IMT" --db "$db" audit; }

# ---- hostile files ------------------------------------------------------------
state >"$tmp/before"
grep -v '^#' "$fx/EXPECTED" | while IFS='|' read -r f want; do
    [ -n "$f" ] || continue
    run --db "$db" import --events "$fx/$f"
    rc=$(cat "$tmp/rc")
    want=$(printf '%s' "$want" | sed "s|FILE|$fx/$f|")
    name=$(echo "$f" | sed 's/\.csv$//')
    { [ "$rc" = 1 ] && has "$tmp/err" "$want"; } && ok "refused_$name" ||
        notok "refused_$name" "rc=$rc; wanted: $want; got: $(head -n 3 "$tmp/err")"
    n=$(grep -v -e "^$fx/$f:[0-9][0-9]*: column '[^']*': [^ ]" \
                -e "^$fx/$f:[0-9][0-9]*: [^ ]" \
                -e "^$fx/$f: [0-9][0-9]* errors\{0,1\}; nothing was imported\$" "$tmp/err" | wc -l)
    [ "$n" -eq 0 ] && ok "error_format_$name" || notok "error_format_$name" "$(head -n 3 "$tmp/err")"
    [ ! -s "$tmp/out" ] && ok "no_stdout_$name" || notok "no_stdout_$name"
done > "$tmp/hostile"
cat "$tmp/hostile"
fails=$((fails + $(grep -c '^not ok' "$tmp/hostile")))
state >"$tmp/after"
check hostile_left_database_as_it_was cmp -s "$tmp/before" "$tmp/after"

# ---- a valid course ------------------------------------------------------------------
run --db "$db" import --events --dry-run "$fx/valid_course.csv"
check dry_run_exit rc_is 0
check dry_run_says has "$tmp/out" "dry run: would be 18 events added, 0 unchanged (already recorded), for 3 cases; nothing written"
state >"$tmp/after"
check dry_run_wrote_nothing cmp -s "$tmp/before" "$tmp/after"
run --db "$db" import --events "$fx/valid_course.csv"
check import_exit rc_is 0
check import_summary has "$tmp/out" "18 events added, 0 unchanged (already recorded), for 3 cases"
run --db "$db" export --events
check export_exit rc_is 0
check export_byte_identical cmp -s "$tmp/out" "$fx/valid_course.csv"
run --db "$db" import --events "$fx/valid_course.csv"
check reimport_unchanged has "$tmp/out" "0 events added, 18 unchanged"
run --db "$db" export --events -o "$tmp/e2.csv"
check export_file_identical cmp -s "$tmp/e2.csv" "$fx/valid_course.csv"
run --db "$db" check
check check_passes rc_is 0

# show --json: the events oldest first, the eleven columns as keys
run --db "$db" show E-1 --json
J() { sqlite3 :memory: "SELECT $1 FROM (SELECT CAST(readfile('$tmp/out') AS TEXT) AS j)"; }
check show_events_count test "$(J "json_array_length(j, '\$.events')")" = 9
check show_events_keys test "$(J "(SELECT group_concat(key, ' ') FROM json_each(json_extract(j, '\$.events[0]')))")" = "case_id date type line agent intent reason response extent site detail"
check show_events_oldest_first test "$(J "json_extract(j, '\$.events[0].date') || ' ' || json_extract(j, '\$.events[8].date')")" = "2020-01-01 2022-12-01"
check show_events_values test "$(J "json_extract(j, '\$.events[1].type') || ' ' || json_extract(j, '\$.events[1].line') || ' ' || json_type(j, '\$.events[1].line') || ' ' || json_type(j, '\$.events[1].reason')")" = "therapy_start 1 integer null"
check show_next_due test "$(J "json_type(j, '\$.next_due')")" = text
run --db "$db" show E-3 --json
check show_days_kept test "$(J "json_extract(j, '\$.events[1].date')")" = 30
run --db "$db" show E-1
has "$tmp/out" "2021-02-10  therapy_start  line=2  lorlatinib;checkpoint_inhibitor  intent=palliative"
check show_text_event_line test $? -eq 0

# audited: one row per event, field "event", the event as JSON
run --db "$db" audit E-3
check audit_rows test "$(grep -c '	event	' "$tmp/out")" = 4
has "$tmp/out" '{"id":'
check audit_json test $? -eq 0

# --replace: the file's events become the whole course of the cases it names
printf 'case_id,date,type,line,agent,intent,reason,response,extent,site,detail\nE-3,10,contact,,,,,,,,NED\n' >"$tmp/r.csv"
run --db "$db" import --events --replace "$tmp/r.csv"
check replace_summary has "$tmp/out" "1 event added, 0 unchanged, 4 removed (--replace), for 1 case"
run --db "$db" export --events
check replace_kept_others test "$(grep -c '^E-1,' "$tmp/out") $(grep -c '^E-3,' "$tmp/out")" = "9 1"
run --db "$db" check
check check_after_replace rc_is 0
run --db "$db" import "$fx/base_cases.csv"
check update_usage test "$(cat "$tmp/rc")" = 1
run --db "$db" import --events --update "$fx/valid_course.csv"
check events_update_is_usage rc_is 2

# a case edit that would break its course: a diagnosis after the events
printf 'case_id,site,diagnosis_date\nE-1,lung,2020-06-01\n' >"$tmp/u.csv"
state >"$tmp/before"
run --db "$db" import --update "$tmp/u.csv"
check case_edit_breaking_course_refused rc_is 1
has "$tmp/err" "this change would break the course of 'E-1'"
check case_edit_breaking_course_says test $? -eq 0
state >"$tmp/after"
check case_edit_left_as_it_was cmp -s "$tmp/before" "$tmp/after"

# the one-row fields against the course: a note at import, a problem in check
printf 'case_id,site,diagnosis_date,recurrence,outcome,followup_months\nN-1,lung,2020-01-01,no,NED,24\n' >"$tmp/n.csv"
printf 'case_id,date,type,line,agent,intent,reason,response,extent,site,detail\nN-1,2020-06-01,recurrence,,,,,,,local,\n' >"$tmp/ne.csv"
run --db "$db" import "$tmp/n.csv"
run --db "$db" import --events "$tmp/ne.csv"
check inconsistent_imports rc_is 0
check inconsistent_noted has "$tmp/err" "note: case 'N-1': column 'recurrence' is no, but the course has a recurrence on 2020-06-01"
run --db "$db" check
check inconsistent_in_check rc_is 1
check inconsistent_check_says has "$tmp/out" "case 'N-1': column 'recurrence' is no, but the course has a recurrence on 2020-06-01"

# ---- cases interleaved in the file ---------------------------------------------------
# The import takes each case's rows together wherever they are in the file:
# a course error names the line of the row at fault, the same event on two
# distant lines is found, and a case counts once.
db3=$(cl_db inter)
"$IMT" --db "$db3" import "$fx/base_cases.csv" >/dev/null
H='case_id,date,type,line,agent,intent,reason,response,extent,site,detail'
printf '%s\nE-2,2019-06-20,surgery,,,,,,R1,mesentery,\nE-1,2020-01-01,biopsy,,,,,,,,\nE-3,0,biopsy,,,,,,,,\nE-2,2020-07-01,contact,,,,,,,,DOD\nE-1,2020-03-01,contact,,,,,,,,AWD\nE-3,0,biopsy,,,,,,,,\n' "$H" >"$tmp/i.csv"
state3() { "$IMT" --db "$db3" export --events; "$IMT" --db "$db3" audit; }
state3 >"$tmp/before3"
run --db "$db3" import --events "$tmp/i.csv"
check interleaved_refused rc_is 1
check interleaved_after_death_line has "$tmp/err" "$tmp/i.csv:5: column 'date': 2020-07-01 is after the death"
check interleaved_same_event_line has "$tmp/err" "$tmp/i.csv:7: column 'case_id': the same event as line 4"
check interleaved_two_errors has "$tmp/err" "$tmp/i.csv: 2 errors; nothing was imported"
state3 >"$tmp/after3"
check interleaved_wrote_nothing cmp -s "$tmp/before3" "$tmp/after3"
printf '%s\nE-2,2019-06-20,surgery,,,,,,R1,mesentery,\nE-1,2020-01-01,biopsy,,,,,,,,\nE-3,0,biopsy,,,,,,,,\nE-2,2020-01-10,recurrence,,,,,,,local,\nE-1,2020-03-01,contact,,,,,,,,AWD\nE-1,2020-06-01,contact,,,,,,,,AWD\n' "$H" >"$tmp/i2.csv"
v0=$("$IMT" --db "$db3" show E-1 --json | sed -n 's/.*"version": *\([0-9]*\).*/\1/p')
run --db "$db3" import --events "$tmp/i2.csv"
check interleaved_imports has "$tmp/out" "6 events added, 0 unchanged (already recorded), for 3 cases"
v1=$("$IMT" --db "$db3" show E-1 --json | sed -n 's/.*"version": *\([0-9]*\).*/\1/p')
# one new version per event added, as three single edits would give
check interleaved_versions test -n "$v0" -a "$((v1 - v0))" = 3
run --db "$db3" export --events
check interleaved_stored_by_case test "$(grep -c '^E-1,' "$tmp/out") $(grep -c '^E-2,' "$tmp/out") $(grep -c '^E-3,' "$tmp/out")" = "3 2 1"
run --db "$db3" check
check interleaved_check rc_is 0
# a dry run (the database opened read-only) stages the file all the same
run --db "$db3" import --events --dry-run "$tmp/i2.csv"
check dry_run_stages has "$tmp/out" "dry run: would be 0 events added, 6 unchanged (already recorded), for 3 cases; nothing written"
# --replace over two cases: the first case's new rows are written before
# the second case's removals (audit rows in order: check replays them)
printf '%s\nE-2,2019-06-20,surgery,,,,,,R1,mesentery,\nE-1,2020-01-01,biopsy,,,,,,,,\n' "$H" >"$tmp/i3.csv"
run --db "$db3" import --events --replace "$tmp/i3.csv"
check interleaved_replace has "$tmp/out" "2 events added, 0 unchanged, 5 removed (--replace), for 2 cases"
run --db "$db3" check
check interleaved_replace_check rc_is 0

# ---- de-identified events ---------------------------------------------------------------
db2=$(cl_db deid)
"$IMT" --db "$db2" import "$fx/base_cases.csv" >/dev/null
"$IMT" --db "$db2" import --events "$fx/valid_course.csv" >/dev/null
run --db "$db2" export --events --deidentify
check deid_exit rc_is 0
hasnt "$tmp/out" "E-1," && hasnt "$tmp/out" "2020-" && hasnt "$tmp/out" "segment VII" &&
    hasnt "$tmp/out" "mesentery"
check deid_no_ids_dates_text test $? -eq 0
has "$tmp/out" ",0,biopsy,,,,,,,,alk_ihc=positive; fusion=EML4::ALK; fusion_method=ngs_rna" &&
    has "$tmp/out" ",recurrence,,,,,,,local," && has "$tmp/out" ",contact,,,,,,,,DOD"
check deid_keeps_coded test $? -eq 0

# ---- generated courses --------------------------------------------------------------------
for seed in 11 2025; do
    g=$(cl_db "gen$seed")
    "$GEN" 400 "$seed" >"$tmp/gc.csv"
    "$GEN" 400 "$seed" events >"$tmp/ge.csv"
    "$IMT" --db "$g" import "$tmp/gc.csv" >/dev/null 2>&1
    run --db "$g" import --events "$tmp/ge.csv"
    check "gen_${seed}_imports" rc_is 0
    run --db "$g" check
    check "gen_${seed}_check" rc_is 0
    run --db "$g" export --events
    check "gen_${seed}_round_trip" cmp -s "$tmp/out" "$tmp/ge.csv"
done
cl_done
