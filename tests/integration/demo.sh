#!/bin/sh
# demo.sh - vrrp-ha in one minute: two Home Agents, a correspondent node and
# mobile nodes in network namespaces. The owner's binding cache is replicated
# to the backup, which pre-stages a tunnel per binding; the owner crashes and
# the mobile nodes' traffic goes on through the new master's tunnels (partial
# recovery, draft-deng 5.2.1); a mobile node's Binding Update triggers its full
# recovery (5.2.2); the owner comes back and gets its bindings back. At the
# end, a timeline picture of the failover (scripts/timeline.sh).
#
# Usage (as root):  sh tests/integration/demo.sh BUILD_DIR
#              or:  KEEPALIVED=... VRRP_HA_CTL=... TOOLS=... sh tests/integration/demo.sh
# DEMO_MNS (3) mobile nodes with traffic, DEMO_N (1000) more bindings without,
# DEMO_ADVERT_INT (0.1 s), DEMO_OUT: where the picture goes (default
# /tmp/vrrp-ha-demo.PFX). Nothing outside its own namespaces, its temporary
# directory and DEMO_OUT is touched.

if [ -n "${1:-}" ]; then
	: "${KEEPALIVED:=$1/keepalived/keepalived-2.2.7/keepalived/keepalived}"
	: "${VRRP_HA_CTL:=$1/sync/vrrp-ha-ctl}"
	: "${TOOLS:=$1/tests/tools}"
fi
export KEEPALIVED VRRP_HA_CTL
: "${PFX:=ihdm}"
TEST_NAME=demo
. "$(dirname "$0")/lib.sh"
[ -x "${TOOLS:-}/pcap-lite" ] && [ -x "$TOOLS/hao-esp" ] || skip "TOOLS/pcap-lite, TOOLS/hao-esp missing"
command -v gnuplot >/dev/null 2>&1 || skip "gnuplot not found (Debian package gnuplot-nox)"
TOP=$(cd "$(dirname "$0")/../.." && pwd)
# bc-sniff tells adverts from BC_REQUEST / BC_UPDATE; it is built with bench/
SNIFF=${BENCH_BIN:-$TOOLS/../../bench}/bc-sniff

M=${DEMO_MNS:-3}
N=${DEMO_N:-1000}
ADV=${DEMO_ADVERT_INT:-0.1}
MAX_GAP_MS=${DEMO_MAX_GAP_MS:-1500} # the machine is shared (typical: ~350 ms)
OUT=${DEMO_OUT:-/tmp/vrrp-ha-demo.$PFX}
TL=$WORK/timeline # what the picture is made of
mkdir -p "$TL" "$OUT"
MNS=$(seq 1 "$M")

