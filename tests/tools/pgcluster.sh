#!/bin/sh
# pgcluster.sh - a throwaway PostgreSQL cluster for the tests and benches.
#
#   pgcluster.sh start DIR   initdb in DIR/data, start a server listening on
#                            a Unix socket in DIR only (no TCP), and print
#                            the shell lines that point libpq at it:
#                              PGHOST=DIR PGPORT=N PGUSER=imt PGDATABASE=postgres
#   pgcluster.sh stop DIR    stop it (fast shutdown) and remove DIR/data
#
# PostgreSQL refuses to run as root, so as root the cluster belongs to the
# unprivileged `postgres` user that the Debian package creates (DIR is
# made reachable for it).  The bootstrap superuser is `imt`, with trust
# authentication on the socket: nobody else can reach a socket in a
# private directory, and the cluster lives only as long as the test run.
# fsync is off: a crash of a throwaway cluster loses nothing of value.
set -u
cmd=${1:-}; dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: pgcluster.sh start|stop DIR" >&2; exit 2; }

bindir=
for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V); do
    [ -x "$d/initdb" ] && bindir=$d
done
[ -n "$bindir" ] || { echo "pgcluster.sh: no PostgreSQL server found (Debian package postgresql)" >&2; exit 1; }

as_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

case $cmd in
start)
    mkdir -p "$dir" || exit 1
    dir=$(cd "$dir" && pwd)
    if [ "$(id -u)" = 0 ]; then
        id postgres >/dev/null 2>&1 || { echo "pgcluster.sh: no 'postgres' user to run the server as" >&2; exit 1; }
        # the server must reach DIR: every directory above it searchable
        d=$dir
        while [ "$d" != / ]; do chmod o+x "$d" 2>/dev/null; d=$(dirname "$d"); done
        chown postgres "$dir"
    fi
    as_owner "$bindir/initdb" -D "$dir/data" -U imt -A trust -E UTF8 --locale=C.UTF-8 \
        --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    # A free port number only names the socket file; try a few.
    tries=0
    while :; do
        port=$(( 20000 + $$ % 20000 + tries * 7 ))
        if as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
            -o "-k '$dir' -c listen_addresses='' -p $port -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
            start >/dev/null 2>&1; then
            break
        fi
        tries=$((tries + 1))
        [ "$tries" -lt 5 ] || { tail -n 20 "$dir/server.log" >&2; exit 1; }
    done
    echo "PGHOST=$dir PGPORT=$port PGUSER=imt PGDATABASE=postgres"
    ;;
stop)
    [ -d "$dir/data" ] || exit 0
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null 2>&1
    rm -rf "$dir/data"
    ;;
*)
    echo "usage: pgcluster.sh start|stop DIR" >&2; exit 2 ;;
esac
