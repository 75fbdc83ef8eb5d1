#!/bin/sh
# convergence.sh - convergence of the backup's table after churn under loss
# (issue 7, "Measured"; docs/sync.md "Anti-entropy").
#
# Owner master "m" (priority 255) and backup "b" (100). Per run: both start
# fresh, the master imports BENCH_CONV_BASE bindings (default 100000) and the
# backup is waited for (count and digest equal). Then, with LOSS % of the
# backup's incoming VRRP packets dropped (nftables in its namespace:
# `meta l4proto 112 numgen random mod 100 < LOSS drop`; adverts included, as
# on a bad link), BENCH_CONV_CHANGES mixed changes (default 100000: 40 %
# updates of existing bindings (new CoA, seq + 1), 30 % deletes, 30 % adds of
# new HoAs, interleaved) are written to the master's control socket on one
# connection (bc-driver lines). The loss stays on until the end.
# Printed per run:
#   - churn: time to write the changes (the master's socket answered them all);
#   - end of churn: the master's `state` says backlog 0 (polled every 5 ms);
#   - convergence: from the end of churn to the backup's RBC having the
#     master's count and digest (`state` of both polled every 5 ms);
#   - the backup's repair counters over the run: sync_repairs, sync_rounds,
#     sync_swept, digest_mismatches (and sync_unresolved), the packets the
#     nftables rule dropped, the backup's socket drops, takeovers.
# Baseline in the same run: the same churn with 0 % loss. Each loss level is
# run BENCH_REPEAT times (default 3): median and worst.
# BENCH_CONV_LOSS (default "0 5"): the loss levels, in %.
set -eu
TEST_NAME=convergence
PFX=${PFX:-bnsycv}
. "$(dirname "$0")/common.sh"

BASE=${BENCH_CONV_BASE:-100000}
CHANGES=${BENCH_CONV_CHANGES:-100000}
LOSSES=${BENCH_CONV_LOSS:-0 5}
REPEAT=${BENCH_REPEAT:-3}
TIMEOUT=${BENCH_CONV_TIMEOUT:-120}

say "== convergence: $CHANGES mixed changes on a $BASE table, loss on the backup's input: $LOSSES % =="
machine_info
say "advert_int ${BENCH_ADVERT_INT}s; mipv6_ha extras: '${BENCH_MIPV6_EXTRA:-<defaults>}'"

setup_bridge
add_node m 1
add_node b 2
bench_conf m 255
bench_conf b 100
base=$(bindings_file "$BASE")
# the churn: i-th change, kind by i mod 10: 0-3 update, 4-6 delete, 7-9 add
churn=$WORK/churn
awk -v n="$CHANGES" -v base="$BASE" 'BEGIN {
	u = 0; d = 0; a = 0
	for (i = 0; i < n; i++) {
		k = i % 10
		if (k < 4) { # update binding j of the base: new CoA, seq + 1
			j = (u * 7919) % base; u++
			printf "add 2001:db8:aa:%x:%x::1 2001:db8:dd:%x:%x::1 3600 %d AH\n",
				int(j / 65536), j % 65536, int(j / 65536), j % 65536, (j % 60000) + 2
		} else if (k < 7) { # delete a binding of the base (not one updated: odd indexes)
			j = (2 * d + 1) % base; d++
			printf "del 2001:db8:aa:%x:%x::1\n", int(j / 65536), j % 65536
		} else { # a new HoA
			j = base + a; a++
			printf "add 2001:db8:aa:%x:%x::1 2001:db8:cc:%x:%x::1 3600 1 AH\n",
				int(j / 65536), j % 65536, int(j / 65536), j % 65536
		}
	}
}' >"$churn"
say "churn file: $(grep -c '^add .*:dd:' "$churn") updates, $(grep -c '^del' "$churn") deletes, $(grep -c '^add .*:cc:' "$churn") adds"

stopped=1
RES=$WORK/results
: >"$RES"
snap() { ctl b stats >"$1" 2>/dev/null || true; }
d() { echo $(($(kv "$WORK/$2" "$1") - $(kv "$WORK/$3" "$1"))); }
raw_drops() { ip netns exec "$PFX$1" awk 'NR > 1 { x += $NF } END { print x + 0 }' /proc/net/raw6; }

for LOSS in $LOSSES; do
	rep=1
	while [ $rep -le "$REPEAT" ]; do
		if [ $stopped -eq 0 ]; then
			crash b
			crash m
		fi
		start_ka m
		start_ka b
		stopped=0
		wait_for 10 "m MASTER" is_state m MASTER
		wait_for 10 "b BACKUP" is_state b BACKUP
		ctl m -t 120 import "$base" >/dev/null
		"$BENCH_BIN/bc-driver" wait-same -a "$WORK/m/ctl.sock" -b "$WORK/b/ctl.sock" -n "$BASE" -t 120 \
			>"$WORK/pre.same" 2>&1 || die "preload never reached the backup: $(cat "$WORK/pre.same")"
		t_in0=$(grep -c 'Entering MASTER STATE' "$WORK/b/keepalived.log" || true)
		if [ "$LOSS" -gt 0 ]; then
			ip netns exec "${PFX}b" nft -f - <<EOF
