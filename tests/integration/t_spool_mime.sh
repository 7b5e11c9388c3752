#!/bin/sh
# The MIME bounds of the mail channel hold on the structure GMime parsed,
# whatever the spelling of the boundary parameter: a message whose parts
# nest too deep, or that has too many, is quarantined with the bound it
# broke as its reason (never a value of it), and nothing of it is stored;
# one just within the bounds is taken, and the spool goes on.
. "$(dirname "$0")/lib.sh"
SP=$T/spool
mkdir -p "$SP"
recording_sendmail
write_conf "
spool = { dir = \"$SP\"; poll_ms = 200; };
alerts = { sendmail = \"$T/sendmail\"; from = \"mash-alerts@hub.example\"; };
recipients = { navigators = [ \"navigators@hub.example\" ]; };"
start_redis
at "2026-11-24 10:00:00" # Tuesday
start_mashd

delivered=0
deliver() {
	delivered=$((delivered + 1))
	N=1795860000.M${delivered}P4242.gateway.hub.example
	cp "$1" "$SP/tmp/$N" && mv "$SP/tmp/$N" "$SP/new/$N"
}
taken() { wait_for 10 "[ ! -e \"\$SP/new/\$N\" ]"; }
filed() { [ -f "$SP/cur/$N:2,S" ] && echo yes || echo no; }
quarantined() { # WHAT WHY
	if [ -f "$SP/quarantine/$N" ]; then
		# Its sidecar is written just after the message is moved in.
		wait_for 10 test -s "$SP/quarantine/$N.why"
		expect_match "$1: quarantined, and the sidecar says why" \
			"$(cat "$SP/quarantine/$N.why")" "Reason: $2"
	else
		not_ok "$1: quarantined" "$(filed) in cur/; $(tail -2 "$T/mashd.log")"
	fi
}

# nested N SPELLING: a referral as a JSON attachment N multiparts deep,
# each boundary parameter spelt SPELLING (the old guard counted only
# "boundary=").
nested() {
	awk -v n="$1" -v sp="$2" 'BEGIN {
		print "From: a@example.org\nSubject: referral\nMIME-Version: 1.0"
		for (i = 0; i < n; i++)
			printf "Content-Type: multipart/mixed; %s\"b%d\"\n\n--b%d\n", sp, i, i
		print "Content-Type: application/json\n" }'
	cat "$FIX/red.json"
	awk -v n="$1" 'BEGIN { for (i = n - 1; i >= 0; i--) printf "--b%d--\n", i }'
}
# wide N SPELLING: the referral after N - 1 empty parts, side by side.
wide() {
	printf 'From: a@example.org\nSubject: referral\nMIME-Version: 1.0\n'
	printf 'Content-Type: multipart/mixed; %sb\n\n' "$2"
	awk -v n="$1" 'BEGIN { for (i = 1; i < n; i++)
		print "--b\nContent-Type: text/plain\n\nx" }'
	printf -- '--b\nContent-Type: application/json\n\n'
	cat "$FIX/red.json"
	printf -- '--b--\n'
}
# messages N: a referral attached to a message attached to ... N deep.
messages() {
	printf 'From: a@example.org\nSubject: referral\nMIME-Version: 1.0\n'
	awk -v n="$1" 'BEGIN { for (i = 1; i < n; i++)
		print "Content-Type: message/rfc822\n\nSubject: fwd" }'
	printf 'Content-Type: application/json\n\n'
	cat "$FIX/red.json"
}

before=$(nrefs)
bad=0
check_bad() { # WHAT WHY
	deliver "$T/m.eml"
	bad=$((bad + 1))
	taken
	quarantined "$1" "$2"
}
nested 20 'boundary =' > "$T/m.eml"
check_bad 'nested 20 deep, boundary ="x"' \
	"the message's MIME parts nest more than 16 deep"
nested 20 "$(printf 'BOUNDARY\t=')" > "$T/m.eml"
check_bad 'nested 20 deep, BOUNDARY<tab>="x"' \
	"the message's MIME parts nest more than 16 deep"
wide 300 'boundary =' > "$T/m.eml"
check_bad 'boundary =x with 300 parts' 'the message has more than 256 MIME parts'
wide 300 "$(printf 'BOUNDARY\t=')" > "$T/m.eml"
check_bad 'BOUNDARY<tab>=x with 300 parts' 'the message has more than 256 MIME parts'
messages 20 > "$T/m.eml"
check_bad 'messages attached 20 deep' \
	"the message's MIME parts nest more than 16 deep"
# The shape of the 10 MB message that held the event loop for 3.5 s, at
# 3,000 levels: refused before GMime parses it.
nested 3000 'boundary =' > "$T/m.eml"
check_bad 'nested 3000 deep' \
	'the message has more than 1024 lines starting with "--" \(MIME boundaries\)'
# GMime's scan costs by the line: 10 MB of short lines held it a second.
{ nested 1 'boundary ='; awk 'BEGIN { for (i = 0; i < 300000; i++) print "" }'; } \
	> "$T/m.eml"
check_bad 'a referral followed by 300,000 empty lines' \
	'the message has more than 262144 lines'

expect "nothing of them stored" "$(nrefs)" "$before"
expect "each quarantine is audited" \
	"$(rcli xrange '{mash}:events' - + | grep -cx quarantine)" "$bad"
expect "each raises a quarantine alert" \
	"$(rcli xrange '{mash}:outbox' - + | grep -cx quarantine)" "$bad"

# Just within the bounds, in either spelling: taken.
nested 15 "$(printf 'BOUNDARY\t=')" > "$T/m.eml"
deliver "$T/m.eml"
taken
expect "a referral 15 multiparts deep is taken" "$(filed)" yes
wide 255 'boundary =' > "$T/m.eml"
deliver "$T/m.eml"
taken
expect "a referral in the 255th part is taken" "$(filed)" yes
expect "both stored" "$(nrefs)" $((before + 2))
finish
