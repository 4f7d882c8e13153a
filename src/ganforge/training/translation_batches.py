"""Seeded, resumable batches of translation data: {"a", "b"} in [-1, 1].

Paired data: one index per pair, and the same random crop and flip for both sides. Unpaired
data: each domain draws its own images, crops and flips. All draws come from generators whose
state is checkpointed, so a resumed run sees the same batches.

With several processes (`TrainingBatches.take_part`), every process draws the same global
indices (one sampler per domain, one seed) and keeps its contiguous slice, as `BatchSource`
does; crops and flips of its slice come from its own generator (`seed_own_draws`).
"""

from __future__ import annotations

import torch
from torch import Tensor

from ganforge.data.training import to_model_range
from ganforge.training.batches import EpochSampler


def crop_and_flip(images: list[Tensor], size: int, flip: bool, generator: torch.Generator) -> list[Tensor]:
    """The same random `size` crop and horizontal flip of each image applied to every tensor in
    `images` (all [N,C,L,L] with the same N and L; channels may differ)."""
    count, _, height, width = images[0].shape
    tops = torch.randint(0, height - size + 1, (count,), generator=generator)
    lefts = torch.randint(0, width - size + 1, (count,), generator=generator)
    flips = torch.rand(count, generator=generator) < 0.5 if flip else torch.zeros(count, dtype=torch.bool)
    steps = torch.arange(size)
    rows = tops[:, None] + steps  # [N,size]
    cols = lefts[:, None] + torch.where(flips[:, None], steps.flip(0), steps)
    index = torch.arange(count)[:, None, None, None]
    out = []
    for batch in images:
        channels = torch.arange(batch.shape[1])[None, :, None, None]
        out.append(batch[index, channels, rows[:, None, :, None], cols[:, None, None, :]])
    return out


class TranslationBatches:
    """Translation batches {"a", "b"}; implements `ganforge.training.batches.TrainingBatches`."""

    def __init__(self, data, resolution: int, batch_size: int, seed: int, flip: bool,
                 device: torch.device, channels_last: bool):
        self.data, self.resolution, self.flip = data, resolution, flip
        self.device, self.channels_last = device, channels_last
        self.sampler_a = EpochSampler(len(data.a.train), batch_size, seed)
        self.sampler_b = None if data.paired else EpochSampler(len(data.b.train), batch_size, seed + 3)
        self.jitter = torch.Generator().manual_seed(seed + 1)
        self.part = slice(None)  # all of each batch (one process)

    def take_part(self, rank: int, world_size: int) -> None:
        share = self.sampler_a.batch_size // world_size
        self.part = slice(rank * share, (rank + 1) * share)

    def seed_own_draws(self, seed: int) -> None:
        self.jitter.manual_seed(seed)

    def _to_device(self, images: Tensor) -> Tensor:
        image = to_model_range(images).to(self.device, non_blocking=True)
        return image.contiguous(memory_format=torch.channels_last) if self.channels_last else image

    def next(self) -> dict[str, Tensor]:
        index_a = self.sampler_a.next_indices()[self.part]
        if self.sampler_b is None:
            a, b = crop_and_flip([self.data.a.train[index_a], self.data.b.train[index_a]], self.resolution, self.flip, self.jitter)
        else:
            (a,) = crop_and_flip([self.data.a.train[index_a]], self.resolution, self.flip, self.jitter)
            (b,) = crop_and_flip([self.data.b.train[self.sampler_b.next_indices()[self.part]]], self.resolution, self.flip, self.jitter)
        return {"a": self._to_device(a), "b": self._to_device(b)}

    def state_dict(self) -> dict:
        return {
            "sampler_a": self.sampler_a.state_dict(),
            "sampler_b": self.sampler_b.state_dict() if self.sampler_b is not None else None,
            "jitter": self.jitter.get_state(),
        }

    def load_state_dict(self, state: dict) -> None:
        self.sampler_a.load_state_dict(state["sampler_a"])
        if self.sampler_b is not None:
            self.sampler_b.load_state_dict(state["sampler_b"])
        self.jitter.set_state(state["jitter"])
