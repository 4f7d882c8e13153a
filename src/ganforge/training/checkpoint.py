"""Checkpoints: written atomically, numbered and pruned; read safely and upgraded from format 1."""

from __future__ import annotations

import pickle
import re
import warnings
from pathlib import Path
from typing import Any

import torch

from ganforge.atomic import atomic_write
from ganforge.config import Config, validate
from ganforge.errors import UserError
from ganforge.outputs import CHECKPOINT_DIR, CHECKPOINT_SUFFIX, LATEST, latest_checkpoint

# `atomic_write` names its temp file `.<name>.<random>.tmp` beside the target.
TEMP_PATTERN = f".*{CHECKPOINT_SUFFIX}.*.tmp"


def save_checkpoint(path: Path, state: dict[str, Any]) -> None:
    """Write a checkpoint (tensors, numbers, strings, lists and dicts only) atomically.

    Serialised in memory first: torch's zip writer reports a full disk as a RuntimeError
    without its errno, a plain file write as the OSError (ENOSPC) that names the problem."""
    import io

    buffer = io.BytesIO()
    torch.save(state, buffer)
    atomic_write(path, lambda handle: handle.write(buffer.getbuffer()))


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


NOT_A_CHECKPOINT = "not a ganforge checkpoint"
_UNSAFE_GLOBAL = re.compile(r"Unsupported global: GLOBAL (\S+)")


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    """Read a checkpoint with `weights_only=True`: a file that would run code is refused."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: checkpoint not found")
    try:
        with warnings.catch_warnings():  # torch's notes on pickle protocols would precede our one line
            warnings.simplefilter("ignore", UserWarning)
            state = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as err:
        raise UserError(_refusal(path, str(err))) from None
    except Exception:  # truncated, random or foreign files fail in many ways, all meaning this
        raise UserError(f"{path}: {NOT_A_CHECKPOINT} (unreadable or truncated)") from None
    if not isinstance(state, dict) or "config" not in state or not _has_networks(state):
        raise UserError(f"{path}: {NOT_A_CHECKPOINT} (a PyTorch file without its networks and config)")
    try:
        return upgrade_checkpoint(state, path)
    except KeyError as err:
        raise UserError(f"{path}: {NOT_A_CHECKPOINT} (no {err} entry)") from None


def _has_networks(state: dict) -> bool:
    return isinstance(state.get("networks"), dict) or isinstance(state.get("generator"), dict)


CHECKPOINT_FORMATS = ("ganforge-checkpoint/1", "ganforge-checkpoint/2")


def upgrade_checkpoint(state: dict[str, Any], path: Path) -> dict[str, Any]:
    """A checkpoint in the current layout (format 2: networks, EMAs and optimisers by name).

    Format 1 (unconditional runs of earlier releases: generator, discriminator, opt_g, ...) is
    mapped onto the names the unconditional task uses, so those runs still sample and resume.
    """
    from ganforge.training.objectives.unconditional import UnconditionalObjective

    fmt = state.get("format")
    if fmt not in CHECKPOINT_FORMATS:
        raise UserError(f"{path}: checkpoint format {fmt!r} is not one this ganforge reads ({', '.join(CHECKPOINT_FORMATS)})")
    if fmt == CHECKPOINT_FORMATS[1]:
        return state
    return {
        **{key: value for key, value in state.items() if key not in ("generator", "discriminator", "generator_ema")},
        "format": CHECKPOINT_FORMATS[1],
        "task": UnconditionalObjective.name,
        "data": {"class_names": None, "class_counts": None},
        "networks": {"G": state["generator"], "D": state["discriminator"]},
        "ema": {"G": state["generator_ema"]} if state.get("generator_ema") is not None else {},
        "optimizers": {"G": state["opt_g"], "D": state["opt_d"]},
        "batches": {"sampler": state["sampler"], "crop_generator": state["crop_generator"]},
        "guard": None,
    }


def _refusal(path: Path, message: str) -> str:
    """Why `torch.load(weights_only=True)` refused: a pickle with code references, or not PyTorch at all."""
    import zipfile

    with path.open("rb") as handle:
        pickled = handle.read(1) == b"\x80"  # the PROTO opcode: a legacy torch file or a bare pickle
    if not (pickled or zipfile.is_zipfile(path)):
        return f"{path}: {NOT_A_CHECKPOINT} (not a PyTorch file)"
    unsafe = _UNSAFE_GLOBAL.search(message)
    named = f" ({unsafe.group(1).rstrip('.')})" if unsafe else ""
    return (
        f"{path}: refused: it holds Python objects beyond tensors and plain data{named}, and loading"
        f" them could run code; {NOT_A_CHECKPOINT}"
    )


def resolve_checkpoint(spec: str | Path) -> Path:
    path = Path(spec)
    if path.is_dir():
        found = latest_checkpoint(path)
        if found is None:
            raise UserError(f"{path}: no {CHECKPOINT_DIR}/{LATEST} in this run directory")
        return found
    if not path.exists():
        raise UserError(f"{path}: no such run directory or checkpoint")
    return path


def config_from_state(state: dict, label: str) -> Config:
    from ganforge.textfiles import parse_yaml

    text = state["config"]
    try:
        tree = parse_yaml(text, label) if isinstance(text, str) else None
    except UserError:
        tree = None
    if not isinstance(tree, dict):
        raise UserError(f"{label}: the checkpoint's embedded config is not a YAML mapping; {NOT_A_CHECKPOINT}")
    return validate(tree, f"{label} (embedded config)", written=True)
