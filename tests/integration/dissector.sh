#!/bin/sh
# dissector.sh - contrib/wireshark/vrrp-ha.lua against the real wire and
# against hand-made malformed packets.
#
# Two patched keepalived (the owner a, 255, and the backup b, 100, as in
# replication.sh) on the lib.sh bridge; tshark captures on the bridge. a gets
# bindings imported, one deleted, one re-registered with a lower sequence
# number (an extension message with NEW + MIPV6). b (extensions on, so its
# fetch is a framed REQUEST) is then restarted: REQUEST, START, the records,
# END with its DIGEST, CAPS answers with TABLE; a's periodic DIGEST message
# (digest_interval 500 ms). A third namespace, c, injects two protected
# messages (AUTH first, integrity and encrypt). The capture is then decoded
# with the dissector and the fields are compared with what was sent.
# Then a pcap of hand-made packets (written by this script, no tool needed)
# checks that malformed input gets expert info and never a Lua error.
TEST_NAME=dissector
. "$(dirname "$0")/lib.sh"

command -v tshark >/dev/null 2>&1 || skip "tshark not installed"
LUA=$(cd "$(dirname "$0")/../.." && pwd)/contrib/wireshark/vrrp-ha.lua
[ -r "$LUA" ] || skip "$LUA not found"
# tshark with Lua, and the dissector loads (its fields are registered)
tshark -G fields -X "lua_script:$LUA" 2>"$WORK/G.err" | grep -q '	vrrpha\.hoa	' ||
	skip "tshark cannot load $LUA (built without Lua?): $(head -3 "$WORK/G.err")"

# ts ARGS...: tshark with the dissector on a file, stderr kept apart
ts() { tshark -X "lua_script:$LUA" "$@" 2>>"$WORK/tshark.err"; }
# nrows FILE FILTER: number of packets matching FILTER
nrows() { ts -r "$1" -Y "$2" -T fields -e frame.number | grep -c . || true; }

H1=2001:db8:bb::1 H2=2001:db8:bb::2 H3=2001:db8:bb::3 H4=2001:db8:bb::4
cat >"$WORK/import" <<EOF
$H1 2001:db8:cc::1 3600 10 AH
$H2 2001:db8:cc::2 600 20 H
$H3 2001:db8:cc::3 120 30 AHK
$H4 2001:db8:cc::4 1000 40 HP
EOF

setup_bridge
add_node a 1
add_node b 2
add_node c 3 # no keepalived: the source of the crafted AUTH messages
write_conf a 255 1 "digest_interval 500"
write_conf b 100 1 "extensions on
        digest_interval 500"

log "--- capture on the bridge (br0), then the two nodes"
CAP=$WORK/wire.pcapng
ip netns exec "${PFX}br" tshark -i br0 -w "$CAP" -a duration:100 >"$WORK/cap.out" 2>"$WORK/cap.err" &
CAP_PID=$!
bg_started $CAP_PID
wait_for 15 "capture running" grep -q "Capturing on" "$WORK/cap.err"
# captured NFILTER: the live file (flushed by dumpcap as it goes) holds a
# packet matching the filter
captured() { [ "$(nrows "$CAP" "$1")" -ge 1 ]; }
# captured_ge N FILTER: at least N such packets
captured_ge() { [ "$(nrows "$CAP" "$2")" -ge "$1" ]; }

start_ka a
start_ka b
wait_for 10 "a MASTER" is_state a MASTER
wait_for 10 "b BACKUP" is_state b BACKUP
wait_for 10 "b learns a speaks extensions" grep -q "a peer speaks extensions" "$WORK/b/keepalived.log"

log "--- import, delete, re-register with a lower sequence number"
ctl a import "$WORK/import" >/dev/null
wait_for 10 "4 bindings on b" rbc_is b 4
ctl a del $H2 >/dev/null
gone() { [ -z "$(entry "$1" "$2")" ]; }
wait_for 10 "$H2 gone on b" gone b $H2
ctl a add $H2 2001:db8:cc::22 400 3 AH >/dev/null
has() { [ "$(entry "$1" "$2" | awk '{print $2, $3, $4}')" = "$3" ]; }
wait_for 10 "re-registration on b" has b $H2 "2001:db8:cc::22 3 AH"
wait_for 10 "the re-registration's NEW in the capture" captured "vrrpha.ext.new == $H2"

log "--- restart b: a framed fetch (REQUEST, START, records, END), CAPS answers with TABLE"
stop_ka b
start_ka b
wait_for 10 "b BACKUP again" is_state b BACKUP
wait_for 10 "4 bindings on b again" rbc_is b 4
wait_for 10 "b's fetch proven from a" grep -q "table complete from fe80::1: 4 bindings, proven" \
	"$WORK/b/keepalived.log"
wait_for 10 "the END of the answer in the capture" \
	captured "ipv6.src == fe80::1 && vrrpha.sync.phase == 2 && vrrpha.sync.records == 4"
wait_for 10 "a's periodic DIGEST (4 live entries) in the capture" \
	captured "ipv6.src == fe80::1 && vrrpha.digest.n == 4096 && vrrpha.digest.count == 4 && !vrrpha.sync.phase"

