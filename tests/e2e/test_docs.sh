#!/bin/sh
# Documentation cannot drift from the program:
# - the rules reference card in README.md equals `imtreview rules`;
# - every command of `imtreview --help` has its own section in imtreview.1;
# - every option any `--help` prints is documented in imtreview.1.
# (The man page's KEYS section is checked by tests/unit/test_manpage.c.)
# engines: sqlite (the documentation; no database engine involved)
: "${IMTREVIEW:?IMTREVIEW must be the absolute path of the binary}"
cd "$(dirname "$0")/../.." || exit 1
fails=0
ok() { echo "ok $1"; }
notok() { echo "not ok $1${2:+ # $2}"; fails=$((fails + 1)); }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/imt-docs.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

# 1. the rules card
XDG_CONFIG_HOME=$tmp/noconfig "$IMTREVIEW" rules >"$tmp/rules.txt" 2>&1 ||
    notok rules_runs
sed -n '/<!-- BEGIN GENERATED RULES/,/<!-- END GENERATED RULES/p' README.md |
    sed '1,2d;$d' | sed '$d' >"$tmp/readme-rules.txt"
if [ -s "$tmp/readme-rules.txt" ] && cmp -s "$tmp/rules.txt" "$tmp/readme-rules.txt"; then
    ok readme_rules_card_current
else
    notok readme_rules_card_current "README.md card differs from 'imtreview rules'; run make docs"
fi
grep -q '^DX-IMAGING ' "$tmp/readme-rules.txt" && ok readme_rules_card_has_rules ||
    notok readme_rules_card_has_rules

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
[ "$fails" -eq 0 ]
