"""Exponential moving average of the generator's weights, used for sampling and evaluation.

ema <- decay * ema + (1 - decay) * G after every generator step from `start` on (Karras et al.
2018; Yazici et al. 2019). Before `start` the average tracks G exactly (decay 0, as BigGAN's
`ema_start`), so averaging begins from the trained weights rather than from the initialisation.
Buffers (BatchNorm running statistics) are always copied, never averaged.
"""

from __future__ import annotations

import copy

import torch
from torch import nn


def _unwrap(module: nn.Module) -> nn.Module:
    """The plain module behind DistributedDataParallel and torch.compile wrappers."""
    if isinstance(module, nn.parallel.DistributedDataParallel):
        module = module.module
    return getattr(module, "_orig_mod", module)


class GeneratorEMA:
    """A frozen copy of G in eval mode whose parameters follow G by exponential averaging."""

    def __init__(self, generator: nn.Module, decay: float = 0.999, start: int = 0) -> None:
        if not 0.0 <= decay < 1.0:
            raise ValueError(f"train.ema.decay: {decay} is outside [0, 1)")
        self.decay, self.start = decay, start
        self._module = copy.deepcopy(_unwrap(generator)).eval().requires_grad_(False)

    @property
    def module(self) -> nn.Module:
        """The averaged generator (eval mode, no gradients); same interface as G."""
        return self._module

    @torch.no_grad()
    def update(self, generator: nn.Module, step: int) -> None:
        """Fold G's current weights in; `step` = generator steps done (averaging if >= start)."""
        source = _unwrap(generator)
        live_parameters = dict(source.named_parameters())
        for name, averaged in self._module.named_parameters():
            live = live_parameters[name].detach()
            if step < self.start:
                averaged.copy_(live)
            else:  # in place, in this order, so the result is bit-identical to the formula above
                averaged.mul_(self.decay).add_(live, alpha=1.0 - self.decay)
        live_buffers = dict(source.named_buffers())
        for name, buffer in self._module.named_buffers():
            buffer.copy_(live_buffers[name])

    def state_dict(self) -> dict[str, torch.Tensor]:
        """The averaged generator's tensors (a flat name -> tensor mapping)."""
        return self._module.state_dict()

    def load_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        self._module.load_state_dict(state)
