#!/bin/sh
# The navigators' workflow over the control socket, run as real users of
# different roles (SO_PEERCRED decides, never the client), with its
# refusals, the audit trail read back in order, repeat referrals and the
# written confirmation linked from the web.
. "$(dirname "$0")/lib.sh"
if [ "$(id -u)" != 0 ]; then
	skip "roles are tested as several users: run as root"
	finish
	exit
fi
# The test's own users and group, made once, reused after.
getent group mash-test-nav > /dev/null || groupadd mash-test-nav
for u in mash-test-call mash-test-nav1 mash-test-nav2 mash-test-sup \
	mash-test-admin mash-test-nobody; do
	id "$u" > /dev/null 2>&1 || useradd -M -N -s /usr/sbin/nologin "$u"
done
usermod -a -G mash-test-nav mash-test-nav1
usermod -a -G mash-test-nav mash-test-nav2
chmod 755 "$T"
write_conf '
control = { mode = "0666"; };
roles = {
  call_handlers = [ "user:mash-test-call" ];
  navigators = [ "group:mash-test-nav" ];
  supervisors = [ "user:mash-test-sup" ];
  admins = [ "user:mash-test-admin" ];
};
repeat = { secret = "repeat-test-secret-0123456789"; threshold = 3; window_days = 365; };'
# write_conf already has a control group: keep one.
sed -i '0,/^control = { socket/{/^control = { socket/d}' "$T/mashd.conf"
sed -i "s|^control = { mode = \"0666\"; };|control = { socket = \"$T/mashd.sock\"; mode = \"0666\"; };|" "$T/mashd.conf"
start_redis
start_mashd
as() { # USER MASHCTL-ARGS...
	_u=$1
	shift
	runuser -u "$_u" -- "$MASHCTL" -s "$T/mashd.sock" "$@"
}
uid() { echo "uid:$(id -u "$1")($1)"; }

# Call handlers create, and only that.
R1=$(as mash-test-call referral new --file "$FIX/amber.json" --json | jq -r .id)
expect "a call handler takes a telephone referral" "$R1" MASH-2026-000001
as mash-test-call queue 2> "$T/err" > /dev/null
expect "a call handler may not read the queue" "$?" 1
expect_match "and is told which roles may" "$(cat "$T/err")" \
	'permission denied: queue needs one of the roles navigators, supervisors, admins; uid:[0-9]+\(mash-test-call\) has: call_handlers'
as mash-test-call show "$R1" > /dev/null 2>&1
expect "nor see a record" "$?" 1
as mash-test-nobody status > /dev/null 2> "$T/err"
expect "a user with no role gets nothing" "$?" 1
expect_match "and is told so" "$(cat "$T/err")" 'has: none'

# Admins operate but see no case content.
expect "an admin sees the status" "$(as mash-test-admin status --json | jq -r .redis)" up
expect "and the queue" "$(as mash-test-admin queue --json | jq length)" 1
as mash-test-admin show "$R1" > /dev/null 2>&1
expect "but no record" "$?" 1
as mash-test-admin history "$R1" > /dev/null 2>&1
expect "and no history" "$?" 1

# Navigators work the queue; a group grants the role.
expect "a navigator reads the record" \
	"$(as mash-test-nav1 show "$R1" --json | jq -r .channel)" phone
expect "claims it" "$(as mash-test-nav1 claim "$R1" --json | jq -r .ok)" true
expect "the queue shows who holds it" \
	"$(as mash-test-nav1 queue --json | jq -r .[0].owner)" "$(uid mash-test-nav1)"
