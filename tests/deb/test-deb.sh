#!/bin/sh
# `make test-deb`: tests the Debian packages of `make deb` (docs/install.md says what each step
# proves). Usage: test-deb.sh DEB_DIR OUT_DIR [MODULE_SYMVERS]
#  1. versions agree (Makefile, debian/changelog, kmod/dkms.conf, the packages);
#  2. lintian finds no error or warning;
#  3. the packages unpacked (dpkg -x) into an empty root: soname, exports, pkg-config file, DKMS
#     tree and udev rule; a program built from that root alone with pkg-config (shared and
#     --static) runs a model converted by the packaged edgeml and agrees with `edgeml run`
#     byte for byte (arm64 packages: cross-compiled, run under qemu-aarch64);
#  4. native packages only: installed for real with apt (postinst: the edgeml group, DKMS),
#     the same program built with plain `pkg-config` against /usr, DKMS builds and installs
#     edgeml.ko for the kernel of linux-headers-amd64, purge removes everything; then the
#     DKMS-built edgeml.ko runs the tests of test-kmod in its QEMU VM (tests/kmod/run-vm-test.sh
#     on a folder holding that edgeml.ko and the Module.symvers DKMS kept for it,
#     /var/lib/dkms/edgeml/VERSION/KVER/ARCH/Module.symvers, which the test sensor module links
#     against as any sensor driver would; its exports must equal those of MODULE_SYMVERS, the
#     Module.symvers of `make kmod` from the same source), and the udev rule and group are
#     checked with a real udevd in a VM (tests/deb/udev-vm-test.sh).
# env: DEB_VM=0 skips the two VMs; KDIR as for test-kmod.
set -eu
debs=$(cd "$1" && pwd)
out=$2
symvers=${3:-}
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
fail() {
	echo "test-deb: FAILED: $*" >&2
	exit 1
}
step() { echo "== test-deb: $*"; }
start=$(date +%s)

version=$(sed -n 's/^VERSION := //p' "$src/Makefile")
lib=$(ls "$debs"/libedgeml0_*.deb)
arch=$(dpkg-deb -f "$lib" Architecture)
native=$(dpkg --print-architecture)
triplet=$(dpkg-architecture -a"$arch" -qDEB_HOST_MULTIARCH 2>/dev/null)
rm -rf "$out"
mkdir -p "$out"
out=$(cd "$out" && pwd)
pkgs="libedgeml0_${version}_$arch libedgeml-dev_${version}_$arch edgeml_${version}_$arch edgeml-dkms_${version}_all"
for p in $pkgs; do
	[ -f "$debs/$p.deb" ] || fail "$debs/$p.deb missing (make deb)"
done

step "versions ($version)"
changelog=$(dpkg-parsechangelog -l "$src/debian/changelog" -SVersion)
dkms_conf=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$src/kmod/dkms.conf")
[ "$changelog" = "$version" ] || fail "debian/changelog says $changelog, Makefile VERSION $version"
[ "$dkms_conf" = "$version" ] || fail "kmod/dkms.conf says $dkms_conf, Makefile VERSION $version"
for p in $pkgs; do
	v=$(dpkg-deb -f "$debs/$p.deb" Version)
	[ "$v" = "$version" ] || fail "$p.deb has version $v"
done

step "lintian"
lintian --fail-on error,warning --display-info --pedantic "$debs"/edgeml_"${version}"_"$arch".changes ||
	fail "lintian (see above)"

step "contents, unpacked into an empty root"
root=$out/root
mkdir -p "$root"
for p in $pkgs; do dpkg-deb -x "$debs/$p.deb" "$root"; done
libdir=usr/lib/$triplet
so=$root/$libdir/libedgeml.so.$version
soname=$(readelf -d "$so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = libedgeml.so.0 ] || fail "soname of $so is '$soname'"
[ "$(readlink "$root/$libdir/libedgeml.so.0")" = "libedgeml.so.$version" ] || fail "libedgeml.so.0 link"
[ "$(readlink "$root/$libdir/libedgeml.so")" = libedgeml.so.0 ] || fail "libedgeml.so link"
leaked=$(readelf --dyn-syms -W "$so" | awk '$5 == "GLOBAL" && $7 != "UND" && $8 !~ /^edgeml_/ { print $8 }')
[ -z "$leaked" ] || fail "libedgeml.so exports more than edgeml_*: $leaked"
[ -f "$root/usr/include/edgeml.h" ] && [ -f "$root/$libdir/libedgeml.a" ] || fail "header or static library"
for f in dkms.conf Kbuild edgeml_main.c edgeml_sensor.h uapi/edgeml_uapi.h dkms-post-build.sh; do
	[ -f "$root/usr/src/edgeml-$version/$f" ] || fail "edgeml-dkms lacks usr/src/edgeml-$version/$f"
done
# DKMS runs POST_BUILD only when it is executable (else it warns and the exports are not kept).
[ -x "$root/usr/src/edgeml-$version/dkms-post-build.sh" ] || fail "dkms-post-build.sh is not executable"
[ -f "$root/lib/udev/rules.d/60-edgeml.rules" ] || fail "edgeml-dkms lacks the udev rule"
echo "soname $soname, $(readelf --dyn-syms -W "$so" | awk '$5 == "GLOBAL" && $7 != "UND"' | wc -l) exported symbols, all edgeml_*"

# The program of a board user, built and run against a root; $1 names the build, the rest is
# the environment pkg-config runs in. Compares with the packaged edgeml's `run`.
if [ "$arch" = "$native" ]; then
	cc=gcc
	run_in_root() { LD_LIBRARY_PATH=$root/$libdir "$@"; }
else
	cc=$triplet-gcc
	qemu_cpu=$(case $arch in arm64) echo qemu-aarch64 ;; *) echo "qemu-$arch" ;; esac)
	run_in_root() { "$qemu_cpu" -E LD_LIBRARY_PATH="$root/$libdir" "$@"; }
