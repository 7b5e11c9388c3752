#!/bin/sh
# mashctl queue at a glance: short references, holder, repeat,
# categories, times in the hub's local time with its zone (BST in summer,
# GMT in winter), "overdue 2h10m" for a deadline missed, and the filters
# --mine, --unclaimed, --brag, --overdue. --json keeps UTC ISO 8601.
. "$(dirname "$0")/lib.sh"
write_conf 'repeat = { secret = "repeat-test-secret-0123456789"; threshold = 3; window_days = 365; };'
at "2026-07-15 10:00:00" # a Wednesday in summer: BST
start_redis
start_mashd
ref() { printf 'MASH-2026-%06d' "$1"; }
row() { ctl queue | awk -v r="$1" '$1 == "*" { $1 = "" } { sub(/^ +/, "") } $1 == r'; }

expect "red received in summer" "$(post "$FIX/red.json")" 201
expect_match "the first line counts the queue per rating" "$(ctl queue | head -1)" \
	'^queue +red 1, amber 0, green 0, blue 0 \(open 1\)'
expect_match "a header names the columns" "$(ctl queue | sed -n 2p)" \
	'REF +BRAG +HOLDER +REPEAT +CATEGORIES +CHANNEL +RECEIVED +NEXT +DUE'
expect_match "short reference, rating, received in BST" "$(row 1)" \
	'^1 +red +- +- +[a-z_,]+ +web +Wed 15 Jul 2026 11:00 BST +screening +Wed 15 Jul 2026 15:00 BST$'
expect_match "the concern's categories are shown" "$(row 1)" \
	"$(jq -r '.concern.categories | join(",")' "$FIX/red.json")"
expect_match "--json keeps UTC ISO 8601" \
	"$(ctl queue --json | jq -r '.[0].received')" '^2026-07-15T10:00:[0-9]{2}Z$'

# The screening deadline passes: "overdue 2h10m" instead of a blank.
at "2026-07-15 16:10:30"
wait_for 10 "fired $(ref 1) screening"
expect_match "a missed deadline reads overdue, for how long" "$(row 1)" \
	'screening +overdue 2h10m$'
expect "--overdue lists it" "$(ctl queue --overdue --json | jq -r 'map(.id) | join(" ")')" "$(ref 1)"

# Winter: GMT. mashd starts again on the new instant (its clock stamps
# receipt); the summer referral keeps its summer time.
at "2026-12-02 10:00:00"
stop_mashd
start_mashd
expect "amber received in winter" "$(post "$FIX/amber.json")" 201
expect "the same child again" "$(post "$FIX/amber.json")" 201
expect_match "received in GMT" "$(row 2)" \
	'^2 +amber +- +- +.* +web +Wed 02 Dec 2026 10:00 GMT '
expect_match "the summer one still reads BST" "$(row 1)" 'Wed 15 Jul 2026 11:00 BST'
expect_match "a repeat is flagged" "$(row 3)" '^3 +amber +- +yes\(1\) '

# Holder, --mine, --unclaimed.
expect "claim" "$(ctl claim "$(ref 2)" > /dev/null; echo $?)" 0
me=$(id -un)
expect_match "the holder is shown by name" "$(row 2)" "^2 +amber +$me "
expect "--mine" "$(ctl queue --mine --json | jq -r 'map(.id) | join(" ")')" "$(ref 2)"
expect "--unclaimed" "$(ctl queue --unclaimed --json | jq -r 'map(.id) | join(" ")')" \
	"$(ref 1) $(ref 3)"
expect "--unclaimed --brag amber" \
	"$(ctl queue --unclaimed --brag amber --json | jq -r 'map(.id) | join(" ")')" "$(ref 3)"
ctl queue --mine --unclaimed > /dev/null 2> "$T/err"
expect "--mine with --unclaimed is a usage error" "$?" 2
expect_match "the table of --mine" "$(ctl queue --mine | tail -n +3)" "^ +2 +amber +$me "
finish
