# lib_ha.sh: a private Redis replica set under Sentinel, for the tests of
# high availability (t_sentinel.sh, tests/faults/f_failover.sh). Sourced
# after lib.sh. Three redis-server nodes and three redis-sentinel on
# loopback ports, from the samples conf/ha/redis.conf and
# conf/ha/sentinel.conf, with quick failure detection so that a failover
# takes seconds. Each node also listens on a Unix socket, $T/nodeN.sock,
# for the test's own redis-cli. Every wait is bounded.

HA_NODES="0 1 2"
HA_SENTINELS="0 1 2"
# down-after-milliseconds and failover-timeout of the test's sentinels.
HA_DOWN_MS=${HA_DOWN_MS:-1500}
HA_FAILOVER_MS=${HA_FAILOVER_MS:-3000}

# ha_port: a free loopback port below the ephemeral range.
ha_port() {
	_i=0
	while [ $_i -lt 100 ]; do
		_p=$((20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 12000))
		# (not one the fault harness picked for mashd either)
		if [ -z "$(ss -Htan "sport = :$_p" 2>/dev/null)" ] &&
			[ "$_p" != "${FPORT:-}" ] && [ "$_p" != "${FPORT2:-}" ] &&
			! grep -qx "$_p" "$T/ha-ports" 2>/dev/null; then
			echo "$_p" >> "$T/ha-ports"
			echo "$_p"
			return 0
		fi
		_i=$((_i + 1))
	done
	echo "no free port" >&2
	exit 1
}

for _n in $HA_NODES; do
	eval "NODE${_n}_PORT=$(ha_port)"
	eval "NODE${_n}_PID="
done
for _n in $HA_SENTINELS; do
	eval "SENT${_n}_PORT=$(ha_port)"
	eval "SENT${_n}_PID="
done

ha_cleanup() {
	for _n in $HA_NODES; do
		eval "_p=\$NODE${_n}_PID"
		[ -n "$_p" ] && kill -9 "$_p" 2>/dev/null
	done
	for _n in $HA_SENTINELS; do
		eval "_p=\$SENT${_n}_PID"
		[ -n "$_p" ] && kill -9 "$_p" 2>/dev/null
	done
}
trap 'ha_cleanup; cleanup' EXIT
# A test stopped by a signal cleans up too: a set left running would go on
# failing over on its own.
trap 'exit 1' INT TERM HUP

node_port() { eval "echo \$NODE${1}_PORT"; }
node_pid() { eval "echo \$NODE${1}_PID"; }
sent_port() { eval "echo \$SENT${1}_PORT"; }

# ncli N ARGS...: redis-cli on node N.
ncli() {
	_n=$1
	shift
	redis-cli -s "$T/node$_n.sock" "$@"
}

# start_node N [MASTER-PORT]: node N, a replica of MASTER-PORT if given,
# from its own copy of the sample (the sentinels rewrite it).
start_node() {
	mkdir -p "$T/node$1"
	rm -f "$T/node$1.sock"
	[ -f "$T/node$1/redis.conf" ] ||
		cp "$TOP/conf/ha/redis.conf" "$T/node$1/redis.conf"
	# On the test's clock, as start_redis's: `at` moves it.
	[ -f "$CLOCK_LIB" ] || { echo "no $CLOCK_LIB: make all first"; exit 1; }
	[ -f "$T/clock" ] || echo "$OFFSET_MS" > "$T/clock"
	LD_PRELOAD=$CLOCK_LIB REDIS_CLOCK_FILE=$T/clock \
	redis-server "$T/node$1/redis.conf" --port "$(node_port "$1")" \
		--bind 127.0.0.1 --dir "$T/node$1" \
		--unixsocket "$T/node$1.sock" --unixsocketperm 700 \
		--daemonize no --logfile "$T/node$1.log" --save '' \
		${2:+--replicaof 127.0.0.1 $2} $REDIS_EXTRA &
	eval "NODE${1}_PID=$!"
	wait_for 10 test -S "$T/node$1.sock" &&
		wait_for 10 ncli "$1" ping ||
		{ echo "redis node $1 did not start"; exit 1; }
}

