"""Text-to-image tasks: what DF-GAN and GAN-CLS share (captions, embeddings, grids, resume).

Batches hold "image" and "caption" (an index into the run's caption list; one of an image's
captions, drawn with a seeded, resumable generator). Frozen encoders embed every caption once
(cached on disk per caption, keyed by encoder and weights hash); the checkpoint records the
table's SHA-256 so a resume with other embeddings is refused. A trainable encoder lives in G
and is trained by D's matching-aware loss (its embeddings reach G detached).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import torch
from torch import Tensor, nn

from ganforge.conditions import PromptConditions
from ganforge.errors import UserError
from ganforge.models.aux_classifier import BETAS as MATCHER_BETAS
from ganforge.models.aux_classifier import LEARNING_RATE as MATCHER_LR
from ganforge.models.text_conditioning import fit_text_standardizers
from ganforge.models.text_matcher import TextImageMatcher
from ganforge.sampling import latents
from ganforge.training.batches import SeededField
from ganforge.training.objectives.base import DataInfo, Objective, Phase

if TYPE_CHECKING:
    from ganforge.config import Config
    from ganforge.data.training import TrainingImages

GRID_PROMPTS = 8  # rows of the training sample grids
MATCHER_BANK = 1024  # captions each image is matched against (text.contrastive_weight)


class CaptionField(SeededField):
    """Batch entry "caption": for each image index, one of its captions' ids, drawn at random."""

    def __init__(self, caption_ids: list[list[int]], seed: int):
        super().__init__(seed + 3)
        self.counts = torch.tensor([len(ids) for ids in caption_ids])
        self.starts = torch.cumsum(self.counts, 0) - self.counts
        self.flat = torch.tensor([i for ids in caption_ids for i in ids], dtype=torch.int64)
        self.last_entries = torch.zeros(0, dtype=torch.int64)  # which (image, caption) each row drew

    def take(self, indices: Tensor) -> Tensor:
        draws = torch.randint(0, 1 << 30, (len(indices),), generator=self.generator)
        self.last_entries = self.starts[indices] + draws % self.counts[indices]  # for a partner field
        return self.flat[self.last_entries]


