#!/usr/bin/env python3
"""Synthetic licence-plate crop generator for the plate character recogniser.

Everything here is deterministic given a numpy Generator: the trainer seeds one
Generator per sample (``np.random.default_rng([seed, stream, index])``) so the
data set is identical whatever the number of worker processes.

Public API
    CHARSET               index 0 is the CTC blank, then provinces, 警学, 0-9, A-Z
    encode(label)         -> list of charset indices
    Fonts()               finds the fonts (Debian packages, see README)
    gen_crop(rng, fonts)  -> (PIL RGB crop as a plate detector would cut it, label, kind)
    augment_real(img, rng)-> augmented copy of a real crop
    to_model_input(img, rng=None) -> float32 array (32, 128) in [-1, 1]
    preprocess(img)       -> the canonical (inference) preprocessing, same as check_model.py

Run it directly to write a contact sheet:  python tools/plategen.py --n 48 --out /tmp/sheet.png
"""
from __future__ import annotations

import argparse
import glob
import io
import math
import os
import subprocess

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageOps

# --------------------------------------------------------------------------- charset
PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
SPECIALS = "警学"
DIGITS = "0123456789"
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
CN_LETTERS = LETTERS.replace("I", "").replace("O", "")
CN_ALNUM = DIGITS + CN_LETTERS
LATIN_ALNUM = DIGITS + LETTERS
BLANK = "<blank>"
CHARSET = [BLANK] + list(PROVINCES) + list(SPECIALS) + list(DIGITS) + list(LETTERS)
CHAR_INDEX = {c: i for i, c in enumerate(CHARSET)}
MAX_LABEL = 8

INPUT_W, INPUT_H = 128, 32


def encode(label: str) -> list[int]:
    return [CHAR_INDEX[c] for c in label]


def decode_greedy(best_path) -> str:
    """Greedy CTC decode of a sequence of argmax indices."""
    out, prev = [], 0
    for k in best_path:
        k = int(k)
        if k != prev and k != 0:
            out.append(CHARSET[k])
        prev = k
    return "".join(out)


# --------------------------------------------------------------------------- fonts
FONT_DIRS = ["/usr/share/fonts"]
# (file name, weight in the random choice).  All from Debian packages:
# fonts-dejavu-core, fonts-liberation, fonts-urw-base35, fonts-noto-mono (US extras below:
# fonts-opendin, fonts-routed-gothic).
LATIN_FONT_FILES = [
    ("DejaVuSansCondensed-Bold.ttf", 3),
    ("DejaVuSans-Bold.ttf", 2),
    ("LiberationSansNarrow-Bold.ttf", 3),
    ("LiberationSans-Bold.ttf", 2),
    ("NimbusSansNarrow-Bold.otf", 3),
    ("NimbusSans-Bold.otf", 2),
    ("NotoSansMono-Bold.ttf", 1),
    ("DejaVuSansMono-Bold.ttf", 1),
]
# fonts-noto-cjk: face names looked up inside the .ttc collections.
CJK_FONT_FILES = [
    ("NotoSansCJK-Bold.ttc", "Noto Sans CJK SC", 6),
    ("NotoSansCJK-Regular.ttc", "Noto Sans CJK SC", 2),
    ("NotoSerifCJK-Bold.ttc", "Noto Serif CJK SC", 1),
]
# Extra Latin faces used only on US plates (more varied state fonts); weight 0 elsewhere.
# Optional third field: stroke thickening (px at GLYPH_SIZE) for a face drawn too thin for a plate;
# optional fourth: (slant, stem top) of an open-topped 4 drawn in the face's own stroke (see Fonts.open_four).
US_EXTRA_FONT_FILES = [
    # The open-topped 4 of California's, Illinois's and other states' dies (a slanted L whose low bar
    # a short stem crosses, from mid-height down), which none of the faces above has: the reader
    # took it for L or 1. It is drawn into condensed faces (fonts-opendin's DIN 1451, Liberation Sans
    # Narrow, Nimbus Sans Narrow), some with a full-height stem; fonts-routed-gothic has its own.
    # The two narrow Regular faces come twice on purpose: with the open 4 and with their own.
    ("OSP-DIN.ttf", 2, 0, (0.3, 0.45)),
    ("LiberationSansNarrow-Bold.ttf", 1, 0, (0.0, 0.0)),
    ("NimbusSansNarrow-Bold.otf", 1, 0, (0.3, 0.0)),
    ("NimbusSansNarrow-Regular.otf", 2, 0, (0.3, 0.5)),
    ("LiberationSansNarrow-Regular.ttf", 1, 0, (0.25, 0.45)),
    ("routed-gothic-narrow.ttf", 1, 3),
    ("NimbusSansNarrow-Regular.otf", 1),
    ("LiberationSansNarrow-Regular.ttf", 1),
    ("DejaVuSansCondensed.ttf", 2),
    ("URWGothic-Demi.otf", 1),
    ("NimbusSans-Regular.otf", 1),
    ("NimbusMonoPS-Bold.otf", 1),
    ("LiberationMono-Bold.ttf", 1),
]
# Plate-like province glyphs: the sans faces (Bold mostly), with stroke-width jitter.
PLATE_CJK_FACES = [("NotoSansCJK-Bold.ttc", "Noto Sans CJK SC", 3),
                   ("NotoSansCJK-Regular.ttc", "Noto Sans CJK SC", 1)]
GLYPH_SIZE = 96


def _find_file(name: str) -> str | None:
    for d in FONT_DIRS:
        hits = sorted(glob.glob(os.path.join(d, "**", name), recursive=True))
        if hits:
            return hits[0]
    return None


def _ttc_index(path: str, face: str) -> int | None:
    for i in range(16):
        try:
            f = ImageFont.truetype(path, 16, index=i)
        except (OSError, ValueError):
            return None
        if f.getname()[0] == face:
            return i
    return None


