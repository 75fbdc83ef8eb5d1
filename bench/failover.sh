#!/bin/sh
# failover.sh - partial recovery (draft-deng 5.2.1): how long a mobile node's
# traffic stops when the master crashes, against a plain VIP, at 1, 10k and
# 100k bindings, in one run.
#
# Topology (tests/integration/lib.sh pr_topology): CN -- rt -- home link (ha1
# owner 255, ha2 100) and rt -- foreign link -- MN router (CoA) -- MN host
# (HoA). Both HAs: `dataplane seg6`, advert_int BENCH_ADVERT_INT (0.1). ha1's
# own forwarding for the MN is set up by hand (stands in for mip6d).
# For each size N (BENCH_FAILOVER_SIZES, default "1 10000 100000"; the real MN
# plus N-1 synthetic bindings), BENCH_FAILOVER_REPEAT times (default 3):
# ping every 10 ms CN -> HoA (through the tunnels) and CN -> VHA (the VIP
# itself), crash ha1 (kill -9 of both processes + link down), wait until ha2
# is MASTER and traffic flows again; the longest time between two replies of
# each ping is its gap. Prints per run and the medians, and the ratio
# MN gap / VIP gap. Goals: <= 1.1 at 10k, <= 1.25 at 100k.
# Each run also leaves a timeline picture (scripts/timeline.sh, needs gnuplot)
# in BENCH_TIMELINE_DIR (default: the scratch directory, kept then): adverts
# and BC packets of both HAs, ha2's events, the tunnelled packets, the pings.
#
# Exits 77 while keepalived does not know the `dataplane` keyword.
# BENCH_HANDMADE=1: ha2 without `dataplane`; routes staged with ip -batch and
# rules added by notify scripts (what the product does, by hand): a reference
# figure for the product's, or a rehearsal before it lands.
set -eu
TEST_NAME=failover
PFX=${PFX:-bdfo}
: "${BENCH_HANDMADE:=}"
[ -n "$BENCH_HANDMADE" ] && GLOBAL_DEFS_EXTRA="script_user root
    enable_script_security"
. "$(dirname "$0")/common.sh"

SIZES=${BENCH_FAILOVER_SIZES:-1 10000 100000}
: "${TOOLS:=$BUILD_DIR/tests/tools}"
TL_OUT=${BENCH_TIMELINE_DIR:-$WORK}
TL_ON=""
if command -v gnuplot >/dev/null 2>&1 && [ -x "$TOOLS/pcap-lite" ]; then
	TL_ON=1
	mkdir -p "$TL_OUT"
	[ -n "${BENCH_TIMELINE_DIR:-}" ] || KEEP_WORK=1
fi
# tl_start DIR: what ha1 and ha2 send, seen on their bridge ports (bc-sniff:
# VRRP packets with their type; pcap-lite: the tunnels), ha2's events
tl_start() {
	mkdir -p "$1"
	for n in ha1 ha2; do
		rm -f "$WORK/$n.vr"
		ip netns exec "${PFX}br" "$BENCH_BIN/bc-sniff" -i "$PFX$n" -o "$1/$n.vrrp" -r "$WORK/$n.vr" \
			>/dev/null 2>&1 &
		eval "TLV_$n=\$!"
		bg_started $!
		wait_for 5 "capture on $n's port" test -e "$WORK/$n.vr"
		pr_cap_start br "$PFX$n" "tl$n" -p 41 -I in
	done
	clock_pair >"$1/clock"
	watch_bg ha2 tlw "$1/ha2.events" --json
	watch_bg_ready ha2 tlw
}
# tl_stop DIR TITLE: stop them, plot DIR into TL_OUT/DIR's name.svg
tl_stop() {
	for n in ha1 ha2; do
		eval "kill -TERM \$TLV_$n 2>/dev/null; wait \$TLV_$n 2>/dev/null" || true
		pr_cap_stop "tl$n"
		cp "$WORK/tl$n.cap" "$1/$n.tun"
	done
	watch_bg_stop tlw
	cp "$WORK/mn.ping" "$1/MN.ping"
	cp "$WORK/vip.ping" "$1/VIP.ping"
	TIMELINE_FROM=-0.5 TIMELINE_TO=2 TIMELINE_TITLE="$2" \
		sh "$BENCH_TOP/scripts/timeline.sh" "$1" "$TL_OUT/$(basename "$1")" 2>&1 | sed 's/^/  timeline: /' || true
}
REPEAT=${BENCH_FAILOVER_REPEAT:-3}

say "== failover: mobile node traffic gap vs VIP gap after a master crash =="
machine_info
say "advert_int ${BENCH_ADVERT_INT}s; sizes: $SIZES; runs per size: $REPEAT; mipv6_ha extras: '${BENCH_MIPV6_EXTRA:-<defaults>}'${BENCH_HANDMADE:+; HANDMADE data plane on ha2 (not the product)}"

pr_topology
if [ -n "$BENCH_HANDMADE" ]; then
	write_conf ha1 255 "$BENCH_ADVERT_INT" "$BENCH_MIPV6_EXTRA"
	pr_hand_ha2_conf "$BENCH_ADVERT_INT"
