#!/bin/sh
# package-cli.sh — the package commands end to end, as a release pipeline and a device use
# them: convert -> run (reference output) -> keygen -> pack (with a self-test, twice:
# identical bytes) -> sign -> verify -> run the package on a device with a trust store; then
# what the device must refuse: a tampered byte, an unsigned package, a revoked key, an
# encrypted package without its key; last delta updates (diff -> patch, verified), and the
# patches that must be refused (wrong base, unsigned result, older version).
# usage: package-cli.sh EDGEML PYTHON WORKDIR
set -eu
EDGEML=$1
PY=$2
W=$3
rm -rf "$W"
mkdir -p "$W/device/trusted.d" "$W/device/keys.d" "$W/device/revoked.d"

fail() { echo "package-cli: FAIL: $*" >&2; exit 1; }
. "$(dirname "$0")/common.sh"

fixture

"$EDGEML" keygen "$W/release" > /dev/null
"$EDGEML" keygen "$W/old" > /dev/null
"$EDGEML" keygen --encryption "$W/fleet" > /dev/null
"$EDGEML" keygen --encryption "$W/other" > /dev/null
[ "$(stat -c %a "$W/release.sec")" = 600 ] || fail "secret key is not mode 0600"
refuse "keygen over an existing key" "not replacing" "$EDGEML" keygen "$W/release"
cp "$W/release.pub" "$W/device/trusted.d/"

SOURCE_DATE_EPOCH=1767225600 "$EDGEML" pack "$W/m.eml" --name block --version 1.0.0 \
	--selftest "$W/in.npy=$REF" --requires backend=cpu -o "$W/block-1.0.0.emlpkg" > /dev/null
SOURCE_DATE_EPOCH=1767225600 "$EDGEML" pack "$W/m.eml" --name block --version 1.0.0 \
	--selftest "$W/in.npy=$REF" --requires backend=cpu -o "$W/again.emlpkg" > /dev/null
cmp "$W/block-1.0.0.emlpkg" "$W/again.emlpkg" || fail "pack is not deterministic"
echo "ok: pack is deterministic"
"$PY" - "$REF" "$W/wrong.npy" <<'EOF'
import sys, numpy as np
a = np.load(sys.argv[1])
a.flat[3] = a.flat[3] + 5 if a.dtype.kind == "f" else a.flat[3] ^ 0x40
np.save(sys.argv[2], a)
EOF
"$EDGEML" pack "$W/m.eml" --name block --version 0.9.0 --selftest "$W/in.npy=$W/wrong.npy" \
	-o "$W/wrong.emlpkg" > /dev/null
refuse "package whose self-test fails here" "element 3" \
	"$EDGEML" verify "$W/wrong.emlpkg" --trust-dir "$W/nowhere"
refuse "self-test of the wrong shape" "self-test file" \
	"$EDGEML" pack "$W/m.eml" --name block --version 1.0.0 --selftest "$REF=$REF" -o "$W/x.emlpkg"

cp "$W/block-1.0.0.emlpkg" "$W/unsigned.emlpkg"
"$EDGEML" sign "$W/block-1.0.0.emlpkg" --key "$W/release.sec" > /dev/null
out=$("$EDGEML" verify "$W/block-1.0.0.emlpkg" --trust-dir "$W/device") || fail "verify: $out"
echo "$out" | grep -q "verified: signed by" || fail "verify of a good package: $out"
echo "$out" | grep -q "self-tests: 1 of 1 passed" || fail "self-test not run: $out"
echo "ok: signed package verifies"

export EDGEML_TRUST_DIR="$W/device"
"$EDGEML" run "$W/block-1.0.0.emlpkg" --input "$IN=$W/in.npy" --output-dir "$W/pkg" > /dev/null
cmp "$REF" "$W/pkg/$(basename "$REF")" || fail "the package's output differs from the model's"
echo "ok: package runs on a device with a trust store, same output"

refuse "bare .eml on a device with a trust store" "bare .eml" \
	"$EDGEML" run "$W/m.eml" --input "$IN=$W/in.npy" --output-dir "$W/x"
refuse "unsigned package" "unsigned" \
	"$EDGEML" run "$W/unsigned.emlpkg" --input "$IN=$W/in.npy" --output-dir "$W/x"
