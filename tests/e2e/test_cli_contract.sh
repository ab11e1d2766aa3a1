#!/bin/sh
# End-to-end: points of cli.md and data-dictionary.md checked black-box
# (files written from the two pages, not from tests/fixtures): a failed
# write of any output is exit 1 with a true message, numbers survive
# export -> import exactly.  Prints "ok NAME" / "not ok NAME"; exits 1
# when any check failed.  Env: IMTREVIEW = the binary.
. "$(dirname "$0")/cli_lib.sh"

db=$(cl_db cases)
b=$(cl_db b)
tz=$(cl_db tz)
none=$(cl_db none)
new=$(cl_db new)
typo=$(cl_db typo)
fresh=$(cl_db fresh)
empty=$(cl_db empty)
cat >"$tmp/a.csv" <<'EOF2'
case_id,site,outcome,followup_months,age_years,nlr,size_cm
C-1,lung,NED,24,12.345678901234567,0.0000000000000000000001,0.30000000000000004
C-2,cns,DOD,12,7,,
EOF2
# enough cases that every output overflows stdio's buffer before the end
i=0
while [ $i -lt 200 ]; do
    echo "F-$i,other,LOST,,$((i % 100)),," >>"$tmp/a.csv"
    i=$((i + 1))
done
run --db "$db" import "$tmp/a.csv"
if ! rc_is 0; then notok import_fixture; cat "$tmp/err"; echo "1 failed setup"; exit 1; fi
ok import_fixture

# ---- cli.md exit status: "1 the work failed ... Every failure prints one
# clear line or more on stderr" - also when standard output cannot be
# written (a full disk), and the line must say so.
if [ -w /dev/full ]; then
    for cmd in "list" "list --json" "export" "show C-1" "show C-1 --json" \
               "stats --json" "audit" "audit --json" "recommend C-1 --json" \
               "check" "--help" "--version" "list --help" "import --help"; do
        tn=$(echo "$cmd" | tr -c 'a-z0-9\n' '_')
        # shellcheck disable=SC2086
        "$IMT" --db "$db" $cmd >/dev/full 2>"$tmp/err"; echo $? >"$tmp/rc"
        check "full_disk_exit1_$tn" rc_is 1
        check "full_disk_says_write_$tn" has "$tmp/err" "write"
        check "full_disk_not_oom_$tn" hasnt "$tmp/err" "out of memory"
    done
else
    ok full_disk_skipped_no_dev_full
fi

# ---- cli.md: "export of an import must re-import to the same data" - a
# number keeps every digit it needs (not 15), and a tiny one is not 0.
run --db "$db" export -o "$tmp/e1.csv"
check export_exit0 rc_is 0
check export_keeps_17_digits has "$tmp/e1.csv" "12.345678901234567"
check export_keeps_tiny has "$tmp/e1.csv" ",0.0000000000000000000001,"
check export_keeps_binary_exact has "$tmp/e1.csv" "0.30000000000000004"
run --db "$b" import "$tmp/e1.csv"
check reimport_exit0 rc_is 0
run --db "$b" export -o "$tmp/e2.csv"
check export_import_export_identical cmp -s "$tmp/e1.csv" "$tmp/e2.csv"
for col in age_years nlr size_cm; do
    check "same_stored_$col" test \
        "$(eng_col "$db" "$col")" = "$(eng_col "$b" "$col")"
done

# ---- data-dictionary.md: diagnosis_date "not in the future" - today's
# date where the user is (here UTC+14, ahead of UTC) is not the future;
# the day after it is.  (Between 00:00 and 10:00 UTC both dates are the
# same and the first check cannot tell the old behaviour from the new.)
tz_today=$(TZ=UTC-14 date +%Y-%m-%d)
tz_next=$(date -d "$tz_today + 1 day" +%Y-%m-%d)
printf 'case_id,site,diagnosis_date\nT-1,lung,%s\n' "$tz_today" >"$tmp/tz1.csv"
printf 'case_id,site,diagnosis_date\nT-2,lung,%s\n' "$tz_next" >"$tmp/tz2.csv"
TZ=UTC-14 "$IMT" --db "$tz" import "$tmp/tz1.csv" >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"
check local_today_not_future rc_is 0
TZ=UTC-14 "$IMT" --db "$tz" import "$tmp/tz2.csv" >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"
check local_tomorrow_is_future rc_is 1
check local_tomorrow_message has "$tmp/err" "tz2.csv:2: column 'diagnosis_date': '$tz_next' is in the future"
utc_today=$(TZ=UTC date +%Y-%m-%d)
printf 'case_id,site,diagnosis_date\nT-3,lung,%s\n' "$utc_today" >"$tmp/tz3.csv"
TZ=UTC+12 "$IMT" --db "$tz" import "$tmp/tz3.csv" >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"
check utc_today_not_future rc_is 0

