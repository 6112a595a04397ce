#!/usr/bin/env python3
"""ncnn peer for `make bench` and `edgeml bench --compare ncnn`: converts the .onnx with pnnx
(PyPI `pnnx`, offline, weights kept in fp32) into ncnn's param/bin under --work, then times it
with the `ncnn` Python package and seeded random input, on the CPU with N threads or on a
Vulkan device (--backend vulkan --device D), in fp32 or fp16 (--precision). Prints one JSON
object in the form of an edgeml cell's raw result, or {"skipped": why} when ncnn or pnnx is
missing, the model has layers ncnn cannot run, or the Vulkan device is not one ncnn will use
(it never falls back to the CPU silently). ncnn has no QuantizeLinear/DequantizeLinear and its
int8 path needs its own calibration (ncnn2int8), so the int8 QDQ models of `make models` are
skipped and only the float ones compare. --verify adds the largest absolute difference of the
outputs from ONNX Runtime's on the same input."""
import argparse
import importlib.util
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time

UNSUPPORTED = ("QuantizeLinear", "DequantizeLinear", "pnnx.", "QLinear")
# pnnx's options: fp16=0 keeps the weights in fp32 in the .bin, so the fp32 runs are fp32
# throughout; --precision fp16 lets ncnn convert them when it loads the model.
PNNX_ARGS = ["fp16=0"]
# ncnn's GpuInfo.type() codes.
GPU_TYPES = {0: "discrete GPU", 1: "integrated GPU", 2: "virtual GPU", 3: "CPU"}


class Skip(Exception):
    """The model or this machine cannot give a fair ncnn row; the message says why."""


def pnnx_binary():
    """The pnnx converter: the binary inside the `pnnx` package (its console script imports
    torch, which is not installed), else one on PATH; None when there is none."""
    spec = importlib.util.find_spec("pnnx")
    for d in (spec.submodule_search_locations or []) if spec else []:
        exe = os.path.join(d, "pnnx")
        if os.access(exe, os.X_OK):
            return exe
    return shutil.which("pnnx")


