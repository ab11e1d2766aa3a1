#!/bin/sh
# End-to-end: the store through the binary - `review`, `audit`, `check`,
# file modes, --readonly, a newer schema, corruption found by `check`, and
# hostile text kept off the terminal.  Prints "ok NAME" / "not ok NAME";
# exits 1 when any check failed.  Env: IMTREVIEW = the binary.  Uses the
# sqlite3 shell (a build dependency) to look under the store.
# engines: sqlite (it looks at the file: modes, WAL, PRAGMAs, sqlite3 edits;
# test_pg_store.sh is its PostgreSQL counterpart)
. "$(dirname "$0")/cli_lib.sh"

mode_of() { stat -c %a "$1"; }
me=$(id -un)
esc=$(printf '\033')

db=$(cl_db cases)
# Written from data-dictionary.md: K-1 is ALK positive by FISH (derived
# alk_status positive), K-2 negative by IHC, K-3 has nothing tested.
cat >"$tmp/a.csv" <<'EOF'
case_id,site,alk_ihc,alk_fish,outcome,followup_months,notes
K-1,lung,,positive,NED,24,first
K-2,cns,negative,,AWD,12,
K-3,other,,,,,
EOF

# ---- creation, check ----------------------------------------------------------
run --db "$tmp/none.db" check
check check_missing_db_exit1 rc_is 1
check check_missing_db_message has "$tmp/err" "no database at"
check check_missing_db_not_created test ! -e "$tmp/none.db"

if ! (umask 000 && "$IMT" --db "$db" import "$tmp/a.csv" >"$tmp/out" 2>"$tmp/err"); then
    notok import_fixture
    cat "$tmp/err"
    echo "1 failed setup"; exit 1
fi
ok import_fixture
check new_db_mode_0600 test "$(mode_of "$db")" = 600
check journal_is_wal test "$(sqlite3 "$db" 'PRAGMA journal_mode')" = wal
check schema_version_6 test "$(sqlite3 "$db" 'PRAGMA user_version')" = 6
check derived_alk_status test "$(sqlite3 "$db" "SELECT group_concat(alk_status, ',') FROM (SELECT alk_status FROM cases ORDER BY case_id)")" = "positive,negative,unknown"

run --db "$db" check
check check_ok_exit0 rc_is 0
check check_ok_line test "$(cat "$tmp/out")" = "ok: 3 cases, integrity ok (SQLite)"

# ---- review -----------------------------------------------------------------------
tab=$(printf '\t')
# (issue 10: signing out needs every recommendation decided first)
run --db "$db" review K-1 --status signed_out --comment "x"
check review_undecided_refused rc_is 1
check review_undecided_names_rules has "$tmp/err" "not decided: "
ndec=$(cl_accept_all "$db" K-1) || notok decide_fixture
run --db "$db" review K-1 --status signed_out --comment "agree${tab}with FISH"
check review_exit0 rc_is 0
check review_says has "$tmp/out" "K-1: signed_out (audited, rule set "
check review_reviewer test "$(sqlite3 "$db" "SELECT reviewer FROM cases WHERE case_id = 'K-1'")" = "$me"
check review_time_shape sh -c "sqlite3 '$db' \"SELECT reviewed_at FROM cases WHERE case_id = 'K-1'\" | grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z\$'"

run --db "$db" review K-2 --status IN_REVIEW
check review_case_insensitive_status rc_is 0
check review_in_review_records_reviewer test "$(sqlite3 "$db" "SELECT reviewer FROM cases WHERE case_id = 'K-2'")" = "$me"

n_audit=$(sqlite3 "$db" 'SELECT count(*) FROM audit')
run --db "$db" review NOPE --status in_review
check review_unknown_case_exit1 rc_is 1
check review_unknown_case_message has "$tmp/err" "no case 'NOPE'"
run --db "$db" review K-1 --status done
check review_bad_status_exit2 rc_is 2
check review_bad_status_lists has "$tmp/err" "unreviewed, in_review, signed_out"
run --db "$db" review K-1
check review_no_status_exit2 rc_is 2
run --db "$db" --readonly review K-1 --status unreviewed
check review_readonly_exit1 rc_is 1
check review_readonly_message has "$tmp/err" "read-only"
check review_refusals_wrote_nothing test "$(sqlite3 "$db" 'SELECT count(*) FROM audit')" = "$n_audit"
check review_readonly_kept_state test "$(sqlite3 "$db" "SELECT review_status FROM cases WHERE case_id = 'K-1'")" = signed_out
run --db "$db" review --help
check review_help rc_is 0

