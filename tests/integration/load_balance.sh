#!/bin/sh
# load_balance.sh - draft-deng 3 and 6, the load-balanced layout: three HAs,
# three virtual HAs (VRIDs 51, 52, 53), each HA the owner (master) of one and
# a backup of the two others, one keepalived per HA with three
# vrrp_instances, each with `mipv6_ha { dataplane seg6 }`:
#
#   VHA   2001:db8:1::51 (A)   2001:db8:1::52 (B)   2001:db8:1::53 (C)
#   ha1   255 (owner)          100                  150
#   ha2   150                  255 (owner)          100
#   ha3   100                  150                  255 (owner)
#
#   CN --- rt --- home link (bridge): ha1, ha2, ha3, rt
#           \---- fK: MN router K (CoA 2001:db8:f:K::10) --- MN host K (HoA)
#
# MN 1 belongs to A (HoA 2001:db8:51::1), MN 2 to B, MN 3 to C; rt routes
# each HoA prefix to its VHA. An owner does not forward for its MNs itself
# (that is the mobility daemon's job; lb_hand_tunnel stands in, with the
# namespace's "ip sr tunsrc" = its own VHA); the product forwards on the
# backups after a takeover. So a backup that takes over VHA X while it is
# the owner of VHA Y holds both: the outer source of X's tunnels must be X
# although the namespace's tunsrc says Y (dataplane.c: per-route source or
# the nftables src_out rewrite), and two or three product instances share
# the namespace's moved local rule.
#
# For each HA in turn: crash (kill -9 + link down); the next HA takes its
# VHA over; every MN (the victim's and the two others) reaches the CN and is
# reached from it, and on every foreign link each tunnel packet carries its
# own VHA as the outer source (to the CoA) / destination (from the CoA); the
# other VHAs' masters stay MASTER. In the first round a forged tunnel packet
# (MN 3's router, CoA and HoA of C's RBC, to VHA A whose master is now ha2,
# which holds C's pairs as C's backup) is dropped by A's filter, not
# decapsulated, also as a flood while real MN traffic flows; and ha2 (MASTER
# of A, BACKUP of C) does not tunnel its own packets to C's MN (one gate bit
# per instance). Then the victim restarts with 5 % of its incoming VRRP/BC
# packets dropped (nftables numgen): its VHA comes back to it, its BC
# restored with every binding (compared binding by binding), its backup
# instances' RBCs refilled, the temporary master deactivated, and all MNs
# flow again. Last, a graceful stop of ha1 leaves no state of ours behind.
TEST_NAME=load_balance
. "$(dirname "$0")/lib.sh"
[ -x "${TOOLS:-}/pcap-lite" ] || skip "TOOLS/pcap-lite missing"

: "${LB_ADVERT_INT:=0.1}"
: "${LB_SYNTH:=200}" # synthetic bindings per VHA besides the real MN
NODES="ha1 ha2 ha3"
VRIDS="51 52 53"
owner_of() { case $1 in 51) echo ha1 ;; 52) echo ha2 ;; 53) echo ha3 ;; esac; }
vrid_of() { case $1 in ha1) echo 51 ;; ha2) echo 52 ;; ha3) echo 53 ;; esac; }
taker_of() { case $1 in 51) echo ha2 ;; 52) echo ha3 ;; 53) echo ha1 ;; esac; } # priority 150
mn_of() { echo $(($1 - 50)); } # MN K of VRID 50+K
FORGED_DST=2001:db8:c::99

lb_home $NODES
ns cn ip -6 addr add $FORGED_DST/128 dev eth0 nodad
for v in $VRIDS; do lb_mn "$(mn_of $v)" $v; done
lb_write_conf ha1 "$LB_ADVERT_INT" "51:255 52:100 53:150" "dataplane seg6"
lb_write_conf ha2 "$LB_ADVERT_INT" "51:150 52:255 53:100" "dataplane seg6"
lb_write_conf ha3 "$LB_ADVERT_INT" "51:100 52:150 53:255" "dataplane seg6"
dataplane_unknown ha1 "$WORK/ha1/keepalived.conf" &&
	skip "keepalived does not know the mipv6_ha keyword 'dataplane' yet"
ip netns exec "${PFX}ha1" "$KEEPALIVED" -t -l -G -f "$WORK/ha1/keepalived.conf" >"$WORK/t.out" 2>&1 ||
	die "keepalived -t refuses the three-instance configuration: $(tail -3 "$WORK/t.out")"

