#!/bin/sh
# submit-capture.sh: three real calls of submit.lua (a referrer known by
# telephone only, as mash-bench posts them) caught by MONITOR from a
# private redis-server and mashd; prints the directory whose monitor.txt
# tools/bench/submit-replay.py reads.
set -e
TOP=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d ${TMPDIR:-/tmp}/submit-capture.XXXXXX)
redis-server $TOP/conf/redis.conf --port 0 --unixsocket $T/redis.sock --dir $T --daemonize no --logfile $T/redis.log --save '' --auto-aof-rewrite-percentage 0 &
RP=$!
MP= MON=
# Whatever fails (set -e), nothing started here is left running.
trap 'kill $MON $MP $RP 2> /dev/null || true' EXIT
sleep 0.5
. "$TOP/tools/bench/conf.sh" # bench_conf, WEB_TOKEN
bench_conf /bin/true
$TOP/build/mashd -f -c $T/mashd.conf 2> $T/mashd.log &
MP=$!
sleep 1
PORT=$(sed -n 's/.*http: listening on .* port \([0-9]*\).*/\1/p' $T/mashd.log | tail -1)
jq -c '.child.last_name = "Brindlecombe 1" | del(.referrer.email)' $TOP/tests/fixtures/amber.json > $T/phone.json
redis-cli -s $T/redis.sock monitor > $T/monitor.txt &
MON=$!
sleep 0.3
for i in 1 2 3; do
jq -c ".child.last_name = \"Brindlecombe $i\"" $T/phone.json > $T/b.json
curl -s -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $WEB_TOKEN" -H 'Content-Type: application/json' --data-binary @$T/b.json http://127.0.0.1:$PORT/v1/referrals
done
sleep 0.5
kill $MON $MP; sleep 0.3; kill $RP
wait 2>/dev/null || true
echo $T
