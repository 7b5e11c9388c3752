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
finish
