#!/bin/sh
# mashctl's tables line up on the terminal when a login is not in ASCII:
# a column is as wide in the letters a person sees as the header says,
# not in bytes ("zoë" is four bytes and three columns). The queue's HOLDER
# and the history's ACTOR are the columns a login fills.
. "$(dirname "$0")/lib.sh"
if [ "$(id -u)" != 0 ]; then
	skip "a login not in ASCII is made with useradd: run as root"
	finish
	exit
fi
NAV=mash-zoë
id "$NAV" > /dev/null 2>&1 ||
	useradd --badname -M -N -s /usr/sbin/nologin "$NAV"
chmod 755 "$T"
CONTROL_CONF='mode = "0666";'
write_conf 'roles = { navigators = [ "user:mash-zoë", "user:root" ]; };'
start_redis
start_mashd
as() { # USER MASHCTL-ARGS...
	_u=$1
	shift
	LC_ALL=C.UTF-8 runuser -u "$_u" -- "$MASHCTL" -s "$T/mashd.sock" "$@"
}
# aligned FILE HEADER ROW: how many columns (characters, by the C.UTF-8
# locale) FILE's lines start their first HEADER or ROW at, counted once:
# 1 when the column of the header's word and of each row's line up.
aligned() {
	grep -e "$2" -e "$3" "$1" | while IFS= read -r _l; do
		case $_l in
		*"$2"*) _l=${_l%%"$2"*} ;;
		*) _l=${_l%%"$3"*} ;;
		esac
		printf '%s' "$_l" | LC_ALL=C.UTF-8 wc -m
	done | sort -u | wc -l
}

expect "a referral" "$(post "$FIX/amber.json")" 201
R1=$(jbody .id)
expect "another" "$(post "$FIX/green.json")" 201
R2=$(jbody .id)
as "$NAV" claim "$R1" > /dev/null
expect "one claimed by a navigator whose login is not in ASCII" "$?" 0
as root claim "$R2" > /dev/null
expect "the other by root" "$?" 0

as root queue > "$T/queue"
expect "the queue lists both" "$(grep -c ' web ' "$T/queue")" 2
expect_match "with the holder's login as it is" "$(cat "$T/queue")" "$NAV"
expect "each row's CHANNEL starts where the header's does" \
	"$(aligned "$T/queue" ' CHANNEL ' ' web ')" 1

as "$NAV" note "$R1" "looked at" > /dev/null
as root note "$R1" "looked at too" > /dev/null
as root history "$R1" > "$T/history"
expect "the history has both notes" "$(grep -c ' note ' "$T/history")" 2
expect "each note's ACTION starts where the header's does" \
	"$(aligned "$T/history" ' ACTION ' ' note ')" 1

# A call-back's DUE is a local time of 25 columns: the STATE after it.
jq 'del(.referrer.email) | .referrer.phone = "01632 960555"' \
	"$FIX/amber.json" > "$T/phone-only.json"
expect "a referral from a referrer known only by telephone" \
	"$(post "$T/phone-only.json")" 201
wait_for 10 "ctl callbacks | grep -q ' open'"
as root callbacks > "$T/callbacks"
expect "its call-back task is listed" "$(grep -c ' open' "$T/callbacks")" 1
expect "its STATE starts where the header's does" \
	"$(aligned "$T/callbacks" ' STATE ' ' open')" 1
finish
