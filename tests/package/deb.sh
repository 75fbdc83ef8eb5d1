#!/bin/sh
# deb.sh CMAKE BUILD_DIR DEB_FILE VERSION RELEASE [NOBUILD]: the Debian package
# (docs/packaging.md). Builds it (cmake --build BUILD_DIR --target package;
# NOBUILD=1 uses the one there), checks its control data and file list, then
# unpacks it into a scratch root and runs what it ships from there:
# keepalived-vrrp-ha -t on the shipped examples, the CLI conventions
# (cli.sh). Exit 77 (skipped) only without dpkg-deb.
set -u
CMAKE=${1:?usage: deb.sh CMAKE BUILD_DIR DEB_FILE VERSION RELEASE [NOBUILD]}
B=${2:?} DEB_FILE=${3:?} VERSION=${4:?} RELEASE=${5:?} NOBUILD=${6:-0}
HERE=$(cd "$(dirname "$0")" && pwd)
DEB=$B/$DEB_FILE
fails=0

fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}
log() { echo "deb: $*"; }

command -v dpkg-deb >/dev/null 2>&1 || {
	echo "deb: dpkg-deb not found, skipped"
	exit 77
}

ROOT=$(mktemp -d "${TMPDIR:-/tmp}/vrrp-ha-deb.XXXXXX")
NS=""
cleanup() {
	[ -z "$NS" ] || ip netns del "$NS" 2>/dev/null
	rm -rf "$ROOT"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# --- build ---------------------------------------------------------------
if [ "$NOBUILD" != 1 ]; then
	if ! "$CMAKE" --build "$B" --target package >"$ROOT/build.log" 2>&1; then
		tail -30 "$ROOT/build.log" >&2
		echo "deb: building the package failed" >&2
		exit 1
	fi
fi
[ -f "$DEB" ] || {
	echo "deb: $DEB not found" >&2
	exit 1
}
log "$DEB ($(wc -c <"$DEB") bytes)"

# --- control data --------------------------------------------------------
field() { dpkg-deb -f "$DEB" "$1"; }
[ "$(field Package)" = vrrp-ha ] || fail "Package: '$(field Package)'"
[ "$(field Version)" = "$VERSION-$RELEASE" ] || fail "Version: '$(field Version)', wanted $VERSION-$RELEASE"
if command -v dpkg >/dev/null 2>&1; then
	arch=$(dpkg --print-architecture)
	[ "$(field Architecture)" = "$arch" ] || fail "Architecture: '$(field Architecture)', wanted $arch"
fi
depends=$(field Depends)
log "Depends: $depends"
# what the binaries link (objdump -p | grep NEEDED on Debian 12)
for p in libc6 libnl-3-200 libssl3 libsnmp40 libmagic1; do
	echo "$depends" | grep -Eq "(^|, )$p( |,|$)" || fail "Depends lacks $p"
done
for f in Maintainer Description Section; do
	[ -n "$(field $f)" ] || fail "no $f field"
done
field Conflicts | grep -q . && fail "Conflicts: '$(field Conflicts)' (it must coexist with keepalived)"
field Replaces | grep -q . && fail "Replaces: '$(field Replaces)'"

mkdir "$ROOT/control"
dpkg-deb -e "$DEB" "$ROOT/control"
grep -qx /etc/default/vrrp-ha-keepalived "$ROOT/control/conffiles" 2>/dev/null ||
	fail "conffiles lacks /etc/default/vrrp-ha-keepalived"
for s in postinst prerm postrm; do
	[ -x "$ROOT/control/$s" ] || fail "maintainer script $s missing or not executable"
	sh -n "$ROOT/control/$s" || fail "maintainer script $s: syntax"
done

# --- file list -----------------------------------------------------------
dpkg-deb --contents "$DEB" | awk '{ print $NF }' | sed 's#^\./#/#' >"$ROOT/files"
for f in /usr/sbin/keepalived-vrrp-ha /usr/sbin/vrrp-ha-ctl /usr/sbin/vrrp-ha-umip \
	/lib/systemd/system/vrrp-ha-keepalived.service /lib/systemd/system/vrrp-ha-umip@.service \
	/etc/default/vrrp-ha-keepalived /etc/vrrp-ha/ \
	/usr/share/man/man5/keepalived-mipv6_ha.5.gz /usr/share/man/man8/vrrp-ha-ctl.8.gz \
	/usr/share/man/man8/vrrp-ha-umip.8.gz \
	/usr/share/doc/vrrp-ha/copyright /usr/share/doc/vrrp-ha/README.md \
	/usr/share/doc/vrrp-ha/packaging.md /usr/share/doc/vrrp-ha/operations.md \
	/usr/share/doc/vrrp-ha/examples/keepalived-ha1.conf \
	/usr/share/doc/vrrp-ha/examples/keepalived-ha2.conf \
	/usr/share/doc/vrrp-ha/examples/vrrp-ha-restore.sh \
	/usr/share/doc/vrrp-ha/examples/vrrp-ha-umip.service \
	/usr/share/doc/vrrp-ha/examples/umip-HA_1.env; do
	grep -qxF "$f" "$ROOT/files" || fail "package lacks $f"
done
# nothing of a stock keepalived's, nothing under /usr/local, no bare man pages
for re in '^/usr/sbin/keepalived$' '^/usr/bin/keepalived$' '^/etc/keepalived(/|$)' \
	'^/lib/systemd/system/keepalived\.service$' '^/usr/lib/systemd/system/keepalived\.service$' \
	'^/usr/share/man/man[58]/keepalived(\.conf)?\.[58]' '^/usr/share/snmp/mibs/KEEPALIVED-MIB' \
	'^/usr/local/' '^/usr/share/man/.*\.[1-9]$' '^/etc/vrrp-ha/.'; do
	if grep -Eq "$re" "$ROOT/files"; then
		fail "package ships $(grep -E "$re" "$ROOT/files" | head -1)"
	fi
done
if [ -f "$HERE/../../snmp/VRRP-HA-MIB.txt" ]; then
	grep -qxF /usr/share/snmp/mibs/VRRP-HA-MIB.txt "$ROOT/files" || fail "package lacks the MIB"
fi

# --- unpacked: files -----------------------------------------------------
R=$ROOT/root
mkdir "$R"
dpkg -x "$DEB" "$R" 2>/dev/null || dpkg-deb -x "$DEB" "$R" || {
	echo "deb: cannot unpack $DEB" >&2
	exit 1
}
for m in man5/keepalived-mipv6_ha.5 man8/vrrp-ha-ctl.8 man8/vrrp-ha-umip.8; do
	gzip -t "$R/usr/share/man/$m.gz" || fail "$m.gz: not gzip"
	gzip -dc "$R/usr/share/man/$m.gz" | grep -q '^\.TH ' || fail "$m.gz: no .TH"
done
gzip -dc "$R/usr/share/man/man8/vrrp-ha-ctl.8.gz" | grep -q '^\.SH EXIT STATUS' ||
	fail "vrrp-ha-ctl.8: no EXIT STATUS"
gzip -dc "$R/usr/share/man/man8/vrrp-ha-umip.8.gz" | grep -q '^\.SH EXIT STATUS' ||
	fail "vrrp-ha-umip.8: no EXIT STATUS"
for b in keepalived-vrrp-ha vrrp-ha-ctl vrrp-ha-umip; do
	[ -x "$R/usr/sbin/$b" ] || fail "/usr/sbin/$b not executable"
	if command -v ldd >/dev/null 2>&1 && ldd "$R/usr/sbin/$b" | grep -q 'not found'; then
		fail "$b: $(ldd "$R/usr/sbin/$b" | grep 'not found' | head -1)"
	fi
done

# the units: own names, own config and pid files, every program they run shipped
U=$R/lib/systemd/system/vrrp-ha-keepalived.service
grep -q '^ExecStart=/usr/sbin/keepalived-vrrp-ha .*--use-file=/etc/vrrp-ha/keepalived.conf' "$U" ||
	fail "vrrp-ha-keepalived.service: ExecStart without /etc/vrrp-ha/keepalived.conf"
grep '^ExecStart=' "$U" | grep -q -- '--pid=/run/vrrp-ha/keepalived.pid' ||
	fail "vrrp-ha-keepalived.service: main pid file not under /run/vrrp-ha"
grep '^ExecStart=' "$U" | grep -q -- '--vrrp_pid=/run/vrrp-ha/vrrp.pid' ||
	fail "vrrp-ha-keepalived.service: vrrp pid file not under /run/vrrp-ha"
for u in "$U" "$R/lib/systemd/system/vrrp-ha-umip@.service"; do
	grep -q '^Conflicts=' "$u" && fail "$(basename "$u"): has Conflicts="
	grep -q '/etc/keepalived' "$u" && fail "$(basename "$u"): names /etc/keepalived"
	grep -q '^\[Install\]' "$u" || fail "$(basename "$u"): no [Install]"
	# shellcheck disable=SC2013 # one word (a path) a line
	for exe in $(sed -n 's/^Exec[A-Za-z]*=[-@!+]*\([^ ]*\).*/\1/p' "$u" | sort -u); do
		case $exe in
		/bin/kill) ;;
		/*) [ -x "$R$exe" ] || fail "$(basename "$u") runs $exe, not in the package" ;;
		*) fail "$(basename "$u"): relative Exec $exe" ;;
		esac
	done
done

# --- unpacked: programs --------------------------------------------------
KA=$R/usr/sbin/keepalived-vrrp-ha
"$KA" --version >"$ROOT/ka-version" 2>&1 || fail "keepalived-vrrp-ha --version: exit $?"
grep -q 'v2\.2\.7' "$ROOT/ka-version" || fail "keepalived-vrrp-ha --version: not 2.2.7"
grep -q 'DEFAULT_CONFIG_FILE=/etc/vrrp-ha/keepalived.conf' "$ROOT/ka-version" ||
	fail "keepalived-vrrp-ha: default configuration is not /etc/vrrp-ha/keepalived.conf"
grep -q 'SNMP_VRRP' "$ROOT/ka-version" || fail "keepalived-vrrp-ha: built without SNMP_VRRP"

sh "$HERE/cli.sh" "$R/usr/sbin/vrrp-ha-ctl" "$R/usr/sbin/vrrp-ha-umip" "$VERSION" ||
	fail "CLI conventions of the unpacked tools"

# keepalived -t checks that the configured interface exists and is not a
# loopback: the examples' eth0 if there is one, else any other interface,
# else (root with ip netns) a dummy (or veth) eth0 in a namespace of our own.
ifc=""
if [ -e /sys/class/net/eth0 ]; then
	ifc=eth0
else
	for d in /sys/class/net/*; do
		n=${d##*/}
		[ "$n" = lo ] || [ ! -e "$d" ] || {
			ifc=$n
			break
		}
	done
