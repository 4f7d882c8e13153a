"""Helpers for the data tests: encoded images and small image folders written on the fly."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image


def encode(img: Image.Image, fmt: str = "PNG", **options) -> bytes:
    buffer = io.BytesIO()
    img.save(buffer, fmt, **options)
    return buffer.getvalue()


def gradient_rgb(width: int, height: int, seed: int) -> Image.Image:
    """A distinct, smooth RGB test image per seed."""
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 200, size=3)
    ys, xs = np.mgrid[0:height, 0:width]
    pixels = np.stack([base[0] + xs % 50, base[1] + ys % 50, np.full_like(xs, base[2])], axis=-1)
    return Image.fromarray(pixels.astype(np.uint8), mode="RGB")


def write_file(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def make_mixed_folder(root: Path) -> Path:
    """Three good images in two class folders, a corrupt PNG, a text file, and hidden files
    that must be ignored silently."""
    write_file(root / "cats" / "b.png", encode(gradient_rgb(20, 12, 1)))
    write_file(root / "cats" / "A.JPG", encode(gradient_rgb(16, 16, 2), "JPEG", quality=95))
    write_file(root / "dogs" / "c.bmp", encode(gradient_rgb(10, 14, 3), "BMP"))
    write_file(root / "dogs" / "broken.png", encode(gradient_rgb(8, 8, 4))[:40])
    write_file(root / "notes.txt", b"not an image")
    write_file(root / ".DS_Store", b"\x00\x01")
    write_file(root / ".cache" / "x.png", encode(gradient_rgb(8, 8, 5)))
    return root
