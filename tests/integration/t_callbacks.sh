#!/bin/sh
# A referrer that no transport reaches (known only by telephone, with no
# webhook that reaches referrers; or mail off) is never "sent" an alert:
# the alert becomes a call-back task for the navigators, listed with the
# number by mashctl callbacks, counted in status and /metrics, closed by
# mashctl called with a note, audited. The number is never logged nor put
# in an alert.
. "$(dirname "$0")/lib.sh"
recording_sendmail
mkdir -p "$T/hooks"
"$BUILD/webhook-recv" "$T/hook.port" "$T/hooks" "$T/hook.status" &
RECV=$!
wait_for 5 test -s "$T/hook.port"
HOOK=http://127.0.0.1:$(cat "$T/hook.port")
PHONE="01632 960555"
jq --arg p "$PHONE" 'del(.referrer.email) | .referrer.phone = $p' \
	"$FIX/amber.json" > "$T/phone-only.json"
conf() { # SENDMAIL REFERRER-HOOK(true|false)
	write_conf "
alerts = { sendmail = \"$1\"; from = \"mash-alerts@hub.example\";
  retry = { first = 1; max = 1; attempts = 5; }; claim_idle = 4; timeout = 3; };
recipients = { navigators = [ \"navigators@hub.example\" ]; };
webhooks = (
  { name = \"chat\"; url = \"$HOOK/chat\"; insecure = true; events = [ \"ack\" ];
    secret = \"webhook-secret-0123456789\"; },
  { name = \"sms\"; url = \"$HOOK/sms\"; insecure = true; events = [ \"outcome\" ];
    secret = \"webhook-secret-0123456789\"; referrers = $2; }
);
roles = { call_handlers = [ \"user:mash-test-call\" ];
  navigators = [ \"user:mash-test-nav1\" ];
  admins = [ \"user:mash-test-admin\" ]; };"
	# Other users reach the socket: their roles decide.
	sed -i "s|^control = { socket = \"$T/mashd.sock\"; };|control = { socket = \"$T/mashd.sock\"; mode = \"0666\"; };|" \
		"$T/mashd.conf"
}
# The roles' users exist before mashd starts: it resolves the names
# named in roles at start and on SIGHUP, not at each request (on a new
# machine, made after the start, they had no role).
if [ "$(id -u)" = 0 ]; then
	for u in mash-test-call mash-test-nav1 mash-test-admin; do
		id "$u" > /dev/null 2>&1 || useradd -M -N -s /usr/sbin/nologin "$u"
	done
fi
conf "$T/sendmail" true
start_redis
# Tuesday 24 November 2026, 10:00: the hub is open.
at "2026-11-24 10:00:00"
start_mashd

# A telephone-only referrer's acknowledgement: the chat webhook (which
# does not reach referrers) refuses the first attempt.
echo 503 > "$T/hook.status"
expect "a referral from a referrer known only by telephone" \
	"$(post "$T/phone-only.json")" 201
R1=$(jbody .id)
wait_for 10 "grep -q 'Status-Sent: 503' '$T'/hooks/*.hdr"
expect "the first attempt fails" "$?" 0
rm "$T/hook.status"
ack() { ctl alerts --json | jq -r ".[] | select(.ref == \"$R1\" and .event == \"ack\") | .$1"; }
wait_for 15 "[ \"\$(ack state)\" = callback ]"
expect "its acknowledgement is a call-back, not sent" "$(ack state)" callback
expect "after two attempts" "$(ack attempts)" 2
ctl callbacks --json > "$T/cb.json"
expect "one call-back task, made once over the attempts" "$(jq length "$T/cb.json")" 1
TASK=$(jq -r '.[0].id' "$T/cb.json")
expect "the alert names its task" "$(ack callback)" "$TASK"
expect "the task: reference, event, number, state" \
	"$(jq -r '.[0] | [.ref, .event, .phone, .state] | join("|")' "$T/cb.json")" \
	"$R1|ack|$PHONE|open"
expect "due now, the hub being open" "$(jq -r '.[0].due' "$T/cb.json" | minute)" \
	2026-11-24T10:00
table=$(ctl callbacks) # each reading is audited: read once
expect_match "the table shows it" "$table" "^$TASK +$R1 +ack +$PHONE "
expect_match "its due time in the hub's local time, with the zone" "$table" \
	"^$TASK +$R1 +ack +$PHONE +[A-Z][a-z]{2} [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9]{2}:[0-9]{2} (GMT|BST) "
expect "alerts --state callback lists it" \
	"$(ctl alerts --state callback --json | jq -r '.[].ref')" "$R1"
expect "no alert says it was sent" \
	"$(ctl alerts --state sent --json | jq -r ".[] | select(.ref == \"$R1\") | .id")" ""
expect "status counts it" "$(ctl status --json | jq .callbacks.open)" 1
expect_match "the status table too" "$(ctl status)" 'callbacks open 1'
curl -s "$URL/metrics" > "$T/metrics"
expect_match "and /metrics" "$(cat "$T/metrics")" 'mashd_callbacks\{state="open"\} 1'
expect_match "as an alert state too" "$(cat "$T/metrics")" \
	'mashd_alerts\{state="callback"\} 1'
expect "its making is audited" "$(events "$R1" callback | grep -c "task=$TASK ")" 1
expect "reading the number is audited" "$(events "$R1" callbacks | grep -c "task=$TASK")" 2
body=$(ls "$T"/hooks/*.body | tail -1)
expect "a webhook that does not reach referrers is not given the number" \
	"$(jq -r '.referrer_phone // "none"' "$body")" none

# The call, made and recorded.
ctl called "$TASK" > /dev/null 2>&1
expect "called needs a note" "$?" 2
ctl called x1 --note 'rang' 2> "$T/err"
expect_match "a task id is a number" "$(cat "$T/err")" 'not a call-back task id'
ctl called 999 --note 'rang' 2> "$T/err"
expect_match "an unknown task is named" "$(cat "$T/err")" 'no call-back task 999'
expect_match "called closes it" \
	"$(ctl called "$TASK" --note 'Rang; gave the reference and the decision date')" \
	"call-back task $TASK \\($R1\\) closed"
expect "no open task left" "$(ctl callbacks --json | jq length)" 0
expect "status says so" "$(ctl status --json | jq .callbacks.open)" 0
ctl callbacks --all --json > "$T/cb.json"
expect "--all shows it closed, with who and the note" \
	"$(jq -r '.[0] | [.state, (.called_by | test("^uid:[0-9]+")), .note] | map(tostring) | join("|")' "$T/cb.json")" \
	"done|true|Rang; gave the reference and the decision date"
expect_match "the call is audited: who, when, the note" \
	"$(events "$R1" called)" \
	"at [0-9]+ actor uid:[0-9]+.* action called detail task=$TASK event=ack note: Rang; gave the reference"
ctl called "$TASK" --note again 2> "$T/err"
expect "a task is closed once" "$?" 1
expect_match "and says by whom" "$(cat "$T/err")" "closed already, by uid:"

# A webhook that reaches referrers carries the number: the outcome goes
# by sms, no task.
ctl decide "$R1" nfa --reason 'No further action' > /dev/null
out() { ctl alerts --json | jq -r ".[] | select(.ref == \"$R1\" and .event == \"outcome\") | .state"; }
wait_for 10 "[ \"\$(out)\" = sent ]"
expect "an outcome through a webhook that reaches referrers is sent" "$(out)" sent
sms=$(grep -l 'X-Mash-Event: outcome' "$T"/hooks/*.hdr | head -1)
expect "with the number" "$(jq -r .referrer_phone "${sms%.hdr}.body")" "$PHONE"
expect "and no new task" "$(ctl callbacks --all --json | jq length)" 1

# Mail off: a referrer with an address is not reached either.
conf "" false
kill -HUP "$MASHD_PID"
wait_for 10 "grep -q 'reload: .* read again' '$T/mashd.log'"
nmail=$(ls "$T"/mail/*.eml 2>/dev/null | wc -l)
expect "a referral from a referrer with email" "$(post "$FIX/green.json")" 201
G1=$(jbody .id)
wait_for 10 "ctl alerts --state callback --json | jq -r '.[].ref' | grep -qx $G1"
expect "with mail off it is a call-back" "$?" 0
expect "and the phone is in the task" \
	"$(ctl callbacks --json | jq -r ".[] | select(.ref == \"$G1\") | .phone")" \
	"$(jq -r .referrer.phone "$FIX/green.json")"
expect "nothing went to sendmail" "$(ls "$T"/mail/*.eml 2>/dev/null | wc -l)" "$nmail"

# The numbers are in no log line and no alert.
if grep -F -e "$PHONE" -e "$(jq -r .referrer.phone "$FIX/green.json")" \
	"$T/mashd.log" "$T"/mail/*.eml > "$T/leak" 2>/dev/null; then
	not_ok "no telephone number in the log or in a mail" "$(head -3 "$T/leak")"
else
	ok "no telephone number in the log or in a mail"
fi
expect "nor in a webhook but the one that reaches referrers" \
	"$(grep -l -F "$PHONE" "$T"/hooks/*.body | xargs -r grep -L 'referrer_phone' | wc -l)" 0

# Roles: navigators and supervisors, not call handlers nor admins.
if [ "$(id -u)" != 0 ]; then
	skip "roles are tested as several users: run as root"
else
	chmod 755 "$T"
	as() { # USER MASHCTL-ARGS...
		_u=$1
		shift
		runuser -u "$_u" -- "$MASHCTL" -s "$T/mashd.sock" "$@"
	}
	as mash-test-call callbacks > /dev/null 2> "$T/err"
	expect_match "a call handler may not list call-backs" "$(cat "$T/err")" \
		'permission denied: callbacks needs one of the roles navigators, supervisors;'
	as mash-test-admin called 2 --note x > /dev/null 2> "$T/err"
	expect_match "nor an admin close one" "$(cat "$T/err")" \
		'permission denied: called needs one of the roles navigators, supervisors;'
	expect "a navigator lists them" "$(as mash-test-nav1 callbacks --json | jq length)" 1
	expect_match "and closes one" \
		"$(as mash-test-nav1 called "$(as mash-test-nav1 callbacks --json | jq -r '.[0].id')" --note 'Left a message')" \
		"closed"
	expect_match "audited as that navigator" "$(events "$G1" called)" \
		"actor uid:$(id -u mash-test-nav1)\\(mash-test-nav1\\)"
fi
kill "$RECV"
finish
