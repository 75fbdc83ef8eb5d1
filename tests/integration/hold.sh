#!/bin/sh
# hold.sh - "Demoted until synced", unicast BC receive and mixed groups with
# the real patched keepalived (docs/operations.md "Demoted until synced",
# "Mixed groups"):
#  a. vrrp-ha-ctl hold on the master (the address owner, 255): the backup
#     (100) takes over; release: the owner preempts it back;
#  b. the owner restarted while the backup is MASTER with the table: it
#     starts BACKUP, held at priority 1 (sync), stays BACKUP while held, gets
#     its bindings back, and becomes MASTER only after the hold is released
#     (its sync completed);
#  c. a BC_REQUEST sent unicast to a node's link-local address (multicast
#     mode) reaches its library through the glue's unicast socket;
#  d. a router without vrrp-ha (keepalived without a mipv6_ha block) as
#     master: each HA node warns once and counts it.
TEST_NAME=hold
. "$(dirname "$0")/lib.sh"

ADV=0.5
N=200

setup_bridge
add_node o 1
add_node b 2
add_node s 3
add_node inj 9
# a quiet window of 3 s ends the owner's sync: long enough to look at it
write_conf o 255 $ADV "request_timeout_ms 3000"
write_conf b 100 $ADV
# s: an ordinary VRRP router of the group (no mipv6_ha block)
write_stock_conf s 150 $ADV

held_of() { ctl "$1" state 2>/dev/null | awk '$1=="held"{print $2}'; }
held_is() { [ "$(held_of "$1")" = "$2" ]; }
master_of() { ctl "$1" state 2>/dev/null | awk '$1=="master"{print $2}'; }
follows() { [ "$(master_of "$1")" = "$2" ]; }
klog() { cat "$WORK/$1/keepalived.log"; }

log "--- start: the owner alone, then the backup"
start_ka o
wait_for 10 "o MASTER" is_state o MASTER
check "o: an owner held at start-up enters BACKUP first" \
	grep -q '(VI_1) Entering BACKUP STATE (init)' "$WORK/o/keepalived.log"
check "o: started with the held priority" \
	grep -q '(VI_1) mipv6_ha: starting with priority 1 (held, base priority 255)' "$WORK/o/keepalived.log"
wait_for 10 "o: SYNC hold released" held_is o no
start_ka b
wait_for 10 "b BACKUP" is_state b BACKUP
gen_bindings $N >"$WORK/bindings"
ctl o import "$WORK/bindings" >/dev/null
wait_for 20 "$N on b" rbc_is b $N
wait_for 20 "b: SYNC hold released" held_is b no
# (b's proven sync can end before it hears o's first advert)
wait_for 10 "b follows o (fe80::1)" follows b fe80::1

log "--- a. hold on the master: the backup takes over; release gives it back"
ctl o hold >"$WORK/hold.out"
check "hold answers 'held at 1'" grep -qx 'held at 1' "$WORK/hold.out"
wait_for 10 "b MASTER after the hold" is_state b MASTER
wait_for 10 "o BACKUP" is_state o BACKUP
check "o: state says held 1 (operator)" [ "$(ctl o state | awk '$1=="held"{print $2, $3}')" = "1 (operator)" ]
check "o: keepalived's effective priority 255 -> 1" \
	grep -q '(VI_1) Changing effective priority from 255 to 1' "$WORK/o/keepalived.log"
wait_for 10 "o now follows b (fe80::2)" follows o fe80::2
check "o: holds_operator 1" [ "$(counter o holds_operator)" = 1 ]
check "o: held gauge 1" [ "$(counter o held)" = 1 ]
ctl o release >"$WORK/release.out"
check "release answers 'released'" grep -qx 'released' "$WORK/release.out"
wait_for 10 "o MASTER again (preempts)" is_state o MASTER
wait_for 10 "b BACKUP again" is_state b BACKUP
check "o: releases_operator 1, held 0" [ "$(counter o releases_operator)$(counter o held)" = 10 ]
check "o: priority back to 255" \
	grep -q '(VI_1) Changing effective priority from 1 to 255' "$WORK/o/keepalived.log"
check "hold 255 refused (1..254)" sh -c "! $VRRP_HA_CTL -s $WORK/o/ctl.sock hold 255 2>/dev/null"

log "--- b. the owner restarts while the backup is MASTER with the table"
crash o
wait_for 10 "b MASTER after the crash" is_state b MASTER
mark=$(wc -l <"$WORK/o/keepalived.log")
start_ka o
# (a proven sync of 200 bindings takes milliseconds: the hold is seen in
# the log, not by polling the state)
wait_for 10 "o held for sync" sh -c "tail -n +$((mark + 1)) '$WORK/o/keepalived.log' | grep -q 'held at priority 1 until the table is complete'"
# until the hold comes off: never MASTER while held (bounded)
bad=0 released=0 i=0
while [ $i -lt 400 ]; do
	st=$(ctl o state 2>/dev/null | awk '$1=="state"||$1=="held"{printf "%s ", $2}')
	case $st in
	"MASTER 1 "*) bad=1 ;;
	*" no ") released=1 && break ;;
	esac
	sleep 0.05
	i=$((i + 1))
