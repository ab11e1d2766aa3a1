# cli_lib.sh - shared helpers for the command-line end-to-end tests.
# Source it from a test (POSIX sh):
#
#   $IMT                 the binary ($IMTREVIEW, else build/imtreview)
#   $tmp                 a private temp dir, removed on exit; no user
#                        settings file ($XDG_CONFIG_HOME inside it)
#   ok NAME / notok NAME            print "ok NAME" / "not ok NAME"
#   check NAME cmd...               ok when cmd succeeds
#   has FILE TEXT / hasnt FILE TEXT fixed-string search
#   run ARGS...                     $IMT ARGS: $tmp/out, $tmp/err, $tmp/rc
#   rc_is N                         the last run's exit status was N
#   cl_done                         exit status: 1 if any check failed
#   cl_db NAME                      the locator of a new, empty database for
#                                   this test: a file in $tmp, or a
#                                   PostgreSQL database when the suite runs
#                                   on that engine (engine_lib.sh)
#   cl_accept_all DB CASE           accept every recommendation of CASE that
#                                   needs a decision; prints how many
IMT=${IMTREVIEW:-build/imtreview}
. "$(dirname "$0")/engine_lib.sh"
tmp=$(mktemp -d) || exit 1
trap 'eng_cleanup "$tmp"; rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
export XDG_CONFIG_HOME="$tmp/config"
fails=0

ok()    { echo "ok $1"; }
notok() { echo "not ok $1"; fails=$((fails + 1)); }
check() { name=$1; shift; if "$@"; then ok "$name"; else notok "$name"; fi; }
has()   { grep -F -q -- "$2" "$1"; }
hasnt() { ! grep -F -q -- "$2" "$1"; }
run()   { "$IMT" "$@" >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"; }
rc_is() { [ "$(cat "$tmp/rc")" = "$1" ]; }
cl_done() { [ "$fails" -eq 0 ]; }
cl_db()   { eng_db "$tmp" "$1"; }
# cl_accept_all DB CASE: accept every recommendation of CASE that needs a
# decision (level not info), as a reviewer must before signing it out;
# prints how many.  The ids come from `recommend --json`.
cl_accept_all() {
    _n=0
    for _id in $("$IMT" --db "$1" recommend "$2" --json |
            grep -o '"id":"[^"]*","kind":"[^"]*","level":"[^"]*"' |
            sed -n 's/^"id":"\([^"]*\)".*"level":"\([^"]*\)"$/\1 \2/p' |
            awk '$2 != "info" { print $1 }'); do
        "$IMT" --db "$1" decide "$2" "$_id" --accept >/dev/null || return 1
        _n=$((_n + 1))
    done
    echo "$_n"
}
