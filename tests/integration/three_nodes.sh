#!/bin/sh
# three_nodes.sh - owner a (255) and backups b (200) and c (100).
# Adds reach both backups; when the owner dies b (not the owner) becomes
# master with its RBC and c stays backup; a restarted c gets the whole table
# from b's RBC; the owner coming back asks for the table and gets it back as
# restore events (notify_restore script in batches, notify_fifo lines).
TEST_NAME=three_nodes
. "$(dirname "$0")/lib.sh"

N=300

setup_bridge
add_node a 1
add_node b 2
add_node c 3
write_conf a 255
write_conf b 200
write_conf c 100
start_ka a
start_ka b
start_ka c
wait_for 10 "a MASTER" is_state a MASTER
wait_for 10 "b BACKUP" is_state b BACKUP
wait_for 10 "c BACKUP" is_state c BACKUP

log "--- $N bindings added on the owner reach both backups"
gen_bindings $N >"$WORK/bindings"
ctl a import "$WORK/bindings" >/dev/null
wait_for 10 "$N on b" rbc_is b $N
wait_for 10 "$N on c" rbc_is c $N
check "b holds a's table" same_table a b --bc
check "c holds a's table" same_table a c --bc
table a --bc >"$WORK/owner_table"

log "--- the owner dies: b (200) becomes master, c (100) stays backup"
stats_to c "$WORK/c0"
crash a linkdown
wait_for 10 "b MASTER" is_state b MASTER
sleep 1 # give c time to (wrongly) react
check "c still BACKUP" is_state c BACKUP
check "c: no state change" [ "$(delta c state_changes "$WORK/c0")" -eq 0 ]
check "b (master) keeps all $N in its RBC" [ "$(rbc_count b)" = $N ]
check "c keeps all $N" [ "$(rbc_count c)" = $N ]
table b >"$WORK/b_table"
check "b: same bindings as the owner had" cmp -s "$WORK/owner_table" "$WORK/b_table"

log "--- a restarted c gets the whole table from the non-owner master's RBC"
stats_to b "$WORK/b1"
crash c
start_ka c
wait_for 10 "c BACKUP" is_state c BACKUP
wait_for 10 "$N on the restarted c" rbc_is c $N
check "c asked (tx_request $(counter c tx_request))" [ "$(counter c tx_request)" -ge 1 ]
check "b answered from its RBC (full_syncs +$(delta b full_syncs "$WORK/b1"))" moved b full_syncs "$WORK/b1"
check "restarted c holds b's table" same_table b c

log "--- the owner comes back and gets its bindings back (restore)"
mkdir -p "$WORK/a/copies" "$WORK/a/batches"
cat >"$WORK/a/restore.sh" <<EOF
#!/bin/sh
# args: INSTANCE RESTORE COUNT BATCH_FILE
echo "\$*" >>"$WORK/a/runs.log"
cp "\$4" "$WORK/a/copies/\$(basename "\$4").\$\$"
EOF
chmod 755 "$WORK/a/restore.sh"
write_conf a 255 1 "notify_restore $WORK/a/restore.sh
        notify_dir $WORK/a/batches
        notify_fifo $WORK/a/fifo"
rm -f "$WORK/a/fifo"
mkfifo "$WORK/a/fifo"
cat "$WORK/a/fifo" >"$WORK/a/fifo.out" &
bg_started $!
stats_to b "$WORK/b2"
link_up a
start_ka a
wait_for 10 "a MASTER" is_state a MASTER
wait_for 10 "a's bc back to $N" bc_is a $N
wait_for 10 "b BACKUP" is_state b BACKUP
wait_for 5 "restored counter $N" counter_ge a restored $N
wait_for 5 "the script's batches" lines_ge $N "$WORK/a/copies"
wait_for 5 "$N FIFO lines" lines_ge $N "$WORK/a/fifo.out"
sleep 0.5 # anything more would be a duplicate

check "a: bc count == $N" [ "$(bc_count a)" = $N ]
table a --bc >"$WORK/a_back"
check "a: same bindings as before its crash" cmp -s "$WORK/owner_table" "$WORK/a_back"
check "a: restored == $N ($(counter a restored))" [ "$(counter a restored)" = $N ]
check "b answered a's request" moved b full_syncs "$WORK/b2"

runs=$(wc -l <"$WORK/a/runs.log")
lines=$(cat "$WORK/a/copies"/* | wc -l)
log "notify_restore ran $runs times for $lines bindings"
check "script batch files hold $N lines in total ($lines)" [ "$lines" -eq $N ]
check "script ran in batches: 1 <= runs ($runs) < $N" [ "$runs" -ge 1 ] && [ "$runs" -lt $N ]
check "script runs == notify_runs counter" [ "$runs" -eq "$(counter a notify_runs)" ]
check "script args are: VI_1 RESTORE COUNT FILE" sh -c "awk 'NF!=4 || \$1!=\"VI_1\" || \$2!=\"RESTORE\" || \$3!~/^[0-9]+\$/ {bad=1} END {exit bad}' $WORK/a/runs.log"
check "COUNT args add up to $N" [ "$(awk '{s+=$3} END {print s}' "$WORK/a/runs.log")" -eq $N ]
# batch lines: hoa coa lifetime seq flags
cat "$WORK/a/copies"/* | awk '{print $1, $2, $4}' | LC_ALL=C sort >"$WORK/batch_hcs"
awk '{print $1, $2, $3}' "$WORK/owner_table" >"$WORK/owner_hcs"
check "batch lines are exactly the bindings (hoa coa seq)" cmp -s "$WORK/batch_hcs" "$WORK/owner_hcs"

flines=$(wc -l <"$WORK/a/fifo.out")
check "FIFO: $N lines ($flines)" [ "$flines" -eq $N ]
check "FIFO: every line is MIPV6_HA \"VI_1\" RESTORE hoa coa lifetime seq flags" sh -c \
	"! grep -Ev '^MIPV6_HA \"VI_1\" RESTORE [0-9a-f:]+ [0-9a-f:]+ [0-9]+ [0-9]+ 0x[0-9a-f]{4}\$' $WORK/a/fifo.out"
awk '{print $4, $5, $7}' "$WORK/a/fifo.out" | LC_ALL=C sort >"$WORK/fifo_hcs"
check "FIFO lines are exactly the bindings (hoa coa seq)" cmp -s "$WORK/fifo_hcs" "$WORK/owner_hcs"
check "FIFO lifetimes are close to 3600" sh -c "awk '\$6 < 3500 || \$6 > 3604 {bad=1} END {exit bad}' $WORK/a/fifo.out"
check "FIFO flags are A|H (0xc000)" sh -c "awk '\$8 != \"0xc000\" {bad=1} END {exit bad}' $WORK/a/fifo.out"

check "b back to BACKUP keeps $N" [ "$(rbc_count b)" = $N ]
check "c keeps $N" [ "$(rbc_count c)" = $N ]
check "c still BACKUP" is_state c BACKUP
ctl a add 2001:db8:bb::1 2001:db8:cc::1 3600 1 AH
wait_for 5 "a new binding reaches b" rbc_is b $((N + 1))
wait_for 5 "a new binding reaches c" rbc_is c $((N + 1))
ok "the returned owner replicates again"

finish
