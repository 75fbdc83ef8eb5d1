#!/bin/sh
# handmade_dataplane.sh - the partial recovery topology of partial_recovery.sh
# with the data plane configured BY HAND (no `dataplane` keyword): validates
# the topology, the mobile node and the kernel commands the product's seg6
# backend issues, independently of the product. Not registered in CTest.
#   sudo KEEPALIVED=... VRRP_HA_CTL=... TOOLS=<build>/tests/tools PFX=ihhm \
#       sh tests/integration/manual/handmade_dataplane.sh
# ha1 (owner) forwards with a stand-in for mip6d's tunnel (tables 90/91);
# ha2 has the routes pre-staged in 1051/2051 and its notify_master /
# notify_backup scripts add / remove the two rules (what the product does in
# vrrp_ha_dp_activate / _deactivate).
TEST_NAME=handmade_dataplane
: "${PFX:=ihhm}"
GLOBAL_DEFS_EXTRA="script_user root
    enable_script_security"
. "$(dirname "$0")/../lib.sh"
[ -x "${TOOLS:-}/pcap-lite" ] || skip "TOOLS/pcap-lite missing"

pr_topology
ns ha1 sysctl -qw net.ipv6.conf.all.forwarding=1
# ha1: the owner's forwarding (stands in for mip6d's home registration)
pr_tunnel ha1 90 91 90 $PR_HOA $PR_COA
# ha2: staged, not active (the rules come with notify_master)
ns ha2 ip sr tunsrc set "$VHA"
ns ha2 ip -6 rule add pref 1000 lookup local
ns ha2 ip -6 rule del pref 0 lookup local
ns ha2 ip -6 route add $PR_HOA/128 encap seg6 mode encap.red segs $PR_COA dev eth0 table 1051
ns ha2 ip -6 route add "$VHA/128" encap seg6local action End.DX6 nh6 :: dev eth0 table 2051
cat >"$WORK/ha2/up.sh" <<S
#!/bin/sh
ip -6 rule add pref 100 lookup 1051
ip -6 rule add pref 99 to $VHA/128 ipproto ipv6 lookup 2051
S
cat >"$WORK/ha2/down.sh" <<S
#!/bin/sh
ip -6 rule del pref 100 lookup 1051
ip -6 rule del pref 99 to $VHA/128 ipproto ipv6 lookup 2051
S
chmod 755 "$WORK/ha2/up.sh" "$WORK/ha2/down.sh"

write_conf ha1 255 0.1
write_conf ha2 100 0.1 "" "notify_master $WORK/ha2/up.sh
    notify_backup $WORK/ha2/down.sh"
start_ka ha1
start_ka ha2
wait_for 10 "ha1 MASTER" is_state ha1 MASTER
wait_for 10 "ha2 BACKUP" is_state ha2 BACKUP
ctl ha1 add $PR_HOA $PR_COA 3600 1 AH
wait_for 5 "binding on ha2" rbc_is ha2 1

log "--- through ha1: CN -> HoA and HoA -> CN"
pr_cap_start rt eth2 f1 -p 41
check "CN pings the HoA" ns cn ping -6 -c 3 -i 0.2 -W 2 $PR_HOA
check "the HoA pings the CN" ns mnh ping -6 -c 3 -i 0.2 -W 2 $PR_CN
pr_cap_stop f1
check "foreign link: VHA > CoA carrying CN > HoA" grep -q "$VHA > $PR_COA nh 41 | $PR_CN > $PR_HOA" "$WORK/f1.cap"
check "foreign link: CoA > VHA carrying HoA > CN" grep -q "$PR_COA > $VHA nh 41 | $PR_HOA > $PR_CN" "$WORK/f1.cap"

log "--- crash of ha1: through ha2"
ping_start cn $PR_HOA c2h
ping_start mnh $PR_CN h2c
pr_cap_start ha2 eth0 h2 -p 41
sleep 1
crash ha1 linkdown
wait_for 10 "ha2 MASTER" is_state ha2 MASTER
sleep 2
ping_stop c2h
ping_stop h2c
pr_cap_stop h2
log "gap CN->HoA $(ping_gap_ms c2h) ms, HoA->CN $(ping_gap_ms h2c) ms ($(ping_replies c2h) / $(ping_replies h2c) replies)"
check "ha2 sends VHA > CoA" grep -q "out $VHA > $PR_COA nh 41 | $PR_CN > $PR_HOA" "$WORK/h2.cap"
check "ha2 receives CoA > VHA" grep -q "in $PR_COA > $VHA nh 41 | $PR_HOA > $PR_CN" "$WORK/h2.cap"
check "gap CN->HoA < 2 s" [ "$(ping_gap_ms c2h)" -lt 2000 ]
ns ha2 ip -6 rule show >"$WORK/ha2.rules"

log "--- reverse tunnel with an inner source not in the RBC (no filter by hand: info)"
ns mnh ip -6 addr add 2001:db8:dead::1/128 dev eth0 nodad
ns mnr ip -6 rule add pref 601 from 2001:db8:dead::1/128 lookup 200
pr_cap_start cn eth0 bogus -q -I in -s 2001:db8:dead::1
ns mnh ping -6 -c 5 -i 0.1 -W 1 -I 2001:db8:dead::1 $PR_CN >/dev/null 2>&1 || true
pr_cap_stop bogus
log "packets from 2001:db8:dead::1 at the CN: $(cat "$WORK/bogus.cap") (the product must make this 0)"

log "--- the same with the product's filter (dp_filter.c) made by hand in nftables"
pr_hand_filter ha2
pr_cap_start cn eth0 bogus2 -q -I in -s 2001:db8:dead::1
ns mnh ping -6 -c 5 -i 0.1 -W 1 -I 2001:db8:dead::1 $PR_CN >/dev/null 2>&1 || true
check "the HoA still gets through" ns mnh ping -6 -c 2 -i 0.2 -W 2 $PR_CN
pr_cap_stop bogus2
check "none from 2001:db8:dead::1 at the CN ($(cat "$WORK/bogus2.cap"))" grep -qx "count 0" "$WORK/bogus2.cap"
ns ha2 nft list ruleset | grep counter

finish
