"""Where ganforge keeps files, and how it fingerprints them: the home folder and SHA-256 of files."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from ganforge.errors import UserError

HOME_ENV = "GANFORGE_HOME"
_CHUNK = 1 << 20


def ganforge_home() -> Path:
    """`$GANFORGE_HOME`, default `~/.cache/ganforge`; refused up front when it cannot be a folder."""
    home = Path(os.environ.get(HOME_ENV) or Path.home() / ".cache" / "ganforge").expanduser()
    blocking = next((p for p in (home, *home.parents) if p.exists()), None)
    if blocking is not None and not blocking.is_dir():
        raise UserError(f"{HOME_ENV}={home}: {blocking} is a file; point it to a folder")
    return home


def sha256_of_file(path: str | os.PathLike) -> str:
    """Full hex SHA-256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def load_state_dict_file(path: str | os.PathLike) -> dict[str, Any]:
    """Read a state dict: safetensors, or `torch.load(weights_only=True)`: tensors only, never code."""
    import torch
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    if str(path).endswith(".safetensors"):
        try:
            return load_file(path)
        except (SafetensorError, OSError) as err:
            raise UserError(f"{path}: not a readable safetensors file ({err})") from None
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # unpickling errors come in many types; all mean "not a weights file"
        raise UserError(f"{path}: not a readable PyTorch weights file ({type(err).__name__})") from None
    if not isinstance(state, dict) or not all(isinstance(value, torch.Tensor) for value in state.values()):
        raise UserError(f"{path}: expected a state dict of tensor names to tensors")
    return state
