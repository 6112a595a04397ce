#!/usr/bin/env python3
"""The int8 zoo against ONNX Runtime: one markdown table line per QDQ model.

For each NAME.u8.onnx / NAME.s8.onnx in --zoo that edgeml converts, runs --samples seeded
inputs through `edgeml run` and through ORT with graph optimisations off (the
float-simulated QDQ reference) and on (ORT's integer kernels), and prints per model: the
max |diff| of the outputs in output LSB (the scale of the DequantizeLinear that makes the
output) and the share within 1 LSB against each, ORT's own opt-on/opt-off disagreement,
and for classifiers (a [1, classes] output) whether edgeml's argmax and top-5 set equal
ORT's, per sample.

    int8_table.py --edgeml build/edgeml --zoo build/zoo [--only NAME ...] [--samples 3]
"""
import argparse
import os
import sys

import numpy as np
import onnx

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "models"))
import zoo_check  # noqa: E402
import zoo_models  # noqa: E402


def lsb(model, outputs, a, b):
    """(max LSB, share within 1 LSB) over the outputs that come from a DequantizeLinear."""
    worst, within = 0.0, []
    for name, x, y in zip(outputs, a, b):
        scale = zoo_check.dq_output_scale(model, name)
        if not scale:
            continue
        d = np.abs(x.astype(np.float64) - y.astype(np.float64)) / scale
        worst = max(worst, float(d.max()))
        within.append((d <= 1.0 + 1e-3).ravel())
    share = float(np.mean(np.concatenate(within))) if within else float("nan")
    return worst, share


def classes(x):
    """(argmax, top-5 set) of a [1, classes] output, else None."""
    if x.ndim != 2 or x.shape[0] != 1 or x.shape[1] < 5:
        return None
    order = np.argsort(-x[0].astype(np.float64), kind="stable")
    return int(order[0]), frozenset(int(i) for i in order[:5])


def row(args, name, variant):
    path = os.path.join(args.zoo, f"{name}.{variant}.onnx")
    if not os.path.exists(path):
        return None
    work = os.path.join(args.work, f"{name}.{variant}")
    os.makedirs(work, exist_ok=True)
    eml = os.path.join(work, "model.eml")
    err = zoo_check.convert(args.edgeml, name, path, eml, work)
    if err:
        return f"| {name} | {variant} | does not convert: {err[:80]} |||||"
    model = onnx.load(path)
    outputs = [o.name for o in model.graph.output]
    on, off = zoo_check.ort_session(path, True), zoo_check.ort_session(path, False)
    frozen = {i for i, *_ in zoo_models.constant_inputs(name)}
    r = {"off": [0.0, 1.0], "on": [0.0, 1.0], "self": 0.0}
    top = {"off": [0, 0], "on": [0, 0]}
    n_cls = 0
    for k, feed in enumerate(zoo_models.sample(name, args.samples, 2000)):
        run_feed = {i: a for i, a in feed.items() if i not in frozen}
        got, e = zoo_check.run_edgeml(args.edgeml, eml, os.path.join(work, str(k)), run_feed,
                                      outputs)
        if e:
            return f"| {name} | {variant} | run: {e[:80]} |||||"
        want = {"off": off.run(None, feed), "on": on.run(None, feed)}
        for kind in ("off", "on"):
            mx, share = lsb(model, outputs, got, want[kind])
            r[kind][0] = max(r[kind][0], mx)
            r[kind][1] = min(r[kind][1], share)
            g, w = classes(got[0]), classes(want[kind][0])
            if g and w:
                top[kind][0] += g[0] == w[0]
                top[kind][1] += g[1] == w[1]
        r["self"] = max(r["self"], lsb(model, outputs, want["on"], want["off"])[0])
        n_cls += classes(got[0]) is not None

    def agree(kind):
        if not n_cls:
            return "–"
        return f"{top[kind][0]}/{n_cls}, {top[kind][1]}/{n_cls}"
    return (f"| {name} | {variant} | {r['off'][0]:.0f} ({r['off'][1]:.1%}) | {agree('off')} | "
            f"{r['on'][0]:.0f} ({r['on'][1]:.1%}) | {agree('on')} | {r['self']:.0f} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--edgeml", default="build/edgeml")
    ap.add_argument("--zoo", default="build/zoo")
    ap.add_argument("--work", default="build/zoo-int8")
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--variants", default="u8,s8")
    ap.add_argument("--samples", type=int, default=3)
    args = ap.parse_args()
    names = args.only or [n for n in zoo_models.ZOO if zoo_models.MODELS[n].get("quantize")]
    print("| model | act. | vs ORT opt-off: max LSB (≤1 LSB) | argmax, top-5 = opt-off | "
          "vs ORT opt-on: max LSB (≤1 LSB) | argmax, top-5 = opt-on | ORT on vs off: max LSB |")
    print("|---|---|---|---|---|---|---|")
    for name in names:
        for variant in args.variants.split(","):
            line = row(args, name, variant)
            if line:
                print(line, flush=True)


if __name__ == "__main__":
    main()
