#!/bin/sh
# A telephone referral typed in at a terminal: `mashctl referral new`
# without --file asks the call handler field by field, in a real tmux pane.
# A bad answer is asked again with the reason. The date of birth comes
# first, as DD/MM/YYYY, YYYY-MM-DD or "unknown" (then "unborn", then an
# estimated age); the concern may run over lines; an unknown category
# gets the nearest ones. Before sending, the record is read back as text:
# send, edit a field, save a draft (0600, taken up with --draft) or
# discard. Ctrl-C asks before anything typed is dropped.
. "$(dirname "$0")/lib.sh"
start_redis
at "2026-11-24 10:00:00" # Tuesday
start_mashd

tm() { tmux -S "$T/tmux$PANE.sock" "$@"; }
PANE=0
screen() { tm capture-pane -p -J -t mash -S -2000; }
# seen TEXT [N]: TEXT is on the screen at least N (1) times.
seen() { [ "$(screen | grep -cF -- "$1")" -ge "${2:-1}" ]; }
# ask PROMPT [N]: wait for the Nth PROMPT, the question about to be answered.
ask() {
	_want=$1
	_times=${2:-1}
	wait_for 10 'seen "$_want" "$_times"'
}
# answer TEXT WAIT [N]: type TEXT and Enter, then wait for the Nth WAIT.
answer() {
	tm send-keys -t mash -l "$1"
	tm send-keys -t mash Enter
	ask "$2" "${3:-1}"
}
# type ANSWER...: each, and Enter, without waiting.
type() {
	for _a; do
		tm send-keys -t mash -l "$_a"
		tm send-keys -t mash Enter
	done
}
# call [ARGS...]: a new tmux server running mashctl referral new ARGS in $T.
call() {
	[ "$PANE" -gt 0 ] && tm kill-server
	PANE=$((PANE + 1))
	tm new-session -d -s mash -x 200 -y 60 \
		"cd '$T' && '$MASHCTL' -s '$T/mashd.sock' referral new $*; echo \"exit=\$?\"; sleep 60"
}
# field LABEL: the number the read-back gives the field LABEL (the last).
field() { screen | sed -n "s/^ *\([0-9]*\)\. $1: .*/\1/p" | tail -1; }
exit_code() { screen | sed -n 's/^exit=//p'; }
CHOICE="Send (s), edit a field (e NUMBER), save a draft (d) or discard (x)? "
DOB="Child's date of birth (DD/MM/YYYY, YYYY-MM-DD or unknown) (required): "

# 1. A day-first date of birth, a concern over two lines, DV, an edit.
call
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
answer "Thistlewood-Abara" "$DOB"
expect "the date of birth is asked before unborn" \
	"$(screen | grep -c 'Is the child unborn')" 0
answer "" "give the date of birth, or say unknown."
expect "an empty date of birth is asked again" "$?" 0
answer "14/07/2099" "child.dob is in the future."
expect "a date of birth in the future is asked again" "$?" 0
answer "31/02/2018" "that date does not exist."
expect "a day that does not exist is asked again" "$?" 0
answer "14/07/2018" "Child's gender: "
expect "a date of birth given: unborn is not asked" \
	"$(screen | grep -c 'Is the child unborn')" 0
answer "" "Child's address: "
answer "" "Child's postcode: "
answer "" "Child's school or nursery: "
answer "Brackenmoor Primary School" "Child's GP: "
answer "" "Concern categories (separated by commas) (required): "
answer "DV" "Did you mean domestic_abuse?"
expect "DV suggests domestic_abuse" "$?" 0
answer "bruising" "is not a known category" 2
answer "physical_abuse, domestic_abuse" "an empty line ends it) (required):"
expect "the concern says how to end it" "$?" 0
type "Bruises on both arms, says she fell." "Mother's partner shouts at her."
answer "" "Is the child at immediate risk [y/n] (required): "
answer "n" "Consent (given, refused, not_sought) (required): "
answer "not_sought" "Why was consent refused or not sought (required): "
answer "Asking could place the child at risk of harm" "Have the parents been told of the referral [y/n]: "
answer "n" "Where is the child now: "
answer "At school" "$CHOICE"
expect "the record is read back as text" \
	"$(screen | grep -c '^ *[0-9]*\. Child.s first name: Wilhelmina$')" 1
