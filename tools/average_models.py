#!/usr/bin/env python3
"""Averages the weights of .cpdm models fine-tuned from one starting model (a "model soup").

Fine-tunes that start from the same weights stay close to each other, so their average is a model
too, and usually a better one than each: the errors each run picks up from its own data order and
samples differ, the knowledge they share does not. Batch norm is already folded into the files, so
the average is taken over the folded weights (close enough for runs this close; check the result).

    tools/.venv/bin/python tools/average_models.py --out soup.cpdm a.cpdm b.cpdm

The header of the first file is kept (architecture, charset, priors); `training.soup` lists the inputs
and the province priors become the mean of theirs.
"""
import argparse
import json
import os
import struct
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import check_model  # noqa: E402


def read(path):
    data = open(path, "rb").read()
    if data[:6] != check_model.MAGIC:
        raise SystemExit("%s: not a .cpdm model" % path)
    (n,) = struct.unpack_from("<I", data, 6)
    return json.loads(data[10:10 + n].decode("utf-8")), np.frombuffer(data[10 + n:], dtype="<f4")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("models", nargs="+")
    args = ap.parse_args(argv)
    if len(args.models) < 2:
        raise SystemExit("give at least two models to average")
    headers, blobs = zip(*(read(p) for p in args.models))
    for path, h, b in zip(args.models, headers, blobs):
        if h["layers"] != headers[0]["layers"] or h.get("charset") != headers[0].get("charset") or b.size != blobs[0].size:
            raise SystemExit("%s has another architecture or charset than %s" % (path, args.models[0]))
    header = json.loads(json.dumps(headers[0]))
    priors = [h.get("priors", {}).get("province", {}) for h in headers]
    if all(priors):
        keys = sorted(set().union(*priors))
        header["priors"]["province"] = {k: round(float(np.mean([p.get(k, 0.0) for p in priors])), 5) for k in keys}
    header.setdefault("training", {})["soup"] = [
        {"file": os.path.basename(p), "command": h.get("training", {}).get("command", ""),
         "val_accuracy": h.get("training", {}).get("val_accuracy"),
         "val_accuracy_synthetic": h.get("training", {}).get("val_accuracy_synthetic")}
        for p, h in zip(args.models, headers)]
    average = np.mean(np.stack([b.astype(np.float64) for b in blobs]), axis=0).astype("<f4")
    hjson = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    tmp = args.out + ".tmp"
    with open(tmp, "wb") as f:
        f.write(check_model.MAGIC)
        f.write(struct.pack("<I", len(hjson)))
        f.write(hjson)
        f.write(average.tobytes())
    os.replace(tmp, args.out)
    check_model.load_cpdm(args.out)  # parses back
    print("wrote %s: the mean of %d models, %d weights" % (args.out, len(blobs), average.size))


if __name__ == "__main__":
    main()
