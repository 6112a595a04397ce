#!/bin/sh
# make_seeds.sh EDGEML PYTHON OUT — generates the seed corpora of the fuzz targets into
# OUT/<target>/ (`make fuzz-corpus`): real models rather than a few hand-made ones.
#   fuzz_session      the reference models (build/models) and every ONNX node test model
#                     that converts without --constant, as .eml
#   fuzz_convert      the node test models themselves
#   fuzz_tensorproto  the node tests' input tensors (.pb) and .npy files
#   fuzz_npy          .npy files of every dtype, rank and header version numpy writes
# The committed seeds (tests/fuzz/seeds/) are a small subset: the reference models and the
# node tests that add coverage (libFuzzer -merge=1 over this corpus).
set -eu
EDGEML=$1
PY=$2
OUT=$3
NODE_TESTS=${NODE_TESTS:-/usr/share/libonnx-testdata/data/node}
MODELS=${MODELS:-build/models}
for m in dscnn dscnn.int8 vibration_ae vibration_ae.int8; do
	[ -f "$MODELS/$m.onnx" ] || { echo "make_seeds: $MODELS/$m.onnx is missing (make models)" >&2; exit 1; }
done
mkdir -p "$OUT/fuzz_session" "$OUT/fuzz_convert" "$OUT/fuzz_tensorproto" "$OUT/fuzz_npy"

for m in dscnn dscnn.int8 vibration_ae vibration_ae.int8; do
	"$EDGEML" convert "$MODELS/$m.onnx" "$OUT/fuzz_session/$m.eml" > /dev/null
done
# Small real models whose weights are constants, so that the fast kernels run them and the
# reference kernels too (the reference models exceed fuzz_session's reference limit).
for f in models/fixtures/*.onnx tests/fuzz/seeds/fuzz_convert/*.onnx; do
	"$EDGEML" convert "$f" "$OUT/fuzz_session/$(basename "$f" .onnx).eml" > /dev/null 2>&1 ||
		rm -f "$OUT/fuzz_session/$(basename "$f" .onnx).eml"
done

converted=0
for dir in "$NODE_TESTS"/*/; do
	name=$(basename "$dir")
	[ -f "$dir/model.onnx" ] || continue
	cp "$dir/model.onnx" "$OUT/fuzz_convert/$name.onnx"
	for pb in "$dir"/test_data_set_0/input_*.pb; do
		[ -f "$pb" ] && [ "$(stat -c %s "$pb")" -le 65536 ] &&
			cp "$pb" "$OUT/fuzz_tensorproto/${name}_$(basename "$pb")"
	done
	if "$EDGEML" convert "$dir/model.onnx" "$OUT/fuzz_session/$name.eml" \
		> /dev/null 2>&1; then
		converted=$((converted + 1))
	else
		rm -f "$OUT/fuzz_session/$name.eml"
	fi
done

# The node tests again with every input but the first frozen to its test value (weights,
# scales, zero points become constants), as the fast kernels need.
"$PY" - "$EDGEML" "$NODE_TESTS" "$OUT" <<'PYEOF'
import os, subprocess, sys
import onnx
edgeml, node_tests, out = sys.argv[1:4]
frozen = 0
for name in sorted(os.listdir(node_tests)):
    d = os.path.join(node_tests, name)
    model = os.path.join(d, "model.onnx")
    if not os.path.exists(model):
        continue
    try:
        g = onnx.load(model).graph
    except Exception:
        continue
    inits = {t.name for t in g.initializer}
    inputs = [i.name for i in g.input if i.name not in inits]
    args = []
    for k, iname in enumerate(inputs[1:], start=1):
        pb = os.path.join(d, "test_data_set_0", f"input_{k}.pb")
        if os.path.exists(pb) and iname:
            args += ["--constant", f"{iname}={pb}"]
    if not args:
        continue
    dst = os.path.join(out, "fuzz_session", f"{name}.frozen.eml")
    r = subprocess.run([edgeml, "convert", model, dst] + args, capture_output=True)
    if r.returncode == 0:
        frozen += 1
    elif os.path.exists(dst):
        os.remove(dst)
print(f"make_seeds: {frozen} node tests converted with their parameters frozen")
PYEOF

"$PY" - "$OUT" <<'PYEOF'
import os, sys
import numpy as np
out = sys.argv[1]
rng = np.random.default_rng(1)
shapes = [(), (0,), (1,), (3,), (2, 3), (1, 3, 4, 4), (2, 1, 1, 1, 2), (1,) * 8, (4, 0, 2)]
for dtype in ("<f4", "|u1", "|i1", "<i4", "<i8", "<f8", ">f4", "<i2", "|b1"):
    for k, shape in enumerate(shapes):
        a = (rng.standard_normal(shape) * 50).astype(dtype)
        tag = dtype.replace("<", "le").replace(">", "be").replace("|", "")
        for version in ((1, 0), (2, 0), (3, 0)):
            if version != (1, 0) and k % 3:
                continue
            path = os.path.join(out, "fuzz_npy", f"{tag}_{k}_v{version[0]}.npy")
            with open(path, "wb") as f:
                np.lib.format.write_array(f, a, version=version)
a = np.arange(12, dtype="<f4").reshape(3, 4)
with open(os.path.join(out, "fuzz_npy", "fortran.npy"), "wb") as f:
    np.lib.format.write_array(f, np.asfortranarray(a))
for name in os.listdir(os.path.join(out, "fuzz_npy")):
    if name.startswith(("lef4", "u1", "i1", "lei4", "lei8")):
        src = os.path.join(out, "fuzz_npy", name)
        with open(src, "rb") as f, open(os.path.join(out, "fuzz_tensorproto", name), "wb") as g:
            g.write(f.read())
PYEOF

echo "make_seeds: $converted node tests converted; $(ls "$OUT/fuzz_session" | wc -l) models," \
	"$(ls "$OUT/fuzz_tensorproto" | wc -l) tensors, $(ls "$OUT/fuzz_npy" | wc -l) .npy files in $OUT"
