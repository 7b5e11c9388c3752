#!/bin/sh
# An error's sentence is cut to its buffer (512 bytes): cut in the middle
# of a character, it was no UTF-8, so jansson could not make the answer
# and mashd answered "out of memory" instead of what was wrong. Each
# byte of no whole character is now '?' (ctl_mend). A Redis error's
# bytes are mended alike (fuzz_answer's corpus: answer-not-utf8-*).
. "$(dirname "$0")/lib.sh"
start_redis
start_mashd

# "a" then 300 e-acutes: the refusal '"a\303\251...' is cut after 254 of
# them and one byte of the next.
id=a$(i=0; while [ $i -lt 300 ]; do printf '\303\251'; i=$((i + 1)); done)
printf '{"v":1,"cmd":"show","id":"%s"}\n' "$id" |
	socat -t 5 - "UNIX-CONNECT:$T/mashd.sock" > "$T/out"
expect "one answer" "$(wc -l < "$T/out")" 1
expect "a refusal" "$(jq -c .ok "$T/out")" false
expect_match "it says what was wrong" "$(jq -r .error "$T/out")" \
	'^"a(é)+\?'
finish
