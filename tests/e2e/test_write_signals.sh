#!/bin/sh
# End-to-end (issue 9): the exit status of a writing command never lies.
# Exit 0 <=> the change is committed and audited; any other exit <=>
# nothing was written, whatever signal arrives at whatever moment, a busy
# database, or a standard output that cannot be written after the commit.
. "$(dirname "$0")/cli_lib.sh"
GEN=${GEN_CASES:-build/gen_cases}
db=$(cl_db cases)
new=$(cl_db new)
"$GEN" 200 3 >"$tmp/cases.csv" || { notok generate; exit 1; }
"$IMT" --db "$db" import "$tmp/cases.csv" >/dev/null 2>&1 || { notok import; exit 1; }

# Random kills: TERM, INT, HUP and QUIT at 0-20 ms into a review or an
# import --update, 120 times.
: >"$tmp/results"
i=1
for sig in TERM INT HUP QUIT; do
    j=1
    while [ "$j" -le 30 ]; do
        t=s$i
        if [ $((j % 2)) = 0 ]; then
            "$IMT" --db "$db" review IMT-000005 --status in_review --comment "$t" >/dev/null 2>>"$tmp/err" &
            k=review
        else
            printf 'case_id,site,notes\nIMT-000007,%s,%s\n' \
                "$(awk -F, '$1 == "IMT-000007" { print $4 }' "$tmp/cases.csv")" "$t" >"$tmp/u.csv"
            "$IMT" --db "$db" import --update "$tmp/u.csv" >/dev/null 2>>"$tmp/err" &
            k=note
        fi
        pid=$!
        sleep "$(awk -v i="$i" 'BEGIN { printf "%.4f", (i * 7919 % 200) / 10000 }')"
        kill -"$sig" "$pid" 2>/dev/null
        wait "$pid"
        echo "$k $t $?" >>"$tmp/results"
        i=$((i + 1)); j=$((j + 1))
    done
done
"$IMT" --db "$db" audit >"$tmp/audit"
awk -F '\t' '
    FILENAME == ARGV[1] { if ($8 ~ /^s[0-9]+$/) rev[$8]++
                          if ($4 == "notes" && $6 ~ /^s[0-9]+$/) note[$6]++; next }
    { c = ($1 == "review") ? rev[$2] + 0 : note[$2] + 0
      if ($3 == 0 && c != 1) { print "exit 0 but " c " audit rows: " $0; bad++ }
      if ($3 != 0 && c != 0) { print "exit " $3 " but saved: " $0; bad++ } }
    END { exit bad > 0 }' "$tmp/audit" FS=' ' "$tmp/results" >"$tmp/mismatch"
if [ -s "$tmp/mismatch" ]; then notok kill_exit_matches_audit; head -n 5 "$tmp/mismatch"; else
    ok kill_exit_matches_audit; fi
echo "# exit statuses: $(awk '{ print $3 }' "$tmp/results" | sort | uniq -c | tr '\n' ' ')"
# A caught signal says what happened; none leaves the engine's words behind.
if grep -v -e 'interrupted: nothing was changed' -e 'nothing was imported' "$tmp/err" | grep -q .; then
    notok kill_messages_clear; head -n 3 "$tmp/err"; else ok kill_messages_clear; fi
run --db "$db" check
check kill_check_clean rc_is 0

# Standard output gone after the commit: the change is saved, so exit 0,
# with a note on stderr.
"$IMT" --db "$db" review IMT-000009 --status in_review --comment full1 >/dev/full 2>"$tmp/err1"
check full_stdout_exit_0 test $? -eq 0
check full_stdout_says_saved has "$tmp/err1" "was saved"
check full_stdout_audited sh -c "'$IMT' --db '$db' audit IMT-000009 | grep -q full1"
# A closed pipe (SIGPIPE) must not kill it after the commit either.
( "$IMT" --db "$db" review IMT-000009 --status unreviewed --comment pipe1 2>"$tmp/err2"
  echo $? >"$tmp/rc2" ) | true
check closed_pipe_exit_0 test "$(cat "$tmp/rc2")" -eq 0
check closed_pipe_audited sh -c "'$IMT' --db '$db' audit IMT-000009 | grep -q pipe1"

# A busy database: another writer holds the lock.  The wait is bounded
# (IMTREVIEW_BUSY_TIMEOUT), the refusal is clear, and nothing is written.
if eng_is_pg || command -v sqlite3 >/dev/null 2>&1; then
    eng_hold_write_lock "$db" 4 &
    holder=$!
    sleep 0.5
    start=$(date +%s%N)
    IMTREVIEW_BUSY_TIMEOUT=800 "$IMT" --db "$db" review IMT-000011 --status in_review \
        --comment busy1 >"$tmp/out" 2>"$tmp/err3"
    rc=$?
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    check busy_exit_1 test "$rc" -eq 1
    check busy_says_busy has "$tmp/err3" "the database is busy"
    check busy_no_sqlite_words hasnt "$tmp/err3" "database is locked"
    [ "$ms" -ge 700 ] && [ "$ms" -lt 3000 ] && ok busy_wait_bounded || notok busy_wait_bounded "$ms ms"
    # A signal during the wait ends it at once, nothing written.
    IMTREVIEW_BUSY_TIMEOUT=3000 "$IMT" --db "$db" review IMT-000011 --status in_review \
        --comment busy2 >"$tmp/out" 2>"$tmp/err4" &
    pid=$!
    sleep 0.3
    start=$(date +%s%N)
    kill -INT "$pid"
    wait "$pid"
    rc=$?
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    check busy_interrupted_exit_1 test "$rc" -eq 1
    check busy_interrupted_says has "$tmp/err4" "interrupted: nothing was changed"
    [ "$ms" -lt 1000 ] && ok busy_interrupt_prompt || notok busy_interrupt_prompt "$ms ms"
    wait "$holder"
    "$IMT" --db "$db" audit IMT-000011 >"$tmp/audit11"
    check busy_nothing_written hasnt "$tmp/audit11" "busy"
fi

# A long first import interrupted: nothing written, no database left.
"$GEN" 20000 4 >"$tmp/big.csv"
"$IMT" --db "$new" import "$tmp/big.csv" >/dev/null 2>"$tmp/err5" &
pid=$!
sleep 0.4
kill -TERM "$pid"
wait "$pid"
rc=$?
if [ "$rc" -eq 0 ]; then
    # finished before the signal: then it must all be there
    n=$("$IMT" --db "$new" list | tail -n +2 | grep -c .)
    check long_import_whole test "$n" -eq 20000
else
    check long_import_exit_1 test "$rc" -eq 1
    check long_import_no_db eval '! eng_exists "$new"'
fi
cl_done