table inet ${PFX}loss {
	chain input {
		type filter hook input priority 0;
		meta l4proto 112 numgen random mod 100 < $LOSS counter drop
	}
}
EOF
		fi
		la=$(cut -d' ' -f1-3 /proc/loadavg)
		snap "$WORK/s0"
		dr0=$(raw_drops b)
		t0=$(now_ns)
		"$BENCH_BIN/bc-driver" lines -s "$WORK/m/ctl.sock" -f "$churn" -w 32 >"$WORK/churn.out" 2>&1 ||
			say "churn: $(cat "$WORK/churn.out")"
		t1=$(now_ns)
		# the master answered every change: now its backlog drains
		"$BENCH_BIN/bc-driver" wait-same -a "$WORK/m/ctl.sock" -b "$WORK/b/ctl.sock" -z -n 1 \
			-t "$TIMEOUT" >"$WORK/conv.same" 2>&1 || true
		snap "$WORK/s1"
		dropped=0
		if [ "$LOSS" -gt 0 ]; then
			dropped=$(ip netns exec "${PFX}b" nft list chain inet "${PFX}loss" input |
				awk '/counter/ { for (i = 1; i <= NF; i++) if ($i == "packets") print $(i + 1) }')
			ip netns exec "${PFX}b" nft delete table inet "${PFX}loss"
		fi
		z=$(kv "$WORK/conv.same" backlog0_ns)
		same=$(kv "$WORK/conv.same" same_ns)
		tk=$(($(grep -c 'Entering MASTER STATE' "$WORK/b/keepalived.log" || true) - t_in0))
		mc=$(bc_count m)
		if [ -n "$z" ] && [ -n "$same" ]; then
			conv=$(ns2s $((same - z)))
		else
			conv=n/a
		fi
		say ""
		say "loss $LOSS %, run $rep (load before: $la): churn written in $(ns2s $((t1 - t0))) s ($(sed -n 's/^sent \([0-9]*\) ok \([0-9]*\) err \([0-9]*\).*/\1 sent, \2 OK, \3 ERR/p' "$WORK/churn.out"));" \
			"master backlog 0 ${z:+$(ns2s $((z - t0)))} s after the churn's start; master table $mc"
		if [ "$conv" != n/a ]; then
			say "    convergence (backlog 0 -> backup count+digest = master's): $conv s"
		else
			say "    NOT CONVERGED within ${TIMEOUT} s: $(cat "$WORK/conv.same")"
			table m --bc >"$WORK/m.table.$LOSS.$rep"
			table b >"$WORK/b.table.$LOSS.$rep"
			cut -d' ' -f1 "$WORK/m.table.$LOSS.$rep" >"$WORK/.km"
			cut -d' ' -f1 "$WORK/b.table.$LOSS.$rep" >"$WORK/.kb"
			say "    the difference: the backup holds $(LC_ALL=C comm -13 "$WORK/.km" "$WORK/.kb" | wc -l) bindings the master does not," \
				"lacks $(LC_ALL=C comm -23 "$WORK/.km" "$WORK/.kb" | wc -l), and $(LC_ALL=C comm -13 "$WORK/m.table.$LOSS.$rep" "$WORK/b.table.$LOSS.$rep" | wc -l) lines differ in all" \
				"(tables kept in $WORK/{m,b}.table.$LOSS.$rep with KEEP_WORK=1)"
		fi
		say "    backup: sync_repairs $(d sync_repairs s1 s0), sync_rounds $(d sync_rounds s1 s0), sync_swept $(d sync_swept s1 s0)," \
			"digest_mismatches $(d digest_mismatches s1 s0), sync_unresolved $(d sync_unresolved s1 s0), digests_checked $(d digests_checked s1 s0);" \
			"nft dropped ${dropped:-0} packets, socket drops $(($(raw_drops b) - dr0)); takeovers $tk"
		printf '%s %s %s %s %s %s %s %s %s\n' "$LOSS" "$conv" "$(d sync_repairs s1 s0)" "$(d sync_rounds s1 s0)" \
			"$(d sync_swept s1 s0)" "$(d digest_mismatches s1 s0)" "$(d sync_unresolved s1 s0)" "${dropped:-0}" "$tk" >>"$RES"
		rep=$((rep + 1))
	done
done

say ""
say "==== convergence after $CHANGES changes on $BASE bindings (s from the master's backlog 0 to the backup's table = the master's) ===="
printf '%-8s %-24s %-16s %s\n' "loss %" "median / worst (s)" "runs converged" "per run: repairs rounds swept mismatches unresolved nft_dropped takeovers"
for LOSS in $LOSSES; do
	# shellcheck disable=SC2046 # word splitting wanted
	set -- $(awk -v l="$LOSS" '$1 == l && $2 != "n/a" { print $2 }' "$RES" | sort -g |
		awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)], v[NR], NR; else print "n/a n/a 0" }')
	med=$1 worst=$2 nok=$3
	per=$(awk -v l="$LOSS" '$1 == l { printf "%s[%s %s %s %s %s %s %s] ", (n++ ? "" : ""), $3, $4, $5, $6, $7, $8, $9 }' "$RES")
	printf '%-8s %-24s %-16s %s\n' "$LOSS" "$med / $worst" "$nok of $REPEAT" "$per"
	v=info
	[ "$nok" -eq "$REPEAT" ] || v=MISSED
	summary "convergence after churn, ${LOSS}% loss (s, median)" "$med" "-" "$v"
	summary "convergence after churn, ${LOSS}% loss (s, worst of $REPEAT)" "$worst" "-" "$v"
done
say "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
