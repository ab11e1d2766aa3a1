#!/bin/sh
# Documentation cannot drift from the program:
# - the rule card of imtreview-methods.7 says what `imtreview rules` says;
# - every command of `imtreview --help` has its own section in imtreview.1;
# - every option any `--help` prints is documented in imtreview.1;
# - every man page is valid roff (groff warns about nothing), plain ASCII,
#   named as its file, listed by the other pages' SEE ALSO, by `imtreview
#   --help`, by the README and by the Makefile's install.
# (The man page's KEYS section is checked by tests/unit/test_manpage.c,
# installing the pages by tests/e2e/test_install.sh.)
# engines: sqlite (the documentation; no database engine involved)
: "${IMTREVIEW:?IMTREVIEW must be the absolute path of the binary}"
cd "$(dirname "$0")/../.." || exit 1
fails=0
ok() { echo "ok $1"; }
notok() { echo "not ok $1${2:+ # $2}"; fails=$((fails + 1)); }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/imt-docs.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
pages=$(ls imtreview.[1-9] imtreview-*.[1-9])

# 1. the rule card (make docs: `imtreview rules` through tests/tools/rulesman.sh)
LC_ALL=C.UTF-8 XDG_CONFIG_HOME=$tmp/noconfig "$IMTREVIEW" rules >"$tmp/rules.txt" 2>&1 ||
    notok rules_runs
sed -n '/^\.\\" BEGIN GENERATED RULES/,/^\.\\" END GENERATED RULES/p' imtreview-methods.7 |
    sed '1d;$d' >"$tmp/card.man"
if [ -s "$tmp/card.man" ] && sh tests/tools/rulesman.sh <"$tmp/rules.txt" >"$tmp/want.man" &&
    cmp -s "$tmp/want.man" "$tmp/card.man"; then
    ok methods_rules_card_current
else
    notok methods_rules_card_current "imtreview-methods.7 card differs from 'imtreview rules'; run make docs"
fi
# The same, without the generator: the card's words, roff escapes undone
# and the macro names dropped, are the words `imtreview rules` prints, in
# the same order.
sed -e '/^\.\\"/d' -e 's/^\.[A-Z][A-Z]*[ 0-9]*//' -e 's/^"\(.*\)"$/\1/' \
    -e 's/\\-/-/g' -e 's/\\\[u00A7\]/\xc2\xa7/g' -e 's/\\&//g' -e 's/\\e/\\/g' \
    "$tmp/card.man" | tr -s ' \t' '\n\n' | sed '/^$/d' >"$tmp/card.words"
tr -s ' \t' '\n\n' <"$tmp/rules.txt" | sed '/^$/d' >"$tmp/rules.words"
if [ -s "$tmp/rules.words" ] && cmp -s "$tmp/rules.words" "$tmp/card.words"; then
    ok methods_rules_card_words
else
    notok methods_rules_card_words "$(diff "$tmp/rules.words" "$tmp/card.words" | head -3 | tr '\n' ' ')"
fi
ids=$(grep -oE '^[A-Z][A-Z0-9-]+  \(' "$tmp/rules.txt" | sed 's/  ($//')
n=0
for id in $ids; do
    grep -q "^\.SS $(printf '%s' "$id" | sed 's/-/\\\\-/g') " imtreview-methods.7 && n=$((n + 1))
done
[ "$n" -gt 30 ] && [ "$n" -eq "$(printf '%s\n' $ids | wc -l)" ] &&
    ok methods_card_has_every_rule || notok methods_card_has_every_rule "$n headings"
grep -q 'GENERATED RULES' README.md && notok readme_has_no_card "the card is in imtreview-methods.7" ||
    ok readme_has_no_card

# 2. commands
cmds=$("$IMTREVIEW" --help | sed -n '/^Commands:/,/^$/p' | sed '1d' | awk 'NF {print $1}')
[ -n "$cmds" ] && ok help_lists_commands || notok help_lists_commands
for c in $cmds; do
    grep -q "^\.SS $c\b" imtreview.1 && ok "man_section_$c" ||
        notok "man_section_$c" "no '.SS $c' in imtreview.1"
done

# 3. options (long options, written \-\- in roff)
for c in "" $cmds; do
    # shellcheck disable=SC2086
    opts=$("$IMTREVIEW" $c --help 2>&1 | grep -oE -- '--[a-z][a-z-]*' | sort -u)
    for o in $opts; do
        roff=$(printf '%s' "$o" | sed 's/-/\\\\-/g')
        grep -q -- "$roff" imtreview.1 && ok "man_option_${c:-global}_$o" ||
            notok "man_option_${c:-global}_$o" "not in imtreview.1"
    done
