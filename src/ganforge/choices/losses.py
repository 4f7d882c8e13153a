"""The adversarial losses `loss.name` may name, and the `loss.*` options each one reads
(`ganforge.losses.LOSSES` holds their code)."""

from __future__ import annotations

from dataclasses import dataclass

LOSS_OPTION_KEYS = ("loss.gp_weight",)  # keys read only by the losses that list them in `reads`


@dataclass(frozen=True)
class LossChoice:
    name: str
    # Config keys this loss reads beyond loss.name: a non-default value of another of
    # `LOSS_OPTION_KEYS` is refused.
    reads: tuple[str, ...] = ()


LOSS_CHOICES: dict[str, LossChoice] = {
    loss.name: loss
    for loss in (
        LossChoice("nonsaturating"),
        LossChoice("minimax"),
        LossChoice("lsgan"),
        LossChoice("hinge"),
        LossChoice("wgan-gp", reads=("loss.gp_weight",)),  # the gradient penalty's weight
    )
}
