#!/bin/sh
# bench-fleet.sh — what packages cost on the reference ResNet-18 (int8): load time of a bare
# .eml, a signed package and a signed + encrypted one (tests/perf/package_load.c).
# usage: bench-fleet.sh EDGEML PACKAGE_LOAD MODELS_DIR WORKDIR [ROUNDS]
set -eu
EDGEML=$1 LOADER=$2 MODELS=$3 W=$4 ROUNDS=${5:-30}
rm -rf "$W"
mkdir -p "$W/device/trusted.d" "$W/device/keys.d"
"$EDGEML" convert "$MODELS/resnet18.int8.onnx" "$W/resnet18.eml" > /dev/null
"$EDGEML" keygen "$W/release" > /dev/null
"$EDGEML" keygen --encryption "$W/fleet" > /dev/null
cp "$W/release.pub" "$W/device/trusted.d/"
cp "$W/fleet.key" "$W/device/keys.d/"
"$EDGEML" pack "$W/resnet18.eml" --name resnet18 --version 1.0.0 -o "$W/signed.emlpkg" > /dev/null
"$EDGEML" pack "$W/resnet18.eml" --name resnet18 --version 1.0.0 --encrypt "$W/fleet.key" \
	-o "$W/encrypted.emlpkg" > /dev/null
"$EDGEML" sign "$W/signed.emlpkg" --key "$W/release.sec" > /dev/null
"$EDGEML" sign "$W/encrypted.emlpkg" --key "$W/release.sec" > /dev/null
echo "== load cost, resnet18 int8 ($(stat -c %s "$W/resnet18.eml") bytes), $ROUNDS loads each"
"$LOADER" "$W/device" "$ROUNDS" "$W/resnet18.eml" "$W/signed.emlpkg" "$W/encrypted.emlpkg"
