#!/bin/sh
# config.sh - `keepalived -t` on mipv6_ha configurations: every error is
# refused (non-zero exit) with a message naming the keyword and its line; a
# good configuration passes.
TEST_NAME=config
. "$(dirname "$0")/lib.sh"

# keepalived -t checks interfaces too: run it where eth0 exists
setup_bridge
add_node a 1
D=$WORK/a

# conf FILE MIPV6_HA_LINES [FAMILY]: an instance with a mipv6_ha block.
# "mipv6_ha {" is line 14 of the file, its first inner line 15.
conf() {
	if [ "${3:-6}" = 4 ]; then
		vip1=192.0.2.100/24 vip2=192.0.2.101/24
	else
		vip1=fe80::100/64 vip2=2001:db8:1::100/64
	fi
	cat >"$1" <<EOF
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
        $vip1
        $vip2
    }
    mipv6_ha {
        $2
    }
}
EOF
}

# ktest FILE: run keepalived -t, output in FILE.out, exit status echoed
ktest() {
	rc=0
	ns a "$KEEPALIVED" -t -f "$1" -p "$D/t.pid" -r "$D/tv.pid" >"$1.out" 2>&1 || rc=$?
	echo "$rc"
}

# bad NAME LINE KEYWORD_REGEX MIPV6_HA_LINES [FAMILY]
bad() {
	name=$1 line=$2 kw=$3 body=$4
	f=$D/$name.conf
	conf "$f" "$body" "${5:-6}"
	rc=$(ktest "$f")
	log "$name: exit $rc: $(grep -i 'mipv6_ha' "$f.out" | head -3 | tr '\n' ' ')"
	check "$name: keepalived -t exits non-zero" [ "$rc" -ne 0 ]
	check "$name: message names '$kw'" grep -Eq "$kw" "$f.out"
	check "$name: message names line $line" grep -Eq "Line $line\\).*($kw)" "$f.out"
}

# A good configuration (every keyword) must pass -t.
touch "$D/restore.sh"
chmod 755 "$D/restore.sh"
conf "$D/good.conf" "control_socket $D/ctl.sock 0660
        address_owner auto
        notify_restore $D/restore.sh
        notify_dir $D/batches
        notify_fifo $D/fifo
        mtu 1500
        burst_packets 32
        pace_interval_us 1000
        coalesce_ms 1
        request_timeout_ms 1000
        request_retries 3
        answer_grace_ms 3000
        restore_window_ms 5000
        tombstone_time 30
        max_bindings 100000
        log_interval 10
        refresh_interval 300
        sync_hold_timeout 30
        sync_hold_priority 1
        dataplane none
        extensions auto
        proxy_nd off
        full_recovery on
        full_recovery_rate 100
        full_recovery_burst 100
        full_recovery_margin 60
        socket_rcvbuf 1048576"
rc=$(ktest "$D/good.conf")
[ "$rc" -eq 0 ] || cat "$D/good.conf.out"
check "good config: keepalived -t exits 0" [ "$rc" -eq 0 ]
check "good config: no mipv6_ha message" sh -c "! grep -q mipv6_ha '$D/good.conf.out'"

# the shipped examples pass -t (their paths moved under WORK)
for ex in "$(dirname "$0")"/../../conf.d/keepalived-*.conf; do
	b=$(basename "$ex")
	sed -e "s#/etc/keepalived/vrrp-ha-restore.sh#$D/restore.sh#" -e "s#/run/vrrp-ha#$D/run#g" \
		"$ex" >"$D/$b"
	rc=$(ktest "$D/$b")
	[ "$rc" -eq 0 ] || cat "$D/$b.out"
	check "example $b: keepalived -t exits 0" [ "$rc" -eq 0 ]
done

# the disabled block is fine too
conf "$D/disabled.conf" "disable"
check "disabled block: keepalived -t exits 0" [ "$(ktest "$D/disabled.conf")" -eq 0 ]

