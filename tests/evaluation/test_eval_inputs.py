"""Evaluation inputs: kinds, batching by size, RGB conversion, subsets, generators, warnings."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from eval_helpers import TinyGenerator, write_pngs
from PIL import Image

from ganforge.errors import UserError
from ganforge.metrics.inputs import DEFAULT_GENERATED, ImageInput, StatsInput, open_input
from ganforge.metrics.stats import save_stats


def test_mixed_sizes_batch_by_size_and_grayscale_becomes_rgb(tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    gray = np.arange(64, dtype=np.uint8).reshape(8, 8)
    sizes = [(8, 8), (8, 8), (8, 8), (12, 10), (12, 10), (8, 8)]
    for index, (w, h) in enumerate(sizes):
        image = (
            Image.fromarray(gray).resize((w, h))
            if index == 0
            else Image.new("RGB", (w, h), (index, 2, 3))
        )
        image.save(folder / f"{index}.png")
    source = open_input(str(folder))
    assert isinstance(source, ImageInput) and source.count == 6 and source.fingerprint
    batches = list(source.batches(2))
    # Consecutive same-size images share a batch, capped at 2; a size change starts a new batch.
    assert [tuple(b.shape) for b in batches] == [
        (2, 3, 8, 8),
        (1, 3, 8, 8),
        (2, 3, 10, 12),
        (1, 3, 8, 8),
    ]
    assert all(b.dtype == torch.uint8 for b in batches)
    first = batches[0][0]
    assert torch.equal(first[0], first[1]) and torch.equal(first[1], first[2])  # gray repeated
    assert torch.equal(first[0], torch.from_numpy(gray))
    assert batches[0][1, :, 0, 0].tolist() == [1, 2, 3]


def test_n_takes_a_seeded_subset_in_file_order(tmp_path):
    images = torch.arange(20, dtype=torch.uint8).view(20, 1, 1, 1).expand(20, 3, 4, 4)
    folder = write_pngs(tmp_path / "numbered", images)
    subset = open_input(str(folder), n=7, seed=3)
    values = [int(v) for b in subset.batches(64) for v in b[:, 0, 0, 0]]
    assert len(values) == 7 and values == sorted(values) and len(set(values)) == 7
    again = [int(v) for b in open_input(str(folder), n=7, seed=3).batches(3) for v in b[:, 0, 0, 0]]
    other = [
        int(v) for b in open_input(str(folder), n=7, seed=4).batches(64) for v in b[:, 0, 0, 0]
    ]
    assert again == values and other != values
    assert subset.subset_seed == 3 and open_input(str(folder), n=50).subset_seed is None
    with pytest.raises(UserError, match="--n 0"):
        open_input(str(folder), n=0)


def test_jpeg_inputs_warn_once(tmp_path):
    folder = tmp_path / "jpegs"
    folder.mkdir()
    for index in range(3):
        Image.new("RGB", (8, 8), (index, 0, 0)).save(folder / f"{index}.jpg")
    Image.new("RGB", (8, 8)).save(folder / "x.png")
    with pytest.warns(UserWarning, match="3 of 4 images are JPEG") as caught:
        open_input(str(folder))
    assert len([w for w in caught if "JPEG" in str(w.message)]) == 1


def test_unreadable_file_is_skipped_with_a_warning(tmp_path):
    folder = write_pngs(tmp_path / "some", torch.zeros(3, 3, 8, 8, dtype=torch.uint8))
    (folder / "img001.png").write_bytes(b"not a png")
    source = open_input(str(folder))
    with pytest.warns(UserWarning, match="img001.png"):
        total = sum(len(b) for b in source.batches(8))
    assert total == 2


def test_generator_module_gives_rgb_batches_of_the_default_count():
    torch.manual_seed(0)
    generator = TinyGenerator()
    source = open_input(generator, default_count=13, seed=5)
    batches = list(source.batches(4))
    assert [len(b) for b in batches] == [4, 4, 4, 1] and source.fingerprint is None
    images = torch.cat(batches)
    assert images.shape == (13, 3, 6, 6) and images.dtype == torch.uint8
    assert torch.equal(images[:, 0], images[:, 2])
    assert torch.equal(
        images, torch.cat(list(open_input(generator, default_count=13, seed=5).batches(13)))
    )
    assert not torch.equal(
        images, torch.cat(list(open_input(generator, default_count=13, seed=6).batches(13)))
    )
    assert open_input(generator, n=3, default_count=13).count == 3
    generator.train()
    generator.modes.clear()
    list(open_input(generator, n=2).batches(2))
    assert generator.modes == [False] and generator.training  # eval while generating, mode restored
    assert open_input(generator).count == DEFAULT_GENERATED


def test_statistics_file_is_a_stats_input(tmp_path):
    path = tmp_path / "ref.npz"
    save_stats(path, np.zeros(4), np.eye(4), {"n": 77})
    source = open_input(str(path))
    assert isinstance(source, StatsInput) and source.count == 77 and source.mu.shape == (4,)


def test_missing_source_names_it(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(UserError, match="nowhere"):
            open_input(str(tmp_path / "nowhere"))
        with pytest.raises(UserError, match="missing.npz"):
            open_input(str(tmp_path / "missing.npz"))


def test_exif_orientation_is_ignored_like_the_references_unless_asked(tmp_path):
    from PIL import Image

    from ganforge.metrics.inputs import open_input

    folder = tmp_path / "photos"
    folder.mkdir()
    exif = Image.Exif()
    exif[0x0112] = 6  # viewers rotate the stored image 90° clockwise
    Image.new("RGB", (6, 2), (200, 10, 10)).save(folder / "tall-when-shown.png", exif=exif)
    stored = next(open_input(str(folder)).batches(4))
    upright_input = open_input(str(folder), exif_orientation=True)
    upright = next(upright_input.batches(4))
    assert stored.shape == (1, 3, 2, 6) and upright.shape == (1, 3, 6, 2)
    assert upright_input.fingerprint != open_input(str(folder)).fingerprint  # cached apart
