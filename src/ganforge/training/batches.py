"""Seeded, resumable batches from preloaded training images."""

from __future__ import annotations

from typing import Protocol

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


class BalancedSampler:
    """Index batches drawn with each class equally likely (with replacement); resumes exactly."""

    def __init__(self, labels: Tensor, batch_size: int, seed: int):
        counts = torch.bincount(labels).to(torch.float64)
        # Weight 1/count(class) per image: every class has the same total weight.
        self.weights = 1.0 / counts[labels]
        self.batch_size = batch_size
        self.generator = torch.Generator().manual_seed(seed)

    def next_indices(self) -> Tensor:
        return torch.multinomial(self.weights, self.batch_size, replacement=True, generator=self.generator)

    def state_dict(self) -> dict:
        return {"generator": self.generator.get_state()}

    def load_state_dict(self, state: dict) -> None:
        self.generator.set_state(state["generator"])


class TrainingBatches(Protocol):
    """What the loop and the process setup ask of a task's batches (`BatchSource`, or a task's
    own such as `TranslationBatches`): seeded, resumable, and split over processes."""

    def next(self) -> dict[str, Tensor]:
        """This process's part of the next global batch, on the training device."""
        ...

    def take_part(self, rank: int, world_size: int) -> None:
        """From now on keep process `rank`'s contiguous share of every global batch drawn."""
        ...

    def seed_own_draws(self, seed: int) -> None:
        """Seed the random draws this process makes for its share alone (crops, flips)."""
        ...

    def state_dict(self) -> dict: ...

    def load_state_dict(self, state: dict) -> None: ...


class SeededField:
    """Base of batch fields that draw with one generator of their own: seeded per process and
    resumed exactly (the BatchField protocol's bookkeeping)."""

    def __init__(self, seed: int):
        self.generator = torch.Generator().manual_seed(seed)

    def seed_own_draws(self, seed: int) -> None:
        self.generator.manual_seed(seed)

    def state_dict(self) -> dict:
        return {"generator": self.generator.get_state()}

    def load_state_dict(self, state: dict) -> None:
        self.generator.set_state(state["generator"])


class BatchField(Protocol):
    """One more batch entry drawn for the batch's image indices (captions, ...); resumable."""

    def take(self, indices: Tensor) -> Tensor: ...

    def seed_own_draws(self, seed: int) -> None: ...

    def state_dict(self) -> dict: ...

    def load_state_dict(self, state: dict) -> None: ...


class BatchSource:
    """Training batches as dicts: "image" [B,C,R,R] float in [-1,1] on the device, and "label"
    [B] int64 when the task asks for labels. Random crops and batch order resume exactly."""

    def __init__(self, data, resolution: int, batch_size: int, seed: int, keys: tuple[str, ...],
                 balance: bool, device: torch.device, channels_last: bool,
                 fields: dict[str, BatchField] | None = None):
        from ganforge.data.training import random_crop, to_model_range

        self._random_crop, self._to_model_range = random_crop, to_model_range
        self.data, self.resolution, self.keys = data, resolution, keys
        self.device, self.channels_last = device, channels_last
        self.labels = data.labels.to(data.images.device) if "label" in keys else None
        if balance and data.labels is not None:
            self.sampler = BalancedSampler(data.labels, batch_size, seed)
        else:
            self.sampler = EpochSampler(len(data.images), batch_size, seed)
        self.crop_generator = torch.Generator().manual_seed(seed + 1)
        self.part = slice(None)  # all of each batch (one process)
        self.fields = fields or {}

    def take_part(self, rank: int, world_size: int) -> None:
        """Keep process `rank`'s contiguous share of every batch the sampler draws."""
        share = self.sampler.batch_size // world_size
        self.part = slice(rank * share, (rank + 1) * share)

    def seed_own_draws(self, seed: int) -> None:
        self.crop_generator.manual_seed(seed)
        for offset, field in enumerate(self.fields.values(), start=1):
            field.seed_own_draws(seed + offset)

    def next(self) -> dict[str, Tensor]:
        indices = self.sampler.next_indices()[self.part].to(self.data.images.device)
        images = self.data.images[indices]
        if images.shape[-1] != self.resolution:
            images = self._random_crop(images, self.resolution, self.crop_generator)
        image = self._to_model_range(images).to(self.device, non_blocking=True)
        if self.channels_last:
            image = image.contiguous(memory_format=torch.channels_last)
        batch = {"image": image}
        if self.labels is not None:
            batch["label"] = self.labels[indices].to(self.device, non_blocking=True)
        for key, field in self.fields.items():
            batch[key] = field.take(indices.cpu()).to(self.device, non_blocking=True)
        return batch

    def state_dict(self) -> dict:
        state = {"sampler": self.sampler.state_dict(), "crop_generator": self.crop_generator.get_state()}
        if self.fields:
            state["fields"] = {key: field.state_dict() for key, field in self.fields.items()}
        return state

    def load_state_dict(self, state: dict) -> None:
        self.sampler.load_state_dict(state["sampler"])
        self.crop_generator.set_state(state["crop_generator"])
        for key, field in self.fields.items():
            field.load_state_dict(state["fields"][key])