fi
user_program() {
	name=$1
	runner=$2
	shift 2
	cflags=$(env "$@" pkg-config --cflags edgeml)
	libs=$(env "$@" pkg-config --libs edgeml)
	static_libs=$(env "$@" pkg-config --static --libs edgeml)
	echo "pkg-config ($name): cflags '$cflags' libs '$libs' static '$static_libs'"
	# shellcheck disable=SC2086 # the flags are word lists
	$cc -O2 -Wall -Werror -o "$out/user-$name" "$here/edgeml_user.c" $cflags $libs
	# shellcheck disable=SC2086
	$cc -O2 -Wall -Werror -static -o "$out/user-$name-static" "$here/edgeml_user.c" $cflags $static_libs
	readelf -d "$out/user-$name" | grep -q 'NEEDED.*\[libedgeml.so.0\]' || fail "user-$name does not use libedgeml.so.0"
	if readelf -d "$out/user-$name-static" | grep -q NEEDED; then fail "user-$name-static is dynamic"; fi
	for fixture in mobilenet_block.s8 mobilenet_block.u8; do
		w=$out/$name-$fixture
		mkdir -p "$w"
		$runner "$edgeml" convert "$src/models/fixtures/$fixture.onnx" "$w/model.eml" >/dev/null
		for kind in "" -static; do
			$runner "$out/user-$name$kind" "$w/model.eml" "$w/in.npy" "$w/out$kind.bin" >"$w/user$kind.txt" ||
				fail "user-$name$kind on $fixture"
		done
		input=$(sed -n 's/^input //p' "$w/user.txt")
		output=$(sed -n 's/^output //p' "$w/user.txt")
		$runner "$edgeml" run "$w/model.eml" --input "$input=$w/in.npy" --output-dir "$w/run" >/dev/null
		npy=$w/run/$(echo "$output" | tr / _).npy
		size=$(wc -c <"$w/out.bin")
		[ "$size" -gt 0 ] && tail -c "$size" "$npy" | cmp -s - "$w/out.bin" ||
			fail "$fixture: user-$name output differs from edgeml run"
		cmp -s "$w/out.bin" "$w/out-static.bin" || fail "$fixture: user-$name-static differs"
		echo "$fixture: user-$name (shared and static) = edgeml run, $size bytes;" \
			"$(sed -n 's/^backend //p' "$w/user.txt") backend, library $(sed -n 's/^library //p' "$w/user.txt")"
	done
}
step "a program built against the unpacked root with pkg-config"
edgeml=$root/usr/bin/edgeml
run_in_root "$edgeml" info | sed -n '1,2p;/^cpu kernels/p'
user_program root run_in_root PKG_CONFIG_LIBDIR="$root/$libdir/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$root" \
	PKG_CONFIG_ALLOW_SYSTEM_LIBS=1 PKG_CONFIG_ALLOW_SYSTEM_CFLAGS=1

if [ "$arch" != "$native" ]; then
	echo "test-deb: $arch packages pass (unpacked and run under $qemu_cpu; not installed: not this machine's architecture) in $(($(date +%s) - start)) s"
	exit 0
fi

step "installed for real with apt"
installed=
purge() {
	[ -n "$installed" ] || return 0
	installed=
	apt-get purge -y -qq -o DPkg::Lock::Timeout=300 edgeml edgeml-dkms libedgeml-dev libedgeml0 >"$out/purge.log" 2>&1 ||
		{ cat "$out/purge.log"; fail "apt-get purge"; }
}
trap purge EXIT
if dpkg-query -W -f='${Status}\n' edgeml-dkms libedgeml0 2>/dev/null | grep -q 'installed'; then
	fail "edgeml packages are already installed here; purge them first (the test purges what it installs)"
fi
installed=yes
t=$(date +%s)
debfiles=
for p in $pkgs; do debfiles="$debfiles $debs/$p.deb"; done
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive apt-get install -y -o DPkg::Lock::Timeout=300 --no-install-recommends \
	$debfiles >"$out/install.log" 2>&1 || { cat "$out/install.log"; fail "apt-get install"; }
