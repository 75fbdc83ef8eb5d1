#!/bin/sh
# trusted.sh - sync you can trust (issue 7): a third namespace (inj, on the
# same bridge) attacks a replicating pair: a (owner, 255, MASTER) and b
# (100, BACKUP), with a few hundred bindings imported on a.
#
# Every attack case is sent on its own; "counted" means: on the nodes named,
# the counter moved by exactly the packets sent (read after a barrier packet
# sent behind them was counted, so nothing is still in flight), and "no
# change" means both tables' counts and digests (vrrp-ha-ctl state) and the
# entry attacked are the same before and after.
#
# Part 1, auth encrypt (key file {1 send, 2}):
#   - replication works: a's bc and b's rbc equal (count, digest, show);
#   - encryption: a capture of b's link during an add shows only protected
#     extension messages (type 12, first section AUTH) and none of the known
#     binding's HoA/CoA bytes (part 2 shows them with auth off);
#   (a) a forged draft BC_UPDATE (add) from inj's own link-local source,
#   (b) a hijack of an existing HoA with a higher seq spoofing a's link-local
#       source, (c) a forged delete spoofing a: rx_unauthenticated on b (a
#       refuses anything carrying its own source: rx_bad_source), no change
#       (draft messages are never accepted with auth on);
#   (d) extension messages with an AUTH section spoofing a: a garbage tag ->
#       rx_auth_failed + auth_bad_tag; key id 9 -> auth_unknown_key; a
#       reserved byte set -> auth_malformed on b (a: rx_bad_source), no change;
#   (e) replay: a genuine protected update captured on the wire (an add on
#       a), resent byte for byte from inj spoofing a after the binding was
#       updated: b counts rx_auth_failed + auth_replay|auth_too_old, the
#       binding keeps its update (a replay cannot undo it);
#   (f) from a global source (a draft update and the genuine captured bytes):
#       rx_bad_source on both, no change;
#   (g) ~2000 forged requests over ~5 s (draft BC_REQUEST, plain extension
#       REQUEST, REQUEST behind a forged AUTH) from 4 spoofed link-local
#       sources: all counted unauthenticated / auth_failed (bad_tag), a sends
#       no answer (full_syncs, tx_records, rx_request +0), no change.
# Part 3 (same pair, auth still on), key rollover with no loss: while adds
#   stream into a (one after the other, without pause), a's key file becomes
#   {1, 2 send} (SIGHUP a), then b's, then key 1 is removed from a's and b's;
#   before each step b has taken 10 more of the adds, so every configuration
#   carried accepted traffic: b ends equal to a, no auth_bad_tag /
#   auth_unknown_key / rx_auth_failed anywhere, a's messages are signed with
#   key 1 before and key 2 after (key id byte on the wire), and a key-1
#   message captured before is now refused (auth_unknown_key).
# Part 2, both restarted with auth off:
#   (h) a forged update from inj's own link-local (not the master b follows):
#       rx_not_master on b (a, master: rx_update_ignored), no change. Sent
#       while a's start-up fetch (a draft request: no peer had shown
#       extensions when a started) still runs: a must not take inj, a host
#       that never advertised, as the answer to it (it used to, restoring
#       the forged binding into its bc and replicating it to b);
#   (i) one source sending 100 requests at once: per-source limit, so
#       rx_request + rx_rate_limited = 100 and rx_rate_limited >= 100 - burst
#       - refill; then a flood of requests from 8 spoofed link-local sources:
#       a answers, but full_syncs grows at most elapsed_s + 3 (whole-table
#       bucket, docs/sync.md "Who is heard"), and the answer bytes a sends
#       are bounded by that many tables;
#   (j) a capture during an add shows the HoA/CoA bytes in clear;
#   (k) b drops (nftables) a's BC traffic while 200 bindings are added on a:
#       the next digest repairs all of them in one repair (sync_repairs +1;
#       a repair used to ask only the first 32 runs of differing buckets).
# (keepalived -t's "sync is unauthenticated" warning: integ.config.)
TEST_NAME=trusted
. "$(dirname "$0")/lib.sh"

