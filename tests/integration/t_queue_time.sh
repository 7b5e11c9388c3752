#!/bin/sh
# queue.lua writes the time of a page's head itself (Redis's Lua has no
# os.date; the items' times are mashd's, queue_item.c, held to the same
# formatter by test_queue_item): lib.lua's iso_time must write every
# instant exactly as mashd's C formatter (mash_time_format) does, across
# leap days, century years, year ends, instants before 1970 and thousands
# of others.
. "$(dirname "$0")/lib.sh"
start_redis

# ms: the instants, one a line: the edges, then 20,000 spread over
# 1900-2200 (the same ones each run).
{
	for d in 1900-02-28 1900-03-01 1969-12-31 1970-01-01 2000-02-28 \
		2000-02-29 2000-03-01 2004-02-29 2023-02-28 2023-03-01 \
		2024-02-29 2024-12-31 2025-01-01 2026-03-29 2026-10-25 \
		2100-02-28 2100-03-01 2199-12-31; do
		s=$(date -u -d "$d" +%s)
		for off in 0 999 1000 43200000 86399000 86399999 -1 -1000; do
			echo $((s * 1000 + off))
		done
	done
	echo 0
	echo -1
	echo -86400001
	awk 'BEGIN { srand(42); for (i = 0; i < 20000; i++)
		printf "%.0f\n", -2208988800000 + rand() * 9467280000000 }'
} > "$T/ms"
"$BUILD/time-format" < "$T/ms" > "$T/c"
cat "$BUILD/words.lua" "$BUILD/lib.lua" > "$T/iso.lua"
cat >> "$T/iso.lua" << 'LUA'
local out = {}
for w in string.gmatch(ARGV[1], '%S+') do
  out[#out + 1] = iso_time(tonumber(w))
end
return table.concat(out, '\n')
LUA
rcli -x eval "$(cat "$T/iso.lua")" 0 < "$T/ms" > "$T/lua"
expect "instants formatted" "$(wc -l < "$T/lua")" "$(wc -l < "$T/ms")"
expect "Lua writes each as C does" "$(diff "$T/c" "$T/lua" | head -5)" ""
expect "a leap day, at noon" "$(grep -c '^2000-02-29T12:00:00Z$' "$T/lua")" 1
expect "no 29 February in 1900 or 2100" "$(grep -c -e '^1900-02-29' -e '^2100-02-29' "$T/lua")" 0
expect "C's format" "$(grep -c '^[0-9]\{4\}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]Z$' "$T/lua")" \
	"$(wc -l < "$T/ms")"
# What no stored instant can be (not a number, infinite, past 2^53 ms)
# is written as 0 is, the way a field that is no number at all is; a
# fraction of a ms as its whole ms; quoted, the same between quotes.
cat "$BUILD/words.lua" "$BUILD/lib.lua" > "$T/odd.lua"
cat >> "$T/odd.lua" << 'LUA'
local out = {}
for _, x in ipairs({0/0, 1/0, -1/0, 1e300, -1e300, 2^53, -2^53}) do
  out[#out + 1] = iso_time(x)
end
out[#out + 1] = iso_time(1764531045123.9)
out[#out + 1] = iso_time(1764531045123.9, '"')
out[#out + 1] = iso_time(2^53 - 1)
return table.concat(out, ' ')
LUA
expect "odd instants: no error, 0's time, a fraction dropped, quoted" \
	"$(rcli eval "$(cat "$T/odd.lua")" 0)" \
	"$(printf '1970-01-01T00:00:00Z %.0s' 1 2 3 4 5 6 7)2025-11-30T19:30:45Z \"2025-11-30T19:30:45Z\" 287396-10-12T08:59:00Z"
finish
