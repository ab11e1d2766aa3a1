#!/bin/sh
# Interface e2e: the x key exports the filtered cases through the one CSV
# writer, so the file is byte for byte what `imtreview export` writes for
# the same filter (same columns, quoting, LF line ends, long notes whole);
# an existing file is replaced only after a yes, keeps its mode, and no
# temporary file is left behind.
. "$(dirname "$0")/tui_lib.sh"
tl_init
tl_make_db || { tl_notok fixture_import; exit 1; }
# one case whose note is longer (in bytes) than any fixed buffer: 3000
# four-byte characters (12 kB, under the 4000-character limit), with
# quotes and commas
{
    echo "case_id,site,alk_ihc,notes"
    printf 'LONG-1,lung,positive,"say ""x"", y; '
    i=0
    while [ $i -lt 300 ]; do printf '\360\235\204\236%.0s' 1 2 3 4 5 6 7 8 9 10; i=$((i + 1)); done
    printf ' END"\n'
} >"$TL_DIR/long.csv"
"$IMTREVIEW" --db "$TL_DB" import "$TL_DIR/long.csv" >/dev/null 2>&1 ||
    tl_notok long_note_import

out=$TL_DIR/out
mkdir -p "$out"
tl_start 80 24 || { tl_notok start; exit 1; }
tl_run "cd '$out'"
tl_tui
tl_wait_re '[0-9]+ of [0-9]+ cases' 10 || { tl_notok starts "$(tl_screen | head -n 3)"; exit 1; }

export_to() {   # file name typed into the prompt; $2: down presses in "Export as"
    tl_keys x
    tl_wait 'Export as' 3 || return 1
    i=0
    while [ "$i" -lt "${2:-0}" ]; do tl_keys Down; i=$((i + 1)); done
    tl_keys Enter
    tl_wait 'Export the filtered' 3 || return 1
    tl_keys C-u
    T send-keys -t "$TL_SESSION" -l "$1"
    tl_keys Enter
}

tl_keys a          # alk=positive
tl_wait 'alk=positive' 3
want=$(tl_cli_count --alk positive)
export_to pos.csv
tl_wait "exported $want cases to pos.csv" 5 && tl_ok "export_message_$want" ||
    tl_notok export_message "$(tl_status)"
"$IMTREVIEW" --db "$TL_DB" export --alk positive >"$TL_DIR/cli.csv"
if cmp -s "$out/pos.csv" "$TL_DIR/cli.csv"; then tl_ok export_equals_cli_export
else tl_notok export_equals_cli_export "$(cmp "$out/pos.csv" "$TL_DIR/cli.csv" 2>&1 | head -n 1)"; fi
grep -q 'LONG-1' "$out/pos.csv" && grep -q ' END",' "$out/pos.csv" &&
    tl_ok long_note_whole || tl_notok long_note_whole
if LC_ALL=C grep -q "$(printf '\r')" "$out/pos.csv"; then tl_notok lf_line_ends
else tl_ok lf_line_ends; fi
perm=$(stat -c %a "$out/pos.csv")
[ "$perm" = 600 ] && tl_ok new_file_mode_600 || tl_notok new_file_mode_600 "mode $perm"

# replacing: asked first; n keeps the file, y replaces it (mode kept)
chmod 640 "$out/pos.csv"
tl_keys c
tl_wait_count 62 3
cp "$out/pos.csv" "$TL_DIR/before.csv"
export_to pos.csv
tl_wait 'Replace it?' 3 && tl_ok asks_before_replacing || tl_notok asks_before_replacing
tl_keys n
sleep 0.3
cmp -s "$out/pos.csv" "$TL_DIR/before.csv" && tl_ok no_keeps_file || tl_notok no_keeps_file
export_to pos.csv
tl_wait 'Replace it?' 3
tl_keys y
tl_wait 'exported 62 cases to pos.csv' 5 && tl_ok replaced_all_62 ||
    tl_notok replaced_all_62 "$(tl_status)"
"$IMTREVIEW" --db "$TL_DB" export >"$TL_DIR/cli-all.csv"
cmp -s "$out/pos.csv" "$TL_DIR/cli-all.csv" && tl_ok replaced_equals_cli ||
    tl_notok replaced_equals_cli
perm=$(stat -c %a "$out/pos.csv")
[ "$perm" = 640 ] && tl_ok replaced_keeps_mode || tl_notok replaced_keeps_mode "mode $perm"

# a directory: refused, nothing written
mkdir "$out/adir"
export_to adir
tl_wait 'not a regular file' 3 && tl_ok directory_refused || tl_notok directory_refused "$(tl_status)"
left=$(find "$out" -name '.*' -type f | wc -l)
[ "$left" -eq 0 ] && tl_ok no_temp_files_left || tl_notok no_temp_files_left "$left left"
# the command line's choices: formula-safe, de-identified (same bytes as
# `export --excel-safe`, `--deidentify`, `--deidentify --keep-free-text`)
export_to xs.csv 1
tl_wait 'exported 62 cases to xs.csv' 5 || tl_notok excel_safe_message "$(tl_status)"
"$IMTREVIEW" --db "$TL_DB" export --excel-safe >"$TL_DIR/cli-xs.csv"
cmp -s "$out/xs.csv" "$TL_DIR/cli-xs.csv" && tl_ok excel_safe_equals_cli ||
    tl_notok excel_safe_equals_cli
export_to deid.csv 2
tl_wait 'exported 62 cases to deid.csv (de-identified)' 5 || tl_notok deid_message "$(tl_status)"
"$IMTREVIEW" --db "$TL_DB" export --deidentify >"$TL_DIR/cli-deid.csv"
cmp -s "$out/deid.csv" "$TL_DIR/cli-deid.csv" && tl_ok deidentified_equals_cli ||
    tl_notok deidentified_equals_cli
export_to deidx.csv 3
tl_wait 'exported 62 cases to deidx.csv' 5
"$IMTREVIEW" --db "$TL_DB" export --deidentify --excel-safe >"$TL_DIR/cli-deidx.csv"
cmp -s "$out/deidx.csv" "$TL_DIR/cli-deidx.csv" && tl_ok deid_excel_equals_cli ||
    tl_notok deid_excel_equals_cli
export_to deidk.csv 4
tl_wait 'exported 62 cases to deidk.csv' 5
"$IMTREVIEW" --db "$TL_DB" export --deidentify --keep-free-text >"$TL_DIR/cli-deidk.csv"
cmp -s "$out/deidk.csv" "$TL_DIR/cli-deidk.csv" && tl_ok deid_keep_text_equals_cli ||
    tl_notok deid_keep_text_equals_cli
# Esc in "Export as" backs out
tl_keys x
tl_wait 'Export as' 3
tl_keys Escape
sleep 0.3
tl_screen | grep -q 'Export as' && tl_notok esc_backs_out || tl_ok esc_backs_out
tl_quit && [ "$(tl_rc)" = 0 ] && tl_ok q_exit_0 || tl_notok q_exit_0
tl_done