log "--- crafted protected messages from c (fe80::3): AUTH integrity, AUTH encrypt"
# integrity (mode 2, ChaCha20-Poly1305, key 1, seq 1735689600:5): the
# payload in clear, SYNC START id 9 and a DIGEST; the tag is made up (the
# dissector shows it, it cannot verify it; b, auth off, drops the message:
# auth_not_configured)
AUTH_I="3c330103 00000000 06010020 01020200 00000000 67748580 00000005 f6ba61a1115ac51a1a10d4ed0ba66ac5"
AUTH_I="$AUTH_I 08010010 00000009 01020001 00000004 00000000 09010010 00001000 00000004 0123456789abcdef"
# encrypt (mode 1, AES-256-GCM): tests/unit/test_auth.c's known answer, a
# NEW section encrypted (20 bytes)
AUTH_E="3c330102 00000000 06010020 01010100 00000000 67748580 00000005 f062f6fdc8def0598645fe9c0b52b069"
AUTH_E="$AUTH_E cba5a81bfc87acc95ffd7559a60382cf5774125b"
inject c -s fe80::3 -q -x "$(echo $AUTH_I | tr -d ' ')"
inject c -s fe80::3 -q -x "$(echo $AUTH_E | tr -d ' ')"
wait_for 10 "both AUTH messages in the capture" captured_ge 2 "ipv6.src == fe80::3 && vrrpha.auth.key_id"

# everything of interest is on the wire before the capture stops: one
# advert after it all
last=$(ts -r "$CAP" -T fields -e frame.number | tail -1)
wait_for 10 "an advert after it in the capture" captured "frame.number > $last && vrrp.type == 1"
kill -INT $CAP_PID 2>/dev/null
wait_for 10 "capture to stop" sh -c "! kill -0 $CAP_PID 2>/dev/null"
wait $CAP_PID 2>/dev/null || true
log "captured $(ts -r "$CAP" -T fields -e frame.number | grep -c .) packets"

# everything the dissector says about the capture, for the checks below and
# for a human reading a failure
ts -r "$CAP" >"$WORK/wire.txt"
ts -r "$CAP" -V >"$WORK/wire.V"

log "--- BC_UPDATE fields match what was imported"
# one line per record of every BC_UPDATE: hoa coa seq lifetime lifetime_s flags
ts -r "$CAP" -Y "vrrpha.type == 15" -T fields -E occurrence=a -E aggregator=' ' -E separator=';' \
	-e vrrpha.count -e vrrpha.hoa -e vrrpha.coa -e vrrpha.seq -e vrrpha.lifetime -e vrrpha.lifetime_s \
	-e vrrpha.flags >"$WORK/upd.fields"
awk -F';' '{
	n = split($2, h, " "); split($3, c, " "); split($4, s, " "); split($5, l, " ")
	split($6, ls, " "); split($7, f, " ")
	if (n != $1) print "COUNT-MISMATCH", $1, n
	for (i = 1; i <= n; i++) print h[i], c[i], s[i], l[i], ls[i], f[i]
}' "$WORK/upd.fields" >"$WORK/upd.recs"
check "BC_UPDATE: # of Bindings equals the records shown in every packet" \
	sh -c "! grep -q COUNT-MISMATCH '$WORK/upd.recs' && [ -s '$WORK/upd.recs' ]"
# rec HOA COA SEQ LIFETIME_S FLAGS: a record with these values (lifetime in 4 s
# units rounded up, so LIFETIME_S/4 or one unit less once time has passed)
rec() {
	u=$(($4 / 4))
	awk -v h="$1" -v c="$2" -v s="$3" -v u="$u" -v fl="$5" \
		'$1 == h && $2 == c && $3 == s && ($4 == u || $4 == u - 1) && $5 == 4 * $4 && $6 == fl { f = 1 }
		END { exit !f }' "$WORK/upd.recs"
}
check "BC_UPDATE: $H1 cc::1 seq 10 lifetime 900 (3600 s) flags 0xc000" rec $H1 2001:db8:cc::1 10 3600 0xc000
check "BC_UPDATE: $H2 cc::2 seq 20 lifetime 150 (600 s) flags 0x4000" rec $H2 2001:db8:cc::2 20 600 0x4000
check "BC_UPDATE: $H3 cc::3 seq 30 lifetime 30 (120 s) flags 0xd000" rec $H3 2001:db8:cc::3 30 120 0xd000
check "BC_UPDATE: $H4 cc::4 seq 40 lifetime 250 (1000 s) flags 0x4200" rec $H4 2001:db8:cc::4 40 1000 0x4200
check "BC_UPDATE: the delete of $H2 (lifetime 0, seq 20)" \
	awk -v h=$H2 '$1 == h && $3 == 20 && $4 == 0 && $5 == 0 { f = 1 } END { exit !f }' "$WORK/upd.recs"
check "BC_UPDATE: the re-registration $H2 cc::22 seq 3 lifetime 100 flags 0xc000" \
	rec $H2 2001:db8:cc::22 3 400 0xc000
check "BC_UPDATE: a delete is marked vrrpha.delete" [ "$(nrows "$CAP" "vrrpha.type == 15 && vrrpha.delete")" -ge 1 ]
check "BC_UPDATE: flag bits filterable (vrrpha.flags.k on $H3)" \
	[ "$(nrows "$CAP" "vrrpha.type == 15 && vrrpha.flags.k && vrrpha.hoa == $H3")" -ge 1 ]
