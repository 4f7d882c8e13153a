"""`builtin:digits`: scikit-learn's bundled handwritten digits, served at 32×32.

1,797 images of 8×8 pixels with values 0..16 and labels 0..9 (no download: the data ships
inside scikit-learn). Each image is scaled to 0..255 as float (×255/16), upsampled to 32×32
with PIL bicubic on the float image, clipped to [0, 255] and rounded once.
"""

from __future__ import annotations

import functools
import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

DIGITS_VERSION = "digits-1"  # bump when the upsampling changes, so caches keyed on it refresh
DIGITS_SIZE = 32


@dataclass(frozen=True)
class DigitsData:
    """`pixels` [1797,32,32] uint8 (read-only) and `labels` 0..9."""

    pixels: np.ndarray
    labels: list[int]
    params: dict


@functools.lru_cache(maxsize=1)
def make_digits() -> DigitsData:
    images, targets = read_sklearn_digits()
    pixels = np.stack([_upsample(small) for small in images])
    pixels.flags.writeable = False
    params = {"size": DIGITS_SIZE, "resample": "bicubic", "version": DIGITS_VERSION}
    return DigitsData(pixels=pixels, labels=[int(t) for t in targets], params=params)


def read_sklearn_digits() -> tuple[np.ndarray, np.ndarray]:
    """([1797,8,8] float 0..16, [1797] int) exactly as `sklearn.datasets.load_digits()` gives.

    Reads scikit-learn's bundled CSV directly (rows: 64 pixels then the digit), which saves
    the second or more that importing scikit-learn takes; falls back to `load_digits`.
    """
    package = importlib.util.find_spec("sklearn")
    locations = package.submodule_search_locations if package else None
    csv = Path(locations[0]) / "datasets" / "data" / "digits.csv.gz" if locations else None
    if csv is None or not csv.is_file():
        from sklearn.datasets import load_digits

        bunch = load_digits()
        return bunch.images, bunch.target
    table = np.loadtxt(csv, delimiter=",")
    return table[:, :-1].reshape(-1, 8, 8), table[:, -1].astype(np.int64)


def _upsample(small: np.ndarray) -> np.ndarray:
    """[8,8] float 0..16 -> [32,32] uint8 0..255."""
    scaled = Image.fromarray((small * (255.0 / 16.0)).astype(np.float32), mode="F")
    big = np.asarray(scaled.resize((DIGITS_SIZE, DIGITS_SIZE), Image.Resampling.BICUBIC))
    return np.rint(np.clip(big, 0, 255)).astype(np.uint8)
