#!/usr/bin/env python3
"""Latency and peak RSS across the zoo: edgeml against ONNX Runtime, one markdown line per file.

Each zoo file is converted as zoo_check.py converts it (--input-shape, --constant), the .onnx
is linked beside the .eml, and `edgeml bench M.eml --compare ort --rounds R --json -` times
both in alternating rounds, each cell in a process of its own (so each peak RSS is the
cell's own; ORT's is its Python process's; inputs with dynamic dims get the registry's
shapes, and frozen inputs become constants, in a copy the peer runs; numpy and onnxruntime included: the 'ORT idle'
figure printed first is that floor, a process that imported both and made no session).
Columns: medians (minima) in ms at 1 thread, edgeml / ORT by the medians, int8 / float of
edgeml and of ORT by the medians, peak RSS in MiB.

    zoo_bench.py --edgeml build/edgeml --zoo build/zoo [--only NAME ...] [--rounds 3]
"""
import argparse
import json
import os
import resource
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "models"))
import numpy as np  # noqa: E402
import onnx  # noqa: E402
from onnx import numpy_helper  # noqa: E402

import zoo_check  # noqa: E402
import zoo_models  # noqa: E402


def ort_idle_rss_kb(python):
    """Peak RSS of a Python process that imported numpy and onnxruntime and ran nothing."""
    p = subprocess.Popen([python, "-c", "import numpy, onnxruntime"])
    _, _, ru = os.wait4(p.pid, 0)
    return ru.ru_maxrss


def peer_model(name, path, dst):
    """The .onnx the ORT peer runs: the zoo file itself when its inputs are static, else a
    copy with the registry's shapes written in and its frozen inputs (--constant) made
    initializers, so that ORT runs what edgeml runs (the peer feeds 1 for unknown dims)."""
    model = onnx.load(path)
    spec = {i: (shape, dtype, kind) for i, shape, dtype, kind in zoo_models.MODELS[name]["inputs"]}
    changed = False
    for gi in list(model.graph.input):
        if gi.name not in spec:
            continue
        shape, dtype, kind = spec[gi.name]
        if not isinstance(kind, str):
            model.graph.input.remove(gi)
            model.graph.initializer.append(
                numpy_helper.from_array(np.full(shape, kind, dtype=dtype), gi.name))
            changed = True
            continue
        dims = gi.type.tensor_type.shape.dim
        if [d.dim_value if d.HasField("dim_value") else None for d in dims] != list(shape):
            for d, n in zip(dims, shape):
                d.ClearField("dim_param")
                d.dim_value = n
            changed = True
    if changed:
        onnx.save(model, dst)
    else:
        os.symlink(path, dst)


def bench(args, name, variant, fname):
    """{'edgeml': result, 'ort': result} or {'error': why}."""
    path = os.path.abspath(os.path.join(args.zoo, fname))
    work = os.path.join(args.work, f"{name}.{variant}")
    os.makedirs(work, exist_ok=True)
    stem = os.path.join(work, fname[:-len(".onnx")])
    eml = stem + ".eml"
    err = zoo_check.convert(args.edgeml, name, path, eml, work)
    if err:
        return {"error": "convert: " + err}
    link = stem + ".onnx"
    if os.path.lexists(link):
        os.unlink(link)
    peer_model(name, path, link)
    cmd = [args.edgeml, "bench", eml, "--threads", "1", "--compare", "ort", "--rounds",
           str(args.rounds), "--warmup", str(args.warmup), "--iterations", str(args.iterations),
           "--json", "-"]
    if args.python:
        cmd += ["--python", args.python]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        doc = json.loads(p.stdout)
    except ValueError:
        return {"error": f"bench exit {p.returncode}: {p.stderr.strip()[-200:]}"}
    out = {}
    for r in doc["results"]:
        out[r["engine"]] = r
    return out


def ms(r):
    if not r or r.get("status") != "ok":
        return None
    return r["median_ms"], r["min_ms"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--edgeml", default="build/edgeml")
    ap.add_argument("--zoo", default="build/zoo")
    ap.add_argument("--work", default="build/zoo-bench")
    ap.add_argument("--only", nargs="*", default=list(zoo_models.ZOO))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--iterations", type=int, default=10)
    ap.add_argument("--python", help="the ORT peer's Python (default: bench's own choice)")
    ap.add_argument("--json", help="also write every cell here")
    args = ap.parse_args()
    py = args.python or os.path.join(os.path.dirname(os.path.abspath(args.edgeml)), "venv",
                                      "bin", "python")
    if os.path.exists(py):
        print(f"ORT idle (python + numpy + onnxruntime imported): "
              f"{ort_idle_rss_kb(py) / 1024:.1f} MiB; load average "
              f"{os.getloadavg()[0]:.1f}", flush=True)
    print("| model | variant | edgeml ms, median (min) | ORT ms, median (min) | edgeml / ORT | "
          "int8 / float: edgeml, ORT | peak RSS MiB: edgeml, ORT |")
    print("|---|---|---|---|---|---|---|")
    cells = {}
    for name in args.only:
        for variant, fname in zoo_models.files(name):
            res = bench(args, name, variant, fname)
            cells[f"{name}.{variant}"] = res
            if "error" in res:
                print(f"| {name} | {variant} | {res['error'][:120]} ||||||", flush=True)
                continue
            e, o = res.get("edgeml"), res.get("ort")
            em, om = ms(e), ms(o)
            es = f"{em[0]:.2f} ({em[1]:.2f})" if em else (e or {}).get("error", "failed")[:60]
            os_ = f"{om[0]:.2f} ({om[1]:.2f})" if om else (o or {}).get("error", "failed")[:60]
            ratio = f"{em[0] / om[0]:.2f}" if em and om else ""
            i8 = ""
            f = cells.get(f"{name}.float")
            if variant != "float" and f and "error" not in f:
                fe, fo = ms(f.get("edgeml")), ms(f.get("ort"))
                i8 = ", ".join(f"{a[0] / b[0]:.2f}" if a and b else "–"
                               for a, b in ((em, fe), (om, fo)))
            rss = ", ".join(f"{r['peak_rss_kb'] / 1024:.1f}" if r and r.get("peak_rss_kb")
                            else "–" for r in (e, o))
            print(f"| {name} | {variant} | {es} | {os_} | {ratio} | {i8} | {rss} |",
                  flush=True)
    print(f"load average at the end {os.getloadavg()[0]:.1f}; "
          f"this harness's own peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(cells, fh)
    return 0


if __name__ == "__main__":
    sys.exit(main())
