#!/bin/sh
# make shape: the limits of issue 15 on daemon/: no file over 700 lines,
# no function over 80 (from the line of its type to its closing brace). A
# function made long by a table of data may say so with the comment
# "shape: table" on the line before its type; it is then passed over.
# Prints each file or function over its limit, and the longest of each;
# exits 1 when any is over.
FILE_MAX=700
FUNC_MAX=80
over=0
for f in daemon/*.c daemon/*.h; do
	n=$(wc -l < "$f")
	if [ "$n" -gt "$FILE_MAX" ]; then
		echo "$f: $n lines (more than $FILE_MAX)"
		over=1
	fi
done
funcs=$(awk -v max="$FUNC_MAX" '
	FNR == 1 { name = ""; prev = ""; prev2 = "" }
	/^[a-z_][a-z0-9_]*\(/ {
		name = $0; sub(/\(.*/, "", name)
		start = FNR - 1; table = prev2 ~ /shape: table/
	}
	/^}/ && name != "" {
		n = FNR - start + 1
		if (!table) print n, FILENAME ":" start + 1, name
		name = ""
	}
	{ prev2 = prev; prev = $0 }
	' daemon/*.c | sort -rn)
echo "$funcs" | awk -v max="$FUNC_MAX" '
	$1 > max { print $2 ": " $3 "() is " $1 " lines (more than " max ")"; bad = 1 }
	END { exit bad }' || over=1
echo "longest file: $(wc -l daemon/*.c daemon/*.h | grep -v ' total$' |
	sort -rn | head -1 | awk '{print $2 ", " $1 " lines"}')"
echo "longest function: $(echo "$funcs" | head -1 |
	awk '{print $3 "() at " $2 ", " $1 " lines"}')"
exit $over
