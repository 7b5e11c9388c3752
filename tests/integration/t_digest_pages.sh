#!/bin/sh
# The supervisors' daily digest of a busy day, gathered a page a call so
# that Redis answers others between the pages: no call reads more than a
# page of the overdue referrals or of the audit stream; the counts and
# lists are those of the hub all the same: every referral overdue counted
# once, the escalations of the window once and none from before it, every
# alert held told and then released. A referral decided between two
# pages, by another mashd while the first is stopped, counts as the page
# that read it found it: overdue if read before its decision, not at all
# if after. 2026-11-30 is a Monday; the hub opens at 08:00 (GMT).
. "$(dirname "$0")/lib.sh"
# mashd is stopped between two pages for as long as the test takes (two
# decisions by another mashd, slow under valgrind): its page call must not
# time out meanwhile, which would start the gathering again (rightly).
REDIS_CONF='timeout = 120;'
write_conf 'alerts = { sendmail = ""; digest = true; };'
cp "$T/mashd.conf" "$T/a.conf"
# The second mashd: its own socket, and closed on Mondays, so that it
# never gathers Monday's digest itself.
sed -e "s|$T/mashd.sock|$T/b.sock|" \
	-e 's|^calendar = {|calendar = { hours = { monday = "closed"; };|' \
	"$T/a.conf" > "$T/b.conf"
chmod 600 "$T/b.conf"
start_redis
N=2000
bctl() { "$MASHCTL" -s "$T/b.sock" "$@"; }

# Saturday: 50 referrals escalated that day, before the window (the
# digest tells the escalations of the 24 hours before it).
at "2026-11-28 10:00:00"
timer_fill 2024 50 $(($(redis_ms) + 1000)) 1 escalation
start_mashd
wait_for 30 "[ \"\$(rcli zcount '{mash}:due' -inf $(($(redis_ms) + 60000)))\" = 0 ]"
stop_mashd
# Sunday evening: N more, each with an Amber warning held for the digest,
# overdue and escalated.
at "2026-11-29 20:00:00"
timer_fill 2025 $N $(($(redis_ms) + 1000)) 1 decision_warning decision \
	escalation
