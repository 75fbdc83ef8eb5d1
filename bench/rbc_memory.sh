#!/bin/sh
# rbc_memory.sh - RBC bytes per binding at 100k and 1M (BENCH_SIZES).
#   library: rbc_memory() / rbc_count() of a table filled by rbc_apply
#            (rbc-bench -m), created as the daemon creates it (no size hint);
#   daemon:  the backup's own "rbc_bytes" (vrrp-ha-ctl state) after the
#            bindings were imported on the master and replicated, and the
#            VmRSS growth of the backup's VRRP child process (/proc/PID/status)
#            from empty to N. Goal: <= 200 bytes per binding.
set -eu
TEST_NAME=rbc_memory
PFX=${PFX:-bdrm}
. "$(dirname "$0")/common.sh"

SIZES=${BENCH_SIZES:-100000 1000000}
GOAL=200

say "== rbc_memory: RBC bytes per binding (goal <= $GOAL) =="
machine_info

say ""
say "library (rbc-bench -m):"
# shellcheck disable=SC2086 # a list of sizes
"$BENCH_BIN/rbc-bench" -m $SIZES >"$WORK/lib.out"
while read -r _ n _ mem bpb mx mxat nx nxmax obuild; do
	n=${n#n=} mem=${mem#rbc_memory=} bpb=${bpb#bytes_per_binding=}
	printf '  %8s bindings: rbc_memory %10s B = %6s B/binding; longest single rbc_apply %s us (at entry %s: table growth); ordered walk: %s ns per store_lookup_next, longest %s us\n' \
		"$n" "$mem" "$bpb" "${mx#apply_max_us=}" "${mxat#apply_max_at=}" \
		"${nx#lookup_next_ns=}" "${nxmax#lookup_next_max_us=}"
	summary "longest single rbc_apply, $n (us)" "${mx#apply_max_us=}" "-" "info"
	summary "store_lookup_next, $n (ns)" "${nx#lookup_next_ns=}" "-" "info"
	summary "order tree built over $n (ms, store_set_ordered)" "${obuild#order_build_ms=}" "-" "info"
	summary "RBC bytes/binding, library, $n" "$bpb" "<= $GOAL" "$(verdict le "$bpb" $GOAL)"
done <"$WORK/lib.out"

say ""
say "daemon (backup's RBC filled by replication from the master):"
two_routers
rss0=$(rss_kb b)
done_n=0
for N in $SIZES; do
	# import only what the table lacks: bindings done_n .. N-1
	gen_bindings $((N - done_n)) "$done_n" >"$WORK/part"
	ctl m -t 120 import "$WORK/part" >/dev/null
	"$BENCH_BIN/bc-driver" wait-rbc -s "$WORK/b/ctl.sock" -n "$N" -t 60 >/dev/null ||
		die "backup RBC did not reach $N"
	done_n=$N
	sleep 0.2
	rss1=$(rss_kb b)
	ctl b state >"$WORK/b.state"
	rb=$(kv "$WORK/b.state" rbc_bytes)
	bpb=$(fdiv "$rb" "$N" 1)
	rpb=$(fdiv $(((rss1 - rss0) * 1024)) "$N" 1)
	printf '  %8s bindings: rbc_bytes %10s = %6s B/binding; VmRSS %s -> %s kB = %6s B/binding\n' \
		"$N" "$rb" "$bpb" "$rss0" "$rss1" "$rpb"
	summary "RBC bytes/binding, daemon rbc_bytes, $N" "$bpb" "<= $GOAL" "$(verdict le "$bpb" $GOAL)"
	summary "RBC bytes/binding, daemon VmRSS delta, $N" "$rpb" "<= $GOAL" "$(verdict le "$rpb" $GOAL)"
done
