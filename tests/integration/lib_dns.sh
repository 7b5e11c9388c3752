# lib_dns.sh: a DNS server that never answers, for the tests of host
# names (t_webhook_dns.sh, t_redis_dns.sh). Sourced after lib.sh.

# silent_dns [HOSTS]: a DNS server on a loopback address of its own (tests
# run side by side) that keeps every query in $T/dns.queries and answers
# none (with DNS_AONLY=1: every A question, with 127.0.0.1, and no other;
# with DNS_NONE=1 resolv.conf names no server at all); MASHD_WRAP then runs mashd in a mount namespace whose
# /etc/resolv.conf names it, and whose /etc/hosts is HOSTS when given.
# The test is skipped when that cannot be made.
silent_dns() {
	if ! unshare -m true 2>/dev/null; then
		skip "cannot make a mount namespace (unshare -m): not root, or confined"
		finish
		exit
	fi
	DNS=127.77.$(od -An -N2 -tu1 /dev/urandom | awk '{ print $1 "." $2 % 254 + 1 }')
	if [ -n "${DNS_AONLY:-}" ]; then
		python3 "$TOP/tests/tools/dns-aonly.py" "$DNS" "$T/dns.queries" \
			2> "$T/socat.err" &
	else
		socat -u "UDP-RECV:53,bind=$DNS" "OPEN:$T/dns.queries,creat,append" \
			2> "$T/socat.err" &
	fi
	_dns_pid=$!
	if ! wait_for 5 "ss -uln | grep -q '$DNS:53 '" ||
		! kill -0 "$_dns_pid" 2>/dev/null; then
		skip "cannot listen on $DNS:53 (UDP) for the silent DNS server"
		finish
		exit
	fi
	if [ -n "${DNS_NONE:-}" ]; then # a resolv.conf that names no server
		printf 'search example.invalid\n' > "$T/resolv.conf"
	else
		printf 'nameserver %s\noptions timeout:20 attempts:1\n' "$DNS" \
			> "$T/resolv.conf"
	fi
	{
		echo 'set -e'
		echo "mount --bind '$T/resolv.conf' /etc/resolv.conf"
		if [ -n "${1:-}" ]; then
			printf '%s\n' "$1" > "$T/hosts"
			echo "mount --bind '$T/hosts' /etc/hosts"
		fi
		echo 'exec "$@"'
	} > "$T/nsdns.sh"
	MASHD_WRAP="unshare -m sh $T/nsdns.sh ${MASHD_WRAP:-}"
}

# asked PATTERN: the silent server was asked for a name PATTERN matches
# (its queries are binary, a name's labels apart, their letters in any
# case).
asked() {
	LC_ALL=C grep -aiq -- "$1" "$T/dns.queries"
}
