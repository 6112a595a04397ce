#!/bin/busybox sh
# /init of the kmod test VM: mount the kernel file systems, run the module tests, power off.
# The initramfs has no /dev/console node (packing one needs root), so stdio is opened here.
# RACE_ITERS, FUZZ_SECONDS and FUZZ_SEED come from the kernel command line (unknown
# name=value words become init's environment).
/bin/busybox mkdir -p /proc /sys /dev /tmp
/bin/busybox mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
echo "EDGEML-VM booted after $(cut -d' ' -f1 /proc/uptime) s of guest uptime"
/edgeml_kmod_test /edgeml.ko /edgeml_test_sensor.ko "${RACE_ITERS:-200}"
echo "EDGEML-VM test exit status $?"
if [ "${FUZZ_SECONDS:-0}" -gt 0 ]; then
	/edgeml_kmod_fuzz /edgeml.ko /edgeml_test_sensor.ko "$FUZZ_SECONDS" ${FUZZ_SEED:+"$FUZZ_SEED"}
	echo "EDGEML-VM fuzz exit status $?"
fi
[ -x /stream-test.sh ] && /stream-test.sh
[ -x /v4l2-test.sh ] && /v4l2-test.sh
poweroff -f
