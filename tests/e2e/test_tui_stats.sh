#!/bin/sh
# Interface e2e for the statistics view (issue 5 item 3; "How it will be
# checked": the view in tmux, the curve, the at-risk table and the p-value
# matching the command line).  At 80x24 and 132x43, in UTF-8 (braille) and
# with --ascii, `v` opens the view; for the same filter as
# `imtreview stats --json --by alk_status` the screen must show the same
# n / used / events, log-rank p and chi-square, survival at 1/3/5/10 years
# per group, and at-risk numbers (the at-risk table counts at the axis
# ticks 0, 1/4 .. 4/4 of the longest follow-up; each group's numbers come
# from `stats --json --alk GROUP`, n_risk of the first KM row at or after
# the tick).  `g` and `e` change grouping and endpoint; `x` writes the CSV,
# whose log-rank p is the JSON's.
# engines: sqlite (the statistics view's drawing and keys; the statistics
# themselves run on both engines in test_stats_*.sh)
. "$(dirname "$0")/tui_lib.sh"
tl_init
tl_make_db || { tl_notok fixture_import; exit 1; }
J=$TL_DIR/j

# first number after "KEY": in file
jnum() { grep -o "\"$2\": [-0-9.eE+a-z]*" "$1" | head -n 1 | sed 's/.*: //'; }
# p as the view prints it
fmt_p() { awk -v p="$1" 'BEGIN { if (p < 0.0001) printf "%.2e", p; else printf "%.4f", p }'; }
# n_risk at t: first km row with time >= t, or 0
at_risk() {   # json t
    awk -v t="$2" '/^ *\{"time": / {
        line = $0; sub(/^ *\{"time": /, "", line); split(line, a, ",")
        tm = a[1] + 0
        m = $0; sub(/.*"n_risk": /, "", m); sub(/,.*/, "", m)
        if (tm >= t) { print m; found = 1; exit } }
        END { if (!found) print 0 }' "$1"
}
last_time() { grep '^ *{"time": ' "$1" | tail -n 1 | sed 's/^ *{"time": //; s/,.*//'; }
group_names() { grep -o '{"name": "[^"]*"' "$1" | sed 's/.*: "//; s/"$//'; }
# survival at landmark i (1..4) of group g as the view prints it
group_at() {  # json group i
    grep "{\"name\": \"$2\"" "$1" | grep -o '"months": [0-9]*, "survival": [-0-9.eE+a-z]*' |
        sed -n "${3}p" | sed 's/.*"survival": //' |
        awk '{ if ($1 == "null") print "-"; else printf "%.2f\n", $1 }'
}

