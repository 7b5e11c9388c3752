#!/bin/sh
# t_service_syslog_late: mashd started where no syslog daemon listens (no
# /dev/log, as in a container) writes its lines to stderr in syslog(3)'s
# LOG_PERROR form, once each; a syslog daemon that starts later receives
# mashd's lines from then on. mashd runs in a mount namespace whose /dev
# is the test's own, as in t_service_syslog, and a real syslog-ng (Debian's
# syslog-ng-core) starts there once mashd runs.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/syslog_ns.sh"
syslog_ns_or_skip
cat > "$T/syslog-ng.conf" <<EOF
@version: 3.38
options { keep-hostname(yes); stats-freq(0); };
source s_local { unix-dgram("$D/log"); };
destination d_all { file("$T/syslog.txt" template("\${PROGRAM}: \${MSG}\n")); };
log { source(s_local); destination(d_all); };
EOF

start_redis
W=$MASHD_WRAP
MASHD_WRAP="$SYSLOG_WRAP $W"
start_mashd
MASHD_WRAP=$W
PID=$MASHD_PID
post "$FIX/red.json" > /dev/null
R1=$(jbody .id)
wait_for 10 "grep -q 'referral $R1 received' '$T/mashd.log'" || true
expect "with no /dev/log, a referral's line goes to stderr once, as LOG_PERROR writes it" \
	"$(grep "referral $R1 received" "$T/mashd.log" | sed "s/\[$PID\]/[PID]/")" \
	"mashd[PID]: [mashd@32473 ref=\"$R1\" brag=\"red\" event=\"received\"] referral $R1 received channel=web client=web-form brag=red"

start_syslog_ng "$T/syslog-ng.conf"
# mashd looks for /dev/log again within a second: referrals until then
# may still go to stderr only.
i=0
while [ $i -lt 20 ]; do
	post "$FIX/red.json" > /dev/null
	R2=$(jbody .id)
	if wait_for 1 "grep -q 'referral $R2 received' '$T/syslog.txt'"; then
		break
	fi
	i=$((i + 1))
done
expect "a syslog daemon started after mashd receives its lines" \
	"$(grep -c "referral $R2 received" "$T/syslog.txt" 2>/dev/null)" 1
expect "and stderr still has each line once" \
	"$(grep -c "referral $R2 received" "$T/mashd.log")" 1
expect "the line before syslog-ng started never reached it" \
	"$(grep -c "referral $R1 received" "$T/syslog.txt")" 0
stop_mashd TERM
kill "$SNG_PID" 2>/dev/null
wait "$SNG_PID" 2>/dev/null
finish
