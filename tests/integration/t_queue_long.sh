#!/bin/sh
# A stored field of more than a megabyte, not ASCII (an owner here:
# 1,100,000 letters a, then an e with an acute accent, 1,100,002 bytes), is
# shown whole in its page and in the stream, like any other: a cap on the
# field's mending made its page "not a page" and cut the stream there,
# and no --after could get past it.
. "$(dirname "$0")/lib.sh"
start_redis
start_mashd
for f in amber red amber; do
	post "$FIX/$f.json" > /dev/null
	jbody .id >> "$T/ids"
done
set -- $(cat "$T/ids")
# 1,100,000 bytes of 'a', then an e with an acute accent (UTF-8)
rcli eval "redis.call('HSET', KEYS[1], 'owner',
	string.rep('a', 1100000) .. '\195\169')" 1 "{mash}:ref:$2" > /dev/null
# shown WHAT FILE ITEMS: the three listed in FILE (its items at the jq
# path ITEMS), the long owner whole, its last letter as stored.
shown() {
	expect "$1: all three" "$(jq "$3 | length" "$2")" 3
	expect "$1: the owner whole" \
		"$(jq -r --arg id "$ID" "$3[] | select(.id == \$id) | .owner | length" "$2")" 1100001
	expect "$1: the owner's last letter as stored" \
		"$(jq -r --arg id "$ID" "$3[] | select(.id == \$id) | .owner[-1:]" "$2")" "$(printf '\303\251')"
}
ID=$2
ctl queue --json > "$T/all.json" 2> "$T/err"
expect "the stream answers" "$?" 0
shown "the stream" "$T/all.json" .
ctl queue --limit 10 --json > "$T/page.json" 2> "$T/err"
expect "the page answers" "$?" 0
shown "the page" "$T/page.json" .items
expect "mashd still answers" "$(ctl queue --json | jq length)" 3
finish
