#!/bin/sh
# Interface e2e on PostgreSQL (issue 11): the status line names the
# database and the engine; another session's change reaches the open
# interface through LISTEN/NOTIFY, with no key pressed; and a connection
# lost while an edit form is open (the server terminates the backend) is
# said plainly, the form keeps what was typed, and Enter again saves it on
# a new connection.
# engines: pg (the server's notifications and backends; run-tests.sh runs it
# after --engine=pg)
. "$(dirname "$0")/tui_lib.sh"
tl_init
if ! eng_is_pg; then
    tl_notok needs_postgresql "run through tests/tools/with-pg.sh and run-tests.sh --engine=pg"
    exit 1
fi
tl_make_db || { tl_notok fixture_import; exit 1; }
dbn=$(eng_dbname "$TL_DB")
terminate() {   # the interface's backends, as a DBA would
    eng_sql "$TL_DB" "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '$dbn' AND pid <> pg_backend_pid() AND application_name = 'imtreview'"
}

tl_start 132 43 || { tl_notok start; exit 1; }
tl_tui
tl_wait 'of 61 cases' 10 || { tl_notok starts "$(tl_screen | head -n 3)"; exit 1; }
tl_status | grep -qF "$dbn (PostgreSQL)" && tl_ok status_names_engine ||
    tl_notok status_names_engine "$(tl_status)"

# Another session adds two cases: the interface shows them by itself.
printf 'case_id,site\nNEW-1,lung\nNEW-2,cns\n' >"$TL_DIR/new.csv"
"$IMTREVIEW" --db "$TL_DB" import "$TL_DIR/new.csv" >/dev/null 2>&1
tl_wait 'of 63 cases' 5 && tl_ok notify_updates_count || tl_notok notify_updates_count "$(tl_status)"
tl_wait 'data changed by another session' 2 && tl_ok notify_says_so || tl_notok notify_says_so
# ... and so does a change made with psql
eng_sql "$TL_DB" "UPDATE imtreview.cases SET outcome = 'DOD', followup_months = 5 WHERE case_id = 'NEW-1'" >/dev/null
tl_wait 'data changed by another session' 5 && tl_ok notify_psql_change || tl_notok notify_psql_change

# The connection dies while the edit form is open.
tl_keys e
tl_wait 'which field' 5 || tl_notok edit_menu "$(tl_status)"
tl_keys Enter
tl_wait 'age_years (empty = unknown)' 5 || tl_notok edit_prompt
tl_keys C-u 7 7
n=$(terminate)
[ "$n" -ge 1 ] && tl_ok backend_terminated || tl_notok backend_terminated "$n"
tl_keys Enter
tl_wait 'connection to the PostgreSQL server was lost' 5 && tl_ok lost_connection_said ||
    tl_notok lost_connection_said "$(tl_screen | tail -n 5)"
tl_screen | grep -q 'age_years (empty = unknown)' && tl_ok form_still_open || tl_notok form_still_open
tl_screen | grep -q '77' && tl_ok form_keeps_text || tl_notok form_keeps_text
"$IMTREVIEW" --db "$TL_DB" audit HOSTILE-1 | awk -F '\t' '$4 == "age_years"' | grep -q . &&
    tl_notok nothing_saved_yet || tl_ok nothing_saved_yet
tl_keys Enter
tl_wait 'age_years saved' 5 && tl_ok saved_after_reconnect || tl_notok saved_after_reconnect "$(tl_status)"
"$IMTREVIEW" --db "$TL_DB" audit HOSTILE-1 |
    awk -F '\t' '$4 == "age_years" && $5 == "40" && $6 == "77" && $7 == "edit"' | grep -q . &&
    tl_ok edit_audited_once || tl_notok edit_audited_once
# The interface goes on: the live view works on the new connection too.
printf 'case_id,site\nNEW-3,lung\n' >"$TL_DIR/new3.csv"
"$IMTREVIEW" --db "$TL_DB" import "$TL_DIR/new3.csv" >/dev/null 2>&1
tl_wait 'of 64 cases' 5 && tl_ok notify_after_reconnect || tl_notok notify_after_reconnect "$(tl_status)"
# Lost while idle: said on the status line, and the view carries on.
terminate >/dev/null
tl_wait 'connection to the PostgreSQL server was lost' 5 && tl_ok idle_loss_said ||
    tl_notok idle_loss_said "$(tl_status)"
printf 'case_id,site\nNEW-4,lung\n' >"$TL_DIR/new4.csv"
"$IMTREVIEW" --db "$TL_DB" import "$TL_DIR/new4.csv" >/dev/null 2>&1
tl_wait 'of 65 cases' 5 && tl_ok notify_after_idle_loss || tl_notok notify_after_idle_loss "$(tl_status)"
tl_quit && [ "$(tl_rc)" = 0 ] && tl_ok q_exit_0 || tl_notok q_exit_0 "$(tl_rc)"
# check: the edit is whole; the psql change above is named as what it was
"$IMTREVIEW" --db "$TL_DB" check >"$TL_DIR/check.out" 2>&1
[ $? -eq 1 ] && [ "$(grep -c '^problem' "$TL_DIR/check.out")" -eq 2 ] &&
    grep -q "case 'NEW-1': outcome is 'DOD' but its history says unknown (changed behind" "$TL_DIR/check.out" &&
    tl_ok check_names_psql_change_only || tl_notok check_names_psql_change_only "$(cat "$TL_DIR/check.out")"
tl_done
