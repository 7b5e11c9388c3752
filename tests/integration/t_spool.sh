#!/bin/sh
# The secure-mail channel: a maildir spool fed by the mail gateway. Good
# messages of both layouts become referrals and move to cur/; broken and
# hostile ones are quarantined with a sidecar, audited and alerted, and
# never lost; a message waits in new/ while Redis is away; a subject
# naming a referral is its written confirmation.
. "$(dirname "$0")/lib.sh"
MAIL=$FIX/mail
SP=$T/spool
mkdir -p "$SP"
recording_sendmail

# Config: the keys are checked before anything runs.
write_conf 'spool = { dir = "relative/spool"; };'
"$MASHD" -n -c "$T/mashd.conf" > /dev/null 2> "$T/err"
expect "a relative spool.dir is refused" "$?" 1
expect_match "naming the key" "$(cat "$T/err")" 'spool.dir: must be an absolute path'
write_conf "spool = { dir = \"$T/no-such-dir\"; };"
"$MASHD" -f -c "$T/mashd.conf" 2> "$T/err"
expect "a missing spool.dir stops mashd at start" "$?" 1
expect_match "naming the directory" "$(cat "$T/err")" "spool.dir $T/no-such-dir: No such file"

write_conf "
spool = { dir = \"$SP\"; poll_ms = 200; max_size = 65536; };
alerts = { sendmail = \"$T/sendmail\"; from = \"mash-alerts@hub.example\"; };
recipients = { navigators = [ \"navigators@hub.example\" ]; };"
start_redis
at "2026-11-24 10:00:00" # Tuesday
start_mashd
expect "new/, cur/, tmp/ and the quarantine are made" \
	"$(cd "$SP" && ls -d new cur tmp quarantine | tr '\n' ' ')" \
	"cur new quarantine tmp "

# deliver FILE [NAME]: as a maildir MTA does, into tmp/ then renamed into
# new/; the name is left in $N.
delivered=0
deliver() {
	delivered=$((delivered + 1))
	N=${2:-1795860000.M${delivered}P4242.gateway.hub.example}
	cp "$1" "$SP/tmp/$N" && mv "$SP/tmp/$N" "$SP/new/$N"
}
# fresh FILE: a copy of a message as a gateway would deliver it again, with
# a Received: line of its own; the same bytes are the same message.
fresh() {
	_f=$T/fresh.$delivered.eml
	{ printf 'Received: by gateway.hub.example id %s\n' "$delivered"
	  cat "$1"; } > "$_f"
	echo "$_f"
}
taken() { wait_for 10 "[ ! -e \"\$SP/new/\$N\" ] && [ ! -L \"\$SP/new/\$N\" ]"; }
filed() { [ -f "$SP/cur/$N:2,S" ] && echo yes || echo no; }
# The referral a message became, from the audit trail.
ref_of() {
	rcli xrange '{mash}:events' - + | awk '
		/^[0-9]+-[0-9]+$/ { if (e != "") print e; e = ""; next }
		{ e = (e == "" ? $0 : e " " $0) }
		END { if (e != "") print e }' |
		grep -F " actor spool:$1 action submit " | sed 's/^ref \([^ ]*\) .*/\1/'
}
files() { find "$1" -mindepth 1 -maxdepth 1 -printf x | wc -c; }

# --- good messages ------------------------------------------------------
deliver "$MAIL/json-attachment.eml"
taken
expect "a JSON attachment is taken" "$?" 0
expect "and the message filed to cur/ with maildir info" "$(filed)" yes
J1=$N
R1=$(ref_of "$N")
expect "it is a referral" "$R1" MASH-2026-000001
ctl show "$R1" --json > "$T/show"
expect "channel email" "$(jq -r .channel "$T/show")" email
expect "client email" "$(jq -r .client "$T/show")" email
expect "the record as sent" "$(jq -r .record.concern.categories[0] "$T/show")" neglect
expect "rated" "$(jq -r .brag "$T/show")" amber
expect "the referrer is acknowledged" \
	"$(rcli xrange '{mash}:outbox' - + | grep -c "^$R1\$")" 1

deliver "$MAIL/form-body.eml"
taken
expect "a Field: value body is taken" "$(filed)" yes
R2=$(ref_of "$N")
expect "as the next referral" "$R2" MASH-2026-000002
ctl show "$R2" --json > "$T/show"
expect "channel email (form)" "$(jq -r .channel "$T/show")" email
expect "categories normalised" "$(jq -c .record.concern.categories "$T/show")" \
	'["domestic_abuse","emotional_abuse"]'
expect "yes and no are booleans" \
	"$(jq -c '[.record.referrer.professional, .record.concern.immediate_risk, .record.parents_informed]' "$T/show")" \
	'[true,false,false]'
expect "consent words" "$(jq -r .record.consent.status "$T/show")" not_sought
expect "an indented line continues a field" \
	"$(jq -r .record.child.address "$T/show" | grep -c 'Row, Brackenmoor$')" 1
expect "the summary runs to the next field, in UTF-8" \
	"$(jq -r .record.concern.summary "$T/show" | tail -1)" \
	'Health visitor observed the baby flinch at raised voices (café noise).'
expect "the greeting and the signature are not the form's" \
	"$(jq -r '.record | tostring' "$T/show" | grep -c -e 'Dear' -e 'Kind regards')" 0

deliver "$MAIL/json-bom.eml"
taken
expect "a .JSON attachment with a byte order mark is taken" "$(filed)" yes
expect "as a referral" "$(ref_of "$N")" MASH-2026-000003

# --- broken and hostile messages ----------------------------------------
before=$(nrefs)
# quarantined NAME-PATTERN WHY: the message is in the quarantine with a
# sidecar saying why, and nothing of it reached cur/.
quarantined() { # WHAT WHY [NAME-IN-QUARANTINE]
	_q=${3:-$N}
	if [ -e "$SP/quarantine/$_q" ] || [ -L "$SP/quarantine/$_q" ]; then
		# mashd moves the message first, then writes its sidecar.
		wait_for 10 "grep -q '^Reason: ' '$SP/quarantine/$_q.why'" \
			2> /dev/null
		expect_match "$1: quarantined, and the sidecar says why" \
			"$(cat "$SP/quarantine/$_q.why" 2>/dev/null)" "Reason: .*$2"
	else
		not_ok "$1: quarantined" "not in $SP/quarantine: $_q"
	fi
}
bad=0
check_bad() { # FILE WHAT WHY [NAME [NAME-IN-QUARANTINE]]
	deliver "$1" $4
	bad=$((bad + 1))
	taken
	quarantined "$2" "$3" $5
}
check_bad "$MAIL/invalid-json.eml" "invalid JSON" \
	'the JSON attachment is not valid JSON \(line 2, column [0-9]+\)'
Q1=$N
check_bad "$MAIL/invalid-referral.eml" "a referral failing validation" \
	'breaks a rule: child.dob is in the future'
check_bad "$MAIL/bad-yes-no.eml" "a yes/no field that is neither" \
	'"Immediate risk" must be yes or no'
check_bad "$MAIL/not-mime.txt" "not mail at all" 'not a mail message'
gzip -cn "$FIX/red.json" > "$T/garbage.gz"
check_bad "$T/garbage.gz" "binary garbage" 'not a mail message'
: > "$T/empty"
check_bad "$T/empty" "an empty file" 'the file is empty'
check_bad "$MAIL/html-only.eml" "HTML only" 'no plain-text body \(only HTML'
check_bad "$MAIL/no-referral.eml" "a body with no form" 'no referral found'
check_bad "$MAIL/two-json.eml" "two JSON attachments" '2 JSON attachments'
{ printf 'From: a@example.org\nSubject: big\nContent-Type: text/plain\n\n'
  i=0; while [ $i -lt 1200 ]; do
	echo 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'
	i=$((i + 1)); done; } > "$T/huge.eml"
check_bad "$T/huge.eml" "a huge message" 'larger than spool.max_size \(65536 bytes\)'
awk 'BEGIN { print "From: a@example.org\nSubject: deep\nMIME-Version: 1.0";
	print "Content-Type: multipart/mixed; boundary=b0\n";
	for (i = 1; i < 500; i++)
		printf "--b%d\nContent-Type: multipart/mixed; boundary=b%d\n\n", i - 1, i;
	print "--b499\nContent-Type: text/plain\n\nChild first name: x";
	for (i = 499; i >= 0; i--) printf "--b%d--\n", i }' > "$T/deep.eml"
check_bad "$T/deep.eml" "MIME nested 500 deep" 'nest more than 16 deep'
# A link in new/ to a file mashd can read is not followed: it is moved.
echo 'secret' > "$T/target"
bad=$((bad + 1)); delivered=$((delivered + 1))
N=1795860000.M${delivered}P4242.symlink
ln -s "$T/target" "$SP/new/$N"
taken
quarantined "a symbolic link" 'symbolic link'
expect "the link is moved, not followed" \
	"$(readlink "$SP/quarantine/$N") $(cat "$T/target")" "$T/target secret"
bad=$((bad + 1)); delivered=$((delivered + 1))
N=1795860000.M${delivered}P4242.fifo
mkfifo "$SP/tmp/$N" && mv "$SP/tmp/$N" "$SP/new/$N"
taken
quarantined "a FIFO" 'not a regular file'

# Names that collide: nothing is ever replaced, not even by a sidecar.
check_bad "$MAIL/no-referral.eml" "a name quarantined before" 'no referral found' \
	"$Q1" "$Q1.1"
expect "is quarantined under a name of its own" \
	"$(test -f "$SP/quarantine/$Q1.1.why" &&
	   cmp -s "$SP/quarantine/$Q1" "$MAIL/invalid-json.eml" && echo yes)" yes
check_bad "$MAIL/no-referral.eml" "a message named like a sidecar" \
	'no referral found' 1795860002.c.why
check_bad "$MAIL/not-mime.txt" "then one whose sidecar that would be" \
	'not a mail message' 1795860002.c 1795860002.c.1
expect "a sidecar never lands on a message" \
	"$(cmp -s "$SP/quarantine/1795860002.c.why" "$MAIL/no-referral.eml" &&
	   grep -q 'not a mail message' "$SP/quarantine/1795860002.c.1.why" &&
	   echo yes)" yes

expect "nothing of them stored" "$(nrefs)" "$before"
expect "each quarantine is audited" \
	"$(rcli xrange '{mash}:events' - + | grep -cx quarantine)" "$bad"
expect "each raises a quarantine alert" \
	"$(rcli xrange '{mash}:outbox' - + | grep -cx quarantine)" "$bad"
wait_for 10 "[ \$(grep -l 'mail referral quarantined' '$T'/mail/*.eml 2>/dev/null | wc -l) -ge $bad ]"
expect "the navigators are told, by mail" "$?" 0
# The mail about the first file quarantined (the recorded mails' names
# follow each sendmail's own clock, not the order of the alerts).
m=$(grep -l "^File: $Q1\$" $(grep -l 'Subject: \[MASH\] mail referral quarantined' \
	"$T"/mail/*.eml) | head -1)
expect_match "to the navigators" "$(grep '^To:' "$m")" navigators@hub.example
expect_match "its Message-ID names the alert, no empty part" \
	"$(grep '^Message-Id:' "$m")" '^Message-Id: <[0-9]+-[0-9]+\.staff@mashd>$'
expect_match "naming the file and why" "$(cat "$m")" 'File: 1795860000\.M[0-9]+P4242\.'
if { cat "$T"/mail/*.eml; grep -h -A9 '^Quarantined by mashd' "$SP"/quarantine/*.why; } |
	grep -F -i -f "$FIX/NAMES" > "$T/leak"; then
	not_ok "no personal data in alerts or sidecars" "$(head -3 "$T/leak")"
else
	ok "no personal data in alerts or sidecars"
fi

# --- the spool keeps working --------------------------------------------
deliver "$(fresh "$MAIL/json-attachment.eml")"
taken
expect "a good message after the bad ones is taken" "$(filed)" yes
expect "as a referral" "$(ref_of "$N")" MASH-2026-000004

# A name with spaces, quotes, a tab, UTF-8 and a newline.
deliver "$(fresh "$MAIL/form-body.eml")" "$(printf '1795860001.odd name "q";x\t\303\274\nz.host')"
taken
expect "an odd file name is taken" "$(filed)" yes
R5=$(ref_of '1795860001.odd name "q";x????z.host')
expect "audited under its name made printable" "$R5" MASH-2026-000005
expect_log "and logged so" \
	'spool: 1795860001\.odd name "q";x\?\?\?\?z\.host stored as MASH-2026-000005'

# --- written confirmation -----------------------------------------------
ctl referral new --file "$FIX/phone.json" > /dev/null
P=MASH-2026-000006
expect "a telephone referral awaits its written confirmation" \
	"$(timer $P written stopped)" null
nbefore=$(nrefs)
{ printf 'From: g.mensah-pryce@nhs.example\nTo: mash@hub.example\n'
  printf 'Subject: =?utf-8?q?Written_confirmation_=E2=80=93_%s?=\n' $P
  printf 'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=zz\n\n'
  printf -- '--zz\nContent-Type: text/plain\n\nConfirming my call this morning.\n'
  printf -- '--zz\nContent-Type: application/pdf\nContent-Disposition: attachment; filename=form.pdf\n\n%%PDF-1.4\n--zz--\n'
} > "$T/confirm.eml"
deliver "$T/confirm.eml"
taken
expect "the confirmation is filed to cur/" "$(filed)" yes
C1=$N
expect_match "and stops the written timer" "$(timer $P written stopped)" '^2026-11-24T10:'
expect "the message is linked to the referral" \
	"$(ctl show $P --json | jq -r .confirmation)" "email:$C1"
expect "audited on the referral" \
	"$(events $P confirm | grep -c "actor spool:$C1 .*via email")" 1
expect "no new referral" "$(nrefs)" "$nbefore"

# The same message taken again (a crash before the move): no second
# confirmation.
mv "$SP/cur/$C1:2,S" "$SP/new/$C1"
taken
expect "taken again, filed again" "$(filed)" yes
expect "confirmed once" "$(events $P confirm | grep -c .)" 1

# A mail naming a referral that awaits no written confirmation is linked.
sed "s/^Subject: .*/Subject: more about $R1/" "$T/confirm.eml" > "$T/more.eml"
deliver "$T/more.eml"
taken
expect "a mail naming a web referral is filed" "$(filed)" yes
expect "and linked to it, audited" \
	"$(events "$R1" link | grep -c "email:$N linked")" 1

# A reference that names no referral: a referral of its own when it holds
# one, else quarantined.
sed 's/^Subject: .*/Subject: Re: MASH-2026-999999/' "$MAIL/form-body.eml" > "$T/unknown.eml"
deliver "$T/unknown.eml"
taken
expect "an unknown reference with a referral: stored" "$(filed)" yes
expect "as a new referral" "$(ref_of "$N")" MASH-2026-000007
sed 's/^Subject: .*/Subject: Re: mash-2026-999998 follow-up/' "$MAIL/no-referral.eml" > "$T/unknown2.eml"
check_bad "$T/unknown2.eml" "an unknown reference and no referral" \
	'the subject names MASH-2026-999998, which is no referral'

# The crash case for a new referral: it stays in new/ after Redis stored
# it; taken again, it is answered from Redis, not stored twice.
from=$(log_lines)
n=$(nrefs)
mv "$SP/cur/$J1:2,S" "$SP/new/$J1"
N=$J1
taken
expect "a stored message taken again is filed" "$(filed)" yes
expect "and not stored twice" "$(nrefs)" "$n"
expect_log "it says so" "$J1 was stored already as $R1" "$from"

# The same message delivered again under another name (a gateway's own
# retry): its key is made of its bytes, so it is the same referral.
from=$(log_lines)
n=$(nrefs)
deliver "$MAIL/json-attachment.eml"
taken
expect "the same bytes under another name are filed" "$(filed)" yes
expect "and not stored again" "$(nrefs)" "$n"
expect_log "it says so" "$N was stored already as $R1" "$from"

# The same bytes read otherwise before (a parser changed between
# versions): its key holds another record's hash. The message was stored
# then, under that key: it is filed as that referral, not stored again.
f=$(fresh "$MAIL/form-body.eml")
k=mail-$(sha256sum < "$f" | cut -d' ' -f1)
rcli set "{mash}:idem:email:$k" "{\"id\":\"$R1\",\"hash\":\"0\"}" \
	EX 600 > /dev/null
from=$(log_lines)
n=$(nrefs)
deliver "$f"
taken
expect "bytes whose key holds another record are filed" "$(filed)" yes
expect "and not stored again" "$(nrefs)" "$n"
expect_log "as the referral they were" "$N was stored already as $R1" "$from"

# --- Redis away ---------------------------------------------------------
stop_redis TERM
deliver "$(fresh "$MAIL/json-attachment.eml")"
sleep 2
expect "while Redis is down a message waits in new/" \
	"$(test -f "$SP/new/$N" && echo yes)" yes
expect "and is not quarantined" "$(test -e "$SP/quarantine/$N" && echo yes)" ""
start_redis
taken
expect "when Redis is back it is taken" "$(filed)" yes
expect "and stored" "$(ref_of "$N")" MASH-2026-000008

# --- nothing is ever deleted --------------------------------------------
expect "a sidecar for each quarantined message" \
	"$(files "$SP/quarantine")" $((2 * bad))
expect "every message delivered is in cur/, the quarantine or new/" \
	$(($(files "$SP/cur") + $(files "$SP/quarantine") - bad + $(files "$SP/new"))) \
	"$delivered"
expect "none waits" "$(files "$SP/new")" 0
finish
