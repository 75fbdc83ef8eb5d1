#!/bin/sh
# replication.sh - two nodes: the address owner (a, 255) replicates its
# binding cache into the backup's (b, 100) Redundancy Binding Cache
# (draft-deng 4.2.3 / 5.1): add, update, stale update, delete, flush, a
# restarted backup's BC_REQUEST, SIGHUP on both, and a crashed master.
TEST_NAME=replication
. "$(dirname "$0")/lib.sh"

H1=2001:db8:bb::1 H2=2001:db8:bb::2 H3=2001:db8:bb::3

setup_bridge
add_node a 1
add_node b 2
add_node inj 9 # crafts packets
write_conf a 255
write_conf b 100
start_ka a
start_ka b
wait_for 10 "a MASTER" is_state a MASTER
wait_for 10 "b BACKUP" is_state b BACKUP

# f NAME HOA FIELD: one field of a binding on NAME's RBC (1 hoa 2 coa 3 seq
# 4 flags 5 lifetime)
f() { entry "$1" "$2" | awk -v k="$3" '{print $k}'; }
has() { [ "$(entry "$1" "$2" | awk '{print $2, $3, $4}')" = "$3" ]; }
# near A B: |A - B| <= 5
near() { [ "${1:-0}" -ge $(($2 - 5)) ] && [ "${1:-0}" -le $(($2 + 4)) ]; }

log "--- add: three bindings on the master appear in the backup's RBC"
ctl a add $H1 2001:db8:cc::1 3600 10 AH
ctl a add $H2 2001:db8:cc::2 600 20 H
ctl a add $H3 2001:db8:cc::3 120 30 AHK
wait_for 5 "3 bindings on b" rbc_is b 3
check "b: $H1 coa/seq/flags" has b $H1 "2001:db8:cc::1 10 AH"
check "b: $H2 coa/seq/flags" has b $H2 "2001:db8:cc::2 20 H"
check "b: $H3 coa/seq/flags" has b $H3 "2001:db8:cc::3 30 AHK"
check "b: $H1 lifetime ~3600 ($(f b $H1 5))" near "$(f b $H1 5)" 3600
check "b: $H2 lifetime ~600 ($(f b $H2 5))" near "$(f b $H2 5)" 600
check "b: $H3 lifetime ~120 ($(f b $H3 5))" near "$(f b $H3 5)" 120
check "a: bc holds 3, rbc 0 (owner)" [ "$(bc_count a)/$(rbc_count a)" = 3/0 ]
check "tables equal (a bc, b rbc)" same_table a b --bc

log "--- update: new seq and CoA propagate"
ctl a add $H1 2001:db8:cc::99 3600 11 AH
wait_for 5 "update on b" has b $H1 "2001:db8:cc::99 11 AH"
ok "b: $H1 moved to 2001:db8:cc::99 seq 11"

log "--- a crafted update from a third host is not heard (not the master b follows)"
stats_to b "$WORK/s1"
inject inj -R $H1,2001:db8:cc::5,12,3600 -q
wait_for 5 "not_master counted on b" moved b rx_not_master "$WORK/s1"
check "b: $H1 still cc::99 seq 11" has b $H1 "2001:db8:cc::99 11 AH"

log "--- stale update: an older seq with the master's own source does not move it back"
# without auth a third host can spoof the master's link-local source (see
# auth.md); the sequence rules still refuse an older record
A_LL=$(ctl b state | awk '$1 == "master" {print $2}')
check "b follows a master ($A_LL)" [ -n "$A_LL" ] && [ "$A_LL" != none ]
ns inj ip -6 addr add "$A_LL/64" dev eth0 nodad
stats_to b "$WORK/s1"
inject inj -s "$A_LL" -R $H1,2001:db8:cc::5,9,3600 -q
wait_for 5 "stale record counted on b" moved b rx_rec_stale "$WORK/s1"
ns inj ip -6 addr del "$A_LL/64" dev eth0
check "b: rx_rec_stale +1" [ "$(delta b rx_rec_stale "$WORK/s1")" -eq 1 ]
check "b: $H1 still cc::99 seq 11" has b $H1 "2001:db8:cc::99 11 AH"
check "a: bc entry unchanged" [ "$(entry a $H1 --bc | awk '{print $2, $3}')" = "2001:db8:cc::99 11" ]

log "--- delete propagates"
ctl a del $H2
wait_for 5 "2 bindings on b" rbc_is b 2
check "b: $H2 gone" [ -z "$(entry b $H2)" ]
check "b: the others kept" same_table a b --bc

