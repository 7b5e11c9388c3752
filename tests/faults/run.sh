#!/bin/sh
# run.sh: run every fault scenario (tests/faults/f_*.sh), each with its own
# redis-server and mashd, sum up as the integration suite does, and gather
# the figures FAULTS.md reports. FAULT_CYCLES: faults per scenario.
dir=$(cd "$(dirname "$0")" && pwd)
tp=0
tf=0
ts=0
figures=
start=$(date +%s)
for t in "$dir"/f_*.sh; do
	out=$(sh "$t" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	figures="$figures$(printf '%s\n' "$out" | grep '^figures ')
"
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
echo
echo "faults: the figures of this run (FAULT_CYCLES=${FAULT_CYCLES:-5}," \
	"$(($(date +%s) - start)) s, $(date -u +%Y-%m-%d)," \
	"$(git -C "$dir" rev-parse --short HEAD 2>/dev/null || echo 'no commit'))"
printf '%s' "$figures" | grep .
echo "faults: $tp passed, $tf failed, $ts skipped"
[ "$tf" -eq 0 ]
