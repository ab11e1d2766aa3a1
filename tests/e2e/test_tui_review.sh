#!/bin/sh
# Interface e2e (issue 10): review a case to sign-out.
# - accept and override recommendations from the recommendation pane (d);
#   `other` needs a comment;
# - sign-out refused (the dialog lists the undecided rules) then allowed;
# - a signed-out case cannot be edited (the dialog says who and when);
# - re-open with a reason (required), audited, the signature kept;
# - the history view (H): newest first, decisions, signature, re-open;
# - undo (u) of the session's last edit, and its refusal when someone else
#   changed the field since.
# What the program stored is read back with the command line.
. "$(dirname "$0")/tui_lib.sh"
tl_init
tl_make_db || { tl_notok fixture_import; exit 1; }
DB=$TL_DB
ID=IMT-005
me=$(eng_user)
cli() { "$IMTREVIEW" --db "$DB" "$@"; }
audit_n() { cli audit "$1" | tail -n +2 | grep -c .; }

# The recommendations of the case as `recommend --json` lists them (the
# pane's order): "ID LEVEL" per line.
recs() {
    cli recommend "$ID" --json | grep -o '"id":"[^"]*","kind":"[^"]*","level":"[^"]*"' |
        sed 's/^"id":"\([^"]*\)".*"level":"\([^"]*\)"$/\1 \2/'
}
# the 0-based index in the pane of the Nth (1-based) recommendation that
# needs a decision, and its id
nth_decidable() {
    recs | awk -v n="$1" '$2 != "info" { k++; if (k == n) { print NR - 1, $1; exit } }'
}
# decision of rule $1 in recommend --json: "accept", "override:REASON", or "null"
decision_of() {
    cli recommend "$ID" --json | grep -o "\"id\":\"$1\".*" |
        sed -n 's/^[^}]*"missing":\[[^]]*\],"decision":\(null\|{[^}]*}\).*/\1/p' | head -n 1
}

tl_start 132 43 || { tl_notok start; exit 1; }
tl_tui
tl_wait 'of 61 cases' 10 || { tl_notok starts "$(tl_screen | head -n 3)"; exit 1; }
tl_keys /
tl_wait 'Enter: apply' 3
T send-keys -t "$TL_SESSION" -l "$ID"
tl_keys Enter
tl_wait_detail "$ID" 5 || tl_notok goto_case "$(tl_status)"
# to the recommendation pane (wide layout: list, detail, markers, recs)
tl_keys Tab Tab Tab

# --- accept from the pane: the selected recommendation ---------------------
set -- $(nth_decidable 1)
IDX1=$1 R1=$2
set -- $(nth_decidable 2)
IDX2=$1 R2=$2
[ -n "$R1" ] && [ -n "$R2" ] || { tl_notok fixture_has_two_decidable "$(recs)"; exit 1; }
i=0; while [ "$i" -lt "$IDX1" ]; do tl_keys j; i=$((i + 1)); done
tl_keys d
tl_wait "$ID $R1: accept or override?" 3 && tl_ok d_opens_for_selected ||
    tl_notok d_opens_for_selected "$(tl_screen | grep -E 'accept or override|decide on' | head -n 2)"
tl_keys Enter
tl_wait "$R1: comment (may be empty)" 3
T send-keys -t "$TL_SESSION" -l "agreed in MDT"
tl_keys Enter
tl_wait "$R1 accepted (audited" 3 && tl_ok accept_saved_message || tl_notok accept_saved_message "$(tl_status)"
d=$(decision_of "$R1")
case $d in *'"decision":"accept"'*'"comment":"agreed in MDT"'*"\"user\":\"$me\""*'"stale":false'*)
    tl_ok accept_stored ;; *) tl_notok accept_stored "$d" ;; esac
tl_wait "$R1 (" 3 && tl_screen | grep -F "$R1 (" | grep -q -- '- accepted' && tl_ok pane_shows_accepted ||
    tl_notok pane_shows_accepted "$(tl_screen | grep -F "$R1")"

# --- override with a reason; `other` needs a comment ---------------------------
i=$IDX1; while [ "$i" -lt "$IDX2" ]; do tl_keys j; i=$((i + 1)); done
tl_keys d
tl_wait "$ID $R2: accept or override?" 3 || tl_notok d_second "$(tl_status)"
tl_keys Down Enter
tl_wait "why is it overridden?" 3
tl_keys Down Down Down Down Down Enter          # Other
tl_wait "comment (required for 'other')" 3
tl_keys Enter
tl_wait "needs a comment" 3 && tl_ok other_needs_comment || tl_notok other_needs_comment
tl_keys Escape
tl_wait_gone 'Enter: apply' 3
[ "$(decision_of "$R2")" = null ] && tl_ok esc_decides_nothing || tl_notok esc_decides_nothing
tl_keys d
tl_wait "$ID $R2: accept or override?" 3
tl_keys Down Enter
tl_wait "why is it overridden?" 3
tl_keys Down Enter                               # Patient declined
tl_wait "$R2: comment" 3
T send-keys -t "$TL_SESSION" -l "ALK TKI considered, patient declined"
tl_keys Enter
tl_wait "$R2 overridden: patient-declined" 3 && tl_ok override_saved_message ||
    tl_notok override_saved_message "$(tl_status)"
