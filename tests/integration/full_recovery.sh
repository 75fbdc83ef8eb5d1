#!/bin/sh
# full_recovery.sh - draft-deng 5.2.2 on real keepalived: after the owner
# crashes, a packet to the virtual HA address with a Home Address option and
# ESP (a mobile node's Binding Update) from a HoA in the RBC makes the new
# master delete that binding (and tell the other backups) and schedule
# exactly one full recovery, handed over as a RECOVER line on the notify FIFO
# and a notify_recover batch; a burst of triggers is released at the
# configured rate, never all at once.
TEST_NAME=full_recovery
. "$(dirname "$0")/lib.sh"

setup_bridge
add_node a 1
add_node b 2
add_node c 3
add_node m 4 # stands in for the mobile nodes' side (sends the triggers)
cat >"$WORK/recover.sh" <<EOF2
#!/bin/sh
echo "\$1 \$2 \$3" >>"$WORK/recover.args"
cat "\$4" >>"$WORK/recover.lines"
rm -f "\$4"
EOF2
chmod 755 "$WORK/recover.sh"
RATE=20
write_conf a 255 0.1
write_conf b 200 0.1 "notify_recover $WORK/recover.sh
        notify_fifo $WORK/b.fifo
        notify_dir $WORK/batches
        full_recovery_rate $RATE
        full_recovery_burst $RATE"
write_conf c 100 0.1
mkfifo "$WORK/b.fifo"
cat "$WORK/b.fifo" >"$WORK/fifo.out" &
bg_started $!
start_ka a
start_ka b
start_ka c
wait_for 10 "a MASTER" is_state a MASTER
wait_for 10 "b BACKUP" is_state b BACKUP
wait_for 10 "c BACKUP" is_state c BACKUP

N=300
gen_bindings $N >"$WORK/bind"
ctl a import "$WORK/bind" >/dev/null
wait_for 10 "$N on b" rbc_is b $N
wait_for 10 "$N on c" rbc_is c $N

crash a linkdown
wait_for 10 "b MASTER" is_state b MASTER
VHA=2001:db8:1::100
ns m ip -6 route add default via 2001:db8:1::100 dev eth0 2>/dev/null || true

# one trigger, RFC 6275 order (source = CoA, option = HoA); line 2 of
# gen_bindings is written in canonical form (as show and the FIFO print it)
set -- $(sed -n 2p "$WORK/bind")
check "$1 is in b's RBC before the trigger" [ -n "$(entry b "$1")" ]
HOA1=$1 COA1=$2
ns m "$TOOLS/hao-esp" -s "$COA1" -d $VHA -o "$HOA1" -n 3 -i 1000 >/dev/null
wait_for 5 "one recovery on b" sh -c "[ \"\$($VRRP_HA_CTL -s $WORK/b/ctl.sock stats | awk '\$1==\"recovered\"{print \$2}')\" = 1 ]"
check "b: fr_triggered 1 for 3 identical packets" [ "$(counter b fr_triggered)" -eq 1 ]
check "b: $HOA1 deleted from the RBC" [ -z "$(entry b "$HOA1")" ]
wait_for 5 "c learns the delete" rbc_is c $((N - 1))
ok "c: the deletion reached the other backup ($((N - 1)) left)"
wait_for 5 "RECOVER line" grep -q "RECOVER $HOA1 " "$WORK/fifo.out"
check "FIFO: one RECOVER line for $HOA1" [ "$(grep -c "RECOVER $HOA1 " "$WORK/fifo.out")" -eq 1 ]
wait_for 5 "notify_recover ran" test -s "$WORK/recover.lines"
check "notify_recover: args INSTANCE RECOVER COUNT" grep -q "^VI_1 RECOVER 1$" "$WORK/recover.args"

# the draft's order (source = HoA, option = CoA) for a burst of 100 MNs
sed -n "3,102p" "$WORK/bind" >"$WORK/burst"
t0=$(date +%s%N)
while read -r hoa coa _rest; do
	ns m "$TOOLS/hao-esp" -s "$hoa" -d $VHA -o "$coa" >/dev/null
done <"$WORK/burst"
t1=$(date +%s%N)
sent_ms=$(((t1 - t0) / 1000000))
r=$(counter b recovered)
log "100 triggers sent in $sent_ms ms; recovered so far: $r"
# at most the burst plus RATE per second of elapsed time (+1 for rounding)
limit=$((1 + RATE + 1 + RATE * (sent_ms + 200) / 1000))
check "rate limit: $r recoveries <= $limit right after the burst" [ "$r" -le "$limit" ]
wait_for 15 "all 101 recoveries" sh -c "[ \"\$($VRRP_HA_CTL -s $WORK/b/ctl.sock stats | awk '\$1==\"recovered\"{print \$2}')\" = 101 ]"
ok "all 101 recoveries released"
check "b: 101 triggers" [ "$(counter b fr_triggered)" -eq 101 ]
check "b: RBC down to $((N - 101))" [ "$(rbc_count b)" -eq $((N - 101)) ]
check "FIFO: 101 RECOVER lines" [ "$(grep -c ' RECOVER ' "$WORK/fifo.out")" -eq 101 ]
# the last batch's script runs up to 100 ms after the last RECOVER, and
# asynchronously: wait for it, do not race it
recover_lines() { [ "$(wc -l <"$WORK/recover.lines")" -ge "$1" ]; }
wait_for 5 "notify_recover wrote 101 lines" recover_lines 101
runs=$(wc -l <"$WORK/recover.args")
check "notify_recover batched ($runs runs for 101)" [ "$runs" -lt 101 ]
check "notify_recover: 101 lines" [ "$(wc -l <"$WORK/recover.lines")" -eq 101 ]
check "b still MASTER, c BACKUP" [ "$(state_of b)/$(state_of c)" = MASTER/BACKUP ]
finish
