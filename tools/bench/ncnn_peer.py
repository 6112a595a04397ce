#!/usr/bin/env python3
"""ncnn peer for `edgeml bench --compare ncnn`: converts the .onnx with pnnx (PyPI `pnnx`,
offline) into ncnn's param/bin under --work, then times it with the `ncnn` Python package on
the CPU with N threads and seeded random input. Prints one JSON object in the form of an
edgeml cell's raw result, or {"skipped": why} when ncnn or pnnx is missing or the model has
layers ncnn cannot run: ncnn has no QuantizeLinear/DequantizeLinear, its int8 path needs its
own calibration (ncnn2int8), so the int8 QDQ models of `make models` are skipped and only the
float ones compare."""
import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time

UNSUPPORTED = ("QuantizeLinear", "DequantizeLinear", "pnnx.", "QLinear")


def skip(why):
    print(json.dumps({"skipped": why}))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("model")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--iterations", type=int, default=50)
    ap.add_argument("--work", default=".")
    a = ap.parse_args()
    try:
        import ncnn
        import numpy as np
    except ImportError as e:
        return skip(f"ncnn is not installed for {sys.executable} ({e})")
    pnnx = shutil.which("pnnx") or os.path.join(os.path.dirname(sys.executable), "pnnx")
    if not os.access(pnnx, os.X_OK):
        return skip("pnnx (PyPI `pnnx`) is not installed: it converts ONNX to ncnn")
    stem = os.path.splitext(os.path.basename(a.model))[0]
    work = os.path.join(a.work, "ncnn-" + stem)
    os.makedirs(work, exist_ok=True)
    onnx = os.path.join(work, stem + ".onnx")
    shutil.copyfile(a.model, onnx)
    p = subprocess.run([pnnx, onnx], cwd=work, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True)
    param = os.path.join(work, stem + ".ncnn.param")
    shape = re.search(r"inputshape = \[([0-9,]+)\]", p.stdout)
    if p.returncode != 0 or not os.path.exists(param) or not shape:
        return skip("pnnx could not convert the model: " + (p.stdout.strip().splitlines()
                                                            or ["?"])[-1])
    with open(param) as f:
        layers = [line.split()[0] for line in f.read().splitlines()[2:] if line.strip()]
    bad = sorted({t for t in layers if t.startswith(UNSUPPORTED)})
    if bad:
        return skip("ncnn cannot run these layers of the converted model: " + ", ".join(bad))
    dims = [int(d) for d in shape.group(1).split(",")]
    data = np.random.default_rng(12345).random(dims, dtype=np.float32)[0]
    create = []
    for _ in range(2):  # cold (first in the process), then warm
        t0 = time.perf_counter()
        net = ncnn.Net()
        net.opt.num_threads = a.threads
        net.opt.use_vulkan_compute = False
        net.load_param(param)
        net.load_model(os.path.join(work, stem + ".ncnn.bin"))
        create.append((time.perf_counter() - t0) * 1e3)

    def run():
        ex = net.create_extractor()
        ex.input("in0", ncnn.Mat(data).clone())
        ex.extract("out0")

    for _ in range(a.warmup):
        run()
    lat = []
    for _ in range(a.iterations):
        t0 = time.perf_counter()
        run()
        lat.append((time.perf_counter() - t0) * 1e3)
    print(json.dumps({"ok": True, "engine_version": getattr(ncnn, "__version__", None),
                      "backend_name": "ncnn-cpu", "create_cold_ms": create[0],
                      "create_warm_ms": create[1], "latencies_ms": lat,
                      "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
