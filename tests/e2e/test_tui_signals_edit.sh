#!/bin/sh
# Faults (issue 13, item 4): SIGHUP (the SSH link drops) and SIGTERM
# (an administrator's kill) while an edit is being typed.  The program
# leaves at once with the terminal restored (echo and icanon back, the
# shell prompt usable); the half-typed edit is not saved: the case and
# its audit trail are as they were and `check` passes.  An edit confirmed
# just before the signal is saved whole.
. "$(dirname "$0")/tui_lib.sh"
tl_init
tl_make_db || { tl_notok fixture_import; exit 1; }
DB=$TL_DB
F_NOTES=44      # position of notes in the edit menu (case_id left out)
audit_n() { "$IMTREVIEW" --db "$DB" audit "$1" | tail -n +2 | grep -c .; }
notes_of() { "$IMTREVIEW" --db "$DB" show "$1" --json | sed -n 's/.*"notes": *"\([^"]*\)".*/\1/p'; }

open_with_pid() {   # tag
    tl_start 132 43 || { tl_notok "$1_start"; return 1; }
    T send-keys -t "$TL_SESSION" 'clear' Enter
    tl_run "sh -c 'echo \$\$ > \"$TL_DIR/pid\"; exec \"\$IMTREVIEW\" --db \"$DB\"'; echo \"rc=\$?\""
    tl_wait_re '[0-9]+ of [0-9]+ cases' 10 || { tl_notok "$1_opens"; return 1; }
}
# open the edit dialog on the first case's notes and type TEXT, no Enter
type_note() {
    tl_keys e
    tl_wait 'which field?' 3 || return 1
    _i=0
    while [ "$_i" -lt "$F_NOTES" ]; do tl_keys Down; _i=$((_i + 1)); done
    tl_keys Enter
    tl_wait ': notes' 3 || return 1
    tl_keys C-u
    T send-keys -t "$TL_SESSION" -l "$1"
    tl_wait "$1" 3
}

first=$("$IMTREVIEW" --db "$DB" list | sed -n 2p | cut -f1)
for sig in HUP TERM; do
    before_notes=$(notes_of "$first")
    before_audit=$(audit_n "$first")
    open_with_pid "$sig" || continue
    type_note "half typed $sig" && tl_ok "${sig}_typing" || tl_notok "${sig}_typing" "$(tl_screen | tail -n 4)"
    pid=$(cat "$TL_DIR/pid")
    kill -"$sig" "$pid"
    tl_wait_exit "$pid" 10 && tl_ok "${sig}_exits" || tl_notok "${sig}_exits"
    tl_wait_re '^rc=[0-9]+' 5
    tl_stty_sane && tl_ok "${sig}_terminal_restored" || tl_notok "${sig}_terminal_restored"
    [ "$(notes_of "$first")" = "$before_notes" ] && tl_ok "${sig}_half_edit_not_saved" ||
        tl_notok "${sig}_half_edit_not_saved" "$(notes_of "$first")"
    [ "$(audit_n "$first")" = "$before_audit" ] && tl_ok "${sig}_audit_unchanged" ||
        tl_notok "${sig}_audit_unchanged"
    "$IMTREVIEW" --db "$DB" check >/dev/null 2>&1 && tl_ok "${sig}_check_passes" || tl_notok "${sig}_check_passes"
done

# an edit confirmed, then the hangup: saved whole, audited once
before_audit=$(audit_n "$first")
open_with_pid confirmed || exit 1
type_note "confirmed edit" || tl_notok confirmed_typing
tl_keys Enter
tl_wait 'notes saved' 5 && tl_ok confirmed_saved_message || tl_notok confirmed_saved_message "$(tl_status)"
pid=$(cat "$TL_DIR/pid")
kill -HUP "$pid"
tl_wait_exit "$pid" 10 && tl_ok confirmed_exits || tl_notok confirmed_exits
[ "$(notes_of "$first")" = "confirmed edit" ] && tl_ok confirmed_saved_whole ||
    tl_notok confirmed_saved_whole "$(notes_of "$first")"
[ "$(audit_n "$first")" = $((before_audit + 1)) ] && tl_ok confirmed_audited_once ||
    tl_notok confirmed_audited_once "$(audit_n "$first") vs $before_audit"
"$IMTREVIEW" --db "$DB" check >/dev/null 2>&1 && tl_ok confirmed_check_passes || tl_notok confirmed_check_passes
tl_done
