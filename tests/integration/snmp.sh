#!/bin/sh
# snmp.sh - VRRP-HA-MIB over keepalived's own AgentX subagent, against a
# real net-snmp snmpd (AgentX master, private config and socket) and a real
# snmptrapd per node: the owner (a, 255, enable_snmp_mipv6_ha) and the
# backup (b, 100, keepalived's -x) replicate 500 bindings; snmpget,
# snmptable, snmpwalk and snmpbulkwalk answer what vrrp-ha-ctl state / stats
# / show --json say; a change made with vrrp-ha-ctl is in the next walk; the
# notifications of a full sync, a real failover and the owner's restore
# reach snmptrapd.
TEST_NAME=snmp
. "$(dirname "$0")/lib.sh"

for t in snmpd snmptrapd snmpget snmpwalk snmpbulkwalk snmptable python3; do
	command -v $t >/dev/null 2>&1 || skip "$t not installed (scripts/install-deps.sh)"
done
MIBDIR=$(cd "$(dirname "$0")/../../snmp" && pwd)
BASE=.1.3.6.1.4.1.32473.1
INST=$BASE.1.1.1      # vrrpHaInstanceEntry
CTR=$BASE.1.2.1       # vrrpHaCounterEntry
BIND=$BASE.1.3.1      # vrrpHaBindingEntry
NOTIF=$BASE.0         # vrrpHaNotifications
# numeric, values as plain as net-snmp prints them
SN="-v2c -c public -r 1 -t 5 -On -Oq -Oe -Ot"
SNM="-v2c -c public -r 1 -t 5 -M $MIBDIR:$MIBDIR/base -m VRRP-HA-MIB"

# snmp NODE TOOL "OPTIONS" OID...: a net-snmp tool in NODE's namespace
# against its snmpd, with the MIB loaded
# shellcheck disable=SC2086 # $3: options
snmp() {
	n=$1 tool=$2 opts=$3
	shift 3
	ip netns exec "$PFX$n" env MIBS= SNMP_PERSISTENT_DIR="$WORK/$n/persist" \
		"$tool" $SNM $opts 127.0.0.1:1161 "$@"
}
# snmpq NODE TOOL OID...: the same with the numeric options
# shellcheck disable=SC2086 # $SN: options
snmpq() {
	n=$1 tool=$2
	shift 2
	ip netns exec "$PFX$n" env MIBS= SNMP_PERSISTENT_DIR="$WORK/$n/persist" \
		"$tool" $SN 127.0.0.1:1161 "$@"
}

# start_snmp NODE: snmpd (AgentX master on $WORK/NODE/agentx.sock, traps to
# the node's snmptrapd) and snmptrapd (log $WORK/NODE/traps.log), by PID
start_snmp() {
	n=$1 d=$WORK/$1
	mkdir -p "$d/persist"
	cat >"$d/snmpd.conf" <<EOF
master agentx
agentXSocket unix:$d/agentx.sock
agentXTimeout 5
rocommunity public 127.0.0.1
trap2sink 127.0.0.1:1162 public
EOF
	cat >"$d/snmptrapd.conf" <<EOF
disableAuthorization yes
EOF
	ip netns exec "$PFX$n" env MIBS= SNMP_PERSISTENT_DIR="$d/persist" snmptrapd -f -C \
		-c "$d/snmptrapd.conf" -On -Lf "$d/traps.log" -p "$d/snmptrapd.pid" \
		udp:127.0.0.1:1162 >"$d/snmptrapd.out" 2>&1 &
	bg_started $!
	ip netns exec "$PFX$n" env MIBS= SNMP_PERSISTENT_DIR="$d/persist" snmpd -f -C \
		-c "$d/snmpd.conf" -Lf "$d/snmpd.log" -p "$d/snmpd.pid" \
		udp:127.0.0.1:1161 >"$d/snmpd.out" 2>&1 &
	eval "SNMPD_$n=$!"
	bg_started $!
	wait_for 10 "snmpd of $n (AgentX socket)" test -S "$d/agentx.sock"
	wait_for 10 "snmpd of $n answers" snmpq "$n" snmpget .1.3.6.1.2.1.1.3.0
	wait_for 10 "snmptrapd of $n" grep -q 'NET-SNMP version\|started' "$d/traps.log"
}

