#!/bin/sh
# pmip.sh - PMIPv6 proxy bindings (docs/pmipv6.md) on a replicating pair
# with auth encrypt: a (owner, 255, MASTER), b (100, BACKUP) and a third
# host inj on the same bridge.
#
#   1. `pmip add` on a (one with two HNPs, ATT, LL-ID, LLA and a tunnel
#      id): b's `show --pmip` (text and JSON) has them; a's bc and b's rbc
#      have the same PMIPv6 count and digest; `pmip del` goes across too.
#   2. Malformed `pmip add` lines (a too long MN-ID, an HNP with a bad
#      length, a bad PCoA, a bad timestamp, an older timestamp): each an ERR
#      line and exit status 1; nothing changes.
#   3. A third host's forged PMIPV6 record spoofing a: unprotected
#      (rx_unauthenticated) and protected with a bad tag (rx_auth_failed,
#      auth_bad_tag): counted, b's table unchanged.
#   4. 10 % loss on b's VRRP input (nftables numgen random) while 200 more
#      are added and 5 deleted: b converges (count and digest).
#   5. a crashes: b takes over and keeps them; a comes back empty and the
#      restore brings every proxy binding back into its bc; a, master
#      again, replicates a new one to b.
TEST_NAME=pmip
. "$(dirname "$0")/lossy_lib.sh"

A_LL=fe80::1
KEY1=5be3a8c64a0fd1e2739b40c2f1d6e8a77c9e2f0b13d4a5c6e7f8091a2b3c4d5e
TS=0x675000000000 # RFC 5213 8.8: 48.16 fixed point
PCOA1=2001:db8:ac::1 PCOA2=2001:db8:ac::2
GOOD=2001:db8:99::1,2001:db8:98::1,1,3600 # a valid record for the barrier

setup_bridge
add_node a 1
add_node b 2
add_node inj 9
for n in a b; do
	mkdir -p "$WORK/$n/epoch"
	echo "key 1 aes-256-gcm $KEY1 send" >"$WORK/$n/sync.keys"
	chmod 600 "$WORK/$n/sync.keys"
done
write_conf a 255 1 "auth encrypt
        auth_key_file $WORK/a/sync.keys
        auth_epoch_file $WORK/a/epoch/VI_1.epoch"
write_conf b 100 1 "auth encrypt
        auth_key_file $WORK/b/sync.keys
        auth_epoch_file $WORK/b/epoch/VI_1.epoch
        dataplane seg6"

# psig NODE rbc|bc: "COUNT DIGEST" of that table's PMIPv6 records
psig() {
	ctl "$1" state --json 2>/dev/null |
		sed -n "s/.*\"$2_pmip\":\([0-9]*\),.*\"$2_pmip_digest\":\"\([0-9a-f]*\)\".*/\1 \2/p"
}
pcount() { psig "$1" "$2" | cut -d' ' -f1; }
pcount_is() { [ "$(pcount "$1" "$2")" = "$3" ]; }
in_sync() {
	s1=$(psig a bc) s2=$(psig b rbc)
	[ -n "$s1" ] && [ "$s1" = "$s2" ]
}
follows_a() { [ "$(master_of b)" = $A_LL ]; }
err_is() { # err_is EXPECT CMD...: exit 1 with an ERR line containing EXPECT
	e=$1
	shift
	set +e
	out=$("$@" 2>&1)
	rc=$?
	set -e
	[ $rc -eq 1 ] && echo "$out" | grep -q "$e"
}
barrier() {
	stats_to b "$WORK/b.bar"
	inject inj -q -V 2 -R $GOOD
	wait_for 20 "b: barrier packet" moved b rx_bad_version "$WORK/b.bar"
}
by() { check "$1: $2 $3 +$4 ($(delta "$2" "$3" "$WORK/$2.c"))" [ "$(delta "$2" "$3" "$WORK/$2.c")" -eq "$4" ]; }
# add_range FROM TO TS: proxy bindings mnI@lma.example, HNP 2001:db8:I::/64
add_range() {
	i=$1
	while [ "$i" -le "$2" ]; do
		ctl a pmip add "mn$i@lma.example" "2001:db8:$i::/64" $PCOA1 3600 "$3" att 4 >/dev/null
		i=$((i + 1))
	done
}

