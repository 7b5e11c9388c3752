#!/bin/sh
# A telephone referral typed in at a terminal: `mashctl referral new`
# without --file asks the call handler field by field, in a real tmux pane.
# A bad answer is asked again with the reason; the record is shown before
# it is sent; the reference comes back to be read to the caller.
. "$(dirname "$0")/lib.sh"
start_redis
at "2026-11-24 10:00:00" # Tuesday
start_mashd

tm() { tmux -S "$T/tmux$PANE.sock" "$@"; }
PANE=1
screen() { tm capture-pane -p -J -t mash -S -300; }
# answer TEXT WAIT: type TEXT and Enter, then wait for WAIT on the screen.
answer() {
	tm send-keys -t mash -l "$1"
	tm send-keys -t mash Enter
	_want=$2
	wait_for 10 'screen | grep -qF -- "$_want"'
}
# ask PROMPT: wait for PROMPT, the question about to be answered.
ask() {
	_want=$1
	wait_for 10 'screen | grep -qF -- "$_want"'
}

tm new-session -d -s mash -x 200 -y 60 \
	"'$MASHCTL' -s '$T/mashd.sock' referral new; echo \"exit=\$?\"; sleep 60"
ask "Is the caller a professional [y/n] (required): "
expect "the first question is asked" "$?" 0
answer "perhaps" "answer yes or no."
expect "a yes-or-no question refuses anything else" "$?" 0
answer "y" "Caller's name (required): "
answer "Ms Okonkwo-Hale" "Caller's agency or service: "
answer "Brackenmoor Primary School" "Caller's email address: "
answer "not-an-email" "referrer.email is not an email address."
expect "a bad email is asked again, with the reason" "$?" 0
answer "head@brackenmoor.example" "Caller's telephone number: "
answer "" "Child's first name (required): "
answer "" "child.first_name is required."
expect "a required answer cannot be skipped" "$?" 0
answer "Wilhelmina" "Child's last name (required): "
answer "Thistlewood-Abara" "Is the child unborn [y/n]: "
answer "n" "Child's date of birth (YYYY-MM-DD) (required): "
answer "2099-01-01" "child.dob is in the future."
expect "a date of birth in the future is asked again" "$?" 0
answer "2018-07-14" "Child's gender: "
answer "" "Child's address: "
answer "" "Child's postcode: "
answer "" "Child's school or nursery: "
answer "Brackenmoor Primary School" "Child's GP: "
answer "" "Concern categories, separated by commas (required): "
answer "bruising" "is not a known category"
expect "an unknown category is asked again" "$?" 0
answer "physical_abuse" "What is the concern (required): "
answer "Bruises on both arms, says she fell." "Is the child at immediate risk [y/n] (required): "
answer "n" "Consent (given, refused, not_sought) (required): "
answer "not_sought" "Why was consent refused or not sought (required): "
answer "Asking could place the child at risk of harm" "Have the parents been told of the referral [y/n]: "
answer "n" "Where is the child now: "
answer "At school" "Send this referral? [y/n]: "
expect "the record is shown before it is sent" \
	"$(screen | grep -c '"first_name": "Wilhelmina"')" 1
expect "nothing is stored before the call handler says yes" "$(nrefs)" 0
answer "y" "exit="
expect_match "the reference to read back" "$(screen)" \
	'Reference MASH-2026-000001, rated (red|amber)\. Read the reference back'
expect "mashctl exits 0" "$(screen | sed -n 's/^exit=//p')" 0

ctl show MASH-2026-000001 --json > "$T/show"
expect "channel phone" "$(jq -r .channel "$T/show")" phone
expect "the answers are the record" \
	"$(jq -r '[.record.child.dob, .record.concern.categories[0], .record.consent.status, (.record.referrer.professional|tostring), (.record.parents_informed|tostring)] | join(" ")' "$T/show")" \
	"2018-07-14 physical_abuse not_sought true false"
expect "no stand-in leaks into the record" \
	"$(jq -r '[.record.referrer.phone, .record.child.gender] | map(tostring) | join(" ")' "$T/show")" \
	"null null"
expect "written due 24 hours after receipt" \
	"$(jq -r .timers.written.due "$T/show" | minute)" 2026-11-25T10:00

# Saying no sends nothing. A new tmux server: the old one may still be
# going away.
tm kill-server
PANE=2
tm new-session -d -s mash -x 200 -y 60 \
	"'$MASHCTL' -s '$T/mashd.sock' referral new; echo \"exit=\$?\"; sleep 60"
ask "Is the caller a professional [y/n] (required): "
for a in y "Ms Okonkwo-Hale" "Brackenmoor Primary School" \
	head@brackenmoor.example "" Wilhelmina Thistlewood-Abara n 2018-07-14 \
	"" "" "" "" "" neglect "Hungry at school" n given "" ""; do
	tm send-keys -t mash -l "$a"
	tm send-keys -t mash Enter
done
ask "Send this referral? [y/n]: "
answer "n" "exit="
expect "saying no exits 1" "$(screen | sed -n 's/^exit=//p')" 1
expect_match "and says nothing was sent" "$(screen)" 'nothing sent'
expect "and nothing is stored" "$(nrefs)" 1
tm kill-server

# Not at a terminal, without --file: a usage error, not a hang.
ctl referral new < /dev/null 2> "$T/err"
expect "no terminal and no file is a usage error" "$?" 2
expect_match "saying how" "$(cat "$T/err")" 'usage: mashctl referral new'
finish
