"""What differs between processes of one run: their part of each batch and their random streams.

Every process draws the same global batch indices (one sampler, one seed) and keeps its own
contiguous slice, so the processes together see exactly the batches one process would, and the
sampler's position is the same everywhere. Every task's batches do this through one interface
(`training.batches.TrainingBatches`: `take_part`, `seed_own_draws`). What each process draws by
itself (latents, augmentation, crops and flips, caption choices, colour hints, the pool draws)
comes from its own streams: process 0 keeps the single-process seeds, process r > 0 gets seeds
derived from (seed, r).

The objective's state is per process too: CycleGAN's image pools hold the fakes of the process's
own images and are drawn from with its own stream. A checkpoint keeps process 0's streams and
objective state where a single-process checkpoint has them (so one process can resume it) and
every process's under "ranks"; resuming with the same number of processes continues each stream
and pool exactly.
"""

from __future__ import annotations

import warnings

import numpy as np
import torch

from ganforge.distributed.context import Distribution
from ganforge.errors import UserError
from ganforge.rng import seed_everything

RANK_KEYS = ("rng", "batches", "objective")  # checkpoint entries each process has its own of


def per_process_batch(batch_size: int, distribution: Distribution) -> int:
    """`train.batch_size` is the global batch: each process takes an equal part of it."""
    if batch_size % distribution.world_size:
        raise UserError(
            f"train.batch_size {batch_size}: the global batch must split evenly over"
            f" {distribution.world_size} processes; use a multiple of {distribution.world_size}"
        )
    return batch_size // distribution.world_size


def rank_seed(seed: int, rank: int, *extra: int) -> int:
    """A seed for process `rank`'s own streams (SeedSequence: independent of the others)."""
    return int(np.random.SeedSequence([seed, rank, *extra]).generate_state(1)[0])


def own_streams(state, rank: int, *extra: int) -> None:
    """Give process `rank` random streams of its own: torch/numpy/python, and the draws its batches
    (crops, flips) and its objective (colour hints) make with generators of their own."""
    seed = state.config.seed
    seed_everything(rank_seed(seed, rank, *extra))
    state.batches.seed_own_draws(rank_seed(seed, rank, 1, *extra))
    state.objective.seed_own_draws(rank_seed(seed, rank, 2, *extra))


def start_own_streams(state, distribution: Distribution) -> None:
    """After identical network initialisation everywhere: process r > 0 switches to its own streams."""
    state.batches.take_part(distribution.rank, distribution.world_size)
    if distribution.rank > 0:
        own_streams(state, distribution.rank)


def with_all_ranks(payload: dict, distribution: Distribution) -> dict:
    """Add every process's own entries (a collective: every process calls it)."""
    if not distribution.active:
        return payload
    ranks = distribution.gather(_on_cpu({key: payload[key] for key in RANK_KEYS}))
    return {**payload, "world_size": distribution.world_size, "ranks": ranks}


def own_rank_state(checkpoint: dict, distribution: Distribution) -> tuple[dict, bool]:
    """This process's entries of a checkpoint, and whether they are borrowed from process 0.

    Another number of processes warns once; a process the checkpoint has no entries for borrows
    process 0's (the data order and the global batch carry on unchanged, and its objective state
    such as CycleGAN's image pool starts as a copy of process 0's) and must then draw fresh
    streams (`own_streams(state, rank, step)`).
    """
    saved_world = int(checkpoint.get("world_size", 1))
    ranks = checkpoint.get("ranks") or [{key: checkpoint[key] for key in RANK_KEYS}]
    if saved_world == distribution.world_size:
        return ranks[distribution.rank], False
    if distribution.is_main:
        warnings.warn(
            f"checkpoint written by {saved_world} process(es), resuming with {distribution.world_size}:"
            " same global batch and data order, but per-process random streams differ,"
            " so the run is not bit-identical to an uninterrupted one",
            stacklevel=2,
        )
    if distribution.rank < len(ranks):
        return ranks[distribution.rank], False
    return ranks[0], True


def _on_cpu(tree):
    """Tensors (an objective's GPU image pool) sent as CPU tensors: process 0 keeps no other GPU's memory."""
    if isinstance(tree, torch.Tensor):
        return tree.cpu()
    if isinstance(tree, dict):
        return {key: _on_cpu(value) for key, value in tree.items()}
    if isinstance(tree, (list, tuple)):
        return type(tree)(_on_cpu(value) for value in tree)
    return tree
