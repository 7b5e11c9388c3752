#!/bin/sh
# The work of one alert take is bounded however long the outbox's pending
# list grows (a hung MTA holds every alert in it: m-hung review, finding
# 1): with 3,000 alerts pending and held, none due, a take looks at no
# more than 256 of them (before: all 3,000, one HMGET each, every
# second), going on from where the last one stopped, so one that falls
# due at the far end of the list is still taken, within 3000 / 256 takes.
# And a held alert wakes at an answer in the same millisecond.
. "$(dirname "$0")/lib.sh"
recording_sendmail
mta_conf 5 10 3
start_redis
# take CONSUMER NOW ANSWERED [CURSOR [PREFIX]]: alert_take.lua as mashd
# builds it, called under the prefix {tie}: (apart from the hub's) or
# PREFIX, its answer's ids.
take() {
	_p=${5:-{tie\}:}
	{ awk -f "$TOP/tools/lua-prelude.awk" "$BUILD/words.lua" "$BUILD/lib.lua" \
		"$TOP/daemon/lua/alert_take.lua"
	  cat "$TOP/daemon/lua/alert_take.lua"; } > "$T/take.lua"
	rcli eval "$(cat "$T/take.lua")" 3 "${_p}outbox" "${_p}settings" \
		"${_p}digest:held" "$_p" \
		"{\"consumer\":\"$1\",\"now\":$2,\"count\":4,\"claim_idle\":60000,\"busy\":[],\"answered\":$3,\"cursor\":\"${4:-}\"}" |
		tee "$T/answer" | grep -o '"id":"[0-9]*-[0-9]*"' | wc -l
}
# A held alert is woken by an answer in the same millisecond as its hold
# (<=: finding 6), not one before.
rcli xadd '{tie}:outbox' 1-1 event amber ref MASH-T-1 > /dev/null
rcli xgroup create '{tie}:outbox' mashd 0 > /dev/null
rcli xreadgroup group mashd c1 count 1 streams '{tie}:outbox' '>' > /dev/null
rcli hset '{tie}:alert:1-1' state pending attempts 0 event amber \
	ref MASH-T-1 next_at 900000 held 5000 > /dev/null
expect "an answer before the hold does not wake it" "$(take c1 6000 4999)" 0
expect "one in the same ms wakes it" "$(take c1 6000 5000)" 1
N=3000
# N outbox entries pending with a consumer gone long ago (idle an hour,
# so any mashd may take them over), each alert held, due in 10 minutes.
rcli eval "
local o = KEYS[1]
redis.call('XGROUP', 'CREATE', o, 'mashd', '0', 'MKSTREAM')
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
for i = 1, tonumber(ARGV[1]) do
  local id = redis.call('XADD', o, '*', 'event', 'amber', 'ref', 'MASH-X-' .. i)
  redis.call('HSET', '{mash}:alert:' .. id, 'state', 'pending', 'attempts', 0,
             'event', 'amber', 'ref', 'MASH-X-' .. i,
             'next_at', now + 600000, 'held', now - 1000)
end
redis.call('XREADGROUP', 'GROUP', 'mashd', 'ghost', 'COUNT', ARGV[1],
           'STREAMS', o, '>')
for _, e in ipairs(redis.call('XRANGE', o, '-', '+')) do
  redis.call('XCLAIM', o, 'mashd', 'ghost', 0, e[1], 'IDLE', 3600000)
