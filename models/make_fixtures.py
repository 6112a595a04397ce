#!/usr/bin/env python3
"""Writes the small committed fixtures of models/fixtures/ (rerun only to change them).

mobilenet_block.{u8,s8}.onnx: a MobileNetV2-style stem and inverted-residual block with a
classifier (Conv 3x3/s2, 1x1 expand, depthwise 3x3, 1x1 project, residual Add, global average
pool, Gemm) on a 1x3x16x16 input, quantized to QDQ with uint8 or int8 activations. Unit tests
use them to exercise every kernel family of a real quantized network without Python.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import make_models  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "fixtures")


def mobilenet_block(seed):
    b = make_models.Builder("mobilenet_block", seed)
    x = b.relu6(b.bn(b.conv("input", 3, 16, 3, stride=2), 16))
    y = b.relu6(b.bn(b.conv(x, 16, 96, 1, pad=[0, 0, 0, 0]), 96))
    y = b.relu6(b.bn(b.conv(y, 96, 96, 3, group=96), 96))
    y = b.bn(b.conv(y, 96, 16, 1, pad=[0, 0, 0, 0]), 16)
    x = b.op("Add", [x, y])
    x = b.op("Flatten", [b.op("GlobalAveragePool", [x])], axis=1)
    return b.model("input", [1, 3, 16, 16], b.gemm(x, 16, 10), [1, 10]), [1, 3, 16, 16]


def main():
    import onnx
    os.makedirs(OUT, exist_ok=True)
    model, shape = mobilenet_block(21)
    model = make_models.recalibrate_batchnorm(model, "input",
                                              make_models.sample_inputs("x", shape, 4, 22))
    fpath = os.path.join(OUT, "mobilenet_block.onnx")
    onnx.save(model, fpath)
    for suffix, act in (("u8", "QUInt8"), ("s8", "QInt8")):
        qpath = os.path.join(OUT, f"mobilenet_block.{suffix}.onnx")
        make_models.quantize(fpath, qpath, "input", make_models.sample_inputs("x", shape, 16, 23),
                             act)
        print("fixtures: wrote", qpath)
    os.remove(fpath)
    return 0


if __name__ == "__main__":
    sys.exit(main())
