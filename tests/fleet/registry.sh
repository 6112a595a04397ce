#!/bin/sh
# registry.sh — `edgeml push` / `edgeml pull` against Debian's docker-registry on loopback:
# packages and patches by tag and by digest, and what must fail cleanly: a registry that is
# down, one that never answers (timeout), a tampered blob and a tampered manifest in the
# registry's storage, an unknown tag, a file that is not an edgeml artifact; HTTP basic
# authentication against a second registry with an htpasswd file. A failed pull
# never leaves anything in place of the good file.
# usage: registry.sh EDGEML PYTHON WORKDIR
set -eu
EDGEML=$1
PY=$2
W=$3
rm -rf "$W"
mkdir -p "$W"
W=$(cd "$W" && pwd)

fail() { echo "registry: FAIL: $*" >&2; exit 1; }
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/services.sh"
SLOW_PID=""
cleanup() {
	[ -z "$SLOW_PID" ] || kill "$SLOW_PID" 2> /dev/null || true
	stop_services
}
trap cleanup EXIT INT TERM

fixture
"$EDGEML" keygen "$W/release" > /dev/null
for v in 1.0.0 1.1.0; do
	"$EDGEML" pack "$W/m.eml" --name block --version $v --selftest "$W/in.npy=$REF" \
		--created 1700000000 -o "$W/block-$v.emlpkg" > /dev/null
	"$EDGEML" sign "$W/block-$v.emlpkg" --key "$W/release.sec" > /dev/null
