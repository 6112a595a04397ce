#!/usr/bin/env python3
"""Cross-check: the models of `make models` on edgeml against ONNX Runtime.

Each model (float and int8 QDQ) is converted with `edgeml convert`, run with `edgeml run`
and with ONNX Runtime (CPU, all graph optimisations, one thread, sequential) on the same
seeded inputs. Criteria:
  float: max |edgeml - ort| <= 1e-4 * max |ort|  (relative to the output's range)
  int8:  in units of the output's quantization step (the scale of the final
         DequantizeLinear): >= 99.9% of elements within 1 LSB and none beyond 2 LSB.
Prints one line per model and variant and closes with `N passed, M failed`.
"""
import argparse
import os
import shlex
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "models"))
import make_models  # noqa: E402

FLOAT_RTOL = 1e-4
INT8_WITHIN_1_LSB = 0.999
INT8_MAX_LSB = 2


def output_scale(model, output_name):
    """Scale of the DequantizeLinear producing a graph output (the int8 LSB)."""
    inits = {i.name: i for i in model.graph.initializer}
    for node in model.graph.node:
        if output_name in node.output and node.op_type == "DequantizeLinear":
            return float(numpy_helper.to_array(inits[node.input[1]]))
    raise RuntimeError(f"output '{output_name}' is not produced by a DequantizeLinear")


def run_ort(path, feeds):
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    return sess.run(None, feeds)


def convert(edgeml, onnx_path, eml):
    os.makedirs(os.path.dirname(eml), exist_ok=True)
    p = subprocess.run([edgeml, "convert", onnx_path, eml], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    if p.returncode != 0:
        raise RuntimeError("convert: " + (p.stdout.strip().splitlines() or [""])[-1])


def run_edgeml(runner, eml, work, feeds, outputs, backend=None):
    """Runs eml with runner (the edgeml command line: a path, or an emulator and a binary),
    on backend when given (else edgeml's automatic choice)."""
    os.makedirs(work, exist_ok=True)
    args = runner + ["run", eml, "--output-dir", work]
    if backend:
        args += ["--backend", backend]
    for name, arr in feeds.items():
        npy = os.path.join(work, f"in_{name}.npy")
        np.save(npy, arr)
        args += ["--input", f"{name}={npy}"]
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if p.returncode != 0:
        raise RuntimeError("run: " + (p.stdout.strip().splitlines() or [""])[-1])
    return [np.load(os.path.join(work, o.replace("/", "_") + ".npy")) for o in outputs]


def compare(model, outputs, got, want, quantized):
    """Returns (ok, summary) for one model's outputs."""
    notes, ok = [], True
    for name, g, w in zip(outputs, got, want):
        if g.shape != w.shape:
            return False, f"{name}: shape {g.shape} vs {w.shape}"
        diff = np.abs(g.astype(np.float64) - w.astype(np.float64))
        if quantized:
            lsb = diff / output_scale(model, name)
            within1 = float(np.mean(lsb <= 1.0 + 1e-3))
            worst = float(lsb.max())
            ok &= within1 >= INT8_WITHIN_1_LSB and worst <= INT8_MAX_LSB + 1e-3
            notes.append(f"{name}: {within1 * 100:.3f}% within 1 LSB, max {worst:.2f} LSB")
        else:
            rel = float(diff.max() / max(np.abs(w).max(), 1e-30))
            ok &= rel <= FLOAT_RTOL
            notes.append(f"{name}: max rel diff {rel:.2e}")
    return ok, "; ".join(notes)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--edgeml", required=True)
    ap.add_argument("--models", required=True, help="directory written by make_models.py")
    ap.add_argument("--work", required=True)
    ap.add_argument("--only", nargs="*", default=list(make_models.MODELS))
    ap.add_argument("--run-with", default="",
                    help="command line that runs the models instead of --edgeml, e.g. "
                         "'qemu-aarch64 -cpu max build/arm/rt/edgeml-static' (--edgeml still "
                         "converts them)")
    ap.add_argument("--backend", choices=["cpu", "vulkan"],
                    help="the backend edgeml runs the models on (default: its automatic "
                         "choice, the CPU where the only Vulkan device is a CPU one)")
    args = ap.parse_args()
    runner = shlex.split(args.run_with) if args.run_with else [args.edgeml]

    passed = failed = 0
    for name in args.only:
        fn, seed = make_models.MODELS[name]
        for variant in ("float", "int8"):
            path = os.path.join(args.models, name + (".onnx" if variant == "float" else ".int8.onnx"))
            model = onnx.load(path)
            x = model.graph.input[0]
            shape = [d.dim_value for d in x.type.tensor_type.shape.dim]
            count = 1 if name in ("mobilenetv2", "resnet18") else 4
            outputs = [o.name for o in model.graph.output]
            try:
                lines, all_ok = [], True
                eml = os.path.join(args.work, f"{name}.{variant}.eml")
                convert(args.edgeml, path, eml)
                for k, sample in enumerate(make_models.sample_inputs(name, shape, count, seed + 2000)):
                    feeds = {x.name: sample}
                    want = run_ort(path, feeds)
                    got = run_edgeml(runner, eml, os.path.join(args.work, f"{name}.{variant}.{k}"),
                                     feeds, outputs, args.backend)
                    ok, note = compare(model, outputs, got, want, variant == "int8")
                    all_ok &= ok
                    lines.append(note)
                status = "PASS" if all_ok else "FAIL"
                print(f"{status} {name} {variant}: " + " | ".join(lines), flush=True)
            except RuntimeError as e:
                all_ok = False
                print(f"FAIL {name} {variant}: {e}", flush=True)
            passed += all_ok
            failed += not all_ok
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
