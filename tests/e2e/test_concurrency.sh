#!/bin/sh
# End-to-end, under load (issue 9): 8 processes x 200 mixed commands on one
# database while an interface session is open and moving in tmux.
#
# Every write carries a token of its own (a review comment, a note, a new
# case id), so each exit status can be held against the audit trail:
#   - no process crashes (no exit >= 128: SIGBUS was the old failure);
#   - exit 0 <=> the change is in the database with exactly its audit rows;
#   - exit 1 only as a clear "the database is busy" refusal, and a refused
#     write left no audit row;
#   - nobody sees SQLite's own words (locking protocol, SQLITE_BUSY, ...);
#   - on PostgreSQL (IMT_TEST_ENGINE=pg) the same load through the server,
#     the interface woken by LISTEN/NOTIFY;
#   - `check` is clean afterwards and the interface, still alive, shows the
#     final number of cases.
# Run twice: in a private directory, and (as root, with setpriv) as eight
# different members of a department's group in a setgid directory with a
# 0660 database, the case the -wal/-shm group handling exists for.
. "$(dirname "$0")/tui_lib.sh"
GEN=${GEN_CASES:-build/gen_cases}
IMT=$IMTREVIEW
N=${STRESS_N:-200}          # commands per process (shared variant: half)
P=8                         # processes
G=47113                     # the department's group (shared variant)

tl_init
tmp=$TL_DIR
chmod 755 "$tmp"
ok() { tl_ok "$@"; }
notok() { tl_notok "$@"; }
check() { tl_check "$@"; }

# as USER CMD...: run CMD as department member USER (shared variant), or
# as ourselves.
as() {
    _u=$1; shift
    if [ "$_u" = self ]; then "$@"; else
        setpriv --reuid="$_u" --regid="$_u" --groups="$_u,$G" -- sh -c 'umask 007; exec "$@"' sh "$@"
    fi
}

# worker P DB USER DIR: N commands, one result line "KIND TOKEN RC" each
# (files in DIR).
worker() {
    _p=$1 _db=$2 _u=$3 _dir=$4
    _i=1
    while [ "$_i" -le "$N" ]; do
        _t=w$_p-$_i
        _case=IMT-00000$((_i % 3 + 1))        # three hot cases for contention
        _to=
        case $((_i % 8)) in
        0|1) _k=review
             as "$_u" "$IMT" --db "$_db" review "$_case" --status in_review --comment "$_t" ;;
        2)   _k=review
             as "$_u" "$IMT" --db "$_db" review "$_case" --status unreviewed --comment "$_t" ;;
        3)   _k=note
             printf 'case_id,site,notes\n%s,%s,%s\n' "$_case" "$(site_of "$_case")" "$_t" >"$_dir/u$_t.csv"
             as "$_u" "$IMT" --db "$_db" import --update "$_dir/u$_t.csv" ;;
        4)   _k=new
             printf 'case_id,site,notes\n%s,lung,new\n' "$_t" >"$_dir/n$_t.csv"
             as "$_u" "$IMT" --db "$_db" import "$_dir/n$_t.csv" ;;
        5)   _k=read
             as "$_u" "$IMT" --db "$_db" export -o "$_dir/e$_p.csv" ;;
        6)   _k=read
             as "$_u" "$IMT" --db "$_db" list --alk positive ;;
        7)   _k=review   # a 1 ms busy timeout: refusals happen, and must be clean
             as "$_u" env IMTREVIEW_BUSY_TIMEOUT=1 "$IMT" --db "$_db" review "$_case" \
                 --status in_review --comment "$_t" ;;
        esac >/dev/null 2>"$_dir/err.$_p"
        _rc=$?
        if [ -s "$_dir/err.$_p" ]; then
            sed "s/^/$_t /" "$_dir/err.$_p" >>"$_dir/stderr.$_p"
        fi
        rm -f "$_dir/u$_t.csv" "$_dir/n$_t.csv"
        echo "$_k $_t $_rc"
        _i=$((_i + 1))
    done >"$_dir/res.$_p"
}

site_of() { awk -F, -v id="$1" '$1 == id { print $4 }' "$tmp/cases.csv"; }

