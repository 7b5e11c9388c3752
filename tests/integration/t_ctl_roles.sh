#!/bin/sh
# Roles are resolved at start and on SIGHUP into a table: a request makes
# no name-service call (a slow sssd or LDAP would stall every intake), and
# a reload that changes the users named changes their roles.
. "$(dirname "$0")/lib.sh"
if [ "$(id -u)" != 0 ]; then
	skip "roles are tested as several users: run as root"
	finish
	exit
fi
# The test's own users and group, as t_workflow makes them.
getent group mash-test-nav > /dev/null || groupadd mash-test-nav
for u in mash-test-nav1 mash-test-sup mash-test-admin; do
	id "$u" > /dev/null 2>&1 || useradd -M -N -s /usr/sbin/nologin "$u"
done
usermod -a -G mash-test-nav mash-test-nav1
chmod 711 "$T"
roles_conf() { # ADMINS-LIST
	CONTROL_CONF='mode = "0666";' write_conf "
roles = {
  navigators = [ \"group:mash-test-nav\" ];
  admins = [ $1 ];
};"
}
as() { # USER MASHCTL-ARGS...
	_u=$1
	shift
	runuser -u "$_u" -- "$MASHCTL" -s "$T/mashd.sock" "$@"
}
roles_conf '"user:mash-test-admin"'
start_redis
start_mashd
expect "an admin named sees the status" \
	"$(as mash-test-admin status --json | jq -r .redis)" up
expect "a navigator by group sees the queue" \
	"$(as mash-test-nav1 queue --json | jq length)" 0
as mash-test-sup status > /dev/null 2> "$T/err"
expect_match "a user not named has no role" "$(cat "$T/err")" \
	"uid:[0-9]+(\\(mash-test-sup\\))? has: none"

# The admins change: SIGHUP, and the roles follow.
roles_conf '"user:mash-test-sup"'
_from=$(wc -l < "$T/mashd.log")
kill -HUP "$MASHD_PID"
wait_for 10 "tail -n +$((_from + 1)) '$T/mashd.log' | grep -q 'read again'"
expect "the new admin sees the status" \
	"$(as mash-test-sup status --json | jq -r .redis)" up
as mash-test-admin status > /dev/null 2> "$T/err"
expect_match "the old one no longer" "$(cat "$T/err")" \
	"uid:[0-9]+\\(mash-test-admin\\)|uid:[0-9]+ has: none"

# No request reads the user or group database, or asks nscd or sssd.
if ! command -v strace > /dev/null; then
	skip "strace is not installed (tools/deps.sh)"
else
	strace -f -qq -e trace=openat,connect,accept4 -o "$T/strace" -p "$MASHD_PID" &
	ST=$!
	wait_for 10 "[ \$(awk '/^TracerPid/ { print \$2 }' /proc/$MASHD_PID/status) != 0 ]"
	as mash-test-nav1 queue > /dev/null
	as mash-test-sup status > /dev/null
	as mash-test-admin status > /dev/null 2>&1
	ctl status > /dev/null
	kill "$ST"
	wait "$ST" 2> /dev/null
	expect "strace saw the four connections" \
		"$(grep -c 'accept4(.* = [0-9]' "$T/strace")" 4
	expect "no request reads passwd or group, or asks nscd or sssd" \
		"$(grep -E 'passwd|/group|nscd|sss|nss|ldap' "$T/strace")" ""
fi
finish
