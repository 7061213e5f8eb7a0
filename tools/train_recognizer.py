#!/usr/bin/env python3
"""Trains the licence-plate character recogniser (small CNN + CTC) and exports recognizer.cpdm.

    tools/.venv/bin/python tools/train_recognizer.py --seed 1 \
        --out Sources/PlateReader/Resources/recognizer.cpdm

Data: synthetic crops from plategen.py plus the real crops in
/work/shared/data/plates/train/cn-crops (never anything under plates/dev/).
Deterministic for a given --seed (and the same package versions / fonts).
"""
from __future__ import annotations

import argparse
import json
import collections
import hashlib
import os
import struct
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_REAL = "/work/shared/data/plates/train/cn-crops"


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default=os.path.join(HERE, "..", "Sources/PlateReader/Resources/recognizer.cpdm"))
    ap.add_argument("--real-dir", default=DEFAULT_REAL)
    ap.add_argument("--synthetic", type=int, default=90000, help="synthetic training crops (generated up front)")
    ap.add_argument("--real-copies", type=int, default=12, help="augmented copies of each real training crop")
    ap.add_argument("--swap-share", type=float, default=0.5,
                    help="share of the augmented real copies whose province character is replaced "
                         "(plategen.swap_province, uniform over the 31 provinces)")
    ap.add_argument("--val-real", type=int, default=60, help="real crops held out for validation")
    ap.add_argument("--val-synthetic", type=int, default=1000)
    ap.add_argument("--steps", type=int, default=9000)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--weight-decay", type=float, default=1e-4)
    ap.add_argument("--warmup", type=int, default=150)
    ap.add_argument("--channels", default="16,32,64,64,96,192")
    ap.add_argument("--context", type=int, default=0,
                    help="1x3 conv layers over the columns after the 4x1 layer (wider view along the plate); "
                         "with --init, those the file lacks start as the identity")
    ap.add_argument("--eval-every", type=int, default=500)
    ap.add_argument("--threads", type=int, default=2, help="CPU cores used (affinity) by XLA and data workers")
    ap.add_argument("--init", default="",
                    help="start from this .cpdm model (same architecture) instead of random weights: "
                         "a fine-tune, e.g. with --steps 3000 --lr 1e-3")
    ap.add_argument("--cache", default=os.path.join(HERE, ".cache"),
                    help="where generated data sets are cached (keyed by seed and sizes); '' disables")
    return ap.parse_args(argv)


ARGS = parse_args() if __name__ == "__main__" else None

# Limit the CPU use before jax is imported: XLA sizes its thread pool from the affinity mask.
if ARGS is not None:
    sys.path.insert(0, HERE)
    from cpulimit import limit_cpus  # noqa: E402
    limit_cpus(ARGS.threads)

import numpy as np  # noqa: E402

sys.path.insert(0, HERE)
import plategen as pg  # noqa: E402
import check_model  # noqa: E402

# ----------------------------------------------------------------------------- data
_FONTS = None


def _fonts():
    global _FONTS
    if _FONTS is None:
        _FONTS = pg.Fonts()
    return _FONTS


def _gen_synth_chunk(task):
    seed, stream, start, n = task
    fonts = _fonts()
    X = np.empty((n, pg.INPUT_H, pg.INPUT_W), np.uint8)
    labels, kinds = [], []
    for k in range(n):
        rng = np.random.default_rng([seed, stream, start + k])
        img, label, kind = pg.gen_crop(rng, fonts)
        # validation uses the canonical (inference) preprocessing
        X[k] = pg.to_model_input_u8(img, rng if stream == 0 else None)
        labels.append(label)
        kinds.append(kind)
    return X, labels, kinds


_REAL = None


def _gen_real_chunk(task):
    seed, paths, labels, idxs, copies, swap_share = task
    from PIL import Image
    fonts = _fonts()
    X, out_labels, kinds = [], [], []
    for i, p, lab in zip(idxs, paths, labels):
        img = Image.open(p).convert("RGB")
        for c in range(copies):
            rng = np.random.default_rng([seed, 1, i, c])
            src, l2, kind = img, lab, "real"
            if rng.random() < swap_share:
                src, l2 = pg.swap_province(img, lab, rng, fonts)
                kind = "real" if src is img else "real_swap"
            X.append(pg.to_model_input_u8(pg.augment_real(src, rng), rng))
            out_labels.append(l2)
            kinds.append(kind)
    return np.stack(X), out_labels, kinds


