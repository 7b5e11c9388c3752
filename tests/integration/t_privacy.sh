#!/bin/sh
# No child's or family's personal data reaches the logs, not even when a
# navigator reads the record or a submission is refused.
. "$(dirname "$0")/lib.sh"
start_redis
start_mashd
for f in "$FIX"/*.json; do post "$f" > /dev/null; done
for id in $(ctl queue --json | jq -r '.[].id'); do ctl show "$id" > /dev/null; done
expect "every valid fixture stored" "$(ctl queue --json | jq length)" \
	"$(cd "$FIX" && ls ./*.json | grep -vc '^\./invalid')"
grep -c . "$FIX/NAMES" > /dev/null
expect "the fixtures have names to look for" "$(test -s "$FIX/NAMES" && echo yes)" yes
# The log did record the events, so its silence about names means something.
expect_match "the log carries references and ratings" "$(cat "$T/mashd.log")" \
	'referral MASH-[0-9]{4}-[0-9]{6} received channel=web client=web-form brag=red'
if rcli xrange '{mash}:events' - + | grep -F -i -f "$FIX/NAMES" > "$T/leak"; then
	not_ok "no personal data in the audit stream" "$(head -3 "$T/leak")"
else
	ok "no personal data in the audit stream"
fi
finish