class Fonts:
    """The fonts the generator uses, with a glyph-mask cache."""

    def __init__(self):
        self.latin, self.latin_w, self.us_w = [], [], []
        self.latin_stroke, self.latin_four = [], []  # per Latin face: stroke px, (slant, stem top) of a drawn open 4
        for name, w in LATIN_FONT_FILES:
            p = _find_file(name)
            if p:
                self.latin.append(ImageFont.truetype(p, GLYPH_SIZE))
                self.latin_w.append(w)
                self.us_w.append(w)
                self.latin_stroke.append(0)
                self.latin_four.append(None)
        for name, w, *extra in US_EXTRA_FONT_FILES:
            p = _find_file(name)
            four = extra[1] if len(extra) > 1 else None
            if p:
                self.latin.append(ImageFont.truetype(p, GLYPH_SIZE))
                self.latin_w.append(0)
                self.us_w.append(w)
                self.latin_stroke.append(extra[0] if extra else 0)
                self.latin_four.append(four)
        self.cjk, self.cjk_w = [], []
        for name, face, w in CJK_FONT_FILES:
            p = _find_file(name)
            if not p:
                continue
            idx = _ttc_index(p, face)
            if idx is None:
                continue
            self.cjk.append(ImageFont.truetype(p, GLYPH_SIZE, index=idx))
            self.cjk_w.append(w)
        if not self.cjk:  # last resort: ask fontconfig
            try:
                p = subprocess.run(["fc-match", "-f", "%{file}", "Noto Sans CJK SC:bold"],
                                   capture_output=True, text=True, check=True).stdout.strip()
                idx = _ttc_index(p, "Noto Sans CJK SC") or 0
                self.cjk.append(ImageFont.truetype(p, GLYPH_SIZE, index=idx))
                self.cjk_w.append(1)
            except (OSError, subprocess.CalledProcessError):
                pass
        if not self.latin or not self.cjk:
            raise RuntimeError("fonts missing: apt-get install fonts-noto-cjk fonts-dejavu-core "
                               "fonts-liberation fonts-urw-base35 fonts-noto-mono")
        self.latin_p = np.array(self.latin_w, float) / sum(self.latin_w)
        self.us_p = np.array(self.us_w, float) / sum(self.us_w)
        self.cjk_p = np.array(self.cjk_w, float) / sum(self.cjk_w)
        # plate-like province faces: indices into self.cjk (Sans faces only)
        self.plate_cjk, plate_w = [], []
        for name, face, w in PLATE_CJK_FACES:
            for i, f in enumerate(self.cjk):
                if os.path.basename(f.path) == name:
                    self.plate_cjk.append(i)
                    plate_w.append(w)
        if not self.plate_cjk:
            self.plate_cjk, plate_w = [0], [1]
        self.plate_cjk_p = np.array(plate_w, float) / sum(plate_w)
        self._cache: dict = {}

    def describe(self) -> list[str]:
        return [os.path.basename(f.path) + ("#%d" % f.index if f.path.endswith(".ttc") else "")
                for f in self.latin + self.cjk]

    def pick_latin(self, rng) -> int:
        return int(rng.choice(len(self.latin), p=self.latin_p))

    def pick_us(self, rng) -> int:
        return int(rng.choice(len(self.latin), p=self.us_p))

    def pick_cjk(self, rng) -> int:
        return int(rng.choice(len(self.cjk), p=self.cjk_p))

    def plate_glyph(self, ch: str, rng) -> Image.Image:
        """Province glyph in a plate-like look: a sans CJK face (Bold mostly) whose strokes are
        thickened or thinned a little (max/min filter on the 96 px mask), tight-cropped; the
        caller stretches it to the 45x90 mm character box."""
        k = int(rng.choice(len(self.plate_cjk), p=self.plate_cjk_p))
        fid = self.plate_cjk[k]
        bold = os.path.basename(self.cjk[fid].path).startswith("NotoSansCJK-Bold")
        # stroke change in px at 96 px: Bold -2..+2, Regular 0..+4
        ops = [-2, -2, 0, 0, 0, 2] if bold else [0, 2, 2, 4]
        d = int(ops[rng.integers(len(ops))])
        key = ("plate", ch, fid, d)
        m = self._cache.get(key)
        if m is None:
            m = self.glyph(ch, fid, True)
            if d:
                m = ImageOps.expand(m, border=4, fill=0)
                for _ in range(abs(d) // 2):
                    m = m.filter(ImageFilter.MaxFilter(3) if d > 0 else ImageFilter.MinFilter(3))
                m = m.crop(m.getbbox() or (0, 0, m.width, m.height))
            self._cache[key] = m
        return m

    def open_four(self, font_id: int, shape: tuple[float, float]) -> Image.Image:
        """An open-topped 4 in the face's proportions and stroke: a stroke down from the top to the
        bar (slanted by shape[0] of the width), the bar, and the stem crossing it from shape[1] of the
        height down (0: from the top; California's die: from about mid-height, the bar lower)."""
        cap, stem = self.glyph("H", font_id, False), self.glyph("I", font_id, False)
        h, w, sw = cap.height, cap.width, stem.width
        m = Image.new("L", (w, h), 0)
        d = ImageDraw.Draw(m)
        slant, stem_top = shape
        bar, sx, top = int(h * (0.7 if stem_top > 0 else 0.62)), int(w * 0.62), int(w * slant)
        d.polygon([(top, 0), (top + sw, 0), (sw, bar), (0, bar)], fill=255)
        d.rectangle((0, bar, w - 1, min(h - 1, bar + int(sw * 0.9))), fill=255)
        d.rectangle((sx, int(h * stem_top), min(w - 1, sx + sw), h - 1), fill=255)
        return m

    def glyph(self, ch: str, font_id: int, cjk: bool) -> Image.Image:
        """Tight ink mask ('L') of one character."""
        key = (ch, font_id, cjk)
        m = self._cache.get(key)
        if m is None:
            if not cjk and ch == "4" and self.latin_four[font_id] is not None:
                m = self._cache[key] = self.open_four(font_id, self.latin_four[font_id])
                return m
            font = (self.cjk if cjk else self.latin)[font_id]
            sw = 0 if cjk else self.latin_stroke[font_id]
            l, t, r, b = font.getbbox(ch, stroke_width=sw)
            im = Image.new("L", (r - l + 8, b - t + 8), 0)
            ImageDraw.Draw(im).text((4 - l, 4 - t), ch, fill=255, font=font, stroke_width=sw, stroke_fill=255)
            bb = im.getbbox() or (0, 0, im.width, im.height)
            m = im.crop(bb)
            self._cache[key] = m
        return m


# --------------------------------------------------------------------------- helpers
def _u(rng, a, b):
    return float(rng.uniform(a, b))


def _jit(rng, rgb, amount):
    return tuple(int(np.clip(c + rng.normal(0, amount), 0, 255)) for c in rgb)


def _paste_glyph(img, mask, box, color):
    """Scale an ink mask into box=(x0,y0,w,h) and paint it with color."""
    x0, y0, w, h = box
    w, h = max(1, int(round(w))), max(1, int(round(h)))
    m = mask.resize((w, h), Image.BILINEAR)
    img.paste(color, (int(round(x0)), int(round(y0))), m)


def _rounded_mask(w, h, r):
    m = Image.new("L", (w, h), 0)
    ImageDraw.Draw(m).rounded_rectangle((0, 0, w - 1, h - 1), radius=max(1, int(r)), fill=255)
    return m


def _gradient(w, h, c0, c1, vertical=True):
    t = np.linspace(0, 1, h if vertical else w, dtype=np.float32)
    c0, c1 = np.array(c0, np.float32), np.array(c1, np.float32)
    line = c0[None] * (1 - t[:, None]) + c1[None] * t[:, None]
    if vertical:
        arr = np.broadcast_to(line[:, None, :], (h, w, 3))
    else:
        arr = np.broadcast_to(line[None, :, :], (h, w, 3))
    return Image.fromarray(np.ascontiguousarray(arr).astype(np.uint8), "RGB")


# --------------------------------------------------------------------------- label patterns
# Letters a Chinese serial (the characters after the city's letter) has at most: two, as issued (every one of the
# 600 real training crops keeps it); the Swift decoder's `PlateFormat.mostLetters`.
CN_MOST_LETTERS = 2


def _cap_letters(serial: str) -> str:
    """The serial with letters past the first CN_MOST_LETTERS made digits (drawing nothing from the stream, so
    plates that already keep the rule come out as before)."""
    out, letters = [], 0
    for ch in serial:
        if ch.isalpha():
            letters += 1
            if letters > CN_MOST_LETTERS:
                ch = DIGITS[CN_LETTERS.index(ch) % 10]
        out.append(ch)
    return "".join(out)


def cn_label(rng, kind):
    prov = PROVINCES[rng.integers(len(PROVINCES))]
    city = CN_LETTERS[rng.integers(len(CN_LETTERS))]
    if kind == "green":
        first = "DF"[rng.integers(2)] if rng.random() < 0.8 else CN_ALNUM[rng.integers(len(CN_ALNUM))]
        rest = "".join(DIGITS[rng.integers(10)] if rng.random() < 0.8 else
                       CN_LETTERS[rng.integers(len(CN_LETTERS))] for _ in range(5))
        tail = _cap_letters(first + rest)
        if rng.random() < 0.25:  # large NEV: letter last
            tail = _cap_letters("DF"[rng.integers(2)] + rest)
            tail = tail[1:] + tail[0]
        return prov + city + tail
    n = 4 if kind in ("police", "learner") else 5
    p_letter = _u(rng, 0.05, 0.45)
    body = _cap_letters("".join(CN_LETTERS[rng.integers(len(CN_LETTERS))] if rng.random() < p_letter else
                                DIGITS[rng.integers(10)] for _ in range(n)))
    if kind == "police":
        return prov + city + body + "警"
    if kind == "learner":
        return prov + city + body + "学"
    return prov + city + body


def latin_groups(rng):
    """Returns (label, groups) where groups are drawn with separators between them."""
    n = int(rng.choice([5, 6, 7, 7, 8, 6, 7]))
    if rng.random() < 0.3:
        s = "".join(LATIN_ALNUM[rng.integers(36)] for _ in range(n))
        return s, [s]
    # split n into 1-3 groups of letters / digits / mixed
    ng = int(rng.integers(1, 4))
    cuts = sorted(rng.choice(np.arange(1, n), size=min(ng - 1, n - 1), replace=False).tolist())
    bounds = [0] + cuts + [n]
    groups = []
    for a, b in zip(bounds[:-1], bounds[1:]):
        t = rng.random()
        pool = LETTERS if t < 0.4 else DIGITS if t < 0.8 else LATIN_ALNUM
        groups.append("".join(pool[rng.integers(len(pool))] for _ in range(b - a)))
    return "".join(groups), groups


# --------------------------------------------------------------------------- plate renderers
# Each returns (RGBA plate image, label).  Plates are rendered at roughly 60-110 px
# height, i.e. larger than the final crops, and degraded later.

CN_COLORS = {
    # kind: (background, text, border)
    "blue": ((18, 60, 190), (245, 245, 245), (235, 235, 235)),
    "yellow": ((235, 185, 20), (20, 20, 20), (25, 25, 25)),
    "black": ((18, 18, 22), (240, 240, 240), (230, 230, 230)),
    "police": ((238, 238, 238), (20, 20, 20), (25, 25, 25)),
    "learner": ((235, 185, 20), (20, 20, 20), (25, 25, 25)),
}


def render_cn(rng, fonts: Fonts, kind: str):
    label = cn_label(rng, kind)
    H = int(rng.integers(60, 100))
    s = H / 140.0  # px per mm
    nev = kind == "green"
    W = int(round((480 if nev else 440) * s))
    if nev:
        top, bot = _jit(rng, (235, 248, 235), 8), _jit(rng, (70, 190, 95), 14)
        if rng.random() < 0.15:  # large NEV: yellow -> green left to right
            bg = _gradient(W, H, _jit(rng, (235, 200, 30), 10), _jit(rng, (60, 185, 90), 12), vertical=False)
        else:
            if rng.random() < 0.3:
                top, bot = bot, top
            bg = _gradient(W, H, top, bot, vertical=True)
        text, border = _jit(rng, (15, 15, 15), 6), None
        if rng.random() < 0.5:
            border = _jit(rng, (40, 40, 40), 10)
    else:
        b, t, bd = CN_COLORS[kind]
        bg = Image.new("RGB", (W, H), _jit(rng, b, 12))
        text, border = _jit(rng, t, 6), _jit(rng, bd, 8)
    img = bg
    d = ImageDraw.Draw(img)
    if border is not None and rng.random() < 0.9:
        inset = _u(rng, 1.5, 4.0) * s
        lw = max(1, int(round(_u(rng, 1.0, 2.5) * s)))
        d.rounded_rectangle((inset, inset, W - 1 - inset, H - 1 - inset), radius=int(6 * s),
                            outline=border, width=lw)
    # rivets
    if rng.random() < 0.7:
        for fx in (0.25, 0.75):
            cx, cy, r = W * fx + _u(rng, -3, 3) * s, 12 * s, _u(rng, 3, 5) * s
            d.ellipse((cx - r, cy - r, cx + r, cy + r),
                      fill=_jit(rng, (170, 170, 170), 30))
    # characters
    n = len(label)
    if nev:
        cw, gap, dotgap, left = 43.0, 9.0, 49.0, 15.5
    else:
        cw, gap, dotgap, left = 45.0, 12.0, 34.0, 15.5
    ch_h = 90.0
    # small random layout variation (different plate manufacturers, sloppy renders)
    cw *= _u(rng, 0.9, 1.05)
    ch_h *= _u(rng, 0.88, 1.02)
    total = n * cw + (n - 2) * gap + dotgap
    left = (440 if not nev else 480) / 2 - total / 2 + _u(rng, -3, 3)
    y0 = (140 - ch_h) / 2 + _u(rng, -3, 3)
    lf = fonts.pick_latin(rng)
    cf = fonts.pick_cjk(rng)
    bar_one = rng.random() < 0.6
    plate_like = rng.random() < 0.75  # plate-font-like province glyph (else a plain CJK face)
    x = left
    for i, ch in enumerate(label):
        col = text
        if kind == "police" and ch == "警":
            col = _jit(rng, (200, 20, 25), 15)
        if ch in PROVINCES and plate_like:
            m = fonts.plate_glyph(ch, rng)
            _paste_glyph(img, m, (x * s, y0 * s, cw * s, ch_h * s), col)
        elif ch in PROVINCES or ch in SPECIALS:
            m = fonts.glyph(ch, cf, True)
            _paste_glyph(img, m, (x * s, y0 * s, cw * s, ch_h * s), col)
        elif ch == "1" and bar_one:
            bw = cw * _u(rng, 0.2, 0.28)
            d.rectangle(((x + cw / 2 - bw / 2) * s, y0 * s, (x + cw / 2 + bw / 2) * s,
                         (y0 + ch_h) * s), fill=col)
        else:
            m = fonts.glyph(ch, lf, False)
            aspect = m.width / m.height
            w = min(cw, max(aspect * ch_h * _u(rng, 0.9, 1.35), cw * 0.25))
            if ch != "1":
                w = max(w, cw * _u(rng, 0.8, 1.0))
            _paste_glyph(img, m, ((x + (cw - w) / 2) * s, y0 * s, w * s, ch_h * s), col)
        x += cw
        if i == 1:
            if rng.random() < 0.75:
                r = _u(rng, 3.5, 5.5) * s
                cx, cy = (x + dotgap / 2) * s, 70 * s
                d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=col)
            x += dotgap
        elif i < n - 1:
            x += gap
    a = _rounded_mask(W, H, _u(rng, 2, 8) * s)
    img = img.convert("RGBA")
    img.putalpha(a)
    return img, label


