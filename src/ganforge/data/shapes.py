"""`builtin:shapes`: a procedural, seeded data set of coloured shapes with captions.

Each image is one shape on a plain dark background (RGB (30, 30, 30)). Attributes:

- shape (the class label): circle, square, triangle, cross, star — balanced exactly;
- colour: red, orange, yellow, green, blue, purple;
- size: small (about 0.3 of the image width) or large (about 0.5);
- position: left, center or right third.

Within those attributes, position (±0.04 of the width), size (±10%), height (±0.1) and
rotation (±12°, not circles) jitter, so images almost never repeat (a handful of small
circles coincide on the drawing grid: 6 of the default 4,000, at 32 and at 64 pixels).
Each shape's mask is drawn at 128×128 (4× at 32, 2× at 64) and box-averaged down to the
share of each pixel it covers, which blends the colour into the background: anti-aliased
edges. The attribute draws depend only on (n, seed), so `shapes` (32×32) and `shapes64`
share attributes and captions. The result depends only on (n, size, seed): same bytes in
every process. Derived inputs for translation tasks (grayscale, edges) are in
`ganforge.data.derived`.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

SHAPES_VERSION = "shapes-1"  # bump when the drawing changes, so caches keyed on it refresh
SHAPES = ("circle", "square", "triangle", "cross", "star")
COLOURS = {
    "red": (225, 40, 40),
    "orange": (245, 140, 30),
    "yellow": (240, 220, 40),
    "green": (40, 185, 60),
    "blue": (50, 100, 240),
    "purple": (165, 60, 215),
}
SIZES = {"small": 0.3, "large": 0.5}  # shape diameter as a fraction of the image width
POSITIONS = {"left": 0.25, "center": 0.5, "right": 0.75}  # horizontal centre / width
POSITION_PHRASES = {"left": "on the left", "center": "in the center", "right": "on the right"}
ATTRIBUTES = {
    "shape": SHAPES,
    "colour": tuple(COLOURS),
    "size": tuple(SIZES),
    "position": tuple(POSITIONS),
}
BACKGROUND = (30, 30, 30)
CANVAS = 128  # drawing resolution of the masks before box-averaging down (at least 2×)
EDGE_MARGIN = 0.02  # fraction of the width kept free between a shape and the border


@dataclass(frozen=True)
class ShapesData:
    """`pixels` [N,S,S,3] uint8 (read-only), and per image a label, attributes and caption."""

    pixels: np.ndarray
    labels: list[int]
    attributes: list[dict[str, str]]
    captions: list[str]
    params: dict


def caption(attributes: dict[str, str]) -> str:
    """{"size": "small", "colour": "red", "shape": "circle", "position": "left"} ->
    "a small red circle on the left"."""
    a = attributes
    return f"a {a['size']} {a['colour']} {a['shape']} {POSITION_PHRASES[a['position']]}"


@functools.lru_cache(maxsize=8)
def make_shapes(n: int = 4000, size: int = 32, seed: int = 0) -> ShapesData:
    """Build (once per process and arguments) n images of size×size pixels."""
    rng = np.random.default_rng(seed)
    shape_ids = rng.permutation(np.arange(n) % len(SHAPES))
    others = [key for key in ATTRIBUTES if key != "shape"]
    picks = {key: rng.integers(len(ATTRIBUTES[key]), size=n) for key in others}
    jitter = rng.uniform(-1.0, 1.0, size=(n, 4))  # x, y, scale, rotation
    attributes = []
    pixels = np.empty((n, size, size, 3), dtype=np.uint8)
    background = Image.new("RGB", (size, size), BACKGROUND)
    paints = {name: Image.new("RGB", (size, size), rgb) for name, rgb in COLOURS.items()}
    for i in range(n):
        attrs = {"shape": SHAPES[shape_ids[i]]}
        attrs.update({key: ATTRIBUTES[key][picks[key][i]] for key in picks})
        attributes.append(attrs)
        mask = _coverage(attrs, jitter[i], size)
        pixels[i] = np.asarray(Image.composite(paints[attrs["colour"]], background, mask))
    pixels.flags.writeable = False
    return ShapesData(
        pixels=pixels,
        labels=[int(k) for k in shape_ids],
        attributes=attributes,
        captions=[caption(a) for a in attributes],
        params={"n": n, "size": size, "seed": seed, "version": SHAPES_VERSION},
    )


def _coverage(attrs: dict[str, str], jitter: np.ndarray, size: int) -> Image.Image:
    """Mask "L" [size,size]: the share of each pixel the shape covers, 255 = all (anti-aliasing)."""
    factor = max(2, CANVAS // size)
    radius = SIZES[attrs["size"]] * (1 + 0.1 * jitter[2]) / 2
    low, high = radius + EDGE_MARGIN, 1 - radius - EDGE_MARGIN
    cx = min(max(POSITIONS[attrs["position"]] + 0.04 * jitter[0], low), high)
    cy = min(max(0.5 + 0.1 * jitter[1], low), high)
    angle = math.radians(12 * jitter[3])
    big = size * factor
    mask = Image.new("L", (big, big), 0)
    DRAWERS[attrs["shape"]](ImageDraw.Draw(mask), cx * big, cy * big, radius * big, angle, 255)
    return mask.reduce(factor)


def _polygon(points: list[tuple[float, float]]) -> Callable:
    """A drawer for a polygon given in unit coordinates (radius 1, y down, centred)."""

    def draw(
        canvas: ImageDraw.ImageDraw, cx: float, cy: float, r: float, angle: float, fill
    ) -> None:
        cos, sin = math.cos(angle), math.sin(angle)
        corners = [(cx + r * (x * cos - y * sin), cy + r * (x * sin + y * cos)) for x, y in points]
        canvas.polygon(corners, fill=fill)

    return draw


def _circle(
    canvas: ImageDraw.ImageDraw, cx: float, cy: float, r: float, angle: float, fill
) -> None:
    canvas.ellipse([cx - r, cy - r, cx + r, cy + r], fill=fill)


def _star_points(tips: int = 5, inner: float = 0.45) -> list[tuple[float, float]]:
    return [
        (
            (1 if k % 2 == 0 else inner) * math.cos(-math.pi / 2 + k * math.pi / tips),
            (1 if k % 2 == 0 else inner) * math.sin(-math.pi / 2 + k * math.pi / tips),
        )
        for k in range(2 * tips)
    ]


_ARM = 0.33  # half-width of a cross arm, in radii
_SQUARE = 0.82  # half-side of a square, in radii: about the area of the other shapes
DRAWERS: dict[str, Callable] = {
    "circle": _circle,
    "square": _polygon(
        [(-_SQUARE, -_SQUARE), (_SQUARE, -_SQUARE), (_SQUARE, _SQUARE), (-_SQUARE, _SQUARE)]
    ),
    "triangle": _polygon(
        [(math.cos(a), math.sin(a)) for a in (-math.pi / 2, math.pi / 6, 5 * math.pi / 6)]
    ),
    "cross": _polygon(
        [
            (-_ARM, -1),
            (_ARM, -1),
            (_ARM, -_ARM),
            (1, -_ARM),
            (1, _ARM),
            (_ARM, _ARM),
            (_ARM, 1),
            (-_ARM, 1),
            (-_ARM, _ARM),
            (-1, _ARM),
            (-1, -_ARM),
            (-_ARM, -_ARM),
        ]
    ),
    "star": _polygon(_star_points()),
}
