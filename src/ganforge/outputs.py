"""Check output paths before any work: a file we cannot write is an error up front, not at the end."""

from __future__ import annotations

import os
from pathlib import Path

from ganforge.errors import UserError


def _nearest_existing(path: Path) -> Path:
    """`path` itself or the closest ancestor that exists (the folder a `mkdir -p` would start in)."""
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path(".")


def _check_creatable_under(path: Path, flag: str) -> None:
    base = _nearest_existing(path.parent if path.parent != path else path)
    if not base.is_dir():
        raise UserError(f"{flag} {path}: {base} is a file, not a folder")
    if not os.access(base, os.W_OK | os.X_OK):
        raise UserError(f"{flag} {path}: folder {base} is not writable")


def check_output_file(path: str | os.PathLike, flag: str = "--out", make_parents: bool = True) -> Path:
    """An output file that can be written: not a folder, its folder writable (or creatable)."""
    path = Path(path)
    if path.is_dir():
        raise UserError(f"{flag} {path}: is a folder; expected a file name")
    if path.exists() and not os.access(path, os.W_OK):
        raise UserError(f"{flag} {path}: file exists and is not writable")
    if not make_parents and not path.parent.is_dir():
        what = "is a file, not a folder" if path.parent.exists() else "does not exist"
        raise UserError(f"{flag} {path}: folder {path.parent} {what}")
    _check_creatable_under(path, flag)
    return path


def check_output_dir(path: str | os.PathLike, flag: str = "--out") -> Path:
    """An output folder that exists and is writable, or can be created."""
    path = Path(path)
    if path.exists():
        if not path.is_dir():
            raise UserError(f"{flag} {path}: is a file; expected a folder")
        if not os.access(path, os.W_OK | os.X_OK):
            raise UserError(f"{flag} {path}: folder is not writable")
        return path
    _check_creatable_under(path, flag)
    return path
