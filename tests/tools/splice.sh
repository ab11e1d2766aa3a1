#!/bin/sh
# splice.sh FILE BEGIN END CONTENT: replace the lines strictly between the
# line containing BEGIN and the next line containing END in FILE with the
# contents of the file CONTENT (used by `make docs`).  FILE is rewritten
# through a temporary file and a rename.
set -eu
file=$1 begin=$2 end=$3 content=$4
grep -qF -- "$begin" "$file" || { echo "$file: no line '$begin'" >&2; exit 1; }
grep -qF -- "$end" "$file" || { echo "$file: no line '$end'" >&2; exit 1; }
tmp=$file.splice.$$
# (through the environment: awk -v would eat the backslash of '.\"')
B=$begin E=$end C=$content awk '
    BEGIN { b = ENVIRON["B"]; e = ENVIRON["E"]; c = ENVIRON["C"] }
    index($0, b) { print; while ((getline l < c) > 0) print l; skip = 1; next }
    skip && index($0, e) { skip = 0 }
    !skip { print }
' "$file" >"$tmp"
mv "$tmp" "$file"
