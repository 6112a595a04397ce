#!/bin/sh
# Unpacks Debian's arm64 kernel (image and modules), its headers and an arm64 static busybox into
# a private root (default build/arm64-kernel/root), for `make kmod ARCH=arm64` and `make
# test-kmod ARCH=arm64` (docs/kmod.md). Nothing is installed: the .debs are fetched with
# `apt-get download` and unpacked with `dpkg-deb -x`, so the host's /boot, /lib/modules and
# package database stay as they are (installing linux-image-arm64:arm64 would run its
# maintainer scripts on this machine, and its /lib/modules tree would make the arm64 kernel the
# "newest kernel with headers" of the x86 test-kmod). The kernel is the one the metapackage
# linux-image-arm64:arm64 names; dpkg must know arm64 (`dpkg --add-architecture arm64`, done by
# tools/install-deps.sh). Idempotent: does nothing when that version is unpacked already.
# Usage: fetch-arm64-kernel.sh [DEST]      writes DEST/root, DEST/kver, DEST/busybox
set -eu
dest=${1:-build/arm64-kernel}
meta=linux-image-arm64:arm64
image=$(apt-cache depends "$meta" 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[^:]*\).*/\1/p' | head -n 1)
if [ -z "$image" ]; then
	echo "fetch-arm64-kernel: apt knows no $meta (dpkg --add-architecture arm64 && apt-get update)" >&2
	exit 1
fi
kver=${image#linux-image-}
if [ -f "$dest/kver" ] && [ "$(cat "$dest/kver")" = "$kver" ] && [ -x "$dest/busybox" ]; then
	echo "fetch-arm64-kernel: $kver already in $dest"
	exit 0
fi
# The headers depend on the common headers (arch all) and on linux-kbuild (Multi-Arch: foreign:
# the build machine's own, its tools run here).
abi=${kver%-arm64}
kbuild=$(apt-cache show "linux-headers-$kver:arm64" | sed -n 's/^Depends:.*\(linux-kbuild-[0-9.]*\).*/\1/p' | head -n 1)
[ -n "$kbuild" ] || { echo "fetch-arm64-kernel: no linux-kbuild in linux-headers-$kver's Depends" >&2; exit 1; }
rm -rf "$dest"
mkdir -p "$dest/root"
dest=$(cd "$dest" && pwd)
# apt-get download drops privileges to _apt where it can: give it a folder it may write.
dl=$(mktemp -d)
trap 'rm -rf "$dl"' EXIT
chmod 777 "$dl"
(cd "$dl" && apt-get download -q "$image:arm64" "linux-headers-$kver:arm64" \
	"linux-headers-$abi-common" "$kbuild" busybox-static:arm64)
for deb in "$dl"/*.deb; do
	case $deb in
	*busybox-static*) dpkg-deb -x "$deb" "$dl/busybox-root" ;;
	*) dpkg-deb -x "$deb" "$dest/root" ;;
	esac
	rm -f "$deb"
done
cp "$dl/busybox-root/bin/busybox" "$dest/busybox"
# The flavour's Makefile includes the common headers by absolute path: point it at ours, so the
# build does not depend on the host having the same common headers installed.
sed -i "s|^include /usr/src/|include $dest/root/usr/src/|" "$dest/root/usr/src/linux-headers-$kver/Makefile"
# modinfo -b / modprobe -d need modules.dep, which the package's postinst would have made.
depmod -b "$dest/root" "$kver"
[ -r "$dest/root/boot/vmlinuz-$kver" ] || { echo "fetch-arm64-kernel: no vmlinuz in $image" >&2; exit 1; }
[ -d "$dest/root/usr/src/linux-headers-$kver/scripts/" ] ||
	{ echo "fetch-arm64-kernel: headers of $kver incomplete" >&2; exit 1; }
echo "$kver" >"$dest/kver"
echo "fetch-arm64-kernel: $kver in $dest (headers: $dest/root/usr/src/linux-headers-$kver)"
