#!/bin/sh
# election.sh - ordinary VRRP behaviour is unchanged by vrrp-ha:
#  1. a bulk sync of 50,000 bindings paced over longer than the master-down
#     interval: nobody changes state;
#  2. an instance WITHOUT mipv6_ha (VI_2, VRID 52) on the same link receiving
#     a stream of BC packets for 5 s keeps its state (a stock keepalived
#     master has its advert timer pushed back by every packet: it would fall
#     silent and its backup take over), and the packets are logged/discarded;
#  3. after a crash of the master the backup takes over within
#     3 x advert_int + skew (+1 s slack): <= 4.5 s at advert_int 1.
TEST_NAME=election
. "$(dirname "$0")/lib.sh"

N=50000
ADV=1

setup_bridge
add_node a 1
add_node b 2
add_node inj 9
# a paces its sync: 1 packet (36 bindings) per 3 ms -> 50,000 in ~4.2 s
write_conf a 255 $ADV "burst_packets 1
        pace_interval_us 3000"
write_conf b 100 $ADV
vi2() { # vi2 NAME PRIORITY: the second instance, no mipv6_ha
	cat >>"$WORK/$1/keepalived.conf" <<EOF
vrrp_instance VI_2 {
    state BACKUP
    interface eth0
    virtual_router_id 52
    priority $2
    advert_int $ADV
    virtual_ipaddress {
        fe80::200/64
        2001:db8:1::200/64
    }
}
EOF
}
vi2 a 150
vi2 b 100
start_ka a
start_ka b
wait_for 10 "a MASTER" is_state a MASTER
wait_for 10 "b BACKUP" is_state b BACKUP
wait_for 10 "VI_2 MASTER on a" grep -q '(VI_2) Entering MASTER STATE' "$WORK/a/keepalived.log"
sleep 1
vi2_lines() { grep -c '(VI_2) Entering' "$WORK/$1/keepalived.log" || true; }
has_vip() { ns "$1" ip -6 addr show dev eth0 | grep -q "$2/"; }
check "VI_2: VIP on a" has_vip a 2001:db8:1::200
check "VI_2: VIP not on b" sh -c "! ip netns exec ${PFX}b ip -6 addr show dev eth0 | grep -q 2001:db8:1::200/"

log "--- 1. bulk sync of $N bindings, paced over several advert intervals"
stats_to a "$WORK/a0"
stats_to b "$WORK/b0"
gen_bindings $N >"$WORK/bindings"
t0=$(now_ms)
ctl a import "$WORK/bindings" >/dev/null
wait_for 60 "$N on b" rbc_is b $N
t1=$(now_ms)
log "sync took $((t1 - t0)) ms"
check "precondition: the sync outlasted the master-down interval (3.6 s): $((t1 - t0)) ms" \
	[ $((t1 - t0)) -gt 3700 ]
check "a: still MASTER" is_state a MASTER
check "b: still BACKUP" is_state b BACKUP
check "a: no state change" [ "$(delta a state_changes "$WORK/a0")" -eq 0 ]
check "b: no state change" [ "$(delta b state_changes "$WORK/b0")" -eq 0 ]
check "whole table on b" same_table a b --bc

log "--- 2. BC and extension packets to VI_2 (no mipv6_ha) for 5 s"
la=$(vi2_lines a) lb=$(vi2_lines b)
stats_to a "$WORK/a1"
stats_to b "$WORK/b1"
inject inj -q -r 52 -n 50 -w 100000 -R 2001:db8:99::1,2001:db8:98::1,1,3600 &
i1=$!
inject inj -q -r 52 -t 14 -n 50 -w 100000 &
i2=$!
# and extension messages (type 12: a CAPS solicit) for VRID 52
inject inj -q -n 50 -w 100000 -x 3c3401010000000001010008010100000000003e &
i3=$!
bg_started $i1
bg_started $i2
bg_started $i3
wait $i1 $i2 $i3 || true
sleep 1
check "VI_2 on a: no transition" [ "$(vi2_lines a)" -eq "$la" ]
check "VI_2 on b: no transition" [ "$(vi2_lines b)" -eq "$lb" ]
check "VI_2: VIP still on a" has_vip a 2001:db8:1::200
check "VI_2: VIP still not on b" sh -c "! ip netns exec ${PFX}b ip -6 addr show dev eth0 | grep -q 2001:db8:1::200/"
check "b: BC packets for VI_2 logged as discarded" \
	grep -q '(VI_2) BC packet dropped: instance has no mipv6_ha block' "$WORK/b/keepalived.log"
check "a: BC packets for VI_2 logged as discarded" \
	grep -q '(VI_2) BC packet dropped: instance has no mipv6_ha block' "$WORK/a/keepalived.log"
check "no advert error logged for VI_2" sh -c \
	"! grep -E '\\(VI_2\\).*([Ii]nvalid|too (long|short)|bad|[Cc]hecksum)' $WORK/a/keepalived.log $WORK/b/keepalived.log"
# (the master's own digests keep moving rx_ok / ext_packets: look at what
# VI_2's packets would have moved)
check "VI_1 (mipv6_ha) saw none of them: b rx_records +0" [ "$(delta b rx_records "$WORK/b1")" -eq 0 ]
check "VI_1 (mipv6_ha) saw none of the requests: a rx_request +0" [ "$(delta a rx_request "$WORK/a1")" -eq 0 ]
check "VI_1 took none of the extension messages: b ext_rx_caps +0" [ "$(delta b ext_rx_caps "$WORK/b1")" -eq 0 ]
check "VI_1: no state change" [ "$(delta a state_changes "$WORK/a1")$(delta b state_changes "$WORK/b1")" = 00 ]
check "VI_1: nothing stored from VI_2's packets" [ -z "$(entry b 2001:db8:99::1)" ]

log "--- 3. crash of the master: takeover time"
# b's master-down timer restarted at a's last advert, 0..1 s before the
# crash: expect 2.6..3.6 s plus polling
t0=$(now_ms)
crash a linkdown
wait_for 10 "b MASTER" is_state b MASTER
t1=$(now_ms)
gap=$((t1 - t0))
log "b became MASTER $gap ms after the crash (theory: 3 x $ADV s + skew 0.61 s minus the time since the last advert)"
check "takeover within 4.5 s ($gap ms)" [ "$gap" -le 4500 ]
check "takeover not instant (a real crash, no priority 0 handover): $gap ms >= 2000" [ "$gap" -ge 2000 ]
check "b holds the VHA" has_vip b "$VHA"
check "b: rbc intact ($N)" [ "$(rbc_count b)" = $N ]
wait_for 10 "VI_2 MASTER on b" grep -q '(VI_2) Entering MASTER STATE' "$WORK/b/keepalived.log"
ok "VI_2 taken over by b as well"

finish
