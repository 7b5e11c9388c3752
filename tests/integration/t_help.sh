#!/bin/sh
# A newcomer's way in (issue 11, item 11): `mashd -h`, and `mashctl -h`,
# `--help`, `help` and `help COMMAND` (or `COMMAND --help`), print their
# usage on standard output and exit 0; a mistake still gets the usage on
# standard error and 2. The README stands alone: no link leads outside
# the repository.
. "$(dirname "$0")/lib.sh"

# run CMD...: "rc=N", then standard output; standard error in $T/err.
run() { "$@" > "$T/out" 2> "$T/err"; echo "rc=$?"; cat "$T/out"; }

out=$(run "$MASHD" -h)
expect_match "mashd -h: usage, exit 0" "$out" "^rc=0
usage: mashd \\[-fhnv\\] \\[-c config\\]"
for o in "-c config" "-f " "-n " "-v " "-h "; do
	expect_match "mashd -h says what $o does" "$out" "  $o"
done
expect "nothing on standard error" "$(cat "$T/err")" ""
expect "a wrong option: 2" "$(run "$MASHD" -x | head -1)" rc=2
expect_match "with the usage on standard error" "$(cat "$T/err")" "usage: mashd"

out=$(run "$MASHCTL" -h)
expect_match "mashctl -h: usage, exit 0" "$out" "^rc=0
usage: mashctl"
for c in status queue show decide screen reopen referral deadlines help; do
	expect_match "mashctl -h lists $c" "$out" "
  $c "
done
expect "nothing on standard error" "$(cat "$T/err")" ""
expect "mashctl --help: the same" "$(run "$MASHCTL" --help)" "$out"
expect "mashctl help: the same" "$(run "$MASHCTL" help)" "$out"
out=$(run "$MASHCTL" help decide)
expect_match "help decide: its usage" "$out" "^rc=0
usage: mashctl decide ID OUTCOME --reason T \\[--actions T\\]"
expect_match "and what it does" "$out" "Record the decision; stops its timers."
expect "help by a unique prefix" "$(run "$MASHCTL" help deci)" "$out"
expect "decide --help: the same" "$(run "$MASHCTL" decide --help)" "$out"
expect "help of an unknown command: 2" "$(run "$MASHCTL" help nosuch | head -1)" rc=2
expect_match "saying so" "$(cat "$T/err")" 'unknown command "nosuch"'
expect "no command: usage and 2, as before" "$(run "$MASHCTL" | head -1)" rc=2
expect_match "on standard error" "$(cat "$T/err")" "^usage: mashctl"

# The README: every link is to a file of the repository, none leaves it.
links=$(grep -o '\]([^)]*)' "$TOP/README.md" | sed 's/^](//; s/)$//')
bad=
for l in $links; do
	case $l in
	http://127.0.0.1* | http://localhost*) ;;
	*://* | /* | ../*) bad="$bad $l" ;;
	*) [ -e "$TOP/${l%%#*}" ] || bad="$bad $l" ;;
	esac
done
expect "README links only to files of the repository" "$bad" ""
expect "README names no path outside it" \
	"$(grep -Ec '\.\./|SPEC\.md|STYLE\.md|ARCHITECTURE\.md|/work/' "$TOP/README.md")" 0
expect "README's URLs are the local mashd's only" \
	"$(grep -Eo 'https?://[^ )`]*' "$TOP/README.md" | grep -Evc '^http://(127\.0\.0\.1|localhost)')" 0
for f in $(grep -Eo '`(docs|man|conf|tests|tools|systemd)/[^` ]*`' "$TOP/README.md" | tr -d '`' | sort -u); do
	[ -e "$TOP/$f" ] || [ -e "$TOP/${f%/}" ] || bad="$bad $f"
done
expect "every repository path README names is there" "$bad" ""
expect "the man pages name no developer document" \
	"$(cat "$TOP"/man/* | grep -Ec 'SPEC\.md|STYLE\.md|\.\./shared')" 0
finish
