# lua-prelude.awk WORDS LIB SCRIPT: print what lua2c.sh puts in front of
# SCRIPT: WORDS' and LIB's definitions that SCRIPT uses, directly or
# through another one, in their order. Redis runs a script's whole text
# on every call, so each definition left out is work saved on each call
# (about 5 us for next.lua, of 11). A definition is a line starting
# "local " and the lines after it up to the next such line; a name counts
# as used wherever it appears outside a comment and a quoted string (a
# definition kept for nothing costs time, never correctness; the files
# hold no [[long strings]]).
function code_of(s,    out, c, q, i) {
	out = ""
	q = ""
	for (i = 1; i <= length(s); i++) {
		c = substr(s, i, 1)
		if (q != "") {
			if (c == "\\")
				i++
			else if (c == q)
				q = ""
			continue
		}
		if (c == "-" && substr(s, i + 1, 1) == "-")
			break
		if (c == "'" || c == "\"") {
			q = c
			out = out " "
			continue
		}
		out = out c
	}
	return out
}
function names_in(s, into) {
	s = code_of(s)
	while (match(s, /[A-Za-z_][A-Za-z0-9_]*/)) {
		into[substr(s, RSTART, RLENGTH)] = 1
		s = substr(s, RSTART + RLENGTH)
	}
}
FILENAME == ARGV[3] {
	names_in($0, want)
	next
}
/^local / {
	n++
	d = $0
	sub(/^local (function )?/, "", d)
	sub(/[^A-Za-z0-9_, ].*$/, "", d)
	gsub(/ /, "", d)
	defs[n] = d
}
n == 0 {
	head = head $0 "\n"
	next
}
{
	text[n] = text[n] $0 "\n"
	names_in($0, found)
	for (w in found) {
		uses[n] = uses[n] " " w
		delete found[w]
	}
}
END {
	do {
		more = 0
		for (i = 1; i <= n; i++) {
			if (kept[i])
				continue
			k = split(defs[i], dn, ",")
			for (j = 1; j <= k; j++)
				if (dn[j] in want)
					kept[i] = 1
			if (!kept[i])
				continue
			more = 1
			k = split(uses[i], un, " ")
			for (j = 1; j <= k; j++)
				want[un[j]] = 1
		}
	} while (more)
	printf "%s", head
	for (i = 1; i <= n; i++)
		if (kept[i])
			printf "%s", text[i]
}
