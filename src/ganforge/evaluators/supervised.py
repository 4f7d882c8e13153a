"""Supervised evaluator training: cross-entropy on class labels, seeded and CPU-deterministic."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ganforge.evaluators.augment import random_noise, random_translate
from ganforge.evaluators.batchnorm import recalibrate_batchnorm


@dataclass(frozen=True)
class SupervisedSettings:
    epochs: int
    batch_size: int = 32
    lr: float = 3e-3  # Adam, cosine-decayed to 0 over the run
    weight_decay: float = 0.0
    max_shift: int = 2  # random translation in pixels at the network's input size
    # Pixel noise up to this std (preprocessed units; 0.1 = 13 of 255 levels at mean/std 0.5):
    # without it a classifier of flat-background images reads any faint noise as one class.
    noise_std: float = 0.1
    freeze_batchnorm: bool = False  # fine-tuning with small batches keeps pretrained statistics

    def describe(self) -> dict:
        return {
            "objective": "cross-entropy",
            "optimizer": "adam",
            "schedule": "cosine",
            **asdict(self),
        }


def _set_train_mode(network: nn.Module, freeze_batchnorm: bool) -> None:
    network.train()
    if freeze_batchnorm:
        for module in network.modules():
            if isinstance(module, nn.modules.batchnorm._BatchNorm):
                module.eval()


def train_classifier(
    network: nn.Module,
    batch_inputs: Callable[[Tensor], Tensor],
    labels: Tensor,
    settings: SupervisedSettings,
    generator: torch.Generator,
    device: torch.device,
    on_epoch: Callable[[int, float], None] | None = None,
) -> list[float]:
    """Train `network` (with `embed` and `head`) in place; returns the mean loss of each epoch.

    Ends in eval mode with BatchNorm statistics refitted on the unaugmented training images.

    batch_inputs(indices [B] int64) -> preprocessed float images [B,C,S,S]; labels: [N] int64,
    aligned with the indices. Batch order and augmentation come from `generator` only.
    """
    n = len(labels)
    steps_per_epoch = max(1, -(-n // settings.batch_size))
    optimizer = torch.optim.Adam(
        network.parameters(), lr=settings.lr, weight_decay=settings.weight_decay
    )
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(
        optimizer, T_max=settings.epochs * steps_per_epoch
    )
    epoch_losses = []
    for epoch in range(settings.epochs):
        _set_train_mode(network, settings.freeze_batchnorm)
        order = torch.randperm(n, generator=generator)
        total, seen = 0.0, 0
        for start in range(0, n, settings.batch_size):
            batch = order[start : start + settings.batch_size]
            inputs = random_translate(batch_inputs(batch), settings.max_shift, generator)
            inputs = random_noise(inputs, settings.noise_std, generator).to(device)
            loss = F.cross_entropy(network.head(network.embed(inputs)), labels[batch].to(device))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
            total += loss.item() * len(batch)
            seen += len(batch)
        epoch_losses.append(total / seen)
        if on_epoch is not None:
            on_epoch(epoch, epoch_losses[-1])
    if settings.freeze_batchnorm:
        network.eval()
    else:
        recalibrate_batchnorm(network, batch_inputs, n, device)
    return epoch_losses
