#!/usr/bin/env python3
"""Trains the licence-plate detector (small fully convolutional CNN, stride 8) and exports detector.cpdm.

    tools/.venv/bin/python tools/train_detector.py --seed 1 \
        --out Sources/PlateReader/Resources/detector.cpdm

Data: synthetic 256x256 grey scenes from detgen.py (plates rendered by plategen.py, ~20 % of
them real crops from /work/shared/data/plates/train/cn-crops; never anything under plates/dev/).
Output per 8x8 cell: a plate score logit and the plate's four corners relative to the cell
centre (see tools/README.md, "Detector").  Deterministic for a given --seed (and the same
package versions / fonts).
"""
from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_REAL = "/work/shared/data/plates/train/cn-crops"


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default=os.path.join(HERE, "..", "Sources/PlateReader/Resources/detector.cpdm"))
    ap.add_argument("--real-dir", default=DEFAULT_REAL, help="real plate crops pasted into scenes ('' for none)")
    ap.add_argument("--val-real", type=int, default=60,
                    help="real crops held out (the recogniser's split): used only in validation scenes")
    ap.add_argument("--p-real", type=float, default=0.2, help="fraction of plates that are real crops")
    ap.add_argument("--small-share", type=float, default=0.0,
                    help="fraction of training plates drawn 12-48 px wide (validation keeps 12-180)")
    ap.add_argument("--samples", type=int, default=24000, help="training scenes (generated up front)")
    ap.add_argument("--val", type=int, default=300, help="validation scenes")
    ap.add_argument("--size", type=int, default=256, help="scene side in pixels (multiple of 8)")
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--init", default="",
                    help="start from this detector .cpdm (a fine-tune: its batch norm is recovered from a calibration batch)")
    ap.add_argument("--extra", type=int, default=0,
                    help="more 3x3 32->32 layers before the head (a wider view); with --init they start as the identity")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--weight-decay", type=float, default=1e-4)
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--pos-weight", type=float, default=2.0, help="BCE weight of positive cells (~1.3 %% of cells)")
    ap.add_argument("--geo-weight", type=float, default=1.0, help="weight of the corner loss")
    ap.add_argument("--eval-every", type=int, default=500)
    ap.add_argument("--log-every", type=int, default=100)
    ap.add_argument("--threads", type=int, default=2, help="CPU cores used (affinity) by XLA and data workers")
    ap.add_argument("--cache", default=os.path.join(HERE, ".cache"),
                    help="where generated data sets are cached (keyed by seed, sizes, generator source); '' disables")
    return ap.parse_args(argv)


ARGS = parse_args() if __name__ == "__main__" else None

# Limit the CPU use before jax is imported: XLA sizes its thread pool from the affinity mask.
if ARGS is not None:
    sys.path.insert(0, HERE)
    from cpulimit import limit_cpus  # noqa: E402
    limit_cpus(ARGS.threads)

import numpy as np  # noqa: E402

sys.path.insert(0, HERE)
import check_model  # noqa: E402
import detgen  # noqa: E402
import plategen as pg  # noqa: E402
from train_recognizer import fold_and_export, read_real, unfold_model  # noqa: E402
from train_recognizer import make_model as make_conv_model  # noqa: E402

OUTPUTS = ["score", "x0", "y0", "x1", "y1", "x2", "y2", "x3", "y3"]
HEADER_GEOMETRY = {"stride": detgen.STRIDE, "geometry_scale": detgen.GEOMETRY_SCALE}

# The architecture (sized for one CPU core): 3x3 "same" convs with batch norm + ReLU, three 2x2 pools
# (stride 8), `extra` more 3x3 32->32 convs at stride 8 (each widens a cell's view by 16 input pixels),
# a 1x1 head. The Swift side runs whatever layers the file lists.
def arch(extra=0):
    return [
        ("conv", 1, 8, 3, 3, "same", True), ("pool", 2, 2, 2, 2),
        ("conv", 8, 16, 3, 3, "same", True), ("pool", 2, 2, 2, 2),
        ("conv", 16, 24, 3, 3, "same", True),
        ("conv", 24, 24, 3, 3, "same", True), ("pool", 2, 2, 2, 2),
        ("conv", 24, 32, 3, 3, "same", True),
        ("conv", 32, 32, 3, 3, "same", True),
    ] + [("conv", 32, 32, 3, 3, "same", True)] * extra + [
        ("conv", 32, len(OUTPUTS), 1, 1, "valid", False),
    ]


