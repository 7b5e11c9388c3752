#!/bin/sh
# A Redis that asks a password (requirepass, or an ACL user): mashd gives
# it redis.password (and redis.user) before anything else on every
# connection (the store's, the queue notices'), and takes referrals. With
# none, or a wrong one, the log says so once (not at every retry), Redis is
# away for everyone (/healthz and POST answer 503, nothing is stored), and
# the password is in no log line and no answer. A reload's new password is
# used on the next connection: a store that is retrying recovers.
. "$(dirname "$0")/lib.sh"
# Tuesday 03:00 (UTC): the hub is closed, so no digest is due at start.
at "2026-03-03 03:00:00"
PASS=redis-pass-Xq7-0123456789
WRONG=not-the-pass-Zr4-987654
ACLPASS=acl-pass-Mk2-24680135
# The test's own redis-cli gives the password (redis-cli reads it there).
export REDISCLI_AUTH=$PASS
REDIS_EXTRA="--requirepass $PASS"
start_redis

# auth_errors KIND: how many AUTH or NOAUTH errors Redis answered so far.
auth_errors() {
	rcli info errorstats | tr -d '\r' |
		sed -n "s/^errorstat_$1:count=//p" | grep . || echo 0
}
# no_secret_anywhere NAME: neither password in mashd's log nor in what it
# answered ($T/answers collects the answers).
no_secret_anywhere() {
	if grep -F -e "$PASS" -e "$WRONG" -e "$ACLPASS" "$T/mashd.log" \
		"$T/answers" > "$T/leak" 2>/dev/null; then
		not_ok "$1" "$(head -2 "$T/leak")"
	else
		ok "$1"
	fi
}
# answers: /healthz, POST, status and /metrics as a client sees them now,
# appended to $T/answers; prints the codes of /healthz and POST.
answers() {
	_h=$(curl -s -o "$T/hz" -w '%{http_code}' "$URL/healthz")
	_p=$(post "$FIX/amber.json")
	{ cat "$T/hz" "$T/body"; ctl status --json; } >> "$T/answers" 2>&1
	echo "$_h $_p"
}
# refused_away NAME REGEX KIND: mashd just started without the right
# password: it says REGEX once while Redis answers KIND errors to several
# of its connections (retries), and it is away for everyone.
refused_away() {
	_e0=$(auth_errors "$3")
	expect_log "$1: the log says why" "$2"
	wait_for 20 "[ \$((\$(auth_errors $3) - $_e0)) -ge 4 ]"
	expect "$1: mashd retried (4 connections refused)" "$?" 0
	expect "$1: said once, not at every retry" \
		"$(grep -cE -- "$2" "$T/mashd.log")" 1
	expect "$1: /healthz and POST answer 503 (Redis away)" "$(answers)" \
		"503 503"
	expect "$1: status says Redis is down" \
		"$(ctl status --json | jq -r .redis)" down
	expect_match "$1: and why" \
		"$(ctl status --json | jq -r .redis_error)" "${2#redis: }"
	expect "$1: nothing stored" "$(nrefs)" 0
	no_secret_anywhere "$1: no password in the log nor in an answer"
}

# ---- mashd -n: the keys' types, a user needs a password, the file's mode
write_conf
sed -i "s|^redis = { |redis = { password = 5; |" "$T/mashd.conf"
"$MASHD" -n -c "$T/mashd.conf" > /dev/null 2> "$T/err"
expect "a password that is no string: mashd -n exits 1" "$?" 1
expect_match "naming the key and its type" "$(cat "$T/err")" 'redis\.password: must be a string'
REDIS_CONF='user = "mashd";' write_conf
"$MASHD" -n -c "$T/mashd.conf" > /dev/null 2> "$T/err"
expect "a user without a password: mashd -n exits 1" "$?" 1
expect_match "naming what it needs" "$(cat "$T/err")" \
	'redis\.user: needs redis\.password'
# A file whose only secret is the password is refused readable by others.
printf 'redis = { password = "%s"; };\ncontrol = { socket = "%s/x.sock"; };\n' \
	"$PASS" "$T" > "$T/pass.conf"
chmod 644 "$T/pass.conf"
"$MASHD" -n -c "$T/pass.conf" > /dev/null 2> "$T/err"
expect "a password others may read: mashd -n exits 1" "$?" 1
expect_match "and says why, without it" "$(cat "$T/err")" \
	'mode 0644: .*must not be readable by others'
chmod 600 "$T/pass.conf"
"$MASHD" -n -c "$T/pass.conf" > /dev/null 2>&1
expect "mode 0600 is taken" "$?" 0