# hand NODE: the owner's stand-in tunnel for its own MN
hand() {
	v=$(vrid_of "$1")
	lb_hand_tunnel "$1" "$v" "$(lb_hoa "$v")" "$(mn_coa "$(mn_of "$v")")"
}
for n in $NODES; do lb_start "$n" $VRIDS; done
for v in $VRIDS; do
	wait_for 10 "$(owner_of $v) MASTER of $v" lb_is "$(owner_of $v)" $v MASTER
	for n in $NODES; do
		[ "$n" = "$(owner_of $v)" ] || wait_for 10 "$n BACKUP of $v" lb_is "$n" $v BACKUP
	done
done
ok "three VHAs, each with its own master: ha1 A, ha2 B, ha3 C"
for n in $NODES; do hand "$n"; done

# bindings: the real MN and LB_SYNTH synthetic ones per VHA, at the owner
synth() {
	awk -v v="$1" -v n="$LB_SYNTH" 'BEGIN {
		for (i = 1; i <= n; i++)
			printf "2001:db8:%s:1::%x 2001:db8:cc:%s::%x 3600 %d AH\n", v, i, v, i, i
	}'
}
NB=$((LB_SYNTH + 1))
for v in $VRIDS; do
	o=$(owner_of $v)
	lb_ctl "$o" $v add "$(lb_hoa $v)" "$(mn_coa "$(mn_of $v)")" 3600 1 AH >/dev/null
	synth $v >"$WORK/synth.$v"
	lb_ctl "$o" $v import "$WORK/synth.$v" >/dev/null
done
for v in $VRIDS; do
	for n in $NODES; do
		[ "$n" = "$(owner_of $v)" ] && continue
		wait_for 20 "$NB bindings of $v in $n's RBC" lb_rbc_is "$n" $v $NB
		wait_for 20 "$NB routes of $v staged on $n" sh -c \
			"[ \$(ip netns exec $PFX$n ip -6 route show table 10$v proto $PR_PROTO | grep -c .) -eq $NB ]"
	done
	lb_table "$(owner_of $v)" $v --bc >"$WORK/bc.$v"
	[ "$(grep -c . "$WORK/bc.$v")" -eq $NB ] || die "owner of $v holds $(grep -c . "$WORK/bc.$v") bindings"
done
ok "every backup holds its $NB bindings per VHA, routes staged in its own table"
# every node: two product instances (the owner has none), one local rule moved
for n in $NODES; do
	check "$n: \"lookup local\" moved once (pref 1000), not at 0" sh -c \
		"r=\$(ip netns exec $PFX$n ip -6 rule show); echo \"\$r\" | grep -q '^1000:.*lookup local' &&
		 ! echo \"\$r\" | grep -q '^0:.*lookup local'"
done

pings() { ns "$1" ping -6 -c "$3" -i 0.2 -W 2 "$2" >/dev/null 2>&1; }
# traffic_ok TAG: every MN pings the CN and is pinged by it
traffic_ok() {
	for v in $VRIDS; do
		k=$(mn_of $v)
		check "$1: CN -> MN $k ($v)" pings cn "$(lb_hoa $v)" 2
		check "$1: MN $k ($v) -> CN" pings "mnh$k" $PR_CN 2
	done
}
# caps_start TAG / caps_stop TAG: IPv6-in-IPv6 on every foreign link
caps_start() { for v in $VRIDS; do pr_cap_start rt "f$(mn_of $v)" "$1_$v" -p 41; done; }
caps_stop() { for v in $VRIDS; do pr_cap_stop "$1_$v"; done; }
# sources_ok TAG: on MN K's link, every tunnel packet to its CoA comes from
# its VHA and every one from its CoA goes to its VHA (and there are some)
sources_ok() {
	for v in $VRIDS; do
		c=$(mn_coa "$(mn_of $v)") a=$(lb_vha $v) f=$WORK/$1_$v.cap
		check "$1: to MN $(mn_of $v): outer source $a only ($(grep -c " > $c nh 41" "$f") packets)" sh -c \
			"grep ' > $c nh 41' $f | grep -vq ' $a > ' && exit 1; grep -q ' $a > $c nh 41 | $PR_CN > ' $f"
		check "$1: from MN $(mn_of $v): outer destination $a only" sh -c \
			"grep ' $c > ' $f | grep -vq ' $c > $a nh 41' && exit 1; grep -q ' $c > $a nh 41 | .* > $PR_CN' $f"
	done
}
gate_open() { ns "$1" nft list chain ip6 "vrrp_ha_10$2" gate_in 2>/dev/null | grep -q 'mark set'; }

