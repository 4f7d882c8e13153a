"""Training tensors: channels, resize + crop, random crops, caps, skips and labels."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from data_helpers import encode, make_mixed_folder, write_file
from PIL import Image

from ganforge.config import DataConfig
from ganforge.data import open_source
from ganforge.data.training import (
    from_model_range,
    load_training_images,
    random_crop,
    square_tensor,
    to_channels,
    to_model_range,
)
from ganforge.errors import UserError

RED, GREEN, BLUE = (255, 0, 0), (0, 255, 0), (0, 0, 255)


def _three_blocks(vertical: bool) -> Image.Image:
    """90×30 (or 30×90) image: three 30×30 blocks red, green, blue."""
    blocks = [np.full((30, 30, 3), c, dtype=np.uint8) for c in (RED, GREEN, BLUE)]
    return Image.fromarray(np.concatenate(blocks, axis=0 if vertical else 1))


def _load(path, **options):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loaded = load_training_images(DataConfig(path=str(path), **options))
    return loaded, [str(w.message) for w in caught]


@pytest.mark.parametrize("vertical", [False, True])
def test_non_square_images_are_resized_on_the_short_side_and_centre_cropped(vertical):
    square = square_tensor(_three_blocks(vertical), channels=3, size=16)
    assert square.shape == (3, 16, 16) and square.dtype == torch.uint8
    # Short side 30 -> 16, long side 90 -> 48; the centre 16 is the green block.
    middle = square[:, 3:13, 3:13].reshape(3, -1)
    assert (middle[1] == 255).all() and (middle[0] == 0).all() and (middle[2] == 0).all()
    assert square[1].float().mean() > 230


def test_rgba_is_composited_onto_black_and_channels_convert():
    rgba = np.array(
        [[[255, 255, 255, 0], [200, 100, 50, 255], [200, 100, 50, 128]]], dtype=np.uint8
    )
    rgb = np.asarray(to_channels(Image.fromarray(rgba, mode="RGBA"), 3)).astype(int)
    np.testing.assert_array_equal(rgb[0, 0], [0, 0, 0])
    np.testing.assert_array_equal(rgb[0, 1], [200, 100, 50])
    assert np.abs(rgb[0, 2] - [100, 50, 25]).max() <= 1
    gray = to_channels(Image.fromarray(np.array([[[255, 0, 0]]], dtype=np.uint8)), 1)
    assert gray.mode == "L" and gray.getpixel((0, 0)) == 76  # ITU-R 601 luma of pure red
    repeated = np.asarray(to_channels(Image.fromarray(np.array([[9]], dtype=np.uint8)), 3))
    np.testing.assert_array_equal(repeated[0, 0], [9, 9, 9])


def test_folder_loads_with_skips_labels_and_warnings(tmp_path):
    loaded, messages = _load(
        make_mixed_folder(tmp_path / "mixed"), resolution=8, channels=3, labels=True
    )
    assert loaded.images.shape == (3, 3, 8, 8) and loaded.images.dtype == torch.uint8
    assert loaded.skipped == 1 and loaded.indices == [0, 1, 3]
    assert loaded.labels.tolist() == [0, 0, 1] and loaded.labels.dtype == torch.int64
    assert loaded.class_names == ["cats", "dogs"]
    assert sum("broken.png" in m for m in messages) == 1
    assert sum("notes.txt" in m for m in messages) == 1


def test_max_images_takes_the_first_in_sorted_order(tmp_path):
    for k in range(5):
        write_file(tmp_path / "imgs" / f"{k}.png", encode(Image.new("L", (8, 8), 10 * k)))
    loaded, _ = _load(tmp_path / "imgs", resolution=8, max_images=3)
    assert loaded.indices == [0, 1, 2] and loaded.labels is None
    assert loaded.images[:, 0, 0, 0].tolist() == [0, 10, 20]


def test_folder_of_only_corrupt_files_is_a_user_error_at_load(tmp_path):
    write_file(tmp_path / "bad" / "a.png", b"garbage")
    with pytest.raises(UserError, match="no readable images in .*bad"):
        _load(tmp_path / "bad")


def test_digits_load_as_the_source_serves_them():
    loaded, _ = _load("builtin:digits", resolution=32, channels=3)
    source = open_source("builtin:digits")
    assert loaded.images.shape == (1797, 3, 32, 32) and loaded.skipped == 0
    np.testing.assert_array_equal(loaded.images[7, 2].numpy(), np.asarray(source.image(7)))
    assert loaded.labels.tolist() == source.labels


def test_random_crop_mode_stores_a_margin_and_crops_every_image_differently():
    loaded, _ = _load("builtin:shapes", resolution=16, channels=3, crop="random", max_images=64)
    stored = loaded.images
    assert stored.shape == (64, 3, 18, 18) and loaded.crop_size == 16
    crops = random_crop(stored, 16, torch.Generator().manual_seed(0))
    assert crops.shape == (64, 3, 16, 16)
    offsets = []
    for image, crop in zip(stored, crops, strict=True):
        windows = [(top, left) for top in range(3) for left in range(3)]
        found = [(t, x) for t, x in windows if torch.equal(image[:, t : t + 16, x : x + 16], crop)]
        assert found
        offsets.append(found[0])
    assert len(set(offsets)) > 4
    again = random_crop(stored, 16, torch.Generator().manual_seed(0))
    assert torch.equal(again, crops)
    assert random_crop(crops, 16, torch.Generator()) is crops


def test_model_range_round_trip():
    values = torch.arange(256, dtype=torch.uint8).reshape(1, 1, 16, 16)
    scaled = to_model_range(values)
    assert scaled.dtype == torch.float32
    assert scaled.min() == -1 and scaled.max() == 1
    assert torch.equal(from_model_range(scaled), values)
    assert from_model_range(torch.tensor([-3.0, 3.0, 0.0])).tolist() == [0, 255, 128]
