"""The model zoo's registry: every model, where it comes from, and its inputs.

Imported by export_torch.py (Debian's system python with torch), quantize_zoo.py,
extract_wheels.py and tests/models/zoo_check.py (the venv with onnxruntime), so it imports
neither torch nor onnxruntime.

Each entry: source ("torchvision", "torch" for the small nets built here, "wheel" for trained
models shipped in PyPI wheels), seed, quantize (whether .u8/.s8 QDQ variants are made) and
inputs: (name, shape, dtype, kind) in the model's input order. kind picks the seeded sample
generator ("normal", "image01", "audio", or a fixed value for inputs frozen with --constant).
Models with symbolic dims are converted with --input-shape from these shapes.
"""
import numpy as np

IMAGE = [("input", [1, 3, 224, 224], "float32", "normal")]

# Pinned wheels of `make zoo-deps` and the .onnx files taken from them.
WHEELS = {
    "rapidocr_onnxruntime-1.4.4-py3-none-any.whl": "rapidocr-onnxruntime==1.4.4",
    "silero_vad-6.2.3-py3-none-any.whl": "silero-vad==6.2.3",
}


def _tv(seed, quantize=True, inputs=IMAGE):
    return {"source": "torchvision", "seed": seed, "quantize": quantize, "inputs": inputs}


MODELS = {
    # torchvision architectures: weights=None, seeded, BatchNorm recalibrated.
    "mobilenet_v3_small": _tv(101),
    "mobilenet_v3_large": _tv(102),
    "efficientnet_b0": _tv(103),
    "shufflenet_v2_x1_0": _tv(104),
    "mnasnet1_0": _tv(105),
    "squeezenet1_1": _tv(106),
    "googlenet": _tv(107),
    "resnet50": _tv(108),
    "regnet_y_400mf": _tv(109),
    "densenet121": _tv(110),
    # Small networks built in export_torch.py for the op families above lack.
    "yolo_tiny": {"source": "torch", "seed": 201, "quantize": True,
                  "inputs": [("images", [1, 3, 160, 160], "float32", "image01")]},
    "transformer_tiny": {"source": "torch", "seed": 202, "quantize": True,
                         "inputs": [("tokens", [1, 32, 64], "float32", "normal")]},
    "kws_gru": {"source": "torch", "seed": 203, "quantize": False,
                "inputs": [("mfcc", [1, 49, 10], "float32", "normal")]},
    "kws_lstm": {"source": "torch", "seed": 204, "quantize": False,
                 "inputs": [("mfcc", [1, 49, 10], "float32", "normal")]},
    # Exported with dynamic axes: convert only with --input-shape (static-shape folding).
    "shufflenet_v2_dyn": {"source": "torch", "seed": 104, "quantize": False,
                          "inputs": [("input", [1, 3, 224, 224], "float32", "normal")]},
    "transformer_dyn": {"source": "torch", "seed": 202, "quantize": False,
                        "inputs": [("tokens", [1, 32, 64], "float32", "normal")]},
    # Small, and only runtime ops once the shape computations fold: the quick slice in
    # `make test` (zoo-smoke).
    "shuffle_dyn": {"source": "torch", "seed": 205, "quantize": False,
                    "inputs": [("input", [1, 3, 64, 64], "float32", "normal")]},
    # Trained models shipped inside PyPI wheels (wheel, member path).
    "ppocr_det": {"source": "wheel", "seed": 301, "quantize": False,
                  "wheel": "rapidocr_onnxruntime-1.4.4-py3-none-any.whl",
                  "member": "rapidocr_onnxruntime/models/ch_PP-OCRv4_det_infer.onnx",
                  "inputs": [("x", [1, 3, 320, 320], "float32", "image01")]},
    "ppocr_rec": {"source": "wheel", "seed": 302, "quantize": False,
                  "wheel": "rapidocr_onnxruntime-1.4.4-py3-none-any.whl",
                  "member": "rapidocr_onnxruntime/models/ch_PP-OCRv4_rec_infer.onnx",
                  "inputs": [("x", [1, 3, 48, 320], "float32", "image01")]},
    "ppocr_cls": {"source": "wheel", "seed": 303, "quantize": False,
                  "wheel": "rapidocr_onnxruntime-1.4.4-py3-none-any.whl",
                  "member": "rapidocr_onnxruntime/models/ch_ppocr_mobile_v2.0_cls_infer.onnx",
                  "inputs": [("x", [1, 3, 48, 192], "float32", "image01")]},
    "silero_vad": {"source": "wheel", "seed": 304, "quantize": False,
                   "wheel": "silero_vad-6.2.3-py3-none-any.whl",
                   "member": "silero_vad/data/silero_vad.onnx",
                   "inputs": [("input", [1, 512], "float32", "audio"),
                              ("state", [2, 1, 128], "float32", "zeros"),
                              ("sr", [], "int64", 16000)]},
    "silero_vad_op15": {"source": "wheel", "seed": 305, "quantize": False,
                        "wheel": "silero_vad-6.2.3-py3-none-any.whl",
                        "member": "silero_vad/data/silero_vad_16k_op15.onnx",
                        "inputs": [("input", [1, 512], "float32", "audio"),
                                   ("state", [2, 1, 128], "float32", "zeros"),
                                   ("sr", [], "int64", 16000)]},
}

