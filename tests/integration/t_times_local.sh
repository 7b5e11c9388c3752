#!/bin/sh
# Every time mashctl shows a person is the hub's local time with its
# zone (BST in summer, GMT in winter): history and deadlines here, with
# queue, show and callbacks in their own tests. --json keeps UTC ISO 8601.
. "$(dirname "$0")/lib.sh"
write_conf
at "2026-07-15 10:00:00" # a Wednesday in summer
start_redis
start_mashd

expect "a referral in summer" "$(post "$FIX/red.json")" 201
id=$(jbody .id)
expect_match "history: its submission at 11:00 BST" \
	"$(ctl history "$id" | sed -n 2p)" '^Wed 15 Jul 2026 11:00 BST +'
expect_match "history --json keeps UTC" \
	"$(ctl history "$id" --json | jq -r '.[0].at')" '^2026-07-15T10:00:[0-9]{2}Z$'
dl() { "$MASHCTL" -c "$T/mashd.conf" deadlines --brag red --received "$@"; }
expect_match "deadlines: received in BST" \
	"$(dl 2026-07-15T10:00:00Z | head -1)" '^received +Wed 15 Jul 2026 11:00 BST '
expect_match "each due time in BST" \
	"$(dl 2026-07-15T10:00:00Z | grep '^decision ')" '^decision +Thu 16 Jul 2026 11:00 BST$'
expect_match "in winter, GMT" \
	"$(dl 2026-12-02T10:00:00Z | head -1)" '^received +Wed 02 Dec 2026 10:00 GMT '
expect "deadlines --json keeps UTC" \
	"$(dl 2026-12-02T10:00:00Z --json | jq -r .decision_due)" 2026-12-03T10:00:00Z
finish
