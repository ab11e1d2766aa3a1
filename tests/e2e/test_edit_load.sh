#!/bin/sh
# Load (issue 10, "no lost update"): 8 processes x 500 read-modify-write
# edits of one case, each reading the case's version with `show --json`
# and writing with `edit --expect-version`.  Whatever the interleaving:
#   - every edit exits 0 (saved) or 1 (refused): saved + refused = 4000;
#   - the edit audit rows of the field = saved;
#   - the final version = the initial version + saved;
#   - every audit row's old value is the previous row's new value (no
#     write was based on a value that was no longer there);
#   - check passes.
# On both engines (on PostgreSQL the processes are separate connections:
# the version check holds across them); the audit rows are read in order
# with the engine's own shell (eng_q).
. "$(dirname "$0")/cli_lib.sh"
db=$(cl_db load)
P=${LOAD_PROCS:-8}
N=${LOAD_EDITS:-500}
printf 'case_id,site,notes\nLOAD-1,lung,start\nOTHER-1,cns,x\n' >"$tmp/a.csv"
"$IMT" --db "$db" import "$tmp/a.csv" >/dev/null 2>&1 || { notok import; exit 1; }
v0=$("$IMT" --db "$db" show LOAD-1 --json | sed -n 's/.*"version":\([0-9]*\).*/\1/p')
# a generous busy timeout: eight writers on two cores wait for each other
export IMTREVIEW_BUSY_TIMEOUT=60000

worker() {   # K: N read-modify-write edits; "saved refused other" at the end
    s=0 r=0 o=0 i=1
    while [ "$i" -le "$N" ]; do
        v=$("$IMT" --db "$db" show LOAD-1 --json | sed -n 's/.*"version":\([0-9]*\).*/\1/p')
        "$IMT" --db "$db" edit LOAD-1 "notes=w$1-$i" --expect-version "${v:-0}" \
            >/dev/null 2>>"$tmp/err.$1"
        case $? in
            0) s=$((s + 1)) ;;
            1) r=$((r + 1)) ;;
            *) o=$((o + 1)) ;;
        esac
        i=$((i + 1))
    done
    echo "$s $r $o" >"$tmp/res.$1"
}

k=1
while [ "$k" -le "$P" ]; do worker "$k" & k=$((k + 1)); done
wait
saved=0 refused=0 other=0
k=1
while [ "$k" -le "$P" ]; do
    read -r s r o <"$tmp/res.$k" || { notok "worker_$k"; s=0 r=0 o=1; }
    saved=$((saved + s)); refused=$((refused + r)); other=$((other + o))
    k=$((k + 1))
done
echo "# $P x $N edits: saved $saved, refused $refused, other exits $other"
echo "# refusals: $(cat "$tmp"/err.* | grep -c 'not .*: changed by') version conflicts, $(cat "$tmp"/err.* | grep -c 'busy') busy"
check every_edit_saved_or_refused test "$((saved + refused))" -eq "$((P * N))"
check no_other_exit test "$other" -eq 0
check some_saved test "$saved" -gt 0
check refusals_name_version sh -c "! grep -v 'is at version [0-9]*, not [0-9]*: changed by' '$tmp'/err.* | grep -q ."
rows=$(eng_q "$db" "SELECT count(*) FROM audit WHERE case_id = 'LOAD-1' AND field = 'notes' AND source = 'edit'")
check audit_rows_equal_saved test "$rows" -eq "$saved"
v1=$("$IMT" --db "$db" show LOAD-1 --json | sed -n 's/.*"version":\([0-9]*\).*/\1/p')
check final_version test "$v1" -eq "$((v0 + saved))"
# each row's old value is the row before's new value; the first's is "start"
eng_q "$db" "SELECT old_value, new_value FROM audit WHERE case_id = 'LOAD-1' AND field = 'notes' ORDER BY seq" >"$tmp/chain"
check old_is_previous_new awk -F '|' 'BEGIN { prev = "start" } $1 != prev { bad = 1 } { prev = $2 } END { exit bad }' "$tmp/chain"
check last_new_is_stored test "$(tail -n 1 "$tmp/chain" | cut -d '|' -f 2)" = \
    "$(eng_q "$db" "SELECT notes FROM cases WHERE case_id = 'LOAD-1'")"
check other_case_untouched test "$(eng_q "$db" "SELECT version || notes FROM cases WHERE case_id = 'OTHER-1'")" = 1x
run --db "$db" check
check check_after rc_is 0
cl_done
