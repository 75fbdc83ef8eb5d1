#!/bin/sh
# proxy_recovery.sh - PMIPv6 partial recovery data plane (RFC 5213 5.6, LMA
# reliability draft -01 5.1), end to end with mobile nodes behind two MAGs.
#
#   CN --- rt --- home link: lma (VHA, the data plane)
#           |---- mag1 (PCoA1) --- mnh1 (address in HNP1 2001:db8:a1::/64)
#           \---- mag2 (PCoA2) --- mnh2 (address in HNP2 2001:db8:a2::/64)
#
# rt routes the HNPs to the VHA. Each MAG is the other end of the LMA <-> MAG
# tunnel (FIELD-NOTES' MN router, by hand): End.DX6 for packets to its PCoA,
# and packets from its HNP encapsulated to the VHA. The LMA side is the
# product's data plane, driven through its API by tests/tools/pdp-driver (the
# PMIPv6 records are not yet wired into keepalived's data plane module).
#
# Checks: nothing forwarded while staged only; one MAG switched on
# (vrrp_ha_dp_activate_pcoa) gives CN <-> mnh1 both ways and still nothing
# for mnh2; the whole instance (activate) gives both; mnh2 forging a source
# in HNP1 through mag2 (PCoA2 . HNP1 is no binding) is dropped by the LMA's
# reverse filter (counter) and never reaches the CN, also as a flood of 1000;
# a loss of 5% of the
# tunnelled packets on the path (nftables numgen) still lets pings through
# (bounded retries); unstaging HNP1 stops mnh1's traffic; a crash (kill -9)
# of the LMA's process leaves its routes, the next start flushes them; the
# end of the driver leaves no route, rule or nftables table of ours.
TEST_NAME=proxy_recovery
. "$(dirname "$0")/lib.sh"
DRIVER="${TOOLS:-}/pdp-driver"
[ -x "$DRIVER" ] || skip "pdp-driver (tests/tools) not built"
command -v nft >/dev/null 2>&1 || skip "nft not found"
reg_cleanup_stale
echo "$$" >"$REG"

VHA=2001:db8:1::100
CN=2001:db8:c::2
P1=2001:db8:f:1::2
P2=2001:db8:f:2::2
MN1=2001:db8:a1::2
MN2=2001:db8:a2::2

add_ns lma
add_ns rt
add_ns cn
veth_link lma eth0 rt eth0
veth_link rt eth1 cn eth0
ns lma ip -6 addr add 2001:db8:1::1/64 dev eth0 nodad
ns lma ip -6 addr add $VHA/128 dev eth0 nodad
ns lma ip -6 route add default via 2001:db8:1::fe dev eth0
ns rt ip -6 addr add 2001:db8:1::fe/64 dev eth0 nodad
ns rt ip -6 addr add 2001:db8:c::1/64 dev eth1 nodad
ns cn ip -6 addr add $CN/64 dev eth0 nodad
ns cn ip -6 route add default via 2001:db8:c::1 dev eth0

# pd_mag K PCOA HNP MNADDR: MAG K on rt's eth(1+K), its MN host behind it
pd_mag() {
	k=$1 pcoa=$2 hnp=$3 mn=$4
	add_ns "mag$k"
	add_ns "mnh$k"
	veth_link rt "eth$((1 + k))" "mag$k" eth0
	veth_link "mag$k" eth1 "mnh$k" eth0
	ns rt ip -6 addr add "2001:db8:f:$k::1/64" dev "eth$((1 + k))" nodad
	ns rt ip -6 route add "$hnp" via $VHA dev eth0
	ns "mag$k" ip -6 -batch - <<B
addr add $pcoa/64 dev eth0 nodad
route add default via 2001:db8:f:$k::1 dev eth0
addr add 2001:db8:e:$k::1/64 dev eth1 nodad
route add $hnp via 2001:db8:e:$k::2 dev eth1
sr tunsrc set $pcoa
rule add pref 1000 lookup local
rule del pref 0 lookup local
rule add pref 500 to $pcoa/128 ipproto ipv6 lookup 100
route add $pcoa/128 encap seg6local action End.DX6 nh6 2001:db8:e:$k::2 dev eth1 table 100
rule add pref 600 from $hnp lookup 200
route add default encap seg6 mode encap.red segs $VHA dev eth0 table 200
B
	ns "mnh$k" ip -6 -batch - <<B
addr add 2001:db8:e:$k::2/64 dev eth0 nodad
addr add $mn/128 dev eth0 nodad
route add default via 2001:db8:e:$k::1 dev eth0 src $mn
B
}
pd_mag 1 $P1 2001:db8:a1::/64 $MN1
pd_mag 2 $P2 2001:db8:a2::/64 $MN2

