#!/bin/sh
# The benchmark, quickly (BENCH_QUICK=1: 1,000 and 3,000 cases, one
# interface session each, no callgrind), so that `make bench` never rots:
# it must run to the end, exit 0 and write its table with every row of
# the issue's targets, each with six columns and a figure of imtreview's
# own.  Nothing here is about speed: the figures of a quick run on a
# shared machine mean nothing.  SQLite-only (the bench compares with the
# sqlite3 shell and reads the file with it for R).
. "$(dirname "$0")/cli_lib.sh"
HERE=$(cd "$(dirname "$0")/.." && pwd)
: "${GEN_CASES:=$(dirname "$IMT")/gen_cases}"
out=$tmp/results.md
BENCH_QUICK=1 BENCH_TMP=$tmp/bench BENCH_OUT=$out IMTREVIEW=$IMT GEN_CASES=$GEN_CASES \
    BENCH_DIR=${BENCH_DIR:-} sh "$HERE/bench/run.sh" >"$tmp/log" 2>&1
rc=$?
check bench_exit_0 test "$rc" = 0
[ "$rc" = 0 ] || sed -n '1,40p' "$tmp/log"
check table_written test -s "$out"
check table_header has "$out" "| work | imtreview | peer | ratio | target | result |"
for w in "import 3,000 cases (time)" "import 3,000 cases (peak RSS)" \
         "stats --by alk_status --json, 3,000 cases (time)" \
         "stats --by alk_status --json, 3,000 cases (peak RSS)" \
         "search that matches nothing" "start to first frame" \
         "key s (site), time to settle" "key > (sort by age), time to settle" \
         "key search hit (lobe), time to settle" \
         "statistics view, 3,000 cases: first numbers" \
         "statistics view, 3,000 cases: a key (g) answered while it computes" \
         "interface peak RSS over a session" "bytes per changed cell, cursor-down" \
         "bytes per changed cell, page-down" "bytes per changed cell, filter change" \
         "callgrind: import 10,000 cases"; do
    name=$(echo "$w" | tr -c 'A-Za-z0-9\n' '_' | sed 's/__*/_/g')
    check "row_$name" has "$out" "| $w"
done
# every row of the table has six cells; the import row has a figure and
# sqlite3's, and a verdict
check rows_six_cells awk -F '|' '/^\| work / { t = 1 } t && /^$/ { exit } t && /^\| / && NF != 8 { bad = 1 }
    END { exit bad }' "$out"
check import_has_figures grep -Eq '^\| import 3,000 cases \(time\) \| [0-9.]+ s \| sqlite3 \.import --csv [0-9.]+ s \| [0-9.]+ \| <= 1\.5x \| (met|MISSED) \|' "$out"
check growth_table has "$out" "| cost | 1,000 | 3,000 | per tenfold |"
# the interface rows have figures when the terminal emulator is installed
if python3 -c 'import pyte' 2>/dev/null || /usr/bin/python3 -c 'import pyte' 2>/dev/null; then
    check session_figures grep -Eq '^\| start to first frame \| [0-9.]+ ms at 3,000 \| [0-9.]+ ms at 1,000 \|' "$out"
    check cells_figures grep -Eq '^\| bytes per changed cell, cursor-down, 132x43 \| [0-9.]+ \([0-9]+ B, [0-9]+ cells\)' "$out"
fi
# the committed results are not touched by a quick run
check results_md_untouched test ! "$out" -ef "$HERE/bench/results.md"
cl_done
