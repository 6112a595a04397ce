#!/bin/busybox sh
# shellcheck shell=dash
# /init of the udev VM of tests/deb/udev-vm-test.sh: udevd (Debian's, with its libraries)
# runs as on a board, edgeml.ko is loaded, and /dev/edgeml must come out 0660 root:edgeml, open
# to a user in the group and closed to one outside it.
/bin/busybox mkdir -p /proc /sys /dev /tmp /run
/bin/busybox mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
/bin/busybox --install -s /bin
export PATH=/bin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t tmpfs tmpfs /run
echo "EDGEML-VM booted after $(cut -d' ' -f1 /proc/uptime) s of guest uptime"
/lib/systemd/systemd-udevd --daemon || echo "UDEV FAIL: udevd did not start"
insmod /edgeml.ko || echo "UDEV FAIL: insmod edgeml.ko"
udevadm settle --timeout=60 || echo "UDEV FAIL: udevadm settle"
echo "UDEV node $(stat -c '%a %u %g' /dev/edgeml)"
max_kb=$(cat /sys/module/edgeml/parameters/max_buffer_kb)
/open_as 1000 "$EDGEML_GID" "$max_kb"
echo "UDEV member exit $?"
/open_as 1001 none "$max_kb"
echo "UDEV nonmember exit $?"
poweroff -f
