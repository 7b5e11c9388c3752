#!/bin/sh
# Alerts by mail over kept `sendmail -bs` sessions (alerts.sendmail_session):
# the same mails as one sendmail a mail, through fewer processes than
# mails; a refusal, a session that dies mid-DATA and one that hangs each
# fail the attempt, which is retried; a stop lets the transaction under
# way end and QUITs. The sendmail is tests/tools/smtp-stub.c: it records
# each message and misbehaves as $T/smtp/act says.
. "$(dirname "$0")/lib.sh"
mkdir -p "$T/mail" "$T/smtp"
cat > "$T/sendmail" <<EOS
#!/bin/sh
exec "$BUILD/smtp-stub" "$T/smtp" "$T/mail" "\$@"
EOS
chmod +x "$T/sendmail"
starts() { grep -c '^start' "$T/smtp/log" 2>/dev/null || echo 0; }
alert_in() { # STATE REF EVENT: the alert's JSON, if it is in STATE
	ctl alerts --state "$1" --json |
		jq -c ".[] | select(.ref == \"$2\" and .event == \"$3\")" | grep .
}
write_conf "
alerts = { sendmail = \"$T/sendmail\"; sendmail_session = true;
  from = \"mash-alerts@hub.example\"; max_parallel = 2;
  retry = { first = 1; max = 2; attempts = 3; }; claim_idle = 4; timeout = 3; };
