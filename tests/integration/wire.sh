#!/bin/sh
# wire.sh - what goes on the wire, byte for byte. A capture namespace (w) on
# the bridge runs vrrp-wire (tests/tools/vrrp-wire.c) for a whole scenario
# and checks every VRRP packet: draft-deng 4.3 for BC_REQUEST (14) and
# BC_UPDATE (15), the section structure of the extension message (12,
# docs/protocol.md "Extensions"), the IPv6 envelope of all of them.
#
# First the checker itself: crafted packets from a third namespace (inj),
# each good or bad in a known way, must be classified exactly so.
# Then the scenario, twice (extensions off, then the default auto): the
# owner (a, 255) imports bindings, deletes some, takes one of them back with
# a lower sequence number; a crash of the owner makes b MASTER; the owner
# comes back and restores its table from b.
#   off:  no type-12 packet, no violation, every imported binding on b
#         (and the lower-seq re-registration refused by b's tombstone: the
#         draft alone cannot carry it).
#   auto: CAPS from both, NEW + MIPV6 for the bindings a created, no
#         violation, and the lower-seq re-registration on b.
TEST_NAME=wire
. "$(dirname "$0")/lib.sh"
[ -x "$TOOLS/vrrp-wire" ] || skip "vrrp-wire (tests/tools) not built"
[ -x "$TOOLS/bc-inject" ] || skip "bc-inject (tests/tools) not built"

N=300     # bindings imported
NDEL=40   # of them deleted again (the first NDEL)
CAP_MAX=300 # seconds: a capture's own bound (the ctest timeout is lower)

setup_bridge
# no snooping: every multicast frame reaches the capture port, whatever MLD says
ns br ip link set br0 type bridge mcast_snooping 0
add_node a 1
add_node b 2
add_node inj 9
add_node w 8 # the capture; sends no VRRP

# cap_start TAG: vrrp-wire on w's eth0 in the background until cap_stop;
# per-packet and per-record lines in $WORK/TAG.pkts, summary $WORK/TAG.sum
cap_start() {
	rm -f "$WORK/$1.ready" "$WORK/$1.sum"
	ip netns exec "${PFX}w" "$TOOLS/vrrp-wire" -i eth0 -V 51 -v -R -t $CAP_MAX \
		-r "$WORK/$1.ready" -s "$WORK/$1.sum" >"$WORK/$1.pkts" 2>"$WORK/$1.err" &
	eval "CAPW_$1=$!"
	bg_started $!
	wait_for 5 "capture $1 bound" test -e "$WORK/$1.ready"
}
cap_stop() {
	eval "p=\$CAPW_$1"
	kill -TERM "$p" 2>/dev/null || true
	wait_for 5 "capture $1 summary" test -s "$WORK/$1.sum"
	wait "$p" 2>/dev/null || true
}
# v TAG KEY: one value of a summary
v() { awk -v k="$2" '$1 == k {print $2}' "$WORK/$1.sum"; }
# pkts_ge TAG N: the capture has printed at least N packet lines so far
pkts_ge() { [ "$(grep -vc '^rec ' "$WORK/$1.pkts")" -ge "$2" ]; }
show_sum() {
	log "capture $1: $(grep -v '^violation ' "$WORK/$1.sum" | tr '\n' ' ')"
	grep '^violation ' "$WORK/$1.sum" | head -10 | while read -r l; do log "  $l"; done
}

log "--- the checker: crafted packets are classified as built"
cap_start self
G=2001:db8:99::1,2001:db8:98::1,1,3600
R2=2001:db8:99::2,2001:db8:98::2,1,3600
# hex helpers: a 40-byte record with Reserved RSVD (lifetime 900 units, seq 1, A|H)
rec_hex() { echo "03840001c000${1}20010db800990000000000000000000120010db8009800000000000000000001"; }
inject inj -q -R $G -R $R2                            # good update, 2 records
inject inj -q -t 14                                   # good request
inject inj -q -c 3 -R $G -R $R2                       # draft: N 3, 2 records
inject inj -q -R $G -G 5                              # draft: 5 trailing bytes
inject inj -q -t 14 -c 1                              # draft: request UNUSED 2 = 1
inject inj -q -x "3f33000100000000$(rec_hex 8000)"    # draft: Reserved 0x8000 (the old NEW bit)
inject inj -q -x "3f33000100010000$(rec_hex 0000)"    # draft: rsvd/UNUSED 2 = 0x0001
inject inj -q -H 64 -R $G                             # envelope: hop limit 64
inject inj -q -x "3c330101000000000101000801000000"0000003e # ext: good CAPS
inject inj -q -x "3c330101000000000101000801030000"0000003e # ext: CAPS flags 0x03
inject inj -q -x "3c330102000000000101000801000000"0000003e # ext: byte 3 = 2, 1 section
inject inj -q -x "3c3301010000000003010010"20010db8009900000000000000000001 # ext: NEW, no MIPV6
inject inj -q -x "3c330101000000000201003020010db8" # ext: MIPV6 record runs past the end
wait_for 5 "13 crafted packets captured" pkts_ge self 13
cap_stop self
show_sum self
is() { [ "$(v "$1" "$2")" = "$3" ]; }
check "checker: 13 packets" is self packets 13
check "checker: 2 requests" is self requests 2
check "checker: 6 updates, 8 records" sh -c "[ $(v self updates)/$(v self records) = 6/8 ]"
check "checker: 5 ext, 3 CAPS (1 solicit), 1 NEW" sh -c "[ $(v self ext)/$(v self ext_caps)/$(v self ext_caps_solicit)/$(v self ext_new) = 5/3/1/1 ]"
check "checker: 5 draft violations" is self violations_draft 5
check "checker: 1 envelope violation (hop limit)" is self violations_envelope 1
check "checker: 4 ext violations" is self violations_ext 4
check "checker: 10 violations in all" is self violations 10
check "checker: the hop limit named" grep -q 'hop limit 64' "$WORK/self.sum"
check "checker: the Reserved field named" grep -q 'Reserved 0x8000' "$WORK/self.sum"
check "checker: the section count named" grep -q 'holds 1 sections, byte 3 says 2' "$WORK/self.sum"
check "checker: the NEW without record named" grep -q 'marks no live MIPV6' "$WORK/self.sum"

