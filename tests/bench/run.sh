#!/bin/sh
# run.sh - `make bench`: speed and peak memory of the main commands on a
# large generated cohort, plus every benchmark program in $BENCH_DIR.
#
#   BENCH_N      number of generated cases (default 1000000)
#   BENCH_SEED   generator seed (default 1)
#   BENCH_TMP    where the CSV and databases go (default: a new directory
#                under ${TMPDIR:-/tmp}; about 1 GB for a million cases)
#   IMTREVIEW, GEN_CASES, BENCH_DIR  set by the Makefile
#
# The import is timed next to the sqlite3 shell's own `.import --csv` of the
# same file into a new database in the same run, the reference for what
# "fast" means on this machine (the ratio is printed).  Peak RSS comes from
# GNU time (`/usr/bin/time -f %M`, package `time`).
: "${IMTREVIEW:?set IMTREVIEW to the binary}"
: "${GEN_CASES:?set GEN_CASES to the generator binary}"
N=${BENCH_N:-1000000}
SEED=${BENCH_SEED:-1}
case "$N" in ''|*[!0-9]*) echo "run.sh: BENCH_N must be a number" >&2; exit 2 ;; esac

if [ -n "${BENCH_TMP:-}" ]; then
    dir=$BENCH_TMP; mkdir -p "$dir" || exit 1; keep=1
else
    dir=$(mktemp -d "${TMPDIR:-/tmp}/imtbench.XXXXXX") || exit 1; keep=0
