#!/bin/sh
# A control client that writes and never reads its answers is no longer
# read while 1 MB of them wait: mashd does not grow with it, and root's
# mashctl is answered throughout.
. "$(dirname "$0")/lib.sh"
if [ "$(id -u)" != 0 ]; then
	skip "the flood comes from another user: run as root"
	finish
	exit
fi
chmod 711 "$T" # nobody reaches the socket, and nothing else
CONTROL_CONF='mode = "0666";' write_conf
start_redis
start_mashd
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$MASHD_PID/status"; }
# The same paths once first, so that what grows is the flood's (valgrind
# grows a lot on code it runs for the first time).
head -c 100000 /dev/zero | tr '\0' '\n' |
	socat -t 2 - "UNIX-CONNECT:$T/mashd.sock" > /dev/null
ctl status > /dev/null
before=$(rss)
# 20 MB of empty lines: each answered with a line of 61 bytes.
setpriv --reuid=nobody --regid=nogroup --clear-groups \
	/usr/bin/python3 "$TOP/tests/tools/ctl-hog.py" flood "$T/mashd.sock" \
	$((20 << 20)) > "$T/flood" 2>&1 &
HOG=$!
most=0 unanswered=0 n=0
# Until the flood stops (all taken, or not read for 3 s), or mashd has
# grown too far to go on (mashd unbounded would take gigabytes).
while [ ! -s "$T/flood" ] && [ $n -lt 600 ]; do
	ctl status > /dev/null 2>&1 || unanswered=$((unanswered + 1))
	grown=$(($(rss) - before))
	[ $grown -gt $most ] && most=$grown
	[ $most -gt 51200 ] && break
	n=$((n + 1))
	sleep 0.1
done
ctl status > /dev/null 2>&1 || unanswered=$((unanswered + 1))
grown=$(($(rss) - before))
[ $grown -gt $most ] && most=$grown
echo "$TEST: mashd grew by at most $most kB; the flood took $(cat "$T/flood") bytes"
expect "mashd grows by less than 50 MB" "$([ $most -lt 51200 ] && echo yes || echo "no: $most kB")" yes
expect "root's mashctl status answered throughout" "$unanswered" 0
expect_match "the flood was stopped short of 20 MB" "$(cat "$T/flood")" '^[0-9]+$'
[ "$(cat "$T/flood")" -lt $((20 << 20)) ]
expect "it is not read while its answers wait" "$?" 0
kill "$HOG"
wait "$HOG" 2> /dev/null
expect "mashd still answers after" "$(ctl status --json | jq -r .redis)" up
finish
