"""Adversarial losses and gradient regularisers: hand-computed values, gradient signs, penalties."""

import math

import pytest
import torch
from torch import nn

from ganforge.losses import LOSSES, gradient_penalty, r1_penalty
from ganforge.models import MODELS

REAL = torch.tensor([0.0, 2.0])
FAKE = torch.tensor([0.0, -1.0])


def _softplus(t):
    return math.log1p(math.exp(t))


LN2 = math.log(2.0)
# (d_loss, g_loss) at REAL, FAKE, from each paper's formula on D = sigmoid(logit) or raw D.
EXPECTED = {
    # -log s(r) averaged, -log(1 - s(f)) averaged; G: -log s(f)
    "nonsaturating": (
        (LN2 + _softplus(-2)) / 2 + (LN2 + _softplus(-1)) / 2,
        (LN2 + _softplus(1)) / 2,
    ),
    # G: log(1 - s(f)) averaged
    "minimax": ((LN2 + _softplus(-2)) / 2 + (LN2 + _softplus(-1)) / 2, -(LN2 + _softplus(-1)) / 2),
    # 1/2 mean((r-1)^2) + 1/2 mean(f^2) = 1/2*1 + 1/2*0.5; G: 1/2 mean((f-1)^2) = 1/2*2.5
    "lsgan": (0.75, 1.25),
    # mean(relu(1-r)) + mean(relu(1+f)) = 0.5 + 0.5; G: -mean(f)
    "hinge": (1.0, 0.5),
    # mean(f) - mean(r) = -0.5 - 1; G: -mean(f)
    "wgan-gp": (-1.5, 0.5),
}


def test_registry_has_every_loss_and_model_defaults():
    assert set(LOSSES) == set(EXPECTED)
    assert all(spec.default_loss in LOSSES for spec in MODELS.values())
    assert [name for name, loss in LOSSES.items() if loss.needs_gradient_penalty] == ["wgan-gp"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_values_at_known_logits(name):
    d_expected, g_expected = EXPECTED[name]
    loss = LOSSES[name]
    assert loss.d_loss(REAL, FAKE).item() == pytest.approx(d_expected, abs=1e-6)
    assert loss.g_loss(FAKE).item() == pytest.approx(g_expected, abs=1e-6)
    assert loss.d_loss(REAL, FAKE).dim() == 0 and loss.g_loss(FAKE).dim() == 0


def _gradient(fn, *tensors):
    leaves = [t.clone().requires_grad_(True) for t in tensors]
    fn(*leaves).backward()
    return [leaf.grad for leaf in leaves]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_generator_loss_falls_as_fake_logits_look_real(name):
    (grad,) = _gradient(LOSSES[name].g_loss, torch.tensor([-2.0, -0.5, 0.5]))
    assert torch.all(grad < 0)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_discriminator_loss_pushes_real_up_and_fake_down(name):
    real_grad, fake_grad = _gradient(
        LOSSES[name].d_loss, torch.tensor([-0.5, 0.5]), torch.tensor([0.2, 0.5])
    )
    assert torch.all(real_grad < 0) and torch.all(fake_grad > 0)


def test_minimax_saturates_where_nonsaturating_does_not():
    confident_fake = torch.tensor([-10.0])
    (minimax,) = _gradient(LOSSES["minimax"].g_loss, confident_fake)
    (nonsaturating,) = _gradient(LOSSES["nonsaturating"].g_loss, confident_fake)
    assert abs(minimax.item()) < 1e-4 and nonsaturating.item() == pytest.approx(-1.0, abs=1e-4)


@pytest.mark.parametrize("name", ["nonsaturating", "minimax"])
def test_logit_losses_stay_finite_at_extreme_logits(name):
    real, fake = torch.tensor([-200.0, 200.0]), torch.tensor([200.0, -200.0])
    real_grad, fake_grad = _gradient(LOSSES[name].d_loss, real, fake)
    assert torch.isfinite(LOSSES[name].d_loss(real, fake))
    assert LOSSES[name].d_loss(real, fake).item() == pytest.approx(200.0, rel=1e-4)  # 100 + 100
    assert torch.isfinite(real_grad).all() and torch.isfinite(fake_grad).all()


class LinearCritic(nn.Module):
    """D(x) = <w, x.flatten()>: its input gradient is w everywhere."""

    def __init__(self, weight):
        super().__init__()
        self.weight = nn.Parameter(weight)

    def forward(self, images):
        return images.flatten(1) @ self.weight


def test_gradient_penalty_is_zero_for_a_unit_norm_linear_critic():
    torch.manual_seed(0)
    weight = torch.randn(2 * 4 * 4)
    critic = LinearCritic(weight / weight.norm())
    real, fake = torch.randn(6, 2, 4, 4), torch.randn(6, 2, 4, 4)
    assert gradient_penalty(critic, real, fake).item() == pytest.approx(0.0, abs=1e-10)


def test_gradient_penalty_for_a_steeper_critic_and_its_weight_gradient():
    torch.manual_seed(0)
    weight = torch.randn(2 * 4 * 4)
    weight = 3 * weight / weight.norm()
    critic = LinearCritic(weight.clone())
    real, fake = torch.randn(6, 2, 4, 4), torch.randn(6, 2, 4, 4)
    penalty = gradient_penalty(critic, real, fake)
    assert penalty.item() == pytest.approx(4.0, rel=1e-5)  # (||w|| - 1)^2
    penalty.backward()  # create_graph: the penalty trains D's weights
    expected = 2 * (3 - 1) * weight / 3  # d/dw (||w|| - 1)^2
    assert torch.allclose(critic.weight.grad, expected, atol=1e-5)


def test_gradient_penalty_interpolates_between_real_and_fake():
    seen = []

    def critic(images):
        seen.append(images.detach())
        return images.flatten(1).sum(1)

    real, fake = torch.zeros(64, 1, 2, 2), torch.ones(64, 1, 2, 2)
    torch.manual_seed(1)
    gradient_penalty(critic, real, fake)
    mix = seen[0]
    assert torch.all(mix == mix[:, :1, :1, :1])  # one mixing weight per sample
    assert 0 <= mix.min() and mix.max() <= 1 and mix.std() > 0.2


def test_r1_equals_the_analytic_gradient_of_a_linear_critic():
    torch.manual_seed(0)
    weight = torch.randn(3 * 4 * 4)
    critic = LinearCritic(weight.clone())
    images = torch.randn(5, 3, 4, 4).requires_grad_(True)
    penalty = r1_penalty(critic(images), images)
    assert penalty.item() == pytest.approx(weight.square().sum().item(), rel=1e-6)
    penalty.backward()
    assert torch.allclose(critic.weight.grad, 2 * weight, atol=1e-5)  # d/dw ||w||^2


def test_r1_on_a_quadratic_critic():
    images = torch.arange(8.0).view(2, 1, 2, 2).requires_grad_(True)
    logits = images.square().flatten(1).sum(1)  # grad = 2x
    expected = (4 * images.detach().square().flatten(1).sum(1)).mean()
    assert r1_penalty(logits, images).item() == pytest.approx(expected.item())


def test_gradient_penalty_accepts_half_precision_fakes():
    # Under autocast G emits bf16 images while real images stay float32.
    torch.manual_seed(0)
    weight = torch.randn(2 * 4 * 4)
    critic = LinearCritic(weight / weight.norm())
    real, fake = torch.randn(4, 2, 4, 4), torch.randn(4, 2, 4, 4).to(torch.bfloat16)
    penalty = gradient_penalty(critic, real, fake)
    assert penalty.dtype == torch.float32 and penalty.item() == pytest.approx(0.0, abs=1e-10)
