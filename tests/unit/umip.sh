#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# unit.umip: vrrp-ha-umip between vt_server (a test double of mip6d's vt)
# and ctl_test_server (one MASTER owner instance VI_1), checked with the
# real vrrp-ha-ctl.
# usage: umip.sh VRRP_HA_UMIP VT_SERVER CTL_TEST_SERVER VRRP_HA_CTL
set -u
UMIP=$1
VTS=$2
SRV=$3
CTL=$4
dir=$(mktemp -d /tmp/umip.XXXXXX)
sock=$dir/VI_1.sock
fifo=$dir/notify.fifo
vtlog=$dir/vt.log
alog=$dir/adapter.log
local_addr=2001:db8:1::100
fails=0
srv_pid= vt_pid= ad_pid= port=

cleanup() {
	for p in $ad_pid $vt_pid $srv_pid; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	rm -rf "$dir"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

# until_ok TRIES CMD...: retry CMD every 0.1 s, at most TRIES times
until_ok() {
	n=$1
	shift
	i=0
	while [ $i -lt "$n" ]; do
		"$@" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

start_srv() {
	"$SRV" "$sock" 0600 255 2>>"$dir/server.log" &
	srv_pid=$!
	until_ok 100 "$CTL" -s "$sock" -t 2 state >/dev/null 2>&1 || {
		fail "ctl_test_server did not start"
		exit 1
	}
}

start_vt() { # [PORT]
	rm -f "$dir/port"
	"$VTS" "${1:-0}" "$vtlog" "$dir/cmd" "$dir/port" 2>>"$dir/vt_server.log" &
	vt_pid=$!
	until_ok 100 test -s "$dir/port" || {
		fail "vt_server did not start"
		exit 1
	}
	port=$(cat "$dir/port")
}

stop_pid() { # PID: SIGTERM, wait; prints nothing
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# vt CMD-LINES: test-only commands for vt_server, through its command file
vt() {
	printf '%s\n' "$@" >"$dir/cmd.tmp"
	mv "$dir/cmd.tmp" "$dir/cmd"
	until_ok 50 test ! -e "$dir/cmd" || fail "vt_server did not take: $*"
}

show() {
	"$CTL" -s "$sock" -t 5 show --bc >"$dir/show" 2>&1
}

# in_bc REGEX: a row of vrrp-ha's bc matches REGEX (whole line)
in_bc() {
	show && grep -qx -- "$1" "$dir/show"
}

not_in_bc() {
	show && ! grep -q -- "^$1 " "$dir/show"
}

expect_bc() { # DESC REGEX
	until_ok 40 in_bc "$2" || fail "$1: no bc row '$2' in: $(tr '\n' '|' <"$dir/show")"
}

expect_gone() { # DESC HOA
	until_ok 40 not_in_bc "$2" || fail "$1: $2 still in bc"
}

# has FILE TEXT DESC
has() {
	grep -qF -- "$2" "$1" || {
		fail "$3: '$2' not in $(basename "$1")"
		tail -5 "$1" | sed 's/^/  /' >&2
	}
}

alive() {
	kill -0 "$ad_pid" 2>/dev/null || fail "adapter died ($1)"
}

# --- usage -------------------------------------------------------------
env -u VRRP_HA_SOCKET "$UMIP" >/dev/null 2>&1
[ $? -eq 2 ] || fail "no -s/-f: exit status"
"$UMIP" -s "$sock" -f "$fifo" >/dev/null 2>&1
[ $? -eq 2 ] || fail "-f without -l: exit status"
"$UMIP" -s "$sock" -v nocolon >/dev/null 2>&1
[ $? -eq 2 ] || fail "bad -v: exit status"
"$UMIP" -h | grep -q -- "--once" || fail "help text"

start_srv

# --- unreachable vt: --once fails cleanly ------------------------------
"$UMIP" --once -s "$sock" -v 127.0.0.1:1 -t 500 2>"$dir/once.log"
rc=$?
[ $rc -eq 1 ] || fail "unreachable vt: exit $rc, wanted 1"
has "$dir/once.log" "cannot connect" "unreachable vt"

start_vt
VT=127.0.0.1:$port

# --- one pass: the vt's entries reach vrrp-ha's bc ---------------------
vt "add 2001:db8::1 2001:db8:ff::1 AH 3600 7" "add 2001:db8::2 2001:db8:ff::2 H 100 3"
"$UMIP" --once -s "$sock" -v "$VT" 2>"$dir/once.log" || fail "--once: exit $?"
expect_bc "once" '2001:db8::1 2001:db8:ff::1 7 AH 3[56][0-9][0-9]'
expect_bc "once" '2001:db8::2 2001:db8:ff::2 3 H [0-9]*'
has "$dir/once.log" "import: OK imported=2 errors=0" "once import"

# --- reply too large, and a vt that does not answer: --once fails ------
vt "junk 5000"
"$UMIP" --once -s "$sock" -v "$VT" -m 1 2>"$dir/once.log"
[ $? -eq 1 ] || fail "reply too large: exit status"
has "$dir/once.log" "reply larger than the maximum" "reply too large"
vt "junk 0" "mute 1"
"$UMIP" --once -s "$sock" -v "$VT" -t 300 2>"$dir/once.log"
[ $? -eq 1 ] || fail "mute vt: exit status"
has "$dir/once.log" "no reply in time" "mute vt"
vt "mute 0" "kick"

# --- the daemon: changes and deletions propagate -----------------------
"$UMIP" -s "$sock" -v "$VT" -f "$fifo" -l "$local_addr" -n VI_1 -i 100 -t 2000 -d \
	2>"$alog" &
ad_pid=$!
until_ok 50 test -p "$fifo" || fail "FIFO not created"
# its first pass (a full sync that deletes nothing) before any change
until_ok 50 grep -q "import: OK" "$alog" || fail "no full sync"
vt "add 2001:db8::1 2001:db8:ff::9 AHK 3600 8" "add 2001:db8::3 2001:db8:ff::3 H 100 1" \
	"del 2001:db8::2"
expect_bc "change" '2001:db8::1 2001:db8:ff::9 8 AHK 3[56][0-9][0-9]'
expect_bc "new" '2001:db8::3 2001:db8:ff::3 1 H [0-9]*'
expect_gone "delete" 2001:db8::2
# lifetime renewed, nothing else changed
vt "add 2001:db8::3 2001:db8:ff::3 H 900 1"
expect_bc "renewal" '2001:db8::3 2001:db8:ff::3 1 H [89][0-9][0-9]'

# --- restore events become bc add/del on the vt ------------------------
cat >"$dir/events" <<'EOF'
MIPV6_HA "VI_1" RESTORE 2001:db8:aa::1 2001:db8:cc::1 3600 7 0xc000
MIPV6_HA "VI_1" RESTORE 2001:db8:aa::2 2001:db8:cc::2 1200 9 0xf000
MIPV6_HA  "VI_1"  TAKEOVER  2001:db8:aa::3 2001:db8:cc::3 600 1 0x4800
MIPV6_HA "VI_1" ADD 2001:db8:aa::3 2001:db8:cc::3 600 1 0x4800
MIPV6_HA "VI_1" restore 2001:db8:aa::3 2001:db8:cc::3 600 1 0x4800
MIPV6_HA "VI_2" RESTORE 2001:db8:aa::4 2001:db8:cc::4 600 1 0xc000
MIPV6_HA "VI_1" FROB 2001:db8:aa::5 2001:db8:cc::5 600 1 0xc000
this is not an event
MIPV6_HA "VI_1" RESTORE 2001:db8:aa::6 2001:db8:cc::6 600 1 0x8000
MIPV6_HA "VI_1" RESTORE 2001:db8:aa::7 zzz 600 1 0xc000
MIPV6_HA "VI_1" DELETE 2001:db8:aa::9 2001:db8:cc::9 0 0 0x4000
MIPV6_HA "VI_1" RECOVER 2001:db8:aa::2 2001:db8:cc::2 1200 9 0xf000
EOF
timeout 5 sh -c 'cat "$1" >"$2"' sh "$dir/events" "$fifo" || fail "FIFO write"
tab=$(printf '\t')
until_ok 50 grep -q "bc del hoa 2001:db8:aa::2 " "$vtlog" || fail "events not applied"
for want in \
	"bc add hoa 2001:db8:aa::1 coa 2001:db8:cc::1 local $local_addr flags AH lifetime 3600 seq 7 dad never$tab=> bc status=0" \
	"bc add hoa 2001:db8:aa::2 coa 2001:db8:cc::2 local $local_addr flags AHLK lifetime 1200 seq 9 dad never$tab=> bc status=0" \
	"bc del hoa 2001:db8:aa::9 coa 2001:db8:cc::9 local $local_addr flags H$tab=> bc error=2(No such file or directory)" \
	"bc del hoa 2001:db8:aa::2 coa 2001:db8:cc::2 local $local_addr flags AHLK$tab=> bc status=0"; do
	grep -qxF -- "$want" "$vtlog" || fail "vt log: no line '$want'"
done
grep -q "aa::[34567]" "$vtlog" && fail "ignored events reached the vt: $(grep "aa::[34567]" "$vtlog")"
[ "$(grep -c . "$vtlog")" -eq 4 ] || fail "vt log: $(grep -c . "$vtlog") lines, wanted 4"
has "$alog" "unknown event word 'FROB' ignored" "unknown word"
# TAKEOVER is no event of the vocabulary (events.h); words are case-sensitive
has "$alog" "unknown event word 'TAKEOVER' ignored" "TAKEOVER is unknown"
has "$alog" "unknown event word 'restore' ignored" "lower case word"
# a known word that is not for mip6d
has "$alog" "event ADD ignored: nothing to do in mip6d" "known word ignored"
has "$alog" "malformed event line ignored: this is not an event" "malformed line"
has "$alog" "flags 0x8000 without H" "no H"
has "$alog" "bc error=2(No such file or directory)" "vt error logged"
# RESTORE is not echoed (vrrp-ha's bc has it already)
sleep 0.3
not_in_bc 2001:db8:aa::1 || fail "RESTORE echoed back to vrrp-ha"

# --- malformed vt output: no crash, no spurious deletes ----------------
vt "garbage hoa not-an-address status x" "garbage  coa 2001:db8::1 flags" \
	"garbage lifetime abc / x seq zz" "garbage hoa 2001:db8::77 status registered" \
	"garbage hoa 2001:db8::78" "garbage  coa 2001:db8::79 flags ZQ-" \
	"garbage  lifetime 10 / 10 seq 70000" "garbage hoa 2001:db8::1" "junk 3000"
sleep 0.5
alive "garbage"
expect_bc "garbage keeps" '2001:db8::1 2001:db8:ff::9 8 AHK 3[56][0-9][0-9]'
expect_bc "garbage keeps" '2001:db8::3 2001:db8:ff::3 1 H [89][0-9][0-9]'
not_in_bc 2001:db8::77 || fail "incomplete entry reached vrrp-ha"
until_ok 40 grep -q "stray lines" "$alog" || fail "garbage not logged"
vt "garbage-clear" "junk 0"
# an entry whose lines are broken keeps its last known state
vt "break 2001:db8::3"
until_ok 40 grep -q " 1 incomplete" "$alog" || fail "broken entry not logged"
sleep 0.2
alive "broken entry"
in_bc '2001:db8::3 2001:db8:ff::3 1 H [89][0-9][0-9]' || fail "broken entry was deleted"
vt "break 2001:db8::3"

# --- the vt goes away and comes back -----------------------------------
vt "kick"
vt "add 2001:db8::4 2001:db8:ff::4 AH 300 2"
expect_bc "after kick" '2001:db8::4 2001:db8:ff::4 2 AH [0-9]*'
has "$alog" "connection closed by mip6d" "kick logged"
stop_pid "$vt_pid"
sleep 0.5
alive "vt down"
start_vt "$port"
vt "add 2001:db8::5 2001:db8:ff::5 H 300 1"
expect_bc "vt restarted" '2001:db8::5 2001:db8:ff::5 1 H [0-9]*'
# a new vt session is a baseline: what mip6d lost is not deleted
in_bc '2001:db8::1 2001:db8:ff::9 8 AHK 3[56][0-9][0-9]' || fail "vt restart deleted bindings"

# --- vrrp-ha restarts: everything is imported again --------------------
stop_pid "$srv_pid"
start_srv
expect_bc "ctl restarted" '2001:db8::5 2001:db8:ff::5 1 H [0-9]*'
has "$alog" "import: OK imported=1 errors=0" "re-import"

# --- SIGTERM: clean exit -----------------------------------------------
kill "$ad_pid"
i=0
while kill -0 "$ad_pid" 2>/dev/null && [ $i -lt 30 ]; do
	sleep 0.1
	i=$((i + 1))
done
wait "$ad_pid"
rc=$?
ad_pid=
[ $rc -eq 0 ] || fail "SIGTERM: exit $rc"
has "$alog" "stopping: polls=" "summary"

if [ $fails -ne 0 ]; then
	echo "--- adapter log (tail)" >&2
	tail -40 "$alog" >&2
	echo "umip: $fails failure(s)" >&2
	exit 1
fi
echo "umip: ok" >&2
