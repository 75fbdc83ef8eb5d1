#!/bin/sh
# switch.sh - SwitchOver and SwitchBack (docs/harp.md) with the real patched
# keepalived, in the HARP layout: every HA nopreempt, sync encrypted.
#   a (200, address_owner: its daemon's bindings) and b (150) are HAs; s (100, nopreempt) is a stock keepalived router of
#   the group (no mipv6_ha); inj is a third host without the key.
#  1. switchback on a without a peer: the Hello Request finds b (s never
#     answers), b takes over before a leaves MASTER (hitless: b's STATE
#     MASTER event precedes a's STATE BACKUP), a stays standby (held below
#     b) while b advertises, tables intact;
#  2. switchover on a: a is active again, b standby;
#  3. refusals: b held by the operator answers 129 (exit 4), a stays
#     MASTER; a switchover on the active HA is refused locally (exit 1);
#  3b. b missed a delete (its extension messages dropped for a moment; no
#     periodic digest in this test): b answers 130 and repairs its table
#     at once; a asks again and the switchback completes (exit 0);
#  4. the target crashes (SIGSTOP) in the middle: a gets no reply, exits 7
#     after switch_timeout, stays MASTER, no hold left;
#  5. a forged (unauthenticated) SwitchBack Request from inj spoofing a, and
#     a replay of a's genuine captured request: counted and dropped, nobody
#     switches;
#  6. 30 % loss of b's extension messages: the switchback still completes
#     (requests are retransmitted, the take waits for the next advert);
#  7. a failure trigger: a track_file weight drops a's priority: a switches
#     back to b by itself.
TEST_NAME=switch
. "$(dirname "$0")/lib.sh"

[ -x "$TOOLS/vrrp-hexdump" ] || skip "TOOLS/vrrp-hexdump not built"
command -v nft >/dev/null 2>&1 || skip "nft not found"
ADV=0.5
N=400
A_LL=fe80::1 B_LL=fe80::2
KEY1=5be3a8c64a0fd1e2739b40c2f1d6e8a77c9e2f0b13d4a5c6e7f8091a2b3c4d5e

setup_bridge
add_node a 1
add_node b 2
add_node s 3
add_node inj 9

# conf NAME PRIO [EXTRA_INSTANCE_LINES [EXTRA_MIPV6_HA_LINES]]: an HA with
# encrypted sync, nopreempt (the HARP layout: a recovered HA stays standby)
conf() {
	f=$WORK/$1/sync.keys
	(umask 077 && echo "key 1 aes-256-gcm $KEY1 send" >"$f")
	write_conf "$1" "$2" $ADV "auth encrypt
        auth_key_file $f
        auth_epoch_file $WORK/$1/VI_1.epoch
        switch_timeout 4000
        digest_interval 0
        ${4:-}" "nopreempt
    ${3:-}"
}
# a: the daemon's node (address_owner: its BC is what is replicated), at
# priority 200 so that track weights apply (keepalived ignores them at 255)
conf a 200 "track_file {
        ${PFX}trk weight -80
    }" "address_owner yes"
conf b 150 "" "dataplane seg6"
# a's track file: keepalived multiplies the number in it by the weight
echo 0 >"$WORK/a/trk"
{ printf 'vrrp_track_file %strk {\n    file %s\n}\n' "$PFX" "$WORK/a/trk"; cat "$WORK/a/keepalived.conf"; } >"$WORK/a/k.tmp"
mv "$WORK/a/k.tmp" "$WORK/a/keepalived.conf"
write_stock_conf s 100 $ADV nopreempt

