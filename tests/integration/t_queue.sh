#!/bin/sh
# A navigator's view: mashctl status, queue and show over the control socket.
. "$(dirname "$0")/lib.sh"
start_redis
start_mashd
year=$(date -u +%Y)
ref() { printf 'MASH-%s-%06d' "$year" "$1"; }

expect "empty queue is an empty array" "$(ctl queue --json)" "[]"
# Submitted in an order unlike the queue's.
for f in blue green red amber red amber; do
	post "$FIX/$f.json" > /dev/null
	sleep 0.01 # distinct instants of receipt
done
expect "queue orders by BRAG, then oldest first" \
	"$(ctl queue --json | jq -r 'map(.id + ":" + .brag) | join(" ")')" \
	"$(ref 3):red $(ref 5):red $(ref 4):amber $(ref 6):amber $(ref 2):green $(ref 1):blue"
expect "each item has id, brag, status, channel, received" \
	"$(ctl queue --json | jq -r '.[0] | [has("id","brag","status","channel","received")] | all')" \
	true
expect "items carry the channel" "$(ctl queue --json | jq -r '.[0].channel')" web
expect "queue --brag red" \
	"$(ctl queue --brag red --json | jq -r 'map(.id) | join(" ")')" \
	"$(ref 3) $(ref 5)"
expect "queue --brag a (a prefix)" "$(ctl queue --brag a --json | jq length)" 2
ctl queue --brag purple > /dev/null 2> "$T/err"
expect "queue --brag purple is refused" "$?" 1
expect_match "and says what is allowed" "$(cat "$T/err")" 'red, amber, green or blue'
ctl queue > "$T/table"
expect_match "table counts the queue" "$(head -1 "$T/table")" '^queue +red 2, amber 2, green 1, blue 1 \(open 6\)'
expect_match "table has a header" "$(sed -n 2p "$T/table")" '^ +REF +BRAG +HOLDER +REPEAT +CATEGORIES +CHANNEL +RECEIVED'
expect "table has a row per referral" "$(($(wc -l < "$T/table") - 2))" 6

# show: the record and its metadata; the read is audited with the caller.
ctl show "$(ref 3)" --json > "$T/show"
expect "show gives the id" "$(jq -r .id "$T/show")" "$(ref 3)"
expect "show gives the rating" "$(jq -r .brag "$T/show")" red
expect "show gives the record" "$(jq -r .record.child.first_name "$T/show")" \
	"$(jq -r .child.first_name "$FIX/red.json")"
expect "show gives the client" "$(jq -r .client "$T/show")" web-form
expect_match "show gives received as ISO" "$(jq -r .received "$T/show")" 'Z$'
expect_match "the read is audited with the caller's uid" \
	"$(events "$(ref 3)" show)" "actor uid:$(id -u)"
ctl show "$(ref 99)" > /dev/null 2> "$T/err"
expect "show of an unknown referral fails" "$?" 1
expect_match "and says so" "$(cat "$T/err")" "no referral $(ref 99)"
ctl show not-a-ref > /dev/null 2> "$T/err"
expect "show of a malformed reference fails" "$?" 1

# status
expect "status --json: queue depth" "$(ctl status --json | jq .queue.open)" 6
expect "status --json: red count" "$(ctl status --json | jq .queue.red)" 2
expect "status --json: redis up" "$(ctl status --json | jq -r .redis)" up
expect_match "status for a person" "$(ctl status)" 'queue +red 2, amber 2, green 1, blue 1, open 6'

# The CLI's own errors.
ctl frobnicate > /dev/null 2> "$T/err"
expect "unknown command: exit 2" "$?" 2
expect_match "unknown command lists the commands" "$(cat "$T/err")" 'queue.*show'
expect "a unique prefix works" "$(ctl que --json | jq length)" 6
"$MASHCTL" -s "$T/nonexistent.sock" status > /dev/null 2> "$T/err"
expect "no daemon: exit 3" "$?" 3
expect_match "no daemon: says where it looked" "$(cat "$T/err")" nonexistent.sock

# A client speaking garbage gets an error line and mashd goes on.
printf 'this is not json\n{"v":1,"cmd":"status"}\n' |
	timeout 35 socat -t 30 - UNIX-CONNECT:"$T/mashd.sock" > "$T/raw" 2>/dev/null ||
	printf 'this is not json\n' > /dev/null
if command -v socat > /dev/null; then
	expect_match "garbage gets an error" "$(head -1 "$T/raw")" '"ok":false'
	expect_match "the next line is answered" "$(sed -n 2p "$T/raw")" '"ok":true'
fi
expect "mashd still answers" "$(ctl status --json | jq -r .redis)" up
finish
