#!/bin/sh
# Installs every Debian package edgeml needs to build and test. Non-interactive, idempotent.
set -eu
# python3-torchvision (system python, not the venv) exports the model zoo of `make zoo`.
# python3-opencv (system python) is the reference of the image preprocessing (`make test-image`,
# `make bench-preprocess`).
# debhelper, dh-dkms, dkms, lintian, udev, crossbuild-essential-arm64 and pkg-config:arm64
# build and test the Debian packages (`make deb`, `make test-deb`, docs/install.md).
# libcurl and libmosquitto: the fleet commands; docker-registry and mosquitto: the servers
# `make test-registry` and `make test-fleet` start on loopback (docs/fleet.md).
PKGS="build-essential clang pkg-config zlib1g-dev python3-venv
protobuf-c-compiler libprotobuf-c-dev libonnx-dev libonnx-testdata libcmocka-dev
libvulkan-dev mesa-vulkan-drivers glslang-dev glslang-tools libdrm-dev vulkan-validationlayers spirv-tools
qemu-user gcc-aarch64-linux-gnu libc6-dev-arm64-cross busybox-static gnuplot-nox
linux-headers-amd64 linux-image-amd64 qemu-system-x86 qemu-system-arm sparse cpio kmod python3-torchvision
libsodium-dev libzstd-dev python3-opencv
libcurl4-openssl-dev libmosquitto-dev docker-registry mosquitto
debhelper dh-dkms dkms lintian udev crossbuild-essential-arm64 pkg-config:arm64
zlib1g-dev:arm64 libprotobuf-c-dev:arm64 libsodium-dev:arm64 libzstd-dev:arm64"
# Debian's arm64 kernel, its headers and an arm64 busybox for `make kmod ARCH=arm64` and `make
# test-kmod ARCH=arm64` are unpacked into build/arm64-kernel, not installed (docs/kmod.md).
here=$(cd "$(dirname "$0")" && pwd)
arm64_kernel() { "$here/fetch-arm64-kernel.sh" "$here/../build/arm64-kernel"; }
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -z "$missing" ]; then
	echo "deps: all Debian packages present"
	arm64_kernel
	exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "deps: installing$missing"
# The aarch64 edgeml of `make test-arm` links Debian's arm64 zlib, protobuf-c, libsodium and
# libzstd, which install
# beside the amd64 ones once dpkg knows the architecture (multiarch).
dpkg --print-foreign-architectures | grep -qx arm64 || $SUDO dpkg --add-architecture arm64
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
arm64_kernel
