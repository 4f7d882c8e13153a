"""Image folders: recursive sorted listing, skipped files, labels from class sub-folders."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from data_helpers import encode, gradient_rgb, make_mixed_folder, write_file

from ganforge.data import iter_readable, open_source
from ganforge.errors import UserError


def _opened(root, labels=False):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        source = open_source(root, labels=labels)
    return source, [str(w.message) for w in caught]


def test_listing_is_recursive_sorted_and_skips_non_images(tmp_path):
    source, messages = _opened(make_mixed_folder(tmp_path / "mixed"))
    relatives = [
        source.name(i).removeprefix(str(tmp_path / "mixed") + "/") for i in range(len(source))
    ]
    # Code-point order: "A.JPG" (upper case) sorts before "b.png"; hidden files never appear.
    assert relatives == ["cats/A.JPG", "cats/b.png", "dogs/broken.png", "dogs/c.bmp"]
    assert messages == [f"skipping {tmp_path / 'mixed' / 'notes.txt'}: not an image file"]
    assert [source.is_jpeg(i) for i in range(len(source))] == [True, False, False, False]


def test_unreadable_file_warns_with_its_name_and_the_rest_loads(tmp_path):
    source, _ = _opened(make_mixed_folder(tmp_path / "mixed"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loaded = dict(iter_readable(source))
    assert sorted(loaded) == [0, 1, 3]
    assert len(caught) == 1 and "broken.png" in str(caught[0].message)
    assert loaded[1].size == (20, 12) and loaded[1].mode == "RGB"
    np.testing.assert_array_equal(np.asarray(loaded[1]), np.asarray(gradient_rgb(20, 12, 1)))


def test_labels_come_from_first_level_sub_folders(tmp_path):
    root = make_mixed_folder(tmp_path / "mixed")
    write_file(root / "dogs" / "puppies" / "d.png", encode(gradient_rgb(6, 6, 7)))
    write_file(root / "top.png", encode(gradient_rgb(6, 6, 8)))
    source, messages = _opened(root, labels=True)
    assert source.class_names == ["cats", "dogs"]
    assert source.labels == [0, 0, 1, 1, 1]  # A.JPG b.png | broken.png c.bmp puppies/d.png
    assert any("1 images at the top level" in m for m in messages)
    assert "top.png" not in " ".join(source.name(i) for i in range(len(source)))


def test_labels_without_sub_folders_is_a_user_error(tmp_path):
    write_file(tmp_path / "flat" / "a.png", encode(gradient_rgb(6, 6, 0)))
    with pytest.raises(UserError, match="flat: labels need class sub-folders"):
        open_source(tmp_path / "flat", labels=True)


def test_folder_without_images_is_a_user_error_naming_it(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(UserError, match=f"no images found in {tmp_path / 'empty'}"):
        open_source(tmp_path / "empty")
    write_file(tmp_path / "texts" / "a.txt", b"x")
    write_file(tmp_path / "texts" / ".hidden.png", encode(gradient_rgb(6, 6, 0)))
    with (
        pytest.warns(UserWarning, match="a.txt"),
        pytest.raises(UserError, match="no images found"),
    ):
        open_source(tmp_path / "texts")


def test_folder_of_only_corrupt_files_fails_when_read(tmp_path):
    write_file(tmp_path / "bad" / "a.png", b"garbage")
    write_file(tmp_path / "bad" / "b.jpg", b"more garbage")
    source = open_source(tmp_path / "bad")
    assert len(source) == 2
    with pytest.warns(UserWarning), pytest.raises(UserError, match="no readable images in .*bad"):
        list(iter_readable(source))


def test_many_non_image_files_are_summarised(tmp_path):
    write_file(tmp_path / "many" / "a.png", encode(gradient_rgb(6, 6, 0)))
    for k in range(8):
        write_file(tmp_path / "many" / f"caption{k}.txt", b"x")
    _, messages = _opened(tmp_path / "many")
    assert len(messages) == 6
    assert messages[-1] == f"skipping 3 more non-image files in {tmp_path / 'many'}"
