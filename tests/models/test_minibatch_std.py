"""Minibatch standard deviation: one channel more, the spread of each image's group."""

import torch

from ganforge.models.minibatch_std import MinibatchStd, group_size


def test_group_size_is_the_largest_divisor_up_to_four():
    assert [group_size(n) for n in (1, 2, 3, 4, 6, 8, 9, 10)] == [1, 2, 3, 4, 3, 4, 3, 2]


def test_the_extra_channel_is_each_groups_spread_and_nothing_else_changes():
    torch.manual_seed(0)
    x = torch.randn(8, 3, 2, 2)
    out = MinibatchStd()(x)
    assert out.shape == (8, 4, 2, 2) and torch.equal(out[:, :3], x)
    # groups of 4: images g, g + 2, g + 4, g + 6 for g = 0, 1
    for g in (0, 1):
        members = x[g::2]
        expected = members.std(dim=0, unbiased=False).mean()
        for i in range(g, 8, 2):
            assert torch.allclose(out[i, 3], expected.expand(2, 2), atol=1e-5)


def test_identical_images_read_no_spread_and_varied_ones_do():
    image = torch.randn(1, 3, 4, 4)
    same = MinibatchStd()(image.expand(4, -1, -1, -1))[:, 3]
    varied = MinibatchStd()(image + torch.randn(4, 3, 4, 4))[:, 3]
    assert same.max() < 1e-3 and varied.min() > 0.5
