#!/bin/sh
# bulk_sync.sh - bulk replication of N bindings between two patched keepalived
# (master: address owner, priority 255; backup: priority 100) on a bridge.
#
# For each N (default "100000 1000000", or BENCH_SIZES):
#  1. import   `vrrp-ha-ctl import` of N bindings into the master: lines/s.
#  2. incremental replication: from the start of the import until the
#     backup's RBC holds N (polled on one control connection every 5 ms);
#     the last BC_UPDATE's arrival on the backup's eth0 (bc-sniff) too.
#  3. full sync (BENCH_REPEAT times, default 3; median and worst printed):
#     the backup is killed (-9) and started again; on entering
#     BACKUP it sends a BC_REQUEST and the master answers with its whole table.
#     Timed from the BC_REQUEST on the wire (backup's eth0, kernel timestamp)
#     to (a) the last BC_UPDATE on the wire and (b) the backup's RBC == N.
#     Goal: 1M bindings <= 2 s.
#  4. the master's adverts (seen on the backup's eth0): largest gap during the
#     full sync vs advert_int, and the same with nothing running (baseline).
# Plus the RBC memory of the daemon at N (rbc_bytes, VmRSS delta).
set -eu
TEST_NAME=bulk_sync
PFX=${PFX:-bdbs}
. "$(dirname "$0")/common.sh"

SIZES=${BENCH_SIZES:-100000 1000000}
REPEAT=${BENCH_REPEAT:-3}
BASE_S=${BENCH_BASELINE_S:-3}
MASTER_LL=fe80::1
LINGER=$(awk -v a="$BENCH_ADVERT_INT" 'BEGIN { l = 3 * a; if (l < 0.3) l = 0.3; print l }')
ADV_NS=$(awk -v a="$BENCH_ADVERT_INT" 'BEGIN { printf "%.0f", a * 1e9 }')

say "== bulk_sync: BC_REQUEST -> backup RBC complete =="
machine_info
say "advert_int ${BENCH_ADVERT_INT}s; mipv6_ha extras: '${BENCH_MIPV6_EXTRA:-<defaults>}'"

two_routers

# ---- baseline: advert gaps with nothing to sync ---------------------------
sniff_start b base -a "$MASTER_LL" -d "$BASE_S"
sniff_wait base $((BASE_S + 5))
b_gap=$(kv "$WORK/base.sniff" adv_max_gap_ns)
b_mean=$(kv "$WORK/base.sniff" adv_mean_gap_ns)
b_n=$(kv "$WORK/base.sniff" adv_gaps)
say ""
say "baseline (idle, ${BASE_S}s): $b_n advert gaps, mean $(ns2ms "$b_mean" 2) ms, max $(ns2ms "$b_gap" 2) ms = $(fdiv "$b_gap" "$ADV_NS") x advert_int"
summary "advert max gap idle (x advert_int)" "$(fdiv "$b_gap" "$ADV_NS")" "-" "baseline"

