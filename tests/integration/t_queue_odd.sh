#!/bin/sh
# The queue's items are made in mashd (queue_item.c) from the fields
# queue.lua reads: every stored field is untrusted, and what it shows for
# an odd one is what queue.lua showed when it made the items itself.
# t_queue_odd.json, beside this file (not among the fixtures, which
# t_privacy posts each), is the stream of the build before (items made
# in Lua) on this same store: numbers as Lua's tonumber()
# reads them (spaces, hexadecimal, exponents, signs, nan, inf, past 2^53,
# years past 9999 or before 0), "" for a fired or stopped timer, a due
# that is "", categories that are no list of strings (then the record's),
# counts of repeats that are text, fractions, out of range or no number,
# owners that are "", quotes, control characters, UTF-8, a record with
# no status, one that is no hash. Set QUEUE_ODD_WRITE to write the
# fixture anew (from the build that MASH_BUILD names).
. "$(dirname "$0")/lib.sh"
start_redis
at "2026-07-14 09:30:00"
start_mashd
for f in amber amber red amber amber red amber amber amber; do
	post "$FIX/$f.json" > /dev/null
	jbody .id >> "$T/ids"
done
set -- $(cat "$T/ids")
h() { k="{mash}:ref:$1"; shift; rcli hset "$k" "$@" > /dev/null; }
# The same times and place in the queue for each run (a POST takes the
# clock's second as it comes): the times of each, and its score, set.
i=0
for id in "$@"; do
	i=$((i + 1))
	for t in decision escalation written screening decision_warning \
		screening_escalate overdue_reminder; do
		rcli hdel "{mash}:ref:$id" "due:$t" "fired:$t" "stopped:$t" > /dev/null
	done
	h "$id" received $((1784021400000 + i)) due:decision $((1784280600000 + i)) \
		due:escalation $((1784539800000 + i)) \
		due:screening $((1784036000000 + i)) \
		due:decision_warning $((1784200000000 + i)) \
		due:screening_escalate $((1784110000000 + i))
	rcli zadd "{mash}:queue" "$i" "$id" > /dev/null
done
h "$1" received '  12345  ' due:decision 0x1F4 fired:decision '' \
	stopped:decision '' due:escalation 1e3 fired:escalation -5 \
	due:written -1 owner '' repeat '{"count":"3"}' brag 'AMBER
' status "$(printf 'open\t\001')"
h "$2" received 12.7e2 due:decision -9007199254740991 \
	due:screening 9007199254740993 fired:screening abc stopped:screening 1 \
	repeat '{"count":2.9}' categories '"neglect"' owner 'o"w\n'
h "$3" received -86400001 due:decision 253402300800000 \
	due:escalation -62167219200001 due:written 1e15 \
	repeat '{"count":-2.5}' categories '[]' \
	record "$(printf '{"concern":{"categories":["a","b\\u0001","c/\\u00e9"]}}')"
h "$4" received 123abc repeat '{"count":1e30}' \
	categories '[null,"x",true,"\u00e9\ud83d\ude00"]' due:decision ' 5' \
	fired:decision 0X10 due:decision_warning 100 fired:decision_warning 5
h "$5" repeat 'not json' categories null due:decision nan \
	due:escalation 1 due:screening '' due:written 2
rcli hdel "{mash}:ref:$5" record > /dev/null
h "$6" repeat '{"count":"0x10"}' received '1 2' due:decision +7 \
	due:written inf fired:written -inf owner "$(printf 'caf\303\251 \360\237\230\200')"
h "$7" repeat '{"count":{"a":1}}' received 1e400 due:decision 0.5 \
	due:escalation 0.4 channel '' brag ''
rcli hdel "{mash}:ref:$8" status > /dev/null
rcli del "{mash}:ref:$9" > /dev/null
rcli set "{mash}:ref:$9" 'not a hash' > /dev/null
ctl queue --json > "$T/all.json"
expect "the stream answers" "$?" 0
ctl queue --limit 1000 --json > "$T/page.json"
expect "the page answers" "$?" 0
if [ -n "${QUEUE_ODD_WRITE:-}" ]; then
	cp "$T/all.json" "$(dirname "$0")/t_queue_odd.json"
fi
expect "the stream: the bytes the items made in Lua were" \
	"$(cmp "$T/all.json" "$(dirname "$0")/t_queue_odd.json" 2>&1; echo $?)" 0
expect "the page: the same items" \
	"$(jq -c .items "$T/page.json")" "$(jq -c . "$(dirname "$0")/t_queue_odd.json")"
expect "all nine listed" "$(jq length "$T/all.json")" 9
out=$(ctl queue 2>&1)
expect "mashctl queue answers" "$?" 0
expect "mashd still answers" "$(ctl queue --json | jq length)" 9
finish
