#!/usr/bin/env python3
"""Writes the reference models of edgeml, reproducibly from seeds.

Each model is a real architecture built with onnx.helper, with seeded weights, written as
float ONNX (NAME.onnx) and as int8 QDQ (NAME.int8.onnx) made by onnxruntime's
quantize_static: per-channel int8 weights, int8 activations, calibrated on seeded data.
Weights use reduce_range (7-bit, [-64, 63]), as ONNX Runtime advises for x86 without VNNI:
its AVX2 u8s8 kernels sum pairs of products with vpmaddubsw, whose int16 result saturates
for full-range weights, so on such a CPU ORT itself is not exact (12-54% of int8 logits
within 1 LSB of the exact result here); with 7-bit weights no pair can saturate and ORT is
exact on every x86 CPU, which keeps `make crosscheck` a bit-exact check everywhere. edgeml's
kernels are exact for full-range weights too (the unit tests and fixtures use them).

  mobilenetv2   MobileNetV2-1.0, 1x3x224x224 image -> 1000 logits
  resnet18      ResNet-18, 1x3x224x224 image -> 1000 logits
  dscnn         DS-CNN keyword spotting (ARM "Hello Edge" S), 1x1x49x10 MFCC -> 12 classes
  vibration_ae  1-D conv autoencoder over 256-sample vibration windows -> reconstruction
  video3d       a small 3-D conv clip classifier (R3D-like), 1x3x8x32x32 clip -> 10 classes
"""
import argparse
import os
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

import vibration_anomaly

OPSET = 13