else
	write_conf ha1 255 "$BENCH_ADVERT_INT" "dataplane seg6
        $BENCH_MIPV6_EXTRA"
	write_conf ha2 100 "$BENCH_ADVERT_INT" "dataplane seg6
        $BENCH_MIPV6_EXTRA"
	if dataplane_unknown ha2 "$WORK/ha2/keepalived.conf"; then
		say "SKIP: keepalived does not know the mipv6_ha keyword 'dataplane' yet (data plane not integrated): $KEEPALIVED"
		exit 77
	fi
fi
start_ka ha1
start_ka ha2
wait_for 10 "ha1 MASTER" is_state ha1 MASTER
wait_for 10 "ha2 BACKUP" is_state ha2 BACKUP
pr_tunnel ha1 90 91 90 $PR_HOA $PR_COA # stands in for mip6d on the owner
ctl ha1 add $PR_HOA $PR_COA 3600 1 AH >/dev/null
routes_are() { [ "$(pr_routes ha2)" -ge "$1" ]; }
reachable() { ns cn ping -6 -c 1 -W 1 "$1" >/dev/null 2>&1; }

# median of the numbers on stdin
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "n/a"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.0f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

have=1
for sz in $SIZES; do
	if [ "$sz" -gt "$have" ]; then
		gen_bindings $((sz - have)) "$have" >"$WORK/add.$sz"
		ctl ha1 import "$WORK/add.$sz" >/dev/null
		have=$sz
	fi
	wait_for 120 "$sz bindings in ha2's RBC" rbc_is ha2 "$sz"
	[ -n "$BENCH_HANDMADE" ] && pr_hand_stage "$sz"
	wait_for 120 "$sz routes staged on ha2" routes_are "$sz"
	: >"$WORK/gaps.$sz"
	r=1
	while [ $r -le "$REPEAT" ]; do
		wait_for 10 "the HoA reachable through ha1" reachable $PR_HOA
		[ -z "$TL_ON" ] || tl_start "$WORK/failover-N$sz-r$r"
		ping_start cn $PR_HOA mn
		ping_start cn "$VHA" vip
		sleep 1
		t0=$(now_ms)
		[ -z "$TL_ON" ] || echo "$(date +%s%N) crash of ha1" >"$WORK/failover-N$sz-r$r/marks"
		crash ha1 linkdown
		wait_for 20 "ha2 MASTER" is_state ha2 MASTER
		t1=$(now_ms)
		sleep 2
		ping_stop mn
		ping_stop vip
		[ -z "$TL_ON" ] || tl_stop "$WORK/failover-N$sz-r$r" "failover: $sz bindings, run $r, advert_int ${BENCH_ADVERT_INT}s"
		mn=$(ping_gap_ms mn) vip=$(ping_gap_ms vip)
		ok_mn=$(ping_replies_before mn "$t0")
		if [ "$ok_mn" -lt 50 ] || ! ping_tail_ok mn || ! ping_tail_ok vip; then
			say "  N=$sz run $r: INVALID (MN replies before the crash: $ok_mn; traffic at the end: mn $(ping_tail_ok mn && echo yes || echo no), vip $(ping_tail_ok vip && echo yes || echo no))"
		else
			say "  N=$sz run $r: MN gap $mn ms, VIP gap $vip ms, ratio $(fdiv "$mn" "$vip") (ha2 MASTER after $((t1 - t0)) ms, polled)"
			echo "$mn $vip" >>"$WORK/gaps.$sz"
		fi
		# back to the start: ha1 restarted takes over again, gets its
		# bindings back (restore), ha2 BACKUP
		pr_link_up ha1
		pr_tunnel ha1 90 91 90 $PR_HOA $PR_COA
		start_ka ha1
		wait_for 10 "ha1 MASTER" is_state ha1 MASTER
		wait_for 10 "ha2 BACKUP" is_state ha2 BACKUP
		wait_for 120 "ha1's bindings restored" bc_is ha1 "$sz"
		r=$((r + 1))
	done
	mn=$(awk '{ print $1 }' "$WORK/gaps.$sz" | median)
	vip=$(awk '{ print $2 }' "$WORK/gaps.$sz" | median)
	ratio=$(fdiv "$mn" "$vip")
	eval "RATIO_$sz=\$ratio MN_$sz=\$mn VIP_$sz=\$vip"
	say "N=$sz: median MN gap $mn ms, median VIP gap $vip ms, ratio $ratio ($(grep -c . "$WORK/gaps.$sz" || true) valid runs)"
done

say ""
say "== failover summary (advert_int ${BENCH_ADVERT_INT}s${BENCH_HANDMADE:+, HANDMADE data plane}) =="
for sz in $SIZES; do
	eval "ratio=\$RATIO_$sz mn=\$MN_$sz vip=\$VIP_$sz"
	case $sz in
	10000) goal=1.1 ;;
	100000) goal=1.25 ;;
	*) goal=- ;;
	esac
	if [ "$goal" = - ]; then v=info; else v=$(verdict le "$ratio" "$goal"); fi
	summary "failover MN gap / VIP gap, $sz bindings" "$ratio" "$goal" "$v"
	summary "failover MN gap (ms), $sz bindings" "$mn" "-" "info"
	summary "failover VIP gap (ms), $sz bindings" "$vip" "-" "info"
done
say "load average now $(cut -d' ' -f1-3 /proc/loadavg)"
