#!/bin/sh
# t_service: mashd as a Debian-packaged service. `make install` with
# PREFIX and DESTDIR makes the expected tree, never overwrites an edited
# mashd.conf, and `make uninstall` takes back what it put; the installed
# unit passes `systemd-analyze verify` and rates "OK" (2.0 or lower) in
# `systemd-analyze security`; the sysusers and tmpfiles fragments make the
# user and the modes in a private root; the man pages are lint-clean; bash
# completes mashctl's commands, options, values and references.
. "$(dirname "$0")/lib.sh"

R=$T/root
# A build of its own: a PREFIX other than the suite's must not rebuild
# the binaries the other tests run. It is the plain build the README's
# `make install` makes: run from `make integration BUILD=build-asan
# SAN=1` (make check's ASan pass), the make above passes SAN=1 down, in
# MAKEFLAGS and, being given on its command line, in the environment, and
# this build was compiled with the sanitizers, twice as slow, for nothing
# it checks: both are cleared, and SAN= given empty.
mk() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u SAN \
		make -s --no-print-directory -C "$TOP" BUILD="$T/build" SAN= "$@" \
		> "$T/make.out" 2>&1
}
# The files under a root, without the root.
tree() {
	(cd "$1" && find . \( -type f -o -type l \) | sed 's|^\./|/|' | sort)
}
mode() {
	stat -c %a "$1"
}

# make install PREFIX=/usr: the Debian layout.
if mk install PREFIX=/usr DESTDIR="$R"; then
	ok "make install PREFIX=/usr DESTDIR=... succeeds"
else
	not_ok "make install PREFIX=/usr DESTDIR=... succeeds" \
		"$(tail -5 "$T/make.out")"
fi
cat > "$T/want" <<'EOF'
/etc/logrotate.d/mashd
/etc/mashd/mashd.conf
/etc/syslog-ng/conf.d/mashd.conf
/usr/bin/mashctl
/usr/lib/systemd/system/mashd.service
/usr/lib/sysusers.d/mashd.conf
/usr/lib/tmpfiles.d/mashd.conf
/usr/sbin/mashd
/usr/share/bash-completion/completions/mashctl
/usr/share/man/man1/mashctl.1
/usr/share/man/man5/mashd.conf.5
/usr/share/man/man8/mashd.8
/usr/share/mashd/bank-holidays.json
/usr/share/mashd/ha/redis.conf
/usr/share/mashd/ha/sentinel.conf
/usr/share/mashd/redis.conf
EOF
expect "the installed tree" "$(tree "$R")" "$(cat "$T/want")"
expect "modes: mashd, mashctl, /etc/mashd, mashd.conf, the unit" \
	"$(mode "$R/usr/sbin/mashd") $(mode "$R/usr/bin/mashctl") \
$(mode "$R/etc/mashd") $(mode "$R/etc/mashd/mashd.conf") \
$(mode "$R/usr/lib/systemd/system/mashd.service")" "755 755 750 640 644"
expect "no sample token is installed" \
	"$(grep -c 'token = "sample-' "$R/etc/mashd/mashd.conf")" 0
expect "two fresh random tokens of 48 hex digits" \
	"$(grep -Eo 'token = "[0-9a-f]{48}"' "$R/etc/mashd/mashd.conf" |
		sort -u | wc -l)" 2
expect "a fresh random repeat.secret of 64 hex digits: repeat detection on" \
	"$(grep -Ec '^  secret = "[0-9a-f]{64}";' "$R/etc/mashd/mashd.conf")" 1
expect "the unit runs the installed mashd" \
	"$(grep '^ExecStart=' "$R/usr/lib/systemd/system/mashd.service")" \
	"ExecStart=/usr/sbin/mashd -c /etc/mashd/mashd.conf"
expect "the compiled-in bank holidays follow PREFIX" \
	"$(grep -ac /usr/share/mashd/bank-holidays.json "$R/usr/sbin/mashd")" 1
expect "the installed mashctl uses the same" \
	"$(grep -ac /usr/share/mashd/bank-holidays.json "$R/usr/bin/mashctl")" 1
# Check the installed config as the installed mashd would read it.
sed "s|\"/usr/share/mashd/|\"$R/usr/share/mashd/|" "$R/etc/mashd/mashd.conf" \
	> "$T/installed.conf"
