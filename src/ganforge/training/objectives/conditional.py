"""Class-conditional GAN: G(z, y) and a projection D(x, y) (Miyato & Koyama 2018).

The fakes of a D step are asked for the labels of the real batch beside them, so fakes follow
the data's class proportions (or the balanced proportions with `data.balance`). With
`loss.diversity_weight` they come in pairs sharing a class, and G pays when a pair differs less
than real images of one class do (diversity.py). Sample grids show one row per class.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ganforge.conditions import ClassConditions
from ganforge.models.aux_classifier import BETAS, LEARNING_RATE, AuxiliaryClassifier
from ganforge.sampling import latents
from ganforge.training.objectives.base import Batch, DataInfo, NetworkDecl, register_objective
from ganforge.training.objectives.diversity import DiversityTerm, paired
from ganforge.training.objectives.unconditional import UnconditionalObjective

if TYPE_CHECKING:
    from ganforge.config import Config
    from ganforge.data.training import TrainingImages


@register_objective
class ConditionalObjective(UnconditionalObjective):
    name = "conditional"
    batch_keys = ("image", "label")
    conditions = ClassConditions

    @classmethod
    def declare(cls, config: Config, data: DataInfo) -> list[NetworkDecl]:
        declared = super().declare(config, data)
        if config.loss.ac_weight > 0 and config.loss.ac_classifier == "d":
            next(d for d in declared if d.name == "D").module.add_classifier()
        if config.loss.ac_weight > 0 and config.loss.ac_classifier == "separate":
            # One class more than the data: "generated" (Salimans et al. 2016; AM-GAN, Zhou et
            # al. 2018), so G cannot pass by drawing the classifier's shortcuts.
            classifier = AuxiliaryClassifier(data.channels, data.resolution, data.num_classes + 1,
                                             width=config.loss.ac_width)
            declared.append(NetworkDecl("C", classifier, LEARNING_RATE, BETAS))
        return declared

    def __init__(self, config: Config, networks: dict[str, nn.Module], device: torch.device, data: DataInfo):
        super().__init__(config, networks, device, data)
        self.classifier = networks.get("C")
        self.extra_judges = ("C",) if self.classifier is not None else ()
        self.diversity = DiversityTerm.of(config.loss)

    def batch_fields(self, data: TrainingImages) -> dict:
        self.diversity.measure(data.images, data.labels.tolist(), self.config.seed)
        return super().batch_fields(data)

    def fake_condition(self, c: Tensor | None) -> Tensor | None:
        """From D step `loss.diversity_start` on (with the term on), fakes i and i + ceil(N/2)
        share a class: the first half of the real batch's labels twice."""
        return paired(c) if self.diversity.pairs_at(self.d_steps_done) else c

    def g_step(self, batch: Batch | None, last: bool) -> tuple[Tensor, dict[str, Tensor]]:
        kept = self._kept
        loss, logs = super().g_step(batch, last)
        if kept is not None:
            loss = self.diversity.added(loss, kept[0], logs)
        return loss, logs

    def scored(self, images: Tensor, c: Tensor | None) -> tuple[Tensor, Tensor | None]:
        if self.loss_cfg.ac_weight == 0:
            return super().scored(images, c)
        if self.classifier is not None:
            classes = self.classifier(images, noisy=True)
            return self.discriminator(self._augment(images), c), F.cross_entropy(classes, c)
        logits, classes = self.discriminator(self._augment(images), c, classify=True)
        return logits, F.cross_entropy(classes, c)

    def fake_class_loss(self, fake_images: Tensor) -> Tensor | None:
        """The separate classifier learns G's fakes as the extra class "generated"."""
        if self.classifier is None:
            return None
        generated = torch.full((len(fake_images),), self.data.num_classes, device=fake_images.device)
        return F.cross_entropy(self.classifier(fake_images, noisy=True), generated)

    def condition(self, batch: Batch) -> Tensor:
        return batch["label"]

    def mismatched_logits(self, real_images: Tensor, c: Tensor | None) -> Tensor | None:
        """With `loss.mismatch_weight`, each real image is also shown with another class's label
        (a random other class), and D learns to call that pair fake."""
        if self.loss_cfg.mismatch_weight == 0:
            return None
        classes = self.data.num_classes
        wrong = (c + torch.randint(1, classes, c.shape, device=c.device)) % classes
        return self.discriminator(self._augment(real_images), wrong)

    def draw_condition(self, n: int) -> Tensor:
        counts = torch.tensor(self.data.class_counts, dtype=torch.float64)
        if self.config.data.balance:
            counts = torch.ones_like(counts)
        return torch.multinomial(counts, n, replacement=True).to(self.device)

    def fixed_inputs(self, n: int, seed: int) -> dict[str, Tensor]:
        """One row per class, max(1, n // classes) images per row."""
        classes = self.data.num_classes
        per_class = max(1, n // classes)
        return {
            "z": latents(per_class * classes, self.z_dim, seed=seed),
            "label": torch.arange(classes).repeat_interleave(per_class),
        }

    def render(self, networks: dict[str, nn.Module], fixed: dict[str, Tensor]) -> tuple[Tensor, int]:
        images, _ = super().render(networks, fixed)
        return images, len(images) // self.data.num_classes