# the driver in the LMA, commands through a FIFO, one answer line each
drv_start() {
	rm -f "$WORK/drv.in"
	mkfifo "$WORK/drv.in"
	# not through ns(): a background function is a subshell, $! would be its PID
	ip netns exec "${PFX}lma" "$DRIVER" $VHA eth0 <"$WORK/drv.in" >"$WORK/drv.out" \
		2>>"$WORK/drv.err" &
	DRV=$!
	bg_started $DRV
	exec 3>"$WORK/drv.in"
	NANS=1
	wait_for 20 "pdp-driver ready" grep -q '^ok ready' "$WORK/drv.out"
}
drv_start
# drv CMD...: send, wait for its answer line (in ANS; not in a subshell:
# NANS counts the answers), succeed if it is "ok"
drv() {
	echo "$*" >&3
	NANS=$((NANS + 1))
	wait_for 20 "pdp-driver's answer to '$*'" sh -c "[ \$(wc -l <'$WORK/drv.out') -ge $NANS ]"
	ANS=$(sed -n "${NANS}p" "$WORK/drv.out")
	case $ANS in ok*) return 0 ;; *) return 1 ;; esac
}

# pings with a bounded number of tries (one lost packet is no failure)
reach() { # reach FROM_NS DST [SRC]
	i=0
	while [ $i -lt 5 ]; do
		if [ -n "${3:-}" ]; then
			ns "$1" ping -6 -c 1 -W 1 -I "$3" "$2" >/dev/null 2>&1 && return 0
		else
			ns "$1" ping -6 -c 1 -W 1 "$2" >/dev/null 2>&1 && return 0
		fi
		i=$((i + 1))
	done
	return 1
}
unreach() { ! ns "$1" ping -6 -c 2 -i 0.2 -W 1 "$2" >/dev/null 2>&1; }
drops() { # the LMA's reverse filter drop counter (IPv6-in-IPv6)
	ns lma nft list chain ip6 vrrp_ha_1061 tunnel_in |
		sed -n 's/.*meta l4proto ipv6 counter packets \([0-9]*\) .*/\1/p'
}

check "stage two proxy bindings" drv stage $P1 2001:db8:a1::/64
check "stage the second" drv stage $P2 2001:db8:a2::/64
check "commit" drv commit
drv count || true
check "two PCoA . HNP pairs in the filter ($ANS)" [ "$ANS" = "ok 2" ]
if drv stage $P1 2001:db8:a9::/0; then bad=accepted; else bad=refused; fi
check "a prefix length 0 is refused ($ANS)" [ "$bad" = refused ]
check "HNP routes staged in table 1061" sh -c "[ \$(ip netns exec ${PFX}lma ip -6 route show table 1061 | grep -c encap) -eq 2 ]"

check "staged only: CN cannot reach mnh1" unreach cn $MN1
check "MAG1 on" drv pcoa $P1 on
check "CN -> mnh1 (and back) through MAG1's tunnel" reach cn $MN1
check "mnh1 -> CN" reach mnh1 $CN
check "MAG2 still off: CN cannot reach mnh2" unreach cn $MN2
check "activate (MASTER): all MAGs" drv activate
check "CN -> mnh2" reach cn $MN2
check "CN -> mnh1" reach cn $MN1
check "deactivate" drv deactivate
check "MAG1 still on by itself" reach cn $MN1
check "MAG2 off again" unreach cn $MN2
check "activate again" drv activate

