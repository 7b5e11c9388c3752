#!/bin/sh
# The HTTP intake: valid referrals are stored and rated, every refusal
# stores nothing, idempotency keys make retries safe.
. "$(dirname "$0")/lib.sh"
start_redis
start_mashd
year=$(date -u +%Y)

# Valid referrals: 201, the id, the rating, the time of receipt.
expect "red referral is created" "$(post "$FIX/red.json")" 201
expect "first id of the year" "$(jbody .id)" "MASH-$year-000001"
expect "red is rated red" "$(jbody .brag)" red
expect "status is new" "$(jbody .status)" new
expect_match "received is an ISO instant" "$(jbody .received)" \
	"^$year-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"
expect_match "Location names the referral" "$(cat "$T/headers")" \
	"Location: /v1/referrals/MASH-$year-000001"
for b in amber green blue; do
	expect "$b referral is created" "$(post "$FIX/$b.json")" 201
	expect "$b is rated $b" "$(jbody .brag)" "$b"
done
expect "ids are sequential" "$(jbody .id)" "MASH-$year-000004"
expect "stored in redis with its rating" \
	"$(rcli hget "{mash}:ref:MASH-$year-000001" brag)" red
expect "stored with its channel" \
	"$(rcli hget "{mash}:ref:MASH-$year-000001" channel)" web
expect "queued" "$(rcli zcard '{mash}:queue')" 4
nsubmits() { rcli xrange '{mash}:events' - + | grep -cx submit; }
expect "audited" "$(nsubmits)" 4

# Every refusal: the right code, a clear error, and nothing stored.
before_seq=$(rcli get "{mash}:seq:$year")
before_events=$(nsubmits)
refused() { # NAME WANT-CODE WANT-FIELD CODE
	expect "$1: $2" "$4" "$2"
	if [ -n "$3" ]; then
		expect "$1: names the field" "$(jbody .field)" "$3"
		expect_match "$1: says why" "$(jbody .error)" '.....'
	fi
}
printf '{"referrer": ' > "$T/broken.json"
refused "broken JSON" 400 "" "$(post "$T/broken.json")"
expect_match "broken JSON: says why" "$(jbody .error)" '.....'
printf '[1,2,3]' > "$T/array.json"
refused "not an object" 400 "" "$(post "$T/array.json")"
refused "dob in the future" 400 child.dob "$(post "$FIX/invalid-dob-future.json")"
refused "consent refused without a reason" 400 consent.reason \
	"$(post "$FIX/invalid-consent-no-reason.json")"
refused "anonymous professional" 400 referrer.anonymous \
	"$(post "$FIX/invalid-professional-anonymous.json")"
refused "unknown category" 400 "concern.categories[0]" \
	"$(post "$FIX/invalid-category.json")"
jq '.child.dob = "2019-02-30"' "$FIX/amber.json" > "$T/baddate.json"
refused "a date that does not exist" 400 child.dob "$(post "$T/baddate.json")"
printf '{"referrer":{"name":"\377\376"}}' > "$T/badutf8.json"
refused "invalid UTF-8" 400 "" "$(post "$T/badutf8.json")"
refused "no token" 401 "" "$(curl -s -o "$T/body" -w '%{http_code}' \
	-X POST -H 'Content-Type: application/json' \
	--data-binary @"$FIX/red.json" "$URL/v1/referrals")"
refused "unknown token" 401 "" "$(post "$FIX/red.json" wrong-token-0123456789abc)"
head -c 70000 /dev/zero | tr '\0' 'x' > "$T/huge.json"
refused "body over http.max_body" 413 "" "$(post "$T/huge.json")"
refused "not JSON content" 415 "" "$(curl -s -o "$T/body" -w '%{http_code}' \
	-X POST -H "Authorization: Bearer $WEB_TOKEN" \
	-H 'Content-Type: text/plain' --data-binary @"$FIX/red.json" \
	"$URL/v1/referrals")"
expect "refusals stored nothing: sequence" \
	"$(rcli get "{mash}:seq:$year")" "$before_seq"
expect "refusals stored nothing: events" "$(nsubmits)" "$before_events"
expect "refusals stored nothing: records" "$(nrefs)" 4

# Idempotency: a retry with the same key gets the first answer again.
expect "keyed submission" "$(post "$FIX/amber.json" "$POLICE_TOKEN" \
	-H 'Idempotency-Key: police-incident-4711')" 201
first=$(body)
expect "partner channel" "$(rcli hget "{mash}:ref:$(jbody .id)" channel)" partner
expect "retry with the same key" "$(post "$FIX/amber.json" "$POLICE_TOKEN" \
	-H 'Idempotency-Key: police-incident-4711')" 201
expect "retry gets the first answer" "$(body)" "$first"
expect_match "retry is marked replayed" "$(cat "$T/headers")" \
	'Idempotent-Replayed: true'
expect "retry stored nothing" "$(nrefs)" 5
expect "same key, other client: a new referral" "$(post "$FIX/amber.json" \
	"$WEB_TOKEN" -H 'Idempotency-Key: police-incident-4711')" 201
expect "other client's referral is new" "$(nrefs)" 6
expect "other key: a new referral" "$(post "$FIX/amber.json" "$POLICE_TOKEN" \
	-H 'Idempotency-Key: police-incident-4712')" 201
expect "the key is kept for 24 hours" \
	"$(rcli ttl '{mash}:idem:county-police:police-incident-4711' |
	   awk '{print ($1 > 86000 && $1 <= 86400) ? "yes" : $1}')" yes

# Status for the referrer that sent it, and for nobody else.
get() { curl -s -o "$T/body" -w '%{http_code}' \
	-H "Authorization: Bearer $2" "$URL/v1/referrals/$1"; }
expect "referrer reads its status" "$(get "MASH-$year-000001" "$WEB_TOKEN")" 200
expect "status is the stored one" "$(jbody '.id + " " + .status + " " + .brag')" \
	"MASH-$year-000001 new red"
expect "another client gets 404" "$(get "MASH-$year-000001" "$POLICE_TOKEN")" 404
expect "unknown referral 404" "$(get "MASH-$year-999999" "$WEB_TOKEN")" 404
expect "no token 401" "$(get "MASH-$year-000001" '')" 401
expect "healthz with redis up" "$(curl -s -o /dev/null -w '%{http_code}' \
	"$URL/healthz")" 200

# Redis forgets its scripts (restart, SCRIPT FLUSH): mashd loads them again.
rcli script flush > /dev/null
expect "after SCRIPT FLUSH still 201" "$(post "$FIX/green.json")" 201
finish
