#!/bin/sh
# Faults (issue 13, item 4): a full file system during import, export,
# backup and the interface's settings and place.  Each gives exit 1 (or,
# in the interface, a message) naming the cause, and leaves nothing half
# written: a refused first import leaves no database file, a refused
# import into a database leaves its content (the .dump) as it was and
# `check` passing, an export or a backup leaves no file, the settings
# file keeps its old content.
#
# The full disk is a small tmpfs where this process may mount one (root
# on the CI machine); otherwise the file-size limit (ulimit -f, with
# SIGXFSZ ignored so that a write fails with EFBIG, as on a full disk)
# stands in for it, and the interface part is skipped with a note.
# SQLite-only: the database is a file on the full file system, and its
# content is compared with the sqlite3 shell.
# engines: sqlite (the database file on a full file system, compared with sqlite3)
. "$(dirname "$0")/tui_lib.sh"
tl_init
GEN=${GEN_CASES:-build/gen_cases}
D=$TL_DIR/full
mkdir -p "$D"
MOUNTED=0
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=1m,mode=0755 imt-test-full "$D" 2>/dev/null; then
    MOUNTED=1
    trap 'umount "$D" 2>/dev/null; tl_cleanup' EXIT
else
    echo "# no tmpfs could be mounted here: ulimit -f stands in for a full disk"
fi
# fill the tmpfs to the last block (a no-op without one)
fill() { [ $MOUNTED = 1 ] && dd if=/dev/zero of="$D/fill" bs=4k >/dev/null 2>&1; :; }
unfill() { rm -f "$D/fill"; }
# run the program with a full disk: on the tmpfs as it is, or with ulimit
imt_full() {
    if [ $MOUNTED = 1 ]; then
        "$IMTREVIEW" "$@"
    else
        ( ulimit -f 256; trap '' XFSZ; exec "$IMTREVIEW" "$@" )
    fi
}
dump() { sqlite3 "$1" .dump | sha256sum | cut -d' ' -f1; }

"$GEN" 6000 7 >"$TL_DIR/big.csv" || { tl_notok generate; exit 1; }
"$GEN" 200 3 >"$TL_DIR/small.csv"

# ---- a first import that does not fit: no database is left behind
imt_full --db "$D/new.db" import "$TL_DIR/big.csv" >"$TL_DIR/out" 2>"$TL_DIR/err"
rc=$?
[ $rc -eq 1 ] && tl_ok first_import_exit1 || tl_notok first_import_exit1 "rc=$rc"
grep -q 'nothing was imported' "$TL_DIR/err" && tl_ok first_import_says_nothing ||
    tl_notok first_import_says_nothing "$(tail -n 1 "$TL_DIR/err")"
grep -qi 'full\|too large\|space' "$TL_DIR/err" && tl_ok first_import_names_cause ||
    tl_notok first_import_names_cause "$(head -n 1 "$TL_DIR/err")"
[ ! -e "$D/new.db" ] && [ ! -e "$D/new.db-wal" ] && tl_ok first_import_no_file ||
    tl_notok first_import_no_file "$(ls "$D")"

# ---- an import into a database on a disk that fills up: unchanged
rm -f "$D"/new.db*
"$IMTREVIEW" --db "$D/db.db" import "$TL_DIR/small.csv" >/dev/null 2>&1 ||
    { tl_notok small_import "$(ls -la "$D")"; exit 1; }
before=$(dump "$D/db.db")
fill
imt_full --db "$D/db.db" import "$TL_DIR/big.csv" >"$TL_DIR/out" 2>"$TL_DIR/err"
rc=$?
[ $rc -eq 1 ] && tl_ok import_full_exit1 || tl_notok import_full_exit1 "rc=$rc"
grep -q 'nothing.*imported' "$TL_DIR/err" && grep -q 'full' "$TL_DIR/err" && tl_ok import_full_says_nothing ||
    tl_notok import_full_says_nothing "$(tail -n 1 "$TL_DIR/err")"
