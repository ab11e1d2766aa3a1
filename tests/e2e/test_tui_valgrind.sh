#!/bin/sh
# Interface e2e under valgrind (issue 13, item 6): a session that opens
# every kind of dialog and view (search, menus, edit, review, export,
# stats, help, theme), is resized down to 1x1 and back and quits has no
# invalid access and no leak but ncurses' own (tests/valgrind/ncurses.supp,
# each suppression with its reason).  Runs the plain (not sanitised)
# binary $IMTREVIEW_PLAIN: valgrind and ASan do not mix.
# engines: sqlite (memory errors of the interface under valgrind; the store
# is the same code on both engines up to the engine, which test_store_pg checks)
. "$(dirname "$0")/tui_lib.sh"
: "${IMTREVIEW_PLAIN:=$IMTREVIEW}"
SUPP=$(cd "$(dirname "$0")/../valgrind" && pwd)/ncurses.supp
command -v valgrind >/dev/null || { tl_notok valgrind_installed; exit 1; }
tl_init
tl_make_db || { tl_notok fixture_import; exit 1; }
VGLOG=$TL_DIR/vg.log
cat >"$TL_DIR/vg.sh" <<EOS
#!/bin/sh
exec valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect,possible \
    --errors-for-leak-kinds=definite,indirect,possible --suppressions='$SUPP' \
    --log-file='$VGLOG' '$IMTREVIEW_PLAIN' "\$@"
EOS
chmod +x "$TL_DIR/vg.sh"
IMTREVIEW=$TL_DIR/vg.sh

tl_start 100 30 || { tl_notok start; exit 1; }
tl_tui
tl_wait_re '[0-9]+ of [0-9]+ cases' 60 || { tl_notok starts "$(tl_screen | head -n 3)"; exit 1; }
step() {   # keys..., then wait for TEXT
    _want=$1; shift
    tl_keys "$@"
    tl_wait "$_want" 20 || tl_notok "step_$_want" "$(tl_screen | head -n 4)"
}
step 'Enter: apply' /
tl_keys -l lung; tl_keys Enter
tl_wait_gone 'Enter: apply' 20
step 'Enter: apply' /
tl_keys Escape; tl_wait_gone 'Enter: apply' 20
step '[ ] lung' S
tl_keys Space Enter; tl_wait_gone '[x] lung' 20
tl_keys c
step 'Esc' e
tl_keys Escape; sleep 1
step 'Esc' R
tl_keys Escape; sleep 1
step 'Esc' x
tl_keys Escape; sleep 1
tl_keys v; sleep 3; tl_keys Escape; sleep 1
tl_keys '?'; sleep 2; tl_keys q; sleep 1
tl_keys T; sleep 2; tl_keys Escape; sleep 1
for sz in "1 1" "20 5" "1 1" "100 30" "40 10" "100 30"; do
    tl_resize $sz; sleep 1
done
tl_wait_re '[0-9]+ of [0-9]+ cases' 20 || tl_notok after_resizes "$(tl_screen | head -n 3)"
tl_keys q
tl_wait_re '^rc=[0-9]+' 60 || tl_notok quits "$(tl_screen | tail -n 3)"
rc=$(tl_rc)
[ "$rc" = 0 ] && tl_ok valgrind_exit_0 || tl_notok valgrind_exit_0 "rc=$rc: $(head -n 40 "$VGLOG")"
if grep -q 'Invalid\|uninitialised\|definitely lost\|indirectly lost\|possibly lost' "$VGLOG"; then
    tl_notok valgrind_clean "$(head -n 40 "$VGLOG")"
else
    tl_ok valgrind_clean
fi
tl_done
