#!/bin/sh
# The sample three-node layout (conf/ha/) agrees with itself: each node's
# redis.conf listens where its header, the replicas' `replicaof` and the
# sentinels' `sentinel monitor` say, on an address the other nodes can
# reach. The HA tests override port and bind on the command line, so only
# this test reads the samples as a hub would install them; and
# redis-server accepts the file itself (redis-server --test-config is not
# in Debian 12's Redis 7.0, so it is started on a port of the test's own,
# the sample's bind replaced only by loopback).
. "$(dirname "$0")/lib.sh"
R=$TOP/conf/ha/redis.conf
S=$TOP/conf/ha/sentinel.conf
val() { sed -n "s/^$2 //p" "$1" | head -1; }

port=$(val "$R" port)
bind=$(val "$R" bind)
mon=$(val "$S" 'sentinel monitor mash')
mhost=${mon%% *}
mport=$(echo "$mon" | cut -d' ' -f2)
repl=$(sed -n 's/^# replicaof //p' "$R" | head -1)
hdr=$(sed -n 's/^#   redis-a .*redis-server :\([0-9]*\).*/\1/p' "$R")

expect "the sentinels watch the port the nodes listen on" "$mport" "$port"
expect "the replicas follow that port" "${repl##* }" "$port"
expect "the header's layout gives that port" "$hdr" "$port"
expect "the replicas follow the master the sentinels watch" "${repl%% *}" "$mhost"
case " $bind " in
*" $mhost "*) ok "the first master listens on its network address ($mhost)" ;;
*) not_ok "the first master listens on its network address: bind is '$bind', the sentinels look for $mhost" ;;
esac
case " $bind " in
*" 127.0.0.1 "*) ok "and on loopback" ;;
*) not_ok "and on loopback: bind is '$bind'" ;;
esac
expect "the sentinels listen on the same address" \
	"$(val "$S" bind)" "$bind"

# redis-server takes the file as a hub would install it.
mkdir -p "$T/node"
sed "s/^bind .*/bind 127.0.0.1/" "$R" > "$T/node/redis.conf"
redis-server "$T/node/redis.conf" --port 0 --dir "$T/node" \
	--unixsocket "$T/node.sock" --daemonize no \
	--logfile "$T/node.log" &
NP=$!
if wait_for 10 redis-cli -s "$T/node.sock" ping; then
	ok "redis-server starts from the sample"
	expect "with every write fsynced before it answers" \
		"$(redis-cli -s "$T/node.sock" config get appendfsync | tail -1)" always
else
	not_ok "redis-server starts from the sample: $(tail -3 "$T/node.log")"
fi
kill "$NP" 2>/dev/null
wait "$NP" 2>/dev/null
finish
