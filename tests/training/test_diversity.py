"""The bounded diversity term: pairs of fakes sharing a condition, their distance at 8x8
against the distance of real images sharing one."""

import pytest
import torch

from ganforge.models.dfgan import DFGANGenerator
from ganforge.training.objectives.diversity import (
    diversity_shortfall,
    layout,
    layout_distance,
    pair_distance,
    pair_split,
    paired,
    real_pair_target,
)


@pytest.mark.parametrize("n", [6, 7])
def test_paired_rows_share_a_condition_and_split_back_into_the_pairs(n):
    values = torch.arange(n) * 10
    rows = paired(values)
    first, second = pair_split(rows)
    assert len(rows) == n and len(first) == len(second) == n // 2
    assert torch.equal(first, second)  # row i and row i + ceil(n/2) hold the same condition
    assert torch.equal(rows[: (n + 1) // 2], values[: (n + 1) // 2])


def test_distance_sees_where_and_how_large_not_edge_texture():
    blob = -torch.ones(1, 3, 32, 32)
    blob[..., 8:16, 8:16] = 1
    moved = -torch.ones(1, 3, 32, 32)
    moved[..., 16:24, 8:16] = 1
    signs = (torch.arange(32)[:, None] + torch.arange(32)[None, :]) % 2 * 2 - 1
    checker = blob + 0.5 * signs  # texture finer than the 4x4 pooling cells, zero mean in each
    assert pair_distance(blob, moved) > 0.2
    assert pair_distance(blob, checker) < 1e-6 < (blob - checker).abs().mean()


def disc(centre_row: float, radius: float) -> torch.Tensor:
    rows, cols = torch.meshgrid(torch.arange(32.0), torch.arange(32.0), indexing="ij")
    inside = ((rows - centre_row) ** 2 + (cols - 8) ** 2 <= radius**2).float()
    return (-0.8 + 1.6 * inside).expand(1, 3, 32, 32)


def test_layout_sees_where_a_shape_is_and_hardly_how_large():
    shape = disc(16, 4.8)
    moved, grown = disc(19, 4.8), disc(16, 6.0)  # 3 px lower; 25 % wider
    assert torch.allclose(layout(shape, 4).sum(dim=(1, 2)), torch.ones(1))
    assert layout_distance(shape, moved, 4) > 0.15 > 0.01 > layout_distance(shape, grown, 4)
    # the pooled distance prices both alike: growing buys as much "variety" as moving
    assert pair_distance(shape, grown, 4) > 0.8 * pair_distance(shape, moved, 4)
    assert layout_distance(shape, shape.clone(), 4) == 0


def test_layout_target_is_measured_in_its_own_terms():
    images = torch.cat([disc(12, 4.8), disc(20, 4.8), disc(16, 4.8), disc(16, 6.0)])
    uint8 = ((images + 1) * 127.5).round().to(torch.uint8)
    moved_pairs = real_pair_target(uint8, [0, 0, 2, 3], seed=0, side=4, distance="layout")
    grown_pairs = real_pair_target(uint8, [0, 1, 2, 2], seed=0, side=4, distance="layout")
    assert moved_pairs > 0.3 and grown_pairs < 0.02


def test_shortfall_is_one_for_one_picture_zero_at_the_target_and_linear_between():
    image = torch.zeros(1, 3, 16, 16)
    same = torch.cat([image, image])
    assert diversity_shortfall(same, target=0.1)[0] == pytest.approx(1.0)
    apart = torch.cat([image, image + 0.3])  # distance 0.3
    assert diversity_shortfall(apart, target=0.1)[0] == pytest.approx(0.0)
    assert diversity_shortfall(apart, target=0.6) == (pytest.approx(0.5), pytest.approx(0.5))


def test_target_is_the_distance_of_real_images_sharing_a_condition():
    images = torch.zeros(6, 1, 8, 8, dtype=torch.uint8)
    images[3:] = 255  # group "a": black, group "b": white, each three identical images
    assert real_pair_target(images, ["a", "a", "a", "b", "b", "b"], seed=0) == pytest.approx(1e-3)
    # No two images share a caption: random pairs of different images (black/white: 2, else 0).
    unique = real_pair_target(images, list(range(6)), seed=0)
    assert 0.5 < unique < 2.0
    assert real_pair_target(images, list(range(6)), seed=0) == unique  # seeded


def test_the_term_alone_teaches_a_collapsed_generator_to_use_its_noise():
    torch.manual_seed(0)
    generator = DFGANGenerator(z_dim=8, width=4, resolution=32, channels=3, text_dim=6)
    e = paired(torch.randn(8, 6))
    z = torch.randn(8, 8)
    start = diversity_shortfall(generator(z, e), target=0.1)[1]
    optimizer = torch.optim.Adam(generator.parameters(), lr=1e-2)
    for _ in range(40):
        loss, ratio = diversity_shortfall(generator(torch.randn(8, 8), e), target=0.1)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    final = diversity_shortfall(generator(z, e), target=0.1)
    assert start < 0.5 and final[1] > 0.9
    assert not torch.allclose(*pair_split(generator(z, e)))  # same caption, other noise: other images


@pytest.mark.parametrize(("preset", "section"), [("cdcgan-digits", "loss"), ("dfgan-shapes", "text")])
def test_both_conditional_tasks_take_the_layout_distance(preset, section):
    from ganforge.config import load_config
    from ganforge.training.objectives.diversity import DiversityTerm

    config = load_config(preset, {f"{section}.diversity_weight": 1.0, f"{section}.diversity_distance": "layout"})
    assert DiversityTerm.of(getattr(config, section)).distance == "layout"