expect "the date of birth read back" \
	"$(screen | grep -c '^ *[0-9]*\. Child.s date of birth: 14 July 2018$')" 1
expect "both lines of the concern read back" \
	"$(screen | grep -A1 'What is the concern: Bruises on both arms' | grep -c "Mother's partner shouts")" 1
expect "nothing is stored before the call handler sends" "$(nrefs)" 0
answer "e $(field "Child's first name")" "[now: Wilhelmina; Enter keeps it]: "
expect "an edit shows the answer there is" "$?" 0
answer "Wilhelmine" "$CHOICE" 2
expect "the edit is read back" \
	"$(screen | grep -c '^ *[0-9]*\. Child.s first name: Wilhelmine$')" 1
answer "s" "exit="
expect_match "the reference to read back" "$(screen)" \
	'Reference MASH-2026-000001, rated (red|amber)\. Read the reference back'
expect "mashctl exits 0" "$(exit_code)" 0
ctl show MASH-2026-000001 --json > "$T/show"
expect "channel phone" "$(jq -r .channel "$T/show")" phone
expect "the answers are the record" \
	"$(jq -r '[.record.child.first_name, .record.child.dob, (.record.concern.categories|join(",")), .record.consent.status, (.record.referrer.professional|tostring), (.record.parents_informed|tostring)] | join(" ")' "$T/show")" \
	"Wilhelmine 2018-07-14 physical_abuse,domestic_abuse not_sought true false"
expect "the concern keeps its lines" "$(jq -r .record.concern.summary "$T/show")" \
	"Bruises on both arms, says she fell.
Mother's partner shouts at her."
expect "no stand-in leaks into the record" \
	"$(jq -r '[.record.referrer.phone, .record.child.gender, .record.child.age_estimate] | map(tostring) | join(" ")' "$T/show")" \
	"null null null"
expect "written due 24 hours after receipt" \
	"$(jq -r .timers.written.due "$T/show" | minute)" 2026-11-25T10:00

# 2. Date of birth unknown: an estimated age (0: a baby), which the BRAG
# age rule reads; kept as a draft, then taken up and sent.
call
ask "Is the caller a professional [y/n] (required): "
type y "Dr Ferreira-Lund" "Brackenmoor Health Centre" "gp@brackenmoor.example" \
	"" Tobias Quennell-Marsh
ask "$DOB"
answer "unknown" "Is the child unborn [y/n]: "
answer "n" "Child's estimated age in years (required): "
answer "about one" "give the age as a whole number of years."
answer "0" "Child's gender: "
type "" "" "" "" "" physical_abuse "Bruise on the cheek of a baby not yet crawling." "" \
	n given "" "At home"
ask "$CHOICE"
expect "the unknown date of birth is read back" \
	"$(screen | grep -c '^ *[0-9]*\. Child.s date of birth: unknown$')" 1
expect "and the estimate" \
	"$(screen | grep -c '^ *[0-9]*\. Child.s estimated age in years: 0$')" 1
answer "d" "Save the draft as ["
answer "$T/draft.json" "exit="
expect_match "the draft is saved, and said where" "$(screen)" \
	"Draft saved as $T/draft.json \\(readable by you only\\)"
expect "saving a draft exits 1" "$(exit_code)" 1
expect "the draft is readable by its owner only" "$(stat -c %a "$T/draft.json")" 600
expect "a draft stores nothing" "$(nrefs)" 1
expect "the draft holds the answers" \
	"$(jq -r '.answers.child.age_estimate' "$T/draft.json")" 0
call --draft "$T/draft.json"
ask "$CHOICE"
expect "a draft taken up is read back at once" \
	"$(screen | grep -c '^ *[0-9]*\. Child.s first name: Tobias$')" 1
answer "s" "exit="
expect "it is sent" "$(exit_code)" 0
expect_match "rated red by the estimated age (physical abuse under 1)" \
	"$(screen)" 'Reference MASH-2026-000002, rated red\.'
expect "the estimate is stored, with no dob" \
	"$(ctl show MASH-2026-000002 --json | jq -c '[.record.child.age_estimate, .record.child.dob]')" \
	"[0,null]"
