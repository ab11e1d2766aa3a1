#!/bin/sh
# Interface e2e: an edit in the interface changes only the field edited.
# Another user changes a case (import --update) while the interface shows
# it; editing another field of that case afterwards must not write the
# interface's older copy back over their change (a lost update, audited as
# an "edit" of a field nobody edited).
. "$(dirname "$0")/tui_lib.sh"
tl_init
tl_make_db || { tl_notok fixture_import; exit 1; }
tl_start 100 30 || { tl_notok start; exit 1; }
tl_tui
tl_wait 'of 61 cases' 10 || { tl_notok starts "$(tl_screen | head -n 3)"; exit 1; }

# The first row (HOSTILE-1) is under the cursor and in the list's page.
# Another user changes its notes now.
printf 'case_id,site,notes\nHOSTILE-1,lung,changed by another user\n' >"$TL_DIR/other.csv"
"$IMTREVIEW" --db "$TL_DB" import --update "$TL_DIR/other.csv" >/dev/null 2>&1 ||
    tl_notok other_user_update

# Edit age_years (the first field of the menu) in the interface.
tl_keys e
tl_wait 'which field' 5 || tl_notok edit_menu "$(tl_status)"
tl_keys Enter
tl_wait 'age_years (empty = unknown)' 5 || tl_notok edit_prompt
tl_keys C-u 4 2 Enter
tl_wait 'age_years saved' 5 && tl_ok edit_saved || tl_notok edit_saved "$(tl_status)"
tl_quit && [ "$(tl_rc)" = 0 ] && tl_ok q_exit_0 || tl_notok q_exit_0

"$IMTREVIEW" --db "$TL_DB" list --search HOSTILE-1 --json >"$TL_DIR/case.json"
grep -q '"age_years":42' "$TL_DIR/case.json" && tl_ok edit_applied ||
    tl_notok edit_applied "$(cat "$TL_DIR/case.json")"
grep -q '"notes":"changed by another user"' "$TL_DIR/case.json" &&
    tl_ok other_users_change_kept || tl_notok other_users_change_kept
"$IMTREVIEW" --db "$TL_DB" audit HOSTILE-1 >"$TL_DIR/audit.txt"
n_edit=$(awk -F '\t' '$7 == "edit"' "$TL_DIR/audit.txt" | wc -l)
[ "$n_edit" -eq 1 ] && tl_ok one_audit_row_for_the_edit ||
    tl_notok one_audit_row_for_the_edit "$n_edit rows"
awk -F '\t' '$7 == "edit" && $4 == "age_years" && $5 == "40" && $6 == "42" { f = 1 } END { exit !f }' \
    "$TL_DIR/audit.txt" && tl_ok audit_old_new || tl_notok audit_old_new
tl_done