start_mashd
wait_for 60 "[ \"\$(rcli zcount '{mash}:due' -inf $(($(redis_ms) + 60000)))\" = 0 ]"
expect "Sunday: every timer due has fired" "$?" 0
stop_mashd
held0=$(rcli xlen '{mash}:digest:held')
expect "the Amber warnings held for the digest" "$held0" $N
overdue0=$(rcli eval "local n = 0
	local h = redis.call('HGETALL', KEYS[1])
	for i = 2, #h, 2 do
	  if string.find(' ' .. h[i] .. ' ', ' decision ', 1, true) then n = n + 1 end
	end
	return n" 1 '{mash}:overdue')
expect "every referral overdue for its decision" "$overdue0" $N

# Monday: the second mashd, then the first at the opening, watched; it is
# stopped once its first page of the overdue hash has been read.
at "2026-11-30 07:59:55"
TZ=UTC FAKETIME=$(fake_clock) LD_PRELOAD=$FAKETIME_LIB \
	ASAN_OPTIONS=verify_asan_link_order=0 \
	$MASHD_WRAP "$MASHD" -f -c "$T/b.conf" 2>> "$T/mashd.log" &
PID_B=$!
wait_for 30 "bctl status > /dev/null 2>&1"
cp "$T/a.conf" "$T/mashd.conf"
at "2026-11-30 07:59:58"
# A call of digest_overdue.lua: its one key the overdue hash (the look
# for overdue referrals with no reminder pending HSCANs it too, with two).
PAGE='"1" "{mash}:overdue" "{mash}:" '
start_mashd_stopped_at "$PAGE"
wait_for 30 "grep -qF '$PAGE' '$T/monitor' &&
	grep -q '^State:.*stopped' /proc/$MASHD_PID/status"
expect "stopped between two pages of the overdue hash" "$?" 0
# The referrals read so far, and one overdue not read yet: of each, the
# most late (the loader's due times follow the references).
monitor_settled
echo "# overdue pages begun before the stop: $(grep -cF "$PAGE" "$T/monitor") of about $((N / 100))"
awk -v page="$PAGE" '/"EVALSHA"/ { on = index($0, page) > 0; next }
	on && /"HMGET" "{mash}:ref:/' "$T/monitor" |
	sed 's/.*"HMGET" "{mash}:ref:\([^"]*\)".*/\1/' | sort -u > "$T/read"
rcli hkeys '{mash}:overdue' | sort > "$T/overdue"
READ=$(grep MASH-2025 "$T/read" | head -1)
UNREAD=$(comm -13 "$T/read" "$T/overdue" | grep MASH-2025 | head -1)
expect "a referral read, one not yet" "$([ -n "$READ" ] && [ -n "$UNREAD" ] && echo yes)" yes
for r in $READ $UNREAD; do
	bctl decide "$r" nfa --reason 'Information only' > /dev/null
	expect "$r decided by the other mashd" "$?" 0
done
kill -CONT "$MASHD_PID"
mashd_ready
wait_for 30 "[ -n \"\$(events '' digest | grep 'date=2026-11-30 ')\" ]"
expect "Monday's digest written" "$?" 0
kill "$MON"
wait "$MON" 2> /dev/null

# Its counts: the overdue as each page found them (READ counted, UNREAD
# not), the window's escalations, every alert held.
detail=$(events '' digest | grep 'date=2026-11-30 ')
count() { echo "$detail" | sed -n "s/.* $1=\([0-9]*\).*/\1/p"; }
expect "overdue: each once, READ counted, UNREAD not" "$(count overdue)" \
	$((overdue0 - 1))
expect "escalations: Sunday's, none of Saturday's" "$(count escalations)" $N
expect "held: every alert held" "$(count held)" $N
expect "the alerts told no longer held" "$(rcli xlen '{mash}:digest:held')" 0
# Its list: the most late first, as the hub held them when read (as many
# as the digest's text has room for).
rcli eval "for _, e in ipairs(redis.call('XRANGE', KEYS[1], '-', '+')) do
	  local f = {}
	  for i = 1, #e[2], 2 do f[e[2][i]] = e[2][i + 1] end
	  if f.event == 'digest' then return f.text end
	end
	return ''" 1 '{mash}:outbox' > "$T/text"
rcli eval "local od = {}
	for _, id in ipairs(redis.call('HKEYS', KEYS[1])) do
	  local v = redis.call('HGET', KEYS[1], id)
	  if string.find(' ' .. v .. ' ', ' decision ', 1, true) then od[#od + 1] = id end
	end
	od[#od + 1] = ARGV[1]
	local due = {}
	for _, id in ipairs(od) do
	  due[id] = tonumber(redis.call('HGET', '{mash}:ref:' .. id, 'due:decision'))
	end
	table.sort(od, function(x, y)
	  if due[x] ~= due[y] then return due[x] < due[y] end
	  return x < y end)
	local out = {}
	for i = 1, 25 do out[i] = od[i] end
	return out" 1 '{mash}:overdue' "$READ" > "$T/want"
grep -o '^  MASH-[0-9-]*  held by' "$T/text" | cut -c3-18 > "$T/listed"
expect "ten listed at least" "$([ "$(wc -l < "$T/listed")" -ge 10 ] && echo yes)" yes
expect "the most late listed, in order" \
	"$(head -n "$(wc -l < "$T/listed")" "$T/want" | diff - "$T/listed")" ""
# Each call of the gathering read at most a page: 100 fields of the
# overdue hash (HSCAN's COUNT is a hint: a few more) and 250 audit events.
awk '/"EVALSHA"/ { if (n > max) max = n; n = 0; next }
	/"HMGET" "{mash}:ref:/ { n++ }
	END { if (n > max) max = n; print max }' "$T/monitor" > "$T/most"
expect "no call read more than a page of referrals" \
	"$([ "$(cat "$T/most")" -le 150 ] && echo yes)" yes
awk '/"EVALSHA"/ { if (n > max) max = n; n = 0; next }
	/"XREVRANGE" "{mash}:events"/ { c = $NF; gsub(/"/, "", c); n += c }
	END { if (n > max) max = n; print max }' "$T/monitor" > "$T/most"
expect "no call read more than a page of audit events" \
	"$([ "$(cat "$T/most")" -le 250 ] && echo yes)" yes
check_no_personal_data
kill "$PID_B"
wait "$PID_B"
expect "the second mashd exits 0" "$?" 0
stop_mashd
finish