done
check "o was never MASTER while held" [ $bad -eq 0 ]
check "o: the sync hold was released" [ $released -eq 1 ]
wait_for 10 "o MASTER after the release" is_state o MASTER
wait_for 10 "b BACKUP" is_state b BACKUP
tail -n +"$((mark + 1))" "$WORK/o/keepalived.log" >"$WORK/o/run2.log"
rel=$(grep -n 'released (sync hold): table complete' "$WORK/o/run2.log" | head -1 | cut -d: -f1)
mst=$(grep -n '(VI_1) Entering MASTER STATE' "$WORK/o/run2.log" | head -1 | cut -d: -f1)
check "o: restarted as BACKUP (init)" grep -q '(VI_1) Entering BACKUP STATE (init)' "$WORK/o/run2.log"
check "o: its table proven complete from b before the release" grep -q 'table complete from .* proven by digest' "$WORK/o/run2.log"
check "o: MASTER only after 'released (sync hold): table complete' (lines $rel < $mst)" \
	[ -n "$rel" ] && [ -n "$mst" ] && [ "$rel" -lt "$mst" ]
check "o: bindings restored before taking over ($N in bc)" [ "$(bc_count o)" = $N ]
check "o: holds_sync 1, releases_sync 1, no timeout" \
	[ "$(counter o holds_sync)$(counter o releases_sync)$(counter o sync_hold_timeouts)" = 110 ]

log "--- c. unicast BC_REQUEST to a link-local address (multicast mode)"
stats_to o "$WORK/o.c0"
stats_to b "$WORK/b.c0"
inject inj -d fe80::1 -t 14
inject inj -d fe80::2 -t 14
wait_for 5 "o took the unicast request" moved o rx_request "$WORK/o.c0"
wait_for 5 "b read the unicast request" moved b rx_ok "$WORK/b.c0"
check "b counted it as a request (answered in its grace after MASTER, or ignored)" \
	[ $(($(delta b rx_request "$WORK/b.c0") + $(delta b rx_request_ignored "$WORK/b.c0"))) -ge 1 ]
stats_to o "$WORK/o.c1"
inject inj -d fe80::1 -t 14 -r 77
# a barrier: a good request sent behind it on the same socket is counted
# only after the VRID 77 one was read
inject inj -d fe80::1 -t 14
wait_for 5 "o took the request behind it" moved o rx_request "$WORK/o.c1"
check "o: a request for another VRID never reaches the library" \
	[ "$(delta o rx_vrid_mismatch "$WORK/o.c0")" -eq 0 ]

log "--- d. a router without vrrp-ha as master: one warning per HA node"
KA_NO_CTL_WAIT=1 start_ka s
wait_for 10 "s BACKUP" grep -q '(VI_1) Entering BACKUP STATE' "$WORK/s/keepalived.log"
ctl o hold 1 >/dev/null
wait_for 10 "s MASTER" grep -q '(VI_1) Entering MASTER STATE' "$WORK/s/keepalived.log"
wait_for 10 "o BACKUP" is_state o BACKUP
wait_for 10 "b BACKUP" is_state b BACKUP
wmsg='fe80::3 (priority 150) sends VRRP adverts but no vrrp-ha traffic: a non-HA VRRP router in group 51'
wait_for 20 "o warns" grep -q "$wmsg" "$WORK/o/keepalived.log"
wait_for 20 "b warns" grep -q "$wmsg" "$WORK/b/keepalived.log"
# a few more adverts from s, then count again
a0=$(ctl o state | awk '$1=="peer" && $2=="fe80::3"{print $10}')
wait_for 10 "4 more adverts from s" sh -c \
	"[ \$($VRRP_HA_CTL -s $WORK/o/ctl.sock state | awk '\$1==\"peer\" && \$2==\"fe80::3\"{print \$10}') -ge $((a0 + 4)) ]"
check "o: warned once" [ "$(grep -c "$wmsg" "$WORK/o/keepalived.log")" = 1 ]
check "b: warned once" [ "$(grep -c "$wmsg" "$WORK/b/keepalived.log")" = 1 ]
check "o: mixed_warnings 1, peers_non_ha 1" [ "$(counter o mixed_warnings)$(counter o peers_non_ha)" = 11 ]
check "b: mixed_warnings 1" [ "$(counter b mixed_warnings)" = 1 ]
wait_for 10 "o follows s" follows o fe80::3
ctl o state --json >"$WORK/o.json"
check "state --json: s in peers as non-HA master" grep -q \
	'{"address":"fe80::3","priority":150,"ha":false,"non_ha":true,"master":true' "$WORK/o.json"
check "state --json: b in peers as HA" grep -q '{"address":"fe80::2","priority":100,"ha":true' "$WORK/o.json"
check "state --json: held 1 (operator)" grep -q '"held":1,"hold_reasons":"operator"' "$WORK/o.json"
ctl o release >/dev/null
wait_for 10 "o MASTER again" is_state o MASTER
check "b: never warned about o" sh -c "! grep -q 'fe80::1 (priority' $WORK/b/keepalived.log"

finish