fi
cleanup() { [ "$keep" = 1 ] || rm -rf "$dir"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

TIME=/usr/bin/time
if ! [ -x "$TIME" ] || ! "$TIME" -f %M true >/dev/null 2>&1; then
    echo "run.sh: GNU time (/usr/bin/time, package 'time') not found: no RSS figures" >&2
    TIME=
fi

rows="$dir/rows"; : >"$rows"
# measure LABEL NOTE-FILE CMD...: run CMD (stdout to $dir/stdout), record
# wall seconds and peak RSS (KB).  Returns CMD's exit status.
measure() {
    label=$1; shift
    if [ -n "$TIME" ]; then
        "$TIME" -f '%e %M' -o "$dir/time" "$@" >"$dir/stdout" 2>"$dir/stderr"
        rc=$?
        # GNU time appends "Command exited with non-zero status" first on failure.
        set -- $(tail -n 1 "$dir/time")
        secs=$1; rss=$2
    else
        t0=$(date +%s.%N)
        "$@" >"$dir/stdout" 2>"$dir/stderr"
        rc=$?
        t1=$(date +%s.%N)
        secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
        rss=
    fi
    if [ $rc -ne 0 ]; then
        echo "run.sh: '$label' failed (exit $rc):" >&2
        head -n 5 "$dir/stderr" >&2
    fi
    printf '%s\t%s\t%s\t%s\n' "$label" "$secs" "${rss:-n/a}" "$rc" >>"$rows"
    return $rc
}
# cases/s for N cases in SECS
rate() { awk -v n="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.0f", n / s; else print "-" }'; }

echo "imtreview benchmarks: $N cases (seed $SEED) in $dir"
uname -srm 2>/dev/null
nproc 2>/dev/null | sed 's/^/cpus: /'
echo

csv="$dir/cases.csv"
measure "generate ($N cases)" sh -c '"$1" "$2" "$3" >"$4"' sh "$GEN_CASES" "$N" "$SEED" "$csv" || exit 1
size=$(wc -c <"$csv" | tr -d ' ')
gen_s=$(tail -n 1 "$rows" | cut -f2)

db="$dir/cases.db"
rm -f "$db" "$db-wal" "$db-shm"
measure "imtreview import" "$IMTREVIEW" --db "$db" import "$csv" || exit 1
import_s=$(tail -n 1 "$rows" | cut -f2)
import_rss=$(tail -n 1 "$rows" | cut -f3)
import_summary=$(cat "$dir/stdout")

ref="$dir/sqlite.db"
rm -f "$ref"
if command -v sqlite3 >/dev/null 2>&1; then
    measure "sqlite3 .import --csv" sqlite3 "$ref" ".import --csv '$csv' t"
    sqlite_s=$(tail -n 1 "$rows" | cut -f2)
else
    sqlite_s=
    echo "run.sh: no sqlite3 shell: no reference import" >&2
fi

measure "list (all) | wc -l" sh -c '"$1" --db "$2" list | wc -l' sh "$IMTREVIEW" "$db"
list_n=$(cat "$dir/stdout" | tr -d ' ')
measure "list --site lung | wc -l" sh -c '"$1" --db "$2" list --site lung | wc -l' sh "$IMTREVIEW" "$db"
lung_n=$(cat "$dir/stdout" | tr -d ' ')
measure "list --json (all) | wc -c" sh -c '"$1" --db "$2" list --json | wc -c' sh "$IMTREVIEW" "$db"
measure "list --alk positive --search lobe" "$IMTREVIEW" --db "$db" list --alk positive --search lobe
measure "show IMT-000001" "$IMTREVIEW" --db "$db" show IMT-000001
measure "export -o FILE" "$IMTREVIEW" --db "$db" export -o "$dir/export.csv"
if "$IMTREVIEW" stats --help >/dev/null 2>&1; then
    measure "stats --by alk_status" "$IMTREVIEW" --db "$db" stats --by alk_status
    measure "stats --json --site lung" "$IMTREVIEW" --db "$db" stats --json --site lung
fi
# The courses (issue 14): the generated events of the same cases, the
# follow-up worklist (an index range on next_due) and a course endpoint.
evcsv="$dir/events.csv"
measure "generate events ($N cases)" sh -c '"$1" "$2" "$3" events >"$4"' sh "$GEN_CASES" "$N" "$SEED" "$evcsv" || exit 1
measure "import --events" "$IMTREVIEW" --db "$db" import --events "$evcsv"
events_summary=$(cat "$dir/stdout")
measure "list --followup overdue | wc -l" sh -c '"$1" --db "$2" list --followup overdue | wc -l' sh "$IMTREVIEW" "$db"
measure "stats --endpoint pfs --by alk_status" "$IMTREVIEW" --db "$db" stats --endpoint pfs --by alk_status
measure "export --events -o FILE" "$IMTREVIEW" --db "$db" export --events -o "$dir/events-export.csv"
measure "check" "$IMTREVIEW" --db "$db" check

# Benchmark programs other parts add (tests/bench/bench_*.c -> $BENCH_DIR).
bench_out="$dir/bench_out"; : >"$bench_out"
if [ -n "${BENCH_DIR:-}" ] && [ -d "$BENCH_DIR" ]; then
    for b in "$BENCH_DIR"/*; do
        [ -f "$b" ] && [ -x "$b" ] || continue
        name=$(basename "$b")
        measure "$name" "$b"
        { echo "---- $name"; cat "$dir/stdout"; } >>"$bench_out"
    done
fi

# ---- report -----------------------------------------------------------------
echo "input: $size bytes of CSV; $import_summary"
echo "events: $events_summary"
echo "list: $((list_n - 1)) cases, $((lung_n - 1)) with --site lung"
echo
printf '%-36s %9s %12s %5s\n' "step" "seconds" "peak RSS MB" "exit"
printf '%-36s %9s %12s %5s\n' "------------------------------------" "---------" "------------" "-----"
while IFS="$(printf '\t')" read -r label secs rss rc; do
    mb=$rss
    [ "$rss" = n/a ] || mb=$(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }')
    printf '%-36s %9s %12s %5s\n' "$label" "$secs" "$mb" "$rc"
done <"$rows"
echo
echo "generator:          $(rate "$N" "$gen_s") cases/s"
echo "imtreview import:   $(rate "$N" "$import_s") cases/s, peak RSS $(awk -v k="$import_rss" 'BEGIN { printf "%.1f MB", k / 1024 }')"
if [ -n "$sqlite_s" ]; then
    echo "sqlite3 .import:    $(rate "$N" "$sqlite_s") cases/s (plain text table, no validation)"
    echo "import / sqlite3:   $(awk -v a="$import_s" -v b="$sqlite_s" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }')"
fi
if [ -s "$bench_out" ]; then
    echo
    cat "$bench_out"
fi
# Bytes the interface writes to the terminal per keystroke (132x43, the
# sample data) and its latency per key on the large database: need tmux.
if command -v tmux >/dev/null 2>&1; then
    echo
    echo "interface bytes per keystroke (tests/bench/tty_bytes.sh):"
    sh "$(dirname "$0")/tty_bytes.sh" || echo "tty_bytes.sh failed"
    # Key-to-screen latency and the interface's peak RSS on the database
    # imported above (the N generated cases, not imported again).
    echo
    echo "interface latency, key to screen (tests/bench/tui_latency.sh):"
    sh "$(dirname "$0")/tui_latency.sh" "$db" || echo "tui_latency.sh failed"
    # The CPU an open interface uses while nobody types (its live view asks
    # the database once a second).
    echo
    echo "interface CPU while idle (tests/bench/tui_idle.sh):"
    sh "$(dirname "$0")/tui_idle.sh" "$db" 30 || echo "tui_idle.sh failed"
fi
awk -F '\t' '$4 != 0 { bad = 1 } END { exit bad }' "$rows"
