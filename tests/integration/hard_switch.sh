#!/bin/sh
# hard_switch.sh - the Home Agent Hard Switch (docs/hard-switch.md, RFC 5142,
# HARP draft 5.2 / 7.8) with the real patched keepalived:
#  a. keepalived -t refuses a hard switch without ha_address, a link-local
#     ha_address, a rate out of bounds (file:line, non-zero exit);
#  b. two HAs in hard mode, N bindings in the owner, the owner crashes: the
#     new master sends one Home Agent Switch (MH type 12, checked by tshark's
#     Mobile IPv6 dissector) to every mobile node's CoA, listing its own
#     ha_address, from ha_address, with a correct checksum (computed here from
#     the capture), at the configured pace (N at R/s take >= (N-1)/R s); its
#     counters and the HA_SWITCH events of `vrrp-ha-ctl watch` match;
#     meanwhile a third host floods b's ha_address and the VHA with forged
#     Home Agent Switch messages: b (which never reads them) is unaffected;
#  c. the owner returns while the new master runs (slowed to 10/s by a
#     reload): it preempts, the new master leaves MASTER and its run stops;
#  d. adversary: the new master is killed in the middle of a run and
#     restarted: it comes back with an empty RBC (no state survives a crash)
#     and sends nothing more: no duplicate flood.
TEST_NAME=hard_switch
. "$(dirname "$0")/lib.sh"
command -v tshark >/dev/null 2>&1 || skip "tshark not installed"
command -v python3 >/dev/null 2>&1 || skip "python3 not installed"
tshark -G fields 2>/dev/null | grep -q '	mip6.has.address	' ||
	skip "tshark has no mip6.has.address field"

ADV=0.5
N=${HSW_N:-200}
RATE=${HSW_RATE:-100}
BURST=${HSW_BURST:-1}
# (HSW_N, HSW_RATE, HSW_BURST: other sizes and paces, for measuring by hand;
# ctest runs the defaults)
HA_A=2001:db8:1::1 # add_node's addresses double as the HAs' own addresses
HA_B=2001:db8:1::2
EVIL=2001:db8:1::254 # r: also the adversary that floods forged switch messages
FLOOD=${HSW_FLOOD:-40000} # about 4 s: before, during and after the run

setup_bridge
add_node a 1
add_node b 2
add_node r 254 # the home link's router: where the CoAs are reached through
for n in a b; do
	ns $n ip -6 route add 2001:db8:cc::/48 via 2001:db8:1::254 dev eth0
done
ns r sysctl -qw net.ipv6.conf.all.forwarding=1

log "--- a. keepalived -t"
# tconf FILE MIPV6_HA_LINES: "mipv6_ha {" is line 14, its first inner line 15
tconf() {
	cat >"$1" <<EOT
global_defs {
    router_id cfgtest
}
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority 100
    advert_int 1
    virtual_ipaddress {
        fe80::100/64
        $VHA/64
    }
    mipv6_ha {
        $2
    }
}
EOT
}
# bad NAME LINE REGEX LINES
bad() {
	f=$WORK/a/$1.conf
	tconf "$f" "$4"
	rc=0
	ns a "$KEEPALIVED" -t -f "$f" -p "$WORK/a/t.pid" -r "$WORK/a/tv.pid" >"$f.out" 2>&1 || rc=$?
	check "$1: keepalived -t exits non-zero" [ "$rc" -ne 0 ]
	check "$1: names line $2 and '$3'" grep -Eq "Line $2\\).*($3)" "$f.out"
}
bad no_ha_address 17 "switch_mode hard needs ha_address" "switch_mode hard
        auth off"
bad ll_ha_address 16 "ha_address 'fe80::1' must be a global" "switch_mode hard
        ha_address fe80::1"
bad mc_ha_address 15 "ha_address 'ff05::1' must be a global" "ha_address ff05::1"
bad rate_zero 16 "ha_switch_rate '0' invalid" "ha_address $HA_A
        ha_switch_rate 0"
bad burst_big 15 "ha_switch_burst '100001' invalid" "ha_switch_burst 100001"
bad mode_word 15 "switch_mode 'soft' invalid, must be virtual or hard" "switch_mode soft"
bad to_word 15 "ha_switch_to 'mn' invalid" "ha_switch_to mn"
f=$WORK/a/good.conf
tconf "$f" "switch_mode hard
        ha_address $HA_A
        ha_switch_rate 500
        ha_switch_burst 4
        ha_switch_to coa"
rc=0
ns a "$KEEPALIVED" -t -f "$f" -p "$WORK/a/t.pid" -r "$WORK/a/tv.pid" >"$f.out" 2>&1 || rc=$?
check "good: keepalived -t accepts the hard switch keywords" [ "$rc" -eq 0 ]