sv() { ctl "$1" state 2>/dev/null | awk -v k="$2" '$1==k{print $2}'; }
held_is() { [ "$(sv "$1" held)" = "$2" ]; }
follows() { [ "$(sv "$1" master)" = "$2" ]; }
# tab NODE: "count digest" of its table (the owner's BC, b's RBC)
tab() {
	if [ "$1" = a ]; then echo "$(sv a bc) $(sv a bc_digest)"; else echo "$(sv b rbc) $(sv b rbc_digest)"; fi
}
same_tab() { [ "$(tab a)" = "$(tab b)" ] && [ "$(sv a bc)" = "$N" ]; }
# adverts NODE PEER_LL: adverts NODE heard from PEER
adverts() { ctl "$1" state 2>/dev/null | awk -v p="$2" '$1=="peer" && $2==p {print $10}'; }
adverts_ge() { [ "$(adverts "$1" "$2")" -ge "$3" ] 2>/dev/null; }
sw_done() { [ "$(sv "$1" switch)" = idle ]; }
# watch_start NODE TAG / watch_stop TAG: the node's events, JSON
watch_start() {
	ctl "$1" watch --json >"$WORK/$2.ev" 2>&1 &
	eval "W_$2=$!"
	bg_started $!
}
# watch_ready TAG_A TAG_B: both watchers subscribed: they saw the probe
# (re-added with a higher sequence until both did)
PSEQ=0
probe_seen() {
	PSEQ=$((PSEQ + 1))
	ctl a add $PROBE 2001:db8:cc::99 3600 $PSEQ AH >/dev/null
	grep -q "\"hoa\":\"$PROBE\"" "$WORK/$1.ev" && grep -q "\"hoa\":\"$PROBE\"" "$WORK/$2.ev"
}
watch_ready() {
	wait_for 10 "watchers see the probe" probe_seen "$1" "$2"
	ctl a del $PROBE >/dev/null
	wait_for 10 "the probe deleted on b" sh -c "grep -q '\"event\":\"DELETE\".*\"hoa\":\"$PROBE\"' '$WORK/$2.ev'"
}
PROBE=2001:db8:aa:ffff::1
watch_stop() {
	eval "p=\${W_$1:-}"
	kill -TERM "$p" 2>/dev/null || true
	wait "$p" 2>/dev/null || true
}
# ev_time FILE FROM TO: time_ms of the STATE event FROM -> TO
ev_time() { sed -n "s/.*\"event\":\"STATE\",\"from\":\"$2\",\"to\":\"$3\",\"time_ms\":\([0-9]*\).*/\1/p" "$1" | tail -1; }
snap() { for x in a b; do stats_to $x "$WORK/$x.c"; done; }
by() { check "$1: $2 $3 +$4 ($(delta "$2" "$3" "$WORK/$2.c"))" [ "$(delta "$2" "$3" "$WORK/$2.c")" -eq "$4" ]; }
# switchback_from NODE [PEER]: run it, its exit code in $RC, output in $OUT
run_sw() {
	OUT=$(ctl "$@" 2>&1) && RC=0 || RC=$?
	log "vrrp-ha-ctl $*: exit $RC: $OUT"
}

log "--- start: a (200, owner), then b (150) and s (100)"
start_ka a
wait_for 20 "a MASTER" is_state a MASTER
gen_bindings $N >"$WORK/bindings"
ctl a import "$WORK/bindings" >/dev/null
start_ka b
ip netns exec "${PFX}s" "$KEEPALIVED" -n -l -D -f "$WORK/s/keepalived.conf" \
	-p "$WORK/s/keepalived.pid" -r "$WORK/s/vrrp.pid" >>"$WORK/s/keepalived.log" 2>&1 &
S_PID=$!
PIDS="$PIDS $S_PID"
echo "pid $S_PID" >>"$REG"
wait_for 20 "b BACKUP" is_state b BACKUP
wait_for 20 "b follows a" follows b $A_LL
wait_for 30 "b's RBC equals a's table ($N)" same_tab
wait_for 20 "b: sync hold released" held_is b no