# Architectures beyond the list, to see the runtime on networks nothing here was
# tuned for (`make zoo-extra`; not in `make zoo`): grouped and dilated convolutions,
# LayerNorm-over-channels nets, vision transformers, segmentation heads, 3D convolutions.
IMAGE299 = [("input", [1, 3, 299, 299], "float32", "normal")]
EXTRA = {
    "mobilenet_v2": _tv(111),
    "resnext50_32x4d": _tv(112),
    "convnext_tiny": _tv(113),
    "efficientnet_v2_s": _tv(114),
    "regnet_x_400mf": _tv(115),
    "swin_t": _tv(116),
    "vit_b_32": _tv(117),
    "inception_v3": _tv(118, inputs=IMAGE299),
    "deeplabv3_mobilenet_v3_large": _tv(119),
    "lraspp_mobilenet_v3_large": _tv(120),
    "alexnet": _tv(121),
    "squeezenet1_0": _tv(122),
    "mnasnet0_5": _tv(123),
    "shufflenet_v2_x0_5": _tv(124),
    "maxvit_t": _tv(125),
    "r3d_18": _tv(126,
                  inputs=[("input", [1, 3, 8, 112, 112], "float32", "normal")]),
}
for _m in EXTRA.values():
    _m["extra"] = True
# What `make zoo` makes and the zoo's checks run by default: the models above EXTRA.
ZOO = list(MODELS)
MODELS.update(EXTRA)

# Variants: file suffix and the activation type quantize_static is given.
VARIANTS = {"float": (".onnx", None), "u8": (".u8.onnx", "QUInt8"), "s8": (".s8.onnx", "QInt8")}


def files(name):
    """The zoo's file names for a model (float first)."""
    v = ["float"] + (["u8", "s8"] if MODELS[name]["quantize"] else [])
    return [(variant, name + VARIANTS[variant][0]) for variant in v]


def sample(name, count, seed_offset):
    """count seeded feeds {input name: array} for a model; inputs whose kind is a number
    are that constant (frozen with --constant when converting)."""
    rng = np.random.default_rng(MODELS[name]["seed"] + seed_offset)
    feeds = []
    for _ in range(count):
        feed = {}
        for iname, shape, dtype, kind in MODELS[name]["inputs"]:
            if kind == "normal":
                a = rng.normal(0, 1, shape)
            elif kind == "image01":
                a = rng.uniform(0, 1, shape)
            elif kind == "audio":
                a = 0.3 * np.sin(np.arange(int(np.prod(shape))) * rng.uniform(0.01, 0.2))
                a = a.reshape(shape) + rng.normal(0, 0.05, shape)
            elif kind == "zeros":
                a = np.zeros(shape)
            else:
                a = np.full(shape, kind)
            feed[iname] = np.asarray(a, dtype=dtype)
        feeds.append(feed)
    return feeds


def constant_inputs(name):
    """Inputs frozen at conversion (a fixed value, e.g. the sample rate)."""
    return [(i, s, d, k) for i, s, d, k in MODELS[name]["inputs"]
            if not isinstance(k, str)]
