#!/bin/sh
# attach.sh - AAA / vendor state attached to bindings (docs/attachments.md),
# on a replicating pair with auth encrypt: a (owner, 255, MASTER, with a
# notify FIFO) and b (100, BACKUP), and a third host inj on the same bridge.
#
#   1. `attach` on a: set, replace, remove; errors: unknown HoA, too long,
#      the per-binding bound (nothing changes), the AAA identity as vendor,
#      bad hex; each an ERR line and exit status 1.
#   2. b's `show --json` and `show` carry a's attachments; a's bc and b's
#      rbc have the same count and digest (the digest covers the options).
#   3. Adversaries (counted, nothing changes on b): a forged protected
#      update of an attachment spoofing a (bad tag: rx_auth_failed,
#      auth_bad_tag), the same record unprotected (rx_unauthenticated), and
#      a replay of a's genuine captured attachment update after the
#      attachment changed (auth_replay / auth_too_old).
#   4. 10 % loss on b's input (nftables numgen random) while 40 bindings get
#      attachments: b converges to a's table (count, digest, attachments).
#   5. a crashes: b takes over and still shows the attachments; a comes back
#      empty, its restore brings bindings and attachments back into its bc,
#      and the FIFO's RESTORE lines carry the attachments; a, master again,
#      replicates a new attachment to b.
#   6. State Synchronization Request: `resync HOA...` on b prints each HoA
#      present (with its attachments) or none, exit 0; on a (master) it is
#      refused (exit 4); with b's extension input dropped it times out
#      (exit 3); 50 forged unprotected KEYS requests to a are counted
#      unauthenticated and answered by nothing.
#   7. Both restarted with auth off: `resync` works without auth; 100 KEYS
#      requests at once from one spoofed source are rate limited
#      (rx_request + rx_rate_limited = 100, rx_rate_limited >= 100 - 16 - 8 s
#      worth of refill) and a answers exactly those it took.
TEST_NAME=attach
. "$(dirname "$0")/lossy_lib.sh"

[ -x "$TOOLS/vrrp-hexdump" ] || skip "TOOLS/vrrp-hexdump not built"
A_LL=fe80::1 INJ_LL=fe80::9
KEY1=5be3a8c64a0fd1e2739b40c2f1d6e8a77c9e2f0b13d4a5c6e7f8091a2b3c4d5e
H1=2001:db8:a77::1 H1C=2001:db8:c77::1
H2=2001:db8:a77::2 H2C=2001:db8:c77::2
H1_HEX=20010db80a7700000000000000000001
NB=60 # imported bindings (gen_bindings), 40 of them get attachments under loss
GOOD=2001:db8:99::1,2001:db8:98::1,1,3600 # a valid record for the barrier

setup_bridge
add_node a 1
add_node b 2
add_node inj 9

for n in a b; do
	mkdir -p "$WORK/$n/epoch"
	echo "key 1 aes-256-gcm $KEY1 send" >"$WORK/$n/sync.keys"
	chmod 600 "$WORK/$n/sync.keys"
done
write_conf a 255 1 "auth encrypt
        auth_key_file $WORK/a/sync.keys
        auth_epoch_file $WORK/a/epoch/VI_1.epoch
        notify_fifo $WORK/a/fifo"
write_conf b 100 1 "auth encrypt
        auth_key_file $WORK/b/sync.keys
        auth_epoch_file $WORK/b/epoch/VI_1.epoch"

# fifo_reader: a's FIFO read into fifo.out (append; a new reader after a crash)
rm -f "$WORK/a/fifo"
mkfifo "$WORK/a/fifo"
fifo_reader() {
	cat "$WORK/a/fifo" >>"$WORK/a/fifo.out" &
	bg_started $!
}
fifo_reader

