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


def resolve_device(device: str, flag: str = "--device") -> str:
    """`auto` -> `cuda` when available, else `cpu`; `cuda` without a GPU is a user error.

    The one device check of every command (`train.device`, `--device` of each command)."""
    if device not in DEVICES:
        raise UserError(f"{flag} {device}: expected one of {', '.join(DEVICES)}")
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise UserError(f"{flag} cuda: no CUDA device is available (use auto or cpu)")
    return device


def versions() -> dict[str, str]:
    return {"ganforge": __version__, "torch": torch.__version__}


def identity_of(extractor_protocol: dict[str, Any] | None) -> dict[str, Any] | None:
    """What decides the feature values: the extractor's protocol without where its weights came from
    (the same bytes found elsewhere give the same features; their SHA-256 stays in)."""
    if extractor_protocol is None:
        return None
    return {key: value for key, value in extractor_protocol.items() if key != "weights_source"}


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
        "weights_source": (extractor_protocol or {}).get("weights_source"),
        "resize": resize,
    }


def _short(features: dict | None) -> str:
    features = features or {}
    name = features.get("features") or features.get("name")
    sha256 = features.get("weights_sha256")
    return f"{name} with weights {sha256[:12] if sha256 else None}"


def check_comparable(stats_protocol: dict | None, current: dict[str, Any], where: str) -> None:
    """UserError naming `where` when a statistics file was made with other features or resize
    than this evaluation asks for; a warning when the file has no protocol to check."""
    if stats_protocol is None:
        warnings.warn(
            f"{where}: no protocol sidecar; cannot check it was made with the same extractor and resize",
            stacklevel=3,
        )
        return
    made, asked = stats_protocol.get("features"), current.get("features")
    if identity_of(made) != identity_of(asked):
        raise UserError(
            f"{where}: statistics made with features {_short(made)}, this evaluation uses "
            f"{_short(asked)}; recompute them with `ganforge stats` and the same --features/--weights"
        )
    if stats_protocol.get("resize") != current.get("resize"):
        raise UserError(
            f"{where}: statistics made with --resize {stats_protocol.get('resize')}, this evaluation "
            f"uses --resize {current.get('resize')}; recompute them or pass the same --resize"
        )