# conf NODE PRIO SWITCH: the pair's configuration, with SNMP
conf() {
	GLOBAL_DEFS_EXTRA="snmp_socket unix:$WORK/$1/agentx.sock
    enable_traps
    $3"
	write_conf "$1" "$2" 1 "dataplane none
        snmp_drop_threshold 5"
}

# mib_up NODE: our MIB answers (the subagent connected and registered)
mib_up() { snmpq "$1" snmpget "$INST.2.1" | grep -q '"VI_1"\|VI_1'; }
# traps NODE OID: notifications OID received by NODE's snmptrapd
traps() { grep -cE -- "OID: $2([[:space:]]|\$)" "$WORK/$1/traps.log" 2>/dev/null || true; }
# trap_line NODE OID: the last such notification (its varbinds)
trap_line() { grep -E -- "OID: $2([[:space:]]|\$)" "$WORK/$1/traps.log" | tail -1; }
has_trap() { [ "$(traps "$1" "$2")" -ge "${3:-1}" ]; }

setup_bridge
add_node a 1
add_node b 2
start_snmp a
start_snmp b
conf a 255 enable_snmp_mipv6_ha
conf b 100 ""
start_ka a
wait_for 10 "a MASTER" is_state a MASTER
# the table is there before the backup starts: its request gets it whole
gen_bindings 500 >"$WORK/b500"
ctl a import "$WORK/b500" >/dev/null
KA_ARGS=-x start_ka b
wait_for 10 "b BACKUP" is_state b BACKUP
wait_for 20 "VRRP-HA-MIB on a" mib_up a
wait_for 20 "VRRP-HA-MIB on b" mib_up b
ok "both subagents registered VRRP-HA-MIB (a: enable_snmp_mipv6_ha, b: -x)"
check "keepalived's own VRRPV3-MIB still answers on b (-x)" \
	sh -c "snmpq_out=\$(ip netns exec ${PFX}b env MIBS= snmpwalk $SN 127.0.0.1:1161 .1.3.6.1.2.1.207.1.1.1 2>&1); echo \"\$snmpq_out\" | grep -q '^.1.3.6.1.2.1.207'"

log "--- the backup's startup sync was notified (vrrpHaSyncComplete)"
wait_for 20 "500 bindings on b" rbc_is b 500
wait_for 10 "b: vrrpHaSyncComplete" has_trap b "$NOTIF.1"
check "b: the sync carries its 500 rows" \
	sh -c "echo '$(trap_line b "$NOTIF.1")' | grep -q '$BASE.1.5.1.0 = Gauge32: 500'"
check "a: answered the request (vrrpHaSyncComplete, answer)" has_trap a "$NOTIF.1"

log "--- 500 bindings: the instance rows equal vrrp-ha-ctl state --json"

# state_vs_snmp NODE: every field of state --json against the instance row
state_vs_snmp() {
	n=$1
	ctl "$n" state --json >"$WORK/$n.state.json"
	snmpq "$n" snmpwalk "$INST" >"$WORK/$n.inst.walk"
	python3 - "$WORK/$n.state.json" "$WORK/$n.inst.walk" "$INST" <<'PY'
import json, sys
st = json.load(open(sys.argv[1]))
col = {}
for line in open(sys.argv[2]):
    oid, _, val = line.strip().partition(' ')
    if oid.startswith(sys.argv[3] + '.'):
        c, idx = oid[len(sys.argv[3]) + 1:].split('.', 1)
        col[int(c)] = val.strip('"')
want = {2: st['instance'], 3: str(st['vrid']),
        6: '1' if st['owner'] else '2',
        7: str(['INIT', 'BACKUP', 'MASTER', 'FAULT'].index(st['state']) + 1),
        8: str(['in_sync', 'syncing', 'diverged', 'demoted'].index(st['sync']) + 1),
        9: str(st['bc']), 10: str(st['rbc']), 11: str(st['backlog'])}
bad = [(c, col.get(c), v) for c, v in want.items() if col.get(c) != v]
if bad:
    print('mismatch (column, snmp, ctl):', bad)
    sys.exit(1)
PY
}
check "a: instance row = state --json" state_vs_snmp a
check "b: instance row = state --json" state_vs_snmp b
snmp b snmptable "-Cf , -Cw 300" VRRP-HA-MIB::vrrpHaInstanceTable >"$WORK/b.table" 2>&1 || true
check "snmptable of b's instance table names it (VI_1, rbc 500)" \
	grep -q 'VI_1,51,.*,500 bindings,' "$WORK/b.table"
