"""make_variants.py — retrained versions of the int8 ResNet-18 for the delta measurement
(tests/fleet/bench-fleet.sh): (a) the last layer (fc) retrained: new int8 weights and int32
bias; (b) every weight fine-tuned with small steps: each int8 weight moves by one step
(+-1 LSB) with probability 0.3, each int32 bias by up to +-2% of its range; the scales stay.
usage: make_variants.py RESNET18_INT8.onnx OUTDIR
"""
import sys

import numpy as np
import onnx
from onnx import numpy_helper


def variant(model, out, pick, change, seed):
    rng = np.random.default_rng(seed)
    m = onnx.ModelProto()
    m.CopyFrom(model)
    for init in m.graph.initializer:
        if not pick(init):
            continue
        a = numpy_helper.to_array(init)
        init.CopyFrom(numpy_helper.from_array(change(a, rng).astype(a.dtype), init.name))
    onnx.save(m, out)


def retrain(a, rng):
    if a.dtype == np.int8:
        return rng.integers(-127, 128, a.shape)
    return a + rng.integers(-abs(a).max() // 4 - 1, abs(a).max() // 4 + 1, a.shape)


def fine_tune(a, rng):
    if a.dtype == np.int8:
        step = rng.choice([-1, 0, 0, 0, 0, 0, 1], a.shape)  # ~0.29 move
        return np.clip(a.astype(np.int32) + step, -127, 127)
    span = max(1, int(abs(a).max()) // 50)
    return a + rng.integers(-span, span + 1, a.shape)


def is_weight(init):
    return init.name.endswith("_quantized") and init.data_type in (3, 6)


def main():
    src, out = sys.argv[1], sys.argv[2]
    model = onnx.load(src)
    variant(model, out + "/last_layer.onnx",
            lambda i: is_weight(i) and i.name.startswith("fc_"), retrain, 1)
    variant(model, out + "/fine_tune.onnx", is_weight, fine_tune, 2)


if __name__ == "__main__":
    main()
