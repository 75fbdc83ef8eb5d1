#!/bin/sh
# Install what vrrp-ha needs to build and test on Debian 12 (as root).
# Idempotent: packages already present are skipped by apt-get.
set -eu
pkgs="build-essential cmake pkg-config patch autoconf automake libtool
      libnl-3-dev libnl-route-3-dev libnl-genl-3-dev libssl-dev libsnmp-dev libmagic-dev
      snmpd snmp snmptrapd smitools python3 iproute2 iputils-ping nftables procps psmisc util-linux
      gnuplot-nox tshark dpkg-dev file"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "install-deps: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	# tshark (wireshark-common) asks whether non-root users may capture
	echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
	apt-get update -q
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing
fi