[ -x "$TOOLS/vrrp-hexdump" ] || skip "TOOLS/vrrp-hexdump not built"
NB=300 # bindings imported on a
A_LL=fe80::1 INJ_LL=fe80::9 INJ_GLOBAL=2001:db8:1::9
# a known binding, and its HoA / CoA as they are on the wire
K=2001:db8:5ec::1 K_HEX=20010db805ec00000000000000000001
KC=2001:db8:c0a::77 KC_HEX=20010db80c0a00000000000000000077
KC2=2001:db8:c0a::88
K2=2001:db8:5ec::2 K2_HEX=20010db805ec00000000000000000002
K2C=2001:db8:c0a::78 K2C_HEX=20010db80c0a00000000000000000078
# an imported binding (gen_bindings: index 5 has seq 6)
H0=2001:db8:aa:0:5::1 H0C=2001:db8:cc:0:5::1 H0S=6
KEY1=5be3a8c64a0fd1e2739b40c2f1d6e8a77c9e2f0b13d4a5c6e7f8091a2b3c4d5e
KEY2=3d1f0a5c7e9b2d4f6a8c0e1b3d5f7a9c2e4b6d8f0a1c3e5b7d9f1a2c4e6b8d0f
GOOD=2001:db8:99::1,2001:db8:98::1,1,3600 # a valid record for the barrier

setup_bridge
add_node a 1
add_node b 2
add_node inj 9

# keys NODE SPEC...: NODE's key file from "ID" / "ID:send" items
keys() {
	n=$1
	shift
	f=$WORK/$n/sync.keys
	: >"$f.new"
	chmod 600 "$f.new"
	for k in "$@"; do
		id=${k%%:*} mark=""
		[ "$k" = "$id" ] || mark=" send"
		case $id in 1) hex=$KEY1 ;; *) hex=$KEY2 ;; esac
		echo "key $id aes-256-gcm $hex$mark" >>"$f.new"
	done
	mv "$f.new" "$f"
}
# conf NAME PRIO AUTH: write_conf with auth lines (AUTH: encrypt or off)
conf() {
	if [ "$3" = off ]; then
		write_conf "$1" "$2" 1 "auth off"
	else
		write_conf "$1" "$2" 1 "auth $3
        auth_key_file $WORK/$1/sync.keys
        auth_epoch_file $WORK/$1/epoch/VI_1.epoch"
	fi
}

# state_val NODE KEY: one line of vrrp-ha-ctl state
state_val() { ctl "$1" state 2>/dev/null | awk -v k="$2" '$1==k{print $2}'; }
# tstate NODE: "count digest" of the table that matters (a's bc, b's rbc)
tstate() {
	if [ "$1" = a ]; then
		echo "$(state_val a bc) $(state_val a bc_digest)"
	else
		echo "$(state_val b rbc) $(state_val b rbc_digest)"
	fi
}
in_sync() { [ "$(tstate a)" = "$(tstate b)" ] && [ "$(state_val a bc)" = "$1" ]; }
# rec NODE HOA: "hoa coa seq flags" of one binding of the node's table
rec() {
	if [ "$1" = a ]; then entry a "$2" --bc; else entry b "$2"; fi | awk '{print $1, $2, $3, $4}'
}
has() { [ "$(rec "$1" "$2")" = "$3" ]; }
gone() { [ -z "$(rec "$1" "$2")" ]; }

