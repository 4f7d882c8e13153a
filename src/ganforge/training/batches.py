"""Seeded, resumable batches from preloaded training images."""

from __future__ import annotations

import torch
from torch import Tensor


class EpochSampler:
    """Index batches from a fresh seeded permutation each epoch; its state resumes exactly."""

    def __init__(self, size: int, batch_size: int, seed: int):
        self.size = size
        self.batch_size = batch_size
        self.generator = torch.Generator().manual_seed(seed)
        self.permutation = torch.randperm(size, generator=self.generator)
        self.position = 0
        self.epoch = 0

    def next_indices(self) -> Tensor:
        chunks, needed = [], self.batch_size
        while needed > 0:
            if self.position >= self.size:
                self.permutation = torch.randperm(self.size, generator=self.generator)
                self.position = 0
                self.epoch += 1
            take = self.permutation[self.position : self.position + needed]
            self.position += len(take)
            needed -= len(take)
            chunks.append(take)
        return torch.cat(chunks)

    def state_dict(self) -> dict:
        return {
            "generator": self.generator.get_state(),
            "permutation": self.permutation,
            "position": self.position,
            "epoch": self.epoch,
        }

    def load_state_dict(self, state: dict) -> None:
        self.generator.set_state(state["generator"])
        self.permutation = state["permutation"]
        self.position = int(state["position"])
        self.epoch = int(state["epoch"])
