#!/bin/sh
# store-cli.sh — `edgeml store` end to end on a device with a trust store: install (signed,
# self-tested), list/status, a replayed old release and a failing self-test refused, health
# rollback, activate, a tampered package, power loss (SIGKILL) at every step of an install,
# a full disk (a small tmpfs when root may mount one, else `ulimit -f`), garbage in the store.
# usage: store-cli.sh EDGEML PYTHON WORKDIR
set -eu
EDGEML=$1
PY=$2
W=$3
umount "$W/small" 2> /dev/null || true
rm -rf "$W"
mkdir -p "$W/device/trusted.d"

fail() { echo "store-cli: FAIL: $*" >&2; exit 1; }
. "$(dirname "$0")/common.sh"
# active VERSION: the store's active version of block is VERSION and it loads, verifies, runs.
active() {
	out=$("$EDGEML" store status block) || fail "status: $out"
	echo "$out" | grep -q "block: active $1 " || fail "active is not $1: $out"
	echo "$out" | grep -q "loads and verifies (signed by" || fail "active does not verify: $out"
}

fixture
"$PY" - "$REF" "$W/wrong.npy" <<'PYEOF'
import sys, numpy as np
a = np.load(sys.argv[1])
a.flat[3] = a.flat[3] + 5 if a.dtype.kind == "f" else a.flat[3] ^ 0x40
np.save(sys.argv[2], a)
PYEOF
"$EDGEML" keygen "$W/release" > /dev/null
cp "$W/release.pub" "$W/device/trusted.d/"
for v in 1.0.0 1.1.0 1.2.0 1.3.0; do
	"$EDGEML" pack "$W/m.eml" --name block --version $v --selftest "$W/in.npy=$REF" \
		-o "$W/block-$v.emlpkg" > /dev/null
	"$EDGEML" sign "$W/block-$v.emlpkg" --key "$W/release.sec" > /dev/null
done
"$EDGEML" pack "$W/m.eml" --name block --version 1.5.0 --selftest "$W/in.npy=$W/wrong.npy" \
	-o "$W/wrong.emlpkg" > /dev/null
"$EDGEML" sign "$W/wrong.emlpkg" --key "$W/release.sec" > /dev/null

export EDGEML_TRUST_DIR="$W/device" EDGEML_STORE_DIR="$W/store"
out=$("$EDGEML" store status) || fail "status of an empty store: $out"
echo "$out" | grep -q "holds no models" || fail "empty store: $out"
"$EDGEML" store install "$W/block-1.0.0.emlpkg" > /dev/null
active 1.0.0
"$EDGEML" store --store "$W/store" install "$W/block-1.1.0.emlpkg" > /dev/null
active 1.1.0
"$EDGEML" store list | grep -q "block 1.0.0 .* < sequence" || fail "list: $("$EDGEML" store list)"
echo "ok: install, list, status"
refuse "a replayed older release" "replay" "$EDGEML" store install "$W/block-1.0.0.emlpkg"
refuse "a package failing its self-test here" "element 3" "$EDGEML" store install "$W/wrong.emlpkg"
cp "$W/block-1.2.0.emlpkg" "$W/tampered.emlpkg"
printf 'X' | dd of="$W/tampered.emlpkg" bs=1 seek=100 conv=notrunc 2> /dev/null
refuse "a tampered package" "signature" "$EDGEML" store install "$W/tampered.emlpkg"
head -c 1000 "$W/block-1.2.0.emlpkg" > "$W/truncated.emlpkg"
refuse "a truncated package" "block\|truncated\|beyond\|outside" "$EDGEML" store install "$W/truncated.emlpkg"
active 1.1.0
"$EDGEML" store health block bad > /dev/null
active 1.0.0
echo "ok: bad health rolls back to 1.0.0"
"$EDGEML" store activate block 1.1.0 > /dev/null
active 1.1.0
"$EDGEML" store rollback block > /dev/null
active 1.0.0
"$EDGEML" store activate block 1.1.0 > /dev/null
echo "ok: activate, rollback"