d=$(decision_of "$R2")
case $d in *'"decision":"override","reason":"patient-declined","comment":"ALK TKI considered, patient declined"'*)
    tl_ok override_stored ;; *) tl_notok override_stored "$d" ;; esac
tl_screen | grep -F "$R2 (" | grep -q -- '- overridden' && tl_ok pane_shows_override ||
    tl_notok pane_shows_override

# --- sign-out refused while a recommendation is undecided --------------------
undecided=$(recs | awk '$2 != "info" { print $1 }' | grep -vxF -e "$R1" -e "$R2")
n_before=$(audit_n "$ID")
tl_keys R
tl_wait "Review state of $ID" 3
tl_keys Down Down Enter                          # signed_out
tl_wait "Comment for $ID -> signed_out" 3
tl_keys Enter
if [ -n "$undecided" ]; then
    tl_wait "$ID: not signed out" 3 && tl_ok signout_refused_dialog || tl_notok signout_refused_dialog "$(tl_status)"
    scr=$(tl_screen)
    miss=""
    for r in $undecided; do printf '%s\n' "$scr" | grep -qF "$r" || miss="$miss $r"; done
    [ -z "$miss" ] && tl_ok signout_refusal_lists_rules || tl_notok signout_refusal_lists_rules "missing:$miss"
    printf '%s\n' "$scr" | grep -qF "$R1," && tl_notok refusal_lists_only_undecided || tl_ok refusal_lists_only_undecided
    tl_keys Enter
    tl_wait_gone "not signed out" 3
    cli show "$ID" --json | grep -q '"review_status":"unreviewed"' && [ "$(audit_n "$ID")" = "$n_before" ] &&
        tl_ok signout_refused_nothing_written || tl_notok signout_refused_nothing_written
    # the rest decided by a colleague's script meanwhile; the open session
    # sees it without a key press (live view)
    for r in $undecided; do cli decide "$ID" "$r" --accept >/dev/null || tl_notok cli_decide_rest; done
    tl_wait "data changed by another session" 4 && tl_ok live_view_sees_decisions ||
        tl_notok live_view_sees_decisions "$(tl_status)"
fi
tl_keys R
tl_wait "Review state of $ID" 3
tl_keys Down Down Enter
tl_wait "Comment for $ID -> signed_out" 3
T send-keys -t "$TL_SESSION" -l "signed after MDT"
tl_keys Enter
tl_wait "$ID: signed out by $me" 3 && tl_ok signout_allowed || tl_notok signout_allowed "$(tl_status)"
j=$(cli show "$ID" --json)
case $j in *'"review_status":"signed_out"'*"\"reviewer\":\"$me\""*'"review_comment":"signed after MDT"'*)
    tl_ok signout_stored ;; *) tl_notok signout_stored "$j" ;; esac
tl_keys Left
tl_wait "signed_out" 3

# --- a signed-out case cannot be edited ------------------------------------------
n_before=$(audit_n "$ID")
tl_keys e
tl_wait "$ID is signed out" 3 && tl_ok edit_signed_out_refused || tl_notok edit_signed_out_refused "$(tl_status)"
tl_screen | grep -q "signed out by $me" && tl_ok edit_refusal_names_signer || tl_notok edit_refusal_names_signer
tl_keys Enter
tl_wait_gone "is signed out" 3
[ "$(audit_n "$ID")" = "$n_before" ] && tl_ok edit_refused_nothing_written || tl_notok edit_refused_nothing_written
tl_keys u
tl_wait "nothing to undo" 3 && tl_ok undo_nothing_yet || tl_notok undo_nothing_yet "$(tl_status)"

# --- re-open: a reason is required --------------------------------------------------
tl_keys R
tl_wait "Review state of $ID" 3
tl_keys Up Enter                                 # in_review
tl_wait "Reason for re-opening $ID" 3 && tl_ok reopen_asks_reason || tl_notok reopen_asks_reason
tl_keys Enter
tl_wait "a reason is required" 3 && tl_ok reopen_empty_reason_refused || tl_notok reopen_empty_reason_refused
T send-keys -t "$TL_SESSION" -l "new FISH result"
tl_keys Enter
tl_wait "$ID: in_review (audited" 3 && tl_ok reopened || tl_notok reopened "$(tl_status)"
cli audit "$ID" | awk -F '\t' '$4 == "review_status" && $5 == "signed_out" && $6 == "in_review" &&
    $7 == "re-open" && $8 == "new FISH result"' | grep -q . && tl_ok reopen_audited || tl_notok reopen_audited
