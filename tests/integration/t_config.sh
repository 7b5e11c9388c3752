#!/bin/sh
# A bad configuration stops mashd before it listens, naming file, line, key.
. "$(dirname "$0")/lib.sh"

# The sample, with the paths of this tree (as `make run` does).
sed "s|/usr/share/mashd/bank-holidays.json|$TOP/conf/bank-holidays.json|" \
	"$TOP/conf/mashd.conf" > "$T/sample.conf"
chmod 600 "$T/sample.conf"
"$MASHD" -n -c "$T/sample.conf" > "$T/out" 2>&1
expect "the sample config is valid" "$?" 0
expect_match "and says so" "$(cat "$T/out")" 'configuration OK'
"$MASHD" -n -c "$TOP/conf/mashd.conf" > "$T/out" 2>&1
expect "a missing holidays file is an error" "$?" 1
expect_match "naming the file" "$(cat "$T/out")" \
	'mashd.conf:[0-9]+: calendar: /usr/share/mashd/bank-holidays.json'

"$MASHD" -f -c "$T/missing.conf" 2> "$T/err"
expect "missing file: exit 1" "$?" 1
expect_match "missing file: named" "$(cat "$T/err")" "missing.conf"

write_conf 'htttp = { port = 1; };'
"$MASHD" -f -c "$T/mashd.conf" 2> "$T/err"
expect "unknown key: exit 1" "$?" 1
expect_match "unknown key: file, line and key" "$(cat "$T/err")" \
	"mashd.conf:10: htttp: unknown key"

write_conf
sed -i 's/port = 0;/port = "eighty";/' "$T/mashd.conf"
"$MASHD" -f -c "$T/mashd.conf" 2> "$T/err"
expect "wrong type: exit 1" "$?" 1
expect_match "wrong type: file, line, key and type" "$(cat "$T/err")" \
	'mashd.conf:2: http.port: must be an integer'

REDIS_CONF='timeout = 0;' write_conf
"$MASHD" -n -c "$T/mashd.conf" 2> "$T/err"
expect_match "redis.timeout out of range" "$(cat "$T/err")" \
	'mashd.conf:1: redis.timeout: must be between 1 and 600'
REDIS_CONF='allow_unsafe = "yes";' write_conf
"$MASHD" -n -c "$T/mashd.conf" 2> "$T/err"
expect_match "redis.allow_unsafe is true or false" "$(cat "$T/err")" \
	'mashd.conf:1: redis.allow_unsafe: must be true or false'

# Sentinels name the master: never together with a socket or a host.
REDIS_CONF='sentinels = [ "127.0.0.1:26379" ]; master_name = "mash";' write_conf
"$MASHD" -n -c "$T/mashd.conf" 2> "$T/err"
expect "redis.sentinels with redis.socket: exit 1" "$?" 1
expect_match "saying which to remove" "$(cat "$T/err")" \
	'mashd.conf:1: redis.sentinels: cannot be used with redis.socket: the sentinels name the master; remove redis.socket, redis.host and redis.port'
REDIS_AT='sentinels = [ "127.0.0.1:26379" ];' write_conf
"$MASHD" -n -c "$T/mashd.conf" 2> "$T/err"
expect_match "redis.sentinels needs redis.master_name" "$(cat "$T/err")" \
	'redis.sentinels: needs redis.master_name'
REDIS_AT='master_name = "mash";' write_conf
"$MASHD" -n -c "$T/mashd.conf" 2> "$T/err"
expect_match "redis.master_name needs redis.sentinels" "$(cat "$T/err")" \
	'redis.master_name: needs redis.sentinels'
REDIS_AT='sentinels = [ "127.0.0.1:26379", "sentinel-b" ]; master_name = "mash";' write_conf
"$MASHD" -n -c "$T/mashd.conf" 2> "$T/err"
expect_match "a sentinel is host:port" "$(cat "$T/err")" \
	'mashd.conf:1: redis.sentinels\[1\]: must be "host:port"'
REDIS_AT='sentinels = [ "10.0.0.1:26379", "[fd00::2]:26379" ]; master_name = "mash";' \
	REDIS_CONF='replicas_ack = 1;' write_conf
"$MASHD" -n -c "$T/mashd.conf" > /dev/null 2> "$T/err"
expect "sentinels and replicas_ack: valid" "$?" 0
REDIS_CONF='replicas_ack = 17;' write_conf
"$MASHD" -n -c "$T/mashd.conf" 2> "$T/err"
expect_match "redis.replicas_ack out of range" "$(cat "$T/err")" \
	'redis.replicas_ack: must be between 0 and 16'
REDIS_CONF='prefix = "mash:";' write_conf
"$MASHD" -n -c "$T/mashd.conf" 2> "$T/err"
expect_match "redis.prefix holds a hash tag" "$(cat "$T/err")" \
	'redis.prefix: must hold a hash tag, like "\{mash\}:"'

write_conf
sed -i 's/max_body = 65536;/max_body = 65536; mx_body = 1;/' "$T/mashd.conf"
"$MASHD" -f -c "$T/mashd.conf" 2> "$T/err"
expect_match "misspelt nested key" "$(cat "$T/err")" 'http.mx_body: unknown key'

write_conf
sed -i 's/channel = "web";/channel = "fax";/' "$T/mashd.conf"
"$MASHD" -f -c "$T/mashd.conf" 2> "$T/err"
expect_match "bad channel" "$(cat "$T/err")" 'clients\[0\].channel: must be "web" or "partner"'

printf 'redis = { socket = "x" \nhttp = {};\n' > "$T/mashd.conf"
"$MASHD" -f -c "$T/mashd.conf" 2> "$T/err"
expect_match "syntax error: file and line" "$(cat "$T/err")" 'mashd.conf:[0-9]+: syntax error'
expect "nothing listened" "$(test -S "$T/mashd.sock" && echo yes || echo no)" no

# A second mashd on the same control socket refuses to start.
write_conf
start_redis
start_mashd
"$MASHD" -f -c "$T/mashd.conf" 2> "$T/err2"
expect "second mashd refuses" "$?" 1
expect_match "it says another answers" "$(cat "$T/err2")" 'another mashd answers'
expect "the first still answers" "$(ctl status --json | jq -r .redis)" up
expect "a durable redis draws no warning" \
	"$(grep -c 'acknowledged referrals may be lost' "$T/mashd.log")" 0

# A Redis that could lose or evict acknowledged referrals is named (and
# one not durable refuses referrals: t_redis_durable).
stop_mashd
stop_redis
REDIS_EXTRA="--appendfsync everysec --maxmemory-policy allkeys-lru"
start_redis
start_mashd --unready
wait_for 5 grep -q 'maxmemory-policy is "allkeys-lru"' "$T/mashd.log"
expect "warns of maxmemory-policy" "$?" 0
expect_match "warns of appendfsync" "$(cat "$T/mashd.log")" \
	'redis is not durable: appendfsync is "everysec", not "always"'
# A recipient no mail transport will take (an address literal, a
# comment): refused here, not each mail as a dead letter later.
for a in 'duty@[10.0.0.5]' 'duty(desk)@hub.example'; do
	write_conf "recipients = { navigators = [ \"$a\" ]; };"
	"$MASHD" -n -c "$T/mashd.conf" > /dev/null 2> "$T/err"
	expect "recipient $a: exit 1" "$?" 1
	expect_match "naming the key" "$(cat "$T/err")" \
		'recipients.navigators.*must be a plain mail address'
done
finish
