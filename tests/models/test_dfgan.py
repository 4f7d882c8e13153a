"""DF-GAN generator: the 4x4 base reads [z; caption]; checkpoints of the z-only base still load."""

import torch

from ganforge.models.dfgan import DFGANGenerator


def _generator(seed):
    torch.manual_seed(seed)
    return DFGANGenerator(z_dim=8, width=4, resolution=32, channels=3, text_dim=6).eval()


def test_base_reads_the_caption_starting_from_the_z_only_function():
    generator = _generator(0).train()
    assert generator.base.in_features == 14
    assert torch.count_nonzero(generator.base.weight[:, 8:]) == 0  # at init: the z-only base
    z, e = torch.randn(4, 8), torch.randn(4, 6)
    generator(z, e).square().mean().backward()
    assert generator.base.weight.grad[:, 8:].abs().sum() > 0  # training moves the caption columns


def test_checkpoint_with_a_z_only_base_loads_as_the_same_function():
    old = _generator(1)
    with torch.no_grad():
        old.base.weight[:, 8:] = 0  # what the z-only base computed
    state = old.state_dict()
    state["base.weight"] = state["base.weight"][:, :8].clone()  # as such runs saved it
    new = _generator(2)
    new.load_state_dict(state)
    z, e = torch.randn(3, 8), torch.randn(3, 6)
    with torch.no_grad():
        assert torch.equal(new(z, e), old(z, e))


def test_coordinate_channels_let_the_condition_move_the_image():
    """model.g.coords: each up-block's first fusion sees x/y channels, so a FiLM of the condition
    can shift what is drawn; off (the default) the blocks keep their earlier shapes."""
    import pytest

    from ganforge.config import load_config
    from ganforge.models.dfgan import coordinate_channels

    torch.manual_seed(0)
    plain = DFGANGenerator(z_dim=8, width=4, resolution=32, channels=3, text_dim=6)
    with_coords = DFGANGenerator(z_dim=8, width=4, resolution=32, channels=3, text_dim=6, coords=True)
    assert plain.blocks[0].conv1.in_channels == 32 and with_coords.blocks[0].conv1.in_channels == 34
    grid = coordinate_channels(torch.zeros(1, 1, 4, 4))
    assert torch.equal(grid[0, 1, 0], torch.linspace(-1, 1, 4)) and torch.equal(grid[0, 2, :, 0], torch.linspace(-1, 1, 4))
    assert with_coords(torch.randn(2, 8), torch.randn(2, 6)).shape == (2, 3, 32, 32)
    assert load_config("dfgan-shapes", {"model.g.coords": True}).model.g.coords is True
    with pytest.raises(Exception, match="model.g.coords: model 'resnet' has no such option"):
        load_config("sngan-proj-shapes", {"model.g.coords": True})
