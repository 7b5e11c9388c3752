#!/bin/sh
# t_service_notify: what mashd tells systemd, read from a notify socket of
# the test's own, as systemd would. READY=1 only once Redis answers and
# every listener is open; WATCHDOG=1 at half of WATCHDOG_USEC from the
# event loop; STATUS= with the queue depth, after a reload too, and saying
# when a reload failed or Redis is away; RELOADING=1 then READY=1 on
# SIGHUP; STOPPING=1 on SIGTERM.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
if [ ! -x $PY ]; then
	skip "no /usr/bin/python3 to play systemd's notify socket"
	finish
	exit
fi

# One line per datagram, its newlines shown as " | ".
$PY -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
while True:
    d = s.recv(4096).decode()
    sys.stdout.write(d.replace("\n", " | ") + "\n")
    sys.stdout.flush()
' "$T/notify.sock" > "$T/notify.log" &
NOTIFY_PID=$!
wait_for 5 test -S "$T/notify.sock" || { echo "no notify socket"; exit 1; }

said() { # REGEX: how many datagrams match
	grep -Ec -- "$1" "$T/notify.log"
}
mark() { # where the log is now, for since
	wc -l < "$T/notify.log"
}
since() { # MARK REGEX: the datagrams after MARK that match
	tail -n +$(($1 + 1)) "$T/notify.log" | grep -E -- "$2"
}

# Redis is not there yet: mashd listens, but is not ready.
export NOTIFY_SOCKET="$T/notify.sock" WATCHDOG_USEC=400000
start_mashd
unset NOTIFY_SOCKET WATCHDOG_USEC
ok "mashd listens (http: listening) with Redis away"
sleep 1
expect "no READY=1 while Redis is away" "$(said '^READY=1')" 0
expect "STATUS= says what it waits for" \
	"$(grep '^STATUS=' "$T/notify.log" | head -1)" \
	"STATUS=listening; waiting for redis to answer"
expect_match "but the watchdog is fed from the start, every 200 ms" \
	"$(said '^WATCHDOG=1$')" '^[3-9]$|^[1-9][0-9]$'
start_redis
wait_for 10 "[ \$(said '^READY=1') -ge 1 ]"
expect "READY=1 once Redis answers and every listener is open" \
	"$(said '^READY=1')" 1
expect_match "with a STATUS line" "$(grep '^READY=1' "$T/notify.log")" \
	'^READY=1 \| STATUS=ready$'
wait_for 10 "[ \$(said '^STATUS=0 open') -ge 1 ]"
expect_match "then STATUS= with the queue depth" \
	"$(grep '^STATUS=0 open' "$T/notify.log" | head -1)" \
	'^STATUS=0 open \(red 0, amber 0, green 0, blue 0\), 0 timer\(s\) overdue; 0 alert\(s\) pending, 0 dead; 0 call-back\(s\) to make$'
expect_match "READY=1 came after the listeners opened" \
	"$(grep -n 'http: listening\|event="ready"' "$T/mashd.log" | cut -d: -f2- | tr '\n' '|')" \
	'http: listening.*\|.*event="ready".*ready: redis answers and every listener is open\|$'

# The queue grows; a reload says so at once.
post "$FIX/red.json" > /dev/null
post "$FIX/amber.json" > /dev/null
m=$(mark)
kill -HUP "$MASHD_PID"
wait_for 10 "since $m '^STATUS=2 open'"
expect "SIGHUP: RELOADING=1, then READY=1 again" \
	"$(since "$m" '^(RELOADING|READY)=1' | tr '\n' ' ')" \
	"RELOADING=1 READY=1 "
expect_match "and STATUS= with the new depth" \
	"$(grep '^STATUS=2 open' "$T/notify.log" | tail -1)" \
	'^STATUS=2 open \(red 1, amber 1, green 0, blue 0\)'

# A reload that fails is in STATUS= until one works.
echo 'http = { port = ; };' >> "$T/mashd.conf"
m=$(mark)
kill -HUP "$MASHD_PID"
wait_for 10 "since $m '^STATUS=reload failed'"
expect_match "a failed reload shows in STATUS=" \
	"$(grep '^STATUS=reload failed' "$T/notify.log" | tail -1)" \
	'^STATUS=reload failed, running the configuration read before \(.*mashd.conf:[0-9]+: .*\); 2 open'
write_conf
m=$(mark)
kill -HUP "$MASHD_PID"
wait_for 10 "since $m '^STATUS=2 open'"
expect "a good reload clears it" \
	"$(since "$m" '^STATUS=' | grep -c 'reload failed')" 0

# Redis goes away: STATUS= says so; the watchdog goes on.
stop_redis
wait_for 10 "[ \$(said '^STATUS=redis unreachable') -ge 1 ]"
ok "STATUS= says when Redis is unreachable"
w=$(said '^WATCHDOG=1$')
sleep 1
expect_match "the watchdog goes on without Redis" \
	"$(( $(said '^WATCHDOG=1$') - w ))" '^[3-9]$|^[1-9][0-9]$'

stop_mashd TERM
# mashd sent it before it exited; the listener writes it down a moment later.
wait_for 10 "[ \$(said '^STOPPING=1$') -ge 1 ]"
expect "SIGTERM: STOPPING=1" "$(said '^STOPPING=1$')" 1

# No watchdog asked for: no pings.
m=$(mark)
NOTIFY_SOCKET="$T/notify.sock" start_mashd
sleep 1
expect "without WATCHDOG_USEC, no WATCHDOG=1" "$(since "$m" WATCHDOG | wc -l)" 0
expect_match "and STATUS= still says what is wrong" \
	"$(since "$m" '^STATUS=' | tail -1)" '^STATUS=listening; waiting for redis'
stop_mashd TERM

kill "$NOTIFY_PID"
finish
