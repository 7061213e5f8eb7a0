#!/usr/bin/env python3
"""Synthetic scenes for the licence-plate detector.

A scene is a 256x256 grey patch at *detector scale* (the Swift side shrinks a frame to about
512 px wide, so plates are ~12-180 px wide): a cluttered background (car shapes, grilles,
headlights, lines, texture, and above all text that is not a plate), 0-3 plates rendered by
plategen.py (or real training crops), then photometric degradations.  The labels are the
plates' quads (corners top-left, top-right, bottom-right, bottom-left, in input pixels).

Everything is deterministic given a numpy Generator; the trainer seeds one per sample
(``np.random.default_rng([seed, stream, index])``).

Public API
    gen_scene(rng, fonts, size=256, real=None) -> (uint8 grey (size, size), quads (k,4,2) float32, kinds)
    build_targets(quads, h, w)                  -> score/geometry maps at stride 8 (see the function)
    KIND_LABELS                                  plategen.KIND_NAMES + ["real"]

Contact sheet for a human check (quads in green, positive cells red, ignored cells blue):
    python tools/detgen.py --n 16 --out /tmp/detsheet.png
"""
from __future__ import annotations

import argparse
import io
import math
import os
import sys

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plategen as pg  # noqa: E402

SIZE = 256             # training patch side
STRIDE = 8             # output cell size in input pixels
GEOMETRY_SCALE = 32.0  # corner offsets are stored divided by this
SHRINK = 0.75          # positive cells: centre inside the quad scaled by this about its centre
MAX_PLATES = 3
KIND_LABELS = list(pg.KIND_NAMES) + ["real"]
REAL_KIND = len(pg.KIND_NAMES)
DEFAULT_REAL = "/work/shared/data/plates/train/cn-crops"

_u = pg._u
_jit = pg._jit


# --------------------------------------------------------------------------- text negatives
# Text that is not a plate is the main false-positive source (shop signs, car badges,
# banners, slogans, phone numbers), so the scenes are full of it.
HANZI = ("停车场出口入口收费站限速禁止停车加油站超市银行酒店餐厅医院学校公交地铁东西南北中路街道"
         "大小上下前后左右人民国家电话服务中心汽车维修洗车美容专卖店欢迎光临注意安全减速慢行"
         "的一是在不了有和这为个我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子"
         "说产种面而方后多定行法所得经十三之进着等部度里如水化高自二理起物现实加量都两体制机当"
         "使点从业本去把性好应开它合还因由其些然外天政四日那社义事平形相全表间样与关各重新线内数"
         "正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通")
SIGN_WORDS_CN = ["停车场", "出口", "入口", "收费站", "限速", "禁止停车", "加油站", "超市", "银行", "酒店",
                 "餐厅", "医院", "学校", "公交站", "地铁", "欢迎光临", "减速慢行", "注意安全", "洗车",
                 "汽车维修", "专卖店", "服务中心", "小心地滑", "出租车", "临时停车", "访客登记"]
WORDS_EN = ["PARKING", "EXIT", "ENTRANCE", "STOP", "TAXI", "BUS", "HOTEL", "SALE", "OPEN", "CLOSED",
            "SPEED LIMIT", "ONE WAY", "NO PARKING", "TOYOTA", "HONDA", "FORD", "BMW", "AUDI", "VOLVO",
            "NISSAN", "BYD", "GEELY", "MERCEDES-BENZ", "VOLKSWAGEN", "HYUNDAI", "KIA", "TESLA",
            "SERVICE", "WELCOME", "GATE", "LANE", "SLOW", "CAUTION", "FIRE", "POLICE LINE",
            "AUTO PARTS", "CAR WASH", "DRIVE THRU", "HYBRID", "4MATIC", "QUATTRO", "xDrive", "TURBO",
            "SUPERMARKET", "PHARMACY", "COFFEE", "BANK", "CITY CENTRE", "AIRPORT", "VISITOR"]
WORDS_LOWER = ["welcome", "parking", "open daily", "thank you", "coffee", "express", "delivery",
               "www.example.com", "since 1998", "fresh", "the best", "city bus", "rent a car"]
_TTF: dict = {}


def _ttf(font, size):
    """The same face as a plategen font at another pixel size (cached per process)."""
    key = (font.path, font.index, size)
    f = _TTF.get(key)
    if f is None:
        f = _TTF[key] = ImageFont.truetype(font.path, size, index=font.index)
    return f