if [ -t 1 ]; then B=$(printf '\033[1m') E=$(printf '\033[0m'); else B='' E=''; fi
say() { printf '\n%s==> %s%s\n' "$B" "$*" "$E"; }
note() { printf '    %s\n' "$*"; }
# show CMD...: print the command as typed (ctl NAME -> vrrp-ha-ctl -s NAME's
# socket), then its output, indented
show() {
	printf '    $ %s\n' "$*" | sed "s|ctl \([a-z0-9]*\) |vrrp-ha-ctl -s \1.sock |"
	eval "$*" 2>&1 | sed 's/^/      /'
}
# watched NODE: the lines of NODE's `vrrp-ha-ctl watch` since the last call,
# runs of one kind of binding event shortened to their first two lines
watched() {
	f=$WORK/$1.watch
	seen=$(eval "echo \${SEEN_$1:-0}")
	printf '    %s$ vrrp-ha-ctl -s %s.sock watch%s   (new lines)\n' "$B" "$1" "$E"
	tail -n +$((seen + 1)) "$f" | awk '
		$2 != "rbc" && $2 != "bc" { print; next }
		{ k = $1 " " $2 " " $NF; if (++c[k] <= 2) print; else if (c[k] == 3) o[++n] = k }
		END { for (i = 1; i <= n; i++) printf "... %d more %s\n", c[o[i]] - 2, o[i] }' | sed 's/^/      /'
	eval "SEEN_$1=$(wc -l <"$f")"
}
# assert DESCRIPTION CMD...: one line ok / FAIL (counted)
assert() {
	d=$1
	shift
	if "$@"; then note "ok: $d"; else
		note "FAIL: $d"
		FAILS=$((FAILS + 1))
	fi
}
# mark LABEL: a dashed line in the picture
mark() { echo "$(date +%s%N) $*" >>"$TL/marks"; }
# after_crash TAG: replies received since the crash
after_crash() { echo $(($(ping_replies "$1") - $(ping_replies_before "$1" "$T_CRASH"))); }
sent() { sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$WORK/$1.ping"; }
# replies_after TAG N: at least N replies since the crash (for wait_for)
replies_after() { [ "$(after_crash "$1")" -ge "$2" ]; }
# tunnelled_after NODE COA MS: NODE sent a packet to COA after wall time MS
tunnelled_after() {
	awk -v c="$2" -v t="$3" '$5 == c && $1 * 1000 > t { f = 1 } END { exit !f }' "$TL/$1.tun"
}
# table_of PHASE: per MN sent, received, received after the crash, longest gap
table_of() {
	printf '      %-10s %-18s %6s %9s %15s %15s\n' MN HoA sent received "after crash" "longest gap"
	for k in $MNS; do
		printf '      %-10s %-18s %6s %9s %15s %12s ms\n' "mn$k" "$(mn_hoa "$k")" "$(sent "$1$k")" \
			"$(ping_replies "$1$k")" "$(after_crash "$1$k")" "$(ping_gap_ms "$1$k")"
	done
	printf '      %-10s %-18s %6s %9s %15s %12s ms\n' "(VIP)" "$VHA" "$(sent "${1}vip")" \
		"$(ping_replies "${1}vip")" "$(after_crash "${1}vip")" "$(ping_gap_ms "${1}vip")"
}
pings_start() { # pings_start PHASE: cn pings every HoA and the VHA every 10 ms
	for k in $MNS; do ping_start cn "$(mn_hoa "$k")" "$1$k"; done
	ping_start cn "$VHA" "${1}vip"
}
pings_stop() {
	for k in $MNS; do ping_stop "$1$k"; done
	ping_stop "${1}vip"
}
# capture NODE: what NODE sends, seen on its bridge port (in the bridge's
# namespace, so it goes on while NODE's link is down): VRRP packets with their
# type (bc-sniff, or pcap-lite without types) and its tunnelled packets
capture() {
	rm -f "$WORK/$1.vr"
	if [ -x "$SNIFF" ]; then
		ip netns exec "${PFX}br" "$SNIFF" -i "$PFX$1" -o "$TL/$1.vrrp" -r "$WORK/$1.vr" \
			>"$WORK/$1.sniff" 2>&1 &
	else
		ip netns exec "${PFX}br" "$TOOLS/pcap-lite" -i "$PFX$1" -p 112 -I in -r "$WORK/$1.vr" \
			>"$WORK/$1.vcap" 2>&1 &
	fi
	eval "VCAP_$1=\$!"
	bg_started $!
	wait_for 5 "VRRP capture on $1's port" test -e "$WORK/$1.vr"
	pr_cap_start br "$PFX$1" "tun$1" -p 41 -I in
}
capture_stop() {
	eval "p=\$VCAP_$1"
	kill -TERM "$p" 2>/dev/null || true
	wait "$p" 2>/dev/null || true
	pr_cap_stop "tun$1"
	cp "$WORK/tun$1.cap" "$TL/$1.tun"
	[ -e "$WORK/$1.vcap" ] && awk '{ printf "%.0f in 0 0 0 0 %s\n", $1 * 1e9, $3 }' "$WORK/$1.vcap" >"$TL/$1.vrrp"
	true
}

say "Topology: a home link (bridge) with ha1 (address owner, priority 255), ha2"
note "(backup, priority 100) and rt, a router to cn (the correspondent node) and to"
note "$M foreign links, one per mobile node: an MN router holding the CoA, an MN host"
note "holding the HoA behind it (FIELD-NOTES: seg6 encap.red, IPv6-in-IPv6 on the wire)."
note "rt routes the HoAs to the VHA $VHA, the address both HAs share through VRRP."
pr_home
for k in $MNS; do pr_mn "$k"; done
for k in $MNS; do note "mn$k: HoA $(mn_hoa "$k")  CoA $(mn_coa "$k")"; done
write_conf ha1 255 "$ADV"
write_conf ha2 100 "$ADV" "dataplane auto"
note "ha2's keepalived.conf: a vrrp_instance (advert_int $ADV) with a mipv6_ha { } block:"
sed -n '/mipv6_ha {/,/}/p' "$WORK/ha2/keepalived.conf" | grep -v '^ *$' | sed 's/^/      /'
note "(dataplane auto: seg6 here, no ip6_tunnel in this kernel; below, haN.sock stands"
note "for $WORK/haN/ctl.sock)"

say "Start keepalived (patched with vrrp-ha) on both HAs; capture what each sends"
capture ha1
capture ha2
start_ka ha1
start_ka ha2
wait_for 10 "ha1 MASTER" is_state ha1 MASTER
wait_for 10 "ha2 BACKUP" is_state ha2 BACKUP
clock_pair >"$TL/clock"
for n in ha1 ha2; do
	watch_bg $n "t$n" "$WORK/$n.watch"
	watch_bg $n "j$n" "$TL/$n.events" --json
	watch_bg_ready $n "t$n"
	watch_bg_ready $n "j$n"
done
show "ctl ha1 state | head -4"
show "ctl ha2 state | head -4"

say "The mobility daemon on ha1 registers the $M mobile nodes and $N more bindings"
note "(here: vrrp-ha-ctl add / import; ha1's own tunnels to the CoAs are set up by"
note "hand, standing in for mip6d's home registration)"
for k in $MNS; do
	pr_tunnel ha1 90 91 90 "$(mn_hoa "$k")" "$(mn_coa "$k")"
	show "ctl ha1 add $(mn_hoa "$k") $(mn_coa "$k") 3600 1 AH"
done
gen_bindings "$N" 1 >"$WORK/bindings" # from 1: binding 0 would be mn1's HoA
show "ctl ha1 import $WORK/bindings"
TOTAL=$((N + M))
wait_for 10 "$TOTAL bindings on ha2" rbc_is ha2 "$TOTAL"
staged() { [ "$(pr_routes ha2)" -ge "$1" ]; }
wait_for 20 "$TOTAL tunnels staged on ha2" staged "$TOTAL"
note "ha1 sent them as VRRP_BC_UPDATE packets (36 bindings each) to ff02::12; ha2"
note "keeps them in its Redundancy Binding Cache (RBC) and has pre-staged one tunnel"
note "route per binding (table $PR_TABLE), not active while it is BACKUP:"
watched ha1
watched ha2
show "ip netns exec ${PFX}ha2 ip -6 route show table $PR_TABLE | head -$M"
show "ctl ha2 stats | grep -E '^(rx_update|rx_rec_added) '"

say "cn pings each HoA (through ha1's tunnels) and the VHA itself, every 10 ms"
pings_start a
for k in $MNS; do wait_for 10 "replies from mn$k" sh -c "grep -q 'bytes from' '$WORK/a$k.ping'"; done
replies_ge() { [ "$(ping_replies "$1")" -ge "$2" ]; }
for k in $MNS; do wait_for 10 "50 replies from mn$k" replies_ge "a$k" 50; done
note "replies so far: $(for k in $MNS; do printf 'mn%s %s  ' "$k" "$(ping_replies "a$k")"; done)VIP $(ping_replies avip)"

say "Crash ha1: kill -9 keepalived (VRRP child, then parent) and take its link down"
T_CRASH=$(now_ms)
mark "crash of ha1"
crash ha1 linkdown
note "ha2 misses 3 adverts (advert_int $ADV s) plus its skew time, then takes over..."
wait_for 10 "ha2 MASTER" is_state ha2 MASTER
note "ha2 became MASTER $(($(now_ms) - T_CRASH)) ms after the crash (polled); it switched"
note "its pre-staged tunnels on in the same step (ACTIVATE, before STATE):"
for k in $MNS; do wait_for 10 "mn$k's traffic through ha2" replies_after "a$k" 100; done
wait_for 10 "the VIP answering" replies_after avip 100
pings_stop a
watched ha2
show "ip netns exec ${PFX}ha2 ip -6 rule show | grep -w $PR_TABLE"
note "the traffic to the mobile nodes, over the crash (ping every 10 ms from cn):"
table_of a
for k in $MNS; do
	g=$(ping_gap_ms "a$k")
	assert "mn$k: replies after the crash ($(after_crash "a$k"))" [ "$(after_crash "a$k")" -gt 0 ]
	assert "mn$k: longest gap $g ms < $MAX_GAP_MS ms" [ "${g:-99999}" -lt "$MAX_GAP_MS" ]
done
MN_GAP=$(for k in $MNS; do ping_gap_ms "a$k"; done | sort -n | tail -1)
VIP_GAP=$(ping_gap_ms avip)
note "longest MN gap $MN_GAP ms, VIP gap $VIP_GAP ms (MN / VIP $(awk -v a="$MN_GAP" -v b="$VIP_GAP" 'BEGIN { printf "%.2f", b ? a / b : 0 }')): the mobile"
note "nodes' tunnels were ready when ha2 took over (3 x advert_int + skew = $(awk -v a="$ADV" 'BEGIN { printf "%.0f", (3 + 156 / 256) * a * 1000 }') ms)"

say "Full recovery (draft-deng 5.2.2): a mobile node sends a Binding Update to the VHA"
set -- $(sed -n 2p "$WORK/bindings")
FR_HOA=$1 FR_COA=$2
note "one of the $N bindings without traffic: $FR_HOA (CoA $FR_COA); tests/tools/hao-esp"
note "sends what its BU looks like on the wire: Home Address option + ESP, from the CoA"
mark "BU to the VHA"
note "$ ip netns exec ${PFX}mnr1 hao-esp -s $FR_COA -d $VHA -o $FR_HOA -n 3 -i 1000"
ns mnr1 "$TOOLS/hao-esp" -s "$FR_COA" -d "$VHA" -o "$FR_HOA" -n 3 -i 1000 >/dev/null
recovered() { grep -q "^RECOVER rbc $FR_HOA " "$WORK/ha2.watch"; }
wait_for 5 "RECOVER of $FR_HOA on ha2" recovered
note "ha2 deleted the binding from its RBC (origin trigger) and handed the mobile node"
note "over to its mobility daemon for a new registration (RECOVER, notify_recover, FIFO):"
watched ha2
assert "RECOVER of $FR_HOA on ha2" recovered

say "ha1 comes back, with a notify_restore script for its mobility daemon"
cat >"$WORK/ha1/restore.sh" <<EOF
#!/bin/sh
# called as: restore.sh INSTANCE RESTORE COUNT BATCH_FILE
echo "\$*" >>"$WORK/ha1/restore.runs"
cat "\$4" >>"$WORK/ha1/restored.txt"
EOF
chmod 755 "$WORK/ha1/restore.sh"
write_conf ha1 255 "$ADV" "notify_restore $WORK/ha1/restore.sh
        notify_dir $WORK/ha1/batches"
pings_start b
note "keepalived first, its link second (so that its watch sees everything):"
start_ka ha1
watch_bg ha1 tha1 "$WORK/ha1.watch"
watch_bg ha1 jha1 "$TL/ha1.events" --json
watch_bg_ready ha1 tha1
watch_bg_ready ha1 jha1
T_BACK=$(now_ms)
mark "ha1 back"
pr_link_up ha1
for k in $MNS; do pr_tunnel ha1 90 91 90 "$(mn_hoa "$k")" "$(mn_coa "$k")"; done
wait_for 10 "ha1 MASTER" is_state ha1 MASTER
RESTORED=$((TOTAL - 1))
wait_for 10 "ha1 has its $RESTORED bindings back" bc_is ha1 "$RESTORED"
wait_for 10 "the restore script" lines_ge "$RESTORED" "$WORK/ha1/restored.txt"
wait_for 10 "ha2 BACKUP" is_state ha2 BACKUP
restored_ev() { [ "$(grep -c '^RESTORE bc ' "$WORK/ha1.watch")" -ge "$RESTORED" ]; }
wait_for 10 "$RESTORED RESTORE events on ha1" restored_ev
note "ha1 asked for the table (VRRP_BC_REQUEST); ha2 answered from its RBC (BC_UPDATE):"
watched ha1
watched ha2
show "ctl ha1 stats | grep -E '^(tx_request|rx_rec_added|restored|notify_runs) '"
note "the notify_restore script ran $(wc -l <"$WORK/ha1/restore.runs") time(s), e.g. with:"
head -1 "$WORK/ha1/restore.runs" | sed 's/^/      /'
T_CRASH0=$T_CRASH T_CRASH=$T_BACK # "after crash" is after the return from here on
for k in $MNS; do wait_for 10 "mn$k answering through ha1" replies_after "b$k" 50; done
pings_stop b
note "the traffic to the mobile nodes over ha1's return (\"after crash\" = after the return):"
table_of b
assert "RESTORE events on ha1 ($(grep -c '^RESTORE bc ' "$WORK/ha1.watch"))" restored_ev

say "The failover timeline"
capture_stop ha1
capture_stop ha2
for n in ha1 ha2; do
	watch_bg_stop "t$n"
	watch_bg_stop "j$n"
done
for k in $MNS; do cat "$WORK/a$k.ping" "$WORK/b$k.ping" >"$TL/mn$k.ping"; done
cat "$WORK/avip.ping" "$WORK/bvip.ping" >"$TL/VIP.ping"
cp -r "$TL" "$OUT/"
TIMELINE_FROM=-1 TIMELINE_TITLE="vrrp-ha demo: $M mobile nodes + $N bindings, advert_int $ADV s" \
	sh "$TOP/scripts/timeline.sh" "$OUT/timeline" "$OUT/timeline" >"$WORK/plotted" 2>&1 || true
sed 's/^/    /' "$WORK/plotted"
note "made from $OUT/timeline/ (captures, watch --json, pings); remake it with"
note "sh scripts/timeline.sh $OUT/timeline"
for k in $MNS; do
	assert "mn$k: ha2 tunnelled to its CoA after the crash" tunnelled_after ha2 "$(mn_coa "$k")" "$T_CRASH0"
	assert "mn$k: ha1 tunnelled to its CoA again after its return" tunnelled_after ha1 "$(mn_coa "$k")" "$T_BACK"
done
assert "the timeline picture $OUT/timeline.svg" test -s "$OUT/timeline.svg"

say "Done: mobile node gap $MN_GAP ms, VIP gap $VIP_GAP ms; cleaning up"
[ "$FAILS" -eq 0 ] || exit 1
exit 0
