#!/bin/sh
# End-to-end: a department's shared database (imtreview-files(5), "The SQLite file"):
# group imt, mode 0660, in a directory without the setgid bit.  While one
# member has it open, SQLite's -wal and -shm files exist; they must carry
# the database file's group and mode, or every other member is locked out
# (not even --readonly opens).  Members are played by made-up user and
# group ids through setpriv, so this needs root; skipped otherwise.
# engines: sqlite (the file's group and mode and SQLite's -wal/-shm side files)
. "$(dirname "$0")/cli_lib.sh"
GEN=${GEN_CASES:-build/gen_cases}
IMT=$(cd "$(dirname "$IMT")" && pwd)/$(basename "$IMT")

if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null 2>&1; then
    echo "# skipped: needs root and setpriv"
    exit 0
fi

G=47113                     # the department's group
as_member() {               # as_member UID CMD...: own group = UID, plus G
    _u=$1; shift
    setpriv --reuid="$_u" --regid="$_u" --groups="$_u,$G" -- sh -c 'umask 077; exec "$@"' sh "$@"
}

chmod 755 "$tmp"
mkdir "$tmp/dept"
chmod 777 "$tmp/dept"       # writable for all, no setgid bit
db=$tmp/dept/cases.db
# Enough cases that `list` fills a pipe and so holds the database open.
"$GEN" 3000 5 >"$tmp/cases.csv" || { notok generate; exit 1; }
"$IMT" --db "$db" import "$tmp/cases.csv" >/dev/null 2>&1 || { notok import; exit 1; }
chgrp "$G" "$db"
chmod 660 "$db"

group_of() { stat -c %g "$1"; }
mode_of() { stat -c %a "$1"; }

for how in write readonly; do
    ro=
    [ "$how" = readonly ] && ro=--readonly
    # Member 47001 holds the file open: list into a pipe nobody reads yet.
    ( as_member 47001 "$IMT" --db "$db" $ro list | { sleep 3; cat >/dev/null; } ) &
    holder=$!
    i=0
    while [ ! -e "$db-shm" ] && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    check "${how}_shm_group" test "$(group_of "$db-shm")" = "$G"
    check "${how}_shm_mode" test "$(mode_of "$db-shm")" = 660
    check "${how}_wal_group" test "$(group_of "$db-wal")" = "$G"
    check "${how}_wal_mode" test "$(mode_of "$db-wal")" = 660
    # Member 47002 can write and read meanwhile.
    as_member 47002 "$IMT" --db "$db" review IMT-000002 --status in_review \
        >"$tmp/out" 2>"$tmp/err"
    check "${how}_other_member_writes" test $? = 0
    as_member 47002 "$IMT" --db "$db" --readonly show IMT-000002 >"$tmp/out" 2>"$tmp/err"
    check "${how}_other_member_reads" test $? = 0
    wait "$holder"
done
check db_group_kept test "$(group_of "$db")" = "$G"
check db_mode_kept test "$(mode_of "$db")" = 660
"$IMT" --db "$db" check >"$tmp/out" 2>&1
check check_clean test "$(cat "$tmp/out")" = "ok: 3000 cases, integrity ok (SQLite)"
cl_done
