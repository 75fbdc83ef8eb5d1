#!/bin/sh
# sync_auth.sh - sync authentication on vs off, side by side in one run
# (issue 7, "Measured"): for each AUTH mode of BENCH_AUTH_MODES (default
# "off integrity encrypt"; a mode may name its cipher: "encrypt:chacha20-poly1305")
# the same pair of routers (master "m": owner, priority 255; backup "b":
# priority 100) is started with that mode and measured:
#  1. incremental latency: BENCH_RATE changes/s (default 1000) for
#     BENCH_SECONDS (default 10) written to the master's control socket
#     (bc-driver rate), each timed until it is in the backup's RBC (the ADD
#     line of `watch` on the backup's control socket, bc-driver watch). This
#     works whatever is on the wire (with auth, records travel encrypted in
#     extension messages: a sniffer cannot read them). p50/p90/p99/max.
#  2. import of N bindings (BENCH_AUTH_N, default 1000000) on the master;
#     time until the backup's RBC has the master's count and digest.
#  3. full sync, BENCH_REPEAT times (default 3): the backup is killed (-9)
#     and started again with an empty table (a fresh node). Timed from the
#     keepalived start (t0) to
#       - its first extension message on its eth0 (CAPS + REQUEST),
#       - its log line "table complete ... proven by digest" (followed every
#         1 ms by bc-driver wait-log),
#       - its RBC equal to the master's table (count and digest, `state`
#         polled every 5 ms on both);
#     and the duration the log line itself gives (the fetch's own clock: from
#     its request to the digest proof). Goal: 1M <= 2 s with AEAD, figure
#     "request -> table complete".
# Then a table per mode with the ratios against auth off.
# Keys: one 0600 key file per cipher in the scratch directory
# ("key 1 CIPHER HEX send", docs/auth.md), epoch files there too.
set -eu
TEST_NAME=sync_auth
PFX=${PFX:-bnsyau}
. "$(dirname "$0")/common.sh"

N=${BENCH_AUTH_N:-1000000}
MODES=${BENCH_AUTH_MODES:-off integrity encrypt}
REPEAT=${BENCH_REPEAT:-3}
RATE=${BENCH_RATE:-1000}
SECS=${BENCH_SECONDS:-10}
LINGER=$(awk -v a="$BENCH_ADVERT_INT" 'BEGIN { l = 3 * a; if (l < 0.3) l = 0.3; print l }')
ADV_NS=$(awk -v a="$BENCH_ADVERT_INT" 'BEGIN { printf "%.0f", a * 1e9 }')

say "== sync_auth: auth off / integrity / encrypt side by side, N = $N =="
machine_info
say "modes: $MODES; advert_int ${BENCH_ADVERT_INT}s; mipv6_ha extras: '${BENCH_MIPV6_EXTRA:-<defaults>}'"

# key_file CIPHER: a 0600 key file with one send key for CIPHER
key_file() {
	kf=$WORK/$1.keys
	if [ ! -s "$kf" ]; then
		(umask 077 && printf 'key 1 %s %s send\n' "$1" \
			"$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')" >"$kf")
	fi
	echo "$kf"
}

# auth_conf NODE PRIO MODE[:CIPHER]
auth_conf() {
	mode=${3%%:*} cipher=aes-256-gcm
	case $3 in *:*) cipher=${3#*:} ;; esac
	if [ "$mode" = off ]; then
		write_conf "$1" "$2" "$BENCH_ADVERT_INT" "$BENCH_MIPV6_EXTRA
        auth off"
	else
		write_conf "$1" "$2" "$BENCH_ADVERT_INT" "$BENCH_MIPV6_EXTRA
        auth $mode
        auth_cipher $cipher
        auth_key_file $(key_file "$cipher")
        auth_epoch_file $WORK/$1/auth.epoch"
	fi
}

stopped=1
fresh_pair() { # fresh_pair MODE: both daemons (re)started with MODE, settled
	if [ $stopped -eq 0 ]; then
		crash b
		crash m
	fi
	auth_conf m 255 "$1"
	auth_conf b 100 "$1"
	start_ka m
	start_ka b
	stopped=0
	wait_for 10 "m MASTER" is_state m MASTER
	wait_for 10 "b BACKUP" is_state b BACKUP
	# the backup's start-up fetch of the (empty) table is over
	wait_for 10 "b in sync" sh -c "$VRRP_HA_CTL -s $WORK/b/ctl.sock state | grep -q '^sync in_sync'"
}

