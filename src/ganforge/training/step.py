"""One training iteration: `n_dis` D steps then one G step, with AMP and non-finite detection."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ganforge.training.state import TrainingState


def lr_factor(step: int, steps: int, decay: str, decay_start: int) -> float:
    """Linear decay to 0 from `decay_start` to `steps` (as CycleGAN's schedule); 1 otherwise."""
    if decay == "none" or step < decay_start:
        return 1.0
    return max(0.0, 1.0 - (step - decay_start) / max(steps - decay_start, 1))


def set_learning_rates(state: TrainingState, guard_factor: float) -> None:
    train = state.config.train
    factor = lr_factor(state.step, train.steps, train.lr_decay, train.lr_decay_start) * guard_factor
    for optimizer, base in ((state.opt_g, train.lr_g), (state.opt_d, train.lr_d)):
        for group in optimizer.param_groups:
            group["lr"] = base * factor


def _grad_norm(module: nn.Module) -> float:
    norms = [p.grad.detach().norm() for p in module.parameters() if p.grad is not None]
    return float(torch.stack(norms).norm()) if norms else 0.0


def _optimise(state: TrainingState, optimizer: torch.optim.Optimizer, loss: Tensor) -> None:
    optimizer.zero_grad(set_to_none=True)
    state.scaler.scale(loss).backward()
    state.scaler.step(optimizer)
    state.scaler.update()


def train_step(state: TrainingState, measure: bool = False) -> dict[str, float] | None:
    """Returns the step's logs, or None when a loss was non-finite (no optimiser step taken then)."""
    objective, n_dis = state.objective, state.config.train.n_dis
    state.generator.train()
    state.discriminator.train()
    logs: dict[str, Tensor | float] = {}
    for index in range(n_dis):
        real_images = state.next_real_batch()
        with state.placement.autocast():
            d_loss, d_logs = objective.d_loss(real_images, keep_fake=index == n_dis - 1)
        if not torch.isfinite(d_loss):
            objective.drop_kept()
            return None
        _optimise(state, state.opt_d, d_loss)
        logs.update(d_logs)
    if measure:
        logs["grad_norm_d"] = _grad_norm(state.discriminator)
    # D's weights need no gradients in the G step: skipping them saves a third of its backward.
    state.discriminator.requires_grad_(False)
    try:
        with state.placement.autocast():
            g_loss, g_logs = objective.g_loss(state.config.train.batch_size)
        if not torch.isfinite(g_loss):
            return None
        _optimise(state, state.opt_g, g_loss)
    finally:
        state.discriminator.requires_grad_(True)
    logs.update(g_logs)
    if measure:
        logs["grad_norm_g"] = _grad_norm(state.generator)
    return {name: float(value) for name, value in logs.items()}