recipients = { navigators = [ \"navigators@hub.example\" ];
  supervisors = [ \"supervisors@hub.example\" ];
  first_response = [ \"first-response@hub.example\" ];
  edt = [ \"edt@hub.example\" ]; };"
start_redis

at "2026-11-24 10:00:00"
start_mashd
expect "amber in office hours" "$(post "$FIX/amber.json")" 201
A1=$(jbody .id)
wait_for 10 "[ \$(nmails nadia.kowalczyk-brennan@nhs.example 'referral received') -ge 1 ]"
expect "the acknowledgement reaches the referrer over the session" "$?" 0
m=$(mails nadia.kowalczyk-brennan@nhs.example 'referral received' | head -1)
expect_ack_mail "$m" "$A1"
expect "sendmail started as sendmail -bs" "$(cat "${m%.eml}.args")" "-bs"
expect "the envelope's recipient is the referrer" "$(tr -d '\r' < "${m%.eml}.rcpt")" \
	"<nadia.kowalczyk-brennan@nhs.example>"
expect "the envelope's sender is alerts.from" "$(tr -d '\r' < "${m%.eml}.from")" \
	"FROM:<mash-alerts@hub.example>"
# A kept session holds nothing of mashd's but its pipes: not its Redis
# connection, nor a listener (sockets both share, by inode).
socks() { ls -l "/proc/$1/fd" 2>/dev/null | sed -n 's/.*socket:\[\([0-9]*\)\]$/\1/p' | sort -u; }
stub=$(sed -n 's/^start \([0-9]*\)$/\1/p' "$T/smtp/log" | tail -1)
expect "a session is running" "$([ -n "$stub" ] && [ -d "/proc/$stub" ] && echo yes)" yes
expect "sharing no socket with mashd" \
	"$(socks "$MASHD_PID" > "$T/s1"; socks "$stub" > "$T/s2"; comm -12 "$T/s1" "$T/s2" | wc -l)" 0

expect "red in office hours" "$(post "$FIX/red.json")" 201
R1=$(jbody .id)
wait_for 10 "[ \$(nmails first-response@hub.example 'new RED referral') -ge 1 ]"
expect "a Red reaches First Response" "$?" 0
m=$(mails first-response@hub.example 'new RED referral' | head -1)
expect_match "and the navigators, in the same mail" "$(grep '^To:' "$m")" navigators@hub.example
expect "one RCPT TO for each of its recipients" "$(grep -c . "${m%.eml}.rcpt")" 2

# One recipient refused (a local alias gone): the others still get the
# mail, as sendmail -t would deliver it to them, and the refusal is said
# without the address. Failing the whole mail left a Red with no one.
echo "RCPT1 550" > "$T/smtp/act"
expect "red while its first recipient is refused" "$(post "$FIX/red.json")" 201
R2=$(jbody .id)
wait_for 10 "[ \$(nmails first-response@hub.example \"$R2\") -ge 1 ]"
expect "the Red's mail is taken" "$?" 0
m=$(mails first-response@hub.example "$R2" | head -1)
expect "for its one recipient not refused" "$(grep -c . "${m%.eml}.rcpt")" 1
wait_for 10 "[ \"\$(ctl alerts --json | jq -r '.[] | select(.ref == \"$R2\" and .event == \"red\") | .state')\" = sent ]"
expect "the alert is sent: someone was reached" "$?" 0
expect_match "the refusal is logged" "$(cat "$T/mashd.log")" \
	'taken for 1 of its 2 recipients; 1 refused \(sendmail -bs refused RCPT TO: 550 5\.1\.1\)'
expect "without an address" \
	"$(grep 'recipients; 1 refused' "$T/mashd.log" | grep -c '@')" 0
rm "$T/smtp/act"
# Refused for now (4xx): the attempt fails, no one is sent it, and the
# retry asks each recipient again; passing over it would lose it for good.
echo "RCPT1 451" > "$T/smtp/act"
expect "red while its first recipient is refused for now" \
	"$(post "$FIX/red.json")" 201
R3=$(jbody .id)
wait_for 10 "grep -qF 'ref=$R3 event=red: mail:staff failed: sendmail -bs refused RCPT TO: 451' '$T/mashd.log'"
expect "the attempt fails with the step and the code" "$?" 0
expect "no one was sent it" "$(nmails first-response@hub.example "$R3")" 0
rm "$T/smtp/act"
wait_for 15 "[ \$(nmails first-response@hub.example \"$R3\") -ge 1 ]"
m=$(mails first-response@hub.example "$R3" | head -1)
expect "the retry sends it to both" "$(grep -c . "${m%.eml}.rcpt" 2> /dev/null)" 2

# Many messages, few processes: at most max_parallel sessions. A
# message taken (250 to ".") leaves the session ready for the next MAIL
# (RFC 5321 4.1.4): RSET only after a failed one, so at most one for each
# session among the six (one before every message was 2 round trips in
# 10; sent before each, there were at least 6 - 2).
n0=$(ls "$T"/mail/*.eml | wc -l)
r0=$(grep -c '^RSET' "$T/smtp/log")
for i in 1 2 3 4 5 6; do post "$FIX/amber.json" > /dev/null; done
wait_for 20 "[ \$(ls '$T'/mail/*.eml | wc -l) -ge $((n0 + 6)) ]"
expect "six more acknowledgements arrive" "$?" 0
n=$(ls "$T"/mail/*.eml | wc -l)
s=$(starts)
expect_match "$n messages through $s sendmail processes" "$s" '^[12]$'
expect "no RSET between messages taken" \
	"$([ $(($(grep -c '^RSET' "$T/smtp/log") - r0)) -le 2 ] && echo yes)" yes

# A 5xx to RCPT fails the attempt, the session stays, the retries fail
# the same way, and the alert becomes a dead letter.
echo "RCPT 550" > "$T/smtp/act"
s0=$(starts)
expect "green while RCPT is refused" "$(post "$FIX/green.json")" 201
G1=$(jbody .id)
wait_for 15 "alert_in dead $G1 ack"
expect "a dead letter after alerts.retry.attempts" "$?" 0
a=$(alert_in dead "$G1" ack)
expect "after 3 attempts" "$(echo "$a" | jq -r .attempts)" 3
expect_match "its error says the step and the code" "$(echo "$a" | jq -r .last_error)" \
	'refused RCPT TO: 550 5\.1\.1'
expect "the session answered sanely: no new process" "$(starts)" "$s0"
expect "no message was taken" "$(nmails t.adeyinka-holm@academy.example "$G1")" 0
rm "$T/smtp/act"
# The dead letter's own notice to the supervisors was refused too, and
# goes now; the steps below wait for it, or its retries would run into
# theirs and start a second session beside the kept one.
wait_for 15 "alert_in sent $G1 dead_letter"
expect "the dead letter's notice goes once RCPT is taken again" "$?" 0

# A refusal at each other step fails that attempt alone: the retry, with
# the MTA willing again, delivers it, over the same session.
for step in "MAIL 451 MAIL FROM" "DATA 554 DATA" 'DOT 452 "."'; do
	set -- $step
	echo "$1 $2" > "$T/smtp/act"
	s0=$(starts)
	expect "green while $1 is refused" "$(post "$FIX/green.json")" 201
	ref=$(jbody .id)
	wait_for 10 "grep -qF 'ref=$ref event=ack: mail:referrer failed: sendmail -bs refused $(echo "$step" | cut -d' ' -f3-): $2' '$T/mashd.log'"
	expect "the attempt fails with the step and $2" "$?" 0
	rm "$T/smtp/act"
	wait_for 15 "[ \$(nmails t.adeyinka-holm@academy.example \"\\[$ref\\]\") -ge 1 ]"
	expect "and the retry delivers it" "$?" 0
	expect "over the same session" "$(starts)" "$s0"
done

# An address that is not a plain one: intake refuses it now; a record
# stored before it did (made so here in Redis, between two attempts: a
# comma, which an SMTP command line would carry as one odd address) has
# its attempts fail, and mashd goes on.
jq '.referrer.email = "t.adeyinka>holm@academy.example"' "$FIX/green.json" > "$T/odd.json"
expect "green from an address with a >: refused at intake" "$(post "$T/odd.json")" 400
expect_match "naming the field" "$(jbody .error)" 'referrer.email'
echo "RCPT 451" > "$T/smtp/act"
expect "green, its first attempt refused" "$(post "$FIX/green.json")" 201
G4=$(jbody .id)
wait_for 10 "grep -qF 'ref=$G4 event=ack: mail:referrer failed' '$T/mashd.log'"
rcli eval "local k = KEYS[1]
	local r = cjson.decode(redis.call('HGET', k, 'record'))
	r.referrer.email = 'postmaster,t.adeyinka-holm@academy.example'
	redis.call('HSET', k, 'record', cjson.encode(r))" 1 "{mash}:ref:$G4" > /dev/null
rm "$T/smtp/act"
wait_for 15 "alert_in dead $G4 ack"
expect "its attempts fail, then a dead letter" "$?" 0
expect_match "saying why, without the address" \
	"$(alert_in dead "$G4" ack | jq -r .last_error)" "address cannot be given to SMTP"
expect "mashd still answers" "$(curl -s -o /dev/null -w '%{http_code}' "$URL/healthz")" 200

# A session that dies in the middle of DATA: that attempt fails, the next
# one, on a new session, delivers it.
echo "DATA die" > "$T/smtp/act"
expect "green while the session dies" "$(post "$FIX/green.json")" 201
G2=$(jbody .id)
wait_for 10 "grep -q 'alert .* ref=$G2 event=ack.*failed.*sendmail -bs' '$T/mashd.log'"
expect "the attempt fails when the session dies" "$?" 0
orphan=$(sed -n 's/^orphan //p' "$T/smtp/log" | tail -1)
expect_match "it left a process of its own" "$orphan" '^[0-9]+$'
wait_for 5 "! kill -0 $orphan"
expect "what it left in its process group is killed with it" "$?" 0
rm "$T/smtp/act"
wait_for 15 "[ \$(nmails t.adeyinka-holm@academy.example \"\\[$G2\\]\") -ge 1 ]"
expect "and the retry delivers it" "$?" 0
expect "once" "$(nmails t.adeyinka-holm@academy.example "\\[$G2\\]")" 1

# A session that hangs at the end of the data is killed at alerts.timeout.
echo "DOT hang" > "$T/smtp/act"
expect "green while the session hangs" "$(post "$FIX/green.json")" 201
G3=$(jbody .id)
wait_for 15 "grep -q 'ref=$G3 event=ack.*did not answer \".\" within 3 s' '$T/mashd.log'"
expect "an unanswered transaction fails at alerts.timeout" "$?" 0
hung=$(grep -B100 '^hang DOT' "$T/smtp/log" | sed -n 's/^start //p' | tail -1)
wait_for 5 "! kill -0 $hung"
expect "the hung sendmail was killed" "$?" 0
rm "$T/smtp/act"
wait_for 15 "alert_in sent $G3 ack"
expect "and the retry delivers it" "$?" 0

# A reload switching the mode applies to the next mails: one sendmail -t
# a mail, the idle sessions sent QUIT; and back.
# mode true|false ARGS: reload with alerts.sendmail_session so; an amber's
# acknowledgement then arrives, sendmail started with ARGS.
mode() {
	sed -i "s/sendmail_session = [a-z]*;/sendmail_session = $1;/" "$T/mashd.conf"
	r=$(grep -c 'reload: .* read again' "$T/mashd.log")
	kill -HUP "$MASHD_PID"
	wait_for 10 "[ \$(grep -c 'reload: .* read again' '$T/mashd.log') -gt $r ]"
	expect "amber after a reload to sendmail_session = $1" "$(post "$FIX/amber.json")" 201
	ref=$(jbody .id)
	wait_for 10 "[ \$(nmails nadia.kowalczyk-brennan@nhs.example \"\\[$ref\\]\") -ge 1 ]"
	expect "it arrives" "$?" 0
	m=$(mails nadia.kowalczyk-brennan@nhs.example "\\[$ref\\]" | head -1)
	expect "by sendmail $2" "$(cat "${m%.eml}.args")" "$2"
}
q0=$(grep -c '^QUIT' "$T/smtp/log")
mode false "-t -oi"
wait_for 5 "[ \$(grep -c '^QUIT' '$T/smtp/log') -gt $q0 ]"
expect "the idle sessions were sent QUIT" "$?" 0
mode true -bs

# A stop waits for the transaction under way, then QUITs the sessions.
echo "DOT slow" > "$T/smtp/act"
expect "amber just before a stop" "$(post "$FIX/amber.json")" 201
A2=$(jbody .id)
wait_for 10 "grep -q '^slow DOT' '$T/smtp/log'"
stop_mashd
expect "the message under way was taken" \
	"$(nmails nadia.kowalczyk-brennan@nhs.example "\\[$A2\\]")" 1
expect "the sessions were sent QUIT" "$(tail -n 2 "$T/smtp/log" | grep -c '^QUIT')" 1
rm "$T/smtp/act"
start_mashd
wait_for 10 "alert_in sent $A2 ack"
expect "and recorded as sent: not sent again after a restart" "$?" 0
expect "once" "$(nmails nadia.kowalczyk-brennan@nhs.example "\\[$A2\\]")" 1

# The stub's refusal quoted an address: no address in mashd's log.
expect "no address in mashd's log" \
	"$(grep -c -e '@else.example' -e 'academy.example' -e 'nhs.example' "$T/mashd.log")" 0
finish
