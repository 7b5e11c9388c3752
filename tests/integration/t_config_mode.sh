#!/bin/sh
# A configuration holding tokens or secrets is refused, at start and on
# reload, unless it belongs to root or mashd's user and neither its group
# may write it nor others read or write it (as sshd's StrictModes).
. "$(dirname "$0")/lib.sh"
write_conf
chmod 644 "$T/mashd.conf"
"$MASHD" -n -c "$T/mashd.conf" > "$T/out" 2> "$T/err"
expect "a file of tokens at 0644: mashd -n exits 1" "$?" 1
expect "naming the file and its mode" "$(cat "$T/err")" \
	"mashd: $T/mashd.conf: mode 0644: a file holding tokens must not be readable by others (chmod 600)"
chmod 620 "$T/mashd.conf"
"$MASHD" -n -c "$T/mashd.conf" 2> "$T/err"
expect "writable by its group: refused" "$?" 1
expect_match "and says so" "$(cat "$T/err")" 'mode 0620: .* must not be writable by its group'
for m in 600 640 400; do
	chmod $m "$T/mashd.conf"
	"$MASHD" -n -c "$T/mashd.conf" > "$T/out" 2>&1
	expect "mode 0$m is taken" "$?" 0
done
if [ "$(id -u)" = 0 ]; then
	chown nobody "$T/mashd.conf"
	"$MASHD" -n -c "$T/mashd.conf" 2> "$T/err"
	expect "owned by another user: refused" "$?" 1
	expect_match "naming the owner" "$(cat "$T/err")" \
		"owned by uid $(id -u nobody): a file holding tokens"
	chown 0 "$T/mashd.conf"
fi
# A file with no secret in it may be read by anyone.
printf 'control = { socket = "%s/x.sock"; };\n' "$T" > "$T/plain.conf"
chmod 644 "$T/plain.conf"
"$MASHD" -n -c "$T/plain.conf" > "$T/out" 2>&1
expect "no token, no secret: 0644 is taken" "$?" 0

# A reload to a file others may read keeps the running configuration.
chmod 600 "$T/mashd.conf"
start_redis
start_mashd
chmod 666 "$T/mashd.conf"
_from=$(wc -l < "$T/mashd.log")
kill -HUP "$MASHD_PID"
wait_for 10 "tail -n +$((_from + 1)) '$T/mashd.log' | grep -q reload"
expect_match "the reload is refused, and the log says why" \
	"$(tail -n +$((_from + 1)) "$T/mashd.log")" \
	"reload: $T/mashd.conf: mode 0666: a file holding tokens must not be readable by others \\(chmod 600\\); keeping the running configuration"
expect "mashd runs on" "$(ctl status --json | jq -r .redis)" up
expect "and takes referrals with its tokens" "$(post "$FIX/amber.json")" 201
finish
