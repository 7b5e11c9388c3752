#!/bin/sh
# A referrer's address that is not a plain one (intake refuses such now;
# a record stored before it did may hold one) is given to no transport:
# sendmail -t reads its recipients from To:, where "postmaster,x@y" names
# the postmaster too. The attempts fail, then a dead letter; nothing is
# mailed to it, and mashd goes on.
. "$(dirname "$0")/lib.sh"
recording_sendmail
write_conf "alerts = { sendmail = \"$T/sendmail\"; from = \"mash-alerts@hub.example\";
  retry = { first = 1; max = 2; attempts = 3; }; claim_idle = 4; timeout = 3; };"
start_redis
at "2026-11-24 10:00:00"
start_mashd

jq '.referrer.email = "postmaster,t.adeyinka-holm@academy.example"' \
	"$FIX/green.json" > "$T/odd.json"
expect "an address with a comma is refused at intake" "$(post "$T/odd.json")" 400
expect_match "naming the field" "$(jbody .error)" 'referrer.email'
# A record stored before: made so in Redis between two attempts.
touch "$T/sendmail.fail"
expect "green, its first attempt failing" "$(post "$FIX/green.json")" 201
G=$(jbody .id)
wait_for 10 "grep -qF 'ref=$G event=ack: mail:referrer failed' '$T/mashd.log'"
expect "its first attempt fails" "$?" 0
rcli eval "local k = KEYS[1]
	local r = cjson.decode(redis.call('HGET', k, 'record'))
	r.referrer.email = 'postmaster,t.adeyinka-holm@academy.example'
	redis.call('HSET', k, 'record', cjson.encode(r))" 1 "{mash}:ref:$G" > /dev/null
rm "$T/sendmail.fail"
dead() { ctl alerts --state dead --json |
	jq -r ".[] | select(.ref == \"$G\" and .event == \"ack\") | .last_error"; }
wait_for 15 "dead | grep -q ."
expect "its attempts fail, then a dead letter" "$?" 0
expect_match "saying why, without the address" "$(dead)" 'not a plain one'
expect "nothing was mailed to it" \
	"$(grep -l '^To: .*postmaster' "$T"/mail/*.eml 2> /dev/null | wc -l)" 0
expect "mashd goes on: another referral" "$(post "$FIX/amber.json")" 201
finish
