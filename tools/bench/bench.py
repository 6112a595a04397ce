#!/usr/bin/env python3
"""`make bench`: the models of `make models` on edgeml, ONNX Runtime and ncnn, side by side.

CPU, int8, against ONNX Runtime (--peers ort): each int8 model is converted to .eml, then
timed at each thread count in rounds that alternate `edgeml bench --json -` and
tools/bench/ort_peer.py (same .onnx, same thread count, sequential execution, all graph
optimisations on), so both see the same machine state; the medians are over all rounds' runs.
A `--profile` run gives the 1x1 convolutions' achieved rate, reported as a fraction of this
CPU's int8 peak (`edgeml bench --peak`, per core, times the threads).

Under contention (--contention N, default 1; 0 leaves it out): MobileNetV2 and ResNet-18 int8
at 1 thread and at the largest thread count, each cell also beside N busy threads that spin
pinned to the last N cores (`edgeml bench --contention N --compare ort`), edgeml and ONNX
Runtime interleaved: the latency with and without the load, and edgeml's contended latency over
its own 1-thread latency on free cores (the issue's target: at most 1.3 with one of two cores
busy).

Beside LiteRT (TensorFlow Lite with XNNPACK, the edge CPU standard; --litert-python, by default
build/venv-litert/bin/python from `make bench-deps`; the table is left out with a note without
it): MobileNetV2 and ResNet-18, int8 and fp32, edgeml on the .onnx models and LiteRT on TFLite
models that tools/bench/tflite_convert.py makes from the float .onnx (once, into WORK/tflite:
fully int8, checked, and float32), in alternating rounds at each thread count.

Side by side with ncnn (--peers ncnn, tools/bench/ncnn_peer.py, float models converted by
pnnx): per model, edgeml on the float model (fp32) and on the int8 model, and ncnn on the
float model: on the CPU in fp32 at each thread count, and on Vulkan (--backends vulkan) in fp32
and fp16 on the device edgeml's Vulkan backend picks (or --device), at the first thread count.
ncnn runs no int8 on Vulkan. The Vulkan rows of edgeml are there without ncnn too. These cells
run for about --budget seconds each, in up to --rounds processes after a first one of one
warm-up and one measured run that estimates the latency (its run counts): lavapipe, a
software Vulkan device, takes a good part of a second per MobileNetV2 run on 2 cores.
"""
import argparse
import json
import math
import os
import re
import statistics
import subprocess
import sys
import time

MODELS = ["mobilenetv2", "resnet18", "dscnn", "vibration_ae"]
LARGE_MACS = 10e6  # a "large" 1x1 convolution: at least this many MACs
HERE = os.path.dirname(os.path.abspath(__file__))


class Skipped(Exception):
    """A cell that cannot run here (a peer not installed, a layer it lacks); not a failure."""


def run_json(args):
    """Runs a command that prints one JSON document; raises RuntimeError with its last
    stderr line when it fails."""
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


def convert(a, onnx_path, eml):
    """Converts a model to .eml; returns an error message, or None."""
    p = subprocess.run([a.edgeml, "convert", onnx_path, eml], stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True)
    return p.stderr.strip()[-120:] if p.returncode != 0 else None


def ort_section(a, peak):
    """The int8 models on edgeml's CPU backend against ONNX Runtime; returns the failures."""
    peer = os.path.join(HERE, "ort_peer.py")
    print("\n== CPU, int8: edgeml vs ONNX Runtime")
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
        err = convert(a, onnx_path, eml)
        if err:
            print(f"{label:<20} convert failed: {err}")
            failed += 1
            continue
        for threads in a.thread_list:
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
                    if "skipped" in o:
                        raise RuntimeError("ONNX Runtime: " + o["skipped"])
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
            sys.stdout.flush()
    print("ratio = edgeml median / ORT median (< 1: edgeml faster); 'of peak': the 1x1 "
          "convolutions' rate over peak x threads; 'large 1x1': those of >= "
          f"{LARGE_MACS / 1e6:.0f}M MACs")
    return failed


CONTENTION_MODELS = ["mobilenetv2", "resnet18"]


def contention_section(a):
    """int8 models with and without N busy background threads; returns the failures."""
    top = max(a.thread_list)
    print(f"\n== CPU, int8, under contention: {a.contention} busy thread(s) pinned to the last "
          f"core(s) (edgeml bench --contention {a.contention}"
          f"{' --compare ort' if 'ort' in a.peer_list else ''})")
    head = (f"{'model':<20} {'engine':<6} {'thr':>3} {'free ms':>9} {'busy ms':>9} "
            f"{'x free':>7} {'busy / 1-thr free':>17}")
    print(head)
    print("-" * len(head))
    failed = 0
    for name in CONTENTION_MODELS:
        onnx_path = os.path.join(a.models, name + ".int8.onnx")
        label = name + ".int8"
        # the .onnx: bench converts it for edgeml and gives it to ONNX Runtime
        cmd = [a.edgeml, "bench", onnx_path, "--json", "-", "--backend", "cpu",
               "--threads", ",".join(str(t) for t in sorted({1, top})),
               "--contention", str(a.contention), "--rounds", str(a.rounds),
               "--warmup", str(a.warmup), "--iterations", str(a.iterations),
               "--python", sys.executable, "--peer-dir", HERE]
        if "ort" in a.peer_list:
            cmd += ["--compare", "ort"]
        try:
            doc = run_json(cmd)
        except RuntimeError as err:
            print(f"{label:<20} failed: {err}")
            failed += 1
            continue
        cells = {(r["engine"], r["threads"], r.get("contention", 0)): r for r in doc["results"]}
        for engine in ["edgeml", "ort"]:
            one = cells.get((engine, 1, 0))
            for threads in sorted({1, top}):
                free, busy = cells.get((engine, threads, 0)), cells.get((engine, threads,
                                                                         a.contention))
                if not free or not busy:
                    continue
                if free["status"] != "ok" or busy["status"] != "ok":
                    why = free["error"] or busy["error"]
                    print(f"{label:<20} {engine:<6} {threads:>3} {free['status']}: {why}")
                    failed += free["status"] == "failed" or busy["status"] == "failed"
                    continue
                vs_one = (f"{busy['median_ms'] / one['median_ms']:17.2f}"
                          if one and one["status"] == "ok" else f"{'-':>17}")
                print(f"{label:<20} {engine:<6} {threads:>3} {free['median_ms']:9.3f} "
                      f"{busy['median_ms']:9.3f} {busy['median_ms'] / free['median_ms']:7.2f} "
                      f"{vs_one}")
        sys.stdout.flush()
    print("x free = median with the load / without; busy / 1-thr free = median with the load / "
          "the same engine's 1-thread median without it (target for edgeml at 2 threads with "
          "one of two cores busy: <= 1.3)")
    return failed


def litert_section(a):
    """int8 and fp32 models on edgeml's CPU backend against LiteRT; returns the failures."""
    py = a.litert_python
    print("\n== CPU, int8 and fp32: edgeml vs LiteRT (XNNPACK)")
    if not py or not os.path.exists(py):
        print(f"skipped: no LiteRT Python ({py or 'none given'}); `make bench-deps` makes "
              "build/venv-litert")
        return 0
    head = (f"{'model':<20} {'thr':>3} {'edgeml ms':>10} {'LiteRT ms':>9} {'ratio':>6} "
            f"{'edgeml MiB':>10} {'LiteRT MiB':>10}")
    print(head)
    print("-" * len(head))
    tflite_dir = os.path.join(a.work, "tflite")
    failed = 0
    for name in CONTENTION_MODELS:
        float_onnx = os.path.join(a.models, name + ".onnx")
        if not all(os.path.exists(os.path.join(tflite_dir, f"{name}.{k}.tflite"))
                   for k in ("int8", "f32")):
            p = subprocess.run([py, os.path.join(HERE, "tflite_convert.py"), float_onnx,
                                tflite_dir], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True)
            if p.returncode != 0:
                print(f"{name:<20} TFLite conversion failed: {p.stderr.strip()[-200:]}")
                failed += 1
                continue
        for kind, suffix in (("int8", ".int8"), ("f32", "")):
            label = f"{name}.{kind}"
            eml = os.path.join(a.work, name + suffix + ".eml")
            err = convert(a, os.path.join(a.models, name + suffix + ".onnx"), eml)
            if err:
                print(f"{label:<20} convert failed: {err}")
                failed += 1
                continue
            tflite = os.path.join(tflite_dir, f"{name}.{kind}.tflite")
            for threads in a.thread_list:
                ours, theirs, rss_ours, rss_theirs = [], [], 0, 0
                try:
                    for _ in range(a.rounds):
                        e = edgeml_cell([a.edgeml, "bench", eml, "--json", "-", "--backend",
                                         "cpu", "--threads", str(threads), "--warmup",
                                         str(a.warmup), "--iterations", str(a.iterations)])
                        o = run_json([py, os.path.join(HERE, "litert_peer.py"), tflite,
                                      "--threads", str(threads), "--warmup", str(a.warmup),
                                      "--iterations", str(a.iterations)])
                        if "skipped" in o:
                            raise RuntimeError("LiteRT: " + o["skipped"])
                        ours += e["latencies_ms"]
                        theirs += o["latencies_ms"]
                        rss_ours = max(rss_ours, e["peak_rss_kb"])
                        rss_theirs = max(rss_theirs, o["peak_rss_kb"])
                except RuntimeError as err:
                    print(f"{label:<20} {threads:>3} failed: {err}")
                    failed += 1
                    continue
                m_ours, m_theirs = statistics.median(ours), statistics.median(theirs)
                print(f"{label:<20} {threads:>3} {m_ours:10.3f} {m_theirs:9.3f} "
                      f"{m_ours / m_theirs:6.2f} {rss_ours / 1024:10.1f} "
                      f"{rss_theirs / 1024:10.1f}")
                sys.stdout.flush()
    print("ratio = edgeml median / LiteRT median (< 1: edgeml faster); LiteRT's int8 model is "
          "its own quantization of the float model (random-input calibration), edgeml's the "
          "QDQ .onnx of `make models`: same network and MACs, not the same scales")
    return failed


