"""Training tensors: every readable image of a source, decoded once, held in memory as uint8.

Each image is converted to the configured channel count, its shorter side resized to the
stored size (torchvision resize: PIL bicubic, antialiased) and centre-cropped square.
With `crop="random"` the stored size is round(1.125 · resolution) and the training loop
takes a random `resolution` crop of every image of every batch with `random_crop`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch
import torchvision.transforms.functional as TF
from PIL import Image
from torchvision.transforms import InterpolationMode

from ganforge.data.sources import nothing_readable, open_source, read_or_warn

CHANNEL_MODES = {1: "L", 3: "RGB"}
# Transparent pixels become black: transparent pixels are most often stored as (0, 0, 0, 0),
# so compositing onto black matches what PIL's convert("RGB") (used by the metrics) shows.
TRANSPARENT_BACKGROUND = (0, 0, 0, 255)
RANDOM_CROP_MARGIN = 1.125  # stored size / resolution when crop="random"

if TYPE_CHECKING:
    from ganforge.config import DataConfig


@dataclass
class TrainingImages:
    """`images` [N,C,S,S] uint8 (S = resolution, or the larger stored size for random crops).

    `labels` [N] int64 class indices when the source has them; `indices[k]` is the source
    index of image k (to look up captions or attributes); `skipped` counts unreadable files.
    """

    images: torch.Tensor
    labels: torch.Tensor | None
    skipped: int
    source: str
    indices: list[int]
    class_names: list[str] | None
    crop_size: int  # what the model sees: the configured resolution
    captions: list[list[str]] | None = None  # per kept image, for text-to-image tasks


def stored_size(cfg: DataConfig) -> int:
    """Side of the stored images: the resolution, or round(1.125 · resolution) for random crops."""
    return round(RANDOM_CROP_MARGIN * cfg.resolution) if cfg.crop == "random" else cfg.resolution


def load_training_images(cfg: DataConfig) -> TrainingImages:
    """Read `cfg.path` once (first `cfg.max_images` readable images in sorted order).

    Unreadable files are skipped with one warning each; raises UserError when none is readable.
    """
    source = open_source(cfg.path, labels=cfg.labels, include=cfg.include)
    size = stored_size(cfg)
    capacity = min(len(source), cfg.max_images or len(source))
    images = torch.empty((capacity, cfg.channels, size, size), dtype=torch.uint8)
    indices: list[int] = []
    skipped = 0
    for i in range(len(source)):
        if len(indices) == capacity:
            break
        img = read_or_warn(source, i)
        if img is None:
            skipped += 1
            continue
        images[len(indices)] = square_tensor(img, cfg.channels, size)
        indices.append(i)
    if not indices:
        raise nothing_readable(source)
    labels = None
    if source.labels is not None:
        labels = torch.tensor([source.labels[i] for i in indices], dtype=torch.int64)
    return TrainingImages(
        images=images[: len(indices)].clone() if len(indices) < capacity else images,
        labels=labels,
        skipped=skipped,
        source=source.spec,
        indices=indices,
        class_names=source.class_names,
        crop_size=cfg.resolution,
    )


def to_channels(img: Image.Image, channels: int) -> Image.Image:
    """PIL image ("L", "RGB" or "RGBA") -> "L" (1) or "RGB" (3); alpha composited onto black."""
    if img.mode == "RGBA":
        img = Image.alpha_composite(Image.new("RGBA", img.size, TRANSPARENT_BACKGROUND), img)
    return img.convert(CHANNEL_MODES[channels])


def square_tensor(img: Image.Image, channels: int, size: int) -> torch.Tensor:
    """PIL image -> [C,size,size] uint8: shorter side resized to `size`, then centre-cropped."""
    img = to_channels(img, channels)
    resized = TF.resize(img, size, interpolation=InterpolationMode.BICUBIC, antialias=True)
    return TF.pil_to_tensor(TF.center_crop(resized, [size, size]))


def random_crop(batch: torch.Tensor, size: int, generator: torch.Generator) -> torch.Tensor:
    """[N,C,S,S] -> [N,C,size,size], each image cropped at its own offset drawn from `generator`."""
    count, _, height, width = batch.shape
    if (height, width) == (size, size):
        return batch
    draw = {"generator": generator, "device": generator.device}
    tops = torch.randint(0, height - size + 1, (count,), **draw)
    lefts = torch.randint(0, width - size + 1, (count,), **draw)
    steps = torch.arange(size, device=generator.device)
    rows = (tops[:, None] + steps).to(batch.device)  # [N,size]
    cols = (lefts[:, None] + steps).to(batch.device)
    images = torch.arange(count, device=batch.device)[:, None, None, None]
    channels = torch.arange(batch.shape[1], device=batch.device)[None, :, None, None]
    return batch[images, channels, rows[:, None, :, None], cols[:, None, None, :]]


def to_model_range(batch: torch.Tensor) -> torch.Tensor:
    """uint8 [N,C,H,W] in 0..255 -> float32 in [-1, 1] (x / 127.5 - 1)."""
    return batch.to(torch.float32) / 127.5 - 1.0


def from_model_range(batch: torch.Tensor) -> torch.Tensor:
    """float in [-1, 1] -> uint8 via round(clamp((x + 1) · 127.5, 0, 255))."""
    return torch.round(torch.clamp((batch.to(torch.float32) + 1) * 127.5, 0, 255)).to(torch.uint8)
