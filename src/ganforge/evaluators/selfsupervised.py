"""Self-supervised evaluator training for unlabelled data: SimCLR-style contrastive learning.

Two augmented views of each image go through the network and a small projection head;
the NT-Xent loss (Chen et al. 2020, "A Simple Framework for Contrastive Learning of Visual
Representations", eq. 1) pulls the two views together and pushes the other 2(B-1) images
away. The projection head is discarded: features are the network's `embed` output.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ganforge.evaluators.augment import simclr_view
from ganforge.evaluators.batchnorm import recalibrate_batchnorm


@dataclass(frozen=True)
class ContrastiveSettings:
    epochs: int
    batch_size: int = 128
    lr: float = 2e-3  # Adam, cosine-decayed to 0 over the run
    weight_decay: float = 1e-5
    temperature: float = 0.5
    projection_dim: int = 64

    def describe(self) -> dict:
        return {
            "objective": "nt-xent (SimCLR)",
            "optimizer": "adam",
            "schedule": "cosine",
            "views": "random resized crop (area 0.4-1) + horizontal flip + brightness/contrast/gain jitter 0.4",
            **asdict(self),
        }


def nt_xent(projections_a: Tensor, projections_b: Tensor, temperature: float) -> Tensor:
    """NT-Xent loss of paired views [B,p] and [B,p]: mean over the 2B anchors."""
    z = F.normalize(torch.cat([projections_a, projections_b]), dim=1)
    n = projections_a.shape[0]
    similarity = z @ z.T / temperature
    similarity.fill_diagonal_(float("-inf"))  # an anchor is never its own candidate
    positives = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)]).to(z.device)
    return F.cross_entropy(similarity, positives)


def projection_head(feature_dim: int, projection_dim: int) -> nn.Module:
    return nn.Sequential(
        nn.Linear(feature_dim, feature_dim),
        nn.ReLU(inplace=True),
        nn.Linear(feature_dim, projection_dim),
    )


def train_contrastive(
    network: nn.Module,
    batch_inputs: Callable[[Tensor], Tensor],
    n: int,
    settings: ContrastiveSettings,
    generator: torch.Generator,
    device: torch.device,
    on_epoch: Callable[[int, float], None] | None = None,
) -> list[float]:
    """Train `network.embed` in place on n images; returns the mean NT-Xent loss of each epoch.

    batch_inputs(indices [B] int64) -> preprocessed float images [B,C,S,S]. Batches of fewer
    than 2 images carry no negatives and are dropped.
    """
    head = projection_head(network.feature_dim, settings.projection_dim).to(device)
    parameters = list(network.parameters()) + list(head.parameters())
    optimizer = torch.optim.Adam(parameters, lr=settings.lr, weight_decay=settings.weight_decay)
    batch_size = min(settings.batch_size, n)
    steps_per_epoch = max(1, n // batch_size)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(
        optimizer, T_max=settings.epochs * steps_per_epoch
    )
    epoch_losses = []
    for epoch in range(settings.epochs):
        network.train()
        head.train()
        order = torch.randperm(n, generator=generator)
        total, steps = 0.0, 0
        for start in range(0, n - batch_size + 1, batch_size):
            images = batch_inputs(order[start : start + batch_size])
            view_a = simclr_view(images, generator).to(device)
            view_b = simclr_view(images, generator).to(device)
            loss = nt_xent(
                head(network.embed(view_a)), head(network.embed(view_b)), settings.temperature
            )
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
            total += loss.item()
            steps += 1
        epoch_losses.append(total / steps)
        if on_epoch is not None:
            on_epoch(epoch, epoch_losses[-1])
    recalibrate_batchnorm(network, batch_inputs, n, device)
    return epoch_losses
