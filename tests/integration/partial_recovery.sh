#!/bin/sh
# partial_recovery.sh - draft-deng 5.2.1 partial recovery, end to end.
#
#   CN --- rt --- home link (bridge): ha1 (owner, 255), ha2 (100), rt
#           \---- foreign link: MN router (CoA) --- MN host (HoA)
#
# rt routes the HoA prefix to the VHA (the HoAs are not on the home link), so
# rt's next hop is the VHA and follows VRRP's unsolicited NAs: no proxy ND is
# involved in this test. Both HAs run `dataplane seg6`. The owner (ha1) does
# not forward for MNs itself (that is the mobility daemon's job, mip6d, which
# these machines do not have): pr_tunnel sets up the same tunnel by hand on
# ha1, standing in for mip6d's home registration (tables 90/91, not the
# product's). The binding goes to ha1's BC through vrrp-ha-ctl and reaches
# ha2's RBC by replication; ha2 (non-owner) must then forward when MASTER.
#
# Checks: ha2 BACKUP has the route pre-staged and is not active (no rule to
# its tables, or, gated, the nftables gate closed: see pr_active in lib.sh); CN <-> HoA through
# ha1; ha1 crashes (kill -9 + link down): traffic resumes through ha2 with
# outer source VHA on the wire, gap measured, with 1 and with 10k bindings;
# the reverse tunnel drops an inner source not in the RBC; ha2 back to BACKUP
# (ha1 restarted) removes the rules; a deleted binding loses its route; a
# crashed and restarted ha2 leaves no stale route; a graceful stop removes all.
#
# Skips (77) while keepalived does not know the `dataplane` keyword.
# PR_HANDMADE=1 (validation of this script only, before the product lands):
# ha2 runs without `dataplane`, its routes are staged by hand, notify scripts
# add/remove the rules, the reverse tunnel filter is nftables by hand (one
# binding); product-only checks are skipped then.
TEST_NAME=partial_recovery
: "${PR_HANDMADE:=}"
[ -n "$PR_HANDMADE" ] && GLOBAL_DEFS_EXTRA="script_user root
    enable_script_security"
. "$(dirname "$0")/lib.sh"
[ -x "${TOOLS:-}/pcap-lite" ] || skip "TOOLS/pcap-lite missing"

N=10000
: "${PR_ADVERT_INT:=0.1}"
: "${PR_MAX_GAP_MS:=1500}" # generous: the machine is shared (baseline ~300 ms)
BOGUS=2001:db8:dead::1

pr_topology
if [ -n "$PR_HANDMADE" ]; then
	write_conf ha1 255 "$PR_ADVERT_INT"
	pr_hand_ha2_conf
else
	write_conf ha1 255 "$PR_ADVERT_INT" "dataplane seg6"
	write_conf ha2 100 "$PR_ADVERT_INT" "dataplane seg6"
	dataplane_unknown ha2 "$WORK/ha2/keepalived.conf" &&
		skip "keepalived does not know the mipv6_ha keyword 'dataplane' yet (data plane not integrated)"
fi
# pings NODE DST COUNT: every ping answered
pings() { ns "$1" ping -6 -c "$3" -i 0.2 -W 2 "$2" >/dev/null 2>&1; }
# product(): a check that needs the product's data plane
product() { if [ -n "$PR_HANDMADE" ]; then log "skipped (handmade): $1"; else check "$@"; fi; }

start_ka ha1
start_ka ha2
wait_for 10 "ha1 MASTER" is_state ha1 MASTER
wait_for 10 "ha2 BACKUP" is_state ha2 BACKUP
pr_tunnel ha1 90 91 90 $PR_HOA $PR_COA # stands in for mip6d on the owner
ctl ha1 add $PR_HOA $PR_COA 3600 1 AH >/dev/null
wait_for 5 "the binding in ha2's RBC" rbc_is ha2 1
[ -n "$PR_HANDMADE" ] && pr_hand_stage 1 && pr_hand_filter ha2

staged() { ns ha2 ip -6 route show table $PR_TABLE | grep -q "^$1 .*encap seg6 mode encap.red segs 1 \[ $2 \]"; }
no_rules() { pr_inactive ha2; }
has_rules() { pr_active ha2; }
wait_for 5 "the route staged on ha2" staged $PR_HOA $PR_COA
ok "ha2 BACKUP: $PR_HOA -> $PR_COA staged in table $PR_TABLE"
check "ha2 BACKUP: not active (no rule to the tables, or gate closed)" no_rules
product "ha2: the route carries protocol $PR_PROTO" sh -c \
	"ip netns exec ${PFX}ha2 ip -6 route show table $PR_TABLE proto $PR_PROTO | grep -q '^$PR_HOA '"

