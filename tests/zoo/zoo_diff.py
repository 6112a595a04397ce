#!/usr/bin/env python3
"""Per-tensor comparison of a quantized zoo model: edgeml against ONNX Runtime.

Every quantized activation of a QDQ model is the output of a QuantizeLinear node. This
script copies the model with each of those outputs (and the model's own outputs) made a
graph output, runs the copy in ONNX Runtime (graph optimisations off by default: the
float-simulated QDQ reference, none of ORT's integer kernels; --ort-opt for all of them)
and, converted by `edgeml convert`, in edgeml (the converter keeps a QuantizeLinear's
output name on the quantized tensor that replaces it), then prints per node, in graph
order, the max |diff| in LSB (integer steps of the quantized tensor) and the share of
elements that differ. The first node that differs by more than --tolerance LSB, while its
quantized inputs agree, is the culprit: its op type and attributes are printed.

    zoo_diff.py --edgeml build/edgeml --model build/zoo/mobilenet_v3_small.u8.onnx
    zoo_diff.py ... --sample 1 --all        # every node, not only the ones that differ
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import onnxruntime as ort
from onnx import helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "models", "zoo"))
import zoo_models  # noqa: E402


def zoo_name(path):
    """The registry name of a zoo file (NAME.onnx, NAME.u8.onnx, NAME.s8.onnx)."""
    base = os.path.basename(path)
    for suffix in (".u8.onnx", ".s8.onnx", ".onnx"):
        if base.endswith(suffix):
            return base[: -len(suffix)]
    return base


def quantized_tensors(model):
    """[(tensor name, QuantizeLinear node, elem type)] in graph order."""
    inits = {i.name: i for i in model.graph.initializer}
    out = []
    for n in model.graph.node:
        if n.op_type != "QuantizeLinear":
            continue
        etype = onnx.TensorProto.UINT8
        if len(n.input) > 2 and n.input[2] in inits:
            etype = inits[n.input[2]].data_type
        out.append((n.output[0], n, etype))
    return out


def expose(model, names_types):
    """A copy of model with the given tensors added as graph outputs."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    have = {o.name for o in m.graph.output}
    for name, etype in names_types:
        if name not in have:
            m.graph.output.append(helper.make_tensor_value_info(name, etype, None))
            have.add(name)
    return m


def ort_run(path, feed, optimize):
    so = ort.SessionOptions()
    so.graph_optimization_level = (ort.GraphOptimizationLevel.ORT_ENABLE_ALL if optimize else
                                   ort.GraphOptimizationLevel.ORT_DISABLE_ALL)
    so.log_severity_level = 3
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    names = [o.name for o in sess.get_outputs()]
    return dict(zip(names, sess.run(None, feed)))


class ConvertError(Exception):
    pass


def unsupported(msg):
    """(node name, op types) that a converter error names as unsupported."""
    m = re.search(r"node '([^']*)' \((\w+), opset \d+\): op not supported(?:; also not "
                  r"supported here: ([\w, ]+))?", msg)
    if not m:
        return None, set()
    return m.group(1), {m.group(2)} | set(re.findall(r"\w+", m.group(3) or ""))


def edgeml_run(edgeml, onnx_path, name, feed, work, extra_run):
    """Converts onnx_path and runs it on feed; {output name with '/' as '_': array}.
    name: the zoo registry name for --input-shape / --constant (None: none)."""
    os.makedirs(work, exist_ok=True)
    eml = os.path.join(work, "model.eml")
    args = [edgeml, "convert", onnx_path, eml]
    for iname, shape, dtype, kind in zoo_models.MODELS.get(name, {"inputs": []})["inputs"]:
        if isinstance(kind, str):
            args += ["--input-shape", f"{iname}={','.join(map(str, shape))}"]
        else:
            npy = os.path.join(work, f"const_{iname}.npy")
            np.save(npy, np.full(shape, kind, dtype=dtype))
            args += ["--constant", f"{iname}={npy}"]
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if p.returncode != 0:
        raise ConvertError(p.stdout.strip())
    out_dir = os.path.join(work, "out")
    args = [edgeml, "run", eml, "--output-dir", out_dir] + extra_run
    frozen = {i for i, *_ in zoo_models.constant_inputs(name)} if name in zoo_models.MODELS \
        else set()
    for iname, arr in feed.items():
        if iname in frozen:
            continue
        npy = os.path.join(work, "in_" + iname.replace("/", "_") + ".npy")
        np.save(npy, arr)
        args += ["--input", f"{iname}={npy}"]
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if p.returncode != 0:
        sys.exit(f"zoo_diff: edgeml run failed:\n{p.stdout}")
    got = {}
    for f in os.listdir(out_dir):
        if f.endswith(".npy"):
            got[f[:-4]] = np.load(os.path.join(out_dir, f))
    return got


