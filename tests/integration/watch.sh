#!/bin/sh
# watch.sh - `vrrp-ha-ctl watch` on two patched keepalived nodes: the owner
# (a, 255) and a backup (b, 100). Shows the events of a live import (ADD on
# b's rbc, origin peer), a delete, a failover (STATE lines) and the owner's
# restore (RESTORE on a's bc) as the lines operators and adapters read.
TEST_NAME=watch
. "$(dirname "$0")/lib.sh"

H1=2001:db8:bb::1 H2=2001:db8:bb::2 H3=2001:db8:bb::3

setup_bridge
add_node a 1
add_node b 2
write_conf a 255 1
write_conf b 100
start_ka a
start_ka b
wait_for 10 "a MASTER" is_state a MASTER
wait_for 10 "b BACKUP" is_state b BACKUP

# watch_start NAME FILE: a background watcher (all events but REFRESH)
watch_start() {
	"$VRRP_HA_CTL" -s "$WORK/$1/ctl.sock" watch >"$2" 2>"$2.err" &
	bg_started $!
	eval "W_$1=$!"
}
# seen FILE PATTERN: FILE has a line matching the extended regex
seen() { grep -Eq -- "$2" "$1"; }
WA=$WORK/watch_a WB=$WORK/watch_b
watch_start a "$WA"
watch_start b "$WB"
# the watchers are subscribed once a fresh binding shows on both
i=0
until seen "$WA" '^ADD bc ' && seen "$WB" '^ADD rbc ' || [ $i -ge 100 ]; do
	ctl a add "2001:db8:bc::$((i + 1))" 2001:db8:cc::f 3600 1 H >/dev/null
	i=$((i + 1))
	sleep 0.05
done
check "watchers see events" seen "$WB" '^ADD rbc '
ctl a flush >/dev/null

log "--- import on the owner: ADD bc local on a, ADD rbc peer on b"
printf '%s 2001:db8:cc::1 3600 10 AH\n%s 2001:db8:cc::2 600 20 H\n%s 2001:db8:cc::3 3600 30 H\n' \
	$H1 $H2 $H3 >"$WORK/imp"
ctl a import "$WORK/imp" >/dev/null
wait_for 5 "ADD of $H3 on b" seen "$WB" "^ADD rbc $H3 "
check "b: ADD rbc $H1 peer" seen "$WB" "^ADD rbc $H1 2001:db8:cc::1 [0-9]+ 10 0xc000 peer$"
check "b: ADD rbc $H2 peer" seen "$WB" "^ADD rbc $H2 2001:db8:cc::2 [0-9]+ 20 0x4000 peer$"
check "a: ADD bc $H1 local" seen "$WA" "^ADD bc $H1 2001:db8:cc::1 3600 10 0xc000 local$"

log "--- delete: DELETE on both"
ctl a del $H2 >/dev/null
wait_for 5 "DELETE of $H2 on b" seen "$WB" "^DELETE rbc $H2 .* peer$"
check "a: DELETE bc $H2 local" seen "$WA" "^DELETE bc $H2 .* local$"
check "b: ADD before DELETE" [ "$(grep -n "^ADD rbc $H2 " "$WB" | cut -d: -f1)" -lt \
	"$(grep -n "^DELETE rbc $H2 " "$WB" | cut -d: -f1)" ]

log "--- failover: a's link goes down, b takes over"
ns a ip link set eth0 down
wait_for 10 "b MASTER" is_state b MASTER
wait_for 5 "STATE on b" seen "$WB" '^STATE from=BACKUP to=MASTER$'
wait_for 5 "STATE on a" seen "$WA" '^STATE from=MASTER to=FAULT$'
check "b: takeover push" seen "$WB" '^SYNC_START count=2 duration_ms=0 detail=takeover$'

log "--- the owner's daemon lost its state; a returns and restores"
ctl a flush >/dev/null
wait_for 5 "a: flush DELETEs" seen "$WA" "^DELETE bc $H3 .* local$"
link_up a
wait_for 15 "a MASTER again" is_state a MASTER
wait_for 10 "RESTORE of $H3 on a" seen "$WA" "^RESTORE bc $H3 2001:db8:cc::3 [0-9]+ 30 0x4000 peer$"
check "a: RESTORE bc $H1 peer" seen "$WA" "^RESTORE bc $H1 2001:db8:cc::1 [0-9]+ 10 0xc000 peer$"
check "a: no RESTORE of the deleted $H2" sh -c "! grep -q '^RESTORE bc $H2 ' '$WA'"
check "a: ADD bc peer before RESTORE" [ "$(grep -n "^ADD bc $H1 .* peer$" "$WA" | cut -d: -f1)" -lt \
	"$(grep -n "^RESTORE bc $H1 " "$WA" | cut -d: -f1)" ]
wait_for 10 "b BACKUP again" is_state b BACKUP
check "b: STATE from=MASTER to=BACKUP" seen "$WB" '^STATE from=MASTER to=BACKUP$'
check "a: watcher alive" kill -0 "$W_a"
check "no DROPPED on a" sh -c "! grep -q DROPPED '$WA'"

log "--- --count N exits after N events; the stream ends with the instance"
"$VRRP_HA_CTL" -s "$WORK/b/ctl.sock" watch --count 1 >"$WORK/count1" 2>&1 &
c1=$!
bg_started $c1
i=0
while kill -0 $c1 2>/dev/null && [ $i -lt 100 ]; do
	ctl a add "2001:db8:bd::$((i + 1))" 2001:db8:cc::f 3600 1 H >/dev/null
	i=$((i + 1))
	sleep 0.05
done
wait $c1
check "watch --count 1: exit 0" [ $? -eq 0 ]
check "watch --count 1: one ADD line" [ "$(grep -c '^ADD rbc 2001:db8:bd::' "$WORK/count1")" -eq 1 ]
stop_ka b
wait_for 5 "b's watcher ends" sh -c "! kill -0 $W_b 2>/dev/null"
wait "$W_b"
check "b's watcher: exit 0 when keepalived stopped" [ $? -eq 0 ]

finish
