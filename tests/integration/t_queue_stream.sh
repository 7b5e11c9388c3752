#!/bin/sh
# mashctl queue --all --json streams the queue: mashd sends it page after
# page on one connection, each page asked of Redis only once the client
# has read the pages before. Every referral comes exactly once, also when
# referrals are decided and submitted meanwhile; a stream cut short says
# so; and a client that stops reading holds mashd to the bound of unread
# answers (about 1 MB), however long the queue.
. "$(dirname "$0")/lib.sh"
start_redis
# Under ASan a freed block waits in its quarantine (256 MB by default)
# before it is used again. A page is some 33,000 of hiredis's replies
# (queue.lua's items as read, made into JSON by mashd), each freed once
# the page is made: the quarantine, not mashd, would grow the RSS past
# the bound below (28 MB so against main's 4.9 MB; 1.7 MB without ASan
# against 0.9). Kept to 1 MB, so that what is measured is mashd's.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=1"
start_mashd
STREAM="/usr/bin/python3 $TOP/tests/tools/ctl-stream.py"

queue_fill 1 10000
for f in red amber blue blue blue blue; do
	post "$FIX/$f.json" > /dev/null
	jbody .id >> "$T/posted"
done
BLUE="$(tail -4 "$T/posted" | tr '\n' ' ')"

# The whole queue, streamed, against Redis's own order.
rcli zrange '{mash}:queue' 0 -1 > "$T/order"
expect "10,006 open" "$(wc -l < "$T/order")" 10006
ctl queue --json > "$T/all.json"
expect "--json is one array" "$(jq length "$T/all.json")" 10006
expect "each once, in the queue's order" \
	"$(jq -r '.[].id' "$T/all.json" | cksum)" "$(cksum < "$T/order")"
expect "an item as a page's" "$(jq -c '.[0] | keys' "$T/all.json")" \
	"$(ctl queue --limit 1 --json | jq -c '.items[0] | keys')"
ctl queue --all | grep -c '^  [0-9]' > "$T/rows"
expect "the table with --all: every one" "$(cat "$T/rows")" 10006

# Paging by hand, with referrals decided and submitted between pages.
after= n=0
: > "$T/paged"
while :; do
	ctl queue --limit 1000 ${after:+--after "$after"} --json > "$T/page"
	jq -r '.items[].id' "$T/page" >> "$T/paged"
	after=$(jq -r '.next // empty' "$T/page")
	[ -n "$after" ] || break
	n=$((n + 1))
	if [ $n = 1 ]; then # the blue ones, last in the queue, meanwhile
		set -- $BLUE
		ctl decide "$1" nfa --reason 'No further action' > /dev/null
		post "$FIX/blue.json" > /dev/null
		jbody .id > "$T/new1"
	fi
	[ $n -lt 40 ] || break
done
expect "paging: no referral twice" "$(sort "$T/paged" | uniq -d | wc -l)" 0
expect "paging: the one decided meanwhile is not listed" \
	"$(grep -c "^$1\$" "$T/paged")" 0
expect "paging: the one submitted meanwhile is" \
	"$(grep -c "^$(cat "$T/new1")\$" "$T/paged")" 1
expect "paging: every other one" "$(wc -l < "$T/paged")" 10006

# Streaming, with the same done after the first page is read: mashd has
# not gone far past it (about 1 MB, where the queue is some 5 MB: the
# client has not read on), so the changes come before the stream reaches
# the blue ones, last in the queue.
set -- $BLUE
$STREAM read "$T/mashd.sock" 10 "MASHCTL=$MASHCTL T=$T sh -c '
	\"\$MASHCTL\" -s \"\$T/mashd.sock\" decide $2 nfa --reason done > /dev/null
	curl -s -o \"\$T/new2\" -X POST -H \"Authorization: Bearer $WEB_TOKEN\" \
		-H \"Content-Type: application/json\" \
		--data-binary @$FIX/blue.json $URL/v1/referrals'" > "$T/streamed"
expect "the stream ends" "$(tail -1 "$T/streamed")" end
sed -i '$d' "$T/streamed"
expect "streaming: no referral twice" "$(sort "$T/streamed" | uniq -d | wc -l)" 0
expect "streaming: the one decided meanwhile is not sent" \
	"$(grep -c "^$2\$" "$T/streamed")" 0
expect "streaming: the one submitted meanwhile is" \
	"$(grep -c "^$(jq -r .id "$T/new2")\$" "$T/streamed")" 1
expect "streaming: every other one" "$(wc -l < "$T/streamed")" 10006