# ----------------------------------------------------------------------------- data
_FONTS = None


def _fonts():
    global _FONTS
    if _FONTS is None:
        _FONTS = pg.Fonts()
    return _FONTS


def _gen_chunk(task):
    seed, stream, start, n, size, real, p_real, small_share = task
    fonts = _fonts()
    X = np.empty((n, size, size), np.uint8)
    Q = np.zeros((n, detgen.MAX_PLATES, 4, 2), np.float32)
    K = np.full((n, detgen.MAX_PLATES), -1, np.int8)  # kind index, -1 = no plate in that slot
    for k in range(n):
        rng = np.random.default_rng([seed, stream, start + k])
        X[k], quads, kinds = detgen.gen_scene(rng, fonts, size, real, p_real, small_share)
        Q[k, :len(quads)] = quads
        K[k, :len(kinds)] = kinds
    return start, X, Q, K


def _generate(seed, stream, n, size, real, p_real, workers, small_share=0.0, chunk=250):
    """Scenes [0, n) of one stream, filled into preallocated arrays (no 2x peak memory)."""
    X = np.empty((n, size, size), np.uint8)
    Q = np.zeros((n, detgen.MAX_PLATES, 4, 2), np.float32)
    K = np.full((n, detgen.MAX_PLATES), -1, np.int8)
    tasks = [(seed, stream, s, min(chunk, n - s), size, real, p_real, small_share) for s in range(0, n, chunk)]
    if workers <= 1:
        results = map(_gen_chunk, tasks)
        pool = None
    else:
        import multiprocessing as mp
        pool = mp.get_context("fork").Pool(workers)
        results = pool.imap_unordered(_gen_chunk, tasks)
    for s, x, q, k in results:
        X[s:s + len(x)], Q[s:s + len(x)], K[s:s + len(x)] = x, q, k
    if pool is not None:
        pool.close()
        pool.join()
    return X, Q, K


def build_data(args, log):
    real_train, real_val = [], []
    if args.real_dir:
        if "/plates/dev" in os.path.abspath(args.real_dir).replace("\\", "/"):
            raise SystemExit("refusing to train on the dev set")
        rows = read_real(args.real_dir)
        # same held-out split as the recogniser, so neither model has seen those crops
        perm = np.random.default_rng([args.seed, 3]).permutation(len(rows))
        real_val = [rows[i][0] for i in sorted(perm[:args.val_real].tolist())]
        real_train = [rows[i][0] for i in sorted(perm[args.val_real:].tolist())]

    # The data depend only on the generators (not on this trainer's loss/optimiser code).
    src = hashlib.sha1(open(pg.__file__, "rb").read() + open(detgen.__file__, "rb").read()).hexdigest()[:10]
    key = "det-s%d-n%d-v%d-S%d-p%g-r%d-%s" % (args.seed, args.samples, args.val, args.size, args.p_real,
                                              len(real_train), src)
    if args.small_share:
        key += "-small%g" % args.small_share
    cache = os.path.join(args.cache, "data-%s.npz" % key) if args.cache else None
    if cache and os.path.exists(cache):
        z = np.load(cache, allow_pickle=False)
        log("loaded cached data set %s" % cache)
        return z["X"], z["Q"], z["K"], z["VX"], z["VQ"], z["VK"], len(real_train), len(real_val)

    t0 = time.time()
    workers = max(1, args.threads)
    X, Q, K = _generate(args.seed, 0, args.samples, args.size, real_train, args.p_real, workers, args.small_share)
    dt = time.time() - t0
    log("generated %d training scenes in %.0fs (%.1f ms/scene with %d workers)"
        % (args.samples, dt, 1000 * dt / max(1, args.samples), workers))
    VX, VQ, VK = _generate(args.seed, 2, args.val, args.size, real_val, args.p_real, workers)
    log("data ready in %.0fs: %d train scenes (%d plates), %d val scenes (%d plates)"
        % (time.time() - t0, len(X), int((K >= 0).sum()), len(VX), int((VK >= 0).sum())))
    if cache:
        os.makedirs(os.path.dirname(cache), exist_ok=True)
        np.savez(cache + ".tmp.npz", X=X, Q=Q, K=K, VX=VX, VQ=VQ, VK=VK)
        os.replace(cache + ".tmp.npz", cache)
    return X, Q, K, VX, VQ, VK, len(real_train), len(real_val)


def quads_of(Q, K, i):
    n = int((K[i] >= 0).sum())
    return Q[i, :n], K[i, :n]


