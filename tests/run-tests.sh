#!/bin/sh
# Run test programs (cmocka unit binaries and e2e shell scripts), each one
# a "suite"; print each suite's result and one closing line
# "N passed, N failed" counting the individual tests of every engine.
# A suite reports its counts on stdout as cmocka does ("[  PASSED  ] N
# test(s)." / "[  FAILED  ] N test(s)") or, for shell tests, with lines
# "ok NAME" / "not ok NAME" (TAP-like).
#
# The argument --engine=pg runs the suites after it on PostgreSQL
# (IMT_TEST_ENGINE=pg, inside tests/tools/with-pg.sh, which starts the
# cluster); their names and logs carry "@pg".  When that cluster could
# not be started (IMT_PG_UNAVAILABLE says why), that counts as a failure:
# a run never passes without the engine it was asked to test.
passed=0; failed=0; broken=""
engine=sqlite; skip=""
log_dir=${BUILD:-build}/test-logs
mkdir -p "$log_dir"
for t in "$@"; do
    case "$t" in
    --engine=*)
        engine=${t#--engine=}; skip=""
        if [ "$engine" = pg ] && [ -n "${IMT_PG_UNAVAILABLE:-}" ]; then
            echo "FAIL PostgreSQL suites not run: $IMT_PG_UNAVAILABLE"
            failed=$((failed + 1)); skip=1
        fi
        continue ;;
    esac
    [ -n "$skip" ] && continue
    name=$(basename "$t")
    [ "$engine" = sqlite ] || name="$name@$engine"
    log="$log_dir/$name.log"
    case "$t" in
        *.sh) IMT_TEST_ENGINE=$engine sh "$t" >"$log" 2>&1; rc=$? ;;
        *)    IMT_TEST_ENGINE=$engine "$t" >"$log" 2>&1; rc=$? ;;
    esac
    p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
    f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
    case "$t" in *.sh)
        p=$(grep -c '^ok ' "$log"); f=$(grep -c '^not ok ' "$log") ;;
    esac
    p=${p:-0}; f=${f:-0}
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi   # crashed or failed setup
    passed=$((passed + p)); failed=$((failed + f))
    if [ "$f" -ne 0 ]; then
        echo "FAIL $name ($p passed, $f failed, exit $rc)"
        broken="$broken $log"
    else
        echo "ok   $name ($p passed)"
    fi
done
for log in $broken; do
    echo "---- $log (last 60 lines) ----"
    tail -n 60 "$log"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
