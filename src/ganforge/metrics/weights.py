"""The FID Inception weights: where they come from, how they are checked, how they are read.

Order of resolution: an explicit path (`--weights PATH`), then the environment variable
`GANFORGE_INCEPTION_WEIGHTS`, then the cache `$GANFORGE_HOME/weights/` (default
`~/.cache/ganforge`), then a download from the canonical URL, verified against the SHA-256
prefix embedded in the file name (as `torch.hub` does with `check_hash=True`).
"""

from __future__ import annotations

import hashlib
import http.client
import os
import re
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import torch
from tqdm import tqdm

from ganforge.errors import UserError

INCEPTION_URL = (
    "https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/"
    "pt_inception-2015-12-05-6726825d.pth"
)
WEIGHTS_ENV = "GANFORGE_INCEPTION_WEIGHTS"
HOME_ENV = "GANFORGE_HOME"
_HASH_IN_NAME = re.compile(r"-([0-9a-f]{8,64})\.[^.]+$")
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


def hash_prefix_of(url: str) -> str:
    """The hex SHA-256 prefix a file name carries (`...-6726825d.pth` -> `6726825d`)."""
    match = _HASH_IN_NAME.search(url.rsplit("/", 1)[-1])
    if match is None:
        raise ValueError(f"{url}: file name carries no SHA-256 prefix")
    return match.group(1)


def _offline_message(url: str, reason: object, option: str = "--weights PATH") -> str:
    reason = " ".join(str(reason).split())  # one line, whatever the network layer said
    return (
        f"cannot download the Inception weights ({reason}); download {url} on a machine with "
        f"network access and pass it with {option} or {WEIGHTS_ENV}=PATH"
    )


def _stream(response, out, digest, expected: int | None, label: str) -> int:
    """Copy the response to `out` while hashing it, with a progress bar on stderr; returns the byte count."""
    received = 0
    with tqdm(total=expected, unit="B", unit_scale=True, desc=label, file=sys.stderr,
              disable=None, leave=False) as progress:  # fmt: skip
        for chunk in iter(lambda: response.read(_CHUNK), b""):
            digest.update(chunk)
            out.write(chunk)
            received += len(chunk)
            progress.update(len(chunk))
    return received


def download_weights(
    url: str, dest: str | os.PathLike, sha256_prefix: str, timeout: float = 30.0, option: str = "--weights PATH"
) -> Path:
    """Download `url` to `dest` atomically, checking that its SHA-256 starts with `sha256_prefix`.

    The bytes are streamed to a temporary file next to `dest`, fsynced, hashed and renamed;
    on any failure (no network, wrong hash) no file is left behind and UserError is raised.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    digest = hashlib.sha256()
    try:
        with os.fdopen(descriptor, "wb") as out:
            try:
                with urllib.request.urlopen(url, timeout=timeout) as response:
                    expected = int(response.headers.get("Content-Length") or 0) or None
                    received = _stream(response, out, digest, expected, dest.name)
            except (urllib.error.URLError, http.client.HTTPException, OSError) as err:
                raise UserError(_offline_message(url, getattr(err, "reason", err), option)) from None
            if expected is not None and received != expected:
                raise UserError(
                    _offline_message(url, f"connection closed after {received} of {expected} bytes", option)
                )
            out.flush()
            os.fsync(out.fileno())
        actual = digest.hexdigest()
        if not actual.startswith(sha256_prefix.lower()):
            raise UserError(
                f"{url}: downloaded file has SHA-256 {actual[:len(sha256_prefix)]}..., "
                f"expected {sha256_prefix}...; not saved"
            )
        os.replace(temp_name, dest)
    finally:
        if os.path.exists(temp_name):
            os.remove(temp_name)
    return dest


def resolve_inception_weights(
    path: str | os.PathLike | None = None, url: str = INCEPTION_URL, option: str = "--weights PATH"
) -> Path:
    """Local path of the FID Inception weights: explicit path, env variable, cache, or download.

    `option` is how the user gives a path where they are (`--weights PATH`, `eval.weights=PATH`).
    """
    if path is not None:
        return _existing(Path(path).expanduser(), option.removesuffix("PATH").rstrip())
    from_env = os.environ.get(WEIGHTS_ENV)
    if from_env:
        return _existing(Path(from_env).expanduser(), f"{WEIGHTS_ENV}=")
    cached = ganforge_home() / "weights" / url.rsplit("/", 1)[-1]
    if cached.is_file():
        return cached
    return download_weights(url, cached, hash_prefix_of(url), option=option)


def _existing(path: Path, given_by: str) -> Path:
    if not path.is_file():
        separator = "" if given_by.endswith("=") else " "
        raise UserError(f"{given_by}{separator}{path}: no such weights file")
    return path


def load_state_dict_file(path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """Read a state dict with `torch.load(weights_only=True)`: tensors only, never code."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # unpickling errors come in many types; all mean "not a weights file"
        raise UserError(f"{path}: not a readable PyTorch weights file ({type(err).__name__})") from None
    if not isinstance(state, dict) or not all(isinstance(value, torch.Tensor) for value in state.values()):
        raise UserError(f"{path}: expected a state dict of tensor names to tensors")
    return state
