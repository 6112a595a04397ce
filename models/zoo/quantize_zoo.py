#!/usr/bin/env python3
"""Quantizes a zoo model's float ONNX to QDQ with onnxruntime's quantize_static.

Per-channel int8 weights; activations uint8 (NAME.u8.onnx) or int8 (NAME.s8.onnx), MinMax
calibration on seeded inputs. Runs in the venv (onnxruntime).

  quantize_zoo.py build/zoo/NAME.onnx build/zoo/NAME.u8.onnx
  quantize_zoo.py --reduce-range build/zoo/NAME.onnx build/zoo-rr/NAME.u8.onnx

--reduce-range quantizes weights to 7 bits: ORT's u8s8 kernels on CPUs without VNNI then
cannot saturate their int16 pair sums (docs/zoo.md), so ORT with all optimisations is an
exact integer reference too.
"""
import argparse
import os
import sys
import tempfile

from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
from onnxruntime.quantization.shape_inference import quant_pre_process

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import zoo_models  # noqa: E402

CALIB_SAMPLES = 8


class Reader(CalibrationDataReader):
    def __init__(self, feeds):
        self.it = iter(feeds)

    def get_next(self):
        return next(self.it, None)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("float_path")
    ap.add_argument("out_path")
    ap.add_argument("--reduce-range", action="store_true", help="7-bit weights")
    args = ap.parse_args()
    base = os.path.basename(args.out_path)
    name, variant = base.split(".")[0], base.split(".")[1]
    activation = zoo_models.VARIANTS[variant][1]
    feeds = zoo_models.sample(name, CALIB_SAMPLES, 1000)
    with tempfile.TemporaryDirectory() as tmp:
        pre = os.path.join(tmp, "pre.onnx")
        out = os.path.join(tmp, "q.onnx")
        quant_pre_process(args.float_path, pre, skip_symbolic_shape=True)
        quantize_static(pre, out, Reader(feeds), quant_format=QuantFormat.QDQ, per_channel=True,
                        activation_type=getattr(QuantType, activation),
                        weight_type=QuantType.QInt8, reduce_range=args.reduce_range)
        os.replace(out, args.out_path)
    print(f"zoo: wrote {args.out_path}", flush=True)


if __name__ == "__main__":
    main()