# snap: counters, table states and the attacked entries before a case
snap() {
	for x in a b; do
		stats_to $x "$WORK/$x.c"
		tstate $x >"$WORK/$x.t"
		{ rec $x $H0; rec $x $K; } >"$WORK/$x.e"
	done
}
# barrier: a packet behind everything inj sent before (a bad version, counted
# by both nodes): once both counted it, both have handled what went before
barrier() {
	for x in a b; do stats_to $x "$WORK/$x.bar"; done
	inject inj -q -V 2 -R $GOOD
	for x in a b; do wait_for 20 "$x: barrier packet" moved $x rx_bad_version "$WORK/$x.bar"; done
}
# by CASE NODE KEY N: KEY moved by exactly N since snap
by() { check "$1: $2 $3 +$4 ($(delta "$2" "$3" "$WORK/$2.c"))" [ "$(delta "$2" "$3" "$WORK/$2.c")" -eq "$4" ]; }
# kept CASE: no table changed since snap
kept() {
	for x in a b; do
		check "$1: $x table unchanged ($(tstate $x))" [ "$(tstate $x)" = "$(cat "$WORK/$x.t")" ]
		check "$1: $x entries unchanged" [ "$({ rec $x $H0; rec $x $K; })" = "$(cat "$WORK/$x.e")" ]
	done
}

# cap_start NODE TAG / cap_stop TAG: vrrp-hexdump of NODE's eth0 into $WORK/TAG.hex
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
# bc_lines TAG: the captured BC traffic (types 12, 14, 15) of a and b
bc_lines() { awk '($2=="fe80::1" || $2=="fe80::2") && ($4==12 || $4==14 || $4==15)' "$WORK/$1.hex"; }

# fake_auth KEYID RESERVED PAYLOAD_HEX: an extension message whose first
# section is AUTH (key id, mode 1 encrypt, alg 1 AES-256-GCM, reserved byte
# 15, seq far above any real window, a garbage tag), then PAYLOAD (one
# section); # of sections 2
fake_auth() {
	echo "3c33010200000000" "06010020" "$1" 01 01 "$2" 00000000 ffffff0000000001 \
		deadbeefdeadbeefdeadbeefdeadbeef "$3" | tr -d ' '
}
GARB_MIPV6=020100280123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
GARB_REQ=0701001811223344556677889900aabbccddeeff00112233445566778899aabb
# a plain extension REQUEST for the whole table from "the master"
EXT_REQ=3c3301010000000007010018000000010102000100000000000000000000000000000000

# add_ll N ADDR...: link-local addresses on inj's eth0 (for bc-inject -s)
add_ll() { for x in "$@"; do ns inj ip -6 addr add "$x/64" dev eth0 nodad; done; }
del_ll() { for x in "$@"; do ns inj ip -6 addr del "$x/64" dev eth0; done; }

# start_pair AUTH: a (MASTER) with the imported bindings, then b, which
# gets them with its start-up sync
start_pair() {
	conf a 255 "$1"
	conf b 100 "$1"
	start_ka a
	wait_for 20 "a MASTER" is_state a MASTER
	gen_bindings $NB >"$WORK/bindings"
	ctl a import "$WORK/bindings" >/dev/null
	start_ka b
	wait_for 20 "b BACKUP" is_state b BACKUP
	wait_for 30 "b in sync with a ($NB bindings)" in_sync $NB
	# records are heard only from the master b follows, learnt from an
	# advert: until b has seen one, a's changes would be dropped (and only
	# repaired by a digest, which a holds back while its own start-up
	# fetch runs: see the report of this test's first runs)
	wait_for 20 "b follows a" follows_a
}
follows_a() { [ "$(state_val b master)" = $A_LL ]; }

T0=$(now_ms)
log "=== part 1: auth encrypt"
keys a 1:send 2
keys b 1:send 2
start_pair encrypt
check "auth on: a's bc and b's rbc: same count and digest ($(tstate a))" [ "$(tstate a)" = "$(tstate b)" ]
check "auth on: show a --bc == show b" same_table a b --bc
check "auth on: a sealed messages" counter_ge a auth_sealed 1
check "auth on: b opened them" counter_ge b auth_opened 1