# atts NODE HOA [--bc]: the "attachments" JSON array of one binding, or nothing
atts() {
	n=$1 h=$2
	shift 2
	ctl "$n" show --json "$@" 2>/dev/null | grep "\"hoa\":\"$h\"" |
		sed -n 's/.*"attachments":\(\[.*\]\)}$/\1/p'
}
atts_are() { [ "$(atts "$1" "$2" ${4:-})" = "$3" ]; }
# natts NODE [--bc]: attachments in the whole table
natts() { ctl "$1" show --json ${2:-} 2>/dev/null | grep -o '"type":"[av][a-z]*"' | wc -l; }
natts_is() { [ "$(natts "$1" ${3:-})" -eq "$2" ]; }
in_sync() { same_sig a bc b rbc; }
follows_a() { [ "$(master_of b)" = $A_LL ]; }
# err_is EXPECT CMD...: the command exits 1 with an ERR line containing EXPECT
err_is() {
	e=$1
	shift
	set +e
	out=$("$@" 2>&1)
	rc=$?
	set -e
	[ $rc -eq 1 ] && echo "$out" | grep -q "$e"
}
# barrier: a packet behind everything inj sent before (a bad version,
# counted by b): once b counted it, b has handled what went before
barrier() {
	stats_to b "$WORK/b.bar"
	inject inj -q -V 2 -R $GOOD
	wait_for 20 "b: barrier packet" moved b rx_bad_version "$WORK/b.bar"
}
by() { check "$1: $2 $3 +$4 ($(delta "$2" "$3" "$WORK/$2.c"))" [ "$(delta "$2" "$3" "$WORK/$2.c")" -eq "$4" ]; }

cap_start() {
	rm -f "$WORK/$2.ready"
	ip netns exec "$PFX$1" "$TOOLS/vrrp-hexdump" -i eth0 -r "$WORK/$2.ready" \
		>"$WORK/$2.hex" 2>"$WORK/$2.err" &
	eval "CAP_$2=$!"
	bg_started $!
	wait_for 10 "capture $2" test -e "$WORK/$2.ready"
}
cap_stop() {
	eval "p=\${CAP_$1:-}"
	kill -TERM "$p" 2>/dev/null || true
	wait "$p" 2>/dev/null || true
}

# fake_auth KEYID PAYLOAD_HEX: an extension message whose first section is
# AUTH (encrypt, AES-256-GCM, a seq far above any window, a garbage tag),
# then PAYLOAD (one section); 2 sections
fake_auth() {
	echo "3c33010200000000" "06010020" "$1" 01 01 00 00000000 ffffff0000000001 \
		deadbeefdeadbeefdeadbeefdeadbeef "$2" | tr -d ' '
}
# a MIPV6 section (kind 2, 1 record of 53 bytes) for H1, seq 9, lifetime
# 900 units, CoA H1C, with one AAA attachment: code 1, data 666666
FORGED_MIPV6=$(echo 02 01 0035 0384 0009 4000 0000 $H1_HEX 20010db80c7700000000000000000001 \
	13 0b 00007ed9 01 00000001 666666 | tr -d ' ')

log "=== start: a MASTER with $NB bindings + 2, b syncs"
start_ka a
wait_for 20 "a MASTER" is_state a MASTER
gen_bindings $NB >"$WORK/bindings"
ctl a import "$WORK/bindings" >/dev/null
ctl a add $H1 $H1C 3600 5 AH >/dev/null
ctl a add $H2 $H2C 3600 5 AH >/dev/null
start_ka b
wait_for 20 "b BACKUP" is_state b BACKUP
wait_for 30 "b in sync with a" in_sync
wait_for 20 "b follows a" follows_a

log "=== 1. attach on a"
check "attach aaa" sh -c "\"$VRRP_HA_CTL\" -s $WORK/a/ctl.sock attach $H1 aaa 1 0a0b0c |
	grep -q 'attached (14 bytes of options)'"
check "attach vendor" sh -c "\"$VRRP_HA_CTL\" -s $WORK/a/ctl.sock attach $H1 vendor 10415:3 ff00 |
	grep -q 'attached (23 bytes of options)'"
check "replace the aaa one" sh -c "\"$VRRP_HA_CTL\" -s $WORK/a/ctl.sock attach $H1 aaa 1 0a0b0c0d |
	grep -q 'attached (24 bytes of options)'"
check "a: show --bc --json has both, the replaced one last" atts_are a $H1 \
	'[{"type":"vendor","vendor":10415,"subtype":3,"data":"ff00"},{"type":"aaa","code":1,"data":"0a0b0c0d"}]' --bc
check "a: plain show --bc lists them" sh -c "\"$VRRP_HA_CTL\" -s $WORK/a/ctl.sock show --bc |
	grep -qx '$H1 $H1C 5 AH [0-9]* vendor:10415:3=ff00 aaa:1=0a0b0c0d'"