def group_of(model, qnode, producer, inits, graph_inputs):
    """The nodes that compute one quantized tensor from quantized ones: walking back from the
    QuantizeLinear through float ops to DequantizeLinear nodes, initializers and graph
    inputs. Returns (nodes in graph order, boundary inputs: [(name, kind)]) where kind is
    "q" (a quantized activation: a DequantizeLinear's non-constant input) or "f" (a float
    graph input)."""
    seen, stack, bounds = set(), [qnode.input[0]], []
    nodes = {id(qnode): qnode}
    while stack:
        t = stack.pop()
        if t in seen or t == "" or t in inits:
            continue
        seen.add(t)
        n = producer.get(t)
        if n is None:
            if t in graph_inputs:
                bounds.append((t, "f"))
            continue
        nodes[id(n)] = n
        if n.op_type == "DequantizeLinear":
            if n.input[0] not in inits:
                bounds.append((n.input[0], "q"))
            continue
        stack.extend(n.input)
    order = [n for n in model.graph.node if id(n) in nodes]
    return order, bounds


def isolated_model(model, qts, values, skip_ops=(), skip=()):
    """One model holding every quantized tensor's group side by side, each group's tensors
    renamed n<k>_..., its quantized inputs graph inputs: the ops run on identical inputs in
    both runtimes, so what differs is the op's own arithmetic. values: the full run's
    tensors (ORT's), for the inputs' types and shapes. Returns (model, {k: output name},
    {input name: value})."""
    inits = {i.name for i in model.graph.initializer}
    graph_inputs = {i.name for i in model.graph.input}
    producer = {o: n for n in model.graph.node for o in n.output}
    g = helper.make_graph([], "isolated", [], [], list(model.graph.initializer))
    outs, feed = {}, {}
    for k, (t, qn, etype) in enumerate(qts):
        nodes, bounds = group_of(model, qn, producer, inits, graph_inputs)
        if (k in skip or any(b not in values for b, _ in bounds)
                or any(n.op_type in skip_ops for n in nodes)):
            continue
        ren = lambda x: x if (x == "" or x in inits) else f"n{k}_{x}"  # noqa: E731
        for b, _ in bounds:
            v = values[b]
            g.input.append(helper.make_tensor_value_info(
                ren(b), helper.np_dtype_to_tensor_dtype(v.dtype), list(v.shape)))
            feed[ren(b)] = v
        for n in nodes:
            c = onnx.NodeProto()
            c.CopyFrom(n)
            c.name = f"n{k}_{n.name}"
            del c.input[:]
            c.input.extend(ren(i) for i in n.input)
            del c.output[:]
            c.output.extend(ren(o) for o in n.output)
            g.node.append(c)
        g.output.append(helper.make_tensor_value_info(ren(t), etype, None))
        outs[k] = ren(t)
    m = helper.make_model(g, opset_imports=model.opset_import, ir_version=model.ir_version)
    return m, outs, feed