check "BC_UPDATE: Reserved is 0 in every record" \
	[ "$(nrows "$CAP" "vrrpha.type == 15 && vrrpha.reserved != 0")" -eq 0 ]
check "BC_UPDATE: the Info column names it" grep -q "VRRP_BC_UPDATE vrid 51, " "$WORK/wire.txt"

log "--- BC_REQUEST shown as such, adverts as adverts"
check "BC_REQUEST: $(nrows "$CAP" "vrrpha.type == 14") packet(s) (vrid 51, 8 bytes)" \
	[ "$(nrows "$CAP" "vrrpha.type == 14 && vrrpha.vrid == 51 && ipv6.plen == 8")" -ge 1 ]
check "BC_REQUEST: Info column VRRP_BC_REQUEST" grep -q "VRRP-HA .* VRRP_BC_REQUEST vrid 51" "$WORK/wire.txt"
check "no packet of ours left to the VRRP dissector (type != 1)" [ "$(nrows "$CAP" "vrrp && vrrp.type != 1")" -eq 0 ]
check "no 'priority 0' VRRP packet" [ "$(nrows "$CAP" "vrrp.prio == 0")" -eq 0 ]
check "no VRRP-HA tree on an advert" [ "$(nrows "$CAP" "vrrpha && vrrp")" -eq 0 ]
ts -r "$CAP" -Y "vrrp.type == 1" -T fields -e vrrp.version -e vrrp.virt_rtr_id -e vrrp.prio -e vrrp.ipv6_addr \
	>"$WORK/adverts"
check "adverts decode as VRRPv3 adverts from a: vrid 51 priority 255 ($(wc -l <"$WORK/adverts"))" \
	grep -q "^3	51	255	" "$WORK/adverts"
check "adverts carry the virtual addresses" grep -q "$VHA" "$WORK/adverts"
check "Info column of an advert: Announcement" grep -q "VRRP .*Announcement (v3)" "$WORK/wire.txt"

log "--- extension messages"
check "CAPS section with SOLICIT (kind 1)" \
	[ "$(nrows "$CAP" "vrrpha.type == 12 && vrrpha.ext.kind == 1 && vrrpha.caps.solicit")" -ge 1 ]
check "CAPS answer without SOLICIT, kinds 0x7ffe" \
	[ "$(nrows "$CAP" "vrrpha.ext.kind == 1 && vrrpha.caps.solicit == 0 && vrrpha.caps.kinds == 0x7ffe")" -ge 1 ]
check "NEW (kind 3) + MIPV6 (kind 2) for the re-registration of $H2, marked NEW" \
	[ "$(nrows "$CAP" "vrrpha.ext.kind == 3 && vrrpha.ext.kind == 2 && vrrpha.ext.new == $H2 && vrrpha.hoa == $H2 && vrrpha.seq == 3 && vrrpha.coa == 2001:db8:cc::22 && vrrpha.ext.is_new")" -ge 1 ]
check "extension header: version 1, sections = sections shown" \
	[ "$(nrows "$CAP" "vrrpha.type == 12 && (vrrpha.ext.version != 1 || vrrpha.ext.reserved != 0)")" -eq 0 ]
check "extension records: MIPV6 40 (no options), NEW/SYNC/DIGEST 16, CAPS 8, REQUEST/TABLE 24, RANGE 4, AUTH 32" \
	[ "$(nrows "$CAP" "vrrpha.type == 12 && !(vrrpha.ext.len == 4 || vrrpha.ext.len == 8 || vrrpha.ext.len == 16 || vrrpha.ext.len == 24 || vrrpha.ext.len == 32 || vrrpha.ext.len == 40)")" -eq 0 ]
check "Info column lists the sections" grep -q "EXTENSION vrid 51: .*NEW.*MIPV6\|EXTENSION vrid 51: .*MIPV6.*NEW" "$WORK/wire.txt"

log "--- framed sync: REQUEST, START, records, END + DIGEST, TABLE, periodic DIGEST"
# fields FILTER FIELD...: one line per packet, fields ';'-separated, the
# occurrences of a field space-separated
fields() {
	f=$1
	shift
	for e in "$@"; do set -- "$@" -e "$e"; shift; done
	ts -r "$CAP" -Y "$f" -T fields -E occurrence=a -E aggregator=' ' -E separator=';' "$@"
}
fields "vrrpha.request.id" frame.number ipv6.src vrrpha.request.id vrrpha.request.what vrrpha.request.table_kind \
	vrrpha.request.flags vrrpha.request.flags.full vrrpha.request.responder >"$WORK/req.fields"
fields "vrrpha.sync.id" frame.number ipv6.src ipv6.dst vrrpha.sync.id vrrpha.sync.phase vrrpha.sync.table_kind \
	vrrpha.sync.flags vrrpha.sync.records vrrpha.digest.first vrrpha.digest.n vrrpha.digest.count \
	vrrpha.digest.sum >"$WORK/sync.fields"
fields "vrrpha.table.kind" frame.number ipv6.src vrrpha.caps.solicit vrrpha.table.kind vrrpha.table.vrrp_state \
	vrrpha.table.sync_state vrrpha.table.priority vrrpha.table.count vrrpha.table.sum >"$WORK/table.fields"
