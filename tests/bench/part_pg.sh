#!/bin/sh
# part_pg.sh - the PostgreSQL engine's benchmarks for `make bench` (run.sh
# runs every tests/bench/part_*.sh and puts the Markdown table rows they
# print on stdout into its report; notes go to stderr).
#
#   import of 100,000 and 1,000,000 generated cases into a new database,
#   next to psql's "\copy ... csv header" of the same file into a plain
#   table of text columns (the floor: no validation, no audit, no index);
#   a filter change (the filtered cases in list order) next to the same
#   query in psql.
#
# A throwaway cluster is started for it (tests/tools/pgcluster.sh) unless
# PGHOST already points at one.  Env: IMTREVIEW, GEN_CASES (set by the
# Makefile); PG_BENCH_SIZES (default "100000 1000000"); BENCH_TMP.
: "${IMTREVIEW:?set IMTREVIEW to the binary}"
: "${GEN_CASES:?set GEN_CASES to the generator binary}"
here=$(cd "$(dirname "$0")/../.." && pwd)
SIZES=${PG_BENCH_SIZES:-100000 1000000}
dir=$(mktemp -d "${BENCH_TMP:-${TMPDIR:-/tmp}}/imtpgbench.XXXXXX") || exit 1
own_cluster=
cleanup() {
    [ -n "$own_cluster" ] && sh "$here/tests/tools/pgcluster.sh" stop "$dir/pg" >/dev/null 2>&1
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
note() { echo "part_pg: $*" >&2; }

if [ -z "${PGHOST:-}" ]; then
    mkdir -p "$dir/pg"
    env=$(sh "$here/tests/tools/pgcluster.sh" start "$dir/pg") || { note "no PostgreSQL cluster"; exit 1; }
    own_cluster=1
    for kv in $env; do export "$kv"; done
fi
export PGDATABASE=${PGDATABASE:-postgres}

# secs CMD...: wall seconds of CMD (its output to $dir/out); fails with it
secs() {
    t0=$(date +%s.%N)
    "$@" >"$dir/out" 2>"$dir/err"
    rc=$?
    t1=$(date +%s.%N)
    [ $rc -eq 0 ] || { note "failed: $*: $(head -c 300 "$dir/err")"; return $rc; }
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }'
}
# row WORK OURS PEER TARGET-RATIO: one Markdown row (ratio = ours / peer)
row() {
    awk -v w="$1" -v a="$2" -v b="$3" -v t="$4" 'BEGIN {
        r = (b > 0) ? a / b : 0
        printf "| %s | %.2f s | %.2f s | %.2fx | <= %sx | %s |\n", w, a, b, r, t,
               (r <= t) ? "met" : "MISSED" }'
}

note "cluster at $PGHOST:$PGPORT; sizes: $SIZES"
for n in $SIZES; do
    csv="$dir/cases_$n.csv"
    "$GEN_CASES" "$n" 1 >"$csv" || exit 1
    db="imtbench_$n"; peer="imtpeer_$n"
    dropdb --if-exists "$db" >/dev/null 2>&1; createdb "$db" || exit 1
    dropdb --if-exists "$peer" >/dev/null 2>&1; createdb "$peer" || exit 1
    uri="postgresql://$PGUSER@/$db?host=$PGHOST&port=$PGPORT"
    ours=$(secs "$IMTREVIEW" --db "$uri" import "$csv") || exit 1
    cols=$(head -n 1 "$csv" | sed 's/,/ text, /g; s/$/ text/')
    psql -X -q -d "$peer" -c "CREATE TABLE t ($cols)" || exit 1
    theirs=$(secs psql -X -q -d "$peer" -c "\\copy t from '$csv' csv header") || exit 1
    row "PostgreSQL import, $n cases (vs psql \\copy csv header)" "$ours" "$theirs" 20

    # A filter change: the cases of two outcomes at one site, in list
    # order, as list prints them; the same query through psql.
    ours=$(secs sh -c '"$1" --db "$2" list --site lung --outcome DOD,AWD >"$3"' sh \
        "$IMTREVIEW" "$uri" "$dir/ours.txt") || exit 1
    q="SELECT case_id, age_years, sex, site, site_detail, size_cm, surgery, outcome, followup_months, review_status, alk_status FROM imtreview.cases WHERE site = 'lung' AND outcome IN ('DOD', 'AWD') ORDER BY case_id"
    theirs=$(secs sh -c 'psql -X -q -A -t -F "	" -d "$1" -c "$2" >"$3"' sh "$db" "$q" \
        "$dir/theirs.txt") || exit 1
    got=$(($(wc -l <"$dir/ours.txt") - 1)); want=$(wc -l <"$dir/theirs.txt")
    [ "$got" -eq "$want" ] || note "filter change: imtreview listed $got cases, psql $want"
    row "PostgreSQL filter change, $n cases ($want listed; vs the query in psql)" "$ours" "$theirs" 3
    dropdb --force "$db" >/dev/null 2>&1; dropdb --force "$peer" >/dev/null 2>&1
    rm -f "$csv"
done
