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

# Key files (docs/auth.md "Key file"): root-only, one key per line.
K1=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
K2=f0e0d0c0b0a090807060504030201000ffeeddccbbaa99887766554433221100
keyfile() { # keyfile NAME MODE CONTENT
	rm -f "$D/$1"
	printf '%s\n' "$3" >"$D/$1"
	chmod "$2" "$D/$1"
}
keyfile sync.keys 600 "# sync keys
key 1 aes-256-gcm $K1
key 2 aes-256-gcm $K2 send"
keyfile chacha.keys 600 "key 1 chacha20-poly1305 $K1"
keyfile mode.keys 644 "key 1 aes-256-gcm $K1"
keyfile owner.keys 600 "key 1 aes-256-gcm $K1"
chown 4242 "$D/owner.keys"
keyfile badline.keys 600 "# comment

key 1 aes-256-gcm 0123"
ln -sf "$D/sync.keys" "$D/link.keys"

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
        socket_rcvbuf 1048576
        auth encrypt
        auth_cipher aes-256-gcm
        auth_key_file $D/sync.keys
        auth_epoch_file $D/epoch/VI_1.epoch"
rc=$(ktest "$D/good.conf")
[ "$rc" -eq 0 ] || cat "$D/good.conf.out"
check "good config: keepalived -t exits 0" [ "$rc" -eq 0 ]
check "good config: no mipv6_ha message" sh -c "! grep -q mipv6_ha '$D/good.conf.out'"

# the shipped examples pass -t (their paths moved under WORK, with a key)
printf 'key 1 aes-256-gcm %s send\n' 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef \
	>"$D/example.keys"
chmod 600 "$D/example.keys"
for ex in "$(dirname "$0")"/../../conf.d/keepalived-*.conf; do
	b=$(basename "$ex")
	sed -e "s#/etc/keepalived/vrrp-ha-restore.sh#$D/restore.sh#" -e "s#/run/vrrp-ha#$D/run#g" \
		-e "s#/etc/vrrp-ha/sync.keys#$D/example.keys#" "$ex" >"$D/$b"
	rc=$(ktest "$D/$b")
	[ "$rc" -eq 0 ] || cat "$D/$b.out"
	check "example $b: keepalived -t exits 0" [ "$rc" -eq 0 ]
done

# auth off (the default, or said): -t passes but warns, once per instance
for body in "control_socket $D/ctl.sock" "auth off"; do
	f=$D/authoff.conf
	conf "$f" "$body"
	rc=$(ktest "$f")
	log "auth off ($body): exit $rc: $(grep -i 'unauthenticated' "$f.out" | head -1)"
	check "auth off ($body): keepalived -t exits 0" [ "$rc" -eq 0 ]
	check "auth off ($body): warns that sync is unauthenticated" grep -q \
		"(VI_1) mipv6_ha: sync is unauthenticated (auth off): any host on the link can forge bindings" "$f.out"
	check "auth off ($body): one warning" [ "$(grep -c unauthenticated "$f.out")" -eq 1 ]
done
# integrity with ChaCha20-Poly1305, the cipher after the key file: fine
conf "$D/chacha.conf" "auth integrity
        auth_key_file $D/chacha.keys
        auth_cipher chacha20-poly1305"
rc=$(ktest "$D/chacha.conf")
[ "$rc" -eq 0 ] || cat "$D/chacha.conf.out"
check "auth integrity chacha20-poly1305: keepalived -t exits 0" [ "$rc" -eq 0 ]
check "auth integrity chacha20-poly1305: no mipv6_ha message" \
	sh -c "! grep -q mipv6_ha '$D/chacha.conf.out'"

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
bad swtimeout 15 "switch_timeout" "switch_timeout 50"
bad swaccept 15 "switch_accept" "switch_accept perhaps"
bad swtrack 15 "switch_on_track" "switch_on_track sometimes"
bad vha 15 "virtual_ha_address" "virtual_ha_address fe80::1"
bad twice 16 "given twice" "tombstone_time 30
        tombstone_time 40"
bad nodir 15 "control_socket" "control_socket /nonexistent-vrrp-ha/dir/ctl.sock"
bad fifodir 15 "notify_fifo" "notify_fifo /nonexistent-vrrp-ha/dir/fifo"
bad notifydir 15 "notify_dir" "notify_dir /nonexistent-vrrp-ha/dir"

# sync authentication: the keyword at fault, and for a key file the reason
# and the line of the key file
bad authmode 15 "auth" "auth sometimes"
bad authcipher 15 "auth_cipher" "auth_cipher aes-128-cbc"
bad authnokey 16 "auth encrypt needs auth_key_file" "auth encrypt"
bad authnokey2 17 "auth integrity needs auth_key_file" "auth integrity
        auth_cipher chacha20-poly1305"
bad keyrel 15 "auth_key_file" "auth_key_file sync.keys"
bad keymissing 15 "auth_key_file '$D/missing.keys': cannot open" "auth_key_file $D/missing.keys"
bad keymode 15 "auth_key_file .*mode 0644" "auth_key_file $D/mode.keys"
bad keyowner 15 "auth_key_file .*owned by uid 4242" "auth_key_file $D/owner.keys"
bad keysymlink 15 "auth_key_file .*symbolic link" "auth_key_file $D/link.keys"
bad keyline 16 "auth_key_file .*: line 3: key 1: the key must be exactly 64 hex digits" \
	"auth encrypt
        auth_key_file $D/badline.keys"
bad keydir 15 "auth_key_file .*not a regular file" "auth_key_file $D"
# cipher mismatch: on the auth_key_file line, the auth_cipher line, or the
# closing brace when auth_cipher is left at its default
bad cipherkey 17 "auth_key_file .*line 2: key 1 is for aes-256-gcm but auth_cipher is chacha20-poly1305" \
	"auth encrypt
        auth_cipher chacha20-poly1305
        auth_key_file $D/sync.keys"
bad ciphercipher 17 "auth_key_file .*line 2: key 1 is for aes-256-gcm but auth_cipher is chacha20-poly1305" \
	"auth encrypt
        auth_key_file $D/sync.keys
        auth_cipher chacha20-poly1305"
bad cipherdefault 17 "auth_key_file .*line 1: key 1 is for chacha20-poly1305 but auth_cipher is aes-256-gcm" \
	"auth encrypt
        auth_key_file $D/chacha.keys"
bad epochrel 15 "auth_epoch_file" "auth_epoch_file epoch"

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
