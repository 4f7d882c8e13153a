"""Class-conditional G and D: the label changes the output, conditional BN and the projection
term are where the papers put them, and unconditional models keep their state-dict names."""

import pytest
import torch

from ganforge.config import load_config
from ganforge.models import build_models
from ganforge.models.conditioning import ConditionalBatchNorm2d, ProjectionHead

CLASSES = 5


def _models(name, channels=1):
    cfg = load_config({"model": {"name": name, "z_dim": 8, "g": {"width": 8}, "d": {"width": 8}}, "data": {"channels": channels}})
    torch.manual_seed(0)
    return build_models(cfg.model, 32, channels, num_classes=CLASSES)


def _perturb_condition_weights(module):
    """Class embeddings start neutral (CBN at identity); make them differ as training would."""
    with torch.no_grad():
        for name, p in module.named_parameters():
            if "gamma" in name or "beta" in name:
                p.normal_(0, 0.5)


@pytest.mark.parametrize("name", ["dcgan", "resnet"])
def test_generator_output_depends_on_the_label(name):
    generator, _ = _models(name)
    _perturb_condition_weights(generator)
    generator.eval()
    z = torch.randn(1, 8).repeat(CLASSES, 1)
    images = generator(z, torch.arange(CLASSES))
    assert images.shape == (CLASSES, 1, 32, 32)
    assert all(not torch.allclose(images[0], images[k]) for k in range(1, CLASSES))
    assert sum(isinstance(m, ConditionalBatchNorm2d) for m in generator.modules()) >= 2


@pytest.mark.parametrize("name", ["dcgan", "resnet"])
def test_projection_discriminator_adds_the_class_term(name):
    _, discriminator = _models(name)
    discriminator.eval()
    x = torch.randn(1, 1, 32, 32).repeat(CLASSES, 1, 1, 1)
    logits = discriminator(x, torch.arange(CLASSES))
    assert logits.shape == (CLASSES,)
    assert len(set(logits.tolist())) == CLASSES  # same image, one logit per class
    assert any(isinstance(m, ProjectionHead) for m in discriminator.modules())


def test_conditional_cbn_starts_as_plain_batchnorm():
    cbn = ConditionalBatchNorm2d(4, CLASSES)
    x = torch.randn(6, 4, 3, 3)
    expected = torch.nn.functional.batch_norm(x, None, None, training=True)
    assert torch.allclose(cbn(x, torch.tensor([0, 1, 2, 3, 4, 0])), expected, atol=1e-6)


def test_projection_term_is_the_embedding_inner_product():
    head = ProjectionHead(3, 2)
    features = torch.tensor([[1.0, 2.0, 3.0]])
    expected = (head.embed.weight[1] * features[0]).sum()
    assert torch.allclose(head(features, torch.tensor([1])), expected)


@pytest.mark.parametrize("name", ["dcgan", "resnet"])
def test_missing_or_unwanted_labels_are_errors(name):
    generator, discriminator = _models(name)
    with pytest.raises(ValueError, match="class-conditional"):
        generator(torch.randn(2, 8))
    cfg = load_config({"model": {"name": name, "z_dim": 8, "g": {"width": 8}, "d": {"width": 8}}})
    plain, _ = build_models(cfg.model, 32, 1)
    with pytest.raises(ValueError, match="unconditional"):
        plain(torch.randn(2, 8), torch.zeros(2, dtype=torch.int64))