expect "the draft, sent, is removed" "$(test -e "$T/draft.json"; echo $?)" 1

# 3. An ISO date of birth; Ctrl-C asks, then carries on; discarded at
# the end, nothing stored.
call
ask "Is the caller a professional [y/n] (required): "
type y "Ms Okonkwo-Hale" "Brackenmoor Primary School" \
	head@brackenmoor.example "" Wilhelmina Thistlewood-Abara
ask "$DOB"
answer "2018-07-14" "Child's gender: "
tm send-keys -t mash C-c
ask "Interrupted. Continue (c), save a draft (d) or discard what was typed (x)? "
expect "Ctrl-C asks before dropping what was typed" "$?" 0
answer "c" "Child's gender: " 2
type "" "" "" "" "" neglect "Hungry at school" "" n given "" ""
ask "$CHOICE"
expect "the ISO date of birth stands" \
	"$(screen | grep -c '^ *[0-9]*\. Child.s date of birth: 14 July 2018$')" 1
answer "x" "Discard this referral? Nothing typed will be kept [y/n]: "
answer "y" "exit="
expect "discarding exits 1" "$(exit_code)" 1
expect_match "and says nothing was sent" "$(screen)" 'discarded, nothing sent'
expect "and nothing is stored" "$(nrefs)" 2

# 4. Ctrl-C then a draft; the end of input keeps one too.
call
ask "Is the caller a professional [y/n] (required): "
type y "Ms Okonkwo-Hale"
ask "Caller's agency or service: "
tm send-keys -t mash C-c
ask "Interrupted. Continue (c), save a draft (d) or discard what was typed (x)? "
answer "d" "Save the draft as [referral-draft-"
answer "" "exit="
expect "Ctrl-C, then d, keeps a draft in the current directory" \
	"$(ls "$T"/referral-draft-*.json | wc -l)" 1
expect "readable by its owner only" "$(stat -c %a "$T"/referral-draft-*.json)" 600
expect "holding what was typed" \
	"$(jq -r .answers.referrer.name "$T"/referral-draft-*.json)" "Ms Okonkwo-Hale"
mkdir "$T/eof" && mv "$T"/referral-draft-*.json "$T/eof/"
call
ask "Is the caller a professional [y/n] (required): "
type n n "Mr Ashdown-Pike"
ask "Caller's agency or service: "
tm send-keys -t mash C-d
ask "exit="
expect_match "the end of input keeps what was typed, saying so" "$(screen)" \
	'The input ended: keeping what was typed\.'
expect "as a draft" "$(jq -r .answers.referrer.name "$T"/referral-draft-*.json)" \
	"Mr Ashdown-Pike"
expect "and nothing is sent" "$(nrefs)" 2

# 5. mashd gone at the moment of sending: the record is kept as a draft,
# and sent from it once mashd is back.
rm -f "$T"/referral-draft-*.json
call
ask "Is the caller a professional [y/n] (required): "
type y "Ms Okonkwo-Hale" "Brackenmoor Primary School" \
	head@brackenmoor.example "" Wilhelmina Thistlewood-Abara 2018-07-14 \
	"" "" "" "" "" neglect "Hungry at school" "" n given "" ""
ask "$CHOICE"
stop_mashd
answer "s" "exit="
expect "mashd unreachable exits 3" "$(exit_code)" 3
expect_match "and keeps what was typed, saying so" "$(screen)" \
	'Draft saved as referral-draft-'
start_mashd
call --draft "$T"/referral-draft-*.json
ask "$CHOICE"
answer "s" "exit="
expect "sent from the draft once mashd is back" "$(exit_code)" 0
expect "stored" "$(nrefs)" 3

# A draft that is not one: said, exit 2, nothing asked.
echo '{"referrer": {}}' > "$T/notdraft.json"
call --draft "$T/notdraft.json"
ask "exit="
expect "a file that is not a draft is a usage error" "$(exit_code)" 2
expect_match "saying so" "$(screen)" 'not a draft of mashctl referral new'
tm kill-server

# Not at a terminal, without --file: a usage error, not a hang.
ctl referral new < /dev/null 2> "$T/err"
expect "no terminal and no file is a usage error" "$?" 2
expect_match "saying how" "$(cat "$T/err")" 'usage: mashctl referral new'
finish