log "--- encryption: nothing of a known binding in clear on b's link"
cap_start b enc
ctl a add $K $KC 3600 5 AH
wait_for 10 "$K on b" has b $K "$K $KC 5 AH"
cap_stop enc
bc_lines enc >"$WORK/enc.bc"
check "capture: BC traffic seen ($(wc -l <"$WORK/enc.bc") packets)" [ -s "$WORK/enc.bc" ]
check "capture: only protected extension messages (type 12, first section AUTH)" \
	sh -c "! awk '\$4 != 12 || substr(\$6, 17, 2) != \"06\"' '$WORK/enc.bc' | grep -q ."
check "capture: the HoA's bytes nowhere" sh -c "! grep -q $K_HEX '$WORK/enc.bc'"
check "capture: the CoA's bytes nowhere" sh -c "! grep -q $KC_HEX '$WORK/enc.bc'"
# the update that carried K: a's first non-digest message after the add
awk '$2=="fe80::1" && $4==12 && $5 < 500 {print $6; exit}' "$WORK/enc.bc" >"$WORK/update.hex"
check "capture: a's protected update of $K captured ($(wc -c <"$WORK/update.hex") hex digits)" \
	[ -s "$WORK/update.hex" ]
UPD=$(cat "$WORK/update.hex")

log "--- (a) forged add from inj's own link-local"
snap
inject inj -q -s $INJ_LL -R 2001:db8:666::1,2001:db8:667::1,1,3600
barrier
for x in a b; do by "(a) forged add" $x rx_unauthenticated 1; done
by "(a) forged add" b rx_rec_added 0
kept "(a) forged add"
check "(a) forged add: not stored" gone b 2001:db8:666::1

log "--- (b) hijack of $H0 with a higher seq, spoofing a's source"
add_ll $A_LL
snap
inject inj -q -s $A_LL -R "$H0,2001:db8:666::2,$((H0S + 10)),3600"
barrier
# a itself refuses a packet with its own source address first (bad_source)
by "(b) hijack" a rx_bad_source 1
by "(b) hijack" b rx_unauthenticated 1
kept "(b) hijack"
check "(b) hijack: $H0 keeps its CoA and seq on b" has b $H0 "$H0 $H0C $H0S AH"

log "--- (c) forged delete of $H0 spoofing a"
snap
inject inj -q -s $A_LL -R "$H0,$H0C,$((H0S + 1)),0"
barrier
by "(c) forged delete" a rx_bad_source 1
by "(c) forged delete" b rx_unauthenticated 1
kept "(c) forged delete"
check "(c) forged delete: $H0 still on b" has b $H0 "$H0 $H0C $H0S AH"

log "--- (d) AUTH sections that do not verify, spoofing a"
snap
inject inj -q -s $A_LL -x "$(fake_auth 01 00 $GARB_MIPV6)"
barrier
by "(d) bad tag" a rx_bad_source 1
by "(d) bad tag" b rx_auth_failed 1
by "(d) bad tag" b auth_bad_tag 1
kept "(d) bad tag"
snap
inject inj -q -s $A_LL -x "$(fake_auth 09 00 $GARB_MIPV6)"
barrier
by "(d) unknown key 9" a rx_bad_source 1
by "(d) unknown key 9" b rx_auth_failed 1
by "(d) unknown key 9" b auth_unknown_key 1
by "(d) unknown key 9" b auth_bad_tag 0
kept "(d) unknown key 9"
snap
inject inj -q -s $A_LL -x "$(fake_auth 01 01 $GARB_MIPV6)"
barrier
by "(d) reserved byte set" a rx_bad_source 1
by "(d) reserved byte set" b rx_auth_failed 1
by "(d) reserved byte set" b auth_malformed 1
kept "(d) reserved byte set"