check "unknown HoA: ERR" err_is "no binding for HoA 2001:db8:dead::1" ctl a attach 2001:db8:dead::1 aaa 1 00
BIG=$(awk 'BEGIN { for (i = 0; i < 246; i++) printf "ab" }')
check "too long: ERR" err_is "attachment too long: 247 bytes, at most 246" ctl a attach $H2 aaa 7 "${BIG}ab"
for c in 1 2 3; do ctl a attach $H2 aaa $c "$BIG" >/dev/null; done
check "over the binding's bound: ERR" err_is "would exceed 1024 bytes: nothing changed" ctl a attach $H2 aaa 4 "$BIG"
check "over the bound: $H2 keeps its 3" sh -c "[ \$(\"$VRRP_HA_CTL\" -s $WORK/a/ctl.sock show --bc --json |
	grep '\"hoa\":\"$H2\"' | grep -o '\"type\":\"aaa\"' | wc -l) -eq 3 ]"
check "vendor 32473:1: ERR" err_is "is where AAA attachments go" ctl a attach $H1 vendor 32473:1 00
check "bad hex: ERR" err_is "bad data" ctl a attach $H1 aaa 2 0g
check "remove a missing one: ERR" err_is "no such attachment" ctl a attach $H1 aaa 99 -
check "bad type: usage (exit 2)" sh -c "\"$VRRP_HA_CTL\" -s $WORK/a/ctl.sock attach $H1 avp 1 00 2>/dev/null; [ \$? -eq 2 ]"

log "=== 2. b has them"
wait_for 10 "b: $H1's attachments" atts_are b $H1 \
	'[{"type":"vendor","vendor":10415,"subtype":3,"data":"ff00"},{"type":"aaa","code":1,"data":"0a0b0c0d"}]'
wait_for 10 "b in sync with a" in_sync
check "b: plain show lists them" sh -c "\"$VRRP_HA_CTL\" -s $WORK/b/ctl.sock show |
	grep -qx '$H1 $H1C 5 AH [0-9]* vendor:10415:3=ff00 aaa:1=0a0b0c0d'"
check "b: $H2's 3 large ones" natts_is b 5
ctl a attach $H2 aaa 3 - >/dev/null
wait_for 10 "b: $H2's third one removed" natts_is b 4
wait_for 10 "b in sync with a after the removal" in_sync

log "=== 3. adversaries"
ns inj ip -6 addr add $A_LL/64 dev eth0 nodad
ATT_B=$(atts b $H1)
stats_to b "$WORK/b.c"
SIG_B=$(sig b rbc)
inject inj -q -s $A_LL -x "$(fake_auth 01 "$FORGED_MIPV6")"
barrier
by "forged protected update" b rx_auth_failed 1
by "forged protected update" b auth_bad_tag 1
stats_to b "$WORK/b.c"
inject inj -q -s $A_LL -x "3c330101$(echo 00000000)$FORGED_MIPV6"
barrier
by "forged unprotected update" b rx_unauthenticated 1
check "forgeries: b's table unchanged" [ "$(sig b rbc)" = "$SIG_B" ]
check "forgeries: $H1's attachments unchanged on b" [ "$(atts b $H1)" = "$ATT_B" ]

cap_start b att
ctl a attach $H1 aaa 5 c0ffee >/dev/null
wait_for 10 "b: the new aaa 5" sh -c "\"$VRRP_HA_CTL\" -s $WORK/b/ctl.sock show | grep -q 'aaa:5=c0ffee'"
cap_stop att
awk '$2=="fe80::1" && $4==12 && $5 < 500 {print $6; exit}' "$WORK/att.hex" >"$WORK/att.upd"
check "captured a's protected attachment update" [ -s "$WORK/att.upd" ]
ctl a attach $H1 aaa 5 - >/dev/null
wait_for 10 "b: aaa 5 removed" sh -c "! \"$VRRP_HA_CTL\" -s $WORK/b/ctl.sock show | grep -q 'aaa:5='"
wait_for 10 "b in sync with a" in_sync
stats_to b "$WORK/b.c"
SIG_B=$(sig b rbc)
inject inj -q -s $A_LL -x "$(cat "$WORK/att.upd")"
barrier
by "replay" b rx_auth_failed 1
rp=$(($(delta b auth_replay "$WORK/b.c") + $(delta b auth_too_old "$WORK/b.c")))
check "replay: auth_replay + auth_too_old +1 ($rp)" [ "$rp" -eq 1 ]
check "replay: b's table unchanged (aaa 5 stays removed)" [ "$(sig b rbc)" = "$SIG_B" ]
ns inj ip -6 addr del $A_LL/64 dev eth0

log "=== 4. loss: 10 % of b's VRRP input dropped while 40 bindings get attachments"
stats_to b "$WORK/b.c"
loss_on b 10
T0=$(now_ms)
ctl a show --bc | awk '$1 != "HOA" && $1 !~ /a77/ && NF == 5 {print $1}' | head -40 | while read -r h; do
	i=$((i + 1))
	"$VRRP_HA_CTL" -s "$WORK/a/ctl.sock" attach "$h" vendor 10415:$i "0102$(printf %02x $i)" >/dev/null