cli audit "$ID" | awk -F '\t' '$4 == "review_status" && $6 == "signed_out" && $8 == "signed after MDT"' |
    grep -q . && tl_ok signature_kept_in_history || tl_notok signature_kept_in_history

# --- history: newest first, decisions, signature, re-open ----------------------------
tl_keys H
tl_wait "History of $ID" 3 && tl_ok history_opens || tl_notok history_opens
scr=$(tl_screen)
l_reopen=$(printf '%s\n' "$scr" | grep -n 'RE-OPENED' | head -n 1 | cut -d: -f1)
l_signed=$(printf '%s\n' "$scr" | grep -n 'SIGNED OUT' | head -n 1 | cut -d: -f1)
l_dec=$(printf '%s\n' "$scr" | grep -n "decision $R2: (none) -> override: patient-declined" | head -n 1 | cut -d: -f1)
l_created=$(printf '%s\n' "$scr" | grep -n 'created (import' | head -n 1 | cut -d: -f1)
[ -n "$l_reopen" ] && [ -n "$l_signed" ] && [ -n "$l_dec" ] && [ -n "$l_created" ] &&
    [ "$l_reopen" -lt "$l_signed" ] && [ "$l_signed" -lt "$l_dec" ] && [ "$l_dec" -lt "$l_created" ] &&
    tl_ok history_newest_first || tl_notok history_newest_first "$l_reopen $l_signed $l_dec $l_created"
printf '%s\n' "$scr" | grep -q "comment: ALK TKI considered, patient declined" && tl_ok history_shows_comment ||
    tl_notok history_shows_comment
printf '%s\n' "$scr" | grep -q "$me .*review: signed_out -> in_review" && tl_ok history_user_old_new ||
    tl_notok history_user_old_new
tl_keys j j k G g
tl_keys Escape
tl_wait_gone "History of $ID" 3 && tl_ok history_esc_back || tl_notok history_esc_back

# --- undo the session's last edit ------------------------------------------------------
age0=$(cli show "$ID" --json | sed -n 's/.*"age_years":\([0-9.]*\).*/\1/p')
tl_keys e
tl_wait 'which field?' 3
tl_keys Enter                                     # age_years, the first field
tl_wait ': age_years' 3
tl_keys C-u
T send-keys -t "$TL_SESSION" -l "77"
tl_keys Enter
tl_wait 'age_years saved' 3 || tl_notok edit_for_undo "$(tl_status)"
cli show "$ID" --json | grep -q '"age_years":77' || tl_notok edit_for_undo_stored
tl_keys u
tl_wait "$ID: age_years undone" 3 && tl_ok undo_message || tl_notok undo_message "$(tl_status)"
cli show "$ID" --json | grep -q "\"age_years\":$age0[,}]" && tl_ok undo_restored ||
    tl_notok undo_restored "$(cli show "$ID" --json | grep -o '"age_years":[^,]*')"
cli audit "$ID" | awk -F '\t' -v a="$age0" '$4 == "age_years" && $5 == "77" && $6 == a && $7 == "undo"' |
    grep -q . && tl_ok undo_audited || tl_notok undo_audited
# refused when someone changed the field since
tl_keys e
tl_wait 'which field?' 3
tl_keys Enter
tl_wait ': age_years' 3
tl_keys C-u
T send-keys -t "$TL_SESSION" -l "66"
tl_keys Enter
tl_wait 'age_years saved' 3
cli edit "$ID" age_years=55 >/dev/null || tl_notok other_user_edit
n_before=$(audit_n "$ID")
tl_keys u
tl_wait "cannot undo age_years of $ID" 3 && tl_ok undo_refused_changed_since || tl_notok undo_refused_changed_since "$(tl_status)"
tl_status | grep -q "now 55" && tl_ok undo_refusal_says_value || tl_notok undo_refusal_says_value "$(tl_status)"
[ "$(audit_n "$ID")" = "$n_before" ] && cli show "$ID" --json | grep -qE '"age_years":55(\.0)?[,}]' &&
    tl_ok undo_refused_nothing_written || tl_notok undo_refused_nothing_written

tl_quit && [ "$(tl_rc)" = 0 ] && tl_ok q_exit_0 || tl_notok q_exit_0
cli check >/dev/null 2>&1 && tl_ok check_after || tl_notok check_after
tl_done
