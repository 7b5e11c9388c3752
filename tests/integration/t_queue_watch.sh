#!/bin/sh
# mashctl queue --watch, in a real terminal (tmux): the page is drawn
# again when the queue changes, through this mashd or another on the same
# Redis, with what changed marked; it follows a Redis restart; q and
# Ctrl-C quit with the terminal as it was. Underneath, mashd pushes one
# line a change to each watcher (no polling), and drops a watcher that
# never reads.
. "$(dirname "$0")/lib.sh"
start_redis
start_mashd
year=$(date -u +%Y)
ref() { printf 'MASH-%s-%06d' "$year" "$1"; }

# The protocol: {"ok":true,...}, then one line a change.
(printf '{"v":1,"cmd":"watch"}\n'; sleep 60) |
	socat - UNIX-CONNECT:"$T/mashd.sock" > "$T/notices" 2>/dev/null &
SOCAT=$!
wait_for 10 "grep -q '\"ok\":true' '$T/notices'"
expect "watch is answered" "$?" 0
wait_for 10 "grep -q '\"live\":true' '$T/notices'"
expect "and mashd says notices flow" "$?" 0
post "$FIX/red.json" > /dev/null
wait_for 10 "grep -qF '{\"changed\":\"$(ref 1)\"}' '$T/notices'"
expect "a new referral is pushed to the watcher, its reference only" "$?" 0
ctl claim "$(ref 1)" > /dev/null
wait_for 10 "[ \$(grep -cF '{\"changed\":\"$(ref 1)\"}' '$T/notices') -ge 2 ]"
expect "a claim too" "$?" 0
ctl screen "$(ref 1)" --reason "screened at the front door" > /dev/null
wait_for 10 "[ \$(grep -cF '{\"changed\":\"$(ref 1)\"}' '$T/notices') -ge 3 ]"
expect "screening recorded too" "$?" 0
# A batch of firings names its referrals in one notice: a line each, and
# a name that is no reference is left out.
rcli publish '{mash}:queue:changed' "$(ref 7) nonsense $(ref 8)" > /dev/null
wait_for 10 "grep -qF '{\"changed\":\"$(ref 8)\"}' '$T/notices'"
expect "a notice of several referrals: a line each" \
	"$(grep -cF -e "\"$(ref 7)\"" -e "\"$(ref 8)\"" "$T/notices")" 2
expect "  and none for a name that is no reference" \
	"$(grep -c nonsense "$T/notices")" 0
kill "$SOCAT" 2>/dev/null

# A second mashd on the same Redis: what changes through it is seen here.
sed "s|$T/mashd.sock|$T/mashd2.sock|" "$T/mashd.conf" > "$T/mashd2.conf"
chmod 600 "$T/mashd2.conf"
"$MASHD" -f -c "$T/mashd2.conf" 2>> "$T/mashd2.log" &
MASHD2=$!
wait_for 10 test -S "$T/mashd2.sock" || { echo "second mashd did not start"; exit 1; }

PANE=1
tm() { tmux -S "$T/tmux$PANE.sock" "$@"; }
screen() { tm capture-pane -p -J -t mash; }
shows() { _want=$1; wait_for 10 'screen | grep -qE -- "$_want"'; }
tm new-session -d -s mash -x 200 -y 30 \
	"'$MASHCTL' -s '$T/mashd.sock' queue --watch; echo \"exit=\$?\"; stty -a | tr ' ' '\\n' | grep -x -- '-\\{0,1\\}icanon'; sleep 60"
shows '^ +1 +red '
expect "the page is drawn" "$?" 0
shows 'live\. \* changed since the last drawing\. q quits\.'
expect "it says it is live and how to quit" "$?" 0
post "$FIX/amber.json" > /dev/null
shows '^\* 2 +amber '
expect "a new referral appears, marked" "$?" 0
expect_match "the one that did not change is not marked" "$(screen | grep -E '^. 1 +red ')" '^  1 +red '
"$MASHCTL" -s "$T/mashd2.sock" claim "$(ref 2)" > /dev/null
shows "^\\* 2 +amber +$(id -un) "
expect "a claim made through another mashd is seen" "$?" 0
"$MASHCTL" -s "$T/mashd2.sock" decide "$(ref 1)" nfa --reason "no concerns" > /dev/null
shows '^queue +red 0, amber 1'
expect "a decided referral leaves the page" "$?" 0
ctl reopen "$(ref 1)" --reason "decided on the wrong record" > /dev/null
shows '^\* 1 +red '
expect "a reopened one comes back, marked" "$?" 0

# Redis restarts: the watcher says it is not live, then is again.
stop_redis
shows 'NOT LIVE'
expect "Redis gone: the screen says it is not live" "$?" 0
start_redis
shows 'live\. \*'
expect "Redis back: live again" "$?" 0
post "$FIX/green.json" > /dev/null
shows '^\* 3 +green '
expect "and changes flow again (subscribed anew)" "$?" 0

tm send-keys -t mash q
shows '^exit='
expect "q quits, exit 0" "$(screen | sed -n 's/^exit=//p')" 0
shows '^-?icanon$' # stty's line comes after
expect "the terminal is as it was (icanon)" "$(screen | grep -x -- '-\{0,1\}icanon')" icanon
tm kill-server

# Ctrl-C quits as cleanly. A new tmux server: the old one may still be
# going away.
PANE=2
tm new-session -d -s mash -x 200 -y 30 \
	"'$MASHCTL' -s '$T/mashd.sock' queue --watch; echo \"exit=\$?\"; stty -a | tr ' ' '\\n' | grep -x -- '-\\{0,1\\}echo'; sleep 60"
shows 'live\. \*'
tm send-keys -t mash C-c
shows '^exit='
expect "Ctrl-C quits, exit 0" "$(screen | sed -n 's/^exit=//p')" 0
shows '^-?echo$'
expect "the terminal echoes again" "$(screen | grep -x -- '-\{0,1\}echo')" echo
tm kill-server

# Not on a terminal: a usage error, not a mess.
ctl queue --watch > /dev/null 2> "$T/err" < /dev/null
expect "--watch off a terminal: exit 2" "$?" 2

# A watcher that never reads is dropped once its notices pile up.
(printf '{"v":1,"cmd":"watch"}\n'; sleep 60) |
	socat -u - UNIX-CONNECT:"$T/mashd.sock" 2>/dev/null &
SOCAT=$!
wait_for 10 "grep -q 'queue notices flow' '$T/mashd.log'"
awk -v r="$(ref 3)" 'BEGIN { for (i = 0; i < 60000; i++) print "PUBLISH {mash}:queue:changed " r }' |
	rcli > /dev/null
wait_for 20 "grep -q 'watches the queue without reading: dropped' '$T/mashd.log'"
expect "a watcher that never reads is dropped" "$?" 0
expect "mashd answers on" "$(ctl status --json | jq -r .redis)" up
kill "$SOCAT" 2>/dev/null
kill "$MASHD2"
wait "$MASHD2" 2>/dev/null
stop_mashd
finish
