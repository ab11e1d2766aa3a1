#!/bin/sh
# End-to-end on PostgreSQL (issue 11), as a registry would run it: the
# role script applied with psql, people with login roles in its groups,
# the program pointed at the database by a URI, a connection string and a
# service file; two reviewers on their own connections; the audit
# tampered with through psql as a reviewer (refused) and as the superuser
# behind the triggers' back (found by check); a reader; a password that
# never shows; a newer schema refused; a copy from SQLite and back
# compared byte for byte; a reviewer's course (events imported, replaced,
# audited; the follow-up schedule left to the owner) and a copy with
# events whose follow-up dates are derived again.  The counterpart of test_store_cli.sh.
# engines: pg (PostgreSQL's roles, psql and the server; run-tests.sh runs
# it after --engine=pg, in the throwaway cluster of tests/tools/with-pg.sh)
. "$(dirname "$0")/cli_lib.sh"

if ! eng_is_pg; then
    notok needs_postgresql "run through tests/tools/with-pg.sh and run-tests.sh --engine=pg"
    exit 1
fi
su_sql() { eng_sql "$db" "$*"; }
db=$(cl_db registry)
dbn=$(eng_dbname "$db")
me=$(printf 'imt_rev_a_%s' "$$")      # roles are the cluster's: names of our own
you=$(printf 'imt_rev_b_%s' "$$")
ro=$(printf 'imt_read_%s' "$$")
trap 'psql -X -q -d postgres -c "DROP OWNED BY $me, $you, $ro CASCADE" >/dev/null 2>&1
      dropdb --force --if-exists "$dbn" >/dev/null 2>&1
      psql -X -q -d postgres -c "DROP ROLE IF EXISTS $me, $you, $ro" >/dev/null 2>&1
      eng_cleanup "$tmp"; rm -rf "$tmp"' EXIT

# ---- the DBA: the role script, then people ---------------------------------------
run pg-roles
check roles_script_exit0 rc_is 0
check roles_script_roles has "$tmp/out" "CREATE ROLE imtreview_reviewer NOLOGIN"
cp "$tmp/out" "$tmp/roles.sql"
psql -X -q -v ON_ERROR_STOP=1 -d "$dbn" -f "$tmp/roles.sql" >"$tmp/psql.out" 2>&1
check roles_script_runs test $? -eq 0
psql -X -q -v ON_ERROR_STOP=1 -d "$dbn" -f "$tmp/roles.sql" >"$tmp/psql.out" 2>&1
check roles_script_runs_again test $? -eq 0
su_sql "CREATE ROLE $me LOGIN IN ROLE imtreview_reviewer; CREATE ROLE $you LOGIN IN ROLE imtreview_reviewer; CREATE ROLE $ro LOGIN IN ROLE imtreview_reader" >/dev/null
check schema_by_script test "$(su_sql "SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = 'imtreview.audit'::regclass")" = imtreview_owner

# A URI for me, a connection string for you, a service file for the reader.
uri_me="postgresql://$me@/$dbn?host=$PGHOST&port=$PGPORT"
cs_you="host=$PGHOST port=$PGPORT dbname=$dbn user=$you"
printf '[registry]\nhost=%s\nport=%s\ndbname=%s\nuser=%s\n' "$PGHOST" "$PGPORT" "$dbn" "$ro" \
    >"$tmp/pg_service.conf"

cat >"$tmp/a.csv" <<'EOF'
case_id,site,alk_ihc,alk_fish,outcome,followup_months,notes
K-1,lung,,positive,NED,24,first
K-2,cns,negative,,AWD,12,Ösophagus nah
K-3,other,,,,,
EOF
run --db "$uri_me" import "$tmp/a.csv"
check reviewer_imports rc_is 0
run --db "$uri_me" check
check check_names_engine test "$(cat "$tmp/out")" = "ok: 3 cases, integrity ok (PostgreSQL)"
run --db "$uri_me" check --json
check check_json_engine has "$tmp/out" '"engine": "PostgreSQL"'

