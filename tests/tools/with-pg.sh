#!/bin/sh
# with-pg.sh CMD [ARGS...] - run CMD next to a throwaway PostgreSQL cluster
# (pgcluster.sh: initdb in a temporary directory, Unix socket only, as the
# unprivileged `postgres` user when run as root), with PGHOST, PGPORT and
# PGUSER pointing at it.  The cluster is stopped and its directory removed
# when CMD ends, fails or is interrupted.  When it cannot be started, CMD
# still runs, with IMT_PG_UNAVAILABLE saying why (run-tests.sh counts that
# as a failure).  CMD's exit status is returned.
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d "${TMPDIR:-/tmp}/imt-pg.XXXXXX") || exit 1
stop() {
    sh "$here/pgcluster.sh" stop "$dir" >/dev/null 2>&1
    rm -rf "$dir"
}
trap 'stop' EXIT
trap 'exit 130' INT TERM HUP
if env=$(sh "$here/pgcluster.sh" start "$dir" 2>"$dir/start.err"); then
    for kv in $env; do
        export "$kv"
    done
    unset PGDATABASE PGSERVICE PGSERVICEFILE PGPASSWORD PGPASSFILE PGOPTIONS
    export PGDATABASE=postgres
else
    IMT_PG_UNAVAILABLE="the throwaway PostgreSQL cluster could not start: $(tr '\n' ' ' <"$dir/start.err" | cut -c1-300)"
    export IMT_PG_UNAVAILABLE
fi
"$@"
