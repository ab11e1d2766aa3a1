#!/bin/sh
# make install / uninstall put the binary, the man pages (sections 1, 5
# and 7: an installed user has no source tree) and the themes where
# PREFIX says (here under DESTDIR, with the PREFIX the binary was built for,
# so nothing is rebuilt), and take them away again.  The installed binary
# runs a command on its own.  MAKEFLAGS from `make check` (SAN=1 ...) reach
# the inner make, so it uses the same build directory.
# engines: sqlite (make install; the engine is not what it tests)
: "${IMTREVIEW:?IMTREVIEW must be the absolute path of the binary}"
cd "$(dirname "$0")/../.." || exit 1
fails=0
ok() { echo "ok $1"; }
notok() { echo "not ok $1${2:+ # $2}"; fails=$((fails + 1)); }
check() { n=$1; shift; if "$@"; then ok "$n"; else notok "$n"; fi; }
d=$(mktemp -d "${TMPDIR:-/tmp}/imt-install.XXXXXX") || exit 1
trap 'rm -rf "$d"' EXIT

make -s --no-print-directory install DESTDIR="$d" >"$d/log" 2>&1
check install_runs test $? -eq 0
p=$d/usr/local
check bin_installed test -x "$p/bin/imtreview"
check bin_is_the_build cmp -s "$p/bin/imtreview" "$IMTREVIEW"
# Every man page of the tree, in the directory of its section.
pages=$(ls imtreview.[1-9] imtreview-*.[1-9])
for m in $pages; do
    check "man_installed_$m" cmp -s "$p/share/man/man${m##*.}/$m" "$m"
done
[ "$(printf '%s\n' $pages | wc -l)" -ge 4 ] && ok man_pages_found || notok man_pages_found
# man itself finds each page by name and section under the installed tree.
if command -v man >/dev/null 2>&1; then
    for m in $pages; do
        f=$(MANPATH="$p/share/man" man -w "${m##*.}" "${m%.*}" 2>/dev/null)
        check "man_finds_$m" test "$f" = "$p/share/man/man${m##*.}/$m"
    done
else
    echo "# man is not installed: not asking it to find the pages"
fi
for th in default light high-contrast monochrome; do
    check "theme_${th}_installed" cmp -s "$p/share/imtreview/themes/$th.theme" "themes/$th.theme"
done
"$p/bin/imtreview" --version >"$d/v" 2>&1
check installed_binary_runs grep -q '^imtreview [0-9]' "$d/v"
printf 'case_id,site\n' >"$d/h.csv"
"$p/bin/imtreview" --db "$d/x.db" import "$d/h.csv" >/dev/null 2>&1
"$p/bin/imtreview" --db "$d/x.db" list >"$d/l" 2>&1
check installed_binary_lists grep -q '^case_id' "$d/l"

make -s --no-print-directory uninstall DESTDIR="$d" >"$d/log" 2>&1
check uninstall_runs test $? -eq 0
check bin_removed test ! -e "$p/bin/imtreview"
for m in $pages; do
    check "man_removed_$m" test ! -e "$p/share/man/man${m##*.}/$m"
done
check themes_removed test ! -e "$p/share/imtreview"
[ "$fails" -eq 0 ]