def batch_targets(Q, K, idx, h, w):
    """Score / geometry / geometry-weight maps for the scenes idx (built on the fly: cheap)."""
    out = [detgen.build_targets(quads_of(Q, K, i)[0], h, w) for i in idx]
    return (np.stack([o[0] for o in out]), np.stack([o[1] for o in out]), np.stack([o[2] for o in out]))


# ----------------------------------------------------------------------------- model
def make_model(arch, score_prior=0.01):
    """The recogniser's conv / batch-norm builder, returning the whole output map (B, H/8, W/8, 9),
    with the score bias starting at the positive-cell prior (most cells are background)."""
    import jax.numpy as jnp

    prior = float(np.log(score_prior / (1 - score_prior)))
    return make_conv_model(arch, head_bias=lambda cout: jnp.zeros(cout).at[0].set(prior), keep_map=True)


# ----------------------------------------------------------------------------- metrics
def _aabb(q):
    return np.concatenate([q.min(0), q.max(0)])


def _iou(a, b):
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


WIDTH_BINS = [(0, 24), (24, 48), (48, 96), (96, 1e9)]


def box_metrics(outs, VQ, VK, threshold=0.5, iou_min=0.5):
    """Decodes every output map like the Swift side (check_model.decode_detections) and matches
    the axis-aligned boxes to the truth greedily by score (IoU >= iou_min)."""
    tp = n_det = n_gt = 0
    by_width = {b: [0, 0] for b in WIDTH_BINS}
    by_kind = {}
    corner_err = []
    for i, out in enumerate(outs):
        quads, kinds = quads_of(VQ, VK, i)
        dets = check_model.decode_detections(out.transpose(2, 0, 1), HEADER_GEOMETRY, threshold)
        n_det += len(dets)
        n_gt += len(quads)
        gt_boxes = [_aabb(q) for q in quads]
        taken = [False] * len(quads)
        for d in dets:  # sorted by score
            db = _aabb(d["quad"])
            best, bj = iou_min, -1
            for j, gb in enumerate(gt_boxes):
                if not taken[j]:
                    v = _iou(db, gb)
                    if v >= best:
                        best, bj = v, j
            if bj >= 0:
                taken[bj] = True
                tp += 1
                corner_err.append(float(np.linalg.norm(d["quad"] - quads[bj], axis=1).mean()))
        for q, k, t in zip(quads, kinds, taken):
            w = (np.linalg.norm(q[1] - q[0]) + np.linalg.norm(q[2] - q[3])) / 2
            for b in WIDTH_BINS:
                if b[0] <= w < b[1]:
                    by_width[b][0] += t
                    by_width[b][1] += 1
            c = by_kind.setdefault(detgen.KIND_LABELS[int(k)], [0, 0])
            c[0] += t
            c[1] += 1
    return {
        "box_recall": tp / max(1, n_gt), "box_precision": tp / max(1, n_det),
        "false_positives_per_scene": (n_det - tp) / max(1, len(outs)),
        "corner_error_px": float(np.mean(corner_err)) if corner_err else float("nan"),
        "recall_by_width": {"%d-%s" % (b[0], "" if b[1] > 1e8 else int(b[1])): round(c[0] / max(1, c[1]), 4)
                            for b, c in by_width.items()},
        "recall_by_kind": {k: round(c[0] / max(1, c[1]), 4) for k, c in sorted(by_kind.items())},
        "plates": n_gt,
    }


def cell_metrics(outs, score_t, threshold=0.5):
    pred = outs[..., 0] >= np.log(threshold / (1 - threshold))
    valid, pos = score_t >= 0, score_t == 1
    tp = int((pred & pos).sum())
    return {"cell_precision": tp / max(1, int((pred & valid).sum())), "cell_recall": tp / max(1, int(pos.sum()))}