US_STATES = ["CALIFORNIA", "TEXAS", "FLORIDA", "NEW YORK", "OHIO", "ARIZONA", "NEVADA", "OREGON",
             "IOWA", "UTAH", "MAINE", "GEORGIA", "ILLINOIS", "VERMONT", "IDAHO", "KANSAS",
             "MONTANA", "ALASKA", "DELAWARE", "MICHIGAN", "WASHINGTON", "COLORADO", "INDIANA",
             "VIRGINIA", "KENTUCKY", "NEBRASKA", "WYOMING", "HAWAII", "OKLAHOMA", "MISSOURI"]
US_SLOGANS = ["SUNSHINE STATE", "DMV.CA.GOV", "LAND OF LINCOLN", "EMPIRE STATE", "GREAT LAKES",
              "THE LONE STAR STATE", "GRAND CANYON STATE", "EXPLORE", "LIVE FREE OR DIE",
              "FAMOUS POTATOES", "GREEN MOUNTAIN", "PEACH STATE", "BIG SKY COUNTRY", "ALOHA",
              "WILD WONDERFUL", "VACATIONLAND", "THE LAST FRONTIER", "DEALER NAME AUTO"]


def _draw_small_text(img, fonts, rng, text, cx, cy, h, color, font_id=None, squeeze=1.0):
    """Small text line centred at (cx, cy) with capital height h (not part of the label)."""
    if font_id is None:
        font_id = fonts.pick_latin(rng)
    ws = []
    for ch in text:
        if ch == " ":
            ws.append(h * 0.4)
        elif ch == ".":
            ws.append(h * 0.3)
        else:
            m = fonts.glyph(ch, font_id, False)
            ws.append(m.width / m.height * h * squeeze if ch not in ".-" else h * 0.3)
    sp = h * 0.12
    total = sum(ws) + sp * (len(text) - 1)
    x = cx - total / 2
    for ch, w in zip(text, ws):
        if ch == ".":
            ImageDraw.Draw(img).rectangle((x, cy + h / 2 - h * 0.18, x + h * 0.18, cy + h / 2), fill=color)
        elif ch != " ":
            _paste_glyph(img, fonts.glyph(ch, font_id, False), (x, cy - h / 2, w, h), color)
        x += w + sp


def _emblem(d, rng, cx, cy, rx, ry):
    """A filled graphic about 2rx × 2ry: what US plates print between or beside their characters."""
    c = tuple(int(v) for v in rng.integers(0, 256, 3))
    t = rng.random()
    if t < 0.25:  # the wheelchair sign of disabled-parking plates, in ink or white on a blue square
        _wheelchair(d, rng, cx, cy, min(rx, ry), c)
        return
    t = (t - 0.25) / 0.75
    if t < 0.3:  # sun / seal: a disc, maybe with rays
        r = min(rx, ry)
        if rng.random() < 0.5:
            for k in range(12):
                a = k * math.pi / 6
                d.line((cx, cy, cx + 1.4 * r * math.cos(a), cy + 1.4 * r * math.sin(a)), fill=c, width=max(1, int(r * 0.15)))
        d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=c)
    elif t < 0.55:  # star
        pts = [(cx + (rx if k % 2 == 0 else rx * 0.45) * math.sin(k * math.pi / 5),
                cy - (ry if k % 2 == 0 else ry * 0.45) * math.cos(k * math.pi / 5)) for k in range(10)]
        d.polygon(pts, fill=c)
    elif t < 0.8:  # a state's outline: a random blob
        n = int(rng.integers(6, 11))
        pts = [(cx + rx * _u(rng, 0.5, 1.0) * math.cos(2 * math.pi * k / n), cy + ry * _u(rng, 0.5, 1.0) * math.sin(2 * math.pi * k / n))
               for k in range(n)]
        d.polygon(pts, fill=c)
    else:  # a small rectangle (a sticker or a badge)
        d.rectangle((cx - rx * 0.7, cy - ry, cx + rx * 0.7, cy + ry), fill=c)


def _wheelchair(d, rng, cx, cy, s, c):
    """The International Symbol of Access, about 2s × 2s, facing right: head, back, arm, seat, shin
    and the wheel's open arc. The reader took it for E, C, N or 5 beside the characters."""
    w = max(1, int(s * _u(rng, 0.14, 0.22)))
    if rng.random() < 0.35:
        d.rectangle((cx - s, cy - s, cx + s, cy + s), fill=_jit(rng, (20, 60, 160), 20))
        c = _jit(rng, (245, 245, 245), 6)
    hx, hy, hr = cx - s * 0.15, cy - s * 0.72, s * _u(rng, 0.13, 0.18)
    d.ellipse((hx - hr, hy - hr, hx + hr, hy + hr), fill=c)
    seat = (hx - s * 0.05, cy + s * 0.1)
    knee = (cx + s * _u(rng, 0.35, 0.45), cy + s * 0.1)
    d.line((hx, hy + hr * 1.3) + seat, fill=c, width=w)
    d.line((hx, cy - s * 0.3, hx + s * _u(rng, 0.3, 0.45), cy - s * 0.3), fill=c, width=w)
    d.line(seat + knee, fill=c, width=w)
    d.line(knee + (knee[0] + s * 0.15, cy + s * 0.62), fill=c, width=w)
    r, wx, wy = s * _u(rng, 0.5, 0.62), cx - s * 0.2, cy + s * 0.35
    d.arc((wx - r, wy - r, wx + r, wy + r), start=int(_u(rng, 90, 130)), end=int(_u(rng, 370, 400)), fill=c, width=w)


def _draw_main_text(img, fonts, rng, groups, cx, cy, h, color, font_id, squeeze, spacing,
                    sep, max_w, emboss=None, outline=None, highlight=None, cell=None):
    """Draws the label groups; separators between groups are drawn but not labelled.
    cell: a fixed character width (as a fraction of h) as on stamped dies, where W and M are as
    narrow as a digit (the reader took a die's narrow W for M or H); narrower glyphs keep their
    width, centred in the cell. None: each glyph its own width."""
    items = []
    for gi, g in enumerate(groups):
        if gi > 0:
            items.append(("sep", sep))
        for ch in g:
            items.append(("ch", ch))

    def widths(sq):
        ws = []
        for kind, ch in items:
            if kind == "sep":
                ws.append({"space": 0.45, "hyphen": 0.45, "dot": 0.35, "seal": 0.55, "symbol": 0.9}[ch] * h)
            elif cell is not None:
                ws.append(cell * h * sq)
            else:
                m = fonts.glyph(ch, font_id, False)
                ws.append(max(m.width / m.height, 0.22) * h * sq)
        return ws

    ws = widths(squeeze)
    sp = spacing * h
    total = sum(ws) + sp * (len(items) - 1)
    fit = 1.0
    if total > max_w:  # squeeze further to fit
        fit = max_w / total
        ws = [w * fit for w in ws]
        sp *= fit
        total = max_w
    x = cx - total / 2
    d = ImageDraw.Draw(img)
    for (kind, ch), w in zip(items, ws):
        if kind == "ch":
            m = fonts.glyph(ch, font_id, False)
            gw, gx = w, x
            if cell is not None:  # the glyph's own width, at most the cell's, centred in it
                gw = min(w, max(m.width / m.height, 0.22) * h * squeeze * fit)
                gx = x + (w - gw) / 2
            if outline is not None:  # outlined characters: the glyph drawn around in another colour
                o = h * 0.035
                for ox, oy in ((-o, 0), (o, 0), (0, -o), (0, o), (-o, -o), (o, o), (-o, o), (o, -o)):
                    _paste_glyph(img, m, (gx + ox, cy - h / 2 + oy, gw, h), outline)
            if highlight is not None:  # embossed: light edge up-left
                _paste_glyph(img, m, (gx - h * 0.025, cy - h / 2 - h * 0.025, gw, h), highlight)
            if emboss is not None:
                _paste_glyph(img, m, (gx + h * 0.03, cy - h / 2 + h * 0.03, gw, h), emboss)
            _paste_glyph(img, m, (gx, cy - h / 2, gw, h), color)
        elif ch == "hyphen":
            d.rectangle((x + w * 0.15, cy - h * 0.05, x + w * 0.85, cy + h * 0.05), fill=color)
        elif ch == "dot":
            r = h * 0.06
            d.ellipse((x + w / 2 - r, cy - r, x + w / 2 + r, cy + r), fill=color)
        elif ch == "symbol":  # a state emblem between the groups (a sun, star, outline, seal), never read
            _emblem(d, rng, x + w / 2, cy, w * 0.45, h * 0.45)
        elif ch == "seal":  # German registration seals
            r = w * 0.42
            for yy in (cy - h * 0.22, cy + h * 0.22):
                d.ellipse((x + w / 2 - r, yy - r, x + w / 2 + r, yy + r),
                          fill=_jit(rng, (150, 150, 150), 40), outline=(60, 60, 60))
        x += w + sp
    return cx - total / 2, cx + total / 2


