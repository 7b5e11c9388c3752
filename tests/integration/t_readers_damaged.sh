#!/bin/sh
# A damaged record of one referral (its key holds a string, not a hash;
# its list of events a string, not a list) never fails what reads the
# others: the queue, `list`, `child` and `callbacks` list it as a damaged
# record; a reload works out the others' timers and says which it could
# not; the timers of the others fire, and the damaged one's are passed
# over (deferred an hour, again and again until their record reads),
# said in the log and the audit; restored from a backup, the next look
# fires them, once. What asks for the damaged referral
# itself is refused, saying so, and mashd serves on. (show: t_show_damaged.)
# 2026-11-24 is a Tuesday; London is on GMT. The clock is pinned, so no
# daily digest comes between.
. "$(dirname "$0")/lib.sh"
write_conf 'repeat = { secret = "damaged-test-secret-0123456789abcdef0123"; };'
start_redis
at "2026-11-24 10:00:00"
start_mashd

# short REF: this year's reference as the queue shows it (its number).
short() { echo "$1" | sed 's/.*-0*//'; }

# A and B about one child; C about another, decided; K's referrer known
# by telephone alone (its acknowledgement is a call-back task).
jq '.child.last_name = "Marchbanks"' "$FIX/amber.json" > "$T/child.json"
jq 'del(.referrer.email)' "$FIX/green.json" > "$T/phoned.json"
cp "$FIX/red.json" "$T/red.json"
for nf in A:child B:child C:red K:phoned; do
	expect "referral ${nf%:*} stored" "$(post "$T/${nf#*:}.json")" 201
	eval "${nf%:*}=\$(jbody .id)"
done
ctl decide "$C" nfa --reason 'Information only' > /dev/null
expect "C decided" "$?" 0
expect "K's referrer has a call-back task" \
	"$(ctl callbacks --json | jq -r '.[].ref')" "$K"
rcli copy "{mash}:ref:$A" '{mash}:backup' > /dev/null # as a backup holds it
damage "{mash}:ref:$A" notahash
damage "{mash}:ref:$K" notahash

# 1. The queue: the others listed, A as a damaged record.
out=$(ctl queue 2>&1)
expect "mashctl queue answers" "$?" 0
expect_match "A listed as a damaged record" "$out" \
	"^  $(short "$A") +damaged record \\(not a hash\\)"
expect_match "and B as it is" "$out" "  $(short "$B") +amber "
expect "queue --json: A damaged, B new" \
	"$(ctl queue --json | jq -c "[.[] | select(.id == \"$A\" or .id == \"$B\") | .status]")" \
	'["damaged","new"]'

# /metrics and status: Redis answers. (The overdue counts are worked out
# again from the queue when the store has none: A among them.)
rcli hdel '{mash}:stats' counting > /dev/null
expect "/metrics: Redis up" "$(curl -s "$URL/metrics" | grep '^mashd_redis_up ')" \
	'mashd_redis_up 1'
expect "status: Redis up" "$(ctl status --json | jq -r .redis)" up
expect "/metrics: nothing overdue yet" \
	"$(curl -s "$URL/metrics" | grep '^mashd_overdue_referrals{timer="decision"}')" \
	'mashd_overdue_referrals{timer="decision"} 0'

# 2. list --all and child: the same.
# And the index names a referral whose record is missing altogether.
rcli zadd '{mash}:index:received' "$(redis_ms)" MASH-2026-000099 > /dev/null
out=$(ctl list --all 2>&1)
expect "mashctl list answers" "$?" 0
expect_match "list: A a damaged record" "$out" "$A +damaged record \\(not a hash\\)"
expect_match "list: the one missing said, not left out" "$out" \
	"MASH-2026-000099 +damaged record \\(missing\\)"
rcli zrem '{mash}:index:received' MASH-2026-000099 > /dev/null
expect_match "list: C decided" "$out" "$C +red "
out=$(ctl child --name "Octavienne Marchbanks" --dob 2017-09-02 2>&1)
expect "mashctl child answers" "$?" 0
expect_match "child: A a damaged record" "$out" "$A +damaged record \\(not a hash\\)"
expect_match "child: B as it is" "$out" "$B +amber "

# 3. callbacks: K's task listed, its record said damaged, no telephone.
out=$(ctl callbacks 2>&1)
expect "mashctl callbacks answers" "$?" 0
expect_match "K's task: damaged record" "$out" "$K .* damaged record "
expect "no read of K's telephone number is audited since (none was)" \
	"$(events "$K" callbacks | grep -c 'telephone number read')" 1
expect_match "the audit says why" "$(events "$K" callbacks)" \
	'not read: the record is damaged'
# K counted overdue for its decision as the figures stood before its
# record was damaged: closing its task (an audit of K) leaves that be.
rcli hset '{mash}:overdue' "$K" decision > /dev/null
rcli hincrby '{mash}:stats' overdue:decision 1 > /dev/null
ctl called "$(ctl callbacks --json | jq -r '.[0].id')" --note 'no answer' \
	> /dev/null
expect "K's task closed" "$?" 0
expect "/metrics: K still counted overdue" \
	"$(curl -s "$URL/metrics" | grep '^mashd_overdue_referrals{timer="decision"}')" \
	'mashd_overdue_referrals{timer="decision"} 1'

# 4. A reload: the others worked out, A said.
n=$(grep -c 'timers: recomputed' "$T/mashd.log")
kill -HUP "$MASHD_PID"
wait_for 10 "[ \$(grep -c 'timers: recomputed' '$T/mashd.log') -gt $n ]"
expect_match "the reload works out B, and says A could not be" \
	"$(grep 'timers: recomputed' "$T/mashd.log" | tail -1)" \
	'recomputed 1 open referral\(s\): 0 timer\(s\) moved; 2 referral\(s\) could not be rescheduled'
expect_match "A named" "$(grep "referral $A: cannot reschedule" "$T/mashd.log")" \
	'its record is damaged'

# 5. B's list of events damaged too; Thursday: B's timers fire, A's are
# passed over and said.
damage "{mash}:ref:$B:audit" notalist
stop_mashd
at "2026-11-26 12:00:00"
start_mashd
wait_for 10 "fired $B decision"
expect "B's decision fires" "$?" 0
expect_log "A's decision passed over, said" \
	"referral $A: timer decision not fired: its record is damaged"
again=$(rcli zscore '{mash}:due' "$A:decision")
expect "deferred: still due, an hour on (13:00 at the earliest)" \
	"$((${again:-0} >= $(date -u -d '2026-11-26 13:00:00' +%s%3N)))" 1
expect "and named in due:damaged" \
	"$(rcli sismember '{mash}:due:damaged' "$A:decision")" 1
expect "/metrics: the timers deferred for a damaged record (A's 4, K's 2)" \
	"$(curl -s "$URL/metrics" | grep '^mashd_timers_damaged')" \
	"mashd_timers_damaged{state=\"deferred\"} 6"
expect_match "the audit says so" "$(events '' damaged)" \
	"timer=decision due=[0-9]+ of $A not fired"
expect_match "and that B's firing is not in its damaged list of events" \
	"$(events '' damaged)" "of $B is not in its referral's list of events"

# 6. What asks for A itself is refused, saying so; mashd serves on.
for cmd in "claim $A" "history $A" "explain $A" "history $B"; do
	ctl $cmd > "$T/out" 2>&1
	expect "$cmd fails" "$?" 1
	expect_match "$cmd says the record is damaged" "$(cat "$T/out")" \
		"^mashctl: referral MASH-2026-[0-9]+ is damaged: its (record is not a hash|list of events is not a list)"
done
expect_match "show of B says its list of events is damaged" \
	"$(ctl show "$B")" 'damaged record: its list of events is not a list'
expect "mashd still answers" "$(ctl status --json | jq -r .redis)" up

# 7. A's record restored from its backup, and a reload: its timers,
# deferred since Thursday, go back to the due times the record gives, and
# fire at once, each once.
rcli del "{mash}:ref:$A" > /dev/null
rcli rename '{mash}:backup' "{mash}:ref:$A" > /dev/null
kill -HUP "$MASHD_PID"
wait_for 10 "fired $A decision"
expect "restored and reloaded: A's decision fires" "$?" 0
expect "once" "$(events "$A" fire | grep -c 'timer=decision ')" 1
wait_for 10 "[ \"\$(rcli scard '{mash}:due:damaged')\" = 2 ]"
expect "none of A's deferred now: K's two alone" \
	"$(rcli smembers '{mash}:due:damaged' | sort | tr '\n' ' ')" \
	"$K:decision $K:decision_warning "
expect "/metrics: K's two deferred" \
	"$(curl -s "$URL/metrics" | grep '^mashd_timers_damaged')" \
	"mashd_timers_damaged{state=\"deferred\"} 2"
expect "A's decision fired once" \
	"$(rcli hexists "{mash}:ref:$A" fired:decision)" 1
expect "the audit chain is whole" \
	"$(ctl audit verify > /dev/null 2>&1; echo $?)" 0

stop_mashd
finish
