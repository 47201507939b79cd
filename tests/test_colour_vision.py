"""Issue 22: the map's colours stay apart for readers with deuteranopia or protanopia, and the traffic lights
never rely on colour alone.

colorspacious (maintained, Machado et al. 2009) simulates the deficiency at severity 100 and converts to CIELab;
panprd.colour.ciede2000 measures the difference (checked here against Sharma, Wu and Dalal's published pairs).
Adjacent choropleth classes, any two traffic lights and any two of the 9+2 fills must differ by ΔE00 ≥ 10.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from colorspacious import cspace_convert

from panprd import colour, ledger_view
from panprd.map import spec as mapspec

MIN_DELTA_E = 10
VISIONS = (None, "deuteranomaly", "protanomaly")
PALETTES = {
    "choropleth classes (adjacent)": list(zip(mapspec.CHOROPLETH_COLOURS, mapspec.CHOROPLETH_COLOURS[1:])),
    "traffic lights": list(itertools.combinations(ledger_view.LIGHT_COLOURS.values(), 2)),
    "9+2 fills": list(itertools.combinations(
        (mapspec.FUJIAN_COLOUR, mapspec.MEMBER_COLOUR, mapspec.PARTNER_COLOUR, mapspec.LAND_COLOUR), 2)),
}


def seen_lab(hex_colour: str, vision: str | None) -> tuple[float, float, float]:
    """CIELab of a colour as a reader with this colour vision sees it (None: typical vision)."""
    rgb = np.array(colour.rgb(hex_colour)) / 255
    if vision:
        rgb = np.clip(cspace_convert(rgb, {"name": "sRGB1+CVD", "cvd_type": vision, "severity": 100}, "sRGB1"), 0, 1)
    return tuple(cspace_convert(rgb, "sRGB1", "CIELab"))


# Sharma, Wu and Dalal (2005), "The CIEDE2000 color-difference formula", table 1 (eight of its 34 pairs,
# among them the hue-angle edge cases).
SHARMA = [
    ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
    ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
    ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
    ((50.0, 2.5, 0.0), (50.0, 0.0, -2.5), 4.3065),
    ((50.0, -0.001, 2.49), (50.0, 0.0009, -2.49), 4.8045),
    ((50.0, 2.5, 0.0), (56.0, -27.0, -3.0), 31.9030),
    ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    ((2.0776, 0.0795, -1.1350), (0.9033, -0.0636, -0.5514), 0.9082),
]


@pytest.mark.parametrize("lab1, lab2, expected", SHARMA)
def test_ciede2000_matches_the_published_pairs(lab1, lab2, expected):
    assert colour.ciede2000(lab1, lab2) == pytest.approx(expected, abs=1e-4)
    assert colour.ciede2000(lab2, lab1) == pytest.approx(expected, abs=1e-4)


@pytest.mark.parametrize("vision", VISIONS, ids=lambda v: v or "typical")
@pytest.mark.parametrize("palette", list(PALETTES))
def test_palette_stays_apart(palette: str, vision: str | None):
    close = [(a, b, round(colour.ciede2000(seen_lab(a, vision), seen_lab(b, vision)), 1)) for a, b in PALETTES[palette]]
    assert [c for c in close if c[2] < MIN_DELTA_E] == [], f"{palette}, {vision or 'typical'} vision"


def test_every_light_has_its_own_shape():
    assert set(ledger_view.LIGHT_SYMBOLS) == set(ledger_view.LIGHT_COLOURS)
    assert len(set(ledger_view.LIGHT_SYMBOLS.values())) == len(ledger_view.LIGHT_SYMBOLS)