# full_sync_once N RUN: kill -9 the backup, start it again, time its
# BC_REQUEST -> RBC == N. Appends the time (ns) to $times, raises $worst_gap.
full_sync_once() {
	fsn=$1 fsrun=$2
	crash b
	cpu_m0=$(cpu_ms m)
	# -l: a few more adverts after the last BC_UPDATE, so the gap that
	# ends the sync window is seen. BENCH_PKTLOG=1: one line per packet
	# in $WORK/full.N.RUN.pkts
	sniff_start b full -a "$MASTER_LL" -q fe80::2 -n "$fsn" -l "$LINGER" \
		${BENCH_PKTLOG:+-o "$WORK/full.$fsn.$fsrun.pkts"}
	"$BENCH_BIN/bc-driver" wait-rbc -s "$WORK/b/ctl.sock" -n "$fsn" -t 60 -i 5 \
		>"$WORK/full.wait" 2>&1 &
	wpid=$!
	ts=$(now_ns)
	start_ka b
	wait $wpid || true
	cpu_m1=$(cpu_ms m)
	cpu_b1=$(cpu_ms b)
	sniff_wait full 30
	req=$(kv "$WORK/full.sniff" first_req_ns)
	last=$(kv "$WORK/full.sniff" last_upd_ns)
	recs=$(kv "$WORK/full.sniff" upd_recs_after_req)
	pkts=$(kv "$WORK/full.sniff" upd_pkts_after_req)
	reached=$(awk '$1 == "reached_ns" { print $2 }' "$WORK/full.wait")
	gap=$(kv "$WORK/full.sniff" sync_adv_max_gap_ns)
	gap=${gap:-0}
	[ "$gap" -le "$worst_gap" ] || worst_gap=$gap
	ctl b stats >"$WORK/b.stats" 2>&1 || true
	say "full sync #$fsrun: backup restarted; its BC_REQUEST on the wire $(ns2ms $((${req:-0} - ts)) 0) ms after the start ($(kv "$WORK/full.sniff" bc_request) from it, $(kv "$WORK/full.sniff" bc_request_other) from others)"
	if [ "${req:-0}" -gt 0 ] && [ -n "$reached" ]; then
		dt_wire=$((last - req))
		dt_rbc=$((reached - req))
		times="$times $dt_rbc"
		say "    BC_REQUEST -> backup RBC = $fsn (polled every 5 ms): $(ns2s $dt_rbc) s = $(rate "$fsn" $dt_rbc) bindings/s"
		say "    BC_REQUEST -> last BC_UPDATE on the wire:        $(ns2s $dt_wire) s; $recs records in $pkts packets (sniffer drops $(kv "$WORK/full.sniff" kernel_drops); backup rx_update $(kv "$WORK/b.stats" rx_update), rx_records $(kv "$WORK/b.stats" rx_records))"
		say "    pacing on the wire: $(kv "$WORK/full.sniff" upd_bursts) bursts of $(kv "$WORK/full.sniff" upd_burst_mean_pkts) packets (max $(kv "$WORK/full.sniff" upd_burst_max_pkts)), one every $(kv "$WORK/full.sniff" upd_burst_period_us) us"
		say "    CPU (user+sys), backup start -> RBC complete ($(ns2ms $((reached - ts)) 0) ms wall): master VRRP $((cpu_m1 - cpu_m0)) ms, backup VRRP $cpu_b1 ms"
	else
		say "    INCOMPLETE: $(cat "$WORK/full.wait"); request at ${req:-none}"
	fi
	say "    largest master advert gap in the sync window: $(ns2ms "$gap" 1) ms = $(fdiv "$gap" "$ADV_NS") x advert_int ($(kv "$WORK/full.sniff" sync_adv_gaps) gaps)"
}

