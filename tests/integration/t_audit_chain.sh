#!/bin/sh
# The audit's hash chain (mashctl audit verify): it holds over events of
# every kind, across pages, after events written before the chain existed;
# it breaks, naming the event, when one is changed, removed or inserted;
# mashctl status says when it was last verified and how.
. "$(dirname "$0")/lib.sh"
start_redis
# Events of an older mashd, without a chain: more than two pages of them.
rcli eval "for i = 1, 1100 do redis.call('XADD', KEYS[1], '*', 'ref', '',
	'at', '0', 'actor', 'old', 'action', 'old', 'detail', 'before') end" \
	1 '{mash}:events' > /dev/null
start_mashd

expect "never verified, status says so" \
	"$(ctl status | grep '^audit')" "audit    never verified (mashctl audit verify)"
post "$FIX/amber.json" > /dev/null
R1=$(jbody .id)
post "$FIX/red.json" > /dev/null
R2=$(jbody .id)
ctl note "$R1" "first note" > /dev/null
ctl decide "$R2" s47 --reason "strategy meeting" > /dev/null
ctl show "$R1" > /dev/null

ctl audit verify > "$T/out"
expect "the chain holds" "$?" 0
expect_match "and is said to" "$(cat "$T/out")" \
	'^audit verified: 11[0-9][0-9] events in an unbroken chain, of which the first 1100 were written before the chain existed'
expect "status shows the verification" \
	"$(ctl status | grep '^audit' | sed 's/verified .*: ok/verified T: ok/')" \
	"audit    verified T: ok, $(ctl status --json | jq -r .audit.checked) events"
expect "in local time" "$(ctl status | grep -c '^audit    verified [A-Z][a-z][a-z] [0-9]* [A-Z][a-z][a-z] 20[0-9][0-9] [0-9:]* GMT')" 1
expect "status --json names it" "$(ctl status --json | jq -r .audit.result)" ok
expect "the verification is itself audited" \
	"$(rcli xrange '{mash}:events' - + | grep -cx verify)" 1

# field ID NAME: a field of one event.
field() {
	rcli xrange '{mash}:events' "$1" "$1" |
		awk -v n="$2" 'NR > 1 && NR % 2 == 0 && $0 == n { getline; print; exit }'
}
ids() { rcli xrange '{mash}:events' - + | grep -E '^[0-9]+-[0-9]+$'; }
first=$(ids | sed -n 1101p)
expect "the first chained event follows the last older one" \
	"$(field "$first" prev)" "$(ids | sed -n 1100p)"
# The hash: SHA-1 over "length:value" of the previous event's id and hash
# and this one's ref, at, actor, action and detail, one a line.
lv() { printf '%s:%s' "$(printf %s "$1" | wc -c)" "$1"; }
sum=$(printf '%s\n%s\n%s\n%s\n%s\n%s\n%s' "$(lv "$(ids | sed -n 1100p)")" \
	"$(lv '')" "$(lv "$(field "$first" ref)")" "$(lv "$(field "$first" at)")" \
	"$(lv "$(field "$first" actor)")" "$(lv "$(field "$first" action)")" \
	"$(lv "$(field "$first" detail)")" | sha1sum | cut -c1-40)
expect "and hashes its fields after an empty hash" "$(field "$first" hash)" "$sum"
ctl audit verify --from "$first" --json > "$T/out"
expect "verify --from an event" "$(jq -r '.verified, .unchained' "$T/out" | tr '\n' ' ')" "true 0 "

# Each tampering is done with mashd stopped (its alerts audit as they
# go), on a copy of the stream and head, put back after.
tamper() {
	stop_mashd
	rcli copy '{mash}:events' '{mash}:events.orig' replace > /dev/null
	rcli copy '{mash}:events:head' '{mash}:events:head.orig' replace > /dev/null
	"$@" > /dev/null
	start_mashd
}
untamper() {
	stop_mashd
	rcli rename '{mash}:events.orig' '{mash}:events' > /dev/null
	rcli rename '{mash}:events:head.orig' '{mash}:events:head' > /dev/null
	start_mashd
	ctl audit verify > /dev/null
	expect "whole again" "$?" 0
}

# Changed: the stream rebuilt with one event's detail altered (a stream's
# entries cannot be edited in place).
alter() {
	rcli eval "
local e = redis.call('XRANGE', KEYS[1], '-', '+')
for _, x in ipairs(e) do
  local f = x[2]
  if x[1] == ARGV[1] then
    for i = 1, #f, 2 do if f[i] == 'detail' then f[i + 1] = 'altered' end end
  end
  redis.call('XADD', KEYS[2], x[1], unpack(f))
end
redis.call('RENAME', KEYS[2], KEYS[1])
return #e" 2 '{mash}:events' '{mash}:events.new' "$1" > /dev/null
}
victim=$(ids | sed -n 1103p)
tamper alter "$victim"
ctl audit verify > "$T/out"
expect "a changed event breaks the chain" "$?" 5
expect "naming it" "$(cat "$T/out")" "audit verification FAILED: event $victim was changed"
expect "status shows the failure" \
	"$(ctl status | grep '^audit' | sed 's/verified .*: FAILED/verified T: FAILED/')" \
	"audit    verified T: FAILED at event $victim (changed)"
expect "the failure is logged" \
	"$(grep -c "audit chain verification by uid:[0-9]*([a-z0-9_-]*) FAILED: event $victim changed" "$T/mashd.log")" 1
untamper

# Removed: XDEL of an event in the middle, then of the last one.
gone=$(ids | sed -n 1104p)
tamper rcli xdel '{mash}:events' "$gone"
ctl audit verify --json > "$T/out"
expect "an event deleted with XDEL breaks the chain" "$?" 5
expect "naming the event deleted" "$(jq -r '.event + " " + .what' "$T/out")" "$gone removed"
untamper
gone=$(rcli xrevrange '{mash}:events' + - count 1 | head -1)
tamper rcli xdel '{mash}:events' "$gone"
ctl audit verify --json > "$T/out"
expect "the last event deleted breaks it" "$(jq -r '.event + " " + .what' "$T/out")" "$gone removed"
untamper

# Inserted: an event without a hash after the chain began, and one copied
# with a hash from elsewhere in the chain.
tamper rcli xadd '{mash}:events' '*' ref '' at 0 actor x action note detail forged
ctl audit verify --json > "$T/out"
expect "an event without a hash after the chain began is inserted" \
	"$(jq -r '.what' "$T/out")" inserted
untamper

# The head's hash written over with what is no digest (a name, by
# someone with Redis's keys): the chain is broken there (the next event
# would be chained from that text), naming the last event, and the log,
# which tells the head when the chain holds, tells none of that text:
# only digests (a verified head's hash is 40 hex digits).
last=$(rcli xrevrange '{mash}:events' + - count 1 | head -1)
tamper rcli hset '{mash}:events:head' hash 'Pat Example'
ctl audit verify > "$T/out"
expect "a head holding another hash breaks the chain" "$?" 5
expect "naming the last event" "$(cat "$T/out")" \
	"audit verification FAILED: event $last was miscopied"
expect "the failure is logged" \
	"$(grep -c "FAILED: event $last miscopied" "$T/mashd.log")" 1
expect "its text is not logged" "$(grep -c 'Pat Example' "$T/mashd.log")" 0
expect "no head's hash is logged but as a digest" \
	"$(grep 'audit chain verified' "$T/mashd.log" | grep -vcE 'head [0-9]+-[0-9]+ hash [0-9a-f]{40}$')" 0
untamper
finish
