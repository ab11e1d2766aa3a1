#!/bin/sh
# End-to-end: the audit trail's hash chain and the replay of each case's
# history, tampered with through the sqlite3 shell the way issue 13
# describes (a program the store never sees): triggers dropped, a row
# rewritten, the triggers re-created; a case's history deleted; cases
# updated with no audit row; rows reordered and inserted.  check must name
# the row or the case each time; check --json gives the chain head.
# Also: a database of schema version 2 is upgraded (every row hashed).
# engines: sqlite (it rewrites the file with sqlite3 behind imtreview's back;
# test_pg_store.sh and test_store_pg do the same through psql)
. "$(dirname "$0")/cli_lib.sh"

db=$(cl_db cases)
cat >"$tmp/a.csv" <<'EOF2'
case_id,site,alk_ihc,alk_fish,outcome,followup_months,notes
K-1,lung,,positive,NED,24,first
K-2,cns,negative,,AWD,12,
K-3,other,,,,,
K-4,lung,,,,,last
EOF2
"$IMT" --db "$db" import "$tmp/a.csv" >/dev/null 2>&1 || notok import_fixture
# (unreviewed with a comment: one audit row; in_review would add the
# reviewer's and the time's rows, issue 10)
"$IMT" --db "$db" review K-1 --status unreviewed --comment "look" >/dev/null 2>&1 ||
    notok review_fixture
# rows: 1..4 created K-1..K-4, 5 review of K-1
run --db "$db" check
check clean_ok rc_is 0
run --db "$db" check --json
check clean_json_rc rc_is 0
check clean_json_ok has "$tmp/out" '"ok": true'
check clean_json_rows has "$tmp/out" '"rows": 5'
check clean_json_head_seq has "$tmp/out" '"head_seq": 5'
head=$(sed -n 's/.*"head_hash": "\([0-9a-f]*\)".*/\1/p' "$tmp/out")
check clean_json_head_is_stored test "$head" = "$(sqlite3 "$db" 'SELECT hash FROM audit WHERE seq = 5')"
check clean_json_head_64 test "${#head}" = 64

no_update="CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit WHEN OLD.hash IS NOT NULL BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only: its rows cannot be changed'); END;"
no_delete="CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only: its rows cannot be deleted'); END;"
copy() { rm -f "$tmp/t.db"*; sqlite3 "$db" ".backup '$tmp/t.db'"; }
tamper_check() {   # NAME SQL EXPECTED-TEXT
    copy
    if ! sqlite3 "$tmp/t.db" "$2" 2>"$tmp/sqlerr"; then
        notok "$1_sql"; cat "$tmp/sqlerr"; return
    fi
    run --db "$tmp/t.db" check
    check "$1_exit1" rc_is 1
    if has "$tmp/out" "$3"; then ok "$1_named"; else notok "$1_named"; cat "$tmp/out"; fi
}

# 1. the issue's probe: drop the trigger, rewrite a user, re-create it
tamper_check rewrite_user "DROP TRIGGER audit_no_update; UPDATE audit SET user = 'mallory' WHERE seq = 2; $no_update" \
    "audit row 2 was changed after it was written"
check rewrite_user_triggers_back_ok hasnt "$tmp/out" "is missing"
# a value of the history rewritten (and the case to match): still named
tamper_check rewrite_value "DROP TRIGGER audit_no_update; UPDATE audit SET comment = 'forged' WHERE seq = 5; $no_update" \
    "audit row 5 was changed after it was written"
# 2. a case's whole history deleted (K-2: row 2)
tamper_check delete_history "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE case_id = 'K-2'; $no_delete" \
    "audit row 2 was removed: row 3 does not follow row 1"
check delete_history_case_named has "$tmp/out" "case 'K-2' has no record of its creation"
# the last rows deleted: the chain is whole, the replay names the case
tamper_check delete_tail "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE case_id = 'K-4'; $no_delete" \
    "case 'K-4' has no record of its creation"
# 3. UPDATE cases with no audit row
tamper_check update_cases "UPDATE cases SET site = 'other', notes = 'x' WHERE case_id = 'K-1'" \
    "case 'K-1': site is 'other' but its history says 'lung'"