# scenario NAME DIR USERS...: the load on a new database, workers as USERS
scenario() {
    _name=$1 _dir=$2; shift 2
    # SQLite: a file in DIR (the department's setgid directory, where the
    # members make -wal and -shm); PostgreSQL: a database of its own.
    if eng_is_pg; then _db=$(tl_db "$_name"); else _db=$_dir/cases.db; fi
    "$IMT" --db "$_db" import "$tmp/cases.csv" >/dev/null 2>&1 || { notok "${_name}_import"; return; }
    if [ "$_name" = shared ]; then chgrp "$G" "$_db"; chmod 660 "$_db"; fi
    total0=$("$IMT" --db "$_db" list | tail -n +2 | grep -c .)

    # The interface, open on the same database, moving all the while.
    tl_start 100 30 XDG_STATE_HOME="$_dir/state" || { notok "${_name}_tui_start"; return; }
    TL_DB=$_db
    if [ "$_name" = shared ]; then
        tl_run "setpriv --reuid=47100 --regid=47100 --groups=47100,$G -- \"\$IMTREVIEW\" --db '$_db'; echo \"rc=\$?\""
    else
        tl_tui
    fi
    tl_wait "of $total0 cases" 15 || { notok "${_name}_tui_opens" "$(tl_status)"; return; }
    _pat=$(printf '%s' "$_db" | sed 's/[][\.*^$?+(){}|]/\\&/g')
    tui_pid=$(pgrep -n -f "imtreview --db $_pat\$" || pgrep -n -f "imtreview --db '$_pat'")
    ( while [ ! -e "$_dir/stop" ]; do
          for k in j j G k g Down PgDn PgUp; do tl_keys "$k"; sleep 0.1; done
      done ) &
    mover=$!

    _pids=
    _w=1
    for _u in "$@"; do
        worker "$_w" "$_db" "$_u" "$_dir" &
        _pids="$_pids $!"
        _w=$((_w + 1))
    done
    wait $_pids
    : >"$_dir/stop"
    wait "$mover"

    cat "$_dir"/res.* >"$_dir/results"
    cat "$_dir"/stderr.* >"$_dir/stderr" 2>/dev/null || : >"$_dir/stderr"
    n=$(grep -c . "$_dir/results")
    check "${_name}_all_ran" test "$n" -eq $((P * N))
    crashed=$(awk '$3 >= 128 || $3 == 2' "$_dir/results" | wc -l)
    [ "$crashed" -eq 0 ] && ok "${_name}_no_crash" ||
        { notok "${_name}_no_crash"; awk '$3 >= 128 || $3 == 2' "$_dir/results" | head -n 5; }
    reads_failed=$(awk '$1 == "read" && $3 != 0' "$_dir/results" | wc -l)
    check "${_name}_reads_never_fail" test "$reads_failed" -eq 0
    # Every refusal is the clear busy message and nothing else.
    awk '$3 == 1 { print $2 }' "$_dir/results" | sort >"$_dir/refused"
    unexplained=0
    while read -r t; do
        grep -q "^$t imtreview [a-z]*: .*the database is busy" "$_dir/stderr" ||
            { unexplained=$((unexplained + 1)); grep "^$t " "$_dir/stderr" | head -n 2; }
    done <"$_dir/refused"
    check "${_name}_refusals_say_busy" test "$unexplained" -eq 0
    if grep -qiE 'locking protocol|SQLITE_|database is locked|disk I/O|malformed' "$_dir/stderr"; then
        notok "${_name}_no_sqlite_words"; grep -iE 'locking protocol|SQLITE_|locked' "$_dir/stderr" | head -n 3
    else ok "${_name}_no_sqlite_words"; fi
    echo "# $_name: $(awk '{ print $3 }' "$_dir/results" | sort | uniq -c | tr '\n' ' ')"

    # Exit statuses against the audit trail.
    "$IMT" --db "$_db" audit >"$_dir/audit" 2>/dev/null || notok "${_name}_audit_reads"
    awk -F '\t' '
        FILENAME == ARGV[1] { if ($8 ~ /^w[0-9]+-[0-9]+$/) rev[$8]++
                              if ($4 == "notes" && $6 ~ /^w[0-9]+-[0-9]+$/) note[$6]++
                              if ($4 == "*" && $3 ~ /^w[0-9]+-[0-9]+$/) newc[$3]++
                              next }
        { k = $1; t = $2; rc = $3
          if (k == "review") c = rev[t] + 0
          else if (k == "note") c = note[t] + 0
          else if (k == "new") c = newc[t] + 0
          else next
          if (rc == 0 && c != 1) { print "saved but " c " audit rows: " $0; bad++ }
          if (rc != 0 && c != 0) { print "refused but " c " audit rows: " $0; bad++ } }
        END { exit bad > 0 }' "$_dir/audit" FS=' ' "$_dir/results" >"$_dir/mismatch"
    [ -s "$_dir/mismatch" ] && { notok "${_name}_exit_status_matches_audit"; head -n 5 "$_dir/mismatch"; } ||
        ok "${_name}_exit_status_matches_audit"
    # Audit rows carry no token that no command wrote.
    extra=$(awk -F '\t' '$8 ~ /^w[0-9]+-[0-9]+$/ { print $8 }' "$_dir/audit" | sort | uniq -d | wc -l)
    check "${_name}_no_duplicate_audit" test "$extra" -eq 0

    "$IMT" --db "$_db" check >"$_dir/check.out" 2>&1
    check "${_name}_check_clean" test $? -eq 0
    added=$(awk '$1 == "new" && $3 == 0' "$_dir/results" | wc -l)
    final=$("$IMT" --db "$_db" list | tail -n +2 | grep -c .)
    check "${_name}_cases_added_match" test "$final" -eq $((total0 + added))
    if [ "$_name" = shared ]; then
        for f in "$_db" "$_db-wal" "$_db-shm"; do
            [ -e "$f" ] || continue
            check "${_name}_group_$(basename "$f")" test "$(stat -c %g "$f")" = "$G"
        done
    fi

    # The interface lived through it and shows the final count.
    if [ -n "$tui_pid" ] && tl_alive "$tui_pid"; then ok "${_name}_tui_alive"; else
        notok "${_name}_tui_alive" "$(tl_screen | tail -n 3)"; fi
    # (no key pressed: the interface notices other sessions' commits)
    tl_wait "$final of $final cases" 10 && ok "${_name}_tui_final_count" ||
        notok "${_name}_tui_final_count" "want $final: $(tl_status)"
    tl_quit 10 && [ "$(tl_rc)" = 0 ] && ok "${_name}_tui_quits_0" || notok "${_name}_tui_quits_0" "$(tl_rc)"
}

"$GEN" 300 9 >"$tmp/cases.csv" || { notok generate; exit 1; }

mkdir "$tmp/private"
scenario private "$tmp/private" self self self self self self self self

if eng_is_pg; then
    echo "# shared-group scenario: SQLite only (a file's group and mode)"
elif [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
    mkdir "$tmp/dept"
    chgrp "$G" "$tmp/dept"
    chmod 2770 "$tmp/dept"      # the department's setgid directory
    N=$((N / 2))
    scenario shared "$tmp/dept" 47001 47002 47003 47004 47005 47006 47007 47008
else
    echo "# shared-group scenario skipped: needs root and setpriv"
fi
tl_done