check_view() {   # tag cols filter-args...
    tag=$1 cols=$2; shift 2
    side=36; [ "$cols" -ge 100 ] && side=40
    plotw=$((cols - side - 1))
    "$IMTREVIEW" --db "$TL_DB" stats --json --by alk_status "$@" >"$J.all" || { tl_notok "${tag}_cli"; return; }
    scr=$(tl_screen)
    n=$(jnum "$J.all" n) used=$(jnum "$J.all" n_used) ev=$(jnum "$J.all" events)
    printf '%s\n' "$scr" | head -n 1 | grep -q "Kaplan-Meier OS by alk_status  n=$n used=$used events=$ev" &&
        tl_ok "${tag}_title_counts" || tl_notok "${tag}_title_counts" "want n=$n used=$used events=$ev: $(printf '%s\n' "$scr" | head -n 1)"
    p=$(jnum "$J.all" p) chisq=$(jnum "$J.all" chisq)
    if [ -n "$p" ]; then
        want="Log-rank p = $(fmt_p "$p")"
        printf '%s\n' "$scr" | grep -qF "$want" && tl_ok "${tag}_pvalue_matches_cli" ||
            tl_notok "${tag}_pvalue_matches_cli" "want '$want'"
        want="chi-square $(awk -v c="$chisq" 'BEGIN { printf "%.2f", c }')"
        printf '%s\n' "$scr" | grep -qF "$want" && tl_ok "${tag}_chisq_matches_cli" ||
            tl_notok "${tag}_chisq_matches_cli" "want '$want'"
    else   # one group: no test, and the screen says so
        printf '%s\n' "$scr" | grep -qF "Log-rank: no test" &&
            printf '%s\n' "$scr" | grep -qF "only one group" &&
            tl_ok "${tag}_no_test_shown" || tl_notok "${tag}_no_test_shown"
    fi
    tmax=$(last_time "$J.all")
    atrows=$(printf '%s\n' "$scr" | sed -n '/^At risk/,$p' | sed 1d |
        LC_ALL=C.UTF-8 sed -E "s/^(.{$plotw}).*/\\1/")   # columns, not bytes (…)
    i=0
    for g in $(group_names "$J.all"); do
        i=$((i + 1))
        "$IMTREVIEW" --db "$TL_DB" stats --json --alk "$g" "$@" >"$J.g"
        want=""
        for q in 0 1 2 3 4; do
            want="$want $(at_risk "$J.g" "$(awk -v m="$tmax" -v q=$q 'BEGIN { printf "%.17g", m * q / 4 }')")"
        done
        # the row: mark and name (4 columns, cut with an ellipsis), numbers
        row=$(printf '%s\n' "$atrows" | sed -n "${i}p")
        got=$(printf '%s\n' "$row" | awk '{ $1 = ""; $0 = $0; $1 = $1; print }')
        [ "$got" = "${want# }" ] && tl_ok "${tag}_at_risk_${g}" ||
            tl_notok "${tag}_at_risk_${g}" "screen '$got', cli '${want# }'"
        label=$(printf '%s\n' "$row" | awk '{ print $1 }' | sed 's/^.//; s/…$//; s/~$//')
        case $g in "$label"*) tl_ok "${tag}_at_risk_label_${g}" ;;
                   *) tl_notok "${tag}_at_risk_label_${g}" "label '$label'" ;; esac
        want=$(for k in 1 2 3 4; do group_at "$J.all" "$g" $k; done | tr '\n' ' ')
        got=$(printf '%s\n' "$scr" | grep -oE "[*o#] $g +[-0-9.]+ +[-0-9.]+ +[-0-9.]+ +[-0-9.]+" |
              head -n 1 | awk '{ print $3, $4, $5, $6 }')
        [ "$got " = "$want" ] && tl_ok "${tag}_landmarks_${g}" ||
            tl_notok "${tag}_landmarks_${g}" "screen '$got', cli '$want'"
    done
}

