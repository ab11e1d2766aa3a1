#!/bin/sh
# A database file with corrupted pages (issue 13, item 4): `check` says
# so; every command and the interface open it read-only with a clear
# warning (the interface: "[DAMAGED: read-only]") rather than writing
# into it; the file is not changed by any of them.
# engines: sqlite (damaged pages of the SQLite file)
. "$(dirname "$0")/tui_lib.sh"
tl_init
SRC=$(cd "$(dirname "$0")/../.." && pwd)
db=$(tl_db d)
"$IMTREVIEW" --db "$db" import "$SRC/sample-data/cases.csv" >/dev/null 2>&1 ||
    { tl_notok fixture_import; exit 1; }
sqlite3 "$db" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
# 800 bytes of 0xDEADBEEF into the middle of two table pages (not the
# schema's pages, which would make the file unreadable rather than
# damaged: the schema is page 1 and, as it grows, a few more, so the pages
# are picked by what they hold)
pages=$(sqlite3 "$db" "SELECT pageno FROM dbstat WHERE name IN ('cases', 'audit') AND pagetype = 'leaf' ORDER BY pageno LIMIT 2 OFFSET 5")
[ "$(echo $pages | wc -w)" = 2 ] || { tl_notok fixture_pages "$pages"; exit 1; }
for pg in $pages; do
    i=0; while [ $i -lt 200 ]; do printf '\336\255\276\357'; i=$((i + 1)); done |
        dd of="$db" bs=1 seek=$((4096 * (pg - 1) + 100)) conv=notrunc 2>/dev/null
done
before=$(cksum <"$db")

"$IMTREVIEW" --db "$db" check >"$TL_DIR/out" 2>"$TL_DIR/err"; rc=$?
[ $rc = 1 ] && grep -q 'SQLite integrity check' "$TL_DIR/out" &&
    tl_ok check_says_damaged || tl_notok check_says_damaged "rc=$rc $(head -c 300 "$TL_DIR/out")"
for cmd in "review IMT-000001 --status signed_out" "review IMT-000300 --status in_review"; do
    "$IMTREVIEW" --db "$db" $cmd >"$TL_DIR/out" 2>"$TL_DIR/err"; rc=$?
    n=$(echo "$cmd" | cut -d' ' -f2)
    [ $rc = 1 ] && grep -q 'is damaged' "$TL_DIR/err" && grep -q 'nothing is written' "$TL_DIR/err" &&
        tl_ok "write_refused_$n" || tl_notok "write_refused_$n" "rc=$rc $(cat "$TL_DIR/err")"
done
printf 'case_id,site\nNEW-1,lung\n' >"$TL_DIR/new.csv"
"$IMTREVIEW" --db "$db" import "$TL_DIR/new.csv" >/dev/null 2>"$TL_DIR/err"; rc=$?
[ $rc = 1 ] && tl_ok import_refused || tl_notok import_refused "rc=$rc $(cat "$TL_DIR/err")"
"$IMTREVIEW" --db "$db" list >/dev/null 2>"$TL_DIR/err"
grep -q 'warning: the database file .* is damaged' "$TL_DIR/err" &&
    tl_ok read_warns || tl_notok read_warns "$(cat "$TL_DIR/err")"

TL_DB=$db
tl_start 100 30 || { tl_notok start; exit 1; }
tl_tui
tl_wait '[DAMAGED: read-only]' 10 && tl_ok tui_banner || tl_notok tui_banner "$(tl_screen | tail -n 4)"
tl_keys R
tl_wait 'damaged database, read-only: cannot set' 3 && tl_ok tui_review_refused ||
    tl_notok tui_review_refused "$(tl_screen | tail -n 3)"
tl_keys Escape; sleep 0.3
tl_keys e
tl_wait 'damaged database, read-only: cannot edit' 3 && tl_ok tui_edit_refused || tl_notok tui_edit_refused "$(tl_screen | tail -n 3)"
tl_quit
[ "$(cksum <"$db")" = "$before" ] && tl_ok file_unchanged || tl_notok file_unchanged

# an intact copy of the same data is not taken for damaged
good=$(tl_db good)
"$IMTREVIEW" --db "$good" import "$SRC/sample-data/cases.csv" >/dev/null 2>&1
"$IMTREVIEW" --db "$good" review IMT-000001 --status in_review >/dev/null 2>"$TL_DIR/err"; rc=$?
[ $rc = 0 ] && ! grep -q damaged "$TL_DIR/err" && tl_ok intact_writes || tl_notok intact_writes "rc=$rc"
tl_done
