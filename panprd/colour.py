"""Colour arithmetic the pages need for WCAG 2.1 AA (issue 22): a shade made opaque, and the text colour
that reads on it (WCAG's relative luminance and contrast ratio), so that a shaded table cell never puts
white on a pale shade or black on a dark one.
"""

from __future__ import annotations

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

