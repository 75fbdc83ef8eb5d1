#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# unit.ctl_cli: the real vrrp-ha-ctl against ctl_test_server (one MASTER
# instance serving its control socket).
# usage: ctl_cli.sh VRRP_HA_CTL CTL_TEST_SERVER
set -u
CTL=$1
SRV=$2
dir=$(mktemp -d /tmp/ctl_cli.XXXXXX)
sock=$dir/VI_1.sock
fails=0
srv_pid=

cleanup() {
	if [ -n "$srv_pid" ]; then
		kill "$srv_pid" 2>/dev/null
		wait "$srv_pid" 2>/dev/null
	fi
	rm -rf "$dir"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

# run WANT_RC DESC CMD...: stdout in $dir/out, stderr in $dir/err
run() {
	want=$1
	desc=$2
	shift 2
	"$@" >"$dir/out" 2>"$dir/err"
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		fail "$desc: exit $rc, wanted $want"
		sed 's/^/  stdout: /' "$dir/out" | head -5 >&2
		sed 's/^/  stderr: /' "$dir/err" | head -5 >&2
	fi
}

# has FILE TEXT DESC: FILE contains the fixed string TEXT
has() {
	grep -qF -- "$2" "$1" || {
		fail "$3: '$2' not in $(basename "$1"):"
		head -5 "$1" | sed 's/^/  /' >&2
	}
}

# line FILE TEXT DESC: FILE has a line that is exactly TEXT
line() {
	grep -qxF -- "$2" "$1" || {
		fail "$3: no line '$2' in $(basename "$1"):"
		head -5 "$1" | sed 's/^/  /' >&2
	}
}

# same FILE TEXT DESC: FILE is exactly the line TEXT
same() {
	[ "$(cat "$1")" = "$2" ] || fail "$3: got '$(head -3 "$1")', wanted '$2'"
}

start_server() {
	"$SRV" "$sock" 0600 255 2>>"$dir/server.log" &
	srv_pid=$!
	i=0
	# (a stale socket file may be there already: wait for an answer)
	until "$CTL" -s "$sock" -t 2 state >/dev/null 2>&1 || [ $i -ge 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	[ $i -lt 100 ] || {
		fail "server did not start"
		cat "$dir/server.log" >&2
		exit 1
	}
}

# --- without a server --------------------------------------------------
run 2 "no command" "$CTL" -s "$sock"
has "$dir/err" "usage:" "usage"
env -u VRRP_HA_SOCKET "$CTL" state >"$dir/out" 2>"$dir/err"
[ $? -eq 2 ] || fail "no socket: exit status"
has "$dir/err" "use -s SOCKET or set VRRP_HA_SOCKET" "no socket"
run 2 "connect error" "$CTL" -s "$dir/none.sock" state
has "$dir/err" "cannot connect to $dir/none.sock: No such file or directory" "connect error"
run 2 "bad timeout" "$CTL" -s "$sock" -t x state
run 2 "unknown command" "$CTL" -s "$sock" frob
run 2 "arg count" "$CTL" -s "$sock" add 2001:db8::1
run 2 "blank in argument" "$CTL" -s "$sock" del "2001:db8::1 flush"
run 2 "bad show option" "$CTL" -s "$sock" show --xml
run 0 "help" "$CTL" -h
has "$dir/out" "import FILE|-" "help text"

# a server that never answers: -t gives up
"$SRV" "$dir/stall.sock" stall &
stall_pid=$!
i=0
while [ ! -S "$dir/stall.sock" ] && [ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
run 2 "timeout" "$CTL" -s "$dir/stall.sock" -t 1 state
has "$dir/err" "$dir/stall.sock: no answer for 1 s" "timeout message"
kill "$stall_pid"
wait "$stall_pid" 2>/dev/null

# --- against the server ------------------------------------------------
start_server
[ "$(stat -c %a "$sock")" = 600 ] || fail "socket mode $(stat -c %a "$sock"), wanted 600"

run 0 "add" "$CTL" -s "$sock" add 2001:db8::1 2001:db8:ff::1 100 7
same "$dir/out" "added" "add"
run 0 "add again" "$CTL" -s "$sock" add 2001:db8::1 2001:db8:ff::1 100 7
same "$dir/out" "refreshed" "add again"
run 0 "update" "$CTL" -s "$sock" add 2001:db8::1 2001:db8:ff::2 200 8 AHK
same "$dir/out" "updated" "update"
run 1 "bad add" "$CTL" -s "$sock" add fe80::1 2001:db8:ff::1 100 7
same "$dir/err" "bad HoA 'fe80::1': link-local address" "bad add"
[ -s "$dir/out" ] && fail "bad add printed on stdout"

export VRRP_HA_SOCKET="$sock"
run 0 "add via env" "$CTL" add 2001:db8::2 2001:db8:ff::1 100 9 0x0
run 0 "show --bc" "$CTL" show --bc
[ "$(head -1 "$dir/out")" = "HOA COA SEQ FLAGS LIFETIME" ] || fail "show header"
grep -q '^2001:db8::1 2001:db8:ff::2 8 AHK 20[01]$' "$dir/out" || fail "show row: $(cat "$dir/out")"
grep -q '^2001:db8::2 2001:db8:ff::1 9 - 10[01]$' "$dir/out" || fail "show row without flags"
[ "$(wc -l <"$dir/out")" -eq 3 ] || fail "show: $(wc -l <"$dir/out") lines, wanted 3"
run 0 "show --bc --json" "$CTL" show --bc --json
has "$dir/out" '"table":"bc","bindings":[' "show json"
if command -v jq >/dev/null 2>&1; then
	[ "$(jq '.bindings | length' "$dir/out")" = 2 ] || fail "show json: not 2 bindings"
	[ "$(jq -r '.bindings[] | select(.seq == 8) | .flags' "$dir/out")" = AHK ] ||
		fail "show json: flags"
fi
run 0 "show (rbc)" "$CTL" show
same "$dir/out" "HOA COA SEQ FLAGS LIFETIME" "empty rbc"

run 0 "del" "$CTL" del 2001:db8::2
same "$dir/out" "deleted" "del"
run 1 "del again" "$CTL" del 2001:db8::2
same "$dir/err" "not found" "del again"

run 0 "state" "$CTL" state
line "$dir/out" "state MASTER" "state"
line "$dir/out" "owner yes" "state owner"
line "$dir/out" "bc 1" "state bc count"
run 0 "state --json" "$CTL" state --json
has "$dir/out" '"state":"MASTER"' "state json"
run 0 "stats" "$CTL" stats
line "$dir/out" "bc_add 4" "stats bc_add"
line "$dir/out" "rx_ok 0" "stats rx_ok"
run 0 "stats --json" "$CTL" stats --json
if command -v jq >/dev/null 2>&1; then
	jq -e '.instance == "VI_1" and (.counters | type) == "object"' "$dir/out" >/dev/null ||
		fail "stats json"
fi
run 1 "raw unknown" "$CTL" raw bogus word
same "$dir/out" "ERR unknown command 'bogus'" "raw prints the status"
run 0 "raw help" "$CTL" raw help
has "$dir/out" "import" "raw help"

# import: 200k lines, one bad, one "." that must not end the import early,
# and a last line without LF
awk 'BEGIN {
	for (i = 1; i <= 200000; i++) {
		if (i == 7) print "bogus line"
		else if (i == 100) print "."
		else if (i == 150001) print "2001:db8:1::1 2001:db8:1::1 10 1"
		else printf "2001:db8:%x::%x 2001:db8:f::%x:%x %d %d AH\n", 256 + int(i / 65536), i % 65536, int(i / 65536), i % 65536, 60 + i % 100, i % 65536
	}
	printf "2001:db8:99::1 2001:db8:98::1 10 1"
}' >"$dir/bindings.txt"
t0=$(date +%s.%N)
run 0 "import" "$CTL" import "$dir/bindings.txt"
t1=$(date +%s.%N)
echo "import: 200001 lines in $(echo "$t1 - $t0" | bc 2>/dev/null || echo ?) s" >&2
has "$dir/out" "line 7: expected <hoa> <coa> <lifetime_s> <seq> [<flags>]" "import error line"
has "$dir/out" "line 150001: HoA and CoA are the same address" "import error line 2"
has "$dir/out" "imported=199998 errors=2" "import counts"
run 0 "state after import" "$CTL" state
line "$dir/out" "bc 199999" "bc count after import"
run 0 "show after import" "$CTL" show --bc
[ "$(wc -l <"$dir/out")" -eq 200000 ] || fail "show: $(wc -l <"$dir/out") lines, wanted 200000"
printf '# from stdin\n.\r\n2001:db8:77::1 2001:db8:78::1 10 1 P\n' |
	run 0 "import from stdin" "$CTL" import -
same "$dir/out" "imported=1 errors=0" "import from stdin"

run 0 "flush" "$CTL" flush
same "$dir/out" "flushed 200000" "flush"

# a stale socket left by a killed server is replaced
kill -9 "$srv_pid"
wait "$srv_pid" 2>/dev/null
srv_pid=
[ -S "$sock" ] || fail "socket file vanished with the killed server"
run 2 "dead server" "$CTL" state
has "$dir/err" "Connection refused" "dead server"
start_server
run 0 "restarted server" "$CTL" state
line "$dir/out" "bc 0" "restarted server"

# watch: --count N ends after N events; the stream also ends, with exit 0,
# when the server closes. Events are made until the watcher has them, so no
# fixed sleep decides the outcome.
run 0 "watch --count 0" "$CTL" watch --count 0
[ -s "$dir/out" ] && fail "watch --count 0 printed: $(head -2 "$dir/out")"
run 2 "watch bad count" "$CTL" watch --count -1
run 2 "watch bad option" "$CTL" watch --frob
"$CTL" watch --count 3 >"$dir/watch.out" 2>"$dir/watch.err" &
watch_pid=$!
i=0
while kill -0 "$watch_pid" 2>/dev/null && [ $i -lt 100 ]; do
	"$CTL" add "2001:db8:7::$((i + 1))" 2001:db8:6::1 100 1 >/dev/null 2>&1
	i=$((i + 1))
	sleep 0.02
done
wait "$watch_pid"
rc=$?
[ $rc -eq 0 ] || fail "watch --count 3: exit $rc ($(cat "$dir/watch.err"))"
[ "$(wc -l <"$dir/watch.out")" -eq 3 ] || fail "watch --count 3: $(wc -l <"$dir/watch.out") lines"
grep -qv '^ADD bc 2001:db8:7::[0-9a-f]* 2001:db8:6::1 100 1 0x4000 local$' "$dir/watch.out" &&
	fail "watch --count 3: $(cat "$dir/watch.out")"
"$CTL" watch --json --all >"$dir/watch.json" 2>"$dir/watch.err" &
watch_pid=$!
i=0
until [ -s "$dir/watch.json" ] || [ $i -ge 100 ]; do
	"$CTL" add 2001:db8:7::1 2001:db8:6::1 100 1 >/dev/null 2>&1 # REFRESH
	i=$((i + 1))
	sleep 0.02
done
has "$dir/watch.json" '{"event":"REFRESH","table":"bc","hoa":"2001:db8:7::1",' "watch --json --all"
kill "$srv_pid"
wait "$srv_pid" 2>/dev/null
srv_pid=
i=0
while kill -0 "$watch_pid" 2>/dev/null && [ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
if kill -0 "$watch_pid" 2>/dev/null; then
	fail "watch did not end when the server closed"
	kill "$watch_pid"
fi
wait "$watch_pid"
rc=$?
[ $rc -eq 0 ] || fail "watch after server close: exit $rc ($(cat "$dir/watch.err"))"
start_server

# many clients at once
pids=
for i in $(seq 1 20); do
	"$CTL" add "2001:db8:5::$i" 2001:db8:6::1 100 1 >"$dir/many.$i" 2>&1 &
	pids="$pids $!"
done
for p in $pids; do
	wait "$p" || fail "concurrent client failed"
done
run 0 "state after many" "$CTL" state
line "$dir/out" "bc 20" "many clients"

kill "$srv_pid"
wait "$srv_pid" 2>/dev/null
srv_pid=
[ -e "$sock" ] && fail "socket not removed at exit"

if [ $fails -ne 0 ]; then
	echo "ctl_cli: $fails failure(s)" >&2
	exit 1
fi
echo "ctl_cli: ok" >&2
