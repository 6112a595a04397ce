#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# DKMS POST_BUILD (kmod/dkms.conf): keeps the build's Module.symvers beside the built module in
# DKMS's tree, /var/lib/dkms/edgeml/VERSION/KERNELVER/ARCH/Module.symvers, as DKMS deletes the
# build folder afterwards. A sensor driver built against edgeml's in-kernel API
# (edgeml_sensor.h) passes that file as KBUILD_EXTRA_SYMBOLS, so modpost knows edgeml's exports
# and their CRCs (docs/kmod.md). DKMS runs this in the build folder.
# Usage: dkms-post-build.sh DKMS_KERNEL_ARCH_DIR
set -eu
fail() {
	echo "edgeml dkms-post-build: $*" >&2
	exit 1
}
[ -d "$1" ] || fail "no folder $1"
[ -s Module.symvers ] || fail "the build left no Module.symvers"
cp Module.symvers "$1/Module.symvers"