def _text_string(rng):
    t = rng.random()
    if t < 0.25:
        if rng.random() < 0.5:
            return SIGN_WORDS_CN[rng.integers(len(SIGN_WORDS_CN))]
        return "".join(HANZI[rng.integers(len(HANZI))] for _ in range(int(rng.integers(1, 9))))
    if t < 0.5:
        return " ".join(WORDS_EN[rng.integers(len(WORDS_EN))] for _ in range(int(rng.integers(1, 3))))
    if t < 0.65:  # plate-like characters without a plate (painted truck numbers, stickers)
        return "".join(pg.LATIN_ALNUM[rng.integers(36)] for _ in range(int(rng.integers(2, 10))))
    if t < 0.78:  # phone numbers, prices, times
        f = ["400-%03d-%04d", "%03d-%04d", "¥%d.%02d", "%d:%02d", "%02d/%02d", "TEL %d %04d"][rng.integers(6)]
        return f % (int(rng.integers(100, 999)), int(rng.integers(0, 9999)))[:f.count("%")]
    if t < 0.88:
        return WORDS_LOWER[rng.integers(len(WORDS_LOWER))]
    # mixed Chinese + Latin/digits, e.g. "停车场 P2"
    return (SIGN_WORDS_CN[rng.integers(len(SIGN_WORDS_CN))] + " " +
            "".join(pg.LATIN_ALNUM[rng.integers(36)] for _ in range(int(rng.integers(1, 4)))))


def _text_mask(rng, fonts, s, size):
    cjk = any(ord(c) > 0x2E80 for c in s)
    font = fonts.cjk[fonts.pick_cjk(rng)] if cjk or rng.random() < 0.2 else fonts.latin[fonts.pick_latin(rng)]
    f = _ttf(font, size)
    l, t, r, b = f.getbbox(s)
    m = Image.new("L", (max(1, r - l + 4), max(1, b - t + 4)), 0)
    ImageDraw.Draw(m).text((2 - l, 2 - t), s, fill=255, font=f)
    if rng.random() < 0.25:  # condensed / stretched lettering
        m = m.resize((max(1, int(m.width * _u(rng, 0.6, 1.4))), m.height), Image.BILINEAR)
    return m


def _rand_color(rng):
    return tuple(int(v) for v in rng.integers(0, 256, 3))


def _contrasting(rng, c):
    """A colour whose luma differs clearly from c (text on a board)."""
    lum = 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]
    for _ in range(10):
        d = _rand_color(rng)
        if abs(0.299 * d[0] + 0.587 * d[1] + 0.114 * d[2] - lum) > 70:
            return d
    return (255, 255, 255) if lum < 128 else (0, 0, 0)