first=1
for N in $SIZES; do
	[ $first -eq 1 ] || restart_both
	first=0
	say ""
	say "---- N = $N bindings ----"
	f=$(bindings_file "$N")
	rss_b0=$(rss_kb b)
	rss_m0=$(rss_kb m)

	# 1+2: import on the master, incremental replication to the backup
	sniff_start b inc -a "$MASTER_LL" -q fe80::2
	"$BENCH_BIN/bc-driver" wait-rbc -s "$WORK/b/ctl.sock" -n "$N" -t 120 -i 5 \
		>"$WORK/inc.wait" 2>&1 &
	wpid=$!
	t0=$(now_ns)
	ctl m -t 120 import "$f" >"$WORK/import.out" 2>&1 || true
	t1=$(now_ns)
	wait $wpid || true
	sleep "$LINGER" # the advert that ends the window's last gap
	sniff_stop inc
	imp_ok=$(sed -n 's/.*imported=\([0-9]*\).*/\1/p' "$WORK/import.out" | tail -1)
	reached=$(awk '$1 == "reached_ns" { print $2 }' "$WORK/inc.wait")
	last_upd=$(kv "$WORK/inc.sniff" last_upd_ns)
	inc_recs=$(kv "$WORK/inc.sniff" bc_update_recs)
	inc_pkts=$(kv "$WORK/inc.sniff" bc_update_pkts)
	say "import:       ${imp_ok:-?} of $N in $(ns2s $((t1 - t0))) s = $(rate "$N" $((t1 - t0))) lines/s ($(tail -1 "$WORK/import.out"))"
	summary "import ${N} (lines/s)" "$(rate "$N" $((t1 - t0)))" "-" "info"
	if [ -n "$reached" ]; then
		say "incremental:  backup RBC = $N after $(ns2s $((reached - t0))) s from import start = $(rate "$N" $((reached - t0))) bindings/s"
		say "              last BC_UPDATE on the wire after $(ns2s $((last_upd - t0))) s; $inc_recs records in $inc_pkts packets ($(fdiv "$inc_recs" "$inc_pkts" 1) per packet)"
		summary "incremental ${N} (bindings/s)" "$(rate "$N" $((reached - t0)))" "-" "info"
	else
		say "incremental:  backup RBC did NOT reach $N: $(cat "$WORK/inc.wait"); $inc_recs records seen on the wire"
		summary "incremental ${N} (bindings/s)" "incomplete" "-" "MISSED"
	fi
	inc_gap=$(kv "$WORK/inc.sniff" sync_adv_max_gap_ns)
	say "              largest advert gap during the import+replication: $(ns2ms "${inc_gap:-0}" 1) ms = $(fdiv "${inc_gap:-0}" "$ADV_NS") x advert_int"

	# memory at N
	rss_b1=$(rss_kb b)
	rss_m1=$(rss_kb m)
	ctl b state >"$WORK/b.state" 2>&1 || true
	ctl m state >"$WORK/m.state" 2>&1 || true
	rbc_bytes=$(kv "$WORK/b.state" rbc_bytes)
	bc_bytes=$(kv "$WORK/m.state" bc_bytes)
	say "memory:       backup rbc_bytes/binding $(fdiv "${rbc_bytes:-0}" "$N" 1), backup VmRSS +$(fdiv $((rss_b1 - rss_b0)) 1024 1) MiB = $(fdiv $(((rss_b1 - rss_b0) * 1024)) "$N" 1) B/binding; master bc_bytes/binding $(fdiv "${bc_bytes:-0}" "$N" 1), master VmRSS +$(fdiv $((rss_m1 - rss_m0)) 1024 1) MiB"

	summary "advert max gap import+incremental ${N} (x advert_int)" "$(fdiv "${inc_gap:-0}" "$ADV_NS")" "-" "info"

	# 3: full sync after a backup restart, REPEAT times
	times="" worst_gap=0 rep=1
	while [ $rep -le "$REPEAT" ]; do
		full_sync_once "$N" "$rep"
		rep=$((rep + 1))
	done
	if [ -n "$times" ]; then
		# shellcheck disable=SC2046,SC2086 # word splitting wanted
		set -- $(printf '%s\n' $times | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)], v[1], v[NR], NR }')
		med=$1 best=$2 worst=$3 nok=$4
		say "full sync $N: median $(ns2s "$med") s = $(rate "$N" "$med") bindings/s (best $(ns2s "$best") s, worst $(ns2s "$worst") s, $nok of $REPEAT runs complete)"
		summary "full sync ${N} (bindings/s, median)" "$(rate "$N" "$med")" "-" "info"
		if [ "$N" -ge 1000000 ]; then
			v=$(verdict le "$(ns2s "$worst")" 2)
			[ "$nok" -eq "$REPEAT" ] || v=MISSED
			[ "$v" = ok ] || say "GOAL MISSED: 1M full sync took up to $(ns2s "$worst") s ($nok of $REPEAT complete), goal <= 2 s"
			summary "full sync 1M (s, median)" "$(ns2s "$med")" "<= 2" "$(verdict le "$(ns2s "$med")" 2)"
			summary "full sync 1M (s, worst of $REPEAT)" "$(ns2s "$worst")" "<= 2" "$v"
		fi
	else
		say "full sync $N: no run completed"
		summary "full sync ${N} (bindings/s, median)" "incomplete" "-" "MISSED"
	fi
	ratio=$(fdiv "$worst_gap" "$ADV_NS")
	v=$(verdict le "$ratio" 1.5)
	[ "$v" = ok ] || say "MISSED: an advert gap above 1.5 x advert_int during a full sync (3 x advert_int + skew lets the backup take over)"
	summary "advert max gap full sync ${N} (x advert_int)" "$ratio" "<= 1.5" "$v"
	st=$(state_of b)
	takeovers=$(grep -c 'Entering MASTER STATE' "$WORK/b/keepalived.log" || true)
	say "backup state after the syncs: $st; 'Entering MASTER STATE' in the backup's log: $takeovers"
	[ "$takeovers" -eq 0 ] || summary "backup took over during sync ${N}" "$takeovers" "0" "MISSED"
	ctl m stats >"$WORK/m.stats" 2>&1 || true
	say "master counters: tx_update $(kv "$WORK/m.stats" tx_update) tx_records $(kv "$WORK/m.stats" tx_records) tx_retries $(kv "$WORK/m.stats" tx_retries) tx_errors $(kv "$WORK/m.stats" tx_errors) full_syncs $(kv "$WORK/m.stats" full_syncs)"
done
