# shellcheck shell=sh
# lossy_lib.sh - lib.sh plus what lossy_sync.sh and lossy_restore.sh share:
# nftables loss, whole-table signatures (count and digest from
# `vrrp-ha-ctl state --json`), several topologies one after the other in
# one run (teardown), figures.
. "$(dirname "$0")/lib.sh"

: "${BC_DRIVER:=$TOOLS/../../bench/bc-driver}"
[ -x "$BC_DRIVER" ] || skip "BC_DRIVER (bench/bc-driver) not found"
command -v nft >/dev/null 2>&1 || skip "nft not found"

# loss_on NODE PERCENT: drop PERCENT % of every VRRP packet (IP protocol
# 112: adverts, BC and extension messages) on NODE's input
loss_on() {
	ns "$1" nft -f - <<EOF
table inet ${PFX}loss {
	chain input {
		type filter hook input priority 0;
		meta l4proto 112 numgen random mod 100 < $2 counter drop
	}
}
EOF
}
loss_off() { ns "$1" nft delete table inet "${PFX}loss" 2>/dev/null || true; }
# loss_dropped NODE: packets the loss rule dropped so far
loss_dropped() {
	ns "$1" nft list chain inet "${PFX}loss" input 2>/dev/null |
		awk '/counter/ {for (i = 1; i <= NF; i++) if ($i == "packets") print $(i + 1)}'
}

# sig NODE rbc|bc: "COUNT DIGEST" of that table, from state --json
sig() {
	ctl "$1" state --json 2>/dev/null |
		sed -n "s/.*\"$2\":\([0-9]*\),.*\"$2_digest\":\"\([0-9a-f]*\)\".*/\1 \2/p"
}
# same_sig A TABLE_A B TABLE_B: equal count and digest (the same bindings)
same_sig() {
	s1=$(sig "$1" "$2") s2=$(sig "$3" "$4")
	[ -n "$s1" ] && [ "$s1" = "$s2" ]
}
backlog_is() { [ "$(ctl "$1" state 2>/dev/null | awk '$1=="backlog"{print $2}')" = "$2" ]; }
held_of() { ctl "$1" state 2>/dev/null | awk '$1=="held"{print $2}'; }
held_is() { [ "$(held_of "$1")" = "$2" ]; }
master_of() { ctl "$1" state 2>/dev/null | awk '$1=="master"{print $2}'; }

# figure NAME VALUE: a measured figure, one greppable line
figure() { log "figure $1 $2"; }

# teardown: end this topology's processes and namespaces (ours, by PID and
# name); the nodes' directories move to $WORK/old/N so the next topology
# starts with fresh logs
TEARDOWNS=0
teardown() {
	for p in $PIDS; do
		for c in $(pgrep -P "$p" 2>/dev/null); do kill -9 "$c" 2>/dev/null || true; done
		kill -9 "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	for p in $BGPIDS; do kill -9 "$p" 2>/dev/null || true; done
	for n in $NSS; do
		for p in $(ip netns pids "$n" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
		ip netns del "$n" 2>/dev/null || true
	done
	PIDS="" BGPIDS="" NSS=""
	TEARDOWNS=$((TEARDOWNS + 1))
	mkdir -p "$WORK/old/$TEARDOWNS"
	for d in "$WORK"/*/; do
		[ -f "$d/keepalived.conf" ] && mv "$d" "$WORK/old/$TEARDOWNS/"
	done
	true
}

# non_ha_conf NAME PRIORITY [ADVERT_INT]: keepalived.conf of a VRRP router
# of the group without vrrp-ha (no mipv6_ha block: behaves as a stock one)
non_ha_conf() {
	cat >"$WORK/$1/keepalived.conf" <<EOF
global_defs {
    router_id $1
}
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority $2
    advert_int ${3:-1}
    virtual_ipaddress {
        fe80::100/64
        $VHA/64
    }
}
EOF
}