class Builder:
    """A small graph builder: layers append nodes and seeded initializers."""

    def __init__(self, name, seed):
        self.name = name
        self.rng = np.random.default_rng(seed)
        self.nodes, self.inits = [], []
        self.count = 0

    def uid(self, kind):
        self.count += 1
        return f"{kind}_{self.count}"

    def const(self, name, array):
        self.inits.append(numpy_helper.from_array(array, name))
        return name

    def conv(self, x, cin, cout, k, stride=1, pad=None, group=1, bias=False, dims=2):
        n = self.uid("conv")
        ks = k if isinstance(k, (tuple, list)) else (k,) * dims
        fan_in = cin // group * int(np.prod(ks))
        w = self.rng.normal(0, np.sqrt(2.0 / fan_in), (cout, cin // group) + tuple(ks))
        ins = [x, self.const(n + ".weight", w.astype(np.float32))]
        if bias:
            ins.append(self.const(n + ".bias", self.rng.normal(0, 0.05, cout).astype(np.float32)))
        if pad is None:
            pad = [kk // 2 for kk in ks] * 2
        st = stride if isinstance(stride, (tuple, list)) else (stride,) * dims
        self.nodes.append(helper.make_node("Conv", ins, [n], name=n, kernel_shape=list(ks),
                                           strides=list(st), pads=list(pad), group=group))
        return n

    def bn(self, x, c):
        n = self.uid("bn")
        r = self.rng
        p = [self.const(n + ".scale", r.uniform(0.5, 1.5, c).astype(np.float32)),
             self.const(n + ".bias", r.normal(0, 0.1, c).astype(np.float32)),
             self.const(n + ".mean", r.normal(0, 0.1, c).astype(np.float32)),
             self.const(n + ".var", r.uniform(0.5, 1.5, c).astype(np.float32))]
        self.nodes.append(helper.make_node("BatchNormalization", [x] + p, [n], name=n,
                                           epsilon=1e-5))
        return n

    def relu(self, x):
        n = self.uid("relu")
        self.nodes.append(helper.make_node("Relu", [x], [n], name=n))
        return n

    def relu6(self, x):
        n = self.uid("relu6")
        lo = self.const(n + ".min", np.array(0.0, np.float32))
        hi = self.const(n + ".max", np.array(6.0, np.float32))
        self.nodes.append(helper.make_node("Clip", [x, lo, hi], [n], name=n))
        return n

    def op(self, kind, ins, **attrs):
        n = self.uid(kind.lower())
        self.nodes.append(helper.make_node(kind, ins, [n], name=n, **attrs))
        return n

    def gemm(self, x, cin, cout):
        n = self.uid("fc")
        w = self.rng.normal(0, np.sqrt(1.0 / cin), (cout, cin)).astype(np.float32)
        b = self.rng.normal(0, 0.05, cout).astype(np.float32)
        self.nodes.append(helper.make_node("Gemm", [x, self.const(n + ".weight", w),
                                                    self.const(n + ".bias", b)], [n], name=n,
                                           transB=1))
        return n

    def resize2x(self, x, dims):
        n = self.uid("upsample")
        scales = self.const(n + ".scales", np.array([1.0, 1.0] + [2.0] * dims, np.float32))
        self.nodes.append(helper.make_node("Resize", [x, "", scales], [n], name=n,
                                           mode="nearest"))
        return n

    def model(self, x_name, x_shape, y, y_shape):
        graph = helper.make_graph(
            self.nodes, self.name,
            [helper.make_tensor_value_info(x_name, TensorProto.FLOAT, x_shape)],
            [helper.make_tensor_value_info(y, TensorProto.FLOAT, y_shape)], self.inits)
        m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="edgeml-models")
        m.ir_version = 8
        onnx.checker.check_model(m)
        return m


def mobilenetv2(seed):
    b = Builder("mobilenetv2", seed)
    x = b.relu6(b.bn(b.conv("input", 3, 32, 3, stride=2), 32))
    cin = 32
    for t, c, n, s in [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
                       (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]:
        for i in range(n):
            stride = s if i == 0 else 1
            hidden = cin * t
            y = x
            if t != 1:
                y = b.relu6(b.bn(b.conv(y, cin, hidden, 1, pad=[0, 0, 0, 0]), hidden))
            y = b.relu6(b.bn(b.conv(y, hidden, hidden, 3, stride=stride, group=hidden), hidden))
            y = b.bn(b.conv(y, hidden, c, 1, pad=[0, 0, 0, 0]), c)
            x = b.op("Add", [x, y]) if stride == 1 and cin == c else y
            cin = c
    x = b.relu6(b.bn(b.conv(x, cin, 1280, 1, pad=[0, 0, 0, 0]), 1280))
    x = b.op("Flatten", [b.op("GlobalAveragePool", [x])], axis=1)
    y = b.gemm(x, 1280, 1000)
    return b.model("input", [1, 3, 224, 224], y, [1, 1000]), [1, 3, 224, 224]


def resnet18(seed):
    b = Builder("resnet18", seed)
    x = b.relu(b.bn(b.conv("input", 3, 64, 7, stride=2), 64))
    x = b.op("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    cin = 64
    for stage, c in enumerate([64, 128, 256, 512]):
        for i in range(2):
            stride = 2 if stage > 0 and i == 0 else 1
            y = b.relu(b.bn(b.conv(x, cin, c, 3, stride=stride), c))
            y = b.bn(b.conv(y, c, c, 3), c)
            short = x
            if stride != 1 or cin != c:
                short = b.bn(b.conv(x, cin, c, 1, stride=stride, pad=[0, 0, 0, 0]), c)
            x = b.relu(b.op("Add", [short, y]))
            cin = c
    x = b.op("Flatten", [b.op("GlobalAveragePool", [x])], axis=1)
    y = b.gemm(x, 512, 1000)
    return b.model("input", [1, 3, 224, 224], y, [1, 1000]), [1, 3, 224, 224]


def dscnn(seed):
    b = Builder("dscnn", seed)
    x = b.relu(b.bn(b.conv("mfcc", 1, 64, (10, 4), stride=2, pad=[4, 1, 5, 2]), 64))
    for _ in range(4):
        x = b.relu(b.bn(b.conv(x, 64, 64, 3, group=64), 64))
        x = b.relu(b.bn(b.conv(x, 64, 64, 1, pad=[0, 0, 0, 0]), 64))
    x = b.op("Flatten", [b.op("AveragePool", [x], kernel_shape=[25, 5])], axis=1)
    y = b.gemm(x, 64, 12)
    return b.model("mfcc", [1, 1, 49, 10], y, [1, 12]), [1, 1, 49, 10]


def vibration_ae(seed):
    b = Builder("vibration_ae", seed)
    x = b.relu(b.conv("window", 1, 16, 7, stride=2, bias=True, dims=1))
    x = b.relu(b.conv(x, 16, 32, 5, stride=2, bias=True, dims=1))
    x = b.relu(b.conv(x, 32, 8, 3, stride=2, bias=True, dims=1))
    x = b.relu(b.conv(b.resize2x(x, 1), 8, 32, 3, bias=True, dims=1))
    x = b.relu(b.conv(b.resize2x(x, 1), 32, 16, 5, bias=True, dims=1))
    y = b.conv(b.resize2x(x, 1), 16, 1, 7, bias=True, dims=1)
    model = b.model("window", [1, 1, 256], y, [1, 1, 256])
    # Trained on clean sensor windows, so that its reconstruction error flags anomalies.
    vibration_anomaly.train(model, seed + 500)
    return model, [1, 1, 256]


def video3d(seed):
    """3-D convolutions as video nets use them: a 3x5x5 stem at stride 1x2x2, MaxPool3d, a
    residual block at stride 2 with a 1x1x1 strided shortcut, a grouped 3x3x3 convolution,
    a 2x2x2 MaxPool, global average pooling over D, H, W."""
    b = Builder("video3d", seed)
    x = b.relu(b.bn(b.conv("clip", 3, 16, (3, 5, 5), stride=(1, 2, 2), pad=[1, 2, 2] * 2,
                           dims=3), 16))
    x = b.op("MaxPool", [x], kernel_shape=[1, 3, 3], strides=[1, 2, 2], pads=[0, 1, 1] * 2)
    y = b.relu(b.bn(b.conv(x, 16, 32, 3, stride=2, dims=3), 32))
    y = b.bn(b.conv(y, 32, 32, 3, dims=3), 32)
    short = b.bn(b.conv(x, 16, 32, 1, stride=2, pad=[0] * 6, dims=3), 32)
    x = b.relu(b.op("Add", [short, y]))
    x = b.relu(b.bn(b.conv(x, 32, 32, 3, group=4, dims=3), 32))
    x = b.op("MaxPool", [x], kernel_shape=[2, 2, 2], strides=[2, 2, 2])
    x = b.op("Flatten", [b.op("GlobalAveragePool", [x])], axis=1)
    y = b.gemm(x, 32, 10)
    return b.model("clip", [1, 3, 8, 32, 32], y, [1, 10]), [1, 3, 8, 32, 32]


# Activation type of each int8 model: uint8 activations with int8 weights (U8S8) is what
# ONNX Runtime recommends on x86 and runs fully fused; the small models use int8 (S8S8), the
# usual choice for microcontroller-class targets. Weights are int8 per-channel in all.
ACTIVATIONS = {"mobilenetv2": "QUInt8", "resnet18": "QUInt8", "dscnn": "QInt8",
               "vibration_ae": "QInt8", "video3d": "QUInt8"}

MODELS = {"mobilenetv2": (mobilenetv2, 11), "resnet18": (resnet18, 12), "dscnn": (dscnn, 13),
          "vibration_ae": (vibration_ae, 14), "video3d": (video3d, 15)}


def sample_inputs(name, shape, count, seed):
    """Seeded inputs shaped like the model's real data (also used by the cross-check)."""
    rng = np.random.default_rng(seed)
    if name == "vibration_ae":
        return list(vibration_anomaly.clean_batch(rng, count).reshape((count, *shape)))
    return [rng.normal(0, 1, shape).astype(np.float32) for _ in range(count)]


def recalibrate_batchnorm(model, input_name, samples):
    """Sets every BatchNormalization's running mean and variance to the statistics of its
    input on seeded data, layer by layer, as training would have left them. Without this
    the random running statistics rescale activations arbitrarily and the network becomes
    chaotic (one LSB in an early layer swings the logits), unlike any trained network."""
    import onnxruntime as ort

    inits = {i.name: i for i in model.graph.initializer}
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    so.intra_op_num_threads = 1
    for bn in [n for n in model.graph.node if n.op_type == "BatchNormalization"]:
        probe = onnx.ModelProto()
        probe.CopyFrom(model)
        del probe.graph.output[:]
        probe.graph.output.append(helper.make_tensor_value_info(bn.input[0], TensorProto.FLOAT,
                                                                None))
        sess = ort.InferenceSession(probe.SerializeToString(), so,
                                    providers=["CPUExecutionProvider"])
        acts = np.concatenate([sess.run(None, {input_name: s})[0] for s in samples])
        axes = tuple(a for a in range(acts.ndim) if a != 1)
        for name, value in ((bn.input[3], acts.mean(axes)), (bn.input[4], acts.var(axes))):
            inits[name].CopyFrom(numpy_helper.from_array(value.astype(np.float32), name))
    return model


def quantize(float_path, int8_path, input_name, samples, activation_type):
    from onnxruntime.quantization import (CalibrationDataReader, QuantFormat, QuantType,
                                          quantize_static)
    from onnxruntime.quantization.shape_inference import quant_pre_process

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.it = iter([{input_name: s} for s in samples])

        def get_next(self):
            return next(self.it, None)

    with tempfile.TemporaryDirectory() as tmp:
        pre = os.path.join(tmp, "pre.onnx")
        quant_pre_process(float_path, pre, skip_symbolic_shape=True)
        quantize_static(pre, int8_path, Reader(), quant_format=QuantFormat.QDQ,
                        per_channel=True, activation_type=getattr(QuantType, activation_type),
                        weight_type=QuantType.QInt8, reduce_range=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--only", nargs="*", default=list(MODELS))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for name in args.only:
        fn, seed = MODELS[name]
        model, shape = fn(seed)
        model = recalibrate_batchnorm(model, model.graph.input[0].name,
                                      sample_inputs(name, shape, 4, seed + 3000))
        fpath = os.path.join(args.out, name + ".onnx")
        qpath = os.path.join(args.out, name + ".int8.onnx")
        onnx.save(model, fpath)
        calib = 8 if name in ("mobilenetv2", "resnet18") else 32
        quantize(fpath, qpath, model.graph.input[0].name,
                 sample_inputs(name, shape, calib, seed + 1000), ACTIVATIONS[name])
        if name == "vibration_ae":
            vibration_anomaly.record(args.out, [fpath, qpath], model.graph.input[0].name,
                                     seed + 600)
        print(f"models: wrote {fpath} and {qpath}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