def describe(node):
    attrs = ", ".join(f"{a.name}={helper.get_attribute_value(a)}" for a in node.attribute
                      if a.type in (onnx.AttributeProto.INT, onnx.AttributeProto.INTS,
                                    onnx.AttributeProto.FLOAT))
    return f"{node.op_type}({attrs})" if attrs else node.op_type


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--edgeml", default="build/edgeml")
    ap.add_argument("--model", required=True, help="a QDQ .onnx (e.g. build/zoo/NAME.u8.onnx)")
    ap.add_argument("--sample", type=int, default=0, help="which seeded input (default 0)")
    ap.add_argument("--ort-opt", action="store_true",
                    help="ORT with all graph optimisations (its integer kernels)")
    ap.add_argument("--reference-kernels", action="store_true",
                    help="run edgeml on its reference kernels")
    ap.add_argument("--all", action="store_true", help="print every node, not only differing")
    ap.add_argument("--tolerance", type=float, default=0,
                    help="LSB that still count as agreeing (default 0: bit-exact)")
    ap.add_argument("--local", action="store_true",
                    help="also run every node on the same (ORT's) inputs in both runtimes: "
                    "the LSB its own arithmetic differs by, with ORT opt-off and opt-on")
    ap.add_argument("--work", default=None, help="keep the files here (default: a temp dir)")
    args = ap.parse_args()

    model = onnx.load(args.model)
    name = zoo_name(args.model)
    qts = quantized_tensors(model)
    if not qts:
        sys.exit(f"zoo_diff: {args.model} has no QuantizeLinear: not a QDQ model")
    producer = {o: n for n in model.graph.node for o in n.output}
    q_of = {}  # float tensor quantized by a QuantizeLinear -> that Q's output name
    for t, qn, _ in qts:
        q_of[qn.input[0]] = t
    dq_src = {}  # DequantizeLinear output -> its quantized input
    for n in model.graph.node:
        if n.op_type == "DequantizeLinear":
            dq_src[n.output[0]] = n.input[0]

    if name in zoo_models.MODELS:
        feed = zoo_models.sample(name, args.sample + 1, 2000)[args.sample]
    else:
        rng = np.random.default_rng(args.sample)
        feed = {}
        for i in model.graph.input:
            shape = [d.dim_value or 1 for d in i.type.tensor_type.shape.dim]
            feed[i.name] = rng.normal(0, 1, shape).astype(np.float32)

    work = args.work or tempfile.mkdtemp(prefix="zoo_diff.")
    os.makedirs(work, exist_ok=True)
    exposed = expose(model, [(t, et) for t, _, et in qts])
    path = os.path.join(work, "exposed.onnx")
    onnx.save(exposed, path)
    want = ort_run(path, feed, args.ort_opt)
    kernels = ["--reference-kernels"] if args.reference_kernels else []
    try:
        got = edgeml_run(args.edgeml, path, name, feed, os.path.join(work, "full"), kernels)
    except ConvertError as e:
        if not args.local:
            sys.exit(f"zoo_diff: edgeml convert failed: {e}")
        print(f"the whole model does not convert ({e}); --local only")
        got = {}
    local = {}
    if args.local:
        values = dict(ort_run(path, feed, False))  # the inputs: ORT's float-simulated ones
        values.update(feed)
        skip_ops, skip = set(), set()
        while True:
            iso, outs, ifeed = isolated_model(model, qts, values, skip_ops, skip)
            ipath = os.path.join(work, "isolated.onnx")
            onnx.save(iso, ipath)
            try:
                l_got = edgeml_run(args.edgeml, ipath, None, ifeed,
                                   os.path.join(work, "isolated"), kernels)
                break
            except ConvertError as e:
                node, ops = unsupported(str(e))
                m = re.match(r"n(\d+)_", node or "")
                if not m or int(m.group(1)) in skip:
                    sys.exit(f"zoo_diff: edgeml convert of the isolated nodes failed: {e}")
                skip.add(int(m.group(1)))
                skip_ops |= ops
        if skip_ops:
            print(f"--local leaves out the nodes with ops edgeml lacks: "
                  f"{', '.join(sorted(skip_ops))}")
        l_off = ort_run(ipath, ifeed, False)
        l_on = ort_run(ipath, ifeed, True)
        for k, o in outs.items():
            g = l_got.get(o.replace("/", "_"))
            if g is None:
                continue
            g = g.astype(np.int64)
            local[k] = tuple(int(np.abs(g - r[o].astype(np.int64)).max()) if g.size else 0
                             for r in (l_off, l_on))

    print(f"{args.model}: sample {args.sample}, ORT {'opt-on' if args.ort_opt else 'opt-off'}, "
          f"edgeml {'reference' if args.reference_kernels else 'fast'} kernels; "
          f"{len(qts)} quantized tensors")
    print(f"{'#':>4} {'node (producer of the quantized tensor)':<44} {'op':<28} "
          f"{'max LSB':>7} {'differ':>7} {'inputs':>6}"
          + (f" {'local/off':>9} {'local/on':>8}" if args.local else ""))
    bad = {}
    first = None
    differing = 0
    for k, (t, qn, _) in enumerate(qts):
        key = t.replace("/", "_")
        loc = local.get(k)
        src = producer.get(qn.input[0])
        op = describe(src) if src is not None else "(graph input)"
        if key not in got:
            if loc and (max(loc) > args.tolerance or args.all):
                differing += 1
                print(f"{k:>4} {(src.name if src is not None else t)[:44]:<44} {op[:28]:<28} "
                      f"{'-':>7} {'-':>7} {'-':>6} {loc[0]:>9} {loc[1]:>8}")
            elif got:
                print(f"{k:>4} {t:<44} (edgeml has no tensor of this name: folded away)")
            continue
        g, w = got[key].astype(np.int64), want[t].astype(np.int64)
        if g.shape != w.shape:
            print(f"{k:>4} {t:<44} shape {g.shape}, ORT {w.shape}")
            continue
        d = np.abs(g - w)
        mx = int(d.max()) if d.size else 0
        share = float(np.mean(d > args.tolerance)) if d.size else 0.0
        bad[t] = mx
        ins = []
        if src is not None:
            for i in src.input:
                q = dq_src.get(i)
                if q in bad:
                    ins.append(bad[q])
        in_max = max(ins) if ins else 0
        if mx > args.tolerance or (loc and max(loc) > args.tolerance):
            differing += 1
        if mx > args.tolerance or args.all or (loc and max(loc) > args.tolerance):
            print(f"{k:>4} {(src.name if src is not None else t)[:44]:<44} {op[:28]:<28} "
                  f"{mx:>7} {share:>7.2%} {in_max:>6}"
                  + (f" {loc[0]:>9} {loc[1]:>8}" if loc else ("         -        -"
                                                            if args.local else "")))
        if first is None and mx > args.tolerance and in_max <= args.tolerance:
            first = (t, src, mx, share, g, w)
    print(f"{differing} of {len(qts)} quantized tensors differ by more than "
          f"{args.tolerance:g} LSB")
    if first:
        t, src, mx, share, g, w = first
        print(f"first diverging node: {src.name if src is not None else t} "
              f"({describe(src) if src is not None else 'input'}) -> {t}: max {mx} LSB on "
              f"{share:.2%} of {g.size} elements")
        idx = np.unravel_index(int(np.argmax(np.abs(g - w))), g.shape)
        print(f"  worst element {tuple(int(i) for i in idx)}: edgeml {int(g[idx])}, "
              f"ORT {int(w[idx])}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