end
return redis.call('XPENDING', o, 'mashd')[1]
" 1 '{mash}:outbox' "$N" > /dev/null
expect "$N alerts pending" "$(rcli xpending '{mash}:outbox' mashd | head -1)" "$N"
start_mashd
# stat NAME: calls of Redis command NAME since the reset, as of the last
# snap (one INFO for all the counts compared: a take between two reads
# made them disagree, under valgrind).
snap() { rcli info commandstats | tr -d '\r' > "$T/stats"; }
stat() { sed -n "s/^cmdstat_$1:calls=\([0-9]*\),.*/\1/p" "$T/stats"; }
# cpu: Redis's CPU seconds so far (user + system).
cpu() {
	rcli info cpu | tr -d '\r' |
		awk -F: '/^used_cpu_(user|sys):/ { s += $2 } END { printf "%.3f", s }'
}
sleep 2
rcli config resetstat > /dev/null
cpu0=$(cpu)
sleep 5
snap
# Each take asks XINFO CONSUMERS once (alert_take.lua alone does).
takes=$(stat 'xinfo|consumers')
hmgets=$(stat hmget)
xpend=$(stat xpending)
echo "# in 5 s: ${takes:-0} takes, ${hmgets:-0} HMGETs, ${xpend:-0} XPENDINGs," \
	"Redis CPU +$(awk -v a="$(cpu)" -v b="$cpu0" 'BEGIN { printf "%.3f", a - b }') s," \
	"load $(cut -d' ' -f1-3 /proc/loadavg)"
expect "takes ran" "$([ "${takes:-0}" -ge 2 ] && echo yes)" yes
expect "a take looks at 256 pending alerts at most (<= 260 HMGETs a take)" \
	"$([ "${hmgets:-0}" -le $((takes * 260)) ] && echo yes)" yes
expect "and reads the pending list in 2 pages at most (+ its count)" \
	"$([ "${xpend:-0}" -le $((takes * 3)) ] && echo yes)" yes
# The one before the last falls due: it is still looked at, and taken
# (claimed from the ghost), within ceil(3000 / 256) = 12 takes (a second
# apart) and some.
id=$(rcli xpending '{mash}:outbox' mashd - + "$N" ghost |
	grep '^[0-9]*-[0-9]*$' | tail -2 | head -1)
rcli hset "{mash}:alert:$id" next_at 1 > /dev/null
wait_for 20 "! rcli xpending '{mash}:outbox' mashd - + $N ghost | grep -q '^$id\$'"
expect "one due at the far end of the list is taken" "$?" 0
expect "none other" \
	"$(rcli xpending '{mash}:outbox' mashd - + "$N" ghost | grep -c '^[0-9]*-[0-9]*$')" \
	$((N - 1))
# A cursor Redis takes for no ID of the stream (out of range: mashd only
# keeps IDs Redis gave, but a stored one may be damaged) restarts the scan
# from the head: the take still answers (here 4 held alerts woken by an
# answer) where it failed, and with it every take after (m-hung review 2,
# finding 1).
now=$(($(date +%s) * 1000))
expect "a cursor out of range: the take still answers" \
	"$(take c9 "$now" "$now" 99999999999999999999999-0 '{mash}:')" 4
# A due alert found but not taken, the room gone to new Red alerts, is
# looked at again by the next take, not a round of the list later (m-hung
# review 2, finding 2): 600 pending (a ghost's, idle an hour), held, but
# 300-0 due; 4 unread Reds fill the first take from cursor 256-0.
rcli eval "
local o = KEYS[1]
for i = 1, 600 do
  redis.call('XADD', o, i .. '-0', 'event', 'amber', 'ref', 'MASH-Y-' .. i)
end
redis.call('XGROUP', 'CREATE', o, 'mashd', '0')
redis.call('XREADGROUP', 'GROUP', 'mashd', 'ghost', 'COUNT', 600, 'STREAMS', o, '>')
for i = 1, 600 do
  redis.call('XCLAIM', o, 'mashd', 'ghost', 0, i .. '-0', 'IDLE', 3600000)
  redis.call('HSET', '{due}:alert:' .. i .. '-0', 'state', 'pending',
             'attempts', 0, 'event', 'amber', 'ref', 'MASH-Y-' .. i,
             'next_at', i == 300 and ARGV[1] - 1000 or ARGV[1] + 600000)
end
for i = 601, 604 do
  redis.call('XADD', o, i .. '-0', 'event', 'red', 'ref', 'MASH-Y-' .. i)
end
" 1 '{due}:outbox' "$now" > /dev/null
take c7 "$now" 0 256-0 '{due}:' > /dev/null
expect "the Reds took the first take; the due one, the next" \
	"$(take c7 "$now" 0 "$(jq -r .cursor "$T/answer")" '{due}:' &&
	   jq -r '[.alerts[].id] | join(" ")' "$T/answer")" "1
300-0"
finish
