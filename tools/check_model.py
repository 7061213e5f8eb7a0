#!/usr/bin/env python3
"""Loads a recognizer.cpdm with plain numpy, runs the forward pass and prints the greedy
CTC decode (and optionally the raw logits), independent of the trainer.  It is the reference
the Swift implementation is compared against.

    python tools/check_model.py Sources/PlateReader/Resources/recognizer.cpdm crop1.png crop2.jpg
    python tools/check_model.py MODEL crop.png --logits          # full 32 x C logit matrix
    python tools/check_model.py MODEL --generate 8 --seed 3      # synthetic crops (needs plategen.py)
    python tools/check_model.py MODEL --generate 8 --save-dir /tmp/crops   # also write them as PNG

Preprocessing (identical to the Swift side): RGB -> luma 0.299R+0.587G+0.114B (float),
bilinear resize to 128x32 with half-pixel centres and edge clamping, no antialiasing
(src = (dst+0.5)*in/out-0.5), then x = (p/255 - mean)/std with mean = std = 0.5.
Only numpy (and Pillow to read images) is needed.
"""
from __future__ import annotations

import argparse
import json
import os
import struct
import sys

import numpy as np

MAGIC = b"CPDM1\n"


# ----------------------------------------------------------------------------- file format
def load_cpdm(path):
    """Returns (header dict, list of layers with numpy arrays attached)."""
    data = open(path, "rb").read()
    if data[:6] != MAGIC:
        raise ValueError("bad magic %r" % data[:6])
    (n,) = struct.unpack_from("<I", data, 6)
    header = json.loads(data[10:10 + n].decode("utf-8"))
    blob = np.frombuffer(data[10 + n:], dtype="<f4")
    layers = []
    for L in header["layers"]:
        L = dict(L)
        if L["type"] == "conv":
            nw = L["out"] * L["in"] * L["kh"] * L["kw"]
            L["W"] = blob[L["weights"]:L["weights"] + nw].reshape(L["out"], L["in"], L["kh"], L["kw"])
            L["B"] = blob[L["bias"]:L["bias"] + L["out"]]
            if L["W"].size != nw or L["B"].size != L["out"]:
                raise ValueError("blob too short for layer %r" % L)
        elif L["type"] != "maxpool":
            raise ValueError("unknown layer type %r" % L["type"])
        layers.append(L)
    return header, layers, blob


# ----------------------------------------------------------------------------- forward
def conv2d(x, W, B, padding):
    """x: (C, H, W) float32, W: (O, C, kh, kw).  stride 1.
    'same': pad_before = (k-1)//2, pad_after = k-1-pad_before (TF/XLA convention)."""
    O, C, kh, kw = W.shape
    if padding == "same":
        pt, pl = (kh - 1) // 2, (kw - 1) // 2
        x = np.pad(x, ((0, 0), (pt, kh - 1 - pt), (pl, kw - 1 - pl)))
    elif padding != "valid":
        raise ValueError(padding)
    _, H, Wd = x.shape
    oh, ow = H - kh + 1, Wd - kw + 1
    # im2col: (C*kh*kw, oh*ow)
    cols = np.empty((C, kh, kw, oh, ow), dtype=np.float32)
    for i in range(kh):
        for j in range(kw):
            cols[:, i, j] = x[:, i:i + oh, j:j + ow]
    out = W.reshape(O, -1).astype(np.float32) @ cols.reshape(C * kh * kw, oh * ow)
    return out.reshape(O, oh, ow) + B[:, None, None]


def maxpool(x, kh, kw, sh, sw):
    C, H, W = x.shape
    oh, ow = (H - kh) // sh + 1, (W - kw) // sw + 1
    out = np.full((C, oh, ow), -np.inf, dtype=np.float32)
    for i in range(kh):
        for j in range(kw):
            out = np.maximum(out, x[:, i:i + sh * (oh - 1) + 1:sh, j:j + sw * (ow - 1) + 1:sw])
    return out


def forward(layers, inp):
    """inp: (H, W) normalised float32 -> logits (T, C) with T = output width."""
    x = inp[None].astype(np.float32)
    for L in layers:
        if L["type"] == "conv":
            x = conv2d(x, L["W"], L["B"], L["padding"])
            if L["relu"]:
                x = np.maximum(x, 0)
        else:
            x = maxpool(x, L["kh"], L["kw"], L["sh"], L["sw"])
    C, H, W = x.shape
    assert H == 1, "final feature map height must be 1, got %d" % H
    return x[:, 0, :].T  # (T, C)


