#!/bin/sh
# fire.lua's effects, every one, on a store that holds each case it
# meets (every timer kind, a Red referral, the digest on and the counters
# counting, a referral out of the queue, a timer stopped, one fired
# already, a record damaged, one missing, a referral's list of events
# damaged, a reminder's rung, an overdue figure counted before, a
# deferred timer whose record came back, a member of no mashd's making),
# fired in batches of 7 at one fixed instant: every key of the store
# afterwards, stream ids as ordinals and the audit chain checked
# (tests/tools/store-dump.lua, store-norm.py), and every answer, must be
# tests/fixtures/fire-effects.txt, written by fire.lua at 95de5a0 (before
# its batch's timers left the due set in one ZREM). A change to fire.lua,
# lib.lua or lib_batch.lua that changes no effect passes; one that means
# to change one writes the file again (FIRE_EFFECTS_WRITE=1) and says why.
. "$(dirname "$0")/lib.sh"
start_redis
at "2026-12-10 10:00:00"
NOW=$(($(date -u -d "2026-12-10 10:00:00" +%s) * 1000))
RECEIVED=$((NOW - 3 * 86400000))
P='{mash}:'

# fill YEAR COUNT BRAG DUE STEP TIMER...: tools/bench/timer-fill.lua (as
# lib.sh's timer_fill), received at a fixed instant.
cat "$BUILD/words.lua" "$BUILD/lib.lua" "$TOP/tools/bench/timer-fill.lua" \
	> "$T/timer-fill.lua"
FILL=$(rcli -x script load < "$T/timer-fill.lua")
fill() {
	_y=$1 _n=$2 _brag=$3 _due=$4 _step=$5
	shift 5
	rcli evalsha "$FILL" 6 "${P}seq:$_y" "${P}queue" "${P}due" \
		"${P}events" "${P}events:head" "${P}index:received" "$P" \
		"$(jq -cn --arg r "$(jq -c . "$FIX/amber.json")" \
			--argjson n "$_n" --arg due "$_due" --argjson step "$_step" \
			--arg received "$RECEIVED" --arg brag "$_brag" \
			'{year: '"$_y"', count: $n, received: $received,
			brag: $brag, score: "1", record: $r,
			timers: $ARGS.positional, due: $due, step: $step}' \
			--args "$@")" > /dev/null
}
ref() { printf '%sref:MASH-%s' "$P" "$1"; }

# Twelve Amber referrals with every timer, due a day ago a second apart;
# three Red with a decision and a screening.
fill 2024 12 amber $((NOW - 86400000)) 1000 screening decision_warning \
	screening_escalate decision escalation written overdue_reminder
fill 2023 3 red $((NOW - 7200000)) 1000 decision screening
rcli hset "${P}settings" alerts_digest 1 > /dev/null
rcli hset "${P}stats" counting 1 > /dev/null
rcli zrem "${P}queue" MASH-2024-000002 > /dev/null
rcli hset "$(ref 2024-000003)" stopped:decision $((NOW - 5000)) > /dev/null
d=$(rcli hget "$(ref 2024-000004)" due:screening)
rcli hset "$(ref 2024-000004)" fired:screening "$d" > /dev/null
rcli del "$(ref 2024-000005)" > /dev/null
rcli set "$(ref 2024-000005)" damaged > /dev/null
rcli del "$(ref 2024-000006)" > /dev/null
rcli del "$(ref 2024-000007):audit" > /dev/null
rcli set "$(ref 2024-000007):audit" damaged > /dev/null
rcli hset "$(ref 2024-000008)" rung:overdue_reminder 3 > /dev/null
rcli hset "${P}overdue" MASH-2024-000009 written > /dev/null
rcli hset "${P}stats" overdue:written 1 > /dev/null
rcli hset "$(ref 2024-000010)" due:decision $((NOW + 3600000)) > /dev/null
rcli sadd "${P}due:damaged" MASH-2024-000010:decision \
	MASH-2024-000011:decision MASH-2024-000099:screening > /dev/null
rcli hset "$(ref 2024-000011)" due:decision $((NOW - 90000000)) > /dev/null
rcli zadd "${P}due" $((NOW - 100)) junk > /dev/null
expect "the store's timers due" \
	"$(rcli zcount "${P}due" -inf "$NOW")" 91

# fire.lua as mashd sends it, its clock (redis_now) fixed at NOW: the
# same line in every version, so the same substitution.
cat "$BUILD/words.lua" "$BUILD/lib.lua" "$TOP/daemon/lua/fire.lua" |
	sed 's/^  local now_s = redis_now()$/  local now_s = a.now or redis_now()/' \
		> "$T/fire.lua"
expect "fire.lua reads Redis's clock in one line" \
	"$(grep -c '^  local now_s = a.now or redis_now()$' "$T/fire.lua")" 1
sha=$(rcli -x script load < "$T/fire.lua")
keys=$(sed -n 's/^static const char lua_fire_keys\[\] = "\(.*\)";$/\1/p' \
	"$BUILD/lua_scripts.h")
n=0
set --
for k in $keys; do n=$((n + 1)); set -- "$@" "$P$k"; done
: > "$T/answers"
i=0
while [ $i -lt 20 ]; do
	rcli evalsha "$sha" "$n" "$@" "$P" "{\"limit\":7,\"now\":\"$NOW\"}" \
		>> "$T/answers"
	i=$((i + 1))
done
expect "nothing left due" "$(rcli zcount "${P}due" -inf "$NOW")" 0

rcli --raw eval "$(cat "$TOP/tests/tools/store-dump.lua")" 0 > "$T/dump"
python3 "$TOP/tests/tools/store-norm.py" "$T/dump" > "$T/effects" \
	2> "$T/norm.err"
expect "the audit chain whole" "$(cat "$T/norm.err")" "chain breaks: 0"
{
	echo "# answers"
	cat "$T/answers"
	echo "# store"
	cat "$T/effects"
} > "$T/got"
if [ -n "${FIRE_EFFECTS_WRITE:-}" ]; then
	cp "$T/got" "$FIX/fire-effects.txt"
	skip "fire-effects.txt written"
fi
if cmp -s "$T/got" "$FIX/fire-effects.txt"; then
	ok "every effect and answer as tests/fixtures/fire-effects.txt's"
else
	not_ok "every effect and answer as tests/fixtures/fire-effects.txt's" \
		"$(diff "$FIX/fire-effects.txt" "$T/got" | head -10)"
fi
finish