for mode in utf8 ascii; do
    for size in 80x24 132x43; do
        cols=${size%x*} rows=${size#*x}
        tag="${mode}_$size"
        tl_start "$cols" "$rows" || { tl_notok "${tag}_start"; continue; }
        tl_run "cd '$TL_DIR'"
        if [ $mode = ascii ]; then tl_tui --ascii; else tl_tui; fi
        tl_wait_re '[0-9]+ of [0-9]+ cases' 10 || { tl_notok "${tag}_tui_starts"; continue; }
        tl_keys v
        tl_wait 'At risk' 5 && tl_ok "${tag}_view_opens" || { tl_notok "${tag}_view_opens"; continue; }
        check_view "$tag" "$cols"
        # the curve: braille cells in UTF-8, none with --ascii
        if tl_screen | LC_ALL=C grep -q "$(printf '\342[\240\241\242\243]')"; then
            [ $mode = utf8 ] && tl_ok "${tag}_braille_curve" || tl_notok "${tag}_no_braille_in_ascii"
        else
            [ $mode = ascii ] && tl_ok "${tag}_ascii_only" || tl_notok "${tag}_braille_curve"
        fi
        # endpoint and grouping keys
        tl_keys e
        tl_wait 'Kaplan-Meier DSS by alk_status' 3 && tl_ok "${tag}_e_endpoint" || tl_notok "${tag}_e_endpoint"
        tl_keys e
        tl_wait 'Kaplan-Meier RFS by alk_status' 3 || tl_notok "${tag}_e_rfs"
        tl_keys e
        tl_wait 'Kaplan-Meier PFS (1st line) by alk_status' 3 || tl_notok "${tag}_e_pfs"
        tl_keys e e e e g        # EFS, DOR, TTNT, back to OS (issue 14)
        tl_wait 'Kaplan-Meier OS by site' 3 && tl_ok "${tag}_g_grouping" || tl_notok "${tag}_g_grouping"
        for k in 1 2 3 4 5 6 7 8 9; do tl_keys g; done   # back round to alk_status
        tl_wait 'Kaplan-Meier OS by alk_status' 3 || tl_notok "${tag}_g_cycles"
        # export
        rm -f "$TL_DIR"/imtreview-stats-*.csv
        tl_keys x
        if tl_wait 'exported to' 3; then
            f=$(ls "$TL_DIR"/imtreview-stats-os-alk_status-*.csv 2>/dev/null | head -n 1)
            pv=$(grep '^logrank,' "$f" | cut -d, -f4)
            "$IMTREVIEW" --db "$TL_DB" stats --json --by alk_status >"$J.all"
            nkm=$(grep -c '^km,all,' "$f") nkm_cli=$(grep -c '^ *{"time": ' "$J.all")
            awk -v a="$pv" -v b="$(jnum "$J.all" p)" 'BEGIN { d = a - b; exit !(a != "" && (d < 0 ? -d : d) <= 1e-12) }' &&
                [ "$nkm" = "$nkm_cli" ] && grep -q '^counts,lung,' "$f" &&
                tl_ok "${tag}_export_csv" || tl_notok "${tag}_export_csv" "p '$pv' km $nkm/$nkm_cli"
        else
            tl_notok "${tag}_export_csv" "no message"
        fi
        # with a filter from the list (site=head_neck, all ALK negative in
        # the fixture): the view follows it, one group, no test
        tl_keys q
        tl_wait_gone 'At risk' 3
        tl_keys s s
        tl_wait 'site=head_neck' 3 || tl_notok "${tag}_site_filter"
        tl_keys v
        tl_wait 'At risk' 5 && check_view "${tag}_head_neck" "$cols" --site head_neck
        tl_keys q
        tl_wait_gone 'At risk' 3
        tl_quit >/dev/null
    done
done
# ui.md: cut text ends with an ellipsis; text is never sent raw; in ASCII
# mode only ASCII reaches the terminal.  The view's title holds the
# filters, search text included (typed, so anything): --ascii with a CJK
# search (it matches HOSTILE-1's note) must send no byte >= 0x80 while the
# view is open, and a long filter is cut with an ellipsis.
tl_start 80 24 || tl_notok title_start
tl_tui --ascii
tl_wait_re '[0-9]+ of [0-9]+ cases' 10
tl_keys /
tl_wait 'Search' 3
T send-keys -t "$TL_SESSION" -l "$(printf '\344\270\255\346\226\207')"
tl_keys Enter
tl_wait 'search=' 3
: >"$TL_DIR/view.bytes"
T pipe-pane -t "$TL_SESSION" -o "cat >> '$TL_DIR/view.bytes'"
tl_keys v
if tl_wait 'At risk' 5; then
    sleep 0.3
    T pipe-pane -t "$TL_SESSION"
    tl_screen | head -n 1 | grep -qF 'search="??"' &&
        tl_ok view_title_search_placeholders || tl_notok view_title_search_placeholders "$(tl_screen | head -n 1)"
    if LC_ALL=C grep -q "$(printf '[\200-\377]')" "$TL_DIR/view.bytes"; then
        tl_notok view_ascii_title_only_ascii "non-ASCII bytes sent"
    else tl_ok view_ascii_title_only_ascii; fi
else
    tl_notok view_ascii_title_only_ascii "view did not open"
fi
tl_keys q
tl_quit >/dev/null
tl_start 80 24 || tl_notok title_start2
tl_tui
tl_wait_re '[0-9]+ of [0-9]+ cases' 10
tl_keys S Space j Space j Space Enter
tl_wait 'site=lung,head_neck,abdomen_pelvis' 3
tl_keys a
tl_wait 'alk=positive' 3
tl_keys v
if tl_wait 'At risk' 5; then
    t=$(tl_screen | head -n 1)
    case $t in *'site=lung,head_ne'*…) tl_ok view_title_filter_ellipsis ;;
               *) tl_notok view_title_filter_ellipsis "$t" ;; esac
    # grouped by site: every site name is whole or cut with an ellipsis,
    # in the legend, the medians, the at-risk rows and the ALK-by-site pane
    tl_keys q
    tl_wait_gone 'At risk' 3
    tl_keys c
    tl_wait 'no filter' 3
    tl_keys v
    tl_wait 'At risk' 5
    tl_keys g
    tl_wait 'OS by site' 3
    tl_keys Tab
    tl_wait 'ALK+%' 3
    scr=$(tl_screen)
    printf '%s\n' "$scr" | grep -qF 'abdomen_p…' &&
        tl_ok view_site_names_ellipsis || tl_notok view_site_names_ellipsis
    printf '%s\n' "$scr" | grep -qE 'abdomen_pe |retroperit |genitourin |trunk_limb |thorax_oth ' &&
        tl_notok view_site_names_no_silent_cut || tl_ok view_site_names_no_silent_cut
    printf '%s\n' "$scr" | sed -n '/^At risk/,$p' | grep -qE '^.hea… ' &&
        tl_ok view_at_risk_names_ellipsis || tl_notok view_at_risk_names_ellipsis
