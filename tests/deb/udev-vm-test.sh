#!/bin/sh
# Checks the udev rule and group of edgeml-dkms with a real udevd: boots the kernel edgeml.ko
# was built for under QEMU with an initramfs holding Debian's systemd-udevd and its libraries,
# the rule, /etc/group with an edgeml group, and tests/deb/open_as.c. Passes when /dev/edgeml
# is 0660 root:edgeml, a user in the group opens it, allocates and maps a buffer (and is refused
# one above max_buffer_kb), and a user outside the group gets EACCES.
# Usage: udev-vm-test.sh EDGEML_KO RULES_FILE OUT_DIR     env: VM_TIMEOUT (default 180), CC, QEMU
set -eu
ko=$1
rules=$2
out=$3
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
cc=${CC:-gcc}
qemu=${QEMU:-qemu-system-x86_64}
busybox=${BUSYBOX:-/bin/busybox}
udevd=/lib/systemd/systemd-udevd
gid=990
kver=$(modinfo -F vermagic "$ko" | cut -d' ' -f1)
kernel=/boot/vmlinuz-$kver
[ -r "$kernel" ] || { echo "udev-vm-test: no readable $kernel for $ko" >&2; exit 1; }
[ -x "$udevd" ] || { echo "udev-vm-test: $udevd missing (Debian package udev)" >&2; exit 1; }
rm -rf "$out"
mkdir -p "$out"
root=$out/root
mkdir -p "$root/bin" "$root/etc" "$root/lib/systemd" "$root/lib/udev/rules.d"
cp "$busybox" "$root/bin/busybox"
cp "$here/udev-init.sh" "$root/init"
chmod 755 "$root/init"
cp "$ko" "$root/edgeml.ko"
cp "$rules" "$root/lib/udev/rules.d/"
$cc -static -O2 -std=gnu11 -Wall -Wextra -Werror -I"$src/kmod/uapi" -o "$root/open_as" "$here/open_as.c"
# udevd is udevadm under another name; it and every library it loads, at their own paths.
real=$(readlink -f "$udevd")
mkdir -p "$root$(dirname "$real")"
cp "$real" "$root$real"
ln -s "$real" "$root$udevd"
for l in $(ldd "$real" | awk '/=> \// { print $3 } /^\t\// { print $1 }'); do
	mkdir -p "$root$(dirname "$l")"
	cp -L "$l" "$root$l"
done
printf 'root:x:0:0:root:/:/bin/sh\napp:x:1000:1000::/:/bin/sh\nother:x:1001:1001::/:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\nedgeml:x:%s:app\napp:x:1000:\nother:x:1001:\n' "$gid" >"$root/etc/group"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -1 >"$out/initramfs.cpio.gz"

accel=tcg
if [ -e /sys/module/kvm_intel ] || [ -e /sys/module/kvm_amd ]; then accel=kvm:tcg; fi
log=$out/console.log
set +e
timeout -k 5 "${VM_TIMEOUT:-180}" "$qemu" -machine accel=$accel -cpu max -m 512 -smp 2 -nographic \
	-no-reboot -nic none -kernel "$kernel" -initrd "$out/initramfs.cpio.gz" \
	-append "console=ttyS0 panic=-1 quiet oops=panic EDGEML_GID=$gid" </dev/null >"$log" 2>&1
rc=$?
set -e
sed -e 's/\r//g' -e 's/\x1bc//g' -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' "$log" >"$log.txt"
mv "$log.txt" "$log"
grep -E '^UDEV ' "$log" || true
fail() {
	echo "udev-vm-test: FAILED: $* (qemu exit $rc; log: $log)" >&2
	tail -n 30 "$log" >&2
	exit 1
}
grep -q 'EDGEML-VM booted' "$log" || fail "the VM did not boot to /init"
if grep -Eq '(BUG:|Oops|Kernel panic|WARNING:|Call Trace)' "$log"; then fail "the kernel reported a bug"; fi
if grep -q '^UDEV FAIL' "$log"; then fail "see the UDEV FAIL lines"; fi
grep -q "^UDEV node 660 0 $gid\$" "$log" || fail "/dev/edgeml is not 0660 root:edgeml"
grep -q '^UDEV member exit 0$' "$log" || fail "a member of the edgeml group could not use /dev/edgeml"
grep -q '^UDEV nonmember exit 3$' "$log" || fail "a user outside the group was not refused with EACCES"
echo "udev-vm-test: /dev/edgeml 0660 root:edgeml under udevd; group member may open, allocate and map; others get EACCES"
