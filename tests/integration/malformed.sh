#!/bin/sh
# malformed.sh - a third namespace sends crafted BC packets to ff02::12:
# every malformed class is counted under its rx_<reason> (docs/protocol.md
# validation order), nothing malformed is stored, good records of a packet
# with one bad record are, VRRP states never change and keepalived survives
# a burst of 2000 garbage packets.
#
# Header checks run before the per-state rules, so both nodes count them;
# record checks only run where a BC_UPDATE is applied: on the backup (b).
TEST_NAME=malformed
GLOBAL_DEFS_EXTRA="log_unknown_vrids"
. "$(dirname "$0")/lib.sh"

setup_bridge
add_node a 1
add_node b 2
add_node inj 9
# restore_window_ms 500: the owner master ignores BC_UPDATEs soon after start
write_conf a 255 1 "restore_window_ms 500"
write_conf b 100
start_ka a
start_ka b
wait_for 10 "a MASTER" is_state a MASTER
wait_for 10 "b BACKUP" is_state b BACKUP

gen_bindings 20 >"$WORK/bindings"
ctl a import "$WORK/bindings" >/dev/null
wait_for 10 "20 bindings on b" rbc_is b 20
# both start-up syncs over, so no counter moves on its own below
sync_settled() { ! ctl "$1" state | grep -Eq '^sync (syncing|demoted)$'; }
for x in a b; do wait_for 10 "$x: start-up sync settled" sync_settled $x; done
sleep 1
table b >"$WORK/b_initial"
table a --bc >"$WORK/a_initial"
stats_to a "$WORK/a_start"
stats_to b "$WORK/b_start"

GOOD=2001:db8:99::1,2001:db8:98::1,1,3600 # a valid record, never stored below

# send DESC NODES REASON N BC-INJECT-ARGS...: inject one packet; on each node
# of NODES ("a b" or "b") counter rx_REASON must move by exactly N
send() { # (s_* names: lib.sh's helpers use plain global names)
	s_d=$1 s_ns=$2 s_k=rx_$3 s_c=$4
	shift 4
	send_key "$s_d" "$s_ns" "$s_k" "$s_c" "$@"
}
# send_key DESC NODES COUNTER N BC-INJECT-ARGS...: as send, any counter
send_key() {
	s_desc=$1 s_nodes=$2 s_key=$3 s_n=$4
	shift 4
	for s_x in a b; do stats_to "$s_x" "$WORK/$s_x.s"; done
	inject inj -q "$@"
	for s_x in $s_nodes; do
		wait_for 5 "$s_x: $s_key to move ($s_desc)" moved "$s_x" "$s_key" "$WORK/$s_x.s" "$s_n"
	done
	sleep 0.2 # a second count would show now
	for s_x in $s_nodes; do
		check "$s_desc: $s_x $s_key +$s_n" [ "$(delta "$s_x" "$s_key" "$WORK/$s_x.s")" -eq "$s_n" ]
	done
}
absent() { [ -z "$(entry b "$1")" ] && [ -z "$(entry a "$1" --bc)" ]; }

log "--- header classes (both nodes count them)"
send "bad version (2)" "a b" bad_version 1 -V 2 -R $GOOD
send "hop limit 64" "a b" bad_hoplimit 1 -H 64 -R $GOOD
send "count 3, 2 records" "a b" bad_length 1 -c 3 -R $GOOD -R 2001:db8:99::2,2001:db8:98::2,1,3600
send "count 1, 0 records" "a b" bad_length 1 -c 1
send "zero count" "a b" zero_count 1 -c 0
send "truncated record (2 records, 20 bytes short)" "a b" bad_length 1 \
	-R $GOOD -R 2001:db8:99::2,2001:db8:98::2,1,3600 -T 20
