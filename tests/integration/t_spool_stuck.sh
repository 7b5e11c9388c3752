#!/bin/sh
# A spool entry that cannot be moved (its rename into cur/ or into the
# quarantine fails) is passed over with a backoff of its own while the
# other messages flow; its quarantine is audited and alerted once however
# often it is tried; and no spool file name, odd bytes and all, is ever
# part of a Redis key. Real clock: the window watched is a few seconds.
. "$(dirname "$0")/lib.sh"
MAIL=$FIX/mail
SP=$T/spool
mkdir -p "$SP"
recording_sendmail
write_conf "
spool = { dir = \"$SP\"; poll_ms = 100; max_size = 65536; };
alerts = { sendmail = \"$T/sendmail\"; from = \"mash-alerts@hub.example\"; };
recipients = { navigators = [ \"navigators@hub.example\" ]; };"
start_redis
start_mashd

deliver() { # FILE NAME
	cp "$1" "$SP/tmp/$2" && mv "$SP/tmp/$2" "$SP/new/$2"
}
# fresh ID: a referral message of its own (the same bytes are the same one).
fresh() {
	{ printf 'Received: by gateway.hub.example id %s\n' "$1"
	  cat "$MAIL/form-body.eml"; } > "$T/fresh.$1.eml"
	echo "$T/fresh.$1.eml"
}
# long PREFIX: a maildir name of NAME_MAX (255) bytes. With the same name
# already taken where it must go, no free name is left for it there (the
# ".1" that would make one is too long): its rename fails every time, as
# one on a read-only or immutable file would (chattr needs privileges).
long() {
	printf '%s' "$1"
	printf '%*s' $((255 - ${#1})) '' | tr ' ' x
}
count() { # PATTERN STREAM: entries of a stream with a line equal to PATTERN
	rcli xrange "{mash}:$2" - + | grep -cx "$1"
}

# --- a stuck entry does not stop the others --------------------------------
# Both sort before every other name, so each is tried first on every scan.
SC=$(long 1795860000.B.stuck-cur.)   # a good referral; cur/ has its name
SQ=$(long 1795860000.A.stuck-quar.)  # no referral; the quarantine has it
: > "$SP/cur/$SC"
: > "$SP/quarantine/$SQ"
deliver "$MAIL/json-attachment.eml" "$SC"
deliver "$MAIL/no-referral.eml" "$SQ"
for i in 1 2 3; do
	deliver "$(fresh $i)" "1795860100.M${i}P1.gateway.hub.example"
done
wait_for 10 "[ \$(ls '$SP/cur' | grep -c '^1795860100\..*:2,S\$') -eq 3 ]"
expect "good mail is taken while two entries are stuck" "$?" 0
expect "it went to cur/ and left new/" \
	"$(ls "$SP/new" | grep -c '^1795860100\.')" 0
expect "the stuck ones stay in new/" \
	"$(test -f "$SP/new/$SC" && test -f "$SP/new/$SQ" && echo yes)" yes
# Watch a few seconds of retries.
sleep 6
expect "the referral stuck on its way to cur/ is stored once" "$(nrefs)" 4
expect "the stuck quarantine is audited once" "$(count quarantine events)" 1
expect "and alerted once" "$(count quarantine outbox)" 1
expect_match "the log says it is passed over, and for how long" \
	"$(cat "$T/mashd.log")" "stuck-cur\.x*.*stays in new/.*other messages"
expect "mail still flows" \
	"$(deliver "$(fresh 9)" 1795860100.M9P1.gateway.hub.example
	   wait_for 10 "[ -f '$SP/cur/1795860100.M9P1.gateway.hub.example:2,S' ]"
	   echo $?)" 0

# Once the way is clear the entry moves, and is not alerted again.
rm "$SP/quarantine/$SQ" "$SP/cur/$SC"
wait_for 40 "[ -f '$SP/quarantine/$SQ' ] && [ -f '$SP/cur/$SC' ]"
expect "cleared, the stuck entries move at their next try" "$?" 0
expect "the quarantine still audited once" "$(count quarantine events)" 1
expect "and alerted once" "$(count quarantine outbox)" 1
expect "nothing stored twice" "$(nrefs)" 5

# --- odd file names never make a Redis key -------------------------------
NL='
'
ODD1="1795860200.zq7 odd {mash}:k${NL}x:y \"q\" \$HOME.host"
ODD2="1795860201.zq7 {mash}:quarantined:${NL}odd:2,T.host"
deliver "$(fresh odd)" "$ODD1"
deliver "$MAIL/not-mime.txt" "$ODD2"
wait_for 10 "[ -z \"\$(ls '$SP/new')\" ]"
expect "odd names are taken" "$(ls "$SP/new" | wc -l)" 0
expect "the odd good one is stored" "$(nrefs)" 6
expect "the odd bad one is quarantined, alerted once" \
	"$(count quarantine outbox)" 2
rcli --scan > "$T/keys"
expect "every key is {mash}: and printable, without spaces" \
	"$(grep -cv '^{mash}:[!-~]*$' "$T/keys")" 0
expect "no key holds a spool file name" \
	"$(grep -c -e zq7 -e stuck -e 1795860 "$T/keys")" 0

finish
