#!/usr/bin/env python3
"""ONNX conformance: run the ONNX project's own node tests through edgeml.

For every test in the ONNX node-test directory: convert model.onnx with `edgeml convert`,
run each recorded test_data_set_* with `edgeml run`, and compare with the recorded outputs
at ONNX's backend-test tolerances (rtol 1e-3, atol 1e-7). Prints one line per test and
closes with `N passed, M failed, K skipped`.

A test is skipped only when it uses an op edgeml does not claim (not in ops.def) or when the
converter rejects it as unsupported (an attribute, mode or dtype outside the op set); the
line says which. Tests in REQUIRED may not be skipped: a skip there is a failure.
"""
import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys

import numpy as np
import onnx
from onnx import numpy_helper

NODE_DIR = "/usr/share/libonnx-testdata/data/node"
RTOL, ATOL = 1e-3, 1e-7
EXIT_UNSUPPORTED = 3  # `edgeml convert` exit status for an unsupported op/attribute/dtype

# The tests the foundation issue names: these must run and pass.
REQUIRED_PATTERNS = [
    r"test_qlinearconv$", r"test_qlinearmatmul_2D$", r"test_qlinearmatmul_3D$",
    r"test_(basic_)?convinteger_.*|test_basic_convinteger$", r"test_matmulinteger$",
    r"test_quantizelinear.*", r"test_dequantizelinear.*",
    r"test_(basic_)?conv_.*", r"test_(max|average)pool_.*(?<!argmax_2d_precomputed_pads)$",
    r"test_globalaveragepool.*", r"test_gemm_.*", r"test_matmul_.*", r"test_relu$",
    r"test_clip.*", r"test_add(_bcast)?$", r"test_mul(_bcast|_example)?$", r"test_concat_.*",
    r"test_softmax_(axis_\d|default_axis|example|large_number|negative_axis)$",
    r"test_sigmoid.*", r"test_hardswish$", r"test_reshape_.*", r"test_flatten_.*",
    r"test_transpose_.*",
    r"test_reduce_(mean|sum|max)_(?!square).*", r"test_slice.*", r"test_split_.*",
    r"test_pow(_bcast_array|_bcast_scalar|_example|_types_float32_int(32|64))?$",
    r"test_sqrt.*", r"test_erf$", r"test_layer_normalization_.*",
    r"test_lstm_.*", r"test_gru_.*", r"test_gather_(0|1|2d_indices|negative_indices)$",
    r"test_convtranspose.*",
]
# Tests the patterns above catch but whose op variant is outside the op set by design.
REWRITTEN_OPS = {"Einsum"}
NOT_REQUIRED = {
    "test_maxpool_with_argmax_2d_precomputed_pads",    # Indices output
    "test_maxpool_with_argmax_2d_precomputed_strides",  # Indices output
    "test_clip_default_int8_inbounds_expanded", "test_clip_default_int8_max_expanded",
    "test_clip_default_int8_min_expanded",
}


def claimed_ops(ops_def):
    """Op type names edgeml claims: the runtime's (runtime/src/ops/ops.def) and those the
    converter folds at conversion (runtime/convert/convert_ops.def; their node tests pass
    with every input frozen by --constant)."""
    names = set()
    convert_ops = os.path.join(os.path.dirname(ops_def), "..", "..", "convert",
                               "convert_ops.def")
    for path, pattern in ((ops_def, r"EML_OP\(\d+,\s*(\w+)\)"),
                          (convert_ops, r"CV_OP\((\w+)\)")):
        with open(path) as f:
            for line in f:
                m = re.match(pattern, line)
                if m:
                    names.add(m.group(1))
    # ops the converter rewrites into runtime ops (Einsum as a batched MatMul; other
    # equations are refused as unsupported, which skips their tests; ONNX's Einsum tests
    # are all double, which edgeml does not take: tests/zoo/qop_check.py runs float ones)
    names.update(REWRITTEN_OPS)
    return names


def is_required(name):
    if name in NOT_REQUIRED or name.endswith("_expanded"):
        return False
    return any(re.match(p, name) for p in REQUIRED_PATTERNS)


def safe_name(name):
    return name.replace("/", "_")


def load_pb(path):
    t = onnx.TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return t


def run(cmd, timeout=120):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=timeout)
    return p.returncode, p.stdout.strip()


def last_line(text):
    lines = [l for l in text.splitlines() if l.strip()]
    return lines[-1] if lines else ""


class Skip(Exception):
    pass


class Fail(Exception):
    pass


