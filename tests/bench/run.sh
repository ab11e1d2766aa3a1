#!/bin/sh
# run.sh - `make bench`: a million cases without waiting (issue 12).
#
# Generates 1,000, 100,000 and 1,000,000 cases (build/gen_cases N SEED),
# measures the work the issue's targets name side by side with a peer in
# the same run, and prints ONE table, also written to $BENCH_OUT
# (tests/bench/results.md): each row the work, imtreview's figure, the
# peer's, the ratio, the target and "met" or "MISSED".  Then how each cost
# grows from the smallest size to the largest (the factor per tenfold: 1.0
# for a constant cost, 10 for a linear one), so a hidden O(n) shows; then
# the callgrind instruction counts and the output of the other benchmark
# programs.
#
# Peers (each in the same run, on the same generated file):
#   sqlite3's `.import --csv` of the CSV into a new database (import);
#   R's compute time for the same Kaplan-Meier and log-rank (km.R; the
#   statistics), when Rscript and the survival package are installed;
#   VisiData loading the CSV (vd -b), a rough peer of a terminal data
#   viewer, when installed;
#   the same work at 1,000 cases (the interface: a key at a million cases
#   against the same key at a thousand).
# The interface is driven through a pseudo-terminal at 132x43 by
# tui_session.py (python3-pyte): time to settle, bytes written, changed
# cells, first statistics numbers, peak RSS from /proc.  It runs
# BENCH_RUNS times per size (default 5) and the median is kept: a key
# takes a few milliseconds, where a shared machine's noise is of the
# same order.
#
# More rows come from tests/bench/part_*.sh (e.g. part_pg.sh for
# PostgreSQL): each is run with sh and the environment below, and every
# line it prints that starts with "| " is a row of the table, in the same
# columns: | work | imtreview | peer | ratio | target | met or MISSED |
#   IMTREVIEW  the binary            BENCH_SIZES  "1000 100000 1000000"
#   BENCH_TMP  a scratch directory   BENCH_CSV_<N> the generated CSV of N cases
#   BENCH_QUICK 1 in quick mode      GEN_CASES / BENCH_SEED as here
#
# Absolute times on a shared machine are noise: every target is a ratio
# to a peer, or to the same work at 1,000 cases, measured in this run.
#
# BENCH_QUICK=1: sizes 1,000 and 3,000 only, one session each, no
# callgrind, output in the scratch directory unless BENCH_OUT is set.
# make check runs it (tests/e2e/test_bench_quick.sh) so that the bench
# itself never rots; it checks that the table is written, nothing about
# speed.
#
#   BENCH_SEED   generator seed (default 1)
#   BENCH_TMP    scratch directory (default: a new one under ${TMPDIR:-/tmp};
#                about 3 GB at a million cases)
#   BENCH_OUT    where the table goes (default tests/bench/results.md;
#                quick mode: BENCH_TMP/results.md)
#   IMTREVIEW, GEN_CASES, BENCH_DIR  set by the Makefile
: "${IMTREVIEW:?set IMTREVIEW to the binary}"
: "${GEN_CASES:?set GEN_CASES to the generator binary}"
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
SEED=${BENCH_SEED:-1}
QUICK=${BENCH_QUICK:-0}
if [ "$QUICK" = 1 ]; then
    SIZES="1000 3000"; RUNS=${BENCH_RUNS:-1}
else
    SIZES="1000 100000 1000000"; RUNS=${BENCH_RUNS:-5}
fi
set -- $SIZES
SMALL=$1
for LARGE in $SIZES; do :; done
CG_IMPORT_N=10000
CG_FILTER_N=100000
[ "$QUICK" = 1 ] && CG_FILTER_N=$LARGE

if [ -n "${BENCH_TMP:-}" ]; then
    dir=$BENCH_TMP; mkdir -p "$dir" || exit 1; keep=1
else
    dir=$(mktemp -d "${TMPDIR:-/tmp}/imtbench.XXXXXX") || exit 1; keep=0
