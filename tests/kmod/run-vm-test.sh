#!/bin/sh
# Host side of `make test-kmod`: builds the static test program, packs the initramfs, boots the
# kernel edgeml.ko was built for under QEMU (TCG) with a timeout, and passes only when the VM
# booted, the tests ran to their summary line and none failed.
# Usage: run-vm-test.sh KMOD_BUILD_DIR OUT_DIR
#   env: KDIR (kernel headers, default those of edgeml.ko's kernel), VM_TIMEOUT (seconds,
#   default 400), RACE_ITERS (start/stop race loop iterations per source, default 200),
#   FUZZ_SECONDS (ioctl fuzzer run time, default 20; 0 skips it), FUZZ_SEED (default: the
#   guest's clock), EDGEML_BIN (a static edgeml, of the VM's architecture), STREAM_MODEL (vibration autoencoder .eml), STREAM_THRESHOLD: when all three are
#   given, the VM also streams frames through the runtime (tests/kmod/stream-test.sh);
#   V4L2_MODEL (the YUYV 640x480 model of make_yuyv_model.py) with EDGEML_BIN: the VM also
#   captures from the kernel's vivid camera (tests/kmod/v4l2-test.sh); BENCH_MODEL (default
#   STREAM_MODEL): the model the streaming part benchmarks (edgeml bench --json, saved as
#   OUT_DIR/bench.json).
#   KMOD_ARCH: x86_64 (default; the host's kernel from /boot and /lib/modules, CC default gcc,
#   qemu-system-x86_64) or arm64 (Debian's arm64 kernel unpacked under KERNEL_ROOT by
#   tools/fetch-arm64-kernel.sh, CC default aarch64-linux-gnu-gcc, qemu-system-aarch64 -M virt
#   -cpu max, the arm64 busybox KERNEL_ROOT/../busybox); CC, QEMU, BUSYBOX override.
set -eu
kbuild=$1
out=$2
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
kmod_arch=${KMOD_ARCH:-x86_64}
case $kmod_arch in
x86_64)
	kroot=${KERNEL_ROOT:-}
	cc=${CC:-gcc}
	qemu=${QEMU:-qemu-system-x86_64}
	console=ttyS0
	kbuild_args=
	;;
arm64)
	kroot=${KERNEL_ROOT:-build/arm64-kernel/root}
	[ -d "$kroot" ] || { echo "test-kmod: no arm64 kernel in $kroot (tools/fetch-arm64-kernel.sh)" >&2; exit 1; }
	kroot=$(cd "$kroot" && pwd)
	cc=${CC:-aarch64-linux-gnu-gcc}
	qemu=${QEMU:-qemu-system-aarch64}
	console=ttyAMA0
	export BUSYBOX="${BUSYBOX:-$kroot/../busybox}"
	kbuild_args="ARCH=arm64 CROSS_COMPILE=${CROSS_COMPILE:-aarch64-linux-gnu-}"
	;;
*) echo "test-kmod: KMOD_ARCH must be x86_64 or arm64, not '$kmod_arch'" >&2; exit 1 ;;
esac
timeout_s=${VM_TIMEOUT:-400}
race_iters=${RACE_ITERS:-200}
fuzz_seconds=${FUZZ_SECONDS:-20}
fuzz_seed=${FUZZ_SEED:-}
for n in "$race_iters" "$fuzz_seconds" $fuzz_seed; do
	case $n in
	'' | *[!0-9]*) echo "test-kmod: RACE_ITERS, FUZZ_SECONDS, FUZZ_SEED must be numbers" >&2; exit 1 ;;
	esac
done

ko=$kbuild/edgeml.ko
[ -f "$ko" ] || { echo "test-kmod: $ko missing (make kmod)" >&2; exit 1; }
kver=$(modinfo -F vermagic "$ko" | cut -d' ' -f1)
kernel=$kroot/boot/vmlinuz-$kver
[ -r "$kernel" ] || { echo "test-kmod: no readable $kernel for $ko" >&2; exit 1; }
mkdir -p "$out"

$cc -static -O2 -g -std=gnu11 -Wall -Wextra -Werror -pthread -I"$src/kmod/uapi" \
	-o "$out/edgeml_kmod_test" "$here/edgeml_kmod_test.c"
$cc -static -O2 -g -std=gnu11 -Wall -Wextra -Werror -pthread -I"$src/kmod/uapi" \
	-o "$out/edgeml_kmod_fuzz" "$here/edgeml_kmod_fuzz.c"
# The test sensor module builds like edgeml.ko: sources linked into a build folder.
if [ -n "$kroot" ]; then
	kdir=${KDIR:-$kroot/usr/src/linux-headers-$kver}
else
	kdir=${KDIR:-/lib/modules/$kver/build}