# stop_node N [SIGNAL]
stop_node() {
	_p=$(node_pid "$1")
	[ -n "$_p" ] || return 0
	kill -"${2:-TERM}" "$_p" 2>/dev/null
	{ wait "$_p"; } 2> /dev/null
	eval "NODE${1}_PID="
}

# start_sentinel N: sentinel N, watching node 0 as the master "mash".
start_sentinel() {
	mkdir -p "$T/sent$1"
	sed -e "s/^port .*/port $(sent_port "$1")/" \
		-e "s/^bind .*/bind 127.0.0.1/" \
		-e "s|^dir .*|dir $T/sent$1|" \
		-e "s/^sentinel monitor mash .*/sentinel monitor mash 127.0.0.1 $(node_port 0) 2/" \
		-e "s/^sentinel down-after-milliseconds mash .*/sentinel down-after-milliseconds mash $HA_DOWN_MS/" \
		-e "s/^sentinel failover-timeout mash .*/sentinel failover-timeout mash $HA_FAILOVER_MS/" \
		"$TOP/conf/ha/sentinel.conf" > "$T/sent$1/sentinel.conf"
	redis-sentinel "$T/sent$1/sentinel.conf" --logfile "$T/sent$1.log" &
	eval "SENT${1}_PID=$!"
	wait_for 10 redis-cli -p "$(sent_port "$1")" ping ||
		{ echo "sentinel $1 did not start"; exit 1; }
}

# master_port: the master's port as sentinel 0 (or the first that
# answers) names it.
master_port() {
	for _s in $HA_SENTINELS; do
		_m=$(redis-cli -p "$(sent_port "$_s")" sentinel \
			get-master-addr-by-name mash 2>/dev/null | sed -n 2p)
		[ -n "$_m" ] && { echo "$_m"; return 0; }
	done
	return 1
}

# node_of PORT: the node listening on PORT.
node_of() {
	for _n in $HA_NODES; do
		[ "$(node_port "$_n")" = "$1" ] && { echo "$_n"; return 0; }
	done
	return 1
}

# replicas_online N: how many replicas node N's INFO shows online.
replicas_online() {
	ncli "$1" info replication 2>/dev/null | grep -c 'state=online'
}

# start_ha: node 0 the master, nodes 1 and 2 its replicas (both online),
# the three sentinels, each of which knows both replicas and the two
# other sentinels.
start_ha() {
	start_node 0
	start_node 1 "$(node_port 0)"
	start_node 2 "$(node_port 0)"
	wait_for 20 '[ "$(replicas_online 0)" = 2 ]' ||
		{ echo "the replicas did not sync"; exit 1; }
	for _s in $HA_SENTINELS; do start_sentinel "$_s"; done
	for _s in $HA_SENTINELS; do
		wait_for 30 "redis-cli -p $(sent_port "$_s") sentinel master mash |
			awk 'p { print; p = 0 } /^num-other-sentinels\$/ { p = 1 }' |
			grep -qx 2" ||
			{ echo "sentinel $_s did not find the others"; exit 1; }
		wait_for 30 "redis-cli -p $(sent_port "$_s") sentinel master mash |
			awk 'p { print; p = 0 } /^num-slaves\$/ { p = 1 }' |
			grep -qx 2" ||
			{ echo "sentinel $_s did not find the replicas"; exit 1; }
	done
}

# ha_settle: the master takes writes and both replicas confirm them. A
# jump of the test's clock (`at`) makes the nodes see their replication
# links silent for as long: the master drops its replicas and refuses
# writes (min-replicas-max-lag) until they are back, a second or so.
ha_settle() {
	wait_for 30 '_m=$(node_of "$(master_port)") &&
		[ "$(ncli "$_m" set ha:settle 1)" = OK ] &&
		[ "$(ncli "$_m" wait 2 500)" = 2 ]'
}

# ha_redis_conf: mashd's redis group for this set (REDIS_CONF for
# write_conf), plus EXTRA.
ha_redis_conf() {
	echo "sentinels = [ \"127.0.0.1:$(sent_port 0)\", \"127.0.0.1:$(sent_port 1)\", \"127.0.0.1:$(sent_port 2)\" ]; master_name = \"mash\"; $1"
}

# switches: the +switch-master lines the sentinels logged so far.
switches() {
	cat "$T"/sent*.log 2>/dev/null | grep -c '+switch-master'
}
