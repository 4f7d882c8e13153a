"""Translation data layouts, direction, held-out split, and the same jitter on both sides."""

import numpy as np
import pytest
import torch
from PIL import Image
from translation_helpers import write_images

from ganforge.config import load_config
from ganforge.data.translation import load_translation_data
from ganforge.errors import UserError
from ganforge.training.translation_batches import TranslationBatches, crop_and_flip


def _config(path, **extra):
    overrides = {"data.path": str(path), "data.resolution": 32, "data.channels": 3, "task": "pix2pix", **extra}
    return load_config(None, overrides)


def _aligned_folder(root, count=5, colour_a=(255, 0, 0), colour_b=(0, 0, 255)):
    root.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        pair = np.zeros((40, 80, 3), dtype=np.uint8)
        pair[:, :40] = colour_a
        pair[:, 40:] = colour_b
        pair[0, 0] = index  # tells the images apart
        Image.fromarray(pair).save(root / f"{index}.png")
    return root


def test_aligned_images_split_into_a_and_b_with_a_held_out_tail(tmp_path):
    data = load_translation_data(_config(_aligned_folder(tmp_path / "ab"), **{"translation.test_fraction": 0.2}))
    assert data.paired and len(data.a.train) == 4 and len(data.a.test) == 1
    assert data.a.train.shape[-1] == 36  # 286/256 of 32: room for the random crop
    assert data.a.test.shape[-1] == 32
    assert data.a.train[:, 0].float().mean() > 250 and data.b.train[:, 2].float().mean() > 250


def test_direction_btoa_swaps_the_sides(tmp_path):
    data = load_translation_data(_config(_aligned_folder(tmp_path / "ab"), **{"translation.direction": "BtoA"}))
    assert data.a.train[:, 2].float().mean() > 250 and data.a.train[:, 0].float().mean() < 5


def test_aligned_train_and_test_folders_are_used(tmp_path):
    _aligned_folder(tmp_path / "ab" / "train", 4)
    _aligned_folder(tmp_path / "ab" / "test", 2)
    data = load_translation_data(_config(tmp_path / "ab", **{"translation.layout": "aligned"}))
    assert (len(data.a.train), len(data.a.test)) == (4, 2)


def test_aligned_halves_that_are_not_square_are_cut_at_half_the_width_and_resized(tmp_path):
    root = _aligned_folder(tmp_path / "ab", count=3)
    wide = np.zeros((157, 512, 3), dtype=np.uint8)  # halves 256x157, as some real sets hold
    wide[:, :256] = (255, 0, 0)
    wide[:, 256:] = (0, 0, 255)
    Image.fromarray(wide).save(root / "3.png")
    Image.new("RGB", (40, 40), (255, 0, 0)).save(root / "4.png")  # square: cut all the same
    data = load_translation_data(_config(root, **{"translation.test_fraction": 0.2}))
    assert (len(data.a.train), len(data.a.test)) == (4, 1)
    assert data.a.train.shape[-2:] == (36, 36) and data.b.train.shape[-2:] == (36, 36)
    assert data.a.train[3, 0].float().mean() > 250 and data.a.train[3, 2].float().mean() < 5
    assert data.b.train[3, 2].float().mean() > 250 and data.b.train[3, 0].float().mean() < 5


def test_an_image_too_narrow_to_cut_is_skipped_with_one_warning(tmp_path):
    root = _aligned_folder(tmp_path / "ab", count=3)
    Image.new("RGB", (1, 40)).save(root / "sliver.png")
    (root / "broken.png").write_bytes(b"not a png")
    with pytest.warns(UserWarning) as caught:
        data = load_translation_data(_config(root))
    messages = [str(w.message) for w in caught]
    assert sum("sliver.png" in m for m in messages) == 1 and sum("broken.png" in m for m in messages) == 1
    assert len(data.a.train) + len(data.a.test) == 3 and data.skipped == 2


def test_a_set_of_only_unusable_images_is_a_one_line_error(tmp_path):
    root = tmp_path / "ab"
    root.mkdir()
    Image.new("RGB", (1, 40)).save(root / "sliver.png")
    with pytest.warns(UserWarning, match="sliver.png"), pytest.raises(UserError, match="no image wide enough"):
        load_translation_data(_config(root))


def test_paired_folders_are_matched_by_name(tmp_path):
    names = [f"{k}.png" for k in range(4)]
    write_images(tmp_path / "p" / "A", 4, (30, 30), 0, names)
    write_images(tmp_path / "p" / "B", 4, (50, 50), 1, [n.replace(".png", ".jpg") for n in names])
    data = load_translation_data(_config(tmp_path / "p", **{"translation.test_fraction": 0.25}))
    assert data.paired and (len(data.a.train), len(data.b.train)) == (3, 3)
    expected = np.asarray(Image.open(tmp_path / "p" / "A" / "3.png").resize((32, 32), Image.BICUBIC))
    assert np.abs(data.a.test[0].permute(1, 2, 0).numpy().astype(int) - expected).mean() < 2


