"""Colour arithmetic the pages need for WCAG 2.1 AA (issue 22): a shade made opaque, and the text colour
that reads on it (WCAG's relative luminance and contrast ratio), so that a shaded table cell never puts
white on a pale shade or black on a dark one; and CIEDE2000 (Sharma, Wu and Dalal 2005), the colour difference
the map's palettes are held to under simulated colour-vision deficiency (tests/test_colour_vision.py:
colorspacious simulates, this measures; no maintained package here has CIEDE2000 without pulling in much more).
"""

from __future__ import annotations

import math

WHITE = "#ffffff"
BLACK = "#000000"


def rgb(colour: str) -> tuple[int, int, int]:
    """#rrggbb -> (r, g, b) in 0..255."""
    value = colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def hex_colour(channels: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{round(min(255, max(0, c))):02x}" for c in channels)


def over_white(colour: str, alpha: float) -> str:
    """The opaque colour `colour` at `alpha` shows on a white page (what a browser paints for rgba)."""
    return hex_colour(tuple(255 + (c - 255) * alpha for c in rgb(colour)))


def luminance(colour: str) -> float:
    """WCAG 2.1's relative luminance of an sRGB colour."""
    def linear(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4
    r, g, b = (linear(c) for c in rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(one: str, other: str) -> float:
    """WCAG 2.1's contrast ratio (1 to 21)."""
    high, low = sorted((luminance(one), luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def readable_text(background: str) -> str:
    """Black or white, whichever contrasts more with the background (at least 4.58:1 for any colour)."""
    return WHITE if contrast(WHITE, background) >= contrast(BLACK, background) else BLACK



def ciede2000(lab1: tuple[float, float, float], lab2: tuple[float, float, float]) -> float:
    """CIEDE2000 colour difference of two CIELab colours (kL = kC = kH = 1), as Sharma et al. (2005) state it."""
    l1, a1, b1 = lab1
    l2, a2, b2 = lab2
    c_mean = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(c_mean ** 7 / (c_mean ** 7 + 25 ** 7)))
    a1p, a2p = a1 * (1 + g), a2 * (1 + g)
    c1p, c2p = math.hypot(a1p, b1), math.hypot(a2p, b2)
    h1p = math.degrees(math.atan2(b1, a1p)) % 360 if c1p else 0.0
    h2p = math.degrees(math.atan2(b2, a2p)) % 360 if c2p else 0.0
    dlp, dcp = l2 - l1, c2p - c1p
    dhp = 0.0
    if c1p * c2p:
        dhp = h2p - h1p
        if dhp > 180:
            dhp -= 360
        elif dhp < -180:
            dhp += 360
    d_hp = 2 * math.sqrt(c1p * c2p) * math.sin(math.radians(dhp / 2))
    lp_mean, cp_mean = (l1 + l2) / 2, (c1p + c2p) / 2
    hp_mean = h1p + h2p
    if c1p * c2p:
        if abs(h1p - h2p) <= 180:
            hp_mean = (h1p + h2p) / 2
        else:
            hp_mean = (h1p + h2p + 360) / 2 if h1p + h2p < 360 else (h1p + h2p - 360) / 2
    t = (1 - 0.17 * math.cos(math.radians(hp_mean - 30)) + 0.24 * math.cos(math.radians(2 * hp_mean))
         + 0.32 * math.cos(math.radians(3 * hp_mean + 6)) - 0.20 * math.cos(math.radians(4 * hp_mean - 63)))
    d_theta = 30 * math.exp(-(((hp_mean - 275) / 25) ** 2))
    r_c = 2 * math.sqrt(cp_mean ** 7 / (cp_mean ** 7 + 25 ** 7))
    s_l = 1 + 0.015 * (lp_mean - 50) ** 2 / math.sqrt(20 + (lp_mean - 50) ** 2)
    s_c = 1 + 0.045 * cp_mean
    s_h = 1 + 0.015 * cp_mean * t
    r_t = -math.sin(math.radians(2 * d_theta)) * r_c
    return math.sqrt((dlp / s_l) ** 2 + (dcp / s_c) ** 2 + (d_hp / s_h) ** 2
                     + r_t * (dcp / s_c) * (d_hp / s_h))
