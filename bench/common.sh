# shellcheck shell=sh
# common.sh - shared by the bench/*.sh scripts (sourced, not run).
#
# Builds on tests/integration/lib.sh (namespaces, keepalived start/stop,
# control socket helpers) and adds: paths of the bench tools, the sniffer's
# start/stop, number formatting, VmRSS, and SUMMARY lines that run_all.sh
# collects into its table.
#
# Environment:
#   BUILD_DIR        build tree (default: <repo>/build)
#   KEEPALIVED       patched keepalived (default: from BUILD_DIR)
#   VRRP_HA_CTL      vrrp-ha-ctl (default: from BUILD_DIR)
#   BENCH_BIN        bc-sniff, bc-driver, rbc-bench (default: BUILD_DIR/bench)
#   BENCH_WORK       scratch directory (default: a new /tmp/vrrp-ha-bench.XXXXXX)
#   BENCH_ADVERT_INT advert_int of both routers, seconds (default 0.1)
#   BENCH_MIPV6_EXTRA extra lines for the mipv6_ha { } block (e.g. "burst_packets 64")
#   KEEP_WORK        set: keep the scratch directory (logs, sniffer files)

: "${BENCH_TOP:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${BUILD_DIR:=$BENCH_TOP/build}"
: "${KEEPALIVED:=$BUILD_DIR/keepalived/keepalived-2.2.7/keepalived/keepalived}"
: "${VRRP_HA_CTL:=$BUILD_DIR/sync/vrrp-ha-ctl}"
: "${BENCH_BIN:=$BUILD_DIR/bench}"
: "${BENCH_ADVERT_INT:=0.1}"
: "${BENCH_MIPV6_EXTRA:=}"
if [ -z "${BENCH_WORK:-}" ]; then
	BENCH_WORK=$(mktemp -d /tmp/vrrp-ha-bench.XXXXXX)
fi
WORK=$BENCH_WORK
export KEEPALIVED VRRP_HA_CTL

if [ "$(id -u)" -ne 0 ]; then
	echo "bench: needs root (network namespaces, AF_PACKET)" >&2
	exit 77
fi
for f in "$KEEPALIVED" "$VRRP_HA_CTL" "$BENCH_BIN/bc-sniff" "$BENCH_BIN/bc-driver" \
	"$BENCH_BIN/rbc-bench"; do
	if [ ! -x "$f" ]; then
		echo "bench: $f missing: build first (cmake --build $BUILD_DIR)" >&2
		exit 2
	fi
done

# shellcheck source=../tests/integration/lib.sh
. "$BENCH_TOP/tests/integration/lib.sh"

# start_ka NAME: as lib.sh's, with two differences:
#  - `ip netns exec` is run directly, not through the ns() function: with
#    `ns ... &` dash forks a subshell, $! is that subshell, and crash()'s
#    kill -9 of "the parent" leaves keepalived's parent running, which
#    respawns the VRRP child (a second backup then answers in the node);
#  - -G (--no-syslog): with -l and no syslog daemon (no /dev/log), glibc's
#    LOG_CONS fallback writes every log line to /dev/console, a paravirtualised
#    UART here: about 0.85 ms of blocking per line, shared with every other
#    keepalived on the machine. The log still goes to keepalived.log (stderr).
start_ka() {
	name=$1
	d=$WORK/$name
	rm -f "$d/keepalived.pid" "$d/vrrp.pid"
	ip netns exec "$PFX$name" "$KEEPALIVED" -n -l -D -G -f "$d/keepalived.conf" -p "$d/keepalived.pid" \
		-r "$d/vrrp.pid" >>"$d/keepalived.log" 2>&1 &
	eval "KA_PID_$name=$!"
	PIDS="$PIDS $!"
	wait_for 10 "control socket of $name" test -S "$d/ctl.sock"
}

# ---- time and numbers ----------------------------------------------------
now_ns() { date +%s%N; }
# fdiv A B [DECIMALS]: A / B
fdiv() { awk -v a="$1" -v b="$2" -v d="${3:-2}" 'BEGIN { if (b == 0) print "n/a"; else printf "%.*f\n", d, a / b }'; }
# ns2ms NS [DECIMALS]
ns2ms() { awk -v a="$1" -v d="${2:-1}" 'BEGIN { printf "%.*f\n", d, a / 1e6 }'; }
ns2s() { awk -v a="$1" 'BEGIN { printf "%.3f\n", a / 1e9 }'; }
# rate COUNT NS: per second, integer
rate() { awk -v n="$1" -v t="$2" 'BEGIN { if (t <= 0) print "n/a"; else printf "%.0f\n", n / (t / 1e9) }'; }
# le A B: A <= B (floats)
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "n/a" && a + 0 <= b + 0) }'; }
# kv FILE KEY: value of "KEY value" in FILE
kv() { awk -v k="$2" '$1 == k { print $2; exit }' "$1"; }

