"""Image folders for audit tests: distinct smooth colour images, with known problems planted."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import numpy as np
from PIL import Image


def smooth_image(rng: np.random.Generator, size: int = 48) -> Image.Image:
    """A distinct colour image: a random 4x4 RGB field upsampled bicubically (mid-range tones)."""
    coarse = rng.integers(40, 216, size=(4, 4, 3), dtype=np.uint8)
    return Image.fromarray(coarse).resize((size, size), Image.BICUBIC)


def write_images(folder: Path, count: int, rng: np.random.Generator, size: int = 48, prefix: str = "") -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for k in range(count):
        path = folder / f"{prefix}{k:03d}.png"
        smooth_image(rng, size).save(path)
        paths.append(path)
    return paths


def seeded_folder(root: Path) -> dict:
    """train/ (classes cat 30, dog 30, bird 3) and test/ with planted problems; returns what was planted."""
    rng = np.random.default_rng(0)
    train, test = root / "train", root / "test"
    cats = write_images(train / "cat", 30, rng)
    dogs = write_images(train / "dog", 30, rng)
    write_images(train / "bird", 3, rng)
    shutil.copyfile(cats[3], train / "cat" / "003-copy.png")  # exact duplicate
    near = Image.open(dogs[5]).convert("RGB").resize((40, 40), Image.BICUBIC)
    buffer = io.BytesIO()
    near.save(buffer, format="JPEG", quality=90)
    (train / "dog" / "005-small.jpg").write_bytes(buffer.getvalue())  # near-duplicate: resized, re-encoded
    (train / "cat" / "broken.png").write_bytes(cats[0].read_bytes()[:200])  # truncated: corrupt
    smooth_image(rng).convert("L").save(train / "dog" / "gray.png")  # grayscale in a colour set
    Image.new("RGB", (48, 48), (0, 0, 0)).save(train / "cat" / "blank.png")  # an outlier: a black frame
    write_images(test, 10, rng, prefix="t")
    shutil.copyfile(cats[10], test / "leaked.png")  # a training image in the test set
    captions = [{"file": f"cat/{k:03d}.png", "caption": f"a cat number {k}"} for k in range(30)]
    captions.append({"file": "cat/missing.png", "caption": "an image that is not there"})
    (train / "captions.jsonl").write_text("\n".join(json.dumps(c) for c in captions) + "\n")
    return {
        "train": train, "test": test,
        "duplicate": ("cat/003.png", "cat/003-copy.png"),
        "near_duplicate": ("dog/005.png", "dog/005-small.jpg"),
        "corrupt": "cat/broken.png",
        "grayscale": "dog/gray.png",
        "rare_class": "bird",
        "leaked": ("cat/010.png", "leaked.png"),
        "outlier": "cat/blank.png",
        "orphan_caption": "cat/missing.png",
    }