check update_cases_notes has "$tmp/out" "case 'K-1': notes is 'x' but its history says 'first'"
tamper_check review_behind_back "UPDATE cases SET review_status = 'signed_out' WHERE case_id = 'K-3'" \
    "case 'K-3': review_status is 'signed_out' but its history says 'unreviewed'"
# 4. reordered: rows 2 and 3 swapped
tamper_check reorder "DROP TRIGGER audit_no_update; UPDATE audit SET seq = -1 WHERE seq = 2; UPDATE audit SET seq = 2 WHERE seq = 3; UPDATE audit SET seq = 3 WHERE seq = -1; $no_update" \
    "audit row 2 is out of order: it was written after the row now numbered 3"
# 5. inserted: a made-up change of K-3 with the case changed to match
tamper_check insert "INSERT INTO audit (time, user, case_id, field, old_value, new_value, source) VALUES ('2026-01-01T00:00:00Z', 'dr', 'K-3', 'site', 'other', 'lung', 'edit'); UPDATE cases SET site = 'lung' WHERE case_id = 'K-3'" \
    "audit row 6 has no valid hash"
# inserted in the middle, the rows after it renumbered
tamper_check insert_middle "DROP TRIGGER audit_no_update; UPDATE audit SET seq = seq + 100 WHERE seq >= 3; UPDATE audit SET seq = seq - 99 WHERE seq >= 100; INSERT INTO audit (seq, time, user, case_id, field, new_value, source) VALUES (3, '2026-01-01T00:00:00Z', 'dr', 'K-2', 'notes', 'x', 'edit'); $no_update" \
    "audit row 3 has no valid hash"

# The program's own writes keep the chain whole, and move the head.
"$IMT" --db "$db" review K-2 --status in_review >/dev/null 2>&1 || notok review2
run --db "$db" check --json
check after_write_ok rc_is 0
check after_write_head_moved hasnt "$tmp/out" "$head"
check after_write_old_head_kept test "$head" = "$(sqlite3 "$db" 'SELECT hash FROM audit WHERE seq = 5')"

# A version-2 file (before the chain) is upgraded: each case gets a
# baseline row, every row is hashed, and check then passes.
v2="$tmp/v2.db"
sqlite3 "$db" ".backup '$v2'"
# (and before version 4's review columns and decisions, version 5's course,
# version 6's counts and search index)
sqlite3 "$v2" "DROP TRIGGER case_counts_insert; DROP TRIGGER case_counts_delete; DROP TRIGGER case_counts_update; DROP TRIGGER case_search_insert; DROP TRIGGER case_search_update; DROP TRIGGER case_search_delete; DROP TABLE case_counts; DROP TABLE case_search; DROP TABLE case_search_pending;"
sqlite3 "$v2" "DROP TABLE decisions; DROP INDEX cases_decision; ALTER TABLE cases DROP COLUMN version; ALTER TABLE cases DROP COLUMN decision_state; ALTER TABLE cases DROP COLUMN review_comment; ALTER TABLE cases DROP COLUMN signer_name; ALTER TABLE audit DROP COLUMN rule_id; ALTER TABLE audit DROP COLUMN fired_by; ALTER TABLE audit DROP COLUMN full_name; DELETE FROM meta WHERE key IN ('decision_ruleset', 'decision_day');"
sqlite3 "$v2" "DROP TABLE events; DROP INDEX cases_sort_next_due; ALTER TABLE cases DROP COLUMN sort_next_due; ALTER TABLE cases DROP COLUMN next_due; DELETE FROM meta WHERE key = 'followup_schedule'; DROP TRIGGER audit_no_update; ALTER TABLE audit DROP COLUMN snapshot; ALTER TABLE audit DROP COLUMN row_hash; ALTER TABLE audit DROP COLUMN hash; CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only: its rows cannot be changed'); END; PRAGMA user_version = 2;"
run --db "$v2" check
check upgrade_ok rc_is 0
check upgrade_version test "$(sqlite3 "$v2" 'PRAGMA user_version')" = 6
check upgrade_baselines test "$(sqlite3 "$v2" "SELECT count(*) FROM audit WHERE new_value = 'baseline'")" = 4
check upgrade_hashed test "$(sqlite3 "$v2" 'SELECT count(*) FROM audit WHERE length(hash) = 64')" = \
    "$(sqlite3 "$v2" 'SELECT count(*) FROM audit')"
cl_done
