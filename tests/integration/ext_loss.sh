#!/bin/sh
# ext_loss.sh - loss on the sync link (nftables numgen random, 20% of the
# backup's incoming BC and extension packets; adverts are spared so the
# election stays put): adds, updates, deletes and re-registrations with a
# lower sequence number after a delete (the extension NEW path) all end up
# on the backup once the loss stops, through the periodic whole-table
# refresh, within a bounded time. Then the owner crashes in the middle of a
# second burst and the backup, now master, holds every binding the owner
# had sent before the crash.
TEST_NAME=ext_loss
. "$(dirname "$0")/lib.sh"

setup_bridge
add_node a 1
add_node b 2
# refresh every 2 s, tombstones kept 3 s: a lost delete or NEW record is
# repaired within about tombstone_time + refresh_interval
write_conf a 255 1 "refresh_interval 2
        tombstone_time 3"
write_conf b 100 1 "tombstone_time 3"
start_ka a
start_ka b
wait_for 10 "a MASTER" is_state a MASTER
wait_for 10 "b BACKUP" is_state b BACKUP
wait_for 10 "b learnt that a speaks extensions" grep -q 'a peer speaks extensions' "$WORK/b/keepalived.log"

# 20% of b's incoming VRRP packets that are not adverts (first byte 0x31)
ns b nft -f - <<EOF
table inet ${PFX}loss {
	chain input {
		type filter hook input priority 0;
		meta l4proto 112 @th,0,8 != 0x31 numgen random mod 100 < 20 counter drop
	}
}
EOF
gen_bindings 300 >"$WORK/b300"
ctl a import "$WORK/b300" >/dev/null
head -60 "$WORK/b300" | while read -r hoa _; do echo "del $hoa"; done >"$WORK/dels"
while read -r _ hoa; do ctl a del "$hoa" >/dev/null; done <"$WORK/dels"
# the same 60 HoAs again with seq 1 (lower than their earlier seqs, except
# the first's): only the extension NEW record makes a backup take them
head -60 "$WORK/b300" | awk '{print $1, $2, 3600, 1, "AH"}' >"$WORK/rereg"
ctl a import "$WORK/rereg" >/dev/null
dropped=$(ns b nft list chain inet "${PFX}loss" input | awk '/counter/ {for (i = 1; i <= NF; i++) if ($i == "packets") print $(i + 1)}')
log "packets dropped on b's link: $dropped"
check "the loss rule dropped packets" [ "${dropped:-0}" -gt 0 ]
ns b nft delete table inet "${PFX}loss"

# repaired by the refresh: bounded wait on the condition
wait_for 30 "b holds exactly a's table" same_table a b --bc
ok "b converged after the loss: $(rbc_count b) bindings"
# (same_table compared HoA, CoA, seq and flags: the re-registrations are in)
check "a holds the 60 re-registrations with seq 1" [ "$(table a --bc | awk '$3 == 1' | wc -l)" -ge 60 ]
check "a still MASTER, b BACKUP" [ "$(state_of a)/$(state_of b)" = MASTER/BACKUP ]

# crash of the owner in the middle of a burst
table a --bc | cut -d' ' -f1 >"$WORK/pre"
gen_bindings 2000 1000 >"$WORK/b2000"
ctl a import "$WORK/b2000" >/dev/null &
imp=$!
wait_for 10 "the burst reached b" sh -c "[ \$($VRRP_HA_CTL -s $WORK/b/ctl.sock state | awk '\$1==\"rbc\"{print \$2}') -gt 300 ]"
crash a linkdown
wait "$imp" 2>/dev/null || true
wait_for 10 "b MASTER after the crash" is_state b MASTER
n=$(rbc_count b)
log "b holds $n bindings after the crash (300 before the burst, up to 2300)"
check "b kept every binding from before the burst and part of the burst" [ "$n" -gt 300 ] && [ "$n" -le 2300 ]
table b | cut -d' ' -f1 >"$WORK/post"
check "b: every binding from before the burst is there" [ -z "$(LC_ALL=C comm -23 "$WORK/pre" "$WORK/post")" ]
finish
