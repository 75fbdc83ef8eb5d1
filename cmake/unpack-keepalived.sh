#!/bin/sh
# unpack-keepalived.sh TARBALL DESTROOT PATCHDIR: fresh source tree with the
# patch series applied in the order of PATCHDIR/series.
set -eu
tarball=$1 root=$2 patches=$3
rm -rf "$root/keepalived-2.2.7"
tar xzf "$tarball" -C "$root"
cd "$root/keepalived-2.2.7"
grep -v '^#' "$patches/series" | while read -r p; do
	[ -n "$p" ] || continue
	if ! patch -p1 -s --no-backup-if-mismatch <"$patches/$p"; then
		echo "unpack-keepalived: $p does not apply to keepalived 2.2.7" >&2
		exit 1
	fi
done
