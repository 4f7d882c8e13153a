"""Checkpoints: atomic writes, and loading that never executes code."""

from __future__ import annotations

import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

import torch

from ganforge.errors import UserError

CHECKPOINT_SUFFIX = ".ckpt"


def atomic_write(path: Path, write: callable) -> None:
    """Call `write(file_object)` on a temp file beside `path`, fsync, then rename over `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def save_checkpoint(path: Path, state: dict[str, Any]) -> None:
    """Write a checkpoint (tensors, numbers, strings, lists and dicts only) atomically."""
    atomic_write(path, lambda handle: torch.save(state, handle))


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    """Read a checkpoint with `weights_only=True`: a file that would run code is refused."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: checkpoint not found")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as err:
        first_line = str(err).strip().splitlines()[0] if str(err).strip() else "unsafe content"
        raise UserError(f"{path}: refused to load checkpoint (not plain tensors/data: {first_line[:120]})") from None
    except Exception as err:  # truncated or foreign files
        raise UserError(f"{path}: not a readable checkpoint ({type(err).__name__})") from None
    if not isinstance(state, dict) or "generator" not in state or "config" not in state:
        raise UserError(f"{path}: not a ganforge checkpoint (missing 'generator' or 'config')")
    return state


def numbered_name(step: int) -> str:
    return f"step-{step:08d}{CHECKPOINT_SUFFIX}"


def prune_numbered(directory: Path, keep: int) -> None:
    """Delete all but the newest `keep` numbered checkpoints."""
    numbered = sorted(directory.glob(f"step-*{CHECKPOINT_SUFFIX}"))
    for old in numbered[: max(len(numbered) - keep, 0)]:
        old.unlink(missing_ok=True)