fi
mod=$(cd "$out" && pwd)/module
mkdir -p "$mod"
ln -sfn "$here/Kbuild" "$mod/Kbuild"
ln -sfn "$here/edgeml_test_sensor.c" "$mod/edgeml_test_sensor.c"
# shellcheck disable=SC2086 # kbuild_args: ARCH= and CROSS_COMPILE= words, or none
make -s -C "$kdir" M="$mod" $kbuild_args EDGEML_KMOD_SRC="$src/kmod" \
	KBUILD_EXTRA_SYMBOLS="$(cd "$kbuild" && pwd)/Module.symvers" modules
stream_files=
if [ -n "${EDGEML_BIN:-}" ] && [ -n "${STREAM_MODEL:-}" ] && [ -n "${STREAM_THRESHOLD:-}" ]; then
	cp "$EDGEML_BIN" "$out/edgeml"
	cp "$STREAM_MODEL" "$out/stream_model.eml"
	echo "STREAM_THRESHOLD=$STREAM_THRESHOLD" >"$out/stream.env"
	# -cpu max has dotprod and i8mm: the aarch64 edgeml must pick its i8mm kernels there.
	if [ "$kmod_arch" = arm64 ]; then
		echo "STREAM_CPU_KERNELS=i8mm" >>"$out/stream.env"
	fi
	stream_files="$out/edgeml $out/stream_model.eml $out/stream.env $here/stream-test.sh"
	if [ -n "${BENCH_MODEL:-}" ]; then
		echo "BENCH_MODEL=/${BENCH_MODEL##*/}" >>"$out/stream.env"
		stream_files="$stream_files $BENCH_MODEL"
	fi
fi
# --- V4L2 part: vivid and the media modules it needs, from the kernel the VM boots ---
v4l2_files=
if [ -n "${EDGEML_BIN:-}" ] && [ -n "${V4L2_MODEL:-}" ]; then
	cp "$EDGEML_BIN" "$out/edgeml"
	cp "$V4L2_MODEL" "$out/v4l2_model.eml"
	v4l2_files="$out/edgeml $out/v4l2_model.eml $here/v4l2-test.sh"
	if [ -n "${V4L2_IMAGE_MODEL:-}" ]; then
		cp "$V4L2_IMAGE_MODEL" "$out/v4l2_image_model.eml"
		v4l2_files="$v4l2_files $out/v4l2_image_model.eml"
	fi
	for m in mc videodev rc-core cec v4l2-dv-timings v4l2-tpg videobuf2-common \
		videobuf2-memops videobuf2-v4l2 videobuf2-vmalloc videobuf2-dma-contig vivid; do
		path=$(modinfo ${kroot:+-b "$kroot"} -k "$kver" -n "$m") || { echo "test-kmod: no module $m for $kver" >&2; exit 1; }
		case $path in
		*.ko) cp "$path" "$out/$m.ko" ;;
		*.ko.xz) xz -dc "$path" >"$out/$m.ko" ;;
		*.ko.zst) zstd -qdc "$path" >"$out/$m.ko" ;;
		*) echo "test-kmod: cannot unpack $path" >&2; exit 1 ;;
		esac
		v4l2_files="$v4l2_files $out/$m.ko"
	done
fi
# shellcheck disable=SC2086 # stream_files, v4l2_files are lists of paths without spaces
"$here/mkinitramfs.sh" "$out/initramfs.cpio.gz" "$here/init.sh" "$ko" "$out/edgeml_kmod_test" \
	"$out/edgeml_kmod_fuzz" "$mod/edgeml_test_sensor.ko" $stream_files $v4l2_files

accel=tcg
# -cpu max: the guest gets the vector extensions TCG emulates (x86: AVX2, FMA; arm64: dotprod,
# i8mm), so the streamed model runs edgeml's fast kernels as on a real gateway or board; x86's
# qemu64 would leave it the reference kernels with software fmaf, tens of times slower under
# emulation. On arm64, pauth-impdef=on swaps the architected pointer-authentication hash
# (QARMA, very slow to emulate; Debian's kernel signs every return address) for QEMU's cheap one.
machine="-machine accel=tcg -cpu max"
if [ "$kmod_arch" = arm64 ]; then
	machine="-machine virt,accel=tcg -cpu max,pauth-impdef=on"
elif [ -e /sys/module/kvm_intel ] || [ -e /sys/module/kvm_amd ]; then
	accel=kvm:tcg
	machine="-machine accel=$accel -cpu max"
