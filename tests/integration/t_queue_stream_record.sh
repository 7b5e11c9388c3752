#!/bin/sh
# A stream without filters reads a referral's record (HGET) after its
# fields (HMGET) when its categories field cannot be read. A record made
# no hash between the two is shown as damaged, "not a hash", as one made
# so before the HMGET is: the stream goes on (it was cut, "redis:
# WRONGTYPE ..."). Made certain by redis-cutter, which holds mashd's HGET
# until the record is changed.
. "$(dirname "$0")/lib.sh"
start_redis
start_cutter -w "$(printf '$4\r\nHGET\r\n$27\r\n{mash}:ref:')"
write_conf
conf_via_cutter
start_mashd
for f in red amber amber; do
	post "$FIX/$f.json" > /dev/null
	jbody .id >> "$T/ids"
done
rcli zrange '{mash}:queue' 0 -1 > "$T/order"
set -- $(cat "$T/order")
# Categories no JSON reader takes: its record is read for them.
rcli hset "{mash}:ref:$2" categories '[x]' > /dev/null

expect "nothing held before the stream" "$(grep -c '^held' "$T/cutter.out")" 0
ctl queue --all --json > "$T/all.json" 2> "$T/err" &
CTL_PID=$!
wait_for 10 "grep -q '^held' '$T/cutter.out'"
expect "the record's read held" "$(grep -c '^held' "$T/cutter.out")" 1
rcli del "{mash}:ref:$2" > /dev/null
rcli set "{mash}:ref:$2" 'not a hash' > /dev/null
kill -USR2 $CUTTER_PID
wait $CTL_PID
expect "the stream answers" "$?" 0
expect "each referral once, in the queue's order" \
	"$(jq -r '.[].id' "$T/all.json" | paste -sd' ')" "$*"
item() { jq -c --arg id "$1" ".[] | select(.id == \$id) | $2" "$T/all.json"; }
expect "the one made no hash before its record was read: shown so" \
	"$(item "$2" '[.status, .damaged]')" '["damaged","not a hash"]'
expect "the others as they were" "$(item "$3" .status)" '"new"'
expect "nothing said on standard error" "$(cat "$T/err")" ""
finish
