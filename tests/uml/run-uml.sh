#!/bin/sh
# run-uml.sh WORKDIR PROGRAM [ARGS...]
#
# Boot a user-mode-linux guest (Debian's user-mode-linux: kernel 6.1 with
# ip6_tunnel, nf_tables, veth as modules) on the host's root file system,
# read-only through hostfs, load the modules the data plane needs and run
# PROGRAM in it as root with VRRP_HA_UML_GUEST=1. The packages are fetched
# with "apt-get download" into WORKDIR/cache and unpacked there with
# "dpkg -x": nothing is installed into /. PROGRAM's output comes back
# through a writable hostfs folder (WORKDIR/out) and is printed here.
#
# Exit: PROGRAM's status (0 pass, 1 fail), or 77 (skip) where UML cannot run
# here: not x86-64, packages not obtainable, or the guest never boots.
set -u
work=$1
shift
[ -x "${1:-}" ] || {
	echo "uml: no program to run: ${1:-}"
	exit 1
}
limit=${UML_TIMEOUT:-420}

skip() {
	echo "uml: SKIP: $*"
	exit 77
}

[ "$(uname -m)" = x86_64 ] || skip "user-mode-linux packages are amd64 only"
command -v timeout >/dev/null || skip "no timeout(1)"
mkdir -p "$work/cache" || exit 1
work=$(cd "$work" && pwd)
cache=$work/cache
root=$cache/root

# ---- the guest kernel and busybox (for insmod) ---------------------------
if [ ! -x "$root/usr/bin/linux.uml" ] || [ ! -x "$root/bin/busybox" ]; then
	if ! command -v apt-get >/dev/null || ! command -v dpkg >/dev/null; then
		skip "no apt-get/dpkg to fetch user-mode-linux and busybox-static"
	fi
	fetch() {
		(cd "$cache" && rm -f ./*.deb &&
			apt-get download -q -o APT::Sandbox::User=root \
				user-mode-linux busybox-static >"$cache/apt.log" 2>&1)
	}
	if ! fetch; then
		# package lists may be missing or stale (as root: refresh once)
		if [ "$(id -u)" != 0 ] || ! apt-get update -q >>"$cache/apt.log" 2>&1 || ! fetch; then
			cat "$cache/apt.log"
			skip "cannot download user-mode-linux busybox-static"
		fi
	fi
	rm -rf "$root"
	for d in "$cache"/*.deb; do
		dpkg -x "$d" "$root" || skip "dpkg -x $d failed"
	done
fi
kver=""
for d in "$root"/usr/lib/uml/modules/*/modules.dep; do
	[ -f "$d" ] && kver=$(basename "$(dirname "$d")")
done
mdir=$root/usr/lib/uml/modules/$kver
[ -n "$kver" ] || skip "no modules in the user-mode-linux package"

# ---- modules in modules.dep order (dependencies first; built-ins skipped) --
mods=""
add_mod() { # relative path of a .ko
	case " $mods " in *" $1 "*) return ;; esac
	mods="$mods $1"
}
for want in net/ipv6/ipv6 drivers/net/veth net/ipv6/ip6_tunnel net/netfilter/nf_tables; do
	line=$(grep "^kernel/$want\.ko:" "$mdir/modules.dep")
	if [ -z "$line" ]; then
		grep -q "^kernel/$want\.ko$" "$mdir/modules.builtin" 2>/dev/null && continue
		skip "module $want neither in modules.dep nor built in"
	fi
	deps=""
	for d in ${line#*:}; do deps="$d $deps"; done # reversed: last listed loads first
	for d in $deps; do add_mod "$d"; done
	add_mod "kernel/$want.ko"
done

# ---- init script (PID 1 in the guest) ------------------------------------
out=$work/out
rm -rf "$out" "$work/tmp" "$work/uml"
mkdir -p "$out" "$work/tmp" "$work/uml" || exit 1
init=$work/init.sh
# shellcheck disable=SC2016 # $(...) and $? are for the guest's shell
{
	echo '#!/bin/sh'
	echo 'export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
	echo 'mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t tmpfs tmpfs /run'
	echo "mount -t hostfs -o $out none /mnt || { echo o > /proc/sysrq-trigger; sleep 60; }"
	echo 'echo booted > /mnt/booted'
	echo 't0=$(cut -d" " -f1 /proc/uptime); echo "uptime at init: $t0 s" > /mnt/log'
	for m in $mods; do
		echo "$root/bin/busybox insmod $mdir/$m >>/mnt/log 2>&1 || echo 'insmod $m failed' >>/mnt/log"
	done
	printf 'cd /run; VRRP_HA_UML_GUEST=1 '
	for a in "$@"; do printf "'%s' " "$a"; done
	echo '>>/mnt/log 2>&1; echo $? > /mnt/rc'
	echo 'echo "uptime at end: $(cut -d" " -f1 /proc/uptime) s" >>/mnt/log'
	echo 'sync; echo o > /proc/sysrq-trigger; sleep 60'
} >"$init"
chmod +x "$init"

# ---- boot --------------------------------------------------------------------
start=$(date +%s)
TMPDIR=$work/tmp timeout -k 10 "$limit" "$root/usr/bin/linux.uml" mem=1G \
	root=/dev/root rootfstype=hostfs rootflags=/ ro uml_dir="$work/uml" \
	init="$init" con0=null,fd:1 con=null >"$work/console.log" 2>&1 </dev/null
st=$?
end=$(date +%s)
[ -f "$out/booted" ] || {
	tail -n 20 "$work/console.log"
	skip "the user-mode-linux guest did not boot here (status $st)"
}
cat "$out/log"
echo "uml: guest ran $((end - start)) s (kernel $kver, modules:$mods)"
[ -f "$out/rc" ] || {
	echo "uml: FAIL: no result (timed out after $limit s?)"
	exit 1
}
rc=$(cat "$out/rc")
[ "$rc" = 0 ] || [ "$rc" = 1 ] || [ "$rc" = 77 ] || rc=1
exit "$rc"