class Cell:
    """One engine on one model file, backend and precision, measured over rounds."""

    def __init__(self, a, engine, backend, precision, model, threads):
        self.a, self.engine, self.backend, self.precision = a, engine, backend, precision
        self.model, self.threads = model, threads
        self.status, self.why, self.detail, self.diff = "ok", "", "", None
        self.lat, self.rss, self.cold, self.warm = [], 0, None, None
        self.device = None  # ncnn's Vulkan device: the one edgeml ran on

    def args(self, warmup, iterations, first):
        """The command of one process of this cell."""
        if self.engine == "edgeml":
            cmd = [self.a.edgeml, "bench", self.model, "--json", "-", "--backend",
                   self.backend]
            if self.backend == "vulkan" and self.a.device:
                cmd += ["--device", self.a.device]
        else:
            cmd = [sys.executable, os.path.join(HERE, "ncnn_peer.py"), self.model,
                   "--work", self.a.work, "--backend", self.backend,
                   "--precision", self.precision]
            if self.device:
                cmd += ["--device", self.device]
            if first:
                cmd.append("--verify")
        return cmd + ["--threads", str(self.threads), "--warmup", str(warmup),
                      "--iterations", str(iterations)]

    def run(self, warmup, iterations, first=False):
        """Runs one process; returns its result object, raises Skipped or RuntimeError."""
        if self.engine == "edgeml":
            r = edgeml_cell(self.args(warmup, iterations, first))
            r["create_cold_ms"] = r["session_create_ms"]["cold"]
            r["create_warm_ms"] = r["session_create_ms"]["warm"]
            r["detail"] = r["backend_detail"]
            return r
        r = run_json(self.args(warmup, iterations, first))
        if "skipped" in r:
            raise Skipped(r["skipped"])
        if not r.get("ok"):
            raise RuntimeError(r.get("error", "?"))
        return r

    def probe(self):
        """A first process of one run: session creation times, the first measured run (the
        latency estimate) and ncnn's difference from ONNX Runtime; returns the estimate in ms
        (None when the cell cannot run)."""
        try:
            r = self.run(1 if self.a.warmup else 0, 1, first=True)
        except Skipped as e:
            self.status, self.why = "skipped", str(e)
            return None
        except RuntimeError as e:
            self.status, self.why = "failed", str(e)
            return None
        self.cold, self.warm = r["create_cold_ms"], r["create_warm_ms"]
        self.detail = r.get("detail") or ""
        self.diff = r.get("max_abs_diff_vs_ort")
        self.lat, self.rss = list(r["latencies_ms"]), r["peak_rss_kb"]
        return r["latencies_ms"][0]

    def plan(self, estimate):
        """Sizes the rounds after the probe's run to about --budget seconds in all: none when
        one run takes longer, at most --rounds of at most --iterations."""
        a = self.a
        more = min(int(a.budget * 1e3 / max(estimate, 1e-3)), a.rounds * a.iterations) - 1
        self.rounds = min(a.rounds, more) if more > 0 else 0
        self.iterations = min(a.iterations, math.ceil(more / self.rounds)) if more > 0 else 0
        self.warmup = min(a.warmup, max(1, self.iterations // 4)) if a.warmup else 0

    def round(self, r):
        """Runs round r when the plan has it and the cell still runs."""
        if self.status != "ok" or r >= self.rounds:
            return
        try:
            res = self.run(self.warmup, self.iterations)
        except (Skipped, RuntimeError) as e:
            self.status, self.why = "failed", str(e)
            return
        self.lat += res["latencies_ms"]
        self.rss = max(self.rss, res["peak_rss_kb"])

    def median(self):
        """The median latency over all runs, None unless the cell ran."""
        return statistics.median(self.lat) if self.status == "ok" and self.lat else None


def device_of(detail):
    """The Vulkan device named in an edgeml or ncnn backend detail, None when there is none."""
    m = re.search(r"on '(.+?)' \(([^,)]*)", detail or "")
    return m.groups() if m else None


def fmt(v, spec, width):
    """v formatted to width, "-" for None."""
    return f"{v:{width}{spec}}" if v is not None else f"{'-':>{width}}"


def side_head():
    """Prints the header of a side-by-side table."""
    head = (f"{'model':<14} {'engine':<6} {'backend':<7} {'prec':<4} {'thr':>3} "
            f"{'median ms':>10} {'runs':>4} {'cold ms':>8} {'warm ms':>8} {'MiB':>6} "
            f"{'|d| vs ORT':>10} {'fp32/this':>9} {'int8/this':>9}")
    print(head)
    print("-" * len(head))


def side_row(name, c, ref32, ref8):
    """A row of the side-by-side table; ratios are edgeml's fp32 and int8 medians over this
    cell's, for peers only."""
    lead = f"{name:<14} {c.engine:<6} {c.backend:<7} {c.precision:<4} {c.threads:>3} "
    if c.status != "ok":
        print(lead + f"{c.status}: {c.why}")
        return
    m = c.median()
    peer = c.engine != "edgeml"
    r32 = ref32 / m if peer and ref32 else None
    r8 = ref8 / m if peer and ref8 else None
    print(lead + f"{m:10.3f} {len(c.lat):4d} {fmt(c.cold, '.1f', 8)} {fmt(c.warm, '.1f', 8)} "
          f"{c.rss / 1024:6.1f} {fmt(c.diff, '.2g', 10)} {fmt(r32, '.2f', 9)} "
          f"{fmt(r8, '.2f', 9)}")


def side_group(a, name, backend, threads, with_ncnn):
    """One model on one backend: edgeml fp32 and int8, then ncnn fp32 (and fp16 on Vulkan).
    Prints the rows; returns the number of failures."""
    fp32 = os.path.join(a.work, name + ".eml")
    int8 = os.path.join(a.work, name + ".int8.eml")
    onnx = os.path.join(a.models, name + ".onnx")
    ours = [Cell(a, "edgeml", backend, "fp32", fp32, threads),
            Cell(a, "edgeml", backend, "int8", int8, threads)]
    peers = []
    if with_ncnn:
        peers.append(Cell(a, "ncnn", backend, "fp32", onnx, threads))
        if backend == "vulkan":
            peers.append(Cell(a, "ncnn", backend, "fp16", onnx, threads))
    for c, path in ((ours[0], name + ".onnx"), (ours[1], name + ".int8.onnx")):
        err = convert(a, os.path.join(a.models, path), c.model)
        if err:
            c.status, c.why = "failed", "convert: " + err
    if with_ncnn and backend == "cpu":
        # Without ncnn there is nothing to set edgeml's float CPU rows beside: ask it first.
        est = {id(peers[0]): peers[0].probe()}
        if peers[0].status != "ok":
            side_row(name, peers[0], None, None)
            return int(peers[0].status == "failed")
    else:
        est = {}
    for c in ours:
        if c.status == "ok":
            est[id(c)] = c.probe()
    dev = next((device_of(c.detail) for c in ours if c.status == "ok"), None)
    for c in peers:
        if id(c) in est:
            continue
        if backend == "vulkan" and not dev:
            c.status, c.why = "skipped", "edgeml ran on no Vulkan device to match"
            continue
        c.device = dev[0] if dev else None
        est[id(c)] = c.probe()
        got = device_of(c.detail)
        if backend == "vulkan" and c.status == "ok" and (not got or got[0] != dev[0]):
            c.status, c.why = "failed", f"ncnn ran on {got}, edgeml on {dev}"
    cells = [c for c in ours + peers if c.status == "ok"]
    for c in cells:
        c.plan(est[id(c)])
    for r in range(a.rounds):  # rounds alternate the engines, as in the ORT table
        for c in cells:
            c.round(r)
    cells = ours + peers
    ref32, ref8 = ours[0].median(), ours[1].median()
    for c in cells:
        side_row(name, c, ref32, ref8)
    sys.stdout.flush()
    if dev and backend == "vulkan":
        a.vulkan_devices.add(dev)
    return sum(c.status == "failed" for c in cells)


def vulkan_usable(a):
    """Why edgeml has no usable Vulkan device here, or None when it has one."""
    eml = os.path.join(a.work, "dscnn.int8.eml")
    if convert(a, os.path.join(a.models, "dscnn.int8.onnx"), eml):
        return None  # the groups will say why
    try:
        doc = run_json([a.edgeml, "bench", eml, "--json", "-", "--backend", "cpu",
                        "--warmup", "0", "--iterations", "1"])
    except RuntimeError:
        return None  # the groups will say why
    vk = doc["fingerprint"]["vulkan"]
    if any(d["usable"] for d in vk["devices"]):
        return None
    return vk["error"] or "; ".join(f"'{d['name']}': {d['unusable_reason']}"
                                    for d in vk["devices"]) or "no device"


def side_section(a, backend):
    """The side-by-side table of one backend; returns the failures."""
    with_ncnn = "ncnn" in a.peer_list
    if backend == "cpu":
        print("\n== CPU: edgeml fp32 and int8 vs ncnn fp32 (same float model, same threads)")
        thread_list = a.thread_list
    else:
        print("\n== Vulkan: edgeml fp32 and int8" +
              (" vs ncnn fp32 and fp16 (same float model, same device)" if with_ncnn else ""))
        why = vulkan_usable(a)
        if why:
            print(f"skipped: edgeml finds no usable Vulkan device ({why})")
            return 0
        thread_list = a.thread_list[:1]
    side_head()
    failed = 0
    for threads in thread_list:
        for name in MODELS:
            failed += side_group(a, name, backend, threads, with_ncnn)
    print("median over all rounds; cold/warm: session creation (ncnn: net load) first in the "
          "process / again; MiB: peak RSS (ncnn: its Python process); |d| vs ORT: largest "
          "absolute difference of ncnn's outputs from ONNX Runtime's; fp32/this, int8/this: "
          "edgeml's fp32 and int8 medians on this backend over this row's (< 1: edgeml faster)")
    if backend == "cpu":
        print("edgeml's fp32 kernels sum in the reference's order (bit-identical to it), so "
              "no Winograd, which ncnn's 3x3 convolutions may use")
    for name, kind in sorted(a.vulkan_devices if backend == "vulkan" else []):
        print(f"Vulkan device: '{name}' ({kind})" +
              (": a software (CPU-type) device, not a GPU" if kind == "CPU" else ""))
    return failed


def main():
    """Parses the options, runs the tables asked for; exit status 1 when a cell failed."""
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--edgeml", required=True)
    ap.add_argument("--models", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--iterations", type=int, default=20)
    ap.add_argument("--backends", default="cpu,vulkan", help="of cpu, vulkan")
    ap.add_argument("--peers", default="ort,litert,ncnn", help="of ort, litert, ncnn")
    ap.add_argument("--device", help="edgeml's Vulkan device (`edgeml bench --device`); ncnn "
                    "runs on the one edgeml ran on")
    ap.add_argument("--litert-python",
                    default=os.path.join(os.path.dirname(os.path.dirname(HERE)), "build",
                                         "venv-litert", "bin", "python"),
                    help="the Python with ai-edge-litert and the converters (make bench-deps)")
    ap.add_argument("--contention", type=int, default=1,
                    help="busy background threads of the contention table (0: no table)")
    ap.add_argument("--budget", type=float, default=3.0,
                    help="seconds of measured runs per cell of the side-by-side tables")
    a = ap.parse_args()
    a.backend_list = [b for b in a.backends.split(",") if b]
    a.peer_list = [p for p in a.peers.split(",") if p]
    bad = set(a.backend_list) - {"cpu", "vulkan"} or set(a.peer_list) - {"ort", "litert", "ncnn"}
    if bad or a.contention < 0 or a.rounds < 1 or a.iterations < 1 or a.warmup < 0 or not a.budget > 0:
        ap.error(f"bad option value {sorted(bad) if bad else ''} (see --help)")
    a.thread_list = [int(t) for t in a.threads.split(",")]
    a.vulkan_devices = set()
    os.makedirs(a.work, exist_ok=True)
    t0 = time.monotonic()
    peak = run_json([a.edgeml, "bench", "--peak", "--json", "-"])
    print(f"int8 peak: {peak['peak_gmacs_per_core']:.1f} GMAC/s per core ({peak['isa']})")
    failed = 0
    if "cpu" in a.backend_list and "ort" in a.peer_list:
        failed += ort_section(a, peak)
    if "cpu" in a.backend_list and "litert" in a.peer_list:
        failed += litert_section(a)
    if "cpu" in a.backend_list and a.contention > 0:
        failed += contention_section(a)
    if "cpu" in a.backend_list and "ncnn" in a.peer_list:
        failed += side_section(a, "cpu")
    if "vulkan" in a.backend_list:
        failed += side_section(a, "vulkan")
    print(f"\nwall time: {math.ceil(time.monotonic() - t0)} s; the machine is shared and its "
          "timings noisy: compare medians of repeated runs")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
