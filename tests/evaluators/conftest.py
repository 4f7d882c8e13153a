"""Fixtures for domain evaluators: one quick digits evaluator and an unlabelled image folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from ganforge.data import open_source
from ganforge.evaluators.train import train_evaluator

QUICK_IMAGES = 300  # digits subset for quick training runs (30 per class on average)
QUICK_EPOCHS = 3


@pytest.fixture(scope="session")
def quick_digits(tmp_path_factory) -> tuple[Path, dict]:
    """(DIR, evaluator.json) of a supervised small CNN trained on 300 digits for 3 epochs."""
    out = tmp_path_factory.mktemp("evaluators") / "quick-digits"
    meta = train_evaluator(
        "builtin:digits", out, epochs=QUICK_EPOCHS, max_images=QUICK_IMAGES, seed=0
    )
    return out, meta


@pytest.fixture(scope="session")
def unlabelled_shapes_folder(tmp_path_factory) -> Path:
    """256 builtin:shapes images as flat PNGs: a folder with no class sub-folders."""
    folder = tmp_path_factory.mktemp("unlabelled")
    source = open_source("builtin:shapes")
    for i in range(256):
        source.image(i).save(folder / f"img{i:04d}.png")
    return folder
