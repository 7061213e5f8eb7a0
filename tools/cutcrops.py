"""Cuts every labelled plate of a scene set (sceneset.py) out of its scene with a random margin, as another
system (a data set, an LPR camera) cuts plates: the crop-reading path's test of loose crops.

    tools/.venv/bin/python tools/cutcrops.py SCENES_DIR OUT_DIR [--seed 7]

Margins per side: −2 % to 15 % of the plate's width left and right, 0 to 30 % of its height above and
below (a whole plate with some car round it); deterministic for a seed.
"""
import argparse
import os

import numpy as np
from PIL import Image


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("scenes")
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.scenes, "labels.tsv")) as f:
        lines = f.read().splitlines()
    header, rows = lines[0].split("\t"), [line.split("\t") for line in lines[1:]]
    kinds = "kind" in header  # sceneset.py's plate kinds, carried over
    with open(os.path.join(args.out, "labels.tsv"), "w") as f:
        f.write("image\tplate\tx\ty\tw\th\tregion" + ("\tkind" if kinds else "") + "\n")
        for i, row in enumerate(rows):
            image, plate, x, y, w, h, region = row[:7]
            rng = np.random.default_rng([args.seed, i])
            scene = Image.open(os.path.join(args.scenes, image)).convert("RGB")
            x, y, w, h = float(x), float(y), float(w), float(h)
            left = x - w * rng.uniform(-0.02, 0.15)
            right = x + w + w * rng.uniform(-0.02, 0.15)
            top = y - h * rng.uniform(0, 0.3)
            bottom = y + h + h * rng.uniform(0, 0.3)
            box = (max(0, round(left)), max(0, round(top)), min(scene.width, round(right)), min(scene.height, round(bottom)))
            name = "crop-%04d.jpg" % i
            scene.crop(box).save(os.path.join(args.out, name), quality=90)
            f.write("%s\t%s\t\t\t\t\t%s" % (name, plate, region) + ("\t" + row[header.index("kind")] if kinds else "") + "\n")
    print("cut", len(rows), "plates to", args.out)


if __name__ == "__main__":
    main()
