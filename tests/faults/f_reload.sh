#!/bin/sh
# A SIGHUP reload after a re-rating. Four ambers come in on Tuesday
# 10:00 (screening: 6 working hours, 16:00). At 15:00 a navigator re-rates
# one Red (screening: 4 hours from the re-rating, 19:00) and one Green (no
# screening). Then the configuration, unchanged, is reloaded. A reload
# with an unchanged calendar moves no timer; the re-rated screening does
# not fire early (from the receipt it would be 14:00: at once); and the
# real deadline fires, once (issue 9, defect 2). mashd's clock runs from
# these instants under libfaketime.
. "$(dirname "$0")/lib.sh"
make_body
recording_mta
fault_conf "$ALERTS_CONF"
clock_at "2027-02-09 10:00:00"
start_redis
fault_mashd
"$LOAD" http -n 4 -c 1 -m POST -o 0 -k fk- -l "$T/load-partner.log" -t 30 \
	-H "Authorization: Bearer $POLICE_TOKEN" \
	-H 'Content-Type: application/json' -b "$T/body.json" \
	"http://127.0.0.1:$FPORT/v1/referrals" > /dev/null
ids=$(awk -F'\t' '$2 == 201 { print $7 }' "$T/load-partner.log" | sort)
set -- $ids
expect "four ambers acknowledged" "$#" 4
A=$1 G=$2

fault_stop_mashd TERM
clock_at "2027-02-09 15:00:00"
fault_mashd
ctl rate "$A" red --reason "disclosure at school" > /dev/null
expect "$A re-rated Red" "$(rcli hget "{mash}:ref:$A" brag)" red
ctl rate "$G" green --reason "needs are met at home" > /dev/null
expect "$G re-rated Green" "$(rcli hget "{mash}:ref:$G" brag)" green
rated=$(events "$A" rate | sed -n 's/.* at \([0-9]*\) .*/\1/p' | tail -1)
due=$(rcli hget "{mash}:ref:$A" due:screening)
expect "the Red screening runs 4 hours from the re-rating" \
	"$((due - rated))" 14400000
# Every timer's due instant before the reload.
for id in $ids; do
	for t in decision escalation written screening decision_warning; do
		d=$(rcli hget "{mash}:ref:$id" "due:$t")
		[ -n "$d" ] && echo "$id $t $d"
	done
done > "$T/expected"

from=$(wc -l < "$T/mashd.log")
kill -HUP "$MASHD_PID"
wait_for 5 "tail -n +$((from + 1)) '$T/mashd.log' | grep -q 'reload: .* read again'"
expect "the reload is taken" "$?" 0
# The scheduler looks at least once a second: two looks after the reload.
nap 2500

# On to the Red's deadline: every timer due by then must have fired,
# once, none before its time.
fault_stop_mashd TERM
clock_at "$(date -u -d "@$((due / 1000 - 3))" '+%Y-%m-%d %H:%M:%S')"
fault_mashd
wait_for 15 "[ \"\$(rcli zcount '{mash}:due' -inf $due)\" = 0 ]"
expect "every timer due by the Red's deadline has fired" "$?" 0
fault_stop_mashd TERM
check -n "$due" -e "$T/expected"
echo "figures $TEST: referrals=4 rerated=2"
finish
