#!/bin/sh
# switch.sh - a planned switch (docs/harp.md: SwitchBack, then SwitchOver)
# against a crash: how long a mobile node's traffic stops, and the VIP's, in
# one run with the same topology and bindings.
#
# Topology (tests/integration/lib.sh pr_topology, as bench/failover.sh): CN --
# rt -- home link (ha1 the address owner, 255; ha2 100, nopreempt) and rt --
# foreign link -- MN router (CoA) -- MN host (HoA). Both `dataplane seg6`,
# `auth encrypt`, advert_int BENCH_ADVERT_INT (0.1). ha1's own forwarding for
# the MN is set up by hand (stands in for mip6d). BENCH_SWITCH_SIZE bindings
# (default 10000: the real MN plus synthetic ones).
# BENCH_SWITCH_REPEAT times (default 3): ping every 10 ms CN -> HoA and CN ->
# VHA, `vrrp-ha-ctl switchback` on ha1 (ha2 takes over), measure; then
# `vrrp-ha-ctl switchover` on ha1 (back), measure. Then the same number of
# crashes of ha1 (kill -9 + link down), as failover.sh. The gap of a ping is
# the longest time between two of its replies. Goals: a planned switch's MN
# gap <= 1 advert_int, and far below a crash's.
set -eu
TEST_NAME=switch
PFX=${PFX:-bdsw}
. "$(dirname "$0")/common.sh"

SIZE=${BENCH_SWITCH_SIZE:-10000}
REPEAT=${BENCH_SWITCH_REPEAT:-3}
KEY=5be3a8c64a0fd1e2739b40c2f1d6e8a77c9e2f0b13d4a5c6e7f8091a2b3c4d5e

say "== switch: mobile node traffic gap of a planned switch vs a crash =="
machine_info
say "advert_int ${BENCH_ADVERT_INT}s; $SIZE bindings; $REPEAT runs of each"

pr_topology
swconf() {
	(umask 077 && echo "key 1 aes-256-gcm $KEY send" >"$WORK/$1/sync.keys")
	write_conf "$1" "$2" "$BENCH_ADVERT_INT" "dataplane seg6
        auth encrypt
        auth_key_file $WORK/$1/sync.keys
        auth_epoch_file $WORK/$1/VI_1.epoch
        $BENCH_MIPV6_EXTRA" "$3"
}
swconf ha1 255 ""
swconf ha2 100 nopreempt
if dataplane_unknown ha2 "$WORK/ha2/keepalived.conf"; then
	say "SKIP: keepalived does not know the mipv6_ha keyword 'dataplane': $KEEPALIVED"
	exit 77
fi
start_ka ha1
start_ka ha2
wait_for 10 "ha1 MASTER" is_state ha1 MASTER
wait_for 10 "ha2 BACKUP" is_state ha2 BACKUP
pr_tunnel ha1 90 91 90 $PR_HOA $PR_COA
ctl ha1 add $PR_HOA $PR_COA 3600 1 AH >/dev/null
if [ "$SIZE" -gt 1 ]; then
	gen_bindings $((SIZE - 1)) 1 >"$WORK/add"
	ctl ha1 import "$WORK/add" >/dev/null
fi
routes_are() { [ "$(pr_routes ha2)" -ge "$1" ]; }
reachable() { ns cn ping -6 -c 1 -W 1 "$1" >/dev/null 2>&1; }
in_sync() { [ "$(ctl ha2 state | awk '$1=="rbc"{print $2}')" = "$SIZE" ] && [ "$(ctl ha2 state | awk '$1=="sync"{print $2}')" = in_sync ]; }
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "n/a"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.0f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
wait_for 120 "$SIZE bindings in ha2's RBC" in_sync
wait_for 120 "$SIZE routes staged on ha2" routes_are "$SIZE"

# measure TAG CMD...: pings around CMD; the gaps go to $WORK/gaps.TAG
measure() {
	tag=$1
	shift
	wait_for 10 "the HoA reachable" reachable $PR_HOA
	ping_start cn $PR_HOA mn
	ping_start cn "$VHA" vip
	sleep 1
	t0=$(now_ms)
	"$@"
	t1=$(now_ms)
	sleep 2
	ping_stop mn
	ping_stop vip
	mn=$(ping_gap_ms mn) vip=$(ping_gap_ms vip)
	if [ "$(ping_replies_before mn "$t0")" -lt 50 ] || ! ping_tail_ok mn || ! ping_tail_ok vip; then
		say "  $tag run $r: INVALID"
	else
		say "  $tag run $r: MN gap $mn ms, VIP gap $vip ms (the step took $((t1 - t0)) ms)"
		echo "$mn $vip" >>"$WORK/gaps.$tag"
	fi
}
do_switchback() {
	ctl ha1 switchback >/dev/null
	wait_for 10 "ha2 MASTER" is_state ha2 MASTER
}
do_switchover() {
	ctl ha1 switchover >/dev/null
	wait_for 10 "ha1 MASTER" is_state ha1 MASTER
}
do_crash() {
	crash ha1 linkdown
	wait_for 20 "ha2 MASTER" is_state ha2 MASTER
}

: >"$WORK/gaps.switchback"
: >"$WORK/gaps.switchover"
: >"$WORK/gaps.crash"
r=1
while [ $r -le "$REPEAT" ]; do
	measure switchback do_switchback
	wait_for 60 "ha1 (standby) holds the table" bc_is ha1 "$SIZE"
	measure switchover do_switchover
	wait_for 60 "ha2 in sync again" in_sync
	r=$((r + 1))
done
r=1
while [ $r -le "$REPEAT" ]; do
	measure crash do_crash
	pr_link_up ha1
	pr_tunnel ha1 90 91 90 $PR_HOA $PR_COA
	start_ka ha1
	# ha2 is nopreempt: ha1 (255, the owner) preempts it when restored
	wait_for 30 "ha1 MASTER" is_state ha1 MASTER
	wait_for 10 "ha2 BACKUP" is_state ha2 BACKUP
	wait_for 120 "ha1's bindings restored" bc_is ha1 "$SIZE"
	wait_for 60 "ha2 in sync again" in_sync
	r=$((r + 1))
done

adv_ms=$(awk -v a="$BENCH_ADVERT_INT" 'BEGIN { printf "%.0f\n", a * 1000 }')
say ""
say "== switch summary ($SIZE bindings, advert_int ${BENCH_ADVERT_INT}s) =="
for tag in switchback switchover crash; do
	mn=$(awk '{ print $1 }' "$WORK/gaps.$tag" | median)
	vip=$(awk '{ print $2 }' "$WORK/gaps.$tag" | median)
	eval "MN_$tag=\$mn"
	say "$tag: median MN gap $mn ms, median VIP gap $vip ms ($(grep -c . "$WORK/gaps.$tag" || true) valid runs)"
done
for tag in switchback switchover; do
	eval "mn=\$MN_$tag"
	summary "planned $tag MN gap (ms), goal <= advert_int" "$mn" "$adv_ms" "$(verdict le "$mn" "$adv_ms")"
	summary "planned $tag MN gap / crash MN gap" "$(fdiv "$mn" "$MN_crash")" "-" info
done
summary "crash MN gap (ms)" "$MN_crash" "-" info
say "load average now $(cut -d' ' -f1-3 /proc/loadavg)"
