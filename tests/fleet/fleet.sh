#!/bin/sh
# fleet.sh — a staged rollout end to end (`make test-fleet`, docs/fleet.md "Rollout"): Debian's
# mosquitto and docker-registry on loopback, AGENTS `edgeml agent` processes (each its own
# store, each restarted when it dies, as a service manager would), and `edgeml rollout`:
#   1. block 1.0.0, the first release: every device converges;
#   2. block 1.1.0 in stages 5%,25%,100%, with agents killed in the middle of their installs
#      (the store's power-loss hook, then SIGKILL from here) and restarted, and the broker
#      restarted once: every device converges;
#   3. block 1.2.0, a model whose outputs changed: its own self-test passes, but the devices
#      with an acceptance probe refuse it; past the failure budget the rollout rolls the fleet
#      back and every device is on 1.1.0 again (those that had 1.2.0 too);
#   4. block 1.3.0, whose self-test fails on every device: the first stage stops it.
# 1.1.0 travels as a patch from 1.0.0; the patch offered for 1.2.0 fits another base, so the
# agents refuse it and pull the whole package.
# Then every store is checked: 1.1.0 active, verified, no half-written file anywhere.
# usage: fleet.sh EDGEML PYTHON WORKDIR [AGENTS]
set -eu
EDGEML=$1
PY=$2
W=$3
AGENTS=${4:-24}
rm -rf "$W"
mkdir -p "$W/device/trusted.d" "$W/dev"
W=$(cd "$W" && pwd)
case $EDGEML in /*) ;; *) EDGEML=$(pwd)/$EDGEML ;; esac

fail() { echo "fleet: FAIL: $*" >&2; tail -n 5 "$W"/dev/*/log >&2 2> /dev/null || true; exit 1; }
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/services.sh"
LOOPS=""
# stop_agents: ends the restart loops, then the agents (SIGTERM: they exit cleanly).
stop_agents() {
	touch "$W/stop"
	for p in "$W"/dev/*/pid; do kill "$(cat "$p")" 2> /dev/null || true; done
	# shellcheck disable=SC2086
	[ -z "$LOOPS" ] || wait $LOOPS 2> /dev/null || true
	LOOPS=""
}
cleanup() {
	stop_agents
	stop_services
}
trap cleanup EXIT INT TERM
t_start=$(date +%s)

# ---- releases -------------------------------------------------------------------------------
fixture
"$PY" - "$REF" "$W/wrong.npy" <<'PYEOF'
import sys, numpy as np
a = np.load(sys.argv[1])
a.flat[3] = a.flat[3] + 5 if a.dtype.kind == "f" else a.flat[3] ^ 0x40
np.save(sys.argv[2], a)
PYEOF
# the changed model: one weight tensor moved, so its outputs differ
"$PY" - "$W/changed.onnx" <<'PYEOF'
import sys, numpy as np, onnx
from onnx import numpy_helper
m = onnx.load("models/fixtures/mobilenet_block.s8.onnx")
for i, t in enumerate(m.graph.initializer):
    if t.name == "fc_15.bias_quantized":  # the classifier's bias, shifted
        a = numpy_helper.to_array(t)
        b = (a + np.arange(a.size, dtype=np.int32).reshape(a.shape) * 4000).astype(np.int32)
        m.graph.initializer[i].CopyFrom(numpy_helper.from_array(b, t.name))
onnx.save(m, sys.argv[1])
PYEOF
"$EDGEML" convert "$W/changed.onnx" "$W/changed.eml" > /dev/null
"$EDGEML" run "$W/changed.eml" --input "$IN=$W/in.npy" --output-dir "$W/changed-out" > /dev/null
CHANGED=$(find "$W/changed-out" -name "*.npy" | head -n 1)
cmp -s "$CHANGED" "$REF" && fail "the changed model gives the same output"
"$EDGEML" keygen "$W/release" > /dev/null
cp "$W/release.pub" "$W/device/trusted.d/"
pack() { # VERSION MODEL EXPECTED
	"$EDGEML" pack "$2" --name block --version "$1" --selftest "$W/in.npy=$3" \
		-o "$W/block-$1.emlpkg" > /dev/null
	"$EDGEML" sign "$W/block-$1.emlpkg" --key "$W/release.sec" > /dev/null
	"$EDGEML" push "$W/block-$1.emlpkg" "${REGISTRY#http://}/block:$1" > /dev/null
}
start_registry
start_broker
pack 1.0.0 "$W/m.eml" "$REF"
pack 1.1.0 "$W/m.eml" "$REF"
pack 1.2.0 "$W/changed.eml" "$CHANGED"
pack 1.3.0 "$W/m.eml" "$W/wrong.npy"
# deltas: the agents on 1.0.0 fetch 1.1.0 as a patch; the patch offered for 1.2.0 is made
# against another base, so the agents refuse it and pull the whole package
"$EDGEML" diff "$W/block-1.0.0.emlpkg" "$W/block-1.1.0.emlpkg" -o "$W/a.patch" > /dev/null
"$EDGEML" push "$W/a.patch" "${REGISTRY#http://}/block:1.1.0-from-1.0.0" > /dev/null
"$EDGEML" diff "$W/block-1.0.0.emlpkg" "$W/block-1.2.0.emlpkg" -o "$W/b.patch" > /dev/null
"$EDGEML" push "$W/b.patch" "${REGISTRY#http://}/block:1.2.0-from-1.1.0" > /dev/null
echo "ok: 4 releases pushed to $REGISTRY, broker on $BROKER ($(($(date +%s) - t_start)) s)"

# ---- the fleet ------------------------------------------------------------------------------
# Devices in the order of their rollout hash (BLAKE2b-64 of the id, as the agents compute it);
# ranks 2-4 (in stage 2 of 5%,25%,100%, not in stage 1) and two later ones have a probe.
DEVICES=$("$PY" - "$AGENTS" <<'PYEOF'
import hashlib, sys
ids = ["dev-%02d" % i for i in range(int(sys.argv[1]))]
h = lambda d: int.from_bytes(hashlib.blake2b(d.encode(), digest_size=8).digest(), "little")
print(" ".join(sorted(ids, key=h)))
PYEOF
)
export EDGEML_TRUST_DIR="$W/device"
# agent_loop DEVICE RANK: runs the agent, restarting it when it dies; the first life of a few
# devices dies inside the store (EDGEML_STORE_CRASH_AT: SIGKILL after that many writes,
# fsyncs and renames, so in the middle of installing 1.0.0 or 1.1.0).
agent_loop() {
	d=$1 rank=$2 life=0
	probe=""
	case $rank in 2 | 3 | 4 | 10 | 17) probe="--probe $W/in.npy=$REF" ;; esac
	crash=""
	case $rank in 7) crash=3 ;; 12) crash=9 ;; 15) crash=14 ;; 20) crash=19 ;; esac
	while [ ! -f "$W/stop" ]; do
		if [ $life -eq 0 ] && [ -n "$crash" ]; then
			# shellcheck disable=SC2086
			EDGEML_STORE_CRASH_AT=$crash "$EDGEML" agent --broker "$BROKER" --fleet f1 \
				--device "$d" --store "$W/dev/$d/store" --registry "$REGISTRY" \
				--runs 10 $probe >> "$W/dev/$d/log" 2>&1 &
		else
			# shellcheck disable=SC2086
			"$EDGEML" agent --broker "$BROKER" --fleet f1 --device "$d" \
				--store "$W/dev/$d/store" --registry "$REGISTRY" --runs 10 $probe \
				>> "$W/dev/$d/log" 2>&1 &
		fi
		echo $! > "$W/dev/$d/pid"
		wait $! || echo "$d life $life ended $?" >> "$W/deaths"
		life=$((life + 1))
		sleep 0.3
	done
}
rank=0 LOOPS=""
for d in $DEVICES; do
	mkdir -p "$W/dev/$d"
	agent_loop "$d" $rank &
	LOOPS="$LOOPS $!"
	rank=$((rank + 1))
done
# shellcheck disable=SC2086 # split into the devices, in rank order
set -- $DEVICES
echo "ok: $AGENTS agents started"

# rollout ARGS...: runs edgeml rollout, output in $W/rollout.log; returns its exit status.
rollout() {
	"$EDGEML" rollout "$@" --broker "$BROKER" --fleet f1 --registry "$REGISTRY" \
		--devices "$AGENTS" --discover 60 --stage-timeout 90 > "$W/rollout.log" 2>&1
}
# on VERSION: every device's store has VERSION active, and it loads and verifies.
on() {
	for d in $DEVICES; do
		out=$("$EDGEML" store --store "$W/dev/$d/store" status block 2>&1) ||
			fail "$d: store status: $out"
		echo "$out" | grep -q "block: active $1 " || fail "$d is not on $1: $out"
		echo "$out" | grep -q "loads and verifies" || fail "$d: the active does not verify: $out"
	done
}

t=$(date +%s)
rollout block-1.0.0 --stages 50%,100% || fail "rollout 1.0.0: $(cat "$W/rollout.log")"
grep -q "block 1.0.0 on all $AGENTS devices" "$W/rollout.log" || fail "$(cat "$W/rollout.log")"
on 1.0.0
echo "ok: 1.0.0 on all $AGENTS devices ($(($(date +%s) - t)) s)"

# 1.1.0, with agents killed mid-update and the broker restarted
t=$(date +%s)
rollout block-1.1.0 --stages 5%,25%,100% --max-failures 0 &
RPID=$!
for _ in $(seq 1200); do grep -q "^stage 3" "$W/rollout.log" && break; sleep 0.05; done
grep -q "^stage 3" "$W/rollout.log" || fail "no stage 3: $(cat "$W/rollout.log")"
for d in ${6} ${9} ${14} ${22}; do kill -9 "$(cat "$W/dev/$d/pid")" 2> /dev/null || true; done
stop_broker
sleep 1
start_broker "$BROKER_PORT"
echo "ok: 4 agents killed and the broker restarted during stage 3"
wait $RPID || fail "rollout 1.1.0: $(cat "$W/rollout.log")"
grep -q "block 1.1.0 on all $AGENTS devices" "$W/rollout.log" || fail "$(cat "$W/rollout.log")"
on 1.1.0
deaths=$(wc -l < "$W/deaths")
[ "$deaths" -ge 4 ] || fail "only $deaths agent deaths: $(cat "$W/deaths")"
patched=$(grep -l "patch: block 1.1.0 from 1.0.0" "$W"/dev/*/log | wc -l)
[ "$patched" -ge $((AGENTS / 2)) ] || fail "only $patched devices updated by patch"
echo "ok: 1.1.0 on all $AGENTS devices after $deaths agent deaths, $patched by patch ($(($(date +%s) - t)) s)"

