#!/bin/sh
# Packs the kmod test VM's initramfs: a static busybox, /init and the given files in its root,
# as a gzip'd newc cpio owned by root. No root privileges needed.
# Usage: mkinitramfs.sh OUT.cpio.gz INIT_SCRIPT FILE...     env: BUSYBOX (default /bin/busybox)
set -eu
out=$1
init=$2
shift 2
busybox=${BUSYBOX:-/bin/busybox}
if command -v file >/dev/null && ! file -L "$busybox" | grep -q 'statically linked'; then
	echo "mkinitramfs: $busybox is not a static busybox (install busybox-static)" >&2
	exit 1
fi
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin"
cp "$busybox" "$root/bin/busybox"
cp "$init" "$root/init"
chmod 755 "$root/init"
for f in "$@"; do
	cp "$f" "$root/"
done
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -1 >"$out"
