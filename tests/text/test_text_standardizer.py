"""Caption embeddings are standardised over the run's captions, and the statistics travel with G."""

import math

import torch

from ganforge.models.dfgan import DFGANDiscriminator, DFGANGenerator
from ganforge.models.text_conditioning import (
    VARIANCE_FLOOR,
    TextStandardizer,
    fit_text_standardizers,
)


def _close_captions(n: int = 40, dim: int = 16) -> torch.Tensor:
    """Unit vectors sharing one dominant direction, as a sentence encoder's captions of one data set."""
    generator = torch.Generator().manual_seed(0)
    common = torch.randn(dim, generator=generator)
    table = common + 0.2 * torch.randn(n, dim, generator=generator)
    return table / table.norm(dim=1, keepdim=True)


def test_unfitted_standardizer_scales_unit_vectors_to_unit_entries():
    e = _close_captions()
    assert torch.allclose(TextStandardizer(16)(e), e * math.sqrt(16))


def test_fit_centres_the_captions_and_spreads_what_differs():
    table = _close_captions()
    norm = TextStandardizer(16)
    norm.fit(table)
    out = norm(table)
    assert out.mean(dim=0).abs().max() < 1e-5
    variance = table.double().var(dim=0, unbiased=False)
    expected = variance / (variance + VARIANCE_FLOOR * variance.mean())  # unit variance, floored
    assert torch.allclose(out.double().var(dim=0, unbiased=False), expected, rtol=1e-4)
    # Two captions close in cosine end up far apart: the shared direction is gone.
    before = torch.nn.functional.cosine_similarity(table[0], table[1], dim=0)
    after = torch.nn.functional.cosine_similarity(out[0], out[1], dim=0)
    assert before > 0.8 and after < before - 0.5


def test_statistics_are_buffers_of_both_networks_and_survive_a_state_dict_round_trip():
    table = _close_captions()
    generator, discriminator = DFGANGenerator(8, 4, 32, 3, text_dim=16), DFGANDiscriminator(4, 32, 3, text_dim=16)
    for network in (generator, discriminator):
        fit_text_standardizers(network, table)
    assert {"text_norm.shift", "text_norm.scale"} <= set(generator.state_dict())
    reloaded = DFGANGenerator(8, 4, 32, 3, text_dim=16)
    reloaded.load_state_dict(generator.state_dict())
    z = torch.randn(2, 8)
    assert torch.equal(reloaded.eval()(z, table[:2]), generator.eval()(z, table[:2]))
    assert torch.equal(discriminator.text_norm.shift, generator.text_norm.shift)