log "--- re-registration after a delete with a lower seq (RFC 6275: any seq once gone)"
ctl a del $H1
gone() { [ -z "$(entry "$1" "$2")" ]; }
wait_for 5 "$H1 gone on b" gone b $H1
ctl a add $H1 2001:db8:cc::7 3600 2 AH
wait_for 5 "re-registration on b" has b $H1 "2001:db8:cc::7 2 AH"
ok "b: $H1 back with seq 2 despite the tombstone of seq 11 (VRRP_HA_REC_NEW)"

log "--- flush propagates"
ctl a flush
wait_for 5 "0 bindings on b" rbc_is b 0
ok "b: RBC empty after flush"

log "--- restart of the backup: BC_REQUEST, whole table back"
gen_bindings 500 >"$WORK/b500"
ctl a import "$WORK/b500" >/dev/null
wait_for 10 "500 bindings on b" rbc_is b 500
stats_to a "$WORK/s2"
crash b
start_ka b
wait_for 10 "b BACKUP again" is_state b BACKUP
wait_for 10 "500 bindings on the restarted b" rbc_is b 500
check "b: sent a BC_REQUEST (tx_request $(counter b tx_request))" [ "$(counter b tx_request)" -ge 1 ]
check "a: answered with a whole-table sync" [ "$(delta a full_syncs "$WORK/s2")" -ge 1 ]
check "a: counted the request" [ "$(delta a rx_request "$WORK/s2")" -ge 1 ]
check "restarted b holds exactly a's table" same_table a b --bc

log "--- SIGHUP on both: tables, counters and control socket survive"
nreload() { grep -c 'Reload complete' "$WORK/$1/keepalived.log" || true; }
reloaded() { [ "$(nreload "$1")" -gt "$2" ]; }
ra=$(nreload a) rb=$(nreload b)
adds=$(counter a bc_add)
stats_to a "$WORK/s3"
stats_to b "$WORK/s4"
ia=$(stat -c %i "$WORK/a/ctl.sock") ib=$(stat -c %i "$WORK/b/ctl.sock")
table a --bc >"$WORK/before_a"
reload a
reload b
wait_for 10 "a reloaded" reloaded a "$ra"
wait_for 10 "b reloaded" reloaded b "$rb"
sleep 1
check "a: control socket answers after reload" ctl a state
check "b: control socket answers after reload" ctl b state
check "a: the same control socket (not re-created)" [ "$(stat -c %i "$WORK/a/ctl.sock")" = "$ia" ]
check "b: the same control socket (not re-created)" [ "$(stat -c %i "$WORK/b/ctl.sock")" = "$ib" ]
check "a: still MASTER" is_state a MASTER
check "b: still BACKUP" is_state b BACKUP
check "a: bc still 500" [ "$(bc_count a)" = 500 ]
check "b: rbc still 500" [ "$(rbc_count b)" = 500 ]
check "a: counters kept (bc_add $(counter a bc_add))" [ "$(counter a bc_add)" = "$adds" ]
check "a: no state change over the reload" [ "$(delta a state_changes "$WORK/s3")" -eq 0 ]
check "b: no state change over the reload" [ "$(delta b state_changes "$WORK/s4")" -eq 0 ]
table a --bc >"$WORK/after_a"
check "a: same bindings after reload" cmp -s "$WORK/before_a" "$WORK/after_a"
check "a and b equal after reload" same_table a b --bc
check "a: keepalived alive" alive a
check "b: keepalived alive" alive b
ctl a add 2001:db8:aa::77 2001:db8:cc::77 3600 7 AH
wait_for 5 "a binding added after reload reaches b" rbc_is b 501
check "b: post-reload binding intact" has b 2001:db8:aa::77 "2001:db8:cc::77 7 AH"

log "--- kill -9 of the master (and link down): b takes over with its RBC"
table b >"$WORK/b_before"
crash a linkdown
wait_for 10 "b MASTER" is_state b MASTER
check "b: rbc still 501" [ "$(rbc_count b)" = 501 ]
table b >"$WORK/b_after"
check "b: same bindings as before the crash" cmp -s "$WORK/b_before" "$WORK/b_after"
grep -v '^2001:db8:aa::77 ' "$WORK/b_after" >"$WORK/b_cmp"
check "b: every binding a's BC held" cmp -s "$WORK/after_a" "$WORK/b_cmp"
check "b: keepalived alive" alive b

finish
