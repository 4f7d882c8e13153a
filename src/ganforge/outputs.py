"""The one check of every output path, before any work: a place we cannot write, an input, or
a run's own file is an error up front, never a traceback or a loss at the end.

Every command calls `check_output_file` / `check_output_dir` on each path it will write,
naming its inputs; nothing is created by the check (a probe file is made and removed).
What a run directory holds (`RUN_FILES`, its latest checkpoint) is written here once, for
the checks and for whoever tells a run from images (`is_run_source`).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from ganforge.errors import UserError

# What a run directory holds for itself: writing over one of these breaks `--resume` or `report`.
RUN_FILES = ("config.yaml", "log.jsonl", "metrics.jsonl", "best.json")
RUN_FOLDERS = ("checkpoints", "samples", "tb")
RUN_MARKERS = ("checkpoints", "config.yaml", "log.jsonl")
CHECKPOINT_DIR = "checkpoints"
LATEST = "latest.ckpt"
CHECKPOINT_SUFFIX = ".ckpt"
EXPORT_SUFFIX = ".safetensors"


def _nearest_existing(path: Path) -> Path:
    """`path` itself or the closest ancestor that exists (the folder a `mkdir -p` would start in)."""
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path(".")


def _probe_writable(folder: Path) -> str | None:
    """Why a file cannot be created in `folder` (os.access says yes to root even on /proc), or None."""
    try:
        handle, name = tempfile.mkstemp(dir=folder, prefix=".ganforge-probe-")
    except OSError as err:
        return os.strerror(err.errno) if err.errno else type(err).__name__
    os.close(handle)
    os.unlink(name)
    return None


def _check_creatable_under(path: Path, flag: str) -> None:
    base = _nearest_existing(path.parent if path.parent != path else path)
    if not base.is_dir():
        raise UserError(f"{flag} {path}: {base} is a file, not a folder")
    why = _probe_writable(base)
    if why is not None:
        raise UserError(f"{flag} {path}: cannot write in folder {base} ({why})")


def is_run_directory(folder: Path) -> bool:
    return any((folder / marker).exists() for marker in RUN_MARKERS)


def latest_checkpoint(run_dir: Path) -> Path | None:
    path = Path(run_dir) / CHECKPOINT_DIR / LATEST
    return path if path.is_file() else None


def is_run_source(spec: str | os.PathLike) -> bool:
    """True for a run directory, a `.ckpt` file or an exported `.safetensors` generator."""
    path = Path(spec)
    if path.is_dir():
        return latest_checkpoint(path) is not None
    return path.is_file() and path.suffix in (CHECKPOINT_SUFFIX, EXPORT_SUFFIX)


def _run_directory_of(path: Path) -> Path | None:
    """The run directory `path` would land in as one of the run's own files, or None."""
    for parent in path.parents:
        relative = path.relative_to(parent)
        owned = (len(relative.parts) == 1 and relative.name in RUN_FILES) or relative.parts[0] in RUN_FOLDERS
        if owned and is_run_directory(parent):
            return parent
    return None


def _resolved(path: Path) -> Path:
    return Path(os.path.realpath(path))


def _check_not_an_input(path: Path, flag: str, inputs: Iterable[str | os.PathLike | None]) -> None:
    """Refuse an output that is an input or lies inside an input data folder.

    A run directory given as input may hold outputs (a grid beside the run); its own files are
    guarded by `_check_not_run_owned`.
    """
    target = _resolved(path)
    for given in inputs:
        if given is None or not str(given) or str(given) == "-" or str(given).startswith("builtin:"):
            continue
        source = _resolved(Path(given).expanduser())
        data_folder = source.is_dir() and not is_run_directory(source)
        if target == source or (data_folder and source in target.parents):
            raise UserError(f"{flag} {path}: would write over or among the input {given}; choose another {flag}")


def _check_not_run_owned(path: Path, flag: str) -> None:
    run = _run_directory_of(_resolved(path))
    if run is not None:
        raise UserError(f"{flag} {path}: is one of the files of the run {run} (it would no longer resume or report);"
                        " choose another name")


def run_files(*specs: str | os.PathLike | None) -> tuple[Path, ...]:
    """The inputs among run sources to guard: a checkpoint or export file (a run directory's own
    files are guarded anyway; outputs beside them are fine)."""
    return tuple(Path(spec) for spec in specs if spec is not None and Path(spec).is_file())


def check_output_file(path: str | os.PathLike, flag: str = "--out", make_parents: bool = True,
                      inputs: Iterable[str | os.PathLike | None] = ()) -> Path:
    """An output file that can be written: not a folder, its folder writable (or creatable),
    not one of `inputs` nor inside an input folder, not one of a run's own files."""
    path = Path(path)
    if path.is_dir():
        raise UserError(f"{flag} {path}: is a folder; expected a file name")
    if path.exists() and not path.is_file():
        raise UserError(f"{flag} {path}: exists and is not a regular file")
    if path.exists() and not os.access(path, os.W_OK):
        raise UserError(f"{flag} {path}: file exists and is not writable")
    if not make_parents and not path.parent.is_dir():
        what = "is a file, not a folder" if path.parent.exists() else "does not exist"
        raise UserError(f"{flag} {path}: folder {path.parent} {what}")
    _check_not_an_input(path, flag, inputs)  # before the probe: it would touch an input folder
    _check_not_run_owned(path, flag)
    _check_creatable_under(path, flag)
    return path


def check_output_dir(path: str | os.PathLike, flag: str = "--out",
                     inputs: Iterable[str | os.PathLike | None] = ()) -> Path:
    """An output folder that exists and is writable, or can be created; not an input nor
    inside an input folder, not a run's own folder."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise UserError(f"{flag} {path}: is a file; expected a folder")
    _check_not_an_input(path, flag, inputs)  # before the probe: it would touch an input folder
    _check_not_run_owned(path, flag)
    if path.exists():
        why = _probe_writable(path)
        if why is not None:
            raise UserError(f"{flag} {path}: cannot write in this folder ({why})")
    else:
        _check_creatable_under(path, flag)
    return path