log "=== start: a MASTER, b BACKUP in sync"
start_ka a
wait_for 20 "a MASTER" is_state a MASTER
start_ka b
wait_for 20 "b BACKUP" is_state b BACKUP
wait_for 20 "b follows a" follows_a

log "=== 1. pmip add on a reaches b"
add_range 1 20 $TS
check "a: full one" sh -c "\"$VRRP_HA_CTL\" -s $WORK/a/ctl.sock pmip add mn0@lma.example \
	2001:db8:f0::/64,2001:db8:f1::/56 $PCOA2 3600 $TS att 4 llid 020000000001 lla fe80::a1 \
	tunnel 17 | grep -qx 'added'"
check "a: 21 in its bc" pcount_is a bc 21
wait_for 20 "b: 21 proxy bindings, a's digest" in_sync
check "b: show --pmip lists the full one" sh -c "\"$VRRP_HA_CTL\" -s $WORK/b/ctl.sock show --pmip |
	grep -Eqx 'mn0@lma.example 2001:db8:f0::/64,2001:db8:f1::/56 $PCOA2 [0-9]+ 0x0000675000000000 4 17 0x020000000001 fe80::a1'"
check "b: show --json --pmip" sh -c "\"$VRRP_HA_CTL\" -s $WORK/b/ctl.sock show --json --pmip |
	grep -q '\"mnid\":\"mn7@lma.example\",\"hnps\":\[\"2001:db8:7::/64\"\],\"pcoa\":\"$PCOA1\"'"
check "b: state counts them" sh -c "\"$VRRP_HA_CTL\" -s $WORK/b/ctl.sock state | grep -qx 'rbc_pmip 21'"
check "a: pmip del" sh -c "\"$VRRP_HA_CTL\" -s $WORK/a/ctl.sock pmip del mn20@lma.example | grep -qx 'deleted 1'"
wait_for 20 "b: the delete" pcount_is b rbc 20
wait_for 10 "b in sync" in_sync
# b's data plane pre-stages every HNP to its MAG (docs/pmipv6.md "Partial recovery")
hnp_route() { ns b ip -6 route show table 1051 | grep "^$1 " | grep -q "segs 1 \[ $2 \]"; }
wait_for 10 "b: HNP 2001:db8:7::/64 staged to $PCOA1" hnp_route 2001:db8:7::/64 $PCOA1
# the data plane hands routes to the kernel in batches from its timer: wait for each
wait_for 10 "b: the full one's first HNP staged to $PCOA2" hnp_route 2001:db8:f0::/64 $PCOA2
wait_for 10 "b: the full one's second HNP staged to $PCOA2" hnp_route 2001:db8:f1::/56 $PCOA2
wait_for 10 "b: the deleted one's HNP unstaged" sh -c "! ip netns exec ${PFX}b ip -6 route show table 1051 | grep -q '^2001:db8:20::/64 '"

log "=== 2. malformed pmip add lines: ERR, exit 1"
LONG=$(awk 'BEGIN { for (i = 0; i < 255; i++) printf "m" }')
SIG_A=$(psig a bc)
check "too long MN-ID" err_is "bad MN-ID" ctl a pmip add "$LONG" 2001:db8:9::/64 $PCOA1 600 $TS
check "HNP without a length" err_is "bad HNP length" ctl a pmip add mnx 2001:db8:9:: $PCOA1 600 $TS
check "HNP length 129" err_is "bad HNP length" ctl a pmip add mnx 2001:db8:9::/129 $PCOA1 600 $TS
check "link-local PCoA" err_is "bad PCoA 'fe80::9': link-local" ctl a pmip add mnx 2001:db8:9::/64 fe80::9 600 $TS
check "bad PCoA" err_is "bad PCoA" ctl a pmip add mnx 2001:db8:9::/64 2001:db8::zz 600 $TS
check "bad timestamp" err_is "bad timestamp" ctl a pmip add mnx 2001:db8:9::/64 $PCOA1 600 12ab
check "older timestamp" err_is "stale timestamp" ctl a pmip add mn1@lma.example 2001:db8:1::/64 $PCOA1 600 0x1
check "bad lla" err_is "bad lla" ctl a pmip add mnx 2001:db8:9::/64 $PCOA1 600 $TS lla 2001:db8::1
check "malformed lines changed nothing" [ "$(psig a bc)" = "$SIG_A" ]

