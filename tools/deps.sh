#!/bin/sh
# deps.sh: install the Debian 12 packages that building, running and testing
# mashd need, and only those that are missing. Needs root to install.
set -e
# libclang-rt-14-dev: clang's libFuzzer and sanitizer runtimes (make fuzz).
# beanstalkd: the durable queue make bench measures intake against.
pkgs="make gcc clang libclang-rt-14-dev valgrind pkg-config libevent-dev libhiredis-dev libconfig-dev
libjansson-dev libsystemd-dev libssl-dev libcmocka-dev libgmime-3.0-dev redis-server
redis-sentinel
redis-tools beanstalkd curl jq socat faketime time procps util-linux python3 strace iproute2 tzdata
openssl postfix tmux systemd syslog-ng-core mandoc bash-completion
python3-prometheus-client"
missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
		grep -q '^install ok installed$' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing Debian packages:$missing" >&2
	echo "deps: run as root, or: apt-get install$missing" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# Postfix carries mashd's mail alerts; here it delivers locally only.
echo "postfix postfix/main_mailer_type select Local only" | debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing
