#!/usr/bin/env python3
"""`make bench`: the int8 models of `make models` on edgeml and on ONNX Runtime, side by side.

Each model is converted to .eml, then timed at each thread count in rounds that alternate
`edgeml bench --json -` and tools/bench/ort_peer.py (same .onnx, same thread count, sequential
execution, all graph optimisations on), so both see the same machine state; the medians are
over all rounds' runs. A `--profile` run gives the 1x1 convolutions' achieved rate, reported
as a fraction of this CPU's int8 peak (`edgeml bench --peak`, per core, times the threads).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

MODELS = ["mobilenetv2", "resnet18", "dscnn", "vibration_ae"]
LARGE_MACS = 10e6  # a "large" 1x1 convolution: at least this many MACs


def run_json(args):
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        raise RuntimeError((p.stderr.strip().splitlines() or ["failed"])[-1])
    return json.loads(p.stdout)


def edgeml_cell(args):
    """The one result of an `edgeml bench --json -` run (docs/bench-schema.md)."""
    r = run_json(args)["results"][0]
    if r["status"] != "ok":
        raise RuntimeError(r["error"])
    return r


def conv1x1_rate(layers, min_macs=0.0):
    """GMAC/s over the 1x1 convolution layers of a profile (None when there are none)."""
    sel = [l for l in layers if l["conv1x1"] and l["macs"] >= min_macs]
    ms = sum(l["ms"] for l in sel)
    return sum(l["macs"] for l in sel) / (ms * 1e6) if ms > 0 else None


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--edgeml", required=True)
    ap.add_argument("--models", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--iterations", type=int, default=20)
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    peer = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ort_peer.py")
    peak = run_json([a.edgeml, "bench", "--peak", "--json", "-"])
    print(f"int8 peak: {peak['peak_gmacs_per_core']:.1f} GMAC/s per core ({peak['isa']})")
    head = (f"{'model':<20} {'thr':>3} {'edgeml ms':>10} {'ORT ms':>9} {'ratio':>6} "
            f"{'edgeml MiB':>10} {'ORT MiB':>8} {'1x1 GMAC/s':>10} {'of peak':>7} "
            f"{'large 1x1':>9}")
    print(head)
    print("-" * len(head))
    failed = 0
    for name in MODELS:
        onnx_path = os.path.join(a.models, name + ".int8.onnx")
        eml = os.path.join(a.work, name + ".int8.eml")
        label = name + ".int8"
        try:
            subprocess.run([a.edgeml, "convert", onnx_path, eml], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        except subprocess.CalledProcessError as e:
            print(f"{label:<20} convert failed: {e.stderr.decode().strip()[-120:]}")
            failed += 1
            continue
        for threads in [int(t) for t in a.threads.split(",")]:
            ours, theirs, rss_ours, rss_theirs = [], [], 0, 0
            try:
                for _ in range(a.rounds):
                    e = edgeml_cell([a.edgeml, "bench", eml, "--json", "-", "--backend", "cpu",
                                  "--threads", str(threads),
                                  "--warmup", str(a.warmup), "--iterations",
                                  str(a.iterations)])
                    o = run_json([sys.executable, peer, onnx_path, "--threads", str(threads),
                                  "--warmup", str(a.warmup), "--iterations",
                                  str(a.iterations)])
                    ours += e["latencies_ms"]
                    theirs += o["latencies_ms"]
                    rss_ours = max(rss_ours, e["peak_rss_kb"])
                    rss_theirs = max(rss_theirs, o["peak_rss_kb"])
                prof = edgeml_cell([a.edgeml, "bench", eml, "--json", "-", "--backend", "cpu",
                                 "--profile", "--threads",
                                 str(threads), "--warmup", str(a.warmup), "--iterations",
                                 str(a.iterations)])
            except RuntimeError as err:
                print(f"{label:<20} {threads:>3} failed: {err}")
                failed += 1
                continue
            m_ours, m_theirs = statistics.median(ours), statistics.median(theirs)
            rate = conv1x1_rate(prof["layers"])
            large = conv1x1_rate(prof["layers"], LARGE_MACS)
            cap = peak["peak_gmacs_per_core"] * threads
            rate_s = f"{rate:10.1f} {100 * rate / cap:6.0f}%" if rate else f"{'-':>10} {'-':>7}"
            large_s = f"{100 * large / cap:8.0f}%" if large else f"{'-':>9}"
            print(f"{label:<20} {threads:>3} {m_ours:10.3f} {m_theirs:9.3f} "
                  f"{m_ours / m_theirs:6.2f} {rss_ours / 1024:10.1f} {rss_theirs / 1024:8.1f} "
                  f"{rate_s} {large_s}")
    print("ratio = edgeml median / ORT median (< 1: edgeml faster); 'of peak': the 1x1 "
          f"convolutions' rate over peak x threads; 'large 1x1': those of >= {LARGE_MACS/1e6:.0f}M MACs")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
