#!/usr/bin/env python3
"""Fast kernels against the reference kernels on every zoo file, at every CPU kernel level.

The unit tests hold each micro-kernel to the reference on random shapes; this holds whole
real models to it: each file converted once, run on seeded inputs with --reference-kernels
(the oracle) and then with the fast kernels at each level this CPU has (EDGEML_CPU_ISA:
scalar, avx2, avx512vnni; neon, dotprod, i8mm on arm64), threads 1 and 2. int8 models must
give the same bytes; float models agree within the float fast path's tolerance
(crosscheck.FLOAT_RTOL of the reference's max |value|; docs/cpu-kernels.md). One line per
file and level; exit 1 on any mismatch or crash. Levels the CPU lacks are listed as skipped
(`edgeml info` names the levels), so a run on an AVX2-only machine says it did not check
avx512vnni rather than passing it silently.
"""
import argparse
import os
import subprocess
import sys

import numpy as np
import onnx

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "models"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "models", "zoo"))
import crosscheck  # noqa: E402
import zoo_check  # noqa: E402
import zoo_models  # noqa: E402

X86_LEVELS = ["scalar", "avx2", "avx512vnni", "avx512amx"]
ARM_LEVELS = ["scalar", "neon", "dotprod", "i8mm"]


def usable_levels(edgeml):
    """The levels EDGEML_CPU_ISA may pick on this CPU: the best one `edgeml info` names and
    every lower one of the same architecture."""
    out = subprocess.run([edgeml, "info"], stdout=subprocess.PIPE, text=True,
                         check=True).stdout
    best = next(line.split(":", 1)[1].strip() for line in out.splitlines()
                if line.startswith("cpu kernels:"))
    for levels in (X86_LEVELS, ARM_LEVELS):
        if best in levels:
            return levels[:levels.index(best) + 1], levels[levels.index(best) + 1:]
    raise SystemExit(f"fast_ref_check: unknown kernel level '{best}'")


def run(edgeml, eml, work, feed, outputs, extra, env):
    os.makedirs(work, exist_ok=True)
    args = [edgeml, "run", eml, "--output-dir", work] + extra
    for iname, arr in feed.items():
        npy = os.path.join(work, f"in_{iname}.npy")
        np.save(npy, arr)
        args += ["--input", f"{iname}={npy}"]
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       env=env, timeout=900)
    if p.returncode != 0 or "Sanitizer" in p.stdout or "runtime error:" in p.stdout:
        raise zoo_check.Crash(f"{' '.join(args)}: exit {p.returncode}: "
                              + "\n".join(p.stdout.strip().splitlines()[-5:]))
    return [np.load(os.path.join(work, o.replace("/", "_") + ".npy")) for o in outputs]


def compare(got, want):
    """(same, detail): bytes for integer outputs, relative max diff for float ones."""
    worst = 0.0
    for g, w in zip(got, want):
        if g.shape != w.shape or g.dtype != w.dtype:
            return False, f"shape/type {g.shape} {g.dtype} vs {w.shape} {w.dtype}"
        if np.issubdtype(w.dtype, np.floating):
            d = float(np.abs(g.astype(np.float64) - w).max()) if w.size else 0.0
            worst = max(worst, d / max(float(np.abs(w).max()) if w.size else 0.0, 1e-30))
        elif not np.array_equal(g, w):
            n = int(np.count_nonzero(g != w))
            return False, f"{n} of {w.size} values differ"
    if worst > crosscheck.FLOAT_RTOL:
        return False, f"float rel {worst:.2e}"
    return True, (f"rel {worst:.1e}" if worst else "equal")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--edgeml", required=True)
    ap.add_argument("--zoo", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--only", nargs="*", default=list(zoo_models.ZOO))
    ap.add_argument("--variants", nargs="*", default=["u8", "s8"],
                    choices=list(zoo_models.VARIANTS))
    ap.add_argument("--threads", nargs="*", type=int, default=[1, 2])
    ap.add_argument("--samples", type=int, default=1)
    args = ap.parse_args()

    levels, missing = usable_levels(args.edgeml)
    for level in levels:
        # EDGEML_CPU_ISA falls back to the best level on a name it does not take: make sure
        # each run below really is at the level its line names.
        out = subprocess.run([args.edgeml, "info"], stdout=subprocess.PIPE, text=True,
                             env=dict(os.environ, EDGEML_CPU_ISA=level), check=True).stdout
        if f"cpu kernels:   {level}" not in out:
            raise SystemExit(f"fast_ref_check: EDGEML_CPU_ISA={level} not taken:\n{out}")
    print(f"levels checked: {' '.join(levels)}"
          + (f"; not on this CPU: {' '.join(missing)}" if missing else ""))
    print("| model | variant | level | threads | vs reference kernels |")
    print("|---|---|---|---|---|")
    bad = checked = 0
    for name in args.only:
        for variant, fname in zoo_models.files(name):
            if variant not in args.variants:
                continue
            path = os.path.join(args.zoo, fname)
            if not os.path.exists(path):
                print(f"| {name} | {variant} | - | - | missing {path} (make zoo) |")
                bad += 1
                continue
            work = os.path.join(args.work, f"{name}.{variant}")
            os.makedirs(work, exist_ok=True)
            eml = os.path.join(work, "model.eml")
            err = zoo_check.convert(args.edgeml, name, path, eml, work)
            if err:
                print(f"| {name} | {variant} | - | - | does not convert: {err} |")
                bad += 1
                continue
            outputs = [o.name for o in onnx.load(path).graph.output]
            frozen = {i for i, *_ in zoo_models.constant_inputs(name)}
            for k, feed in enumerate(zoo_models.sample(name, args.samples, 6000)):
                feed = {i: a for i, a in feed.items() if i not in frozen}
                want = run(args.edgeml, eml, os.path.join(work, f"ref{k}"), feed, outputs,
                           ["--reference-kernels"], dict(os.environ))
                for level in levels:
                    for t in args.threads:
                        env = dict(os.environ, EDGEML_CPU_ISA=level)
                        got = run(args.edgeml, eml, os.path.join(work, f"{level}.{t}.{k}"),
                                  feed, outputs, ["--threads", str(t)], env)
                        ok, detail = compare(got, want)
                        checked += 1
                        bad += not ok
                        print(f"| {name} | {variant} | {level} | {t} | "
                              f"{detail}{'' if ok else '  MISMATCH'} |", flush=True)
    print(f"{checked} runs checked, {bad} failed")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
