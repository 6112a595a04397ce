# shellcheck shell=sh disable=SC2034 # IN and REF are for the scripts that source this
# common.sh — sourced by package-cli.sh and store-cli.sh once EDGEML, PY, W and fail() are
# set: refuse(), and the signed-model fixture both start from.

# refuse WHAT NEEDLE CMD...: the command must fail and print NEEDLE.
refuse() {
	what=$1 needle=$2
	shift 2
	if out=$("$@" 2>&1); then fail "$what: accepted"; fi
	echo "$out" | grep -q -- "$needle" || fail "$what: message lacks '$needle': $out"
	echo "ok: $what refused: $(echo "$out" | tail -n 1)"
}

# fixture: the mobilenet_block fixture as $W/m.eml, a seeded input $W/in.npy for input $IN,
# and its output by `edgeml run`, $REF.
fixture() {
	"$EDGEML" convert models/fixtures/mobilenet_block.s8.onnx "$W/m.eml" > /dev/null
	"$PY" - "$W" <<'PYEOF'
import sys, numpy as np, onnx
w = sys.argv[1]
m = onnx.load("models/fixtures/mobilenet_block.s8.onnx")
i = m.graph.input[0]
shape = [d.dim_value for d in i.type.tensor_type.shape.dim]
dt = {1: np.float32, 2: np.uint8, 3: np.int8}[i.type.tensor_type.elem_type]
rng = np.random.default_rng(5)
x = rng.uniform(-1, 1, shape) if dt == np.float32 else rng.integers(-20, 20, shape)
np.save(w + "/in.npy", x.astype(dt))
open(w + "/input_name", "w").write(i.name)
PYEOF
	IN=$(cat "$W/input_name")
	"$EDGEML" run "$W/m.eml" --input "$IN=$W/in.npy" --output-dir "$W/ref" > /dev/null
	REF=$(ls "$W"/ref/*.npy | head -n 1)
}
