#!/bin/sh
# Finding what left the queue (issue 11, item 6): `mashctl list` pages
# through the decided referrals (or all), newest first, filtered by time,
# rating, outcome and agency, never cut silently and each referral once
# across pages; `mashctl child` lists every referral about one child by
# the keys of repeat detection, audited, with no name stored or logged.
. "$(dirname "$0")/lib.sh"
write_conf 'repeat = { secret = "list-test-secret-0123456789"; threshold = 3; window_days = 365; };'
start_redis
at "2026-07-14 09:30:00"
start_mashd
ids() { jq -r '.items | map(.id) | join(" ")'; }

post "$FIX/amber.json" > /dev/null; R1=$(jbody .id)
post "$FIX/green.json" > /dev/null; R2=$(jbody .id)
post "$FIX/blue.json" "$POLICE_TOKEN" > /dev/null; R3=$(jbody .id)
post "$FIX/red.json" > /dev/null; R4=$(jbody .id)
post "$FIX/amber.json" > /dev/null; R5=$(jbody .id)
ctl decide "$R1" s47 --reason "strategy discussion" > /dev/null
ctl decide "$R2" nfa --reason "no role for social care" > /dev/null
ctl decide "$R3" early_help --reason "family agrees" > /dev/null

expect "list: the decided, newest decision first" \
	"$(ctl list --json | ids)" "$R3 $R2 $R1"
expect "the end of the list says so" "$(ctl list --json | jq -r .next)" null
expect "--decided is the same" "$(ctl list --decided --json | ids)" "$R3 $R2 $R1"
expect "--all: every referral, newest first" \
	"$(ctl list --all --json | ids)" "$R5 $R4 $R3 $R2 $R1"
expect "an open one's status" \
	"$(ctl list --all --json | jq -r '.items[0].status')" new
expect "--outcome" "$(ctl list --outcome nfa --json | ids)" "$R2"
expect "--brag" "$(ctl list --brag amber --json | ids)" "$R1"
expect "--agency: part of the name of the client that sent it" \
	"$(ctl list --agency police --json | ids)" "$R3"
expect "--agency: the referrer's agency, any case" \
	"$(ctl list --agency 'HOUSING services' --json | ids)" \
	"$(ctl list --json | jq -r '.items[] | select(.agency == "Brackenmoor Housing Services") | .id')"
expect "--since a local date after" "$(ctl list --since 2026-07-15 --json | ids)" ""
expect "--until a local date" "$(ctl list --until 2026-07-14 --json | ids)" "$R3 $R2 $R1"
expect "--since an instant" \
	"$(ctl list --since 2026-07-14T09:00:00Z --json | jq '.items | length')" 3
expect "--until before any" "$(ctl list --until 2026-07-13 --json | ids)" ""
ctl list --outcome nfaa > /dev/null 2> "$T/err"
expect "an unknown outcome" "$?" 2
expect_match "did you mean" "$(cat "$T/err")" 'unknown outcome "nfaa"; did you mean nfa\?'
ctl list --since tomorrow > /dev/null 2> "$T/err"
expect "a date that is not one" "$?" 2

# The table: local times, and a cut list says how to go on.
ctl list > "$T/table"
expect_match "a header" "$(head -1 "$T/table")" '^REFERENCE +BRAG +DECIDED +OUTCOME'
expect_match "decisions in local summer time" "$(sed -n 2p "$T/table")" \
	"^$R3 +blue +Tue 14 Jul 2026 10:3[0-9] BST +early_help +partner +"
expect_match "the whole list says so" "$(tail -1 "$T/table")" \
	'^\(3 referral\(s\); the end of the list\)$'
ctl list --limit 2 > "$T/table"
expect "a page of two" "$(grep -c '^MASH-' "$T/table")" 2
expect_match "a cut list says so" "$(tail -2 "$T/table" | head -1)" \
	'^\(2 referral\(s\) on this page; more follow'
expect_match "and how to page" "$(tail -1 "$T/table")" \
	'^  mashctl list --limit 2 --after [0-9]+:MASH-2026-00000[0-9] \)$'

# Paging: each referral exactly once, though one is decided meanwhile.
P1=$(ctl list --limit 2 --json)
NEXT=$(printf '%s' "$P1" | jq -r .next)
ctl decide "$R4" s17 --reason "assessment" > /dev/null
P2=$(ctl list --limit 2 --after "$NEXT" --json)
expect "page one" "$(printf '%s' "$P1" | ids)" "$R3 $R2"
expect "page two: the rest, once" "$(printf '%s' "$P2" | ids)" "$R1"
expect "and the end" "$(printf '%s' "$P2" | jq -r .next)" null
expect "the new decision heads a new listing" "$(ctl list --limit 1 --json | ids)" "$R4"
# Decisions within one millisecond: still once each across pages.
for i in 1 2 3 4 5 6; do
	rcli zadd '{mash}:index:decided' 1784021400000 "$R5" > /dev/null