# has NAME HOA "COA SEQ FLAGS": NAME holds the binding so; gone NAME HOA: not at all
has() { [ "$(entry "$1" "$2" | awk '{print $2, $3, $4}')" = "$3" ]; }
gone() { [ -z "$(entry "$1" "$2")" ]; }
sync_settled() { ! ctl "$1" state | grep -Eq '^sync (syncing|demoted)$'; }
# quiet NAME: nothing of NAME's replication moved for 0.5 s
quiet() {
	wait_quiet "$1" tx_update 15
	wait_quiet "$1" ext_tx 15
	wait_quiet "$1" tx_request 15
}

gen_bindings $N >"$WORK/imp"
RH=$(sed -n 11p "$WORK/imp" | awk '{print $1}')  # deleted, seq 11 before
RSEQ=$(sed -n 11p "$WORK/imp" | awk '{print $4}')
RC=2001:db8:cc:ff::1                              # its new CoA, seq 3
KEEP=$((N - NDEL))

# scenario MODE EXTRA_MIPV6_HA_LINES
scenario() {
	m=$1
	log "=== extensions $m"
	for x in a b; do
		rm -f "$WORK/$x/ctl.sock"
		[ -f "$WORK/$x/keepalived.log" ] && mv "$WORK/$x/keepalived.log" "$WORK/$x/keepalived.log.prev"
	done
	cap_start "$m"
	write_conf a 255 1 "$2"
	write_conf b 100 1 "$2"
	start_ka a
	start_ka b
	wait_for 10 "a MASTER" is_state a MASTER
	wait_for 10 "b BACKUP" is_state b BACKUP
	if [ "$m" = auto ]; then
		# a sends NEW + MIPV6 only once it knows b speaks extensions
		wait_for 10 "a heard b's CAPS" counter_ge a ext_rx 1
		wait_for 10 "b heard a's CAPS" counter_ge b ext_rx 1
	fi
	for x in a b; do wait_for 10 "$x: start-up sync settled" sync_settled $x; done

	log "--- import $N on the owner"
	ctl a import "$WORK/imp" >/dev/null
	wait_for 15 "$N bindings on b" rbc_is b $N
	table a --bc >"$WORK/$m.imported" # hoa coa seq flags, addresses as printed
	check "$m: b holds every imported binding (a's bc)" same_table a b --bc

	log "--- delete $NDEL"
	head -$NDEL "$WORK/imp" | while read -r h rest; do ctl a del "$h" >/dev/null; done
	wait_for 10 "$KEEP bindings on b" rbc_is b $KEEP
	check "$m: b equals a after the deletes" same_table a b --bc
	table a --bc >"$WORK/$m.kept"

	log "--- $RH back with seq 3 (it was $RSEQ before its delete)"
	stats_to b "$WORK/$m.b1"
	ctl a add "$RH" $RC 3600 3 AH
	if [ "$m" = auto ]; then
		wait_for 5 "the lower-seq re-registration on b" has b "$RH" "$RC 3 AH"
		ok "$m: b took $RH seq 3 over its tombstone of seq $RSEQ: $(entry b "$RH")"
		WANT=$((KEEP + 1))
	else
		wait_for 5 "b to refuse it as stale" moved b rx_rec_stale "$WORK/$m.b1"
		check "$m: b has no $RH (tombstone seq $RSEQ wins without the NEW marker)" gone b "$RH"
		WANT=$KEEP
	fi
	ok "$m: b holds $(rbc_count b), a $(bc_count a)"

	log "--- crash of the owner: b becomes MASTER with its RBC"
	table b >"$WORK/$m.b_before"
	crash a linkdown
	wait_for 10 "b MASTER" is_state b MASTER
	table b >"$WORK/$m.b_after"
	check "$m: b kept its table over the failover" cmp -s "$WORK/$m.b_before" "$WORK/$m.b_after"

	log "--- the owner comes back and restores from b"
	stats_to b "$WORK/$m.b2"
	link_up a
	start_ka a
	wait_for 10 "a MASTER" is_state a MASTER
	wait_for 10 "b BACKUP" is_state b BACKUP
	wait_for 15 "a's bc restored ($WANT)" bc_is a $WANT
	check "$m: b answered a's request" moved b full_syncs "$WORK/$m.b2"
	check "$m: a and b equal after the restore" same_table a b --bc
	quiet a
	quiet b
	cap_stop "$m"
	show_sum "$m"
	stop_ka a
	stop_ka b

	check "$m: no violation" is "$m" violations 0
	check "$m: no packet other than 1/12/14/15" is "$m" other 0
	check "$m: no packet dropped by the capture" is "$m" drops 0
	check "$m: adverts seen" [ "$(v "$m" adverts)" -ge 1 ]
	# a at start, b at start, a again after its crash
	check "$m: >= 3 BC_REQUESTs" [ "$(v "$m" requests)" -ge 3 ]
	check "$m: BC_UPDATEs seen" [ "$(v "$m" updates)" -ge 1 ]
	check "$m: $NDEL deletes on the wire (lifetime 0)" [ "$(v "$m" records_delete)" -ge $NDEL ]
	# every imported binding went out as a draft record with its own seq
	awk '$1 == "rec" && $3 == "update" && $9 > 0 {print $4, $5, $7}' "$WORK/$m.pkts" |
		LC_ALL=C sort -u >"$WORK/$m.wire_recs"
	awk '{print $1, $2, $3}' "$WORK/$m.imported" | LC_ALL=C sort >"$WORK/$m.imp_hcs"
	check "$m: all $N imported bindings in BC_UPDATE records" \
		sh -c "[ \$(wc -l <$WORK/$m.imp_hcs) -eq $N ] && [ -z \"\$(LC_ALL=C comm -23 $WORK/$m.imp_hcs $WORK/$m.wire_recs)\" ]"
	# lifetimes in 4 s units (3600 s = 900, counted down), flags as given
	check "$m: live records: lifetime 895..900 units, flags A|H" sh -c \
		"! awk '\$1 == \"rec\" && \$3 == \"update\" && \$9 > 0 && (\$9 < 895 || \$9 > 900 || \$11 != \"0xc000\")' $WORK/$m.pkts | grep -q ."
	# each delete went out once as lifetime 0 with the binding's own seq
	LC_ALL=C comm -23 "$WORK/$m.imported" "$WORK/$m.kept" | awk '{print $1, $2, $3}' >"$WORK/$m.deleted"
	awk '$1 == "rec" && $3 == "update" && $9 == 0 {print $4, $5, $7}' "$WORK/$m.pkts" |
		LC_ALL=C sort >"$WORK/$m.wire_dels"
	check "$m: the $NDEL deletes on the wire, each once, with its seq" sh -c \
		"[ \$(wc -l <$WORK/$m.deleted) -eq $NDEL ] && cmp -s $WORK/$m.deleted $WORK/$m.wire_dels"
	check "$m: the re-registration in a BC_UPDATE record (seq 3)" \
		grep -q "^$RH $RC 3\$" "$WORK/$m.wire_recs"
	if [ "$m" = off ]; then
		check "off: no type-12 packet" is off ext 0
	else
		check "auto: type-12 packets" [ "$(v auto ext)" -ge 1 ]
		# b at start (solicit), a's answer, a after its restart: both senders
		check "auto: CAPS from both nodes" sh -c \
			"[ \$(grep ' ext vrid 51 .* caps [1-9]' $WORK/auto.pkts | awk '{print \$3}' | sort -u | wc -l) -eq 2 ]"
		check "auto: NEW for every binding a created ($((N + 1)))" [ "$(v auto ext_new)" -ge $((N + 1)) ]
		check "auto: a MIPV6 record per NEW" is auto ext_mipv6 "$(v auto ext_new)"
		check "auto: the re-registration as NEW + MIPV6 with seq 3" \
			grep -q "^rec fe80::1 mipv6 $RH $RC seq 3 lifetime [0-9]* flags 0xc000 new 1\$" "$WORK/auto.pkts"
		check "auto: zero draft violations" is auto violations_draft 0
		check "auto: zero ext violations" is auto violations_ext 0
		check "auto: CAPS solicits seen ($(v auto ext_caps_solicit))" [ "$(v auto ext_caps_solicit)" -ge 2 ]
	fi
}

scenario off "extensions off"
scenario auto ""

finish
