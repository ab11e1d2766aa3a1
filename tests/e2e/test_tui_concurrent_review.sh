#!/bin/sh
# Interface e2e (issue 10): several reviewers on one database at once.
# - two sessions edit the same field: the second save is refused with a
#   dialog showing their value and yours; "keep theirs" writes nothing,
#   "apply mine" writes it, audited as a deliberate overwrite;
# - a third process imports while a session is open: the count, the rows
#   and the case under the cursor refresh with no key press, and the
#   status line says that the data changed and by how many cases;
# - the decision filter (N) follows what was decided.
. "$(dirname "$0")/tui_lib.sh"
tl_init
tl_make_db || { tl_notok fixture_import; exit 1; }
DB=$TL_DB
ID=IMT-007
cli() { "$IMTREVIEW" --db "$DB" "$@"; }
me=$(eng_user)

tl_start 132 43 || { tl_notok start; exit 1; }
SOCK_A=$TL_SOCK
# a second user: a tmux server of its own with the same environment
SOCK_B=$TL_DIR/tmux.b.sock
tmux -S "$SOCK_B" -f /dev/null new-session -d -s imt -x 132 -y 43 env -i HOME="$TL_DIR" \
    PATH="$PATH" LANG=C.UTF-8 TERM=xterm-256color PS1='imt$ ' IMTREVIEW="$IMTREVIEW" \
    XDG_CONFIG_HOME="$TL_DIR/config" XDG_STATE_HOME="$TL_DIR/state.b" sh ||
    { tl_notok second_session; exit 1; }
tmux -S "$SOCK_B" set-option -t imt status off >/dev/null
tmux -S "$SOCK_B" set-option -s escape-time 0 >/dev/null 2>&1
A=$SOCK_A B=$SOCK_B
on() { TL_SOCK=$1; }
on $B; tl_wait 'imt$' 5

open_case() {   # in the current session: the interface, on case $ID
    tl_tui
    tl_wait 'of 61 cases' 10 || return 1
    tl_keys /
    tl_wait 'Enter: apply' 3
    T send-keys -t "$TL_SESSION" -l "$ID"
    tl_keys Enter
    tl_wait_detail "$ID" 5
}
# start editing notes (field 43 of the edit menu: data-dictionary order,
# case_id left out) and type $1, without pressing Enter
edit_notes() {
    tl_keys e
    tl_wait 'which field?' 3 || return 1
    _i=0
    while [ "$_i" -lt 43 ]; do tl_keys Down; _i=$((_i + 1)); done
    tl_wait '> Notes' 3 || return 1
    tl_keys Enter
    tl_wait ": notes" 3 || return 1
    tl_keys C-u
    T send-keys -t "$TL_SESSION" -l "$1"
}

on $A; open_case || tl_notok open_a "$(tl_status)"
on $B; open_case || tl_notok open_b "$(tl_status)"
# both begin an edit of the same field; A saves first
on $A; edit_notes "from A" || { tl_notok edit_a; tl_screen | sed 's/^/# /' | head -40; }
on $B; edit_notes "from B" || { tl_notok edit_b; tl_screen | sed 's/^/# /' | head -40; }
on $A; tl_keys Enter
tl_wait 'notes saved' 3 && tl_ok first_save || { tl_notok first_save "$(tl_status)"; tl_screen | sed 's/^/# /' | head -40; }
n_audit=$(cli audit "$ID" | tail -n +2 | grep -c .)
on $B; tl_keys Enter
tl_wait "$ID: notes was changed by someone else" 3 && tl_ok conflict_dialog ||
    { tl_notok conflict_dialog; tl_screen | sed 's/^/# /' | head -40; }
scr=$(tl_screen)
printf '%s\n' "$scr" | grep -q 'Their value: from A' && tl_ok conflict_shows_theirs || tl_notok conflict_shows_theirs
printf '%s\n' "$scr" | grep -q 'Your value:  from B' && tl_ok conflict_shows_yours || tl_notok conflict_shows_yours
printf '%s\n' "$scr" | grep -q "$me changed notes at" && tl_ok conflict_names_who || tl_notok conflict_names_who
# keep theirs: nothing written
tl_keys Enter
tl_wait "kept" 3 && tl_ok keep_theirs_message || tl_notok keep_theirs_message "$(tl_status)"
cli show "$ID" --json | grep -q '"notes":"from A"' && [ "$(cli audit "$ID" | tail -n +2 | grep -c .)" = "$n_audit" ] &&
    tl_ok keep_theirs_writes_nothing || tl_notok keep_theirs_writes_nothing
# the session now shows their value (read again: the end of the detail)
tl_keys Tab G
tl_wait "from A" 3 && tl_ok b_shows_their_value || tl_notok b_shows_their_value
tl_keys Left

