#!/bin/sh
# No user can take the control socket from the others: one user holds at
# most control.max_per_uid connections, the last slots are root's and the
# admins', a connection idle for control.idle_timeout is closed, and a
# refused mashctl says why and exits non-zero (never killed by SIGPIPE).
. "$(dirname "$0")/lib.sh"
if [ "$(id -u)" != 0 ]; then
	skip "the connections come from other users: run as root"
	finish
	exit
fi
chmod 711 "$T"
CONTROL_CONF='mode = "0666";' write_conf
start_redis
start_mashd
hog() { # USER FILE N: N idle connections of USER, results in FILE
	setpriv --reuid="$1" --regid="$(id -g "$1")" --clear-groups \
		/usr/bin/python3 "$TOP/tests/tools/ctl-hog.py" hold \
		"$T/mashd.sock" "$3" > "$2" 2>&1 &
}
as() { # USER MASHCTL-ARGS...
	_u=$1
	shift
	setpriv --reuid="$_u" --regid="$(id -g "$_u")" --clear-groups \
		"$MASHCTL" -s "$T/mashd.sock" "$@"
}

NOBODY=$(id -u nobody)
hog nobody "$T/hold" 64
H1=$!
wait_for 20 "[ \$(wc -l < '$T/hold') -ge 2 ]"
expect "of 64 idle connections of one user, 8 are kept" "$(sed -n 1p "$T/hold")" 8
expect "the 9th is told why" "$(sed -n 2p "$T/hold")" \
	"{\"ok\":false,\"error\":\"too many control connections for uid $NOBODY (control.max_per_uid = 8)\"}"
expect "root's mashctl status is answered" "$(ctl status --json | jq -r .redis)" up
as nobody status > "$T/out" 2> "$T/err"
expect "that user's mashctl exits 1" "$?" 1
expect "and prints mashd's reason" "$(cat "$T/err")" \
	"mashctl: too many control connections for uid $NOBODY (control.max_per_uid = 8)"
# mashd closes a refused connection first and logs after.
expect_log "refusals are logged" \
	"control: refused uid $NOBODY: too many control connections"
kill "$H1"
wait "$H1" 2> /dev/null
wait_for 10 "as nobody status 2>&1 | grep -q 'has: none'"
expect "once they close, the user is answered again" "$?" 0
stop_mashd

# Two users fill every slot but the last: that one is root's.
CONTROL_CONF='mode = "0666"; max_connections = 8; max_per_uid = 4; idle_timeout = 600;' write_conf
start_mashd
hog nobody "$T/hold1" 4
H1=$!
wait_for 20 "[ \$(wc -l < '$T/hold1') -ge 2 ]"
hog daemon "$T/hold2" 4
H2=$!
wait_for 20 "[ \$(wc -l < '$T/hold2') -ge 2 ]"
expect "the first user's 4 are kept" "$(sed -n 1p "$T/hold1")" 4
expect "of the second's, 3: the last slot is kept" "$(sed -n 1p "$T/hold2")" 3
expect "and the 4th is told why" "$(sed -n 2p "$T/hold2")" \
	'{"ok":false,"error":"too many control connections (control.max_connections = 8, the last 1 kept for root and admins)"}'
expect "root's mashctl status is answered" "$(ctl status --json | jq -r .redis)" up
kill "$H1" "$H2"
wait "$H1" "$H2" 2> /dev/null
stop_mashd

# A connection that says nothing is closed after control.idle_timeout.
CONTROL_CONF='idle_timeout = 1;' write_conf
start_mashd
timeout 20 socat -u "UNIX-CONNECT:$T/mashd.sock" STDOUT > /dev/null
expect "an idle connection is closed by mashd" "$?" 0
expect "mashd answers on" "$(ctl status --json | jq -r .redis)" up
finish
