#!/usr/bin/env python3
"""Loads a recognizer.cpdm with plain numpy, runs the forward pass and prints the greedy
CTC decode (and optionally the raw logits), independent of the trainer.  It is the reference
the Swift implementation is compared against.  Detector files (header "kind": "detector") are
recognised too: forward_map() gives the C x H/8 x W/8 output and decode_detections() the plates.

    python tools/check_model.py Sources/PlateReader/Resources/recognizer.cpdm crop1.png crop2.jpg
    python tools/check_model.py MODEL crop.png --logits          # full 32 x C logit matrix
    python tools/check_model.py MODEL --generate 8 --seed 3      # synthetic crops (needs plategen.py)
    python tools/check_model.py MODEL --generate 8 --save-dir /tmp/crops   # also write them as PNG

Preprocessing (identical to the Swift side): RGB -> luma 0.299R+0.587G+0.114B (float),
bilinear resize to 128x32 with half-pixel centres and edge clamping, no antialiasing
(src = (dst+0.5)*in/out-0.5), then x = (p/255 - mean)/std with mean = std = 0.5.
Only numpy (and Pillow to read images) is needed.

Detector: python tools/check_model.py detector.cpdm frame.jpg [--det-width 512] [--save-dir /tmp/d]
          python tools/check_model.py detector.cpdm --generate 4 --logits   # synthetic scenes
  preprocessing: luma, area (box) resize to --det-width px wide, x = (p/255 - 0.5)/0.5, padded
  at the bottom/right with 0 to a multiple of 8; the quads are printed in frame pixels.
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


def forward_map(layers, inp):
    """Generic forward pass: inp (H, W) normalised float32 -> output map (C, H', W')."""
    x = inp[None].astype(np.float32)
    for L in layers:
        if L["type"] == "conv":
            x = conv2d(x, L["W"], L["B"], L["padding"])
            if L["relu"]:
                x = np.maximum(x, 0)
        else:
            x = maxpool(x, L["kh"], L["kw"], L["sh"], L["sw"])
    return x


def forward(layers, inp):
    """Recogniser: inp (H, W) normalised float32 -> logits (T, C) with T = output width."""
    x = forward_map(layers, inp)
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


# ----------------------------------------------------------------------------- detector
def detector_input(gray, header):
    """Grey (H, W) 0..255 -> normalised input, padded at the bottom/right to a multiple of the
    stride with 0 (mid grey after normalisation)."""
    inp, st = header["input"], header["stride"]
    x = ((np.asarray(gray, np.float32) / 255.0 - inp["mean"]) / inp["std"]).astype(np.float32)
    H, W = x.shape
    return np.pad(x, ((0, (-H) % st), (0, (-W) % st)))


def components8(mask):
    """8-connected components of a small boolean grid -> list of (rows, cols) index arrays."""
    H, W = mask.shape
    seen = np.zeros_like(mask, bool)
    comps = []
    for r0, c0 in zip(*np.nonzero(mask)):
        if seen[r0, c0]:
            continue
        seen[r0, c0] = True
        stack, rows, cols = [(r0, c0)], [], []
        while stack:
            r, c = stack.pop()
            rows.append(r)
            cols.append(c)
            for dr in (-1, 0, 1):
                for dc in (-1, 0, 1):
                    rr, cc = r + dr, c + dc
                    if 0 <= rr < H and 0 <= cc < W and mask[rr, cc] and not seen[rr, cc]:
                        seen[rr, cc] = True
                        stack.append((rr, cc))
        comps.append((np.array(rows), np.array(cols)))
    return comps


def decode_detections(out, header, threshold=0.5):
    """Detector output (9, H/s, W/s) -> detections sorted by score, each
    {"score": max cell probability, "quad": (4, 2) corners TL,TR,BR,BL in input pixels, "cells": n}.
    Cells with sigmoid(score) >= threshold are grouped by 8-connectivity; a group's quad is the
    probability-weighted mean of its cells' quads (cell centre + offset * geometry_scale)."""
    st, gs = header["stride"], header["geometry_scale"]
    prob = 1.0 / (1.0 + np.exp(-out[0].astype(np.float64)))
    dets = []
    for rows, cols in components8(prob >= threshold):
        w = prob[rows, cols]
        centre = np.stack([(cols + 0.5) * st, (rows + 0.5) * st], -1)  # (n, 2) x, y
        quads = out[1:9, rows, cols].T.reshape(-1, 4, 2) * gs + centre[:, None, :]
        quad = (w[:, None, None] * quads).sum(0) / w.sum()
        dets.append({"score": float(w.max()), "quad": quad, "cells": int(len(rows))})
    dets.sort(key=lambda d: -d["score"])
    return dets