# A reload (SIGHUP) between pages: the stream goes on to its end; the
# pages after it are made with the hub's zone the stream kept, not the one
# the reload freed (a use after free under ASan, as it was). (The reload
# fires the queue's overdue timers, whose referrals move in the queue: some
# come twice, so what is counted is each referral, not the lines.)
$STREAM read "$T/mashd.sock" 1000 "kill -HUP $MASHD_PID; sleep 0.5" \
	> "$T/reloaded"
expect "a stream with a reload between pages ends" \
	"$(tail -1 "$T/reloaded")" end
expect "and sends every referral" "$(sed '$d' "$T/reloaded" | sort -u | wc -l)" 10006
expect "mashd lives on" "$(ctl queue --limit 1 --json | jq '.items | length')" 1

# A bad cursor is refused before anything is sent.
ctl queue --json --all --after 'not-a-cursor' > /dev/null 2> "$T/err"
expect "a bad cursor is refused" "$?" 1
expect_match "saying so" "$(cat "$T/err")" 'not a queue cursor'

# A client that stops reading: mashd fetches no page past the bound of
# unread answers, so it does not grow with the queue (90,000 open: some
# 27 MB of answer). The streams above ran the same paths first, so that
# what grows is this one's (valgrind grows on code it runs the first time).
# In calls of 10,000, each short of redis.timeout, then until mashd
# answers: a Redis busy for long is one mashd takes for hung (t_redis_hang).
for i in 1 2 3 4 5 6 7 8; do
	queue_fill $((i * 10000 + 1)) $(((i + 1) * 10000))
done
wait_for 30 "ctl queue --limit 1 --json > /dev/null 2>&1"
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$MASHD_PID/status"; }
calls() { rcli info commandstats |
	sed -n 's/^cmdstat_evalsha:calls=\([0-9]*\),.*/\1/p'; }
before=$(rss)
$STREAM stall "$T/mashd.sock" 1000 > "$T/stall" &
HOG=$!
wait_for 10 "[ -s '$T/stall' ]"
# Until it stops asking Redis for pages (unbounded, it would ask all 90).
c0=$(calls) n=0
while :; do
	sleep 0.5
	c1=$(calls)
	[ "$c1" = "$c0" ] && break
	c0=$c1 n=$((n + 1))
	[ $n -lt 120 ] || break
done
grown=$(($(rss) - before))
echo "$TEST: mashd grew by $grown kB for a client that stopped reading"
expect "mashd grows by less than 15 MB" \
	"$([ $grown -lt 15360 ] && echo yes || echo "no: $grown kB")" yes
expect "root's mashctl is answered meanwhile" \
	"$(ctl queue --limit 1 --json | jq '.items | length')" 1

kill "$HOG"
wait "$HOG" 2> /dev/null

# Cut short: Redis goes while the stream waits for its client, who then
# reads on: it reads what was sent, then the line that says it is cut.
$STREAM read "$T/mashd.sock" 1000 "kill -9 $REDIS_PID" > "$T/cut"
expect_match "a stream cut short says so, and how to go on" \
	"$(tail -1 "$T/cut")" \
	'^error: .*the list is cut after [0-9]+ referrals; go on with --after [0-9]+:MASH-[0-9-]+$'
expect "the referrals sent before it: as many as it says" \
	"$(($(wc -l < "$T/cut") - 1))" \
	"$(tail -1 "$T/cut" | sed 's/.*cut after \([0-9]*\) .*/\1/')"
{ wait "$REDIS_PID"; } 2> /dev/null
REDIS_PID=
start_redis
wait_for 10 "curl -sf '$URL/healthz'"

# mashctl, its output read slowly: Redis goes meanwhile. The array is
# left open, so no reader takes it for the whole queue.
ctl queue --json 2> "$T/err" | {
	head -c 1000 > /dev/null
	kill -9 "$REDIS_PID"
	cat > "$T/rest"
}
expect_match "mashctl says the list is cut and how to go on" "$(cat "$T/err")" \
	'^mashctl: .*the list is cut after [0-9]+ referrals; go on with --after [0-9]+:MASH-[0-9-]+$'
expect "its array is not closed" "$(tail -c 1 "$T/rest")" "}"
{ wait "$REDIS_PID"; } 2> /dev/null
REDIS_PID=
start_redis
wait_for 10 "curl -sf '$URL/healthz'"
expect "mashd answers again" "$(ctl queue --limit 1 --json | jq ".items | length")" 1
finish
