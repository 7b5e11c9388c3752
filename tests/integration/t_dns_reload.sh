#!/bin/sh
# SIGHUP reads /etc/resolv.conf and /etc/hosts again, as getaddrinfo(3)
# would see a change: a webhook's host added to /etc/hosts after mashd
# started is found after a reload, where before only a restart found it.
# A lookup under way during the reload ends on the resolver it began on,
# which is freed after it (valgrind and ASan see the rest).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_dns.sh"
mkdir -p "$T/hooks"
"$BUILD/webhook-recv" "$T/hook.port" "$T/hooks" "$T/hook.status" &
wait_for 5 test -s "$T/hook.port"
HOOK_PORT=$(cat "$T/hook.port")
silent_dns "127.0.0.1 localhost"
write_conf "
alerts = { timeout = 3; claim_idle = 5; retry = { first = 1; max = 2; attempts = 20; }; };
webhooks = (
  { name = \"sms\"; url = \"http://hook.late.test:$HOOK_PORT/hook\"; insecure = true;
    events = [ \"red\" ]; secret = \"webhook-secret-0123456789\"; }
);"
start_redis
at "2026-11-24 10:00:00"
start_mashd

expect "a Red is stored" "$(post "$FIX/red.json" "$WEB_TOKEN" --max-time 5)" 201
wait_for 10 asked late
expect "its webhook's host is asked of the DNS, which does not answer" "$?" 0
kill -HUP "$MASHD_PID"
wait_for 10 "grep -q 'reload: .* read again' '$T/mashd.log'"
expect "a reload during the lookup" "$?" 0
wait_for 12 "grep -q 'hook:sms failed: no answer within 3 s' '$T/mashd.log'"
expect "the lookup under way ends unanswered, and the attempt fails" "$?" 0
expect "nothing delivered" "$(ls "$T/hooks" | grep -c '\.body$')" 0

# The name is added to /etc/hosts (the namespace's, bound to $T/hosts).
echo "127.0.0.1 hook.late.test" >> "$T/hosts"
n=$(grep -c 'hook:sms failed' "$T/mashd.log")
# Two attempts more, the second begun after the change: by the resolver
# read at the first reload, the name is still asked of the DNS.
wait_for 20 "[ \$(grep -c 'hook:sms failed' '$T/mashd.log') -ge $((n + 2)) ]"
expect "before a reload the name is still not found" "$?" 0
expect "and nothing is delivered" "$(ls "$T/hooks" | grep -c '\.body$')" 0
kill -HUP "$MASHD_PID"
wait_for 15 "ls '$T'/hooks/*.body"
expect "after a reload the name in /etc/hosts is found: delivered" "$?" 0
expect "mashd answers /healthz" \
	"$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$URL/healthz")" 200
finish
