#!/bin/sh
# run.sh [TEST...]: run the integration tests (tests/integration/t_*.sh, or
# the ones named), each with its own redis-server and mashd, and sum up.
#
# MASH_JOBS tests run at once (default: the number of processors). Every
# test has its own temporary directory, Unix sockets and ports, so they do
# not meet. A test's output is printed whole when it ends, never mixed
# with another's; each ends with a line giving its time in seconds.
# MASH_JOBS=1 runs them one after the other, in name order.
dir=$(cd "$(dirname "$0")" && pwd)
jobs=${MASH_JOBS:-$(nproc 2>/dev/null || echo 1)}
case $jobs in '' | *[!0-9]* | 0) echo "run.sh: MASH_JOBS: not a count: $jobs" >&2; exit 2 ;; esac
if [ $# -eq 0 ]; then
	set -- "$dir"/t_*.sh
fi
out=$(mktemp -d "${TMPDIR:-/tmp}/mashd-run.XXXXXX") || exit 1
trap 'rm -rf "$out"' EXIT
trap 'exit 130' INT TERM

# The longest tests start first, so the lanes end close together: each
# test's seconds in tests/integration/durations (as make check measured
# them: the valgrind pass, then the ASan one), longest first. A test not
# listed there (a new one) counts as long: it starts among the first.
order() {
	_col=3
	[ -n "${MASHD_WRAP:-}" ] && _col=2
	for _t in "$@"; do
		_s=$(awk -v n="$(basename "$_t" .sh)" -v c=$_col \
			'$1 == n { print $c; exit }' "$dir/durations")
		echo "${_s:-9999} $_t"
	done | sort -k1,1nr -k2 | cut -d' ' -f2-
}

# Each test's output is kept whole and printed under a lock (flock(1),
# util-linux) when the test ends, so two outputs never interleave.
if [ "$jobs" -eq 1 ]; then
	for t in "$@"; do echo "$t"; done
else
	order "$@"
fi | xargs -P "$jobs" -I{} sh -c '
	out=$1 t=$2 n=$(basename "$2" .sh) s=$(date +%s)
	sh "$t" > "$out/$n.out" 2>&1
	echo $? > "$out/$n.rc"
	echo "($n: $(($(date +%s) - s)) s)" >> "$out/$n.out"
	flock "$out/lock" cat "$out/$n.out"' sh "$out" {}

tp=0
tf=0
ts=0
for t in "$@"; do
	n=$(basename "$t" .sh)
	line=$(sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1 \2 \3/p' \
		"$out/$n.out" 2>/dev/null | tail -1)
	rc=$(cat "$out/$n.rc" 2>/dev/null || echo 1)
	set -- $line
	p=${1:-0}
	f=${2:-0}
	s=${3:-0}
	[ -n "$line" ] || { p=0; f=1; echo "FAIL $n.sh: did not finish"; }
	[ "$rc" -eq 0 ] || [ "$f" -gt 0 ] || { f=1; echo "FAIL $n.sh: exit $rc"; }
	tp=$((tp + p))
	tf=$((tf + f))
	ts=$((ts + s))
done
echo "integration: $tp passed, $tf failed, $ts skipped"
[ "$tf" -eq 0 ]
