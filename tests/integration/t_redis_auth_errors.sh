#!/bin/sh
# What Redis answers to AUTH other than yes or a wrong password. A Redis
# where AUTH is renamed (or a proxy, an old sentinel) answers "ERR unknown
# command 'AUTH', with args beginning with: '<password>'": mashd quotes of
# an error only its code word, so the password is in no log line and no
# status. A Redis at maxclients answers any command "ERR max number of
# clients reached": a failure like any (logged at every retry as usual),
# not a refused password, and mashd reaches Redis once a place is free.
# An ACL user that may not use the queue notices' channel (NOPERM on
# SUBSCRIBE) is logged once, not at every retry. And the credentials'
# configuration errors.
. "$(dirname "$0")/lib.sh"
# Tuesday 03:00 (UTC): the hub is closed, so no digest is due at start.
at "2026-03-03 03:00:00"
PASS=renamed-pass-Jt5-0123456789
ACLPASS=acl-pass-Pw9-24680135

# err_count KIND: how many KIND errors Redis answered so far.
err_count() {
	rcli info errorstats | tr -d '\r' |
		sed -n "s/^errorstat_$1:count=//p" | grep . || echo 0
}
# no_pass NAME: the password neither in mashd's log nor in its status.
no_pass() {
	ctl status --json > "$T/status" 2>&1
	if grep -F -e "$PASS" -e "$ACLPASS" "$T/mashd.log" "$T/status" \
		> "$T/leak" 2>/dev/null; then
		not_ok "$1" "$(head -2 "$T/leak")"
	else
		ok "$1"
	fi
}

# ---- configuration errors (mashd -n)
conf_error() {
	REDIS_CONF=$2 write_conf
	"$MASHD" -n -c "$T/mashd.conf" > /dev/null 2> "$T/err"
	expect "$1: mashd -n exits 1" "$?" 1
	expect_match "$1: naming the key" "$(cat "$T/err")" "$3"
}
conf_error "an empty password" 'password = "";' \
	'redis\.password: must not be empty'
conf_error "a user with a space" "user = \"mash d\"; password = \"$PASS\";" \
	'redis\.user: must be an ACL user.s name, one word'
conf_error "a sentinel password without sentinels" \
	"sentinel_password = \"$PASS\";" \
	'redis\.sentinel_password: needs redis\.sentinels'

# ---- AUTH renamed: Redis quotes the password in its error
REDIS_EXTRA="--rename-command AUTH NOTAUTH"
start_redis
REDIS_CONF="password = \"$PASS\";" write_conf
_e0=$(err_count ERR)
start_mashd --unready
expect_log "AUTH renamed: the log says AUTH failed, with the code word only" \
	"redis: $T/redis\\.sock: AUTH failed: ERR, it does not know the command; dropping the connection"
wait_for 20 "[ \$((\$(err_count ERR) - $_e0)) -ge 3 ]"
expect "mashd retried (3 connections answered ERR)" "$?" 0
expect_match "status says why, without Redis's words" \
	"$(ctl status --json | jq -r '.redis + " " + .redis_error')" \
	"^down .*AUTH failed: ERR, it does not know the command"
expect "no line says the password was refused" \
	"$(grep -c 'refused the password' "$T/mashd.log")" 0
no_pass "AUTH renamed: no password in the log nor in ctl status"
stop_mashd
stop_redis

# ---- maxclients: a failure like any other, not a refused password
REDIS_EXTRA="--requirepass $PASS --maxclients 1"
export REDISCLI_AUTH=$PASS
start_redis
# The one place taken, by a client subscribed (it waits there); one may
# find it still taken by the last redis-cli, and exit: then another.
for _try in 1 2 3 4 5; do
	redis-cli -s "$T/redis.sock" subscribe hold > /dev/null 2>&1 &
	HOLD_PID=$!
	wait_for 5 "kill -0 $HOLD_PID 2>/dev/null && ! rcli ping 2>/dev/null | grep -q PONG" &&
		break
	kill "$HOLD_PID" 2>/dev/null
