#!/bin/sh
# shadow-cli.sh — `edgeml stream --candidate` (shadow mode) on the host: frames replayed from
# a .npy file (--replay, a sealed memfd imported like a dma-buf), the active model and a
# candidate run on each. The same model as candidate agrees on every frame with 0 LSB; a
# retrained one (other weights) is reported as disagreeing, for int8 outputs in LSB and for
# float outputs in absolute difference; a candidate whose input or outputs differ in shape or
# dtype is refused with what differs.
# usage: shadow-cli.sh EDGEML PYTHON WORKDIR
set -eu
EDGEML=$1
PY=$2
W=$3
rm -rf "$W"
mkdir -p "$W"
fail() { echo "shadow-cli: FAIL: $*" >&2; exit 1; }
. "$(dirname "$0")/common.sh"

# Tiny models x float32[1,16] -> MatMul -> (QuantizeLinear ->) y: NAME SEED OUTPUTS int8|float
"$PY" - "$W" <<'PYEOF'
import sys, numpy as np, onnx
from onnx import helper, numpy_helper, TensorProto
w = sys.argv[1]
def model(name, seed, n, kind):
    W = np.random.default_rng(seed).uniform(-1, 1, (16, n)).astype(np.float32)
    nodes = [helper.make_node("MatMul", ["x", "W"], ["y" if kind == "int8" else "q"])]
    inits = [numpy_helper.from_array(W, "W")]
    if kind == "int8":
        nodes.append(helper.make_node("QuantizeLinear", ["y", "s", "z"], ["q"]))
        inits += [numpy_helper.from_array(np.array(0.02, np.float32), "s"),
                  numpy_helper.from_array(np.array(0, np.int8), "z")]
    out_t = TensorProto.INT8 if kind == "int8" else TensorProto.FLOAT
    g = helper.make_graph(nodes, name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 16])],
                          [helper.make_tensor_value_info("q", out_t, [1, n])], inits)
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]),
              "%s/%s.onnx" % (w, name))
model("a8", 1, 10, "int8")
model("b8", 2, 10, "int8")
model("af", 1, 10, "float")
model("bf", 2, 10, "float")
model("wide", 1, 12, "int8")
rng = np.random.default_rng(3)
np.save(w + "/frames.npy", rng.uniform(-1, 1, (20, 1, 16)).astype(np.float32))
np.save(w + "/short.npy", rng.uniform(-1, 1, (20, 15)).astype(np.float32))
PYEOF
for m in a8 b8 af bf wide; do
	"$EDGEML" convert "$W/$m.onnx" "$W/$m.eml" > /dev/null
done
# shadow ACTIVE CANDIDATE: the shadow JSON line of 100 replayed frames.
shadow() {
	"$EDGEML" stream --replay "$W/frames.npy" --model "$W/$1.eml" --candidate "$W/$2" \
		--frames 100 --quiet --verify --json > "$W/out.json" || fail "stream $1 vs $2"
	grep '"shadow":true' "$W/out.json" || fail "no shadow line: $(cat "$W/out.json")"
}
field() { sed -n "s/.*\"$1\":\([0-9.e+-]*\).*/\1/p"; }

s=$(shadow a8 a8.eml)
[ "$(echo "$s" | field argmax_agree_pct)" = 100.00 ] || fail "same model: $s"
[ "$(echo "$s" | field max_diff_lsb)" = 0 ] || fail "same model: $s"
echo "$s" | grep -q '"candidate_run_p99_us":[0-9]' || fail "no candidate latency: $s"
echo "ok: same int8 model as candidate: 100% argmax agreement, 0 LSB"

s=$(shadow a8 b8.eml)
lsb=$(echo "$s" | field max_diff_lsb)
[ "$lsb" -gt 0 ] || fail "other int8 model: $s"
pct=$(echo "$s" | field argmax_agree_pct)
[ "$pct" != 100.00 ] || fail "other int8 model agrees everywhere: $s"
echo "ok: retrained int8 candidate: argmax agrees on $pct%, max $lsb LSB"

s=$(shadow af af.eml)
[ "$(echo "$s" | field max_abs_diff)" = 0 ] || fail "same float model: $s"
s=$(shadow af bf.eml)
d=$(echo "$s" | field max_abs_diff)
"$PY" -c "import sys; sys.exit(not float('$d') > 0.1)" || fail "other float model: $s"
echo "ok: float outputs: 0 for the same model, max abs diff $d for another"

# A candidate package, and the text report.
"$EDGEML" pack "$W/b8.eml" --name tiny --version 1.1.0 -o "$W/b8.emlpkg" > /dev/null
out=$("$EDGEML" stream --replay "$W/frames.npy" --model "$W/a8.eml" --candidate "$W/b8.emlpkg" \
	--frames 50 --quiet) || fail "package candidate: $out"
echo "$out" | grep -q "^shadow: candidate .*b8.emlpkg .* agrees on [0-9]* (.*%), max |diff| [1-9][0-9]* LSB" ||
	fail "text report: $out"
echo "$out" | grep -q "^shadow: model run p50/p99: active .* us, candidate .* us" ||
	fail "text report: $out"
echo "ok: a package as candidate, text report"

refuse "a candidate with another output shape" "output 0 'q' is int8\[1,12\], but the active model's 'q' is int8\[1,10\]" \
	"$EDGEML" stream --replay "$W/frames.npy" --model "$W/a8.eml" --candidate "$W/wide.eml"
refuse "a candidate with another output dtype" "is float32\[1,10\], but the active model's 'q' is int8\[1,10\]" \
	"$EDGEML" stream --replay "$W/frames.npy" --model "$W/a8.eml" --candidate "$W/af.eml"
refuse "a missing candidate" "nothing.eml" \
	"$EDGEML" stream --replay "$W/frames.npy" --model "$W/a8.eml" --candidate "$W/nothing.eml"
refuse "replayed frames of another size" "not whole frames of input 'x'" \
	"$EDGEML" stream --replay "$W/short.npy" --model "$W/a8.eml"
refuse "two sources" "give exactly one, not 2" \
	"$EDGEML" stream --replay "$W/frames.npy" --device /dev/null --model "$W/a8.eml"
echo "ok: shadow mode"