# Line 15 is the first line inside mipv6_ha { }, 16 the second.
bad owner 15 "address_owner" "address_owner maybe"
bad relsock 15 "control_socket" "control_socket relative/path"
bad sockmode 15 "control_socket" "control_socket $D/ctl.sock 0666"
bad mtu 16 "mtu" "control_socket $D/ctl.sock
        mtu 10"
bad burst 15 "burst_packets" "burst_packets 0"
bad holdprio0 15 "sync_hold_priority" "sync_hold_priority 0"
bad holdprio255 15 "sync_hold_priority" "sync_hold_priority 255"
bad holdtimeout 15 "sync_hold_timeout" "sync_hold_timeout 86401"
bad burstnan 15 "burst_packets" "burst_packets many"
bad script 15 "notify_restore" "notify_restore /nonexistent"
bad relfifo 15 "notify_fifo" "notify_fifo fifo"
bad noarg 15 "tombstone_time" "tombstone_time"
bad dataplane 15 "dataplane" "dataplane warp"
bad proxynd 15 "proxy_nd" "proxy_nd maybe"
bad fullrec 15 "full_recovery" "full_recovery maybe"
bad extensions 15 "extensions" "extensions sometimes"
bad vha 15 "virtual_ha_address" "virtual_ha_address fe80::1"
bad twice 16 "given twice" "tombstone_time 30
        tombstone_time 40"
bad nodir 15 "control_socket" "control_socket /nonexistent-vrrp-ha/dir/ctl.sock"
bad fifodir 15 "notify_fifo" "notify_fifo /nonexistent-vrrp-ha/dir/fifo"
bad notifydir 15 "notify_dir" "notify_dir /nonexistent-vrrp-ha/dir"

# two instances, one control socket (or one FIFO): the second is refused at
# its line (its first line inside mipv6_ha { } is line 29)
two_instances() { # two_instances FILE MIPV6_HA_LINE: conf() twice, VI_2 on VRID 52
	conf "$1.1" "$2"
	conf "$1.2" "$2"
	sed -n '4,$p' "$1.2" | sed -e 's/VI_1/VI_2/' -e 's/virtual_router_id 51/virtual_router_id 52/' \
		-e 's#fe80::100/64#fe80::200/64#' -e 's#2001:db8:1::100/64#2001:db8:2::100/64#' >"$1.3"
	cat "$1.1" "$1.3" >"$1"
}
for kw in "control_socket $D/same.sock" "notify_fifo $D/same.fifo"; do
	f=$D/dup.${kw%% *}.conf
	two_instances "$f" "$kw"
	rc=$(ktest "$f")
	log "duplicate ${kw%% *}: exit $rc: $(grep -i 'already used' "$f.out" | head -1)"
	check "duplicate ${kw%% *}: keepalived -t exits non-zero" [ "$rc" -ne 0 ]
	check "duplicate ${kw%% *}: line 29 names VI_1" grep -Eq "Line 29\).*already used by instance VI_1" "$f.out"
done

# version 2 given before the block: refused at the mipv6_ha line (15 here)
f=$D/v2.conf
conf "$f" "control_socket $D/ctl.sock"
sed -i 's/^    advert_int 1$/    advert_int 1\n    version 2/' "$f"
rc=$(ktest "$f")
log "version 2: exit $rc: $(grep -i 'version' "$f.out" | head -2 | tr '\n' ' ')"
check "version 2: keepalived -t exits non-zero" [ "$rc" -ne 0 ]
check "version 2: message names the mipv6_ha line (15)" grep -Eq "Line 15\).*version 3" "$f.out"

# mipv6_ha on an IPv4 instance (its virtual_ipaddress block comes first, so
# the family is known when the block is parsed): the message must point at
# the mipv6_ha keyword (14), its closing brace (16) or the instance's (17)
bad ipv4 "(14|16|17)" "mipv6_ha" "control_socket $D/ctl.sock" 4

finish
