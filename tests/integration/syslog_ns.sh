# syslog_ns.sh: for the tests of mashd's lines through a real syslog-ng
# (Debian's syslog-ng-core) on a private socket: sourced after lib.sh.
# mashd runs in a mount namespace of its own whose /dev is the test's
# ($D), with the devices it may need bound in, so that its /dev/log is
# whatever the test puts at $D/log, never the system's.
#
# syslog_ns_or_skip: skips the test, and exits, when syslog-ng is not
# installed or no mount namespace can be made; else sets SNG, D and
# SYSLOG_WRAP (a MASHD_WRAP prefix: mashd with $D as its /dev).
syslog_ns_or_skip() {
	SNG=$(command -v syslog-ng || echo /usr/sbin/syslog-ng)
	if [ ! -x "$SNG" ]; then
		skip "syslog-ng is not installed (Debian package syslog-ng-core)"
		finish
		exit
	fi
	if ! unshare -m true 2>/dev/null; then
		skip "cannot make a mount namespace (unshare -m): not root, or confined"
		finish
		exit
	fi
	D=$T/dev
	mkdir -p "$D"
	for n in null zero full random urandom tty; do : > "$D/$n"; done
	cat > "$T/nsdev.sh" <<EOF
set -e
for n in null zero full random urandom tty; do
	mount --bind /dev/\$n "$D/\$n"
done
mount --bind "$D" /dev
exec "\$@"
EOF
	SYSLOG_WRAP="unshare -m sh $T/nsdev.sh"
}

# start_syslog_ng CONF: syslog-ng in the foreground of a background job
# (SNG_PID), with its state files in $T; waits for its socket $D/log.
start_syslog_ng() {
	"$SNG" -F -f "$1" -R "$T/sng.persist" -p "$T/sng.pid" \
		-c "$T/sng.ctl" --no-caps > "$T/syslog-ng.out" 2>&1 &
	SNG_PID=$!
	wait_for 10 test -S "$D/log" || { echo "syslog-ng did not start"; exit 1; }
}