log "--- through ha1: CN -> HoA and HoA -> CN"
pr_cap_start ha1 eth0 a1 -p 41
check "CN pings the HoA" pings cn $PR_HOA 3
check "the HoA pings the CN" pings mnh $PR_CN 3
pr_cap_stop a1
check "ha1 tunnels CN > HoA as VHA > CoA" grep -q "out $VHA > $PR_COA nh 41 | $PR_CN > $PR_HOA" "$WORK/a1.cap"
check "ha1 receives HoA > CN as CoA > VHA" grep -q "in $PR_COA > $VHA nh 41 | $PR_HOA > $PR_CN" "$WORK/a1.cap"

# failover NAME: pings both ways every 10 ms, crash ha1 (linkdown), ha2 takes
# over; gaps in GAP_c2h / GAP_h2c (ms); captures NAME-f (rt's foreign link)
# and NAME-b (ha2's eth0)
failover() {
	ping_start cn $PR_HOA "$1_c2h"
	ping_start mnh $PR_CN "$1_h2c"
	pr_cap_start rt eth2 "$1_f" -p 41
	pr_cap_start ha2 eth0 "$1_b" -p 41
	sleep 1
	t_crash=$(now_ms)
	crash ha1 linkdown
	wait_for 10 "ha2 MASTER" is_state ha2 MASTER
	sleep 2
	ping_stop "$1_c2h"
	ping_stop "$1_h2c"
	pr_cap_stop "$1_f"
	pr_cap_stop "$1_b"
	GAP_c2h=$(ping_gap_ms "$1_c2h") GAP_h2c=$(ping_gap_ms "$1_h2c")
	log "$1: longest gap CN->HoA $GAP_c2h ms, HoA->CN $GAP_h2c ms ($(ping_replies "$1_c2h") / $(ping_replies "$1_h2c") replies)"
	check "$1: CN -> HoA flowed through ha1 before the crash" [ "$(ping_replies_before "$1_c2h" "$t_crash")" -ge 50 ]
	check "$1: HoA -> CN flowed through ha1 before the crash" [ "$(ping_replies_before "$1_h2c" "$t_crash")" -ge 50 ]
	check "$1: CN -> HoA resumed, gap $GAP_c2h ms < $PR_MAX_GAP_MS" [ "${GAP_c2h:-99999}" -lt "$PR_MAX_GAP_MS" ]
	check "$1: HoA -> CN resumed, gap $GAP_h2c ms < $PR_MAX_GAP_MS" [ "${GAP_h2c:-99999}" -lt "$PR_MAX_GAP_MS" ]
	check "$1: replies at the end (CN -> HoA)" ping_tail_ok "$1_c2h"
	check "$1: replies at the end (HoA -> CN)" ping_tail_ok "$1_h2c"
	check "$1: ha2 tunnels CN > HoA as VHA > CoA" grep -q "out $VHA > $PR_COA nh 41 | $PR_CN > $PR_HOA" "$WORK/$1_b.cap"
	check "$1: ha2 receives CoA > VHA and decapsulates" grep -q "in $PR_COA > $VHA nh 41 | $PR_HOA > $PR_CN" "$WORK/$1_b.cap"
	check "$1: foreign link: every tunnel packet to the CoA has outer source VHA" sh -c \
		"grep ' > $PR_COA nh 41' $WORK/$1_f.cap | grep -vq ' $VHA > ' && exit 1; grep -q ' $VHA > $PR_COA nh 41' $WORK/$1_f.cap"
	check "$1: ha2 MASTER has the activation rules" has_rules
}

# ha1_back: ha1 restarted (link up, its stand-in tunnel again: link down
# flushed its routes via eth0); ha2 goes back to BACKUP
ha1_back() {
	pr_link_up ha1
	pr_tunnel ha1 90 91 90 $PR_HOA $PR_COA
	start_ka ha1
	wait_for 10 "ha1 MASTER" is_state ha1 MASTER
	wait_for 10 "ha2 BACKUP" is_state ha2 BACKUP
	wait_for 10 "ha1's bindings restored ($1)" bc_is ha1 "$1"
}

log "--- crash of ha1 with 1 binding"
failover one
GAP1=$GAP_c2h

log "--- the reverse tunnel drops an inner source that is not in the RBC"
ns mnh ip -6 addr add $BOGUS/128 dev eth0 nodad
ns mnr ip -6 rule add pref 601 from $BOGUS/128 lookup 200 # tunnelled to the VHA too
pr_cap_start cn eth0 bogus -q -I in -s $BOGUS
pr_cap_start ha2 eth0 bogus_in -q -I in -S $BOGUS
ns mnh ping -6 -c 5 -i 0.1 -W 1 -I $BOGUS $PR_CN >/dev/null 2>&1 || true
check "the real HoA still gets through" pings mnh $PR_CN 2
pr_cap_stop bogus
pr_cap_stop bogus_in
check "ha2 received the tunnelled packets from $BOGUS ($(cat "$WORK/bogus_in.cap"))" \
	[ "$(awk '{print $2}' "$WORK/bogus_in.cap")" -ge 5 ]