# ---- the global options --db and --readonly also work after the command
# ("imtreview list --db x.db"), for every subcommand that reads a database
# (the expected numbers are the fixture's: 202 cases, one lung case)
run list --site lung --db "$db"
check db_after_list rc_is 0
check db_after_list_rows [ "$(grep -c '^C-1	' "$tmp/out")" = 1 ]
run stats --db "$db" --json
check db_after_stats has "$tmp/out" '"n": 202,'
run show C-2 --db "$db"
check db_after_show has "$tmp/out" 'C-2'
run export --site cns --db "$db"
check db_after_export [ "$(grep -c '^C-2,' "$tmp/out")" = 1 ]
run review C-1 --status in_review --db "$db" --readonly
check readonly_after_review_refused rc_is 1
check readonly_after_review_message has "$tmp/err" "read-only"
run --db "$none" list --db "$db" --site cns
check later_db_wins has "$tmp/out" 'C-2'
check later_db_no_stray_file eval '! eng_exists "$none"'
run list --site lung --db
check db_after_needs_value rc_is 2

# ---- a filter given twice is a usage error naming it, never one of the
# two kept quietly
for cmd in list export stats; do
    run $cmd --site lung --site cns --db "$db"
    check "${cmd}_site_twice_usage" rc_is 2
    check "${cmd}_site_twice_message" has "$tmp/err" "--site given twice"
done
run list --search C- --search F- --db "$db"
check search_twice_usage rc_is 2
run list --site lung --alk unknown --db "$db"
check different_filters_fine rc_is 0


# ---- a refused import into a database that did not exist leaves none
# behind (nor -wal/-shm); one into an existing database keeps it
printf 'case_id,site\nN-1,nowhere\n' >"$tmp/bad.csv"
run --db "$new" import "$tmp/bad.csv"
check refused_new_db_exit1 rc_is 1
check refused_new_db_not_left eval '! eng_exists "$new"'
eng_is_pg || check refused_new_db_no_wal [ ! -e "$new-wal" ]
run --db "$db" import "$tmp/bad.csv"
check refused_existing_db_kept eng_exists "$db"
run --db "$db" list --site cns
check refused_existing_db_data has "$tmp/out" 'C-2'


# ---- only a command that writes cases creates a database (issue 13): a
# mistyped --db is refused, says how to make one and leaves no file behind
for cmd in "list --site lung" "show C-1" "stats" "export" "check" "audit" \
           "recommend C-1" "review C-1 --status in_review"; do
    cn=$(echo "$cmd" | cut -d' ' -f1)
    run --db "$typo" $cmd
    check "missing_db_${cn}_exit1" rc_is 1
    check "missing_db_${cn}_says" has "$tmp/err" "there is no database at $typo"
    check "missing_db_${cn}_how" has "$tmp/err" "import FILE.csv"
    check "missing_db_${cn}_no_file" eval '! eng_exists "$typo"'
done
run --readonly --db "$typo" list
check missing_db_readonly_exit1 rc_is 1
check missing_db_readonly_no_file eval '! eng_exists "$typo"'
run --db "$fresh" import "$tmp/a.csv"
check import_new_db_exit0 rc_is 0
check import_new_db_no_note hasnt "$tmp/err" "no database"
check import_new_db_made eng_exists "$fresh"
head -n 1 "$tmp/a.csv" >"$tmp/header.csv"
run --db "$empty" import "$tmp/header.csv"
check header_only_import_makes_empty_db rc_is 0
run --db "$empty" list
check empty_db_list_exit0 rc_is 0
check empty_db_list_quiet hasnt "$tmp/err" "database"

# ---- user input in a message is cut to a sane length with an ellipsis
long=$(awk 'BEGIN { while (i++ < 100000) printf "A" }')
for cmd in show recommend audit list; do
    run --db "$db" $cmd "$long"
    if [ "$cmd" = list ]; then check long_arg_list_exit2 rc_is 2
    else check "long_arg_${cmd}_exit1" rc_is 1; fi
    check "long_arg_${cmd}_cut" [ "$(head -c 400 "$tmp/err" | grep -c 'AAAA…')" -eq 1 ]
    check "long_arg_${cmd}_short" [ "$(head -n 1 "$tmp/err" | wc -c)" -lt 400 ]
done
run --db "$db" review "$long" --status in_review
check long_arg_review_short [ "$(head -n 1 "$tmp/err" | wc -c)" -lt 400 ]
run "$long"
check long_command_short [ "$(head -n 1 "$tmp/err" | wc -c)" -lt 400 ]


# ---- getopt's own messages name the program and the command
run list --site
check missing_value_usage rc_is 2
check missing_value_names_command has "$tmp/err" "imtreview list: option '--site' requires an argument"
run stats --bogus
check unknown_option_names_command has "$tmp/err" "imtreview stats: unrecognized option '--bogus'"


# ---- a --db in a directory that does not exist: say what to do (a file's
# directory: SQLite only)
if ! eng_is_pg; then
run --db "$tmp/no/such/dir/x.db" list
check missing_dir_list_exit1 rc_is 1
check missing_dir_list_says has "$tmp/err" "there is no database at"
run --db "$tmp/no/such/dir/x.db" import "$tmp/a.csv"
check missing_dir_exit1 rc_is 1
check missing_dir_says_create has "$tmp/err" "its directory does not exist (create it first"
check missing_dir_not_made [ ! -e "$tmp/no" ]
fi

cl_done
