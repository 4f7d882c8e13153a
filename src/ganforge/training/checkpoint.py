"""Writing checkpoints atomically, numbered and pruned (reading them lives in `ganforge.runs`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from ganforge.atomic import atomic_write

CHECKPOINT_SUFFIX = ".ckpt"
# `atomic_write` names its temp file `.<name>.<random>.tmp` beside the target.
TEMP_PATTERN = f".*{CHECKPOINT_SUFFIX}.*.tmp"


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


def remove_stale_temp_files(directory: Path) -> list[Path]:
    """Delete temp files of checkpoint writes that were killed (SIGKILL, power loss) mid-write.

    Only one process trains in a run directory, so at start-up every such file is stale.
    """
    stale = sorted(Path(directory).glob(TEMP_PATTERN)) if Path(directory).is_dir() else []
    for path in stale:
        path.unlink(missing_ok=True)
    return stale
