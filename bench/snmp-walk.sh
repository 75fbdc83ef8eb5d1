#!/bin/sh
# snmp-walk.sh - a full snmpbulkwalk of VRRP-HA-MIB's binding table against
# the master, whose keepalived answers it inside its event loop (AgentX
# subagent behind a real snmpd), and what it does to the master's adverts.
#
# For each N (default "100000 1000000", or BENCH_SIZES):
#  1. the master (address owner, priority 255, advert_int 0.1 s) holds N
#     bindings (its bc; the backup's RBC gets them too);
#  2. baseline: the master's adverts seen on the backup's eth0 for
#     BENCH_BASELINE_S (default 5) seconds with nothing else running:
#     largest gap;
#  3. walk: snmpbulkwalk -Cr100 of the whole binding table (all 8 columns,
#     N x 8 varbinds; BENCH_WALK_COLUMNS=1 at N >= 1M walks the CoA column
#     only) while the adverts are watched the same way: walk time, varbinds
#     per second, largest advert gap and lateness (gap - advert_int).
# Goal (issue 8): no advert later than 10% of advert_int (gap <= 1.1 x).
set -eu
TEST_NAME=snmp_walk
PFX=${PFX:-bdsw}
. "$(dirname "$0")/common.sh"

for t in snmpd snmpbulkwalk; do
	command -v $t >/dev/null 2>&1 || {
		echo "bench: $t missing (scripts/install-deps.sh)" >&2
		exit 77
	}
done
SIZES=${BENCH_SIZES:-100000 1000000}
BASE_S=${BENCH_BASELINE_S:-5}
MASTER_LL=fe80::1
ADV_NS=$(awk -v a="$BENCH_ADVERT_INT" 'BEGIN { printf "%.0f", a * 1e9 }')
BIND=.1.3.6.1.4.1.32473.1.1.3 # vrrpHaBindingTable

say "== snmp-walk: snmpbulkwalk of the binding table vs the master's adverts =="
machine_info
say "advert_int ${BENCH_ADVERT_INT}s; snmpbulkwalk -Cr100 (the subagent caps a GETBULK at 100 repetitions)"

# snmpd per node: AgentX master on a private socket, v2c on 127.0.0.1:1161
start_snmpd() {
	d=$WORK/$1
	mkdir -p "$d/persist"
	printf 'master agentx\nagentXSocket unix:%s/agentx.sock\nagentXTimeout 10\nrocommunity public 127.0.0.1\n' \
		"$d" >"$d/snmpd.conf"
	ip netns exec "$PFX$1" env MIBS= SNMP_PERSISTENT_DIR="$d/persist" snmpd -f -C \
		-c "$d/snmpd.conf" -Lf "$d/snmpd.log" -p "$d/snmpd.pid" udp:127.0.0.1:1161 \
		>"$d/snmpd.out" 2>&1 &
	PIDS="$PIDS $!"
	wait_for 10 "snmpd of $1" test -S "$d/agentx.sock"
}
# walk NODE OID LOG: snmpbulkwalk in the node's namespace; prints varbinds
walk() {
	ip netns exec "$PFX$1" env MIBS= SNMP_PERSISTENT_DIR="$WORK/$1/persist" snmpbulkwalk \
		-v2c -c public -t 30 -r 0 -Cr"${BENCH_REPS:-100}" -On -Oq 127.0.0.1:1161 "$2" >"$3" 2>&1 || true
	grep -c "^$2" "$3" || true
}

setup_bridge
add_node m 1
add_node b 2
start_snmpd m
start_snmpd b
for n in m b; do
	GLOBAL_DEFS_EXTRA="snmp_socket unix:$WORK/$n/agentx.sock
    enable_snmp_mipv6_ha"
	[ $n = m ] && prio=255 || prio=100
	write_conf $n $prio "$BENCH_ADVERT_INT" "$BENCH_MIPV6_EXTRA"
