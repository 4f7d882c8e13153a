"""G's MMD term at low resolution (`loss.mmd_weight`, `loss.mmd_pool`): near 0 between samples
of one distribution, large when the fakes miss a mode, and its gradient moves them to it."""

import json
import math

import pytest
import torch
from helpers import tiny_overrides

from ganforge.config import load_config
from ganforge.errors import UserError
from ganforge.training.loop import train
from ganforge.training.objectives.diversity import pooled
from ganforge.training.objectives.pixel_mmd import (
    mmd2,
    mmd2_groups,
    mmd2_to,
    mmd_features,
    real_bank,
    soft_extremes,
)


def pooled_mmd2(fakes: torch.Tensor, reals: torch.Tensor, side: int) -> torch.Tensor:
    """MMD² of images after pooling to side × side, as the term takes it."""
    return mmd2(pooled(fakes, side).flatten(1), pooled(reals, side).flatten(1))


def _two_colours(n: int, seed: int, red_share: float = 0.5) -> torch.Tensor:
    """n images [n,3,8,8] in [-1, 1], dark but for a red or a blue square in the middle."""
    generator = torch.Generator().manual_seed(seed)
    images = torch.full((n, 3, 8, 8), -0.8)
    red = torch.rand(n, generator=generator) < red_share
    images[red, 0, 2:6, 2:6] = 0.8
    images[~red, 2, 2:6, 2:6] = 0.8
    return images + 0.05 * torch.randn(images.shape, generator=generator)


def test_near_zero_for_one_distribution_and_large_for_a_missing_colour():
    reals = _two_colours(64, 0)
    same = [float(pooled_mmd2(_two_colours(64, seed), reals, side=2)) for seed in range(1, 6)]
    red_only = float(pooled_mmd2(_two_colours(64, 9, red_share=1.0), reals, side=2))
    assert max(abs(v) for v in same) < 0.1
    assert red_only > 0.5


def test_its_gradient_moves_a_red_only_batch_towards_blue():
    reals = _two_colours(64, 0)
    fakes = _two_colours(64, 1, red_share=1.0).requires_grad_(True)
    optimiser = torch.optim.SGD([fakes], lr=100.0)  # each pixel gets 1/64 of its pooled value's gradient
    before = float(pooled_mmd2(fakes.detach(), reals, side=1))
    for _ in range(30):
        optimiser.zero_grad()
        pooled_mmd2(fakes, reals, side=1).backward()
        assert torch.isfinite(fakes.grad).all()
        optimiser.step()
    assert float(pooled_mmd2(fakes.detach(), reals, side=1)) < before / 4
    # the blue channel came up from -0.8 towards the real batch's mean, -0.6
    assert fakes[:, 2].mean() > -0.7


SHAPE_COLOURS = {"red": (225, 40, 40), "orange": (245, 140, 30), "yellow": (240, 220, 40),
                 "green": (40, 185, 60), "blue": (50, 100, 240), "purple": (165, 60, 215)}  # builtin:shapes'
GROUND = 30 / 127.5 - 1


def _squares(colours: list[str], seed: int, side: int = 32) -> torch.Tensor:
    """Dark images [n,3,side,side] in [-1, 1], each with one square of side/4 or side/2 in a colour."""
    generator = torch.Generator().manual_seed(seed)
    images = torch.full((len(colours), 3, side, side), GROUND)
    for image, name in zip(images, colours, strict=True):
        size = side // 4 * int(torch.randint(1, 3, (1,), generator=generator))
        top, left = torch.randint(0, side - size + 1, (2,), generator=generator).tolist()
        image[:, top : top + size, left : left + size] = (torch.tensor(SHAPE_COLOURS[name]) / 127.5 - 1)[:, None, None]
    return images


def test_soft_extremes_read_a_small_shapes_colour_whatever_its_size():
    purple = torch.tensor(SHAPE_COLOURS["purple"]) / 127.5 - 1
    small = torch.full((1, 3, 32, 32), GROUND)
    small[:, :, :8, :8] = purple[:, None, None]  # 1/16 of the image
    large = torch.full((1, 3, 32, 32), GROUND)
    large[:, :, 4:28, 4:28] = purple[:, None, None]  # 9/16
    top = torch.maximum(purple, torch.tensor(GROUND))
    maxima = soft_extremes(small)[0, :3]
    assert (maxima <= top + 1e-6).all() and (maxima >= top + 0.1 * math.log(1 / 16) - 1e-6).all()
    assert (soft_extremes(large)[0, :3] - maxima).abs().max() < 0.25  # the mean colour moves by 0.5
    assert (small.mean(dim=(2, 3)) - large.mean(dim=(2, 3))).abs().max() > 0.5
    torch.testing.assert_close(soft_extremes(-small)[:, :3], -soft_extremes(small)[:, 3:])