def _pale_color(rng):
    return tuple(int(v) for v in rng.integers(200, 256, 3))


def _scenic(rng, W, H):
    """A US 'scenic' background: two or three saturated bands blended top to bottom, sometimes a
    mountain range or a rainbow arc over them."""
    palette = [(200, 40, 40), (250, 250, 250), (60, 110, 200), (250, 170, 60), (250, 230, 120),
               (120, 190, 240), (90, 160, 90), (230, 120, 160)]
    n = int(rng.integers(2, 4))
    cols = [palette[rng.integers(len(palette))] for _ in range(n)]
    t = np.linspace(0, 1, H, dtype=np.float32)[:, None] * (n - 1)
    k = np.minimum(t.astype(int), n - 2)
    f = t - k
    c = np.array(cols, np.float32)
    line = c[k[:, 0]] * (1 - f) + c[k[:, 0] + 1] * f
    img = Image.fromarray(np.ascontiguousarray(np.broadcast_to(line[:, None, :], (H, W, 3))).astype(np.uint8), "RGB")
    d = ImageDraw.Draw(img)
    if rng.random() < 0.5:
        pts = [(0, H)] + [(W * k / 8, H * _u(rng, 0.35, 0.8)) for k in range(9)] + [(W, H)]
        d.polygon(pts, fill=_jit(rng, palette[rng.integers(len(palette))], 30))
    elif rng.random() < 0.5:
        r0 = W * _u(rng, 0.4, 0.7)
        cx, cy = W * _u(rng, 0.2, 0.8), H * _u(rng, 0.9, 1.6)
        for j, col in enumerate([(220, 60, 60), (240, 160, 50), (240, 230, 80), (80, 180, 90), (70, 120, 220)]):
            r = r0 - j * H * 0.05
            d.arc((cx - r, cy - r, cx + r, cy + r), 180, 360, fill=col, width=max(1, int(H * 0.05)))
    return img


def _text_color(rng):
    c = rng.choice(6)
    return [(15, 15, 15), (20, 35, 110), (120, 15, 20), (15, 70, 30), (10, 10, 60),
            (70, 30, 90)][c]


# Standard-issue US series (separators dropped; the groups as printed), weighted roughly by the vehicles
# that carry them: ABC1234 (TX, NY, PA, OH, GA, NC, MI, VA, WA, AZ, WI), 7ABC123 (CA), AB12345 (IL, CT),
# ABCD12 (FL, CO), ABC123 / 123ABC (older series of many states), A12BCD (NJ), 1AB2345 (MD), 1ABC23 (MA),
# AB1C234 (TX before 2009), AB1C2D (MO), 1234AB (ME), all digits (NH, DE, RI). The same table is
# `PlateFormat.usSeries` on the Swift side.
US_SERIES = [
    (["LLL", "DDDD"], 45), (["DLLLDDD"], 12), (["LL", "DDDDD"], 6), (["LLL", "LDD"], 7), (["DDD", "LLL"], 6),
    (["LLL", "DDD"], 8), (["LDD", "LLL"], 3), (["DLL", "DDDD"], 2), (["DLL", "LDD"], 3), (["LLD", "LDDD"], 3),
    (["LLD", "LDL"], 2), (["DDDD", "LL"], 1), (["DDD", "DDDD"], 1), (["DDD", "DDD"], 1),
]
US_SERIES_P = np.array([w for _, w in US_SERIES], float) / sum(w for _, w in US_SERIES)


SERIES_POOLS = {"L": LETTERS, "D": DIGITS, "A": LATIN_ALNUM}


def series_groups(rng, patterns):
    """The printed groups of a series given as patterns per group (L a letter, D a digit, A either)."""
    return ["".join(SERIES_POOLS[c][rng.integers(len(SERIES_POOLS[c]))] for c in g) for g in patterns]


def us_label(rng):
    """Returns (label, groups): a standard-issue series on 85 % of plates, random groups (personalised and
    specialty plates) on the rest."""
    if rng.random() < 0.15:
        return latin_groups(rng)
    patterns, _ = US_SERIES[int(rng.choice(len(US_SERIES), p=US_SERIES_P))]
    groups = series_groups(rng, patterns)
    return "".join(groups), groups


def render_us(rng, fonts: Fonts):
    label, groups = us_label(rng)
    H = int(rng.integers(70, 110))
    W = int(H * _u(rng, 1.9, 2.1))
    t = rng.random()
    dark = False
    if t < 0.35:
        img = Image.new("RGB", (W, H), _jit(rng, (244, 244, 240), 6))
    elif t < 0.6:
        img = _gradient(W, H, _pale_color(rng), _pale_color(rng), vertical=rng.random() < 0.7)
    elif t < 0.72:  # dark plate, light characters (Vermont's green, navy, maroon, black specialty plates)
        dark = True
        img = Image.new("RGB", (W, H), _jit(rng, [(20, 90, 50), (20, 40, 110), (110, 20, 30), (22, 22, 26),
                                                   (15, 60, 90)][rng.integers(5)], 12))
    elif t < 0.85:  # scenic: saturated bands (sky to white, sunset) behind the characters
        img = _scenic(rng, W, H)
    else:
        img = Image.new("RGB", (W, H), _jit(rng, (240, 200, 40), 15) if rng.random() < 0.5 else _pale_color(rng))
    d = ImageDraw.Draw(img)
    # faint scenery / graphics
    if rng.random() < 0.4:
        pts = [(0, H * _u(rng, 0.6, 0.9))] + [(W * k / 6, H * _u(rng, 0.45, 0.9)) for k in range(1, 6)] + \
              [(W, H * _u(rng, 0.6, 0.9)), (W, H), (0, H)]
        d.polygon(pts, fill=_jit(rng, (40, 60, 50), 30) if dark else _pale_color(rng))
    if rng.random() < 0.2:
        r = H * _u(rng, 0.2, 0.4)
        cx, cy = W * _u(rng, 0.1, 0.9), H * _u(rng, 0.2, 0.6)
        d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=_jit(rng, (60, 60, 60), 40) if dark else _pale_color(rng))
    band = not dark and rng.random() < 0.15
    if band:  # a coloured band across the top with the state's name in white
        d.rectangle((0, 0, W, H * _u(rng, 0.16, 0.24)), fill=_text_color(rng))
    ink = (lambda: _jit(rng, [(245, 245, 245), (250, 240, 200), (250, 220, 60)][rng.integers(3)], 5)) if dark \
        else (lambda: _text_color(rng))
    tc = ink()
    fid = fonts.pick_us(rng)
    # state name on top, slogan at bottom (not part of the label)
    if rng.random() < 0.85:
        sc = (245, 245, 245) if band else ink() if rng.random() < 0.5 else tc
        st = US_STATES[rng.integers(len(US_STATES))]
        _draw_small_text(img, fonts, rng, st, W / 2 + _u(rng, -0.1, 0.1) * W, H * _u(rng, 0.12, 0.18),
                         H * _u(rng, 0.09, 0.16), sc)
    if rng.random() < 0.6:
        sl = US_SLOGANS[rng.integers(len(US_SLOGANS))]
        _draw_small_text(img, fonts, rng, sl, W / 2, H * _u(rng, 0.84, 0.9), H * _u(rng, 0.06, 0.1), ink())
    # small stickers in the corners
    if rng.random() < 0.4:
        for cx in (W * 0.1, W * 0.9):
            if rng.random() < 0.6:
                sw, sh = W * 0.1, H * 0.14
                d.rectangle((cx - sw / 2, H * 0.06, cx + sw / 2, H * 0.06 + sh), fill=_jit(rng, (150, 150, 150), 80))
    sep = ["space", "hyphen", "dot", "space"][rng.integers(4)] if len(groups) > 1 else "space"
    if len(groups) == 1 and rng.random() < 0.3 and len(label) >= 5:  # drawn gap/hyphen inside
        k = int(rng.integers(2, len(label) - 1))
        groups = [label[:k], label[k:]]
    if len(groups) > 1 and rng.random() < 0.12:  # an emblem between the groups
        sep = "symbol"
    # two small characters stacked beside the main text (a county or class code: not part of the reading),
    # or a graphic there (a seal, a wheelchair sign, a team's badge)
    stacked = None if rng.random() > 0.12 else ("left" if rng.random() < 0.5 else "right")
    badge = None if stacked or rng.random() > 0.12 else ("left" if rng.random() < 0.6 else "right")
    # extra clutter: bolts / screw holes, a small county or registration line
    if rng.random() < 0.4:
        r = H * _u(rng, 0.025, 0.045)
        bc = _jit(rng, (120, 120, 120), 50)
        for fx in (0.2, 0.8):
            for fy in ((0.2,) if rng.random() < 0.6 else (0.2, 0.8)):
                cx, cy = W * fx + _u(rng, -2, 2), H * fy + _u(rng, -2, 2)
                d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=bc)
    if rng.random() < 0.25:
        txt = ["COUNTY", "APR", "2025", "REG EXP", "JUL 26", "PASSENGER", "TRUCK", "COMMERCIAL"][rng.integers(8)]
        _draw_small_text(img, fonts, rng, txt, W * _u(rng, 0.15, 0.85), H * _u(rng, 0.76, 0.92), H * _u(rng, 0.06, 0.1),
                         ink())
    h = H * _u(rng, 0.38, 0.5)
    style = rng.random()
    emboss = outline = highlight = None
    if style < 0.2:  # embossed: dark shadow, sometimes a light edge on the other side
        emboss = _jit(rng, (90, 90, 90), 25)
        if rng.random() < 0.5:
            highlight = _jit(rng, (250, 250, 250), 4)
    elif style < 0.3:  # outlined characters
        outline = _text_color(rng) if rng.random() < 0.5 else _jit(rng, (20, 20, 20), 10)
        tc = _pale_color(rng) if rng.random() < 0.5 else tc
    cx, cy = W / 2 + _u(rng, -0.03, 0.03) * W, H * _u(rng, 0.5, 0.56)
    if stacked:
        cx += (0.07 if stacked == "left" else -0.07) * W
    if badge:
        cx += (0.1 if badge == "left" else -0.1) * W
    # A third of the plates get a die's fixed character width (that of the face's 0, give or take).
    cell = None
    if rng.random() < 0.35:
        zero = fonts.glyph("0", fid, False)
        cell = zero.width / zero.height * _u(rng, 0.95, 1.12)
    x0, x1 = _draw_main_text(img, fonts, rng, groups, cx, cy, h, tc, fid, _u(rng, 0.8, 1.1), _u(rng, 0.04, 0.14),
                             sep, W * (0.72 if badge else 0.78 if stacked else 0.92), emboss, outline, highlight,
                             cell)
    if badge:
        r = h * _u(rng, 0.35, 0.55)
        bx = x0 - h * _u(rng, 0.1, 0.25) - r if badge == "left" else x1 + h * _u(rng, 0.1, 0.25) + r
        _emblem(d, rng, bx, cy, r, r)
    if stacked:
        sh = h * _u(rng, 0.38, 0.46)
        sx = x0 - h * _u(rng, 0.08, 0.15) - sh * 0.7 if stacked == "left" else x1 + h * _u(rng, 0.08, 0.15)
        for k in range(2):
            ch = LATIN_ALNUM[rng.integers(len(LATIN_ALNUM))]
            _paste_glyph(img, fonts.glyph(ch, fid, False), (sx, cy - h / 2 + k * (h - sh), sh * 0.7, sh), tc)
    # licence plate frame (often with dealer text at the bottom)
    if rng.random() < 0.35:
        fc = _jit(rng, (30, 30, 30), 20) if rng.random() < 0.7 else _jit(rng, (190, 190, 190), 20)
        fw = max(2, int(H * _u(rng, 0.04, 0.08)))
        d.rectangle((0, 0, W - 1, H - 1), outline=fc, width=fw)
        if rng.random() < 0.6:
            bh = H * _u(rng, 0.1, 0.16)
            d.rectangle((0, H - bh, W, H), fill=fc)
            txt = "".join(LETTERS[rng.integers(26)] for _ in range(int(rng.integers(6, 14))))
            _draw_small_text(img, fonts, rng, txt, W / 2, H - bh / 2, bh * 0.55,
                             (230, 230, 230) if sum(fc) < 300 else (30, 30, 30))
    a = _rounded_mask(W, H, H * _u(rng, 0.02, 0.08))
    img = img.convert("RGBA")
    img.putalpha(a)
    return img, label