log "=== 1. switchback on a, no peer named"
watch_start a a1
watch_start b b1
watch_ready a1 b1
run_sw a switchback
check "1: switchback exits 0 ($RC)" [ "$RC" -eq 0 ]
check "1: it names b" sh -c "echo '$OUT' | grep -q 'peer $B_LL'"
wait_for 10 "b MASTER" is_state b MASTER
wait_for 10 "a BACKUP" is_state a BACKUP
wait_for 10 "a follows b" follows a $B_LL
watch_stop a1
watch_stop b1
tb=$(sed -n 's/.*"event":"ACTIVATE".*"time_ms":\([0-9]*\).*/\1/p' "$WORK/b1.ev" | tail -1)
tm=$(ev_time "$WORK/b1.ev" BACKUP MASTER)
ta=$(ev_time "$WORK/a1.ev" MASTER BACKUP)
log "b forwarding at $tb ms, b MASTER at $tm ms, a BACKUP at $ta ms (monotonic clock)"
le() { [ -n "$1" ] && [ -n "$2" ] && [ "$1" -le "$2" ]; }
check "1: hitless: b forwards before a leaves MASTER ($tb <= $ta)" le "$tb" "$ta"
check "1: b's data plane on before its STATE MASTER ($tb <= $tm)" le "$tb" "$tm"
check "1: a holds for the switch ($(sv a held))" [ "$(ctl a state | awk '$1=="held"{print $3}')" = "(switch)" ]
check "1: b logged the take-over" grep -q 'switch: taking over now' "$WORK/b/keepalived.log"
check "1: a counts switch_done 1" [ "$(counter a switch_done)" = 1 ]
check "1: b counts switch_took_over 1" [ "$(counter b switch_took_over)" = 1 ]
check "1: s never answered a Hello (a heard one Hello)" [ "$(counter a switch_rx_hello)" -ge 1 ]
check "1: events: a SWITCH giving, gave_way" sh -c "grep -q '\"detail\":\"giving\"' '$WORK/a1.ev' && grep -q '\"detail\":\"gave_way\"' '$WORK/a1.ev'"
# a recovered HA stays standby: 4 more adverts of b and a is still BACKUP
n0=$(adverts a $B_LL)
wait_for 10 "a hears 4 more adverts of b" adverts_ge a $B_LL $((n0 + 4))
check "1: a stays BACKUP (nopreempt + switch hold)" is_state a BACKUP
wait_for 20 "tables equal after the switch" same_tab

log "=== 2. switchover on a"
run_sw a switchover
check "2: switchover exits 0 ($RC)" [ "$RC" -eq 0 ]
wait_for 10 "a MASTER" is_state a MASTER
wait_for 10 "b BACKUP" is_state b BACKUP
wait_for 10 "b follows a" follows b $A_LL
check "2: a holds no more" held_is a no
check "2: b holds for the switch" [ "$(ctl b state | awk '$1=="held"{print $3}')" = "(switch)" ]
wait_for 20 "tables equal" same_tab

log "=== 3. refusals"
ctl b release >/dev/null
ctl b hold 90 >/dev/null
run_sw a switchback $B_LL
check "3: b held by the operator: prohibited, exit 4 ($RC)" [ "$RC" -eq 4 ]
check "3: a still MASTER" is_state a MASTER
check "3: a holds nothing" held_is a no
ctl b release >/dev/null
run_sw a switchover
check "3: switchover on the active HA: refused here, exit 1 ($RC)" [ "$RC" -eq 1 ]
run_sw b switchback
check "3: switchback on a standby: refused here, exit 1 ($RC)" [ "$RC" -eq 1 ]

log "=== 3b. not in sync: b missed a delete"
H1=2001:db8:aa:0:1::1 C1=2001:db8:cc:0:1::1
ns b nft -f - <<EOF
table inet ${PFX}cut {
	chain input {
		type filter hook input priority 0;
		meta l4proto 112 @nh,320,8 0x3c counter drop
	}
}
EOF
cut_dropped() { ns b nft list chain inet "${PFX}cut" input | grep -q 'packets [1-9]'; }
ctl a del $H1 >/dev/null
wait_for 10 "b dropped a's delete" cut_dropped
ns b nft delete table inet "${PFX}cut"
check "3b: b still holds $H1 ($(sv b rbc) bindings)" [ "$(sv b rbc)" = "$N" ]
snap
run_sw a switchback $B_LL
check "3b: switchback exits 0 after the repair ($RC)" [ "$RC" -eq 0 ]
by "3b: refused once" b switch_refused 1
check "3b: b repaired (sync_repairs moved)" moved b sync_repairs "$WORK/b.c"
wait_for 10 "b MASTER" is_state b MASTER
check "3b: b no longer holds $H1" [ "$(sv b rbc)" = "$((N - 1))" ]
run_sw a switchover
check "3b: switchover back exits 0 ($RC)" [ "$RC" -eq 0 ]
wait_for 10 "a MASTER" is_state a MASTER
ctl a add $H1 $C1 3600 2 AH >/dev/null
wait_for 20 "tables equal" same_tab