def run_detector(layers, header, rgb, width=512, threshold=0.5):
    """Whole-frame reference: luma, area-resize to `width` px wide (0: as is), pad, forward,
    decode; quads are returned in the frame's own pixel coordinates."""
    from PIL import Image
    g = to_gray(rgb)
    H, W = g.shape
    fx = fy = 1.0
    if width and W != width:
        g = np.asarray(Image.fromarray(g, "F").resize((width, max(1, round(H * width / W))), Image.BOX),
                       np.float32)
        fx, fy = width / W, g.shape[0] / H
    out = forward_map(layers, detector_input(g, header))
    dets = decode_detections(out, header, threshold)
    for d in dets:
        d["quad"] = d["quad"] / np.array([fx, fy])
    return dets, out


def print_layers(header, layers):
    """The layer list and training facts of a model file, one line each."""
    for L in layers:
        if L["type"] == "conv":
            print("  conv %dx%d %s %d->%d%s" % (L["kh"], L["kw"], L["padding"], L["in"], L["out"],
                                                 " relu" if L["relu"] else ""))
        else:
            print("  maxpool %dx%d stride %dx%d" % (L["kh"], L["kw"], L["sh"], L["sw"]))
    if "training" in header:
        print("  training:", json.dumps(header["training"], ensure_ascii=False))


def detector_main(args, header, layers, blob):
    print("model %s v%s (detector): %d bytes, %d float32 weights, stride %d, outputs %s"
          % (header["name"], header["version"], os.path.getsize(args.model), blob.size, header["stride"],
             ",".join(header["outputs"])))
    print_layers(header, layers)
    np.set_printoptions(linewidth=200, precision=3, suppress=True, threshold=10 ** 6)
    items = [(p, load_rgb(p), args.det_width) for p in args.images]
    if args.generate:  # synthetic scenes are already at detector scale: no resize
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import detgen
        import plategen
        fonts = plategen.Fonts()
        for i in range(args.generate):
            g, quads, kinds = detgen.gen_scene(np.random.default_rng([args.seed, 5, i]), fonts)
            print("gen%03d truth: %s" % (i, "; ".join("%s %s" % (detgen.KIND_LABELS[k], np.round(q).astype(int).tolist())
                                                   for k, q in zip(kinds, quads)) or "no plate"))
            items.append(("gen%03d" % i, np.repeat(g[..., None], 3, 2), 0))
    for name, rgb, width in items:
        dets, out = run_detector(layers, header, rgb, width, args.threshold)
        print("%s  %dx%d  -> %d detection(s)" % (name, rgb.shape[1], rgb.shape[0], len(dets)))
        for d in dets:
            print("   score %.3f cells %d quad %s" % (d["score"], d["cells"], np.round(d["quad"], 1).tolist()))
        if args.logits:
            print("score map (sigmoid):\n", 1 / (1 + np.exp(-out[0])))
        if args.save_dir:
            from PIL import Image, ImageDraw
            os.makedirs(args.save_dir, exist_ok=True)
            im = Image.fromarray(np.asarray(rgb, np.uint8)).convert("RGB")
            dr = ImageDraw.Draw(im)
            for d in dets:
                dr.polygon([tuple(p) for p in d["quad"].tolist()], outline=(255, 0, 0))
            im.save(os.path.join(args.save_dir, os.path.basename(name).rsplit(".", 1)[0] + "-det.png"))


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
    ap.add_argument("--save-dir", help="with --generate: save the generated crops as PNG here "
                    "(detector: every image with its detections drawn)")
    ap.add_argument("--det-width", type=int, default=512,
                    help="detector: area-resize frames to this width first (0: as is)")
    ap.add_argument("--threshold", type=float, default=0.5, help="detector: score threshold")
    args = ap.parse_args(argv)

    header, layers, blob = load_cpdm(args.model)
    if header.get("kind") == "detector":
        return detector_main(args, header, layers, blob)
    charset = header["charset"]
    print("model %s v%s: %d bytes, %d float32 weights, charset %d (blank + %d), input %dx%d"
          % (header["name"], header["version"], os.path.getsize(args.model), blob.size, len(charset),
             len(charset) - 1, header["input"]["width"], header["input"]["height"]))
    print_layers(header, layers)
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
