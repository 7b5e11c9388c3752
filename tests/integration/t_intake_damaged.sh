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

# post_whole NAME WHAT: $T/NAME.json posted under the key NAME is stored
# (201) and whole; R its reference.
post_whole() {
	expect "$2: stored" \
		"$(post "$T/$1.json" "$WEB_TOKEN" -H "Idempotency-Key: $1")" 201
	R=$(jbody .id)
	stored_whole "$R" "$1"
}

# 1. written_confirmation_of names a key that is no referral's hash.
bad="MASH-$YEAR-900000"
damage "{mash}:ref:$bad" notahash
jq --arg r "$bad" '.written_confirmation_of = $r' "$FIX/green.json" > "$T/confirm.json"
post_whole confirm "confirming a damaged record"
R1=$R
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
damage "$ckey" notasortedset
cp "$T/child.json" "$T/list.json"
post_whole list "the child's list damaged"
R2=$R
expect_match "the audit says the repeat check was skipped" "$(events "$R2" damaged)" \
	'repeat check: .* damaged'

# 3. One earlier referral of the child damaged.
rcli del "$ckey" > /dev/null
jq '.child.last_name = "Ravensworth"' "$FIX/amber.json" > "$T/prev.json"
expect "another child's first referral" "$(post "$T/prev.json")" 201
P=$(jbody .id)
ckey2=$(rcli --scan --pattern '{mash}:child:*' | head -1)
damage "{mash}:ref:$P" notahash
post_whole prev "its earlier referral damaged"
R3=$R
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
damage "{mash}:ref:$X:audit" notalist
jq --arg r "$X" '.written_confirmation_of = $r' "$FIX/green.json" > "$T/confirm2.json"
post_whole confirm2 "confirming one whose audit is damaged"
R4=$R
expect "its written timer not stopped" "$(rcli hexists "{mash}:ref:$X" stopped:written)" 0
expect "nor marked confirmed" "$(rcli hexists "{mash}:ref:$X" confirmation)" 0
expect_match "the audit says the link was not made" "$(events "$R4" link)" \
	"written_confirmation_of names a damaged record: $X"
check_no_personal_data
stop_mashd
finish
