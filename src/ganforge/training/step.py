"""One training iteration: the objective's phases in order, with AMP and non-finite checks."""

from __future__ import annotations

import contextlib

import torch
from torch import Tensor, nn

from ganforge.training.state import TrainingState


def lr_factor(step: int, steps: int, decay: str, decay_start: int) -> float:
    """Linear decay to 0 from `decay_start` to `steps` (as CycleGAN's schedule); 1 otherwise."""
    if decay == "none" or step < decay_start:
        return 1.0
    return max(0.0, 1.0 - (step - decay_start) / max(steps - decay_start, 1))


def set_learning_rates(state: TrainingState) -> None:
    train = state.config.train
    factor = lr_factor(state.step, train.steps, train.lr_decay, train.lr_decay_start) * state.guard.lr_factor
    for name, optimizer in state.optimizers.items():
        for group in optimizer.param_groups:
            group["lr"] = state.base_lrs[name] * factor


def _grad_norm(module: nn.Module) -> Tensor:
    norms = [p.grad.detach().norm() for p in module.parameters() if p.grad is not None]
    return torch.stack(norms).norm() if norms else torch.zeros(())


@contextlib.contextmanager
def _frozen(networks: list[nn.Module]):
    """Weights that need no gradients in this phase (restored even when the phase fails)."""
    for net in networks:
        net.requires_grad_(False)
    try:
        yield
    finally:
        for net in networks:
            net.requires_grad_(True)


def train_step(state: TrainingState, measure: bool = False) -> dict[str, float] | None:
    """Runs every phase; returns the logs (floats on `measure` steps, else {}), or None when a
    checked loss was non-finite (no optimiser step is taken for it then).

    On CPU every loss is checked; on CUDA only on `measure` steps, so no step waits for the
    device (a non-finite loss in between shows on the next check and trips the guard there).
    """
    check = measure or state.placement.device.type != "cuda"
    for net in state.networks.values():
        net.train()
    logs: dict[str, Tensor] = {}
    for phase in state.objective.phases():
        with _frozen([state.networks[name] for name in phase.frozen]):
            for repeat in range(phase.repeats):
                batch = state.batches.next() if phase.needs_batch else None
                with state.placement.autocast():
                    loss, phase_logs = phase.run(batch, repeat == phase.repeats - 1)
                # Every process skips the step when any has a non-finite loss.
                if check and not state.distribution.all(bool(torch.isfinite(loss))):
                    state.objective.drop_kept()
                    return None
                optimizers = [state.optimizers[name] for name in phase.trains]
                for optimizer in optimizers:
                    optimizer.zero_grad(set_to_none=True)
                # The phase's own scaler steps each of its optimisers once and updates right
                # away, so any phase pattern (n_dis repeats, G stepping in D's phase) is one
                # that GradScaler allows: no optimiser steps twice between two updates.
                scaler = state.scalers[phase.name]
                scaler.scale(loss).backward()
                for optimizer in optimizers:
                    scaler.step(optimizer)
                scaler.update()
                logs.update(phase_logs)
        if measure:
            for name in phase.trains:
                logs[f"grad_norm_{name.lower()}"] = _grad_norm(state.networks[name])
    return {name: float(value) for name, value in logs.items()} if measure else {}