# raw_drops NODE: receive drops of the node's raw sockets (/proc/net/raw6,
# last column): packets the kernel dropped because a socket buffer was full
raw_drops() { ip netns exec "$PFX$1" awk 'NR > 1 { d += $NF } END { print d + 0 }' /proc/net/raw6; }

# pct FILE: "n p50 p90 p99 max" of the numbers in FILE
pct() {
	sort -g "$1" | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "0 n/a n/a n/a n/a"; exit }
		i50 = int(NR * 0.50); i90 = int(NR * 0.90); i99 = int(NR * 0.99)
		if (i50 < 1) i50 = 1; if (i90 < 1) i90 = 1; if (i99 < 1) i99 = 1
		printf "%d %.3f %.3f %.3f %.3f\n", NR, v[i50], v[i90], v[i99], v[NR] }'
}
# medw "v1 v2 ...": "median worst n"
medw() {
	# shellcheck disable=SC2086 # word splitting wanted
	printf '%s\n' $1 | grep . | sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "n/a n/a 0"; exit }
		print v[int((NR + 1) / 2)], v[NR], NR }'
}

setup_bridge
add_node m 1
add_node b 2
f=$(bindings_file "$N")
RES=$WORK/results
: >"$RES"

for MODE in $MODES; do
	say ""
	say "======== auth $MODE ========"
	tag=$(echo "$MODE" | tr ':' '_')

	# ---- 1. incremental latency, empty table ------------------------------
	fresh_pair "$MODE"
	say "load average before the latency run: $(cut -d' ' -f1-3 /proc/loadavg)"
	rm -f "$WORK/watch.ready"
	"$BENCH_BIN/bc-driver" watch -s "$WORK/b/ctl.sock" -o "$WORK/$tag.watch" -d $((SECS + 3)) \
		-r "$WORK/watch.ready" >"$WORK/$tag.watch.out" 2>&1 &
	wpid=$!
	PIDS="$PIDS $wpid"
	wait_for 5 "watcher" test -e "$WORK/watch.ready"
	"$BENCH_BIN/bc-driver" rate -s "$WORK/m/ctl.sock" -r "$RATE" -d "$SECS" -o "$WORK/$tag.sent" \
		>"$WORK/$tag.driver" 2>"$WORK/$tag.driver.err" || say "driver: $(cat "$WORK/$tag.driver.err")"
	wait $wpid || true
	awk -v w="$WORK/$tag.watch" '
		BEGIN { while ((getline l < w) > 0) { split(l, f, " "); if (!(f[1] in t)) t[f[1]] = f[2] } }
		{ if ($1 in t) printf "%.3f\n", (t[$1] - $2) / 1e6; else miss++ }
		END { print miss + 0 > "/dev/stderr" }' "$WORK/$tag.sent" >"$WORK/$tag.lat" 2>"$WORK/$tag.miss"
	# shellcheck disable=SC2046 # word splitting wanted
	set -- $(pct "$WORK/$tag.lat")
	l_n=$1 l50=$2 l90=$3 l99=$4 lmax=$5
	miss=$(cat "$WORK/$tag.miss")
	say "latency (master socket write -> in the backup's RBC), ms: n $l_n p50 $l50 p90 $l90 p99 $l99 max $lmax; missing $miss;" \
		"driver: $(kv "$WORK/$tag.driver" sent) sent, $(kv "$WORK/$tag.driver" late) late ticks, ctl rtt p99 $(kv "$WORK/$tag.driver" ctl_rtt_p99_us) us"
	ctl m stats >"$WORK/$tag.m.stats" 2>&1 || true
	say "  master: tx_update $(kv "$WORK/$tag.m.stats" tx_update) tx_records $(kv "$WORK/$tag.m.stats" tx_records) auth_sealed $(kv "$WORK/$tag.m.stats" auth_sealed)"
	v=$(verdict le "$l99" 5)
	[ "$miss" = 0 ] || v=MISSED
	summary "auth $MODE: incremental latency p99 @${RATE}/s (ms)" "$l99" "<= 5" "$v"

	# ---- 2. import N, incremental replication -----------------------------
	fresh_pair "$MODE"
	say "load average before the import: $(cut -d' ' -f1-3 /proc/loadavg)"
	"$BENCH_BIN/bc-driver" wait-same -a "$WORK/m/ctl.sock" -b "$WORK/b/ctl.sock" -n "$N" -t 180 \
		>"$WORK/$tag.inc" 2>&1 &
	wpid=$!
	t0=$(now_ns)
	ctl m -t 180 import "$f" >"$WORK/import.out" 2>&1 || true
	t1=$(now_ns)
	wait $wpid || true
	same=$(kv "$WORK/$tag.inc" same_ns)
	say "  backup socket drops during the import: $(raw_drops b); backup sync_repairs $(counter b sync_repairs), digest_mismatches $(counter b digest_mismatches)"
	if [ -n "$same" ]; then
		inc_s=$(ns2s $((same - t0)))
		say "import $N: $(ns2s $((t1 - t0))) s on the master; backup table = master's (count+digest) $inc_s s after the import's start"
	else
		inc_s=n/a
		say "import $N: backup never equal: $(cat "$WORK/$tag.inc")"
	fi

	# ---- 3. full sync of a fresh backup, REPEAT times ---------------------
	req_l="" comp_l="" same_l="" self_l="" start_l="" gap_l=""
	rep=1
	while [ $rep -le "$REPEAT" ]; do
		crash b
		la=$(cut -d' ' -f1-3 /proc/loadavg)
		sniff_start b full -a fe80::1 -q fe80::2
		"$BENCH_BIN/bc-driver" wait-log -f "$WORK/b/keepalived.log" -p "table complete" -t 60 \
			>"$WORK/full.log.wait" 2>&1 &
		lpid=$!
		"$BENCH_BIN/bc-driver" wait-same -a "$WORK/m/ctl.sock" -b "$WORK/b/ctl.sock" -n "$N" -t 60 \
			>"$WORK/full.same" 2>&1 &
		spid=$!
		sleep 0.05 # wait-log has taken the log's size
		cpu_m0=$(cpu_ms m)
		ts=$(now_ns)
		start_ka b
		wait $lpid || true
		wait $spid || true
		cpu_m1=$(cpu_ms m)
		cpu_b=$(cpu_ms b)
		drops=$(raw_drops b)
		ctl b stats >"$WORK/full.b.stats" 2>&1 || true
		sleep "$LINGER"
		sniff_stop full
		req=$(kv "$WORK/full.sniff" first_ext_req_ns)
		[ "${req:-0}" -gt 0 ] || req=$(kv "$WORK/full.sniff" first_req_ns)
		comp=$(kv "$WORK/full.log.wait" found_ns)
		same=$(kv "$WORK/full.same" same_ns)
		line=$(sed -n 's/^line //p' "$WORK/full.log.wait")
		self=$(echo "$line" | sed -n 's/.* in \([0-9]*\) ms .*/\1/p')
		gap=$(kv "$WORK/full.sniff" sync_adv_max_gap_ns)
		if [ -n "$comp" ] && [ "${req:-0}" -gt 0 ]; then
			start_l="$start_l $(ns2s $((comp - ts)))"
			comp_l="$comp_l $(ns2s $((comp - req)))"
			req_l="$req_l $(ns2s $((req - ts)))"
			[ -z "$same" ] || same_l="$same_l $(ns2s $((same - ts)))"
			[ -z "$self" ] || self_l="$self_l $(awk -v m="$self" 'BEGIN { printf "%.3f", m / 1000 }')"
			gap_l="$gap_l $(fdiv "${gap:-0}" "$ADV_NS")"
			say "full sync #$rep (load $la): start -> request on the wire $(ns2s $((req - ts))) s; request -> 'table complete' $(ns2s $((comp - req))) s;" \
				"start -> complete $(ns2s $((comp - ts))) s; start -> tables equal ${same:+$(ns2s $((same - ts)))} s;" \
				"the log's own figure ${self:-?} ms; master CPU $((cpu_m1 - cpu_m0)) ms, backup CPU $cpu_b ms;" \
				"backup socket drops $drops, sync_rounds $(kv "$WORK/full.b.stats" sync_rounds); wire in: $(kv "$WORK/full.sniff" bc_update_pkts) BC_UPDATE ($(kv "$WORK/full.sniff" bc_update_recs) records), $(kv "$WORK/full.sniff" ext_pkts) extension messages ($(kv "$WORK/full.sniff" ext_bytes) bytes); advert max gap $(fdiv "${gap:-0}" "$ADV_NS") x advert_int"
			say "    $line" | sed 's/^\(    \).*\(table complete\)/\1\2/'
		else
			say "full sync #$rep: INCOMPLETE: log $(cat "$WORK/full.log.wait"); same $(cat "$WORK/full.same"); request ${req:-none}"
		fi
		rep=$((rep + 1))
	done
	# shellcheck disable=SC2046
	set -- $(medw "$comp_l")
	c_med=$1 c_worst=$2 c_n=$3
	# shellcheck disable=SC2046
	set -- $(medw "$start_l")
	s_med=$1 s_worst=$2
	# shellcheck disable=SC2046
	set -- $(medw "$same_l")
	e_med=$1 e_worst=$2
	# shellcheck disable=SC2046
	set -- $(medw "$self_l")
	f_med=$1 f_worst=$2
	# shellcheck disable=SC2046
	set -- $(medw "$req_l")
	r_med=$1
	# shellcheck disable=SC2046
	set -- $(medw "$gap_l")
	g_worst=$2
	takeovers=$(grep -c 'Entering MASTER STATE' "$WORK/b/keepalived.log" || true)
	say "full sync $N, auth $MODE ($c_n of $REPEAT complete): request -> complete median $c_med s, worst $c_worst s;" \
		"start -> complete median $s_med s, worst $s_worst s; start -> equal median $e_med s, worst $e_worst s;" \
		"log's own median $f_med s, worst $f_worst s; backup takeovers $takeovers"
	v=$(verdict le "$c_worst" 2)
	[ "$c_n" -eq "$REPEAT" ] || v=MISSED
	[ "$N" -ge 1000000 ] || v=info
	summary "auth $MODE: full sync $N request->complete (s, worst of $REPEAT)" "$c_worst" "<= 2" "$v"
	summary "auth $MODE: fresh node start->complete $N (s, median)" "$s_med" "-" "info"
	printf '%s %s %s %s %s %s %s %s %s %s %s %s %s %s %s %s %s\n' "$MODE" "$l_n" "$l50" "$l99" "$lmax" "$miss" \
		"$inc_s" "$r_med" "$c_med" "$c_worst" "$s_med" "$s_worst" "$e_med" "$e_worst" "$f_med" "$f_worst" "$g_worst" >>"$RES"