fi
tl_keys q
tl_quit >/dev/null

# At 60x15 (the smallest size) the at-risk numbers must stay apart: a
# label at each tick would run "141" and "91" together into "14191".  The
# row's numbers must each be the CLI's n_risk at a tick (so none is two
# numbers run together), and a group that does not fit is counted on its
# own line, never written over another group's row.
tl_start 60 15 || tl_notok small_start
tl_tui
tl_wait_re '[0-9]+ of [0-9]+ cases' 10
tl_keys v
if tl_wait 'At risk' 5; then
    "$IMTREVIEW" --db "$TL_DB" stats --json --by alk_status >"$J.all"
    tmax=$(last_time "$J.all")
    rows=$(tl_screen | sed -n '/^At risk/,$p' | sed 1d | LC_ALL=C.UTF-8 sed -E 's/^(.{23}).*/\1/')
    i=0 bad=""
    for g in $(group_names "$J.all"); do
        i=$((i + 1))
        row=$(printf '%s\n' "$rows" | sed -n "${i}p")
        case $row in ' ... '*' more groups'*) break ;; esac
        "$IMTREVIEW" --db "$TL_DB" stats --json --alk "$g" >"$J.g"
        ok=""
        for q in 0 1 2 3 4; do
            ok="$ok $(at_risk "$J.g" "$(awk -v m="$tmax" -v q=$q 'BEGIN { printf "%.17g", m * q / 4 }')")"
        done
        nums=$(printf '%s\n' "$row" | awk '{ $1 = ""; $0 = $0; $1 = $1; print }')
        [ -n "$nums" ] || bad="$bad $g:empty"
        for v in $nums; do
            case " $ok " in *" $v "*) ;; *) bad="$bad $g:$v" ;; esac
        done
    done
    [ -z "$bad" ] && tl_ok small_view_at_risk_apart ||
        tl_notok small_view_at_risk_apart "not an at-risk number:$bad"
    tl_keys g
    tl_wait 'OS by site' 3
    scr=$(tl_screen)
    printf '%s\n' "$scr" | grep -qE '^ \.\.\. [0-9]+ more groups' &&
        ! printf '%s\n' "$scr" | grep -qE '^.\.\.\.[a-z]' &&
        tl_ok small_view_more_groups_own_line ||
        tl_notok small_view_more_groups_own_line "$(printf '%s\n' "$scr" | sed -n '/^At risk/,$p')"
else
    tl_notok small_view_at_risk_apart "view did not open"
fi
tl_keys q
tl_quit >/dev/null

# The terminal goes away (SIGHUP) while the view is open: the program
# must end, not spin on a dead terminal.
tl_start 80 24 || tl_notok hangup_start
T send-keys -t "$TL_SESSION" 'clear' Enter
tl_run "sh -c 'echo \$\$ > \"$TL_DIR/pid\"; exec \"\$IMTREVIEW\" --db \"$TL_DB\"'; echo \"rc=\$?\""
tl_wait_re '[0-9]+ of [0-9]+ cases' 10
tl_keys v
if tl_wait 'At risk' 5; then
    pid=$(cat "$TL_DIR/pid" 2>/dev/null)
    T kill-server >/dev/null 2>&1
    # generous: under the sanitizers, exit includes the leak check
    if [ -n "$pid" ] && tl_wait_exit "$pid" 10; then tl_ok hangup_in_view_exits
    else
        tl_notok hangup_in_view_exits "pid '$pid' still running"
        [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
    fi
else
    tl_notok hangup_view_opens
fi
tl_done
