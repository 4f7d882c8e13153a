"""builtin:shapes: deterministic, balanced, and its captions and attributes match the pixels."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from ganforge.data import open_source
from ganforge.data.shapes import (
    BACKGROUND,
    COLOURS,
    POSITIONS,
    SHAPES,
    make_shapes,
)

PHRASES = {"left": "on the left", "center": "in the center", "right": "on the right"}
DIGEST_SCRIPT = (
    "import hashlib; from ganforge.data.shapes import make_shapes; d = make_shapes(n=300); "
    "print(hashlib.sha256(d.pixels.tobytes() + '|'.join(d.captions).encode()).hexdigest())"
)


def _coverage(pixels: np.ndarray, colours: np.ndarray) -> np.ndarray:
    """[N,S,S] share of each pixel covered by the shape, recovered from the blend."""
    background = np.array(BACKGROUND, dtype=np.float32)
    paint = colours[:, None, None, :] - background
    offset = pixels.astype(np.float32) - background
    return (offset * paint).sum(-1) / (paint * paint).sum(-1)


def test_two_builds_and_another_process_give_the_same_bytes():
    data = make_shapes(n=300)
    again = make_shapes.__wrapped__(n=300)  # a fresh build, not the cached one
    assert again is not data
    np.testing.assert_array_equal(again.pixels, data.pixels)
    assert again.captions == data.captions
    digest = hashlib.sha256(data.pixels.tobytes() + "|".join(data.captions).encode()).hexdigest()
    other = subprocess.run(
        [sys.executable, "-c", DIGEST_SCRIPT], capture_output=True, text=True, check=True
    )
    assert other.stdout.strip() == digest
    assert not np.array_equal(make_shapes(n=300, seed=1).pixels, data.pixels)


def test_source_is_balanced_and_distinct():
    source = open_source("builtin:shapes")
    assert len(source) == 4000
    assert source.image(0).mode == "RGB" and source.image(0).size == (32, 32)
    assert np.bincount(source.labels).tolist() == [800] * len(SHAPES)
    assert source.class_names == list(SHAPES)
    assert all(
        source.class_names[lab] == a["shape"]
        for lab, a in zip(source.labels, source.attributes, strict=True)
    )
    for key in ("colour", "size", "position"):
        counts = np.unique([a[key] for a in source.attributes], return_counts=True)[1]
        assert counts.min() > 0.8 * counts.mean()  # uniform draws, roughly even
    distinct = {image.tobytes() for image in source.pixels}
    assert len(distinct) >= 0.99 * len(source)  # a few small circles coincide on the pixel grid


@pytest.mark.parametrize("spec", ["builtin:shapes", "builtin:shapes64"])
def test_attributes_and_captions_agree_with_the_pixels(spec):
    source = open_source(spec)
    n = 1000
    attributes = source.attributes[:n]
    pixels = np.asarray(source.pixels[:n])
    size = pixels.shape[1]
    colours = np.array([COLOURS[a["colour"]] for a in attributes], dtype=np.float32)
    coverage = _coverage(pixels, colours)
    for text, a in zip(source.captions[:n], attributes, strict=True):
        assert text == f"a {a['size']} {a['colour']} {a['shape']} {PHRASES[a['position']]}"
    # colour: the pixel farthest from the background is nearest the named colour
    flat = pixels.reshape(n, -1, 3).astype(np.float64)
    strongest = flat[np.arange(n), np.abs(flat - BACKGROUND).sum(-1).argmax(1)]
    palette = np.array(list(COLOURS.values()), dtype=np.float64)
    nearest = np.abs(strongest[:, None, :] - palette[None]).sum(-1).argmin(1)
    assert [list(COLOURS)[k] for k in nearest] == [a["colour"] for a in attributes]
    # position: the centroid's nearest third is the named one
    xs = np.arange(size) + 0.5
    centroid_x = (coverage.sum(1) * xs).sum(1) / coverage.sum((1, 2)) / size
    named = np.array([POSITIONS[a["position"]] for a in attributes])
    anchors = np.array(list(POSITIONS.values()))
    assert np.array_equal(anchors[np.abs(centroid_x[:, None] - anchors).argmin(1)], named)
    # size: within each shape, every large shape covers more than every small one
    area = coverage.sum((1, 2))
    for shape in SHAPES:
        of_shape = [i for i, a in enumerate(attributes) if a["shape"] == shape]
        small = [area[i] for i in of_shape if attributes[i]["size"] == "small"]
        large = [area[i] for i in of_shape if attributes[i]["size"] == "large"]
        assert max(small) < min(large)
    # shape: how much of its bounding box a shape fills orders the classes
    fill = {shape: [] for shape in SHAPES}
    for i, a in enumerate(attributes):
        rows, cols = np.nonzero(coverage[i] > 0.5)
        box = (np.ptp(rows) + 1) * (np.ptp(cols) + 1)
        fill[a["shape"]].append(area[i] / box)
    circle, square, triangle, cross, star = (np.mean(fill[shape]) for shape in SHAPES)
    assert square > circle > max(cross, triangle) and min(cross, triangle) > star


def test_shapes64_shares_the_attributes_of_shapes():
    small, large = open_source("builtin:shapes"), open_source("builtin:shapes64")
    assert large.image(0).size == (64, 64)
    assert large.captions == small.captions and large.labels == small.labels


def test_image_view_is_a_copy_of_the_cache():
    source = open_source("builtin:shapes")
    img = source.image(0)
    img.putpixel((0, 0), (1, 2, 3))
    assert tuple(source.pixels[0, 0, 0]) == BACKGROUND
    assert isinstance(Image.fromarray(np.asarray(source.pixels[0])), Image.Image)
