"""Read shape, colour, size and position off a `builtin:shapes`-style image.

- shape: the shipped shapes evaluator (a CNN trained on builtin:shapes, 100% on its held-out split);
- colour: the palette colour nearest to the mean of the clearly-foreground pixels;
- position: the horizontal centre of the foreground (coverage-weighted) -> nearest of
  left 0.25 / center 0.5 / right 0.75 of the width;
- size: the foreground area against a per-shape threshold, the geometric mean of the median
  small and large areas of that shape in builtin:shapes itself (sizes differ by 2.8x in area).

Foreground coverage of a pixel is its distance to the background colour over the distance of
the pure colour, clipped to [0, 1]; below `FAINT` it counts as background, so faint pixel noise
(a few levels, invisible, in every generated image) neither moves the centre nor adds area.
Every step is fixed: the same image reads the same way.
"""

from __future__ import annotations

import functools

import numpy as np
import torch
from torch import Tensor

from ganforge.data.shapes import ATTRIBUTES, BACKGROUND, COLOURS, POSITIONS, SHAPES, make_shapes

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


@functools.lru_cache(maxsize=1)
def _shape_classifier():
    from ganforge.metrics.features.domain import shipped_evaluator_dir
    from ganforge.metrics.features.domain.files import load_evaluator

    evaluator, meta = load_evaluator(shipped_evaluator_dir("shapes"))
    return evaluator, meta["classes"]


def read_shape(images: Tensor) -> list[str]:
    from ganforge.metrics.features.domain.network import run_evaluator

    evaluator, classes = _shape_classifier()
    logits = run_evaluator(evaluator, list(images))["logits"]
    return [classes[k] for k in logits.argmax(dim=1).tolist()]


def read_attributes(images: Tensor) -> list[dict[str, str]]:
    """uint8 RGB [N,3,H,W] -> one {"shape", "colour", "size", "position"} per image."""
    if images.shape[1] != 3:
        raise ValueError(f"expected RGB images [N,3,H,W], got {tuple(images.shape)}")
    cover = coverage(images)
    shapes = read_shape(images)
    columns = {
        "shape": shapes,
        "colour": read_colour(images, cover),
        "size": read_size(cover, shapes),
        "position": read_position(cover),
    }
    return [{key: columns[key][i] for key in ATTRIBUTES} for i in range(len(images))]
