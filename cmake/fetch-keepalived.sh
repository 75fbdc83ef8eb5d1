#!/bin/sh
# Fetch keepalived 2.2.7's orig tarball from Debian's source package into $1
# without touching the system's apt configuration, and verify its sha256.
# apt-get source exits non-zero here because the .debian.tar.xz is not
# served; success is judged by the file and its checksum, not the exit code.
set -eu
dest=${1:?usage: fetch-keepalived.sh DESTDIR}
want_sha=c61940d874154a560a54627ecf7ef47adebdf832164368d10bf242a4d9b7d49d
tarball=keepalived_2.2.7.orig.tar.gz
mkdir -p "$dest"
cd "$dest"

verify() {
	[ -f "$tarball" ] && [ "$(sha256sum "$tarball" | cut -d' ' -f1)" = "$want_sha" ]
}

if verify; then
	exit 0
fi
rm -f "$tarball"

apt_dir=$(pwd)/apt
mkdir -p "$apt_dir/sources" "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
src=/etc/apt/sources.list.d/debian.sources
if [ ! -f "$src" ]; then
	echo "fetch-keepalived: $src not found; cannot derive a deb-src entry" >&2
	exit 1
fi
sed 's/^Types:.*/Types: deb-src/' "$src" >"$apt_dir/sources/debian-src.sources"
opts="-o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts=$apt_dir/sources \
 -o Dir::State::Lists=$apt_dir/lists -o Dir::Cache=$apt_dir/cache"
# shellcheck disable=SC2086
apt-get $opts -q update >"$apt_dir/update.log" 2>&1 || {
	echo "fetch-keepalived: apt-get update (deb-src) failed; see $apt_dir/update.log" >&2
	exit 1
}
# shellcheck disable=SC2086
apt-get $opts -q source --download-only keepalived=1:2.2.7-1 >"$apt_dir/source.log" 2>&1 || true
if ! verify; then
	echo "fetch-keepalived: $tarball missing or sha256 mismatch (want $want_sha); see $apt_dir/source.log" >&2
	rm -f "$tarball"
	exit 1
fi
rm -f keepalived_2.2.7-1.dsc keepalived_2.2.7-1.debian.tar.xz
echo "fetch-keepalived: $tarball verified"
