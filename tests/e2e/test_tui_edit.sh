#!/bin/sh
# Interface e2e: editing a case (e) and the review state (R).
# - an edit saves only the field edited: a change someone else made
#   meanwhile (here a sign-out with `imtreview review`) is not written back
#   from the list's older copy;
# - a value that a cross-field rule ties to another field (a fusion and its
#   method) can be entered: the other field is asked for next and both are
#   saved together; Esc at the second step writes nothing;
# - values are checked as import checks a cell: blanks around a number are
#   ignored, a required field cannot be emptied (a clear message, not an
#   SQL error), a cross-field refusal names the field;
# - every saved edit is in `imtreview audit` with field, old and new value;
#   the derived ALK status follows at once in the list.
. "$(dirname "$0")/tui_lib.sh"
tl_init
tl_make_db || { tl_notok fixture_import; exit 1; }
DB=$TL_DB
audit_n() { "$IMTREVIEW" --db "$DB" audit "$1" | tail -n +2 | grep -c .; }
show() { "$IMTREVIEW" --db "$DB" show "$1"; }

# Field positions in the edit menu (data-dictionary order, case_id left out).
F_SITE=2 F_SIZE=5 F_FUSION=17 F_FUSION_METHOD=18 F_FOLLOWUP=42

# edit IDX NAME VALUE: choose the field, wait for its prompt, type VALUE.
edit() {
    tl_keys e
    tl_wait 'which field?' 3 || return 1
    _i=0
    while [ "$_i" -lt "$1" ]; do tl_keys Down; _i=$((_i + 1)); done
    tl_keys Enter
    tl_wait ": $2" 3 || return 1
    tl_keys C-u
    [ -n "$3" ] && T send-keys -t "$TL_SESSION" -l "$3"
    tl_keys Enter
}
goto() {   # put the cursor on case $1 with a search
    tl_keys /
    tl_wait 'Enter: apply' 3
    tl_keys C-u
    T send-keys -t "$TL_SESSION" -l "$1"
    tl_keys Enter
    tl_wait_detail "$1" 3
}

tl_start 132 43 || { tl_notok start; exit 1; }
tl_tui
tl_wait_re '[0-9]+ of [0-9]+ cases' 10 || { tl_notok starts "$(tl_screen | head -n 3)"; exit 1; }

# --- a concurrent review survives an edit of another field (another
# user takes the case; a sign-out would lock it: test_tui_review.sh)
goto IMT-010 || tl_notok goto_010
"$IMTREVIEW" --db "$DB" review IMT-010 --status in_review --comment "by someone else" >/dev/null
edit "$F_SIZE" size_cm 4.5
tl_wait 'size_cm saved' 3 && tl_ok edit_saved_message || tl_notok edit_saved_message "$(tl_status)"
show IMT-010 | grep -qE 'Review +in_review' && tl_ok edit_keeps_concurrent_review ||
    tl_notok edit_keeps_concurrent_review "$(show IMT-010 | grep -i review)"
"$IMTREVIEW" --db "$DB" audit IMT-010 | awk -F'\t' '$4 == "review_status" && $7 == "edit"' | grep -q . &&
    tl_notok edit_audits_no_stale_review || tl_ok edit_audits_no_stale_review
"$IMTREVIEW" --db "$DB" audit IMT-010 | awk -F'\t' '$4 == "size_cm" && $6 == "4.5" && $7 == "edit" && $2 != ""' |
    grep -q . && tl_ok edit_audited_field_old_new || tl_notok edit_audited_field_old_new

# --- a fusion with its method, one after the other, saved together
edit "$F_FUSION" fusion TPM3::ALK
tl_wait 'now fusion_method' 3 && tl_ok fusion_asks_method || tl_notok fusion_asks_method "$(tl_screen | grep -E 'required|fusion' | head -n 3)"
T send-keys -t "$TL_SESSION" -l ngs_rna
tl_keys Enter
tl_wait 'fusion, fusion_method saved' 3 && tl_ok fusion_and_method_saved || tl_notok fusion_and_method_saved "$(tl_status)"
show IMT-010 | grep -q 'TPM3::ALK' && show IMT-010 | grep -q ngs_rna &&
    tl_ok fusion_stored || tl_notok fusion_stored
