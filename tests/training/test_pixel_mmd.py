"""G's MMD term at low resolution (`loss.mmd_weight`, `loss.mmd_pool`): near 0 between samples
of one distribution, large when the fakes miss a mode, and its gradient moves them to it."""

import json

import pytest
import torch
from helpers import tiny_overrides

from ganforge.config import load_config
from ganforge.errors import UserError
from ganforge.training.loop import train
from ganforge.training.objectives.diversity import pooled
from ganforge.training.objectives.pixel_mmd import mmd2


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


def test_identical_rows_have_finite_gradients():
    reals = torch.zeros(4, 3)
    fakes = torch.zeros(4, 3, requires_grad=True)
    mmd2(fakes, reals).backward()
    assert torch.isfinite(fakes.grad).all()


def test_training_with_the_term_logs_it(tmp_path):
    overrides = tiny_overrides(**{"train.steps": 3, "train.log_every": 1, "loss.mmd_weight": 1.0, "loss.mmd_pool": 2})
    run = train(load_config("dcgan-digits", overrides), tmp_path / "run", progress=False)
    logged = [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]
    values = [entry["mmd"] for entry in logged if "step" in entry]
    assert len(values) == 3 and all(v > 0 for v in values)
    off = train(load_config("dcgan-digits", {**overrides, "loss.mmd_weight": 0.0}), tmp_path / "off", progress=False)
    assert "mmd" not in (off / "log.jsonl").read_text()


def test_text_tasks_refuse_it():
    with pytest.raises(UserError, match="loss.mmd_weight"):
        load_config("dfgan-shapes", {"loss.mmd_weight": 1.0})


def test_the_real_side_is_a_seeded_bank_of_pooled_training_images():
    from ganforge.training.objectives import pixel_mmd

    images = torch.randint(0, 256, (1500, 3, 8, 8), dtype=torch.uint8)
    bank = pixel_mmd.real_bank(images, side=2, seed=3)
    assert bank.features.shape == (pixel_mmd.BANK, 12)
    assert torch.equal(bank.features, pixel_mmd.real_bank(images, side=2, seed=3).features)
    assert not torch.equal(bank.features, pixel_mmd.real_bank(images, side=2, seed=4).features)
    few = pixel_mmd.real_bank(images[:10], side=1, seed=0)
    assert few.features.shape == (10, 3)
    # the precomputed real side gives the same MMD² as computing it from the rows
    fakes = torch.randn(6, 3)
    assert torch.allclose(pixel_mmd.mmd2_to(fakes, few), mmd2(fakes, few.features))
