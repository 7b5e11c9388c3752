#!/bin/sh
# Idempotency keys: a key names one referral. The same key with the same
# record (however its keys are ordered) replays the first answer; the same
# key with another record is refused 422 and stores nothing, so a second
# child's referral is never answered with the first child's reference.
. "$(dirname "$0")/lib.sh"
start_redis
start_mashd

post_key() { # FILE KEY [TOKEN]
	post "$1" "${3:-$POLICE_TOKEN}" -H "Idempotency-Key: $2"
}

expect "first submission with a key" "$(post_key "$FIX/amber.json" inc-1)" 201
first=$(body)
id=$(jbody .id)
expect "the same record again: 201" "$(post_key "$FIX/amber.json" inc-1)" 201
expect "the same record again: the first answer" "$(body)" "$first"
jq -S . "$FIX/amber.json" > "$T/amber-sorted.json"
expect "the same record, keys in another order: 201" \
	"$(post_key "$T/amber-sorted.json" inc-1)" 201
expect "the same record, keys in another order: the first answer" \
	"$(body)" "$first"
expect "one referral so far" "$(nrefs)" 1

# Another child under the same key: refused, nothing stored.
seq_before=$(rcli get "{mash}:seq:$(date -u +%Y)")
expect "another record under the same key: 422" \
	"$(post_key "$FIX/red.json" inc-1)" 422
expect "names the header" "$(jbody .field)" Idempotency-Key
expect_match "says why" "$(jbody .error)" 'another referral'
expect "does not give the first reference" "$(jbody .id)" null
expect "stores nothing: referrals" "$(nrefs)" 1
expect "stores nothing: sequence" \
	"$(rcli get "{mash}:seq:$(date -u +%Y)")" "$seq_before"
expect "stores nothing: audit" \
	"$(rcli xrange '{mash}:events' - + | grep -cx submit)" 1
jq '.child.first_name = "Other"' "$FIX/amber.json" > "$T/other.json"
expect "one field changed under the same key: 422" \
	"$(post_key "$T/other.json" inc-1)" 422
expect "the first record still replays after a refusal" \
	"$(post_key "$FIX/amber.json" inc-1)" 201
expect "with the first id" "$(jbody .id)" "$id"

# A key kept before keys carried a hash still replays its answer.
rcli set '{mash}:idem:county-police:old-1' \
	"{\"id\":\"$id\",\"brag\":\"amber\",\"received\":\"2026-01-01T00:00:00Z\",\"status\":\"new\"}" \
	EX 600 > /dev/null
expect "an older key without a hash: replayed" \
	"$(post_key "$FIX/red.json" old-1)" 201
expect "with its first answer" "$(jbody .id)" "$id"
expect "still one referral under it" "$(nrefs)" 1

# Keys are per client: the other client's inc-1 is its own.
expect "the same key from another client: a new referral" \
	"$(post_key "$FIX/red.json" inc-1 "$WEB_TOKEN")" 201
expect "two referrals" "$(nrefs)" 2

# The control socket: the same rule for a call handler's key.
ctl referral new --file "$FIX/phone.json" --idempotency-key call-7 --json \
	> "$T/out"
expect "telephone referral with a key" "$?" 0
phone_id=$(jq -r .id "$T/out")
expect "the same again: the same reference" \
	"$(ctl referral new --file "$FIX/phone.json" --idempotency-key call-7 \
		--json | jq -r .id)" "$phone_id"
ctl referral new --file "$FIX/amber.json" --idempotency-key call-7 \
	2> "$T/err"
expect "another record under the key: refused" "$?" 1
expect_match "and says so" "$(cat "$T/err")" 'another referral'
expect "three referrals" "$(nrefs)" 3
finish
