#!/usr/bin/env python3
"""Vulkan zoo check: every zoo model on `--backend vulkan --cpu-fallback` against the CPU backend.

Converts each model and variant as zoo_check.py does, runs one seeded sample with `edgeml run`
on the CPU backend and on the Vulkan backend (ops without a shader in CPU partitions), and
prints one table line per model: whether it runs, agreement with the CPU (quantized outputs:
bytes equal, else the largest difference in output LSBs; float: max|diff|/max|CPU| against
crosscheck.FLOAT_RTOL), the partitions, the nodes on the CPU and their ops, the bytes
transferred between partitions per run, and the wall time of the run (first run: on lavapipe
that includes the driver's machine-code compilation; information only). A crash fails the
check; --strict also fails on a model that does not run or does not agree, --max-cpu-nodes N
on one that puts more than N nodes on the CPU.

    vk_zoo_check.py --edgeml build/edgeml --zoo build/zoo --work build/zoo-vulkan [--only M ...]
"""
import argparse
import collections
import json
import os
import re
import sys

import numpy as np
import onnx

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "models"))
import crosscheck  # noqa: E402
import zoo_check  # noqa: E402
import zoo_models  # noqa: E402

DETAIL = re.compile(r"(\d+) partitions?:")
FALLBACK = re.compile(r"CPU fallback: (\d+) nodes, (\d+) transfers, (\d+) bytes per run")
RUN_MS = re.compile(r"^run: ([0-9.]+) ms")


def run(edgeml, eml, work, feed, outputs, backend):
    """(outputs, info dict) or (None, error message) of one `edgeml run`."""
    os.makedirs(work, exist_ok=True)
    args = [edgeml, "run", eml, "--output-dir", work, "--backend", backend, "--verbose"]
    if backend == "vulkan":
        args.append("--cpu-fallback")
    for iname, arr in feed.items():
        npy = os.path.join(work, f"in_{iname}.npy")
        np.save(npy, arr)
        args += ["--input", f"{iname}={npy}"]
    rc, lines = zoo_check.edgeml_cmd(args, timeout=1200)
    if rc != 0:
        return None, (lines[-1] if lines else "(no message)")
    info = {"partitions": 1, "cpu_nodes": 0, "transfers": 0, "bytes": 0, "ms": None,
            "detail": ""}
    for line in lines:
        if line.startswith("backend: "):
            info["detail"] = line[len("backend: "):]
            m = DETAIL.search(line)
            if m:
                info["partitions"] = int(m.group(1))
            m = FALLBACK.search(line)
            if m:
                info["cpu_nodes"], info["transfers"], info["bytes"] = map(int, m.groups())
        m = RUN_MS.match(line)
        if m:
            info["ms"] = float(m.group(1))
    got = [np.load(os.path.join(work, o.replace("/", "_") + ".npy")) for o in outputs]
    return got, info


def cpu_ops(detail):
    """The ops of the CPU partitions, counted, from the session's detail line (which the
    runtime cuts at 640 characters: a long list is partial)."""
    ops = collections.Counter()
    for m in re.finditer(r"cpu \d+ nodes? \(([^)]*)\)", detail):
        ops.update(o.strip() for o in m.group(1).split(","))
    return ops


def compare(model, outputs, got, want):
    """(ok, text): quantized outputs (a DequantizeLinear's) bytes equal, else LSBs; float
    outputs within crosscheck.FLOAT_RTOL."""
    ok, notes = True, []
    for name, g, w in zip(outputs, got, want):
        if g.shape != w.shape:
            return False, f"{name}: shape {g.shape}, CPU {w.shape}"
        if g.tobytes() == w.tobytes():
            notes.append("equal")
            continue
        diff = np.abs(g.astype(np.float64) - w.astype(np.float64))
        scale = zoo_check.dq_output_scale(model, name)
        if scale:
            lsb = diff / scale
            ok = False
            notes.append(f"{int((lsb > 1e-3).sum())} of {lsb.size} differ, max "
                         f"{lsb.max():.0f} LSB")
        else:
            rel = float(diff.max() / max(np.abs(w).max(), 1e-30))
            ok &= rel <= crosscheck.FLOAT_RTOL
            notes.append(f"rel {rel:.1e}")
    text = "equal" if all(n == "equal" for n in notes) else "; ".join(notes)
    return ok, text