log "--- b. takeover: one Home Agent Switch per mobile node"
write_conf a 255 $ADV "switch_mode hard
        ha_address $HA_A
        ha_switch_rate $RATE
        ha_switch_burst $BURST"
write_conf b 100 $ADV "switch_mode hard
        ha_address $HA_B
        ha_switch_rate $RATE
        ha_switch_burst $BURST
        sync_hold_timeout 2"
CAP=$WORK/mh.pcap
ip netns exec "${PFX}br" tshark -i br0 -F pcap -w "$CAP" -f "ip6 proto 135" \
	>"$WORK/cap.out" 2>"$WORK/cap.err" &
CAP_PID=$!
bg_started $CAP_PID
wait_for 15 "capture running" grep -q "Capturing on" "$WORK/cap.err"
# nmh [FILTER]: Home Agent Switch messages captured so far (and FILTER)
# (not counting the forged ones of the flooding host r)
MINE="mip6.mhtype == 12 && ipv6.src != $EVIL"
nmh() {
	tshark -r "$CAP" -Y "$MINE${1:+ && ($1)}" -T fields -e frame.number 2>/dev/null |
		grep -c . || true
}
nmh_ge() { [ "$(nmh "${2:-}")" -ge "$1" ]; }
# ctr_is NAME KEY VALUE / ctr_ge NAME KEY VALUE: for wait_for (evaluated each try)
ctr_is() { [ "$(counter "$1" "$2")" = "$3" ]; }
ctr_ge() { [ "$(counter "$1" "$2")" -ge "$3" ] 2>/dev/null; }
nlines_ge() { [ "$(grep -c "$2" "$1")" -ge "$3" ]; }
bc_is() { [ "$(bc_count "$1")" = "$2" ]; }

start_ka a
wait_for 10 "a MASTER" is_state a MASTER
start_ka b
wait_for 10 "b BACKUP" is_state b BACKUP
gen_bindings "$N" >"$WORK/bindings"
ctl a import "$WORK/bindings" >/dev/null
wait_for 20 "$N on b" rbc_is b "$N"
check "no message while the owner serves" [ "$(nmh)" -eq 0 ]
check "b: no run as a BACKUP" [ "$(counter b hsw_runs)" = 0 ]

acc=$(counter b ctl_accepted)
ctl b watch >"$WORK/watch.b" 2>"$WORK/watch.b.err" &
bg_started $!
ctl b watch --json >"$WORK/watch.bj" 2>"$WORK/watch.bj.err" &
bg_started $!
# accepted (the check below proves it subscribed before the run: its first
# line is b's STATE change, published before the first message leaves)
wait_for 5 "watches on b accepted" ctr_ge b ctl_accepted $((acc + 3))
crash a linkdown
# adversary: r floods b's ha_address (and the VHA) with forged Home Agent
# Switch messages naming r, the kernel filling their checksums, while b runs
ns r python3 -c 'import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, 135)
m = bytes([59, 2, 12, 0, 0, 0, 1, 0]) + socket.inet_pton(socket.AF_INET6, sys.argv[1])
import time
for i in range(int(sys.argv[2])):
    if i % 100 == 99:
        time.sleep(0.01)  # spread over the run: about 10k/s
    try:
        s.sendto(m, (sys.argv[3 + i % 2], 0))
    except OSError:
        pass' "$EVIL" "$FLOOD" "$HA_B" "$VHA" >"$WORK/flood.out" 2>&1 &
FLOOD_PID=$!
bg_started $FLOOD_PID
wait_for 10 "b MASTER" is_state b MASTER
wait_for 20 "b: run complete" ctr_is b hsw_runs_complete 1
wait_for 10 "$N messages captured" nmh_ge "$N"
wait_for 30 "the flood ended" sh -c "! kill -0 $FLOOD_PID 2>/dev/null"
# (tshark may find the live file's last packet cut short: exit 2, what was
# read is printed; hence "|| true" after every read of it)
tshark -r "$CAP" -Y "$MINE" -T fields -E separator=' ' -e frame.time_epoch \
	-e ipv6.src -e ipv6.dst -e mip6.has.num_addrs -e mip6.has.address >"$WORK/has.txt" 2>/dev/null ||
	true