EU_CODES = ["D", "F", "NL", "B", "I", "E", "P", "A", "PL", "CZ", "S", "FIN", "DK", "L", "IRL", "GB", "UK", "H", "SK", "RO"]
# Current national series: (strip code, groups as drawn — L letter, D digit, A either, one pattern per
# group — weight). Germany's district + letters + digits is drawn separately. The reader knows the same
# series (Plates.PlateFormat.euNational); the rest of the EU plates keep random groups (old series,
# personalised plates), so that the reader is not taught that every plate follows one.
EU_SERIES = [
    ("F", ["LL", "DDD", "LL"], 8), ("I", ["LL", "DDD", "LL"], 7), ("SK", ["LL", "DDDLL"], 3),
    ("E", ["DDDD", "LLL"], 6), ("GB", ["LLDD", "LLL"], 6), ("RO", ["LL", "DD", "LLL"], 3),
    ("B", ["D", "LLL", "DDD"], 3), ("CZ", ["DLA", "DDDD"], 3), ("PL", ["LL", "DDDDD"], 3),
    ("PL", ["LLL", "DDDD"], 2), ("DK", ["LL", "DD", "DDD"], 2), ("NL", ["DD", "LLL", "D"], 2),
    ("NL", ["D", "LLL", "DD"], 2), ("NL", ["LL", "DDD", "L"], 2), ("NL", ["L", "DDD", "LL"], 1),
    ("P", ["LL", "DD", "LL"], 2), ("P", ["DD", "LL", "DD"], 2), ("S", ["LLL", "DDL"], 2),
    ("FIN", ["LLL", "DDD"], 2), ("H", ["LLL", "DDD"], 2), ("L", ["LL", "DDDD"], 1),
]
EU_SERIES_P = np.array([w for _, _, w in EU_SERIES], float) / sum(w for _, _, w in EU_SERIES)


def eu_label(rng):
    """Returns (label, groups, strip code or None): a current national series (German ones a third of the
    time) on 85 % of plates, random groups on the rest."""
    t = rng.random()
    if t < 0.15:
        label, groups = latin_groups(rng)
        return label, groups, None
    if t < 0.4:  # Germany: district (1-3 letters), 1-2 letters, 1-4 digits, at most 8 characters
        district = "".join(LETTERS[rng.integers(26)] for _ in range(int(rng.integers(1, 4))))
        letters = "".join(LETTERS[rng.integers(26)] for _ in range(int(rng.integers(1, 3))))
        n = int(rng.integers(1, min(4, 8 - len(district) - len(letters)) + 1))
        groups = [district, letters + "".join(DIGITS[rng.integers(10)] for _ in range(n))]
        return "".join(groups), groups, "D"
    code, patterns, _ = EU_SERIES[int(rng.choice(len(EU_SERIES), p=EU_SERIES_P))]
    groups = series_groups(rng, patterns)
    return "".join(groups), groups, code


def render_eu(rng, fonts: Fonts):
    label, groups, series_code = eu_label(rng)
    H = int(rng.integers(50, 80))
    W = int(H * _u(rng, 4.3, 4.8))
    if rng.random() < 0.2:
        bgc = _jit(rng, (240, 200, 30), 12)
    else:
        bgc = _jit(rng, (242, 242, 238), 6)
    img = Image.new("RGB", (W, H), bgc)
    d = ImageDraw.Draw(img)
    x0 = 0.0
    if rng.random() < 0.85:
        sw = W * _u(rng, 0.07, 0.085)
        d.rectangle((0, 0, sw, H), fill=_jit(rng, (20, 50, 160), 15))
        # ring of stars
        cx, cy, R = sw / 2, H * 0.32, sw * 0.3
        for k in range(12):
            a = 2 * math.pi * k / 12
            px, py = cx + R * math.cos(a), cy + R * math.sin(a)
            r = max(0.6, sw * 0.04)
            d.ellipse((px - r, py - r, px + r, py + r), fill=(240, 210, 30))
        code = series_code or EU_CODES[rng.integers(len(EU_CODES))]
        _draw_small_text(img, fonts, rng, code, cx, H * 0.75, H * _u(rng, 0.2, 0.28), (240, 240, 240),
                         squeeze=min(1.0, 2.2 / len(code)))
        x0 = sw
    tc = _jit(rng, (15, 15, 15), 5) if rng.random() < 0.85 else _text_color(rng)
    sep = ["space", "hyphen", "seal", "space", "hyphen"][rng.integers(5)]
    if len(groups) == 1 and rng.random() < 0.3 and len(label) >= 5:
        k = int(rng.integers(1, len(label) - 1))
        groups = [label[:k], label[k:]]
    fid = fonts.pick_latin(rng)
    h = H * _u(rng, 0.6, 0.74)
    avail = W - x0
    _draw_main_text(img, fonts, rng, groups, x0 + avail / 2 + _u(rng, -0.02, 0.02) * W, H * _u(rng, 0.48, 0.53),
                    h, tc, fid, _u(rng, 0.75, 1.05), _u(rng, 0.03, 0.1), sep, avail * 0.93)
    d.rounded_rectangle((1, 1, W - 2, H - 2), radius=int(H * 0.08), outline=(20, 20, 20),
                        width=max(1, int(H * _u(rng, 0.015, 0.04))))
    a = _rounded_mask(W, H, H * _u(rng, 0.03, 0.1))
    img = img.convert("RGBA")
    img.putalpha(a)
    return img, label


KINDS = [("cn_blue", 0.32), ("cn_yellow", 0.09), ("cn_green", 0.13), ("cn_black", 0.03),
         ("cn_police", 0.03), ("cn_learner", 0.02), ("us", 0.19), ("eu", 0.19)]
KIND_NAMES = [k for k, _ in KINDS]
KIND_P = np.array([p for _, p in KINDS]) / sum(p for _, p in KINDS)