def _run_pool(fn, tasks, workers):
    if workers <= 1:
        return [fn(t) for t in tasks]
    import multiprocessing as mp
    with mp.get_context("fork").Pool(workers) as pool:
        return pool.map(fn, tasks, chunksize=1)


def read_real(real_dir):
    rows = []
    with open(os.path.join(real_dir, "labels.tsv"), encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        ci, cp = header.index("image"), header.index("plate")
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) > cp and parts[cp]:
                rows.append((os.path.join(real_dir, parts[ci]), parts[cp]))
    rows.sort()
    return rows


def build_data(args, log):
    if "/plates/dev" in os.path.abspath(args.real_dir).replace("\\", "/"):
        raise SystemExit("refusing to train on the dev set")
    rows = read_real(args.real_dir)
    for _, lab in rows:
        pg.encode(lab)  # validates the charset
    perm = np.random.default_rng([args.seed, 3]).permutation(len(rows))
    val_rows = [rows[i] for i in perm[:args.val_real]]
    train_ids = sorted(perm[args.val_real:].tolist())
    train_rows = [rows[i] for i in train_ids]

    # The key covers the generator and the code above that builds the set, not the training code,
    # so a change to training reuses the cached data.
    import inspect
    data_code = "".join(inspect.getsource(f) for f in (_gen_synth_chunk, _gen_real_chunk, read_real, build_data))
    src = hashlib.sha1(open(pg.__file__, "rb").read() + data_code.encode("utf-8")).hexdigest()[:10]
    key = "s%d-n%d-r%d-v%d-vs%d-sw%g-%s" % (args.seed, args.synthetic, args.real_copies, args.val_real,
                                            args.val_synthetic, args.swap_share, src)
    cache = os.path.join(args.cache, "data-%s.npz" % key) if args.cache else None
    if cache and os.path.exists(cache):
        z = np.load(cache, allow_pickle=False)
        log("loaded cached data set %s" % cache)
        return (z["X"], list(z["L"]), list(z["K"]), z["VX"], list(z["VL"]), list(z["VK"]),
                val_rows, len(rows))

    t0 = time.time()
    chunk = 500
    tasks = [(args.seed, 0, s, min(chunk, args.synthetic - s)) for s in range(0, args.synthetic, chunk)]
    vtasks = [(args.seed, 2, s, min(chunk, args.val_synthetic - s)) for s in range(0, args.val_synthetic, chunk)]
    rtasks = []
    for s in range(0, len(train_rows), 60):
        part = train_rows[s:s + 60]
        rtasks.append((args.seed, [p for p, _ in part], [l for _, l in part],
                       train_ids[s:s + 60], args.real_copies, args.swap_share))
    workers = max(1, args.threads)
    res = _run_pool(_gen_synth_chunk, tasks, workers)
    log("generated %d synthetic crops in %.0fs" % (args.synthetic, time.time() - t0))
    rres = _run_pool(_gen_real_chunk, rtasks, workers) if args.real_copies > 0 else []
    vres = _run_pool(_gen_synth_chunk, vtasks, workers)
    X = np.concatenate([r[0] for r in res] + [r[0] for r in rres])
    L = sum([r[1] for r in res] + [r[1] for r in rres], [])
    K = sum([r[2] for r in res] + [r[2] for r in rres], [])
    VX = np.concatenate([r[0] for r in vres])
    VL = sum([r[1] for r in vres], [])
    VK = sum([r[2] for r in vres], [])
    log("data ready in %.0fs: %d train (%d synthetic + %d augmented real from %d crops, %d of them "
        "province-swapped), %d synthetic val, %d real val" % (
            time.time() - t0, len(X), args.synthetic, len(X) - args.synthetic, len(train_rows),
            sum(k == "real_swap" for k in K), len(VX), len(val_rows)))
    if cache:
        os.makedirs(os.path.dirname(cache), exist_ok=True)
        np.savez(cache + ".tmp.npz", X=X, L=np.array(L), K=np.array(K), VX=VX, VL=np.array(VL), VK=np.array(VK))
        os.replace(cache + ".tmp.npz", cache)
    return X, L, K, VX, VL, VK, val_rows, len(rows)