chmod 640 "$T/installed.conf" # as install leaves it
expect_match "the installed mashd.conf is valid" \
	"$("$R/usr/sbin/mashd" -n -c "$T/installed.conf" 2>&1)" \
	'configuration OK$'

# A second install leaves the hub's edited configuration alone.
echo '# edited by the hub' >> "$R/etc/mashd/mashd.conf"
sum=$(md5sum < "$R/etc/mashd/mashd.conf")
echo '# local rule' >> "$R/etc/syslog-ng/conf.d/mashd.conf"
mk install PREFIX=/usr DESTDIR="$R"
expect "a second install keeps the edited mashd.conf" \
	"$(md5sum < "$R/etc/mashd/mashd.conf")" "$sum"
expect "and the edited syslog-ng snippet" \
	"$(tail -1 "$R/etc/syslog-ng/conf.d/mashd.conf")" "# local rule"
expect_match "and says so" "$(cat "$T/make.out")" \
	"mashd.conf is there: left as it is"

# The default PREFIX is /usr/local; the configuration stays in /etc.
mk install DESTDIR="$T/root2"
expect "PREFIX=/usr/local: binaries, unit, data, man, and /etc/mashd" \
	"$(tree "$T/root2" | grep -E 'sbin/mashd$|bin/mashctl$|system/mashd.service$|bank-holidays|man8|mashd/mashd.conf$' | tr '\n' ' ')" \
	"/etc/mashd/mashd.conf /usr/local/bin/mashctl /usr/local/lib/systemd/system/mashd.service /usr/local/sbin/mashd /usr/local/share/man/man8/mashd.8 /usr/local/share/mashd/bank-holidays.json "
expect "whose unit runs /usr/local/sbin/mashd" \
	"$(grep '^ExecStart=' "$T/root2/usr/local/lib/systemd/system/mashd.service")" \
	"ExecStart=/usr/local/sbin/mashd -c /etc/mashd/mashd.conf"
expect "and whose mashd looks in /usr/local/share/mashd" \
	"$(grep -ac /usr/local/share/mashd/bank-holidays.json "$T/root2/usr/local/sbin/mashd")" 1

# systemd-analyze on the installed unit, its mashd and its man pages.
if ! command -v systemd-analyze > /dev/null; then
	skip "systemd-analyze is not installed (Debian package systemd)"
else
	U=$T/verify/mashd.service
	mkdir -p "$T/verify"
	sed "s|=/usr/sbin/mashd|=$R/usr/sbin/mashd|g" \
		"$R/usr/lib/systemd/system/mashd.service" > "$U"
	if MANPATH=$R/usr/share/man systemd-analyze verify "$U" \
		> "$T/verify.out" 2>&1 && [ ! -s "$T/verify.out" ]; then
		ok "systemd-analyze verify: clean"
	else
		not_ok "systemd-analyze verify: clean" "$(cat "$T/verify.out")"
	fi
	systemd-analyze security --offline=true "$U" > "$T/security.out" 2>&1
	score=$(sed -n 's/.*Overall exposure level for mashd.service: \([0-9.]*\) .*/\1/p' \
		"$T/security.out")
	if [ -n "$score" ] && awk "BEGIN { exit !($score <= 2.0) }"; then
		ok "systemd-analyze security: $score, 2.0 or lower"
	else
		not_ok "systemd-analyze security: 2.0 or lower" \
			"$(tail -3 "$T/security.out")"
	fi
	expect "the unit is Type=notify, with a watchdog and reload by SIGHUP" \
		"$(grep -E '^(Type|WatchdogSec|ExecReload|User|RuntimeDirectory|Wants)=' "$U" | tr '\n' '|')" \
		"Wants=redis-server.service|Type=notify|ExecReload=$R/usr/sbin/mashd -n -c /etc/mashd/mashd.conf|ExecReload=/bin/kill -HUP \$MAINPID|WatchdogSec=30s|User=mashd|RuntimeDirectory=mashd|"
	# The fragments, applied to a private root as at first boot.
	S=$T/sysroot
	mkdir -p "$S/etc/mashd" "$S/usr/lib/sysusers.d" "$S/usr/lib/tmpfiles.d"
	cp "$R/usr/lib/sysusers.d/mashd.conf" "$S/usr/lib/sysusers.d/"
	cp "$R/usr/lib/tmpfiles.d/mashd.conf" "$S/usr/lib/tmpfiles.d/"
	cp "$R/etc/mashd/mashd.conf" "$S/etc/mashd/"
	systemd-sysusers --root="$S" > "$T/sysusers.out" 2>&1
	expect_match "sysusers makes the mashd user, at home in /var/lib/mashd" \
		"$(grep '^mashd:' "$S/etc/passwd")" \
		'^mashd:x:[0-9]+:[0-9]+:[^:]*:/var/lib/mashd:/usr/sbin/nologin$'
	systemd-tmpfiles --root="$S" --create > "$T/tmpfiles.out" 2>&1
	gid=$(awk -F: '$1 == "mashd" { print $3 }' "$S/etc/group")
	expect "tmpfiles: mashd.conf 0640 root:mashd, /var/lib/mashd 0750" \
		"$(stat -c '%a %u:%g' "$S/etc/mashd/mashd.conf") $(stat -c %a "$S/var/lib/mashd")" \
		"640 0:$gid 750"
