#!/bin/bash
# README's architecture table is true to the tree: every .c file of lib/
# and milter/ has its row, in its folder, and every row names a file that
# exists there.  Usage: test-readme-architecture.sh SOURCE_DIR
set -u
top=${1:?usage: $0 SOURCE_DIR}
# the rows: "| folder | file | job |", the folder given on its first row
table=$(awk -F'|' '/^\| folder \| file \|/ { on = 1; next }
	on && !/^\|/ { exit }
	on && /^\|---/ { next }
	on { gsub(/ /, "", $2); gsub(/ /, "", $3);
	     if ($2 != "") folder = $2; print folder "/" $3 }' "$top/README" |
    sort)
tree=$(cd "$top" && ls lib/*/*.c milter/*.c | sort)
if [ -z "$table" ]; then
	echo "FAIL: no architecture table in README"
	exit 1
fi
if [ "$table" != "$tree" ]; then
	echo "FAIL: README's architecture table and the tree differ" \
	    "(< only in README, > only in the tree):"
	diff <(echo "$table") <(echo "$tree") | grep '^[<>]'
	exit 1
fi
echo "PASS: README's architecture table names the $(echo "$tree" | wc -l) files of lib/ and milter/, each in its folder"
