#!/bin/sh
# run-conf.sh TOP RUN: write RUN/mashd.conf for `make run` (tools/run.sh)
# from TOP/conf/mashd.conf: its sockets and bank holidays under RUN and
# TOP, and repeat detection on. The repeat secret is made at random once,
# as make install makes one, and kept in RUN/repeat.secret, so the
# children of earlier runs are still known to later ones.
set -e
top=$1
run=$2
if [ ! -s "$run/repeat.secret" ]; then
	(umask 077; od -An -N32 -tx1 /dev/urandom | tr -d ' \n' \
		> "$run/repeat.secret")
fi
secret=$(cat "$run/repeat.secret")
sed -e "s|^  secret = \"\";|  secret = \"$secret\";|" \
    -e "s|\"/run/redis/redis-server.sock\"|\"$run/redis.sock\"|" \
    -e "s|\"/run/mashd/mashd.sock\"|\"$run/mashd.sock\"|" \
    -e "s|\"/usr/share/mashd/bank-holidays.json\"|\"$top/conf/bank-holidays.json\"|" \
    "$top/conf/mashd.conf" > "$run/mashd.conf.tmp"
chmod 600 "$run/mashd.conf.tmp" # it holds secrets: mashd refuses it otherwise
mv "$run/mashd.conf.tmp" "$run/mashd.conf"
