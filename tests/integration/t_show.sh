#!/bin/sh
# `mashctl show` reads as a page (issue 11, item 4): the record's
# sections, its timers with their state and local due times (BST in
# summer), the holder, the rating history and the other referrals about
# the same child; `--json` is the referral as before. Short references
# (item 5): a number is this year's, a unique ending any year's, and a
# word mashctl does not know gets "did you mean".
. "$(dirname "$0")/lib.sh"
write_conf 'repeat = { secret = "show-test-secret-0123456789"; threshold = 3; window_days = 365; };'
start_redis
# A Tuesday in summer: 09:30 UTC is 10:30 BST.
at "2026-07-14 09:30:00"
start_mashd
MASHCTL_TZ_NOTE=
post "$FIX/amber.json" > /dev/null
R1=$(jbody .id)
expect "a referral stored" "$R1" MASH-2026-000001

# An anonymous member of the public, consent refused with its reason.
jq '.referrer = {"anonymous": true, "professional": false,
	"relationship": "neighbour", "phone": "01632 960999"}
    | .consent = {"status": "refused",
	"reason": "mother refused; referral made as the child is at risk"}' \
	"$FIX/amber.json" > "$T/anon.json"
post "$T/anon.json" > /dev/null
R2=$(jbody .id)

ctl show 1 > "$T/page" 2> "$T/err"
expect "show 1 is this year's first" "$(head -1 "$T/page" | awk '{print $1}')" "$R1"
expect_match "the page says the rating and status" "$(head -1 "$T/page")" \
	"^$R1  AMBER  new$"
expect_match "received in local summer time" "$(cat "$T/page")" \
	'received +Tue 14 Jul 2026 10:3[0-9] BST, by web \(web-form\)'
for s in Child Family Referrer Concern Consent Timers "Rating history" \
	"Repeat history"; do
	expect "the page has the section $s" \
		"$(grep -c "^$s\$" "$T/page")" 1
done
expect_match "the child by name and date of birth" "$(cat "$T/page")" \
	'name +Octavienne Brindlecombe-Nakamura'
expect_match "the household listed" "$(cat "$T/page")" \
	'- relationship mother, dob 1991-11-14'
expect_match "the concern's categories" "$(cat "$T/page")" 'categories +neglect'
expect_match "immediate risk said" "$(cat "$T/page")" 'immediate risk +no'
expect_match "consent given" "$(cat "$T/page")" 'status +given'
expect_match "the decision timer due in BST, running" "$(cat "$T/page")" \
	'decision +due [A-Z][a-z]{2} [0-9]{2} Jul 2026 [0-9:]{5} BST, running, [0-9]+(h|d)'
expect_match "unclaimed" "$(cat "$T/page")" 'holder +nobody \(unclaimed\)'
expect_match "rated at intake" "$(cat "$T/page")" \
	'Tue 14 Jul 2026 10:3[0-9] BST  amber at intake'
if grep -q 'T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z' "$T/page"; then
	not_ok "no UTC instant on the page" "$(grep 'Z$' "$T/page" | head -2)"
else
	ok "no UTC instant on the page"
fi

ctl show 2 > "$T/page2"
expect_match "an anonymous referrer is said first" \
	"$(sed -n '/^Referrer$/,/^$/p' "$T/page2" | sed -n 2p)" '^  ANONYMOUS'
expect_match "consent refused, loudly" "$(cat "$T/page2")" \
	'status +REFUSED by the family'
expect_match "with its reason" "$(cat "$T/page2")" \
	'reason +mother refused; referral made as the child is at risk'

# A field this mashctl has no words for (a newer mashd's) is still shown.
rcli hset "{mash}:ref:$R2" screening_note "police systems checked" > /dev/null
expect_match "a field the page does not know, as is" "$(ctl show 2)" \
	'^  screening note +police systems checked$'

# Holder, re-rating and decision on the page.
ctl claim 1 > /dev/null
ctl rate 1 red --reason "police report of violence" > /dev/null
ctl show "$R1" > "$T/page"
expect_match "the holder" "$(cat "$T/page")" 'holder +uid:[0-9]+\('
expect_match "the re-rating, who and why" "$(cat "$T/page")" \
	'BST  amber->red reason=police report of violence by uid:'
