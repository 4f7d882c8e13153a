"""Translation data: pairs (A, B) or two unpaired domains, decoded once, held as uint8 tensors.

Layouts (`translation.layout`; `auto` picks by what `data.path` holds):

- `aligned`: each image holds A and B side by side (the pix2pix layout), cut at half the
  width whatever the halves' aspect; `train/` and `test/` (or `val/`) sub-folders are used
  when present.
- `paired`: folders `A/` and `B/` whose files are matched by name (extension ignored; the two
  images of a pair may differ in size); `test/A` and `test/B` when present.

Each side is resized to a square (aspect not kept, as pix2pix and CycleGAN do). A file that
cannot be used (unreadable, 1 pixel wide, without a partner) is skipped with one warning
naming it; only a set with nothing usable is refused.
- `unaligned`: `trainA/` and `trainB/` (and `testA/`, `testB/`) as CycleGAN lays them out.
- `derived`: any colour source; A is made from each image on the fly (`derive`: grayscale
  or edges, see `derived.py`), so colour images alone train colourisation or drawing.
- `attribute`: a built-in set split by attribute into two unpaired domains
  (`domain_a: colour=red`, `domain_b: colour=blue`).

`data.max_images` caps the images read per folder (per domain). Without a test split the
last `test_fraction` of the (sorted) images is held out. Training
images are stored at the jitter size (286/256 of the resolution) for random crops; test
images at the resolution. `direction: BtoA` swaps the sides.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import torch
import torchvision.transforms.functional as TF
from PIL import Image
from torchvision.transforms import InterpolationMode

from ganforge.data.derived import DERIVED
from ganforge.data.sources import open_source, read_or_warn
from ganforge.data.training import to_channels
from ganforge.errors import UserError

JITTER_RATIO = 286 / 256  # load size / crop size of pix2pix and CycleGAN
MISMATCH_NAMED = 5  # unmatched file names listed in the error


@dataclass
class Side:
    """One domain's images: `train` [N,C,L,L] uint8 at the load size, `test` [M,C,R,R], and the
    class label of each test image when the source has labels (used to check shapes are kept)."""

    train: torch.Tensor
    test: torch.Tensor
    test_labels: torch.Tensor | None = None


@dataclass
class TranslationData:
    a: Side
    b: Side
    paired: bool
    source: str
    skipped: int = 0
    labels = None  # the loop's DataInfo: no classes
    class_names = None

    @property
    def images(self) -> torch.Tensor:  # what `--dry-run` counts
        return self.a.train


def load_size(cfg) -> int:
    return round(JITTER_RATIO * cfg.data.resolution) if cfg.translation.jitter else cfg.data.resolution


def _square(img: Image.Image, channels: int, size: int) -> torch.Tensor:
    """Resized to size x size (aspect not kept, as pix2pix), [C,size,size] uint8."""
    img = to_channels(img, channels)
    return TF.pil_to_tensor(TF.resize(img, [size, size], interpolation=InterpolationMode.BICUBIC, antialias=True))


def _read_all(source, limit: int | None = None) -> tuple[list[Image.Image], list[int], int]:
    """Readable images (the first `limit`), their indices and how many were skipped."""
    images, indices, skipped = [], [], 0
    for i in range(len(source)):
        if limit is not None and len(images) == limit:
            break
        img = read_or_warn(source, i)
        if img is None:
            skipped += 1
            continue
        images.append(img)
        indices.append(i)
    if not images:
        raise UserError(f"no readable images in {source.spec} ({len(source)} files)")
    return images, indices, skipped


def _holdout(count: int, fraction: float) -> int:
    """Images held out for testing: at least one, and at least one left to train on."""
    if count < 2:
        raise UserError(f"{count} image(s): translation needs at least 2 (one to train on, one held out)")
    return min(count - 1, max(1, round(count * fraction)))


def _split_side(cfg, size_train: int, images: list[Image.Image], channels: int, labels=None,
                test_images: list[Image.Image] | None = None, test_labels=None) -> Side:
    """Train at the load size, test at the resolution; the tail is held out without a test split."""
    if test_images is None:
        held = _holdout(len(images), cfg.translation.test_fraction)
        images, test_images = images[:-held], images[-held:]
        if labels is not None:
            labels, test_labels = labels[:-held], labels[-held:]
    res = cfg.data.resolution
    train = torch.stack([_square(img, channels, size_train) for img in images])
    test = torch.stack([_square(img, channels, res) for img in test_images])
    return Side(train, test, torch.tensor(test_labels) if test_labels is not None else None)


# --- aligned: A|B in one image ---------------------------------------------------------------

def _split_halves(img: Image.Image) -> tuple[Image.Image, Image.Image]:
    """A and B as upstream pix2pix cuts them: at half the width, whatever the aspect of each half
    (each half is resized to a square afterwards)."""
    width, height = img.size
    half = width // 2
    return img.crop((0, 0, half, height)), img.crop((half, 0, 2 * half, height))


def _aligned_split(path: str, limit: int | None) -> tuple[list, list, int]:
    source = open_source(path)
    images, indices, skipped = _read_all(source, limit)
    a, b = [], []
    for img, i in zip(images, indices, strict=True):
        if img.size[0] < 2:  # no half to cut: the one file is skipped, not the set
            warnings.warn(f"skipping {source.name(i)}: {img.size[0]}x{img.size[1]} is too narrow to hold A|B side by side", stacklevel=2)
            skipped += 1
            continue
        half_a, half_b = _split_halves(img)
        a.append(half_a)
        b.append(half_b)
    if not a:
        raise UserError(f"{source.spec}: no image wide enough to hold an A|B pair side by side")
    return a, b, skipped


def _first_dir(root: Path, names: tuple[str, ...]) -> Path | None:
    return next((root / name for name in names if (root / name).is_dir()), None)


def _load_aligned(cfg) -> tuple[Side, Side, bool, int]:
    root = Path(cfg.data.path)
    train_dir, test_dir = _first_dir(root, ("train",)), _first_dir(root, ("test", "val"))
    a, b, skipped = _aligned_split(str(train_dir or root), cfg.data.max_images)
    test_a = test_b = None
    if train_dir is not None and test_dir is not None:
        test_a, test_b, more = _aligned_split(str(test_dir), cfg.data.max_images)
        skipped += more
    size = load_size(cfg)
    t = cfg.translation
    return (
        _split_side(cfg, size, a, t.input_channels, test_images=test_a),
        _split_side(cfg, size, b, cfg.data.channels, test_images=test_b),
        True,
        skipped,
    )


# --- paired: A/ and B/ matched by name -------------------------------------------------------

def _stems(source, side: Path) -> dict[str, int]:
    """Name without extension -> image index; two images of one name (a.png, a.jpg) are refused,
    since pairs are matched by that name and one of them would be dropped unseen."""
    stems: dict[str, int] = {}
    for i in range(len(source)):
        stem = str(PurePosixPath(source.relatives[i]).with_suffix(""))
        if stem in stems:
            raise UserError(f"{side / source.relatives[stems[stem]]} and {side / source.relatives[i]}: two images named "
                            f"{stem!r} in {side.name}/ (pairs are matched by name without the extension); keep one")
        stems[stem] = i
    return stems


def _matched_pairs(dir_a: Path, dir_b: Path, limit: int | None = None) -> tuple[list, list, int]:
    source_a, source_b = open_source(str(dir_a)), open_source(str(dir_b))
    stems_a, stems_b = _stems(source_a, dir_a), _stems(source_b, dir_b)
    unmatched = sorted([f"{dir_a.name}/{s}" for s in stems_a.keys() - stems_b.keys()]
                       + [f"{dir_b.name}/{s}" for s in stems_b.keys() - stems_a.keys()])
    if unmatched:  # the matched pairs still train; one warning names the rest
        shown = ", ".join(unmatched[:MISMATCH_NAMED]) + (f" and {len(unmatched) - MISMATCH_NAMED} more" if len(unmatched) > MISMATCH_NAMED else "")
        warnings.warn(f"{dir_a.parent}: skipping {len(unmatched)} file(s) without a partner of the same name in "
                      f"{dir_a.name}/ and {dir_b.name}/: {shown}", stacklevel=2)
    images_a, images_b, skipped = [], [], len(unmatched)
    for stem in sorted(stems_a.keys() & stems_b.keys())[:limit]:
        img_a, img_b = read_or_warn(source_a, stems_a[stem]), read_or_warn(source_b, stems_b[stem])
        if img_a is None or img_b is None:
            skipped += 1
            continue
        images_a.append(img_a)
        images_b.append(img_b)
    if not images_a:
        raise UserError(f"{dir_a.parent}: no readable pairs in {dir_a.name}/ and {dir_b.name}/")
    return images_a, images_b, skipped


def _load_paired(cfg) -> tuple[Side, Side, bool, int]:
    root = Path(cfg.data.path)
    if not (root / "A").is_dir() or not (root / "B").is_dir():
        raise UserError(f"{root}: translation.layout=paired expects sub-folders A/ and B/")
    a, b, skipped = _matched_pairs(root / "A", root / "B", cfg.data.max_images)
    test_a = test_b = None
    if (root / "test" / "A").is_dir():
        test_a, test_b, more = _matched_pairs(root / "test" / "A", root / "test" / "B")
        skipped += more
    size = load_size(cfg)
    return (
        _split_side(cfg, size, a, cfg.translation.input_channels, test_images=test_a),
        _split_side(cfg, size, b, cfg.data.channels, test_images=test_b),
        True,
        skipped,
    )


# --- unaligned: trainA/ trainB/ (testA/ testB/) ----------------------------------------------

def _load_unaligned(cfg) -> tuple[Side, Side, bool, int]:
    root = Path(cfg.data.path)
    sides, skipped = [], 0
    for letter, channels in (("A", cfg.translation.input_channels), ("B", cfg.data.channels)):
        train_dir = root / f"train{letter}"
        if not train_dir.is_dir():
            raise UserError(f"{root}: translation.layout=unaligned expects sub-folders trainA/ and trainB/ (train{letter}/ missing)")
        images, _, more = _read_all(open_source(str(train_dir)), cfg.data.max_images)
        skipped += more
        test_images = None
        if (root / f"test{letter}").is_dir():
            test_images, _, more = _read_all(open_source(str(root / f"test{letter}")), cfg.data.max_images)
            skipped += more
        sides.append(_split_side(cfg, load_size(cfg), images, channels, test_images=test_images))
    return sides[0], sides[1], False, skipped


# --- derived: A made from colour images ------------------------------------------------------

def _load_derived(cfg) -> tuple[Side, Side, bool, int]:
    source = open_source(cfg.data.path)
    images, indices, skipped = _read_all(source, cfg.data.max_images)
    labels = [source.labels[i] for i in indices] if source.labels is not None else None
    derive = DERIVED[cfg.translation.derive]
    inputs = [derive(to_channels(img, 3)) for img in images]
    size = load_size(cfg)
    return (
        _split_side(cfg, size, inputs, cfg.translation.input_channels, labels),
        _split_side(cfg, size, images, cfg.data.channels, labels),
        True,
        skipped,
    )


# --- attribute: two domains of a built-in set ------------------------------------------------

def parse_domain(text: str | None, key: str) -> tuple[str, str]:
    name, sep, value = (text or "").partition("=")
    if not sep or not name.strip() or not value.strip():
        raise UserError(f"{key}: expected ATTRIBUTE=VALUE such as colour=red (got {text!r})")
    return name.strip(), value.strip()


def _load_attribute(cfg) -> tuple[Side, Side, bool, int]:
    source = open_source(cfg.data.path)
    if source.attributes is None:
        raise UserError(f"{cfg.data.path}: translation.layout=attribute needs a source with attributes (builtin:shapes)")
    sides = []
    for key, channels in (("domain_a", cfg.translation.input_channels), ("domain_b", cfg.data.channels)):
        name, value = parse_domain(getattr(cfg.translation, key), f"translation.{key}")
        picked = [i for i, attrs in enumerate(source.attributes) if attrs.get(name) == value][: cfg.data.max_images]
        if not picked:
            known = sorted({str(attrs.get(name)) for attrs in source.attributes})
            raise UserError(f"translation.{key}: no image of {cfg.data.path} has {name}={value} (values: {', '.join(known)})")
        images = [source.image(i) for i in picked]
        labels = [source.labels[i] for i in picked] if source.labels is not None else None
        sides.append(_split_side(cfg, load_size(cfg), images, channels, labels))
    return sides[0], sides[1], False, 0


LAYOUTS: dict[str, Callable] = {
    "aligned": _load_aligned,
    "paired": _load_paired,
    "unaligned": _load_unaligned,
    "derived": _load_derived,
    "attribute": _load_attribute,
}


def detect_layout(path: str) -> str:
    """`auto`: the layout that `data.path`'s structure shows."""
    root = Path(path)
    if path.startswith("builtin:"):
        return "derived"
    if not root.exists():
        raise UserError(f"{path}: no such file or folder")
    if (root / "trainA").is_dir():
        return "unaligned"
    if (root / "A").is_dir() and (root / "B").is_dir():
        return "paired"
    return "aligned"


def load_translation_data(cfg) -> TranslationData:
    """Read `cfg.data.path` as the configured layout; UserError names what is wrong."""
    layout = cfg.translation.layout
    if layout == "auto":
        layout = detect_layout(cfg.data.path)
    a, b, paired, skipped = LAYOUTS[layout](cfg)
    if cfg.translation.direction == "BtoA":
        a, b = b, a
    return TranslationData(a=a, b=b, paired=paired, source=f"{cfg.data.path} ({layout})", skipped=skipped)
