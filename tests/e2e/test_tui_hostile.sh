#!/bin/sh
# Interface e2e: a note holding OSC 52 (clipboard), OSC 0 (title), CSI 2J,
# a C0/DEL mix, a C1 CSI and CJK text.  The screen shows
# placeholders, the CJK text, the pane title and the tmux paste buffers
# are unchanged, and no ESC ] sequence from the note reaches the terminal
# (checked on the raw byte stream recorded with pipe-pane).
# engines: sqlite (hostile text kept off the terminal: drawing, not the store)
. "$(dirname "$0")/tui_lib.sh"
tl_init
tl_make_db || { tl_notok fixture_import; exit 1; }

for size in 132x43 80x24; do
    cols=${size%x*} rows=${size#*x}
    tl_start "$cols" "$rows" || { tl_notok "${size}_start"; continue; }
    raw=$TL_DIR/raw-$size
    : >"$raw"
    T pipe-pane -o -t "$TL_SESSION" "cat >> '$raw'"
    title0=$(T display -p -t "$TL_SESSION" '#{pane_title}')
    tl_tui
    tl_wait_re '[0-9]+ of [0-9]+ cases' 10 || { tl_notok "${size}_starts"; continue; }
    tl_keys /
    sleep 0.2
    T send-keys -t "$TL_SESSION" -l HOSTILE
    tl_keys Enter
    tl_wait_count 1 3 && tl_ok "${size}_search_finds_hostile" ||
        tl_notok "${size}_search_finds_hostile" "$(tl_status)"
    tl_wait_detail HOSTILE-1 3 || tl_notok "${size}_detail_hostile" "$(tl_detail_id)"
    # the notes are the last lines of the detail: focus it and scroll to
    # its end ("N-M/M" in the pane title: the last line is on screen)
    tl_keys Enter
    i=0
    while [ $i -lt 80 ] &&
          ! tl_screen | grep -qE 'Detail.* [0-9]+-([0-9]+)/\1 '; do
        tl_keys j; i=$((i + 1)); sleep 0.02
    done
    tl_wait PWNED 2 && tl_ok "${size}_note_visible" ||
        tl_notok "${size}_note_visible" "notes not found in the detail pane"
    scr=$(tl_screen)
    # ESC shown as a placeholder: U+241B (textw) or caret ^[
    printf '%s\n' "$scr" | grep -qE '(␛|\^\[)\]0;PWNED' &&
        tl_ok "${size}_esc_placeholder" ||
        tl_notok "${size}_esc_placeholder" "$(printf '%s\n' "$scr" | grep PWNED)"
    printf '%s\n' "$scr" | grep -qE '(␛|\^\[)\]52;c;' &&
        tl_ok "${size}_osc52_placeholder" || tl_notok "${size}_osc52_placeholder"
    printf '%s\n' "$scr" | grep -qE '(␛|\^\[)\[2J' &&
        tl_ok "${size}_csi_placeholder" || tl_notok "${size}_csi_placeholder"
    printf '%s\n' "$scr" | grep -qF 'CJK:中文病例' &&
        tl_ok "${size}_cjk_shown" || tl_notok "${size}_cjk_shown"
    # the C0 mix \001\002\010\177 shows four visible placeholders
    printf '%s\n' "$scr" | grep -qE 'CTL:(␁␂␈␡|\^A\^B\^H\^\?)' &&
        tl_ok "${size}_c0_placeholders" ||
        tl_notok "${size}_c0_placeholders" "$(printf '%s\n' "$scr" | grep -o 'CTL:.\{0,12\}')"
    # the screen was not cleared by the note's CSI 2J
    tl_status | grep -q '1 of 61 cases' && tl_ok "${size}_status_intact" ||
        tl_notok "${size}_status_intact"
    title1=$(T display -p -t "$TL_SESSION" '#{pane_title}')
    [ "$title0" = "$title1" ] && tl_ok "${size}_title_unchanged" ||
        tl_notok "${size}_title_unchanged" "was '$title0' now '$title1'"
    if T list-buffers 2>/dev/null | grep -q .; then
        tl_notok "${size}_clipboard_untouched" "$(T list-buffers)"
    else tl_ok "${size}_clipboard_untouched"; fi
    # raw bytes: no OSC from the note, no raw C1 CSI
    if grep -qaF "$(printf '\033]0;PWNED')" "$raw" ||
       grep -qaF "$(printf '\033]52;')" "$raw"; then
        tl_notok "${size}_no_osc_in_output"
    else tl_ok "${size}_no_osc_in_output"; fi
    if LC_ALL=C grep -qa "$(printf '\302\233')" "$raw"; then
        tl_notok "${size}_no_c1_in_output"
    else tl_ok "${size}_no_c1_in_output"; fi
    [ -s "$raw" ] && tl_ok "${size}_raw_recorded" || tl_notok "${size}_raw_recorded"
    tl_quit && [ "$(tl_rc)" = 0 ] && tl_ok "${size}_q" || tl_notok "${size}_q"
    T pipe-pane -t "$TL_SESSION"
done
tl_done