fi
RUN=""
if [ -z "$ifc" ]; then
	NS=ihpk$$
	if ip netns add "$NS" 2>/dev/null &&
		{ ip -n "$NS" link add eth0 type dummy 2>/dev/null ||
			ip -n "$NS" link add eth0 type veth peer name eth1; }; then
		ifc=eth0 RUN="ip netns exec $NS"
	else
		fail "no network interface for keepalived -t (and no network namespace)"
	fi
fi
if [ -n "$ifc" ]; then
	log "keepalived-vrrp-ha -t on interface $ifc${RUN:+ (namespace $NS)}"
	W=$ROOT/work
	mkdir -p "$W/run"
	printf '#!/bin/sh\nexit 0\n' >"$W/restore.sh"
	chmod 755 "$W/restore.sh"
	# the examples use authenticated sync: a key file in the scratch root
	printf 'key 1 aes-256-gcm %s send\n' 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef \
		>"$W/sync.keys"
	chmod 600 "$W/sync.keys"
	for ex in "$R"/usr/share/doc/vrrp-ha/examples/keepalived-*.conf; do
		b=$(basename "$ex")
		# the shipped paths moved into the scratch root (as tests/integration/config.sh)
		sed -e "s#/etc/keepalived/vrrp-ha-restore.sh#$W/restore.sh#" \
			-e "s#/run/vrrp-ha#$W/run#g" -e "s#interface eth0#interface $ifc#" \
			-e "s#/etc/vrrp-ha/sync.keys#$W/sync.keys#" "$ex" >"$W/$b"
		rc=0
		$RUN "$KA" -t -f "$W/$b" -p "$W/k.pid" -r "$W/v.pid" >"$W/$b.out" 2>&1 || rc=$?
		if [ "$rc" -ne 0 ]; then
			sed 's/^/  /' "$W/$b.out" | head -20 >&2
			fail "keepalived-vrrp-ha -t -f $b: exit $rc"
		fi
		grep -q mipv6_ha "$W/$b.out" && fail "keepalived-vrrp-ha -t -f $b: $(grep mipv6_ha "$W/$b.out" | head -1)"
		[ ! -e "$W/k.pid" ] || fail "keepalived-vrrp-ha -t wrote a pid file"
	done
	# and a broken mipv6_ha block is refused by the packaged binary too
	sed 's#control_socket [^ ]*#control_socket relative/path#' "$W/keepalived-ha1.conf" >"$W/bad.conf"
	rc=0
	$RUN "$KA" -t -f "$W/bad.conf" -p "$W/k.pid" -r "$W/v.pid" >"$W/bad.out" 2>&1 || rc=$?
	[ "$rc" -ne 0 ] || fail "keepalived-vrrp-ha -t accepted a relative control_socket"
	grep -q control_socket "$W/bad.out" || fail "keepalived-vrrp-ha -t: no message naming control_socket"
fi

if [ "$fails" -ne 0 ]; then
	echo "deb: $fails check(s) failed" >&2
	exit 1
fi
log "all checks passed"
