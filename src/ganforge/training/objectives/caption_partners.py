"""Packed pairs for a text D (PacGAN, Lin et al. 2018, per caption): D reads two images of one
caption stacked along the channels, so it sees how the images of a caption differ from each
other — one picture per prompt is then as plain to it as a wrong colour.

Real packs are each real image of the batch beside a partner: another training image with the
caption the batch drew for it (itself only when no other image has that caption), drawn by the
batch field "partner" with a seeded, resumable generator. Fake packs are the fakes `paired`
made, fake i beside fake i + ceil(N/2).
"""

from __future__ import annotations

import torch
from torch import Tensor

from ganforge.training.objectives.diversity import pair_split


def stacked(first: Tensor, second: Tensor) -> Tensor:
    """[N,C,R,R] twice -> [N,2C,R,R], in the memory layout of `first`."""
    packed = torch.cat([first, second], dim=1)
    if first.is_contiguous(memory_format=torch.channels_last) and not first.is_contiguous():
        packed = packed.contiguous(memory_format=torch.channels_last)
    return packed


def packed_fakes(fakes: Tensor, e: Tensor) -> tuple[Tensor, Tensor]:
    """Fakes made for `paired` captions -> (packs [floor(N/2),2C,R,R], their captions' embeddings)."""
    first, second = pair_split(fakes)
    return stacked(first, second), e[: len(first)]


class PartnerField:
    """Batch entry "partner": for each row, the index of another training image that carries the
    caption the "caption" field (`captions`, a `CaptionField` drawn first) drew for the row."""

    def __init__(self, captions, seed: int):
        self.captions = captions
        order = torch.argsort(captions.flat, stable=True)  # (image, caption) entries grouped by caption
        owners = torch.repeat_interleave(torch.arange(len(captions.counts)), captions.counts)
        self.owners = owners[order]
        self.rank = torch.empty_like(order).scatter_(0, order, torch.arange(len(order)))  # entry -> place
        self.group_size = torch.bincount(captions.flat)[captions.flat]  # per entry: images of its caption
        self.group_start = torch.searchsorted(captions.flat[order], captions.flat)  # per entry: its group's first place
        self.generator = torch.Generator().manual_seed(seed + 5)

    def shared_share(self) -> float:
        """The share of (image, caption) entries whose caption some other image carries too."""
        return float((self.group_size > 1).float().mean()) if len(self.group_size) else 0.0

    def take(self, indices: Tensor) -> Tensor:
        entries = self.captions.last_entries
        if len(entries) != len(indices):
            raise RuntimeError("the partner field is drawn right after the caption field")
        size, start = self.group_size[entries], self.group_start[entries]
        own = self.rank[entries] - start
        draws = torch.randint(0, 1 << 30, (len(entries),), generator=self.generator)
        others = (size - 1).clamp(min=1)
        step = torch.where(size > 1, 1 + draws % others, torch.zeros_like(size))  # skip the row's own image
        return self.owners[start + (own + step) % size]

    def seed_own_draws(self, seed: int) -> None:
        self.generator.manual_seed(seed)

    def state_dict(self) -> dict:
        return {"generator": self.generator.get_state()}

    def load_state_dict(self, state: dict) -> None:
        self.generator.set_state(state["generator"])


class PartnerImages:
    """The training images behind partner indices, as the batch's images are made."""

    def __init__(self, images: Tensor, seed: int):
        from ganforge.data.training import random_crop, to_model_range

        self._random_crop, self._to_model_range = random_crop, to_model_range
        self.images = images
        self.crop_generator = torch.Generator().manual_seed(seed + 6)

    def __call__(self, indices: Tensor, like: Tensor) -> Tensor:
        images = self.images[indices.to(self.images.device)].cpu()  # crops draw on the CPU
        if images.shape[-1] != like.shape[-1]:
            images = self._random_crop(images, like.shape[-1], self.crop_generator)
        return self._to_model_range(images).to(like.device, like.dtype)

    def state_dict(self) -> dict:
        return {"crop_generator": self.crop_generator.get_state()}

    def load_state_dict(self, state: dict) -> None:
        self.crop_generator.set_state(state["crop_generator"])
