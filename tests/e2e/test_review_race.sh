#!/bin/sh
# Two sessions racing to save the same case (issue 10 "no lost update",
# issue 11 item 3 "the per-case version check and the sign-out lock hold
# across machines"): on PostgreSQL each process is a connection of its
# own, as two machines would be.  In each round both read the same
# version, wait behind a third writer holding the write lock, and save
# with --expect-version when it lets go: exactly one is saved (exit 0),
# the other refused (exit 1) naming the version and who changed it,
# nothing silently replaced.  Then a sign-out racing an edit: whichever
# comes first, a signed-out case ends with the edit refused or made
# before the signature, never after it.
. "$(dirname "$0")/cli_lib.sh"
db=$(cl_db race)
me=$(eng_user)
printf 'case_id,site,notes\nR-1,cns,start\n' >"$tmp/a.csv"
"$IMT" --db "$db" import "$tmp/a.csv" >/dev/null 2>&1 || { notok import; exit 1; }
export IMTREVIEW_BUSY_TIMEOUT=20000
version() { "$IMT" --db "$db" show R-1 --json | sed -n 's/.*"version":\([0-9]*\).*/\1/p'; }

rounds=${RACE_ROUNDS:-6}
won=0; lost=0; bad=0; named=0
i=1
while [ "$i" -le "$rounds" ]; do
    v=$(version)
    eng_hold_write_lock "$db" 1 &
    hold=$!
    sleep 0.3
    "$IMT" --db "$db" edit R-1 "notes=a$i" --expect-version "$v" >"$tmp/a.out" 2>"$tmp/a.err" &
    pa=$!
    "$IMT" --db "$db" edit R-1 "notes=b$i" --expect-version "$v" >"$tmp/b.out" 2>"$tmp/b.err" &
    pb=$!
    wait "$pa"; ra=$?
    wait "$pb"; rb=$?
    wait "$hold"
    now=$("$IMT" --db "$db" show R-1 --json | sed -n 's/.*"notes":"\([^"]*\)".*/\1/p')
    if [ "$ra$rb" = 01 ] && [ "$now" = "a$i" ]; then
        loser=$tmp/b.err
    elif [ "$ra$rb" = 10 ] && [ "$now" = "b$i" ]; then
        loser=$tmp/a.err
    else
        echo "# round $i: exits $ra $rb, notes now '$now'"
        bad=$((bad + 1)); i=$((i + 1)); continue
    fi
    won=$((won + 1)); lost=$((lost + 1))
    grep -q "is at version $((v + 1)), not $v: changed by $me" "$loser" && named=$((named + 1))
    i=$((i + 1))
done
check race_one_wins_each_round test "$bad" = 0
check race_loser_refused test "$won:$lost" = "$rounds:$rounds"
check race_refusal_names_who test "$named" = "$rounds"
# every saved edit audited once, the version moved once per saved edit
check race_audit_rows test "$(eng_q "$db" "SELECT count(*) FROM audit WHERE case_id = 'R-1' AND field = 'notes'")" = "$rounds"
check race_versions test "$(version)" = "$((1 + rounds))"
# each audit row's old value is the previous row's new value
eng_q "$db" "SELECT old_value, new_value FROM audit WHERE case_id = 'R-1' AND field = 'notes' ORDER BY seq" >"$tmp/chain"
check race_chain_of_values awk -F '|' 'NR == 1 { ok = ($1 == "start") } NR > 1 && $1 != prev { ok = 0 } { prev = $2 } END { exit !ok }' "$tmp/chain"

# ---- a sign-out racing an edit ------------------------------------------------------
n=$(cl_accept_all "$db" R-1)
v=$(version)
eng_hold_write_lock "$db" 1 &
hold=$!
sleep 0.3
"$IMT" --db "$db" review R-1 --status signed_out --comment "race" >"$tmp/s.out" 2>"$tmp/s.err" &
ps=$!
"$IMT" --db "$db" edit R-1 notes=late >"$tmp/e.out" 2>"$tmp/e.err" &
pe=$!
wait "$ps"; rs=$?
wait "$pe"; re=$?
wait "$hold"
check signout_saved test "$rs" = 0
"$IMT" --db "$db" show R-1 --json >"$tmp/show.json"
check signout_holds grep -q '"review_status":"signed_out"' "$tmp/show.json"
# the edit came first (saved, then the signature over it) or second
# (refused naming the signer): never saved after the signature
sig=$(eng_q "$db" "SELECT max(seq) FROM audit WHERE case_id = 'R-1' AND field = 'review_status' AND new_value = 'signed_out'")
late=$(eng_q "$db" "SELECT coalesce(max(seq), 0) FROM audit WHERE case_id = 'R-1' AND new_value = 'late'")
if [ "$re" = 0 ]; then
    check edit_before_signature test "$late" -lt "$sig"
else
    check edit_refused_exit1 test "$re" = 1
    check edit_refused_names_signer grep -q "is signed out by $me" "$tmp/e.err"
    check edit_refused_nothing test "$late" = 0
fi
echo "# decisions before the sign-out: $n; edit exit $re; version before $v"
run --db "$db" check
check check_ok rc_is 0
cl_done