def encode_labels(labels):
    Y = np.zeros((len(labels), pg.MAX_LABEL), np.int32)
    P = np.ones((len(labels), pg.MAX_LABEL), np.float32)
    for i, lab in enumerate(labels):
        ids = pg.encode(lab)
        Y[i, :len(ids)] = ids
        P[i, :len(ids)] = 0
    return Y, P


# ----------------------------------------------------------------------------- model
def architecture(chans, ncls, context=0):
    c1, c2, c3, c4, c5, c6 = chans
    return [
        ("conv", 1, c1, 3, 3, "same", True), ("pool", 2, 2, 2, 2),
        ("conv", c1, c2, 3, 3, "same", True), ("pool", 2, 2, 2, 2),
        ("conv", c2, c3, 3, 3, "same", True),
        ("conv", c3, c4, 3, 3, "same", True), ("pool", 2, 1, 2, 1),
        ("conv", c4, c5, 3, 3, "same", True),
        ("conv", c5, c6, 4, 1, "valid", True),
    ] + [("conv", c6, c6, 1, 3, "same", True)] * context + [
        ("conv", c6, ncls, 1, 1, "valid", False),
    ]


def make_model(arch, head_bias=None, keep_map=False):
    """Conv (+ batch norm + ReLU) and max-pool layers from `arch`, as (init, apply).

    `head_bias(cout)` sets the last conv's initial bias (zeros by default); `keep_map` returns the
    whole output map (the detector) instead of its first row (the recogniser's columns)."""
    import jax
    import jax.numpy as jnp

    convs = [a for a in arch if a[0] == "conv"]

    def init(key):
        params, state = [], []
        keys = jax.random.split(key, len(convs))
        for k, (_, cin, cout, kh, kw, _, relu) in zip(keys, convs):
            std = np.sqrt(2.0 / (cin * kh * kw)) if relu else np.sqrt(1.0 / (cin * kh * kw))
            w = jax.random.normal(k, (kh, kw, cin, cout), jnp.float32) * std  # HWIO
            if relu:  # conv (no bias) -> batch norm -> relu
                params.append({"w": w, "g": jnp.ones(cout), "b": jnp.zeros(cout)})
                state.append({"m": jnp.zeros(cout), "v": jnp.ones(cout)})
            else:
                params.append({"w": w, "bias": head_bias(cout) if head_bias else jnp.zeros(cout)})
                state.append({})
        return params, state

    def apply(params, state, x, train):
        """x: (B, 32, 128, 1) -> logits (B, T, C), new state."""
        new_state = []
        ci = 0
        for a in arch:
            if a[0] == "pool":
                x = _pool(x, a)
                continue
            _, cin, cout, kh, kw, pad, relu = a
            p, s = params[ci], state[ci]
            ci += 1
            x = _conv(x, p["w"], pad)
            if relu:
                if train:
                    m = x.mean(axis=(0, 1, 2))
                    v = x.var(axis=(0, 1, 2))
                    new_state.append({"m": 0.95 * s["m"] + 0.05 * m, "v": 0.95 * s["v"] + 0.05 * v})
                else:
                    m, v = s["m"], s["v"]
                    new_state.append(s)
                x = (x - m) * (p["g"] / jnp.sqrt(v + BN_EPS)) + p["b"]
                x = jax.nn.relu(x)
            else:
                x = x + p["bias"]
                new_state.append(s)
        return (x if keep_map else x[:, 0, :, :]), new_state

    return init, apply


BN_EPS = 1e-5


def _pool(x, layer):
    """Max pooling of NHWC `x` as `("pool", kh, kw, sh, sw)` says."""
    import jax
    import jax.numpy as jnp
    _, kh, kw, sh, sw = layer
    return jax.lax.reduce_window(x, -jnp.inf, jax.lax.max, (1, kh, kw, 1), (1, sh, sw, 1), "VALID")


def _conv(x, w, pad):
    """Stride-1 convolution of NHWC `x` with HWIO `w`, padding "same" or "valid"."""
    import jax
    return jax.lax.conv_general_dilated(x, w, (1, 1), pad.upper(), dimension_numbers=("NHWC", "HWIO", "NHWC"))