log "--- (e) replay of a's captured update after $K was updated"
ctl a add $K $KC2 3600 6 AH
wait_for 10 "$K updated on b" has b $K "$K $KC2 6 AH"
snap
inject inj -q -s $A_LL -x "$UPD"
barrier
by "(e) replay" b rx_auth_failed 1
rp=$(($(delta b auth_replay "$WORK/b.c") + $(delta b auth_too_old "$WORK/b.c")))
check "(e) replay: b auth_replay + auth_too_old +1 ($rp: replay $(delta b auth_replay "$WORK/b.c"))" [ "$rp" -eq 1 ]
by "(e) replay" b auth_opened 0
kept "(e) replay"
check "(e) replay: b keeps the update of $K" has b $K "$K $KC2 6 AH"
by "(e) its own message replayed to a: refused as its own source" a rx_bad_source 1
by "(e) its own message replayed to a: never opened" a auth_opened 0
del_ll $A_LL

log "--- (f) from a global source"
snap
inject inj -q -s $INJ_GLOBAL -R "$H0,2001:db8:666::3,$((H0S + 20)),3600"
inject inj -q -s $INJ_GLOBAL -x "$UPD"
barrier
for x in a b; do by "(f) global source" $x rx_bad_source 2; done
kept "(f) global source"

log "--- (g) 2004 forged requests over ~5 s from 4 spoofed link-local sources"
SRCS="fe80::a1 fe80::a2 fe80::a3 fe80::a4"
# shellcheck disable=SC2086 # a list of addresses
add_ll $SRCS
snap
FP=""
t0=$(now_ms)
for s in $SRCS; do
	inject inj -q -s "$s" -t 14 -n 167 -w 30000 &
	FP="$FP $!"
	inject inj -q -s "$s" -x $EXT_REQ -n 167 -w 30000 &
	FP="$FP $!"
	inject inj -q -s "$s" -x "$(fake_auth 01 00 $GARB_REQ)" -n 167 -w 30000 &
	FP="$FP $!"
done
for p in $FP; do bg_started "$p"; done
for p in $FP; do wait "$p" || die "bc-inject of the flood failed"; done
log "flood sent in $(($(now_ms) - t0)) ms"
barrier
for x in a b; do
	by "(g) flood" $x rx_unauthenticated 1336
	by "(g) flood" $x rx_auth_failed 668
	by "(g) flood" $x auth_bad_tag 668
done
by "(g) flood" a rx_request 0
by "(g) flood" a full_syncs 0
by "(g) flood" a tx_records 0
kept "(g) flood"
# shellcheck disable=SC2086
del_ll $SRCS
log "part 1 done at $(($(now_ms) - T0)) ms"

log "=== part 3: key rollover while adds stream into a"
for x in a b; do stats_to $x "$WORK/$x.roll"; done
nreload() { grep -c 'Reload complete' "$WORK/$1/keepalived.log" || true; }
reloaded() { [ "$(nreload "$1")" -gt "$2" ]; }
# hup NODE: SIGHUP and wait for keepalived to say the reload is complete
hup() {
	r0=$(nreload "$1")
	reload "$1"
	wait_for 20 "$1 reloaded" reloaded "$1" "$r0"
}
# added_since N: b's rx_rec_added is at least N
added_since() { counter_ge b rx_rec_added "$1"; }
# phase: wait until b took 10 more of the streamed adds (so every key
# configuration below carried traffic that b accepted)
phase() {
	wait_for 20 "10 more adds on b ($1)" added_since $(($(counter b rx_rec_added) + 10))
}
cap_start b roll
rm -f "$WORK/adds.stop"
(
	i=0
	while [ ! -e "$WORK/adds.stop" ] && [ $i -lt 5000 ]; do
		ctl a add "2001:db8:70:$i::1" "2001:db8:71:$i::1" 3600 1 AH >/dev/null || exit 1
		i=$((i + 1))
		echo $i >"$WORK/adds.n"
	done
) &
ADDER=$!
bg_started $ADDER
phase "keys {1 send, 2} on both"
keys a 1 2:send
hup a
phase "a signs with 2, b with 1"
keys b 1 2:send
hup b
phase "both sign with 2"
keys a 2:send
hup a
phase "a has only key 2"
keys b 2:send
hup b
phase "both have only key 2"
touch "$WORK/adds.stop"
wait "$ADDER" || die "the stream of adds failed"
NR=$(cat "$WORK/adds.n")
log "rollover done, $NR adds streamed during it"
wait_for 30 "b in sync with a after the rollover" in_sync $((NB + 1 + NR))
cap_stop roll
check "rollover: a's bc == b's rbc (count, digest: $(tstate a))" [ "$(tstate a)" = "$(tstate b)" ]
check "rollover: show a --bc == show b" same_table a b --bc
for x in a b; do
	check "rollover: $x auth_bad_tag +0" [ "$(delta $x auth_bad_tag "$WORK/$x.roll")" -eq 0 ]
	check "rollover: $x auth_unknown_key +0" [ "$(delta $x auth_unknown_key "$WORK/$x.roll")" -eq 0 ]
	check "rollover: $x rx_auth_failed +0" [ "$(delta $x rx_auth_failed "$WORK/$x.roll")" -eq 0 ]