check "none reached the CN ($(cat "$WORK/bogus.cap"))" [ "$(awk '{print $2}' "$WORK/bogus.cap")" -eq 0 ]

log "--- ha1 restarted: ha2 back to BACKUP, rules gone, routes still staged"
ha1_back 1
wait_for 5 "ha2's rules removed" no_rules
ok "ha2 BACKUP: rules to $PR_TABLE / $PR_DECAP_TABLE removed (or gate closed)"
check "ha2 BACKUP: the route stays staged" staged $PR_HOA $PR_COA
check "CN -> HoA through ha1 again" pings cn $PR_HOA 2

log "--- $N bindings (one real MN, $((N - 1)) synthetic)"
gen_bindings $((N - 1)) 1 >"$WORK/bindings"
ctl ha1 import "$WORK/bindings" >/dev/null
wait_for 30 "$N in ha2's RBC" rbc_is ha2 $N
[ -n "$PR_HANDMADE" ] && pr_hand_stage $N
routes_are() { [ "$(pr_routes ha2)" -eq "$1" ]; }
wait_for 30 "$N routes staged on ha2" routes_are $N
ok "ha2: $N routes in table $PR_TABLE"
failover tenk
GAPN=$GAP_c2h
log "gap with $N bindings $GAPN ms, with 1: $GAP1 ms"

log "--- leaving MASTER removes the rules ($N bindings)"
ha1_back $N
wait_for 5 "ha2's rules removed" no_rules
ok "ha2 BACKUP: deactivated"
check "ha2 BACKUP: $N routes still staged" routes_are $N

log "--- deleting a binding removes its route"
DEL1=2001:db8:aa:0:1::1 DEL2=2001:db8:aa:0:2::1
absent() { ! ns ha2 ip -6 route show table $PR_TABLE | grep -q "^$1 "; }
check "$DEL1 staged before" staged $DEL1 2001:db8:cc:0:1::1
ctl ha1 del $DEL1 >/dev/null
wait_for 5 "$DEL1 out of ha2's RBC" rbc_is ha2 $((N - 1))
if [ -n "$PR_HANDMADE" ]; then log "skipped (handmade): route of $DEL1 removed"; else
	wait_for 5 "the route of $DEL1 removed" absent $DEL1
	ok "route of $DEL1 gone; $(pr_routes ha2) left"
	check "$((N - 1)) routes" routes_are $((N - 1))
fi

log "--- an expired binding's route goes too"
EXP=2001:db8:bb::e
ctl ha1 add $EXP 2001:db8:cc::e 8 1 AH >/dev/null
wait_for 5 "$EXP on ha2" sh -c "[ -n \"\$(ip netns exec ${PFX}ha2 ip -6 route show table $PR_TABLE | grep '^$EXP ')\" ]" ||
	true
if [ -n "$PR_HANDMADE" ]; then log "skipped (handmade): expiry"; else
	check "$EXP staged with an 8 s lifetime" staged $EXP 2001:db8:cc::e
	wait_for 15 "the route of $EXP removed at expiry" absent $EXP
	ok "route of $EXP gone after its lifetime ran out"
	check "ha2: expired counted" [ "$(counter ha2 expired)" -ge 1 ]
fi

log "--- ha2 crashes and restarts: no stale route"
crash ha2
ctl ha1 del $DEL2 >/dev/null # while ha2 is down: its route is stale in ha2's kernel
start_ka ha2
wait_for 10 "ha2 BACKUP" is_state ha2 BACKUP
wait_for 30 "ha2's RBC refilled" rbc_is ha2 $((N - 2))
if [ -n "$PR_HANDMADE" ]; then log "skipped (handmade): stale routes"; else
	wait_for 30 "$((N - 2)) routes on ha2" routes_are $((N - 2))
	ok "ha2: $((N - 2)) routes after the restart"
	check "the stale route of $DEL2 is gone" absent $DEL2
	check "every route in $PR_TABLE is ours (protocol $PR_PROTO)" \
		[ "$(ns ha2 ip -6 route show table $PR_TABLE proto $PR_PROTO | grep -c .)" -eq $((N - 2)) ]
	check "ha2 BACKUP: not active" no_rules
fi

log "--- graceful stop of ha2 removes routes and rules"
stop_ka ha2
if [ -n "$PR_HANDMADE" ]; then log "skipped (handmade): cleanup on stop"; else
	check "no route left in $PR_TABLE ($(pr_routes ha2))" routes_are 0
	check "no route left in $PR_DECAP_TABLE" [ "$(pr_routes ha2 $PR_DECAP_TABLE)" -eq 0 ]
	check "no rule and no nftables table left" pr_no_state ha2
fi

log "gaps CN->HoA: 1 binding $GAP1 ms, $N bindings $GAPN ms"
finish