done
# 4. cli.md: "imtreview --help and imtreview SUBCOMMAND --help must list
#    everything".  Each command's options are in the top-level synopsis of
#    that command (filters have their own block), each command's help gives
#    its exit status, and the filter help lists every site value.
top=$("$IMTREVIEW" --help)
for c in $cmds; do
    line=$(printf '%s\n' "$top" | sed -n '/^Commands:/,/^$/p' | awk -v c="$c" '$1 == c')
    # shellcheck disable=SC2086
    opts=$("$IMTREVIEW" $c --help 2>&1 | grep -oE -- '--[a-z][a-z-]*' | sort -u |
        grep -vxE -- '--(help|db|readonly|site|alk|outcome|status|search|followup|decision|output)')
    [ "$c" = review ] && opts="$opts --status"
    missing=
    for o in $opts; do
        printf '%s\n' "$line" | grep -q -- "$o" || missing="$missing $o"
    done
    [ -z "$missing" ] && ok "help_synopsis_$c" ||
        notok "help_synopsis_$c" "imtreview --help lacks$missing for $c"
    # shellcheck disable=SC2086
    "$IMTREVIEW" $c --help 2>&1 | grep -q '^Exit status: 0 ' && ok "help_exit_status_$c" ||
        notok "help_exit_status_$c" "imtreview $c --help gives no exit status"
done
sites=$("$IMTREVIEW" --db "$tmp/none.db" list --site bogus 2>&1 |
    sed -n 's/.*(allowed: \(.*\))$/\1/p' | tr ',' ' ')
[ -n "$sites" ] && ok site_values_known || notok site_values_known
for c in "" list export stats; do
    missing=
    for v in $sites; do
        # shellcheck disable=SC2086
        "$IMTREVIEW" $c --help | grep -qw -- "$v" || missing="$missing $v"
    done
    [ -z "$missing" ] && ok "help_site_values_${c:-global}" ||
        notok "help_site_values_${c:-global}" "--help lacks site$missing"
done
printf '%s\n' "$top" | grep -q '~/.local/share/imtreview/cases.db' &&
    ok help_db_default || notok help_db_default "--help lacks the last --db default"

# 5. the man pages
[ "$(printf '%s\n' $pages | wc -l)" -ge 4 ] && ok man_pages_found || notok man_pages_found
help_end=$("$IMTREVIEW" --help | sed -n '/^Exit status:/,$p')
for m in $pages; do
    name=${m%.*} sec=${m##*.}
    # the page's own header names it
    upper=$(printf '%s' "$name" | tr 'a-z' 'A-Z')
    head -1 "$m" | grep -q "^\.TH $upper $sec " && ok "man_th_$m" ||
        notok "man_th_$m" "first line is not .TH $upper $sec"
    roffname=$(printf '%s' "$name" | sed 's/-/\\\\-/g')
    sed -n '/^\.SH NAME/{n;p;}' "$m" | grep -q "^$roffname \\\\- " && ok "man_name_line_$m" ||
        notok "man_name_line_$m" "the NAME line does not start with '$name \\-'"
    # valid: groff has nothing to say about it, and it is plain ASCII
    # (the pages spell other characters as \[uXXXX])
    if command -v groff >/dev/null 2>&1; then
        LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$m" >"$tmp/groff.out" 2>&1
        [ $? -eq 0 ] && [ ! -s "$tmp/groff.out" ] && ok "man_groff_clean_$m" ||
            notok "man_groff_clean_$m" "$(head -2 "$tmp/groff.out" | tr '\n' ' ')"
    else
        notok "man_groff_clean_$m" "groff is not installed (make deps installs groff-base)"
    fi
    LC_ALL=C grep -n '[^ -~]' "$m" >"$tmp/nonascii" && notok "man_ascii_$m" "$(head -1 "$tmp/nonascii")" ||
        ok "man_ascii_$m"
    # every other page lists it under SEE ALSO
    for o in $pages; do
        [ "$o" = "$m" ] && continue
        sed -n '/^\.SH SEE ALSO/,$p' "$o" | grep -q "^\.BR $roffname ($sec)" &&
            ok "man_see_also_${o}_$m" || notok "man_see_also_${o}_$m" "$o: SEE ALSO lacks $name($sec)"
    done
    # imtreview --help's closing lines and the README name it
    printf '%s\n' "$help_end" | grep -q "$name($sec)" && ok "help_names_$m" ||
        notok "help_names_$m" "imtreview --help does not end naming $name($sec)"
    grep -q "$name($sec)" README.md && ok "readme_names_$m" || notok "readme_names_$m"
    # make install installs it (the Makefile's MAN1 / MAN5 / MAN7)
    grep -Eq "^MAN$sec += (.* )?$m( |\$)" Makefile && ok "makefile_installs_$m" ||
        notok "makefile_installs_$m" "not in the Makefile's MAN$sec"
done
[ "$fails" -eq 0 ]