# ---- audit ------------------------------------------------------------------------
run --db "$db" audit
check audit_exit0 rc_is 0
check audit_header test "$(head -n 1 "$tmp/out")" = "$(printf 'time\tuser\tcase_id\tfield\told\tnew\tsource\tcomment\truleset\trule_id\tfired_by\tfull_name')"
# 3 created + K-1's decisions + K-1 (status, reviewer, time) + K-2
# (status, reviewer, time: in_review records who took it), oldest first
check audit_rows test "$(wc -l <"$tmp/out")" -eq $((1 + 3 + ndec + 3 + 3))
check audit_decision_rows test "$(awk -F '\t' '$4 == "decision" && $6 == "accept" && $10 != ""' "$tmp/out" | wc -l)" -eq "$ndec"
check audit_created_first test "$(sed -n 2p "$tmp/out" | cut -f3-6)" = "$(printf 'K-1\t*\t\tcreated')"
check audit_review_row grep -q "$(printf '\tK-1\treview_status\tunreviewed\tsigned_out\treview\tagree\\\\twith FISH\timt-')" "$tmp/out"
check audit_user test "$(sed -n 2p "$tmp/out" | cut -f2)" = "$me"
check audit_one_line_per_row awk -F '\t' 'NF != 12 { bad = 1 } END { exit bad }' "$tmp/out"

run --db "$db" audit K-2
check audit_case_only awk -F '\t' 'NR > 1 && $3 != "K-2" { bad = 1 } END { exit bad }' "$tmp/out"
check audit_case_rows test "$(wc -l <"$tmp/out")" -eq 5
run --db "$db" audit NOPE
check audit_unknown_case_exit1 rc_is 1

run --db "$db" audit K-1 --json
check audit_json_exit0 rc_is 0
check audit_json_created has "$tmp/out" '[{"time":"'
check audit_json_keys has "$tmp/out" '"case_id":"K-1","field":"*","old_value":null,"new_value":"created","source":"import '
check audit_json_review has "$tmp/out" '"field":"review_status","old_value":"unreviewed","new_value":"signed_out","source":"review","comment":"agree\twith FISH","ruleset":"imt-'
check audit_json_closed sh -c "tail -c 3 '$tmp/out' | grep -q '}]'"

# Hostile text: an update that writes an escape sequence into notes is
# audited, and printed escaped, never raw.
printf 'case_id,site,notes\nK-3,other,"red \033[31m bell \007 new\nline"\n' >"$tmp/u.csv"
run --db "$db" import --update "$tmp/u.csv"
check import_update_exit0 rc_is 0
run --db "$db" audit K-3
check audit_no_raw_escape hasnt "$tmp/out" "$esc"
check audit_escaped has "$tmp/out" 'red \x1b[31m bell \x07 new\nline'
run --db "$db" audit K-3 --json
check audit_json_no_raw_escape hasnt "$tmp/out" "$esc"
check audit_json_escaped grep -iqF 'red \u001b[31m bell \u0007 new\nline' "$tmp/out"

# ---- the audit trail is append-only ---------------------------------------------
check audit_update_refused sh -c "! sqlite3 '$db' \"UPDATE audit SET user = 'x'\" 2>/dev/null"
check audit_delete_refused sh -c "! sqlite3 '$db' 'DELETE FROM audit' 2>/dev/null"
# INSERT OR REPLACE deletes the old row without firing the DELETE trigger.
n_audit=$(sqlite3 "$db" 'SELECT count(*) FROM audit')
check audit_replace_refused sh -c "! sqlite3 '$db' \"INSERT OR REPLACE INTO audit (seq, time, user, case_id, field, source) VALUES (1, '2020-01-01T00:00:00Z', 'x', 'K-1', '*', 'edit')\" 2>/dev/null"
check audit_replace_into_refused sh -c "! sqlite3 '$db' \"REPLACE INTO audit (seq, time, user, case_id, field, source) VALUES (2, '2020-01-01T00:00:00Z', 'x', 'K-1', '*', 'edit')\" 2>/dev/null"
check audit_untouched test "$(sqlite3 "$db" "SELECT count(*) FROM audit WHERE user = 'x'")" = 0
check audit_count_kept test "$(sqlite3 "$db" 'SELECT count(*) FROM audit')" = "$n_audit"

# ---- check finds damage ----------------------------------------------------------
sqlite3 "$db" "UPDATE cases SET alk_status = 'negative' WHERE case_id = 'K-1'"
run --db "$db" check
check check_corrupt_exit1 rc_is 1
check check_corrupt_names_case has "$tmp/out" "case 'K-1': alk_status is 'negative' but the ALK fields give 'positive'"
check check_corrupt_stderr has "$tmp/err" "1 problem found"
sqlite3 "$db" "UPDATE cases SET alk_status = 'positive' WHERE case_id = 'K-1'"
sqlite3 "$db" "DROP TRIGGER audit_no_update"
run --db "$db" check
check check_trigger_missing has "$tmp/out" "audit_no_update is missing"
sqlite3 "$db" "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit WHEN OLD.hash IS NOT NULL BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only: its rows cannot be changed'); END;"
run --db "$db" check
check check_ok_again rc_is 0

