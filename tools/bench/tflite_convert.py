#!/usr/bin/env python3
"""Converts a float reference .onnx model to TFLite for the LiteRT peer of `make bench`,
offline and reproducibly (run with build/venv-litert's Python, `make bench-deps`):
  OUT/NAME.f32.tflite   float32
  OUT/NAME.int8.tflite  fully int8: int8 inputs, outputs and activations, int8 weights, int32
                        biases; checked here to hold no float tensor at all
through onnx2tf (ONNX -> TensorFlow, NCHW -> NHWC) and the TFLite converter, calibrated on
--calib seeded random inputs uniform in [0, 1) (the inputs `edgeml bench` times with).
Pitfalls handled: onnx2tf rewrites its input file (it gets a copy), would download a sample
calibration set (it gets ours), and pads max-pooling with float-min unless asked for integer
output at conversion time (-oiqt), which ruins the calibration."""
import argparse
import os
import shutil
import sys
import tempfile


def fully_int8(path):
    """The float tensors of a .tflite model (none for a fully-int8 one)."""
    from ai_edge_litert import interpreter as litert
    import numpy as np
    interp = litert.Interpreter(model_path=path)
    return [d["name"] for d in interp.get_tensor_details() if d["dtype"] == np.float32]


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", help="float .onnx model with one NCHW image input")
    ap.add_argument("out", help="output directory")
    ap.add_argument("--calib", type=int, default=32, help="calibration inputs")
    a = ap.parse_args()
    a.model, a.out = os.path.abspath(a.model), os.path.abspath(a.out)
    import numpy as np
    import onnx
    import onnx2tf
    name = os.path.basename(a.model)
    name = name[:-5] if name.endswith(".onnx") else name
    os.makedirs(a.out, exist_ok=True)
    m = onnx.load(a.model)
    inits = {i.name for i in m.graph.initializer}
    inputs = [i for i in m.graph.input if i.name not in inits]
    if len(inputs) != 1:
        sys.exit(f"{a.model}: {len(inputs)} inputs; one image input expected")
    dims = [d.dim_value or 1 for d in inputs[0].type.tensor_type.shape.dim]
    if len(dims) != 4:
        sys.exit(f"{a.model}: input shape {dims}; NCHW expected")
    _, c, h, w = dims
    with tempfile.TemporaryDirectory(prefix="tflite_convert_") as tmp:
        src = os.path.join(tmp, name + ".onnx")
        shutil.copyfile(a.model, src)
        calib = os.path.join(tmp, "calib.npy")
        rng = np.random.default_rng(12345)
        np.save(calib, rng.random((a.calib, h, w, c), dtype=np.float32))
        # onnx2tf checks its conversion on a sample it downloads unless the file is in the
        # working directory: ours, seeded, so that nothing leaves the machine
        np.save(os.path.join(tmp, "calibration_image_sample_data_20x128x128x3_float32.npy"),
                rng.random((20, 128, 128, 3), dtype=np.float32))
        os.chdir(tmp)
        zero = np.zeros((1, 1, 1, c), dtype=np.float32)
        one = np.ones((1, 1, 1, c), dtype=np.float32)
        out_tf = os.path.join(tmp, "tf")
        onnx2tf.convert(input_onnx_file_path=src, output_folder_path=out_tf,
                        output_integer_quantized_tflite=True,
                        custom_input_op_name_np_data_path=[[inputs[0].name, calib, zero, one]],
                        quant_type="per-channel", input_quant_dtype="int8",
                        output_quant_dtype="int8", non_verbose=True)
        made = {"f32": name + "_float32.tflite", "int8": name + "_full_integer_quant.tflite"}
        for kind, file in made.items():
            path = os.path.join(out_tf, file)
            if not os.path.exists(path):
                sys.exit(f"{a.model}: onnx2tf made no {file} (made: {os.listdir(out_tf)})")
            shutil.copyfile(path, os.path.join(a.out, f"{name}.{kind}.tflite"))
    floats = fully_int8(os.path.join(a.out, name + ".int8.tflite"))
    if floats:
        sys.exit(f"{name}.int8.tflite is not int8 end to end: float tensors {floats[:5]}")
    print(f"{name}: {a.out}/{name}.f32.tflite, {a.out}/{name}.int8.tflite (int8 end to end)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
