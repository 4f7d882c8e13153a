"""Embeddings of captions, cached on disk per caption, keyed by encoder and weights hash.

One safetensors file per encoder and weights (`$GANFORGE_HOME/text-embeddings/NAME-HASH16`)
holds the embedding of every caption encoded so far; the captions ride in its metadata.
New captions are encoded and the file rewritten atomically, so training, resuming and
evaluating read the very same numbers.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

import torch
from safetensors.torch import load_file, save
from torch import Tensor

from ganforge.text.base import TextEncoder


def cache_path(encoder: TextEncoder, root: Path | None = None) -> Path:
    from ganforge.storage import ganforge_home

    root = root if root is not None else ganforge_home() / "text-embeddings"
    return root / f"{encoder.name}-{encoder.weights_id[:16]}.safetensors"


def _read(path: Path) -> dict[str, Tensor]:
    if not path.is_file():
        return {}
    try:
        from safetensors import safe_open

        with safe_open(str(path), "pt") as handle:
            texts = json.loads(handle.metadata()["captions"])
        return dict(zip(texts, load_file(path)["embeddings"], strict=True))
    except Exception:  # a damaged cache is rebuilt, never trusted
        return {}


def embed_captions(encoder: TextEncoder, captions: Sequence[str], root: Path | None = None, use_cache: bool = True) -> Tensor:
    """[len(captions), dim] float32 CPU embeddings; frozen encoders only."""
    unique = list(dict.fromkeys(captions))
    known = _read(cache_path(encoder, root)) if use_cache else {}
    missing = [text for text in unique if text not in known]
    if missing:
        known.update(zip(missing, encode_one_by_one(encoder, missing), strict=True))
        if use_cache:
            _write(cache_path(encoder, root), known)
    return torch.stack([known[text] for text in captions]) if captions else torch.empty(0, encoder.dim)


def encode_one_by_one(encoder: TextEncoder, texts: Sequence[str]) -> list[Tensor]:
    """Each caption alone (no padding beside others), so its embedding never depends on its batch."""
    return [encoder.encode_frozen([text])[0] for text in texts]


def _write(path: Path, table: dict[str, Tensor]) -> None:
    from ganforge.atomic import atomic_write

    texts = list(table)
    payload = save({"embeddings": torch.stack([table[t] for t in texts]).contiguous()}, metadata={"captions": json.dumps(texts)})
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda handle: handle.write(payload))


def table_digest(table: Tensor) -> str:
    """SHA-256 of an embedding table's bytes: what a checkpoint records to resume exactly."""
    return hashlib.sha256(table.contiguous().numpy().tobytes()).hexdigest()