fields "vrrpha.digest.n && !vrrpha.sync.phase && !vrrpha.auth.key_id" frame.number ipv6.src ipv6.dst \
	vrrpha.ext.nsections vrrpha.digest.first vrrpha.digest.n vrrpha.digest.count vrrpha.digest.sum >"$WORK/digest.fields"
# b's fetch after its restart: REQUEST records (1), MIPV6 table (2), FULL, to :: (the master)
check "REQUEST from b: records, table MIPV6, FULL, responder :: ($(grep -c . "$WORK/req.fields") REQUEST(s))" \
	awk -F';' '$2 == "fe80::2" && $4 == 1 && $5 == 2 && $6 == "0x0001" && $7 == "1" && $8 == "::" { f = 1 } END { exit !f }' \
	"$WORK/req.fields"
check "REQUEST: Info column 'REQUEST records full to :: id N'" grep -q "EXTENSION vrid 51: REQUEST records full to :: id [1-9]" \
	"$WORK/wire.txt"
check "REQUEST: never request id 0" awk -F';' '$3 == 0 { f = 1 } END { exit f }' "$WORK/req.fields"
# the answer: START (live entries 4), then 4 BC_UPDATE records, then END
# (records sent 4) with one DIGEST 0+4096 of 4 entries; unicast to b, with
# b's last request id
rid=$(awk -F';' '$2 == "fe80::2" { id = $3 } END { print id }' "$WORK/req.fields")
st=$(awk -F';' -v id="$rid" '$2 == "fe80::1" && $4 == id && $5 == 1 && $6 == 2 && $7 == "0x0001" && $8 == 4 { print $1; exit }' \
	"$WORK/sync.fields")
en=$(awk -F';' -v id="$rid" '$2 == "fe80::1" && $4 == id && $5 == 2 && $6 == 2 && $7 == "0x0001" && $8 == 4 && $9 == "0" && $10 == "4096" && $11 == "4" { print $1; exit }' \
	"$WORK/sync.fields")
check "SYNC START from a: request id $rid, table MIPV6, FULL, 4 live entries (frame ${st:-none})" [ -n "$st" ]
check "SYNC END from a: request id $rid, FULL, 4 sent, DIGEST 0+4096 count 4 (frame ${en:-none})" [ -n "$en" ]
check "START and END go to the requester (fe80::2)" \
	[ "$(awk -F';' -v s="${st:-0}" -v e="${en:-0}" '($1 == s || $1 == e) && $3 == "fe80::2"' "$WORK/sync.fields" | grep -c .)" -eq 2 ]
check "between START and END: the 4 bindings in BC_UPDATEs to fe80::2" \
	[ "$(ts -r "$CAP" -Y "frame.number > ${st:-0} && frame.number < ${en:-0} && vrrpha.type == 15 && ipv6.dst == fe80::2" \
		-T fields -E occurrence=a -E aggregator=' ' -e vrrpha.hoa | tr ' ' '\n' | sort -u | grep -c .)" -eq 4 ]
check "SYNC: Info column 'SYNC START id $rid' and 'SYNC END id $rid ... DIGEST 0+4096 n=4'" \
	sh -c "grep -q 'EXTENSION vrid 51: SYNC START id $rid full n=4\$' '$WORK/wire.txt' &&
		grep -q 'EXTENSION vrid 51: SYNC END id $rid full n=4 DIGEST 0+4096 n=4\$' '$WORK/wire.txt'"
# TABLE after the CAPS of a CAPS answer (never of a solicit)
check "TABLE only in CAPS answers (no SOLICIT)" awk -F';' '$3 != "0" { f = 1 } END { exit f }' "$WORK/table.fields"
check "TABLE from a after the import: MIPV6, MASTER, in sync, priority 255, 4 entries" \
	awk -F';' '$2 == "fe80::1" && $4 == 2 && $5 == 2 && $6 == 0 && $7 == 255 && $8 == 4 { f = 1 } END { exit !f }' "$WORK/table.fields"
check "TABLE from b: BACKUP, priority 100" \
	awk -F';' '$2 == "fe80::2" && $5 == 1 && $7 == 100 { f = 1 } END { exit !f }' "$WORK/table.fields"
check "TABLE: Info column 'CAPS TABLE MASTER in_sync prio 255 n=4'" \
	grep -q "EXTENSION vrid 51: CAPS TABLE MASTER in_sync prio 255 n=4" "$WORK/wire.txt"
# the periodic DIGEST: one section, 65 records: 0+4096, then the 64 groups of 64
check "periodic DIGEST from a to ff02::12: $(grep -c . "$WORK/digest.fields") message(s), every one 0+4096 then 64 groups of 64" \
	awk -F';' '{ n++
		if ($2 != "fe80::1" || $3 != "ff02::12" || $4 != 1) bad++
		c = split($5, fi, " "); split($6, nn, " ")
		if (c != 65 || fi[1] != 0 || nn[1] != 4096) bad++
		for (i = 2; i <= c; i++) if (fi[i] != 64 * (i - 2) || nn[i] != 64) bad++
	} END { exit !(n >= 2 && !bad) }' "$WORK/digest.fields"