caps_start base
traffic_ok "before any crash"
caps_stop base
sources_ok base

for victim in $NODES; do
	vv=$(vrid_of $victim) t=$(taker_of "$(vrid_of $victim)")
	log "--- $victim (owner of $vv) crashes; $t takes $vv over"
	t0=$(now_ms)
	lb_crash "$victim"
	wait_for 10 "$t MASTER of $vv" lb_is "$t" "$vv" MASTER
	log "takeover of $vv by $t: $(($(now_ms) - t0)) ms after the crash (advert_int $LB_ADVERT_INT)"
	wait_for 5 "$t's gate for $vv open" gate_open "$t" "$vv"
	ok "$t MASTER of $vv, its data plane active"
	for v in $VRIDS; do
		[ "$v" = "$vv" ] && continue
		check "$(owner_of $v) still MASTER of $v" lb_is "$(owner_of $v)" $v MASTER
	done
	for n in $NODES; do
		[ "$n" = "$victim" ] || [ "$n" = "$t" ] && continue
		check "$n BACKUP of $vv (the other backup)" lb_is "$n" "$vv" BACKUP
		check "$n: gate of $vv closed" sh -c "! ip netns exec $PFX$n nft list chain ip6 vrrp_ha_10$vv gate_in | grep -q 'mark set'"
	done
	caps_start "r$vv"
	pr_cap_start "$t" eth0 "t$vv" -p 41
	traffic_ok "after $victim's crash"
	pr_cap_stop "t$vv"
	caps_stop "r$vv"
	sources_ok "r$vv"
	k=$(mn_of "$vv") c=$(mn_coa "$(mn_of "$vv")") a=$(lb_vha "$vv")
	check "$t tunnels CN > MN $k as $a > $c" grep -q "out $a > $c nh 41 | $PR_CN > $(lb_hoa "$vv")" "$WORK/t$vv.cap"
	check "$t receives MN $k's tunnel $c > $a" grep -q "in $c > $a nh 41 | $(lb_hoa "$vv") > $PR_CN" "$WORK/t$vv.cap"
	if [ "$vv" = 51 ]; then
		log "--- forged: MN 3's router tunnels HoA C (a pair of C's RBC, staged on $t) to VHA A"
		drops() {
			ns "$t" nft list chain ip6 vrrp_ha_1051 tunnel_in |
				awk '/l4proto ipv6 counter/ { for (i = 1; i <= NF; i++) if ($i == "packets") print $(i + 1) }'
		}
		d0=$(drops)
		ns mnr3 ip -6 rule add pref 590 from "$(lb_hoa 53)" to $FORGED_DST lookup 201
		ns mnr3 ip -6 route add default encap seg6 mode encap.red segs "$(lb_vha 51)" dev eth0 table 201
		pr_cap_start cn eth0 forged -I in -d $FORGED_DST
		pr_cap_start "$t" eth0 forged_in -q -I in -d "$(lb_vha 51)" -S "$(lb_hoa 53)"
		ns mnh3 ping -6 -c 5 -i 0.1 -W 1 $FORGED_DST >/dev/null 2>&1 || true
		# and a flood of them (300, as fast as ping goes) while MN 3's real traffic flows
		ns mnh3 ping -6 -q -c 300 -i 0.002 -W 1 $FORGED_DST >/dev/null 2>&1 &
		FLOOD=$!
		bg_started $FLOOD
		check "MN 3's real traffic to its own VHA still flows (during the flood)" pings mnh3 $PR_CN 2
		check "MN 1's traffic through $t still flows (during the flood)" pings mnh1 $PR_CN 2
		wait "$FLOOD" 2>/dev/null || true
		pr_cap_stop forged
		pr_cap_stop forged_in
		check "$t received the forged packets ($(cat "$WORK/forged_in.cap"))" \
			[ "$(awk '{print $2}' "$WORK/forged_in.cap")" -ge 5 ]
		# (rt's neighbour discovery for that address may reach the CN: not counted)
		grep -v 'icmp6 13[56]$' "$WORK/forged.cap" >"$WORK/forged.data" || true
		check "none was decapsulated to the CN ($(head -3 "$WORK/forged.data"))" \
			[ "$(grep -c . "$WORK/forged.data")" -eq 0 ]
		d1=$(drops)
		check "A's filter on $t dropped them all (drop counter $d0 -> $d1)" [ "$((d1 - d0))" -ge 305 ]
		check "C's pairs are staged on $t (C's backup)" sh -c \
			"ip netns exec $PFX$t nft list set ip6 vrrp_ha_1053 pairs | grep -q '$(mn_coa 3)'"
		ns mnr3 ip -6 rule del pref 590
		log "--- $t (MASTER of A, BACKUP of C) does not tunnel to C's MN itself"
		pr_cap_start "$t" eth0 own -p 41 -I out -D "$(lb_hoa 53)"
		ns "$t" ping -6 -c 2 -i 0.1 -W 1 "$(lb_hoa 53)" >/dev/null 2>&1 || true
		pr_cap_stop own
		check "A's open gate does not switch on C's staged table on $t ($(head -2 "$WORK/own.cap"))" \
			[ "$(grep -c . "$WORK/own.cap")" -eq 0 ]
		check "$t: A and C have gate bits of their own" sh -c \
			"[ \$(ip netns exec $PFX$t ip -6 rule show | grep -E 'lookup 10(51|53)' | grep -o 'fwmark 0x[0-9a-f]*' | sort -u | wc -l) -eq 2 ]"
	fi

	log "--- $victim restarts, 5 % of its VRRP/BC packets lost: $vv comes back to it, nothing lost"
	pr_link_up "$victim"
	hand "$victim"
	ns "$victim" nft -f - <<N
