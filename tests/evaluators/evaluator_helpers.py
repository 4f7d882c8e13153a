"""Helpers for evaluator tests (imported by name: pytest puts this folder on sys.path)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image


def png_folder(folder: Path, images: np.ndarray) -> Path:
    """Write uint8 images [N,H,W,3] as PNGs into `folder`; returns it."""
    folder.mkdir(parents=True, exist_ok=True)
    for i, pixels in enumerate(images):
        Image.fromarray(pixels).save(folder / f"{i:03d}.png")
    return folder
