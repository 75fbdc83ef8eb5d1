#!/bin/sh
# Example notify_restore script for vrrp-ha.
# Called as: vrrp-ha-restore.sh INSTANCE RESTORE COUNT BATCH_FILE
# BATCH_FILE has one binding a line: "HOA COA LIFETIME_S SEQ FLAGS_HEX".
# The script owns the file (delete it when done). Here the bindings go back
# into UMIP's mip6d through its virtual terminal (TCP localhost:7777, built
# with --enable-vt): "bc add ... dad never" recreates each home registration
# without sending a Binding Acknowledgement.
set -eu
instance=$1 event=$2 count=$3 batch=$4
[ "$event" = RESTORE ] || exit 0
logger -t vrrp-ha "$instance: restoring $count bindings from $batch"
# Map the hex BU flags to mip6d's letters (A H L K).
while read -r hoa coa lifetime seq flags; do
	f=$((flags)) letters=""
	[ $((f & 0x8000)) -ne 0 ] && letters="${letters}A"
	[ $((f & 0x4000)) -ne 0 ] && letters="${letters}H"
	[ $((f & 0x2000)) -ne 0 ] && letters="${letters}L"
	[ $((f & 0x1000)) -ne 0 ] && letters="${letters}K"
	echo "bc add hoa $hoa coa $coa local 2001:db8:1::100 flags $letters lifetime $lifetime seq $seq dad never"
done <"$batch" >"$batch.vt"
if command -v nc >/dev/null 2>&1; then
	{ printf 'prompt no\nfancy no\n'; cat "$batch.vt"; } | nc -q 2 localhost 7777 >/dev/null || true
fi
rm -f "$batch" "$batch.vt"
