#!/usr/bin/python3
"""Exports the zoo's torch models to float ONNX, reproducibly and offline.

Runs under Debian's system python (python3-torchvision: torch 1.13, torchvision 0.14), not the
venv. torchvision builders get weights=None and a seeded initialisation; every BatchNorm's
running statistics are then recalibrated on seeded batches (train mode, momentum None: the
cumulative average), since random statistics make deep nets chaotic. Opset 13, except the
transformer (opset 17, where LayerNormalization exists).

  export_torch.py --out build/zoo [--only NAME...]
"""
import argparse
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import zoo_models  # noqa: E402

OPSET = 13
CALIB_BATCHES = 4
CALIB_BATCH = 8


class ConvBnSiLU(nn.Sequential):
    def __init__(self, cin, cout, k=3, s=1):
        super().__init__(nn.Conv2d(cin, cout, k, s, k // 2, bias=False), nn.BatchNorm2d(cout),
                         nn.SiLU())


class C2f(nn.Module):
    """YOLOv8's split-and-concatenate block."""

    def __init__(self, c, n=1):
        super().__init__()
        self.cv1 = ConvBnSiLU(c, c, 1)
        self.blocks = nn.ModuleList(nn.Sequential(ConvBnSiLU(c // 2, c // 2),
                                                  ConvBnSiLU(c // 2, c // 2))
                                    for _ in range(n))
        self.cv2 = ConvBnSiLU(c // 2 * (2 + n), c, 1)

    def forward(self, x):
        y = list(self.cv1(x).split(x.shape[1] // 2, dim=1))
        for b in self.blocks:
            y.append(y[-1] + b(y[-1]))
        return self.cv2(torch.cat(y, 1))


class YoloTiny(nn.Module):
    """A small YOLO-style detector: SiLU backbone, nearest upsampling and concatenation
    (an FPN), per-level heads with sigmoid-decoded boxes reshaped and transposed into one
    (1, anchors, 4 + classes) tensor."""

    def __init__(self, classes=8):
        super().__init__()
        self.no = 4 + classes
        self.stem = ConvBnSiLU(3, 16, 3, 2)
        self.s1 = nn.Sequential(ConvBnSiLU(16, 32, 3, 2), C2f(32))
        self.s2 = nn.Sequential(ConvBnSiLU(32, 64, 3, 2), C2f(64))
        self.s3 = nn.Sequential(ConvBnSiLU(64, 96, 3, 2), C2f(96))
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.fuse = ConvBnSiLU(96 + 64, 64, 1)
        self.head_p4 = nn.Conv2d(64, self.no, 1)
        self.head_p5 = nn.Conv2d(96, self.no, 1)

    def decode(self, p):
        b, _, h, w = p.shape
        p = p.reshape(b, self.no, h * w).transpose(1, 2)
        box, cls = p.split([4, self.no - 4], dim=2)
        return torch.cat([box.sigmoid() * 2.0, cls.sigmoid()], dim=2)

    def forward(self, x):
        x = self.stem(x)
        p3 = self.s1(x)
        p4 = self.s2(p3)
        p5 = self.s3(p4)
        f4 = self.fuse(torch.cat([self.up(p5), p4], 1))
        return torch.cat([self.decode(self.head_p4(f4)), self.decode(self.head_p5(p5))], 1)


class EncoderLayer(nn.Module):
    """Pre-norm transformer encoder layer written out (no fused fast path): LayerNorm,
    multi-head attention with MatMul and Softmax, a GELU (erf) MLP."""

    def __init__(self, d, heads, mlp):
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.norm2 = nn.LayerNorm(d)
        self.fc1 = nn.Linear(d, mlp)
        self.fc2 = nn.Linear(mlp, d)

    def forward(self, x):
        b, n, d = x.shape
        h = self.heads
        q, k, v = self.qkv(self.norm1(x)).reshape(b, n, 3, h, d // h).permute(2, 0, 3, 1, 4)
        att = torch.softmax(q @ k.transpose(-2, -1) * (d // h) ** -0.5, dim=-1)
        x = x + self.proj((att @ v).transpose(1, 2).reshape(b, n, d))
        return x + self.fc2(F.gelu(self.fc1(self.norm2(x))))


class TransformerTiny(nn.Module):
    def __init__(self, d=64, heads=4, layers=2, classes=10):
        super().__init__()
        self.layers = nn.ModuleList(EncoderLayer(d, heads, 2 * d) for _ in range(layers))
        self.norm = nn.LayerNorm(d)
        self.head = nn.Linear(d, classes)

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return self.head(self.norm(x).mean(dim=1))


class KeywordSpotter(nn.Module):
    """A recurrent keyword spotter over 49 MFCC frames of 10 coefficients."""

    def __init__(self, cell, hidden=64, classes=12):
        super().__init__()
        self.rnn = cell(10, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, classes)

    def forward(self, x):
        y, _ = self.rnn(x)
        return self.fc(y[:, -1])


class ShuffleDyn(nn.Module):
    """Shapes read from the input at run time, as dynamic-axes exports write them: channel
    shuffle with view(x.size()), an upsampling to a size taken from another tensor, a
    flatten by x.size(0)."""

    def __init__(self, classes=10):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, 2, 1), nn.ReLU())
        self.down = nn.Sequential(nn.Conv2d(16, 32, 3, 2, 1), nn.ReLU())
        self.mix = nn.Conv2d(32 + 16, 32, 1)
        self.fc = nn.Linear(32, classes)

    def forward(self, x):
        s = self.stem(x)
        y = self.down(s)
        b, c, h, w = y.size()
        y = y.view(b, 2, c // 2, h, w).transpose(1, 2).contiguous().view(b, c, h, w)
        y = F.interpolate(y, size=s.shape[2:], mode="nearest")
        y = torch.relu(self.mix(torch.cat([y, s], 1)))
        y = F.adaptive_avg_pool2d(y, 1)
        return self.fc(y.view(y.size(0), -1))


class SegmentationOut(nn.Module):
    """torchvision's segmentation nets return a dict; ONNX export wants the tensor."""
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return self.net(x)["out"]


def build(name):
    """The torch module of a zoo model, seeded; (module, opset, dynamic_axes or None)."""
    torch.manual_seed(zoo_models.MODELS[name]["seed"])
    src = zoo_models.MODELS[name]["source"]
    if src == "torchvision":
        kw = {"weights": None}
        if name in ("googlenet", "inception_v3"):
            kw.update(aux_logits=False, transform_input=False, init_weights=True)
        if name.startswith(("deeplabv3_", "lraspp_")):
            kw.update(weights_backbone=None)
            return SegmentationOut(getattr(torchvision.models.segmentation, name)(**kw)), \
                OPSET, None
        if name == "r3d_18":
            return torchvision.models.video.r3d_18(**kw), OPSET, None
        # LayerNormalization is an opset-17 op (at 13 it exports as its arithmetic)
        opset = 17 if name.startswith(("convnext_", "swin_", "vit_", "maxvit_")) else OPSET
        m = getattr(torchvision.models, name)(**kw)
        if name.startswith("vit_"):
            # torchvision starts ViT's head at zero: every logit would be 0 whatever the
            # network computed, and any two runtimes would agree
            nn.init.normal_(m.heads.head.weight, std=0.02)
        return m, opset, None
    if name == "yolo_tiny":
        return YoloTiny(), OPSET, None
    if name == "transformer_tiny":
        return TransformerTiny(), 17, None
    if name == "kws_gru":
        return KeywordSpotter(nn.GRU), OPSET, None
    if name == "kws_lstm":
        return KeywordSpotter(nn.LSTM), OPSET, None
    if name == "shufflenet_v2_dyn":
        torch.manual_seed(zoo_models.MODELS["shufflenet_v2_x1_0"]["seed"])
        m = torchvision.models.shufflenet_v2_x1_0(weights=None)
        return m, OPSET, {"input": {0: "batch", 2: "height", 3: "width"}}
    if name == "shuffle_dyn":
        return ShuffleDyn(), OPSET, {"input": {0: "batch", 2: "height", 3: "width"}}
    if name == "transformer_dyn":
        return TransformerTiny(), 17, {"tokens": {0: "batch", 1: "sequence"}}
    raise KeyError(name)


def recalibrate_batchnorm(model, name):
    """Running statistics of every BatchNorm set to their cumulative average over seeded
    batches; only the BatchNorm layers are in train mode (dropout stays off)."""
    bns = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if not bns:
        return
    model.eval()
    for m in bns:
        m.reset_running_stats()
        m.momentum = None
        m.train()
    feeds = zoo_models.sample(name, CALIB_BATCHES * CALIB_BATCH, 3000)
    with torch.no_grad():
        for b in range(CALIB_BATCHES):
            batch = feeds[b * CALIB_BATCH:(b + 1) * CALIB_BATCH]
            model(*[torch.from_numpy(np.concatenate([f[i] for f in batch]))
                    for i in batch[0]])
    model.eval()


def export(name, out_dir):
    model, opset, dynamic = build(name)
    recalibrate_batchnorm(model, name)
    model.eval()
    feed = zoo_models.sample(name, 1, 0)[0]
    names = [i[0] for i in zoo_models.MODELS[name]["inputs"]]
    args = tuple(torch.from_numpy(feed[n]) for n in names)
    path = os.path.join(out_dir, name + ".onnx")
    tmp = path + ".tmp"
    # torch's fused attention (the eval fast path of nn.MultiheadAttention, ViT's) has no
    # ONNX export; it is skipped while parameters need gradients
    grad = torch.enable_grad() if name.startswith("vit_") else torch.no_grad()
    with grad:
        torch.onnx.export(model, args, tmp, opset_version=opset, input_names=names,
                          output_names=["output"], dynamic_axes=dynamic,
                          do_constant_folding=True)
    os.replace(tmp, path)
    print(f"zoo: wrote {path}", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--only", nargs="*",
                    default=[n for n in zoo_models.ZOO
                             if zoo_models.MODELS[n]["source"] in ("torchvision", "torch")])
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(1)
    for name in args.only:
        export(name, args.out)


if __name__ == "__main__":
    main()
