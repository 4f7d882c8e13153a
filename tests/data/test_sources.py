"""open_source dispatch and fingerprints (the keys of every reference-statistics cache)."""

from __future__ import annotations

import os
import warnings
import zipfile

import pytest
from data_helpers import encode, gradient_rgb, write_file

from ganforge.data import open_source
from ganforge.data.archive import ZipSource
from ganforge.data.builtin import BuiltinSource
from ganforge.data.folder import FolderSource
from ganforge.errors import UserError


@pytest.fixture
def folder(tmp_path):
    for k in range(3):
        write_file(tmp_path / "imgs" / f"{k}.png", encode(gradient_rgb(8, 8, k)))
    return tmp_path / "imgs"


def test_open_source_picks_the_kind_from_the_spec(folder, tmp_path):
    with zipfile.ZipFile(tmp_path / "imgs.ZIP", "w") as zf:
        zf.write(folder / "0.png", "0.png")
    assert isinstance(open_source(folder), FolderSource)
    assert isinstance(open_source(str(tmp_path / "imgs.ZIP")), ZipSource)
    assert isinstance(open_source("builtin:digits"), BuiltinSource)


def test_bad_specs_are_user_errors_naming_them(tmp_path):
    with pytest.raises(UserError, match="nowhere/at_all: no such file or folder"):
        open_source("nowhere/at_all")
    (tmp_path / "image.png").write_bytes(encode(gradient_rgb(4, 4, 0)))
    with pytest.raises(UserError, match="image.png: not an image source"):
        open_source(tmp_path / "image.png")
    with pytest.raises(UserError, match="builtin:nope: unknown built-in .*builtin:digits"):
        open_source("builtin:nope")


def test_folder_fingerprint_is_stable_and_tracks_changes(folder):
    first = open_source(folder).fingerprint()
    assert open_source(folder).fingerprint() == first
    (folder / "2.png").write_bytes(encode(gradient_rgb(9, 8, 2)))  # new content, new size
    changed = open_source(folder).fingerprint()
    assert changed != first
    stat = (folder / "1.png").stat()
    os.utime(folder / "1.png", ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # touched
    touched = open_source(folder).fingerprint()
    assert touched != changed
    (folder / "1.png").rename(folder / "one.png")
    assert open_source(folder).fingerprint() != touched
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (folder / "readme.txt").write_text("not an image: not part of the data")
        assert open_source(folder).fingerprint() == open_source(folder).fingerprint()


def test_zip_fingerprint_tracks_member_content(tmp_path):
    def build(payload: bytes):
        with zipfile.ZipFile(tmp_path / "d.zip", "w") as zf:
            zf.writestr("a.png", payload)
        os.utime(tmp_path / "d.zip", ns=(0, 10**18))  # same archive mtime each time
        return open_source(tmp_path / "d.zip").fingerprint()

    one, two = encode(gradient_rgb(6, 6, 1)), encode(gradient_rgb(6, 6, 2))
    assert len(one) == len(two)
    assert build(one) == build(one)
    assert build(one) != build(two)  # same sizes and mtime: the CRC tells them apart


def test_builtin_fingerprints_depend_on_the_data_set():
    digits = open_source("builtin:digits").fingerprint()
    assert digits == open_source("builtin:digits").fingerprint()
    others = [open_source(spec).fingerprint() for spec in ("builtin:shapes", "builtin:shapes64")]
    assert len({digits, *others}) == 3


def test_leading_tilde_is_expanded(tmp_path, monkeypatch):
    from PIL import Image

    from ganforge.data import open_source

    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "pics").mkdir()
    Image.new("RGB", (8, 8), (10, 20, 30)).save(tmp_path / "pics" / "a.png")
    source = open_source("~/pics")
    assert len(source) == 1 and source.image(0).getpixel((0, 0)) == (10, 20, 30)
