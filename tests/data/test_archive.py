"""Zip archives: same rules as folders, lazy member reads, no path tricks."""

from __future__ import annotations

import pickle
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest
from data_helpers import encode, gradient_rgb, make_mixed_folder

from ganforge.data import iter_readable, open_source
from ganforge.errors import UserError


def _zip_folder(root: Path, archive: Path, extra: dict[str, bytes] | None = None) -> Path:
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(root.rglob("*")):
            zf.write(path, path.relative_to(root).as_posix())  # directories become entries too
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return archive


def _read_all(source):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        images = {i: np.asarray(img) for i, img in iter_readable(source)}
    return images, [str(w.message) for w in caught]


def test_zip_matches_the_same_folder(tmp_path):
    root = make_mixed_folder(tmp_path / "mixed")
    archive = _zip_folder(root, tmp_path / "mixed.zip")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        folder, packed = open_source(root, labels=True), open_source(archive, labels=True)
    assert f"skipping {archive}:notes.txt: not an image file" in [str(w.message) for w in caught]
    assert len(packed) == len(folder) == 4
    assert [packed.name(i) for i in range(4)] == [
        f"{archive}:{n}" for n in ["cats/A.JPG", "cats/b.png", "dogs/broken.png", "dogs/c.bmp"]
    ]
    assert packed.labels == folder.labels and packed.class_names == folder.class_names
    from_folder, _ = _read_all(folder)
    from_zip, messages = _read_all(packed)
    assert sorted(from_zip) == sorted(from_folder) == [0, 1, 3]
    for i in from_zip:
        np.testing.assert_array_equal(from_zip[i], from_folder[i])
    assert messages == [m for m in messages if "dogs/broken.png" in m] and len(messages) == 1
    assert packed.read_bytes(1) == (root / "cats" / "b.png").read_bytes()


def test_unsafe_and_clutter_members_are_skipped(tmp_path):
    good = encode(gradient_rgb(6, 6, 0))
    archive = tmp_path / "tricky.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("ok/a.png", good)
        zf.writestr("../evil.png", good)
        zf.writestr("/abs.png", good)
        zf.writestr("__MACOSX/ok/._a.png", b"resource fork")
    with pytest.warns(UserWarning) as caught:
        source = open_source(archive)
    messages = [str(w.message) for w in caught]
    assert [source.name(i) for i in range(len(source))] == [f"{archive}:ok/a.png"]
    assert any("../evil.png: unsafe member path" in m for m in messages)
    assert any("/abs.png: unsafe member path" in m for m in messages)
    assert not any("__MACOSX" in m for m in messages)


def test_zip_source_pickles_and_reads_after(tmp_path):
    archive = _zip_folder(make_mixed_folder(tmp_path / "mixed"), tmp_path / "m.zip")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        source = open_source(archive)
    source.image(0)  # opens the shared handle, which must not travel with the pickle
    clone = pickle.loads(pickle.dumps(source))
    np.testing.assert_array_equal(np.asarray(clone.image(1)), np.asarray(source.image(1)))


def test_broken_or_empty_archives_are_user_errors(tmp_path):
    (tmp_path / "fake.zip").write_bytes(b"not a zip at all")
    with pytest.raises(UserError, match="fake.zip: not a readable zip archive"):
        open_source(tmp_path / "fake.zip")
    with zipfile.ZipFile(tmp_path / "empty.zip", "w") as zf:
        zf.writestr("readme.md", "hello")
    with (
        pytest.warns(UserWarning, match="readme.md"),
        pytest.raises(UserError, match="no images found in .*empty.zip"),
    ):
        open_source(tmp_path / "empty.zip")