# ---- no password: Redis asks one
write_conf
: > "$T/answers"
start_mashd --unready
refused_away "no password" \
	"redis: $T/redis.sock requires a password: set redis\\.password" NOAUTH

# ---- a wrong one
stop_mashd
REDIS_CONF="password = \"$WRONG\";" write_conf
start_mashd --unready
refused_away "a wrong password" \
	"redis: $T/redis.sock refused the password for user default: WRONGPASS" \
	WRONGPASS

# ---- the right one, by a reload: the store, retrying, uses it
REDIS_CONF="password = \"$PASS\";" write_conf
kill -HUP "$MASHD_PID"
wait_for 20 curl -sf "$URL/healthz"
expect "reloaded with the right password: mashd reaches Redis" "$?" 0
expect "a referral is taken" "$(post "$FIX/amber.json")" 201
cat "$T/body" >> "$T/answers"
expect "and stored" "$(nrefs)" 1
expect "status says Redis is up" "$(ctl status --json | jq -r .redis)" up
# Queue notices come on a connection of their own, which logs in too.
(printf '{"v":1,"cmd":"watch"}\n'; sleep 60) |
	socat - UNIX-CONNECT:"$T/mashd.sock" > "$T/notices" 2>/dev/null &
wait_for 10 "grep -q '\"live\":true' '$T/notices'"
expect "the queue notices' connection logs in" "$?" 0
post "$FIX/amber.json" > /dev/null
wait_for 10 "grep -q '\"changed\"' '$T/notices'"
expect "and notices flow" "$?" 0
no_secret_anywhere "no password in the log nor in an answer"

# ---- an ACL user and its password
rcli acl setuser mashd on ">$ACLPASS" '~*' '&*' '+@all' > /dev/null
stop_mashd
REDIS_CONF="user = \"mashd\"; password = \"$ACLPASS\";" write_conf
start_mashd
expect "an ACL user: mashd reaches Redis" \
	"$(ctl status --json | jq -r .redis)" up
expect_match "logged in as that user" "$(rcli client list)" 'user=mashd '
expect "a referral is taken" "$(post "$FIX/amber.json")" 201
(printf '{"v":1,"cmd":"watch"}\n'; sleep 60) |
	socat - UNIX-CONNECT:"$T/mashd.sock" > "$T/notices2" 2>/dev/null &
wait_for 10 "grep -q '\"live\":true' '$T/notices2'"
expect "a watcher: notices flow as that user" "$?" 0
# A reload changes nothing of a connection made: the next one uses it.
REDIS_CONF="user = \"mashd\"; password = \"$WRONG\";" write_conf
_from=$(log_lines)
kill -HUP "$MASHD_PID"
expect_log "reload" "reload: .* read again" "$_from"
expect "after the reload, the connection made goes on" \
	"$(curl -s -o /dev/null -w '%{http_code}' "$URL/healthz")" 200
# The queue notices' connection lost: its next one is refused, once said
# while it retries at every tick, and the watcher told notices may be
# lost; the store's connection goes on.
_e0=$(auth_errors WRONGPASS)
rcli client kill id "$(rcli client list | grep 'cmd=subscribe ' |
	grep 'user=mashd ' | sed -n 's/^id=\([0-9]*\) .*/\1/p')" > /dev/null
expect_log "the queue notices' next connection uses the new password, refused" \
	"control: queue notices: $T/redis.sock refused the password for user mashd: WRONGPASS" \
	"$_from"
wait_for 10 "grep -qx '{\"live\":false}' '$T/notices2'"
expect "and the watcher is told notices may be lost" "$?" 0
wait_for 20 "[ \$((\$(auth_errors WRONGPASS) - $_e0)) -ge 3 ]"
expect "it retries (3 connections refused)" "$?" 0
expect "and says so once" "$(tail -n "+$((_from + 1))" "$T/mashd.log" |
	grep -c 'refused the password')" 1
expect "the store's connection goes on" \
	"$(curl -s -o /dev/null -w '%{http_code}' "$URL/healthz")" 200
# The store's connection lost: its next one is refused too.
rcli client kill user mashd > /dev/null
expect_log "the store's next connection uses the new password, refused" \
	"redis: $T/redis.sock refused the password for user mashd: WRONGPASS" \
	"$_from"
wait_for 10 '[ "$(curl -s -o /dev/null -w "%{http_code}" "$URL/healthz")" = 503 ]'
expect "and Redis is away again" "$?" 0
no_secret_anywhere "no password in the log nor in an answer, at the end"
finish
