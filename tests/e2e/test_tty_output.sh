#!/bin/sh
# End-to-end: output to a terminal cannot hurt it.  A note holding
# ESC ]0;pwned BEL (retitle) and ESC [2J (clear), C1 CSI and a bare CR:
# `export`, `list`, `show` and `audit` on a pseudo-terminal
# (tests/tools/ptyrun.py) send none of those bytes, only the interface's
# placeholders; to a pipe or a file the CSV stays byte-faithful.  Also
# export --deidentify (Safe Harbor) end to end.
# engines: sqlite (terminal output of the commands, not the store)
. "$(dirname "$0")/cli_lib.sh"
pty="$(dirname "$0")/../tools/ptyrun.py"
export LC_ALL=C.UTF-8
db="$tmp/c.db"
esc=$(printf '\033'); bel=$(printf '\007')
printf 'case_id,age_years,site,site_detail,diagnosis_date,notes\r\n' >"$tmp/a.csv"
printf 'H-1,95,lung,Springfield clinic,2020-05-06,"\033]0;pwned\007 and \033[2J \302\233 done"\r\n' >>"$tmp/a.csv"
printf 'H-2,34,cns,,2021-01-02,plain\r\n' >>"$tmp/a.csv"
"$IMT" --db "$db" import "$tmp/a.csv" >/dev/null 2>"$tmp/err" || { notok import; cat "$tmp/err"; }

# ---- to a pipe: byte-faithful -------------------------------------------------
"$IMT" --db "$db" export >"$tmp/pipe.csv"
check pipe_keeps_esc grep -q "$esc]0;pwned$bel" "$tmp/pipe.csv"
"$IMT" --db "$db" export -o "$tmp/file.csv"
check file_same_as_pipe cmp -s "$tmp/pipe.csv" "$tmp/file.csv"

# ---- to a terminal: placeholders ----------------------------------------------
for c in "export" "list" "show H-1" "audit H-1" "export --search pwned"; do
    nm=$(echo "$c" | tr ' -' '__')
    # shellcheck disable=SC2086
    python3 "$pty" "$tmp/tty.out" "$IMT" --db "$db" $c
    check "tty_${nm}_exit0" test $? = 0
    check "tty_${nm}_no_esc" sh -c "! grep -q '$esc' '$tmp/tty.out'"
    check "tty_${nm}_no_bel" sh -c "! grep -q '$bel' '$tmp/tty.out'"
    check "tty_${nm}_no_c1" sh -c "! grep -q \"\$(printf '\302\233')\" '$tmp/tty.out'"
done
python3 "$pty" "$tmp/tty.out" "$IMT" --db "$db" export
# ESC as U+241B, BEL as U+2407, C1 CSI as U+FFFD, as the interface shows them
check tty_export_esc_placeholder grep -q "$(printf '\342\220\233')]0;pwned$(printf '\342\220\207')" "$tmp/tty.out"
check tty_export_c1_placeholder grep -q "$(printf '\357\277\275') done" "$tmp/tty.out"
check tty_export_rest_intact grep -q "H-2,34" "$tmp/tty.out"
# --ascii: caret forms
python3 "$pty" "$tmp/tty.out" "$IMT" --ascii --db "$db" export
check tty_ascii_caret grep -q '\^\[\]0;pwned\^G' "$tmp/tty.out"
# a message quoting hostile input goes to a terminal safely too
python3 "$pty" "$tmp/tty.out" "$IMT" --db "$db" show "$(printf 'X\033[2J')"
check tty_stderr_exit1 test $? = 1
check tty_stderr_no_esc sh -c "! grep -q '$esc' '$tmp/tty.out'"
# -o /dev/tty-like: a character device that is a terminal is sanitised
python3 "$pty" "$tmp/tty.out" "$IMT" --db "$db" export -o /dev/stdout
check tty_dev_stdout_no_esc sh -c "! grep -q '$esc' '$tmp/tty.out'"

# ---- --deidentify -----------------------------------------------------------
"$IMT" --db "$db" export --deidentify >"$tmp/d.csv"
check deid_header test "$(head -n 1 "$tmp/d.csv" | tr -d '\r')" = \
    "$("$IMT" --db "$db" export | head -n 1 | tr ',' '\n' | grep -v -x -e site_detail -e diagnosis_date -e imaging -e chemotherapy -e targeted -e immunotherapy -e notes -e reviewer -e reviewed_at | paste -s -d, -)"
check deid_no_town hasnt "$tmp/d.csv" "Springfield"
check deid_no_date hasnt "$tmp/d.csv" "2020"
check deid_no_note hasnt "$tmp/d.csv" "pwned"
check deid_no_id hasnt "$tmp/d.csv" "H-1"
check deid_age_90 grep -q '^P[0-9a-f]\{16\},90,' "$tmp/d.csv"
check deid_age_34 grep -q '^P[0-9a-f]\{16\},34,' "$tmp/d.csv"
"$IMT" --db "$db" export --deidentify --keep-free-text >"$tmp/k.csv"
check keep_free_text_town has "$tmp/k.csv" "Springfield clinic"
check keep_free_text_no_date hasnt "$tmp/k.csv" "2020"
run --db "$db" export --keep-free-text
check keep_free_text_alone_usage rc_is 2
cl_done