# ... whose group counts and sums (mod 2^64, in two 32-bit halves) add up to the first record's
check "periodic DIGEST: the 64 groups add up to the whole table's count and sum" \
	awk -F';' 'function hv(s, i, v, c) { v = 0; for (i = 1; i <= length(s); i++) { c = index("0123456789abcdef", tolower(substr(s, i, 1))) - 1; v = v * 16 + c }; return v }
	{ c = split($7, cn, " "); split($8, sm, " ")
		tc = 0; hi = 0; lo = 0
		for (i = 2; i <= c; i++) {
			tc += cn[i]; h = sm[i]; sub(/^0x/, "", h)
			lo += hv(substr(h, 9, 8)); hi += hv(substr(h, 1, 8))
		}
		hi = (hi + int(lo / 4294967296)) % 4294967296; lo = lo % 4294967296
		h = sm[1]; sub(/^0x/, "", h)
		if (tc != cn[1] || hi != hv(substr(h, 1, 8)) || lo != hv(substr(h, 9, 8))) bad++
	} END { exit bad }' "$WORK/digest.fields"
sumof() { awk -F';' -v c="$1" -v k="$2" '$c != "" { split($c, a, " "); v = a[k] } END { print v }'; }
dsum=$(sumof 8 1 <"$WORK/digest.fields")
esum=$(awk -F';' -v e="${en:-0}" '$1 == e { print $12 }' "$WORK/sync.fields")
tsum=$(awk -F';' '$2 == "fe80::1" && $8 == 4 { s = $9 } END { print s }' "$WORK/table.fields")
check "the same table digest in a's TABLE, END and periodic DIGEST ($tsum $esum $dsum)" \
	sh -c "[ -n '$dsum' ] && [ '$dsum' = '$esum' ] && [ '$dsum' = '$tsum' ]"
check "periodic DIGEST: Info column 'DIGEST 0+4096 n=4 [65 records]'" \
	grep -q "EXTENSION vrid 51: DIGEST 0+4096 n=4 \\[65 records\\]" "$WORK/wire.txt"

log "--- protected messages (AUTH first section)"
check "AUTH integrity: key 1, mode 2, ChaCha20-Poly1305, seq 1735689600:5, tag; inner SYNC START id 9 and DIGEST decoded" \
	[ "$(nrows "$CAP" "ipv6.src == fe80::3 && vrrpha.ext.kind == 6 && vrrpha.auth.key_id == 1 && vrrpha.auth.mode == 2 && vrrpha.auth.alg == 2 && vrrpha.auth.seq == 0x6774858000000005 && vrrpha.auth.seq.epoch == 1735689600 && vrrpha.auth.seq.counter == 5 && vrrpha.auth.tag == f6:ba:61:a1:11:5a:c5:1a:1a:10:d4:ed:0b:a6:6a:c5 && vrrpha.sync.id == 9 && vrrpha.sync.phase == 1 && vrrpha.digest.sum == 0x0123456789abcdef && vrrpha.auth.payload_len == 40 && !vrrpha.auth.payload")" -eq 1 ]
check "AUTH encrypt: key 1, mode 1, AES-256-GCM, 20-byte encrypted payload, nothing decoded inside" \
	[ "$(nrows "$CAP" "ipv6.src == fe80::3 && vrrpha.auth.key_id == 1 && vrrpha.auth.mode == 1 && vrrpha.auth.alg == 1 && vrrpha.auth.seq.counter == 5 && vrrpha.auth.payload_len == 20 && vrrpha.auth.payload && !vrrpha.ext.new && vrrpha.ext.kind == 6 && !(vrrpha.ext.kind == 3)")" -eq 1 ]
check "AUTH: Info columns" sh -c "grep -q 'EXTENSION vrid 51: AUTH integrity key 1 seq 1735689600:5: SYNC START id 9 full n=4 DIGEST 0+4096 n=4\$' '$WORK/wire.txt' &&
	grep -q 'EXTENSION vrid 51: AUTH encrypt key 1 seq 1735689600:5: encrypted payload (20 bytes)\$' '$WORK/wire.txt'"

log "--- nothing malformed, no Lua error, checksums good"
check "every VRRP-HA packet: hop limit 255, link-local source, to ff02::12 (answers: to the requester)" \
	[ "$(nrows "$CAP" "vrrpha && !(ipv6.hlim == 255 && ipv6.src == fe80::/10 && (ipv6.dst == ff02::12 || (ipv6.dst == fe80::2 && ipv6.src == fe80::1)))")" -eq 0 ]
check "every VRRP-HA checksum verified good" \
	[ "$(nrows "$CAP" "vrrpha && vrrpha.checksum.status != \"Good\"")" -eq 0 ]
check "no expert info above 'chat' on the live capture" \
	[ "$(nrows "$CAP" "vrrpha.malformed || vrrpha.bad_version || vrrpha.zero_count || vrrpha.bad_addr || vrrpha.reserved_nonzero || vrrpha.checksum.bad || vrrpha.ext.unknown_kind || vrrpha.ext.bad_section_len || vrrpha.ext.bad_record || vrrpha.opt.bad || vrrpha.internal || vrrpha.auth.bad || vrrpha.truncated")" -eq 0 ]
check "no 'Malformed' nor Lua error in the decode" \
	sh -c "! grep -qi 'malformed\|lua error\|internal error' '$WORK/wire.V' '$WORK/wire.txt'"
check "no _ws.malformed / _ws.lua" [ "$(nrows "$CAP" "_ws.malformed || _ws.lua")" -eq 0 ]