# 1.2.0: refused by the probes in stage 2; fleet rollback
t=$(date +%s)
if rollout block-1.2.0 --stages 5%,25%,100% --max-failures 1; then
	fail "the bad rollout succeeded: $(cat "$W/rollout.log")"
else
	rc=$?
fi
[ $rc -eq 3 ] || fail "rollout 1.2.0 exit $rc, expected 3: $(cat "$W/rollout.log")"
grep -q "probe: block 1.2.0 differs" "$W/rollout.log" || fail "no probe failure: $(cat "$W/rollout.log")"
grep -q "all $AGENTS devices back on 1.1.0" "$W/rollout.log" || fail "$(cat "$W/rollout.log")"
had=0
for d in $1 $2 $6; do
	"$EDGEML" store --store "$W/dev/$d/store" list block | grep -q "block 1.2.0" && had=$((had + 1))
done
[ $had -eq 3 ] || fail "1.2.0 was not installed on the stage 1 and 2 devices that passed"
on 1.1.0
grep -q "wrong base" "$W"/dev/*/log || fail "no agent refused the 1.2.0 patch made for another base"
echo "ok: 1.2.0 failed on 3 probes in stage 2, fleet rolled back, all on 1.1.0 ($(($(date +%s) - t)) s)"

# 1.3.0: its self-test fails on the devices of stage 1
t=$(date +%s)
if rollout block-1.3.0 --max-failures 0; then fail "1.3.0 rolled out"; else rc=$?; fi
[ $rc -eq 3 ] || fail "rollout 1.3.0 exit $rc, expected 3: $(cat "$W/rollout.log")"
grep -q "self-test" "$W/rollout.log" || fail "no self-test failure: $(cat "$W/rollout.log")"
grep -q "^stage 2" "$W/rollout.log" && fail "1.3.0 went past stage 1: $(cat "$W/rollout.log")"
on 1.1.0
echo "ok: 1.3.0 stopped in stage 1 by its self-test ($(($(date +%s) - t)) s)"

stop_agents
left=$(find "$W/dev" -name "*.tmp.*" -o -name "*.part.*" | head -n 5)
[ -z "$left" ] || fail "half-written files left: $left"
echo "fleet: all passed ($(($(date +%s) - t_start)) s, $AGENTS agents)"