def convert(model, work):
    """Converts model with pnnx into work (reusing an earlier conversion of the same file with
    the same converter and options); returns (param, bin, input shapes)."""
    pnnx = pnnx_binary()
    if not pnnx:
        raise Skip("pnnx (PyPI `pnnx`) is not installed: it converts ONNX to ncnn")
    stem = os.path.splitext(os.path.basename(model))[0]
    out = os.path.join(work, "ncnn-" + stem)
    param = os.path.join(out, stem + ".ncnn.param")
    binf = os.path.join(out, stem + ".ncnn.bin")
    src, exe = os.stat(model), os.stat(pnnx)
    key = {"model": os.path.abspath(model), "size": src.st_size, "mtime_ns": src.st_mtime_ns,
           "pnnx": [pnnx, exe.st_size, exe.st_mtime_ns], "args": PNNX_ARGS}
    stamp = os.path.join(out, stem + ".ncnn.json")
    try:
        with open(stamp) as f:
            done = json.load(f)
        if done["key"] == key and os.path.exists(param) and os.path.exists(binf):
            return param, binf, done["shapes"]
    except (OSError, ValueError, KeyError):
        pass
    os.makedirs(out, exist_ok=True)
    shutil.copyfile(model, os.path.join(out, stem + ".onnx"))
    p = subprocess.run([pnnx, stem + ".onnx"] + PNNX_ARGS, cwd=out, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    # pnnx logs the shapes it traced with: "inputshape = [1,3,224,224]f32,[1,10]f32".
    line = re.search(r"^inputshape = (\[.*)$", p.stdout, re.M)
    shapes = [[int(d) for d in s.split(",")] for s in
              re.findall(r"\[([0-9,]+)\]", line.group(1))] if line else []
    if p.returncode != 0 or not os.path.exists(param) or not shapes:
        raise Skip("pnnx could not convert the model: " +
                   (p.stdout.strip().splitlines() or ["?"])[-1])
    with open(stamp, "w") as f:
        json.dump({"key": key, "shapes": shapes}, f)
    return param, binf, shapes


def pick_gpu(ncnn, want):
    """Index of the Vulkan device ncnn should use: want is an index or (part of) a name, as
    for `edgeml bench --device`; None takes ncnn's default. Raises Skip when ncnn has none."""
    if not hasattr(ncnn, "get_gpu_count"):
        raise Skip("this ncnn build has no Vulkan support")
    n = ncnn.get_gpu_count()
    if n == 0:
        raise Skip("ncnn finds no Vulkan device it will use (it lists none on this machine)")
    names = [ncnn.get_gpu_info(i).device_name() for i in range(n)]
    if want is None:
        return ncnn.get_default_gpu_index()
    if want.isdigit():
        if int(want) < n:
            return int(want)
    else:
        for match in (lambda s: s == want, lambda s: want.lower() in s.lower()):
            hits = [i for i, s in enumerate(names) if match(s)]
            if hits:
                return hits[0]
    raise Skip(f"ncnn does not list the Vulkan device '{want}' (ncnn lists: " +
               ", ".join(f"{i} '{s}'" for i, s in enumerate(names)) + ")")


def make_net(ncnn, a, gpu, param, binf):
    """Creates and loads an ncnn.Net with the options asked for."""
    net = ncnn.Net()
    o = net.opt
    o.num_threads = a.threads
    fp16 = a.precision == "fp16"
    o.use_fp16_packed = o.use_fp16_storage = o.use_fp16_arithmetic = fp16
    o.use_bf16_storage = False
    o.use_vulkan_compute = gpu is not None
    if gpu is not None:
        net.set_vulkan_device(gpu)
    if net.load_param(param) != 0 or net.load_model(binf) != 0:
        raise RuntimeError("ncnn could not load the converted model")
    if gpu is not None and not net.opt.use_vulkan_compute:
        raise Skip("ncnn turned Vulkan off for this model (it would run on the CPU)")
    return net


def max_diff_vs_ort(model, feeds, outs):
    """Largest absolute difference of the outputs from ONNX Runtime's (None without it)."""
    try:
        import numpy as np
        import onnxruntime as ort
    except ImportError:
        return None
    sess = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    names = [i.name for i in sess.get_inputs()]
    ref = sess.run(None, dict(zip(names, feeds)))
    if len(ref) != len(outs):
        raise RuntimeError(f"ncnn gives {len(outs)} outputs, ONNX Runtime {len(ref)}")
    worst = 0.0
    for r, o in zip(ref, outs):
        if r.size != o.size:
            raise RuntimeError(f"an output has {o.size} values on ncnn, {r.size} on ORT")
        worst = max(worst, float(np.abs(o.reshape(r.shape) - r).max()))
    return worst


def measure(a):
    """Converts, loads and times the model; returns the result object."""
    try:
        import ncnn
        import numpy as np
    except ImportError as e:
        raise Skip(f"ncnn is not installed for {sys.executable} ({e})")
    param, binf, shapes = convert(a.model, a.work)
    with open(param) as f:
        layers = [line.split()[0] for line in f.read().splitlines()[2:] if line.strip()]
    bad = sorted({t for t in layers if t.startswith(UNSUPPORTED)})
    if bad:
        raise Skip("ncnn cannot run these layers of the converted model: " + ", ".join(bad))
    if any(s[0] != 1 for s in shapes):
        raise Skip("ncnn runs batch 1 only; the model's inputs are " + str(shapes))
    rng = np.random.default_rng(12345)
    feeds = [rng.random(s, dtype=np.float32) for s in shapes]
    create, gpu, detail, net = [], None, "cpu", None
    for _ in range(2):  # cold (first in the process, Vulkan instance included), then warm
        net = None  # as edgeml's cells do, the first is gone before the second is made
        t0 = time.perf_counter()
        if a.backend == "vulkan" and gpu is None:
            gpu = pick_gpu(ncnn, a.device)
        net = make_net(ncnn, a, gpu, param, binf)
        create.append((time.perf_counter() - t0) * 1e3)
    if gpu is not None:
        info = ncnn.get_gpu_info(gpu)
        kind = GPU_TYPES.get(info.type(), "unknown type")
        detail = f"vulkan: on '{info.device_name()}' ({kind}, ncnn device {gpu})"
    detail += f", {a.precision}" + (" where the device supports it" if a.precision == "fp16"
                                    else "")
    ins, outs = net.input_names(), net.output_names()
    mats = [ncnn.Mat(x[0]).clone() for x in feeds]
    result = []

    def run():
        """One inference, inputs in and every output out, as edgeml's runs do."""
        ex = net.create_extractor()
        for name, m in zip(ins, mats):
            ex.input(name, m)
        result.clear()
        for name in outs:
            rc, out = ex.extract(name)
            if rc != 0:
                raise RuntimeError(f"ncnn failed to compute {name} ({rc})")
            result.append(out)

    for _ in range(a.warmup):
        run()
    lat = []
    for _ in range(a.iterations):
        t0 = time.perf_counter()
        run()
        lat.append((time.perf_counter() - t0) * 1e3)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    r = {"ok": True, "engine_version": getattr(ncnn, "__version__", None),
         "backend_name": "ncnn-" + a.backend, "detail": detail, "precision": a.precision,
         "create_cold_ms": create[0], "create_warm_ms": create[1], "latencies_ms": lat,
         "peak_rss_kb": rss}
    if a.verify:
        r["max_abs_diff_vs_ort"] = max_diff_vs_ort(a.model, feeds,
                                                   [np.array(m) for m in result])
    return r


def main():
    """Parses the options, measures, prints the one JSON object."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("model")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--iterations", type=int, default=50)
    ap.add_argument("--work", default=".")
    ap.add_argument("--backend", choices=["cpu", "vulkan"], default="cpu")
    ap.add_argument("--device", help="Vulkan device: ncnn's index or (part of) its name")
    ap.add_argument("--precision", choices=["fp32", "fp16"], default="fp32")
    ap.add_argument("--verify", action="store_true",
                    help="compare the outputs with ONNX Runtime's")
    a = ap.parse_args()
    if a.threads < 1 or a.warmup < 0 or a.iterations < 1:
        ap.error("--threads and --iterations must be at least 1, --warmup at least 0")
    try:
        r = measure(a)
    except Skip as e:
        r = {"skipped": str(e)}
    except (RuntimeError, OSError) as e:
        r = {"ok": False, "error": str(e)}
    print(json.dumps(r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
