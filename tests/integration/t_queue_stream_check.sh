#!/bin/sh
# mashctl queue --all --json prints no item it has not checked: a page
# from mashd whose item is not JSON as jansson reads it (a control
# character in a string, a byte that is not UTF-8, a lone surrogate, a
# cut object) stops the stream at that item, exit 3, the array left open
# so no reader takes it for the whole queue; the items before it are
# printed as sent. A stand-in for mashd's control socket sends the pages.
. "$(dirname "$0")/lib.sh"

# serve PAGE...: answer one request on $T/fake.sock with these lines.
serve() {
	rm -f "$T/fake.sock"
	/usr/bin/python3 - "$T/fake.sock" "$@" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
s.listen(1)
c, _ = s.accept()
c.makefile("rb").readline()
for page in sys.argv[2:]:
    c.sendall(page.encode("utf-8", "surrogateescape") + b"\n")
c.close()
PY
	_n=100
	while [ ! -S "$T/fake.sock" ] && [ $_n -gt 0 ]; do
		sleep 0.05
		_n=$((_n - 1))
	done
}

TAIL=',"now":"2026-11-30T18:00:00Z","zone":"Europe/London","sent":2,"next":'
GOOD='{"id":"MASH-2026-000001","x":["a\u00e9\n",1,-2.5e3,true,null,{}]}'

# Two pages, every item well formed: all printed, one array.
serve "{\"ok\":true,\"items\":[$GOOD,$GOOD]$TAIL\"2:MASH-2026-000001\"}" \
	"{\"ok\":true,\"items\":[$GOOD]$TAIL null}"
"$MASHCTL" -s "$T/fake.sock" queue --all --json > "$T/out" 2> "$T/err"
expect "well formed: exit 0" "$?" 0
wait
expect "well formed: every item, one array" "$(jq length "$T/out")" 3

n=0
for bad in '{"id":"a	b"}' "{\"id\":\"caf$(printf '\351')\"}" \
	'{"id":"\ud800"}' '{"id":"\u0000"}' '{"id":"a"' '{"id":01}' \
	'{"id":"a",}' '["a"]'; do
	n=$((n + 1))
	serve "{\"ok\":true,\"items\":[$GOOD,$bad,$GOOD]$TAIL null}"
	"$MASHCTL" -s "$T/fake.sock" queue --all --json > "$T/out" 2> "$T/err"
	expect "broken item $n: exit 3" "$?" 3
	wait
	expect "broken item $n: the item before it printed, no other" \
		"$(grep -c MASH-2026-000001 "$T/out")" 1
	expect "broken item $n: the array left open" \
		"$(jq length "$T/out" > /dev/null 2>&1 && echo closed || echo open)" open
	expect_match "broken item $n: said" "$(cat "$T/err")" "unreadable answer from mashd"
done
finish
