"""ImagePreprocess against OpenCV (Debian's python3-opencv; run with the system python3):
frames of every format go through `edgeml convert --image-input` models and `edgeml run`,
and through what a user writes with OpenCV and numpy (cvtColor, the crop as a slice,
resize, (x / 255 - mean) / std in float32, quantized with round half to even); the outputs
must be identical, float bits and int8 values alike (docs/ops.md: the rule is OpenCV's
fixed point). Random frames (every byte value, so saturation too) and smooth ones."""
import argparse
import os
import subprocess
import sys

import numpy as np

try:
    import cv2
except ImportError:
    sys.exit("opencv_check: no cv2 module: install Debian's python3-opencv "
             "(tools/install-deps.sh) and run this with /usr/bin/python3")

MEAN = np.array([0.485, 0.456, 0.406], np.float32)
STD = np.array([0.229, 0.224, 0.225], np.float32)
S8_SCALE = np.float32(2.7 / 127.0)  # tests/image/make_models.py
S8_ZERO_POINT = -4
CVT = {"nv12": cv2.COLOR_YUV2RGB_NV12, "yuyv": cv2.COLOR_YUV2RGB_YUYV, "bgr24": cv2.COLOR_BGR2RGB}


def frame_shape(fmt, w, h):
    return {"nv12": (h * 3 // 2, w), "yuyv": (h, w, 2)}.get(fmt, (h, w, 3))


def make_frame(fmt, w, h, rng, smooth):
    shape = frame_shape(fmt, w, h)
    if not smooth:
        return rng.integers(0, 256, shape, dtype=np.uint8)
    yy, xx = np.mgrid[0:shape[0], 0:shape[1]]
    base = 128 + 60 * np.sin(xx / 37.0) * np.cos(yy / 23.0) + rng.normal(0, 6, shape[:2])
    if len(shape) == 3:
        base = base[..., None] + np.arange(shape[2]) * 17
    return np.clip(base, 0, 255).astype(np.uint8)


def opencv_pipeline(frame, fmt, crop, size, resize, order, layout, quantized):
    rgb = cv2.cvtColor(frame, CVT[fmt]) if fmt in CVT else frame
    if crop:
        x, y, w, h = crop
        rgb = rgb[y:y + h, x:x + w]
    interp = cv2.INTER_NEAREST if resize == "nearest" else cv2.INTER_LINEAR
    small = cv2.resize(rgb, (size[1], size[0]), interpolation=interp)
    if order == "bgr":
        small = small[..., ::-1]
    x = (small.astype(np.float32) / np.float32(255.0) - MEAN) / STD
    if quantized:
        x = np.clip(np.rint(x / S8_SCALE) + S8_ZERO_POINT, -128, 127).astype(np.int8)
    return x.transpose(2, 0, 1)[None] if layout == "nchw" else x[None]


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"opencv_check: {' '.join(cmd)} failed ({p.returncode}):\n{p.stdout}{p.stderr}")
    return p.stdout


CASES = [  # format, frame WxH, crop, resize, channel order, layout, int8
    ("nv12", (1280, 720), None, "bilinear", "rgb", "nchw", True),
    ("nv12", (1280, 720), None, "bilinear", "rgb", "nchw", False),
    ("nv12", (1280, 720), (280, 0, 720, 720), "bilinear", "bgr", "nhwc", True),
    ("nv12", (640, 480), None, "nearest", "rgb", "nchw", True),
    ("nv12", (160, 120), (3, 5, 101, 77), "bilinear", "rgb", "nchw", True),  # upscaling
    ("yuyv", (640, 480), None, "bilinear", "rgb", "nchw", True),
    ("yuyv", (320, 240), (1, 1, 300, 200), "nearest", "bgr", "nhwc", False),
    ("rgb24", (1280, 720), None, "bilinear", "rgb", "nhwc", True),
    ("bgr24", (333, 251), (10, 20, 300, 200), "bilinear", "rgb", "nchw", True),
]


def check_model(a, onnx_path, rng):
    """A real network end to end: the model converted with --image-input and fed an NV12 frame
    must give the outputs of the plain conversion fed OpenCV's float tensor of that frame."""
    plain, image = (os.path.join(a.work, n) for n in ("plain.eml", "image.eml"))
    run([a.edgeml, "convert", onnx_path, plain])
    run([a.edgeml, "convert", onnx_path, image, "--image-input", "input=nv12,1280x720",
         "--mean", ",".join(map(str, MEAN.tolist())), "--std", ",".join(map(str, STD.tolist()))])
    # edgeml info (edgeml_model_input_image): the image input and its quantized output
    info, plain_info = run([a.edgeml, "info", image]), run([a.edgeml, "info", plain])
    failed = 0
    for want in ("input uint8[1080,1280]", "image input:   nv12 1280x720 frames (1382400 bytes), "
                 "crop 0,0 1280x720, bilinear resize to 224x224, nchw rgb",
                 "mean 0.485,0.456,0.406 std 0.229,0.224,0.225", "output:        uint8, scale"):
        if want not in info:
            print(f"FAIL edgeml info {image} lacks '{want}':\n{info}")
            failed += 1
    if "image input" in plain_info:
        print(f"FAIL edgeml info {plain} shows an image input:\n{plain_info}")
        failed += 1
    frame = make_frame("nv12", 1280, 720, rng, True)
    np.save(os.path.join(a.work, "frame.npy"), frame)
    np.save(os.path.join(a.work, "tensor.npy"),
            opencv_pipeline(frame, "nv12", None, (224, 224), "bilinear", "rgb", "nchw", False))
    outs = []
    for eml, arg in ((plain, "tensor.npy"), (image, "frame.npy")):
        out = os.path.join(a.work, "model-out")
        run([a.edgeml, "run", eml, "--input", "input=" + os.path.join(a.work, arg),
             "--output-dir", out, "--threads", "2"])
        outs.append({f: np.load(os.path.join(out, f)) for f in sorted(os.listdir(out))})
    same = outs[0].keys() == outs[1].keys() and all(
        np.array_equal(outs[0][k], outs[1][k]) for k in outs[0])
    print(f"{'ok  ' if same else 'FAIL'} {os.path.basename(onnx_path)} from an NV12 frame "
          f"{'equals' if same else 'differs from'} the model fed OpenCV's tensor")
    return failed + (not same)


REFUSALS = [  # extra convert arguments, exit status, what the message must say
    (["--image-input", "nope=nv12,64x48"], 1, "no input named 'nope' (its inputs: 'input')"),
    (["--image-input", "input=nv12,1281x720"], 1, "even width and height"),
    (["--image-input", "input=yuyv,641x480"], 1, "even width"),
    (["--image-input", "input=nv12,1280x720", "--crop", "0,0,1300,720"], 1,
     "inside the 1280x720 frame"),
    (["--image-input", "input=rgb24,64x48", "--std", "0.2,0,0.2"], 1, "'std'[1] is 0"),
    (["--mean", "0.5"], 2, "belongs to an --image-input"),
    (["--image-input", "input=i420,64x48"], 3, "'i420'"),
    (["--image-input", "input=nv12"], 2, "NAME=FORMAT,WIDTHxHEIGHT"),
    (["--image-input", "input=nv12,64x48", "--resize", "cubic"], 2, "bilinear or nearest"),
    (["--image-input", "input=nv12,64x48", "--mean", "1,2"], 2, "1 or 3 values"),
    (["--image-input", "input=nv12,64x48", "--layout", "nhwc"], 3, "[1,H,W,3] (nhwc)"),
]


def check_refusals(a):
    failed = 0
    onnx_path = os.path.join(a.models, "image_nchw_s8_224x224.onnx")
    for extra, status, text in REFUSALS:
        p = subprocess.run([a.edgeml, "convert", onnx_path, os.path.join(a.work, "bad.eml")] +
                           extra, capture_output=True, text=True)
        ok = p.returncode == status and text in p.stderr
        print(f"{'ok  ' if ok else 'FAIL'} refused {' '.join(extra)}: exit {p.returncode}, "
              f"{p.stderr.strip()}")
        failed += not ok
    return failed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", action="append", default=[],
                    help="an ONNX image model (input 'input' [1,3,224,224]) to check end to end")
    ap.add_argument("--edgeml", required=True)
    ap.add_argument("--models", required=True, help="tests/image/make_models.py's output")
    ap.add_argument("--work", required=True)
    ap.add_argument("--no-vulkan", action="store_true",
                    help="skip the GPU runs (sanitizer builds: Mesa's leaks are not ours)")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    rng = np.random.default_rng(14)
    failed = 0
    # the GPU too, where there is one (lavapipe here): shaders/image.comp
    variants = [[], ["--reference-kernels"]]
    if not a.no_vulkan and any(l.split(":")[1].split()[0] == "vulkan" for l in run([a.edgeml, "info"]).splitlines()
           if l.startswith("device ") and ":" in l and len(l.split(":")[1].split()) > 0):
        variants.append(["--backend", "vulkan"])
    for i, (fmt, (w, h), crop, resize, order, layout, q) in enumerate(CASES):
        onnx_path = os.path.join(a.models, f"image_{layout}_{'s8' if q else 'f32'}_224x224.onnx")
        eml = os.path.join(a.work, f"case{i}.eml")
        cmd = [a.edgeml, "convert", onnx_path, eml, "--image-input", f"input={fmt},{w}x{h}",
               "--mean", ",".join(map(str, MEAN.tolist())), "--std",
               ",".join(map(str, STD.tolist())), "--resize", resize, "--channel-order", order]
        if crop:
            cmd += ["--crop", ",".join(map(str, crop))]
        run(cmd)
        for smooth in (False, True):
            frame = make_frame(fmt, w, h, rng, smooth)
            np.save(os.path.join(a.work, "frame.npy"), frame)
            want = opencv_pipeline(frame, fmt, crop, (224, 224), resize, order, layout, q)
            # the GPU on random frames only (shader compilation makes it the slow part)
            for kernels in variants[:2] if smooth else variants:
                out = os.path.join(a.work, "out")
                run([a.edgeml, "run", eml, "--input", "input=" + os.path.join(a.work, "frame.npy"),
                     "--output-dir", out, "--threads", "2"] + kernels)
                got = np.load(os.path.join(out, "output.npy"))
                what = (f"{fmt} {w}x{h} crop {crop} {resize} {order} {layout} "
                        f"{'int8' if q else 'float32'} {'smooth' if smooth else 'random'} "
                        f"{' '.join(kernels) if kernels else 'fast'}")
                if got.shape != want.shape or got.dtype != want.dtype:
                    print(f"FAIL {what}: got {got.dtype}{got.shape}, want {want.dtype}{want.shape}")
                    failed += 1
                    continue
                if q:
                    d = np.abs(got.astype(np.int32) - want.astype(np.int32))
                    diff, n = int(d.max()), int((d > 0).sum())
                    ok = diff == 0
                    print(f"{'ok  ' if ok else 'FAIL'} {what}: max {diff} LSB, {n} of {d.size} differ")
                else:
                    n = int((got.view(np.uint32) != want.view(np.uint32)).sum())
                    ok = n == 0
                    print(f"{'ok  ' if ok else 'FAIL'} {what}: {n} of {got.size} floats differ "
                          f"(max {float(np.abs(got - want).max()):.3g})")
                failed += not ok
    for m in a.model:
        failed += check_model(a, m, rng)
    failed += check_refusals(a)
    print(f"opencv_check: {failed} failures; OpenCV {cv2.__version__}; "
          f"{'with' if len(variants) > 2 else 'no'} Vulkan device")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
