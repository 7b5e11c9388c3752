#!/bin/sh
# A stream without filters (mashctl queue --all --json) chooses each page
# in one call of queue.lua, then reads the page's referrals itself: what
# changes in between is shown as it is when read, in the place the
# referral had when its page was chosen, and each referral of the page
# still comes once. Made certain by redis-cutter, which holds mashd's
# reads of the first page (its HMGETs) until the changes are made.
. "$(dirname "$0")/lib.sh"
start_redis
# The marker: an HMGET command as mashd writes it (the scripts' text, which
# mashd loads, has HMGET in it too).
start_cutter -w "$(printf '\r\n$5\r\nHMGET\r\n')"
write_conf
conf_via_cutter
start_mashd
for f in red amber amber green blue; do
	post "$FIX/$f.json" > /dev/null
	jbody .id >> "$T/ids"
done
rcli zrange '{mash}:queue' 0 -1 > "$T/order"
set -- $(cat "$T/order")
DECIDED=$2 DAMAGED=$3 LATER=$4

expect "nothing held before the stream" "$(grep -c '^held' "$T/cutter.out")" 0
ctl queue --all --json > "$T/all.json" 2> "$T/err" &
CTL_PID=$!
wait_for 10 "grep -q '^held' '$T/cutter.out'"
expect "the page's reads held" "$(grep -c '^held' "$T/cutter.out")" 1
# Meanwhile, straight in Redis (mashd's own calls are held too): one
# decided, one whose record is no hash any more, one re-rated (its
# score moved to the queue's end, its brag red).
rcli hset "{mash}:ref:$DECIDED" status decided > /dev/null
rcli del "{mash}:ref:$DAMAGED" > /dev/null
rcli set "{mash}:ref:$DAMAGED" 'not a hash' > /dev/null
rcli hset "{mash}:ref:$LATER" brag red > /dev/null
rcli zadd '{mash}:queue' "$(($(rcli zscore '{mash}:queue' "$5") + 1))" "$LATER" \
	> /dev/null
kill -USR2 $CUTTER_PID
wait $CTL_PID
expect "the stream answers" "$?" 0
expect "each referral of the page once, in the order it was chosen" \
	"$(jq -r '.[].id' "$T/all.json" | paste -sd' ')" "$*"
item() { jq -c --arg id "$1" ".[] | select(.id == \$id) | $2" "$T/all.json"; }
expect "the one decided in between: shown as read, decided" \
	"$(item "$DECIDED" .status)" '"decided"'
expect "the one made damaged in between: shown so" \
	"$(item "$DAMAGED" '[.status, .damaged]')" '["damaged","not a hash"]'
expect "the one re-rated in between: in its place, with its new rating" \
	"$(item "$LATER" .brag)" '"red"'
expect "the others as they were" "$(item "$1" .status)" '"new"'
expect "nothing said on standard error" "$(cat "$T/err")" ""
# A filtered stream's items are still read by queue.lua as it chooses
# them: with none claimed, --unclaimed lists every one, the same bytes
# as the stream without filters, read now by mashd.
ctl queue --unclaimed --json > "$T/unclaimed.json"
ctl queue --json > "$T/now.json"
expect "a filtered stream (queue.lua's items): the same bytes" \
	"$(cmp "$T/unclaimed.json" "$T/now.json" 2>&1; echo $?)" 0
expect "a filtered stream: all five, the re-rated one now last" \
	"$(jq -r '.[].id' "$T/unclaimed.json" | paste -sd' ')" "$1 $2 $3 $5 $4"
finish