done
# the key id byte (offset 12) of a's messages: 1 at first, 2 at the end
awk '$2=="fe80::1" && $4==12 {print substr($6, 25, 2)}' "$WORK/roll.hex" | uniq >"$WORK/roll.keys"
check "rollover: a signed with key 1, then key 2 ($(tr '\n' ' ' <"$WORK/roll.keys"))" \
	[ "$(tr '\n' ' ' <"$WORK/roll.keys")" = "01 02 " ]
add_ll $A_LL
snap
inject inj -q -s $A_LL -x "$UPD"
barrier
by "key 1 removed: a captured key-1 message" b auth_unknown_key 1
kept "key 1 removed"
del_ll $A_LL
log "part 3 done at $(($(now_ms) - T0)) ms"

# answers_done: a has nothing queued any more
answers_done() { [ "$(state_val a backlog)" = 0 ]; }

log "=== part 2: auth off (both restarted)"
crash b
crash a
start_pair off
check "auth off: a's bc and b's rbc equal ($(tstate a))" [ "$(tstate a)" = "$(tstate b)" ]

log "--- (j) the HoA/CoA bytes in clear without auth"
cap_start b clear
ctl a add $K2 $K2C 3600 5 AH
wait_for 10 "$K2 on b" has b $K2 "$K2 $K2C 5 AH"
cap_stop clear
bc_lines clear >"$WORK/clear.bc"
check "(j) capture: the HoA's bytes visible" grep -q $K2_HEX "$WORK/clear.bc"
check "(j) capture: the CoA's bytes visible" grep -q $K2C_HEX "$WORK/clear.bc"
NB=$((NB + 1))


log "--- (h) forged update from inj's own link-local"
snap
inject inj -q -s $INJ_LL -R "$H0,2001:db8:666::4,$((H0S + 10)),3600"
barrier
by "(h) not the master" b rx_not_master 1
by "(h) not the master" a rx_update_ignored 1
kept "(h) not the master"
check "(h): $H0 keeps its CoA on b" has b $H0 "$H0 $H0C $H0S AH"

log "--- (i) 100 requests at once from one source: its rate limit"
add_ll fe80::c1
wait_for 30 "a idle" answers_done
snap
inject inj -q -s fe80::c1 -t 14 -n 100
barrier
t1=$(now_ms)
req=$(delta a rx_request "$WORK/a.c") rl=$(delta a rx_rate_limited "$WORK/a.c")
ig=$(delta a rx_request_ignored "$WORK/a.c")
log "(i) one source: rx_request +$req rx_rate_limited +$rl rx_request_ignored +$ig"
check "(i) one source: every request admitted, rate limited or refused by the full queue ($req + $rl + $ig)" \
	[ $((req + rl + ig)) -eq 100 ]
check "(i) one source: at least 100 - 16 (burst) - 2 (refill) rate limited ($rl)" [ "$rl" -ge 82 ]
wait_for 30 "a's answers to fe80::c1 done" answers_done
del_ll fe80::c1