fi
if [ -n "${BENCH_OUT:-}" ]; then OUT=$BENCH_OUT
elif [ "$QUICK" = 1 ]; then OUT=$dir/results.md
else OUT=$SRC/tests/bench/results.md
fi
cleanup() { [ "$keep" = 1 ] || rm -rf "$dir"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

TIME=/usr/bin/time
"$TIME" -f %M true >/dev/null 2>&1 || { echo "run.sh: GNU time (package 'time') is needed" >&2; exit 2; }
PY=
for p in python3 /usr/bin/python3; do
    if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import pyte' 2>/dev/null; then PY=$p; break; fi
done
[ -n "$PY" ] || echo "run.sh: python3-pyte not installed: no interface rows" >&2

V=$dir/values; : >"$V"
put() { printf '%s\t%s\n' "$1" "$2" >>"$V"; }        # key value
get() { awk -F '\t' -v k="$1" '$1 == k { v = $2 } END { print v }' "$V"; }
FAILED=0
# measure KEY CMD...: wall seconds -> KEY, peak RSS (KB) -> KEY.rss
measure() {
    _k=$1; shift
    "$TIME" -f '%e %M' -o "$dir/time" "$@" >"$dir/stdout" 2>"$dir/stderr"
    _rc=$?
    set -- $(tail -n 1 "$dir/time")
    if [ $_rc -ne 0 ]; then
        echo "run.sh: '$_k' failed (exit $_rc):" >&2
        head -n 5 "$dir/stderr" >&2
        FAILED=1
        return $_rc
    fi
    put "$_k" "$1"
    put "$_k.rss" "$2"
}

echo "imtreview benchmarks: sizes $SIZES (seed $SEED) in $dir"
uname -srm 2>/dev/null
echo "cpus: $(nproc 2>/dev/null), load average: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"

for N in $SIZES; do
    csv=$dir/cases.$N.csv
    db=$dir/cases.$N.db
    echo "== $N cases"
    "$GEN_CASES" "$N" "$SEED" >"$csv" || { echo "run.sh: gen_cases failed" >&2; exit 1; }
    eval "BENCH_CSV_$N=\$csv"; export "BENCH_CSV_$N"
    measure "import.$N" "$IMTREVIEW" --db "$db" import "$csv"
    rm -f "$dir/ref.db"
    if command -v sqlite3 >/dev/null 2>&1; then
        measure "sqlite3.$N" sqlite3 "$dir/ref.db" ".import --csv '$csv' t"
    fi
    rm -f "$dir/ref.db"
    measure "stats.$N" "$IMTREVIEW" --db "$db" stats --by alk_status --json
    cp "$dir/stdout" "$dir/stats.$N.json"
    # R: the same observations (OS by ALK status), compute time only
    if command -v Rscript >/dev/null 2>&1 && Rscript -e 'library(survival)' >/dev/null 2>&1 &&
       command -v sqlite3 >/dev/null 2>&1; then
        # OS as `stats` counts it: death of any cause; an unknown outcome alive
        sqlite3 -csv -header "$db" "SELECT followup_months AS time, coalesce(outcome IN ('DOD', \
'DOC'), 0) AS status, alk_status AS \"group\" FROM cases WHERE followup_months IS NOT NULL" \
            >"$dir/km.csv"
        if Rscript "$HERE/km.R" "$dir/km.csv" >"$dir/r.out" 2>"$dir/r.err"; then
            put "r.$N" "$(awk '$1 == "compute_s" { print $2 }' "$dir/r.out")"
            put "r_chisq.$N" "$(awk '$1 == "chisq" { print $2 }' "$dir/r.out")"
        else
            echo "run.sh: km.R failed: $(head -n 2 "$dir/r.err")" >&2
        fi
    fi
    if command -v vd >/dev/null 2>&1; then
        measure "vd.$N" vd -b "$csv" -o "$dir/vd.tsv" || true
        rm -f "$dir/vd.tsv"
    fi
    # the interface: BENCH_RUNS sessions, the median of each figure
    if [ -n "$PY" ]; then
        r=1
        while [ $r -le "$RUNS" ]; do
            mkdir -p "$dir/home"
            rm -rf "$dir/home/state"
            if ! SESSION_HOME=$dir/home "$PY" "$HERE/tui_session.py" "$IMTREVIEW" "$db" 132 43 \
                    >"$dir/tui.$N.$r" 2>"$dir/tui.err"; then
                echo "run.sh: interface session failed: $(head -n 3 "$dir/tui.err")" >&2
                FAILED=1
            fi
            r=$((r + 1))
        done
        cat "$dir"/tui.$N.* | awk -F '\t' -v n="$N" '
            { k = $1; cnt[k]++; s[k, cnt[k]] = $2; b[k, cnt[k]] = $3; c[k, cnt[k]] = $4; f[k, cnt[k]] = $5 }
            function med(arr, k, m,   i, j, t, v) {
                for (i = 1; i <= m; i++) v[i] = arr[k, i] + 0
                for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
                return v[int((m + 1) / 2)]
            }
            END {
                for (k in cnt) {
                    m = cnt[k]
                    printf "tui.%s.%s\t%s\n", k, n, med(s, k, m)
                    if (k != "peak_rss_kb") {
                        printf "tui_bytes.%s.%s\t%s\n", k, n, med(b, k, m)
                        printf "tui_cells.%s.%s\t%s\n", k, n, med(c, k, m)
                        if (f[k, 1] != "") printf "tui_first.%s.%s\t%s\n", k, n, med(f, k, m)
                    }
                }
            }' >>"$V"
        rm -f "$dir"/tui.$N.*
    fi
    # The courses (issue 14), at the largest size after the sessions: the
    # generated events of the same cases, the follow-up worklist (an index
    # range on next_due), a course endpoint, the events export, check.
    if [ "$N" = "$LARGE" ]; then
        evcsv=$dir/events.csv
        if "$GEN_CASES" "$N" "$SEED" events >"$evcsv" 2>/dev/null && [ -s "$evcsv" ]; then
            measure "events_import.$N" "$IMTREVIEW" --db "$db" import --events "$evcsv"
            measure "followup.$N" sh -c '"$1" --db "$2" list --followup overdue >/dev/null' sh \
                "$IMTREVIEW" "$db"
            measure "stats_pfs.$N" "$IMTREVIEW" --db "$db" stats --endpoint pfs --by alk_status
            measure "export_events.$N" "$IMTREVIEW" --db "$db" export --events -o "$dir/ev-export.csv"
            rm -f "$dir/ev-export.csv"
        fi
        rm -f "$evcsv"
        measure "check.$N" "$IMTREVIEW" --db "$db" check
        # the CPU an open interface uses while nobody types (issue 10's live
        # view asks the database once a second), alone and while another
        # process commits a change every second
        if command -v tmux >/dev/null 2>&1; then
            IMTREVIEW=$IMTREVIEW sh "$HERE/tui_idle.sh" "$db" "$([ "$QUICK" = 1 ] && echo 3 || echo 30)" \
                >"$dir/idle.out" 2>"$dir/idle.err" || echo "run.sh: tui_idle.sh failed" >&2
            put "idle.$N" "$(sed -n 's/^  idle, no key pressed *//p' "$dir/idle.out")"
            put "idle_writer.$N" "$(sed -n 's/^  another process committing once a second *//p' "$dir/idle.out")"
        fi
    fi
    [ "$N" = "$CG_FILTER_N" ] && cp "$db" "$dir/filter.db"
    [ "$N" = "$LARGE" ] || rm -f "$db" "$db-wal" "$db-shm"
done

# ---- callgrind: instruction counts (stable across runs, unlike times) ------
if [ "$QUICK" != 1 ] && command -v valgrind >/dev/null 2>&1; then
    echo "== callgrind"
    "$GEN_CASES" "$CG_IMPORT_N" "$SEED" >"$dir/cg.csv"
    rm -f "$dir/cg.db"
    valgrind --tool=callgrind --callgrind-out-file="$dir/cg.import" \
        "$IMTREVIEW" --db "$dir/cg.db" import "$dir/cg.csv" >/dev/null 2>"$dir/cg.err" &&
        put "cg_import" "$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$dir/cg.err" | tail -n 1)"
    if [ -x "${BENCH_DIR:-}/bench_filter" ] && [ -f "$dir/filter.db" ]; then
        valgrind --tool=callgrind --callgrind-out-file="$dir/cg.filter" \
            --toggle-collect=filter_change "$BENCH_DIR/bench_filter" "$dir/filter.db" \
            >/dev/null 2>"$dir/cg.err" &&
            put "cg_filter" "$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$dir/cg.err" | tail -n 1)"
    fi
