#!/usr/bin/env python3
"""ONNX Runtime peer for `edgeml bench --compare ort` and `make bench`: times one .onnx model
in a process of its own (so its peak RSS is its own), with the settings edgeml is measured
with: CPU provider, all graph optimisations, sequential execution, N intra-op threads, seeded
random inputs. Prints one JSON object in the form of an edgeml cell's raw result:
{"ok", "engine_version", "backend_name", "create_cold_ms", "create_warm_ms", "latencies_ms",
"peak_rss_kb"}, or {"skipped": why} when onnxruntime is not installed for this Python."""
import argparse
import json
import resource
import sys
import time


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("model")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--iterations", type=int, default=50)
    ap.add_argument("--work", help="scratch directory (unused; ncnn_peer.py needs one)")
    a = ap.parse_args()
    try:
        import numpy as np
        import onnxruntime as ort
    except ImportError as e:
        print(json.dumps({"skipped": f"onnxruntime is not installed for {sys.executable} ({e})"}))
        return 0
    types = {"tensor(float)": np.float32, "tensor(uint8)": np.uint8, "tensor(int8)": np.int8}
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.intra_op_num_threads = a.threads
    so.inter_op_num_threads = 1
    create = []
    for _ in range(2):  # cold (first in the process), then warm
        t0 = time.perf_counter()
        sess = ort.InferenceSession(a.model, so, providers=["CPUExecutionProvider"])
        create.append((time.perf_counter() - t0) * 1e3)
    rng = np.random.default_rng(12345)
    feeds = {}
    for i in sess.get_inputs():
        dtype = types[i.type]
        shape = [d if isinstance(d, int) else 1 for d in i.shape]
        if dtype == np.float32:
            feeds[i.name] = rng.random(shape, dtype=np.float32)
        else:
            feeds[i.name] = rng.integers(0, 256, shape, dtype=np.uint8).view(dtype)
    for _ in range(a.warmup):
        sess.run(None, feeds)
    lat = []
    for _ in range(a.iterations):
        t0 = time.perf_counter()
        sess.run(None, feeds)
        lat.append((time.perf_counter() - t0) * 1e3)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"ok": True, "engine_version": ort.__version__,
                      "backend_name": "CPUExecutionProvider", "create_cold_ms": create[0],
                      "create_warm_ms": create[1], "latencies_ms": lat, "peak_rss_kb": rss}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