log "--- (i) a flood of requests from 8 spoofed link-local sources"
SRCS="fe80::b1 fe80::b2 fe80::b3 fe80::b4 fe80::b5 fe80::b6 fe80::b7 fe80::b8"
# shellcheck disable=SC2086 # a list of addresses
add_ll $SRCS
wait_for 30 "a idle" answers_done
cap_start a ans
snap
FP=""
t0=$(now_ms)
for s in $SRCS; do
	inject inj -q -s "$s" -t 14 -n 125 -w 40000 &
	FP="$FP $!"
	inject inj -q -s "$s" -x $EXT_REQ -n 125 -w 40000 &
	FP="$FP $!"
done
for p in $FP; do bg_started "$p"; done
for p in $FP; do wait "$p" || die "bc-inject of the flood failed"; done
log "flood sent in $(($(now_ms) - t0)) ms"
barrier
wait_for 30 "a's answers done" answers_done
t1=$(now_ms)
cap_stop ans
el=$(((t1 - t0 + 999) / 1000))
fs=$(delta a full_syncs "$WORK/a.c") txr=$(delta a tx_records "$WORK/a.c")
log "(i) flood: ${el} s, rx_request +$(delta a rx_request "$WORK/a.c") rx_rate_limited +$(delta a rx_rate_limited "$WORK/a.c") rx_request_ignored +$(delta a rx_request_ignored "$WORK/a.c") full_syncs +$fs tx_records +$txr"
check "(i) flood: a answered" [ "$fs" -ge 1 ]
check "(i) flood: full_syncs +$fs <= ${el} s + 3" [ "$fs" -le $((el + 3)) ]
check "(i) flood: tx_records +$txr <= (${el} + 3) tables of $NB" [ "$txr" -le $(((el + 3) * NB)) ]
check "(i) flood: rate limited per source" counter_ge a rx_rate_limited $(($(awk '$1=="rx_rate_limited"{print $2}' "$WORK/a.c") + 1))
ab=$(awk '$1=="out" && ($4==12 || $4==15) {s += $5} END {print s + 0}' "$WORK/ans.hex")
check "(i) flood: a's BC bytes out $ab <= (${el} + 3) tables of $NB x 64 bytes" [ "$ab" -le $(((el + 3) * NB * 64)) ]
kept "(i) flood"
# shellcheck disable=SC2086
del_ll $SRCS

log "--- (k) lost updates: one repair at the next digest brings b back"
# b drops a's BC_UPDATEs and extension messages (not the adverts) while 200
# bindings are added on a; once a has sent them all, the drop goes, and the
# next digest must repair every missing bucket in one repair (a repair
# used to ask only the first 32 runs of differing buckets, 2 s apart)
ns b nft -f - <<N
table ip6 ihts_loss {
	chain in {
		type filter hook input priority 0; policy accept;
		meta l4proto 112 @th,0,8 { 0x3c, 0x3f } counter drop
	}
}
N
stats_to b "$WORK/b.k"
gen_bindings 200 1000 >"$WORK/more"
ctl a import "$WORK/more" >/dev/null
wait_for 30 "a sent the 200 bindings" answers_done
check "(k) b lost them (rbc $(state_val b rbc))" [ "$(state_val b rbc)" = "$NB" ]
ns b nft delete table ip6 ihts_loss
t0=$(now_ms)
NB=$((NB + 200))
wait_for 30 "b repaired" in_sync $NB
log "(k) repaired in $(($(now_ms) - t0)) ms: sync_repairs +$(delta b sync_repairs "$WORK/b.k") sync_rounds +$(delta b sync_rounds "$WORK/b.k")"
check "(k) one repair (sync_repairs +$(delta b sync_repairs "$WORK/b.k"))" [ "$(delta b sync_repairs "$WORK/b.k")" -le 1 ]
check "(k) show a --bc == show b" same_table a b --bc

check "a: keepalived alive" alive a
check "b: keepalived alive" alive b
log "total $(($(now_ms) - T0)) ms"
finish