as mash-test-nav2 claim "$R1" 2> "$T/err"
expect "another navigator cannot take it" "$?" 1
expect_match "and is told who holds it" "$(cat "$T/err")" "claimed by $(uid mash-test-nav1 | sed 's/[()]/\\&/g')"
as mash-test-nav2 claim "$R1" --force 2> "$T/err"
expect "nor force it" "$?" 1
expect_match "--force is for supervisors" "$(cat "$T/err")" 'for supervisors'
as mash-test-nav2 rate "$R1" red --reason "x" 2> "$T/err"
expect "nor re-rate what another holds" "$?" 1
as mash-test-nav1 rate "$R1" red 2> "$T/err"
expect "a re-rating without a reason is a usage error" "$?" 2
as mash-test-nav1 rate "$R1" amber --reason same 2> "$T/err"
expect "re-rating to the same rating is refused" "$?" 1
expect "the holder re-rates it Red with a reason" \
	"$(as mash-test-nav1 rate "$R1" red --reason 'Disclosure in school' --json | jq -r .ok)" true
ctl show "$R1" --json > "$T/show"
expect "rated red" "$(jq -r .brag "$T/show")" red
expect "screening restarted by the new rating (4 hours)" \
	"$(( ($(rcli hget "{mash}:ref:$R1" due:screening) - $(rcli hget "{mash}:ref:$R1" updated)) / 60000 ))" 240
# Its place in the queue, as words.h defines it for C and Lua alike: the
# rank (red is 0), then the earlier of the screening and decision due times.
dd=$(rcli hget "{mash}:ref:$R1" due:decision)
ds=$(rcli hget "{mash}:ref:$R1" due:screening)
expect "the queue reorders it by rank, then its earliest deadline" \
	"$(rcli zscore '{mash}:queue' "$R1")" "$((dd < ds ? dd : ds))"
expect "a rise to Red alerts" \
	"$(rcli xrange '{mash}:outbox' - + | tr '\n' ' ' | grep -o "event red ref $R1" | wc -l)" 1
expect "a supervisor forces the claim" \
	"$(as mash-test-sup claim "$R1" --force --json | jq -r .ok)" true
as mash-test-nav1 release "$R1" 2> "$T/err"
expect "the old holder cannot release it now" "$?" 1
expect "a note" "$(as mash-test-sup note "$R1" 'Spoke to the school DSL' --json | jq -r .ok)" true
expect "the supervisor releases it" "$(as mash-test-sup release "$R1" --json | jq -r .ok)" true
as mash-test-sup release "$R1" 2> "$T/err"
expect "releasing what nobody holds is refused" "$?" 1
expect "a navigator decides" \
	"$(as mash-test-nav2 decide "$R1" s47 --reason 'Strategy meeting' --json | jq -r .ok)" true
as mash-test-sup claim "$R1" 2> "$T/err"
expect "a decided referral cannot be claimed" "$?" 1
as mash-test-sup rate "$R1" blue --reason late 2> "$T/err"
expect "nor re-rated" "$?" 1
expect "a refusal is the script's sentence, whole" "$(cat "$T/err")" \
	"mashctl: referral $R1 is decided already"
as mash-test-sup decide "$R1" nfa --reason again 2> "$T/err"
expect "nor decided twice, and says how it was" "$(cat "$T/err")" \
	"mashctl: referral $R1 is decided already (s47)"
NONE=$(echo "$R1" | sed 's/-[0-9]*$/-999999/')
as mash-test-sup note "$NONE" "no such" 2> "$T/err"
expect "a note on no referral is refused" "$(cat "$T/err")" \
	"mashctl: no referral $NONE"

# The audit trail, read back in order, with who did what.
as mash-test-sup history "$R1" --json > "$T/hist"
expect "every read and change, in order (alert deliveries too)" \
	"$(jq -r 'map(select(.action != "alert") | .action) | join(" ")' "$T/hist")" \
	"submit show claim rate show claim note release decide history"
expect "each with its actor" \
	"$(jq -r 'map(select(.action == "claim")) | .[0].actor' "$T/hist")" "$(uid mash-test-nav1)"
expect "and why" "$(jq -r 'map(select(.action == "rate")) | .[0].detail' "$T/hist")" \
	'amber->red reason=Disclosure in school'
expect "the forced claim says from whom" \
	"$(jq -r 'map(select(.action == "claim")) | .[1].detail' "$T/hist")" \
	"taken from $(uid mash-test-nav1) (forced)"