def run_test(edgeml, test_dir, work, claimed, run_args=(), runner=None):
    """Converts and runs one node test; raises Skip or Fail, returns a note on success.

    runner is the command line that runs models (default: [edgeml]), e.g. another build
    under an emulator; models are always converted by edgeml."""
    model = onnx.load(os.path.join(test_dir, "model.onnx"))
    foreign = sorted({f"{n.domain + '.' if n.domain else ''}{n.op_type}" for n in model.graph.node
                      if n.domain not in ("", "ai.onnx") or n.op_type not in claimed})
    if foreign:
        raise Skip("op not claimed: " + ", ".join(foreign))
    init_names = {i.name for i in model.graph.initializer}
    inputs = [i.name for i in model.graph.input if i.name not in init_names]
    outputs = [o.name for o in model.graph.output]
    sets = sorted(d for d in os.listdir(test_dir) if d.startswith("test_data_set_"))
    if not sets:
        raise Skip("no recorded data")

    os.makedirs(work, exist_ok=True)
    eml = os.path.join(work, "model.eml")
    constants = []
    for _ in range(len(inputs) + 1):
        cmd = [edgeml, "convert", os.path.join(test_dir, "model.onnx"), eml] + constants
        rc, out = run(cmd)
        if rc == 0:
            break
        # Shapes are static in edgeml: an input that determines a shape (Reshape's shape,
        # Squeeze's axes, ...) is frozen to its recorded value, as the converter asks.
        m = re.search(r"--constant (\S+?)=", out)
        if m and m.group(1) in inputs:
            name = m.group(1)
            k = inputs.index(name)
            npy = os.path.join(work, f"const_{k}.npy")
            np.save(npy, numpy_helper.to_array(
                load_pb(os.path.join(test_dir, sets[0], f"input_{k}.pb"))))
            constants += ["--constant", f"{name}={npy}"]
            continue
        if rc == EXIT_UNSUPPORTED:
            raise Skip(last_line(out))
        raise Fail(f"convert failed (exit {rc}): {last_line(out)}")
    else:
        raise Fail("convert kept asking for constants")
    frozen = {c.split("=", 1)[0] for c in constants if "=" in c}
    fallback = False

    for s in sets:
        sdir = os.path.join(test_dir, s)
        args = (runner or [edgeml]) + ["run", eml, "--output-dir",
                                       os.path.join(work, "out_" + s)]
        args += list(run_args)
        for k, name in enumerate(inputs):
            if name in frozen:
                continue
            arr = numpy_helper.to_array(load_pb(os.path.join(sdir, f"input_{k}.pb")))
            npy = os.path.join(work, f"{s}_in{k}.npy")
            np.save(npy, np.require(arr, requirements="C"))
            args += ["--input", f"{name}={npy}"]
        rc, out = run(args)
        if rc != 0:
            raise Fail(f"run failed on {s} (exit {rc}): {last_line(out)}")
        m = re.search(r"CPU fallback: (\d+) nodes", out)
        fallback = fallback or bool(m and int(m.group(1)))
        for k, name in enumerate(outputs):
            want = numpy_helper.to_array(load_pb(os.path.join(sdir, f"output_{k}.pb")))
            path = os.path.join(work, "out_" + s, safe_name(name) + ".npy")
            if not os.path.exists(path):
                raise Fail(f"{s}: output '{name}' not written")
            got = np.load(path)
            if got.shape != want.shape:
                raise Fail(f"{s}: output '{name}' shape {got.shape}, expected {want.shape}")
            if got.dtype != want.dtype:
                raise Fail(f"{s}: output '{name}' dtype {got.dtype}, expected {want.dtype}")
            if not np.allclose(got.astype(np.float64), want.astype(np.float64), rtol=RTOL,
                               atol=ATOL, equal_nan=True):
                diff = np.abs(got.astype(np.float64) - want.astype(np.float64))
                raise Fail(f"{s}: output '{name}' differs: max abs diff {diff.max():.3g} "
                           f"at {np.unravel_index(diff.argmax(), diff.shape)}")
    return f"{len(sets)} data set(s)" + (", CPU fallback" if fallback else "")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--edgeml", required=True, help="path of the edgeml command")
    ap.add_argument("--work", required=True, help="scratch directory")
    ap.add_argument("--node-dir", default=NODE_DIR)
    ap.add_argument("--ops-def", default=os.path.join(os.path.dirname(__file__), "..", "..",
                                                      "runtime", "src", "ops", "ops.def"))
    ap.add_argument("--filter", default="", help="regular expression on test names")
    ap.add_argument("--quiet-skips", action="store_true", help="do not print skipped tests")
    ap.add_argument("--backend", default="", help="edgeml run --backend (auto, cpu, vulkan)")
    ap.add_argument("--cpu-fallback", action="store_true",
                    help="let ops the backend lacks run on the CPU (edgeml run --cpu-fallback)")
    ap.add_argument("--run-with", default="",
                    help="command line that runs the models instead of --edgeml, e.g. "
                         "'qemu-aarch64 -cpu max build/arm/rt/edgeml-static' (--edgeml still "
                         "converts them)")
    args = ap.parse_args()
    runner = shlex.split(args.run_with) if args.run_with else None
    run_args = []
    if args.backend:
        run_args += ["--backend", args.backend, "--verbose"]
    if args.cpu_fallback:
        run_args += ["--cpu-fallback"]

    claimed = claimed_ops(args.ops_def)
    tests = sorted(d for d in os.listdir(args.node_dir)
                   if os.path.isfile(os.path.join(args.node_dir, d, "model.onnx")))
    if args.filter:
        tests = [t for t in tests if re.search(args.filter, t)]
    shutil.rmtree(args.work, ignore_errors=True)
    passed = failed = skipped = fell_back = 0
    for name in tests:
        work = os.path.join(args.work, name)
        try:
            note = run_test(args.edgeml, os.path.join(args.node_dir, name), work, claimed,
                            run_args, runner)
            print(f"PASS {name} ({note})", flush=True)
            passed += 1
            fell_back += note.endswith("CPU fallback")
            shutil.rmtree(work, ignore_errors=True)
        except Skip as e:
            if is_required(name):
                print(f"FAIL {name}: required test skipped: {e}", flush=True)
                failed += 1
            else:
                if not args.quiet_skips:
                    print(f"SKIP {name}: {e}", flush=True)
                skipped += 1
        except Fail as e:
            print(f"FAIL {name}: {e}", flush=True)
            failed += 1
        except subprocess.TimeoutExpired as e:
            print(f"FAIL {name}: timed out: {' '.join(e.cmd[:2])}", flush=True)
            failed += 1
    print(f"{passed} passed, {failed} failed, {skipped} skipped"
          + (f" ({fell_back} of the passed ran some op on the CPU fallback)"
             if args.cpu_fallback else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