# ---- two reviewers on their own connections -----------------------------------------
# (each decides the recommendations of the case first: signing out
# checks them on this engine too)
check decided_as_me test "$(cl_accept_all "$uri_me" K-1)" -gt 0
check decided_as_you test "$(cl_accept_all "$cs_you" K-2)" -gt 0
"$IMT" --db "$uri_me" review K-1 --status signed_out --comment mine >"$tmp/o1" 2>"$tmp/e1" &
p1=$!
"$IMT" --db "$cs_you" review K-2 --status signed_out --comment yours >"$tmp/o2" 2>"$tmp/e2" &
p2=$!
wait $p1; r1=$?; wait $p2; r2=$?
check two_sessions_both_saved test "$r1$r2" = 00
run --db "$cs_you" audit
check audit_user_is_role_me grep -q "$(printf '\t%s\tK-1\treview_status\t' "$me")" "$tmp/out"
check audit_user_is_role_you grep -q "$(printf '\t%s\tK-2\treview_status\t' "$you")" "$tmp/out"
check audit_created_by_me test "$(sed -n 2p "$tmp/out" | cut -f2)" = "$me"
run --db "$cs_you" show K-1 --json
check reviewer_is_role has "$tmp/out" "\"reviewer\":\"$me\""
run --db "$uri_me" list --search ÖSOPHAGUS
check search_every_script test "$(tail -n +2 "$tmp/out" | cut -f1)" = K-2

# ---- the course as a reviewer: events imported and replaced (the group may
# change and remove events, each change audited); the follow-up schedule
# stays the owner's to change -----------------------------------------------------
EH='case_id,date,type,line,agent,intent,reason,response,extent,site,detail'
printf '%s\nK-1,2021-01-01,contact,,,,,,,,NED\nK-2,2021-02-01,contact,,,,,,,,AWD\n' "$EH" >"$tmp/ev.csv"
run --db "$uri_me" import --events "$tmp/ev.csv"
check reviewer_imports_events has "$tmp/out" "2 events added, 0 unchanged (already recorded), for 2 cases"
printf '%s\nK-1,2021-03-01,contact,,,,,,,,NED\n' "$EH" >"$tmp/ev2.csv"
run --db "$uri_me" import --events --replace "$tmp/ev2.csv"
check reviewer_replaces_events has "$tmp/out" "1 event added, 0 unchanged, 1 removed (--replace), for 1 case"
check reviewer_event_audit test "$("$IMT" --db "$uri_me" audit K-1 | grep -c "	$me	K-1	event	")" = 3
sched0=$(su_sql "SELECT value FROM imtreview.meta WHERE key = 'followup_schedule'")
printf 'active_disease 0+ = 2\nhigh_risk 0+ = 2\nstandard 0+ = 2\ndue_window_days = 10\nresponse_assessment_days = 56\n' >"$tmp/two.schedule"
IMTREVIEW_SCHEDULE="$tmp/two.schedule" "$IMT" --db "$uri_me" list --followup due >/dev/null 2>"$tmp/err"
check reviewer_schedule_opens test $? -eq 0
check reviewer_schedule_note has "$tmp/err" "computed with another follow-up schedule"
check reviewer_schedule_kept test -n "$sched0" -a "$(su_sql "SELECT value FROM imtreview.meta WHERE key = 'followup_schedule'")" = "$sched0"
run --db "$uri_me" check
check course_check_clean rc_is 0