expect "the root read is there too" \
	"$(jq -r 'map(select(.action == "show")) | .[1].actor' "$T/hist")" "uid:0(root)"
expect_match "alert deliveries are recorded" \
	"$(jq -r 'map(select(.action == "alert")) | .[0].detail' "$T/hist")" 'event=ack state=sent'
expect_match "each with its instant" "$(jq -r '.[0].at' "$T/hist")" '^2[0-9-]+T[0-9:]+Z$'
expect "history has its fields" "$(jq -r '.[0] | keys | join(",")' "$T/hist")" "action,actor,at,detail"
as mash-test-sup history "$R1" > "$T/table"
expect_match "a table for a person" "$(head -1 "$T/table")" '^AT +ACTOR +ACTION +DETAIL'

# Repeat referrals: the same child (names compared loosely) again.
expect "first web referral about a child" "$(post "$FIX/green.json")" 201
G1=$(jbody .id)
expect "no repeat on the first" "$(ctl show "$G1" --json | jq -r .repeat)" null
jq '.child.first_name |= ascii_upcase' "$FIX/green.json" > "$T/green2.json"
expect "the same child again, name in capitals" "$(post "$T/green2.json")" 201
G2=$(jbody .id)
expect "carries the repeat" "$(ctl show "$G2" --json | jq -c '.repeat | [.count, .previous]')" \
	"[1,[\"$G1\"]]"
expect_match "and shows it to a person" "$(ctl show "$G2")" \
	"^  at intake: 1 earlier referral\\(s\\), 1 open"
expect_match "naming it" "$(ctl show "$G2")" "^  $G1 .* green +new\$"
expect_match "with its timers, in local time" "$(ctl show "$G2")" \
	'^  decision +due [A-Z][a-z]{2} [0-9]{2} [A-Z][a-z]{2} 20[0-9]{2} [0-9:]{5} (GMT|BST), running'
expect "raises the repeat alert (another is open)" \
	"$(rcli xrange '{mash}:outbox' - + | tr '\n' ' ' | grep -o "event repeat ref $G2" | wc -l)" 1
expect "queue shows it as a repeat" \
	"$(ctl queue --json | jq -r ".[] | select(.id == \"$G2\") | .repeat")" 1
ctl decide "$G1" universal --reason 'Signposted' > /dev/null
ctl decide "$G2" universal --reason 'Signposted' > /dev/null
expect "a third, none open: threshold 3 in the window" "$(post "$FIX/green.json")" 201
G3=$(jbody .id)
expect "raises the repeat alert (threshold)" \
	"$(rcli xrange '{mash}:outbox' - + | tr '\n' ' ' | grep -o "event repeat ref $G3" | wc -l)" 1
expect "another child is no repeat" "$(post "$FIX/blue.json")" 201
expect "no repeat for another child" "$(ctl show "$(jbody .id)" --json | jq -r .repeat)" null
expect "child keys carry no personal data" \
	"$(rcli --scan --pattern '{mash}:child:*' | sed 's/.*child://' | grep -cvE '^[0-9a-f]{64}$')" 0

# The written confirmation from the web, linked by reference.
P1=$(ctl referral new --file "$FIX/phone.json" --json | jq -r .id)
jq --arg r "$P1" '.written_confirmation_of = $r' "$FIX/phone.json" > "$T/confirm.json"
expect "the written referral arrives from the web" "$(post "$T/confirm.json")" 201
C1=$(jbody .id)
expect "it stops the telephone referral's written timer" \
	"$(ctl show "$P1" --json | jq -r '.timers.written.stopped != null')" true
expect "and is linked to it" "$(ctl show "$P1" --json | jq -r .confirmation)" "$C1"
expect "the confirmation is audited on the phone referral" \
	"$(ctl history "$P1" --json | jq -r 'map(select(.action == "confirm")) | .[0].detail')" \
	"written confirmation via web: referral $C1"
jq '.written_confirmation_of = "MASH-2026-999999"' "$FIX/red.json" > "$T/badlink.json"
expect "a wrong reference does not lose the referral" "$(post "$T/badlink.json")" 201
finish
