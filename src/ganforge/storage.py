"""Where ganforge keeps files, and how it fingerprints them: the home folder and SHA-256 of files."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

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
