#!/bin/sh
# rulesman.sh: the rules reference card (the output of `imtreview rules`,
# on standard input) as man-page text for imtreview-methods.7 (`make docs`
# splices it in; tests/e2e/test_docs.sh checks the page still says what
# the program says).  The card's layout becomes roff so that man fills it
# to any width:
#   the first line                      -> a paragraph
#   "Key: text" before the first rule   -> .TP with the key in bold
#   "RULE-ID  (kind, level)"            -> .SS
#   "  field: text" inside a rule       -> .TP 12 with the field in italics
#   a line indented by four spaces      -> more text of the item above
# Text is escaped for roff: \ -> \e, - -> \- (so ids and options copy as
# typed), a leading . or ' -> \&, and the one non-ASCII character the
# card holds, the section sign, -> \[u00A7]; any other non-ASCII byte is
# an error (the pages are kept ASCII).
set -eu
LC_ALL=C awk '
function esc(s) {
    gsub(/\\/, "\\\\e", s)
    gsub(/-/, "\\\\-", s)
    gsub(/\302\247/, "\\\\[u00A7]", s)
    if (s ~ /[\200-\377]/) {
        print "rulesman.sh: line " NR ": a non-ASCII character the page cannot hold" > "/dev/stderr"
        bad = 1
    }
    if (s ~ /^[.\047]/)
        s = "\\&" s
    return s
}
NR == 1 { print ".PP"; print esc($0); next }
/^$/ { next }
/^[A-Z][A-Z0-9-]*  \(/ { inrule = 1; print ".SS " esc($0); next }
/^    / { sub(/^ +/, ""); print esc($0); next }
!inrule && /^[^ ][^:]*: / {
    k = substr($0, 1, index($0, ": "))
    print ".TP"; print ".B \"" esc(k) "\""
    print esc(substr($0, length(k) + 2)); next
}
inrule && /^  [a-z][a-z ]*: / {
    sub(/^  /, "")
    k = substr($0, 1, index($0, ": "))
    print ".TP 12"; print ".I \"" esc(k) "\""
    print esc(substr($0, length(k) + 2)); next
}
{ print "rulesman.sh: line " NR ": not in the layout of the card: " $0 > "/dev/stderr"; bad = 1 }
END { exit bad }
'