# canon FILE COLUMN: that column's addresses in one spelling, sorted
canon() {
	python3 -c 'import ipaddress, sys
c = int(sys.argv[2]) - 1
for l in open(sys.argv[1]):
    print(ipaddress.IPv6Address(l.split()[c]))' "$1" "$2" | LC_ALL=C sort
}
canon "$WORK/bindings" 2 >"$WORK/coas"
canon "$WORK/has.txt" 3 >"$WORK/dsts"
check "exactly $N messages" [ "$(wc -l <"$WORK/has.txt")" -eq "$N" ]
check "one to every mobile node's CoA, none twice" cmp -s "$WORK/coas" "$WORK/dsts"
check "every one from b's ha_address" [ "$(awk -v s=$HA_B '$2!=s' "$WORK/has.txt" | wc -l)" -eq 0 ]
check "every one lists one address: b's ha_address" \
	[ "$(awk -v s=$HA_B '$4!=1 || $5!=s' "$WORK/has.txt" | wc -l)" -eq 0 ]
span=$(awk 'NR==1{f=$1} {l=$1} END{printf "%d", (l-f)*1000}' "$WORK/has.txt")
log "$N messages in $span ms at $RATE/s"
# the first BURST go at once, then one every 1/RATE s
check "paced: $N at $RATE/s take >= $(((N - BURST) * 9000 / (RATE * 10))) ms ($span)" \
	[ "$span" -ge $(((N - BURST) * 9000 / (RATE * 10))) ]
check "paced: and not much longer ($span < $(((N - 1) * 2000 / RATE)) ms)" \
	[ "$span" -lt $(((N - 1) * 2000 / RATE)) ]