done
EXP=$(natts a --bc)
check "a: 40 more attachments ($EXP)" [ "$EXP" -eq 44 ]
wait_for 90 "b converged under loss (digest)" in_sync
wait_for 10 "b: every attachment ($EXP)" natts_is b "$EXP"
T1=$(now_ms)
figure attach_converge_loss10_ms $((T1 - T0))
check "loss: packets were dropped ($(loss_dropped b))" [ "$(loss_dropped b)" -gt 0 ]
check "loss: repaired by digest (sync_repairs +$(delta b sync_repairs "$WORK/b.c"))" true
loss_off b
check "loss: a's and b's tables, attachments included, the same" \
	sh -c "[ \"\$(\"$VRRP_HA_CTL\" -s $WORK/a/ctl.sock show --bc | sed 1d | awk '{\$5=\"\"; print}' | LC_ALL=C sort)\" = \
	\"\$(\"$VRRP_HA_CTL\" -s $WORK/b/ctl.sock show | sed 1d | awk '{\$5=\"\"; print}' | LC_ALL=C sort)\" ]"

log "=== 5. failover and restore"
crash a linkdown
wait_for 20 "b MASTER" is_state b MASTER
check "b (master): $H1's attachments" atts_are b $H1 \
	'[{"type":"vendor","vendor":10415,"subtype":3,"data":"ff00"},{"type":"aaa","code":1,"data":"0a0b0c0d"}]'
check "b (master): every attachment ($EXP)" natts_is b "$EXP"
: >"$WORK/a/fifo.out"
fifo_reader
link_up a
start_ka a
wait_for 30 "a MASTER again" is_state a MASTER
wait_for 30 "a restored every binding" bc_is a $((NB + 2))
wait_for 30 "a's bc equals b's rbc" in_sync
check "a (restored): $H1's attachments" atts_are a $H1 \
	'[{"type":"vendor","vendor":10415,"subtype":3,"data":"ff00"},{"type":"aaa","code":1,"data":"0a0b0c0d"}]' --bc
check "a (restored): every attachment ($EXP)" natts_is a "$EXP" --bc
wait_for 10 "FIFO: RESTORE of $H1 with its attachments" grep -q \
	"^MIPV6_HA \"VI_1\" RESTORE $H1 $H1C [0-9]* 5 0x[0-9a-f]* vendor:10415:3=ff00 aaa:1=0a0b0c0d\$" "$WORK/a/fifo.out"
check "FIFO: RESTORE lines of bindings without attachments end at the flags" \
	grep -Eq '^MIPV6_HA "VI_1" RESTORE 2001:db8:aa:[0-9a-f:]+ [0-9a-f:]+ [0-9]+ [0-9]+ 0x[0-9a-f]{4}$' "$WORK/a/fifo.out"
check "FIFO: $((EXP - 2)) other lines with attachments" \
	[ "$(grep -c 'RESTORE 2001:db8:aa:.* vendor:10415:' "$WORK/a/fifo.out")" -ge 40 ]
wait_for 20 "b BACKUP" is_state b BACKUP
wait_for 20 "b follows a" follows_a
ctl a attach $H1 aaa 6 0606 >/dev/null
wait_for 10 "b: a's new attachment after the restore" sh -c "\"$VRRP_HA_CTL\" -s $WORK/b/ctl.sock show | grep -q 'aaa:6=0606'"
wait_for 10 "b in sync with a" in_sync

log "=== 6. State Synchronization Request"
# keys_req ID HOA_HEX...: an unprotected extension message REQUEST KEYS
keys_req() {
	id=$1
	shift
	printf '3c3301020000000007010018%08x03020000%032d0d%02x0014' "$id" 0 $#
	for k in "$@"; do printf '02000000%s' "$k"; done
}
set +e
ctl b resync $H1 2001:db8:dead::1 >"$WORK/rs.out" 2>&1
rc=$?
set -e
check "resync on b: exit 0 ($rc)" [ $rc -eq 0 ]
check "resync on b: $H1 present with its attachments" \
	grep -Eq "^$H1 present $H1C 5 [0-9]+ vendor:10415:3=ff00 aaa:1=0a0b0c0d aaa:6=0606\$" "$WORK/rs.out"
