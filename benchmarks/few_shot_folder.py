"""Write a few-shot image folder: N images of one kind at 256x256, as a user's small folder of
photos of one thing would be: builtin:shapes drawn at 256 px, only one shape class (all its
colours, sizes, positions and jitter), each image a PNG of its own.

    python benchmarks/few_shot_folder.py OUT [--n 100] [--shape star] [--size 256] [--seed 0]

Used by the few-shot case of benchmarks/quality.py (`--few-shot`). The images are the first N
of that class in `make_shapes(5·N, size, seed)`, whose classes are balanced exactly, so the
folder depends only on (n, shape, size, seed).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image

from ganforge.data.shapes import SHAPES, make_shapes


def one_class(n: int, shape: str, size: int, seed: int) -> np.ndarray:
    """[n, size, size, 3] uint8: the images of class `shape` in a balanced draw of len(SHAPES)·n."""
    data = make_shapes(n=len(SHAPES) * n, size=size, seed=seed)
    picked = np.flatnonzero(np.asarray(data.labels) == SHAPES.index(shape))
    return data.pixels[picked[:n]]


def write_folder(out: Path, n: int = 100, shape: str = "star", size: int = 256, seed: int = 0) -> list[Path]:
    """Write OUT/<shape>-<k>.png for k < n; returns the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / f"{shape}-{k:04d}.png" for k in range(n)]
    for path, pixels in zip(paths, one_class(n, shape, size, seed), strict=True):
        Image.fromarray(pixels).save(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--shape", choices=SHAPES, default="star")
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    paths = write_folder(args.out, args.n, args.shape, args.size, args.seed)
    print(f"wrote {len(paths)} {args.shape} images of {args.size}x{args.size} to {args.out}")


if __name__ == "__main__":
    main()