send "trailing garbage (5 bytes)" "a b" bad_length 1 -R $GOOD -G 5
send "BC_REQUEST with 4 trailing bytes" "a b" bad_length 1 -t 14 -G 4
# larger than the link MTU: the sender's kernel fragments it, the receiver's
# reassembles it into more than keepalived's receive buffer (MSG_TRUNC)
la=$(wc -l <"$WORK/a/keepalived.log")
lb=$(wc -l <"$WORK/b/keepalived.log")
send "oversized (3 KB, fragmented)" "a b" too_long 1 -R $GOOD -G 3000
send "oversized again" "a b" too_long 1 -R $GOOD -G 3000
check "oversized: no per-packet keepalived log on a" sh -c "! tail -n +$((la + 1)) '$WORK/a/keepalived.log' | grep -q 'message truncated'"
check "oversized: no per-packet keepalived log on b" sh -c "! tail -n +$((lb + 1)) '$WORK/b/keepalived.log' | grep -q 'message truncated'"
check "oversized: logged once (rate-limited) on b" [ "$(tail -n +$((lb + 1)) "$WORK/b/keepalived.log" | grep -c 'too_long')" -eq 1 ]
check "nothing of those stored" absent 2001:db8:99::1
check "nothing of those stored (2)" absent 2001:db8:99::2

log "--- extension messages (type 12, docs/protocol.md Extensions): counted by reason, nothing applied"
# header: 3c (v3, type 12), VRID 33 (51), ext version, # sections, reserved, checksum (kernel)
send_key "ext version 2" "a b" ext_bad_ext_version 1 -x 3c3302010000000001010008010000000000003e
send_key "section runs past the end" "a b" ext_bad_length 1 -x 3c33010100000000020100280001
send_key "len x count overflow" "a b" ext_bad_length 1 -x 3c3301010000000002ffffff
send_key "zero sections" "a b" ext_zero_sections 1 -x 3c33010000000000
send_key "section count 2, one section" "a b" ext_section_count 1 -x 3c330102000000001f0100010f
send_key "unknown kind skipped" "a b" ext_unknown_kind 1 -x 3c330101000000001f010004deadbeef
# a MIPV6 record (lifetime 900, seq 1, flags 0xc000) with a multicast HoA
send_key "MIPV6 record, multicast HoA" "a b" ext_bad_hoa 1 \
	-x 3c330101000000000201002803840001c0000000ff02000000000000000000000000000120010db8009800000000000000000001
check "no extension record stored" absent ff02::1
check "b: rbc still 20" [ "$(rbc_count b)" = 20 ]

log "--- wrong VRID (52, no such instance): keepalived's unknown-VRID path"
# (the ctl_ counters count the connections that read the counters, adverts
# every advert of the master: left out)
for x in a b; do stats_to $x "$WORK/$x.v.all" && grep -Ev '^(ctl_|adverts )' "$WORK/$x.v.all" >"$WORK/$x.v"; done
inject inj -q -r 52 -R $GOOD
wait_for 5 "b logs the unknown VRID" grep -q 'Unknown VRID(52)' "$WORK/b/keepalived.log"
sleep 0.2
for x in a b; do
	check "wrong VRID: $x counters unchanged" sh -c "$VRRP_HA_CTL -s $WORK/$x/ctl.sock stats | grep -Ev '^(ctl_|adverts )' | diff $WORK/$x.v - >&2"
done
check "wrong VRID: binding not stored" absent 2001:db8:99::1

log "--- type 13 (not a BC type): keepalived's advert checks, not vrrp-ha"
for x in a b; do stats_to $x "$WORK/$x.t.all" && grep -Ev '^(ctl_|adverts )' "$WORK/$x.t.all" >"$WORK/$x.t"; done
lb=$(wc -l <"$WORK/b/keepalived.log")
inject inj -q -t 13 -R $GOOD
wait_for 5 "b's keepalived to log the packet" sh -c "[ \$(wc -l <$WORK/b/keepalived.log) -gt $lb ]"
sleep 0.2
log "b logged: $(tail -n +$((lb + 1)) "$WORK/b/keepalived.log" | head -2 | tr '\n' ' ')"
for x in a b; do
	check "type 13: $x vrrp-ha counters unchanged" sh -c "$VRRP_HA_CTL -s $WORK/$x/ctl.sock stats | grep -Ev '^(ctl_|adverts )' | diff $WORK/$x.t - >&2"
done

log "--- record classes (counted where applied: the backup)"
send "multicast HoA" b rec_bad_hoa 1 -R ff0e::1,2001:db8:98::1,1,3600
send "link-local HoA" b rec_bad_hoa 1 -R fe80::5,2001:db8:98::1,1,3600
send "unspecified CoA" b rec_bad_coa 1 -R 2001:db8:99::3,::,1,3600
send "multicast CoA" b rec_bad_coa 1 -R 2001:db8:99::3,ff02::1,1,3600
send "HoA == CoA" b rec_hoa_is_coa 1 -R 2001:db8:99::4,2001:db8:99::4,1,3600
check "no bad record stored" sh -c "! $VRRP_HA_CTL -s $WORK/b/ctl.sock show | grep -Eq '^(ff0e::1|fe80::5|2001:db8:99::3|2001:db8:99::4) '"
check "b: rbc still 20" [ "$(rbc_count b)" = 20 ]

