#!/bin/sh
# Faults (issue 13, item 4): 100 SIGKILLs at random moments (seeded, so a
# failure can be replayed) of import (new cases, and --update), review,
# edit, export -o and backup, and of a first import into a new file.
# After each: `check` passes, and the data is all or nothing: a batch of
# new cases is wholly there or wholly absent, an --update batch changed
# all its cases or none, an edit changed its fields, its version and its
# audit rows together or none of them, an export file is absent or
# complete, a backup is absent or passes check, a new database is absent
# or valid.
# On PostgreSQL (no backup command) kind 4 is `copy --to` a new SQLite
# file instead: the copy is absent, empty or whole, and passes check; and
# kind 6 (edit, not on PostgreSQL yet) is another --update.
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
# the case the edits change: one that is not signed out (a signed-out case
# is locked)
ecase=$("$IMT" --db "$db" list --status unreviewed | sed -n 2p | cut -f1)
version_of() { "$IMT" --db "$db" show "$1" --json | sed -n 's/.*"version":\([0-9]*\).*/\1/p'; }
bad=0
say() { echo "# iteration $i ($kind, ${d}s): $*"; bad=$((bad + 1)); }

i=1
while [ $i -le 100 ]; do
    d=$(delay $i)
    k=$((i % 7))
    if eng_is_pg && [ "$k" = 6 ]; then k=1; fi
    case $k in
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
    6)  kind=edit
        # an edit takes a few milliseconds: killed within the first 16
        d=$(awk -v d="$d" 'BEGIN { printf "%.3f", d / 5 }')
        ev=$(version_of "$ecase")
        "$IMT" --db "$db" edit "$ecase" "notes=e$i" "size_cm=$((i % 50 + 1))" \
            --expect-version "$ev" >/dev/null 2>&1 & ;;
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
    edit)
        nv=$(version_of "$ecase")
        nrows=$("$IMT" --db "$db" audit "$ecase" | awk -F '\t' -v v="e$i" '$4 == "notes" && $6 == v' | wc -l)
        if "$IMT" --db "$db" show "$ecase" --json | grep -q "\"notes\":\"e$i\""; then
            [ "$nv" -eq $((ev + 1)) ] && [ "$nrows" -eq 1 ] ||
                say "edit saved but version $ev -> $nv, $nrows audit rows"
        else
            [ "$nv" -eq "$ev" ] && [ "$nrows" -eq 0 ] ||
                say "edit not saved but version $ev -> $nv, $nrows audit rows"
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
absent=0; i=7; batches=0
while [ $i -le 100 ]; do
    [ "$(ids_in "K$i-")" -eq 0 ] && absent=$((absent + 1))
    batches=$((batches + 1)); i=$((i + 7))
done
echo "# import batches killed before their commit: $absent of $batches"
saved=0; edits=0; i=6
while [ $i -le 100 ]; do
    edits=$((edits + 1))
    [ "$("$IMT" --db "$db" audit "$ecase" | awk -F '\t' -v v="e$i" '$6 == v' | wc -l)" -gt 0 ] &&
        saved=$((saved + 1))
    i=$((i + 7))
done
echo "# edits saved before the kill: $saved of $edits"
[ "$saved" -lt "$edits" ] && ok kills_hit_before_edit_commit || notok kills_hit_before_edit_commit
echo "# kinds: $(sort "$tmp/kinds" | uniq -c | tr '\n' ' ')"
[ "$absent" -gt 0 ] && ok kills_hit_mid_import || notok kills_hit_mid_import
run --db "$db" check
check final_check rc_is 0
cl_done
