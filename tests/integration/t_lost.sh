#!/bin/sh
# A reply lost after Redis ran the script, or a Redis that hangs: mashd
# never says "nothing was stored" while it was stored. It looks its
# submission's idempotency key up (its own key when the sender gave none)
# and answers the truth; when it cannot find out in time it answers 503
# with outcome "unknown" and the key, and sending the same record again
# with that key returns the referral stored, or stores it once.
#
# mashd reaches Redis through redis-cutter, a proxy that loses the reply
# to (or the request of) the one request holding a marker.
. "$(dirname "$0")/lib.sh"
start_redis
SP=$T/spool
mkdir -p "$SP"
start_cutter -c cutterA -h cutterB -d cutterC
write_conf "spool = { dir = \"$SP\"; poll_ms = 200; };"
conf_via_cutter
start_mashd

marked() { # MARKER FILE: a referral whose concern holds MARKER
	jq --arg m "$1" '.concern.summary = $m + " " + .concern.summary' \
		"$FIX/amber.json" > "$2"
}
# The referrals stored under an idempotency key of this client.
stored_as() { # KEY
	for k in $(rcli --scan --pattern '{mash}:ref:*' | grep -v ':audit$'); do
		[ "$(rcli hget "$k" idempotency_key)" = "$1" ] && echo "${k#*ref:}"
	done
}
cut_seen() { grep -q "^$1 $2\$" "$T/cutter.out"; }

# --- the reply is lost, Redis is back at once: the truth, 201 ----------
marked cutterA "$T/a.json"
expect "a lost reply: 201 all the same" "$(post "$T/a.json")" 201
expect "the reply was indeed lost" "$(cut_seen cut cutterA && echo yes)" yes
id_a=$(jbody .id)
expect_match "with the reference stored" "$id_a" '^MASH-[0-9]{4}-[0-9]{6}$'
expect "stored once" "$(nrefs)" 1
key_a=$(rcli hget "{mash}:ref:$id_a" idempotency_key)
expect_match "under a key of mashd's own, kept with it" "$key_a" \
	'^mashd-[0-9a-f]{32}$'
expect "the key's entry lives as long as a client's" \
	"$(rcli ttl "{mash}:idem:web-form:$key_a" |
	   awk '{print ($1 > 86000 && $1 <= 86400) ? "yes" : $1}')" yes
expect "not marked replayed: this submission stored it" \
	"$(grep -ci '^Idempotent-Replayed' "$T/headers")" 0
expect_match "logged as received" "$(cat "$T/mashd.log")" \
	"referral $id_a received channel=web"

# --- the request is lost before Redis saw it: "not stored" is true ------
marked cutterC "$T/c.json"
expect "a lost request: 503" "$(post "$T/c.json")" 503
expect "the request was indeed dropped" "$(cut_seen drop cutterC && echo yes)" yes
expect "outcome: not stored" "$(jbody .outcome)" not_stored
expect_match "says nothing was stored" "$(jbody .error)" 'nothing was stored'
expect_match "with Retry-After" "$(cat "$T/headers")" 'Retry-After: [0-9]+'
expect "and indeed nothing was" "$(nrefs)" 1
expect "sent again: 201" "$(post "$T/c.json")" 201
expect "stored now, once" "$(nrefs)" 2

# --- the reply is lost and Redis stays away: unknown, with the key ------
marked cutterB "$T/b.json"
expect "a lost reply, Redis away: 503" "$(post "$T/b.json")" 503
expect "the reply was indeed lost" "$(cut_seen cut cutterB && echo yes)" yes
expect "outcome: unknown" "$(jbody .outcome)" unknown
key_b=$(jbody .idempotency_key)
expect_match "with the key that recovers it" "$key_b" '^mashd-[0-9a-f]{32}$'
expect "never says nothing was stored" \
	"$(jbody .error | grep -c 'nothing was stored')" 0