done
start_ka m
wait_for 10 "m MASTER" is_state m MASTER
start_ka b
wait_for 10 "b BACKUP" is_state b BACKUP
mib_up() {
	ip netns exec "$PFX$1" env MIBS= SNMP_PERSISTENT_DIR="$WORK/$1/persist" snmpget -v2c -c public \
		-On -Oq 127.0.0.1:1161 .1.3.6.1.4.1.32473.1.1.1.1.2.1 2>/dev/null | grep -q VI_1
}
wait_for 20 "VRRP-HA-MIB on m" mib_up m

have=0
for N in $SIZES; do
	say ""
	f=$WORK/add.$N
	gen_bindings $((N - have)) "$have" >"$f"
	ctl m import "$f" >/dev/null
	have=$N
	wait_for 120 "m: bc holds $n" bc_is m "$N"
	wait_for 120 "b: rbc holds $n" rbc_is b "$N"
	wait_quiet m tx_records 20

	sniff_start b base -a "$MASTER_LL" -d "$BASE_S"
	sniff_wait base $((BASE_S + 5))
	b_gap=$(kv "$WORK/base.sniff" adv_max_gap_ns)
	b_n=$(kv "$WORK/base.sniff" adv_gaps)
	say "N=$N baseline (${BASE_S}s, nothing walked): $b_n advert gaps, max $(ns2ms "$b_gap" 2) ms = $(fdiv "$b_gap" "$ADV_NS") x advert_int, late $(ns2ms $((b_gap > ADV_NS ? b_gap - ADV_NS : 0)) 2) ms"

	oid=${BENCH_WALK_OID:-$BIND}
	what="the whole table (8 columns)"
	[ "$oid" = "$BIND" ] || what="$oid"
	if [ "$N" -ge 1000000 ] && [ "${BENCH_WALK_COLUMNS:-1}" = 1 ]; then
		oid=$BIND.1.5
		what="the CoA column"
	fi
	sniff_start b walk -a "$MASTER_LL"
	cpu0=$(cpu_ms m)
	t0=$(now_ns)
	vb=$(walk m "$oid" "$WORK/walk.$N")
	t1=$(now_ns)
	cpu1=$(cpu_ms m)
	sniff_stop walk
	w_gap=$(kv "$WORK/walk.sniff" adv_max_gap_ns)
	w_n=$(kv "$WORK/walk.sniff" adv_gaps)
	late=$((w_gap > ADV_NS ? w_gap - ADV_NS : 0))
	say "N=$N walk of $what: $vb varbinds in $(ns2s $((t1 - t0))) s ($(rate "$vb" $((t1 - t0))) varbinds/s); master's VRRP child used $((cpu1 - cpu0)) ms CPU"
	say "N=$N adverts during the walk: $w_n gaps, max $(ns2ms "$w_gap" 2) ms = $(fdiv "$w_gap" "$ADV_NS") x advert_int, late $(ns2ms "$late" 2) ms (goal <= $(ns2ms $((ADV_NS / 10)) 0) ms: $(verdict [ "$late" -le $((ADV_NS / 10)) ]))"
	longest=$(sed -n 's/.*longest request so far \([0-9]*\) us (\([0-9]*\) varbinds.*/\1 us (\2 varbinds)/p' "$WORK/m/keepalived.log" | tail -1)
	say "N=$N longest single SNMP request in the master's loop so far: ${longest:-< 200 us}"
	summary "snmpbulkwalk N=$N ($what) s" "$(ns2s $((t1 - t0)))" "-" "-"
	summary "advert late during walk N=$N (ms)" "$(ns2ms "$late" 2)" "<= $(ns2ms $((ADV_NS / 10)) 0)" \
		"$(verdict [ "$late" -le $((ADV_NS / 10)) ])"
	want=$((N * 8))
	[ "$oid" = "$BIND" ] || want=$N
	[ "$vb" -eq "$want" ] || say "WARNING: $vb varbinds, expected $want"
done
