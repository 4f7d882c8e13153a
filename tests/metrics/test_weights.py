"""Inception weights: resolution order, hash-checked atomic download, offline errors, safe loading."""

from __future__ import annotations

import functools
import hashlib
import http.server
import socket
import threading
from pathlib import Path

import pytest
import torch

from ganforge.errors import UserError
from ganforge.metrics.weights import (
    INCEPTION_URL,
    WEIGHTS_ENV,
    download_weights,
    hash_prefix_of,
    load_state_dict_file,
    resolve_inception_weights,
    sha256_of_file,
)

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


def closed_port_url(name: str) -> str:
    """A URL on a local port nobody listens on (bound then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/{name}"


def test_canonical_url_and_its_hash_prefix():
    assert INCEPTION_URL == (
        "https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/pt_inception-2015-12-05-6726825d.pth"
    )
    assert hash_prefix_of(INCEPTION_URL) == "6726825d"


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
    with pytest.raises(UserError) as error:
        download_weights(url, dest, "6726825d", timeout=5)
    message = str(error.value)
    assert "\n" not in message
    assert url in message and "--weights PATH" in message and WEIGHTS_ENV in message
    assert list(dest.parent.iterdir()) == []


def test_missing_file_on_the_server_is_a_user_error(server, tmp_path):
    base, _ = server
    with pytest.raises(UserError, match="cannot download"):
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
        with pytest.raises(UserError, match="cannot download the Inception weights"):
            download_weights(url, tmp_path / "w-6726825d.pth", "6726825d")
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert list(tmp_path.iterdir()) == []


def test_resolution_order_explicit_then_env_then_cache_then_download(server, tmp_path, monkeypatch):
    explicit, from_env = tmp_path / "explicit.pth", tmp_path / "env.pth"
    explicit.write_bytes(b"a")
    from_env.write_bytes(b"b")
    monkeypatch.setenv("GANFORGE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv(WEIGHTS_ENV, str(from_env))
    assert resolve_inception_weights(explicit) == explicit
    assert resolve_inception_weights(None) == from_env

    monkeypatch.delenv(WEIGHTS_ENV)
    base, served = server
    prefix = hashlib.sha256(PAYLOAD).hexdigest()[:8]
    (served / f"inception-{prefix}.pth").write_bytes(PAYLOAD)
    downloaded = resolve_inception_weights(None, url=f"{base}/inception-{prefix}.pth")
    assert downloaded == tmp_path / "home" / "weights" / f"inception-{prefix}.pth"
    assert downloaded.read_bytes() == PAYLOAD
    # Cached now: a dead URL with the same file name is never contacted.
    assert resolve_inception_weights(None, url=closed_port_url(f"inception-{prefix}.pth")) == downloaded


def test_missing_explicit_or_env_path_is_named(tmp_path, monkeypatch):
    with pytest.raises(UserError, match=r"--weights .*nowhere\.pth: no such weights file"):
        resolve_inception_weights(tmp_path / "nowhere.pth")
    monkeypatch.setenv(WEIGHTS_ENV, str(tmp_path / "gone.pth"))
    with pytest.raises(UserError, match=rf"{WEIGHTS_ENV}=.*gone\.pth: no such weights file"):
        resolve_inception_weights(None)


class NotATensor:
    pass


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
    assert resolve_inception_weights("~/w.pth") == Path(tmp_path / "w.pth")
