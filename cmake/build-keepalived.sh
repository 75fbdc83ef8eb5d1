#!/bin/sh
# build-keepalived.sh SRCDIR LOGDIR GLUEDIR (configure|make "LIBS")
# keepalived's Makefiles leave LIBS empty (its libraries are in KA_LIBS), so
# our static libraries can be appended to the link with make LIBS=...
# The default configuration file is vrrp-ha's own, so that the patched
# keepalived run without -f never reads a stock keepalived's
# /etc/keepalived/keepalived.conf (docs/packaging.md).
set -eu
src=$1 logdir=$2 glue=$3 step=$4
cd "$src"
case $step in
configure)
	if ! ./configure --disable-lvs --disable-bfd --enable-snmp --enable-snmp-vrrp \
		--enable-snmp-rfcv3 --disable-dbus --disable-iptables --disable-nftables \
		--disable-systemd --with-default-config-file=/etc/vrrp-ha/keepalived.conf \
		"CPPFLAGS=-I$glue" >"$logdir/configure.log" 2>&1; then
		tail -40 "$logdir/configure.log" >&2
		echo "build-keepalived: configure failed, see $logdir/configure.log" >&2
		exit 1
	fi ;;
make)
	rm -f keepalived/keepalived
	if ! make -j"$(nproc)" "LIBS=$5" >"$logdir/make.log" 2>&1; then
		grep -E 'error|undefined' "$logdir/make.log" | head -40 >&2
		echo "build-keepalived: make failed, see $logdir/make.log" >&2
		exit 1
	fi ;;
esac
