"""`data.include=FILE`: training reads only the files a keep list names."""

import zipfile

import pytest
from PIL import Image

from ganforge.config import load_config
from ganforge.data import open_source
from ganforge.data.include import read_include
from ganforge.errors import UserError


def _folder(root):
    for name in ("a/1.png", "a/2.png", "b/3.png", "top.png"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (8, 8), "red").save(root / name)
    return root


def test_keep_list_selects_files_and_labels_stay_consistent(tmp_path):
    root = _folder(tmp_path / "data")
    keep = tmp_path / "keep.txt"
    keep.write_text("# header\n\na/2.png\nb/3.png\n")
    source = open_source(root, labels=True, include=keep)
    assert source.relatives == ["a/2.png", "b/3.png"] and source.labels == [0, 1]
    assert source.class_names == ["a", "b"]


def test_listed_files_that_are_absent_warn(tmp_path):
    root = _folder(tmp_path / "data")
    keep = tmp_path / "keep.txt"
    keep.write_text("a/1.png\nnot/there.png\n")
    with pytest.warns(UserWarning, match="data.include: 1 listed files are not in"):
        assert len(open_source(root, include=keep)) == 1


def test_zip_members(tmp_path):
    root = _folder(tmp_path / "data")
    archive = tmp_path / "data.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        for path in sorted(root.rglob("*.png")):
            handle.write(path, path.relative_to(root).as_posix())
    keep = tmp_path / "keep.txt"
    keep.write_text("top.png\n")
    assert [m.filename for m in open_source(archive, include=keep).members] == ["top.png"]


def test_errors_name_the_key_and_file(tmp_path):
    with pytest.raises(UserError, match="data.include: .*missing.txt: no such file"):
        read_include(tmp_path / "missing.txt")
    (tmp_path / "empty.txt").write_text("# nothing\n")
    with pytest.raises(UserError, match="lists no files"):
        read_include(tmp_path / "empty.txt")
    (tmp_path / "keep.txt").write_text("x.png\n")
    with pytest.raises(UserError, match="data.include: builtin:digits has no files"):
        open_source("builtin:digits", include=tmp_path / "keep.txt")


def test_config_key():
    assert load_config("dcgan-digits", {"data.include": "keep.txt"}).data.include == "keep.txt"
    assert load_config("dcgan-digits").data.include is None
