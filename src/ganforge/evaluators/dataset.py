"""Real images for an evaluator: loading as uint8 RGB, seeded splits, and batches."""

from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from ganforge.data import ImageSource, iter_readable, open_source
from ganforge.data.decode import to_rgb_uint8
from ganforge.errors import UserError


@dataclass
class RealImages:
    """Readable images of one source, in source order.

    images: uint8 RGB [3,H,W] each (sizes may differ); labels: [N] int64 or None.
    """

    source: str
    images: list[Tensor]
    labels: Tensor | None
    class_names: list[str] | None
    fingerprint: str

    def __len__(self) -> int:
        return len(self.images)

    @property
    def min_side(self) -> int:
        return min(min(img.shape[-2:]) for img in self.images)

    @property
    def is_grayscale(self) -> bool:
        """True when every image has R == G == B (grayscale files are served as repeated RGB)."""
        return all(
            bool((img[0] == img[1]).all() and (img[1] == img[2]).all()) for img in self.images
        )


def _open_with_labels_if_complete(spec: str) -> ImageSource:
    """The labelled source when every image has a class (2+ classes), else the unlabelled one."""
    unlabelled = open_source(spec, labels=False)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a failed probe is not the user's problem
            labelled = open_source(spec, labels=True)
    except UserError:
        return unlabelled
    complete = labelled.labels is not None and len(labelled) == len(unlabelled)
    return labelled if complete and len(set(labelled.labels)) >= 2 else unlabelled


def load_real_images(
    spec: str, labels: bool | None, max_images: int | None = None, seed: int = 0
) -> RealImages:
    """Open `spec` (builtin:NAME, folder or zip) and read every image; unreadable ones are skipped.

    labels: True (class sub-folders required), False, or None (use them when every image has one).
    `max_images` keeps a seeded random subset (in source order), for quick runs.
    """
    source = (
        _open_with_labels_if_complete(spec) if labels is None else open_source(spec, labels=labels)
    )
    indices, images = [], []
    for index, img in iter_readable(source):
        indices.append(index)
        images.append(torch.from_numpy(to_rgb_uint8(img)))
    if not images:
        raise UserError(f"{spec}: no readable images")
    label_list = source.labels if labels is not False else None
    if max_images is not None and max_images < len(images):
        keep = np.sort(np.random.default_rng(seed).permutation(len(images))[:max_images])
        indices = [indices[k] for k in keep]
        images = [images[k] for k in keep]
    label_tensor = None
    if label_list is not None:
        label_tensor = torch.tensor([label_list[i] for i in indices], dtype=torch.int64)
    return RealImages(
        spec, images, label_tensor, source.class_names if label_list else None, source.fingerprint()
    )


def stratified_split(labels: Tensor, val_fraction: float, seed: int) -> tuple[Tensor, Tensor]:
    """Seeded split keeping class proportions: (train_indices, val_indices), each sorted int64.

    Each class gives round(count * val_fraction) images to validation (at least 1 when it has 2+).
    """
    rng = np.random.default_rng(seed)
    labels_np = labels.numpy()
    val = []
    for cls in np.unique(labels_np):
        members = np.flatnonzero(labels_np == cls)
        n_val = int(round(len(members) * val_fraction))
        n_val = min(max(n_val, 1 if len(members) >= 2 else 0), len(members) - 1)
        val.extend(rng.permutation(members)[:n_val].tolist())
    val_mask = np.zeros(len(labels_np), dtype=bool)
    val_mask[val] = True
    return torch.from_numpy(np.flatnonzero(~val_mask)), torch.from_numpy(np.flatnonzero(val_mask))


def random_split(n: int, val_fraction: float, seed: int) -> tuple[Tensor, Tensor]:
    """Seeded split of range(n) for unlabelled data: (train_indices, held_out_indices), each sorted."""
    order = np.random.default_rng(seed).permutation(n)
    n_val = min(max(int(round(n * val_fraction)), 1), n - 2)
    return torch.from_numpy(np.sort(order[n_val:])), torch.from_numpy(np.sort(order[:n_val]))


def disjoint_halves(n: int, seed: int) -> tuple[Tensor, Tensor]:
    """Seeded split of range(n) into two disjoint halves of n // 2 each (sorted int64)."""
    order = np.random.default_rng(seed).permutation(n)
    half = n // 2
    return torch.from_numpy(np.sort(order[:half])), torch.from_numpy(
        np.sort(order[half : 2 * half])
    )


def indices_digest(indices: Tensor) -> str:
    """SHA-256 of the indices as little-endian int64: lets a reader check it rebuilt the same split."""
    return hashlib.sha256(indices.to(torch.int64).numpy().astype("<i8").tobytes()).hexdigest()
