"""The foreground of a `builtin:shapes`-style image, read by fixed pixel rules: its coverage,
colour, centre, area, position class and size class.

Foreground coverage of a pixel is its distance to the background colour over the distance of
the pure colour, clipped to [0, 1]; below `FAINT` it counts as background, so faint pixel noise
(a few levels, invisible, in every generated image) neither moves the centre nor adds area.

- colour: the palette colour nearest to the mean of the clearly-foreground pixels;
- position: the horizontal centre of the foreground (coverage-weighted) -> nearest of
  left 0.25 / center 0.5 / right 0.75 of the width;
- size: the foreground area against a per-shape threshold, the geometric mean of the median
  small and large areas of that shape in builtin:shapes itself (sizes differ by 2.8x in area).

Every step is fixed: the same image reads the same way. The shape itself needs a trained
classifier (`alignment.shapes_reader`); the features and spreads that need only these rules
(`metrics.features.shapes_attributes`, `alignment.spread`) read them here.
"""

from __future__ import annotations

import functools

import numpy as np
import torch
from torch import Tensor

from ganforge.data.shapes import BACKGROUND, COLOURS, POSITIONS, SHAPES, make_shapes

NOTHING = "none"  # an image without a visible shape
SOLID = 0.6  # coverage above which a pixel is counted for the colour
FAINT = 0.15  # coverage below which a pixel is background (noise of about 12 levels and less)


def coverage(images: Tensor) -> Tensor:
    """uint8 [N,3,H,W] -> [N,H,W] float in [0,1]: the share of each pixel the shape covers."""
    x = images.float()
    background = torch.tensor(BACKGROUND, dtype=torch.float32)[None, :, None, None]
    palette = torch.tensor(list(COLOURS.values()), dtype=torch.float32)
    full = (palette - background[0, :, 0, 0]).norm(dim=1).min()  # the palette's least contrast
    cover = ((x - background).norm(dim=1) / full).clamp(0, 1)
    return torch.where(cover < FAINT, 0.0, cover)


def measures(images: Tensor) -> np.ndarray:
    """uint8 RGB [N,3,H,W] -> [N,3]: the foreground's centre x, centre y (fractions of the
    width) and area (fraction of the image), coverage-weighted."""
    cover = coverage(images)
    height, width = cover.shape[-2:]
    mass = cover.sum(dim=(1, 2)).clamp(min=1e-6)
    xs = (torch.arange(width, dtype=torch.float32) + 0.5) / width
    ys = (torch.arange(height, dtype=torch.float32) + 0.5) / height
    centre_x = (cover.sum(dim=1) * xs).sum(dim=1) / mass
    centre_y = (cover.sum(dim=2) * ys).sum(dim=1) / mass
    return torch.stack([centre_x, centre_y, cover.mean(dim=(1, 2))], dim=1).numpy()


def read_colour(images: Tensor, cover: Tensor) -> list[str]:
    palette = torch.tensor(list(COLOURS.values()), dtype=torch.float32)
    names = list(COLOURS)
    solid = (cover > SOLID).float()[:, None]
    counts = solid.sum(dim=(2, 3))
    means = (images.float() * solid).sum(dim=(2, 3)) / counts.clamp(min=1)
    nearest = torch.cdist(means, palette).argmin(dim=1)
    return [names[k] if counts[i, 0] > 0 else NOTHING for i, k in enumerate(nearest.tolist())]


def read_position(cover: Tensor) -> list[str]:
    width = cover.shape[-1]
    columns = (torch.arange(width, dtype=torch.float32) + 0.5) / width
    mass = cover.sum(dim=(1, 2))
    centre = (cover.sum(dim=1) * columns).sum(dim=1) / mass.clamp(min=1e-6)
    anchors = torch.tensor(list(POSITIONS.values()))
    nearest = (centre[:, None] - anchors).abs().argmin(dim=1)
    names = list(POSITIONS)
    return [names[k] if mass[i] > 0.5 else NOTHING for i, k in enumerate(nearest.tolist())]


@functools.lru_cache(maxsize=4)
def size_thresholds(size: int) -> dict[str, float]:
    """Per shape: the area fraction between small and large (geometric mean of their medians)."""
    data = make_shapes(size=size)
    pixels = torch.from_numpy(np.array(data.pixels)).permute(0, 3, 1, 2)
    areas = coverage(pixels).mean(dim=(1, 2)).numpy()
    thresholds = {}
    for shape in SHAPES:
        medians = [
            np.median([a for a, attrs in zip(areas, data.attributes, strict=True) if attrs["shape"] == shape and attrs["size"] == s])
            for s in ("small", "large")
        ]
        thresholds[shape] = float(np.sqrt(medians[0] * medians[1]))
    return thresholds


def read_size(cover: Tensor, shapes: list[str]) -> list[str]:
    thresholds = size_thresholds(32 if cover.shape[-1] <= 32 else 64)
    areas = cover.mean(dim=(1, 2)).tolist()
    return [
        NOTHING if area <= 0 else ("large" if area > thresholds.get(shape, thresholds["circle"]) else "small")
        for area, shape in zip(areas, shapes, strict=True)
    ]