echo "apt-get install: $(($(date +%s) - t)) s"
grep -iE 'dkms|edgeml.ko|module' "$out/install.log" | head -n 12 || true
gid=$(getent group edgeml | cut -d: -f3)
[ -n "$gid" ] || fail "postinst did not create the edgeml group"
[ "$gid" -lt 1000 ] || fail "edgeml group $gid is not a system group"
echo "group edgeml: gid $gid (system)"
man -w edgeml >/dev/null || fail "no manual page for edgeml"
edgeml=/usr/bin/edgeml
plain() { "$@"; }
user_program usr plain PATH="$PATH"
ldd "$out/user-usr" | grep -Eq "libedgeml.so.0 => (/usr)?/lib/$triplet/libedgeml.so.0" ||
	fail "user-usr does not load /usr/lib/$triplet/libedgeml.so.0"

step "DKMS"
# The kernel test-kmod boots: the newest with headers and a /boot image (as kmod/Makefile).
kver=$(for d in /lib/modules/*; do
	v=${d##*/}
	[ -d "$d/build" ] && [ -e "/boot/vmlinuz-$v" ] && echo "$v"
done | sort -V | tail -n 1)
[ -n "$kver" ] || fail "no kernel with headers and /boot/vmlinuz (install linux-headers-amd64 linux-image-amd64)"
if ! dkms status -m edgeml -v "$version" -k "$kver" | grep -q installed; then
	t=$(date +%s)
	dkms install -m edgeml -v "$version" -k "$kver" >"$out/dkms.log" 2>&1 || { cat "$out/dkms.log"; fail "dkms install"; }
	echo "dkms install for $kver: $(($(date +%s) - t)) s (postinst built for $(uname -r), the running kernel, which has no headers here)"
fi
dkms status -m edgeml -v "$version"
ko=$(modinfo -k "$kver" -n edgeml)
case $ko in
"/lib/modules/$kver/updates/dkms/edgeml.ko"*) ;;
*) fail "modinfo -k $kver finds edgeml at '$ko', not DKMS's updates/dkms" ;;
esac
vermagic=$(modinfo -F vermagic "$ko" | cut -d' ' -f1)
[ "$vermagic" = "$kver" ] || fail "$ko is for $vermagic"
mkdir -p "$out/dkms-build"
cp "$ko" "$out/dkms-build/edgeml.ko"
echo "DKMS built $ko (vermagic $vermagic)"
# What a sensor driver builds against: the exports DKMS kept (kmod/dkms-post-build.sh), and the
# header in the installed source.
dkms_symvers=/var/lib/dkms/edgeml/$version/$kver/$(uname -m)/Module.symvers
[ -s "$dkms_symvers" ] || fail "DKMS kept no $dkms_symvers (POST_BUILD in kmod/dkms.conf)"
for sym in edgeml_sensor_register edgeml_sensor_unregister edgeml_ring_push_frame; do
	grep -Eq "^0x[0-9a-f]+	$sym	.*	EXPORT_SYMBOL_GPL" "$dkms_symvers" ||
		fail "$dkms_symvers does not export $sym"
done
for h in edgeml_sensor.h uapi/edgeml_uapi.h; do
	[ -f "/usr/src/edgeml-$version/$h" ] || fail "the installed source lacks $h"
done
cp "$dkms_symvers" "$out/dkms-build/Module.symvers"
echo "DKMS kept $dkms_symvers ($(wc -l <"$dkms_symvers") exports)"

step "purge"
purge
[ ! -e "$ko" ] || fail "purge left $ko"
[ ! -e "/usr/src/edgeml-$version" ] || fail "purge left /usr/src/edgeml-$version"
[ ! -e "/usr/lib/$triplet/libedgeml.so.0" ] || fail "purge left libedgeml.so.0"
! dkms status -m edgeml | grep -q . || fail "purge left DKMS state: $(dkms status -m edgeml)"
echo "purged: module, sources, library and DKMS state gone (the edgeml group stays, docs/install.md)"

if [ "${DEB_VM:-1}" = 0 ]; then
	echo "test-deb: pass without the VMs (DEB_VM=0) in $(($(date +%s) - start)) s"
	exit 0
fi
step "the DKMS-built module in the test-kmod VM"
# Same source, same kernel: the same symbols with the same CRCs (the module path differs).
if [ -f "$symvers" ]; then
	exports() { cut -f1,2,4 "$1" | sort; }
	[ "$(exports "$symvers")" = "$(exports "$out/dkms-build/Module.symvers")" ] ||
		fail "DKMS's Module.symvers differs from $symvers"
fi
RACE_ITERS=${RACE_ITERS:-50} FUZZ_SECONDS=${FUZZ_SECONDS:-5} \
	"$src/tests/kmod/run-vm-test.sh" "$out/dkms-build" "$out/vm-kmod"
step "udev rule and group, with udevd in a VM"
"$here/udev-vm-test.sh" "$out/dkms-build/edgeml.ko" "$root/lib/udev/rules.d/60-edgeml.rules" "$out/vm-udev"
echo "test-deb: pass in $(($(date +%s) - start)) s"
