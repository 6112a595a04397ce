"""Writes the small ONNX models the image-input tests convert with --image-input (run with
the build venv's python, which has onnx): an image input of 1x3xHxW (or 1xHxWx3) float32
passed through (Mul by 1: a float output) or quantized to int8 (QuantizeLinear: the
converter folds it into ImagePreprocess, as it does for a QDQ model's first layer)."""
import argparse
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

# The int8 models' input quantization: about the range of ImageNet-normalised values.
S8_SCALE = np.float32(2.7 / 127.0)
S8_ZERO_POINT = np.int8(-4)


def model(name, shape, quantized):
    x = helper.make_tensor_value_info("input", TensorProto.FLOAT, shape)
    if quantized:
        inits = [numpy_helper.from_array(np.array(S8_SCALE, np.float32), "scale"),
                 numpy_helper.from_array(np.array(S8_ZERO_POINT, np.int8), "zero_point")]
        node = helper.make_node("QuantizeLinear", ["input", "scale", "zero_point"], ["output"])
        y = helper.make_tensor_value_info("output", TensorProto.INT8, shape)
    else:
        inits = [numpy_helper.from_array(np.array(1.0, np.float32), "one")]
        node = helper.make_node("Mul", ["input", "one"], ["output"])
        y = helper.make_tensor_value_info("output", TensorProto.FLOAT, shape)
    g = helper.make_graph([node], name, [x], [y], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 8
    onnx.checker.check_model(m)
    return m


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--size", default="224x224", help="HxW of the model's image input")
    a = ap.parse_args()
    h, w = (int(v) for v in a.size.split("x"))
    os.makedirs(a.out, exist_ok=True)
    for layout, shape in (("nchw", [1, 3, h, w]), ("nhwc", [1, h, w, 3])):
        for q in (False, True):
            name = f"image_{layout}_{'s8' if q else 'f32'}_{h}x{w}"
            onnx.save(model(name, shape, q), os.path.join(a.out, name + ".onnx"))


if __name__ == "__main__":
    main()
