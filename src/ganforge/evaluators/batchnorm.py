"""Recompute BatchNorm running statistics on the training images after training.

Running averages with momentum lag behind the weights and, after a short run, still sit
near their initial values; evaluation-mode features would then be off. One extra pass in
train mode with `momentum=None` (a cumulative average) gives the exact statistics of the
final network over the (unaugmented) training set.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor, nn


@torch.no_grad()
def recalibrate_batchnorm(
    network: nn.Module,
    batch_inputs: Callable[[Tensor], Tensor],
    n: int,
    device: torch.device,
    batch_size: int = 256,
) -> None:
    """Reset and refit every BatchNorm's running mean/var over images 0..n-1; leaves `network` in eval mode."""
    norms = [m for m in network.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    saved_momenta = [m.momentum for m in norms]
    for norm in norms:
        norm.reset_running_stats()
        norm.momentum = None
    network.train()
    for start in range(0, n, batch_size):
        network.embed(batch_inputs(torch.arange(start, min(start + batch_size, n))).to(device))
    for norm, momentum in zip(norms, saved_momenta, strict=True):
        norm.momentum = momentum
    network.eval()
