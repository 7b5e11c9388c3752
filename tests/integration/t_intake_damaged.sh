#!/bin/sh
# A damaged record a submission needs (a key of the hub that holds the
# wrong kind of value) never leaves a half-made referral its sender was
# told was not stored: submit.lua looks at each such record before it
# writes anything by it, passes a damaged one over, says so in the audit,
# and stores the referral whole (its key, its acknowledgement, its
# timers). Here: the referral a written confirmation names, the child's
# list of referrals, one referral of that list, and the audit list of the
# referral a written confirmation names.
. "$(dirname "$0")/lib.sh"
write_conf 'repeat = { secret = "damaged-test-secret-0123456789abcdef0123"; };'
start_redis
start_mashd
YEAR=$(date -u +%Y)

# stored_whole REF KEY: REF is stored with its timers, its key answers
# with it, and its acknowledgement was queued.
stored_whole() {
	expect "$1: in the queue" "$(rcli zscore '{mash}:queue' "$1" | grep -c .)" 1
	expect "$1: its decision timer due" \
		"$(rcli zscore '{mash}:due' "$1:decision" | grep -c .)" 1
	expect "$1: its acknowledgement queued" \
		"$(rcli xrange '{mash}:outbox' - + | grep -A3 -x ref | grep -cx "$1")" 1
	expect "$1: the same key replays it" \
		"$(post "$T/$2.json" "$WEB_TOKEN" -H "Idempotency-Key: $2") $(jbody .id)" \
		"201 $1"
	expect "$1: one referral under its key" \
		"$(rcli hget "{mash}:ref:$1" idempotency_key)" "$2"
}

# 1. written_confirmation_of names a key that is no referral's hash.
bad="MASH-$YEAR-900000"
rcli set "{mash}:ref:$bad" notahash > /dev/null
jq --arg r "$bad" '.written_confirmation_of = $r' "$FIX/green.json" > "$T/confirm.json"
expect "confirming a damaged record: stored" \
	"$(post "$T/confirm.json" "$WEB_TOKEN" -H 'Idempotency-Key: confirm')" 201
R1=$(jbody .id)
stored_whole "$R1" confirm
expect_match "the audit says the link was not made" "$(events "$R1" link)" \
	"written_confirmation_of names a damaged record: $bad"
expect "and it was not: no confirms on the referral" \
	"$(rcli hexists "{mash}:ref:$R1" confirms)" 0

# 2. The child's list of referrals damaged (the only child's list there
# is: the first case's are removed).
rcli --scan --pattern '{mash}:child:*' | while read -r k; do rcli del "$k"; done > /dev/null
jq '.child.last_name = "Quillfeather"' "$FIX/amber.json" > "$T/child.json"
expect "a child's first referral" "$(post "$T/child.json")" 201
ckey=$(rcli --scan --pattern '{mash}:child:*' | head -1)
rcli del "$ckey" > /dev/null
rcli set "$ckey" notasortedset > /dev/null
cp "$T/child.json" "$T/list.json"
expect "the child's list damaged: stored" \
	"$(post "$T/list.json" "$WEB_TOKEN" -H 'Idempotency-Key: list')" 201
R2=$(jbody .id)
stored_whole "$R2" list
expect_match "the audit says the repeat check was skipped" "$(events "$R2" damaged)" \
	'repeat check: .* damaged'

# 3. One earlier referral of the child damaged.
rcli del "$ckey" > /dev/null
jq '.child.last_name = "Ravensworth"' "$FIX/amber.json" > "$T/prev.json"
expect "another child's first referral" "$(post "$T/prev.json")" 201
P=$(jbody .id)
ckey2=$(rcli --scan --pattern '{mash}:child:*' | head -1)
rcli del "{mash}:ref:$P" > /dev/null
rcli set "{mash}:ref:$P" notahash > /dev/null
expect "its earlier referral damaged: stored" \
	"$(post "$T/prev.json" "$WEB_TOKEN" -H 'Idempotency-Key: prev')" 201
R3=$(jbody .id)
stored_whole "$R3" prev
expect_match "the audit says the damaged one was passed over" "$(events "$R3" damaged)" \
	'repeat check: .* damaged'
expect "the child's list holds the new referral" \
	"$(rcli zscore "$ckey2" "$R3" | grep -c .)" 1
expect "its repeat counts the damaged one, open or not unknown" \
	"$(rcli hget "{mash}:ref:$R3" repeat | jq -c '[.count, .open]')" '[1,0]'

# 4. A referral confirmed whose audit list is damaged: not linked, and
# nothing of it changed; the new one stored whole.
X=$(ctl referral new --file "$FIX/phone.json" --json | jq -r .id)
expect "a telephone referral, its written confirmation due" \
	"$(rcli hexists "{mash}:ref:$X" due:written)" 1
rcli del "{mash}:ref:$X:audit" > /dev/null
rcli set "{mash}:ref:$X:audit" notalist > /dev/null
jq --arg r "$X" '.written_confirmation_of = $r' "$FIX/green.json" > "$T/confirm2.json"
expect "confirming one whose audit is damaged: stored" \
	"$(post "$T/confirm2.json" "$WEB_TOKEN" -H 'Idempotency-Key: confirm2')" 201
R4=$(jbody .id)
stored_whole "$R4" confirm2
expect "its written timer not stopped" "$(rcli hexists "{mash}:ref:$X" stopped:written)" 0
expect "nor marked confirmed" "$(rcli hexists "{mash}:ref:$X" confirmation)" 0
expect_match "the audit says the link was not made" "$(events "$R4" link)" \
	"written_confirmation_of names a damaged record: $X"
check_no_personal_data
stop_mashd
finish