class TextObjective(Objective):
    """Base of the text tasks: subclasses build G/D (`build_networks`) and define the phases."""

    batch_keys = ("image", "caption")
    conditions = PromptConditions

    @classmethod
    def check_loaded(cls, config: Config, saved: dict, networks: dict[str, nn.Module], label: str) -> None:
        """The encoder the config now gives must be the one the run trained with."""
        encoder = networks[cls.sampled].text_encoder
        trained_with = saved.get("text_encoder")
        if "text_encoder" in saved and trained_with != encoder.cache_key():
            raise UserError(f"{label}: trained with text encoder {trained_with}, but its config now gives "
                            f"{encoder.cache_key()} (other text.weights?)")

    @classmethod
    def prepare_data(cls, config: Config, data: TrainingImages) -> TrainingImages:
        from ganforge.data.captions import keep_captioned, read_captions
        from ganforge.data.sources import open_source

        source = open_source(config.data.path, labels=config.data.labels)
        return keep_captioned(data, read_captions(source), source)

    @classmethod
    def build_networks(cls, config: Config, data: DataInfo, text_dim: int) -> tuple[nn.Module, nn.Module]:
        raise NotImplementedError

    @classmethod
    def declare(cls, config: Config, data: DataInfo):
        from ganforge.text.prompts import attach_text_encoder, text_encoder_for
        from ganforge.training.objectives.base import NetworkDecl

        encoder = text_encoder_for(config.text)
        generator, discriminator = cls.build_networks(config, data, encoder.dim)
        attach_text_encoder(generator, encoder)
        train = config.train
        declared = [
            NetworkDecl.generator("G", generator, train),
            NetworkDecl.discriminator("D", discriminator, train),
        ]
        if config.text.contrastive_weight > 0:
            matcher = TextImageMatcher(data.channels, data.resolution, encoder.dim)
            declared.append(NetworkDecl("M", matcher, MATCHER_LR, MATCHER_BETAS))
        return declared

    def __init__(self, config: Config, networks: dict[str, nn.Module], device: torch.device, data: DataInfo):
        super().__init__(config, networks, device, data)
        self.generator, self.discriminator = networks["G"], networks["D"]
        self.encoder = self.generator.text_encoder
        self.z_dim = config.model.z_dim
        self.captions: list[str] = []
        self.table: Tensor | None = None  # frozen encoders: [captions, dim] on the device
        self.tokens: list[str] = []
        self._kept: tuple | None = None  # what the last D repeat leaves for the G step
        self._kept_ids: Tensor | None = None  # ... and the caption ids of its fakes
        self._d_fake: Tensor | None = None  # the current D step's fakes, detached
        self.matcher = networks.get("M")
        judges = ("D", "M") if self.matcher is not None else ("D",)  # trained on real pairs in the D phase
        trains = judges + (("G",) if self.encoder.trainable else ())  # D's loss trains a learned encoder
        self._phases = [
            Phase("D", trains=trains, run=self.d_step, repeats=config.train.n_dis),
            Phase("G", trains=("G",), run=self.g_step, frozen=judges, needs_batch=False),
        ]

    # -- the matching-aware D step both tasks share -------------------------------------------
    def phases(self) -> list[Phase]:
        return self._phases

    def d_step(self, batch, last: bool) -> tuple[Tensor, dict[str, Tensor]]:
        raise NotImplementedError

    def g_step(self, batch, last: bool) -> tuple[Tensor, dict[str, Tensor]]:
        raise NotImplementedError

    def keep_for_g(self, fake: Tensor, e: Tensor, z: Tensor) -> tuple:
        """What the G step reuses of the last D repeat's fakes (with their graph), made from `z`."""
        return fake, e

    def pair_logits(self, real: Tensor, e: Tensor, last: bool, ids: Tensor | None = None) -> tuple[Tensor, Tensor, Tensor]:
        """D's logits of (real, right caption), (real, wrong caption) and (G(z, e), e). The wrong
        captions: the batch rolled by one, or with `text.mismatch_pairs: all` every pair of a
        real image and another caption of the batch (`ids` tell equal captions apart). On the
        `last` repeat the fakes keep their graph for the G step."""
        e_fake, fake_ids = self.fake_conditions(e, ids)
        e_fixed = e_fake.detach()
        z = torch.randn(len(real), self.z_dim, device=self.device)
        if last:
            fake = self.generator(z, e_fixed)
            self._kept = self.keep_for_g(fake, e_fixed, z)
            self._kept_ids = fake_ids
            fake = fake.detach()
        else:
            with torch.no_grad():
                fake = self.generator(z, e_fixed)
        self._d_fake = fake  # the matcher learns these as "generated"
        features = self.discriminator.features(real)
        real_logits = self.discriminator.logits(features, e)
        if self.config.text.mismatch_pairs == "all":
            other = ids[:, None] != ids[None, :]  # pairs whose captions differ
            wrong_logits = self.discriminator.all_pair_logits(features, e)[other]
        else:
            wrong_logits = self.discriminator.logits(features, e.roll(1, dims=0))
        return real_logits, wrong_logits, self.fake_logits(fake, e_fake)

    def fake_logits(self, fake: Tensor, e: Tensor) -> Tensor:
        """D's logits of fakes with the captions they were drawn for."""
        return self.discriminator(fake, e)

    def fake_conditions(self, e: Tensor, ids: Tensor | None) -> tuple[Tensor, Tensor | None]:
        """The captions (embeddings, ids) G draws this step's fakes for: the batch's own."""
        return e, ids

    # -- the text-image matcher (text.contrastive_weight) ------------------------------------
    def matcher_d_loss(self, real: Tensor, e: Tensor, ids: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
        """The matcher's loss in the D phase (0 without a matcher): real images pick their
        captions, the fakes of this D step pick "generated"."""
        if self.matcher is None:
            return torch.zeros((), device=real.device), {}
        candidates, targets = self._candidates(e.detach(), ids)
        on_real = self.matcher.loss(real.detach(), targets, candidates, noisy=True)
        on_fake = self.matcher.loss(self._d_fake, targets, candidates, noisy=True, generated=True)
        return on_real + on_fake, {"match_real": on_real.detach(), "match_generated": on_fake.detach()}

    def matcher_g_loss(self, fake: Tensor, e: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
        """G's term: its fakes must pick their own captions, weighted by text.contrastive_weight."""
        if self.matcher is None:
            return torch.zeros((), device=fake.device), {}
        candidates, targets = self._candidates(e, self._kept_ids)
        loss = self.matcher.loss(fake, targets, candidates, noisy=True)
        return self.config.text.contrastive_weight * loss, {"match_fake": loss.detach()}

    def _candidates(self, e: Tensor, ids: Tensor) -> tuple[Tensor, Tensor]:
        """The captions an image picks from, and each image's own among them. With captions
        embedded once (a frozen encoder): every caption of the run when there are at most
        MATCHER_BANK, else the batch's and MATCHER_BANK drawn at random. With a trainable
        encoder: the batch's distinct captions."""
        if self.table is None:
            bank_ids, targets = torch.unique(ids, return_inverse=True)
            first = torch.full((len(bank_ids),), len(ids), device=ids.device).scatter_reduce(
                0, targets, torch.arange(len(ids), device=ids.device), "amin")
            return e[first], targets
        if len(self.table) <= MATCHER_BANK:
            return self.table, ids
        drawn = torch.randint(len(self.table), (MATCHER_BANK,), device=ids.device)
        bank_ids = torch.unique(torch.cat([ids, drawn]))
        return self.table[bank_ids], torch.searchsorted(bank_ids, ids)

    def take_kept(self) -> tuple:
        kept, self._kept = self._kept, None
        if kept is None:
            raise RuntimeError("the G phase runs after a D phase")
        return kept

    def drop_kept(self) -> None:
        self._kept = None

    # -- captions and embeddings ------------------------------------------------------------
    def batch_fields(self, data: TrainingImages) -> dict:
        unique = list(dict.fromkeys(text for texts in data.captions for text in texts))
        position = {text: i for i, text in enumerate(unique)}
        self.captions = unique
        if not self.encoder.trainable:
            from ganforge.text.cache import embed_captions

            self.table = embed_captions(self.encoder, unique, use_cache=self.config.text.cache).to(self.device)
            for network in (self.generator, self.discriminator):
                fit_text_standardizers(network, self.table)
        ids = [[position[text] for text in texts] for texts in data.captions]
        return {"caption": CaptionField(ids, self.config.seed)}

    def embed(self, caption_ids: Tensor, train_encoder: bool = False, encoder=None) -> Tensor:
        """Embeddings of caption ids; a trainable encoder (`encoder`, default the trained one)
        keeps its graph only when asked."""
        if self.table is not None:
            return self.table[caption_ids]
        encoder = encoder or self.encoder
        texts = [self.captions[i] for i in caption_ids.tolist()]
        if train_encoder:
            return encoder.encode(texts)
        with torch.no_grad():
            return encoder.encode(texts)

    def table_digest(self) -> str | None:
        from ganforge.text.cache import table_digest

        return table_digest(self.table.cpu()) if self.table is not None else None

    # -- grids -------------------------------------------------------------------------------
    def fixed_inputs(self, n: int, seed: int) -> dict[str, Tensor]:
        """One row per prompt (the first GRID_PROMPTS distinct captions), the same z down each column."""
        rows = max(1, min(GRID_PROMPTS, len(self.captions) or GRID_PROMPTS))
        per_row = max(1, math.ceil(n / rows))
        z = latents(per_row, self.z_dim, seed=seed).repeat(rows, 1)
        return {"z": z, "caption": torch.arange(rows).repeat_interleave(per_row)}

    def render(self, networks: dict[str, nn.Module], fixed: dict[str, Tensor]) -> tuple[Tensor, int]:
        from ganforge.sampling import to_uint8

        generator = networks["G"]
        device = next(generator.parameters()).device
        ids = fixed["caption"] % max(1, len(self.captions))
        with torch.no_grad():
            e = self.embed(ids.to(self.device), encoder=generator.text_encoder).to(device)
            images = to_uint8(generator(fixed["z"].to(device), e)).cpu()
        rows = len(torch.unique(ids))
        return images, max(1, len(images) // rows)

    def grid_labels(self, fixed: dict[str, Tensor]) -> list[str]:
        return [self.captions[i] for i in torch.unique_consecutive(fixed["caption"]).tolist()]

    # -- checkpoint --------------------------------------------------------------------------
    def state_dict(self) -> dict:
        return {"text_encoder": self.encoder.cache_key(), "embeddings_sha256": self.table_digest(),
                "captions": list(self.captions)}

    def load_state_dict(self, state: dict) -> None:
        if state.get("text_encoder") != self.encoder.cache_key():
            raise UserError(
                f"checkpoint: trained with text encoder {state.get('text_encoder')}, this config gives "
                f"{self.encoder.cache_key()} (set text.encoder/text.weights as in the run)"
            )
        if state.get("embeddings_sha256") != self.table_digest():
            raise UserError("checkpoint: the caption embeddings differ from the ones the run trained on "
                            "(other captions or encoder weights); resume with the run's data and text settings")