def test_extremes_tell_a_batch_without_purple_from_the_data_far_better_than_mean_colours():
    """Six colours, two sizes: a G that draws blue for purple moves the mean colours' MMD by
    about 2 of its batch-to-batch deviations, the extremes' (in a group of their own) by about 90."""
    colours = list(SHAPE_COLOURS)
    no_purple = [c if c != "purple" else "blue" for c in colours]
    reals = ((_squares(colours * 100, seed=0) + 1) * 127.5).round().to(torch.uint8)
    bank = real_bank(reals, side=1, seed=0, extremes=True)

    def per_group(batch: torch.Tensor) -> torch.Tensor:
        return torch.tensor([float(mmd2_to(f, real)) for f, real in zip(mmd_features(batch, 1, True), bank, strict=True)])

    same = torch.stack([per_group(_squares(colours * 6, s)[:32]) for s in range(1, 13)])
    missing = torch.stack([per_group(_squares(no_purple * 6, s)[:32]) for s in range(21, 25)])
    means, extremes = ((missing.mean(0) - same.mean(0)) / same.std(0)).tolist()
    assert extremes > 10 and extremes > 3 * means
    # the term sums the groups
    batch = _squares(no_purple * 6, 21)[:32]
    assert float(mmd2_groups(mmd_features(batch, 1, True), bank)) == pytest.approx(float(per_group(batch).sum()), rel=1e-5)


def test_identical_rows_have_finite_gradients():
    reals = torch.zeros(4, 3)
    fakes = torch.zeros(4, 3, requires_grad=True)
    mmd2(fakes, reals).backward()
    assert torch.isfinite(fakes.grad).all()


@pytest.mark.parametrize("extremes", [False, True])
def test_training_with_the_term_logs_it(tmp_path, extremes):
    overrides = tiny_overrides(**{"train.steps": 3, "train.log_every": 1, "loss.mmd_weight": 1.0, "loss.mmd_pool": 2,
                                  "loss.mmd_extremes": extremes})
    run = train(load_config("dcgan-digits", overrides), tmp_path / "run", progress=False)
    logged = [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]
    values = [entry["mmd"] for entry in logged if "step" in entry]
    assert len(values) == 3 and all(v > 0 for v in values)
    off_overrides = {**overrides, "loss.mmd_weight": 0.0, "loss.mmd_extremes": False}
    off = train(load_config("dcgan-digits", off_overrides), tmp_path / "off", progress=False)
    assert "mmd" not in (off / "log.jsonl").read_text()


def test_extremes_without_the_term_are_refused_by_name():
    with pytest.raises(UserError, match=r"loss.mmd_extremes: used only with loss.mmd_weight > 0"):
        load_config("dcgan-digits", {"loss.mmd_extremes": True})


def test_text_tasks_refuse_it():
    with pytest.raises(UserError, match="loss.mmd_weight"):
        load_config("dfgan-shapes", {"loss.mmd_weight": 1.0})


def test_the_real_side_is_a_seeded_bank_of_pooled_training_images():
    from ganforge.training.objectives import pixel_mmd

    images = torch.randint(0, 256, (1500, 3, 8, 8), dtype=torch.uint8)
    (bank,) = pixel_mmd.real_bank(images, side=2, seed=3)
    assert bank.features.shape == (pixel_mmd.BANK, 12)
    assert torch.equal(bank.features, pixel_mmd.real_bank(images, side=2, seed=3)[0].features)
    assert not torch.equal(bank.features, pixel_mmd.real_bank(images, side=2, seed=4)[0].features)
    (few,) = pixel_mmd.real_bank(images[:10], side=1, seed=0)
    assert few.features.shape == (10, 3)
    # the precomputed real side gives the same MMD² as computing it from the rows
    fakes = torch.randn(6, 3)
    assert torch.allclose(pixel_mmd.mmd2_to(fakes, few), mmd2(fakes, few.features))


def test_with_extremes_the_bank_has_a_second_group_with_its_own_kernel_widths():
    from ganforge.training.objectives import pixel_mmd

    images = torch.randint(0, 256, (300, 3, 8, 8), dtype=torch.uint8)
    means, extremes = pixel_mmd.real_bank(images, side=1, seed=0, extremes=True)
    (alone,) = pixel_mmd.real_bank(images, side=1, seed=0)
    assert torch.equal(means.features, alone.features) and means.scale == alone.scale
    assert extremes.features.shape == (300, 6) and extremes.scale != means.scale
    fakes = torch.rand(5, 3, 8, 8) * 2 - 1
    groups = pixel_mmd.mmd_features(fakes, 1, extremes=True)
    expected = pixel_mmd.mmd2_to(groups[0], means) + pixel_mmd.mmd2_to(groups[1], extremes)
    assert torch.equal(pixel_mmd.mmd2_groups(groups, [means, extremes]), expected)
