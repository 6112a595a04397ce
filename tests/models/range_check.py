#!/usr/bin/env python3
"""Vulkan storage-range check: the models of the cross-check on Vulkan with the range one
descriptor binds cut small (EDGEML_VK_MAX_STORAGE_RANGE), as on a device whose
maxStorageBufferRange is smaller than the model's activations.

For each .eml the cross-check left in WORK (with `--backend vulkan`: its first input beside
it), runs the model on the CPU backend, on Vulkan as is, and on Vulkan with the range cut to
each of RANGES bytes and the CPU fallback: the activations must then lie in buffers of at most
that range (the session's detail line says how many), the nodes whose tensors fit no buffer
run on the CPU, and the outputs must agree as they do uncut: int8 models the same bytes as
the uncut Vulkan run, float models within crosscheck.FLOAT_RTOL of the CPU's max.

    range_check.py --edgeml build/edgeml --work build/crosscheck [--ranges 4096 16384 65536 1048576]
                   [--only MODEL ...] [--out DIR]
"""
import argparse
import glob
import os
import re
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import crosscheck  # noqa: E402

ACTIVATIONS = re.compile(r"activations ([0-9.]+) MiB in (\d+) buffers?")
PARTITIONS = re.compile(r"(\d+) partitions?:")
FALLBACK = re.compile(r"CPU fallback: (\d+) nodes, (\d+) transfers, (\d+) bytes per run")


def run(edgeml, eml, inputs, out, backend, cut=None):
    """(outputs by file name, the backend detail line) of one `edgeml run`."""
    os.makedirs(out, exist_ok=True)
    env = dict(os.environ)
    env.pop("EDGEML_VK_MAX_STORAGE_RANGE", None)
    args = [edgeml, "run", eml, "--output-dir", out, "--backend", backend, "--verbose"]
    if cut:
        env["EDGEML_VK_MAX_STORAGE_RANGE"] = str(cut)
        args.append("--cpu-fallback")
    for name, path in inputs:
        args += ["--input", f"{name}={path}"]
    p = subprocess.run(args, env=env, capture_output=True, text=True, timeout=1200)
    if p.returncode != 0:
        msg = (p.stderr.strip().splitlines() or ["(no message)"])[-1]
        raise RuntimeError(f"{backend} range {cut}: {msg}")
    detail = next((l for l in p.stdout.splitlines() if l.startswith("backend: ")), "")
    outs = {f: np.load(os.path.join(out, f)) for f in sorted(os.listdir(out))
            if f.endswith(".npy")}
    return outs, detail


def agree(got, want, exact):
    """'' when got matches want (bytes when exact, else FLOAT_RTOL of want's max), else why."""
    for f, w in want.items():
        g = got.get(f)
        if g is None or g.shape != w.shape or g.dtype != w.dtype:
            return f"{f}: missing or of another shape or type"
        if exact or w.dtype != np.float32:
            if g.tobytes() != w.tobytes():
                return f"{f}: bytes differ"
            continue
        rel = float(np.max(np.abs(g - w))) / max(float(np.max(np.abs(w))), 1e-30)
        if rel > crosscheck.FLOAT_RTOL:
            return f"{f}: rel {rel:.1e} > {crosscheck.FLOAT_RTOL}"
    return ""


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--edgeml", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--ranges", nargs="*", type=int, default=[4096, 16384, 65536, 1048576])
    ap.add_argument("--only", nargs="*", help="model names (e.g. mobilenetv2.int8)")
    ap.add_argument("--out", help="where the outputs go (default WORK/ranges)")
    args = ap.parse_args()
    out = args.out or os.path.join(args.work, "ranges")
    failed = checked = 0
    emls = sorted(glob.glob(os.path.join(args.work, "*.eml")))
    if args.only:
        emls = [e for e in emls if os.path.basename(e)[:-4] in args.only]
    if not emls:
        print(f"range_check: no models in {args.work} (run the cross-check first)")
        return 1
    for eml in emls:
        model = os.path.basename(eml)[:-4]
        ins = sorted(glob.glob(os.path.join(args.work, model + ".0", "in_*.npy")))
        inputs = [(os.path.basename(p)[3:-4], p) for p in ins]
        exact = ".int8" in model
        try:
            cpu, _ = run(args.edgeml, eml, inputs, os.path.join(out, model, "cpu"), "cpu")
            gpu, _ = run(args.edgeml, eml, inputs, os.path.join(out, model, "gpu"), "vulkan")
            want = gpu if exact else cpu
            why = agree(gpu, cpu, exact)
            if why:
                print(f"FAIL {model} uncut: {why}")
                failed += 1
            for cut in args.ranges:
                got, detail = run(args.edgeml, eml, inputs,
                                  os.path.join(out, model, str(cut)), "vulkan", cut)
                checked += 1
                act = ACTIVATIONS.search(detail)
                parts = PARTITIONS.search(detail)
                fb = FALLBACK.search(detail)
                what = (f"{parts.group(1) if parts else 1} partitions, "
                        f"{fb.group(1) if fb else 0} nodes on the CPU, "
                        f"{fb.group(3) if fb else 0} bytes copied per run")
                # (with every node on the CPU, no Vulkan partition is left to say)
                if act is None and not (fb and "1 partition: cpu" in detail):
                    print(f"FAIL {model} range {cut}: no activation buffers in: {detail}")
                    failed += 1
                    continue
                if act:
                    what += (f"; first GPU partition's activations {act.group(1)} MiB "
                             f"in {act.group(2)} buffers")
                why = agree(got, want, exact)
                if why:
                    print(f"FAIL {model} range {cut}: {what}: {why}")
                    failed += 1
                else:
                    print(f"PASS {model} range {cut}: {what}, "
                          f"{'same bytes' if exact else 'agrees with the CPU'}")
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            print(f"FAIL {model}: {e}")
            failed += 1
    print(f"range_check: {checked} checked, {failed} failed")
    return 1 if failed or not checked else 0


if __name__ == "__main__":
    sys.exit(main())
