#!/bin/sh
# A damaged record of another referral (a key of the hub that holds the
# wrong kind of value, or none where one is named) never fails the read
# of a healthy referral: each reader that walks other referrals' records
# passes a damaged one over and says so. Here: `show` of a referral whose
# child has an earlier referral stored as a string, and one missing, and
# whose child's list is damaged; and `show` of a damaged referral itself,
# refused with a clear error, mashd still serving. The clock is pinned:
# nothing here counts alerts, but the day's digest stays out of the way.
. "$(dirname "$0")/lib.sh"
write_conf 'repeat = { secret = "damaged-test-secret-0123456789abcdef0123"; };'
start_redis
at "2026-11-24 10:00:00"
start_mashd

# raw CMD ID: mashd's answer to {"cmd": CMD, "id": ID} on the control
# socket, whole (`show --json` prints the referral alone).
raw() {
	printf '{"v":1,"cmd":"%s","id":"%s"}\n' "$1" "$2" |
		timeout 35 socat -t 30 - UNIX-CONNECT:"$T/mashd.sock"
}

# Three referrals about one child: A, B, then C, the one shown.
jq '.child.last_name = "Thistlewaite"' "$FIX/amber.json" > "$T/child.json"
for n in A B C; do
	expect "referral $n stored" "$(post "$T/child.json")" 201
	eval "$n=\$(jbody .id)"
done
expect "show lists the earlier two" \
	"$(raw show "$C" | jq -c '[.related[].status]')" '["new","new"]'
expect "the page lists them, none damaged" \
	"$(ctl show "$C" | grep -c -e "^  $A .* new" -e "^  $B .* new" -e damaged)" 2

# 1. A's record a string, B's gone.
damage "{mash}:ref:$A" notahash
rcli del "{mash}:ref:$B" > /dev/null
expect "show of C answers" "$(raw show "$C" | jq -r .ok)" true
expect "A listed as damaged, B as missing" \
	"$(raw show "$C" | jq -c '[.related[] | [.id, .status, .damaged]]')" \
	"[[\"$A\",\"damaged\",\"not a hash\"],[\"$B\",\"damaged\",\"missing\"]]"
expect_match "the page says A is a damaged record" "$(ctl show "$C")" \
	"$A +damaged record \\(not a hash\\)"
expect_match "and B" "$(ctl show "$C")" "$B +damaged record \\(missing\\)"
expect_match "C's own record is shown" "$(ctl show "$C" | head -1)" "^$C +AMBER +new"

# 2. The child's list itself damaged: C shown, its related not listed,
# and that said.
ckey=$(rcli hget "{mash}:ref:$C" child)
damage "{mash}:child:$ckey" notasortedset
expect "show of C answers with the child's list damaged" \
	"$(raw show "$C" | jq -c '[.ok, .related, (.related_damaged | test("not a sorted set"))]')" \
	'[true,[],true]'
expect_match "the page says the list is damaged" "$(ctl show "$C")" \
	'damaged record: .*not a sorted set'

# 3. show of a damaged referral itself: refused, clearly; mashd serves on.
ctl show "$A" > "$T/out" 2>&1
expect "show of a damaged referral fails" "$?" 1
expect_match "saying it is damaged" "$(cat "$T/out")" \
	"referral $A is damaged: its record is not a hash"
expect "mashd still answers" "$(raw show "$C" | jq -r .ok)" true

# 4. Its referrer's GET: the record is damaged, said so (500), never
# "unreachable" (503), which a client would try again for ever.
expect "GET of a damaged referral: 500" \
	"$(curl -s -o "$T/body" -w '%{http_code}' \
		-H "Authorization: Bearer $WEB_TOKEN" "$URL/v1/referrals/$A")" 500
expect_match "saying its record is damaged" "$(jbody .error)" \
	"record is damaged and cannot be read"
expect_log "and mashd's log names it" \
	"GET /v1/referrals/$A: the referral's record is damaged"
expect "a healthy one's GET still answers" \
	"$(curl -s -o /dev/null -w '%{http_code}' \
		-H "Authorization: Bearer $WEB_TOKEN" "$URL/v1/referrals/$C")" 200

stop_mashd
finish