sed 's/^/    /' "$WORK/b.table" | head -5

log "--- the binding table (snmpbulkwalk) equals show --json"
# bind_vs_show NODE CACHE [--bc]: rows of cache CACHE (1 bc, 2 rbc) against show
bind_vs_show() {
	n=$1 c=$2
	shift 2
	ctl "$n" show "$@" --json >"$WORK/$n.show.json"
	snmpq "$n" snmpbulkwalk -Cr50 "$BIND" >"$WORK/$n.bind.walk"
	python3 - "$WORK/$n.show.json" "$WORK/$n.bind.walk" "$BIND" "$c" <<'PY'
import ipaddress, json, sys
show = json.load(open(sys.argv[1]))
rows = {}
for line in open(sys.argv[2]):
    oid, _, val = line.strip().partition(' ')
    sub = oid[len(sys.argv[3]) + 1:].split('.')
    col, inst, cache = int(sub[0]), sub[1], sub[2]
    if cache != sys.argv[4]:
        continue
    hoa = str(ipaddress.IPv6Address(bytes(int(x) for x in sub[5:21])))
    rows.setdefault(hoa, {})[col] = val.strip('"').strip()
def hexaddr(v):
    return str(ipaddress.IPv6Address(bytes.fromhex(v.replace(' ', ''))))
letters = 'AHLKMRP'
def flags(v):
    b = bytes.fromhex(v.replace(' ', '')) if v else b'\0\0'
    f = (b[0] << 8) | (b[1] if len(b) > 1 else 0)
    return ''.join(l for i, l in enumerate(letters) if f & (0x8000 >> i))
bs = show['bindings'] if isinstance(show, dict) else show
bad = 0
for b in bs:
    r = rows.pop(b['hoa'], None)
    if (r is None or hexaddr(r[5]) != b['coa'] or int(r[9]) != b['seq']
            or flags(r.get(10, '')) != b['flags'] or abs(int(r[8]) - b['lifetime']) > 2
            or r[11] != sys.argv[4]):
        bad += 1
        if bad < 4:
            print('differs:', b, r)
if bad or rows or not bs:
    print(len(bs), 'in show,', bad, 'differ,', len(rows), 'only in SNMP')
    sys.exit(1)
PY
}
check "a: bc rows = show --bc --json (500)" bind_vs_show a 1 --bc
check "b: rbc rows = show --json (500)" bind_vs_show b 2
check "b: snmpbulkwalk returned 500 rows per column" \
	[ "$(grep -c "^$BIND.5.1.2.2.16." "$WORK/b.bind.walk")" -eq 500 ]

log "--- a change made with vrrp-ha-ctl is in the next request"
H=2001:db8:bb::77
HIDX=$(python3 -c "import ipaddress,sys; print('.'.join(str(x) for x in ipaddress.IPv6Address(sys.argv[1]).packed))" $H)
coa_of() { snmpq "$1" snmpget "$BIND.5.$2.$3.2.16.$HIDX" 2>&1; }
ctl a add $H 2001:db8:cc::77 3600 7 AH
wait_for 5 "b: the binding in the RBC" rbc_is b 501
v=$(coa_of b 1 2)
check "b: the new binding's CoA over SNMP ($v)" sh -c "echo '$v' | grep -qi '20 01 0D B8 00 CC 00 00 00 00 00 00 00 00 00 77'"
ctl a del $H
wait_for 5 "b: the binding gone" rbc_is b 500
v=$(coa_of b 1 2)
check "b: deleted binding: noSuchInstance ($v)" sh -c "echo '$v' | grep -q 'No Such Instance'"