"$PY" - "$W/block-1.0.0.emlpkg" "$W/tampered.emlpkg" <<'EOF'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[len(b) // 2] ^= 0x01   # inside the model payload
open(sys.argv[2], "wb").write(b)
EOF
refuse "tampered model byte" "do not match the BLAKE2b-256" \
	"$EDGEML" verify "$W/tampered.emlpkg"

# Key rotation: the old key is revoked; a package signed only by it is refused, one signed
# by both keys loads.
cp "$W/old.pub" "$W/device/trusted.d/" && cp "$W/old.pub" "$W/device/revoked.d/"
cp "$W/unsigned.emlpkg" "$W/old-signed.emlpkg"
"$EDGEML" sign "$W/old-signed.emlpkg" --key "$W/old.sec" > /dev/null
refuse "package signed by a revoked key" "revoked" "$EDGEML" verify "$W/old-signed.emlpkg"
"$EDGEML" sign "$W/old-signed.emlpkg" --key "$W/release.sec" > /dev/null
"$EDGEML" verify "$W/old-signed.emlpkg" > /dev/null || fail "old+new signatures"
echo "ok: key rotation (revoked old key, new key verifies)"

# Encrypted for the fleet key: runs with it in keys.d, refused with another key.
"$EDGEML" pack "$W/m.eml" --name block --version 1.0.1 --parent 1.0.0 \
	--encrypt "$W/fleet.key" -o "$W/enc.emlpkg" > /dev/null
"$EDGEML" sign "$W/enc.emlpkg" --key "$W/release.sec" > /dev/null
cp "$W/other.key" "$W/device/keys.d/"
refuse "encrypted package without its key" "encrypted for key" \
	"$EDGEML" run "$W/enc.emlpkg" --input "$IN=$W/in.npy" --output-dir "$W/x"
cp "$W/fleet.key" "$W/device/keys.d/"
"$EDGEML" run "$W/enc.emlpkg" --input "$IN=$W/in.npy" --output-dir "$W/enc" > /dev/null
cmp "$REF" "$W/enc/$(basename "$REF")" || fail "the encrypted package's output differs"
echo "ok: encrypted package runs with the fleet key, same output"
# Delta updates: the patched package is checked like a download before it is written.
"$EDGEML" pack "$W/m.eml" --name block --version 1.1.0 --parent 1.0.0 --tolerance 0 \
	--selftest "$W/in.npy=$REF" -o "$W/block-1.1.0.emlpkg" > /dev/null
"$EDGEML" sign "$W/block-1.1.0.emlpkg" --key "$W/release.sec" > /dev/null
"$EDGEML" diff "$W/block-1.0.0.emlpkg" "$W/block-1.1.0.emlpkg" -o "$W/1.1.0.patch" > /dev/null
"$EDGEML" patch "$W/block-1.0.0.emlpkg" "$W/1.1.0.patch" -o "$W/patched.emlpkg" > /dev/null
cmp "$W/patched.emlpkg" "$W/block-1.1.0.emlpkg" || fail "patched package differs"
echo "ok: patch rebuilds the signed package ($(stat -c %s "$W/1.1.0.patch") bytes for $(stat -c %s "$W/block-1.1.0.emlpkg"))"
refuse "patch against another base" "wrong base" \
	"$EDGEML" patch "$W/unsigned.emlpkg" "$W/1.1.0.patch" -o "$W/x.emlpkg"
"$EDGEML" pack "$W/m.eml" --name block --version 1.2.0 -o "$W/unsigned-1.2.0.emlpkg" > /dev/null
"$EDGEML" diff "$W/block-1.0.0.emlpkg" "$W/unsigned-1.2.0.emlpkg" -o "$W/unsigned.patch" > /dev/null
refuse "patch to an unsigned package" "unsigned" \
	"$EDGEML" patch "$W/block-1.0.0.emlpkg" "$W/unsigned.patch" -o "$W/x.emlpkg"
"$EDGEML" diff "$W/block-1.1.0.emlpkg" "$W/block-1.0.0.emlpkg" -o "$W/down.patch" > /dev/null
refuse "patch to an older version" "replay" \
	"$EDGEML" patch "$W/block-1.1.0.emlpkg" "$W/down.patch" -o "$W/x.emlpkg"
[ ! -e "$W/x.emlpkg" ] || fail "a refused patch left a file"
echo "package-cli: all passed"
