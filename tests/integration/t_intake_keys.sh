#!/bin/sh
# t_intake_keys: the keys intake.c makes are spelt as documented. The
# child's key for repeat detection is HMAC-SHA256, under repeat.secret, of
# "first|last|dob" normalised (ASCII letters and digits, lower-cased), in
# lower-case hex, checked here against openssl(1); mashd's own idempotency
# key and the attempt token are 16 random bytes in lower-case hex.
. "$(dirname "$0")/lib.sh"

SECRET=intake-keys-secret-0123456789abcdef
write_conf "repeat = { secret = \"$SECRET\"; };"
start_redis
start_mashd

post "$FIX/red.json" > /dev/null
REF=$(jbody .id)
want=$(printf '%s' 'peregrine|thistlewoodokonkwo|2019-04-23' |
	openssl dgst -sha256 -hmac "$SECRET" -r | cut -d' ' -f1)
expect "the child's key is the HMAC of the normalised names and date, in lower-case hex" \
	"$(rcli zscore "{mash}:child:$want" "$REF" > /dev/null && rcli exists "{mash}:child:$want")" 1
key=$(rcli --scan --pattern '{mash}:idem:web-form:*' | head -1)
expect_match "mashd's own idempotency key: mashd- and 32 lower-case hex digits" \
	"$key" '^\{mash\}:idem:web-form:mashd-[0-9a-f]{32}$'
expect_match "the attempt that stored it: 32 lower-case hex digits" \
	"$(rcli get "$key" | jq -r .attempt)" '^[0-9a-f]{32}$'
expect_match "the record's fingerprint: 64 lower-case hex digits" \
	"$(rcli get "$key" | jq -r .hash)" '^[0-9a-f]{64}$'
stop_mashd TERM
finish
