#!/bin/sh
# run.sh: run every integration test (tests/integration/t_*.sh), each with
# its own redis-server and mashd, and sum up.
dir=$(cd "$(dirname "$0")" && pwd)
tp=0
tf=0
ts=0
for t in "$dir"/t_*.sh; do
	out=$(sh "$t" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	line=$(printf '%s\n' "$out" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1 \2 \3/p' | tail -1)
	set -- $line
	p=${1:-0}
	f=${2:-0}
	s=${3:-0}
	[ -n "$line" ] || { p=0; f=1; echo "FAIL $(basename "$t"): did not finish"; }
	[ "$rc" -eq 0 ] || [ "$f" -gt 0 ] || { f=1; echo "FAIL $(basename "$t"): exit $rc"; }
	tp=$((tp + p))
	tf=$((tf + f))
	ts=$((ts + s))
done
echo "integration: $tp passed, $tf failed, $ts skipped"
[ "$tf" -eq 0 ]
