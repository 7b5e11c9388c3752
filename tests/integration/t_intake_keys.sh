#!/bin/sh
# t_intake_keys: the keys intake.c makes are spelt as documented. The
# child's key for repeat detection is HMAC-SHA256, under repeat.secret, of
# "first|last|dob" normalised (ASCII letters and digits, lower-cased), in
# lower-case hex, checked here against openssl(1), and under the new
# secret once a reload changed it (mashd keeps its HMAC key set up between
# referrals); mashd's own idempotency key and the attempt token are 16
# random bytes in lower-case hex.
. "$(dirname "$0")/lib.sh"

# key_under SECRET: red.json's child's key under that secret.
key_under() {
	printf '%s' 'peregrine|thistlewoodokonkwo|2019-04-23' |
		openssl dgst -sha256 -hmac "$1" -r | cut -d' ' -f1
}

SECRET=intake-keys-secret-0123456789abcdef
write_conf "repeat = { secret = \"$SECRET\"; };"
start_redis
start_mashd

post "$FIX/red.json" > /dev/null
REF=$(jbody .id)
want=$(key_under "$SECRET")
expect "the child's key is the HMAC of the normalised names and date, in lower-case hex" \
	"$(rcli zscore "{mash}:child:$want" "$REF" > /dev/null && rcli exists "{mash}:child:$want")" 1
# The second referral under the same secret: the key kept set up
# between referrals gives the same HMAC.
post "$FIX/red.json" > /dev/null
expect "and again for the next referral under the same secret" \
	"$(rcli zscore "{mash}:child:$want" "$(jbody .id)" | grep -c .)" 1
key=$(rcli --scan --pattern '{mash}:idem:web-form:*' | head -1)
expect_match "mashd's own idempotency key: mashd- and 32 lower-case hex digits" \
	"$key" '^\{mash\}:idem:web-form:mashd-[0-9a-f]{32}$'
expect_match "the attempt that stored it: 32 lower-case hex digits" \
	"$(rcli get "$key" | jq -r .attempt)" '^[0-9a-f]{32}$'
expect_match "the record's fingerprint: 64 lower-case hex digits" \
	"$(rcli get "$key" | jq -r .hash)" '^[0-9a-f]{64}$'

SECRET2=intake-keys-other-secret-fedcba9876543210
write_conf "repeat = { secret = \"$SECRET2\"; };"
kill -HUP "$MASHD_PID"
wait_for 10 "grep -q 'reload: .* read again' '$T/mashd.log'"
expect "the reload with another secret is taken" "$?" 0
post "$FIX/red.json" > /dev/null
REF2=$(jbody .id)
want2=$(key_under "$SECRET2")
expect "after it, the child's key is the HMAC under the new secret" \
	"$(rcli zscore "{mash}:child:$want2" "$REF2" > /dev/null && rcli exists "{mash}:child:$want2")" 1
expect "and not under the old one" \
	"$(rcli zscore "{mash}:child:$want" "$REF2")" ""
post "$FIX/red.json" > /dev/null
expect "and again for the next referral under the new secret" \
	"$(rcli zscore "{mash}:child:$want2" "$(jbody .id)" | grep -c .)" 1

# The record is stored as the compact JSON of what was sent, byte for
# byte: quotes, a backslash, a newline and non-ASCII text included.
SUMMARY='She said "not again" \ the door was shut
Zoë, 6'
jq --arg s "$SUMMARY" '.concern.summary = $s' "$FIX/amber.json" > "$T/odd.json"
post "$T/odd.json" > /dev/null
rec=$(rcli hget "{mash}:ref:$(jbody .id)" record)
expect "the record stored is compact JSON" "$(printf '%s' "$rec" | jq -c .)" "$rec"
expect "holding the summary as sent" "$(printf '%s' "$rec" | jq -r .concern.summary)" "$SUMMARY"
stop_mashd TERM
finish
