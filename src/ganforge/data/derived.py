"""Inputs derived from an image for translation tasks: grayscale and line-art edges.

Made for `builtin:shapes` (colourisation from grayscale, drawing from edges), usable on any image.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PIL import Image


def _grayscale(img: Image.Image) -> Image.Image:
    return img.convert("L")


def _edges(img: Image.Image) -> Image.Image:
    """Line art: dark lines (Sobel gradient magnitude of the luma) on white."""
    gray = np.asarray(img.convert("L"), dtype=np.float32)
    padded = np.pad(gray, 1, mode="edge")
    dx = (padded[:-2, 2:] + 2 * padded[1:-1, 2:] + padded[2:, 2:]) - (
        padded[:-2, :-2] + 2 * padded[1:-1, :-2] + padded[2:, :-2]
    )
    dy = (padded[2:, :-2] + 2 * padded[2:, 1:-1] + padded[2:, 2:]) - (
        padded[:-2, :-2] + 2 * padded[:-2, 1:-1] + padded[:-2, 2:]
    )
    # A Sobel response of 4 per grey level of contrast: /2 makes most shape outlines solid.
    strength = np.clip(np.hypot(dx, dy) / 2, 0, 255)
    return Image.fromarray((255 - np.rint(strength)).astype(np.uint8), mode="L")


DERIVED: dict[str, Callable[[Image.Image], Image.Image]] = {
    "grayscale": _grayscale,
    "edges": _edges,
}


def shapes_derived(img: Image.Image, kind: str) -> Image.Image:
    """An input for translation tasks made from a shapes image: "grayscale" or "edges" (mode "L")."""
    if kind not in DERIVED:
        raise ValueError(f"unknown derived kind {kind!r}; allowed: {', '.join(DERIVED)}")
    return DERIVED[kind](img)