def render_plate(rng, fonts: Fonts, kind: str):
    if kind.startswith("cn_"):
        return render_cn(rng, fonts, kind[3:])
    if kind == "us":
        return render_us(rng, fonts)
    return render_eu(rng, fonts)


# --------------------------------------------------------------------------- scene + geometry
def _perspective_coeffs(dst, src):
    """Coefficients for PIL's PERSPECTIVE transform mapping output points dst -> input points src."""
    A, b = [], []
    for (x, y), (u, v) in zip(dst, src):
        A.append([x, y, 1, 0, 0, 0, -u * x, -u * y]); b.append(u)
        A.append([0, 0, 0, x, y, 1, -v * x, -v * y]); b.append(v)
    return np.linalg.solve(np.array(A, float), np.array(b, float)).tolist()


def _background(rng, fonts, w, h):
    t = rng.random()
    if t < 0.25:  # car body colour, vertical gradient, maybe a bumper edge
        base = [(240, 240, 240), (190, 190, 195), (30, 30, 32), (150, 20, 25), (20, 40, 110),
                (120, 120, 125), (90, 70, 50), (60, 90, 60)][rng.integers(8)]
        img = _gradient(w, h, _jit(rng, base, 25), _jit(rng, base, 25))
        d = ImageDraw.Draw(img)
        for _ in range(int(rng.integers(0, 3))):
            y = _u(rng, 0, h)
            d.line((0, y, w, y + _u(rng, -h * 0.1, h * 0.1)), fill=_jit(rng, base, 60),
                   width=int(rng.integers(1, max(2, h // 10))))
    elif t < 0.45:  # smooth noise texture
        sm = rng.integers(0, 256, (int(rng.integers(2, 8)), int(rng.integers(2, 8)), 3)).astype(np.uint8)
        img = Image.fromarray(sm, "RGB").resize((w, h), Image.BICUBIC)
    elif t < 0.6:  # coarse noise
        arr = rng.normal(_u(rng, 40, 200), _u(rng, 10, 60), (h // 2 + 1, w // 2 + 1, 1))
        arr = np.clip(arr * rng.uniform(0.7, 1.3, (1, 1, 3)), 0, 255).astype(np.uint8)
        img = Image.fromarray(arr, "RGB").resize((w, h), Image.BILINEAR)
    elif t < 0.8:  # another plate (tiled), a neighbouring car / a poster
        kind = KIND_NAMES[int(rng.choice(len(KIND_NAMES), p=KIND_P))]
        other, _ = render_plate(rng, fonts, kind)
        other = other.convert("RGB")
        f = _u(rng, 0.6, 1.6)
        other = other.resize((max(8, int(other.width * f)), max(8, int(other.height * f))), Image.BILINEAR)
        img = Image.new("RGB", (w, h), _jit(rng, (100, 100, 100), 60))
        ox, oy = int(rng.integers(-other.width, 1)), int(rng.integers(-other.height, 1))
        for yy in range(oy, h, other.height):
            for xx in range(ox, w, other.width):
                img.paste(other, (xx, yy))
    else:  # plain gradient
        img = _gradient(w, h, tuple(int(v) for v in rng.integers(0, 256, 3)),
                        tuple(int(v) for v in rng.integers(0, 256, 3)), vertical=rng.random() < 0.5)
    if t >= 0.25 and rng.random() < 0.7:  # scenes are rarely saturated: desaturate
        arr = np.asarray(img, np.float32)
        g = arr.mean(axis=2, keepdims=True)
        img = Image.fromarray((g + (arr - g) * _u(rng, 0.1, 0.7)).astype(np.uint8), "RGB")
    return img


def _place(rng, plate, fonts):
    """Warps the plate into a scene and cuts a detector-like crop around it."""
    pw, ph = plate.size
    # geometry: rotation (mostly small), scale, perspective / shear jitter
    ang = float(np.clip(rng.normal(0, 4.5), -15, 15))
    if rng.random() < 0.08:
        ang = _u(rng, -15, 15)
    sx = _u(rng, 0.85, 1.1)
    sy = _u(rng, 0.85, 1.15)
    corners = np.array([[0, 0], [pw, 0], [pw, ph], [0, ph]], float) - [pw / 2, ph / 2]
    corners *= [sx, sy]
    shear = _u(rng, -0.15, 0.15) if rng.random() < 0.5 else 0.0
    corners[:, 0] += shear * corners[:, 1]
    # perspective: move the corners independently
    jit = ph * _u(rng, 0.0, 0.12)
    corners += rng.uniform(-jit, jit, corners.shape)
    if rng.random() < 0.3:  # yaw: one side shorter
        k = _u(rng, -0.15, 0.15)
        corners[[1, 2], 1] *= 1 - k
        corners[[0, 3], 1] *= 1 + k
    c, s_ = math.cos(math.radians(ang)), math.sin(math.radians(ang))
    corners = corners @ np.array([[c, s_], [-s_, c]])
    bx0, by0 = corners.min(0)
    bx1, by1 = corners.max(0)
    bw, bh = bx1 - bx0, by1 - by0
    qh = (np.linalg.norm(corners[3] - corners[0]) + np.linalg.norm(corners[2] - corners[1])) / 2
    qw = (np.linalg.norm(corners[1] - corners[0]) + np.linalg.norm(corners[2] - corners[3])) / 2
    # crop margins relative to the plate's bounding box (a detector's box): tight to ~15%,
    # sometimes clipping 1-2 px of the plate edge
    ml = _u(rng, -0.015, 0.08) * qw
    mr = _u(rng, -0.015, 0.08) * qw
    mt = _u(rng, -0.06, 0.22) * qh
    mb = _u(rng, -0.06, 0.22) * qh
    if rng.random() < 0.15:
        ml, mr, mt, mb = -_u(rng, 1, 3), -_u(rng, 1, 3), -_u(rng, 0, 2), -_u(rng, 0, 2)
    x0, y0 = bx0 - ml, by0 - mt
    x1, y1 = bx1 + mr, by1 + mb
    W, H = max(8, int(round(x1 - x0))), max(8, int(round(y1 - y0)))
    dst = corners - [x0, y0]
    src = [(0, 0), (pw, 0), (pw, ph), (0, ph)]
    coeffs = _perspective_coeffs(dst.tolist(), src)
    warped = plate.transform((W, H), Image.PERSPECTIVE, coeffs, Image.BILINEAR)
    bg = _background(rng, fonts, W, H)
    bg.paste(warped, (0, 0), warped)
    return bg


def _motion_blur(arr, rng):
    k = int(rng.integers(2, 6))
    a = _u(rng, 0, math.pi)
    dx, dy = math.cos(a), math.sin(a)
    acc = np.zeros_like(arr)
    for i in range(k):
        t = i - (k - 1) / 2
        acc += np.roll(arr, (int(round(t * dy)), int(round(t * dx))), axis=(0, 1))
    return acc / k


def _degrade(img, rng, strength=1.0):
    """Photometric degradation of an RGB crop; returns an RGB image (possibly resized)."""
    arr = np.asarray(img, dtype=np.float32)
    h, w = arr.shape[:2]
    # shadow: a darkened half-plane / polygon
    if rng.random() < 0.3 * strength:
        yy, xx = np.mgrid[0:h, 0:w]
        a = _u(rng, 0, 2 * math.pi)
        off = _u(rng, -0.3, 0.3) * (w + h)
        m = ((xx - w / 2) * math.cos(a) + (yy - h / 2) * math.sin(a) > off).astype(np.float32)
        f = _u(rng, 0.35, 0.75)
        arr = arr * (1 - m[..., None] * (1 - f))
    # dirt / stains
    if rng.random() < 0.3 * strength:
        dm = Image.new("L", (w, h), 0)
        dd = ImageDraw.Draw(dm)
        for _ in range(int(rng.integers(1, 8))):
            cx, cy, r = _u(rng, 0, w), _u(rng, 0, h), _u(rng, 1, max(2, h * 0.3))
            dd.ellipse((cx - r, cy - r * _u(rng, 0.3, 1), cx + r, cy + r), fill=int(rng.integers(40, 200)))
        dm = np.asarray(dm.filter(ImageFilter.GaussianBlur(_u(rng, 0.5, 3))), np.float32)[..., None] / 255
        dc = np.array(_jit(rng, (90, 75, 55), 30), np.float32)
        arr = arr * (1 - dm) + dc * dm
    # colour cast, brightness, contrast, gamma
    arr = arr * rng.uniform(0.8, 1.2, 3).astype(np.float32) ** strength
    mean = arr.mean()
    arr = (arr - mean) * _u(rng, 1 - 0.5 * strength, 1 + 0.3 * strength) + mean + _u(rng, -40, 40) * strength
    arr = np.clip(arr, 0, 255)
    g = math.exp(_u(rng, -0.5, 0.5) * strength)
    arr = 255.0 * (arr / 255.0) ** g
    # motion blur
    if rng.random() < 0.25 * strength:
        arr = _motion_blur(arr, rng)
    img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")
    if rng.random() < 0.5 * strength:
        img = img.filter(ImageFilter.GaussianBlur(_u(rng, 0.2, 1.4) * h / 40))
    return img


def _resample(rng):
    return [Image.BILINEAR, Image.BICUBIC, Image.BOX, Image.NEAREST, Image.LANCZOS][
        int(rng.choice(5, p=[0.35, 0.2, 0.2, 0.1, 0.15]))]


def _final_quality(img, rng, min_w=40, max_w=220):
    """Downscale to a far-plate size, add noise and JPEG re-compression."""
    w, h = img.size
    if rng.random() < 0.12:  # the real crops are 94x24 (non-aspect)
        tw, th = 94, 24
    else:  # 30 % small far plates (40-90 px wide), the rest 80-220 px
        lo, hi = (min_w, 90) if rng.random() < 0.3 else (80, max_w)
        tw = int(round(math.exp(_u(rng, math.log(lo), math.log(hi)))))
        th = max(8, int(round(tw * h / w)))
    img = img.resize((tw, th), _resample(rng))
    if rng.random() < 0.7:
        arr = np.asarray(img, np.float32)
        sig = _u(rng, 0, 12)
        noise = rng.normal(0, sig, arr.shape[:2] + (1,)) if rng.random() < 0.5 else rng.normal(0, sig, arr.shape)
        img = Image.fromarray(np.clip(arr + noise, 0, 255).astype(np.uint8), "RGB")
    if rng.random() < 0.8:
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=int(rng.integers(20, 91)))
        img = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    return img


def gen_crop(rng, fonts: Fonts, kind: str | None = None):
    """One synthetic crop: (PIL RGB image of arbitrary size, label, kind)."""
    if kind is None:
        kind = KIND_NAMES[int(rng.choice(len(KIND_NAMES), p=KIND_P))]
    plate, label = render_plate(rng, fonts, kind)
    img = _place(rng, plate, fonts)
    img = _degrade(img, rng)
    img = _final_quality(img, rng)
    return img, label, kind


def augment_real(img, rng):
    """Mild augmentation of a real (already tight, small, jpeg) crop."""
    img = img.convert("RGB")
    if rng.random() < 0.15:
        return img
    w, h = img.size
    # pad with edge replication so geometry does not introduce black borders
    arr = np.asarray(img)
    p = max(w, h) // 4
    padded = Image.fromarray(np.pad(arr, ((p, p), (p, p), (0, 0)), mode="edge"))
    # choose the crop quad in padded coordinates around the original plate
    ang = math.radians(float(np.clip(rng.normal(0, 2.5), -6, 6)))
    ml, mr = _u(rng, -0.03, 0.06) * w, _u(rng, -0.03, 0.06) * w
    mt, mb = _u(rng, -0.08, 0.15) * h, _u(rng, -0.08, 0.15) * h
    quad = np.array([[-ml, -mt], [w + mr, -mt], [w + mr, h + mb], [-ml, h + mb]], float)
    quad += rng.uniform(-0.06 * h, 0.06 * h, quad.shape)
    ctr = quad.mean(0)
    c, s = math.cos(ang), math.sin(ang)
    quad = (quad - ctr) @ np.array([[c, s], [-s, c]]) + ctr + p
    ow, oh = w, h
    coeffs = _perspective_coeffs([(0, 0), (ow, 0), (ow, oh), (0, oh)], quad.tolist())
    img = padded.transform((ow, oh), Image.PERSPECTIVE, coeffs, Image.BILINEAR)
    img = _degrade(img, rng, strength=0.6)
    if rng.random() < 0.3:
        tw = int(rng.integers(40, 94))
        img = img.resize((tw, max(8, int(tw * h / w))), _resample(rng))
    if rng.random() < 0.5:
        arr = np.asarray(img, np.float32)
        img = Image.fromarray(np.clip(arr + rng.normal(0, _u(rng, 0, 8), arr.shape), 0, 255).astype(np.uint8))
    if rng.random() < 0.5:
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=int(rng.integers(30, 95)))
        img = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    return img


# --------------------------------------------------------------------------- province swap
def _otsu(values: np.ndarray) -> float:
    hist, edges = np.histogram(values, bins=64, range=(0, 256))
    p = hist.astype(np.float64) / max(1, hist.sum())
    centres = (edges[:-1] + edges[1:]) / 2
    w0 = np.cumsum(p)
    m0 = np.cumsum(p * centres)
    mt = m0[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (mt * w0 - m0) ** 2 / (w0 * (1 - w0))
    between[~np.isfinite(between)] = -1
    return float(edges[int(np.argmax(between)) + 1])


def _runs(mask: np.ndarray):
    """(start, end_exclusive) of the True runs of a 1-D boolean array."""
    m = np.concatenate([[False], mask, [False]]).astype(np.int8)
    d = np.diff(m)
    return list(zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1)))


def find_province_box(img):
    """Estimates where the province character of a (tight, real) Chinese plate crop is.

    Returns dict(x0, x1, y0, y1 (x1/y1 exclusive), bright (text brighter than plate), ink mask,
    gray) — from the binarised text: the text rows from the row projection of the right part,
    the gap between the first and the second character as the emptiest column in 10-22 % of
    the width, the left edge as the first ink column.  Falls back to the GA 36 fractions
    (province at 3.5-14 % of the width) where the projection is not clear."""
    g = to_gray(img)
    h, w = g.shape
    core = g[int(h * 0.2):max(int(h * 0.2) + 1, int(h * 0.8)), int(w * 0.2):int(w * 0.95)]
    t = _otsu(core.ravel())
    bright = (core > t).mean() < 0.5  # the text is the minority class
    ink = g > t if bright else g < t
    # text rows: row ink profile over the characters right of the province
    rows = ink[:, int(w * 0.2):int(w * 0.95)].mean(1)
    rr = [(a, b) for a, b in _runs(rows > 0.12) if b - a >= h * 0.35]
    if rr:
        y0, y1 = max(rr, key=lambda r: r[1] - r[0])
    else:
        y0, y1 = int(round(h * 0.12)), int(round(h * 0.88))
    band = ink[y0:y1]
    cols = band.mean(0)
    sm = np.convolve(cols, [0.25, 0.5, 0.25], mode="same")
    # left edge: first column with ink (a bright plate border is full height: skip it)
    xl = None
    for x in range(0, int(w * 0.12)):
        if cols[x] > 0.08 and not (x < w * 0.04 and cols[x] > 0.85):
            xl = x
            break
    # the gap after the province: where a 45 mm character ends (8.5-16 % of the width after
    # its left edge), else anywhere in 11-22 % of the width
    if xl is not None:
        a, b = xl + int(round(w * 0.085)), xl + int(math.ceil(w * 0.16))
    else:
        a, b = int(w * 0.11), int(math.ceil(w * 0.22))
    a, b = max(a, int(w * 0.08)), min(b, int(math.ceil(w * 0.24)))
    b = max(b, a + 2)
    seg = sm[a:b]
    lo = seg.min() if seg.size else 1.0
    if seg.size and lo < 0.2:
        idx = np.flatnonzero(seg <= lo + 0.02)
        # leftmost run of near-minimum columns: the gap after the first character
        run_end = idx[0]
        while run_end + 1 in set(idx.tolist()):
            run_end += 1
        gap = a + (idx[0] + run_end) // 2
        x1 = a + idx[0]
        while x1 > 0 and cols[x1 - 1] < 0.05:  # step back over empty columns
            x1 -= 1
        x1 = max(x1, 1)
    else:
        gap = x1 = int(round(w * 0.15))
    x0 = xl
    if x0 is None or not (w * 0.075 <= x1 - x0 <= w * 0.17):
        x0 = max(0, int(round(x1 - w * 0.105)))
    if x1 - x0 < w * 0.075:  # safe fallback: the GA 36 position on a tight crop
        x0, x1 = int(round(w * 0.035)), int(round(w * 0.14))
    x0 = max(x0, x1 - int(round(w * 0.13)))  # left border / scene ink is not the character
    return {"x0": int(x0), "x1": int(x1), "gap": int(gap), "y0": int(y0), "y1": int(y1),
            "bright": bool(bright), "ink": ink, "gray": g, "threshold": t}


def _sharpness(gray: np.ndarray, contrast: float) -> float:
    if gray.ndim != 2 or gray.shape[0] < 1 or gray.shape[1] < 2:
        return 0.0
    dx = np.abs(np.diff(gray, axis=1))
    return float(np.percentile(dx, 97)) / max(contrast, 1.0)


def swap_province(img, label: str, rng, fonts: Fonts, new: str | None = None):
    """Replaces the province character of a real Chinese plate crop by another one.

    The first character's box (find_province_box) is covered with the plate colour (a plane
    fitted to the plate pixels around it, plus their noise), then `new` (default: uniform over
    the 31 provinces) is drawn in a plate-like glyph (Fonts.plate_glyph) stretched to the box,
    in the text colour of the other characters, with a blur matched to their edge sharpness.
    Returns (RGB image, new label); where the crop does not look like a plate it returns the
    very `img` object it was given and the label unchanged."""
    orig, img = img, img.convert("RGB")
    if not label or label[0] not in PROVINCES:
        return orig, label
    if new is None:
        new = PROVINCES[int(rng.integers(len(PROVINCES)))]
    box = find_province_box(img)
    arr = np.asarray(img, np.float32)
    h, w = arr.shape[:2]
    ink, g = box["ink"], box["gray"]
    x0, x1, y0, y1 = box["x0"], box["x1"], box["y0"], box["y1"]
    # colours from the other characters' band: text core and plate body
    rest = np.zeros((h, w), bool)
    rest[y0:y1, max(x1 + 2, int(w * 0.2)):int(w * 0.95)] = True
    ink_d = np.asarray(Image.fromarray(ink.astype(np.uint8) * 255).filter(ImageFilter.MaxFilter(3))) > 0
    tpx = rest & ink
    bpx = rest & ~ink_d
    if tpx.sum() < 10 or bpx.sum() < 10:
        return orig, label
    tl = g[tpx]
    core = tpx & ((g >= np.percentile(tl, 35)) if box["bright"] else (g <= np.percentile(tl, 65)))
    text_col = np.median(arr[core], axis=0)
    body_col = np.median(arr[bpx], axis=0)
    contrast = abs(float(np.median(g[core])) - float(np.median(g[bpx])))
    if contrast < 25:
        return orig, label
    # cover region (a pixel of margin; never into the second character)
    cx0, cx1 = max(0, x0 - 1), min(w, x1 + 1)
    cy0, cy1 = max(0, y0 - 1), min(h, y1 + 1)
    # background: plane fitted to the non-ink pixels around the cover region
    rx0, rx1, ry0, ry1 = max(0, cx0 - 3), min(w, cx1 + 2), max(0, cy0 - 3), min(h, cy1 + 3)
    yy, xx = np.mgrid[ry0:ry1, rx0:rx1]
    sel = ~ink_d[ry0:ry1, rx0:rx1]
    # keep only plate-coloured pixels (not the scene outside the plate, not a border)
    dist = np.abs(arr[ry0:ry1, rx0:rx1] - body_col).sum(-1)
    sel &= dist < max(60.0, np.percentile(np.abs(arr[bpx] - body_col).sum(-1), 90) * 1.5)
    if sel.sum() >= 12:
        A = np.stack([xx[sel], yy[sel], np.ones(int(sel.sum()))], 1).astype(np.float64)
        pix = arr[ry0:ry1, rx0:rx1][sel].astype(np.float64)
        coef, *_ = np.linalg.lstsq(A, pix, rcond=None)
        resid = pix - A @ coef
        noise_sd = float(np.clip(resid.std(), 1.0, 12.0))
    else:
        coef = np.zeros((3, 3)); coef[2] = body_col
        noise_sd = 4.0
    yy, xx = np.mgrid[0:h, 0:w]
    plane = (np.stack([xx, yy, np.ones_like(xx)], -1).astype(np.float64) @ coef).astype(np.float32)
    plane = np.clip(plane + rng.normal(0, noise_sd * 0.8, (h, w, 1)).astype(np.float32)
                    * rng.uniform(0.85, 1.15, 3).astype(np.float32), 0, 255)
    plane = np.asarray(Image.fromarray(plane.astype(np.uint8)).filter(ImageFilter.GaussianBlur(0.5)), np.float32)
    cover = Image.new("L", (w, h), 0)
    ImageDraw.Draw(cover).rectangle((cx0, cy0, cx1 - 1, cy1 - 1), fill=255)
    cover = np.asarray(cover.filter(ImageFilter.GaussianBlur(0.6)), np.float32)[..., None] / 255
    cover = np.maximum(cover, np.pad(np.ones((cy1 - cy0, cx1 - cx0, 1), np.float32),
                                     ((cy0, h - cy1), (cx0, w - cx1), (0, 0))))
    base = arr * (1 - cover) + plane * cover
    # the new glyph, rendered at 4x and box-filtered down
    S = 4
    bw = min(x1 - x0, w * 0.118) * _u(rng, 0.92, 1.05)  # a 45 mm character, right-aligned
    bh = (y1 - y0) * _u(rng, 0.94, 1.04)
    gx = x1 - bw - _u(rng, -0.2, 0.6)
    gy = y0 + (y1 - y0 - bh) / 2 + _u(rng, -0.3, 0.3)
    big = Image.new("L", (w * S, h * S), 0)
    m = fonts.plate_glyph(new, rng)
    big.paste(m.resize((max(1, int(round(bw * S))), max(1, int(round(bh * S)))), Image.BILINEAR),
              (int(round(gx * S)), int(round(gy * S))))
    alpha0 = big.resize((w, h), Image.BOX)
    # blur matched to the edge sharpness of the other characters
    target = _sharpness(g[y0:y1, max(x1 + 2, int(w * 0.2)):int(w * 0.6)], contrast)
    best = None
    for r in (0.0, 0.3, 0.5, 0.7, 0.9, 1.2):
        a = np.asarray(alpha0.filter(ImageFilter.GaussianBlur(r)) if r else alpha0, np.float32) / 255
        sh = _sharpness(a[y0:y1, x0:x1] * contrast, contrast)
        if best is None or abs(sh - target) < best[0]:
            best = (abs(sh - target), a)
    a = best[1][..., None] * _u(rng, 0.9, 1.0)
    tcol = np.clip(np.array(text_col, np.float32) + rng.normal(0, 4, 3), 0, 255)
    out = base * (1 - a) + tcol * a
    out = Image.fromarray(np.clip(out, 0, 255).astype(np.uint8), "RGB")
    if rng.random() < 0.7:  # the real crops are JPEGs: give the new glyph the same artefacts
        buf = io.BytesIO()
        out.save(buf, "JPEG", quality=int(rng.integers(60, 92)))
        out = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    return out, new + label[1:]


# --------------------------------------------------------------------------- model input
def to_gray(img) -> np.ndarray:
    """Float32 luma 0.299 R + 0.587 G + 0.114 B (0..255)."""
    arr = np.asarray(img.convert("RGB"), np.float32)
    return arr[..., 0] * 0.299 + arr[..., 1] * 0.587 + arr[..., 2] * 0.114


def resize_bilinear(gray: np.ndarray, out_w=INPUT_W, out_h=INPUT_H) -> np.ndarray:
    """Plain bilinear resize, half-pixel centres, edge clamp, no antialiasing:
    src = (dst + 0.5) * in/out - 0.5 (clamped to [0, in-1])."""
    h, w = gray.shape
    ys = np.clip((np.arange(out_h) + 0.5) * h / out_h - 0.5, 0, h - 1)
    xs = np.clip((np.arange(out_w) + 0.5) * w / out_w - 0.5, 0, w - 1)
    y0 = np.floor(ys).astype(int); y1 = np.minimum(y0 + 1, h - 1); fy = (ys - y0)[:, None]
    x0 = np.floor(xs).astype(int); x1 = np.minimum(x0 + 1, w - 1); fx = (xs - x0)[None, :]
    g = gray.astype(np.float32)
    top = g[y0][:, x0] * (1 - fx) + g[y0][:, x1] * fx
    bot = g[y1][:, x0] * (1 - fx) + g[y1][:, x1] * fx
    return (top * (1 - fy) + bot * fy).astype(np.float32)


def normalize(gray: np.ndarray) -> np.ndarray:
    return ((gray / 255.0 - 0.5) / 0.5).astype(np.float32)


def preprocess(img) -> np.ndarray:
    """Canonical inference preprocessing: luma, plain bilinear to 128x32, (p/255-0.5)/0.5."""
    return normalize(resize_bilinear(to_gray(img)))


def to_model_input_u8(img, rng=None) -> np.ndarray:
    """Training-time version of preprocess(): random resize filter (so the model does not
    depend on the exact filter), returned as uint8 (32, 128) to save memory."""
    if rng is None or rng.random() < 0.5:
        g = resize_bilinear(to_gray(img))
    else:
        g = np.asarray(Image.fromarray(np.clip(to_gray(img), 0, 255).astype(np.uint8), "L")
                       .resize((INPUT_W, INPUT_H), _resample(rng)), np.float32)
    return np.clip(np.round(g), 0, 255).astype(np.uint8)


# --------------------------------------------------------------------------- CLI
def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=48)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--kind", choices=KIND_NAMES)
    ap.add_argument("--out", default="/tmp/plategen-sheet.png")
    ap.add_argument("--model-input", action="store_true", help="show the 128x32 grey model input")
    ap.add_argument("--scale", type=int, default=2)
    ap.add_argument("--real-swap", metavar="DIR",
                    help="sheet of province swaps on the real crops in DIR (labels.tsv): "
                         "original | swapped | box found, per row (never use plates/dev)")
    args = ap.parse_args()
    fonts = Fonts()
    if args.real_swap:
        if "/plates/dev" in os.path.abspath(args.real_swap):
            raise SystemExit("refusing to read the dev set")
        with open(os.path.join(args.real_swap, "labels.tsv"), encoding="utf-8") as f:
            f.readline()
            rows = [l.rstrip("\n").split("\t")[:2] for l in f]
        rows = sorted(r for r in rows if len(r) == 2 and r[1])
        pick = np.random.default_rng([args.seed, 8]).permutation(len(rows))[:args.n]
        S = args.scale * 2
        cw, chh = 94 * S, 24 * S
        sheet = Image.new("RGB", (3 * (cw + 6), args.n * (chh + 6)), (255, 255, 255))
        for k, i in enumerate(pick):
            path, lab = os.path.join(args.real_swap, rows[i][0]), rows[i][1]
            src = Image.open(path).convert("RGB")
            out, nl = swap_province(src, lab, np.random.default_rng([args.seed, 7, int(i)]), fonts)
            b = find_province_box(src)
            boxed = src.copy()
            ImageDraw.Draw(boxed).rectangle((b["x0"], b["y0"], b["x1"] - 1, b["y1"] - 1), outline=(255, 0, 0))
            for j, t in enumerate((src, out, boxed)):
                sheet.paste(t.resize((cw, chh), Image.NEAREST if j == 2 else Image.BICUBIC),
                            (j * (cw + 6), k * (chh + 6)))
            print(k, rows[i][0], lab, "->", nl, "box", b["x0"], b["x1"], b["y0"], b["y1"], "bright" if b["bright"] else "dark")
        sheet.save(args.out)
        print("wrote", args.out)
        return
    cols = 4
    cw, chh = INPUT_W * args.scale, INPUT_H * args.scale
    rows = (args.n + cols - 1) // cols
    sheet = Image.new("RGB", (cols * (cw + 6), rows * (chh + 6)), (255, 255, 255))
    for i in range(args.n):
        rng = np.random.default_rng([args.seed, 9, i])
        img, label, kind = gen_crop(rng, fonts, args.kind)
        if args.model_input:
            t = Image.fromarray(to_model_input_u8(img, rng)).convert("RGB")
        else:
            t = img
        t = t.resize((cw, chh), Image.NEAREST)
        sheet.paste(t, ((i % cols) * (cw + 6), (i // cols) * (chh + 6)))
        print(i, kind, label, img.size)
    sheet.save(args.out)
    print("wrote", args.out)


if __name__ == "__main__":
    main()