done

say ""
say "==== auth side by side (N = $N, $REPEAT full syncs each; times in s unless ms; ratio = / auth off) ===="
awk '
	NR == 1 { for (i = 2; i <= NF; i++) base[i] = $i }
	function r(i) { return (base[i] + 0 > 0 && $i != "n/a") ? sprintf("%.2f", $i / base[i]) : "-" }
	{
		printf "%-30s %s\n", "auth " $1, ""
		printf "  %-44s p50 %s ms (x%s), p99 %s ms (x%s), max %s ms, missing %s of %s\n", "incremental latency (socket -> backup RBC)", $3, r(3), $4, r(4), $5, $6, $2
		printf "  %-44s %s s (x%s)\n", "import N -> backup equal", $7, r(7)
		printf "  %-44s %s s\n", "backup start -> its request on the wire", $8
		printf "  %-44s median %s s (x%s), worst %s s (x%s)\n", "full sync: request -> table complete", $9, r(9), $10, r(10)
		printf "  %-44s median %s s (x%s), worst %s s (x%s)\n", "fresh node: start -> table complete", $11, r(11), $12, r(12)
		printf "  %-44s median %s s, worst %s s\n", "fresh node: start -> tables equal (polled)", $13, $14
		printf "  %-44s median %s s, worst %s s\n", "the log line'"'"'s own duration", $15, $16
		printf "  %-44s %s x advert_int\n", "largest master advert gap in a full sync", $17
	}' "$RES" 2>/dev/null || true
say "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
