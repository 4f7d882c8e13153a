"""A diversity-sensitive G term for conditional generators: images of one condition drawn
from two latents must differ as much as real images of that condition do, and no more.

As DSGAN (Yang et al. 2019) it rewards the distance between G(z1, c) and G(z2, c), but
bounded as a hinge under a target: λ · mean relu(1 − d / τ). d is the mean absolute
difference of a pair of fakes after average pooling to 8×8 (where things are and how large
they are, not the texture of their edges; `loss.diversity_pool` / `text.diversity_pool` set the side),
or with `diversity_distance: layout` the total variation between the pair's layouts (where each
image departs from its mean colour, as shares: a moved shape counts, a larger one hardly); τ
is the same distance between real images that share a condition, measured once from the
training data. A G that draws one picture per
condition pays λ; one as varied as the data pays nothing, so the term cannot buy variety
with the condition the way MSGAN's unbounded 1 / distance does.

The pairs cost no extra forward pass: the fakes of a step are made for the first half of
the batch's conditions twice (`paired`), so fake i and fake i + ceil(N/2) share one.
`DiversityTerm` holds one objective's settings and schedule; the class and text tasks share it.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

POOLED = 8  # default side of the pooled images the distance is taken on
REAL_PAIRS = 512  # real pairs the target is averaged over


def pooled(images: Tensor, side: int = POOLED) -> Tensor:
    """[N,C,R,R] -> [N,C,side,side] by average pooling (unchanged at R <= side)."""
    return F.adaptive_avg_pool2d(images, side) if images.shape[-1] > side else images


def pair_distance(a: Tensor, b: Tensor, side: int = POOLED) -> Tensor:
    """[N] mean |pooled(a) − pooled(b)| per pair of images in [-1, 1]."""
    return (pooled(a, side) - pooled(b, side)).abs().flatten(1).mean(dim=1)


def layout(images: Tensor, side: int = POOLED) -> Tensor:
    """[N,side,side] where each image departs from its own mean colour, as shares summing to 1:
    where its content is, whatever its amount (a larger shape spreads, a moved one shifts)."""
    cells = pooled(images, side)
    departure = (cells - cells.mean(dim=(2, 3), keepdim=True)).abs().sum(dim=1)
    return departure / departure.sum(dim=(1, 2), keepdim=True).clamp_min(1e-6)


def layout_distance(a: Tensor, b: Tensor, side: int = POOLED) -> Tensor:
    """[N] total variation between the layouts of a pair of images, in [0, 1]."""
    return 0.5 * (layout(a, side) - layout(b, side)).abs().flatten(1).sum(dim=1)


DISTANCES = {"pooled": pair_distance, "layout": layout_distance}


def paired(values: Tensor) -> Tensor:
    """The first ceil(N/2) rows, then the first floor(N/2) again: rows i and i + ceil(N/2) match."""
    half = (len(values) + 1) // 2
    return torch.cat([values[:half], values[: len(values) - half]])


def pair_split(fakes: Tensor) -> tuple[Tensor, Tensor]:
    """The two sides of the pairs `paired` made: rows i and i + ceil(N/2), i < floor(N/2)."""
    half = (len(fakes) + 1) // 2
    return fakes[: len(fakes) - half], fakes[half:]


def diversity_shortfall(fakes: Tensor, target: float, side: int = POOLED,
                        distance: str = "pooled") -> tuple[Tensor, Tensor]:
    """(mean relu(1 − d/τ), mean d/τ) over the pairs of `fakes` made from `paired` conditions."""
    first, second = pair_split(fakes)
    ratio = DISTANCES[distance](first, second, side) / target
    return F.relu(1 - ratio).mean(), ratio.mean().detach()


@torch.no_grad()
def real_pair_target(images: Tensor, groups: list, seed: int, side: int = POOLED, distance: str = "pooled") -> float:
    """τ: the mean distance (DISTANCES[distance]) of up to REAL_PAIRS pairs of real images (uint8 [N,C,R,R])
    with the same group (condition), drawn with `seed`; of random pairs of different images
    where no two images share a group."""
    generator = torch.Generator().manual_seed(seed)
    by_group: dict[int, list[int]] = {}
    for index, group in enumerate(groups):
        by_group.setdefault(group, []).append(index)
    shared = [members for members in by_group.values() if len(members) > 1]
    pairs = []
    for _ in range(REAL_PAIRS):
        if shared:
            members = shared[int(torch.randint(len(shared), (1,), generator=generator))]
            picks = torch.randperm(len(members), generator=generator)[:2].tolist()
            pairs.append((members[picks[0]], members[picks[1]]))
        elif len(groups) > 1:
            picks = torch.randperm(len(groups), generator=generator)[:2].tolist()
            pairs.append((picks[0], picks[1]))
    if not pairs:
        return 1.0
    first, second = (torch.tensor(indices) for indices in zip(*pairs, strict=True))
    as_float = lambda x: images[x].float() / 127.5 - 1  # noqa: E731
    return max(float(DISTANCES[distance](as_float(first), as_float(second), side).mean()), 1e-3)


@dataclass
class DiversityTerm:
    """One objective's term: λ, its first D step and pool side (the config's), τ once measured,
    and whether the fakes of the current step come in pairs."""

    weight: float = 0.0
    start: int = 0
    side: int = POOLED
    distance: str = "pooled"  # a key of DISTANCES
    target: float = 1.0  # τ; measured by `measure`
    active: bool = False

    @classmethod
    def of(cls, section) -> DiversityTerm:
        """From a config section with `diversity_weight`, `_start`, `_pool` and `_distance` (loss or text)."""
        return cls(section.diversity_weight, section.diversity_start, section.diversity_pool,
                   section.diversity_distance)

    def measure(self, images: Tensor, groups: list, seed: int) -> None:
        """τ from the training images (uint8 [N,C,R,R]) grouped by condition; only with the term on."""
        if self.weight > 0:
            self.target = real_pair_target(images, groups, seed, self.side, self.distance)

    def pairs_at(self, step: int) -> bool:
        """Whether the fakes of D step `step` are drawn in pairs (remembered for G's step)."""
        self.active = self.weight > 0 and step >= self.start
        return self.active

    def added(self, loss: Tensor, fakes: Tensor, logs: dict[str, Tensor]) -> Tensor:
        """G's `loss` plus λ · shortfall of `fakes` when they come in pairs; logs d/τ."""
        if not self.active:
            return loss
        shortfall, ratio = diversity_shortfall(fakes, self.target, self.side, self.distance)
        logs["diversity_ratio"] = ratio
        return loss + self.weight * shortfall
