#!/bin/sh
# bench-fleet.sh — what packages cost on the reference ResNet-18 (int8): load time of a bare
# .eml, a signed package and a signed + encrypted one (tests/perf/package_load.c); then the
# size of delta updates to retrained versions (tests/fleet/make_variants.py).
# usage: bench-fleet.sh EDGEML PACKAGE_LOAD MODELS_DIR WORKDIR [ROUNDS [load|all]]
# ("load" skips the delta part, which makes level-19 patches of 12 MB: minutes on 2 cores)
set -eu
EDGEML=$1 LOADER=$2 MODELS=$3 W=$4 ROUNDS=${5:-30} PARTS=${6:-all}
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
[ "$PARTS" = all ] || exit 0

# Delta updates: patches from the signed 1.0.0 package to (a) the last layer retrained,
# (b) every weight fine-tuned by small steps, (c) another architecture (MobileNetV2).
PY=${PY:-build/venv/bin/python}
mkdir -p "$W/variants"
"$PY" tests/fleet/make_variants.py "$MODELS/resnet18.int8.onnx" "$W/variants"
"$EDGEML" convert "$W/variants/last_layer.onnx" "$W/last_layer.eml" > /dev/null
"$EDGEML" convert "$W/variants/fine_tune.onnx" "$W/fine_tune.eml" > /dev/null
"$EDGEML" convert "$MODELS/mobilenetv2.int8.onnx" "$W/mobilenetv2.eml" > /dev/null
echo "== delta updates from resnet18 1.0.0 (signed package, $(stat -c %s "$W/signed.emlpkg") bytes)"
printf '%-34s %12s %12s %12s %8s\n' "update" "package" "zstd alone" "patch" "saved"
n=1
for v in last_layer fine_tune mobilenetv2; do
	"$EDGEML" pack "$W/$v.eml" --name resnet18 --version "1.$n.0" --parent 1.0.0 \
		-o "$W/$v.emlpkg" > /dev/null
	"$EDGEML" sign "$W/$v.emlpkg" --key "$W/release.sec" > /dev/null
	"$EDGEML" diff "$W/signed.emlpkg" "$W/$v.emlpkg" -o "$W/$v.patch" > /dev/null
	"$EDGEML" patch "$W/signed.emlpkg" "$W/$v.patch" -o "$W/$v.patched" \
		--trust-dir "$W/device" > /dev/null
	cmp "$W/$v.emlpkg" "$W/$v.patched"
	full=$(stat -c %s "$W/$v.emlpkg")
	patch=$(stat -c %s "$W/$v.patch")
	alone=-
	if command -v zstd > /dev/null; then alone=$(zstd -19 -q -c "$W/$v.emlpkg" | wc -c); fi
	case $v in
	last_layer) label="(a) last layer retrained" ;;
	fine_tune) label="(b) all weights fine-tuned" ;;
	*) label="(c) other architecture" ;;
	esac
	printf '%-34s %12s %12s %12s %7s%%\n' "$label" "$full" "$alone" "$patch" \
		"$(awk "BEGIN { printf \"%.1f\", 100 * (1 - $patch / $full) }")"
	n=$((n + 1))
done
