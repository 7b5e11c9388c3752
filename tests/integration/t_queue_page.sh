#!/bin/sh
# mashctl queue pages: no silent cap. Paging with --limit N --after
# CURSOR returns every referral exactly once, ties of score included; a
# cut table says so and how to go on; --json gives every referral, past
# the 10,000 the queue once stopped at without a word.
. "$(dirname "$0")/lib.sh"
start_redis
start_mashd
W=10000000000000 # QUEUE_RANK_WIDTH

for f in red amber green blue red amber green blue red amber green blue \
	red amber green blue red amber green blue red amber green blue red; do
	post "$FIX/$f.json" > /dev/null
done
expect "25 referrals open" "$(ctl queue --json | jq length)" 25
# Ties: eight amber referrals on one score (the queue then orders them
# by reference, and a cursor must name its place among them).
ctl queue --brag amber --json | jq -r '.[].id' > "$T/amber"
for id in $(cat "$T/amber"); do rcli zadd '{mash}:queue' $((W + 1800000000000)) "$id" > /dev/null; done

# page LIMIT: every page's ids, one per line, paging on from each cursor.
page() {
	_after=
	: > "$T/paged"
	_pages=0
	while :; do
		ctl queue --limit "$1" ${_after:+--after "$_after"} --json > "$T/page" || return 1
		jq -r '.items[].id' "$T/page" >> "$T/paged"
		_pages=$((_pages + 1))
		_after=$(jq -r '.next // empty' "$T/page")
		[ -n "$_after" ] || break
		[ "$_pages" -lt 100 ] || return 1
	done
}
ctl queue --json | jq -r '.[].id' > "$T/all"
for n in 1 3 7 25 100; do
	page "$n"
	expect "pages of $n: every referral exactly once, in order" \
		"$(cat "$T/paged" | tr '\n' ' ')" "$(cat "$T/all" | tr '\n' ' ')"
done
page 5
expect "pages of 5: five pages" "$_pages" 5
expect "the last page has no next" "$(jq -r .next "$T/page")" null
expect "a page carries the counts" "$(jq -cS .counts "$T/page")" \
	'{"amber":6,"blue":6,"green":6,"red":7}'
# The cursor's referral leaves the queue between pages (decided, here
# taken out of the queue's set by hand), the cursor inside the run of
# ties: paging on from it still gives every other referral once, in
# order (queue.lua finds the cursor's place by its score and reference,
# not by its member).
k=1
while [ "$k" -lt 24 ]; do
	_c=$(sed -n "${k}p" "$T/all") _n=$(sed -n "$((k + 1))p" "$T/all")
	grep -qx "$_c" "$T/amber" && grep -qx "$_n" "$T/amber" && break
	k=$((k + 1))
done
expect_match "a page that ends inside the ties ($k of them)" "$k" '^([1-9]|1[0-9]|2[0-3])$'
_after=$(ctl queue --limit "$k" --json | jq -r .next)
gone=$(sed -n "${k}p" "$T/all")
rcli zrem '{mash}:queue' "$gone" > /dev/null
: > "$T/paged"
while [ -n "$_after" ]; do
	ctl queue --limit 2 --after "$_after" --json > "$T/page" || break
	jq -r '.items[].id' "$T/page" >> "$T/paged"
	_after=$(jq -r '.next // empty' "$T/page")
done
expect "paging on past a cursor whose referral left: the rest, each once, in order" \
	"$(tr '\n' ' ' < "$T/paged")" "$(sed -n "$((k + 1)),\$p" "$T/all" | tr '\n' ' ')"
rcli zadd '{mash}:queue' $((W + 1800000000000)) "$gone" > /dev/null
ctl queue --limit 4 --brag amber --json | jq -r '.next' > "$T/cur"
expect "a filtered page pages on within its filter" \
	"$(ctl queue --limit 4 --brag amber --after "$(cat "$T/cur")" --json | jq -r '.items | length')" 2
ctl queue --after 'not-a-cursor' --json > /dev/null 2> "$T/err"
expect "a bad cursor is refused" "$?" 1
expect_match "saying so" "$(cat "$T/err")" 'not a queue cursor'
ctl queue --limit 0 > /dev/null 2> "$T/err"
expect "--limit 0 is a usage error" "$?" 2

# A person's table is cut, and says so.
ctl queue --limit 5 > "$T/table"
expect "a page of five rows under the counts and header" "$(grep -c '^ .*MASH\|^  [0-9]' "$T/table")" 5
expect_match "the cut says how to go on" "$(tail -1 "$T/table")" \
	'^\(5 shown, more follow: mashctl queue --after [0-9]+:MASH-[0-9-]+ for the next page, --all for every one\)$'
expect "--all shows every one" "$(ctl queue --all | grep -c '^  [0-9]')" 25
expect "and is not cut" "$(ctl queue --all | grep -c 'more follow')" 0

# Past 10,000: written straight into Redis, as years of data leave it.
awk -v w="$W" 'BEGIN {
	for (i = 1; i <= 10050; i++) {
		id = sprintf("MASH-2025-%06d", i)
		printf "HSET {mash}:ref:%s id %s brag green status new channel web received %d\n", id, id, 1700000000000 + i
		printf "ZADD {mash}:queue %.0f %s\n", 2 * w + 1700000000000 + i, id
	}
}' | rcli > /dev/null
expect "--json lists every referral, past 10,000" "$(ctl queue --json | jq length)" 10075
expect "each once" "$(ctl queue --json | jq -r '.[].id' | sort -u | wc -l)" 10075
expect_match "the person's first screen counts them all" "$(ctl queue | head -1)" \
	'green 10056, blue 6 \(open 10075\)'
expect_match "and says the list goes on" "$(ctl queue | tail -1)" '^\(50 shown, more follow'
finish