# ---- the audit through psql as a reviewer: refused ----------------------------------
n0=$(su_sql "SELECT count(*) FROM imtreview.audit")
as_me() { psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$dbn" -U "$me" -c "$1" 2>&1; }
check psql_reviewer_update_refused sh -c "! psql -X -q -v ON_ERROR_STOP=1 -d '$dbn' -U '$me' -c \"UPDATE imtreview.audit SET \\\"user\\\" = 'x'\" >/dev/null 2>&1"
as_me "DELETE FROM imtreview.audit" >"$tmp/del"
check psql_reviewer_delete_refused has "$tmp/del" "permission denied"
as_me "TRUNCATE imtreview.audit" >"$tmp/trunc"
check psql_reviewer_truncate_refused has "$tmp/trunc" "permission denied"
as_me "ALTER TABLE imtreview.audit DISABLE TRIGGER USER" >"$tmp/alter"
check psql_reviewer_triggers_refused has "$tmp/alter" "must be owner"
check audit_untouched test "$(su_sql "SELECT count(*) FROM imtreview.audit WHERE \"user\" = 'x'")/$(su_sql "SELECT count(*) FROM imtreview.audit")" = "0/$n0"
run --db "$uri_me" check
check check_still_clean rc_is 0

# ---- the superuser behind the triggers' back: check finds it --------------------------
su_sql "ALTER TABLE imtreview.audit DISABLE TRIGGER USER; UPDATE imtreview.audit SET new_value = 'negative' WHERE seq = 2; ALTER TABLE imtreview.audit ENABLE TRIGGER USER" >/dev/null
run --db "$uri_me" check
check tampered_check_exit1 rc_is 1
check tampered_names_row has "$tmp/out" "audit row 2 was changed after it was written"
check tampered_stderr has "$tmp/err" "problem"
head=$("$IMT" --db "$uri_me" check --json | sed -n 's/.*"head_hash": *"\([0-9a-f]*\)".*/\1/p')
check head_hash_reported test "${#head}" -eq 64
su_sql "ALTER TABLE imtreview.audit DISABLE TRIGGER audit_no_delete" >/dev/null
run --db "$uri_me" check
check disabled_trigger_reported has "$tmp/out" "trigger audit_no_delete is disabled"
su_sql "ALTER TABLE imtreview.audit ENABLE TRIGGER audit_no_delete" >/dev/null

# ---- the reader, through the service file ----------------------------------------------
PGSERVICEFILE="$tmp/pg_service.conf" "$IMT" --db service=registry list >"$tmp/out" 2>"$tmp/err"
check service_file_reads test "$(tail -n +2 "$tmp/out" | grep -c .)" -eq 3
PGSERVICEFILE="$tmp/pg_service.conf" "$IMT" --db service=registry review K-3 --status in_review >"$tmp/out" 2>"$tmp/err"
check reader_review_exit1 test $? -eq 1
check reader_review_says has "$tmp/err" "database role $ro may not change cases"
run --db "$uri_me" --readonly review K-3 --status in_review
check readonly_option_refused rc_is 1
check readonly_option_says has "$tmp/err" "read-only"

# ---- a password never shows --------------------------------------------------------------
run --db "postgresql://$me:s3cr3t-pw@/nosuchdb?host=$PGHOST&port=$PGPORT" list
check bad_db_exit1 rc_is 1
check password_not_in_error hasnt "$tmp/err" "s3cr3t-pw"
check password_masked has "$tmp/err" "$me:***@"
run --db "host=$PGHOST port=$PGPORT dbname=nosuchdb password='s3cr3t-pw'" list
check password_not_in_error_cs hasnt "$tmp/err" "s3cr3t-pw"
run --db "postgresql://$me:s3cr3t-pw@/$dbn?host=$PGHOST&port=$PGPORT" review K-3 --status signed_out
check password_not_in_audit sh -c "! '$IMT' --db '$uri_me' audit | grep -q s3cr3t-pw"

