#!/bin/sh
# A webhook whose host name the DNS never answers for stops nothing else:
# the name is looked up without blocking mashd's loop, so intake, the
# control socket and /healthz answer while the lookup waits. mashd runs
# in a mount namespace whose /etc/resolv.conf names a DNS server of the
# test's that reads every query and answers none.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_dns.sh"
silent_dns
write_conf "
alerts = { timeout = 3; claim_idle = 5; };
webhooks = (
  { name = \"sms\"; url = \"http://hook.stuck.test:8080/hook\"; insecure = true;
    events = [ \"red\" ]; secret = \"webhook-secret-0123456789\"; }
);"
start_redis
at "2026-11-24 10:00:00"
start_mashd

# Nothing is looked up yet: the bound is only against a hang (under
# valgrind at load 8 this first call, with the scripts' first load, took
# over 5 s).
expect "a Red is stored" "$(post "$FIX/red.json" "$WEB_TOKEN" --max-time 30)" 201
wait_for 10 asked stuck
expect "its webhook's host is being looked up" "$?" 0
# The lookup waits 20 s for its answer; meanwhile everything else answers.
expect "/healthz answers meanwhile" \
	"$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$URL/healthz")" 200
expect "a referral is stored meanwhile" \
	"$(post "$FIX/amber.json" "$WEB_TOKEN" --max-time 5)" 201
expect_match "the control socket answers meanwhile" \
	"$(timeout 5 "$MASHCTL" -s "$T/mashd.sock" queue 2>&1)" 'open 2'
# The attempt, lookup and all, ends within alerts.timeout (3 s), as it
# must (another mashd takes over an alert after claim_idle), well before
# the resolver gives up (20 s): a failure to retry.
wait_for 12 "grep -q 'hook:sms failed' '$T/mashd.log'"
expect "the attempt fails at alerts.timeout, not the resolver's" "$?" 0
finish