def _draw_text(img, rng, fonts):
    """A text item: 1-3 lines, sometimes on a sign board, sometimes rotated."""
    S = img.width
    size = int(round(math.exp(_u(rng, math.log(5), math.log(60)))))
    lines = [_text_mask(rng, fonts, _text_string(rng), size)
             for _ in range(1 if rng.random() < 0.75 else int(rng.integers(2, 4)))]
    gap = int(size * _u(rng, 0.1, 0.5))
    w = max(m.width for m in lines)
    h = sum(m.height for m in lines) + gap * (len(lines) - 1)
    if w > 2 * S:
        return
    mask = Image.new("L", (w, h), 0)
    y = 0
    for m in lines:
        mask.paste(m, ((w - m.width) // 2 if rng.random() < 0.7 else 0, y))
        y += m.height + gap
    board = rng.random() < 0.4
    if board:  # sign board with generous margins, so it does not look like a plate
        mx, my = int(size * _u(rng, 0.3, 1.5)), int(size * _u(rng, 0.3, 1.2))
        bm = Image.new("L", (w + 2 * mx, h + 2 * my), 0)
        ImageDraw.Draw(bm).rounded_rectangle((0, 0, bm.width - 1, bm.height - 1),
                                             radius=int(size * _u(rng, 0, 0.5)), fill=255)
        tm = Image.new("L", bm.size, 0)
        tm.paste(mask, (mx, my))
        mask = tm
        bc = _rand_color(rng)
        tc = _contrasting(rng, bc)
    else:
        tc = _rand_color(rng)
    ang = float(rng.normal(0, 8)) if rng.random() < 0.35 else 0.0
    x, y = int(rng.integers(-mask.width // 3, S - mask.width * 2 // 3 + 1)), \
        int(rng.integers(-mask.height // 3, S - mask.height * 2 // 3 + 1))
    if board:
        b = bm.rotate(ang, expand=True, resample=Image.BILINEAR) if ang else bm
        img.paste(bc, (x, y), b)
    m = mask.rotate(ang, expand=True, resample=Image.BILINEAR) if ang else mask
    img.paste(tc, (x, y), m)


# --------------------------------------------------------------------------- other clutter
def _paint(rng):
    base = [(240, 240, 240), (190, 190, 195), (30, 30, 32), (150, 20, 25), (20, 40, 110),
            (120, 120, 125), (90, 70, 50), (60, 90, 60), (200, 170, 40)][rng.integers(9)]
    return _jit(rng, base, 25)


def _darker(c, f):
    return tuple(int(v * f) for v in c)


def _grille(d, rng, box, color=None):
    x0, y0, x1, y1 = box
    if x1 - x0 < 3 or y1 - y0 < 3:
        return
    color = color or _jit(rng, (40, 40, 40), 30)
    bg = _jit(rng, (15, 15, 15), 10) if rng.random() < 0.6 else _rand_color(rng)
    d.rectangle(box, fill=bg)
    n = int(rng.integers(3, 14))
    horizontal = rng.random() < 0.6
    span = (y1 - y0) if horizontal else (x1 - x0)
    pitch = span / n
    bw = max(1.0, pitch * _u(rng, 0.3, 0.7))
    for k in range(n):
        a = (y0 if horizontal else x0) + k * pitch
        if horizontal:
            d.rectangle((x0, a, x1, a + bw), fill=color)
        else:
            d.rectangle((a, y0, a + bw, y1), fill=color)


def _blob(img, rng, cx, cy, rx, ry, color):
    """Soft bright ellipse (headlight, reflection)."""
    S = img.width
    m = Image.new("L", (S, S), 0)
    ImageDraw.Draw(m).ellipse((cx - rx, cy - ry, cx + rx, cy + ry), fill=int(rng.integers(150, 256)))
    m = m.filter(ImageFilter.GaussianBlur(_u(rng, 0.5, max(0.6, min(rx, ry) * 0.6))))
    img.paste(color, (0, 0), m)


def _car(img, rng, box):
    """Front/back of a vehicle: body, window, lights, grille, bumper, wheels."""
    d = ImageDraw.Draw(img)
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    body = _paint(rng)
    d.rounded_rectangle(box, radius=max(1, int(min(w, h) * _u(rng, 0.05, 0.3))), fill=body)
    if rng.random() < 0.7:  # windscreen
        t = _u(rng, 0.05, 0.2)
        d.polygon([(x0 + w * (0.1 + t), y0 + h * 0.05), (x1 - w * (0.1 + t), y0 + h * 0.05),
                   (x1 - w * 0.08, y0 + h * _u(rng, 0.3, 0.45)), (x0 + w * 0.08, y0 + h * _u(rng, 0.3, 0.45))],
                  fill=_jit(rng, (40, 50, 60), 25))
    ly = y0 + h * _u(rng, 0.45, 0.65)
    lw, lh = w * _u(rng, 0.1, 0.2), h * _u(rng, 0.05, 0.12)
    if rng.random() < 0.8:
        lc = _jit(rng, (235, 235, 225), 20) if rng.random() < 0.7 else _jit(rng, (200, 30, 30), 30)
        for cx in (x0 + w * 0.12, x1 - w * 0.12):
            if rng.random() < 0.5:
                _blob(img, rng, cx, ly, lw / 2, lh / 2, lc)
            else:
                d.rounded_rectangle((cx - lw / 2, ly - lh / 2, cx + lw / 2, ly + lh / 2),
                                    radius=max(1, int(lh / 3)), fill=lc)
    if rng.random() < 0.6:
        _grille(d, rng, (x0 + w * 0.3, ly - lh, x1 - w * 0.3, ly + lh * _u(rng, 0.5, 2)))
    if rng.random() < 0.6:  # bumper line
        by = y0 + h * _u(rng, 0.7, 0.85)
        d.line((x0, by, x1, by), fill=_darker(body, _u(rng, 0.3, 0.8)), width=max(1, int(h * 0.02)))
    if rng.random() < 0.5:  # wheels
        r = h * _u(rng, 0.1, 0.18)
        for cx in (x0 + w * 0.15, x1 - w * 0.15):
            d.ellipse((cx - r, y1 - r, cx + r, y1 + r), fill=_jit(rng, (20, 20, 20), 8))


def _clutter(img, rng, fonts):
    S = img.width
    d = ImageDraw.Draw(img)
    t = rng.random()
    if t < 0.45:
        _draw_text(img, rng, fonts)
    elif t < 0.58:  # rectangles / rounded rectangles (windows, boxes, blank stickers)
        w, h = _u(rng, 4, S * 0.7), _u(rng, 4, S * 0.5)
        x, y = _u(rng, -w / 2, S - w / 2), _u(rng, -h / 2, S - h / 2)
        box = (x, y, x + w, y + h)
        oc = _rand_color(rng) if rng.random() < 0.4 else None
        if rng.random() < 0.5:
            d.rounded_rectangle(box, radius=max(1, int(min(w, h) * _u(rng, 0.05, 0.5))), fill=_rand_color(rng),
                                outline=oc, width=int(rng.integers(1, 4)))
        else:
            d.rectangle(box, fill=_rand_color(rng), outline=oc, width=int(rng.integers(1, 4)))
    elif t < 0.65:
        w = _u(rng, 40, S * 1.2)
        h = w * _u(rng, 0.4, 0.9)
        x, y = _u(rng, -w / 3, S - w * 2 / 3), _u(rng, -h / 3, S - h * 2 / 3)
        _car(img, rng, (x, y, x + w, y + h))
    elif t < 0.74:
        w, h = _u(rng, 10, S * 0.6), _u(rng, 6, S * 0.3)
        x, y = _u(rng, -w / 2, S - w / 2), _u(rng, -h / 2, S - h / 2)
        _grille(d, rng, (x, y, x + w, y + h))
    elif t < 0.82:
        r = _u(rng, 2, 25)
        _blob(img, rng, _u(rng, 0, S), _u(rng, 0, S), r * _u(rng, 1, 2.5), r,
              _jit(rng, (240, 240, 230), 15))
    elif t < 0.93:  # poles, lane markings, wires, panel gaps
        for _ in range(int(rng.integers(1, 4))):
            d.line((_u(rng, -S, 2 * S), _u(rng, -S, 2 * S), _u(rng, -S, 2 * S), _u(rng, -S, 2 * S)),
                   fill=_rand_color(rng), width=int(rng.integers(1, 10)))
    else:  # patch of noise texture (foliage, gravel)
        w, h = int(_u(rng, 10, S * 0.6)), int(_u(rng, 10, S * 0.6))
        arr = rng.normal(_u(rng, 40, 200), _u(rng, 10, 70), (h, w)).clip(0, 255).astype(np.uint8)
        tex = Image.fromarray(arr, "L").filter(ImageFilter.GaussianBlur(_u(rng, 0, 1.5))).convert("RGB")
        img.paste(tex, (int(_u(rng, -w / 2, S - w / 2)), int(_u(rng, -h / 2, S - h / 2))))


def _base(rng, S):
    """Scene background (plategen's backgrounds minus the tiled plates, plus sky/road and buildings)."""
    t = rng.random()
    if t < 0.2:  # sky above, road below
        hy = int(_u(rng, 0, S))
        img = pg._gradient(S, S, _jit(rng, (180, 195, 215), 40), _jit(rng, (120, 120, 120), 40))
        road = pg._gradient(S, max(1, S - hy), _jit(rng, (110, 110, 110), 40), _jit(rng, (70, 70, 70), 30))
        img.paste(road, (0, hy))
        d = ImageDraw.Draw(img)
        for _ in range(int(rng.integers(0, 4))):  # lane markings
            x = _u(rng, 0, S)
            d.line((x, hy, x + _u(rng, -S, S), S), fill=_jit(rng, (230, 230, 230), 20), width=int(rng.integers(2, 8)))
    elif t < 0.35:  # car paint, vertical gradient, panel lines
        base = _paint(rng)
        img = pg._gradient(S, S, _jit(rng, base, 25), _jit(rng, base, 25))
        d = ImageDraw.Draw(img)
        for _ in range(int(rng.integers(0, 4))):
            y = _u(rng, 0, S)
            d.line((0, y, S, y + _u(rng, -S * 0.1, S * 0.1)), fill=_jit(rng, base, 60), width=int(rng.integers(1, 8)))
    elif t < 0.5:  # smooth noise texture
        sm = rng.integers(0, 256, (int(rng.integers(2, 10)), int(rng.integers(2, 10)), 3)).astype(np.uint8)
        img = Image.fromarray(sm, "RGB").resize((S, S), Image.BICUBIC)
    elif t < 0.62:  # coarse noise
        arr = rng.normal(_u(rng, 40, 200), _u(rng, 10, 60), (S // 2, S // 2, 1))
        arr = np.clip(arr * rng.uniform(0.7, 1.3, (1, 1, 3)), 0, 255).astype(np.uint8)
        img = Image.fromarray(arr, "RGB").resize((S, S), Image.BILINEAR)
    elif t < 0.77:  # building facade: a grid of windows
        img = Image.new("RGB", (S, S), _rand_color(rng))
        d = ImageDraw.Draw(img)
        pw, ph = _u(rng, 8, 60), _u(rng, 8, 60)
        ww, wh = pw * _u(rng, 0.3, 0.85), ph * _u(rng, 0.3, 0.85)
        wc = _rand_color(rng)
        ox, oy = _u(rng, -pw, 0), _u(rng, -ph, 0)
        for gy in np.arange(oy, S, ph):
            for gx in np.arange(ox, S, pw):
                d.rectangle((gx, gy, gx + ww, gy + wh), fill=_jit(rng, wc, 20))
    else:  # plain gradient
        img = pg._gradient(S, S, _rand_color(rng), _rand_color(rng), vertical=rng.random() < 0.5)
    return img


# --------------------------------------------------------------------------- plates
def _plate_quad(rng, aspect, width, rot_sigma=4.5):
    """Corners (TL, TR, BR, BL) of a plate of the given aspect (w/h), centred on 0, with the
    geometry jitter of plategen._place (rotation mostly small, scale, shear, perspective, yaw),
    scaled so the mean of the top and bottom edge lengths is `width` px."""
    ang = float(np.clip(rng.normal(0, rot_sigma), -15, 15))
    if rng.random() < 0.08:
        ang = _u(rng, -15, 15)
    corners = np.array([[0, 0], [aspect, 0], [aspect, 1], [0, 1]], float) - [aspect / 2, 0.5]
    corners *= [_u(rng, 0.85, 1.1), _u(rng, 0.85, 1.15)]
    if rng.random() < 0.5:
        corners[:, 0] += _u(rng, -0.15, 0.15) * corners[:, 1]
    jit = _u(rng, 0.0, 0.12)
    corners += rng.uniform(-jit, jit, corners.shape)
    if rng.random() < 0.3:  # yaw: one side shorter
        k = _u(rng, -0.15, 0.15)
        corners[[1, 2], 1] *= 1 - k
        corners[[0, 3], 1] *= 1 + k
    c, s = math.cos(math.radians(ang)), math.sin(math.radians(ang))
    corners = corners @ np.array([[c, s], [-s, c]])
    qw = (np.linalg.norm(corners[1] - corners[0]) + np.linalg.norm(corners[2] - corners[3])) / 2
    return corners * (width / qw)


def _warp_onto(img, rng, plate, quad):
    """Pastes an RGBA plate so that its corners land on quad."""
    S = img.width
    qw = (np.linalg.norm(quad[1] - quad[0]) + np.linalg.norm(quad[2] - quad[3])) / 2
    qh = (np.linalg.norm(quad[3] - quad[0]) + np.linalg.norm(quad[2] - quad[1])) / 2
    # resize first with a (random) antialiasing filter, so the perspective warp samples ~1:1
    tw, th = max(2, int(round(qw * 1.25))), max(2, int(round(qh * 1.25)))
    if tw < plate.width:
        plate = plate.resize((tw, th), pg._resample(rng))
    pw, ph = plate.size
    coeffs = pg._perspective_coeffs(quad.tolist(), [(0, 0), (pw, 0), (pw, ph), (0, ph)])
    warped = plate.transform((S, S), Image.PERSPECTIVE, coeffs, Image.BILINEAR)
    img.paste(warped.convert("RGB"), (0, 0), warped)


def _surroundings(img, rng, quad):
    """Car body / bumper / plate recess around a plate (drawn before any plate)."""
    d = ImageDraw.Draw(img)
    x0, y0 = quad.min(0)
    x1, y1 = quad.max(0)
    w, h = x1 - x0, y1 - y0
    body = _paint(rng)
    if rng.random() < 0.3:
        body = _darker(body, _u(rng, 0.3, 0.8))
    bx0, bx1 = x0 - w * _u(rng, 0.3, 2.0), x1 + w * _u(rng, 0.3, 2.0)
    by0, by1 = y0 - h * _u(rng, 0.5, 4.0), y1 + h * _u(rng, 0.3, 2.5)
    d.rounded_rectangle((bx0, by0, bx1, by1), radius=max(1, int(h * _u(rng, 0, 1.5))), fill=body)
    if rng.random() < 0.5:  # recess / holder around the plate
        m = _u(rng, 0.05, 0.3) * h
        d.rounded_rectangle((x0 - m * _u(rng, 1, 3), y0 - m, x1 + m * _u(rng, 1, 3), y1 + m),
                            radius=max(1, int(m)), fill=_darker(body, _u(rng, 0.2, 0.9)))
    if rng.random() < 0.35:  # grille above the plate
        gy1 = y0 - h * _u(rng, 0.3, 1.0)
        _grille(d, rng, (x0 - w * _u(rng, 0, 0.5), gy1 - h * _u(rng, 0.6, 2.0), x1 + w * _u(rng, 0, 0.5), gy1))
    if rng.random() < 0.3:  # lights beside it
        lc = _jit(rng, (235, 235, 225), 20) if rng.random() < 0.6 else _jit(rng, (200, 30, 30), 30)
        ly = (y0 + y1) / 2 - h * _u(rng, 0, 2)
        for cx in (x0 - w * _u(rng, 0.3, 1.2), x1 + w * _u(rng, 0.3, 1.2)):
            _blob(img, rng, cx, ly, w * _u(rng, 0.1, 0.35), h * _u(rng, 0.3, 0.8), lc)


def _overlaps(box, boxes, margin):
    x0, y0, x1, y1 = box
    return any(x0 < b[2] + margin and b[0] < x1 + margin and y0 < b[3] + margin and b[1] < y1 + margin
               for b in boxes)


def _load_real(path):
    im = _REAL_CACHE.get(path)
    if im is None:
        im = _REAL_CACHE[path] = Image.open(path).convert("RGB")
    return im


_REAL_CACHE: dict = {}


def gen_scene(rng, fonts, size=SIZE, real=None, p_real=0.2, small_share=0.0):
    """One scene: (uint8 grey (size, size), quads float32 (k, 4, 2), kinds list of KIND_LABELS
    indices).  real: list of paths of real plate crops to use as plates (fraction p_real).
    small_share: fraction of plates drawn 12-48 px wide instead of 12-180 px (small plates are
    the detector's weak point: a 1080p frame's 100-px plate is 27 px at 512)."""
    S = size
    img = _base(rng, S)
    for _ in range(int(rng.integers(3, 16))):
        _clutter(img, rng, fonts)
    n = int(rng.choice(4, p=[0.15, 0.45, 0.25, 0.15]))
    quads, kinds, plates, boxes = [], [], [], []
    for _ in range(n):
        use_real = bool(real) and rng.random() < p_real
        if use_real:
            plate = _load_real(real[int(rng.integers(len(real)))])
            plate = pg._degrade(plate, rng, strength=0.4).convert("RGBA")
            kind = REAL_KIND
        else:
            kind = int(rng.choice(len(pg.KIND_NAMES), p=pg.KIND_P))
            plate, _ = pg.render_plate(rng, fonts, pg.KIND_NAMES[kind])
            # plate-local dirt / shadow / colour / blur, at the plate's own resolution
            alpha = plate.getchannel("A")
            plate = pg._degrade(plate.convert("RGB"), rng, strength=_u(rng, 0.3, 0.9)).convert("RGBA")
            plate.putalpha(alpha)
        top = 48 if small_share > 0 and rng.random() < small_share else 180
        width = math.exp(_u(rng, math.log(12), math.log(top)))
        q = _plate_quad(rng, plate.width / plate.height, width, rot_sigma=3.0 if use_real else 4.5)
        lo, hi = q.min(0), q.max(0)
        for _try in range(20):
            # mostly fully inside; ~10 % may be cut by the patch edge (centre stays inside)
            slack = (hi - lo) * 0.4 if rng.random() < 0.1 else np.zeros(2)
            c = np.array([_u(rng, -lo[0] - slack[0], S - hi[0] + slack[0]),
                          _u(rng, -lo[1] - slack[1], S - hi[1] + slack[1])])
            if not (0 < c[0] < S and 0 < c[1] < S):
                continue
            box = (c[0] + lo[0], c[1] + lo[1], c[0] + hi[0], c[1] + hi[1])
            if not _overlaps(box, boxes, 0.15 * (hi[1] - lo[1]) + 2):
                break
        else:
            continue  # no free spot: fewer plates
        quads.append(q + c)
        kinds.append(kind)
        plates.append(plate)
        boxes.append(box)
    for q in quads:  # bodies first, so that no body covers another plate
        if rng.random() < 0.55:
            _surroundings(img, rng, q)
    for q, plate in zip(quads, plates):
        _warp_onto(img, rng, plate, q)
    gray = _degrade_scene(pg.to_gray(img), rng)
    qa = np.array(quads, np.float32).reshape(-1, 4, 2)
    return gray, qa, kinds


def _degrade_scene(g, rng):
    """Whole-patch photometric degradation of a float grey image -> uint8."""
    S = g.shape[0]
    if rng.random() < 0.2:  # shadow over part of the scene
        yy, xx = np.mgrid[0:S, 0:S]
        a = _u(rng, 0, 2 * math.pi)
        m = (xx - S / 2) * math.cos(a) + (yy - S / 2) * math.sin(a) > _u(rng, -0.4, 0.4) * S
        g = g * np.where(m, _u(rng, 0.35, 0.8), 1.0)
    mean = g.mean()
    g = (g - mean) * _u(rng, 0.5, 1.3) + mean + _u(rng, -40, 40)
    g = 255.0 * (np.clip(g, 0, 255) / 255.0) ** math.exp(_u(rng, -0.5, 0.5))
    if rng.random() < 0.1:
        g = pg._motion_blur(g, rng)
    im = Image.fromarray(np.clip(g, 0, 255).astype(np.uint8), "L")
    if rng.random() < 0.4:
        im = im.filter(ImageFilter.GaussianBlur(_u(rng, 0.3, 1.5)))
    if rng.random() < 0.3:  # low-resolution source
        f = _u(rng, 0.4, 0.85)
        im = im.resize((max(8, int(S * f)), max(8, int(S * f))), pg._resample(rng)).resize((S, S), pg._resample(rng))
    g = np.asarray(im, np.float32)
    if rng.random() < 0.6:
        g = g + rng.normal(0, _u(rng, 0, 10), g.shape)
    im = Image.fromarray(np.clip(np.round(g), 0, 255).astype(np.uint8), "L")
    if rng.random() < 0.8:
        buf = io.BytesIO()
        im.save(buf, "JPEG", quality=int(rng.integers(30, 91)))
        im = Image.open(io.BytesIO(buf.getvalue())).convert("L")
    return np.asarray(im, np.uint8)


# --------------------------------------------------------------------------- targets
def _inside(P, q):
    """Which points P (..., 2) lie inside the convex quad q (4, 2) (either winding)."""
    s = []
    for k in range(4):
        a, b = q[k], q[(k + 1) % 4]
        s.append((b[0] - a[0]) * (P[..., 1] - a[1]) - (b[1] - a[1]) * (P[..., 0] - a[0]))
    s = np.stack(s)
    return np.all(s >= 0, axis=0) | np.all(s <= 0, axis=0)


def _area(q):
    x, y = q[:, 0], q[:, 1]
    return 0.5 * abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


def build_targets(quads, h, w, stride=STRIDE, shrink=SHRINK, scale=GEOMETRY_SCALE):
    """Training targets on the (h/stride, w/stride) grid of cells.

    score  int8 (gh, gw): 1 positive (cell centre inside the quad shrunk by `shrink` about its
           centre, plus always the cell holding the plate centre), -1 ignored (inside a full quad
           but not positive), 0 negative.  A cell in two plates belongs to the smaller one.
    geom   float32 (gh, gw, 8): corners TL,TR,BR,BL (x, y) minus the cell centre, / scale.
    gw8    float32 (gh, gw): geometry loss weight, 1/sqrt(#cells of the plate) on positives,
           so big plates do not drown the small ones.
    """
    gh, gw = h // stride, w // stride
    P = np.stack(np.meshgrid((np.arange(gw) + 0.5) * stride, (np.arange(gh) + 0.5) * stride), -1)
    owner = np.full((gh, gw), -1, np.int32)
    covered = np.zeros((gh, gw), bool)
    order = sorted(range(len(quads)), key=lambda i: -_area(quads[i]))  # big first, smaller overwrite
    for i in order:
        q = np.asarray(quads[i], np.float64)
        c = q.mean(0)
        covered |= _inside(P, q)
        pos = _inside(P, c + shrink * (q - c))
        r, k = int(np.clip(c[1] // stride, 0, gh - 1)), int(np.clip(c[0] // stride, 0, gw - 1))
        pos[r, k] = True
        owner[pos] = i
    score = np.where(covered, -1, 0).astype(np.int8)
    score[owner >= 0] = 1
    geom = np.zeros((gh, gw, 8), np.float32)
    weight = np.zeros((gh, gw), np.float32)
    for i in range(len(quads)):
        cells = owner == i
        n = int(cells.sum())
        if n:
            geom[cells] = (np.asarray(quads[i], np.float32).reshape(1, 8) - np.tile(P[cells], 4)) / scale
            weight[cells] = 1.0 / math.sqrt(n)
    return score, geom, weight


# --------------------------------------------------------------------------- CLI
def list_real(real_dir):
    """Paths of the real crops listed in real_dir/labels.tsv (sorted)."""
    if "/plates/dev" in os.path.abspath(real_dir).replace("\\", "/"):
        raise SystemExit("refusing to use the dev set")
    with open(os.path.join(real_dir, "labels.tsv"), encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        ci = header.index("image")
        return sorted(os.path.join(real_dir, line.rstrip("\n").split("\t")[ci]) for line in f if line.strip())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=16)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--stream", type=int, default=9)
    ap.add_argument("--out", default="/tmp/detsheet.png")
    ap.add_argument("--real-dir", default=DEFAULT_REAL, help="real crops used as plates ('' for none)")
    ap.add_argument("--scale", type=int, default=2)
    ap.add_argument("--no-cells", action="store_true", help="do not draw the positive/ignored cells")
    args = ap.parse_args()
    fonts = pg.Fonts()
    real = list_real(args.real_dir) if args.real_dir else None
    cols, sc, S = 4, args.scale, SIZE
    rows = (args.n + cols - 1) // cols
    sheet = Image.new("RGB", (cols * (S * sc + 6), rows * (S * sc + 6)), (255, 255, 255))
    for i in range(args.n):
        rng = np.random.default_rng([args.seed, args.stream, i])
        g, quads, kinds = gen_scene(rng, fonts, S, real)
        t = Image.fromarray(g).convert("RGB").resize((S * sc, S * sc), Image.NEAREST)
        d = ImageDraw.Draw(t)
        if not args.no_cells:
            score, _, _ = build_targets(quads, S, S)
            for r, c in zip(*np.nonzero(score)):
                x, y = (c + 0.5) * STRIDE * sc, (r + 0.5) * STRIDE * sc
                col = (255, 0, 0) if score[r, c] > 0 else (0, 120, 255)
                d.ellipse((x - 2, y - 2, x + 2, y + 2), fill=col)
        for q in quads:
            d.polygon([tuple(p) for p in (q * sc).tolist()], outline=(0, 255, 0))
            d.ellipse((q[0][0] * sc - 3, q[0][1] * sc - 3, q[0][0] * sc + 3, q[0][1] * sc + 3), outline=(255, 255, 0))
        sheet.paste(t, ((i % cols) * (S * sc + 6), (i // cols) * (S * sc + 6)))
        print(i, [KIND_LABELS[k] for k in kinds],
              ["%.0fpx" % ((np.linalg.norm(q[1] - q[0]) + np.linalg.norm(q[2] - q[3])) / 2) for q in quads])
    sheet.save(args.out)
    print("wrote", args.out)


if __name__ == "__main__":
    main()
