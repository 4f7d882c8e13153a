"""Tiny translation configs and data folders shared by the translation tests (seconds on a CPU)."""

from pathlib import Path

import numpy as np
from PIL import Image

TINY = {
    "translator.g_width": 4,
    "translator.d_width": 4,
    "translator.d_layers": 2,
    "train.batch_size": 4,
    "train.log_every": 1,
    "train.sample_every": 1000,
    "train.sample_grid": 6,
    "data.max_images": 24,
}


def tiny(**extra) -> dict:
    return {**TINY, **{key.replace("__", "."): value for key, value in extra.items()}}


def write_images(directory: Path, count: int, size: tuple[int, int], seed: int, names=None) -> list[Path]:
    """`count` random RGB PNGs of size (width, height); returns their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    paths = []
    for index in range(count):
        name = names[index] if names else f"{index:03d}.png"
        path = directory / name
        Image.fromarray(rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)).save(path)
        paths.append(path)
    return paths