def test_paired_images_of_different_sizes_and_aspects_are_resized(tmp_path):
    names = [f"{k}.png" for k in range(4)]
    write_images(tmp_path / "p" / "A", 4, (60, 20), 0, names)
    write_images(tmp_path / "p" / "B", 4, (17, 45), 1, names)
    data = load_translation_data(_config(tmp_path / "p", **{"translation.test_fraction": 0.25}))
    assert data.a.train.shape == (3, 3, 36, 36) and data.b.train.shape == (3, 3, 36, 36)
    assert data.a.test.shape == data.b.test.shape == (1, 3, 32, 32)


def test_unmatched_paired_files_are_skipped_with_one_warning_listing_them(tmp_path):
    write_images(tmp_path / "p" / "A", 8, (16, 16), 0, [f"a{k}.png" for k in range(8)])
    write_images(tmp_path / "p" / "B", 3, (16, 16), 1, ["a0.png", "a1.png", "b9.png"])
    with pytest.warns(UserWarning) as caught:
        data = load_translation_data(_config(tmp_path / "p", **{"translation.test_fraction": 0.5}))
    assert len(caught) == 1
    message = str(caught[0].message)
    assert "\n" not in message and "7 file(s) without a partner" in message
    assert "A/a2, A/a3, A/a4, A/a5, A/a6 and 2 more" in message
    assert (len(data.a.train), len(data.a.test)) == (1, 1) and data.skipped == 7


def test_paired_folders_with_no_pair_at_all_are_refused(tmp_path):
    write_images(tmp_path / "p" / "A", 2, (16, 16), 0, ["a0.png", "a1.png"])
    write_images(tmp_path / "p" / "B", 2, (16, 16), 1, ["b0.png", "b1.png"])
    with pytest.warns(UserWarning), pytest.raises(UserError, match="no readable pairs"):
        load_translation_data(_config(tmp_path / "p"))


def test_unaligned_folders_and_their_test_split(tmp_path):
    for name, count in (("trainA", 5), ("trainB", 7), ("testA", 2), ("testB", 3)):
        write_images(tmp_path / "u" / name, count, (20, 24), len(name) + count)
    data = load_translation_data(_config(tmp_path / "u", task="cyclegan"))
    assert not data.paired
    assert (len(data.a.train), len(data.b.train), len(data.a.test), len(data.b.test)) == (5, 7, 2, 3)


def test_unaligned_without_train_b_names_it(tmp_path):
    write_images(tmp_path / "u" / "trainA", 2, (20, 20), 0)
    with pytest.raises(UserError, match="trainB/ missing"):
        load_translation_data(_config(tmp_path / "u", task="cyclegan", **{"translation.layout": "unaligned"}))


def test_derived_inputs_from_colour_shapes():
    config = _config("builtin:shapes", **{"translation.derive": "grayscale", "translation.input_channels": 1, "data.max_images": 20})
    data = load_translation_data(config)
    assert data.a.train.shape[1] == 1 and data.b.train.shape[1] == 3
    assert data.a.test_labels is not None and len(data.a.test_labels) == 2
    luma = (data.b.test.float() * torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)).sum(1)
    assert (luma - data.a.test[:, 0].float()).abs().mean() < 2


def test_attribute_domains_of_shapes():
    config = _config("builtin:shapes", task="cyclegan", **{
        "translation.layout": "attribute", "translation.domain_a": "colour=red", "translation.domain_b": "colour=blue",
        "data.max_images": 10,
    })
    data = load_translation_data(config)
    assert not data.paired and len(data.a.train) == 9
    red = data.a.test[0].flatten(1).float()
    assert red[0].max() > 200 and red[2].max() < 100  # a red shape
    bad = config.model_copy(update={"translation": config.translation.model_copy(update={"domain_b": "colour=pink"})})
    with pytest.raises(UserError, match="no image of builtin:shapes has colour=pink"):
        load_translation_data(bad)


def test_crop_and_flip_is_identical_on_both_sides():
    a = torch.arange(2 * 1 * 6 * 6, dtype=torch.uint8).view(2, 1, 6, 6)
    b = torch.cat([a, a * 2, a * 3], 1)  # three channels derived from a
    generator = torch.Generator().manual_seed(0)
    flipped = 0
    for _ in range(10):
        ca, cb = crop_and_flip([a, b], 4, True, generator)
        assert ca.shape == (2, 1, 4, 4) and cb.shape == (2, 3, 4, 4)
        assert torch.equal(cb[:, 1:2], ca * 2) and torch.equal(cb[:, 2:3], ca * 3)
        flipped += int((ca[:, 0, 0, 0] > ca[:, 0, 0, 1]).sum())
    assert 0 < flipped < 20  # some crops flipped, some not


def test_paired_batches_resume_exactly(tmp_path):
    data = load_translation_data(_config(_aligned_folder(tmp_path / "ab", 6)))
    first = TranslationBatches(data, 32, 3, seed=0, flip=True, device=torch.device("cpu"), channels_last=False)
    first.next()
    saved = first.state_dict()
    expected = first.next()
    second = TranslationBatches(data, 32, 3, seed=0, flip=True, device=torch.device("cpu"), channels_last=False)
    second.load_state_dict(saved)
    batch = second.next()
    assert torch.equal(batch["a"], expected["a"]) and torch.equal(batch["b"], expected["b"])
    assert batch["a"].min() >= -1 and batch["a"].max() <= 1
