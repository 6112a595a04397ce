"""`make bench-preprocess`: a 1280x720 NV12 frame to a 224x224 int8 NCHW tensor (ImageNet
mean/std, the int8 scale of tests/image/make_models.py), edgeml's ImagePreprocess against
OpenCV (cvtColor + resize INTER_LINEAR + normalise + quantize in numpy) on the same frames,
both on one thread, interleaved frame by frame; the median of many runs each, and the
largest difference in LSB (the same resize rule: OpenCV's INTER_LINEAR). edgeml runs in
this process through libedgeml.so (ctypes), so both sides are timed the same way. Run with
the system python3 (Debian's python3-opencv)."""
import argparse
import ctypes
import os
import statistics
import subprocess
import sys
import time

import numpy as np

try:
    import cv2
except ImportError:
    sys.exit("bench_opencv: no cv2 module: install Debian's python3-opencv")

sys.path.insert(0, os.path.dirname(__file__))
from opencv_check import MEAN, STD, S8_SCALE, S8_ZERO_POINT  # noqa: E402


def opencv(frame, out):
    """The OpenCV pipeline; returns the nanoseconds of its cvtColor + resize part."""
    t = time.perf_counter_ns()
    rgb = cv2.cvtColor(frame, cv2.COLOR_YUV2RGB_NV12)
    small = cv2.resize(rgb, (224, 224), interpolation=cv2.INTER_LINEAR)
    t = time.perf_counter_ns() - t
    x = (small.astype(np.float32) / np.float32(255.0) - MEAN) / STD
    q = np.clip(np.rint(x / S8_SCALE) + S8_ZERO_POINT, -128, 127).astype(np.int8)
    out[...] = q.transpose(2, 0, 1)[None]
    return t


class Edgeml:
    def __init__(self, lib, model, reference):
        L = self.L = ctypes.CDLL(lib)
        vp = ctypes.c_void_p
        L.edgeml_last_error.restype = ctypes.c_char_p
        L.edgeml_tensor_data.restype = vp
        self.model, self.sess, self.inp, self.out = vp(), vp(), vp(), vp()
        self.check(L.edgeml_model_load_file(None, model.encode(), ctypes.byref(self.model)))
        opts = ctypes.create_string_buffer(256)
        L.edgeml_session_options_init(opts)
        # struct_size, backend, threads: the first three uint32 (edgeml.h)
        ctypes.c_uint32.from_buffer(opts, 4).value = 1  # CPU
        ctypes.c_uint32.from_buffer(opts, 8).value = 1  # one thread
        if reference:
            ctypes.c_uint32.from_buffer(opts, 24).value = 2  # EDGEML_SESSION_REFERENCE_KERNELS
        self.check(L.edgeml_session_create(self.model, opts, ctypes.byref(self.sess)))
        self.check(L.edgeml_session_input(self.sess, ctypes.c_size_t(0), ctypes.byref(self.inp)))
        self.check(L.edgeml_session_output(self.sess, ctypes.c_size_t(0), ctypes.byref(self.out)))
        self.in_ptr = L.edgeml_tensor_data(self.inp)
        self.out_ptr = L.edgeml_tensor_data(self.out)

    def check(self, st):
        if st != 0:
            sys.exit(f"bench_opencv: edgeml: {self.L.edgeml_last_error().decode()}")

    def run(self, frame, out):
        ctypes.memmove(self.in_ptr, frame.ctypes.data, frame.nbytes)
        t = time.perf_counter_ns()
        self.check(self.L.edgeml_session_run(self.sess))
        t = time.perf_counter_ns() - t
        ctypes.memmove(out.ctypes.data, self.out_ptr, out.nbytes)
        return t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--edgeml", required=True)
    ap.add_argument("--lib", required=True)
    ap.add_argument("--models", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--runs", type=int, default=300)
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    eml = os.path.join(a.work, "nv12_1280x720_s8.eml")
    subprocess.run([a.edgeml, "convert", os.path.join(a.models, "image_nchw_s8_224x224.onnx"),
                    eml, "--image-input", "input=nv12,1280x720",
                    "--mean", ",".join(map(str, MEAN.tolist())),
                    "--std", ",".join(map(str, STD.tolist()))], check=True)
    cv2.setNumThreads(1)
    fast, ref = Edgeml(a.lib, eml, False), Edgeml(a.lib, eml, True)
    rng = np.random.default_rng(7)
    frames = [rng.integers(0, 256, (1080, 1280), dtype=np.uint8) for _ in range(8)]
    ours, theirs, oref = (np.empty((1, 3, 224, 224), np.int8) for _ in range(3))
    t_ours, t_cv, t_cvc, t_ref, worst, differ = [], [], [], [], 0, 0
    for i in range(a.runs):
        f = frames[i % len(frames)]
        t_ours.append(fast.run(f, ours))
        t = time.perf_counter_ns()
        t_cvc.append(opencv(f, theirs))
        t_cv.append(time.perf_counter_ns() - t)
        if i % 10 == 0:
            t_ref.append(ref.run(f, oref))
            assert np.array_equal(oref, ours), "fast and reference kernels differ"
        d = np.abs(ours.astype(np.int32) - theirs.astype(np.int32))
        worst = max(worst, int(d.max()))
        differ += int((d > 0).sum())
    mo, mc, mr, mcc = (statistics.median(t) / 1e3 for t in (t_ours, t_cv, t_ref, t_cvc))
    print(f"1280x720 NV12 -> 224x224 int8 NCHW, one thread, {a.runs} frames interleaved "
          f"(median; load average {os.getloadavg()[0]:.1f}):")
    print(f"  edgeml ImagePreprocess (fast):      {mo:9.1f} us")
    print(f"  edgeml ImagePreprocess (reference): {mr:9.1f} us ({len(t_ref)} runs)")
    print(f"  OpenCV {cv2.__version__} + numpy:              {mc:9.1f} us "
          f"(cvtColor + resize + normalise + quantize)")
    print(f"    of which cvtColor + resize (C++):     {mcc:9.1f} us")
    print(f"  speed-up over OpenCV: {mc / mo:.1f}x (over its cvtColor + resize alone: "
          f"{mcc / mo:.1f}x); largest difference {worst} LSB, "
          f"{differ} values differ of {a.runs * ours.size}")


if __name__ == "__main__":
    main()