"$IMTREVIEW" --db "$DB" audit IMT-010 | awk -F'\t' '$4 == "fusion_method" && $6 == "ngs_rna"' | grep -q . &&
    tl_ok fusion_method_audited || tl_notok fusion_method_audited
# IMT-010's IHC is negative: the ALK fusion makes it positive, in the list at once
tl_screen | grep -E '^│IMT-010 ' | grep -q ' pos ' && tl_ok alk_status_follows_edit ||
    tl_notok alk_status_follows_edit "$(tl_screen | grep -E '^│IMT-010 ')"

# --- clearing the fusion asks to clear the method too
edit "$F_FUSION" fusion ""
tl_wait 'now fusion_method' 3 || tl_notok clear_fusion_asks_method
tl_keys C-u Enter
tl_wait 'fusion, fusion_method saved' 3 && show IMT-010 | grep -E 'Fusion' | grep -q 'not' &&
    tl_ok fusion_cleared || tl_notok fusion_cleared "$(show IMT-010 | grep -i fusion)"

# --- Esc at the second step writes nothing
before=$(audit_n IMT-010)
edit "$F_FUSION" fusion ETV6::NTRK3
tl_wait 'now fusion_method' 3
tl_keys Escape
tl_wait 'nothing saved' 3 && [ "$(audit_n IMT-010)" = "$before" ] &&
    ! show IMT-010 | grep -q NTRK3 && tl_ok esc_in_chain_writes_nothing ||
    tl_notok esc_in_chain_writes_nothing

# --- a required field cannot be emptied; the case is unchanged
before=$(audit_n IMT-010)
edit "$F_SITE" site ""
tl_wait 'site is required' 3 && tl_ok site_required_message ||
    tl_notok site_required_message "$(tl_screen | grep -iE 'site|saved' | head -n 3)"
tl_keys Escape
tl_wait_gone 'Enter: apply' 3
[ "$(audit_n IMT-010)" = "$before" ] && show IMT-010 | grep -qE 'Site +[a-z]' &&
    tl_ok site_unchanged || tl_notok site_unchanged

# --- blanks around a number are ignored, as import ignores them
edit "$F_SIZE" size_cm " 7.5 "
tl_wait 'size_cm saved' 3 && show IMT-010 | grep -qE 'Size.* 7\.5' && tl_ok number_blanks_ignored ||
    tl_notok number_blanks_ignored "$(tl_screen | grep -E 'decimal|saved' | head -n 2)"

# --- a cross-field refusal names the field it is about
edit "$F_FOLLOWUP" followup_months ""
tl_wait 'followup_months: required' 3 && tl_ok crosscheck_names_field ||
    tl_notok crosscheck_names_field "$(tl_screen | grep -E 'required' | head -n 2)"
tl_keys Escape
tl_wait_gone 'Enter: apply' 3

# --- review state: Esc at the comment writes nothing; Enter saves, audited
before=$(audit_n IMT-010)
tl_keys R
tl_wait 'Review state of IMT-010' 3
tl_keys Up Enter                 # from in_review to unreviewed
tl_wait 'Comment for IMT-010' 3
T send-keys -t "$TL_SESSION" -l "draft"
tl_keys Escape
tl_wait_gone 'Comment for' 3
[ "$(audit_n IMT-010)" = "$before" ] && tl_ok review_esc_writes_nothing || tl_notok review_esc_writes_nothing
tl_keys R
tl_wait 'Review state of IMT-010' 3
tl_keys Enter                    # in_review again, with a comment
tl_wait 'Comment for IMT-010' 3
T send-keys -t "$TL_SESSION" -l "MDT 12 May"
tl_keys Enter
tl_wait 'in_review (audited' 3 &&
    "$IMTREVIEW" --db "$DB" audit IMT-010 | awk -F'\t' '$4 == "review_status" && $6 == "in_review" && $8 == "MDT 12 May" && $9 != ""' | grep -q . &&
    tl_ok review_audited_with_comment || tl_notok review_audited_with_comment
tl_quit

# --- read-only: e and R refused with a message
tl_tui --readonly
tl_wait '[read-only]' 10
tl_keys e
tl_wait 'cannot edit' 3 && tl_ok readonly_edit_refused || tl_notok readonly_edit_refused
tl_keys R
tl_wait 'cannot set the review state' 3 && tl_ok readonly_review_refused || tl_notok readonly_review_refused
tl_quit
tl_done
