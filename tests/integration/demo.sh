#!/bin/sh
# demo.sh - vrrp-ha in one minute: two Home Agents in network namespaces,
# the owner's binding cache replicated to the backup, a crash, the backup
# serving with the same bindings, the owner coming back and getting them back.
#
# Usage (as root):  sh tests/integration/demo.sh BUILD_DIR
#              or:  KEEPALIVED=... VRRP_HA_CTL=... sh tests/integration/demo.sh
# Nothing outside its own namespaces and temporary directory is touched.

if [ -n "${1:-}" ]; then
	: "${KEEPALIVED:=$1/keepalived/keepalived-2.2.7/keepalived/keepalived}"
	: "${VRRP_HA_CTL:=$1/sync/vrrp-ha-ctl}"
fi
export KEEPALIVED VRRP_HA_CTL
: "${PFX:=ihdm}"
TEST_NAME=demo
. "$(dirname "$0")/lib.sh"

N=${DEMO_N:-1000}

if [ -t 1 ]; then B=$(printf '\033[1m') E=$(printf '\033[0m'); else B='' E=''; fi
say() { printf '\n%s==> %s%s\n' "$B" "$*" "$E"; }
note() { printf '    %s\n' "$*"; }
# show CMD...: print the command as typed (ctl NAME -> vrrp-ha-ctl -s NAME's
# socket), then its output, indented
show() {
	printf '    $ %s\n' "$*" | sed "s|ctl \([a-z0-9]*\) |vrrp-ha-ctl -s \1.sock |"
	eval "$*" 2>&1 | sed 's/^/      /'
}

say "Topology: a bridge, ha1 (address owner, priority 255), ha2 (backup, priority 100),"
note "and cn, a router/correspondent node that pings the virtual Home Agent address"
note "$VHA (the VHA both HAs share through VRRP)."
setup_bridge
add_node ha1 1
add_node ha2 2
add_node cn 50
write_conf ha1 255
write_conf ha2 100
note "each keepalived.conf has a vrrp_instance with a mipv6_ha { } block:"
sed -n '/mipv6_ha {/,/}/p' "$WORK/ha2/keepalived.conf" | grep -v '^ *$' | sed 's/^/      /'
note "(below, haN.sock stands for $WORK/haN/ctl.sock)"

say "Start keepalived (patched with vrrp-ha) on both HAs"
start_ka ha1
start_ka ha2
wait_for 10 "ha1 MASTER" is_state ha1 MASTER
wait_for 10 "ha2 BACKUP" is_state ha2 BACKUP
show "ctl ha1 state | head -4"
show "ctl ha2 state | head -4"

say "The mobility daemon on ha1 registers $N mobile nodes (here: vrrp-ha-ctl import)"
gen_bindings "$N" >"$WORK/bindings"
note "file format: HoA CoA lifetime_s seq flags, e.g."
head -2 "$WORK/bindings" | sed 's/^/      /'
show "ctl ha1 import $WORK/bindings"
wait_for 10 "$N bindings on ha2" rbc_is ha2 "$N"
note "ha1 sent them as VRRP_BC_UPDATE packets (36 bindings each) to ff02::12;"
note "ha2 keeps them in its Redundancy Binding Cache (RBC):"
show "ctl ha2 show | head -6"
show "ctl ha1 stats | grep -E '^(tx_update|tx_records) '"
show "ctl ha2 stats | grep -E '^(rx_update|rx_rec_added) '"
note "ha1 BC: $(bc_count ha1) bindings, ha2 RBC: $(rbc_count ha2) bindings"

say "cn pings the VHA every 20 ms"
ns cn ping -6 -D -n -i 0.02 -W 1 "$VHA" >"$WORK/ping.log" 2>&1 &
bg_started $!
wait_for 5 "first ping reply" grep -q 'bytes from' "$WORK/ping.log"
sleep 1
note "replies so far: $(grep -c 'bytes from' "$WORK/ping.log")"

say "Crash ha1: kill -9 keepalived and take its link down"
table ha2 >"$WORK/before"
t0=$(now_ms)
crash ha1 linkdown
note "ha2 misses 3 adverts (advert_int 1 s) plus its skew time, then takes over..."
wait_for 10 "ha2 MASTER" is_state ha2 MASTER
t1=$(now_ms)
note "ha2 became MASTER $((t1 - t0)) ms after the crash"
show "ctl ha2 state | head -6"
table ha2 >"$WORK/after"
if cmp -s "$WORK/before" "$WORK/after"; then
	note "ha2 still holds the same $N bindings: the mobile nodes stay registered."
else
	note "WARNING: ha2's bindings changed over the failover"
	FAILS=$((FAILS + 1))
fi
wait_for 10 "pings answered again" sh -c "tail -1 '$WORK/ping.log' | grep -q 'bytes from'"
sleep 1
gap=$(awk -F'[][]' '/bytes from/ { t = $2 + 0; if (last && t - last > max) max = t - last; last = t }
	END { printf "%d", max * 1000 }' "$WORK/ping.log")
note "longest gap between ping replies at cn: $gap ms"

say "ha1 comes back, with a notify_restore script and a notify_fifo for its daemon"
cat >"$WORK/ha1/restore.sh" <<EOF
#!/bin/sh
# called as: restore.sh INSTANCE RESTORE COUNT BATCH_FILE
echo "\$*" >>"$WORK/ha1/restore.runs"
cat "\$4" >>"$WORK/ha1/restored.txt"
EOF
chmod 755 "$WORK/ha1/restore.sh"
write_conf ha1 255 1 "notify_restore $WORK/ha1/restore.sh
        notify_dir $WORK/ha1/batches
        notify_fifo $WORK/ha1/fifo"
rm -f "$WORK/ha1/fifo"
mkfifo "$WORK/ha1/fifo"
cat "$WORK/ha1/fifo" >"$WORK/ha1/fifo.out" &
bg_started $!
link_up ha1
start_ka ha1
wait_for 10 "ha1 MASTER" is_state ha1 MASTER
note "ha1 asked for the table (VRRP_BC_REQUEST); ha2 answered from its RBC:"
wait_for 10 "ha1 has its $N bindings back" bc_is ha1 "$N"
wait_for 10 "the restore script" lines_ge "$N" "$WORK/ha1/restored.txt"
show "ctl ha1 state | head -6"
show "ctl ha1 stats | grep -E '^(tx_request|rx_rec_added|restored|notify_runs|fifo_lines|fifo_drops) '"
note "the notify_restore script ran $(wc -l <"$WORK/ha1/restore.runs") time(s), e.g. with:"
head -1 "$WORK/ha1/restore.runs" | sed 's/^/      /'
note "its batch file has one line per binding (HoA CoA lifetime seq flags):"
head -2 "$WORK/ha1/restored.txt" | sed 's/^/      /'
note "and the FIFO one line per binding (lines wait in memory for a slow reader):"
head -2 "$WORK/ha1/fifo.out" | sed 's/^/      /'
if [ "$(wc -l <"$WORK/ha1/restored.txt")" -ne "$N" ]; then
	note "WARNING: the script saw $(wc -l <"$WORK/ha1/restored.txt") bindings, not $N"
	FAILS=$((FAILS + 1))
fi
wait_for 10 "ha2 BACKUP" is_state ha2 BACKUP
note "ha2 is BACKUP again with $(rbc_count ha2) bindings in its RBC."

say "Done: cleaning up namespaces and processes"
[ "$FAILS" -eq 0 ] || exit 1
exit 0
