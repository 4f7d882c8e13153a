"""Cache of reference features and statistics under `$GANFORGE_HOME/cache/` (default `~/.cache/ganforge`).

An entry is named by the SHA-256 of what produced it: the source fingerprint (file list with
sizes and mtimes, or builtin parameters), the number of images and subset seed, the resize
mode, the extractor's protocol (including its weights' SHA-256) and the layer. Anything that
changes the numbers changes the name, so an entry never needs invalidating. Entries are plain
`.npy` / `.npz` arrays read with `allow_pickle=False`, written atomically.
"""

from __future__ import annotations

import hashlib
import json
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ganforge.atomic import atomic_write
from ganforge.storage import ganforge_home

CACHE_FORMAT = 1  # bump when the layout of entries changes


def cache_root() -> Path:
    return ganforge_home() / "cache"


def cache_key(**parts: Any) -> str:
    """SHA-256 hex of the JSON of `parts` (keys sorted), e.g. cache_key(source=..., layer=...)."""
    text = json.dumps(
        {"format": CACHE_FORMAT, **parts}, sort_keys=True, separators=(",", ":"), default=str
    )
    return hashlib.sha256(text.encode()).hexdigest()


class FeatureCache:
    """Features [N,d] float32 and statistics (mu [d], sigma [d,d] float64, n) by key.

    Disabled (`enabled=False`, the `--no-cache` flag), it neither reads nor writes.
    An unreadable entry warns once, naming the file, and counts as a miss.
    """

    def __init__(self, enabled: bool = True, root: Path | None = None) -> None:
        self.enabled = enabled
        self.root = root if root is not None else cache_root()

    def _path(self, key: str, suffix: str) -> Path:
        return self.root / f"{key}{suffix}"

    def _read(self, path: Path, read: Callable[[Path], Any]) -> Any:
        if not self.enabled or not path.is_file():
            return None
        try:
            return read(path)
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as err:
            warnings.warn(
                f"{path}: unreadable cache entry ignored ({type(err).__name__})", stacklevel=3
            )
            return None

    def load_features(self, key: str) -> np.ndarray | None:
        """[N,d] float32, or None on a miss."""
        return self._read(self._path(key, ".npy"), lambda path: np.load(path, allow_pickle=False))

    def save_features(self, key: str, features: np.ndarray) -> None:
        if self.enabled:
            atomic_write(
                self._path(key, ".npy"), lambda file: np.save(file, features, allow_pickle=False)
            )

    def load_stats(self, key: str) -> tuple[np.ndarray, np.ndarray, int] | None:
        """(mu [d], sigma [d,d], n), or None on a miss."""

        def read(path: Path) -> tuple[np.ndarray, np.ndarray, int]:
            with np.load(path, allow_pickle=False) as archive:
                return archive["mu"], archive["sigma"], int(archive["n"])

        return self._read(self._path(key, ".npz"), read)

    def save_stats(self, key: str, mu: np.ndarray, sigma: np.ndarray, n: int) -> None:
        if self.enabled:
            atomic_write(
                self._path(key, ".npz"),
                lambda file: np.savez(file, mu=mu, sigma=sigma, n=np.int64(n)),
            )
