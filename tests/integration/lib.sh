# shellcheck shell=sh
# lib.sh - helpers for vrrp-ha's network-namespace tests. Sourced by each test.
#
# Every test gets its own namespace prefix (PFX) and work directory (WORK);
# cleanup deletes only the namespaces it created and ends only the processes
# it started, by PID. Loops are bounded.
#
# Environment: KEEPALIVED (patched binary), VRRP_HA_CTL (CLI), TOOLS (dir with
# the test tools), WORK (scratch dir), PFX (namespace prefix, <= 6 chars).

set -eu

: "${PFX:=vh$$}"
: "${WORK:=$(mktemp -d /tmp/vrrp-ha-test.XXXXXX)}"
mkdir -p "$WORK"
VHA=2001:db8:1::100
PIDS=""
NSS=""
FAILS=0
PASSES=0

log() { printf '%s [%s] %s\n' "$(date +%H:%M:%S.%N | cut -c1-12)" "${TEST_NAME:-test}" "$*"; }
die() {
	log "FAIL: $*"
	dump_logs
	exit 1
}
ok() {
	PASSES=$((PASSES + 1))
	log "ok: $*"
}
check() { # check DESCRIPTION CMD...: record a failure instead of exiting
	d=$1
	shift
	if "$@"; then ok "$d"; else
		FAILS=$((FAILS + 1))
		log "FAIL: $d"
	fi
}

dump_logs() {
	for f in "$WORK"/*/keepalived.log; do
		[ -f "$f" ] || continue
		echo "---- tail of $f"
		tail -25 "$f"
	done
}

cleanup() {
	set +e
	for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
	for p in $PIDS; do
		# the VRRP child of each keepalived we started
		for c in $(pgrep -P "$p" 2>/dev/null); do kill -9 "$c" 2>/dev/null; done
	done
	for n in $NSS; do
		for p in $(ip netns pids "$n" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
		ip netns del "$n" 2>/dev/null
	done
	[ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

ns() { # ns NAME CMD...
	n=$1
	shift
	ip netns exec "$PFX$n" "$@"
}

# A bridge namespace "br" with a bridge "br0"; nodes attach with add_node.
setup_bridge() {
	ip netns add "${PFX}br"
	NSS="$NSS ${PFX}br"
	ns br ip link add br0 type bridge
	ns br sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	ns br ip link set br0 up
	ns br ip link set lo up
}

# add_node NAME INDEX: namespace with eth0 on the bridge, 2001:db8:1::INDEX/64
# and a stable link-local fe80::INDEX.
add_node() {
	name=$1 idx=$2
	ip netns add "$PFX$name"
	NSS="$NSS $PFX$name"
	ns "$name" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
	ip link add "${PFX}$name" netns "${PFX}br" type veth peer name eth0 netns "$PFX$name"
	ns br ip link set "${PFX}$name" master br0 up
	ns "$name" ip link set lo up
	ns "$name" sysctl -qw net.ipv6.conf.eth0.accept_dad=0 net.ipv6.conf.eth0.addr_gen_mode=1
	ns "$name" ip link set eth0 up
	ns "$name" ip -6 addr add "fe80::$idx/64" dev eth0 nodad
	ns "$name" ip -6 addr add "2001:db8:1::$idx/64" dev eth0 nodad
	mkdir -p "$WORK/$name"
}

# write_conf NAME PRIORITY [ADVERT_INT] [EXTRA_MIPV6_HA_LINES] [EXTRA_INSTANCE_LINES]
write_conf() {
	name=$1 prio=$2 adv=${3:-1} extra=${4:-} iextra=${5:-}
	st=BACKUP
	[ "$prio" -eq 255 ] && st=MASTER
	cat >"$WORK/$name/keepalived.conf" <<EOF
global_defs {
    router_id $name
}
vrrp_instance VI_1 {
    state $st
    interface eth0
    virtual_router_id 51
    priority $prio
    advert_int $adv
    $iextra
    virtual_ipaddress {
        fe80::100/64
        $VHA/64
    }
    mipv6_ha {
        control_socket $WORK/$name/ctl.sock
        $extra
    }
}
EOF
}

# start_ka NAME: start keepalived (VRRP only) in the node's namespace.
start_ka() {
	name=$1
	d=$WORK/$name
	rm -f "$d/keepalived.pid" "$d/vrrp.pid"
	ns "$name" "$KEEPALIVED" -n -l -D -f "$d/keepalived.conf" -p "$d/keepalived.pid" \
		-r "$d/vrrp.pid" >>"$d/keepalived.log" 2>&1 &
	eval "KA_PID_$name=$!"
	PIDS="$PIDS $!"
	wait_for 10 "control socket of $name" test -S "$d/ctl.sock"
}

# vrrp_pid NAME: the VRRP child's pid
vrrp_pid() { cat "$WORK/$1/vrrp.pid" 2>/dev/null; }
ka_pid() { eval "echo \${KA_PID_$1:-}"; }

# crash NAME [linkdown]: kill -9 the VRRP child, then the parent
crash() {
	name=$1
	c=$(vrrp_pid "$name") p=$(ka_pid "$name")
	[ "${2:-}" = linkdown ] && ns "$name" ip link set eth0 down
	[ -n "$c" ] && kill -9 "$c" 2>/dev/null
	[ -n "$p" ] && kill -9 "$p" 2>/dev/null
	wait "$p" 2>/dev/null || true
	rm -f "$WORK/$name/ctl.sock"
}

# stop NAME: graceful stop
stop_ka() {
	p=$(ka_pid "$1")
	[ -n "$p" ] && kill -TERM "$p" 2>/dev/null
	wait_for 10 "$1 to stop" sh -c "! kill -0 $p 2>/dev/null"
	wait "$p" 2>/dev/null || true
}

ctl() { # ctl NAME ARGS...
	name=$1
	shift
	"$VRRP_HA_CTL" -s "$WORK/$name/ctl.sock" "$@"
}

state_of() { ctl "$1" state 2>/dev/null | awk '$1=="state"{print $2}'; }
rbc_count() { ctl "$1" state 2>/dev/null | awk '$1=="rbc"{print $2}'; }
bc_count() { ctl "$1" state 2>/dev/null | awk '$1=="bc"{print $2}'; }
counter() { ctl "$1" stats 2>/dev/null | awk -v k="$2" '$1==k{print $2}'; }

# wait_for SECONDS DESCRIPTION CMD...: poll every 0.05 s
wait_for() {
	secs=$1 what=$2
	shift 2
	i=0 n=$((secs * 20))
	while [ $i -lt $n ]; do
		if "$@" >/dev/null 2>&1; then return 0; fi
		sleep 0.05
		i=$((i + 1))
	done
	die "timed out after ${secs}s waiting for $what"
}

is_state() { [ "$(state_of "$1")" = "$2" ]; }
rbc_is() { [ "$(rbc_count "$1")" = "$2" ]; }

# gen_bindings N [START] [LIFETIME]: lines "hoa coa lifetime seq flags"
gen_bindings() {
	awk -v n="$1" -v s="${2:-0}" -v lt="${3:-3600}" 'BEGIN {
		for (i = s; i < s + n; i++)
			printf "2001:db8:aa:%x:%x::1 2001:db8:cc:%x:%x::1 %d %d AH\n",
				int(i / 65536), i % 65536, int(i / 65536), i % 65536, lt, (i % 60000) + 1
	}'
}

finish() {
	log "$PASSES passed, $FAILS failed"
	[ "$FAILS" -eq 0 ] || {
		dump_logs
		exit 1
	}
}
