#!/bin/sh
# Telephone referrals: typed in with mashctl, they start the 24-hour
# written-confirmation timer; `confirm` stops it; a reminder fires once
# when it runs out, also when Redis was away at the instant.
. "$(dirname "$0")/lib.sh"
start_redis
at "2026-11-24 10:00:00" # Tuesday
start_mashd

ctl referral new --file "$FIX/phone.json" > "$T/out"
expect "a call handler's referral is taken" "$?" 0
expect_match "the reference to read back" "$(cat "$T/out")" \
	'^Reference MASH-2026-000001, rated amber'
ctl show MASH-2026-000001 --json > "$T/show"
expect "channel phone" "$(jq -r .channel "$T/show")" phone
expect "audited with the call handler's uid" \
	"$(events MASH-2026-000001 submit | grep -c "actor uid:$(id -u)")" 1
expect "written due 24 hours after receipt" \
	"$(jq -r .timers.written.due "$T/show" | minute)" 2026-11-25T10:00
ctl referral new --file "$FIX/invalid-dob-future.json" 2> "$T/err"
expect "an invalid telephone referral is refused" "$?" 1
expect_match "naming the field" "$(cat "$T/err")" 'child.dob'
expect "and nothing stored" "$(nrefs)" 1
printf '{"oops":' > "$T/broken.json"
ctl referral new --file "$T/broken.json" 2> "$T/err"
expect "an unreadable file is a usage error" "$?" 2
expect "second phone referral" \
	"$(ctl referral new --file "$FIX/phone.json" --json | jq -r .id)" MASH-2026-000002
expect "third phone referral" \
	"$(ctl referral new --file - --json < "$FIX/phone.json" | jq -r .id)" MASH-2026-000003

# The first is confirmed in writing; the others are not.
expect "confirm" "$(ctl confirm MASH-2026-000001 --json | jq -r .ok)" true
ctl confirm MASH-2026-000001 2> "$T/err"
expect "confirming twice is refused" "$?" 1
expect_match "and says so" "$(cat "$T/err")" 'confirmed already'
expect "written stopped" \
	"$(ctl show MASH-2026-000001 --json | jq -r .timers.written.stopped | minute)" \
	2026-11-24T10:00
# A decision does not stop the written timer.
ctl decide MASH-2026-000003 early_help --reason 'Family support' > /dev/null
expect "decided but written still running" \
	"$(ctl show MASH-2026-000003 --json | jq -r '.timers.written.stopped')" null
stop_mashd

# 24 hours later, to the second: reminders for 2 and 3, none for 1.
at "2026-11-25 09:59:58"
start_mashd
wait_for 10 "fired MASH-2026-000002 written"
expect "written fired for the unconfirmed one" "$?" 0
expect "at its instant" "$(on_time MASH-2026-000002 written)" yes
wait_for 5 "fired MASH-2026-000003 written"
expect "and for the decided one" "$?" 0
expect "not for the confirmed one" \
	"$(ctl show MASH-2026-000001 --json | jq -r .timers.written.fired)" null
expect "the reminder is in the outbox" \
	"$(rcli xrange '{mash}:outbox' - + | tr '\n' ' ' |
	   grep -o 'event written_reminder ref MASH-2026-00000[0-9]' | sort | tr '\n' ' ')" \
	"event written_reminder ref MASH-2026-000002 event written_reminder ref MASH-2026-000003 "
stop_mashd

# Redis away across a due instant: on reconnect the timer fires, once,
# without restarting mashd (BullMQ #1656, #2466).
at "2026-11-26 10:00:00"
start_mashd
expect "a fourth" "$(ctl referral new --file "$FIX/phone.json" --json | jq -r .id)" \
	MASH-2026-000004
stop_mashd
at "2026-11-27 09:59:57"
start_mashd
pid=$MASHD_PID
stop_redis TERM
sleep 4 # the due instant passes while Redis is down
start_redis
wait_for 15 "fired MASH-2026-000004 written"
expect "fired after Redis came back" "$?" 0
expect "the same mashd" "$MASHD_PID" "$pid"
expect "once" "$(events MASH-2026-000004 fire | grep -c 'timer=written ')" 1
finish