log "--- one bad and two good records in one packet, with the master's source"
# records are taken only from the master b follows (docs/sync.md "Who is
# heard"): inj borrows a's link-local source (possible without auth)
A_LL=$(ctl b state | awk '$1 == "master" {print $2}')
check "b follows a master ($A_LL)" [ -n "$A_LL" ] && [ "$A_LL" != none ]
ns inj ip -6 addr add "$A_LL/64" dev eth0 nodad
stats_to a "$WORK/a.m"
send "mixed packet" b rec_bad_hoa 1 -s "$A_LL" -R 2001:db8:99::11,2001:db8:98::11,5,3600 \
	-R ff02::1,2001:db8:98::12,5,3600 -R 2001:db8:99::13,2001:db8:98::13,6,3600,0x8000
ns inj ip -6 addr del "$A_LL/64" dev eth0
wait_for 5 "2 good records on b" rbc_is b 22
check "b: rx_rec_added +2" [ "$(delta b rx_rec_added "$WORK/b.s")" -eq 2 ]
check "b: good record 1 stored as sent" [ "$(entry b 2001:db8:99::11 | awk '{print $2, $3, $4}')" = "2001:db8:98::11 5 AH" ]
check "b: good record 2 stored as sent" [ "$(entry b 2001:db8:99::13 | awk '{print $2, $3, $4}')" = "2001:db8:98::13 6 A" ]
check "a: refused the packet carrying its own source address" [ "$(delta a rx_bad_source "$WORK/a.m")" -eq 1 ]
check "a: bc unchanged" [ "$(bc_count a)" = 20 ]

log "--- a burst of 2000 garbage BC packets"
for x in a b; do stats_to $x "$WORK/$x.g"; done
inject inj -g 2000 -S 7 >"$WORK/garbage.expect"
total=$(awk '{s += $2} END {print s}' "$WORK/garbage.expect")
log "sent: $(tr '\n' ' ' <"$WORK/garbage.expect")"
gsum() { # gsum NODE: sum of the moves of the expected counters on NODE
	s=0
	while read -r k v; do s=$((s + $(delta "$1" "$k" "$WORK/$1.g"))); done <"$WORK/garbage.expect"
	echo $s
}
gdone() { [ "$(gsum "$1")" -ge "$total" ]; }
wait_for 20 "b to count all $total garbage packets" gdone b
wait_for 20 "a to count all $total garbage packets" gdone a
sleep 0.3
while read -r k v; do
	check "garbage: b $k +$v" [ "$(delta b "$k" "$WORK/b.g")" -eq "$v" ]
	check "garbage: a $k +$v" [ "$(delta a "$k" "$WORK/a.g")" -eq "$v" ]
done <"$WORK/garbage.expect"
check "garbage: b stored nothing (rx_rec_added +0)" [ "$(delta b rx_rec_added "$WORK/b.g")" -eq 0 ]
check "garbage: b rx_ok +0" [ "$(delta b rx_ok "$WORK/b.g")" -eq 0 ]

log "--- shorter than a VRRP header (keepalived drops it before vrrp-ha)"
inject inj -q -x 3f330000
sleep 0.3

log "--- afterwards"
check "a: still MASTER" is_state a MASTER
check "b: still BACKUP" is_state b BACKUP
check "a: no state change" [ "$(delta a state_changes "$WORK/a_start")" -eq 0 ]
check "b: no state change" [ "$(delta b state_changes "$WORK/b_start")" -eq 0 ]
table b | grep -Ev '^2001:db8:99::1[13] ' >"$WORK/b_final"
check "b: existing bindings unchanged" cmp -s "$WORK/b_initial" "$WORK/b_final"
table a --bc >"$WORK/a_final"
check "a: bc unchanged" cmp -s "$WORK/a_initial" "$WORK/a_final"
check "a: keepalived alive" alive a
check "b: keepalived alive" alive b
ctl a add 2001:db8:bb::1 2001:db8:cc::1 3600 1 AH
wait_for 5 "replication still works" rbc_is b 23
ok "replication still works after the garbage"

finish