log "=== 4. the target stops in the middle"
kill -STOP "$(vrrp_pid b)"
run_sw a switchback $B_LL
kill -CONT "$(vrrp_pid b)"
check "4: no reply: exit 7 ($RC)" [ "$RC" -eq 7 ]
check "4: a still MASTER" is_state a MASTER
check "4: a holds nothing" held_is a no
b_follows_a() { is_state b BACKUP && follows b $A_LL; }
wait_for 20 "b BACKUP following a again" b_follows_a
wait_for 20 "tables equal" same_tab

log "=== 5. forged and replayed switch messages"
ns inj ip -6 addr add $A_LL/64 dev eth0 nodad
rm -f "$WORK/cap.ready"
ip netns exec "${PFX}b" "$TOOLS/vrrp-hexdump" -i eth0 -T 12 -r "$WORK/cap.ready" >"$WORK/cap.hex" 2>"$WORK/cap.err" &
CAP=$!
bg_started $CAP
wait_for 10 "capture on b" test -e "$WORK/cap.ready"
# a genuine switchback that b refuses (held): its request is the one replayed
ctl b hold 90 >/dev/null
run_sw a switchback $B_LL
ctl b release >/dev/null
captured() { awk -v s=$A_LL -v d=$B_LL '$1=="in" && $2==s && $3==d' "$WORK/cap.hex" | grep -q .; }
wait_for 10 "captured a's request" captured
kill -TERM $CAP 2>/dev/null || true
REQ=$(awk -v s=$A_LL -v d=$B_LL '$1=="in" && $2==s && $3==d {print $6; exit}' "$WORK/cap.hex")
snap
# an unprotected SwitchBack Request "from a": op 5, state MASTER (2), id 7,
# priority 255, target b (docs/protocol.md "SWITCH")
FORGED=$(printf '%s' 3c33010100000000 0c010028 05020000 00000007 ffff0000 00000000 \
	0000000000000000 fe800000000000000000000000000002)
inject inj -q -s $A_LL -d $B_LL -x "$FORGED"
inject inj -q -s $A_LL -d $B_LL -x "$REQ"
dropped_both() { moved b rx_unauthenticated "$WORK/b.c" && moved b rx_auth_failed "$WORK/b.c"; }
wait_for 10 "b dropped both" dropped_both
by "5: forged" b rx_unauthenticated 1
by "5: replay" b rx_auth_failed 1
by "5: nothing accepted" b switch_accepted 0
check "5: a still MASTER" is_state a MASTER
check "5: b still BACKUP" is_state b BACKUP
ns inj ip -6 addr del $A_LL/64 dev eth0
# inj's neighbour solicitations from a's address taught b inj's MAC for it
ns b ip -6 neigh flush dev eth0

log "=== 6. 30 % loss of b's extension messages"
ns b nft -f - <<EOF
table inet ${PFX}loss {
	chain input {
		type filter hook input priority 0;
		meta l4proto 112 @nh,320,8 0x3c numgen random mod 100 < 30 counter drop
	}
}
EOF
run_sw a switchback $B_LL
log "a: $(ctl a stats | awk '/^switch_/ && $2 != 0' | tr '\n' ' ')"
log "b: $(ctl b stats | awk '/^switch_/ && $2 != 0' | tr '\n' ' ')"
check "6: switchback under loss exits 0 ($RC)" [ "$RC" -eq 0 ]
wait_for 10 "b MASTER" is_state b MASTER
wait_for 10 "a BACKUP" is_state a BACKUP
run_sw a switchover
check "6: switchover under loss exits 0 ($RC)" [ "$RC" -eq 0 ]
wait_for 10 "a MASTER" is_state a MASTER
log "loss: b dropped $(ns b nft list chain inet "${PFX}loss" input | sed -n 's/.*packets \([0-9]*\).*/\1/p') extension messages"
ns b nft delete table inet "${PFX}loss"
wait_for 30 "tables equal" same_tab
ctl b release >/dev/null

log "=== 7. failure trigger: a's track file"
snap
echo 1 >"$WORK/a/trk"
wait_for 20 "b MASTER (a switched back on its own)" is_state b MASTER
wait_for 10 "a BACKUP" is_state a BACKUP
by "7: trigger" a switch_track_triggers 1
check "7: a logged the trigger" grep -q 'priority fell to 120 (track)' "$WORK/a/keepalived.log"
wait_for 20 "tables equal" same_tab
check "7: no binding lost ($N on b)" [ "$(sv b rbc)" = "$N" ]

finish
