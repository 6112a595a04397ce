#!/usr/bin/env python3
"""Single quantized ops, edgeml against ONNX Runtime, on random data and parameters.

Builds one model of many independent DequantizeLinear -> op -> QuantizeLinear groups (the
QDQ form quantize_static writes) for the ops whose integer arithmetic ORT defines with its
own contrib kernels once its graph optimisations fuse them (QLinearAdd, QLinearMul,
QLinearAveragePool, QLinearGlobalAveragePool, QLinearSigmoid, QLinearLeakyRelu,
QLinearSoftmax), runs it in ORT with optimisations on and off and in edgeml (`edgeml
convert` + `edgeml run`), and prints per op and type: elements, and how many differ from
each ORT run and by how much. Exit status 1 if any op differs from ORT opt-on (ORT's
integer kernels, deterministic for these ops) unless --report-only.

    qop_check.py --edgeml build/edgeml [--ops Add,Mul] [--groups 20] [--seed 1]
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
from onnx import TensorProto, helper

import onnxruntime as ort

# The ops whose quantized arithmetic edgeml takes from ORT (docs/ops.md), checked by default;
# Tanh (--ops) is a libm/MLAS approximation difference, known 1 LSB apart on rare ties.
OPS = ("Add", "Mul", "AveragePool", "GlobalAveragePool", "Sigmoid", "LeakyRelu", "Softmax",
       "HardSigmoid")


def ort_run(model_bytes, feed, optimize):
    so = ort.SessionOptions()
    so.log_severity_level = 3
    so.graph_optimization_level = (ort.GraphOptimizationLevel.ORT_ENABLE_ALL if optimize else
                                   ort.GraphOptimizationLevel.ORT_DISABLE_ALL)
    so.intra_op_num_threads = 1
    sess = ort.InferenceSession(model_bytes, so, providers=["CPUExecutionProvider"])
    names = [o.name for o in sess.get_outputs()]
    return dict(zip(names, sess.run(None, feed)))


def build(rng, ops, groups):
    """(model bytes, feed, [(output name, op, dtype name)])."""
    nodes, inputs, outputs, inits, feed, meta = [], [], [], [], {}, []
    for k in range(groups):
        for op in ops:
            signed = bool(rng.integers(0, 2))
            dt, et = (np.int8, TensorProto.INT8) if signed else (np.uint8, TensorProto.UINT8)
            lo, hi = (-128, 127) if signed else (0, 255)
            p = f"g{k}_{op}"
            if op in ("AveragePool", "GlobalAveragePool"):
                shape = [1, int(rng.integers(1, 9)), int(rng.integers(1, 15)),
                         int(rng.integers(1, 15))]
            elif op == "Softmax":
                # rows of at least 2: on a single element ORT's QLinearSoftmax overflows
                # (docs/ops.md)
                shape = [int(rng.integers(1, 5)), int(rng.integers(2, 70))]
            else:
                shape = [int(rng.integers(1, 700))]
            n_in = 2 if op in ("Add", "Mul") else 1
            # a broadcast scalar operand: B in a third of the groups, A in a sixth (ORT hands
            # MLAS the operands swapped then, docs/ops.md QLinearAdd)
            scalar = int(rng.integers(0, 6))
            scalar = 1 if scalar < 2 else 0 if scalar == 2 else -1
            dq = []
            for i in range(n_in):
                s = float(rng.uniform(0.002, 0.2))
                z = int(rng.integers(lo, hi + 1))
                xname = f"{p}_x{i}"
                ishape = shape
                if n_in == 2 and i == scalar:
                    ishape = [1]
                inputs.append(helper.make_tensor_value_info(xname, et, ishape))
                feed[xname] = rng.integers(lo, hi + 1, ishape).astype(dt)
                inits += [helper.make_tensor(f"{xname}_s", TensorProto.FLOAT, [], [s]),
                          helper.make_tensor(f"{xname}_z", et, [], [z])]
                nodes.append(helper.make_node("DequantizeLinear",
                                              [xname, f"{xname}_s", f"{xname}_z"],
                                              [f"{xname}_f"]))
                dq.append(f"{xname}_f")
                if i == 0:
                    feed_params = (np.float32(s), z)
            attrs = {}
            if op == "AveragePool":
                kh, kw = int(rng.integers(1, 4)), int(rng.integers(1, 4))
                attrs = {"kernel_shape": [kh, kw],
                         "strides": [int(rng.integers(1, 3)), int(rng.integers(1, 3))],
                         "pads": [int(rng.integers(0, kh)), int(rng.integers(0, kw)),
                                  int(rng.integers(0, kh)), int(rng.integers(0, kw))],
                         "count_include_pad": int(rng.integers(0, 2))}
                shape[2] = max(shape[2], kh)
                shape[3] = max(shape[3], kw)
                feed[f"{p}_x0"] = rng.integers(lo, hi + 1, shape).astype(dt)
                inputs[-1] = helper.make_tensor_value_info(f"{p}_x0", et, shape)
            elif op == "LeakyRelu":
                attrs = {"alpha": float(rng.uniform(0.01, 0.3))}
            elif op == "Softmax":
                attrs = {"axis": -1}
            nodes.append(helper.make_node(op, dq, [f"{p}_y"], **attrs))
            # Output parameters: a plausible range for the op's result.
            if op == "Sigmoid" or op == "Softmax" or op == "HardSigmoid":
                ys, yz = 1.0 / 255, (-128 if signed else 0)
            elif op == "Tanh":
                ys, yz = 2.0 / 255, (0 if signed else 128)
            elif op in ("AveragePool", "GlobalAveragePool") and rng.integers(0, 2):
                # quantize_static gives a pool its input's parameters: exact ties
                ys = float(feed_params[0])
                yz = int(feed_params[1])
            else:
                ys = float(rng.uniform(0.002, 0.2))
                if op == "Mul":
                    ys = float(rng.uniform(0.0005, 0.05))
                yz = int(rng.integers(lo, hi + 1))
            inits += [helper.make_tensor(f"{p}_ys", TensorProto.FLOAT, [], [ys]),
                      helper.make_tensor(f"{p}_yz", et, [], [yz])]
            nodes.append(helper.make_node("QuantizeLinear", [f"{p}_y", f"{p}_ys", f"{p}_yz"],
                                          [f"{p}_q"]))
            outputs.append(helper.make_tensor_value_info(f"{p}_q", et, None))
            meta.append((f"{p}_q", op, "int8" if signed else "uint8"))
    g = helper.make_graph(nodes, "qops", inputs, outputs, inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], ir_version=8)
    return m.SerializeToString(), feed, meta


def edgeml_run(edgeml, model_bytes, feed, work, backend):
    path = os.path.join(work, "qops.onnx")
    with open(path, "wb") as f:
        f.write(model_bytes)
    eml = os.path.join(work, "qops.eml")
    p = subprocess.run([edgeml, "convert", path, eml], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    if p.returncode != 0:
        sys.exit(f"qop_check: edgeml convert: {p.stdout.strip()}")
    out = os.path.join(work, "out")
    args = [edgeml, "run", eml, "--output-dir", out, "--backend", backend]
    for name, arr in feed.items():
        npy = os.path.join(work, f"{name}.npy")
        np.save(npy, arr)
        args += ["--input", f"{name}={npy}"]
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if p.returncode != 0:
        sys.exit(f"qop_check: edgeml run: {p.stdout.strip()}")
    return {f[:-4]: np.load(os.path.join(out, f)) for f in os.listdir(out)
            if f.endswith(".npy")}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--edgeml", default="build/edgeml")
    ap.add_argument("--ops", default=",".join(OPS))
    ap.add_argument("--groups", type=int, default=20, help="random instances per op")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--backend", default="cpu", help="edgeml's backend (cpu, vulkan)")
    ap.add_argument("--report-only", action="store_true")
    args = ap.parse_args()
    ops = args.ops.split(",")
    rng = np.random.default_rng(args.seed)
    mb, feed, meta = build(rng, ops, args.groups)
    on = ort_run(mb, feed, True)
    off = ort_run(mb, feed, False)
    with tempfile.TemporaryDirectory(prefix="qop_check.") as work:
        got = edgeml_run(args.edgeml, mb, feed, work, args.backend)
    rows = {}
    for name, op, dt in meta:
        g = got[name].astype(np.int64)
        r = rows.setdefault((op, dt), [0, 0, 0, 0, 0])
        r[0] += g.size
        for j, ref in ((1, on), (3, off)):
            d = np.abs(g - ref[name].astype(np.int64))
            r[j] += int((d > 0).sum())
            r[j + 1] = max(r[j + 1], int(d.max()) if d.size else 0)
    print(f"{'op':<18} {'type':<6} {'elements':>9} {'≠ ORT opt-on':>13} {'max':>4} "
          f"{'≠ ORT opt-off':>14} {'max':>4}")
    bad = 0
    for (op, dt), (n, d_on, m_on, d_off, m_off) in sorted(rows.items()):
        print(f"{op:<18} {dt:<6} {n:>9} {d_on:>13} {m_on:>4} {d_off:>14} {m_off:>4}")
        bad += d_on > 0
    return 1 if bad and not args.report_only else 0


if __name__ == "__main__":
    sys.exit(main())