# Power loss at every step of an install: kill it after its k-th write/fsync/rename.
cp -a "$W/store" "$W/snapshot"
k=1
while :; do
	rm -rf "$W/store"
	cp -a "$W/snapshot" "$W/store"
	rc=0
	EDGEML_STORE_CRASH_AT=$k "$EDGEML" store install "$W/block-1.2.0.emlpkg" > /dev/null 2>&1 || rc=$?
	out=$("$EDGEML" store status block) || fail "after a kill at step $k: $out"
	echo "$out" | grep -q "block: active 1.[12].0 " || fail "after a kill at step $k: $out"
	[ $rc = 0 ] && break
	[ $rc = 137 ] || fail "install at step $k exited $rc"
	"$EDGEML" store health block good > /dev/null # the next operation cleans up
	[ -z "$(find "$W/store" -name '*.tmp.*')" ] || fail "temporary files left at step $k"
	k=$((k + 1))
	[ $k -lt 30 ] || fail "install never completes"
done
active 1.2.0
echo "ok: install killed at each of its $((k - 1)) steps: the store always opened and ran a verified model"

# A full disk: the store on a tmpfs too small for the package, else a file size limit.
# The tmpfs holds the store and 8 KiB more: less than the next package.
kib=$(( $(du -sk "$W/store" | cut -f1) + 8 ))
if mkdir -p "$W/small" && mount -t tmpfs -o size=${kib}k tmpfs "$W/small" 2> /dev/null; then
	trap 'umount "$W/small" 2> /dev/null || true' EXIT
	cp -a "$W/store" "$W/small/store"
	refuse "an install onto a full disk" "No space left" \
		"$EDGEML" store --store "$W/small/store" install "$W/block-1.3.0.emlpkg"
	EDGEML_STORE_DIR="$W/small/store" "$EDGEML" store status block | grep -q "active 1.2.0 " ||
		fail "full disk: active changed"
	[ -z "$(find "$W/small" -name '*.tmp.*')" ] || fail "full disk: temporary files left"
	umount "$W/small"
	echo "ok: full disk (tmpfs)"
else
	refuse "an install over the file size limit" "File too large" \
		sh -c "ulimit -f 4 && trap '' XFSZ && exec \"$EDGEML\" store install \"$W/block-1.3.0.emlpkg\""
	active 1.2.0
	echo "ok: full disk (ulimit -f)"
fi

# Garbage in the store directory.
echo junk > "$W/store/README"
echo junk > "$W/store/objects/nonsense"
printf 'edgeml-store-state 1\nactive 9\n' > "$W/store/names/broken.state"
refuse "a corrupt state file" "broken.state" "$EDGEML" store status broken
active 1.2.0
echo "ok: garbage in the store: clear errors, the active model keeps working"

# A latency budget in the manifest: an impossible one is refused naming measured and budget,
# the active version stays; a generous one installs. `edgeml verify` shows the budget.
for spec in "1.6.0 0.000001" "1.7.0 60000"; do
	set -- $spec
	"$EDGEML" pack "$W/m.eml" --name block --version "$1" --selftest "$W/in.npy=$REF" \
		--latency-budget-ms "$2" -o "$W/budget-$1.emlpkg" > /dev/null
	"$EDGEML" sign "$W/budget-$1.emlpkg" --key "$W/release.sec" > /dev/null
done
"$EDGEML" verify "$W/budget-1.7.0.emlpkg" | grep -q "latency budget 60000 ms" ||
	fail "verify does not show the budget: $("$EDGEML" verify "$W/budget-1.7.0.emlpkg")"
refuse "a package over its latency budget" "over the package's budget of 1e-06 ms" \
	"$EDGEML" store install "$W/budget-1.6.0.emlpkg"
active 1.2.0
"$EDGEML" store install "$W/budget-1.7.0.emlpkg" > /dev/null
active 1.7.0
refuse "a zero latency budget" "latency-budget-ms" \
	"$EDGEML" pack "$W/m.eml" --name block --version 1.8.0 --selftest "$W/in.npy=$REF" \
	--latency-budget-ms 0 -o "$W/x.emlpkg"
echo "ok: latency budget"