# ----------------------------------------------------------------------------- training
def main(args):
    t_start = time.time()

    def log(msg):
        print("[%6.0fs] %s" % (time.time() - t_start, msg), flush=True)

    if args.size % detgen.STRIDE:
        raise SystemExit("--size must be a multiple of %d" % detgen.STRIDE)
    X, Q, K, VX, VQ, VK, n_real_train, n_real_val = build_data(args, log)
    t_data = time.time() - t_start

    import jax
    import jax.numpy as jnp
    import optax

    log("jax %s on %s, affinity %s" % (jax.__version__, jax.devices(), sorted(os.sched_getaffinity(0))))
    net = arch(args.extra)
    init, apply = make_model(net)
    params, state = init(jax.random.PRNGKey(args.seed))
    if args.init:
        # 128 scenes: a 256x256 batch's first feature maps are 2 MB per scene, and 128 is plenty for
        # per-channel means and variances.
        calib = np.random.default_rng([args.seed, 5]).choice(len(X), min(128, len(X)), replace=False)
        params, state = unfold_model(args.init, net, X[np.sort(calib)])
        log("initialised from %s" % args.init)
    nparams = sum(int(np.prod(p["w"].shape)) + int(p["w"].shape[-1]) for p in params)
    log("model: %d weights after folding (%.1f KB)" % (nparams, nparams * 4 / 1e3))

    warmup = min(args.warmup, args.steps // 5)
    sched = optax.warmup_cosine_decay_schedule(0.0, args.lr, warmup, args.steps, args.lr * 0.01)
    opt = optax.chain(optax.clip_by_global_norm(5.0),
                      optax.adamw(sched, weight_decay=args.weight_decay,
                                  mask=lambda p: [{k: k == "w" for k in d} for d in p]))
    opt_state = opt.init(params)
    beta = 0.1  # smooth-L1 knee in geometry units (0.1 * 32 = 3.2 px)

    def loss_fn(params, state, x, score_t, geom_t, gweight):
        out, new_state = apply(params, state, x, True)
        pos = score_t == 1
        # score: BCE over all cells except the ignored ring between shrunk and full quad
        w = jnp.where(score_t < 0, 0.0, jnp.where(pos, args.pos_weight, 1.0))
        bce = optax.sigmoid_binary_cross_entropy(out[..., 0], pos.astype(jnp.float32))
        l_score = (bce * w).sum() / jnp.maximum(w.sum(), 1.0)
        # geometry: smooth-L1 on positive cells only (gweight is 0 elsewhere)
        d = jnp.abs(out[..., 1:] - geom_t)
        sl1 = jnp.where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta).mean(-1)
        l_geo = (sl1 * gweight).sum() / jnp.maximum(gweight.sum(), 1e-6)
        return l_score + args.geo_weight * l_geo, (new_state, l_score, l_geo)

    @jax.jit
    def train_step(params, state, opt_state, x, score_t, geom_t, gweight):
        x = (x.astype(jnp.float32) / 255.0 - 0.5) / 0.5
        (loss, (new_state, ls, lg)), grads = jax.value_and_grad(loss_fn, has_aux=True)(
            params, state, x[..., None], score_t, geom_t, gweight)
        updates, opt_state = opt.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), new_state, opt_state, jnp.stack([loss, ls, lg])

    @jax.jit
    def predict(params, state, x):
        return apply(params, state, x[..., None], False)[0]

    def norm(u8):
        return ((u8.astype(np.float32) / 255.0) - 0.5) / 0.5

    S = args.size
    val_score_t = batch_targets(VQ, VK, range(len(VX)), S, S)[0]

    def evaluate(bs=50):
        outs = np.concatenate([np.asarray(predict(params, state, jnp.asarray(norm(VX[s:s + bs]))))
                               for s in range(0, len(VX), bs)])
        m = cell_metrics(outs, val_score_t)
        m.update(box_metrics(outs, VQ, VK))
        return m

    def fmt(m):
        return ("cells P %.3f R %.3f | boxes (IoU>=0.5) R %.3f P %.3f, %.2f FP/scene, corner err %.1f px"
                % (m["cell_precision"], m["cell_recall"], m["box_recall"], m["box_precision"],
                   m["false_positives_per_scene"], m["corner_error_px"]))

    n = len(X)
    order_rng = np.random.default_rng([args.seed, 4])
    perm, pos = order_rng.permutation(n), 0
    t_train = time.time()
    t_after_first = None
    if args.init:  # the starting point on the same validation scenes, to measure the fine-tune against
        log("eval step 0 (--init): %s" % fmt(evaluate()))
    losses = []
    for step in range(1, args.steps + 1):
        if pos + args.batch > n:
            perm, pos = order_rng.permutation(n), 0
        idx = np.sort(perm[pos:pos + args.batch])
        pos += args.batch
        st, gt, gw = batch_targets(Q, K, idx, S, S)
        params, state, opt_state, l3 = train_step(params, state, opt_state, jnp.asarray(X[idx]),
                                                  jnp.asarray(st), jnp.asarray(gt), jnp.asarray(gw))
        losses.append(l3)
        if step == 1:
            l3.block_until_ready()
            t_after_first = time.time()
            log("step 1 (compile + first step) took %.1fs" % (t_after_first - t_train))
        if step % args.log_every == 0 or step == args.steps:
            lv = np.mean([np.asarray(l) for l in losses], axis=0)
            losses = []
            el = time.time() - t_after_first
            sps = (step - 1) / el if step > 1 else float("nan")
            log("step %d/%d loss %.4f (score %.4f, corners %.4f) lr %.2e  %.2f steps/s, eta %.0fs" % (
                step, args.steps, lv[0], lv[1], lv[2], float(sched(step)), sps, (args.steps - step) / sps))
        if step % args.eval_every == 0 and step != args.steps:
            log("eval step %d: %s" % (step, fmt(evaluate())))
    t_steps = time.time() - t_train

    final = evaluate()
    log("final: " + fmt(final))
    log("recall by plate width (px): %s" % final["recall_by_width"])
    log("recall by kind: %s" % final["recall_by_kind"])

    root = os.path.dirname(HERE)
    cmd = "tools/train_detector.py " + " ".join(
        os.path.relpath(a, root) if os.path.isabs(a) and a.startswith(root + os.sep) else (a or "''")
        for a in sys.argv[1:])
    def r4(v):  # JSON has no NaN (no matched plate: no corner error)
        return None if v != v else round(float(v), 4)

    header = {
        "name": "plate-detector",
        "version": 1,
        "kind": "detector",
        "input": {"width": 0, "height": 0, "channels": 1, "mean": 0.5, "std": 0.5},
        "stride": detgen.STRIDE,
        "geometry_scale": float(detgen.GEOMETRY_SCALE),
        "outputs": OUTPUTS,
        "layers": [],
        "training": {
            "seed": args.seed,
            "command": cmd,
            "samples": args.samples,
            "scene_size": S,
            "steps": args.steps,
            **({"init": {"file": os.path.basename(args.init),
                         "sha256": hashlib.sha256(open(args.init, "rb").read()).hexdigest()[:16]}} if args.init else {}),
            "lr": args.lr,
            "batch": args.batch,
            "real_train": n_real_train,
            "real_val": n_real_val,
            "p_real": args.p_real,
            "small_share": args.small_share,
            "extra_layers": args.extra,
            "positive_shrink": detgen.SHRINK,
            "val_scenes": len(VX),
            "val_plates": final["plates"],
            "val_cell_precision": r4(final["cell_precision"]),
            "val_cell_recall": r4(final["cell_recall"]),
            "val_box_recall": r4(final["box_recall"]),
            "val_box_precision": r4(final["box_precision"]),
            "val_false_positives_per_scene": r4(final["false_positives_per_scene"]),
            "val_corner_error_px": r4(final["corner_error_px"]),
            "val_recall_by_width": final["recall_by_width"],
            "val_recall_by_kind": final["recall_by_kind"],
            "fonts": _fonts().describe(),
        },
    }
    nw = fold_and_export(params, state, net, header, args.out)
    log("wrote %s: %d bytes, %d float32 weights" % (args.out, os.path.getsize(args.out), nw))

    # cross-check the exported file with the independent numpy implementation, on whole
    # validation scenes and on an odd-sized crop (the Swift side runs any multiple of 8)
    hdr, layers, _ = check_model.load_cpdm(args.out)
    xs = norm(VX[:4])
    ref = np.asarray(predict(params, state, jnp.asarray(xs)))
    worst = max(float(np.abs(check_model.forward_map(layers, xs[i]).transpose(1, 2, 0) - ref[i]).max())
                for i in range(len(xs)))
    h2, w2 = (S * 9 // 16) // 8 * 8, (S * 7 // 8) // 8 * 8
    crop = xs[0, 8:8 + h2, :w2]
    ref2 = np.asarray(predict(params, state, jnp.asarray(crop[None])))[0]
    worst = max(worst, float(np.abs(check_model.forward_map(layers, crop).transpose(1, 2, 0) - ref2).max()))
    log("numpy forward vs jax (%dx%d scenes and a %dx%d crop): max |diff| = %.2e" % (S, S, w2, h2, worst))
    if worst > 1e-2:
        raise SystemExit("exported model does not match the trained one")
    total = time.time() - t_start
    log("total wall time %.0fs (data %.0fs, %d steps %.0fs)" % (total, t_data, args.steps, t_steps))


if __name__ == "__main__":
    main(ARGS)
