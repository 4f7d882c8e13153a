"""Packed pairs for a text D (PacGAN, Lin et al. 2018, per caption): D reads two images of one
caption stacked along the channels, so it sees how the images of a caption differ from each
other — one picture per prompt is then as plain to it as a wrong colour.

Real packs are each real image of the batch beside a partner: another training image with the
caption the batch drew for it (itself only when no other image has that caption), which the
batch field "partner" draws with a seeded, resumable generator and hands out as the batch's
images are. Fake packs are the fakes `paired`
made, fake i beside fake i + ceil(N/2).
"""

from __future__ import annotations

import torch
from torch import Tensor

from ganforge.data.training import random_crop, to_model_range
from ganforge.training.batches import SeededField
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


class PartnerField(SeededField):
    """Batch entry "partner": for each row, another training image (in the model's range, cropped
    as the batch is) that carries the caption the "caption" field (`captions`, a `CaptionField`
    drawn first) drew for the row."""

    def __init__(self, captions, images: Tensor, resolution: int, seed: int):
        super().__init__(seed + 5)
        self.captions, self.images, self.resolution = captions, images, resolution
        order = torch.argsort(captions.flat, stable=True)  # (image, caption) entries grouped by caption
        owners = torch.repeat_interleave(torch.arange(len(captions.counts)), captions.counts)
        self.owners = owners[order]
        self.rank = torch.empty_like(order).scatter_(0, order, torch.arange(len(order)))  # entry -> place
        self.group_size = torch.bincount(captions.flat)[captions.flat]  # per entry: images of its caption
        self.group_start = torch.searchsorted(captions.flat[order], captions.flat)  # per entry: group's first place

    def shared_share(self) -> float:
        """The share of (image, caption) entries whose caption some other image carries too."""
        return float((self.group_size > 1).float().mean()) if len(self.group_size) else 0.0

    def indices(self) -> Tensor:
        """For the rows the caption field just drew: a partner's image index each."""
        entries = self.captions.last_entries
        size, start = self.group_size[entries], self.group_start[entries]
        own = self.rank[entries] - start
        draws = torch.randint(0, 1 << 30, (len(entries),), generator=self.generator)
        step = torch.where(size > 1, 1 + draws % (size - 1).clamp(min=1), torch.zeros_like(size))  # skip itself
        return self.owners[start + (own + step) % size]

    def take(self, indices: Tensor) -> Tensor:
        if len(self.captions.last_entries) != len(indices):
            raise RuntimeError("the partner field is drawn right after the caption field")
        images = self.images[self.indices().to(self.images.device)].cpu()  # crops draw on the CPU
        return to_model_range(random_crop(images, self.resolution, self.generator))