# ---- hand-made packets --------------------------------------------------------
log "--- hand-made packets: malformed input gets expert info, never a Lua error"
# pcap_file OUT < lines "HEX": a classic pcap (Ethernet), one IPv6 packet a
# line from fe80::1 to ff02::12, next header 112, hop limit 255; the VRRP
# checksum is computed unless the line starts with '!' (kept as given)
pcap_file() {
	awk '
	function hv(c) { return index("0123456789abcdef", tolower(c)) - 1 }
	function byte(s, i) { return hv(substr(s, 2 * i + 1, 1)) * 16 + hv(substr(s, 2 * i + 2, 1)) }
	function le32(v) { return sprintf("%02x%02x%02x%02x", v % 256, int(v / 256) % 256, int(v / 65536) % 256, int(v / 16777216)) }
	function be16(v) { return sprintf("%02x%02x", int(v / 256), v % 256) }
	function sum16(s, n, i, t) { t = 0; for (i = 0; i < n; i += 2) t += byte(s, i) * 256 + (i + 1 < n ? byte(s, i + 1) : 0); return t }
	BEGIN { out = "d4c3b2a1020004000000000000000000ffff000001000000"; src = "fe800000000000000000000000000001"; dst = "ff020000000000000000000000000012" }
	{
		keep = sub(/^!/, ""); gsub(/[ \t]/, ""); h = tolower($0); n = length(h) / 2
		if (!keep && n >= 8) {
			h = substr(h, 1, 12) "0000" substr(h, 17)
			t = sum16(src, 16) + sum16(dst, 16) + int(n / 65536) + n % 65536 + 112 + sum16(h, n)
			while (t > 65535) t = int(t / 65536) + t % 65536
			h = substr(h, 1, 12) be16(65535 - t) substr(h, 17)
		}
		fl = 14 + 40 + n
		out = out le32(NR) "00000000" le32(fl) le32(fl) "33330000001202000000000186dd60000000" be16(n) "70ff" src dst h
	}
	END {
		# as octal escapes for printf %b (no xxd needed)
		for (i = 0; i < length(out) / 2; i++) printf "\\0%03o", byte(out, i)
	}' >"$WORK/pcap.esc"
	printf '%b' "$(cat "$WORK/pcap.esc")" >"$1"
}
A=20010db800bb00000000000000000001 C=20010db800cc00000000000000000001
M=ff020000000000000000000000000001 L=fe800000000000000000000000000009
MIPREC="0384 000a c000 0000 $A $C" # a good 40-byte binding
MNID=0810016d6e31406578616d706c652e6f7267 # MN-ID option, NAI "mn1@example.org"
HNP=1612004020010db800dd0000000000000000000 HNP=${HNP}0
TS=1b08000067890abc8000 # Timestamp 0x000067890abc.8000
VEND=130700000d7c0101ff # Vendor-Specific: vendor 3452, subtype 1, data 01 ff
# (expected expert or field) | hex of the VRRP message
cat >"$WORK/cases" <<EOF
vrrpha.malformed|3e33
vrrpha.malformed|3f330001000000
vrrpha.malformed|3e330000 00000000 00000000
vrrpha.zero_count|3f330000 00000000
vrrpha.malformed|3f330002 00000000 $MIPREC
vrrpha.malformed|3f330001 00000000 $MIPREC 0102
vrrpha.bad_addr|3f330001 00000000 0384 000a c000 0000 $M $C
vrrpha.bad_addr|3f330001 00000000 0384 000a c000 0000 $A $L
vrrpha.bad_addr|3f330001 00000000 0384 000a c000 0000 $A $A
vrrpha.delete|3f330001 00000000 0000 000b c000 0000 $A $A
vrrpha.reserved_nonzero|3f330001 00000000 0384 000a c000 8000 $A $C
vrrpha.bad_version|2f330001 00000000 $MIPREC
vrrpha.checksum.bad|!3e330000 0000dead
vrrpha.malformed|3c330201 00000000 01010008 01000000 0000003e
vrrpha.malformed|3c330100 00000000
vrrpha.malformed|3c330101 00000000 0201
vrrpha.malformed|3c330101 00000000 02020028 $MIPREC
vrrpha.malformed|3c330101 00000000 02000028
vrrpha.malformed|3c330102 00000000 03010010 $A
vrrpha.malformed|3c330101 00000000 03010010 $A 030100
vrrpha.malformed|3c330101 00000000 03010010 $A 03010010 $A
vrrpha.ext.unknown_kind|3c330102 00000000 1f020003 aabbccddeeff 03010010 $A
vrrpha.ext.unknown_kind|3c330101 00000000 1d050000
vrrpha.ext.bad_section_len|3c330101 00000000 01010009 01000000 0000003e 00
vrrpha.ext.bad_section_len|3c330101 00000000 0301000f 20010db800bb000000000000000000
vrrpha.opt.bad|3c330101 00000000 0201002c $MIPREC 0108 0000
vrrpha.opt.bad|3c330101 00000000 0201002b $MIPREC 1b0100
vrrpha.opt.bad|3c330101 00000000 02010029 $MIPREC 16
vrrpha.opt.hi == 5|3c330101 00000000 02010031 $MIPREC 00 0102 0000 170200 05
vrrpha.ext.bad_record|3c330101 00000000 03010010 $M
vrrpha.ext.bad_record|3c330101 00000000 03010010 $A
vrrpha.ext.bad_record|3c330101 00000000 0401001c 0384 4200 03 00 0000 00000001 $C
vrrpha.ext.bad_record|3c330101 00000000 0401002e 0384 4200 03 00 0000 00000001 $C $MNID
vrrpha.opt.mnid.str == "mn1@example.org" && vrrpha.opt.hnp.plen == 64 && vrrpha.opt.ts == 0x000067890abc8000 && vrrpha.opt.att == 4 && vrrpha.opt.lla == fe80::9 && vrrpha.opt.llid && vrrpha.opt.vendor.id == 3452 && !vrrpha.ext.bad_record && !vrrpha.opt.bad|3c330101 00000000 0401007c 0384 4200 03 00 0000 00000001 $C $MNID $HNP $TS 170200 03 180200 04 190700 020000000001 1a10 $L $VEND 00 0101 00
vrrpha.opt.bad|3c330101 00000000 04010042 0384 4200 03 00 0000 00000001 $C $MNID 1612 0081 $C
vrrpha.hoa == 2001:db8:bb::1 && vrrpha.attach.owner == 2 && vrrpha.opt.vendor.subtype == 1 && !vrrpha.ext.bad_record|3c330101 00000000 05010025 02 02 0000 00000007 0384 0000 $A $VEND
vrrpha.ext.bad_record|3c330101 00000000 0501000c 07 01 0000 00000007 0384 0000
vrrpha.ext.bad_record|3c330101 00000000 05010010 02 01 0000 00000007 0384 0000 $(echo $A | cut -c1-8)
vrrpha.attach.owner == 4 && !vrrpha.ext.bad_record|3c330101 00000000 05010032 04 01 0000 00000001 0000 0000 $MNID $HNP
vrrpha.ext.bad_record|3c330101 00000000 05010020 04 01 0000 00000001 0000 0000 $HNP
vrrpha.ext.kind == 30 && vrrpha.ext.kind == 2 && vrrpha.ext.kind == 5 && !vrrpha.malformed|3c330103 00000000 02010028 $MIPREC 1e010000 0501000c 02 01 0000 00000001 0001 0000
vrrpha.request.id == 5 && vrrpha.request.what == 2 && vrrpha.request.flags.full == 0 && vrrpha.request.responder == fe80::9 && vrrpha.range.first == 64 && vrrpha.range.n == 64 && !vrrpha.ext.bad_record && !vrrpha.malformed|3c330102 00000000 07010018 00000005 02 02 0000 $L 0a020004 0040 0040 0fc0 0040
vrrpha.ext.bad_record|3c330101 00000000 07010018 00000005 03 02 0001 00000000000000000000000000000000
vrrpha.ext.bad_record|3c330101 00000000 07010018 00000005 01 02 0001 $A
vrrpha.ext.bad_section_len|3c330101 00000000 07010014 00000005 01 02 0001 0000000000000000000000000000
vrrpha.sync.phase == 2 && vrrpha.sync.flags.merge && vrrpha.sync.records == 7 && !vrrpha.ext.bad_record|3c330101 00000000 08010010 00000003 02 02 0003 00000007 00000000
vrrpha.ext.bad_record|3c330101 00000000 08010010 00000003 03 02 0001 00000007 00000000
vrrpha.reserved_nonzero|3c330101 00000000 08010010 00000003 01 02 0001 00000007 00000001
vrrpha.ext.bad_section_len|3c330101 00000000 0801000c 00000003 01 02 0001 00000007
vrrpha.ext.bad_record|3c330101 00000000 09010010 0fa0 0064 00000001 0000000000000001
vrrpha.ext.bad_record|3c330101 00000000 09010010 0000 0000 00000001 0000000000000001
vrrpha.ext.bad_record|3c330102 00000000 07010018 00000005 01 02 0000 $L 0a010004 1000 0001
vrrpha.table.kind == 2 && vrrpha.table.vrrp_state == 3 && vrrpha.table.sync_state == 2 && vrrpha.table.priority == 90 && vrrpha.table.count == 7 && vrrpha.table.sum == 0xfedcba9876543210 && !vrrpha.reserved_nonzero|3c330101 00000000 0b010018 02 03 02 5a 00000007 fedcba9876543210 00000000 00000000
vrrpha.reserved_nonzero|3c330101 00000000 0b010018 02 02 00 ff 00000007 fedcba9876543210 00000001 00000000
vrrpha.auth.mode == 2 && vrrpha.auth.alg == 2 && vrrpha.auth.seq.epoch == 1735689600 && vrrpha.auth.seq.counter == 5 && vrrpha.ext.new == 2001:db8:1::1234 && !vrrpha.malformed|3c330102000000000601002001020200000000006774858000000005f6ba61a1115ac51a1a10d4ed0ba66ac50301001020010db8000100000000000000001234
vrrpha.auth.mode == 1 && vrrpha.auth.alg == 2 && vrrpha.auth.payload_len == 20 && vrrpha.auth.payload && !vrrpha.ext.new && !vrrpha.malformed && !vrrpha.auth.bad|3c330102000000000601002001010200000000006774858000000005062930e03ca49f676ac802facd746bbfd79e43c0143eb73dd236361aca6a57c4f1c63f19
vrrpha.malformed|3c330102 00000000 0601001f 01010100 00000000 67748580 00000005 f062f6fdc8def0598645fe9c0b52b0 cba5a81bfc87acc95ffd7559a60382cf5774125b
vrrpha.malformed|3c330101 00000000 06010020 01010100 00000000 67748580 00000005 f062f6fdc8def0598645fe9c0b52b069
vrrpha.malformed|3c330101 00000000 06010020 01010100 00000000 67748580 00000005 f062f6fdc8def0598645fe9c0b52b069 cba5a81b
vrrpha.auth.bad|3c330102 00000000 06010020 01030100 00000000 67748580 00000005 f062f6fdc8def0598645fe9c0b52b069 cba5a81bfc87acc95ffd7559a60382cf5774125b
vrrpha.auth.bad|3c330102 00000000 06010020 01010100 00000100 67748580 00000005 f062f6fdc8def0598645fe9c0b52b069 cba5a81bfc87acc95ffd7559a60382cf5774125b
vrrpha.ext.unknown_kind|3c330102 00000000 08010010 00000003 01 02 0001 00000007 00000000 06010020 01010100 00000000 67748580 00000005 f062f6fdc8def0598645fe9c0b52b069
vrrpha.malformed && vrrpha.auth.mode == 2|3c330103 00000000 06010020 01020200 00000000 67748580 00000005 f6ba61a1115ac51a1a10d4ed0ba66ac5 08010010 00000003 01 02 0001 00000007 00000000
vrrpha.switch.op == 5 && vrrpha.switch.id == 7 && vrrpha.switch.priority == 200 && vrrpha.switch.eff_priority == 150 && vrrpha.switch.flags.in_sync && vrrpha.switch.count == 400 && vrrpha.switch.sum == 0x1122334455667788 && vrrpha.switch.target == fe80::2 && !vrrpha.ext.bad_record|3c330101 00000000 0c010028 05 02 0000 00000007 c8 96 00 01 00000190 1122334455667788 fe800000000000000000000000000002
vrrpha.switch.op == 1 && !vrrpha.ext.bad_record|3c330101 00000000 0c010028 01 02 0000 00000009 c8 c8 00 00 00000190 1122334455667788 00000000000000000000000000000000
vrrpha.ext.bad_record|3c330101 00000000 0c010028 05 02 0082 00000007 c8 96 00 01 00000190 1122334455667788 fe800000000000000000000000000002
vrrpha.ext.bad_record|3c330101 00000000 0c010028 06 02 0000 00000007 c8 96 00 01 00000190 1122334455667788 20010db8000000000000000000000002
vrrpha.keys.flags.none && vrrpha.keys.hoa == 2001:db8:bb::1 && !vrrpha.ext.bad_record|3c330101 00000000 0d010014 02 01 0000 20010db800bb00000000000000000001
vrrpha.ext.bad_record|3c330101 00000000 0d010014 02 00 0000 ff020000000000000000000000000001
vrrpha.magsw.op == 1 && vrrpha.magsw.status == 128 && vrrpha.magsw.id == 168496141 && vrrpha.magsw.mag == 2001:db8:3a::1 && vrrpha.magsw.mag4 == 192.0.2.1 && vrrpha.magsw.count == 12 && !vrrpha.ext.bad_record|3c330101 00000000 0e010028 01 80 0000 0a0b0c0d 20010db8003a00000000000000000001 c0000201 0000000c 0102030405060708
vrrpha.ext.bad_record|3c330101 00000000 0e010028 00 00 0000 0a0b0c0d fe800000000000000000000000000001 00000000 0000000c 0102030405060708
vrrp.prio == 100|31336401 01640000 20010db8000100000000000000000100
EOF
cut -d'|' -f2 "$WORK/cases" | pcap_file "$WORK/hand.pcap"
nc=$(grep -c . "$WORK/cases")
check "the hand-made pcap reads back: $nc packets" [ "$(ts -r "$WORK/hand.pcap" -T fields -e frame.number | grep -c .)" -eq "$nc" ]
ts -r "$WORK/hand.pcap" -V >"$WORK/hand.V"
ts -r "$WORK/hand.pcap" >"$WORK/hand.txt"
# one tshark run for all expectations: frame i must match its filter
filt=$(awk -F'|' '{ printf "%s(frame.number == %d && (%s))", (NR > 1 ? " || " : ""), NR, $1 }' "$WORK/cases")
ts -r "$WORK/hand.pcap" -Y "$filt" -T fields -e frame.number >"$WORK/hand.ok"
i=0
while IFS='|' read -r want hex; do
	i=$((i + 1))
	check "hand-made $i: $want" grep -qx "$i" "$WORK/hand.ok"
done <"$WORK/cases"
check "hand-made: no Lua error, no internal error, no exception" \
	sh -c "! grep -qi 'lua error\|internal error\|exception' '$WORK/hand.V' '$WORK/hand.txt' '$WORK/tshark.err'"
check "hand-made: no _ws.lua / vrrpha.internal" [ "$(nrows "$WORK/hand.pcap" "_ws.lua || vrrpha.internal")" -eq 0 ]
check "hand-made: the advert among them is still VRRP" grep -q "VRRP .*Announcement (v3)" "$WORK/hand.txt"
check "tshark printed no error" sh -c "! grep -v 'Running as user' '$WORK/tshark.err' | grep -q ."

finish
