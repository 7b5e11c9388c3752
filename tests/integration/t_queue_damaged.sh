#!/bin/sh
# A damaged record never hides the queue: every open referral is still
# listed, by `mashctl queue`, a page and the stream, when one referral's
# stored fields are no longer what mashd wrote (bytes that are not UTF-8,
# a NUL, categories that are not a JSON array). What cannot be shown as
# it is shows as U+FFFD; categories that cannot be read are read from the
# record, else none. So does any other answer the store makes.
. "$(dirname "$0")/lib.sh"
start_redis
at "2026-07-14 09:30:00"
start_mashd
for f in amber amber amber red; do
	post "$FIX/$f.json" > /dev/null
	jbody .id >> "$T/ids"
done
set -- $(cat "$T/ids")
# Not UTF-8 (a Latin-1 e acute; a truncated sequence; a surrogate), a NUL
# in a word, categories no JSON reader takes, or that are no list.
rcli hset "{mash}:ref:$1" owner "$(printf 'caf\351')" categories '[x]' > /dev/null
rcli hset "{mash}:ref:$2" owner "$(printf 'a\342\202')" \
	categories "$(printf '["n\355\240\200"]')" > /dev/null
printf 'hset {mash}:ref:%s channel "we\\x00b"\n' "$3" | rcli > /dev/null
rcli hset "{mash}:ref:$3" categories '{"neglect":1}' > /dev/null
rcli hset "{mash}:ref:$4" categories '[1,{"a":2},"neglect"]' record 'not json' \
	owner 'uid:7 \u0000' > /dev/null

out=$(ctl queue 2>&1)
expect "mashctl queue answers" "$?" 0
expect "all four listed by mashctl queue" \
	"$(printf '%s\n' "$out" | grep -c -E '^  [0-9]+ +(amber|red) ')" 4
ctl queue --json > "$T/all.json" 2> "$T/err"
expect "the stream answers" "$?" 0
expect "all four streamed" "$(jq length "$T/all.json")" 4
ctl queue --limit 1000 --json > "$T/page.json"
expect "all four on a page" "$(jq '.items | length' "$T/page.json")" 4
item() { jq -c --arg id "$1" ".[] | select(.id == \$id) | $2" "$T/all.json"; }
expect "a byte that is not UTF-8 shows as U+FFFD" "$(item "$1" .owner)" \
	"$(printf '"caf\357\277\275"')"
expect "categories that cannot be read come from the record" \
	"$(item "$1" .categories)" "$(jq -c .concern.categories "$FIX/amber.json")"
expect "a truncated sequence shows as U+FFFD" "$(item "$2" .owner)" \
	"$(printf '"a\357\277\275\357\277\275"')"
# Categories whose JSON holds bytes that are not UTF-8: not strict JSON:
# mashd never writes it; the stream shows what jansson reads (it refuses
# the field: the record's categories), a page what queue.lua's cjson
# reads (the bytes, each shown as U+FFFD).
expect "a surrogate in categories: the stream shows the record's" \
	"$(item "$2" .categories)" "$(jq -c .concern.categories "$FIX/amber.json")"
expect "a surrogate in categories: a page shows U+FFFD" \
	"$(jq -c --arg id "$2" '.items[] | select(.id == $id) | .categories' "$T/page.json")" \
	"$(printf '["n\357\277\275\357\277\275\357\277\275"]')"
expect "a NUL shows as U+FFFD" "$(item "$3" .channel)" \
	"$(printf '"we\357\277\275b"')"
expect "categories read as no list of strings come from the record" \
	"$(item "$3" .categories)" "$(jq -c .concern.categories "$FIX/amber.json")"
expect "only the strings of damaged categories are kept" \
	"$(item "$4" .categories)" '["neglect"]'
expect "the damaged referral, as the stream gives it, on a page (but its categories, above)" \
	"$(jq -c --arg id "$2" '.items[] | select(.id == $id) | del(.categories)' "$T/page.json")" \
	"$(item "$2" 'del(.categories)')"
# Answers made whole by the store (cjson) are mended the same way.
expect "show answers for the damaged referral" \
	"$(ctl show "$1" --json | jq -r .owner)" "$(printf 'caf\357\277\275')"
expect "list answers with the damaged referrals" \
	"$(ctl list --all --json | jq '.items | length')" 4
expect "a NUL shows as U+FFFD there too" \
	"$(ctl show "$3" --json | jq -r .channel)" "$(printf 'we\357\277\275b')"
expect "text that reads as an escape is left as it is" \
	"$(ctl show "$4" --json | jq -r .owner)" 'uid:7 \u0000'