table ip6 lb_loss {
	chain in { type filter hook prerouting priority -400; meta l4proto 112 numgen random mod 100 < 5 counter drop; }
}
N
	lb_start "$victim" $VRIDS
	wait_for 10 "$victim MASTER of $vv again" lb_is "$victim" "$vv" MASTER
	wait_for 10 "$t BACKUP of $vv again" lb_is "$t" "$vv" BACKUP
	wait_for 20 "$victim's BC of $vv restored ($NB)" lb_bc_is "$victim" "$vv" $NB
	lb_table "$victim" "$vv" --bc >"$WORK/bc.$vv.after"
	check "$victim's restored BC of $vv equals the one before the crash" cmp -s "$WORK/bc.$vv" "$WORK/bc.$vv.after"
	for v in $VRIDS; do
		[ "$v" = "$vv" ] && continue
		wait_for 10 "$victim BACKUP of $v" lb_is "$victim" $v BACKUP
		wait_for 20 "$victim's RBC of $v refilled" lb_rbc_is "$victim" $v $NB
		wait_for 20 "$victim: routes of $v staged again" sh -c \
			"[ \$(ip netns exec $PFX$victim ip -6 route show table 10$v proto $PR_PROTO | grep -c .) -eq $NB ]"
		check "$victim: gate of $v closed" sh -c "! ip netns exec $PFX$victim nft list chain ip6 vrrp_ha_10$v gate_in | grep -q 'mark set'"
	done
	log "$victim: $(ns "$victim" nft list table ip6 lb_loss | grep -o 'packets [0-9]*') VRRP/BC packets dropped on the way in"
	ns "$victim" nft delete table ip6 lb_loss
	wait_for 5 "$t's gate for $vv closed" sh -c "! ip netns exec $PFX$t nft list chain ip6 vrrp_ha_10$vv gate_in | grep -q 'mark set'"
	ok "$t deactivated $vv"
	caps_start "b$vv"
	traffic_ok "after $victim's restart"
	caps_stop "b$vv"
	sources_ok "b$vv"
done

log "--- graceful stop of ha1: ha2 and ha3 keep their state"
stop_ka ha1
check "ha1: no rule tagged with our protocol left" sh -c \
	"! ip netns exec ${PFX}ha1 ip -6 rule show | grep -q 'proto $PR_PROTO'"
check "ha1: no nftables table of ours left" sh -c \
	"! ip netns exec ${PFX}ha1 nft list tables | grep -q vrrp_ha_"
# the product moved it (it started before the hand tunnel): the last of its
# instances to go puts it back
check "ha1: \"lookup local\" back at pref 0, none at 1000" sh -c \
	"r=\$(ip netns exec ${PFX}ha1 ip -6 rule show); echo \"\$r\" | grep -q '^0:.*lookup local' &&
	 ! echo \"\$r\" | grep -q '^1000:.*lookup local'"
wait_for 10 "ha2 MASTER of 51" lb_is ha2 51 MASTER
check "ha2: MN 1 (A) forwarded by ha2 after ha1's stop" pings cn "$(lb_hoa 51)" 2
finish