# checksum (RFC 6275 6.1.1, the kernel's with IPV6_CHECKSUM 4) and layout,
# from the captured bytes
python3 - "$CAP" "$EVIL" >"$WORK/csum.out" 2>&1 <<'PY' || true
import ipaddress, struct, sys
d = open(sys.argv[1], "rb").read()
evil = ipaddress.IPv6Address(sys.argv[2]).packed
le = d[:4] == b"\xd4\xc3\xb2\xa1"
e = "<" if le else ">"
off, good, bad = 24, 0, 0
while off + 16 <= len(d):
    _, _, incl, _ = struct.unpack(e + "IIII", d[off:off + 16])
    pkt = d[off + 16:off + 16 + incl]
    off += 16 + incl
    if len(pkt) < 54 or pkt[12:14] != b"\x86\xdd" or pkt[20] != 135:
        continue
    ip = pkt[14:54]
    mh = pkt[54:54 + struct.unpack(">H", ip[4:6])[0]]
    if mh[2] != 12 or ip[8:24] == evil:
        continue
    ph = ip[8:40] + struct.pack(">IxxxB", len(mh), 135) + mh
    if len(ph) % 2:
        ph += b"\0"
    s = sum(struct.unpack(">%dH" % (len(ph) // 2), ph))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    ok = s == 0xFFFF and len(mh) == 24 and mh[0] == 59 and mh[1] == 2 and mh[6] == 1 \
        and mh[3] == 0 and mh[7] == 0
    good += ok
    bad += not ok
print("good", good, "bad", bad)
PY
check "checksums and layout verify: $(cat "$WORK/csum.out")" grep -qx "good $N bad 0" "$WORK/csum.out"
nflood=$(tshark -r "$CAP" -Y "mip6.mhtype == 12 && ipv6.src == $EVIL" -T fields \
	-e frame.number 2>/dev/null | grep -c . || true)
log "forged messages captured: $nflood of $FLOOD"
check "the flood happened (>= $((FLOOD / 4)) forged captured)" [ "$nflood" -ge $((FLOOD / 4)) ]
check "b survived the flood" alive b
check "b: hsw_sent $N" [ "$(counter b hsw_sent)" = "$N" ]
check "b: hsw_send_errors 0" [ "$(counter b hsw_send_errors)" = 0 ]
check "b: hsw_runs 1" [ "$(counter b hsw_runs)" = 1 ]
check "b: hsw_pending 0" [ "$(counter b hsw_pending)" = 0 ]
wait_for 5 "$N HA_SWITCH events" nlines_ge "$WORK/watch.b" '^HA_SWITCH ' "$N"
check "watch: $N HA_SWITCH events, one per HoA, naming b and the CoA" \
	[ "$(awk -v s=$HA_B '$1=="HA_SWITCH" && $2=="rbc" && $5=="ha="s && $6=="to=coa" {print $3}' \
		"$WORK/watch.b" | LC_ALL=C sort -u | wc -l)" -eq "$N" ]
check "watch: subscribed before the run (STATE to MASTER first)" \
	sh -c "head -1 '$WORK/watch.b' | grep -q '^STATE .*to=MASTER'"
wait_for 5 "$N HA_SWITCH JSON events" nlines_ge "$WORK/watch.bj" '"event":"HA_SWITCH"' "$N"
check "watch --json: $N HA_SWITCH objects naming b, the binding and to=coa" \
	[ "$(grep '"event":"HA_SWITCH","table":"rbc","hoa":"2001:db8:aa:' "$WORK/watch.bj" |
		grep -c "\"ha\":\"$HA_B\",\"to\":\"coa\",\"time_ms\":")" -eq "$N" ]
check "watch: HA_SWITCH events == hsw_sent" \
	[ "$(grep -c '^HA_SWITCH ' "$WORK/watch.b")" = "$(counter b hsw_sent)" ]

log "--- c. the owner returns; b paced down to 10/s by a reload; the owner crashes again"
log "       and returns mid-run: b leaves MASTER and its run stops"
link_up a
start_ka a
wait_for 30 "a MASTER again" is_state a MASTER
wait_for 10 "b BACKUP again" is_state b BACKUP
wait_for 20 "a restored $N" bc_is a "$N"
wait_for 20 "b has $N in its RBC" rbc_is b "$N"
check "the owner's return sends nothing" [ "$(nmh)" -eq "$N" ]
nreload() { grep -c 'Reload complete' "$WORK/$1/keepalived.log" || true; }
reloaded() { [ "$(nreload "$1")" -gt "$2" ]; }
rb=$(nreload b)
sed -i "s/ha_switch_rate $RATE/ha_switch_rate 10/" "$WORK/b/keepalived.conf"
reload b
wait_for 10 "b reloaded" reloaded b "$rb"
wait_for 10 "b BACKUP after the reload" is_state b BACKUP
t2=$(date +%s.%N)
crash a linkdown
wait_for 10 "b MASTER (second run)" is_state b MASTER
wait_for 10 "b: 20 sent in the second run" ctr_ge b hsw_sent $((N + 20))
link_up a
start_ka a
wait_for 30 "a MASTER (preempts b)" is_state a MASTER
wait_for 10 "b BACKUP (the run stops)" is_state b BACKUP
t_backup=$(date +%s.%N)
check "b: hsw_runs 2, hsw_runs_stopped 1" \
	[ "$(counter b hsw_runs) $(counter b hsw_runs_stopped)" = "2 1" ]
check "b: hsw_pending 0 after the stop" ctr_is b hsw_pending 0
wait_for 20 "a restored $N again" bc_is a "$N"
past() { [ "$(date +%s%3N)" -ge "$1" ]; }
wait_for 5 "one second after b left MASTER" past $(($(date +%s%3N) + 1000))
tshark -r "$CAP" -Y "$MINE && frame.time_epoch >= $t2" -T fields \
	-e frame.time_epoch >"$WORK/run2.txt" 2>/dev/null || true
second=$(wc -l <"$WORK/run2.txt")
span2=$(awk 'NR==1{f=$1} {l=$1} END{printf "%d", (l-f)*1000}' "$WORK/run2.txt")
log "second run: $second messages in $span2 ms at 10/s before b left MASTER"
check "second run stopped part way (20 <= $second < $N)" [ "$second" -ge 20 -a "$second" -lt "$N" ]
check "second run at the reloaded pace ($span2 >= $(((second - BURST) * 90)) ms)" \
	[ "$span2" -ge $(((second - BURST) * 90)) ]
check "nothing after b left MASTER" [ "$(nmh "frame.time_epoch >= $t_backup")" -eq 0 ]
check "hsw_sent == messages captured" [ "$(counter b hsw_sent)" -eq $((N + second)) ]

log "--- d. the owner crashes again; b is killed mid-run and restarted"
sent=$(counter b hsw_sent)
crash a linkdown
wait_for 10 "b MASTER (third run)" is_state b MASTER
wait_for 10 "b: 20 sent in the third run" ctr_ge b hsw_sent $((sent + 20))
crash b
restart_at=$(date +%s.%N)
start_ka b
wait_for 20 "restarted b MASTER" is_state b MASTER
wait_for 10 "restarted b: its run complete" ctr_is b hsw_runs_complete 1
check "restarted b: empty RBC" rbc_is b 0
check "restarted b: hsw_sent 0" ctr_is b hsw_sent 0
wait_for 5 "one second after the run" past $(($(date +%s%3N) + 1000))
after=$(nmh "frame.time_epoch >= $restart_at")
third=$(($(nmh) - N - second - after))
log "b killed after $third messages of its third run; $after after its restart"
check "b was killed mid-run (20 <= $third < $N)" [ "$third" -ge 20 -a "$third" -lt "$N" ]
check "no message after the restart ($after)" [ "$after" -eq 0 ]
check "no mobile node got more than one message per run" \
	[ "$(tshark -r "$CAP" -Y "$MINE" -T fields -e ipv6.dst 2>/dev/null |
		LC_ALL=C sort | uniq -c | awk '$1 > 3' | wc -l)" -eq 0 ]

finish
