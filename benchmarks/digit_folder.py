"""Write a labelled folder of 28x28 handwritten-looking digits, one sub-folder per class, as a
user's labelled folder would be: scikit-learn's 8x8 digits drawn into a 20-pixel box centred on
a 28-pixel canvas (as MNIST is), each copy with its own rotation, shear, scale, shift and
stroke width, and uneven class counts (the smallest class has `--smallest` of the largest's).
`--elastic A` also bends each copy by a smooth random displacement field (Simard et al. 2003:
displacements drawn uniformly, smoothed by a Gaussian of 4 px, scaled to A px), so strokes wobble
as a hand's do and the copies of one source digit differ in more than an affine map.

    python benchmarks/digit_folder.py OUT [--per-class 1000] [--smallest 0.6] [--seed 0] [--sources all] [--elastic 0]

Used to measure the labelled-folder preset (docs/TRAINING.md): train on one folder, judge the
samples with an evaluator trained on a second folder written with another seed. `--sources first`
and `--sources second` draw from disjoint halves of each class's source digits, so a judge
trained on one half has never seen the digits the generator learned from
(benchmarks/class_coverage.py).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter
from scipy.ndimage import gaussian_filter, map_coordinates

from ganforge.data.digits import read_sklearn_digits

CANVAS, BOX = 28, 20  # MNIST: a 20x20 digit box centred in 28x28
SOURCES = ("all", "first", "second")  # which source digits of each class a folder draws from
ELASTIC_SMOOTHING = 4.0  # px: Simard et al.'s sigma for 28-px digits


def class_counts(per_class: int, smallest: float, classes: int = 10) -> list[int]:
    """Counts falling linearly from `per_class` (class 0) to `smallest`·per_class (the last class)."""
    shares = np.linspace(1.0, smallest, classes)
    return [max(1, round(per_class * share)) for share in shares]


def bend(image: Image.Image, alpha: float, rng: np.random.Generator) -> Image.Image:
    """Displace every pixel by a smooth random field of about `alpha` px (elastic distortion)."""
    pixels = np.asarray(image, dtype=np.float32)
    fields = [gaussian_filter(rng.uniform(-1, 1, pixels.shape), ELASTIC_SMOOTHING) for _ in range(2)]
    fields = [field * (alpha / max(np.abs(field).max(), 1e-8)) for field in fields]
    rows, cols = np.meshgrid(np.arange(pixels.shape[0]), np.arange(pixels.shape[1]), indexing="ij")
    bent = map_coordinates(pixels, [rows + fields[0], cols + fields[1]], order=1, mode="constant")
    return Image.fromarray(np.clip(bent, 0, 255).astype(np.uint8), mode="L")


def draw(small: np.ndarray, rng: np.random.Generator, elastic: float = 0.0) -> Image.Image:
    """One 8x8 digit (0..16) -> a 28x28 grayscale image, randomly transformed."""
    box = Image.fromarray((small * (255.0 / 16.0)).astype(np.uint8), mode="L")
    box = box.resize((BOX, BOX), Image.Resampling.BICUBIC)
    canvas = Image.new("L", (CANVAS, CANVAS), 0)
    canvas.paste(box, ((CANVAS - BOX) // 2, (CANVAS - BOX) // 2))
    angle = np.deg2rad(rng.uniform(-15, 15))
    shear = rng.uniform(-0.25, 0.25)
    scale = rng.uniform(0.85, 1.15)
    shift = rng.uniform(-2, 2, size=2)
    # Inverse affine map (output -> input) about the canvas centre.
    cos, sin = np.cos(angle) / scale, np.sin(angle) / scale
    a, b, d, e = cos, sin + shear * cos, -sin, cos - shear * sin
    centre = (CANVAS - 1) / 2
    c = centre - a * (centre + shift[0]) - b * (centre + shift[1])
    f = centre - d * (centre + shift[0]) - e * (centre + shift[1])
    image = canvas.transform(canvas.size, Image.Transform.AFFINE, (a, b, c, d, e, f), Image.Resampling.BILINEAR)
    stroke = rng.integers(0, 3)  # thinner, as drawn, or thicker strokes
    if stroke == 0:
        image = image.filter(ImageFilter.MinFilter(3)).point(lambda v: min(255, int(v * 1.6)))
    elif stroke == 2:
        image = image.filter(ImageFilter.MaxFilter(3))
    return bend(image, elastic, rng) if elastic > 0 else image


def source_pool(labels: np.ndarray, digit: int, sources: str) -> np.ndarray:
    """Indices of the source digits of one class: all, or the first or second half of them."""
    pool = np.flatnonzero(labels == digit)
    half = len(pool) // 2
    return {"all": pool, "first": pool[:half], "second": pool[half:]}[sources]


def write_folder(out: Path, per_class: int, smallest: float, seed: int, sources: str = "all",
                 elastic: float = 0.0) -> dict[int, int]:
    """Write OUT/<digit>/<k>.png; returns the count written per class."""
    images, labels = read_sklearn_digits()
    rng = np.random.default_rng(seed)
    counts = class_counts(per_class, smallest)
    for digit, count in enumerate(counts):
        pool = source_pool(labels, digit, sources)
        folder = out / str(digit)
        folder.mkdir(parents=True, exist_ok=True)
        for k, index in enumerate(rng.choice(pool, size=count, replace=True)):
            draw(images[index], rng, elastic).save(folder / f"{k:05d}.png")
    return dict(enumerate(counts))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--per-class", type=int, default=1000)
    parser.add_argument("--smallest", type=float, default=0.6)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sources", choices=SOURCES, default="all", help="source digits of each class drawn from")
    parser.add_argument("--elastic", type=float, default=0.0, help="elastic distortion, px (0: none)")
    args = parser.parse_args()
    counts = write_folder(args.out, args.per_class, args.smallest, args.seed, args.sources, args.elastic)
    print(f"wrote {sum(counts.values())} images to {args.out}: " + ", ".join(f"{k}: {n}" for k, n in counts.items()))


if __name__ == "__main__":
    main()