done
rcli hset "{mash}:ref:$R5" status decided outcome nfa decided 1784021400000 > /dev/null
rcli zadd '{mash}:index:decided' 1784021400000 "$R2" 1784021400000 "$R3" > /dev/null
all=""; next=""
while :; do
	if [ -n "$next" ]; then page=$(ctl list --limit 1 --after "$next" --json)
	else page=$(ctl list --limit 1 --json); fi
	all="$all $(printf '%s' "$page" | ids)"
	next=$(printf '%s' "$page" | jq -r '.next // empty')
	[ -n "$next" ] || break
done
expect "pages of one, equal instants: each once" \
	"$(echo $all | tr ' ' '\n' | sort | tr '\n' ' ')" \
	"$R1 $R2 $R3 $R4 $R5 "
ctl list --after nonsense > /dev/null 2> "$T/err"
expect "a page that is not one" "$?" 1
# A cursor of digits alone: the refusal says why, with what was typed,
# not "the referral store refused, without saying why".
ctl list --after 123 > /dev/null 2> "$T/err"
expect "a page of digits alone: refused" "$?" 1
expect "and it says why" "$(grep -c '"123" is not a page of this list' "$T/err")" 1
expect "not hidden" "$(grep -c 'without saying why' "$T/err")" 0

# child: every referral about the child, by name and date of birth.
ctl child --name "Octavienne Brindlecombe-Nakamura" --dob 2017-09-02 --json \
	> "$T/child"
expect "child: both referrals about her" "$(jq -r 'map(.id) | join(" ")' "$T/child")" "$R1 $R5"
expect "with their outcomes" "$(jq -r '.[0].outcome' "$T/child")" s47
expect "the name as people write it" \
	"$(ctl child --name "octavienne brindlecombe nakamura" --dob 2017-09-02 --json | jq length)" 2
expect "another date of birth: none" \
	"$(ctl child --name "Octavienne Brindlecombe-Nakamura" --dob 2017-09-03 --json | jq length)" 0
ctl child --name "Octavienne Brindlecombe-Nakamura" --dob 2017-09-02 > "$T/table"
expect_match "a table in local time" "$(sed -n 2p "$T/table")" \
	"^$R1 +amber +Tue 14 Jul 2026 10:3[0-9] BST +decided +s47"
expect_match "and a count" "$(tail -1 "$T/table")" '^\(2 referral\(s\) about this child\)$'
expect "audited on each referral found, each time" \
	"$(ctl history "$R1" --json | jq -r 'map(select(.action == "child")) | length')" 3
expect "and for the hub" "$(events '' child | grep -c 'found')" 4
ctl child --name "Octavienne" --dob 2017-09-02 > /dev/null 2> "$T/err"
expect "one name alone is refused" "$?" 1
ctl child --name "A B" --dob 2017-02-30 > /dev/null 2> "$T/err"
expect "a date that is not real" "$?" 1
if rcli --scan --pattern '*' | grep -qi -e octavienne -e brindlecombe; then
	not_ok "no key names the child"
else
	ok "no key names the child"
fi
if rcli xrange '{mash}:events' - + | grep -qi -e octavienne -e 2017-09-02; then
	not_ok "the audit trail holds no name nor date of birth"
else
	ok "the audit trail holds no name nor date of birth"
fi

# Referrals stored by an older mashd (no index) join the list at start.
expect "a fresh Redis is indexed at once" "$(rcli get '{mash}:index:built')" 1
rcli del '{mash}:index:received' '{mash}:index:decided' '{mash}:index:built' > /dev/null
expect "an older mashd's Redis: nothing listed" "$(ctl list --all --json | ids)" ""
# Last year's too, over several batches of numbers.
rcli set '{mash}:seq:2025' 2500 > /dev/null
rcli hset '{mash}:ref:MASH-2025-002400' id MASH-2025-002400 status decided \
	received 1750000000000 decided 1750000100000 outcome nfa brag green > /dev/null
stop_mashd
start_mashd
wait_for 10 "rcli exists '{mash}:index:built' | grep -q 1" ||
	not_ok "the backfill finishes"
expect "after a restart, every referral listed" \
	"$(ctl list --all --json | ids)" "$R5 $R4 $R3 $R2 $R1 MASH-2025-002400"
expect "and the decided ones by their decision" \
	"$(ctl list --json | jq '.items | length')" 6
expect "an older year's by its ending" \
	"$(ctl show 2025-002400 --json | jq -r .id)" MASH-2025-002400
expect_match "the backfill is logged, with no personal data" \
	"$(grep 'index:' "$T/mashd.log")" '6 referral\(s\) stored by an older mashd added'

# Without repeat detection there is no key to find a child by.
stop_mashd
write_conf
start_mashd
ctl child --name "Octavienne Brindlecombe-Nakamura" --dob 2017-09-02 \
	> /dev/null 2> "$T/err"
expect "child with repeat detection off is refused" "$?" 1
expect_match "and says why" "$(cat "$T/err")" 'repeat detection, and it is off \(repeat.secret\)'
finish