fi
log=$out/console.log
# The debugging Debian's kernel allows without a rebuild (no KASAN, lockdep or KCSAN there):
# SLUB consistency checks, red zones and poisoning, poisoned freed pages (use-after-free reads
# garbage and list pointers fault); any oops, soft lockup or hung task ends the VM at once, so a
# kernel bug fails the run instead of hanging it. CONFIG_DEBUG_LIST and
# CONFIG_BUG_ON_DATA_CORRUPTION are built in.
debug_args="slub_debug=FZP page_poison=1 oops=panic softlockup_panic=1 hung_task_panic=1"
start=$(date +%s.%N)
set +e
# shellcheck disable=SC2086 # machine: qemu options
timeout -k 5 "$timeout_s" "$qemu" $machine -m 512 -smp 2 -nographic -no-reboot \
	-nic none -kernel "$kernel" -initrd "$out/initramfs.cpio.gz" \
	-append "console=$console panic=-1 quiet $debug_args RACE_ITERS=$race_iters FUZZ_SECONDS=$fuzz_seconds${fuzz_seed:+ FUZZ_SEED=$fuzz_seed}" \
	</dev/null >"$log" 2>&1
rc=$?
set -e
end=$(date +%s.%N)
# Drop carriage returns and the firmware's terminal escapes so that lines start clean.
sed -e 's/\r//g' -e 's/\x1bc//g' -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' "$log" >"$log.txt"
mv "$log.txt" "$log"

grep -E '^(FAIL|INFO|DMESG|STREAM|FUZZ|V4L2) |EDGEML-VM ' "$log" || true
# Oopses and panics reach the console even with quiet; none may appear.
kernel_bug='(BUG:|Oops|general protection|Kernel panic|list_(add|del) corruption|soft lockup|WARNING:|Call Trace)'
if grep -Eq "$kernel_bug" "$log"; then
	echo "test-kmod: FAILED: the kernel reported a bug:" >&2
	grep -E -m 40 -A 12 "$kernel_bug" "$log" >&2
	exit 1
fi
wall=$(awk "BEGIN { printf \"%.1f\", $end - $start }")
echo "test-kmod: VM ran $wall s wall (kernel $kver, $kmod_arch, accel $accel); log: $log"
if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
	echo "test-kmod: FAILED: VM timed out after ${timeout_s} s" >&2
	exit 1
fi
# The firmware leaves no newline before init's first line: match anywhere on the line.
if ! grep -q 'EDGEML-VM booted' "$log"; then
	echo "test-kmod: FAILED: the VM did not boot to /init (qemu exit $rc)" >&2
	tail -n 30 "$log" >&2
	exit 1
fi
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
if [ -z "$summary" ]; then
	echo "test-kmod: FAILED: the tests did not finish (crash or panic?)" >&2
	tail -n 40 "$log" >&2
	exit 1
fi
echo "test-kmod: $summary"
case $summary in
*", 0 failed") grep -q 'EDGEML-VM test exit status 0$' "$log" || exit 1 ;;
*) exit 1 ;;
esac
if [ "$fuzz_seconds" -gt 0 ]; then
	if ! grep -q '^FUZZ PASS' "$log" || ! grep -q 'EDGEML-VM fuzz exit status 0$' "$log"; then
		echo "test-kmod: FAILED: the ioctl fuzzer (see FUZZ lines above)" >&2
		exit 1
	fi
	echo "test-kmod: fuzz: $(grep '^FUZZ PASS' "$log" | cut -d' ' -f3-)"
fi
if [ -n "$stream_files" ]; then
	if ! grep -q '^STREAM PASS' "$log"; then
		echo "test-kmod: FAILED: streaming through the runtime (see STREAM lines above)" >&2
		exit 1
	fi
	echo "test-kmod: stream: $(grep '^STREAM PASS' "$log" | cut -d' ' -f3-)"
	# The VM's `edgeml bench --json` (stream-test.sh), for `edgeml report` (docs/board.md).
	sed -n '/^BENCH-JSON-BEGIN$/,/^BENCH-JSON-END$/p' "$log" | sed '1d;$d' >"$out/bench.json"
	grep -q '"schema": "edgeml-bench"' "$out/bench.json" ||
		{ echo "test-kmod: FAILED: no bench JSON from the VM" >&2; exit 1; }
	# The fingerprint must see the module's device: what a board's report records.
	grep -q '"dev_edgeml": true' "$out/bench.json" ||
		{ echo "test-kmod: FAILED: the VM's bench did not see /dev/edgeml" >&2; exit 1; }
	echo "test-kmod: bench: $out/bench.json"
fi
if [ -n "$v4l2_files" ]; then
	if ! grep -q '^V4L2 PASS' "$log"; then
		echo "test-kmod: FAILED: V4L2 capture from vivid (see V4L2 lines above)" >&2
		exit 1
	fi
	echo "test-kmod: v4l2: $(grep '^V4L2 PASS' "$log" | cut -d' ' -f3-)"
fi
