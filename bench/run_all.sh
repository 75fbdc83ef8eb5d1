#!/bin/sh
# run_all.sh - every vrrp-ha benchmark, then one summary table.
# Not a test: exits 0 even if a goal is missed (the table says so); non-zero
# only if a benchmark could not run. Takes about a minute (45 s measured)
# without the issue-7 sync benchmarks; sync_auth.sh (1M, three auth modes)
# and convergence.sh (churn under 5 % loss, 3 runs each) add 10-15 minutes:
# BENCH_SYNC=0 leaves them out.
#   BUILD_DIR=... sh bench/run_all.sh            (as root)
# Environment: see common.sh (BUILD_DIR, BENCH_ADVERT_INT, BENCH_MIPV6_EXTRA,
# BENCH_SIZES, BENCH_RATE, BENCH_SECONDS, KEEP_WORK, BENCH_WORK).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
: "${BUILD_DIR:=$top/build}"
export BUILD_DIR
out=$(mktemp -d /tmp/vrrp-ha-bench-all.XXXXXX)
start=$(date +%s)
rc=0

echo "==== vrrp-ha benchmarks, $(date -u +%Y-%m-%dT%H:%M:%SZ) ===="
echo "machine: nproc $(nproc), kernel $(uname -r), cpu '$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)', load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "commit:  $(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "build:   $BUILD_DIR"
echo

run() { # run NAME CMD...
	name=$1
	shift
	echo "######## $name"
	# each script gets its own scratch dir (lib.sh removes it at exit)
	(
		if [ -n "${BENCH_WORK:-}" ]; then
			BENCH_WORK=$BENCH_WORK/$name
			export BENCH_WORK
		fi
		"$@"
	) 2>&1 | tee "$out/$name.log"
	# tee hides the script's status; a script that ran prints SUMMARY lines
	grep -q '^SUMMARY' "$out/$name.log" || {
		echo "!! $name did not produce results"
		rc=1
	}
	echo
}

# shellcheck disable=SC2317 # called through run()
libbench() {
	echo "library micro-benchmarks, single thread (ns per record; bytes per binding):"
	"$BUILD_DIR/bench/rbc-bench" >"$out/rbc-bench.raw" || return 1
	grep -v '^RESULT' "$out/rbc-bench.raw"
	sed -n 's/^RESULT n=\([0-9]*\) .*rx_path_ns=\([0-9.]*\).*walk_tx_ns=\([0-9.]*\).*/\1 \2 \3/p' \
		"$out/rbc-bench.raw" | while read -r n rx wt; do
		printf 'SUMMARY\tbackup decode+apply, %s table (ns/record)\t%s\t-\tinfo\n' "$n" "$rx"
		printf 'SUMMARY\tmaster walk+encode, %s table (ns/record)\t%s\t-\tinfo\n' "$n" "$wt"
	done
}

run rbc-bench libbench
run bulk_sync sh "$here/bulk_sync.sh"
run incremental_latency sh "$here/incremental_latency.sh"
run rbc_memory sh "$here/rbc_memory.sh"
if [ "${BENCH_SYNC:-1}" != 0 ]; then
	run sync_auth sh "$here/sync_auth.sh"
	run convergence sh "$here/convergence.sh"
fi

echo "==== summary ($(($(date +%s) - start)) s; load average now $(cut -d' ' -f1-3 /proc/loadavg)) ===="
printf '%-66s %14s %10s  %s\n' "figure" "value" "goal" "verdict"
cat "$out"/rbc-bench.log "$out"/bulk_sync.log "$out"/incremental_latency.log \
	"$out"/rbc_memory.log "$out"/sync_auth.log "$out"/convergence.log 2>/dev/null |
	awk -F'\t' '$1 == "SUMMARY" { printf "%-66s %14s %10s  %s\n", $2, $3, $4, $5 }'
missed=$(cat "$out"/*.log 2>/dev/null | awk -F'\t' '$1 == "SUMMARY" && $5 == "MISSED"' | wc -l)
echo
if [ "$missed" -gt 0 ]; then
	echo "$missed figure(s) MISSED their goal (see above)."
else
	echo "every figure with a goal met it."
fi
echo "logs: $out"
exit $rc
