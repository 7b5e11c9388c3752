#!/bin/sh
# A queue item is the same wherever it is read: streamed by `mashctl queue
# --json` (queue.lua's text passed through mashd), on a page (`--limit`),
# and as `show` gives the referral (built in C from every field): the
# rating, status, channel, times, holder, categories, timers, repeat, and
# what is overdue and due next. Also for a referral stored before its
# categories had a field of their own, and for text JSON must escape.
. "$(dirname "$0")/lib.sh"
write_conf 'repeat = { secret = "item-test-secret-0123456789"; threshold = 2; window_days = 365; };'
start_redis
at "2026-07-14 09:30:00"
start_mashd
for f in amber amber phone red; do
	post "$FIX/$f.json" > /dev/null
	jbody .id >> "$T/ids"
done
set -- $(cat "$T/ids")
ctl claim "$1" > /dev/null
# As Redis may hold them: a deadline fired, one stopped, a holder's name
# with a quote, a backslash and a tab; a referral without the field.
rcli hset "{mash}:ref:$3" fired:decision 1784021400000 \
	stopped:escalation 1784021401000 owner "$(printf 'uid:1(o"k\\a\ty)')" > /dev/null
rcli hdel "{mash}:ref:$4" categories > /dev/null
expect "one referral has its categories apart" \
	"$(rcli hget "{mash}:ref:$2" categories)" "$(jq -c .concern.categories "$FIX/amber.json")"

ctl queue --json > "$T/all.json"
ctl queue --limit 1000 --json > "$T/page.json"
expect "all four streamed" "$(jq length "$T/all.json")" 4
# The deadlines, as mashd(8) names them: the ones that make a referral
# overdue.
DL='["decision","escalation","written","screening"]'
for r in "$@"; do
	item=$(jq -c --arg id "$r" '.[] | select(.id == $id)' "$T/all.json")
	expect "$r: streamed as on a page" "$item" \
		"$(jq -c --arg id "$r" '.items[] | select(.id == $id)' "$T/page.json")"
	ctl show "$r" --json > "$T/show.json"
	expect "$r: the referral as show gives it" \
		"$(printf '%s\n' "$item" | jq -S -c '{id, brag, status, channel, received,
			owner, categories, repeat,
			timers: (.timers | map_values({due, fired, stopped}))}')" \
		"$(jq -S -c '{id, brag, status, channel, received,
			owner: (.owner // null),
			categories: .record.concern.categories,
			repeat: (.repeat.count // null),
			timers: (.timers | map_values({due, fired, stopped}))}' \
			"$T/show.json")"
	expect "$r: overdue and next due, from show's timers" \
		"$(printf '%s\n' "$item" | jq -c '{overdue, next_due}')" \
		"$(jq -c --argjson dl "$DL" '.timers | to_entries
			| map(select(.key as $k | $dl | index($k))
				| select(.value.stopped == null))
			| {overdue: map(select(.value.fired != null) | .key),
			   next_due: (map(select(.value.fired == null))
				| if length == 0 then null else min_by(.value.due)
				  | {timer: .key, due: .value.due} end)}' \
			"$T/show.json")"
done
expect "a holder" "$(jq -r --arg id "$1" '.[] | select(.id == $id) | .owner' "$T/all.json")" \
	"$(ctl show "$1" --json | jq -r .owner)"
expect "a repeat" "$(jq -r --arg id "$2" '.[] | select(.id == $id) | .repeat' "$T/all.json")" \
	"$(ctl show "$2" --json | jq -r .repeat.count)"
expect "an overdue one" "$(jq -c --arg id "$3" '.[] | select(.id == $id) | .overdue' "$T/all.json")" \
	'["decision"]'
expect "categories read from the record" \
	"$(jq -c --arg id "$4" '.[] | select(.id == $id) | .categories' "$T/all.json")" \
	"$(jq -c .concern.categories "$FIX/red.json")"
finish
