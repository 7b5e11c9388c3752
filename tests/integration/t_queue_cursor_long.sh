#!/bin/sh
# A queue member whose id is long (100 characters, no referral's) makes a
# cursor longer than the 96 bytes mashd keeps to go on from: a page still
# shows its items, naming queue.lua's cursor whole; a stream sends the
# page, then says it is cut there, and why, truly (no referral unsent).
. "$(dirname "$0")/lib.sh"
start_redis
at "2026-07-14 09:30:00"
start_mashd
for f in amber amber amber; do
	post "$FIX/$f.json" > /dev/null
	jbody .id >> "$T/ids"
done
set -- $(cat "$T/ids")
LONG=$(printf 'X%.0s' $(seq 100))
# r1, r2, the long one, r3: a page of 3 ends at the long one.
rcli zadd "{mash}:queue" 1 "$1" 2 "$2" 3 "$LONG" 4 "$3" > /dev/null
ctl queue --limit 3 --json > "$T/page.json" 2> "$T/page.err"
expect "the page answers" "$?" 0
expect "the page: its 3 items" "$(jq -r '.items[].id' "$T/page.json" | tr '\n' ' ')" \
	"$1 $2 $LONG "
expect "the page: queue.lua's cursor, whole" "$(jq -r .next "$T/page.json")" "3:$LONG"
/usr/bin/python3 "$TOP/tests/tools/ctl-stream.py" read "$T/mashd.sock" 3 > "$T/stream"
expect "the stream: the page's 3, then an error" \
	"$(head -3 "$T/stream" | tr '\n' ' ')" "$1 $2 $LONG "
last=$(tail -1 "$T/stream")
expect_match "the stream says it is cut after the 3 sent" "$last" \
	'^error: .*cut after 3 referrals'
expect_match "the stream says why" "$last" 'too long to go on from'
expect "the stream does not say no referral was sent" \
	"$(grep -c 'no referral was sent' "$T/stream")" 0
expect "mashd still answers" "$(ctl queue --json | jq length)" 4
finish