fi

# The man pages: lint-clean, and every one installed.
if command -v mandoc > /dev/null; then
	if mandoc -Tlint -Wwarning "$TOP"/man/* > "$T/lint" 2>&1; then
		ok "mandoc -Tlint -Wwarning: clean"
	else
		not_ok "mandoc -Tlint -Wwarning: clean" "$(head -5 "$T/lint")"
	fi
else
	skip "mandoc is not installed: the man pages were not linted"
fi

# make uninstall takes back all but the hub's configuration.
mk uninstall PREFIX=/usr DESTDIR="$R"
expect "make uninstall leaves only /etc" "$(tree "$R")" \
	"/etc/logrotate.d/mashd
/etc/mashd/mashd.conf
/etc/syslog-ng/conf.d/mashd.conf"

# Bash completion, against a running mashd for the references.
BC=/usr/share/bash-completion/bash_completion
if ! command -v bash > /dev/null || [ ! -f "$BC" ]; then
	skip "bash-completion is not installed: completion not tried"
else
	start_redis
	start_mashd
	post "$FIX/red.json" > /dev/null
	post "$FIX/amber.json" > /dev/null
	# complete WORDS...: what bash offers for the last word.
	complete_words() {
		bash -c '
			. "$1"; . "$2"; shift 2
			COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
			COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
			_mashctl
			[ ${#COMPREPLY[@]} -eq 0 ] ||
				printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "
		' sh "$BC" "$TOP/tools/mashctl.bash-completion" "$@"
	}
	expect "commands" "$(complete_words "$MASHCTL" s)" "screen show status "
	expect "help completes a command" \
		"$(complete_words "$MASHCTL" help s)" "screen show status "
	expect "a command's options" \
		"$(complete_words "$MASHCTL" queue --)" \
		"--after --all --brag --json --limit --mine --overdue --unclaimed --watch "
	expect "ratings" "$(complete_words "$MASHCTL" queue --brag a)" "amber "
	expect "outcomes" "$(complete_words "$MASHCTL" decide MASH-2026-000001 "")" \
		"early_help nfa open_case s17 s47 universal "
	expect_match "references, from the queue" \
		"$(complete_words "$MASHCTL" -s "$T/mashd.sock" show MASH-)" \
		'^MASH-[0-9]{4}-000001 MASH-[0-9]{4}-000002 $'
	expect "a new rating" \
		"$(complete_words "$MASHCTL" rate MASH-2026-000001 "")" \
		"amber blue green red "
	expect "a sub-command" "$(complete_words "$MASHCTL" alerts "")" "retry "
	expect "referral new" "$(complete_words "$MASHCTL" referral "")" "new "
	expect "no word for free text" \
		"$(complete_words "$MASHCTL" note MASH-2026-000001 "")" ""
	expect_match "references for any command that takes one" \
		"$(complete_words "$MASHCTL" -s "$T/mashd.sock" history "")" \
		'^MASH-[0-9]{4}-000001 MASH-[0-9]{4}-000002 $'
	expect "a unique prefix names the command" \
		"$(complete_words "$MASHCTL" -s "$T/mashd.sock" sh --)" "--json "
fi

finish
