"""The vibration anomaly detector: training of the vibration_ae autoencoder on clean windows
of the kernel module's synthetic vibration sensor, and the calibration of its threshold.

The sensor (kmod/uapi/edgeml_uapi.h, EDGEML_SOURCE_VIBRATION with EDGEML_RING_VIB_F32) sends
x / 32768 for x = two integer sines (periods 64 and 10 samples); anomalous frames are x times a
gain of 2..16, saturated. The autoencoder learns to reconstruct clean windows only, so its
reconstruction error (mean squared error over the 256 samples) rises on anything else; the
threshold is set from clean data alone (see docs/stream.md for the measured figures).

Training is plain numpy (full-batch-free Adam over seeded mini-batches, a few seconds), so the
models stay reproducible from their seed without a deep-learning framework.
"""
import numpy as np
from onnx import numpy_helper

WINDOW = 256
P1, A1, P2, A2 = 32, 6000, 5, 1500  # EDGEML_VIB_P1/A1/P2/A2 of the UAPI header


def tone(u, half, amp):
    """Bhaskara's integer sine of the kernel module, over an int64 array of sample indices."""
    p = u % half
    q = p * (half - p)
    v = amp * 16 * q // (5 * half * half - 4 * q)
    return np.where((u // half) % 2 == 0, v, -v)


def sensor_window(start, gain=1, n=WINDOW):
    """The sensor's float32 samples for sample indices start..start+n-1 (as the module sends
    them: exact x / 32768 of the saturated int16 signal)."""
    u = np.arange(start, start + n, dtype=np.int64)
    x = tone(u, P1, A1) + tone(u, P2, A2)
    x = np.clip(x * gain, -32768, 32767)
    return (x.astype(np.float32) / np.float32(32768)).astype(np.float32)


def clean_batch(rng, count):
    """Clean training windows: any phase, amplitude within +-15 % and a little sensor noise, so
    the model learns the signal's shape rather than the exact frames."""
    out = np.empty((count, 1, WINDOW), np.float32)
    for i in range(count):
        w = sensor_window(int(rng.integers(0, 640))) * rng.uniform(0.85, 1.15)
        out[i, 0] = w + rng.normal(0, 0.004, WINDOW)
    return out


# ---- a minimal numpy autoencoder (the layers of make_models.vibration_ae) -----------------

def conv_fwd(x, w, b, stride, pad):
    """1-D convolution as ONNX Conv: x [B, Ci, L], w [Co, Ci, K] -> [B, Co, Lo]; returns the
    output and the im2col matrix the backward pass needs."""
    k = w.shape[2]
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad)))
    lo = (xp.shape[2] - k) // stride + 1
    idx = np.arange(k)[:, None] + stride * np.arange(lo)[None, :]
    cols = xp[:, :, idx].reshape(x.shape[0], -1, lo)  # [B, Ci*K, Lo]
    y = np.matmul(w.reshape(w.shape[0], -1), cols) + b[None, :, None]
    return y, (cols, xp.shape, idx)


def conv_bwd(dy, w, cache, stride, pad):
    """Gradients of conv_fwd: dx, dw, db."""
    cols, xshape, idx = cache
    co, ci, k = w.shape
    dw = np.matmul(dy, cols.transpose(0, 2, 1)).sum(axis=0).reshape(w.shape)
    db = dy.sum(axis=(0, 2))
    dcols = np.matmul(w.reshape(co, -1).T, dy).reshape(dy.shape[0], ci, k, -1)
    dxp = np.zeros(xshape, np.float32)
    for j in range(k):
        dxp[:, :, idx[j]] += dcols[:, :, j, :]
    return dxp[:, :, pad:xshape[2] - pad], dw, db


# (conv name prefix, stride, upsample before, relu after) in graph order.
LAYERS = [(2, False, True), (2, False, True), (2, False, True),
          (1, True, True), (1, True, True), (1, True, False)]


