#!/bin/sh
# mashctl queue --all --json prints only what mashd framed as a page's
# items: each page a head line {"ok":true,"items":N}, N lines of one item
# each (jansson's compact text of an object, its "id" first, made by
# mashd), and a tail line whose "next" says whether a page follows.
# mashctl copies each item as it came, reading none, once its frame is
# right. A line out of frame (an item that is no object's braces or has
# not its "id" first: a head, a tail, an error line; a head whose count
# is no count; a tail that is no JSON or has no "next") stops the stream
# at that line,
# exit 3, "unreadable answer", the array left open so no reader takes it
# for the whole queue; the items before it are printed as sent. A page
# cut short (mashd gone in the middle of it) says the list is cut, exit
# 3, the array left open. A stand-in for mashd's control socket sends
# the lines.
. "$(dirname "$0")/lib.sh"

# serve LINE...: answer one request on $T/fake.sock with these lines;
# "CUT:text" sends text without its newline, then closes.
serve() {
	rm -f "$T/fake.sock"
	/usr/bin/python3 - "$T/fake.sock" "$@" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
s.listen(1)
c, _ = s.accept()
c.makefile("rb").readline()
for line in sys.argv[2:]:
    end = b"\n"
    if line.startswith("CUT:"):
        line, end = line[4:], b""
    try:
        c.sendall(line.encode("utf-8", "surrogateescape") + end)
    except BrokenPipeError:  # mashctl stopped reading: as it should
        break
c.close()
PY
	_n=100
	while [ ! -S "$T/fake.sock" ] && [ $_n -gt 0 ]; do
		sleep 0.05
		_n=$((_n - 1))
	done
}

TAIL='{"now":"2026-11-30T18:00:00Z","zone":"Europe/London","sent":2,"next":'
GOOD='{"id":"MASH-2026-000001","x":["a\u00e9\n",1,-2.5e3,true,null,{}]}'
GOOD2='{"id":"MASH-2026-000002"}'
HEAD2='{"ok":true,"items":2}'

# Two pages, every item in frame: all printed as sent, one array.
serve "$HEAD2" "$GOOD" "$GOOD2" "$TAIL\"2:MASH-2026-000002\"}" \
	'{"ok":true,"items":1}' "$GOOD" "$TAIL null}"
"$MASHCTL" -s "$T/fake.sock" queue --all --json > "$T/out" 2> "$T/err"
expect "in frame: exit 0" "$?" 0
wait
expect "in frame: every item, one array" "$(jq length "$T/out")" 3
expect "in frame: each item as sent" "$(jq -c '.[0]' "$T/out")" \
	"$(printf '%s' "$GOOD" | jq -c .)"
# An empty page (none open): an empty array.
serve '{"ok":true,"items":0}' "$TAIL null}"
"$MASHCTL" -s "$T/fake.sock" queue --all --json > "$T/out" 2> "$T/err"
expect "no item: exit 0" "$?" 0
wait
expect "no item: an empty array" "$(jq -c . "$T/out")" "[]"

# check WHAT [-N] LINE...: the stream stops at the line out of frame,
# after N items (1 unless said).
check() {
	_what=$1 _items=1
	shift
	case $1 in -[0-9]*) _items=${1#-}; shift ;; esac
	serve "$@"
	"$MASHCTL" -s "$T/fake.sock" queue --all --json > "$T/out" 2> "$T/err"
	expect "$_what: exit 3" "$?" 3
	wait
	_want='['
	_i=0
	while [ $_i -lt "$_items" ]; do
		[ $_i -eq 0 ] || _want="$_want,"
		_want="$_want
  $GOOD"
		_i=$((_i + 1))
	done
	expect "$_what: the items before it printed, no other" \
		"$(cat "$T/out")" "$_want"
	expect "$_what: the array left open" \
		"$(jq length "$T/out" > /dev/null 2>&1 && echo closed || echo open)" open
}
n=0
for bad in '["a"]' '"a"' '{"id":"a"' 'id":"a"}' '' '{' '{"ok":false,"error":"x"}' \
	"$TAIL null}" '{"ok":true,"items":1}' '{"x":1,"id":"a"}'; do
	n=$((n + 1))
	check "item $n out of frame" '{"ok":true,"items":3}' "$GOOD" "$bad" \
		"$GOOD2" "$TAIL null}"
	expect_match "item $n out of frame: said" "$(cat "$T/err")" \
		"unreadable answer from mashd"
done
check "a page with fewer items than its head says" '{"ok":true,"items":3}' \
	"$GOOD" "$TAIL null}"
# A tail that says no (as mashd's error lines do): what it says, exit 1
# (4 for an unknown outcome), never the end of the list.
serve '{"ok":true,"items":1}' "$GOOD" \
	'{"ok":false,"error":"mashd stopped","next":null}'
"$MASHCTL" -s "$T/fake.sock" queue --all --json > "$T/out" 2> "$T/err"
expect "a tail that says no: exit 1" "$?" 1
wait
expect "a tail that says no: the array left open" \
	"$(jq length "$T/out" > /dev/null 2>&1 && echo closed || echo open)" open
expect_match "a tail that says no: said" "$(cat "$T/err")" "mashd stopped"
check "a tail with no next" '{"ok":true,"items":1}' "$GOOD" '{"now":"x"}'
check "a tail that is no JSON" '{"ok":true,"items":1}' "$GOOD" '{"next":nul'
check "a second head whose count is no count" -2 "$HEAD2" "$GOOD" "$GOOD" \
	"$TAIL\"2:x\"}" '{"ok":true,"items":-1}' "$GOOD2" "$TAIL null}"
check "the connection closed within a page" '{"ok":true,"items":2}' "$GOOD"
expect_match "the connection closed within a page: said" "$(cat "$T/err")" \
	"the list is cut"
check "an item cut short (no newline)" '{"ok":true,"items":2}' "$GOOD" \
	"CUT:$GOOD2"
expect_match "an item cut short: said" "$(cat "$T/err")" "the list is cut"
finish
