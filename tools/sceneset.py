"""Writes a labelled set of synthetic scenes in the dev-set format (images + labels.tsv), for tuning
the reader's own settings (crop margins, detector decoding, thresholds) without touching
`plates/dev/`. Colour scenes built from detgen's backgrounds, clutter and car surroundings with
plategen's plates (their text is the label) at camera-like sizes.

    tools/.venv/bin/python tools/sceneset.py --kinds cn --n 150 --out /tmp/scenes-cn
    .build/release/checkpoint eval /tmp/scenes-cn --region cn

With --crops the images are plate crops as a detector or an LPR camera would cut them (plategen's
crops, empty box columns), for the crop-reading path.
"""
import argparse
import math
import os

import numpy as np
from PIL import Image

import detgen
import plategen as pg

GROUPS = {"cn": [k for k in pg.KIND_NAMES if k.startswith("cn_")], "us": ["us"], "eu": ["eu"]}


def scene(rng, fonts, kinds, size, min_w, max_w):
    """(RGB image, [(label, region, (x, y, w, h), kind)]) with 1–2 plates of `kinds` on a size×size scene."""
    img = detgen._base(rng, size)
    for _ in range(int(rng.integers(6, 30))):
        detgen._clutter(img, rng, fonts)
    rows, quads, plates, boxes = [], [], [], []
    for _ in range(1 + int(rng.random() < 0.3)):
        kind = kinds[int(rng.integers(len(kinds)))]
        plate, label = pg.render_plate(rng, fonts, kind)
        alpha = plate.getchannel("A")
        plate = pg._degrade(plate.convert("RGB"), rng, strength=detgen._u(rng, 0.2, 0.6)).convert("RGBA")
        plate.putalpha(alpha)
        width = math.exp(detgen._u(rng, math.log(min_w), math.log(max_w)))
        q = detgen._plate_quad(rng, plate.width / plate.height, width)
        lo, hi = q.min(0), q.max(0)
        for _try in range(20):
            c = np.array([detgen._u(rng, -lo[0] + 4, size - hi[0] - 4), detgen._u(rng, -lo[1] + 4, size - hi[1] - 4)])
            box = (c[0] + lo[0], c[1] + lo[1], c[0] + hi[0], c[1] + hi[1])
            if not detgen._overlaps(box, boxes, 0.5 * (hi[1] - lo[1]) + 4):
                break
        else:
            continue
        quads.append(q + c)
        plates.append(plate)
        boxes.append(box)
        region = "cn" if kind.startswith("cn_") else kind
        rows.append((label, region, (box[0], box[1], box[2] - box[0], box[3] - box[1]), kind))
    for q in quads:
        if rng.random() < 0.7:
            detgen._surroundings(img, rng, q)
    for q, plate in zip(quads, plates):
        detgen._warp_onto(img, rng, plate, q)
    return img, rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kinds", default="cn", help="comma-separated: cn, us, eu")
    ap.add_argument("--n", type=int, default=150)
    ap.add_argument("--size", type=int, default=960)
    ap.add_argument("--min-width", type=float, default=70)
    ap.add_argument("--max-width", type=float, default=360)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--stream", type=int, default=20, help="kept apart from the training streams (0–11)")
    ap.add_argument("--crops", action="store_true", help="plate crops instead of scenes")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    kinds = [k for g in args.kinds.split(",") for k in GROUPS[g]]
    fonts = pg.Fonts()
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "labels.tsv"), "w") as f:
        # `kind`: the generator's plate kind (cn_blue, cn_police, us, …), for measuring the reader's plate colour.
        f.write("image\tplate\tx\ty\tw\th\tregion\tkind\n")
        for i in range(args.n):
            rng = np.random.default_rng([args.seed, args.stream, i])
            if args.crops:
                kind = kinds[int(rng.integers(len(kinds)))]
                img, label, _ = pg.gen_crop(rng, fonts, kind)
                name = "crop-%04d.jpg" % i
                img.save(os.path.join(args.out, name), quality=int(rng.integers(70, 95)))
                f.write("%s\t%s\t\t\t\t\t%s\t%s\n" % (name, label, "cn" if kind.startswith("cn_") else kind, kind))
                continue
            img, rows = scene(rng, fonts, kinds, args.size, args.min_width, args.max_width)
            name = "scene-%04d.jpg" % i
            img.save(os.path.join(args.out, name), quality=int(rng.integers(60, 95)))
            for label, region, (x, y, w, h), kind in rows:
                f.write("%s\t%s\t%.0f\t%.0f\t%.0f\t%.0f\t%s\t%s\n" % (name, label, x, y, w, h, region, kind))
    print("wrote", args.n, "crops" if args.crops else "scenes", "to", args.out)


if __name__ == "__main__":
    main()