def greedy_decode(logits, charset):
    best = logits.argmax(axis=1)
    out, prev = [], 0
    for k in best:
        if k != prev and k != 0:
            out.append(charset[k])
        prev = k
    return "".join(out)


# ----------------------------------------------------------------------------- preprocessing
def to_gray(rgb):
    rgb = rgb.astype(np.float32)
    return rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587 + rgb[..., 2] * 0.114


def resize_bilinear(gray, out_w, out_h):
    h, w = gray.shape
    ys = np.clip((np.arange(out_h) + 0.5) * h / out_h - 0.5, 0, h - 1)
    xs = np.clip((np.arange(out_w) + 0.5) * w / out_w - 0.5, 0, w - 1)
    y0 = np.floor(ys).astype(int); y1 = np.minimum(y0 + 1, h - 1); fy = (ys - y0)[:, None]
    x0 = np.floor(xs).astype(int); x1 = np.minimum(x0 + 1, w - 1); fx = (xs - x0)[None, :]
    g = gray.astype(np.float32)
    top = g[y0][:, x0] * (1 - fx) + g[y0][:, x1] * fx
    bot = g[y1][:, x0] * (1 - fx) + g[y1][:, x1] * fx
    return (top * (1 - fy) + bot * fy).astype(np.float32)


def preprocess_rgb(rgb, header):
    inp = header["input"]
    g = resize_bilinear(to_gray(rgb), inp["width"], inp["height"])
    return ((g / 255.0 - inp["mean"]) / inp["std"]).astype(np.float32)


def load_rgb(path):
    from PIL import Image
    return np.asarray(Image.open(path).convert("RGB"))


# ----------------------------------------------------------------------------- CLI
def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model")
    ap.add_argument("images", nargs="*", help="PNG/JPEG crops of located plates")
    ap.add_argument("--logits", action="store_true", help="print the full logit matrix (T rows x C)")
    ap.add_argument("--input", action="store_true", help="print the preprocessed 32x128 input")
    ap.add_argument("--generate", type=int, default=0, help="also run N synthetic crops from plategen")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--save-dir", help="with --generate: save the generated crops as PNG here")
    args = ap.parse_args(argv)

    header, layers, blob = load_cpdm(args.model)
    charset = header["charset"]
    print("model %s v%s: %d bytes, %d float32 weights, charset %d (blank + %d), input %dx%d"
          % (header["name"], header["version"], os.path.getsize(args.model), blob.size, len(charset),
             len(charset) - 1, header["input"]["width"], header["input"]["height"]))
    for L in layers:
        if L["type"] == "conv":
            print("  conv %dx%d %s %d->%d%s" % (L["kh"], L["kw"], L["padding"], L["in"], L["out"],
                                                 " relu" if L["relu"] else ""))
        else:
            print("  maxpool %dx%d stride %dx%d" % (L["kh"], L["kw"], L["sh"], L["sw"]))
    if "training" in header:
        print("  training:", json.dumps(header["training"], ensure_ascii=False))
    np.set_printoptions(linewidth=200, precision=4, suppress=True, threshold=10 ** 6)

    items = [(p, load_rgb(p), None) for p in args.images]
    if args.generate:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import plategen
        fonts = plategen.Fonts()
        if args.save_dir:
            os.makedirs(args.save_dir, exist_ok=True)
        for i in range(args.generate):
            rng = np.random.default_rng([args.seed, 5, i])
            img, label, kind = plategen.gen_crop(rng, fonts)
            name = "gen%03d-%s" % (i, kind)
            if args.save_dir:
                name = os.path.join(args.save_dir, name + ".png")
                img.save(name)
            items.append((name, np.asarray(img), label))

    ok = 0
    for name, rgb, label in items:
        x = preprocess_rgb(rgb, header)
        lg = forward(layers, x)
        text = greedy_decode(lg, charset)
        e = np.exp(lg - lg.max(1, keepdims=True))
        conf = float(np.prod((e / e.sum(1, keepdims=True)).max(1)))
        line = "%s  %dx%d  -> %s  (path prob %.3f)" % (name, rgb.shape[1], rgb.shape[0], text, conf)
        if label is not None:
            ok += text == label
            line += "   truth %s %s" % (label, "OK" if text == label else "WRONG")
        print(line)
        if args.input:
            print("input (32x128):\n", x)
        if args.logits:
            print("argmax per column:", lg.argmax(1).tolist())
            print("logits (T=%d rows x C=%d):\n" % lg.shape, lg)
    if args.generate:
        print("synthetic exact match: %d/%d" % (ok, args.generate))


if __name__ == "__main__":
    main()
