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

# Skip (exit 77, ctest SKIP_RETURN_CODE) where the tests cannot run.
skip() {
	echo "SKIP: $*"
	exit 77
}
[ "$(id -u)" -eq 0 ] || skip "network-namespace tests need root"
command -v ip >/dev/null 2>&1 || skip "iproute2 'ip' not found"
ip netns list >/dev/null 2>&1 || skip "'ip netns' is not available"
[ -x "${KEEPALIVED:-/nonexistent}" ] || skip "KEEPALIVED (patched keepalived binary) not set or not executable"
[ -x "${VRRP_HA_CTL:-/nonexistent}" ] || skip "VRRP_HA_CTL (vrrp-ha-ctl) not set or not executable"

: "${PFX:=vh$$}"
: "${WORK:=$(mktemp -d /tmp/vrrp-ha-test.XXXXXX)}"
mkdir -p "$WORK"
VHA=2001:db8:1::100
PIDS=""
NSS=""
FAILS=0
PASSES=0
: "${GLOBAL_DEFS_EXTRA:=}" # extra lines for global_defs in write_conf

# Run registry: $REG records our pid, then every namespace and keepalived pid
# we create, so a run killed without its trap (ctest timeout) is cleaned up by
# the next run with the same PFX: exactly what it created, nothing else.
REG=/tmp/vrrp-ha-integ.$PFX.run
reg_cleanup_stale() {
	[ -f "$REG" ] || return 0
	owner=$(sed -n 1p "$REG")
	i=0
	while [ -n "$owner" ] && [ "$owner" != $$ ] && kill -0 "$owner" 2>/dev/null; do
		# another run with the same prefix (another build dir): wait for it
		[ $i -eq 0 ] && echo "waiting for run $owner using prefix $PFX to end"
		i=$((i + 1))
		[ $i -lt 600 ] || {
			echo "FAIL: prefix $PFX still in use by pid $owner"
			exit 1
		}
		sleep 0.5
		[ -f "$REG" ] || return 0
		owner=$(sed -n 1p "$REG")
	done
	[ -f "$REG" ] || return 0
	sed -n 's/^pid //p' "$REG" | while read -r p; do
		grep -q keepalived "/proc/$p/cmdline" 2>/dev/null && kill -9 "$p" 2>/dev/null
	done
	sed -n 's/^ns //p' "$REG" | while read -r n; do
		for p in $(ip netns pids "$n" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
		ip netns del "$n" 2>/dev/null
	done
	sed -n 's/^work //p' "$REG" | while read -r w; do
		case $w in /tmp/vrrp-ha-test.*) rm -rf "$w" ;; esac
	done
	rm -f "$REG"
	true
}
reg_cleanup_stale
echo $$ >"$REG"
[ -n "${KEEP_WORK:-}" ] || echo "work $WORK" >>"$REG"

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
	trap '' PIPE INT TERM HUP # finish the cleanup whatever happens to stdout
	for p in $PIDS; do
		# the VRRP child of each keepalived we started (before its parent
		# goes, or it is no longer the parent's child)
		for c in $(pgrep -P "$p" 2>/dev/null); do kill -9 "$c" 2>/dev/null; done
		kill -9 "$p" 2>/dev/null
	done
	for p in $BGPIDS; do kill -9 "$p" 2>/dev/null; done
	for n in $NSS; do
		for p in $(ip netns pids "$n" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
		ip netns del "$n" 2>/dev/null
	done
	[ "$(sed -n 1p "$REG" 2>/dev/null)" = $$ ] && rm -f "$REG"
	[ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"
}
BGPIDS=""
# bg_started PID: remember a background helper (cat, ping) for cleanup
bg_started() { BGPIDS="$BGPIDS $1"; }
trap cleanup EXIT
trap "exit 130" INT
trap "exit 143" TERM
trap "exit 129" HUP
trap "exit 141" PIPE

ns() { # ns NAME CMD...
	n=$1
	shift
	ip netns exec "$PFX$n" "$@"
}

# A bridge namespace "br" with a bridge "br0"; nodes attach with add_node.
setup_bridge() {
	ip netns add "${PFX}br"
	NSS="$NSS ${PFX}br"
	echo "ns ${PFX}br" >>"$REG"
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
	echo "ns $PFX$name" >>"$REG"
	ns "$name" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
	ip link add "${PFX}$name" netns "${PFX}br" type veth peer name eth0 netns "$PFX$name"
	ns br ip link set "${PFX}$name" master br0 up
	ns "$name" ip link set lo up
	# keep_addr_on_down: after crash NAME linkdown, "ip link set eth0 up"
	# brings the node back with its addresses
	ns "$name" sysctl -qw net.ipv6.conf.eth0.accept_dad=0 net.ipv6.conf.eth0.addr_gen_mode=1 \
		net.ipv6.conf.eth0.keep_addr_on_down=1
	ns "$name" ip link set eth0 up
	ns "$name" ip -6 addr add "fe80::$idx/64" dev eth0 nodad
	ns "$name" ip -6 addr add "2001:db8:1::$idx/64" dev eth0 nodad
	eval "IDX_$name=$idx"
	mkdir -p "$WORK/$name"
}

# link_up NAME: bring eth0 back after "crash NAME linkdown"; the kernel drops
# link-local addresses on down (even with keep_addr_on_down): add it again
link_up() {
	idx=$(eval "echo \$IDX_$1")
	ns "$1" ip link set eth0 up
	ns "$1" ip -6 addr replace "fe80::$idx/64" dev eth0 nodad
}

# write_conf NAME PRIORITY [ADVERT_INT] [EXTRA_MIPV6_HA_LINES] [EXTRA_INSTANCE_LINES]
write_conf() {
	name=$1 prio=$2 adv=${3:-1} extra=${4:-} iextra=${5:-}
	st=BACKUP
	[ "$prio" -eq 255 ] && st=MASTER
	cat >"$WORK/$name/keepalived.conf" <<EOF
global_defs {
    router_id $name
    $GLOBAL_DEFS_EXTRA
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

# write_stock_conf NAME PRIORITY ADVERT_INT [EXTRA_INSTANCE_LINES]: an
# ordinary VRRP router of the group (no mipv6_ha block): stock keepalived
write_stock_conf() {
	cat >"$WORK/$1/keepalived.conf" <<EOF
global_defs {
    router_id $1
}
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority $2
    advert_int $3
    ${4:-}
    virtual_ipaddress {
        fe80::100/64
        $VHA/64
    }
}
EOF
}

# start_ka NAME: start keepalived (VRRP only) in the node's namespace.
start_ka() {
	name=$1
	d=$WORK/$name
	rm -f "$d/keepalived.pid" "$d/vrrp.pid"
	# not through ns(): a function would run in a forked subshell, and $!
	# would be that shell's pid. ip netns exec execs keepalived in place.
	# shellcheck disable=SC2086 # KA_ARGS: extra switches (e.g. -x)
	ip netns exec "$PFX$name" "$KEEPALIVED" -n -l -D -G ${KA_ARGS:-} -f "$d/keepalived.conf" \
		-p "$d/keepalived.pid" -r "$d/vrrp.pid" >>"$d/keepalived.log" 2>&1 &
	eval "KA_PID_$name=$!"
	PIDS="$PIDS $!"
	echo "pid $!" >>"$REG"
	# KA_NO_CTL_WAIT=1: the test expects the control socket to be missing
	[ -n "${KA_NO_CTL_WAIT:-}" ] || wait_for 10 "control socket of $name" test -S "$d/ctl.sock"
	wait_for 5 "pid files of $name" test -s "$d/vrrp.pid" -a -s "$d/keepalived.pid"
	[ "$(cat "$d/keepalived.pid")" = "$(ka_pid "$name")" ] ||
		die "keepalived.pid of $name ($(cat "$d/keepalived.pid")) is not the pid started ($(ka_pid "$name"))"
}

# vrrp_pid NAME: the VRRP child's pid
vrrp_pid() { cat "$WORK/$1/vrrp.pid" 2>/dev/null; }
ka_pid() { eval "echo \${KA_PID_$1:-}"; }

# crash NAME [linkdown]: kill -9 the VRRP child, then the parent (stopped
# first so it cannot respawn the child in between); then, with linkdown, the
# link goes down. Killing first: a keepalived that saw its link go down would
# go to FAULT and send priority 0, which is a graceful handover, not a crash.
crash() {
	name=$1
	c=$(vrrp_pid "$name") p=$(ka_pid "$name")
	[ -n "$p" ] && kill -STOP "$p" 2>/dev/null
	[ -n "$c" ] && kill -9 "$c" 2>/dev/null
	[ -n "$p" ] && kill -9 "$p" 2>/dev/null
	[ "${2:-}" = linkdown ] && ns "$name" ip link set eth0 down
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
# (a wall-clock deadline: each try may itself take a while under load)
wait_for() {
	secs=$1 what=$2
	shift 2
	end=$(($(date +%s%3N) + secs * 1000))
	while :; do
		if "$@" >/dev/null 2>&1; then return 0; fi
		[ "$(date +%s%3N)" -lt "$end" ] || break
		sleep 0.05
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

# ---- added helpers ---------------------------------------------------------

# reload NAME: SIGHUP to the parent keepalived (configuration reload)
reload() { kill -HUP "$(ka_pid "$1")"; }

# alive NAME: the parent and the VRRP child both run
alive() {
	p=$(ka_pid "$1") c=$(vrrp_pid "$1")
	[ -n "$p" ] && [ -n "$c" ] && kill -0 "$p" 2>/dev/null && kill -0 "$c" 2>/dev/null
}

# inject NODE ARGS...: bc-inject from NODE's namespace out of eth0
inject() {
	n=$1
	shift
	ns "$n" "$TOOLS/bc-inject" -i eth0 "$@"
}

# table NAME [--bc]: the RBC (or the BC copy) as "hoa coa seq flags", sorted
table() {
	# shellcheck disable=SC2086 # $2: an optional option
	ctl "$1" show ${2:-} | awk '$1 != "HOA" {print $1, $2, $3, $4}' | LC_ALL=C sort
}

# entry NAME HOA [--bc]: "hoa coa seq flags lifetime" of one binding, or nothing
entry() {
	n=$1 h=$2
	shift 2
	ctl "$n" show "$@" | awk -v h="$h" '$1==h'
}

# stats_to NAME FILE: snapshot of the counters ("name value" lines)
stats_to() { ctl "$1" stats >"$2"; }

# delta NAME KEY SNAPSHOT: how much counter KEY moved since the snapshot
delta() {
	now=$(counter "$1" "$2")
	was=$(awk -v k="$2" '$1==k{print $2}' "$3")
	echo $((${now:-0} - ${was:-0}))
}

# bc_is NAME N / counter_ge NAME KEY N / lines_ge N FILE...: for wait_for
bc_is() { [ "$(bc_count "$1")" = "$2" ]; }
counter_ge() { [ "$(counter "$1" "$2")" -ge "$3" ] 2>/dev/null; }
lines_ge() { # a directory stands for the files in it (read at each call)
	n=$1
	shift
	c=$(for f in "$@"; do
		if [ -d "$f" ]; then cat "$f"/* 2>/dev/null; else cat "$f" 2>/dev/null; fi
	done | wc -l)
	[ "$c" -ge "$n" ]
}

# moved NAME KEY SNAPSHOT [MIN]: counter KEY grew by at least MIN (default 1)
moved() { [ "$(delta "$1" "$2" "$3")" -ge "${4:-1}" ]; }

# same_table A B [OPTS_A] [OPTS_B]: the two tables hold identical bindings
# shellcheck disable=SC2086 # $3 $4: optional options
same_table() {
	table "$1" ${3:-} >"$WORK/.t1"
	table "$2" ${4:-} >"$WORK/.t2"
	cmp -s "$WORK/.t1" "$WORK/.t2"
}

# now_ms: wall clock in ms (for measuring gaps)
now_ms() { date +%s%3N; }

# wait_quiet NAME KEY [SECS]: wait until counter KEY stops moving for 0.5 s
wait_quiet() {
	last=x i=0 n=$((${3:-10} * 2))
	while [ $i -lt $n ]; do
		v=$(counter "$1" "$2")
		[ "$v" = "$last" ] && return 0
		last=$v
		sleep 0.5
		i=$((i + 1))
	done
	die "counter $2 of $1 never settled"
}

# ---- partial recovery (draft-deng 5.2.1) topology ---------------------------
# CN -- rt -- home link (bridge: ha1, ha2, rt) ; rt -- foreign link -- MN router
# (CoA) -- MN host (HoA). The HoA prefix is routed by rt to the VHA (not on the
# home link), so rt's next hop is the VHA itself and follows VRRP's unsolicited
# NAs: no proxy ND is needed (FIELD-NOTES "Proxy ND" covers HoAs on the link).
PR_HOA=2001:db8:aa::1      # the one real mobile node
PR_HOA_HEX=0x20010db800aa00000000000000000001 # the same, for nft's raw payload
PR_HOA_NET=2001:db8:aa::/48
PR_COA=2001:db8:f::10      # on the foreign link
PR_CN=2001:db8:c::2
PR_RT=2001:db8:1::fe       # rt on the home link
: "${PR_TABLE:=1051}"      # product defaults (dataplane.h): 1000 + VRID
: "${PR_DECAP_TABLE:=2051}" # 2000 + VRID
: "${PR_PROTO:=180}"       # rtm_protocol of the product's routes

# add_ns NAME: a bare namespace (registered for cleanup), lo up, no DAD,
# forwarding on
add_ns() {
	ip netns add "$PFX$1"
	NSS="$NSS $PFX$1"
	echo "ns $PFX$1" >>"$REG"
	ns "$1" ip link set lo up
	ns "$1" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
		net.ipv6.conf.all.forwarding=1
	mkdir -p "$WORK/$1"
}

# veth_link A IFA B IFB: a veth pair between namespaces A and B, both ends up
veth_link() {
	ip link add "$PFX.$2" netns "$PFX$1" type veth peer name "$PFX.$4" netns "$PFX$3"
	ns "$1" ip link set "$PFX.$2" name "$2"
	ns "$3" ip link set "$PFX.$4" name "$4"
	ns "$1" sysctl -qw "net.ipv6.conf.$2.accept_dad=0"
	ns "$3" sysctl -qw "net.ipv6.conf.$4.accept_dad=0"
	ns "$1" ip link set "$2" up
	ns "$3" ip link set "$4" up
}

# pr_topology: the whole partial recovery topology (no keepalived yet)
pr_topology() {
	setup_bridge
	add_node ha1 1
	add_node ha2 2
	add_node rt fe
	add_ns cn
	add_ns mnr
	add_ns mnh
	for n in ha1 ha2 rt; do ns $n sysctl -qw net.ipv6.conf.all.forwarding=1; done
	# rt: eth1 to the CN, eth2 to the foreign network
	veth_link rt eth1 cn eth0
	veth_link rt eth2 mnr eth0
	ns rt ip -6 addr add 2001:db8:c::1/64 dev eth1 nodad
	ns rt ip -6 addr add 2001:db8:f::1/64 dev eth2 nodad
	ns rt ip -6 route add $PR_HOA_NET via "$VHA" dev eth0
	ns cn ip -6 addr add $PR_CN/64 dev eth0 nodad
	ns cn ip -6 route add default via 2001:db8:c::1 dev eth0
	for n in ha1 ha2; do ns $n ip -6 route add default via $PR_RT dev eth0; done
	# the mobile node, split in two (FIELD-NOTES: End.DX6 refuses local delivery)
	veth_link mnr eth1 mnh eth0
	ns mnr ip -6 addr add $PR_COA/64 dev eth0 nodad
	ns mnr ip -6 route add default via 2001:db8:f::1 dev eth0
	# a global address for End.DX6's nh6: with a link-local one the kernel
	# looks the next hop up from the incoming interface (eth0) and answers
	# "address unreachable"
	ns mnr ip -6 addr add 2001:db8:e::1/64 dev eth1 nodad
	ns mnh ip -6 addr add 2001:db8:e::2/64 dev eth0 nodad
	ns mnh ip -6 addr add $PR_HOA/128 dev eth0 nodad
	ns mnh ip -6 route add default via 2001:db8:e::1 dev eth0 src $PR_HOA
	ns mnr ip sr tunsrc set $PR_COA
	ns mnr ip -6 rule add pref 1000 lookup local
	ns mnr ip -6 rule del pref 0 lookup local
	ns mnr ip -6 rule add pref 500 to $PR_COA/128 ipproto ipv6 lookup 100
	ns mnr ip -6 route add $PR_COA/128 encap seg6local action End.DX6 nh6 2001:db8:e::2 dev eth1 table 100
	ns mnr ip -6 rule add pref 600 from $PR_HOA/128 lookup 200
	ns mnr ip -6 route add default encap seg6 mode encap.red segs "$VHA" dev eth0 table 200
}

# pr_tunnel NODE TABLE DECAP_TABLE PREF HOA COA: by hand, what the product's
# seg6 backend does (and what mip6d's tunnel does on the owner): outer source
# VHA, one encap.red route per binding in TABLE, a rule at PREF to it, the
# decapsulation rule at PREF+1 to DECAP_TABLE, the local rule moved below both.
# Idempotent; run again after a link down (routes via eth0 are flushed then).
pr_tunnel() {
	n=$1 t=$2 dt=$3 pref=$4 hoa=$5 coa=$6
	ns "$n" ip sr tunsrc set "$VHA"
	if ns "$n" ip -6 rule show | grep -q '^0:.*lookup local'; then
		ns "$n" ip -6 rule add pref 1000 lookup local
		ns "$n" ip -6 rule del pref 0 lookup local
	fi
	ns "$n" ip -6 route replace "$hoa/128" encap seg6 mode encap.red segs "$coa" dev eth0 table "$t"
	ns "$n" ip -6 route replace "$VHA/128" encap seg6local action End.DX6 nh6 :: dev eth0 table "$dt"
	ns "$n" ip -6 rule show | grep -q "^$pref:.*lookup $t\$" ||
		ns "$n" ip -6 rule add pref "$pref" lookup "$t"
	ns "$n" ip -6 rule show | grep -q "^$((pref + 1)):.*lookup $dt\$" ||
		ns "$n" ip -6 rule add pref $((pref + 1)) to "$VHA/128" ipproto ipv6 lookup "$dt"
}

# pr_link_up NAME: link_up, and the default route the link down flushed
pr_link_up() {
	link_up "$1"
	ns "$1" ip -6 route replace default via $PR_RT dev eth0
}

# pr_routes NODE [TABLE]: number of routes in the product's table
pr_routes() { ns "$1" ip -6 route show table "${2:-$PR_TABLE}" 2>/dev/null | grep -c . || true; }
# pr_rules NODE [TABLE...]: the rules that look up the product's tables
pr_rules() {
	n=$1
	shift
	[ $# -gt 0 ] || set -- "$PR_TABLE" "$PR_DECAP_TABLE"
	for t in "$@"; do ns "$n" ip -6 rule show | grep -w "lookup $t" || true; done
}

# The product has two ways to switch forwarding on (dataplane.c): plain
# rules added at activation (pref R-1 to VHA ipproto ipv6 -> decap table,
# pref R -> table), or "gated": the same rules permanent with "fwmark M/M",
# and nftables chains gate_in / gate_out of table ip6 vrrp_ha_<table> that
# set the mark only while MASTER. pr_active / pr_inactive accept both.
pr_gate_open() {
	ns "$1" nft list chain ip6 "vrrp_ha_$PR_TABLE" gate_in 2>/dev/null | grep -q 'mark set'
}
# pr_active NODE: both tables looked up, unconditionally or through an open gate
pr_active() {
	pr_rules "$1" "$PR_TABLE" | grep -q . && pr_rules "$1" "$PR_DECAP_TABLE" | grep -q . || return 1
	pr_rules "$1" | grep -vq fwmark || pr_gate_open "$1"
}
# pr_inactive NODE: no unconditional rule to the encap table, and no open gate
# (the decapsulation rule may stay: without the VHA nothing reaches it)
pr_inactive() { ! pr_rules "$1" "$PR_TABLE" | grep -vq fwmark && ! pr_gate_open "$1"; }
# pr_no_state NODE: no rule to our tables at all, no nftables table of ours
pr_no_state() {
	[ -z "$(pr_rules "$1")" ] && ! ns "$1" nft list table ip6 "vrrp_ha_$PR_TABLE" >/dev/null 2>&1
}

# pr_cap_start NODE IF TAG [pcap-lite ARGS...]: pcap-lite in the background,
# output $WORK/TAG.cap; waits until it is bound
pr_cap_start() {
	node=$1 ifc=$2 tag=$3
	shift 3
	rm -f "$WORK/$tag.ready"
	ip netns exec "$PFX$node" "$TOOLS/pcap-lite" -i "$ifc" -r "$WORK/$tag.ready" "$@" \
		>"$WORK/$tag.cap" 2>"$WORK/$tag.cap.err" &
	eval "CAP_$tag=$!"
	bg_started $!
	wait_for 5 "capture $tag" test -e "$WORK/$tag.ready"
}
# pr_cap_stop TAG: stop it (if still running) and wait
pr_cap_stop() {
	eval "p=\${CAP_$1:-}"
	[ -n "$p" ] || return 0
	kill -TERM "$p" 2>/dev/null || true
	wait "$p" 2>/dev/null || true
}

# ping_start NODE DST TAG [INTERVAL]: timestamped ping (-D) every INTERVAL
# (default 0.01 s) in the background, output $WORK/TAG.ping
ping_start() {
	ip netns exec "$PFX$1" ping -6 -D -n -i "${4:-0.01}" -W 1 "$2" >"$WORK/$3.ping" 2>&1 &
	eval "PING_$3=$!"
	bg_started $!
}
ping_stop() {
	eval "p=\${PING_$1:-}"
	[ -n "$p" ] || return 0
	kill -INT "$p" 2>/dev/null || true
	wait "$p" 2>/dev/null || true
}
# ping_gap_ms TAG: the longest time between two consecutive replies (ms)
ping_gap_ms() {
	sed -n 's/^\[\([0-9.]*\)\] .*icmp_seq=.*time=.*/\1/p' "$WORK/$1.ping" |
		awk 'NR > 1 && $1 - p > g { g = $1 - p } { p = $1 } END { printf "%.0f\n", g * 1000 }'
}
# ping_tail_ok TAG: the last reply answers one of the last 3 requests sent
ping_tail_ok() {
	sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$WORK/$1.ping")
	last=$(sed -n 's/.*icmp_seq=\([0-9]*\) .*time=.*/\1/p' "$WORK/$1.ping" | tail -1)
	[ -n "$sent" ] && [ -n "$last" ] && [ "$last" -ge $((sent - 3)) ]
}
# ping_replies_before TAG MS: replies received before wall-clock time MS
ping_replies_before() {
	sed -n 's/^\[\([0-9.]*\)\] .*icmp_seq=.*time=.*/\1/p' "$WORK/$1.ping" |
		awk -v t="$2" '$1 * 1000 < t { n++ } END { print n + 0 }'
}
# ping_replies TAG: number of replies received
ping_replies() { grep -c 'icmp_seq=.*time=' "$WORK/$1.ping" || true; }

# dataplane_unknown NODE CONF: the keepalived under test rejects the
# `dataplane` keyword (built before the data plane landed)
dataplane_unknown() {
	ip netns exec "$PFX$1" "$KEEPALIVED" -t -l -G -f "$2" 2>&1 | grep -q "Unknown keyword 'dataplane'"
}

# ---- hand-made data plane on ha2 (validating the scripts before the product)
# pr_hand_ha2_conf [ADVERT_INT]: ha2's config without `dataplane`; its
# notify_master / notify_backup scripts add / remove the two rules the
# product's activation adds; the decapsulation route is staged now. Needs
# GLOBAL_DEFS_EXTRA with script_user root (set before sourcing lib.sh).
pr_hand_ha2_conf() {
	ns ha2 ip sr tunsrc set "$VHA"
	ns ha2 ip -6 rule add pref 1000 lookup local
	ns ha2 ip -6 rule del pref 0 lookup local
	ns ha2 ip -6 route add "$VHA/128" encap seg6local action End.DX6 nh6 :: dev eth0 \
		table "$PR_DECAP_TABLE" proto "$PR_PROTO"
	cat >"$WORK/ha2/up.sh" <<S
#!/bin/sh
ip -6 rule add pref 100 lookup $PR_TABLE
ip -6 rule add pref 99 to $VHA/128 ipproto ipv6 lookup $PR_DECAP_TABLE
S
	cat >"$WORK/ha2/down.sh" <<S
#!/bin/sh
ip -6 rule del pref 100 lookup $PR_TABLE
ip -6 rule del pref 99 to $VHA/128 ipproto ipv6 lookup $PR_DECAP_TABLE
S
	chmod 755 "$WORK/ha2/up.sh" "$WORK/ha2/down.sh"
	write_conf ha2 100 "${1:-${PR_ADVERT_INT:-1}}" "" "notify_master $WORK/ha2/up.sh
    notify_backup $WORK/ha2/down.sh
    notify_fault $WORK/ha2/down.sh"
}

# pr_hand_stage N: stage ha2's RBC as routes in PR_TABLE with ip -batch
# (-force: carry on past an ENOMEM; retried until N routes are there)
pr_hand_stage() {
	i=0
	while [ "$(pr_routes ha2)" -lt "$1" ] && [ $i -lt 20 ]; do
		ctl ha2 show | awk -v t="$PR_TABLE" -v p="$PR_PROTO" '$1 != "HOA" {
			printf "route replace %s/128 encap seg6 mode encap.red segs %s dev eth0 table %s proto %s\n", $1, $2, t, p }' \
			>"$WORK/ha2/stage.batch"
		ns ha2 ip -6 -force -batch "$WORK/ha2/stage.batch" 2>/dev/null || true
		i=$((i + 1))
	done
}

# pr_hand_filter NODE: by hand, the product's reverse tunnel filter
# (dp_filter.c) for the one real binding: IPv6-in-IPv6 to the VHA is only let
# through when outer source . inner source is CoA . HoA. (nft 1.0.6 needs a
# "typeof" set and the inner source as a raw 128-bit payload, in hex.)
pr_hand_filter() {
	ns "$1" nft -f - <<N
table ip6 vrrp_ha_hand {
	set pairs {
		typeof ip6 saddr . @nh,384,128
		elements = { $PR_COA . $PR_HOA_HEX }
	}
	chain tunnel_in {
		type filter hook prerouting priority raw; policy accept;
		ip6 daddr $VHA ip6 nexthdr ipv6 ip6 saddr . @nh,384,128 @pairs accept
		ip6 daddr $VHA meta l4proto ipv6 counter drop
	}
}
N
}

# ---- several mobile nodes (demo.sh) -----------------------------------------
# pr_topology's network with any number of mobile nodes, each on a foreign
# link of its own from rt: pr_home, then pr_mn K for K = 1, 2, ...
# MN K: router mnrK with the CoA (mn_coa K) on rt's interface fK, host mnhK
# with the HoA (mn_hoa K, inside PR_HOA_NET) behind it; mnrK's tunnel to and
# from the VHA as in FIELD-NOTES ("A mobile node for tests").
mn_hoa() { echo "2001:db8:aa::$1"; }
mn_coa() { echo "2001:db8:f:$1::10"; }

# pr_home: bridge (ha1, ha2, rt), cn behind rt, rt routing PR_HOA_NET to the VHA
pr_home() {
	setup_bridge
	for n in "ha1 1" "ha2 2" "rt fe"; do
		# shellcheck disable=SC2086 # name and index
		add_node $n
		ns "${n% *}" sysctl -qw net.ipv6.conf.all.forwarding=1
	done
	add_ns cn
	veth_link rt eth1 cn eth0
	ns rt ip -6 -batch - <<B
addr add 2001:db8:c::1/64 dev eth1 nodad
route add $PR_HOA_NET via $VHA dev eth0
B
	ns cn ip -6 addr add $PR_CN/64 dev eth0 nodad
	ns cn ip -6 route add default via 2001:db8:c::1 dev eth0
	ns ha1 ip -6 route add default via $PR_RT dev eth0
	ns ha2 ip -6 route add default via $PR_RT dev eth0
}

# pr_mn K: mobile node K (namespaces mnrK, mnhK), its foreign link fK on rt
pr_mn() {
	k=$1 hoa=$(mn_hoa "$1") coa=$(mn_coa "$1")
	add_ns "mnr$k"
	add_ns "mnh$k"
	veth_link rt "f$k" "mnr$k" eth0
	veth_link "mnr$k" eth1 "mnh$k" eth0
	ns rt ip -6 addr add "2001:db8:f:$k::1/64" dev "f$k" nodad
	mn_tunnels "$k" "$hoa" "$coa" "$VHA"
}

# mn_tunnels K HOA COA VHA: the MN router K: End.DX6 to the host for what
# comes from the VHA, encap.red to the VHA for what the HoA sends (the local
# rule below both); the MN host with its HoA
mn_tunnels() {
	k=$1 hoa=$2 coa=$3 vha=$4
	ns "mnr$k" ip -6 -batch - <<B
addr add $coa/64 dev eth0 nodad
route add default via 2001:db8:f:$k::1 dev eth0
addr add 2001:db8:e:$k::1/64 dev eth1 nodad
sr tunsrc set $coa
rule add pref 1000 lookup local
rule del pref 0 lookup local
rule add pref 500 to $coa/128 ipproto ipv6 lookup 100
route add $coa/128 encap seg6local action End.DX6 nh6 2001:db8:e:$k::2 dev eth1 table 100
rule add pref 600 from $hoa/128 lookup 200
route add default encap seg6 mode encap.red segs $vha dev eth0 table 200
B
	ns "mnh$k" ip -6 -batch - <<B
addr add 2001:db8:e:$k::2/64 dev eth0 nodad
addr add $hoa/128 dev eth0 nodad
route add default via 2001:db8:e:$k::1 dev eth0 src $hoa
B
}

# clock_pair: "realtime_ns monotonic_ns" read at one instant (the monotonic
# clock from /proc/timer_list, else /proc/uptime's 10 ms); maps watch's
# time_ms onto capture and ping times (scripts/timeline.sh's DIR/clock)
clock_pair() {
	a=$(date +%s%N)
	m=$(sed -n 's/^now at \([0-9]*\) nsecs$/\1/p;/^now at/q' /proc/timer_list 2>/dev/null) ||
		m=""
	b=$(date +%s%N)
	[ -n "$m" ] || m=$(awk '{ printf "%.0f", $1 * 1e9 }' /proc/uptime)
	echo "$(((a + b) / 2)) $m"
}

# watch_bg NODE TAG FILE [watch ARGS...]: vrrp-ha-ctl watch in the background
# into FILE (it ends by itself when NODE's keepalived goes); watch_bg_stop TAG
watch_bg() {
	n=$1 tag=$2 f=$3
	shift 3
	"$VRRP_HA_CTL" -s "$WORK/$n/ctl.sock" watch "$@" >>"$f" 2>>"$f.err" &
	eval "WATCH_$tag=\$!"
	bg_started $!
}
watch_bg_stop() {
	eval "p=\${WATCH_$1:-}"
	[ -n "$p" ] || return 0
	kill -TERM "$p" 2>/dev/null || true
	wait "$p" 2>/dev/null || true
}
# watch_bg_ready NODE TAG: its watcher holds a socket, and a later command to
# the same server came back (the server reads its clients in order)
watch_bg_ready() {
	eval "p=\${WATCH_$2:-}"
	wait_for 5 "watcher $2 connected" sh -c "ls -l /proc/$p/fd 2>/dev/null | grep -q 'socket:'"
	ctl "$1" state >/dev/null
}

# ---- load balance: several VHAs, one vrrp_instance each, on every HA --------
# (load_balance.sh; draft-deng 3 and 6: HA1 master of VHA A and backup of B
# and C, ...). Instance VRID V: VHA lb_vha V, link-local VIP fe80::V, HoA
# prefix 2001:db8:V::/48 routed by rt to that VHA, control socket
# $WORK/NODE/ctl-V.sock.
lb_vha() { echo "2001:db8:1::$1"; }
lb_hoa() { echo "2001:db8:$1::1"; }

# lb_write_conf NAME ADVERT_INT "VRID:PRIO ..." [EXTRA_MIPV6_HA_LINES]: one
# vrrp_instance per VRID (priority 255: the owner, state MASTER)
lb_write_conf() {
	name=$1 adv=$2 list=$3 extra=${4:-}
	{
		printf 'global_defs {\n    router_id %s\n    %s\n}\n' "$name" "$GLOBAL_DEFS_EXTRA"
		for vp in $list; do
			v=${vp%%:*} p=${vp#*:} st=BACKUP
			[ "$p" -eq 255 ] && st=MASTER
			cat <<EOF
vrrp_instance VI_$v {
    state $st
    interface eth0
    virtual_router_id $v
    priority $p
    advert_int $adv
    virtual_ipaddress {
        fe80::$v/64
        $(lb_vha "$v")/64
    }
    mipv6_ha {
        control_socket $WORK/$name/ctl-$v.sock
        $extra
    }
}
EOF
		done
	} >"$WORK/$name/keepalived.conf"
}

# lb_ctl NAME VRID ARGS...: vrrp-ha-ctl on one instance
lb_ctl() {
	n=$1 v=$2
	shift 2
	"$VRRP_HA_CTL" -s "$WORK/$n/ctl-$v.sock" "$@"
}
lb_state() { lb_ctl "$1" "$2" state 2>/dev/null | awk '$1=="state"{print $2}'; }
lb_is() { [ "$(lb_state "$1" "$2")" = "$3" ]; }
lb_rbc_is() { [ "$(lb_ctl "$1" "$2" state 2>/dev/null | awk '$1=="rbc"{print $2}')" = "$3" ]; }
lb_bc_is() { [ "$(lb_ctl "$1" "$2" state 2>/dev/null | awk '$1=="bc"{print $2}')" = "$3" ]; }
# lb_table NAME VRID [--bc]: "hoa coa seq flags", sorted
lb_table() {
	# shellcheck disable=SC2086 # $3: an optional option
	lb_ctl "$1" "$2" show ${3:-} | awk '$1 != "HOA" {print $1, $2, $3, $4}' | LC_ALL=C sort
}

# lb_start NAME VRID...: start_ka, then wait for every instance's control socket
lb_start() {
	n=$1
	shift
	KA_NO_CTL_WAIT=1 start_ka "$n"
	for v in "$@"; do
		wait_for 10 "control socket $v of $n" test -S "$WORK/$n/ctl-$v.sock"
	done
}

# lb_crash NAME: crash NAME linkdown, and its instances' sockets gone
lb_crash() {
	crash "$1" linkdown
	rm -f "$WORK/$1"/ctl-*.sock
}

# lb_mn K VRID: mobile node K (mnrK, mnhK, link fK on rt) of VHA VRID, HoA
# lb_hoa VRID, CoA mn_coa K; its router tunnels to and from that VHA
lb_mn() {
	k=$1 hoa=$(lb_hoa "$2") coa=$(mn_coa "$1") vha=$(lb_vha "$2")
	add_ns "mnr$k"
	add_ns "mnh$k"
	veth_link rt "f$k" "mnr$k" eth0
	veth_link "mnr$k" eth1 "mnh$k" eth0
	ns rt ip -6 addr add "2001:db8:f:$k::1/64" dev "f$k" nodad
	ns rt ip -6 route add "2001:db8:$2::/48" via "$vha" dev eth0
	mn_tunnels "$k" "$hoa" "$coa" "$vha"
}

# lb_home NODES...: bridge with NODES (ha1 = index 1, ...), rt (fe), cn behind rt
lb_home() {
	setup_bridge
	i=1
	for n in "$@"; do
		add_node "$n" $i
		ns "$n" sysctl -qw net.ipv6.conf.all.forwarding=1
		i=$((i + 1))
	done
	add_node rt fe
	ns rt sysctl -qw net.ipv6.conf.all.forwarding=1
	add_ns cn
	veth_link rt eth1 cn eth0
	ns rt ip -6 addr add 2001:db8:c::1/64 dev eth1 nodad
	ns cn ip -6 addr add $PR_CN/64 dev eth0 nodad
	ns cn ip -6 route add default via 2001:db8:c::1 dev eth0
	for n in "$@"; do ns "$n" ip -6 route add default via $PR_RT dev eth0; done
}

# lb_hand_tunnel NODE VRID HOA COA: the owner's mobility daemon, by hand
# (as pr_tunnel, for VHA lb_vha VRID; tables 90/91, prefs 90/91, tunsrc of
# the namespace = that VHA: the product's own routes do not depend on it)
lb_hand_tunnel() {
	n=$1 vha=$(lb_vha "$2") hoa=$3 coa=$4
	ns "$n" ip sr tunsrc set "$vha"
	if ns "$n" ip -6 rule show | grep -q '^0:.*lookup local'; then
		ns "$n" ip -6 rule add pref 1000 lookup local
		ns "$n" ip -6 rule del pref 0 lookup local
	fi
	ns "$n" ip -6 route replace "$hoa/128" encap seg6 mode encap.red segs "$coa" dev eth0 table 90
	ns "$n" ip -6 route replace "$vha/128" encap seg6local action End.DX6 nh6 :: dev eth0 table 91
	ns "$n" ip -6 rule show | grep -q "^90:.*lookup 90\$" || ns "$n" ip -6 rule add pref 90 lookup 90
	ns "$n" ip -6 rule show | grep -q "^91:.*lookup 91\$" ||
		ns "$n" ip -6 rule add pref 91 to "$vha/128" ipproto ipv6 lookup 91
}
