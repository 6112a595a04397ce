#!/usr/bin/env python3
"""Zoo check: every model of build/zoo converted by edgeml and run against ONNX Runtime.

Prints one table line per model and variant: whether it converts (else the converter's own
message: the node, op and reason), int8 agreement with ORT in output LSBs (% within 1 LSB,
max), float max|diff|/max|ORT|, and median latency at 1 thread of edgeml and ORT with their
ratio. ORT runs as in crosscheck.py (CPU, all graph optimisations, one thread, sequential) on
the same seeded inputs. A model that does not convert or run yet is reported, not failed;
a crash (a signal, a sanitizer report, an unexpected exit status) fails the check. --strict
also fails on anything that does not convert or does not meet crosscheck.py's criteria.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

import numpy as np
import onnx
import onnxruntime as ort

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "models", "zoo"))
sys.path.insert(0, HERE)
import crosscheck  # noqa: E402
import zoo_models  # noqa: E402

SAMPLES = 2
# Exit statuses of `edgeml convert` / `edgeml run` that are answers, not crashes: 0 ok,
# 1 failed with a message, 3 outside the op set.
ANSWERS = (0, 1, 3)


class Crash(Exception):
    pass


def edgeml_cmd(args, timeout=600):
    """Runs an edgeml command; a hang, a signal or a sanitizer report is a Crash."""
    try:
        p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        raise Crash(f"{' '.join(args)}: no answer in {timeout} s") from None
    if p.returncode not in ANSWERS or "Sanitizer" in p.stdout or "runtime error:" in p.stdout:
        raise Crash(f"{' '.join(args)}: exit status {p.returncode}: "
                    + "\n".join(p.stdout.strip().splitlines()[-5:]))
    return p.returncode, p.stdout.strip().splitlines()


def convert(edgeml, name, onnx_path, eml, work):
    args = [edgeml, "convert", onnx_path, eml]
    for iname, shape, dtype, kind in zoo_models.MODELS[name]["inputs"]:
        if isinstance(kind, str):
            args += ["--input-shape", f"{iname}={','.join(map(str, shape)) or ''}"]
        else:
            npy = os.path.join(work, f"const_{iname}.npy")
            np.save(npy, np.full(shape, kind, dtype=dtype))
            args += ["--constant", f"{iname}={npy}"]
    rc, lines = edgeml_cmd(args)
    if rc != 0:
        msg = lines[-1] if lines else "(no message)"
        return msg.replace("edgeml convert: ", "").replace(onnx_path + ": ", "")
    return None


def run_edgeml(edgeml, eml, work, feed, outputs):
    os.makedirs(work, exist_ok=True)
    args = [edgeml, "run", eml, "--output-dir", work]
    for iname, arr in feed.items():
        npy = os.path.join(work, f"in_{iname}.npy")
        np.save(npy, arr)
        args += ["--input", f"{iname}={npy}"]
    rc, lines = edgeml_cmd(args)
    if rc != 0:
        return None, (lines[-1] if lines else "(no message)")
    return [np.load(os.path.join(work, o.replace("/", "_") + ".npy")) for o in outputs], None


def ort_session(path, optimize=True):
    """ORT as crosscheck.py runs it; optimize=False is the float-simulated QDQ reference
    (no QLinear fusion, so none of ORT's integer kernels)."""
    so = ort.SessionOptions()
    so.graph_optimization_level = (ort.GraphOptimizationLevel.ORT_ENABLE_ALL if optimize else
                                   ort.GraphOptimizationLevel.ORT_DISABLE_ALL)
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


# Ops that move a dequantized tensor without changing its values' quantization.
PASS_THROUGH = {"Flatten", "Reshape", "Squeeze", "Unsqueeze", "Transpose", "Identity"}


def dq_output_scale(model, output):
    """The scale of the DequantizeLinear an output comes from, through data movement
    (squeezenet's Flatten after its last DequantizeLinear); None for a float output."""
    producers = {o: n for n in model.graph.node for o in n.output}
    name = output
    while name in producers and producers[name].op_type in PASS_THROUGH:
        name = producers[name].input[0]
    try:
        return crosscheck.output_scale(model, name)
    except (RuntimeError, KeyError, TypeError):
        return None


def agreement(model, outputs, got, want):
    """(lsb_within1, lsb_max, float_rel) over all outputs; None where not applicable."""
    within, worst, rel = [], 0.0, 0.0
    for name, g, w in zip(outputs, got, want):
        if g.shape != w.shape:
            raise ValueError(f"output {name}: shape {g.shape}, ORT {w.shape}")
        diff = np.abs(g.astype(np.float64) - w.astype(np.float64))
        scale = dq_output_scale(model, name)
        if scale:
            lsb = diff / scale
            within.append(lsb <= 1.0 + 1e-3)
            worst = max(worst, float(lsb.max()))
        elif diff.size:
            rel = max(rel, float(diff.max() / max(np.abs(w).max(), 1e-30)))
    if within:
        return float(np.mean(np.concatenate([x.ravel() for x in within]))), worst, None
    return None, None, rel


def edgeml_latency(edgeml, eml, iterations):
    rc, lines = edgeml_cmd([edgeml, "bench", eml, "--threads", "1", "--warmup", "3",
                            "--iterations", str(iterations), "--json", "-"])
    try:
        res = json.loads("\n".join(lines))["results"][0]
    except (ValueError, KeyError, IndexError):
        return None
    return res.get("median_ms")


def ort_latency(sess, feed, iterations):
    for _ in range(3):
        sess.run(None, feed)
    times = []
    for _ in range(iterations):
        t0 = time.perf_counter()
        sess.run(None, feed)
        times.append((time.perf_counter() - t0) * 1e3)
    return float(np.median(times))


ROOT = os.path.join(HERE, "..", "..")
MS_OPS = {"QLinearAdd", "QLinearMul", "QGemm", "QLinearAveragePool", "QLinearGlobalAveragePool",
          "QLinearConcat"}


def op_names(path, pattern):
    with open(os.path.join(ROOT, path)) as f:
        return {m.group(1) for m in (re.match(pattern, line) for line in f) if m}


RUNTIME_OPS = op_names("runtime/src/ops/ops.def", r"EML_OP\(\d+,\s*(\w+)\)")
CONVERTER_OPS = op_names("runtime/convert/convert_ops.def", r"CV_OP\((\w+)\)")


def missing_ops(model, frozen=()):
    """What a model needs that edgeml lacks, read statically (the converter stops at the
    first): op types that are neither runtime nor conversion-time ops, and conversion-time
    ops that read tensors computed at run time (marked 'on run-time data'). If branches are
    not looked into."""
    static = {i.name for i in model.graph.initializer} | set(frozen)
    try:
        typed = onnx.shape_inference.infer_shapes(model)
        types = {v.name: v.type.tensor_type.elem_type
                 for v in list(typed.graph.value_info) + list(typed.graph.input)}
    except Exception:  # noqa: BLE001 - the types only refine the report
        types = {}
    need = []
    for n in model.graph.node:
        ins = [i for i in n.input if i]
        all_static = all(i in static for i in ins)
        if n.op_type == "Constant" or n.op_type in ("Shape", "Size") or (all_static and ins):
            static.update(n.output)
        if n.domain not in ("", "ai.onnx"):
            what = None if n.domain == "com.microsoft" and n.op_type in MS_OPS else \
                f"{n.domain}.{n.op_type}"
        elif n.op_type in RUNTIME_OPS or n.op_type in ("Constant", "Dropout"):
            what = None
        elif n.op_type in CONVERTER_OPS:
            same_type_cast = n.op_type == "Cast" and any(
                a.name == "to" and a.i == types.get(n.input[0]) for a in n.attribute)
            what = None if all_static or n.op_type in ("Shape", "Size") or same_type_cast \
                else f"{n.op_type} on run-time data"
        else:
            what = n.op_type
        if what and what not in need:
            need.append(what)
    return need


def check(args, name, variant, fname):
    """One table row (dict); raises Crash."""
    path = os.path.join(args.zoo, fname)
    work = os.path.join(args.work, f"{name}.{variant}")
    os.makedirs(work, exist_ok=True)
    row = {"model": name, "variant": variant}
    if not os.path.exists(path):
        row["error"] = f"{path} missing (make zoo)"
        return row
    eml = os.path.join(work, "model.eml")
    err = convert(args.edgeml, name, path, eml, work)
    if err:
        row["error"] = err
        row["needs"] = missing_ops(onnx.load(path),
                                   [i for i, *_ in zoo_models.constant_inputs(name)])
        return row
    row["converts"] = True
    model = onnx.load(path)
    outputs = [o.name for o in model.graph.output]
    sess = ort_session(path)
    quantized = any(dq_output_scale(model, o) for o in outputs)
    sess_ref = ort_session(path, optimize=False) if quantized else None
    frozen = {i for i, *_ in zoo_models.constant_inputs(name)}
    within, worst, rel = [], 0.0, 0.0
    ref_worst, ort_self, ref_within = 0.0, 0.0, []
    for k, feed in enumerate(zoo_models.sample(name, SAMPLES, 2000)):
        want = sess.run(None, feed)
        run_feed = {i: a for i, a in feed.items() if i not in frozen}
        got, err = run_edgeml(args.edgeml, eml, os.path.join(work, str(k)), run_feed, outputs)
        if err:
            row["error"] = "run: " + err
            return row
        try:
            w1, mx, r = agreement(model, outputs, got, want)
        except ValueError as e:
            row["error"] = str(e)
            return row
        if w1 is not None:
            within.append(w1)
            worst = max(worst, mx)
            ref = sess_ref.run(None, feed)
            r_w1, r_mx, _ = agreement(model, outputs, got, ref)
            ref_worst = max(ref_worst, r_mx)
            ref_within.append(r_w1)
            ort_self = max(ort_self, agreement(model, outputs, want, ref)[1])
        else:
            rel = max(rel, r)
    if within:
        row["lsb_within1"], row["lsb_max"] = min(within), worst
        row["lsb_max_vs_ref"], row["ort_self_lsb"] = ref_worst, ort_self
        row["lsb_within1_vs_ref"] = min(ref_within)
        row["ok_vs_ref"] = (row["lsb_within1_vs_ref"] >= crosscheck.INT8_WITHIN_1_LSB
                            and ref_worst <= crosscheck.INT8_MAX_LSB + 1e-3)
        row["ok"] = (row["lsb_within1"] >= crosscheck.INT8_WITHIN_1_LSB
                     and worst <= crosscheck.INT8_MAX_LSB + 1e-3)
    else:
        row["float_rel"] = rel
        row["ok"] = rel <= crosscheck.FLOAT_RTOL
    if args.iterations:
        row["edgeml_ms"] = edgeml_latency(args.edgeml, eml, args.iterations)
        feed = {i: a for i, a in zoo_models.sample(name, 1, 4000)[0].items()}
        row["ort_ms"] = ort_latency(sess, feed, args.iterations)
    return row


def fmt(row):
    if "error" in row:
        needs = ("<br>needs: " + ", ".join(row["needs"])) if row.get("needs") else ""
        return f"| {row['model']} | {row['variant']} | no: {row['error']}{needs} | | | |"
    agree = (f"{row['lsb_within1'] * 100:.2f}% within 1 LSB, max {row['lsb_max']:.0f} "
             f"(vs ORT opt-off: {row['lsb_within1_vs_ref'] * 100:.2f}%, max "
             f"{row['lsb_max_vs_ref']:.0f}; ORT opt vs opt-off: max "
             f"{row['ort_self_lsb']:.0f})" if "lsb_within1" in row else "")
    rel = f"{row['float_rel']:.1e}" if "float_rel" in row else ""
    lat = ""
    if row.get("edgeml_ms") and row.get("ort_ms"):
        lat = (f"{row['edgeml_ms']:.2f} / {row['ort_ms']:.2f} ms = "
               f"{row['edgeml_ms'] / row['ort_ms']:.2f}x")
    verdict = ("yes" if row["ok"] else
               "yes (agrees with ORT opt-off only)" if row.get("ok_vs_ref") else "yes (mismatch)")
    return f"| {row['model']} | {row['variant']} | {verdict} | {agree} | {rel} | {lat} |"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--edgeml", required=True)
    ap.add_argument("--zoo", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--only", nargs="*", default=list(zoo_models.ZOO))
    ap.add_argument("--variants", nargs="*", default=list(zoo_models.VARIANTS),
                    help="float, u8, s8 (default all a model has)")
    ap.add_argument("--iterations", type=int, default=20,
                    help="measured runs for the latency columns (0: none)")
    ap.add_argument("--no-timing", dest="iterations", action="store_const", const=0)
    ap.add_argument("--strict", action="store_true",
                    help="fail unless every model converts and agrees with ORT")
    ap.add_argument("--json", help="also write the rows here")
    args = ap.parse_args()
    print("| model | variant | converts | int8 vs ORT (output LSB) | float max abs diff / max abs "
          "ORT | latency 1 thread edgeml / ORT |")
    print("|---|---|---|---|---|---|")
    rows, crashed = [], 0
    for name in args.only:
        for variant, fname in zoo_models.files(name):
            if variant not in args.variants:
                continue
            try:
                row = check(args, name, variant, fname)
            except Crash as e:
                row = {"model": name, "variant": variant, "error": "CRASH: " + str(e)}
                crashed += 1
            rows.append(row)
            print(fmt(row), flush=True)
    converted = sum(1 for r in rows if r.get("converts"))
    agreeing = sum(1 for r in rows if r.get("ok"))
    agreeing_ref = sum(1 for r in rows if not r.get("ok") and r.get("ok_vs_ref"))
    print(f"{len(rows)} models: {converted} convert, {agreeing} agree with ORT, "
          f"{agreeing_ref} more only with ORT opt-off, {crashed} crashed")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)
    if crashed or (args.strict and agreeing != len(rows)):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