# ---- reporting --------------------------------------------------------------
# summary KEY VALUE GOAL VERDICT: a line run_all.sh picks up
summary() { printf 'SUMMARY\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4"; }
# verdict OK_CONDITION_EXIT_STATUS: "ok" or "MISSED"
verdict() { if "$@"; then echo ok; else echo MISSED; fi; }
say() { printf '%s\n' "$*"; }

machine_info() {
	say "machine: nproc $(nproc), kernel $(uname -r), cpu '$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)', mem $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo), load average $(cut -d' ' -f1-3 /proc/loadavg)"
	if c=$(git -C "$BENCH_TOP" rev-parse --short HEAD 2>/dev/null); then
		git -C "$BENCH_TOP" diff --quiet HEAD -- vrrp_ha sync keepalived-patch 2>/dev/null ||
			c="$c (+ uncommitted changes in product code)"
	else
		c="? (not a git checkout)"
	fi
	say "commit:  $c"
}

# ---- processes ----------------------------------------------------------------
# rss_kb NAME: VmRSS of the node's VRRP child, kB
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$(vrrp_pid "$1")/status" 2>/dev/null || echo 0; }

# cpu_ms NAME: user+system CPU time of the node's VRRP child, ms
cpu_ms() {
	sed 's/^.*) //' "/proc/$(vrrp_pid "$1")/stat" 2>/dev/null |
		awk -v hz="$(getconf CLK_TCK)" '{ printf "%.0f\n", ($12 + $13) * 1000 / hz }' || echo 0
}

# sniff_start NODE TAG [bc-sniff ARGS...]: start bc-sniff on the node's eth0;
# summary goes to $WORK/TAG.sniff. Waits until the socket is bound.
sniff_start() {
	node=$1 tag=$2
	shift 2
	rm -f "$WORK/$tag.ready"
	# ip netns exec execs bc-sniff: $! is the sniffer itself
	ip netns exec "$PFX$node" "$BENCH_BIN/bc-sniff" -i eth0 -r "$WORK/$tag.ready" "$@" \
		>"$WORK/$tag.sniff" 2>"$WORK/$tag.sniff.err" &
	eval "SNIFF_$tag=$!"
	PIDS="$PIDS $!"
	i=0
	while [ ! -e "$WORK/$tag.ready" ] && [ $i -lt 200 ]; do
		sleep 0.01
		i=$((i + 1))
	done
	[ -e "$WORK/$tag.ready" ] || die "sniffer $tag did not start: $(cat "$WORK/$tag.sniff.err")"
}

# sniff_stop TAG: stop it (it prints its summary on exit) and wait
sniff_stop() {
	eval "p=\${SNIFF_$1:-}"
	[ -n "$p" ] || return 0
	kill -TERM "$p" 2>/dev/null || true
	wait "$p" 2>/dev/null || true
	eval "SNIFF_$1="
}

# sniff_wait TAG SECONDS: wait for a sniffer that stops by itself (-n / -d)
sniff_wait() {
	eval "p=\${SNIFF_$1:-}"
	i=0 n=$(($2 * 100))
	while kill -0 "$p" 2>/dev/null && [ $i -lt $n ]; do
		sleep 0.01
		i=$((i + 1))
	done
	sniff_stop "$1"
}

# bench_conf NAME PRIO: write_conf with the bench's advert_int and extras
bench_conf() { write_conf "$1" "$2" "$BENCH_ADVERT_INT" "$BENCH_MIPV6_EXTRA"; }

# two_routers: bridge, master "m" (fe80::1, priority 255) and backup "b"
# (fe80::2, priority 100), both started and settled.
two_routers() {
	setup_bridge
	add_node m 1
	add_node b 2
	bench_conf m 255
	bench_conf b 100
	start_ka m
	start_ka b
	wait_for 10 "m MASTER" is_state m MASTER
	wait_for 10 "b BACKUP" is_state b BACKUP
}

# restart_both: fresh daemons (empty tables) on the same topology
restart_both() {
	crash b
	crash m
	start_ka m
	start_ka b
	wait_for 10 "m MASTER" is_state m MASTER
	wait_for 10 "b BACKUP" is_state b BACKUP
}

# bindings_file N: a file of N bindings (cached in WORK)
bindings_file() {
	f=$WORK/bindings.$1
	[ -s "$f" ] || gen_bindings "$1" >"$f"
	echo "$f"
}