def unfold_model(path, arch, calib_u8):
    """Params and batch-norm state that compute what the folded model at `path` computes.

    Export folds batch norm into each conv (w·s, b − m·s), so the norm's own parameters are gone.
    They are recovered from a calibration batch: with z the folded conv's output (no bias),
    the norm gets m, v = mean, var of z, and g = √(v + ε), b = m + bias; it then maps z to
    z + bias exactly at inference and, on batches like the calibration one, in training too."""
    import jax
    import jax.numpy as jnp

    _, layers, _ = check_model.load_cpdm(path)
    convs = [L for L in layers if L["type"] == "conv"]
    want = [a for a in arch if a[0] == "conv"]
    # A layer the file lacks with as many channels out as in, ReLU and an odd kernel ("same": a context
    # layer, a detector's extra layer) starts as the identity, its kernel's centre tap: its input is a
    # ReLU's output, so identity + ReLU changes nothing.
    matched, fi = [], 0
    for a in want:
        if fi < len(convs) and (convs[fi]["in"], convs[fi]["out"], convs[fi]["kh"], convs[fi]["kw"]) == a[1:5]:
            matched.append(convs[fi])
            fi += 1
        elif a[1] == a[2] and a[6] and a[3] % 2 == 1 and a[4] % 2 == 1:
            W = np.zeros((a[2], a[1], a[3], a[4]), np.float32)
            W[np.arange(a[2]), np.arange(a[1]), a[3] // 2, a[4] // 2] = 1.0
            matched.append({"W": W, "B": np.zeros(a[2], np.float32)})
        else:
            break
    if fi != len(convs) or len(matched) != len(want):
        raise SystemExit("%s has another architecture than --channels and --context ask for" % path)
    convs = matched
    x = jnp.asarray(((calib_u8.astype(np.float32) / 255.0) - 0.5) / 0.5)[..., None]
    params, state, ci = [], [], 0
    for a in arch:
        if a[0] == "pool":
            x = _pool(x, a)
            continue
        _, cin, cout, kh, kw, pad, relu = a
        L = convs[ci]
        ci += 1
        w = jnp.asarray(np.ascontiguousarray(L["W"].transpose(2, 3, 1, 0)))  # OIHW -> HWIO
        bias = jnp.asarray(L["B"])
        z = _conv(x, w, pad)
        if relu:
            m, v = z.mean(axis=(0, 1, 2)), z.var(axis=(0, 1, 2))
            params.append({"w": w, "g": jnp.sqrt(v + BN_EPS), "b": m + bias})
            state.append({"m": m, "v": v})
            x = jax.nn.relu(z + bias)
        else:
            params.append({"w": w, "bias": bias})
            state.append({})
    return params, state


def fold_and_export(params, state, arch, header, path):
    """Folds batch norm into the convs and writes the .cpdm file."""
    blob, layers = [], []
    off = 0
    ci = 0
    for a in arch:
        if a[0] == "pool":
            _, kh, kw, sh, sw = a
            layers.append({"type": "maxpool", "kh": kh, "kw": kw, "sh": sh, "sw": sw})
            continue
        _, cin, cout, kh, kw, pad, relu = a
        p, s = params[ci], state[ci]
        ci += 1
        w = np.asarray(p["w"], np.float64).transpose(3, 2, 0, 1)  # HWIO -> OIHW
        if relu:
            scale = np.asarray(p["g"], np.float64) / np.sqrt(np.asarray(s["v"], np.float64) + BN_EPS)
            w = w * scale[:, None, None, None]
            b = np.asarray(p["b"], np.float64) - np.asarray(s["m"], np.float64) * scale
        else:
            b = np.asarray(p["bias"], np.float64)
        wf, bf = w.astype("<f4").ravel(), b.astype("<f4").ravel()
        layers.append({"type": "conv", "in": cin, "out": cout, "kh": kh, "kw": kw, "padding": pad,
                       "relu": relu, "weights": off, "bias": off + wf.size})
        off += wf.size + bf.size
        blob += [wf, bf]
    header = dict(header)
    header["layers"] = layers
    hjson = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(check_model.MAGIC)
        f.write(struct.pack("<I", len(hjson)))
        f.write(hjson)
        f.write(np.concatenate(blob).astype("<f4").tobytes())
    os.replace(tmp, path)
    return off


# ----------------------------------------------------------------------------- training
def main(args):
    t_start = time.time()

    def log(msg):
        print("[%6.0fs] %s" % (time.time() - t_start, msg), flush=True)

    X, L, K, VX, VL, VK, val_rows, n_real = build_data(args, log)

    import jax
    import jax.numpy as jnp
    import optax

    log("jax %s on %s, affinity %s" % (jax.__version__, jax.devices(), sorted(os.sched_getaffinity(0))))
    chans = [int(c) for c in args.channels.split(",")]
    ncls = len(pg.CHARSET)
    arch = architecture(chans, ncls, args.context)
    init, apply = make_model(arch)
    params, state = init(jax.random.PRNGKey(args.seed))
    if args.init:
        params, state = unfold_model(args.init, arch, X[np.random.default_rng([args.seed, 5]).choice(len(X), min(1024, len(X)), replace=False)])
        log("initialised from %s" % args.init)
    nparams = sum(int(np.prod(p["w"].shape)) + int(p["w"].shape[-1]) for p in params)
    log("model: %d weights after folding (%.2f MB), charset %d" % (nparams, nparams * 4 / 1e6, ncls))

    warmup = min(args.warmup, args.steps // 5)
    sched = optax.warmup_cosine_decay_schedule(0.0, args.lr, warmup, args.steps, args.lr * 0.01)
    opt = optax.chain(optax.clip_by_global_norm(5.0),
                      optax.adamw(sched, weight_decay=args.weight_decay,
                                  mask=lambda p: [{k: k == "w" for k in d} for d in p]))
    opt_state = opt.init(params)

    def loss_fn(params, state, x, y, yp):
        logits, new_state = apply(params, state, x, True)
        lp = jnp.zeros(logits.shape[:2])
        loss = optax.ctc_loss(logits, lp, y, yp, blank_id=0)
        return loss.mean(), new_state

    @jax.jit
    def train_step(params, state, opt_state, x, y, yp):
        x = (x.astype(jnp.float32) / 255.0 - 0.5) / 0.5
        (loss, new_state), grads = jax.value_and_grad(loss_fn, has_aux=True)(params, state, x[..., None], y, yp)
        updates, opt_state = opt.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), new_state, opt_state, loss

    @jax.jit
    def predict(params, state, x):
        logits, _ = apply(params, state, x[..., None], False)
        return logits

    def evaluate(xs_norm, labels, bs=250):
        preds = []
        for s in range(0, len(xs_norm), bs):
            lg = np.asarray(predict(params, state, jnp.asarray(xs_norm[s:s + bs])))
            preds += [pg.decode_greedy(r) for r in lg.argmax(-1)]
        acc = float(np.mean([p == t for p, t in zip(preds, labels)])) if labels else 0.0
        return acc, preds

    def per_kind_text(preds):
        per_kind = {}
        for k, p, t in zip(VK, preds, VL):
            c = per_kind.setdefault(k, [0, 0])
            c[0] += p == t
            c[1] += 1
        return ", ".join("%s %.3f (%d)" % (k, c[0] / c[1], c[1]) for k, c in sorted(per_kind.items()))

    def norm(u8):
        return ((u8.astype(np.float32) / 255.0) - 0.5) / 0.5

    from PIL import Image
    real_val_x = np.stack([pg.preprocess(Image.open(p).convert("RGB")) for p, _ in val_rows]) if val_rows else None
    real_val_l = [l for _, l in val_rows]
    synth_val_x = norm(VX)

    Y, P = encode_labels(L)
    n = len(X)
    seen_prov = collections.Counter()  # province of every label the model trained on (priors)
    prov_of = np.array([lab[0] if lab and lab[0] in pg.PROVINCES else "" for lab in L])
    order_rng = np.random.default_rng([args.seed, 4])
    perm, pos = order_rng.permutation(n), 0
    t_train = time.time()
    losses = []
    for step in range(1, args.steps + 1):
        if pos + args.batch > n:
            perm, pos = order_rng.permutation(n), 0
        idx = np.sort(perm[pos:pos + args.batch])
        pos += args.batch
        seen_prov.update(prov_of[idx].tolist())
        params, state, opt_state, loss = train_step(params, state, opt_state, jnp.asarray(X[idx]),
                                                    jnp.asarray(Y[idx]), jnp.asarray(P[idx]))
        losses.append(loss)
        if step % 100 == 0:
            lv = float(np.mean([float(l) for l in losses]))
            losses = []
            el = time.time() - t_train
            log("step %d/%d loss %.3f lr %.2e  %.2f steps/s, eta %.0fs" % (
                step, args.steps, lv, float(sched(step)), step / el, (args.steps - step) * el / step))
        if step % args.eval_every == 0 or step == args.steps:
            ra = evaluate(real_val_x, real_val_l)[0] if real_val_x is not None else float("nan")
            sa, sp = evaluate(synth_val_x, VL)
            log("eval step %d: real held-out %.3f, synthetic held-out %.3f (%s)" % (step, ra, sa, per_kind_text(sp)))

    # final evaluation
    real_acc, real_pred = evaluate(real_val_x, real_val_l) if real_val_x is not None else (float("nan"), [])
    synth_acc, synth_pred = evaluate(synth_val_x, VL)
    log("final: real held-out %.4f (%d), synthetic held-out %.4f (%d)" % (real_acc, len(real_val_l), synth_acc, len(VL)))
    log("synthetic per kind: " + per_kind_text(synth_pred))
    for p, t in zip(real_pred, real_val_l):
        if p != t:
            log("  real miss: truth %s predicted %s" % (t, p))

    root = os.path.dirname(HERE)
    cmd = "tools/train_recognizer.py " + " ".join(
        os.path.relpath(a, root) if os.path.isabs(a) and a.startswith(root + os.sep) else (a or "''")
        for a in sys.argv[1:])
    # How often each province character started a label in the batches the model trained on
    # (after the province swaps on the real crops): the decoder divides it out (label-shift
    # correction), so the real crops' mostly-皖 plates do not become the reader's guess.
    seen_prov.pop("", None)
    provinces = seen_prov
    total_prov = sum(provinces.values())
    if total_prov:
        top = provinces.most_common(3)
        log("province prior (labels seen in training): %s; min %s %.4f" % (
            ", ".join("%s %.4f" % (c, k / total_prov) for c, k in top),
            min(pg.PROVINCES, key=lambda c: provinces[c]),
            min(provinces[c] for c in pg.PROVINCES) / total_prov))
    header = {
        "name": "plate-recogniser",
        "version": 1,
        "input": {"width": pg.INPUT_W, "height": pg.INPUT_H, "channels": 1, "mean": 0.5, "std": 0.5},
        "charset": pg.CHARSET,
        "layers": [],
        "priors": {"province": {ch: round(provinces[ch] / total_prov, 5) for ch in sorted(provinces)}} if total_prov else {},
        "training": {
            "seed": args.seed,
            "command": cmd,
            "synthetic": args.synthetic,
            "real": n_real,
            "real_train": n_real - len(val_rows),
            "real_val": len(val_rows),
            "real_copies": args.real_copies,
            "real_swap_share": args.swap_share,
            "real_swapped": int(sum(k == "real_swap" for k in K)),
            "steps": args.steps,
            **({"init": {"file": os.path.basename(args.init),
                         "sha256": hashlib.sha256(open(args.init, "rb").read()).hexdigest()[:16]}} if args.init else {}),
            "batch": args.batch,
            "val_accuracy": round(real_acc, 4),
            "val_accuracy_synthetic": round(synth_acc, 4),
            "synthetic_val": len(VL),
            "fonts": _fonts().describe(),
        },
    }
    nw = fold_and_export(params, state, arch, header, args.out)
    log("wrote %s: %d bytes, %d float32 weights" % (args.out, os.path.getsize(args.out), nw))

    # cross-check the exported file with the independent numpy implementation
    hdr, layers, _ = check_model.load_cpdm(args.out)
    ref = np.asarray(predict(params, state, jnp.asarray(synth_val_x[:8])))
    worst = 0.0
    for i in range(8):
        lg = check_model.forward(layers, synth_val_x[i])
        worst = max(worst, float(np.abs(lg - ref[i]).max()))
    log("numpy forward vs jax: max |diff| = %.2e" % worst)
    if worst > 1e-2:
        raise SystemExit("exported model does not match the trained one")
    log("total wall time %.0fs" % (time.time() - t_start))


if __name__ == "__main__":
    main(ARGS)
