#!/bin/sh
# bulk.sh - 100,000 bindings imported on the master converge on the backup
# (count, and 100 random entries identical), without disturbing the election.
TEST_NAME=bulk
. "$(dirname "$0")/lib.sh"

N=${BULK_N:-100000}

setup_bridge
add_node a 1
add_node b 2
# advert_int 0.1: the backup declares the master down after ~0.35 s without
# adverts, so a sync that starved keepalived's timers would show up as a
# state change
write_conf a 255 0.1
write_conf b 100 0.1
start_ka a
start_ka b
wait_for 10 "a MASTER" is_state a MASTER
wait_for 10 "b BACKUP" is_state b BACKUP
sleep 1 # let the start-up exchange (BC_REQUEST) finish before the snapshot

gen_bindings "$N" >"$WORK/bindings"
stats_to a "$WORK/a0"
stats_to b "$WORK/b0"
la=$(wc -l <"$WORK/a/keepalived.log") lb=$(wc -l <"$WORK/b/keepalived.log")
log "importing $N bindings into a"
t0=$(now_ms)
ctl a import "$WORK/bindings" >"$WORK/import.out"
t1=$(now_ms)
log "import: $(cat "$WORK/import.out") in $((t1 - t0)) ms"
check "a: bc holds $N" [ "$(bc_count a)" = "$N" ]
wait_for 60 "$N bindings on b" rbc_is b "$N"
t2=$(now_ms)
log "b converged $((t2 - t0)) ms after the import started"
check "b: rbc == $N" [ "$(rbc_count b)" = "$N" ]

# spot-check 100 random bindings: the same on both, field by field
ctl a show --bc | awk '$1 != "HOA"' >"$WORK/a_all"
ctl b show | awk '$1 != "HOA"' >"$WORK/b_all"
check "a: show --bc lists $N" [ "$(wc -l <"$WORK/a_all")" -eq "$N" ]
check "b: show lists $N" [ "$(wc -l <"$WORK/b_all")" -eq "$N" ]
shuf -n 100 "$WORK/a_all" >"$WORK/sample"
# hoa coa seq flags equal, lifetime within 8 s (4 s units, time passing)
bad=$(awk 'NR == FNR { s[$1] = $0; next }
	($1 in s) { split(s[$1], f, " ");
		if (f[2] != $2 || f[3] != $3 || f[4] != $4 || f[5] - $5 > 8 || $5 - f[5] > 8)
			print "mismatch: " s[$1] " / " $0;
		seen++ }
	END { if (seen != 100) print "only " seen " of 100 sampled HoAs found on b" }' \
	"$WORK/sample" "$WORK/b_all")
[ -z "$bad" ] || echo "$bad" | head -5
check "100 random bindings identical on a and b" [ -z "$bad" ]
# and the whole table while we are at it (hoa coa seq flags)
check "whole table identical" same_table a b --bc
check "b: added $N records (rx_rec_added +$(delta b rx_rec_added "$WORK/b0"))" \
	[ "$(delta b rx_rec_added "$WORK/b0")" -eq "$N" ]
log "a sent $(delta a tx_update "$WORK/a0") packets ($(delta a tx_records "$WORK/a0") records, $(delta a tx_retries "$WORK/a0") retries, $(delta a tx_errors "$WORK/a0") errors)"
check "a: no send errors" [ "$(delta a tx_errors "$WORK/a0")" -eq 0 ]

log "--- no election disturbance"
sleep 1 # anything the sync disturbed would have shown by now
check "a: still MASTER" is_state a MASTER
check "b: still BACKUP" is_state b BACKUP
check "a: no state change during the sync" [ "$(delta a state_changes "$WORK/a0")" -eq 0 ]
check "b: no state change during the sync" [ "$(delta b state_changes "$WORK/b0")" -eq 0 ]
# keepalived's own view: no transition logged since the import began
newlog() { tail -n +$(($2 + 1)) "$WORK/$1/keepalived.log" | grep -E 'Entering|STATE|priority 0'; }
check "a: keepalived logged no transition" [ -z "$(newlog a "$la")" ]
check "b: keepalived logged no transition" [ -z "$(newlog b "$lb")" ]
check "a alive" alive a
check "b alive" alive b

finish