# forgery: mnh2 sends with a source in HNP1 through MAG2 (PCoA2 . HNP1)
d0=$(drops)
ns mnh2 ip -6 addr add 2001:db8:a1::99/128 dev eth0 nodad
ns mag2 ip -6 rule add pref 601 from 2001:db8:a1::99/128 lookup 200
ns cn nft -f - <<N
table ip6 pd_cn {
	chain in {
		type filter hook prerouting priority 0;
		ip6 saddr 2001:db8:a1::99 counter
	}
}
N
ns mnh2 ping -6 -c 3 -i 0.2 -W 1 -I 2001:db8:a1::99 $CN >/dev/null 2>&1 || true
d1=$(drops)
check "forged source dropped by the LMA (drops $d0 -> $d1)" [ "$d1" -ge $((d0 + 3)) ]
check "no forged packet reached the CN" sh -c "ip netns exec ${PFX}cn nft list chain ip6 pd_cn in | grep -q 'counter packets 0 '"
check "the real MN2 still goes through" reach mnh2 $CN
# a flood of forged packets: counted and dropped, the LMA's driver still answers
ns mnh2 timeout 20 ping -6 -q -i 0.001 -c 1000 -W 1 -I 2001:db8:a1::99 $CN >/dev/null 2>&1 || true
d2=$(drops)
check "1000 forged packets flooded, all dropped ($d1 -> $d2)" [ "$d2" -ge $((d1 + 1000)) ]
check "none reached the CN" sh -c "ip netns exec ${PFX}cn nft list chain ip6 pd_cn in | grep -q 'counter packets 0 '"
check "the data plane still answers" drv count

# 5% loss of tunnelled packets on rt (both directions): bounded retries suffice
ns rt nft -f - <<N
table ip6 pd_loss {
	chain lossy {
		type filter hook forward priority 0;
		meta l4proto ipv6 numgen random mod 100 < 5 drop
	}
}
N
ok_n=0
for i in 1 2 3 4 5 6 7 8 9 10; do reach cn $MN1 && ok_n=$((ok_n + 1)); done
check "with 5% loss, 10 of 10 reach with retries ($ok_n)" [ "$ok_n" -eq 10 ]
ns rt nft delete table ip6 pd_loss

check "unstage HNP1" drv unstage 2001:db8:a1::/64
check "commit" drv commit
check "mnh1 unreachable once unstaged" unreach cn $MN1
check "mnh2 still reachable" reach cn $MN2

# the LMA's process crashes with everything staged: a new one flushes the
# stale prefix routes and rules (protocol 180) and starts with an empty filter
kill -9 $DRV
wait_for 20 "pdp-driver gone" sh -c "! kill -0 $DRV 2>/dev/null"
exec 3>&-
check "a crash leaves the HNP route" sh -c "[ \$(ip netns exec ${PFX}lma ip -6 route show table 1061 | grep -c encap) -eq 1 ]"
drv_start
check "the restart flushed it" sh -c "[ -z \"\$(ip netns exec ${PFX}lma ip -6 route show table 1061)\" ]"
drv count || true
check "and the filter is empty ($ANS)" [ "$ANS" = "ok 0" ]
check "restaged after the restart" drv stage $P1 2001:db8:a1::/64
check "commit" drv commit
check "MAG1 on" drv pcoa $P1 on
check "CN -> mnh1 again" reach cn $MN1
check "mnh2 not (MAG2 not restaged)" unreach cn $MN2

# end of the driver: everything of ours goes
exec 3>&-
wait_for 20 "pdp-driver exit" sh -c "! kill -0 $DRV 2>/dev/null"
check "no route left in table 1061" sh -c "[ -z \"\$(ip netns exec ${PFX}lma ip -6 route show table 1061)\" ]"
check "no rule of ours left" sh -c "! ip netns exec ${PFX}lma ip -6 rule show | grep -q 'proto 180'"
check "no nftables table left" sh -c "! ip netns exec ${PFX}lma nft list table ip6 vrrp_ha_1061 >/dev/null 2>&1"
finish
