"""Generator EMA: the exact averaging formula, tracking before `start`, buffers, state roundtrip."""

import pytest
import torch

from ganforge.config import ModelConfig
from ganforge.models import build_models
from ganforge.training.ema import GeneratorEMA


def _generator(seed=0):
    torch.manual_seed(seed)
    cfg = ModelConfig(name="dcgan", z_dim=4, g={"width": 2}, d={"width": 2})
    return build_models(cfg, 32, 1)[0]


def _perturb(generator, seed):
    """Stand-in for an optimiser step: new weights and BN statistics."""
    torch.manual_seed(seed)
    with torch.no_grad():
        for tensor in list(generator.parameters()) + list(generator.buffers()):
            if tensor.is_floating_point():
                tensor.add_(torch.randn_like(tensor))
            else:
                tensor.add_(1)


def _snapshot(generator):
    return {name: tensor.detach().clone() for name, tensor in generator.state_dict().items()}


def test_exact_average_after_two_updates():
    decay = 0.9
    generator = _generator()
    initial = _snapshot(generator)
    ema = GeneratorEMA(generator, decay=decay, start=0)
    _perturb(generator, 1)
    first = _snapshot(generator)
    ema.update(generator, step=1)
    _perturb(generator, 2)
    second = _snapshot(generator)
    ema.update(generator, step=2)
    averaged = dict(ema.module.named_parameters())
    for name in averaged:
        expected = initial[name].clone().mul_(decay).add_(first[name], alpha=1 - decay)
        expected.mul_(decay).add_(second[name], alpha=1 - decay)
        assert torch.equal(averaged[name], expected), name
        by_formula = (
            decay**2 * initial[name]
            + decay * (1 - decay) * first[name]
            + (1 - decay) * second[name]
        )
        assert torch.allclose(averaged[name], by_formula, atol=1e-6)
    for name, buffer in ema.module.named_buffers():
        assert torch.equal(buffer, second[name]), name  # copied, not averaged


def test_tracks_the_generator_exactly_before_start():
    generator = _generator()
    ema = GeneratorEMA(generator, decay=0.5, start=3)
    for step in (1, 2):
        _perturb(generator, step)
        ema.update(generator, step)
        assert all(
            torch.equal(ema.module.state_dict()[k], v) for k, v in _snapshot(generator).items()
        )
    at_start = _snapshot(generator)
    _perturb(generator, 3)
    ema.update(generator, 3)
    weight_name = next(name for name, _ in ema.module.named_parameters())
    expected = 0.5 * at_start[weight_name] + 0.5 * generator.state_dict()[weight_name]
    assert torch.allclose(ema.module.state_dict()[weight_name], expected)


def test_average_is_a_frozen_independent_copy_in_eval_mode():
    generator = _generator()
    ema = GeneratorEMA(generator, decay=0.99)
    assert ema.module is not generator and not ema.module.training
    assert not any(p.requires_grad for p in ema.module.parameters())
    before = _snapshot(ema.module)
    _perturb(generator, 1)
    assert all(torch.equal(v, ema.module.state_dict()[k]) for k, v in before.items())
    assert ema.module(torch.randn(2, 4)).shape == (2, 1, 32, 32)
    assert ema.module.z_dim == 4


def test_state_roundtrip_restores_the_average():
    generator = _generator()
    ema = GeneratorEMA(generator, decay=0.7)
    for step in (1, 2, 3):
        _perturb(generator, step)
        ema.update(generator, step)
    restored = GeneratorEMA(_generator(seed=5), decay=0.7)
    restored.load_state_dict(ema.state_dict())
    for name, tensor in ema.state_dict().items():
        assert torch.equal(restored.state_dict()[name], tensor)
    _perturb(generator, 4)
    ema.update(generator, 4)
    restored.update(generator, 4)
    assert all(torch.equal(restored.state_dict()[k], v) for k, v in ema.state_dict().items())


def test_rejects_a_decay_outside_the_unit_interval():
    with pytest.raises(ValueError, match="train.ema.decay"):
        GeneratorEMA(_generator(), decay=1.0)
