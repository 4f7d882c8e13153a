"""Derived inputs: grayscale is PIL's luma; edges outline the shape and nothing else."""

from __future__ import annotations

import numpy as np
import pytest

from ganforge.data import open_source
from ganforge.data.derived import shapes_derived
from ganforge.data.shapes import BACKGROUND


def test_derived_inputs():
    img = open_source("builtin:shapes64").image(3)
    gray = shapes_derived(img, "grayscale")
    assert gray.mode == "L"
    np.testing.assert_array_equal(np.asarray(gray), np.asarray(img.convert("L")))
    edges = np.asarray(shapes_derived(img, "edges"))
    covered = np.abs(np.asarray(img, dtype=np.int64) - BACKGROUND).sum(-1) > 0
    grown = np.zeros_like(covered)  # shape grown by 2 pixels: edges may only lie inside it
    for dy in range(-2, 3):
        for dx in range(-2, 3):
            grown |= np.roll(np.roll(covered, dy, 0), dx, 1)
    assert edges.shape == (64, 64)
    assert (edges[~grown] == 255).all()
    assert (edges < 128).sum() > 20  # a visible outline
    inner = covered.copy()  # fully covered pixels with fully covered neighbours: flat colour
    full = np.all(np.asarray(img) == np.asarray(img).reshape(-1, 3).max(0), axis=-1) | ~covered
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            inner &= np.roll(np.roll(full & covered, dy, 0), dx, 1)
    assert (edges[inner] == 255).all()
    with pytest.raises(ValueError, match="unknown derived kind"):
        shapes_derived(img, "sketch")
