#!/bin/sh
# run.sh: run every fault scenario (tests/faults/f_*.sh), each with its own
# redis-server and mashd, sum up as the integration suite does, and gather
# the figures FAULTS.md reports. FAULT_CYCLES: faults per scenario.
dir=$(cd "$(dirname "$0")" && pwd)
# FAULT_JOBS scenarios at once (default 1; make check's faults-short runs
# as many as there are processors, as the integration suite does: the
# scenarios spend most of their time waiting on their faults). Each has
# its own directory and sockets, and a TCP port picked free at random
# (lib.sh's pick_port: free when looked at, not reserved, so two at once
# may, rarely, pick the same and one fail to bind); its output is printed
# whole when it ends, and the figures are gathered in name order.
jobs=${FAULT_JOBS:-1}
case $jobs in '' | *[!0-9]* | 0) echo "run.sh: FAULT_JOBS: not a count: $jobs" >&2; exit 2 ;; esac
out=$(mktemp -d "${TMPDIR:-/tmp}/mashd-faults.XXXXXX") || exit 1
trap 'rm -rf "$out"' EXIT
trap 'exit 130' INT TERM
tp=0
tf=0
ts=0
figures=
start=$(date +%s)
for t in "$dir"/f_*.sh; do echo "$t"; done | xargs -P "$jobs" -I{} sh -c '
	out=$1 t=$2 n=$(basename "$2" .sh) s=$(date +%s)
	sh "$t" > "$out/$n.out" 2>&1
	echo $? > "$out/$n.rc"
	echo "($n: $(($(date +%s) - s)) s)" >> "$out/$n.out"
	flock "$out/lock" cat "$out/$n.out"' sh "$out" {}
for t in "$dir"/f_*.sh; do
	n=$(basename "$t" .sh)
	rc=$(cat "$out/$n.rc" 2>/dev/null || echo 1)
	figures="$figures$(grep '^figures ' "$out/$n.out" 2>/dev/null)
"
	line=$(sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1 \2 \3/p' "$out/$n.out" 2>/dev/null | tail -1)
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
