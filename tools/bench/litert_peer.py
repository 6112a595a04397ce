#!/usr/bin/env python3
"""LiteRT (TensorFlow Lite, XNNPACK) peer for `make bench`: times one .tflite model in a
process of its own, as ort_peer.py times an .onnx: the interpreter with its default XNNPACK
delegate and N threads, seeded random inputs (floats uniform in [0, 1), int8/uint8 uniform over
their range). Prints one JSON object in the form of an edgeml cell's raw result:
{"ok", "engine_version", "backend_name", "create_cold_ms", "create_warm_ms", "latencies_ms",
"peak_rss_kb"}, or {"skipped": why} when ai-edge-litert is not installed for this Python
(`make bench-deps` installs it into build/venv-litert)."""
import argparse
import json
import resource
import sys
import time


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("model", help=".tflite file")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--iterations", type=int, default=50)
    ap.add_argument("--work", help="scratch directory (unused)")
    a = ap.parse_args()
    try:
        import numpy as np
        from ai_edge_litert import interpreter as litert
        from importlib.metadata import version
    except ImportError as e:
        print(json.dumps({"skipped": f"ai-edge-litert is not installed for {sys.executable} "
                                     f"({e}); see make bench-deps"}))
        return 0
    create = []
    for _ in range(2):  # cold (first in the process), then warm
        t0 = time.perf_counter()
        interp = litert.Interpreter(model_path=a.model, num_threads=a.threads)
        interp.allocate_tensors()
        create.append((time.perf_counter() - t0) * 1e3)
    rng = np.random.default_rng(12345)
    for d in interp.get_input_details():
        shape, dtype = d["shape"], d["dtype"]
        if dtype == np.float32:
            x = rng.random(shape, dtype=np.float32)
        else:
            x = rng.integers(0, 256, shape, dtype=np.uint8).view(dtype)
        interp.set_tensor(d["index"], x)
    for _ in range(a.warmup):
        interp.invoke()
    lat = []
    for _ in range(a.iterations):
        t0 = time.perf_counter()
        interp.invoke()
        lat.append((time.perf_counter() - t0) * 1e3)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"ok": True, "engine_version": version("ai-edge-litert"),
                      "backend_name": "XNNPACK", "create_cold_ms": create[0],
                      "create_warm_ms": create[1], "latencies_ms": lat, "peak_rss_kb": rss}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