fi

# ---- parts other engines add (part_*.sh) -------------------------------------
parts=$dir/parts.md; : >"$parts"
for p in "$HERE"/part_*.sh; do
    [ -f "$p" ] || continue
    echo "== $(basename "$p")"
    BENCH_SIZES=$SIZES BENCH_TMP=$dir BENCH_QUICK=$QUICK BENCH_SEED=$SEED \
        IMTREVIEW=$IMTREVIEW GEN_CASES=$GEN_CASES sh "$p" >"$dir/part.out" 2>"$dir/part.err" ||
        echo "run.sh: $(basename "$p") failed: $(head -n 3 "$dir/part.err")" >&2
    grep '^| ' "$dir/part.out" >>"$parts"
done

# ---- other benchmark programs (tests/bench/bench_*.c) ----------------------
progs=$dir/progs.txt; : >"$progs"
if [ -n "${BENCH_DIR:-}" ] && [ -d "$BENCH_DIR" ]; then
    for b in "$BENCH_DIR"/*; do
        [ -f "$b" ] && [ -x "$b" ] || continue
        name=$(basename "$b")
        [ "$name" = bench_filter ] && continue         # callgrind above
        echo "== $name"
        pn=$([ "$QUICK" = 1 ] && echo 2000 || echo 100000)
        if BENCH_N=$pn "$b" "$pn" >"$dir/prog.out" 2>&1; then
            { echo "$name:"; sed 's/^/    /' "$dir/prog.out"; } >>"$progs"
        else
            { echo "$name: FAILED"; sed 's/^/    /' "$dir/prog.out"; } >>"$progs"
            FAILED=1
        fi
    done
fi

# ---- the table -----------------------------------------------------------------
L=$LARGE S=$SMALL
fmt_n() { awk -v n="$1" 'BEGIN { s = sprintf("%.0f", n); o = ""; while (length(s) > 3) { o = "," substr(s, length(s) - 2) o; s = substr(s, 1, length(s) - 3) } print s o }'; }
# row WORK OURS PEER RATIO TARGET RESULT
row() { printf '| %s | %s | %s | %s | %s | %s |\n' "$1" "$2" "$3" "$4" "$5" "$6"; }
# ratio A B  (a / b, 2 decimals, "-" when either is missing)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 <= 0) print "-"; else printf "%.2f", a / b }'; }
# verdict VALUE OP LIMIT  -> met / MISSED / n/a
verdict() {
    awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN {
        if (v == "" || v == "-") { print "n/a"; exit }
        ok = op == "<=" ? v + 0 <= l + 0 : v + 0 < l + 0
        print ok ? "met" : "MISSED" }'
}
sec() { awk -v s="$1" 'BEGIN { if (s == "") print "-"; else printf "%.2f s", s }'; }
ms() { awk -v s="$1" 'BEGIN { if (s == "") print "-"; else printf "%.1f ms", s }'; }
mb() { awk -v k="$1" 'BEGIN { if (k == "") print "-"; else printf "%.1f MB", k / 1024 }'; }
both() {
    if [ "$1" = met ] && [ "$2" = met ]; then echo met
    elif [ "$1" = n/a ] || [ "$2" = n/a ]; then echo n/a
    else echo MISSED; fi
}

nL=$(fmt_n "$L") nS=$(fmt_n "$S")
T=$dir/table.md
{
row "work" "imtreview" "peer" "ratio" "target" "result"
row "---" "---:" "---:" "---:" "---" "---"
a=$(get "import.$L") b=$(get "sqlite3.$L") r=$(ratio "$a" "$b")
row "import $nL cases (time)" "$(sec "$a")" "sqlite3 .import --csv $(sec "$b")" "$r" "<= 1.5x" "$(verdict "$r" "<=" 1.5)"
a=$(get "import.$L.rss")
row "import $nL cases (peak RSS)" "$(mb "$a")" "sqlite3 $(mb "$(get "sqlite3.$L.rss")")" "-" "< 32 MB" "$(verdict "$(awk -v k="$a" 'BEGIN { if (k != "") print k / 1024 }')" "<" 32)"
a=$(get "stats.$L") b=$(get "r.$L") r=$(ratio "$a" "$b")
row "stats --by alk_status --json, $nL cases (time)" "$(sec "$a")" "R survfit+survdiff compute $(sec "$b")" "$r" "<= 0.5x" "$(verdict "$r" "<=" 0.5)"
a=$(get "stats.$L.rss")
row "stats --by alk_status --json, $nL cases (peak RSS)" "$(mb "$a")" "-" "-" "< 32 MB" "$(verdict "$(awk -v k="$a" 'BEGIN { if (k != "") print k / 1024 }')" "<" 32)"
a=$(get "tui_first.stats_open.$L")
row "statistics view, $nL cases: first numbers" "$(ms "$a")" "-" "-" "<= 1 s" "$(verdict "$a" "<=" 1000)"
a=$(get "tui.stats_key.$L")
row "statistics view, $nL cases: a key (g) answered while it computes" "$(ms "$a")" "-" "-" "< 100 ms" "$(verdict "$a" "<" 100)"
a=$(get "tui.stats_esc.$L")
row "statistics view, $nL cases: Esc while it computes, back in the list" "$(ms "$a")" "-" "-" "< 250 ms" "$(verdict "$a" "<" 250)"
a=$(get "tui.stats_open.$L")
row "statistics view, $nL cases: all numbers (settled)" "$(ms "$a")" "-" "-" "-" "-"
a=$(get "tui.search_none.$L") b=$(get "tui.search_none.$S") r=$(ratio "$a" "$b")
row "search that matches nothing" "$(ms "$a") at $nL" "$(ms "$b") at $nS" "$r" "<= 3x" "$(verdict "$r" "<=" 3)"
for k in "filter_site:s (site)" "filter_alk:a (+ ALK)" "filter_outcome:o (+ outcome)" \
         "filter_clear:c (clear)" "sort_next:> (sort by age)" "sort_back:< (sort back)" \
         "search_hit:search hit (lobe)" "cursor_down:j (cursor down)" "page_down:PgDn" \
         "end:G (end)" "home:g (home)"; do
    key=${k%%:*} label=${k#*:}
    a=$(get "tui.$key.$L") b=$(get "tui.$key.$S") r=$(ratio "$a" "$b")
    fa=$(get "tui_first.$key.$L")
    case $key in cursor_down|page_down|end|home) tg="-"; res="-" ;;
                 *) tg="<= 2x"; res=$(verdict "$r" "<=" 2) ;; esac
    row "key $label, time to settle" "$(ms "$a") at $nL (first byte $(ms "$fa"))" "$(ms "$b") at $nS" "$r" "$tg" "$res"
done
a=$(get "tui.startup.$L") b=$(get "tui.startup.$S") r=$(ratio "$a" "$b")
row "start to first frame" "$(ms "$a") at $nL" "$(ms "$b") at $nS" "$r" "<= 2x" "$(verdict "$r" "<=" 2)"
a=$(get "tui.peak_rss_kb.$L") b=$(get "tui.peak_rss_kb.$S") r=$(ratio "$a" "$b")
v1=$(verdict "$r" "<=" 1.25) v2=$(verdict "$(awk -v k="$a" 'BEGIN { if (k != "") print k / 1024 }')" "<" 32)
row "interface peak RSS over a session (pages to the end and back, sorts, filters, searches, statistics)" "$(mb "$a") at $nL" "$(mb "$b") at $nS" "$r" "<= 1.25x, < 32 MB" "$(both "$v1" "$v2")"
for k in "cursor_down:cursor-down" "page_down:page-down" "filter_site:filter change (s)"; do
    key=${k%%:*} label=${k#*:}
    by=$(get "tui_bytes.$key.$L") ce=$(get "tui_cells.$key.$L") r=$(ratio "$by" "$ce")
    row "bytes per changed cell, $label, 132x43" "$r ($by B, $ce cells)" "-" "-" "<= 1.5" "$(verdict "$r" "<=" 1.5)"
done
for k in "events_import:import --events (the generated course of each case)" \
         "followup:list --followup overdue" "stats_pfs:stats --endpoint pfs --by alk_status" \
         "export_events:export --events" "check:check"; do
    key=${k%%:*} label=${k#*:}
    a=$(get "$key.$L")
    [ -n "$a" ] && row "$label, $nL cases" "$(sec "$a"), $(mb "$(get "$key.$L.rss")")" "-" "-" "-" "-"
done
a=$(get "idle.$L")
[ -n "$a" ] && row "interface CPU while idle, $nL cases" "$a" "-" "-" "-" "-"
a=$(get "idle_writer.$L")
[ -n "$a" ] && row "interface CPU while another process commits once a second, $nL cases" "$a" "-" "-" "-" "-"
a=$(get "tui.startup.$L") b=$(get "vd.$L")
b_ms=$(awk -v s="$b" 'BEGIN { if (s != "") print s * 1000 }')
row "open $nL cases in a terminal viewer" "$(ms "$a") (first frame)" "VisiData loads the CSV $(sec "$b")" "$(ratio "$a" "$b_ms")" "-" "-"
cgv() { if [ -n "$1" ]; then echo "$(fmt_n "$1") instructions"; elif [ "$QUICK" = 1 ]; then echo "not in quick mode"; else echo "- (no valgrind)"; fi; }
row "callgrind: import $(fmt_n $CG_IMPORT_N) cases" "$(cgv "$(get cg_import)")" "-" "-" "-" "-"
row "callgrind: one filter change (s) at $(fmt_n $CG_FILTER_N) cases" "$(cgv "$(get cg_filter)")" "-" "-" "-" "-"
cat "$parts"
} >"$T"

G=$dir/growth.md
{
    printf '| cost |'; for N in $SIZES; do printf ' %s |' "$(fmt_n "$N")"; done; printf ' per tenfold |\n'
    printf '| --- |'; for N in $SIZES; do printf ' ---: |'; done; printf ' ---: |\n'
    for k in "import:imtreview import (s)" "import.rss:imtreview import peak RSS (KB)" \
             "sqlite3:sqlite3 .import (s)" "stats:stats --by alk_status (s)" \
             "stats.rss:stats peak RSS (KB)" "r:R compute (s)" "vd:VisiData load (s)" \
             "tui.startup:interface start (ms)" "tui.cursor_down:j (ms)" "tui.page_down:PgDn (ms)" \
             "tui.filter_site:s (ms)" "tui.filter_alk:a (ms)" "tui.sort_next:> (ms)" \
             "tui.search_hit:search hit (ms)" "tui.search_none:search, no match (ms)" \
             "tui_first.stats_open:statistics, first numbers (ms)" \
             "tui.stats_open:statistics, all numbers (ms)" "tui.peak_rss_kb:interface peak RSS (KB)"; do
        key=${k%%:*} label=${k#*:}
        line="| $label |"; first= last=
        for N in $SIZES; do
            case $key in
                *.rss) v=$(get "${key%.rss}.$N.rss") ;;
                *) v=$(get "$key.$N") ;;
            esac
            line="$line ${v:--} |"
            [ -z "$first" ] && first=$v
            last=$v
        done
        f=$(awk -v a="$first" -v b="$last" -v s="$S" -v l="$L" 'BEGIN {
            if (a == "" || b == "" || a + 0 <= 0) { print "-"; exit }
            printf "%.2f", exp(log(b / a) / (log(l / s) / log(10))) }')
        echo "$line $f |"
    done
} >"$G"

R_NOTE=
rc_ours=$(grep -o '"chisq": [0-9.eE+-]*' "$dir/stats.$L.json" 2>/dev/null | head -n 1 | sed 's/.*: //')
rc_r=$(get "r_chisq.$L")
if [ -n "$rc_ours" ] && [ -n "$rc_r" ]; then
    R_NOTE=$(awk -v a="$rc_ours" -v b="$rc_r" 'BEGIN { d = a - b; if (d < 0) d = -d
        printf "log-rank chi-square at the largest size: imtreview %s, R %s (relative difference %.1e)", a, b, d / (b > 0 ? b : 1) }')
fi

{
    echo "# make bench: results"
    echo
    echo "Generated cases (gen_cases, seed $SEED) at $(echo "$SIZES" | sed 's/ /, /g'); $(uname -srm 2>/dev/null);"
    echo "$(nproc 2>/dev/null) cpus; load average at the end $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null);"
    echo "interface: $RUNS session(s) per size through a pty at 132x43, medians."
    [ "$QUICK" = 1 ] && echo "QUICK MODE: small sizes only; the figures say nothing about the targets."
    echo
    cat "$T"
    echo
    echo "How each cost grows (the factor per tenfold of cases: 1 constant, 10 linear):"
    echo
    cat "$G"
    if [ -n "$R_NOTE" ]; then echo; echo "$R_NOTE"; fi
    if [ -s "$progs" ]; then
        echo
        echo "Other benchmark programs (tests/bench/bench_*.c):"
        echo
        echo '```'
        cat "$progs"
        echo '```'
    fi
} >"$OUT.tmp" && mv "$OUT.tmp" "$OUT"

echo
cat "$OUT"
echo
echo "written to $OUT"
exit $FAILED
