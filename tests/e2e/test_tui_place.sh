#!/bin/sh
# Interface e2e: the interface opens where the reviewer left the same
# database (ui.md: "never lose their place"): the same case under the
# cursor and the same sort; filters are not kept; another database keeps
# its own place; a case deleted since gives the next one; an unwritable
# state directory is reported on leaving, never fatal.
. "$(dirname "$0")/tui_lib.sh"
tl_init
tl_make_db || { tl_notok make_db; exit 1; }
STATE=$TL_DIR/keep-state
DB2=$(tl_db other)
"$IMTREVIEW" --db "$DB2" import "$TL_DIR/cases.csv" >/dev/null 2>&1 || { tl_notok db2; exit 1; }

open_at() {   # tag db
    tl_start 132 43 XDG_STATE_HOME="$STATE" || { tl_notok "$1_start"; return 1; }
    T send-keys -t "$TL_SESSION" 'clear' Enter
    tl_run "\"\$IMTREVIEW\" --db '$2'; echo \"rc=\$?\""
    tl_wait_re '[0-9]+ of [0-9]+ cases' 10 || { tl_notok "$1_opens"; return 1; }
}

# first session: move to IMT-005, sort by case id descending, filter alk
open_at first "$TL_DB" || exit 1
tl_check first_starts_at_top tl_wait_detail HOSTILE-1 3
tl_keys j j j j j
tl_wait_detail IMT-005 3 && tl_ok first_moved || tl_notok first_moved "$(tl_detail_id)"
tl_keys r      # reverse the sort: case id descending
tl_wait 'sort=case_id↓' 3 && tl_ok first_reversed || tl_notok first_reversed "$(tl_status)"
tl_quit >/dev/null
grep -q "	IMT-005	case_id	desc$" "$STATE/imtreview/places" && tl_ok place_file_written ||
    tl_notok place_file_written "$(cat "$STATE/imtreview/places" 2>&1)"

# second session on the same database: same case, same sort, no filter
open_at second "$TL_DB" || exit 1
tl_wait_detail IMT-005 3 && tl_ok second_same_case || tl_notok second_same_case "$(tl_detail_id)"
tl_wait 'sort=case_id↓' 2 && tl_ok second_same_sort || tl_notok second_same_sort "$(tl_status)"
tl_wait 'no filter' 2 && tl_ok second_no_filter || tl_notok second_no_filter "$(tl_status)"
tl_quit >/dev/null

# another database has no place yet: the top, sorted by case id
open_at other "$DB2" || exit 1
tl_wait_detail HOSTILE-1 3 && tl_ok other_db_own_place || tl_notok other_db_own_place "$(tl_detail_id)"
tl_wait 'sort=case_id↑' 2 && tl_ok other_db_default_sort || tl_notok other_db_default_sort
tl_keys j j
tl_wait_detail IMT-002 3
tl_quit >/dev/null
open_at first_again "$TL_DB" || exit 1
tl_wait_detail IMT-005 3 && tl_ok first_db_kept_after_other || tl_notok first_db_kept_after_other "$(tl_detail_id)"
tl_quit >/dev/null

# the case left on is deleted meanwhile (a fresh import without it): the
# next one in the remembered order (descending: IMT-004)
grep -v '^IMT-005,' "$TL_DIR/cases.csv" >"$TL_DIR/without5.csv"
eng_fresh "$TL_DIR" cases >/dev/null
"$IMTREVIEW" --db "$TL_DB" import "$TL_DIR/without5.csv" >/dev/null 2>&1
open_at deleted "$TL_DB" || exit 1
tl_wait_detail IMT-004 3 && tl_ok deleted_case_next || tl_notok deleted_case_next "$(tl_detail_id)"
tl_quit >/dev/null

# a state directory that cannot be written: a message on leaving, exit 0
rm -rf "$STATE"; printf 'not a directory\n' >"$STATE"
open_at unwritable "$TL_DB" || exit 1
tl_quit >/dev/null
tl_wait 'cannot remember the place' 3 && tl_ok unwritable_reported || tl_notok unwritable_reported
[ "$(tl_rc)" = 0 ] && tl_ok unwritable_exit0 || tl_notok unwritable_exit0 "rc=$(tl_rc)"
# A hangup (the SSH link or the tmux server going away) still saves the
# place, whole: the shell's exit brings a second SIGHUP while it is saved.
HUP_STATE=$TL_DIR/hup-state
tl_start 132 43 XDG_STATE_HOME="$HUP_STATE" || tl_notok hup_start
T send-keys -t "$TL_SESSION" 'clear' Enter
tl_run "\"\$IMTREVIEW\" --db '$TL_DB'; echo \"rc=\$?\""
tl_wait_re '[0-9]+ of [0-9]+ cases' 10 || tl_notok hup_opens
tl_keys j j j
tl_wait_detail IMT-003 3 || tl_notok hup_moved "$(tl_detail_id)"
T kill-server >/dev/null 2>&1
n=0
while [ "$n" -lt 50 ] && ! grep -q "	IMT-003	" "$HUP_STATE/imtreview/places" 2>/dev/null; do
    sleep 0.1; n=$((n + 1))
done
grep -q "	IMT-003	case_id	asc$" "$HUP_STATE/imtreview/places" 2>/dev/null &&
    tl_ok hup_place_saved || tl_notok hup_place_saved "$(ls -a "$HUP_STATE/imtreview" 2>&1)"
sleep 0.3
left=$(ls -A "$HUP_STATE/imtreview" 2>/dev/null | grep -v '^places$')
[ -z "$left" ] && tl_ok hup_no_temp_file || tl_notok hup_no_temp_file "$left"
tl_done