expect "the rating history in order" \
	"$(sed -n '/^Rating history$/,/^$/p' "$T/page" | grep -c BST)" 2
ctl decide 000001 s47 --reason "strategy discussion held" > /dev/null
ctl show 1 > "$T/page"
expect_match "decided, with its outcome" "$(cat "$T/page")" \
	'decided +s47, Tue 14 Jul 2026 1[0-9]:[0-9]{2} BST'
expect_match "the decision timer stopped" "$(cat "$T/page")" \
	'decision +due .* BST, stopped Tue 14 Jul 2026'

# Repeat history: all three are about the same child.
post "$FIX/amber.json" > /dev/null
R3=$(jbody .id)
ctl show "$R3" > "$T/page3"
expect_match "the earlier referrals about the child" \
	"$(sed -n '/^Repeat history$/,$p' "$T/page3")" \
	"$R1 +Tue 14 Jul 2026 10:3[0-9] BST  red +decided s47"
expect_match "with the other one, open" "$(cat "$T/page3")" \
	"$R2 +Tue 14 Jul 2026 .* amber +new"
expect_match "and what intake saw" "$(cat "$T/page3")" \
	'at intake: 2 earlier referral\(s\), 2 open|at intake: 2 earlier referral\(s\), 1 open'

# --json as before: the referral alone, times in UTC.
ctl show 3 --json > "$T/json"
expect "--json gives the referral" "$(jq -r .id "$T/json")" "$R3"
expect "--json keeps UTC ISO 8601" "$(jq -r .received "$T/json")" \
	"$(jq -r .received "$T/json" | grep -E '^2026-07-14T09:3[0-9]:[0-9]{2}Z$')"
expect "--json carries no page" "$(jq -r 'has("ratings") or has("child")' "$T/json")" false

# Short references: any case, a unique ending, an unknown one.
expect "a reference in lower case" \
	"$(ctl show mash-2026-000002 --json | jq -r .id)" "$R2"
expect "an ending with the year" \
	"$(ctl show 2026-000003 --json | jq -r .id)" "$R3"
expect "an ending with part of the year" \
	"$(ctl history 6-000003 --json | jq -r '.[0].action')" submit
ctl show 99 > /dev/null 2> "$T/err"
expect "an unknown number is refused" "$?" 1
expect_match "and said so" "$(cat "$T/err")" \
	'no referral of this year is numbered "99"'
ctl show 2025-000001 > /dev/null 2> "$T/err"
expect "another year's is not this year's" "$?" 1
ctl show x17 > /dev/null 2> "$T/err"
expect "not a reference at all" "$?" 1
expect_match "and said so" "$(cat "$T/err")" 'is not a reference, its number'
ctl note 3 "called the school" > "$T/out"
expect_match "note takes a short reference" "$(cat "$T/out")" "^$R3: note recorded"
ctl screen 2 --reason "police systems checked" > "$T/out"
expect_match "screen takes a short reference" "$(cat "$T/out")" "^$R2: screening recorded"
# A year with referrals of its own: the number is this year's only.
rcli hset '{mash}:ref:MASH-2025-000003' id MASH-2025-000003 status new > /dev/null
rcli set '{mash}:seq:2025' 3 > /dev/null
expect "a number is this year's, though last year has one" \
	"$(ctl show 3 --json | jq -r .id)" "$R3"
ctl show 000003 --json > /dev/null
ctl show -000003 > /dev/null 2> "$T/err"
expect "an ending of two years' is ambiguous" "$?" 2
expect_match "and lists both" "$(cat "$T/err")" \
	'MASH-2026-000003, MASH-2025-000003'

# Did you mean.
ctl shwo 1 > /dev/null 2> "$T/err"
expect "an unknown command" "$?" 2
expect_match "gets the nearest" "$(cat "$T/err")" 'unknown command "shwo"; did you mean show\?'
ctl decide 2 earlyhelp --reason "x" > /dev/null 2> "$T/err"
expect "an unknown outcome is refused, as mashd refuses it" "$?" 1
expect_match "gets the nearest" "$(cat "$T/err")" \
	'unknown outcome "earlyhelp"; did you mean early_help\?'
expect "and nothing was decided" "$(ctl show 2 --json | jq -r .status)" new
finish
