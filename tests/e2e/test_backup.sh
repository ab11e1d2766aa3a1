#!/bin/sh
# `imtreview backup FILE` (issue 13, item 5): a consistent copy while
# others keep writing, verified by `check` on the copy; never replaces a
# file; a full disk leaves nothing behind; the copy is the same data
# (export and audit byte for byte).
# engines: sqlite (imtreview backup is SQLite's online backup API; PostgreSQL
# has pg_dump and the server's own backups)
. "$(dirname "$0")/cli_lib.sh"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
db=$(cl_db cases)
run --db "$db" import "$SRC/sample-data/cases.csv"
rc_is 0 || { notok import_fixture; cat "$tmp/err"; exit 1; }
run --db "$db" review IMT-000001 --status in_review --comment 'before the backup'

# ---- a copy of everything, mode 0600, one file
(umask 022; "$IMT" --db "$db" backup "$tmp/b1.db" >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc")
check backup_exit0 rc_is 0
check backup_says_count has "$tmp/out" "backup written to $tmp/b1.db (320 cases)"
check backup_mode_0600 [ "$(stat -c %a "$tmp/b1.db")" = 600 ]
check backup_one_file [ ! -e "$tmp/b1.db-wal" ]
check backup_no_temp [ "$(ls "$tmp" | grep -c 'tmp-')" -eq 0 ]
run --db "$tmp/b1.db" check
check backup_copy_checks rc_is 0
"$IMT" --db "$db" export >"$tmp/e0.csv" && "$IMT" --db "$tmp/b1.db" export >"$tmp/e1.csv"
check backup_same_export cmp -s "$tmp/e0.csv" "$tmp/e1.csv"
"$IMT" --db "$db" audit >"$tmp/a0" && "$IMT" --db "$tmp/b1.db" audit >"$tmp/a1"
check backup_same_audit cmp -s "$tmp/a0" "$tmp/a1"
"$IMT" --db "$db" check --json | sed 's/.*"head_hash": *"\([0-9a-f]*\)".*/\1/' >"$tmp/h0"
"$IMT" --db "$tmp/b1.db" check --json | sed 's/.*"head_hash": *"\([0-9a-f]*\)".*/\1/' >"$tmp/h1"
check backup_same_chain_head cmp -s "$tmp/h0" "$tmp/h1"
# the copy is a working database: a session can write to it
run --db "$tmp/b1.db" review IMT-000002 --status in_review
check backup_copy_writable rc_is 0

# ---- --json
run --db "$db" backup "$tmp/b2.db" --json
check backup_json_exit0 rc_is 0
check backup_json has "$tmp/out" '"cases":320'

# ---- never replaces a file
printf 'precious\n' >"$tmp/keep.db"
run --db "$db" backup "$tmp/keep.db"
check existing_refused rc_is 1
check existing_says has "$tmp/err" "exists; a backup never replaces a file"
check existing_untouched [ "$(cat "$tmp/keep.db")" = precious ]

# ---- no database, usage
run --db "$tmp/none.db" backup "$tmp/b3.db"
check missing_db_exit1 rc_is 1
check missing_db_no_copy [ ! -e "$tmp/b3.db" ]
check missing_db_not_made [ ! -e "$tmp/none.db" ]
run --db "$db" backup
check no_file_usage rc_is 2
run --db "$db" backup a b
check two_files_usage rc_is 2
run --db "$db" backup "$tmp/no/such/dir/b.db"
check missing_dir_exit1 rc_is 1

# ---- a full disk (ulimit -f, 64 KB; SIGXFSZ ignored so write fails
# with EFBIG as on a full file system): exit 1, nothing left behind
(ulimit -f 64; trap '' XFSZ; "$IMT" --db "$db" backup "$tmp/full.db" >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc")
check full_disk_exit1 rc_is 1
check full_disk_says has "$tmp/err" "no backup written"
check full_disk_no_file [ ! -e "$tmp/full.db" ]
check full_disk_no_temp [ "$(ls "$tmp" | grep -c 'tmp-')" -eq 0 ]

# ---- while 4 writers keep changing review states, 6 backups: every one
# passes check, and each holds at least the audit rows of the one before
i=0
while [ $i -lt 4 ]; do
    (
        n=0
        while [ $n -lt 150 ]; do
            case $((n % 3)) in 0) s=in_review ;; 1) s=unreviewed ;; *) s=in_review ;; esac
            "$IMT" --db "$db" review "IMT-00010$i" --status $s --comment "w$i n$n" >/dev/null 2>&1
            n=$((n + 1))
        done
    ) &
    i=$((i + 1))
done
prev=0; k=0; allok=0; grew=0; first=
while [ $k -lt 6 ]; do
    sleep 0.3
    if "$IMT" --db "$db" backup "$tmp/live$k.db" >/dev/null 2>"$tmp/err$k" &&
        "$IMT" --db "$tmp/live$k.db" check >/dev/null 2>&1; then
        rows=$("$IMT" --db "$tmp/live$k.db" audit | wc -l)
        [ "$rows" -ge "$prev" ] || grew=1
        [ -n "$first" ] || first=$rows
        prev=$rows
    else
        allok=1; cat "$tmp/err$k"
    fi
    k=$((k + 1))
done
wait
check live_backups_all_check [ $allok -eq 0 ]
check live_backups_monotonic [ $grew -eq 0 ]
run --db "$db" backup "$tmp/final.db"
"$IMT" --db "$db" audit >"$tmp/a0" && "$IMT" --db "$tmp/final.db" audit >"$tmp/a1"
check after_writers_same_audit cmp -s "$tmp/a0" "$tmp/a1"
# the backups really ran while the writers wrote: the first has fewer rows
check backups_overlapped_writes [ "${first:-0}" -gt 0 -a "$(wc -l <"$tmp/a1")" -gt "${first:-0}" ]

# ---- --readonly may back up (it only reads)
run --readonly --db "$db" backup "$tmp/ro.db"
check readonly_backup_exit0 rc_is 0
cl_done