# A queue member whose reference is not of mashd's form (a quote, a byte
# that is not UTF-8) is written escaped and mended, as any text.
odd="$(printf 'MASH-2026-0"1\351')"
rcli copy "{mash}:ref:$1" "{mash}:ref:$odd" > /dev/null
rcli zadd "{mash}:queue" "$(rcli zscore "{mash}:queue" "$1")" "$odd" > /dev/null
ctl queue --json > "$T/odd.json"
expect "an odd reference: the stream answers" "$?" 0
expect "an odd reference: streamed, escaped and mended" \
	"$(jq -r '.[].id' "$T/odd.json" | grep -c "^$(printf 'MASH-2026-0"1\357\277\275')\$")" 1
# Times that no instant is (not a number, infinite, past a double's
# exact integers) show as 0's, as a time that is no number at all; before,
# one such field stopped every listing ("table index is NaN").
rcli hset "{mash}:ref:$2" received nan due:decision inf fired:decision 1e400 > /dev/null
ctl queue --json > "$T/times.json"
expect "odd times: the stream answers" "$?" 0
expect "odd times: every one streamed" "$(jq length "$T/times.json")" 5
expect "odd times: shown as 0's" \
	"$(jq -r --arg id "$2" '.[] | select(.id == $id) | [.received, .timers.decision.due, .timers.decision.fired] | join(" ")' "$T/times.json")" \
	"1970-01-01T00:00:00Z 1970-01-01T00:00:00Z 1970-01-01T00:00:00Z"
out=$(ctl queue 2>&1)
expect "odd times: mashctl queue answers" "$?" 0
# Numbers in a field's JSON. Strict JSON, as mashd writes it: the stream
# and a page the same (a count past 64 bits: a double, as cjson reads
# it, then string.format('%d') of it). Not strict JSON: mashd never
# writes it; the stream shows what jansson reads (it refuses the field:
# repeat null, the record's categories), a page what cjson reads
# (strtod()'s number: past a double's range infinite, "01" one).
rcli hset "{mash}:ref:$1" repeat '{"count":99999999999999999999}' \
	categories '["x",1e2]' > /dev/null
rcli hset "{mash}:ref:$4" repeat '{"count":1e400}' categories '["w",01]' \
	record '{"concern":{"categories":["from the record"]}}' > /dev/null
ctl queue --json > "$T/num.json"
expect "numbers: the stream answers" "$?" 0
ctl queue --limit 1000 --json > "$T/num-page.json"
num() { jq -c --arg id "$1" ".[] | select(.id == \$id) | $2" "$T/num.json"; }
pnum() { jq -c --arg id "$1" ".items[] | select(.id == \$id) | $2" "$T/num-page.json"; }
expect "strict JSON: the stream's categories a page's" \
	"$(num "$1" .categories)" "$(pnum "$1" .categories)"
# (jq reads integers as doubles: the count is read as text.)
expect "strict JSON: a count past 64 bits, LLONG_MIN in the stream" \
	"$(grep -c '"repeat": *-9223372036854775808' "$T/num.json")" 1
expect "strict JSON: and on a page" \
	"$(grep -c '"repeat": *-9223372036854775808' "$T/num-page.json")" 2
expect "not strict JSON (1e400): the stream's repeat is null" \
	"$(num "$4" .repeat)" null
expect "not strict JSON (01): the stream's categories are the record's" \
	"$(num "$4" .categories)" '["from the record"]'
expect "not strict JSON: a page's, cjson's" "$(pnum "$4" .categories)" '["w"]'
# Queue members no referral has: one of 300 bytes, one with a NUL. Each is
# listed as damaged ("missing", as a page lists it) beside every other;
# the stream was refused whole ("the page could not be made").
long=$(printf 'MASH-%0295d' 7)
n=$(ctl queue --json | jq length)
rcli zadd "{mash}:queue" 1 "$long" > /dev/null
printf 'zadd {mash}:queue 1 "MASH-\\x00-1"\n' | rcli > /dev/null
ctl queue --json > "$T/odd.json" 2> "$T/err"
expect "odd members: the stream answers" "$?" 0
expect "odd members: two more streamed" "$(jq length "$T/odd.json")" $((n + 2))
ctl queue --limit 1000 --json > "$T/odd-page.json"
expect "odd members: the stream's damaged items a page's" \
	"$(jq -c '[.[] | select(.status == "damaged")]' "$T/odd.json")" \
	"$(jq -c '[.items[] | select(.status == "damaged")]' "$T/odd-page.json")"
expect "odd members: each damaged, missing" \
	"$(jq -c '[.[] | select(.damaged == "missing") | .id | length] | sort' "$T/odd.json")" \
	"[8,300]"
finish
