"""Exponential moving average of a generator's weights, used for sampling and evaluation.

ema <- beta * ema + (1 - beta) * G after every generator step from `start` on (Karras et al.
2018; Yazici et al. 2019). Before `start` the average tracks G exactly (beta 0, as BigGAN's
`ema_start`), so averaging begins from the trained weights rather than from the initialisation.
Buffers (BatchNorm running statistics) are always copied, never averaged.

beta comes from `EMASchedule`: a half-life counted in images with a ramp-up (stylegan2-ada's
`ema_kimg`, `ema_rampup`): beta = 0.5 ** (batch / half_life_images), where the half-life is at
most `rampup` x the images seen so far. Early in a run the average therefore follows G closely;
a fixed per-step `decay` is kept for configs that ask for it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import torch
from torch import nn


@dataclass(frozen=True)
class EMASchedule:
    """beta(step) for an EMA updated once per generator step of `batch_size` images."""

    batch_size: int
    half_life_kimg: float = 10.0
    rampup: float | None = 0.01
    decay: float | None = None  # fixed per-step beta; overrides the half-life

    def beta(self, step: int) -> float:
        if self.decay is not None:
            return self.decay
        half_life = self.half_life_kimg * 1000
        if self.rampup is not None:
            half_life = min(half_life, step * self.batch_size * self.rampup)
        return 0.5 ** (self.batch_size / max(half_life, 1e-8))


def _unwrap(module: nn.Module) -> nn.Module:
    """The plain module behind DistributedDataParallel and torch.compile wrappers."""
    if isinstance(module, nn.parallel.DistributedDataParallel):
        module = module.module
    return getattr(module, "_orig_mod", module)


class GeneratorEMA:
    """A frozen copy of G in eval mode whose parameters follow G by exponential averaging.

    `decay` (a fixed beta) or `schedule` (a beta per step) sets the averaging speed.
    """

    def __init__(
        self, generator: nn.Module, decay: float = 0.999, start: int = 0, schedule: EMASchedule | None = None
    ) -> None:
        if not 0.0 <= decay < 1.0:
            raise ValueError(f"train.ema.decay: {decay} is outside [0, 1)")
        self.schedule = schedule or EMASchedule(batch_size=1, decay=decay)
        self.start = start
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
        beta = self.schedule.beta(step)
        for name, averaged in self._module.named_parameters():
            live = live_parameters[name].detach()
            if step < self.start:
                averaged.copy_(live)
            else:  # in place, in this order, so the result is bit-identical to the formula above
                averaged.mul_(beta).add_(live, alpha=1.0 - beta)
        live_buffers = dict(source.named_buffers())
        for name, buffer in self._module.named_buffers():
            buffer.copy_(live_buffers[name])

    def state_dict(self) -> dict[str, torch.Tensor]:
        """The averaged generator's tensors (a flat name -> tensor mapping)."""
        return self._module.state_dict()

    def load_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        self._module.load_state_dict(state)
