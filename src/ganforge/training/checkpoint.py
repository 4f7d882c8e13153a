"""Writing checkpoints atomically, numbered and pruned (reading them lives in `ganforge.runs`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from ganforge.atomic import atomic_write

CHECKPOINT_SUFFIX = ".ckpt"


def save_checkpoint(path: Path, state: dict[str, Any]) -> None:
    """Write a checkpoint (tensors, numbers, strings, lists and dicts only) atomically."""
    atomic_write(path, lambda handle: torch.save(state, handle))


def numbered_name(step: int) -> str:
    return f"step-{step:08d}{CHECKPOINT_SUFFIX}"


def prune_numbered(directory: Path, keep: int) -> None:
    """Delete all but the newest `keep` numbered checkpoints."""
    numbered = sorted(directory.glob(f"step-*{CHECKPOINT_SUFFIX}"))
    for old in numbered[: max(len(numbered) - keep, 0)]:
        old.unlink(missing_ok=True)
