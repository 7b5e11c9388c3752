#!/bin/sh
# t_service_syslog: mashd's messages through a real syslog-ng (Debian's
# syslog-ng-core) running conf/syslog-ng/mashd.conf on a private socket and
# config, not the system's. mashd runs in a mount namespace of its own
# whose /dev/log is that socket, so what arrives is exactly what syslog(3)
# sent. The snippet files mashd's messages apart, as RFC 5424 and as JSON
# lines, with the structured data ([mashd@32473 ...]) parsed into fields,
# escapes undone; a message without structured data, or with a damaged
# element, is kept as it came; another program's messages stay out.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/syslog_ns.sh"
syslog_ns_or_skip
L=$T/log
mkdir -p "$L"

# The snippet as shipped, writing under $L instead of /var/log/mashd.
sed "s|/var/log/mashd/|$L/|g" "$TOP/conf/syslog-ng/mashd.conf" \
	> "$T/snippet.conf"
cat > "$T/syslog-ng.conf" <<EOF
@version: 3.38
options { keep-hostname(yes); stats-freq(0); };
# Debian's syslog-ng.conf names its source s_src; the snippet reads it.
source s_src { unix-dgram("$D/log"); };
@include "$T/snippet.conf"
EOF
if "$SNG" --syntax-only -f "$T/syslog-ng.conf" > "$T/syntax" 2>&1; then
	ok "syslog-ng accepts the snippet"
else
	not_ok "syslog-ng accepts the snippet" "$(head -3 "$T/syntax")"
fi
start_syslog_ng "$T/syslog-ng.conf"

# json: the JSON lines syslog-ng wrote; field FILTER of those whose
# message matches, one per line.
json() {
	jq -r "select(.message | test(\"$1\")) | $2" "$L/mashd.json" 2>/dev/null
}
arrived() {
	[ -f "$L/mashd.json" ] && grep -q -- "$1" "$L/mashd.json"
}

start_redis
W=$MASHD_WRAP
MASHD_WRAP="$SYSLOG_WRAP $W"
start_mashd
MASHD_WRAP=$W
post "$FIX/red.json" > /dev/null
RREF=$(jbody .id)
wait_for 10 "arrived '$RREF'" || true
kill -HUP "$MASHD_PID"
wait_for 10 "arrived 'read again'" || true
echo 'http = { port = ; };' >> "$T/mashd.conf"
kill -HUP "$MASHD_PID"
wait_for 10 "arrived 'keeping the running'" || true
stop_mashd TERM
wait_for 10 "arrived '\"stopped\"'" || true

# Not the daily digest's: on a working day after the opening, mashd sends
# it as it starts.
expect "mashd's own events arrive parsed: start, ready, reload, reload_failed, stop, stopped" \
	"$(jq -r 'select(.mashd.ref == null and .mashd.event != "digest") |
		.mashd.event // empty' "$L/mashd.json" | tr '\n' ' ')" \
	"start ready reload reload_failed stop stopped "
expect "the referral's events carry its ref: received, its alerts" \
	"$(jq -r "select(.mashd.ref == \"$RREF\") | .mashd.event" "$L/mashd.json" | sort -u | tr '\n' ' ')" \
	"ack received red "
expect "a real referral's ref, brag and event parsed from mashd's own line" \
	"$(json '^referral MASH-.* received' '.mashd | [.ref, .brag, .event] | join(" ")')" \
	"$RREF red received"
expect "the structured data leaves the message text" \
	"$(json '^starting mashd' .message | sed 's/ with .*//')" \
	"starting mashd 0.1.0"
expect "with program, pid, priority and facility" \
	"$(json '^starting mashd' '[.program, (.pid == "'"$(grep -o 'mashd\[[0-9]*\]' "$T/mashd.log" | head -1 | tr -dc 0-9)"'"), .priority, .facility] | join(" ")')" \
	"mashd true info daemon"
expect "a failed reload is a warning" \
	"$(jq -r 'select(.mashd.event == "reload_failed") | .priority' "$L/mashd.json")" \
	warning
expect_match "a message without structured data is kept whole" \
	"$(json '^http: listening' '[.message, (.mashd | type)] | join(" ")')" \
	'^http: listening on 127\.0\.0\.1 port [0-9]+ null$'
expect_match "the RFC 5424 file: header, SD-ELEMENT, message" \
	"$(grep 'starting mashd' "$L/mashd.log")" \
	'^<30>1 [0-9T:.+-]+ [^ ]+ mashd [0-9]+ - \[mashd@32473 event="start"\]\[meta sequenceId="[0-9]+"\] starting mashd'

# Referral events and the hard cases, sent as glibc's syslog(3) sends:
# "<PRI>Mmm dd hh:mm:ss mashd[PID]: MSG" to /dev/log.
send() { # PROGRAM MSG
	printf '<30>%s %s[4242]: %s' "$(LC_ALL=C date '+%b %e %T')" "$1" "$2" |
		socat -u - "UNIX-SENDTO:$D/log"
}
send mashd '[mashd@32473 ref="MASH-2026-000001" brag="red" event="overdue"] referral MASH-2026-000001 timer decision fired'
send mashd '[mashd@32473 ref="MASH-2026-000002" note="a \"quote\", a \\ and a \] here"] escapes'
send mashd '[mashd@32473 ref="MASH-2026-000003 unterminated] damaged'
send othersvc '[mashd@32473 ref="MASH-2026-000004"] not mashd'
send mashd 'last one'
wait_for 10 "arrived 'last one'"
expect "ref, brag and event parsed into JSON" \
	"$(json 'timer decision fired' '.mashd | [.ref, .brag, .event] | join(" ")')" \
	"MASH-2026-000001 red overdue"
expect "escapes undone" "$(json '^escapes$' .mashd.note)" \
	'a "quote", a \ and a ] here'
expect "a damaged element: the message kept as it came" \
	"$(json 'unterminated. damaged$' '.message')" \
	'[mashd@32473 ref="MASH-2026-000003 unterminated] damaged'
expect "another program's messages are not filed with mashd's" \
	"$(grep -c 'not mashd' "$L/mashd.json" "$L/mashd.log" | tr '\n' ' ')" \
	"$L/mashd.json:0 $L/mashd.log:0 "
expect "every line of the JSON file is JSON" \
	"$(jq -c . "$L/mashd.json" > /dev/null 2>&1 && echo yes)" yes

kill "$SNG_PID" 2>/dev/null
wait "$SNG_PID" 2>/dev/null
finish