# ---- a shared file keeps its mode --------------------------------------------------
chmod 660 "$db"
run --db "$db" review K-3 --status in_review
check shared_review_ok rc_is 0
check shared_mode_kept test "$(mode_of "$db")" = 660

# ---- read-only, newer schema ------------------------------------------------------
run --db "$db" --readonly audit K-1
check readonly_audit_reads rc_is 0
run --db "$db" --readonly check
check readonly_check_reads rc_is 0
sqlite3 "$db" "PRAGMA user_version = 42"
run --db "$db" check
check newer_schema_exit1 rc_is 1
check newer_schema_message has "$tmp/err" "database schema version 42 is newer than this imtreview (6); upgrade imtreview"
check newer_schema_untouched test "$(sqlite3 "$db" 'PRAGMA user_version')" = 42

# ---- a reader without write access to the file or its directory -------------------
# (needs root to act as another user; skipped otherwise)
if [ "$(id -u)" = 0 ] && command -v runuser >/dev/null 2>&1 && id nobody >/dev/null 2>&1; then
    mkdir "$tmp/ro"
    printf 'case_id,site\nR-1,lung\n' >"$tmp/ro.csv"
    "$IMT" --db "$tmp/ro/r.db" import "$tmp/ro.csv" >/dev/null 2>&1
    chmod 755 "$tmp" "$tmp/ro"; chmod 644 "$tmp/ro/r.db"
    runuser -u nobody -- "$IMT" --db "$tmp/ro/r.db" --readonly check >"$tmp/out" 2>"$tmp/err"
    check reader_readonly_check test "$(cat "$tmp/out")" = "ok: 1 case, integrity ok (SQLite)"
    runuser -u nobody -- "$IMT" --db "$tmp/ro/r.db" audit R-1 >"$tmp/out" 2>"$tmp/err"
    check reader_audit has "$tmp/out" "$(printf 'R-1\t*\t\tcreated')"
    runuser -u nobody -- "$IMT" --db "$tmp/ro/r.db" review R-1 --status in_review >"$tmp/out" 2>"$tmp/err"
    echo $? >"$tmp/rc"
    check reader_review_refused rc_is 1
    check reader_review_message has "$tmp/err" "not writable for you: edits are refused"
    check reader_left_no_files test "$(ls "$tmp/ro")" = "r.db"
    chmod 700 "$tmp"
fi

# ---- usage --------------------------------------------------------------------------
run --db "$db" check extra
check check_usage_exit2 rc_is 2
run --db "$db" audit --bogus
check audit_usage_exit2 rc_is 2

# Where the database is: --db, else $IMTREVIEW_DB, else the XDG default,
# whose directories are made (0700); a given path's directory is not.
d=$tmp/where
mkdir -p "$d"
printf 'case_id,site\n' >"$d/header.csv"
env -u IMTREVIEW_DB HOME="$d/home" XDG_DATA_HOME="$d/data" "$IMTREVIEW" list >/dev/null 2>&1
check db_default_list_refused_no_dir test ! -e "$d/data"
env -u IMTREVIEW_DB HOME="$d/home" XDG_DATA_HOME="$d/data" "$IMTREVIEW" import "$d/header.csv" >/dev/null 2>&1
check db_default_xdg test -f "$d/data/imtreview/cases.db"
check db_default_dir_0700 test "$(stat -c %a "$d/data/imtreview")" = 700
env -u IMTREVIEW_DB -u XDG_DATA_HOME HOME="$d/home" "$IMTREVIEW" import "$d/header.csv" >/dev/null 2>&1
check db_default_home test -f "$d/home/.local/share/imtreview/cases.db"
IMTREVIEW_DB=$d/env.db XDG_DATA_HOME="$d/data2" "$IMTREVIEW" import "$d/header.csv" >/dev/null 2>&1
check db_env_used test -f "$d/env.db" -a ! -e "$d/data2"
"$IMTREVIEW" --db "$d/missing/sub/x.db" list >/dev/null 2>"$d/err"
check db_given_dir_not_made test $? -eq 1 -a ! -e "$d/missing" -a -s "$d/err"
IMTREVIEW_DB=$d/nodir/x.db "$IMTREVIEW" list >/dev/null 2>&1
check db_env_dir_not_made test ! -e "$d/nodir"

if [ "$fails" -ne 0 ]; then
    echo "$fails failed"
    exit 1
fi
exit 0
