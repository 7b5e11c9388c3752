#!/bin/sh
# A hung MTA: sendmail never returns. Referrals keep coming and their
# acknowledgements queue up; mashd runs at most alerts.max_parallel
# deliveries at once (default 8), kills one that passes alerts.timeout
# with everything it started (its process group), and on SIGTERM starts
# none and exits within alerts.timeout, leaving no process behind (issue
# 9, defect 6). Nothing is lost meanwhile: every alert is still pending.
. "$(dirname "$0")/lib.sh"
make_body
# Postfix's sendmail hands a message to postdrop; this one hands it to a
# helper that never returns. Its pid and its helper's go to mta.pids, and
# its environment marks both as this test's.
cat > "$T/sendmail" <<EOS
#!/bin/sh
[ -n "\$MASH_FAULT_T" ] || exec env MASH_FAULT_T="$T" "\$0" "\$@"
echo "sendmail \$\$" >> "$T/mta.pids"
cat > /dev/null
sleep 300 &
echo "helper \$!" >> "$T/mta.pids"
wait
EOS
chmod +x "$T/sendmail"
fault_conf "$ALERTS_CONF"
start_redis
fault_mashd
procs_start
n=$((40 + 4 * FAULT_CYCLES))
"$LOAD" http -n "$n" -c 4 -m POST -o 0 -k fk- -l "$T/load-partner.log" \
	-t 30 -H "Authorization: Bearer $POLICE_TOKEN" \
	-H 'Content-Type: application/json' -b "$T/body.json" \
	"http://127.0.0.1:$FPORT/v1/referrals" > /dev/null
expect "$n referrals acknowledged while sendmail hangs" \
	"$(awk -F'\t' '$2 == 201' "$T/load-partner.log" | wc -l | tr -d ' ')" "$n"
# Two rounds of alerts.timeout (2 s): deliveries time out and start again.
nap 5000
procs_stop
before=$(grep -c '^sendmail ' "$T/mta.pids")
kill -TERM "$MASHD_PID"
wait_for 7 gone "$MASHD_PID"
expect "mashd exits within alerts.timeout + 5 s of SIGTERM while sendmail hangs" \
	"$?" 0
kill -9 "$MASHD_PID" 2>/dev/null
{ wait "$MASHD_PID"; } 2>/dev/null
MASHD_PID=
: > "$T/mashd.pid"
started=$(grep -c '^sendmail ' "$T/mta.pids")
expect "no delivery starts after SIGTERM" "$((started - before)) started" \
	"0 started"
wait_for 2 '[ -z "$(mta_alive)" ]'
left=$(mta_alive | wc -l | tr -d ' ')
expect "no delivery process outlives mashd ($started deliveries started)" \
	"$left left" "0 left"
check -n "$(clock_now)" -p "$PROCS" -m 8
echo "figures $TEST: referrals=$n deliveries_started=$started processes_left=$left"
finish