log "--- the counters (every one of the registry) equal stats --json"
# ctr_vs_stats NODE: Counter64 / gauge rows against two stats snapshots around the walk
ctr_vs_stats() {
	n=$1
	ctl "$n" stats --json >"$WORK/$n.stats1.json"
	snmpq "$n" snmpbulkwalk -Cr50 "$CTR" >"$WORK/$n.ctr.walk"
	ctl "$n" stats --json >"$WORK/$n.stats2.json"
	python3 - "$WORK/$n.stats1.json" "$WORK/$n.stats2.json" "$WORK/$n.ctr.walk" "$CTR" <<'PY'
import json, sys
def flat(p):
    j = json.load(open(p))
    return j.get('counters', j)
s1, s2 = flat(sys.argv[1]), flat(sys.argv[2])
vals = {}
for line in open(sys.argv[3]):
    oid, _, val = line.strip().partition(' ')
    sub = [int(x) for x in oid[len(sys.argv[4]) + 1:].split('.')]
    col, idx = sub[0], sub[2:]
    gl = idx[0]
    name = bytes(idx[gl + 2:]).decode()
    if col in (4, 5):
        vals[name] = int(val)
bad = [k for k in s1 if k not in vals or not s1[k] <= vals[k] <= s2[k]]
if bad or len(vals) != len(s1):
    print(len(s1), 'counters in stats,', len(vals), 'in SNMP; differ:', bad[:5])
    sys.exit(1)
PY
}
check "a: every counter over SNMP = stats --json" ctr_vs_stats a
check "b: every counter over SNMP = stats --json" ctr_vs_stats b

log "--- SIGHUP on b: the MIB still answers, with the same rows"
nreload() { grep -c 'Reload complete' "$WORK/$1/keepalived.log" || true; }
reloaded() { [ "$(nreload "$1")" -gt "$2" ]; }
rb=$(nreload b)
reload b
wait_for 10 "b reloaded" reloaded b "$rb"
wait_for 10 "VRRP-HA-MIB on b after the reload" mib_up b
check "b: rbc rows after the reload = show --json" bind_vs_show b 2
check "b: instance row after the reload = state --json" state_vs_snmp b

log "--- real failover: a crashes, b takes over (vrrpHaTakeover)"
crash a
wait_for 10 "b MASTER" is_state b MASTER
wait_for 10 "b: vrrpHaTakeover" has_trap b "$NOTIF.3"
check "b: the takeover carries the 500 bindings" \
	sh -c "echo '$(trap_line b "$NOTIF.3")' | grep -q '$BASE.1.5.1.0 = Gauge32: 500'"
v=$(snmpq b snmpget "$INST.7.1")
check "b: instance row says master(3) ($v)" [ "${v##* }" = 3 ]

log "--- the owner comes back and restores its bindings (vrrpHaRestoreDone)"
start_ka a
wait_for 10 "a MASTER again" is_state a MASTER
wait_for 20 "a: 500 bindings restored" bc_is a 500
wait_for 20 "VRRP-HA-MIB on the restarted a" mib_up a
wait_for 15 "a: vrrpHaRestoreDone" has_trap a "$NOTIF.4"
check "a: the restore carries its 500 bindings" \
	sh -c "echo '$(trap_line a "$NOTIF.4")' | grep -q '$BASE.1.5.1.0 = Gauge32: 500'"
grep -h -- "OID: $NOTIF" "$WORK/a/traps.log" "$WORK/b/traps.log" | cut -c1-200 | sed 's/^/    /'

finish
