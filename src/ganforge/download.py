"""Hash-checked, atomic downloads: a file appears in the cache whole and verified, or not at all."""

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

from tqdm import tqdm

from ganforge.errors import UserError

_HASH_IN_NAME = re.compile(r"-([0-9a-f]{8,64})\.[^.]+$")
_CHUNK = 1 << 20


class DownloadFailed(UserError):
    """The bytes could not be had (no network, server error, connection cut); `reason` is one line."""

    def __init__(self, url: str, reason: object) -> None:
        self.url = url
        self.reason = " ".join(str(reason).split())  # one line, whatever the network layer said
        super().__init__(f"cannot download {url} ({self.reason})")


def hash_prefix_of(url: str) -> str:
    """The hex SHA-256 prefix a file name carries (`...-6726825d.pth` -> `6726825d`)."""
    match = _HASH_IN_NAME.search(url.rsplit("/", 1)[-1])
    if match is None:
        raise ValueError(f"{url}: file name carries no SHA-256 prefix")
    return match.group(1)


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


def download_weights(url: str, dest: str | os.PathLike, sha256: str, timeout: float = 30.0) -> Path:
    """Download `url` to `dest` atomically, checking that its SHA-256 equals (or starts with) `sha256`.

    The bytes are streamed to a temporary file next to `dest`, fsynced, hashed and renamed;
    on any failure no file is left behind: `DownloadFailed` when the bytes could not be had,
    UserError when they arrived but have another hash.
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
                raise DownloadFailed(url, getattr(err, "reason", err)) from None
            if expected is not None and received != expected:
                raise DownloadFailed(url, f"connection closed after {received} of {expected} bytes")
            out.flush()
            os.fsync(out.fileno())
        actual = digest.hexdigest()
        if not actual.startswith(sha256.lower()):
            raise UserError(
                f"{url}: downloaded file has SHA-256 {actual[:len(sha256)]}..., "
                f"expected {sha256}...; not saved"
            )
        os.replace(temp_name, dest)
    finally:
        if os.path.exists(temp_name):
            os.remove(temp_name)
    return dest


def write_manifest(path: Path, fields: dict) -> dict:
    """`fields` plus the install time and ganforge version, written atomically as JSON to `path`
    (the record beside installed weights that says what they are and where they came from)."""
    import json
    import time

    from ganforge import __version__
    from ganforge.atomic import atomic_write_bytes

    manifest = {**fields, "installed_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "ganforge_version": __version__}
    atomic_write_bytes(path, (json.dumps(manifest, indent=2) + "\n").encode())
    return manifest