check "resync on b: the unknown HoA none" grep -qx "2001:db8:dead::1 none" "$WORK/rs.out"
check "resync on b: ends resynced 2" grep -qx "resynced 2" "$WORK/rs.out"
check "resync on b: a served it" counter_ge a resync_served 1
set +e
ctl a resync $H1 >"$WORK/rs.out" 2>&1
rc=$?
set -e
check "resync on a (master): refused, exit 4 ($rc)" [ $rc -eq 4 ]
check "resync on a: says why" grep -q "not a backup" "$WORK/rs.out"
# b's extension input (type 12, first byte 0x3c) dropped, adverts kept
ns b nft -f - <<EOF
table inet ${PFX}ext {
	chain input {
		type filter hook input priority 0;
		meta l4proto 112 @th,0,8 0x3c counter drop
	}
}
EOF
set +e
T0=$(now_ms)
ctl b resync $H1 >"$WORK/rs.out" 2>&1
rc=$?
T1=$(now_ms)
set -e
ns b nft delete table inet "${PFX}ext"
check "resync without answers: exit 3 ($rc)" [ $rc -eq 3 ]
check "resync without answers: $H1 no answer" grep -qx "$H1 no answer" "$WORK/rs.out"
check "resync without answers: gave up after the retries ($((T1 - T0)) ms, about 7500)" \
	[ $((T1 - T0)) -ge 7000 ] && [ $((T1 - T0)) -lt 12000 ]
figure resync_timeout_ms $((T1 - T0))
wait_for 20 "b follows a" follows_a
ns inj ip -6 addr add fe80::c1/64 dev eth0 nodad
stats_to a "$WORK/a.c"
inject inj -q -s fe80::c1 -x "$(keys_req 77 $H1_HEX)" -n 50
inject inj -q -V 2 -R $GOOD
wait_for 20 "a: barrier packet" moved a rx_bad_version "$WORK/a.c"
by "forged KEYS requests" a rx_unauthenticated 50
by "forged KEYS requests" a resync_served 0
wait_for 10 "b in sync with a" in_sync

log "=== 7. auth off: resync, and a KEYS request flood from one source"
crash b
crash a
for n in a b; do
	sed -i '/auth /d; /auth_key_file/d; /auth_epoch_file/d; /notify_fifo/d' "$WORK/$n/keepalived.conf"
	sed -i "s#^\( *\)control_socket \(.*\)#\1control_socket \2\n\1extensions on#" "$WORK/$n/keepalived.conf"
done
start_ka a
wait_for 20 "a MASTER (auth off)" is_state a MASTER
ctl a add $H1 $H1C 3600 5 AH >/dev/null
ctl a attach $H1 aaa 1 0a0b >/dev/null
start_ka b
wait_for 20 "b BACKUP (auth off)" is_state b BACKUP
wait_for 30 "b in sync with a (auth off)" in_sync
wait_for 20 "b follows a (auth off)" follows_a
set +e
ctl b resync $H1 >"$WORK/rs.out" 2>&1
rc=$?
set -e
check "auth off: resync exit 0 ($rc)" [ $rc -eq 0 ]
check "auth off: $H1 present with its attachment" grep -Eq "^$H1 present $H1C 5 [0-9]+ aaa:1=0a0b\$" "$WORK/rs.out"
# a's own start-up fetch (nobody answered it: b was down) must be over:
# until then a does not serve
a_serves() { [ "$(ctl a state | awk '$1=="sync"{print $2}')" = in_sync ] && backlog_is a 0; }
wait_for 20 "a in sync and idle" a_serves
stats_to a "$WORK/a.c"
T0=$(now_ms)
inject inj -q -s fe80::c1 -x "$(keys_req 78 $H1_HEX)" -n 100
inject inj -q -V 2 -R $GOOD
wait_for 20 "a: barrier packet" moved a rx_bad_version "$WORK/a.c"
T1=$(now_ms)
took=$(((T1 - T0 + 999) / 1000))
req=$(delta a rx_request "$WORK/a.c") lim=$(delta a rx_rate_limited "$WORK/a.c")
srv=$(delta a resync_served "$WORK/a.c")
log "flood: rx_request +$req rx_rate_limited +$lim rx_request_ignored +$(delta a rx_request_ignored "$WORK/a.c")"
check "flood: rx_request + rx_rate_limited = 100 ($req + $lim)" [ $((req + lim)) -eq 100 ]
check "flood: rate limited ($lim >= $((100 - 16 - 8 * took)))" [ "$lim" -ge $((100 - 16 - 8 * took)) ]
check "flood: answered only those taken ($srv = $req)" [ "$srv" -eq "$req" ]
figure resync_flood_answered "$srv"
finish
