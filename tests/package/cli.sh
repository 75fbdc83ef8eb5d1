#!/bin/sh
# cli.sh VRRP_HA_CTL VRRP_HA_UMIP VERSION: the command-line conventions of
# both tools (docs/vrrp-ha-ctl.8, docs/vrrp-ha-umip.8, EXIT STATUS):
# -h/--help on stdout with exit 0, --version "NAME VERSION", usage errors on
# stderr with exit 2 and nothing on stdout. Needs no server. Also run by
# deb.sh on the binaries extracted from the package.
set -u
CTL=${1:?usage: cli.sh VRRP_HA_CTL VRRP_HA_UMIP VERSION}
UMIP=${2:?usage: cli.sh VRRP_HA_CTL VRRP_HA_UMIP VERSION}
VERSION=${3:?usage: cli.sh VRRP_HA_CTL VRRP_HA_UMIP VERSION}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fails=0

fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

# run WANT_RC DESC CMD...: stdout in $dir/out, stderr in $dir/err
run() {
	want=$1 desc=$2
	shift 2
	env -u VRRP_HA_SOCKET "$@" >"$dir/out" 2>"$dir/err" </dev/null
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		fail "$desc: exit $rc, wanted $want"
		sed 's/^/  stderr: /' "$dir/err" | head -5 >&2
	fi
}
empty() { [ ! -s "$dir/$1" ] || fail "$2: $1 not empty: $(head -2 "$dir/$1")"; }
nonempty() { [ -s "$dir/$1" ] || fail "$2: nothing on $1"; }
has() { grep -q -- "$2" "$dir/$1" || fail "$3: '$2' not on $1"; }

for tool in ctl umip; do
	if [ $tool = ctl ]; then bin=$CTL name=vrrp-ha-ctl; else bin=$UMIP name=vrrp-ha-umip; fi
	for h in -h --help; do
		run 0 "$name $h" "$bin" $h
		has out "usage:" "$name $h"
		has out "exit status" "$name $h"
		empty err "$name $h"
	done
	for v in --version -V; do
		run 0 "$name $v" "$bin" $v
		[ "$(cat "$dir/out")" = "$name $VERSION" ] ||
			fail "$name $v: '$(cat "$dir/out")', wanted '$name $VERSION'"
		empty err "$name $v"
	done
	# --help and --version win over what follows them
	run 0 "$name --version first" "$bin" --version --bogus
	run 2 "$name unknown option" "$bin" --bogus
	nonempty err "$name unknown option"
	has err "usage:" "$name unknown option"
	empty out "$name unknown option"
	# output that cannot be written is an error, not a silent exit 0
	if [ -w /dev/full ]; then
		env -u VRRP_HA_SOCKET "$bin" --version >/dev/full 2>"$dir/err"
		rc=$?
		[ "$rc" -eq 2 ] || fail "$name --version >/dev/full: exit $rc, wanted 2"
		nonempty err "$name --version >/dev/full"
	fi
done

# vrrp-ha-ctl: usage errors (exit 2) say what is wrong
run 2 "ctl no command" "$CTL" -s /nonexistent.sock
has err "usage:" "ctl no command"
run 2 "ctl no socket" "$CTL" state
has err "use -s SOCKET or set VRRP_HA_SOCKET" "ctl no socket"
run 2 "ctl bad -t" "$CTL" -s /nonexistent.sock -t x state
has err "-t: seconds" "ctl bad -t"
run 2 "ctl unknown command" "$CTL" -s /nonexistent.sock frob
has err "unknown command 'frob'" "ctl unknown command"
run 2 "ctl connect error" "$CTL" -s /nonexistent/x.sock state
has err "cannot connect to /nonexistent/x.sock" "ctl connect error"
empty out "ctl connect error"
# the command's own options are not the tool's (getopt stops at the command)
run 2 "ctl show --help is show's" "$CTL" -s /nonexistent.sock show --help
has err "show: unknown option '--help'" "ctl show --help"

# vrrp-ha-umip: the same
run 2 "umip nothing to do" "$UMIP"
has err "nothing to do" "umip nothing to do"
run 2 "umip bad -i" "$UMIP" -s /nonexistent.sock -i 1
has err "-i: milliseconds" "umip bad -i"
run 2 "umip bad -t" "$UMIP" -s /nonexistent.sock -t x
has err "-t: milliseconds" "umip bad -t"
run 2 "umip bad -m" "$UMIP" -s /nonexistent.sock -m 0
has err "-m: KiB" "umip bad -m"
run 2 "umip extra argument" "$UMIP" -s /nonexistent.sock extra
has err "unexpected argument 'extra'" "umip extra argument"
run 2 "umip -f without -l" "$UMIP" -f "$dir/fifo"
has err "-f needs -l" "umip -f without -l"
run 2 "umip bad -v" "$UMIP" -s /nonexistent.sock -v nohostport
has err "expected HOST:PORT" "umip bad -v"
empty out "umip bad -v"

if [ "$fails" -ne 0 ]; then
	echo "cli: $fails check(s) failed" >&2
	exit 1
fi
echo "cli: all checks passed"
