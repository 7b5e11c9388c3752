#!/bin/sh
# run.sh: start a private redis-server and mashd with the sample config,
# in ./run, for trying mashd out (`make run`). Ctrl-C stops both.
set -e
top=$(pwd)
run=$top/run
mkdir -p "$run/redis"
sh "$top/tools/run-conf.sh" "$top" "$run"
redis-server "$top/conf/redis.conf" --port 0 --unixsocket "$run/redis.sock" \
	--dir "$run/redis" --daemonize no --logfile "$run/redis.log" &
redis=$!
trap 'kill $redis 2>/dev/null; wait $redis 2>/dev/null' EXIT INT TERM
i=0
until [ -S "$run/redis.sock" ]; do
	i=$((i + 1)); [ $i -lt 100 ] || { echo "redis did not start: see $run/redis.log"; exit 1; }
	sleep 0.1
done
cat <<EOT

mashd is starting on http://127.0.0.1:8080 with $run/mashd.conf
(Redis: $run/redis.sock, data in $run/redis). In another terminal:

  # submit a referral as the web form
  curl -s -X POST http://127.0.0.1:8080/v1/referrals \\
       -H 'Authorization: Bearer sample-web-form-token-change-me' \\
       -H 'Content-Type: application/json' --data @tests/fixtures/red.json

  # see the queue, one referral, and mashd's state
  build/mashctl -s $run/mashd.sock queue
  build/mashctl -s $run/mashd.sock show MASH-$(date -u +%Y)-000001
  build/mashctl -s $run/mashd.sock status

  # take a telephone referral, asked field by field; work one through
  build/mashctl -s $run/mashd.sock referral new
  build/mashctl -s $run/mashd.sock claim MASH-$(date -u +%Y)-000001
  build/mashctl -s $run/mashd.sock decide MASH-$(date -u +%Y)-000001 s47 --reason 'Strategy discussion'
  build/mashctl -s $run/mashd.sock history MASH-$(date -u +%Y)-000001
  man man/mashctl.1

Ctrl-C stops mashd and Redis.

EOT
build/mashd -f -c "$run/mashd.conf"
