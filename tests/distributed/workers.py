"""Functions run in each spawned process (torch.multiprocessing.spawn pickles them by name)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import torch

from ganforge.config import load_config
from ganforge.distributed import init_from_env, shutdown
from ganforge.training.rng import seed_everything
from ganforge.training.state import build_state
from ganforge.training.step import train_step


def join(rank: int, world_size: int, port: int) -> None:
    os.environ.update(
        RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE=str(world_size),
        MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port),
    )
    torch.set_num_threads(1)


def one_step_state(config, latents: torch.Tensor, distribution=None):
    """The state after one training step whose fakes come from `latents` (this process's rows)."""
    seed_everything(config.seed)
    state = build_state(config, distribution)
    rank, world = (distribution.rank, distribution.world_size) if distribution else (0, 1)
    share = len(latents) // world
    own = latents[rank * share : (rank + 1) * share]

    def fixed_latents(n: int) -> torch.Tensor:
        assert n == share
        return own

    state.objective._latents = fixed_latents
    assert train_step(state) is not None
    return state


def one_step(rank: int, world_size: int, port: int, preset: str, overrides: dict, latents, out: str) -> None:
    join(rank, world_size, port)
    distribution = init_from_env("cpu", timeout_s=60)
    try:
        state = one_step_state(load_config(preset, overrides), latents, distribution)
        if rank == 0:
            torch.save({name: net.state_dict() for name, net in state.networks.items()}, out)
    finally:
        shutdown()


def evaluate_in_group(rank: int, world_size: int, port: int, calls: list[dict], out: str) -> None:
    from ganforge.api import evaluate

    join(rank, world_size, port)
    init_from_env("cpu", timeout_s=60)
    try:
        results = [evaluate(**call) for call in calls]
        Path(f"{out}.{rank}").write_text(json.dumps(results))
    finally:
        shutdown()


def weights_after_steps(rank: int, world_size: int, port: int, runs: list[tuple[str, dict]], steps: int, out: str) -> None:
    """Each (preset, overrides) trained `steps` steps; this process's parameters saved to OUT.rank."""
    join(rank, world_size, port)
    distribution = init_from_env("cpu", timeout_s=60)
    try:
        weights = {}
        for preset, overrides in runs:
            config = load_config(preset, overrides)
            seed_everything(config.seed)
            state = build_state(config, distribution)
            for _ in range(steps):
                assert train_step(state) is not None
            weights[preset] = {name: dict(net.named_parameters()) for name, net in state.networks.items()}
        torch.save(weights, f"{out}.{rank}")
    finally:
        shutdown()
