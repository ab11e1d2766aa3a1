#!/bin/sh
# Faults (issue 13, item 4): 100 SIGKILLs at random moments (seeded, so a
# failure can be replayed) of import (new cases, and --update), review,
# export -o and backup, and of a first import into a new file.  After
# each: `check` passes, and the data is all or nothing: a batch of new
# cases is wholly there or wholly absent, an --update batch changed all
# its cases or none, an export file is absent or complete, a backup is
# absent or passes check, a new database is absent or valid.  On
# PostgreSQL (no backup command) kind 4 is `copy --to` a new SQLite file
# instead: the copy is absent, empty or whole, and passes check.
. "$(dirname "$0")/cli_lib.sh"
GEN=${GEN_CASES:-build/gen_cases}
db=$(cl_db cases)
"$GEN" 300 5 >"$tmp/base.csv" || { notok generate; exit 1; }
"$IMT" --db "$db" import "$tmp/base.csv" >/dev/null 2>&1 || { notok import; exit 1; }
hdr=$(head -n 1 "$tmp/base.csv")
SEED=${FAULT_SEED:-20261206}
delay() {   # a pseudo-random 0-80 ms from the seed and the iteration
    awk -v s="$SEED" -v i="$1" 'BEGIN { srand(s + i * 7919); printf "%.3f", rand() * 0.08 }'
}
ids_in() { "$IMT" --db "$db" list --search "$1" | tail -n +2 | grep -c .; }
bad=0
say() { echo "# iteration $i ($kind, ${d}s): $*"; bad=$((bad + 1)); }

i=1
while [ $i -le 100 ]; do
    d=$(delay $i)
    case $((i % 6)) in
    0)  kind=import
        { echo "case_id,site,notes"
          n=1; while [ $n -le 150 ]; do echo "K$i-$n,lung,batch $i"; n=$((n + 1)); done
        } >"$tmp/b.csv"
        "$IMT" --db "$db" import "$tmp/b.csv" >/dev/null 2>&1 & ;;
    1)  kind=update
        { echo "case_id,site,notes"
          "$IMT" --db "$db" list | awk -F '\t' -v i=$i 'NR > 1 && NR <= 41 && $1 ~ /^IMT-/ { print $1 "," $4 ",upd " i }'
        } >"$tmp/u.csv"
        "$IMT" --db "$db" import --update "$tmp/u.csv" >/dev/null 2>&1 & ;;
    2)  kind=review
        "$IMT" --db "$db" review IMT-000010 --status in_review --comment "r$i" >/dev/null 2>&1 & ;;
    3)  kind=export
        rm -f "$tmp/e.csv"
        "$IMT" --db "$db" export -o "$tmp/e.csv" >/dev/null 2>&1 & ;;
    4)  rm -f "$tmp/bk.db" "$tmp/bk.db-wal" "$tmp/bk.db-shm"
        if eng_is_pg; then
            kind=copy
            "$IMT" --db "$db" copy --to "$tmp/bk.db" >/dev/null 2>&1 &
        else
            kind=backup
            "$IMT" --db "$db" backup "$tmp/bk.db" >/dev/null 2>&1 &
        fi ;;
    5)  kind=first_import
        new=$(eng_fresh "$tmp" new)
        "$IMT" --db "$new" import "$tmp/base.csv" >/dev/null 2>&1 & ;;
    esac
    pid=$!
    sleep "$d"
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    "$IMT" --db "$db" check >"$tmp/chk" 2>&1 || say "check fails: $(head -c 300 "$tmp/chk")"
    case $kind in
    import)
        n=$(ids_in "K$i-")
        [ "$n" -eq 0 ] || [ "$n" -eq 150 ] || say "$n of 150 new cases" ;;
    update)
        n=$("$IMT" --db "$db" list --search "upd $i" | tail -n +2 | grep -c .)
        want=$(tail -n +2 "$tmp/u.csv" | grep -c .)
        [ "$n" -eq 0 ] || [ "$n" -eq "$want" ] || say "$n of $want cases updated" ;;
    review)
        last=$("$IMT" --db "$db" audit IMT-000010 | tail -n 1 | cut -f 8)
        st=$("$IMT" --db "$db" show IMT-000010 --json | grep -c '"review_status": *"in_review"')
        case $last in r$i) [ "$st" -eq 1 ] || say "audited r$i but not in_review" ;; esac ;;
    export)
        if [ -e "$tmp/e.csv" ]; then
            # nothing has written since: a whole export is today's export
            "$IMT" --db "$db" export >"$tmp/e-now.csv" 2>/dev/null
            cmp -s "$tmp/e.csv" "$tmp/e-now.csv" || say "export file is not the whole export"
        fi
        ls "$tmp" | grep -q '^e\.csv\..*tmp\|^\.e\.csv' && say "temporary export file left" ;;
    backup)
        if [ -e "$tmp/bk.db" ]; then
            "$IMT" --db "$tmp/bk.db" check >/dev/null 2>&1 || say "backup file fails check"
        fi
        rm -f "$tmp"/bk.db.tmp-* ;;
    copy)
        if [ -e "$tmp/bk.db" ]; then
            "$IMT" --db "$tmp/bk.db" check >"$tmp/chk" 2>&1 || say "copy fails check: $(head -c 200 "$tmp/chk")"
            n=$("$IMT" --db "$tmp/bk.db" list | tail -n +2 | grep -c .)
            whole=$("$IMT" --db "$db" list | tail -n +2 | grep -c .)
            [ "$n" -eq 0 ] || [ "$n" -eq "$whole" ] || say "copy holds $n of $whole cases"
        fi ;;
    first_import)
        if eng_exists "$new"; then
            if "$IMT" --db "$new" check >"$tmp/chk" 2>&1; then
                n=$("$IMT" --db "$new" list | tail -n +2 | grep -c .)
                [ "$n" -eq 0 ] || [ "$n" -eq 300 ] || say "new database holds $n of 300"
            else
                say "new database left invalid: $(head -c 200 "$tmp/chk")"
            fi
        fi ;;
    esac
    echo "$kind" >>"$tmp/kinds"
    i=$((i + 1))
done
[ "$bad" -eq 0 ] && ok kill_100_all_or_nothing || notok kill_100_all_or_nothing
# the kills did land mid-work at least sometimes: some batches are absent
absent=0; i=6
while [ $i -le 100 ]; do [ "$(ids_in "K$i-")" -eq 0 ] && absent=$((absent + 1)); i=$((i + 6)); done
echo "# import batches killed before their commit: $absent of 16"
echo "# kinds: $(sort "$tmp/kinds" | uniq -c | tr '\n' ' ')"
[ "$absent" -gt 0 ] && ok kills_hit_mid_import || notok kills_hit_mid_import
run --db "$db" check
check final_check rc_is 0
cl_done