def forward(params, x, keep=False):
    """The autoencoder on x [B, 1, 256]; with keep, the caches for backward."""
    caches = []
    for (w, b), (stride, up, relu) in zip(params, LAYERS):
        if up:
            x = np.repeat(x, 2, axis=2)
        y, c = conv_fwd(x, w, b, stride, w.shape[2] // 2)
        x = np.maximum(y, 0) if relu else y
        caches.append((c, y))
    return (x, caches) if keep else x


def backward(params, caches, dout):
    """Gradients of every (w, b) for the output gradient dout."""
    grads = [None] * len(params)
    d = dout
    for i in reversed(range(len(params))):
        (w, _), (stride, up, relu) = params[i], LAYERS[i]
        c, y = caches[i]
        if relu:
            d = d * (y > 0)
        d, dw, db = conv_bwd(d, w, c, stride, w.shape[2] // 2)
        grads[i] = (dw, db)
        if up:
            d = d.reshape(d.shape[0], d.shape[1], -1, 2).sum(axis=3)
    return grads


def conv_params(model):
    """The (weight, bias) initializer names of the model's Conv nodes, in graph order."""
    return [(n.input[1], n.input[2]) for n in model.graph.node if n.op_type == "Conv"]


def train(model, seed, steps=800, batch=16, lr=2e-3):
    """Trains the autoencoder's Conv weights in place (Adam, MSE on clean windows); returns the
    final training loss."""
    rng = np.random.default_rng(seed)
    inits = {i.name: i for i in model.graph.initializer}
    names = conv_params(model)
    params = [(numpy_helper.to_array(inits[w]).astype(np.float32),
               numpy_helper.to_array(inits[b]).astype(np.float32)) for w, b in names]
    m = [(np.zeros_like(w), np.zeros_like(b)) for w, b in params]
    v = [(np.zeros_like(w), np.zeros_like(b)) for w, b in params]
    b1, b2, eps = 0.9, 0.999, 1e-8
    loss = 0.0
    for t in range(1, steps + 1):
        x = clean_batch(rng, batch)
        out, caches = forward(params, x, keep=True)
        diff = out - x
        loss = float(np.mean(diff * diff))
        grads = backward(params, caches, (2.0 / diff.size) * diff)
        rate = lr * (0.1 if t > steps * 3 // 4 else 1.0)
        for i, g in enumerate(grads):
            new = []
            for j in range(2):
                m[i][j][...] = b1 * m[i][j] + (1 - b1) * g[j]
                v[i][j][...] = b2 * v[i][j] + (1 - b2) * g[j] * g[j]
                mh = m[i][j] / (1 - b1 ** t)
                vh = v[i][j] / (1 - b2 ** t)
                new.append((params[i][j] - rate * mh / (np.sqrt(vh) + eps)).astype(np.float32))
            params[i] = tuple(new)
    for (w, b), (wn, bn) in zip(params, names):
        inits[wn].CopyFrom(numpy_helper.from_array(w, wn))
        inits[bn].CopyFrom(numpy_helper.from_array(b, bn))
    return loss


def recon_errors(session, input_name, windows):
    """Mean squared reconstruction error of each window under an onnxruntime session."""
    return np.array([float(np.mean((session.run(None, {input_name: w[None]})[0] - w[None]) ** 2))
                     for w in windows])


def calibrate(model_path, input_name, seed, margin=3.0):
    """The anomaly threshold of a model: margin times the largest reconstruction error over
    clean calibration windows (augmented like the training data, other seed). Returns the
    threshold and the clean errors' max and mean, for the record."""
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    sess = ort.InferenceSession(model_path, so, providers=["CPUExecutionProvider"])
    clean = recon_errors(sess, input_name, clean_batch(np.random.default_rng(seed), 256))
    return float(margin * clean.max()), float(clean.max()), float(clean.mean())


def evaluate(model_path, input_name, threshold):
    """Detection on the sensor's exact frames (the 5 clean phases of a 256-sample frame, all
    8 channel shifts) and on anomalous frames at each gain 2..16: fraction flagged."""
    import onnxruntime as ort
    sess = ort.InferenceSession(model_path, providers=["CPUExecutionProvider"])
    starts = [s * WINDOW + 16 * c for s in range(5) for c in range(8)]
    clean = recon_errors(sess, input_name, [sensor_window(s)[None] for s in starts])
    flagged = {g: float(np.mean(recon_errors(sess, input_name,
                                             [sensor_window(s, g)[None] for s in starts]) > threshold))
               for g in range(2, 17)}
    return float(np.mean(clean > threshold)), float(clean.max()), flagged


def record(out_dir, model_paths, input_name, seed):
    """Calibrates the threshold of each model file, measures detection on the sensor's frames,
    and writes MODEL.threshold (the number, for `edgeml stream --threshold`) and
    vibration_ae.detection.json (all figures) next to the models."""
    import json
    import os
    report = {"metric": "mean squared error of the reconstruction over the 256 samples",
              "threshold_rule": "3 x the largest error on 256 clean calibration windows",
              "models": {}}
    for path in model_paths:
        thr, cmax, cmean = calibrate(path, input_name, seed)
        fp, frame_max, flagged = evaluate(path, input_name, thr)
        name = os.path.basename(path)
        report["models"][name] = {"threshold": thr, "calibration_max": cmax,
                                  "calibration_mean": cmean, "sensor_clean_max": frame_max,
                                  "sensor_false_positive_rate": fp,
                                  "sensor_flagged_by_gain": flagged}
        with open(os.path.splitext(path)[0] + ".threshold", "w") as f:
            f.write(f"{thr:.9g}\n")
        print(f"models: {name}: threshold {thr:.3g} (clean max {cmax:.3g}), false positives "
              f"{fp:.0%}, flagged at gain 2: {flagged[2]:.0%}, gain 3-16: "
              f"{min(flagged[g] for g in range(3, 17)):.0%}")
    with open(os.path.join(out_dir, "vibration_ae.detection.json"), "w") as f:
        json.dump(report, f, indent=1)