log "=== 3. a third host's forged PMIPv6 records"
# kind 4 (PMIPV6), 1 record of 64 bytes: lifetime 900 units, P flag, ATT 4,
# tunnel 1, PCoA 2001:db8:ac0::9; MN-ID (NAI "f@x"), HNP 2001:db8:f00::/64,
# Timestamp
FORGED=$(echo 04 01 0040 0384 0200 04 00 0000 00000001 20010db80ac000000000000000000009 \
	08 04 01 66 40 78 16 12 00 40 20010db80f0000000000000000000000 1b 08 0000675000000000 |
	tr -d ' ')
fake_auth() {
	echo "3c33010200000000" "06010020" "$1" 01 01 00 00000000 ffffff0000000001 \
		deadbeefdeadbeefdeadbeefdeadbeef "$2" | tr -d ' '
}
ns inj ip -6 addr add $A_LL/64 dev eth0 nodad
SIG_B=$(psig b rbc)
stats_to b "$WORK/b.c"
inject inj -q -s $A_LL -x "3c33010100000000$FORGED"
barrier
by "forged unprotected PMIPv6 record" b rx_unauthenticated 1
stats_to b "$WORK/b.c"
inject inj -q -s $A_LL -x "$(fake_auth 01 "$FORGED")"
barrier
by "forged protected PMIPv6 record" b rx_auth_failed 1
by "forged protected PMIPv6 record" b auth_bad_tag 1
check "forgeries: b's table unchanged" [ "$(psig b rbc)" = "$SIG_B" ]
check "forgeries: no f@x on b" sh -c "! \"$VRRP_HA_CTL\" -s $WORK/b/ctl.sock show --pmip | grep -q '^f@x '"
ns inj ip -6 addr del $A_LL/64 dev eth0

log "=== 4. 10 % loss on b's input: 200 added, 5 deleted"
stats_to b "$WORK/b.c"
loss_on b 10
T0=$(now_ms)
add_range 100 299 $TS
for i in 1 2 3 4 5; do ctl a pmip del "mn$i@lma.example" >/dev/null; done
check "a: 20 + 200 - 5 = 215" pcount_is a bc 215
wait_for 90 "b converged under loss (count, digest)" in_sync
figure pmip_converge_loss10_ms $(($(now_ms) - T0))
log "loss: b dropped $(loss_dropped b), pmip_rx +$(delta b pmip_rx "$WORK/b.c"), sync_repairs +$(delta b sync_repairs "$WORK/b.c")"
check "loss: packets were dropped ($(loss_dropped b))" [ "$(loss_dropped b)" -gt 0 ]
loss_off b
check "a's bc and b's rbc list the same" sh -c "[ \"\$(\"$VRRP_HA_CTL\" -s $WORK/a/ctl.sock show --bc --pmip |
	sed 1d | awk '{\$4=\"\"; print}' | LC_ALL=C sort)\" = \"\$(\"$VRRP_HA_CTL\" -s $WORK/b/ctl.sock show --pmip |
	sed 1d | awk '{\$4=\"\"; print}' | LC_ALL=C sort)\" ]"

log "=== 5. failover and restore"
crash a linkdown
wait_for 20 "b MASTER" is_state b MASTER
check "b (master): 215 proxy bindings" pcount_is b rbc 215
check "b (master): its data plane is on (ACTIVATE)" counter_ge b dp_activations 1
link_up a
start_ka a
wait_for 30 "a MASTER again" is_state a MASTER
wait_for 30 "a restored every proxy binding" pcount_is a bc 215
wait_for 30 "a's bc equals b's rbc" in_sync
check "a (restored): the full one" sh -c "\"$VRRP_HA_CTL\" -s $WORK/a/ctl.sock show --bc --pmip |
	grep -Eqx 'mn0@lma.example 2001:db8:f0::/64,2001:db8:f1::/56 $PCOA2 [0-9]+ 0x0000675000000000 4 17 0x020000000001 fe80::a1'"
check "a: restored counted" counter_ge a restored 215
wait_for 20 "b BACKUP" is_state b BACKUP
wait_for 20 "b follows a" follows_a
ctl a pmip add mn500@lma.example 2001:db8:500::/64 $PCOA2 3600 $TS >/dev/null
wait_for 10 "b: a's new one after the restore" pcount_is b rbc 216
wait_for 10 "b in sync with a" in_sync
finish
