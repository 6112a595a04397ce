#!/usr/bin/env python3
"""ONNX Runtime peer for `make bench`: times one .onnx model in a process of its own (so its
peak RSS is its own), with the same settings edgeml is measured with: CPU provider, all
graph optimisations, sequential execution, N intra-op threads. Prints one JSON object with
every latency in ms and the process's peak RSS in KiB."""
import argparse
import json
import resource
import time

import numpy as np
import onnxruntime as ort

TYPES = {"tensor(float)": np.float32, "tensor(uint8)": np.uint8, "tensor(int8)": np.int8}


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("model")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--iterations", type=int, default=50)
    a = ap.parse_args()
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.intra_op_num_threads = a.threads
    so.inter_op_num_threads = 1
    sess = ort.InferenceSession(a.model, so, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(12345)
    feeds = {}
    for i in sess.get_inputs():
        dtype = TYPES[i.type]
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
    print(json.dumps({"latencies_ms": lat, "peak_rss_kb": rss}))


if __name__ == "__main__":
    main()
