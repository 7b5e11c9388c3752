#!/bin/sh
# A webhook whose address connect(2) refuses at once (a multicast address:
# Linux answers ENETUNREACH to a TCP connect, as it does for an address
# with no route, or a firewall with EPERM) is a failed attempt, retried,
# and mashd lives on. evhttp fails such a request inside
# evhttp_make_request() and frees it itself: mashd freed it again, and
# aborted, the referral stored but its 201 never sent.
. "$(dirname "$0")/lib.sh"
write_conf "
alerts = { timeout = 3; claim_idle = 5; retry = { first = 1; max = 1; attempts = 3; }; };
webhooks = (
  { name = \"sms\"; url = \"http://224.0.0.1:8080/hook\"; insecure = true;
    events = [ \"red\" ]; secret = \"webhook-secret-0123456789\"; }
);"
start_redis
at "2026-11-24 10:00:00"
start_mashd
expect "a Red is stored, and answered" \
	"$(post "$FIX/red.json" "$WEB_TOKEN" --max-time 30)" 201
R=$(jbody .id)
wait_for 10 "grep -q 'hook:sms failed' '$T/mashd.log'"
expect "its webhook's attempt fails" "$?" 0
expect_match "saying it had no answer" "$(grep 'hook:sms failed' "$T/mashd.log")" \
	'no answer'
wait_for 10 "[ \$(grep -c 'hook:sms failed' '$T/mashd.log') -ge 2 ]"
expect "and is tried again" "$?" 0
expect "mashd answers /healthz" \
	"$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$URL/healthz")" 200
expect "and stores the next referral" \
	"$(post "$FIX/amber.json" "$WEB_TOKEN" --max-time 30)" 201
expect "the Red is in the queue" \
	"$(ctl queue --json | jq -r "[.[] | select(.id == \"$R\")] | length")" 1
finish
