#!/bin/sh
# Repeat detection on by default (issue 11, item 10): `make run` writes
# its configuration with a random repeat.secret, made once and kept, as
# `make install` does (t_service checks the installed one); mashd warns
# at start when repeat detection is off.
. "$(dirname "$0")/lib.sh"
start_redis

# Off: one warning at start, saying how to turn it on.
write_conf
start_mashd
stop_mashd
expect "mashd warns when repeat detection is off" \
	"$(grep -c 'repeat detection is off: repeat.secret is empty in .*openssl rand -hex 32' "$T/mashd.log")" 1

# make run's configuration (tools/run.sh writes it with run-conf.sh).
mkdir -p "$T/run"
sh "$TOP/tools/run-conf.sh" "$TOP" "$T/run"
secret=$(sed -n 's/^  secret = "\([0-9a-f]*\)";.*/\1/p' "$T/run/mashd.conf")
expect "make run's mashd.conf has a random repeat.secret" "${#secret}" 64
expect "kept in run/repeat.secret, for its owner only" \
	"$(cat "$T/run/repeat.secret") $(stat -c %a "$T/run/repeat.secret")" "$secret 600"
sh "$TOP/tools/run-conf.sh" "$TOP" "$T/run"
expect "a second make run keeps it" \
	"$(sed -n 's/^  secret = "\([0-9a-f]*\)";.*/\1/p' "$T/run/mashd.conf")" "$secret"
expect_match "and the configuration is valid" \
	"$("$MASHD" -n -c "$T/run/mashd.conf" 2>&1)" 'configuration OK$'

# That configuration, on the test's Redis and a free port: no warning.
sed -e "s|\"$T/run/redis.sock\"|\"$T/redis.sock\"|" \
    -e "s|\"$T/run/mashd.sock\"|\"$T/mashd.sock\"|" \
    -e 's|port = 8080;|port = 0;|' "$T/run/mashd.conf" > "$T/mashd.conf"
chmod 600 "$T/mashd.conf"
: > "$T/mashd.log"
start_mashd
expect "a referral is taken" "$(post "$FIX/amber.json" sample-web-form-token-change-me)" 201
stop_mashd
expect "no warning with make run's configuration" \
	"$(grep -c 'repeat detection is off' "$T/mashd.log")" 0
finish