done
kill -0 "$HOLD_PID" 2>/dev/null && ! rcli ping 2>/dev/null | grep -q PONG
expect "the one place is taken" "$?" 0
_from=$(log_lines)
start_mashd --unready
expect_log "at maxclients: the log says AUTH failed, not a refused password" \
	"redis: $T/redis\\.sock: AUTH failed: ERR, it is at maxclients; dropping the connection" \
	"$_from"
wait_for 20 "[ \$(grep -c 'it is at maxclients; dropping' '$T/mashd.log') -ge 2 ]"
expect "logged at every retry, as any failure" "$?" 0
expect "no line says the password was refused" \
	"$(grep -c 'refused the password' "$T/mashd.log")" 0
kill "$HOLD_PID"
{ wait "$HOLD_PID"; } 2> /dev/null
wait_for 20 curl -sf "$URL/healthz"
expect "the place free, mashd reaches Redis" "$?" 0
no_pass "maxclients: no password in the log nor in ctl status"
stop_mashd
stop_redis

# ---- an ACL user without the channel: NOPERM on SUBSCRIBE, logged once
REDIS_EXTRA="--requirepass $PASS"
start_redis
rcli acl setuser mashd on ">$ACLPASS" '~*' resetchannels '+@all' > /dev/null
REDIS_CONF="user = \"mashd\"; password = \"$ACLPASS\";" write_conf
_from=$(log_lines)
_e0=$(err_count NOPERM)
start_mashd
(printf '{"v":1,"cmd":"watch"}\n'; sleep 30) |
	socat - UNIX-CONNECT:"$T/mashd.sock" > "$T/notices" 2>/dev/null &
expect_log "NOPERM on SUBSCRIBE: the log names the channel the ACL needs" \
	"control: queue notices from $T/redis\\.sock: NOPERM: redis\\.user may not subscribe to \\{mash\\}:queue:changed \\(its ACL needs the channel &\\{mash\\}:queue:changed\\)" \
	"$_from"
wait_for 20 "[ \$((\$(err_count NOPERM) - $_e0)) -ge 3 ]"
expect "the subscriber retried (3 SUBSCRIBEs refused)" "$?" 0
expect "and it is said once, not at every retry" \
	"$(tail -n "+$((_from + 1))" "$T/mashd.log" | grep -c NOPERM)" 1
expect "referrals are still taken" "$(post "$FIX/amber.json")" 201
no_pass "NOPERM: no password in the log nor in ctl status"
stop_mashd

# ---- the ACL mashd.conf(5) suggests is enough: referrals, notices
rcli acl setuser mashd reset on ">$ACLPASS" resetkeys '~{mash}:*' \
	resetchannels '&{mash}:queue:changed' '&{mash}:wait' -@all +@read \
	+@write +@keyspace +@scripting +@connection +subscribe +publish +role \
	+wait '+config|get' > /dev/null
_from=$(log_lines)
start_mashd
(printf '{"v":1,"cmd":"watch"}\n'; sleep 30) |
	socat - UNIX-CONNECT:"$T/mashd.sock" > "$T/notices2" 2>/dev/null &
wait_for 10 "grep -q '\"live\":true' '$T/notices2'"
expect "the suggested ACL: queue notices flow" "$?" 0
expect "a referral is taken" "$(post "$FIX/amber.json")" 201
_ref=$(jbody .id)
wait_for 10 "grep -q '\"changed\"' '$T/notices2'"
expect "and its notice comes" "$?" 0
expect "it is shown" "$(ctl show "$_ref" --json | jq -r .id)" "$_ref"
expect "nothing refused" \
	"$(tail -n "+$((_from + 1))" "$T/mashd.log" | grep -cE 'NOPERM|refused|failed')" 0
finish
