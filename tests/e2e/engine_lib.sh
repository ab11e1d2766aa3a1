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
#   eng_db DIR NAME          the locator of a new, empty database NAME: a
#                            file DIR/NAME.db, or a database made with
#                            createdb and named by a postgresql:// URI (the
#                            same NAME again gives the same database)
#   eng_cleanup DIR          drop the databases eng_db made for DIR
#   eng_sql LOCATOR SQL      psql as the cluster's superuser on a pg
#                            database: the rows, unaligned, no header
IMT_TEST_ENGINE=${IMT_TEST_ENGINE:-sqlite}

eng_is_pg() { [ "$IMT_TEST_ENGINE" = pg ]; }
eng_name() { if eng_is_pg; then echo PostgreSQL; else echo SQLite; fi; }

eng_db() {
    if eng_is_pg; then
        _en=$(printf 'imt_%s_%s' "$$" "$2" | tr -c 'A-Za-z0-9_' '_' | tr 'A-Z' 'a-z' |
            cut -c1-60)
        if ! grep -qx "$_en" "$1/.pg_dbs" 2>/dev/null; then
            createdb "$_en" >/dev/null 2>"$1/.createdb.err" ||
                echo "# createdb $_en failed: $(cat "$1/.createdb.err")" >&2
            echo "$_en" >>"$1/.pg_dbs"
        fi
        echo "postgresql:///$_en?host=$PGHOST&port=$PGPORT"
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