expect_match "with Retry-After" "$(cat "$T/headers")" 'Retry-After: [0-9]+'
kill -USR1 $CUTTER_PID
wait_for 15 curl -sf "$URL/healthz"
id_b=$(stored_as "$key_b")
expect_match "it was in fact stored, under that key" "$id_b" '^MASH-'
expect "sent again with the key: 201" "$(post "$T/b.json" "$WEB_TOKEN" \
	-H "Idempotency-Key: $key_b")" 201
expect "the referral stored" "$(jbody .id)" "$id_b"
expect_match "marked replayed" "$(cat "$T/headers")" 'Idempotent-Replayed: true'
expect "and only that one" "$(stored_as "$key_b" | grep -c .)" 1
expect "three referrals in all" "$(nrefs)" 3

# --- Redis hangs (SIGSTOP) under all three channels ---------------------
n=$(nrefs)
kill -STOP "$REDIS_PID"
# Bounded, so a mashd that waits as long as Redis hangs fails, not hangs.
post "$FIX/green.json" "$WEB_TOKEN" --max-time 20 > "$T/code" &
curl_pid=$!
timeout 20 "$MASHCTL" -s "$T/mashd.sock" referral new \
	--file "$FIX/phone.json" > "$T/ctl.out" 2> "$T/ctl.err" &
ctl_pid=$!
cp "$FIX/mail/json-attachment.eml" "$SP/tmp/m1" && mv "$SP/tmp/m1" "$SP/new/m1"
wait $curl_pid
expect "HTTP during a hang: 503" "$(cat "$T/code")" 503
expect "outcome: unknown" "$(jbody .outcome)" unknown
key_h=$(jbody .idempotency_key)
wait $ctl_pid
expect "mashctl during a hang: exit 4" "$?" 4
key_p=$(sed -n 's/.*--idempotency-key \([^ ]*\)$/\1/p' "$T/ctl.err")
expect_match "mashctl says the outcome is unknown" "$(cat "$T/ctl.err")" \
	'may or may not be stored'
expect_match "and how to send it again" "$(cat "$T/ctl.err")" \
	'mashctl referral new --file .*phone.json --idempotency-key mashctl-[0-9a-f]{24}'
expect "the mail waits in new/" "$(test -f "$SP/new/m1" && echo yes)" yes
kill -CONT "$REDIS_PID"
wait_for 15 "[ -f '$SP/cur/m1:2,S' ]"
expect "once Redis is back the mail is filed" "$?" 0
id_h=$(stored_as "$key_h")
# Whether Redis ran the hung call before mashd gave up on it depends on
# the instant (usually it did: the call was in its socket). Either way the
# answer "unknown" was true, and sending again with the key stores it once.
expect "sent again with its key: 201" "$(post "$FIX/green.json" "$WEB_TOKEN" \
	-H "Idempotency-Key: $key_h")" 201
if [ -n "$id_h" ]; then
	expect "the hung HTTP referral was stored: the same referral" \
		"$(jbody .id)" "$id_h"
else
	expect_match "the hung HTTP referral was not stored: stored now" \
		"$(jbody .id)" '^MASH-'
fi
expect "the key names that one referral" "$(stored_as "$key_h")" "$(jbody .id)"
ctl referral new --file "$FIX/phone.json" --idempotency-key "$key_p" \
	--json > "$T/ctl.out"
expect "the telephone referral sent again with its key" "$?" 0
expect "is the one stored" "$(jq -r .id "$T/ctl.out")" "$(stored_as "$key_p")"
expect "three more referrals, none twice" "$(nrefs)" $((n + 3))
# mashd moves the mail to cur/ first and logs after: wait for the line.
wait_for 10 log_has 0 'spool: m1 .*filed to cur/'
expect "the mail was filed once" \
	"$(grep -c 'spool: m1 .*filed to cur/' "$T/mashd.log")" 1
expect_match "while it waited it said the outcome was unknown" \
	"$(cat "$T/mashd.log")" 'referral by email from email: outcome unknown.*idempotency key mail-[0-9a-f]{64}'
expect_match "and kept the mail in new/" "$(cat "$T/mashd.log")" 'spool: m1 stays in new/'
finish
