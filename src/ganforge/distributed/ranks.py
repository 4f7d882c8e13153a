"""What differs between processes of one run: their part of each batch and their random streams.

Every process draws the same global batch indices (one sampler, one seed) and keeps its own
contiguous slice, so the processes together see exactly the batches one process would, and the
sampler's position is the same everywhere. What each process draws by itself (latents,
augmentation, random crops) comes from its own streams: process 0 keeps the single-process
seeds, process r > 0 gets seeds derived from (seed, r).

A checkpoint keeps process 0's streams where a single-process checkpoint has them (so one
process can resume it) and every process's under "ranks"; resuming with the same number of
processes continues each stream exactly.
"""

from __future__ import annotations

import warnings

import numpy as np
import torch

from ganforge.distributed.context import Distribution
from ganforge.errors import UserError
from ganforge.training.rng import restore_rng_state, rng_state, seed_everything

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


def own_streams(seed: int, rank: int, *extra: int) -> dict:
    """Fresh per-process random streams (python, numpy, torch) and a crop generator state."""
    saved = rng_state()
    seed_everything(rank_seed(seed, rank, *extra))
    fresh = rng_state()
    restore_rng_state(saved)
    crop = torch.Generator().manual_seed(rank_seed(seed, rank, 1, *extra)).get_state()
    return {"rng": fresh, "crop_generator": crop}


def start_own_streams(state, distribution: Distribution) -> None:
    """After identical network initialisation everywhere: process r > 0 switches to its own streams."""
    state.batches.take_part(distribution.rank, distribution.world_size)
    if distribution.rank == 0:
        return
    streams = own_streams(state.config.seed, distribution.rank)
    restore_rng_state(streams["rng"])
    state.batches.crop_generator.set_state(streams["crop_generator"])


def with_all_ranks(payload: dict, distribution: Distribution) -> dict:
    """Add every process's own entries (a collective: every process calls it)."""
    if not distribution.active:
        return payload
    ranks = distribution.gather(_on_cpu({key: payload[key] for key in RANK_KEYS}))
    return {**payload, "world_size": distribution.world_size, "ranks": ranks}


def own_rank_state(checkpoint: dict, distribution: Distribution, seed: int) -> dict:
    """This process's entries of a checkpoint; another number of processes warns once and gives
    new processes fresh streams (the data order and the global batch carry on unchanged)."""
    saved_world = int(checkpoint.get("world_size", 1))
    ranks = checkpoint.get("ranks") or [{key: checkpoint[key] for key in RANK_KEYS}]
    if saved_world == distribution.world_size:
        return ranks[distribution.rank]
    if distribution.is_main:
        warnings.warn(
            f"checkpoint written by {saved_world} process(es), resuming with {distribution.world_size}:"
            " same global batch and data order, but per-process random streams differ,"
            " so the run is not bit-identical to an uninterrupted one",
            stacklevel=2,
        )
    if distribution.rank < len(ranks):
        own = ranks[distribution.rank]
        sampler = ranks[0]["batches"]["sampler"]  # the same everywhere; kept for clarity
        return {**own, "batches": {**own["batches"], "sampler": sampler}}
    streams = own_streams(seed, distribution.rank, int(checkpoint["step"]))
    return {
        "rng": streams["rng"],
        "batches": {**ranks[0]["batches"], "crop_generator": streams["crop_generator"]},
        "objective": ranks[0]["objective"],
    }


def _on_cpu(tree):
    """Tensors (an objective's GPU image pool) sent as CPU tensors: process 0 keeps no other GPU's memory."""
    if isinstance(tree, torch.Tensor):
        return tree.cpu()
    if isinstance(tree, dict):
        return {key: _on_cpu(value) for key, value in tree.items()}
    if isinstance(tree, (list, tuple)):
        return type(tree)(_on_cpu(value) for value in tree)
    return tree