# ---- a database without the schema is no database; a newer schema is refused ----------------
empty=$(cl_db empty)
run --db "$empty" list
check no_schema_exit1 rc_is 1
check no_schema_says has "$tmp/err" "there is no database at"
check no_schema_not_made test "$(eng_sql "$empty" "SELECT to_regclass('imtreview.meta') IS NULL")" = t
su_sql "UPDATE imtreview.meta SET value = '77' WHERE key = 'schema_version'" >/dev/null
run --db "$uri_me" list
check newer_schema_exit1 rc_is 1
check newer_schema_says grep -q "database schema version 77 is newer than this imtreview ([0-9]*); upgrade imtreview" "$tmp/err"
su_sql "UPDATE imtreview.meta SET value = '1' WHERE key = 'schema_version'" >/dev/null

# ---- copy: SQLite -> PostgreSQL -> SQLite, the same bytes everywhere ---------------------
"$GEN_CASES" 700 11 >"$tmp/g.csv"
"$IMT" --db "$tmp/src.db" import "$tmp/g.csv" >/dev/null 2>&1
"$IMT" --db "$tmp/src.db" review IMT-000003 --status in_review --comment "before the copy" >/dev/null
to=$(cl_db copy_target)
run --db "$tmp/src.db" copy --to "$to"
check copy_exit0 rc_is 0
check copy_says_identical has "$tmp/out" "cases: 700 rows on both sides, content digest"
check copy_audit_identical grep -q '^audit: 703 rows on both sides, content digest [0-9a-f]\{64\}: identical$' "$tmp/out"
run --db "$to" copy --to "$tmp/back.db"
check copy_back_exit0 rc_is 0
for d in "$tmp/src.db" "$to" "$tmp/back.db"; do
    "$IMT" --db "$d" export >>"$tmp/exports.txt.$(echo "$d" | cksum | cut -c1-6)"
done
set -- "$tmp"/exports.txt.*
check export_byte_identical_three_ways sh -c "cmp -s '$1' '$2' && cmp -s '$2' '$3'"
"$IMT" --db "$tmp/src.db" export --deidentify >"$tmp/d1.csv"
"$IMT" --db "$to" export --deidentify >"$tmp/d2.csv"
check deidentified_identical cmp -s "$tmp/d1.csv" "$tmp/d2.csv"
"$IMT" --db "$tmp/src.db" audit >"$tmp/a1"; "$IMT" --db "$to" audit >"$tmp/a2"
check audit_identical_times_users cmp -s "$tmp/a1" "$tmp/a2"
h1=$("$IMT" --db "$tmp/src.db" check --json | sed -n 's/.*"head_hash": *"\([0-9a-f]*\)".*/\1/p')
h2=$("$IMT" --db "$to" check --json | sed -n 's/.*"head_hash": *"\([0-9a-f]*\)".*/\1/p')
check chain_head_identical test -n "$h1" -a "$h1" = "$h2"
run --db "$to" check
check copy_target_check_clean rc_is 0
run --db "$tmp/src.db" copy --to "$to"
check copy_non_empty_refused rc_is 1
check copy_non_empty_says has "$tmp/err" "the target is not empty"
# ---- copy with a course: the follow-up dates derived again on PostgreSQL -------------------
"$GEN_CASES" 300 5 >"$tmp/gc.csv"
"$GEN_CASES" 300 5 events >"$tmp/ge.csv"
"$IMT" --db "$tmp/src2.db" import "$tmp/gc.csv" >/dev/null 2>&1
"$IMT" --db "$tmp/src2.db" import --events "$tmp/ge.csv" >/dev/null 2>&1
to2=$(cl_db copy_course)
run --db "$tmp/src2.db" copy --to "$to2"
check copy_course_exit0 rc_is 0
"$IMT" --db "$tmp/src2.db" list --followup due --today 2030-01-01 >"$tmp/w1"
"$IMT" --db "$to2" list --followup due --today 2030-01-01 >"$tmp/w2"
check copy_course_worklist_same test "$(wc -l <"$tmp/w1")" -gt 10 -a -n "$(cmp "$tmp/w1" "$tmp/w2" && echo same)"
run --db "$to2" check
check copy_course_check_clean rc_is 0
cl_done
