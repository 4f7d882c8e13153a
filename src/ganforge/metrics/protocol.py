"""The protocol of a result: everything that must match for two numbers to be comparable.

Recorded in every result (`result["protocol"]`) and beside every statistics file, so a
number can always be traced to its sample counts, preprocessing, extractor weights, seeds
and versions (METRICS.md §6).
"""

from __future__ import annotations

import warnings
from typing import Any

import torch

from ganforge import __version__
from ganforge.errors import UserError

DEVICES = ("auto", "cpu", "cuda")
# What must agree between a statistics file and the evaluation that reads it.
COMPARABLE_KEYS = ("resize", "features")


def resolve_device(device: str) -> str:
    """`auto` -> `cuda` when available, else `cpu`; `cuda` without a GPU is a user error."""
    if device not in DEVICES:
        raise UserError(f"--device {device}: expected one of {', '.join(DEVICES)}")
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise UserError("--device cuda: no CUDA device is available (use --device cpu)")
    return device


def versions() -> dict[str, str]:
    return {"ganforge": __version__, "torch": torch.__version__}


def feature_protocol(
    extractor_protocol: dict[str, Any] | None, resize: str | None
) -> dict[str, Any]:
    """The part of a protocol that decides feature values: extractor, its weights, preprocessing.

    `resize` is None for extractors with their own preprocessing (domain evaluators), and
    `extractor_protocol` None when no images were read (statistics files on both sides).
    """
    return {
        "features": extractor_protocol,
        "weights_sha256": (extractor_protocol or {}).get("weights_sha256"),
        "resize": resize,
    }


def warn_if_incomparable(stats_protocol: dict | None, current: dict[str, Any], where: str) -> None:
    """One warning naming `where` when a statistics file was made with other features or resize."""
    if stats_protocol is None:
        warnings.warn(
            f"{where}: no protocol sidecar; cannot check it was made with the same extractor and resize",
            stacklevel=3,
        )
        return
    differing = [key for key in COMPARABLE_KEYS if stats_protocol.get(key) != current.get(key)]
    if differing:
        warnings.warn(
            f"{where}: made with a different {' and '.join(differing)} than this evaluation; "
            "the values are not comparable",
            stacklevel=3,
        )