done
"$EDGEML" diff "$W/block-1.0.0.emlpkg" "$W/block-1.1.0.emlpkg" -o "$W/1.0.0-1.1.0.patch" > /dev/null
start_registry
R=${REGISTRY#http://}

# push by name:version, pull by tag and by digest
out=$("$EDGEML" push "$W/block-1.0.0.emlpkg" "$R/fleet/block:1.0.0") || fail "push: $out"
DIGEST=$(echo "$out" | sed -n 's/.*@\(sha256:[0-9a-f]*\)$/\1/p')
[ -n "$DIGEST" ] || fail "push printed no digest: $out"
"$EDGEML" push "$W/block-1.1.0.emlpkg" "$R/fleet/block:1.1.0" > /dev/null
"$EDGEML" pull "$R/fleet/block:1.0.0" -o "$W/tag.emlpkg" > /dev/null
cmp "$W/tag.emlpkg" "$W/block-1.0.0.emlpkg" || fail "pull by tag changed the package"
out=$("$EDGEML" pull "$REGISTRY/fleet/block@$DIGEST" -o "$W/digest.emlpkg") || fail "pull by digest: $out"
cmp "$W/digest.emlpkg" "$W/block-1.0.0.emlpkg" || fail "pull by digest changed the package"
echo "$out" | grep -q "package, " || fail "pull does not say package: $out"
out=$("$EDGEML" push "$W/block-1.0.0.emlpkg" "$R/fleet/block:1.0.0")
echo "$out" | grep -q "@$DIGEST" || fail "the same package pushed again has another digest: $out"
echo "ok: push, pull by tag and by digest ($DIGEST)"

# a delta: pushed as a patch, pulled, applied
"$EDGEML" push "$W/1.0.0-1.1.0.patch" "$R/fleet/block:1.1.0-from-1.0.0" > /dev/null
out=$("$EDGEML" pull "$R/fleet/block:1.1.0-from-1.0.0" -o "$W/got.patch")
echo "$out" | grep -q "patch, " || fail "pull does not say patch: $out"
EDGEML_TRUST_DIR="$W/none" "$EDGEML" patch "$W/tag.emlpkg" "$W/got.patch" -o "$W/patched.emlpkg" > /dev/null
cmp "$W/patched.emlpkg" "$W/block-1.1.0.emlpkg" || fail "the pulled patch does not rebuild 1.1.0"
echo "ok: patch pushed, pulled and applied"

# bad cases: each fails with a clear message; the good file stays as it was
cp "$W/block-1.0.0.emlpkg" "$W/good.emlpkg"
unchanged() {
	cmp "$W/good.emlpkg" "$W/block-1.0.0.emlpkg" || fail "$1: the good file was changed"
	for f in "$W"/*.part.*; do [ -e "$f" ] && fail "$1: a partial download was left behind: $f"; done
	return 0
}
refuse "unknown tag" "MANIFEST_UNKNOWN" "$EDGEML" pull "$R/fleet/block:9.9.9" -o "$W/good.emlpkg"
unchanged "unknown tag"
refuse "a file that is not a package" "neither an edgeml package" \
	"$EDGEML" push "$W/in.npy" "$R/fleet/block:npy"
refuse "a bad reference" "bad tag" "$EDGEML" pull "$R/fleet/block:-x" -o "$W/good.emlpkg"
DOWN=$(free_port)
refuse "registry down" "Couldn't connect" \
	"$EDGEML" pull "127.0.0.1:$DOWN/fleet/block:1.0.0" -o "$W/good.emlpkg"
unchanged "registry down"
refuse "push to a registry that is down" "Couldn't connect" \
	"$EDGEML" push "$W/block-1.0.0.emlpkg" "127.0.0.1:$DOWN/fleet/block:1.0.0"
# a registry that accepts the connection and then never answers
SLOW=$(free_port)
python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8)
conns = []
while True:
    conns.append(s.accept()[0])
' "$SLOW" &
SLOW_PID=$!
wait_port "$SLOW"
t0=$(date +%s)
refuse "registry that never answers" "Timeout was reached" \
	"$EDGEML" pull "127.0.0.1:$SLOW/fleet/block:1.0.0" -o "$W/good.emlpkg" --timeout 2
[ $(($(date +%s) - t0)) -lt 10 ] || fail "the timeout took $(($(date +%s) - t0)) s"
unchanged "slow registry"
refuse "slow registry (EDGEML_REGISTRY_TIMEOUT)" "Timeout was reached" \
	env EDGEML_REGISTRY_TIMEOUT=1 "$EDGEML" pull "127.0.0.1:$SLOW/fleet/block:1.0.0" -o "$W/good.emlpkg"
kill "$SLOW_PID"
SLOW_PID=""

# tampered blob in the registry's storage: the digest check refuses it
hex=$("$PY" -c 'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())' \
	"$W/block-1.0.0.emlpkg")
blob="$W/registry/docker/registry/v2/blobs/sha256/$(echo "$hex" | cut -c1-2)/$hex/data"
[ -f "$blob" ] || fail "no blob at $blob"
cp "$blob" "$W/blob.orig"
"$PY" -c 'import sys; p = sys.argv[1]; b = bytearray(open(p, "rb").read()); b[len(b) // 2] ^= 1; open(p, "wb").write(b)' "$blob"
refuse "tampered blob" "changed in the registry or on the way" \
	"$EDGEML" pull "$R/fleet/block:1.0.0" -o "$W/good.emlpkg"
unchanged "tampered blob"
"$PY" -c 'import sys; p = sys.argv[1]; b = open(p, "rb").read(); open(p, "wb").write(b[:len(b) // 2])' "$blob"
refuse "truncated blob" "truncated" "$EDGEML" pull "$R/fleet/block:1.0.0" -o "$W/good.emlpkg"
unchanged "truncated blob"
cp "$W/blob.orig" "$blob"
# tampered manifest: pulled by digest, its sha256 no longer matches
mhex=${DIGEST#sha256:}
manifest="$W/registry/docker/registry/v2/blobs/sha256/$(echo "$mhex" | cut -c1-2)/$mhex/data"
sed -i 's/"size":2/"size":3/' "$manifest"
refuse "tampered manifest" "not the $DIGEST asked for" \
	"$EDGEML" pull "$R/fleet/block@$DIGEST" -o "$W/good.emlpkg"
unchanged "tampered manifest"
# HTTP basic authentication: a second registry with an htpasswd file (and fresh storage: the
# first one's manifest was tampered with above, and a pull by tag now says so as well)
refuse "a tampered manifest by tag" "the registry says" \
	"$EDGEML" pull "$R/fleet/block:1.0.0" -o "$W/good.emlpkg"
unchanged "tampered manifest by tag"
stop_services
rm -rf "$W/registry"
python3 -W ignore -c 'import crypt; print("fleet:" + crypt.crypt("s3cret", crypt.mksalt(crypt.METHOD_BLOWFISH)))' \
	> "$W/htpasswd"
start_registry "$W/htpasswd"
R=${REGISTRY#http://}
refuse "push without credentials" "HTTP 401" "$EDGEML" push "$W/block-1.0.0.emlpkg" "$R/fleet/block:1.0.0"
refuse "push with a wrong password" "EDGEML_REGISTRY_USER" env EDGEML_REGISTRY_USER=fleet:wrong \
	"$EDGEML" push "$W/block-1.0.0.emlpkg" "$R/fleet/block:1.0.0"
EDGEML_REGISTRY_USER=fleet:s3cret "$EDGEML" push "$W/block-1.0.0.emlpkg" "$R/fleet/block:1.0.0" > /dev/null
refuse "pull without credentials" "HTTP 401" "$EDGEML" pull "$R/fleet/block:1.0.0" -o "$W/auth.emlpkg"
EDGEML_REGISTRY_USER=fleet:s3cret "$EDGEML" pull "$R/fleet/block:1.0.0" -o "$W/auth.emlpkg" > /dev/null
cmp "$W/auth.emlpkg" "$W/block-1.0.0.emlpkg" || fail "pull with basic authentication changed the package"
echo "ok: HTTP basic authentication (EDGEML_REGISTRY_USER)"
echo "registry: all passed"
