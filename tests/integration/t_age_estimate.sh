#!/bin/sh
# A child whose date of birth nobody knows: child.age_estimate (whole
# years) in its place over HTTP. The BRAG age rules read the estimate, a
# bad estimate is refused naming the field, and repeat detection skips the
# child (names alone would join different children).
. "$(dirname "$0")/lib.sh"
write_conf 'repeat = { secret = "repeat-test-secret-0123456789"; threshold = 3; window_days = 365; };'
start_redis
at "2026-11-24 10:00:00" # Tuesday
start_mashd

# estimate N CATEGORY: the amber fixture with no dob, about N years old.
estimate() {
	jq --argjson n "$1" --arg c "$2" \
		'del(.child.dob) | .child.age_estimate = $n | .concern.categories = [$c]' \
		"$FIX/amber.json" > "$T/est.json"
}

estimate 0 physical_abuse
expect "an estimated age is accepted" "$(post "$T/est.json")" 201
expect "and stored" "$(ctl show "$(jbody .id)" --json | jq -r .record.child.age_estimate)" 0
expect "under one by the estimate: physical abuse is red" "$(jbody .brag)" red
estimate 12 cse
post "$T/est.json" > /dev/null
expect "under 13 by the estimate: cse is red" "$(jbody .brag)" red
estimate 13 cse
post "$T/est.json" > /dev/null
expect "13 by the estimate: cse is amber" "$(jbody .brag)" amber
expect "the same names with no dob are never a repeat" \
	"$(ctl show "$(jbody .id)" --json | jq -r .repeat)" null
expect "nor keyed for repeats at all" \
	"$(rcli --scan --pattern '{mash}:child:*' | grep -c .)" 0

jq 'del(.child.dob) | .child.age_estimate = "7"' "$FIX/amber.json" > "$T/bad.json"
expect "an estimate that is not a number is refused" "$(post "$T/bad.json")" 400
expect "naming the field" "$(jbody .field)" child.age_estimate
jq '.child.age_estimate = 7' "$FIX/amber.json" > "$T/bad.json"
expect "a dob and an estimate at once are refused" "$(post "$T/bad.json")" 400
jq 'del(.child.dob)' "$FIX/amber.json" > "$T/bad.json"
expect "neither is refused" "$(post "$T/bad.json")" 400
expect_match "saying the estimate may stand in" "$(jbody .error)" 'child.age_estimate when it is not known'
expect "nothing refused is stored" "$(nrefs)" 3
finish
