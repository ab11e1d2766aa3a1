#!/bin/sh
# Interface e2e (issue 3 "Tests"): at 80x24, 132x43 and 60x15 the fixed
# keys s, a, o cycle the filters; the status line's "N of M cases" must
# equal what `imtreview list` gives for the same filter, and the status
# line names the filter ("site=lung").  Movement (j/k/arrows, g) moves the
# list cursor and the detail pane follows it.
. "$(dirname "$0")/tui_lib.sh"
tl_init
tl_make_db || { tl_notok fixture_import; exit 1; }
TOTAL=$(tl_cli_count)
[ "$TOTAL" -eq 61 ] && tl_ok cli_total_61 || tl_notok cli_total_61 "got $TOTAL"

# press KEY, expect "NAME=VALUE" on the status line and the list's count
check_filter() {   # size key name value
    tl_keys "$2"
    if ! tl_wait "$3=$4" 3; then
        tl_notok "$1_${3}_$4_shown" "status: $(tl_status)"
        return
    fi
    want=$(tl_cli_count "--$3" "$4")
    if tl_wait_count "$want" 3; then tl_ok "$1_${3}_${4}_count_$want"
    else tl_notok "$1_${3}_${4}_count" "want $want, status: $(tl_status)"; fi
}

for size in 132x43 80x24 60x15; do
    cols=${size%x*} rows=${size#*x}
    tl_start "$cols" "$rows" || { tl_notok "${size}_start"; continue; }
    tl_tui
    if ! tl_wait_re '[0-9]+ of [0-9]+ cases' 10; then
        tl_notok "${size}_starts" "screen: $(tl_screen | head -n 5)"
        continue
    fi
    [ "$(tl_count)" = "$TOTAL" ] && [ "$(tl_total)" = "$TOTAL" ] &&
        tl_ok "${size}_unfiltered_${TOTAL}_of_${TOTAL}" ||
        tl_notok "${size}_unfiltered" "$(tl_status)"
    for v in lung head_neck abdomen_pelvis retroperitoneum genitourinary \
             trunk_limbs thorax_other cns other; do
        check_filter "$size" s site "$v"
    done
    tl_keys s       # back to all
    tl_wait_count "$TOTAL" 3 && tl_ok "${size}_site_cycle_back_to_all" ||
        tl_notok "${size}_site_cycle_back_to_all" "$(tl_status)"
    for v in positive negative unknown; do check_filter "$size" a alk "$v"; done
    tl_keys a
    for v in NED AWD DOD DOC LOST; do check_filter "$size" o outcome "$v"; done
    # combined with AND: outcome=LOST is still on; add site=lung
    tl_keys s
    want=$(tl_cli_count --site lung --outcome LOST)
    tl_wait "site=lung" 3 && tl_wait_count "$want" 3 &&
        tl_ok "${size}_and_site_outcome_$want" ||
        tl_notok "${size}_and_site_outcome" "want $want: $(tl_status)"
    tl_keys c
    tl_wait_count "$TOTAL" 3 && tl_ok "${size}_c_clears" ||
        tl_notok "${size}_c_clears" "$(tl_status)"

    # movement: the detail pane follows the cursor (sorted by case id)
    tl_keys g
    first=$(tl_cli_nth_id 1)
    tl_wait_detail "$first" 3 && tl_ok "${size}_detail_first_$first" ||
        tl_notok "${size}_detail_first" "want $first, got '$(tl_detail_id)'"
    n=1
    for k in j Down j k Up Down; do
        case $k in j|Down) n=$((n + 1)) ;; *) n=$((n - 1)) ;; esac
        want=$(tl_cli_nth_id "$n")
        tl_keys "$k"
        tl_wait_detail "$want" 3 && tl_ok "${size}_move_${k}_to_$want" ||
            tl_notok "${size}_move_$k" "want $want, got '$(tl_detail_id)'"
    done
    # filtered movement: G goes to the last case passing the filter
    tl_keys a
    tl_wait "alk=positive" 3
    cnt=$(tl_cli_count --alk positive)
    want=$(tl_cli_nth_id "$cnt" --alk positive)
    tl_keys G
    tl_wait_detail "$want" 3 && tl_ok "${size}_G_last_filtered_$want" ||
        tl_notok "${size}_G_last_filtered" "want $want, got '$(tl_detail_id)'"
    tl_quit && [ "$(tl_rc)" = 0 ] && tl_ok "${size}_q_exit_0" ||
        tl_notok "${size}_q_exit_0" "rc=$(tl_rc)"
done
# An empty database (made by importing a header-only file) says
# so and how to fill it, not "No case matches the filters".
tl_start 80 24 || tl_notok empty_db_start
full_db=$TL_DB; TL_DB=$TL_DIR/empty.db
printf 'case_id,site\n' >"$TL_DIR/header.csv"
"$IMTREVIEW" --db "$TL_DB" import "$TL_DIR/header.csv" >/dev/null
tl_tui
if tl_wait '0 of 0 cases' 10; then
    tl_wait 'The database has no cases.' 3 && tl_wait 'imtreview import FILE.csv' 1 &&
        tl_wait 'Cases  (database empty)' 1 &&
        tl_ok empty_db_says_import || tl_notok empty_db_says_import "$(tl_screen | head -n 6)"
    if tl_screen | grep -qF 'No case matches'; then tl_notok empty_db_not_no_match
    else tl_ok empty_db_not_no_match; fi
    tl_keys s
    tl_wait 'site=lung' 3 && tl_wait 'The database has no cases.' 1 &&
        tl_ok empty_db_filtered_still_empty || tl_notok empty_db_filtered_still_empty
    tl_quit
else
    tl_notok empty_db_starts "$(tl_screen | head -n 5)"
fi
# A database that is not there is refused (issue 13): no file is made.
TL_DB=$TL_DIR/typo.db
tl_tui
if tl_wait 'there is no database at' 10 && tl_wait 'rc=1' 3 && [ ! -e "$TL_DB" ]; then
    tl_ok missing_db_tui_refused
else
    tl_notok missing_db_tui_refused "$(tl_screen | head -n 5)"
fi
TL_DB=$full_db
tl_done