# again: A changes it, B applies its own value on purpose
on $A; edit_notes "A again" && tl_keys Enter
tl_wait 'notes saved' 3 || { tl_notok second_save_a; tl_screen | sed 's/^/# /' | head -30; }
on $B; edit_notes "B on purpose"
# (B's edit began after A's first change: its base is "from A")
on $A; edit_notes "A third" && tl_keys Enter
tl_wait 'notes saved' 3 || tl_notok third_save_a
on $B; tl_keys Enter
tl_wait "notes was changed by someone else" 3 || tl_notok conflict_again
tl_keys Down Enter
tl_wait "notes saved" 3 && tl_ok apply_mine_saved || tl_notok apply_mine_saved "$(tl_status)"
cli show "$ID" --json | grep -q '"notes":"B on purpose"' && tl_ok apply_mine_stored || tl_notok apply_mine_stored
cli audit "$ID" | awk -F '\t' '$4 == "notes" && $5 == "A third" && $6 == "B on purpose" && $7 == "overwrite" &&
    index($8, "deliberate overwrite")' | grep -q . && tl_ok overwrite_audited || tl_notok overwrite_audited
# a change of another field by A merges with B's edit
on $A; tl_keys e
tl_wait 'which field?' 3
tl_keys Enter
tl_wait ': age_years' 3
tl_keys C-u
T send-keys -t "$TL_SESSION" -l "33"
on $B; edit_notes "B merges"
on $A; tl_keys Enter
tl_wait 'age_years saved' 3
on $B; tl_keys Enter
tl_wait 'notes saved' 3 && tl_ok other_field_merges || tl_notok other_field_merges "$(tl_status)"
cli show "$ID" --json | grep -qE '"age_years":33(\.0)?,.*"notes":"B merges"' && tl_ok both_kept || tl_notok both_kept
# A sees B's change (no key pressed) before the next test starts
on $A; tl_wait 'data changed by another session: 1 case changed' 4 && tl_ok a_sees_b ||
    tl_notok a_sees_b "$(tl_status)"

# --- live view: a third process imports while A is open --------------------------
on $A; tl_keys c
tl_wait_count 61 3
tl_keys g
tl_wait 'row 1 of 61' 3
# (one import: three new cases and one changed, one commit; two commits
# in quick succession may reach the screen as two messages, as they do at
# once through PostgreSQL's notifications)
printf 'case_id,site,notes\nAAA-1,lung,x\nAAA-2,cns,x\nAAA-3,other,x\n%s,other,changed behind the screen\n' \
    "HOSTILE-1" >"$TL_DIR/live.csv"
cli import --update "$TL_DIR/live.csv" >/dev/null || tl_notok live_import
# no key is pressed from here
tl_wait 'of 64 cases' 4 && tl_ok live_count_refreshes || tl_notok live_count_refreshes "$(tl_status)"
tl_wait 'data changed by another session: 4 cases changed, 3 added' 3 && tl_ok live_says_how_many ||
    tl_notok live_says_how_many "$(tl_status)"
# the case under the cursor (HOSTILE-1) stays under it and shows its new
# site; the new cases come before it in the list
tl_wait_re 'Site +other' 3 && tl_ok live_detail_refreshes || tl_notok live_detail_refreshes
tl_wait 'row 4 of 64' 3 && [ "$(tl_detail_id)" = HOSTILE-1 ] && tl_ok live_rows_refresh ||
    tl_notok live_rows_refresh "$(tl_detail_id) $(tl_list_row)"
# and the note goes after a few seconds, with no key either
tl_wait_gone 'data changed by another session' 10 && tl_ok live_note_brief || tl_notok live_note_brief
tl_keys g
tl_wait 'AAA-1' 3 && tl_ok live_new_rows_listed || tl_notok live_new_rows_listed

# --- the decision filter follows decisions --------------------------------------------
n_dec=$(cli list --decision decided | tail -n +2 | grep -c .)
tl_keys N
tl_wait 'decision=undecided' 3 && tl_ok n_undecided || tl_notok n_undecided "$(tl_status)"
want=$(cli list --decision undecided | tail -n +2 | grep -c .)
[ "$(tl_count)" = "$want" ] && tl_ok n_undecided_count || tl_notok n_undecided_count "$(tl_count) vs $want"
tl_keys N N
tl_wait 'decision=decided' 3
[ "$(tl_count)" = "$n_dec" ] && tl_ok n_decided_count || tl_notok n_decided_count "$(tl_count) vs $n_dec"
# another reviewer decides everything on AAA-2: it joins the decided list live
for r in $(cli recommend AAA-2 --json | grep -o '"id":"[^"]*","kind":"[^"]*","level":"[^"]*"' |
           sed -n 's/^"id":"\([^"]*\)".*"level":"\([^"]*\)"$/\1 \2/p' | awk '$2 != "info" { print $1 }'); do
    cli decide AAA-2 "$r" --accept >/dev/null || tl_notok decide_aaa2
done
tl_wait_count $((n_dec + 1)) 4 && tl_ok n_decided_live || tl_notok n_decided_live "$(tl_status)"
tl_wait 'AAA-2' 3 && tl_ok decided_row_shown || tl_notok decided_row_shown
tl_keys N
tl_wait_gone 'decision=' 3 && tl_ok n_back_to_all || tl_notok n_back_to_all

on $B; tl_quit
on $A; tl_quit && [ "$(tl_rc)" = 0 ] && tl_ok q_exit_0 || tl_notok q_exit_0
cli check >/dev/null 2>&1 && tl_ok check_after || tl_notok check_after
tl_done
