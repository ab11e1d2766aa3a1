#!/bin/sh
# Interface e2e: the markers pane puts the derived ALK status first ("ALK
# above all"), above the IHC panel it is derived from, visible without
# scrolling at 132x43; a negative reads "− negative" (UTF-8) or
# "- negative" (ASCII) like every other negative; "not done" is explicit.
# Cases from tl_make_db: HOSTILE-1 ALK IHC positive, IMT-001 negative,
# IMT-002 not done.
# engines: sqlite (the markers pane: drawing, not the store)
. "$(dirname "$0")/tui_lib.sh"
tl_init
tl_make_db || { tl_notok make_db; exit 1; }

line_of() { tl_screen | grep -n -- "$1" | head -n 1 | cut -d: -f1; }

session() {   # tag minus-sign [interface args]
    tag=$1 minus=$2; shift 2
    tl_start 132 43 || { tl_notok "${tag}_start"; return; }
    tl_tui "$@"
    tl_wait_re '[0-9]+ of [0-9]+ cases' 10 || { tl_notok "${tag}_opens"; tl_quit; return; }
    d=$(line_of 'derived ') i=$(line_of 'IHC  ')
    if [ -n "$d" ] && [ -n "$i" ] && [ "$d" -lt "$i" ]; then tl_ok "${tag}_alk_status_first"
    else tl_notok "${tag}_alk_status_first" "derived line '$d', IHC line '$i'"; fi
    tl_wait 'derived     + positive' 3 && tl_ok "${tag}_positive" ||
        tl_notok "${tag}_positive" "$(tl_screen | grep -o 'derived [^│|]*')"
    tl_keys j
    tl_wait_detail IMT-001 3
    tl_wait "derived     $minus negative" 3 && tl_ok "${tag}_negative" ||
        tl_notok "${tag}_negative" "$(tl_screen | grep -o 'derived [^│|]*')"
    tl_wait "ALK         $minus negative" 3 && tl_ok "${tag}_ihc_negative" ||
        tl_notok "${tag}_ihc_negative"
    tl_keys j
    tl_wait_detail IMT-002 3
    tl_wait 'derived     unknown' 3 && tl_wait 'ALK         not done' 1 &&
        tl_ok "${tag}_not_done" || tl_notok "${tag}_not_done"
    tl_wait 'Fusion      not done' 1 && tl_ok "${tag}_fusion_seen_unscrolled" ||
        tl_notok "${tag}_fusion_seen_unscrolled"
    tl_quit >/dev/null
}
session utf8 "−"
session ascii "-" --ascii
tl_done