# check still reads it on the full disk (read-only, since SQLite cannot
# set up its -shm there); the content is compared once there is room
# again for the sqlite3 shell to open it
"$IMTREVIEW" --db "$D/db.db" check >"$TL_DIR/chk" 2>&1 && tl_ok import_full_check_passes ||
    tl_notok import_full_check_passes "$(head -n 2 "$TL_DIR/chk")"
unfill
[ "$(dump "$D/db.db")" = "$before" ] && tl_ok import_full_db_unchanged || tl_notok import_full_db_unchanged
fill

# ---- an export to the full disk: exit 1, no file, no temporary file
imt_full --db "$D/db.db" export -o "$D/out.csv" >"$TL_DIR/out" 2>"$TL_DIR/err"
rc=$?
[ $rc -eq 1 ] && tl_ok export_full_exit1 || tl_notok export_full_exit1 "rc=$rc"
[ ! -e "$D/out.csv" ] && [ -z "$(ls -a "$D" | grep '^\.out\.csv')" ] && tl_ok export_full_no_file ||
    tl_notok export_full_no_file "$(ls -a "$D")"
grep -q 'no file was written' "$TL_DIR/err" && tl_ok export_full_says ||
    tl_notok export_full_says "$(cat "$TL_DIR/err")"

# ---- a backup to the full disk: exit 1, no file
imt_full --db "$D/db.db" backup "$D/copy.db" >"$TL_DIR/out" 2>"$TL_DIR/err"
rc=$?
[ $rc -eq 1 ] && tl_ok backup_full_exit1 || tl_notok backup_full_exit1 "rc=$rc"
[ ! -e "$D/copy.db" ] && [ -z "$(ls "$D" | grep 'copy\.db')" ] && tl_ok backup_full_no_file ||
    tl_notok backup_full_no_file "$(ls "$D")"
unfill

# ---- the interface with its settings and state on a full disk: the theme
# change and the place are reported as not saved, the old settings file
# is kept whole, the session goes on and q still exits 0
if [ $MOUNTED = 1 ]; then
    mkdir -p "$D/cfg/imtreview" "$D/state"
    printf 'theme = default\n' >"$D/cfg/imtreview/settings"
    fill
    THEMES=$(cd "$(dirname "$0")/../../themes" && pwd)
    tl_start 100 30 XDG_CONFIG_HOME="$D/cfg" XDG_STATE_HOME="$D/state" \
        IMTREVIEW_THEMES="$THEMES" || { tl_notok tui_start; exit 1; }
    T send-keys -t "$TL_SESSION" 'clear' Enter
    tl_run "\"\$IMTREVIEW\" --db '$D/db.db'; echo \"rc=\$?\""
    tl_wait_re '[0-9]+ of [0-9]+ cases' 10 || { tl_notok tui_opens "$(tl_screen | tail -n 3)"; exit 1; }
    tl_keys T
    tl_wait 'not saved' 5 && tl_ok settings_full_reported || tl_notok settings_full_reported "$(tl_status)"
    [ "$(cat "$D/cfg/imtreview/settings")" = "theme = default" ] && tl_ok settings_file_kept ||
        tl_notok settings_file_kept "$(cat "$D/cfg/imtreview/settings")"
    [ -z "$(ls -a "$D/cfg/imtreview" | grep -v '^settings$\|^\.$\|^\.\.$')" ] && tl_ok settings_no_temp ||
        tl_notok settings_no_temp "$(ls -a "$D/cfg/imtreview")"
    tl_keys j
    tl_wait_detail "$("$IMTREVIEW" --db "$D/db.db" list | sed -n 3p | cut -f1)" 3 &&
        tl_ok session_goes_on || tl_notok session_goes_on "$(tl_detail_id)"
    tl_keys q
    tl_wait_re '^rc=[0-9]+' 10
    [ "$(tl_rc)" = 0 ] && tl_ok quit_exit0 || tl_notok quit_exit0 "rc=$(tl_rc)"
    tl_screen | grep -q 'cannot remember the place' && tl_ok place_full_reported ||
        tl_notok place_full_reported "$(tl_screen | grep -v '^$' | tail -n 3)"
    unfill
else
    echo "# interface on a full disk: skipped (no tmpfs)"
fi
tl_done