def check(args, name, variant, fname):
    path = os.path.join(args.zoo, fname)
    work = os.path.join(args.work, f"{name}.{variant}")
    os.makedirs(work, exist_ok=True)
    row = {"model": name, "variant": variant}
    if not os.path.exists(path):
        row["error"] = f"{path} missing (make zoo)"
        return row
    eml = os.path.join(work, "model.eml")
    err = zoo_check.convert(args.edgeml, name, path, eml, work)
    if err:
        row["error"] = "convert: " + err
        return row
    model = onnx.load(path)
    outputs = [o.name for o in model.graph.output]
    frozen = {i for i, *_ in zoo_models.constant_inputs(name)}
    feed = {i: a for i, a in zoo_models.sample(name, 1, 2000)[0].items() if i not in frozen}
    want, cinfo = run(args.edgeml, eml, os.path.join(work, "cpu"), feed, outputs, "cpu")
    if want is None:
        row["error"] = "cpu: " + cinfo
        return row
    got, info = run(args.edgeml, eml, os.path.join(work, "vulkan"), feed, outputs, "vulkan")
    if got is None:
        row["error"] = "vulkan: " + info
        return row
    row.update(info)
    row["cpu_ms"] = cinfo["ms"]
    row["cpu_ops"] = dict(cpu_ops(info["detail"]))
    row["ok"], row["agreement"] = compare(model, outputs, got, want)
    return row


def fmt(row):
    if "error" in row:
        return f"| {row['model']} | {row['variant']} | no: {row['error']} | | | | | |"
    ops = ", ".join(f"{o} x{n}" if n > 1 else o
                    for o, n in sorted(row["cpu_ops"].items(), key=lambda kv: -kv[1]))
    ms = (f"{row['ms']:.0f} / {row['cpu_ms']:.0f}"
          if row.get("ms") is not None and row.get("cpu_ms") is not None else "")
    return (f"| {row['model']} | {row['variant']} | yes | "
            f"{'' if row['ok'] else 'NO: '}{row['agreement']} | {row['partitions']} | "
            f"{row['cpu_nodes']}{' (' + ops + ')' if ops else ''} | "
            f"{row['transfers']}, {row['bytes']} | {ms} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--edgeml", required=True)
    ap.add_argument("--zoo", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--only", nargs="*", default=list(zoo_models.ZOO))
    ap.add_argument("--variants", nargs="*", default=list(zoo_models.VARIANTS),
                    help="float, u8, s8 (default all a model has)")
    ap.add_argument("--strict", action="store_true",
                    help="fail unless every model runs on Vulkan and agrees with the CPU")
    ap.add_argument("--max-cpu-nodes", type=int,
                    help="fail when a model puts more nodes than this on the CPU")
    ap.add_argument("--json", help="also write the rows here")
    args = ap.parse_args()
    os.environ.setdefault("XDG_RUNTIME_DIR", "/tmp")
    print("| model | variant | runs | Vulkan vs CPU | partitions | nodes on the CPU (ops) | "
          "transfers, bytes per run | first run ms, Vulkan / CPU |")
    print("|---|---|---|---|---|---|---|---|")
    rows, crashed = [], 0
    for name in args.only:
        for variant, fname in zoo_models.files(name):
            if variant not in args.variants:
                continue
            try:
                row = check(args, name, variant, fname)
            except zoo_check.Crash as e:
                row = {"model": name, "variant": variant, "error": "CRASH: " + str(e)}
                crashed += 1
            rows.append(row)
            print(fmt(row), flush=True)
    ran = sum(1 for r in rows if "error" not in r)
    agree = sum(1 for r in rows if r.get("ok"))
    print(f"{len(rows)} models: {ran} run on Vulkan, {agree} agree with the CPU, "
          f"{sum(r.get('cpu_nodes', 0) for r in rows)} nodes on the CPU, "
          f"{sum(r.get('bytes', 0) for r in rows)} bytes transferred per run in all, "
          f"{crashed} crashed")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)
    if args.max_cpu_nodes is not None:
        over = [r for r in rows if r.get("cpu_nodes", 0) > args.max_cpu_nodes]
        for r in over:
            print(f"{r['model']} {r['variant']}: {r['cpu_nodes']} nodes on the CPU, more than "
                  f"{args.max_cpu_nodes}")
        crashed += len(over)
    if crashed or (args.strict and agree != len(rows)):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
