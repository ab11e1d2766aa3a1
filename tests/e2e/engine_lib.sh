# engine_lib.sh - the storage engine an end-to-end suite runs on, and new
# databases for it.  Sourced by cli_lib.sh and tui_lib.sh (POSIX sh).
#
#   IMT_TEST_ENGINE          sqlite (the default) or pg; run-tests.sh sets it
#                            for the suites after --engine=pg, inside the
#                            throwaway cluster of tests/tools/with-pg.sh
#                            (PGHOST, PGPORT, PGUSER point at its socket)
#   eng_is_pg                true on PostgreSQL
#   eng_name                 "SQLite" or "PostgreSQL", as check and the
#                            status line name the engine
#   eng_user                 the user the audit records (the role on pg)
#   eng_db DIR NAME          the locator of a new, empty database NAME: a
#                            file DIR/NAME.db, or a database made with
#                            createdb and named by a postgresql:// URI (the
#                            same NAME again gives the same database)
#   eng_cleanup DIR          drop the databases eng_db made for DIR
#   eng_sql LOCATOR SQL      psql as the cluster's superuser on a pg
#                            database: the rows, unaligned, no header
#   eng_q LOCATOR SQL        SQL over the store's tables on either engine
IMT_TEST_ENGINE=${IMT_TEST_ENGINE:-sqlite}

eng_is_pg() { [ "$IMT_TEST_ENGINE" = pg ]; }
eng_name() { if eng_is_pg; then echo PostgreSQL; else echo SQLite; fi; }
# The user the audit records: the database role on PostgreSQL, the login
# name on SQLite.
eng_user() { if eng_is_pg; then echo "$PGUSER"; else id -un; fi; }

eng_db() {
    if eng_is_pg; then
        _en=$(printf 'imt_%s_%s' "$$" "$2" | tr -c 'A-Za-z0-9_' '_' | tr 'A-Z' 'a-z' |
            cut -c1-60)
        if ! grep -qx "$_en" "$1/.pg_dbs" 2>/dev/null; then
            createdb "$_en" >/dev/null 2>"$1/.createdb.err" ||
                echo "# createdb $_en failed: $(cat "$1/.createdb.err")" >&2
            echo "$_en" >>"$1/.pg_dbs"
        fi
        # the user too: the interface's tests run with a clean environment
        echo "postgresql://$PGUSER@/$_en?host=$PGHOST&port=$PGPORT"
    else
        echo "$1/$2.db"
    fi
}

eng_cleanup() {
    [ -f "$1/.pg_dbs" ] || return 0
    while read -r _en; do
        dropdb --force --if-exists "$_en" >/dev/null 2>&1
    done <"$1/.pg_dbs"
    rm -f "$1/.pg_dbs"
}

eng_sql() {
    _el=$1; shift
    psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$_el" -c "$*"
}

# The database name in a locator eng_db made.
eng_dbname() { printf '%s\n' "$1" | sed -n 's|^postgresql://[^/]*/\([^?]*\).*|\1|p'; }

# Whether there is a database at the locator: the file, or the
# imtreview schema in the PostgreSQL database.
eng_exists() {
    if eng_is_pg; then
        [ "$(eng_sql "$1" "SELECT to_regclass('imtreview.meta') IS NOT NULL" 2>/dev/null)" = t ]
    else
        [ -e "$1" ]
    fi
}

# The stored values of column COL of every case, by case_id (to compare
# two databases of the same engine).
eng_col() {
    if eng_is_pg; then
        eng_sql "$1" "SELECT quote_nullable($2) FROM imtreview.cases ORDER BY case_id"
    else
        sqlite3 "$1" "SELECT quote($2) FROM cases ORDER BY case_id"
    fi
}

# Everything the database holds, as text (to see that it did not change).
eng_dump() {
    if eng_is_pg; then
        # (without the random \restrict key pg_dump writes each time)
        pg_dump --schema=imtreview --no-owner -d "$(eng_dbname "$1")" |
            grep -v -e '^.restrict ' -e '^.unrestrict '
    else
        sqlite3 "$1" .dump
    fi
}

# A new, empty database NAME in place of the one eng_db gave before
# (files removed, or the PostgreSQL database dropped and made again).
eng_fresh() {
    if eng_is_pg; then
        _el=$(eng_db "$1" "$2")
        dropdb --force --if-exists "$(eng_dbname "$_el")" >/dev/null 2>&1
        createdb "$(eng_dbname "$_el")" >/dev/null 2>&1
        echo "$_el"
    else
        rm -f "$1/$2.db" "$1/$2.db-wal" "$1/$2.db-shm" "$1/$2.db-journal"
        echo "$1/$2.db"
    fi
}

# Hold the database's write lock for SECONDS as another writer would (in
# the background; wait for the pid it prints... the caller takes $!).
eng_hold_write_lock() {
    if eng_is_pg; then
        ( printf 'BEGIN;\nSELECT 1 FROM imtreview.audit_head FOR UPDATE;\n'; sleep "$2"
          printf 'COMMIT;\n' ) | psql -X -q -d "$(eng_dbname "$1")" >/dev/null 2>&1
    else
        ( printf 'BEGIN IMMEDIATE;\nSELECT 1;\n'; sleep "$2"; printf 'COMMIT;\n' ) |
            sqlite3 "$1" >/dev/null 2>&1
    fi
}

# SQL over the store's own tables, named without their schema, on either
# engine: the rows, unaligned, no header, columns separated by '|'.
eng_q() {
    if eng_is_pg; then
        psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$1" -c "SET search_path = imtreview" -c "$2"
    else
        sqlite3 "$1" "$2"
    fi
}
